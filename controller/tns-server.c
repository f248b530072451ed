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

#include <config.h>
#include "nve-jansson.h"
#include "tns-server.h"

#include <errno.h>
#include <string.h>
#include "lib/tns.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "sset.h"
#include "stream.h"
#include "util.h"
#include "vsi-table.h"

VLOG_DEFINE_THIS_MODULE(tns_server);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Per iteration and connection: bytes read, so that one busy peer leaves
 * time for the others. */
#define READ_BUDGET (256 * 1024)

/* Output that a peer may leave unread before it is disconnected. */
#define MAX_BACKLOG (64 * 1024 * 1024)

/* A reply (or array of replies) waiting until generation 'gen' is done. */
struct tns_pending {
    struct ovs_list node;       /* In tns_conn 'pending'. */
    uint64_t gen;
    json_t *reply;
    size_t n_requests;          /* Requests it answers. */
};

struct tns_conn {
    struct ovs_list node;       /* In tns_server 'conns'. */
    struct stream *stream;
    char *name;                 /* For logs. */
    char *tes;                  /* TES it spoke for, for notifications. */
    struct ds rx;               /* Received, not yet a whole line. */
    struct ofpbuf tx;           /* To send. */
    struct ovs_list pending;    /* Contains "struct tns_pending"s. */
    size_t n_pending;           /* Requests in 'pending'. */
    bool closing;               /* Close once 'tx' is sent. */
    uint64_t n_requests;
};

struct tns_listener {
    struct shash_node *node;    /* In tns_server 'listeners'. */
    struct pstream *pstream;
};

struct tns_server {
    struct shash listeners;     /* Target -> struct pstream *. */
    struct ovs_list conns;      /* Contains "struct tns_conn"s. */
    size_t n_conns;
    struct tns_server_limits limits;
    long long int next_notification_id;
    uint64_t n_refused_conns;
};

struct tns_server *
tns_server_create(void)
{
    struct tns_server *s = xzalloc(sizeof *s);

    shash_init(&s->listeners);
    ovs_list_init(&s->conns);
    s->limits = (struct tns_server_limits) {
        .max_message_size = TNS_DEFAULT_MAX_MESSAGE_SIZE,
        .max_connections = TNS_DEFAULT_MAX_CONNECTIONS,
        .max_inflight = TNS_DEFAULT_MAX_INFLIGHT,
    };
    s->next_notification_id = 1;
    return s;
}

static void
conn_destroy(struct tns_server *s, struct tns_conn *c)
{
    struct tns_pending *p;

    LIST_FOR_EACH_POP (p, node, &c->pending) {
        json_decref(p->reply);
        free(p);
    }
    ovs_list_remove(&c->node);
    s->n_conns--;
    stream_close(c->stream);
    ds_destroy(&c->rx);
    ofpbuf_uninit(&c->tx);
    free(c->name);
    free(c->tes);
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

/* Queues 'json' (which it takes) for sending on 'c'. */
static void
conn_send_json(struct tns_conn *c, json_t *json)
{
    size_t len;
    char *line = tns_serialize(json, &len);

    ofpbuf_put(&c->tx, line, len);
    free(line);
}

static void
conn_send(struct tns_conn *c)
{
    while (c->tx.size) {
        int n = stream_send(c->stream, c->tx.data, c->tx.size);
        if (n < 0) {
            if (n != -EAGAIN) {
                VLOG_DBG("%s: send failed (%s)", c->name, ovs_strerror(-n));
                c->closing = true;
                ofpbuf_clear(&c->tx);
            }
            return;
        }
        ofpbuf_pull(&c->tx, n);
    }
}

/* The TNS "networks" of a VSI. */
static json_t *
networks_to_json(const struct vsi *v)
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
        if (b->pv->pcp >= 0) {
            json_object_set_new(net, "pcp", nve_json_integer(b->pv->pcp));
        }
        for (size_t k = 0; k < b->n_macs; k++) {
            char s[ETH_ADDR_STRLEN + 1];
            snprintf(s, sizeof s, ETH_ADDR_FMT, ETH_ADDR_ARGS(b->macs[k]));
            json_array_append_new(macs, nve_json_string(s));
        }
        json_object_set_new(net, "macs", macs);
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

/* The "result" of a successful request about 'vsi_id', 'v' being the VSI
 * after it (NULL if the NVE no longer holds it). */
static json_t *
result_to_json(const char *vsi_id, const struct vsi *v,
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
        json_object_set_new(result, "networks", networks_to_json(v));
    } else if (rq->method == TNS_TERMINATE) {
        json_object_set_new(result, "state", nve_json_string("terminated"));
    }
    return result;
}

/* Handles one decoded message of connection 'c', returning its reply (NULL
 * for none) and the generation it must wait for in '*gen'. */
static json_t *
conn_handle_msg(struct tns_server *s, struct tns_conn *c,
                struct vsi_table *vsis, const struct vsi_ctx *ctx,
                const struct tns_msg *msg, size_t *n_inflight, uint64_t *gen)
{
    struct ds ds = DS_EMPTY_INITIALIZER;

    *gen = 0;
    if (VLOG_IS_DBG_ENABLED()) {
        tns_msg_format(msg, &ds);
        VLOG_DBG("%s: received %s", c->name, ds_cstr(&ds));
        ds_destroy(&ds);
    }

    switch (msg->type) {
    case TNS_MSG_ERROR:
        VLOG_WARN_RL(&rl, "%s: invalid message: %s", c->name,
                     msg->error.message);
        return tns_reply_error(msg->id, VSI_ST_INVALID_REQUEST,
                               msg->error.code, msg->error.message);

    case TNS_MSG_REPLY:
        if (msg->reply.ok) {
            VLOG_DBG("%s: notification acknowledged", c->name);
        } else {
            VLOG_WARN_RL(&rl, "%s: notification refused: %s (%s)", c->name,
                         msg->reply.message ? msg->reply.message : "",
                         msg->reply.status ? msg->reply.status : "");
        }
        return NULL;

    case TNS_MSG_REQUEST:
        break;
    }

    const struct tns_request *rq = &msg->request;
    if (*n_inflight >= s->limits.max_inflight) {
        return tns_reply_errorf(msg->id, VSI_ST_BUSY,
                                tns_status_code(VSI_ST_BUSY),
                                "too many requests in flight (limit "
                                "%"PRIuSIZE"); retry later",
                                s->limits.max_inflight);
    }
    (*n_inflight)++;
    c->n_requests++;

    struct vsi_outcome o;
    vsi_table_request(vsis, ctx, rq, stream_get_peer_id(c->stream),
                      VSI_PROTO_TNS, &o);

    json_t *reply;
    if (o.status == VSI_ST_SUCCESS) {
        const struct vsi *v = vsi_table_find(vsis, rq->vsi);
        reply = tns_reply_success(msg->id, result_to_json(rq->vsi, v, rq));
        *gen = o.gen;
        if (v && (!c->tes || strcmp(c->tes, v->tes))) {
            free(c->tes);
            c->tes = xstrdup(v->tes);
        }
    } else {
        reply = tns_reply_error(msg->id, o.status, o.code, o.message);
    }
    vsi_outcome_destroy(&o);
    return reply;
}

static void
conn_handle_line(struct tns_server *s, struct tns_conn *c,
                 struct vsi_table *vsis, const struct vsi_ctx *ctx,
                 const char *line, size_t len)
{
    struct tns_batch batch;
    size_t n_inflight = c->n_pending;
    uint64_t max_gen = 0;
    json_t *array = NULL;
    json_t *single = NULL;

    tns_decode(line, len, s->limits.max_inflight, &batch);
    if (batch.is_array) {
        array = nve_json_array();
    }
    for (size_t i = 0; i < batch.n_msgs; i++) {
        uint64_t gen;
        json_t *reply = conn_handle_msg(s, c, vsis, ctx, &batch.msgs[i],
                                        &n_inflight, &gen);
        max_gen = MAX(max_gen, gen);
        if (!reply) {
            continue;
        } else if (array) {
            json_array_append_new(array, reply);
        } else {
            single = reply;
        }
    }
    tns_batch_destroy(&batch);

    json_t *reply = array ? array : single;
    if (array && !json_array_size(array)) {
        /* A batch of replies to notifications needs no answer. */
        json_decref(array);
        reply = NULL;
    }
    if (reply) {
        struct tns_pending *p = xmalloc(sizeof *p);
        p->gen = max_gen;
        p->reply = reply;
        p->n_requests = n_inflight - c->n_pending;
        c->n_pending = n_inflight;
        ovs_list_push_back(&c->pending, &p->node);
    }
}

/* Reads what 'c' sent and handles its complete lines, within the read
 * budget. */
static void
conn_receive(struct tns_server *s, struct tns_conn *c,
             struct vsi_table *vsis, const struct vsi_ctx *ctx)
{
    size_t budget = READ_BUDGET;

    while (budget && !c->closing
           && c->n_pending < 2 * s->limits.max_inflight) {
        char buf[16384];
        int n = stream_recv(c->stream, buf, MIN(sizeof buf, budget));

        if (n == -EAGAIN) {
            return;
        } else if (n <= 0) {
            if (n < 0) {
                VLOG_DBG("%s: receive failed (%s)", c->name,
                         ovs_strerror(-n));
            }
            VLOG_INFO("%s: TNS connection closed", c->name);
            c->closing = true;
            ofpbuf_clear(&c->tx);
            return;
        }
        budget -= n;

        /* Handle every complete line; keep the rest. */
        size_t start = c->rx.length;
        ds_put_buffer(&c->rx, buf, n);
        char *p = c->rx.string;
        char *end = p + c->rx.length;
        char *nl = memchr(p + start, '\n', end - (p + start));
        while (nl) {
            size_t len = nl - p;
            if (len > s->limits.max_message_size) {
                break;
            }
            if (len && p[len - 1] == '\r') {
                len--;
            }
            if (len) {
                conn_handle_line(s, c, vsis, ctx, p, len);
            }
            p = nl + 1;
            nl = memchr(p, '\n', end - p);
        }

        size_t rest = end - p;
        if ((nl && (size_t) (nl - p) > s->limits.max_message_size)
            || (!nl && rest > s->limits.max_message_size)) {
            VLOG_WARN_RL(&rl, "%s: message exceeds %"PRIuSIZE" bytes, "
                         "disconnecting", c->name,
                         s->limits.max_message_size);
            conn_send_json(c, tns_reply_errorf(
                               NULL, VSI_ST_INVALID_REQUEST,
                               TNS_INVALID_REQUEST,
                               "message exceeds the limit of %"PRIuSIZE
                               " bytes", s->limits.max_message_size));
            c->closing = true;
            ds_clear(&c->rx);
            return;
        }
        memmove(c->rx.string, p, rest);
        c->rx.length = rest;
    }
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
            ds_init(&c->rx);
            ofpbuf_init(&c->tx, 0);
            ovs_list_init(&c->pending);
            ovs_list_push_back(&s->conns, &c->node);
            s->n_conns++;

            if (s->n_conns > s->limits.max_connections) {
                s->n_refused_conns++;
                VLOG_WARN_RL(&rl, "%s: refusing TNS connection: already "
                             "%"PRIuSIZE" connections", c->name,
                             s->limits.max_connections);
                conn_send_json(c, tns_reply_errorf(
                                   NULL, VSI_ST_BUSY,
                                   tns_status_code(VSI_ST_BUSY),
                                   "too many connections (limit %"PRIuSIZE
                                   "); retry later",
                                   s->limits.max_connections));
                c->closing = true;
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

    struct tns_conn *c;
    LIST_FOR_EACH_SAFE (c, node, &s->conns) {
        stream_run(c->stream);
        if (!c->closing) {
            conn_receive(s, c, vsis, ctx);
        }
    }
}

static void
send_notifications(struct tns_server *s, struct vsi_table *vsis,
                   const char *nve_name)
{
    struct ovs_list notifications = OVS_LIST_INITIALIZER(&notifications);
    struct vsi_notification *n;

    vsi_table_pop_notifications(vsis, &notifications);
    LIST_FOR_EACH_POP (n, node, &notifications) {
        bool sent = false;
        struct tns_conn *c;

        LIST_FOR_EACH (c, node, &s->conns) {
            if (c->closing || !c->tes || strcmp(c->tes, n->tes)) {
                continue;
            }

            json_t *params = nve_json_object();
            if (nve_name) {
                json_object_set_new(params, "nve", nve_json_string(nve_name));
            }
            json_object_set_new(params, "tes", nve_json_string(n->tes));
            json_object_set_new(params, "vsi", nve_json_string(n->vsi));
            if (n->reason) {
                json_object_set_new(params, "reason",
                                    nve_json_string(n->reason));
            }
            const struct vsi *v = vsi_table_find(vsis, n->vsi);
            if (!strcmp(n->method, "local_change")) {
                if (!v) {
                    json_decref(params);
                    break;
                }
                json_object_set_new(params, "networks", networks_to_json(v));
            }
            conn_send_json(c, tns_notification(s->next_notification_id++,
                                               n->method, params));
            sent = true;
        }
        if (sent) {
            VLOG_INFO("sent %s of vsi %s to tes %s", n->method, n->vsi,
                      n->tes);
        } else {
            VLOG_INFO("tes %s is not connected: %s of vsi %s not sent",
                      n->tes, n->method, n->vsi);
        }
        vsi_notification_destroy(n);
    }
}

void
tns_server_flush(struct tns_server *s, struct vsi_table *vsis,
                 const char *nve_name)
{
    send_notifications(s, vsis, nve_name);

    struct tns_conn *c;
    LIST_FOR_EACH_SAFE (c, node, &s->conns) {
        struct tns_pending *p;
        LIST_FOR_EACH_SAFE (p, node, &c->pending) {
            if (!vsi_table_gen_done(vsis, p->gen)) {
                break;
            }
            ovs_list_remove(&p->node);
            c->n_pending -= p->n_requests;
            conn_send_json(c, p->reply);
            free(p);
        }

        conn_send(c);
        if (c->tx.size > MAX_BACKLOG) {
            VLOG_WARN_RL(&rl, "%s: peer does not read its replies, "
                         "disconnecting", c->name);
            c->closing = true;
            ofpbuf_clear(&c->tx);
        }
        if (c->closing && !c->tx.size) {
            conn_destroy(s, c);
        }
    }
}

void
tns_server_wait(struct tns_server *s, const struct vsi_table *vsis)
{
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
        if (c->closing && !c->tx.size) {
            poll_immediate_wake();
        } else if (!c->closing && vsi_table_is_ready(vsis)
                   && c->n_pending < 2 * s->limits.max_inflight) {
            stream_recv_wait(c->stream);
        }
    }
}

void
tns_server_format(const struct tns_server *s, struct ds *ds)
{
    struct shash_node *node;
    SHASH_FOR_EACH (node, &s->listeners) {
        ds_put_format(ds, "listening: %s\n", node->name);
    }
    ds_put_format(ds, "connections: %"PRIuSIZE"\n", s->n_conns);

    const struct tns_conn *c;
    LIST_FOR_EACH (c, node, &s->conns) {
        const char *cn = stream_get_peer_id(c->stream);
        ds_put_format(ds, "  %s tes=%s requests=%"PRIu64" pending=%"PRIuSIZE
                      "%s%s%s\n", c->name, c->tes ? c->tes : "-",
                      c->n_requests, c->n_pending,
                      cn ? " cn=" : "", cn ? cn : "",
                      c->closing ? " closing" : "");
    }
}
