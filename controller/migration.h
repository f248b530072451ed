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

#ifndef NVE_MIGRATION_H
#define NVE_MIGRATION_H 1

/* Live migration of VMs across NVEs, the parts the NVE does on its own.
 *
 * A VSI that "immigrate" pre-associated here is activated by the VM's first
 * frame at its port (the RARP or gratuitous ARP a hypervisor sends after a
 * migration, or any other frame from its MAC), whichever comes first of
 * that and the TES's "associate" or "immigrate" in mode "associate".
 * vsi-flows.c sends such frames to the controller; migration_run() takes
 * them and activates the VSI (vsi_table_activate()), which publishes it
 * active in the NVA with a higher mobility sequence number (nva-client.c)
 * and tells its TES.  Each frame is held until the VSI's new flows are
 * confirmed installed, then sent through the flow tables again, so that
 * the first frame is forwarded, not lost.
 *
 * The same path serves VSIs bound without MACs (by IPs only, or by a VDP
 * filter of format VID or GroupID/VID): vsi-flows.c sends up the frames
 * from their (port, VID) whose source MAC no VSI owns, migration_run()
 * hands each to vsi_table_learn(), and a frame that taught its VSI a MAC
 * is held and sent again the same way. */

#include <stdbool.h>
#include <stdint.h>

struct barrier;
struct ds;
struct vsi_table;

struct migration *migration_create(void);
void migration_destroy(struct migration *);

/* Takes the VSIs' frames that the switch sent up and activates their VSIs.
 * Call after ofctrl_run(), once vsi_table_is_ready(). */
void migration_run(struct migration *, struct vsi_table *);

/* Sends the held frames whose VSI's flows are installed back through the
 * flow tables.  Call after barrier_round_end(); the barrier's progress
 * wakes the main loop. */
void migration_flush(struct migration *, const struct barrier *);

void migration_format_status(const struct migration *, struct ds *);

#endif /* migration.h */
