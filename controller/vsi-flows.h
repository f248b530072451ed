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

#ifndef NVE_VSI_FLOWS_H
#define NVE_VSI_FLOWS_H 1

/* The flows that local VSIs cause in the pipeline (pipeline.h).
 *
 * Two kinds of owners:
 *
 *   - A VSI (FLOW_OWNER_VSI, its cookie) owns, per VN it is in and per MAC
 *     it has there:
 *
 *       - in every state the NVE holds it in, its policies: anti-spoofing
 *         of its MAC and IPs (table 10), which also loads its profile's id
 *         (profiles.h); with a rate-limited profile, its own meter (table
 *         30);
 *
 *       - its classification (table 0: in_port, local VID, source MAC): while
 *         it is associated, into its VN; otherwise, to be dropped;
 *
 *       - its delivery (table 40: VN, destination MAC): while it is
 *         associated, to its port; while it is suspended, to be dropped;
 *         in the other states none, so that the VSI's frames go wherever
 *         else the VN knows the MAC (a remote mapping), or are flooded.
 *
 *     A MAC that the VSI learned (vsi_table_learn()) has the same flows as
 *     one it signalled.  While a VSI bound to a VN without MACs is
 *     associated, it also owns the flows (table 0) that send up the frames
 *     from which it learns them: from its port and VID, and from one of its
 *     IPs if it has any.
 *
 *     Being associated also makes the VSI's (port, VN) a member of the VN's
 *     flooding list (remote-flows.h).
 *
 *   - A (TES-facing port, VN) pair (FLOW_OWNER_VN_PORT) owns what all the
 *     VN's VSIs behind the port share: passage through the policy stages,
 *     the 802.1p priority the NVE assigns to their traffic, and the output
 *     stage that tags frames with the local VID and PCP.  The flow that
 *     counts the flooded copies output to the pair, for the rx counters of
 *     its VSIs (vsi-counters.h), has an owner of its own
 *     (FLOW_OWNER_VN_PORT_RX), so that the switch reports its statistics
 *     alone.
 *
 * Each call costs time proportional to the flows of the owner it names. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ds;
struct flow_table;
struct meter_table;
struct profiles;
struct remote_flows;
struct vsi;
struct vsi_port_vn;

struct vsi_flows *vsi_flows_create(struct flow_table *, struct profiles *,
                                   struct remote_flows *,
                                   struct meter_table *);
void vsi_flows_destroy(struct vsi_flows *);

/* The owner cookie of the flows of (port, VN) pair 'pv'. */
uint64_t vsi_flows_port_vn_cookie(const struct vsi_port_vn *);

/* The owner cookie of the flow that counts the flooded copies delivered
 * to (port, VN) pair 'pv', in table 60 (vsi-counters.h). */
uint64_t vsi_flows_port_vn_rx_cookie(const struct vsi_port_vn *);

/* Reads the counters of the flooded copies delivered to the (port, VN)
 * pairs where 'vsi' is associated, so that what they gained since they
 * were last read goes into the rx base of its cookie (NVE_TABLE_L2_LOOKUP,
 * ofctrl_flow_stats_add_base()).  Once vsi_flows_rx_query_is_done(),
 * vsi_flows_rx_query_apply() makes sure that it is there (the next
 * vsi_flows_run() would do it too). */
struct vsi_flows_rx_query *vsi_flows_query_rx(struct vsi_flows *,
                                              const struct vsi *);
bool vsi_flows_rx_query_is_done(const struct vsi_flows_rx_query *);
void vsi_flows_rx_query_apply(struct vsi_flows_rx_query *);
void vsi_flows_rx_query_destroy(struct vsi_flows_rx_query *);

/* Recomputes the flows of 'vsi' (and makes sure those of its (port, VN)
 * pairs exist). */
void vsi_flows_update_vsi(struct vsi_flows *, const struct vsi *);

/* Removes the flows of 'vsi'. */
void vsi_flows_remove_vsi(struct vsi_flows *, const struct vsi *);

/* Removes the flows of (port, VN) 'pv'. */
void vsi_flows_remove_port_vn(struct vsi_flows *,
                              const struct vsi_port_vn *);

/* Updates the VSIs whose profile's rate limit changed in the last
 * profiles_run().  Call after it, once per main loop iteration.  Costs
 * time proportional to the number of those VSIs. */
void vsi_flows_run(struct vsi_flows *);

#endif /* vsi-flows.h */
