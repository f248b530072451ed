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


/* The integration bridge: found by name, or created the way ovn-controller
 * creates br-int.  See integration-bridge.h. */

#include <config.h>
#include "integration-bridge.h"

#include <string.h>
#include "lib/nve-idl.h"
#include "lib/vswitch-idl.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(integration_bridge);

/* The integration bridge when NVE_Global.bridge does not name one. */
#define DEFAULT_BRIDGE_NAME "br-int"

/* The mark of a bridge that nve-controller created, in Bridge
 * external_ids. */
#define BRIDGE_OWNER_KEY "nve-bridge"

const char *
integration_bridge_name(const struct nverec_nve_global *nve_cfg)
{
    return (nve_cfg && nve_cfg->bridge && nve_cfg->bridge[0]
            ? nve_cfg->bridge : DEFAULT_BRIDGE_NAME);
}

static const struct ovsrec_bridge *
integration_bridge_find(const struct ovsrec_bridge_table *bridges,
                        const char *name)
{
    const struct ovsrec_bridge *br;

    OVSREC_BRIDGE_TABLE_FOR_EACH (br, bridges) {
        if (!strcmp(br->name, name)) {
            return br;
        }
    }
    return NULL;
}

/* Creates the integration bridge 'name', the way ovn-controller creates
 * br-int: with its internal port, fail_mode=secure so that the switch never
 * forwards on its own, no in-band control, datapath_type from NVE_Global
 * options:datapath_type, and our mark.  nve-controller never deletes or
 * modifies a bridge, even one it created: other ports may be on it.
 *
 * The transaction increments next_cfg, so that cur_cfg says when
 * ovs-vswitchd has created the bridge and its OpenFlow socket. */
static void
integration_bridge_create(struct ovsdb_idl_txn *ovs_txn,
                          const struct ovsrec_open_vswitch *ovs,
                          const struct nverec_nve_global *nve_cfg,
                          const char *name)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    VLOG_INFO_RL(&rl, "integration bridge %s does not exist, creating it",
                 name);
    ovsdb_idl_txn_add_comment(ovs_txn, "nve-controller: creating "
                              "integration bridge %s", name);

    struct ovsrec_interface *iface = ovsrec_interface_insert(ovs_txn);
    ovsrec_interface_set_name(iface, name);
    ovsrec_interface_set_type(iface, "internal");

    struct ovsrec_port *port = ovsrec_port_insert(ovs_txn);
    ovsrec_port_set_name(port, name);
    ovsrec_port_set_interfaces(port, &iface, 1);

    struct ovsrec_bridge *br = ovsrec_bridge_insert(ovs_txn);
    ovsrec_bridge_set_name(br, name);
    ovsrec_bridge_set_fail_mode(br, "secure");
    ovsrec_bridge_set_ports(br, &port, 1);

    const char *datapath_type = smap_get(&nve_cfg->options, "datapath_type");
    if (datapath_type) {
        ovsrec_bridge_set_datapath_type(br, datapath_type);
    }

    const struct smap other_config = SMAP_CONST1(&other_config,
                                                 "disable-in-band", "true");
    ovsrec_bridge_set_other_config(br, &other_config);

    const struct smap ids = SMAP_CONST1(&ids, BRIDGE_OWNER_KEY,
                                        nve_cfg->name);
    ovsrec_bridge_set_external_ids(br, &ids);

    ovsrec_open_vswitch_update_bridges_addvalue(ovs, br);

    /* Have ovs-vswitchd say when the bridge exists for real. */
    ovsdb_idl_txn_increment(ovs_txn, &ovs->header_,
                            &ovsrec_open_vswitch_col_next_cfg, false);
}

/* Returns the integration bridge, or NULL if it does not exist yet, in
 * which case it is being created if 'ovs_txn' allows. */
const struct ovsrec_bridge *
integration_bridge_run(struct ovsdb_idl_txn *ovs_txn,
                       struct ovsdb_idl *ovs_idl,
                       const struct nverec_nve_global *nve_cfg)
{
    const char *name = integration_bridge_name(nve_cfg);
    const struct ovsrec_bridge *br
        = integration_bridge_find(ovsrec_bridge_table_get(ovs_idl), name);
    if (br) {
        return br;
    }

    const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(ovs_idl);
    if (!ovs) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        VLOG_WARN_RL(&rl, "Open_vSwitch database has no Open_vSwitch row: "
                     "waiting for it to be initialized to create integration "
                     "bridge %s", name);
    } else if (ovs_txn) {
        integration_bridge_create(ovs_txn, ovs, nve_cfg, name);
    }
    return NULL;
}
