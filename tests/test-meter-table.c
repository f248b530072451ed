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

/* CUnit tests of controller/meter-table.c: ids, change tracking, and the
 * resynchronization with meters read from the switch that ofctrl does. */

#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "util.h"
#include "controller/meter-table.h"
#include "unit-tests.h"

/* The tracked changes, as text sorted by meter id: "add 1 100/10 modify 2
 * 200/0 ...". */
struct change {
    uint32_t id;
    char text[64];
};

struct changes {
    struct change changes[16];
    size_t n;
};

static void
record_change(enum meter_change_type type, uint32_t id,
              const struct meter_config *config, void *changes_)
{
    static const char *names[] = { "add", "modify", "delete" };
    struct changes *c = changes_;

    CU_ASSERT_FATAL(c->n < ARRAY_SIZE(c->changes));
    struct change *change = &c->changes[c->n++];
    change->id = id;
    snprintf(change->text, sizeof change->text, "%s %u %u/%u", names[type],
             id, config->kbps, config->burst_kb);
}

static int
compare_changes(const void *a_, const void *b_)
{
    const struct change *a = a_, *b = b_;
    return a->id < b->id ? -1 : a->id > b->id;
}

static const char *
changes(const struct meter_table *mt)
{
    static char text[1024];
    struct changes c;

    memset(&c, 0, sizeof c);
    meter_table_for_each_tracked(mt, record_change, &c);
    CU_ASSERT_EQUAL(c.n, meter_table_n_tracked(mt));
    qsort(c.changes, c.n, sizeof *c.changes, compare_changes);
    text[0] = '\0';
    for (size_t i = 0; i < c.n; i++) {
        size_t len = strlen(text);
        snprintf(text + len, sizeof text - len, "%s%s", i ? " " : "",
                 c.changes[i].text);
    }
    return text;
}

static void
test_add_modify_remove(void)
{
    struct meter_table *mt = meter_table_create();
    struct meter_config a = { .kbps = 100, .burst_kb = 10 };
    struct meter_config b = { .kbps = 200 };

    uint32_t id1 = 1, id2 = 2;
    meter_table_add(mt, id1, &a);
    meter_table_add(mt, id2, &b);
    CU_ASSERT_EQUAL(meter_table_count(mt), 2);
    CU_ASSERT_STRING_EQUAL(changes(mt), "add 1 100/10 add 2 200/0");
    meter_table_clear_tracked(mt);
    CU_ASSERT_STRING_EQUAL(changes(mt), "");

    /* A modification, then back: no change. */
    meter_table_modify(mt, id1, &b);
    CU_ASSERT_STRING_EQUAL(changes(mt), "modify 1 200/0");
    meter_table_modify(mt, id1, &a);
    CU_ASSERT_STRING_EQUAL(changes(mt), "");

    /* A removal reports the config the switch has. */
    meter_table_remove(mt, id2);
    CU_ASSERT_EQUAL(meter_table_count(mt), 1);
    CU_ASSERT_STRING_EQUAL(changes(mt), "delete 2 200/0");

    /* Its id is free at once: adding it again is a modification of what
     * the switch still has, or no change at all. */
    meter_table_add(mt, id2, &a);
    CU_ASSERT_STRING_EQUAL(changes(mt), "modify 2 100/10");
    meter_table_modify(mt, id2, &b);
    CU_ASSERT_STRING_EQUAL(changes(mt), "");

    /* Added and removed before being installed: nothing. */
    uint32_t id3 = 3;
    meter_table_add(mt, id3, &a);
    meter_table_remove(mt, id3);
    CU_ASSERT_STRING_EQUAL(changes(mt), "");
    meter_table_clear_tracked(mt);

    meter_table_destroy(mt);
}

static void
test_resync(void)
{
    struct meter_table *mt = meter_table_create();
    struct meter_config a = { .kbps = 100, .burst_kb = 10 };
    struct meter_config b = { .kbps = 200 };
    struct meter_config other = { .kbps = 0 };

    meter_table_add(mt, 1, &a);
    meter_table_add(mt, 2, &b);
    meter_table_add(mt, 3, &a);
    meter_table_clear_tracked(mt);

    /* The switch was lost: everything is to be added. */
    meter_table_mark_all_uninstalled(mt);
    CU_ASSERT_STRING_EQUAL(changes(mt),
                           "add 1 100/10 add 2 200/0 add 3 100/10");

    /* What it has after reconnecting: meter 1 as desired, meter 2 with
     * another config, no meter 3, and meter 7 that nobody wants. */
    meter_table_set_installed(mt, 1, &a);
    meter_table_set_installed(mt, 2, &a);
    meter_table_set_installed(mt, 7, &other);
    CU_ASSERT_STRING_EQUAL(changes(mt),
                           "modify 2 200/0 add 3 100/10 delete 7 0/0");
    meter_table_clear_tracked(mt);
    CU_ASSERT_STRING_EQUAL(changes(mt), "");
    CU_ASSERT_EQUAL(meter_table_count(mt), 3);

    /* Adding meter 7 now is a modification of what the switch has. */
    meter_table_add(mt, 7, &b);
    CU_ASSERT_STRING_EQUAL(changes(mt), "add 7 200/0");
    meter_table_destroy(mt);
}

void
test_meter_table_register(void)
{
    CU_pSuite suite = CU_add_suite("meter_table", NULL, NULL);

    CU_add_test(suite, "add, modify, remove", test_add_modify_remove);
    CU_add_test(suite, "resynchronization", test_resync);
}
