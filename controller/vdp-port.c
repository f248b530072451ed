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

/* The ports of nve-controller's VDP server: each TES-facing port that is an
 * interface of the integration bridge, its owner, its punt flows and its
 * two agents.  vdp-server.c runs this module first in each round (then
 * hands the ports' frames to the agents and queues its answers with
 * vdp_port_queue()) and flushes it after the flows are put, so that the
 * agents send what is due.  See vdp-port.h. */

#include <config.h>
#include "vdp-port.h"

#include <limits.h>

#include <string.h>
#include "ecp-agent.h"
#include "evb-agent.h"
#include "flow-table.h"
#include "flow.h"
#include "hash.h"
#include "lib/ecp.h"
#include "lib/evb.h"
#include "lib/nve-idl.h"
#include "lib/vdp.h"
#include "lib/vswitch-idl.h"
#include "ofctrl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "pipeline.h"
#include "svec.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(vdp_port);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Priority of the flows that send ECP and LLDP to the controller, in table
 * 0, above any classification. */
#define PUNT_PRIORITY 1000

static void vdp_port_send(const struct ofpbuf *, void *port);

void
vdp_ports_init(struct vdp_ports *ports)
{
    hmap_init(&ports->by_name);
    hmap_init(&ports->by_ofport);
}

struct vdp_port *
vdp_ports_find(const struct vdp_ports *ports, const char *name)
{
    struct vdp_port *port;

    HMAP_FOR_EACH_WITH_HASH (port, name_node, hash_string(name, 0),
                             &ports->by_name) {
        if (!strcmp(port->name, name)) {
            return port;
        }
    }
    return NULL;
}

struct vdp_port *
vdp_ports_find_by_ofport(const struct vdp_ports *ports, ofp_port_t ofport)
{
    struct vdp_port *port;

    HMAP_FOR_EACH_WITH_HASH (port, ofport_node,
                             hash_int(ofp_to_u16(ofport), 0),
                             &ports->by_ofport) {
        if (port->ofport == ofport) {
            return port;
        }
    }
    return NULL;
}

/* Sends ECP and LLDP frames for the nearest customer bridge that 'port'
 * receives to the controller. */
static void
vdp_port_add_flows(const struct vdp_port *port, struct flow_table *flows)
{
    static const uint16_t eth_types[] = { ECP_ETH_TYPE, LLDP_ETH_TYPE };
    uint64_t stub[64 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);

    struct ofpact_output *output = ofpact_put_OUTPUT(&ofpacts);
    output->port = OFPP_CONTROLLER;
    output->max_len = UINT16_MAX;

    for (size_t i = 0; i < ARRAY_SIZE(eth_types); i++) {
        struct match match;

        match_init_catchall(&match);
        match_set_in_port(&match, port->ofport);
        match_set_dl_dst(&match, ecp_eth_dst);
        match_set_dl_type(&match, htons(eth_types[i]));
        flow_table_add(flows, port->cookie, NVE_TABLE_CLASSIFY,
                       PUNT_PRIORITY, &match, ofpacts.data, ofpacts.size);
    }
    ofpbuf_uninit(&ofpacts);
}

static struct vdp_port *
vdp_port_create(struct vdp_ports *ports, const char *name)
{
    struct vdp_port *port = xzalloc(sizeof *port);

    port->name = xstrdup(name);
    port->ofport = OFPP_NONE;
    port->cookie = flow_owner_cookie(FLOW_OWNER_VDP,
                                     ((uint64_t) hash_string(name, 0) << 24)
                                     | hash_string(name, 1));
    port->evb = evb_agent_create(name, vdp_port_send, port);

    /* Each ECPDU ends with an End TLV. */
    uint64_t stub[8 / 8];
    struct ofpbuf end = OFPBUF_STUB_INITIALIZER(stub);
    vdp_put_end(&end);
    port->ecp = ecp_agent_create(name, ECP_SUBTYPE_VDP, end.data, end.size,
                                 vdp_port_send, port);
    ofpbuf_uninit(&end);

    hmap_insert(&ports->by_name, &port->name_node, hash_string(name, 0));
    VLOG_INFO("port %s: VDP on", name);
    return port;
}

static void
vdp_port_destroy(struct vdp_ports *ports, struct flow_table *flows,
                 struct vdp_port *port)
{
    VLOG_INFO("port %s: VDP off", port->name);
    if (flows) {
        flow_table_remove_owner(flows, port->cookie);
    }
    hmap_remove(&ports->by_name, &port->name_node);
    if (port->ofport != OFPP_NONE) {
        hmap_remove(&ports->by_ofport, &port->ofport_node);
    }
    ecp_agent_destroy(port->ecp);
    evb_agent_destroy(port->evb);
    free(port->tes);
    free(port->tes_problem);
    free(port->name);
    free(port);
}

/* Removes the ports that are not marked 'seen'. */
static void
vdp_ports_sweep(struct vdp_ports *ports, struct flow_table *flows)
{
    struct vdp_port *port;

    HMAP_FOR_EACH_SAFE (port, name_node, &ports->by_name) {
        if (!port->seen) {
            vdp_port_destroy(ports, flows, port);
        }
    }
}

void
vdp_ports_clear(struct vdp_ports *ports, struct flow_table *flows)
{
    struct vdp_port *port;

    HMAP_FOR_EACH (port, name_node, &ports->by_name) {
        port->seen = false;
    }
    vdp_ports_sweep(ports, flows);
}

void
vdp_ports_destroy(struct vdp_ports *ports)
{
    vdp_ports_clear(ports, NULL);
    hmap_destroy(&ports->by_name);
    hmap_destroy(&ports->by_ofport);
}

/* Sets who owns 'port'. */
static void
vdp_port_set_tes(struct vdp_port *port, const struct nverec_tes *tes,
                 const char *problem)
{
    const char *name = tes ? tes->name : NULL;

    if (!nullable_string_is_equal(port->tes, name)
        || !nullable_string_is_equal(port->tes_problem, problem)) {
        if (name) {
            VLOG_INFO("port %s: VDP station is tes %s", port->name, name);
        } else {
            VLOG_WARN("port %s: VDP requests will be refused: %s",
                      port->name, problem);
        }
        free(port->tes);
        free(port->tes_problem);
        port->tes = nullable_xstrdup(name);
        port->tes_problem = nullable_xstrdup(problem);
    }
    port->tes_row = tes;
}

/* Interfaces of the integration bridge, by name. */
struct vdp_iface {
    ofp_port_t ofport;
    struct eth_addr mac;
};

static void
vdp_ifaces_collect(const struct ovsrec_bridge *br, struct shash *ifaces)
{
    for (size_t i = 0; br && i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];
        for (size_t k = 0; k < port->n_interfaces; k++) {
            const struct ovsrec_interface *iface = port->interfaces[k];
            if (!iface->n_ofport || *iface->ofport <= 0
                || *iface->ofport >= ofp_to_u16(OFPP_MAX)) {
                continue;
            }

            struct vdp_iface *vi = xzalloc(sizeof *vi);
            vi->ofport = u16_to_ofp(*iface->ofport);
            if (!iface->mac_in_use
                || !eth_addr_from_string(iface->mac_in_use, &vi->mac)
                || eth_addr_is_zero(vi->mac)) {
                /* No address yet: a stable, locally administered one. */
                uint32_t h = hash_string(iface->name, 0);
                vi->mac = (struct eth_addr) ETH_ADDR_C(02, 00, 00, 00, 00, 00);
                memcpy(&vi->mac.ea[2], &h, 4);
            }
            shash_replace_nocopy(ifaces, xstrdup(iface->name), vi);
        }
    }
}

void
vdp_ports_run(struct vdp_ports *ports, struct ovsdb_idl *nve_idl,
              const struct ovsrec_bridge *br_int, struct flow_table *flows,
              const struct evb_tlv *evb, long long int lldp_interval)
{
    struct shash ifaces = SHASH_INITIALIZER(&ifaces);
    vdp_ifaces_collect(br_int, &ifaces);

    /* Which TES lists each port. */
    struct shash owners = SHASH_INITIALIZER(&owners);
    const struct nverec_tes *tes;
    NVEREC_TES_FOR_EACH (tes, nve_idl) {
        for (size_t i = 0; i < tes->n_ports; i++) {
            const char *pname = tes->ports[i]->name;
            struct shash_node *node = shash_find(&owners, pname);
            if (!node) {
                shash_add(&owners, pname, tes);
            } else if (node->data != tes) {
                node->data = NULL;      /* Several: ambiguous. */
            }
        }
    }

    struct vdp_port *port;
    HMAP_FOR_EACH (port, name_node, &ports->by_name) {
        port->seen = false;
        port->tes_row = NULL;
        port->port_row = NULL;
    }

    const struct nverec_tes_port *prow;
    NVEREC_TES_PORT_FOR_EACH (prow, nve_idl) {
        const struct vdp_iface *vi = shash_find_data(&ifaces, prow->name);
        if (!vi) {
            continue;
        }

        port = vdp_ports_find(ports, prow->name);
        if (!port) {
            port = vdp_port_create(ports, prow->name);
        }
        port->seen = true;
        port->port_row = prow;
        port->mac = vi->mac;
        evb_agent_set_mac(port->evb, port->mac);
        evb_agent_set_config(port->evb, evb, lldp_interval);
        ecp_agent_set_mac(port->ecp, port->mac);
        if (port->ofport != vi->ofport) {
            if (port->ofport != OFPP_NONE) {
                hmap_remove(&ports->by_ofport, &port->ofport_node);
            }
            port->ofport = vi->ofport;
            hmap_insert(&ports->by_ofport, &port->ofport_node,
                        hash_int(ofp_to_u16(port->ofport), 0));
            flow_table_remove_owner(flows, port->cookie);
            vdp_port_add_flows(port, flows);
            evb_agent_restart(port->evb);
        }

        struct shash_node *node = shash_find(&owners, prow->name);
        if (!node) {
            vdp_port_set_tes(port, NULL, "no TES lists the port");
        } else if (!node->data) {
            vdp_port_set_tes(port, NULL, "several TES list the port");
        } else {
            vdp_port_set_tes(port, node->data, NULL);
        }
    }

    vdp_ports_sweep(ports, flows);
    shash_destroy(&owners);
    shash_destroy_free_data(&ifaces);
}


/* Sending. */

/* Sends 'frame' on 'port_': how the port's agents send. */
static void
vdp_port_send(const struct ofpbuf *frame, void *port_)
{
    const struct vdp_port *port = port_;

    if (!ofctrl_send_packet_out(port->ofport, frame->data, frame->size)) {
        VLOG_DBG_RL(&rl, "port %s: cannot send: the switch is not "
                    "connected", port->name);
    }
}

/* The ECP agent puts the TLVs that share a manager ID into one VDPDU. */
void
vdp_port_queue(struct vdp_port *port, uint64_t gen, const struct vdp_vsi *tlv)
{
    vdp_port_queue_fallback(port, gen, tlv, LLONG_MAX, NULL);
}

void
vdp_port_queue_fallback(struct vdp_port *port, uint64_t gen,
                        const struct vdp_vsi *tlv, long long int deadline,
                        const struct vdp_vsi *fallback)
{
    uint64_t stub[256 / 8];
    struct ofpbuf b = OFPBUF_STUB_INITIALIZER(stub);

    if (VLOG_IS_DBG_ENABLED()) {
        struct ds ds = DS_EMPTY_INITIALIZER;
        vdp_vsi_format(tlv, &ds);
        VLOG_DBG("port %s: queuing %s", port->name, ds_cstr(&ds));
        ds_destroy(&ds);
    }
    vdp_put_mgr_id(&b, tlv->mgr_id);
    size_t header_len = b.size;
    vdp_put_vsi(&b, tlv);
    size_t body_end = b.size;
    if (fallback) {
        vdp_put_vsi(&b, fallback);
    }

    const uint8_t *data = b.data;
    ecp_agent_queue_fallback(port->ecp, gen, data, header_len,
                             data + header_len, body_end - header_len,
                             deadline, fallback ? data + body_end : NULL,
                             b.size - body_end);
    ofpbuf_uninit(&b);
}


void
vdp_ports_flush(struct vdp_ports *ports, ecp_agent_may_send_func *may_send,
                const void *aux)
{
    struct vdp_port *port;

    HMAP_FOR_EACH (port, name_node, &ports->by_name) {
        ecp_agent_set_timers(port->ecp, evb_agent_ack_timeout(port->evb),
                             evb_agent_max_retries(port->evb));
        ecp_agent_run(port->ecp, may_send, aux);
        evb_agent_run(port->evb);
    }
}

void
vdp_ports_wait(const struct vdp_ports *ports)
{
    const struct vdp_port *port;

    HMAP_FOR_EACH (port, name_node, &ports->by_name) {
        ecp_agent_wait(port->ecp);
        evb_agent_wait(port->evb);
    }
}

/* Introspection. */

static void
vdp_port_format(const struct vdp_port *port, struct ds *ds)
{
    ds_put_format(ds, "port %s: ofport %"PRIu16", mac "ETH_ADDR_FMT", ",
                  port->name, ofp_to_u16(port->ofport),
                  ETH_ADDR_ARGS(port->mac));
    if (port->tes) {
        ds_put_format(ds, "tes %s\n", port->tes);
    } else {
        ds_put_format(ds, "no tes (%s)\n", port->tes_problem);
    }
    evb_agent_format(port->evb, ds);

    struct ecp_agent_stats st;
    ecp_agent_get_stats(port->ecp, &st);
    ds_put_format(ds, "  ECP received: %"PRIu64" requests, %"PRIu64
                  " duplicates, %"PRIu64" ACKs, %"PRIu64" errors\n",
                  st.n_rx_requests, st.n_rx_dups, st.n_rx_acks,
                  st.n_rx_errors + port->n_rx_errors);
    ds_put_format(ds, "  ECP ACKs sent: %"PRIu64, st.n_acks_sent);
    if (st.n_acks_sent) {
        ds_put_format(ds, " (in nve-controller: %lld us on average, %lld us "
                      "at most)", st.ack_latency_sum
                      / (long long int) st.n_acks_sent,
                      st.ack_latency_max);
    }
    ds_put_char(ds, '\n');
    ds_put_format(ds, "  ECP sent: %"PRIu64" requests, %"PRIu64
                  " retransmissions, %"PRIu64" unacknowledged, seq %"PRIu16
                  "%s\n", st.n_tx_requests, st.n_tx_retransmits,
                  st.n_tx_failures, st.tx_seq,
                  st.state == ECP_TX_WAIT_ACK ? " awaiting its ACK" : "");
    ds_put_format(ds, "  VSI TLVs: %"PRIuSIZE" awaiting their change, "
                  "%"PRIuSIZE" queued, %"PRIu64" dropped\n",
                  st.n_pending, st.n_ready, st.n_tx_dropped);

    uint64_t n_lldp_sent, n_lldp_received;
    evb_agent_get_lldp_stats(port->evb, &n_lldp_sent, &n_lldp_received);
    ds_put_format(ds, "  LLDP: %"PRIu64" sent, %"PRIu64" received\n",
                  n_lldp_sent, n_lldp_received);
}

void
vdp_ports_format(const struct vdp_ports *ports, struct ds *ds)
{
    struct svec names = SVEC_EMPTY_INITIALIZER;
    const struct vdp_port *port;

    HMAP_FOR_EACH (port, name_node, &ports->by_name) {
        svec_add(&names, port->name);
    }
    svec_sort(&names);
    ds_put_format(ds, "ports: %"PRIuSIZE"\n", names.n);

    const char *name;
    size_t i;
    SVEC_FOR_EACH (i, name, &names) {
        vdp_port_format(vdp_ports_find(ports, name), ds);
    }
    svec_destroy(&names);
}
