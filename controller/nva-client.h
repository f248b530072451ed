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

#ifndef NVE_NVA_CLIENT_H
#define NVE_NVA_CLIENT_H 1

#include <stddef.h>
#include <stdint.h>

/* The NVE's side of the Network Virtualization Authority (nva(5)): an
 * OVSDB cluster where every NVE publishes its VSIs and learns the others'.
 *
 * NVE_Global options:nva_remote names the cluster's members
 * (comma-separated tcp: or ssl: targets); without it the NVE is standalone,
 * as before.  With it:
 *
 *   - Publish.  The NVE's own NVA row (name, underlay address,
 *     encapsulation, alive_at) and one Mapping per MAC of each VSI, active
 *     if the VSI is associated, standby otherwise, are kept equal to the
 *     VSIs as committed to the NVE database: what is published is always
 *     durable locally.  The VSIs are the VSI table's (vsi-table.h), which
 *     says when a change of one committed (nva_client_vsi_committed()); a
 *     key of a VSI whose latest change is not yet committed waits for it.  The comparison is with this NVE's own rows in the NVA, so a
 *     restart or a reconnection reconciles (adds what is missing, removes
 *     stale rows); other NVEs' rows are never written.  A VSI associated
 *     here whose active mapping another NVE's beats (the VM moved there) is
 *     reported, for the VSI table to deactivate it (nva_client_pop_moved()).
 *
 *   - Learn.  The NVA is monitored conditionally: the mappings of the VNs
 *     of the NVE database (and this NVE's own), and the NVE rows of the
 *     NVEs that have them (and this NVE's own).  Each (VNID, MAC) with an
 *     active mapping of another NVE (the highest mobility sequence number
 *     wins) becomes a Remote_Mapping row in the NVE database, and its NVE a
 *     Remote_NVE row, both marked external_ids:nva=learned, as
 *     ovn-controller-vtep writes what it learns from OVN into the VTEP
 *     database.  The existing tunnel and remote flow machinery turns them
 *     into tunnel ports, unicast flows and flooding lists.  The operator's
 *     own (unmarked) rows win: a learned row is never created where one of
 *     them has the same remote name or (VN, MAC).
 *
 *   - Headless.  While the NVA is unreachable, the learned rows stay as they
 *     are (and survive restarts of the controller); once it is back, both
 *     directions are reconciled.
 *
 * Both directions are incremental: a run compares only the mappings of
 * the VSIs whose changes committed and of the rows that changed in the NVA
 * or in the NVE database's Remote_NVE and Remote_Mapping tables (IDL change
 * tracking), so that one VM's change costs the same whatever the number of
 * mappings.  Everything is
 * compared only after a (re)connection to the NVA, a change of this NVE's
 * name, of the VNs or of the operator's Remote_NVE and Remote_Mapping
 * rows.  nva/show counts both. */

struct nverec_nve_global;
struct ovsdb_idl;
struct ovsdb_idl_txn;
struct ds;
struct vsi;
struct vsi_table;

/* The value of external_ids:nva of learned rows in the NVE database. */
#define NVA_LEARNED_KEY "nva"
#define NVA_LEARNED_VALUE "learned"

/* In a learned Remote_Mapping, the comma-separated names of the Remote_NVEs
 * where the VM is about to start (standby mappings with a higher mobility
 * sequence number than the active one): its frames go there too. */
#define NVA_STANDBY_KEY "nva-standby"

void nva_client_register_nve_idl(struct ovsdb_idl *);

struct sset;

struct nva_client *nva_client_create(void);

/* Creates the client's indexes of the NVE database: before its first
 * ovsdb_idl_run(). */
void nva_client_index_nve_idl(struct nva_client *, struct ovsdb_idl *);
void nva_client_destroy(struct nva_client *);

/* Connects, and publishes.  Call once per main loop iteration, after
 * ovsdb_idl_loop_run() of the NVE database and the SSL configuration (an
 * ssl: NVA waits for it), and after vsi_table_run() (which reports the
 * committed VSIs).  'cfg' may be NULL. */
void nva_client_run(struct nva_client *, struct ovsdb_idl *nve_idl,
                    const struct vsi_table *,
                    const struct nverec_nve_global *cfg);

/* Notes that the last change of VSI 'v' (perhaps its removal, in
 * VSI_ABSENT) committed to the NVE database: its keys are compared with the
 * NVA again.  For vsi_table_set_committed_cb(). */
void nva_client_vsi_committed(struct nva_client *, const struct vsi *);

/* Moves into 'moved' (which the caller initialized) the ids of the VSIs
 * that the last nva_client_run() found associated here and published
 * active, while another NVE's active mapping for one of their MACs wins
 * (a higher mobility sequence number, then the smaller NVE name): the VM
 * moved there, and this NVE is to deactivate it.  While that is not done
 * and committed, the next runs report them again. */
void nva_client_pop_moved(struct nva_client *, struct sset *moved);

/* Writes what was learned into 'nve_txn'.  Call after everything that
 * reads the Remote_NVE and Remote_Mapping tables whole in the round
 * (tunnels_run(), remote_flows_run()): a row inserted into an open
 * transaction is visible to them with a UUID that the database will not
 * keep. */
void nva_client_learn(struct nva_client *, struct ovsdb_idl *nve_idl,
                      struct ovsdb_idl_txn *nve_txn,
                      const struct nverec_nve_global *cfg);
void nva_client_wait(struct nva_client *);

/* Unfreezes the MAC 'mac' of VN 'vnid' that duplicate address detection
 * froze, or every frozen MAC if 'mac' is NULL, so that its mappings are
 * followed again.  Returns how many it unfroze. */
size_t nva_client_unfreeze(struct nva_client *, int64_t vnid,
                           const char *mac);

/* unixctl output. */
void nva_client_format(const struct nva_client *, struct ds *);

#endif /* nva-client.h */
