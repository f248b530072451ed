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

/* The VDP server of nve-controller: the bridge's end of VDP on every
 * TES-facing port.  It translates each VSI TLV that a station sends into
 * requests of the VSI table (vsi-table.c, shared with TNS) and the outcome
 * back into a VSI TLV, keeps a record of each VSI as the station repeats it
 * in its keep-alives, and de-associates at the station the VSIs that the
 * NVE removes.
 *
 * The ports and what runs on each are vdp-port.c's: the station discovery,
 * LLDP and EVB timers of evb-agent.c, the ECP transport of ecp-agent.c.
 * This file hands the agents the frames that a port receives, and queues
 * its answers in the ECP agent with the barrier ticket (barrier.h) that
 * gates them.  See vdp-server.h. */

#include <config.h>
#include "vdp-server.h"

#include <string.h>
#include "barrier.h"
#include "ecp-agent.h"
#include "evb-agent.h"
#include "flow-table.h"
#include "hash.h"
#include "lib/ecp.h"
#include "lib/evb.h"
#include "lib/nve-idl.h"
#include "lib/nve-options.h"
#include "lib/vdp.h"
#include "lib/vswitch-idl.h"
#include "ofctrl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "timeval.h"
#include "util.h"
#include "vdp-port.h"
#include "vsi-table.h"

VLOG_DEFINE_THIS_MODULE(vdp_server);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Defaults of the NVE_Global options, as documented in nve(5).  The timers
 * are exponents: 10 us * 2^exp.  A userspace bridge answers ECP from
 * another process than the switch, through OpenFlow, so it asks for a
 * 164 ms ACK timeout (RTE 14) rather than lldpad's 2.56 ms (RTE 8). */
#define DEFAULT_RTE 14
#define DEFAULT_RWD 20          /* 10.5 s to answer a request. */
#define DEFAULT_RKA 20          /* A station keep-alive every 10.5 s. */
#define DEFAULT_RETRIES 3
#define DEFAULT_LLDP_INTERVAL 30000     /* ms, IEEE 802.1AB msgTxInterval. */

/* How long an answer may wait for its change to be confirmed before the
 * station is told BUSY: well under the 15.8 s after which lldpad gives
 * up. */
#define DEFAULT_REPLY_DEADLINE 5000     /* ms. */

/* VDPDUs received before VSIs were loaded, at most. */
#define MAX_DEFERRED 256

/* The configuration, from NVE_Global options. */
struct vdp_config {
    bool enabled;
    struct evb_tlv evb;         /* What the NVE advertises. */
    long long int lldp_interval;    /* ms. */
    long long int reply_deadline;   /* ms, 0 for none. */
    bool hard_errors;           /* Set the Hard bit of errors. */
};

/* A VSI that a station signalled, and the last of its requests that the
 * NVE accepted, as the station repeats it in its keep-alives: the request's
 * type and M- and S-bits, the response's VIDs. */
struct vdp_rec {
    struct hmap_node node;          /* In vdp_server 'vsis', by id. */
    char *id;
    char *port;                     /* Port name. */
    struct vdp_vsi last;
    long long int last_heard;       /* time_msec(). */
    uint64_t n_requests;
    uint64_t n_keepalives;
};

/* A VDPDU received before the VSIs were loaded. */
struct vdp_deferred {
    struct ovs_list node;
    char *port;
    size_t size;
    uint8_t data[];
};

struct vdp_server {
    struct vdp_config cfg;
    struct vdp_ports ports;
    struct hmap vsis;               /* "struct vdp_rec"s, by id. */
    struct ovs_list deferred;       /* "struct vdp_deferred"s. */
    size_t n_deferred;

    /* Statistics. */
    uint64_t n_deassocs_sent;       /* Unsolicited DE-ASSOCs queued. */
    uint64_t n_changes_in_place;    /* Local changes left to keep-alive
                                     * responses. */
    uint64_t n_deassocs_unknown;    /* Removals of VSIs of no station. */
};

/* Configuration. */

/* NVE_Global options:'key', between 'min' and 'max', else 'def'. */
static int
vdp_option(const struct smap *options, const char *key, int def, int min,
           int max)
{
    return nve_options_get_int(options, "NVE_Global", key, def, min, max);
}

static void
vdp_config_read(const struct nverec_nve_global *global,
                struct vdp_config *cfg)
{
    static const struct smap empty = SMAP_INITIALIZER(&empty);
    const struct smap *options = global ? &global->options : &empty;

    memset(cfg, 0, sizeof *cfg);
    cfg->enabled = smap_get_bool(options, "vdp", false);
    cfg->evb = (struct evb_tlv) {
        .bgid = true,           /* GroupIDs are VNIDs. */
        .mode = EVB_MODE_BRIDGE,
        .r = vdp_option(options, "vdp_retries", DEFAULT_RETRIES, 0,
                        EVB_MAX_R),
        .rte = vdp_option(options, "vdp_rte", DEFAULT_RTE, 0, EVB_MAX_EXP),
        .rwd = vdp_option(options, "vdp_rwd", DEFAULT_RWD, 0, EVB_MAX_EXP),
        .rka = vdp_option(options, "vdp_rka", DEFAULT_RKA, 0, EVB_MAX_EXP),
    };
    cfg->lldp_interval = vdp_option(options, "vdp_lldp_interval",
                                    DEFAULT_LLDP_INTERVAL, 100, 3600000);
    cfg->reply_deadline = vdp_option(options, "vdp_reply_deadline",
                                     DEFAULT_REPLY_DEADLINE, 0, 3600000);
    cfg->hard_errors = smap_get_bool(options, "vdp_hard_errors", false);
}

/* Ports (vdp-port.h). */

static struct vdp_port *
vdp_port_find(const struct vdp_server *s, const char *name)
{
    return vdp_ports_find(&s->ports, name);
}

/* The gate of the answers that vdp_port_queue() queues: whether barrier
 * ticket 'gen' is done, that is, its changes are committed and installed. */
static bool
vdp_gen_done(uint64_t gen, const void *barrier)
{
    return barrier_is_done(barrier, gen);
}

/* Records. */

static struct vdp_rec *
vdp_rec_find(const struct vdp_server *s, const char *id)
{
    struct vdp_rec *rec;

    HMAP_FOR_EACH_WITH_HASH (rec, node, hash_string(id, 0), &s->vsis) {
        if (!strcmp(rec->id, id)) {
            return rec;
        }
    }
    return NULL;
}

static void
vdp_rec_destroy(struct vdp_server *s, struct vdp_rec *rec)
{
    if (rec) {
        hmap_remove(&s->vsis, &rec->node);
        vdp_vsi_destroy(&rec->last);
        free(rec->id);
        free(rec->port);
        free(rec);
    }
}

/* Remembers 'resp' as the last accepted request of VSI 'id' behind 'port'
 * as the station repeats it: with the request's type and status. */
static struct vdp_rec *
vdp_rec_set(struct vdp_server *s, const char *id, const struct vdp_port *port,
            const struct vdp_vsi *rq, const struct vdp_vsi *resp)
{
    struct vdp_rec *rec = vdp_rec_find(s, id);

    if (!rec) {
        rec = xzalloc(sizeof *rec);
        rec->id = xstrdup(id);
        rec->port = xstrdup(port->name);
        hmap_insert(&s->vsis, &rec->node, hash_string(id, 0));
    } else {
        vdp_vsi_destroy(&rec->last);
        if (strcmp(rec->port, port->name)) {
            free(rec->port);
            rec->port = xstrdup(port->name);
        }
    }
    vdp_vsi_clone(&rec->last, resp);
    rec->last.type = rq->type;
    rec->last.status = rq->status & (VDP_STATUS_M | VDP_STATUS_S);
    return rec;
}

/* Requests. */

/* The policy profile that VSI type 'type_id' version 'version' selects:
 * one whose vdp_type_id matches and vdp_type_version matches or is empty,
 * the former first.  NULL if none: then the VN's default profile applies. */
static const char *
vdp_profile_for_type(const struct vsi_ctx *ctx, uint32_t type_id,
                     uint8_t version)
{
    const struct nverec_policy_profile *profile, *any_version = NULL;

    NVEREC_POLICY_PROFILE_FOR_EACH (profile, ctx->nve_idl) {
        if (profile->n_vdp_type_id && *profile->vdp_type_id == type_id) {
            if (!profile->n_vdp_type_version) {
                any_version = profile;
            } else if (*profile->vdp_type_version == version) {
                return profile->name;
            }
        }
    }
    return any_version ? any_version->name : NULL;
}

/* The VN of a filter entry with 'vid' in a format without GroupID: the VN
 * that the operator pinned to 'vid' on the port, else the TES's only VN.
 * Returns 0 if there is none. */
static uint32_t
vdp_vnid_without_group(const struct vdp_port *port, uint16_t vid)
{
    const struct nverec_tes_port *prow = port->port_row;
    for (size_t i = 0; vid && prow && i < prow->n_vid_bindings; i++) {
        if (prow->key_vid_bindings[i] == vid) {
            return prow->value_vid_bindings[i]->vnid;
        }
    }

    const struct nverec_tes *tes = port->tes_row;
    return tes && tes->n_vns == 1 ? tes->vns[0]->vnid : 0;
}

/* The networks of 'vsi' for the VSI table: one per VN, with its MACs and
 * requested VID.  Also gives the VNID of each entry in 'vnids'.  Returns
 * false, with 'status' and '*msg', if they cannot be built. */
struct vdp_networks {
    struct vsi_network *nets;
    size_t n;
    uint32_t *vnids;            /* Per filter entry. */
};

static void
vdp_networks_destroy(struct vdp_networks *vn)
{
    for (size_t i = 0; i < vn->n; i++) {
        free(vn->nets[i].macs);
    }
    free(vn->nets);
    free(vn->vnids);
}

static bool
vdp_networks_build(const struct vsi_ctx *ctx, const struct vdp_port *port,
                   const struct vdp_vsi *vsi, struct vdp_networks *vn,
                   enum vsi_status *status, char **msg)
{
    const char *policy = vdp_profile_for_type(ctx, vsi->type_id,
                                              vsi->type_version);

    vn->nets = xcalloc(MAX(vsi->n_filters, 1), sizeof *vn->nets);
    vn->vnids = xcalloc(MAX(vsi->n_filters, 1), sizeof *vn->vnids);
    vn->n = 0;
    for (size_t i = 0; i < vsi->n_filters; i++) {
        const struct vdp_filter *f = &vsi->filters[i];
        uint16_t vid = vdp_filter_vid(f);
        uint32_t vnid = (vdp_filter_has_group(vsi->filter_format)
                         ? f->group : vdp_vnid_without_group(port, vid));
        if (!vnid) {
            *status = VSI_ST_UNKNOWN_VN;
            *msg = xasprintf("entry %"PRIuSIZE": filter format %s names no "
                             "VN, and VID %"PRIu16" is pinned to none on "
                             "port %s and tes %s has not exactly one VN", i,
                             vdp_filter_format_name(vsi->filter_format), vid,
                             port->name, port->tes);
            return false;
        }
        vn->vnids[i] = vnid;

        struct vsi_network *net = NULL;
        for (size_t k = 0; k < vn->n; k++) {
            if (vn->nets[k].vnid == vnid) {
                net = &vn->nets[k];
            }
        }
        if (!net) {
            if (vn->n >= VSI_MAX_NETWORKS) {
                *status = VSI_ST_INVALID_REQUEST;
                *msg = xasprintf("more than %d VNs", VSI_MAX_NETWORKS);
                return false;
            }
            net = &vn->nets[vn->n++];
            net->vnid = vnid;
            net->macs = xcalloc(MAX(vsi->n_filters, 1), sizeof *net->macs);
            net->policy = CONST_CAST(char *, policy);
        }

        if (vid) {
            if (net->vid && net->vid != vid) {
                *status = VSI_ST_CONFLICT_POLICIES;
                *msg = xasprintf("entries of vnid %"PRIu32" ask for VIDs "
                                 "%"PRIu16" and %"PRIu16, vnid, net->vid,
                                 vid);
                return false;
            }
            net->vid = vid;
        }
        if (vdp_filter_has_mac(vsi->filter_format)) {
            bool dup = false;
            for (size_t k = 0; k < net->n_macs; k++) {
                dup |= eth_addr_equals(net->macs[k], f->mac);
            }
            if (!dup) {
                if (net->n_macs >= VSI_MAX_ADDRS) {
                    *status = VSI_ST_INVALID_REQUEST;
                    *msg = xasprintf("more than %d MACs in vnid %"PRIu32,
                                     VSI_MAX_ADDRS, vnid);
                    return false;
                }
                net->macs[net->n_macs++] = f->mac;
            }
        }
    }
    return true;
}

/* Fills in the VIDs of response 'resp' from the bindings of VSI 'v'. */
static void
vdp_fill_vids(const struct vsi *v, const uint32_t *vnids,
              struct vdp_vsi *resp)
{
    for (size_t i = 0; i < resp->n_filters; i++) {
        struct vdp_filter *f = &resp->filters[i];
        for (size_t k = 0; vnids && k < v->n_bindings; k++) {
            const struct vsi_binding *b = &v->bindings[k];
            if (b->pv->vnid == vnids[i]) {
                f->vid_word = vdp_response_vid_word(f->vid_word, b->pv->vid,
                                                    b->pcp);
                break;
            }
        }
    }
}

/* Handles request 'rq' of the station on 'port' and queues the response. */
static void
vdp_handle_request(struct vdp_server *s, struct vdp_port *port,
                   struct vsi_table *vsis, const struct vsi_ctx *ctx,
                   const struct vdp_vsi *rq)
{
    enum vsi_status status = VSI_ST_SUCCESS;
    struct vdp_networks vn = { .n = 0 };
    char *msg = NULL;
    uint64_t gen = 0;
    char id[VDP_VSIID_STRLEN];

    if (VLOG_IS_DBG_ENABLED()) {
        struct ds ds = DS_EMPTY_INITIALIZER;
        vdp_vsi_format(rq, &ds);
        VLOG_DBG("port %s: received %s", port->name, ds_cstr(&ds));
        ds_destroy(&ds);
    }
    if (rq->status & VDP_STATUS_ACK) {
        VLOG_WARN_RL(&rl, "port %s: ignoring a %s TLV with the Req/Ack bit "
                     "set: a station sends requests only", port->name,
                     vdp_tlv_type_name(rq->type));
        return;
    }

    bool valid_id = vdp_vsiid_to_string(rq->vsiid_format, rq->vsiid, id);
    if (rq->error) {
        /* Echoed with its error: the station matches it to its request. */
        struct vdp_vsi resp;
        vdp_vsi_response(rq, (VDP_STATUS_ACK
                              | (s->cfg.hard_errors ? VDP_STATUS_HARD : 0)
                              | rq->error),
                         &resp);
        VLOG_INFO_RL(&rl, "port %s: refusing %s of vsi %s: %s", port->name,
                     vdp_tlv_type_name(rq->type), valid_id ? id : "?",
                     rq->error_msg);
        vdp_port_queue(port, 0, &resp);
        vdp_vsi_destroy(&resp);
        return;
    }

    struct vdp_rec *rec = vdp_rec_find(s, id);
    const struct vsi *v = vsi_table_find(vsis, id);
    struct vdp_events ev;
    vdp_request_events(rq, rec ? &rec->last : NULL,
                       v ? v->state : VSI_ABSENT, &ev);

    if (!port->tes) {
        status = VSI_ST_FAILED_AUTHORIZATION;
        msg = xasprintf("port %s: %s", port->name, port->tes_problem);
    } else if (rq->type != VDP_TLV_DEASSOC
               && !vdp_networks_build(ctx, port, rq, &vn, &status, &msg)) {
        /* 'status' and 'msg' say why. */
    } else {
        struct vsi_request vrq = {
            .protocol = VSI_PROTO_VDP,
            .tes = port->tes,
            .vsi = id,
            .port = port->name,
            .networks = vn.nets,
            .n_networks = vn.n,
        };
        for (size_t i = 0; i < ev.n; i++) {
            struct vsi_outcome o;

            vrq.event = ev.events[i];
            vsi_table_request(vsis, &vrq, &o);
            status = o.status;
            gen = MAX(gen, o.ticket);
            if (o.status != VSI_ST_SUCCESS) {
                msg = o.message;
                o.message = NULL;
                vsi_outcome_destroy(&o);
                break;
            }
            vsi_outcome_destroy(&o);
        }
    }

    v = vsi_table_find(vsis, id);
    struct vdp_vsi resp;
    vdp_vsi_response(rq, vdp_response_status(status, v != NULL,
                                              s->cfg.hard_errors), &resp);
    if (status == VSI_ST_SUCCESS) {
        if (v && rq->type != VDP_TLV_DEASSOC) {
            vdp_fill_vids(v, vn.vnids, &resp);
            rec = vdp_rec_set(s, id, port, rq, &resp);
        } else {
            vdp_rec_destroy(s, rec);
            rec = NULL;
        }
    } else {
        VLOG_INFO_RL(&rl, "port %s: %s of vsi %s refused: %s (%s)",
                     port->name, vdp_tlv_type_name(rq->type), id,
                     vsi_status_name(status), msg ? msg : "");
        if (!v) {
            vdp_rec_destroy(s, rec);
            rec = NULL;
        }
    }
    if (rec) {
        rec->last_heard = time_msec();
        rec->n_requests++;
        rec->n_keepalives += ev.n == 1 && ev.events[0] == VSIE_KEEPALIVE;
    }
    if (gen && s->cfg.reply_deadline) {
        /* If the change cannot be confirmed in time (the NVE database or
         * the switch does not answer), the station hears BUSY rather than
         * nothing, and retries. */
        struct vdp_vsi busy;
        vdp_vsi_response(rq, vdp_response_status(VSI_ST_BUSY, v != NULL,
                                                  s->cfg.hard_errors),
                         &busy);
        vdp_port_queue_fallback(port, gen, &resp,
                                time_msec() + s->cfg.reply_deadline, &busy);
        vdp_vsi_destroy(&busy);
    } else {
        vdp_port_queue(port, gen, &resp);
    }

    vdp_vsi_destroy(&resp);
    vdp_networks_destroy(&vn);
    free(msg);
}

/* Handles the VDPDU in the 'size' bytes at 'data' from the station on
 * 'port'. */
static void
vdp_handle_vdpdu(struct vdp_server *s, struct vdp_port *port,
                 struct vsi_table *vsis, const struct vsi_ctx *ctx,
                 const uint8_t *data, size_t size)
{
    struct vdpdu pdu;
    char *error = vdpdu_decode(data, size, &pdu);

    if (error) {
        port->n_rx_errors++;
        VLOG_WARN_RL(&rl, "port %s: dropping VDPDU: %s", port->name, error);
        free(error);
        return;
    }
    for (size_t i = 0; i < pdu.n_ouis; i++) {
        const struct vdp_oui_tlv *oui = &pdu.ouis[i];
        VLOG_INFO_RL(&rl, "port %s: ignoring OUI %02x-%02x-%02x TLV "
                     "(subtype 0x%02"PRIx8", %"PRIuSIZE" bytes)", port->name,
                     oui->oui[0], oui->oui[1], oui->oui[2], oui->subtype,
                     oui->len);
    }
    for (size_t i = 0; i < pdu.n_vsis; i++) {
        vdp_handle_request(s, port, vsis, ctx, &pdu.vsis[i]);
    }
    vdpdu_destroy(&pdu);
}

/* Receiving. */

static void
vdp_port_receive_ecp(struct vdp_server *s, struct vdp_port *port,
                     struct vsi_table *vsis, const struct vsi_ctx *ctx,
                     const struct ofctrl_packet_in *pin)
{
    struct ecpdu ecp;
    enum ecp_rx_result rx = ecp_agent_receive(port->ecp, pin->packet,
                                              pin->size, pin->received,
                                              &ecp);
    if (rx == ECP_RX_INVALID) {
        return;
    }
    evb_agent_heard_ecp(port->evb, ecp.src);
    if (rx != ECP_RX_DELIVER) {
        return;
    }

    if (ecp.subtype != ECP_SUBTYPE_VDP) {
        VLOG_INFO_RL(&rl, "port %s: ignoring ECP subtype %"PRIu16" (only "
                     "VDP is spoken)", port->name, ecp.subtype);
        return;
    }
    if (!vsi_table_is_ready(vsis)) {
        /* Handled once the VSIs are loaded. */
        if (s->n_deferred >= MAX_DEFERRED) {
            VLOG_WARN_RL(&rl, "port %s: dropping VDPDU: VSIs not loaded "
                         "yet", port->name);
            return;
        }
        struct vdp_deferred *d = xmalloc(sizeof *d + ecp.payload_len);
        d->port = xstrdup(port->name);
        d->size = ecp.payload_len;
        memcpy(d->data, ecp.payload, ecp.payload_len);
        ovs_list_push_back(&s->deferred, &d->node);
        s->n_deferred++;
        return;
    }
    vdp_handle_vdpdu(s, port, vsis, ctx, ecp.payload, ecp.payload_len);
}

static void
vdp_receive(struct vdp_server *s, struct vsi_table *vsis,
            const struct vsi_ctx *ctx)
{
    struct ovs_list pins = OVS_LIST_INITIALIZER(&pins);
    struct ofctrl_packet_in *pin;

    ofctrl_recv_packet_ins(FLOW_OWNER_VDP, &pins);
    LIST_FOR_EACH_POP (pin, list_node, &pins) {
        struct vdp_port *port = (s->cfg.enabled
                                 ? vdp_ports_find_by_ofport(&s->ports,
                                                            pin->in_port)
                                 : NULL);
        if (port && pin->cookie == port->cookie && pin->size >= 14) {
            uint16_t eth_type = (pin->packet[12] << 8) | pin->packet[13];
            if (eth_type == LLDP_ETH_TYPE) {
                evb_agent_receive_lldp(port->evb, pin->packet, pin->size);
            } else {
                vdp_port_receive_ecp(s, port, vsis, ctx, pin);
            }
        }
        free(pin);
    }
}

/* The NVE's own removals and changes. */

/* Whether the station that holds VSI 'v' (NULL if the NVE does not), to
 * which the NVE last responded 'last', takes the VSI's VIDs and PCPs as
 * they are now from the response to its next keep-alive, which carries
 * them (vdp_response_vid_word()).  lldpad (qbg/vdp22sm.c, cmp_fdata1())
 * drops a VSI whose response has another VID than it holds in any entry,
 * or, in an entry where it holds a PCP (PS bit), another PS, PCP or VID;
 * it takes the response's word otherwise.  So a station takes a PCP for
 * an entry that has none, and nothing else.  The VSI's bindings are
 * behind one port, where each VN has its own VID: an entry is the
 * binding's whose VID it has. */
static bool
vdp_station_takes_change(const struct vsi *v, const struct vdp_vsi *last)
{
    if (!v) {
        return false;
    }
    for (size_t i = 0; i < last->n_filters; i++) {
        uint16_t word = last->filters[i].vid_word;
        const struct vsi_binding *b = NULL;

        for (size_t k = 0; k < v->n_bindings && !b; k++) {
            if (v->bindings[k].pv->vid == (word & VDP_VID_MASK)) {
                b = &v->bindings[k];
            }
        }
        if (!b) {
            return false;
        }
        int pcp = (word & VDP_PS
                   ? (word & VDP_PCP_MASK) >> VDP_PCP_SHIFT : -1);
        if (pcp != b->pcp && pcp >= 0) {
            return false;
        }
    }
    return true;
}

static void
vdp_notifications_run(struct vdp_server *s, struct vsi_table *vsis,
                      const struct vsi_ctx *ctx)
{
    struct ovs_list list = OVS_LIST_INITIALIZER(&list);
    struct vsi_notification *n;

    vsi_table_pop_notifications(vsis, VSI_PROTO_VDP, &list);
    LIST_FOR_EACH_POP (n, node, &list) {
        if (!strcmp(n->method, "activated")) {
            /* VDP has no word for it: the station's next ASSOC finds the
             * VSI associated already. */
            VLOG_INFO("vsi %s (tes %s): activated by its first frame",
                      n->vsi, n->tes);
            vsi_notification_destroy(n);
            continue;
        }

        struct vdp_rec *rec = s->cfg.enabled ? vdp_rec_find(s, n->vsi) : NULL;
        struct vdp_port *port = rec ? vdp_port_find(s, rec->port) : NULL;

        if (port && !strcmp(n->method, "local_change")
            && vdp_station_takes_change(vsi_table_find(vsis, n->vsi),
                                        &rec->last)) {
            /* No traffic lost: the station's next keep-alive gets it. */
            s->n_changes_in_place++;
            VLOG_INFO("vsi %s (tes %s): local_change: the station on port "
                      "%s gets it in its next keep-alive response", n->vsi,
                      n->tes, port->name);
            vsi_notification_destroy(n);
            continue;
        }
        if (!port) {
            s->n_deassocs_unknown++;
            VLOG_INFO("vsi %s (tes %s): %s (%s), but no VDP station is known "
                      "to hold it", n->vsi, n->tes, n->method,
                      n->reason ? n->reason : "-");
        } else {
            /* The station must drop the VSI, once its removal is durable
             * and installed.  A VSI whose VID or PCP changed in a way that
             * the station does not take in a response is de-associated too
             * and terminated, so that the station's next association gets
             * the new VID and PCP. */
            struct vdp_vsi deassoc;
            vdp_vsi_deassoc(&rec->last, &deassoc);
            vdp_port_queue(port, n->ticket, &deassoc);
            vdp_vsi_destroy(&deassoc);
            s->n_deassocs_sent++;
            VLOG_INFO("vsi %s (tes %s): %s (%s): de-associating it at the "
                      "station on port %s", n->vsi, n->tes, n->method,
                      n->reason ? n->reason : "local VID or PCP changed",
                      port->name);

            if (!strcmp(n->method, "local_change")) {
                struct vsi_request vrq = {
                    .event = VSIE_TERMINATE,
                    .protocol = VSI_PROTO_VDP,
                    .tes = n->tes,
                    .vsi = n->vsi,
                };
                struct vsi_outcome o;
                vsi_table_request(vsis, &vrq, &o);
                vsi_outcome_destroy(&o);
            }
        }
        vdp_rec_destroy(s, rec);
        vsi_notification_destroy(n);
    }
}

/* The main loop. */

struct vdp_server *
vdp_server_create(void)
{
    struct vdp_server *s = xzalloc(sizeof *s);

    vdp_ports_init(&s->ports);
    hmap_init(&s->vsis);
    ovs_list_init(&s->deferred);
    vdp_config_read(NULL, &s->cfg);
    ofctrl_packet_in_subscribe(FLOW_OWNER_VDP);
    return s;
}

static void
vdp_server_clear(struct vdp_server *s, struct flow_table *flows)
{
    vdp_ports_clear(&s->ports, flows);

    struct vdp_rec *rec;
    HMAP_FOR_EACH_SAFE (rec, node, &s->vsis) {
        vdp_rec_destroy(s, rec);
    }

    struct vdp_deferred *d;
    LIST_FOR_EACH_POP (d, node, &s->deferred) {
        free(d->port);
        free(d);
    }
    s->n_deferred = 0;
}

void
vdp_server_destroy(struct vdp_server *s)
{
    if (s) {
        /* The flows stay in the switch, as every module's do when the
         * controller exits. */
        vdp_server_clear(s, NULL);
        vdp_ports_destroy(&s->ports);
        hmap_destroy(&s->vsis);
        free(s);
    }
}

void
vdp_server_register_ovs_idl(struct ovsdb_idl *idl)
{
    ovsdb_idl_add_table(idl, &ovsrec_table_bridge);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_ports);
    ovsdb_idl_add_table(idl, &ovsrec_table_port);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_interfaces);
    ovsdb_idl_add_table(idl, &ovsrec_table_interface);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_ofport);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_mac_in_use);
}

void
vdp_server_run(struct vdp_server *s, struct vsi_table *vsis,
               const struct vsi_ctx *ctx, const struct ovsrec_bridge *br_int,
               struct flow_table *flows)
{
    struct vdp_config cfg;
    vdp_config_read(ctx->global, &cfg);
    if (cfg.enabled != s->cfg.enabled) {
        VLOG_INFO("VDP %s", cfg.enabled ? "enabled" : "disabled");
    }
    s->cfg = cfg;

    if (!s->cfg.enabled) {
        vdp_server_clear(s, flows);
    } else if (ovsdb_idl_has_ever_connected(ctx->nve_idl)) {
        vdp_ports_run(&s->ports, ctx->nve_idl, br_int, flows, &s->cfg.evb,
                      s->cfg.lldp_interval);
    }

    /* Always taken, so that none accumulate while VDP is off. */
    vdp_notifications_run(s, vsis, ctx);

    if (vsi_table_is_ready(vsis)) {
        struct vdp_deferred *d;
        LIST_FOR_EACH_POP (d, node, &s->deferred) {
            struct vdp_port *port = vdp_port_find(s, d->port);
            if (port) {
                vdp_handle_vdpdu(s, port, vsis, ctx, d->data, d->size);
            }
            free(d->port);
            free(d);
        }
        s->n_deferred = 0;
    }
    vdp_receive(s, vsis, ctx);

    /* The rows are not to be used after this round. */
    struct vdp_port *port;
    HMAP_FOR_EACH (port, name_node, &s->ports.by_name) {
        port->tes_row = NULL;
        port->port_row = NULL;
    }
}

void
vdp_server_flush(struct vdp_server *s, const struct barrier *barrier)
{
    vdp_ports_flush(&s->ports, vdp_gen_done, barrier);
}

void
vdp_server_wait(const struct vdp_server *s)
{
    vdp_ports_wait(&s->ports);
}

/* Introspection. */

static int
compare_rec_ids(const void *a_, const void *b_)
{
    const struct vdp_rec *const *a = a_;
    const struct vdp_rec *const *b = b_;
    return strcmp((*a)->id, (*b)->id);
}

void
vdp_server_format(const struct vdp_server *s, struct ds *ds)
{
    ds_put_format(ds, "vdp: %s\n", s->cfg.enabled ? "enabled" : "disabled");
    ds_put_cstr(ds, "advertised: ");
    evb_tlv_format(&s->cfg.evb, ds);
    ds_put_format(ds, "\nlldp interval: %lld ms\n", s->cfg.lldp_interval);
    ds_put_format(ds, "unsolicited DE-ASSOCs: %"PRIu64" sent, %"PRIu64
                  " for VSIs of no known station\n", s->n_deassocs_sent,
                  s->n_deassocs_unknown);
    ds_put_format(ds, "local changes left to keep-alive responses: %"PRIu64
                  "\n", s->n_changes_in_place);

    vdp_ports_format(&s->ports, ds);

    size_t n = hmap_count(&s->vsis);
    const struct vdp_rec **recs = xcalloc(MAX(n, 1), sizeof *recs);
    const struct vdp_rec *rec;
    size_t i = 0;
    HMAP_FOR_EACH (rec, node, &s->vsis) {
        recs[i++] = rec;
    }
    qsort(recs, n, sizeof *recs, compare_rec_ids);
    ds_put_format(ds, "vsis: %"PRIuSIZE"\n", n);
    for (i = 0; i < n; i++) {
        rec = recs[i];
        ds_put_format(ds, "vsi %s: port %s, %"PRIu64" requests, %"PRIu64
                      " keep-alives, last %lld ms ago\n  ", rec->id,
                      rec->port, rec->n_requests, rec->n_keepalives,
                      time_msec() - rec->last_heard);
        vdp_vsi_format(&rec->last, ds);
        ds_put_char(ds, '\n');
    }
    free(recs);
}
