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

#ifndef NVE_TNS_H
#define NVE_TNS_H 1

/* TNS, the TES-to-NVE signalling protocol: JSON-RPC 2.0, one JSON value per
 * line (TNS-PROTOCOL.md, schemas/tns.schema.json).
 *
 * This module is the codec and nothing else: it turns one line into decoded
 * requests (and replies to the NVE's own notifications), each checked
 * strictly, with every rejected field named by its path
 * ("params.networks[1].macs[0]"), and it builds the JSON of replies and
 * notifications.  No I/O, no globals.
 *
 * JSON values are jansson's, but this header does not include jansson, so
 * that files which include OVS's own JSON header (as every user of the
 * OVSDB IDL does) may use the decoded requests. */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "vsi-lifecycle.h"
#include "vsi-request.h"

struct json_t;

struct ds;

/* Methods a TES may call. */
#define TNS_METHODS                             \
    TNS_METHOD(PRE_ASSOCIATE, "pre_associate")  \
    TNS_METHOD(ASSOCIATE, "associate")          \
    TNS_METHOD(SUSPEND, "suspend")              \
    TNS_METHOD(RESUME, "resume")                \
    TNS_METHOD(EMIGRATE, "emigrate")            \
    TNS_METHOD(IMMIGRATE, "immigrate")          \
    TNS_METHOD(TERMINATE, "terminate")          \
    TNS_METHOD(KEEPALIVE, "keepalive")          \
    TNS_METHOD(GET, "get")

enum tns_method {
#define TNS_METHOD(ENUM, NAME) TNS_##ENUM,
    TNS_METHODS
#undef TNS_METHOD
    TNS_N_METHODS
};

const char *tns_method_name(enum tns_method);

/* JSON-RPC 2.0 error codes for malformed messages. */
#define TNS_PARSE_ERROR       (-32700)
#define TNS_INVALID_REQUEST   (-32600)
#define TNS_METHOD_NOT_FOUND  (-32601)
#define TNS_INVALID_PARAMS    (-32602)

/* The JSON-RPC error code of a failure status (for INVALID_REQUEST, the
 * decoder's more precise code is used instead). */
int tns_status_code(enum vsi_status);

/* Limits of one request. */
#define TNS_MAX_NETWORKS VSI_MAX_NETWORKS   /* VNs per VSI. */
#define TNS_MAX_ADDRS VSI_MAX_ADDRS         /* MACs, or IPs, per VN. */
#define TNS_MAX_NAME 64         /* Length of tes, vsi, port, vn, policy. */

/* A decoded request. */
struct tns_request {
    enum tns_method method;
    char *tes;                  /* NULL if absent (implied by TLS). */
    char *vsi;
    char *port;                 /* NULL if absent. */
    bool immigrate_associate;   /* For TNS_IMMIGRATE: "mode". */
    struct vsi_network *networks;
    size_t n_networks;
};

/* The lifecycle event of a request. */
enum vsi_event tns_request_event(const struct tns_request *);

/* One decoded message: a request, or a TES's reply to a notification of the
 * NVE, or an error to send back in place of a reply. */
enum tns_msg_type {
    TNS_MSG_REQUEST,
    TNS_MSG_REPLY,
    TNS_MSG_ERROR,
};

struct tns_msg {
    enum tns_msg_type type;
    struct json_t *id;          /* The message's id (a reference), or NULL
                                 * if it had none or it was unusable. */
    union {
        struct tns_request request;     /* TNS_MSG_REQUEST. */
        struct {                        /* TNS_MSG_REPLY. */
            bool ok;                    /* "result" rather than "error". */
            char *status;               /* "result.status" or
                                         * "error.data.status", or NULL. */
            char *message;              /* "error.message", or NULL. */
        } reply;
        struct {                        /* TNS_MSG_ERROR. */
            int code;                   /* JSON-RPC error code. */
            char *message;              /* Names the offending field. */
        } error;
    };
};

/* A decoded line: one message, or a batch (a JSON array) of them. */
struct tns_batch {
    bool is_array;              /* Replies go back as an array. */
    struct tns_msg *msgs;
    size_t n_msgs;
};

/* Decodes the 'len' bytes of 'line' (without its new-line) into 'batch'.
 * Never fails as a whole: what cannot be decoded becomes TNS_MSG_ERROR
 * messages (a line that is not JSON, an empty batch, or a batch of more
 * than 'max_batch' elements is one error message, not an array).  The
 * caller must tns_batch_destroy() it. */
void tns_decode(const char *line, size_t len, size_t max_batch,
                struct tns_batch *batch);
void tns_batch_destroy(struct tns_batch *);
void tns_msg_destroy(struct tns_msg *);

/* Replies and notifications, as JSON values to be serialized by the caller.
 * 'id' may be NULL (then "id": null). */
struct json_t *tns_reply_success(const struct json_t *id,
                                 struct json_t *result);
struct json_t *tns_reply_error(const struct json_t *id, enum vsi_status,
                               int code, const char *message);
struct json_t *tns_reply_errorf(const struct json_t *id, enum vsi_status,
                                int code, const char *format, ...)
    OVS_PRINTF_FORMAT(4, 5);
struct json_t *tns_notification(long long int id, const char *method,
                                struct json_t *params);

/* Serializes 'json' compactly, followed by a new-line, and frees it. */
char *tns_serialize(struct json_t *json, size_t *lenp);

/* The fixed-shape writer: replies written straight as compact JSON text,
 * without building JSON values, as nve-controller sends them.  Each writes
 * the same JSON, member for member and in the same order, as the functions
 * above once serialized (tests/test-tns-writer.c compares them).
 *
 * A success reply is tns_put_success_start(), then its "result" object,
 * written by the caller, then tns_put_success_end(). */
void tns_put_success_start(struct ds *, const struct json_t *id);
void tns_put_success_end(struct ds *);
void tns_put_error(struct ds *, const struct json_t *id, enum vsi_status,
                   int code, const char *message);
void tns_put_errorf(struct ds *, const struct json_t *id, enum vsi_status,
                    int code, const char *format, ...)
    OVS_PRINTF_FORMAT(5, 6);
void tns_put_errorv(struct ds *, const struct json_t *id, enum vsi_status,
                    int code, const char *format, va_list)
    OVS_PRINTF_FORMAT(5, 0);

/* Appends 'id' (an integer or a string, or NULL for null) as JSON. */
void tns_put_id(struct ds *, const struct json_t *id);

/* Appends the 'len' bytes of 's', or the null-terminated 's', as a JSON
 * string: quoted, with '"', '\\' and control characters escaped as jansson
 * escapes them, and every other character as it is.  If 's' is not valid
 * UTF-8, each of its bytes that is not ASCII is written as '?', as
 * tns_reply_error() does: whatever its origin (a peer's excerpt, a name in
 * the database), the output is valid JSON, and keeps the string's length. */
void tns_put_string(struct ds *, const char *s);
void tns_put_string_len(struct ds *, const char *s, size_t len);

/* One-line human-readable forms, for logs and unixctl. */
void tns_request_format(const struct tns_request *, struct ds *);
void tns_msg_format(const struct tns_msg *, struct ds *);

#endif /* tns.h */
