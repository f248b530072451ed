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


#ifndef NVE_VSI_PLAN_H
#define NVE_VSI_PLAN_H 1

/* The planner of the VSI core: checks one request against the
 * configuration (vsi-config.h), the resources that VSIs hold
 * (vsi-resources.h) and the lifecycle table (lib/vsi-lifecycle.h), and
 * either refuses it with a status and a message naming the culprit, or
 * says exactly what applying it means: the transition, the port, and for
 * every network its VN, policy profile, local VID and PCP.
 *
 * It is a function from (request, current VSI, configuration, resources)
 * to a plan: it changes nothing, so a refused request leaves no trace, and
 * it is unit-tested table by table without a database or a daemon
 * (tests/test-vsi-plan.c).  The VSI table (vsi-table.h) applies plans.
 *
 * Only the TES of a VSI may change it, but for one case: another TES may
 * take it over by "immigrate" (a VM moving between two hypervisors behind
 * this NVE), once the VSI's TES emigrated it, or at any time if both TES
 * are in one migration domain (vsi_config_same_migration_domain()).  Any
 * other TES is refused with FAILED_AUTHORIZATION.
 *
 * Cost: O(the request's networks and addresses), plus a scan of the
 * port's VID bitmap when a VID must be allocated. */

#include <stdbool.h>
#include <stddef.h>
#include "vsi-lifecycle.h"

struct vsi;
struct vsi_config;
struct vsi_config_port;
struct vsi_config_profile;
struct vsi_config_tes;
struct vsi_config_vn;
struct vsi_network;
struct vsi_request;
struct vsi_resources;

/* One network of a request, resolved. */
struct vsi_plan_net {
    const struct vsi_network *req;
    const struct vsi_config_vn *vn;
    const struct vsi_config_profile *profile;   /* Or NULL. */
    uint16_t vid;               /* The VN's local VID on the port. */
    int pcp;                    /* The VSI's PCP in the VN, or -1. */
    int vn_pcp;                 /* The (port, VN)'s PCP, or -1. */
};

struct vsi_plan {
    enum vsi_status status;     /* VSI_ST_SUCCESS, or why not. */
    char *message;              /* If refused: why, naming the field. */

    /* The TES the requester proved to be, even if the request was then
     * refused; NULL if it proved none. */
    const struct vsi_config_tes *tes;

    /* If accepted: */
    const struct vsi_transition *tr;
    const struct vsi_config_port *port;     /* With VSI_ACT_BIND. */
    struct vsi_plan_net *nets;  /* With VSI_ACT_BIND, by VNID. */
    size_t n_nets;
    bool rebind;                /* The VSI's bindings change. */

    /* If 'tes' takes the VSI over from another TES by "immigrate": why it
     * may, for the log ("emigrated", or "migration domain NAME"); NULL if
     * the VSI stays with its TES, or is new. */
    char *takeover;
};

/* Plans 'rq' for VSI 'v' (NULL, or VSI_ABSENT, if the NVE holds nothing
 * for it), when the NVE holds 'n_held' VSIs.  Returns plan->status; the
 * caller must vsi_plan_destroy() 'plan' either way. */
enum vsi_status vsi_plan_request(const struct vsi_request *rq,
                                 const struct vsi *v, size_t n_held,
                                 const struct vsi_config *,
                                 const struct vsi_resources *,
                                 struct vsi_plan *plan);
void vsi_plan_destroy(struct vsi_plan *);

#endif /* vsi-plan.h */
