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

/* The durable queue of TNS notifications: see tns-queue.h. */

#include <config.h>
#include "tns-queue.h"

#include <stdlib.h>
#include <string.h>
#include "barrier.h"
#include "hash.h"
#include "lib/nve-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(tns_queue);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* A row to delete: a notification answered, coalesced or dropped after it
 * was written. */
struct tns_row_deletion {
    struct ovs_list node;
    char *tes;
    int64_t seq;
};

struct tns_queue {
    struct hmap tes;            /* Contains "struct tns_tes_queue"s. */
    size_t max_queued;          /* Per TES. */
    size_t n_notifs;            /* In every queue. */
    bool loaded;
    bool dirty;                 /* Notifications to write: new ones, or
                                 * 'attempts' changed. */
    bool in_memory;             /* The database lacks TES_Notification (a
                                 * schema before 1.2.0): keep them in memory
                                 * only. */

    struct ovs_list deletions;          /* "struct tns_row_deletion"s to
                                         * write... */
    struct ovs_list staged_deletions;   /* ...and written in the
                                         * transaction being committed. */
    size_t n_staged;            /* Rows inserted in that transaction. */
    bool staged;                /* Is there such a transaction? */
    uint64_t staged_txn;        /* Its barrier_db_txn(). */

    struct ovsdb_idl_index *by_seq;     /* TES_Notification by (tes,
                                         * seq). */
    struct ovsdb_idl_index *tes_by_name;    /* TES by name. */
};

struct tns_queue *
tns_queue_create(struct ovsdb_idl *idl)
{
    struct tns_queue *queue = xzalloc(sizeof *queue);

    hmap_init(&queue->tes);
    ovs_list_init(&queue->deletions);
    ovs_list_init(&queue->staged_deletions);
    queue->max_queued = 1000;   /* Until tns_queue_set_limit(). */
    queue->by_seq = ovsdb_idl_index_create2(
        idl, &nverec_tes_notification_col_tes,
        &nverec_tes_notification_col_seq);
    queue->tes_by_name = ovsdb_idl_index_create1(idl, &nverec_tes_col_name);
    return queue;
}

static void
tns_notif_destroy(struct tns_notif *n)
{
    if (n) {
        hmapx_destroy(&n->sent_on);
        free(n->method);
        free(n->vsi);
        free(n->params);
        free(n);
    }
}

static void
tns_row_deletion_destroy(struct tns_row_deletion *d)
{
    free(d->tes);
    free(d);
}

void
tns_queue_destroy(struct tns_queue *queue)
{
    if (!queue) {
        return;
    }

    struct tns_tes_queue *q;
    HMAP_FOR_EACH_POP (q, node, &queue->tes) {
        struct tns_notif *n;
        LIST_FOR_EACH_POP (n, node, &q->notifs) {
            tns_notif_destroy(n);
        }
        free(q->tes);
        free(q);
    }
    hmap_destroy(&queue->tes);

    struct tns_row_deletion *d;
    LIST_FOR_EACH_POP (d, node, &queue->deletions) {
        tns_row_deletion_destroy(d);
    }
    LIST_FOR_EACH_POP (d, node, &queue->staged_deletions) {
        tns_row_deletion_destroy(d);
    }
    free(queue);
}

void
tns_queue_set_limit(struct tns_queue *queue, size_t max_queued)
{
    queue->max_queued = MAX(max_queued, 2);
}

struct tns_tes_queue *
tns_queue_find(const struct tns_queue *queue, const char *tes)
{
    struct tns_tes_queue *q;

    HMAP_FOR_EACH_WITH_HASH (q, node, hash_string(tes, 0), &queue->tes) {
        if (!strcmp(q->tes, tes)) {
            return q;
        }
    }
    return NULL;
}

static struct tns_tes_queue *
tns_queue_get(struct tns_queue *queue, const char *tes)
{
    struct tns_tes_queue *q = tns_queue_find(queue, tes);

    if (!q) {
        q = xzalloc(sizeof *q);
        q->tes = xstrdup(tes);
        ovs_list_init(&q->notifs);
        q->next_seq = 1;
        hmap_insert(&queue->tes, &q->node, hash_string(tes, 0));
    }
    return q;
}

struct tns_notif *
tns_tes_queue_head(const struct tns_tes_queue *q)
{
    return (ovs_list_is_empty(&q->notifs)
            ? NULL
            : CONTAINER_OF(ovs_list_front(&q->notifs), struct tns_notif,
                           node));
}

static struct tns_notif *
tns_notif_create(struct tns_tes_queue *q, int64_t seq, const char *method,
                 const char *vsi, char *params)
{
    struct tns_notif *n = xzalloc(sizeof *n);

    n->q = q;
    n->seq = seq;
    n->method = xstrdup(method);
    n->vsi = xstrdup(vsi);
    n->params = params;
    hmapx_init(&n->sent_on);
    n->retry_at = LLONG_MAX;
    return n;
}

/* Takes 'n' out of its queue and frees it; its row, if it may have one, is
 * deleted with the next transaction. */
static void
tns_queue_discard(struct tns_queue *queue, struct tns_notif *n)
{
    if (n->row != TNS_ROW_NEW) {
        /* A staged row may or may not commit: if it does not, there will
         * be nothing to delete. */
        struct tns_row_deletion *d = xmalloc(sizeof *d);
        d->tes = xstrdup(n->q->tes);
        d->seq = n->seq;
        ovs_list_push_back(&queue->deletions, &d->node);
    }
    ovs_list_remove(&n->node);
    n->q->n--;
    queue->n_notifs--;
    tns_notif_destroy(n);
}

void
tns_queue_remove(struct tns_queue *queue, struct tns_notif *n)
{
    tns_queue_discard(queue, n);
}

/* Whether 'n' is being delivered: sent, or about to be sent again. */
static bool
tns_notif_in_delivery(const struct tns_notif *n)
{
    return n->attempts > 0 || !hmapx_is_empty(&n->sent_on);
}

void
tns_queue_push(struct tns_queue *queue, const char *tes, const char *method,
               const char *vsi, char *params, uint64_t ticket)
{
    struct tns_tes_queue *q = tns_queue_get(queue, tes);
    bool supersedes = (!strcmp(method, "local_change")
                       || !strcmp(method, "deassociated"));

    if (supersedes) {
        /* The VSI's local_change not yet sent says less than this one. */
        struct tns_notif *old;
        LIST_FOR_EACH_SAFE (old, node, &q->notifs) {
            if (!strcmp(old->method, "local_change")
                && !strcmp(old->vsi, vsi) && !tns_notif_in_delivery(old)) {
                VLOG_DBG("tes %s: %s of vsi %s replaces its local_change "
                         "%"PRId64, tes, method, vsi, old->seq);
                q->n_coalesced++;
                tns_queue_discard(queue, old);
            }
        }
    }

    while (q->n >= queue->max_queued) {
        /* The oldest one not being delivered makes room (with a limit of
         * at least 2, there is always one). */
        struct tns_notif *victim = NULL, *n;
        LIST_FOR_EACH (n, node, &q->notifs) {
            if (!tns_notif_in_delivery(n)) {
                victim = n;
                break;
            }
        }
        if (!victim) {
            break;
        }
        VLOG_WARN_RL(&rl, "tes %s: %"PRIuSIZE" notifications queued (the "
                     "limit): dropping %s of vsi %s", tes, q->n,
                     victim->method, victim->vsi);
        q->n_dropped++;
        tns_queue_discard(queue, victim);
    }

    struct tns_notif *n = tns_notif_create(q, q->next_seq++, method, vsi,
                                           params);
    n->created_at = time_wall_msec();
    n->ticket = ticket;
    ovs_list_push_back(&q->notifs, &n->node);
    q->n++;
    queue->n_notifs++;
    queue->dirty = true;
}

void
tns_queue_note_attempt(struct tns_queue *queue, struct tns_notif *n)
{
    n->attempts++;
    n->attempts_dirty = true;
    queue->dirty = true;
}

static bool
tns_queue_tes_exists(const struct tns_queue *queue, const char *tes)
{
    struct nverec_tes *key = nverec_tes_index_init_row(queue->tes_by_name);
    nverec_tes_index_set_name(key, tes);
    bool exists = nverec_tes_index_find(queue->tes_by_name, key) != NULL;
    nverec_tes_index_destroy_row(key);
    return exists;
}

void
tns_queue_purge_removed(struct tns_queue *queue, struct ovsdb_idl *idl,
                        bool force,
                        bool (*is_connected)(const char *tes, void *aux),
                        void *aux)
{
    struct tns_tes_queue *q;

    if (!queue->loaded || (!force && !nverec_tes_track_get_first(idl))) {
        return;
    }
    HMAP_FOR_EACH_SAFE (q, node, &queue->tes) {
        if (tns_queue_tes_exists(queue, q->tes) || is_connected(q->tes, aux)) {
            continue;
        }
        if (q->n) {
            VLOG_INFO("tes %s no longer exists: dropping its %"PRIuSIZE
                      " queued notifications", q->tes, q->n);
        }
        struct tns_notif *n;
        LIST_FOR_EACH_SAFE (n, node, &q->notifs) {
            tns_queue_discard(queue, n);
        }
        hmap_remove(&queue->tes, &q->node);
        free(q->tes);
        free(q);
    }
}

static int
compare_notifs(const void *a_, const void *b_)
{
    const struct tns_notif *const *a = a_;
    const struct tns_notif *const *b = b_;
    int cmp = strcmp((*a)->q->tes, (*b)->q->tes);

    return (cmp ? cmp
            : (*a)->seq < (*b)->seq ? -1
            : (*a)->seq > (*b)->seq);
}

bool
tns_queue_load(struct tns_queue *queue, struct ovsdb_idl *idl)
{
    if (queue->loaded) {
        return true;
    } else if (!ovsdb_idl_has_ever_connected(idl)) {
        return false;
    }

    struct tns_notif **notifs = NULL;
    size_t n_notifs = 0, allocated = 0;
    const struct nverec_tes_notification *row;
    NVEREC_TES_NOTIFICATION_FOR_EACH (row, idl) {
        struct tns_tes_queue *q = tns_queue_get(queue, row->tes);
        struct tns_notif *n = tns_notif_create(q, row->seq, row->method,
                                               row->vsi,
                                               xstrdup(row->params));
        n->created_at = row->created_at;
        n->attempts = row->attempts;
        n->row = TNS_ROW_COMMITTED;
        if (n_notifs >= allocated) {
            notifs = x2nrealloc(notifs, &allocated, sizeof *notifs);
        }
        notifs[n_notifs++] = n;
    }
    if (n_notifs) {
        qsort(notifs, n_notifs, sizeof *notifs, compare_notifs);
    }
    for (size_t i = 0; i < n_notifs; i++) {
        struct tns_notif *n = notifs[i];
        struct tns_tes_queue *q = n->q;

        ovs_list_push_back(&q->notifs, &n->node);
        q->n++;
        q->next_seq = MAX(q->next_seq, n->seq + 1);
    }
    queue->n_notifs = n_notifs;
    free(notifs);

    queue->loaded = true;
    if (n_notifs) {
        VLOG_INFO("loaded %"PRIuSIZE" queued notifications from the "
                  "database", n_notifs);
    }
    return true;
}

void
tns_queue_run(struct tns_queue *queue, const struct ovsdb_idl_loop *loop,
              const struct barrier *barrier)
{
    if (!queue->staged || loop->committing_txn) {
        return;
    }

    bool committed = barrier_db_txn_committed(barrier, queue->staged_txn);
    if (!committed) {
        VLOG_INFO_RL(&rl, "notification transaction failed, retrying");
    }
    if (queue->n_staged) {
        struct tns_tes_queue *q;
        HMAP_FOR_EACH (q, node, &queue->tes) {
            struct tns_notif *n;
            LIST_FOR_EACH (n, node, &q->notifs) {
                if (n->row == TNS_ROW_STAGED) {
                    n->row = committed ? TNS_ROW_COMMITTED : TNS_ROW_NEW;
                    queue->dirty |= !committed;
                }
            }
        }
    }
    if (committed) {
        struct tns_row_deletion *d;
        LIST_FOR_EACH_POP (d, node, &queue->staged_deletions) {
            tns_row_deletion_destroy(d);
        }
    } else {
        ovs_list_push_back_all(&queue->deletions, &queue->staged_deletions);
    }
    queue->n_staged = 0;
    queue->staged = false;
}

static const struct nverec_tes_notification *
tns_queue_find_row(const struct tns_queue *queue, const char *tes,
                   int64_t seq)
{
    struct nverec_tes_notification *key
        = nverec_tes_notification_index_init_row(queue->by_seq);
    nverec_tes_notification_index_set_tes(key, tes);
    nverec_tes_notification_index_set_seq(key, seq);
    const struct nverec_tes_notification *row
        = nverec_tes_notification_index_find(queue->by_seq, key);
    nverec_tes_notification_index_destroy_row(key);
    return row;
}

/* Writes the new notifications, and the changed attempts, into 'txn'.
 * Returns true if it wrote a new one. */
static bool
tns_queue_write(struct tns_queue *queue, struct ovsdb_idl_txn *txn)
{
    bool wrote = false;

    struct tns_tes_queue *q;
    HMAP_FOR_EACH (q, node, &queue->tes) {
        struct tns_notif *n;
        LIST_FOR_EACH (n, node, &q->notifs) {
            if (n->row == TNS_ROW_NEW) {
                struct nverec_tes_notification *row
                    = nverec_tes_notification_insert(txn);
                nverec_tes_notification_set_tes(row, q->tes);
                nverec_tes_notification_set_seq(row, n->seq);
                nverec_tes_notification_set_method(row, n->method);
                nverec_tes_notification_set_vsi(row, n->vsi);
                nverec_tes_notification_set_params(row, n->params);
                nverec_tes_notification_set_created_at(row, n->created_at);
                nverec_tes_notification_set_attempts(row, n->attempts);
                n->row = TNS_ROW_STAGED;
                n->attempts_dirty = false;
                queue->n_staged++;
                wrote = true;
            } else if (n->attempts_dirty && n->row == TNS_ROW_COMMITTED) {
                /* For the operator's eyes only: no ticket, no retry. */
                const struct nverec_tes_notification *row
                    = tns_queue_find_row(queue, q->tes, n->seq);
                if (row) {
                    nverec_tes_notification_set_attempts(row, n->attempts);
                }
                n->attempts_dirty = false;
            }
        }
    }
    return wrote;
}

void
tns_queue_sync(struct tns_queue *queue, struct ovsdb_idl *idl,
               struct ovsdb_idl_txn *txn, struct barrier *barrier)
{
    if (!txn || !queue->loaded) {
        return;
    }

    bool was_in_memory = queue->in_memory;
    queue->in_memory = !ovsdb_idl_server_has_table(
        idl, &nverec_table_tes_notification);
    if (queue->in_memory) {
        /* Writing the rows would fail the round's whole transaction. */
        if (!was_in_memory) {
            VLOG_WARN("the NVE database has no TES_Notification table (its "
                      "schema is older than 1.2.0): notifications are kept "
                      "in memory only until \"ovs-nve-ctl upgrade-db\"");
        }
        struct tns_row_deletion *d;
        LIST_FOR_EACH_POP (d, node, &queue->deletions) {
            tns_row_deletion_destroy(d);
        }
        if (queue->dirty) {
            struct tns_tes_queue *q;
            HMAP_FOR_EACH (q, node, &queue->tes) {
                struct tns_notif *n;
                LIST_FOR_EACH (n, node, &q->notifs) {
                    n->row = TNS_ROW_COMMITTED;
                    n->attempts_dirty = false;
                }
            }
            queue->dirty = false;
        }
        return;
    }

    bool wrote = false;
    struct tns_row_deletion *d;
    LIST_FOR_EACH_POP (d, node, &queue->deletions) {
        const struct nverec_tes_notification *row
            = tns_queue_find_row(queue, d->tes, d->seq);
        if (row) {
            nverec_tes_notification_delete(row);
            ovs_list_push_back(&queue->staged_deletions, &d->node);
            wrote = true;
        } else {
            tns_row_deletion_destroy(d);
        }
    }

    if (queue->dirty) {
        /* Only a round that queued or sent something looks at every
         * notification. */
        wrote |= tns_queue_write(queue, txn);
        queue->dirty = false;
    }
    if (wrote) {
        queue->staged = true;
        queue->staged_txn = barrier_db_txn(barrier);
    }
}

bool
tns_notif_is_deliverable(const struct tns_notif *n,
                         const struct barrier *barrier)
{
    return n->row == TNS_ROW_COMMITTED && barrier_is_done(barrier, n->ticket);
}

const struct hmap *
tns_queue_all(const struct tns_queue *queue)
{
    return &queue->tes;
}

size_t
tns_queue_count(const struct tns_queue *queue)
{
    return queue->n_notifs;
}

static int
compare_tes_queues(const void *a_, const void *b_)
{
    const struct tns_tes_queue *const *a = a_;
    const struct tns_tes_queue *const *b = b_;

    return strcmp((*a)->tes, (*b)->tes);
}

void
tns_queue_format(const struct tns_queue *queue, struct ds *ds)
{
    ds_put_format(ds, "notifications queued: %"PRIuSIZE" (limit %"PRIuSIZE
                  " per tes)%s\n", queue->n_notifs, queue->max_queued,
                  queue->in_memory ? ", not durable" : "");

    size_t n = hmap_count(&queue->tes);
    const struct tns_tes_queue **qs = xmalloc(MAX(n, 1) * sizeof *qs);
    const struct tns_tes_queue *q;
    size_t i = 0;
    HMAP_FOR_EACH (q, node, &queue->tes) {
        qs[i++] = q;
    }
    qsort(qs, n, sizeof *qs, compare_tes_queues);

    long long int now = time_wall_msec();
    for (i = 0; i < n; i++) {
        q = qs[i];
        const struct tns_notif *head = tns_tes_queue_head(q);

        ds_put_format(ds, "  tes=%s queued=%"PRIuSIZE, q->tes, q->n);
        if (head) {
            ds_put_format(ds, " oldest=%s:%s age=%lldms attempts=%"PRId64,
                          head->method, head->vsi,
                          MAX(now - head->created_at, 0), head->attempts);
        }
        ds_put_format(ds, " delivered=%"PRIu64" refused=%"PRIu64
                      " coalesced=%"PRIu64" dropped=%"PRIu64"\n",
                      q->n_delivered, q->n_refused, q->n_coalesced,
                      q->n_dropped);
    }
    free(qs);
}
