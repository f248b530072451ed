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


#ifndef NVE_VSI_TABLE_H
#define NVE_VSI_TABLE_H 1

/* The VSI core's state: every VSI the NVE holds, in its lifecycle state.
 *
 * Requests come from the front ends (TNS, VDP) as protocol-neutral struct
 * vsi_request.  The planner (vsi-plan.h) checks each one completely before
 * anything changes, so a refused request leaves no trace; the table then
 * applies the plan through the lifecycle table (lib/vsi-lifecycle.h):
 * bindings, VIDs and MACs (vsi-resources.h), flows (vsi-flows.h), the
 * ageing timer, notifications to the TES.  The table also makes the NVE's
 * own changes: ageing out, and what configuration changes imply.
 *
 * An accepted change is made in memory at once and becomes durable and
 * installed later: vsi-db.c writes the VSI's rows in the round's NVE
 * database transaction and its flows go out in the round's OpenFlow
 * bundle.  Every outcome and notification carries a barrier ticket
 * (barrier.h): the front end answers once barrier_is_done(ticket).
 *
 * Cost per request: O(its own networks and MACs), plus O(log N) in the
 * ageing heap and the database index, whatever the number N of VSIs. */

#include <stdbool.h>
#include <stdint.h>
#include "openvswitch/list.h"
#include "openvswitch/types.h"
#include "vsi-lifecycle.h"
#include "vsi-request.h"
#include "vsi.h"

struct barrier;
struct ds;
struct flow;
struct nverec_nve_global;
struct ovsdb_idl;
struct ovsdb_idl_loop;
struct ovsdb_idl_txn;
struct shash;
struct vsi_flows;

/* The round's database: what vsi_table_run() reads. */
struct vsi_ctx {
    struct ovsdb_idl *nve_idl;
    const struct ovsdb_idl_loop *nve_loop;
    struct ovsdb_idl_txn *nve_txn;    /* NULL if none open this round. */
    const struct nverec_nve_global *global;   /* NULL if none yet. */
};

/* The outcome of one request.  On success, the VSI's state and networks
 * are those of vsi_table_find() right after the request. */
struct vsi_outcome {
    enum vsi_status status;
    char *message;              /* Why it failed, naming the field. */
    char *tes;                  /* The TES the requester proved to be (even
                                 * if the request then failed), or NULL. */
    uint64_t ticket;            /* Answer once barrier_is_done(ticket): the
                                 * change, or the last change of the VSI
                                 * that the answer reports on. */
};

void vsi_outcome_destroy(struct vsi_outcome *);

struct vsi_table *vsi_table_create(struct ovsdb_idl *nve_idl,
                                   const char *nve_remote,
                                   struct barrier *, struct vsi_flows *);
void vsi_table_destroy(struct vsi_table *);

/* Loads the VSIs from the database the first time it is available, notes
 * which earlier transaction committed or failed, handles configuration
 * changes (VN or port renumbering, profiles' and VNs' new PCPs and VNs' new
 * default profiles, removed VNs and TES, VSI rows deleted by the operator)
 * and ages out idle VSIs.  Call once per main loop iteration, after
 * barrier_run() and profiles_run(), and before any request. */
void vsi_table_run(struct vsi_table *, const struct vsi_ctx *);

/* Whether the VSIs were loaded from the database, so that requests may be
 * handled. */
bool vsi_table_is_ready(const struct vsi_table *);

/* Tells the table that the switch has every flow it wanted so far. */
void vsi_table_flows_in_switch(struct vsi_table *);

/* Makes vsi_table_run() call 'cb' with every VSI whose last change (its
 * removal, in VSI_ABSENT, too) was committed to the database since the
 * last run, before a removed one is freed: not one whose keep-alive time
 * alone was written since it was last reported. */
void vsi_table_set_committed_cb(struct vsi_table *,
                                void (*cb)(void *aux, const struct vsi *),
                                void *aux);

/* Calls 'cb' with every VSI held (not in VSI_ABSENT). */
void vsi_table_for_each(const struct vsi_table *,
                        void (*cb)(void *aux, const struct vsi *),
                        void *aux);

/* Handles one request.  Fills in 'outcome', which the caller must
 * destroy. */
void vsi_table_request(struct vsi_table *, const struct vsi_request *,
                       struct vsi_outcome *outcome);

/* Handles the VSI's first frame at this NVE after a live migration: a
 * frame from source MAC 'mac' that arrived on the TES-facing port with
 * OpenFlow number 'ofport', tagged with local VID 'vid'.  If a VSI that
 * "immigrate" pre-associated owns that MAC there, it becomes associated
 * with the networks it has, as by "immigrate" in mode "associate", and its
 * TES is told with an "activated" notification; '*activated' says whether
 * that happened.  Returns the VSI that owns the MAC there (activated now,
 * or before), or NULL if none: once barrier_is_done() of its ticket, its
 * flows are those of its state. */
const struct vsi *vsi_table_activate(struct vsi_table *, ofp_port_t ofport,
                                     uint16_t vid, struct eth_addr mac,
                                     bool *activated);

/* Handles a frame from a source MAC that no VSI owns, which the switch sent
 * up from the (port, VID) of an associated VSI bound there without MACs
 * (vsi-flows.h): 'cookie' is the VSI's, 'ofport' the port's OpenFlow
 * number and 'flow' the frame's headers, tagged with the local VID.  The
 * VSI learns the source MAC if its binding there names IPs and the frame's
 * sender IP is one of them (ARP sender, IPv4 or IPv6 source), or if it
 * names none (VDP filter formats VID and GroupID/VID), up to
 * NVE_Global options:vsi_max_learned_macs MACs per binding.  A MAC that
 * another VSI signalled in the VN is never learned; one that another VSI
 * learned moves to this one, logged.  The learned MAC gets the flows of a
 * signalled one and is written into the VSI's row (so the NVA learns it).
 * Returns the VSI if it has the MAC now: once barrier_is_done() of its
 * ticket, its flows forward the frame.  Returns NULL, logged and counted
 * if the limit or another VSI's MAC is why, if it taught nothing. */
const struct vsi *vsi_table_learn(struct vsi_table *, uint64_t cookie,
                                  ofp_port_t ofport, const struct flow *);

/* Handles VSI 'id' being active at another NVE with a winning mapping in
 * the NVA (nva_client_pop_moved()): the VM moved there, so if it is
 * associated here, it is deactivated as by "emigrate" (it stays, not
 * forwarding, until "terminate" or ageing) and its TES is told with a
 * "deassociated" notification, reason "moved". */
void vsi_table_moved(struct vsi_table *, const char *id);

/* Handles the switch's refusal, with OpenFlow error 'error', of the flows
 * of owner 'cookie' (ofctrl_pop_refusals()): the VSI, or the VSIs of the
 * (port, VN) pair, that owns them is removed, since it cannot forward, and
 * its TES is told with a "deassociated" notification, reason
 * "insufficient_resources", unless it never learned that the NVE held it
 * (the refused change bound it).  Call after ofctrl_run(), before any
 * request of the round.
 *
 * vsi_table_refused() returns the VSIs so removed in the current round,
 * id -> why, and '*ticket', the ticket of their removal: the front ends
 * turn every reply they still owe that reports such a VSI held into
 * INSUFFICIENT_RESOURCES, sent once barrier_is_done(*ticket). */
void vsi_table_flows_refused(struct vsi_table *, uint64_t cookie,
                             const char *error);
const struct shash *vsi_table_refused(const struct vsi_table *,
                                      uint64_t *ticket);

/* Removes VSI 'id', if 'tes' holds it, as the operator's removal does:
 * its TES is told with a "deassociated" notification, reason 'reason'.
 * For a TES that refused a "local_change" of the VSI. */
void vsi_table_remove(struct vsi_table *, const char *id, const char *tes,
                      const char *reason);

/* Writes the changed VSIs into 'txn' (if not NULL).  Call after all
 * requests of the iteration, before the transaction is committed. */
void vsi_table_sync(struct vsi_table *, struct ovsdb_idl_txn *txn);

/* Notifications for TES that the NVE itself produced: takes those for
 * front end 'protocol' out of the table, to be sent to 'tes'.  For
 * "local_change", the VSI's new networks are those of vsi_table_find() at
 * the time it is sent, which must wait until barrier_is_done(ticket) (the
 * change it reports is durable and installed).
 *
 * Besides the NVE's own removals and changes, a VSI signalled over one
 * protocol that a request over the other terminates or binds anew is
 * "deassociated" for the first (e.g. a "terminate" over TNS of a VSI that a
 * VDP station associated), so that each front end learns of every VSI it
 * signalled that goes away. */
struct vsi_notification {
    struct ovs_list node;
    enum vsi_protocol protocol; /* Front end that delivers it. */
    char *tes;
    char *vsi;
    char *method;               /* "deassociated", "local_change" or
                                 * "activated". */
    char *reason;               /* For "deassociated". */
    uint64_t ticket;            /* Send once barrier_is_done(ticket). */
};
void vsi_table_pop_notifications(struct vsi_table *, enum vsi_protocol,
                                 struct ovs_list *out);
void vsi_notification_destroy(struct vsi_notification *);

/* Updates the OpenFlow port number of TES-facing port 'name'. */
void vsi_table_set_ofport(struct vsi_table *, const char *name, ofp_port_t);

/* Stores in '*vid' and '*pcp' the local VID and the PCP (or -1) of VN
 * 'vnid' on the port with OpenFlow number 'ofport', and returns true; false
 * if no VSI of the VN sits behind it.  O(ports). */
bool vsi_table_port_vn_tag(const struct vsi_table *, ofp_port_t ofport,
                           uint32_t vnid, uint16_t *vid, int *pcp);

void vsi_table_wait(const struct vsi_table *);

/* Lookups and introspection. */
const struct vsi *vsi_table_find(const struct vsi_table *, const char *id);
size_t vsi_table_count(const struct vsi_table *);

/* The flows of the VSIs, for their counters (vsi-counters.h). */
struct vsi_flows *vsi_table_flows(const struct vsi_table *);
void vsi_format(const struct vsi *, struct ds *);
void vsi_table_format_list(const struct vsi_table *, struct ds *);
void vsi_table_format_status(const struct vsi_table *, struct ds *);

#endif /* vsi-table.h */
