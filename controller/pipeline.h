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
 *                       tunnel port by tun_id (tunnel, 100).  To the
 *                       controller, to learn a MAC: from the port and
 *                       local VID of an associated VSI bound without MACs,
 *                       from one of its IPs (VSI, 60) or, if it has none,
 *                       from anywhere (VSI, 50).
 *      10  anti_spoof   A local VSI sends only from its own MACs and IPs.
 *                       Shared flows, on the address families that table 0
 *                       flagged for the sender: ARP and IPv4 of a sender
 *                       with IPv4 addresses have the (MAC, IPv4 address)
 *                       they claim put in xreg3 and reg5 and go to table 15
 *                       (pipeline, 100; ARP probes 105); IPv6 and neighbour
 *                       discovery of a sender with IPv6 addresses have the
 *                       (MAC, IPv6 address) they claim put in xreg3 and
 *                       xxreg2 and go to table 16 (pipeline, 100; ND 120
 *                       and 125); DHCP, duplicate address detection and
 *                       its MLD reports are allowed (pipeline, 105, 130);
 *                       the families the sender has no address of are
 *                       dropped (pipeline, 90), the rest allowed (pipeline,
 *                       80).  Per VSI without any address: ARP and ND that
 *                       carry its MAC (VSI, 100 and 120; others dropped,
 *                       pipeline, 90 and 110).
 *      15  ipv4_source  The (MAC, IPv4 address) pairs of local VSIs: the
 *                       claimed pair is one of the sender's (VSI, 100).
 *      16  ipv6_source  The (MAC, IPv6 address) pairs of local VSIs,
 *                       link-local addresses included (VSI, 100).
 *      20  ingress_acl  ACLs in the "from-vsi" direction (profile,
 *                       1000 + ACL priority); else allowed ((port, VN), 1).
 *      30  qos          Rate limit with an OpenFlow meter (VSI, 100) and
 *                       the 802.1p priority the NVE assigns to a VSI's
 *                       traffic ((port, VN), 1 and VSI, 100).
 *      40  l2_lookup    A local VSI's ARP request for a remote VM's IPv4
 *                       address learned from the NVA: answered, back to
 *                       its port (mapping, 110).  Destination MAC in the
 *                       VN: a local VSI (VSI, 100), a remote VSI (mapping,
 *                       90), a local VSI that awaits its VM's first frame
 *                       after a migration (VSI: 95 from a tunnel, 50 from
 *                       a local VSI, so a mapping to elsewhere wins), a
 *                       local VSI that emigrated, from a tunnel (VSI, 95:
 *                       the forwarding pointer, see below; pipeline, 11);
 *                       otherwise flooding
 *                       to the VN's local ports only (VN, 20, from a
 *                       tunnel) or to its local ports and remote NVEs (VN,
 *                       10).  Sets reg1 to the output port, and reg3 to a
 *                       local destination VSI's profile.
 *      50  egress_acl   ACLs in the "to-vsi" direction (profile,
 *                       1000 + ACL priority); else allowed ((port, VN) or
 *                       tunnel, 1).
 *      60  output       Local VID and PCP for a TES-facing port ((port,
 *                       VN), 100; 110 for a frame that goes back where it
 *                       came from: unicast, with in_port cleared and
 *                       looked up again, flooded, dropped; 105 counts the
 *                       flooded copies to the port, under the (port, VN)'s
 *                       rx cookie, and looks them up again), or VNI and
 *                       tunnel port of a remote NVE (tunnel, 100); then
 *                       out.
 *
 * Stages 10 to 30 police what a local VSI sends.  A packet that came from a
 * remote NVE was policed by the NVE that sent it, so the base pipeline lets
 * it through those stages unchanged (priority 100, matching the from-tunnel
 * flag; from table 10 straight to table 20, since only table 10 sends to
 * table 15).  A packet from a remote NVE never goes back into the overlay:
 * only flows that require the from-tunnel flag to be 0 send to tunnels,
 * with one deliberate exception, the forwarding pointer of live migration
 * (below).
 *
 * Anti-spoofing is split so that a VSI costs few flows: what is the same for
 * every VSI with addresses of the same families (DHCP, ARP probes, the
 * drops) is decided once, on the family flags that the VSI's classification
 * flow sets, and only the pairs of addresses that are the VSI's own are per
 * VSI.  OpenFlow cannot compare two fields, so table 10 copies what an ARP
 * or IPv4 packet claims (sender MAC and IPv4 address) into registers and
 * table 15 matches them, with the source MAC, against each pair of the
 * VSI's: one flow per (MAC, IPv4 address) serves both ARP and IPv4.  The
 * same for IPv6 and neighbour discovery, in table 16.
 *
 * The forwarding pointer: a frame from a tunnel for a MAC of a local VSI
 * that emigrated (the VM runs elsewhere now, and the remote NVE that sent
 * the frame has not learned it yet) trades its from-tunnel flag for the
 * pointer flag in the L2 lookup (VSI, 95) and is looked up again, so that
 * the mapping of the VM's MAC (learned from the NVA, or static) sends it
 * to the tunnel of the NVE where the VM runs now, or else nowhere
 * (pipeline, 11, above flooding).  At output, a frame with the pointer flag
 * goes out of the port in reg1 tagged with VID NVE_POINTER_VID (pipeline,
 * 120).  A remote NVE that receives a frame so tagged strips the tag and
 * sets the forwarded flag (pipeline, anti_spoof 101), which no pointer
 * flow matches: a frame is sent on by a pointer at most once, whatever the
 * NVEs believe, and never a flooded one (the pointer matches one unicast
 * MAC).
 *
 * Per-packet state between tables:
 *
 *   metadata[0..23]  The VNID of the packet's VN, set by table 0.  Every
 *                    table after 0 matches it to keep VNs apart.
 *   reg0             Flags, NVE_FLAG_*.  Zero on ingress.
 *   reg1             The OpenFlow port to send to, set by table 40.
 *   reg2             The policy profile of the sending local VSI, set by
 *                    table 0 (0: none).
 *   reg3             The policy profile of the receiving local VSI, set by
 *                    table 40 (0: none, or flooded).
 *   reg4             The 802.1p priority the NVE assigned to the frame:
 *                    NVE_PCP_VALID | PCP, set by table 30 (0: none, the
 *                    output port's own applies).
 *   reg5             The IPv4 address that an ARP or IPv4 packet from a
 *                    local VSI claims as its source, set by table 10 for
 *                    table 15; table 0 loads the VSI's first IPv4 address,
 *                    which an ARP probe (sender 0.0.0.0) is checked as.
 *   xreg3            (reg6 and reg7.)  The MAC that such a packet, or an
 *                    IPv6 or ND packet, claims as its sender (arp_sha,
 *                    nd_sll, nd_tll, or else the Ethernet source), in bits
 *                    0 to 47, set by table 10.
 *   xxreg2           (reg8 to reg11.)  The IPv6 address that an IPv6 or
 *                    ND packet from a local VSI claims as its own (the
 *                    IPv6 source, or an advertisement's target), set by
 *                    table 10 for table 16.
 *
 * Registers reg12 to reg15 are free for later stages. */

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
    NVE_TABLE(IPV4_SOURCE, 15, "ipv4_source")   \
    NVE_TABLE(IPV6_SOURCE, 16, "ipv6_source")   \
    NVE_TABLE(INGRESS_ACL, 20, "ingress_acl")   \
    NVE_TABLE(QOS,         30, "qos")           \
    NVE_TABLE(L2_LOOKUP,   40, "l2_lookup")     \
    NVE_TABLE(EGRESS_ACL,  50, "egress_acl")    \
    NVE_TABLE(OUTPUT,      60, "output")        \
    NVE_TABLE(DSCP,        65, "dscp")

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
#define NVE_FLAG_SRC_IPV4_BIT 2     /* From a local VSI with IPv4
                                     * addresses (set by table 0). */
#define NVE_FLAG_SRC_IPV6_BIT 3     /* From a local VSI with IPv6
                                     * addresses (set by table 0). */
#define NVE_FLAG_POINTER_BIT 4      /* Came from a tunnel (the from-tunnel
                                     * flag is cleared), sent on by this
                                     * NVE's forwarding pointer. */
#define NVE_FLAG_FORWARDED_BIT 5    /* Sent on by a remote NVE's forwarding
                                     * pointer: never sent on again. */
#define NVE_FLAG_FLOOD_COUNTED_BIT 6    /* A flooded copy that its (port,
                                         * VN) pair's output flow counted
                                         * (table 60). */

/* The 802.1Q VID that marks a frame sent on by a forwarding pointer, on the
 * inner frame between two NVEs.  802.1Q reserves it: no VM, TES or VID
 * pool uses it. */
#define NVE_POINTER_VID 4095

/* The other registers, as described above. */
#define NVE_MFF_OUT_PORT MFF_REG1
#define NVE_MFF_SRC_PROFILE MFF_REG2
#define NVE_MFF_DST_PROFILE MFF_REG3
#define NVE_MFF_PCP MFF_REG4
#define NVE_PCP_VALID 0x8           /* In NVE_MFF_PCP: bits 0..2 are set. */
#define NVE_MFF_CLAIM_IPV4 MFF_REG5
#define NVE_MFF_CLAIM_MAC MFF_XREG3
#define NVE_XREG_CLAIM_MAC 3        /* NVE_MFF_CLAIM_MAC, as an xreg index. */
#define NVE_MFF_CLAIM_IPV6 MFF_XXREG2
#define NVE_XXREG_CLAIM_IPV6 2      /* NVE_MFF_CLAIM_IPV6, as an xxreg
                                     * index. */

/* Flow priorities, by table, as described above. */
enum {
    /* classify */
    NVE_PRIO_CLASSIFY = 100,
    NVE_PRIO_CLASSIFY_LEARN_IP = 60,    /* To learn a MAC, by sender IP. */
    NVE_PRIO_CLASSIFY_LEARN = 50,       /* To learn any MAC. */

    /* anti_spoof */
    NVE_PRIO_SPOOF_ND_DAD = 130,        /* Duplicate address detection. */
    NVE_PRIO_SPOOF_ND_NO_LLA = 125,     /* ND without link-layer address. */
    NVE_PRIO_SPOOF_ND_ALLOW = 120,
    NVE_PRIO_SPOOF_ND_DROP = 110,
    NVE_PRIO_SPOOF_L3_SPECIAL = 105,    /* ARP probes, DHCP, MLD. */
    NVE_PRIO_SPOOF_L3_ALLOW = 100,
    NVE_PRIO_SPOOF_L3_DROP = 90,
    NVE_PRIO_SPOOF_MAC_ALLOW = 80,

    /* ipv4_source, ipv6_source */
    NVE_PRIO_IPV4_SOURCE = 100,
    NVE_PRIO_IPV6_SOURCE = 100,

    /* ingress_acl, egress_acl: an ACL of priority P has priority
     * NVE_PRIO_ACL + P. */
    NVE_PRIO_ACL = 1000,

    /* ingress_acl, qos, egress_acl: what no specific flow decides. */
    NVE_PRIO_PASS = 1,

    /* egress_acl: a flooded copy to a (port, VN) whose VSIs share a
     * profile gets that profile, and is looked up again. */
    NVE_PRIO_FLOOD_PROFILE = 2,

    /* qos */
    NVE_PRIO_QOS_VSI = 100,

    /* l2_lookup */
    NVE_PRIO_L2_ARP = 110,
    NVE_PRIO_L2_LOCAL = 100,
    NVE_PRIO_L2_STANDBY_FROM_TUNNEL = 95,
    NVE_PRIO_L2_POINTER = 95,
    NVE_PRIO_POINTER_NOWHERE = 11,
    NVE_PRIO_L2_REMOTE = 90,
    NVE_PRIO_L2_STANDBY = 50,
    NVE_PRIO_FLOOD_FROM_TUNNEL = 20,
    NVE_PRIO_FLOOD = 10,

    /* output (+1 when the frame carries an NVE_MFF_PCP) */
    NVE_PRIO_OUTPUT_POINTER = 120,
    NVE_PRIO_OUTPUT_HAIRPIN = 110,      /* No +1: back to the ingress port,
                                         * unicast, or dropped, flooded. */
    NVE_PRIO_OUTPUT_FLOOD = 105,        /* No +1: counted, looked up
                                         * again. */
    NVE_PRIO_OUTPUT = 100,

    /* anti_spoof, ingress_acl, qos: packets from remote NVEs. */
    NVE_PRIO_FROM_TUNNEL = 100,
    NVE_PRIO_POINTER_UNMARK = 101,     /* anti_spoof only. */
};

/* Table numbers and names. */
const char *pipeline_table_name(uint8_t table_id);

/* NVE_Global options:pcp_dscp: the DSCP of the underlay for each PCP that
 * the NVE assigns, or -1 for none. */
#define NVE_N_PCPS 8
struct pipeline_dscp_map {
    int dscp[NVE_N_PCPS];
};

/* Parses 's', a comma-separated list of PCP:DSCP pairs (PCP 0 to 7, each
 * once, DSCP 0 to 63), into 'map'.  An empty or null 's' maps nothing.
 * Returns NULL if successful, otherwise an error message naming the
 * offending pair, which the caller must free; 'map' then maps nothing. */
char *pipeline_parse_dscp_map(const char *s, struct pipeline_dscp_map *map)
    OVS_WARN_UNUSED_RESULT;
bool pipeline_dscp_map_is_empty(const struct pipeline_dscp_map *);
bool pipeline_dscp_map_equals(const struct pipeline_dscp_map *,
                              const struct pipeline_dscp_map *);
bool pipeline_table_from_string(const char *, uint8_t *table_id);
enum nve_table pipeline_next_table(enum nve_table);

/* Building blocks for flows, shared by every module that adds flows to the
 * pipeline. */
void pipeline_match_flag(struct match *, int flag_bit, bool value);
void pipeline_match_vnid(struct match *, uint32_t vnid);
void pipeline_match_reg(struct match *, enum mf_field_id, uint32_t value);
void pipeline_put_set_flag(struct ofpbuf *ofpacts, int flag_bit);
void pipeline_put_clear_flag(struct ofpbuf *ofpacts, int flag_bit);
void pipeline_put_set_vnid(struct ofpbuf *ofpacts, uint32_t vnid);
void pipeline_put_load_reg(struct ofpbuf *ofpacts, enum mf_field_id,
                           uint32_t value);
void pipeline_put_move(struct ofpbuf *ofpacts, enum mf_field_id src,
                       enum mf_field_id dst, int n_bits);
void pipeline_put_vnid_from_tun_id(struct ofpbuf *ofpacts);
void pipeline_put_vnid_to_tun_id(struct ofpbuf *ofpacts);
void pipeline_put_goto_next(struct ofpbuf *ofpacts, enum nve_table current);
void pipeline_put_goto(struct ofpbuf *ofpacts, enum nve_table);
void pipeline_put_resubmit(struct ofpbuf *ofpacts, enum nve_table);

/* Adds the base flows (owner FLOW_OWNER_PIPELINE, id 0) to 'flows': the
 * default drop of every table, the passage of packets from remote NVEs
 * through the stages that only concern local VSIs, and the anti-spoofing
 * decisions that depend only on the address families of the sending VSI,
 * not on the VSI itself. */
void pipeline_add_flows(struct flow_table *flows);

#endif /* pipeline.h */
