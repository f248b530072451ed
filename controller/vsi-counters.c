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

/* Per-VSI counters from the statistics of the VSI's flows: see
 * vsi-counters.h. */

#include <config.h>
#include "vsi-counters.h"

#include <string.h>
#include "flow-table.h"
#include "ofctrl.h"
#include "openvswitch/dynamic-string.h"
#include "pipeline.h"
#include "util.h"
#include "vsi-flows.h"
#include "vsi-table.h"

struct vsi_counters_query {
    struct ofctrl_flow_stats *stats;        /* Of the VSI's cookie. */
    struct vsi_flows_rx_query *rx;          /* Flooded frames received. */
};

struct vsi_counters_query *
vsi_counters_query(struct vsi_flows *vf, const struct vsi *v)
{
    struct vsi_counters_query *q = xmalloc(sizeof *q);

    /* The pairs first: what their replies add to the VSI's base is in the
     * VSI's counters, whatever the order of the replies. */
    q->rx = vsi_flows_query_rx(vf, v);
    q->stats = ofctrl_request_flow_stats(v->cookie);
    return q;
}

bool
vsi_counters_query_is_done(const struct vsi_counters_query *q)
{
    return (ofctrl_flow_stats_is_done(q->stats)
            && vsi_flows_rx_query_is_done(q->rx));
}

bool
vsi_counters_query_result(struct vsi_counters_query *q,
                          struct vsi_counters *c)
{
    vsi_flows_rx_query_apply(q->rx);
    memset(c, 0, sizeof *c);
    return (ofctrl_flow_stats_get(q->stats, NVE_TABLE_CLASSIFY,
                                  &c->tx_packets, &c->tx_bytes)
            && ofctrl_flow_stats_get(q->stats, NVE_TABLE_L2_LOOKUP,
                                     &c->rx_packets, &c->rx_bytes));
}

void
vsi_counters_query_destroy(struct vsi_counters_query *q)
{
    if (q) {
        ofctrl_flow_stats_destroy(q->stats);
        vsi_flows_rx_query_destroy(q->rx);
        free(q);
    }
}

bool
vsi_counters_flow_is_counted(uint64_t cookie, uint8_t table_id)
{
    switch (flow_owner_kind(cookie)) {
    case FLOW_OWNER_VSI:
        return (table_id == NVE_TABLE_CLASSIFY
                || table_id == NVE_TABLE_L2_LOOKUP);
    case FLOW_OWNER_VN_PORT_RX:
        return table_id == NVE_TABLE_OUTPUT;
    case FLOW_OWNER_PIPELINE:
    case FLOW_OWNER_TUNNEL:
    case FLOW_OWNER_MAPPING:
    case FLOW_OWNER_VN_PORT:
    case FLOW_OWNER_VN:
    case FLOW_OWNER_PROFILE:
    case FLOW_OWNER_VDP:
    case FLOW_OWNER_VN_PORT_FLOOD:
    default:
        return false;
    }
}

void
vsi_counters_get_base(const struct vsi *v, struct vsi_counters *c)
{
    ofctrl_flow_stats_get_base(v->cookie, NVE_TABLE_CLASSIFY,
                               &c->tx_packets, &c->tx_bytes);
    ofctrl_flow_stats_get_base(v->cookie, NVE_TABLE_L2_LOOKUP,
                               &c->rx_packets, &c->rx_bytes);
}

void
vsi_counters_set_base(const struct vsi *v, const struct vsi_counters *c)
{
    ofctrl_flow_stats_set_base(v->cookie, NVE_TABLE_CLASSIFY,
                               c->tx_packets, c->tx_bytes);
    ofctrl_flow_stats_set_base(v->cookie, NVE_TABLE_L2_LOOKUP,
                               c->rx_packets, c->rx_bytes);
}

void
vsi_counters_format(const struct vsi_counters *c, struct ds *s)
{
    if (c) {
        ds_put_format(s, "  counters: tx %"PRIu64" packets %"PRIu64" bytes, "
                      "rx %"PRIu64" packets %"PRIu64" bytes\n",
                      c->tx_packets, c->tx_bytes,
                      c->rx_packets, c->rx_bytes);
    } else {
        ds_put_cstr(s, "  counters: unavailable\n");
    }
}
