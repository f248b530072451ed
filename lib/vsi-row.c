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

#include <config.h>
#include "vsi-row.h"

#include "lib/nve-idl.h"
#include "util.h"

bool
vsi_row_has_inline_binding(const struct nverec_vsi *vsi)
{
    return vsi->vn && vsi->n_vnid && vsi->n_vid;
}

size_t
vsi_row_n_bindings(const struct nverec_vsi *vsi)
{
    return vsi_row_has_inline_binding(vsi) + vsi->n_bindings;
}

void
vsi_row_binding_from_row(const struct nverec_vsi_binding *row,
                         struct vsi_row_binding *b)
{
    *b = (struct vsi_row_binding) {
        .vn = row->vn,
        .vnid = row->vnid,
        .macs = row->macs,
        .n_macs = row->n_macs,
        .ips = row->ips,
        .n_ips = row->n_ips,
        .vid = row->vid,
        .pcp = row->pcp,
        .n_pcp = row->n_pcp,
        .profile = row->profile,
        .meter_id = row->meter_id,
        .n_meter_id = row->n_meter_id,
        .row = row,
    };
}

void
vsi_row_get_binding(const struct nverec_vsi *vsi, size_t i,
                    struct vsi_row_binding *b)
{
    if (vsi_row_has_inline_binding(vsi)) {
        if (!i) {
            *b = (struct vsi_row_binding) {
                .vn = vsi->vn,
                .vnid = *vsi->vnid,
                .macs = vsi->macs,
                .n_macs = vsi->n_macs,
                .ips = vsi->ips,
                .n_ips = vsi->n_ips,
                .vid = *vsi->vid,
                .pcp = vsi->pcp,
                .n_pcp = vsi->n_pcp,
                .profile = vsi->profile,
                .meter_id = vsi->meter_id,
                .n_meter_id = vsi->n_meter_id,
                .row = NULL,
            };
            return;
        }
        i--;
    }
    ovs_assert(i < vsi->n_bindings);
    vsi_row_binding_from_row(vsi->bindings[i], b);
}
