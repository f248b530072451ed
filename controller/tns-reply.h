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


#ifndef NVE_TNS_REPLY_H
#define NVE_TNS_REPLY_H 1

/* TNS replies as the TNS server holds them until they may be sent: the
 * JSON of a VSI's result, the counters a "get" waits for, and what a reply
 * becomes when its change cannot be confirmed before its deadline (BUSY).
 * Only tns-server.c uses this; it is a file of its own to keep the server
 * to its connections. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/list.h"

struct barrier;
struct shash;
struct json_t;
struct tns_request;
struct vsi;

/* A reply (or array of replies) waiting until barrier ticket 'gen' is
 * done, or 'deadline' passes: then it becomes BUSY. */
struct tns_pending {
    struct ovs_list node;       /* In tns_conn 'pending'. */
    uint64_t gen;
    long long int deadline;
    struct json_t *reply;
    size_t n_requests;          /* Requests it answers. */
    size_t n_replies;           /* Replies in 'reply': to requests, to
                                 * refused requests and to invalid
                                 * messages. */
    struct tns_counters *counters;  /* "get" results that wait for their
                                     * "counters". */
    size_t n_counters;
};

/* The result of a "get", which gets the VSI's counters once the switch
 * reports them (vsi-counters.h). */
struct tns_counters {
    struct json_t *result;      /* In the pending reply. */
    struct vsi_counters_query *query;
};

/* Frees 'p' and what it holds. */
void tns_pending_destroy(struct tns_pending *);

/* Turns every reply of 'p', whose change the NVE could not confirm before
 * its deadline of 'deadline_ms', into BUSY. */
void tns_pending_make_busy(struct tns_pending *, const struct barrier *,
                           long long int deadline_ms);

/* Turns every reply of 'p' that reports a VSI of 'refused' (id -> why,
 * vsi_table_refused()) as held into INSUFFICIENT_RESOURCES, saying why,
 * to be sent once 'ticket' is done.  Returns true if it changed any. */
bool tns_pending_refuse(struct tns_pending *, const struct shash *refused,
                        uint64_t ticket);

/* Whether every "get" of 'p' has its counters, and puts them into the
 * results. */
bool tns_pending_has_counters(const struct tns_pending *);
void tns_pending_put_counters(const struct tns_pending *);

/* The TNS "networks" of VSI 'v', and the "result" of a successful request
 * 'rq' about 'vsi_id', 'v' being the VSI after it (NULL if the NVE no longer
 * holds it). */
struct json_t *tns_networks_to_json(const struct vsi *v);
struct json_t *tns_result_to_json(const char *vsi_id, const struct vsi *v,
                                  const struct tns_request *rq);

#endif /* tns-reply.h */
