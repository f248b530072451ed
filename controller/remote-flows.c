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

/* Unicast to remote VSIs and flooding within each VN (remote-flows.h).
 * remote_flows_run() reads the Remote_NVE and Remote_Mapping tables of the
 * NVE database and takes the tunnel ports from tunnels; vsi-flows reports
 * the TES-facing ports with associated VSIs of each VN.  The flows go into
 * the desired flow table. */

#include <config.h>
#include "remote-flows.h"

#include <stdlib.h>
#include <string.h>
#include "dp-packet.h"
#include "flow-table.h"
#include "flow.h"
#include "hash.h"
#include "lib/nve-idl.h"
#include "lib/nve-util.h"
#include "nva-client.h"
#include "ofctrl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "pipeline.h"
#include "smap.h"
#include "svec.h"
#include "tunnels.h"
#include "util.h"
#include "uuid.h"
#include "vsi-table.h"

VLOG_DEFINE_THIS_MODULE(remote_flows);

/* How it works.
 *
 * The module keeps its own copy of what it took from each Remote_NVE and
 * Remote_Mapping row, so that a changed or deleted row tells it what to
 * undo, and per VN the members of its flooding list: local ports (counted
 * by vsi-flows' reports) and remote NVEs (by Remote_NVE.vns and by
 * mappings).  Changes mark VNs dirty; remote_flows_run() rewrites the
 * flooding flows of the dirty VNs only. */

/* A Remote_NVE row. */
struct remote {
    struct hmap_node node;      /* In 'remotes', by UUID. */
    struct uuid uuid;
    char *name;
    uint32_t *vnids;            /* Its "vns", as VNIDs. */
    size_t n_vnids;
    ofp_port_t ofport;          /* Of its tunnel, OFPP_NONE if none. */
    struct ovs_list mappings;   /* Contains "struct mapping"s. */
};

/* A Remote_Mapping row. */
struct mapping {
    struct hmap_node node;      /* In 'mappings', by UUID. */
    struct uuid uuid;
    uint32_t vnid;
    struct eth_addr mac;
    struct remote *remote;
    struct ovs_list remote_node;    /* In 'remote->mappings'. */
    uint64_t cookie;

    /* Suppression: the VM's addresses that the NVE answers for, ARP
     * requests in flows, IPv6 neighbour solicitations through packet-ins
     * (learned mappings, with options:arp_suppression). */
    ovs_be32 *arp_ips;
    size_t n_arp_ips;
    struct in6_addr *nd_ips;
    size_t n_nd_ips;
    struct hmap_node cookie_node;   /* In 'nd_mappings' if 'n_nd_ips'. */

    /* Learned from the NVA while the VM moves: the names of the remote NVEs
     * where it is about to start, which get its frames too. */
    struct svec standbys;
    struct ovs_list standby_node;   /* In 'standby_mappings' if it has
                                     * standbys, else alone. */
};

/* A TES-facing port with associated VSIs of a VN. */
struct local_port {
    struct hmap_node node;      /* In vn_flood 'locals', by name. */
    char *name;
    ofp_port_t ofport;
    size_t n_vsis;
};

/* A remote NVE that hosts a VN. */
struct remote_member {
    struct hmap_node node;      /* In vn_flood 'members', by remote. */
    struct remote *remote;
    bool listed;                /* In the remote's "vns". */
    size_t n_mappings;          /* Its mappings in the VN. */
};

/* The flooding list of one VN. */
struct vn_flood {
    struct hmap_node node;      /* In 'vns', by VNID. */
    uint32_t vnid;
    struct hmap locals;         /* Contains "struct local_port"s. */
    struct hmap members;        /* Contains "struct remote_member"s. */
    struct ovs_list dirty_node; /* In 'dirty', or alone. */
};

struct remote_flows {
    struct hmap remotes;
    struct hmap mappings;
    struct hmap vns;
    struct ovs_list dirty;      /* VNs whose flooding flows to rewrite. */
    struct ovs_list standby_mappings;   /* Mappings with standbys. */
    struct hmap nd_mappings;    /* Mappings with 'nd_ips', by cookie. */
    uint64_t n_nd_answered;     /* Neighbour solicitations answered... */
    uint64_t n_nd_dropped;      /* ...and not (no longer a mapping's). */
    bool loaded;                /* Has the whole database been read? */
    bool arp_suppression;       /* NVE_Global options:arp_suppression. */
};

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

void
remote_flows_register_nve_idl(struct ovsdb_idl *idl)
{
    ovsdb_idl_add_table(idl, &nverec_table_virtual_network);
    ovsdb_idl_add_column(idl, &nverec_virtual_network_col_vnid);
    ovsdb_idl_add_table(idl, &nverec_table_remote_nve);
    ovsdb_idl_add_column(idl, &nverec_remote_nve_col_name);
    ovsdb_idl_add_column(idl, &nverec_remote_nve_col_vns);
    ovsdb_idl_add_table(idl, &nverec_table_remote_mapping);
    ovsdb_idl_add_column(idl, &nverec_remote_mapping_col_vn);
    ovsdb_idl_add_column(idl, &nverec_remote_mapping_col_mac);
    ovsdb_idl_add_column(idl, &nverec_remote_mapping_col_remote);
    ovsdb_idl_add_column(idl, &nverec_remote_mapping_col_ip);
    ovsdb_idl_add_column(idl, &nverec_remote_mapping_col_external_ids);
}

struct remote_flows *
remote_flows_create(void)
{
    struct remote_flows *rf = xzalloc(sizeof *rf);

    hmap_init(&rf->remotes);
    hmap_init(&rf->mappings);
    hmap_init(&rf->vns);
    ovs_list_init(&rf->dirty);
    ovs_list_init(&rf->standby_mappings);
    hmap_init(&rf->nd_mappings);
    ofctrl_packet_in_subscribe(FLOW_OWNER_MAPPING);
    return rf;
}

/* VNs. */

static struct vn_flood *
vn_find(const struct remote_flows *rf, uint32_t vnid)
{
    struct vn_flood *vn;

    HMAP_FOR_EACH_WITH_HASH (vn, node, hash_int(vnid, 0), &rf->vns) {
        if (vn->vnid == vnid) {
            return vn;
        }
    }
    return NULL;
}

static struct vn_flood *
vn_get(struct remote_flows *rf, uint32_t vnid)
{
    struct vn_flood *vn = vn_find(rf, vnid);

    if (!vn) {
        vn = xzalloc(sizeof *vn);
        vn->vnid = vnid;
        hmap_init(&vn->locals);
        hmap_init(&vn->members);
        ovs_list_init(&vn->dirty_node);
        hmap_insert(&rf->vns, &vn->node, hash_int(vnid, 0));
    }
    return vn;
}

static void
vn_mark_dirty(struct remote_flows *rf, struct vn_flood *vn)
{
    if (ovs_list_is_empty(&vn->dirty_node)) {
        ovs_list_push_back(&rf->dirty, &vn->dirty_node);
    }
}

static uint64_t
vn_cookie(uint32_t vnid)
{
    return flow_owner_cookie(FLOW_OWNER_VN, vnid);
}

static struct local_port *
local_port_find(const struct vn_flood *vn, const char *name)
{
    struct local_port *lp;

    HMAP_FOR_EACH_WITH_HASH (lp, node, hash_string(name, 0), &vn->locals) {
        if (!strcmp(lp->name, name)) {
            return lp;
        }
    }
    return NULL;
}

static struct remote_member *
member_find(const struct vn_flood *vn, const struct remote *remote)
{
    struct remote_member *m;

    HMAP_FOR_EACH_WITH_HASH (m, node, hash_pointer(remote, 0),
                             &vn->members) {
        if (m->remote == remote) {
            return m;
        }
    }
    return NULL;
}

static struct remote_member *
member_get(struct remote_flows *rf, uint32_t vnid, struct remote *remote)
{
    struct vn_flood *vn = vn_get(rf, vnid);
    struct remote_member *m = member_find(vn, remote);

    if (!m) {
        m = xzalloc(sizeof *m);
        m->remote = remote;
        hmap_insert(&vn->members, &m->node, hash_pointer(remote, 0));
        vn_mark_dirty(rf, vn);
    }
    return m;
}

/* Frees 'remote''s membership of VN 'vnid' if nothing makes it a member
 * any more. */
static void
member_gc(struct remote_flows *rf, uint32_t vnid, struct remote *remote)
{
    struct vn_flood *vn = vn_find(rf, vnid);
    struct remote_member *m = vn ? member_find(vn, remote) : NULL;

    if (m && !m->listed && !m->n_mappings) {
        hmap_remove(&vn->members, &m->node);
        free(m);
        vn_mark_dirty(rf, vn);
    }
}

static int
compare_ofports(const void *a_, const void *b_)
{
    const ofp_port_t *a = a_;
    const ofp_port_t *b = b_;
    uint16_t a16 = ofp_to_u16(*a), b16 = ofp_to_u16(*b);

    return a16 < b16 ? -1 : a16 > b16;
}

/* Appends to 'ofpacts' a copy of the packet to 'ofport', through the
 * egress tables. */
static void
put_copy(struct ofpbuf *ofpacts, ofp_port_t ofport)
{
    size_t ofs = ofpacts->size;
    ofpact_put_CLONE(ofpacts);
    pipeline_put_load_reg(ofpacts, NVE_MFF_OUT_PORT, ofp_to_u16(ofport));
    pipeline_put_resubmit(ofpacts, NVE_TABLE_EGRESS_ACL);
    struct ofpact_nest *clone = ofpbuf_at_assert(ofpacts, ofs,
                                                 sizeof *clone);
    ofpacts->header = clone;
    ofpact_finish_CLONE(ofpacts, &clone);
}

/* Appends to 'ofpacts' a copy of the packet to each of 'ofports[0..n)',
 * sorted so that the same list always makes the same actions. */
static void
put_flood(struct ofpbuf *ofpacts, ofp_port_t *ofports, size_t n)
{
    qsort(ofports, n, sizeof *ofports, compare_ofports);
    pipeline_put_set_flag(ofpacts, NVE_FLAG_FLOOD_BIT);
    for (size_t i = 0; i < n; i++) {
        if (!i || ofports[i] != ofports[i - 1]) {
            put_copy(ofpacts, ofports[i]);
        }
    }
}

/* Rewrites the flooding flows of 'vn', and frees it if it is empty. */
static void
vn_update_flows(struct remote_flows *rf, struct vn_flood *vn,
                struct flow_table *flows)
{
    uint64_t cookie = vn_cookie(vn->vnid);

    flow_table_remove_owner(flows, cookie);
    if (hmap_is_empty(&vn->locals)) {
        if (hmap_is_empty(&vn->members)) {
            hmap_remove(&rf->vns, &vn->node);
            hmap_destroy(&vn->locals);
            hmap_destroy(&vn->members);
            free(vn);
        }
        /* No local VSI sends, none receives. */
        return;
    }

    size_t n_max = hmap_count(&vn->locals) + hmap_count(&vn->members);
    ofp_port_t *ofports = xmalloc(n_max * sizeof *ofports);
    size_t n_locals = 0;
    const struct local_port *lp;
    HMAP_FOR_EACH (lp, node, &vn->locals) {
        if (lp->ofport != OFPP_NONE) {
            ofports[n_locals++] = lp->ofport;
        }
    }
    size_t n = n_locals;
    const struct remote_member *m;
    HMAP_FOR_EACH (m, node, &vn->members) {
        if (m->remote->ofport != OFPP_NONE) {
            ofports[n++] = m->remote->ofport;
        }
    }

    uint64_t stub[1024 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    /* From local VSIs: to local ports and remote NVEs. */
    match_init_catchall(&match);
    pipeline_match_vnid(&match, vn->vnid);
    pipeline_match_flag(&match, NVE_FLAG_FROM_TUNNEL_BIT, false);
    put_flood(&ofpacts, ofports, n);
    flow_table_add(flows, cookie, NVE_TABLE_L2_LOOKUP, NVE_PRIO_FLOOD,
                   &match, ofpacts.data, ofpacts.size);

    /* From remote NVEs: to local ports only. */
    match_init_catchall(&match);
    pipeline_match_vnid(&match, vn->vnid);
    pipeline_match_flag(&match, NVE_FLAG_FROM_TUNNEL_BIT, true);
    ofpbuf_clear(&ofpacts);
    n = 0;
    HMAP_FOR_EACH (lp, node, &vn->locals) {
        if (lp->ofport != OFPP_NONE) {
            ofports[n++] = lp->ofport;
        }
    }
    put_flood(&ofpacts, ofports, n);
    flow_table_add(flows, cookie, NVE_TABLE_L2_LOOKUP,
                   NVE_PRIO_FLOOD_FROM_TUNNEL, &match,
                   ofpacts.data, ofpacts.size);

    ofpbuf_uninit(&ofpacts);
    free(ofports);
}

/* Local ports. */

void
remote_flows_add_local(struct remote_flows *rf, uint32_t vnid,
                       const char *port, ofp_port_t ofport)
{
    struct vn_flood *vn = vn_get(rf, vnid);
    struct local_port *lp = local_port_find(vn, port);

    if (!lp) {
        lp = xzalloc(sizeof *lp);
        lp->name = xstrdup(port);
        lp->ofport = ofport;
        hmap_insert(&vn->locals, &lp->node, hash_string(port, 0));
        vn_mark_dirty(rf, vn);
    } else if (lp->ofport != ofport) {
        lp->ofport = ofport;
        vn_mark_dirty(rf, vn);
    }
    lp->n_vsis++;
}

void
remote_flows_remove_local(struct remote_flows *rf, uint32_t vnid,
                          const char *port)
{
    struct vn_flood *vn = vn_find(rf, vnid);
    struct local_port *lp = vn ? local_port_find(vn, port) : NULL;

    ovs_assert(lp);
    if (!--lp->n_vsis) {
        hmap_remove(&vn->locals, &lp->node);
        free(lp->name);
        free(lp);
        vn_mark_dirty(rf, vn);
    }
}

/* Remote NVEs. */

static struct remote *
remote_find(const struct remote_flows *rf, const struct uuid *uuid)
{
    struct remote *r;

    HMAP_FOR_EACH_WITH_HASH (r, node, uuid_hash(uuid), &rf->remotes) {
        if (uuid_equals(&r->uuid, uuid)) {
            return r;
        }
    }
    return NULL;
}

/* Marks dirty every VN that 'r' is a member of. */
static void
remote_mark_vns_dirty(struct remote_flows *rf, const struct remote *r)
{
    for (size_t i = 0; i < r->n_vnids; i++) {
        vn_mark_dirty(rf, vn_get(rf, r->vnids[i]));
    }

    const struct mapping *m;
    LIST_FOR_EACH (m, remote_node, &r->mappings) {
        vn_mark_dirty(rf, vn_get(rf, m->vnid));
    }
}

static void
remote_set_vnids(struct remote_flows *rf, struct remote *r,
                 uint32_t *vnids, size_t n_vnids)
{
    for (size_t i = 0; i < r->n_vnids; i++) {
        struct remote_member *m = member_get(rf, r->vnids[i], r);
        m->listed = false;
    }
    for (size_t i = 0; i < n_vnids; i++) {
        struct remote_member *m = member_get(rf, vnids[i], r);
        m->listed = true;
    }
    for (size_t i = 0; i < r->n_vnids; i++) {
        member_gc(rf, r->vnids[i], r);
    }
    free(r->vnids);
    r->vnids = vnids;
    r->n_vnids = n_vnids;
}

static void
remote_sync_row(struct remote_flows *rf, const struct nverec_remote_nve *row)
{
    struct remote *r = remote_find(rf, &row->header_.uuid);

    if (!r) {
        r = xzalloc(sizeof *r);
        r->uuid = row->header_.uuid;
        r->name = xstrdup(row->name);
        r->ofport = OFPP_NONE;
        ovs_list_init(&r->mappings);
        hmap_insert(&rf->remotes, &r->node, uuid_hash(&r->uuid));
    } else if (strcmp(r->name, row->name)) {
        /* A new name may mean another tunnel: remote_flows_run() checks
         * every remote's tunnel. */
        free(r->name);
        r->name = xstrdup(row->name);
    }

    uint32_t *vnids = xmalloc(MAX(row->n_vns, 1) * sizeof *vnids);
    for (size_t i = 0; i < row->n_vns; i++) {
        vnids[i] = row->vns[i]->vnid;
    }
    remote_set_vnids(rf, r, vnids, row->n_vns);
}

/* Mappings. */

static struct mapping *
mapping_find(const struct remote_flows *rf, const struct uuid *uuid)
{
    struct mapping *m;

    HMAP_FOR_EACH_WITH_HASH (m, node, uuid_hash(uuid), &rf->mappings) {
        if (uuid_equals(&m->uuid, uuid)) {
            return m;
        }
    }
    return NULL;
}

/* Initializes 'match' to what local VSIs send in 'm''s VN. */
static void
mapping_match_local(struct match *match, const struct mapping *m)
{
    match_init_catchall(match);
    pipeline_match_vnid(match, m->vnid);
    pipeline_match_flag(match, NVE_FLAG_FROM_TUNNEL_BIT, false);
}

/* ARP suppression: answers a local VSI's ARP request for IPv4 address
 * 'ip' of remote mapping 'm' with the remote VM's MAC, back out of the port
 * it came from, instead of flooding it across the overlay. */
static void
mapping_add_arp_flow(const struct mapping *m, ovs_be32 ip,
                     struct flow_table *flows)
{
    uint64_t stub[256 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    mapping_match_local(&match, m);
    match_set_dl_type(&match, htons(ETH_TYPE_ARP));
    match_set_nw_proto(&match, ARP_OP_REQUEST);
    match_set_nw_dst(&match, ip);

    /* To the requester, from the VM: an ARP reply. */
    ovs_be16 op = htons(ARP_OP_REPLY);
    pipeline_put_move(&ofpacts, MFF_ETH_SRC, MFF_ETH_DST, 48);
    ofpact_put_set_field(&ofpacts, mf_from_id(MFF_ETH_SRC), &m->mac, NULL);
    ofpact_put_set_field(&ofpacts, mf_from_id(MFF_ARP_OP), &op, NULL);
    pipeline_put_move(&ofpacts, MFF_ARP_SHA, MFF_ARP_THA, 48);
    ofpact_put_set_field(&ofpacts, mf_from_id(MFF_ARP_SHA), &m->mac, NULL);
    pipeline_put_move(&ofpacts, MFF_ARP_SPA, MFF_ARP_TPA, 32);
    ofpact_put_set_field(&ofpacts, mf_from_id(MFF_ARP_SPA), &ip, NULL);
    pipeline_put_move(&ofpacts, MFF_IN_PORT, NVE_MFF_OUT_PORT, 16);
    pipeline_put_goto_next(&ofpacts, NVE_TABLE_L2_LOOKUP);
    flow_table_add(flows, m->cookie, NVE_TABLE_L2_LOOKUP, NVE_PRIO_L2_ARP,
                   &match, ofpacts.data, ofpacts.size);
    ofpbuf_uninit(&ofpacts);
}

/* IPv6 neighbour discovery suppression: sends a local VSI's neighbour
 * solicitation for IPv6 address 'ip' of remote mapping 'm' to the
 * controller, which answers it (remote_flows_answer_nd()): building a
 * neighbour advertisement takes what flows cannot do (a new ND option, the
 * ICMPv6 checksum). */
static void
mapping_add_nd_flow(const struct mapping *m, const struct in6_addr *ip,
                    struct flow_table *flows)
{
    uint64_t stub[64 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    mapping_match_local(&match, m);
    match_set_dl_type(&match, htons(ETH_TYPE_IPV6));
    match_set_nw_proto(&match, IPPROTO_ICMPV6);
    match_set_icmp_type(&match, ND_NEIGHBOR_SOLICIT);
    match_set_icmp_code(&match, 0);
    match_set_nd_target(&match, ip);
    struct ofpact_output *output = ofpact_put_OUTPUT(&ofpacts);
    output->port = OFPP_CONTROLLER;
    output->max_len = UINT16_MAX;
    flow_table_add(flows, m->cookie, NVE_TABLE_L2_LOOKUP, NVE_PRIO_L2_ARP,
                   &match, ofpacts.data, ofpacts.size);
    ofpbuf_uninit(&ofpacts);
}

static const struct remote *
remote_find_by_name(const struct remote_flows *rf, const char *name)
{
    const struct remote *r;

    HMAP_FOR_EACH (r, node, &rf->remotes) {
        if (!strcmp(r->name, name)) {
            return r;
        }
    }
    return NULL;
}

/* Appends to 'ofpacts' a copy of the packet to each of 'm''s standby NVEs
 * that has a tunnel, as a unicast frame. */
static void
put_standbys(const struct remote_flows *rf, const struct mapping *m,
             struct ofpbuf *ofpacts)
{
    const char *name;
    size_t i;

    SVEC_FOR_EACH (i, name, &m->standbys) {
        const struct remote *r = remote_find_by_name(rf, name);
        if (r && r->ofport != OFPP_NONE && r->ofport != m->remote->ofport) {
            put_copy(ofpacts, r->ofport);
        }
    }
}

static void
mapping_add_flow(const struct remote_flows *rf, const struct mapping *m,
                 struct flow_table *flows)
{
    for (size_t i = 0; i < m->n_arp_ips; i++) {
        mapping_add_arp_flow(m, m->arp_ips[i], flows);
    }
    for (size_t i = 0; i < m->n_nd_ips; i++) {
        mapping_add_nd_flow(m, &m->nd_ips[i], flows);
    }
    if (m->remote->ofport == OFPP_NONE) {
        /* No tunnel (yet): unknown unicast, flooded. */
        return;
    }

    uint64_t stub[64 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    match_init_catchall(&match);
    pipeline_match_vnid(&match, m->vnid);
    match_set_dl_dst(&match, m->mac);
    put_standbys(rf, m, &ofpacts);
    pipeline_put_load_reg(&ofpacts, NVE_MFF_OUT_PORT,
                          ofp_to_u16(m->remote->ofport));
    pipeline_put_goto_next(&ofpacts, NVE_TABLE_L2_LOOKUP);
    flow_table_add(flows, m->cookie, NVE_TABLE_L2_LOOKUP, NVE_PRIO_L2_REMOTE,
                   &match, ofpacts.data, ofpacts.size);
    ofpbuf_uninit(&ofpacts);
}

static void
mapping_destroy(struct remote_flows *rf, struct mapping *m,
                struct flow_table *flows)
{
    struct remote_member *member = member_get(rf, m->vnid, m->remote);

    member->n_mappings--;
    member_gc(rf, m->vnid, m->remote);
    flow_table_remove_owner(flows, m->cookie);
    ovs_list_remove(&m->remote_node);
    ovs_list_remove(&m->standby_node);
    svec_destroy(&m->standbys);
    if (m->n_nd_ips) {
        hmap_remove(&rf->nd_mappings, &m->cookie_node);
    }
    free(m->arp_ips);
    free(m->nd_ips);
    hmap_remove(&rf->mappings, &m->node);
    free(m);
}

/* Stores in 'm' the IPv4 and IPv6 addresses of 'row' (its "ip" and
 * "ips", without repeats). */
static void
mapping_parse_ips(struct mapping *m, const struct nverec_remote_mapping *row)
{
    size_t n = row->n_ips + (row->ip != NULL);

    m->arp_ips = xmalloc(MAX(n, 1) * sizeof *m->arp_ips);
    m->nd_ips = xmalloc(MAX(n, 1) * sizeof *m->nd_ips);
    for (size_t i = 0; i < n; i++) {
        const char *s = i < row->n_ips ? row->ips[i] : row->ip;
        ovs_be32 ip4;
        struct in6_addr ip6;

        if (ip_parse(s, &ip4)) {
            size_t k;
            for (k = 0; k < m->n_arp_ips && m->arp_ips[k] != ip4; k++) {
                continue;
            }
            if (k == m->n_arp_ips) {
                m->arp_ips[m->n_arp_ips++] = ip4;
            }
        } else if (ipv6_parse(s, &ip6)) {
            size_t k;
            for (k = 0; k < m->n_nd_ips
                        && !ipv6_addr_equals(&m->nd_ips[k], &ip6); k++) {
                continue;
            }
            if (k == m->n_nd_ips) {
                m->nd_ips[m->n_nd_ips++] = ip6;
            }
        }
    }
}

static void
mapping_sync_row(struct remote_flows *rf,
                 const struct nverec_remote_mapping *row,
                 struct flow_table *flows)
{
    struct mapping *m = mapping_find(rf, &row->header_.uuid);
    if (m) {
        mapping_destroy(rf, m, flows);
    }

    struct eth_addr mac;
    if (!eth_addr_from_string(row->mac, &mac)) {
        VLOG_WARN_RL(&rl, "ignoring remote mapping with invalid MAC %s",
                     row->mac);
        return;
    }
    struct remote *remote = remote_find(rf, &row->remote->header_.uuid);
    if (!remote) {
        /* The database guarantees the reference; our copy follows it. */
        remote_sync_row(rf, row->remote);
        remote = remote_find(rf, &row->remote->header_.uuid);
    }

    m = xzalloc(sizeof *m);
    m->uuid = row->header_.uuid;
    m->vnid = row->vn->vnid;
    m->mac = mac;
    m->remote = remote;
    bool learned = !strcmp(smap_get_def(&row->external_ids,
                                        NVA_LEARNED_KEY, ""),
                           NVA_LEARNED_VALUE);
    if (rf->arp_suppression && learned) {
        mapping_parse_ips(m, row);
    }
    svec_init(&m->standbys);
    const char *standbys = (learned
                            ? smap_get(&row->external_ids, NVA_STANDBY_KEY)
                            : NULL);
    if (standbys && *standbys) {
        char *copy = xstrdup(standbys), *save_ptr = NULL;
        for (char *name = strtok_r(copy, ",", &save_ptr); name;
             name = strtok_r(NULL, ",", &save_ptr)) {
            svec_add(&m->standbys, name);
        }
        free(copy);
        ovs_list_push_back(&rf->standby_mappings, &m->standby_node);
    } else {
        ovs_list_init(&m->standby_node);
    }
    m->cookie = flow_owner_cookie(FLOW_OWNER_MAPPING,
                                  ((uint64_t) m->uuid.parts[0] << 32)
                                  | m->uuid.parts[1]);
    ovs_list_push_back(&remote->mappings, &m->remote_node);
    hmap_insert(&rf->mappings, &m->node, uuid_hash(&m->uuid));
    if (m->n_nd_ips) {
        hmap_insert(&rf->nd_mappings, &m->cookie_node, hash_uint64(m->cookie));
    }
    member_get(rf, m->vnid, remote)->n_mappings++;
    mapping_add_flow(rf, m, flows);
}

static void
remote_destroy(struct remote_flows *rf, struct remote *r,
               struct flow_table *flows)
{
    struct mapping *m;
    LIST_FOR_EACH_SAFE (m, remote_node, &r->mappings) {
        mapping_destroy(rf, m, flows);
    }
    remote_set_vnids(rf, r, NULL, 0);
    hmap_remove(&rf->remotes, &r->node);
    free(r->name);
    free(r);
}

/* Forgets every remote NVE and mapping, keeping the local ports. */
static void
remote_flows_clear(struct remote_flows *rf, struct flow_table *flows)
{
    struct remote *r;
    HMAP_FOR_EACH_SAFE (r, node, &rf->remotes) {
        remote_destroy(rf, r, flows);
    }
}

void
remote_flows_destroy(struct remote_flows *rf)
{
    if (!rf) {
        return;
    }

    struct mapping *m;
    HMAP_FOR_EACH_POP (m, node, &rf->mappings) {
        svec_destroy(&m->standbys);
        free(m->arp_ips);
        free(m->nd_ips);
        free(m);
    }
    hmap_destroy(&rf->mappings);
    hmap_destroy(&rf->nd_mappings);

    struct remote *r;
    HMAP_FOR_EACH_POP (r, node, &rf->remotes) {
        free(r->vnids);
        free(r->name);
        free(r);
    }
    hmap_destroy(&rf->remotes);

    struct vn_flood *vn;
    HMAP_FOR_EACH_POP (vn, node, &rf->vns) {
        struct local_port *lp;
        HMAP_FOR_EACH_POP (lp, node, &vn->locals) {
            free(lp->name);
            free(lp);
        }
        hmap_destroy(&vn->locals);
        struct remote_member *member;
        HMAP_FOR_EACH_POP (member, node, &vn->members) {
            free(member);
        }
        hmap_destroy(&vn->members);
        free(vn);
    }
    hmap_destroy(&rf->vns);
    free(rf);
}

/* Reads the whole database. */
static void
remote_flows_load(struct remote_flows *rf, struct ovsdb_idl *idl,
                  struct flow_table *flows)
{
    const struct nverec_remote_nve *remote;
    const struct nverec_remote_mapping *mapping;

    remote_flows_clear(rf, flows);
    NVEREC_REMOTE_NVE_FOR_EACH (remote, idl) {
        remote_sync_row(rf, remote);
    }
    NVEREC_REMOTE_MAPPING_FOR_EACH (mapping, idl) {
        mapping_sync_row(rf, mapping, flows);
    }
}

/* Applies the database's tracked changes. */
static void
remote_flows_apply_changes(struct remote_flows *rf, struct ovsdb_idl *idl,
                           struct flow_table *flows)
{
    const struct nverec_remote_nve *remote;
    const struct nverec_remote_mapping *mapping;

    /* New and changed remotes, then mappings (which refer to remotes),
     * then deleted remotes (whose mappings are deleted by then). */
    NVEREC_REMOTE_NVE_FOR_EACH_TRACKED (remote, idl) {
        if (!nverec_remote_nve_is_deleted(remote)) {
            remote_sync_row(rf, remote);
        }
    }
    NVEREC_REMOTE_MAPPING_FOR_EACH_TRACKED (mapping, idl) {
        if (nverec_remote_mapping_is_deleted(mapping)) {
            struct mapping *m = mapping_find(rf, &mapping->header_.uuid);
            if (m) {
                mapping_destroy(rf, m, flows);
            }
        } else {
            mapping_sync_row(rf, mapping, flows);
        }
    }
    NVEREC_REMOTE_NVE_FOR_EACH_TRACKED (remote, idl) {
        if (nverec_remote_nve_is_deleted(remote)) {
            struct remote *r = remote_find(rf, &remote->header_.uuid);
            if (r) {
                remote_destroy(rf, r, flows);
            }
        }
    }
}

void
remote_flows_run(struct remote_flows *rf, struct ovsdb_idl *idl,
                 const struct tunnels *tunnels, struct flow_table *flows)
{
    /* A VN's VNID may change, which changes every mapping and remote in it:
     * rare enough to read everything again. */
    bool reload = !rf->loaded;
    const struct nverec_nve_global *cfg = nverec_nve_global_first(idl);
    bool arp_suppression = !cfg || smap_get_bool(&cfg->options,
                                                 "arp_suppression", true);
    if (arp_suppression != rf->arp_suppression) {
        rf->arp_suppression = arp_suppression;
        reload = true;
    }
    const struct nverec_virtual_network *vn_row;
    NVEREC_VIRTUAL_NETWORK_FOR_EACH_TRACKED (vn_row, idl) {
        if (!nverec_virtual_network_is_new(vn_row)) {
            reload = true;
            break;
        }
    }
    if (reload) {
        remote_flows_load(rf, idl, flows);
        rf->loaded = true;
    } else {
        remote_flows_apply_changes(rf, idl, flows);
    }

    /* Tunnels come and go with their ports, apart from the database. */
    struct remote *r;
    bool tunnels_changed = false;
    HMAP_FOR_EACH (r, node, &rf->remotes) {
        ofp_port_t ofport = tunnels_get_ofport(tunnels, r->name);
        if (ofport != r->ofport) {
            r->ofport = ofport;
            const struct mapping *m;
            LIST_FOR_EACH (m, remote_node, &r->mappings) {
                flow_table_remove_owner(flows, m->cookie);
                mapping_add_flow(rf, m, flows);
            }
            remote_mark_vns_dirty(rf, r);
            tunnels_changed = true;
        }
    }
    if (tunnels_changed) {
        /* A standby's tunnel may be among them: few mappings have any. */
        const struct mapping *m;
        LIST_FOR_EACH (m, standby_node, &rf->standby_mappings) {
            flow_table_remove_owner(flows, m->cookie);
            mapping_add_flow(rf, m, flows);
        }
    }

    struct vn_flood *vn;
    LIST_FOR_EACH_POP (vn, dirty_node, &rf->dirty) {
        ovs_list_init(&vn->dirty_node);
        vn_update_flows(rf, vn, flows);
    }
}

static const struct mapping *
nd_mapping_find(const struct remote_flows *rf, uint64_t cookie)
{
    const struct mapping *m;

    HMAP_FOR_EACH_WITH_HASH (m, cookie_node, hash_uint64(cookie),
                             &rf->nd_mappings) {
        if (m->cookie == cookie) {
            return m;
        }
    }
    return NULL;
}

/* Answers the neighbour solicitation of 'pin' (sent up by a flow of
 * mapping_add_nd_flow()), if it still asks for an address of a mapping:
 * a neighbour advertisement from the remote VM's MAC and address, tagged
 * for the VN on the port it came from, straight out of that port.  A
 * duplicate address detection probe (from ::) is answered to all nodes,
 * which tells the prober that the address is taken.  Returns true if it
 * answered. */
static bool
answer_nd(const struct remote_flows *rf, const struct vsi_table *vsis,
          const struct ofctrl_packet_in *pin)
{
    const struct mapping *m = nd_mapping_find(rf, pin->cookie);
    if (!m) {
        return false;
    }

    struct dp_packet packet;
    struct flow flow;
    dp_packet_use_const(&packet, pin->packet, pin->size);
    flow_extract(&packet, &flow);
    if (flow.dl_type != htons(ETH_TYPE_IPV6)
        || flow.nw_proto != IPPROTO_ICMPV6
        || flow.tp_src != htons(ND_NEIGHBOR_SOLICIT)) {
        return false;
    }
    size_t i;
    for (i = 0; i < m->n_nd_ips; i++) {
        if (ipv6_addr_equals(&m->nd_ips[i], &flow.nd_target)) {
            break;
        }
    }
    uint16_t vid;
    int pcp;
    if (i == m->n_nd_ips
        || !vsi_table_port_vn_tag(vsis, pin->in_port, m->vnid, &vid, &pcp)) {
        return false;
    }

    bool dad = !ipv6_addr_is_set(&flow.ipv6_src);
    struct in6_addr dst = dad ? in6addr_all_hosts : flow.ipv6_src;
    struct eth_addr eth_dst = flow.dl_src;
    if (dad) {
        ipv6_multicast_to_ethernet(&eth_dst, &dst);
    }
    uint64_t stub[256 / 8];
    struct dp_packet na;
    dp_packet_use_stub(&na, stub, sizeof stub);
    compose_nd_na(&na, m->mac, eth_dst, &flow.nd_target, &dst,
                  htonl(dad ? ND_RSO_OVERRIDE
                        : ND_RSO_SOLICITED | ND_RSO_OVERRIDE));
    eth_push_vlan(&na, htons(ETH_TYPE_VLAN_8021Q),
                  htons(vid | VLAN_CFI
                        | (pcp > 0 ? pcp << VLAN_PCP_SHIFT : 0)));
    bool sent = ofctrl_send_packet_out(pin->in_port, dp_packet_data(&na),
                                       dp_packet_size(&na));
    dp_packet_uninit(&na);
    return sent;
}

void
remote_flows_answer_nd(struct remote_flows *rf, const struct vsi_table *vsis)
{
    struct ovs_list pins = OVS_LIST_INITIALIZER(&pins);
    struct ofctrl_packet_in *pin;

    ofctrl_recv_packet_ins(FLOW_OWNER_MAPPING, &pins);
    LIST_FOR_EACH_POP (pin, list_node, &pins) {
        if (answer_nd(rf, vsis, pin)) {
            rf->n_nd_answered++;
        } else {
            VLOG_DBG_RL(&rl, "neighbour solicitation from port %"PRIu16
                        " not answered", ofp_to_u16(pin->in_port));
            rf->n_nd_dropped++;
        }
        free(pin);
    }
}

void
remote_flows_format_status(const struct remote_flows *rf, struct ds *s)
{
    ds_put_format(s, "neighbour solicitations: %"PRIu64" answered, "
                  "%"PRIu64" not\n", rf->n_nd_answered, rf->n_nd_dropped);
}

static int
compare_vns(const void *a_, const void *b_)
{
    const struct vn_flood *const *a = a_;
    const struct vn_flood *const *b = b_;

    return (*a)->vnid < (*b)->vnid ? -1 : (*a)->vnid > (*b)->vnid;
}

void
remote_flows_format_flood(const struct remote_flows *rf, struct ds *s)
{
    size_t n = hmap_count(&rf->vns);
    const struct vn_flood **vns = xmalloc(MAX(n, 1) * sizeof *vns);
    const struct vn_flood *vn;
    size_t n_vns = 0;

    HMAP_FOR_EACH (vn, node, &rf->vns) {
        if (!hmap_is_empty(&vn->locals)) {
            vns[n_vns++] = vn;
        }
    }
    qsort(vns, n_vns, sizeof *vns, compare_vns);
    for (size_t i = 0; i < n_vns; i++) {
        vn = vns[i];

        size_t n_names = hmap_count(&vn->locals) + hmap_count(&vn->members);
        const char **names = xmalloc(n_names * sizeof *names);
        const struct local_port *lp;
        size_t k = 0;
        HMAP_FOR_EACH (lp, node, &vn->locals) {
            names[k++] = lp->name;
        }
        qsort(names, k, sizeof *names, nve_compare_strings);
        ds_put_format(s, "vnid %"PRIu32":", vn->vnid);
        for (size_t j = 0; j < k; j++) {
            ds_put_format(s, " local %s", names[j]);
        }

        k = 0;
        const struct remote_member *m;
        HMAP_FOR_EACH (m, node, &vn->members) {
            names[k++] = m->remote->name;
        }
        qsort(names, k, sizeof *names, nve_compare_strings);
        for (size_t j = 0; j < k; j++) {
            ds_put_format(s, " remote %s", names[j]);
        }
        ds_put_char(s, '\n');
        free(names);
    }
    free(vns);
}
