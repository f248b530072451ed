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

/* The OpenFlow pipeline of the integration bridge (pipeline.h): the names
 * and order of its tables, the building blocks of matches and actions that
 * the modules adding flows share (flags, VNID, registers, moves, the way to
 * the next stage), and the base flows, which nve-controller adds once at
 * start-up: a drop at the end of every stage, the passage of packets from
 * remote NVEs through the stages that only concern local VSIs, and the
 * anti-spoofing decisions shared by every local VSI. */

#include <config.h>
#include "pipeline.h"

#include <string.h>
#include "byte-order.h"
#include "flow-table.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/util.h"
#include "packets.h"
#include "util.h"

struct pipeline_table {
    enum nve_table table_id;
    const char *name;
};

static const struct pipeline_table pipeline_tables[] = {
#define NVE_TABLE(ENUM, NUMBER, NAME) { NVE_TABLE_##ENUM, NAME },
    NVE_TABLES
#undef NVE_TABLE
};

/* The ingress stages that only concern packets from local VSIs, which a
 * packet from a remote NVE passes (ipv4_source and ipv6_source are only
 * reached from anti_spoof, so it skips them). */
static const struct {
    enum nve_table table;
    enum nve_table next;
} vsi_only_tables[] = {
    { NVE_TABLE_ANTI_SPOOF, NVE_TABLE_INGRESS_ACL },
    { NVE_TABLE_INGRESS_ACL, NVE_TABLE_QOS },
    { NVE_TABLE_QOS, NVE_TABLE_L2_LOOKUP },
};

static const struct pipeline_table *
pipeline_table_lookup(uint8_t table_id)
{
    for (size_t i = 0; i < ARRAY_SIZE(pipeline_tables); i++) {
        if (pipeline_tables[i].table_id == table_id) {
            return &pipeline_tables[i];
        }
    }
    return NULL;
}

/* Returns the name of OpenFlow table 'table_id' in the pipeline, or NULL if
 * the pipeline has no such table. */
const char *
pipeline_table_name(uint8_t table_id)
{
    const struct pipeline_table *t = pipeline_table_lookup(table_id);
    return t ? t->name : NULL;
}

/* Parses 's', a table name of the pipeline or an OpenFlow table number
 * (0 to 254), into '*table_id'.  Returns true if successful. */
bool
pipeline_table_from_string(const char *s, uint8_t *table_id)
{
    for (size_t i = 0; i < ARRAY_SIZE(pipeline_tables); i++) {
        if (!strcmp(s, pipeline_tables[i].name)) {
            *table_id = pipeline_tables[i].table_id;
            return true;
        }
    }

    unsigned int n;
    if (str_to_uint(s, 10, &n) && n < 255) {
        *table_id = n;
        return true;
    }
    return false;
}

/* Returns the stage that follows 'current', which must not be the last. */
enum nve_table
pipeline_next_table(enum nve_table current)
{
    for (size_t i = 0; i + 1 < ARRAY_SIZE(pipeline_tables); i++) {
        if (pipeline_tables[i].table_id == current) {
            return pipeline_tables[i + 1].table_id;
        }
    }
    OVS_NOT_REACHED();
}

/* Makes 'match' match packets whose flag 'flag_bit' is 'value', in addition
 * to the flags it already matches. */
void
pipeline_match_flag(struct match *match, int flag_bit, bool value)
{
    unsigned int idx = NVE_MFF_FLAGS - MFF_REG0;
    uint32_t bit = UINT32_C(1) << flag_bit;
    uint32_t mask = match->wc.masks.regs[idx] | bit;
    uint32_t flags = (match->flow.regs[idx] & ~bit) | (value ? bit : 0);

    match_set_reg_masked(match, idx, flags & mask, mask);
}

/* Makes 'match' match packets of the VN with 'vnid'. */
void
pipeline_match_vnid(struct match *match, uint32_t vnid)
{
    match_set_metadata(match, htonll(vnid));
}

/* Makes 'match' match packets whose register 'reg' (MFF_REG0...MFF_REG15)
 * is 'value'. */
void
pipeline_match_reg(struct match *match, enum mf_field_id reg, uint32_t value)
{
    match_set_reg(match, reg - MFF_REG0, value);
}

/* Appends to 'ofpacts' an action that sets flag 'flag_bit'. */
void
pipeline_put_set_flag(struct ofpbuf *ofpacts, int flag_bit)
{
    const struct mf_field *field = mf_from_id(NVE_MFF_FLAGS);
    ovs_be32 bit = htonl(UINT32_C(1) << flag_bit);

    ofpact_put_set_field(ofpacts, field, &bit, &bit);
}

/* Appends to 'ofpacts' an action that clears flag 'flag_bit'. */
void
pipeline_put_clear_flag(struct ofpbuf *ofpacts, int flag_bit)
{
    const struct mf_field *field = mf_from_id(NVE_MFF_FLAGS);
    ovs_be32 bit = htonl(UINT32_C(1) << flag_bit);
    ovs_be32 zero = htonl(0);

    ofpact_put_set_field(ofpacts, field, &zero, &bit);
}

/* Appends to 'ofpacts' an action that sets the packet's VN to 'vnid'. */
void
pipeline_put_set_vnid(struct ofpbuf *ofpacts, uint32_t vnid)
{
    ovs_be64 value = htonll(vnid);

    ofpact_put_set_field(ofpacts, mf_from_id(NVE_MFF_VNID), &value, NULL);
}

/* Appends to 'ofpacts' an action that sets register 'reg' (MFF_REG0...
 * MFF_REG15) to 'value'. */
void
pipeline_put_load_reg(struct ofpbuf *ofpacts, enum mf_field_id reg,
                      uint32_t value)
{
    ovs_be32 be = htonl(value);

    ofpact_put_set_field(ofpacts, mf_from_id(reg), &be, NULL);
}

/* Appends to 'ofpacts' an action that copies the low 'n_bits' bits of field
 * 'src' into the low 'n_bits' bits of field 'dst'. */
void
pipeline_put_move(struct ofpbuf *ofpacts, enum mf_field_id src,
                  enum mf_field_id dst, int n_bits)
{
    struct ofpact_reg_move *move = ofpact_put_REG_MOVE(ofpacts);

    move->src = (struct mf_subfield) {
        .field = mf_from_id(src), .ofs = 0, .n_bits = n_bits,
    };
    move->dst = (struct mf_subfield) {
        .field = mf_from_id(dst), .ofs = 0, .n_bits = n_bits,
    };
}

/* Appends to 'ofpacts' an action that copies the VNI of the tunnel header
 * into the VNID, for a packet received from a remote NVE. */
void
pipeline_put_vnid_from_tun_id(struct ofpbuf *ofpacts)
{
    pipeline_put_move(ofpacts, MFF_TUN_ID, NVE_MFF_VNID, NVE_VNID_BITS);
}

/* Appends to 'ofpacts' an action that copies the VNID into the VNI of the
 * tunnel header, for a packet to a remote NVE. */
void
pipeline_put_vnid_to_tun_id(struct ofpbuf *ofpacts)
{
    pipeline_put_move(ofpacts, NVE_MFF_VNID, MFF_TUN_ID, NVE_VNID_BITS);
}

/* Appends to 'ofpacts' an action that runs the packet through 'table' and
 * comes back, for replication. */
void
pipeline_put_resubmit(struct ofpbuf *ofpacts, enum nve_table table)
{
    struct ofpact_resubmit *resubmit = ofpact_put_RESUBMIT(ofpacts);

    resubmit->in_port = OFPP_IN_PORT;
    resubmit->table_id = table;
}

/* Appends to 'ofpacts' the instruction that sends the packet on to the stage
 * after 'current'.  It must be the last action. */
void
pipeline_put_goto_next(struct ofpbuf *ofpacts, enum nve_table current)
{
    ofpact_put_GOTO_TABLE(ofpacts)->table_id = pipeline_next_table(current);
}

/* Appends to 'ofpacts' the instruction that sends the packet on to stage
 * 'table'.  It must be the last action. */
void
pipeline_put_goto(struct ofpbuf *ofpacts, enum nve_table table)
{
    ofpact_put_GOTO_TABLE(ofpacts)->table_id = table;
}

/* Makes 'match' match packets from a local VSI (not from a tunnel) whose
 * IPv4 and IPv6 family flags are 'ipv4' and 'ipv6', each 0, 1, or -1 for
 * either. */
static void
match_local_families(struct match *match, int ipv4, int ipv6)
{
    pipeline_match_flag(match, NVE_FLAG_FROM_TUNNEL_BIT, false);
    if (ipv4 >= 0) {
        pipeline_match_flag(match, NVE_FLAG_SRC_IPV4_BIT, ipv4);
    }
    if (ipv6 >= 0) {
        pipeline_match_flag(match, NVE_FLAG_SRC_IPV6_BIT, ipv6);
    }
}

/* The anti-spoofing flows that are the same for every VSI whose addresses
 * are of the same families (see pipeline.h); vsi-flows.c adds, per VSI, the
 * pairs of addresses that are its own. */
static void
pipeline_add_anti_spoof_flows(struct flow_table *flows, uint64_t cookie)
{
    uint64_t stub[256 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    /* From a VSI with IPv4 addresses: ARP and IPv4 go to ipv4_source with
     * the pair they claim, ... */
    match_init_catchall(&match);
    match_local_families(&match, 1, -1);
    match_set_dl_type(&match, htons(ETH_TYPE_ARP));
    pipeline_put_move(&ofpacts, MFF_ARP_SPA, NVE_MFF_CLAIM_IPV4, 32);
    pipeline_put_move(&ofpacts, MFF_ARP_SHA, NVE_MFF_CLAIM_MAC, 48);
    pipeline_put_goto(&ofpacts, NVE_TABLE_IPV4_SOURCE);
    flow_table_add(flows, cookie, NVE_TABLE_ANTI_SPOOF,
                   NVE_PRIO_SPOOF_L3_ALLOW, &match,
                   ofpacts.data, ofpacts.size);

    match_init_catchall(&match);
    match_local_families(&match, 1, -1);
    match_set_dl_type(&match, htons(ETH_TYPE_IP));
    ofpbuf_clear(&ofpacts);
    pipeline_put_move(&ofpacts, MFF_IPV4_SRC, NVE_MFF_CLAIM_IPV4, 32);
    pipeline_put_move(&ofpacts, MFF_ETH_SRC, NVE_MFF_CLAIM_MAC, 48);
    pipeline_put_goto(&ofpacts, NVE_TABLE_IPV4_SOURCE);
    flow_table_add(flows, cookie, NVE_TABLE_ANTI_SPOOF,
                   NVE_PRIO_SPOOF_L3_ALLOW, &match,
                   ofpacts.data, ofpacts.size);

    /* ...an ARP probe (RFC 5227), which claims no address, with the VSI's
     * first IPv4 address, which table 0 loaded: so its sender MAC must be
     * the VSI's... */
    match_init_catchall(&match);
    match_local_families(&match, 1, -1);
    match_set_dl_type(&match, htons(ETH_TYPE_ARP));
    match_set_nw_src(&match, htonl(0));
    ofpbuf_clear(&ofpacts);
    pipeline_put_move(&ofpacts, MFF_ARP_SHA, NVE_MFF_CLAIM_MAC, 48);
    pipeline_put_goto(&ofpacts, NVE_TABLE_IPV4_SOURCE);
    flow_table_add(flows, cookie, NVE_TABLE_ANTI_SPOOF,
                   NVE_PRIO_SPOOF_L3_SPECIAL, &match,
                   ofpacts.data, ofpacts.size);

    /* ...and DHCP, to get or renew an address, is allowed. */
    match_init_catchall(&match);
    match_local_families(&match, 1, -1);
    match_set_dl_type(&match, htons(ETH_TYPE_IP));
    match_set_nw_proto(&match, IPPROTO_UDP);
    match_set_nw_src(&match, htonl(0));
    match_set_nw_dst(&match, htonl(UINT32_MAX));
    match_set_tp_src(&match, htons(68));
    match_set_tp_dst(&match, htons(67));
    ofpbuf_clear(&ofpacts);
    pipeline_put_goto(&ofpacts, NVE_TABLE_INGRESS_ACL);
    flow_table_add(flows, cookie, NVE_TABLE_ANTI_SPOOF,
                   NVE_PRIO_SPOOF_L3_SPECIAL, &match,
                   ofpacts.data, ofpacts.size);

    /* From a VSI with IPv6 addresses: IPv6 goes to ipv6_source with the
     * pair it claims... */
    match_init_catchall(&match);
    match_local_families(&match, -1, 1);
    match_set_dl_type(&match, htons(ETH_TYPE_IPV6));
    ofpbuf_clear(&ofpacts);
    pipeline_put_move(&ofpacts, MFF_IPV6_SRC, NVE_MFF_CLAIM_IPV6, 128);
    pipeline_put_move(&ofpacts, MFF_ETH_SRC, NVE_MFF_CLAIM_MAC, 48);
    pipeline_put_goto(&ofpacts, NVE_TABLE_IPV6_SOURCE);
    flow_table_add(flows, cookie, NVE_TABLE_ANTI_SPOOF,
                   NVE_PRIO_SPOOF_L3_ALLOW, &match,
                   ofpacts.data, ofpacts.size);

    /* ...so does neighbour discovery, with the address it speaks for (a
     * solicitation's source, an advertisement's target) and the MAC it
     * carries, or else the Ethernet source... */
    for (uint8_t type = 135; type <= 136; type++) {
        enum mf_field_id addr = type == 135 ? MFF_IPV6_SRC : MFF_ND_TARGET;
        enum mf_field_id lla = type == 135 ? MFF_ND_SLL : MFF_ND_TLL;

        for (int with_lla = 0; with_lla < 2; with_lla++) {
            match_init_catchall(&match);
            match_local_families(&match, -1, 1);
            match_set_dl_type(&match, htons(ETH_TYPE_IPV6));
            match_set_nw_proto(&match, IPPROTO_ICMPV6);
            match_set_icmp_type(&match, type);
            match_set_icmp_code(&match, 0);
            if (!with_lla) {
                if (type == 135) {
                    match_set_arp_sha(&match, eth_addr_zero);   /* nd_sll */
                } else {
                    match_set_arp_tha(&match, eth_addr_zero);   /* nd_tll */
                }
            }
            ofpbuf_clear(&ofpacts);
            pipeline_put_move(&ofpacts, addr, NVE_MFF_CLAIM_IPV6, 128);
            pipeline_put_move(&ofpacts, with_lla ? lla : MFF_ETH_SRC,
                              NVE_MFF_CLAIM_MAC, 48);
            pipeline_put_goto(&ofpacts, NVE_TABLE_IPV6_SOURCE);
            flow_table_add(flows, cookie, NVE_TABLE_ANTI_SPOOF,
                           (with_lla ? NVE_PRIO_SPOOF_ND_ALLOW
                            : NVE_PRIO_SPOOF_ND_NO_LLA), &match,
                           ofpacts.data, ofpacts.size);
        }
    }

    /* ...and duplicate address detection, solicitations from :: without
     * link-layer address and the multicast listener reports that go with
     * them, is allowed. */
    match_init_catchall(&match);
    match_local_families(&match, -1, 1);
    match_set_dl_type(&match, htons(ETH_TYPE_IPV6));
    match_set_nw_proto(&match, IPPROTO_ICMPV6);
    match_set_icmp_type(&match, 135);
    match_set_icmp_code(&match, 0);
    match_set_arp_sha(&match, eth_addr_zero);
    match_set_ipv6_src(&match, &in6addr_any);
    ofpbuf_clear(&ofpacts);
    pipeline_put_goto(&ofpacts, NVE_TABLE_INGRESS_ACL);
    flow_table_add(flows, cookie, NVE_TABLE_ANTI_SPOOF,
                   NVE_PRIO_SPOOF_ND_DAD, &match,
                   ofpacts.data, ofpacts.size);

    match_init_catchall(&match);
    match_local_families(&match, -1, 1);
    match_set_dl_type(&match, htons(ETH_TYPE_IPV6));
    match_set_nw_proto(&match, IPPROTO_ICMPV6);
    match_set_ipv6_src(&match, &in6addr_any);
    struct in6_addr ff02 = { { { 0xff, 0x02 } } };
    struct in6_addr ff02_mask = { { { 0xff, 0xff } } };
    match_set_ipv6_dst_masked(&match, &ff02, &ff02_mask);
    ofpbuf_clear(&ofpacts);
    pipeline_put_goto(&ofpacts, NVE_TABLE_INGRESS_ACL);
    flow_table_add(flows, cookie, NVE_TABLE_ANTI_SPOOF,
                   NVE_PRIO_SPOOF_L3_SPECIAL, &match,
                   ofpacts.data, ofpacts.size);

    /* From a VSI without any address, neighbour discovery that does not
     * carry its MAC (its own flows allow that) is dropped. */
    for (uint8_t type = 135; type <= 136; type++) {
        match_init_catchall(&match);
        match_local_families(&match, 0, 0);
        match_set_dl_type(&match, htons(ETH_TYPE_IPV6));
        match_set_nw_proto(&match, IPPROTO_ICMPV6);
        match_set_icmp_type(&match, type);
        match_set_icmp_code(&match, 0);
        flow_table_add(flows, cookie, NVE_TABLE_ANTI_SPOOF,
                       NVE_PRIO_SPOOF_ND_DROP, &match, NULL, 0);
    }

    /* ARP that no flow above or VSI's flow allowed is dropped (from a VSI
     * without address, ARP that does not carry its MAC); so are IPv4 from
     * a VSI with IPv6 addresses only and IPv6 from a VSI with IPv4
     * addresses only. */
    match_init_catchall(&match);
    match_local_families(&match, -1, -1);
    match_set_dl_type(&match, htons(ETH_TYPE_ARP));
    flow_table_add(flows, cookie, NVE_TABLE_ANTI_SPOOF,
                   NVE_PRIO_SPOOF_L3_DROP, &match, NULL, 0);

    match_init_catchall(&match);
    match_local_families(&match, 0, 1);
    match_set_dl_type(&match, htons(ETH_TYPE_IP));
    flow_table_add(flows, cookie, NVE_TABLE_ANTI_SPOOF,
                   NVE_PRIO_SPOOF_L3_DROP, &match, NULL, 0);

    match_init_catchall(&match);
    match_local_families(&match, 1, 0);
    match_set_dl_type(&match, htons(ETH_TYPE_IPV6));
    flow_table_add(flows, cookie, NVE_TABLE_ANTI_SPOOF,
                   NVE_PRIO_SPOOF_L3_DROP, &match, NULL, 0);

    /* Whatever else a VSI sends is allowed: table 0 classified it by its
     * source MAC. */
    match_init_catchall(&match);
    match_local_families(&match, -1, -1);
    ofpbuf_clear(&ofpacts);
    pipeline_put_goto(&ofpacts, NVE_TABLE_INGRESS_ACL);
    flow_table_add(flows, cookie, NVE_TABLE_ANTI_SPOOF,
                   NVE_PRIO_SPOOF_MAC_ALLOW, &match,
                   ofpacts.data, ofpacts.size);

    ofpbuf_uninit(&ofpacts);
}

/* The base flows of forwarding pointers (see pipeline.h), with 'cookie':
 * a frame so marked by a remote NVE loses its mark and gets the forwarded
 * flag; a frame that a pointer here sends on goes nowhere if no mapping
 * sends it to a tunnel, and out of the tunnel with the mark if one does. */
static void
pipeline_add_pointer_flows(struct flow_table *flows, uint64_t cookie)
{
    ovs_be16 vid = htons(NVE_POINTER_VID | OFPVID12_PRESENT);
    uint64_t stub[256 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    match_init_catchall(&match);
    pipeline_match_flag(&match, NVE_FLAG_FROM_TUNNEL_BIT, true);
    match_set_dl_vlan(&match, htons(NVE_POINTER_VID), 0);
    ofpact_put_STRIP_VLAN(&ofpacts);
    pipeline_put_set_flag(&ofpacts, NVE_FLAG_FORWARDED_BIT);
    pipeline_put_goto(&ofpacts, NVE_TABLE_INGRESS_ACL);
    flow_table_add(flows, cookie, NVE_TABLE_ANTI_SPOOF,
                   NVE_PRIO_POINTER_UNMARK, &match,
                   ofpacts.data, ofpacts.size);

    match_init_catchall(&match);
    pipeline_match_flag(&match, NVE_FLAG_POINTER_BIT, true);
    flow_table_add(flows, cookie, NVE_TABLE_L2_LOOKUP,
                   NVE_PRIO_POINTER_NOWHERE, &match, NULL, 0);

    ofpbuf_clear(&ofpacts);
    ofpact_put_PUSH_VLAN(&ofpacts)->ethertype = htons(ETH_TYPE_VLAN_8021Q);
    ofpact_put_set_field(&ofpacts, mf_from_id(MFF_VLAN_VID), &vid, NULL);
    pipeline_put_vnid_to_tun_id(&ofpacts);
    struct ofpact_output_reg *out = ofpact_put_OUTPUT_REG(&ofpacts);
    out->src.field = mf_from_id(NVE_MFF_OUT_PORT);
    out->src.ofs = 0;
    out->src.n_bits = 16;
    out->max_len = 0;
    flow_table_add(flows, cookie, NVE_TABLE_OUTPUT, NVE_PRIO_OUTPUT_POINTER,
                   &match, ofpacts.data, ofpacts.size);
    ofpbuf_uninit(&ofpacts);
}

static void
dscp_map_clear(struct pipeline_dscp_map *map)
{
    for (size_t i = 0; i < NVE_N_PCPS; i++) {
        map->dscp[i] = -1;
    }
}

char *
pipeline_parse_dscp_map(const char *s, struct pipeline_dscp_map *map)
{
    dscp_map_clear(map);
    if (!s) {
        return NULL;
    }

    char *copy = xstrdup(s), *save_ptr = NULL, *error = NULL;
    for (char *pair = strtok_r(copy, ", ", &save_ptr); pair && !error;
         pair = strtok_r(NULL, ", ", &save_ptr)) {
        int pcp, dscp, n = 0;
        if (!ovs_scan(pair, "%d:%d%n", &pcp, &dscp, &n)
            || pair[n] || pcp < 0 || pcp >= NVE_N_PCPS
            || dscp < 0 || dscp > 63) {
            error = xasprintf("\"%s\": not PCP:DSCP with PCP from 0 to 7 "
                              "and DSCP from 0 to 63", pair);
        } else if (map->dscp[pcp] >= 0) {
            error = xasprintf("\"%s\": PCP %d given twice", pair, pcp);
        } else {
            map->dscp[pcp] = dscp;
        }
    }
    free(copy);
    if (error) {
        dscp_map_clear(map);
    }
    return error;
}

bool
pipeline_dscp_map_is_empty(const struct pipeline_dscp_map *map)
{
    for (size_t i = 0; i < NVE_N_PCPS; i++) {
        if (map->dscp[i] >= 0) {
            return false;
        }
    }
    return true;
}

bool
pipeline_dscp_map_equals(const struct pipeline_dscp_map *a,
                         const struct pipeline_dscp_map *b)
{
    return !memcmp(a->dscp, b->dscp, sizeof a->dscp);
}

void
pipeline_add_flows(struct flow_table *flows)
{
    uint64_t cookie = flow_owner_cookie(FLOW_OWNER_PIPELINE, 0);
    uint64_t stub[1024 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    flow_table_remove_owner(flows, cookie);

    /* Whatever no stage allows is dropped.  Not in table 65 (dscp), which
     * only resubmits reach: there a miss changes nothing (a resubmit that
     * misses goes on with the actions after it). */
    for (size_t i = 0; i < ARRAY_SIZE(pipeline_tables); i++) {
        if (pipeline_tables[i].table_id == NVE_TABLE_DSCP) {
            continue;
        }
        match_init_catchall(&match);
        flow_table_add(flows, cookie, pipeline_tables[i].table_id, 0,
                       &match, NULL, 0);
    }

    /* Packets from remote NVEs pass the stages for local VSIs. */
    for (size_t i = 0; i < ARRAY_SIZE(vsi_only_tables); i++) {
        match_init_catchall(&match);
        pipeline_match_flag(&match, NVE_FLAG_FROM_TUNNEL_BIT, true);
        ofpbuf_clear(&ofpacts);
        pipeline_put_goto(&ofpacts, vsi_only_tables[i].next);
        flow_table_add(flows, cookie, vsi_only_tables[i].table,
                       NVE_PRIO_FROM_TUNNEL, &match,
                       ofpacts.data, ofpacts.size);
    }

    pipeline_add_anti_spoof_flows(flows, cookie);

    ofpbuf_uninit(&ofpacts);
    pipeline_add_pointer_flows(flows, cookie);
}
