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

/* Flow statistics, the part of ofctrl that reads flows back from the
 * switch.
 *
 * Two users read them, with the same request and the same decoder: the
 * dump of all flows that ofctrl.c starts after each (re)connection, to send
 * only the difference to the desired ones; and ofctrl_request_flow_stats(),
 * which asks for the flows of one cookie, whose packet and byte counts
 * vsi-counters.c sums per table.  ofctrl.c receives every reply and hands
 * it over; it decides what becomes of the dump.
 *
 * The sums of "counted" flows (ofctrl_set_counted()) do not go back when a
 * flow goes: each cookie has a base per table that absorbs what its flows
 * counted before they went, so that the sums that ofctrl_flow_stats_get()
 * returns only grow.  A counted flow is added with the "send flow removed"
 * flag, so that the switch reports its final counts when it is deleted, by
 * us or by anyone else, and they go into the base.  A switch that lost its
 * flows (ovs-vswitchd restarted) reports nothing: after each
 * (re)connection, the counts that the dump of all flows reads are compared
 * with the last ones seen, and what was seen and is now gone goes into the
 * base.  Counts since the last reading are lost then.  The bases of a
 * cookie that has no desired flow left are forgotten. */

#include <config.h>
#include "ofctrl.h"

#include <errno.h>
#include "byte-order.h"
#include "flow-table.h"
#include "hash.h"
#include "ofctrl-private.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-monitor.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ofctrl_stats);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

/* The sums of one table's flows. */
struct ofctrl_table_stats {
    uint8_t table_id;
    uint64_t n_packets;
    uint64_t n_bytes;
};

/* A request of ofctrl_request_flow_stats(), shared by the callers that
 * asked for the same cookie in the same epoch (see 'epoch' below). */
struct ofctrl_flow_stats {
    struct ovs_list list_node;  /* In 'requests' while pending. */
    struct hmap_node xid_node;  /* In 'requests_by_xid' while pending. */
    struct hmap_node cookie_node;   /* In 'shareable' while 'shareable'. */
    bool pending;               /* In 'requests' and 'requests_by_xid'. */
    bool shareable;             /* In 'shareable'. */
    unsigned int n_refs;        /* Callers that hold it. */
    uint64_t cookie;
    ovs_be32 xid;
    bool done;                  /* Reply complete, or failed. */
    long long int deadline;     /* Given up then, if not done. */
    bool ok;                    /* Reply complete. */
    struct ofctrl_table_stats *tables;
    size_t n_tables, allocated_tables;
};

/* What ofctrl keeps of the counted flows of one cookie, per table. */
struct ofctrl_counted {
    struct hmap_node node;      /* In 'counted', by cookie. */
    uint64_t cookie;
    struct ofctrl_table_stats *base;    /* Counts of flows gone. */
    size_t n_base, allocated_base;
    struct ofctrl_table_stats *seen;    /* Last counts read of those here. */
    size_t n_seen, allocated_seen;
    struct ofctrl_table_stats *dumped;  /* Read by the dump in progress. */
    size_t n_dumped, allocated_dumped;
    struct ovs_list changed_node;   /* In 'changed' if 'base' changed. */
};

static ofctrl_counted_cb *is_counted;
static struct hmap counted = HMAP_INITIALIZER(&counted);
static bool reconnected = true;     /* The next dump is the first since. */
static struct ovs_list changed = OVS_LIST_INITIALIZER(&changed);

/* Requests awaiting their replies, in the order of their deadlines, and by
 * xid. */
static struct ovs_list requests = OVS_LIST_INITIALIZER(&requests);
static struct hmap requests_by_xid = HMAP_INITIALIZER(&requests_by_xid);

/* Sharing.  A request made since ofctrl last sent a change to the switch
 * (a bundle) would be answered with the same counts as one made now: the
 * switch answers in order.  So the requests of one such epoch are shared
 * by cookie: the 100,000 VSIs restored after a restart, or associated in
 * one batch, ask for the counters of the few (port, VN) pairs they join
 * with one request per pair, not one each (which, besides the switch's
 * work, made every reply a search of 100,000 pending requests). */
static struct hmap shareable = HMAP_INITIALIZER(&shareable);
static uint64_t n_requests_sent;    /* OpenFlow requests. */
static uint64_t n_requests_shared;  /* Callers given an existing one. */
static uint64_t n_requests_done;    /* Requests that became done. */

/* The dump of all flows, and the flows it read so far. */
static ovs_be32 dump_xid;
static struct flow_table *dump_flows;

/* Counted flows. */

/* Returns the sums of table 'table_id' in 'tables[0..*n)', added if
 * missing. */
static struct ofctrl_table_stats *
table_stats_get(struct ofctrl_table_stats **tables, size_t *n,
                size_t *allocated, uint8_t table_id)
{
    for (size_t i = 0; i < *n; i++) {
        if ((*tables)[i].table_id == table_id) {
            return &(*tables)[i];
        }
    }
    if (*n >= *allocated) {
        *tables = x2nrealloc(*tables, allocated, sizeof **tables);
    }
    struct ofctrl_table_stats *ts = &(*tables)[(*n)++];
    *ts = (struct ofctrl_table_stats) { .table_id = table_id };
    return ts;
}

#define TABLE_STATS_GET(C, MEMBER, TABLE_ID)                            \
    table_stats_get(&(C)->MEMBER, &(C)->n_##MEMBER,                     \
                    &(C)->allocated_##MEMBER, TABLE_ID)

static struct ofctrl_counted *
ofctrl_counted_find(uint64_t cookie)
{
    struct ofctrl_counted *c;

    HMAP_FOR_EACH_WITH_HASH (c, node, hash_uint64(cookie), &counted) {
        if (c->cookie == cookie) {
            return c;
        }
    }
    return NULL;
}

static struct ofctrl_counted *
ofctrl_counted_get(uint64_t cookie)
{
    struct ofctrl_counted *c = ofctrl_counted_find(cookie);

    if (!c) {
        c = xzalloc(sizeof *c);
        c->cookie = cookie;
        ovs_list_init(&c->changed_node);
        hmap_insert(&counted, &c->node, hash_uint64(cookie));
    }
    return c;
}

static void
ofctrl_counted_destroy(struct ofctrl_counted *c)
{
    hmap_remove(&counted, &c->node);
    ovs_list_remove(&c->changed_node);
    free(c->base);
    free(c->seen);
    free(c->dumped);
    free(c);
}

/* Adds 'n_packets' and 'n_bytes' to the base of 'c''s table 'table_id'. */
static void
ofctrl_counted_absorb(struct ofctrl_counted *c, uint8_t table_id,
                      uint64_t n_packets, uint64_t n_bytes)
{
    if (n_packets || n_bytes) {
        struct ofctrl_table_stats *ts = TABLE_STATS_GET(c, base, table_id);
        ts->n_packets += n_packets;
        ts->n_bytes += n_bytes;
        if (ovs_list_is_empty(&c->changed_node)) {
            ovs_list_push_back(&changed, &c->changed_node);
        }
    }
}

bool
ofctrl_flow_is_counted(uint64_t cookie, uint8_t table_id)
{
    return is_counted && is_counted(cookie, table_id);
}

void
ofctrl_flow_stats_recv_removed(const struct ofp_header *oh,
                               const struct flow_table *desired)
{
    struct ofputil_flow_removed fr;
    enum ofperr error = ofputil_decode_flow_removed(&fr, oh);

    if (error) {
        ofctrl_decode_status(error, "flow removed");
        return;
    }

    uint64_t cookie = ntohll(fr.cookie);
    if (!ofctrl_flow_is_counted(cookie, fr.table_id)) {
        return;
    }
    if (!flow_table_has_owner(desired, cookie)) {
        /* Its owner is gone, and its counts with it. */
        struct ofctrl_counted *c = ofctrl_counted_find(cookie);
        if (c) {
            ofctrl_counted_destroy(c);
        }
        return;
    }

    /* Its counts are no longer among those of the flows here. */
    struct ofctrl_counted *c = ofctrl_counted_get(cookie);
    struct ofctrl_table_stats *seen = TABLE_STATS_GET(c, seen, fr.table_id);
    seen->n_packets -= MIN(seen->n_packets, fr.packet_count);
    seen->n_bytes -= MIN(seen->n_bytes, fr.byte_count);
    ofctrl_counted_absorb(c, fr.table_id, fr.packet_count, fr.byte_count);
}

/* After the first dump since a (re)connection, compares what it read with
 * the counts seen before: the flows that counted less than that were lost,
 * and what they had counted goes into the bases.  (While connected, a
 * switch reports every counted flow that goes, and what a later dump reads
 * may race with those reports.) */
static void
ofctrl_counted_dump_done(const struct flow_table *desired)
{
    struct ofctrl_counted *c;

    HMAP_FOR_EACH_SAFE (c, node, &counted) {
        if (!flow_table_has_owner(desired, c->cookie)) {
            ofctrl_counted_destroy(c);
            continue;
        } else if (!reconnected) {
            c->n_dumped = 0;
            continue;
        }
        for (size_t i = 0; i < c->n_seen; i++) {
            struct ofctrl_table_stats *seen = &c->seen[i];
            struct ofctrl_table_stats *now
                = TABLE_STATS_GET(c, dumped, seen->table_id);
            if (now->n_packets < seen->n_packets
                || now->n_bytes < seen->n_bytes) {
                ofctrl_counted_absorb(c, seen->table_id,
                                      seen->n_packets, seen->n_bytes);
            }
        }
        free(c->seen);
        c->seen = c->dumped;
        c->n_seen = c->n_dumped;
        c->allocated_seen = c->allocated_dumped;
        c->dumped = NULL;
        c->n_dumped = c->allocated_dumped = 0;
    }
    reconnected = false;
}

/* Returns a request for the statistics of the flows, in all tables, whose
 * cookie matches 'cookie' in the bits of 'cookie_mask'. */
static struct ofpbuf *
ofctrl_flow_stats_request(ovs_be64 cookie, ovs_be64 cookie_mask)
{
    struct ofputil_flow_stats_request fsr = {
        .aggregate = false,
        .table_id = OFPTT_ALL,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .cookie = cookie,
        .cookie_mask = cookie_mask,
    };
    match_init_catchall(&fsr.match);

    return ofputil_encode_flow_stats_request(&fsr, OFPUTIL_P_OF15_OXM);
}

/* Calls 'cb' with each flow of flow stats reply 'oh' and 'aux'.  Returns 0,
 * or the error that stopped decoding, which it logged: 'cb' saw the flows
 * before it. */
static enum ofperr
ofctrl_flow_stats_decode(const struct ofp_header *oh,
                         void (*cb)(const struct ofputil_flow_stats *,
                                    void *aux),
                         void *aux)
{
    struct ofpbuf msg = ofpbuf_const_initializer(oh, ntohs(oh->length));
    uint64_t stub[1024 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    int error;

    for (;;) {
        struct ofputil_flow_stats fs;
        error = ofputil_decode_flow_stats_reply(&fs, &msg, false, &ofpacts);
        if (error) {
            break;
        }
        cb(&fs, aux);
    }
    ofpbuf_uninit(&ofpacts);

    return ofctrl_decode_status(error, "flow stats reply");
}

/* The dump of all flows. */

void
ofctrl_flow_stats_dump_start(void)
{
    struct ofpbuf *msg = ofctrl_flow_stats_request(htonll(0), htonll(0));
    dump_xid = ofctrl_get_xid(msg);
    ofctrl_send(msg);

    flow_table_destroy(dump_flows);
    dump_flows = flow_table_create();
}

bool
ofctrl_flow_stats_is_dump(ovs_be32 xid)
{
    return xid == dump_xid;
}

/* Adds 'fs', a flow read from the switch, to 'dump_flows_'. */
static void
ofctrl_flow_stats_add_flow(const struct ofputil_flow_stats *fs,
                           void *dump_flows_)
{
    uint64_t cookie = ntohll(fs->cookie);

    flow_table_add(dump_flows_, cookie, fs->table_id,
                   fs->priority, &fs->match, fs->ofpacts, fs->ofpacts_len);
    if (ofctrl_flow_is_counted(cookie, fs->table_id)) {
        struct ofctrl_counted *c = ofctrl_counted_get(cookie);
        struct ofctrl_table_stats *ts = TABLE_STATS_GET(c, dumped,
                                                        fs->table_id);
        ts->n_packets += fs->packet_count;
        ts->n_bytes += fs->byte_count;
    }
}

enum ofperr
ofctrl_flow_stats_recv_dump(const struct ofp_header *oh)
{
    return ofctrl_flow_stats_decode(oh, ofctrl_flow_stats_add_flow,
                                    dump_flows);
}

struct flow_table *
ofctrl_flow_stats_take_dump(const struct flow_table *desired)
{
    struct flow_table *flows = dump_flows;

    if (flows && desired) {
        ofctrl_counted_dump_done(desired);
    }
    dump_flows = NULL;
    dump_xid = htonl(0);
    return flows;
}

/* Requests of ofctrl_request_flow_stats(). */

static struct ofctrl_flow_stats *
ofctrl_flow_stats_find(ovs_be32 xid)
{
    struct ofctrl_flow_stats *fs;

    HMAP_FOR_EACH_WITH_HASH (fs, xid_node, hash_int(ntohl(xid), 0),
                             &requests_by_xid) {
        if (fs->xid == xid) {
            return fs;
        }
    }
    return NULL;
}

static void
ofctrl_flow_stats_unshare(struct ofctrl_flow_stats *fs)
{
    if (fs->shareable) {
        hmap_remove(&shareable, &fs->cookie_node);
        fs->shareable = false;
    }
}

/* No more replies will come for 'fs': it is done, and complete if 'ok'. */
static void
ofctrl_flow_stats_finish(struct ofctrl_flow_stats *fs, bool ok)
{
    if (fs->pending) {
        ovs_list_remove(&fs->list_node);
        hmap_remove(&requests_by_xid, &fs->xid_node);
        fs->pending = false;
    }
    fs->done = true;
    fs->ok = ok;
    n_requests_done++;
}

void
ofctrl_flow_stats_format(struct ds *s)
{
    ds_put_format(s, "  flow statistics: %"PRIu64" requests sent, %"PRIu64
                  " shared, %"PRIuSIZE" pending\n", n_requests_sent,
                  n_requests_shared, hmap_count(&requests_by_xid));
}

void
ofctrl_flow_stats_new_epoch(void)
{
    struct ofctrl_flow_stats *fs;

    HMAP_FOR_EACH_SAFE (fs, cookie_node, &shareable) {
        ofctrl_flow_stats_unshare(fs);
    }
}

/* Adds the counts of one flow, 's', to the sums of its table in 'fs_'. */
static void
ofctrl_flow_stats_add(const struct ofputil_flow_stats *s, void *fs_)
{
    struct ofctrl_flow_stats *fs = fs_;
    struct ofctrl_table_stats *ts = NULL;

    for (size_t i = 0; i < fs->n_tables; i++) {
        if (fs->tables[i].table_id == s->table_id) {
            ts = &fs->tables[i];
            break;
        }
    }
    if (!ts) {
        if (fs->n_tables >= fs->allocated_tables) {
            fs->tables = x2nrealloc(fs->tables, &fs->allocated_tables,
                                    sizeof *fs->tables);
        }
        ts = &fs->tables[fs->n_tables++];
        *ts = (struct ofctrl_table_stats) { .table_id = s->table_id };
    }
    ts->n_packets += s->packet_count;
    ts->n_bytes += s->byte_count;
}

void
ofctrl_flow_stats_recv_reply(const struct ofp_header *oh)
{
    struct ofctrl_flow_stats *fs = ofctrl_flow_stats_find(oh->xid);

    if (!fs) {
        return;
    } else if (ofctrl_flow_stats_decode(oh, ofctrl_flow_stats_add, fs)) {
        ofctrl_flow_stats_finish(fs, false);
    } else if (!ofpmp_more(oh)) {
        ofctrl_flow_stats_finish(fs, true);
    }
}

bool
ofctrl_flow_stats_recv_error(const struct ofp_header *oh)
{
    struct ofctrl_flow_stats *fs = ofctrl_flow_stats_find(oh->xid);

    if (!fs) {
        return false;
    }
    ofctrl_flow_stats_finish(fs, false);
    ofctrl_log_msg(&this_module, &rl, VLL_WARN, oh, "%s: switch could not "
                   "report flow statistics", ofctrl_get_target());
    return true;
}

void
ofctrl_flow_stats_disconnected(void)
{
    struct ofctrl_flow_stats *fs;

    ofctrl_flow_stats_new_epoch();
    LIST_FOR_EACH_SAFE (fs, list_node, &requests) {
        ofctrl_flow_stats_finish(fs, false);
    }

    flow_table_destroy(ofctrl_flow_stats_take_dump(NULL));

    /* The counts of an incomplete dump are not to be compared. */
    struct ofctrl_counted *c;
    HMAP_FOR_EACH (c, node, &counted) {
        c->n_dumped = 0;
    }
    reconnected = true;
}

void
ofctrl_flow_stats_run(void)
{
    long long int now = time_msec();
    struct ofctrl_flow_stats *fs;

    /* In the order of their deadlines. */
    LIST_FOR_EACH_SAFE (fs, list_node, &requests) {
        if (fs->deadline > now) {
            break;
        }
        VLOG_INFO_RL(&rl, "%s: no flow statistics within %d ms, giving up",
                     ofctrl_get_target(), OFCTRL_FLOW_STATS_TIMEOUT);
        ofctrl_flow_stats_finish(fs, false);
    }
}

void
ofctrl_flow_stats_wait(void)
{
    if (!ovs_list_is_empty(&changed)) {
        /* For ofctrl_flow_stats_pop_changed(). */
        poll_immediate_wake();
    }
    if (!ovs_list_is_empty(&requests)) {
        const struct ofctrl_flow_stats *fs
            = CONTAINER_OF(ovs_list_front(&requests),
                           struct ofctrl_flow_stats, list_node);
        poll_timer_wait_until(fs->deadline);
    }
}

/* The public functions (ofctrl.h). */

struct ofctrl_flow_stats *
ofctrl_request_flow_stats(uint64_t cookie)
{
    struct ofctrl_flow_stats *fs;
    uint32_t hash = hash_uint64(cookie);

    HMAP_FOR_EACH_WITH_HASH (fs, cookie_node, hash, &shareable) {
        if (fs->cookie == cookie) {
            fs->n_refs++;
            n_requests_shared++;
            return fs;
        }
    }

    fs = xzalloc(sizeof *fs);
    fs->n_refs = 1;
    fs->cookie = cookie;
    fs->deadline = time_msec() + OFCTRL_FLOW_STATS_TIMEOUT;
    hmap_insert(&shareable, &fs->cookie_node, hash);
    fs->shareable = true;
    if (!ofctrl_can_request()) {
        fs->done = true;
        n_requests_done++;
        return fs;
    }

    struct ofpbuf *msg = ofctrl_flow_stats_request(htonll(cookie),
                                                   OVS_BE64_MAX);
    fs->xid = ofctrl_get_xid(msg);
    ofctrl_send(msg);
    n_requests_sent++;
    ovs_list_push_back(&requests, &fs->list_node);
    hmap_insert(&requests_by_xid, &fs->xid_node, hash_int(ntohl(fs->xid), 0));
    fs->pending = true;
    return fs;
}

bool
ofctrl_flow_stats_is_done(const struct ofctrl_flow_stats *fs)
{
    return fs->done;
}

uint64_t
ofctrl_flow_stats_n_done(void)
{
    return n_requests_done;
}

bool
ofctrl_flow_stats_get(const struct ofctrl_flow_stats *fs, uint8_t table_id,
                      uint64_t *n_packets, uint64_t *n_bytes)
{
    *n_packets = *n_bytes = 0;
    if (!fs->ok) {
        return false;
    }
    for (size_t i = 0; i < fs->n_tables; i++) {
        if (fs->tables[i].table_id == table_id) {
            *n_packets = fs->tables[i].n_packets;
            *n_bytes = fs->tables[i].n_bytes;
        }
    }
    if (ofctrl_flow_is_counted(fs->cookie, table_id)) {
        struct ofctrl_counted *c = ofctrl_counted_get(fs->cookie);
        struct ofctrl_table_stats *seen = TABLE_STATS_GET(c, seen, table_id);
        struct ofctrl_table_stats *base = TABLE_STATS_GET(c, base, table_id);

        seen->n_packets = *n_packets;
        seen->n_bytes = *n_bytes;
        *n_packets += base->n_packets;
        *n_bytes += base->n_bytes;
    }
    return true;
}

void
ofctrl_set_counted(ofctrl_counted_cb *cb)
{
    is_counted = cb;
}

void
ofctrl_flow_stats_get_base(uint64_t cookie, uint8_t table_id,
                           uint64_t *n_packets, uint64_t *n_bytes)
{
    const struct ofctrl_counted *c = ofctrl_counted_find(cookie);

    *n_packets = *n_bytes = 0;
    for (size_t i = 0; c && i < c->n_base; i++) {
        if (c->base[i].table_id == table_id) {
            *n_packets = c->base[i].n_packets;
            *n_bytes = c->base[i].n_bytes;
        }
    }
}

void
ofctrl_flow_stats_set_base(uint64_t cookie, uint8_t table_id,
                           uint64_t n_packets, uint64_t n_bytes)
{
    if (!n_packets && !n_bytes && !ofctrl_counted_find(cookie)) {
        return;
    }

    struct ofctrl_counted *c = ofctrl_counted_get(cookie);
    struct ofctrl_table_stats *base = TABLE_STATS_GET(c, base, table_id);

    base->n_packets = n_packets;
    base->n_bytes = n_bytes;
}

void
ofctrl_flow_stats_add_base(uint64_t cookie, uint8_t table_id,
                           uint64_t n_packets, uint64_t n_bytes)
{
    if (n_packets || n_bytes) {
        ofctrl_counted_absorb(ofctrl_counted_get(cookie), table_id,
                              n_packets, n_bytes);
    }
}

size_t
ofctrl_flow_stats_pop_changed(uint64_t **cookiesp)
{
    size_t n = ovs_list_size(&changed);
    uint64_t *cookies = n ? xmalloc(n * sizeof *cookies) : NULL;
    struct ofctrl_counted *c;
    size_t i = 0;

    LIST_FOR_EACH_POP (c, changed_node, &changed) {
        ovs_list_init(&c->changed_node);
        cookies[i++] = c->cookie;
    }
    *cookiesp = cookies;
    return n;
}

void
ofctrl_flow_stats_destroy(struct ofctrl_flow_stats *fs)
{
    if (fs && !--fs->n_refs) {
        if (fs->pending) {
            ovs_list_remove(&fs->list_node);
            hmap_remove(&requests_by_xid, &fs->xid_node);
        }
        ofctrl_flow_stats_unshare(fs);
        free(fs->tables);
        free(fs);
    }
}
