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

#ifndef NVE_EVB_AGENT_H
#define NVE_EVB_AGENT_H 1

/* The LLDP/EVB agent of one port: the bridge's end of station discovery and
 * of the EVB TLV negotiation of IEEE 802.1Qbg-2012 (lib/evb.h is its
 * codec).
 *
 * It sends LLDPDUs with the NVE's EVB TLV, the first few 1 s apart and then
 * at the configured interval, and at once whenever what the NVE advertises
 * changes.  It learns the station from its LLDPDUs (address, EVB TLV) and
 * from its ECPDUs (address), and derives the timers that ECP and VDP use on
 * the port: the larger of the NVE's and the station's values, as both sides
 * use.
 *
 * Its deadline is waited for with poll_timer_wait_until(); frames go out
 * through a function the owner gives. */

#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "packets.h"

struct ds;
struct evb_tlv;
struct ofpbuf;

/* Sends the whole Ethernet frame 'frame' on the owner's port. */
typedef void evb_agent_send_func(const struct ofpbuf *frame, void *aux);

/* Creates an agent for the port that 'name' names in log messages, that
 * sends through 'send' with 'aux'.  It sends nothing before
 * evb_agent_set_config() and evb_agent_restart(). */
struct evb_agent *evb_agent_create(const char *name,
                                   evb_agent_send_func *send, void *aux);
void evb_agent_destroy(struct evb_agent *);

/* The source address of the LLDPDUs, and their chassis and port IDs. */
void evb_agent_set_mac(struct evb_agent *, struct eth_addr);

/* What the NVE advertises, and how often, in ms.  A change is advertised
 * at once. */
void evb_agent_set_config(struct evb_agent *, const struct evb_tlv *,
                          long long int lldp_interval);

/* The port came up (again): advertise at once, then 1 s apart at first. */
void evb_agent_restart(struct evb_agent *);

/* Handles the LLDPDU of 'size' bytes at 'frame' that the port received. */
void evb_agent_receive_lldp(struct evb_agent *, const void *frame,
                            size_t size);

/* The station behind the port sent an ECPDU from 'src'. */
void evb_agent_heard_ecp(struct evb_agent *, struct eth_addr src);

/* Sends an LLDPDU if one is due. */
void evb_agent_run(struct evb_agent *);
void evb_agent_wait(const struct evb_agent *);

/* The timers of the port. */
long long int evb_agent_ack_timeout(const struct evb_agent *);     /* ms. */
unsigned int evb_agent_max_retries(const struct evb_agent *);

/* unixctl output: "  station: ..." and "  timers: ..." lines; the LLDP
 * counters. */
void evb_agent_format(const struct evb_agent *, struct ds *);
void evb_agent_get_lldp_stats(const struct evb_agent *,
                              uint64_t *n_sent, uint64_t *n_received);

#endif /* evb-agent.h */
