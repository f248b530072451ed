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

/* Tunnel ports to remote NVEs (tunnels.h).  tunnels_run() compares the
 * ports that carry nve-controller's mark in the Open_vSwitch database with
 * the Remote_NVE table of the NVE database and writes the differences in
 * the Open_vSwitch transaction; it adds each tunnel's ingress and egress
 * flows to the desired flow table, and remote-flows asks it for the
 * OpenFlow port of a remote NVE's tunnel. */

#include <config.h>
#include "tunnels.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "flow-table.h"
#include "flow.h"
#include "hash.h"
#include "lib/nve-idl.h"
#include "lib/vswitch-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "pipeline.h"
#include "smap.h"
#include "sset.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(tunnels);

/* Priority of a tunnel port's ingress classification flow in table 0. */
#define TUNNEL_INGRESS_PRIORITY 100

/* Encapsulation when neither Remote_NVE nor NVE_Global says. */
#define TUNNEL_DEFAULT_ENCAP "vxlan"

/* One Remote_NVE and its tunnel port, as the last tunnels_run() found
 * them. */
struct tunnel {
    struct hmap_node node;      /* In struct tunnels 'tunnels', by 'remote'. */
    char *remote;               /* Remote_NVE name. */
    char *ip;                   /* Remote_NVE ip: the far end. */
    char *encap;                /* Interface type, "vxlan" or "geneve". */
    char *error;                /* Why the remote has no tunnel, or NULL. */
    char *port_name;            /* Port on the bridge, NULL if none yet. */
    int64_t ofport;             /* 0 if not numbered yet, -1 if failed. */
    uint64_t cookie;            /* Owner of its flows. */
};

struct tunnels {
    struct hmap tunnels;        /* Contains "struct tunnel"s. */
    bool settled;               /* See tunnels_is_settled(). */
    struct pipeline_dscp_map dscp;  /* NVE_Global options:pcp_dscp. */
    char *dscp_error;           /* Why the option is not applied, if so. */
};

/* A port that carries our mark. */
struct owned_port {
    const struct ovsrec_bridge *bridge;
    const struct ovsrec_port *port;
};

/* A change to make to a tunnel port. */
struct tunnel_change {
    const struct tunnel *tunnel;
    const struct ovsrec_interface *iface;   /* NULL: create the port. */
    struct smap options;                    /* Its options as they should
                                             * be. */
};

/* What one tunnels_run() works with. */
struct tunnel_ctx {
    const struct ovsrec_bridge *br_int;

    /* Names of every port and interface on every bridge, so that a new
     * port's name is unique. */
    struct sset names;

    /* Marked ports on 'br_int', one per remote (the one with the smallest
     * name if there are several), by remote name.  What is left of it after
     * every remote took its port is swept. */
    struct shash owned;

    /* Marked ports to delete: duplicates, ports on other bridges, ports of
     * remotes that no longer want a tunnel, ports that are no longer tunnel
     * ports. */
    struct owned_port *stale;
    size_t n_stale, allocated_stale;

    /* Ports to create or correct. */
    struct tunnel_change *changes;
    size_t n_changes, allocated_changes;
};

void
tunnels_register_ovs_idl(struct ovsdb_idl *idl)
{
    ovsdb_idl_add_table(idl, &ovsrec_table_open_vswitch);
    ovsdb_idl_add_column(idl, &ovsrec_open_vswitch_col_next_cfg);
    ovsdb_idl_add_column(idl, &ovsrec_open_vswitch_col_cur_cfg);
    ovsdb_idl_add_table(idl, &ovsrec_table_bridge);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_ports);
    ovsdb_idl_add_table(idl, &ovsrec_table_port);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_interfaces);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_external_ids);
    ovsdb_idl_add_table(idl, &ovsrec_table_interface);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_type);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_options);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_ofport);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_external_ids);
}

void
tunnels_register_nve_idl(struct ovsdb_idl *idl)
{
    ovsdb_idl_add_table(idl, &nverec_table_nve_global);
    ovsdb_idl_add_column(idl, &nverec_nve_global_col_underlay_ip);
    ovsdb_idl_add_column(idl, &nverec_nve_global_col_encap);
    ovsdb_idl_add_column(idl, &nverec_nve_global_col_options);
    ovsdb_idl_add_table(idl, &nverec_table_remote_nve);
    ovsdb_idl_add_column(idl, &nverec_remote_nve_col_name);
    ovsdb_idl_add_column(idl, &nverec_remote_nve_col_ip);
    ovsdb_idl_add_column(idl, &nverec_remote_nve_col_encap);
}

struct tunnels *
tunnels_create(void)
{
    struct tunnels *tunnels = xzalloc(sizeof *tunnels);
    hmap_init(&tunnels->tunnels);
    return tunnels;
}

static void
tunnel_destroy(struct tunnel *tunnel)
{
    free(tunnel->remote);
    free(tunnel->ip);
    free(tunnel->encap);
    free(tunnel->error);
    free(tunnel->port_name);
    free(tunnel);
}

static void
tunnels_destroy_map(struct hmap *map, struct flow_table *flows)
{
    struct tunnel *tunnel;
    HMAP_FOR_EACH_POP (tunnel, node, map) {
        if (flows) {
            flow_table_remove_owner(flows, tunnel->cookie);
        }
        tunnel_destroy(tunnel);
    }
    hmap_destroy(map);
}

void
tunnels_destroy(struct tunnels *tunnels)
{
    if (tunnels) {
        tunnels_destroy_map(&tunnels->tunnels, NULL);
        free(tunnels->dscp_error);
        free(tunnels);
    }
}

static uint64_t dscp_cookie(void);

void
tunnels_clear(struct tunnels *tunnels, struct flow_table *flows)
{
    tunnels_destroy_map(&tunnels->tunnels, flows);
    hmap_init(&tunnels->tunnels);
    flow_table_remove_owner(flows, dscp_cookie());
    tunnels->settled = false;
}

static struct tunnel *
tunnel_find(const struct hmap *map, const char *remote)
{
    struct tunnel *tunnel;
    HMAP_FOR_EACH_WITH_HASH (tunnel, node, hash_string(remote, 0), map) {
        if (!strcmp(tunnel->remote, remote)) {
            return tunnel;
        }
    }
    return NULL;
}

/* The owner cookie of the flows of the tunnel to 'remote': a hash of the
 * name, so that it does not change when the controller restarts or the row
 * is re-created. */
static uint64_t
tunnel_cookie(const char *remote)
{
    ovs_u128 hash;

    hash_bytes128(remote, strlen(remote), 0, &hash);
    return flow_owner_cookie(FLOW_OWNER_TUNNEL, hash.u64.lo);
}

/* Returns a name for the port of the tunnel to 'remote' that is not in
 * 'taken', or NULL if there is none.  The name is "nve-" followed by up to 6
 * characters of the remote's name, a dash, and 4 hex digits of a hash of the
 * whole name, so that it fits in IFNAMSIZ and names the same remote the same
 * way on every NVE. */
static char *
tunnel_port_name(const char *remote, const struct sset *taken)
{
    char prefix[7];
    size_t n = 0;

    for (const char *p = remote; *p && n < sizeof prefix - 1; p++) {
        bool ok = isalnum((unsigned char) *p) || *p == '-' || *p == '_';
        prefix[n++] = ok ? *p : '_';
    }
    prefix[n] = '\0';

    for (uint32_t basis = 0; basis < 4096; basis++) {
        char *name = xasprintf("nve-%s-%04"PRIx32, prefix,
                               hash_string(remote, basis) & 0xffff);
        if (!sset_contains(taken, name)) {
            return name;
        }
        free(name);
    }
    return NULL;
}

/* Returns the address family of the IP address 's', or 0 if it is not
 * one. */
static int
ip_family(const char *s)
{
    ovs_be32 ip4;
    struct in6_addr ip6;

    return (ip_parse(s, &ip4) ? AF_INET
            : ipv6_parse(s, &ip6) ? AF_INET6
            : 0);
}

/* Returns why 'remote' cannot have a tunnel, as a malloc()'d string, or NULL
 * if it can. */
static char *
tunnel_check_remote(const struct nverec_remote_nve *remote,
                    const char *underlay_ip)
{
    if (!remote->name[0]) {
        return xstrdup("remote has an empty name");
    }

    int family = ip_family(remote->ip);
    if (!family) {
        return xasprintf("ip %s is not an IP address", remote->ip);
    }
    if (!underlay_ip) {
        return xstrdup("NVE_Global has no underlay_ip");
    }
    if (!strcmp(remote->ip, underlay_ip)) {
        return xasprintf("ip %s is this NVE's own underlay_ip", remote->ip);
    }
    if (family != ip_family(underlay_ip)) {
        return xasprintf("ip %s and underlay_ip %s are not of the same "
                         "address family", remote->ip, underlay_ip);
    }
    return NULL;
}

static void
tunnel_ctx_add_stale(struct tunnel_ctx *ctx,
                     const struct ovsrec_bridge *bridge,
                     const struct ovsrec_port *port)
{
    if (ctx->n_stale >= ctx->allocated_stale) {
        ctx->stale = x2nrealloc(ctx->stale, &ctx->allocated_stale,
                                sizeof *ctx->stale);
    }
    ctx->stale[ctx->n_stale++] = (struct owned_port) {
        .bridge = bridge,
        .port = port,
    };
}

static void
tunnel_ctx_add_change(struct tunnel_ctx *ctx, const struct tunnel *tunnel,
                      const struct ovsrec_interface *iface,
                      const struct smap *options)
{
    if (ctx->n_changes >= ctx->allocated_changes) {
        ctx->changes = x2nrealloc(ctx->changes, &ctx->allocated_changes,
                                  sizeof *ctx->changes);
    }
    struct tunnel_change *change = &ctx->changes[ctx->n_changes++];
    change->tunnel = tunnel;
    change->iface = iface;
    smap_clone(&change->options, options);
}

static void
tunnel_ctx_destroy(struct tunnel_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_changes; i++) {
        smap_destroy(&ctx->changes[i].options);
    }
    free(ctx->changes);
    free(ctx->stale);
    shash_destroy_free_data(&ctx->owned);
    sset_destroy(&ctx->names);
}

/* Collects the names of all ports and interfaces, and the ports that carry
 * our mark, into 'ctx'. */
static void
tunnel_ctx_collect(struct tunnel_ctx *ctx,
                   const struct ovsrec_bridge_table *bridges)
{
    const struct ovsrec_bridge *br;

    OVSREC_BRIDGE_TABLE_FOR_EACH (br, bridges) {
        for (size_t i = 0; i < br->n_ports; i++) {
            const struct ovsrec_port *port = br->ports[i];

            sset_add(&ctx->names, port->name);
            for (size_t j = 0; j < port->n_interfaces; j++) {
                sset_add(&ctx->names, port->interfaces[j]->name);
            }

            const char *remote = smap_get(&port->external_ids,
                                          TUNNELS_OWNER_KEY);
            if (!remote) {
                continue;
            }
            if (br != ctx->br_int) {
                tunnel_ctx_add_stale(ctx, br, port);
                continue;
            }

            struct owned_port *owned = shash_find_data(&ctx->owned, remote);
            if (!owned) {
                owned = xmalloc(sizeof *owned);
                shash_add(&ctx->owned, remote, owned);
            } else if (strcmp(port->name, owned->port->name) < 0) {
                tunnel_ctx_add_stale(ctx, owned->bridge, owned->port);
            } else {
                tunnel_ctx_add_stale(ctx, br, port);
                continue;
            }
            *owned = (struct owned_port) { .bridge = br, .port = port };
        }
    }
}

/* Returns true if 'iface', the interface of the existing port of 'tunnel',
 * is as it should be with 'options'. */
static bool
tunnel_iface_is_current(const struct tunnel *tunnel,
                        const struct ovsrec_interface *iface,
                        const struct smap *options)
{
    const char *mark = smap_get(&iface->external_ids, TUNNELS_OWNER_KEY);

    return (!strcmp(iface->type, tunnel->encap)
            && smap_equal(&iface->options, options)
            && mark && !strcmp(mark, tunnel->remote));
}

static void
tunnel_port_create(struct ovsdb_idl_txn *txn, struct tunnel_ctx *ctx,
                   const struct tunnel *tunnel, const struct smap *options)
{
    char *name = tunnel_port_name(tunnel->remote, &ctx->names);
    if (!name) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        VLOG_WARN_RL(&rl, "no free port name for the tunnel to remote NVE "
                     "%s", tunnel->remote);
        return;
    }
    VLOG_INFO("creating %s port %s to remote NVE %s at %s",
              tunnel->encap, name, tunnel->remote, tunnel->ip);

    const struct smap ids = SMAP_CONST1(&ids, TUNNELS_OWNER_KEY,
                                        tunnel->remote);
    struct ovsrec_interface *iface = ovsrec_interface_insert(txn);
    ovsrec_interface_set_name(iface, name);
    ovsrec_interface_set_type(iface, tunnel->encap);
    ovsrec_interface_set_options(iface, options);
    ovsrec_interface_set_external_ids(iface, &ids);

    struct ovsrec_port *port = ovsrec_port_insert(txn);
    ovsrec_port_set_name(port, name);
    ovsrec_port_set_interfaces(port, &iface, 1);
    ovsrec_port_set_external_ids(port, &ids);

    ovsrec_bridge_update_ports_addvalue(ctx->br_int, port);
    sset_add_and_free(&ctx->names, name);
}

static void
tunnel_port_update(const struct tunnel *tunnel,
                   const struct ovsrec_interface *iface,
                   const struct smap *options)
{
    VLOG_INFO("updating %s port %s to remote NVE %s at %s",
              tunnel->encap, iface->name, tunnel->remote, tunnel->ip);
    ovsrec_interface_set_type(iface, tunnel->encap);
    ovsrec_interface_set_options(iface, options);
    ovsrec_interface_update_external_ids_setkey(iface, TUNNELS_OWNER_KEY,
                                                tunnel->remote);
}

/* The cookie of the flows of table 65 (dscp). */
static uint64_t
dscp_cookie(void)
{
    return flow_owner_cookie(FLOW_OWNER_PIPELINE, 1);
}

/* Table 65: what a frame into a tunnel gets as its IP DSCP, which the
 * tunnel port (options:tos=inherit) copies into the outer header, for the
 * PCP that the NVE assigned to it. */
static void
dscp_add_flows(const struct pipeline_dscp_map *map, struct flow_table *flows)
{
    uint64_t stub[64 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);

    flow_table_remove_owner(flows, dscp_cookie());
    for (int pcp = 0; pcp < NVE_N_PCPS; pcp++) {
        if (map->dscp[pcp] < 0) {
            continue;
        }
        static const ovs_be16 types[] = { CONSTANT_HTONS(ETH_TYPE_IP),
                                          CONSTANT_HTONS(ETH_TYPE_IPV6) };
        for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
            struct match match;
            uint8_t dscp = map->dscp[pcp];

            match_init_catchall(&match);
            pipeline_match_reg(&match, NVE_MFF_PCP, NVE_PCP_VALID | pcp);
            match_set_dl_type(&match, types[i]);
            ofpbuf_clear(&ofpacts);
            ofpact_put_set_field(&ofpacts, mf_from_id(MFF_IP_DSCP_SHIFTED),
                                 &dscp, NULL);
            flow_table_add(flows, dscp_cookie(), NVE_TABLE_DSCP,
                           NVE_PRIO_OUTPUT, &match,
                           ofpacts.data, ofpacts.size);
        }
    }
    ofpbuf_uninit(&ofpacts);
}

static void
tunnel_add_flows(const struct tunnel *tunnel, bool dscp,
                 struct flow_table *flows)
{
    uint64_t stub[1024 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    struct match match;

    match_init_catchall(&match);
    match_set_in_port(&match, u16_to_ofp(tunnel->ofport));

    pipeline_put_vnid_from_tun_id(&ofpacts);
    pipeline_put_set_flag(&ofpacts, NVE_FLAG_FROM_TUNNEL_BIT);
    pipeline_put_goto_next(&ofpacts, NVE_TABLE_CLASSIFY);

    flow_table_add(flows, tunnel->cookie, NVE_TABLE_CLASSIFY,
                   TUNNEL_INGRESS_PRIORITY, &match,
                   ofpacts.data, ofpacts.size);

    /* Egress, for packets that the L2 lookup sends to this remote NVE (and
     * that did not come from a remote NVE): past the egress ACLs, which
     * concern local VSIs only, and out with the VNID as the VNI. */
    match_init_catchall(&match);
    pipeline_match_reg(&match, NVE_MFF_OUT_PORT, tunnel->ofport);
    pipeline_match_flag(&match, NVE_FLAG_FROM_TUNNEL_BIT, false);
    ofpbuf_clear(&ofpacts);
    pipeline_put_goto_next(&ofpacts, NVE_TABLE_EGRESS_ACL);
    flow_table_add(flows, tunnel->cookie, NVE_TABLE_EGRESS_ACL,
                   NVE_PRIO_PASS, &match, ofpacts.data, ofpacts.size);

    ofpbuf_clear(&ofpacts);
    pipeline_put_vnid_to_tun_id(&ofpacts);
    if (dscp) {
        pipeline_put_resubmit(&ofpacts, NVE_TABLE_DSCP);
    }
    ofpact_put_OUTPUT(&ofpacts)->port = u16_to_ofp(tunnel->ofport);
    flow_table_add(flows, tunnel->cookie, NVE_TABLE_OUTPUT, NVE_PRIO_OUTPUT,
                   &match, ofpacts.data, ofpacts.size);
    ofpbuf_uninit(&ofpacts);
}

static int
compare_remotes_by_name(const void *a_, const void *b_)
{
    const struct nverec_remote_nve *const *a = a_;
    const struct nverec_remote_nve *const *b = b_;

    return strcmp((*a)->name, (*b)->name);
}

/* Returns the rows of 'table' sorted by name, so that port names are chosen
 * in the same order on every run.  The caller must free the array. */
static const struct nverec_remote_nve **
sorted_remotes(const struct nverec_remote_nve_table *table, size_t *np)
{
    const struct nverec_remote_nve **remotes = NULL;
    const struct nverec_remote_nve *remote;
    size_t n = 0, allocated = 0;

    NVEREC_REMOTE_NVE_TABLE_FOR_EACH (remote, table) {
        if (n >= allocated) {
            remotes = x2nrealloc(remotes, &allocated, sizeof *remotes);
        }
        remotes[n++] = remote;
    }
    if (n) {
        qsort(remotes, n, sizeof *remotes, compare_remotes_by_name);
    }
    *np = n;
    return remotes;
}

/* Adds the tunnel to 'remote' to 'tunnels' and notes in 'ctx' what its port
 * needs.  'old' holds the tunnels of the previous run. */
static void
tunnel_plan(struct tunnels *tunnels, struct tunnel_ctx *ctx,
            const struct hmap *old,
            const struct nverec_remote_nve *remote,
            const char *underlay_ip, const char *default_encap,
            bool set_local_ip, bool inherit_tos)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    struct tunnel *tunnel = xzalloc(sizeof *tunnel);

    tunnel->remote = xstrdup(remote->name);
    tunnel->ip = xstrdup(remote->ip);
    tunnel->encap = xstrdup(remote->encap ? remote->encap : default_encap);
    tunnel->cookie = tunnel_cookie(remote->name);
    tunnel->error = tunnel_check_remote(remote, underlay_ip);
    hmap_insert(&tunnels->tunnels, &tunnel->node,
                hash_string(tunnel->remote, 0));

    struct owned_port *owned = shash_find_and_delete(&ctx->owned,
                                                     remote->name);
    if (tunnel->error) {
        const struct tunnel *prev = tunnel_find(old, remote->name);
        if (!prev || !prev->error || strcmp(prev->error, tunnel->error)) {
            VLOG_WARN_RL(&rl, "no tunnel to remote NVE %s: %s",
                         remote->name, tunnel->error);
        }
        if (owned) {
            tunnel_ctx_add_stale(ctx, owned->bridge, owned->port);
        }
        free(owned);
        return;
    }

    struct smap options = SMAP_INITIALIZER(&options);
    smap_add(&options, "remote_ip", remote->ip);
    if (set_local_ip) {
        smap_add(&options, "local_ip", underlay_ip);
    }
    smap_add(&options, "key", "flow");
    if (inherit_tos) {
        smap_add(&options, "tos", "inherit");
    }

    if (owned && owned->port->n_interfaces == 1) {
        const struct ovsrec_interface *iface = owned->port->interfaces[0];

        if (!tunnel_iface_is_current(tunnel, iface, &options)) {
            tunnel_ctx_add_change(ctx, tunnel, iface, &options);
        }
        tunnel->port_name = xstrdup(owned->port->name);
        tunnel->ofport = iface->n_ofport ? *iface->ofport : 0;
    } else if (owned) {
        /* No longer a tunnel port: someone gave it more interfaces, or took
         * its interface away.  It is replaced once deleted. */
        tunnel_ctx_add_stale(ctx, owned->bridge, owned->port);
    } else {
        tunnel_ctx_add_change(ctx, tunnel, NULL, &options);
    }

    smap_destroy(&options);
    free(owned);
}

void
tunnels_run(struct tunnels *tunnels, struct ovsdb_idl_txn *ovs_txn,
            const struct ovsrec_open_vswitch *ovs,
            const struct ovsrec_bridge_table *bridges,
            const struct ovsrec_bridge *br_int,
            const struct nverec_nve_global *nve_cfg,
            const struct nverec_remote_nve_table *remote_table,
            struct flow_table *flows)
{
    if (!br_int) {
        tunnels_clear(tunnels, flows);
        return;
    }

    const char *underlay_ip = nve_cfg->underlay_ip;
    if (underlay_ip && !ip_family(underlay_ip)) {
        /* Keep the tunnels as they are rather than tear them all down for a
         * typing mistake. */
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        VLOG_WARN_RL(&rl, "NVE_Global underlay_ip %s is not an IP address; "
                     "tunnel ports left as they are", underlay_ip);
        tunnels->settled = false;
        return;
    }
    /* Without a route that makes underlay_ip local (as OVS 3.1's dummy
     * datapath has none), OVS cannot send from it: the option lets OVS
     * pick the source address from the route, as OVN's
     * ovn-set-local-ip=false does. */
    bool set_local_ip = smap_get_bool(&nve_cfg->options, "tunnel_local_ip",
                                      true);
    const char *default_encap = (nve_cfg->encap ? nve_cfg->encap
                                 : TUNNEL_DEFAULT_ENCAP);

    /* The underlay's DSCP for the NVE's PCPs. */
    struct pipeline_dscp_map dscp;
    char *error = pipeline_parse_dscp_map(smap_get(&nve_cfg->options,
                                                   "pcp_dscp"), &dscp);
    if (error && (!tunnels->dscp_error
                  || strcmp(error, tunnels->dscp_error))) {
        VLOG_WARN("NVE_Global options:pcp_dscp: %s; no DSCP is set", error);
    }
    free(tunnels->dscp_error);
    tunnels->dscp_error = error;
    tunnels->dscp = dscp;
    bool inherit_tos = !pipeline_dscp_map_is_empty(&dscp);

    struct tunnel_ctx ctx = {
        .br_int = br_int,
        .names = SSET_INITIALIZER(&ctx.names),
        .owned = SHASH_INITIALIZER(&ctx.owned),
    };
    tunnel_ctx_collect(&ctx, bridges);

    /* Mark: what every remote needs. */
    struct hmap old = HMAP_INITIALIZER(&old);
    hmap_swap(&old, &tunnels->tunnels);

    size_t n_remotes;
    const struct nverec_remote_nve **remotes = sorted_remotes(remote_table,
                                                              &n_remotes);
    for (size_t i = 0; i < n_remotes; i++) {
        tunnel_plan(tunnels, &ctx, &old, remotes[i], underlay_ip,
                    default_encap, set_local_ip, inherit_tos);
    }
    free(remotes);

    struct shash_node *node;
    SHASH_FOR_EACH (node, &ctx.owned) {
        struct owned_port *owned = node->data;
        tunnel_ctx_add_stale(&ctx, owned->bridge, owned->port);
    }

    /* Sweep, then create and correct.
     *
     * ovs-vswitchd refuses a tunnel port with the same type and options as
     * one it already has, even on another bridge and even if that one is
     * deleted in the same transaction: a port that moves to another bridge,
     * or a remote that is renamed, would fail.  So a transaction that
     * deletes ports does nothing else, and asks ovs-vswitchd to report, by
     * incrementing next_cfg, when it has applied it; ports are created or
     * changed only while ovs-vswitchd has applied everything (cur_cfg equal
     * to next_cfg). */
    if (ctx.n_stale) {
        if (ovs_txn) {
            ovsdb_idl_txn_add_comment(ovs_txn, "nve-controller: deleting "
                                      "tunnel ports");
            for (size_t i = 0; i < ctx.n_stale; i++) {
                const struct owned_port *stale = &ctx.stale[i];

                VLOG_INFO("deleting tunnel port %s from bridge %s",
                          stale->port->name, stale->bridge->name);
                ovsrec_bridge_update_ports_delvalue(stale->bridge,
                                                    stale->port);
            }
            if (ovs) {
                ovsdb_idl_txn_increment(ovs_txn, &ovs->header_,
                                        &ovsrec_open_vswitch_col_next_cfg,
                                        false);
            }
        }
    } else if (ctx.n_changes && ovs_txn
               && ovs && ovs->cur_cfg >= ovs->next_cfg) {
        ovsdb_idl_txn_add_comment(ovs_txn, "nve-controller: updating tunnel "
                                  "ports");
        for (size_t i = 0; i < ctx.n_changes; i++) {
            const struct tunnel_change *change = &ctx.changes[i];

            if (change->iface) {
                tunnel_port_update(change->tunnel, change->iface,
                                   &change->options);
            } else {
                tunnel_port_create(ovs_txn, &ctx, change->tunnel,
                                   &change->options);
            }
        }
    }

    /* Flows: an owner's flows removed and added again in the same round are
     * no change at all, so replacing all of them is cheap. */
    bool numbered = true;
    tunnels_destroy_map(&old, flows);
    struct tunnel *tunnel;
    HMAP_FOR_EACH (tunnel, node, &tunnels->tunnels) {
        if (tunnel->ofport > 0 && tunnel->ofport < ofp_to_u16(OFPP_MAX)) {
            tunnel_add_flows(tunnel, inherit_tos, flows);
        } else if (!tunnel->error && !tunnel->ofport) {
            numbered = false;
        }
    }

    dscp_add_flows(&dscp, flows);

    tunnels->settled = !ctx.n_stale && !ctx.n_changes && numbered;
    tunnel_ctx_destroy(&ctx);
}

bool
tunnels_is_settled(const struct tunnels *tunnels)
{
    return tunnels->settled;
}

ofp_port_t
tunnels_get_ofport(const struct tunnels *tunnels, const char *remote)
{
    const struct tunnel *tunnel = tunnel_find(&tunnels->tunnels, remote);

    return (tunnel && tunnel->ofport > 0
            && tunnel->ofport < ofp_to_u16(OFPP_MAX)
            ? u16_to_ofp(tunnel->ofport) : OFPP_NONE);
}

size_t
tunnels_count(const struct tunnels *tunnels)
{
    return hmap_count(&tunnels->tunnels);
}

static int
compare_tunnels_by_remote(const void *a_, const void *b_)
{
    const struct tunnel *const *a = a_;
    const struct tunnel *const *b = b_;

    return strcmp((*a)->remote, (*b)->remote);
}

void
tunnels_format(const struct tunnels *tunnels, struct ds *ds)
{
    size_t n = hmap_count(&tunnels->tunnels);
    const struct tunnel **sorted = xmalloc(n * sizeof *sorted);
    const struct tunnel *tunnel;
    size_t i = 0;

    HMAP_FOR_EACH (tunnel, node, &tunnels->tunnels) {
        sorted[i++] = tunnel;
    }
    if (n) {
        qsort(sorted, n, sizeof *sorted, compare_tunnels_by_remote);
    }

    for (i = 0; i < n; i++) {
        tunnel = sorted[i];
        ds_put_format(ds, "%s %s %s %s ", tunnel->remote, tunnel->ip,
                      tunnel->encap,
                      tunnel->port_name ? tunnel->port_name : "-");
        if (tunnel->ofport) {
            ds_put_format(ds, "%"PRId64, tunnel->ofport);
        } else {
            ds_put_char(ds, '-');
        }
        if (tunnel->error) {
            ds_put_format(ds, " (%s)", tunnel->error);
        }
        ds_put_char(ds, '\n');
    }
    free(sorted);
}
