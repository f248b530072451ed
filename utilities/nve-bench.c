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

/* nve-bench: load generator and stopwatch for nve-controller.
 *
 * TNS mode: persistent connections to the NVE, requests for VSIs
 * PREFIX0, PREFIX1... sent back to back, with at most --concurrency
 * unanswered at once, optionally grouped into JSON-RPC batches.  Every reply
 * is checked (SUCCESS or not), timed against the moment its request was
 * written, and the run reports throughput (first request sent to last reply
 * received) and latency percentiles.  Replies come, as always, only once the
 * change is committed and its flows are installed: nve-bench measures
 * signalling to forwarding.
 *
 * OpenFlow mode (--flows): the raw Open vSwitch limit for comparison.  It
 * reads flows in "ovs-ofctl dump-flows --no-stats" syntax and pushes them as
 * adds over one OpenFlow 1.5 connection, in bundles followed by barriers, and
 * reports the same way, with no controller logic in between.
 *
 * IDL mode (--idl-load): the raw limit of a restart.  It loads the VSI and
 * VSI_Binding tables of the NVE database at TARGET through the same IDL as
 * nve-controller, with nothing else, and reports how long that took, and
 * how much resident memory the replica took per row.
 *
 * Requests and replies are produced and scanned by hand, not through a JSON
 * library, so that the client costs as little CPU as possible on a machine
 * it shares with the daemons it measures. */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "command-line.h"
#include "fatal-signal.h"
#include "lib/nve-idl.h"
#include "nve-options.h"
#include "ovsdb-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-bundle.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-print.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "stream.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(nve_bench);

/* Options. */
static const char *method = "associate";
static size_t count = 1000;
static size_t first;
static size_t concurrency = 256;
static size_t batch = 1;
static size_t n_conns = 1;
static size_t n_vns = 1;
static size_t n_ports = 1;
static const char *vsi_prefix = "vsi-";
static const char *tes_prefix = "hv-";
static const char *port_prefix = "tes-";
static const char *vn_prefix = "vn-";
static const char *label;
static bool kv_output;
static unsigned int timeout = 600;
static const char *flows_file;
static bool idl_load;
static bool idl_vsi_id_only;
static size_t bundle_size = 1000;

static void parse_options(int argc, char *argv[]);
OVS_NO_RETURN static void usage(void);

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * UINT64_C(1000000000) + ts.tv_nsec;
}

/* Results. */

struct results {
    uint64_t start_ns, end_ns;  /* First request sent, last reply in. */
    uint64_t *latency_ns;       /* Per request (or bundle), in order. */
    size_t n;                   /* Answered. */
    size_t n_ok, n_failed;
    char *first_error;          /* The first failure's text. */
    const char *unit;           /* "requests" or "flows". */
    size_t n_units;             /* Units done (flows, for OpenFlow). */
};

static int
compare_u64(const void *a_, const void *b_)
{
    const uint64_t *a = a_, *b = b_;
    return *a < *b ? -1 : *a > *b;
}

static double
percentile_us(const uint64_t *sorted, size_t n, double p)
{
    if (!n) {
        return 0;
    }
    size_t i = (size_t) (p / 100.0 * (n - 1) + 0.5);
    return sorted[MIN(i, n - 1)] / 1000.0;
}

/* The bytes that this process has allocated and not freed, or -1 if
 * unknown. */
static long long int
heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#else
    return -1;
#endif
}

/* This process's resident set size, in kB, or -1 if unknown. */
static long long int
rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    long long int kib = -1;
    char line[128];

    if (f) {
        while (fgets(line, sizeof line, f)) {
            if (sscanf(line, "VmRSS: %lld kB", &kib) == 1) {
                break;
            }
        }
        fclose(f);
    }
    return kib;
}

static void
results_print(struct results *r)
{
    double secs = (r->end_ns - r->start_ns) / 1e9;
    double rate = secs > 0 ? r->n_units / secs : 0;

    if (r->n) {
        qsort(r->latency_ns, r->n, sizeof *r->latency_ns, compare_u64);
    }
    double p50 = percentile_us(r->latency_ns, r->n, 50);
    double p90 = percentile_us(r->latency_ns, r->n, 90);
    double p99 = percentile_us(r->latency_ns, r->n, 99);
    double max = r->n ? r->latency_ns[r->n - 1] / 1000.0 : 0;

    if (kv_output) {
        printf("%s%sunits=%s n=%"PRIuSIZE" ok=%"PRIuSIZE" failed=%"PRIuSIZE
               " elapsed_ms=%.3f rate=%.1f us_per_unit=%.3f"
               " p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f\n",
               label ? label : "", label ? " " : "", r->unit, r->n_units,
               r->n_ok, r->n_failed, secs * 1e3, rate,
               r->n_units ? secs * 1e6 / r->n_units : 0, p50, p90, p99, max);
    } else {
        printf("%s%s%"PRIuSIZE" %s in %.3f ms: %.0f/s\n",
               label ? label : "", label ? ": " : "", r->n_units, r->unit,
               secs * 1e3, rate);
        printf("  ok %"PRIuSIZE", failed %"PRIuSIZE"\n", r->n_ok,
               r->n_failed);
        printf("  latency (us): p50 %.1f, p90 %.1f, p99 %.1f, max %.1f\n",
               p50, p90, p99, max);
    }
    if (r->first_error) {
        fprintf(stderr, "%s: first failure: %s\n", program_name,
                r->first_error);
    }
}

/* TNS mode. */

struct conn {
    struct stream *stream;
    struct ds tx;               /* Queued bytes... */
    size_t tx_ofs;              /* ...of which this many are sent. */
    struct ds rx;               /* Received, not yet a whole line. */
    size_t in_flight;           /* Requests sent, not answered. */
};

static struct conn *conns;
static uint64_t *sent_ns;       /* By request index, 0 if not yet sent. */
static struct results res;

static void
put_json_string(struct ds *ds, const char *prefix, size_t i)
{
    ds_put_format(ds, "\"%s%"PRIuSIZE"\"", prefix, i);
}

/* Appends request number 'k' (0-based, for VSI first + k) to 'ds'. */
static void
put_request(struct ds *ds, size_t k)
{
    size_t i = first + k;
    size_t port = i % n_ports;
    size_t vn = (i / n_ports) % n_vns;

    ds_put_format(ds, "{\"jsonrpc\":\"2.0\",\"id\":%"PRIuSIZE","
                  "\"method\":\"%s\",\"params\":{\"tes\":", k + 1, method);
    put_json_string(ds, tes_prefix, port);
    ds_put_cstr(ds, ",\"vsi\":");
    put_json_string(ds, vsi_prefix, i);
    if (!strcmp(method, "associate") || !strcmp(method, "pre_associate")
        || !strcmp(method, "immigrate")) {
        ds_put_cstr(ds, ",\"port\":");
        put_json_string(ds, port_prefix, port);
        if (!strcmp(method, "immigrate")) {
            ds_put_cstr(ds, ",\"mode\":\"associate\"");
        }
        /* A locally administered MAC and an IPv4 address, both unique. */
        uint32_t u = i;
        ds_put_cstr(ds, ",\"networks\":[{\"vn\":");
        put_json_string(ds, vn_prefix, vn);
        ds_put_format(ds, ",\"macs\":[\"02:00:%02x:%02x:%02x:%02x\"],"
                      "\"ips\":[\"10.%u.%u.%u\"]}]",
                      u >> 24, (u >> 16) & 0xff, (u >> 8) & 0xff, u & 0xff,
                      (u >> 16) & 0xff, (u >> 8) & 0xff, u & 0xff);
    }
    ds_put_cstr(ds, "}}");
}

/* Scanning replies.  The NVE writes compact JSON; what we need is, for each
 * top-level object (one, or each element of an array): its "id", whether it
 * has "error", and the error's "message". */

/* Skips a JSON string starting at the quote at 's', returns what follows. */
static const char *
skip_string(const char *s, const char *end)
{
    for (s++; s < end; s++) {
        if (*s == '\\') {
            s++;
        } else if (*s == '"') {
            return s + 1;
        }
    }
    return end;
}

/* Skips one JSON value at 's'. */
static const char *
skip_value(const char *s, const char *end)
{
    int depth = 0;

    while (s < end) {
        char c = *s;
        if (c == '"') {
            s = skip_string(s, end);
            if (!depth) {
                return s;
            }
            continue;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (!depth) {
                return s;
            }
            if (!--depth) {
                return s + 1;
            }
        } else if (!depth && (c == ',')) {
            return s;
        }
        s++;
    }
    return end;
}

static void reply_done(size_t id, bool ok, const char *text, size_t len,
                       uint64_t t);

/* Handles the object at 's' (its '{'). */
static const char *
scan_reply(const char *s, const char *end, uint64_t t)
{
    const char *obj = s;
    const char *objend = skip_value(s, end);
    long long int id = -1;
    bool error = false;
    bool notification = false;

    s++;
    while (s < objend) {
        while (s < objend && (*s == ' ' || *s == ',')) {
            s++;
        }
        if (s >= objend || *s != '"') {
            break;
        }
        const char *key = s + 1;
        s = skip_string(s, objend);
        size_t keylen = s - 1 - key;
        while (s < objend && (*s == ':' || *s == ' ')) {
            s++;
        }
        if (keylen == 2 && !memcmp(key, "id", 2)) {
            id = strtoll(s, NULL, 10);
        } else if (keylen == 5 && !memcmp(key, "error", 5)) {
            error = true;
        } else if (keylen == 6 && !memcmp(key, "method", 6)) {
            notification = true;
        }
        s = skip_value(s, objend);
    }
    if (notification) {
        VLOG_WARN("notification from NVE: %.*s", (int) (objend - obj), obj);
    } else if (id > 0 && (size_t) id <= count) {
        reply_done(id - 1, !error, obj, objend - obj, t);
    } else {
        ovs_fatal(0, "reply with unexpected id: %.*s", (int) (objend - obj),
                  obj);
    }
    return objend;
}

static void
reply_done(size_t k, bool ok, const char *text, size_t len, uint64_t t)
{
    if (!sent_ns[k]) {
        ovs_fatal(0, "reply to request %"PRIuSIZE" not sent or answered "
                  "twice", k + 1);
    }
    res.latency_ns[res.n++] = t - sent_ns[k];
    sent_ns[k] = 0;
    if (ok) {
        res.n_ok++;
    } else {
        res.n_failed++;
        if (!res.first_error) {
            res.first_error = xmemdup0(text, len);
        }
    }
    res.n_units++;
}

static void
handle_line(struct conn *c, const char *line, size_t len, uint64_t t)
{
    const char *end = line + len;
    const char *s = line;

    while (s < end && *s == ' ') {
        s++;
    }
    if (s < end && *s == '[') {
        for (s++; s < end && *s != ']'; ) {
            if (*s == '{') {
                s = scan_reply(s, end, t);
                c->in_flight--;
            } else {
                s++;
            }
        }
    } else if (s < end && *s == '{') {
        size_t before = res.n;
        scan_reply(s, end, t);
        c->in_flight -= res.n - before;
    } else {
        ovs_fatal(0, "unexpected line from NVE: %.*s", (int) len, line);
    }
}

static void
conn_send(struct conn *c)
{
    while (c->tx_ofs < c->tx.length) {
        int n = stream_send(c->stream, c->tx.string + c->tx_ofs,
                            c->tx.length - c->tx_ofs);
        if (n == -EAGAIN) {
            break;
        } else if (n < 0) {
            ovs_fatal(-n, "send failed");
        }
        c->tx_ofs += n;
    }
    if (c->tx_ofs >= c->tx.length) {
        ds_clear(&c->tx);
        c->tx_ofs = 0;
    }
}

static void
conn_recv(struct conn *c)
{
    for (;;) {
        char buf[65536];
        int n = stream_recv(c->stream, buf, sizeof buf);
        if (n == -EAGAIN) {
            return;
        } else if (n <= 0) {
            ovs_fatal(n ? -n : 0, "connection closed by the NVE");
        }
        uint64_t t = now_ns();
        size_t old = c->rx.length;
        ds_put_buffer(&c->rx, buf, n);

        char *p = c->rx.string;
        char *end = p + c->rx.length;
        char *nl = memchr(p + old, '\n', end - (p + old));
        while (nl) {
            handle_line(c, p, nl - p, t);
            p = nl + 1;
            nl = memchr(p, '\n', end - p);
        }
        size_t rest = end - p;
        memmove(c->rx.string, p, rest);
        c->rx.length = rest;
    }
}

static int
run_tns(const char *target)
{
    conns = xcalloc(n_conns, sizeof *conns);
    for (size_t i = 0; i < n_conns; i++) {
        struct conn *c = &conns[i];
        int error = stream_open_block(stream_open(target, &c->stream,
                                                  DSCP_DEFAULT),
                                      timeout * 1000LL, &c->stream);
        if (error) {
            ovs_fatal(error, "%s: connection failed", target);
        }
        ds_init(&c->tx);
        ds_init(&c->rx);
    }

    sent_ns = xcalloc(MAX(count, 1), sizeof *sent_ns);
    res.latency_ns = xcalloc(MAX(count, 1), sizeof *res.latency_ns);
    res.unit = "requests";

    long long int deadline = time_msec() + timeout * 1000LL;
    size_t next = 0;            /* Next request to send. */
    size_t next_conn = 0;
    res.start_ns = now_ns();
    while (res.n < count) {
        /* Queue as many requests as the window allows, in batches, across
         * the connections in turn. */
        for (;;) {
            struct conn *c = &conns[next_conn];
            size_t in_flight = 0;
            for (size_t i = 0; i < n_conns; i++) {
                in_flight += conns[i].in_flight;
            }
            size_t room = concurrency > in_flight ? concurrency - in_flight
                                                  : 0;
            size_t n = MIN(MIN(batch, count - next), room);
            if (!n || (n < batch && n < count - next && in_flight)) {
                /* Wait for room for a whole batch, unless it is the
                 * last. */
                break;
            }
            uint64_t t = now_ns();
            if (batch > 1) {
                ds_put_char(&c->tx, '[');
            }
            for (size_t i = 0; i < n; i++) {
                if (i) {
                    ds_put_char(&c->tx, ',');
                }
                put_request(&c->tx, next);
                sent_ns[next++] = t;
            }
            if (batch > 1) {
                ds_put_char(&c->tx, ']');
            }
            ds_put_char(&c->tx, '\n');
            c->in_flight += n;
            conn_send(c);
            /* Timestamps are for the moment the request was written. */
            next_conn = (next_conn + 1) % n_conns;
        }

        for (size_t i = 0; i < n_conns; i++) {
            struct conn *c = &conns[i];
            stream_run(c->stream);
            conn_send(c);
            conn_recv(c);
        }
        if (res.n >= count) {
            break;
        }
        if (next < count) {
            /* Replies may have made room for more requests. */
            size_t in_flight = 0;
            for (size_t i = 0; i < n_conns; i++) {
                in_flight += conns[i].in_flight;
            }
            if (concurrency >= in_flight + MIN(batch, count - next)) {
                poll_immediate_wake();
            }
        }
        if (time_msec() > deadline) {
            ovs_fatal(0, "timeout after %u s: %"PRIuSIZE" of %"PRIuSIZE
                      " replies", timeout, res.n, count);
        }

        for (size_t i = 0; i < n_conns; i++) {
            struct conn *c = &conns[i];
            stream_run_wait(c->stream);
            stream_recv_wait(c->stream);
            if (c->tx.length) {
                stream_send_wait(c->stream);
            }
        }
        poll_timer_wait_until(deadline);
        poll_block();
    }
    res.end_ns = now_ns();

    results_print(&res);
    for (size_t i = 0; i < n_conns; i++) {
        stream_close(conns[i].stream);
        ds_destroy(&conns[i].tx);
        ds_destroy(&conns[i].rx);
    }
    free(conns);
    free(sent_ns);
    return res.n_failed ? 2 : 0;
}

/* OpenFlow mode: the raw Open vSwitch limit. */

static struct ovs_list *
read_flow_mods(const char *file_name, size_t *n_flows)
{
    struct ovs_list *msgs = xmalloc(sizeof *msgs);
    FILE *stream = !strcmp(file_name, "-") ? stdin : fopen(file_name, "r");
    struct ds line = DS_EMPTY_INITIALIZER;
    int line_number = 0;

    if (!stream) {
        ovs_fatal(errno, "%s: open failed", file_name);
    }
    ovs_list_init(msgs);
    *n_flows = 0;
    while (!ds_get_preprocessed_line(&line, stream, &line_number)) {
        const char *s = ds_cstr(&line);
        /* Skip the header of a dump. */
        if (strstr(s, "_REPLY") || strstr(s, "reply (")) {
            continue;
        }

        struct ofputil_flow_mod fm;
        enum ofputil_protocol usable;
        char *error = parse_ofp_flow_mod_str(&fm, s, NULL, NULL, OFPFC_ADD,
                                             &usable);
        if (error) {
            ovs_fatal(0, "%s:%d: %s", file_name, line_number, error);
        }
        struct ofpbuf *msg = ofputil_encode_flow_mod(&fm,
                                                     OFPUTIL_P_OF15_OXM);
        ovs_list_push_back(msgs, &msg->list_node);
        minimatch_destroy(&fm.match);
        free(CONST_CAST(struct ofpact *, fm.ofpacts));
        (*n_flows)++;
    }
    ds_destroy(&line);
    if (stream != stdin) {
        fclose(stream);
    }
    return msgs;
}

static void
vconn_send_or_die(struct vconn *vconn, struct ofpbuf *msg)
{
    /* vconn_send_block() would wait for room one message at a time; the
     * sends here are non-blocking and replies are read in between, so that
     * neither side stalls on a full socket. */
    int error = vconn_send_block(vconn, msg);
    if (error) {
        ovs_fatal(error, "send to switch failed");
    }
}

static int
run_openflow(const char *target)
{
    size_t n_flows;
    struct ovs_list *msgs = read_flow_mods(flows_file, &n_flows);
    struct vconn *vconn;

    int error = vconn_open_block(target, 1u << OFP15_VERSION, DSCP_DEFAULT,
                                 timeout * 1000LL, &vconn);
    if (error) {
        ovs_fatal(error, "%s: connection failed", target);
    }

    size_t n_bundles = DIV_ROUND_UP(n_flows, MAX(bundle_size, 1));
    ovs_be32 *barrier_xids = xcalloc(MAX(n_bundles, 1),
                                     sizeof *barrier_xids);
    uint64_t *bundle_sent = xcalloc(MAX(n_bundles, 1), sizeof *bundle_sent);
    res.latency_ns = xcalloc(MAX(n_bundles, 1), sizeof *res.latency_ns);
    res.unit = "flows";

    /* Sending and receiving alternate: each bundle goes out whole (open,
     * adds, commit, barrier), then whatever the switch has answered is
     * read, so that at most a few bundles wait in the socket. */
    size_t n_done = 0;
    size_t b = 0;
    long long int deadline = time_msec() + timeout * 1000LL;
    res.start_ns = now_ns();
    while (n_done < n_bundles) {
        if (b < n_bundles && b - n_done < 4) {
            struct ofputil_bundle_ctrl_msg bcm = {
                .bundle_id = b,
                .type = OFPBCT_OPEN_REQUEST,
                .flags = OFPBF_ATOMIC | OFPBF_ORDERED,
            };
            struct ofpbuf *open = ofputil_encode_bundle_ctrl_request(
                OFP15_VERSION, &bcm);
            ovs_be32 xid = ((struct ofp_header *) open->data)->xid;
            bundle_sent[b] = now_ns();
            vconn_send_or_die(vconn, open);
            for (size_t i = 0; i < bundle_size && !ovs_list_is_empty(msgs);
                 i++) {
                struct ofpbuf *fm = CONTAINER_OF(ovs_list_pop_front(msgs),
                                                 struct ofpbuf, list_node);
                ((struct ofp_header *) fm->data)->xid = xid;
                struct ofputil_bundle_add_msg bam = {
                    .bundle_id = b,
                    .flags = bcm.flags,
                    .msg = fm->data,
                };
                vconn_send_or_die(vconn, ofputil_encode_bundle_add(
                                      OFP15_VERSION, &bam));
                ofpbuf_delete(fm);
            }
            bcm.type = OFPBCT_COMMIT_REQUEST;
            struct ofpbuf *commit = ofputil_encode_bundle_ctrl_request(
                OFP15_VERSION, &bcm);
            ((struct ofp_header *) commit->data)->xid = xid;
            vconn_send_or_die(vconn, commit);
            struct ofpbuf *barrier = ofputil_encode_barrier_request(
                OFP15_VERSION);
            barrier_xids[b] = ((struct ofp_header *) barrier->data)->xid;
            vconn_send_or_die(vconn, barrier);
            b++;
            continue;
        }

        struct ofpbuf *reply;
        error = vconn_recv_block(vconn, &reply);
        if (error) {
            ovs_fatal(error, "receive from switch failed");
        }
        const struct ofp_header *oh = reply->data;
        enum ofptype type;
        if (!ofptype_decode(&type, oh)) {
            if (type == OFPTYPE_ERROR) {
                res.n_failed++;
                if (!res.first_error) {
                    res.first_error = ofp_to_string(oh, ntohs(oh->length),
                                                    NULL, NULL, 1);
                }
            } else if (type == OFPTYPE_BARRIER_REPLY) {
                if (oh->xid != barrier_xids[n_done]) {
                    ovs_fatal(0, "barrier replies out of order");
                }
                uint64_t t = now_ns();
                res.latency_ns[res.n++] = t - bundle_sent[n_done];
                res.n_units += MIN(bundle_size,
                                   n_flows - n_done * bundle_size);
                n_done++;
            } else if (type == OFPTYPE_ECHO_REQUEST) {
                vconn_send_or_die(vconn, ofputil_encode_echo_reply(oh));
            }
        }
        ofpbuf_delete(reply);
        if (time_msec() > deadline) {
            ovs_fatal(0, "timeout after %u s", timeout);
        }
    }
    res.end_ns = now_ns();
    res.n_ok = res.n_failed ? 0 : res.n;
    results_print(&res);
    vconn_close(vconn);
    free(barrier_xids);
    free(bundle_sent);
    free(msgs);
    return res.n_failed ? 2 : 0;
}

/* IDL mode. */
static int
run_idl_load(const char *target)
{
    struct ovsdb_idl *idl = ovsdb_idl_create(target, &nverec_idl_class,
                                             false, true);
    ovsdb_idl_add_table(idl, &nverec_table_vsi);
    if (idl_vsi_id_only) {
        /* What nve-controller's main IDL replicates of them (vsi-db.c). */
        ovsdb_idl_add_column(idl, &nverec_vsi_col_vsi_id);
    } else {
        for (size_t i = 0; i < NVEREC_VSI_N_COLUMNS; i++) {
            ovsdb_idl_add_column(idl, &nverec_vsi_columns[i]);
        }
        ovsdb_idl_add_table(idl, &nverec_table_vsi_binding);
        for (size_t i = 0; i < NVEREC_VSI_BINDING_N_COLUMNS; i++) {
            ovsdb_idl_add_column(idl, &nverec_vsi_binding_columns[i]);
        }
    }

    struct results res = { .unit = "rows" };
    long long int rss0 = rss_kib();
    long long int heap0 = heap_in_use();
    res.start_ns = now_ns();
    long long int deadline = time_msec() + timeout * 1000LL;
    for (;;) {
        ovsdb_idl_run(idl);
        if (ovsdb_idl_has_ever_connected(idl)) {
            break;
        }
        if (!ovsdb_idl_is_alive(idl)) {
            ovs_fatal(0, "%s: %s", target,
                      ovsdb_idl_get_last_error(idl)
                      ? ovs_strerror(ovsdb_idl_get_last_error(idl))
                      : "connection failed");
        }
        if (time_msec() > deadline) {
            ovs_fatal(0, "timeout after %u s", timeout);
        }
        ovsdb_idl_wait(idl);
        poll_timer_wait_until(deadline);
        poll_block();
    }
    res.end_ns = now_ns();
    const struct nverec_vsi *vsi;
    NVEREC_VSI_FOR_EACH (vsi, idl) {
        res.n_units++;
    }
    const struct nverec_vsi_binding *binding;
    NVEREC_VSI_BINDING_FOR_EACH (binding, idl) {
        res.n_units++;
    }
    res.n_ok = res.n_units;
    results_print(&res);

    /* The memory that the replica holds (allocated and not freed), and
     * the resident memory that loading it took (which includes what the
     * parsing of the monitor reply freed but the allocator keeps). */
    long long int rss1 = rss_kib();
    long long int heap1 = heap_in_use();
    if (rss0 >= 0 && rss1 >= 0 && heap0 >= 0 && heap1 >= 0 && res.n_units) {
        long long int n = res.n_units;
        if (kv_output) {
            printf("rss_bytes_per_row=%lld heap_bytes_per_row=%lld\n",
                   (rss1 - rss0) * 1024 / n, (heap1 - heap0) / n);
        } else {
            printf("  memory per row: %lld bytes resident, %lld bytes "
                   "allocated\n", (rss1 - rss0) * 1024 / n,
                   (heap1 - heap0) / n);
        }
    }
    ovsdb_idl_destroy(idl);
    return 0;
}

int
main(int argc, char *argv[])
{
    ovs_set_program_name(argv[0], NVE_VERSION);
    fatal_ignore_sigpipe();
    parse_options(argc, argv);

    if (argc - optind != 1) {
        ovs_fatal(0, "exactly one target required (use --help for help)");
    }
    const char *target = argv[optind];
    return (idl_load ? run_idl_load(target)
            : flows_file ? run_openflow(target)
            : run_tns(target));
}

static size_t
parse_size(const char *option, const char *arg, size_t min)
{
    char *end;
    errno = 0;
    unsigned long long int value = strtoull(arg, &end, 10);
    if (errno || *end || !*arg || value < min || value > SIZE_MAX / 64) {
        ovs_fatal(0, "--%s: \"%s\" is not an integer of at least %"PRIuSIZE,
                  option, arg, min);
    }
    return value;
}

static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_FIRST = UCHAR_MAX + 1,
        OPT_VNS,
        OPT_PORTS,
        OPT_VSI_PREFIX,
        OPT_TES_PREFIX,
        OPT_PORT_PREFIX,
        OPT_VN_PREFIX,
        OPT_LABEL,
        OPT_KV,
        OPT_FLOWS,
        OPT_BUNDLE_SIZE,
        OPT_IDL_LOAD,
        OPT_IDL_VSI_ID_ONLY,
        VLOG_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"method", required_argument, NULL, 'm'},
        {"count", required_argument, NULL, 'n'},
        {"first", required_argument, NULL, OPT_FIRST},
        {"concurrency", required_argument, NULL, 'c'},
        {"batch", required_argument, NULL, 'b'},
        {"connections", required_argument, NULL, 'j'},
        {"vns", required_argument, NULL, OPT_VNS},
        {"ports", required_argument, NULL, OPT_PORTS},
        {"vsi-prefix", required_argument, NULL, OPT_VSI_PREFIX},
        {"tes-prefix", required_argument, NULL, OPT_TES_PREFIX},
        {"port-prefix", required_argument, NULL, OPT_PORT_PREFIX},
        {"vn-prefix", required_argument, NULL, OPT_VN_PREFIX},
        {"label", required_argument, NULL, OPT_LABEL},
        {"kv", no_argument, NULL, OPT_KV},
        {"flows", required_argument, NULL, OPT_FLOWS},
        {"bundle-size", required_argument, NULL, OPT_BUNDLE_SIZE},
        {"idl-load", no_argument, NULL, OPT_IDL_LOAD},
        {"idl-vsi-id-only", no_argument, NULL, OPT_IDL_VSI_ID_ONLY},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        VLOG_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(long_options);

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }

        switch (c) {
        case 'm':
            method = optarg;
            break;
        case 'n':
            count = parse_size("count", optarg, 0);
            break;
        case OPT_FIRST:
            first = parse_size("first", optarg, 0);
            break;
        case 'c':
            concurrency = parse_size("concurrency", optarg, 1);
            break;
        case 'b':
            batch = parse_size("batch", optarg, 1);
            break;
        case 'j':
            n_conns = parse_size("connections", optarg, 1);
            break;
        case OPT_VNS:
            n_vns = parse_size("vns", optarg, 1);
            break;
        case OPT_PORTS:
            n_ports = parse_size("ports", optarg, 1);
            break;
        case OPT_VSI_PREFIX:
            vsi_prefix = optarg;
            break;
        case OPT_TES_PREFIX:
            tes_prefix = optarg;
            break;
        case OPT_PORT_PREFIX:
            port_prefix = optarg;
            break;
        case OPT_VN_PREFIX:
            vn_prefix = optarg;
            break;
        case OPT_LABEL:
            label = optarg;
            break;
        case OPT_KV:
            kv_output = true;
            break;
        case OPT_FLOWS:
            flows_file = optarg;
            break;
        case OPT_BUNDLE_SIZE:
            bundle_size = parse_size("bundle-size", optarg, 1);
            break;
        case OPT_IDL_LOAD:
            idl_load = true;
            break;
        case OPT_IDL_VSI_ID_ONLY:
            idl_vsi_id_only = true;
            break;
        case 't':
            if (!nve_options_parse_timeout(optarg, &timeout)) {
                ovs_fatal(0, "--timeout: \"%s\" is not an integer of at "
                          "least 1", optarg);
            }
            break;
        case 'h':
            usage();
        case 'V':
            ovs_print_version(0, 0);
            exit(EXIT_SUCCESS);
        VLOG_OPTION_HANDLERS
        case '?':
            exit(EXIT_FAILURE);
        default:
            abort();
        }
    }
    free(short_options);
    if (batch > concurrency) {
        ovs_fatal(0, "--batch (%"PRIuSIZE") may not exceed --concurrency "
                  "(%"PRIuSIZE")", batch, concurrency);
    }
}

static void
usage(void)
{
    printf("\
%s: signalling-to-forwarding benchmark for nve-controller\n\
usage: %s [OPTIONS] TARGET               (TNS mode)\n\
       %s --flows=FILE [OPTIONS] TARGET  (raw OpenFlow mode)\n\
       %s --idl-load [OPTIONS] TARGET    (raw IDL mode)\n\
\n\
TNS mode: connects to the NVE at TARGET (e.g. unix:RUNDIR/nve-tns.sock) and\n\
sends one request per VSI PREFIX<first>...PREFIX<first+count-1>, at most\n\
--concurrency unanswered at once, --batch requests per line (a JSON-RPC\n\
batch when more than one), spread over --connections connections.  VSI i\n\
is behind TES-facing port <port-prefix>(i %% ports) of TES\n\
<tes-prefix>(i %% ports), in VN <vn-prefix>((i / ports) %% vns), with MAC\n\
02:00:i and IPv4 address 10.i (the low 32 and 24 bits of i).\n\
\n\
  -m, --method=METHOD     associate (default), pre_associate, suspend,\n\
                          resume, emigrate, immigrate, terminate,\n\
                          keepalive, get\n\
  -n, --count=N           number of requests (default 1000)\n\
      --first=I           index of the first VSI (default 0)\n\
  -c, --concurrency=C     requests in flight at most (default 256);\n\
                          1 times each request alone\n\
  -b, --batch=B           requests per line (default 1)\n\
  -j, --connections=J     TNS connections (default 1)\n\
      --vns=V             VNs the VSIs are spread over (default 1)\n\
      --ports=P           TES-facing ports, one TES each (default 1)\n\
      --vsi-prefix=S      (default vsi-)   --tes-prefix=S  (default hv-)\n\
      --port-prefix=S     (default tes-)   --vn-prefix=S   (default vn-)\n\
\n\
OpenFlow mode: reads FILE (- for stdin) in \"ovs-ofctl dump-flows\n\
--no-stats\" syntax and adds its flows over one OpenFlow 1.5 connection to\n\
TARGET (e.g. unix:RUNDIR/br-raw.mgmt) in bundles, each followed by a\n\
barrier; latencies are those of whole bundles.\n\
\n\
      --flows=FILE        flows to add\n\
      --bundle-size=K     flow_mods per bundle (default 1000)\n\
\n\
IDL mode: loads the VSI and VSI_Binding tables of the NVE database at\n\
TARGET (e.g. unix:RUNDIR/db.sock) through nve-controller's IDL, with\n\
nothing else, and reports the rows, the time from connecting to\n\
loaded, and the memory per row: resident, and allocated and not freed\n\
(the replica itself).\n\
\n\
      --idl-vsi-id-only   only the VSI table's vsi_id column (the cost of\n\
                          an IDL row whatever it replicates)\n\
\n\
Output:\n\
      --label=TEXT        prefix the results with TEXT\n\
      --kv                one line of key=value pairs\n\
  -t, --timeout=SECS      give up after SECS seconds (default 600)\n\
  -h, --help              display this help message\n\
  -V, --version           display version information\n\
\n\
Throughput is from the first request sent to the last reply received;\n\
latency from the moment a request was written to its reply.  The exit\n\
status is 0 if every reply was SUCCESS, 2 if any failed.\n",
           program_name, program_name, program_name, program_name);
    vlog_usage();
    exit(EXIT_SUCCESS);
}
