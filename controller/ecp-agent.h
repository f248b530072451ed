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

#ifndef NVE_ECP_AGENT_H
#define NVE_ECP_AGENT_H 1

/* The ECP agent of one port: the bridge's end of the acknowledged, sequenced
 * transport of IEEE 802.1Qbg-2012 clause 43 (lib/ecp.h is its codec).
 *
 * Receiving, it acknowledges every request at once, duplicates too (the
 * station retransmits until it hears an ACK), and hands each request's
 * payload to its owner once: a request that repeats the sequence number of
 * the last one is a duplicate.
 *
 * Transmitting, it keeps one ECPDU in flight until the station acknowledges
 * it, retransmits it at every ACK timeout and gives it up after the last
 * retry.  What it sends are units of upper-layer data that its owner queues,
 * each with an opaque generation: a unit goes only once the owner's
 * predicate says its generation is done (for VDP: once the change that the
 * answer reports is durable and installed), and after every unit queued
 * before it.  Ready units that follow each other and have the same header
 * share an ECPDU: the header once, their bodies in order, then the trailer
 * that the owner gave at creation, as long as that fits in ECP_MAX_PAYLOAD.
 *
 * The transmitter is the state machine below: the table says, for each state
 * and event, the next state and what the agent does.  The table is pure and
 * tested exhaustively; the agent raises its events from its queue and its
 * deadline, never from a callback, and waits for the deadline with
 * poll_timer_wait_until().  Frames go out through a function the owner
 * gives: the agent does no I/O of its own. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "packets.h"

struct ecpdu;
struct ofpbuf;

/* States of the transmitter. */
#define ECP_TX_STATES                                                     \
    ECP_TX_STATE(IDLE, "idle",                                            \
                 "no ECPDU in flight: the next goes out as soon as a "    \
                 "unit is ready")                                         \
    ECP_TX_STATE(WAIT_ACK, "wait_ack",                                    \
                 "one ECPDU in flight, retransmitted at every ACK "       \
                 "timeout until acknowledged or out of retries")

enum ecp_tx_state {
#define ECP_TX_STATE(ENUM, NAME, DESCRIPTION) ECP_TX_##ENUM,
    ECP_TX_STATES
#undef ECP_TX_STATE
    ECP_TX_N_STATES
};

/* Events of the transmitter. */
#define ECP_TX_EVENTS                                                     \
    ECP_TX_EVENT(READY, "ready",                                          \
                 "a unit is ready to go")                                 \
    ECP_TX_EVENT(ACK, "ack",                                              \
                 "the station acknowledged the ECPDU in flight")          \
    ECP_TX_EVENT(TIMEOUT, "timeout",                                      \
                 "the ACK timeout expired, retries are left")             \
    ECP_TX_EVENT(LAST_TIMEOUT, "last_timeout",                            \
                 "the ACK timeout expired, no retry is left")

enum ecp_tx_event {
#define ECP_TX_EVENT(ENUM, NAME, DESCRIPTION) ECP_TXE_##ENUM,
    ECP_TX_EVENTS
#undef ECP_TX_EVENT
    ECP_TX_N_EVENTS
};

/* What the transmitter does on a transition. */
#define ECP_TX_ACTIONS                                                    \
    ECP_TX_ACTION(NONE, "-",                                              \
                  "nothing")                                              \
    ECP_TX_ACTION(SEND, "send",                                           \
                  "build the next ECPDU from the ready units, with the "  \
                  "next sequence number, send it, start the ACK timer")   \
    ECP_TX_ACTION(RETRANSMIT, "retransmit",                               \
                  "send the ECPDU in flight again, count a retry, "        \
                  "restart the ACK timer")                                \
    ECP_TX_ACTION(RELEASE, "release",                                     \
                  "forget the ECPDU in flight: it arrived")               \
    ECP_TX_ACTION(GIVE_UP, "give_up",                                     \
                  "forget the ECPDU in flight, count a failure")

enum ecp_tx_action {
#define ECP_TX_ACTION(ENUM, NAME, DESCRIPTION) ECP_TXA_##ENUM,
    ECP_TX_ACTIONS
#undef ECP_TX_ACTION
    ECP_TX_N_ACTIONS
};

struct ecp_tx_transition {
    enum ecp_tx_state next;
    enum ecp_tx_action action;
};

/* The transmitter's table: what 'event' does in 'state'.  Pure. */
const struct ecp_tx_transition *ecp_tx_transition(enum ecp_tx_state,
                                                  enum ecp_tx_event);

const char *ecp_tx_state_name(enum ecp_tx_state);
const char *ecp_tx_event_name(enum ecp_tx_event);
const char *ecp_tx_action_name(enum ecp_tx_action);

/* Receive de-duplication: the sequence number of the last request handed
 * to the owner, if any. */
struct ecp_rx_dedup {
    bool valid;
    uint16_t seq;
};

/* Returns false if a request with 'seq' repeats the last one, true if it is
 * new (and remembers it).  Pure. */
bool ecp_rx_dedup_accept(struct ecp_rx_dedup *, uint16_t seq);

/* The agent. */

/* Sends the whole Ethernet frame 'frame' on the owner's port. */
typedef void ecp_agent_send_func(const struct ofpbuf *frame, void *aux);

/* Whether units queued with generation 'gen' (never 0) may go now. */
typedef bool ecp_agent_may_send_func(uint64_t gen, const void *aux);

/* What ecp_agent_receive() made of a frame. */
enum ecp_rx_result {
    ECP_RX_INVALID,             /* Not an ECPDU: counted, logged, dropped. */
    ECP_RX_HANDLED,             /* An ACK, or a duplicate request that was
                                 * acknowledged again: nothing for the
                                 * owner. */
    ECP_RX_DELIVER,             /* A new request, acknowledged: its payload
                                 * is the owner's to handle. */
};

/* The agent's counters and state, as vdp/show prints them. */
struct ecp_agent_stats {
    /* Received. */
    uint64_t n_rx_requests;     /* New requests, handed to the owner. */
    uint64_t n_rx_dups;         /* Duplicate requests. */
    uint64_t n_rx_acks;         /* ACKs, expected or not. */
    uint64_t n_rx_errors;       /* Frames that are not ECPDUs. */
    uint64_t n_acks_sent;
    long long int ack_latency_sum;  /* us, from reception to the ACK. */
    long long int ack_latency_max;  /* us. */

    /* Sent. */
    uint64_t n_tx_requests;     /* ECPDUs, each counted once. */
    uint64_t n_tx_retransmits;
    uint64_t n_tx_failures;     /* ECPDUs given up unacknowledged. */
    uint64_t n_tx_dropped;      /* Units dropped because too many were
                                 * ready already. */
    uint64_t n_tx_fallbacks;    /* Units whose fallback went, their
                                 * generation not done in time. */
    uint16_t tx_seq;            /* Of the last ECPDU sent, 0 if none. */
    enum ecp_tx_state state;
    size_t n_pending;           /* Units whose generation is not done. */
    size_t n_ready;             /* Units ready, waiting for their turn. */
};

/* Creates an agent for the port that 'name' names in log messages.  It
 * sends ECPDUs of 'subtype', each ending in the 'trailer_len' bytes at
 * 'trailer', through 'send' with 'aux'. */
struct ecp_agent *ecp_agent_create(const char *name, uint16_t subtype,
                                   const void *trailer, size_t trailer_len,
                                   ecp_agent_send_func *send, void *aux);
void ecp_agent_destroy(struct ecp_agent *);

/* The source address of the frames that the agent sends. */
void ecp_agent_set_mac(struct ecp_agent *, struct eth_addr);

/* The timers, as EVB negotiated them: how long to wait for an ACK, in ms,
 * and how many times to retransmit.  They apply from the next ECPDU sent
 * or retransmitted. */
void ecp_agent_set_timers(struct ecp_agent *, long long int ack_timeout,
                          unsigned int max_retries);

/* Handles the Ethernet frame of 'size' bytes at 'frame' that the port
 * received with ethertype ECP, 'received' being time_usec() when it
 * arrived.  Unless it returns ECP_RX_INVALID, '*pdu' is the decoded ECPDU,
 * whose payload points into 'frame'. */
enum ecp_rx_result ecp_agent_receive(struct ecp_agent *,
                                     const void *frame, size_t size,
                                     long long int received,
                                     struct ecpdu *pdu);

/* Queues a unit: the 'body_len' bytes at 'body', that need the
 * 'header_len' bytes at 'header' before them in their ECPDU.  It goes once
 * generation 'gen' is done (0: at once), after every unit queued before
 * it. */
void ecp_agent_queue(struct ecp_agent *, uint64_t gen,
                     const void *header, size_t header_len,
                     const void *body, size_t body_len);

/* The same, but if generation 'gen' is not done by 'deadline' (a
 * time_msec()), the 'fallback_len' bytes at 'fallback' go instead of the
 * body, at once: for VDP, an answer that says the NVE could not confirm the
 * change in time. */
void ecp_agent_queue_fallback(struct ecp_agent *, uint64_t gen,
                              const void *header, size_t header_len,
                              const void *body, size_t body_len,
                              long long int deadline,
                              const void *fallback, size_t fallback_len);

/* Moves units whose generation 'may_send' says is done to the ready queue,
 * retransmits or gives up the ECPDU in flight once its ACK is overdue, and
 * sends the next ECPDU if none is in flight. */
void ecp_agent_run(struct ecp_agent *, ecp_agent_may_send_func *may_send,
                   const void *aux);
void ecp_agent_wait(const struct ecp_agent *);

void ecp_agent_get_stats(const struct ecp_agent *, struct ecp_agent_stats *);

#endif /* ecp-agent.h */
