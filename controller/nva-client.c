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

/* Publishing to and learning from the NVA (nva-client.h).
 *
 * Both directions work per mapping key, "VNID/MAC": nva_publish_key() makes
 * this NVE's NVA row for a key what its VSIs say, nva_learn_key() makes the
 * learned Remote_Mapping row for a key what the NVA's winning mapping says.
 * Each run compares only the keys that changed since the last one, as the
 * two databases' change tracking tells them (the VSI rows, whose bindings'
 * changes count as theirs, on one side; the NVA's Mapping and NVE rows on
 * the other), looking rows up through IDL indexes.  After a (re)connection
 * to the NVA, or a change of the operator's rows or the VNs, every key is
 * compared once: that is the reconciliation, and the only run whose cost
 * grows with the number of mappings. */

#include <config.h>
#include "nva-client.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "lib/nva-idl.h"
#include "lib/nve-idl.h"
#include "lib/nve-options.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "simap.h"
#include "smap.h"
#include "sset.h"
#include "stream-ssl.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"
#include "uuid.h"
#include "vsi-table.h"

VLOG_DEFINE_THIS_MODULE(nva_client);

#define NVA_DEFAULT_ALIVE_INTERVAL 60000
#define NVA_DEFAULT_DEAD_INTERVALS 3    /* In alive intervals. */
#define NVA_DEFAULT_FORGET_DELAY 60000  /* ms. */

/* Duplicate address detection: a MAC whose winning mapping moves more than
 * options:nva_dad_moves times within options:nva_dad_window is frozen
 * (RFC 7432, section 15.1, whose defaults these are). */
#define NVA_DEFAULT_DAD_MOVES 5
#define NVA_MAX_DAD_MOVES 100
#define NVA_DEFAULT_DAD_WINDOW 180000   /* ms. */

/* The keys compared, at most, for one transaction of the NVA database
 * (publishing) and of the NVE database (learning): see
 * options:nva_transaction_size in nve(5). */
#define NVA_DEFAULT_TRANSACTION_SIZE 1000

/* The most NVEs that a learned mapping sends a moving VM's frames to
 * besides its own (nva_learn_key()). */
#define NVA_MAX_STANDBYS 4

/* A VSI of the VSI table, with the mapping keys of its bindings as last
 * committed to the NVE database (nva_client_vsi_committed()). */
struct local_vsi {
    struct hmap_node node;      /* In 'local_vsis', by 'id'. */
    char *id;
    struct sset keys;
};

/* Another NVE's liveness, as seen here: its NVA row's alive_at changes
 * while it runs. */
struct nve_liveness {
    long long int refreshed;    /* time_msec() of the last change seen. */
    bool alive;                 /* Refreshed within the dead interval. */
};

/* A key that this NVE publishes, with the VSIs that have it (normally
 * one). */
struct local_key {
    struct hmap_node node;      /* In 'local_keys', by 'key'. */
    char *key;
    struct sset vsis;           /* Ids of the VSIs. */
};

/* The recent moves of a MAC: changes of the NVE of its winning mapping, as
 * learned here.  Kept only for keys that moved within the window. */
struct mac_moves {
    long long int times[NVA_MAX_DAD_MOVES + 1];     /* time_msec(), oldest
                                                     * first. */
    size_t n;
};

/* A MAC frozen by duplicate address detection. */
struct frozen_mac {
    char *location;             /* The NVE where it stays. */
    long long int moves;        /* How many moves made it frozen. */
    long long int detected_at;  /* time_wall_msec(). */
};

struct nva_client {
    char *remote;               /* options:nva_remote, NULL if standalone. */
    struct ovsdb_idl_loop loop; /* Valid if 'remote'. */
    unsigned int cond_seqno;    /* Expected condition sequence number. */
    bool was_connected;
    char *name;                 /* This NVE's name when last run. */

    /* Indexes of the NVA database (valid if 'remote'). */
    struct ovsdb_idl_index *mapping_by_key;     /* Mapping (vnid, mac). */
    struct ovsdb_idl_index *mapping_by_nve;     /* Mapping (nve). */
    struct ovsdb_idl_index *nve_by_name;        /* NVE (name). */

    /* Indexes of the NVE database. */
    struct ovsdb_idl_index *vn_by_vnid;         /* Virtual_Network. */
    struct ovsdb_idl_index *rm_by_key;          /* Remote_Mapping (vn, mac). */
    struct ovsdb_idl_index *rm_by_remote;       /* Remote_Mapping (remote). */
    struct ovsdb_idl_index *remote_by_name;     /* Remote_NVE (name). */
    struct ovsdb_idl_index *remote_by_ip;       /* Remote_NVE (ip). */

    /* What this NVE publishes, as the VSI table says: kept only with an
     * NVA ('remote'). */
    const struct vsi_table *vsis;   /* As of the last nva_client_run(). */
    struct hmap local_vsis;
    struct hmap local_keys;

    /* Keys to compare.  A "full" run compares every key instead. */
    struct sset publish_dirty;
    struct sset learn_dirty;
    bool publish_full;
    bool learn_full;
    size_t txn_size;            /* options:nva_transaction_size, 0: no
                                 * limit. */
    struct sset learn_touched;  /* Learned remote NVEs that lost or changed
                                 * a mapping since the learning's last
                                 * batch: forgotten, if unused, once no key
                                 * is left to learn. */
    bool learn_more;            /* The last nva_client_learn() learned a
                                 * batch, and keys are left: see
                                 * nva_client_wait(). */
    struct sset moved_keys;     /* Keys of VSIs in 'moved', compared every
                                 * run until they are no longer. */
    struct sset learned;        /* Keys of the learned Remote_Mapping rows. */
    struct sset standby_keys;   /* Those of them with standby NVEs (VMs
                                 * that are moving). */

    /* The other NVEs whose rows are monitored: those with mappings in
     * this NVE's VNs, and their liveness. */
    struct simap peers;         /* NVE name to its number of mappings. */
    struct shash nves;          /* NVE name to "struct nve_liveness". */
    long long int dead_interval;
    long long int next_dead_check;
    bool cond_dirty;            /* The VNs, the peers or the name changed
                                 * since the conditions were last set. */

    /* Learned remote NVEs with no mapping left, kept (with their tunnel
     * ports) until a deadline in case a VM moves back: NVE name to a
     * "long long int" deadline, time_msec(). */
    struct shash unused;
    long long int forget_delay;     /* options:nva_forget_delay. */

    long long int last_alive;   /* When alive_at was last written. */
    long long int next_alive;   /* When to refresh it... */
    bool can_publish;           /* ...if the last run could publish. */
    bool swept;                 /* Standalone: learned rows removed. */
    bool can_learn;             /* nva_client_learn() may learn... */
    bool standalone;            /* ...or sweep what was learned. */
    struct sset moved;          /* VSIs associated here that another NVE
                                 * has active with a winning mapping. */

    /* Duplicate address detection. */
    struct shash mobility;      /* Key to "struct mac_moves". */
    struct shash frozen;        /* Key to "struct frozen_mac". */
    bool frozen_loaded;         /* Read from the NVA's Duplicate rows. */
    bool dup_dirty;             /* The NVA's rows are to follow 'frozen'. */
    int dad_moves;              /* options:nva_dad_moves, 0: off. */
    long long int dad_window;   /* options:nva_dad_window. */
    long long int next_dad_gc;

    /* Statistics for nva/show. */
    unsigned long long int n_full;              /* Full runs. */
    unsigned long long int n_cond_updates;      /* Conditions set. */
    unsigned long long int n_publish_compared;  /* Keys compared... */
    unsigned long long int n_publish_deferred;  /* ...or left until a VSI's
                                                 * change commits. */
    unsigned long long int n_learn_compared;
};

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

static void local_vsis_clear(struct nva_client *);
static void nva_frozen_clear(struct nva_client *);

void
nva_client_register_nve_idl(struct ovsdb_idl *idl)
{
    static const struct ovsdb_idl_table_class *tables[] = {
        &nverec_table_remote_nve, &nverec_table_remote_mapping,
        &nverec_table_virtual_network,
    };
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
        const struct ovsdb_idl_table_class *tc = tables[i];
        for (size_t k = 0; k < tc->n_columns; k++) {
            ovsdb_idl_add_column(idl, &tc->columns[k]);
            ovsdb_idl_track_add_column(idl, &tc->columns[k]);
        }
    }
}

void
nva_client_index_nve_idl(struct nva_client *c, struct ovsdb_idl *idl)
{
    c->vn_by_vnid = ovsdb_idl_index_create1(
        idl, &nverec_virtual_network_col_vnid);
    c->rm_by_key = ovsdb_idl_index_create2(
        idl, &nverec_remote_mapping_col_vn, &nverec_remote_mapping_col_mac);
    c->rm_by_remote = ovsdb_idl_index_create1(
        idl, &nverec_remote_mapping_col_remote);
    c->remote_by_name = ovsdb_idl_index_create1(
        idl, &nverec_remote_nve_col_name);
    c->remote_by_ip = ovsdb_idl_index_create1(idl, &nverec_remote_nve_col_ip);
}

struct nva_client *
nva_client_create(void)
{
    struct nva_client *c = xzalloc(sizeof *c);

    hmap_init(&c->local_vsis);
    hmap_init(&c->local_keys);
    sset_init(&c->publish_dirty);
    sset_init(&c->learn_dirty);
    sset_init(&c->learn_touched);
    sset_init(&c->moved_keys);
    sset_init(&c->learned);
    sset_init(&c->standby_keys);
    sset_init(&c->moved);
    shash_init(&c->mobility);
    shash_init(&c->frozen);
    shash_init(&c->nves);
    shash_init(&c->unused);
    simap_init(&c->peers);
    c->learn_full = true;
    return c;
}

/* Moves at most 'n' of the keys in 'dirty' (all of them if 'n' is 0) into
 * 'batch', which must be empty: those compared in one transaction. */
static void
nva_take_batch(struct sset *dirty, size_t n, struct sset *batch)
{
    if (!n || sset_count(dirty) <= n) {
        sset_swap(dirty, batch);
        return;
    }

    const char *key;
    SSET_FOR_EACH_SAFE (key, dirty) {
        if (!n--) {
            break;
        }
        sset_add(batch, key);
        sset_delete(dirty, SSET_NODE_FROM_NAME(key));
    }
}

static void
nva_client_disconnect(struct nva_client *c)
{
    if (c->remote) {
        ovsdb_idl_loop_destroy(&c->loop);
        free(c->remote);
        c->remote = NULL;
        c->was_connected = false;
        c->can_publish = false;
        shash_clear_free_data(&c->nves);
        shash_clear_free_data(&c->unused);
        simap_clear(&c->peers);
    }
}

void
nva_client_destroy(struct nva_client *c)
{
    if (c) {
        nva_client_disconnect(c);
        local_vsis_clear(c);
        hmap_destroy(&c->local_vsis);
        hmap_destroy(&c->local_keys);
        sset_destroy(&c->publish_dirty);
        sset_destroy(&c->learn_dirty);
        sset_destroy(&c->learn_touched);
        sset_destroy(&c->moved_keys);
        sset_destroy(&c->learned);
        sset_destroy(&c->standby_keys);
        sset_destroy(&c->moved);
        shash_destroy_free_data(&c->mobility);
        nva_frozen_clear(c);
        shash_destroy(&c->frozen);
        shash_destroy_free_data(&c->nves);
        shash_destroy_free_data(&c->unused);
        simap_destroy(&c->peers);
        free(c->name);
        free(c);
    }
}

/* Connects to 'remote', or moves the connection there. */
static void
nva_client_connect(struct nva_client *c, const char *remote)
{
    if (c->remote) {
        if (strcmp(c->remote, remote)) {
            VLOG_INFO("NVA at %s", remote);
            ovsdb_idl_set_remote(c->loop.idl, remote, true);
            free(c->remote);
            c->remote = xstrdup(remote);
        }
        return;
    }

    VLOG_INFO("NVA at %s", remote);
    c->remote = xstrdup(remote);
    c->loop = (struct ovsdb_idl_loop) OVSDB_IDL_LOOP_INITIALIZER(
        ovsdb_idl_create(remote, &nvarec_idl_class, false, true));
    struct ovsdb_idl *idl = c->loop.idl;
    for (size_t k = 0; k < nvarec_table_nve.n_columns; k++) {
        ovsdb_idl_add_column(idl, &nvarec_table_nve.columns[k]);
    }
    for (size_t k = 0; k < nvarec_table_mapping.n_columns; k++) {
        ovsdb_idl_add_column(idl, &nvarec_table_mapping.columns[k]);
    }
    for (size_t k = 0; k < nvarec_table_duplicate.n_columns; k++) {
        ovsdb_idl_add_column(idl, &nvarec_table_duplicate.columns[k]);
    }
    ovsdb_idl_track_add_all(idl);
    c->mapping_by_key = ovsdb_idl_index_create2(idl, &nvarec_mapping_col_vnid,
                                                &nvarec_mapping_col_mac);
    c->mapping_by_nve = ovsdb_idl_index_create1(idl, &nvarec_mapping_col_nve);
    c->nve_by_name = ovsdb_idl_index_create1(idl, &nvarec_nve_col_name);

    /* Nothing until the first conditions say what. */
    struct ovsdb_idl_condition cond = OVSDB_IDL_CONDITION_INIT(&cond);
    nvarec_mapping_set_condition(idl, &cond);
    nvarec_duplicate_set_condition(idl, &cond);
    c->cond_seqno = nvarec_nve_set_condition(idl, &cond);
    ovsdb_idl_condition_destroy(&cond);
    c->cond_dirty = true;
    c->publish_full = c->learn_full = true;
    c->swept = false;
    c->frozen_loaded = false;
}

/* Monitors this NVE's own mappings and those of the VNs of the NVE
 * database, and the NVE rows of this NVE and of the NVEs that have those
 * mappings (not the others': each NVE's refreshes of its row reach only the
 * NVEs that may send to it, not all of them).  They are built anew, at a
 * cost of O(VNs + peers), only when one of those changed ('cond_dirty'),
 * or the connection or this NVE's name: not for every change of a
 * mapping. */
static void
nva_client_update_condition(struct nva_client *c, struct ovsdb_idl *nve_idl,
                            const char *name)
{
    if (nverec_virtual_network_track_get_first(nve_idl)) {
        c->cond_dirty = true;
    }
    if (!c->cond_dirty) {
        return;
    }
    c->cond_dirty = false;
    c->n_cond_updates++;

    struct ovsdb_idl_condition cond = OVSDB_IDL_CONDITION_INIT(&cond);
    const struct nverec_virtual_network *vn;

    nvarec_mapping_add_clause_nve(&cond, OVSDB_F_EQ, name);
    NVEREC_VIRTUAL_NETWORK_FOR_EACH (vn, nve_idl) {
        nvarec_mapping_add_clause_vnid(&cond, OVSDB_F_EQ, vn->vnid);
    }
    unsigned int seqno = nvarec_mapping_set_condition(c->loop.idl, &cond);
    ovsdb_idl_condition_destroy(&cond);

    struct ovsdb_idl_condition nve_cond = OVSDB_IDL_CONDITION_INIT(&nve_cond);
    const struct simap_node *node;
    nvarec_nve_add_clause_name(&nve_cond, OVSDB_F_EQ, name);
    SIMAP_FOR_EACH (node, &c->peers) {
        nvarec_nve_add_clause_name(&nve_cond, OVSDB_F_EQ, node->name);
    }
    c->cond_seqno = MAX(seqno,
                        nvarec_nve_set_condition(c->loop.idl, &nve_cond));
    ovsdb_idl_condition_destroy(&nve_cond);

    /* Its own reports of duplicates only. */
    struct ovsdb_idl_condition dup_cond = OVSDB_IDL_CONDITION_INIT(&dup_cond);
    nvarec_duplicate_add_clause_nve(&dup_cond, OVSDB_F_EQ, name);
    c->cond_seqno = MAX(c->cond_seqno,
                        nvarec_duplicate_set_condition(c->loop.idl,
                                                       &dup_cond));
    ovsdb_idl_condition_destroy(&dup_cond);
}

/* Counts one mapping more ('delta' 1) or less (-1) of NVE 'nve'. */
static void
nva_peers_count(struct nva_client *c, const char *nve, int delta)
{
    unsigned int n = simap_get(&c->peers, nve);

    if (delta > 0) {
        simap_put(&c->peers, nve, n + 1);
        c->cond_dirty |= !n;
    } else if (n > 1) {
        simap_put(&c->peers, nve, n - 1);
    } else if (n) {
        simap_find_and_delete(&c->peers, nve);
        c->cond_dirty = true;
    }
}

/* Keys: "VNID/MAC", the MAC in canonical form; NULL if 'mac' is not one. */
static char *
mapping_key_mac(int64_t vnid, struct eth_addr mac)
{
    return xasprintf("%"PRId64"/"ETH_ADDR_FMT, vnid, ETH_ADDR_ARGS(mac));
}

static char *
mapping_key(int64_t vnid, const char *mac)
{
    struct eth_addr ea;

    return eth_addr_from_string(mac, &ea) ? mapping_key_mac(vnid, ea) : NULL;
}

/* Returns 'key''s VNID, and stores its MAC in '*mac'. */
static int64_t
mapping_key_parse(const char *key, const char **mac)
{
    *mac = strchr(key, '/') + 1;
    return strtoll(key, NULL, 10);
}

/* Returns the key of NVA mapping 'row', or NULL if its MAC is not in
 * canonical form: such a row (which no NVE writes) is not looked at. */
static char *
nva_row_key(const struct nvarec_mapping *row)
{
    char *key = mapping_key(row->vnid, row->mac);
    const char *mac;

    if (key) {
        mapping_key_parse(key, &mac);
        if (strcmp(mac, row->mac)) {
            free(key);
            key = NULL;
        }
    }
    return key;
}

/* Whether mapping 'a' wins over 'b' for the same key. */
static bool
mapping_wins(const struct nvarec_mapping *a, const struct nvarec_mapping *b)
{
    return a->seq != b->seq ? a->seq > b->seq : strcmp(a->nve, b->nve) < 0;
}

/* Stores in 'rows' the NVA's mappings for 'key' (of every NVE). */
static size_t
nva_rows_for_key(const struct nva_client *c, const char *key,
                 const struct nvarec_mapping ***rows)
{
    const struct nvarec_mapping *row;
    size_t n = 0, allocated = 0;
    const char *mac;

    struct nvarec_mapping *target
        = nvarec_mapping_index_init_row(c->mapping_by_key);
    nvarec_mapping_index_set_vnid(target, mapping_key_parse(key, &mac));
    nvarec_mapping_index_set_mac(target, mac);
    *rows = NULL;
    NVAREC_MAPPING_FOR_EACH_EQUAL (row, target, c->mapping_by_key) {
        if (n >= allocated) {
            *rows = x2nrealloc(*rows, &allocated, sizeof **rows);
        }
        (*rows)[n++] = row;
    }
    nvarec_mapping_index_destroy_row(target);
    return n;
}

/* Marks the keys of every mapping of NVE 'name' in 'keys'. */
static void
nva_mark_nve_keys(const struct nva_client *c, const char *name,
                  struct sset *keys)
{
    const struct nvarec_mapping *row;

    struct nvarec_mapping *target
        = nvarec_mapping_index_init_row(c->mapping_by_nve);
    nvarec_mapping_index_set_nve(target, name);
    NVAREC_MAPPING_FOR_EACH_EQUAL (row, target, c->mapping_by_nve) {
        char *key = nva_row_key(row);
        if (key) {
            sset_add_and_free(keys, key);
        }
    }
    nvarec_mapping_index_destroy_row(target);
}

/* The local model: which VSIs publish which keys. */

static struct local_key *
local_key_find(const struct nva_client *c, const char *key)
{
    struct local_key *lk;

    HMAP_FOR_EACH_WITH_HASH (lk, node, hash_string(key, 0), &c->local_keys) {
        if (!strcmp(lk->key, key)) {
            return lk;
        }
    }
    return NULL;
}

static struct local_vsi *
local_vsi_find(const struct nva_client *c, const char *id)
{
    struct local_vsi *lv;

    HMAP_FOR_EACH_WITH_HASH (lv, node, hash_string(id, 0), &c->local_vsis) {
        if (!strcmp(lv->id, id)) {
            return lv;
        }
    }
    return NULL;
}

/* Forgets what VSI 'lv' published, marking its keys for comparison. */
static void
local_vsi_forget_keys(struct nva_client *c, struct local_vsi *lv)
{
    const char *key;

    SSET_FOR_EACH (key, &lv->keys) {
        struct local_key *lk = local_key_find(c, key);
        if (lk) {
            sset_find_and_delete(&lk->vsis, lv->id);
            if (sset_is_empty(&lk->vsis)) {
                hmap_remove(&c->local_keys, &lk->node);
                sset_destroy(&lk->vsis);
                free(lk->key);
                free(lk);
            }
        }
        sset_add(&c->publish_dirty, key);
    }
    sset_clear(&lv->keys);
}

static void
local_vsi_destroy(struct nva_client *c, struct local_vsi *lv)
{
    local_vsi_forget_keys(c, lv);
    hmap_remove(&c->local_vsis, &lv->node);
    sset_destroy(&lv->keys);
    free(lv->id);
    free(lv);
}

/* Makes the local model follow VSI 'v', new, changed or gone (in
 * VSI_ABSENT): the keys of its bindings' MACs, signalled and learned. */
static void
local_vsi_update(struct nva_client *c, const struct vsi *v)
{
    struct local_vsi *lv = local_vsi_find(c, v->id);

    if (lv) {
        local_vsi_forget_keys(c, lv);
    }
    if (v->state == VSI_ABSENT) {
        if (lv) {
            local_vsi_destroy(c, lv);
        }
        return;
    }
    if (!lv) {
        lv = xzalloc(sizeof *lv);
        lv->id = xstrdup(v->id);
        sset_init(&lv->keys);
        hmap_insert(&c->local_vsis, &lv->node, hash_string(v->id, 0));
    }

    for (size_t i = 0; i < v->n_bindings; i++) {
        const struct vsi_binding *b = &v->bindings[i];

        for (size_t k = 0; k < b->n_macs + b->n_learned; k++) {
            struct eth_addr mac = (k < b->n_macs ? b->macs[k]
                                   : b->learned[k - b->n_macs]);
            char *key = mapping_key_mac(b->pv->vnid, mac);
            if (!sset_add(&lv->keys, key)) {
                free(key);
                continue;
            }
            struct local_key *lk = local_key_find(c, key);
            if (!lk) {
                lk = xzalloc(sizeof *lk);
                lk->key = xstrdup(key);
                sset_init(&lk->vsis);
                hmap_insert(&c->local_keys, &lk->node, hash_string(key, 0));
            }
            sset_add(&lk->vsis, v->id);
            sset_add_and_free(&c->publish_dirty, key);
        }
    }
}

static void
local_vsi_update_cb(void *c, const struct vsi *v)
{
    local_vsi_update(c, v);
}

void
nva_client_vsi_committed(struct nva_client *c, const struct vsi *v)
{
    if (c->remote) {
        local_vsi_update(c, v);
    }
}

static void
local_vsis_clear(struct nva_client *c)
{
    struct local_vsi *lv;

    HMAP_FOR_EACH_SAFE (lv, node, &c->local_vsis) {
        local_vsi_destroy(c, lv);
    }
}

/* Liveness. */

/* Whether NVE 'name' counts as alive here: every NVE but those whose row
 * was not refreshed within the dead interval. */
static bool
nva_nve_is_alive(const struct nva_client *c, const char *name)
{
    const struct nve_liveness *l = shash_find_data(&c->nves, name);
    return !l || l->alive;
}

/* Notes that NVE 'name''s row was refreshed (or first seen) now. */
static void
nva_nve_refreshed(struct nva_client *c, const char *name)
{
    struct nve_liveness *l = shash_find_data(&c->nves, name);
    long long int now = time_msec();

    if (!l) {
        l = xzalloc(sizeof *l);
        l->alive = true;
        shash_add(&c->nves, name, l);
    } else if (!l->alive) {
        VLOG_INFO("NVE %s refreshed its row: a target again", name);
        l->alive = true;
        nva_mark_nve_keys(c, name, &c->learn_dirty);
    }
    l->refreshed = now;
    c->next_dead_check = MIN(c->next_dead_check, now + c->dead_interval);
}

/* Gives every other NVE a fresh start, as after a reconnection: while
 * this NVE could not see their refreshes, they did not stop. */
static void
nva_nves_refresh_all(struct nva_client *c)
{
    long long int now = time_msec();
    struct shash_node *node;

    SHASH_FOR_EACH (node, &c->nves) {
        struct nve_liveness *l = node->data;
        l->refreshed = now;
    }
    c->next_dead_check = now + c->dead_interval;
}

/* Those of the other NVEs whose rows were not refreshed within the dead
 * interval stop being targets: their mappings are compared again, and lose
 * to any other NVE's. */
static void
nva_nves_check(struct nva_client *c)
{
    long long int now = time_msec();

    if (now < c->next_dead_check) {
        return;
    }
    c->next_dead_check = LLONG_MAX;

    struct shash_node *node;
    SHASH_FOR_EACH (node, &c->nves) {
        struct nve_liveness *l = node->data;
        if (!l->alive) {
            continue;
        }
        long long int deadline = l->refreshed + c->dead_interval;
        if (now >= deadline) {
            VLOG_INFO("NVE %s did not refresh its row for %lld ms: no "
                      "longer a target", node->name, now - l->refreshed);
            l->alive = false;
            nva_mark_nve_keys(c, node->name, &c->learn_dirty);
        } else {
            c->next_dead_check = MIN(c->next_dead_check, deadline);
        }
    }
}

/* Change tracking. */

/* Marks the keys that the NVA's tracked changes concern, then clears
 * them. */
static void
nva_track_nva(struct nva_client *c, const char *name)
{
    struct ovsdb_idl *idl = c->loop.idl;
    const struct nvarec_mapping *row;
    const struct nvarec_nve *nve;

    NVAREC_MAPPING_FOR_EACH_TRACKED (row, idl) {
        bool is_new = nvarec_mapping_is_new(row);
        bool is_deleted = nvarec_mapping_is_deleted(row);
        if (strcmp(row->nve, name) && is_new != is_deleted) {
            nva_peers_count(c, row->nve, is_new ? 1 : -1);
        }

        char *key = nva_row_key(row);
        if (key) {
            if (!strcmp(row->nve, name) || local_key_find(c, key)) {
                sset_add(&c->publish_dirty, key);
            }
            sset_add_and_free(&c->learn_dirty, key);
        } else if (!strcmp(row->nve, name)) {
            /* Not ours to have: compare everything, which deletes it. */
            c->publish_full = true;
        }
    }
    NVAREC_NVE_FOR_EACH_TRACKED (nve, idl) {
        if (!strcmp(nve->name, name)) {
            continue;
        }
        /* Another NVE appears, goes or moves: its mappings are learnable
         * (or not) and point to its new address. */
        if (nvarec_nve_is_new(nve) || nvarec_nve_is_deleted(nve)
            || nvarec_nve_is_updated(nve, NVAREC_NVE_COL_IP)
            || nvarec_nve_is_updated(nve, NVAREC_NVE_COL_ENCAPS)) {
            nva_mark_nve_keys(c, nve->name, &c->learn_dirty);
        }
        if (nvarec_nve_is_deleted(nve)) {
            free(shash_find_and_delete(&c->nves, nve->name));
        } else if (nvarec_nve_is_new(nve)
                   || nvarec_nve_is_updated(nve, NVAREC_NVE_COL_ALIVE_AT)) {
            nva_nve_refreshed(c, nve->name);
        }
    }
    ovsdb_idl_track_clear(idl);
}

static bool
smap_is_learned(const struct smap *ids)
{
    const char *mark = smap_get(ids, NVA_LEARNED_KEY);
    return mark && !strcmp(mark, NVA_LEARNED_VALUE);
}

/* Looks at the NVE database's tracked changes of what learning writes.
 * The learned rows change as this client writes them, and are compared
 * again only if someone else deleted one; a change of the operator's rows
 * or of the VNs compares everything again (they are few and rare). */
static void
nva_track_remotes(struct nva_client *c, struct ovsdb_idl *nve_idl)
{
    const struct nverec_remote_nve *remote;
    const struct nverec_remote_mapping *rm;

    if (nverec_virtual_network_track_get_first(nve_idl)) {
        c->learn_full = true;
    }
    NVEREC_REMOTE_NVE_FOR_EACH_TRACKED (remote, nve_idl) {
        if (!smap_is_learned(&remote->external_ids)) {
            c->learn_full = true;
        }
    }
    NVEREC_REMOTE_MAPPING_FOR_EACH_TRACKED (rm, nve_idl) {
        if (!smap_is_learned(&rm->external_ids)) {
            c->learn_full = true;
        } else if (nverec_remote_mapping_is_deleted(rm)) {
            char *key = rm->vn ? mapping_key(rm->vn->vnid, rm->mac) : NULL;
            if (!key) {
                c->learn_full = true;
            } else if (sset_contains(&c->learned, key)) {
                /* Not deleted by this client: learned again. */
                sset_add(&c->learn_dirty, key);
            }
            free(key);
        }
    }
}

/* Publishing. */

static bool
strings_equal(char **a, size_t n_a, char **b, size_t n_b)
{
    if (n_a != n_b) {
        return false;
    }
    for (size_t i = 0; i < n_a; i++) {
        if (strcmp(a[i], b[i])) {
            return false;
        }
    }
    return true;
}

/* Writes this NVE's own NVE row, when it changed or alive_at is due. */
static void
nva_publish_nve(struct nva_client *c, struct ovsdb_idl_txn *txn,
                const struct nverec_nve_global *cfg)
{
    const char *encap = cfg->encap ? cfg->encap : "vxlan";
    bool alive = time_msec() >= c->next_alive;

    struct nvarec_nve *target = nvarec_nve_index_init_row(c->nve_by_name);
    nvarec_nve_index_set_name(target, cfg->name);
    const struct nvarec_nve *row = nvarec_nve_index_find(c->nve_by_name,
                                                         target);
    nvarec_nve_index_destroy_row(target);

    if (!row) {
        row = nvarec_nve_insert(txn);
        nvarec_nve_set_name(row, cfg->name);
        alive = true;
    } else if (!alive && !strcmp(row->ip, cfg->underlay_ip)
               && row->n_encaps == 1 && !strcmp(row->encaps[0], encap)) {
        return;
    }
    nvarec_nve_set_ip(row, cfg->underlay_ip);
    nvarec_nve_set_encaps(row, &encap, 1);
    if (alive) {
        nvarec_nve_set_alive_at(row, time_wall_msec());
        c->last_alive = time_msec();
    }
}

/* Returns the binding of 'v' with 'key' (VNID 'vnid', MAC 'mac'), or NULL
 * if it has none. */
static const struct vsi_binding *
vsi_binding_for_key(const struct vsi *v, int64_t vnid, struct eth_addr mac)
{
    for (size_t i = 0; i < v->n_bindings; i++) {
        const struct vsi_binding *b = &v->bindings[i];
        if (b->pv->vnid != vnid) {
            continue;
        }
        for (size_t k = 0; k < b->n_macs + b->n_learned; k++) {
            if (eth_addr_equals(mac, (k < b->n_macs ? b->macs[k]
                                      : b->learned[k - b->n_macs]))) {
                return b;
            }
        }
    }
    return NULL;
}

/* Makes this NVE's Mapping row for 'key' what its VSIs say: none if no VSI
 * has it; otherwise that of the associated VSI with it (or, if none is, of
 * the one with the smallest id), active if it is associated and standby
 * otherwise.  A VSI whose mapping is active here and in the NVA, but that
 * another NVE's active mapping beats (the VM moved there), goes into
 * 'c->moved' instead: it is for the VSI table to deactivate it. */
static void
nva_publish_key(struct nva_client *c, struct ovsdb_idl_txn *txn, const char *name, const char *key)
{
    const char *mac;
    int64_t vnid = mapping_key_parse(key, &mac);
    struct eth_addr ea;
    bool valid = eth_addr_from_string(mac, &ea);   /* Keys are canonical. */

    const struct vsi_binding *binding = NULL;   /* Of 'vsi'. */
    const struct vsi *vsi = NULL;
    const struct local_key *lk = local_key_find(c, key);
    if (lk && valid) {
        const char *id;
        SSET_FOR_EACH (id, &lk->vsis) {
            const struct vsi *v = vsi_table_find(c->vsis, id);
            if (!v) {
                continue;
            } else if (vsi_has_pending_write(v)) {
                /* Not yet what its row says: what is published is durable
                 * here.  The key is compared again once the change
                 * commits (nva_client_vsi_committed()). */
                c->n_publish_deferred++;
                return;
            }
            const struct vsi_binding *b = vsi_binding_for_key(v, vnid, ea);
            if (!b) {
                continue;
            }
            bool assoc = v->state == VSI_ASSOCIATED;
            if (!vsi
                || (assoc != (vsi->state == VSI_ASSOCIATED)
                    ? assoc : strcmp(v->id, vsi->id) < 0)) {
                vsi = v;
                binding = b;
            }
        }
    }
    c->n_publish_compared++;

    /* The NVA's rows for the key: this NVE's, the highest sequence number
     * of the others' and the winning active one of theirs. */
    const struct nvarec_mapping **rows, *own = NULL, *max = NULL;
    const struct nvarec_mapping *best = NULL;
    size_t n = nva_rows_for_key(c, key, &rows);
    for (size_t i = 0; i < n; i++) {
        const struct nvarec_mapping *row = rows[i];
        if (!strcmp(row->nve, name)) {
            own = row;
            continue;
        }
        if (!max || row->seq > max->seq) {
            max = row;
        }
        if (!strcmp(row->state, "active")
            && (!best || mapping_wins(row, best))) {
            best = row;
        }
    }
    free(rows);

    if (!vsi) {
        if (own) {
            VLOG_DBG("withdrawing mapping %s", key);
            nvarec_mapping_delete(own);
        }
        sset_find_and_delete(&c->moved_keys, key);
        return;
    }

    /* A standby mapping of a VM that is to start here (its VSI
     * pre-associated, as at the destination of a migration) carries a
     * sequence number above the winning active mapping's: the other NVEs
     * then send the VM's frames here too until the move is over
     * (nva_learn_key()), and its activation wins.  Only when it is first
     * published: a destination that stays prepared after the VM went
     * elsewhere gets no more copies; the standby mapping of a VM leaving
     * (emigrating, suspended) keeps its number. */
    const char *state = vsi->state == VSI_ASSOCIATED ? "active" : "standby";
    bool prospective = vsi->state == VSI_PRE_ASSOCIATED;
    if (!own) {
        VLOG_DBG("publishing mapping %s", key);
        struct nvarec_mapping *new = nvarec_mapping_insert(txn);
        nvarec_mapping_set_nve(new, name);
        nvarec_mapping_set_vnid(new, vnid);
        nvarec_mapping_set_mac(new, mac);
        nvarec_mapping_set_ips(new, (const char **) binding->ips,
                               binding->n_ips);
        nvarec_mapping_set_vsi_id(new, vsi->id);
        nvarec_mapping_set_state(new, state);
        nvarec_mapping_set_seq(new, (max && !strcmp(state, "active")
                                     ? max->seq + 1
                                     : prospective && best
                                     ? best->seq + 1 : 0));
        return;
    }

    if (best && !strcmp(own->state, "active") && !strcmp(state, "active")
        && mapping_wins(best, own)) {
        if (sset_add(&c->moved_keys, key)) {
            VLOG_INFO("vsi %s: mapping %"PRId64" %s is active at %s "
                      "with sequence number %"PRId64" (here %"PRId64")",
                      vsi->id, own->vnid, own->mac, best->nve,
                      best->seq, own->seq);
        }
        sset_add(&c->moved, vsi->id);
    } else {
        sset_find_and_delete(&c->moved_keys, key);
    }
    if (strcmp(own->state, state)) {
        if (!strcmp(state, "active") && max && max->seq >= own->seq) {
            nvarec_mapping_set_seq(own, max->seq + 1);
        }
        nvarec_mapping_set_state(own, state);
    }
    if (strcmp(own->vsi_id, vsi->id)) {
        nvarec_mapping_set_vsi_id(own, vsi->id);
    }
    if (!strings_equal(own->ips, own->n_ips, binding->ips, binding->n_ips)) {
        nvarec_mapping_set_ips(own, (const char **) binding->ips,
                               binding->n_ips);
    }
}

/* Compares the keys that changed, or after a (re)connection every key: the
 * local model is read again from the VSI table, and this NVE's rows of the
 * NVA are all compared (which removes its stale ones). */
static void
nva_publish_mappings(struct nva_client *c, struct ovsdb_idl_txn *txn,
                     const char *name)
{
    if (c->publish_full) {
        const struct nvarec_mapping *row;

        local_vsis_clear(c);
        vsi_table_for_each(c->vsis, local_vsi_update_cb, c);
        struct nvarec_mapping *target
            = nvarec_mapping_index_init_row(c->mapping_by_nve);
        nvarec_mapping_index_set_nve(target, name);
        NVAREC_MAPPING_FOR_EACH_EQUAL (row, target, c->mapping_by_nve) {
            char *key = nva_row_key(row);
            if (key) {
                sset_add_and_free(&c->publish_dirty, key);
            } else {
                nvarec_mapping_delete(row);
            }
        }
        nvarec_mapping_index_destroy_row(target);
        c->publish_full = false;
    }

    const char *key;
    SSET_FOR_EACH (key, &c->moved_keys) {
        sset_add(&c->publish_dirty, key);
    }
    struct sset batch = SSET_INITIALIZER(&batch);
    nva_take_batch(&c->publish_dirty, c->txn_size, &batch);
    SSET_FOR_EACH (key, &batch) {
        nva_publish_key(c, txn, name, key);
    }
    sset_destroy(&batch);
}

/* Learning. */

/* Returns the first encapsulation of 'nve' (they are sorted). */
static const char *
nve_encap(const struct nvarec_nve *nve)
{
    return nve->n_encaps ? nve->encaps[0] : "vxlan";
}

static const struct nverec_remote_nve *
remote_find(const struct nva_client *c, const char *name)
{
    struct nverec_remote_nve *target
        = nverec_remote_nve_index_init_row(c->remote_by_name);
    nverec_remote_nve_index_set_name(target, name);
    const struct nverec_remote_nve *r
        = nverec_remote_nve_index_find(c->remote_by_name, target);
    nverec_remote_nve_index_destroy_row(target);
    return r;
}

/* Returns the Remote_NVE row for NVA NVE 'name': the operator's if there
 * is one, otherwise a learned one, written as the NVA says.  NULL if the
 * NVA has no such NVE, or if an operator's row has its address.  'remotes'
 * caches the answers of the round. */
/* Returns the NVE database's Remote_Mapping row for 'key', if any.  Also
 * stores in '*vnp' the key's VN, if any, and in '*macp' its MAC, if they
 * are nonnull. */
static const struct nverec_remote_mapping *
rm_find_by_key(const struct nva_client *c, const char *key,
               const struct nverec_virtual_network **vnp, const char **macp)
{
    const struct nverec_remote_mapping *rm = NULL;
    const char *mac;
    int64_t vnid = mapping_key_parse(key, &mac);

    struct nverec_virtual_network *vn_target
        = nverec_virtual_network_index_init_row(c->vn_by_vnid);
    nverec_virtual_network_index_set_vnid(vn_target, vnid);
    const struct nverec_virtual_network *vn
        = nverec_virtual_network_index_find(c->vn_by_vnid, vn_target);
    nverec_virtual_network_index_destroy_row(vn_target);
    if (vn) {
        struct nverec_remote_mapping *rm_target
            = nverec_remote_mapping_index_init_row(c->rm_by_key);
        nverec_remote_mapping_index_set_vn(rm_target, vn);
        nverec_remote_mapping_index_set_mac(rm_target, mac);
        rm = nverec_remote_mapping_index_find(c->rm_by_key, rm_target);
        nverec_remote_mapping_index_destroy_row(rm_target);
    }
    if (vnp) {
        *vnp = vn;
    }
    if (macp) {
        *macp = mac;
    }
    return rm;
}

/* Whether a Remote_Mapping refers to 'r'. */
static bool
nva_remote_is_used(const struct nva_client *c,
                   const struct nverec_remote_nve *r)
{
    struct nverec_remote_mapping *target
        = nverec_remote_mapping_index_init_row(c->rm_by_remote);
    nverec_remote_mapping_index_set_remote(target, r);
    bool used = nverec_remote_mapping_index_find(c->rm_by_remote,
                                                 target) != NULL;
    nverec_remote_mapping_index_destroy_row(target);
    if (used) {
        return true;
    }

    /* Or awaits a VM: few keys at a time. */
    const char *key;
    SSET_FOR_EACH (key, &c->standby_keys) {
        const struct nverec_remote_mapping *rm = rm_find_by_key(c, key, NULL, NULL);
        if (rm) {
            struct sset names = SSET_INITIALIZER(&names);
            sset_from_delimited_string(
                &names, smap_get_def(&rm->external_ids, NVA_STANDBY_KEY, ""),
                ",");
            used = sset_contains(&names, r->name);
            sset_destroy(&names);
            if (used) {
                return true;
            }
        }
    }
    return false;
}

static const struct nverec_remote_nve *
nva_learn_remote(struct nva_client *c, struct ovsdb_idl_txn *txn,
                 const char *name, struct shash *remotes)
{
    struct shash_node *node = shash_find(remotes, name);
    if (node) {
        return node->data;
    }

    struct nvarec_nve *target = nvarec_nve_index_init_row(c->nve_by_name);
    nvarec_nve_index_set_name(target, name);
    const struct nvarec_nve *nve = nvarec_nve_index_find(c->nve_by_name,
                                                         target);
    nvarec_nve_index_destroy_row(target);

    const struct nverec_remote_nve *r = remote_find(c, name);
    if (!nve || (r && !smap_is_learned(&r->external_ids))) {
        /* No such NVE, or the operator's. */
    } else if (r) {
        const char *encap = nve_encap(nve);
        if (strcmp(r->ip, nve->ip) || !r->encap || strcmp(r->encap, encap)) {
            nverec_remote_nve_set_ip(r, nve->ip);
            nverec_remote_nve_set_encap(r, encap);
        }
    } else {
        struct nverec_remote_nve *ip_target
            = nverec_remote_nve_index_init_row(c->remote_by_ip);
        nverec_remote_nve_index_set_ip(ip_target, nve->ip);
        const struct nverec_remote_nve *other
            = nverec_remote_nve_index_find(c->remote_by_ip, ip_target);
        nverec_remote_nve_index_destroy_row(ip_target);
        if (other) {
            VLOG_WARN_RL(&rl, "not learning NVE %s: remote NVE %s of the "
                         "NVE database has its address %s", nve->name,
                         other->name, nve->ip);
        } else {
            const struct smap learned = SMAP_CONST1(&learned, NVA_LEARNED_KEY,
                                                    NVA_LEARNED_VALUE);
            const char *encap = nve_encap(nve);
            VLOG_INFO("learned NVE %s at %s", nve->name, nve->ip);
            struct nverec_remote_nve *new = nverec_remote_nve_insert(txn);
            nverec_remote_nve_set_name(new, nve->name);
            nverec_remote_nve_set_ip(new, nve->ip);
            nverec_remote_nve_set_encap(new, encap);
            nverec_remote_nve_set_external_ids(new, &learned);
            r = new;
        }
    }
    shash_add(remotes, name, r);
    return r;
}

/* Duplicate address detection. */

static void
nva_frozen_clear(struct nva_client *c)
{
    struct shash_node *node;

    SHASH_FOR_EACH_SAFE (node, &c->frozen) {
        struct frozen_mac *f = node->data;
        free(f->location);
        free(f);
        shash_delete(&c->frozen, node);
    }
}

static void
nva_freeze(struct nva_client *c, const char *key, const char *location,
           long long int moves, long long int detected_at)
{
    struct frozen_mac *f = xmalloc(sizeof *f);

    f->location = xstrdup(location);
    f->moves = moves;
    f->detected_at = detected_at;
    shash_add(&c->frozen, key, f);
}

/* Notes that the winning mapping of 'key' moved to NVE 'nve'.  Returns true
 * if that is one move too many within the window: the MAC is then frozen at
 * 'nve', until "nva/unfreeze". */
static bool
nva_dad_move(struct nva_client *c, const char *key, const char *nve)
{
    if (!c->dad_moves) {
        return false;
    }

    long long int now = time_msec();
    struct mac_moves *mm = shash_find_data(&c->mobility, key);
    if (!mm) {
        mm = xzalloc(sizeof *mm);
        shash_add(&c->mobility, key, mm);
    }
    size_t k = 0;
    for (size_t i = 0; i < mm->n; i++) {
        if (now - mm->times[i] < c->dad_window) {
            mm->times[k++] = mm->times[i];
        }
    }
    mm->n = k;
    mm->times[mm->n++] = now;
    if (mm->n <= c->dad_moves) {
        return false;
    }

    long long int moves = mm->n;
    free(shash_find_and_delete(&c->mobility, key));
    const char *mac;
    int64_t vnid = mapping_key_parse(key, &mac);
    VLOG_WARN("duplicate MAC %s in VNID %"PRId64": it moved %lld times "
              "within %lld ms, frozen at NVE %s until \"nva/unfreeze\"",
              mac, vnid, moves, c->dad_window, nve);
    nva_freeze(c, key, nve, moves, time_wall_msec());
    c->dup_dirty = true;
    return true;
}

/* Forgets the moves that are out of the window. */
static void
nva_dad_gc(struct nva_client *c)
{
    long long int now = time_msec();
    if (now < c->next_dad_gc) {
        return;
    }
    c->next_dad_gc = now + c->dad_window;

    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &c->mobility) {
        struct mac_moves *mm = node->data;
        if (!mm->n || now - mm->times[mm->n - 1] >= c->dad_window) {
            free(mm);
            shash_delete(&c->mobility, node);
        }
    }
}

/* Makes this NVE's Duplicate rows in the NVA the MACs it has frozen; after
 * a (re)connection, first takes the frozen MACs from them (so that a MAC
 * stays frozen across restarts). */
static void
nva_publish_duplicates(struct nva_client *c, struct ovsdb_idl_txn *txn,
                       const char *name)
{
    struct ovsdb_idl *idl = c->loop.idl;
    if (!ovsdb_idl_server_has_table(idl, &nvarec_table_duplicate)) {
        /* An NVA of schema 1.0.0: frozen here only. */
        return;
    }

    const struct nvarec_duplicate *row;
    if (!c->frozen_loaded) {
        c->frozen_loaded = true;
        NVAREC_DUPLICATE_FOR_EACH (row, idl) {
            char *key = mapping_key(row->vnid, row->mac);
            if (key && !strcmp(row->nve, name)
                && !shash_find(&c->frozen, key)) {
                VLOG_INFO("duplicate MAC %s in VNID %"PRId64": still frozen "
                          "at NVE %s", row->mac, row->vnid, row->location);
                nva_freeze(c, key, row->location, row->moves,
                           row->detected_at);
                sset_add(&c->learn_dirty, key);
            }
            free(key);
        }
        c->dup_dirty = true;
    }
    if (!c->dup_dirty) {
        return;
    }
    c->dup_dirty = false;

    struct sset seen = SSET_INITIALIZER(&seen);
    NVAREC_DUPLICATE_FOR_EACH_SAFE (row, idl) {
        char *key = mapping_key(row->vnid, row->mac);
        const struct frozen_mac *f = (key && !strcmp(row->nve, name)
                                      ? shash_find_data(&c->frozen, key)
                                      : NULL);
        if (!f || !sset_add(&seen, key)) {
            nvarec_duplicate_delete(row);
        } else if (strcmp(row->location, f->location)) {
            nvarec_duplicate_set_location(row, f->location);
        }
        free(key);
    }
    struct shash_node *node;
    SHASH_FOR_EACH (node, &c->frozen) {
        const struct frozen_mac *f = node->data;
        if (!sset_contains(&seen, node->name)) {
            const char *mac;
            int64_t vnid = mapping_key_parse(node->name, &mac);
            struct nvarec_duplicate *new = nvarec_duplicate_insert(txn);
            nvarec_duplicate_set_nve(new, name);
            nvarec_duplicate_set_vnid(new, vnid);
            nvarec_duplicate_set_mac(new, mac);
            nvarec_duplicate_set_location(new, f->location);
            nvarec_duplicate_set_moves(new, f->moves);
            nvarec_duplicate_set_detected_at(new, f->detected_at);
        }
    }
    sset_destroy(&seen);
}

/* Makes the standby NVEs of learned Remote_Mapping 'rm', for 'key', those
 * of the comma-separated 'list' (empty for none), adding to 'touched' those
 * that it loses. */
static void
nva_set_standbys(struct nva_client *c,
                 const struct nverec_remote_mapping *rm, const char *key,
                 const char *list, struct sset *touched)
{
    const char *old = smap_get_def(&rm->external_ids, NVA_STANDBY_KEY, "");
    if (!strcmp(old, list)) {
        return;
    }

    struct sset old_names = SSET_INITIALIZER(&old_names);
    struct sset new_names = SSET_INITIALIZER(&new_names);
    sset_from_delimited_string(&old_names, old, ",");
    sset_from_delimited_string(&new_names, list, ",");
    const char *name;
    SSET_FOR_EACH (name, &old_names) {
        if (!sset_contains(&new_names, name)) {
            sset_add(touched, name);
        }
    }
    sset_destroy(&old_names);
    sset_destroy(&new_names);

    if (*list) {
        VLOG_DBG("mapping %s: also to %s until the VM starts there",
                 key, list);
        nverec_remote_mapping_update_external_ids_setkey(rm, NVA_STANDBY_KEY,
                                                         list);
        sset_add(&c->standby_keys, key);
    } else {
        nverec_remote_mapping_update_external_ids_delkey(rm, NVA_STANDBY_KEY);
        sset_find_and_delete(&c->standby_keys, key);
    }
}

/* Makes the learned Remote_Mapping row for 'key' what the NVA says: the
 * active mapping of another NVE that wins, in a VN of the NVE database,
 * unless the operator has a row for the key.  Adds to 'touched' the names
 * of the remotes that lost a learned mapping. */
static void
nva_learn_key(struct nva_client *c, struct ovsdb_idl_txn *txn,
              const char *name, const char *key, struct shash *remotes,
              struct sset *touched)
{
    const struct nverec_virtual_network *vn;
    const char *mac;

    c->n_learn_compared++;
    const struct nverec_remote_mapping *rm = rm_find_by_key(c, key, &vn,
                                                            &mac);
    if (rm && !smap_is_learned(&rm->external_ids)) {
        /* The operator's. */
        sset_find_and_delete(&c->learned, key);
        return;
    }

    const struct nvarec_mapping *winner = NULL;
    const struct nvarec_mapping **rows = NULL;
    size_t n = 0;
    if (vn && name) {
        n = nva_rows_for_key(c, key, &rows);
        for (size_t i = 0; i < n; i++) {
            if (!strcmp(rows[i]->state, "active")
                && nva_nve_is_alive(c, rows[i]->nve)
                && (!winner || mapping_wins(rows[i], winner))) {
                winner = rows[i];
            }
        }
    }
    /* Where the MAC is: the winner's NVE, unless duplicate address
     * detection froze it elsewhere. */
    const char *target = winner ? winner->nve : NULL;
    const struct frozen_mac *frozen = (name
                                       ? shash_find_data(&c->frozen, key)
                                       : NULL);
    if (frozen) {
        target = frozen->location;
        winner = NULL;
    } else if (target && rm && strcmp(rm->remote->name, target)
               && nva_dad_move(c, key, target)) {
        frozen = shash_find_data(&c->frozen, key);
        winner = NULL;
    }
    const struct nverec_remote_nve *r = NULL;
    if (target && strcmp(target, name)) {
        r = nva_learn_remote(c, txn, target, remotes);
    }

    if (!r) {
        free(rows);
        if (rm) {
            VLOG_DBG("forgetting mapping %s", key);
            sset_add(touched, rm->remote->name);
            nva_set_standbys(c, rm, key, "", touched);
            nverec_remote_mapping_delete(rm);
        }
        sset_find_and_delete(&c->learned, key);
        return;
    }

    /* Make before break: the NVEs where the VM is about to start (standby
     * mappings above the winner's sequence number, nva_publish_key()) get
     * its frames too, so that none is lost when it starts there. */
    struct svec standbys = SVEC_EMPTY_INITIALIZER;
    for (size_t i = 0; winner && i < n; i++) {
        const struct nvarec_mapping *row = rows[i];
        if (!strcmp(row->state, "standby") && row->seq > winner->seq
            && strcmp(row->nve, name) && strcmp(row->nve, winner->nve)
            && nva_nve_is_alive(c, row->nve)
            && nva_learn_remote(c, txn, row->nve, remotes)) {
            svec_add(&standbys, row->nve);
        }
    }
    free(rows);
    svec_sort_unique(&standbys);
    if (standbys.n > NVA_MAX_STANDBYS) {
        VLOG_WARN_RL(&rl, "mapping %s: %"PRIuSIZE" NVEs await the VM, "
                     "sending to the first %d only", key, standbys.n,
                     NVA_MAX_STANDBYS);
        while (standbys.n > NVA_MAX_STANDBYS) {
            svec_pop_back(&standbys);
        }
    }
    char *standby_list = svec_join(&standbys, ",", "");
    svec_destroy(&standbys);
    if (!rm) {
        const struct smap learned = SMAP_CONST1(&learned, NVA_LEARNED_KEY,
                                                NVA_LEARNED_VALUE);
        VLOG_DBG("learned mapping %s to %s", key, target);
        struct nverec_remote_mapping *new = nverec_remote_mapping_insert(txn);
        nverec_remote_mapping_set_vn(new, vn);
        nverec_remote_mapping_set_mac(new, mac);
        nverec_remote_mapping_set_external_ids(new, &learned);
        rm = new;
    } else if (rm->remote != r) {
        sset_add(touched, rm->remote->name);
    }
    if (rm->remote != r) {
        nverec_remote_mapping_set_remote(rm, r);
    }
    if (winner) {
        const char *ip = winner->n_ips ? winner->ips[0] : NULL;
        if (ip ? !rm->ip || strcmp(rm->ip, ip) : rm->ip != NULL) {
            nverec_remote_mapping_set_ip(rm, ip);
        }
        if (!strings_equal(rm->ips, rm->n_ips, winner->ips, winner->n_ips)) {
            nverec_remote_mapping_set_ips(rm, (const char **) winner->ips,
                                          winner->n_ips);
        }
    }
    nva_set_standbys(c, rm, key, standby_list, touched);
    free(standby_list);
    sset_add(&c->learned, key);
}

/* Makes the learned Remote_NVE and Remote_Mapping rows of the NVE database
 * those of the NVA, for the keys that changed, or every key after a
 * (re)connection: at most 'c->txn_size' keys in 'txn', the others in the
 * next calls.  'name' is this NVE's name, NULL to remove every learned
 * row. */
static void
nva_learn(struct nva_client *c, struct ovsdb_idl *nve_idl,
          struct ovsdb_idl_txn *txn, const char *name)
{
    struct shash remotes = SHASH_INITIALIZER(&remotes);
    struct sset *touched = &c->learn_touched;
    const char *key;

    if (c->learn_full) {
        const struct nverec_remote_mapping *rm;
        const struct nverec_remote_nve *remote;

        c->n_full++;
        if (name) {
            const struct nvarec_mapping *row;
            const struct nvarec_nve *nve;

            NVAREC_NVE_FOR_EACH (nve, c->loop.idl) {
                if (strcmp(nve->name, name)
                    && !shash_find(&c->nves, nve->name)) {
                    nva_nve_refreshed(c, nve->name);
                }
            }
            struct simap peers = SIMAP_INITIALIZER(&peers);
            NVAREC_MAPPING_FOR_EACH (row, c->loop.idl) {
                if (strcmp(row->nve, name)) {
                    simap_increase(&peers, row->nve, 1);
                }
            }
            simap_swap(&peers, &c->peers);
            simap_destroy(&peers);
            c->cond_dirty = true;

            NVAREC_MAPPING_FOR_EACH (row, c->loop.idl) {
                char *row_key = nva_row_key(row);
                if (row_key) {
                    sset_add_and_free(&c->learn_dirty, row_key);
                }
            }
        }
        NVEREC_REMOTE_MAPPING_FOR_EACH (rm, nve_idl) {
            if (smap_is_learned(&rm->external_ids)) {
                char *rm_key = mapping_key(rm->vn->vnid, rm->mac);
                if (rm_key) {
                    sset_add_and_free(&c->learn_dirty, rm_key);
                } else {
                    nverec_remote_mapping_delete(rm);
                }
            }
        }
        NVEREC_REMOTE_NVE_FOR_EACH (remote, nve_idl) {
            if (smap_is_learned(&remote->external_ids)) {
                sset_add(touched, remote->name);
            }
        }
        sset_clear(&c->learned);
        sset_clear(&c->standby_keys);
        c->learn_full = false;
    }

    struct sset batch = SSET_INITIALIZER(&batch);
    nva_take_batch(&c->learn_dirty, c->txn_size, &batch);
    SSET_FOR_EACH (key, &batch) {
        nva_learn_key(c, txn, name, key, &remotes, touched);
    }
    sset_destroy(&batch);
    if (!sset_is_empty(&c->learn_dirty)) {
        /* A remote is forgotten only once every key is learned: one that
         * a key of a later batch uses keeps its tunnel port. */
        shash_destroy(&remotes);
        return;
    }

    /* The learned remotes that lost their last mapping go, if nothing
     * else refers to them: at once if they are dead (or nothing is learned
     * any more), else after options:nva_forget_delay, so that a VM that
     * comes back finds its tunnel port in place (creating one stalls the
     * userspace datapath). */
    SSET_FOR_EACH (key, touched) {
        const struct nverec_remote_nve *r = remote_find(c, key);
        if (!r || !smap_is_learned(&r->external_ids)) {
            continue;
        }
        if (nva_remote_is_used(c, r)) {
            free(shash_find_and_delete(&c->unused, r->name));
        } else if (!name || !c->forget_delay
                   || !nva_nve_is_alive(c, r->name)) {
            VLOG_INFO("forgetting NVE %s", r->name);
            free(shash_find_and_delete(&c->unused, r->name));
            nverec_remote_nve_delete(r);
        } else if (!shash_find(&c->unused, r->name)) {
            long long int deadline = time_msec() + c->forget_delay;
            VLOG_DBG("NVE %s has no mapping left: forgetting it in %lld ms",
                     r->name, c->forget_delay);
            shash_add(&c->unused, r->name,
                      xmemdup(&deadline, sizeof deadline));
        }
    }
    sset_clear(touched);
    shash_destroy(&remotes);
}

/* Forgets the learned remote NVEs whose delay ran out with still no
 * mapping. */
static void
nva_forget_unused(struct nva_client *c)
{
    long long int now = time_msec();
    struct shash_node *node;

    SHASH_FOR_EACH_SAFE (node, &c->unused) {
        const long long int *deadline = node->data;
        const struct nverec_remote_nve *r = remote_find(c, node->name);

        if (!r || !smap_is_learned(&r->external_ids)
            || nva_remote_is_used(c, r)) {
            free(node->data);
            shash_delete(&c->unused, node);
        } else if (now >= *deadline) {
            VLOG_INFO("forgetting NVE %s", r->name);
            nverec_remote_nve_delete(r);
            free(node->data);
            shash_delete(&c->unused, node);
        }
    }
}

void
nva_client_run(struct nva_client *c, struct ovsdb_idl *nve_idl,
               const struct vsi_table *vsis,
               const struct nverec_nve_global *cfg)
{
    c->vsis = vsis;
    c->can_learn = c->can_publish = c->standalone = false;
    /* What is published, and the claims compared with the NVA's, are the
     * VSI table's: not before it is loaded (after the NVE database is
     * read, through a connection of its own: vsi-db.h). */
    if (!ovsdb_idl_has_ever_connected(nve_idl) || !vsi_table_is_ready(vsis)) {
        return;
    }

    c->txn_size = (cfg
                   ? nve_options_get_int(&cfg->options, "NVE_Global",
                                         "nva_transaction_size",
                                         NVA_DEFAULT_TRANSACTION_SIZE,
                                         0, INT32_MAX)
                   : NVA_DEFAULT_TRANSACTION_SIZE);

    const char *remote = cfg ? smap_get(&cfg->options, "nva_remote") : NULL;
    if (!remote || !remote[0]) {
        /* Standalone: nothing learned stays, and no model of the local
         * VSIs is kept (an NVE without an NVA would pay for it with every
         * change and every restart): connecting reads it again from the
         * VSI table before anything is published ('publish_full'). */
        if (c->remote) {
            /* What was learned goes: every learned row is swept. */
            c->learn_full = true;
        }
        nva_client_disconnect(c);
        local_vsis_clear(c);
        sset_clear(&c->publish_dirty);
        c->standalone = true;
        return;
    }

    if (strstr(remote, "ssl:") && !stream_ssl_is_configured()) {
        static struct vlog_rate_limit ssl_rl = VLOG_RATE_LIMIT_INIT(1, 5);
        VLOG_INFO_RL(&ssl_rl, "NVA at %s: waiting for SSL to be configured",
                     remote);
        return;
    }
    nva_client_connect(c, remote);

    struct ovsdb_idl *idl = c->loop.idl;
    struct ovsdb_idl_txn *nva_txn = ovsdb_idl_loop_run(&c->loop);
    /* Connected, and with the NVA's rows: after a restart, until its first
     * reply, the replica is empty, and everything learned would seem
     * withdrawn, everything published missing. */
    bool connected = (ovsdb_idl_is_connected(idl)
                      && ovsdb_idl_has_ever_connected(idl));
    long long int alive_interval = nve_options_get_int(
        &cfg->options, "NVE_Global", "nva_alive_interval",
        NVA_DEFAULT_ALIVE_INTERVAL, 1000, 86400000);
    c->dead_interval = nve_options_get_int(
        &cfg->options, "NVE_Global", "nva_dead_interval",
        NVA_DEFAULT_DEAD_INTERVALS * alive_interval, 1000, 86400000);
    c->forget_delay = nve_options_get_int(
        &cfg->options, "NVE_Global", "nva_forget_delay",
        NVA_DEFAULT_FORGET_DELAY, 0, 86400000);
    int dad_moves = nve_options_get_int(
        &cfg->options, "NVE_Global", "nva_dad_moves",
        NVA_DEFAULT_DAD_MOVES, 0, NVA_MAX_DAD_MOVES);
    long long int dad_window = nve_options_get_int(
        &cfg->options, "NVE_Global", "nva_dad_window",
        NVA_DEFAULT_DAD_WINDOW, 1000, 86400000);
    if (dad_moves != c->dad_moves || dad_window != c->dad_window) {
        c->dad_moves = dad_moves;
        c->dad_window = dad_window;
        c->next_dad_gc = 0;
        shash_clear_free_data(&c->mobility);
    }
    if (connected && !c->was_connected) {
        /* A reconnection: alive_at now, the conditions set again, and
         * everything compared again. */
        c->cond_dirty = true;
        c->last_alive = LLONG_MIN / 2;
        c->publish_full = c->learn_full = true;
        nva_nves_refresh_all(c);
    }
    c->was_connected = connected;
    if (!c->name || strcmp(c->name, cfg->name)) {
        free(c->name);
        c->name = xstrdup(cfg->name);
        c->publish_full = c->learn_full = true;
        c->cond_dirty = true;
    }
    nva_track_nva(c, cfg->name);

    if (!cfg->name[0]) {
        c->can_publish = false;
        VLOG_WARN_RL(&rl, "NVE_Global has no name: nothing published to "
                     "the NVA");
        return;
    }
    nva_client_update_condition(c, nve_idl, cfg->name);

    c->next_alive = c->last_alive + alive_interval;
    if (!connected || ovsdb_idl_get_condition_seqno(idl) != c->cond_seqno) {
        /* Headless, or not yet what the condition asks for: what was
         * learned stays. */
        c->can_publish = false;
        return;
    }
    nva_nves_check(c);
    nva_dad_gc(c);

    /* Without an underlay address there is nothing to publish; without a
     * transaction (one is being committed), the changes wait for the next
     * run. */
    c->can_publish = false;
    if (cfg->underlay_ip && nva_txn) {
        if (c->publish_full || !sset_is_empty(&c->publish_dirty)
            || !sset_is_empty(&c->moved_keys)
            || time_msec() >= c->next_alive) {
            ovsdb_idl_txn_add_comment(nva_txn, "nve-controller: %s",
                                      cfg->name);
        }
        if (c->publish_full) {
            c->n_full++;
        }
        nva_publish_nve(c, nva_txn, cfg);
        nva_publish_mappings(c, nva_txn, cfg->name);
        nva_publish_duplicates(c, nva_txn, cfg->name);
        c->can_publish = true;
    }
    c->can_learn = true;
}

void
nva_client_learn(struct nva_client *c, struct ovsdb_idl *nve_idl,
                 struct ovsdb_idl_txn *nve_txn,
                 const struct nverec_nve_global *cfg)
{
    c->learn_more = false;
    if (!ovsdb_idl_has_ever_connected(nve_idl)) {
        return;
    }
    nva_track_remotes(c, nve_idl);
    if (!nve_txn) {
        /* The keys stay marked for the round after the commit. */
    } else if (c->standalone) {
        if (!c->swept) {
            /* In batches, as learning: the first marks every learned row
             * ('learn_full'). */
            nva_learn(c, nve_idl, nve_txn, NULL);
            c->swept = sset_is_empty(&c->learn_dirty);
            c->learn_more = !c->swept;
        }
        if (c->swept) {
            sset_clear(&c->learn_dirty);
            c->learn_full = true;
        }
    } else if (c->can_learn) {
        if (c->learn_full || !sset_is_empty(&c->learn_dirty)) {
            nva_learn(c, nve_idl, nve_txn, cfg->name);
            c->learn_more = !sset_is_empty(&c->learn_dirty);
        }
        nva_forget_unused(c);
    }
}

void
nva_client_pop_moved(struct nva_client *c, struct sset *moved)
{
    sset_swap(&c->moved, moved);
    sset_clear(&c->moved);
}

void
nva_client_wait(struct nva_client *c)
{
    /* Keys left after a batch: a batch that changed nothing has no reply
     * to wake us up, so the next one goes in the next round.  While a
     * batch's transaction is committing, the run takes no batch (no
     * transaction: 'can_publish' and 'learn_more' false) and the reply
     * wakes us. */
    if ((c->can_publish && !sset_is_empty(&c->publish_dirty))
        || c->learn_more) {
        poll_immediate_wake();
    }
    if (c->remote) {
        if (c->can_publish) {
            poll_timer_wait_until(c->next_alive);
        }
        if (c->can_learn) {
            poll_timer_wait_until(c->next_dead_check);
            struct shash_node *node;
            SHASH_FOR_EACH (node, &c->unused) {
                poll_timer_wait_until(*(const long long int *) node->data);
            }
        }
        ovsdb_idl_loop_commit_and_wait(&c->loop);
    }
}

size_t
nva_client_unfreeze(struct nva_client *c, int64_t vnid, const char *mac)
{
    size_t n = 0;
    struct shash_node *node;

    SHASH_FOR_EACH_SAFE (node, &c->frozen) {
        const char *key_mac;
        int64_t key_vnid = mapping_key_parse(node->name, &key_mac);
        if (!mac || (key_vnid == vnid && !strcmp(key_mac, mac))) {
            struct frozen_mac *f = node->data;
            VLOG_INFO("duplicate MAC %s in VNID %"PRId64": unfrozen",
                      key_mac, key_vnid);
            sset_add(&c->learn_dirty, node->name);
            free(f->location);
            free(f);
            shash_delete(&c->frozen, node);
            n++;
        }
    }
    if (n) {
        c->dup_dirty = true;
        poll_immediate_wake();
    }
    return n;
}

void
nva_client_format(const struct nva_client *c, struct ds *ds)
{
    if (!c->remote) {
        ds_put_cstr(ds, "nva: standalone\n");
        return;
    }
    struct ovsdb_idl *idl = c->loop.idl;
    ds_put_format(ds, "nva: %s %s\n", c->remote,
                  (ovsdb_idl_is_connected(idl) ? "connected"
                   : ovsdb_idl_has_ever_connected(idl) ? "reconnecting"
                   : "connecting"));
    size_t n_monitored = 0;
    const struct nvarec_mapping *row;
    NVAREC_MAPPING_FOR_EACH (row, idl) {
        n_monitored++;
    }
    ds_put_format(ds, "monitored mappings: %"PRIuSIZE"\n", n_monitored);
    ds_put_format(ds, "published mappings: %"PRIuSIZE"\n",
                  hmap_count(&c->local_keys));
    ds_put_format(ds, "learned mappings: %"PRIuSIZE"\n",
                  sset_count(&c->learned));
    size_t n_nves = 0;
    const struct nvarec_nve *nve;
    NVAREC_NVE_FOR_EACH (nve, idl) {
        n_nves++;
    }
    ds_put_format(ds, "monitored NVEs: %"PRIuSIZE"\n", n_nves);
    ds_put_format(ds, "full comparisons: %llu\n", c->n_full);
    ds_put_format(ds, "keys compared: %llu published, %llu learned\n",
                  c->n_publish_compared, c->n_learn_compared);
    ds_put_format(ds, "keys deferred: %llu\n", c->n_publish_deferred);
    ds_put_format(ds, "keys waiting: %"PRIuSIZE" to publish, %"PRIuSIZE
                  " to learn\n", sset_count(&c->publish_dirty),
                  sset_count(&c->learn_dirty));
    ds_put_format(ds, "condition updates: %llu\n", c->n_cond_updates);

    const struct shash_node **nodes = shash_sort(&c->nves);
    ds_put_cstr(ds, "not refreshed NVEs:");
    for (size_t i = 0; i < shash_count(&c->nves); i++) {
        const struct nve_liveness *l = nodes[i]->data;
        if (!l->alive) {
            ds_put_format(ds, " %s", nodes[i]->name);
        }
    }
    ds_put_char(ds, '\n');
    free(nodes);

    ds_put_format(ds, "frozen MACs: %"PRIuSIZE"\n", shash_count(&c->frozen));
    nodes = shash_sort(&c->frozen);
    for (size_t i = 0; i < shash_count(&c->frozen); i++) {
        const struct frozen_mac *f = nodes[i]->data;
        const char *mac;
        int64_t vnid = mapping_key_parse(nodes[i]->name, &mac);
        ds_put_format(ds, "  vnid %"PRId64" %s at %s, %lld moves\n",
                      vnid, mac, f->location, f->moves);
    }
    free(nodes);
}
