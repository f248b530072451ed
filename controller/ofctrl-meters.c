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

/* Meters, the part of ofctrl that installs the desired meter table
 * (meter-table.h) along with the flows.
 *
 * It speaks OpenFlow for meters and nothing else: ofctrl.c decides when.
 * After each (re)connection, ofctrl.c reads the switch's meters with its
 * flows (ofctrl_meters_dump_start(), then the replies it hands over) and
 * has the meter table take them as installed before it sends the
 * difference.  Each round of changes puts the meter_mods of this file
 * around the OpenFlow bundle of flows, which cannot hold them: additions
 * and modifications before the flows that use them, deletions after the
 * flows that used them are gone, all with the bundle's xid so that an
 * error fails the round. */

#include <config.h>
#include "ofctrl.h"

#include <errno.h>
#include "meter-table.h"
#include "ofctrl-private.h"
#include "openflow/openflow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/ofp-msgs.h"
#include "util.h"

/* The desired meters, NULL if ofctrl leaves meters alone. */
static struct meter_table *meters;

/* The dump of the switch's meters, and the meters it read. */
static ovs_be32 dump_xid;
struct switch_meter {
    uint32_t id;
    struct meter_config config;
};
static struct switch_meter *switch_meters;
static size_t n_switch_meters, allocated_switch_meters;

/* Statistics, for ofctrl_format_status(). */
static uint64_t n_meter_mods[3];        /* By enum meter_change_type. */

void
ofctrl_set_meter_table(struct meter_table *meter_table)
{
    meters = meter_table;
}

size_t
ofctrl_meters_n_tracked(void)
{
    return meters ? meter_table_n_tracked(meters) : 0;
}

/* Encodes the meter_mod that makes a change of 'type' to meter 'id', whose
 * config is (or was, for a deletion) 'config'. */
static struct ofpbuf *
ofctrl_meters_encode_mod(enum meter_change_type type, uint32_t id,
                         const struct meter_config *config)
{
    struct ofputil_meter_band band = {
        .type = OFPMBT13_DROP,
        .rate = config->kbps,
        .burst_size = config->burst_kb,
    };
    struct ofputil_meter_mod mm = {
        .command = (type == METER_CHANGE_ADD ? OFPMC13_ADD
                    : type == METER_CHANGE_MODIFY ? OFPMC13_MODIFY
                    : OFPMC13_DELETE),
        .meter = {
            .meter_id = id,
            .flags = (OFPMF13_KBPS | OFPMF13_STATS
                      | (config->burst_kb ? OFPMF13_BURST : 0)),
            .n_bands = type == METER_CHANGE_DELETE ? 0 : 1,
            .bands = &band,
        },
    };
    return ofputil_encode_meter_mod(OFP15_VERSION, &mm);
}

struct ofctrl_meters_encode_ctx {
    bool deletes;               /* Encode the deletions, or the others? */
    struct ovs_list *msgs;
};

static void
ofctrl_meters_encode_change(enum meter_change_type type, uint32_t id,
                         const struct meter_config *config, void *ctx_)
{
    struct ofctrl_meters_encode_ctx *ctx = ctx_;

    if ((type == METER_CHANGE_DELETE) == ctx->deletes) {
        struct ofpbuf *msg = ofctrl_meters_encode_mod(type, id, config);
        ovs_list_push_back(ctx->msgs, &msg->list_node);
        n_meter_mods[type]++;
    }
}

void
ofctrl_meters_encode_changes(bool deletes, struct ovs_list *msgs)
{
    if (meters) {
        struct ofctrl_meters_encode_ctx ctx = {
            .deletes = deletes,
            .msgs = msgs,
        };
        meter_table_for_each_tracked(meters, ofctrl_meters_encode_change,
                                     &ctx);
    }
}

void
ofctrl_meters_clear_tracked(void)
{
    if (meters) {
        meter_table_clear_tracked(meters);
    }
}

/* Reading the switch's meters. */

bool
ofctrl_meters_dump_start(void)
{
    n_switch_meters = 0;
    if (!meters) {
        return false;
    }

    struct ofpbuf *msg = ofputil_encode_meter_request(OFP15_VERSION,
                                                      OFPUTIL_METER_CONFIG,
                                                      OFPM13_ALL);
    dump_xid = ofctrl_get_xid(msg);
    ofctrl_send(msg);
    return true;
}

bool
ofctrl_meters_is_dump(ovs_be32 xid)
{
    return xid == dump_xid;
}

enum ofperr
ofctrl_meters_recv_dump(const struct ofp_header *oh)
{
    struct ofpbuf msg = ofpbuf_const_initializer(oh, ntohs(oh->length));
    struct ofpbuf bands;
    int error;

    ofpbuf_init(&bands, 64);
    for (;;) {
        struct ofputil_meter_config mc;
        error = ofputil_decode_meter_config(&msg, &mc, &bands);
        if (error) {
            break;
        }

        /* A meter that is not one of ours (a drop band in kbit/s) reads as
         * a config we never want, so that it is replaced. */
        struct meter_config config = { .kbps = 0 };
        if (mc.n_bands == 1 && mc.bands[0].type == OFPMBT13_DROP
            && mc.flags & OFPMF13_KBPS) {
            config.kbps = mc.bands[0].rate;
            config.burst_kb = (mc.flags & OFPMF13_BURST
                               ? mc.bands[0].burst_size : 0);
        }
        if (n_switch_meters >= allocated_switch_meters) {
            switch_meters = x2nrealloc(switch_meters,
                                       &allocated_switch_meters,
                                       sizeof *switch_meters);
        }
        switch_meters[n_switch_meters++] = (struct switch_meter) {
            .id = mc.meter_id,
            .config = config,
        };
    }
    ofpbuf_uninit(&bands);

    return ofctrl_decode_status(error, "meter config reply");
}

void
ofctrl_meters_take_dump(void)
{
    if (meters) {
        meter_table_mark_all_uninstalled(meters);
        for (size_t i = 0; i < n_switch_meters; i++) {
            meter_table_set_installed(meters, switch_meters[i].id,
                                      &switch_meters[i].config);
        }
    }
}

void
ofctrl_meters_disconnected(void)
{
    if (meters) {
        meter_table_mark_all_uninstalled(meters);
    }
    n_switch_meters = 0;
    dump_xid = htonl(0);
}

void
ofctrl_meters_format_status(struct ds *s)
{
    if (meters) {
        ds_put_format(s, "  meters: %"PRIuSIZE" desired, %"PRIuSIZE
                      " changes pending; meter_mods sent: %"PRIu64" adds, "
                      "%"PRIu64" modifies, %"PRIu64" deletes\n",
                      meter_table_count(meters),
                      meter_table_n_tracked(meters),
                      n_meter_mods[METER_CHANGE_ADD],
                      n_meter_mods[METER_CHANGE_MODIFY],
                      n_meter_mods[METER_CHANGE_DELETE]);
    }
}
