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

/* The desired flow table of nve-controller (flow-table.h).
 *
 * The modules that put flows in the pipeline (pipeline, tunnels,
 * remote-flows, profiles, vsi-flows, vdp-server) add and remove them here,
 * by owner, as their inputs change; ofctrl sends the changes that the table
 * tracks to the switch, and after a reconnection compares the whole table
 * with the flows read back from it (flow_table_diff()).  Nothing here talks
 * to the switch. */

#include <config.h>
#include "flow-table.h"

#include <string.h>

#include "flow.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/util.h"
#include "tun-metadata.h"
#include "util.h"

/* How the table works.
 *
 * Every flow, desired or not, is a struct flow_table_entry that describes two
 * versions of the flow: the desired one (its public members, and 'owner' if
 * desired at all) and the one in the switch as of the last round
 * ('installed', 'installed_cookie' and, only while they differ from the
 * desired actions, 'installed_ofpacts').
 *
 * Desired flows are in 'flows' and in their owner's list.  A flow that is no
 * longer desired but still installed moves to 'deleted' until the round ends,
 * so that adding it back finds it and turns the pair into no change at all.
 * A flow that is neither desired nor installed is freed at once.
 *
 * An entry is in 'tracked' exactly while its two versions differ, so that a
 * round's changes are found without looking at unchanged flows. */

/* The flows of one owner. */
struct flow_owner {
    struct hmap_node node;      /* In 'owners', by hash of 'cookie'. */
    uint64_t cookie;
    struct ovs_list flows;      /* Contains "struct flow_table_entry"s. */
};

/* Actions, shared by the entries that have the same ones (of a VSI's three
 * flows, two have the actions of other VSIs' flows behind the same port):
 * reference counted, in 'table->actions' by content.  An entry's 'ofpacts'
 * and 'installed_ofpacts' point to the 'ofpacts' of one. */
struct flow_actions {
    struct hmap_node node;      /* In 'actions', by hash of 'ofpacts'. */
    uint32_t refcnt;
    uint32_t len;               /* In bytes. */
    uint64_t ofpacts[];         /* 'len' bytes of "struct ofpact"s. */
};

/* Masks, shared by the entries whose matches have the same one (a VSI's
 * three flows have the masks of every other VSI's): reference counted, in
 * 'table->masks' by content.  An entry's 'match.mask' points to the 'mask'
 * of one, and its 'match.flow' is an allocation of its own (instead of one
 * allocation for both, as minimatch_init() makes). */
struct flow_mask {
    struct hmap_node node;      /* In 'masks', by hash of 'mask'. */
    uint32_t refcnt;
    struct minimask mask;       /* Followed by its values. */
};

struct flow_table {
    struct hmap flows;          /* Desired flows, by key. */
    struct hmap deleted;        /* Installed flows no longer desired. */
    struct hmap owners;         /* Contains "struct flow_owner"s. */
    struct hmap actions;        /* Contains "struct flow_actions". */
    struct hmap masks;          /* Contains "struct flow_mask"s. */
    struct ovs_list tracked;    /* Entries whose versions differ. */
    size_t n_tracked;
    uint64_t n_conflicts;
};

static uint32_t
flow_key_hash(uint8_t table_id, uint16_t priority,
              const struct minimatch *match)
{
    return minimatch_hash(match, ((uint32_t) table_id << 16) | priority);
}

static struct flow_table_entry *
flow_lookup(const struct hmap *map, uint32_t hash, uint8_t table_id,
            uint16_t priority, const struct minimatch *match)
{
    struct flow_table_entry *e;

    HMAP_FOR_EACH_WITH_HASH (e, node, hash, map) {
        if (e->table_id == table_id && e->priority == priority
            && minimatch_equal(&e->match, match)) {
            return e;
        }
    }
    return NULL;
}

static const struct ofpact *
entry_installed_ofpacts(const struct flow_table_entry *e, size_t *len)
{
    if (e->installed_ofpacts) {
        *len = e->installed_ofpacts_len;
        return e->installed_ofpacts;
    }
    *len = e->ofpacts_len;
    return e->ofpacts;
}

static bool
entry_is_tracked(const struct flow_table_entry *e)
{
    return !ovs_list_is_empty(&e->track_node);
}

static void
entry_track(struct flow_table *table, struct flow_table_entry *e)
{
    if (!entry_is_tracked(e)) {
        ovs_list_push_back(&table->tracked, &e->track_node);
        table->n_tracked++;
    }
}

static void
entry_untrack(struct flow_table *table, struct flow_table_entry *e)
{
    if (entry_is_tracked(e)) {
        ovs_list_remove(&e->track_node);
        ovs_list_init(&e->track_node);
        table->n_tracked--;
    }
}

/* Returns the shared copy of the 'len' bytes of actions 'ofpacts', with a
 * reference for the caller. */
static struct ofpact *
actions_ref(struct flow_table *table, const struct ofpact *ofpacts,
            size_t len)
{
    uint32_t hash = len ? hash_bytes(ofpacts, len, 0) : 0;
    struct flow_actions *fa;

    HMAP_FOR_EACH_WITH_HASH (fa, node, hash, &table->actions) {
        if (fa->len == len && (!len || !memcmp(fa->ofpacts, ofpacts, len))) {
            fa->refcnt++;
            return ALIGNED_CAST(struct ofpact *, fa->ofpacts);
        }
    }
    fa = xmalloc(sizeof *fa + len);
    fa->refcnt = 1;
    fa->len = len;
    if (len) {
        memcpy(fa->ofpacts, ofpacts, len);
    }
    hmap_insert(&table->actions, &fa->node, hash);
    return ALIGNED_CAST(struct ofpact *, fa->ofpacts);
}

/* Drops a reference to the shared actions 'ofpacts' (from actions_ref()),
 * if nonnull. */
static void
actions_unref(struct flow_table *table, struct ofpact *ofpacts)
{
    if (ofpacts) {
        struct flow_actions *fa = CONTAINER_OF((uint64_t *) ofpacts,
                                               struct flow_actions, ofpacts);
        ovs_assert(fa->refcnt);
        if (!--fa->refcnt) {
            hmap_remove(&table->actions, &fa->node);
            free(fa);
        }
    }
}

/* Initializes 'dst' as a copy of 'src' whose mask is shared (see struct
 * flow_mask), and destroys 'src'. */
static void
match_share(struct flow_table *table, struct minimatch *dst,
            struct minimatch *src)
{
    const struct miniflow *mf = &src->mask->masks;
    size_t n_values = miniflow_n_values(mf);
    uint32_t hash = hash_bytes(miniflow_get_values(mf),
                               n_values * sizeof(uint64_t),
                               hash_bytes(&mf->map, sizeof mf->map, 0));
    struct flow_mask *fm;
    bool found = false;

    HMAP_FOR_EACH_WITH_HASH (fm, node, hash, &table->masks) {
        if (minimask_equal(&fm->mask, src->mask)) {
            fm->refcnt++;
            found = true;
            break;
        }
    }
    if (!found) {
        fm = xmalloc(offsetof(struct flow_mask, mask)
                     + sizeof fm->mask + n_values * sizeof(uint64_t));
        fm->refcnt = 1;
        fm->mask.masks.map = src->mask->masks.map;
        memcpy(miniflow_values(&fm->mask.masks),
               miniflow_get_values(&src->mask->masks),
               n_values * sizeof(uint64_t));
        hmap_insert(&table->masks, &fm->node, hash);
    }

    size_t size = miniflow_alloc(&dst->flow, 1, &src->mask->masks);
    memcpy(miniflow_values(dst->flow), miniflow_get_values(src->flow), size);
    dst->mask = &fm->mask;
    dst->tun_md = src->tun_md;
    free(src->flow);            /* And its mask, in the same allocation. */
}

/* Frees what match_share() gave 'match'. */
static void
match_unshare(struct flow_table *table, struct minimatch *match)
{
    struct flow_mask *fm = CONTAINER_OF(match->mask, struct flow_mask, mask);

    ovs_assert(fm->refcnt);
    if (!--fm->refcnt) {
        hmap_remove(&table->masks, &fm->node);
        free(fm);
    }
    free(match->flow);
    free(CONST_CAST(struct tun_metadata_allocation *, match->tun_md));
}

static void
entry_free(struct flow_table *table, struct flow_table_entry *e)
{
    match_unshare(table, &e->match);
    actions_unref(table, e->ofpacts);
    actions_unref(table, e->installed_ofpacts);
    free(e);
}

static struct flow_owner *
owner_lookup(const struct flow_table *table, uint64_t cookie)
{
    struct flow_owner *owner;

    HMAP_FOR_EACH_WITH_HASH (owner, node, hash_uint64(cookie),
                             &table->owners) {
        if (owner->cookie == cookie) {
            return owner;
        }
    }
    return NULL;
}

static void
entry_attach(struct flow_table *table, struct flow_table_entry *e,
             uint64_t cookie)
{
    struct flow_owner *owner = owner_lookup(table, cookie);
    if (!owner) {
        owner = xmalloc(sizeof *owner);
        owner->cookie = cookie;
        ovs_list_init(&owner->flows);
        hmap_insert(&table->owners, &owner->node, hash_uint64(cookie));
    }
    ovs_list_push_back(&owner->flows, &e->owner_node);
    e->owner = owner;
}

static void
entry_detach(struct flow_table *table, struct flow_table_entry *e)
{
    struct flow_owner *owner = e->owner;

    ovs_list_remove(&e->owner_node);
    e->owner = NULL;
    if (ovs_list_is_empty(&owner->flows)) {
        hmap_remove(&table->owners, &owner->node);
        free(owner);
    }
}

/* Makes the actions of installed entry 'e' those in the switch again, if
 * they differ. */
static void
entry_restore_installed_ofpacts(struct flow_table *table,
                                struct flow_table_entry *e)
{
    if (e->installed_ofpacts) {
        actions_unref(table, e->ofpacts);
        e->ofpacts = e->installed_ofpacts;
        e->ofpacts_len = e->installed_ofpacts_len;
        e->installed_ofpacts = NULL;
        e->installed_ofpacts_len = 0;
    }
}

/* Gives the desired entry 'e' the cookie and actions of the caller, keeping
 * what is in the switch and the tracking up to date. */
static void
entry_set_desired(struct flow_table *table, struct flow_table_entry *e,
                  uint64_t cookie,
                  const struct ofpact *ofpacts, size_t ofpacts_len)
{
    if (!e->installed) {
        actions_unref(table, e->ofpacts);
        e->ofpacts = actions_ref(table, ofpacts, ofpacts_len);
        e->ofpacts_len = ofpacts_len;
        e->cookie = cookie;
        entry_track(table, e);
        return;
    }

    size_t old_len;
    const struct ofpact *old = entry_installed_ofpacts(e, &old_len);
    if (cookie == e->installed_cookie
        && flow_actions_equal(ofpacts, ofpacts_len, old, old_len)) {
        /* Back to what the switch has. */
        entry_restore_installed_ofpacts(table, e);
        e->cookie = cookie;
        entry_untrack(table, e);
        return;
    }

    if (e->installed_ofpacts) {
        actions_unref(table, e->ofpacts);
    } else {
        e->installed_ofpacts = e->ofpacts;
        e->installed_ofpacts_len = e->ofpacts_len;
    }
    e->ofpacts = actions_ref(table, ofpacts, ofpacts_len);
    e->ofpacts_len = ofpacts_len;
    e->cookie = cookie;
    entry_track(table, e);
}

struct flow_table *
flow_table_create(void)
{
    struct flow_table *table = xmalloc(sizeof *table);

    hmap_init(&table->flows);
    hmap_init(&table->deleted);
    hmap_init(&table->owners);
    hmap_init(&table->actions);
    hmap_init(&table->masks);
    ovs_list_init(&table->tracked);
    table->n_tracked = 0;
    table->n_conflicts = 0;
    return table;
}

void
flow_table_destroy(struct flow_table *table)
{
    if (!table) {
        return;
    }

    struct flow_table_entry *e;
    HMAP_FOR_EACH_POP (e, node, &table->flows) {
        entry_free(table, e);
    }
    HMAP_FOR_EACH_POP (e, node, &table->deleted) {
        entry_free(table, e);
    }
    hmap_destroy(&table->flows);
    hmap_destroy(&table->deleted);

    struct flow_owner *owner;
    HMAP_FOR_EACH_POP (owner, node, &table->owners) {
        free(owner);
    }
    hmap_destroy(&table->owners);
    ovs_assert(hmap_is_empty(&table->actions));
    hmap_destroy(&table->actions);
    ovs_assert(hmap_is_empty(&table->masks));
    hmap_destroy(&table->masks);
    free(table);
}

/* Whether 'match' matches on a field of the Ethernet frame or above (one
 * with Ethernet as a prerequisite), rather than only on metadata such as
 * in_port, registers or the metadata field. */
static bool
match_has_ethernet_fields(const struct match *match)
{
    const size_t ofs = offsetof(struct flow, dl_dst);
    return !is_all_zeros((const uint8_t *) &match->wc.masks + ofs,
                         sizeof match->wc.masks - ofs);
}

/* Initializes 'mm' as the key of a flow with 'match'.  The switch reports a
 * match on Ethernet fields with the packet_type that OpenFlow implies made
 * explicit (match_add_ethernet_prereq()): so does the key, or the flows read
 * back after a restart would not be recognized and would all be replaced. */
static void
flow_key_init(struct minimatch *mm, const struct match *match)
{
    if (!match->wc.masks.packet_type && match_has_ethernet_fields(match)) {
        struct match m = *match;
        match_set_default_packet_type(&m);
        minimatch_init(mm, &m);
    } else {
        minimatch_init(mm, match);
    }
}

void
flow_table_add(struct flow_table *table, uint64_t cookie,
               uint8_t table_id, uint16_t priority,
               const struct match *match,
               const struct ofpact *ofpacts, size_t ofpacts_len)
{
    ovs_assert(ofpacts_len <= UINT32_MAX);

    struct minimatch mm;
    flow_key_init(&mm, match);
    uint32_t hash = flow_key_hash(table_id, priority, &mm);

    struct flow_table_entry *e = flow_lookup(&table->flows, hash, table_id,
                                             priority, &mm);
    if (e) {
        minimatch_destroy(&mm);
        if (e->cookie == cookie
            && flow_actions_equal(e->ofpacts, e->ofpacts_len,
                             ofpacts, ofpacts_len)) {
            return;
        }

        /* Two owners, or one owner twice, want different flows with the
         * same key: the last one wins. */
        table->n_conflicts++;
        if (e->cookie != cookie) {
            entry_detach(table, e);
            entry_attach(table, e, cookie);
        }
        entry_set_desired(table, e, cookie, ofpacts, ofpacts_len);
        return;
    }

    e = flow_lookup(&table->deleted, hash, table_id, priority, &mm);
    if (e) {
        /* Removed and added back within one round. */
        minimatch_destroy(&mm);
        hmap_remove(&table->deleted, &e->node);
    } else {
        e = xzalloc(sizeof *e);
        e->table_id = table_id;
        e->priority = priority;
        match_share(table, &e->match, &mm);
        ovs_list_init(&e->track_node);
    }
    hmap_insert(&table->flows, &e->node, hash);
    entry_attach(table, e, cookie);
    entry_set_desired(table, e, cookie, ofpacts, ofpacts_len);
}

void
flow_table_remove_owner(struct flow_table *table, uint64_t cookie)
{
    struct flow_owner *owner = owner_lookup(table, cookie);
    if (!owner) {
        return;
    }

    struct flow_table_entry *e;
    LIST_FOR_EACH_POP (e, owner_node, &owner->flows) {
        e->owner = NULL;
        hmap_remove(&table->flows, &e->node);
        if (!e->installed) {
            entry_untrack(table, e);
            entry_free(table, e);
            continue;
        }

        /* Keep it, as it is in the switch, until the deletion is
         * installed. */
        entry_restore_installed_ofpacts(table, e);
        e->cookie = e->installed_cookie;
        hmap_insert(&table->deleted, &e->node, e->node.hash);
        entry_track(table, e);
    }
    hmap_remove(&table->owners, &owner->node);
    free(owner);
}

size_t
flow_table_count(const struct flow_table *table)
{
    return hmap_count(&table->flows);
}

size_t
flow_table_n_owners(const struct flow_table *table)
{
    return hmap_count(&table->owners);
}

size_t
flow_table_n_masks(const struct flow_table *table)
{
    return hmap_count(&table->masks);
}

size_t
flow_table_n_actions(const struct flow_table *table)
{
    return hmap_count(&table->actions);
}

bool
flow_table_has_owner(const struct flow_table *table, uint64_t cookie)
{
    return owner_lookup(table, cookie) != NULL;
}

size_t
flow_table_owner_count(const struct flow_table *table, uint64_t cookie)
{
    const struct flow_owner *owner = owner_lookup(table, cookie);
    return owner ? ovs_list_size(&owner->flows) : 0;
}

uint64_t
flow_table_n_conflicts(const struct flow_table *table)
{
    return table->n_conflicts;
}

const char *
flow_change_type_to_string(enum flow_change_type type)
{
    switch (type) {
    case FLOW_CHANGE_ADD:
        return "add";
    case FLOW_CHANGE_MODIFY:
        return "modify";
    case FLOW_CHANGE_DELETE:
        return "delete";
    }
    return "<unknown>";
}

size_t
flow_table_n_tracked(const struct flow_table *table)
{
    return table->n_tracked;
}

void
flow_table_for_each_tracked(const struct flow_table *table,
                            flow_table_change_cb *cb, void *aux)
{
    const struct flow_table_entry *e;

    LIST_FOR_EACH (e, track_node, &table->tracked) {
        struct flow_table_change change = { .entry = e };

        if (!e->owner) {
            change.type = FLOW_CHANGE_DELETE;
        } else if (!e->installed) {
            change.type = FLOW_CHANGE_ADD;
        } else {
            change.type = FLOW_CHANGE_MODIFY;
            change.old_cookie = e->installed_cookie;
        }
        cb(&change, aux);
    }
}

void
flow_table_clear_tracked(struct flow_table *table)
{
    struct flow_table_entry *e;

    LIST_FOR_EACH_POP (e, track_node, &table->tracked) {
        ovs_list_init(&e->track_node);
        if (!e->owner) {
            hmap_remove(&table->deleted, &e->node);
            entry_free(table, e);
        } else {
            e->installed = true;
            e->installed_cookie = e->cookie;
            actions_unref(table, e->installed_ofpacts);
            e->installed_ofpacts = NULL;
            e->installed_ofpacts_len = 0;
        }
    }
    table->n_tracked = 0;
}

void
flow_table_mark_all_uninstalled(struct flow_table *table)
{
    struct flow_table_entry *e;

    HMAP_FOR_EACH_POP (e, node, &table->deleted) {
        entry_untrack(table, e);
        entry_free(table, e);
    }
    HMAP_FOR_EACH (e, node, &table->flows) {
        e->installed = false;
        actions_unref(table, e->installed_ofpacts);
        e->installed_ofpacts = NULL;
        e->installed_ofpacts_len = 0;
        entry_track(table, e);
    }
}

size_t
flow_table_diff(const struct flow_table *desired,
                const struct flow_table *actual,
                flow_table_change_cb *cb, void *aux)
{
    const struct flow_table_entry *d, *a;
    size_t n = 0;

    HMAP_FOR_EACH (a, node, &actual->flows) {
        d = flow_lookup(&desired->flows, a->node.hash, a->table_id,
                        a->priority, &a->match);
        struct flow_table_change change;
        if (!d) {
            change = (struct flow_table_change) {
                .type = FLOW_CHANGE_DELETE, .entry = a,
            };
        } else if (d->cookie != a->cookie
                   || !flow_actions_equal(d->ofpacts, d->ofpacts_len,
                                          a->ofpacts, a->ofpacts_len)) {
            change = (struct flow_table_change) {
                .type = FLOW_CHANGE_MODIFY, .entry = d,
                .old_cookie = a->cookie,
            };
        } else {
            continue;
        }
        cb(&change, aux);
        n++;
    }

    HMAP_FOR_EACH (d, node, &desired->flows) {
        if (!flow_lookup(&actual->flows, d->node.hash, d->table_id,
                         d->priority, &d->match)) {
            struct flow_table_change change = {
                .type = FLOW_CHANGE_ADD, .entry = d,
            };
            cb(&change, aux);
            n++;
        }
    }
    return n;
}

bool
flow_actions_equal(const struct ofpact *a, size_t a_len,
                   const struct ofpact *b, size_t b_len)
{
    if (ofpacts_equal(a, a_len, b, b_len)) {
        return true;
    }

    uint64_t a_stub[1024 / 8], b_stub[1024 / 8];
    struct ofpbuf a_buf = OFPBUF_STUB_INITIALIZER(a_stub);
    struct ofpbuf b_buf = OFPBUF_STUB_INITIALIZER(b_stub);
    ofpacts_put_openflow_instructions(a, a_len, &a_buf, OFP15_VERSION);
    ofpacts_put_openflow_instructions(b, b_len, &b_buf, OFP15_VERSION);
    bool equal = (a_buf.size == b_buf.size
                  && !memcmp(a_buf.data, b_buf.data, a_buf.size));
    ofpbuf_uninit(&a_buf);
    ofpbuf_uninit(&b_buf);
    return equal;
}

const struct flow_table_entry *
flow_table_find(const struct flow_table *table, uint8_t table_id,
                uint16_t priority, const struct match *match)
{
    struct minimatch mm;
    flow_key_init(&mm, match);
    const struct flow_table_entry *e
        = flow_lookup(&table->flows, flow_key_hash(table_id, priority, &mm),
                      table_id, priority, &mm);
    minimatch_destroy(&mm);
    return e;
}

const struct hmap *
flow_table_hmap(const struct flow_table *table)
{
    return &table->flows;
}

void
flow_table_entry_format(const struct flow_table_entry *e, struct ds *s)
{
    ds_put_format(s, "table=%"PRIu8", priority=%"PRIu16", "
                  "cookie=%#"PRIx64", ", e->table_id, e->priority, e->cookie);

    /* minimatch_format() leaves out the priority when it is the default. */
    size_t start = s->length;
    minimatch_format(&e->match, NULL, NULL, s, OFP_DEFAULT_PRIORITY);
    if (s->length > start) {
        ds_put_char(s, ' ');
    }

    ds_put_cstr(s, "actions=");
    struct ofpact_format_params fp = { .s = s };
    ofpacts_format(e->ofpacts, e->ofpacts_len, &fp);
}
