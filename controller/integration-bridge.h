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


#ifndef NVE_INTEGRATION_BRIDGE_H
#define NVE_INTEGRATION_BRIDGE_H 1

/* The integration bridge that nve-controller programs: NVE_Global.bridge,
 * "br-int" by default.  nve-controller creates it if it is missing, with
 * fail_mode=secure and its mark in external_ids, and never deletes or
 * modifies a bridge, even one it created: other ports may be on it. */

struct nverec_nve_global;
struct ovsdb_idl;
struct ovsdb_idl_txn;
struct ovsrec_bridge;

/* The name of the integration bridge that 'nve_cfg' (may be NULL) names. */
const char *integration_bridge_name(const struct nverec_nve_global *nve_cfg);

/* Returns the integration bridge, or NULL if it does not exist yet, in
 * which case it is being created if 'ovs_txn' allows. */
const struct ovsrec_bridge *integration_bridge_run(
    struct ovsdb_idl_txn *ovs_txn, struct ovsdb_idl *ovs_idl,
    const struct nverec_nve_global *nve_cfg);

#endif /* integration-bridge.h */
