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


/* The configuration that VSI requests are checked against: see
 * vsi-config.h. */

#include <config.h>
#include "vsi-config.h"

#include <string.h>
#include "hash.h"
#include "util.h"

void
vsi_config_init(struct vsi_config *cfg)
{
    hmap_init(&cfg->vns_by_name);
    hmap_init(&cfg->vns_by_vnid);
    hmap_init(&cfg->profiles);
    hmap_init(&cfg->ports);
    hmap_init(&cfg->tes);
    cfg->max_vsis = -1;
    cfg->keepalive_timeout = VSI_DEFAULT_KEEPALIVE_TIMEOUT;
    cfg->keepalive_flush = VSI_DEFAULT_KEEPALIVE_FLUSH;
    cfg->transaction_size = VSI_DEFAULT_TRANSACTION_SIZE;
    cfg->pointer_timeout = VSI_DEFAULT_POINTER_TIMEOUT;
    cfg->max_learned_macs = VSI_DEFAULT_MAX_LEARNED_MACS;
}

void
vsi_config_clear(struct vsi_config *cfg)
{
    struct vsi_config_vn *vn;
    HMAP_FOR_EACH_POP (vn, name_node, &cfg->vns_by_name) {
        free(vn->name);
        free(vn);
    }
    hmap_clear(&cfg->vns_by_vnid);

    struct vsi_config_profile *profile;
    HMAP_FOR_EACH_POP (profile, node, &cfg->profiles) {
        free(profile->name);
        free(profile);
    }

    struct vsi_config_port *port;
    HMAP_FOR_EACH_POP (port, node, &cfg->ports) {
        free(port->name);
        free(port->pin_vids);
        free(port->pin_vns);
        free(port);
    }

    struct vsi_config_tes *tes;
    HMAP_FOR_EACH_POP (tes, node, &cfg->tes) {
        free(tes->name);
        free(tes->ports);
        free(tes->vns);
        free(tes->migration_domain);
        free(tes);
    }
}

void
vsi_config_destroy(struct vsi_config *cfg)
{
    if (cfg) {
        vsi_config_clear(cfg);
        hmap_destroy(&cfg->vns_by_name);
        hmap_destroy(&cfg->vns_by_vnid);
        hmap_destroy(&cfg->profiles);
        hmap_destroy(&cfg->ports);
        hmap_destroy(&cfg->tes);
    }
}

struct vsi_config_profile *
vsi_config_add_profile(struct vsi_config *cfg, const char *name, int pcp)
{
    struct vsi_config_profile *profile = xmalloc(sizeof *profile);

    profile->name = xstrdup(name);
    profile->pcp = pcp;
    hmap_insert(&cfg->profiles, &profile->node, hash_string(name, 0));
    return profile;
}

struct vsi_config_vn *
vsi_config_add_vn(struct vsi_config *cfg, const char *name, uint32_t vnid,
                  const struct vsi_config_profile *profile, int pcp)
{
    struct vsi_config_vn *vn = xmalloc(sizeof *vn);

    vn->name = xstrdup(name);
    vn->vnid = vnid;
    vn->profile = profile;
    vn->pcp = pcp;
    hmap_insert(&cfg->vns_by_name, &vn->name_node, hash_string(name, 0));
    hmap_insert(&cfg->vns_by_vnid, &vn->vnid_node, hash_int(vnid, 0));
    return vn;
}

struct vsi_config_port *
vsi_config_add_port(struct vsi_config *cfg, const char *name, int vid_min,
                    int vid_max, int64_t max_vsis)
{
    struct vsi_config_port *port = xzalloc(sizeof *port);

    port->name = xstrdup(name);
    port->vid_min = vid_min;
    port->vid_max = vid_max;
    port->max_vsis = max_vsis;
    hmap_insert(&cfg->ports, &port->node, hash_string(name, 0));
    return port;
}

void
vsi_config_port_pin(struct vsi_config_port *port, uint16_t vid,
                    const struct vsi_config_vn *vn)
{
    port->pin_vids = xrealloc(port->pin_vids,
                              (port->n_pins + 1) * sizeof *port->pin_vids);
    port->pin_vns = xrealloc(port->pin_vns,
                             (port->n_pins + 1) * sizeof *port->pin_vns);
    port->pin_vids[port->n_pins] = vid;
    port->pin_vns[port->n_pins++] = vn;
}

struct vsi_config_tes *
vsi_config_add_tes(struct vsi_config *cfg, const char *name)
{
    struct vsi_config_tes *tes = xzalloc(sizeof *tes);

    tes->name = xstrdup(name);
    tes->max_vsis = -1;
    hmap_insert(&cfg->tes, &tes->node, hash_string(name, 0));
    return tes;
}

void
vsi_config_tes_allow_port(struct vsi_config_tes *tes,
                          const struct vsi_config_port *port)
{
    tes->ports = xrealloc(tes->ports, (tes->n_ports + 1) * sizeof *tes->ports);
    tes->ports[tes->n_ports++] = port;
}

void
vsi_config_tes_allow_vn(struct vsi_config_tes *tes,
                        const struct vsi_config_vn *vn)
{
    tes->vns = xrealloc(tes->vns, (tes->n_vns + 1) * sizeof *tes->vns);
    tes->vns[tes->n_vns++] = vn;
}

void
vsi_config_tes_set_migration_domain(struct vsi_config_tes *tes,
                                    const char *domain)
{
    free(tes->migration_domain);
    tes->migration_domain = domain && *domain ? xstrdup(domain) : NULL;
}

const struct vsi_config_vn *
vsi_config_find_vn(const struct vsi_config *cfg, const char *name)
{
    const struct vsi_config_vn *vn;

    HMAP_FOR_EACH_WITH_HASH (vn, name_node, hash_string(name, 0),
                             &cfg->vns_by_name) {
        if (!strcmp(vn->name, name)) {
            return vn;
        }
    }
    return NULL;
}

const struct vsi_config_vn *
vsi_config_find_vnid(const struct vsi_config *cfg, uint32_t vnid)
{
    const struct vsi_config_vn *vn;

    HMAP_FOR_EACH_WITH_HASH (vn, vnid_node, hash_int(vnid, 0),
                             &cfg->vns_by_vnid) {
        if (vn->vnid == vnid) {
            return vn;
        }
    }
    return NULL;
}

const struct vsi_config_profile *
vsi_config_find_profile(const struct vsi_config *cfg, const char *name)
{
    const struct vsi_config_profile *profile;

    HMAP_FOR_EACH_WITH_HASH (profile, node, hash_string(name, 0),
                             &cfg->profiles) {
        if (!strcmp(profile->name, name)) {
            return profile;
        }
    }
    return NULL;
}

const struct vsi_config_port *
vsi_config_find_port(const struct vsi_config *cfg, const char *name)
{
    const struct vsi_config_port *port;

    HMAP_FOR_EACH_WITH_HASH (port, node, hash_string(name, 0), &cfg->ports) {
        if (!strcmp(port->name, name)) {
            return port;
        }
    }
    return NULL;
}

const struct vsi_config_tes *
vsi_config_find_tes(const struct vsi_config *cfg, const char *name)
{
    const struct vsi_config_tes *tes;

    HMAP_FOR_EACH_WITH_HASH (tes, node, hash_string(name, 0), &cfg->tes) {
        if (!strcmp(tes->name, name)) {
            return tes;
        }
    }
    return NULL;
}

const struct vsi_config_vn *
vsi_config_pinned_vn(const struct vsi_config_port *port, uint16_t vid)
{
    for (size_t i = 0; port && i < port->n_pins; i++) {
        if (port->pin_vids[i] == vid) {
            return port->pin_vns[i];
        }
    }
    return NULL;
}

uint16_t
vsi_config_pinned_vid(const struct vsi_config_port *port,
                      const struct vsi_config_vn *vn)
{
    for (size_t i = 0; port && i < port->n_pins; i++) {
        if (port->pin_vns[i] == vn) {
            return port->pin_vids[i];
        }
    }
    return 0;
}

int
vsi_config_vn_pcp(const struct vsi_config_vn *vn)
{
    return vsi_config_binding_pcp(vn, vn->profile);
}

int
vsi_config_binding_pcp(const struct vsi_config_vn *vn,
                       const struct vsi_config_profile *profile)
{
    return profile && profile->pcp >= 0 ? profile->pcp : vn->pcp;
}

bool
vsi_config_tes_may_join(const struct vsi_config_tes *tes,
                        const struct vsi_config_vn *vn)
{
    for (size_t i = 0; i < tes->n_vns; i++) {
        if (tes->vns[i] == vn) {
            return true;
        }
    }
    return false;
}

bool
vsi_config_tes_may_use_port(const struct vsi_config_tes *tes,
                            const char *port)
{
    for (size_t i = 0; i < tes->n_ports; i++) {
        if (!strcmp(tes->ports[i]->name, port)) {
            return true;
        }
    }
    return false;
}

bool
vsi_config_same_migration_domain(const struct vsi_config_tes *a,
                                 const struct vsi_config_tes *b)
{
    return (a && b && a->migration_domain && b->migration_domain
            && !strcmp(a->migration_domain, b->migration_domain));
}
