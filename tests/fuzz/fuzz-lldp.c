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

/* Fuzzing harness of the LLDP decoder (lib/evb.c): one input is one
 * Ethernet frame from a station, as nve-controller receives it in a
 * packet-in.  An LLDPDU that decodes is formatted for the log; its EVB TLV,
 * if any, encoded in an LLDPDU as the NVE sends its own, must decode back
 * to the same. */

#include <config.h>
#include "fuzz-lldp.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_lldpdu(data, size);
    return 0;
}
