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

#ifndef NVE_OFCTRL_PRIVATE_H
#define NVE_OFCTRL_PRIVATE_H 1

/* How the parts of ofctrl talk to each other.  Only ofctrl*.c include this
 * file; everyone else uses ofctrl.h.
 *
 * ofctrl.c holds the connection to the switch (one rconn) and receives
 * every message from it.  It hands each message that belongs to another
 * part to that part's "recv" function below, and the parts send through
 * ofctrl_send().  None of them keeps a pointer into another's state. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "compiler.h"
#include "openflow/openflow-common.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/types.h"
#include "openvswitch/vlog.h"

struct ds;
struct flow_table;
struct flow_table_change;
struct ovs_list;
struct rconn_packet_counter;

/* The connection and the bundles (ofctrl.c). */

/* The switch's name for logs: its OpenFlow target. */
const char *ofctrl_get_target(void);

/* Returns true if ofctrl is connected to the switch, synchronized or not,
 * so that a request sent now gets its reply or an error, unless the
 * connection drops first. */
bool ofctrl_can_request(void);

/* Sends 'msg' to the switch (or drops it, if not connected). */
void ofctrl_send(struct ofpbuf *msg);

/* Sends 'msg' to the switch, counted in 'counter', unless 'counter' counts
 * 'limit' messages waiting already or the switch is not connected.
 * Returns 0 if sent, otherwise a positive errno value (and drops 'msg'). */
int ofctrl_send_with_limit(struct ofpbuf *msg,
                           struct rconn_packet_counter *counter, int limit);

/* Logs 'oh', decoded, at 'level' in 'module', after a title made of
 * 'format', unless 'rl' drops it. */
void ofctrl_log_msg(const struct vlog_module *module,
                    struct vlog_rate_limit *rl, enum vlog_level level,
                    const struct ofp_header *oh, const char *format, ...)
    OVS_PRINTF_FORMAT(5, 6);

/* Returns 0 if 'error', what decoding the next item of a 'what' from the
 * switch returned, is EOF: all of it was decoded.  Otherwise logs 'error'
 * and returns it. */
enum ofperr ofctrl_decode_status(int error, const char *what);

static inline ovs_be32
ofctrl_get_xid(const struct ofpbuf *msg)
{
    const struct ofp_header *oh = msg->data;
    return oh->xid;
}

static inline void
ofctrl_set_xid(struct ofpbuf *msg, ovs_be32 xid)
{
    struct ofp_header *oh = msg->data;
    oh->xid = xid;
}

/* Encodes the flow_mod that makes 'change' in the switch. */
struct ofpbuf *ofctrl_encode_change(const struct flow_table_change *change);

/* The flow monitor (ofctrl-monitor.c). */

/* What becomes of a change that someone else made to the switch's flows,
 * by how far ofctrl.c got in synchronizing the switch. */
enum ofctrl_monitor_mode {
    OFCTRL_MONITOR_IGNORE,      /* Backing off: all flows are read later. */
    OFCTRL_MONITOR_READING,     /* Reading flows: the dump shows changes,
                                 * unless the monitor was paused. */
    OFCTRL_MONITOR_RESYNC,      /* Flows read, difference not sent yet: read
                                 * all flows again. */
    OFCTRL_MONITOR_REPAIR,      /* Synchronizing or synchronized: undo the
                                 * change. */
};

/* A new connection: requests the flow monitor. */
void ofctrl_monitor_connected(void);

/* The connection was lost: there is no monitor any more. */
void ofctrl_monitor_disconnected(void);

/* If error 'oh' rejects the flow monitor, logs it, audits instead and
 * returns true; otherwise returns false. */
bool ofctrl_monitor_recv_error(const struct ofp_header *oh);

/* Receives 'oh', a report of the flow monitor, in 'mode'.  Appends to
 * 'repairs' the flow_mods that undo the changes it reports (in
 * OFCTRL_MONITOR_REPAIR), for ofctrl.c to send in one bundle.  Returns true
 * if all flows must be read again. */
bool ofctrl_monitor_recv(const struct ofp_header *oh,
                         enum ofctrl_monitor_mode mode,
                         const struct flow_table *desired,
                         struct ovs_list *repairs);

/* While the switch is synchronized: ofctrl_monitor_run() returns true if,
 * for want of a flow monitor, it is time for an audit, that is, to read all
 * flows again; ofctrl_monitor_wait() wakes the main loop when it is. */
bool ofctrl_monitor_run(void);
void ofctrl_monitor_wait(void);

/* Appends the "flow monitor:" and "repairs:" lines of ofctrl_format_status()
 * to 's'. */
void ofctrl_monitor_format_state(struct ds *s);
void ofctrl_monitor_format_repairs(struct ds *s);

/* Flow statistics (ofctrl-stats.c). */

/* Reading all of the switch's flows, as with the meters below:
 * ofctrl_flow_stats_dump_start() requests them all.
 * ofctrl_flow_stats_recv_dump() receives a reply whose xid
 * ofctrl_flow_stats_is_dump(), and returns 0 or the error (logged) that
 * makes the dump fail.  Once all are read, ofctrl_flow_stats_take_dump()
 * returns them, for the caller to destroy, and takes the counts of the
 * counted flows that the switch lost into their bases (flows whose owner
 * is not in 'desired' are not counted any more). */
void ofctrl_flow_stats_dump_start(void);
bool ofctrl_flow_stats_is_dump(ovs_be32 xid);
enum ofperr ofctrl_flow_stats_recv_dump(const struct ofp_header *);
struct flow_table *ofctrl_flow_stats_take_dump(const struct flow_table *);

/* Whether the flow of 'cookie' in 'table_id' is counted
 * (ofctrl_set_counted()), and so added with the "send flow removed" flag;
 * ofctrl_flow_stats_recv_removed() takes its counts into the base of its
 * cookie when the switch reports that it went. */
bool ofctrl_flow_is_counted(uint64_t cookie, uint8_t table_id);
void ofctrl_flow_stats_recv_removed(const struct ofp_header *,
                                    const struct flow_table *desired);

/* Receives flow stats reply 'oh' if it answers an
 * ofctrl_request_flow_stats(); ignores it otherwise. */
void ofctrl_flow_stats_recv_reply(const struct ofp_header *oh);

/* If error 'oh' answers an ofctrl_request_flow_stats(), fails that
 * request, logs 'oh' and returns true; otherwise returns false. */
bool ofctrl_flow_stats_recv_error(const struct ofp_header *oh);

/* The connection was lost: fails every pending request, forgets the
 * dump. */
void ofctrl_flow_stats_disconnected(void);

/* ofctrl is about to send a change to the switch: the requests made so far
 * are no longer shared with later ones. */
void ofctrl_flow_stats_new_epoch(void);

/* Appends the requests' statistics to 's', for nve/show. */
void ofctrl_flow_stats_format(struct ds *s);

/* Gives up on the requests that are past their deadline (the switch may be
 * alive but unable to answer: OVS 3.1's ovs-vswitchd stops answering
 * OpenFlow while it has lost its database lock), and wakes the main loop
 * for the next deadline. */
void ofctrl_flow_stats_run(void);
void ofctrl_flow_stats_wait(void);

/* Meters (ofctrl-meters.c). */

/* The number of tracked changes of the meter table (0 without one). */
size_t ofctrl_meters_n_tracked(void);

/* Appends to 'msgs' the meter_mods of the tracked deletions if 'deletes',
 * of the other tracked changes otherwise, for ofctrl.c to send around a
 * bundle of flows. */
void ofctrl_meters_encode_changes(bool deletes, struct ovs_list *msgs);
void ofctrl_meters_clear_tracked(void);

/* Reading the switch's meters with its flows.  ofctrl_meters_dump_start()
 * requests them all, if there is a meter table, and returns true if it
 * did.  ofctrl_meters_recv_dump() receives a reply whose xid
 * ofctrl_meters_is_dump(), and returns 0 or the error (logged) that makes
 * the dump fail.  Once all are read, ofctrl_meters_take_dump() has the meter
 * table take them as those installed, so that its tracked changes make the
 * switch's meters the desired ones. */
bool ofctrl_meters_dump_start(void);
bool ofctrl_meters_is_dump(ovs_be32 xid);
enum ofperr ofctrl_meters_recv_dump(const struct ofp_header *);
void ofctrl_meters_take_dump(void);

/* The connection was lost: the switch may have no meters left. */
void ofctrl_meters_disconnected(void);

/* Appends the "meters:" line of ofctrl_format_status() to 's', if there is
 * a meter table. */
void ofctrl_meters_format_status(struct ds *s);

/* Packets (ofctrl-packet.c). */

void ofctrl_packet_init(void);
void ofctrl_packet_destroy(void);

/* A new connection: asks the switch for packet-ins. */
void ofctrl_packet_connected(void);

void ofctrl_packet_recv_get_config_reply(const struct ofp_header *);
void ofctrl_packet_recv_packet_in(const struct ofp_header *);

/* Appends the "packet-ins:" and "packet-outs:" lines of
 * ofctrl_format_status() to 's'. */
void ofctrl_packet_format_status(struct ds *s);

#endif /* ofctrl-private.h */
