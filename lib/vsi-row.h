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

#ifndef VSI_ROW_H
#define VSI_ROW_H 1

/* The bindings of a VSI row of the NVE database, wherever the row keeps
 * them.
 *
 * Since schema 1.3.0 a VSI row holds its first binding (the one of the
 * lowest VNID) in its own columns vn, vnid, macs, ips, vid, pcp, profile and
 * meter_id, and only its other bindings, if any, in VSI_Binding rows that
 * its 'bindings' column refers to: the common VSI, of one binding, is one
 * row.  A database written before 1.3.0 has every binding in a VSI_Binding
 * row, which is read as well: a VSI row's bindings are its inline binding,
 * if it has one, followed by those of its 'bindings' column.
 *
 * Readers of the NVE database (nve-controller, nve-ctl, nve-bench) see both
 * alike through 'struct vsi_row_binding'. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nverec_vsi;
struct nverec_vsi_binding;

struct vsi_row_binding {
    const char *vn;
    int64_t vnid;
    char **macs;                /* As the IDL keeps them (sorted). */
    size_t n_macs;
    char **ips;
    size_t n_ips;
    int64_t vid;
    const int64_t *pcp;         /* 'n_pcp' (0 or 1) values. */
    size_t n_pcp;
    const char *profile;        /* NULL if none. */
    const int64_t *meter_id;    /* 'n_meter_id' (0 or 1) values. */
    size_t n_meter_id;
    const struct nverec_vsi_binding *row;  /* NULL for the inline one. */
};

/* Whether 'vsi' holds a binding in its own columns: its vn, vnid and vid
 * are all set (columns set only in part are not a binding). */
bool vsi_row_has_inline_binding(const struct nverec_vsi *vsi);

/* The number of bindings of 'vsi'. */
size_t vsi_row_n_bindings(const struct nverec_vsi *vsi);

/* Binding 'i' (less than vsi_row_n_bindings()) of 'vsi', into 'b', which
 * points into the IDL's row: valid as long as the row is. */
void vsi_row_get_binding(const struct nverec_vsi *vsi, size_t i,
                         struct vsi_row_binding *b);

/* VSI_Binding row 'row' seen as a binding. */
void vsi_row_binding_from_row(const struct nverec_vsi_binding *row,
                              struct vsi_row_binding *b);

#endif /* vsi-row.h */
