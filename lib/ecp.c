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

/* The ECP codec (ecp.h): ECPDUs from and to Ethernet frames, and their
 * textual form for logs and tests.  nve-controller's VDP front end
 * (controller/vdp-server.c) receives and sends them through OpenFlow
 * packet-in and packet-out; the VDPDUs they carry are lib/vdp.c's. */

#include <config.h>
#include "ecp.h"

#include <string.h>
#include "byte-order.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

#define ECP_VERSION_SHIFT 12
#define ECP_OP_SHIFT 10
#define ECP_OP_MASK 0x3
#define ECP_SUBTYPE_MASK 0x3ff

char *
ecp_decode(const void *frame, size_t size, struct ecpdu *pdu)
{
    const uint8_t *p = frame;
    struct eth_header eth;
    struct ecp_header h;

    if (size < sizeof eth) {
        return xasprintf("truncated Ethernet header (%"PRIuSIZE" bytes)",
                         size);
    }
    memcpy(&eth, p, sizeof eth);
    if (eth.eth_type == htons(ECP_DRAFT_ETH_TYPE)) {
        return xstrdup("draft 0.2 ECP (ethertype 0x88b7) is not supported");
    } else if (eth.eth_type != htons(ECP_ETH_TYPE)) {
        return xasprintf("ethertype 0x%04"PRIx16" is not ECP",
                         ntohs(eth.eth_type));
    }
    if (!eth_addr_equals(eth.eth_dst, ecp_eth_dst)) {
        return xasprintf("destination "ETH_ADDR_FMT" is not the nearest "
                         "customer bridge address",
                         ETH_ADDR_ARGS(eth.eth_dst));
    }
    if (size < sizeof eth + sizeof h) {
        return xasprintf("truncated ECP header (%"PRIuSIZE" bytes)",
                         size - sizeof eth);
    }
    memcpy(&h, p + sizeof eth, sizeof h);

    uint16_t vos = ntohs(h.ver_op_subtype);
    int version = vos >> ECP_VERSION_SHIFT;
    int op = (vos >> ECP_OP_SHIFT) & ECP_OP_MASK;
    if (version != ECP_VERSION) {
        return xasprintf("ECP version %d is not %d", version, ECP_VERSION);
    }
    if (op != ECP_OP_REQUEST && op != ECP_OP_ACK) {
        return xasprintf("ECP operation type %d is neither REQUEST (0) nor "
                         "ACK (1)", op);
    }

    pdu->src = eth.eth_src;
    pdu->op = op;
    pdu->subtype = vos & ECP_SUBTYPE_MASK;
    pdu->seq = ntohs(h.seq);
    pdu->payload = p + sizeof eth + sizeof h;
    pdu->payload_len = size - sizeof eth - sizeof h;
    return NULL;
}

void
ecp_encode(struct ofpbuf *b, struct eth_addr src, enum ecp_op op,
           uint16_t subtype, uint16_t seq, const void *payload, size_t len)
{
    struct eth_header *eth = ofpbuf_put_uninit(b, sizeof *eth);
    eth->eth_dst = ecp_eth_dst;
    eth->eth_src = src;
    eth->eth_type = htons(ECP_ETH_TYPE);

    struct ecp_header h = {
        .ver_op_subtype = htons((ECP_VERSION << ECP_VERSION_SHIFT)
                                | ((op & ECP_OP_MASK) << ECP_OP_SHIFT)
                                | (subtype & ECP_SUBTYPE_MASK)),
        .seq = htons(seq),
    };
    ofpbuf_put(b, &h, sizeof h);
    if (len) {
        ofpbuf_put(b, payload, len);
    }
}

const char *
ecp_op_to_string(enum ecp_op op)
{
    switch (op) {
    case ECP_OP_REQUEST:
        return "REQUEST";
    case ECP_OP_ACK:
        return "ACK";
    }
    return "<unknown>";
}

void
ecp_format(const struct ecpdu *pdu, struct ds *s)
{
    ds_put_format(s, "ECP %s seq=%"PRIu16, ecp_op_to_string(pdu->op),
                  pdu->seq);
    switch (pdu->subtype) {
    case ECP_SUBTYPE_VDP:
        ds_put_cstr(s, " subtype=VDP");
        break;
    case ECP_SUBTYPE_PECSP:
        ds_put_cstr(s, " subtype=PE-CSP");
        break;
    default:
        ds_put_format(s, " subtype=%"PRIu16, pdu->subtype);
        break;
    }
    if (pdu->op == ECP_OP_REQUEST) {
        ds_put_format(s, " (%"PRIuSIZE" bytes)", pdu->payload_len);
    }
}
