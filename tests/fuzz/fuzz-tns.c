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

/* Fuzzing harness of the TNS decoder (lib/tns.c): one input is one line
 * from a TES, without its new-line, as nve-controller's TNS server hands it
 * to tns_decode().  Every decoded message is formatted for the log, and
 * answered as the server answers it (lib/tns.c's fixed-shape writer); the
 * answers must decode back as replies that say what was meant, and equal
 * the same replies built as jansson values. */

#include <config.h>
#include "nve-jansson.h"
#include "tns.h"

#include <string.h>
#include "fuzz.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

/* A small batch limit, so that batches over it are found often. */
#define MAX_BATCH 4

/* Checks that 'reply', as the server writes it, is the same JSON as
 * 'expected' (which it takes), and that the TES can decode it as the reply
 * it is: to request 'msg' with 'ok', and for an error, with 'message'. */
static void
check_reply(const struct ds *reply, json_t *expected,
            const struct tns_msg *msg, bool ok, const char *message)
{
    const char *line = reply->string;
    size_t len = reply->length;

    FUZZ_CHECK(len >= 1 && !memchr(line, '\n', len));

    json_t *json = json_loadb(line, len, 0, NULL);
    FUZZ_CHECK(json && nve_json_equal(json, expected));
    json_decref(json);
    json_decref(expected);

    struct tns_batch back;
    tns_decode(line, len, 1, &back);
    FUZZ_CHECK(back.n_msgs == 1 && !back.is_array);

    const struct tns_msg *r = &back.msgs[0];
    if (!msg->id) {
        /* "id": null: not a reply the TES can match, but well formed. */
        FUZZ_CHECK(r->type == TNS_MSG_ERROR
                   && r->error.code == TNS_INVALID_REQUEST);
    } else {
        FUZZ_CHECK(r->type == TNS_MSG_REPLY);
        FUZZ_CHECK(r->reply.ok == ok);
        FUZZ_CHECK(nve_json_equal(r->id, msg->id));
        if (!ok) {
            FUZZ_CHECK(r->reply.status
                       && !strcmp(r->reply.status, "INVALID_REQUEST"));
            FUZZ_CHECK(r->reply.message);
            /* Sent as it was, unless it was not UTF-8. */
            FUZZ_CHECK(!strcmp(r->reply.message, message)
                       || strlen(r->reply.message) == strlen(message));
        }
    }
    tns_batch_destroy(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tns_batch batch;

    tns_decode((const char *) data, size, MAX_BATCH, &batch);
    FUZZ_CHECK(batch.n_msgs >= 1);
    FUZZ_CHECK(!batch.is_array || batch.n_msgs <= MAX_BATCH);
    FUZZ_CHECK(batch.is_array || batch.n_msgs == 1);

    for (size_t i = 0; i < batch.n_msgs; i++) {
        const struct tns_msg *msg = &batch.msgs[i];
        struct ds s = DS_EMPTY_INITIALIZER;

        tns_msg_format(msg, &s);
        ds_clear(&s);

        switch (msg->type) {
        case TNS_MSG_ERROR:
            FUZZ_CHECK(msg->error.message);
            FUZZ_CHECK(msg->error.code == TNS_PARSE_ERROR
                       || msg->error.code == TNS_INVALID_REQUEST
                       || msg->error.code == TNS_METHOD_NOT_FOUND
                       || msg->error.code == TNS_INVALID_PARAMS);
            tns_put_error(&s, msg->id, VSI_ST_INVALID_REQUEST,
                          msg->error.code, msg->error.message);
            check_reply(&s, tns_reply_error(msg->id, VSI_ST_INVALID_REQUEST,
                                            msg->error.code,
                                            msg->error.message),
                        msg, false, msg->error.message);
            break;

        case TNS_MSG_REQUEST: {
            const struct tns_request *rq = &msg->request;

            FUZZ_CHECK(msg->id);
            FUZZ_CHECK(rq->method < TNS_N_METHODS);
            FUZZ_CHECK(rq->vsi);
            tns_request_event(rq);
            for (size_t k = 0; k < rq->n_networks; k++) {
                const struct vsi_network *net = &rq->networks[k];
                FUZZ_CHECK(!net->vn != !net->vnid);
                /* REQ-3: a MAC, an IP or both (an IP-only VSI). */
                FUZZ_CHECK(net->n_macs + net->n_ips >= 1);
                FUZZ_CHECK(net->n_macs <= TNS_MAX_ADDRS);
                FUZZ_CHECK(net->n_ips <= TNS_MAX_ADDRS);
            }
            tns_put_success_start(&s, msg->id);
            ds_put_cstr(&s, "{\"status\":\"SUCCESS\",\"vsi\":");
            tns_put_string(&s, rq->vsi);
            ds_put_char(&s, '}');
            tns_put_success_end(&s);
            check_reply(&s, tns_reply_success(msg->id,
                                              json_pack("{s:s,s:s}",
                                                        "status", "SUCCESS",
                                                        "vsi", rq->vsi)),
                        msg, true, NULL);
            break;
        }

        case TNS_MSG_REPLY:
            FUZZ_CHECK(msg->id);
            break;

        default:
            FUZZ_CHECK(false);
        }
        ds_destroy(&s);
    }
    tns_batch_destroy(&batch);
    return 0;
}
