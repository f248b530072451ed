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

#ifndef NVE_ECP_H
#define NVE_ECP_H 1

/* ECP, the Edge Control Protocol of IEEE 802.1Qbg-2012 (clause 43): the
 * acknowledged, sequenced transport between a station and its adjacent
 * bridge that carries VDP.
 *
 * An ECPDU is an Ethernet frame to the nearest customer bridge group address
 * with ethertype 0x8940, a 4-byte header and the upper-layer data.  The
 * receiver of a REQUEST answers with an ACK that repeats the sequence
 * number; the sender retransmits until it is acknowledged.
 *
 * This module is the codec and nothing else: no I/O, no globals. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "packets.h"

struct ds;
struct ofpbuf;

#define ECP_ETH_TYPE 0x8940         /* IEEE 802.1Qbg-2012 ECP. */
#define ECP_DRAFT_ETH_TYPE 0x88b7   /* Draft 0.2 ECP (OUI-extended), which
                                     * nve-controller does not speak. */
#define ECP_VERSION 1

/* The nearest customer bridge group address: the destination of every
 * ECPDU, in both directions, and of the LLDPDUs that carry the EVB TLV. */
static const struct eth_addr ecp_eth_dst OVS_UNUSED
    = ETH_ADDR_C(01,80,c2,00,00,00);

enum ecp_op {
    ECP_OP_REQUEST = 0,
    ECP_OP_ACK = 1,
};

/* Upper-layer protocols ("subtypes"). */
#define ECP_SUBTYPE_VDP 1
#define ECP_SUBTYPE_PECSP 2         /* Port Extender CSP; not spoken. */

/* The ECP header, right after the Ethernet header. */
struct ecp_header {
    ovs_be16 ver_op_subtype;        /* Version (top 4 bits), operation type
                                     * (2 bits, enum ecp_op), subtype
                                     * (low 10 bits). */
    ovs_be16 seq;                   /* Sequence number. */
};
BUILD_ASSERT_DECL(sizeof(struct ecp_header) == 4);

/* The most upper-layer data in one ECPDU: an untagged 1500-byte frame. */
#define ECP_MAX_PAYLOAD (1500 - sizeof(struct ecp_header))

/* A decoded ECPDU. */
struct ecpdu {
    struct eth_addr src;            /* Sender's MAC address. */
    enum ecp_op op;
    uint16_t subtype;
    uint16_t seq;
    const uint8_t *payload;         /* Upper-layer data (for an ACK, only
                                     * the padding of a short frame), in
                                     * the frame that was decoded. */
    size_t payload_len;
};

/* Decodes the Ethernet frame of 'size' bytes at 'frame' as an ECPDU.  On
 * success returns NULL; otherwise returns a message that says what is wrong
 * (the caller frees it) and leaves '*pdu' unspecified.  Never reads outside
 * 'frame'. */
char *ecp_decode(const void *frame, size_t size, struct ecpdu *pdu)
    OVS_WARN_UNUSED_RESULT;

/* Appends to 'b' an Ethernet frame from 'src' to ecp_eth_dst that carries
 * an ECPDU with 'op', 'subtype', 'seq' and the 'len' bytes of 'payload'.
 * The frame is not padded. */
void ecp_encode(struct ofpbuf *b, struct eth_addr src, enum ecp_op op,
                uint16_t subtype, uint16_t seq,
                const void *payload, size_t len);

/* The sequence number after 'seq'.  0 is skipped: a sender starts at a
 * nonzero number and never uses 0, so that 0 can mean "none yet". */
static inline uint16_t
ecp_seq_next(uint16_t seq)
{
    return seq == UINT16_MAX ? 1 : seq + 1;
}

const char *ecp_op_to_string(enum ecp_op);

/* Appends "ECP REQUEST seq=N subtype=VDP (L bytes)" or similar to 's'. */
void ecp_format(const struct ecpdu *, struct ds *s);

#endif /* ecp.h */
