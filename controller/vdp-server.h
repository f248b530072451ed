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

#ifndef NVE_VDP_SERVER_H
#define NVE_VDP_SERVER_H 1

/* The IEEE 802.1Qbg VDP endpoint of nve-controller: the bridge side of
 * EVB, ECP and VDP on every TES-facing port, for hypervisors (lldpad,
 * libvirt) that signal their VSIs on the wire rather than over TNS.
 *
 * Flows in table 0 (owner kind FLOW_OWNER_VDP) send the ECP and LLDP
 * frames that a port receives for the nearest customer bridge to the
 * controller; ofctrl queues them as packet-ins.  This module acknowledges
 * every ECP request at once, drops duplicates, turns each VSI TLV into
 * requests of the VSI table (the same table, state machine and flows as
 * TNS), and answers each once barrier_is_done() says its change is
 * committed and installed, in an ECP request of its own that it
 * retransmits until the station acknowledges it.  It de-associates, unasked,
 * the VSIs that the NVE removes (ageing, operator, "terminate" over TNS).
 * It sends LLDPDUs with the EVB TLV on every TES-facing port.
 *
 * vdp-server.c holds VDP itself; the ports are vdp-port.c's, and each has
 * an ECP agent (ecp-agent.h) and an LLDP/EVB agent (evb-agent.h).
 *
 * A port belongs to the TES whose "ports" column lists it: that TES is the
 * station's identity for authorization.  See nve-controller(8) for the
 * mapping of VDP onto the VSI lifecycle and of outcomes onto VDP status.
 *
 * Nothing happens in a callback: deadlines (ECP retransmission, LLDP) are
 * kept in the ports' agents and waited for with poll_timer_wait_until(). */

struct barrier;
struct ds;
struct flow_table;
struct ovsdb_idl;
struct ovsrec_bridge;
struct vsi_ctx;
struct vsi_table;

struct vdp_server *vdp_server_create(void);
void vdp_server_destroy(struct vdp_server *);

/* Adds the Open_vSwitch database columns that the module reads. */
void vdp_server_register_ovs_idl(struct ovsdb_idl *);

/* Configures the ports from the NVE database and the integration bridge
 * 'br_int' (NULL if there is none yet), keeps their flows in 'flows',
 * handles the NVE's own removals of VDP VSIs and the frames that stations
 * sent.  Call once per main loop iteration after vsi_table_run() and the
 * TNS server, before ofctrl_put(). */
void vdp_server_run(struct vdp_server *, struct vsi_table *,
                    const struct vsi_ctx *, const struct ovsrec_bridge *br_int,
                    struct flow_table *flows);

/* Sends the responses whose changes are done, retransmissions and LLDPDUs.
 * Call once per iteration after vsi_table_flows_put(). */
void vdp_server_flush(struct vdp_server *, const struct barrier *);

void vdp_server_wait(const struct vdp_server *);

/* unixctl output: configuration, ports, stations, VSIs. */
void vdp_server_format(const struct vdp_server *, struct ds *);

#endif /* vdp-server.h */
