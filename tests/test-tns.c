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

/* CUnit tests of the TNS codec. */

#include <config.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "nve-jansson.h"
#include "lib/tns.h"
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "util.h"
#include "unit-tests.h"

/* The associate example of TNS-PROTOCOL.md, as written there. */
static const char example_associate[] =
    "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"associate\", "
    "\"params\": {"
    "  \"tes\": \"hv-17\","
    "  \"vsi\": \"6f1c1a8e-3a55-4d8a-9f3e-3d8f5c2a9b10\","
    "  \"port\": \"tes1\","
    "  \"networks\": ["
    "    {\"vn\": \"blue\", \"macs\": [\"52:54:00:12:34:56\"], "
    "     \"ips\": [\"10.0.0.5\"], \"vid\": 0, \"policy\": \"web\"}"
    "  ]}}";

static void
decode1(const char *line, struct tns_batch *batch)
{
    tns_decode(line, strlen(line), 100, batch);
    CU_ASSERT_FALSE(batch->is_array);
    CU_ASSERT_EQUAL_FATAL(batch->n_msgs, 1);
}

static void
test_example_associate(void)
{
    struct tns_batch batch;

    decode1(example_associate, &batch);

    const struct tns_msg *msg = &batch.msgs[0];
    CU_ASSERT_EQUAL_FATAL(msg->type, TNS_MSG_REQUEST);
    CU_ASSERT(json_is_integer(msg->id));
    CU_ASSERT_EQUAL(json_integer_value(msg->id), 1);

    const struct tns_request *rq = &msg->request;
    CU_ASSERT_EQUAL(rq->method, TNS_ASSOCIATE);
    CU_ASSERT_EQUAL(tns_request_event(rq), VSIE_ASSOCIATE);
    CU_ASSERT_STRING_EQUAL(rq->tes, "hv-17");
    CU_ASSERT_STRING_EQUAL(rq->vsi, "6f1c1a8e-3a55-4d8a-9f3e-3d8f5c2a9b10");
    CU_ASSERT_STRING_EQUAL(rq->port, "tes1");
    CU_ASSERT_EQUAL_FATAL(rq->n_networks, 1);

    const struct vsi_network *net = &rq->networks[0];
    CU_ASSERT_STRING_EQUAL(net->vn, "blue");
    CU_ASSERT_EQUAL(net->vnid, 0);
    CU_ASSERT_EQUAL_FATAL(net->n_macs, 1);
    struct eth_addr mac = ETH_ADDR_C(52, 54, 00, 12, 34, 56);
    CU_ASSERT(eth_addr_equals(net->macs[0], mac));
    CU_ASSERT_EQUAL_FATAL(net->n_ips, 1);
    CU_ASSERT_STRING_EQUAL(net->ips[0], "10.0.0.5");
    CU_ASSERT_EQUAL(net->vid, 0);
    CU_ASSERT_STRING_EQUAL(net->policy, "web");

    struct ds s = DS_EMPTY_INITIALIZER;
    tns_msg_format(msg, &s);
    CU_ASSERT_STRING_EQUAL(ds_cstr(&s),
        "id=1 associate vsi=6f1c1a8e-3a55-4d8a-9f3e-3d8f5c2a9b10 tes=hv-17 "
        "port=tes1 vn=blue(52:54:00:12:34:56,10.0.0.5 policy=web)");
    ds_destroy(&s);
    tns_batch_destroy(&batch);
}

/* A network entry may name the VM by its IPs only (seed REQ-3). */
static void
test_ip_only(void)
{
    struct tns_batch batch;

    decode1("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"associate\","
            "\"params\":{\"vsi\":\"v\",\"networks\":[{\"vn\":\"b\","
            "\"ips\":[\"10.0.0.5\",\"fd00::5\"]}]}}", &batch);

    const struct tns_msg *msg = &batch.msgs[0];
    CU_ASSERT_EQUAL_FATAL(msg->type, TNS_MSG_REQUEST);
    CU_ASSERT_EQUAL_FATAL(msg->request.n_networks, 1);

    const struct vsi_network *net = &msg->request.networks[0];
    CU_ASSERT_EQUAL(net->n_macs, 0);
    CU_ASSERT_EQUAL_FATAL(net->n_ips, 2);
    CU_ASSERT_STRING_EQUAL(net->ips[0], "10.0.0.5");
    CU_ASSERT_STRING_EQUAL(net->ips[1], "fd00::5");

    struct ds s = DS_EMPTY_INITIALIZER;
    tns_msg_format(msg, &s);
    CU_ASSERT_STRING_EQUAL(ds_cstr(&s),
                           "id=1 associate vsi=v vn=b(10.0.0.5,fd00::5)");
    ds_destroy(&s);
    tns_batch_destroy(&batch);
}

static void
test_every_method(void)
{
    static const struct {
        const char *line;
        enum tns_method method;
        enum vsi_event event;
    } cases[] = {
        { "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"pre_associate\","
          "\"params\":{\"tes\":\"t\",\"vsi\":\"v\",\"networks\":[{\"vnid\":"
          "5001,\"macs\":[\"02:00:00:00:00:01\"],\"vid\":7}]}}",
          TNS_PRE_ASSOCIATE, VSIE_PRE_ASSOCIATE },
        { "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"suspend\","
          "\"params\":{\"tes\":\"t\",\"vsi\":\"v\"}}",
          TNS_SUSPEND, VSIE_SUSPEND },
        { "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resume\","
          "\"params\":{\"vsi\":\"v\"}}",
          TNS_RESUME, VSIE_RESUME },
        { "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"emigrate\","
          "\"params\":{\"tes\":\"t\",\"vsi\":\"v\"}}",
          TNS_EMIGRATE, VSIE_EMIGRATE },
        { "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"immigrate\","
          "\"params\":{\"tes\":\"t\",\"vsi\":\"v\",\"mode\":\"associate\","
          "\"networks\":[{\"vn\":\"x\",\"macs\":[\"02:00:00:00:00:01\"]}]}}",
          TNS_IMMIGRATE, VSIE_IMMIGRATE_ASSOC },
        { "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"immigrate\","
          "\"params\":{\"tes\":\"t\",\"vsi\":\"v\",\"mode\":"
          "\"pre_associate\",\"networks\":[{\"vn\":\"x\",\"macs\":"
          "[\"02:00:00:00:00:01\"]}]}}",
          TNS_IMMIGRATE, VSIE_IMMIGRATE_PRE },
        { "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"terminate\","
          "\"params\":{\"tes\":\"t\",\"vsi\":\"v\"}}",
          TNS_TERMINATE, VSIE_TERMINATE },
        { "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"keepalive\","
          "\"params\":{\"tes\":\"t\",\"vsi\":\"v\"}}",
          TNS_KEEPALIVE, VSIE_KEEPALIVE },
        { "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"get\","
          "\"params\":{\"tes\":\"t\",\"vsi\":\"v\"}}",
          TNS_GET, VSIE_GET },
        /* Extensions are ignored, at every level they may be; 802.1Q is
         * the tag type. */
        { "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"get\","
          "\"params\":{\"vsi\":\"v\",\"ext\":{\"future\":[1,{}]}}}",
          TNS_GET, VSIE_GET },
        { "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"associate\","
          "\"params\":{\"vsi\":\"v\",\"ext\":{},\"networks\":[{\"vn\":"
          "\"x\",\"macs\":[\"02:00:00:00:00:01\"],\"tag_type\":\"802.1Q\","
          "\"ext\":{\"vendor.example.hint\":\"gold\"}}]}}",
          TNS_ASSOCIATE, VSIE_ASSOCIATE },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct tns_batch batch;

        decode1(cases[i].line, &batch);
        if (batch.msgs[0].type != TNS_MSG_REQUEST) {
            fprintf(stderr, "%s: %s\n", cases[i].line,
                    batch.msgs[0].error.message);
        }
        CU_ASSERT_EQUAL_FATAL(batch.msgs[0].type, TNS_MSG_REQUEST);
        CU_ASSERT_EQUAL(batch.msgs[0].request.method, cases[i].method);
        CU_ASSERT_EQUAL(tns_request_event(&batch.msgs[0].request),
                        cases[i].event);
        tns_batch_destroy(&batch);
    }
}

/* Each malformed message with the error it must produce. */
/* 63 bytes of "x". */
#define X63 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
BUILD_ASSERT_DECL(sizeof X63 == 64);

static void
test_malformed(void)
{
    static const struct {
        const char *line;
        int code;
        const char *message;
    } cases[] = {
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"get\"",
          TNS_PARSE_ERROR, NULL },
        { "\x01\x02\xff garbage", TNS_PARSE_ERROR, NULL },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"get\",\"params\":"
          "{\"vsi\":\"\xc3\x28\"}}", TNS_PARSE_ERROR, NULL },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"get\","
          "\"params\":{\"vsi\":\"v\"}}", TNS_PARSE_ERROR, NULL },
        { "42", TNS_INVALID_REQUEST, "message: must be an object" },
        { "{\"id\":1,\"method\":\"get\",\"params\":{\"vsi\":\"v\"}}",
          TNS_INVALID_REQUEST, "jsonrpc: must be \"2.0\"" },
        { "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"get\","
          "\"params\":{\"vsi\":\"v\"}}",
          TNS_INVALID_REQUEST, "jsonrpc: must be \"2.0\"" },
        { "{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"get\","
          "\"params\":{\"vsi\":\"v\"}}",
          TNS_INVALID_REQUEST, "id: must be an integer or a string" },
        { "{\"jsonrpc\":\"2.0\",\"method\":\"get\","
          "\"params\":{\"vsi\":\"v\"}}",
          TNS_INVALID_REQUEST, "id: required in a request" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"params\":{\"vsi\":\"v\"}}",
          TNS_INVALID_REQUEST, "method: required field missing" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7,"
          "\"params\":{\"vsi\":\"v\"}}",
          TNS_INVALID_REQUEST, "method: must be a string" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"reboot\","
          "\"params\":{\"vsi\":\"v\"}}",
          TNS_METHOD_NOT_FOUND, "method: unknown method \"reboot\"" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"get\","
          "\"params\":{\"vsi\":\"v\"},\"extra\":1}",
          TNS_INVALID_PARAMS, "extra: unknown field" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"get\"}",
          TNS_INVALID_PARAMS, "params: required field missing" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"get\",\"params\":[]}",
          TNS_INVALID_PARAMS, "params: must be an object" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"get\",\"params\":{}}",
          TNS_INVALID_PARAMS, "params.vsi: required field missing" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"get\","
          "\"params\":{\"vsi\":5}}",
          TNS_INVALID_PARAMS, "params.vsi: must be a string" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"get\","
          "\"params\":{\"vsi\":\"a b\"}}",
          TNS_INVALID_PARAMS,
          "params.vsi: must be 1 to 64 characters of [A-Za-z0-9:._-]" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"get\","
          "\"params\":{\"vsi\":\"v\",\"tes\":\"\"}}",
          TNS_INVALID_PARAMS,
          "params.tes: must be a TES name of 1 to 64 printable characters" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"get\","
          "\"params\":{\"vsi\":\"v\",\"networks\":[]}}",
          TNS_INVALID_PARAMS, "params.networks: unknown field" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"associate\","
          "\"params\":{\"vsi\":\"v\"}}",
          TNS_INVALID_PARAMS, "params.networks: required field missing" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"associate\","
          "\"params\":{\"vsi\":\"v\",\"networks\":[]}}",
          TNS_INVALID_PARAMS,
          "params.networks: must be an array of 1 to 16 networks" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"associate\","
          "\"params\":{\"vsi\":\"v\",\"networks\":[{\"vn\":\"b\","
          "\"vnid\":3,\"macs\":[\"02:00:00:00:00:01\"]}]}}",
          TNS_INVALID_PARAMS, "params.networks[0]: exactly one of \"vn\" "
          "and \"vnid\" is required" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"associate\","
          "\"params\":{\"vsi\":\"v\",\"networks\":[{\"vn\":\"b\"}]}}",
          TNS_INVALID_PARAMS, "params.networks[0]: at least one of "
          "\"macs\" and a nonempty \"ips\" is required" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"associate\","
          "\"params\":{\"vsi\":\"v\",\"networks\":[{\"vn\":\"b\","
          "\"ips\":[]}]}}",
          TNS_INVALID_PARAMS, "params.networks[0]: at least one of "
          "\"macs\" and a nonempty \"ips\" is required" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"associate\","
          "\"params\":{\"vsi\":\"v\",\"networks\":[{\"vn\":\"b\","
          "\"macs\":[],\"ips\":[\"10.0.0.5\"]}]}}",
          TNS_INVALID_PARAMS, "params.networks[0].macs: must be an array of "
          "1 to 64 MAC addresses" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"associate\","
          "\"params\":{\"vsi\":\"v\",\"networks\":[{\"vn\":\"b\","
          "\"macs\":[\"02:00:00:00:00:01\",\"52:54:00:1:2:3\"]}]}}",
          TNS_INVALID_PARAMS, "params.networks[0].macs[1]: must be a MAC "
          "address like \"52:54:00:12:34:56\"" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"associate\","
          "\"params\":{\"vsi\":\"v\",\"networks\":[{\"vn\":\"b\","
          "\"macs\":[\"01:00:5e:00:00:01\"]}]}}",
          TNS_INVALID_PARAMS, "params.networks[0].macs[0]: "
          "01:00:5e:00:00:01 is not a unicast address" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"associate\","
          "\"params\":{\"vsi\":\"v\",\"networks\":[{\"vn\":\"b\","
          "\"macs\":[\"02:00:00:00:00:01\",\"02:00:00:00:00:01\"]}]}}",
          TNS_INVALID_PARAMS, "params.networks[0].macs[1]: "
          "02:00:00:00:00:01 appears twice" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"associate\","
          "\"params\":{\"vsi\":\"v\",\"networks\":[{\"vn\":\"b\","
          "\"macs\":[\"02:00:00:00:00:01\"],\"ips\":[\"10.0.0.256\"]}]}}",
          TNS_INVALID_PARAMS, "params.networks[0].ips[0]: must be an IPv4 "
          "or IPv6 address" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"associate\","
          "\"params\":{\"vsi\":\"v\",\"networks\":[{\"vn\":\"b\","
          "\"macs\":[\"02:00:00:00:00:01\"],\"vid\":4095}]}}",
          TNS_INVALID_PARAMS, "params.networks[0].vid: 4095 is not between "
          "0 and 4094" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"associate\","
          "\"params\":{\"vsi\":\"v\",\"networks\":[{\"vn\":\"b\","
          "\"macs\":[\"02:00:00:00:00:01\"],\"vid\":\"7\"}]}}",
          TNS_INVALID_PARAMS, "params.networks[0].vid: must be an integer" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"associate\","
          "\"params\":{\"vsi\":\"v\",\"networks\":[{\"vn\":\"b\","
          "\"macs\":[\"02:00:00:00:00:01\"]},{\"vn\":\"b\","
          "\"macs\":[\"02:00:00:00:00:02\"]}]}}",
          TNS_INVALID_PARAMS, "params.networks[1]: same VN as "
          "params.networks[0]" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"associate\","
          "\"params\":{\"vsi\":\"v\",\"networks\":[{\"vn\":\"b\","
          "\"macs\":[\"02:00:00:00:00:01\"],\"colour\":1}]}}",
          TNS_INVALID_PARAMS, "params.networks[0].colour: unknown field" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"immigrate\","
          "\"params\":{\"vsi\":\"v\",\"networks\":[{\"vn\":\"b\","
          "\"macs\":[\"02:00:00:00:00:01\"]}]}}",
          TNS_INVALID_PARAMS, "params.mode: required field missing" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"immigrate\","
          "\"params\":{\"vsi\":\"v\",\"mode\":\"fly\",\"networks\":"
          "[{\"vn\":\"b\",\"macs\":[\"02:00:00:00:00:01\"]}]}}",
          TNS_INVALID_PARAMS, "params.mode: must be \"pre_associate\" or "
          "\"associate\"" },
        /* Names quoted from the request are cut at 64 bytes, but never
         * in the middle of a character: 63 x and a 2-byte e-acute. */
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\""
          X63 "\xc3\xa9\",\"params\":{}}",
          TNS_METHOD_NOT_FOUND, "method: unknown method \"" X63 "\"" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"get\","
          "\"params\":{\"vsi\":\"v\",\"" X63 "\xc3\xa9\":1}}",
          TNS_INVALID_PARAMS, "params." X63 ": unknown field" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"get\","
          "\"params\":{\"vsi\":\"v\",\"ext\":[]}}",
          TNS_INVALID_PARAMS, "params.ext: must be an object" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"associate\","
          "\"params\":{\"vsi\":\"v\",\"networks\":[{\"vn\":\"b\","
          "\"macs\":[\"02:00:00:00:00:01\"],\"ext\":1}]}}",
          TNS_INVALID_PARAMS, "params.networks[0].ext: must be an object" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"associate\","
          "\"params\":{\"vsi\":\"v\",\"networks\":[{\"vn\":\"b\","
          "\"macs\":[\"02:00:00:00:00:01\"],\"tag_type\":\"802.1ad\"}]}}",
          TNS_INVALID_PARAMS, "params.networks[0].tag_type: unsupported tag "
          "type \"802.1ad\" (this NVE assigns \"802.1Q\" tags)" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"associate\","
          "\"params\":{\"vsi\":\"v\",\"networks\":[{\"vn\":\"b\","
          "\"macs\":[\"02:00:00:00:00:01\"],\"tag_type\":8021}]}}",
          TNS_INVALID_PARAMS, "params.networks[0].tag_type: must be a string" },
        { "[]", TNS_INVALID_REQUEST, "batch: must not be empty" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":{}}",
          TNS_INVALID_REQUEST,
          "exactly one of \"result\" and \"error\" is required" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct tns_batch batch;

        decode1(cases[i].line, &batch);
        const struct tns_msg *msg = &batch.msgs[0];
        if (msg->type != TNS_MSG_ERROR || msg->error.code != cases[i].code
            || (cases[i].message
                && strcmp(msg->error.message, cases[i].message))) {
            fprintf(stderr, "case %"PRIuSIZE": %s -> %d %s\n", i,
                    cases[i].line, msg->type == TNS_MSG_ERROR
                    ? msg->error.code : 0,
                    msg->type == TNS_MSG_ERROR ? msg->error.message : "");
        }
        CU_ASSERT_EQUAL_FATAL(msg->type, TNS_MSG_ERROR);
        CU_ASSERT_EQUAL(msg->error.code, cases[i].code);
        if (cases[i].message) {
            CU_ASSERT_STRING_EQUAL(msg->error.message, cases[i].message);
        }
        tns_batch_destroy(&batch);
    }
}

static void
test_error_keeps_id(void)
{
    struct tns_batch batch;

    decode1("{\"jsonrpc\":\"2.0\",\"id\":\"x7\",\"method\":\"nope\","
            "\"params\":{}}", &batch);
    CU_ASSERT_EQUAL(batch.msgs[0].type, TNS_MSG_ERROR);
    CU_ASSERT_STRING_EQUAL(json_string_value(batch.msgs[0].id), "x7");
    tns_batch_destroy(&batch);
}

static void
test_deep_nesting(void)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct tns_batch batch;

    for (int i = 0; i < 100000; i++) {
        ds_put_char(&s, '[');
    }
    decode1(ds_cstr(&s), &batch);
    CU_ASSERT_EQUAL(batch.msgs[0].type, TNS_MSG_ERROR);
    CU_ASSERT_EQUAL(batch.msgs[0].error.code, TNS_PARSE_ERROR);
    tns_batch_destroy(&batch);
    ds_destroy(&s);
}

static void
test_batch(void)
{
    const char *line =
        "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"get\","
        "\"params\":{\"vsi\":\"a\"}},"
        " {\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"bogus\","
        "\"params\":{\"vsi\":\"b\"}},"
        " {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"status\":"
        "\"SUCCESS\"}}]";
    struct tns_batch batch;

    tns_decode(line, strlen(line), 3, &batch);
    CU_ASSERT(batch.is_array);
    CU_ASSERT_EQUAL_FATAL(batch.n_msgs, 3);
    CU_ASSERT_EQUAL(batch.msgs[0].type, TNS_MSG_REQUEST);
    CU_ASSERT_EQUAL(batch.msgs[1].type, TNS_MSG_ERROR);
    CU_ASSERT_EQUAL(batch.msgs[1].error.code, TNS_METHOD_NOT_FOUND);
    CU_ASSERT_EQUAL(batch.msgs[2].type, TNS_MSG_REPLY);
    CU_ASSERT(batch.msgs[2].reply.ok);
    CU_ASSERT_STRING_EQUAL(batch.msgs[2].reply.status, "SUCCESS");
    tns_batch_destroy(&batch);

    /* Over the limit: one error, nothing decoded. */
    tns_decode(line, strlen(line), 2, &batch);
    CU_ASSERT_FALSE(batch.is_array);
    CU_ASSERT_EQUAL_FATAL(batch.n_msgs, 1);
    CU_ASSERT_EQUAL(batch.msgs[0].type, TNS_MSG_ERROR);
    CU_ASSERT_STRING_EQUAL(batch.msgs[0].error.message,
                           "batch: 3 messages exceed the limit of 2");
    tns_batch_destroy(&batch);
}

static void
test_reply_decode(void)
{
    struct tns_batch batch;

    decode1("{\"jsonrpc\":\"2.0\",\"id\":9,\"error\":{\"code\":-32000,"
            "\"message\":\"no\",\"data\":{\"status\":\"BUSY\"}}}", &batch);
    const struct tns_msg *msg = &batch.msgs[0];
    CU_ASSERT_EQUAL_FATAL(msg->type, TNS_MSG_REPLY);
    CU_ASSERT_FALSE(msg->reply.ok);
    CU_ASSERT_STRING_EQUAL(msg->reply.status, "BUSY");
    CU_ASSERT_STRING_EQUAL(msg->reply.message, "no");
    tns_batch_destroy(&batch);
}

static void
check_serialized(json_t *json, const char *expected)
{
    size_t len;
    char *s = tns_serialize(json, &len);

    CU_ASSERT_STRING_EQUAL(s, expected);
    CU_ASSERT_EQUAL(len, strlen(expected));
    free(s);
}

static void
test_encode(void)
{
    json_t *id = nve_json_integer(1);

    /* The failure example of TNS-PROTOCOL.md. */
    check_serialized(
        tns_reply_error(id, VSI_ST_FAILED_AUTHORIZATION,
                        tns_status_code(VSI_ST_FAILED_AUTHORIZATION),
                        "tes hv-17 may not join vn red"),
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32001,"
        "\"message\":\"tes hv-17 may not join vn red\","
        "\"data\":{\"status\":\"FAILED_AUTHORIZATION\"}}}\n");
    check_serialized(
        tns_reply_errorf(NULL, VSI_ST_INVALID_REQUEST, TNS_PARSE_ERROR,
                         "parse error at byte %d", 3),
        "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
        "\"message\":\"parse error at byte 3\","
        "\"data\":{\"status\":\"INVALID_REQUEST\"}}}\n");
    /* A message that is not UTF-8 still makes a complete reply. */
    check_serialized(
        tns_reply_error(id, VSI_ST_INVALID_REQUEST, TNS_PARSE_ERROR,
                        "near '\xc3('"),
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32700,"
        "\"message\":\"near '?('\","
        "\"data\":{\"status\":\"INVALID_REQUEST\"}}}\n");
    check_serialized(
        tns_reply_success(id, json_pack("{s:s}", "status", "SUCCESS")),
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"status\":"
        "\"SUCCESS\"}}\n");
    check_serialized(
        tns_notification(5, "deassociated",
                         json_pack("{s:s,s:s}", "vsi", "v",
                                   "reason", "aged_out")),
        "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"deassociated\","
        "\"params\":{\"vsi\":\"v\",\"reason\":\"aged_out\"}}\n");
    json_decref(id);

    /* Every status has a distinct code. */
    for (int a = 1; a < VSI_N_STATUSES; a++) {
        CU_ASSERT(tns_status_code(a) < 0);
        for (int b = a + 1; b < VSI_N_STATUSES; b++) {
            CU_ASSERT_NOT_EQUAL(tns_status_code(a), tns_status_code(b));
        }
    }
}

void
test_tns_register(void)
{
    CU_pSuite suite = CU_add_suite("tns", NULL, NULL);

    CU_add_test(suite, "TNS-PROTOCOL.md associate example",
                test_example_associate);
    CU_add_test(suite, "every method", test_every_method);
    CU_add_test(suite, "IP-only network entry", test_ip_only);
    CU_add_test(suite, "malformed messages", test_malformed);
    CU_add_test(suite, "errors keep the id", test_error_keeps_id);
    CU_add_test(suite, "deep nesting", test_deep_nesting);
    CU_add_test(suite, "batches", test_batch);
    CU_add_test(suite, "replies to notifications", test_reply_decode);
    CU_add_test(suite, "encoding", test_encode);
}
