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


#ifndef NVE_VSI_H
#define NVE_VSI_H 1

/* The VSI core's data: a VSI, its memberships of VNs, and the TES-facing
 * ports and (port, VN) pairs that they share.
 *
 * Who does what with them:
 *   vsi-resources.h  ports, local VIDs per (port, VN), MAC owners per VN;
 *   vsi-plan.h       checks a request against configuration and resources
 *                    and plans it, changing nothing;
 *   vsi-table.h      holds the VSIs, applies plans through the lifecycle
 *                    table (lib/vsi-lifecycle.h), ages and notifies;
 *   vsi-db.h         keeps them in the NVE database;
 *   vsi-flows.h      turns them into flows. */

#include <stdbool.h>
#include <stdint.h>
#include "heap.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/types.h"
#include "openvswitch/uuid.h"
#include "vsi-lifecycle.h"
#include "vsi-request.h"

/* A TES-facing port, as far as VSIs are concerned. */
struct vsi_db_image;

struct vsi_port {
    struct hmap_node node;      /* In vsi_resources 'ports', by name. */
    char *name;
    ofp_port_t ofport;          /* OFPP_NONE while OVS has no such port. */
    unsigned long *used_vids;   /* Bitmap of the VIDs in use, 4096 bits. */
    struct hmap vns;            /* Contains "struct vsi_port_vn"s. */
    size_t n_vsis;              /* VSIs behind this port. */
};

/* One VN on one TES-facing port: the local VID that carries it there,
 * shared by every VSI of the VN behind the port. */
struct vsi_port_vn {
    struct hmap_node node;      /* In vsi_port 'vns', by VNID. */
    struct vsi_port *port;
    uint32_t vnid;
    char *vn;                   /* VN name. */
    uint16_t vid;               /* Local VID. */
    int pcp;                    /* 802.1p priority of frames that no
                                 * local VSI sent, the VN's, or -1. */
    struct ovs_list bindings;   /* Contains "struct vsi_binding"s. */
    size_t n_bindings;

    /* The VN's configuration that its bindings' policy last followed
     * (vsi-table.c): its default profile's name (or NULL) and its own PCP,
     * VSI_PCP_UNCHECKED if not yet. */
    char *vn_profile;
    int vn_own_pcp;
};

#define VSI_PCP_UNCHECKED (-2)

/* One VSI's membership of one VN. */
struct vsi_binding {
    struct vsi *vsi;
    struct vsi_port_vn *pv;     /* Port, VN and VID. */
    struct ovs_list pv_node;    /* In pv->bindings. */
    struct eth_addr *macs;      /* Sorted. */
    size_t n_macs;
    char **ips;                 /* Canonical text, sorted. */
    size_t n_ips;
    uint16_t requested_vid;     /* As requested by the TES, 0 if none. */
    char *profile;              /* Policy profile name, or NULL. */
    bool default_profile;       /* 'profile' is the VN's default, which it
                                 * follows, since the TES named none. */
    int pcp;                    /* 802.1p priority of the VSI's traffic in
                                 * the VN, as told to its TES, or -1. */
    struct ovs_list profile_node;   /* In a vsi_table's profile users if
                                     * 'profile'. */

    /* MACs learned from the VM's frames (vsi_table_learn()), for a binding
     * signalled without MACs; in order of learning. */
    struct eth_addr *learned;
    size_t n_learned;
    uint32_t meter_id;          /* Held for its lifetime, kept in the
                                 * database (vsi-resources.h); its meter's
                                 * if its profile has a rate limit. */
};

/* Whether 'b' learns its MACs from the VM's frames, having been signalled
 * without any: by IPs only (a frame teaches its source MAC if its source IP
 * is one of them), or by a VDP filter of format VID or GroupID/VID (any
 * source MAC). */
static inline bool
vsi_binding_learns(const struct vsi_binding *b)
{
    return !b->n_macs;
}

struct vsi {
    struct hmap_node node;      /* In vsi_table 'vsis', by id. */
    char *id;
    enum vsi_state state;       /* Written by vsi_set_state() only. */
    char *tes;
    struct vsi_port *port;
    enum vsi_protocol protocol;
    bool migrating;
    struct vsi_binding *bindings;   /* By VNID. */
    size_t n_bindings;
    uint64_t cookie;            /* Owner cookie of its flows. */
    struct hmap_node cookie_node;   /* In vsi_table 'by_cookie'. */

    /* Times, in milliseconds: wall clock for the database, monotonic for
     * the deadline. */
    long long int created_at;
    long long int updated_at;
    long long int keepalive_at;
    struct heap_node age_node;  /* In vsi_table 'ageing', by expiry. */

    /* While emigrating: until when (monotonic) frames for it from tunnels
     * follow its MAC's mapping to where the VM runs now (the forwarding
     * pointer, vsi-flows.c); 0 if they do not. */
    long long int pointer_until;
    struct ovs_list pointer_node;   /* In vsi_table 'pointers' if
                                     * 'pointer_until', or alone. */

    /* Database synchronization (vsi-db.c). */
    struct uuid row_uuid;       /* Its VSI row, chosen by vsi-db.c when it
                                 * inserts it (or as loaded), all-zero
                                 * before. */
    struct vsi_db_image *db_image;  /* What its row holds (vsi-db.c), or
                                     * NULL if unknown. */
    struct ovs_list sync_node;  /* In 'dirty', 'flushing' or 'staged', or
                                 * alone. */
    bool dirty;                 /* In 'dirty' or 'flushing'. */
    bool unreported;            /* Changed (not its keep-alive time alone)
                                 * since vsi_table_run() last reported it
                                 * committed (vsi_table_set_committed_cb()). */
    uint64_t dirty_ticket;      /* In 'dirty': the barrier ticket of the
                                 * change that put it there, which orders
                                 * 'dirty'.  0 otherwise. */
    struct ovs_list refresh_node;   /* In 'refreshed' (keep-alive time to
                                     * write), or alone. */
    uint64_t ticket;            /* Barrier ticket of its last change:
                                 * nothing may be said about it before
                                 * barrier_is_done(ticket). */
    uint64_t bound_ticket;      /* Barrier ticket of its binding from
                                 * VSI_ABSENT: until that is done, its TES
                                 * has not been told that the NVE holds
                                 * it.  0 if loaded from the database. */
};

/* Whether 'v' has a change that its row in the NVE database does not hold
 * yet: one being written, or to be (vsi-db.c).  A keep-alive time alone,
 * kept in memory until its batch is due, does not count until then. */
static inline bool
vsi_has_pending_write(const struct vsi *v)
{
    return !ovs_list_is_empty(&v->sync_node);
}

/* Whether 'v' was pre-associated by "immigrate" and so becomes associated
 * on the VM's first frame at this NVE (migration.c). */
static inline bool
vsi_awaits_first_frame(const struct vsi *v)
{
    return v->state == VSI_PRE_ASSOCIATED && v->migrating;
}

#endif /* vsi.h */
