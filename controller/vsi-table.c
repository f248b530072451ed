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

#include <config.h>
#include "vsi-table.h"

#include <limits.h>
#include <string.h>
#include "bitmap.h"
#include "flow-table.h"
#include "hash.h"
#include "lib/nve-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "openvswitch/poll-loop.h"
#include "timeval.h"
#include "tns.h"
#include "util.h"
#include "vsi-flows.h"

VLOG_DEFINE_THIS_MODULE(vsi_table);

/* Defaults of NVE_Global columns, as documented in nve(5). */
#define DEFAULT_KEEPALIVE_TIMEOUT 180000
#define DEFAULT_VID_MIN 2
#define DEFAULT_VID_MAX 4094

/* Who owns a MAC address in a VN. */
struct mac_owner {
    struct hmap_node node;      /* In vsi_table 'macs'. */
    uint32_t vnid;
    struct eth_addr mac;
    struct vsi *vsi;
};

/* A generation's flows, sent as 'seqno', not yet confirmed installed. */
struct gen_flows {
    uint64_t gen;
    uint64_t seqno;
};

struct vsi_table {
    struct hmap vsis;           /* Contains "struct vsi"s, by id. */
    size_t n_held;              /* VSIs not in VSI_ABSENT. */
    struct hmap ports;          /* Contains "struct vsi_port"s, by name. */
    struct hmap macs;           /* Contains "struct mac_owner"s. */
    struct heap ageing;         /* Held VSIs, oldest keep-alive first. */
    bool loaded;                /* VSIs read from the database? */
    long long int timeout;      /* Keep-alive timeout in force, in ms. */

    /* Database synchronization: VSIs whose rows must be written ('dirty'),
     * and those written in the transaction being committed ('staged',
     * generation 'staged_gen').  A VSI in VSI_ABSENT whose row is deleted
     * ("zombie") is freed once that commits. */
    struct ovs_list dirty;
    struct ovs_list staged;
    uint64_t staged_gen;

    /* Generations.  Changes of generation 'gen' are being collected now;
     * 'db_done' and 'flows_done' are the newest generations committed and
     * installed. */
    uint64_t gen;
    bool gen_used;
    uint64_t db_done;
    uint64_t flows_done;
    struct gen_flows *pending;  /* FIFO of generations awaiting install. */
    size_t n_pending, allocated_pending;

    struct ovs_list notifications;

    /* Indexes on the NVE database. */
    struct ovsdb_idl_index *vsi_by_id;
    struct ovsdb_idl_index *vn_by_name;
    struct ovsdb_idl_index *vn_by_vnid;
    struct ovsdb_idl_index *tes_by_name;
    struct ovsdb_idl_index *port_by_name;
    struct ovsdb_idl_index *profile_by_name;

    /* Statistics. */
    uint64_t n_requests;
    uint64_t n_failed;
    uint64_t n_aged;
    uint64_t n_removed;
};

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

static void vsi_release(struct vsi_table *, const struct vsi_ctx *,
                        struct vsi *);
static void vsi_mark_dirty(struct vsi_table *, struct vsi *);
static void vsi_notify(struct vsi_table *, const struct vsi *,
                       const char *method, const char *reason);

/* Configuration lookups. */

static const struct nverec_tes *
find_tes(const struct vsi_table *t, const char *name)
{
    struct nverec_tes *key = nverec_tes_index_init_row(t->tes_by_name);
    nverec_tes_index_set_name(key, name);
    const struct nverec_tes *row = nverec_tes_index_find(t->tes_by_name,
                                                         key);
    nverec_tes_index_destroy_row(key);
    return row;
}

static const struct nverec_tes_port *
find_port_row(const struct vsi_table *t, const char *name)
{
    struct nverec_tes_port *key
        = nverec_tes_port_index_init_row(t->port_by_name);
    nverec_tes_port_index_set_name(key, name);
    const struct nverec_tes_port *row
        = nverec_tes_port_index_find(t->port_by_name, key);
    nverec_tes_port_index_destroy_row(key);
    return row;
}

static const struct nverec_virtual_network *
find_vn(const struct vsi_table *t, const char *name, uint32_t vnid)
{
    struct ovsdb_idl_index *index = name ? t->vn_by_name : t->vn_by_vnid;
    struct nverec_virtual_network *key
        = nverec_virtual_network_index_init_row(index);
    if (name) {
        nverec_virtual_network_index_set_name(key, name);
    } else {
        nverec_virtual_network_index_set_vnid(key, vnid);
    }
    const struct nverec_virtual_network *row
        = nverec_virtual_network_index_find(index, key);
    nverec_virtual_network_index_destroy_row(key);
    return row;
}

static const struct nverec_policy_profile *
find_profile(const struct vsi_table *t, const char *name)
{
    struct nverec_policy_profile *key
        = nverec_policy_profile_index_init_row(t->profile_by_name);
    nverec_policy_profile_index_set_name(key, name);
    const struct nverec_policy_profile *row
        = nverec_policy_profile_index_find(t->profile_by_name, key);
    nverec_policy_profile_index_destroy_row(key);
    return row;
}

static const struct nverec_vsi *
find_vsi_row(const struct vsi_table *t, const char *id)
{
    struct nverec_vsi *key = nverec_vsi_index_init_row(t->vsi_by_id);
    nverec_vsi_index_set_vsi_id(key, id);
    const struct nverec_vsi *row = nverec_vsi_index_find(t->vsi_by_id, key);
    nverec_vsi_index_destroy_row(key);
    return row;
}

static long long int
keepalive_timeout(const struct vsi_ctx *ctx)
{
    return (ctx->global && ctx->global->n_keepalive_timeout
            ? *ctx->global->keepalive_timeout
            : DEFAULT_KEEPALIVE_TIMEOUT);
}

/* The PCP of VN row 'vn' with profile 'profile' (may be NULL), or -1. */
static int
vn_pcp(const struct nverec_virtual_network *vn,
       const struct nverec_policy_profile *profile)
{
    if (profile && profile->n_pcp) {
        return *profile->pcp;
    }
    return vn && vn->n_pcp ? *vn->pcp : -1;
}

/* Ports and VIDs. */

static struct vsi_port *
port_find(const struct vsi_table *t, const char *name)
{
    struct vsi_port *port;

    HMAP_FOR_EACH_WITH_HASH (port, node, hash_string(name, 0), &t->ports) {
        if (!strcmp(port->name, name)) {
            return port;
        }
    }
    return NULL;
}

static struct vsi_port *
port_get(struct vsi_table *t, const char *name)
{
    struct vsi_port *port = port_find(t, name);

    if (!port) {
        port = xzalloc(sizeof *port);
        port->name = xstrdup(name);
        port->ofport = OFPP_NONE;
        port->used_vids = bitmap_allocate(4096);
        hmap_init(&port->vns);
        hmap_insert(&t->ports, &port->node, hash_string(name, 0));
    }
    return port;
}

static struct vsi_port_vn *
port_vn_find(const struct vsi_port *port, uint32_t vnid)
{
    struct vsi_port_vn *pv;

    HMAP_FOR_EACH_WITH_HASH (pv, node, hash_int(vnid, 0), &port->vns) {
        if (pv->vnid == vnid) {
            return pv;
        }
    }
    return NULL;
}

static struct vsi_port_vn *
port_vn_create(struct vsi_port *port, uint32_t vnid, const char *vn,
               uint16_t vid, int pcp)
{
    struct vsi_port_vn *pv = xzalloc(sizeof *pv);

    pv->port = port;
    pv->vnid = vnid;
    pv->vn = xstrdup(vn);
    pv->vid = vid;
    pv->pcp = pcp;
    ovs_list_init(&pv->bindings);
    hmap_insert(&port->vns, &pv->node, hash_int(vnid, 0));
    bitmap_set1(port->used_vids, vid);
    return pv;
}

static void
port_vn_destroy(struct vsi_ctx const *ctx, struct vsi_port_vn *pv)
{
    vsi_flows_remove_port_vn(ctx->flows, pv);
    bitmap_set0(pv->port->used_vids, pv->vid);
    hmap_remove(&pv->port->vns, &pv->node);
    free(pv->vn);
    free(pv);
}

/* Returns the VN that the operator pinned to 'vid' on port row 'prow', or
 * NULL. */
static const struct nverec_virtual_network *
pinned_vn(const struct nverec_tes_port *prow, uint16_t vid)
{
    for (size_t i = 0; prow && i < prow->n_vid_bindings; i++) {
        if (prow->key_vid_bindings[i] == vid) {
            return prow->value_vid_bindings[i];
        }
    }
    return NULL;
}

/* Returns the VID that the operator pinned to 'vn' on port row 'prow', or
 * 0. */
static uint16_t
pinned_vid(const struct nverec_tes_port *prow,
           const struct nverec_virtual_network *vn)
{
    for (size_t i = 0; prow && i < prow->n_vid_bindings; i++) {
        if (prow->value_vid_bindings[i] == vn) {
            return prow->key_vid_bindings[i];
        }
    }
    return 0;
}

/* Requests. */

/* One network of a request, resolved and checked. */
struct planned_network {
    const struct tns_network *req;
    const struct nverec_virtual_network *vn;
    const struct nverec_policy_profile *profile;
    struct vsi_port_vn *pv;     /* Existing (port, VN), or NULL. */
    uint16_t vid;               /* The VID it will have. */
    int pcp;
};

static void OVS_PRINTF_FORMAT(4, 5)
outcome_fail(struct vsi_outcome *o, enum vsi_status status, int code,
             const char *format, ...)
{
    va_list args;

    o->status = status;
    o->code = code ? code : tns_status_code(status);
    va_start(args, format);
    o->message = xvasprintf(format, args);
    va_end(args);
}

void
vsi_outcome_destroy(struct vsi_outcome *o)
{
    if (o) {
        free(o->message);
        free(o->tes);
    }
}

/* Resolves the TES of request 'rq' and checks that it may speak. */
static const struct nverec_tes *
authorize_tes(const struct vsi_table *t, const struct tns_request *rq,
              const char *peer_cn, struct vsi_outcome *o)
{
    const char *tes = rq->tes ? rq->tes : peer_cn;

    if (!tes) {
        outcome_fail(o, VSI_ST_INVALID_REQUEST, TNS_INVALID_PARAMS,
                     "params.tes: required field missing");
        return NULL;
    }
    if (peer_cn && !*peer_cn) {
        outcome_fail(o, VSI_ST_FAILED_AUTHORIZATION, 0,
                     "the TLS certificate has no common name");
        return NULL;
    }
    if (peer_cn && strcmp(tes, peer_cn)) {
        outcome_fail(o, VSI_ST_FAILED_AUTHORIZATION, 0,
                     "tes %s does not match the TLS certificate (CN %s)",
                     tes, peer_cn);
        return NULL;
    }
    const struct nverec_tes *row = find_tes(t, tes);
    if (!row) {
        outcome_fail(o, VSI_ST_FAILED_AUTHORIZATION, 0, "unknown tes %s",
                     tes);
    }
    return row;
}

static const struct nverec_tes_port *
authorize_port(const struct nverec_tes *tes, const char *port,
               struct vsi_outcome *o)
{
    if (port) {
        for (size_t i = 0; i < tes->n_ports; i++) {
            if (!strcmp(tes->ports[i]->name, port)) {
                return tes->ports[i];
            }
        }
        outcome_fail(o, VSI_ST_FAILED_AUTHORIZATION, 0,
                     "tes %s may not use port %s", tes->name, port);
    } else if (tes->n_ports == 1) {
        return tes->ports[0];
    } else if (!tes->n_ports) {
        outcome_fail(o, VSI_ST_FAILED_AUTHORIZATION, 0,
                     "tes %s may not use any port", tes->name);
    } else {
        outcome_fail(o, VSI_ST_INVALID_REQUEST, TNS_INVALID_PARAMS,
                     "params.port: required field missing (tes %s has "
                     "%"PRIuSIZE" ports)", tes->name, tes->n_ports);
    }
    return NULL;
}

static bool
tes_may_join(const struct nverec_tes *tes,
             const struct nverec_virtual_network *vn)
{
    for (size_t i = 0; i < tes->n_vns; i++) {
        if (tes->vns[i] == vn) {
            return true;
        }
    }
    return false;
}

/* The VID pool of port row 'prow' is [*lo, *hi]. */
static void
vid_pool(const struct nverec_tes_port *prow, int *lo, int *hi)
{
    *lo = prow && prow->n_vid_min ? *prow->vid_min : DEFAULT_VID_MIN;
    *hi = prow && prow->n_vid_max ? *prow->vid_max : DEFAULT_VID_MAX;
}

/* Picks a VID for a VN that has none yet on 'port' (row 'prow'), avoiding
 * VIDs in use, pinned to other VNs, or already planned in 'plan[0..n)'.
 * Returns 0 if the pool is exhausted. */
static uint16_t
allocate_vid(const struct vsi_port *port, const struct nverec_tes_port *prow,
             const struct planned_network *plan, size_t n)
{
    int lo, hi;

    vid_pool(prow, &lo, &hi);
    for (int vid = lo; vid <= hi; vid++) {
        if (port) {
            /* Skip the VIDs in use, a word at a time. */
            vid = bitmap_scan(port->used_vids, false, vid, hi + 1);
            if (vid > hi) {
                break;
            }
        }
        bool taken = pinned_vn(prow, vid) != NULL;
        for (size_t i = 0; i < n && !taken; i++) {
            taken = plan[i].vid == vid;
        }
        if (!taken) {
            return vid;
        }
    }
    return 0;
}

static struct mac_owner *
mac_owner_find(const struct vsi_table *t, uint32_t vnid, struct eth_addr mac)
{
    struct mac_owner *mo;
    uint32_t hash = hash_uint64_basis(eth_addr_to_uint64(mac), vnid);

    HMAP_FOR_EACH_WITH_HASH (mo, node, hash, &t->macs) {
        if (mo->vnid == vnid && eth_addr_equals(mo->mac, mac)) {
            return mo;
        }
    }
    return NULL;
}

/* Checks every network of binding request 'rq' for VSI 'v' (NULL if new)
 * behind 'port', filling in 'plan'.  Changes nothing. */
static bool
plan_networks(const struct vsi_table *t, const struct tns_request *rq,
              const struct vsi *v, const struct nverec_tes *tes,
              const struct nverec_tes_port *prow, const struct vsi_port *port,
              struct planned_network *plan, struct vsi_outcome *o)
{
    for (size_t i = 0; i < rq->n_networks; i++) {
        const struct tns_network *net = &rq->networks[i];
        struct planned_network *p = &plan[i];

        p->req = net;
        p->vn = find_vn(t, net->vn, net->vnid);
        if (!p->vn) {
            if (net->vn) {
                outcome_fail(o, VSI_ST_UNKNOWN_VN, 0, "unknown vn %s",
                             net->vn);
            } else {
                outcome_fail(o, VSI_ST_UNKNOWN_VN, 0, "unknown vnid %"PRIu32,
                             net->vnid);
            }
            return false;
        }
        for (size_t k = 0; k < i; k++) {
            if (plan[k].vn == p->vn) {
                outcome_fail(o, VSI_ST_INVALID_REQUEST, TNS_INVALID_PARAMS,
                             "params.networks[%"PRIuSIZE"]: same VN as "
                             "params.networks[%"PRIuSIZE"]", i, k);
                return false;
            }
        }
        if (!tes_may_join(tes, p->vn)) {
            outcome_fail(o, VSI_ST_FAILED_AUTHORIZATION, 0,
                         "tes %s may not join vn %s", tes->name,
                         p->vn->name);
            return false;
        }

        if (net->policy) {
            p->profile = find_profile(t, net->policy);
            if (!p->profile) {
                outcome_fail(o, VSI_ST_CONFLICT_POLICIES, 0,
                             "no policy profile named %s", net->policy);
                return false;
            }
        } else {
            p->profile = p->vn->profile;
        }
        /* The PCP belongs to the (port, VN): every frame of the VN to the
         * port carries it, whatever the VSI's own profile. */
        p->pcp = vn_pcp(p->vn, p->vn->profile);

        for (size_t k = 0; k < net->n_macs; k++) {
            const struct mac_owner *mo = mac_owner_find(t, p->vn->vnid,
                                                        net->macs[k]);
            if (mo && mo->vsi != v) {
                outcome_fail(o, VSI_ST_CONFLICT_POLICIES, 0,
                             "mac "ETH_ADDR_FMT" already belongs to vsi %s "
                             "in vn %s", ETH_ADDR_ARGS(net->macs[k]),
                             mo->vsi->id, p->vn->name);
                return false;
            }
        }

        /* The local VID: shared with the VN's other VSIs behind the port,
         * pinned by the operator, requested, or allocated. */
        p->pv = port ? port_vn_find(port, p->vn->vnid) : NULL;
        uint16_t pin = pinned_vid(prow, p->vn);
        if (p->pv) {
            p->vid = p->pv->vid;
        } else if (pin) {
            p->vid = pin;
        } else if (net->vid) {
            const struct nverec_virtual_network *other
                = pinned_vn(prow, net->vid);
            int lo, hi;

            vid_pool(prow, &lo, &hi);
            if (net->vid < lo || net->vid > hi) {
                outcome_fail(o, VSI_ST_CONFLICT_POLICIES, 0,
                             "vid %"PRIu16" is outside the vid pool of port "
                             "%s (%d to %d)", net->vid, prow->name, lo, hi);
                return false;
            }
            bool used = port && bitmap_is_set(port->used_vids, net->vid);
            for (size_t k = 0; k < i; k++) {
                used |= plan[k].vid == net->vid;
            }
            if (used || (other && other != p->vn)) {
                outcome_fail(o, VSI_ST_CONFLICT_POLICIES, 0,
                             "vid %"PRIu16" already carries another vn on "
                             "port %s", net->vid, prow->name);
                return false;
            }
            p->vid = net->vid;
        } else {
            p->vid = allocate_vid(port, prow, plan, i);
            if (!p->vid) {
                outcome_fail(o, VSI_ST_INSUFFICIENT_RESOURCES, 0,
                             "no free vid on port %s for vn %s",
                             prow->name, p->vn->name);
                return false;
            }
        }
        if (net->vid && net->vid != p->vid) {
            outcome_fail(o, VSI_ST_CONFLICT_POLICIES, 0,
                         "vn %s uses vid %"PRIu16" on port %s, not "
                         "%"PRIu16, p->vn->name, p->vid, prow->name,
                         net->vid);
            return false;
        }
    }
    return true;
}

static int
compare_planned_networks(const void *a_, const void *b_)
{
    const struct planned_network *a = a_;
    const struct planned_network *b = b_;

    return a->vn->vnid < b->vn->vnid ? -1 : a->vn->vnid > b->vn->vnid;
}

/* Puts 'plan' in the order of a VSI's bindings: by VNID.  Replies, rows and
 * vsi/list then show a VSI's networks in the same order whatever the order
 * of the request, and after a restart too. */
static void
plan_sort(struct planned_network *plan, size_t n)
{
    if (n > 1) {
        qsort(plan, n, sizeof *plan, compare_planned_networks);
    }
}

static bool
macs_contain(const struct eth_addr *macs, size_t n, struct eth_addr mac)
{
    for (size_t i = 0; i < n; i++) {
        if (eth_addr_equals(macs[i], mac)) {
            return true;
        }
    }
    return false;
}

static bool
strings_contain(char **strings, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(strings[i], s)) {
            return true;
        }
    }
    return false;
}

/* Whether VSI 'v' already has exactly the bindings of 'plan' (sorted by
 * plan_sort()) behind 'port': the same VNs, VIDs, PCPs, profiles, and sets
 * of MACs and IPs, in whatever order the request lists them.  The requested
 * VIDs do not matter: planning checked that they are the VIDs in use. */
static bool
bindings_equal(const struct vsi *v, const struct vsi_port *port,
               const struct planned_network *plan, size_t n)
{
    if (v->port != port || v->n_bindings != n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const struct vsi_binding *b = &v->bindings[i];
        const struct planned_network *p = &plan[i];
        const char *profile = p->profile ? p->profile->name : NULL;

        if (b->pv->vnid != p->vn->vnid || b->pv->vid != p->vid
            || b->pv->pcp != p->pcp
            || b->n_macs != p->req->n_macs || b->n_ips != p->req->n_ips
            || !nullable_string_is_equal(b->profile, profile)) {
            return false;
        }
        /* The request's MACs and IPs are distinct (the decoder checks). */
        for (size_t k = 0; k < p->req->n_macs; k++) {
            if (!macs_contain(b->macs, b->n_macs, p->req->macs[k])) {
                return false;
            }
        }
        for (size_t k = 0; k < p->req->n_ips; k++) {
            if (!strings_contain(b->ips, b->n_ips, p->req->ips[k])) {
                return false;
            }
        }
    }
    return true;
}

static int
compare_macs(const void *a_, const void *b_)
{
    const struct eth_addr *a = a_;
    const struct eth_addr *b = b_;
    uint64_t x = eth_addr_to_uint64(*a);
    uint64_t y = eth_addr_to_uint64(*b);

    return x < y ? -1 : x > y;
}

static int
compare_strings(const void *a_, const void *b_)
{
    const char *const *a = a_;
    const char *const *b = b_;

    return strcmp(*a, *b);
}

static void
binding_init(struct vsi_table *t, struct vsi *v, struct vsi_binding *b,
             struct vsi_port_vn *pv, const struct eth_addr *macs,
             size_t n_macs, char **ips, size_t n_ips, uint16_t requested_vid,
             const char *profile)
{
    b->vsi = v;
    b->pv = pv;
    ovs_list_push_back(&pv->bindings, &b->pv_node);
    pv->n_bindings++;
    /* MACs and IPs in the order of the database, which keeps them as
     * sets. */
    b->macs = xmemdup(macs, MAX(n_macs, 1) * sizeof *macs);
    b->n_macs = n_macs;
    qsort(b->macs, n_macs, sizeof *b->macs, compare_macs);
    b->ips = xcalloc(MAX(n_ips, 1), sizeof *b->ips);
    for (size_t i = 0; i < n_ips; i++) {
        b->ips[i] = xstrdup(ips[i]);
    }
    b->n_ips = n_ips;
    qsort(b->ips, n_ips, sizeof *b->ips, compare_strings);
    b->requested_vid = requested_vid;
    b->profile = nullable_xstrdup(profile);

    for (size_t i = 0; i < n_macs; i++) {
        struct mac_owner *mo = mac_owner_find(t, pv->vnid, macs[i]);
        if (!mo) {
            mo = xmalloc(sizeof *mo);
            mo->vnid = pv->vnid;
            mo->mac = macs[i];
            hmap_insert(&t->macs, &mo->node,
                        hash_uint64_basis(eth_addr_to_uint64(macs[i]),
                                          pv->vnid));
        }
        mo->vsi = v;
    }
}

/* Releases the resources of 'b', and its MACs too unless 'keep_macs' (a
 * rebinding releases exactly the MACs it no longer carries itself). */
static void
binding_uninit(struct vsi_table *t, const struct vsi_ctx *ctx,
               struct vsi_binding *b, bool keep_macs)
{
    struct vsi_port_vn *pv = b->pv;

    if (!keep_macs) {
        for (size_t i = 0; i < b->n_macs; i++) {
            struct mac_owner *mo = mac_owner_find(t, pv->vnid, b->macs[i]);
            if (mo && mo->vsi == b->vsi) {
                hmap_remove(&t->macs, &mo->node);
                free(mo);
            }
        }
    }
    ovs_list_remove(&b->pv_node);
    if (!--pv->n_bindings) {
        port_vn_destroy(ctx, pv);
    }
    free(b->macs);
    for (size_t i = 0; i < b->n_ips; i++) {
        free(b->ips[i]);
    }
    free(b->ips);
    free(b->profile);
}

/* Whether MAC 'mac' in 'vnid' is among the networks of 'plan'. */
static bool
plan_has_mac(const struct planned_network *plan, size_t n, uint32_t vnid,
             struct eth_addr mac)
{
    for (size_t i = 0; i < n; i++) {
        if (plan[i].vn->vnid == vnid) {
            for (size_t k = 0; k < plan[i].req->n_macs; k++) {
                if (eth_addr_equals(plan[i].req->macs[k], mac)) {
                    return true;
                }
            }
        }
    }
    return false;
}

/* Gives 'v' the bindings of 'plan' behind 'port': new ones first, old ones
 * released afterward, so that a (port, VN) the VSI stays in keeps its
 * VID. */
static void
vsi_rebind(struct vsi_table *t, const struct vsi_ctx *ctx, struct vsi *v,
           struct vsi_port *port, const struct planned_network *plan,
           size_t n)
{
    struct vsi_binding *old = v->bindings;
    size_t n_old = v->n_bindings;
    struct vsi_port *old_port = v->port;

    v->bindings = xcalloc(n, sizeof *v->bindings);
    v->n_bindings = n;
    for (size_t i = 0; i < n; i++) {
        const struct planned_network *p = &plan[i];
        struct vsi_port_vn *pv = port_vn_find(port, p->vn->vnid);

        if (!pv) {
            pv = port_vn_create(port, p->vn->vnid, p->vn->name, p->vid,
                                p->pcp);
        }
        binding_init(t, v, &v->bindings[i], pv, p->req->macs,
                     p->req->n_macs, p->req->ips, p->req->n_ips,
                     p->req->vid, p->profile ? p->profile->name : NULL);
    }
    if (old_port != port) {
        port->n_vsis++;
    }

    for (size_t i = 0; i < n_old; i++) {
        struct vsi_binding *b = &old[i];

        /* Release the MACs that the new bindings do not carry. */
        for (size_t k = 0; k < b->n_macs; k++) {
            if (!plan_has_mac(plan, n, b->pv->vnid, b->macs[k])) {
                struct mac_owner *mo = mac_owner_find(t, b->pv->vnid,
                                                      b->macs[k]);
                if (mo && mo->vsi == v) {
                    hmap_remove(&t->macs, &mo->node);
                    free(mo);
                }
            }
        }
        binding_uninit(t, ctx, b, true);
    }
    free(old);
    if (old_port && old_port != port) {
        old_port->n_vsis--;
    }
    v->port = port;
}

static struct vsi *
vsi_find__(const struct vsi_table *t, const char *id)
{
    struct vsi *v;

    HMAP_FOR_EACH_WITH_HASH (v, node, hash_string(id, 0), &t->vsis) {
        if (!strcmp(v->id, id)) {
            return v;
        }
    }
    return NULL;
}

const struct vsi *
vsi_table_find(const struct vsi_table *t, const char *id)
{
    const struct vsi *v = vsi_find__(t, id);
    return v && v->state != VSI_ABSENT ? v : NULL;
}

/* Returns VSI 'id', creating it in VSI_ABSENT if needed. */
static struct vsi *
vsi_get(struct vsi_table *t, const char *id)
{
    struct vsi *v = vsi_find__(t, id);

    if (!v) {
        v = xzalloc(sizeof *v);
        v->id = xstrdup(id);
        v->state = VSI_ABSENT;
        v->tes = xstrdup("");
        /* 56 bits of hash: stable across restarts, so that flows in the
         * switch keep their cookies. */
        uint64_t h = ((uint64_t) hash_string(id, 0) << 32)
                     | hash_string(id, 0x9e3779b9);
        v->cookie = flow_owner_cookie(FLOW_OWNER_VSI, h);
        ovs_list_init(&v->sync_node);
        hmap_insert(&t->vsis, &v->node, hash_string(id, 0));
    }
    return v;
}

static uint64_t
age_priority(long long int keepalive_mono)
{
    /* The heap is a max-heap: the oldest keep-alive comes first. */
    return UINT64_MAX - (uint64_t) MAX(keepalive_mono, 0);
}

/* Moves 'v' from 'old' to its new state, maintaining the ageing heap and
 * the held count.  The only writer of 'v->state'. */
static void
vsi_set_state(struct vsi_table *t, struct vsi *v, enum vsi_state state)
{
    enum vsi_state old = v->state;

    if (old == state) {
        return;
    }
    VLOG_DBG("vsi %s: %s -> %s", v->id, vsi_state_name(old),
             vsi_state_name(state));
    if (old == VSI_ABSENT) {
        t->n_held++;
        heap_insert(&t->ageing, &v->age_node, age_priority(time_msec()));
    } else if (state == VSI_ABSENT) {
        t->n_held--;
        heap_remove(&t->ageing, &v->age_node);
    }
    v->state = state;
}

static void
vsi_refresh(struct vsi_table *t, struct vsi *v)
{
    v->keepalive_at = time_wall_msec();
    if (v->state != VSI_ABSENT) {
        heap_change(&t->ageing, &v->age_node, age_priority(time_msec()));
    }
}

static void
vsi_mark_dirty(struct vsi_table *t, struct vsi *v)
{
    ovs_list_remove(&v->sync_node);
    ovs_list_push_back(&t->dirty, &v->sync_node);
    v->gen = t->gen;
    t->gen_used = true;
}

/* Releases everything 'v' holds; it stays as a zombie until its row is
 * deleted. */
static void
vsi_release(struct vsi_table *t, const struct vsi_ctx *ctx, struct vsi *v)
{
    vsi_flows_remove_vsi(ctx->flows, v);
    for (size_t i = 0; i < v->n_bindings; i++) {
        binding_uninit(t, ctx, &v->bindings[i], false);
    }
    free(v->bindings);
    v->bindings = NULL;
    v->n_bindings = 0;
    if (v->port) {
        v->port->n_vsis--;
        v->port = NULL;
    }
    vsi_set_state(t, v, VSI_ABSENT);
    vsi_mark_dirty(t, v);
}

void
vsi_table_request(struct vsi_table *t, const struct vsi_ctx *ctx,
                  const struct tns_request *rq, const char *peer_cn,
                  enum vsi_protocol protocol, struct vsi_outcome *o)
{
    enum vsi_event event = tns_request_event(rq);
    struct planned_network *plan = NULL;
    struct vsi *v = NULL;

    memset(o, 0, sizeof *o);
    t->n_requests++;

    const struct nverec_tes *tes = authorize_tes(t, rq, peer_cn, o);
    if (!tes) {
        goto out;
    }
    o->tes = xstrdup(tes->name);

    v = vsi_find__(t, rq->vsi);
    enum vsi_state state = v ? v->state : VSI_ABSENT;
    bool immigrating = (event == VSIE_IMMIGRATE_PRE
                        || event == VSIE_IMMIGRATE_ASSOC);
    if (state != VSI_ABSENT && strcmp(v->tes, tes->name) && !immigrating) {
        outcome_fail(o, VSI_ST_FAILED_AUTHORIZATION, 0,
                     "vsi %s belongs to another tes", v->id);
        goto out;
    }

    const struct vsi_transition *tr = vsi_transition(state, event);
    if (tr->status != VSI_ST_SUCCESS) {
        if (tr->status == VSI_ST_UNKNOWN_VSI) {
            outcome_fail(o, tr->status, 0, "unknown vsi %s", rq->vsi);
        } else {
            outcome_fail(o, tr->status, 0, "cannot %s vsi %s: it is %s",
                         tns_method_name(rq->method), rq->vsi,
                         vsi_state_name(state));
        }
        goto out;
    }

    struct vsi_port *port = NULL;
    bool rebind = false;
    if (tr->actions & VSI_ACT_BIND) {
        const struct nverec_tes_port *prow = authorize_port(tes, rq->port,
                                                            o);
        if (!prow) {
            goto out;
        }
        port = port_find(t, prow->name);

        if (state == VSI_ABSENT) {
            if (ctx->global && ctx->global->n_max_vsis
                && t->n_held >= *ctx->global->max_vsis) {
                outcome_fail(o, VSI_ST_INSUFFICIENT_RESOURCES, 0,
                             "the NVE holds its maximum of %"PRId64" vsis",
                             *ctx->global->max_vsis);
                goto out;
            }
        }
        if ((state == VSI_ABSENT || v->port != port) && prow->n_max_vsis
            && (port ? port->n_vsis : 0) >= *prow->max_vsis) {
            outcome_fail(o, VSI_ST_INSUFFICIENT_RESOURCES, 0,
                         "port %s holds its maximum of %"PRId64" vsis",
                         prow->name, *prow->max_vsis);
            goto out;
        }

        plan = xcalloc(rq->n_networks, sizeof *plan);
        if (!plan_networks(t, rq, state != VSI_ABSENT ? v : NULL, tes, prow,
                           port, plan, o)) {
            goto out;
        }
        plan_sort(plan, rq->n_networks);
        port = port_get(t, prow->name);
        rebind = (state == VSI_ABSENT
                  || !bindings_equal(v, port, plan, rq->n_networks));
    }

    /* Everything is checked: from here on the request succeeds. */
    o->status = VSI_ST_SUCCESS;
    if (state == VSI_ABSENT && tr->next == VSI_ABSENT) {
        /* "resume" or "terminate" of a VSI the NVE does not hold. */
        goto out;
    }

    bool changed = false;
    if (!v) {
        v = vsi_get(t, rq->vsi);
    } else if (v->state != VSI_ABSENT && v->protocol != protocol
               && tr->actions & (VSI_ACT_BIND | VSI_ACT_RELEASE)) {
        /* The front end that signalled the VSI so far must learn that it
         * is gone, or no longer its own. */
        char *reason = xasprintf("%s_by_%s",
                                 (tr->actions & VSI_ACT_RELEASE
                                  ? "terminated" : "taken_over"),
                                 vsi_protocol_name(protocol));
        vsi_notify(t, v, "deassociated", reason);
        free(reason);
    }
    if (tr->actions & VSI_ACT_BIND) {
        if (state == VSI_ABSENT) {
            v->created_at = time_wall_msec();
            v->migrating = false;
        }
        if (strcmp(v->tes, tes->name)) {
            free(v->tes);
            v->tes = xstrdup(tes->name);
            changed = true;
        }
        v->protocol = protocol;
        if (rebind) {
            vsi_rebind(t, ctx, v, port, plan, rq->n_networks);
            changed = true;
        }
    }
    if (tr->actions & VSI_ACT_MIGRATE && !v->migrating) {
        v->migrating = true;
        changed = true;
    }
    if (tr->actions & VSI_ACT_RELEASE) {
        vsi_release(t, ctx, v);
        changed = true;
    }
    if (tr->next != v->state) {
        vsi_set_state(t, v, tr->next);
        changed = true;
    }
    if (tr->actions & VSI_ACT_REFRESH) {
        vsi_refresh(t, v);
        vsi_mark_dirty(t, v);
    }
    if (changed) {
        v->updated_at = time_wall_msec();
        vsi_mark_dirty(t, v);
        if (v->state != VSI_ABSENT) {
            vsi_flows_update_vsi(ctx->flows, v);
        }
        VLOG_INFO("vsi %s (tes %s): %s: now %s", v->id, v->tes,
                  vsi_event_name(event),
                  v->state == VSI_ABSENT ? "terminated"
                                         : vsi_state_name(v->state));
    }

out:
    /* Whatever the outcome, the reply tells the VSI's state (or, failing,
     * that it could not change it): it must not be sent before that state
     * is durable, even if another connection's request made it. */
    o->gen = v ? v->gen : 0;
    if (o->status != VSI_ST_SUCCESS) {
        t->n_failed++;
        VLOG_INFO_RL(&rl, "%s vsi %s: %s: %s", tns_method_name(rq->method),
                     rq->vsi, vsi_status_name(o->status), o->message);
    }
    free(plan);
}

/* Notifications. */

static void
vsi_notify(struct vsi_table *t, const struct vsi *v, const char *method,
           const char *reason)
{
    struct vsi_notification *n = xmalloc(sizeof *n);

    n->protocol = v->protocol;
    n->tes = xstrdup(v->tes);
    n->vsi = xstrdup(v->id);
    n->method = xstrdup(method);
    n->reason = nullable_xstrdup(reason);
    n->gen = t->gen;
    t->gen_used = true;
    ovs_list_push_back(&t->notifications, &n->node);
}

void
vsi_table_pop_notifications(struct vsi_table *t, enum vsi_protocol protocol,
                            struct ovs_list *out)
{
    struct vsi_notification *n;

    LIST_FOR_EACH_SAFE (n, node, &t->notifications) {
        if (n->protocol == protocol) {
            ovs_list_remove(&n->node);
            ovs_list_push_back(out, &n->node);
        }
    }
}

void
vsi_notification_destroy(struct vsi_notification *n)
{
    if (n) {
        free(n->tes);
        free(n->vsi);
        free(n->method);
        free(n->reason);
        free(n);
    }
}

/* The NVE's own removal of 'v' (ageing, operator, configuration). */
static void
vsi_remove(struct vsi_table *t, const struct vsi_ctx *ctx, struct vsi *v,
           enum vsi_event event, const char *reason)
{
    const struct vsi_transition *tr = vsi_transition(v->state, event);

    VLOG_INFO("vsi %s (tes %s): removed by the NVE: %s", v->id, v->tes,
              reason);
    if (tr->actions & VSI_ACT_NOTIFY) {
        vsi_notify(t, v, "deassociated", reason);
    }
    if (tr->actions & VSI_ACT_RELEASE) {
        vsi_release(t, ctx, v);
    }
    v->updated_at = time_wall_msec();
}

/* Loading from the database. */

static int
compare_binding_rows(const void *a_, const void *b_)
{
    const struct nverec_vsi_binding *const *a = a_;
    const struct nverec_vsi_binding *const *b = b_;

    return (*a)->vnid < (*b)->vnid ? -1 : (*a)->vnid > (*b)->vnid;
}

static void
vsi_load_row(struct vsi_table *t, const struct vsi_ctx *ctx,
             const struct nverec_vsi *row, long long int now_wall,
             long long int now_mono)
{
    enum vsi_state state;

    if (!vsi_state_from_name(row->state, &state) || state == VSI_ABSENT
        || vsi_find__(t, row->vsi_id)) {
        VLOG_WARN("ignoring VSI row %s with state %s", row->vsi_id,
                  row->state);
        return;
    }

    struct vsi *v = vsi_get(t, row->vsi_id);
    struct vsi_port *port = port_get(t, row->port);
    free(v->tes);
    v->tes = xstrdup(row->tes);
    v->protocol = !strcmp(row->protocol, "vdp") ? VSI_PROTO_VDP
                                                : VSI_PROTO_TNS;
    v->migrating = row->migrating;
    v->created_at = row->created_at;
    v->updated_at = row->updated_at;
    v->keepalive_at = row->keepalive_at;
    v->port = port;
    port->n_vsis++;
    /* The bindings in VNID order, as vsi_table_request() keeps them. */
    struct nverec_vsi_binding **brs = xcalloc(MAX(row->n_bindings, 1),
                                              sizeof *brs);
    memcpy(brs, row->bindings, row->n_bindings * sizeof *brs);
    qsort(brs, row->n_bindings, sizeof *brs, compare_binding_rows);
    v->bindings = xcalloc(MAX(row->n_bindings, 1), sizeof *v->bindings);
    for (size_t i = 0; i < row->n_bindings; i++) {
        const struct nverec_vsi_binding *br = brs[i];
        struct vsi_port_vn *pv = port_vn_find(port, br->vnid);
        struct eth_addr *macs = xcalloc(MAX(br->n_macs, 1), sizeof *macs);
        size_t n_macs = 0;

        if (!pv) {
            pv = port_vn_create(port, br->vnid, br->vn, br->vid,
                                br->n_pcp ? *br->pcp : -1);
        }
        for (size_t k = 0; k < br->n_macs; k++) {
            if (eth_addr_from_string(br->macs[k], &macs[n_macs])) {
                n_macs++;
            }
        }
        binding_init(t, v, &v->bindings[v->n_bindings++], pv, macs, n_macs,
                     br->ips, br->n_ips, 0, br->profile);
        free(macs);
    }
    free(brs);
    vsi_set_state(t, v, state);
    /* Restore the timer: as much time has passed as the wall clock says. */
    heap_change(&t->ageing, &v->age_node,
                age_priority(now_mono - (now_wall - row->keepalive_at)));
    vsi_flows_update_vsi(ctx->flows, v);
}

static void
vsi_table_load(struct vsi_table *t, const struct vsi_ctx *ctx)
{
    long long int now_wall = time_wall_msec();
    long long int now_mono = time_msec();
    const struct nverec_vsi *row;

    NVEREC_VSI_FOR_EACH (row, ctx->nve_idl) {
        vsi_load_row(t, ctx, row, now_wall, now_mono);
    }
    t->loaded = true;
    VLOG_INFO("loaded %"PRIuSIZE" vsis from the database", t->n_held);
}

/* Configuration changes. */

/* Renumbers or re-prioritizes (port, VN) 'pv' and tells its VSIs' TES. */
static void
port_vn_change(struct vsi_table *t, const struct vsi_ctx *ctx,
               struct vsi_port_vn *pv, uint16_t vid, int pcp)
{
    struct vsi_binding *b;

    if (vid == pv->vid && pcp == pv->pcp) {
        return;
    }
    VLOG_INFO("port %s vn %s: vid %"PRIu16" -> %"PRIu16", pcp %d -> %d",
              pv->port->name, pv->vn, pv->vid, vid, pv->pcp, pcp);
    vsi_flows_remove_port_vn(ctx->flows, pv);
    bitmap_set0(pv->port->used_vids, pv->vid);
    bitmap_set1(pv->port->used_vids, vid);
    pv->vid = vid;
    pv->pcp = pcp;
    LIST_FOR_EACH (b, pv_node, &pv->bindings) {
        struct vsi *v = b->vsi;

        v->updated_at = time_wall_msec();
        vsi_mark_dirty(t, v);
        vsi_flows_update_vsi(ctx->flows, v);
        vsi_notify(t, v, "local_change", NULL);
    }
}

/* Brings (port, VN) 'pv' in line with VN row 'vn' and the pinned VIDs of
 * the port: the VID that the operator pinned, unless another VN has it on
 * the port, and the VN's PCP. */
static void
port_vn_reconfigure(struct vsi_table *t, const struct vsi_ctx *ctx,
                    struct vsi_port_vn *pv,
                    const struct nverec_virtual_network *vn)
{
    const struct nverec_tes_port *prow = find_port_row(t, pv->port->name);
    uint16_t vid = pv->vid;
    uint16_t pin = pinned_vid(prow, vn);

    if (pin && pin != pv->vid) {
        if (bitmap_is_set(pv->port->used_vids, pin)) {
            VLOG_WARN_RL(&rl, "port %s: cannot move vn %s to vid %"PRIu16": "
                         "it carries another vn", pv->port->name, vn->name,
                         pin);
        } else {
            vid = pin;
        }
    }
    port_vn_change(t, ctx, pv, vid, vn_pcp(vn, vn->profile));
}

/* VSIs to remove, collected while iterating over structures that their
 * removal would change. */
struct vsi_removals {
    struct vsi **vsis;
    const char **reasons;
    size_t n, allocated;
};

static void
vsi_removals_add(struct vsi_removals *r, struct vsi *v, const char *reason)
{
    if (r->n >= r->allocated) {
        r->vsis = x2nrealloc(r->vsis, &r->allocated, sizeof *r->vsis);
        r->reasons = xrealloc(r->reasons, r->allocated * sizeof *r->reasons);
    }
    r->vsis[r->n] = v;
    r->reasons[r->n++] = reason;
}

/* Removes the VSIs of 'r' (once each: a removed VSI stays, absent, until
 * its row's deletion commits) and frees 'r'. */
static void
vsi_removals_run(struct vsi_table *t, const struct vsi_ctx *ctx,
                 struct vsi_removals *r)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->vsis[i]->state != VSI_ABSENT) {
            vsi_remove(t, ctx, r->vsis[i], VSIE_REMOVE, r->reasons[i]);
        }
    }
    free(r->vsis);
    free(r->reasons);
}

/* Brings (port, VN) 'pv' in line with the VN table: if its VN is gone, or
 * its VNID now names another VN, its VSIs go into 'r'; otherwise its VID
 * and PCP follow the VN and the pins. */
static void
port_vn_check(struct vsi_table *t, const struct vsi_ctx *ctx,
              struct vsi_port_vn *pv, struct vsi_removals *r)
{
    const struct nverec_virtual_network *vn = find_vn(t, NULL, pv->vnid);

    if (!vn || strcmp(vn->name, pv->vn)) {
        struct vsi_binding *b;
        LIST_FOR_EACH (b, pv_node, &pv->bindings) {
            vsi_removals_add(r, b->vsi, "vn_removed");
        }
    } else {
        port_vn_reconfigure(t, ctx, pv, vn);
    }
}

/* Whether TES row 'tes' (NULL if there is none) still allows VSI 'v': its
 * port and every one of its VNs.  If not, puts 'v' into 'r'. */
static void
vsi_check_tes(struct vsi *v, const struct nverec_tes *tes,
              struct vsi_removals *r)
{
    if (!tes) {
        vsi_removals_add(r, v, "tes_removed");
        return;
    }

    bool allowed = false;
    for (size_t i = 0; i < tes->n_ports && !allowed; i++) {
        allowed = !strcmp(tes->ports[i]->name, v->port->name);
    }
    for (size_t i = 0; i < v->n_bindings && allowed; i++) {
        allowed = false;
        for (size_t k = 0; k < tes->n_vns && !allowed; k++) {
            allowed = tes->vns[k]->vnid == v->bindings[i].pv->vnid;
        }
    }
    if (!allowed) {
        vsi_removals_add(r, v, "operator");
    }
}

/* Applies the operator's changes to VNs (PCP, profile, VNID, removal),
 * policy profiles (PCP), ports (pinned VIDs) and TES (permissions,
 * removal), as far as the database tracked them. */
static void
vsi_table_reconfigure(struct vsi_table *t, const struct vsi_ctx *ctx)
{
    struct vsi_removals removals = { .n = 0 };
    const struct nverec_virtual_network *vn;
    const struct nverec_tes_port *prow;
    const struct nverec_tes *tes;
    const struct nverec_vsi *row;
    struct vsi_port *port;

    /* A VN changed, was removed, or got or lost a VNID: every (port, VN)
     * of that name or VNID. */
    NVEREC_VIRTUAL_NETWORK_FOR_EACH_TRACKED (vn, ctx->nve_idl) {
        HMAP_FOR_EACH (port, node, &t->ports) {
            struct vsi_port_vn *pv;
            HMAP_FOR_EACH (pv, node, &port->vns) {
                if (pv->vnid == vn->vnid || !strcmp(pv->vn, vn->name)) {
                    port_vn_check(t, ctx, pv, &removals);
                }
            }
        }
    }

    /* A profile's PCP is that of the VNs that have it as their own. */
    const struct nverec_policy_profile *profile;
    NVEREC_POLICY_PROFILE_FOR_EACH_TRACKED (profile, ctx->nve_idl) {
        if (nverec_policy_profile_is_deleted(profile)) {
            continue;
        }
        NVEREC_VIRTUAL_NETWORK_FOR_EACH (vn, ctx->nve_idl) {
            if (vn->profile != profile) {
                continue;
            }
            HMAP_FOR_EACH (port, node, &t->ports) {
                struct vsi_port_vn *pv = port_vn_find(port, vn->vnid);
                if (pv && !strcmp(pv->vn, vn->name)) {
                    port_vn_reconfigure(t, ctx, pv, vn);
                }
            }
        }
    }

    NVEREC_TES_PORT_FOR_EACH_TRACKED (prow, ctx->nve_idl) {
        port = port_find(t, prow->name);
        if (!port || nverec_tes_port_is_deleted(prow)) {
            continue;
        }
        for (size_t i = 0; i < prow->n_vid_bindings; i++) {
            const struct nverec_virtual_network *pvn
                = prow->value_vid_bindings[i];
            struct vsi_port_vn *pv = port_vn_find(port, pvn->vnid);

            if (pv) {
                port_vn_reconfigure(t, ctx, pv, pvn);
            }
        }
    }

    /* A TES removed, or no longer allowed a port or a VN. */
    NVEREC_TES_FOR_EACH_TRACKED (tes, ctx->nve_idl) {
        bool deleted = nverec_tes_is_deleted(tes);
        struct vsi *v;

        HMAP_FOR_EACH (v, node, &t->vsis) {
            if (v->state != VSI_ABSENT && !strcmp(v->tes, tes->name)) {
                vsi_check_tes(v, deleted ? NULL : tes, &removals);
            }
        }
    }
    vsi_removals_run(t, ctx, &removals);

    /* A VSI row deleted behind our back is the operator's removal. */
    NVEREC_VSI_FOR_EACH_TRACKED (row, ctx->nve_idl) {
        if (nverec_vsi_is_deleted(row)) {
            struct vsi *v = vsi_find__(t, row->vsi_id);
            if (v && v->state != VSI_ABSENT
                && !find_vsi_row(t, row->vsi_id)) {
                t->n_removed++;
                vsi_remove(t, ctx, v, VSIE_REMOVE, "operator");
            }
        }
    }
}

/* After loading the VSIs: the configuration may have changed while no
 * controller ran, so every (port, VN) and every VSI is checked against
 * it. */
static void
vsi_table_reconfigure_all(struct vsi_table *t, const struct vsi_ctx *ctx)
{
    struct vsi_removals removals = { .n = 0 };
    struct vsi_port *port;
    struct vsi *v;

    HMAP_FOR_EACH (port, node, &t->ports) {
        struct vsi_port_vn *pv;
        HMAP_FOR_EACH (pv, node, &port->vns) {
            port_vn_check(t, ctx, pv, &removals);
        }
    }
    HMAP_FOR_EACH (v, node, &t->vsis) {
        if (v->state != VSI_ABSENT) {
            vsi_check_tes(v, find_tes(t, v->tes), &removals);
        }
    }
    vsi_removals_run(t, ctx, &removals);
}

/* Ageing. */

static void
vsi_table_age(struct vsi_table *t, const struct vsi_ctx *ctx)
{
    long long int timeout = t->timeout;
    long long int now = time_msec();

    while (!heap_is_empty(&t->ageing)) {
        struct vsi *v = CONTAINER_OF(heap_max(&t->ageing), struct vsi,
                                     age_node);
        long long int keepalive = UINT64_MAX - v->age_node.priority;
        if (keepalive + timeout > now) {
            break;
        }
        t->n_aged++;
        vsi_remove(t, ctx, v, VSIE_AGE_OUT, "aged_out");
    }
}

/* The main loop. */

struct vsi_table *
vsi_table_create(struct ovsdb_idl *idl)
{
    struct vsi_table *t = xzalloc(sizeof *t);

    hmap_init(&t->vsis);
    hmap_init(&t->ports);
    hmap_init(&t->macs);
    heap_init(&t->ageing);
    ovs_list_init(&t->dirty);
    ovs_list_init(&t->staged);
    ovs_list_init(&t->notifications);
    t->gen = 1;
    t->timeout = DEFAULT_KEEPALIVE_TIMEOUT;

    t->vsi_by_id = ovsdb_idl_index_create1(idl, &nverec_vsi_col_vsi_id);
    t->vn_by_name = ovsdb_idl_index_create1(
        idl, &nverec_virtual_network_col_name);
    t->vn_by_vnid = ovsdb_idl_index_create1(
        idl, &nverec_virtual_network_col_vnid);
    t->tes_by_name = ovsdb_idl_index_create1(idl, &nverec_tes_col_name);
    t->port_by_name = ovsdb_idl_index_create1(idl,
                                              &nverec_tes_port_col_name);
    t->profile_by_name = ovsdb_idl_index_create1(
        idl, &nverec_policy_profile_col_name);

    ovsdb_idl_track_add_all(idl);
    return t;
}

static void
vsi_free(struct vsi *v)
{
    free(v->id);
    free(v->tes);
    free(v->bindings);
    free(v);
}

void
vsi_table_destroy(struct vsi_table *t)
{
    if (!t) {
        return;
    }

    struct vsi_notification *n;
    LIST_FOR_EACH_POP (n, node, &t->notifications) {
        vsi_notification_destroy(n);
    }

    struct vsi *v;
    HMAP_FOR_EACH_POP (v, node, &t->vsis) {
        for (size_t i = 0; i < v->n_bindings; i++) {
            struct vsi_binding *b = &v->bindings[i];
            free(b->macs);
            for (size_t k = 0; k < b->n_ips; k++) {
                free(b->ips[k]);
            }
            free(b->ips);
            free(b->profile);
        }
        vsi_free(v);
    }
    hmap_destroy(&t->vsis);

    struct vsi_port *port;
    HMAP_FOR_EACH_POP (port, node, &t->ports) {
        struct vsi_port_vn *pv;
        HMAP_FOR_EACH_POP (pv, node, &port->vns) {
            free(pv->vn);
            free(pv);
        }
        hmap_destroy(&port->vns);
        free(port->used_vids);
        free(port->name);
        free(port);
    }
    hmap_destroy(&t->ports);

    struct mac_owner *mo;
    HMAP_FOR_EACH_POP (mo, node, &t->macs) {
        free(mo);
    }
    hmap_destroy(&t->macs);
    heap_destroy(&t->ageing);
    free(t->pending);
    free(t);
}

/* Frees the zombies of 'list' (VSIs whose row deletion committed) and
 * empties it. */
static void
sync_list_done(struct vsi_table *t, struct ovs_list *list)
{
    struct vsi *v;

    LIST_FOR_EACH_POP (v, sync_node, list) {
        ovs_list_init(&v->sync_node);
        if (v->state == VSI_ABSENT) {
            hmap_remove(&t->vsis, &v->node);
            vsi_free(v);
        }
    }
}

void
vsi_table_run(struct vsi_table *t, const struct vsi_ctx *ctx)
{
    /* Did the transaction with our rows commit, or fail? */
    if (!ovs_list_is_empty(&t->staged) && !ctx->nve_loop->committing_txn) {
        if (ctx->nve_loop->cur_cfg >= (int64_t) t->staged_gen) {
            sync_list_done(t, &t->staged);
        } else {
            VLOG_INFO_RL(&rl, "VSI transaction failed, retrying");
            struct vsi *v;
            LIST_FOR_EACH_POP (v, sync_node, &t->staged) {
                ovs_list_push_back(&t->dirty, &v->sync_node);
            }
            t->gen_used = true;
        }
    }
    if (ctx->nve_loop->cur_cfg > 0
        && (uint64_t) ctx->nve_loop->cur_cfg > t->db_done) {
        t->db_done = ctx->nve_loop->cur_cfg;
    }

    if (!t->loaded) {
        if (ovsdb_idl_has_ever_connected(ctx->nve_idl)) {
            t->timeout = keepalive_timeout(ctx);
            vsi_table_load(t, ctx);
            vsi_table_reconfigure_all(t, ctx);
        }
        return;
    }
    t->timeout = keepalive_timeout(ctx);
    vsi_table_reconfigure(t, ctx);
    vsi_table_age(t, ctx);
}

bool
vsi_table_is_ready(const struct vsi_table *t)
{
    return t->loaded;
}

static void
binding_write(const struct vsi_ctx *ctx, const struct vsi_binding *b,
              struct nverec_vsi_binding **rowp)
{
    struct nverec_vsi_binding *row = nverec_vsi_binding_insert(ctx->nve_txn);
    const char **macs = xcalloc(MAX(b->n_macs, 1), sizeof *macs);
    char (*mac_strings)[ETH_ADDR_STRLEN + 1]
        = xcalloc(MAX(b->n_macs, 1), sizeof *mac_strings);
    int64_t pcp = b->pv->pcp;

    for (size_t i = 0; i < b->n_macs; i++) {
        snprintf(mac_strings[i], sizeof mac_strings[i], ETH_ADDR_FMT,
                 ETH_ADDR_ARGS(b->macs[i]));
        macs[i] = mac_strings[i];
    }
    nverec_vsi_binding_set_vn(row, b->pv->vn);
    nverec_vsi_binding_set_vnid(row, b->pv->vnid);
    nverec_vsi_binding_set_macs(row, macs, b->n_macs);
    nverec_vsi_binding_set_ips(row, (const char **) b->ips, b->n_ips);
    nverec_vsi_binding_set_vid(row, b->pv->vid);
    nverec_vsi_binding_set_pcp(row, &pcp, pcp >= 0);
    nverec_vsi_binding_set_profile(row, b->profile);
    free(macs);
    free(mac_strings);
    *rowp = row;
}

/* Whether binding row 'row' already says what 'b' says. */
static bool
binding_row_equal(const struct nverec_vsi_binding *row,
                  const struct vsi_binding *b)
{
    if (row->vnid != b->pv->vnid || row->vid != b->pv->vid
        || strcmp(row->vn, b->pv->vn)
        || row->n_pcp != (b->pv->pcp >= 0)
        || (row->n_pcp && *row->pcp != b->pv->pcp)
        || !nullable_string_is_equal(row->profile, b->profile)
        || row->n_macs != b->n_macs || row->n_ips != b->n_ips) {
        return false;
    }
    for (size_t i = 0; i < b->n_macs; i++) {
        struct eth_addr mac;
        if (!eth_addr_from_string(row->macs[i], &mac)
            || !eth_addr_equals(mac, b->macs[i])) {
            return false;
        }
    }
    for (size_t i = 0; i < b->n_ips; i++) {
        if (strcmp(row->ips[i], b->ips[i])) {
            return false;
        }
    }
    return true;
}

static void
vsi_write_row(const struct vsi_table *t, const struct vsi_ctx *ctx,
              const struct vsi *v)
{
    const struct nverec_vsi *row = find_vsi_row(t, v->id);

    if (v->state == VSI_ABSENT) {
        if (row) {
            nverec_vsi_delete(row);
        }
        return;
    }
    if (!row) {
        struct nverec_vsi *new = nverec_vsi_insert(ctx->nve_txn);
        nverec_vsi_set_vsi_id(new, v->id);
        row = new;
    }
    nverec_vsi_set_state(row, vsi_state_name(v->state));
    nverec_vsi_set_tes(row, v->tes);
    nverec_vsi_set_port(row, v->port->name);
    nverec_vsi_set_protocol(row, v->protocol == VSI_PROTO_VDP ? "vdp"
                                                              : "tns");
    nverec_vsi_set_migrating(row, v->migrating);
    nverec_vsi_set_created_at(row, v->created_at);
    nverec_vsi_set_updated_at(row, v->updated_at);
    nverec_vsi_set_keepalive_at(row, v->keepalive_at);

    /* The bindings are rewritten only if they changed (the IDL sorts the
     * set by UUID, so compare without regard to order). */
    bool same = row->n_bindings == v->n_bindings;
    for (size_t i = 0; i < v->n_bindings && same; i++) {
        same = false;
        for (size_t k = 0; k < row->n_bindings && !same; k++) {
            same = binding_row_equal(row->bindings[k], &v->bindings[i]);
        }
    }
    if (!same) {
        struct nverec_vsi_binding **rows
            = xcalloc(MAX(v->n_bindings, 1), sizeof *rows);
        for (size_t i = 0; i < v->n_bindings; i++) {
            binding_write(ctx, &v->bindings[i], &rows[i]);
        }
        nverec_vsi_set_bindings(row, rows, v->n_bindings);
        free(rows);
    }
}

void
vsi_table_sync(struct vsi_table *t, const struct vsi_ctx *ctx)
{
    if (!ctx->nve_txn || ovs_list_is_empty(&t->dirty)) {
        return;
    }

    struct vsi *v;
    LIST_FOR_EACH (v, sync_node, &t->dirty) {
        vsi_write_row(t, ctx, v);
    }
    ovs_list_push_back_all(&t->staged, &t->dirty);
    t->staged_gen = t->gen;
    ctx->nve_loop->next_cfg = t->gen;
    t->gen_used = true;
}

void
vsi_table_flows_put(struct vsi_table *t, uint64_t flow_seqno,
                    uint64_t installed_seqno)
{
    if (t->gen_used) {
        if (t->n_pending >= t->allocated_pending) {
            t->pending = x2nrealloc(t->pending, &t->allocated_pending,
                                    sizeof *t->pending);
        }
        t->pending[t->n_pending++] = (struct gen_flows) {
            .gen = t->gen, .seqno = flow_seqno
        };
        t->gen++;
        t->gen_used = false;
    }

    size_t done = 0;
    while (done < t->n_pending && t->pending[done].seqno <= installed_seqno) {
        t->flows_done = t->pending[done++].gen;
    }
    if (done) {
        t->n_pending -= done;
        memmove(t->pending, &t->pending[done],
                t->n_pending * sizeof *t->pending);
    }
}

bool
vsi_table_gen_done(const struct vsi_table *t, uint64_t gen)
{
    return gen <= t->db_done && gen <= t->flows_done;
}

void
vsi_table_set_ofport(struct vsi_table *t, const struct vsi_ctx *ctx,
                     const char *name, ofp_port_t ofport)
{
    struct vsi_port *port = port_find(t, name);

    if (port && port->ofport != ofport) {
        struct vsi_port_vn *pv;

        HMAP_FOR_EACH (pv, node, &port->vns) {
            vsi_flows_remove_port_vn(ctx->flows, pv);
        }
        port->ofport = ofport;
        HMAP_FOR_EACH (pv, node, &port->vns) {
            struct vsi_binding *b;
            LIST_FOR_EACH (b, pv_node, &pv->bindings) {
                vsi_flows_update_vsi(ctx->flows, b->vsi);
            }
        }
    }
}

void
vsi_table_wait(const struct vsi_table *t)
{
    if (!ovs_list_is_empty(&t->notifications)) {
        poll_immediate_wake();
    }
    if (t->loaded && !heap_is_empty(&t->ageing)) {
        const struct vsi *v = CONTAINER_OF(heap_max(&t->ageing), struct vsi,
                                           age_node);
        long long int keepalive = UINT64_MAX - v->age_node.priority;
        poll_timer_wait_until(keepalive + t->timeout);
    }
}

/* Introspection. */

void
vsi_format(const struct vsi *v, struct ds *s)
{
    ds_put_format(s, "vsi %s\n  state: %s\n  tes: %s\n  port: %s\n"
                  "  protocol: %s\n  migrating: %s\n", v->id,
                  vsi_state_name(v->state), v->tes,
                  v->port ? v->port->name : "",
                  v->protocol == VSI_PROTO_VDP ? "vdp" : "tns",
                  v->migrating ? "true" : "false");
    ds_put_format(s, "  cookie: %#"PRIx64"\n", v->cookie);
    ds_put_format(s, "  created_at: %lld\n  updated_at: %lld\n"
                  "  keepalive_at: %lld\n", v->created_at, v->updated_at,
                  v->keepalive_at);
    for (size_t i = 0; i < v->n_bindings; i++) {
        const struct vsi_binding *b = &v->bindings[i];

        ds_put_format(s, "  vn %s (vnid %"PRIu32"): vid %"PRIu16,
                      b->pv->vn, b->pv->vnid, b->pv->vid);
        if (b->pv->pcp >= 0) {
            ds_put_format(s, " pcp %d", b->pv->pcp);
        }
        if (b->profile) {
            ds_put_format(s, " policy %s", b->profile);
        }
        ds_put_cstr(s, "\n    macs:");
        for (size_t k = 0; k < b->n_macs; k++) {
            ds_put_format(s, " "ETH_ADDR_FMT, ETH_ADDR_ARGS(b->macs[k]));
        }
        if (b->n_ips) {
            ds_put_cstr(s, "\n    ips:");
            for (size_t k = 0; k < b->n_ips; k++) {
                ds_put_format(s, " %s", b->ips[k]);
            }
        }
        ds_put_char(s, '\n');
    }
}

static int
compare_vsi_ids(const void *a_, const void *b_)
{
    const struct vsi *const *a = a_;
    const struct vsi *const *b = b_;
    return strcmp((*a)->id, (*b)->id);
}

void
vsi_table_format_list(const struct vsi_table *t, struct ds *s)
{
    const struct vsi **vsis = xcalloc(MAX(t->n_held, 1), sizeof *vsis);
    const struct vsi *v;
    size_t n = 0;

    HMAP_FOR_EACH (v, node, &t->vsis) {
        if (v->state != VSI_ABSENT) {
            vsis[n++] = v;
        }
    }
    qsort(vsis, n, sizeof *vsis, compare_vsi_ids);
    for (size_t i = 0; i < n; i++) {
        v = vsis[i];
        ds_put_format(s, "%s %s tes=%s port=%s", v->id,
                      vsi_state_name(v->state), v->tes, v->port->name);
        for (size_t k = 0; k < v->n_bindings; k++) {
            ds_put_format(s, " %s:%"PRIu16, v->bindings[k].pv->vn,
                          v->bindings[k].pv->vid);
        }
        ds_put_char(s, '\n');
    }
    free(vsis);
}

size_t
vsi_table_count(const struct vsi_table *t)
{
    return t->n_held;
}

void
vsi_table_format_status(const struct vsi_table *t, struct ds *s)
{
    ds_put_format(s, "vsis: %"PRIuSIZE"\n", t->n_held);
    ds_put_format(s, "loaded: %s\n", t->loaded ? "true" : "false");
    ds_put_format(s, "requests: %"PRIu64" (%"PRIu64" failed)\n",
                  t->n_requests, t->n_failed);
    ds_put_format(s, "aged out: %"PRIu64"\n", t->n_aged);
    ds_put_format(s, "removed by operator: %"PRIu64"\n", t->n_removed);
    ds_put_format(s, "generation: %"PRIu64" (committed %"PRIu64", "
                  "installed %"PRIu64")\n", t->gen, t->db_done,
                  t->flows_done);
}
