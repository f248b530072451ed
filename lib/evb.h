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

#ifndef NVE_EVB_H
#define NVE_EVB_H 1

/* The EVB TLV of IEEE 802.1Qbg-2012 (D.2.13) and the LLDPDU that carries
 * it: how a station and its bridge agree on their roles, on group IDs and
 * on the timers of ECP and VDP.
 *
 * Each side advertises exponents; a timer is 10 us * 2^exponent, and both
 * sides use the larger of the two advertised values.  So a bridge can make
 * the station wait longer for it (a slow, userspace bridge advertises a
 * large RTE), never shorter.
 *
 * This module is the codec and nothing else: no I/O, no globals. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "packets.h"

struct ds;
struct ofpbuf;

#define LLDP_ETH_TYPE 0x88cc

/* EVB modes. */
#define EVB_MODE_BRIDGE 1
#define EVB_MODE_STATION 2

/* Largest values of the fields. */
#define EVB_MAX_R 7                 /* 3 bits. */
#define EVB_MAX_EXP 31              /* 5 bits: RTE, RWD, RKA. */

/* The EVB TLV on the wire: an LLDP organizationally specific TLV. */
struct evb_tlv_wire {
    uint8_t header[2];              /* LLDP TLV type 127, length 9. */
    uint8_t oui[3];                 /* 00-80-C2, IEEE 802.1. */
    uint8_t subtype;                /* 0x0D, EVB. */
    uint8_t bridge_status;          /* BGID 0x04, RRCAP 0x02, RRCTR 0x01. */
    uint8_t station_status;         /* SGID 0x08, RRREQ 0x04, RRSTAT 0x03. */
    uint8_t r_rte;                  /* R (top 3 bits): ECP retries; RTE
                                     * (5 bits): ECP ACK timeout exponent. */
    uint8_t mode_rol_rwd;           /* EVB mode (top 2 bits), ROL (0x20):
                                     * RWD is the peer's, RWD (5 bits):
                                     * VDP resource wait delay exponent. */
    uint8_t rol_rka;                /* ROL (0x20): RKA is the peer's, RKA
                                     * (5 bits): VDP keep-alive exponent. */
};
BUILD_ASSERT_DECL(sizeof(struct evb_tlv_wire) == 11);

/* A decoded EVB TLV. */
struct evb_tlv {
    /* Bridge status. */
    bool bgid;                      /* Bridge supports group IDs. */
    bool rrcap;                     /* Bridge can do reflective relay. */
    bool rrctr;                     /* Reflective relay is on. */

    /* Station status. */
    bool sgid;                      /* Station supports group IDs. */
    bool rrreq;                     /* Station requests reflective relay. */
    uint8_t rrstat;                 /* Reflective relay status, 2 bits. */

    uint8_t r;                      /* ECP maximum retries, 0 to 7. */
    uint8_t rte;                    /* ECP ACK timeout: 10 us * 2^rte. */
    uint8_t mode;                   /* EVB_MODE_*. */
    bool rol_rwd;                   /* 'rwd' is the peer's. */
    uint8_t rwd;                    /* VDP resource wait delay exponent. */
    bool rol_rka;                   /* 'rka' is the peer's. */
    uint8_t rka;                    /* VDP keep-alive exponent. */
};

/* What nve-controller takes from an LLDPDU. */
struct evb_lldpdu {
    struct eth_addr src;
    uint16_t ttl;                   /* Time to live, in seconds. */
    bool has_evb;                   /* Was there an EVB TLV? */
    struct evb_tlv evb;             /* If 'has_evb'. */
};

/* Decodes the Ethernet frame of 'size' bytes at 'frame' as an LLDPDU: the
 * mandatory chassis ID, port ID and TTL TLVs, then any TLVs up to the End
 * TLV, of which only the EVB TLV is kept.  Returns NULL on success, or a
 * message that says what is wrong (the caller frees it).  Never reads
 * outside 'frame'. */
char *evb_lldpdu_decode(const void *frame, size_t size,
                        struct evb_lldpdu *)
    OVS_WARN_UNUSED_RESULT;

/* Appends to 'b' an LLDPDU from 'src' to the nearest customer bridge
 * address: chassis ID and port ID are 'src' (MAC address subtype), then
 * 'ttl', the EVB TLV 'evb' and the End TLV, padded to 60 bytes. */
void evb_lldpdu_encode(struct ofpbuf *b, struct eth_addr src, uint16_t ttl,
                       const struct evb_tlv *evb);

/* 10 us * 2^exp, in microseconds. */
static inline long long int
evb_exp_to_usec(unsigned int exp)
{
    return 10LL << MIN(exp, EVB_MAX_EXP);
}

/* Appends "mode=bridge bgid=1 ... r=3 rte=8 rwd=20 rka=20" to 's'. */
void evb_tlv_format(const struct evb_tlv *, struct ds *s);
void evb_lldpdu_format(const struct evb_lldpdu *, struct ds *s);

#endif /* evb.h */
