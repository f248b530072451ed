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

/* The TNS codec (tns.h): strict decoding of JSON-RPC lines into requests,
 * each rejected field named by its path, and the JSON of replies and
 * notifications.  Pure: no I/O, no globals. */

#include <config.h>
#include "nve-jansson.h"
#include "tns.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <string.h>
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "util.h"

static const char *const method_names[TNS_N_METHODS] = {
#define TNS_METHOD(ENUM, NAME) NAME,
    TNS_METHODS
#undef TNS_METHOD
};

const char *
tns_method_name(enum tns_method method)
{
    return method < TNS_N_METHODS ? method_names[method] : "<invalid>";
}

static bool
tns_method_from_name(const char *name, enum tns_method *method)
{
    for (int i = 0; i < TNS_N_METHODS; i++) {
        if (!strcmp(name, method_names[i])) {
            *method = i;
            return true;
        }
    }
    return false;
}

int
tns_status_code(enum vsi_status status)
{
    switch (status) {
    case VSI_ST_SUCCESS:
        return 0;
    case VSI_ST_FAILED_AUTHORIZATION:
        return -32001;
    case VSI_ST_CONFLICT_POLICIES:
        return -32002;
    case VSI_ST_INSUFFICIENT_RESOURCES:
        return -32003;
    case VSI_ST_BUSY:
        return -32004;
    case VSI_ST_INVALID_STATE:
        return -32005;
    case VSI_ST_UNKNOWN_VSI:
        return -32006;
    case VSI_ST_UNKNOWN_VN:
        return -32007;
    case VSI_ST_INVALID_REQUEST:
        return TNS_INVALID_REQUEST;
    case VSI_N_STATUSES:
    default:
        OVS_NOT_REACHED();
    }
}

enum vsi_event
tns_request_event(const struct tns_request *rq)
{
    switch (rq->method) {
    case TNS_PRE_ASSOCIATE:
        return VSIE_PRE_ASSOCIATE;
    case TNS_ASSOCIATE:
        return VSIE_ASSOCIATE;
    case TNS_SUSPEND:
        return VSIE_SUSPEND;
    case TNS_RESUME:
        return VSIE_RESUME;
    case TNS_EMIGRATE:
        return VSIE_EMIGRATE;
    case TNS_IMMIGRATE:
        return (rq->immigrate_associate
                ? VSIE_IMMIGRATE_ASSOC : VSIE_IMMIGRATE_PRE);
    case TNS_TERMINATE:
        return VSIE_TERMINATE;
    case TNS_KEEPALIVE:
        return VSIE_KEEPALIVE;
    case TNS_GET:
        return VSIE_GET;
    case TNS_N_METHODS:
    default:
        OVS_NOT_REACHED();
    }
}

/* The length of at most the first TNS_MAX_NAME bytes of 's', cut at a
 * character boundary, so that an excerpt of a peer's string quoted in an
 * error message is still valid UTF-8 (jansson validated 's' as a whole). */
static int
excerpt_len(const char *s)
{
    size_t n = strnlen(s, TNS_MAX_NAME + 1);

    if (n > TNS_MAX_NAME) {
        n = TNS_MAX_NAME;
        while (n && ((unsigned char) s[n] & 0xc0) == 0x80) {
            n--;
        }
    }
    return n;
}

/* Decoding state: the first error wins. */
struct decoder {
    int code;                   /* 0, or the JSON-RPC error code. */
    char *error;                /* Message of the first error. */
};

static void OVS_PRINTF_FORMAT(3, 4)
decode_fail(struct decoder *d, int code, const char *format, ...)
{
    if (!d->error) {
        va_list args;

        va_start(args, format);
        d->error = xvasprintf(format, args);
        va_end(args);
        d->code = code;
    }
}

/* Checks that every member of object 'obj' (at 'path') is one of the
 * null-terminated 'allowed' names. */
static void
check_members(struct decoder *d, const json_t *obj, const char *path,
              const char *const allowed[])
{
    const char *key;
    json_t *value;

    json_object_foreach (CONST_CAST(json_t *, obj), key, value) {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++) {
            if (!strcmp(key, *a)) {
                ok = true;
                break;
            }
        }
        if (!ok) {
            decode_fail(d, TNS_INVALID_PARAMS, "%s%s%.*s: unknown field",
                        path, *path ? "." : "", excerpt_len(key), key);
            return;
        }
    }
}

/* Returns true if 's' is a name we accept for "tes", "port", "vn" and
 * "policy": 1 to TNS_MAX_NAME printable ASCII characters, no spaces. */
static bool
is_valid_name(const char *s)
{
    size_t n = strlen(s);

    if (!n || n > TNS_MAX_NAME) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c <= ' ' || c >= 0x7f) {
            return false;
        }
    }
    return true;
}

static bool
is_valid_vsi_id(const char *s)
{
    size_t n = strlen(s);

    if (!n || n > TNS_MAX_NAME) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (!isalnum(c) && c != ':' && c != '.' && c != '_' && c != '-') {
            return false;
        }
    }
    return true;
}

/* Reads the optional string member 'name' of 'obj' into '*valuep' (NULL if
 * absent), checking it with 'valid'.  Returns false on error. */
static bool
get_string(struct decoder *d, const json_t *obj, const char *path,
           const char *name, bool required, bool (*valid)(const char *),
           const char *what, char **valuep)
{
    const json_t *j = json_object_get(obj, name);

    *valuep = NULL;
    if (!j) {
        if (required) {
            decode_fail(d, TNS_INVALID_PARAMS, "%s.%s: required field missing",
                        path, name);
            return false;
        }
        return true;
    }
    if (!json_is_string(j)) {
        decode_fail(d, TNS_INVALID_PARAMS, "%s.%s: must be a string",
                    path, name);
        return false;
    }
    const char *s = json_string_value(j);
    if (strlen(s) != json_string_length(j) || !valid(s)) {
        decode_fail(d, TNS_INVALID_PARAMS, "%s.%s: must be %s", path, name,
                    what);
        return false;
    }
    *valuep = xstrdup(s);
    return true;
}

/* Reads the optional integer member 'name' of 'obj', which must be between
 * 'min' and 'max', into '*valuep' (left alone if absent). */
static bool
get_integer(struct decoder *d, const json_t *obj, const char *path,
            const char *name, json_int_t min, json_int_t max,
            json_int_t *valuep)
{
    const json_t *j = json_object_get(obj, name);

    if (!j) {
        return true;
    }
    if (!json_is_integer(j)) {
        decode_fail(d, TNS_INVALID_PARAMS, "%s.%s: must be an integer",
                    path, name);
        return false;
    }
    json_int_t v = json_integer_value(j);
    if (v < min || v > max) {
        decode_fail(d, TNS_INVALID_PARAMS,
                    "%s.%s: %"JSON_INTEGER_FORMAT" is not between "
                    "%"JSON_INTEGER_FORMAT" and %"JSON_INTEGER_FORMAT,
                    path, name, v, min, max);
        return false;
    }
    *valuep = v;
    return true;
}

/* Parses a MAC address written exactly as six pairs of hex digits separated
 * by colons. */
static bool
parse_mac(const char *s, struct eth_addr *mac)
{
    if (strlen(s) != 17) {
        return false;
    }
    for (int i = 0; i < 6; i++) {
        const char *p = s + 3 * i;
        if (!isxdigit((unsigned char) p[0]) || !isxdigit((unsigned char) p[1])
            || (i < 5 && p[2] != ':')) {
            return false;
        }
        mac->ea[i] = hexit_value(p[0]) * 16 + hexit_value(p[1]);
    }
    return true;
}

/* Parses an IPv4 or IPv6 address into its canonical text form. */
static char *
parse_ip(const char *s)
{
    char buf[INET6_ADDRSTRLEN];
    struct in6_addr a6;
    struct in_addr a4;

    if (inet_pton(AF_INET, s, &a4) == 1) {
        return xstrdup(inet_ntop(AF_INET, &a4, buf, sizeof buf));
    } else if (inet_pton(AF_INET6, s, &a6) == 1) {
        return xstrdup(inet_ntop(AF_INET6, &a6, buf, sizeof buf));
    }
    return NULL;
}

static void
decode_macs(struct decoder *d, const json_t *array, const char *path,
            struct vsi_network *net)
{
    size_t n = json_array_size(array);

    if (!json_is_array(array) || !n || n > TNS_MAX_ADDRS) {
        decode_fail(d, TNS_INVALID_PARAMS,
                    "%s.macs: must be an array of 1 to %d MAC addresses",
                    path, TNS_MAX_ADDRS);
        return;
    }
    net->macs = xcalloc(n, sizeof *net->macs);
    for (size_t i = 0; i < n; i++) {
        const json_t *j = json_array_get(array, i);
        struct eth_addr mac;

        if (!json_is_string(j) || !parse_mac(json_string_value(j), &mac)) {
            decode_fail(d, TNS_INVALID_PARAMS,
                        "%s.macs[%"PRIuSIZE"]: must be a MAC address "
                        "like \"52:54:00:12:34:56\"", path, i);
            return;
        }
        if (eth_addr_is_multicast(mac) || eth_addr_is_zero(mac)) {
            decode_fail(d, TNS_INVALID_PARAMS,
                        "%s.macs[%"PRIuSIZE"]: "ETH_ADDR_FMT" is not a "
                        "unicast address", path, i, ETH_ADDR_ARGS(mac));
            return;
        }
        for (size_t k = 0; k < net->n_macs; k++) {
            if (eth_addr_equals(net->macs[k], mac)) {
                decode_fail(d, TNS_INVALID_PARAMS,
                            "%s.macs[%"PRIuSIZE"]: "ETH_ADDR_FMT" appears "
                            "twice", path, i, ETH_ADDR_ARGS(mac));
                return;
            }
        }
        net->macs[net->n_macs++] = mac;
    }
}

static void
decode_ips(struct decoder *d, const json_t *array, const char *path,
           struct vsi_network *net)
{
    size_t n = json_array_size(array);

    if (!array) {
        return;
    }
    if (!json_is_array(array) || n > TNS_MAX_ADDRS) {
        decode_fail(d, TNS_INVALID_PARAMS,
                    "%s.ips: must be an array of at most %d IP addresses",
                    path, TNS_MAX_ADDRS);
        return;
    }
    net->ips = xcalloc(MAX(n, 1), sizeof *net->ips);
    for (size_t i = 0; i < n; i++) {
        const json_t *j = json_array_get(array, i);
        char *ip = json_is_string(j) ? parse_ip(json_string_value(j)) : NULL;

        if (!ip) {
            decode_fail(d, TNS_INVALID_PARAMS,
                        "%s.ips[%"PRIuSIZE"]: must be an IPv4 or IPv6 "
                        "address", path, i);
            return;
        }
        for (size_t k = 0; k < net->n_ips; k++) {
            if (!strcmp(net->ips[k], ip)) {
                decode_fail(d, TNS_INVALID_PARAMS,
                            "%s.ips[%"PRIuSIZE"]: %s appears twice",
                            path, i, ip);
                free(ip);
                return;
            }
        }
        net->ips[net->n_ips++] = ip;
    }
}

/* The extension rule: member "ext" of "params" and of each network is an
 * object whose members this NVE does not know and ignores, so that a TES
 * may send what a later NVE understands (or a vendor's hints) to any NVE.
 * Every other member must be known: a misspelt field is an error, not an
 * extension. */
static void
decode_ext(struct decoder *d, const json_t *obj, const char *path)
{
    const json_t *ext = json_object_get(obj, "ext");

    if (ext && !json_is_object(ext)) {
        decode_fail(d, TNS_INVALID_PARAMS, "%s.ext: must be an object",
                    path);
    }
}

/* The tag that carries a network on the TES's link: 802.1Q (REQ-4), the
 * only type this NVE assigns; "tag_type" says so, and may name others in
 * the future. */
static void
decode_tag_type(struct decoder *d, const json_t *obj, const char *path)
{
    const json_t *j = json_object_get(obj, "tag_type");
    const char *s = json_string_value(j);

    if (j && !s) {
        decode_fail(d, TNS_INVALID_PARAMS, "%s.tag_type: must be a string",
                    path);
    } else if (s && strcmp(s, "802.1Q")) {
        decode_fail(d, TNS_INVALID_PARAMS, "%s.tag_type: unsupported tag "
                    "type \"%.*s\" (this NVE assigns \"802.1Q\" tags)",
                    path, excerpt_len(s), s);
    }
}

static void
decode_network(struct decoder *d, const json_t *j, const char *path,
               struct vsi_network *net)
{
    static const char *const members[] = {
        "vn", "vnid", "macs", "ips", "vid", "tag_type", "policy", "ext", NULL
    };

    if (!json_is_object(j)) {
        decode_fail(d, TNS_INVALID_PARAMS, "%s: must be an object", path);
        return;
    }
    check_members(d, j, path, members);
    decode_ext(d, j, path);
    decode_tag_type(d, j, path);
    if (d->error) {
        return;
    }

    json_int_t vnid = 0, vid = 0;
    if (!get_string(d, j, path, "vn", false, is_valid_name,
                    "a VN name of 1 to 64 printable characters", &net->vn)
        || !get_integer(d, j, path, "vnid", 1, 16777215, &vnid)
        || !get_integer(d, j, path, "vid", 0, 4094, &vid)
        || !get_string(d, j, path, "policy", false, is_valid_name,
                       "a profile name of 1 to 64 printable characters",
                       &net->policy)) {
        return;
    }
    net->vnid = vnid;
    net->vid = vid;
    if (!net->vn == !json_object_get(j, "vnid")) {
        decode_fail(d, TNS_INVALID_PARAMS,
                    "%s: exactly one of \"vn\" and \"vnid\" is required",
                    path);
        return;
    }

    /* The VM's address is its MACs, its IPs, or both (seed REQ-3): a VM
     * known by its IPs only has its MAC learned from its first frame. */
    const json_t *macs = json_object_get(j, "macs");
    if (macs) {
        decode_macs(d, macs, path, net);
    }
    decode_ips(d, json_object_get(j, "ips"), path, net);
    if (!d->error && !net->n_macs && !net->n_ips) {
        decode_fail(d, TNS_INVALID_PARAMS,
                    "%s: at least one of \"macs\" and a nonempty \"ips\" "
                    "is required", path);
    }
}

static void
decode_networks(struct decoder *d, const json_t *params,
                struct tns_request *rq)
{
    const json_t *array = json_object_get(params, "networks");
    size_t n = json_array_size(array);

    if (!array) {
        decode_fail(d, TNS_INVALID_PARAMS,
                    "params.networks: required field missing");
        return;
    }
    if (!json_is_array(array) || !n || n > TNS_MAX_NETWORKS) {
        decode_fail(d, TNS_INVALID_PARAMS,
                    "params.networks: must be an array of 1 to %d networks",
                    TNS_MAX_NETWORKS);
        return;
    }

    rq->networks = xcalloc(n, sizeof *rq->networks);
    for (size_t i = 0; i < n && !d->error; i++) {
        struct vsi_network *net = &rq->networks[rq->n_networks++];
        char *path = xasprintf("params.networks[%"PRIuSIZE"]", i);

        decode_network(d, json_array_get(array, i), path, net);
        for (size_t k = 0; k < i && !d->error; k++) {
            const struct vsi_network *other = &rq->networks[k];
            if (net->vn ? other->vn && !strcmp(net->vn, other->vn)
                        : other->vnid == net->vnid) {
                decode_fail(d, TNS_INVALID_PARAMS,
                            "%s: same VN as params.networks[%"PRIuSIZE"]",
                            path, k);
            }
        }
        free(path);
    }
}

static void
decode_request(struct decoder *d, const json_t *j, struct tns_request *rq)
{
    static const char *const association_members[] = {
        "tes", "vsi", "port", "networks", "ext", NULL
    };
    static const char *const immigrate_members[] = {
        "tes", "vsi", "port", "mode", "networks", "ext", NULL
    };
    static const char *const vsi_members[] = { "tes", "vsi", "ext", NULL };

    const json_t *method = json_object_get(j, "method");
    if (!json_is_string(method)) {
        decode_fail(d, TNS_INVALID_REQUEST, "method: must be a string");
        return;
    }
    const char *name = json_string_value(method);
    if (!tns_method_from_name(name, &rq->method)) {
        decode_fail(d, TNS_METHOD_NOT_FOUND,
                    "method: unknown method \"%.*s\"", excerpt_len(name),
                    name);
        return;
    }

    const json_t *params = json_object_get(j, "params");
    if (!json_is_object(params)) {
        decode_fail(d, TNS_INVALID_PARAMS, "params: %s",
                    params ? "must be an object" : "required field missing");
        return;
    }

    bool binds = (rq->method == TNS_PRE_ASSOCIATE
                  || rq->method == TNS_ASSOCIATE
                  || rq->method == TNS_IMMIGRATE);
    check_members(d, params, "params",
                  (rq->method == TNS_IMMIGRATE ? immigrate_members
                   : binds ? association_members
                   : vsi_members));
    decode_ext(d, params, "params");
    if (d->error
        || !get_string(d, params, "params", "tes", false, is_valid_name,
                       "a TES name of 1 to 64 printable characters",
                       &rq->tes)
        || !get_string(d, params, "params", "vsi", true, is_valid_vsi_id,
                       "1 to 64 characters of [A-Za-z0-9:._-]", &rq->vsi)
        || !get_string(d, params, "params", "port", false, is_valid_name,
                       "a port name of 1 to 64 printable characters",
                       &rq->port)) {
        return;
    }

    if (rq->method == TNS_IMMIGRATE) {
        const json_t *mode = json_object_get(params, "mode");
        const char *s = json_string_value(mode);

        if (!mode) {
            decode_fail(d, TNS_INVALID_PARAMS,
                        "params.mode: required field missing");
            return;
        } else if (s && !strcmp(s, "associate")) {
            rq->immigrate_associate = true;
        } else if (!s || strcmp(s, "pre_associate")) {
            decode_fail(d, TNS_INVALID_PARAMS, "params.mode: must be "
                        "\"pre_associate\" or \"associate\"");
            return;
        }
    }
    if (binds) {
        decode_networks(d, params, rq);
    }
}

/* A reply of the TES to one of our notifications. */
static void
decode_reply(struct decoder *d, const json_t *j, struct tns_msg *msg)
{
    const json_t *result = json_object_get(j, "result");
    const json_t *error = json_object_get(j, "error");
    const json_t *status = NULL;

    if (!msg->id) {
        decode_fail(d, TNS_INVALID_REQUEST, "id: required in a reply");
        return;
    }
    if (!result == !error) {
        decode_fail(d, TNS_INVALID_REQUEST,
                    "exactly one of \"result\" and \"error\" is required");
        return;
    }
    msg->type = TNS_MSG_REPLY;
    msg->reply.ok = result != NULL;
    if (result) {
        status = json_object_get(result, "status");
    } else if (json_is_object(error)) {
        const json_t *message = json_object_get(error, "message");
        if (json_is_string(message)) {
            msg->reply.message = xstrdup(json_string_value(message));
        }
        status = json_object_get(json_object_get(error, "data"), "status");
    }
    if (json_is_string(status)) {
        msg->reply.status = xstrdup(json_string_value(status));
    }
}

static void
decode_msg(const json_t *j, struct tns_msg *msg)
{
    static const char *const members[] = {
        "jsonrpc", "id", "method", "params", "result", "error", NULL
    };
    struct decoder d = { 0, NULL };

    memset(msg, 0, sizeof *msg);
    msg->type = TNS_MSG_REQUEST;
    if (!json_is_object(j)) {
        decode_fail(&d, TNS_INVALID_REQUEST, "message: must be an object");
        goto error;
    }

    const json_t *id = json_object_get(j, "id");
    if (json_is_integer(id) || json_is_string(id)) {
        msg->id = json_incref(CONST_CAST(json_t *, id));
    } else if (id && !json_is_null(id)) {
        decode_fail(&d, TNS_INVALID_REQUEST,
                    "id: must be an integer or a string");
        goto error;
    }

    const json_t *version = json_object_get(j, "jsonrpc");
    if (!json_is_string(version)
        || strcmp(json_string_value(version), "2.0")) {
        decode_fail(&d, TNS_INVALID_REQUEST, "jsonrpc: must be \"2.0\"");
        goto error;
    }
    check_members(&d, j, "", members);
    if (d.error) {
        goto error;
    }

    if (!json_object_get(j, "method")) {
        if (json_object_get(j, "result") || json_object_get(j, "error")) {
            decode_reply(&d, j, msg);
        } else {
            decode_fail(&d, TNS_INVALID_REQUEST,
                        "method: required field missing");
        }
    } else if (json_object_get(j, "result") || json_object_get(j, "error")) {
        decode_fail(&d, TNS_INVALID_REQUEST,
                    "a request has no \"result\" or \"error\"");
    } else if (!msg->id) {
        decode_fail(&d, TNS_INVALID_REQUEST, "id: required in a request");
    } else {
        decode_request(&d, j, &msg->request);
    }
    if (!d.error) {
        return;
    }

error:
    /* Keep the id, so that the error reply can carry it. */
    if (msg->type == TNS_MSG_REQUEST) {
        struct tns_request *rq = &msg->request;
        json_t *keep = msg->id;
        msg->id = NULL;
        tns_msg_destroy(msg);
        memset(rq, 0, sizeof *rq);
        msg->id = keep;
    } else if (msg->type == TNS_MSG_REPLY) {
        free(msg->reply.status);
        free(msg->reply.message);
    }
    msg->type = TNS_MSG_ERROR;
    msg->error.code = d.code;
    msg->error.message = d.error;
}

static void
make_error(struct tns_batch *batch, int code, char *message)
{
    batch->is_array = false;
    batch->n_msgs = 1;
    batch->msgs = xzalloc(sizeof *batch->msgs);
    batch->msgs[0].type = TNS_MSG_ERROR;
    batch->msgs[0].error.code = code;
    batch->msgs[0].error.message = message;
}

void
tns_decode(const char *line, size_t len, size_t max_batch,
           struct tns_batch *batch)
{
    json_error_t jerror;
    json_t *json;

    memset(batch, 0, sizeof *batch);
    json = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
                      &jerror);
    if (!json) {
        make_error(batch, TNS_PARSE_ERROR,
                   xasprintf("parse error at byte %d: %s",
                             jerror.position, jerror.text));
        return;
    }

    if (json_is_array(json)) {
        size_t n = json_array_size(json);

        if (!n) {
            make_error(batch, TNS_INVALID_REQUEST,
                       xstrdup("batch: must not be empty"));
        } else if (n > max_batch) {
            make_error(batch, TNS_INVALID_REQUEST,
                       xasprintf("batch: %"PRIuSIZE" messages exceed the "
                                 "limit of %"PRIuSIZE, n, max_batch));
        } else {
            batch->is_array = true;
            batch->n_msgs = n;
            batch->msgs = xcalloc(n, sizeof *batch->msgs);
            for (size_t i = 0; i < n; i++) {
                decode_msg(json_array_get(json, i), &batch->msgs[i]);
            }
        }
    } else {
        batch->n_msgs = 1;
        batch->msgs = xcalloc(1, sizeof *batch->msgs);
        decode_msg(json, &batch->msgs[0]);
    }
    json_decref(json);
}

static void
tns_request_destroy(struct tns_request *rq)
{
    free(rq->tes);
    free(rq->vsi);
    free(rq->port);
    for (size_t i = 0; i < rq->n_networks; i++) {
        struct vsi_network *net = &rq->networks[i];
        free(net->vn);
        free(net->macs);
        for (size_t k = 0; k < net->n_ips; k++) {
            free(net->ips[k]);
        }
        free(net->ips);
        free(net->policy);
    }
    free(rq->networks);
}

void
tns_msg_destroy(struct tns_msg *msg)
{
    if (!msg) {
        return;
    }
    switch (msg->type) {
    case TNS_MSG_REQUEST:
        tns_request_destroy(&msg->request);
        break;
    case TNS_MSG_REPLY:
        free(msg->reply.status);
        free(msg->reply.message);
        break;
    case TNS_MSG_ERROR:
        free(msg->error.message);
        break;
    }
    json_decref(msg->id);
    msg->id = NULL;
}

void
tns_batch_destroy(struct tns_batch *batch)
{
    if (batch) {
        for (size_t i = 0; i < batch->n_msgs; i++) {
            tns_msg_destroy(&batch->msgs[i]);
        }
        free(batch->msgs);
        memset(batch, 0, sizeof *batch);
    }
}

static json_t *
reply_skeleton(const json_t *id)
{
    json_t *reply = nve_json_object();

    json_object_set_new(reply, "jsonrpc", nve_json_string("2.0"));
    json_object_set_new(reply, "id",
                        id ? json_copy(CONST_CAST(json_t *, id))
                           : json_null());
    return reply;
}

json_t *
tns_reply_success(const json_t *id, json_t *result)
{
    json_t *reply = reply_skeleton(id);

    json_object_set_new(reply, "result", result);
    return reply;
}

/* A JSON string of 's', whose bytes that are not ASCII are replaced by '?'
 * if 's' is not valid UTF-8: jansson refuses to make such a string, and a
 * reply must never lose a member that the protocol requires. */
static json_t *
json_string_lossy(const char *s)
{
    json_t *string = nve_json_string(s);

    if (!string) {
        char *copy = xstrdup(s);
        for (char *p = copy; *p; p++) {
            if ((unsigned char) *p >= 0x80) {
                *p = '?';
            }
        }
        string = nve_json_string(copy);
        free(copy);
    }
    return string;
}

json_t *
tns_reply_error(const json_t *id, enum vsi_status status, int code,
                const char *message)
{
    json_t *reply = reply_skeleton(id);
    json_t *error = nve_json_object();

    json_object_set_new(error, "code", nve_json_integer(code));
    json_object_set_new(error, "message", json_string_lossy(message));
    json_object_set_new(error, "data",
                        json_pack("{s:s}", "status",
                                  vsi_status_name(status)));
    json_object_set_new(reply, "error", error);
    return reply;
}

json_t *
tns_reply_errorf(const json_t *id, enum vsi_status status, int code,
                 const char *format, ...)
{
    va_list args;
    char *message;
    json_t *reply;

    va_start(args, format);
    message = xvasprintf(format, args);
    va_end(args);
    reply = tns_reply_error(id, status, code, message);
    free(message);
    return reply;
}

json_t *
tns_notification(json_int_t id, const char *method, json_t *params)
{
    json_t *msg = nve_json_object();

    json_object_set_new(msg, "jsonrpc", nve_json_string("2.0"));
    json_object_set_new(msg, "id", nve_json_integer(id));
    json_object_set_new(msg, "method", nve_json_string(method));
    json_object_set_new(msg, "params", params);
    return msg;
}

char *
tns_serialize(json_t *json, size_t *lenp)
{
    char *s = json_dumps(json, JSON_COMPACT | JSON_PRESERVE_ORDER);
    size_t len = strlen(s);

    s = xrealloc(s, len + 2);
    s[len++] = '\n';
    s[len] = '\0';
    json_decref(json);
    *lenp = len;
    return s;
}

/* The length of the valid UTF-8 sequence that starts at 's', of at most
 * 'n' bytes, or 0 if there is none: jansson's rules (no overlong forms, no
 * surrogates, nothing above U+10FFFF), so that the writer accepts what
 * jansson's strings accept. */
static size_t
utf8_sequence_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;

    if (c < 0x80) {
        return 1;
    } else if (c < 0xc2) {
        return 0;
    } else if (c < 0xe0) {
        len = 2;
        cp = c & 0x1f;
    } else if (c < 0xf0) {
        len = 3;
        cp = c & 0x0f;
    } else if (c < 0xf5) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)
        || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
        return 0;
    }
    return len;
}

static bool
is_valid_utf8(const char *s_, size_t n)
{
    const unsigned char *s = (const unsigned char *) s_;

    for (size_t i = 0; i < n; ) {
        if (s[i] < 0x80) {
            i++;
        } else {
            size_t len = utf8_sequence_len(&s[i], n - i);
            if (!len) {
                return false;
            }
            i += len;
        }
    }
    return true;
}

void
tns_put_string_len(struct ds *out, const char *s, size_t len)
{
    bool lossy = !is_valid_utf8(s, len);
    const char *run = s;        /* Bytes from here on go out as they are. */
    const char *end = s + len;

    ds_put_char(out, '"');
    for (const char *p = s; p < end; p++) {
        unsigned char c = *p;

        if (c >= 0x20 && c != '"' && c != '\\' && (c < 0x80 || !lossy)) {
            continue;
        }
        ds_put_buffer(out, run, p - run);
        run = p + 1;
        switch (c) {
        case '"':
            ds_put_cstr(out, "\\\"");
            break;
        case '\\':
            ds_put_cstr(out, "\\\\");
            break;
        case '\b':
            ds_put_cstr(out, "\\b");
            break;
        case '\f':
            ds_put_cstr(out, "\\f");
            break;
        case '\n':
            ds_put_cstr(out, "\\n");
            break;
        case '\r':
            ds_put_cstr(out, "\\r");
            break;
        case '\t':
            ds_put_cstr(out, "\\t");
            break;
        default:
            if (c < 0x20) {
                ds_put_format(out, "\\u%04X", c);
            } else {
                ds_put_char(out, '?');      /* 'lossy'. */
            }
            break;
        }
    }
    ds_put_buffer(out, run, end - run);
    ds_put_char(out, '"');
}

void
tns_put_string(struct ds *out, const char *s)
{
    tns_put_string_len(out, s, strlen(s));
}

void
tns_put_id(struct ds *out, const json_t *id)
{
    if (json_is_integer(id)) {
        ds_put_format(out, "%"JSON_INTEGER_FORMAT, json_integer_value(id));
    } else if (json_is_string(id)) {
        tns_put_string_len(out, json_string_value(id),
                           json_string_length(id));
    } else {
        /* The decoder keeps no other kind of id. */
        ds_put_cstr(out, "null");
    }
}

static void
put_reply_start(struct ds *out, const json_t *id)
{
    ds_put_cstr(out, "{\"jsonrpc\":\"2.0\",\"id\":");
    tns_put_id(out, id);
}

void
tns_put_success_start(struct ds *out, const json_t *id)
{
    put_reply_start(out, id);
    ds_put_cstr(out, ",\"result\":");
}

void
tns_put_success_end(struct ds *out)
{
    ds_put_char(out, '}');
}

void
tns_put_error(struct ds *out, const json_t *id, enum vsi_status status,
              int code, const char *message)
{
    put_reply_start(out, id);
    ds_put_format(out, ",\"error\":{\"code\":%d,\"message\":", code);
    tns_put_string(out, message);
    ds_put_format(out, ",\"data\":{\"status\":\"%s\"}}}",
                  vsi_status_name(status));
}

void
tns_put_errorv(struct ds *out, const json_t *id, enum vsi_status status,
               int code, const char *format, va_list args)
{
    char *message = xvasprintf(format, args);
    tns_put_error(out, id, status, code, message);
    free(message);
}

void
tns_put_errorf(struct ds *out, const json_t *id, enum vsi_status status,
               int code, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    tns_put_errorv(out, id, status, code, format, args);
    va_end(args);
}

void
tns_request_format(const struct tns_request *rq, struct ds *s)
{
    ds_put_format(s, "%s vsi=%s", tns_method_name(rq->method), rq->vsi);
    if (rq->tes) {
        ds_put_format(s, " tes=%s", rq->tes);
    }
    if (rq->port) {
        ds_put_format(s, " port=%s", rq->port);
    }
    if (rq->method == TNS_IMMIGRATE) {
        ds_put_format(s, " mode=%s", (rq->immigrate_associate
                                      ? "associate" : "pre_associate"));
    }
    for (size_t i = 0; i < rq->n_networks; i++) {
        const struct vsi_network *net = &rq->networks[i];

        if (net->vn) {
            ds_put_format(s, " vn=%s", net->vn);
        } else {
            ds_put_format(s, " vnid=%"PRIu32, net->vnid);
        }
        ds_put_char(s, '(');
        for (size_t k = 0; k < net->n_macs; k++) {
            ds_put_format(s, "%s"ETH_ADDR_FMT, k ? "," : "",
                          ETH_ADDR_ARGS(net->macs[k]));
        }
        for (size_t k = 0; k < net->n_ips; k++) {
            ds_put_format(s, "%s%s", k || net->n_macs ? "," : "",
                          net->ips[k]);
        }
        if (net->vid) {
            ds_put_format(s, " vid=%"PRIu16, net->vid);
        }
        if (net->policy) {
            ds_put_format(s, " policy=%s", net->policy);
        }
        ds_put_char(s, ')');
    }
}

void
tns_msg_format(const struct tns_msg *msg, struct ds *s)
{
    if (msg->id) {
        char *id = json_dumps(msg->id, JSON_ENCODE_ANY | JSON_COMPACT);
        ds_put_format(s, "id=%s ", id);
        free(id);
    }
    switch (msg->type) {
    case TNS_MSG_REQUEST:
        tns_request_format(&msg->request, s);
        break;
    case TNS_MSG_REPLY:
        ds_put_format(s, "reply %s", msg->reply.ok ? "ok" : "error");
        if (msg->reply.status) {
            ds_put_format(s, " status=%s", msg->reply.status);
        }
        if (msg->reply.message) {
            ds_put_format(s, " message=\"%s\"", msg->reply.message);
        }
        break;
    case TNS_MSG_ERROR:
        ds_put_format(s, "error %d: %s", msg->error.code, msg->error.message);
        break;
    }
}
