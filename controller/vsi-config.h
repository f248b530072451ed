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


#ifndef NVE_VSI_CONFIG_H
#define NVE_VSI_CONFIG_H 1

/* The configuration that VSI requests are checked against, as the VSI core
 * sees it: VNs, policy profiles, TES-facing ports with their VID pools and
 * pinned VIDs, TES with the ports and VNs they may use, and the NVE's
 * limits.
 *
 * In nve-controller it mirrors the NVE database (vsi-db.c rebuilds it
 * whenever one of those tables changes); the unit tests fill it by hand.
 * Lookups are hash lookups, whatever the size of the configuration.  This
 * module is pure: no I/O, no database. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/hmap.h"

/* Defaults, as documented in nve(5). */
#define VSI_DEFAULT_KEEPALIVE_TIMEOUT 180000    /* ms */
#define VSI_DEFAULT_KEEPALIVE_FLUSH 10000       /* ms */
#define VSI_DEFAULT_TRANSACTION_SIZE 100        /* VSIs */
#define VSI_DEFAULT_POINTER_TIMEOUT 30000       /* ms */
#define VSI_DEFAULT_MAX_LEARNED_MACS 16     /* Per binding that learns. */
#define VSI_DEFAULT_VID_MIN 2
#define VSI_DEFAULT_VID_MAX 4094

struct vsi_config_profile {
    struct hmap_node node;      /* In vsi_config 'profiles', by name. */
    char *name;
    int pcp;                    /* 802.1p priority, or -1. */
};

struct vsi_config_vn {
    struct hmap_node name_node; /* In vsi_config 'vns_by_name'. */
    struct hmap_node vnid_node; /* In vsi_config 'vns_by_vnid'. */
    char *name;
    uint32_t vnid;
    const struct vsi_config_profile *profile;   /* Default, or NULL. */
    int pcp;                    /* Its own 802.1p priority, or -1. */
};

struct vsi_config_port {
    struct hmap_node node;      /* In vsi_config 'ports', by name. */
    char *name;
    int vid_min, vid_max;       /* VID pool. */
    int64_t max_vsis;           /* -1 if unlimited. */
    uint16_t *pin_vids;         /* VIDs the operator pinned... */
    const struct vsi_config_vn **pin_vns;   /* ...to these VNs. */
    size_t n_pins;
};

struct vsi_config_tes {
    struct hmap_node node;      /* In vsi_config 'tes', by name. */
    char *name;
    const struct vsi_config_port **ports;   /* Ports it may use. */
    size_t n_ports;
    const struct vsi_config_vn **vns;       /* VNs it may join. */
    size_t n_vns;
    int64_t max_vsis;                       /* -1 if unlimited. */
    char *migration_domain;     /* Or NULL. */
};

struct vsi_config {
    struct hmap vns_by_name;
    struct hmap vns_by_vnid;
    struct hmap profiles;
    struct hmap ports;
    struct hmap tes;
    int64_t max_vsis;                   /* -1 if unlimited. */
    long long int keepalive_timeout;    /* ms. */
    long long int keepalive_flush;      /* ms between writes of keep-alive
                                         * times alone; 0: at once. */
    long long int transaction_size;     /* VSIs written in one transaction
                                         * at most; 0: no limit. */
    long long int pointer_timeout;      /* ms, 0 for no forwarding
                                         * pointer. */
    long long int max_learned_macs;     /* MACs that one binding without
                                         * MACs learns at most, 0 for
                                         * none. */
};

void vsi_config_init(struct vsi_config *);
void vsi_config_destroy(struct vsi_config *);
void vsi_config_clear(struct vsi_config *);

/* Building.  Names are copied.  Adding a second VN of one name or VNID, or
 * a second port, TES or profile of one name, is a caller's bug. */
struct vsi_config_profile *vsi_config_add_profile(struct vsi_config *,
                                                  const char *name, int pcp);
struct vsi_config_vn *vsi_config_add_vn(
    struct vsi_config *, const char *name, uint32_t vnid,
    const struct vsi_config_profile *, int pcp);
struct vsi_config_port *vsi_config_add_port(struct vsi_config *,
                                            const char *name, int vid_min,
                                            int vid_max, int64_t max_vsis);
void vsi_config_port_pin(struct vsi_config_port *, uint16_t vid,
                         const struct vsi_config_vn *);
struct vsi_config_tes *vsi_config_add_tes(struct vsi_config *,
                                          const char *name);
void vsi_config_tes_allow_port(struct vsi_config_tes *,
                               const struct vsi_config_port *);
void vsi_config_tes_allow_vn(struct vsi_config_tes *,
                             const struct vsi_config_vn *);
void vsi_config_tes_set_migration_domain(struct vsi_config_tes *,
                                         const char *domain);

/* Lookups: NULL if there is none. */
const struct vsi_config_vn *vsi_config_find_vn(const struct vsi_config *,
                                               const char *name);
const struct vsi_config_vn *vsi_config_find_vnid(const struct vsi_config *,
                                                 uint32_t vnid);
const struct vsi_config_profile *vsi_config_find_profile(
    const struct vsi_config *, const char *name);
const struct vsi_config_port *vsi_config_find_port(const struct vsi_config *,
                                                   const char *name);
const struct vsi_config_tes *vsi_config_find_tes(const struct vsi_config *,
                                                 const char *name);

/* The VN pinned to 'vid' on 'port' (NULL if none or 'port' is NULL), and
 * the VID pinned to 'vn' (0 if none). */
const struct vsi_config_vn *vsi_config_pinned_vn(
    const struct vsi_config_port *, uint16_t vid);
uint16_t vsi_config_pinned_vid(const struct vsi_config_port *,
                               const struct vsi_config_vn *);

/* The PCP of 'vn''s frames: its default profile's, else its own, or -1. */
int vsi_config_vn_pcp(const struct vsi_config_vn *);

/* The PCP of the traffic of a VSI of 'vn' with policy profile 'profile'
 * (NULL if none): the profile's, else the VN's own, or -1 (nve(5)).  With
 * the VN's default profile, that is vsi_config_vn_pcp(). */
int vsi_config_binding_pcp(const struct vsi_config_vn *,
                           const struct vsi_config_profile *);

bool vsi_config_tes_may_join(const struct vsi_config_tes *,
                             const struct vsi_config_vn *);
bool vsi_config_tes_may_use_port(const struct vsi_config_tes *,
                                 const char *port);

/* Whether TES 'a' and TES 'b' (either may be NULL) are in one migration
 * domain: each may then take over the other's VSIs by "immigrate" whatever
 * their state.  A TES in no domain shares none. */
bool vsi_config_same_migration_domain(const struct vsi_config_tes *a,
                                      const struct vsi_config_tes *b);

#endif /* vsi-config.h */
