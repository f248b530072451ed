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
 * puts them right the same way. */

#include <stdbool.h>
#include <stdint.h>

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

/* Appends a multi-line human-readable status (connection, seqnos, counts of
 * bundles, flows, resyncs and repairs) to 'ds', for unixctl. */
void ofctrl_format_status(struct ds *);

#endif /* ofctrl.h */
