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

#ifndef NVE_VDP_PORT_H
#define NVE_VDP_PORT_H 1

/* The TES-facing ports on which the VDP server runs, and the station behind
 * each: which interfaces of the integration bridge they are, which TES owns
 * each, the flows that punt their ECP and LLDP frames to the controller, and
 * the two agents of each port (evb-agent.h, ecp-agent.h), which send through
 * ofctrl packet-outs.  The VDP server (vdp-server.h) reads a port's owner
 * and queues its answers here. */

#include <stdbool.h>
#include <stdint.h>
#include "ecp-agent.h"
#include "openvswitch/hmap.h"
#include "openvswitch/types.h"
#include "packets.h"

struct ds;
struct evb_tlv;
struct flow_table;
struct nverec_tes;
struct nverec_tes_port;
struct ovsdb_idl;
struct ovsrec_bridge;
struct vdp_vsi;

/* A TES-facing port and the station behind it. */
struct vdp_port {
    struct hmap_node name_node;     /* In vdp_ports 'by_name'. */
    struct hmap_node ofport_node;   /* In vdp_ports 'by_ofport'. */
    char *name;
    ofp_port_t ofport;
    struct eth_addr mac;            /* The NVE's address on the port. */
    uint64_t cookie;                /* Owner of its flows. */
    bool seen;                      /* Still configured, this round. */

    /* Whose port it is.  The rows are valid only during vdp_server_run(). */
    char *tes;                      /* NULL if no TES, or several, own it. */
    char *tes_problem;              /* If 'tes' is NULL, why. */
    const struct nverec_tes *tes_row;
    const struct nverec_tes_port *port_row;

    struct evb_agent *evb;          /* Station, LLDP, EVB timers. */
    struct ecp_agent *ecp;          /* ECP transport of VDPDUs. */
    uint64_t n_rx_errors;           /* VDPDUs that could not be decoded. */
};

/* All of them. */
struct vdp_ports {
    struct hmap by_name;            /* "struct vdp_port"s, by name. */
    struct hmap by_ofport;          /* The same, by ofport. */
};

void vdp_ports_init(struct vdp_ports *);

/* Removes every port, and its flows from 'flows' unless it is NULL (when the
 * daemon exits, the flows stay in the switch). */
void vdp_ports_clear(struct vdp_ports *, struct flow_table *flows);
void vdp_ports_destroy(struct vdp_ports *);

/* Makes the ports those of 'nve_idl' that are interfaces of 'br_int' (NULL
 * if there is none yet), with their owners and their flows in 'flows'; the
 * NVE advertises 'evb' on them, every 'lldp_interval' ms. */
void vdp_ports_run(struct vdp_ports *, struct ovsdb_idl *nve_idl,
                   const struct ovsrec_bridge *br_int,
                   struct flow_table *flows,
                   const struct evb_tlv *evb, long long int lldp_interval);

struct vdp_port *vdp_ports_find(const struct vdp_ports *, const char *name);
struct vdp_port *vdp_ports_find_by_ofport(const struct vdp_ports *,
                                          ofp_port_t);

/* Queues 'tlv' to the station on 'port', to go once generation 'gen' is
 * done (0: at once), after every TLV queued before it.  With 'fallback',
 * if 'gen' is not done by 'deadline' (a time_msec()), 'fallback' goes
 * instead. */
void vdp_port_queue(struct vdp_port *, uint64_t gen, const struct vdp_vsi *);
void vdp_port_queue_fallback(struct vdp_port *, uint64_t gen,
                             const struct vdp_vsi *tlv,
                             long long int deadline,
                             const struct vdp_vsi *fallback);

/* Sends what is due on every port: the queued TLVs whose generation
 * 'may_send' (with 'aux') says is done, retransmissions, LLDPDUs. */
void vdp_ports_flush(struct vdp_ports *, ecp_agent_may_send_func *may_send,
                     const void *aux);
void vdp_ports_wait(const struct vdp_ports *);

/* unixctl output: "ports: N", then each port, its station and counters. */
void vdp_ports_format(const struct vdp_ports *, struct ds *);

#endif /* vdp-port.h */
