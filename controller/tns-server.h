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

#ifndef NVE_TNS_SERVER_H
#define NVE_TNS_SERVER_H 1

/* The TNS endpoint of nve-controller: listens on OVS stream targets,
 * frames lines, decodes them (lib/tns.c), hands requests to the VSI table
 * and sends each reply once the change it reports is committed and
 * installed (barrier_is_done()), in the order the requests came.  It also
 * delivers the NVE's own notifications to the TES they concern.
 *
 * Every connection is non-blocking and served a bounded amount per main loop
 * iteration, so one slow or hostile peer cannot stall the others: at most
 * 'max_inflight' messages, and none while the connection owes twice as many
 * replies or has replies unsent (its peer does not read them).  Limits
 * (message size, connections, requests in flight) are answered with an
 * error and change nothing; a connection whose unread replies exceed
 * 'max_backlog', or that stays idle for 'idle_timeout', is closed.  A reply
 * whose change is not confirmed within 'reply_deadline' is BUSY. */

#include <stddef.h>

struct barrier;
struct ds;
struct ovsdb_idl;
struct sset;
struct vsi_ctx;
struct vsi_table;

struct tns_server_limits {
    size_t max_message_size;    /* Bytes in one line. */
    size_t max_connections;
    size_t max_inflight;        /* Requests awaiting replies, per
                                 * connection; also the largest batch. */
    size_t max_backlog;         /* Bytes of replies and notifications that
                                 * a connection may leave unread. */
    long long int idle_timeout; /* Milliseconds a connection may go without
                                 * traffic, or with a line begun and not
                                 * finished; 0 for no limit. */
    long long int reply_deadline;   /* Milliseconds a reply may wait for its
                                     * change to be confirmed before it
                                     * becomes BUSY; 0 for no limit. */
    size_t max_queued_notifications;    /* Per TES (tns-queue.h). */
    long long int retry_max;    /* Most milliseconds between two attempts
                                 * to deliver a notification. */
};

#define TNS_DEFAULT_MAX_MESSAGE_SIZE 65536
#define TNS_DEFAULT_MAX_CONNECTIONS 1024
#define TNS_DEFAULT_MAX_INFLIGHT 4096
#define TNS_DEFAULT_MAX_BACKLOG (64 * 1024 * 1024)
#define TNS_DEFAULT_IDLE_TIMEOUT 300000
#define TNS_DEFAULT_REPLY_DEADLINE 5000
#define TNS_DEFAULT_MAX_QUEUED_NOTIFICATIONS 1000
#define TNS_DEFAULT_NOTIFICATION_RETRY_MAX 30000

/* Every limit at its default. */
#define TNS_SERVER_LIMITS_DEFAULT                               \
    ((struct tns_server_limits) {                               \
        .max_message_size = TNS_DEFAULT_MAX_MESSAGE_SIZE,       \
        .max_connections = TNS_DEFAULT_MAX_CONNECTIONS,         \
        .max_inflight = TNS_DEFAULT_MAX_INFLIGHT,               \
        .max_backlog = TNS_DEFAULT_MAX_BACKLOG,                 \
        .idle_timeout = TNS_DEFAULT_IDLE_TIMEOUT,               \
        .reply_deadline = TNS_DEFAULT_REPLY_DEADLINE,           \
        .max_queued_notifications                               \
            = TNS_DEFAULT_MAX_QUEUED_NOTIFICATIONS,             \
        .retry_max = TNS_DEFAULT_NOTIFICATION_RETRY_MAX,        \
    })

struct tns_server *tns_server_create(struct ovsdb_idl *nve_idl);
void tns_server_destroy(struct tns_server *);

/* Listens on exactly 'remotes' (punix:, ptcp:, pssl: targets), with
 * 'limits'. */
void tns_server_configure(struct tns_server *, const struct sset *remotes,
                          const struct tns_server_limits *limits);

/* Accepts connections, reads and handles requests.  Call once per main loop
 * iteration after vsi_table_run(). */
void tns_server_run(struct tns_server *, struct vsi_table *,
                    const struct vsi_ctx *);

/* Queues the round's notifications for their TES (tns-queue.h), with
 * 'nve_name' in their params, and writes them into the round's transaction,
 * with the changes that caused them.  Call once per iteration after
 * vsi_table_sync(), before barrier_round_end(). */
void tns_server_sync(struct tns_server *, struct vsi_table *,
                     const struct vsi_ctx *, struct barrier *,
                     const char *nve_name);

/* Sends the replies whose changes are done and the notifications that are
 * due, oldest first for each TES, one at a time until the TES answers.
 * Call once per iteration after the flows were put, before the transaction
 * is committed. */
void tns_server_flush(struct tns_server *, struct vsi_table *,
                      const struct barrier *);

void tns_server_wait(struct tns_server *, const struct vsi_table *);

/* unixctl output: listeners, limits and connections. */
void tns_server_format(const struct tns_server *, struct ds *);

#endif /* tns-server.h */
