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

/* The transition table of the VSI lifecycle (vsi-lifecycle.h), and the
 * names of its states, events, statuses and actions.  nve-controller's VSI
 * table looks up here what a request does to a VSI, whether it came through
 * TNS (lib/tns.c) or VDP (lib/vdp.c); tes-signal and the replies use the
 * names; tests/test-vsi-lifecycle.c checks every transition, and
 * "ovs-appctl vsi/lifecycle" prints the table. */

#include <config.h>
#include "vsi-lifecycle.h"

#include <string.h>
#include "openvswitch/dynamic-string.h"
#include "util.h"

/* Shorthands for the table below. */
#define B VSI_ACT_BIND
#define M VSI_ACT_MIGRATE
#define F VSI_ACT_REFRESH
#define R VSI_ACT_RELEASE
#define N VSI_ACT_NOTIFY
#define P VSI_ACT_REPORT
#define T(NEXT, STATUS, ACTIONS) { VSI_##NEXT, VSI_ST_##STATUS, ACTIONS }

/* The transition table, one row per state, one column per event, in the
 * order of VSI_EVENTS:
 *
 *   pre_associate, associate, suspend, resume, emigrate,
 *   immigrate/pre_associate, immigrate/associate, terminate, keepalive,
 *   get, age_out, remove.
 *
 * Choices the seed leaves open, made here and documented in
 * nve-controller(8):
 *
 *   - Every successful request about a VSI the NVE holds restarts its
 *     ageing timer; failed ones do not.
 *   - "resume" of a VSI that is neither suspended nor emigrating, and
 *     "terminate" of one the NVE does not hold, succeed and do nothing
 *     (seed 3.3.4, 3.3.7).
 *   - "suspend" and "emigrate" repeated are idempotent, so that a TES may
 *     retry after a lost reply.
 *   - "suspend" of a VSI that is pre-associated or emigrating is
 *     INVALID_STATE: there is nothing to suspend (seed 3.3.3).
 *   - "pre_associate" of an associated VSI moves it back to pre-associated
 *     (deactivated), as the VDP bridge does.
 *   - "associate" or "pre_associate" of an emigrating VSI means the
 *     migration failed and the VM stays (seed 3.3.5); so does "resume",
 *     which makes it forward again with what it had: "the VM has to be
 *     resumed on the old location with the states and policies" (seed
 *     3.2.6).
 *   - Requests about a VSI the NVE does not hold, other than the three that
 *     create one, "resume" and "terminate", are UNKNOWN_VSI, so that the TES
 *     knows to associate again. */
static const struct vsi_transition transitions[VSI_N_STATES][VSI_N_EVENTS] = {
    [VSI_ABSENT] = {
        T(PRE_ASSOCIATED, SUCCESS, B | F),
        T(ASSOCIATED, SUCCESS, B | F),
        T(ABSENT, UNKNOWN_VSI, 0),
        T(ABSENT, SUCCESS, 0),
        T(ABSENT, UNKNOWN_VSI, 0),
        T(PRE_ASSOCIATED, SUCCESS, B | M | F),
        T(ASSOCIATED, SUCCESS, B | M | F),
        T(ABSENT, SUCCESS, 0),
        T(ABSENT, UNKNOWN_VSI, 0),
        T(ABSENT, UNKNOWN_VSI, 0),
        T(ABSENT, SUCCESS, 0),
        T(ABSENT, SUCCESS, 0),
    },
    [VSI_PRE_ASSOCIATED] = {
        T(PRE_ASSOCIATED, SUCCESS, B | F),
        T(ASSOCIATED, SUCCESS, B | F),
        T(PRE_ASSOCIATED, INVALID_STATE, 0),
        T(PRE_ASSOCIATED, SUCCESS, F),
        T(EMIGRATING, SUCCESS, F),
        T(PRE_ASSOCIATED, SUCCESS, B | M | F),
        T(ASSOCIATED, SUCCESS, B | M | F),
        T(ABSENT, SUCCESS, R),
        T(PRE_ASSOCIATED, SUCCESS, F),
        T(PRE_ASSOCIATED, SUCCESS, P),
        T(ABSENT, SUCCESS, R | N),
        T(ABSENT, SUCCESS, R | N),
    },
    [VSI_ASSOCIATED] = {
        T(PRE_ASSOCIATED, SUCCESS, B | F),
        T(ASSOCIATED, SUCCESS, B | F),
        T(SUSPENDED, SUCCESS, F),
        T(ASSOCIATED, SUCCESS, F),
        T(EMIGRATING, SUCCESS, F),
        T(PRE_ASSOCIATED, SUCCESS, B | M | F),
        T(ASSOCIATED, SUCCESS, B | M | F),
        T(ABSENT, SUCCESS, R),
        T(ASSOCIATED, SUCCESS, F),
        T(ASSOCIATED, SUCCESS, P),
        T(ABSENT, SUCCESS, R | N),
        T(ABSENT, SUCCESS, R | N),
    },
    [VSI_SUSPENDED] = {
        T(PRE_ASSOCIATED, SUCCESS, B | F),
        T(ASSOCIATED, SUCCESS, B | F),
        T(SUSPENDED, SUCCESS, F),
        T(ASSOCIATED, SUCCESS, F),
        T(EMIGRATING, SUCCESS, F),
        T(PRE_ASSOCIATED, SUCCESS, B | M | F),
        T(ASSOCIATED, SUCCESS, B | M | F),
        T(ABSENT, SUCCESS, R),
        T(SUSPENDED, SUCCESS, F),
        T(SUSPENDED, SUCCESS, P),
        T(ABSENT, SUCCESS, R | N),
        T(ABSENT, SUCCESS, R | N),
    },
    [VSI_EMIGRATING] = {
        T(PRE_ASSOCIATED, SUCCESS, B | F),
        T(ASSOCIATED, SUCCESS, B | F),
        T(EMIGRATING, INVALID_STATE, 0),
        T(ASSOCIATED, SUCCESS, F),
        T(EMIGRATING, SUCCESS, F),
        T(PRE_ASSOCIATED, SUCCESS, B | M | F),
        T(ASSOCIATED, SUCCESS, B | M | F),
        T(ABSENT, SUCCESS, R),
        T(EMIGRATING, SUCCESS, F),
        T(EMIGRATING, SUCCESS, P),
        T(ABSENT, SUCCESS, R | N),
        T(ABSENT, SUCCESS, R | N),
    },
};
BUILD_ASSERT_DECL(VSI_N_EVENTS == 12);

#undef B
#undef M
#undef F
#undef R
#undef N
#undef P
#undef T

const struct vsi_transition *
vsi_transition(enum vsi_state state, enum vsi_event event)
{
    ovs_assert(state < VSI_N_STATES && event < VSI_N_EVENTS);
    return &transitions[state][event];
}

static const char *const state_names[VSI_N_STATES] = {
#define VSI_STATE(ENUM, NAME, DESCRIPTION) NAME,
    VSI_STATES
#undef VSI_STATE
};

static const char *const state_descriptions[VSI_N_STATES] = {
#define VSI_STATE(ENUM, NAME, DESCRIPTION) DESCRIPTION,
    VSI_STATES
#undef VSI_STATE
};

static const char *const event_names[VSI_N_EVENTS] = {
#define VSI_EVENT(ENUM, NAME) NAME,
    VSI_EVENTS
#undef VSI_EVENT
};

static const char *const status_names[VSI_N_STATUSES] = {
#define VSI_STATUS(ENUM) #ENUM,
    VSI_STATUSES
#undef VSI_STATUS
};

const char *
vsi_state_name(enum vsi_state state)
{
    return state < VSI_N_STATES ? state_names[state] : "<invalid>";
}

const char *
vsi_state_description(enum vsi_state state)
{
    return state < VSI_N_STATES ? state_descriptions[state] : "<invalid>";
}

bool
vsi_state_from_name(const char *name, enum vsi_state *state)
{
    for (int i = 0; i < VSI_N_STATES; i++) {
        if (!strcmp(name, state_names[i])) {
            *state = i;
            return true;
        }
    }
    return false;
}

const char *
vsi_event_name(enum vsi_event event)
{
    return event < VSI_N_EVENTS ? event_names[event] : "<invalid>";
}

const char *
vsi_event_verb(enum vsi_event event)
{
    return (event == VSIE_IMMIGRATE_PRE || event == VSIE_IMMIGRATE_ASSOC
            ? "immigrate" : vsi_event_name(event));
}

const char *
vsi_status_name(enum vsi_status status)
{
    return status < VSI_N_STATUSES ? status_names[status] : "<invalid>";
}

bool
vsi_status_from_name(const char *name, enum vsi_status *status)
{
    for (int i = 0; i < VSI_N_STATUSES; i++) {
        if (!strcmp(name, status_names[i])) {
            *status = i;
            return true;
        }
    }
    return false;
}

void
vsi_actions_format(unsigned int actions, struct ds *s)
{
    static const struct {
        enum vsi_action bit;
        const char *name;
    } names[] = {
        { VSI_ACT_BIND, "bind" },
        { VSI_ACT_MIGRATE, "migrate" },
        { VSI_ACT_REFRESH, "refresh" },
        { VSI_ACT_RELEASE, "release" },
        { VSI_ACT_NOTIFY, "notify" },
        { VSI_ACT_REPORT, "report" },
    };
    size_t start = s->length;

    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (actions & names[i].bit) {
            if (s->length > start) {
                ds_put_char(s, '+');
            }
            ds_put_cstr(s, names[i].name);
        }
    }
    if (s->length == start) {
        ds_put_char(s, '-');
    }
}

void
vsi_lifecycle_format_table(struct ds *s)
{
    for (int state = 0; state < VSI_N_STATES; state++) {
        ds_put_format(s, "%s: %s\n", vsi_state_name(state),
                      vsi_state_description(state));
        for (int event = 0; event < VSI_N_EVENTS; event++) {
            const struct vsi_transition *t = vsi_transition(state, event);

            ds_put_format(s, "  %-23s -> %-14s %-13s ",
                          vsi_event_name(event), vsi_state_name(t->next),
                          vsi_status_name(t->status));
            vsi_actions_format(t->actions, s);
            ds_put_char(s, '\n');
        }
    }
}
