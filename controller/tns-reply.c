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

#include <stdarg.h>
#include "barrier.h"
#include "lib/tns.h"
#include "openvswitch/shash.h"
#include "tns-result.h"
#include "util.h"
#include "vsi-counters.h"

struct tns_pending *
tns_pending_create(bool is_array)
{
    struct tns_pending *p = xzalloc(sizeof *p);

    p->is_array = is_array;
    ds_init(&p->text);
    if (is_array) {
        ds_put_char(&p->text, '[');
    }
    return p;
}

/* Frees what reply 'r' holds. */
static void
reply_uninit(struct tns_reply *r)
{
    json_decref(r->id);
    free(r->held_vsi);
    vsi_counters_query_destroy(r->counters);
}

void
tns_pending_destroy(struct tns_pending *p)
{
    for (size_t i = 0; i < p->n_replies; i++) {
        reply_uninit(&p->replies[i]);
    }
    free(p->replies);
    ds_destroy(&p->text);
    free(p);
}

/* Starts a new reply to 'id' in 'p', whose text the caller appends to
 * 'p->text' and then ends with reply_end(). */
static struct tns_reply *
reply_start(struct tns_pending *p, json_t *id, int code)
{
    ovs_assert(p->is_array || !p->n_replies);
    if (p->n_replies >= p->allocated_replies) {
        p->replies = x2nrealloc(p->replies, &p->allocated_replies,
                                sizeof *p->replies);
    }
    if (p->n_replies) {
        ds_put_char(&p->text, ',');
    }

    struct tns_reply *r = &p->replies[p->n_replies++];
    *r = (struct tns_reply) {
        .id = id ? json_incref(id) : NULL,
        .ofs = p->text.length,
        .code = code,
    };
    return r;
}

static void
reply_end(struct tns_pending *p, struct tns_reply *r)
{
    r->len = p->text.length - r->ofs;
}

void
tns_pending_add_error(struct tns_pending *p, json_t *id,
                      enum vsi_status status, int code, const char *message)
{
    struct tns_reply *r = reply_start(p, id, code);

    tns_put_error(&p->text, id, status, code, message);
    reply_end(p, r);
}

void
tns_pending_add_errorf(struct tns_pending *p, json_t *id,
                       enum vsi_status status, int code,
                       const char *format, ...)
{
    struct tns_reply *r = reply_start(p, id, code);
    va_list args;

    va_start(args, format);
    tns_put_errorv(&p->text, id, status, code, format, args);
    va_end(args);
    reply_end(p, r);
}

void
tns_pending_add_result(struct tns_pending *p, json_t *id, const char *vsi_id,
                       const struct vsi *v, const struct tns_request *rq,
                       struct vsi_counters_query *counters)
{
    struct tns_reply *r = reply_start(p, id, 0);

    if (tns_result_has_state(v, rq)) {
        r->held_vsi = xstrdup(vsi_id);
    }
    r->counters = counters;
    tns_put_success_start(&p->text, id);
    tns_put_result(&p->text, vsi_id, v, rq);
    tns_put_success_end(&p->text);
    reply_end(p, r);
}

void
tns_pending_close(struct tns_pending *p)
{
    if (p->is_array) {
        ds_put_char(&p->text, ']');
    }
    ds_put_char(&p->text, '\n');
}

/* Writes 'p''s text anew: every reply for which 'rewrite' appends a new
 * text to 'out' (and returns true) gets it, the others keep theirs
 * ('old'). */
static void
pending_rewrite(struct tns_pending *p,
                bool (*rewrite)(struct tns_reply *, const char *old,
                                struct ds *out, const void *aux),
                const void *aux)
{
    struct ds text = DS_EMPTY_INITIALIZER;

    ds_reserve(&text, p->text.length);
    if (p->is_array) {
        ds_put_char(&text, '[');
    }
    for (size_t i = 0; i < p->n_replies; i++) {
        struct tns_reply *r = &p->replies[i];
        const char *old = p->text.string + r->ofs;

        if (i) {
            ds_put_char(&text, ',');
        }
        size_t ofs = text.length;
        if (!rewrite(r, old, &text, aux)) {
            ds_put_buffer(&text, old, r->len);
        }
        r->ofs = ofs;
        r->len = text.length - ofs;
    }
    if (p->is_array) {
        ds_put_char(&text, ']');
    }
    ds_put_char(&text, '\n');
    ds_destroy(&p->text);
    p->text = text;
}

/* Makes 'r' a new error, written to 'out': it reports the VSI no more,
 * and waits for no counters. */
static void
reply_set_error(struct tns_reply *r, struct ds *out, enum vsi_status status,
                const char *message)
{
    r->code = tns_status_code(status);
    free(r->held_vsi);
    r->held_vsi = NULL;
    vsi_counters_query_destroy(r->counters);
    r->counters = NULL;
    tns_put_error(out, r->id, status, r->code, message);
}

/* Whether 'r' is an error about the message itself (not JSON, not a
 * request, unknown method, bad parameters), which no change waits for. */
static bool
is_message_error(const struct tns_reply *r)
{
    return r->code >= TNS_PARSE_ERROR && r->code <= TNS_INVALID_REQUEST;
}

/* The reply to what 'r' answers, when the change it reports could not be
 * confirmed in time: BUSY, for 'why' (a string). */
static bool
rewrite_busy(struct tns_reply *r, const char *old OVS_UNUSED,
             struct ds *out, const void *why)
{
    if (is_message_error(r)) {
        return false;
    }
    reply_set_error(r, out, VSI_ST_BUSY, why);
    return true;
}

/* Turns every reply of 'p', whose change the NVE could not confirm before
 * its deadline, into BUSY: the TES retries, and the change, which every
 * request makes idempotently, is confirmed then. */
void
tns_pending_make_busy(struct tns_pending *p, const struct barrier *barrier,
                      long long int deadline_ms)
{
    char *why = xasprintf("%s within %lld ms; retry later",
                          (!barrier_db_is_done(barrier, p->gen)
                           ? "the NVE database did not confirm the change"
                           : "the switch did not confirm the change's "
                             "flows"),
                          deadline_ms);

    pending_rewrite(p, rewrite_busy, why);
    free(why);
}

/* If 'r' reports a VSI of 'refused' (id -> why) as held, it becomes the
 * INSUFFICIENT_RESOURCES error to send instead. */
static bool
rewrite_refused(struct tns_reply *r, const char *old OVS_UNUSED,
                struct ds *out, const void *refused)
{
    const char *why = (r->held_vsi
                       ? shash_find_data(refused, r->held_vsi) : NULL);

    if (!why) {
        return false;
    }
    reply_set_error(r, out, VSI_ST_INSUFFICIENT_RESOURCES, why);
    return true;
}

bool
tns_pending_refuse(struct tns_pending *p, const struct shash *refused,
                   uint64_t ticket)
{
    bool changed = false;

    for (size_t i = 0; i < p->n_replies; i++) {
        const char *vsi = p->replies[i].held_vsi;
        if (vsi && shash_find(refused, vsi)) {
            changed = true;
            break;
        }
    }
    if (changed) {
        pending_rewrite(p, rewrite_refused, refused);
        p->gen = MAX(p->gen, ticket);
    }
    return changed;
}

/* Whether every "get" of 'p' has its counters. */
bool
tns_pending_has_counters(const struct tns_pending *p)
{
    for (size_t i = 0; i < p->n_replies; i++) {
        const struct vsi_counters_query *q = p->replies[i].counters;
        if (q && !vsi_counters_query_is_done(q)) {
            return false;
        }
    }
    return true;
}

/* Puts the counters of 'r', if the switch reported them, into its
 * result. */
static bool
rewrite_counters(struct tns_reply *r, const char *old, struct ds *out,
                 const void *aux OVS_UNUSED)
{
    struct vsi_counters vc;

    if (!r->counters || !vsi_counters_query_result(r->counters, &vc)) {
        return false;
    }
    tns_put_with_counters(out, old, r->len, &vc);
    return true;
}

/* Puts the counters into the "get" results of 'p'.  A switch that did not
 * answer leaves them out. */
void
tns_pending_put_counters(struct tns_pending *p)
{
    for (size_t i = 0; i < p->n_replies; i++) {
        if (p->replies[i].counters) {
            pending_rewrite(p, rewrite_counters, NULL);
            return;
        }
    }
}
