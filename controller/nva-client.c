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

/* Publishing to and learning from the NVA (nva-client.h).  nva_client_run()
 * compares, as mark and sweep, what the NVE database says with what the
 * NVA holds, in both directions: this NVE's VSIs against its own NVA rows,
 * the other NVEs' active mappings against the learned rows of the NVE
 * database. */

#include <config.h>
#include "nva-client.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "lib/nva-idl.h"
#include "lib/nve-idl.h"
#include "lib/nve-options.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "smap.h"
#include "sset.h"
#include "stream-ssl.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(nva_client);

#define NVA_DEFAULT_ALIVE_INTERVAL 60000

struct nva_client {
    char *remote;               /* options:nva_remote, NULL if standalone. */
    struct ovsdb_idl_loop loop; /* Valid if 'remote'. */
    unsigned int cond_seqno;    /* Expected condition sequence number. */
    bool was_connected;

    /* What the last run saw, to run again only when something changed. */
    unsigned int nve_seqno;
    unsigned int nva_seqno;
    bool dirty;                 /* Last run wrote something, or could not
                                 * write: run again. */
    long long int last_alive;   /* When alive_at was last written. */
    long long int next_alive;   /* When to refresh it... */
    bool can_publish;           /* ...if the last run could publish. */
    bool swept;                 /* Standalone: learned rows removed. */
    bool learn;                 /* nva_client_learn() has work. */
    struct sset moved;          /* VSIs associated here that another NVE
                                 * has active with a winning mapping. */

    /* Statistics for nva/show. */
    size_t n_published;
    size_t n_learned;
};

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

void
nva_client_register_nve_idl(struct ovsdb_idl *idl)
{
    static const struct ovsdb_idl_table_class *tables[] = {
        &nverec_table_remote_nve, &nverec_table_remote_mapping,
        &nverec_table_virtual_network, &nverec_table_vsi,
        &nverec_table_vsi_binding,
    };
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
        const struct ovsdb_idl_table_class *tc = tables[i];
        for (size_t k = 0; k < tc->n_columns; k++) {
            ovsdb_idl_add_column(idl, &tc->columns[k]);
        }
    }
}

struct nva_client *
nva_client_create(void)
{
    struct nva_client *c = xzalloc(sizeof *c);

    c->dirty = true;
    sset_init(&c->moved);
    return c;
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
        c->n_published = c->n_learned = 0;
    }
}

void
nva_client_destroy(struct nva_client *c)
{
    if (c) {
        nva_client_disconnect(c);
        sset_destroy(&c->moved);
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
    /* Nothing until the first condition says what. */
    struct ovsdb_idl_condition cond = OVSDB_IDL_CONDITION_INIT(&cond);
    c->cond_seqno = nvarec_mapping_set_condition(idl, &cond);
    ovsdb_idl_condition_destroy(&cond);
    c->dirty = true;
    c->swept = false;
}

/* Monitors this NVE's own mappings and those of the VNs of the NVE
 * database.  Setting the same condition again changes nothing, and returns
 * the condition sequence number at which the IDL's contents match it: so
 * it is set every run, and after a reconnection too the answer is right. */
static void
nva_client_update_condition(struct nva_client *c, struct ovsdb_idl *nve_idl,
                            const char *name)
{
    struct ovsdb_idl_condition cond = OVSDB_IDL_CONDITION_INIT(&cond);
    const struct nverec_virtual_network *vn;

    nvarec_mapping_add_clause_nve(&cond, OVSDB_F_EQ, name);
    NVEREC_VIRTUAL_NETWORK_FOR_EACH (vn, nve_idl) {
        nvarec_mapping_add_clause_vnid(&cond, OVSDB_F_EQ, vn->vnid);
    }
    c->cond_seqno = nvarec_mapping_set_condition(c->loop.idl, &cond);
    ovsdb_idl_condition_destroy(&cond);
}

/* Keys: "VNID/MAC", the MAC in canonical form; NULL if 'mac' is not one. */
static char *
mapping_key(int64_t vnid, const char *mac)
{
    struct eth_addr ea;

    if (!eth_addr_from_string(mac, &ea)) {
        return NULL;
    }
    return xasprintf("%"PRId64"/"ETH_ADDR_FMT, vnid, ETH_ADDR_ARGS(ea));
}

/* Publishing. */

/* One mapping that this NVE should have in the NVA. */
struct own_mapping {
    int64_t vnid;
    char *mac;
    const char *vsi_id;
    const char *state;          /* "active" or "standby". */
    const struct nverec_vsi_binding *binding;
};

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

/* Writes this NVE's own NVE row.  Returns true if it wrote anything. */
static bool
nva_publish_nve(struct nva_client *c, struct ovsdb_idl_txn *txn,
                const struct nverec_nve_global *cfg)
{
    const char *encap = cfg->encap ? cfg->encap : "vxlan";
    long long int now = time_wall_msec();
    bool alive = time_msec() >= c->next_alive;
    const struct nvarec_nve *row = NULL, *r;

    NVAREC_NVE_FOR_EACH (r, c->loop.idl) {
        if (!strcmp(r->name, cfg->name)) {
            row = r;
            break;
        }
    }

    if (!row) {
        row = nvarec_nve_insert(txn);
        nvarec_nve_set_name(row, cfg->name);
        alive = true;
    } else if (!alive && !strcmp(row->ip, cfg->underlay_ip)
               && row->n_encaps == 1 && !strcmp(row->encaps[0], encap)) {
        return false;
    }
    nvarec_nve_set_ip(row, cfg->underlay_ip);
    nvarec_nve_set_encaps(row, &encap, 1);
    if (alive) {
        nvarec_nve_set_alive_at(row, now);
        c->last_alive = time_msec();
    }
    return true;
}

static bool mapping_wins(const struct nvarec_mapping *,
                         const struct nvarec_mapping *);

/* Makes this NVE's Mapping rows those of its VSIs.  Returns true if it
 * wrote anything.  A VSI whose mapping is active here and in the NVA, but
 * that another NVE's active mapping beats (the VM moved there), goes into
 * 'c->moved' instead: it is for the VSI table to deactivate it. */
static bool
nva_publish_mappings(struct nva_client *c, struct ovsdb_idl *nve_idl,
                     struct ovsdb_idl_txn *txn, const char *name)
{
    struct shash want = SHASH_INITIALIZER(&want);
    const struct nverec_vsi *vsi;
    bool wrote = false;

    NVEREC_VSI_FOR_EACH (vsi, nve_idl) {
        const char *state = (!strcmp(vsi->state, "associated")
                             ? "active" : "standby");
        for (size_t i = 0; i < vsi->n_bindings; i++) {
            const struct nverec_vsi_binding *b = vsi->bindings[i];
            for (size_t k = 0; k < b->n_macs; k++) {
                char *key = mapping_key(b->vnid, b->macs[k]);
                if (!key) {
                    continue;
                }
                struct own_mapping *om = shash_find_data(&want, key);
                if (om && !strcmp(om->state, "active")) {
                    /* Two VSIs with one MAC in one VN: the active one. */
                    free(key);
                    continue;
                }
                if (!om) {
                    om = xzalloc(sizeof *om);
                    om->mac = xstrdup(strchr(key, '/') + 1);
                    shash_add_nocopy(&want, key, om);
                } else {
                    free(key);
                }
                om->vnid = b->vnid;
                om->vsi_id = vsi->vsi_id;
                om->state = state;
                om->binding = b;
            }
        }
    }

    /* The highest sequence number of the other NVEs' rows, per key, for
     * the mappings that become active here. */
    struct shash others = SHASH_INITIALIZER(&others);
    struct shash active_others = SHASH_INITIALIZER(&active_others);
    const struct nvarec_mapping *row;
    NVAREC_MAPPING_FOR_EACH (row, c->loop.idl) {
        if (!strcmp(row->nve, name)) {
            continue;
        }
        char *key = mapping_key(row->vnid, row->mac);
        if (key) {
            const struct nvarec_mapping *max = shash_find_data(&others, key);
            if (!max || row->seq > max->seq) {
                shash_replace(&others, key, row);
            }
            if (!strcmp(row->state, "active")) {
                const struct nvarec_mapping *best
                    = shash_find_data(&active_others, key);
                if (!best || mapping_wins(row, best)) {
                    shash_replace(&active_others, key, row);
                }
            }
            free(key);
        }
    }

    size_t n = 0;
    NVAREC_MAPPING_FOR_EACH (row, c->loop.idl) {
        if (strcmp(row->nve, name)) {
            continue;
        }
        char *key = mapping_key(row->vnid, row->mac);
        struct own_mapping *om = key ? shash_find_and_delete(&want, key)
                                     : NULL;
        if (!om) {
            VLOG_DBG("withdrawing mapping %"PRId64" %s", row->vnid,
                     row->mac);
            nvarec_mapping_delete(row);
            wrote = true;
            free(key);
            continue;
        }
        n++;

        const struct nverec_vsi_binding *b = om->binding;
        const struct nvarec_mapping *best = shash_find_data(&active_others,
                                                            key);
        if (best && !strcmp(row->state, "active")
            && !strcmp(om->state, "active") && mapping_wins(best, row)) {
            if (sset_add(&c->moved, om->vsi_id)) {
                VLOG_INFO("vsi %s: mapping %"PRId64" %s is active at %s "
                          "with sequence number %"PRId64" (here %"PRId64")",
                          om->vsi_id, row->vnid, row->mac, best->nve,
                          best->seq, row->seq);
            }
        }
        if (strcmp(row->state, om->state)) {
            if (!strcmp(om->state, "active")) {
                const struct nvarec_mapping *max = shash_find_data(&others,
                                                                   key);
                if (max && max->seq >= row->seq) {
                    nvarec_mapping_set_seq(row, max->seq + 1);
                }
            }
            nvarec_mapping_set_state(row, om->state);
            wrote = true;
        }
        if (strcmp(row->vsi_id, om->vsi_id)) {
            nvarec_mapping_set_vsi_id(row, om->vsi_id);
            wrote = true;
        }
        if (!strings_equal(row->ips, row->n_ips, b->ips, b->n_ips)) {
            nvarec_mapping_set_ips(row, (const char **) b->ips, b->n_ips);
            wrote = true;
        }
        free(om->mac);
        free(om);
        free(key);
    }

    struct shash_node *node;
    SHASH_FOR_EACH (node, &want) {
        struct own_mapping *om = node->data;
        const struct nvarec_mapping *max = shash_find_data(&others,
                                                           node->name);
        int64_t seq = (max && !strcmp(om->state, "active")
                       ? max->seq + 1 : 0);

        VLOG_DBG("publishing mapping %"PRId64" %s", om->vnid, om->mac);
        row = nvarec_mapping_insert(txn);
        nvarec_mapping_set_nve(row, name);
        nvarec_mapping_set_vnid(row, om->vnid);
        nvarec_mapping_set_mac(row, om->mac);
        nvarec_mapping_set_ips(row, (const char **) om->binding->ips,
                               om->binding->n_ips);
        nvarec_mapping_set_vsi_id(row, om->vsi_id);
        nvarec_mapping_set_state(row, om->state);
        nvarec_mapping_set_seq(row, seq);
        wrote = true;
        n++;
        free(om->mac);
    }
    shash_destroy_free_data(&want);
    shash_destroy(&others);
    shash_destroy(&active_others);
    c->n_published = n;
    return wrote;
}

/* Learning. */

static bool
smap_is_learned(const struct smap *ids)
{
    const char *mark = smap_get(ids, NVA_LEARNED_KEY);
    return mark && !strcmp(mark, NVA_LEARNED_VALUE);
}

/* Whether mapping 'a' wins over 'b' for the same key. */
static bool
mapping_wins(const struct nvarec_mapping *a, const struct nvarec_mapping *b)
{
    return a->seq != b->seq ? a->seq > b->seq : strcmp(a->nve, b->nve) < 0;
}

/* Returns the first encapsulation of 'nve' (they are sorted). */
static const char *
nve_encap(const struct nvarec_nve *nve)
{
    return nve->n_encaps ? nve->encaps[0] : "vxlan";
}

/* Makes the learned Remote_NVE and Remote_Mapping rows of the NVE database
 * those of the NVA.  'name' is this NVE's name, NULL to remove every
 * learned row.  Returns true if it wrote anything. */
static bool
nva_learn(struct nva_client *c, struct ovsdb_idl *nve_idl,
          struct ovsdb_idl_txn *txn, const char *name)
{
    struct shash winners = SHASH_INITIALIZER(&winners);
    struct shash nves = SHASH_INITIALIZER(&nves);
    struct shash local_vns = SHASH_INITIALIZER(&local_vns);
    bool wrote = false;

    if (name) {
        const struct nverec_virtual_network *vn;
        NVEREC_VIRTUAL_NETWORK_FOR_EACH (vn, nve_idl) {
            shash_add_nocopy(&local_vns, xasprintf("%"PRId64, vn->vnid), vn);
        }

        const struct nvarec_nve *nve;
        NVAREC_NVE_FOR_EACH (nve, c->loop.idl) {
            shash_add_once(&nves, nve->name, nve);
        }

        const struct nvarec_mapping *row;
        NVAREC_MAPPING_FOR_EACH (row, c->loop.idl) {
            if (strcmp(row->state, "active")) {
                continue;
            }
            char *key = mapping_key(row->vnid, row->mac);
            if (!key) {
                continue;
            }
            const struct nvarec_mapping *best = shash_find_data(&winners,
                                                                key);
            if (!best || mapping_wins(row, best)) {
                shash_replace(&winners, key, row);
            }
            free(key);
        }
    }

    /* The NVE database as it is: operator rows and learned rows. */
    struct shash op_remotes = SHASH_INITIALIZER(&op_remotes);
    struct sset op_ips = SSET_INITIALIZER(&op_ips);
    struct sset op_refs = SSET_INITIALIZER(&op_refs);
    struct shash learned_remotes = SHASH_INITIALIZER(&learned_remotes);
    const struct nverec_remote_nve *remote;
    NVEREC_REMOTE_NVE_FOR_EACH (remote, nve_idl) {
        if (smap_is_learned(&remote->external_ids)) {
            shash_add_once(&learned_remotes, remote->name, remote);
        } else {
            shash_add_once(&op_remotes, remote->name, remote);
            sset_add(&op_ips, remote->ip);
        }
    }
    struct sset op_keys = SSET_INITIALIZER(&op_keys);
    struct shash learned_mappings = SHASH_INITIALIZER(&learned_mappings);
    const struct nverec_remote_mapping *rm;
    NVEREC_REMOTE_MAPPING_FOR_EACH (rm, nve_idl) {
        char *key = mapping_key(rm->vn->vnid, rm->mac);
        if (!key) {
            continue;
        }
        if (smap_is_learned(&rm->external_ids)) {
            if (!shash_add_once(&learned_mappings, key, rm)) {
                nverec_remote_mapping_delete(rm);
                wrote = true;
            }
        } else {
            sset_add(&op_keys, key);
            if (smap_is_learned(&rm->remote->external_ids)) {
                sset_add(&op_refs, rm->remote->name);
            }
        }
        free(key);
    }

    /* The remotes that the winners need. */
    const struct smap learned = SMAP_CONST1(&learned, NVA_LEARNED_KEY,
                                            NVA_LEARNED_VALUE);
    struct shash refs = SHASH_INITIALIZER(&refs);   /* Name to row. */
    struct shash_node *node;
    SHASH_FOR_EACH (node, &winners) {
        const struct nvarec_mapping *row = node->data;
        const struct nvarec_nve *nve = shash_find_data(&nves, row->nve);

        if (!strcmp(row->nve, name) || !nve || shash_find(&refs, row->nve)) {
            continue;
        }
        const struct nverec_remote_nve *r = shash_find_data(&op_remotes,
                                                            row->nve);
        if (!r) {
            r = shash_find_and_delete(&learned_remotes, row->nve);
            if (r) {
                if (strcmp(r->ip, nve->ip) || !r->encap
                    || strcmp(r->encap, nve_encap(nve))) {
                    const char *encap = nve_encap(nve);
                    nverec_remote_nve_set_ip(r, nve->ip);
                    nverec_remote_nve_set_encap(r, encap);
                    wrote = true;
                }
            } else if (sset_contains(&op_ips, nve->ip)) {
                VLOG_WARN_RL(&rl, "not learning NVE %s: a remote NVE of the "
                             "NVE database has its address %s", nve->name,
                             nve->ip);
                continue;
            } else {
                const char *encap = nve_encap(nve);
                VLOG_INFO("learned NVE %s at %s", nve->name, nve->ip);
                struct nverec_remote_nve *new = nverec_remote_nve_insert(txn);
                nverec_remote_nve_set_name(new, nve->name);
                nverec_remote_nve_set_ip(new, nve->ip);
                nverec_remote_nve_set_encap(new, encap);
                nverec_remote_nve_set_external_ids(new, &learned);
                r = new;
                wrote = true;
            }
        }
        shash_add(&refs, row->nve, r);
    }

    /* The mappings. */
    size_t n_learned = 0;
    SHASH_FOR_EACH (node, &winners) {
        const struct nvarec_mapping *row = node->data;
        const struct nverec_remote_nve *r = shash_find_data(&refs, row->nve);
        char *vnid = xasprintf("%"PRId64, row->vnid);
        const struct nverec_virtual_network *vn = shash_find_data(&local_vns,
                                                                  vnid);
        free(vnid);
        if (!r || !vn || sset_contains(&op_keys, node->name)) {
            continue;
        }

        const char *mac = strchr(node->name, '/') + 1;
        rm = shash_find_and_delete(&learned_mappings, node->name);
        if (!rm) {
            VLOG_DBG("learned mapping %"PRId64" %s to %s", row->vnid, mac,
                     row->nve);
            struct nverec_remote_mapping *new
                = nverec_remote_mapping_insert(txn);
            nverec_remote_mapping_set_vn(new, vn);
            nverec_remote_mapping_set_mac(new, mac);
            nverec_remote_mapping_set_external_ids(new, &learned);
            rm = new;
            wrote = true;
        }
        if (rm->remote != r) {
            nverec_remote_mapping_set_remote(rm, r);
            wrote = true;
        }
        const char *ip = row->n_ips ? row->ips[0] : NULL;
        if (ip ? !rm->ip || strcmp(rm->ip, ip) : rm->ip != NULL) {
            nverec_remote_mapping_set_ip(rm, ip);
            wrote = true;
        }
        n_learned++;
    }

    /* Sweep. */
    SHASH_FOR_EACH (node, &learned_mappings) {
        nverec_remote_mapping_delete(node->data);
        wrote = true;
    }
    SHASH_FOR_EACH (node, &learned_remotes) {
        remote = node->data;
        if (!sset_contains(&op_refs, remote->name)) {
            VLOG_INFO("forgetting NVE %s", remote->name);
            nverec_remote_nve_delete(remote);
            wrote = true;
        }
    }
    c->n_learned = n_learned;

    shash_destroy(&refs);
    shash_destroy(&learned_mappings);
    sset_destroy(&op_keys);
    shash_destroy(&learned_remotes);
    sset_destroy(&op_refs);
    sset_destroy(&op_ips);
    shash_destroy(&op_remotes);
    shash_destroy(&winners);
    shash_destroy(&nves);
    shash_destroy(&local_vns);
    return wrote;
}

void
nva_client_run(struct nva_client *c, struct ovsdb_idl *nve_idl,
               const struct nverec_nve_global *cfg)
{
    c->learn = false;
    if (!ovsdb_idl_has_ever_connected(nve_idl)) {
        return;
    }

    const char *remote = cfg ? smap_get(&cfg->options, "nva_remote") : NULL;
    if (!remote || !remote[0]) {
        /* Standalone: nothing learned stays. */
        nva_client_disconnect(c);
        c->learn = !c->swept;
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
    bool connected = ovsdb_idl_is_connected(idl);
    if (connected && !c->was_connected) {
        /* A reconnection: alive_at now, and everything compared again. */
        c->last_alive = LLONG_MIN / 2;
        c->dirty = true;
    }
    c->was_connected = connected;

    if (!cfg->name[0]) {
        c->can_publish = false;
        VLOG_WARN_RL(&rl, "NVE_Global has no name: nothing published to "
                     "the NVA");
        return;
    }
    nva_client_update_condition(c, nve_idl, cfg->name);

    unsigned int nve_seqno = ovsdb_idl_get_seqno(nve_idl);
    unsigned int nva_seqno = ovsdb_idl_get_seqno(idl);
    c->next_alive = c->last_alive + nve_options_get_int(
        &cfg->options, "NVE_Global", "nva_alive_interval",
        NVA_DEFAULT_ALIVE_INTERVAL, 1000, 86400000);
    bool alive_due = time_msec() >= c->next_alive;
    if (!connected || ovsdb_idl_get_condition_seqno(idl) != c->cond_seqno) {
        /* Headless, or not yet what the condition asks for: what was
         * learned stays. */
        c->can_publish = false;
        return;
    }
    if (!c->dirty && !alive_due && nve_seqno == c->nve_seqno
        && nva_seqno == c->nva_seqno) {
        /* Nothing new. */
        return;
    }

    /* Without an underlay address there is nothing to publish; without a
     * transaction (one is being committed), it waits for the next run. */
    bool dirty = false;
    c->can_publish = false;
    if (cfg->underlay_ip) {
        if (nva_txn) {
            ovsdb_idl_txn_add_comment(nva_txn, "nve-controller: %s",
                                      cfg->name);
            dirty |= nva_publish_nve(c, nva_txn, cfg);
            dirty |= nva_publish_mappings(c, nve_idl, nva_txn, cfg->name);
            c->can_publish = true;
        } else {
            dirty = true;
        }
    }
    c->learn = true;
    c->dirty = dirty;
    c->nve_seqno = nve_seqno;
    c->nva_seqno = nva_seqno;
}

void
nva_client_learn(struct nva_client *c, struct ovsdb_idl *nve_idl,
                 struct ovsdb_idl_txn *nve_txn,
                 const struct nverec_nve_global *cfg)
{
    if (!c->learn) {
        return;
    }
    c->learn = false;
    if (!nve_txn) {
        c->dirty = true;
    } else if (!c->remote) {
        nva_learn(c, nve_idl, nve_txn, NULL);
        c->swept = true;
    } else {
        c->dirty |= nva_learn(c, nve_idl, nve_txn, cfg->name);
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
    if (c->remote) {
        if (c->can_publish) {
            poll_timer_wait_until(c->next_alive);
        }
        ovsdb_idl_loop_commit_and_wait(&c->loop);
    }
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
    ds_put_format(ds, "published mappings: %"PRIuSIZE"\n", c->n_published);
    ds_put_format(ds, "learned mappings: %"PRIuSIZE"\n", c->n_learned);
}
