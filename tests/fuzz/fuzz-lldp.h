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

#ifndef NVE_FUZZ_LLDP_H
#define NVE_FUZZ_LLDP_H 1

/* What the LLDP and EVB harnesses share: fuzz_lldpdu() decodes the
 * 'size'-byte Ethernet frame at 'frame' as an LLDPDU, formats it, and
 * checks that its EVB TLV, if any, survives encoding and decoding. */

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "evb.h"
#include "fuzz.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

static inline void
fuzz_lldpdu(const void *frame, size_t size)
{
    struct evb_lldpdu pdu;
    char *error = evb_lldpdu_decode(frame, size, &pdu);

    if (error) {
        FUZZ_CHECK(*error);
        free(error);
        return;
    }

    struct ds s = DS_EMPTY_INITIALIZER;
    evb_lldpdu_format(&pdu, &s);
    ds_destroy(&s);

    if (pdu.has_evb) {
        const struct evb_tlv *e = &pdu.evb;
        FUZZ_CHECK(e->r <= EVB_MAX_R && e->rte <= EVB_MAX_EXP
                   && e->rwd <= EVB_MAX_EXP && e->rka <= EVB_MAX_EXP
                   && e->mode <= 3 && e->rrstat <= 3);
        FUZZ_CHECK(evb_exp_to_usec(e->rte) >= 10);
    }

    struct ofpbuf b;
    struct evb_lldpdu back;
    ofpbuf_init(&b, 64);
    evb_lldpdu_encode(&b, pdu.src, pdu.ttl, &pdu.evb);
    FUZZ_CHECK(b.size >= 60);
    error = evb_lldpdu_decode(b.data, b.size, &back);
    FUZZ_CHECK(!error);
    FUZZ_CHECK(back.has_evb && eth_addr_equals(back.src, pdu.src)
               && back.ttl == pdu.ttl);
    if (pdu.has_evb) {
        FUZZ_CHECK(!memcmp(&back.evb, &pdu.evb, sizeof back.evb));
    }
    ofpbuf_uninit(&b);
}

#endif /* fuzz-lldp.h */
