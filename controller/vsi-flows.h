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
 *   - A VSI (FLOW_OWNER_VSI) owns, per VN it is in: its policies
 *     (anti-spoofing), installed in every state it is held in, and, only
 *     while it is associated, its activation: classification of its frames
 *     (in_port, local VID, source MAC) in table 0, and delivery to it
 *     (destination MAC) in the L2 lookup.
 *
 *   - A (TES-facing port, VN) pair (FLOW_OWNER_VN_PORT) owns what all the
 *     VN's VSIs behind the port share: passage through the policy stages and
 *     the output stage that tags frames with the local VID and PCP.
 *
 * Each call costs time proportional to the flows of the owner it names. */

struct flow_table;
struct vsi;
struct vsi_port_vn;

/* Per-packet register that the L2 lookup sets for local delivery. */
#define NVE_MFF_OUT_PORT MFF_REG1     /* OpenFlow port to deliver to. */

/* Recomputes the flows of 'vsi' (and makes sure those of its (port, VN)
 * pairs exist). */
void vsi_flows_update_vsi(struct flow_table *, const struct vsi *);

/* Removes the flows of 'vsi'. */
void vsi_flows_remove_vsi(struct flow_table *, const struct vsi *);

/* Removes the flows of (port, VN) 'pv'. */
void vsi_flows_remove_port_vn(struct flow_table *,
                              const struct vsi_port_vn *);

#endif /* vsi-flows.h */
