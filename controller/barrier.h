/*
 * Copyright (c) 2026 The ovs-nve authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */


#ifndef NVE_BARRIER_H
#define NVE_BARRIER_H 1

/* One answer to "is everything done up to now?", for every part of
 * nve-controller that must not speak before a change is both durable (its
 * transaction on the NVE database committed) and installed (its flows
 * confirmed in the switch by a barrier): replies to TNS requests, VDP
 * responses, notifications, NVE_Global.cur_cfg.
 *
 * A part that has just made changes in memory takes a ticket,
 * barrier_ticket(), and later asks barrier_is_done(ticket).  Tickets are
 * numbers of main loop rounds: every change of a round goes into that
 * round's database transaction and its OpenFlow bundle, so one number says
 * when all of them are done (group commit).  A writer that leaves some of
 * its changes to a later transaction says so (barrier_db_defer()).  Nothing else in the daemon
 * tracks this.  The shape is that of OVN's controller/ofctrl-seqno.c, with
 * the database as a second condition.
 *
 * Each round, in this order:
 *   barrier_run()        at the start, after ovsdb_idl_loop_run();
 *   ...changes, barrier_ticket()...
 *   barrier_round_end()  after ofctrl_put(), before the transaction is
 *                        committed;
 *   ...barrier_is_done() for whatever waits...
 *   barrier_wait()       after ovsdb_idl_loop_commit_and_wait(). */

#include <stdbool.h>
#include <stdint.h>

struct ds;
struct ovsdb_idl_loop;

struct barrier *barrier_create(void);
void barrier_destroy(struct barrier *);

/* Notes what the database committed since the last round. */
void barrier_run(struct barrier *, const struct ovsdb_idl_loop *);

/* Wakes the next round if the database has committed something new, or if
 * a transaction that carried rounds failed. */
void barrier_wait(const struct barrier *, const struct ovsdb_idl_loop *);

/* The ticket of every change made so far: they are done once
 * barrier_is_done() says so. */
uint64_t barrier_ticket(struct barrier *);

/* Says that the open transaction of 'loop' leaves out changes from ticket
 * 'ticket' on (a writer that bounds a transaction's size writes the rest
 * in later ones): once it commits, only the tickets before are done.
 * Holds for this round only: call it each round that leaves some out. */
void barrier_db_defer(struct barrier *, uint64_t ticket);

/* Closes the round: its changes are in the open transaction of 'loop', if
 * there is one (else they go into the next one), and in the flows that
 * ofctrl_put() sent as 'put_seqno' (0 if it sent none: then they go with
 * the next put).  'installed_seqno' is ofctrl_installed_seqno(). */
void barrier_round_end(struct barrier *, struct ovsdb_idl_loop *,
                       uint64_t put_seqno, uint64_t installed_seqno);

/* Whether every change up to 'ticket' is committed and installed (0 is
 * always done). */
bool barrier_is_done(const struct barrier *, uint64_t ticket);

/* The oldest round whose changes are not committed yet: deferring it
 * (barrier_db_defer()) makes the open transaction complete no round. */
uint64_t barrier_db_first_pending(const struct barrier *);

/* Whether every change up to 'ticket' is committed. */
bool barrier_db_is_done(const struct barrier *, uint64_t ticket);

/* For a part that wrote into the open transaction: takes a ticket, so
 * that the round is carried by that transaction, and returns the number
 * the transaction gets at the round's end.  Once the loop has no
 * transaction in flight, barrier_db_txn_committed() says whether it
 * committed (whether its rounds are done may depend on others:
 * barrier_db_defer()). */
uint64_t barrier_db_txn(struct barrier *);
bool barrier_db_txn_committed(const struct barrier *, uint64_t txn);

/* unixctl output. */
void barrier_format(const struct barrier *, struct ds *);

#endif /* barrier.h */
