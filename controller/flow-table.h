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

#ifndef NVE_FLOW_TABLE_H
#define NVE_FLOW_TABLE_H 1

/* The desired flow table: every OpenFlow flow nve-controller wants in the
 * integration bridge, grouped by owner, with the changes since the last
 * flow_table_clear_tracked() remembered so that installing them costs time
 * proportional to the change, not to the size of the table.
 *
 * An owner is whatever caused the flows: the base pipeline, one remote NVE,
 * one VSI, one (port, VN) pair...  It is named by a 64-bit cookie that is
 * also the OpenFlow cookie of its flows, so "ovs-ofctl dump-flows
 * cookie=0x.../-1" shows what one owner installed.  The top 8 bits of a
 * cookie say what kind of owner it is (enum flow_owner_kind), the rest
 * identify the owner within its kind.  Cookie 0 is never ours.
 *
 * A flow is identified by (table, priority, match).  An owner replaces its
 * flows by removing them all and adding the new set; a flow removed and
 * added again with the same actions within one round is no change at all.
 *
 * This module is pure: no I/O, no globals. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"
#include "openvswitch/util.h"

struct match;
struct ofpact;
struct ds;

enum flow_owner_kind {
    FLOW_OWNER_PIPELINE = 1,    /* Base pipeline: defaults and drops. */
    FLOW_OWNER_TUNNEL = 2,      /* One remote NVE's tunnel port. */
    FLOW_OWNER_MAPPING = 3,     /* One static remote mapping. */
    FLOW_OWNER_VN_PORT = 4,     /* One (TES-facing port, VN) pair. */
    FLOW_OWNER_VSI = 5,         /* One VSI. */
    FLOW_OWNER_VN = 6,          /* One VN (flooding to remote NVEs). */
    FLOW_OWNER_PROFILE = 7,     /* One policy profile (its ACLs). */
    FLOW_OWNER_VDP = 8,         /* ECP and LLDP to the controller from one
                                 * TES-facing port (vdp-server.c). */
    FLOW_OWNER_VN_PORT_FLOOD = 9,   /* The profile that the VSIs of one
                                     * (TES-facing port, VN) pair share,
                                     * for flooded frames (vsi-flows.c). */
    FLOW_OWNER_VN_PORT_RX = 10,     /* The flooded copies that one
                                     * (TES-facing port, VN) pair receives,
                                     * counted for its VSIs (vsi-flows.h). */
};

/* Composes and decomposes an owner cookie. */
static inline uint64_t
flow_owner_cookie(enum flow_owner_kind kind, uint64_t id)
{
    return ((uint64_t) kind << 56) | (id & ((UINT64_C(1) << 56) - 1));
}

static inline enum flow_owner_kind
flow_owner_kind(uint64_t cookie)
{
    return cookie >> 56;
}

/* One flow of a flow_table.
 *
 * Users of flow_table read the members in the first group and never write
 * them; the rest belongs to flow-table.c. */
struct flow_table_entry {
    uint64_t cookie;                /* Owner, see above. */
    struct minimatch match;
    struct ofpact *ofpacts;         /* Shared with the entries that have the
                                     * same actions. */
    uint32_t ofpacts_len;
    uint16_t priority;
    uint8_t table_id;

    /* Private to flow-table.c.  (The members are ordered so that an entry,
     * of which there are 3 per VSI, takes 128 bytes.) */
    bool installed;                 /* Last round left it in the switch. */
    uint32_t installed_ofpacts_len;
    struct ofpact *installed_ofpacts; /* If modified, the actions there. */
    uint64_t installed_cookie;      /* If 'installed', its cookie there. */
    struct hmap_node node;          /* In 'flows' or 'deleted', by key. */
    struct flow_owner *owner;       /* NULL if deleted (not desired). */
    struct ovs_list owner_node;     /* In 'owner->flows', if 'owner'. */
    struct ovs_list track_node;     /* In 'tracked' if changed, else empty. */
};
BUILD_ASSERT_DECL(sizeof(struct flow_table_entry) <= 128);

struct flow_table;

struct flow_table *flow_table_create(void);
void flow_table_destroy(struct flow_table *);

/* Adds a flow for the owner 'cookie'.  If another flow with the same
 * (table_id, priority, match) exists, the existing one is kept when it has the
 * same owner and actions; otherwise the new one replaces it and the conflict
 * is counted (and logged rate-limited by the caller through
 * flow_table_n_conflicts()).
 *
 * 'match' must be normalized the way the match_set_*() functions leave it
 * (no bits set in the flow where the mask is 0), so that it compares equal to
 * the same match read back from the switch. */
void flow_table_add(struct flow_table *, uint64_t cookie,
                    uint8_t table_id, uint16_t priority,
                    const struct match *,
                    const struct ofpact *ofpacts, size_t ofpacts_len);

/* Removes every flow of owner 'cookie'.  Cost: the number of its flows. */
void flow_table_remove_owner(struct flow_table *, uint64_t cookie);

/* Number of flows, of owners, and of distinct actions (which the flows
 * that have the same share) in the table; whether owner 'cookie' has
 * flows in it, and how many (counted: O(n) in that number). */
size_t flow_table_count(const struct flow_table *);
size_t flow_table_n_owners(const struct flow_table *);
size_t flow_table_n_actions(const struct flow_table *);
size_t flow_table_n_masks(const struct flow_table *);
bool flow_table_has_owner(const struct flow_table *, uint64_t cookie);
size_t flow_table_owner_count(const struct flow_table *, uint64_t cookie);
uint64_t flow_table_n_conflicts(const struct flow_table *);

/* A change to make in the switch. */
enum flow_change_type {
    FLOW_CHANGE_ADD,            /* Add 'entry', which the switch lacks. */
    FLOW_CHANGE_MODIFY,         /* Give the switch's flow 'entry''s cookie
                                 * and actions; it has 'old_cookie'. */
    FLOW_CHANGE_DELETE,         /* Delete 'entry' (as it is in the switch). */
};

const char *flow_change_type_to_string(enum flow_change_type);

struct flow_table_change {
    enum flow_change_type type;
    const struct flow_table_entry *entry;
    uint64_t old_cookie;        /* FLOW_CHANGE_MODIFY: cookie in the switch. */
};
typedef void flow_table_change_cb(const struct flow_table_change *,
                                  void *aux);

/* The changes since the last flow_table_clear_tracked(), each at most once,
 * as the entries to add, modify or delete in the switch.  A flow removed and
 * added again identically is no change; a flow added and removed again
 * before being installed is none either.  Cost: the number of changes. */
size_t flow_table_n_tracked(const struct flow_table *);
void flow_table_for_each_tracked(const struct flow_table *,
                                 flow_table_change_cb *, void *aux);

/* Takes the tracked changes as installed: from now on they are the state of
 * the switch that later changes are relative to. */
void flow_table_clear_tracked(struct flow_table *);

/* Marks every flow as not installed, so that the next round of tracked
 * changes is the whole table (after the switch was lost), and forgets
 * pending deletions.  Cost: the size of the table. */
void flow_table_mark_all_uninstalled(struct flow_table *);

/* Reports, through 'cb', the changes that turn the flows in 'actual' (read
 * from the switch) into those of 'desired', ignoring the tracking state of
 * both: a flow only in 'desired' is an ADD, one that differs in cookie or
 * actions a MODIFY, one only in 'actual' a DELETE.  Returns the number of
 * changes.  Actions are compared with flow_actions_equal().  Cost: the size
 * of both tables. */
size_t flow_table_diff(const struct flow_table *desired,
                       const struct flow_table *actual,
                       flow_table_change_cb *, void *aux);

/* Iteration over all flows (not those awaiting deletion), and lookup by
 * (table, priority, match). */
const struct flow_table_entry *flow_table_find(const struct flow_table *,
                                               uint8_t table_id,
                                               uint16_t priority,
                                               const struct match *);
#define FLOW_TABLE_FOR_EACH(ENTRY, TABLE) \
    HMAP_FOR_EACH (ENTRY, node, flow_table_hmap(TABLE))
const struct hmap *flow_table_hmap(const struct flow_table *);

/* Returns true if actions 'a' and 'b' do the same, that is, if they encode
 * to the same OpenFlow 1.5 instructions.  Actions read back from the switch
 * differ in memory from those they were encoded from (e.g. struct ofpact's
 * 'raw'), so ofpacts_equal() alone is not enough to compare them. */
bool flow_actions_equal(const struct ofpact *a, size_t a_len,
                        const struct ofpact *b, size_t b_len);

/* Appends "table=T, priority=P, cookie=C, MATCH actions=ACTIONS" to 'ds', in
 * ovs-ofctl's syntax. */
void flow_table_entry_format(const struct flow_table_entry *, struct ds *);

#endif /* flow-table.h */
