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

/* nve-controller: the Network Virtualization Edge daemon.
 *
 * It reads the NVE database, turns it into OpenFlow flows on the
 * integration bridge and tunnel ports in the Open_vSwitch database, and
 * reports in NVE_Global.cur_cfg when a configuration is in the switch.  The
 * whole daemon is one loop: every module runs, then every module says what
 * it waits for, then one poll_block(). */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#if HAVE_DECL_MALLOC_TRIM
#include <malloc.h>
#endif
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "barrier.h"
#include "command-line.h"
#include "daemon.h"
#include "dirs.h"
#include "fatal-signal.h"
#include "flow.h"
#include "integration-bridge.h"
#include "flow-table.h"
#include "lib/nve-idl.h"
#include "lib/nve-options.h"
#include "lib/vswitch-idl.h"
#include "memory.h"
#include "meter-table.h"
#include "migration.h"
#include "nva-client.h"
#include "ofctrl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "pipeline.h"
#include "profiles.h"
#include "remote-flows.h"
#include "simap.h"
#include "smap.h"
#include "sset.h"
#include "stream-ssl.h"
#include "stream.h"
#include "tns-server.h"
#include "tunnels.h"
#include "unixctl.h"
#include "util.h"
#include "vdp-server.h"
#include "vsi-counters.h"
#include "vsi-flows.h"
#include "vsi-lifecycle.h"
#include "vsi-table.h"

VLOG_DEFINE_THIS_MODULE(main);

/* Command-line configuration. */
static char *ovs_remote;
static char *nve_remote;
static const char *unixctl_path;
static struct sset tns_remotes = SSET_INITIALIZER(&tns_remotes);

/* Reporting NVE_Global.cur_cfg.
 *
 * When a configuration 'nb_cfg' is fully reflected in the desired flow
 * table and the Open_vSwitch database, the controller remembers it along
 * with a barrier ticket.  Once the barrier says that ticket is done (its
 * flows confirmed installed), cur_cfg is written. */
struct cur_cfg_tracker {
    bool valid;                 /* Has any configuration settled yet? */
    int64_t nb_cfg;             /* The last configuration that settled... */
    uint64_t ticket;            /* ...and the barrier ticket of its round. */
};

/* The whole daemon: every module, and what the unixctl commands look at. */
struct controller {
    struct unixctl_server *unixctl;
    struct ovsdb_idl_loop ovs_loop;
    struct ovsdb_idl_loop nve_loop;
    struct barrier *barrier;
    struct flow_table *flows;
    struct meter_table *meters;
    struct tunnels *tunnels;
    struct profiles *profiles;
    struct remote_flows *remote_flows;
    struct vsi_flows *vsi_flows;
    struct vsi_table *vsis;
    struct tns_server *tns;
    struct vdp_server *vdp;
    struct nva_client *nva;
    struct migration *migration;
    struct cur_cfg_tracker cur_cfg;
    char *ofctrl_bridge;        /* Bridge that ofctrl connects to. */
    bool bridge_exists;         /* Did the last round find the integration
                                 * bridge in OVS? */
    bool flows_complete;        /* Has the desired flow table ever been
                                 * complete? */
    struct ovs_list vsi_shows;  /* Contains "struct vsi_show"s. */
    bool exiting;
};

/* A "vsi/show" waiting for the VSI's counters. */
struct vsi_show {
    struct ovs_list node;       /* In controller 'vsi_shows'. */
    struct unixctl_conn *conn;
    char *vsi;
    struct vsi_counters_query *query;
};

static void parse_options(int argc, char *argv[]);
OVS_NO_RETURN static void usage(void);
static void vsi_shows_run(struct controller *);
static void vsi_shows_wait(const struct controller *);

static unixctl_cb_func nve_controller_exit;
static unixctl_cb_func nve_show;
static unixctl_cb_func flow_list;
static unixctl_cb_func vsi_show;
static unixctl_cb_func nva_unfreeze;

static void
register_ovs_idl(struct ovsdb_idl *idl)
{
    ovsdb_idl_add_table(idl, &ovsrec_table_open_vswitch);
    ovsdb_idl_add_column(idl, &ovsrec_open_vswitch_col_bridges);
    ovsdb_idl_add_column(idl, &ovsrec_open_vswitch_col_next_cfg);
    ovsdb_idl_add_column(idl, &ovsrec_open_vswitch_col_cur_cfg);
    ovsdb_idl_add_table(idl, &ovsrec_table_bridge);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_ports);
    tunnels_register_ovs_idl(idl);
}

static void
register_nve_idl(struct ovsdb_idl *idl)
{
    tunnels_register_nve_idl(idl);
    remote_flows_register_nve_idl(idl);
    nva_client_register_nve_idl(idl);
    /* The VSI table registers what it needs of VSI and VSI_Binding
     * (vsi_db_create()). */

    /* Every column of the tables other than VSI and VSI_Binding is
     * replicated, with its changes tracked (ovsdb_idl_track_add_column()
     * adds the column it tracks): NVE_Global (the daemon's settings, the
     * VSI table's and TNS server's limits, TLS settings and remotes), and
     * the SSL, Virtual_Network, TES, TES_Port, Policy_Profile, ACL and
     * TES_Notification tables whole. */
    for (size_t i = 0; i < nverec_idl_class.n_tables; i++) {
        const struct ovsdb_idl_table_class *tc = &nverec_idl_class.tables[i];
        if (tc != &nverec_table_vsi && tc != &nverec_table_vsi_binding) {
            for (size_t k = 0; k < tc->n_columns; k++) {
                ovsdb_idl_track_add_column(idl, &tc->columns[k]);
            }
        }
    }

    /* We write cur_cfg: our own writes need not wake us up. */
    ovsdb_idl_omit_alert(idl, &nverec_nve_global_col_cur_cfg);
}

/* The TNS listeners: the default socket, the command line's and the
 * database's; the limits and TLS settings from the database. */
static void
tns_configure(struct tns_server *tns, const struct nverec_nve_global *cfg)
{
    struct sset remotes = SSET_INITIALIZER(&remotes);
    struct tns_server_limits limits = TNS_SERVER_LIMITS_DEFAULT;

    sset_add_and_free(&remotes,
                      xasprintf("punix:%s/nve-tns.sock", ovs_rundir()));
    const char *remote;
    SSET_FOR_EACH (remote, &tns_remotes) {
        sset_add(&remotes, remote);
    }
    if (cfg) {
        sset_add_array(&remotes, cfg->tns_remotes, cfg->n_tns_remotes);
        if (cfg->n_tns_max_message_size) {
            limits.max_message_size = *cfg->tns_max_message_size;
        }
        if (cfg->n_tns_max_connections) {
            limits.max_connections = *cfg->tns_max_connections;
        }
        if (cfg->n_tns_max_inflight) {
            limits.max_inflight = *cfg->tns_max_inflight;
        }
        limits.max_backlog = nve_options_get_int(
            &cfg->options, "NVE_Global", "tns_max_backlog",
            TNS_DEFAULT_MAX_BACKLOG, 65536, 1024 * 1024 * 1024);
        limits.idle_timeout = nve_options_get_int(
            &cfg->options, "NVE_Global", "tns_idle_timeout",
            TNS_DEFAULT_IDLE_TIMEOUT, 0, 86400000);
        limits.reply_deadline = nve_options_get_int(
            &cfg->options, "NVE_Global", "tns_reply_deadline",
            TNS_DEFAULT_REPLY_DEADLINE, 0, 3600000);
        limits.max_queued_notifications = nve_options_get_int(
            &cfg->options, "NVE_Global", "tns_max_queued_notifications",
            TNS_DEFAULT_MAX_QUEUED_NOTIFICATIONS, 2, 1000000);
        limits.retry_max = nve_options_get_int(
            &cfg->options, "NVE_Global", "tns_notification_retry_max",
            TNS_DEFAULT_NOTIFICATION_RETRY_MAX, 1000, 3600000);

        const struct nverec_ssl *ssl = cfg->ssl;
        if (ssl) {
            stream_ssl_set_key_and_cert(ssl->private_key, ssl->certificate);
            stream_ssl_set_ca_cert_file(ssl->ca_cert, ssl->bootstrap_ca_cert);
            stream_ssl_set_protocols(ssl->ssl_protocols[0]
                                     ? ssl->ssl_protocols : NULL);
            stream_ssl_set_ciphers(ssl->ssl_ciphers[0]
                                   ? ssl->ssl_ciphers : NULL);
        }
    }
    tns_server_configure(tns, &remotes, &limits);
    sset_destroy(&remotes);
}

/* Tells the VSI table the OpenFlow port number of every TES-facing port on
 * the integration bridge 'br'. */
static void
tes_ports_run(struct vsi_table *vsis, struct ovsdb_idl *nve_idl,
              const struct ovsrec_bridge *br)
{
    struct simap ofports = SIMAP_INITIALIZER(&ofports);

    for (size_t i = 0; br && i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];
        for (size_t k = 0; k < port->n_interfaces; k++) {
            const struct ovsrec_interface *iface = port->interfaces[k];
            if (iface->n_ofport && *iface->ofport > 0
                && *iface->ofport < ofp_to_u16(OFPP_MAX)) {
                simap_put(&ofports, iface->name, *iface->ofport);
            }
        }
    }

    const struct nverec_tes_port *prow;
    NVEREC_TES_PORT_FOR_EACH (prow, nve_idl) {
        const struct simap_node *node = simap_find(&ofports, prow->name);
        vsi_table_set_ofport(vsis, prow->name,
                             node ? u16_to_ofp(node->data) : OFPP_NONE);
    }
    simap_destroy(&ofports);
}

/* Returns true if ovs-vswitchd has applied every configuration change
 * whose application anybody asked to hear about. */
static bool
ovs_applied(struct ovsdb_idl *ovs_idl)
{
    const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(ovs_idl);
    return ovs && ovs->cur_cfg >= ovs->next_cfg;
}

/* Points ofctrl at the management socket of bridge 'name'. */
static void
controller_set_ofctrl_bridge(struct controller *c, const char *name)
{
    if (c->ofctrl_bridge && !strcmp(c->ofctrl_bridge, name)) {
        return;
    }

    VLOG_INFO("integration bridge is %s", name);
    free(c->ofctrl_bridge);
    c->ofctrl_bridge = xstrdup(name);

    char *target = xasprintf("unix:%s/%s.mgmt", ovs_rundir(), name);
    ofctrl_set_target(target);
    free(target);
}

/* Notes, if 'settled' says that this round's flows are the whole
 * configuration, which configuration that is. */
static void
cur_cfg_settle(struct cur_cfg_tracker *t,
               const struct nverec_nve_global *nve_cfg, bool settled,
               struct barrier *barrier)
{
    if (settled && (!t->valid || t->nb_cfg != nve_cfg->nb_cfg)) {
        t->valid = true;
        t->nb_cfg = nve_cfg->nb_cfg;
        t->ticket = barrier_ticket(barrier);
    }
}

/* Writes NVE_Global.cur_cfg once the configuration that settled is
 * installed. */
static void
cur_cfg_run(const struct cur_cfg_tracker *t,
            const struct nverec_nve_global *nve_cfg,
            struct ovsdb_idl_txn *nve_txn, const struct barrier *barrier)
{
    if (t->valid && nve_cfg->cur_cfg != t->nb_cfg && nve_txn
        && barrier_is_done(barrier, t->ticket)) {
        nverec_nve_global_set_cur_cfg(nve_cfg, t->nb_cfg);
    }
}

/* The VSI table's report of a VSI whose change committed, for the NVA. */
static void
controller_vsi_committed(void *nva, const struct vsi *v)
{
    nva_client_vsi_committed(nva, v);
}

static void
controller_init(struct controller *c)
{
    *c = (struct controller) {
        .ovs_loop = OVSDB_IDL_LOOP_INITIALIZER(
            ovsdb_idl_create(ovs_remote, &ovsrec_idl_class, false, true)),
        .nve_loop = OVSDB_IDL_LOOP_INITIALIZER(
            ovsdb_idl_create(nve_remote, &nverec_idl_class, false, true)),
        .barrier = barrier_create(),
        .flows = flow_table_create(),
        .meters = meter_table_create(),
        .tunnels = tunnels_create(),
        .profiles = profiles_create(),
        .remote_flows = remote_flows_create(),
        .vdp = vdp_server_create(),
        .nva = nva_client_create(),
        .migration = migration_create(),
    };
    register_ovs_idl(c->ovs_loop.idl);
    register_nve_idl(c->nve_loop.idl);
    nva_client_index_nve_idl(c->nva, c->nve_loop.idl);
    vdp_server_register_ovs_idl(c->ovs_loop.idl);
    c->vsi_flows = vsi_flows_create(c->flows, c->profiles, c->remote_flows,
                                    c->meters);
    c->vsis = vsi_table_create(c->nve_loop.idl, nve_remote, c->barrier,
                               c->vsi_flows);
    vsi_table_set_committed_cb(c->vsis, controller_vsi_committed, c->nva);
    c->tns = tns_server_create(c->nve_loop.idl);
    ovs_list_init(&c->vsi_shows);

    ofctrl_init();
    ofctrl_set_meter_table(c->meters);
    ofctrl_set_counted(vsi_counters_flow_is_counted);
    pipeline_add_flows(c->flows);
}

/* The unixctl commands that print one part of the daemon. */
struct show_command {
    const char *name;
    void (*format)(const struct controller *, struct ds *);
};

static void
format_tunnels(const struct controller *c, struct ds *ds)
{
    tunnels_format(c->tunnels, ds);
}

static void
format_profiles(const struct controller *c, struct ds *ds)
{
    profiles_format(c->profiles, ds);
}

static void
format_flood(const struct controller *c, struct ds *ds)
{
    remote_flows_format_flood(c->remote_flows, ds);
}

static void
format_vsis(const struct controller *c, struct ds *ds)
{
    vsi_table_format_list(c->vsis, ds);
}

static void
format_lifecycle(const struct controller *c OVS_UNUSED, struct ds *ds)
{
    vsi_lifecycle_format_table(ds);
}

static void
format_tns(const struct controller *c, struct ds *ds)
{
    tns_server_format(c->tns, ds);
    vsi_table_format_status(c->vsis, ds);
}

static void
format_vdp(const struct controller *c, struct ds *ds)
{
    vdp_server_format(c->vdp, ds);
}

static void
format_nva(const struct controller *c, struct ds *ds)
{
    nva_client_format(c->nva, ds);
}

static const struct show_command show_commands[] = {
    { "tunnel/list", format_tunnels },
    { "flood/list", format_flood },
    { "profile/list", format_profiles },
    { "vsi/list", format_vsis },
    { "vsi/lifecycle", format_lifecycle },
    { "tns/show", format_tns },
    { "vdp/show", format_vdp },
    { "nva/show", format_nva },
};

/* The controller that the commands of show_commands look at. */
static const struct controller *show_controller;

static void
show_command_reply(struct unixctl_conn *conn, int argc OVS_UNUSED,
                   const char *argv[] OVS_UNUSED, void *sc_)
{
    const struct show_command *sc = sc_;
    struct ds ds = DS_EMPTY_INITIALIZER;

    sc->format(show_controller, &ds);
    unixctl_command_reply(conn, ds_cstr(&ds));
    ds_destroy(&ds);
}

static void
controller_register_commands(struct controller *c)
{
    unixctl_command_register("exit", "", 0, 0, nve_controller_exit, c);
    unixctl_command_register("nve/show", "", 0, 0, nve_show, c);
    unixctl_command_register("flow/list", "[TABLE]", 0, 1, flow_list, c);
    unixctl_command_register("vsi/show", "VSI", 1, 1, vsi_show, c);
    unixctl_command_register("nva/unfreeze", "[VNID MAC]", 0, 2,
                             nva_unfreeze, c);

    show_controller = c;
    for (size_t i = 0; i < ARRAY_SIZE(show_commands); i++) {
        const struct show_command *sc = &show_commands[i];
        unixctl_command_register(sc->name, "", 0, 0, show_command_reply,
                                 CONST_CAST(struct show_command *, sc));
    }
}

static void
controller_memory_run(struct controller *c)
{
    memory_run();
    if (memory_should_report()) {
        struct simap usage = SIMAP_INITIALIZER(&usage);
        simap_increase(&usage, "desired-flows", flow_table_count(c->flows));
        simap_increase(&usage, "desired-actions",
                       flow_table_n_actions(c->flows));
        simap_increase(&usage, "desired-masks",
                       flow_table_n_masks(c->flows));
        simap_increase(&usage, "tunnels", tunnels_count(c->tunnels));
        simap_increase(&usage, "vsis", vsi_table_count(c->vsis));
        ovsdb_idl_get_memory_usage(c->ovs_loop.idl, &usage);
        ovsdb_idl_get_memory_usage(c->nve_loop.idl, &usage);
        memory_report(&usage);
        simap_destroy(&usage);
    }
}

/* The Open vSwitch side of a round: the integration bridge, the OpenFlow
 * port numbers of the TES-facing ports, the tunnel ports.  Returns the
 * integration bridge, or NULL while it does not exist; '*settled' says
 * whether the desired flows are now the whole configuration. */
static const struct ovsrec_bridge *
controller_ovs_run(struct controller *c, struct ovsdb_idl_txn *ovs_txn,
                   const struct nverec_nve_global *nve_cfg, bool *settled)
{
    struct ovsdb_idl *ovs_idl = c->ovs_loop.idl;
    struct ovsdb_idl *nve_idl = c->nve_loop.idl;

    /* Acting on a database before it was read would sweep everything it
     * has not yet told us about. */
    *settled = false;
    if (!ovsdb_idl_has_ever_connected(ovs_idl)
        || !ovsdb_idl_has_ever_connected(nve_idl)) {
        return NULL;
    }
    if (!nve_cfg) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        VLOG_INFO_RL(&rl, "NVE database has no NVE_Global row: waiting for "
                     "\"nve-ctl init\"");
        return NULL;
    }

    const struct ovsrec_bridge *br_int
        = integration_bridge_run(ovs_txn, ovs_idl, nve_cfg);
    c->bridge_exists = br_int != NULL;
    tes_ports_run(c->vsis, nve_idl, br_int);
    if (br_int && ovs_applied(ovs_idl)) {
        /* Before ovs-vswitchd has created the bridge, its socket does not
         * exist. */
        controller_set_ofctrl_bridge(c, br_int->name);
    }
    tunnels_run(c->tunnels, ovs_txn, ovsrec_open_vswitch_first(ovs_idl),
                ovsrec_bridge_table_get(ovs_idl), br_int, nve_cfg,
                nverec_remote_nve_table_get(nve_idl), c->flows);
    *settled = br_int && tunnels_is_settled(c->tunnels);
    return br_int;
}

/* Deactivates the VSIs whose VMs the NVA says moved to another NVE. */
static void
controller_moved_run(struct controller *c)
{
    struct sset moved = SSET_INITIALIZER(&moved);
    const char *id;

    nva_client_pop_moved(c->nva, &moved);
    SSET_FOR_EACH (id, &moved) {
        vsi_table_moved(c->vsis, id);
    }
    sset_destroy(&moved);
}

/* One round of the main loop: every module runs, in this order. */
/* The switch refused the flows of some owners: the VSIs concerned go
 * (vsi-table.h), so that every other change proceeds. */
static void
controller_refusals_run(struct controller *c)
{
    struct ofctrl_refusal *refusals;
    size_t n = ofctrl_pop_refusals(&refusals);

    for (size_t i = 0; i < n; i++) {
        vsi_table_flows_refused(c->vsis, refusals[i].cookie,
                                ofperr_get_name(refusals[i].error));
    }
    free(refusals);
}

static void
controller_run(struct controller *c)
{
    struct ovsdb_idl_txn *ovs_txn = ovsdb_idl_loop_run(&c->ovs_loop);
    struct ovsdb_idl_txn *nve_txn = ovsdb_idl_loop_run(&c->nve_loop);
    struct ovsdb_idl *nve_idl = c->nve_loop.idl;
    const struct nverec_nve_global *nve_cfg = nverec_nve_global_first(nve_idl);
    bool nve_read = ovsdb_idl_has_ever_connected(nve_idl);
    struct vsi_ctx vctx = {
        .nve_idl = nve_idl,
        .nve_loop = &c->nve_loop,
        .nve_txn = nve_txn,
        .global = nve_cfg,
    };

    controller_memory_run(c);
    barrier_run(c->barrier, &c->nve_loop);
    ofctrl_run(c->flows);
    controller_refusals_run(c);

    /* Policy profiles before the VSIs that use them; the VSIs' own changes
     * (ageing, configuration) before the TES's requests. */
    if (nve_read) {
        profiles_run(c->profiles, nve_idl, c->flows);
    }
    vsi_table_run(c->vsis, &vctx);
    if (nve_read) {
        tns_configure(c->tns, nve_cfg);
    }
    /* After the SSL settings, and after the VSI table reported the VSIs
     * whose changes committed. */
    nva_client_run(c->nva, nve_idl, c->vsis, nve_cfg);
    controller_moved_run(c);
    tns_server_run(c->tns, c->vsis, &vctx);
    if (vsi_table_is_ready(c->vsis)) {
        /* VMs' first frames after migration: after the TES's requests,
         * which may have pre-associated or associated their VSIs. */
        migration_run(c->migration, c->vsis);
    }
    /* Neighbour solicitations for remote VMs, answered here. */
    remote_flows_answer_nd(c->remote_flows, c->vsis);
    vsi_flows_run(c->vsi_flows);

    bool settled;
    const struct ovsrec_bridge *br_int = controller_ovs_run(c, ovs_txn,
                                                            nve_cfg,
                                                            &settled);

    /* VDP stations' requests: after the TNS server's, once the ports are
     * known.  Then the remote flows, after the tunnels and every VSI change
     * of the round. */
    vdp_server_run(c->vdp, c->vsis, &vctx, br_int, c->flows);
    if (nve_read) {
        remote_flows_run(c->remote_flows, nve_idl, c->tunnels, c->flows);
    }
    nva_client_learn(c->nva, nve_idl, nve_txn, nve_cfg);
    vsi_table_sync(c->vsis, nve_txn);
    /* The notifications go into the same transaction as the changes that
     * caused them. */
    tns_server_sync(c->tns, c->vsis, &vctx, c->barrier,
                    nve_cfg ? nve_cfg->name : NULL);
    if (nve_cfg) {
        cur_cfg_settle(&c->cur_cfg, nve_cfg, settled, c->barrier);
    }

    /* After a (re)connection, the first put deletes every flow that the
     * desired table lacks: hold it back until the desired table is whole
     * for the first time (databases read, VSIs loaded, tunnels settled), so
     * that a restart leaves the switch's flows alone. */
    c->flows_complete |= settled && vsi_table_is_ready(c->vsis);
    uint64_t put_seqno = c->flows_complete ? ofctrl_put(c->flows) : 0;
    barrier_round_end(c->barrier, &c->nve_loop, put_seqno,
                      ofctrl_installed_seqno());
    if (c->flows_complete && ofctrl_installed_seqno() >= put_seqno) {
        vsi_table_flows_in_switch(c->vsis);
    }

    /* Whatever the barrier now says is done may be said. */
    if (nve_cfg) {
        cur_cfg_run(&c->cur_cfg, nve_cfg, nve_txn, c->barrier);
    }
    tns_server_flush(c->tns, c->vsis, c->barrier);
    vdp_server_flush(c->vdp, c->barrier);
    migration_flush(c->migration, c->barrier);
    vsi_shows_run(c);
    unixctl_server_run(c->unixctl);
    ovsdb_idl_track_clear(nve_idl);
    /* Last: whatever the iteration queued for the switch. */
    ofctrl_flush();
}

static void
controller_wait(struct controller *c)
{
    ofctrl_wait();
    vsi_table_wait(c->vsis);
    tns_server_wait(c->tns, c->vsis);
    vdp_server_wait(c->vdp);
    nva_client_wait(c->nva);
    vsi_shows_wait(c);
    unixctl_server_wait(c->unixctl);
    memory_wait();
    if (c->exiting) {
        poll_immediate_wake();
    }
    ovsdb_idl_loop_commit_and_wait(&c->nve_loop);
    ovsdb_idl_loop_commit_and_wait(&c->ovs_loop);
    barrier_wait(c->barrier, &c->nve_loop);
}

/* Tunnel ports and flows stay in place when the controller exits, so that
 * forwarding goes on while it restarts; the next controller adopts them by
 * their marks and by comparing flows. */
static void
controller_destroy(struct controller *c)
{
    struct vsi_show *show;
    LIST_FOR_EACH_POP (show, node, &c->vsi_shows) {
        vsi_counters_query_destroy(show->query);
        free(show->vsi);
        free(show);
    }
    unixctl_server_destroy(c->unixctl);
    tns_server_destroy(c->tns);
    vdp_server_destroy(c->vdp);
    nva_client_destroy(c->nva);
    migration_destroy(c->migration);
    vsi_table_destroy(c->vsis);
    vsi_flows_destroy(c->vsi_flows);
    remote_flows_destroy(c->remote_flows);
    profiles_destroy(c->profiles);
    ofctrl_destroy();
    tunnels_destroy(c->tunnels);
    meter_table_destroy(c->meters);
    flow_table_destroy(c->flows);
    barrier_destroy(c->barrier);
    ovsdb_idl_loop_destroy(&c->ovs_loop);
    ovsdb_idl_loop_destroy(&c->nve_loop);
    free(c->ofctrl_bridge);
}

int
main(int argc, char *argv[])
{
    struct unixctl_server *unixctl;
    struct controller c;

    ovs_cmdl_proctitle_init(argc, argv);
    ovs_set_program_name(argv[0], "(ovs-nve) " NVE_VERSION);
    service_start(&argc, &argv);
    parse_options(argc, argv);
    fatal_ignore_sigpipe();

    daemonize_start(false);
#ifdef M_MXFAST
    /* No "fast bins" in glibc's allocator: a freed block merges with its
     * free neighbours at once, not in a later pass over every block freed
     * since the last pass.  Loading the VSI rows at start frees millions
     * of blocks (their JSON, then the loader's replica), and those passes
     * were a fifth of a restart's CPU: a restart with 100,000 VSIs is
     * about 0.6 s shorter without them, and the bulk is no slower
     * (BENCHMARK.md, session 14). */
    mallopt(M_MXFAST, 0);
#endif
    if (unixctl_server_create(unixctl_path, &unixctl)) {
        exit(EXIT_FAILURE);
    }
    controller_init(&c);
    c.unixctl = unixctl;
    controller_register_commands(&c);
    daemonize_complete();

    while (!c.exiting) {
        controller_run(&c);
        controller_wait(&c);
        poll_block();
        if (should_service_stop()) {
            c.exiting = true;
        }
    }

    controller_destroy(&c);
    free(ovs_remote);
    free(nve_remote);
    sset_destroy(&tns_remotes);
    service_stop();
    exit(EXIT_SUCCESS);
}

static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_OVS_DB = UCHAR_MAX + 1,
        OPT_NVE_DB,
        OPT_UNIXCTL,
        OPT_TNS_REMOTE,
        VLOG_OPTION_ENUMS,
        DAEMON_OPTION_ENUMS,
        NVE_SSL_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"ovs-db", required_argument, NULL, OPT_OVS_DB},
        {"nve-db", required_argument, NULL, OPT_NVE_DB},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"tns-remote", required_argument, NULL, OPT_TNS_REMOTE},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        VLOG_LONG_OPTIONS,
        DAEMON_LONG_OPTIONS,
        NVE_SSL_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(long_options);

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }

        switch (c) {
        case OPT_OVS_DB:
            free(ovs_remote);
            ovs_remote = xstrdup(optarg);
            break;

        case OPT_NVE_DB:
            free(nve_remote);
            nve_remote = xstrdup(optarg);
            break;

        case OPT_UNIXCTL:
            unixctl_path = optarg;
            break;

        case OPT_TNS_REMOTE:
            if (pstream_verify_name(optarg)) {
                VLOG_FATAL("%s: not a listening target (punix:, ptcp: or "
                           "pssl:)", optarg);
            }
            sset_add(&tns_remotes, optarg);
            break;

        case 'h':
            usage();

        case 'V':
            ovs_print_version(0, 0);
            printf("NVE DB Schema %s\n", nverec_get_db_version());
            exit(EXIT_SUCCESS);

        VLOG_OPTION_HANDLERS
        DAEMON_OPTION_HANDLERS
        NVE_SSL_OPTION_HANDLERS

        case '?':
            exit(EXIT_FAILURE);

        default:
            OVS_NOT_REACHED();
        }
    }
    free(short_options);

    if (optind < argc) {
        VLOG_FATAL("%s: unexpected argument (use --help for help)",
                   argv[optind]);
    }

    char *default_db = xasprintf("unix:%s/db.sock", ovs_rundir());
    if (!ovs_remote) {
        ovs_remote = xstrdup(default_db);
    }
    if (!nve_remote) {
        nve_remote = xstrdup(default_db);
    }
    free(default_db);
}

static void
usage(void)
{
    printf("%s: Network Virtualization Edge controller\n"
           "usage: %s [OPTIONS]\n"
           "\n"
           "Database options:\n"
           "  --ovs-db=DATABASE       Open_vSwitch database "
           "(default: unix:%s/db.sock)\n"
           "  --nve-db=DATABASE       NVE database "
           "(default: unix:%s/db.sock)\n",
           program_name, program_name, ovs_rundir(), ovs_rundir());
    stream_usage("DATABASE", true, false, true);
    daemon_usage();
    vlog_usage();
    printf("\nTNS options:\n"
           "  --tns-remote=TARGET     also listen for TNS on TARGET "
           "(punix:, ptcp:, pssl:;\n"
           "                          always on punix:%s/nve-tns.sock)\n",
           ovs_rundir());
    printf("\nOther options:\n"
           "  --unixctl=SOCKET        override default control socket name\n"
           "  -h, --help              display this help message\n"
           "  -V, --version           display version information\n");
    exit(EXIT_SUCCESS);
}

static void
nve_controller_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
                    const char *argv[] OVS_UNUSED, void *c_)
{
    struct controller *c = c_;

    c->exiting = true;
    unixctl_command_reply(conn, NULL);
}

static const char *
idl_state(const struct ovsdb_idl *idl)
{
    return (ovsdb_idl_is_connected(idl) ? "connected"
            : ovsdb_idl_has_ever_connected(idl) ? "reconnecting"
            : "connecting");
}

static void
nve_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
         const char *argv[] OVS_UNUSED, void *c_)
{
    struct controller *c = c_;
    const struct nverec_nve_global *nve_cfg
        = nverec_nve_global_first(c->nve_loop.idl);
    struct ds ds = DS_EMPTY_INITIALIZER;

    if (nve_cfg) {
        ds_put_format(&ds, "nve: %s\n", nve_cfg->name);
        ds_put_format(&ds, "underlay_ip: %s\n",
                      nve_cfg->underlay_ip ? nve_cfg->underlay_ip : "-");
        ds_put_format(&ds, "encap: %s\n",
                      nve_cfg->encap ? nve_cfg->encap : "vxlan");
    } else {
        ds_put_cstr(&ds, "nve: not configured\n");
    }
    ds_put_format(&ds, "bridge: %s%s\n", integration_bridge_name(nve_cfg),
                  c->bridge_exists ? "" : " (missing)");
    ds_put_format(&ds, "ovs-db: %s %s\n", ovs_remote,
                  idl_state(c->ovs_loop.idl));
    ds_put_format(&ds, "nve-db: %s %s\n", nve_remote,
                  idl_state(c->nve_loop.idl));
    if (nve_cfg) {
        ds_put_format(&ds, "nb_cfg: %"PRId64"\n", nve_cfg->nb_cfg);
        ds_put_format(&ds, "cur_cfg: %"PRId64"\n", nve_cfg->cur_cfg);
    }
    ds_put_format(&ds, "tunnels: %"PRIuSIZE"\n", tunnels_count(c->tunnels));
    ds_put_format(&ds, "desired flows: %"PRIuSIZE"\n",
                  flow_table_count(c->flows));
    ofctrl_format_status(&ds);
    migration_format_status(c->migration, &ds);
    remote_flows_format_status(c->remote_flows, &ds);

    unixctl_command_reply(conn, ds_cstr(&ds));
    ds_destroy(&ds);
}

struct flow_line {
    uint8_t table_id;
    uint16_t priority;
    char *text;
};

/* Orders flows as they are evaluated: by table, then highest priority
 * first, then by text. */
static int
compare_flow_lines(const void *a_, const void *b_)
{
    const struct flow_line *a = a_;
    const struct flow_line *b = b_;

    return (a->table_id != b->table_id ? (a->table_id < b->table_id ? -1 : 1)
            : a->priority != b->priority ? (a->priority > b->priority ? -1
                                            : 1)
            : strcmp(a->text, b->text));
}

static void
nva_unfreeze(struct unixctl_conn *conn, int argc, const char *argv[],
             void *c_)
{
    struct controller *c = c_;
    struct eth_addr mac;
    long long int vnid = 0;
    char *mac_s = NULL;

    if (argc == 3) {
        if (!str_to_llong(argv[1], 10, &vnid) || vnid < 1
            || vnid > 16777215) {
            unixctl_command_reply_error(conn, "VNID must be an integer "
                                        "from 1 to 16777215");
            return;
        }
        if (!eth_addr_from_string(argv[2], &mac)) {
            unixctl_command_reply_error(conn, "MAC must be an Ethernet "
                                        "address, xx:xx:xx:xx:xx:xx");
            return;
        }
        mac_s = xasprintf(ETH_ADDR_FMT, ETH_ADDR_ARGS(mac));
    } else if (argc != 1) {
        unixctl_command_reply_error(conn, "give both VNID and MAC, or "
                                    "neither");
        return;
    }

    size_t n = nva_client_unfreeze(c->nva, vnid, mac_s);
    free(mac_s);
    if (argc == 3 && !n) {
        unixctl_command_reply_error(conn, "no such frozen MAC");
    } else {
        char *reply = xasprintf("unfrozen: %"PRIuSIZE"\n", n);
        unixctl_command_reply(conn, reply);
        free(reply);
    }
}

static void
flow_list(struct unixctl_conn *conn, int argc, const char *argv[], void *c_)
{
    struct controller *c = c_;
    uint8_t table_id = 0;

    if (argc > 1 && !pipeline_table_from_string(argv[1], &table_id)) {
        unixctl_command_reply_error(conn, "TABLE must be a table name or "
                                    "number");
        return;
    }

    size_t n = flow_table_count(c->flows);
    struct flow_line *lines = xmalloc(n * sizeof *lines);
    const struct flow_table_entry *entry;
    struct ds ds = DS_EMPTY_INITIALIZER;
    size_t n_lines = 0;

    FLOW_TABLE_FOR_EACH (entry, c->flows) {
        if (argc > 1 && entry->table_id != table_id) {
            continue;
        }
        ds_clear(&ds);
        flow_table_entry_format(entry, &ds);
        lines[n_lines++] = (struct flow_line) {
            .table_id = entry->table_id,
            .priority = entry->priority,
            .text = ds_steal_cstr(&ds),
        };
    }
    if (n_lines) {
        qsort(lines, n_lines, sizeof *lines, compare_flow_lines);
    }

    for (size_t i = 0; i < n_lines; i++) {
        ds_put_format(&ds, "%s\n", lines[i].text);
        free(lines[i].text);
    }
    free(lines);

    unixctl_command_reply(conn, ds_cstr(&ds));
    ds_destroy(&ds);
}

/* Asks the switch for the VSI's counters: vsi_shows_run() replies once
 * they are there. */
static void
vsi_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
         const char *argv[], void *c_)
{
    struct controller *c = c_;
    const struct vsi *v = vsi_table_find(c->vsis, argv[1]);

    if (!v) {
        unixctl_command_reply_error(conn, "no such vsi");
        return;
    }

    struct vsi_show *show = xmalloc(sizeof *show);
    show->conn = conn;
    show->vsi = xstrdup(v->id);
    show->query = vsi_counters_query(c->vsi_flows, v);
    ovs_list_push_back(&c->vsi_shows, &show->node);
}

/* Replies to the "vsi/show"s whose counters came. */
static void
vsi_shows_run(struct controller *c)
{
    struct vsi_show *show;

    LIST_FOR_EACH_SAFE (show, node, &c->vsi_shows) {
        if (!vsi_counters_query_is_done(show->query)) {
            continue;
        }

        const struct vsi *v = vsi_table_find(c->vsis, show->vsi);
        if (v) {
            struct ds ds = DS_EMPTY_INITIALIZER;
            struct vsi_counters counters;

            vsi_format(v, &ds);
            vsi_counters_format(
                vsi_counters_query_result(show->query, &counters)
                ? &counters : NULL, &ds);
            unixctl_command_reply(show->conn, ds_cstr(&ds));
            ds_destroy(&ds);
        } else {
            unixctl_command_reply_error(show->conn, "no such vsi");
        }
        ovs_list_remove(&show->node);
        vsi_counters_query_destroy(show->query);
        free(show->vsi);
        free(show);
    }
}

static void
vsi_shows_wait(const struct controller *c)
{
    const struct vsi_show *show;

    LIST_FOR_EACH (show, node, &c->vsi_shows) {
        if (vsi_counters_query_is_done(show->query)) {
            poll_immediate_wake();
        }
    }
}

