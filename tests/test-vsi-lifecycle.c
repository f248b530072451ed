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

/* CUnit tests of the VSI lifecycle table: every (state, event) pair is
 * checked against the rules of TNS-PROTOCOL.md and the seed draft, stated
 * here independently of the table. */

#include <config.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "lib/vsi-lifecycle.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"
#include "unit-tests.h"

static bool
is_held(enum vsi_state state)
{
    return state != VSI_ABSENT;
}

static bool
creates_bindings(enum vsi_event event)
{
    return (event == VSIE_PRE_ASSOCIATE || event == VSIE_ASSOCIATE
            || event == VSIE_IMMIGRATE_PRE || event == VSIE_IMMIGRATE_ASSOC);
}

/* The state that a binding event leads to. */
static enum vsi_state
binding_target(enum vsi_event event)
{
    return (event == VSIE_PRE_ASSOCIATE || event == VSIE_IMMIGRATE_PRE
            ? VSI_PRE_ASSOCIATED : VSI_ASSOCIATED);
}

/* The expected outcome of every pair, written as the rules in prose. */
static struct vsi_transition
expected(enum vsi_state s, enum vsi_event e)
{
    struct vsi_transition t = { s, VSI_ST_SUCCESS, 0 };
    unsigned int refresh = is_held(s) ? VSI_ACT_REFRESH : 0;

    if (creates_bindings(e)) {
        /* (Pre-)association and immigration always succeed as far as the
         * lifecycle is concerned, from any state, and apply the networks. */
        t.next = binding_target(e);
        t.actions = VSI_ACT_BIND | VSI_ACT_REFRESH;
        if (e == VSIE_IMMIGRATE_PRE || e == VSIE_IMMIGRATE_ASSOC) {
            t.actions |= VSI_ACT_MIGRATE;
        }
        return t;
    }

    switch (e) {
    case VSIE_SUSPEND:
        if (s == VSI_ABSENT) {
            t.status = VSI_ST_UNKNOWN_VSI;
        } else if (s == VSI_ASSOCIATED || s == VSI_SUSPENDED) {
            t.next = VSI_SUSPENDED;
            t.actions = VSI_ACT_REFRESH;
        } else {
            t.status = VSI_ST_INVALID_STATE;
        }
        break;
    case VSIE_RESUME:
        /* Reactivates a suspended VSI, and an emigrating one whose
         * migration failed (seed 3.2.6: "the VM has to be resumed on the
         * old location"); anything else: SUCCESS, nothing. */
        if (s == VSI_SUSPENDED || s == VSI_EMIGRATING) {
            t.next = VSI_ASSOCIATED;
        }
        t.actions = refresh;
        break;
    case VSIE_EMIGRATE:
        if (s == VSI_ABSENT) {
            t.status = VSI_ST_UNKNOWN_VSI;
        } else {
            t.next = VSI_EMIGRATING;
            t.actions = VSI_ACT_REFRESH;
        }
        break;
    case VSIE_TERMINATE:
        /* Releases everything; unknown VSI is SUCCESS. */
        t.next = VSI_ABSENT;
        t.actions = is_held(s) ? VSI_ACT_RELEASE : 0;
        break;
    case VSIE_KEEPALIVE:
        if (s == VSI_ABSENT) {
            t.status = VSI_ST_UNKNOWN_VSI;
        } else {
            t.actions = VSI_ACT_REFRESH;
        }
        break;
    case VSIE_GET:
        if (s == VSI_ABSENT) {
            t.status = VSI_ST_UNKNOWN_VSI;
        } else {
            t.actions = VSI_ACT_REPORT;
        }
        break;
    case VSIE_AGE_OUT:
    case VSIE_REMOVE:
        /* The NVE's own removal tells the TES. */
        t.next = VSI_ABSENT;
        t.actions = is_held(s) ? VSI_ACT_RELEASE | VSI_ACT_NOTIFY : 0;
        break;
    case VSIE_PRE_ASSOCIATE:
    case VSIE_ASSOCIATE:
    case VSIE_IMMIGRATE_PRE:
    case VSIE_IMMIGRATE_ASSOC:
    case VSI_N_EVENTS:
    default:
        OVS_NOT_REACHED();
    }
    return t;
}

static void
test_every_pair_follows_the_rules(void)
{
    for (int s = 0; s < VSI_N_STATES; s++) {
        for (int e = 0; e < VSI_N_EVENTS; e++) {
            const struct vsi_transition *t = vsi_transition(s, e);
            struct vsi_transition x = expected(s, e);

            if (t->next != x.next || t->status != x.status
                || t->actions != x.actions) {
                fprintf(stderr, "%s %s: got %s %s %#x, expected %s %s %#x\n",
                        vsi_state_name(s), vsi_event_name(e),
                        vsi_state_name(t->next), vsi_status_name(t->status),
                        t->actions, vsi_state_name(x.next),
                        vsi_status_name(x.status), x.actions);
            }
            CU_ASSERT_EQUAL(t->next, x.next);
            CU_ASSERT_EQUAL(t->status, x.status);
            CU_ASSERT_EQUAL(t->actions, x.actions);
        }
    }
}

static void
test_failures_change_nothing(void)
{
    for (int s = 0; s < VSI_N_STATES; s++) {
        for (int e = 0; e < VSI_N_EVENTS; e++) {
            const struct vsi_transition *t = vsi_transition(s, e);
            if (t->status != VSI_ST_SUCCESS) {
                CU_ASSERT_EQUAL(t->next, s);
                CU_ASSERT_EQUAL(t->actions, 0);
            }
        }
    }
}

static void
test_release_iff_leaving_held_state(void)
{
    for (int s = 0; s < VSI_N_STATES; s++) {
        for (int e = 0; e < VSI_N_EVENTS; e++) {
            const struct vsi_transition *t = vsi_transition(s, e);
            bool leaves = is_held(s) && t->next == VSI_ABSENT;
            CU_ASSERT_EQUAL(!!(t->actions & VSI_ACT_RELEASE), leaves);
            if (t->next != VSI_ABSENT && !is_held(s)) {
                /* Only a binding event may create a VSI. */
                CU_ASSERT(t->actions & VSI_ACT_BIND);
            }
        }
    }
}

static void
test_only_associated_forwards(void)
{
    for (int s = 0; s < VSI_N_STATES; s++) {
        CU_ASSERT_EQUAL(vsi_state_is_active(s), s == VSI_ASSOCIATED);
    }
}

static void
test_names(void)
{
    for (int s = 0; s < VSI_N_STATES; s++) {
        enum vsi_state back;
        CU_ASSERT(vsi_state_from_name(vsi_state_name(s), &back));
        CU_ASSERT_EQUAL(back, s);
    }
    for (int st = 0; st < VSI_N_STATUSES; st++) {
        enum vsi_status back;
        CU_ASSERT(vsi_status_from_name(vsi_status_name(st), &back));
        CU_ASSERT_EQUAL(back, st);
    }
    enum vsi_state dummy;
    CU_ASSERT_FALSE(vsi_state_from_name("terminated", &dummy));
    CU_ASSERT_STRING_EQUAL(vsi_state_name(VSI_EMIGRATING), "emigrating");
    CU_ASSERT_STRING_EQUAL(vsi_event_name(VSIE_IMMIGRATE_ASSOC),
                           "immigrate/associate");
    CU_ASSERT_STRING_EQUAL(vsi_status_name(VSI_ST_CONFLICT_POLICIES),
                           "CONFLICT_POLICIES");
}

static void
test_format_table(void)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    size_t lines = 0;

    vsi_lifecycle_format_table(&s);
    for (const char *p = ds_cstr(&s); *p; p++) {
        lines += *p == '\n';
    }
    CU_ASSERT_EQUAL(lines, VSI_N_STATES * (1 + VSI_N_EVENTS));
    CU_ASSERT_PTR_NOT_NULL(strstr(ds_cstr(&s),
        "\nsuspended: not forwarding; everything kept for a resume\n"
        "  pre_associate           -> pre_associated SUCCESS       "
        "bind+refresh\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ds_cstr(&s),
        "  age_out                 -> absent         SUCCESS       "
        "release+notify\n"));
    for (const char *p = ds_cstr(&s); *p; ) {
        const char *nl = strchr(p, '\n');
        CU_ASSERT(nl - p <= 79);
        p = nl + 1;
    }
    ds_destroy(&s);

    ds_init(&s);
    vsi_actions_format(0, &s);
    CU_ASSERT_STRING_EQUAL(ds_cstr(&s), "-");
    ds_clear(&s);
    vsi_actions_format(VSI_ACT_BIND | VSI_ACT_MIGRATE | VSI_ACT_REFRESH, &s);
    CU_ASSERT_STRING_EQUAL(ds_cstr(&s), "bind+migrate+refresh");
    ds_destroy(&s);
}

void
test_vsi_lifecycle_register(void)
{
    CU_pSuite suite = CU_add_suite("vsi_lifecycle", NULL, NULL);

    CU_add_test(suite, "every (state, event) pair follows the rules",
                test_every_pair_follows_the_rules);
    CU_add_test(suite, "failures change nothing",
                test_failures_change_nothing);
    CU_add_test(suite, "release exactly when leaving a held state",
                test_release_iff_leaving_held_state);
    CU_add_test(suite, "only associated forwards",
                test_only_associated_forwards);
    CU_add_test(suite, "names round-trip", test_names);
    CU_add_test(suite, "table format", test_format_table);
}
