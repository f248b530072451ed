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


/* TNS replies held by the TNS server: see tns-reply.h. */

#include <config.h>
#include "nve-jansson.h"
#include "tns-reply.h"

#include "barrier.h"
#include "lib/tns.h"
#include "openvswitch/shash.h"
#include "packets.h"
#include "util.h"
#include "vsi-counters.h"
#include "vsi-table.h"

void
tns_pending_destroy(struct tns_pending *p)
{
    for (size_t i = 0; i < p->n_counters; i++) {
        vsi_counters_query_destroy(p->counters[i].query);
    }
    free(p->counters);
    json_decref(p->reply);
    free(p);
}

/* Whether 'reply' is an error about the message itself (not JSON, not a
 * request, unknown method, bad parameters), which no change waits for. */
static bool
is_message_error(const json_t *reply)
{
    const json_t *code = json_object_get(json_object_get(reply, "error"),
                                         "code");
    json_int_t c = json_is_integer(code) ? json_integer_value(code) : 0;

    return c >= TNS_PARSE_ERROR && c <= TNS_INVALID_REQUEST;
}

/* The reply to what 'reply' answers, when the change it reports could not
 * be confirmed in time: BUSY. */
static json_t *
busy_reply(const json_t *reply, const char *why, long long int deadline_ms)
{
    if (is_message_error(reply)) {
        return json_incref(CONST_CAST(json_t *, reply));
    }
    return tns_reply_errorf(json_object_get(reply, "id"), VSI_ST_BUSY,
                            tns_status_code(VSI_ST_BUSY),
                            "%s within %lld ms; retry later", why,
                            deadline_ms);
}

/* Turns every reply of 'p', whose change the NVE could not confirm before
 * its deadline, into BUSY: the TES retries, and the change, which every
 * request makes idempotently, is confirmed then. */
void
tns_pending_make_busy(struct tns_pending *p, const struct barrier *barrier,
                      long long int deadline_ms)
{
    const char *why = (!barrier_db_is_done(barrier, p->gen)
                       ? "the NVE database did not confirm the change"
                       : "the switch did not confirm the change's flows");

    for (size_t i = 0; i < p->n_counters; i++) {
        vsi_counters_query_destroy(p->counters[i].query);
    }
    free(p->counters);
    p->counters = NULL;
    p->n_counters = 0;

    json_t *busy;
    if (json_is_array(p->reply)) {
        busy = nve_json_array();
        for (size_t i = 0; i < json_array_size(p->reply); i++) {
            json_array_append_new(busy,
                                  busy_reply(json_array_get(p->reply, i),
                                             why, deadline_ms));
        }
    } else {
        busy = busy_reply(p->reply, why, deadline_ms);
    }
    json_decref(p->reply);
    p->reply = busy;
}

/* If 'reply' reports a VSI of 'refused' as held (a result with a
 * "state"), returns the INSUFFICIENT_RESOURCES error to send instead, else
 * NULL. */
static json_t *
refused_reply(const json_t *reply, const struct shash *refused)
{
    const json_t *result = json_object_get(reply, "result");
    const char *vsi = json_string_value(json_object_get(result, "vsi"));
    const char *why = vsi ? shash_find_data(refused, vsi) : NULL;

    if (!why || !json_object_get(result, "state")) {
        return NULL;
    }
    return tns_reply_error(json_object_get(reply, "id"),
                           VSI_ST_INSUFFICIENT_RESOURCES,
                           tns_status_code(VSI_ST_INSUFFICIENT_RESOURCES),
                           why);
}

/* Forgets the counters that "get" result 'result' of 'p' waited for. */
static void
forget_counters(struct tns_pending *p, const json_t *result)
{
    for (size_t i = 0; i < p->n_counters; i++) {
        if (p->counters[i].result == result) {
            vsi_counters_query_destroy(p->counters[i].query);
            p->counters[i] = p->counters[--p->n_counters];
            return;
        }
    }
}

bool
tns_pending_refuse(struct tns_pending *p, const struct shash *refused,
                   uint64_t ticket)
{
    bool changed = false;
    size_t n = json_is_array(p->reply) ? json_array_size(p->reply) : 1;

    for (size_t i = 0; i < n; i++) {
        json_t *reply = (json_is_array(p->reply)
                         ? json_array_get(p->reply, i) : p->reply);
        json_t *error = refused_reply(reply, refused);

        if (error) {
            forget_counters(p, json_object_get(reply, "result"));
            if (json_is_array(p->reply)) {
                json_array_set_new(p->reply, i, error);
            } else {
                json_decref(p->reply);
                p->reply = error;
            }
            changed = true;
        }
    }
    if (changed) {
        p->gen = MAX(p->gen, ticket);
    }
    return changed;
}

/* Whether every "get" of 'p' has its counters. */
bool
tns_pending_has_counters(const struct tns_pending *p)
{
    for (size_t i = 0; i < p->n_counters; i++) {
        if (!vsi_counters_query_is_done(p->counters[i].query)) {
            return false;
        }
    }
    return true;
}

/* Puts the counters into the "get" results of 'p'.  A switch that did not
 * answer leaves them out. */
void
tns_pending_put_counters(const struct tns_pending *p)
{
    for (size_t i = 0; i < p->n_counters; i++) {
        struct vsi_counters vc;

        if (vsi_counters_query_result(p->counters[i].query, &vc)) {
            json_t *counters = json_pack(
                "{s:I, s:I, s:I, s:I}",
                "rx_packets", (json_int_t) vc.rx_packets,
                "rx_bytes", (json_int_t) vc.rx_bytes,
                "tx_packets", (json_int_t) vc.tx_packets,
                "tx_bytes", (json_int_t) vc.tx_bytes);
            json_object_set_new(p->counters[i].result, "counters",
                                counters);
        }
    }
}

/* The TNS "networks" of a VSI. */
json_t *
tns_networks_to_json(const struct vsi *v)
{
    json_t *networks = nve_json_array();

    for (size_t i = 0; i < v->n_bindings; i++) {
        const struct vsi_binding *b = &v->bindings[i];
        json_t *net = nve_json_object();
        json_t *macs = nve_json_array();
        json_t *ips = nve_json_array();

        json_object_set_new(net, "vn", nve_json_string(b->pv->vn));
        json_object_set_new(net, "vnid", nve_json_integer(b->pv->vnid));
        json_object_set_new(net, "vid", nve_json_integer(b->pv->vid));
        if (b->pcp >= 0) {
            json_object_set_new(net, "pcp", nve_json_integer(b->pcp));
        }
        for (size_t k = 0; k < b->n_macs; k++) {
            char s[ETH_ADDR_STRLEN + 1];
            snprintf(s, sizeof s, ETH_ADDR_FMT, ETH_ADDR_ARGS(b->macs[k]));
            json_array_append_new(macs, nve_json_string(s));
        }
        json_object_set_new(net, "macs", macs);
        if (b->n_learned) {
            json_t *learned = nve_json_array();
            for (size_t k = 0; k < b->n_learned; k++) {
                char s[ETH_ADDR_STRLEN + 1];
                snprintf(s, sizeof s, ETH_ADDR_FMT,
                         ETH_ADDR_ARGS(b->learned[k]));
                json_array_append_new(learned, nve_json_string(s));
            }
            json_object_set_new(net, "learned_macs", learned);
        }
        for (size_t k = 0; k < b->n_ips; k++) {
            json_array_append_new(ips, nve_json_string(b->ips[k]));
        }
        json_object_set_new(net, "ips", ips);
        if (b->profile) {
            json_object_set_new(net, "policy", nve_json_string(b->profile));
        }
        json_array_append_new(networks, net);
    }
    return networks;
}

/* The "result" of a successful request about 'vsi_id', 'v' being the VSI
 * after it (NULL if the NVE no longer holds it). */
json_t *
tns_result_to_json(const char *vsi_id, const struct vsi *v,
                   const struct tns_request *rq)
{
    json_t *result = nve_json_object();

    json_object_set_new(result, "status", nve_json_string("SUCCESS"));
    json_object_set_new(result, "vsi", nve_json_string(vsi_id));
    if (v) {
        json_object_set_new(result, "state",
                            nve_json_string(vsi_state_name(v->state)));
        json_object_set_new(result, "tes", nve_json_string(v->tes));
        json_object_set_new(result, "port", nve_json_string(v->port->name));
        if (v->migrating) {
            json_object_set_new(result, "migrating", json_true());
        }
        json_object_set_new(result, "networks", tns_networks_to_json(v));
    } else if (rq->method == TNS_TERMINATE) {
        json_object_set_new(result, "state", nve_json_string("terminated"));
    }
    return result;
}
