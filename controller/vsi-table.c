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


/* The VSI core's state: see vsi-table.h.  Requests are planned by
 * vsi-plan.c and applied here; the database is vsi-db.c's. */

#include <config.h>
#include "vsi-table.h"

#include <string.h>
#include "barrier.h"
#include "flow.h"
#include "flow-table.h"
#include "hash.h"
#include "lib/nve-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "openvswitch/shash.h"
#include "ofctrl.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"
#include "uuid.h"
#include "vsi-config.h"
#include "vsi-db.h"
#include "vsi-flows.h"
#include "vsi-plan.h"
#include "vsi-resources.h"

VLOG_DEFINE_THIS_MODULE(vsi_table);

struct vsi_table {
    struct hmap vsis;           /* Contains "struct vsi"s, by id. */
    struct hmap by_cookie;      /* The same, by cookie. */
    size_t n_held;              /* VSIs not in VSI_ABSENT. */
    struct vsi_resources res;   /* Ports, VIDs, MAC owners. */
    struct vsi_config cfg;      /* What requests are checked against. */
    struct heap ageing;         /* Held VSIs, oldest keep-alive first. */
    bool loaded;                /* VSIs read from the database? */

    struct vsi_db *db;
    void (*committed_cb)(void *aux, const struct vsi *);
    void *committed_aux;
    struct barrier *barrier;
    struct vsi_flows *flows;
    struct ovs_list notifications;
    struct ovs_list pointers;   /* Emigrating VSIs with a forwarding
                                 * pointer, "struct vsi"s. */
    struct hmap policy_users;   /* Contains "struct policy_users", by
                                 * profile name. */

    /* Transitions since the last INFO summary, per event, and when the next
     * summary may be logged. */
    unsigned int n_changes[VSI_N_EVENTS];
    long long int next_summary;

    /* Statistics. */
    uint64_t n_requests;
    uint64_t n_failed;
    uint64_t n_aged;
    uint64_t n_removed;
    uint64_t n_refused;
    uint64_t n_learned;         /* MACs learned from frames. */
    uint64_t n_learn_moved;     /* ...that another VSI had learned. */
    uint64_t n_learn_refused;   /* Frames that taught nothing: limit
                                 * reached, or MAC signalled by another
                                 * VSI. */

    /* The VSIs removed in this round because the switch refused their
     * flows (vsi_table_flows_refused()): id -> why, and the ticket of their
     * removal.  Emptied by vsi_table_sync(). */
    struct shash refused;
    uint64_t refused_ticket;
};

/* The bindings that use one policy profile, and the PCP that the profile
 * had when they last followed it (-1 if none, or if the profile is gone),
 * so that a change of the profile reaches exactly them. */
struct policy_users {
    struct hmap_node node;      /* In vsi_table 'policy_users', by name. */
    char *name;
    int pcp;
    struct ovs_list bindings;   /* Contains "struct vsi_binding"s. */
};

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

void
vsi_outcome_destroy(struct vsi_outcome *o)
{
    if (o) {
        free(o->message);
        free(o->tes);
    }
}

/* Policy profiles' users. */

/* The PCP of profile 'name' in the configuration, -1 if none or no such
 * profile. */
static int
profile_pcp(const struct vsi_config *cfg, const char *name)
{
    const struct vsi_config_profile *profile
        = name ? vsi_config_find_profile(cfg, name) : NULL;
    return profile ? profile->pcp : -1;
}

static struct policy_users *
policy_users_find(const struct vsi_table *t, const char *name)
{
    struct policy_users *pu;

    HMAP_FOR_EACH_WITH_HASH (pu, node, hash_string(name, 0),
                             &t->policy_users) {
        if (!strcmp(pu->name, name)) {
            return pu;
        }
    }
    return NULL;
}

static void
policy_users_add(struct vsi_table *t, struct vsi_binding *b)
{
    if (!b->profile) {
        ovs_list_init(&b->profile_node);
        return;
    }

    struct policy_users *pu = policy_users_find(t, b->profile);
    if (!pu) {
        pu = xmalloc(sizeof *pu);
        pu->name = xstrdup(b->profile);
        pu->pcp = profile_pcp(&t->cfg, b->profile);
        ovs_list_init(&pu->bindings);
        hmap_insert(&t->policy_users, &pu->node, hash_string(pu->name, 0));
    }
    ovs_list_push_back(&pu->bindings, &b->profile_node);
}

static void
policy_users_remove(struct vsi_table *t, struct vsi_binding *b)
{
    if (!b->profile) {
        return;
    }

    struct policy_users *pu = policy_users_find(t, b->profile);
    ovs_list_remove(&b->profile_node);
    if (ovs_list_is_empty(&pu->bindings)) {
        hmap_remove(&t->policy_users, &pu->node);
        free(pu->name);
        free(pu);
    }
}

/* Bindings. */

static int
compare_macs(const void *a_, const void *b_)
{
    const struct eth_addr *a = a_;
    const struct eth_addr *b = b_;
    uint64_t x = eth_addr_to_uint64(*a);
    uint64_t y = eth_addr_to_uint64(*b);

    return x < y ? -1 : x > y;
}

static void
binding_init(struct vsi_table *t, struct vsi *v, struct vsi_binding *b,
             struct vsi_port_vn *pv, const struct eth_addr *macs,
             size_t n_macs, char **ips, size_t n_ips, uint16_t requested_vid,
             const char *profile, bool default_profile, int pcp)
{
    b->vsi = v;
    b->pv = pv;
    ovs_list_push_back(&pv->bindings, &b->pv_node);
    pv->n_bindings++;
    /* MACs and IPs in the order of the database, which keeps them as
     * sets. */
    b->macs = xcalloc(MAX(n_macs, 1), sizeof *b->macs);
    if (n_macs) {
        memcpy(b->macs, macs, n_macs * sizeof *macs);
    }
    b->n_macs = n_macs;
    qsort(b->macs, n_macs, sizeof *b->macs, compare_macs);
    b->ips = xcalloc(MAX(n_ips, 1), sizeof *b->ips);
    for (size_t i = 0; i < n_ips; i++) {
        b->ips[i] = xstrdup(ips[i]);
    }
    b->n_ips = n_ips;
    qsort(b->ips, n_ips, sizeof *b->ips, nve_compare_strings);
    b->requested_vid = requested_vid;
    b->profile = nullable_xstrdup(profile);
    b->default_profile = default_profile;
    b->pcp = pcp;
    policy_users_add(t, b);

    for (size_t i = 0; i < n_macs; i++) {
        vsi_mac_claim(&t->res, pv->vnid, macs[i], v);
    }
}

static void
binding_free(struct vsi_binding *b)
{
    free(b->macs);
    free(b->learned);
    for (size_t i = 0; i < b->n_ips; i++) {
        free(b->ips[i]);
    }
    free(b->ips);
    free(b->profile);
}

/* Releases the resources of 'b', and its MACs too unless 'keep_macs' (a
 * rebinding releases exactly the MACs it no longer carries itself). */
static void
binding_uninit(struct vsi_table *t, struct vsi_binding *b, bool keep_macs)
{
    struct vsi_port_vn *pv = b->pv;

    if (!keep_macs) {
        for (size_t i = 0; i < b->n_macs; i++) {
            vsi_mac_release(&t->res, pv->vnid, b->macs[i], b->vsi);
        }
        for (size_t i = 0; i < b->n_learned; i++) {
            vsi_mac_release(&t->res, pv->vnid, b->learned[i], b->vsi);
        }
    }
    policy_users_remove(t, b);
    if (b->meter_id) {
        vsi_meter_id_release(&t->res, b->meter_id);
    }
    ovs_list_remove(&b->pv_node);
    if (!--pv->n_bindings) {
        vsi_flows_remove_port_vn(t->flows, pv);
        vsi_port_vn_destroy(pv);
    } else if (vsi_binding_learns(b) && !b->n_ips) {
        /* Other VSIs that learn any MAC on the (port, VID) want the same
         * flow to the controller, which was perhaps 'b''s. */
        struct vsi_binding *other;
        LIST_FOR_EACH (other, pv_node, &pv->bindings) {
            if (vsi_binding_learns(other) && !other->n_ips
                && other->vsi != b->vsi
                && vsi_state_is_active(other->vsi->state)) {
                vsi_flows_update_vsi(t->flows, other->vsi);
            }
        }
    }
    binding_free(b);
}

/* Whether MAC 'mac' in 'vnid' is among the networks of 'plan'. */
static bool
plan_has_mac(const struct vsi_plan *plan, uint32_t vnid, struct eth_addr mac)
{
    for (size_t i = 0; i < plan->n_nets; i++) {
        const struct vsi_plan_net *p = &plan->nets[i];
        if (p->vn->vnid == vnid) {
            for (size_t k = 0; k < p->req->n_macs; k++) {
                if (eth_addr_equals(p->req->macs[k], mac)) {
                    return true;
                }
            }
        }
    }
    return false;
}

/* Returns the binding of 'v' that learns MACs as 'old' (of an earlier
 * binding of 'v') did: same (port, VN), no MACs, same IPs.  Returns NULL if
 * there is none. */
static struct vsi_binding *
binding_find_learner(struct vsi *v, const struct vsi_binding *old)
{
    if (!old->n_learned) {
        return NULL;
    }
    for (size_t i = 0; i < v->n_bindings; i++) {
        struct vsi_binding *b = &v->bindings[i];

        if (b->pv != old->pv || !vsi_binding_learns(b)
            || b->n_ips != old->n_ips) {
            continue;
        }
        for (size_t k = 0; k < b->n_ips; k++) {
            if (strcmp(b->ips[k], old->ips[k])) {
                return NULL;
            }
        }
        return b;
    }
    return NULL;
}

/* Gives 'v' the bindings of 'plan' behind 'port': new ones first, old ones
 * released afterward, so that a (port, VN) the VSI stays in keeps its
 * VID. */
static void
vsi_rebind(struct vsi_table *t, struct vsi *v, struct vsi_port *port,
           const struct vsi_plan *plan)
{
    struct vsi_binding *old = v->bindings;
    size_t n_old = v->n_bindings;
    struct vsi_port *old_port = v->port;

    v->bindings = xcalloc(MAX(plan->n_nets, 1), sizeof *v->bindings);
    v->n_bindings = plan->n_nets;
    for (size_t i = 0; i < plan->n_nets; i++) {
        const struct vsi_plan_net *p = &plan->nets[i];
        struct vsi_port_vn *pv = vsi_port_vn_find(port, p->vn->vnid);

        if (!pv) {
            pv = vsi_port_vn_create(port, p->vn->vnid, p->vn->name, p->vid,
                                    p->vn_pcp);
            pv->vn_profile = nullable_xstrdup(p->vn->profile
                                              ? p->vn->profile->name : NULL);
            pv->vn_own_pcp = p->vn->pcp;
        }
        struct vsi_binding *b = &v->bindings[i];
        binding_init(t, v, b, pv, p->req->macs,
                     p->req->n_macs, p->req->ips, p->req->n_ips,
                     p->req->vid, p->profile ? p->profile->name : NULL,
                     !p->req->policy, p->pcp);

        /* A VN the VSI stays in keeps its meter id. */
        for (size_t k = 0; k < n_old && !b->meter_id; k++) {
            if (old[k].pv->vnid == pv->vnid) {
                b->meter_id = old[k].meter_id;
                old[k].meter_id = 0;
            }
        }
        if (!b->meter_id) {
            b->meter_id = vsi_meter_id_claim(&t->res, 0);
        }
    }
    if (old_port != port) {
        port->n_vsis++;
    }
    if (!old_port) {
        vsi_tes_count(&t->res, v->tes, 1);
    }

    for (size_t i = 0; i < n_old; i++) {
        struct vsi_binding *b = &old[i];

        /* Learned MACs stay with a binding that still learns them the
         * same way. */
        struct vsi_binding *nb = binding_find_learner(v, b);
        if (nb) {
            nb->learned = b->learned;
            nb->n_learned = b->n_learned;
            b->learned = NULL;
            b->n_learned = 0;
        }

        /* Release the MACs that the new bindings do not carry. */
        for (size_t k = 0; k < b->n_macs; k++) {
            if (!plan_has_mac(plan, b->pv->vnid, b->macs[k])) {
                vsi_mac_release(&t->res, b->pv->vnid, b->macs[k], v);
            }
        }
        for (size_t k = 0; k < b->n_learned; k++) {
            if (!plan_has_mac(plan, b->pv->vnid, b->learned[k])) {
                vsi_mac_release(&t->res, b->pv->vnid, b->learned[k], v);
            }
        }
        binding_uninit(t, b, true);
    }
    free(old);
    if (old_port && old_port != port) {
        old_port->n_vsis--;
    }
    v->port = port;
}

/* VSIs. */

static struct vsi *
vsi_find__(const struct vsi_table *t, const char *id)
{
    struct vsi *v;

    HMAP_FOR_EACH_WITH_HASH (v, node, hash_string(id, 0), &t->vsis) {
        if (!strcmp(v->id, id)) {
            return v;
        }
    }
    return NULL;
}

const struct vsi *
vsi_table_find(const struct vsi_table *t, const char *id)
{
    const struct vsi *v = vsi_find__(t, id);
    return v && v->state != VSI_ABSENT ? v : NULL;
}

/* Returns VSI 'id', creating it in VSI_ABSENT if needed. */
static struct vsi *
vsi_get(struct vsi_table *t, const char *id)
{
    struct vsi *v = vsi_find__(t, id);

    if (!v) {
        v = xzalloc(sizeof *v);
        v->id = xstrdup(id);
        v->state = VSI_ABSENT;
        v->tes = xstrdup("");
        /* 56 bits of hash: stable across restarts, so that flows in the
         * switch keep their cookies. */
        uint64_t h = ((uint64_t) hash_string(id, 0) << 32)
                     | hash_string(id, 0x9e3779b9);
        v->cookie = flow_owner_cookie(FLOW_OWNER_VSI, h);
        ovs_list_init(&v->sync_node);
        ovs_list_init(&v->refresh_node);
        ovs_list_init(&v->pointer_node);
        hmap_insert(&t->vsis, &v->node, hash_string(id, 0));
        hmap_insert(&t->by_cookie, &v->cookie_node, hash_uint64(v->cookie));
    }
    return v;
}

static void
vsi_free(struct vsi *v)
{
    ovs_list_remove(&v->refresh_node);
    for (size_t i = 0; i < v->n_bindings; i++) {
        binding_free(&v->bindings[i]);
    }
    free(v->bindings);
    free(v->id);
    free(v->tes);
    vsi_db_image_destroy(v->db_image);
    free(v);
}

static uint64_t
age_priority(long long int keepalive_mono)
{
    /* The heap is a max-heap: the oldest keep-alive comes first. */
    return UINT64_MAX - (uint64_t) MAX(keepalive_mono, 0);
}

/* Moves 'v' from 'old' to its new state, maintaining the ageing heap and
 * the held count.  The only writer of 'v->state'. */
static void
vsi_set_state(struct vsi_table *t, struct vsi *v, enum vsi_state state)
{
    enum vsi_state old = v->state;

    if (old == state) {
        return;
    }
    VLOG_DBG("vsi %s: %s -> %s", v->id, vsi_state_name(old),
             vsi_state_name(state));
    if (old == VSI_ABSENT) {
        t->n_held++;
        heap_insert(&t->ageing, &v->age_node, age_priority(time_msec()));
    } else if (state == VSI_ABSENT) {
        t->n_held--;
        heap_remove(&t->ageing, &v->age_node);
    }
    if (state == VSI_EMIGRATING && t->cfg.pointer_timeout) {
        /* The VM runs elsewhere now, or soon: until 'pointer_until', what
         * still comes for it from the overlay follows it there. */
        v->pointer_until = time_msec() + t->cfg.pointer_timeout;
        ovs_list_push_back(&t->pointers, &v->pointer_node);
    } else if (old == VSI_EMIGRATING && v->pointer_until) {
        v->pointer_until = 0;
        ovs_list_remove(&v->pointer_node);
        ovs_list_init(&v->pointer_node);
    }
    v->state = state;
}

/* Removes the forwarding pointers whose time is up. */
static void
vsi_expire_pointers(struct vsi_table *t)
{
    long long int now = time_msec();
    struct vsi *v;

    LIST_FOR_EACH_SAFE (v, pointer_node, &t->pointers) {
        if (now >= v->pointer_until) {
            VLOG_INFO("vsi %s (tes %s): forwarding pointer expired", v->id,
                      v->tes);
            v->pointer_until = 0;
            ovs_list_remove(&v->pointer_node);
            ovs_list_init(&v->pointer_node);
            vsi_flows_update_vsi(t->flows, v);
        }
    }
}

static void
vsi_refresh(struct vsi_table *t, struct vsi *v)
{
    v->keepalive_at = time_wall_msec();
    if (v->state != VSI_ABSENT) {
        heap_change(&t->ageing, &v->age_node, age_priority(time_msec()));
    }
}

static void
vsi_mark_dirty(struct vsi_table *t, struct vsi *v)
{
    vsi_db_mark_dirty(t->db, v, t->barrier);
}

/* Releases everything 'v' holds; it stays as a zombie until its row is
 * deleted. */
static void
vsi_release(struct vsi_table *t, struct vsi *v)
{
    vsi_flows_remove_vsi(t->flows, v);
    for (size_t i = 0; i < v->n_bindings; i++) {
        binding_uninit(t, &v->bindings[i], false);
    }
    free(v->bindings);
    v->bindings = NULL;
    v->n_bindings = 0;
    if (v->port) {
        v->port->n_vsis--;
        v->port = NULL;
        vsi_tes_count(&t->res, v->tes, -1);
    }
    vsi_set_state(t, v, VSI_ABSENT);
    vsi_mark_dirty(t, v);
}

/* Notifications. */

static void
vsi_notify(struct vsi_table *t, const struct vsi *v, const char *method,
           const char *reason)
{
    struct vsi_notification *n = xmalloc(sizeof *n);

    n->protocol = v->protocol;
    n->tes = xstrdup(v->tes);
    n->vsi = xstrdup(v->id);
    n->method = xstrdup(method);
    n->reason = nullable_xstrdup(reason);
    n->ticket = barrier_ticket(t->barrier);
    ovs_list_push_back(&t->notifications, &n->node);
}

void
vsi_table_pop_notifications(struct vsi_table *t, enum vsi_protocol protocol,
                            struct ovs_list *out)
{
    struct vsi_notification *n;

    LIST_FOR_EACH_SAFE (n, node, &t->notifications) {
        if (n->protocol == protocol) {
            ovs_list_remove(&n->node);
            ovs_list_push_back(out, &n->node);
        }
    }
}

void
vsi_notification_destroy(struct vsi_notification *n)
{
    if (n) {
        free(n->tes);
        free(n->vsi);
        free(n->method);
        free(n->reason);
        free(n);
    }
}

/* Requests. */

/* Applies accepted 'plan' of request 'rq' to 'v' (NULL if the NVE has no
 * record of it).  Returns the VSI, or NULL if there is none. */
static struct vsi *
vsi_apply(struct vsi_table *t, const struct vsi_request *rq, struct vsi *v,
          const struct vsi_plan *plan)
{
    const struct vsi_transition *tr = plan->tr;
    enum vsi_state state = v ? v->state : VSI_ABSENT;
    bool changed = false;

    if (state == VSI_ABSENT && tr->next == VSI_ABSENT) {
        /* "resume" or "terminate" of a VSI the NVE does not hold. */
        return v;
    }

    if (!v) {
        v = vsi_get(t, rq->vsi);
    } else if (plan->takeover) {
        /* A VM moved between two TES behind this NVE: the TES it left
         * learns it, whichever front end each speaks. */
        VLOG_INFO("vsi %s (tes %s): taken over by tes %s on port %s (%s)",
                  v->id, v->tes, plan->tes->name, plan->port->name,
                  plan->takeover);
        vsi_notify(t, v, "deassociated", "moved");
    } else if (v->state != VSI_ABSENT && v->protocol != rq->protocol
               && tr->actions & (VSI_ACT_BIND | VSI_ACT_RELEASE)) {
        /* The front end that signalled the VSI so far must learn that it
         * is gone, or no longer its own. */
        char *reason = xasprintf("%s_by_%s",
                                 (tr->actions & VSI_ACT_RELEASE
                                  ? "terminated" : "taken_over"),
                                 vsi_protocol_name(rq->protocol));
        vsi_notify(t, v, "deassociated", reason);
        free(reason);
    }
    if (tr->actions & VSI_ACT_BIND) {
        if (state == VSI_ABSENT) {
            v->created_at = time_wall_msec();
            v->migrating = false;
            v->bound_ticket = barrier_ticket(t->barrier);
        }
        if (strcmp(v->tes, plan->tes->name)) {
            if (v->port) {
                vsi_tes_count(&t->res, v->tes, -1);
                vsi_tes_count(&t->res, plan->tes->name, 1);
            }
            free(v->tes);
            v->tes = xstrdup(plan->tes->name);
            changed = true;
        }
        v->protocol = rq->protocol;
        if (plan->rebind) {
            vsi_rebind(t, v, vsi_port_get(&t->res, plan->port->name), plan);
            changed = true;
        }
    }
    if (tr->actions & VSI_ACT_MIGRATE && !v->migrating) {
        v->migrating = true;
        changed = true;
    }
    if (tr->actions & VSI_ACT_RELEASE) {
        vsi_release(t, v);
        changed = true;
    }
    if (tr->next != v->state) {
        vsi_set_state(t, v, tr->next);
        changed = true;
    }
    if (tr->actions & VSI_ACT_REFRESH) {
        vsi_refresh(t, v);
        if (!changed) {
            /* A keep-alive: its time goes to the database in a batch. */
            vsi_db_mark_refreshed(t->db, v, t->barrier,
                                  t->cfg.keepalive_flush);
        }
    }
    if (changed) {
        v->updated_at = time_wall_msec();
        vsi_mark_dirty(t, v);
        if (v->state != VSI_ABSENT) {
            vsi_flows_update_vsi(t->flows, v);
        }
        VLOG_DBG("vsi %s (tes %s): %s: now %s", v->id, v->tes,
                 vsi_event_name(rq->event),
                 v->state == VSI_ABSENT ? "terminated"
                                        : vsi_state_name(v->state));
        t->n_changes[rq->event]++;
    }
    return v;
}

void
vsi_table_request(struct vsi_table *t, const struct vsi_request *rq,
                  struct vsi_outcome *o)
{
    struct vsi *v = vsi_find__(t, rq->vsi);
    struct vsi_plan plan;

    memset(o, 0, sizeof *o);
    t->n_requests++;

    o->status = vsi_plan_request(rq, v, t->n_held, &t->cfg, &t->res, &plan);
    if (plan.tes) {
        o->tes = xstrdup(plan.tes->name);
    }
    if (o->status == VSI_ST_SUCCESS) {
        v = vsi_apply(t, rq, v, &plan);
    } else {
        o->message = plan.message;
        plan.message = NULL;
        t->n_failed++;
        VLOG_INFO_RL(&rl, "%s vsi %s: %s: %s", vsi_event_verb(rq->event),
                     rq->vsi, vsi_status_name(o->status), o->message);
    }
    /* Whatever the outcome, the answer tells the VSI's state (or, failing,
     * that it could not change it): it must not be sent before that state
     * is durable, even if another front end's request made it. */
    o->ticket = v ? v->ticket : 0;
    vsi_plan_destroy(&plan);
}

/* Activation on the VM's first frame. */

/* Returns the VSI that owns source MAC 'mac' on the (port, VN) whose port
 * has OpenFlow number 'ofport' and whose local VID is 'vid', if any. */
static struct vsi *
vsi_find_by_frame(const struct vsi_table *t, ofp_port_t ofport, uint16_t vid,
                  struct eth_addr mac)
{
    const struct vsi_port *port;

    HMAP_FOR_EACH (port, node, &t->res.ports) {
        if (port->ofport != ofport) {
            continue;
        }
        const struct vsi_port_vn *pv;
        HMAP_FOR_EACH (pv, node, &port->vns) {
            if (pv->vid == vid) {
                struct vsi *v = vsi_mac_owner(&t->res, pv->vnid, mac);
                return v && v->port == port ? v : NULL;
            }
        }
    }
    return NULL;
}

const struct vsi *
vsi_table_activate(struct vsi_table *t, ofp_port_t ofport, uint16_t vid,
                   struct eth_addr mac, bool *activated)
{
    struct vsi *v = vsi_find_by_frame(t, ofport, vid, mac);

    *activated = v && vsi_awaits_first_frame(v);
    if (!*activated) {
        return v;
    }

    /* What "immigrate" in mode "associate" would do, with the networks the
     * VSI has. */
    const struct vsi_transition *tr = vsi_transition(v->state,
                                                     VSIE_IMMIGRATE_ASSOC);
    VLOG_INFO("vsi %s (tes %s): activated by a frame from "ETH_ADDR_FMT
              " on port %s", v->id, v->tes, ETH_ADDR_ARGS(mac),
              v->port->name);
    vsi_set_state(t, v, tr->next);
    vsi_refresh(t, v);
    v->updated_at = time_wall_msec();
    vsi_mark_dirty(t, v);
    vsi_flows_update_vsi(t->flows, v);
    vsi_notify(t, v, "activated", NULL);
    return v;
}

bool
vsi_table_port_vn_tag(const struct vsi_table *t, ofp_port_t ofport,
                      uint32_t vnid, uint16_t *vid, int *pcp)
{
    const struct vsi_port *port;

    HMAP_FOR_EACH (port, node, &t->res.ports) {
        if (port->ofport == ofport) {
            const struct vsi_port_vn *pv = vsi_port_vn_find(port, vnid);
            if (pv) {
                *vid = pv->vid;
                *pcp = pv->pcp;
                return true;
            }
        }
    }
    return false;
}

/* Learning the MACs of bindings without any. */

/* Returns the binding of 'v' that learns MACs on the (port, VN) whose port
 * has OpenFlow number 'ofport' and whose local VID is 'vid', if any. */
static struct vsi_binding *
vsi_find_learner(const struct vsi *v, ofp_port_t ofport, uint16_t vid)
{
    if (!v->port || v->port->ofport != ofport) {
        return NULL;
    }
    for (size_t i = 0; i < v->n_bindings; i++) {
        struct vsi_binding *b = &v->bindings[i];
        if (b->pv->vid == vid && vsi_binding_learns(b)) {
            return b;
        }
    }
    return NULL;
}

/* Whether the sender address of the frame whose headers are 'flow' (IPv4
 * or ARP sender, IPv6 source) is one of the IPs of 'b'. */
static bool
binding_has_source_ip(const struct vsi_binding *b, const struct flow *flow)
{
    for (size_t i = 0; i < b->n_ips; i++) {
        ovs_be32 ip4;
        struct in6_addr ip6;

        if (ip_parse(b->ips[i], &ip4)) {
            if ((flow->dl_type == htons(ETH_TYPE_IP)
                 || flow->dl_type == htons(ETH_TYPE_ARP))
                && flow->nw_src == ip4) {
                return true;
            }
        } else if (ipv6_parse(b->ips[i], &ip6)
                   && flow->dl_type == htons(ETH_TYPE_IPV6)
                   && ipv6_addr_equals(&flow->ipv6_src, &ip6)) {
            return true;
        }
    }
    return false;
}

/* Returns the binding of 'v' in 'vnid' that learned 'mac', if any. */
static struct vsi_binding *
vsi_find_learned(struct vsi *v, uint32_t vnid, struct eth_addr mac)
{
    for (size_t i = 0; i < v->n_bindings; i++) {
        struct vsi_binding *b = &v->bindings[i];
        if (b->pv->vnid == vnid) {
            for (size_t k = 0; k < b->n_learned; k++) {
                if (eth_addr_equals(b->learned[k], mac)) {
                    return b;
                }
            }
        }
    }
    return NULL;
}

/* Makes 'b' forget learned MAC 'mac'. */
static void
binding_forget(struct vsi_table *t, struct vsi_binding *b,
               struct eth_addr mac)
{
    for (size_t k = 0; k < b->n_learned; k++) {
        if (eth_addr_equals(b->learned[k], mac)) {
            vsi_mac_release(&t->res, b->pv->vnid, mac, b->vsi);
            memmove(&b->learned[k], &b->learned[k + 1],
                    (b->n_learned - k - 1) * sizeof *b->learned);
            b->n_learned--;
            return;
        }
    }
}

/* Makes 'b' learn 'mac' (its VSI does not own it). */
static void
binding_learn(struct vsi_table *t, struct vsi_binding *b,
              struct eth_addr mac)
{
    b->learned = xrealloc(b->learned,
                          (b->n_learned + 1) * sizeof *b->learned);
    b->learned[b->n_learned++] = mac;
    vsi_mac_claim(&t->res, b->pv->vnid, mac, b->vsi);
}

const struct vsi *
vsi_table_learn(struct vsi_table *t, uint64_t cookie, ofp_port_t ofport,
                const struct flow *flow)
{
    struct eth_addr mac = flow->dl_src;
    uint16_t vid = vlan_tci_to_vid(flow->vlans[0].tci);
    struct vsi *v = NULL;
    struct vsi *candidate;

    HMAP_FOR_EACH_WITH_HASH (candidate, cookie_node, hash_uint64(cookie),
                             &t->by_cookie) {
        if (candidate->cookie == cookie) {
            v = candidate;
            break;
        }
    }
    if (!v || !vsi_state_is_active(v->state)
        || eth_addr_is_multicast(mac) || eth_addr_is_zero(mac)) {
        return NULL;
    }
    struct vsi_binding *b = vsi_find_learner(v, ofport, vid);
    if (!b || (b->n_ips && !binding_has_source_ip(b, flow))) {
        return NULL;
    }
    if (!b->n_ips && b->n_learned >= t->cfg.max_learned_macs) {
        /* Several VSIs that learn any MAC on one (port, VID) share one flow
         * to the controller: the first of them with room learns. */
        struct vsi_binding *other;
        LIST_FOR_EACH (other, pv_node, &b->pv->bindings) {
            if (vsi_binding_learns(other) && !other->n_ips
                && vsi_state_is_active(other->vsi->state)
                && other->n_learned < t->cfg.max_learned_macs) {
                b = other;
                v = other->vsi;
                break;
            }
        }
    }

    uint32_t vnid = b->pv->vnid;
    struct vsi *owner = vsi_mac_owner(&t->res, vnid, mac);
    if (owner == v) {
        /* Learned already; the frame came up before the flows were in. */
        return v;
    }
    struct vsi_binding *ob = owner ? vsi_find_learned(owner, vnid, mac)
                                   : NULL;
    if (ob && ob->pv == b->pv) {
        /* Learned already by another VSI that shares the (port, VID). */
        return owner;
    }
    if (owner && !ob) {
        VLOG_WARN_RL(&rl, "vsi %s (tes %s): not learning "ETH_ADDR_FMT
                     " in vnid %"PRIu32": vsi %s has it", v->id, v->tes,
                     ETH_ADDR_ARGS(mac), vnid, owner->id);
        t->n_learn_refused++;
        return NULL;
    }
    if (b->n_learned >= t->cfg.max_learned_macs) {
        VLOG_WARN_RL(&rl, "vsi %s (tes %s): not learning "ETH_ADDR_FMT
                     " in vnid %"PRIu32": it has learned %"PRIuSIZE" MACs, "
                     "the limit (NVE_Global options:vsi_max_learned_macs)",
                     v->id, v->tes, ETH_ADDR_ARGS(mac), vnid, b->n_learned);
        t->n_learn_refused++;
        return NULL;
    }

    if (ob) {
        /* The MAC moved: the last VSI to send from it has it. */
        VLOG_INFO("vsi %s (tes %s): learned "ETH_ADDR_FMT" in vnid "
                  "%"PRIu32" moves to vsi %s (tes %s) on port %s", owner->id,
                  owner->tes, ETH_ADDR_ARGS(mac), vnid, v->id, v->tes,
                  v->port->name);
        binding_forget(t, ob, mac);
        vsi_mark_dirty(t, owner);
        vsi_flows_update_vsi(t->flows, owner);
        t->n_learn_moved++;
    }
    VLOG_INFO("vsi %s (tes %s): learned "ETH_ADDR_FMT" in vnid %"PRIu32
              " on port %s vid %"PRIu16, v->id, v->tes, ETH_ADDR_ARGS(mac),
              vnid, v->port->name, vid);
    binding_learn(t, b, mac);
    t->n_learned++;
    v->updated_at = time_wall_msec();
    vsi_mark_dirty(t, v);
    vsi_flows_update_vsi(t->flows, v);
    return v;
}

void
vsi_table_moved(struct vsi_table *t, const char *id)
{
    struct vsi *v = vsi_find__(t, id);

    if (!v || v->state != VSI_ASSOCIATED) {
        return;
    }

    /* What "emigrate" would do, without restarting the ageing timer: the
     * TES did not ask. */
    const struct vsi_transition *tr = vsi_transition(v->state,
                                                     VSIE_EMIGRATE);
    VLOG_INFO("vsi %s (tes %s): active at another NVE: %s", v->id, v->tes,
              vsi_state_name(tr->next));
    vsi_set_state(t, v, tr->next);
    v->updated_at = time_wall_msec();
    vsi_mark_dirty(t, v);
    vsi_flows_update_vsi(t->flows, v);
    vsi_notify(t, v, "deassociated", "moved");
}

/* The NVE's own removal of 'v' (ageing, operator, configuration, flows
 * refused), telling its TES if 'notify'. */
static void
vsi_remove__(struct vsi_table *t, struct vsi *v, enum vsi_event event,
             const char *reason, bool notify)
{
    const struct vsi_transition *tr = vsi_transition(v->state, event);

    VLOG_INFO("vsi %s (tes %s): removed by the NVE: %s", v->id, v->tes,
              reason);
    if (notify && tr->actions & VSI_ACT_NOTIFY) {
        vsi_notify(t, v, "deassociated", reason);
    }
    if (tr->actions & VSI_ACT_RELEASE) {
        vsi_release(t, v);
    }
    v->updated_at = time_wall_msec();
}

static void
vsi_remove(struct vsi_table *t, struct vsi *v, enum vsi_event event,
           const char *reason)
{
    vsi_remove__(t, v, event, reason, true);
}

/* Flows the switch refused. */

/* Removes 'v', whose flows the switch refused with 'error'. */
static void
vsi_refuse(struct vsi_table *t, struct vsi *v, const char *error)
{
    if (v->state == VSI_ABSENT || shash_find(&t->refused, v->id)) {
        return;
    }

    /* A TES that was never told that the NVE holds the VSI learns of the
     * refusal from the replies it is owed; one that was, or a VDP station,
     * whose responses are not rewritten, from a notification too. */
    bool notify = (barrier_is_done(t->barrier, v->bound_ticket)
                   || v->protocol == VSI_PROTO_VDP);
    VLOG_WARN("vsi %s (tes %s): the switch refused its flows (%s)", v->id,
              v->tes, error);
    shash_add(&t->refused, v->id,
              xasprintf("the switch refused the flows of vsi %s (%s)",
                        v->id, error));
    vsi_remove__(t, v, VSIE_REMOVE, "insufficient_resources", notify);
    t->n_refused++;
}

void
vsi_table_flows_refused(struct vsi_table *t, uint64_t cookie,
                        const char *error)
{
    if (!t->loaded) {
        return;
    }

    switch (flow_owner_kind(cookie)) {
    case FLOW_OWNER_VSI: {
        struct vsi *v;
        HMAP_FOR_EACH_WITH_HASH (v, cookie_node, hash_uint64(cookie),
                                 &t->by_cookie) {
            if (v->cookie == cookie) {
                vsi_refuse(t, v, error);
            }
        }
        break;
    }

    case FLOW_OWNER_VN_PORT: {
        /* The flows of a (port, VN) pair: no VSI there forwards without
         * them. */
        struct vsi_port *port;
        HMAP_FOR_EACH (port, node, &t->res.ports) {
            struct vsi_port_vn *pv;
            HMAP_FOR_EACH (pv, node, &port->vns) {
                if (vsi_flows_port_vn_cookie(pv) == cookie) {
                    /* The pair goes with its last VSI: list them first. */
                    struct vsi **vsis = xmalloc(pv->n_bindings
                                                * sizeof *vsis);
                    size_t n = 0;
                    struct vsi_binding *b;
                    LIST_FOR_EACH (b, pv_node, &pv->bindings) {
                        vsis[n++] = b->vsi;
                    }
                    for (size_t i = 0; i < n; i++) {
                        vsi_refuse(t, vsis[i], error);
                    }
                    free(vsis);
                    goto done;
                }
            }
        }
        break;
    }

    case FLOW_OWNER_PIPELINE:
    case FLOW_OWNER_TUNNEL:
    case FLOW_OWNER_MAPPING:
    case FLOW_OWNER_VN:
    case FLOW_OWNER_PROFILE:
    case FLOW_OWNER_VDP:
    case FLOW_OWNER_VN_PORT_FLOOD:
    case FLOW_OWNER_VN_PORT_RX:
    default:
        /* Not one VSI's: ofctrl logged it, and retries it with the next
         * resynchronization. */
        break;
    }
done:
    if (!shash_is_empty(&t->refused)) {
        t->refused_ticket = barrier_ticket(t->barrier);
    }
}

const struct shash *
vsi_table_refused(const struct vsi_table *t, uint64_t *ticket)
{
    *ticket = t->refused_ticket;
    return &t->refused;
}

/* Loading from the database. */

static struct vsi *
vsi_restore(void *t_, const struct vsi_db_row *row)
{
    struct vsi_table *t = t_;

    if (vsi_find__(t, row->id)) {
        return NULL;
    }

    struct vsi *v = vsi_get(t, row->id);
    struct vsi_port *port = vsi_port_get(&t->res, row->port);
    v->row_uuid = row->uuid;
    free(v->tes);
    v->tes = xstrdup(row->tes);
    v->protocol = row->protocol;
    v->migrating = row->migrating;
    v->created_at = row->created_at;
    v->updated_at = row->updated_at;
    v->keepalive_at = row->keepalive_at;
    v->port = port;
    port->n_vsis++;
    vsi_tes_count(&t->res, v->tes, 1);
    bool rewrite = false;
    v->bindings = xcalloc(MAX(row->n_bindings, 1), sizeof *v->bindings);
    for (size_t i = 0; i < row->n_bindings; i++) {
        const struct vsi_db_binding *br = &row->bindings[i];
        const struct vsi_config_vn *vn = vsi_config_find_vnid(&t->cfg,
                                                              br->vnid);
        struct vsi_port_vn *pv = vsi_port_vn_find(port, br->vnid);

        if (!pv) {
            /* Its VN's policy is followed by vsi_table_reconfigure(). */
            pv = vsi_port_vn_create(port, br->vnid, br->vn, br->vid,
                                    vn ? vsi_config_vn_pcp(vn) : -1);
        }
        /* The database does not say whether the TES named the profile: one
         * that is the VN's default is taken to be the default. */
        bool default_profile = (!br->profile
                                || (vn && vn->profile
                                    && !strcmp(vn->profile->name,
                                               br->profile)));
        struct vsi_binding *b = &v->bindings[v->n_bindings++];
        binding_init(t, v, b, pv, br->macs, br->n_macs, br->ips, br->n_ips,
                     0, br->profile, default_profile, br->pcp);

        /* The meter id it had.  A row without one (written before schema
         * 1.2.0) gets one once all the others are claimed
         * (vsi_table_claim_meter_ids()), so that it cannot take theirs. */
        if (br->meter_id) {
            b->meter_id = vsi_meter_id_claim(&t->res, br->meter_id);
            if (b->meter_id != br->meter_id) {
                /* Two rows claim the same: a new one, written back. */
                rewrite = true;
            }
        }
        for (size_t k = 0; k < br->n_learned; k++) {
            if (!vsi_mac_owner(&t->res, br->vnid, br->learned[k])) {
                binding_learn(t, b, br->learned[k]);
            }
        }
    }
    vsi_counters_set_base(v, &row->counters_base);
    vsi_set_state(t, v, row->state);
    if (v->pointer_until) {
        /* The forwarding pointer started when the VSI became emigrating,
         * its last change, not now: it has that much less to run, and
         * none if its time is up. */
        long long int elapsed = time_wall_msec() - row->updated_at;
        v->pointer_until -= MAX(elapsed, 0);
        if (v->pointer_until <= time_msec()) {
            v->pointer_until = 0;
            ovs_list_remove(&v->pointer_node);
            ovs_list_init(&v->pointer_node);
        }
    }
    /* Restore the timer: as much time has passed as the wall clock says. */
    heap_change(&t->ageing, &v->age_node,
                age_priority(time_msec()
                             - (time_wall_msec() - row->keepalive_at)));
    vsi_flows_update_vsi(t->flows, v);
    if (rewrite) {
        vsi_mark_dirty(t, v);
    }
    return v;
}

/* Gives a meter id to each binding loaded without one, and writes it. */
static void
vsi_table_claim_meter_ids(struct vsi_table *t)
{
    struct vsi *v;

    HMAP_FOR_EACH (v, node, &t->vsis) {
        bool claimed = false;
        for (size_t i = 0; i < v->n_bindings; i++) {
            if (!v->bindings[i].meter_id) {
                v->bindings[i].meter_id = vsi_meter_id_claim(&t->res, 0);
                claimed = true;
            }
        }
        if (claimed) {
            vsi_flows_update_vsi(t->flows, v);
            vsi_mark_dirty(t, v);
        }
    }
}

/* Writes the changed bases of counters (vsi-counters.h) to the database,
 * in the batches of the keep-alive times. */
static void
vsi_table_keep_counters(struct vsi_table *t)
{
    uint64_t *cookies;
    size_t n = ofctrl_flow_stats_pop_changed(&cookies);

    for (size_t i = 0; i < n; i++) {
        struct vsi *v;
        HMAP_FOR_EACH_WITH_HASH (v, cookie_node, hash_uint64(cookies[i]),
                                 &t->by_cookie) {
            if (v->cookie == cookies[i] && v->state != VSI_ABSENT) {
                vsi_db_mark_refreshed(t->db, v, t->barrier,
                                      t->cfg.keepalive_flush);
            }
        }
    }
    free(cookies);
}

/* Configuration changes. */

/* After the NVE changed 'v''s bindings on its own, for its configuration:
 * writes it, rebuilds its flows and, if 'tell', tells its TES with a
 * "local_change" notification. */
static void
vsi_follow_config(struct vsi_table *t, struct vsi *v, bool tell)
{
    v->updated_at = time_wall_msec();
    vsi_mark_dirty(t, v);
    vsi_flows_update_vsi(t->flows, v);
    if (tell) {
        vsi_notify(t, v, "local_change", NULL);
    }
}

/* Gives binding 'b' the PCP of its profile, else of its VN 'vn' (nve(5)).
 * Returns whether that changed it. */
static bool
binding_follow_pcp(struct vsi_table *t, struct vsi_binding *b,
                   const struct vsi_config_vn *vn)
{
    const struct vsi_config_profile *profile
        = b->profile ? vsi_config_find_profile(&t->cfg, b->profile) : NULL;
    int pcp = vsi_config_binding_pcp(vn, profile);

    if (pcp == b->pcp) {
        return false;
    }
    b->pcp = pcp;
    return true;
}

/* Gives binding 'b', if its TES named no profile, its VN 'vn''s default
 * profile.  Returns whether that changed it. */
static bool
binding_follow_profile(struct vsi_table *t, struct vsi_binding *b,
                       const struct vsi_config_vn *vn)
{
    const char *name = vn->profile ? vn->profile->name : NULL;

    if (!b->default_profile || nullable_string_is_equal(b->profile, name)) {
        return false;
    }
    VLOG_DBG("vsi %s vn %s: profile %s -> %s", b->vsi->id, vn->name,
             b->profile ? b->profile : "(none)", name ? name : "(none)");
    policy_users_remove(t, b);
    free(b->profile);
    b->profile = nullable_xstrdup(name);
    policy_users_add(t, b);
    return true;
}

/* Renumbers or re-prioritizes (port, VN) 'pv' and, if 'vn' (its VN) is not
 * NULL, makes its bindings follow the VN's policy: default profile and
 * PCP.  Tells the TES of every VSI whose VID or PCP changed. */
static void
port_vn_change(struct vsi_table *t, struct vsi_port_vn *pv, uint16_t vid,
               int pcp, const struct vsi_config_vn *vn)
{
    bool renumbered = vid != pv->vid;
    bool port_changed = renumbered || pcp != pv->pcp;
    struct vsi_binding *b;

    if (port_changed) {
        VLOG_INFO("port %s vn %s: vid %"PRIu16" -> %"PRIu16", pcp %d -> %d",
                  pv->port->name, pv->vn, pv->vid, vid, pv->pcp, pcp);
        vsi_flows_remove_port_vn(t->flows, pv);
        vsi_port_vn_set_vid(pv, vid);
        pv->pcp = pcp;
    } else if (!vn) {
        return;
    }
    LIST_FOR_EACH (b, pv_node, &pv->bindings) {
        bool changed = port_changed;
        bool pcp_changed = false;

        if (vn) {
            changed |= binding_follow_profile(t, b, vn);
            pcp_changed = binding_follow_pcp(t, b, vn);
        }
        if (changed || pcp_changed) {
            vsi_follow_config(t, b->vsi, renumbered || pcp_changed);
        }
    }
}

/* Makes the bindings of every profile whose PCP changed follow it.  Cost:
 * O(profiles in use), plus O(1) per binding of a changed profile. */
static void
vsi_table_follow_profiles(struct vsi_table *t)
{
    struct policy_users *pu;

    HMAP_FOR_EACH (pu, node, &t->policy_users) {
        int pcp = profile_pcp(&t->cfg, pu->name);
        if (pcp == pu->pcp) {
            continue;
        }
        VLOG_INFO("profile %s: pcp %d -> %d", pu->name, pu->pcp, pcp);
        pu->pcp = pcp;

        struct vsi_binding *b;
        LIST_FOR_EACH (b, profile_node, &pu->bindings) {
            const struct vsi_config_vn *vn
                = vsi_config_find_vnid(&t->cfg, b->pv->vnid);
            /* A binding whose VN is gone is about to be removed. */
            if (vn && !strcmp(vn->name, b->pv->vn)
                && binding_follow_pcp(t, b, vn)) {
                vsi_follow_config(t, b->vsi, true);
            }
        }
    }
}

/* VSIs to remove, collected while iterating over structures that their
 * removal would change. */
struct vsi_removals {
    struct vsi **vsis;
    const char **reasons;
    size_t n, allocated;
};

static void
vsi_removals_add(struct vsi_removals *r, struct vsi *v, const char *reason)
{
    if (r->n >= r->allocated) {
        r->vsis = x2nrealloc(r->vsis, &r->allocated, sizeof *r->vsis);
        r->reasons = xrealloc(r->reasons, r->allocated * sizeof *r->reasons);
    }
    r->vsis[r->n] = v;
    r->reasons[r->n++] = reason;
}

/* Removes the VSIs of 'r' (once each: a removed VSI stays, absent, until
 * its row's deletion commits) and frees 'r'. */
static void
vsi_removals_run(struct vsi_table *t, struct vsi_removals *r)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->vsis[i]->state != VSI_ABSENT) {
            vsi_remove(t, r->vsis[i], VSIE_REMOVE, r->reasons[i]);
        }
    }
    free(r->vsis);
    free(r->reasons);
}

/* Brings (port, VN) 'pv' in line with the configuration: if its VN is gone,
 * or its VNID now names another VN, its VSIs go into 'r'; otherwise its
 * VID follows the operator's pin (unless another VN has that VID on the
 * port), its PCP the VN's and, if the VN's default profile or own PCP
 * changed, its bindings' policy the VN's. */
static void
port_vn_check(struct vsi_table *t, struct vsi_port_vn *pv,
              struct vsi_removals *r)
{
    const struct vsi_config_vn *vn = vsi_config_find_vnid(&t->cfg, pv->vnid);

    if (!vn || strcmp(vn->name, pv->vn)) {
        struct vsi_binding *b;
        LIST_FOR_EACH (b, pv_node, &pv->bindings) {
            vsi_removals_add(r, b->vsi, "vn_removed");
        }
        return;
    }

    const struct vsi_config_port *pcfg
        = vsi_config_find_port(&t->cfg, pv->port->name);
    uint16_t pin = vsi_config_pinned_vid(pcfg, vn);
    uint16_t vid = pv->vid;
    if (pin && pin != pv->vid) {
        if (vsi_port_vid_is_used(pv->port, pin)) {
            VLOG_WARN_RL(&rl, "port %s: cannot move vn %s to vid %"PRIu16": "
                         "it carries another vn", pv->port->name, vn->name,
                         pin);
        } else {
            vid = pin;
        }
    }

    const char *profile = vn->profile ? vn->profile->name : NULL;
    bool vn_changed = (pv->vn_own_pcp != vn->pcp
                       || !nullable_string_is_equal(pv->vn_profile, profile));
    if (vn_changed) {
        if (pv->vn_own_pcp != VSI_PCP_UNCHECKED) {
            VLOG_INFO("port %s vn %s: default profile %s -> %s, own pcp "
                      "%d -> %d", pv->port->name, vn->name,
                      pv->vn_profile ? pv->vn_profile : "(none)",
                      profile ? profile : "(none)", pv->vn_own_pcp, vn->pcp);
        }
        pv->vn_own_pcp = vn->pcp;
        free(pv->vn_profile);
        pv->vn_profile = nullable_xstrdup(profile);
    }
    port_vn_change(t, pv, vid, vsi_config_vn_pcp(vn), vn_changed ? vn : NULL);
}

/* Whether TES 'tes' (NULL if there is none) still allows VSI 'v': its port
 * and every one of its VNs.  If not, puts 'v' into 'r'. */
static void
vsi_check_tes(struct vsi *v, const struct vsi_config_tes *tes,
              struct vsi_removals *r)
{
    if (!tes) {
        vsi_removals_add(r, v, "tes_removed");
        return;
    }

    bool allowed = vsi_config_tes_may_use_port(tes, v->port->name);
    for (size_t i = 0; i < v->n_bindings && allowed; i++) {
        allowed = false;
        for (size_t k = 0; k < tes->n_vns && !allowed; k++) {
            allowed = tes->vns[k]->vnid == v->bindings[i].pv->vnid;
        }
    }
    if (!allowed) {
        vsi_removals_add(r, v, "operator");
    }
}

/* After the configuration changed, or the VSIs were loaded (it may have
 * changed while no controller ran): every (port, VN) and every VSI is
 * checked against it. */
static void
vsi_table_reconfigure(struct vsi_table *t)
{
    struct vsi_removals removals = { .n = 0 };
    struct vsi_port *port;
    struct vsi *v;

    HMAP_FOR_EACH (port, node, &t->res.ports) {
        struct vsi_port_vn *pv;
        HMAP_FOR_EACH (pv, node, &port->vns) {
            port_vn_check(t, pv, &removals);
        }
    }
    vsi_table_follow_profiles(t);
    HMAP_FOR_EACH (v, node, &t->vsis) {
        if (v->state != VSI_ABSENT) {
            vsi_check_tes(v, vsi_config_find_tes(&t->cfg, v->tes),
                          &removals);
        }
    }
    vsi_removals_run(t, &removals);
}

/* A VSI row deleted behind our back is the operator's removal. */
static void
vsi_row_deleted(void *t_, const char *id, const struct uuid *row_uuid)
{
    struct vsi_table *t = t_;
    struct vsi *v = vsi_find__(t, id);

    /* vsi_db_for_each_deleted() reports only the deletions that are not
     * ours; a VSI that has another row by now keeps it. */
    if (v && v->state != VSI_ABSENT && uuid_equals(&v->row_uuid, row_uuid)) {
        t->n_removed++;
        vsi_remove(t, v, VSIE_REMOVE, "operator");
    }
}

void
vsi_table_remove(struct vsi_table *t, const char *id, const char *tes,
                 const char *reason)
{
    struct vsi *v = vsi_find__(t, id);

    if (v && v->state != VSI_ABSENT && !strcmp(v->tes, tes)) {
        t->n_removed++;
        vsi_remove(t, v, VSIE_REMOVE, reason);
    }
}

/* Logging: a line per change costs as much as a tenth of a request, so
 * changes requested by a TES are logged at DBG, and summed up at INFO at
 * most once per VSI_SUMMARY_INTERVAL ms, as ovn-controller logs its claims.
 * The NVE's own removals are logged one by one. */
#define VSI_SUMMARY_INTERVAL 5000

static void
vsi_table_log_summary(struct vsi_table *t)
{
    long long int now = time_msec();
    struct ds s = DS_EMPTY_INITIALIZER;

    if (now < t->next_summary) {
        return;
    }
    for (int e = 0; e < VSI_N_EVENTS; e++) {
        if (t->n_changes[e]) {
            ds_put_format(&s, "%s%u %s", s.length ? ", " : "",
                          t->n_changes[e], vsi_event_name(e));
            t->n_changes[e] = 0;
        }
    }
    if (s.length) {
        VLOG_INFO("vsi changes requested: %s; %"PRIuSIZE" vsis held",
                  ds_cstr(&s), t->n_held);
        t->next_summary = now + VSI_SUMMARY_INTERVAL;
    }
    ds_destroy(&s);
}

/* Ageing. */

static void
vsi_table_age(struct vsi_table *t)
{
    long long int timeout = t->cfg.keepalive_timeout;
    long long int now = time_msec();

    while (!heap_is_empty(&t->ageing)) {
        struct vsi *v = CONTAINER_OF(heap_max(&t->ageing), struct vsi,
                                     age_node);
        long long int keepalive = UINT64_MAX - v->age_node.priority;
        if (keepalive + timeout > now) {
            break;
        }
        t->n_aged++;
        vsi_remove(t, v, VSIE_AGE_OUT, "aged_out");
    }
}

/* The main loop. */

struct vsi_table *
vsi_table_create(struct ovsdb_idl *idl, const char *remote,
                 struct barrier *barrier,
                 struct vsi_flows *flows)
{
    struct vsi_table *t = xzalloc(sizeof *t);

    hmap_init(&t->vsis);
    hmap_init(&t->by_cookie);
    hmap_init(&t->policy_users);
    shash_init(&t->refused);
    vsi_resources_init(&t->res);
    vsi_config_init(&t->cfg);
    heap_init(&t->ageing);
    ovs_list_init(&t->notifications);
    ovs_list_init(&t->pointers);
    t->db = vsi_db_create(idl, remote);
    t->barrier = barrier;
    t->flows = flows;
    return t;
}

void
vsi_table_destroy(struct vsi_table *t)
{
    if (!t) {
        return;
    }

    struct vsi_notification *n;
    LIST_FOR_EACH_POP (n, node, &t->notifications) {
        vsi_notification_destroy(n);
    }

    struct vsi *v;
    HMAP_FOR_EACH_POP (v, node, &t->vsis) {
        vsi_free(v);
    }
    hmap_destroy(&t->vsis);
    hmap_destroy(&t->by_cookie);

    struct policy_users *pu;
    HMAP_FOR_EACH_POP (pu, node, &t->policy_users) {
        free(pu->name);
        free(pu);
    }
    hmap_destroy(&t->policy_users);
    shash_destroy_free_data(&t->refused);
    vsi_resources_destroy(&t->res);
    vsi_config_destroy(&t->cfg);
    heap_destroy(&t->ageing);
    vsi_db_destroy(t->db);
    free(t);
}

void
vsi_table_set_committed_cb(struct vsi_table *t,
                           void (*cb)(void *aux, const struct vsi *),
                           void *aux)
{
    t->committed_cb = cb;
    t->committed_aux = aux;
}

void
vsi_table_for_each(const struct vsi_table *t,
                   void (*cb)(void *aux, const struct vsi *), void *aux)
{
    const struct vsi *v;

    HMAP_FOR_EACH (v, node, &t->vsis) {
        if (v->state != VSI_ABSENT) {
            cb(aux, v);
        }
    }
}

void
vsi_table_run(struct vsi_table *t, const struct vsi_ctx *ctx)
{
    /* Free the VSIs whose removal committed. */
    struct ovs_list committed = OVS_LIST_INITIALIZER(&committed);
    struct vsi *v;
    vsi_db_run(t->db, ctx->nve_loop, t->barrier, &committed);
    LIST_FOR_EACH_POP (v, sync_node, &committed) {
        ovs_list_init(&v->sync_node);
        if (t->committed_cb && v->unreported) {
            t->committed_cb(t->committed_aux, v);
        }
        v->unreported = false;
        if (v->state == VSI_ABSENT) {
            hmap_remove(&t->vsis, &v->node);
            hmap_remove(&t->by_cookie, &v->cookie_node);
            vsi_free(v);
        }
    }

    if (!t->loaded) {
        if (vsi_db_load_ready(t->db)) {
            vsi_db_read_config(ctx->nve_idl, ctx->global, &t->cfg, true);
            vsi_db_load(t->db, vsi_restore, t);
            vsi_table_claim_meter_ids(t);
            t->loaded = true;
            VLOG_INFO("loaded %"PRIuSIZE" vsis from the database", t->n_held);
            vsi_table_reconfigure(t);
        }
        return;
    }
    if (vsi_db_read_config(ctx->nve_idl, ctx->global, &t->cfg, false)) {
        vsi_table_reconfigure(t);
    }
    vsi_db_for_each_deleted(t->db, vsi_row_deleted, t);
    vsi_table_age(t);
    vsi_expire_pointers(t);
    vsi_table_keep_counters(t);
    vsi_table_log_summary(t);
}

bool
vsi_table_is_ready(const struct vsi_table *t)
{
    return t->loaded;
}

void
vsi_table_flows_in_switch(struct vsi_table *t)
{
    if (t->loaded) {
        vsi_db_trim_after_load(t->db);
    }
}

void
vsi_table_sync(struct vsi_table *t, struct ovsdb_idl_txn *txn)
{
    shash_clear_free_data(&t->refused);
    vsi_db_sync(t->db, txn, t->barrier, t->cfg.transaction_size);
}

void
vsi_table_set_ofport(struct vsi_table *t, const char *name,
                     ofp_port_t ofport)
{
    struct vsi_port *port = vsi_port_find(&t->res, name);

    if (port && port->ofport != ofport) {
        struct vsi_port_vn *pv;

        HMAP_FOR_EACH (pv, node, &port->vns) {
            vsi_flows_remove_port_vn(t->flows, pv);
        }
        port->ofport = ofport;
        HMAP_FOR_EACH (pv, node, &port->vns) {
            struct vsi_binding *b;
            LIST_FOR_EACH (b, pv_node, &pv->bindings) {
                vsi_flows_update_vsi(t->flows, b->vsi);
            }
        }
    }
}

void
vsi_table_wait(const struct vsi_table *t)
{
    vsi_db_wait(t->db);
    if (!ovs_list_is_empty(&t->notifications)) {
        poll_immediate_wake();
    }
    for (int e = 0; e < VSI_N_EVENTS; e++) {
        if (t->n_changes[e]) {
            poll_timer_wait_until(t->next_summary);
            break;
        }
    }
    if (t->loaded && !heap_is_empty(&t->ageing)) {
        const struct vsi *v = CONTAINER_OF(heap_max(&t->ageing), struct vsi,
                                           age_node);
        long long int keepalive = UINT64_MAX - v->age_node.priority;
        poll_timer_wait_until(keepalive + t->cfg.keepalive_timeout);
    }

    /* A few VSIs at most: those that emigrated in the last
     * pointer_timeout. */
    const struct vsi *v;
    LIST_FOR_EACH (v, pointer_node, &t->pointers) {
        poll_timer_wait_until(v->pointer_until);
    }
}
/* Introspection. */

void
vsi_format(const struct vsi *v, struct ds *s)
{
    ds_put_format(s, "vsi %s\n  state: %s\n  tes: %s\n  port: %s\n"
                  "  protocol: %s\n  migrating: %s\n", v->id,
                  vsi_state_name(v->state), v->tes,
                  v->port ? v->port->name : "",
                  vsi_protocol_name(v->protocol),
                  v->migrating ? "true" : "false");
    ds_put_format(s, "  cookie: %#"PRIx64"\n", v->cookie);
    ds_put_format(s, "  created_at: %lld\n  updated_at: %lld\n"
                  "  keepalive_at: %lld\n", v->created_at, v->updated_at,
                  v->keepalive_at);
    for (size_t i = 0; i < v->n_bindings; i++) {
        const struct vsi_binding *b = &v->bindings[i];

        ds_put_format(s, "  vn %s (vnid %"PRIu32"): vid %"PRIu16,
                      b->pv->vn, b->pv->vnid, b->pv->vid);
        if (b->pcp >= 0) {
            ds_put_format(s, " pcp %d", b->pcp);
        }
        if (b->profile) {
            ds_put_format(s, " policy %s", b->profile);
        }
        ds_put_cstr(s, "\n    macs:");
        for (size_t k = 0; k < b->n_macs; k++) {
            ds_put_format(s, " "ETH_ADDR_FMT, ETH_ADDR_ARGS(b->macs[k]));
        }
        if (b->n_ips) {
            ds_put_cstr(s, "\n    ips:");
            for (size_t k = 0; k < b->n_ips; k++) {
                ds_put_format(s, " %s", b->ips[k]);
            }
        }
        if (b->n_learned) {
            ds_put_cstr(s, "\n    learned macs:");
            for (size_t k = 0; k < b->n_learned; k++) {
                ds_put_format(s, " "ETH_ADDR_FMT,
                              ETH_ADDR_ARGS(b->learned[k]));
            }
        }
        ds_put_char(s, '\n');
    }
}

static int
compare_vsi_ids(const void *a_, const void *b_)
{
    const struct vsi *const *a = a_;
    const struct vsi *const *b = b_;
    return strcmp((*a)->id, (*b)->id);
}

void
vsi_table_format_list(const struct vsi_table *t, struct ds *s)
{
    const struct vsi **vsis = xcalloc(MAX(t->n_held, 1), sizeof *vsis);
    const struct vsi *v;
    size_t n = 0;

    HMAP_FOR_EACH (v, node, &t->vsis) {
        if (v->state != VSI_ABSENT) {
            vsis[n++] = v;
        }
    }
    qsort(vsis, n, sizeof *vsis, compare_vsi_ids);
    for (size_t i = 0; i < n; i++) {
        v = vsis[i];
        ds_put_format(s, "%s %s tes=%s port=%s", v->id,
                      vsi_state_name(v->state), v->tes, v->port->name);
        for (size_t k = 0; k < v->n_bindings; k++) {
            ds_put_format(s, " %s:%"PRIu16, v->bindings[k].pv->vn,
                          v->bindings[k].pv->vid);
        }
        ds_put_char(s, '\n');
    }
    free(vsis);
}

struct vsi_flows *
vsi_table_flows(const struct vsi_table *t)
{
    return t->flows;
}

size_t
vsi_table_count(const struct vsi_table *t)
{
    return t->n_held;
}

static void
format_limit(struct ds *s, int64_t max)
{
    if (max >= 0) {
        ds_put_format(s, "%"PRId64, max);
    } else {
        ds_put_cstr(s, "unlimited");
    }
}

/* One line per configured TES or port, sorted by name: how many VSIs it
 * holds and its limit. */
static void
format_holders(const struct vsi_table *t, struct ds *s, bool tes)
{
    const struct hmap *map = tes ? &t->cfg.tes : &t->cfg.ports;
    struct svec lines = SVEC_EMPTY_INITIALIZER;
    struct ds line = DS_EMPTY_INITIALIZER;

    if (tes) {
        const struct vsi_config_tes *c;
        HMAP_FOR_EACH (c, node, map) {
            ds_clear(&line);
            ds_put_format(&line, "  tes %s: %"PRIuSIZE" vsis, max ",
                          c->name, vsi_tes_n_vsis(&t->res, c->name));
            format_limit(&line, c->max_vsis);
            svec_add(&lines, ds_cstr(&line));
        }
    } else {
        const struct vsi_config_port *c;
        HMAP_FOR_EACH (c, node, map) {
            const struct vsi_port *port = vsi_port_find(&t->res, c->name);
            ds_clear(&line);
            ds_put_format(&line, "  port %s: %"PRIuSIZE" vsis, max ",
                          c->name, port ? port->n_vsis : 0);
            format_limit(&line, c->max_vsis);
            svec_add(&lines, ds_cstr(&line));
        }
    }
    svec_sort(&lines);

    const char *l;
    size_t i;
    SVEC_FOR_EACH (i, l, &lines) {
        ds_put_format(s, "%s\n", l);
    }
    ds_destroy(&line);
    svec_destroy(&lines);
}

void
vsi_table_format_status(const struct vsi_table *t, struct ds *s)
{
    ds_put_format(s, "vsis: %"PRIuSIZE"\n", t->n_held);
    ds_put_cstr(s, "  max ");
    format_limit(s, t->cfg.max_vsis);
    ds_put_char(s, '\n');
    format_holders(t, s, true);
    format_holders(t, s, false);
    ds_put_format(s, "loaded: %s\n", t->loaded ? "true" : "false");
    ds_put_format(s, "requests: %"PRIu64" (%"PRIu64" failed)\n",
                  t->n_requests, t->n_failed);
    ds_put_format(s, "aged out: %"PRIu64"\n", t->n_aged);
    ds_put_format(s, "removed by operator: %"PRIu64"\n", t->n_removed);
    ds_put_format(s, "removed, flows refused: %"PRIu64"\n", t->n_refused);
    ds_put_format(s, "learned macs: %"PRIu64" (%"PRIu64" moved, "
                  "%"PRIu64" frames refused, max %lld per binding)\n",
                  t->n_learned, t->n_learn_moved, t->n_learn_refused,
                  t->cfg.max_learned_macs);
    barrier_format(t->barrier, s);
}
