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

/* The flows of local VSIs (vsi-flows.h).  The VSI table calls in whenever
 * a VSI is bound, changes state or goes; this module turns that into the
 * VSI's flows and those of its (TES-facing port, VN) pairs in the desired
 * flow table, takes the references to policy profiles and meters they need,
 * and reports to remote-flows which ports belong in each VN's flooding
 * list. */

#include <config.h>
#include "vsi-flows.h"

#include <string.h>
#include "flow-table.h"
#include "flow.h"
#include "hash.h"
#include "hmapx.h"
#include "meter-table.h"
#include "ofctrl.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "pipeline.h"
#include "profiles.h"
#include "remote-flows.h"
#include "sset.h"
#include "vsi-table.h"

/* The flooded frames that an associated binding received: what the
 * counter of its (port, VN) pair gained since 'start_*'. */
struct flood_rx {
    bool known;                 /* 'start_*' read from the switch... */
    uint64_t start_packets;     /* The pair's counter, if 'known'... */
    uint64_t start_bytes;
    uint64_t start_read;        /* ...by this read (its 'number'). */
    uint64_t seq;               /* The association, for the reads. */
};

/* What vsi-flows remembers of a VSI between two updates, to undo it: per
 * binding, the references it took (profile, meter, membership of a VN's
 * flooding list). */
struct binding_record {
    struct vsi_record *vsi;
    uint32_t vnid;
    char *port;                 /* Member of the VN's flooding list... */
    bool member;                /* ...if true. */
    struct pair_users *pair;    /* The records of its (port, VN) pair. */
    struct ovs_list pair_node;  /* In 'pair->records'. */
    const struct profile *profile;  /* Referenced, or NULL. */
    struct ovs_list profile_node;   /* In a 'profile_users' list. */
    uint32_t meter_id;          /* Its meter, 0 if none. */
    struct flood_rx rx;         /* If 'member'. */
};

struct vsi_record {
    struct hmap_node node;      /* In 'vsis', by VSI pointer. */
    const struct vsi *vsi;
    struct binding_record *bindings;
    size_t n_bindings;
};

/* The binding records that use one profile. */
struct profile_users {
    struct hmap_node node;      /* In 'profile_users', by name. */
    char *name;
    struct ovs_list records;    /* Contains "struct binding_record"s. */
};

/* The binding records of one (port, VN) pair, for the profile that a
 * flooded copy to the pair gets. */
struct pair_users {
    struct hmap_node node;      /* In 'pair_users', by port and VNID. */
    char *port;
    uint32_t vnid;
    ofp_port_t ofport;          /* As the last update of a VSI said. */
    struct ovs_list records;    /* Contains "struct binding_record"s. */

    /* The members among 'records' (associated VSIs), counted per profile
     * (NULL for none), so that whether they share one is known without
     * going through them: a pair may have tens of thousands. */
    struct hmap member_profiles;    /* Contains "struct member_profile"s. */
};

struct member_profile {
    struct hmap_node node;      /* In 'member_profiles', by 'profile'. */
    const struct profile *profile;
    size_t n;
};

/* One read of the counter of a (port, VN) pair's flooded copies, for one
 * VSI bound there: when it becomes associated there (its start), when it
 * stops (its end), or for its counters (vsi_flows_query_rx()). */
struct rx_read {
    struct ovs_list node;       /* In 'vf->rx_reads' until freed. */
    struct ofctrl_flow_stats *stats;
    uint64_t number;            /* Replies come in the order of these. */
    const struct vsi *vsi;      /* NULL once the VSI's flows went. */
    uint64_t vsi_cookie;
    uint32_t vnid;
    char *port;
    uint64_t seq;               /* The association it reads for... */
    struct flood_rx end;        /* ...or, if 'end.seq', the one that ended
                                 * as it was sent. */
    bool applied;               /* Its counts went where they belong. */
    bool owned;                 /* A vsi_flows_rx_query frees it. */
};

struct vsi_flows {
    struct flow_table *flows;
    struct profiles *profiles;
    struct remote_flows *remote;
    struct meter_table *meters;
    struct hmap vsis;           /* Contains "struct vsi_record"s. */
    struct hmap profile_users;  /* Contains "struct profile_users". */
    struct hmap pair_users;     /* Contains "struct pair_users". */
    struct ovs_list rx_reads;   /* Contains "struct rx_read"s. */
    uint64_t rx_reads_n_done;   /* ofctrl_flow_stats_n_done() when
                                 * 'rx_reads' were last looked at... */
    bool rx_reads_dirty;        /* ...unless a read was done at once. */
    uint64_t rx_seq;            /* The last association's seq. */
    uint64_t rx_read_number;    /* The last read's number. */
};

struct vsi_flows *
vsi_flows_create(struct flow_table *flows, struct profiles *profiles,
                 struct remote_flows *remote, struct meter_table *meters)
{
    struct vsi_flows *vf = xzalloc(sizeof *vf);

    vf->flows = flows;
    vf->profiles = profiles;
    vf->remote = remote;
    vf->meters = meters;
    hmap_init(&vf->vsis);
    hmap_init(&vf->profile_users);
    hmap_init(&vf->pair_users);
    ovs_list_init(&vf->rx_reads);
    return vf;
}

/* Profile users. */

static struct profile_users *
profile_users_find(const struct vsi_flows *vf, const char *name)
{
    struct profile_users *pu;

    HMAP_FOR_EACH_WITH_HASH (pu, node, hash_string(name, 0),
                             &vf->profile_users) {
        if (!strcmp(pu->name, name)) {
            return pu;
        }
    }
    return NULL;
}

static void
profile_users_add(struct vsi_flows *vf, struct binding_record *br)
{
    const char *name = br->profile->name;
    struct profile_users *pu = profile_users_find(vf, name);

    if (!pu) {
        pu = xmalloc(sizeof *pu);
        pu->name = xstrdup(name);
        ovs_list_init(&pu->records);
        hmap_insert(&vf->profile_users, &pu->node, hash_string(name, 0));
    }
    ovs_list_push_back(&pu->records, &br->profile_node);
}

static void
profile_users_remove(struct vsi_flows *vf, struct binding_record *br)
{
    struct profile_users *pu = profile_users_find(vf, br->profile->name);

    ovs_list_remove(&br->profile_node);
    if (ovs_list_is_empty(&pu->records)) {
        hmap_remove(&vf->profile_users, &pu->node);
        free(pu->name);
        free(pu);
    }
}

/* Pair users and the profile of flooded copies. */

static uint32_t
pair_hash(const char *port, uint32_t vnid)
{
    return hash_string(port, vnid);
}

static uint64_t
pair_flood_cookie(const struct pair_users *pu)
{
    uint64_t id = ((uint64_t) hash_string(pu->port, 0) << 24) | pu->vnid;
    return flow_owner_cookie(FLOW_OWNER_VN_PORT_FLOOD, id);
}

static struct pair_users *
pair_users_get(struct vsi_flows *vf, const char *port, uint32_t vnid)
{
    struct pair_users *pu;

    HMAP_FOR_EACH_WITH_HASH (pu, node, pair_hash(port, vnid),
                             &vf->pair_users) {
        if (pu->vnid == vnid && !strcmp(pu->port, port)) {
            return pu;
        }
    }
    pu = xzalloc(sizeof *pu);
    pu->port = xstrdup(port);
    pu->vnid = vnid;
    pu->ofport = OFPP_NONE;
    ovs_list_init(&pu->records);
    hmap_init(&pu->member_profiles);
    hmap_insert(&vf->pair_users, &pu->node, pair_hash(port, vnid));
    return pu;
}

/* Counts 'br', a member of its pair with its profile, once more ('delta'
 * 1) or less (-1). */
static void
pair_users_count(struct binding_record *br, int delta)
{
    struct pair_users *pu = br->pair;
    uint32_t hash = hash_pointer(br->profile, 0);
    struct member_profile *mp;

    if (!br->member) {
        return;
    }
    HMAP_FOR_EACH_WITH_HASH (mp, node, hash, &pu->member_profiles) {
        if (mp->profile == br->profile) {
            break;
        }
    }
    if (delta > 0) {
        if (!mp) {
            mp = xzalloc(sizeof *mp);
            mp->profile = br->profile;
            hmap_insert(&pu->member_profiles, &mp->node, hash);
        }
        mp->n++;
    } else {
        ovs_assert(mp && mp->n);
        if (!--mp->n) {
            hmap_remove(&pu->member_profiles, &mp->node);
            free(mp);
        }
    }
}

/* Puts in 'vf->flows' what a flooded copy to 'pu''s pair gets: the profile
 * that all of its VSIs that receive (the associated ones) share, if they
 * share one, so that its to-vsi ACLs decide whether the pair gets the copy.
 * The copies that the VSIs of a pair receive are one and the same (the TES
 * floods it to them), so that with different profiles, or some VSIs with
 * one and others without, no ACL can be applied to it: the pair gets it.
 * Frees 'pu' if it has no records left. */
static void
pair_users_update(struct vsi_flows *vf, struct pair_users *pu)
{
    uint64_t cookie = pair_flood_cookie(pu);
    const struct profile *shared = NULL;

    flow_table_remove_owner(vf->flows, cookie);
    if (hmap_count(&pu->member_profiles) == 1) {
        const struct member_profile *mp
            = CONTAINER_OF(hmap_first(&pu->member_profiles),
                           struct member_profile, node);
        shared = mp->profile;
    }
    if (ovs_list_is_empty(&pu->records)) {
        ovs_assert(hmap_is_empty(&pu->member_profiles));
        hmap_destroy(&pu->member_profiles);
        hmap_remove(&vf->pair_users, &pu->node);
        free(pu->port);
        free(pu);
        return;
    }
    if (!shared || pu->ofport == OFPP_NONE) {
        return;
    }

    uint64_t stub[64 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    match_init_catchall(&match);
    pipeline_match_vnid(&match, pu->vnid);
    pipeline_match_reg(&match, NVE_MFF_OUT_PORT, ofp_to_u16(pu->ofport));
    pipeline_match_reg(&match, NVE_MFF_DST_PROFILE, 0);
    pipeline_match_flag(&match, NVE_FLAG_FLOOD_BIT, true);
    pipeline_put_load_reg(&ofpacts, NVE_MFF_DST_PROFILE, shared->id);
    pipeline_put_resubmit(&ofpacts, NVE_TABLE_EGRESS_ACL);
    flow_table_add(vf->flows, cookie, NVE_TABLE_EGRESS_ACL,
                   NVE_PRIO_FLOOD_PROFILE, &match,
                   ofpacts.data, ofpacts.size);
    ofpbuf_uninit(&ofpacts);
}

/* Updates the pairs in 'changed', and destroys it. */
static void
pair_users_update_changed(struct vsi_flows *vf, struct hmapx *changed)
{
    struct hmapx_node *node;

    HMAPX_FOR_EACH (node, changed) {
        pair_users_update(vf, node->data);
    }
    hmapx_destroy(changed);
}

/* VSI records. */

static struct vsi_record *
vsi_record_find(const struct vsi_flows *vf, const struct vsi *v)
{
    struct vsi_record *r;

    HMAP_FOR_EACH_WITH_HASH (r, node, hash_pointer(v, 0), &vf->vsis) {
        if (r->vsi == v) {
            return r;
        }
    }
    return NULL;
}

/* Releases what the bindings 'brs[0..n)' hold, and frees them.  Adds the
 * pairs they leave to 'changed'. */
static void
binding_records_release(struct vsi_flows *vf, struct binding_record *brs,
                        size_t n, struct hmapx *changed)
{
    for (size_t i = 0; i < n; i++) {
        struct binding_record *br = &brs[i];

        ovs_list_remove(&br->pair_node);
        pair_users_count(br, -1);
        hmapx_add(changed, br->pair);
        if (br->member) {
            remote_flows_remove_local(vf->remote, br->vnid, br->port);
        }
        if (br->profile) {
            profile_users_remove(vf, br);
            profiles_unref(vf->profiles, br->profile);
        }
        if (br->meter_id) {
            meter_table_remove(vf->meters, br->meter_id);
        }
        free(br->port);
    }
    free(brs);
}

/* Takes the meter of the binding to 'vnid' out of 'brs[0..n)', so that it
 * is not released, and returns it (0 if none). */
static uint32_t
binding_records_take_meter(struct binding_record *brs, size_t n,
                           uint32_t vnid)
{
    for (size_t i = 0; i < n; i++) {
        if (brs[i].vnid == vnid) {
            uint32_t id = brs[i].meter_id;
            brs[i].meter_id = 0;
            return id;
        }
    }
    return 0;
}

static uint64_t
port_vn_id(const char *port, uint32_t vnid)
{
    return ((uint64_t) hash_string(port, 0) << 24) | vnid;
}

/* Flooded frames received.
 *
 * A (port, VN) pair's flow of owner vsi_flows_port_vn_rx_cookie() counts
 * the flooded copies delivered to the pair, once for all of its VSIs.  Each
 * binding that is associated there keeps the value of that counter it
 * started from, taken by a read sent as it became associated (before the
 * bundle that adds the pair to the VN's flooding list, so that nothing is
 * missed); each later read adds what the counter gained since to the rx base
 * of the VSI's cookie (ofctrl_flow_stats_add_base()), which keeps it across
 * restarts, and starts again from there; the last read is sent as the
 * binding stops being associated (before the bundle that takes the pair out
 * of the list).  A VSI's rx counter thus only grows, and stops when it
 * leaves. */

static uint64_t
rx_cookie(const char *port, uint32_t vnid)
{
    return flow_owner_cookie(FLOW_OWNER_VN_PORT_RX, port_vn_id(port, vnid));
}

static struct rx_read *
rx_read_create(struct vsi_flows *vf, const struct vsi *v, uint32_t vnid,
               const char *port)
{
    struct rx_read *rd = xzalloc(sizeof *rd);

    rd->stats = ofctrl_request_flow_stats(rx_cookie(port, vnid));
    rd->number = ++vf->rx_read_number;
    rd->vsi = v;
    rd->vsi_cookie = v->cookie;
    rd->vnid = vnid;
    rd->port = xstrdup(port);
    ovs_list_push_back(&vf->rx_reads, &rd->node);
    if (ofctrl_flow_stats_is_done(rd->stats)) {
        vf->rx_reads_dirty = true;
    }
    return rd;
}

static void
rx_read_destroy(struct rx_read *rd)
{
    ovs_list_remove(&rd->node);
    ofctrl_flow_stats_destroy(rd->stats);
    free(rd->port);
    free(rd);
}

/* Adds to the VSI of 'rd' what its pair's counter gained from 'rx''s start
 * to 'packets' and 'bytes'.  A counter below the start began again (its
 * pair's flows went with its last VSI and came back): what it counted for
 * the VSI since the last read is lost. */
static void
rx_read_absorb(const struct rx_read *rd, const struct flood_rx *rx,
               uint64_t packets, uint64_t bytes)
{
    if (rx->known && packets >= rx->start_packets
        && bytes >= rx->start_bytes) {
        ofctrl_flow_stats_add_base(rd->vsi_cookie, NVE_TABLE_L2_LOOKUP,
                                   packets - rx->start_packets,
                                   bytes - rx->start_bytes);
    }
}

/* Returns the binding among 'brs[0..n)' associated with the (port, VN)
 * pair of 'port' and 'vnid', if any. */
static struct binding_record *
binding_record_find_member(struct binding_record *brs, size_t n,
                           uint32_t vnid, const char *port)
{
    for (size_t i = 0; i < n; i++) {
        struct binding_record *br = &brs[i];
        if (br->member && br->vnid == vnid && !strcmp(br->port, port)) {
            return br;
        }
    }
    return NULL;
}

/* Returns the binding that 'rd' reads for, if it is still associated. */
static struct binding_record *
rx_read_find_binding(const struct vsi_flows *vf, const struct rx_read *rd)
{
    struct vsi_record *r = rd->vsi ? vsi_record_find(vf, rd->vsi) : NULL;

    return (r
            ? binding_record_find_member(r->bindings, r->n_bindings,
                                         rd->vnid, rd->port)
            : NULL);
}

/* Puts the counts of 'rd', done, where they belong. */
static void
rx_read_apply(struct vsi_flows *vf, struct rx_read *rd)
{
    uint64_t packets, bytes;

    rd->applied = true;
    if (!rd->vsi
        || !ofctrl_flow_stats_get(rd->stats, NVE_TABLE_OUTPUT,
                                  &packets, &bytes)) {
        return;
    }
    if (rd->end.seq) {
        rx_read_absorb(rd, &rd->end, packets, bytes);
        return;
    }

    /* A read older than the start has nothing more to say. */
    struct binding_record *br = rx_read_find_binding(vf, rd);
    if (br && br->rx.seq == rd->seq
        && (!br->rx.known || rd->number > br->rx.start_read)) {
        rx_read_absorb(rd, &br->rx, packets, bytes);
        br->rx.known = true;
        br->rx.start_packets = packets;
        br->rx.start_bytes = bytes;
        br->rx.start_read = rd->number;
    }
}

/* Reads the start of binding 'br' of 'v', just associated with its
 * pair. */
static void
rx_start(struct vsi_flows *vf, const struct vsi *v,
         struct binding_record *br)
{
    br->rx = (struct flood_rx) { .seq = ++vf->rx_seq };
    rx_read_create(vf, v, br->vnid, br->port)->seq = br->rx.seq;
}

/* Reads the end of 'br', a binding of 'v' associated with its pair, which
 * stops being associated there. */
static void
rx_end(struct vsi_flows *vf, const struct vsi *v,
       const struct binding_record *br)
{
    if (br->rx.known) {
        rx_read_create(vf, v, br->vnid, br->port)->end = br->rx;
    }
}

/* Forgets 'v' in the reads of its counters: its flows, and the bases of
 * its counters, went. */
static void
rx_reads_forget_vsi(struct vsi_flows *vf, const struct vsi *v)
{
    struct rx_read *rd;

    LIST_FOR_EACH (rd, node, &vf->rx_reads) {
        if (rd->vsi == v) {
            rd->vsi = NULL;
        }
    }
}

/* Applies the reads that are done; frees those that no query owns.  A
 * start that the switch could not report (not connected) is read again.
 *
 * Only when some request became done since the last time: the reads of a
 * burst of associations, or of every VSI restored after a restart, wait
 * together for a few shared requests, over many main loop iterations. */
static void
rx_reads_run(struct vsi_flows *vf)
{
    uint64_t n_done = ofctrl_flow_stats_n_done();
    struct rx_read *rd;

    if (n_done == vf->rx_reads_n_done && !vf->rx_reads_dirty) {
        return;
    }
    vf->rx_reads_n_done = n_done;
    vf->rx_reads_dirty = false;

    LIST_FOR_EACH_SAFE (rd, node, &vf->rx_reads) {
        if (rd->applied || !ofctrl_flow_stats_is_done(rd->stats)) {
            continue;
        }
        rx_read_apply(vf, rd);
        if (rd->owned) {
            continue;
        }

        const struct binding_record *br = (rd->end.seq ? NULL
                                           : rx_read_find_binding(vf, rd));
        if (br && br->rx.seq == rd->seq && !br->rx.known) {
            ofctrl_flow_stats_destroy(rd->stats);
            rd->stats = ofctrl_request_flow_stats(rx_cookie(rd->port,
                                                            rd->vnid));
            rd->number = ++vf->rx_read_number;
            rd->applied = false;
            if (ofctrl_flow_stats_is_done(rd->stats)) {
                vf->rx_reads_dirty = true;
            }
        } else {
            rx_read_destroy(rd);
        }
    }
}

struct vsi_flows_rx_query {
    struct vsi_flows *vf;
    struct rx_read **reads;
    size_t n;
};

struct vsi_flows_rx_query *
vsi_flows_query_rx(struct vsi_flows *vf, const struct vsi *v)
{
    struct vsi_flows_rx_query *q = xzalloc(sizeof *q);
    struct vsi_record *r = vsi_record_find(vf, v);

    q->vf = vf;
    if (r) {
        q->reads = xmalloc(MAX(r->n_bindings, 1) * sizeof *q->reads);
        for (size_t i = 0; i < r->n_bindings; i++) {
            const struct binding_record *br = &r->bindings[i];
            if (br->member) {
                struct rx_read *rd = rx_read_create(vf, v, br->vnid,
                                                    br->port);
                rd->seq = br->rx.seq;
                rd->owned = true;
                q->reads[q->n++] = rd;
            }
        }
    }
    return q;
}

bool
vsi_flows_rx_query_is_done(const struct vsi_flows_rx_query *q)
{
    for (size_t i = 0; i < q->n; i++) {
        if (!ofctrl_flow_stats_is_done(q->reads[i]->stats)) {
            return false;
        }
    }
    return true;
}

void
vsi_flows_rx_query_apply(struct vsi_flows_rx_query *q)
{
    for (size_t i = 0; i < q->n; i++) {
        struct rx_read *rd = q->reads[i];
        if (!rd->applied && ofctrl_flow_stats_is_done(rd->stats)) {
            rx_read_apply(q->vf, rd);
        }
    }
}

void
vsi_flows_rx_query_destroy(struct vsi_flows_rx_query *q)
{
    if (q) {
        for (size_t i = 0; i < q->n; i++) {
            rx_read_destroy(q->reads[i]);
        }
        free(q->reads);
        free(q);
    }
}

/* Flows. */

uint64_t
vsi_flows_port_vn_cookie(const struct vsi_port_vn *pv)
{
    return flow_owner_cookie(FLOW_OWNER_VN_PORT,
                             port_vn_id(pv->port->name, pv->vnid));
}

uint64_t
vsi_flows_port_vn_rx_cookie(const struct vsi_port_vn *pv)
{
    return rx_cookie(pv->port->name, pv->vnid);
}

/* Tags a frame with 'pv''s local VID, and its PCP (if any).  With
 * 'pcp_from_reg', the PCP is instead the one in NVE_MFF_PCP. */
static void
put_push_vid(struct ofpbuf *ofpacts, const struct vsi_port_vn *pv,
             bool pcp_from_reg)
{
    ovs_be16 vid = htons(pv->vid | OFPVID12_PRESENT);

    ofpact_put_PUSH_VLAN(ofpacts)->ethertype = htons(ETH_TYPE_VLAN_8021Q);
    ofpact_put_set_field(ofpacts, mf_from_id(MFF_VLAN_VID), &vid, NULL);
    if (pcp_from_reg) {
        pipeline_put_move(ofpacts, NVE_MFF_PCP, MFF_VLAN_PCP, 3);
    } else if (pv->pcp >= 0) {
        uint8_t pcp = pv->pcp;
        ofpact_put_set_field(ofpacts, mf_from_id(MFF_VLAN_PCP), &pcp, NULL);
    }
}

/* Records in NVE_MFF_PCP the priority that 'pv' assigns to its VSIs'
 * traffic, if any. */
static void
put_set_pcp(struct ofpbuf *ofpacts, const struct vsi_port_vn *pv)
{
    if (pv->pcp >= 0) {
        pipeline_put_load_reg(ofpacts, NVE_MFF_PCP, NVE_PCP_VALID | pv->pcp);
    }
}

/* Records in NVE_MFF_PCP the priority of the traffic of binding 'b': its
 * profile's, which may differ from its (port, VN)'s; a binding with none
 * where the (port, VN) has one sends with priority 0. */
static void
put_set_binding_pcp(struct ofpbuf *ofpacts, const struct vsi_binding *b)
{
    if (b->pcp >= 0 || b->pv->pcp >= 0) {
        pipeline_put_load_reg(ofpacts, NVE_MFF_PCP,
                              NVE_PCP_VALID | MAX(b->pcp, 0));
    }
}

/* Makes the packet come from no port, so that it may be output to the one
 * it came from. */
static void
put_clear_in_port(struct ofpbuf *ofpacts)
{
    ovs_be16 none = htons(0);

    ofpact_put_set_field(ofpacts, mf_from_id(MFF_IN_PORT), &none, NULL);
}

static void
match_pcp_valid(struct match *match)
{
    match_set_reg_masked(match, NVE_MFF_PCP - MFF_REG0, NVE_PCP_VALID,
                         NVE_PCP_VALID);
}

static void
port_vn_add_flows(struct flow_table *flows, const struct vsi_port_vn *pv)
{
    uint64_t cookie = vsi_flows_port_vn_cookie(pv);
    ofp_port_t ofport = pv->port->ofport;
    uint64_t stub[256 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    if (flow_table_has_owner(flows, cookie)) {
        /* Already there, from another VSI of the pair. */
        return;
    }

    /* Passage through the ingress ACL stage of traffic from the port... */
    match_init_catchall(&match);
    pipeline_match_vnid(&match, pv->vnid);
    match_set_in_port(&match, ofport);
    pipeline_put_goto_next(&ofpacts, NVE_TABLE_INGRESS_ACL);
    flow_table_add(flows, cookie, NVE_TABLE_INGRESS_ACL, NVE_PRIO_PASS,
                   &match, ofpacts.data, ofpacts.size);

    /* ...and through QoS, with the NVE's PCP for it. */
    ofpbuf_clear(&ofpacts);
    put_set_pcp(&ofpacts, pv);
    pipeline_put_goto_next(&ofpacts, NVE_TABLE_QOS);
    flow_table_add(flows, cookie, NVE_TABLE_QOS, NVE_PRIO_PASS, &match,
                   ofpacts.data, ofpacts.size);

    /* Passage through the egress ACL stage of traffic to the port. */
    match_init_catchall(&match);
    pipeline_match_vnid(&match, pv->vnid);
    pipeline_match_reg(&match, NVE_MFF_OUT_PORT, ofp_to_u16(ofport));
    ofpbuf_clear(&ofpacts);
    pipeline_put_goto_next(&ofpacts, NVE_TABLE_EGRESS_ACL);
    flow_table_add(flows, cookie, NVE_TABLE_EGRESS_ACL, NVE_PRIO_PASS,
                   &match, ofpacts.data, ofpacts.size);

    /* Output, tagged with the local VID and a PCP: the one the NVE assigned
     * to the sender's traffic, or else the port's own. */
    for (int from_reg = 0; from_reg < 2; from_reg++) {
        struct match out = match;
        if (from_reg) {
            match_pcp_valid(&out);
        }
        ofpbuf_clear(&ofpacts);
        put_push_vid(&ofpacts, pv, from_reg);
        ofpact_put_OUTPUT(&ofpacts)->port = ofport;
        flow_table_add(flows, cookie, NVE_TABLE_OUTPUT,
                       NVE_PRIO_OUTPUT + from_reg, &out,
                       ofpacts.data, ofpacts.size);
    }

    /* Back to the port where the frame came from: a unicast frame goes back
     * out of it (the switch outputs to the ingress port only once the
     * packet's in_port is another), through the output flows above; a
     * flooded copy is dropped, uncounted, since the TES floods locally
     * itself. */
    struct match back = match;
    match_set_in_port(&back, ofport);
    pipeline_match_flag(&back, NVE_FLAG_FLOOD_BIT, false);
    ofpbuf_clear(&ofpacts);
    put_clear_in_port(&ofpacts);
    pipeline_put_resubmit(&ofpacts, NVE_TABLE_OUTPUT);
    flow_table_add(flows, cookie, NVE_TABLE_OUTPUT, NVE_PRIO_OUTPUT_HAIRPIN,
                   &back, ofpacts.data, ofpacts.size);

    back = match;
    match_set_in_port(&back, ofport);
    pipeline_match_flag(&back, NVE_FLAG_FLOOD_BIT, true);
    flow_table_add(flows, cookie, NVE_TABLE_OUTPUT, NVE_PRIO_OUTPUT_HAIRPIN,
                   &back, NULL, 0);

    /* The flooded copies delivered to the pair, counted under a cookie of
     * their own (vsi_flows_port_vn_rx_cookie()) and output by the flows
     * above. */
    uint64_t rx_cookie = vsi_flows_port_vn_rx_cookie(pv);
    struct match flood = match;
    pipeline_match_flag(&flood, NVE_FLAG_FLOOD_BIT, true);
    pipeline_match_flag(&flood, NVE_FLAG_FLOOD_COUNTED_BIT, false);
    ofpbuf_clear(&ofpacts);
    pipeline_put_set_flag(&ofpacts, NVE_FLAG_FLOOD_COUNTED_BIT);
    pipeline_put_resubmit(&ofpacts, NVE_TABLE_OUTPUT);
    flow_table_add(flows, rx_cookie, NVE_TABLE_OUTPUT, NVE_PRIO_OUTPUT_FLOOD,
                   &flood, ofpacts.data, ofpacts.size);

    ofpbuf_uninit(&ofpacts);
}

/* The addresses of one binding, parsed. */
struct binding_addrs {
    ovs_be32 *ip4s;
    size_t n_ip4s;
    struct in6_addr *ip6s;
    size_t n_ip6s;
};

static void
binding_addrs_init(struct binding_addrs *a, const struct vsi_binding *b)
{
    a->ip4s = xmalloc(MAX(b->n_ips, 1) * sizeof *a->ip4s);
    a->ip6s = xmalloc(MAX(b->n_ips, 1) * sizeof *a->ip6s);
    a->n_ip4s = a->n_ip6s = 0;
    for (size_t i = 0; i < b->n_ips; i++) {
        if (ip_parse(b->ips[i], &a->ip4s[a->n_ip4s])) {
            a->n_ip4s++;
        } else if (ipv6_parse(b->ips[i], &a->ip6s[a->n_ip6s])) {
            a->n_ip6s++;
        }
    }
}

static void
binding_addrs_destroy(struct binding_addrs *a)
{
    free(a->ip4s);
    free(a->ip6s);
}

/* What the anti-spoofing flows of one (binding, MAC) share.  The decisions
 * that are the same for every VSI with addresses of the same families are
 * the base pipeline's (pipeline.c); these are the VSI's own. */
struct spoof_ctx {
    struct flow_table *flows;
    uint64_t cookie;
    struct match base;          /* VN, in_port, source MAC. */
    struct ofpbuf *allow;       /* Actions that allow. */
};

static void
spoof_add(const struct spoof_ctx *sc, const struct match *match,
          uint16_t priority)
{
    flow_table_add(sc->flows, sc->cookie, NVE_TABLE_ANTI_SPOOF, priority,
                   match, sc->allow->data, sc->allow->size);
}

/* Adds 'base' restricted to Ethernet type 'dl_type' (and IP protocol
 * 'nw_proto' if nonzero) to 'match'. */
static void
spoof_match(const struct spoof_ctx *sc, struct match *match,
            uint16_t dl_type, uint8_t nw_proto)
{
    *match = sc->base;
    match_set_dl_type(match, htons(dl_type));
    if (nw_proto) {
        match_set_nw_proto(match, nw_proto);
    }
}

/* ARP and IPv4: the sender is one of the VSI's IPv4 addresses, if it has
 * any.  Table 10 put the (MAC, IPv4 address) that an ARP or IPv4 packet
 * claims in registers, so one flow per pair allows both.  A VSI without
 * any address may send from any IPv4 address, but ARP only for its own
 * MAC.  (DHCP, ARP probes and the drops are shared.) */
static void
spoof_add_ipv4(const struct spoof_ctx *sc, struct eth_addr mac,
               const struct binding_addrs *a)
{
    struct match match;

    for (size_t i = 0; i < a->n_ip4s; i++) {
        match = sc->base;
        match_set_xreg(&match, NVE_XREG_CLAIM_MAC, eth_addr_to_uint64(mac));
        pipeline_match_reg(&match, NVE_MFF_CLAIM_IPV4, ntohl(a->ip4s[i]));
        flow_table_add(sc->flows, sc->cookie, NVE_TABLE_IPV4_SOURCE,
                       NVE_PRIO_IPV4_SOURCE, &match,
                       sc->allow->data, sc->allow->size);
    }
    if (!a->n_ip4s && !a->n_ip6s) {
        /* No address: ARP only for its own MAC. */
        spoof_match(sc, &match, ETH_TYPE_ARP, 0);
        match_set_arp_sha(&match, mac);
        spoof_add(sc, &match, NVE_PRIO_SPOOF_L3_ALLOW);
    }
}

/* One neighbour discovery flow of a VSI without address: solicitation
 * (135) or advertisement (136), with the link-layer address option 'lla'
 * (zero: none), for any address. */
static void
spoof_add_nd(const struct spoof_ctx *sc, uint8_t type, struct eth_addr lla)
{
    struct match match;

    spoof_match(sc, &match, ETH_TYPE_IPV6, IPPROTO_ICMPV6);
    match_set_icmp_type(&match, type);
    match_set_icmp_code(&match, 0);
    if (type == 135) {
        match_set_arp_sha(&match, lla);         /* nd_sll */
    } else {
        match_set_arp_tha(&match, lla);         /* nd_tll */
    }
    spoof_add(sc, &match, NVE_PRIO_SPOOF_ND_ALLOW);
}

/* IPv6 and neighbour discovery: the source (of a solicitation too) or the
 * target of an advertisement is one of the VSI's IPv6 addresses or the
 * link-local address made from its MAC, if it has any; neighbour
 * discovery carries its MAC or none.  Table 10 put the (MAC, IPv6 address)
 * that a packet claims in registers, so one flow per pair allows all of
 * them.  A VSI without any address may send from any IPv6 address, but
 * neighbour discovery only for its own MAC.  (Duplicate address detection
 * and the drops are shared.) */
static void
spoof_add_ipv6(const struct spoof_ctx *sc, struct eth_addr mac,
               const struct binding_addrs *a)
{
    if (a->n_ip6s) {
        for (size_t i = 0; i <= a->n_ip6s; i++) {
            struct in6_addr lla;
            const struct in6_addr *addr = &a->ip6s[i];
            if (i == a->n_ip6s) {
                in6_generate_lla(mac, &lla);
                addr = &lla;
            }

            struct match match = sc->base;
            ovs_be128 be;
            memcpy(&be, addr, sizeof be);
            match_set_xreg(&match, NVE_XREG_CLAIM_MAC,
                           eth_addr_to_uint64(mac));
            match_set_xxreg(&match, NVE_XXREG_CLAIM_IPV6, ntoh128(be));
            flow_table_add(sc->flows, sc->cookie, NVE_TABLE_IPV6_SOURCE,
                           NVE_PRIO_IPV6_SOURCE, &match,
                           sc->allow->data, sc->allow->size);
        }
    } else if (!a->n_ip4s) {
        /* No address: neighbour discovery only for its own MAC. */
        spoof_add_nd(sc, 135, mac);
        spoof_add_nd(sc, 135, eth_addr_zero);
        spoof_add_nd(sc, 136, mac);
        spoof_add_nd(sc, 136, eth_addr_zero);
    }
}

/* Appends to 'ofpacts' what classification records for the stages after
 * it about a VSI with addresses 'a' and policy profile 'profile_id': the
 * profile, the address families it has, and its first IPv4 address, which
 * an ARP probe is checked as. */
static void
put_classify_source(struct ofpbuf *ofpacts, const struct binding_addrs *a,
                    uint32_t profile_id)
{
    if (profile_id) {
        pipeline_put_load_reg(ofpacts, NVE_MFF_SRC_PROFILE, profile_id);
    }
    if (a->n_ip4s) {
        pipeline_put_set_flag(ofpacts, NVE_FLAG_SRC_IPV4_BIT);
        pipeline_put_load_reg(ofpacts, NVE_MFF_CLAIM_IPV4,
                              ntohl(a->ip4s[0]));
    }
    if (a->n_ip6s) {
        pipeline_put_set_flag(ofpacts, NVE_FLAG_SRC_IPV6_BIT);
    }
}

/* Delivery to a VSI that "immigrate" pre-associated, whose VM may already
 * run behind its port (its interface is plugged there before the
 * switch-over).  From a tunnel, always: a remote NVE sent it here, and the
 * overlay never sends it on.  From a local VSI, below the mappings of
 * remote VSIs, so that local senders keep reaching the VM where the
 * overlay says it is active until it is activated here, but above
 * flooding, so that without a mapping it reaches the VM rather than the
 * ports that do not have it. */
static void
vsi_add_standby_delivery(struct vsi_flows *vf, const struct vsi *v,
                         const struct vsi_port_vn *pv, struct eth_addr mac,
                         uint32_t profile_id)
{
    uint64_t stub[64 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    pipeline_put_load_reg(&ofpacts, NVE_MFF_OUT_PORT,
                          ofp_to_u16(pv->port->ofport));
    if (profile_id) {
        pipeline_put_load_reg(&ofpacts, NVE_MFF_DST_PROFILE, profile_id);
    }
    pipeline_put_goto_next(&ofpacts, NVE_TABLE_L2_LOOKUP);

    for (int from_tunnel = 0; from_tunnel < 2; from_tunnel++) {
        match_init_catchall(&match);
        pipeline_match_vnid(&match, pv->vnid);
        match_set_dl_dst(&match, mac);
        pipeline_match_flag(&match, NVE_FLAG_FROM_TUNNEL_BIT, from_tunnel);
        flow_table_add(vf->flows, v->cookie, NVE_TABLE_L2_LOOKUP,
                       (from_tunnel ? NVE_PRIO_L2_STANDBY_FROM_TUNNEL
                        : NVE_PRIO_L2_STANDBY),
                       &match, ofpacts.data, ofpacts.size);
    }
    ofpbuf_uninit(&ofpacts);
}

/* The forwarding pointer of an emigrated VSI (see pipeline.h): a frame for
 * 'mac' from a tunnel, not already sent on by another NVE's pointer, is
 * looked up again with the pointer flag instead of the from-tunnel flag,
 * so that the mapping of 'mac', if any, sends it to the NVE where the VM
 * runs now.  Without a mapping, it goes nowhere. */
static void
vsi_add_pointer(struct vsi_flows *vf, const struct vsi *v,
                const struct vsi_port_vn *pv, struct eth_addr mac)
{
    uint64_t stub[64 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    match_init_catchall(&match);
    pipeline_match_vnid(&match, pv->vnid);
    match_set_dl_dst(&match, mac);
    pipeline_match_flag(&match, NVE_FLAG_FROM_TUNNEL_BIT, true);
    pipeline_match_flag(&match, NVE_FLAG_FORWARDED_BIT, false);
    pipeline_put_clear_flag(&ofpacts, NVE_FLAG_FROM_TUNNEL_BIT);
    pipeline_put_set_flag(&ofpacts, NVE_FLAG_POINTER_BIT);
    pipeline_put_resubmit(&ofpacts, NVE_TABLE_L2_LOOKUP);
    flow_table_add(vf->flows, v->cookie, NVE_TABLE_L2_LOOKUP,
                   NVE_PRIO_L2_POINTER, &match, ofpacts.data, ofpacts.size);
    ofpbuf_uninit(&ofpacts);
}

/* Sends up frames from which associated binding 'b' without MACs learns
 * its VM's MACs (vsi_table_learn()): those tagged with its local VID on its
 * port whose source MAC no classification flow knows and, if it has IPs,
 * whose sender is one of them (ARP sender or IPv4 source, IPv6 source), so
 * that a frame from another address does not even reach the controller.
 * The switch's packet-in queue and the controller's (ofctrl-packet.c) are
 * bounded; once a MAC is learned, its own classification flow takes its
 * frames. */
static void
vsi_add_learn_flows(struct vsi_flows *vf, const struct vsi *v,
                    const struct vsi_binding *b,
                    const struct binding_addrs *a)
{
    const struct vsi_port_vn *pv = b->pv;
    uint64_t stub[64 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct ofpact_output *output = ofpact_put_OUTPUT(&ofpacts);
    struct match base, match;

    output->port = OFPP_CONTROLLER;
    output->max_len = UINT16_MAX;

    match_init_catchall(&base);
    match_set_in_port(&base, pv->port->ofport);
    match_set_dl_vlan(&base, htons(pv->vid), 0);

    if (!b->n_ips) {
        flow_table_add(vf->flows, v->cookie, NVE_TABLE_CLASSIFY,
                       NVE_PRIO_CLASSIFY_LEARN, &base,
                       ofpacts.data, ofpacts.size);
    }
    for (size_t i = 0; i < a->n_ip4s; i++) {
        static const uint16_t types[] = { ETH_TYPE_IP, ETH_TYPE_ARP };
        for (size_t k = 0; k < ARRAY_SIZE(types); k++) {
            match = base;
            match_set_dl_type(&match, htons(types[k]));
            match_set_nw_src(&match, a->ip4s[i]);
            flow_table_add(vf->flows, v->cookie, NVE_TABLE_CLASSIFY,
                           NVE_PRIO_CLASSIFY_LEARN_IP, &match,
                           ofpacts.data, ofpacts.size);
        }
    }
    for (size_t i = 0; i < a->n_ip6s; i++) {
        match = base;
        match_set_dl_type(&match, htons(ETH_TYPE_IPV6));
        match_set_ipv6_src(&match, &a->ip6s[i]);
        flow_table_add(vf->flows, v->cookie, NVE_TABLE_CLASSIFY,
                       NVE_PRIO_CLASSIFY_LEARN_IP, &match,
                       ofpacts.data, ofpacts.size);
    }
    ofpbuf_uninit(&ofpacts);
}

static void
vsi_add_binding_flows(struct vsi_flows *vf, const struct vsi *v,
                      const struct vsi_binding *b,
                      const struct binding_record *br)
{
    const struct vsi_port_vn *pv = b->pv;
    ofp_port_t ofport = pv->port->ofport;
    bool active = vsi_state_is_active(v->state);
    uint32_t profile_id = br->profile ? br->profile->id : 0;
    uint64_t stub[256 / 8], allow_stub[64 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct ofpbuf allow = OFPBUF_STUB_INITIALIZER(allow_stub);
    struct binding_addrs addrs;
    struct match match;

    binding_addrs_init(&addrs, b);
    pipeline_put_goto(&allow, NVE_TABLE_INGRESS_ACL);

    for (size_t k = 0; k < b->n_macs + b->n_learned; k++) {
        struct eth_addr mac = (k < b->n_macs ? b->macs[k]
                               : b->learned[k - b->n_macs]);

        /* Classification: into the VN while associated; to the
         * controller while pre-associated by "immigrate", since the VM's
         * first frame here activates it (migration.c); else dropped. */
        match_init_catchall(&match);
        match_set_in_port(&match, ofport);
        match_set_dl_vlan(&match, htons(pv->vid), 0);
        match_set_dl_src(&match, mac);
        ofpbuf_clear(&ofpacts);
        if (active) {
            ofpact_put_STRIP_VLAN(&ofpacts);
            pipeline_put_set_vnid(&ofpacts, pv->vnid);
            put_classify_source(&ofpacts, &addrs, profile_id);
            pipeline_put_goto_next(&ofpacts, NVE_TABLE_CLASSIFY);
        } else if (vsi_awaits_first_frame(v)) {
            struct ofpact_output *output = ofpact_put_OUTPUT(&ofpacts);
            output->port = OFPP_CONTROLLER;
            output->max_len = UINT16_MAX;
        }
        flow_table_add(vf->flows, v->cookie, NVE_TABLE_CLASSIFY,
                       NVE_PRIO_CLASSIFY, &match,
                       ofpacts.data, ofpacts.size);

        /* Anti-spoofing. */
        struct spoof_ctx sc = {
            .flows = vf->flows,
            .cookie = v->cookie,
            .allow = &allow,
        };
        match_init_catchall(&sc.base);
        pipeline_match_vnid(&sc.base, pv->vnid);
        match_set_in_port(&sc.base, ofport);
        match_set_dl_src(&sc.base, mac);
        spoof_add_ipv4(&sc, mac, &addrs);
        spoof_add_ipv6(&sc, mac, &addrs);

        /* Rate limit, and the VSI's own PCP where its profile gives it
         * another than the (port, VN)'s. */
        if (br->meter_id || b->pcp != pv->pcp) {
            ofpbuf_clear(&ofpacts);
            if (br->meter_id) {
                ofpact_put_METER(&ofpacts)->meter_id = br->meter_id;
            }
            put_set_binding_pcp(&ofpacts, b);
            pipeline_put_goto_next(&ofpacts, NVE_TABLE_QOS);
            flow_table_add(vf->flows, v->cookie, NVE_TABLE_QOS,
                           NVE_PRIO_QOS_VSI, &sc.base,
                           ofpacts.data, ofpacts.size);
        }

        /* Delivery: to the VSI while associated, nowhere while
         * suspended. */
        if (active || v->state == VSI_SUSPENDED) {
            match_init_catchall(&match);
            pipeline_match_vnid(&match, pv->vnid);
            match_set_dl_dst(&match, mac);
            ofpbuf_clear(&ofpacts);
            if (active) {
                pipeline_put_load_reg(&ofpacts, NVE_MFF_OUT_PORT,
                                      ofp_to_u16(ofport));
                if (profile_id) {
                    pipeline_put_load_reg(&ofpacts, NVE_MFF_DST_PROFILE,
                                          profile_id);
                }
                pipeline_put_goto_next(&ofpacts, NVE_TABLE_L2_LOOKUP);
            }
            flow_table_add(vf->flows, v->cookie, NVE_TABLE_L2_LOOKUP,
                           NVE_PRIO_L2_LOCAL, &match,
                           ofpacts.data, ofpacts.size);
        } else if (vsi_awaits_first_frame(v)) {
            vsi_add_standby_delivery(vf, v, pv, mac, profile_id);
        } else if (v->state == VSI_EMIGRATING && v->pointer_until) {
            vsi_add_pointer(vf, v, pv, mac);
        }
    }

    if (active && vsi_binding_learns(b)) {
        vsi_add_learn_flows(vf, v, b, &addrs);
    }

    binding_addrs_destroy(&addrs);
    ofpbuf_uninit(&allow);
    ofpbuf_uninit(&ofpacts);
}

void
vsi_flows_remove_vsi(struct vsi_flows *vf, const struct vsi *v)
{
    struct vsi_record *r = vsi_record_find(vf, v);

    flow_table_remove_owner(vf->flows, v->cookie);
    rx_reads_forget_vsi(vf, v);
    if (r) {
        struct hmapx changed = HMAPX_INITIALIZER(&changed);
        binding_records_release(vf, r->bindings, r->n_bindings, &changed);
        hmap_remove(&vf->vsis, &r->node);
        free(r);
        pair_users_update_changed(vf, &changed);
    }
}

void
vsi_flows_remove_port_vn(struct vsi_flows *vf, const struct vsi_port_vn *pv)
{
    flow_table_remove_owner(vf->flows, vsi_flows_port_vn_cookie(pv));
    flow_table_remove_owner(vf->flows, vsi_flows_port_vn_rx_cookie(pv));
}

void
vsi_flows_update_vsi(struct vsi_flows *vf, const struct vsi *v)
{
    if (v->state == VSI_ABSENT || !v->port
        || v->port->ofport == OFPP_NONE) {
        vsi_flows_remove_vsi(vf, v);
        return;
    }

    struct vsi_record *r = vsi_record_find(vf, v);
    if (!r) {
        r = xzalloc(sizeof *r);
        r->vsi = v;
        hmap_insert(&vf->vsis, &r->node, hash_pointer(v, 0));
    }

    /* The new references first, then the old ones released, so that
     * nothing that stays in use is freed in between. */
    struct hmapx changed = HMAPX_INITIALIZER(&changed);
    struct binding_record *old = r->bindings;
    size_t n_old = r->n_bindings;
    r->bindings = xcalloc(MAX(v->n_bindings, 1), sizeof *r->bindings);
    r->n_bindings = v->n_bindings;
    for (size_t i = 0; i < v->n_bindings; i++) {
        const struct vsi_binding *b = &v->bindings[i];
        struct binding_record *br = &r->bindings[i];

        br->vsi = r;
        br->vnid = b->pv->vnid;
        br->port = xstrdup(v->port->name);
        br->member = vsi_state_is_active(v->state);
        if (br->member) {
            const struct binding_record *was
                = binding_record_find_member(old, n_old, br->vnid, br->port);
            if (was) {
                br->rx = was->rx;
            } else {
                rx_start(vf, v, br);
            }
        }
        br->pair = pair_users_get(vf, v->port->name, br->vnid);
        br->pair->ofport = v->port->ofport;
        ovs_list_push_back(&br->pair->records, &br->pair_node);
        hmapx_add(&changed, br->pair);
        if (br->member) {
            remote_flows_add_local(vf->remote, br->vnid, br->port,
                                   v->port->ofport);
        }
        if (b->profile) {
            br->profile = profiles_ref(vf->profiles, b->profile);
            profile_users_add(vf, br);
        }
        pair_users_count(br, 1);

        /* The meter, under the id that the binding holds. */
        uint32_t meter_id = binding_records_take_meter(old, n_old,
                                                       br->vnid);
        if (br->profile && br->profile->rate_kbps && b->meter_id) {
            struct meter_config mc = {
                .kbps = br->profile->rate_kbps,
                .burst_kb = br->profile->burst_kb,
            };
            if (meter_id == b->meter_id) {
                meter_table_modify(vf->meters, meter_id, &mc);
            } else {
                if (meter_id) {
                    meter_table_remove(vf->meters, meter_id);
                }
                meter_id = b->meter_id;
                meter_table_add(vf->meters, meter_id, &mc);
            }
        } else if (meter_id) {
            meter_table_remove(vf->meters, meter_id);
            meter_id = 0;
        }
        br->meter_id = meter_id;
    }
    for (size_t i = 0; i < n_old; i++) {
        if (old[i].member
            && !binding_record_find_member(r->bindings, r->n_bindings,
                                           old[i].vnid, old[i].port)) {
            rx_end(vf, v, &old[i]);
        }
    }
    binding_records_release(vf, old, n_old, &changed);
    pair_users_update_changed(vf, &changed);

    flow_table_remove_owner(vf->flows, v->cookie);
    for (size_t i = 0; i < v->n_bindings; i++) {
        port_vn_add_flows(vf->flows, v->bindings[i].pv);
        vsi_add_binding_flows(vf, v, &v->bindings[i], &r->bindings[i]);
    }
}

void
vsi_flows_run(struct vsi_flows *vf)
{
    const struct sset *changed = profiles_rate_changed(vf->profiles);
    const char *name;

    rx_reads_run(vf);

    if (sset_is_empty(changed)) {
        return;
    }

    /* Updating a VSI rebuilds the lists: collect the VSIs first. */
    struct hmapx vsis = HMAPX_INITIALIZER(&vsis);
    SSET_FOR_EACH (name, changed) {
        const struct profile_users *pu = profile_users_find(vf, name);
        if (pu) {
            const struct binding_record *br;
            LIST_FOR_EACH (br, profile_node, &pu->records) {
                hmapx_add(&vsis, CONST_CAST(struct vsi *, br->vsi->vsi));
            }
        }
    }

    struct hmapx_node *node;
    HMAPX_FOR_EACH (node, &vsis) {
        vsi_flows_update_vsi(vf, node->data);
    }
    hmapx_destroy(&vsis);
}

void
vsi_flows_destroy(struct vsi_flows *vf)
{
    if (!vf) {
        return;
    }

    struct vsi_record *r;
    HMAP_FOR_EACH_POP (r, node, &vf->vsis) {
        for (size_t i = 0; i < r->n_bindings; i++) {
            free(r->bindings[i].port);
        }
        free(r->bindings);
        free(r);
    }
    hmap_destroy(&vf->vsis);

    struct profile_users *pu;
    HMAP_FOR_EACH_POP (pu, node, &vf->profile_users) {
        free(pu->name);
        free(pu);
    }
    hmap_destroy(&vf->profile_users);

    struct pair_users *pair;
    HMAP_FOR_EACH_POP (pair, node, &vf->pair_users) {
        struct member_profile *mp;
        HMAP_FOR_EACH_POP (mp, node, &pair->member_profiles) {
            free(mp);
        }
        hmap_destroy(&pair->member_profiles);
        free(pair->port);
        free(pair);
    }
    hmap_destroy(&vf->pair_users);

    /* The reads that queries own are theirs to free. */
    struct rx_read *rd;
    LIST_FOR_EACH_SAFE (rd, node, &vf->rx_reads) {
        if (rd->owned) {
            ovs_list_remove(&rd->node);
            ovs_list_init(&rd->node);
            rd->vsi = NULL;
        } else {
            rx_read_destroy(rd);
        }
    }
    free(vf);
}
