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

/* The desired OpenFlow meters of nve-controller (meter-table.h), kept the
 * way flow-table.c keeps flows: vsi-flows adds a meter for each rate-limited
 * VSI binding, under the id that the binding holds (vsi-resources.h), and
 * refers to it in the VSI's flows, and ofctrl sends the tracked
 * changes to the switch around the flows that use them.  Nothing here talks
 * to the switch. */

#include <config.h>
#include "meter-table.h"

#include "hash.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/util.h"
#include "util.h"

/* Every meter that is desired or installed (or both) has an entry, which is
 * in 'tracked' exactly while the two differ. */
struct meter_entry {
    struct hmap_node node;          /* In 'meters', by id. */
    uint32_t id;
    bool desired;
    struct meter_config config;     /* If 'desired'. */
    bool installed;
    struct meter_config installed_config;   /* If 'installed'. */
    struct ovs_list track_node;     /* In 'tracked', or alone. */
};

struct meter_table {
    struct hmap meters;
    size_t n_desired;
    struct ovs_list tracked;
    size_t n_tracked;
};

struct meter_table *
meter_table_create(void)
{
    struct meter_table *mt = xzalloc(sizeof *mt);

    hmap_init(&mt->meters);
    ovs_list_init(&mt->tracked);
    return mt;
}

void
meter_table_destroy(struct meter_table *mt)
{
    if (mt) {
        struct meter_entry *e;
        HMAP_FOR_EACH_POP (e, node, &mt->meters) {
            free(e);
        }
        hmap_destroy(&mt->meters);
        free(mt);
    }
}

static struct meter_entry *
meter_find(const struct meter_table *mt, uint32_t id)
{
    struct meter_entry *e;

    HMAP_FOR_EACH_WITH_HASH (e, node, hash_int(id, 0), &mt->meters) {
        if (e->id == id) {
            return e;
        }
    }
    return NULL;
}

static struct meter_entry *
meter_get(struct meter_table *mt, uint32_t id)
{
    struct meter_entry *e = meter_find(mt, id);

    if (!e) {
        e = xzalloc(sizeof *e);
        e->id = id;
        ovs_list_init(&e->track_node);
        hmap_insert(&mt->meters, &e->node, hash_int(id, 0));
    }
    return e;
}

static bool
meter_config_equal(const struct meter_config *a, const struct meter_config *b)
{
    return a->kbps == b->kbps && a->burst_kb == b->burst_kb;
}

/* Updates the tracking of 'e' after a change, and frees it if it is
 * neither desired nor installed. */
static void
meter_retrack(struct meter_table *mt, struct meter_entry *e)
{
    bool differs = (e->desired != e->installed
                    || (e->desired
                        && !meter_config_equal(&e->config,
                                               &e->installed_config)));
    bool tracked = !ovs_list_is_empty(&e->track_node);

    if (differs && !tracked) {
        ovs_list_push_back(&mt->tracked, &e->track_node);
        mt->n_tracked++;
    } else if (!differs && tracked) {
        ovs_list_remove(&e->track_node);
        ovs_list_init(&e->track_node);
        mt->n_tracked--;
    }
    if (!e->desired && !e->installed) {
        hmap_remove(&mt->meters, &e->node);
        free(e);
    }
}

void
meter_table_add(struct meter_table *mt, uint32_t id,
                const struct meter_config *config)
{
    ovs_assert(id);

    struct meter_entry *e = meter_get(mt, id);
    ovs_assert(!e->desired);
    e->desired = true;
    e->config = *config;
    mt->n_desired++;
    meter_retrack(mt, e);
}

void
meter_table_modify(struct meter_table *mt, uint32_t id,
                   const struct meter_config *config)
{
    struct meter_entry *e = meter_find(mt, id);

    ovs_assert(e && e->desired);
    e->config = *config;
    meter_retrack(mt, e);
}

void
meter_table_remove(struct meter_table *mt, uint32_t id)
{
    struct meter_entry *e = meter_find(mt, id);

    ovs_assert(e && e->desired);
    e->desired = false;
    mt->n_desired--;
    meter_retrack(mt, e);
}

size_t
meter_table_count(const struct meter_table *mt)
{
    return mt->n_desired;
}

size_t
meter_table_n_tracked(const struct meter_table *mt)
{
    return mt->n_tracked;
}

void
meter_table_for_each_tracked(const struct meter_table *mt,
                             meter_change_cb *cb, void *aux)
{
    const struct meter_entry *e;

    LIST_FOR_EACH (e, track_node, &mt->tracked) {
        enum meter_change_type type = (!e->desired ? METER_CHANGE_DELETE
                                       : !e->installed ? METER_CHANGE_ADD
                                       : METER_CHANGE_MODIFY);
        cb(type, e->id, e->desired ? &e->config : &e->installed_config,
           aux);
    }
}

void
meter_table_clear_tracked(struct meter_table *mt)
{
    struct meter_entry *e;

    LIST_FOR_EACH_POP (e, track_node, &mt->tracked) {
        ovs_list_init(&e->track_node);
        e->installed = e->desired;
        e->installed_config = e->config;
        if (!e->desired) {
            hmap_remove(&mt->meters, &e->node);
            free(e);
        }
    }
    mt->n_tracked = 0;
}

void
meter_table_mark_all_uninstalled(struct meter_table *mt)
{
    struct meter_entry *e;

    HMAP_FOR_EACH_SAFE (e, node, &mt->meters) {
        e->installed = false;
        meter_retrack(mt, e);
    }
}

void
meter_table_set_installed(struct meter_table *mt, uint32_t id,
                          const struct meter_config *config)
{
    struct meter_entry *e = meter_get(mt, id);

    e->installed = config != NULL;
    if (config) {
        e->installed_config = *config;
    }
    meter_retrack(mt, e);
}
