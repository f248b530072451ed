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
 * line of JSON text that answers one line of requests, as lib/tns.c's
 * fixed-shape writer and tns-result.h write it (no jansson values), the
 * counters a "get" waits for, and what a reply becomes when its change
 * cannot be confirmed before its deadline (BUSY).  Only tns-server.c uses
 * this; it is a file of its own to keep the server to its connections. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "vsi-lifecycle.h"

struct barrier;
struct shash;
struct json_t;
struct tns_request;
struct vsi;
struct vsi_counters_query;

/* One reply of a tns_pending. */
struct tns_reply {
    struct json_t *id;          /* The id it answers (a reference), or
                                 * NULL. */
    size_t ofs, len;            /* Its JSON text, in tns_pending 'text'. */
    int code;                   /* JSON-RPC error code, 0 for a success. */
    char *held_vsi;             /* A success whose result reports its VSI
                                 * with a "state": the VSI's id.  Else
                                 * NULL. */
    struct vsi_counters_query *counters;    /* A "get" of a VSI: its
                                             * counters, once the switch
                                             * reports them.  Else NULL. */
};

/* The reply (or array of replies) to one line, waiting until barrier
 * ticket 'gen' is done, or 'deadline' passes: then it becomes BUSY. */
struct tns_pending {
    struct ovs_list node;       /* In tns_conn 'pending'. */
    uint64_t gen;
    long long int deadline;
    bool is_array;              /* Replies go as a JSON array. */
    struct ds text;             /* The line to send, new-line included,
                                 * once tns_pending_close() ends it. */
    struct tns_reply *replies;  /* To requests, to refused requests and to
                                 * invalid messages, in order. */
    size_t n_replies, allocated_replies;
    size_t n_requests;          /* Requests it answers. */
};

/* Returns a new, empty tns_pending, whose replies will go as a JSON array
 * if 'is_array', else as the one reply that it may hold. */
struct tns_pending *tns_pending_create(bool is_array);

/* Adds a reply to 'p': an error, or the success of request 'rq' about
 * 'vsi_id', 'v' being the VSI after it (NULL if the NVE no longer holds
 * it), whose counters 'counters' (which 'p' takes) will report, if
 * nonnull. */
void tns_pending_add_error(struct tns_pending *, struct json_t *id,
                           enum vsi_status, int code, const char *message);
void tns_pending_add_errorf(struct tns_pending *, struct json_t *id,
                            enum vsi_status, int code,
                            const char *format, ...)
    OVS_PRINTF_FORMAT(5, 6);
void tns_pending_add_result(struct tns_pending *, struct json_t *id,
                            const char *vsi_id, const struct vsi *v,
                            const struct tns_request *rq,
                            struct vsi_counters_query *counters);

/* Ends the line of 'p', after its last reply. */
void tns_pending_close(struct tns_pending *);

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
 * results (a switch that did not answer leaves them out). */
bool tns_pending_has_counters(const struct tns_pending *);
void tns_pending_put_counters(struct tns_pending *);

#endif /* tns-reply.h */
