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

#ifndef NVE_OFCTRL_H
#define NVE_OFCTRL_H 1

/* The OpenFlow connection to the integration bridge, which makes the
 * switch's flow tables equal to the desired flow table.
 *
 * Every round of changes goes to the switch as one atomic OpenFlow bundle
 * followed by a barrier; when the barrier reply arrives, the round's sequence
 * number becomes the installed one.  Whoever must not answer before its
 * change is in the switch (a TNS reply, cur_cfg) remembers the sequence
 * number ofctrl_put() returned and waits until ofctrl_installed_seqno()
 * reaches it.
 *
 * After (re)connecting, ofctrl reads the switch's flows in the tables it
 * owns and sends, in one bundle, only the difference to the desired table:
 * flows that did not change stay in place.  A flow monitor on those tables
 * reports flows that someone else adds, modifies or deletes; ofctrl then
 * puts them right the same way.
 *
 * ofctrl.c implements the connection and the flows; ofctrl-monitor.c the
 * flow monitor; the sections below name the files of the rest. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "flow-table.h"
#include "openvswitch/list.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/types.h"

struct flow_table;
struct ds;

void ofctrl_init(void);
void ofctrl_destroy(void);

/* Sets the OpenFlow target of the switch, e.g. "unix:/run/openvswitch/
 * br-int.mgmt"; a change reconnects. */
void ofctrl_set_target(const char *target);

/* Runs the connection: receives from the switch, resynchronizes after a
 * (re)connection (which takes all of 'desired''s flows as installed once sent,
 * clearing its tracked changes), and repairs flows that someone else changed
 * to what 'desired' says.  Call it before changing 'desired' in an
 * iteration of the main loop, and ofctrl_put() after. */
void ofctrl_run(struct flow_table *desired);
void ofctrl_wait(void);

/* From ofctrl_run() on, what the iteration sends to the switch (flow
 * statistics requests, bundles, packet-outs...) waits in the connection's
 * queue, and ofctrl_flush() sends it in writes of up to 64 KiB, each of
 * many messages (a bundle of thousands of flow modifications would
 * otherwise cost a system call each).  Call it at the end of the
 * iteration, after everything that may send. */
void ofctrl_flush(void);

/* Returns true if connected to the switch and synchronized with it: its flows
 * were read and the difference to the desired table installed.  This is what
 * "openflow: connected" in ofctrl_format_status() says. */
bool ofctrl_is_connected(void);

/* Sends the tracked changes of 'desired' (then clears them) if the switch is
 * connected and synchronized, and returns the sequence number that will be
 * installed once the switch confirms them.  With nothing to send, returns
 * the sequence number of the last change sent.  While disconnected, the
 * changes stay tracked and go out with the resynchronization; the number
 * returned is installed once that completes.  The same holds while more than
 * a megabyte of earlier changes still waits to be sent: the changes then go
 * out, with those of the next calls, in one larger bundle.
 *
 * After each (re)connection, once the switch's flows are read, the next call
 * sends the whole difference between them and 'desired', deleting every flow
 * that 'desired' lacks.  So do not call it before 'desired' holds everything
 * the configuration asks for (e.g. before the databases were read once):
 * flows of objects not yet known would be deleted and added back later. */
uint64_t ofctrl_put(struct flow_table *desired);

/* The highest sequence number confirmed installed in the switch. */
uint64_t ofctrl_installed_seqno(void);

/* The owners (flow-table.h) whose flows the switch refused since the last
 * call, each with the switch's error, e.g. OFPERR_OFPFMFC_TABLE_FULL: their
 * flows are not in the switch, although the installed sequence number
 * moved past them (ofctrl.c says how they are found).  Returns the number
 * of them in '*refusalsp', which the caller frees.  Call after
 * ofctrl_run(), in the same iteration: a change whose reply would say that
 * it is installed must learn of its refusal before that. */
struct ofctrl_refusal {
    uint64_t cookie;            /* The owner. */
    enum ofperr error;          /* Why. */
};
size_t ofctrl_pop_refusals(struct ofctrl_refusal **refusalsp);

/* Packets to and from the switch (ofctrl-packet.c).
 *
 * A module that installs flows whose actions send packets to the
 * controller subscribes to the owner kind of those flows' cookies.  Each
 * ofctrl_run() queues the packet-ins of subscribed kinds, in the order they
 * came, at most OFCTRL_MAX_PACKET_INS per kind (more are dropped and
 * counted, as are packet-ins of other kinds); the module takes them after
 * ofctrl_run() in the same iteration. */
#define OFCTRL_MAX_PACKET_INS 1024

struct ofctrl_packet_in {
    struct ovs_list list_node;
    uint64_t cookie;            /* Of the flow that sent it. */
    uint8_t table_id;           /* Of the flow that sent it. */
    ofp_port_t in_port;
    long long int received;     /* time_usec() when ofctrl received it. */
    size_t size;                /* Bytes in 'packet'. */
    uint8_t packet[];           /* The whole frame. */
};

void ofctrl_packet_in_subscribe(enum flow_owner_kind);

/* Moves the queued packet-ins of 'kind' to 'out'.  The caller frees each
 * with free(). */
void ofctrl_recv_packet_ins(enum flow_owner_kind, struct ovs_list *out);

/* Sends the 'size'-byte frame 'packet' out of OpenFlow port 'port', as if
 * from the controller.  Returns false if the switch is not connected (or
 * too many packets wait to be sent): then nothing is sent. */
bool ofctrl_send_packet_out(ofp_port_t port, const void *packet,
                            size_t size);

/* Sends the 'size'-byte frame 'packet' through the flow tables from the
 * first, as if it had arrived on OpenFlow port 'in_port'.  Returns false
 * as ofctrl_send_packet_out() does. */
bool ofctrl_inject_packet(ofp_port_t in_port, const void *packet,
                          size_t size);

/* Meters (ofctrl-meters.c).  ofctrl installs the meters of 'meters' along
 * with the flows: after (re)connecting, it reads the switch's meters with
 * its flows and puts the difference right; each ofctrl_put() sends the
 * tracked meter changes, additions and modifications before the flows
 * (which may use them), deletions after (the flows that used them are gone
 * then), all confirmed by the same barrier.  Without it (or with NULL),
 * ofctrl leaves meters alone. */
struct meter_table;
void ofctrl_set_meter_table(struct meter_table *meters);

/* Flow statistics (ofctrl-stats.c).  ofctrl_request_flow_stats() asks the
 * switch for the statistics of the flows whose cookie is 'cookie'; a later
 * ofctrl_run() receives them, after which ofctrl_flow_stats_is_done() is
 * true and ofctrl_flow_stats_get() returns the sums of table 'table_id''s
 * flows (false, with zeros, if the switch was not connected, refused, or
 * did not answer within OFCTRL_FLOW_STATS_TIMEOUT ms).  The switch looks
 * flows up by cookie, so that a request costs time proportional to the
 * flows of that cookie.  Requests for one cookie between two changes sent
 * to the switch share one OpenFlow request, whose answer they would all
 * get anyway; each caller destroys what it was given. */
#define OFCTRL_FLOW_STATS_TIMEOUT 1000
struct ofctrl_flow_stats *ofctrl_request_flow_stats(uint64_t cookie);
bool ofctrl_flow_stats_is_done(const struct ofctrl_flow_stats *);
bool ofctrl_flow_stats_get(const struct ofctrl_flow_stats *,
                           uint8_t table_id,
                           uint64_t *n_packets, uint64_t *n_bytes);
void ofctrl_flow_stats_destroy(struct ofctrl_flow_stats *);

/* How many requests became done so far: a caller with many requests
 * outstanding looks for those done only when this changed. */
uint64_t ofctrl_flow_stats_n_done(void);

/* Counted flows: those for which 'cb' returns true.  Their sums in
 * ofctrl_flow_stats_get() include a base per cookie and table that keeps
 * what flows of the cookie counted before the switch deleted or lost them,
 * so that they never go back while the cookie has desired flows.
 * ofctrl_flow_stats_pop_changed() returns the cookies whose base changed
 * since it was last called (in a malloc'd array, to free, NULL if none),
 * so that the caller can keep the bases (ofctrl_flow_stats_get_base())
 * across its restart and give them back (ofctrl_flow_stats_set_base()). */
typedef bool ofctrl_counted_cb(uint64_t cookie, uint8_t table_id);
void ofctrl_set_counted(ofctrl_counted_cb *);
void ofctrl_flow_stats_get_base(uint64_t cookie, uint8_t table_id,
                                uint64_t *n_packets, uint64_t *n_bytes);
void ofctrl_flow_stats_set_base(uint64_t cookie, uint8_t table_id,
                                uint64_t n_packets, uint64_t n_bytes);

/* Adds 'n_packets' and 'n_bytes' to the base of the flows of 'cookie' in
 * table 'table_id', as if a flow of the cookie that counted them had gone:
 * for counts that the caller takes from other flows (those of a (port, VN)
 * pair's flooded copies, for each of its VSIs: vsi-flows.h).  Like a base
 * that changed by itself, it is reported by
 * ofctrl_flow_stats_pop_changed(). */
void ofctrl_flow_stats_add_base(uint64_t cookie, uint8_t table_id,
                                uint64_t n_packets, uint64_t n_bytes);
size_t ofctrl_flow_stats_pop_changed(uint64_t **cookies);

/* Appends a multi-line human-readable status (connection, seqnos, counts of
 * bundles, flows, resyncs and repairs) to 'ds', for unixctl. */
void ofctrl_format_status(struct ds *);

#endif /* ofctrl.h */
