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

#ifndef NVE_METER_TABLE_H
#define NVE_METER_TABLE_H 1

/* The desired OpenFlow meters: what flow-table is for flows, for meters.
 *
 * A meter is a rate limit in kbit/s with a burst size in kbit, which drops
 * what exceeds it.  The caller picks the meter's id, so that it can keep it
 * stable across restarts; flows refer to it with a "meter" action.  Changes since the last
 * meter_table_clear_tracked() are remembered, so that installing them costs
 * time proportional to the change.  ofctrl installs added and modified
 * meters before the flows that use them, and deletes meters after the
 * flows that used them.
 *
 * This module is pure: no I/O, no globals. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


struct meter_config {
    uint32_t kbps;              /* Rate. */
    uint32_t burst_kb;          /* Burst size, 0 for the switch's default. */
};

enum meter_change_type {
    METER_CHANGE_ADD,           /* The switch lacks it. */
    METER_CHANGE_MODIFY,        /* The switch has another config. */
    METER_CHANGE_DELETE,        /* The switch has it, we do not want it. */
};

struct meter_table *meter_table_create(void);
void meter_table_destroy(struct meter_table *);

/* Adds meter 'id' (1 and up, not desired yet) with 'config'. */
void meter_table_add(struct meter_table *, uint32_t id,
                     const struct meter_config *);

/* Changes the config of meter 'id', which must exist. */
void meter_table_modify(struct meter_table *, uint32_t id,
                        const struct meter_config *);

/* Removes meter 'id', which must exist.  Its id may be added again at
 * once. */
void meter_table_remove(struct meter_table *, uint32_t id);

size_t meter_table_count(const struct meter_table *);

/* Reports every tracked change through 'cb'. */
typedef void meter_change_cb(enum meter_change_type, uint32_t id,
                             const struct meter_config *, void *aux);
size_t meter_table_n_tracked(const struct meter_table *);
void meter_table_for_each_tracked(const struct meter_table *,
                                  meter_change_cb *, void *aux);
void meter_table_clear_tracked(struct meter_table *);

/* Takes the switch as having no meters at all (after it was lost), so that
 * the next round of tracked changes adds every meter. */
void meter_table_mark_all_uninstalled(struct meter_table *);

/* Sets what the switch is known to have: meter 'id' with 'config' (NULL
 * for no meter), so that the tracked changes turn the switch's meters into
 * the desired ones.  For resynchronizing with meters read from the
 * switch: call meter_table_mark_all_uninstalled() first, then this for each
 * meter read. */
void meter_table_set_installed(struct meter_table *, uint32_t id,
                               const struct meter_config *);

#endif /* meter-table.h */
