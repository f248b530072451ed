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

#ifndef NVE_PROFILES_H
#define NVE_PROFILES_H 1

/* Policy profiles (the NVE database's Policy_Profile and ACL tables) in the
 * pipeline.
 *
 * Every profile that exists in the database or that some VSI uses has a
 * number, its id (1 and up), which the VSI's flows load into a register:
 * NVE_MFF_SRC_PROFILE in the anti-spoofing stage for what the VSI sends,
 * NVE_MFF_DST_PROFILE in the L2 lookup for what it receives.  The ACL flows
 * match that register, so that a profile's ACLs are in the switch once,
 * whatever the number of VSIs that use it, and changing an ACL rewrites
 * only the flows of that ACL's profile (owner FLOW_OWNER_PROFILE, id the
 * profile's id).  An id stays the same while the profile exists or is used,
 * so that a VSI's flows never change because of its profile's ACLs.
 *
 * A profile's rate limit is a per-VSI matter (each VSI gets its own meter);
 * profiles only says which profiles' rate limits changed, for vsi-flows to
 * update their VSIs. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ds;
struct flow_table;
struct ovsdb_idl;
struct sset;

/* One profile.  Users read these members and never write them. */
struct profile {
    const char *name;
    uint32_t id;                /* Loaded into the profile registers. */
    uint32_t rate_kbps;         /* Rate limit, 0 if none. */
    uint32_t burst_kb;          /* Its burst size, 0 for the default. */
};

struct profiles *profiles_create(void);
void profiles_destroy(struct profiles *);

/* Brings the ACL flows in 'flows' and the rate limits up to date with the
 * NVE database 'idl', by its tracked changes.  The first call reads the
 * whole database.  Call once per main loop iteration, once the database has
 * been read, before any VSI's flows are computed. */
void profiles_run(struct profiles *, struct ovsdb_idl *idl,
                  struct flow_table *flows);

/* The names of the profiles whose rate limit changed in the last
 * profiles_run(). */
const struct sset *profiles_rate_changed(const struct profiles *);

/* Returns the profile named 'name', giving it an id if it has none yet (the
 * profile may not exist in the database, or not yet), and takes a reference
 * to it.  profiles_unref() releases it. */
const struct profile *profiles_ref(struct profiles *, const char *name);
void profiles_unref(struct profiles *, const struct profile *);

/* Appends one line per profile, sorted by name, to 'ds': "NAME id=ID
 * vsis=N acl_flows=N", then " rate=KBPS burst=KB" with a rate limit and
 * " (no row)" for a profile that VSIs use but the database lacks. */
void profiles_format(const struct profiles *, struct ds *);

#endif /* profiles.h */
