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


#ifndef NVE_VSI_DB_H
#define NVE_VSI_DB_H 1

/* The VSI core's persistence in the NVE database: the VSI and VSI_Binding
 * rows of every VSI the NVE holds, and the configuration tables that
 * requests are checked against.
 *
 *   - Writing: a changed VSI is marked dirty (vsi_db_mark_dirty()); each
 *     round, vsi_db_sync() writes dirty VSIs into the open transaction, up
 *     to its size (options:vsi_transaction_size), and stages them.  Once
 *     that transaction commits, vsi_db_run() hands the staged VSIs back; if
 *     it failed, they are written again.  A write sends only the columns
 *     that changed since the image of the row that the VSI keeps (struct
 *     vsi 'db_image': what this file last wrote or loaded): the IDL keeps
 *     no replica of the VSI and VSI_Binding tables, only which VSI rows
 *     exist, and their vsi_id (see vsi_db_create()).  After a failed transaction every image is
 *     void, and a VSI is written whole the next time it changes.
 *   - Loading: once, at start, through a connection of its own that
 *     reads both tables whole in one transaction, every row becomes a
 *     struct vsi_db_row that the VSI table restores.
 *   - Finding a VSI's row: each VSI remembers the UUID of its row (struct
 *     vsi 'row_uuid'), which this file chooses when it inserts the row
 *     (the IDL's "persist UUID" insert), so that a write is a hash lookup
 *     of the rows that exist, not an index search by VSI id.
 *   - Configuration: vsi_db_read_config() mirrors the VN, Policy_Profile,
 *     TES_Port and TES tables and NVE_Global's limits into a struct
 *     vsi_config, anew whenever one of them changed.
 *   - A VSI row that the operator deleted is reported, so that the table
 *     removes the VSI.
 *
 * Only this file, in the VSI core, reads or writes the database. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/list.h"
#include "openvswitch/types.h"
#include "openvswitch/uuid.h"
#include "vsi-counters.h"
#include "vsi-lifecycle.h"
#include "vsi-request.h"

struct barrier;
struct nverec_nve_global;
struct ovsdb_idl;
struct ovsdb_idl_loop;
struct ovsdb_idl_txn;
struct vsi;
struct vsi_config;
struct vsi_db_image;

/* A VSI as its rows say, for loading. */
struct vsi_db_binding {
    const char *vn;
    uint32_t vnid;
    struct eth_addr *macs;      /* Signalled. */
    size_t n_macs;
    struct eth_addr *learned;   /* Learned (vsi_table_learn()). */
    size_t n_learned;
    char **ips;
    size_t n_ips;
    uint16_t vid;
    int pcp;                    /* -1 if none. */
    const char *profile;        /* Or NULL. */
    uint32_t meter_id;          /* 0 if none. */
};

struct vsi_db_row {
    struct uuid uuid;           /* The VSI row's. */
    const char *id;
    enum vsi_state state;       /* Never VSI_ABSENT. */
    const char *tes;
    const char *port;
    enum vsi_protocol protocol;
    bool migrating;
    long long int created_at, updated_at, keepalive_at;   /* Wall clock. */
    struct vsi_db_binding *bindings;    /* By VNID. */
    size_t n_bindings;
    struct vsi_counters counters_base;  /* See vsi-counters.h. */
};

/* 'idl' is the NVE database's main IDL, 'remote' its remote: loading
 * connects to it once more (vsi_db_load()).  The vsi_db handles the IDL's
 * updates of the VSI table until it is destroyed, which must come before
 * 'idl' is. */
struct vsi_db *vsi_db_create(struct ovsdb_idl *idl, const char *remote);
void vsi_db_destroy(struct vsi_db *);

/* Notes whether the transaction with the staged VSIs committed: if so,
 * moves them into 'committed' (to free those that are gone); if it failed,
 * marks them dirty again.  Call every round, after barrier_run(). */
void vsi_db_run(struct vsi_db *, const struct ovsdb_idl_loop *,
                struct barrier *, struct ovs_list *committed);

/* Queues 'v' to be written and gives it a barrier ticket. */
void vsi_db_mark_dirty(struct vsi_db *, struct vsi *, struct barrier *);

/* Takes 'v' out of the queues (it is being freed). */
void vsi_db_forget(struct vsi *);

/* Frees the image of a VSI's row (struct vsi 'db_image'). */
void vsi_db_image_destroy(struct vsi_db_image *);

/* Notes that only the keep-alive time of 'v' changed: it is written with
 * the next batch, at most 'interval' ms from the first one noted, without
 * a ticket (no reply waits for it).  An 'interval' of 0 marks 'v' dirty
 * instead. */
void vsi_db_mark_refreshed(struct vsi_db *, struct vsi *, struct barrier *,
                           long long int interval);

/* Wakes the main loop when the batch of keep-alive times is due, or when
 * a failed transaction may be retried. */
void vsi_db_wait(const struct vsi_db *);

/* Backoff between transactions that fail one after the other (ms): the
 * first failure is retried at once. */
#define VSI_DB_RETRY_MIN 50
#define VSI_DB_RETRY_MAX 1000

/* Writes dirty VSIs into 'txn', if not NULL: at most 'max_vsis' (0: all),
 * those marked dirty before those whose keep-alive time alone changed. */
void vsi_db_sync(struct vsi_db *, struct ovsdb_idl_txn *, struct barrier *,
                 size_t max_vsis);

/* Loading.  vsi_db_load_ready() returns true once the main IDL has read
 * the database and the loader's connection has the VSI and VSI_Binding
 * rows, read in one transaction (until then vsi_db_wait() wakes the main
 * loop for the loader).  Then vsi_db_load() calls 'restore' for every VSI
 * row, which returns the VSI it made of it; a row that 'restore' refuses
 * (returning NULL), or that is not valid, is logged and left alone.  Then
 * it closes the loader's connection.  Loading happens once: neither may
 * be called after. */
bool vsi_db_load_ready(struct vsi_db *);
void vsi_db_load(struct vsi_db *,
                 struct vsi *(*restore)(void *aux, const struct vsi_db_row *),
                 void *aux);

/* After the load, the memory that it freed goes back to the system
 * (malloc_trim()) in vsi_db_trim_after_load() (call it once the VSIs' flows
 * are in the switch), or in vsi_db_run() VSI_DB_TRIM_DELAY ms after
 * the load, whichever comes first. */
#define VSI_DB_TRIM_DELAY 10000
void vsi_db_trim_after_load(struct vsi_db *);

/* Rebuilds 'cfg' from the database if it changed since the last call (or
 * if 'force'), returning true if it did. */
bool vsi_db_read_config(struct ovsdb_idl *, const struct nverec_nve_global *,
                        struct vsi_config *cfg, bool force);

/* Calls 'removed' with the id and UUID of every VSI row deleted by
 * somebody else since the last round (this daemon's own deletions are
 * left out); it is for 'removed' to tell whether the row was the VSI's
 * (struct vsi 'row_uuid'). */
void vsi_db_for_each_deleted(struct vsi_db *,
                             void (*removed)(void *aux, const char *id,
                                             const struct uuid *row_uuid),
                             void *aux);

#endif /* vsi-db.h */
