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

/* Tests of controller/flow-table.c, the desired flow table. */

#include <config.h>
#include "unit-tests.h"

#include <string.h>
#include "controller/flow-table.h"
#include "flow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-port.h"
#include "packets.h"
#include "openvswitch/ofpbuf.h"
#include "svec.h"
#include "util.h"

#define VSI(ID) flow_owner_cookie(FLOW_OWNER_VSI, ID)
#define PIPELINE flow_owner_cookie(FLOW_OWNER_PIPELINE, 0)

/* Adds to 't' the flow "table=TABLE, priority=100, in_port=PORT,
 * reg0=REG0 actions=output:OUT" of owner 'cookie'. */
static void
add_flow(struct flow_table *t, uint64_t cookie, uint8_t table,
         uint32_t port, uint32_t reg0, uint32_t out)
{
    struct match match;
    match_init_catchall(&match);
    match_set_in_port(&match, u16_to_ofp(port));
    match_set_reg(&match, 0, reg0);

    uint64_t stub[64 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    ofpact_put_OUTPUT(&ofpacts)->port = u16_to_ofp(out);
    flow_table_add(t, cookie, table, 100, &match, ofpacts.data,
                   ofpacts.size);
    ofpbuf_uninit(&ofpacts);
}

static const struct flow_table_entry *
find_flow(const struct flow_table *t, uint8_t table, uint32_t port,
          uint32_t reg0)
{
    struct match match;
    match_init_catchall(&match);
    match_set_in_port(&match, u16_to_ofp(port));
    match_set_reg(&match, 0, reg0);
    return flow_table_find(t, table, 100, &match);
}

static uint32_t
entry_output(const struct flow_table_entry *e)
{
    const struct ofpact *a = e->ofpacts;
    CU_ASSERT_FATAL(e->ofpacts_len && a->type == OFPACT_OUTPUT);
    return ofp_to_u16(ofpact_get_OUTPUT(a)->port);
}

/* The tracked changes of a table, one string per change, in a canonical
 * order: "add|modify|delete table=T in_port=P reg0=R cookie=C [old=C]
 * out=O". */
struct changes {
    struct svec lines;
};

static void
collect_change(const struct flow_table_change *c, void *changes_)
{
    struct changes *changes = changes_;
    const struct flow_table_entry *e = c->entry;
    struct match match;
    minimatch_expand(&e->match, &match);

    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "%s table=%"PRIu8" in_port=%"PRIu16" reg0=%"PRIu32
                  " cookie=%#"PRIx64, flow_change_type_to_string(c->type),
                  e->table_id, ofp_to_u16(match.flow.in_port.ofp_port),
                  match.flow.regs[0], e->cookie);
    if (c->type == FLOW_CHANGE_MODIFY) {
        ds_put_format(&s, " old=%#"PRIx64, c->old_cookie);
    }
    ds_put_format(&s, " out=%"PRIu32, entry_output(e));
    svec_add_nocopy(&changes->lines, ds_steal_cstr(&s));
}

static char *
tracked_changes(const struct flow_table *t)
{
    struct changes changes = { SVEC_EMPTY_INITIALIZER };
    flow_table_for_each_tracked(t, collect_change, &changes);
    CU_ASSERT_EQUAL(changes.lines.n, flow_table_n_tracked(t));
    svec_sort(&changes.lines);
    char *s = svec_join(&changes.lines, "\n", "");
    svec_destroy(&changes.lines);
    return s;
}

#define CHECK_TRACKED(TABLE, EXPECTED)                      \
    do {                                                    \
        char *actual_ = tracked_changes(TABLE);             \
        CU_ASSERT_STRING_EQUAL(actual_, EXPECTED);          \
        if (strcmp(actual_, EXPECTED)) {                    \
            fprintf(stderr, "tracked:\n%s\nexpected:\n%s\n", \
                    actual_, EXPECTED);                     \
        }                                                   \
        free(actual_);                                      \
    } while (0)

static void
test_add_find_remove(void)
{
    struct flow_table *t = flow_table_create();

    add_flow(t, VSI(1), 10, 1, 100, 5);
    add_flow(t, VSI(1), 10, 1, 101, 5);
    add_flow(t, VSI(2), 10, 2, 100, 6);
    add_flow(t, PIPELINE, 0, 0, 0, 7);
    CU_ASSERT_EQUAL(flow_table_count(t), 4);
    CU_ASSERT_EQUAL(flow_table_n_owners(t), 3);
    CU_ASSERT_EQUAL(flow_table_owner_count(t, VSI(1)), 2);
    CU_ASSERT_EQUAL(flow_table_owner_count(t, VSI(3)), 0);
    CU_ASSERT(flow_table_has_owner(t, VSI(1)));
    CU_ASSERT(!flow_table_has_owner(t, VSI(3)));

    const struct flow_table_entry *e = find_flow(t, 10, 2, 100);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(e->cookie, VSI(2));
    CU_ASSERT_EQUAL(entry_output(e), 6);
    CU_ASSERT_PTR_NULL(find_flow(t, 11, 2, 100));
    CU_ASSERT_PTR_NULL(find_flow(t, 10, 2, 101));

    size_t n = 0;
    const struct flow_table_entry *iter;
    FLOW_TABLE_FOR_EACH (iter, t) {
        n++;
    }
    CU_ASSERT_EQUAL(n, 4);

    /* Adding the same flow again changes nothing. */
    add_flow(t, VSI(1), 10, 1, 100, 5);
    CU_ASSERT_EQUAL(flow_table_count(t), 4);
    CU_ASSERT_EQUAL(flow_table_n_conflicts(t), 0);

    flow_table_remove_owner(t, VSI(1));
    CU_ASSERT(!flow_table_has_owner(t, VSI(1)));
    CU_ASSERT_EQUAL(flow_table_count(t), 2);
    CU_ASSERT_EQUAL(flow_table_n_owners(t), 2);
    CU_ASSERT_PTR_NULL(find_flow(t, 10, 1, 100));
    CU_ASSERT_PTR_NOT_NULL(find_flow(t, 10, 2, 100));

    /* Removing an unknown owner is harmless. */
    flow_table_remove_owner(t, VSI(1));
    flow_table_remove_owner(t, VSI(99));
    CU_ASSERT_EQUAL(flow_table_count(t), 2);

    flow_table_destroy(t);
    flow_table_destroy(NULL);
}

static void
test_tracking_add(void)
{
    struct flow_table *t = flow_table_create();

    add_flow(t, VSI(1), 10, 1, 100, 5);
    add_flow(t, VSI(2), 10, 2, 100, 6);
    CHECK_TRACKED(t,
        "add table=10 in_port=1 reg0=100 cookie=0x500000000000001 out=5\n"
        "add table=10 in_port=2 reg0=100 cookie=0x500000000000002 out=6");

    flow_table_clear_tracked(t);
    CU_ASSERT_EQUAL(flow_table_n_tracked(t), 0);
    CHECK_TRACKED(t, "");
    CU_ASSERT_EQUAL(flow_table_count(t), 2);

    /* Added and removed within one round: nothing to do. */
    add_flow(t, VSI(3), 10, 3, 100, 7);
    flow_table_remove_owner(t, VSI(3));
    CHECK_TRACKED(t, "");
    CU_ASSERT_EQUAL(flow_table_count(t), 2);

    /* Added, changed and changed again before installation: one add. */
    add_flow(t, VSI(3), 10, 3, 100, 7);
    flow_table_remove_owner(t, VSI(3));
    add_flow(t, VSI(3), 10, 3, 100, 8);
    CHECK_TRACKED(t,
        "add table=10 in_port=3 reg0=100 cookie=0x500000000000003 out=8");

    flow_table_destroy(t);
}

static void
test_tracking_readd_identical(void)
{
    struct flow_table *t = flow_table_create();

    for (int i = 0; i < 3; i++) {
        add_flow(t, VSI(1), 10, 1, 100 + i, 5);
    }
    flow_table_clear_tracked(t);

    /* The usual way an owner recomputes its flows: remove all, add all. */
    flow_table_remove_owner(t, VSI(1));
    CU_ASSERT_EQUAL(flow_table_n_tracked(t), 3);
    CU_ASSERT_EQUAL(flow_table_count(t), 0);
    for (int i = 0; i < 3; i++) {
        add_flow(t, VSI(1), 10, 1, 100 + i, 5);
    }
    CHECK_TRACKED(t, "");
    CU_ASSERT_EQUAL(flow_table_count(t), 3);
    CU_ASSERT_EQUAL(flow_table_owner_count(t, VSI(1)), 3);

    /* Several rounds in a row stay clean. */
    flow_table_clear_tracked(t);
    flow_table_remove_owner(t, VSI(1));
    for (int i = 0; i < 3; i++) {
        add_flow(t, VSI(1), 10, 1, 100 + i, 5);
    }
    CHECK_TRACKED(t, "");
    flow_table_destroy(t);
}

static void
test_tracking_modify(void)
{
    struct flow_table *t = flow_table_create();

    add_flow(t, VSI(1), 10, 1, 100, 5);
    add_flow(t, VSI(1), 10, 1, 101, 5);
    flow_table_clear_tracked(t);

    /* One flow changes its actions, the other stays. */
    flow_table_remove_owner(t, VSI(1));
    add_flow(t, VSI(1), 10, 1, 100, 9);
    add_flow(t, VSI(1), 10, 1, 101, 5);
    CHECK_TRACKED(t,
        "modify table=10 in_port=1 reg0=100 cookie=0x500000000000001 "
        "old=0x500000000000001 out=9");

    /* Changed back within the same round: no change at all. */
    flow_table_remove_owner(t, VSI(1));
    add_flow(t, VSI(1), 10, 1, 100, 5);
    add_flow(t, VSI(1), 10, 1, 101, 5);
    CHECK_TRACKED(t, "");
    CU_ASSERT_EQUAL(entry_output(find_flow(t, 10, 1, 100)), 5);

    /* Changed, installed, and the next round's changes are relative to the
     * new actions. */
    flow_table_remove_owner(t, VSI(1));
    add_flow(t, VSI(1), 10, 1, 100, 9);
    add_flow(t, VSI(1), 10, 1, 101, 5);
    flow_table_clear_tracked(t);
    CHECK_TRACKED(t, "");
    flow_table_remove_owner(t, VSI(1));
    add_flow(t, VSI(1), 10, 1, 100, 9);
    add_flow(t, VSI(1), 10, 1, 101, 5);
    CHECK_TRACKED(t, "");

    /* The flow moves to another owner: a modify of the cookie. */
    flow_table_remove_owner(t, VSI(1));
    add_flow(t, VSI(2), 10, 1, 100, 9);
    CHECK_TRACKED(t,
        "delete table=10 in_port=1 reg0=101 cookie=0x500000000000001 out=5\n"
        "modify table=10 in_port=1 reg0=100 cookie=0x500000000000002 "
        "old=0x500000000000001 out=9");
    CU_ASSERT_EQUAL(flow_table_n_conflicts(t), 0);

    flow_table_destroy(t);
}

static void
test_tracking_delete(void)
{
    struct flow_table *t = flow_table_create();

    add_flow(t, VSI(1), 10, 1, 100, 5);
    add_flow(t, VSI(2), 10, 2, 100, 6);
    flow_table_clear_tracked(t);

    /* Modified, then removed, in one round: the delete shows the flow as
     * it is in the switch. */
    flow_table_remove_owner(t, VSI(1));
    add_flow(t, VSI(1), 10, 1, 100, 9);
    flow_table_remove_owner(t, VSI(1));
    CHECK_TRACKED(t,
        "delete table=10 in_port=1 reg0=100 cookie=0x500000000000001 out=5");
    CU_ASSERT_EQUAL(flow_table_count(t), 1);
    CU_ASSERT_PTR_NULL(find_flow(t, 10, 1, 100));

    /* Once installed, the deletion is forgotten, and adding the flow back
     * is an add. */
    flow_table_clear_tracked(t);
    CHECK_TRACKED(t, "");
    add_flow(t, VSI(1), 10, 1, 100, 5);
    CHECK_TRACKED(t,
        "add table=10 in_port=1 reg0=100 cookie=0x500000000000001 out=5");

    /* Re-added by another owner while the deletion is pending: a modify of
     * the cookie, not a delete and an add. */
    flow_table_clear_tracked(t);
    flow_table_remove_owner(t, VSI(1));
    add_flow(t, VSI(3), 10, 1, 100, 5);
    CHECK_TRACKED(t,
        "modify table=10 in_port=1 reg0=100 cookie=0x500000000000003 "
        "old=0x500000000000001 out=5");

    flow_table_destroy(t);
}

static void
test_conflicts(void)
{
    struct flow_table *t = flow_table_create();

    add_flow(t, VSI(1), 10, 1, 100, 5);
    add_flow(t, VSI(1), 10, 1, 101, 5);
    flow_table_clear_tracked(t);

    /* Another owner adds a flow with the same key: it replaces the first
     * one, which its first owner no longer has. */
    add_flow(t, VSI(2), 10, 1, 100, 6);
    CU_ASSERT_EQUAL(flow_table_n_conflicts(t), 1);
    CU_ASSERT_EQUAL(flow_table_count(t), 2);
    CU_ASSERT_EQUAL(flow_table_owner_count(t, VSI(1)), 1);
    CU_ASSERT_EQUAL(flow_table_owner_count(t, VSI(2)), 1);
    const struct flow_table_entry *e = find_flow(t, 10, 1, 100);
    CU_ASSERT_EQUAL(e->cookie, VSI(2));
    CU_ASSERT_EQUAL(entry_output(e), 6);
    CHECK_TRACKED(t,
        "modify table=10 in_port=1 reg0=100 cookie=0x500000000000002 "
        "old=0x500000000000001 out=6");

    /* The same owner adding the same key with other actions is a conflict
     * too. */
    add_flow(t, VSI(2), 10, 1, 100, 7);
    CU_ASSERT_EQUAL(flow_table_n_conflicts(t), 2);
    CU_ASSERT_EQUAL(flow_table_owner_count(t, VSI(2)), 1);

    /* An owner that lost its last flow to a conflict is gone. */
    add_flow(t, VSI(3), 10, 1, 101, 8);
    CU_ASSERT_EQUAL(flow_table_n_conflicts(t), 3);
    CU_ASSERT_EQUAL(flow_table_owner_count(t, VSI(1)), 0);
    CU_ASSERT_EQUAL(flow_table_n_owners(t), 2);

    /* Removing the winner removes the flow. */
    flow_table_remove_owner(t, VSI(2));
    CU_ASSERT_PTR_NULL(find_flow(t, 10, 1, 100));
    CHECK_TRACKED(t,
        "delete table=10 in_port=1 reg0=100 cookie=0x500000000000001 out=5\n"
        "modify table=10 in_port=1 reg0=101 cookie=0x500000000000003 "
        "old=0x500000000000001 out=8");

    flow_table_destroy(t);
}

static void
test_mark_all_uninstalled(void)
{
    struct flow_table *t = flow_table_create();

    add_flow(t, VSI(1), 10, 1, 100, 5);
    add_flow(t, VSI(2), 10, 2, 100, 6);
    add_flow(t, VSI(3), 10, 3, 100, 7);
    flow_table_clear_tracked(t);

    /* Pending: a deletion, a modification; the switch is then lost. */
    flow_table_remove_owner(t, VSI(1));
    flow_table_remove_owner(t, VSI(2));
    add_flow(t, VSI(2), 10, 2, 100, 9);
    flow_table_mark_all_uninstalled(t);
    CHECK_TRACKED(t,
        "add table=10 in_port=2 reg0=100 cookie=0x500000000000002 out=9\n"
        "add table=10 in_port=3 reg0=100 cookie=0x500000000000003 out=7");

    /* A flow removed now was never installed: nothing to delete. */
    flow_table_remove_owner(t, VSI(3));
    CHECK_TRACKED(t,
        "add table=10 in_port=2 reg0=100 cookie=0x500000000000002 out=9");

    flow_table_clear_tracked(t);
    CHECK_TRACKED(t, "");
    flow_table_mark_all_uninstalled(t);
    flow_table_mark_all_uninstalled(t);
    CHECK_TRACKED(t,
        "add table=10 in_port=2 reg0=100 cookie=0x500000000000002 out=9");

    flow_table_destroy(t);
}

/* Counts the changes of each type. */
static void
count_change(const struct flow_table_change *c, void *counts_)
{
    size_t *counts = counts_;
    counts[c->type]++;
}

static void
test_diff(void)
{
    struct flow_table *desired = flow_table_create();
    struct flow_table *actual = flow_table_create();

    /* Same in both. */
    add_flow(desired, VSI(1), 10, 1, 100, 5);
    add_flow(actual, VSI(1), 10, 1, 100, 5);
    /* Other actions. */
    add_flow(desired, VSI(1), 10, 1, 101, 5);
    add_flow(actual, VSI(1), 10, 1, 101, 6);
    /* Other cookie (someone else's flow in our place). */
    add_flow(desired, VSI(2), 10, 2, 100, 5);
    add_flow(actual, 0, 10, 2, 100, 5);
    /* Only desired. */
    add_flow(desired, VSI(3), 10, 3, 100, 5);
    add_flow(desired, VSI(3), 11, 3, 100, 5);
    /* Only in the switch. */
    add_flow(actual, VSI(4), 10, 4, 100, 5);
    add_flow(actual, 0x1234, 12, 4, 100, 5);

    struct changes changes = { SVEC_EMPTY_INITIALIZER };
    CU_ASSERT_EQUAL(flow_table_diff(desired, actual, collect_change,
                                    &changes), 6);
    svec_sort(&changes.lines);
    char *s = svec_join(&changes.lines, "\n", "");
    CU_ASSERT_STRING_EQUAL(s,
        "add table=10 in_port=3 reg0=100 cookie=0x500000000000003 out=5\n"
        "add table=11 in_port=3 reg0=100 cookie=0x500000000000003 out=5\n"
        "delete table=10 in_port=4 reg0=100 cookie=0x500000000000004 out=5\n"
        "delete table=12 in_port=4 reg0=100 cookie=0x1234 out=5\n"
        "modify table=10 in_port=1 reg0=101 cookie=0x500000000000001 "
        "old=0x500000000000001 out=5\n"
        "modify table=10 in_port=2 reg0=100 cookie=0x500000000000002 "
        "old=0 out=5");
    free(s);
    svec_destroy(&changes.lines);

    /* Equal tables: no change. */
    size_t counts[3] = { 0, 0, 0 };
    CU_ASSERT_EQUAL(flow_table_diff(desired, desired, count_change,
                                    counts), 0);
    CU_ASSERT_EQUAL(counts[0] + counts[1] + counts[2], 0);

    flow_table_destroy(desired);
    flow_table_destroy(actual);
}

/* A match on Ethernet fields comes back from the switch with the packet_type
 * that OpenFlow implies made explicit; it is still the same flow, and a
 * restart must not replace it. */
static void
test_diff_packet_type(void)
{
    struct flow_table *desired = flow_table_create();
    struct flow_table *actual = flow_table_create();
    struct eth_addr mac = ETH_ADDR_C(02, 00, 00, 00, 00, 01);
    struct match match;

    match_init_catchall(&match);
    match_set_metadata(&match, htonll(5001));
    match_set_dl_dst(&match, mac);
    flow_table_add(desired, VSI(1), 40, 100, &match, NULL, 0);
    match_set_default_packet_type(&match);
    flow_table_add(actual, VSI(1), 40, 100, &match, NULL, 0);
    /* As the flow monitor reports it. */
    CU_ASSERT_PTR_NOT_NULL(flow_table_find(desired, 40, 100, &match));

    /* Metadata alone implies no packet_type. */
    match_init_catchall(&match);
    match_set_metadata(&match, htonll(5001));
    flow_table_add(desired, VSI(1), 41, 100, &match, NULL, 0);
    flow_table_add(actual, VSI(1), 41, 100, &match, NULL, 0);

    size_t counts[3] = { 0, 0, 0 };
    CU_ASSERT_EQUAL(flow_table_diff(desired, actual, count_change, counts),
                    0);
    CU_ASSERT_EQUAL(counts[0] + counts[1] + counts[2], 0);

    flow_table_destroy(desired);
    flow_table_destroy(actual);
}

/* Actions read back from the switch differ in memory from the ones they were
 * encoded from, but not in what they do. */
static void
test_actions_equal(void)
{
    uint64_t stub[256 / 8];
    struct ofpbuf ours = OFPBUF_STUB_INITIALIZER(stub);
    union mf_value value = { .be32 = htonl(42) };
    ofpact_put_set_field(&ours, mf_from_id(MFF_REG1), &value, NULL);
    struct ofpact_resubmit *resubmit = ofpact_put_RESUBMIT(&ours);
    resubmit->in_port = OFPP_IN_PORT;
    resubmit->table_id = 20;
    ofpact_put_OUTPUT(&ours)->port = u16_to_ofp(3);

    /* A round trip through OpenFlow 1.5, as via the switch. */
    struct ofpbuf wire;
    ofpbuf_init(&wire, 0);
    ofpacts_put_openflow_instructions(ours.data, ours.size, &wire,
                                      OFP15_VERSION);
    struct ofpbuf theirs;
    ofpbuf_init(&theirs, 0);
    CU_ASSERT_EQUAL_FATAL(ofpacts_pull_openflow_instructions(
                              &wire, wire.size, OFP15_VERSION, NULL, NULL,
                              &theirs), 0);

    CU_ASSERT_FALSE(ofpacts_equal(ours.data, ours.size,
                                  theirs.data, theirs.size));
    CU_ASSERT_TRUE(flow_actions_equal(ours.data, ours.size,
                                      theirs.data, theirs.size));

    /* So the diff against the switch finds nothing to do. */
    struct flow_table *desired = flow_table_create();
    struct flow_table *actual = flow_table_create();
    struct match match;
    match_init_catchall(&match);
    match_set_in_port(&match, u16_to_ofp(1));
    flow_table_add(desired, VSI(1), 10, 100, &match, ours.data, ours.size);
    flow_table_add(actual, VSI(1), 10, 100, &match, theirs.data,
                   theirs.size);
    size_t counts[3] = { 0, 0, 0 };
    CU_ASSERT_EQUAL(flow_table_diff(desired, actual, count_change, counts),
                    0);

    /* Different actions still differ. */
    ofpact_put_OUTPUT(&theirs)->port = u16_to_ofp(4);
    CU_ASSERT_FALSE(flow_actions_equal(ours.data, ours.size,
                                       theirs.data, theirs.size));
    CU_ASSERT_FALSE(flow_actions_equal(ours.data, ours.size, NULL, 0));
    CU_ASSERT_TRUE(flow_actions_equal(NULL, 0, NULL, 0));

    flow_table_destroy(desired);
    flow_table_destroy(actual);
    ofpbuf_uninit(&ours);
    ofpbuf_uninit(&wire);
    ofpbuf_uninit(&theirs);
}

static void
test_format(void)
{
    struct flow_table *t = flow_table_create();
    add_flow(t, VSI(1), 10, 1, 100, 5);

    struct match match;
    match_init_catchall(&match);
    flow_table_add(t, PIPELINE, 0, 0, &match, NULL, 0);

    struct ds s = DS_EMPTY_INITIALIZER;
    flow_table_entry_format(find_flow(t, 10, 1, 100), &s);
    CU_ASSERT_STRING_EQUAL(ds_cstr(&s),
                           "table=10, priority=100, "
                           "cookie=0x500000000000001, "
                           "reg0=0x64,in_port=1 actions=output:5");
    ds_clear(&s);
    flow_table_entry_format(flow_table_find(t, 0, 0, &match), &s);
    CU_ASSERT_STRING_EQUAL(ds_cstr(&s),
                           "table=0, priority=0, cookie=0x100000000000000, "
                           "actions=drop");
    ds_destroy(&s);
    flow_table_destroy(t);
}

/* The work of a round is the size of the change, not of the table: with
 * 100,000 flows of 20,000 owners installed, one owner's recomputation
 * yields exactly its own flows as changes, and a new owner exactly its
 * own. */
static void
test_scale(void)
{
    enum { N_OWNERS = 20000, N_PER_OWNER = 5 };
    struct flow_table *t = flow_table_create();

    for (uint32_t i = 0; i < N_OWNERS; i++) {
        for (uint32_t j = 0; j < N_PER_OWNER; j++) {
            add_flow(t, VSI(i), 10 + j, i % 60000, i, j);
        }
    }
    CU_ASSERT_EQUAL(flow_table_count(t), N_OWNERS * N_PER_OWNER);
    CU_ASSERT_EQUAL(flow_table_n_tracked(t), N_OWNERS * N_PER_OWNER);
    flow_table_clear_tracked(t);

    /* Owner 777 recomputes, and two of its flows change. */
    flow_table_remove_owner(t, VSI(777));
    CU_ASSERT_EQUAL(flow_table_n_tracked(t), N_PER_OWNER);
    for (uint32_t j = 0; j < N_PER_OWNER; j++) {
        add_flow(t, VSI(777), 10 + j, 777, 777, j < 2 ? j + 100 : j);
    }
    size_t counts[3] = { 0, 0, 0 };
    flow_table_for_each_tracked(t, count_change, counts);
    CU_ASSERT_EQUAL(counts[FLOW_CHANGE_ADD], 0);
    CU_ASSERT_EQUAL(counts[FLOW_CHANGE_MODIFY], 2);
    CU_ASSERT_EQUAL(counts[FLOW_CHANGE_DELETE], 0);
    flow_table_clear_tracked(t);

    /* A new owner, and one that goes away. */
    for (uint32_t j = 0; j < N_PER_OWNER; j++) {
        add_flow(t, VSI(N_OWNERS), 10 + j, 1, N_OWNERS, j);
    }
    flow_table_remove_owner(t, VSI(3));
    memset(counts, 0, sizeof counts);
    flow_table_for_each_tracked(t, count_change, counts);
    CU_ASSERT_EQUAL(counts[FLOW_CHANGE_ADD], N_PER_OWNER);
    CU_ASSERT_EQUAL(counts[FLOW_CHANGE_MODIFY], 0);
    CU_ASSERT_EQUAL(counts[FLOW_CHANGE_DELETE], N_PER_OWNER);
    CU_ASSERT_EQUAL(flow_table_count(t), N_OWNERS * N_PER_OWNER);
    CU_ASSERT_EQUAL(flow_table_n_owners(t), N_OWNERS);

    flow_table_destroy(t);
}

/* Flows with the same actions share one copy of them, kept while any flow
 * has them, desired or as installed. */
static void
test_actions_shared(void)
{
    struct flow_table *t = flow_table_create();

    add_flow(t, VSI(1), 0, 1, 1, 5);
    add_flow(t, VSI(2), 0, 1, 2, 5);
    add_flow(t, VSI(3), 0, 1, 3, 6);
    const struct flow_table_entry *a = find_flow(t, 0, 1, 1);
    const struct flow_table_entry *b = find_flow(t, 0, 1, 2);
    const struct flow_table_entry *c = find_flow(t, 0, 1, 3);
    CU_ASSERT_PTR_EQUAL(a->ofpacts, b->ofpacts);
    CU_ASSERT_PTR_NOT_EQUAL(a->ofpacts, c->ofpacts);
    CU_ASSERT_EQUAL(flow_table_n_actions(t), 2);
    flow_table_clear_tracked(t);

    /* VSI 1's flow now outputs to 6, as VSI 3's: the switch still has its
     * old actions, those of VSI 2's flow. */
    flow_table_remove_owner(t, VSI(1));
    add_flow(t, VSI(1), 0, 1, 1, 6);
    a = find_flow(t, 0, 1, 1);
    CU_ASSERT_PTR_EQUAL(a->ofpacts, c->ofpacts);
    CU_ASSERT_EQUAL(entry_output(a), 6);
    CU_ASSERT_EQUAL(flow_table_n_actions(t), 2);

    /* VSI 2 goes, while its flow's actions are still VSI 1's in the
     * switch: they stay until the change is installed. */
    flow_table_remove_owner(t, VSI(2));
    CU_ASSERT_EQUAL(flow_table_n_actions(t), 2);
    flow_table_clear_tracked(t);
    CU_ASSERT_EQUAL(flow_table_n_actions(t), 1);
    CU_ASSERT_EQUAL(entry_output(find_flow(t, 0, 1, 3)), 6);

    /* flow_table_destroy() checks that no actions are left. */
    flow_table_remove_owner(t, VSI(1));
    flow_table_remove_owner(t, VSI(3));
    flow_table_clear_tracked(t);
    CU_ASSERT_EQUAL(flow_table_n_actions(t), 0);
    flow_table_destroy(t);
}

/* Flows whose matches have the same mask share one copy of it, kept while
 * any flow has it; each flow still has its own values, and is found by
 * them. */
static void
test_masks_shared(void)
{
    struct flow_table *t = flow_table_create();

    add_flow(t, VSI(1), 0, 1, 1, 5);
    add_flow(t, VSI(2), 0, 2, 2, 5);
    add_flow(t, VSI(2), 1, 2, 3, 6);

    /* The same fields, but reg0 matched on its low bits only. */
    struct match match;
    match_init_catchall(&match);
    match_set_in_port(&match, u16_to_ofp(1));
    match_set_reg_masked(&match, 0, 1, 0xff);
    uint64_t stub[64 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    ofpact_put_OUTPUT(&ofpacts)->port = u16_to_ofp(7);
    flow_table_add(t, VSI(3), 0, 100, &match, ofpacts.data, ofpacts.size);

    const struct flow_table_entry *a = find_flow(t, 0, 1, 1);
    const struct flow_table_entry *b = find_flow(t, 0, 2, 2);
    const struct flow_table_entry *c = find_flow(t, 1, 2, 3);
    const struct flow_table_entry *d = flow_table_find(t, 0, 100, &match);
    CU_ASSERT_FATAL(a && b && c && d && a != d);
    CU_ASSERT_PTR_EQUAL(a->match.mask, b->match.mask);
    CU_ASSERT_PTR_EQUAL(a->match.mask, c->match.mask);
    CU_ASSERT_PTR_NOT_EQUAL(a->match.mask, d->match.mask);
    CU_ASSERT_PTR_NOT_EQUAL(a->match.flow, b->match.flow);
    CU_ASSERT_EQUAL(entry_output(a), 5);
    CU_ASSERT_EQUAL(entry_output(d), 7);
    CU_ASSERT_EQUAL(flow_table_n_masks(t), 2);

    /* The match reads back as it was added. */
    struct match back;
    minimatch_expand(&d->match, &back);
    CU_ASSERT(match_equal(&back, &match));

    /* A mask goes with the last flow that has it, installed or not. */
    flow_table_clear_tracked(t);
    flow_table_remove_owner(t, VSI(3));
    CU_ASSERT_EQUAL(flow_table_n_masks(t), 2);
    flow_table_clear_tracked(t);
    CU_ASSERT_EQUAL(flow_table_n_masks(t), 1);
    flow_table_remove_owner(t, VSI(1));
    flow_table_remove_owner(t, VSI(2));
    flow_table_clear_tracked(t);
    CU_ASSERT_EQUAL(flow_table_n_masks(t), 0);

    ofpbuf_uninit(&ofpacts);
    flow_table_destroy(t);
}

void
test_flow_table_register(void)
{
    CU_pSuite suite = CU_add_suite("flow_table", NULL, NULL);

    CU_add_test(suite, "add, find, remove", test_add_find_remove);
    CU_add_test(suite, "tracking: add", test_tracking_add);
    CU_add_test(suite, "tracking: re-add identical",
                test_tracking_readd_identical);
    CU_add_test(suite, "tracking: modify", test_tracking_modify);
    CU_add_test(suite, "tracking: delete", test_tracking_delete);
    CU_add_test(suite, "conflicts", test_conflicts);
    CU_add_test(suite, "mark all uninstalled", test_mark_all_uninstalled);
    CU_add_test(suite, "diff against the switch", test_diff);
    CU_add_test(suite, "diff: implied packet_type is no change",
                test_diff_packet_type);
    CU_add_test(suite, "actions compare as the switch sees them",
                test_actions_equal);
    CU_add_test(suite, "format", test_format);
    CU_add_test(suite, "cost proportional to the change", test_scale);
    CU_add_test(suite, "flows with the same actions share them",
                test_actions_shared);
    CU_add_test(suite, "flows with the same mask share it",
                test_masks_shared);
}
