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

/* Unit tests of the pure parts of controller/pipeline.c. */

#include <config.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "util.h"
#include "controller/pipeline.h"
#include "unit-tests.h"

/* Parses 's', expecting success and 'dscp' (one per PCP, -1 for none). */
static void
check_map(const char *s, const int dscp[NVE_N_PCPS])
{
    struct pipeline_dscp_map map;
    char *error = pipeline_parse_dscp_map(s, &map);

    CU_ASSERT_PTR_NULL(error);
    free(error);
    for (size_t i = 0; i < NVE_N_PCPS; i++) {
        CU_ASSERT_EQUAL(map.dscp[i], dscp[i]);
    }
}

/* Parses 's', expecting the error 'expected' and an empty map. */
static void
check_error(const char *s, const char *expected)
{
    struct pipeline_dscp_map map;
    char *error = pipeline_parse_dscp_map(s, &map);

    CU_ASSERT_PTR_NOT_NULL_FATAL(error);
    CU_ASSERT_STRING_EQUAL(error, expected);
    CU_ASSERT(pipeline_dscp_map_is_empty(&map));
    free(error);
}

static void
test_dscp_map_valid(void)
{
    static const int none[NVE_N_PCPS] = { -1, -1, -1, -1, -1, -1, -1, -1 };
    static const int some[NVE_N_PCPS] = { 0, -1, -1, 26, -1, 46, -1, -1 };
    static const int all[NVE_N_PCPS] = { 0, 8, 16, 24, 32, 40, 48, 63 };

    check_map(NULL, none);
    check_map("", none);
    check_map("3:26,0:0,5:46", some);
    check_map(" 3:26, 0:0 ,5:46 ", some);
    check_map("0:0,1:8,2:16,3:24,4:32,5:40,6:48,7:63", all);

    struct pipeline_dscp_map a, b;
    free(pipeline_parse_dscp_map("3:26", &a));
    free(pipeline_parse_dscp_map("3:26", &b));
    CU_ASSERT(pipeline_dscp_map_equals(&a, &b));
    CU_ASSERT(!pipeline_dscp_map_is_empty(&a));
    free(pipeline_parse_dscp_map("3:27", &b));
    CU_ASSERT(!pipeline_dscp_map_equals(&a, &b));
}

/* Parses 's', expecting that its pair 'pair' is out of range. */
static void
check_range_error(const char *s, const char *pair)
{
    char *expected = xasprintf("\"%s\": not PCP:DSCP with PCP from 0 to 7 "
                               "and DSCP from 0 to 63", pair);
    check_error(s, expected);
    free(expected);
}

static void
test_dscp_map_invalid(void)
{
    check_range_error("8:0", "8:0");
    check_range_error("0:0,3:64", "3:64");
    check_range_error("-1:0", "-1:0");
    check_range_error("3", "3");
    check_range_error("3:26x", "3:26x");
    check_error("3:8,3:16", "\"3:16\": PCP 3 given twice");
}

void
test_pipeline_register(void)
{
    CU_pSuite suite = CU_add_suite("pipeline", NULL, NULL);

    CU_add_test(suite, "dscp map: valid", test_dscp_map_valid);
    CU_add_test(suite, "dscp map: invalid", test_dscp_map_invalid);
}
