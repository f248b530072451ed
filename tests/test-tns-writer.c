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

/* CUnit tests of the TNS fixed-shape writer (lib/tns.c's tns_put_*() and
 * controller/tns-result.c): its JSON string escaping, byte for byte, and
 * every reply it writes against the same reply built as jansson values, as
 * nve-controller built them before the writer (the jansson builders of the
 * VSI result are kept here, as they were in controller/tns-reply.c, for
 * that comparison).  Each pair must be equal once parsed (json_equal()),
 * and, since the writer follows jansson's member order and escapes, equal
 * as text too. */

#include <config.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "nve-jansson.h"
#include "controller/tns-result.h"
#include "controller/vsi-counters.h"
#include "controller/vsi.h"
#include "lib/tns.h"
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "util.h"
#include "unit-tests.h"

/* Strings from outside that replies carry: quotes, backslashes, control
 * characters, non-ASCII UTF-8 of 2, 3 and 4 bytes, and bytes that are not
 * UTF-8 at all. */
static const char *const awkward[] = {
    "",
    "plain",
    "tes hv-17 may not join vn red",
    "say \"hello\"",
    "\"",
    "back\\slash \\\\ \\\"",
    "C:\\path\\to",
    "tab\there, new-line\nthere, cr\r, bs\b, ff\f",
    "\x01\x02\x1f and \x7f",
    "slash / stays",
    "caf\xc3\xa9 na\xc3\xafve",                 /* é, ï */
    "\xe6\x97\xa5\xe6\x9c\xac",                 /* 日本 */
    "\xf0\x9f\x98\x80 emoji",                   /* U+1F600 */
    "\xe2\x80\xa8 line separator",              /* U+2028 */
    "params.networks[0].\xc3\xa9t\xc3\xa9: unknown field",
    /* Not UTF-8. */
    "near '\xc3('",
    "\xff\xfe",
    "lone \x80 continuation",
    "overlong \xc0\xaf",
    "surrogate \xed\xa0\x80",
    "beyond \xf4\x90\x80\x80",
    "truncated \xe6\x97",
    "mixed caf\xc3\xa9 and \xff with \"quote\"\n",
};

/* Parses the 'len' bytes of 'text' as one JSON value, failing the test if
 * they are not exactly that. */
static json_t *
parse(const char *text, size_t len)
{
    json_error_t error;
    json_t *json = json_loadb(text, len, JSON_DECODE_ANY
                              | JSON_REJECT_DUPLICATES, &error);

    CU_ASSERT_PTR_NOT_NULL(json);
    if (!json) {
        fprintf(stderr, "not JSON (%s): %.*s\n", error.text, (int) len,
                text);
    }
    return json;
}

/* Checks that the writer's 'ds' is 'expected' (which it takes) once
 * parsed, and as text, with jansson's compact serialization. */
static void
check_same(const struct ds *ds, json_t *expected)
{
    json_t *got = parse(ds->string, ds->length);
    char *text = json_dumps(expected, JSON_COMPACT | JSON_PRESERVE_ORDER
                                      | JSON_ENCODE_ANY);

    CU_ASSERT(got && nve_json_equal(got, expected));
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_STRING_EQUAL(ds_cstr_ro(ds), text);
    if (strcmp(ds_cstr_ro(ds), text)) {
        fprintf(stderr, "\nwriter:  %s\njansson: %s\n", ds_cstr_ro(ds),
                text);
    }
    free(text);
    json_decref(got);
    json_decref(expected);
}

static void
check_escape(const char *s, const char *expected)
{
    struct ds ds = DS_EMPTY_INITIALIZER;

    tns_put_string(&ds, s);
    CU_ASSERT_STRING_EQUAL(ds_cstr(&ds), expected);
    ds_destroy(&ds);
}

static void
test_escape(void)
{
    check_escape("", "\"\"");
    check_escape("vm-1:a.b_c", "\"vm-1:a.b_c\"");
    check_escape("a\"b", "\"a\\\"b\"");
    check_escape("a\\b", "\"a\\\\b\"");
    check_escape("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
    check_escape("\x01\x1f\x7f", "\"\\u0001\\u001F\x7f\"");
    check_escape("a/b", "\"a/b\"");
    check_escape("caf\xc3\xa9", "\"caf\xc3\xa9\"");
    check_escape("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");
    /* Not UTF-8: every non-ASCII byte becomes '?', escapes still apply. */
    check_escape("caf\xc3\xa9 \xff\"", "\"caf?? ?\\\"\"");
    check_escape("\xc0\xaf", "\"??\"");
    check_escape("\xed\xa0\x80", "\"???\"");
    check_escape("\xf4\x90\x80\x80", "\"????\"");
    check_escape("\xe6\x97", "\"??\"");

    /* An embedded null byte, as in a jansson string. */
    struct ds ds = DS_EMPTY_INITIALIZER;
    tns_put_string_len(&ds, "a\0b", 3);
    CU_ASSERT_STRING_EQUAL(ds_cstr(&ds), "\"a\\u0000b\"");
    ds_destroy(&ds);

    /* Every awkward string, as jansson writes it (after the replacement of
     * non-ASCII bytes, for those that are not UTF-8). */
    for (size_t i = 0; i < ARRAY_SIZE(awkward); i++) {
        json_t *expected = nve_json_string(awkward[i]);
        if (!expected) {
            char *copy = xstrdup(awkward[i]);
            for (char *p = copy; *p; p++) {
                if ((unsigned char) *p >= 0x80) {
                    *p = '?';
                }
            }
            expected = nve_json_string(copy);
            free(copy);
        }
        CU_ASSERT_PTR_NOT_NULL_FATAL(expected);

        ds_init(&ds);
        tns_put_string(&ds, awkward[i]);
        check_same(&ds, expected);
        ds_destroy(&ds);
    }
}

/* Ids as the decoder keeps them: none, integers, strings. */
static json_t *
make_id(size_t i)
{
    switch (i) {
    case 0:
        return NULL;
    case 1:
        return nve_json_integer(1);
    case 2:
        return nve_json_integer(-42);
    case 3:
        return nve_json_integer(INT64_MAX);
    case 4:
        return nve_json_string("x7");
    case 5:
        return nve_json_string("id \"with\" \\ and \xc3\xa9\n");
    default:
        return NULL;
    }
}
#define N_IDS 6

static void
test_errors(void)
{
    for (size_t i = 0; i < N_IDS; i++) {
        json_t *id = make_id(i);

        for (size_t k = 0; k < ARRAY_SIZE(awkward); k++) {
            for (int status = 1; status < VSI_N_STATUSES; status++) {
                struct ds ds = DS_EMPTY_INITIALIZER;
                int code = (status == VSI_ST_INVALID_REQUEST
                            ? TNS_INVALID_PARAMS : tns_status_code(status));

                tns_put_error(&ds, id, status, code, awkward[k]);
                check_same(&ds, tns_reply_error(id, status, code,
                                                awkward[k]));
                ds_destroy(&ds);
            }
        }

        struct ds ds = DS_EMPTY_INITIALIZER;
        tns_put_errorf(&ds, id, VSI_ST_BUSY, tns_status_code(VSI_ST_BUSY),
                       "too many requests in flight (limit %d); retry "
                       "later", 4096);
        check_same(&ds, tns_reply_errorf(id, VSI_ST_BUSY,
                                         tns_status_code(VSI_ST_BUSY),
                                         "too many requests in flight "
                                         "(limit %d); retry later", 4096));
        ds_destroy(&ds);
        json_decref(id);
    }
}

/* The jansson builders of a VSI's result, as controller/tns-reply.c had
 * them before the writer: the reference. */
static json_t *
old_networks_to_json(const struct vsi *v)
{
    json_t *networks = nve_json_array();

    for (size_t i = 0; i < v->n_bindings; i++) {
        const struct vsi_binding *b = &v->bindings[i];
        json_t *net = nve_json_object();
        json_t *macs = nve_json_array();
        json_t *ips = nve_json_array();

        json_object_set_new(net, "vn", nve_json_string(b->pv->vn));
        json_object_set_new(net, "vnid", nve_json_integer(b->pv->vnid));
        json_object_set_new(net, "vid", nve_json_integer(b->pv->vid));
        if (b->pcp >= 0) {
            json_object_set_new(net, "pcp", nve_json_integer(b->pcp));
        }
        for (size_t k = 0; k < b->n_macs; k++) {
            char s[ETH_ADDR_STRLEN + 1];
            snprintf(s, sizeof s, ETH_ADDR_FMT, ETH_ADDR_ARGS(b->macs[k]));
            json_array_append_new(macs, nve_json_string(s));
        }
        json_object_set_new(net, "macs", macs);
        if (b->n_learned) {
            json_t *learned = nve_json_array();
            for (size_t k = 0; k < b->n_learned; k++) {
                char s[ETH_ADDR_STRLEN + 1];
                snprintf(s, sizeof s, ETH_ADDR_FMT,
                         ETH_ADDR_ARGS(b->learned[k]));
                json_array_append_new(learned, nve_json_string(s));
            }
            json_object_set_new(net, "learned_macs", learned);
        }
        for (size_t k = 0; k < b->n_ips; k++) {
            json_array_append_new(ips, nve_json_string(b->ips[k]));
        }
        json_object_set_new(net, "ips", ips);
        if (b->profile) {
            json_object_set_new(net, "policy", nve_json_string(b->profile));
        }
        json_array_append_new(networks, net);
    }
    return networks;
}

static json_t *
old_result_to_json(const char *vsi_id, const struct vsi *v,
                   const struct tns_request *rq)
{
    json_t *result = nve_json_object();

    json_object_set_new(result, "status", nve_json_string("SUCCESS"));
    json_object_set_new(result, "vsi", nve_json_string(vsi_id));
    if (v) {
        json_object_set_new(result, "state",
                            nve_json_string(vsi_state_name(v->state)));
        json_object_set_new(result, "tes", nve_json_string(v->tes));
        json_object_set_new(result, "port", nve_json_string(v->port->name));
        if (v->migrating) {
            json_object_set_new(result, "migrating", json_true());
        }
        json_object_set_new(result, "networks", old_networks_to_json(v));
    } else if (rq->method == TNS_TERMINATE) {
        json_object_set_new(result, "state", nve_json_string("terminated"));
    }
    return result;
}

/* A VSI with three networks: two MACs and IPv4 and IPv6 addresses with a
 * profile and a PCP; one MAC, no IP, no PCP; IPs only, with learned
 * MACs.  Names with characters that need escaping, where the
 * configuration (not the TNS decoder) allows them. */
static struct eth_addr macs0[] = {
    ETH_ADDR_C(52, 54, 00, 00, 00, 01), ETH_ADDR_C(52, 54, 00, 00, 00, 02),
};
static struct eth_addr macs1[] = { ETH_ADDR_C(02, 00, 00, ab, cd, ef) };
static struct eth_addr learned2[] = {
    ETH_ADDR_C(52, 54, 00, 00, 00, 0a), ETH_ADDR_C(fe, ff, ff, ff, ff, fe),
};
static char *ips0[] = { "10.0.0.1", "192.168.1.254", "fd00::1" };
static char *ips2[] = { "10.0.2.7", "fe80::5054:ff:fe00:a" };

struct test_vsi {
    struct vsi vsi;
    struct vsi_port port;
    struct vsi_port_vn pvs[3];
    struct vsi_binding bindings[3];
};

static void
test_vsi_init(struct test_vsi *t)
{
    memset(t, 0, sizeof *t);
    t->port.name = "p1";
    t->pvs[0] = (struct vsi_port_vn) {
        .port = &t->port, .vnid = 5001, .vn = "blue", .vid = 102, .pcp = -1,
    };
    t->pvs[1] = (struct vsi_port_vn) {
        .port = &t->port, .vnid = 16777215, .vn = "r\xc3\xa9" "d \"x\"\\",
        .vid = 4094, .pcp = -1,
    };
    t->pvs[2] = (struct vsi_port_vn) {
        .port = &t->port, .vnid = 1, .vn = "green", .vid = 0, .pcp = 7,
    };
    t->bindings[0] = (struct vsi_binding) {
        .vsi = &t->vsi, .pv = &t->pvs[0],
        .macs = macs0, .n_macs = ARRAY_SIZE(macs0),
        .ips = ips0, .n_ips = ARRAY_SIZE(ips0),
        .profile = "web", .pcp = 5,
    };
    t->bindings[1] = (struct vsi_binding) {
        .vsi = &t->vsi, .pv = &t->pvs[1],
        .macs = macs1, .n_macs = ARRAY_SIZE(macs1),
        .pcp = -1,
    };
    t->bindings[2] = (struct vsi_binding) {
        .vsi = &t->vsi, .pv = &t->pvs[2],
        .ips = ips2, .n_ips = ARRAY_SIZE(ips2),
        .learned = learned2, .n_learned = ARRAY_SIZE(learned2),
        .profile = "gold\ttab", .pcp = 0,
    };
    t->vsi.id = "6f1c1a8e-3a55-4d8a-9f3e-3d8f5c2a9b10";
    t->vsi.state = VSI_ASSOCIATED;
    t->vsi.tes = "hv-17";
    t->vsi.port = &t->port;
    t->vsi.bindings = t->bindings;
    t->vsi.n_bindings = ARRAY_SIZE(t->bindings);
}

/* Checks the success reply to 'rq', with id 'id', about 'v'. */
static void
check_result(const json_t *id, const char *vsi_id, const struct vsi *v,
             const struct tns_request *rq)
{
    struct ds ds = DS_EMPTY_INITIALIZER;

    tns_put_success_start(&ds, id);
    tns_put_result(&ds, vsi_id, v, rq);
    tns_put_success_end(&ds);
    check_same(&ds, tns_reply_success(id, old_result_to_json(vsi_id, v,
                                                             rq)));
    ds_destroy(&ds);
}

static void
test_results(void)
{
    struct test_vsi t;
    struct tns_request rq = { .method = TNS_ASSOCIATE };

    test_vsi_init(&t);
    for (size_t i = 0; i < N_IDS; i++) {
        json_t *id = make_id(i);

        /* Several networks, MACs, IPs, learned MACs, PCPs, profiles. */
        rq.method = TNS_ASSOCIATE;
        check_result(id, t.vsi.id, &t.vsi, &rq);

        /* Each network alone, and none. */
        for (size_t k = 0; k <= ARRAY_SIZE(t.bindings); k++) {
            struct vsi v = t.vsi;
            v.bindings = k < ARRAY_SIZE(t.bindings) ? &t.bindings[k] : NULL;
            v.n_bindings = k < ARRAY_SIZE(t.bindings);
            check_result(id, v.id, &v, &rq);
        }

        /* Every state, migrating or not, names from the database. */
        for (int state = 0; state < VSI_N_STATES; state++) {
            struct vsi v = t.vsi;
            v.state = state;
            v.migrating = state % 2;
            v.tes = "hv \"17\"\n";
            check_result(id, v.id, &v, &rq);
        }

        /* The NVE no longer holds the VSI. */
        rq.method = TNS_TERMINATE;
        check_result(id, "vm1", NULL, &rq);
        CU_ASSERT(tns_result_has_state(NULL, &rq));
        rq.method = TNS_KEEPALIVE;
        check_result(id, "vm1", NULL, &rq);
        CU_ASSERT_FALSE(tns_result_has_state(NULL, &rq));
        CU_ASSERT(tns_result_has_state(&t.vsi, &rq));

        json_decref(id);
    }
}

static void
test_counters(void)
{
    static const struct vsi_counters counters[] = {
        { 0, 0, 0, 0 },
        { .tx_packets = 3, .tx_bytes = 294, .rx_packets = 5,
          .rx_bytes = 1514 },
        { .tx_packets = INT64_MAX, .tx_bytes = 1, .rx_packets = 2,
          .rx_bytes = INT64_MAX },
    };
    struct tns_request rq = { .method = TNS_GET };
    struct test_vsi t;

    test_vsi_init(&t);
    for (size_t i = 0; i < N_IDS; i++) {
        json_t *id = make_id(i);

        for (size_t k = 0; k < ARRAY_SIZE(counters); k++) {
            const struct vsi_counters *vc = &counters[k];
            struct ds reply = DS_EMPTY_INITIALIZER;
            struct ds ds = DS_EMPTY_INITIALIZER;

            tns_put_success_start(&reply, id);
            tns_put_result(&reply, t.vsi.id, &t.vsi, &rq);
            tns_put_success_end(&reply);
            tns_put_with_counters(&ds, reply.string, reply.length, vc);

            json_t *result = old_result_to_json(t.vsi.id, &t.vsi, &rq);
            json_object_set_new(result, "counters", json_pack(
                "{s:I, s:I, s:I, s:I}",
                "rx_packets", (json_int_t) vc->rx_packets,
                "rx_bytes", (json_int_t) vc->rx_bytes,
                "tx_packets", (json_int_t) vc->tx_packets,
                "tx_bytes", (json_int_t) vc->tx_bytes));
            check_same(&ds, tns_reply_success(id, result));

            ds_destroy(&ds);
            ds_destroy(&reply);
        }
        json_decref(id);
    }
}

/* Replies in a batch: the writer's replies, joined as the TNS server joins
 * them, parse as the array of the jansson replies. */
static void
test_batch(void)
{
    struct tns_request rq = { .method = TNS_ASSOCIATE };
    json_t *expected = nve_json_array();
    struct ds ds = DS_EMPTY_INITIALIZER;
    struct test_vsi t;

    test_vsi_init(&t);
    ds_put_char(&ds, '[');
    for (size_t i = 0; i < ARRAY_SIZE(awkward); i++) {
        json_t *id = nve_json_integer(i);

        if (i) {
            ds_put_char(&ds, ',');
        }
        if (i % 2) {
            tns_put_error(&ds, id, VSI_ST_UNKNOWN_VN,
                          tns_status_code(VSI_ST_UNKNOWN_VN), awkward[i]);
            json_array_append_new(expected, tns_reply_error(
                                      id, VSI_ST_UNKNOWN_VN,
                                      tns_status_code(VSI_ST_UNKNOWN_VN),
                                      awkward[i]));
        } else {
            tns_put_success_start(&ds, id);
            tns_put_result(&ds, t.vsi.id, &t.vsi, &rq);
            tns_put_success_end(&ds);
            json_array_append_new(expected, tns_reply_success(
                                      id, old_result_to_json(t.vsi.id,
                                                             &t.vsi, &rq)));
        }
        json_decref(id);
    }
    ds_put_char(&ds, ']');
    check_same(&ds, expected);
    ds_destroy(&ds);
}

void
test_tns_writer_register(void)
{
    CU_pSuite suite = CU_add_suite("tns_writer", NULL, NULL);

    CU_add_test(suite, "JSON string escaping", test_escape);
    CU_add_test(suite, "errors, as jansson built them", test_errors);
    CU_add_test(suite, "results, as jansson built them", test_results);
    CU_add_test(suite, "counters of a get", test_counters);
    CU_add_test(suite, "a batch of replies", test_batch);
}
