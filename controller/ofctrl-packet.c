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

/* Packets to and from the switch, the part of ofctrl that modules such as
 * vdp-server.c use to speak a protocol on the switch's ports.
 *
 * The connection ofctrl.c keeps for the flows carries the packets too.
 * After each (re)connection, this file asks the switch for packet-ins (a
 * connection to the bridge's management socket gets none until it sets a
 * nonzero miss_send_len).  ofctrl.c hands it each packet-in it receives;
 * it queues those of flows whose owner kind a module subscribed to, until
 * the module takes them after ofctrl_run().  Packet-outs have their own
 * limit on what waits to be sent, apart from the flows'. */

#include <config.h>
#include "ofctrl.h"

#include <string.h>
#include "byte-order.h"
#include "ofctrl-private.h"
#include "openflow/openflow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofp-switch.h"
#include "openvswitch/rconn.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ofctrl_packet);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

/* Packet-outs waiting in the rconn above which more are dropped. */
#define OFCTRL_MAX_PACKET_OUT_BACKLOG 1000

/* Queues of packet-ins exist for subscribed owner kinds only. */
struct ofctrl_pin_queue {
    struct ovs_list packets;    /* Contains "struct ofctrl_packet_in"s. */
    size_t n;
};
static struct ofctrl_pin_queue *pin_queues[256];   /* By owner kind. */
static struct rconn_packet_counter *pktout_counter;

/* Statistics, for ofctrl_format_status(). */
static uint64_t n_packet_ins;
static uint64_t n_packet_ins_dropped;   /* Queue full. */
static uint64_t n_packet_ins_ignored;   /* No subscriber. */
static uint64_t n_packet_outs;
static uint64_t n_packet_outs_dropped;

void
ofctrl_packet_init(void)
{
    pktout_counter = rconn_packet_counter_create();
}

void
ofctrl_packet_destroy(void)
{
    rconn_packet_counter_destroy(pktout_counter);
    pktout_counter = NULL;
    for (size_t i = 0; i < ARRAY_SIZE(pin_queues); i++) {
        struct ofctrl_pin_queue *q = pin_queues[i];
        if (q) {
            struct ofctrl_packet_in *pin;
            LIST_FOR_EACH_POP (pin, list_node, &q->packets) {
                free(pin);
            }
            free(q);
            pin_queues[i] = NULL;
        }
    }
}

/* Asks for the switch's configuration, to change it in
 * ofctrl_packet_recv_get_config_reply(). */
void
ofctrl_packet_connected(void)
{
    ofctrl_send(ofpraw_alloc(OFPRAW_OFPT_GET_CONFIG_REQUEST,
                             OFP15_VERSION, 0));
}

/* The switch's configuration: ask for packet-ins, keep the rest. */
void
ofctrl_packet_recv_get_config_reply(const struct ofp_header *oh)
{
    struct ofputil_switch_config config;

    ofputil_decode_get_config_reply(oh, &config);
    config.miss_send_len = UINT16_MAX;
    ofctrl_send(ofputil_encode_set_config(&config, oh->version));
}

void
ofctrl_packet_recv_packet_in(const struct ofp_header *oh)
{
    const char *target = ofctrl_get_target();
    struct ofputil_packet_in pin;
    size_t total_len;
    enum ofperr error = ofputil_decode_packet_in(oh, true, NULL, NULL, &pin,
                                                 &total_len, NULL, NULL);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: bad packet-in (%s)", target,
                     ofperr_to_string(error));
        return;
    }

    n_packet_ins++;
    uint64_t cookie = ntohll(pin.cookie);
    struct ofctrl_pin_queue *q = (pin.cookie != OVS_BE64_MAX
                                  ? pin_queues[flow_owner_kind(cookie)]
                                  : NULL);
    if (!q) {
        n_packet_ins_ignored++;
        ofctrl_log_msg(&this_module, &rl, VLL_DBG, oh,
                       "%s: packet-in for nobody", target);
    } else if (q->n >= OFCTRL_MAX_PACKET_INS || total_len > pin.packet_len) {
        n_packet_ins_dropped++;
        VLOG_WARN_RL(&rl, "%s: dropping packet-in of cookie %#"PRIx64": %s",
                     target, cookie,
                     q->n >= OFCTRL_MAX_PACKET_INS ? "queue full"
                     : "truncated");
    } else {
        struct ofctrl_packet_in *p = xmalloc(sizeof *p + pin.packet_len);
        p->cookie = cookie;
        p->table_id = pin.table_id;
        p->in_port = pin.flow_metadata.flow.in_port.ofp_port;
        p->received = time_usec();
        p->size = pin.packet_len;
        memcpy(p->packet, pin.packet, pin.packet_len);
        ovs_list_push_back(&q->packets, &p->list_node);
        q->n++;
    }
}

void
ofctrl_packet_format_status(struct ds *s)
{
    ds_put_format(s, "  packet-ins: %"PRIu64" received, %"PRIu64" dropped, "
                  "%"PRIu64" for nobody\n", n_packet_ins, n_packet_ins_dropped,
                  n_packet_ins_ignored);
    ds_put_format(s, "  packet-outs: %"PRIu64" sent, %"PRIu64" dropped\n",
                  n_packet_outs, n_packet_outs_dropped);
}

/* The public functions (ofctrl.h). */

void
ofctrl_packet_in_subscribe(enum flow_owner_kind kind)
{
    ovs_assert(kind < ARRAY_SIZE(pin_queues));
    if (!pin_queues[kind]) {
        struct ofctrl_pin_queue *q = xzalloc(sizeof *q);
        ovs_list_init(&q->packets);
        pin_queues[kind] = q;
    }
}

void
ofctrl_recv_packet_ins(enum flow_owner_kind kind, struct ovs_list *out)
{
    struct ofctrl_pin_queue *q = (kind < ARRAY_SIZE(pin_queues)
                                  ? pin_queues[kind] : NULL);
    if (q) {
        ovs_list_push_back_all(out, &q->packets);
        q->n = 0;
    }
}

/* Sends a packet-out of 'packet' that outputs it to 'port', with 'in_port'
 * as its input port. */
static bool
send_packet_out(ofp_port_t in_port, ofp_port_t port, const void *packet,
                size_t size)
{
    uint64_t stub[64 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    ofpact_put_OUTPUT(&ofpacts)->port = port;

    struct ofputil_packet_out po = {
        .packet = packet,
        .packet_len = size,
        .buffer_id = UINT32_MAX,
        .ofpacts = ofpacts.data,
        .ofpacts_len = ofpacts.size,
    };
    match_init_catchall(&po.flow_metadata);
    match_set_in_port(&po.flow_metadata, in_port);

    struct ofpbuf *msg = ofputil_encode_packet_out(&po, OFPUTIL_P_OF15_OXM);
    ofpbuf_uninit(&ofpacts);
    if (ofctrl_send_with_limit(msg, pktout_counter,
                               OFCTRL_MAX_PACKET_OUT_BACKLOG)) {
        n_packet_outs_dropped++;
        return false;
    }
    n_packet_outs++;
    return true;
}

bool
ofctrl_send_packet_out(ofp_port_t port, const void *packet, size_t size)
{
    return send_packet_out(OFPP_CONTROLLER, port, packet, size);
}

bool
ofctrl_inject_packet(ofp_port_t in_port, const void *packet, size_t size)
{
    return send_packet_out(in_port, OFPP_TABLE, packet, size);
}
