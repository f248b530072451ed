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

#ifndef NVE_PIPELINE_H
#define NVE_PIPELINE_H 1

/* The OpenFlow pipeline of the integration bridge: which table does what,
 * where a packet's state lives between tables, and the base flows that hold
 * the pipeline together before any VN, VSI or remote NVE is configured.
 *
 * A packet enters table 0 and moves strictly forward, one stage at a time,
 * with goto_table (flooding replicates it with clone() and resubmit to the
 * egress stages).  Stages are numbered in tens so that a stage can later be
 * split without renumbering the others.  Every stage ends in a priority-0
 * flow that drops: whatever no module explicitly allows goes nowhere.
 *
 *   table  name         purpose (owner of the flows, priority)
 *   -----  -----------  ----------------------------------------------------
 *       0  classify     Ingress classification: assigns the packet its VN.
 *                       From a TES-facing port by in_port, local VID and
 *                       source MAC (VSI, 100: strip the tag, set the VNID;
 *                       drop while the VSI is not associated); from a
 *                       tunnel port by tun_id (tunnel, 100).
 *      10  anti_spoof   A local VSI sends only from its own MACs and IPs:
 *                       ND checks (VSI, 120 allow, 110 drop), ARP and IP
 *                       source checks (VSI, 100 allow, 90 drop), its MAC
 *                       (VSI, 80 allow).  Allowing loads the VSI's policy
 *                       profile into reg2.
 *      20  ingress_acl  ACLs in the "from-vsi" direction (profile,
 *                       1000 + ACL priority); else allowed ((port, VN), 1).
 *      30  qos          Rate limit with an OpenFlow meter (VSI, 100) and
 *                       the 802.1p priority the NVE assigns to a VSI's
 *                       traffic ((port, VN), 1 and VSI, 100).
 *      40  l2_lookup    A local VSI's ARP request for a remote VM's IPv4
 *                       address learned from the NVA: answered, back to
 *                       its port (mapping, 110).  Destination MAC in the
 *                       VN: a local VSI (VSI, 100),
 *                       a remote VSI (mapping, 90); otherwise flooding
 *                       to the VN's local ports only (VN, 20, from a
 *                       tunnel) or to its local ports and remote NVEs (VN,
 *                       10).  Sets reg1 to the output port, and reg3 to a
 *                       local destination VSI's profile.
 *      50  egress_acl   ACLs in the "to-vsi" direction (profile,
 *                       1000 + ACL priority); else allowed ((port, VN) or
 *                       tunnel, 1).
 *      60  output       Local VID and PCP for a TES-facing port ((port,
 *                       VN), 100 and 110 for a frame that goes back where
 *                       it came from), or VNI and tunnel port of a remote
 *                       NVE (tunnel, 100); then out.
 *
 * Stages 10 to 30 police what a local VSI sends.  A packet that came from a
 * remote NVE was policed by the NVE that sent it, so the base pipeline lets
 * it through those stages unchanged (priority 100, matching the from-tunnel
 * flag).  A packet from a remote NVE never goes back into the overlay: only
 * flows that require the from-tunnel flag to be 0 send to tunnels.
 *
 * Per-packet state between tables:
 *
 *   metadata[0..23]  The VNID of the packet's VN, set by table 0.  Every
 *                    table after 0 matches it to keep VNs apart.
 *   reg0             Flags, NVE_FLAG_*.  Zero on ingress.
 *   reg1             The OpenFlow port to send to, set by table 40.
 *   reg2             The policy profile of the sending local VSI, set by
 *                    table 10 (0: none).
 *   reg3             The policy profile of the receiving local VSI, set by
 *                    table 40 (0: none, or flooded).
 *   reg4             The 802.1p priority the NVE assigned to the frame:
 *                    NVE_PCP_VALID | PCP, set by table 30 (0: none, the
 *                    output port's own applies).
 *
 * Registers reg5 to reg15 are free for later stages. */

#include <stdbool.h>
#include <stdint.h>
#include "openvswitch/meta-flow.h"

struct flow_table;
struct match;
struct ofpbuf;

/* The tables above, as NVE_TABLE(ENUM, NUMBER, NAME), in pipeline order. */
#define NVE_TABLES                              \
    NVE_TABLE(CLASSIFY,     0, "classify")      \
    NVE_TABLE(ANTI_SPOOF,  10, "anti_spoof")    \
    NVE_TABLE(INGRESS_ACL, 20, "ingress_acl")   \
    NVE_TABLE(QOS,         30, "qos")           \
    NVE_TABLE(L2_LOOKUP,   40, "l2_lookup")     \
    NVE_TABLE(EGRESS_ACL,  50, "egress_acl")    \
    NVE_TABLE(OUTPUT,      60, "output")

enum nve_table {
#define NVE_TABLE(ENUM, NUMBER, NAME) NVE_TABLE_##ENUM = NUMBER,
    NVE_TABLES
#undef NVE_TABLE
};

/* Where the VNID lives: the low NVE_VNID_BITS bits of the metadata field. */
#define NVE_MFF_VNID MFF_METADATA
#define NVE_VNID_BITS 24

/* The flags register and its bits. */
#define NVE_MFF_FLAGS MFF_REG0
#define NVE_FLAG_FROM_TUNNEL_BIT 0  /* Received from a remote NVE: never
                                     * send it back into the overlay. */
#define NVE_FLAG_FLOOD_BIT 1        /* Replicated by flooding: never sent
                                     * back out of its ingress port. */

/* The other registers, as described above. */
#define NVE_MFF_OUT_PORT MFF_REG1
#define NVE_MFF_SRC_PROFILE MFF_REG2
#define NVE_MFF_DST_PROFILE MFF_REG3
#define NVE_MFF_PCP MFF_REG4
#define NVE_PCP_VALID 0x8           /* In NVE_MFF_PCP: bits 0..2 are set. */

/* Flow priorities, by table, as described above. */
enum {
    /* classify */
    NVE_PRIO_CLASSIFY = 100,

    /* anti_spoof */
    NVE_PRIO_SPOOF_ND_ALLOW = 120,
    NVE_PRIO_SPOOF_ND_DROP = 110,
    NVE_PRIO_SPOOF_L3_ALLOW = 100,
    NVE_PRIO_SPOOF_L3_DROP = 90,
    NVE_PRIO_SPOOF_MAC_ALLOW = 80,

    /* ingress_acl, egress_acl: an ACL of priority P has priority
     * NVE_PRIO_ACL + P. */
    NVE_PRIO_ACL = 1000,

    /* ingress_acl, qos, egress_acl: what no specific flow decides. */
    NVE_PRIO_PASS = 1,

    /* qos */
    NVE_PRIO_QOS_VSI = 100,

    /* l2_lookup */
    NVE_PRIO_L2_ARP = 110,
    NVE_PRIO_L2_LOCAL = 100,
    NVE_PRIO_L2_REMOTE = 90,
    NVE_PRIO_FLOOD_FROM_TUNNEL = 20,
    NVE_PRIO_FLOOD = 10,

    /* output (+1 when the frame carries an NVE_MFF_PCP) */
    NVE_PRIO_OUTPUT_HAIRPIN = 110,
    NVE_PRIO_OUTPUT = 100,

    /* anti_spoof, ingress_acl, qos: packets from remote NVEs. */
    NVE_PRIO_FROM_TUNNEL = 100,
};

/* Table numbers and names. */
const char *pipeline_table_name(uint8_t table_id);
bool pipeline_table_from_string(const char *, uint8_t *table_id);
enum nve_table pipeline_next_table(enum nve_table);

/* Building blocks for flows, shared by every module that adds flows to the
 * pipeline. */
void pipeline_match_flag(struct match *, int flag_bit, bool value);
void pipeline_match_vnid(struct match *, uint32_t vnid);
void pipeline_match_reg(struct match *, enum mf_field_id, uint32_t value);
void pipeline_put_set_flag(struct ofpbuf *ofpacts, int flag_bit);
void pipeline_put_set_vnid(struct ofpbuf *ofpacts, uint32_t vnid);
void pipeline_put_load_reg(struct ofpbuf *ofpacts, enum mf_field_id,
                           uint32_t value);
void pipeline_put_move(struct ofpbuf *ofpacts, enum mf_field_id src,
                       enum mf_field_id dst, int n_bits);
void pipeline_put_vnid_from_tun_id(struct ofpbuf *ofpacts);
void pipeline_put_vnid_to_tun_id(struct ofpbuf *ofpacts);
void pipeline_put_goto_next(struct ofpbuf *ofpacts, enum nve_table current);
void pipeline_put_resubmit(struct ofpbuf *ofpacts, enum nve_table);

/* Adds the base flows (owner FLOW_OWNER_PIPELINE, id 0) to 'flows': the
 * default drop of every table, and the passage of packets from remote NVEs
 * through the stages that only concern local VSIs. */
void pipeline_add_flows(struct flow_table *flows);

#endif /* pipeline.h */
