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

#ifndef NVE_VSI_COUNTERS_H
#define NVE_VSI_COUNTERS_H 1

/* Per-VSI packet and byte counters, from the statistics of the VSI's own
 * flows (vsi-flows.h), which the switch looks up by the VSI's cookie: a
 * query costs time proportional to the VSI's flows, whatever the number of
 * VSIs.
 *
 * The counters are those of the VSI's interface, as the VM would count
 * them:
 *
 *   tx   Frames the VSI sent: those its classification flows (table 0)
 *        matched, with its VID and one of its MACs, in every state the NVE
 *        holds it in, forwarded or not.
 *
 *   rx   Unicast frames to one of its MACs that its delivery flows (table
 *        40) sent towards it while it was associated, before the egress
 *        ACLs; and the flooded frames (broadcast, multicast, unknown
 *        unicast) that the NVE output to its (port, VN) pairs while it was
 *        associated there, after the egress ACLs, since every VM behind
 *        the pair receives them.  The pair's flow in table 60 counts them
 *        once for all of its VSIs; each VSI adds what that counter gained
 *        while it was associated there to its rx base (vsi-flows.h), from
 *        a read as it became associated to a read as it stopped.
 *
 * The counters start when the NVE takes the VSI on and never go back while
 * it holds it: what the VSI's flows counted before they were replaced
 * (deleted and added again, by the NVE or anyone else) or lost (ovs-vswitchd
 * restarted) is kept as a base (ofctrl_set_counted()), which the VSI's row
 * in the database keeps across restarts of nve-controller.  Only what the
 * switch counted since it was last read is lost with its flows.  A VSI
 * that is terminated and associated again starts from zero. */

#include <stdbool.h>
#include <stdint.h>

struct ds;
struct vsi;
struct vsi_flows;

struct vsi_counters {
    uint64_t tx_packets, tx_bytes;
    uint64_t rx_packets, rx_bytes;
};

/* Asks the switch for the counters of 'vsi'.  A later main loop iteration
 * has the answer: vsi_counters_query_is_done() is then true. */
struct vsi_counters_query *vsi_counters_query(struct vsi_flows *,
                                              const struct vsi *);
bool vsi_counters_query_is_done(const struct vsi_counters_query *);

/* Fills in 'counters' from a query that is done; returns false (and zeros)
 * if the switch did not answer (not connected). */
bool vsi_counters_query_result(struct vsi_counters_query *,
                               struct vsi_counters *counters);

void vsi_counters_query_destroy(struct vsi_counters_query *);

/* Whether the flow of 'cookie' in table 'table_id' is one that the counters
 * read, for ofctrl_set_counted(). */
bool vsi_counters_flow_is_counted(uint64_t cookie, uint8_t table_id);

/* The base of the counters of 'vsi': get, to keep it, and set, to give it
 * back after a restart. */
void vsi_counters_get_base(const struct vsi *, struct vsi_counters *);
void vsi_counters_set_base(const struct vsi *, const struct vsi_counters *);

/* "  counters: tx N packets N bytes, rx N packets N bytes\n", or
 * "  counters: unavailable\n" if 'counters' is NULL. */
void vsi_counters_format(const struct vsi_counters *, struct ds *);

#endif /* vsi-counters.h */
