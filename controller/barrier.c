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


/* The one barrier of nve-controller: see barrier.h. */

#include <config.h>
#include "barrier.h"

#include <string.h>
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "ovsdb-idl.h"
#include "util.h"

/* A round whose flows went to the switch as 'seqno', not yet confirmed. */
struct barrier_put {
    uint64_t round;
    uint64_t seqno;
};

struct barrier {
    uint64_t round;             /* Tickets of this round. */
    bool used;                  /* Has this round given a ticket? */

    /* Rounds that still need a transaction, or a put, to carry them. */
    bool db_owed;
    bool flows_owed;

    /* Nonzero: the open transaction leaves out the changes of this ticket
     * and later ones (barrier_db_defer()). */
    uint64_t db_deferred;

    /* Transactions that carry rounds are numbered 1, 2, ... in the IDL
     * loop's next_cfg, which becomes its cur_cfg once one commits: a
     * number of its own, since a transaction that leaves changes out
     * completes an earlier round than its own, maybe the same as the one
     * before it did.  One is in flight at a time: 'txn_round' is the
     * newest round that transaction number 'txn_seq' completes. */
    uint64_t txn_seq;
    uint64_t txn_round;
    uint64_t txn_committed;     /* Newest transaction number committed. */
    uint64_t txn_failed;        /* Newest one that barrier_run() saw fail. */

    uint64_t db_done;           /* Newest round committed. */
    uint64_t flows_done;        /* Newest round installed. */
    struct barrier_put *puts;   /* FIFO of rounds awaiting install. */
    size_t n_puts, allocated_puts;
};

struct barrier *
barrier_create(void)
{
    struct barrier *b = xzalloc(sizeof *b);

    b->round = 1;
    return b;
}

void
barrier_destroy(struct barrier *b)
{
    if (b) {
        free(b->puts);
        free(b);
    }
}

void
barrier_run(struct barrier *b, const struct ovsdb_idl_loop *loop)
{
    if (loop->cur_cfg > 0 && (uint64_t) loop->cur_cfg > b->txn_committed) {
        b->txn_committed = loop->cur_cfg;
        if (b->txn_committed >= b->txn_seq && b->txn_round > b->db_done) {
            b->db_done = b->txn_round;
        }
    }
    /* The transaction that was to carry a round failed: whoever wrote in
     * it writes again, so the next transaction must carry a round too. */
    if (!loop->committing_txn && loop->next_cfg > loop->cur_cfg) {
        b->db_owed = true;
        b->txn_failed = loop->next_cfg;
    }
}

void
barrier_wait(const struct barrier *b, const struct ovsdb_idl_loop *loop)
{
    /* A transaction that had nothing to commit completes within
     * ovsdb_idl_loop_commit_and_wait() and wakes nobody. */
    if (loop->cur_cfg > 0 && (uint64_t) loop->cur_cfg > b->txn_committed) {
        poll_immediate_wake();
    }
    /* Nor does one that failed: its writers write again, so the next
     * round must come.  Once per failure: barrier_run() notes it (and
     * while the database is away, no transaction follows it). */
    if (!loop->committing_txn && loop->next_cfg > loop->cur_cfg
        && (uint64_t) loop->next_cfg > b->txn_failed) {
        poll_immediate_wake();
    }
}

uint64_t
barrier_ticket(struct barrier *b)
{
    b->used = true;
    return b->round;
}

void
barrier_db_defer(struct barrier *b, uint64_t ticket)
{
    if (ticket && (!b->db_deferred || ticket < b->db_deferred)) {
        b->db_deferred = ticket;
    }
}

void
barrier_round_end(struct barrier *b, struct ovsdb_idl_loop *loop,
                  uint64_t put_seqno, uint64_t installed_seqno)
{
    /* A round number that went into a transaction or a put is never given
     * out again. */
    bool consumed = false;

    b->db_owed |= b->used;
    if (b->db_owed && loop->open_txn) {
        /* ovsdb_idl_loop_commit_and_wait() makes cur_cfg this number once
         * the transaction commits, or if it had nothing to commit. */
        loop->next_cfg = ++b->txn_seq;
        if (b->db_deferred) {
            /* It completes the rounds before the first change it leaves
             * out; the rounds from there on are still owed. */
            b->txn_round = b->db_deferred - 1;
        } else {
            b->txn_round = b->round;
            b->db_owed = false;
            consumed = true;
        }
    }
    b->db_deferred = 0;

    b->flows_owed |= b->used;
    if (b->flows_owed && put_seqno && b->n_puts
        && b->puts[b->n_puts - 1].seqno == put_seqno) {
        /* The same flows as the last round's, which the switch has not yet
         * confirmed (it may be away): this round is done when that one is.
         * So the FIFO holds one entry per put in flight, however long the
         * switch stays away. */
        b->puts[b->n_puts - 1].round = b->round;
        b->flows_owed = false;
        consumed = true;
    } else if (b->flows_owed && put_seqno) {
        if (b->n_puts >= b->allocated_puts) {
            b->puts = x2nrealloc(b->puts, &b->allocated_puts,
                                 sizeof *b->puts);
        }
        b->puts[b->n_puts++] = (struct barrier_put) {
            .round = b->round, .seqno = put_seqno,
        };
        b->flows_owed = false;
        consumed = true;
    }

    size_t done = 0;
    while (done < b->n_puts && b->puts[done].seqno <= installed_seqno) {
        b->flows_done = b->puts[done++].round;
    }
    if (done) {
        b->n_puts -= done;
        memmove(b->puts, &b->puts[done], b->n_puts * sizeof *b->puts);
    }

    if (consumed) {
        b->round++;
        b->used = false;
    }
}

uint64_t
barrier_db_txn(struct barrier *b)
{
    barrier_ticket(b);
    return b->txn_seq + 1;
}

bool
barrier_db_txn_committed(const struct barrier *b, uint64_t txn)
{
    return txn <= b->txn_committed;
}

uint64_t
barrier_db_first_pending(const struct barrier *b)
{
    return b->db_done + 1;
}

bool
barrier_db_is_done(const struct barrier *b, uint64_t ticket)
{
    return ticket <= b->db_done;
}

bool
barrier_is_done(const struct barrier *b, uint64_t ticket)
{
    return ticket <= b->db_done && ticket <= b->flows_done;
}

void
barrier_format(const struct barrier *b, struct ds *s)
{
    ds_put_format(s, "generation: %"PRIu64" (committed %"PRIu64", "
                  "installed %"PRIu64")\n", b->round, b->db_done,
                  b->flows_done);
    ds_put_format(s, "transactions: %"PRIu64" committed of %"PRIu64"\n",
                  b->txn_committed, b->txn_seq);
}
