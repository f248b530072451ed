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

/* Fuzzing harness of the ECP decoder (lib/ecp.c): one input is one
 * Ethernet frame from a station, as nve-controller receives it in a
 * packet-in.  A frame that decodes must encode back to itself; the ACK the
 * NVE answers a REQUEST with must decode as one; the VDPDU a REQUEST
 * carries goes on to the VDP decoder, as in nve-controller. */

#include <config.h>
#include "ecp.h"

#include <string.h>
#include "fuzz.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"
#include "vdp.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ecpdu pdu;
    char *error = ecp_decode(data, size, &pdu);

    if (error) {
        FUZZ_CHECK(*error);
        free(error);
        return 0;
    }
    FUZZ_CHECK(pdu.op == ECP_OP_REQUEST || pdu.op == ECP_OP_ACK);
    FUZZ_CHECK(pdu.subtype <= 0x3ff);
    FUZZ_CHECK(pdu.payload == data + ETH_HEADER_LEN
                              + sizeof(struct ecp_header));
    FUZZ_CHECK(pdu.payload_len == size - ETH_HEADER_LEN
                                  - sizeof(struct ecp_header));

    struct ds s = DS_EMPTY_INITIALIZER;
    ecp_format(&pdu, &s);

    /* Every header field was checked or kept: encoding gives the frame. */
    struct ofpbuf b;
    ofpbuf_init(&b, size);
    ecp_encode(&b, pdu.src, pdu.op, pdu.subtype, pdu.seq, pdu.payload,
               pdu.payload_len);
    FUZZ_CHECK(b.size == size && !memcmp(b.data, data, size));

    /* The ACK of a REQUEST. */
    static const struct eth_addr nve_mac = ETH_ADDR_C(52,54,00,bb,00,02);
    struct ecpdu ack;
    ofpbuf_clear(&b);
    ecp_encode(&b, nve_mac, ECP_OP_ACK, pdu.subtype, pdu.seq, NULL, 0);
    error = ecp_decode(b.data, b.size, &ack);
    FUZZ_CHECK(!error);
    FUZZ_CHECK(ack.op == ECP_OP_ACK && ack.subtype == pdu.subtype
               && ack.seq == pdu.seq && !ack.payload_len
               && eth_addr_equals(ack.src, nve_mac));
    ofpbuf_uninit(&b);

    if (pdu.op == ECP_OP_REQUEST && pdu.subtype == ECP_SUBTYPE_VDP) {
        struct vdpdu vdpdu;

        error = vdpdu_decode(pdu.payload, pdu.payload_len, &vdpdu);
        if (!error) {
            vdpdu_format(&vdpdu, &s);
        }
        free(error);
        vdpdu_destroy(&vdpdu);
    }
    ds_destroy(&s);
    return 0;
}
