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


/* CUnit tests of the VSI planner (controller/vsi-plan.c): every status that
 * a plan can end in, each with the inputs that reach it and the message
 * that names the culprit, and the choices of an accepted plan (VID, PCP,
 * profile, order, rebinding).  No database, no daemon: the configuration
 * and the resources are filled in by hand. */

#include <config.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "controller/vsi-config.h"
#include "controller/vsi-plan.h"
#include "controller/vsi-resources.h"
#include "controller/vsi.h"
#include "lib/vsi-request.h"
#include "packets.h"
#include "util.h"
#include "unit-tests.h"

/* The configuration of every test:
 *
 *   profiles  gold (pcp 5), plain (no pcp)
 *   VNs       blue 100, red 200 (profile gold), green 300 (pcp 3)
 *   ports     p1: VIDs 100 to 102, 101 pinned to green
 *             p2: VIDs 2 to 4094, at most 1 VSI
 *   TES       hv1: port p1, VNs blue red green
 *             hv2: ports p1 p2, VN blue
 *             hv3: no port, VN blue
 *
 * and in the resources, VSI "vmA" of hv1, associated behind p1 in blue
 * (VID 100) with MAC 52:54:00:00:00:0a. */
struct fixture {
    struct vsi_config cfg;
    struct vsi_resources res;
    struct vsi vma;
    struct vsi_binding vma_binding;
    struct eth_addr vma_mac;
};

static struct fixture fx;

static void
fixture_init(void)
{
    vsi_config_init(&fx.cfg);
    const struct vsi_config_profile *gold
        = vsi_config_add_profile(&fx.cfg, "gold", 5);
    vsi_config_add_profile(&fx.cfg, "plain", -1);
    const struct vsi_config_vn *blue
        = vsi_config_add_vn(&fx.cfg, "blue", 100, NULL, -1);
    const struct vsi_config_vn *red
        = vsi_config_add_vn(&fx.cfg, "red", 200, gold, -1);
    const struct vsi_config_vn *green
        = vsi_config_add_vn(&fx.cfg, "green", 300, NULL, 3);

    struct vsi_config_port *p1 = vsi_config_add_port(&fx.cfg, "p1", 100, 102,
                                                     -1);
    vsi_config_port_pin(p1, 101, green);
    struct vsi_config_port *p2 = vsi_config_add_port(&fx.cfg, "p2", 2, 4094,
                                                     1);

    struct vsi_config_tes *hv1 = vsi_config_add_tes(&fx.cfg, "hv1");
    vsi_config_tes_allow_port(hv1, p1);
    vsi_config_tes_allow_vn(hv1, blue);
    vsi_config_tes_allow_vn(hv1, red);
    vsi_config_tes_allow_vn(hv1, green);
    struct vsi_config_tes *hv2 = vsi_config_add_tes(&fx.cfg, "hv2");
    vsi_config_tes_allow_port(hv2, p1);
    vsi_config_tes_allow_port(hv2, p2);
    vsi_config_tes_allow_vn(hv2, blue);
    struct vsi_config_tes *hv3 = vsi_config_add_tes(&fx.cfg, "hv3");
    vsi_config_tes_allow_vn(hv3, blue);

    /* vmA, as the VSI table would have bound it. */
    vsi_resources_init(&fx.res);
    struct vsi_port *port = vsi_port_get(&fx.res, "p1");
    struct vsi_port_vn *pv = vsi_port_vn_create(port, 100, "blue", 100, -1);
    memset(&fx.vma, 0, sizeof fx.vma);
    fx.vma.id = "vmA";
    fx.vma.tes = "hv1";
    fx.vma.state = VSI_ASSOCIATED;
    fx.vma.port = port;
    fx.vma.bindings = &fx.vma_binding;
    fx.vma.n_bindings = 1;
    port->n_vsis = 1;
    vsi_tes_count(&fx.res, "hv1", 1);
    eth_addr_from_string("52:54:00:00:00:0a", &fx.vma_mac);
    fx.vma_binding = (struct vsi_binding) {
        .vsi = &fx.vma, .pv = pv, .macs = &fx.vma_mac, .n_macs = 1,
        .default_profile = true, .pcp = -1,
    };
    ovs_list_push_back(&pv->bindings, &fx.vma_binding.pv_node);
    pv->n_bindings = 1;
    vsi_mac_claim(&fx.res, 100, fx.vma_mac, &fx.vma);
}

static void
fixture_destroy(void)
{
    vsi_resources_destroy(&fx.res);
    vsi_config_destroy(&fx.cfg);
}

/* A network "VN:MAC[:VID[:POLICY]]", VN a name or "#VNID". */
struct net_spec {
    const char *vn;
    const char *mac;
    uint16_t vid;
    const char *policy;
};

#define MAX_NETS 4

/* One case: a request, the VSI it is about, and what must come out. */
struct plan_case {
    const char *what;
    enum vsi_event event;
    const char *vsi;            /* "vmA" is the fixture's VSI. */
    const char *tes;
    const char *peer_cn;
    const char *port;
    struct net_spec nets[MAX_NETS];
    int64_t max_vsis;           /* The NVE's limit, 0 for none. */
    enum vsi_status status;
    const char *message;        /* Exact, if refused. */
};

static enum vsi_status
plan_case_run(const struct plan_case *c, struct vsi_plan *plan,
              struct vsi_network *nets, struct eth_addr *macs)
{
    size_t n = 0;

    for (; n < MAX_NETS && c->nets[n].vn; n++) {
        const struct net_spec *ns = &c->nets[n];
        struct vsi_network *net = &nets[n];

        memset(net, 0, sizeof *net);
        if (ns->vn[0] == '#') {
            net->vnid = atoi(ns->vn + 1);
        } else {
            net->vn = CONST_CAST(char *, ns->vn);
        }
        if (ns->mac) {
            CU_ASSERT_FATAL(eth_addr_from_string(ns->mac, &macs[n]));
            net->macs = &macs[n];
            net->n_macs = 1;
        }
        net->vid = ns->vid;
        net->policy = CONST_CAST(char *, ns->policy);
    }

    struct vsi_request rq = {
        .event = c->event,
        .protocol = VSI_PROTO_TNS,
        .vsi = c->vsi,
        .tes = c->tes,
        .peer_cn = c->peer_cn,
        .port = c->port,
        .networks = nets,
        .n_networks = n,
    };
    fx.cfg.max_vsis = c->max_vsis ? c->max_vsis : -1;
    const struct vsi *v = !strcmp(c->vsi, "vmA") ? &fx.vma : NULL;
    return vsi_plan_request(&rq, v, 1, &fx.cfg, &fx.res, plan);
}

#define NET(...) { __VA_ARGS__ }

static const struct plan_case refusals[] = {
    /* INVALID_REQUEST. */
    { "no tes and no certificate", VSIE_ASSOCIATE, "vm1", NULL, NULL, "p1",
      { NET("blue", "52:54:00:00:00:01") }, 0, VSI_ST_INVALID_REQUEST,
      "params.tes: required field missing" },
    { "port required with two ports", VSIE_ASSOCIATE, "vm1", "hv2", NULL,
      NULL, { NET("blue", "52:54:00:00:00:01") }, 0, VSI_ST_INVALID_REQUEST,
      "params.port: required field missing (tes hv2 has 2 ports)" },
    { "one VN twice", VSIE_ASSOCIATE, "vm1", "hv1", NULL, NULL,
      { NET("blue", "52:54:00:00:00:01"), NET("#100", "52:54:00:00:00:02") },
      0, VSI_ST_INVALID_REQUEST,
      "params.networks[1]: same VN as params.networks[0]" },

    /* FAILED_AUTHORIZATION. */
    { "certificate without common name", VSIE_ASSOCIATE, "vm1", "hv1", "",
      NULL, { NET("blue", "52:54:00:00:00:01") }, 0,
      VSI_ST_FAILED_AUTHORIZATION, "the TLS certificate has no common name" },
    { "certificate of another tes", VSIE_ASSOCIATE, "vm1", "hv1", "hv2",
      NULL, { NET("blue", "52:54:00:00:00:01") }, 0,
      VSI_ST_FAILED_AUTHORIZATION,
      "tes hv1 does not match the TLS certificate (CN hv2)" },
    { "unknown tes", VSIE_ASSOCIATE, "vm1", "hv9", NULL, NULL,
      { NET("blue", "52:54:00:00:00:01") }, 0, VSI_ST_FAILED_AUTHORIZATION,
      "unknown tes hv9" },
    { "unknown tes, named by its certificate", VSIE_ASSOCIATE, "vm1", NULL,
      "hv9", NULL, { NET("blue", "52:54:00:00:00:01") }, 0,
      VSI_ST_FAILED_AUTHORIZATION, "unknown tes hv9" },
    { "another tes's vsi", VSIE_SUSPEND, "vmA", "hv2", NULL, NULL, { }, 0,
      VSI_ST_FAILED_AUTHORIZATION, "vsi vmA belongs to another tes" },
    { "another tes's vsi, immigrated before it emigrated",
      VSIE_IMMIGRATE_PRE, "vmA", "hv2", NULL, "p1",
      { NET("blue", "52:54:00:00:00:0a") }, 0, VSI_ST_FAILED_AUTHORIZATION,
      "tes hv2 may not take vsi vmA over: tes hv1 has not emigrated it, and "
      "they share no migration domain" },
    { "a port not the tes's", VSIE_ASSOCIATE, "vm1", "hv1", NULL, "p2",
      { NET("blue", "52:54:00:00:00:01") }, 0, VSI_ST_FAILED_AUTHORIZATION,
      "tes hv1 may not use port p2" },
    { "a tes with no port", VSIE_ASSOCIATE, "vm1", "hv3", NULL, NULL,
      { NET("blue", "52:54:00:00:00:01") }, 0, VSI_ST_FAILED_AUTHORIZATION,
      "tes hv3 may not use any port" },
    { "a VN not the tes's", VSIE_ASSOCIATE, "vm1", "hv2", NULL, "p1",
      { NET("red", "52:54:00:00:00:01") }, 0, VSI_ST_FAILED_AUTHORIZATION,
      "tes hv2 may not join vn red" },

    /* UNKNOWN_VN. */
    { "unknown VN name", VSIE_ASSOCIATE, "vm1", "hv1", NULL, NULL,
      { NET("pink", "52:54:00:00:00:01") }, 0, VSI_ST_UNKNOWN_VN,
      "unknown vn pink" },
    { "unknown VNID", VSIE_PRE_ASSOCIATE, "vm1", "hv1", NULL, NULL,
      { NET("#999", "52:54:00:00:00:01") }, 0, VSI_ST_UNKNOWN_VN,
      "unknown vnid 999" },

    /* UNKNOWN_VSI and INVALID_STATE, from the lifecycle table. */
    { "suspend of a VSI the NVE does not hold", VSIE_SUSPEND, "vm1", "hv1",
      NULL, NULL, { }, 0, VSI_ST_UNKNOWN_VSI, "unknown vsi vm1" },
    { "keep-alive of a VSI the NVE does not hold", VSIE_KEEPALIVE, "vm1",
      "hv1", NULL, NULL, { }, 0, VSI_ST_UNKNOWN_VSI, "unknown vsi vm1" },

    /* CONFLICT_POLICIES. */
    { "no such policy profile", VSIE_ASSOCIATE, "vm1", "hv1", NULL, NULL,
      { NET("blue", "52:54:00:00:00:01", 0, "bronze") }, 0,
      VSI_ST_CONFLICT_POLICIES, "no policy profile named bronze" },
    { "another VSI's MAC", VSIE_ASSOCIATE, "vm1", "hv1", NULL, NULL,
      { NET("blue", "52:54:00:00:00:0a") }, 0, VSI_ST_CONFLICT_POLICIES,
      "mac 52:54:00:00:00:0a already belongs to vsi vmA in vn blue" },
    { "a VID outside the pool", VSIE_ASSOCIATE, "vm1", "hv1", NULL, NULL,
      { NET("red", "52:54:00:00:00:01", 7) }, 0, VSI_ST_CONFLICT_POLICIES,
      "vid 7 is outside the vid pool of port p1 (100 to 102)" },
    { "a VID that another VN uses", VSIE_ASSOCIATE, "vm1", "hv1", NULL,
      NULL, { NET("red", "52:54:00:00:00:01", 100) }, 0,
      VSI_ST_CONFLICT_POLICIES,
      "vid 100 already carries another vn on port p1" },
    { "a VID pinned to another VN", VSIE_ASSOCIATE, "vm1", "hv1", NULL,
      NULL, { NET("red", "52:54:00:00:00:01", 101) }, 0,
      VSI_ST_CONFLICT_POLICIES,
      "vid 101 already carries another vn on port p1" },
    { "a VID other than the VN's pin", VSIE_ASSOCIATE,
      "vm1", "hv1", NULL, NULL,
      { NET("red", "52:54:00:00:00:01", 102),
        NET("green", "52:54:00:00:00:02", 102) }, 0,
      VSI_ST_CONFLICT_POLICIES,
      "vn green uses vid 101 on port p1, not 102" },
    { "a VID other than the VN's", VSIE_ASSOCIATE, "vm1", "hv1", NULL, NULL,
      { NET("blue", "52:54:00:00:00:01", 102) }, 0, VSI_ST_CONFLICT_POLICIES,
      "vn blue uses vid 100 on port p1, not 102" },

    /* INSUFFICIENT_RESOURCES. */
    { "the NVE is full", VSIE_ASSOCIATE, "vm1", "hv1", NULL, NULL,
      { NET("blue", "52:54:00:00:00:01") }, 1,
      VSI_ST_INSUFFICIENT_RESOURCES,
      "the NVE holds its maximum of 1 vsis" },
};

static void
test_refusals(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(refusals); i++) {
        const struct plan_case *c = &refusals[i];
        struct vsi_network nets[MAX_NETS];
        struct eth_addr macs[MAX_NETS];
        struct vsi_plan plan;

        enum vsi_status status = plan_case_run(c, &plan, nets, macs);
        if (status != c->status
            || (c->message && (!plan.message
                               || strcmp(plan.message, c->message)))) {
            fprintf(stderr, "case \"%s\": %s \"%s\", expected %s \"%s\"\n",
                    c->what, vsi_status_name(status),
                    plan.message ? plan.message : "",
                    vsi_status_name(c->status),
                    c->message ? c->message : "");
            CU_FAIL("wrong outcome");
        }
        vsi_plan_destroy(&plan);
    }
}

/* Runs one request and returns its plan, which must be accepted. */
static void
plan_ok(const struct plan_case *c, struct vsi_plan *plan,
        struct vsi_network *nets, struct eth_addr *macs)
{
    enum vsi_status status = plan_case_run(c, plan, nets, macs);
    if (status != VSI_ST_SUCCESS) {
        fprintf(stderr, "case \"%s\": %s \"%s\"\n", c->what,
                vsi_status_name(status), plan->message);
    }
    CU_ASSERT_EQUAL_FATAL(status, VSI_ST_SUCCESS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(plan->tr);
}

static void
test_vids(void)
{
    struct vsi_network nets[MAX_NETS];
    struct eth_addr macs[MAX_NETS];
    struct vsi_plan plan;

    /* Red has no VID on p1: 100 is blue's, 101 green's pin, so 102;
     * green gets its pin; blue shares vmA's 100.  By VNID. */
    const struct plan_case all = {
        "three VNs", VSIE_ASSOCIATE, "vm1", "hv1", NULL, NULL,
        { NET("red", "52:54:00:00:00:01"), NET("green", "52:54:00:00:00:02"),
          NET("blue", "52:54:00:00:00:03") },
    };
    plan_ok(&all, &plan, nets, macs);
    CU_ASSERT_EQUAL(plan.n_nets, 3);
    CU_ASSERT_STRING_EQUAL(plan.port->name, "p1");
    CU_ASSERT_EQUAL(plan.nets[0].vn->vnid, 100);
    CU_ASSERT_EQUAL(plan.nets[0].vid, 100);
    CU_ASSERT_EQUAL(plan.nets[0].pcp, -1);
    CU_ASSERT_EQUAL(plan.nets[1].vn->vnid, 200);
    CU_ASSERT_EQUAL(plan.nets[1].vid, 102);
    CU_ASSERT_EQUAL(plan.nets[1].pcp, 5);       /* Red's profile's. */
    CU_ASSERT_STRING_EQUAL(plan.nets[1].profile->name, "gold");
    CU_ASSERT_EQUAL(plan.nets[2].vn->vnid, 300);
    CU_ASSERT_EQUAL(plan.nets[2].vid, 101);
    CU_ASSERT_EQUAL(plan.nets[2].pcp, 3);       /* Green's own. */
    CU_ASSERT(plan.rebind);
    vsi_plan_destroy(&plan);

    /* A VSI's own profile's PCP overrides the VN's for the VSI's traffic,
     * not for the (port, VN); one without a PCP leaves the VN's own. */
    const struct plan_case profile = {
        "blue with gold, green with plain", VSIE_ASSOCIATE, "vm1", "hv1",
        NULL, NULL,
        { NET("blue", "52:54:00:00:00:01", 0, "gold"),
          NET("green", "52:54:00:00:00:02", 0, "plain") },
    };
    plan_ok(&profile, &plan, nets, macs);
    CU_ASSERT_STRING_EQUAL(plan.nets[0].profile->name, "gold");
    CU_ASSERT_EQUAL(plan.nets[0].pcp, 5);
    CU_ASSERT_EQUAL(plan.nets[0].vn_pcp, -1);
    CU_ASSERT_STRING_EQUAL(plan.nets[1].profile->name, "plain");
    CU_ASSERT_EQUAL(plan.nets[1].pcp, 3);
    CU_ASSERT_EQUAL(plan.nets[1].vn_pcp, 3);
    vsi_plan_destroy(&plan);

    /* A requested free VID in the pool is granted. */
    const struct plan_case asked = {
        "red on 102", VSIE_ASSOCIATE, "vm1", "hv1", NULL, NULL,
        { NET("red", "52:54:00:00:00:01", 102) },
    };
    plan_ok(&asked, &plan, nets, macs);
    CU_ASSERT_EQUAL(plan.nets[0].vid, 102);
    vsi_plan_destroy(&plan);

    /* p1 has three VIDs: with blue's and green's pin taken, a second new
     * VN besides red finds none. */
    struct vsi_config_vn *pink = vsi_config_add_vn(&fx.cfg, "pink", 400,
                                                   NULL, -1);
    struct vsi_config_tes *hv1 = CONST_CAST(struct vsi_config_tes *,
                                            vsi_config_find_tes(&fx.cfg,
                                                                "hv1"));
    vsi_config_tes_allow_vn(hv1, pink);
    const struct plan_case full = {
        "red and pink", VSIE_ASSOCIATE, "vm1", "hv1", NULL, NULL,
        { NET("red", "52:54:00:00:00:01"), NET("pink", "52:54:00:00:00:02") },
    };
    CU_ASSERT_EQUAL(plan_case_run(&full, &plan, nets, macs),
                    VSI_ST_INSUFFICIENT_RESOURCES);
    CU_ASSERT_STRING_EQUAL(plan.message, "no free vid on port p1 for vn pink");
    vsi_plan_destroy(&plan);
}

static void
test_port_limit(void)
{
    struct vsi_network nets[MAX_NETS];
    struct eth_addr macs[MAX_NETS];
    struct vsi_plan plan;

    const struct plan_case first = {
        "first on p2", VSIE_ASSOCIATE, "vm1", "hv2", NULL, "p2",
        { NET("blue", "52:54:00:00:00:01") },
    };
    plan_ok(&first, &plan, nets, macs);
    CU_ASSERT_EQUAL(plan.nets[0].vid, 2);
    vsi_plan_destroy(&plan);

    /* With one VSI behind p2, its limit, a second is refused. */
    struct vsi_port *p2 = vsi_port_get(&fx.res, "p2");
    p2->n_vsis = 1;
    CU_ASSERT_EQUAL(plan_case_run(&first, &plan, nets, macs),
                    VSI_ST_INSUFFICIENT_RESOURCES);
    CU_ASSERT_STRING_EQUAL(plan.message,
                           "port p2 holds its maximum of 1 vsis");
    vsi_plan_destroy(&plan);
}

static void
test_tes_limit(void)
{
    struct vsi_network nets[MAX_NETS];
    struct eth_addr macs[MAX_NETS];
    struct vsi_plan plan;
    struct vsi_config_tes *hv1 = CONST_CAST(struct vsi_config_tes *,
                                            vsi_config_find_tes(&fx.cfg,
                                                                "hv1"));

    /* hv1 holds vmA, its limit: a new VSI is refused, vmA may change. */
    hv1->max_vsis = 1;
    const struct plan_case more = {
        "second of hv1", VSIE_ASSOCIATE, "vm1", "hv1", NULL, NULL,
        { NET("blue", "52:54:00:00:00:01") },
    };
    CU_ASSERT_EQUAL(plan_case_run(&more, &plan, nets, macs),
                    VSI_ST_INSUFFICIENT_RESOURCES);
    CU_ASSERT_STRING_EQUAL(plan.message,
                           "tes hv1 holds its maximum of 1 vsis");
    vsi_plan_destroy(&plan);

    const struct plan_case again = {
        "vmA again", VSIE_ASSOCIATE, "vmA", "hv1", NULL, NULL,
        { NET("blue", "52:54:00:00:00:0a") },
    };
    plan_ok(&again, &plan, nets, macs);
    vsi_plan_destroy(&plan);

    /* Another TES is not held back by hv1's limit... */
    const struct plan_case other = {
        "first of hv2", VSIE_ASSOCIATE, "vm1", "hv2", NULL, "p1",
        { NET("blue", "52:54:00:00:00:01") },
    };
    plan_ok(&other, &plan, nets, macs);
    vsi_plan_destroy(&plan);

    /* ...but its own counts even for a VSI it takes from hv1. */
    const struct plan_case takeover = {
        "hv2 takes vmA over", VSIE_IMMIGRATE_ASSOC, "vmA", "hv2", NULL,
        "p1", { NET("blue", "52:54:00:00:00:0a") },
    };
    struct vsi_config_tes *hv2 = CONST_CAST(struct vsi_config_tes *,
                                            vsi_config_find_tes(&fx.cfg,
                                                                "hv2"));
    hv2->max_vsis = 0;
    fx.vma.state = VSI_EMIGRATING;      /* So that hv2 may take it over. */
    CU_ASSERT_EQUAL(plan_case_run(&takeover, &plan, nets, macs),
                    VSI_ST_INSUFFICIENT_RESOURCES);
    CU_ASSERT_STRING_EQUAL(plan.message,
                           "tes hv2 holds its maximum of 0 vsis");
    vsi_plan_destroy(&plan);
}

static void
test_rebind(void)
{
    struct vsi_network nets[MAX_NETS];
    struct eth_addr macs[MAX_NETS];
    struct vsi_plan plan;

    /* vmA asking again for what it has: no rebinding, and its own MAC is
     * no conflict. */
    const struct plan_case same = {
        "same", VSIE_ASSOCIATE, "vmA", "hv1", NULL, NULL,
        { NET("blue", "52:54:00:00:00:0a") },
    };
    plan_ok(&same, &plan, nets, macs);
    CU_ASSERT(!plan.rebind);
    CU_ASSERT_EQUAL(plan.tr->next, VSI_ASSOCIATED);
    vsi_plan_destroy(&plan);

    const struct plan_case other_mac = {
        "another MAC", VSIE_ASSOCIATE, "vmA", "hv1", NULL, NULL,
        { NET("blue", "52:54:00:00:00:0b") },
    };
    plan_ok(&other_mac, &plan, nets, macs);
    CU_ASSERT(plan.rebind);
    vsi_plan_destroy(&plan);

    /* vmA leaves blue for red and takes blue's VID 100 along: it is alone
     * in blue behind p1, so applying the plan frees 100. */
    const struct plan_case move = {
        "blue to red on 100", VSIE_ASSOCIATE, "vmA", "hv1", NULL, NULL,
        { NET("red", "52:54:00:00:00:0a", 100) },
    };
    plan_ok(&move, &plan, nets, macs);
    CU_ASSERT_EQUAL(plan.nets[0].vid, 100);
    CU_ASSERT(plan.rebind);
    vsi_plan_destroy(&plan);

    /* Not if it stays in blue, nor for a VSI that is not vmA. */
    const struct plan_case both = {
        "blue and red on 100", VSIE_ASSOCIATE, "vmA", "hv1", NULL, NULL,
        { NET("blue", "52:54:00:00:00:0a"), NET("red", "52:54:00:00:00:0b",
                                                100) },
    };
    CU_ASSERT_EQUAL(plan_case_run(&both, &plan, nets, macs),
                    VSI_ST_CONFLICT_POLICIES);
    vsi_plan_destroy(&plan);
    const struct plan_case other = {
        "vm1 red on 100", VSIE_ASSOCIATE, "vm1", "hv1", NULL, NULL,
        { NET("red", "52:54:00:00:00:01", 100) },
    };
    CU_ASSERT_EQUAL(plan_case_run(&other, &plan, nets, macs),
                    VSI_ST_CONFLICT_POLICIES);
    vsi_plan_destroy(&plan);

    /* Events that bind nothing plan no networks. */
    const struct plan_case suspend = {
        "suspend", VSIE_SUSPEND, "vmA", "hv1", NULL, NULL, { },
    };
    plan_ok(&suspend, &plan, nets, macs);
    CU_ASSERT_EQUAL(plan.tr->next, VSI_SUSPENDED);
    CU_ASSERT_EQUAL(plan.n_nets, 0);
    CU_ASSERT_PTR_NULL(plan.port);
    vsi_plan_destroy(&plan);
}

/* Sets the migration domain of TES 'name' of the fixture. */
static void
set_migration_domain(const char *name, const char *domain)
{
    struct vsi_config_tes *tes = CONST_CAST(struct vsi_config_tes *,
                                            vsi_config_find_tes(&fx.cfg,
                                                                name));
    vsi_config_tes_set_migration_domain(tes, domain);
}

/* Runs 'c' and checks its status, and if accepted its takeover, NULL for
 * none. */
static void
check_takeover(const struct plan_case *c, enum vsi_status status,
               const char *takeover)
{
    struct vsi_network nets[MAX_NETS];
    struct eth_addr macs[MAX_NETS];
    struct vsi_plan plan;

    enum vsi_status got = plan_case_run(c, &plan, nets, macs);
    if (got != status
        || (got == VSI_ST_SUCCESS
            && !nullable_string_is_equal(plan.takeover, takeover))) {
        fprintf(stderr, "case \"%s\": %s, takeover \"%s\" (%s), expected "
                "%s, takeover \"%s\"\n", c->what, vsi_status_name(got),
                plan.takeover ? plan.takeover : "(none)",
                plan.message ? plan.message : "", vsi_status_name(status),
                takeover ? takeover : "(none)");
        CU_FAIL("wrong takeover");
    }
    vsi_plan_destroy(&plan);
}

/* Who may take a VSI over from its TES: another TES by "immigrate", once
 * the VSI's TES emigrated it, or at any time from a TES of its migration
 * domain; nobody by any other request. */
static void
test_takeover(void)
{
    const struct plan_case immigrate = {
        "hv2 immigrates vmA", VSIE_IMMIGRATE_PRE, "vmA", "hv2", NULL, "p1",
        { NET("blue", "52:54:00:00:00:0a") },
    };
    const struct plan_case immigrate_assoc = {
        "hv2 immigrates vmA, associated", VSIE_IMMIGRATE_ASSOC, "vmA", "hv2",
        NULL, "p1", { NET("blue", "52:54:00:00:00:0a") },
    };
    const struct plan_case own = {
        "hv1 immigrates its own vmA", VSIE_IMMIGRATE_PRE, "vmA", "hv1", NULL,
        NULL, { NET("blue", "52:54:00:00:00:0a") },
    };
    const struct plan_case associate = {
        "hv2 associates vmA", VSIE_ASSOCIATE, "vmA", "hv2", NULL, "p1",
        { NET("blue", "52:54:00:00:00:0a") },
    };
    const struct plan_case terminate = {
        "hv2 terminates vmA", VSIE_TERMINATE, "vmA", "hv2", NULL, NULL, { },
    };

    /* vmA associated: only its own TES. */
    check_takeover(&immigrate, VSI_ST_FAILED_AUTHORIZATION, NULL);
    check_takeover(&immigrate_assoc, VSI_ST_FAILED_AUTHORIZATION, NULL);
    check_takeover(&own, VSI_ST_SUCCESS, NULL);

    /* Emigrated by hv1: any TES allowed on its VN and port may take it,
     * but only by immigrate. */
    fx.vma.state = VSI_EMIGRATING;
    check_takeover(&immigrate, VSI_ST_SUCCESS, "emigrated");
    check_takeover(&immigrate_assoc, VSI_ST_SUCCESS, "emigrated");
    check_takeover(&associate, VSI_ST_FAILED_AUTHORIZATION, NULL);
    check_takeover(&terminate, VSI_ST_FAILED_AUTHORIZATION, NULL);
    fx.vma.state = VSI_SUSPENDED;
    check_takeover(&immigrate, VSI_ST_FAILED_AUTHORIZATION, NULL);

    /* One migration domain: whatever the state. */
    set_migration_domain("hv1", "rack1");
    check_takeover(&immigrate, VSI_ST_FAILED_AUTHORIZATION, NULL);
    set_migration_domain("hv2", "rack2");
    check_takeover(&immigrate, VSI_ST_FAILED_AUTHORIZATION, NULL);
    set_migration_domain("hv2", "rack1");
    check_takeover(&immigrate, VSI_ST_SUCCESS, "migration domain rack1");
    fx.vma.state = VSI_ASSOCIATED;
    check_takeover(&immigrate_assoc, VSI_ST_SUCCESS,
                   "migration domain rack1");
    check_takeover(&own, VSI_ST_SUCCESS, NULL);
    check_takeover(&associate, VSI_ST_FAILED_AUTHORIZATION, NULL);

    /* Even so, only on a port and VN that the new TES may use. */
    const struct plan_case red = {
        "hv2 immigrates vmA into red", VSIE_IMMIGRATE_PRE, "vmA", "hv2",
        NULL, "p1", { NET("red", "52:54:00:00:00:0a") },
    };
    check_takeover(&red, VSI_ST_FAILED_AUTHORIZATION, NULL);

    /* An empty domain is none. */
    set_migration_domain("hv1", "");
    set_migration_domain("hv2", "");
    check_takeover(&immigrate, VSI_ST_FAILED_AUTHORIZATION, NULL);
    set_migration_domain("hv1", NULL);
    set_migration_domain("hv2", NULL);
}

/* Every status a plan can end in, and only those: BUSY is the front ends'
 * (too many requests in flight), never a plan's. */
static void
test_every_status_reached(void)
{
    bool reached[VSI_N_STATUSES] = { [VSI_ST_SUCCESS] = true };

    for (size_t i = 0; i < ARRAY_SIZE(refusals); i++) {
        reached[refusals[i].status] = true;
    }

    /* INVALID_STATE: the lifecycle table's, e.g. suspending a VSI that is
     * only pre-associated. */
    struct vsi_network nets[MAX_NETS];
    struct eth_addr macs[MAX_NETS];
    struct vsi_plan plan;
    const struct plan_case c = {
        "suspend of pre-associated", VSIE_SUSPEND, "vmA", "hv1",
    };
    fx.vma.state = VSI_PRE_ASSOCIATED;
    CU_ASSERT_EQUAL(plan_case_run(&c, &plan, nets, macs),
                    VSI_ST_INVALID_STATE);
    CU_ASSERT_STRING_EQUAL(plan.message,
                           "cannot suspend vsi vmA: it is pre_associated");
    reached[VSI_ST_INVALID_STATE] = true;
    vsi_plan_destroy(&plan);
    fx.vma.state = VSI_ASSOCIATED;

    for (int s = 0; s < VSI_N_STATUSES; s++) {
        if (s != VSI_ST_BUSY && !reached[s]) {
            fprintf(stderr, "status %s not reached\n", vsi_status_name(s));
            CU_FAIL("a status is not reached");
        }
    }
}

static int
suite_init(void)
{
    fixture_init();
    return 0;
}

static int
suite_clean(void)
{
    fixture_destroy();
    return 0;
}

void
test_vsi_plan_register(void)
{
    CU_pSuite suite = CU_add_suite("vsi_plan", suite_init, suite_clean);

    CU_add_test(suite, "refusals name the culprit", test_refusals);
    CU_add_test(suite, "every status is reached", test_every_status_reached);
    CU_add_test(suite, "rebinding", test_rebind);
    CU_add_test(suite, "takeover by another TES", test_takeover);
    CU_add_test(suite, "VIDs and PCPs", test_vids);
    CU_add_test(suite, "port limit", test_port_limit);
    CU_add_test(suite, "tes limit", test_tes_limit);
}
