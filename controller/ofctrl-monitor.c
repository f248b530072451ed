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

/* The flow monitor, the part of ofctrl that finds out when someone else
 * changes the switch's flows, and the repairs that undo those changes.
 *
 * After each (re)connection, ofctrl.c has it set up a flow monitor on all
 * tables.  The switch reports changes made by anyone else in full (ours
 * come back abbreviated).  What becomes of a change depends on where
 * ofctrl.c is in synchronizing, which it says with an enum
 * ofctrl_monitor_mode: while synchronized, each change is repaired from the
 * report alone, by putting the desired version of that one flow back (or
 * deleting a flow that is not desired), and ofctrl.c sends the repairs in
 * one bundle per ofctrl_run(); once flows are read but before the difference
 * went out, the dump is out of date and all flows must be read again.  So
 * must they when the switch resumes a monitor that it paused.  A switch
 * that rejects the monitor gets an audit instead: all flows read again
 * every OFCTRL_AUDIT_INTERVAL_MS while synchronized. */

#include <config.h>
#include "ofctrl.h"

#include <errno.h>
#include <string.h>
#include "byte-order.h"
#include "flow-table.h"
#include "ofctrl-private.h"
#include "openflow/openflow.h"
#include "openvswitch/dynamic-string.h"
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

VLOG_DEFINE_THIS_MODULE(ofctrl_monitor);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

/* With no flow monitor, how often to read all flows to find others'
 * changes. */
#define OFCTRL_AUDIT_INTERVAL_MS 30000

/* The flow monitor's ID on its connection. */
#define OFCTRL_MONITOR_ID 1

/* The flow monitor's states, on the current connection.
 *
 * NONE -> REQUESTED                   connected: monitor requested
 * REQUESTED -> ACTIVE                 switch replied
 * REQUESTED -> UNSUPPORTED            switch rejected it: audit instead
 * ACTIVE -> PAUSED                    switch has too many changes to queue
 * PAUSED -> ACTIVE                    switch resumed it (flows read again)
 * any -> NONE                         connection lost or target changed */
#define OFCTRL_MONITOR_STATES                                           \
    OFCTRL_MONITOR_STATE(NONE,        "none")                           \
    OFCTRL_MONITOR_STATE(REQUESTED,   "requested")                      \
    OFCTRL_MONITOR_STATE(ACTIVE,      "active")                         \
    OFCTRL_MONITOR_STATE(PAUSED,      "paused by the switch")           \
    OFCTRL_MONITOR_STATE(UNSUPPORTED,                                   \
                         "rejected by the switch, auditing instead")

enum ofctrl_monitor_state {
#define OFCTRL_MONITOR_STATE(NAME, DESCRIPTION) MONITOR_##NAME,
    OFCTRL_MONITOR_STATES
#undef OFCTRL_MONITOR_STATE
};

static const struct {
    const char *name;           /* For logs. */
    const char *description;    /* For "flow monitor:" in the status. */
} ofctrl_monitor_states[] = {
#define OFCTRL_MONITOR_STATE(NAME, DESCRIPTION) \
    [MONITOR_##NAME] = { #NAME, DESCRIPTION },
    OFCTRL_MONITOR_STATES
#undef OFCTRL_MONITOR_STATE
};

static enum ofctrl_monitor_state monitor_state = MONITOR_NONE;
static ovs_be32 monitor_xid;            /* Of the request. */
static long long int next_audit;        /* UNSUPPORTED: when to audit. */

/* Statistics, for ofctrl_format_status(). */
static uint64_t n_repairs_restored;     /* Our flows put back. */
static uint64_t n_repairs_removed;      /* Others' flows removed. */

/* The only writer of 'monitor_state'. */
static void
ofctrl_monitor_set_state(enum ofctrl_monitor_state new_state)
{
    if (new_state != monitor_state) {
        VLOG_DBG("%s: flow monitor %s -> %s", ofctrl_get_target(),
                 ofctrl_monitor_states[monitor_state].name,
                 ofctrl_monitor_states[new_state].name);
        monitor_state = new_state;
    }
}

void
ofctrl_monitor_connected(void)
{
    struct ofputil_flow_monitor_request fmr = {
        .id = OFCTRL_MONITOR_ID,
        .command = OFPFMC_ADD,
        .flags = (OFPFMF_ADD | OFPFMF_REMOVED | OFPFMF_MODIFY
                  | OFPFMF_INSTRUCTIONS),
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .table_id = OFPTT_ALL,
    };
    match_init_catchall(&fmr.match);

    struct ofpbuf *msg = ofpbuf_new(0);
    ofputil_append_flow_monitor_request(&fmr, msg, OFPUTIL_P_OF15_OXM);
    ofpmsg_update_length(msg);
    monitor_xid = ofctrl_get_xid(msg);
    ofctrl_send(msg);
    ofctrl_monitor_set_state(MONITOR_REQUESTED);
}

void
ofctrl_monitor_disconnected(void)
{
    monitor_xid = htonl(0);
    ofctrl_monitor_set_state(MONITOR_NONE);
}

bool
ofctrl_monitor_recv_error(const struct ofp_header *oh)
{
    if (oh->xid != monitor_xid || monitor_state != MONITOR_REQUESTED) {
        return false;
    }

    ofctrl_log_msg(&this_module, &rl, VLL_WARN, oh, "%s: switch rejected "
                   "the flow monitor; auditing its flows every %d s "
                   "instead", ofctrl_get_target(),
                   OFCTRL_AUDIT_INTERVAL_MS / 1000);
    ofctrl_monitor_set_state(MONITOR_UNSUPPORTED);
    next_audit = time_msec() + OFCTRL_AUDIT_INTERVAL_MS;
    return true;
}

/* Someone else changed a flow, as 'fu' reports: appends to 'repairs' the
 * flow_mod that puts the desired version of that flow back, or deletes it
 * if it is not desired. */
static void
ofctrl_monitor_repair(const struct ofputil_flow_update *fu,
                      const struct flow_table *desired,
                      struct ovs_list *repairs)
{
    const struct flow_table_entry *d = flow_table_find(desired, fu->table_id,
                                                       fu->priority,
                                                       &fu->match);
    bool present = fu->event != OFPFME_REMOVED;
    struct ofpbuf *msg;

    if (d) {
        if (present && ntohll(fu->cookie) == d->cookie
            && flow_actions_equal(fu->ofpacts, fu->ofpacts_len,
                                  d->ofpacts, d->ofpacts_len)) {
            /* Someone put back just what we want. */
            return;
        }
        struct flow_table_change change = {
            .type = FLOW_CHANGE_ADD,
            .entry = d,
        };
        msg = ofctrl_encode_change(&change);
        n_repairs_restored++;
    } else if (present) {
        struct ofputil_flow_mod fm = {
            .priority = fu->priority,
            .table_id = fu->table_id,
            .command = OFPFC_DELETE_STRICT,
            .cookie = fu->cookie,
            .cookie_mask = OVS_BE64_MAX,
            .new_cookie = OVS_BE64_MAX,
            .buffer_id = UINT32_MAX,
            .out_port = OFPP_ANY,
            .out_group = OFPG_ANY,
        };
        minimatch_init(&fm.match, &fu->match);
        msg = ofputil_encode_flow_mod(&fm, OFPUTIL_P_OF15_OXM);
        minimatch_destroy(&fm.match);
        n_repairs_removed++;
    } else {
        return;
    }

    static struct vlog_rate_limit repair_rl = VLOG_RATE_LIMIT_INIT(10, 10);
    if (!VLOG_DROP_INFO(&repair_rl)) {
        struct ds s = DS_EMPTY_INITIALIZER;
        ofputil_flow_update_format(&s, fu, NULL, NULL);
        const char *update = ds_cstr(&s);
        VLOG_INFO("%s: %s flow changed by someone else: %s",
                  ofctrl_get_target(), d ? "restoring" : "deleting",
                  update + strspn(update, " \n"));
        ds_destroy(&s);
    }
    ovs_list_push_back(repairs, &msg->list_node);
}

/* Receives 'fu', one update of the flow monitor, in 'mode'.  Returns true
 * if all flows must be read again. */
static bool
ofctrl_monitor_recv_update(const struct ofputil_flow_update *fu,
                           enum ofctrl_monitor_mode mode,
                           const struct flow_table *desired,
                           struct ovs_list *repairs)
{
    const char *target = ofctrl_get_target();

    switch (fu->event) {
    case OFPFME_ADDED:
    case OFPFME_REMOVED:
    case OFPFME_MODIFIED:
        /* While reading flows, the dump shows these changes; once read, it
         * no longer does. */
        if (monitor_state != MONITOR_ACTIVE) {
            return false;
        } else if (mode == OFCTRL_MONITOR_REPAIR) {
            ofctrl_monitor_repair(fu, desired, repairs);
            return false;
        }
        return mode == OFCTRL_MONITOR_RESYNC;

    case OFPFME_PAUSED:
        VLOG_INFO_RL(&rl, "%s: switch paused the flow monitor", target);
        ofctrl_monitor_set_state(MONITOR_PAUSED);
        return false;

    case OFPFME_RESUMED:
        /* Changes made during the pause went unreported: read all flows
         * (again, if reading already). */
        VLOG_INFO_RL(&rl, "%s: switch resumed the flow monitor", target);
        ofctrl_monitor_set_state(MONITOR_ACTIVE);
        return mode != OFCTRL_MONITOR_IGNORE;

    case OFPFME_INITIAL:
    case OFPFME_ABBREV:
        /* Not requested, and our own changes, respectively. */
        return false;
    }
    return false;
}

bool
ofctrl_monitor_recv(const struct ofp_header *oh,
                    enum ofctrl_monitor_mode mode,
                    const struct flow_table *desired,
                    struct ovs_list *repairs)
{
    bool resync = false;

    if (oh->xid == monitor_xid && monitor_state == MONITOR_REQUESTED) {
        /* The reply to our request: monitoring from now on. */
        ofctrl_monitor_set_state(MONITOR_ACTIVE);
    }

    struct ofpbuf msg = ofpbuf_const_initializer(oh, ntohs(oh->length));
    uint64_t stub[1024 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct ofputil_flow_update fu;
    int error;
    while (!(error = ofputil_decode_flow_update(&fu, &msg, &ofpacts))) {
        if (ofctrl_monitor_recv_update(&fu, mode, desired, repairs)) {
            /* ofctrl.c is going to read all flows. */
            resync = true;
            mode = OFCTRL_MONITOR_READING;
        }
    }
    ofpbuf_uninit(&ofpacts);

    /* A change we cannot decode is a change we cannot repair. */
    if (ofctrl_decode_status(error, "flow monitor update")
        && (mode == OFCTRL_MONITOR_RESYNC || mode == OFCTRL_MONITOR_REPAIR)) {
        resync = true;
    }
    return resync;
}

bool
ofctrl_monitor_run(void)
{
    long long int now = time_msec();

    if (monitor_state == MONITOR_UNSUPPORTED && now >= next_audit) {
        next_audit = now + OFCTRL_AUDIT_INTERVAL_MS;
        return true;
    }
    return false;
}

void
ofctrl_monitor_wait(void)
{
    if (monitor_state == MONITOR_UNSUPPORTED) {
        poll_timer_wait_until(next_audit);
    }
}

void
ofctrl_monitor_format_state(struct ds *s)
{
    ds_put_format(s, "  flow monitor: %s\n",
                  ofctrl_monitor_states[monitor_state].description);
}

void
ofctrl_monitor_format_repairs(struct ds *s)
{
    ds_put_format(s, "  repairs: %"PRIu64" flows restored, %"PRIu64
                  " foreign flows deleted\n",
                  n_repairs_restored, n_repairs_removed);
}
