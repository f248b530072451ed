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

#ifndef NVE_TUNNELS_H
#define NVE_TUNNELS_H 1

/* Tunnel ports to remote NVEs.
 *
 * The integration bridge has exactly one tunnel port per valid Remote_NVE
 * row, of type Remote_NVE.encap (default NVE_Global.encap, default
 * "vxlan"), with options remote_ip=<Remote_NVE.ip>,
 * local_ip=<NVE_Global.underlay_ip> (unless NVE_Global
 * options:tunnel_local_ip is false) and key=flow.  A remote is valid if its
 * ip is an address other than underlay_ip and of the same family; without
 * an underlay_ip, no remote is.
 *
 * The Port and its Interface carry external_ids:nve-remote=<Remote_NVE.name>;
 * that mark is what makes a port ours.  Every run compares the ports that
 * carry the mark with the Remote_NVE table ("mark and sweep", as OVN's
 * encaps.c does): a missing port is created, a port whose type or options
 * differ is updated in place, and a marked port that no valid remote wants,
 * or that is not on the integration bridge, is deleted.  Ports without the
 * mark are never touched.
 *
 * For each tunnel port that has an OpenFlow port number, tunnels also adds
 * its flows in the pipeline: the ingress classification in table 0,
 * in_port=<port>: the VNI of the tunnel header becomes the VNID, the packet
 * is flagged as coming from a remote NVE, and it goes on to the next table;
 * and the egress: a packet that the L2 lookup sends to the port (reg1) and
 * that does not come from a remote NVE passes the egress ACL stage and goes
 * out of the port with the VNID as its VNI.  The owner of these flows is
 * FLOW_OWNER_TUNNEL with an id derived from the remote's name, so it is the
 * same across restarts. */

#include <stdbool.h>
#include <stddef.h>
#include "openvswitch/types.h"

struct ds;
struct flow_table;
struct nverec_nve_global;
struct nverec_remote_nve_table;
struct ovsdb_idl;
struct ovsdb_idl_txn;
struct ovsrec_bridge;
struct ovsrec_bridge_table;
struct ovsrec_open_vswitch;

/* The mark of ports that tunnels owns, in Port and Interface external_ids. */
#define TUNNELS_OWNER_KEY "nve-remote"

void tunnels_register_ovs_idl(struct ovsdb_idl *);
void tunnels_register_nve_idl(struct ovsdb_idl *);

struct tunnels *tunnels_create(void);
void tunnels_destroy(struct tunnels *);

/* Reconciles the tunnel ports on 'br_int' and their flows in 'flows' with
 * 'nve_cfg' and 'remotes'.  Writes to the Open_vSwitch database only if
 * 'ovs_txn' is nonnull.  The caller must only call it once both databases
 * have been read and with 'nve_cfg' nonnull: the absence of a remote is then
 * a real absence, not a database not yet read.  With 'br_int' null, the
 * bridge is still being created: tunnels forgets its flows and sweeps
 * nothing yet.
 *
 * A round that deletes ports does nothing else, and increments 'ovs''s
 * next_cfg; ports are created or corrected only when ovs-vswitchd has
 * applied every change (cur_cfg == next_cfg).  ovs-vswitchd refuses a tunnel
 * port with the configuration of one it still has, even one deleted in the
 * same transaction or on another bridge. */
void tunnels_run(struct tunnels *, struct ovsdb_idl_txn *ovs_txn,
                 const struct ovsrec_open_vswitch *ovs,
                 const struct ovsrec_bridge_table *,
                 const struct ovsrec_bridge *br_int,
                 const struct nverec_nve_global *nve_cfg,
                 const struct nverec_remote_nve_table *remotes,
                 struct flow_table *flows);

/* Forgets every tunnel and removes their flows, without touching the
 * database: for when the configuration can no longer be read. */
void tunnels_clear(struct tunnels *, struct flow_table *flows);

/* True if the last tunnels_run() found the Open_vSwitch database in the
 * wanted state: every tunnel port as configured and numbered by
 * ovs-vswitchd, no stray port left, nothing written.  The flows of a settled
 * round are the whole configuration. */
bool tunnels_is_settled(const struct tunnels *);

size_t tunnels_count(const struct tunnels *);

/* Returns the OpenFlow port number of the tunnel to remote NVE 'remote',
 * OFPP_NONE if it has none (yet). */
ofp_port_t tunnels_get_ofport(const struct tunnels *, const char *remote);

/* Appends one line per tunnel, sorted by remote name, to 'ds':
 * "REMOTE IP ENCAP PORT OFPORT", with "-" for a port not created yet or not
 * numbered yet. */
void tunnels_format(const struct tunnels *, struct ds *);

#endif /* tunnels.h */
