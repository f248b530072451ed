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

#ifndef NVE_REMOTE_FLOWS_H
#define NVE_REMOTE_FLOWS_H 1

/* The L2 lookup flows that go beyond one local VSI: unicast to remote VSIs
 * (the NVE database's Remote_Mapping rows) and the flooding of broadcast,
 * multicast and unknown unicast frames within each VN.
 *
 *   - A Remote_Mapping (owner FLOW_OWNER_MAPPING, id from its row's UUID)
 *     has one flow in the L2 lookup: frames of its VN to its MAC go to the
 *     tunnel of its Remote_NVE.  Frames that came from a tunnel are
 *     dropped at output instead: the overlay is never a transit.
 *
 *   - A VN (owner FLOW_OWNER_VN, id its VNID) has two flooding flows while
 *     any local VSI in it is associated: frames from local VSIs are
 *     replicated to every TES-facing port with an associated VSI of the VN
 *     (except the port they came from) and to the tunnel of every remote NVE
 *     that hosts the VN (Remote_NVE.vns, or a Remote_Mapping of the VN to
 *     it); frames from remote NVEs to the local ports only.  Each copy goes
 *     through the egress stages with the output port in reg1.
 *
 * vsi-flows reports which (port, VN) pairs have associated VSIs with
 * remote_flows_add_local() and remote_flows_remove_local(); the database's
 * changes are read by remote_flows_run().  Every change costs time
 * proportional to what it touches: a mapping's flow, or one VN's flooding
 * flows (as many actions as the VN has ports and remote NVEs). */

#include <stdint.h>
#include "openvswitch/types.h"

struct ds;
struct flow_table;
struct ovsdb_idl;
struct tunnels;

void remote_flows_register_nve_idl(struct ovsdb_idl *);

struct remote_flows *remote_flows_create(void);
void remote_flows_destroy(struct remote_flows *);

/* Brings the flows in 'flows' up to date with the tracked changes of the
 * NVE database 'idl', the tunnel ports of 'tunnels' and the local ports
 * reported since the last call.  The first call reads the whole database.
 * Call once per main loop iteration once the database has been read, after
 * tunnels_run() and after every VSI change of the iteration. */
void remote_flows_run(struct remote_flows *, struct ovsdb_idl *idl,
                      const struct tunnels *, struct flow_table *flows);

/* One more (or one less) associated VSI of VN 'vnid' behind TES-facing port
 * 'port', whose OpenFlow port number is 'ofport'. */
void remote_flows_add_local(struct remote_flows *, uint32_t vnid,
                            const char *port, ofp_port_t ofport);
void remote_flows_remove_local(struct remote_flows *, uint32_t vnid,
                               const char *port);

/* Appends one line per VN that floods, sorted by VNID: "vnid VNID: local
 * PORT... remote REMOTE...", to 'ds'. */
void remote_flows_format_flood(const struct remote_flows *, struct ds *);

/* Answers the IPv6 neighbour solicitations that local VSIs sent for the
 * addresses of learned mappings (NVE_Global options:arp_suppression).
 * Call after ofctrl_run(). */
struct vsi_table;
void remote_flows_answer_nd(struct remote_flows *, const struct vsi_table *);

/* nve/show output: what was answered. */
void remote_flows_format_status(const struct remote_flows *, struct ds *);

#endif /* remote-flows.h */
