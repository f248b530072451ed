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


/* The VSI core's persistence in the NVE database: see vsi-db.h. */

#include <config.h>
#include "vsi-db.h"

#include <stdlib.h>
#include <string.h>
#if HAVE_DECL_MALLOC_TRIM
#include <malloc.h>
#endif
#include "barrier.h"
#include "coverage.h"
#include "jsonrpc.h"
#include "lib/nve-idl.h"
#include "lib/nve-options.h"
#include "lib/nve-util.h"
#include "lib/vsi-row.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-cs.h"
#include "ovsdb-data.h"
#include "ovsdb-error.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "smap.h"
#include "timeval.h"
#include "util.h"
#include "uuid.h"
#include "uuidset.h"
#include "vsi-config.h"
#include "vsi-counters.h"
#include "vsi.h"

VLOG_DEFINE_THIS_MODULE(vsi_db);

COVERAGE_DEFINE(vsi_db_txn_failed);

/* A row of the VSI table, as the main IDL's connection reports it: the IDL
 * keeps no replica of the table (see vsi_db_create()). */
struct vsi_db_row_entry {
    struct hmap_node node;      /* In struct vsi_db's 'rows' or 'gone'. */
    struct uuid uuid;
    char vsi_id[];              /* Its vsi_id column. */
};

struct vsi_db {
    /* VSIs whose rows must be written ('dirty'), and those written in the
     * transaction being committed ('staged', with ticket
     * 'staged_ticket').  'dirty' is in the order of the VSIs'
     * 'dirty_ticket's: a VSI marked dirty again keeps its place. */
    struct ovs_list dirty;
    struct ovs_list staged;
    uint64_t staged_ticket;
    uint64_t staged_txn;        /* barrier_db_txn(), 0 if none pending. */

    /* The rows' images (see "Images of rows" below) of an earlier epoch
     * are void: a transaction failed since. */
    unsigned int epoch;

    /* VSIs whose keep-alive time alone changed, written in a batch at
     * 'next_flush' (vsi_db_mark_refreshed()): they wait in 'refreshed'
     * until then, and in 'flushing' until written.  A VSI in 'flushing' is
     * dirty too, of lower priority: a transaction takes the VSIs in
     * 'dirty' first, whose requests wait for it, and then those, up to
     * its size (vsi_db_sync()).  A VSI marked dirty leaves 'flushing'. */
    struct ovs_list refreshed;
    struct ovs_list flushing;
    long long int next_flush;

    /* The last transaction failed: the next one writes every dirty VSI. */
    bool write_all;

    /* Transactions that failed in a row, and when the next may start: at
     * once after one failure, then after VSI_DB_RETRY_MIN ms, doubling up
     * to VSI_DB_RETRY_MAX, so that an error that persists is not retried
     * in a loop. */
    unsigned int n_failures;
    long long int retry_at;

    struct ovsdb_idl *idl;

    /* The rows of the VSI table: those that the database has, as of the
     * last update that 'idl' received ('rows'), and those that it lost
     * since vsi_db_for_each_deleted() last reported ('gone').  The updates
     * come on 'idl''s connection, in order with its transactions' replies:
     * whenever a transaction can commit, 'rows' is as up to date as a
     * replica would be. */
    struct hmap rows;
    struct hmap gone;

    /* The rows that this daemon deleted, until the IDL reports them
     * deleted: so that the deletion is not taken for the operator's when
     * the VSI came back meanwhile (associated again while the deletion was
     * being committed, before its new row is written).  At most one per
     * VSI removed since; an entry goes when its deletion is seen, or when
     * the row, still there (the transaction failed), is written again. */
    struct uuidset own_deletions;

    /* Until the VSIs are loaded: a connection of its own to the database
     * that reads the VSI and VSI_Binding rows whole, once, in one
     * transaction (see vsi_db_create()). */
    bool loaded;                /* vsi_db_load() is done. */
    bool trimmed;               /* vsi_db_trim_after_load() is done. */
    struct jsonrpc_session *loader;
    char *loader_remote;        /* Freed once 'loader' is created. */
    struct json *loader_id;     /* The request's id, if sent. */
    unsigned int loader_seqno;  /* The connection it was sent on. */
    struct jsonrpc_msg *loader_reply;
    long long int loader_started;
    long long int loaded_at;
};

static void vsi_db_close_loader(struct vsi_db *);

static struct vsi_db_row_entry *
row_entry_find(const struct hmap *rows, const struct uuid *uuid)
{
    struct vsi_db_row_entry *e;

    HMAP_FOR_EACH_WITH_HASH (e, node, uuid_hash(uuid), rows) {
        if (uuid_equals(&e->uuid, uuid)) {
            return e;
        }
    }
    return NULL;
}

static void
row_entries_clear(struct hmap *rows)
{
    struct vsi_db_row_entry *e;

    HMAP_FOR_EACH_POP (e, node, rows) {
        free(e);
    }
}

/* Whether the database has the VSI row with 'uuid'. */
static bool
vsi_db_has_row(const struct vsi_db *db, const struct uuid *uuid)
{
    return !uuid_is_zero(uuid) && row_entry_find(&db->rows, uuid);
}

/* The IDL's row handler for the VSI table (ovs-patches/0004): 'ru' is an
 * update of one row, or null when every row is gone and the database's
 * follow (after a reconnection, a snapshot that does not follow on from
 * what 'idl' had).  A row that leaves 'rows' waits in 'gone' until
 * vsi_db_for_each_deleted() reports it, unless the snapshot brings it back
 * meanwhile: a row that the snapshot lacks was deleted. */
static void
vsi_db_row_update(void *db_, const struct ovsdb_cs_row_update *ru)
{
    struct vsi_db *db = db_;

    if (!ru) {
        struct vsi_db_row_entry *e;
        HMAP_FOR_EACH_POP (e, node, &db->rows) {
            hmap_insert(&db->gone, &e->node, uuid_hash(&e->uuid));
        }
        return;
    }

    struct vsi_db_row_entry *e = row_entry_find(&db->rows, &ru->row_uuid);
    if (ru->type == OVSDB_CS_ROW_DELETE) {
        if (e) {
            hmap_remove(&db->rows, &e->node);
            hmap_insert(&db->gone, &e->node, uuid_hash(&e->uuid));
        }
        return;
    }

    /* An insertion, or a modification of vsi_id (never written after the
     * insertion by this daemon, but the column is the operator's too). */
    const struct json *id = ru->columns ? shash_find_data(ru->columns,
                                                          "vsi_id") : NULL;
    if (e && !id) {
        return;
    }
    if (!e) {
        e = row_entry_find(&db->gone, &ru->row_uuid);
        if (e) {
            hmap_remove(&db->gone, &e->node);
            hmap_insert(&db->rows, &e->node, uuid_hash(&e->uuid));
            if (!id) {
                return;
            }
        }
    }
    const char *s = id && id->type == JSON_STRING ? json_string(id) : "";
    if (e && !strcmp(e->vsi_id, s)) {
        return;
    }
    size_t len = strlen(s);
    if (e) {
        hmap_remove(&db->rows, &e->node);
    }
    e = xrealloc(e, sizeof *e + len + 1);
    e->uuid = ru->row_uuid;
    memcpy(e->vsi_id, s, len + 1);
    hmap_insert(&db->rows, &e->node, uuid_hash(&e->uuid));
}

struct vsi_db *
vsi_db_create(struct ovsdb_idl *idl, const char *remote)
{
    struct vsi_db *db = xzalloc(sizeof *db);

    ovs_list_init(&db->dirty);
    ovs_list_init(&db->staged);
    ovs_list_init(&db->refreshed);
    ovs_list_init(&db->flushing);
    db->idl = idl;
    hmap_init(&db->rows);
    hmap_init(&db->gone);
    uuidset_init(&db->own_deletions);

    /* Only this daemon writes the VSI and VSI_Binding tables, and once the
     * VSIs are loaded it reads nothing of them but which VSI rows exist:
     * a write compares the VSI with its row's image (see "Images of
     * rows"), and the NVA client follows the VSI table (nva-client.h).  So
     * 'idl' keeps no replica of either (ovs-patches/0002 and 0004):
     *
     *   - Of the VSI table it monitors only vsi_id, and hands each update
     *     to vsi_db_row_update(), which keeps the row's UUID and vsi_id
     *     ('rows', about 90 bytes per VSI; an IDL row, whatever it
     *     replicates, costs 1.3 kB: BENCHMARK.md).  The UUID says whether
     *     the row that a VSI remembers is there to write; vsi_id tells
     *     which VSI an operator removed by deleting its row
     *     (vsi_db_for_each_deleted()).
     *   - A write of an existing row goes through a ghost row, which the
     *     IDL creates for the transaction and writes by UUID ("where _uuid
     *     == "): every column but vsi_id is written unreplicated.
     *   - ovsdb-server sends back of a write only what 'idl' monitors: of
     *     an insertion, vsi_id; of any other write, nothing.
     *   - No VSI_Binding row is monitored at all: a VSI row refers to new
     *     ones when its bindings change, and the old ones, no longer
     *     referred to, go with the transaction.
     *
     * Loading needs every column, once: a connection of its own,
     * 'loader', opened once the main IDL has read the database
     * (vsi_db_load_ready()), selects both tables whole in one transaction,
     * whose reply vsi_db_load() turns into VSIs a row at a time, and is
     * then closed. */
    ovsdb_idl_add_column(idl, &nverec_vsi_col_vsi_id);
    ovsdb_idl_set_row_handler(idl, &nverec_table_vsi, vsi_db_row_update, db);
    for (size_t i = 0; i < NVEREC_VSI_N_COLUMNS; i++) {
        const struct ovsdb_idl_column *column = &nverec_vsi_columns[i];
        if (column != &nverec_vsi_col_vsi_id) {
            ovsdb_idl_set_write_unreplicated(idl, column, true);
        }
    }

    db->loader_remote = xstrdup(remote);
    return db;
}

void
vsi_db_destroy(struct vsi_db *db)
{
    if (db) {
        ovsdb_idl_set_row_handler(db->idl, &nverec_table_vsi, NULL, NULL);
        row_entries_clear(&db->rows);
        hmap_destroy(&db->rows);
        row_entries_clear(&db->gone);
        hmap_destroy(&db->gone);
        uuidset_destroy(&db->own_deletions);
        vsi_db_close_loader(db);
        free(db->loader_remote);
        free(db);
    }
}

/* After a transaction failed: a VSI whose row it inserted may have met a
 * row of the same vsi_id that this daemon did not write, which the
 * schema's index on vsi_id does not allow.  Such a row was inserted by
 * another client, or was not loaded at start (its state unknown, say);
 * either way no VSI of this NVE is behind it.  The VSI takes it over: its
 * next write goes to that row, by UUID, and writes every column, since a
 * failure voids the images of the rows.  Without that, the insertion, and
 * every other write of the transactions that retry it, would fail for
 * good.  A failure is rare: one pass over 'rows' then is affordable. */
static void
vsi_db_take_over_rows(struct vsi_db *db)
{
    struct shash inserted = SHASH_INITIALIZER(&inserted);
    struct vsi *v;

    LIST_FOR_EACH (v, sync_node, &db->staged) {
        if (v->state != VSI_ABSENT && !vsi_db_has_row(db, &v->row_uuid)) {
            shash_add_once(&inserted, v->id, v);
        }
    }
    if (!shash_is_empty(&inserted)) {
        const struct vsi_db_row_entry *e;
        HMAP_FOR_EACH (e, node, &db->rows) {
            v = shash_find_data(&inserted, e->vsi_id);
            if (v) {
                static struct vlog_rate_limit rl
                    = VLOG_RATE_LIMIT_INIT(5, 20);
                VLOG_WARN_RL(&rl, "VSI row "UUID_FMT" of %s was not written "
                             "by this NVE: taking it over",
                             UUID_ARGS(&e->uuid), v->id);
                v->row_uuid = e->uuid;
            }
        }
    }
    shash_destroy(&inserted);
}

void
vsi_db_run(struct vsi_db *db, const struct ovsdb_idl_loop *loop,
           struct barrier *barrier, struct ovs_list *committed)
{
    if (time_msec() >= db->loaded_at + VSI_DB_TRIM_DELAY) {
        vsi_db_trim_after_load(db);
    }
    if (!db->staged_txn || loop->committing_txn) {
        return;
    }
    uint64_t txn = db->staged_txn;
    db->staged_txn = 0;
    if (barrier_db_txn_committed(barrier, txn)) {
        ovs_list_push_back_all(committed, &db->staged);
        db->n_failures = 0;
        db->retry_at = 0;
    } else {
        COVERAGE_INC(vsi_db_txn_failed);
        db->n_failures++;
        db->retry_at = (db->n_failures < 2 ? 0
                        : time_msec() + MIN(VSI_DB_RETRY_MAX,
                                            VSI_DB_RETRY_MIN
                                            << MIN(db->n_failures - 2, 16)));
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
        VLOG_INFO_RL(&rl, "VSI transaction failed, retrying");
        vsi_db_take_over_rows(db);
        struct vsi *v;
        LIST_FOR_EACH (v, sync_node, &db->staged) {
            v->dirty = true;
            v->dirty_ticket = db->staged_ticket;
        }
        ovs_list_splice(db->dirty.next, db->staged.next, &db->staged);

        /* Some rows do not hold what their images say: those of the VSIs
         * written again below, and maybe of VSIs that left 'staged' (they
         * changed again meanwhile).  Every image is void. */
        db->epoch++;

        /* Some of these may have changed again meanwhile, and gone to the
         * end of 'dirty' under a later ticket: the next transaction writes
         * every dirty VSI, whatever its size, as if there were no limit, so
         * that the barrier need not know which tickets the failure left
         * undone. */
        db->write_all = true;
    }
}

static void
vsi_db_mark_dirty__(struct vsi_db *db, struct vsi *v,
                    struct barrier *barrier)
{
    v->ticket = barrier_ticket(barrier);
    if (!v->dirty_ticket) {
        /* Not yet in 'dirty' (maybe in 'flushing' or 'staged'): at its
         * end.  One that is keeps its place, and the ticket from which it
         * is dirty, which vsi_db_sync() holds the barrier at. */
        ovs_list_remove(&v->sync_node);
        ovs_list_push_back(&db->dirty, &v->sync_node);
        v->dirty = true;
        v->dirty_ticket = v->ticket;
    }
}

void
vsi_db_mark_dirty(struct vsi_db *db, struct vsi *v, struct barrier *barrier)
{
    v->unreported = true;
    vsi_db_mark_dirty__(db, v, barrier);
}

void
vsi_db_mark_refreshed(struct vsi_db *db, struct vsi *v,
                      struct barrier *barrier, long long int interval)
{
    if (!interval) {
        vsi_db_mark_dirty__(db, v, barrier);
    } else if (ovs_list_is_empty(&v->refresh_node)) {
        if (ovs_list_is_empty(&db->refreshed)) {
            db->next_flush = time_msec() + interval;
        }
        ovs_list_push_back(&db->refreshed, &v->refresh_node);
    }
}

void
vsi_db_wait(const struct vsi_db *db)
{
    if (db->loader && !db->loader_reply) {
        jsonrpc_session_wait(db->loader);
        jsonrpc_session_recv_wait(db->loader);
    }
    if (db->loaded && !db->trimmed) {
        poll_timer_wait_until(db->loaded_at + VSI_DB_TRIM_DELAY);
    }
    if (!ovs_list_is_empty(&db->refreshed)) {
        poll_timer_wait_until(db->next_flush);
    }
    if (db->retry_at > time_msec() && !ovs_list_is_empty(&db->dirty)) {
        poll_timer_wait_until(db->retry_at);
    }
}

void
vsi_db_forget(struct vsi *v)
{
    ovs_list_remove(&v->sync_node);
    ovs_list_init(&v->sync_node);
    v->dirty = false;
    v->dirty_ticket = 0;
    ovs_list_remove(&v->refresh_node);
    ovs_list_init(&v->refresh_node);
}

/* The row of 'v' in 'txn', if the database has one: a ghost row (see
 * vsi_db_create()) under the UUID that 'v' remembers. */
static const struct nverec_vsi *
vsi_db_find_row(const struct vsi_db *db, struct ovsdb_idl_txn *txn,
                const struct vsi *v)
{
    if (!vsi_db_has_row(db, &v->row_uuid)) {
        return NULL;
    }
    const struct ovsdb_idl_row *row
        = ovsdb_idl_txn_ghost_row(txn, &nverec_table_vsi, &v->row_uuid);
    return CONTAINER_OF(row, struct nverec_vsi, header_);
}

/* A binding's MACs, signalled and learned: the 'macs' column of its row
 * holds both, so that the NVA client publishes both alike; the VSI row's
 * external_ids:learned_macs says which were learned. */
static struct eth_addr
binding_mac(const struct vsi_binding *b, size_t i)
{
    return i < b->n_macs ? b->macs[i] : b->learned[i - b->n_macs];
}

/* Writes 'mac' into 's' as ETH_ADDR_FMT does, without printf's cost (a
 * VSI's image formats its MACs at every write of its row). */
static void
format_mac(char s[ETH_ADDR_STRLEN + 1], struct eth_addr mac)
{
    static const char hex[] = "0123456789abcdef";

    for (size_t i = 0; i < ETH_ADDR_LEN; i++) {
        s[i * 3] = hex[mac.ea[i] >> 4];
        s[i * 3 + 1] = hex[mac.ea[i] & 15];
        s[i * 3 + 2] = i + 1 < ETH_ADDR_LEN ? ':' : '\0';
    }
}

/* Formats the MACs of 'b', signalled and learned, into 'strings' and
 * points 'macs' at them, both with room for all of them. */
static void
binding_format_macs(const struct vsi_binding *b, const char **macs,
                    char (*strings)[ETH_ADDR_STRLEN + 1])
{
    for (size_t i = 0; i < b->n_macs + b->n_learned; i++) {
        format_mac(strings[i], binding_mac(b, i));
        macs[i] = strings[i];
    }
}

/* The MACs of 'b', signalled and learned, as strings, into '*macs' (which
 * the caller frees, as '*strings'); returns how many. */
static size_t
binding_mac_strings(const struct vsi_binding *b, const char ***macs,
                    char (**strings)[ETH_ADDR_STRLEN + 1])
{
    size_t n = b->n_macs + b->n_learned;

    *macs = xcalloc(MAX(n, 1), sizeof **macs);
    *strings = xcalloc(MAX(n, 1), sizeof **strings);
    binding_format_macs(b, *macs, *strings);
    return n;
}

/* Writes 'b' into a new VSI_Binding row of 'txn', returned. */
static struct nverec_vsi_binding *
binding_write_row(struct ovsdb_idl_txn *txn, const struct vsi_binding *b)
{
    struct nverec_vsi_binding *row = nverec_vsi_binding_insert(txn);
    char (*strings)[ETH_ADDR_STRLEN + 1];
    const char **macs;
    size_t n = binding_mac_strings(b, &macs, &strings);
    int64_t pcp = b->pcp;
    int64_t meter_id = b->meter_id;

    nverec_vsi_binding_set_vn(row, b->pv->vn);
    nverec_vsi_binding_set_vnid(row, b->pv->vnid);
    nverec_vsi_binding_set_macs(row, macs, n);
    nverec_vsi_binding_set_ips(row, (const char **) b->ips, b->n_ips);
    nverec_vsi_binding_set_vid(row, b->pv->vid);
    nverec_vsi_binding_set_pcp(row, &pcp, pcp >= 0);
    nverec_vsi_binding_set_profile(row, b->profile);
    nverec_vsi_binding_set_meter_id(row, &meter_id, meter_id != 0);
    free(macs);
    free(strings);
    return row;
}

/* Writes 'b', or no binding if it is NULL, into the columns of VSI row
 * 'row' that hold its first binding. */
static void
binding_write_inline(const struct nverec_vsi *row,
                     const struct vsi_binding *b)
{
    if (!b) {
        nverec_vsi_set_vn(row, NULL);
        nverec_vsi_set_vnid(row, NULL, 0);
        nverec_vsi_set_macs(row, NULL, 0);
        nverec_vsi_set_ips(row, NULL, 0);
        nverec_vsi_set_vid(row, NULL, 0);
        nverec_vsi_set_pcp(row, NULL, 0);
        nverec_vsi_set_profile(row, NULL);
        nverec_vsi_set_meter_id(row, NULL, 0);
        return;
    }

    char (*strings)[ETH_ADDR_STRLEN + 1];
    const char **macs;
    size_t n = binding_mac_strings(b, &macs, &strings);
    int64_t vnid = b->pv->vnid;
    int64_t vid = b->pv->vid;
    int64_t pcp = b->pcp;
    int64_t meter_id = b->meter_id;

    nverec_vsi_set_vn(row, b->pv->vn);
    nverec_vsi_set_vnid(row, &vnid, 1);
    nverec_vsi_set_macs(row, macs, n);
    nverec_vsi_set_ips(row, (const char **) b->ips, b->n_ips);
    nverec_vsi_set_vid(row, &vid, 1);
    nverec_vsi_set_pcp(row, &pcp, pcp >= 0);
    nverec_vsi_set_profile(row, b->profile);
    nverec_vsi_set_meter_id(row, &meter_id, meter_id != 0);
    free(macs);
    free(strings);
}

/* external_ids:learned_macs of a VSI row: which of its bindings' MACs the
 * VSI learned from frames, as "VNID/MAC" separated by commas, so that they
 * are learned again, not signalled, after a restart.  Absent if none.
 * Appends it to 's' (nothing if none). */
static void
vsi_db_put_learned(struct ds *s, const struct vsi *v)
{
    size_t start = s->length;

    for (size_t i = 0; i < v->n_bindings; i++) {
        const struct vsi_binding *b = &v->bindings[i];
        for (size_t k = 0; k < b->n_learned; k++) {
            ds_put_format(s, "%s%"PRIu32"/"ETH_ADDR_FMT,
                          s->length > start ? "," : "",
                          b->pv->vnid, ETH_ADDR_ARGS(b->learned[k]));
        }
    }
}

/* Whether 'learned', a value of external_ids:learned_macs, lists 'mac' in
 * 'vnid'. */
static bool
learned_macs_contain(const char *learned, uint32_t vnid, struct eth_addr mac)
{
    char key[32];

    if (!learned) {
        return false;
    }
    snprintf(key, sizeof key, "%"PRIu32"/"ETH_ADDR_FMT, vnid,
             ETH_ADDR_ARGS(mac));
    for (const char *p = learned; (p = strstr(p, key)); p++) {
        char next = p[strlen(key)];
        if ((p == learned || p[-1] == ',') && (next == ',' || !next)) {
            return true;
        }
    }
    return false;
}

/* The names of the counters in column counters_base. */
#define VSI_COUNTERS                            \
    VSI_COUNTER(tx_packets)                     \
    VSI_COUNTER(tx_bytes)                       \
    VSI_COUNTER(rx_packets)                     \
    VSI_COUNTER(rx_bytes)

/* The base of 'v''s counters as column counters_base has it: only those
 * that are not zero (so that a VSI whose flows never went has none).
 * Returns how many, in 'keys' and 'values'. */
static size_t
vsi_db_counters_base(const struct vsi *v, const char *keys[4],
                     int64_t values[4])
{
    struct vsi_counters c;
    size_t n = 0;

    vsi_counters_get_base(v, &c);
#define VSI_COUNTER(NAME)                       \
    if (c.NAME) {                               \
        keys[n] = #NAME;                        \
        values[n++] = MIN(c.NAME, INT64_MAX);   \
    }
    VSI_COUNTERS
#undef VSI_COUNTER
    return n;
}

/* Reads the base of the counters that 'row' keeps into 'c'. */
static void
vsi_db_read_counters_base(const struct nverec_vsi *row,
                          struct vsi_counters *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < row->n_counters_base; i++) {
        const char *key = row->key_counters_base[i];
        uint64_t value = MAX(row->value_counters_base[i], 0);
#define VSI_COUNTER(NAME)                       \
        if (!strcmp(key, #NAME)) {              \
            c->NAME = value;                    \
        }
        VSI_COUNTERS
#undef VSI_COUNTER
    }
}

/* Images of rows.
 *
 * What a VSI's row holds, as this daemon last wrote it (or loaded it), is
 * kept with the VSI as a struct vsi_db_image: a write compares the VSI with
 * it and sends only the columns that changed, without reading the IDL's
 * replica of the row.  The columns are in parts, each compared as a
 * string in which two values have the same form only if the columns would
 * be equal (sets sorted as the database sorts them).
 *
 * An image describes the row once every transaction written so far
 * commits.  When one fails, every image is void ('epoch'): the VSIs it
 * carried are written again, and any VSI is written whole the next time it
 * changes. */
enum image_part {
    PART_PLACE,                 /* tes, port. */
    PART_FIRST,                 /* The first binding: vn, vnid, macs, ips,
                                 * vid, pcp, profile, meter_id. */
    PART_OTHERS,                /* bindings: the others' VSI_Binding rows. */
    PART_LEARNED,               /* external_ids:learned_macs. */
    PART_COUNTERS,              /* counters_base. */
    N_PARTS
};

struct vsi_db_image {
    unsigned int epoch;         /* vsi_db 'epoch' when written. */
    enum vsi_state state;
    enum vsi_protocol protocol;
    bool migrating;
    long long int created_at, updated_at, keepalive_at;
    uint32_t ends[N_PARTS];     /* Where each part ends in 'text'. */
    char text[];
};

/* A copy of the 'n' pointers 'strings', which may be NULL if 'n' is 0. */
static const char **
strings_copy(char *const *strings, size_t n)
{
    const char **copy = xcalloc(MAX(n, 1), sizeof *copy);

    if (n) {
        memcpy(copy, strings, n * sizeof *copy);
    }
    return copy;
}

/* Appends the 'n' strings 'strings', sorted, each followed by ','. */
static void
image_put_set(struct ds *s, const char **strings, size_t n)
{
    qsort(strings, n, sizeof *strings, nve_compare_strings);
    for (size_t i = 0; i < n; i++) {
        ds_put_cstr(s, strings[i]);
        ds_put_char(s, ',');
    }
    ds_put_char(s, '\0');
}

/* Appends a binding of these columns to 's' ('pcp' -1 and 'meter_id' 0 for
 * none).  Sorts 'macs' and 'ips'. */
static void
image_put_binding(struct ds *s, const char *vn, int64_t vnid, int64_t vid,
                  int64_t pcp, const char *profile, int64_t meter_id,
                  const char **macs, size_t n_macs,
                  const char **ips, size_t n_ips)
{
    const int64_t numbers[] = { vnid, vid, pcp, meter_id };

    ds_put_cstr(s, vn);
    ds_put_char(s, '\0');
    ds_put_buffer(s, (const char *) numbers, sizeof numbers);
    ds_put_char(s, profile ? '+' : '-');
    ds_put_cstr(s, profile ? profile : "");
    ds_put_char(s, '\0');
    image_put_set(s, macs, n_macs);
    image_put_set(s, ips, n_ips);
}

/* Appends binding 'b' of a VSI.  Most have a MAC and an address or two:
 * their strings are on the stack. */
static void
image_put_vsi_binding(struct ds *s, const struct vsi_binding *b)
{
    enum { N_STUB = 8 };
    char stub_strings[N_STUB][ETH_ADDR_STRLEN + 1];
    const char *stub_macs[N_STUB];
    const char *stub_ips[N_STUB];
    size_t n = b->n_macs + b->n_learned;
    char (*strings)[ETH_ADDR_STRLEN + 1] = (n <= N_STUB ? stub_strings
                                            : xmalloc(n * sizeof *strings));
    const char **macs = n <= N_STUB ? stub_macs : xmalloc(n * sizeof *macs);
    const char **ips = (b->n_ips <= N_STUB ? stub_ips
                        : xmalloc(b->n_ips * sizeof *ips));

    binding_format_macs(b, macs, strings);
    if (b->n_ips) {
        memcpy(ips, b->ips, b->n_ips * sizeof *ips);
    }
    image_put_binding(s, b->pv->vn, b->pv->vnid, b->pv->vid, b->pcp,
                      b->profile, b->meter_id, macs, n, ips, b->n_ips);
    if (ips != stub_ips) {
        free(ips);
    }
    if (macs != stub_macs) {
        free(macs);
        free(strings);
    }
}

/* Appends binding 'b' of a row. */
static void
image_put_row_binding(struct ds *s, const struct vsi_row_binding *b)
{
    const char **macs = strings_copy(b->macs, b->n_macs);
    const char **ips = strings_copy(b->ips, b->n_ips);

    image_put_binding(s, b->vn, b->vnid, b->vid, b->n_pcp ? *b->pcp : -1,
                      b->profile, b->n_meter_id ? *b->meter_id : 0,
                      macs, b->n_macs, ips, b->n_ips);
    free(macs);
    free(ips);
}

static void
image_put_counters(struct ds *s, const char **keys, const int64_t *values,
                   size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ds_put_format(s, "%s=%"PRId64",", keys[i], values[i]);
    }
}

static void
image_end_part(struct vsi_db_image *image, enum image_part part,
               const struct ds *s)
{
    image->ends[part] = s->length;
}

/* Turns 'hdr' and the parts in 's' into a new image. */
static struct vsi_db_image *
image_finish(const struct vsi_db_image *hdr, struct ds *s)
{
    struct vsi_db_image *image = xmalloc(sizeof *image + s->length);

    *image = *hdr;
    memcpy(image->text, s->string, s->length);
    ds_destroy(s);
    return image;
}

/* The image of the row that 'v' should have. */
static struct vsi_db_image *
image_from_vsi(const struct vsi_db *db, const struct vsi *v)
{
    struct vsi_db_image hdr = {
        .epoch = db->epoch,
        .state = v->state,
        .protocol = v->protocol,
        .migrating = v->migrating,
        .created_at = v->created_at,
        .updated_at = v->updated_at,
        .keepalive_at = v->keepalive_at,
    };
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_cstr(&s, v->tes);
    ds_put_char(&s, '\0');
    ds_put_cstr(&s, v->port->name);
    image_end_part(&hdr, PART_PLACE, &s);
    if (v->n_bindings) {
        image_put_vsi_binding(&s, &v->bindings[0]);
    }
    image_end_part(&hdr, PART_FIRST, &s);
    for (size_t i = 1; i < v->n_bindings; i++) {
        image_put_vsi_binding(&s, &v->bindings[i]);
    }
    image_end_part(&hdr, PART_OTHERS, &s);
    vsi_db_put_learned(&s, v);
    image_end_part(&hdr, PART_LEARNED, &s);

    const char *keys[4];
    int64_t values[4];
    size_t n = vsi_db_counters_base(v, keys, values);
    image_put_counters(&s, keys, values, n);
    image_end_part(&hdr, PART_COUNTERS, &s);
    return image_finish(&hdr, &s);
}

static int
compare_row_bindings(const void *a_, const void *b_)
{
    const struct vsi_row_binding *a = a_;
    const struct vsi_row_binding *b = b_;

    return a->vnid < b->vnid ? -1 : a->vnid > b->vnid;
}

/* The image of 'row', as loaded into 'r', or NULL if the row is not in the
 * form that this daemon writes (its first binding in a VSI_Binding row,
 * as before schema 1.3.0, or set only in part): it is then written whole
 * the next time. */
static struct vsi_db_image *
image_from_row(const struct vsi_db *db, const struct nverec_vsi *row,
               const struct vsi_db_row *r)
{
    if (!vsi_row_has_inline_binding(row) && vsi_row_n_bindings(row)) {
        return NULL;
    }

    struct vsi_db_image hdr = {
        .epoch = db->epoch,
        .state = r->state,
        .protocol = r->protocol,
        .migrating = r->migrating,
        .created_at = r->created_at,
        .updated_at = r->updated_at,
        .keepalive_at = r->keepalive_at,
    };
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_cstr(&s, row->tes);
    ds_put_char(&s, '\0');
    ds_put_cstr(&s, row->port);
    image_end_part(&hdr, PART_PLACE, &s);

    size_t n = vsi_row_n_bindings(row);
    struct vsi_row_binding *bindings = xcalloc(MAX(n, 1), sizeof *bindings);
    for (size_t i = 0; i < n; i++) {
        vsi_row_get_binding(row, i, &bindings[i]);
    }
    if (n) {
        image_put_row_binding(&s, &bindings[0]);
    }
    image_end_part(&hdr, PART_FIRST, &s);
    if (n > 1) {
        /* The VSI keeps them by VNID, the IDL by UUID. */
        qsort(bindings + 1, n - 1, sizeof *bindings, compare_row_bindings);
    }
    for (size_t i = 1; i < n; i++) {
        image_put_row_binding(&s, &bindings[i]);
    }
    free(bindings);
    image_end_part(&hdr, PART_OTHERS, &s);

    ds_put_cstr(&s, smap_get_def(&row->external_ids, "learned_macs", ""));
    image_end_part(&hdr, PART_LEARNED, &s);

    static const char *names[] = {
#define VSI_COUNTER(NAME) #NAME,
        VSI_COUNTERS
#undef VSI_COUNTER
    };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        for (size_t k = 0; k < row->n_counters_base; k++) {
            if (!strcmp(row->key_counters_base[k], names[i])) {
                image_put_counters(&s, &names[i],
                                   &row->value_counters_base[k], 1);
            }
        }
    }
    image_end_part(&hdr, PART_COUNTERS, &s);
    return image_finish(&hdr, &s);
}

/* Whether part 'part' of 'a' and 'b' are equal. */
static bool
image_part_equals(const struct vsi_db_image *a, const struct vsi_db_image *b,
                  enum image_part part)
{
    uint32_t a_start = part ? a->ends[part - 1] : 0;
    uint32_t b_start = part ? b->ends[part - 1] : 0;
    uint32_t len = a->ends[part] - a_start;

    return (len == b->ends[part] - b_start
            && !memcmp(&a->text[a_start], &b->text[b_start], len));
}

/* Whether 'new' differs from 'old' (NULL if unknown) in 'part'. */
static bool
image_part_changed(const struct vsi_db_image *old,
                   const struct vsi_db_image *new, enum image_part part)
{
    return !old || !image_part_equals(old, new, part);
}

void
vsi_db_image_destroy(struct vsi_db_image *image)
{
    free(image);
}

/* Writes 'v''s bindings into 'row' (new if 'is_new'), those parts that
 * changed since 'old' (NULL if unknown): the first in the row's own
 * columns, the others in VSI_Binding rows (vsi-row.h).  A row written
 * before schema 1.3.0, whose first binding is in a VSI_Binding row, has no
 * image: its first binding moves into its own columns; the VSI_Binding row,
 * no longer referred to, goes with the transaction (the table is not a
 * root). */
static void
vsi_db_write_bindings(struct ovsdb_idl_txn *txn,
                      const struct nverec_vsi *row, bool is_new,
                      const struct vsi *v, const struct vsi_db_image *old,
                      const struct vsi_db_image *new)
{
    const struct vsi_binding *first = v->n_bindings ? &v->bindings[0] : NULL;
    const struct vsi_binding *others = v->bindings + !!first;
    size_t n_others = v->n_bindings - !!first;

    if (is_new ? first != NULL : image_part_changed(old, new, PART_FIRST)) {
        binding_write_inline(row, first);
    }
    if (is_new ? n_others : image_part_changed(old, new, PART_OTHERS)) {
        struct nverec_vsi_binding **rows
            = xcalloc(MAX(n_others, 1), sizeof *rows);
        for (size_t i = 0; i < n_others; i++) {
            rows[i] = binding_write_row(txn, &others[i]);
        }
        nverec_vsi_set_bindings(row, rows, n_others);
        free(rows);
    }
}

/* Writes the learned MACs and the counters' base of 'v' into 'row', if
 * they changed since 'old'. */
static void
vsi_db_write_extras(const struct nverec_vsi *row, bool is_new,
                    const struct vsi *v, const struct vsi_db_image *old,
                    const struct vsi_db_image *new)
{
    /* The column holds only this key, written whole (nve(5)): a partial
     * update of a map is made by the IDL from its replica's value. */
    if (is_new ? new->ends[PART_LEARNED] > new->ends[PART_LEARNED - 1]
        : image_part_changed(old, new, PART_LEARNED)) {
        struct ds learned = DS_EMPTY_INITIALIZER;
        struct smap ids = SMAP_INITIALIZER(&ids);

        vsi_db_put_learned(&learned, v);
        if (learned.length) {
            smap_add(&ids, "learned_macs", ds_cstr(&learned));
        }
        nverec_vsi_set_external_ids(row, &ids);
        smap_destroy(&ids);
        ds_destroy(&learned);
    }

    if (image_part_changed(old, new, PART_COUNTERS)) {
        const char *keys[4];
        int64_t values[4];
        size_t n = vsi_db_counters_base(v, keys, values);
        if (!is_new || n) {
            nverec_vsi_set_counters_base(row, keys, values, n);
        }
    }
}

static void
vsi_db_write(struct vsi_db *db, struct ovsdb_idl_txn *txn,
             struct vsi *v)
{
    const struct nverec_vsi *row = vsi_db_find_row(db, txn, v);

    if (v->state == VSI_ABSENT) {
        if (row) {
            uuidset_insert(&db->own_deletions, &row->header_.uuid);
            nverec_vsi_delete(row);
        }
        vsi_db_image_destroy(v->db_image);
        v->db_image = NULL;
        return;
    }
    if (row) {
        uuidset_find_and_delete(&db->own_deletions, &row->header_.uuid);
    }
    bool is_new = !row;
    if (is_new) {
        /* A new row, with a UUID of our choosing, remembered in 'v': once
         * the transaction commits, 'rows' has it.  A fresh one on every
         * attempt: if an earlier one failed, whatever became of it, this
         * one is unused.  ('rows' is up to date whenever a transaction can
         * commit, so a row that committed is found above, never inserted
         * twice.) */
        struct uuid uuid;
        uuid_generate(&uuid);
        v->row_uuid = uuid;
        struct nverec_vsi *new = nverec_vsi_insert_persist_uuid(txn, &uuid);
        nverec_vsi_set_vsi_id(new, v->id);
        row = new;
    }

    /* Only what changed since the row's image: most writes change one or
     * two columns of twenty.  A new row has every column that is not
     * empty. */
    const struct vsi_db_image *old = (is_new || !v->db_image
                                      || v->db_image->epoch != db->epoch
                                      ? NULL : v->db_image);
    struct vsi_db_image *new = image_from_vsi(db, v);
    if (!old || old->state != new->state) {
        nverec_vsi_set_state(row, vsi_state_name(v->state));
    }
    if (image_part_changed(old, new, PART_PLACE)) {
        nverec_vsi_set_tes(row, v->tes);
        nverec_vsi_set_port(row, v->port->name);
    }
    if (!old || old->protocol != new->protocol) {
        nverec_vsi_set_protocol(row, vsi_protocol_name(v->protocol));
    }
    if (!old || old->migrating != new->migrating) {
        nverec_vsi_set_migrating(row, v->migrating);
    }
    if (!old || old->created_at != new->created_at) {
        nverec_vsi_set_created_at(row, v->created_at);
    }
    if (!old || old->updated_at != new->updated_at) {
        nverec_vsi_set_updated_at(row, v->updated_at);
    }
    if (!old || old->keepalive_at != new->keepalive_at) {
        nverec_vsi_set_keepalive_at(row, v->keepalive_at);
    }
    vsi_db_write_extras(row, is_new, v, old, new);
    vsi_db_write_bindings(txn, row, is_new, v, old, new);

    vsi_db_image_destroy(v->db_image);
    v->db_image = new;
}

/* Writes the VSIs of 'list' into 'txn' and stages them, at most '*room',
 * less what was written. */
static void
vsi_db_write_list(struct vsi_db *db, struct ovsdb_idl_txn *txn,
                  struct ovs_list *list, size_t *room)
{
    while (*room && !ovs_list_is_empty(list)) {
        struct vsi *v = CONTAINER_OF(ovs_list_pop_front(list), struct vsi,
                                     sync_node);
        vsi_db_write(db, txn, v);
        v->dirty = false;
        v->dirty_ticket = 0;
        ovs_list_push_back(&db->staged, &v->sync_node);
        (*room)--;
    }
}

void
vsi_db_sync(struct vsi_db *db, struct ovsdb_idl_txn *txn,
            struct barrier *barrier, size_t max_vsis)
{
    if (txn && !ovs_list_is_empty(&db->refreshed)
        && time_msec() >= db->next_flush) {
        /* The batch of keep-alive times: with the round's other rows, each
         * VSI's only changed column (the IDL writes only what changed),
         * without a ticket of its own: no reply waits for it. */
        struct vsi *v;
        LIST_FOR_EACH_POP (v, refresh_node, &db->refreshed) {
            ovs_list_init(&v->refresh_node);
            if (v->state != VSI_ABSENT && !v->dirty) {
                ovs_list_remove(&v->sync_node);
                ovs_list_push_back(&db->flushing, &v->sync_node);
                v->dirty = true;
            }
        }
    }
    if (!txn || (ovs_list_is_empty(&db->dirty)
                 && ovs_list_is_empty(&db->flushing))) {
        return;
    }
    if (time_msec() < db->retry_at) {
        /* Backing off after failures: 'txn' commits without the dirty
         * VSIs, so it must complete no round that may wait for one of
         * them.  (Their dirty tickets are those of the transaction that
         * failed, which was maybe a retry itself: the rounds that waited
         * for them are older.) */
        barrier_db_defer(barrier, barrier_db_first_pending(barrier));
        return;
    }

    /* ovsdb-server and the IDL both spend more per row in a large
     * transaction than in a small one (BENCHMARK.md): a burst is written
     * in transactions of at most 'max_vsis' VSIs, one after the other. */
    size_t room = max_vsis && !db->write_all ? max_vsis : SIZE_MAX;
    db->write_all = false;
    vsi_db_write_list(db, txn, &db->dirty, &room);
    vsi_db_write_list(db, txn, &db->flushing, &room);
    db->staged_ticket = barrier_ticket(barrier);
    db->staged_txn = barrier_db_txn(barrier);
    if (!ovs_list_is_empty(&db->dirty)) {
        /* Whatever waits for a VSI left for the next transaction waits for
         * it: this one completes only the tickets before the oldest. */
        const struct vsi *first = CONTAINER_OF(ovs_list_front(&db->dirty),
                                               struct vsi, sync_node);
        barrier_db_defer(barrier, first->dirty_ticket);
    }
}

/* Loading. */

static int
compare_db_bindings(const void *a_, const void *b_)
{
    const struct vsi_db_binding *a = a_;
    const struct vsi_db_binding *b = b_;

    return a->vnid < b->vnid ? -1 : a->vnid > b->vnid;
}

static void
vsi_db_close_loader(struct vsi_db *db)
{
    jsonrpc_session_close(db->loader);
    db->loader = NULL;
    json_destroy(db->loader_id);
    db->loader_id = NULL;
    jsonrpc_msg_destroy(db->loader_reply);
    db->loader_reply = NULL;
}

/* The columns of 'tc', and _uuid, for a "select". */
static struct json *
select_op(const struct ovsdb_idl_table_class *tc)
{
    struct json *columns = json_array_create_empty();

    json_array_add(columns, json_string_create("_uuid"));
    for (size_t i = 0; i < tc->n_columns; i++) {
        json_array_add(columns, json_string_create(tc->columns[i].name));
    }

    struct json *op = json_object_create();
    json_object_put_string(op, "op", "select");
    json_object_put_string(op, "table", tc->name);
    json_object_put(op, "where", json_array_create_empty());
    json_object_put(op, "columns", columns);
    return op;
}

/* The rows of the reply's 'i'th operation, or NULL if it has none. */
static const struct json *
reply_rows(const struct jsonrpc_msg *reply, size_t i)
{
    const struct json *result = reply->result;

    if (result->type != JSON_ARRAY || json_array(result)->n <= i
        || json_array(result)->elems[i]->type != JSON_OBJECT) {
        return NULL;
    }
    const struct json *rows = shash_find_data(
        json_object(json_array(result)->elems[i]), "rows");
    return rows && rows->type == JSON_ARRAY ? rows : NULL;
}

/* Receives what the loader's connection brings: true once it is the reply
 * to the loader's transaction.  ovsdb-server composes the reply from the
 * rows themselves: a monitor, as an IDL sends, would have it copy every
 * row first (BENCHMARK.md, session 15). */
static bool
vsi_db_loader_run(struct vsi_db *db)
{
    jsonrpc_session_run(db->loader);
    if (!jsonrpc_session_is_connected(db->loader)) {
        return false;
    }

    /* On a new connection, the request again. */
    unsigned int seqno = jsonrpc_session_get_seqno(db->loader);
    if (!db->loader_id || seqno != db->loader_seqno) {
        struct json *params = json_array_create_3(
            json_string_create(nverec_idl_class.database),
            select_op(&nverec_table_vsi), select_op(&nverec_table_vsi_binding));
        struct jsonrpc_msg *request = jsonrpc_create_request("transact",
                                                             params, NULL);
        json_destroy(db->loader_id);
        db->loader_id = json_clone(request->id);
        db->loader_seqno = seqno;
        jsonrpc_session_send(db->loader, request);
    }

    for (int i = 0; i < 50; i++) {
        struct jsonrpc_msg *msg = jsonrpc_session_recv(db->loader);
        if (!msg) {
            break;
        }
        if ((msg->type == JSONRPC_REPLY || msg->type == JSONRPC_ERROR)
            && json_equal(msg->id, db->loader_id)) {
            if (msg->type == JSONRPC_REPLY
                && reply_rows(msg, 0) && reply_rows(msg, 1)) {
                db->loader_reply = msg;
                return true;
            }
            /* Not the rows (an error, or the database is not NVE's): the
             * connection starts over, with its backoff. */
            char *s = jsonrpc_msg_to_string(msg);
            VLOG_WARN("loading the VSI rows failed, retrying: %.1000s", s);
            free(s);
            jsonrpc_session_force_reconnect(db->loader);
        }
        jsonrpc_msg_destroy(msg);
    }
    return false;
}

bool
vsi_db_load_ready(struct vsi_db *db)
{
    ovs_assert(!db->loaded);
    if (!db->loader) {
        /* Not before the main IDL has read the database: ovsdb-server
         * would compose the two replies one after the other, and the
         * daemon, held up until the main one is there, could not meanwhile
         * connect to the switch and read its flows. */
        if (!ovsdb_idl_has_ever_connected(db->idl)) {
            return false;
        }
        db->loader = jsonrpc_session_open(db->loader_remote, true);
        free(db->loader_remote);
        db->loader_remote = NULL;
        db->loader_started = time_msec();
    }
    return db->loader_reply || vsi_db_loader_run(db);
}

/* A row of 'tc' read from 'json' (a row of a "select" reply) into 'row',
 * with each column's datum in 'datums' and parsed by the IDL's own
 * parsers, as if the IDL had replicated it.  The column 'refs', which
 * refers to another table, is parsed into 'datums' only: the caller
 * resolves it.  Returns false, logging why, if 'json' is not such a row;
 * otherwise the caller frees the row with loaded_row_destroy(). */
static bool
loaded_row_parse(const struct ovsdb_idl_table_class *tc,
                 const struct json *json, struct ovsdb_idl_row *row,
                 struct ovsdb_datum *datums,
                 const struct ovsdb_idl_column *refs)
{
    const struct json *uuid = (json->type == JSON_OBJECT
                               ? shash_find_data(json_object(json), "_uuid")
                               : NULL);
    tc->row_init(row);          /* Zeroes it, header included. */
    if (!uuid || uuid->type != JSON_ARRAY || json_array(uuid)->n != 2
        || json_array(uuid)->elems[1]->type != JSON_STRING
        || !uuid_from_string(&row->uuid,
                             json_string(json_array(uuid)->elems[1]))) {
        VLOG_WARN("%s row not loaded: no _uuid", tc->name);
        return false;
    }

    for (size_t i = 0; i < tc->n_columns; i++) {
        const struct ovsdb_idl_column *c = &tc->columns[i];
        const struct json *value = shash_find_data(json_object(json),
                                                   c->name);
        struct ovsdb_error *error = (value
                                     ? ovsdb_datum_from_json(&datums[i],
                                                             &c->type, value,
                                                             NULL)
                                     : NULL);
        if (error) {
            char *s = ovsdb_error_to_string_free(error);
            VLOG_WARN("%s row "UUID_FMT" not loaded: column %s: %s",
                      tc->name, UUID_ARGS(&row->uuid), c->name, s);
            free(s);
            while (i--) {
                if (&tc->columns[i] != refs) {
                    tc->columns[i].unparse(row);
                }
                ovsdb_datum_destroy(&datums[i], &tc->columns[i].type);
            }
            return false;
        }
        if (!value) {
            ovsdb_datum_init_default(&datums[i], &c->type);
        }
        if (c != refs) {
            c->parse(row, &datums[i]);
        }
    }
    return true;
}

static void
loaded_row_destroy(const struct ovsdb_idl_table_class *tc,
                   struct ovsdb_idl_row *row, struct ovsdb_datum *datums,
                   const struct ovsdb_idl_column *refs)
{
    for (size_t i = 0; i < tc->n_columns; i++) {
        if (&tc->columns[i] != refs) {
            tc->columns[i].unparse(row);
        }
        ovsdb_datum_destroy(&datums[i], &tc->columns[i].type);
    }
}

/* A VSI_Binding row read by the loader. */
struct loaded_binding {
    struct hmap_node node;      /* In 'bindings', by UUID. */
    struct nverec_vsi_binding row;
    struct ovsdb_datum datums[NVEREC_VSI_BINDING_N_COLUMNS];
};

static const struct nverec_vsi_binding *
loaded_binding_find(const struct hmap *bindings, const struct uuid *uuid)
{
    const struct loaded_binding *b;

    HMAP_FOR_EACH_WITH_HASH (b, node, uuid_hash(uuid), bindings) {
        if (uuid_equals(&b->row.header_.uuid, uuid)) {
            return &b->row;
        }
    }
    return NULL;
}

/* Restores the VSI of 'row', read by the loader. */
static void
vsi_db_load_row(struct vsi_db *db, const struct nverec_vsi *row,
                struct vsi *(*restore)(void *aux, const struct vsi_db_row *),
                void *aux)
{
    /* 'rows' and the loader's reply are two snapshots of the database,
     * maybe not the same one.  A row that 'rows' lacks was
     * deleted since the loader's snapshot, or before its own (the
     * deletion may be all that 'idl' reports later, or nothing): it is
     * not loaded.  (One inserted by someone else since 'idl''s snapshot
     * is not either: this daemon loads only the rows it finds at
     * start.) */
    if (!vsi_db_has_row(db, &row->header_.uuid)) {
        VLOG_INFO("VSI row %s ("UUID_FMT") not loaded: deleted, or "
                  "inserted by another client, while loading",
                  row->vsi_id, UUID_ARGS(&row->header_.uuid));
        return;
    }

    struct vsi_db_row r = {
        .uuid = row->header_.uuid,
        .id = row->vsi_id,
        .tes = row->tes,
        .port = row->port,
        .protocol = (!strcmp(row->protocol, "vdp") ? VSI_PROTO_VDP
                     : VSI_PROTO_TNS),
        .migrating = row->migrating,
        .created_at = row->created_at,
        .updated_at = row->updated_at,
        .keepalive_at = row->keepalive_at,
        .n_bindings = vsi_row_n_bindings(row),
    };
    vsi_db_read_counters_base(row, &r.counters_base);

    if (!vsi_state_from_name(row->state, &r.state)
        || r.state == VSI_ABSENT) {
        VLOG_WARN("ignoring VSI row %s with state %s", row->vsi_id,
                  row->state);
        return;
    }

    if (!vsi_row_has_inline_binding(row)
        && (row->vn || row->n_vnid || row->n_vid)) {
        VLOG_WARN("VSI row %s: columns vn, vnid and vid are set only in "
                  "part: ignoring its first binding", row->vsi_id);
    }

    const char *learned = smap_get(&row->external_ids, "learned_macs");
    r.bindings = xcalloc(MAX(r.n_bindings, 1), sizeof *r.bindings);
    for (size_t i = 0; i < r.n_bindings; i++) {
        struct vsi_db_binding *b = &r.bindings[i];
        struct vsi_row_binding br;

        vsi_row_get_binding(row, i, &br);
        *b = (struct vsi_db_binding) {
            .vn = br.vn,
            .vnid = br.vnid,
            .macs = xcalloc(MAX(br.n_macs, 1), sizeof *b->macs),
            .learned = xcalloc(MAX(br.n_macs, 1), sizeof *b->learned),
            .ips = br.ips,
            .n_ips = br.n_ips,
            .vid = br.vid,
            .pcp = br.n_pcp ? *br.pcp : -1,
            .profile = br.profile,
            .meter_id = br.n_meter_id ? *br.meter_id : 0,
        };
        for (size_t k = 0; k < br.n_macs; k++) {
            struct eth_addr mac;
            if (!eth_addr_from_string(br.macs[k], &mac)) {
                continue;
            }
            if (learned_macs_contain(learned, br.vnid, mac)) {
                b->learned[b->n_learned++] = mac;
            } else {
                b->macs[b->n_macs++] = mac;
            }
        }
    }
    /* The bindings in VNID order, as the VSI table keeps them. */
    qsort(r.bindings, r.n_bindings, sizeof *r.bindings,
          compare_db_bindings);

    struct vsi *v = restore(aux, &r);
    if (v) {
        vsi_db_image_destroy(v->db_image);
        v->db_image = image_from_row(db, row, &r);
    } else {
        VLOG_WARN("ignoring VSI row %s with state %s", row->vsi_id,
                  row->state);
    }
    for (size_t i = 0; i < r.n_bindings; i++) {
        free(r.bindings[i].macs);
        free(r.bindings[i].learned);
    }
    free(r.bindings);
}

void
vsi_db_load(struct vsi_db *db,
            struct vsi *(*restore)(void *aux, const struct vsi_db_row *),
            void *aux)
{
    ovs_assert(db->loader_reply);

    long long int start = time_msec();
    struct jsonrpc_msg *reply = db->loader_reply;
    db->loader_reply = NULL;

    /* The VSI_Binding rows, for the VSI rows that refer to them. */
    struct hmap bindings = HMAP_INITIALIZER(&bindings);
    const struct json_array *brows = json_array(reply_rows(reply, 1));
    for (size_t i = 0; i < brows->n; i++) {
        struct loaded_binding *b = xmalloc(sizeof *b);
        if (loaded_row_parse(&nverec_table_vsi_binding, brows->elems[i],
                             &b->row.header_, b->datums, NULL)) {
            hmap_insert(&bindings, &b->node, uuid_hash(&b->row.header_.uuid));
        } else {
            free(b);
        }
    }

    const struct json_array *vrows = json_array(reply_rows(reply, 0));
    for (size_t k = 0; k < vrows->n; k++) {
        struct ovsdb_datum datums[NVEREC_VSI_N_COLUMNS];
        struct nverec_vsi row;

        if (!loaded_row_parse(&nverec_table_vsi, vrows->elems[k],
                              &row.header_, datums,
                              &nverec_vsi_col_bindings)) {
            continue;
        }

        /* Its bindings, as the IDL would parse them: a reference to a row
         * that is not there is dropped. */
        const struct ovsdb_datum *refs = &datums[NVEREC_VSI_COL_BINDINGS];
        row.bindings = xmalloc(MAX(refs->n, 1) * sizeof *row.bindings);
        row.n_bindings = 0;
        for (size_t i = 0; i < refs->n; i++) {
            const struct nverec_vsi_binding *b
                = loaded_binding_find(&bindings, &refs->keys[i].uuid);
            if (b) {
                row.bindings[row.n_bindings++]
                    = CONST_CAST(struct nverec_vsi_binding *, b);
            }
        }

        vsi_db_load_row(db, &row, restore, aux);

        free(row.bindings);
        loaded_row_destroy(&nverec_table_vsi, &row.header_, datums,
                           &nverec_vsi_col_bindings);
    }

    struct loaded_binding *b;
    HMAP_FOR_EACH_POP (b, node, &bindings) {
        loaded_row_destroy(&nverec_table_vsi_binding, &b->row.header_,
                           b->datums, NULL);
        free(b);
    }
    hmap_destroy(&bindings);
    size_t n_rows = vrows->n;
    jsonrpc_msg_destroy(reply);
    vsi_db_close_loader(db);

    VLOG_INFO("read %"PRIuSIZE" VSI rows through a connection of their own "
              "in %lld ms, restored them in %lld ms", n_rows,
              start - db->loader_started, time_msec() - start);
    db->loaded = true;
    db->loaded_at = time_msec();
}

/* The memory that loading freed goes back to the system: not before the
 * flows of the VSIs loaded are in the switch, unless the switch takes
 * longer than VSI_DB_TRIM_DELAY. */
void
vsi_db_trim_after_load(struct vsi_db *db)
{
    if (db->loaded && !db->trimmed) {
        db->trimmed = true;
#if HAVE_DECL_MALLOC_TRIM
        long long int start = time_msec();
        malloc_trim(0);
        VLOG_INFO("gave the memory of loading back to the system in %lld ms",
                  time_msec() - start);
#endif
    }
}

/* Configuration. */

static bool
config_changed(struct ovsdb_idl *idl)
{
    return (nverec_virtual_network_track_get_first(idl)
            || nverec_policy_profile_track_get_first(idl)
            || nverec_tes_port_track_get_first(idl)
            || nverec_tes_track_get_first(idl));
}

/* NVE_Global options:'key' between 'min' and 'max', 'def' without one. */
static long long int
global_option(const struct nverec_nve_global *global, const char *key,
              long long int def, long long int min, long long int max)
{
    return (global
            ? nve_options_get_int(&global->options, "NVE_Global", key, def,
                                  min, max)
            : def);
}

bool
vsi_db_read_config(struct ovsdb_idl *idl,
                   const struct nverec_nve_global *global,
                   struct vsi_config *cfg, bool force)
{
    cfg->max_vsis = global && global->n_max_vsis ? *global->max_vsis : -1;
    cfg->keepalive_timeout = (global && global->n_keepalive_timeout
                              ? *global->keepalive_timeout
                              : VSI_DEFAULT_KEEPALIVE_TIMEOUT);
    cfg->keepalive_flush = global_option(global, "keepalive_flush_interval",
                                         VSI_DEFAULT_KEEPALIVE_FLUSH,
                                         0, 3600000);
    cfg->transaction_size = global_option(global, "vsi_transaction_size",
                                          VSI_DEFAULT_TRANSACTION_SIZE,
                                          0, INT32_MAX);
    cfg->pointer_timeout = global_option(global, "forwarding_pointer_timeout",
                                         VSI_DEFAULT_POINTER_TIMEOUT,
                                         0, INT32_MAX);
    cfg->max_learned_macs = global_option(global, "vsi_max_learned_macs",
                                          VSI_DEFAULT_MAX_LEARNED_MACS,
                                          0, VSI_MAX_ADDRS);
    if (!force && !config_changed(idl)) {
        return false;
    }

    vsi_config_clear(cfg);

    const struct nverec_policy_profile *profile;
    NVEREC_POLICY_PROFILE_FOR_EACH (profile, idl) {
        vsi_config_add_profile(cfg, profile->name,
                               profile->n_pcp ? *profile->pcp : -1);
    }

    const struct nverec_virtual_network *vn;
    NVEREC_VIRTUAL_NETWORK_FOR_EACH (vn, idl) {
        if (vsi_config_find_vn(cfg, vn->name)
            || vsi_config_find_vnid(cfg, vn->vnid)) {
            continue;
        }
        vsi_config_add_vn(cfg, vn->name, vn->vnid,
                          (vn->profile
                           ? vsi_config_find_profile(cfg, vn->profile->name)
                           : NULL),
                          vn->n_pcp ? *vn->pcp : -1);
    }

    const struct nverec_tes_port *prow;
    NVEREC_TES_PORT_FOR_EACH (prow, idl) {
        struct vsi_config_port *port = vsi_config_add_port(
            cfg, prow->name,
            prow->n_vid_min ? *prow->vid_min : VSI_DEFAULT_VID_MIN,
            prow->n_vid_max ? *prow->vid_max : VSI_DEFAULT_VID_MAX,
            prow->n_max_vsis ? *prow->max_vsis : -1);
        for (size_t i = 0; i < prow->n_vid_bindings; i++) {
            const struct vsi_config_vn *pvn
                = vsi_config_find_vn(cfg, prow->value_vid_bindings[i]->name);
            if (pvn) {
                vsi_config_port_pin(port, prow->key_vid_bindings[i], pvn);
            }
        }
    }

    const struct nverec_tes *trow;
    NVEREC_TES_FOR_EACH (trow, idl) {
        struct vsi_config_tes *tes = vsi_config_add_tes(cfg, trow->name);
        tes->max_vsis = trow->n_max_vsis ? *trow->max_vsis : -1;
        vsi_config_tes_set_migration_domain(tes, trow->migration_domain);
        for (size_t i = 0; i < trow->n_ports; i++) {
            const struct vsi_config_port *port
                = vsi_config_find_port(cfg, trow->ports[i]->name);
            if (port) {
                vsi_config_tes_allow_port(tes, port);
            }
        }
        for (size_t i = 0; i < trow->n_vns; i++) {
            const struct vsi_config_vn *tvn
                = vsi_config_find_vn(cfg, trow->vns[i]->name);
            if (tvn) {
                vsi_config_tes_allow_vn(tes, tvn);
            }
        }
    }
    return true;
}

void
vsi_db_for_each_deleted(struct vsi_db *db,
                        void (*removed)(void *aux, const char *id,
                                        const struct uuid *row_uuid),
                        void *aux)
{
    struct vsi_db_row_entry *e;

    HMAP_FOR_EACH_POP (e, node, &db->gone) {
        if (!uuidset_find_and_delete(&db->own_deletions, &e->uuid)) {
            removed(aux, e->vsi_id, &e->uuid);
        }
        free(e);
    }
}
