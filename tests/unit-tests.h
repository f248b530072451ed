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

#ifndef NVE_UNIT_TESTS_H
#define NVE_UNIT_TESTS_H 1

/* CUnit suites of ovs-nve's pure code.  Each tests/test-*.c file defines one
 * register function that adds its suite; tests/test-nve-unit.c runs the
 * suite named on its command line. */

#include <CUnit/CUnit.h>

#define NVE_UNIT_SUITES                                 \
    NVE_UNIT_SUITE(flow_table, "desired flow table")            \
    NVE_UNIT_SUITE(vsi_lifecycle, "VSI lifecycle state machine") \
    NVE_UNIT_SUITE(tns, "TNS codec")                  \
    NVE_UNIT_SUITE(tns_writer, "TNS fixed-shape reply writer") \
    NVE_UNIT_SUITE(vdp, "ECP, EVB and VDP codecs")    \
    NVE_UNIT_SUITE(meter_table, "desired meter table") \
    NVE_UNIT_SUITE(vsi_plan, "VSI request planner") \
    NVE_UNIT_SUITE(ecp_agent, "ECP agent state machine") \
    NVE_UNIT_SUITE(pipeline, "pipeline helpers")

#define NVE_UNIT_SUITE(NAME, DESCRIPTION) void test_##NAME##_register(void);
NVE_UNIT_SUITES
#undef NVE_UNIT_SUITE

#endif /* unit-tests.h */
