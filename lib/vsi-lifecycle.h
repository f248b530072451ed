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

#ifndef NVE_VSI_LIFECYCLE_H
#define NVE_VSI_LIFECYCLE_H 1

/* The TES-to-NVE signalling state machine of one VSI (seed draft
 * draft-gu-nvo3-tes-nve-mechanism-01, figure 5, made complete).
 *
 * Every (state, event) pair has exactly one outcome: a next state, a status
 * for the requester and a set of actions.  The table is the only place that
 * says what a request does to a VSI; the TNS and VDP front ends translate
 * their messages into events, and the VSI table carries out the actions.
 *
 * This module is pure: no I/O, no globals but the constant table. */

#include <stdbool.h>
#include <stdint.h>

struct ds;

/* States.  VSI_ABSENT means the NVE holds nothing for the VSI. */
#define VSI_STATES                                                        \
    VSI_STATE(ABSENT, "absent",                                           \
              "the NVE holds nothing")                                    \
    VSI_STATE(PRE_ASSOCIATED, "pre_associated",                           \
              "authorized, VIDs reserved, policies installed; "           \
              "not forwarding")                                           \
    VSI_STATE(ASSOCIATED, "associated",                                   \
              "forwarding")                                               \
    VSI_STATE(SUSPENDED, "suspended",                                     \
              "not forwarding; everything kept for a resume")             \
    VSI_STATE(EMIGRATING, "emigrating",                                   \
              "not forwarding; kept until terminate, since the "          \
              "migration may fail")

enum vsi_state {
#define VSI_STATE(ENUM, NAME, DESCRIPTION) VSI_##ENUM,
    VSI_STATES
#undef VSI_STATE
    VSI_N_STATES
};

/* Events: the requests of a TES, and what the NVE does on its own. */
#define VSI_EVENTS                                                        \
    VSI_EVENT(PRE_ASSOCIATE, "pre_associate")                             \
    VSI_EVENT(ASSOCIATE, "associate")                                     \
    VSI_EVENT(SUSPEND, "suspend")                                         \
    VSI_EVENT(RESUME, "resume")                                           \
    VSI_EVENT(EMIGRATE, "emigrate")                                       \
    VSI_EVENT(IMMIGRATE_PRE, "immigrate/pre_associate")                   \
    VSI_EVENT(IMMIGRATE_ASSOC, "immigrate/associate")                     \
    VSI_EVENT(TERMINATE, "terminate")                                     \
    VSI_EVENT(KEEPALIVE, "keepalive")                                     \
    VSI_EVENT(GET, "get")                                                 \
    VSI_EVENT(AGE_OUT, "age_out")                                         \
    VSI_EVENT(REMOVE, "remove")

enum vsi_event {
#define VSI_EVENT(ENUM, NAME) VSIE_##ENUM,
    VSI_EVENTS
#undef VSI_EVENT
    VSI_N_EVENTS
};

/* The outcome of a request, as TNS "data.status" names it.  SUCCESS and the
 * lifecycle failures come from the table; the others from checks on the
 * request's content (authorization, resources...) made before the table
 * applies. */
#define VSI_STATUSES                                                      \
    VSI_STATUS(SUCCESS)                                                   \
    VSI_STATUS(FAILED_AUTHORIZATION)                                      \
    VSI_STATUS(CONFLICT_POLICIES)                                         \
    VSI_STATUS(INSUFFICIENT_RESOURCES)                                    \
    VSI_STATUS(BUSY)                                                      \
    VSI_STATUS(INVALID_STATE)                                             \
    VSI_STATUS(UNKNOWN_VSI)                                               \
    VSI_STATUS(UNKNOWN_VN)                                                \
    VSI_STATUS(INVALID_REQUEST)

enum vsi_status {
#define VSI_STATUS(ENUM) VSI_ST_##ENUM,
    VSI_STATUSES
#undef VSI_STATUS
    VSI_N_STATUSES
};

/* Actions, as bits: what the NVE does besides moving to the next state. */
enum vsi_action {
    VSI_ACT_BIND = 1 << 0,      /* Apply the request's networks: compare
                                 * with the VSI's; identical ones are only
                                 * refreshed, changed ones updated, VIDs and
                                 * policies no longer used released. */
    VSI_ACT_MIGRATE = 1 << 1,   /* Mark the VSI as arrived by migration. */
    VSI_ACT_REFRESH = 1 << 2,   /* Restart the ageing timer. */
    VSI_ACT_RELEASE = 1 << 3,   /* Release everything: the VSI is gone. */
    VSI_ACT_NOTIFY = 1 << 4,    /* Tell the TES it was deassociated. */
    VSI_ACT_REPORT = 1 << 5,    /* Report state, networks and counters. */
};

struct vsi_transition {
    enum vsi_state next;        /* Next state. */
    enum vsi_status status;     /* Outcome for the requester. */
    unsigned int actions;       /* VSI_ACT_* bits. */
};

const struct vsi_transition *vsi_transition(enum vsi_state, enum vsi_event);

/* Whether a VSI in 'state' forwards traffic. */
static inline bool
vsi_state_is_active(enum vsi_state state)
{
    return state == VSI_ASSOCIATED;
}

const char *vsi_state_name(enum vsi_state);
const char *vsi_state_description(enum vsi_state);
bool vsi_state_from_name(const char *, enum vsi_state *);
const char *vsi_event_name(enum vsi_event);
/* The verb of 'event' as a requester says it: its name, but "immigrate"
 * for both immigration events. */
const char *vsi_event_verb(enum vsi_event);
const char *vsi_status_name(enum vsi_status);
bool vsi_status_from_name(const char *, enum vsi_status *);

/* Appends the names of the bits in 'actions' to 'ds', separated by '+', or
 * "-" if there are none. */
void vsi_actions_format(unsigned int actions, struct ds *);

/* Appends the whole transition table to 'ds': for each state, a line
 * "STATE: DESCRIPTION", then one line per event, "  EVENT -> NEXT STATUS
 * ACTIONS", in columns, no line longer than 79 characters (the table is
 * reproduced in nve-controller(8)). */
void vsi_lifecycle_format_table(struct ds *);

#endif /* vsi-lifecycle.h */
