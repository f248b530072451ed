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


/* Ports, local VIDs and MAC owners of the VSI core: see vsi-resources.h. */

#include <config.h>
#include "vsi-resources.h"

#include <string.h>
#include "bitmap.h"
#include "hash.h"
#include "packets.h"
#include "util.h"

/* Who owns a MAC address in a VN. */
struct vsi_mac_owner {
    struct hmap_node node;      /* In vsi_resources 'macs'. */
    uint32_t vnid;
    struct eth_addr mac;
    struct vsi *vsi;
};

/* How many VSIs a TES holds. */
struct vsi_tes_usage {
    struct hmap_node node;      /* In vsi_resources 'tes', by name. */
    char *name;
    size_t n_vsis;              /* Never 0: the usage goes with the last. */
};

/* A meter id that a binding holds. */
struct vsi_meter_id {
    struct hmap_node node;      /* In vsi_resources 'meter_ids', by id. */
    uint32_t id;
};

/* The highest OpenFlow meter id (OFPM13_MAX); higher ones are virtual. */
#define VSI_METER_ID_MAX 0xffff0000

void
vsi_resources_init(struct vsi_resources *r)
{
    hmap_init(&r->ports);
    hmap_init(&r->macs);
    hmap_init(&r->tes);
    hmap_init(&r->meter_ids);
    r->next_meter_id = 1;
}

void
vsi_resources_destroy(struct vsi_resources *r)
{
    struct vsi_port *port;
    HMAP_FOR_EACH_POP (port, node, &r->ports) {
        struct vsi_port_vn *pv;
        HMAP_FOR_EACH_POP (pv, node, &port->vns) {
            free(pv->vn);
            free(pv->vn_profile);
            free(pv);
        }
        hmap_destroy(&port->vns);
        free(port->used_vids);
        free(port->name);
        free(port);
    }
    hmap_destroy(&r->ports);

    struct vsi_mac_owner *mo;
    HMAP_FOR_EACH_POP (mo, node, &r->macs) {
        free(mo);
    }
    hmap_destroy(&r->macs);

    struct vsi_tes_usage *u;
    HMAP_FOR_EACH_POP (u, node, &r->tes) {
        free(u->name);
        free(u);
    }
    hmap_destroy(&r->tes);

    struct vsi_meter_id *mi;
    HMAP_FOR_EACH_POP (mi, node, &r->meter_ids) {
        free(mi);
    }
    hmap_destroy(&r->meter_ids);
}

static struct vsi_tes_usage *
vsi_tes_usage_find(const struct vsi_resources *r, const char *tes)
{
    struct vsi_tes_usage *u;

    HMAP_FOR_EACH_WITH_HASH (u, node, hash_string(tes, 0), &r->tes) {
        if (!strcmp(u->name, tes)) {
            return u;
        }
    }
    return NULL;
}

size_t
vsi_tes_n_vsis(const struct vsi_resources *r, const char *tes)
{
    const struct vsi_tes_usage *u = vsi_tes_usage_find(r, tes);
    return u ? u->n_vsis : 0;
}

void
vsi_tes_count(struct vsi_resources *r, const char *tes, int delta)
{
    struct vsi_tes_usage *u = vsi_tes_usage_find(r, tes);

    if (!u) {
        ovs_assert(delta > 0);
        u = xzalloc(sizeof *u);
        u->name = xstrdup(tes);
        hmap_insert(&r->tes, &u->node, hash_string(tes, 0));
    }
    ovs_assert(delta >= 0 || u->n_vsis >= (size_t) -delta);
    u->n_vsis += delta;
    if (!u->n_vsis) {
        hmap_remove(&r->tes, &u->node);
        free(u->name);
        free(u);
    }
}

struct vsi_port *
vsi_port_find(const struct vsi_resources *r, const char *name)
{
    struct vsi_port *port;

    HMAP_FOR_EACH_WITH_HASH (port, node, hash_string(name, 0), &r->ports) {
        if (!strcmp(port->name, name)) {
            return port;
        }
    }
    return NULL;
}

struct vsi_port *
vsi_port_get(struct vsi_resources *r, const char *name)
{
    struct vsi_port *port = vsi_port_find(r, name);

    if (!port) {
        port = xzalloc(sizeof *port);
        port->name = xstrdup(name);
        port->ofport = OFPP_NONE;
        port->used_vids = bitmap_allocate(4096);
        hmap_init(&port->vns);
        hmap_insert(&r->ports, &port->node, hash_string(name, 0));
    }
    return port;
}

bool
vsi_port_vid_is_used(const struct vsi_port *port, uint16_t vid)
{
    return port && vid < 4096 && bitmap_is_set(port->used_vids, vid);
}

struct vsi_port_vn *
vsi_port_vn_find(const struct vsi_port *port, uint32_t vnid)
{
    struct vsi_port_vn *pv;

    HMAP_FOR_EACH_WITH_HASH (pv, node, hash_int(vnid, 0), &port->vns) {
        if (pv->vnid == vnid) {
            return pv;
        }
    }
    return NULL;
}

struct vsi_port_vn *
vsi_port_vn_create(struct vsi_port *port, uint32_t vnid, const char *vn,
                   uint16_t vid, int pcp)
{
    struct vsi_port_vn *pv = xzalloc(sizeof *pv);

    pv->port = port;
    pv->vnid = vnid;
    pv->vn = xstrdup(vn);
    pv->vid = vid;
    pv->pcp = pcp;
    pv->vn_own_pcp = VSI_PCP_UNCHECKED;
    ovs_list_init(&pv->bindings);
    hmap_insert(&port->vns, &pv->node, hash_int(vnid, 0));
    bitmap_set1(port->used_vids, vid);
    return pv;
}

/* Marks 'vid' free on 'port' unless a (port, VN) other than 'pv' has it (a
 * VSI that moves from one VN to another may take the VID along). */
static void
vsi_port_release_vid(struct vsi_port *port, const struct vsi_port_vn *pv,
                     uint16_t vid)
{
    const struct vsi_port_vn *other;

    HMAP_FOR_EACH (other, node, &port->vns) {
        if (other != pv && other->vid == vid) {
            return;
        }
    }
    bitmap_set0(port->used_vids, vid);
}

void
vsi_port_vn_destroy(struct vsi_port_vn *pv)
{
    hmap_remove(&pv->port->vns, &pv->node);
    vsi_port_release_vid(pv->port, pv, pv->vid);
    free(pv->vn);
    free(pv->vn_profile);
    free(pv);
}

void
vsi_port_vn_set_vid(struct vsi_port_vn *pv, uint16_t vid)
{
    vsi_port_release_vid(pv->port, pv, pv->vid);
    bitmap_set1(pv->port->used_vids, vid);
    pv->vid = vid;
}

static uint32_t
mac_hash(uint32_t vnid, struct eth_addr mac)
{
    return hash_uint64_basis(eth_addr_to_uint64(mac), vnid);
}

static struct vsi_mac_owner *
mac_owner_find(const struct vsi_resources *r, uint32_t vnid,
               struct eth_addr mac)
{
    struct vsi_mac_owner *mo;

    HMAP_FOR_EACH_WITH_HASH (mo, node, mac_hash(vnid, mac), &r->macs) {
        if (mo->vnid == vnid && eth_addr_equals(mo->mac, mac)) {
            return mo;
        }
    }
    return NULL;
}

struct vsi *
vsi_mac_owner(const struct vsi_resources *r, uint32_t vnid,
              struct eth_addr mac)
{
    const struct vsi_mac_owner *mo = mac_owner_find(r, vnid, mac);
    return mo ? mo->vsi : NULL;
}

void
vsi_mac_claim(struct vsi_resources *r, uint32_t vnid, struct eth_addr mac,
              struct vsi *vsi)
{
    struct vsi_mac_owner *mo = mac_owner_find(r, vnid, mac);

    if (!mo) {
        mo = xmalloc(sizeof *mo);
        mo->vnid = vnid;
        mo->mac = mac;
        hmap_insert(&r->macs, &mo->node, mac_hash(vnid, mac));
    }
    mo->vsi = vsi;
}

void
vsi_mac_release(struct vsi_resources *r, uint32_t vnid, struct eth_addr mac,
                const struct vsi *vsi)
{
    struct vsi_mac_owner *mo = mac_owner_find(r, vnid, mac);

    if (mo && mo->vsi == vsi) {
        hmap_remove(&r->macs, &mo->node);
        free(mo);
    }
}

/* Meter ids. */

static struct vsi_meter_id *
vsi_meter_id_find(const struct vsi_resources *r, uint32_t id)
{
    struct vsi_meter_id *mi;

    HMAP_FOR_EACH_WITH_HASH (mi, node, hash_int(id, 0), &r->meter_ids) {
        if (mi->id == id) {
            return mi;
        }
    }
    return NULL;
}

uint32_t
vsi_meter_id_claim(struct vsi_resources *r, uint32_t wanted)
{
    uint32_t id = wanted;

    if (!id || id > VSI_METER_ID_MAX || vsi_meter_id_find(r, id)) {
        /* Fewer bindings than ids: the search ends. */
        for (id = r->next_meter_id; vsi_meter_id_find(r, id);
             id = id < VSI_METER_ID_MAX ? id + 1 : 1) {
            continue;
        }
        r->next_meter_id = id < VSI_METER_ID_MAX ? id + 1 : 1;
    }

    struct vsi_meter_id *mi = xmalloc(sizeof *mi);
    mi->id = id;
    hmap_insert(&r->meter_ids, &mi->node, hash_int(id, 0));
    return id;
}

void
vsi_meter_id_release(struct vsi_resources *r, uint32_t id)
{
    struct vsi_meter_id *mi = vsi_meter_id_find(r, id);

    if (mi) {
        hmap_remove(&r->meter_ids, &mi->node);
        free(mi);
        if (id < r->next_meter_id) {
            r->next_meter_id = id;
        }
    }
}
