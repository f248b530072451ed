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

/* The ECP agent of a port, for nve-controller's VDP server: acknowledges
 * and de-duplicates what the station sends, and carries the VDP server's
 * answers to the station, one ECPDU at a time, retransmitted until
 * acknowledged.  The VDP server owns one per TES-facing port: it feeds it
 * the ECP frames that the port punts to the controller, queues its answers
 * in it, and gives it a function that sends through ofctrl packet-outs and
 * the timers that EVB negotiated on the port.
 *
 * The transmitter is a table-driven state machine in the manner of OVS's
 * lib/rconn.c: the table (ecp_tx_transition()) is pure, ecp_tx_event()
 * applies it, and ecp_tx_set_state() is the only writer of the state.
 * See ecp-agent.h for the behaviour. */

#include <config.h>
#include "ecp-agent.h"

#include <string.h>
#include "lib/ecp.h"
#include "openvswitch/list.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ecp_agent);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* The most units that may wait, ready, for their turn. */
#define MAX_READY 4096

/* The table. */

static const struct ecp_tx_transition
ecp_tx_table[ECP_TX_N_STATES][ECP_TX_N_EVENTS] = {
#define T(NEXT, ACTION) { ECP_TX_##NEXT, ECP_TXA_##ACTION }
    [ECP_TX_IDLE] = {
        [ECP_TXE_READY] = T(WAIT_ACK, SEND),
        /* No ECPDU is in flight, so no ACK is expected and no timer
         * runs: the agent raises none of these, which change nothing. */
        [ECP_TXE_ACK] = T(IDLE, NONE),
        [ECP_TXE_TIMEOUT] = T(IDLE, NONE),
        [ECP_TXE_LAST_TIMEOUT] = T(IDLE, NONE),
    },
    [ECP_TX_WAIT_ACK] = {
        [ECP_TXE_READY] = T(WAIT_ACK, NONE),   /* One in flight at most. */
        [ECP_TXE_ACK] = T(IDLE, RELEASE),
        [ECP_TXE_TIMEOUT] = T(WAIT_ACK, RETRANSMIT),
        [ECP_TXE_LAST_TIMEOUT] = T(IDLE, GIVE_UP),
    },
#undef T
};

const struct ecp_tx_transition *
ecp_tx_transition(enum ecp_tx_state state, enum ecp_tx_event event)
{
    ovs_assert(state < ECP_TX_N_STATES && event < ECP_TX_N_EVENTS);
    return &ecp_tx_table[state][event];
}

static const char *const state_names[] = {
#define ECP_TX_STATE(ENUM, NAME, DESCRIPTION) [ECP_TX_##ENUM] = NAME,
    ECP_TX_STATES
#undef ECP_TX_STATE
};

static const char *const event_names[] = {
#define ECP_TX_EVENT(ENUM, NAME, DESCRIPTION) [ECP_TXE_##ENUM] = NAME,
    ECP_TX_EVENTS
#undef ECP_TX_EVENT
};

static const char *const action_names[] = {
#define ECP_TX_ACTION(ENUM, NAME, DESCRIPTION) [ECP_TXA_##ENUM] = NAME,
    ECP_TX_ACTIONS
#undef ECP_TX_ACTION
};

/* 'names[i]' of the 'n' in 'names', or "<invalid>". */
static const char *
name_lookup(const char *const names[], size_t n, unsigned int i)
{
    return i < n ? names[i] : "<invalid>";
}

const char *
ecp_tx_state_name(enum ecp_tx_state state)
{
    return name_lookup(state_names, ARRAY_SIZE(state_names), state);
}

const char *
ecp_tx_event_name(enum ecp_tx_event event)
{
    return name_lookup(event_names, ARRAY_SIZE(event_names), event);
}

const char *
ecp_tx_action_name(enum ecp_tx_action action)
{
    return name_lookup(action_names, ARRAY_SIZE(action_names), action);
}

bool
ecp_rx_dedup_accept(struct ecp_rx_dedup *dedup, uint16_t seq)
{
    if (dedup->valid && dedup->seq == seq) {
        return false;
    }
    dedup->valid = true;
    dedup->seq = seq;
    return true;
}

/* The agent. */

/* A unit of upper-layer data waiting to go: 'header_len' bytes of header,
 * then 'body_len' bytes of body, in 'data'. */
struct ecp_unit {
    struct ovs_list node;       /* In ecp_agent 'pending' or 'ready'. */
    uint64_t gen;               /* Goes once done; 0: at once. */
    long long int deadline;     /* If 'gen' is not done by then, the
                                 * fallback goes instead (LLONG_MAX:
                                 * never). */
    size_t header_len;
    size_t body_len;
    size_t fallback_len;        /* After the body in 'data'. */
    uint8_t data[];
};

struct ecp_agent {
    char *name;                 /* For log messages: "port NAME: ...". */
    uint16_t subtype;           /* Of the ECPDUs it sends. */
    uint8_t *trailer;           /* Ends every ECPDU it sends. */
    size_t trailer_len;
    struct eth_addr mac;        /* Source of its frames. */
    ecp_agent_send_func *send;
    void *send_aux;

    /* Timers. */
    long long int ack_timeout;  /* ms. */
    unsigned int max_retries;

    /* Transmission. */
    enum ecp_tx_state state;    /* Written by ecp_tx_set_state() only. */
    struct ovs_list pending;    /* "struct ecp_unit"s awaiting 'gen'. */
    struct ovs_list ready;      /* "struct ecp_unit"s to send. */
    size_t n_ready;
    uint16_t tx_seq;            /* Of the last ECPDU sent. */
    struct ofpbuf *inflight;    /* In WAIT_ACK, the ECPDU sent. */
    long long int ack_deadline; /* In WAIT_ACK, time_msec(). */
    unsigned int retries;       /* In WAIT_ACK, retransmissions so far. */

    /* Reception. */
    struct ecp_rx_dedup dedup;

    struct ecp_agent_stats stats;   /* Counters only: the rest is filled in
                                     * by ecp_agent_get_stats(). */
};

struct ecp_agent *
ecp_agent_create(const char *name, uint16_t subtype,
                 const void *trailer, size_t trailer_len,
                 ecp_agent_send_func *send, void *aux)
{
    struct ecp_agent *ecp = xzalloc(sizeof *ecp);

    ecp->name = xstrdup(name);
    ecp->subtype = subtype;
    ecp->trailer = xmemdup(trailer, trailer_len);
    ecp->trailer_len = trailer_len;
    ecp->send = send;
    ecp->send_aux = aux;
    ecp->ack_timeout = 1;
    ecp->state = ECP_TX_IDLE;
    ovs_list_init(&ecp->pending);
    ovs_list_init(&ecp->ready);
    ecp->tx_seq = 0;            /* The first ECPDU is 1: 0 is never sent. */
    return ecp;
}

void
ecp_agent_destroy(struct ecp_agent *ecp)
{
    if (ecp) {
        struct ecp_unit *unit;

        LIST_FOR_EACH_POP (unit, node, &ecp->pending) {
            free(unit);
        }
        LIST_FOR_EACH_POP (unit, node, &ecp->ready) {
            free(unit);
        }
        ofpbuf_delete(ecp->inflight);
        free(ecp->trailer);
        free(ecp->name);
        free(ecp);
    }
}

void
ecp_agent_set_mac(struct ecp_agent *ecp, struct eth_addr mac)
{
    ecp->mac = mac;
}

void
ecp_agent_set_timers(struct ecp_agent *ecp, long long int ack_timeout,
                     unsigned int max_retries)
{
    ecp->ack_timeout = ack_timeout;
    ecp->max_retries = max_retries;
}

/* The transmitter. */

/* The only writer of 'ecp->state'. */
static void
ecp_tx_set_state(struct ecp_agent *ecp, enum ecp_tx_state state)
{
    if (state != ecp->state) {
        VLOG_DBG("port %s: ECP %s -> %s", ecp->name,
                 ecp_tx_state_name(ecp->state), ecp_tx_state_name(state));
        ecp->state = state;
    }
}

static bool
ecp_unit_has_header(const struct ecp_unit *unit, const struct ecp_unit *of)
{
    return (unit->header_len == of->header_len
            && !memcmp(unit->data, of->data, of->header_len));
}

/* Makes the next ECPDU of the ready units, the first one and those after
 * it that share its header and fit, and sends it. */
static void
ecp_tx_send(struct ecp_agent *ecp)
{
    struct ofpbuf payload;
    ofpbuf_init(&payload, 256);

    struct ecp_unit *first = CONTAINER_OF(ovs_list_front(&ecp->ready),
                                          struct ecp_unit, node);
    ofpbuf_put(&payload, first->data, first->header_len);
    while (!ovs_list_is_empty(&ecp->ready)) {
        struct ecp_unit *unit = CONTAINER_OF(ovs_list_front(&ecp->ready),
                                             struct ecp_unit, node);
        if (unit != first
            && (!ecp_unit_has_header(unit, first)
                || (payload.size + unit->body_len + ecp->trailer_len
                    > ECP_MAX_PAYLOAD))) {
            break;
        }
        ofpbuf_put(&payload, unit->data + unit->header_len, unit->body_len);
        ovs_list_remove(&unit->node);
        ecp->n_ready--;
        if (unit != first) {
            free(unit);
        }
    }
    free(first);
    ofpbuf_put(&payload, ecp->trailer, ecp->trailer_len);

    ecp->tx_seq = ecp_seq_next(ecp->tx_seq);
    ecp->inflight = ofpbuf_new(payload.size + 18);
    ecp_encode(ecp->inflight, ecp->mac, ECP_OP_REQUEST, ecp->subtype,
               ecp->tx_seq, payload.data, payload.size);
    ofpbuf_uninit(&payload);

    ecp->retries = 0;
    ecp->ack_deadline = time_msec() + ecp->ack_timeout;
    ecp->stats.n_tx_requests++;
    ecp->send(ecp->inflight, ecp->send_aux);
}

/* Carries out what 'event' does in the current state. */
static void
ecp_tx_event(struct ecp_agent *ecp, enum ecp_tx_event event)
{
    const struct ecp_tx_transition *t = ecp_tx_transition(ecp->state, event);

    switch (t->action) {
    case ECP_TXA_NONE:
        break;

    case ECP_TXA_SEND:
        ecp_tx_send(ecp);
        break;

    case ECP_TXA_RETRANSMIT:
        ecp->retries++;
        ecp->stats.n_tx_retransmits++;
        ecp->ack_deadline = time_msec() + ecp->ack_timeout;
        VLOG_DBG("port %s: retransmitting ECP seq %"PRIu16" (%u)",
                 ecp->name, ecp->tx_seq, ecp->retries);
        ecp->send(ecp->inflight, ecp->send_aux);
        break;

    case ECP_TXA_GIVE_UP:
        ecp->stats.n_tx_failures++;
        VLOG_WARN_RL(&rl, "port %s: station did not acknowledge ECP seq "
                     "%"PRIu16" after %u retransmissions, giving it up",
                     ecp->name, ecp->tx_seq, ecp->retries);
        /* Fall through. */
    case ECP_TXA_RELEASE:
        ofpbuf_delete(ecp->inflight);
        ecp->inflight = NULL;
        break;

    case ECP_TX_N_ACTIONS:
        OVS_NOT_REACHED();
    }
    ecp_tx_set_state(ecp, t->next);
}

/* When the current state times out, LLONG_MAX if never. */
static long long int
ecp_tx_deadline(const struct ecp_agent *ecp)
{
    return ecp->state == ECP_TX_WAIT_ACK ? ecp->ack_deadline : LLONG_MAX;
}

void
ecp_agent_queue(struct ecp_agent *ecp, uint64_t gen,
                const void *header, size_t header_len,
                const void *body, size_t body_len)
{
    ecp_agent_queue_fallback(ecp, gen, header, header_len, body, body_len,
                             LLONG_MAX, NULL, 0);
}

void
ecp_agent_queue_fallback(struct ecp_agent *ecp, uint64_t gen,
                         const void *header, size_t header_len,
                         const void *body, size_t body_len,
                         long long int deadline,
                         const void *fallback, size_t fallback_len)
{
    struct ecp_unit *unit = xmalloc(sizeof *unit + header_len + body_len
                                    + fallback_len);

    unit->gen = gen;
    unit->deadline = fallback ? deadline : LLONG_MAX;
    unit->header_len = header_len;
    unit->body_len = body_len;
    unit->fallback_len = fallback ? fallback_len : 0;
    memcpy(unit->data, header, header_len);
    memcpy(unit->data + header_len, body, body_len);
    if (fallback) {
        memcpy(unit->data + header_len + body_len, fallback, fallback_len);
    }
    ovs_list_push_back(&ecp->pending, &unit->node);
}

/* 'unit''s generation was not done by its deadline: its fallback goes
 * instead of its body. */
static void
ecp_unit_fall_back(struct ecp_agent *ecp, struct ecp_unit *unit)
{
    memmove(unit->data + unit->header_len,
            unit->data + unit->header_len + unit->body_len,
            unit->fallback_len);
    unit->body_len = unit->fallback_len;
    unit->fallback_len = 0;
    unit->deadline = LLONG_MAX;
    ecp->stats.n_tx_fallbacks++;
    VLOG_WARN_RL(&rl, "port %s: a change was not confirmed in time, "
                 "sending its fallback answer", ecp->name);
}

/* Moves the units at the head of the pending queue whose generation is
 * done to the ready queue, in order. */
static void
ecp_agent_release_pending(struct ecp_agent *ecp,
                          ecp_agent_may_send_func *may_send, const void *aux)
{
    struct ecp_unit *unit;

    LIST_FOR_EACH_SAFE (unit, node, &ecp->pending) {
        if (unit->gen && !may_send(unit->gen, aux)) {
            if (time_msec() < unit->deadline) {
                break;
            }
            ecp_unit_fall_back(ecp, unit);
        }
        ovs_list_remove(&unit->node);
        if (ecp->n_ready >= MAX_READY) {
            ecp->stats.n_tx_dropped++;
            VLOG_WARN_RL(&rl, "port %s: %"PRIuSIZE" units wait for the "
                         "station already, dropping one", ecp->name,
                         ecp->n_ready);
            free(unit);
            continue;
        }
        ovs_list_push_back(&ecp->ready, &unit->node);
        ecp->n_ready++;
    }
}

void
ecp_agent_run(struct ecp_agent *ecp, ecp_agent_may_send_func *may_send,
              const void *aux)
{
    ecp_agent_release_pending(ecp, may_send, aux);
    if (time_msec() >= ecp_tx_deadline(ecp)) {
        ecp_tx_event(ecp, (ecp->retries < ecp->max_retries
                           ? ECP_TXE_TIMEOUT : ECP_TXE_LAST_TIMEOUT));
    }
    if (!ovs_list_is_empty(&ecp->ready)) {
        ecp_tx_event(ecp, ECP_TXE_READY);
    }
}

void
ecp_agent_wait(const struct ecp_agent *ecp)
{
    long long int deadline = ecp_tx_deadline(ecp);
    if (deadline != LLONG_MAX) {
        poll_timer_wait_until(deadline);
    }
    if (!ovs_list_is_empty(&ecp->pending)) {
        /* Units go in order: only the first one's deadline counts. */
        const struct ecp_unit *unit
            = CONTAINER_OF(ovs_list_front(&ecp->pending), struct ecp_unit,
                           node);
        if (unit->deadline != LLONG_MAX) {
            poll_timer_wait_until(unit->deadline);
        }
    }
}

/* The receiver. */

enum ecp_rx_result
ecp_agent_receive(struct ecp_agent *ecp, const void *frame, size_t size,
                  long long int received, struct ecpdu *pdu)
{
    char *error = ecp_decode(frame, size, pdu);
    if (error) {
        ecp->stats.n_rx_errors++;
        VLOG_WARN_RL(&rl, "port %s: dropping frame: %s", ecp->name, error);
        free(error);
        return ECP_RX_INVALID;
    }

    if (pdu->op == ECP_OP_ACK) {
        ecp->stats.n_rx_acks++;
        if (ecp->state == ECP_TX_WAIT_ACK && pdu->seq == ecp->tx_seq) {
            ecp_tx_event(ecp, ECP_TXE_ACK);
        } else {
            VLOG_DBG("port %s: ignoring ACK of ECP seq %"PRIu16, ecp->name,
                     pdu->seq);
        }
        return ECP_RX_HANDLED;
    }

    /* Acknowledge every request at once, duplicates too: the station
     * retransmits until it hears an ACK. */
    uint64_t stub[64 / 8];
    struct ofpbuf ack = OFPBUF_STUB_INITIALIZER(stub);
    ecp_encode(&ack, ecp->mac, ECP_OP_ACK, pdu->subtype, pdu->seq, NULL, 0);
    ecp->send(&ack, ecp->send_aux);
    ofpbuf_uninit(&ack);
    ecp->stats.n_acks_sent++;
    long long int latency = time_usec() - received;
    ecp->stats.ack_latency_sum += latency;
    ecp->stats.ack_latency_max = MAX(ecp->stats.ack_latency_max, latency);

    if (!ecp_rx_dedup_accept(&ecp->dedup, pdu->seq)) {
        ecp->stats.n_rx_dups++;
        VLOG_DBG("port %s: duplicate ECP seq %"PRIu16, ecp->name, pdu->seq);
        return ECP_RX_HANDLED;
    }
    ecp->stats.n_rx_requests++;
    return ECP_RX_DELIVER;
}

/* Introspection. */

void
ecp_agent_get_stats(const struct ecp_agent *ecp,
                    struct ecp_agent_stats *stats)
{
    *stats = ecp->stats;
    stats->tx_seq = ecp->tx_seq;
    stats->state = ecp->state;
    stats->n_pending = ovs_list_size(&ecp->pending);
    stats->n_ready = ecp->n_ready;
}
