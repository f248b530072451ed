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

/* The TNS endpoint of nve-controller (tns-server.h): listeners and
 * connections, line framing, bounded reading, the translation of decoded
 * requests (lib/tns.c) into struct vsi_request for the VSI table, replies
 * held until the barrier (barrier.h) confirms their change or their
 * deadline makes them BUSY, and the NVE's own notifications. */

#include <config.h>
#include "nve-jansson.h"
#include "tns-server.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#if HAVE_DECL_MALLOC_TRIM
#include <malloc.h>
#endif
#include "lib/tns.h"
#include "barrier.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "sset.h"
#include "stream.h"
#include "timeval.h"
#include "util.h"
#include "tns-queue.h"
#include "tns-reply.h"
#include "tns-result.h"
#include "uuid.h"
#include "vsi-counters.h"
#include "vsi-table.h"

VLOG_DEFINE_THIS_MODULE(tns_server);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Per iteration and connection: bytes read, so that one busy peer leaves
 * time for the others. */
#define READ_BUDGET (256 * 1024)

/* Per iteration and connection: messages handled (the line that reaches the
 * limit is handled whole), since a tiny invalid message costs as much as a
 * request to answer.  It also keeps an iteration short, and that is what
 * lets the database and the switch work beside the controller: each
 * iteration ends by sending its changes to both, so that ovsdb-server
 * commits one iteration's rows and ovs-vswitchd installs its flows while
 * the next iteration's requests are decoded.  An iteration that took
 * thousands of requests at once left them idle meanwhile and then the
 * controller idle, waiting for both: at 100,000 associations with 4,096 in
 * flight, the two cores were a third idle, and the bulk took 10-20% longer
 * than with 64 (BENCHMARK.md, session 13). */
#define MSG_BUDGET 64

/* A notification sent on a connection, awaiting the TES's reply. */
struct tns_sent {
    struct hmap_node node;      /* In tns_conn 'sent', by id. */
    long long int id;
    char *tes;                  /* Its queue (tns-queue.h)... */
    int64_t seq;                /* ...and place in it. */
    char *method;
    char *vsi;
};

/* A notification that its TES asks to send again later (BUSY) or that
 * nobody answered is sent again after this long, doubled at every attempt
 * up to the 'notification_retry_max' limit. */
#define TNS_NOTIFICATION_RETRY_MIN 1000

/* A connection's life: it reads and answers requests until the peer closes
 * its side or breaks a limit that ends the connection; then it reads no
 * more, sends every reply it owes, and closes ('draining').  A failed
 * receive or send closes it at once ('dead'): nobody would read the rest. */
struct tns_conn {
    struct ovs_list node;       /* In tns_server 'conns'. */
    struct stream *stream;
    char *name;                 /* For logs. */
    bool tls;                   /* Over TLS: the TES is its peer's CN. */
    char *peer_cn;              /* Over TLS, once known: the TES that the
                                 * peer's certificate names. */
    struct sset tes;            /* TES it proved to be: its notifications
                                 * come here. */
    struct ds rx;               /* Received, not yet handled. */
    size_t rx_scanned;          /* Bytes at the start of 'rx' known to hold
                                 * no new-line. */
    struct ofpbuf tx;           /* To send. */
    struct ovs_list pending;    /* Contains "struct tns_pending"s. */
    size_t n_pending;           /* Requests in 'pending'. */
    size_t n_replies;           /* Replies in 'pending'. */
    bool draining;              /* Reads no more, closes once 'pending'
                                 * and 'tx' are sent. */
    bool dead;                  /* Closes now. */
    struct hmap sent;           /* Contains "struct tns_sent"s. */
    long long int last_io;      /* When a byte was last received or sent. */
    long long int line_start;   /* When the bytes in 'rx' began to come
                                 * (or a little later). */

    /* Statistics. */
    uint64_t n_messages;        /* Messages received, valid or not. */
    uint64_t n_requests;
    uint64_t n_busy;            /* BUSY replies: requests refused for
                                 * 'max_inflight', or not confirmed by
                                 * 'reply_deadline'. */
    uint64_t n_notified;        /* Notifications sent. */
    uint64_t n_acked;           /* ...answered with a success. */
    uint64_t n_refused;         /* ...answered with an error. */
};

struct tns_server {
    struct shash listeners;     /* Target -> struct pstream *. */
    struct ovs_list conns;      /* Contains "struct tns_conn"s. */
    size_t n_conns;
    struct tns_server_limits limits;
    long long int next_notification_id;
    struct tns_queue *queue;    /* Notifications, per TES, in the
                                 * database until answered. */
    bool purge_due;             /* A TES or a connection went, or a
                                 * notification came: look for the queues
                                 * of TES that no longer exist. */
    uint64_t n_refused_conns;
};

struct tns_server *
tns_server_create(struct ovsdb_idl *nve_idl)
{
    struct tns_server *s = xzalloc(sizeof *s);

    shash_init(&s->listeners);
    ovs_list_init(&s->conns);
    s->limits = TNS_SERVER_LIMITS_DEFAULT;
    s->next_notification_id = 1;
    s->queue = tns_queue_create(nve_idl);
    return s;
}

static void
tns_sent_destroy(struct tns_sent *sent)
{
    free(sent->tes);
    free(sent->method);
    free(sent->vsi);
    free(sent);
}

static void
conn_destroy(struct tns_server *s, struct tns_conn *c)
{
    struct tns_pending *p;
    struct tns_sent *sent;

    if (!c->dead) {
        VLOG_INFO("%s: TNS connection closed", c->name);
    }
    LIST_FOR_EACH_POP (p, node, &c->pending) {
        tns_pending_destroy(p);
    }
    HMAP_FOR_EACH_POP (sent, node, &c->sent) {
        tns_sent_destroy(sent);
    }
    hmap_destroy(&c->sent);
    s->purge_due = true;

    /* The notification being delivered to its TES goes to the TES's next
     * connection. */
    struct tns_tes_queue *q;
    HMAP_FOR_EACH (q, node, tns_queue_all(s->queue)) {
        struct tns_notif *head = tns_tes_queue_head(q);
        if (head) {
            hmapx_find_and_delete(&head->sent_on, c);
        }
    }
    ovs_list_remove(&c->node);
    s->n_conns--;
    stream_close(c->stream);
    ds_destroy(&c->rx);
    ofpbuf_uninit(&c->tx);
    sset_destroy(&c->tes);
    free(c->peer_cn);
    free(c->name);
    free(c);
}

void
tns_server_destroy(struct tns_server *s)
{
    if (s) {
        struct tns_conn *c;
        LIST_FOR_EACH_SAFE (c, node, &s->conns) {
            conn_destroy(s, c);
        }

        tns_queue_destroy(s->queue);

        struct shash_node *node;
        SHASH_FOR_EACH (node, &s->listeners) {
            pstream_close(node->data);
        }
        shash_destroy(&s->listeners);
        free(s);
    }
}

void
tns_server_configure(struct tns_server *s, const struct sset *remotes,
                     const struct tns_server_limits *limits)
{
    s->limits = *limits;
    tns_queue_set_limit(s->queue, limits->max_queued_notifications);

    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &s->listeners) {
        if (!sset_contains(remotes, node->name)) {
            VLOG_INFO("%s: no longer listening for TNS", node->name);
            pstream_close(node->data);
            shash_delete(&s->listeners, node);
        }
    }

    const char *remote;
    SSET_FOR_EACH (remote, remotes) {
        if (shash_find(&s->listeners, remote)) {
            continue;
        }

        struct pstream *pstream;
        int error = pstream_open(remote, &pstream, 0);
        if (error) {
            VLOG_ERR_RL(&rl, "%s: could not listen for TNS (%s)", remote,
                        ovs_strerror(error));
            continue;
        }
        VLOG_INFO("%s: listening for TNS", remote);
        shash_add(&s->listeners, remote, pstream);
    }
}

/* Queues the 'len' bytes of 'line', which ends with a new-line, for
 * sending on 'c'. */
static void
conn_send_line(struct tns_conn *c, const char *line, size_t len)
{
    if (VLOG_IS_DBG_ENABLED()) {
        VLOG_DBG("%s: sent %.*s", c->name, (int) len - 1, line);
    }

    if (len > ofpbuf_tailroom(&c->tx)) {
        /* What was sent is the headroom of 'c->tx': reuse it, rather than
         * let the buffer grow by every byte ever sent.  Then grow it
         * geometrically, not by one line at a time. */
        ofpbuf_shift(&c->tx, -(int) ofpbuf_headroom(&c->tx));
        ofpbuf_prealloc_tailroom(&c->tx, MAX(len, c->tx.size));
    }
    ofpbuf_put(&c->tx, line, len);
}

/* Queues 'json' (which it takes) for sending on 'c'. */
static void
conn_send_json(struct tns_conn *c, json_t *json)
{
    size_t len;
    char *line = tns_serialize(json, &len);

    conn_send_line(c, line, len);
    free(line);
}

static void
conn_send(struct tns_conn *c)
{
    while (c->tx.size) {
        int n = stream_send(c->stream, c->tx.data, c->tx.size);
        if (n < 0) {
            if (n != -EAGAIN) {
                VLOG_INFO("%s: TNS connection closed (send failed: %s)",
                          c->name, ovs_strerror(-n));
                c->dead = true;
                ofpbuf_clear(&c->tx);
            }
            return;
        }
        ofpbuf_pull(&c->tx, n);
        c->last_io = time_msec();
    }

    /* All sent: free the buffer, which may have grown large, until there
     * is more to send. */
    ofpbuf_uninit(&c->tx);
    ofpbuf_init(&c->tx, 0);
}

/* Returns true if 's' is what "ovs-pki req+sign" appends to a common name
 * after " id:" unless it is given -u: a UUID from uuidgen or, without
 * uuidgen, the date as "%Y %b %d %T". */
static bool
is_ovs_pki_id(const char *s)
{
    struct uuid uuid;
    int year, day, hour, min, sec, n = 0;
    char month[4];

    return (uuid_from_string(&uuid, s)
            || (sscanf(s, "%4d %3[A-Za-z] %2d %2d:%2d:%2d%n", &year, month,
                       &day, &hour, &min, &sec, &n) == 6 && !s[n]));
}

/* Returns the TES that the TLS certificate of 'c''s peer names, "" if it
 * names none, or NULL without TLS.
 *
 * That is the certificate's common name (CN), less the " id:" and unique id
 * that "ovs-pki req+sign hv1" appends unless it is given -u: the CA that
 * signed "hv1 id:3f2c..." vouches for hv1 as surely as with "hv1". */
static const char *
conn_peer_cn(struct tns_conn *c)
{
    if (!c->tls) {
        return NULL;
    }
    if (!c->peer_cn) {
        const char *cn = stream_get_peer_id(c->stream);
        if (!cn) {
            return "";
        }

        const char *id = NULL;
        for (const char *p = cn; (p = strstr(p, " id:")) != NULL; p++) {
            id = p;
        }
        c->peer_cn = (id && id > cn && is_ovs_pki_id(id + 4)
                      ? xmemdup0(cn, id - cn)
                      : xstrdup(cn));
    }
    return c->peer_cn;
}

/* The delay before attempt 'attempts' + 1 of a notification. */
static long long int
notification_backoff(const struct tns_server *s, int64_t attempts)
{
    long long int delay = TNS_NOTIFICATION_RETRY_MIN;

    for (int64_t i = 1; i < attempts && delay < s->limits.retry_max; i++) {
        delay *= 2;
    }
    return MIN(delay, s->limits.retry_max);
}

/* Handles the TES's reply to one of the notifications sent on 'c'.
 *
 * A success answers the notification.  BUSY asks for it again later: it is
 * held until its retry time.  Any other error answers it too, as a
 * refusal: a TES that refuses a "local_change" cannot use the VSI's new
 * local VID or PCP, so the NVE removes the VSI, which its TES learns from
 * a "deassociated" notification, reason "local_change_refused". */
static void
conn_handle_notification_reply(struct tns_server *s, struct tns_conn *c,
                               struct vsi_table *vsis,
                               const struct tns_msg *msg)
{
    const char *status = msg->reply.status ? msg->reply.status : "";
    struct tns_sent *sent = NULL;

    if (json_is_integer(msg->id)) {
        long long int id = json_integer_value(msg->id);

        HMAP_FOR_EACH_WITH_HASH (sent, node, hash_uint64(id), &c->sent) {
            if (sent->id == id) {
                break;
            }
        }
    }
    if (!sent) {
        char *id = json_dumps(msg->id, JSON_ENCODE_ANY | JSON_COMPACT);
        VLOG_WARN_RL(&rl, "%s: reply to no notification (id %s)", c->name,
                     id);
        free(id);
        return;
    }
    hmap_remove(&c->sent, &sent->node);

    /* Only the notification being delivered awaits an answer: another
     * connection of the TES, or an earlier attempt, may have answered this
     * one already. */
    struct tns_tes_queue *q = tns_queue_find(s->queue, sent->tes);
    struct tns_notif *head = q ? tns_tes_queue_head(q) : NULL;
    if (!head || head->seq != sent->seq) {
        VLOG_DBG("%s: %s of vsi %s answered again", c->name, sent->method,
                 sent->vsi);
        tns_sent_destroy(sent);
        return;
    }

    bool ok = msg->reply.ok && (!*status || !strcmp(status, "SUCCESS"));
    const char *message = msg->reply.message;
    if (ok) {
        c->n_acked++;
        q->n_delivered++;
        VLOG_INFO("%s: %s of vsi %s acknowledged", c->name, sent->method,
                  sent->vsi);
        tns_queue_remove(s->queue, head);
    } else if (!strcmp(status, "BUSY")) {
        long long int delay = notification_backoff(s, head->attempts);

        c->n_refused++;
        VLOG_WARN_RL(&rl, "%s: %s of vsi %s refused: BUSY%s%s%s; retrying "
                     "in %lld ms", c->name, sent->method, sent->vsi,
                     message ? " (" : "", message ? message : "",
                     message ? ")" : "", delay);
        hmapx_clear(&head->sent_on);
        head->retry_at = time_msec() + delay;
        head->held = true;
    } else {
        c->n_refused++;
        q->n_refused++;
        VLOG_WARN_RL(&rl, "%s: %s of vsi %s refused: %s%s%s%s", c->name,
                     sent->method, sent->vsi, *status ? status : "error",
                     message ? " (" : "", message ? message : "",
                     message ? ")" : "");
        if (!strcmp(sent->method, "local_change")) {
            vsi_table_remove(vsis, sent->vsi, sent->tes,
                             "local_change_refused");
        }
        tns_queue_remove(s->queue, head);
    }
    tns_sent_destroy(sent);
}

/* Handles one decoded message of connection 'c', adding its reply, if it
 * has one, to 'p', and returning the generation it must wait for. */
static uint64_t
conn_handle_msg(struct tns_server *s, struct tns_conn *c,
                struct vsi_table *vsis,
                const struct vsi_ctx *ctx OVS_UNUSED,
                const struct tns_msg *msg, size_t *n_inflight,
                struct tns_pending *p)
{
    struct ds ds = DS_EMPTY_INITIALIZER;

    if (VLOG_IS_DBG_ENABLED()) {
        tns_msg_format(msg, &ds);
        VLOG_DBG("%s: received %s", c->name, ds_cstr(&ds));
        ds_destroy(&ds);
    }

    switch (msg->type) {
    case TNS_MSG_ERROR:
        VLOG_WARN_RL(&rl, "%s: invalid message: %s", c->name,
                     msg->error.message);
        tns_pending_add_error(p, msg->id, VSI_ST_INVALID_REQUEST,
                              msg->error.code, msg->error.message);
        return 0;

    case TNS_MSG_REPLY:
        conn_handle_notification_reply(s, c, vsis, msg);
        return 0;

    case TNS_MSG_REQUEST:
        break;
    }

    const struct tns_request *rq = &msg->request;
    if (*n_inflight >= s->limits.max_inflight) {
        c->n_busy++;
        tns_pending_add_errorf(p, msg->id, VSI_ST_BUSY,
                               tns_status_code(VSI_ST_BUSY),
                               "too many requests in flight (limit "
                               "%"PRIuSIZE"); retry later",
                               s->limits.max_inflight);
        return 0;
    }
    (*n_inflight)++;
    c->n_requests++;

    struct vsi_request vrq = {
        .event = tns_request_event(rq),
        .protocol = VSI_PROTO_TNS,
        .vsi = rq->vsi,
        .tes = rq->tes,
        .peer_cn = conn_peer_cn(c),
        .port = rq->port,
        .networks = rq->networks,
        .n_networks = rq->n_networks,
    };
    struct vsi_outcome o;
    vsi_table_request(vsis, &vrq, &o);
    if (o.tes) {
        sset_add(&c->tes, o.tes);
    }

    if (o.status == VSI_ST_SUCCESS) {
        const struct vsi *v = vsi_table_find(vsis, rq->vsi);
        struct vsi_counters_query *counters = NULL;
        if (v && rq->method == TNS_GET) {
            counters = vsi_counters_query(vsi_table_flows(vsis), v);
        }
        tns_pending_add_result(p, msg->id, rq->vsi, v, rq, counters);
    } else {
        /* The core's INVALID_REQUEST is about a request's parameters. */
        tns_pending_add_error(p, msg->id, o.status,
                              (o.status == VSI_ST_INVALID_REQUEST
                               ? TNS_INVALID_PARAMS
                               : tns_status_code(o.status)),
                              o.message);
    }
    uint64_t gen = o.ticket;
    vsi_outcome_destroy(&o);
    return gen;
}

/* Whether a connection of 'tes' is open ('s_' is the server). */
static bool
tes_is_connected(const char *tes, void *s_)
{
    struct tns_server *s = s_;
    const struct tns_conn *c;

    LIST_FOR_EACH (c, node, &s->conns) {
        if (!c->dead && sset_contains(&c->tes, tes)) {
            return true;
        }
    }
    return false;
}

/* Handles one line received on 'c'.  Returns the number of messages it
 * held. */
static size_t
conn_handle_line(struct tns_server *s, struct tns_conn *c,
                 struct vsi_table *vsis, const struct vsi_ctx *ctx,
                 const char *line, size_t len)
{
    struct tns_batch batch;
    size_t n_inflight = c->n_pending;
    uint64_t max_gen = 0;

    tns_decode(line, len, s->limits.max_inflight, &batch);
    struct tns_pending *p = tns_pending_create(batch.is_array);
    for (size_t i = 0; i < batch.n_msgs; i++) {
        uint64_t gen = conn_handle_msg(s, c, vsis, ctx, &batch.msgs[i],
                                       &n_inflight, p);
        max_gen = MAX(max_gen, gen);
    }
    size_t n_msgs = batch.n_msgs;
    tns_batch_destroy(&batch);

    if (p->n_replies) {
        tns_pending_close(p);
        p->gen = max_gen;
        p->deadline = (s->limits.reply_deadline
                       ? time_msec() + s->limits.reply_deadline
                       : LLONG_MAX);
        p->n_requests = n_inflight - c->n_pending;
        c->n_pending = n_inflight;
        c->n_replies += p->n_replies;
        ovs_list_push_back(&c->pending, &p->node);
    } else {
        /* A batch of replies to notifications needs no answer. */
        tns_pending_destroy(p);
    }
    return n_msgs;
}

/* Queues an error reply ("id": null) on 'c' after the replies it already
 * owes, and makes it the last: 'c' reads no more and closes once they are
 * sent. */
static void OVS_PRINTF_FORMAT(4, 5)
conn_fail(struct tns_conn *c, enum vsi_status status, int code,
          const char *format, ...)
{
    struct tns_pending *p = tns_pending_create(false);
    va_list args;

    va_start(args, format);
    char *message = xvasprintf(format, args);
    va_end(args);
    tns_pending_add_error(p, NULL, status, code, message);
    free(message);
    tns_pending_close(p);

    p->gen = 0;
    p->deadline = LLONG_MAX;
    p->n_requests = 0;
    c->n_replies++;
    ovs_list_push_back(&c->pending, &p->node);
    c->draining = true;
}

/* Whether 'c' is in the middle of a line: what it received is all
 * scanned, with no new-line. */
static bool
conn_in_line(const struct tns_conn *c)
{
    return c->rx.length && c->rx_scanned == c->rx.length;
}

/* Whether 'c' may take more messages now: not while it owes twice
 * 'max_inflight' replies (whether to requests, to refused requests or to
 * invalid messages), nor while replies wait to be sent: a peer that does not
 * read its replies is not read either. */
static bool
conn_may_read(const struct tns_server *s, const struct tns_conn *c)
{
    return (!c->draining && !c->dead && !c->tx.size
            && c->n_replies < 2 * s->limits.max_inflight);
}

/* Handles the complete lines in 'c->rx' while 'c' may take messages and
 * '*budget' is not spent, deducting their messages from '*budget'. */
static void
conn_handle_lines(struct tns_server *s, struct tns_conn *c,
                  struct vsi_table *vsis, const struct vsi_ctx *ctx,
                  size_t *budget)
{
    size_t max = s->limits.max_message_size;
    size_t ofs = 0;                 /* Where the first line not handled
                                     * starts in 'c->rx'. */
    size_t scanned = c->rx_scanned; /* Bytes from 'ofs' on that hold no
                                     * new-line. */
    bool too_long = false;

    while (*budget && conn_may_read(s, c) && ofs < c->rx.length) {
        char *line = c->rx.string + ofs;
        size_t rest = c->rx.length - ofs;
        char *nl = memchr(line + scanned, '\n', rest - scanned);

        if (!nl) {
            scanned = rest;
            too_long = rest > max;
            break;
        }
        size_t len = nl - line;
        if (len > max) {
            too_long = true;
            break;
        }
        ofs += len + 1;
        scanned = 0;

        if (len && line[len - 1] == '\r') {
            len--;
        }
        if (len) {
            size_t n_msgs = conn_handle_line(s, c, vsis, ctx, line, len);
            *budget -= MIN(*budget, n_msgs);
            c->n_messages += n_msgs;
        }
    }

    if (too_long) {
        VLOG_WARN_RL(&rl, "%s: message exceeds %"PRIuSIZE" bytes, "
                     "disconnecting", c->name, max);
        conn_fail(c, VSI_ST_INVALID_REQUEST, TNS_INVALID_REQUEST,
                  "message exceeds the limit of %"PRIuSIZE" bytes", max);
        ds_clear(&c->rx);
        c->rx_scanned = 0;
        return;
    }

    if (ofs) {
        c->rx.length -= ofs;
        memmove(c->rx.string, c->rx.string + ofs, c->rx.length);
        c->line_start = c->last_io;
    }
    c->rx_scanned = scanned;
}

/* Reads what 'c' sent and handles its complete lines, within the read
 * budget. */
static void
conn_receive(struct tns_server *s, struct tns_conn *c,
             struct vsi_table *vsis, const struct vsi_ctx *ctx)
{
    size_t read_budget = READ_BUDGET;
    size_t msg_budget = MIN(s->limits.max_inflight, MSG_BUDGET);

    for (;;) {
        conn_handle_lines(s, c, vsis, ctx, &msg_budget);
        if (!msg_budget || !read_budget || !conn_may_read(s, c)) {
            return;
        }

        char buf[16384];
        int n = stream_recv(c->stream, buf, MIN(sizeof buf, read_budget));
        if (n == -EAGAIN) {
            return;
        } else if (n < 0) {
            VLOG_INFO("%s: TNS connection closed (receive failed: %s)",
                      c->name, ovs_strerror(-n));
            c->dead = true;
            return;
        } else if (!n) {
            /* The peer sends no more, but may still read what we owe it. */
            VLOG_DBG("%s: end of input", c->name);
            c->draining = true;
            return;
        }
        read_budget -= n;
        c->last_io = time_msec();
        if (!c->rx.length) {
            c->line_start = c->last_io;
        }
        ds_put_buffer(&c->rx, buf, n);
    }
}

/* When 'c' times out, or LLONG_MAX if it does not: 'idle_timeout' after
 * its last traffic, or after the first byte of a line it has not finished
 * however slowly the rest trickles in.  A connection is not idle while the
 * NVE owes it replies it is still working on, nor while the NVE does not
 * read any connection. */
static long long int
conn_idle_deadline(const struct tns_server *s, const struct tns_conn *c,
                   const struct vsi_table *vsis)
{
    if (!s->limits.idle_timeout || c->dead
        || !ovs_list_is_empty(&c->pending) || !vsi_table_is_ready(vsis)) {
        return LLONG_MAX;
    }
    return s->limits.idle_timeout + (conn_in_line(c) ? c->line_start
                                     : c->last_io);
}

static void
server_accept(struct tns_server *s)
{
    struct shash_node *node;

    SHASH_FOR_EACH (node, &s->listeners) {
        for (int i = 0; i < 64; i++) {
            struct stream *stream;
            int error = pstream_accept(node->data, &stream);

            if (error) {
                if (error != EAGAIN) {
                    VLOG_WARN_RL(&rl, "%s: accept failed (%s)", node->name,
                                 ovs_strerror(error));
                }
                break;
            }

            struct tns_conn *c = xzalloc(sizeof *c);
            c->stream = stream;
            c->name = xstrdup(stream_get_name(stream));
            c->tls = !strncmp(c->name, "ssl:", 4);
            sset_init(&c->tes);
            ds_init(&c->rx);
            ofpbuf_init(&c->tx, 0);
            ovs_list_init(&c->pending);
            hmap_init(&c->sent);
            c->last_io = time_msec();
            ovs_list_push_back(&s->conns, &c->node);
            s->n_conns++;

            if (s->n_conns > s->limits.max_connections) {
                s->n_refused_conns++;
                VLOG_WARN_RL(&rl, "%s: refusing TNS connection: already "
                             "%"PRIuSIZE" connections", c->name,
                             s->limits.max_connections);
                conn_fail(c, VSI_ST_BUSY, tns_status_code(VSI_ST_BUSY),
                          "too many connections (limit %"PRIuSIZE"); "
                          "retry later", s->limits.max_connections);
            } else {
                VLOG_INFO("%s: TNS connection accepted", c->name);
            }
        }
    }
}

void
tns_server_run(struct tns_server *s, struct vsi_table *vsis,
               const struct vsi_ctx *ctx)
{
    server_accept(s);
    if (!vsi_table_is_ready(vsis)) {
        /* Requests wait in the sockets until the VSIs are loaded. */
        return;
    }
    tns_queue_load(s->queue, ctx->nve_idl);

    /* Before any new request: replies owed about VSIs whose flows the
     * switch refused. */
    uint64_t refused_ticket;
    const struct shash *refused = vsi_table_refused(vsis, &refused_ticket);
    struct tns_conn *c;
    if (!shash_is_empty(refused)) {
        LIST_FOR_EACH (c, node, &s->conns) {
            struct tns_pending *p;
            LIST_FOR_EACH (p, node, &c->pending) {
                tns_pending_refuse(p, refused, refused_ticket);
            }
        }
    }

    LIST_FOR_EACH_SAFE (c, node, &s->conns) {
        stream_run(c->stream);
        if (c->tx.size) {
            /* What the peer read since the last iteration makes room. */
            conn_send(c);
        }
        if (!c->draining && !c->dead) {
            conn_receive(s, c, vsis, ctx);
        }
        if (c->tls && stream_get_peer_id(c->stream)) {
            /* Over TLS, the TES is known once the handshake is done, even
             * before it sends a request. */
            sset_add(&c->tes, conn_peer_cn(c));
        }
    }

    tns_queue_purge_removed(s->queue, ctx->nve_idl, s->purge_due,
                            tes_is_connected, s);
    s->purge_due = false;
}

/* Returns the params of notification 'n', as JSON text, or NULL if it is
 * no longer due (the VSI whose networks it reports went away, or to
 * another TES, in the same round). */
static char *
notification_params(struct vsi_table *vsis, const char *nve_name,
                    const struct vsi_notification *n)
{
    const struct vsi *v = vsi_table_find(vsis, n->vsi);
    bool with_networks = (!strcmp(n->method, "local_change")
                          || !strcmp(n->method, "activated"));

    if (with_networks && (!v || strcmp(v->tes, n->tes))) {
        return NULL;
    }

    struct ds params = DS_EMPTY_INITIALIZER;
    ds_put_char(&params, '{');
    if (nve_name) {
        ds_put_cstr(&params, "\"nve\":");
        tns_put_string(&params, nve_name);
        ds_put_char(&params, ',');
    }
    ds_put_cstr(&params, "\"tes\":");
    tns_put_string(&params, n->tes);
    ds_put_cstr(&params, ",\"vsi\":");
    tns_put_string(&params, n->vsi);
    if (n->reason) {
        ds_put_cstr(&params, ",\"reason\":");
        tns_put_string(&params, n->reason);
    }
    if (with_networks) {
        ds_put_cstr(&params, ",\"networks\":");
        tns_put_networks(&params, v);
    }
    ds_put_char(&params, '}');
    return ds_steal_cstr(&params);
}

void
tns_server_sync(struct tns_server *s, struct vsi_table *vsis,
                const struct vsi_ctx *ctx, struct barrier *barrier,
                const char *nve_name)
{
    struct ovs_list notifications = OVS_LIST_INITIALIZER(&notifications);
    struct vsi_notification *n;

    if (!tns_queue_load(s->queue, ctx->nve_idl)) {
        return;
    }
    tns_queue_run(s->queue, ctx->nve_loop, barrier);
    vsi_table_pop_notifications(vsis, VSI_PROTO_TNS, &notifications);
    LIST_FOR_EACH_POP (n, node, &notifications) {
        char *params = notification_params(vsis, nve_name, n);
        if (params) {
            VLOG_DBG("queued %s of vsi %s for tes %s", n->method, n->vsi,
                     n->tes);
            tns_queue_push(s->queue, n->tes, n->method, n->vsi, params,
                           n->ticket);
            s->purge_due = true;
        }
        vsi_notification_destroy(n);
    }
    tns_queue_sync(s->queue, ctx->nve_idl, ctx->nve_txn, barrier);
}

/* Whether 'c' may carry notifications to 'tes'. */
static bool
conn_serves_tes(const struct tns_conn *c, const char *tes)
{
    return !c->draining && !c->dead && sset_contains(&c->tes, tes);
}

/* Sends notification 'n' on 'c'. */
static void
conn_send_notification(struct tns_server *s, struct tns_conn *c,
                       struct tns_notif *n)
{
    json_error_t error;
    json_t *params = json_loads(n->params, 0, &error);
    if (!params) {
        /* Only a row that somebody else wrote can be invalid. */
        VLOG_WARN_RL(&rl, "tes %s: notification %"PRId64" has invalid "
                     "params (%s): sent without", n->q->tes, n->seq,
                     error.text);
        params = nve_json_object();
    }

    long long int id = s->next_notification_id++;
    conn_send_json(c, tns_notification(id, n->method, params));
    c->n_notified++;
    hmapx_add(&n->sent_on, c);

    /* Remember it, to match the TES's reply, within bounds: a TES that
     * never replies must not make us hold memory without end. */
    if (hmap_count(&c->sent) < s->limits.max_inflight) {
        struct tns_sent *sent = xmalloc(sizeof *sent);
        sent->id = id;
        sent->tes = xstrdup(n->q->tes);
        sent->seq = n->seq;
        sent->method = xstrdup(n->method);
        sent->vsi = xstrdup(n->vsi);
        hmap_insert(&c->sent, &sent->node, hash_uint64(id));
    }
}

/* Delivers the oldest notification of every TES that has one ready: to
 * every connection of the TES that does not have it yet, and to all of
 * them again once the attempt ends unanswered. */
static void
deliver_notifications(struct tns_server *s, const struct barrier *barrier)
{
    long long int now = time_msec();
    struct tns_tes_queue *q;

    HMAP_FOR_EACH (q, node, tns_queue_all(s->queue)) {
        struct tns_notif *n = tns_tes_queue_head(q);
        if (!n || !tns_notif_is_deliverable(n, barrier)) {
            continue;
        }
        if (now >= n->retry_at) {
            /* The attempt ended without an answer, or the TES asked for
             * another one: a new attempt, on every connection. */
            hmapx_clear(&n->sent_on);
            n->retry_at = LLONG_MAX;
            n->held = false;
        } else if (n->held) {
            continue;
        }

        struct tns_conn *c;
        LIST_FOR_EACH (c, node, &s->conns) {
            if (!conn_serves_tes(c, q->tes)
                || hmapx_contains(&n->sent_on, c)) {
                continue;
            }
            if (n->retry_at == LLONG_MAX) {
                tns_queue_note_attempt(s->queue, n);
                n->retry_at = now + notification_backoff(s, n->attempts);
            }
            VLOG_INFO("sent %s of vsi %s to tes %s (attempt %"PRId64")",
                      n->method, n->vsi, q->tes, n->attempts);
            conn_send_notification(s, c, n);
            conn_send(c);
        }
    }
}

void
tns_server_flush(struct tns_server *s, struct vsi_table *vsis,
                 const struct barrier *barrier)
{
    bool trim = false;
    struct tns_conn *c;
    LIST_FOR_EACH_SAFE (c, node, &s->conns) {
        struct tns_pending *p;
        LIST_FOR_EACH_SAFE (p, node, &c->pending) {
            if (c->dead) {
                break;
            } else if (!barrier_is_done(barrier, p->gen)) {
                if (time_msec() < p->deadline) {
                    break;
                }
                c->n_busy += p->n_requests;
                VLOG_WARN_RL(&rl, "%s: could not confirm a change within "
                             "%lld ms, replying BUSY", c->name,
                             s->limits.reply_deadline);
                tns_pending_make_busy(p, barrier, s->limits.reply_deadline);
            } else if (!tns_pending_has_counters(p)) {
                break;
            }
            ovs_list_remove(&p->node);
            c->n_pending -= p->n_requests;
            c->n_replies -= p->n_replies;
            tns_pending_put_counters(p);
            conn_send_line(c, p->text.string, p->text.length);
            tns_pending_destroy(p);
        }

        if (!c->dead) {
            conn_send(c);
        }
        if (c->tx.size > s->limits.max_backlog) {
            VLOG_WARN_RL(&rl, "%s: peer does not read its replies (%"PRIu32
                         " bytes unread), disconnecting", c->name,
                         c->tx.size);
            c->dead = true;
        }
        if (time_msec() >= conn_idle_deadline(s, c, vsis)) {
            VLOG_INFO("%s: TNS connection closed (%s for %lld ms)", c->name,
                      conn_in_line(c) ? "line unfinished" : "no traffic",
                      s->limits.idle_timeout);
            c->dead = true;
        }
        if (c->dead || (c->draining && ovs_list_is_empty(&c->pending)
                        && !c->tx.size)) {
            trim |= c->n_messages >= s->limits.max_inflight;
            conn_destroy(s, c);
        }
    }

    /* After the replies of the requests whose changes they report. */
    deliver_notifications(s, barrier);

#if HAVE_DECL_MALLOC_TRIM
    if (trim) {
        /* A connection that may have held many replies at once is gone:
         * give their memory back to the system, which the allocator would
         * rather keep. */
        malloc_trim(0);
    }
#endif
}

void
tns_server_wait(struct tns_server *s, const struct vsi_table *vsis)
{
    struct tns_tes_queue *q;
    HMAP_FOR_EACH (q, node, tns_queue_all(s->queue)) {
        const struct tns_notif *head = tns_tes_queue_head(q);
        if (head && head->retry_at != LLONG_MAX) {
            poll_timer_wait_until(head->retry_at);
        }
    }

    struct shash_node *node;
    SHASH_FOR_EACH (node, &s->listeners) {
        pstream_wait(node->data);
    }

    struct tns_conn *c;
    LIST_FOR_EACH (c, node, &s->conns) {
        stream_run_wait(c->stream);
        if (c->tx.size) {
            stream_send_wait(c->stream);
        }
        long long int deadline = conn_idle_deadline(s, c, vsis);
        if (deadline != LLONG_MAX) {
            poll_timer_wait_until(deadline);
        }
        if (!ovs_list_is_empty(&c->pending)) {
            /* Replies go in order: only the first one's deadline counts. */
            const struct tns_pending *p
                = CONTAINER_OF(ovs_list_front(&c->pending),
                               struct tns_pending, node);
            if (p->deadline != LLONG_MAX) {
                poll_timer_wait_until(p->deadline);
            }
        }
        if (c->dead) {
            poll_immediate_wake();
        } else if (vsi_table_is_ready(vsis) && conn_may_read(s, c)) {
            if (c->rx_scanned < c->rx.length) {
                /* Lines left over from the budget or the limits. */
                poll_immediate_wake();
            }
            stream_recv_wait(c->stream);
        }
    }
}

void
tns_server_format(const struct tns_server *s, struct ds *ds)
{
    struct shash_node *node;
    SHASH_FOR_EACH (node, &s->listeners) {
        ovs_be16 port = pstream_get_bound_port(node->data);

        ds_put_format(ds, "listening: %s", node->name);
        if (port) {
            /* What ptcp:0 and pssl:0 chose. */
            ds_put_format(ds, " (port %"PRIu16")", ntohs(port));
        }
        ds_put_char(ds, '\n');
    }
    ds_put_format(ds, "limits: tns_max_message_size=%"PRIuSIZE
                  " tns_max_connections=%"PRIuSIZE
                  " tns_max_inflight=%"PRIuSIZE" tns_max_backlog=%"PRIuSIZE
                  " tns_idle_timeout=%lld tns_reply_deadline=%lld\n",
                  s->limits.max_message_size, s->limits.max_connections,
                  s->limits.max_inflight, s->limits.max_backlog,
                  s->limits.idle_timeout, s->limits.reply_deadline);
    ds_put_format(ds, "connections: %"PRIuSIZE"\n", s->n_conns);

    const struct tns_conn *c;
    LIST_FOR_EACH (c, node, &s->conns) {
        ds_put_format(ds, "  %s tes=", c->name);
        if (sset_is_empty(&c->tes)) {
            ds_put_char(ds, '-');
        } else {
            const char **names = sset_sort(&c->tes);
            for (size_t i = 0; names[i]; i++) {
                ds_put_format(ds, "%s%s", i ? "," : "", names[i]);
            }
            free(names);
        }
        ds_put_format(ds, " requests=%"PRIu64" busy=%"PRIu64
                      " pending=%"PRIuSIZE" notifications=%"PRIu64
                      " acked=%"PRIu64" refused=%"PRIu64, c->n_requests,
                      c->n_busy, c->n_pending, c->n_notified, c->n_acked,
                      c->n_refused);
        if (c->tls) {
            const char *cn = stream_get_peer_id(c->stream);
            ds_put_format(ds, " cn=%s", cn ? cn : "-");
        }
        if (c->tx.size) {
            ds_put_format(ds, " backlog=%"PRIu32, c->tx.size);
        }
        if (c->draining) {
            ds_put_cstr(ds, " closing");
        }
        ds_put_char(ds, '\n');
    }
    tns_queue_format(s->queue, ds);
}
