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
 * with goto_table.  Stages are numbered in tens so that a stage can later be
 * split without renumbering the others.  Every stage ends in a priority-0
 * flow that drops: whatever no module explicitly allows goes nowhere.
 *
 *   table  name         purpose
 *   -----  -----------  ----------------------------------------------------
 *       0  classify     Ingress classification: assigns the packet its VN.
 *                       From a TES-facing port by in_port, VLAN and source
 *                       MAC; from a tunnel port by tun_id (tunnels.c).
 *      10  anti_spoof   Source MAC and IP of a local VSI are the ones it
 *                       was associated with.
 *      20  ingress_acl  ACLs in the "from-vsi" direction.
 *      30  qos          Policing and 802.1p PCP of a local VSI's traffic.
 *      40  l2_lookup    Destination MAC in the VN -> local port or remote
 *                       NVE; flooding of broadcast and unknown unicast.
 *      50  egress_acl   ACLs in the "to-vsi" direction.
 *      60  output       VLAN tag for the TES port, or tun_id and tunnel
 *                       port for a remote NVE; then out.
 *
 * Stages 10 to 30 police what a local VSI sends.  A packet that came from a
 * remote NVE was policed by the NVE that sent it, so the base pipeline lets
 * it through those stages unchanged.
 *
 * Per-packet state between tables:
 *
 *   metadata[0..23]  The VNID of the packet's VN, set by table 0.  Every
 *                    table after 0 matches it to keep VNs apart.
 *   reg0             Flags, NVE_FLAG_*.  Zero on ingress.
 *
 * Registers reg1 to reg15 are free for later stages. */

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

/* Table numbers and names. */
const char *pipeline_table_name(uint8_t table_id);
bool pipeline_table_from_string(const char *, uint8_t *table_id);
enum nve_table pipeline_next_table(enum nve_table);

/* Building blocks for flows, shared by every module that adds flows to the
 * pipeline. */
void pipeline_match_flag(struct match *, int flag_bit, bool value);
void pipeline_put_set_flag(struct ofpbuf *ofpacts, int flag_bit);
void pipeline_put_vnid_from_tun_id(struct ofpbuf *ofpacts);
void pipeline_put_goto_next(struct ofpbuf *ofpacts, enum nve_table current);

/* Adds the base flows (owner FLOW_OWNER_PIPELINE, id 0) to 'flows': the
 * default drop of every table, and the passage of packets from remote NVEs
 * through the stages that only concern local VSIs. */
void pipeline_add_flows(struct flow_table *flows);

#endif /* pipeline.h */
