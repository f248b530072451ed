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

/* Live migration (migration.h): activation on the VM's first frame. */

#include <config.h>
#include "migration.h"

#include <string.h>
#include "barrier.h"
#include "dp-packet.h"
#include "flow-table.h"
#include "flow.h"
#include "ofctrl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"
#include "vsi-table.h"
#include "vsi.h"

VLOG_DEFINE_THIS_MODULE(migration);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Frames held at most, beyond which more are dropped: the switch sends up
 * only the frames of VSIs that await activation, and only until their new
 * flows are in, so a few per VSI. */
#define MIGRATION_MAX_HELD 1024

/* A frame held until the flows of its VSI are installed. */
struct held_frame {
    struct ovs_list node;       /* In migration 'held'. */
    uint64_t ticket;            /* Send once barrier_is_done(ticket). */
    struct ofctrl_packet_in *pin;
};

struct migration {
    struct ovs_list held;       /* Contains "struct held_frame"s, in order
                                 * of arrival. */
    size_t n_held;

    /* Statistics. */
    uint64_t n_frames;          /* Frames received. */
    uint64_t n_activations;     /* VSIs activated by one. */
    uint64_t n_learned;         /* Frames that a VSI learned a MAC from
                                 * (or had just learned it from). */
    uint64_t n_injected;        /* Frames sent back through the tables. */
    uint64_t n_dropped;         /* Frames of no VSI, or too many held, or
                                 * the switch gone. */
};

struct migration *
migration_create(void)
{
    struct migration *m = xzalloc(sizeof *m);

    ovs_list_init(&m->held);
    ofctrl_packet_in_subscribe(FLOW_OWNER_VSI);
    return m;
}

void
migration_destroy(struct migration *m)
{
    if (m) {
        struct held_frame *h;
        LIST_FOR_EACH_POP (h, node, &m->held) {
            free(h->pin);
            free(h);
        }
        free(m);
    }
}

/* Parses the VLAN-tagged Ethernet frame of 'pin' (classification sends
 * tagged frames only) into 'flow'.  Returns false if it is not one. */
static bool
parse_frame(const struct ofctrl_packet_in *pin, struct flow *flow)
{
    struct dp_packet packet;

    dp_packet_use_const(&packet, pin->packet, pin->size);
    flow_extract(&packet, flow);
    return flow->vlans[0].tci & htons(VLAN_CFI);
}

void
migration_run(struct migration *m, struct vsi_table *vsis)
{
    struct ovs_list pins = OVS_LIST_INITIALIZER(&pins);
    struct ofctrl_packet_in *pin;

    ofctrl_recv_packet_ins(FLOW_OWNER_VSI, &pins);
    LIST_FOR_EACH_POP (pin, list_node, &pins) {
        const struct vsi *v = NULL;
        struct flow flow;

        m->n_frames++;
        if (parse_frame(pin, &flow)) {
            uint16_t vid = vlan_tci_to_vid(flow.vlans[0].tci);
            bool activated;
            v = vsi_table_activate(vsis, pin->in_port, vid, flow.dl_src,
                                   &activated);
            m->n_activations += activated;
            if (!v) {
                /* Not an activation: the frame of a VSI that learns its
                 * MACs. */
                v = vsi_table_learn(vsis, pin->cookie, pin->in_port, &flow);
                m->n_learned += v != NULL;
            }
        }
        if (!v || m->n_held >= MIGRATION_MAX_HELD) {
            VLOG_DBG_RL(&rl, "dropping frame from port %"PRIu16": %s",
                        ofp_to_u16(pin->in_port),
                        v ? "too many held" : "no VSI awaits or learns it");
            m->n_dropped++;
            free(pin);
            continue;
        }

        struct held_frame *h = xmalloc(sizeof *h);
        h->ticket = v->ticket;
        h->pin = pin;
        ovs_list_push_back(&m->held, &h->node);
        m->n_held++;
    }
}

void
migration_flush(struct migration *m, const struct barrier *barrier)
{
    struct held_frame *h;

    LIST_FOR_EACH_SAFE (h, node, &m->held) {
        if (!barrier_is_done(barrier, h->ticket)) {
            /* Frames go back in the order they came. */
            break;
        }
        if (ofctrl_inject_packet(h->pin->in_port, h->pin->packet,
                                 h->pin->size)) {
            m->n_injected++;
        } else {
            m->n_dropped++;
        }
        ovs_list_remove(&h->node);
        m->n_held--;
        free(h->pin);
        free(h);
    }
}

void
migration_format_status(const struct migration *m, struct ds *s)
{
    ds_put_format(s, "first frames: %"PRIu64" received, %"PRIu64" held, "
                  "%"PRIu64" activations, %"PRIu64" injected, "
                  "%"PRIu64" dropped\n", m->n_frames, (uint64_t) m->n_held,
                  m->n_activations, m->n_injected, m->n_dropped);
    ds_put_format(s, "learning frames: %"PRIu64" taught a MAC\n",
                  m->n_learned);
}
