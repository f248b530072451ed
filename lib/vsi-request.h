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

#ifndef NVE_VSI_REQUEST_H
#define NVE_VSI_REQUEST_H 1

/* A lifecycle request for one VSI, in no protocol's words.
 *
 * Every source of lifecycle events translates its own wire form into a
 * struct vsi_request and hands it to the VSI core (controller/vsi-table.h):
 * the TNS server from JSON-RPC (lib/tns.c decodes networks directly into
 * struct vsi_network), the VDP server from 802.1Qbg TLVs.  The core answers
 * with a status and the VSI as it is afterward; each front end turns that
 * back into its own reply.  Nothing here knows JSON or VDP. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "vsi-lifecycle.h"

/* The front end that signalled a VSI: notifications about it go back
 * through the same one. */
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

/* Limits of one request, whatever the protocol. */
#define VSI_MAX_NETWORKS 16     /* VNs per VSI. */
#define VSI_MAX_ADDRS 64        /* MACs, or IPs, per VN. */

/* One VN that a VSI joins, and its addresses in it. */
struct vsi_network {
    char *vn;                   /* VN name, or NULL if named by 'vnid'. */
    uint32_t vnid;              /* VNID, or 0 if named by 'vn'. */
    struct eth_addr *macs;      /* Unicast and distinct. */
    size_t n_macs;
    char **ips;                 /* Distinct, in canonical text form. */
    size_t n_ips;
    uint16_t vid;               /* Requested local VID, 0 if none. */
    char *policy;               /* Policy profile name, or NULL. */
};

/* A request.  Every pointer is borrowed from the front end's decoded
 * message, for the duration of the call. */
struct vsi_request {
    enum vsi_event event;
    enum vsi_protocol protocol; /* Who asks. */
    const char *vsi;            /* VSI id. */
    const char *tes;            /* TES that asks, or NULL if 'peer_cn'
                                 * names it. */
    const char *peer_cn;        /* The TES that the transport authenticated
                                 * (TLS certificate common name, "" if the
                                 * certificate has none), or NULL if the
                                 * transport authenticates nobody. */
    const char *port;           /* TES-facing port, or NULL if the TES has
                                 * only one. */
    const struct vsi_network *networks;
    size_t n_networks;
};

#endif /* vsi-request.h */
