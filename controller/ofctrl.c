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

/* The OpenFlow connection to the integration bridge, which makes the
 * switch's flows the desired ones (ofctrl.h).  This file holds the
 * connection and its state machine, the bundles that carry each round of
 * changes, and the resynchronization after each (re)connection; the other
 * ofctrl-*.c files are the parts it hands messages to.
 *
 * How it works.
 *
 * One OpenFlow 1.5 connection (an rconn, which reconnects by itself) to the
 * integration bridge, whose flow tables are all ours.  After every
 * (re)connection, ofctrl sets up a flow monitor on all tables, reads all the
 * switch's flows, and sends in one atomic bundle only what differs from the
 * desired table (flow_table_diff()): flows that are already right are not
 * touched, so their counters and durations survive a restart of
 * nve-controller, and a restart of ovs-vswitchd costs one bundle.
 *
 * Then each ofctrl_put() sends the desired table's tracked changes as one
 * more bundle.  Every bundle is followed by a barrier; the bundle's sequence
 * number becomes installed when the barrier reply arrives and no error came
 * back for the bundle.  Several bundles may be in flight; while more than
 * OFCTRL_MAX_BACKLOG bytes wait to be sent, ofctrl_put() lets the changes
 * accumulate into the next, larger bundle instead.
 *
 * The flow monitor (ofctrl-monitor.c) reports changes made by anyone else.
 * Each is repaired right away, in a bundle of repairs per ofctrl_run(); if
 * that cannot be done, ofctrl reads all flows again and resynchronizes.  So
 * it does if the switch rejects a bundle; after repeated rejections it
 * waits longer and longer before trying again.
 *
 * The other parts of ofctrl use the same connection: ofctrl-meters.c for
 * the meters, which go with the flows; ofctrl-stats.c for flow statistics,
 * including the dump of all flows that a resynchronization reads;
 * ofctrl-packet.c for packet-ins and packet-outs.  ofctrl.c receives every
 * message and hands each part its own (ofctrl-private.h). */

#include <config.h>
#include "ofctrl.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include "byte-order.h"
#include "flow-table.h"
#include "ofctrl-private.h"
#include "openflow/openflow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-bundle.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-print.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/rconn.h"
#include "openvswitch/vlog.h"
#include "socket-util.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ofctrl);

/* Bytes waiting in the rconn above which ofctrl_put() holds changes back. */
#define OFCTRL_MAX_BACKLOG (1024 * 1024)

/* Messages received per ofctrl_run(), to keep the main loop responsive. */
#define OFCTRL_MAX_RECV 100

/* Backoff between resynchronizations after the switch rejected a bundle. */
#define OFCTRL_MIN_BACKOFF_MS 1000
#define OFCTRL_MAX_BACKOFF_MS 60000

#define OFCTRL_BUNDLE_FLAGS (OFPBF_ATOMIC | OFPBF_ORDERED)

/* Connection states.
 *
 * DISCONNECTED -> READ_FLOWS          connected: monitor and dump requested
 * READ_FLOWS -> FLOWS_READ            all flows read
 * FLOWS_READ -> SYNCING               ofctrl_put(): difference sent
 * SYNCING -> SYNCED                   switch confirmed the difference
 * SYNCING, SYNCED -> BACKOFF          switch rejected a bundle
 * READ_FLOWS -> BACKOFF               switch rejected the dump
 * BACKOFF -> READ_FLOWS               backoff over: dump requested again
 * FLOWS_READ -> READ_FLOWS            someone changed a flow since the dump
 * FLOWS_READ, SYNCING, SYNCED         monitor resumed after a pause, or
 *   -> READ_FLOWS                     audit due (no monitor)
 * any -> DISCONNECTED                 connection lost or target changed
 *
 * The difference is computed in ofctrl_put(), not as soon as the flows are
 * read, so that it is against a desired table that the caller completed.
 * ofctrl_put() sends changes in SYNCING and SYNCED only; in the other states
 * they stay tracked and go out with the next resynchronization. */
#define OFCTRL_STATES                                                   \
    OFCTRL_STATE(DISCONNECTED, "disconnected")                          \
    OFCTRL_STATE(READ_FLOWS,   "reading flows")                         \
    OFCTRL_STATE(FLOWS_READ,   "waiting for the desired flows")         \
    OFCTRL_STATE(SYNCING,      "synchronizing")                         \
    OFCTRL_STATE(SYNCED,       "connected")                             \
    OFCTRL_STATE(BACKOFF,      "waiting to resynchronize")

enum ofctrl_state {
#define OFCTRL_STATE(NAME, DESCRIPTION) S_##NAME,
    OFCTRL_STATES
#undef OFCTRL_STATE
};

static const struct {
    const char *name;           /* For logs and "state:" in the status. */
    const char *description;    /* For "openflow:" in the status. */
} ofctrl_states[] = {
#define OFCTRL_STATE(NAME, DESCRIPTION) [S_##NAME] = { #NAME, DESCRIPTION },
    OFCTRL_STATES
#undef OFCTRL_STATE
};

/* A bundle sent to the switch, until its barrier reply arrives. */
enum ofctrl_bundle_kind {
    BUNDLE_UPDATE,              /* Tracked changes, from ofctrl_put(). */
    BUNDLE_RESYNC,              /* Difference after reading all flows. */
    BUNDLE_REPAIR,              /* Undoing others' changes. */
};

struct ofctrl_bundle {
    struct ovs_list list_node;  /* In 'bundles', oldest first. */
    enum ofctrl_bundle_kind kind;
    uint32_t id;                /* OpenFlow bundle ID. */
    ovs_be32 xid;               /* Of every message of the bundle. */
    ovs_be32 barrier_xid;       /* Of the barrier after it. */
    uint64_t seqno;             /* Installed once confirmed. */
    size_t n_flow_mods;
    size_t n_changes[3];        /* By enum flow_change_type. */
    size_t n_meter_mods;        /* Sent with its xid, outside the OpenFlow
                                 * bundle, which cannot hold them. */
    bool committed;             /* Commit request sent? */
    bool failed;                /* Switch sent an error for it. */
    enum ofperr error;          /* If 'failed', the switch's first error
                                 * (the failed message's, not the bundle's
                                 * OFPBFC_MSG_FAILED), if any. */
    bool superseded;            /* An earlier bundle failed: confirms
                                 * nothing. */

    /* BUNDLE_RESYNC only. */
    bool isolating;             /* One of the bundles of an isolating
                                 * resynchronization... */
    size_t n_owners;            /* ...with the changes of these owners... */
    uint64_t owner;             /* ...which is this one, if only one. */
    bool last_of_round;         /* Last bundle of its resynchronization. */
};

/* The connection. */
static struct rconn *swconn;
static unsigned int swconn_seqno;       /* Last rconn connection seqno. */
static struct rconn_packet_counter *tx_counter;
static char *target;

/* The switch's return.  rconn retries a lost connection after a backoff that
 * starts at 1 s and doubles, up to 8 s, at every failed attempt: after a
 * long outage of ovs-vswitchd, its flows would come back up to 8 s after
 * it.  For a "unix:PATH" target (what nve-controller uses for its bridge),
 * a new ovs-vswitchd listens on a new socket file: while disconnected, the
 * file is looked at every OFCTRL_SOCKET_CHECK_MS ms, and a socket that is
 * not the one last connected to (another inode) is connected to at once.
 * A stale file (ovs-vswitchd killed, not restarted) is tried only once. */
#define OFCTRL_SOCKET_CHECK_MS 100
static struct {
    bool valid;
    dev_t dev;
    ino_t ino;
    struct timespec ctime;      /* An inode number may be reused. */
} socket_seen;
static long long int next_socket_check;
static bool recv_more;                  /* ofctrl_run() left messages. */

static enum ofctrl_state state = S_DISCONNECTED;
static long long int state_entered;

/* READ_FLOWS, FLOWS_READ: the dumps of the switch's flows
 * (ofctrl-stats.c) and meters (ofctrl-meters.c).  Both done: FLOWS_READ. */
static bool flows_read, meters_read;
static long long int dump_started;       /* When requested. */
static long long int dump_msec;          /* How long it took. */

/* BACKOFF: when to read flows again, and the next delay. */
static long long int backoff_deadline;
static int backoff_ms;

/* Bundles in flight, oldest first. */
static struct ovs_list bundles = OVS_LIST_INITIALIZER(&bundles);
static size_t n_bundles;
static uint32_t next_bundle_id;

/* Repairs decided while receiving, sent as one bundle at the end of
 * ofctrl_run(): flow_mods, not yet wrapped into bundle messages. */
static struct ovs_list repairs = OVS_LIST_INITIALIZER(&repairs);

/* Isolating the flows that the switch refuses.
 *
 * The switch rejects a bundle as a whole when it cannot take one of its
 * flows (a full table, an action, match or meter it does not support), and
 * nothing of the round would ever be installed.  After such a rejection,
 * ofctrl reads the switch's flows again and sends the difference in several
 * bundles instead of one, each with the changes of at most 'isolate_group'
 * owners (flow_table.h), so that the switch takes every group it can.
 * While a group of several owners fails, the next resynchronization splits
 * OFCTRL_ISOLATE_FANOUT times finer, down to one owner per bundle; an owner
 * whose own bundle fails is refused: ofctrl_pop_refusals() reports it.
 * Once a round leaves only refused owners out, its seqno is installed: the
 * others proceed.  The VSI table removes the VSIs whose flows (their own,
 * or their (port, VN) pair's) were refused; other owners' refused flows
 * stay desired, and another isolating resynchronization tries them again
 * after a backoff (1 s, doubling up to 60 s), until the switch takes them.
 * A rejection for any other reason (the bundle itself, the connection) is
 * retried whole after the same backoff. */
#define OFCTRL_ISOLATE_FANOUT 16
static bool isolating;
static size_t isolate_group;            /* 0: choose at the next resync. */
static bool round_split;                /* Isolating round: a group of
                                         * several owners failed... */
static bool round_transient;            /* ...a bundle failed otherwise. */
static struct ofctrl_refusal *refusals; /* Not yet popped. */
static size_t n_refusals, allocated_refusals;
static bool round_retry;                /* A refused owner stays desired. */
static long long int retry_deadline = LLONG_MAX;  /* Next isolating resync
                                                   * for those. */
static uint64_t n_refused;              /* Owners refused, ever. */
static struct ofctrl_refusal last_refusal;

/* Sequence numbers: the last one handed out to a bundle, the last one of a
 * bundle of changes from ofctrl_put() (or a resync, which includes them),
 * and the highest one confirmed. */
static uint64_t next_seqno;
static uint64_t sent_seqno;
static uint64_t installed_seqno;

/* Statistics, for ofctrl_format_status(). */
static size_t n_desired;                /* At the last ofctrl_run/put(). */
static size_t n_pending;                /* Tracked changes, same time. */
static uint64_t n_bundles_sent;
static uint64_t n_bundles_failed;
static uint64_t n_flow_mods[3];         /* By enum flow_change_type. */
static uint64_t n_resyncs;
static size_t last_resync_read;         /* Flows read at the last resync. */
static size_t last_resync_changes[3];   /* Its changes, by type. */

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

static void ofctrl_reset(void);

/* The only writer of 'state'. */
static void
ofctrl_set_state(enum ofctrl_state new_state)
{
    if (new_state != state) {
        VLOG_DBG("%s: %s -> %s", ofctrl_get_target(),
                 ofctrl_states[state].name, ofctrl_states[new_state].name);
        state = new_state;
        state_entered = time_msec();
    }
}

/* What the other parts of ofctrl use of the connection
 * (ofctrl-private.h). */

const char *
ofctrl_get_target(void)
{
    return target ? target : "(no target)";
}

bool
ofctrl_can_request(void)
{
    return swconn && state != S_DISCONNECTED;
}

void
ofctrl_send(struct ofpbuf *msg)
{
    rconn_send(swconn, msg, tx_counter);
}

int
ofctrl_send_with_limit(struct ofpbuf *msg,
                       struct rconn_packet_counter *counter, int limit)
{
    if (!swconn) {
        ofpbuf_delete(msg);
        return ENOTCONN;
    }
    return rconn_send_with_limit(swconn, msg, counter, limit);
}

enum ofperr
ofctrl_decode_status(int error, const char *what)
{
    if (error == EOF) {
        return 0;
    }
    VLOG_WARN_RL(&rl, "%s: bad %s (%s)", ofctrl_get_target(), what,
                 ofperr_to_string(error));
    return error;
}

void
ofctrl_log_msg(const struct vlog_module *module, struct vlog_rate_limit *rl,
               enum vlog_level level, const struct ofp_header *oh,
               const char *format, ...)
{
    if (vlog_should_drop(module, level, rl)) {
        return;
    }

    va_list args;
    va_start(args, format);
    char *title = xvasprintf(format, args);
    va_end(args);

    char *s = ofp_to_string(oh, ntohs(oh->length), NULL, NULL, 2);
    vlog(module, level, "%s: %s", title, s);
    free(s);
    free(title);
}

void
ofctrl_init(void)
{
    swconn = rconn_create(0, 0, DSCP_DEFAULT, 1u << OFP15_VERSION);
    tx_counter = rconn_packet_counter_create();
    ofctrl_packet_init();
    state_entered = time_msec();
}

void
ofctrl_destroy(void)
{
    ofctrl_reset();
    rconn_destroy(swconn);
    swconn = NULL;
    rconn_packet_counter_destroy(tx_counter);
    tx_counter = NULL;
    ofctrl_packet_destroy();
    free(target);
    target = NULL;
}

void
ofctrl_set_target(const char *new_target)
{
    if (new_target && !new_target[0]) {
        new_target = NULL;
    }
    if (nullable_string_is_equal(target, new_target)) {
        return;
    }

    free(target);
    target = nullable_xstrdup(new_target);
    socket_seen.valid = false;
    if (target) {
        VLOG_INFO("connecting to switch %s", target);
        rconn_connect(swconn, target, target);
    } else {
        rconn_disconnect(swconn);
    }
}

/* Bundles. */

/* Starts a bundle of 'kind' that installs 'seqno'.  Nothing is sent until
 * the first flow_mod. */
static struct ofctrl_bundle *
ofctrl_bundle_create(enum ofctrl_bundle_kind kind, uint64_t seqno)
{
    struct ofctrl_bundle *b = xzalloc(sizeof *b);
    ofctrl_flow_stats_new_epoch();
    b->kind = kind;
    b->id = next_bundle_id++;
    b->seqno = seqno;
    return b;
}

/* Gives 'msg' the xid of 'b', or makes its xid that of 'b' if 'b' has
 * none yet. */
static void
ofctrl_bundle_take_xid(struct ofctrl_bundle *b, struct ofpbuf *msg)
{
    if (b->xid) {
        ofctrl_set_xid(msg, b->xid);
    } else {
        b->xid = ofctrl_get_xid(msg);
    }
}

static void
ofctrl_bundle_add_msg(struct ofctrl_bundle *b, struct ofpbuf *msg)
{
    if (!b->n_flow_mods) {
        struct ofputil_bundle_ctrl_msg bcm = {
            .bundle_id = b->id,
            .type = OFPBCT_OPEN_REQUEST,
            .flags = OFCTRL_BUNDLE_FLAGS,
        };
        struct ofpbuf *open = ofputil_encode_bundle_ctrl_request(
            OFP15_VERSION, &bcm);
        ofctrl_bundle_take_xid(b, open);
        ofctrl_send(open);
    }

    ofctrl_set_xid(msg, b->xid);
    struct ofputil_bundle_add_msg bam = {
        .bundle_id = b->id,
        .flags = OFCTRL_BUNDLE_FLAGS,
        .msg = msg->data,
    };
    ofctrl_send(ofputil_encode_bundle_add(OFP15_VERSION, &bam));
    ofpbuf_delete(msg);
    b->n_flow_mods++;
}

struct ofpbuf *
ofctrl_encode_change(const struct flow_table_change *change)
{
    const struct flow_table_entry *e = change->entry;
    struct ofputil_flow_mod fm = {
        .match = e->match,
        .priority = e->priority,
        .table_id = e->table_id,
        .new_cookie = OVS_BE64_MAX,
        .buffer_id = UINT32_MAX,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
    };

    switch (change->type) {
    case FLOW_CHANGE_MODIFY:
        if (change->old_cookie == e->cookie) {
            fm.command = OFPFC_MODIFY_STRICT;
            fm.ofpacts = CONST_CAST(struct ofpact *, e->ofpacts);
            fm.ofpacts_len = e->ofpacts_len;
            break;
        }
        /* An OpenFlow 1.5 modify cannot change the cookie: replace the flow
         * with an add instead. */
        /* Fall through. */
    case FLOW_CHANGE_ADD:
        fm.command = OFPFC_ADD;
        fm.new_cookie = htonll(e->cookie);
        if (ofctrl_flow_is_counted(e->cookie, e->table_id)) {
            fm.flags = OFPUTIL_FF_SEND_FLOW_REM;
        }
        fm.ofpacts = CONST_CAST(struct ofpact *, e->ofpacts);
        fm.ofpacts_len = e->ofpacts_len;
        break;
    case FLOW_CHANGE_DELETE:
        fm.command = OFPFC_DELETE_STRICT;
        fm.cookie = htonll(e->cookie);
        fm.cookie_mask = OVS_BE64_MAX;
        break;
    }
    return ofputil_encode_flow_mod(&fm, OFPUTIL_P_OF15_OXM);
}

static void
ofctrl_bundle_add_change(const struct flow_table_change *change, void *b_)
{
    struct ofctrl_bundle *b = b_;

    if (VLOG_IS_DBG_ENABLED()) {
        struct ds s = DS_EMPTY_INITIALIZER;
        flow_table_entry_format(change->entry, &s);
        VLOG_DBG("bundle %"PRIu32": %s %s", b->id,
                 flow_change_type_to_string(change->type), ds_cstr(&s));
        ds_destroy(&s);
    }
    ofctrl_bundle_add_msg(b, ofctrl_encode_change(change));
    b->n_changes[change->type]++;
    n_flow_mods[change->type]++;
}

/* Sends the tracked meter deletions, or the other tracked meter changes,
 * as part of 'b'. */
static void
ofctrl_bundle_add_meter_mods(struct ofctrl_bundle *b, bool deletes)
{
    struct ovs_list msgs = OVS_LIST_INITIALIZER(&msgs);
    struct ofpbuf *msg;

    /* Meter_mods cannot be in an OpenFlow bundle: they go out right before
     * it (additions, modifications) or right after it (deletions), with its
     * xid, so that an error fails it. */
    ofctrl_meters_encode_changes(deletes, &msgs);
    LIST_FOR_EACH_POP (msg, list_node, &msgs) {
        ofctrl_bundle_take_xid(b, msg);
        ofctrl_send(msg);
        b->n_meter_mods++;
    }
}

/* Sends the commit request of 'b', if it has flow_mods. */
static void
ofctrl_bundle_commit(struct ofctrl_bundle *b)
{
    if (b->n_flow_mods && !b->committed) {
        struct ofputil_bundle_ctrl_msg bcm = {
            .bundle_id = b->id,
            .type = OFPBCT_COMMIT_REQUEST,
            .flags = OFCTRL_BUNDLE_FLAGS,
        };
        struct ofpbuf *commit = ofputil_encode_bundle_ctrl_request(
            OFP15_VERSION, &bcm);
        ofctrl_set_xid(commit, b->xid);
        ofctrl_send(commit);
        n_bundles_sent++;
        b->committed = true;
    }
}

/* Commits 'b', if it has anything in it, and sends a barrier after it.
 * A bundle with nothing in it is freed, unless it is a resynchronization,
 * whose barrier alone says that the switch is synchronized. */
static void
ofctrl_bundle_finish(struct ofctrl_bundle *b)
{
    ofctrl_bundle_commit(b);
    if (!b->n_flow_mods && !b->n_meter_mods && b->kind != BUNDLE_RESYNC) {
        free(b);
        return;
    }

    struct ofpbuf *barrier = ofputil_encode_barrier_request(OFP15_VERSION);
    b->barrier_xid = ofctrl_get_xid(barrier);
    ofctrl_send(barrier);
    ovs_list_push_back(&bundles, &b->list_node);
    n_bundles++;
}

/* Adds to 'b' the tracked meter changes and the flow changes that make the
 * switch's flows equal to 'desired': the difference to 'switch_flows', the
 * flows read from the switch, if nonnull, otherwise the tracked changes.
 * Then commits 'b' and clears the tracked changes. */
static void
ofctrl_bundle_add_changes(struct ofctrl_bundle *b, struct flow_table *desired,
                          const struct flow_table *switch_flows)
{
    ofctrl_bundle_add_meter_mods(b, false);
    if (switch_flows) {
        flow_table_diff(desired, switch_flows, ofctrl_bundle_add_change, b);
    } else {
        flow_table_for_each_tracked(desired, ofctrl_bundle_add_change, b);
    }
    flow_table_clear_tracked(desired);
    ofctrl_bundle_commit(b);
    ofctrl_bundle_add_meter_mods(b, true);
    ofctrl_meters_clear_tracked();
}

static struct ofctrl_bundle *
ofctrl_bundle_find(ovs_be32 xid)
{
    struct ofctrl_bundle *b;

    LIST_FOR_EACH (b, list_node, &bundles) {
        if ((b->n_flow_mods || b->n_meter_mods) && b->xid == xid) {
            return b;
        }
    }
    return NULL;
}

static void
ofctrl_bundles_clear(void)
{
    struct ofctrl_bundle *b;

    LIST_FOR_EACH_POP (b, list_node, &bundles) {
        free(b);
    }
    n_bundles = 0;
}

/* Entering BACKOFF after the switch rejected something: nothing in flight
 * may confirm anything any more, and all flows are read again after the
 * backoff. */
static void
ofctrl_start_backoff(void)
{
    struct ofctrl_bundle *b;

    LIST_FOR_EACH (b, list_node, &bundles) {
        b->superseded = true;
    }
    ofpbuf_list_delete(&repairs);

    backoff_deadline = time_msec() + backoff_ms;
    backoff_ms = (!backoff_ms ? OFCTRL_MIN_BACKOFF_MS
                  : MIN(backoff_ms * 2, OFCTRL_MAX_BACKOFF_MS));
    ofctrl_set_state(S_BACKOFF);
}

/* Reading the switch's flows. */

static void
ofctrl_start_resync(void)
{
    dump_started = time_msec();
    ofctrl_flow_stats_dump_start();
    flows_read = false;

    /* The meters too, if there are meters to keep. */
    meters_read = !ofctrl_meters_dump_start();

    ofpbuf_list_delete(&repairs);
    ofctrl_set_state(S_READ_FLOWS);
}

/* Moves to FLOWS_READ once both the flows and the meters are read. */
static void
ofctrl_check_read(void)
{
    if (state == S_READ_FLOWS && flows_read && meters_read) {
        dump_msec = time_msec() - dump_started;
        ofctrl_set_state(S_FLOWS_READ);
    }
}

/* A change of an isolating resynchronization, and the owner it is of. */
struct ofctrl_owned_change {
    struct flow_table_change change;
    uint64_t owner;
    bool adds;                  /* The owner's changes add or modify. */
};

struct ofctrl_owned_changes {
    struct ofctrl_owned_change *changes;
    size_t n, allocated;
};

static void
ofctrl_collect_change(const struct flow_table_change *change, void *oc_)
{
    struct ofctrl_owned_changes *oc = oc_;

    if (oc->n >= oc->allocated) {
        oc->changes = x2nrealloc(oc->changes, &oc->allocated,
                                 sizeof *oc->changes);
    }
    oc->changes[oc->n++] = (struct ofctrl_owned_change) {
        .change = *change,
        .owner = change->entry->cookie,
        .adds = change->type != FLOW_CHANGE_DELETE,
    };
}

/* Groups of owners whose changes only delete first (they make room), then
 * by owner, and within an owner deletions first. */
static int
ofctrl_compare_owned_changes(const void *a_, const void *b_)
{
    const struct ofctrl_owned_change *a = a_, *b = b_;

    if (a->owner != b->owner) {
        return a->owner < b->owner ? -1 : 1;
    }
    return (int) a->adds - (int) b->adds;
}

static int
ofctrl_compare_groups(const void *a_, const void *b_)
{
    const struct ofctrl_owned_change *a = a_, *b = b_;

    if (a->adds != b->adds) {
        return (int) a->adds - (int) b->adds;
    }
    if (a->owner != b->owner) {
        return a->owner < b->owner ? -1 : 1;
    }
    return (int) (a->change.type != FLOW_CHANGE_DELETE)
           - (int) (b->change.type != FLOW_CHANGE_DELETE);
}

/* Sends 'changes', sorted by ofctrl_compare_groups(), as bundles of the
 * changes of at most 'isolate_group' owners each, all of seqno 'seqno'.
 * Adds their numbers to 'n_changes'. */
static void
ofctrl_send_isolated(const struct ofctrl_owned_change *changes, size_t n,
                     uint64_t seqno, size_t n_changes[3])
{
    struct ofctrl_bundle *b = NULL;
    bool first = true;

    for (size_t i = 0; i < n; ) {
        /* One bundle: 'isolate_group' owners from change 'i' on. */
        b = ofctrl_bundle_create(BUNDLE_RESYNC, seqno);
        b->isolating = true;
        if (first) {
            ofctrl_bundle_add_meter_mods(b, false);
            first = false;
        }
        while (i < n && b->n_owners < isolate_group) {
            uint64_t owner = changes[i].owner;
            b->owner = owner;
            b->n_owners++;
            for (; i < n && changes[i].owner == owner; i++) {
                ofctrl_bundle_add_change(&changes[i].change, b);
            }
        }
        for (int t = 0; t < 3; t++) {
            n_changes[t] += b->n_changes[t];
        }
        if (i < n) {
            ofctrl_bundle_finish(b);
        }
    }
    if (!b) {
        b = ofctrl_bundle_create(BUNDLE_RESYNC, seqno);
        b->isolating = true;
        ofctrl_bundle_add_meter_mods(b, false);
    }
    ofctrl_bundle_commit(b);
    ofctrl_bundle_add_meter_mods(b, true);
    b->last_of_round = true;
    ofctrl_bundle_finish(b);
}

/* The isolating resynchronization: sends the difference between the
 * switch's flows and 'desired' owner group by owner group. */
static void
ofctrl_resync_isolated(struct flow_table *desired,
                       const struct flow_table *switch_flows, uint64_t seqno,
                       size_t n_changes[3])
{
    struct ofctrl_owned_changes oc = { .n = 0 };

    flow_table_diff(desired, switch_flows, ofctrl_collect_change, &oc);
    size_t n = oc.n;
    struct ofctrl_owned_change *c = oc.changes;

    /* By owner; then whether the owner adds; then groups that only delete
     * first. */
    if (n) {
        qsort(c, n, sizeof *c, ofctrl_compare_owned_changes);
    }
    size_t n_owners = 0;
    for (size_t i = 0; i < n; ) {
        size_t j = i;
        bool adds = false;
        for (; j < n && c[j].owner == c[i].owner; j++) {
            adds |= c[j].adds;
        }
        for (size_t k = i; k < j; k++) {
            c[k].adds = adds;
        }
        n_owners++;
        i = j;
    }
    if (n) {
        qsort(c, n, sizeof *c, ofctrl_compare_groups);
    }

    if (!isolate_group) {
        isolate_group = MAX(1, DIV_ROUND_UP(n_owners, OFCTRL_ISOLATE_FANOUT));
    }
    round_split = round_transient = round_retry = false;
    VLOG_INFO("%s: isolating the flows that the switch refuses: %"PRIuSIZE
              " owners, at most %"PRIuSIZE" per bundle", target, n_owners,
              isolate_group);
    ofctrl_send_isolated(c, n, seqno, n_changes);
    flow_table_clear_tracked(desired);
    ofctrl_meters_clear_tracked();
    free(oc.changes);
}

/* Sends the difference between the switch's flows, all read, and the
 * desired ones as one bundle, or as several while isolating. */
static void
ofctrl_resync(struct flow_table *desired)
{
    long long int start = time_msec();
    struct flow_table *switch_flows = ofctrl_flow_stats_take_dump(desired);
    uint64_t seqno = ++next_seqno;
    size_t n_changes[3] = { 0, 0, 0 };

    ofctrl_meters_take_dump();
    if (isolating) {
        ofctrl_resync_isolated(desired, switch_flows, seqno, n_changes);
    } else {
        struct ofctrl_bundle *b = ofctrl_bundle_create(BUNDLE_RESYNC, seqno);
        ofctrl_bundle_add_changes(b, desired, switch_flows);
        memcpy(n_changes, b->n_changes, sizeof n_changes);
        b->last_of_round = true;
        ofctrl_bundle_finish(b);
    }
    sent_seqno = seqno;

    n_resyncs++;
    last_resync_read = flow_table_count(switch_flows);
    memcpy(last_resync_changes, n_changes, sizeof last_resync_changes);
    VLOG_INFO("%s: read %"PRIuSIZE" flows in %lld ms, sent %"PRIuSIZE
              " adds, %"PRIuSIZE" modifies, %"PRIuSIZE" deletes in %lld ms "
              "(seqno %"PRIu64")", target, last_resync_read,
              dump_msec, n_changes[FLOW_CHANGE_ADD],
              n_changes[FLOW_CHANGE_MODIFY],
              n_changes[FLOW_CHANGE_DELETE], time_msec() - start, seqno);

    flow_table_destroy(switch_flows);
    ofctrl_set_state(S_SYNCING);
}

/* Forgets everything about the current connection. */
static void
ofctrl_reset(void)
{
    ofctrl_bundles_clear();
    isolating = false;
    isolate_group = 0;
    retry_deadline = LLONG_MAX;
    ofpbuf_list_delete(&repairs);
    ofctrl_flow_stats_disconnected();
    ofctrl_meters_disconnected();
    ofctrl_monitor_disconnected();
    backoff_ms = 0;
}

/* Receiving. */

/* A reply to the dump of the switch's flows or meters, which ofctrl-stats.c
 * or ofctrl-meters.c decoded with 'error' as the result; '*done' says that
 * all of them are read. */
static void
ofctrl_recv_dump_reply(const struct ofp_header *oh, enum ofperr error,
                       bool *done)
{
    if (error) {
        ofctrl_start_backoff();
    } else if (!ofpmp_more(oh)) {
        *done = true;
        ofctrl_check_read();
    }
}

static void
ofctrl_recv_error(const struct ofp_header *oh)
{
    struct ofctrl_bundle *b = ofctrl_bundle_find(oh->xid);
    if (b) {
        /* A failed commit comes with OFPBFC_MSG_FAILED after the error of
         * the message that failed, which says more. */
        enum vlog_level level = (ofperr_decode_msg(oh, NULL)
                                 == OFPERR_OFPBFC_MSG_FAILED
                                 ? VLL_DBG : VLL_WARN);
        ofctrl_log_msg(&this_module, &rl, level, oh, "%s: switch rejected "
                       "a message of bundle %"PRIu32" (seqno %"PRIu64")",
                       target, b->id, b->seqno);
        b->failed = true;
        if (level != VLL_DBG && !b->error) {
            b->error = ofperr_decode_msg(oh, NULL);
        }
    } else if (ofctrl_monitor_recv_error(oh)) {
        /* The switch has no flow monitor: ofctrl-monitor.c audits. */
    } else if (state == S_READ_FLOWS
               && (ofctrl_flow_stats_is_dump(oh->xid)
                   || ofctrl_meters_is_dump(oh->xid))) {
        bool flows = ofctrl_flow_stats_is_dump(oh->xid);
        ofctrl_log_msg(&this_module, &rl, VLL_WARN, oh, "%s: switch could "
                       "not dump its %s", target, flows ? "flows" : "meters");
        ofctrl_start_backoff();
    } else if (!ofctrl_flow_stats_recv_error(oh)) {
        ofctrl_log_msg(&this_module, &rl, VLL_WARN, oh, "%s: unexpected "
                       "error from switch", target);
    }
}

/* Whether the switch's 'error' for a message of a bundle is about one of
 * its flows (so that the same flow would fail again in any bundle), as
 * opposed to about the bundle or the connection. */
static bool
ofctrl_error_is_refusal(enum ofperr error)
{
    static const char *const prefixes[] = {
        "OFPFMFC_",             /* Flow mod failed: table full, overlap... */
        "OFPBAC_",              /* Bad action. */
        "OFPBIC_",              /* Bad instruction. */
        "OFPBMC_",              /* Bad match. */
        "OFPMMFC_",             /* Meter: unknown, out of meters... */
    };
    const char *name = error ? ofperr_get_name(error) : "";

    for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
        if (!strncmp(name, prefixes[i], strlen(prefixes[i]))) {
            return true;
        }
    }
    return false;
}

/* A bundle of an isolating resynchronization came back. */
static void
ofctrl_isolation_bundle_done(const struct ofctrl_bundle *b)
{
    if (b->failed) {
        n_bundles_failed++;
        if (!ofctrl_error_is_refusal(b->error)) {
            round_transient = true;
        } else if (b->n_owners > 1) {
            round_split = true;
        } else {
            VLOG_WARN_RL(&rl, "%s: switch refused the %"PRIuSIZE" flow_mods "
                         "of owner %#"PRIx64" (%s)", target, b->n_flow_mods,
                         b->owner, ofperr_get_name(b->error));
            if (n_refusals >= allocated_refusals) {
                refusals = x2nrealloc(refusals, &allocated_refusals,
                                      sizeof *refusals);
            }
            last_refusal = (struct ofctrl_refusal) { b->owner, b->error };
            refusals[n_refusals++] = last_refusal;
            n_refused++;
            enum flow_owner_kind kind = flow_owner_kind(b->owner);
            if (kind != FLOW_OWNER_VSI && kind != FLOW_OWNER_VN_PORT) {
                round_retry = true;
            }
        }
    }
    if (!b->last_of_round || b->superseded) {
        return;
    }

    if (round_transient) {
        VLOG_WARN_RL(&rl, "%s: bundle of seqno %"PRIu64" failed, "
                     "resynchronizing", target, b->seqno);
        ofctrl_start_backoff();
    } else if (round_split) {
        isolate_group = MAX(1, isolate_group / OFCTRL_ISOLATE_FANOUT);
        VLOG_INFO("%s: resynchronizing again, %"PRIuSIZE" owners per "
                  "bundle", target, isolate_group);
        ofctrl_start_resync();
    } else {
        /* Everything but the refused owners is in. */
        installed_seqno = MAX(installed_seqno, b->seqno);
        isolating = false;
        isolate_group = 0;
        if (round_retry) {
            retry_deadline = time_msec() + MAX(backoff_ms,
                                               OFCTRL_MIN_BACKOFF_MS);
            backoff_ms = MIN(MAX(backoff_ms * 2, OFCTRL_MIN_BACKOFF_MS * 2),
                             OFCTRL_MAX_BACKOFF_MS);
        } else {
            retry_deadline = LLONG_MAX;
            backoff_ms = 0;
        }
        if (state == S_SYNCING) {
            ofctrl_set_state(S_SYNCED);
        }
    }
}

/* The barrier after 'b' came back. */
static void
ofctrl_bundle_done(struct ofctrl_bundle *b)
{
    if (b->isolating) {
        ofctrl_isolation_bundle_done(b);
    } else if (b->failed) {
        bool refusal = ofctrl_error_is_refusal(b->error);

        n_bundles_failed++;
        VLOG_WARN_RL(&rl, "%s: bundle %"PRIu32" of %"PRIuSIZE" flow_mods "
                     "(seqno %"PRIu64") failed, resynchronizing%s (%s)",
                     target, b->id, b->n_flow_mods, b->seqno,
                     refusal ? " owner by owner" : "",
                     b->error ? ofperr_get_name(b->error) : "no error");
        if (refusal && !isolating) {
            isolating = true;
            isolate_group = 0;
        }
        if (state == S_SYNCING || state == S_SYNCED) {
            if (refusal) {
                /* Right away: nothing will change for waiting. */
                struct ofctrl_bundle *later;
                LIST_FOR_EACH (later, list_node, &bundles) {
                    later->superseded = true;
                }
                ofctrl_start_resync();
            } else {
                ofctrl_start_backoff();
            }
        } else {
            /* Reading flows (or backing off) already: the dump comes after
             * this bundle and shows what it did not do.  Later bundles may
             * not confirm the failed one's seqno, though. */
            struct ofctrl_bundle *later;
            LIST_FOR_EACH (later, list_node, &bundles) {
                later->superseded = true;
            }
        }
    } else if (!b->superseded) {
        installed_seqno = MAX(installed_seqno, b->seqno);
        if (b->kind == BUNDLE_RESYNC && state == S_SYNCING) {
            backoff_ms = 0;
            ofctrl_set_state(S_SYNCED);
        }
    }
    free(b);
}

/* The barrier reply 'oh' confirms its bundle and, since barrier replies
 * come in order, every older one still in flight (normally none). */
static void
ofctrl_recv_barrier_reply(const struct ofp_header *oh)
{
    struct ofctrl_bundle *b;

    LIST_FOR_EACH (b, list_node, &bundles) {
        if (b->barrier_xid == oh->xid) {
            bool last;
            do {
                b = CONTAINER_OF(ovs_list_pop_front(&bundles),
                                 struct ofctrl_bundle, list_node);
                n_bundles--;
                last = b->barrier_xid == oh->xid;
                ofctrl_bundle_done(b);
            } while (!last);
            return;
        }
    }
}

/* How the flow monitor treats the changes that someone else makes to the
 * switch's flows, in the current state. */
static enum ofctrl_monitor_mode
ofctrl_get_monitor_mode(void)
{
    switch (state) {
    case S_READ_FLOWS:
        return OFCTRL_MONITOR_READING;
    case S_FLOWS_READ:
        return OFCTRL_MONITOR_RESYNC;
    case S_SYNCING:
    case S_SYNCED:
        return OFCTRL_MONITOR_REPAIR;
    case S_DISCONNECTED:
    case S_BACKOFF:
        return OFCTRL_MONITOR_IGNORE;
    }
    OVS_NOT_REACHED();
}

static void
ofctrl_recv(const struct ofp_header *oh, enum ofptype type,
            const struct flow_table *desired)
{
    switch (type) {
    case OFPTYPE_ECHO_REQUEST:
        ofctrl_send(ofputil_encode_echo_reply(oh));
        break;

    case OFPTYPE_ERROR:
        ofctrl_recv_error(oh);
        break;

    case OFPTYPE_BARRIER_REPLY:
        ofctrl_recv_barrier_reply(oh);
        break;

    case OFPTYPE_FLOW_STATS_REPLY:
        if (!ofctrl_flow_stats_is_dump(oh->xid)) {
            ofctrl_flow_stats_recv_reply(oh);
        } else if (state == S_READ_FLOWS) {
            ofctrl_recv_dump_reply(oh, ofctrl_flow_stats_recv_dump(oh),
                                   &flows_read);
        }
        break;

    case OFPTYPE_FLOW_MONITOR_STATS_REPLY:
        if (ofctrl_monitor_recv(oh, ofctrl_get_monitor_mode(), desired,
                                &repairs)) {
            ofctrl_start_resync();
        }
        break;

    case OFPTYPE_METER_CONFIG_STATS_REPLY:
        if (state == S_READ_FLOWS && ofctrl_meters_is_dump(oh->xid)) {
            ofctrl_recv_dump_reply(oh, ofctrl_meters_recv_dump(oh),
                                   &meters_read);
        }
        break;

    case OFPTYPE_GET_CONFIG_REPLY:
        ofctrl_packet_recv_get_config_reply(oh);
        break;

    case OFPTYPE_PACKET_IN:
        ofctrl_packet_recv_packet_in(oh);
        break;

    case OFPTYPE_FLOW_REMOVED:
        ofctrl_flow_stats_recv_removed(oh, desired);
        break;

    case OFPTYPE_BUNDLE_CONTROL:
        /* Replies to bundle open and commit: a commit's errors arrive as
         * OFPT_ERROR, its completion with the barrier after it. */
    case OFPTYPE_ECHO_REPLY:
    case OFPTYPE_PORT_STATUS:
    case OFPTYPE_ROLE_STATUS:
    case OFPTYPE_TABLE_STATUS:
    case OFPTYPE_REQUESTFORWARD:
        break;

    default:
        ofctrl_log_msg(&this_module, &rl, VLL_DBG, oh,
                       "%s: ignoring message from switch", target);
        break;
    }
}

/* The main loop. */

/* Returns true if 'target' names a Unix socket that is not the one last
 * seen, and remembers it. */
static bool
ofctrl_socket_is_new(void)
{
    struct stat st;

    if (!target || strncmp(target, "unix:", 5)
        || stat(target + 5, &st) || !S_ISSOCK(st.st_mode)) {
        return false;
    }
    if (socket_seen.valid
        && socket_seen.dev == st.st_dev && socket_seen.ino == st.st_ino
        && socket_seen.ctime.tv_sec == st.st_ctim.tv_sec
        && socket_seen.ctime.tv_nsec == st.st_ctim.tv_nsec) {
        return false;
    }
    socket_seen.valid = true;
    socket_seen.dev = st.st_dev;
    socket_seen.ino = st.st_ino;
    socket_seen.ctime = st.st_ctim;
    return true;
}

/* While disconnected from a Unix socket target, connects as soon as a new
 * socket file is there (see 'socket_seen'). */
static void
ofctrl_watch_socket(void)
{
    long long int now = time_msec();

    if (!target || strncmp(target, "unix:", 5) || now < next_socket_check) {
        return;
    }
    next_socket_check = now + OFCTRL_SOCKET_CHECK_MS;
    if (ofctrl_socket_is_new()) {
        VLOG_INFO("%s: a new socket: connecting without waiting for the "
                  "backoff", target);
        rconn_connect(swconn, target, target);
    }
}

/* Follows the rconn's connection: on losing the switch (perhaps reconnected
 * already), in-flight bundles confirm nothing any more and nothing is known
 * to be installed; on (re)connecting, starts the flow monitor and reads
 * flows.  Returns true if connected. */
static bool
ofctrl_check_connection(struct flow_table *desired)
{
    bool connected = rconn_is_connected(swconn);
    unsigned int conn_seqno = rconn_get_connection_seqno(swconn);

    if (state != S_DISCONNECTED
        && (!connected || conn_seqno != swconn_seqno)) {
        ofctrl_reset();
        flow_table_mark_all_uninstalled(desired);
        ofctrl_set_state(S_DISCONNECTED);
    }
    if (connected && state == S_DISCONNECTED) {
        ofctrl_flow_stats_new_epoch();
        ofctrl_socket_is_new();
        swconn_seqno = conn_seqno;
        ofctrl_packet_connected();
        ofctrl_monitor_connected();
        ofctrl_start_resync();
    }
    return connected;
}

void
ofctrl_run(struct flow_table *desired)
{
    n_desired = flow_table_count(desired);
    n_pending = flow_table_n_tracked(desired);
    recv_more = false;
    if (swconn) {
        /* Until ofctrl_flush(). */
        rconn_cork(swconn);
    }
    ofctrl_flow_stats_run();
    if (!swconn) {
        return;
    }

    rconn_run(swconn);
    if (!ofctrl_check_connection(desired)) {
        ofctrl_watch_socket();
        return;
    }

    for (int i = 0; i < OFCTRL_MAX_RECV; i++) {
        struct ofpbuf *msg = rconn_recv(swconn);
        if (!msg) {
            break;
        }

        const struct ofp_header *oh = msg->data;
        enum ofptype type;
        enum ofperr error = ofptype_decode(&type, oh);
        if (!error) {
            ofctrl_recv(oh, type, desired);
        } else {
            VLOG_WARN_RL(&rl, "%s: could not decode message from switch "
                         "(%s)", target, ofperr_to_string(error));
        }
        ofpbuf_delete(msg);
        recv_more = i == OFCTRL_MAX_RECV - 1;
    }
    if (!ofctrl_check_connection(desired)) {
        /* rconn_recv() found the connection gone. */
        return;
    }

    if (!ovs_list_is_empty(&repairs)) {
        /* The monitor's reports came after every bundle sent so far, so
         * these go after them too, and put back the desired state. */
        struct ofctrl_bundle *b = ofctrl_bundle_create(BUNDLE_REPAIR,
                                                       sent_seqno);
        struct ofpbuf *msg;
        LIST_FOR_EACH_POP (msg, list_node, &repairs) {
            ofctrl_bundle_add_msg(b, msg);
        }
        ofctrl_bundle_finish(b);
    }

    if (state == S_SYNCED && time_msec() >= retry_deadline) {
        /* Refused flows that are still desired: try them again. */
        retry_deadline = LLONG_MAX;
        isolating = true;
        isolate_group = 0;
        ofctrl_start_resync();
    } else if ((state == S_BACKOFF && time_msec() >= backoff_deadline)
               || (state == S_SYNCED && ofctrl_monitor_run())) {
        ofctrl_start_resync();
    }
}

void
ofctrl_flush(void)
{
    if (swconn) {
        rconn_uncork(swconn);
    }
}

void
ofctrl_wait(void)
{
    ofctrl_flow_stats_wait();
    if (!swconn) {
        return;
    }

    rconn_run_wait(swconn);
    rconn_recv_wait(swconn);
    if (!rconn_is_connected(swconn)
        && target && !strncmp(target, "unix:", 5)) {
        poll_timer_wait_until(next_socket_check);
    }
    if (recv_more) {
        poll_immediate_wake();
    }
    if (state == S_BACKOFF) {
        poll_timer_wait_until(backoff_deadline);
    } else if (state == S_SYNCED) {
        ofctrl_monitor_wait();
        if (retry_deadline != LLONG_MAX) {
            poll_timer_wait_until(retry_deadline);
        }
    }
}

bool
ofctrl_is_connected(void)
{
    return state == S_SYNCED;
}

uint64_t
ofctrl_put(struct flow_table *desired)
{
    n_desired = flow_table_count(desired);
    n_pending = flow_table_n_tracked(desired);
    if (state == S_FLOWS_READ) {
        ofctrl_resync(desired);
        n_pending = 0;
        return sent_seqno;
    } else if (!n_pending && !ofctrl_meters_n_tracked()) {
        return sent_seqno;
    }

    if ((state != S_SYNCING && state != S_SYNCED)
        || rconn_packet_counter_n_bytes(tx_counter) > OFCTRL_MAX_BACKLOG) {
        /* The changes stay tracked and go out with the next bundle, or the
         * next resynchronization, which takes the next seqno. */
        return next_seqno + 1;
    }

    struct ofctrl_bundle *b = ofctrl_bundle_create(BUNDLE_UPDATE,
                                                   ++next_seqno);
    ofctrl_bundle_add_changes(b, desired, NULL);
    ofctrl_bundle_finish(b);
    sent_seqno = next_seqno;
    n_pending = 0;
    return sent_seqno;
}

uint64_t
ofctrl_installed_seqno(void)
{
    return installed_seqno;
}

size_t
ofctrl_pop_refusals(struct ofctrl_refusal **refusalsp)
{
    size_t n = n_refusals;

    *refusalsp = refusals;
    refusals = NULL;
    n_refusals = allocated_refusals = 0;
    return n;
}

void
ofctrl_format_status(struct ds *s)
{
    long long int now = time_msec();

    ds_put_format(s, "openflow: %s\n", ofctrl_states[state].description);
    ds_put_format(s, "  target: %s\n", target ? target : "(none)");
    ds_put_format(s, "  state: %s for %lld ms\n", ofctrl_states[state].name,
                  now - state_entered);
    if (state == S_BACKOFF) {
        ds_put_format(s, "  resynchronizing in %lld ms\n",
                      MAX(backoff_deadline - now, 0));
    }
    ofctrl_monitor_format_state(s);
    ds_put_format(s, "  seqno: %"PRIu64" installed, %"PRIu64" sent\n",
                  installed_seqno, sent_seqno);
    ds_put_format(s, "  bundles: %"PRIu64" sent, %"PRIu64" failed, "
                  "%"PRIuSIZE" in flight, %u bytes queued\n",
                  n_bundles_sent, n_bundles_failed, n_bundles,
                  tx_counter ? rconn_packet_counter_n_bytes(tx_counter) : 0);
    ds_put_format(s, "  flow_mods sent: %"PRIu64" adds, %"PRIu64" modifies, "
                  "%"PRIu64" deletes\n", n_flow_mods[FLOW_CHANGE_ADD],
                  n_flow_mods[FLOW_CHANGE_MODIFY],
                  n_flow_mods[FLOW_CHANGE_DELETE]);
    ds_put_format(s, "  flows: %"PRIuSIZE" desired, %"PRIuSIZE" changes "
                  "pending\n", n_desired, n_pending);
    ofctrl_meters_format_status(s);
    if (isolating) {
        ds_put_format(s, "  isolating refused flows: %"PRIuSIZE" owners "
                      "per bundle\n", isolate_group);
    }
    if (retry_deadline != LLONG_MAX) {
        ds_put_format(s, "  trying refused flows again in %lld ms\n",
                      MAX(retry_deadline - now, 0));
    }
    if (n_refused) {
        ds_put_format(s, "  owners refused: %"PRIu64", the last %#"PRIx64
                      " (%s)\n", n_refused, last_refusal.cookie,
                      ofperr_get_name(last_refusal.error));
    }
    ofctrl_flow_stats_format(s);
    ds_put_format(s, "  resyncs: %"PRIu64, n_resyncs);
    if (n_resyncs) {
        ds_put_format(s, ", the last read %"PRIuSIZE" flows and sent "
                      "%"PRIuSIZE" adds, %"PRIuSIZE" modifies, %"PRIuSIZE
                      " deletes", last_resync_read,
                      last_resync_changes[FLOW_CHANGE_ADD],
                      last_resync_changes[FLOW_CHANGE_MODIFY],
                      last_resync_changes[FLOW_CHANGE_DELETE]);
    }
    ds_put_char(s, '\n');
    ofctrl_monitor_format_repairs(s);
    ofctrl_packet_format_status(s);
}
