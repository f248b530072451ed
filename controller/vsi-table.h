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

#ifndef NVE_VSI_TABLE_H
#define NVE_VSI_TABLE_H 1

/* Every VSI the NVE holds, its lifecycle state, and the resources it holds:
 * local VIDs per (TES-facing port, VN), MAC addresses per VN, its place in
 * the ageing queue, its flows and its row in the NVE database.
 *
 * Requests come from the TNS server (and the VDP front end) as decoded
 * struct tns_request; each is checked completely before anything changes,
 * so a refused request leaves no trace.  An accepted change is made in
 * memory at once, and becomes durable and installed later in the same main
 * loop iteration or a following one: the VSI's row is written in the next
 * NVE database transaction and its flows go out in the next OpenFlow
 * bundle.  The outcome of a request carries a generation number; the reply
 * may be sent once vsi_table_gen_done() says that generation is both
 * committed and installed.  Many requests share a generation, and so one
 * transaction and one bundle (group commit).
 *
 * Cost per request: O(its own networks and MACs), plus O(log N) in the
 * ageing heap and the database index, whatever the number N of VSIs. */

#include <stdbool.h>
#include <stdint.h>
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/types.h"
#include "heap.h"
#include "vsi-lifecycle.h"

struct ds;
struct vsi_flows;
struct ovsdb_idl;
struct ovsdb_idl_loop;
struct ovsdb_idl_txn;
struct tns_request;
struct nverec_nve_global;

/* A TES-facing port, as far as VSIs are concerned. */
struct vsi_port {
    struct hmap_node node;      /* In vsi_table 'ports', by name. */
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
    int pcp;                    /* 802.1p priority, or -1. */
    struct ovs_list bindings;   /* Contains "struct vsi_binding"s. */
    size_t n_bindings;
};

/* One VSI's membership of one VN. */
struct vsi_binding {
    struct vsi *vsi;
    struct vsi_port_vn *pv;     /* Port, VN and VID. */
    struct ovs_list pv_node;    /* In pv->bindings. */
    struct eth_addr *macs;
    size_t n_macs;
    char **ips;                 /* Canonical text. */
    size_t n_ips;
    uint16_t requested_vid;     /* As requested by the TES, 0 if none. */
    char *profile;              /* Policy profile name, or NULL. */
};

enum vsi_protocol {
    VSI_PROTO_TNS,
    VSI_PROTO_VDP,
};

/* "tns" or "vdp", as in VSI rows. */
static inline const char *
vsi_protocol_name(enum vsi_protocol protocol)
{
    return protocol == VSI_PROTO_VDP ? "vdp" : "tns";
}

struct vsi {
    struct hmap_node node;      /* In vsi_table 'vsis', by id. */
    char *id;
    enum vsi_state state;
    char *tes;
    struct vsi_port *port;
    enum vsi_protocol protocol;
    bool migrating;
    struct vsi_binding *bindings;
    size_t n_bindings;
    uint64_t cookie;            /* Owner cookie of its flows. */

    /* Times, in milliseconds: wall clock for the database, monotonic for
     * the deadline. */
    long long int created_at;
    long long int updated_at;
    long long int keepalive_at;
    struct heap_node age_node;  /* In vsi_table 'ageing', by expiry. */

    /* Database synchronization. */
    struct ovs_list sync_node;  /* In 'dirty' or 'staged', or alone. */
    uint64_t gen;               /* Generation of its last change: nothing
                                 * may be said about it before that one is
                                 * done. */
};

/* What the caller gives each call: the NVE database and its transaction
 * loop, and the VSIs' flows. */
struct vsi_ctx {
    struct ovsdb_idl *nve_idl;
    struct ovsdb_idl_loop *nve_loop;  /* vsi-table owns its next_cfg and
                                       * cur_cfg. */
    struct ovsdb_idl_txn *nve_txn;    /* NULL if none open this round. */
    const struct nverec_nve_global *global;   /* NULL if none yet. */
    struct vsi_flows *flows;          /* vsi-flows.h. */
};

/* The outcome of one request.  On success, the VSI's state and networks
 * are those of vsi_table_find() right after the request. */
struct vsi_outcome {
    enum vsi_status status;
    int code;                   /* JSON-RPC error code, if failed. */
    char *message;              /* Why it failed, naming the field. */
    char *tes;                  /* The TES the requester proved to be (even
                                 * if the request then failed), or NULL. */
    uint64_t gen;               /* Reply once vsi_table_gen_done(gen): the
                                 * generation of the change, or of the last
                                 * change of the VSI that the reply
                                 * reports on. */
};

void vsi_outcome_destroy(struct vsi_outcome *);

struct vsi_table *vsi_table_create(struct ovsdb_idl *nve_idl);
void vsi_table_destroy(struct vsi_table *);

/* Loads the VSIs from the database the first time it is available, notes
 * which earlier transaction committed or failed, handles configuration
 * changes (VN or port renumbering, removed VNs and TES) and ages out idle
 * VSIs.  Call once per main loop iteration, before any request. */
void vsi_table_run(struct vsi_table *, const struct vsi_ctx *);

/* Whether the VSIs were loaded from the database, so that requests may be
 * handled. */
bool vsi_table_is_ready(const struct vsi_table *);

/* Handles one request.  'peer_cn' is the common name of the peer's TLS
 * certificate, or NULL without TLS.  'protocol' says which front end asks.
 * Fills in 'outcome', which the caller must destroy.
 *
 * This module never builds JSON: OVS's JSON header, which the IDL needs,
 * and jansson's cannot meet in one file.  The TNS server turns the outcome
 * and the VSI into a reply. */
void vsi_table_request(struct vsi_table *, const struct vsi_ctx *,
                       const struct tns_request *, const char *peer_cn,
                       enum vsi_protocol protocol,
                       struct vsi_outcome *outcome);

/* Writes the changed VSIs into the open transaction, if any.  Call after
 * all requests of the iteration, before the transaction is committed. */
void vsi_table_sync(struct vsi_table *, const struct vsi_ctx *);

/* Tells the table that the flows of this iteration went to the switch as
 * 'flow_seqno' (ofctrl_put()) and that 'installed_seqno' is in the switch
 * (ofctrl_installed_seqno()). */
void vsi_table_flows_put(struct vsi_table *, uint64_t flow_seqno,
                         uint64_t installed_seqno);

/* Whether every change of generation 'gen' is committed and installed. */
bool vsi_table_gen_done(const struct vsi_table *, uint64_t gen);

/* Notifications for TES that the NVE itself produced: takes those for
 * front end 'protocol' out of the table, to be sent to 'tes'.  For
 * "local_change", the VSI's new networks are those of vsi_table_find() at
 * the time it is sent, which must wait until generation 'gen' is done (the
 * change it reports is durable and installed).
 *
 * Besides the NVE's own removals and changes, a VSI signalled over one
 * protocol that a request over the other terminates or binds anew is
 * "deassociated" for the first (e.g. a "terminate" over TNS of a VSI that a
 * VDP station associated), so that each front end learns of every VSI it
 * signalled that goes away. */
struct vsi_notification {
    struct ovs_list node;
    enum vsi_protocol protocol; /* Front end that delivers it. */
    char *tes;
    char *vsi;
    char *method;               /* "deassociated" or "local_change". */
    char *reason;               /* For "deassociated". */
    uint64_t gen;               /* Send once vsi_table_gen_done(gen). */
};
void vsi_table_pop_notifications(struct vsi_table *, enum vsi_protocol,
                                 struct ovs_list *out);
void vsi_notification_destroy(struct vsi_notification *);

/* Updates the OpenFlow port number of TES-facing port 'name'. */
void vsi_table_set_ofport(struct vsi_table *, const struct vsi_ctx *,
                          const char *name, ofp_port_t);

void vsi_table_wait(const struct vsi_table *);

/* Lookups and introspection. */
const struct vsi *vsi_table_find(const struct vsi_table *, const char *id);
size_t vsi_table_count(const struct vsi_table *);
void vsi_format(const struct vsi *, struct ds *);
void vsi_table_format_list(const struct vsi_table *, struct ds *);
void vsi_table_format_status(const struct vsi_table *, struct ds *);

#endif /* vsi-table.h */
