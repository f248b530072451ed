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


/* The planner of the VSI core: see vsi-plan.h.  Every refusal of a request
 * for reasons of authorization, configuration or resources is decided
 * here, and only here. */

#include <config.h>
#include "vsi-plan.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "bitmap.h"
#include "packets.h"
#include "util.h"
#include "vsi-config.h"
#include "vsi-request.h"
#include "vsi-resources.h"
#include "vsi.h"

static bool OVS_PRINTF_FORMAT(3, 4)
plan_fail(struct vsi_plan *plan, enum vsi_status status,
          const char *format, ...)
{
    va_list args;

    plan->status = status;
    va_start(args, format);
    plan->message = xvasprintf(format, args);
    va_end(args);
    return false;
}

/* Resolves the TES of 'rq' and checks that it may speak. */
static bool
plan_tes(const struct vsi_request *rq, const struct vsi_config *cfg,
         struct vsi_plan *plan)
{
    const char *tes = rq->tes ? rq->tes : rq->peer_cn;

    if (!tes) {
        return plan_fail(plan, VSI_ST_INVALID_REQUEST,
                         "params.tes: required field missing");
    }
    if (rq->peer_cn && !*rq->peer_cn) {
        return plan_fail(plan, VSI_ST_FAILED_AUTHORIZATION,
                         "the TLS certificate has no common name");
    }
    if (rq->peer_cn && strcmp(tes, rq->peer_cn)) {
        return plan_fail(plan, VSI_ST_FAILED_AUTHORIZATION,
                         "tes %s does not match the TLS certificate (CN %s)",
                         tes, rq->peer_cn);
    }
    plan->tes = vsi_config_find_tes(cfg, tes);
    if (!plan->tes) {
        return plan_fail(plan, VSI_ST_FAILED_AUTHORIZATION,
                         "unknown tes %s", tes);
    }
    return true;
}

/* Checks that the TES of 'plan' may take VSI 'v' over from its TES. */
static bool
plan_takeover(const struct vsi_request *rq, const struct vsi *v,
              const struct vsi_config *cfg, struct vsi_plan *plan)
{
    const struct vsi_config_tes *owner = vsi_config_find_tes(cfg, v->tes);

    if (rq->event != VSIE_IMMIGRATE_PRE && rq->event != VSIE_IMMIGRATE_ASSOC) {
        return plan_fail(plan, VSI_ST_FAILED_AUTHORIZATION,
                         "vsi %s belongs to another tes", v->id);
    }
    if (vsi_config_same_migration_domain(plan->tes, owner)) {
        plan->takeover = xasprintf("migration domain %s",
                                   owner->migration_domain);
    } else if (v->state == VSI_EMIGRATING) {
        plan->takeover = xstrdup("emigrated");
    } else {
        return plan_fail(plan, VSI_ST_FAILED_AUTHORIZATION,
                         "tes %s may not take vsi %s over: tes %s has not "
                         "emigrated it, and they share no migration domain",
                         plan->tes->name, v->id, v->tes);
    }
    return true;
}

/* The port of 'rq': named, or the TES's only one. */
static bool
plan_port(const struct vsi_request *rq, struct vsi_plan *plan)
{
    const struct vsi_config_tes *tes = plan->tes;

    if (rq->port) {
        for (size_t i = 0; i < tes->n_ports; i++) {
            if (!strcmp(tes->ports[i]->name, rq->port)) {
                plan->port = tes->ports[i];
                return true;
            }
        }
        return plan_fail(plan, VSI_ST_FAILED_AUTHORIZATION,
                         "tes %s may not use port %s", tes->name, rq->port);
    } else if (tes->n_ports == 1) {
        plan->port = tes->ports[0];
        return true;
    } else if (!tes->n_ports) {
        return plan_fail(plan, VSI_ST_FAILED_AUTHORIZATION,
                         "tes %s may not use any port", tes->name);
    } else {
        return plan_fail(plan, VSI_ST_INVALID_REQUEST,
                         "params.port: required field missing (tes %s has "
                         "%"PRIuSIZE" ports)", tes->name, tes->n_ports);
    }
}

/* Whether VSI 'v' (NULL if new) is the only one of a VN on 'port' that
 * carries 'vid' there, and 'plan' leaves that VN: then applying the plan
 * releases 'vid', and the plan may give it to another VN of the VSI. */
static bool
vid_is_released(const struct vsi *v, const struct vsi_port *port,
                const struct vsi_plan *plan, uint16_t vid)
{
    for (size_t i = 0; v && v->port == port && i < v->n_bindings; i++) {
        const struct vsi_port_vn *pv = v->bindings[i].pv;

        if (pv->vid == vid) {
            if (pv->n_bindings != 1) {
                return false;
            }
            for (size_t k = 0; k < plan->n_nets; k++) {
                if (plan->nets[k].vn->vnid == pv->vnid) {
                    return false;
                }
            }
            return true;
        }
    }
    return false;
}

/* Whether 'vid' is taken on 'port' (configuration 'pcfg') for a VN that has
 * none there yet, when VSI 'v' applies 'plan': in use (unless 'v' releases
 * it), pinned to another VN, or planned for one of the first 'n'
 * networks. */
static bool
vid_is_taken(const struct vsi *v, const struct vsi_port *port,
             const struct vsi_config_port *pcfg, const struct vsi_plan *plan,
             size_t n, uint16_t vid)
{
    if ((vsi_port_vid_is_used(port, vid)
         && !vid_is_released(v, port, plan, vid))
        || vsi_config_pinned_vn(pcfg, vid)) {
        return true;
    }
    for (size_t i = 0; i < n; i++) {
        if (plan->nets[i].vid == vid) {
            return true;
        }
    }
    return false;
}

/* Picks a VID for a VN that has none yet on 'port'.  Returns 0 if the pool
 * is exhausted. */
static uint16_t
allocate_vid(const struct vsi *v, const struct vsi_port *port,
             const struct vsi_config_port *pcfg, const struct vsi_plan *plan,
             size_t n)
{
    int hi = pcfg->vid_max;

    for (int vid = pcfg->vid_min; vid <= hi; vid++) {
        if (port) {
            /* Skip the VIDs in use, a word at a time. */
            vid = bitmap_scan(port->used_vids, false, vid, hi + 1);
            if (vid > hi) {
                break;
            }
        }
        if (!vid_is_taken(v, port, pcfg, plan, n, vid)) {
            return vid;
        }
    }
    return 0;
}

/* The local VID of network 'i' of the plan: shared with the VN's other
 * VSIs behind the port, pinned by the operator, requested, or
 * allocated. */
static bool
plan_vid(const struct vsi *v, const struct vsi_port *port,
         struct vsi_plan *plan, size_t i)
{
    const struct vsi_config_port *pcfg = plan->port;
    struct vsi_plan_net *p = &plan->nets[i];
    const struct vsi_port_vn *pv = port ? vsi_port_vn_find(port, p->vn->vnid)
                                        : NULL;
    uint16_t asked = p->req->vid;
    uint16_t pin = vsi_config_pinned_vid(pcfg, p->vn);

    if (pv) {
        p->vid = pv->vid;
    } else if (pin) {
        p->vid = pin;
    } else if (asked) {
        const struct vsi_config_vn *other = vsi_config_pinned_vn(pcfg, asked);

        if (asked < pcfg->vid_min || asked > pcfg->vid_max) {
            return plan_fail(plan, VSI_ST_CONFLICT_POLICIES,
                             "vid %"PRIu16" is outside the vid pool of port "
                             "%s (%d to %d)", asked, pcfg->name,
                             pcfg->vid_min, pcfg->vid_max);
        }
        if ((other && other != p->vn)
            || vid_is_taken(v, port, NULL, plan, i, asked)) {
            return plan_fail(plan, VSI_ST_CONFLICT_POLICIES,
                             "vid %"PRIu16" already carries another vn on "
                             "port %s", asked, pcfg->name);
        }
        p->vid = asked;
    } else {
        p->vid = allocate_vid(v, port, pcfg, plan, i);
        if (!p->vid) {
            return plan_fail(plan, VSI_ST_INSUFFICIENT_RESOURCES,
                             "no free vid on port %s for vn %s", pcfg->name,
                             p->vn->name);
        }
    }
    if (asked && asked != p->vid) {
        return plan_fail(plan, VSI_ST_CONFLICT_POLICIES,
                         "vn %s uses vid %"PRIu16" on port %s, not %"PRIu16,
                         p->vn->name, p->vid, pcfg->name, asked);
    }
    return true;
}

/* Checks every network of 'rq' for VSI 'v' (NULL if new) behind 'port'
 * (NULL if no VSI is behind it yet). */
static bool
plan_networks(const struct vsi_request *rq, const struct vsi *v,
              const struct vsi_config *cfg, const struct vsi_resources *res,
              const struct vsi_port *port, struct vsi_plan *plan)
{
    plan->nets = xcalloc(MAX(rq->n_networks, 1), sizeof *plan->nets);
    plan->n_nets = rq->n_networks;
    for (size_t i = 0; i < rq->n_networks; i++) {
        const struct vsi_network *net = &rq->networks[i];
        struct vsi_plan_net *p = &plan->nets[i];

        p->req = net;
        p->vn = (net->vn ? vsi_config_find_vn(cfg, net->vn)
                 : vsi_config_find_vnid(cfg, net->vnid));
        if (!p->vn) {
            return (net->vn
                    ? plan_fail(plan, VSI_ST_UNKNOWN_VN, "unknown vn %s",
                                net->vn)
                    : plan_fail(plan, VSI_ST_UNKNOWN_VN,
                                "unknown vnid %"PRIu32, net->vnid));
        }
        for (size_t k = 0; k < i; k++) {
            if (plan->nets[k].vn == p->vn) {
                return plan_fail(plan, VSI_ST_INVALID_REQUEST,
                                 "params.networks[%"PRIuSIZE"]: same VN as "
                                 "params.networks[%"PRIuSIZE"]", i, k);
            }
        }
        if (!vsi_config_tes_may_join(plan->tes, p->vn)) {
            return plan_fail(plan, VSI_ST_FAILED_AUTHORIZATION,
                             "tes %s may not join vn %s", plan->tes->name,
                             p->vn->name);
        }

        if (net->policy) {
            p->profile = vsi_config_find_profile(cfg, net->policy);
            if (!p->profile) {
                return plan_fail(plan, VSI_ST_CONFLICT_POLICIES,
                                 "no policy profile named %s", net->policy);
            }
        } else {
            p->profile = p->vn->profile;
        }
        /* The VSI's traffic has its profile's PCP, else the VN's; frames
         * that no local VSI sent carry the (port, VN)'s, the VN's own. */
        p->pcp = vsi_config_binding_pcp(p->vn, p->profile);
        p->vn_pcp = vsi_config_vn_pcp(p->vn);

        for (size_t k = 0; k < net->n_macs; k++) {
            const struct vsi *owner = vsi_mac_owner(res, p->vn->vnid,
                                                    net->macs[k]);
            if (owner && owner != v) {
                return plan_fail(plan, VSI_ST_CONFLICT_POLICIES,
                                 "mac "ETH_ADDR_FMT" already belongs to vsi "
                                 "%s in vn %s", ETH_ADDR_ARGS(net->macs[k]),
                                 owner->id, p->vn->name);
            }
        }

    }

    /* The VIDs, once every VN of the request is known: a VN that the VSI
     * leaves may hand its VID to one that it joins. */
    for (size_t i = 0; i < rq->n_networks; i++) {
        if (!plan_vid(v, port, plan, i)) {
            return false;
        }
    }
    return true;
}

static int
compare_plan_nets(const void *a_, const void *b_)
{
    const struct vsi_plan_net *a = a_;
    const struct vsi_plan_net *b = b_;

    return a->vn->vnid < b->vn->vnid ? -1 : a->vn->vnid > b->vn->vnid;
}

static bool
macs_contain(const struct eth_addr *macs, size_t n, struct eth_addr mac)
{
    for (size_t i = 0; i < n; i++) {
        if (eth_addr_equals(macs[i], mac)) {
            return true;
        }
    }
    return false;
}

static bool
strings_contain(char **strings, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(strings[i], s)) {
            return true;
        }
    }
    return false;
}

/* Whether VSI 'v' already has exactly the bindings of 'plan' (sorted by
 * VNID) behind 'port': the same VNs, VIDs, PCPs, profiles, and sets of MACs
 * and IPs, in whatever order the request lists them.  The requested VIDs
 * do not matter: planning checked that they are the VIDs in use. */
static bool
bindings_equal(const struct vsi *v, const struct vsi_port *port,
               const struct vsi_plan *plan)
{
    if (!port || v->port != port || v->n_bindings != plan->n_nets) {
        return false;
    }
    for (size_t i = 0; i < plan->n_nets; i++) {
        const struct vsi_binding *b = &v->bindings[i];
        const struct vsi_plan_net *p = &plan->nets[i];
        const char *profile = p->profile ? p->profile->name : NULL;

        if (b->pv->vnid != p->vn->vnid || b->pv->vid != p->vid
            || b->pcp != p->pcp || b->default_profile != !p->req->policy
            || b->n_macs != p->req->n_macs || b->n_ips != p->req->n_ips
            || !nullable_string_is_equal(b->profile, profile)) {
            return false;
        }
        /* The request's MACs and IPs are distinct (the decoder checks). */
        for (size_t k = 0; k < p->req->n_macs; k++) {
            if (!macs_contain(b->macs, b->n_macs, p->req->macs[k])) {
                return false;
            }
        }
        for (size_t k = 0; k < p->req->n_ips; k++) {
            if (!strings_contain(b->ips, b->n_ips, p->req->ips[k])) {
                return false;
            }
        }
    }
    return true;
}

/* The binding part of a plan: port, limits and networks. */
static bool
plan_binding(const struct vsi_request *rq, const struct vsi *v,
             size_t n_held, const struct vsi_config *cfg,
             const struct vsi_resources *res, struct vsi_plan *plan)
{
    if (!plan_port(rq, plan)) {
        return false;
    }

    const struct vsi_config_port *pcfg = plan->port;
    const struct vsi_port *port = vsi_port_find(res, pcfg->name);
    if (!v && cfg->max_vsis >= 0 && (int64_t) n_held >= cfg->max_vsis) {
        return plan_fail(plan, VSI_ST_INSUFFICIENT_RESOURCES,
                         "the NVE holds its maximum of %"PRId64" vsis",
                         cfg->max_vsis);
    }
    const struct vsi_config_tes *tcfg = plan->tes;
    if ((!v || !v->port || strcmp(v->tes, tcfg->name)) && tcfg->max_vsis >= 0
        && (int64_t) vsi_tes_n_vsis(res, tcfg->name) >= tcfg->max_vsis) {
        return plan_fail(plan, VSI_ST_INSUFFICIENT_RESOURCES,
                         "tes %s holds its maximum of %"PRId64" vsis",
                         tcfg->name, tcfg->max_vsis);
    }
    if ((!v || v->port != port) && pcfg->max_vsis >= 0
        && (int64_t) (port ? port->n_vsis : 0) >= pcfg->max_vsis) {
        return plan_fail(plan, VSI_ST_INSUFFICIENT_RESOURCES,
                         "port %s holds its maximum of %"PRId64" vsis",
                         pcfg->name, pcfg->max_vsis);
    }

    if (!plan_networks(rq, v, cfg, res, port, plan)) {
        return false;
    }
    /* In the order of a VSI's bindings: by VNID.  Replies, rows and
     * vsi/list then show a VSI's networks in the same order whatever the
     * order of the request, and after a restart too. */
    if (plan->n_nets > 1) {
        qsort(plan->nets, plan->n_nets, sizeof *plan->nets,
              compare_plan_nets);
    }
    plan->rebind = !v || !bindings_equal(v, port, plan);
    return true;
}

enum vsi_status
vsi_plan_request(const struct vsi_request *rq, const struct vsi *v,
                 size_t n_held, const struct vsi_config *cfg,
                 const struct vsi_resources *res, struct vsi_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    plan->status = VSI_ST_SUCCESS;
    if (v && v->state == VSI_ABSENT) {
        v = NULL;
    }

    if (!plan_tes(rq, cfg, plan)) {
        return plan->status;
    }

    enum vsi_state state = v ? v->state : VSI_ABSENT;
    if (v && strcmp(v->tes, plan->tes->name)
        && !plan_takeover(rq, v, cfg, plan)) {
        return plan->status;
    }

    const struct vsi_transition *tr = vsi_transition(state, rq->event);
    if (tr->status != VSI_ST_SUCCESS) {
        if (tr->status == VSI_ST_UNKNOWN_VSI) {
            plan_fail(plan, tr->status, "unknown vsi %s", rq->vsi);
        } else {
            plan_fail(plan, tr->status, "cannot %s vsi %s: it is %s",
                      vsi_event_verb(rq->event), rq->vsi,
                      vsi_state_name(state));
        }
        return plan->status;
    }
    plan->tr = tr;

    if (tr->actions & VSI_ACT_BIND) {
        plan_binding(rq, v, n_held, cfg, res, plan);
    }
    return plan->status;
}

void
vsi_plan_destroy(struct vsi_plan *plan)
{
    if (plan) {
        free(plan->message);
        free(plan->nets);
        free(plan->takeover);
        plan->message = NULL;
        plan->nets = NULL;
        plan->takeover = NULL;
    }
}
