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

/* Runs the CUnit suites of tests/unit-tests.h: all of them, or those named
 * on the command line.  Exits 0 only if every test passed. */

#include <config.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/Basic.h>
#include "unit-tests.h"

struct unit_suite {
    const char *name;
    const char *description;
    void (*register_cb)(void);
};

static const struct unit_suite suites[] = {
#define NVE_UNIT_SUITE(NAME, DESCRIPTION) \
    { #NAME, DESCRIPTION, test_##NAME##_register },
    NVE_UNIT_SUITES
#undef NVE_UNIT_SUITE
};

static void
usage(void)
{
    printf("usage: test-nve-unit [--list] [SUITE...]\n"
           "Runs the named CUnit suites of ovs-nve, or all of them.\n");
}

int
main(int argc, char *argv[])
{
    size_t n = sizeof suites / sizeof suites[0];

    if (argc > 1 && !strcmp(argv[1], "--help")) {
        usage();
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "--list")) {
        for (size_t i = 0; i < n; i++) {
            printf("%s\t%s\n", suites[i].name, suites[i].description);
        }
        return 0;
    }

    if (CU_initialize_registry() != CUE_SUCCESS) {
        fprintf(stderr, "test-nve-unit: %s\n", CU_get_error_msg());
        return EXIT_FAILURE;
    }
    for (size_t i = 0; i < n; i++) {
        bool wanted = argc < 2;
        for (int j = 1; j < argc; j++) {
            wanted |= !strcmp(argv[j], suites[i].name);
        }
        if (wanted) {
            suites[i].register_cb();
        }
    }
    for (int j = 1; j < argc; j++) {
        bool known = false;
        for (size_t i = 0; i < n; i++) {
            known |= !strcmp(argv[j], suites[i].name);
        }
        if (!known) {
            fprintf(stderr, "test-nve-unit: unknown suite %s\n", argv[j]);
            CU_cleanup_registry();
            return EXIT_FAILURE;
        }
    }

    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned int failures = CU_get_number_of_failures();
    unsigned int run = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    return failures || !run ? EXIT_FAILURE : EXIT_SUCCESS;
}
