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

/* Fuzzing harness of the EVB TLV decoder (lib/evb.c): one input is what
 * follows the chassis ID, port ID and TTL TLVs of an LLDPDU, the part where
 * the EVB TLV and the other optional TLVs are, so that every mutation
 * lands there.  The LLDPDU is checked as in fuzz-lldp.c. */

#include <config.h>
#include "fuzz-lldp.h"

/* An LLDPDU from 52:54:00:aa:00:01 up to its TTL TLV, as lldpad sends it. */
static const uint8_t lldp_head[] = {
    0x01, 0x80, 0xc2, 0x00, 0x00, 0x00,     /* Nearest customer bridge. */
    0x52, 0x54, 0x00, 0xaa, 0x00, 0x01,     /* Station. */
    0x88, 0xcc,                             /* LLDP. */
    0x02, 0x07, 0x04, 0x52, 0x54, 0x00, 0xaa, 0x00, 0x01, /* Chassis ID. */
    0x04, 0x07, 0x03, 0x52, 0x54, 0x00, 0xaa, 0x00, 0x01, /* Port ID. */
    0x06, 0x02, 0x00, 0x78,                 /* TTL 120 s. */
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t frame_size = sizeof lldp_head + size;
    uint8_t *frame = xmalloc(frame_size);

    memcpy(frame, lldp_head, sizeof lldp_head);
    if (size) {
        memcpy(frame + sizeof lldp_head, data, size);
    }
    fuzz_lldpdu(frame, frame_size);
    free(frame);
    return 0;
}
