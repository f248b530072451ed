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

/* tes-signal: the hypervisor (TES) side of TNS, for integrators, the demo
 * and the tests.
 *
 * It sends TNS requests to nve-controller and prints the replies, one JSON
 * value per line.  The requests come from one of three places:
 *
 *   - the command line: a method and options, built into one request and
 *     checked with the same decoder the NVE uses (lib/tns.c);
 *
 *   - standard input ("-"): JSON requests or batches, one per line, all
 *     sent at once, then the replies read until every id is answered;
 *
 *   - standard input, verbatim (--raw): bytes sent as they are, for tests
 *     of the NVE's handling of malformed input.
 *
 * With --listen it stays connected afterwards and prints the NVE's own
 * requests (notifications), answering each one.
 *
 * The connection is an OVS stream; line framing is done here, over a
 * receive buffer, because OVS's jsonrpc module uses OVS's JSON library and
 * this program uses jansson (see lib/nve-jansson.h). */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nve-jansson.h"
#include "nve-options.h"
#include "tns.h"

#include "command-line.h"
#include "dirs.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "stream.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"
#include "vsi-lifecycle.h"

VLOG_DEFINE_THIS_MODULE(tes_signal);

/* Exit statuses. */
enum {
    EXIT_OK = 0,                /* Every reply was SUCCESS. */
    EXIT_REFUSED = 1,           /* At least one reply was an error. */
    EXIT_TROUBLE = 2,           /* Usage, connection or protocol error,
                                 * or timeout. */
};

/* Received lines longer than this are a protocol error. */
#define MAX_LINE (64 * 1024 * 1024)

/* Where the requests come from. */
enum input {
    INPUT_NONE,                 /* No request: only --listen. */
    INPUT_OPTIONS,              /* A method and options. */
    INPUT_STDIN,                /* JSON from standard input ("-"). */
    INPUT_RAW,                  /* Bytes from standard input (--raw). */
};

/* One network of a request built from options: "--vn" or "--vnid" and the
 * options that follow it. */
struct network_opts {
    char *vn;                   /* --vn, or NULL. */
    long long int vnid;         /* --vnid, if 'vn' is NULL. */
    struct svec macs;           /* --mac. */
    struct svec ips;            /* --ip. */
    bool has_vid;
    long long int vid;          /* --vid, if 'has_vid'. */
    char *policy;               /* --policy, or NULL. */
};

/* A request built from options. */
struct request_opts {
    const char *method;         /* METHOD argument, or NULL. */
    char *id;                   /* --id, or NULL for 1. */
    char *tes;                  /* --tes, or NULL. */
    char *vsi;                  /* --vsi or VSI argument, or NULL. */
    char *port;                 /* --port, or NULL. */
    char *mode;                 /* --mode, or NULL. */
    struct network_opts *nets;  /* --vn and --vnid, in order. */
    size_t n_nets, allocated_nets;
};

/* Command-line settings. */
static char *remote;                    /* --remote. */
static enum input input;                /* Where requests come from. */
static struct request_opts rq_opts;     /* INPUT_OPTIONS only. */
static bool validate = true;            /* Not --no-validate. */
static bool pretty;                     /* --pretty. */
static bool status_only;                /* --status-only. */
static bool listening;                  /* --listen. */
static unsigned int max_notifications;  /* --count, 0 for no limit. */
static bool reject;                     /* --reject-notifications. */
static enum vsi_status reject_status = VSI_ST_INVALID_STATE;
static unsigned int timeout;            /* --timeout, 0 for none. */

/* A connection to the NVE and what is expected on it. */
struct session {
    struct stream *stream;
    struct ds rx;               /* Received bytes, not yet a whole line. */
    size_t rx_scanned;          /* Bytes of 'rx' known to hold no '\n'. */
    struct ds tx;               /* Bytes to send. */
    size_t tx_ofs;              /* Bytes of 'tx' already sent. */
    int send_error;             /* 0, or the errno of a failed send. */

    /* Normal mode: one entry per line sent, each the JSON array of the ids
     * of that line still unanswered. */
    json_t **lines;
    size_t n_lines;
    size_t n_open;              /* Lines with unanswered ids. */
    size_t n_requests;          /* Requests sent. */

    /* Raw mode: replies expected and received, one per non-blank line. */
    size_t raw_expected;
    size_t raw_received;

    unsigned int n_notifications;
    int status;                 /* EXIT_OK or EXIT_REFUSED so far. */
};

OVS_NO_RETURN static void usage(void);
static void parse_options(int argc, char *argv[]);
static void session_fatal(const struct session *, const char *format, ...)
    OVS_PRINTF_FORMAT(2, 3) OVS_NO_RETURN;

/* Prints "tes-signal: " and the message to stderr and exits with
 * EXIT_TROUBLE. */
OVS_NO_RETURN static void OVS_PRINTF_FORMAT(1, 2)
fatal(const char *format, ...)
{
    va_list args;

    va_start(args, format);
    ovs_error_valist(0, format, args);
    va_end(args);
    exit(EXIT_TROUBLE);
}

/* Returns the text form of 'json' (compact, members in their received
 * order, or indented with --pretty), without a new-line.  The caller must
 * free() it. */
static char *
json_to_text(const json_t *json, bool indent)
{
    size_t flags = JSON_ENCODE_ANY | JSON_PRESERVE_ORDER;
    char *s = json_dumps(json, flags | (indent ? JSON_INDENT(2)
                                               : JSON_COMPACT));
    return s ? s : xstrdup("null");
}

static bool
method_is_known(const char *name)
{
    for (int i = 0; i < TNS_N_METHODS; i++) {
        if (!strcmp(name, tns_method_name(i))) {
            return true;
        }
    }
    return false;
}

static bool
method_binds(const char *method)
{
    return (!strcmp(method, "pre_associate")
            || !strcmp(method, "associate")
            || !strcmp(method, "immigrate"));
}

/* Building requests. */

/* Returns the JSON of the id given as 'id': an integer if it is one, else a
 * string. */
static json_t *
id_from_string(const char *id)
{
    long long int n;

    return (str_to_llong(id, 10, &n)
            ? nve_json_integer(n)
            : nve_json_string(id));
}

/* Checks that the options in 'rq' make sense for its method, as far as
 * they can be checked without the NVE. */
static void
request_opts_check(const struct request_opts *rq)
{
    const char *m = rq->method;

    if (!rq->vsi) {
        fatal("%s requires --vsi", m);
    }
    if (method_binds(m)) {
        if (!rq->n_nets) {
            fatal("%s requires at least one --vn or --vnid", m);
        }
        for (size_t i = 0; i < rq->n_nets; i++) {
            const struct network_opts *net = &rq->nets[i];
            if (!net->macs.n && !net->ips.n) {
                if (net->vn) {
                    fatal("--vn=%s requires at least one --mac or --ip",
                          net->vn);
                } else {
                    fatal("--vnid=%lld requires at least one --mac or --ip",
                          net->vnid);
                }
            }
        }
    } else {
        if (rq->n_nets) {
            fatal("%s takes no networks (--vn, --vnid)", m);
        }
        if (rq->port) {
            fatal("%s takes no --port", m);
        }
    }
    if (!strcmp(m, "immigrate")) {
        if (!rq->mode) {
            fatal("immigrate requires --mode=pre_associate or "
                  "--mode=associate");
        }
    } else if (rq->mode) {
        fatal("only immigrate takes --mode");
    }
}

static json_t *
svec_to_json(const struct svec *svec)
{
    json_t *array = nve_json_array();

    for (size_t i = 0; i < svec->n; i++) {
        json_array_append_new(array, nve_json_string(svec->names[i]));
    }
    return array;
}

/* Returns the request that 'rq' describes. */
static json_t *
request_opts_to_json(const struct request_opts *rq)
{
    json_t *params = nve_json_object();

    if (rq->tes) {
        json_object_set_new(params, "tes", nve_json_string(rq->tes));
    }
    if (rq->vsi) {
        json_object_set_new(params, "vsi", nve_json_string(rq->vsi));
    }
    if (rq->port) {
        json_object_set_new(params, "port", nve_json_string(rq->port));
    }
    if (rq->mode) {
        json_object_set_new(params, "mode", nve_json_string(rq->mode));
    }
    if (rq->n_nets) {
        json_t *networks = nve_json_array();

        for (size_t i = 0; i < rq->n_nets; i++) {
            const struct network_opts *net = &rq->nets[i];
            json_t *j = nve_json_object();

            if (net->vn) {
                json_object_set_new(j, "vn", nve_json_string(net->vn));
            } else {
                json_object_set_new(j, "vnid", nve_json_integer(net->vnid));
            }
            if (net->macs.n) {
                json_object_set_new(j, "macs", svec_to_json(&net->macs));
            }
            if (net->ips.n) {
                json_object_set_new(j, "ips", svec_to_json(&net->ips));
            }
            if (net->has_vid) {
                json_object_set_new(j, "vid", nve_json_integer(net->vid));
            }
            if (net->policy) {
                json_object_set_new(j, "policy", nve_json_string(net->policy));
            }
            json_array_append_new(networks, j);
        }
        json_object_set_new(params, "networks", networks);
    }

    json_t *request = nve_json_object();
    json_object_set_new(request, "jsonrpc", nve_json_string("2.0"));
    json_object_set_new(request, "id",
                        rq->id ? id_from_string(rq->id) : nve_json_integer(1));
    json_object_set_new(request, "method", nve_json_string(rq->method));
    json_object_set_new(request, "params", params);
    return request;
}

/* Checks 'line' (a serialized request or batch, with its new-line) with the
 * NVE's own decoder.  Returns NULL if it is acceptable, otherwise an error
 * message that the caller must free(). */
static char *
validate_line(const char *line, size_t len)
{
    struct tns_batch batch;
    char *error = NULL;

    tns_decode(line, len, SIZE_MAX, &batch);
    for (size_t i = 0; i < batch.n_msgs && !error; i++) {
        const struct tns_msg *msg = &batch.msgs[i];
        char *prefix = (batch.is_array
                        ? xasprintf("element %"PRIuSIZE": ", i)
                        : xstrdup(""));

        if (msg->type == TNS_MSG_ERROR) {
            error = xasprintf("%s%s", prefix, msg->error.message);
        } else if (msg->type != TNS_MSG_REQUEST) {
            error = xasprintf("%snot a request", prefix);
        }
        free(prefix);
    }
    tns_batch_destroy(&batch);
    return error;
}

/* Returns 'msg' with "jsonrpc" and "id" members, adding them (as the first
 * members) if it lacks them, the id from '*next_id', skipping the ids in
 * 'used'.  Takes ownership of 'msg'. */
static json_t *
complete_request(json_t *msg, const json_t *used, json_int_t *next_id)
{
    if (json_object_get(msg, "jsonrpc") && json_object_get(msg, "id")) {
        return msg;
    }

    json_t *complete = nve_json_object();
    json_t *version = json_object_get(msg, "jsonrpc");
    json_object_set_new(complete, "jsonrpc", (version
                                              ? json_incref(version)
                                              : nve_json_string("2.0")));

    json_t *id = json_object_get(msg, "id");
    if (id) {
        json_object_set(complete, "id", id);
    } else {
        for (;;) {
            json_t *candidate = nve_json_integer((*next_id)++);
            bool taken = false;
            size_t i;
            json_t *u;

            json_array_foreach (used, i, u) {
                if (nve_json_equal(u, candidate)) {
                    taken = true;
                    break;
                }
            }
            if (!taken) {
                json_object_set_new(complete, "id", candidate);
                break;
            }
            json_decref(candidate);
        }
    }

    const char *key;
    json_t *value;
    json_object_foreach (msg, key, value) {
        if (strcmp(key, "jsonrpc") && strcmp(key, "id")) {
            json_object_set(complete, key, value);
        }
    }
    json_decref(msg);
    return complete;
}

/* Reads all of standard input into 'ds'. */
static void
read_stdin(struct ds *ds)
{
    char buf[4096];
    size_t n;

    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        ds_put_buffer(ds, buf, n);
    }
    if (ferror(stdin)) {
        ovs_error(errno, "error reading standard input");
        exit(EXIT_TROUBLE);
    }
}

static bool
is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!strchr(" \t\r\n", s[i])) {
            return false;
        }
    }
    return true;
}

/* Queues the request or batch 'json' (which it takes) on 's' as one line,
 * with the ids that its replies must carry.  'where' says where it came
 * from, for error messages. */
static void
session_queue(struct session *s, json_t *json, const char *where)
{
    json_t *ids = nve_json_array();

    if (json_is_array(json)) {
        size_t i;
        json_t *msg;

        json_array_foreach (json, i, msg) {
            json_array_append(ids, json_object_get(msg, "id"));
        }
    } else {
        json_array_append(ids, json_object_get(json, "id"));
    }

    size_t len;
    char *line = tns_serialize(json, &len);
    if (validate) {
        char *error = validate_line(line, len - 1);
        if (error) {
            fatal("%sinvalid request: %s (use --no-validate to send it "
                  "anyway)", where, error);
        }
    }
    VLOG_DBG("%s: send: %.*s", remote, (int) len - 1, line);
    ds_put_buffer(&s->tx, line, len);
    free(line);

    s->lines = xrealloc(s->lines, (s->n_lines + 1) * sizeof *s->lines);
    s->lines[s->n_lines++] = ids;
    s->n_open++;
    s->n_requests += json_array_size(ids);
}

/* Returns the number of requests of 's' still waiting for a reply. */
static size_t
session_n_unanswered(const struct session *s)
{
    size_t n = 0;

    for (size_t i = 0; i < s->n_lines; i++) {
        n += json_array_size(s->lines[i]);
    }
    return n;
}

/* Reads the requests of standard input, one JSON value per line, and queues
 * them on 's'. */
static void
session_queue_stdin(struct session *s)
{
    struct ds in = DS_EMPTY_INITIALIZER;
    json_t **values = NULL;
    size_t n_values = 0;
    int *line_numbers = NULL;

    /* Parse each line and check that it holds requests. */
    read_stdin(&in);
    json_t *used = nve_json_array();
    const char *p = in.string ? in.string : "";
    const char *end = p + in.length;
    for (int line_number = 1; p < end; line_number++) {
        const char *nl = memchr(p, '\n', end - p);
        size_t len = nl ? nl - p : end - p;

        if (!is_blank(p, len)) {
            json_error_t error;
            json_t *json = json_loadb(p, len, JSON_REJECT_DUPLICATES,
                                      &error);
            if (!json) {
                fatal("standard input line %d: %s (use --raw to send it "
                      "anyway)", line_number, error.text);
            }

            size_t n = json_is_array(json) ? json_array_size(json) : 1;
            if (!n) {
                fatal("standard input line %d: empty batch", line_number);
            }
            for (size_t i = 0; i < n; i++) {
                json_t *msg = (json_is_array(json)
                               ? json_array_get(json, i) : json);
                json_t *id = json_object_get(msg, "id");

                if (!json_is_object(msg) || !json_object_get(msg, "method")) {
                    fatal("standard input line %d: not a request (use --raw "
                          "to send it anyway)", line_number);
                }
                if (id) {
                    size_t k;
                    json_t *u;

                    json_array_foreach (used, k, u) {
                        if (nve_json_equal(u, id)) {
                            char *s_id = json_to_text(id, false);
                            fatal("standard input line %d: duplicate id %s",
                                  line_number, s_id);
                        }
                    }
                    json_array_append(used, id);
                }
            }
            values = xrealloc(values, (n_values + 1) * sizeof *values);
            line_numbers = xrealloc(line_numbers,
                                    (n_values + 1) * sizeof *line_numbers);
            line_numbers[n_values] = line_number;
            values[n_values++] = json;
        }
        p += len + (nl != NULL);
    }
    ds_destroy(&in);

    /* Give the requests without one an id and queue them. */
    json_int_t next_id = 1;
    for (size_t i = 0; i < n_values; i++) {
        json_t *json = values[i];

        if (json_is_array(json)) {
            json_t *batch = nve_json_array();
            size_t k;
            json_t *msg;

            json_array_foreach (json, k, msg) {
                json_array_append_new(
                    batch, complete_request(json_incref(msg), used,
                                            &next_id));
            }
            json_decref(json);
            json = batch;
        } else {
            json = complete_request(json, used, &next_id);
        }

        char *where = xasprintf("standard input line %d: ",
                                line_numbers[i]);
        session_queue(s, json, where);
        free(where);
    }
    if (!n_values) {
        fatal("no requests on standard input");
    }
    json_decref(used);
    free(values);
    free(line_numbers);
}

/* Reads standard input and queues it on 's' as it is. */
static void
session_queue_raw(struct session *s)
{
    read_stdin(&s->tx);

    /* One reply is expected for every complete line that is not blank. */
    const char *p = s->tx.string ? s->tx.string : "";
    const char *end = p + s->tx.length;
    for (;;) {
        const char *nl = memchr(p, '\n', end - p);
        if (!nl) {
            break;
        }
        if (!is_blank(p, nl - p)) {
            s->raw_expected++;
        }
        p = nl + 1;
    }
}

/* The connection. */

/* Appends to 'ds' how far 's' got, as " (...)", if anything was
 * expected. */
static void
session_format_progress(const struct session *s, struct ds *ds)
{
    if (input == INPUT_RAW) {
        ds_put_format(ds, " (%"PRIuSIZE" of %"PRIuSIZE" replies received)",
                      s->raw_received, s->raw_expected);
    } else if (s->n_open) {
        ds_put_format(ds, " (%"PRIuSIZE" of %"PRIuSIZE" replies received)",
                      s->n_requests - session_n_unanswered(s),
                      s->n_requests);
    } else if (max_notifications) {
        ds_put_format(ds, " (%u of %u notifications received)",
                      s->n_notifications, max_notifications);
    }
}

/* Reports a failure of the session and exits with EXIT_TROUBLE. */
static void
session_fatal(const struct session *s, const char *format, ...)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    va_list args;

    va_start(args, format);
    ds_put_format_valist(&ds, format, args);
    va_end(args);
    session_format_progress(s, &ds);
    fatal("%s", ds_cstr(&ds));
}

static bool
session_done(const struct session *s)
{
    if (input == INPUT_RAW) {
        return s->raw_received >= s->raw_expected;
    }
    if (s->n_open) {
        return false;
    }
    if (listening) {
        return max_notifications && s->n_notifications >= max_notifications;
    }
    return true;
}

static void
print_line(const char *line)
{
    fputs(line, stdout);
    putchar('\n');
    fflush(stdout);
}

static void
print_json(const json_t *json)
{
    char *s = json_to_text(json, pretty);
    print_line(s);
    free(s);
}

/* Returns the TNS status of reply 'reply': "SUCCESS" or an error status, or
 * NULL if it has none. */
static const char *
reply_status(const json_t *reply)
{
    const json_t *result = json_object_get(reply, "result");
    const json_t *error = json_object_get(reply, "error");
    const json_t *status;

    if (result && !error) {
        status = json_object_get(result, "status");
    } else {
        status = json_object_get(json_object_get(error, "data"), "status");
    }
    return json_string_value(status);
}

static bool
reply_is_success(const json_t *reply)
{
    const char *status = reply_status(reply);

    return (!json_object_get(reply, "error")
            && status && !strcmp(status, "SUCCESS"));
}

static bool
is_reply(const json_t *json)
{
    return (json_is_object(json) && !json_object_get(json, "method")
            && (json_object_get(json, "result")
                || json_object_get(json, "error")));
}

static bool
is_notification(const json_t *json)
{
    return json_is_object(json) && json_object_get(json, "method");
}

/* Marks line 'i' of 's' as completely answered. */
static void
session_close_line(struct session *s, size_t i)
{
    if (json_array_size(s->lines[i])) {
        json_array_clear(s->lines[i]);
        s->n_open--;
    }
}

/* Returns the index of the first line still waiting for replies. */
static size_t
session_oldest_open_line(const struct session *s)
{
    for (size_t i = 0; i < s->n_lines; i++) {
        if (json_array_size(s->lines[i])) {
            return i;
        }
    }
    return SIZE_MAX;
}

/* Finds the line that sent 'id'.  Returns its index and stores the index of
 * 'id' within the line in '*idx', or returns SIZE_MAX. */
static size_t
session_find_id(const struct session *s, const json_t *id, size_t *idx)
{
    for (size_t i = 0; i < s->n_lines; i++) {
        size_t k;
        json_t *u;

        json_array_foreach (s->lines[i], k, u) {
            if (nve_json_equal(u, id)) {
                *idx = k;
                return i;
            }
        }
    }
    return SIZE_MAX;
}

/* Accounts for 'reply', a reply or an array of them, and prints it. */
static void
session_handle_reply(struct session *s, const json_t *reply,
                     const char *text)
{
    size_t n = json_is_array(reply) ? json_array_size(reply) : 1;
    size_t line = SIZE_MAX;

    for (size_t i = 0; i < n; i++) {
        const json_t *r = (json_is_array(reply)
                           ? json_array_get(reply, i) : reply);
        const json_t *id = json_object_get(r, "id");

        if (!is_reply(r)) {
            session_fatal(s, "%s: unexpected message from NVE: %s",
                          remote, text);
        }
        if (id && !json_is_null(id)) {
            size_t k;
            size_t l = session_find_id(s, id, &k);
            if (l == SIZE_MAX) {
                session_fatal(s, "%s: reply with unexpected id from NVE: %s",
                              remote, text);
            }
            json_array_remove(s->lines[l], k);
            if (!json_array_size(s->lines[l])) {
                s->n_open--;
            }
            line = l;
        }
        if (!reply_is_success(r)) {
            s->status = EXIT_REFUSED;
        }
    }

    /* A reply without a usable id (the NVE could not read the request's)
     * answers the oldest line still waiting, and a batch reply answers its
     * whole line. */
    if (line == SIZE_MAX) {
        line = session_oldest_open_line(s);
        if (line == SIZE_MAX) {
            session_fatal(s, "%s: unexpected reply from NVE: %s", remote,
                          text);
        }
        session_close_line(s, line);
    } else if (json_is_array(reply)) {
        session_close_line(s, line);
    }

    if (status_only) {
        for (size_t i = 0; i < n; i++) {
            const json_t *r = (json_is_array(reply)
                               ? json_array_get(reply, i) : reply);
            const char *status = reply_status(r);
            print_line(status ? status : "ERROR");
        }
    } else {
        print_json(reply);
    }
}

/* Returns the reply to 'notification', or NULL if it needs none. */
static json_t *
notification_reply(const json_t *notification)
{
    const json_t *id = json_object_get(notification, "id");

    if (!id || json_is_null(id)) {
        return NULL;
    }
    return (reject
            ? tns_reply_error(id, reject_status,
                              tns_status_code(reject_status),
                              "rejected by tes-signal")
            : tns_reply_success(id, json_pack("{s:s}", "status",
                                              "SUCCESS")));
}

/* Handles 'json', a notification of the NVE or an array of them. */
static void
session_handle_notification(struct session *s, const json_t *json,
                            const char *text)
{
    size_t n = json_is_array(json) ? json_array_size(json) : 1;
    json_t *replies = nve_json_array();

    for (size_t i = 0; i < n; i++) {
        const json_t *msg = (json_is_array(json)
                             ? json_array_get(json, i) : json);
        if (!is_notification(msg)) {
            session_fatal(s, "%s: unexpected message from NVE: %s",
                          remote, text);
        }
        json_t *reply = notification_reply(msg);
        if (reply) {
            json_array_append_new(replies, reply);
        }
    }

    if (!listening) {
        /* Nobody here acts on it: leave it unanswered, so that the NVE
         * does not take it as accepted. */
        VLOG_INFO("%s: ignoring notification (use --listen to answer it): "
                  "%s", remote, text);
        json_decref(replies);
        return;
    }

    s->n_notifications += n;
    print_json(json);
    if (json_array_size(replies)) {
        json_t *answer = (json_is_array(json)
                          ? json_incref(replies)
                          : json_incref(json_array_get(replies, 0)));
        size_t len;
        char *line = tns_serialize(answer, &len);

        VLOG_DBG("%s: send: %.*s", remote, (int) len - 1, line);
        ds_put_buffer(&s->tx, line, len);
        free(line);
    }
    json_decref(replies);
}

/* Handles one received line of 'len' bytes (without its new-line). */
static void
session_handle_line(struct session *s, const char *line, size_t len)
{
    char *text = xmemdup0(line, len);

    VLOG_DBG("%s: received: %s", remote, text);
    if (input == INPUT_RAW) {
        print_line(text);
        if (!is_blank(line, len)) {
            s->raw_received++;
        }
        free(text);
        return;
    }
    if (is_blank(line, len)) {
        free(text);
        return;
    }

    json_error_t error;
    json_t *json = json_loadb(line, len, 0, &error);
    if (!json) {
        session_fatal(s, "%s: invalid JSON from NVE (%s): %s",
                      remote, error.text, text);
    }

    const json_t *first = (json_is_array(json)
                           ? json_array_get(json, 0) : json);
    if (is_notification(first)) {
        session_handle_notification(s, json, text);
    } else if (is_reply(first)) {
        session_handle_reply(s, json, text);
    } else {
        session_fatal(s, "%s: unexpected message from NVE: %s",
                      remote, text);
    }
    json_decref(json);
    free(text);
}

/* Sends as much of the queued bytes as the connection takes. */
static void
session_send(struct session *s)
{
    while (!s->send_error && s->tx_ofs < s->tx.length) {
        int retval = stream_send(s->stream, s->tx.string + s->tx_ofs,
                                 s->tx.length - s->tx_ofs);
        if (retval == -EAGAIN) {
            return;
        } else if (retval < 0) {
            /* The NVE may have closed the connection after answering: keep
             * reading what it sent before deciding. */
            s->send_error = -retval;
            VLOG_DBG("%s: send failed (%s)", remote,
                     ovs_strerror(s->send_error));
        } else {
            s->tx_ofs += retval;
        }
    }
    if (s->tx_ofs >= s->tx.length) {
        ds_clear(&s->tx);
        s->tx_ofs = 0;
    }
}

/* Receives what the connection has and handles every complete line.
 * Returns 0 if the connection is still open, EOF if the NVE closed it, or
 * a positive errno value. */
static int
session_recv(struct session *s)
{
    for (;;) {
        char buf[4096];
        int retval = stream_recv(s->stream, buf, sizeof buf);

        if (retval == -EAGAIN) {
            return 0;
        } else if (retval <= 0) {
            return retval ? -retval : EOF;
        }
        ds_put_buffer(&s->rx, buf, retval);

        /* Handle every complete line, then keep the rest. */
        size_t start = 0;
        for (;;) {
            char *nl = memchr(s->rx.string + s->rx_scanned, '\n',
                              s->rx.length - s->rx_scanned);
            if (!nl) {
                s->rx_scanned = s->rx.length;
                break;
            }
            size_t end = nl - s->rx.string;
            session_handle_line(s, s->rx.string + start, end - start);
            start = s->rx_scanned = end + 1;
        }
        if (start) {
            memmove(s->rx.string, s->rx.string + start,
                    s->rx.length - start);
            s->rx.length -= start;
            s->rx_scanned -= start;
        }
        if (s->rx.length > MAX_LINE) {
            session_fatal(s, "%s: line from NVE longer than %d bytes",
                          remote, MAX_LINE);
        }
        if (session_done(s)) {
            return 0;
        }
    }
}

/* Connects to 'remote', sends what 's' holds, and reads until 's' is done.
 * Returns the exit status. */
static int
session_run(struct session *s)
{
    long long int deadline = (timeout
                              ? time_msec() + timeout * 1000LL
                              : LLONG_MAX);

    int error = stream_open_block(stream_open(remote, &s->stream,
                                              DSCP_DEFAULT),
                                  timeout ? timeout * 1000LL : -1,
                                  &s->stream);
    if (error == ETIMEDOUT) {
        fatal("%s: timeout after %u seconds connecting", remote, timeout);
    } else if (error) {
        fatal("%s: connection failed (%s)", remote,
              ovs_retval_to_string(error));
    }
    VLOG_DBG("%s: connected, %"PRIuSIZE" bytes to send", remote,
             s->tx.length);

    for (;;) {
        stream_run(s->stream);
        session_send(s);

        int retval = session_recv(s);
        if (session_done(s)) {
            break;
        }
        if (retval == EOF) {
            if (input != INPUT_RAW && !s->n_open && listening
                && !max_notifications) {
                break;
            }
            session_fatal(s, "%s: connection closed by NVE", remote);
        } else if (retval) {
            session_fatal(s, "%s: receive failed (%s)", remote,
                          ovs_strerror(retval));
        }
        if (time_msec() >= deadline) {
            session_fatal(s, "timeout after %u seconds", timeout);
        }

        stream_run_wait(s->stream);
        stream_recv_wait(s->stream);
        if (!s->send_error && s->tx.length) {
            stream_send_wait(s->stream);
        }
        if (deadline != LLONG_MAX) {
            poll_timer_wait_until(deadline);
        }
        poll_block();
    }

    /* Flush the answers to the last notifications before leaving. */
    while (!s->send_error && s->tx.length) {
        if (time_msec() >= deadline) {
            session_fatal(s, "timeout after %u seconds", timeout);
        }
        stream_run(s->stream);
        session_send(s);
        if (s->tx.length) {
            stream_run_wait(s->stream);
            stream_send_wait(s->stream);
            if (deadline != LLONG_MAX) {
                poll_timer_wait_until(deadline);
            }
            poll_block();
        }
    }
    stream_close(s->stream);
    s->stream = NULL;
    return s->status;
}

int
main(int argc, char *argv[])
{
    struct session s;

    ovs_set_program_name(argv[0], NVE_VERSION);
    fatal_ignore_sigpipe();
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
    parse_options(argc, argv);

    memset(&s, 0, sizeof s);
    ds_init(&s.rx);
    ds_init(&s.tx);
    switch (input) {
    case INPUT_NONE:
        break;
    case INPUT_OPTIONS:
        if (validate) {
            request_opts_check(&rq_opts);
        }
        session_queue(&s, request_opts_to_json(&rq_opts), "");
        break;
    case INPUT_STDIN:
        session_queue_stdin(&s);
        break;
    case INPUT_RAW:
        session_queue_raw(&s);
        break;
    }

    int status = session_run(&s);

    if (fflush(stdout) || ferror(stdout)) {
        fatal("write to standard output failed");
    }
    for (size_t i = 0; i < s.n_lines; i++) {
        json_decref(s.lines[i]);
    }
    free(s.lines);
    ds_destroy(&s.rx);
    ds_destroy(&s.tx);
    free(remote);
    return status;
}

/* Command line. */

static struct network_opts *
current_network(const char *option)
{
    if (!rq_opts.n_nets) {
        fatal("%s must follow --vn or --vnid", option);
    }
    return &rq_opts.nets[rq_opts.n_nets - 1];
}

static struct network_opts *
add_network(void)
{
    if (rq_opts.n_nets >= rq_opts.allocated_nets) {
        rq_opts.nets = x2nrealloc(rq_opts.nets, &rq_opts.allocated_nets,
                                  sizeof *rq_opts.nets);
    }
    struct network_opts *net = &rq_opts.nets[rq_opts.n_nets++];
    memset(net, 0, sizeof *net);
    svec_init(&net->macs);
    svec_init(&net->ips);
    return net;
}

static long long int
parse_integer(const char *option, const char *arg)
{
    long long int value;

    if (!str_to_llong(arg, 10, &value)) {
        fatal("%s=%s: not an integer", option, arg);
    }
    return value;
}

/* Sets the string option '*field' ('option' on the command line) to
 * 'arg', which it must not have already. */
static void
set_once(char **field, const char *option, const char *arg)
{
    if (*field) {
        fatal("%s given twice", option);
    }
    *field = xstrdup(arg);
}

static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_REMOTE = UCHAR_MAX + 1,
        OPT_TES,
        OPT_VSI,
        OPT_PORT,
        OPT_VN,
        OPT_VNID,
        OPT_MAC,
        OPT_IP,
        OPT_VID,
        OPT_POLICY,
        OPT_MODE,
        OPT_ID,
        OPT_STDIN,
        OPT_RAW,
        OPT_NO_VALIDATE,
        OPT_PRETTY,
        OPT_STATUS_ONLY,
        OPT_LISTEN,
        OPT_COUNT,
        OPT_REJECT_NOTIFICATIONS,
        VLOG_OPTION_ENUMS,
        NVE_SSL_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"remote", required_argument, NULL, OPT_REMOTE},
        {"tes", required_argument, NULL, OPT_TES},
        {"vsi", required_argument, NULL, OPT_VSI},
        {"port", required_argument, NULL, OPT_PORT},
        {"vn", required_argument, NULL, OPT_VN},
        {"vnid", required_argument, NULL, OPT_VNID},
        {"mac", required_argument, NULL, OPT_MAC},
        {"ip", required_argument, NULL, OPT_IP},
        {"vid", required_argument, NULL, OPT_VID},
        {"policy", required_argument, NULL, OPT_POLICY},
        {"mode", required_argument, NULL, OPT_MODE},
        {"id", required_argument, NULL, OPT_ID},
        {"stdin", no_argument, NULL, OPT_STDIN},
        {"raw", no_argument, NULL, OPT_RAW},
        {"no-validate", no_argument, NULL, OPT_NO_VALIDATE},
        {"pretty", no_argument, NULL, OPT_PRETTY},
        {"status-only", no_argument, NULL, OPT_STATUS_ONLY},
        {"listen", no_argument, NULL, OPT_LISTEN},
        {"stay", no_argument, NULL, OPT_LISTEN},
        {"count", required_argument, NULL, OPT_COUNT},
        {"reject-notifications", optional_argument, NULL,
         OPT_REJECT_NOTIFICATIONS},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        VLOG_LONG_OPTIONS,
        NVE_SSL_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(long_options);
    bool from_stdin = false;
    bool raw = false;
    const char *request_option = NULL;

    for (;;) {
        int idx;
        int c = getopt_long(argc, argv, short_options, long_options, &idx);
        if (c == -1) {
            break;
        }

        if (c >= OPT_TES && c <= OPT_ID && !request_option) {
            request_option = long_options[idx].name;
        }

        struct network_opts *net;
        switch (c) {
        case OPT_REMOTE:
            free(remote);
            remote = xstrdup(optarg);
            break;

        case OPT_TES:
            set_once(&rq_opts.tes, "--tes", optarg);
            break;

        case OPT_VSI:
            set_once(&rq_opts.vsi, "--vsi", optarg);
            break;

        case OPT_PORT:
            set_once(&rq_opts.port, "--port", optarg);
            break;

        case OPT_VN:
            add_network()->vn = xstrdup(optarg);
            break;

        case OPT_VNID:
            add_network()->vnid = parse_integer("--vnid", optarg);
            break;

        case OPT_MAC:
            svec_add(&current_network("--mac")->macs, optarg);
            break;

        case OPT_IP:
            svec_add(&current_network("--ip")->ips, optarg);
            break;

        case OPT_VID:
            net = current_network("--vid");
            if (net->has_vid) {
                fatal("--vid given twice for one network");
            }
            net->has_vid = true;
            net->vid = parse_integer("--vid", optarg);
            break;

        case OPT_POLICY:
            net = current_network("--policy");
            if (net->policy) {
                fatal("--policy given twice for one network");
            }
            net->policy = xstrdup(optarg);
            break;

        case OPT_MODE:
            set_once(&rq_opts.mode, "--mode", optarg);
            if (strcmp(optarg, "pre_associate")
                && strcmp(optarg, "associate")) {
                fatal("--mode must be pre_associate or associate");
            }
            break;

        case OPT_ID:
            set_once(&rq_opts.id, "--id", optarg);
            break;

        case OPT_STDIN:
            from_stdin = true;
            break;

        case OPT_RAW:
            raw = true;
            break;

        case OPT_NO_VALIDATE:
            validate = false;
            break;

        case OPT_PRETTY:
            pretty = true;
            break;

        case OPT_STATUS_ONLY:
            status_only = true;
            break;

        case OPT_LISTEN:
            listening = true;
            break;

        case OPT_COUNT:
            if (!str_to_uint(optarg, 10, &max_notifications)
                || !max_notifications) {
                fatal("--count=%s: not a positive integer", optarg);
            }
            listening = true;
            break;

        case OPT_REJECT_NOTIFICATIONS:
            reject = true;
            if (optarg && (!vsi_status_from_name(optarg, &reject_status)
                           || reject_status == VSI_ST_SUCCESS)) {
                fatal("--reject-notifications=%s: not a TNS error status",
                      optarg);
            }
            break;

        case 't':
            if (!nve_options_parse_timeout(optarg, &timeout)) {
                fatal("--timeout=%s: not a positive integer", optarg);
            }
            break;

        case 'h':
            usage();

        case 'V':
            printf("%s (ovs-nve) %s\n", program_name, NVE_VERSION);
            exit(EXIT_SUCCESS);

        VLOG_OPTION_HANDLERS
        NVE_SSL_OPTION_HANDLERS

        case '?':
            exit(EXIT_TROUBLE);

        default:
            abort();
        }
    }
    free(short_options);

    /* What to send. */
    char **args = argv + optind;
    int n_args = argc - optind;
    if (n_args && !strcmp(args[0], "-")) {
        from_stdin = true;
        args++;
        n_args--;
    }
    if (raw) {
        if (from_stdin) {
            fatal("--raw reads standard input: do not also give - or "
                  "--stdin");
        }
        input = INPUT_RAW;
    } else if (from_stdin) {
        input = INPUT_STDIN;
    } else if (n_args) {
        if (!method_is_known(args[0])) {
            fatal("unknown method '%s'; use --help for help", args[0]);
        }
        input = INPUT_OPTIONS;
        rq_opts.method = args[0];
        args++;
        n_args--;
        if (n_args) {
            if (rq_opts.vsi) {
                fatal("VSI given twice, as argument and as --vsi");
            }
            rq_opts.vsi = xstrdup(args[0]);
            args++;
            n_args--;
        }
    } else if (listening) {
        input = INPUT_NONE;
    } else {
        fatal("missing method; use --help for help");
    }
    if (n_args) {
        fatal("too many arguments; use --help for help");
    }

    if (input != INPUT_OPTIONS && request_option) {
        fatal("--%s is only for a request given by a method and options",
              request_option);
    }
    if (raw && (listening || pretty || status_only || reject || !validate)) {
        fatal("--raw takes none of --listen, --count, "
              "--reject-notifications, --pretty, --status-only and "
              "--no-validate");
    }
    if (reject && !listening) {
        fatal("--reject-notifications requires --listen");
    }

    if (!remote) {
        remote = xasprintf("unix:%s/nve-tns.sock", ovs_rundir());
    } else if (stream_verify_name(remote)) {
        fatal("%s: not a valid target (use unix:FILE, tcp:HOST:PORT or "
              "ssl:HOST:PORT)", remote);
    }
}

static void
usage(void)
{
    printf("\
%s: signals VSI lifecycle events to nve-controller over TNS\n\
usage: %s [OPTIONS] METHOD [VSI]   send one request built from options\n\
       %s [OPTIONS] -              send the JSON requests on stdin\n\
       %s [OPTIONS] --raw          send stdin verbatim\n\
       %s [OPTIONS] --listen       print and answer notifications\n\
Replies and notifications are printed one JSON value per line.\n\
\n\
Methods:\n\
  pre_associate, associate, immigrate       need --vsi, --vn or --vnid\n\
  suspend, resume, emigrate, terminate, keepalive, get      need --vsi\n\
\n\
Request options:\n\
  --tes=NAME                  identity of the TES (hypervisor)\n\
  --vsi=ID                    the VSI (VM interface), or the VSI argument\n\
  --port=NAME                 NVE-side OVS port behind which the TES sits\n\
  --vn=NAME | --vnid=N        add a network; the options below apply to\n\
                              the last network added:\n\
    --mac=MAC                   MAC address of the VSI (repeatable)\n\
    --ip=IP                     IP address of the VSI (repeatable)\n\
    --vid=N                     local VID to request (0: NVE assigns)\n\
    --policy=NAME               policy profile\n\
  --mode=pre_associate|associate  what immigrate does (required)\n\
  --id=ID                     JSON-RPC id of the request (default: 1)\n\
  --no-validate               send requests even if they are invalid\n\
\n\
Input and output options:\n\
  -, --stdin                  read requests from stdin, one per line\n\
  --raw                       send stdin verbatim, print replies verbatim\n\
  --pretty                    print JSON indented, not on one line\n\
  --status-only               print only the status of each reply\n\
  --listen, --stay            stay connected; print and answer the NVE's\n\
                              notifications\n\
  --count=N                   exit after N notifications (implies --listen)\n\
  --reject-notifications[=STATUS]  answer notifications with an error\n\
                              (default STATUS: INVALID_STATE)\n\
  -t, --timeout=SECS          fail after SECS seconds\n\
\n\
Connection options:\n\
  --remote=TARGET             unix:FILE, tcp:IP:PORT or ssl:IP:PORT\n\
                              (default: unix:%s/nve-tns.sock)\n",
           program_name, program_name, program_name, program_name,
           program_name, ovs_rundir());
    printf("\n\
PKI configuration (required to use SSL):\n\
  -p, --private-key=FILE      file with private key\n\
  -c, --certificate=FILE      file with certificate for private key\n\
  -C, --ca-cert=FILE          file with peer CA certificate\n\
  --bootstrap-ca-cert=FILE    peer CA certificate file to read or create\n\
  --peer-ca-cert=FILE         file with CA certificate to send to the peer\n");
    vlog_usage();
    printf("\n\
Other options:\n\
  -h, --help                  display this help message\n\
  -V, --version               display version information\n\
\n\
Exit status: 0 if every reply is SUCCESS, 1 if any reply is an error,\n\
2 for usage, connection and protocol errors and timeouts.\n");
    exit(EXIT_SUCCESS);
}
