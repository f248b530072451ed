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


#ifndef NVE_VSI_RESOURCES_H
#define NVE_VSI_RESOURCES_H 1

/* What VSIs hold and others may not take: the local VIDs of each
 * TES-facing port, one per VN behind it (struct vsi_port_vn), and the MAC
 * addresses of each VN, one owner each.
 *
 * The VSI table changes these as it applies plans; the planner
 * (vsi-plan.h) only reads them.  Lookups are hash lookups; a port's free
 * VIDs are found a word of its bitmap at a time.  This module is pure: no
 * I/O, no database, no flows. */

#include <stdbool.h>
#include <stdint.h>
#include "openvswitch/hmap.h"
#include "openvswitch/types.h"
#include "vsi.h"

struct vsi_resources {
    struct hmap ports;          /* Contains "struct vsi_port"s, by name. */
    struct hmap macs;           /* Contains "struct vsi_mac_owner"s. */
    struct hmap tes;            /* Contains "struct vsi_tes_usage"s. */
    struct hmap meter_ids;      /* Contains "struct vsi_meter_id"s. */
    uint32_t next_meter_id;     /* Where the search for a free id starts. */
};

void vsi_resources_init(struct vsi_resources *);
void vsi_resources_destroy(struct vsi_resources *);

/* Ports: find, or find or create. */
struct vsi_port *vsi_port_find(const struct vsi_resources *,
                               const char *name);
struct vsi_port *vsi_port_get(struct vsi_resources *, const char *name);
bool vsi_port_vid_is_used(const struct vsi_port *, uint16_t vid);

/* TES: the number of VSIs that TES 'tes' holds (those bound to a port),
 * and a change of it by 'delta'. */
size_t vsi_tes_n_vsis(const struct vsi_resources *, const char *tes);
void vsi_tes_count(struct vsi_resources *, const char *tes, int delta);

/* (Port, VN) pairs: the VN's VID on the port. */
struct vsi_port_vn *vsi_port_vn_find(const struct vsi_port *, uint32_t vnid);
struct vsi_port_vn *vsi_port_vn_create(struct vsi_port *, uint32_t vnid,
                                       const char *vn, uint16_t vid, int pcp);
void vsi_port_vn_destroy(struct vsi_port_vn *);
void vsi_port_vn_set_vid(struct vsi_port_vn *, uint16_t vid);

/* MAC addresses: the VSI that owns 'mac' in 'vnid', or NULL; claim, and
 * release (only if 'vsi' is its owner). */
struct vsi *vsi_mac_owner(const struct vsi_resources *, uint32_t vnid,
                          struct eth_addr mac);
void vsi_mac_claim(struct vsi_resources *, uint32_t vnid, struct eth_addr,
                   struct vsi *);
void vsi_mac_release(struct vsi_resources *, uint32_t vnid, struct eth_addr,
                     const struct vsi *);

/* Meter ids: each binding holds one for its lifetime, which its meter
 * (vsi-flows.c) uses if its profile has a rate limit.  The id is kept in
 * the database, so that it survives a restart whatever the order in which
 * the VSIs are loaded.  vsi_meter_id_claim() returns 'wanted' if it is
 * nonzero and free, else the lowest free id from where the last search
 * stopped. */
uint32_t vsi_meter_id_claim(struct vsi_resources *, uint32_t wanted);
void vsi_meter_id_release(struct vsi_resources *, uint32_t id);

#endif /* vsi-resources.h */
