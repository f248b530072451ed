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

#ifndef NVE_TNS_QUEUE_H
#define NVE_TNS_QUEUE_H 1

/* The NVE's TNS notifications, queued per TES in the NVE database (table
 * TES_Notification) until the TES answers them.
 *
 * A notification is pushed in the round of the change that causes it and
 * written by tns_queue_sync() into the same transaction as that change
 * (vsi_table_sync() writes the change in the same round), so that a
 * notification row exists exactly when its change is durable; if that
 * transaction fails, both are written again into the next one.  Once it
 * committed (tns_queue_run()) and the change's flows are installed
 * (barrier_is_done() of its ticket), the notification may be delivered.
 * The front end (tns-server.c) delivers each TES's queue in order, one
 * notification at a time, and removes a notification once it is answered:
 * its row is deleted with the next transaction.  At start, the queue is
 * loaded from the database, so a notification due before a crash is
 * delivered after it (at least once: one answered just before the crash,
 * whose row deletion did not commit, comes again).
 *
 * Bounds and coalescing, in tns_queue_push():
 *   - A "local_change" of a VSI replaces its TES's queued, not yet sent
 *     "local_change" of the same VSI (each carries all the VSI's
 *     networks, so the last says everything); a "deassociated" replaces
 *     them too (the VSI is gone).
 *   - A TES has at most 'max_queued' notifications queued: past it, the
 *     oldest one not being delivered is dropped, counted and logged.
 *   - The queue of a TES removed from the TES table goes once it has no
 *     connection left (tns_queue_purge_removed()). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hmapx.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"

struct barrier;
struct ds;
struct ovsdb_idl;
struct ovsdb_idl_loop;
struct ovsdb_idl_txn;

/* Where a notification's row stands. */
enum tns_notif_row {
    TNS_ROW_NEW,                /* Not yet written. */
    TNS_ROW_STAGED,             /* In the transaction being committed. */
    TNS_ROW_COMMITTED,          /* In the database. */
};

/* One notification to a TES. */
struct tns_notif {
    struct ovs_list node;       /* In struct tns_tes_queue 'notifs', by
                                 * 'seq'. */
    struct tns_tes_queue *q;
    int64_t seq;                /* Order within the TES's queue. */
    char *method;               /* "local_change", "deassociated",
                                 * "activated". */
    char *vsi;
    char *params;               /* The JSON-RPC params, as JSON text. */
    long long int created_at;   /* Wall clock, ms. */
    int64_t attempts;           /* Times it was sent (waves of sending to
                                 * every connection of the TES). */
    bool attempts_dirty;        /* 'attempts' changed since written. */
    uint64_t ticket;            /* Deliver once barrier_is_done(ticket). */
    enum tns_notif_row row;

    /* Delivery, by the front end. */
    struct hmapx sent_on;       /* Connections it was sent on in the
                                 * current attempt. */
    long long int retry_at;     /* When the current attempt ends (LLONG_MAX
                                 * if none is under way). */
    bool held;                  /* The TES asked to retry later: send
                                 * nothing before 'retry_at'. */
};

/* The notifications of one TES. */
struct tns_tes_queue {
    struct hmap_node node;      /* In struct tns_queue 'tes', by name. */
    char *tes;
    struct ovs_list notifs;     /* Contains "struct tns_notif"s, by seq. */
    size_t n;                   /* Number of 'notifs'. */
    int64_t next_seq;

    /* Statistics. */
    uint64_t n_delivered;       /* Answered with a success. */
    uint64_t n_refused;         /* Answered with an error (not BUSY). */
    uint64_t n_coalesced;       /* Replaced by a later one. */
    uint64_t n_dropped;         /* Dropped at the bound. */
};

struct tns_queue *tns_queue_create(struct ovsdb_idl *);
void tns_queue_destroy(struct tns_queue *);

/* Sets the bound on each TES's queue (at least 2). */
void tns_queue_set_limit(struct tns_queue *, size_t max_queued);

/* Loads the queued notifications from the database, once, when it is
 * first available; returns whether they are loaded. */
bool tns_queue_load(struct tns_queue *, struct ovsdb_idl *);

/* Notes whether the transaction with the staged rows committed, or failed
 * (then they are written again).  Call every round, after
 * ovsdb_idl_loop_run(). */
void tns_queue_run(struct tns_queue *, const struct ovsdb_idl_loop *,
                   const struct barrier *);

/* Queues notification 'method' of 'vsi' for 'tes' with JSON-RPC 'params'
 * (JSON text, which it takes), deliverable once barrier_is_done(ticket). */
void tns_queue_push(struct tns_queue *, const char *tes, const char *method,
                    const char *vsi, char *params, uint64_t ticket);

/* Writes the new rows, attempts and deletions into 'txn' (if not NULL).
 * Call in the round of the pushes, before barrier_round_end().  If the
 * database's schema predates the table, the notifications are only kept
 * in memory (and lost on a restart), rather than fail every
 * transaction. */
void tns_queue_sync(struct tns_queue *, struct ovsdb_idl *,
                    struct ovsdb_idl_txn *, struct barrier *);

/* The queue of 'tes', or NULL. */
struct tns_tes_queue *tns_queue_find(const struct tns_queue *,
                                     const char *tes);

/* The oldest notification of 'q', or NULL. */
struct tns_notif *tns_tes_queue_head(const struct tns_tes_queue *);

/* Whether 'n' is committed and its change installed, so that it may be
 * sent. */
bool tns_notif_is_deliverable(const struct tns_notif *,
                              const struct barrier *);

/* Notes that 'n' is being sent once more (written with the next
 * transaction, for the operator's eyes). */
void tns_queue_note_attempt(struct tns_queue *, struct tns_notif *);

/* Removes 'n', answered, from its queue (its row goes with the next
 * transaction). */
void tns_queue_remove(struct tns_queue *, struct tns_notif *);

/* Drops the queue of every TES that is no longer in the TES table of
 * 'idl' and for which 'is_connected' says that no connection is left to
 * hear it (none could become its own).  Looks only if the TES table changed
 * in this round, or if 'force' (a connection closed, a notification was
 * queued). */
void tns_queue_purge_removed(struct tns_queue *, struct ovsdb_idl *,
                             bool force,
                             bool (*is_connected)(const char *tes,
                                                  void *aux),
                             void *aux);

/* Every TES's queue, for the front end: HMAP_FOR_EACH over it. */
const struct hmap *tns_queue_all(const struct tns_queue *);

/* Number of notifications queued for every TES. */
size_t tns_queue_count(const struct tns_queue *);

/* unixctl output: one line per TES with a queue. */
void tns_queue_format(const struct tns_queue *, struct ds *);

#endif /* tns-queue.h */
