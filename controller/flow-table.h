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

#include <stddef.h>
#include <stdint.h>
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"

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

/* One desired flow. */
struct flow_table_entry {
    struct hmap_node node;          /* In flow_table's 'flows'. */
    struct ovs_list owner_node;     /* In its owner's list of flows. */
    struct ovs_list track_node;     /* In 'tracked' while changed. */
    uint64_t cookie;                /* Owner, see above. */
    uint8_t table_id;
    uint16_t priority;
    struct minimatch match;
    struct ofpact *ofpacts;
    size_t ofpacts_len;
    uint32_t hash;                  /* Of (table_id, priority, match). */
    /* Change tracking, maintained by flow_table. */
    bool installed;                 /* Last round left it in the switch. */
    bool deleted;                   /* Removed: awaiting installation. */
    struct ofpact *old_ofpacts;     /* Actions in the switch, if modified. */
    size_t old_ofpacts_len;
};

struct flow_table;

struct flow_table *flow_table_create(void);
void flow_table_destroy(struct flow_table *);

/* Adds a flow for the owner 'cookie'.  If another flow with the same
 * (table_id, priority, match) exists, the existing one is kept when it has the
 * same owner and actions; otherwise the new one replaces it and the conflict
 * is counted (and logged rate-limited by the caller through
 * flow_table_n_conflicts()). */
void flow_table_add(struct flow_table *, uint64_t cookie,
                    uint8_t table_id, uint16_t priority,
                    const struct match *,
                    const struct ofpact *ofpacts, size_t ofpacts_len);

/* Removes every flow of owner 'cookie'.  Cost: the number of its flows. */
void flow_table_remove_owner(struct flow_table *, uint64_t cookie);

/* Number of flows, and of owners, in the table. */
size_t flow_table_count(const struct flow_table *);
size_t flow_table_n_owners(const struct flow_table *);
uint64_t flow_table_n_conflicts(const struct flow_table *);

/* The changes since the last flow_table_clear_tracked(), each at most once,
 * as the entries to add, modify or delete in the switch. */
struct flow_table_change {
    enum { FLOW_CHANGE_ADD, FLOW_CHANGE_MODIFY, FLOW_CHANGE_DELETE } type;
    const struct flow_table_entry *entry;
};
typedef void flow_table_change_cb(const struct flow_table_change *,
                                  void *aux);
size_t flow_table_n_tracked(const struct flow_table *);
void flow_table_for_each_tracked(const struct flow_table *,
                                 flow_table_change_cb *, void *aux);
void flow_table_clear_tracked(struct flow_table *);

/* Marks every flow as not installed, so that the next round of tracked
 * changes is the whole table (after the switch was lost), and forgets
 * pending deletions. */
void flow_table_mark_all_uninstalled(struct flow_table *);

/* Iteration over all flows, and lookup by (table, priority, match). */
const struct flow_table_entry *flow_table_find(const struct flow_table *,
                                               uint8_t table_id,
                                               uint16_t priority,
                                               const struct match *);
#define FLOW_TABLE_FOR_EACH(ENTRY, TABLE) \
    HMAP_FOR_EACH (ENTRY, node, flow_table_hmap(TABLE))
const struct hmap *flow_table_hmap(const struct flow_table *);

/* Appends "table=T, priority=P, cookie=C, MATCH actions=ACTIONS" to 'ds', in
 * ovs-ofctl's syntax. */
void flow_table_entry_format(const struct flow_table_entry *, struct ds *);

#endif /* flow-table.h */
