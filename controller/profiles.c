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

/* Policy profiles in the pipeline (profiles.h).  profiles_run() reads the
 * Policy_Profile and ACL tables of the NVE database, gives every profile an
 * id and keeps the flows of its ACLs (lib/acl-match.c parses their
 * matches); vsi-flows takes references to the profiles its VSIs use, loads
 * their ids into registers and asks which rate limits changed. */

#include <config.h>
#include "profiles.h"

#include <string.h>
#include "flow-table.h"
#include "hash.h"
#include "hmapx.h"
#include "id-pool.h"
#include "lib/acl-match.h"
#include "lib/nve-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "pipeline.h"
#include "sset.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(profiles);

/* A profile: the public part, what the database says, and who uses it. */
struct profile_entry {
    struct profile up;
    struct hmap_node name_node;     /* In 'by_name'. */
    struct hmap_node uuid_node;     /* In 'by_uuid', if 'has_row'. */
    struct uuid row_uuid;           /* Its Policy_Profile row... */
    bool has_row;                   /* ...if it has one. */
    size_t n_refs;                  /* profiles_ref() minus unref(). */
    size_t n_acl_flows;             /* Flows of its ACLs. */
    uint64_t cookie;                /* Owner of its ACL flows. */
};

struct profiles {
    struct hmap by_name;            /* Contains "struct profile_entry"s. */
    struct hmap by_uuid;            /* Those with a row. */
    struct id_pool *ids;
    bool loaded;                    /* Has the whole table been read? */
    struct sset rate_changed;
};

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

static struct profile_entry *
profile_entry_cast(const struct profile *p)
{
    return CONTAINER_OF(p, struct profile_entry, up);
}

struct profiles *
profiles_create(void)
{
    struct profiles *ps = xzalloc(sizeof *ps);

    hmap_init(&ps->by_name);
    hmap_init(&ps->by_uuid);
    ps->ids = id_pool_create(1, UINT32_MAX - 1);
    sset_init(&ps->rate_changed);
    return ps;
}

void
profiles_destroy(struct profiles *ps)
{
    if (!ps) {
        return;
    }

    struct profile_entry *e;
    HMAP_FOR_EACH_POP (e, name_node, &ps->by_name) {
        free(CONST_CAST(char *, e->up.name));
        free(e);
    }
    hmap_destroy(&ps->by_name);
    hmap_destroy(&ps->by_uuid);
    id_pool_destroy(ps->ids);
    sset_destroy(&ps->rate_changed);
    free(ps);
}

static struct profile_entry *
profile_find(const struct profiles *ps, const char *name)
{
    struct profile_entry *e;

    HMAP_FOR_EACH_WITH_HASH (e, name_node, hash_string(name, 0),
                             &ps->by_name) {
        if (!strcmp(e->up.name, name)) {
            return e;
        }
    }
    return NULL;
}

static struct profile_entry *
profile_find_by_uuid(const struct profiles *ps, const struct uuid *uuid)
{
    struct profile_entry *e;

    HMAP_FOR_EACH_WITH_HASH (e, uuid_node, uuid_hash(uuid), &ps->by_uuid) {
        if (uuid_equals(&e->row_uuid, uuid)) {
            return e;
        }
    }
    return NULL;
}

static struct profile_entry *
profile_get(struct profiles *ps, const char *name)
{
    struct profile_entry *e = profile_find(ps, name);

    if (!e) {
        e = xzalloc(sizeof *e);
        e->up.name = xstrdup(name);
        if (!id_pool_alloc_id(ps->ids, &e->up.id)) {
            /* 4 billion profiles: cannot happen. */
            OVS_NOT_REACHED();
        }
        e->cookie = flow_owner_cookie(FLOW_OWNER_PROFILE, e->up.id);
        hmap_insert(&ps->by_name, &e->name_node, hash_string(name, 0));
    }
    return e;
}

/* Frees 'e' if it has neither a row nor users. */
static void
profile_gc(struct profiles *ps, struct profile_entry *e)
{
    if (!e->has_row && !e->n_refs) {
        hmap_remove(&ps->by_name, &e->name_node);
        id_pool_free_id(ps->ids, e->up.id);
        free(CONST_CAST(char *, e->up.name));
        free(e);
    }
}

static void
profile_set_rate(struct profiles *ps, struct profile_entry *e,
                 uint32_t rate_kbps, uint32_t burst_kb)
{
    if (e->up.rate_kbps != rate_kbps || e->up.burst_kb != burst_kb) {
        e->up.rate_kbps = rate_kbps;
        e->up.burst_kb = burst_kb;
        sset_add(&ps->rate_changed, e->up.name);
    }
}

/* Adds the flows of ACL 'acl' of profile 'e' to 'flows'. */
static void
profile_add_acl_flow(struct profile_entry *e, const struct nverec_acl *acl,
                     struct flow_table *flows)
{
    bool from_vsi = !strcmp(acl->direction, "from-vsi");
    enum nve_table table = (from_vsi ? NVE_TABLE_INGRESS_ACL
                            : NVE_TABLE_EGRESS_ACL);
    struct match match;

    char *error = acl_match_parse(acl->match, &match);
    if (error) {
        VLOG_WARN_RL(&rl, "profile %s: ignoring ACL: %s", e->up.name, error);
        free(error);
        return;
    }
    pipeline_match_reg(&match, (from_vsi ? NVE_MFF_SRC_PROFILE
                                : NVE_MFF_DST_PROFILE), e->up.id);

    uint64_t stub[64 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    if (!strcmp(acl->action, "allow")) {
        pipeline_put_goto_next(&ofpacts, table);
    }
    flow_table_add(flows, e->cookie, table, NVE_PRIO_ACL + acl->priority,
                   &match, ofpacts.data, ofpacts.size);
    ofpbuf_uninit(&ofpacts);
    e->n_acl_flows++;
}

/* Makes 'e' what 'row' (NULL if none) says. */
static void
profile_update(struct profiles *ps, struct profile_entry *e,
               const struct nverec_policy_profile *row,
               struct flow_table *flows)
{
    flow_table_remove_owner(flows, e->cookie);
    e->n_acl_flows = 0;
    if (!row) {
        profile_set_rate(ps, e, 0, 0);
        return;
    }

    for (size_t i = 0; i < row->n_acls; i++) {
        profile_add_acl_flow(e, row->acls[i], flows);
    }
    profile_set_rate(ps, e, row->n_rate_kbps ? *row->rate_kbps : 0,
                     row->n_burst_kb ? *row->burst_kb : 0);
}

/* Detaches 'e' from its row. */
static void
profile_detach(struct profiles *ps, struct profile_entry *e,
               struct flow_table *flows)
{
    if (e->has_row) {
        hmap_remove(&ps->by_uuid, &e->uuid_node);
        e->has_row = false;
    }
    profile_update(ps, e, NULL, flows);
    profile_gc(ps, e);
}

/* Takes 'row' (not deleted) into account. */
static void
profile_sync_row(struct profiles *ps, const struct nverec_policy_profile *row,
                 struct flow_table *flows)
{
    struct profile_entry *e = profile_find_by_uuid(ps, &row->header_.uuid);

    if (e && strcmp(e->up.name, row->name)) {
        /* Renamed: the old name no longer has a row. */
        profile_detach(ps, e, flows);
        e = NULL;
    }
    if (!e) {
        e = profile_get(ps, row->name);
        if (e->has_row) {
            /* Two rows with one name: the schema's index forbids it. */
            VLOG_WARN_RL(&rl, "two policy profiles named %s", row->name);
            return;
        }
        e->row_uuid = row->header_.uuid;
        e->has_row = true;
        hmap_insert(&ps->by_uuid, &e->uuid_node, uuid_hash(&e->row_uuid));
    }
    profile_update(ps, e, row, flows);
}

static bool
profile_row_has_acl(const struct nverec_policy_profile *row,
                    const struct nverec_acl *acl)
{
    for (size_t i = 0; i < row->n_acls; i++) {
        if (row->acls[i] == acl) {
            return true;
        }
    }
    return false;
}

static int
compare_rows_by_name(const void *a_, const void *b_)
{
    const struct nverec_policy_profile *const *a = a_;
    const struct nverec_policy_profile *const *b = b_;

    return strcmp((*a)->name, (*b)->name);
}

void
profiles_run(struct profiles *ps, struct ovsdb_idl *idl,
             struct flow_table *flows)
{
    const struct nverec_policy_profile *row;
    const struct nverec_acl *acl;

    sset_clear(&ps->rate_changed);
    if (!ps->loaded) {
        /* In order of name, so that the same profiles get the same ids on
         * every run and restarting changes no flow. */
        const struct nverec_policy_profile **rows = NULL;
        size_t n = 0, allocated = 0;
        NVEREC_POLICY_PROFILE_FOR_EACH (row, idl) {
            if (n >= allocated) {
                rows = x2nrealloc(rows, &allocated, sizeof *rows);
            }
            rows[n++] = row;
        }
        if (n) {
            qsort(rows, n, sizeof *rows, compare_rows_by_name);
        }
        for (size_t i = 0; i < n; i++) {
            profile_sync_row(ps, rows[i], flows);
        }
        free(rows);
        ps->loaded = true;
        return;
    }

    /* Deleted rows first, so that a row renamed to the name of one deleted
     * in the same transaction finds the name free. */
    NVEREC_POLICY_PROFILE_FOR_EACH_TRACKED (row, idl) {
        if (nverec_policy_profile_is_deleted(row)) {
            struct profile_entry *e
                = profile_find_by_uuid(ps, &row->header_.uuid);
            if (e) {
                profile_detach(ps, e, flows);
            }
        }
    }
    struct hmapx changed = HMAPX_INITIALIZER(&changed);
    NVEREC_POLICY_PROFILE_FOR_EACH_TRACKED (row, idl) {
        if (!nverec_policy_profile_is_deleted(row)) {
            hmapx_add(&changed, CONST_CAST(void *, row));
        }
    }

    /* An ACL changed in place changes the profiles that have it, which the
     * database does not report as changed.  (A new or removed ACL changes
     * its profile's "acls" column.)  There are few profiles, and ACL
     * changes are rare. */
    NVEREC_ACL_FOR_EACH_TRACKED (acl, idl) {
        if (nverec_acl_is_deleted(acl)) {
            continue;
        }
        NVEREC_POLICY_PROFILE_FOR_EACH (row, idl) {
            if (profile_row_has_acl(row, acl)) {
                hmapx_add(&changed, CONST_CAST(void *, row));
            }
        }
    }

    struct hmapx_node *node;
    HMAPX_FOR_EACH (node, &changed) {
        profile_sync_row(ps, node->data, flows);
    }
    hmapx_destroy(&changed);
}

const struct sset *
profiles_rate_changed(const struct profiles *ps)
{
    return &ps->rate_changed;
}

const struct profile *
profiles_ref(struct profiles *ps, const char *name)
{
    struct profile_entry *e = profile_get(ps, name);

    e->n_refs++;
    return &e->up;
}

void
profiles_unref(struct profiles *ps, const struct profile *p)
{
    if (p) {
        struct profile_entry *e = profile_entry_cast(p);

        ovs_assert(e->n_refs > 0);
        e->n_refs--;
        profile_gc(ps, e);
    }
}

static int
compare_profiles_by_name(const void *a_, const void *b_)
{
    const struct profile_entry *const *a = a_;
    const struct profile_entry *const *b = b_;

    return strcmp((*a)->up.name, (*b)->up.name);
}

void
profiles_format(const struct profiles *ps, struct ds *s)
{
    size_t n = hmap_count(&ps->by_name);
    const struct profile_entry **sorted = xmalloc(MAX(n, 1) * sizeof *sorted);
    const struct profile_entry *e;
    size_t i = 0;

    HMAP_FOR_EACH (e, name_node, &ps->by_name) {
        sorted[i++] = e;
    }
    qsort(sorted, n, sizeof *sorted, compare_profiles_by_name);
    for (i = 0; i < n; i++) {
        e = sorted[i];
        ds_put_format(s, "%s id=%"PRIu32" vsis=%"PRIuSIZE
                      " acl_flows=%"PRIuSIZE, e->up.name, e->up.id,
                      e->n_refs, e->n_acl_flows);
        if (e->up.rate_kbps) {
            ds_put_format(s, " rate=%"PRIu32" burst=%"PRIu32,
                          e->up.rate_kbps, e->up.burst_kb);
        }
        if (!e->has_row) {
            ds_put_cstr(s, " (no row)");
        }
        ds_put_char(s, '\n');
    }
    free(sorted);
}
