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
 * it over; it decides what becomes of the dump. */

#include <config.h>
#include "ofctrl.h"

#include <errno.h>
#include "byte-order.h"
#include "flow-table.h"
#include "ofctrl-private.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-flow.h"
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

/* A request of ofctrl_request_flow_stats(). */
struct ofctrl_flow_stats {
    struct ovs_list list_node;  /* In 'requests' while pending. */
    ovs_be32 xid;
    bool done;                  /* Reply complete, or failed. */
    long long int deadline;     /* Given up then, if not done. */
    bool ok;                    /* Reply complete. */
    struct ofctrl_table_stats *tables;
    size_t n_tables, allocated_tables;
};

/* Requests awaiting their replies. */
static struct ovs_list requests = OVS_LIST_INITIALIZER(&requests);

/* The dump of all flows, and the flows it read so far. */
static ovs_be32 dump_xid;
static struct flow_table *dump_flows;

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
    flow_table_add(dump_flows_, ntohll(fs->cookie), fs->table_id,
                   fs->priority, &fs->match, fs->ofpacts, fs->ofpacts_len);
}

enum ofperr
ofctrl_flow_stats_recv_dump(const struct ofp_header *oh)
{
    return ofctrl_flow_stats_decode(oh, ofctrl_flow_stats_add_flow,
                                    dump_flows);
}

struct flow_table *
ofctrl_flow_stats_take_dump(void)
{
    struct flow_table *flows = dump_flows;

    dump_flows = NULL;
    dump_xid = htonl(0);
    return flows;
}

/* Requests of ofctrl_request_flow_stats(). */

static struct ofctrl_flow_stats *
ofctrl_flow_stats_find(ovs_be32 xid)
{
    struct ofctrl_flow_stats *fs;

    LIST_FOR_EACH (fs, list_node, &requests) {
        if (fs->xid == xid) {
            return fs;
        }
    }
    return NULL;
}

/* No more replies will come for 'fs': it is done, and complete if 'ok'. */
static void
ofctrl_flow_stats_finish(struct ofctrl_flow_stats *fs, bool ok)
{
    ovs_list_remove(&fs->list_node);
    ovs_list_init(&fs->list_node);
    fs->done = true;
    fs->ok = ok;
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

    LIST_FOR_EACH_SAFE (fs, list_node, &requests) {
        ofctrl_flow_stats_finish(fs, false);
    }

    flow_table_destroy(ofctrl_flow_stats_take_dump());
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
    struct ofctrl_flow_stats *fs = xzalloc(sizeof *fs);

    ovs_list_init(&fs->list_node);
    fs->deadline = time_msec() + OFCTRL_FLOW_STATS_TIMEOUT;
    if (!ofctrl_can_request()) {
        fs->done = true;
        return fs;
    }

    struct ofpbuf *msg = ofctrl_flow_stats_request(htonll(cookie),
                                                   OVS_BE64_MAX);
    fs->xid = ofctrl_get_xid(msg);
    ofctrl_send(msg);
    ovs_list_push_back(&requests, &fs->list_node);
    return fs;
}

bool
ofctrl_flow_stats_is_done(const struct ofctrl_flow_stats *fs)
{
    return fs->done;
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
    return true;
}

void
ofctrl_flow_stats_destroy(struct ofctrl_flow_stats *fs)
{
    if (fs) {
        ovs_list_remove(&fs->list_node);
        free(fs->tables);
        free(fs);
    }
}
