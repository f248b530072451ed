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

/* What TNS says about a VSI, as JSON text: see tns-result.h. */

#include <config.h>
#include "tns-result.h"

#include <string.h>
#include "lib/tns.h"
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "util.h"
#include "vsi.h"
#include "vsi-counters.h"

static void
put_macs(struct ds *out, const struct eth_addr *macs, size_t n)
{
    ds_put_char(out, '[');
    for (size_t i = 0; i < n; i++) {
        ds_put_format(out, "%s\""ETH_ADDR_FMT"\"", i ? "," : "",
                      ETH_ADDR_ARGS(macs[i]));
    }
    ds_put_char(out, ']');
}

void
tns_put_networks(struct ds *out, const struct vsi *v)
{
    ds_put_char(out, '[');
    for (size_t i = 0; i < v->n_bindings; i++) {
        const struct vsi_binding *b = &v->bindings[i];

        ds_put_cstr(out, i ? ",{\"vn\":" : "{\"vn\":");
        tns_put_string(out, b->pv->vn);
        ds_put_format(out, ",\"vnid\":%"PRIu32",\"vid\":%"PRIu16,
                      b->pv->vnid, b->pv->vid);
        if (b->pcp >= 0) {
            ds_put_format(out, ",\"pcp\":%d", b->pcp);
        }
        ds_put_cstr(out, ",\"macs\":");
        put_macs(out, b->macs, b->n_macs);
        if (b->n_learned) {
            ds_put_cstr(out, ",\"learned_macs\":");
            put_macs(out, b->learned, b->n_learned);
        }
        ds_put_cstr(out, ",\"ips\":[");
        for (size_t k = 0; k < b->n_ips; k++) {
            if (k) {
                ds_put_char(out, ',');
            }
            tns_put_string(out, b->ips[k]);
        }
        ds_put_char(out, ']');
        if (b->profile) {
            ds_put_cstr(out, ",\"policy\":");
            tns_put_string(out, b->profile);
        }
        ds_put_char(out, '}');
    }
    ds_put_char(out, ']');
}

bool
tns_result_has_state(const struct vsi *v, const struct tns_request *rq)
{
    return v || rq->method == TNS_TERMINATE;
}

void
tns_put_result(struct ds *out, const char *vsi_id, const struct vsi *v,
               const struct tns_request *rq)
{
    ds_put_cstr(out, "{\"status\":\"SUCCESS\",\"vsi\":");
    tns_put_string(out, vsi_id);
    if (v) {
        ds_put_format(out, ",\"state\":\"%s\",\"tes\":",
                      vsi_state_name(v->state));
        tns_put_string(out, v->tes);
        ds_put_cstr(out, ",\"port\":");
        tns_put_string(out, v->port->name);
        if (v->migrating) {
            ds_put_cstr(out, ",\"migrating\":true");
        }
        ds_put_cstr(out, ",\"networks\":");
        tns_put_networks(out, v);
    } else if (rq->method == TNS_TERMINATE) {
        ds_put_cstr(out, ",\"state\":\"terminated\"");
    }
    ds_put_char(out, '}');
}

void
tns_put_with_counters(struct ds *out, const char *reply, size_t len,
                      const struct vsi_counters *vc)
{
    /* 'reply' ends with the "}}" that close its result and itself. */
    ovs_assert(len >= 2 && !memcmp(reply + len - 2, "}}", 2));
    ds_put_buffer(out, reply, len - 2);
    ds_put_format(out, ",\"counters\":{\"rx_packets\":%"PRIu64
                  ",\"rx_bytes\":%"PRIu64",\"tx_packets\":%"PRIu64
                  ",\"tx_bytes\":%"PRIu64"}}}",
                  vc->rx_packets, vc->rx_bytes, vc->tx_packets,
                  vc->tx_bytes);
}
