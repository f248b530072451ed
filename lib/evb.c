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

/* The EVB TLV and LLDPDU codec (evb.h): the LLDP frames in which a station
 * and nve-controller's VDP front end (controller/vdp-server.c) agree on
 * their roles and on the timers of ECP and VDP, decoded, encoded and
 * formatted for logs and tests. */

#include <config.h>
#include "evb.h"

#include <string.h>
#include "byte-order.h"
#include "ecp.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

/* LLDP TLV types. */
#define LLDP_TLV_END 0
#define LLDP_TLV_CHASSIS_ID 1
#define LLDP_TLV_PORT_ID 2
#define LLDP_TLV_TTL 3
#define LLDP_TLV_ORG 127

/* Chassis ID and port ID subtypes. */
#define LLDP_CHASSIS_ID_MAC 4
#define LLDP_PORT_ID_MAC 3

#define LLDP_TTL_LEN 2
#define EVB_TLV_LEN (sizeof(struct evb_tlv_wire) - 2)
#define EVB_SUBTYPE 0x0d
static const uint8_t ieee8021_oui[3] = { 0x00, 0x80, 0xc2 };

/* Bits of struct evb_tlv_wire. */
#define EVB_BGID 0x04
#define EVB_RRCAP 0x02
#define EVB_RRCTR 0x01
#define EVB_SGID 0x08
#define EVB_RRREQ 0x04
#define EVB_RRSTAT_MASK 0x03
#define EVB_EXP_MASK 0x1f
#define EVB_ROL 0x20
#define EVB_R_SHIFT 5
#define EVB_MODE_SHIFT 6

#define ETH_MIN_FRAME 60

static void
lldp_tlv_header_put(uint8_t header[2], unsigned int type, unsigned int len)
{
    header[0] = (type << 1) | (len >> 8);
    header[1] = len & 0xff;
}

static void
evb_tlv_from_wire(const struct evb_tlv_wire *w, struct evb_tlv *evb)
{
    evb->bgid = (w->bridge_status & EVB_BGID) != 0;
    evb->rrcap = (w->bridge_status & EVB_RRCAP) != 0;
    evb->rrctr = (w->bridge_status & EVB_RRCTR) != 0;
    evb->sgid = (w->station_status & EVB_SGID) != 0;
    evb->rrreq = (w->station_status & EVB_RRREQ) != 0;
    evb->rrstat = w->station_status & EVB_RRSTAT_MASK;
    evb->r = w->r_rte >> EVB_R_SHIFT;
    evb->rte = w->r_rte & EVB_EXP_MASK;
    evb->mode = w->mode_rol_rwd >> EVB_MODE_SHIFT;
    evb->rol_rwd = (w->mode_rol_rwd & EVB_ROL) != 0;
    evb->rwd = w->mode_rol_rwd & EVB_EXP_MASK;
    evb->rol_rka = (w->rol_rka & EVB_ROL) != 0;
    evb->rka = w->rol_rka & EVB_EXP_MASK;
}

static void
evb_tlv_to_wire(const struct evb_tlv *evb, struct evb_tlv_wire *w)
{
    memset(w, 0, sizeof *w);
    lldp_tlv_header_put(w->header, LLDP_TLV_ORG, EVB_TLV_LEN);
    memcpy(w->oui, ieee8021_oui, sizeof w->oui);
    w->subtype = EVB_SUBTYPE;
    w->bridge_status = ((evb->bgid ? EVB_BGID : 0)
                        | (evb->rrcap ? EVB_RRCAP : 0)
                        | (evb->rrctr ? EVB_RRCTR : 0));
    w->station_status = ((evb->sgid ? EVB_SGID : 0)
                         | (evb->rrreq ? EVB_RRREQ : 0)
                         | (evb->rrstat & EVB_RRSTAT_MASK));
    w->r_rte = (MIN(evb->r, EVB_MAX_R) << EVB_R_SHIFT)
               | MIN(evb->rte, EVB_MAX_EXP);
    w->mode_rol_rwd = ((evb->mode & 0x3) << EVB_MODE_SHIFT)
                      | (evb->rol_rwd ? EVB_ROL : 0)
                      | MIN(evb->rwd, EVB_MAX_EXP);
    w->rol_rka = (evb->rol_rka ? EVB_ROL : 0) | MIN(evb->rka, EVB_MAX_EXP);
}

char *
evb_lldpdu_decode(const void *frame, size_t size, struct evb_lldpdu *pdu)
{
    const uint8_t *p = frame;
    struct eth_header eth;

    if (size < sizeof eth) {
        return xasprintf("truncated Ethernet header (%"PRIuSIZE" bytes)",
                         size);
    }
    memcpy(&eth, p, sizeof eth);
    if (eth.eth_type != htons(LLDP_ETH_TYPE)) {
        return xasprintf("ethertype 0x%04"PRIx16" is not LLDP",
                         ntohs(eth.eth_type));
    }

    memset(pdu, 0, sizeof *pdu);
    pdu->src = eth.eth_src;

    size_t ofs = sizeof eth;
    for (int i = 0; ; i++) {
        if (size - ofs < 2) {
            return xasprintf("LLDP TLV header at offset %"PRIuSIZE" is "
                             "truncated (no End TLV)", ofs);
        }
        unsigned int type = p[ofs] >> 1;
        unsigned int len = ((p[ofs] & 1) << 8) | p[ofs + 1];
        const uint8_t *value = &p[ofs + 2];
        if (len > size - ofs - 2) {
            return xasprintf("LLDP TLV type %u at offset %"PRIuSIZE" has "
                             "length %u but only %"PRIuSIZE" bytes follow",
                             type, ofs, len, size - ofs - 2);
        }

        /* The first three TLVs are mandatory, in this order. */
        static const unsigned int mandatory[] = {
            LLDP_TLV_CHASSIS_ID, LLDP_TLV_PORT_ID, LLDP_TLV_TTL
        };
        if (i < ARRAY_SIZE(mandatory) && type != mandatory[i]) {
            return xasprintf("LLDP TLV %d has type %u, not %u", i + 1, type,
                             mandatory[i]);
        }

        switch (type) {
        case LLDP_TLV_END:
            if (len) {
                return xasprintf("LLDP End TLV at offset %"PRIuSIZE" has "
                                 "length %u", ofs, len);
            }
            return NULL;

        case LLDP_TLV_CHASSIS_ID:
        case LLDP_TLV_PORT_ID:
            if (len < 2 || len > 256) {
                return xasprintf("LLDP %s TLV has length %u (2 to 256)",
                                 type == LLDP_TLV_PORT_ID ? "port ID"
                                 : "chassis ID", len);
            }
            if (i >= ARRAY_SIZE(mandatory)) {
                return xasprintf("LLDP TLV type %u repeated at offset "
                                 "%"PRIuSIZE, type, ofs);
            }
            break;

        case LLDP_TLV_TTL:
            if (len != LLDP_TTL_LEN) {
                return xasprintf("LLDP TTL TLV has length %u, not %d", len,
                                 LLDP_TTL_LEN);
            }
            if (i >= ARRAY_SIZE(mandatory)) {
                return xasprintf("LLDP TLV type %u repeated at offset "
                                 "%"PRIuSIZE, type, ofs);
            }
            pdu->ttl = (value[0] << 8) | value[1];
            break;

        case LLDP_TLV_ORG:
            if (len >= 4 && !memcmp(value, ieee8021_oui, 3)
                && value[3] == EVB_SUBTYPE) {
                if (len != EVB_TLV_LEN) {
                    return xasprintf("EVB TLV has length %u, not %"PRIuSIZE,
                                     len, EVB_TLV_LEN);
                }
                if (pdu->has_evb) {
                    return xstrdup("more than one EVB TLV");
                }
                struct evb_tlv_wire w;
                memcpy(&w, &p[ofs], sizeof w);
                evb_tlv_from_wire(&w, &pdu->evb);
                pdu->has_evb = true;
            }
            break;

        default:
            /* Other TLVs are of no concern here. */
            break;
        }
        ofs += 2 + len;
    }
}

void
evb_lldpdu_encode(struct ofpbuf *b, struct eth_addr src, uint16_t ttl,
                  const struct evb_tlv *evb)
{
    size_t start = b->size;

    struct eth_header *eth = ofpbuf_put_uninit(b, sizeof *eth);
    eth->eth_dst = ecp_eth_dst;
    eth->eth_src = src;
    eth->eth_type = htons(LLDP_ETH_TYPE);

    /* Chassis ID and port ID: our MAC address. */
    static const struct {
        unsigned int type;
        uint8_t subtype;
    } ids[] = {
        { LLDP_TLV_CHASSIS_ID, LLDP_CHASSIS_ID_MAC },
        { LLDP_TLV_PORT_ID, LLDP_PORT_ID_MAC },
    };
    for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
        uint8_t *tlv = ofpbuf_put_uninit(b, 3 + ETH_ADDR_LEN);
        lldp_tlv_header_put(tlv, ids[i].type, 1 + ETH_ADDR_LEN);
        tlv[2] = ids[i].subtype;
        memcpy(&tlv[3], src.ea, ETH_ADDR_LEN);
    }

    uint8_t *tlv = ofpbuf_put_uninit(b, 2 + LLDP_TTL_LEN);
    lldp_tlv_header_put(tlv, LLDP_TLV_TTL, LLDP_TTL_LEN);
    tlv[2] = ttl >> 8;
    tlv[3] = ttl & 0xff;

    struct evb_tlv_wire w;
    evb_tlv_to_wire(evb, &w);
    ofpbuf_put(b, &w, sizeof w);

    ofpbuf_put_zeros(b, 2);     /* End TLV. */
    if (b->size - start < ETH_MIN_FRAME) {
        ofpbuf_put_zeros(b, ETH_MIN_FRAME - (b->size - start));
    }
}

void
evb_tlv_format(const struct evb_tlv *evb, struct ds *s)
{
    ds_put_format(s, "mode=%s",
                  evb->mode == EVB_MODE_BRIDGE ? "bridge"
                  : evb->mode == EVB_MODE_STATION ? "station"
                  : "invalid");
    ds_put_format(s, " bgid=%d rrcap=%d rrctr=%d sgid=%d rrreq=%d "
                  "rrstat=%d r=%d rte=%d rwd=%d%s rka=%d%s",
                  evb->bgid, evb->rrcap, evb->rrctr, evb->sgid, evb->rrreq,
                  evb->rrstat, evb->r, evb->rte, evb->rwd,
                  evb->rol_rwd ? "(remote)" : "", evb->rka,
                  evb->rol_rka ? "(remote)" : "");
}

void
evb_lldpdu_format(const struct evb_lldpdu *pdu, struct ds *s)
{
    ds_put_format(s, "LLDP from "ETH_ADDR_FMT" ttl=%"PRIu16,
                  ETH_ADDR_ARGS(pdu->src), pdu->ttl);
    if (pdu->has_evb) {
        ds_put_cstr(s, " EVB ");
        evb_tlv_format(&pdu->evb, s);
    } else {
        ds_put_cstr(s, " without EVB TLV");
    }
}
