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
#include "vsi-flows.h"

#include "flow-table.h"
#include "flow.h"
#include "hash.h"
#include "openvswitch/match.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "pipeline.h"
#include "vsi-table.h"

/* Priorities within a table. */
#define PRIO_VSI 100            /* Per-VSI match. */
#define PRIO_HAIRPIN 110        /* Delivery back out of the ingress port. */
#define PRIO_PASS 1             /* Default passage through a policy stage,
                                 * beneath the rules of profiles. */

static uint64_t
port_vn_cookie(const struct vsi_port_vn *pv)
{
    uint64_t id = ((uint64_t) hash_string(pv->port->name, 0) << 24)
                  | pv->vnid;
    return flow_owner_cookie(FLOW_OWNER_VN_PORT, id);
}

static void
match_vnid(struct match *match, uint32_t vnid)
{
    match_set_metadata(match, htonll(vnid));
}

static void
put_set_vnid(struct ofpbuf *ofpacts, uint32_t vnid)
{
    ovs_be64 value = htonll(vnid);

    ofpact_put_set_field(ofpacts, mf_from_id(NVE_MFF_VNID), &value, NULL);
}

static void
put_load_reg(struct ofpbuf *ofpacts, enum mf_field_id field, uint32_t value)
{
    ovs_be32 be = htonl(value);

    ofpact_put_set_field(ofpacts, mf_from_id(field), &be, NULL);
}

/* Tags a frame with 'pv''s local VID and PCP. */
static void
put_push_vid(struct ofpbuf *ofpacts, const struct vsi_port_vn *pv)
{
    ovs_be16 vid = htons(pv->vid | OFPVID12_PRESENT);

    ofpact_put_PUSH_VLAN(ofpacts)->ethertype = htons(ETH_TYPE_VLAN_8021Q);
    ofpact_put_set_field(ofpacts, mf_from_id(MFF_VLAN_VID), &vid, NULL);
    if (pv->pcp >= 0) {
        uint8_t pcp = pv->pcp;
        ofpact_put_set_field(ofpacts, mf_from_id(MFF_VLAN_PCP), &pcp, NULL);
    }
}

static void
port_vn_add_flows(struct flow_table *flows, const struct vsi_port_vn *pv)
{
    uint64_t cookie = port_vn_cookie(pv);
    ofp_port_t ofport = pv->port->ofport;
    uint64_t stub[256 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    /* Passage through the policy stages of traffic from the port. */
    static const enum nve_table ingress[] = {
        NVE_TABLE_INGRESS_ACL, NVE_TABLE_QOS,
    };
    for (size_t i = 0; i < ARRAY_SIZE(ingress); i++) {
        match_init_catchall(&match);
        match_vnid(&match, pv->vnid);
        match_set_in_port(&match, ofport);
        ofpbuf_clear(&ofpacts);
        pipeline_put_goto_next(&ofpacts, ingress[i]);
        flow_table_add(flows, cookie, ingress[i], PRIO_PASS, &match,
                       ofpacts.data, ofpacts.size);
    }

    /* Passage through the egress policy of traffic to the port. */
    match_init_catchall(&match);
    match_vnid(&match, pv->vnid);
    match_set_reg(&match, NVE_MFF_OUT_PORT - MFF_REG0, ofp_to_u16(ofport));
    ofpbuf_clear(&ofpacts);
    pipeline_put_goto_next(&ofpacts, NVE_TABLE_EGRESS_ACL);
    flow_table_add(flows, cookie, NVE_TABLE_EGRESS_ACL, PRIO_PASS, &match,
                   ofpacts.data, ofpacts.size);

    /* Output, tagged with the local VID: out the port, or back out of it
     * when it is also where the frame came from. */
    ofpbuf_clear(&ofpacts);
    put_push_vid(&ofpacts, pv);
    ofpact_put_OUTPUT(&ofpacts)->port = ofport;
    flow_table_add(flows, cookie, NVE_TABLE_OUTPUT, PRIO_VSI, &match,
                   ofpacts.data, ofpacts.size);

    match_set_in_port(&match, ofport);
    ofpbuf_clear(&ofpacts);
    put_push_vid(&ofpacts, pv);
    ofpact_put_OUTPUT(&ofpacts)->port = OFPP_IN_PORT;
    flow_table_add(flows, cookie, NVE_TABLE_OUTPUT, PRIO_HAIRPIN, &match,
                   ofpacts.data, ofpacts.size);

    ofpbuf_uninit(&ofpacts);
}

void
vsi_flows_remove_vsi(struct flow_table *flows, const struct vsi *v)
{
    flow_table_remove_owner(flows, v->cookie);
}

void
vsi_flows_remove_port_vn(struct flow_table *flows,
                         const struct vsi_port_vn *pv)
{
    flow_table_remove_owner(flows, port_vn_cookie(pv));
}

void
vsi_flows_update_vsi(struct flow_table *flows, const struct vsi *v)
{
    uint64_t stub[256 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    flow_table_remove_owner(flows, v->cookie);
    if (v->state == VSI_ABSENT || !v->port
        || v->port->ofport == OFPP_NONE) {
        return;
    }

    ofp_port_t ofport = v->port->ofport;
    bool active = vsi_state_is_active(v->state);
    for (size_t i = 0; i < v->n_bindings; i++) {
        const struct vsi_binding *b = &v->bindings[i];
        const struct vsi_port_vn *pv = b->pv;

        port_vn_add_flows(flows, pv);
        for (size_t k = 0; k < b->n_macs; k++) {
            struct eth_addr mac = b->macs[k];

            /* Anti-spoofing: only its own source MAC, in every state. */
            match_init_catchall(&match);
            match_vnid(&match, pv->vnid);
            match_set_in_port(&match, ofport);
            match_set_dl_src(&match, mac);
            ofpbuf_clear(&ofpacts);
            pipeline_put_goto_next(&ofpacts, NVE_TABLE_ANTI_SPOOF);
            flow_table_add(flows, v->cookie, NVE_TABLE_ANTI_SPOOF, PRIO_VSI,
                           &match, ofpacts.data, ofpacts.size);

            if (!active) {
                continue;
            }

            /* Activation: classification of its frames... */
            match_init_catchall(&match);
            match_set_in_port(&match, ofport);
            match_set_dl_vlan(&match, htons(pv->vid), 0);
            match_set_dl_src(&match, mac);
            ofpbuf_clear(&ofpacts);
            ofpact_put_STRIP_VLAN(&ofpacts);
            put_set_vnid(&ofpacts, pv->vnid);
            pipeline_put_goto_next(&ofpacts, NVE_TABLE_CLASSIFY);
            flow_table_add(flows, v->cookie, NVE_TABLE_CLASSIFY, PRIO_VSI,
                           &match, ofpacts.data, ofpacts.size);

            /* ...and delivery to it. */
            match_init_catchall(&match);
            match_vnid(&match, pv->vnid);
            match_set_dl_dst(&match, mac);
            ofpbuf_clear(&ofpacts);
            put_load_reg(&ofpacts, NVE_MFF_OUT_PORT, ofp_to_u16(ofport));
            pipeline_put_goto_next(&ofpacts, NVE_TABLE_L2_LOOKUP);
            flow_table_add(flows, v->cookie, NVE_TABLE_L2_LOOKUP, PRIO_VSI,
                           &match, ofpacts.data, ofpacts.size);
        }
    }
    ofpbuf_uninit(&ofpacts);
}
