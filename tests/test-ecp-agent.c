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

/* CUnit tests of controller/ecp-agent.c: the transmitter's table, pair by
 * pair, receive de-duplication, and an agent driven through its interface
 * with a send function that records frames and a generation gate that the
 * test moves.  An ACK timeout of 0 ms makes every run a timeout, so that
 * retransmission needs no sleeping. */

#include <config.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "controller/ecp-agent.h"
#include "lib/ecp.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "timeval.h"
#include "util.h"
#include "unit-tests.h"

/* The table. */

static void
test_table(void)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    for (int st = 0; st < ECP_TX_N_STATES; st++) {
        for (int ev = 0; ev < ECP_TX_N_EVENTS; ev++) {
            const struct ecp_tx_transition *t = ecp_tx_transition(st, ev);
            ds_put_format(&s, "%s %s -> %s %s\n", ecp_tx_state_name(st),
                          ecp_tx_event_name(ev), ecp_tx_state_name(t->next),
                          ecp_tx_action_name(t->action));
        }
    }
    CU_ASSERT_STRING_EQUAL(ds_cstr(&s),
                           "idle ready -> wait_ack send\n"
                           "idle ack -> idle -\n"
                           "idle timeout -> idle -\n"
                           "idle last_timeout -> idle -\n"
                           "wait_ack ready -> wait_ack -\n"
                           "wait_ack ack -> idle release\n"
                           "wait_ack timeout -> wait_ack retransmit\n"
                           "wait_ack last_timeout -> idle give_up\n");
    ds_destroy(&s);
}

/* Rules that the table must follow, stated apart from it. */
static void
test_table_rules(void)
{
    for (int st = 0; st < ECP_TX_N_STATES; st++) {
        for (int ev = 0; ev < ECP_TX_N_EVENTS; ev++) {
            const struct ecp_tx_transition *t = ecp_tx_transition(st, ev);

            /* An ECPDU is in flight exactly in WAIT_ACK: sending enters
             * it, forgetting the ECPDU leaves it. */
            switch (t->action) {
            case ECP_TXA_SEND:
                CU_ASSERT_EQUAL(st, ECP_TX_IDLE);
                CU_ASSERT_EQUAL(t->next, ECP_TX_WAIT_ACK);
                break;
            case ECP_TXA_RETRANSMIT:
                CU_ASSERT_EQUAL(st, ECP_TX_WAIT_ACK);
                CU_ASSERT_EQUAL(t->next, ECP_TX_WAIT_ACK);
                break;
            case ECP_TXA_RELEASE:
            case ECP_TXA_GIVE_UP:
                CU_ASSERT_EQUAL(st, ECP_TX_WAIT_ACK);
                CU_ASSERT_EQUAL(t->next, ECP_TX_IDLE);
                break;
            case ECP_TXA_NONE:
                CU_ASSERT_EQUAL(t->next, st);
                break;
            case ECP_TX_N_ACTIONS:
            default:
                CU_FAIL("invalid action");
            }
        }
    }
}

static void
test_names(void)
{
    for (int st = 0; st < ECP_TX_N_STATES; st++) {
        CU_ASSERT_STRING_NOT_EQUAL(ecp_tx_state_name(st), "<invalid>");
    }
    for (int ev = 0; ev < ECP_TX_N_EVENTS; ev++) {
        CU_ASSERT_STRING_NOT_EQUAL(ecp_tx_event_name(ev), "<invalid>");
    }
    for (int a = 0; a < ECP_TX_N_ACTIONS; a++) {
        CU_ASSERT_STRING_NOT_EQUAL(ecp_tx_action_name(a), "<invalid>");
    }
    CU_ASSERT_STRING_EQUAL(ecp_tx_state_name(ECP_TX_N_STATES), "<invalid>");
}

static void
test_rx_dedup(void)
{
    struct ecp_rx_dedup d = { .valid = false };

    /* Any first number is new, 0 too; only the last one is remembered. */
    CU_ASSERT(ecp_rx_dedup_accept(&d, 0));
    CU_ASSERT_FALSE(ecp_rx_dedup_accept(&d, 0));
    CU_ASSERT(ecp_rx_dedup_accept(&d, 7));
    CU_ASSERT_FALSE(ecp_rx_dedup_accept(&d, 7));
    CU_ASSERT_FALSE(ecp_rx_dedup_accept(&d, 7));
    CU_ASSERT(ecp_rx_dedup_accept(&d, 8));
    CU_ASSERT(ecp_rx_dedup_accept(&d, 7));
}

/* An agent with a recording send function and a gate "done up to". */

static const struct eth_addr agent_mac = ETH_ADDR_C(52,54,00,bb,00,02);
static const struct eth_addr station_mac = ETH_ADDR_C(52,54,00,aa,00,01);
static const uint8_t trailer[2] = { 0, 0 };

struct harness {
    struct ecp_agent *ecp;
    struct ofpbuf *sent[16];        /* Frames sent, oldest first. */
    size_t n_sent;
    uint64_t done;                  /* Generations up to this one are done. */
};

static void
record_frame(const struct ofpbuf *frame, void *h_)
{
    struct harness *h = h_;

    CU_ASSERT_FATAL(h->n_sent < ARRAY_SIZE(h->sent));
    h->sent[h->n_sent++] = ofpbuf_clone(frame);
}

static bool
gen_done(uint64_t gen, const void *h_)
{
    const struct harness *h = h_;

    CU_ASSERT(gen != 0);
    return gen <= h->done;
}

static void
harness_init(struct harness *h, long long int ack_timeout,
             unsigned int max_retries)
{
    memset(h, 0, sizeof *h);
    h->ecp = ecp_agent_create("p1", ECP_SUBTYPE_VDP, trailer,
                              sizeof trailer, record_frame, h);
    ecp_agent_set_mac(h->ecp, agent_mac);
    ecp_agent_set_timers(h->ecp, ack_timeout, max_retries);
}

static void
harness_run(struct harness *h)
{
    ecp_agent_run(h->ecp, gen_done, h);
}

static void
harness_destroy(struct harness *h)
{
    ecp_agent_destroy(h->ecp);
    for (size_t i = 0; i < h->n_sent; i++) {
        ofpbuf_delete(h->sent[i]);
    }
}

/* Checks that frame 'i' that 'h' sent is an ECPDU of 'op' with 'seq' and
 * the 'len' bytes of 'payload'. */
static void
check_sent(const struct harness *h, size_t i, enum ecp_op op, uint16_t seq,
           const char *payload, size_t len)
{
    struct ecpdu pdu;

    CU_ASSERT_FATAL(i < h->n_sent);
    char *error = ecp_decode(h->sent[i]->data, h->sent[i]->size, &pdu);
    CU_ASSERT_PTR_NULL_FATAL(error);
    CU_ASSERT(eth_addr_equals(pdu.src, agent_mac));
    CU_ASSERT_EQUAL(pdu.op, op);
    CU_ASSERT_EQUAL(pdu.subtype, ECP_SUBTYPE_VDP);
    CU_ASSERT_EQUAL(pdu.seq, seq);
    if (op == ECP_OP_REQUEST) {
        CU_ASSERT_EQUAL_FATAL(pdu.payload_len, len);
        CU_ASSERT(!memcmp(pdu.payload, payload, len));
    }
}

/* Makes the station send an ECPDU of 'op' with 'seq' to the agent. */
static enum ecp_rx_result
station_sends(struct harness *h, enum ecp_op op, uint16_t seq)
{
    struct ofpbuf b;
    struct ecpdu pdu;

    ofpbuf_init(&b, 64);
    ecp_encode(&b, station_mac, op, ECP_SUBTYPE_VDP, seq, "xy", 2);
    enum ecp_rx_result rx = ecp_agent_receive(h->ecp, b.data, b.size,
                                              time_usec(), &pdu);
    if (rx != ECP_RX_INVALID) {
        CU_ASSERT(eth_addr_equals(pdu.src, station_mac));
        CU_ASSERT_EQUAL(pdu.seq, seq);
    }
    ofpbuf_uninit(&b);
    return rx;
}

static struct ecp_agent_stats
stats(const struct harness *h)
{
    struct ecp_agent_stats st;
    ecp_agent_get_stats(h->ecp, &st);
    return st;
}

/* The counters of 'h', in one line: "rx REQUESTS/DUPS/ACKS/ERRORS acks
 * ACKS_SENT tx REQUESTS/RETRANSMITS/FAILURES/DROPPED seq SEQ STATE pending
 * N ready N". */
static const char *
counters(const struct harness *h)
{
    static char s[256];
    struct ecp_agent_stats st = stats(h);

    snprintf(s, sizeof s, "rx %"PRIu64"/%"PRIu64"/%"PRIu64"/%"PRIu64
             " acks %"PRIu64" tx %"PRIu64"/%"PRIu64"/%"PRIu64"/%"PRIu64
             " seq %"PRIu16" %s pending %"PRIuSIZE" ready %"PRIuSIZE,
             st.n_rx_requests, st.n_rx_dups, st.n_rx_acks, st.n_rx_errors,
             st.n_acks_sent, st.n_tx_requests, st.n_tx_retransmits,
             st.n_tx_failures, st.n_tx_dropped, st.tx_seq,
             ecp_tx_state_name(st.state), st.n_pending, st.n_ready);
    return s;
}

static void
test_receive(void)
{
    struct harness h;
    harness_init(&h, 1000, 3);

    /* A request: acknowledged, delivered; its retransmission acknowledged
     * again, not delivered; the next one delivered. */
    CU_ASSERT_EQUAL(station_sends(&h, ECP_OP_REQUEST, 18), ECP_RX_DELIVER);
    CU_ASSERT_EQUAL(station_sends(&h, ECP_OP_REQUEST, 18), ECP_RX_HANDLED);
    CU_ASSERT_EQUAL(station_sends(&h, ECP_OP_REQUEST, 19), ECP_RX_DELIVER);
    CU_ASSERT_EQUAL(h.n_sent, 3);
    check_sent(&h, 0, ECP_OP_ACK, 18, NULL, 0);
    check_sent(&h, 1, ECP_OP_ACK, 18, NULL, 0);
    check_sent(&h, 2, ECP_OP_ACK, 19, NULL, 0);
    CU_ASSERT_EQUAL(h.sent[0]->size, 18);      /* Unpadded, as lldpad. */

    /* An ACK of nothing in flight, and a frame that is not ECP. */
    CU_ASSERT_EQUAL(station_sends(&h, ECP_OP_ACK, 1), ECP_RX_HANDLED);
    CU_ASSERT_EQUAL(ecp_agent_receive(h.ecp, "short", 5, time_usec(),
                                      &(struct ecpdu) { .seq = 0 }),
                    ECP_RX_INVALID);
    CU_ASSERT_EQUAL(h.n_sent, 3);

    CU_ASSERT_STRING_EQUAL(counters(&h), "rx 2/1/1/1 acks 3 tx 0/0/0/0 "
                           "seq 0 idle pending 0 ready 0");
    CU_ASSERT(stats(&h).ack_latency_max >= 0);
    harness_destroy(&h);
}

/* Queues a unit with header 'hdr' and body 'body' (strings). */
static void
queue(struct harness *h, uint64_t gen, const char *hdr, const char *body)
{
    ecp_agent_queue(h->ecp, gen, hdr, strlen(hdr), body, strlen(body));
}

static void
test_gate_and_order(void)
{
    struct harness h;
    harness_init(&h, 1000, 3);

    /* Nothing goes before its generation is done, nor before a unit queued
     * earlier. */
    queue(&h, 2, "H", "a");
    queue(&h, 0, "H", "b");
    harness_run(&h);
    CU_ASSERT_EQUAL(h.n_sent, 0);
    CU_ASSERT_EQUAL(stats(&h).n_pending, 2);
    CU_ASSERT_EQUAL(stats(&h).state, ECP_TX_IDLE);

    /* Both go, in one ECPDU: one header, the bodies, the trailer. */
    h.done = 2;
    harness_run(&h);
    CU_ASSERT_EQUAL(h.n_sent, 1);
    check_sent(&h, 0, ECP_OP_REQUEST, 1, "Hab\0\0", 5);
    CU_ASSERT_STRING_EQUAL(counters(&h), "rx 0/0/0/0 acks 0 tx 1/0/0/0 "
                           "seq 1 wait_ack pending 0 ready 0");

    /* While it is in flight, ready units wait; those with the same header
     * share the next ECPDU, another header starts one more. */
    queue(&h, 0, "H", "c");
    queue(&h, 1, "H", "d");
    queue(&h, 0, "K", "e");
    harness_run(&h);
    CU_ASSERT_EQUAL(h.n_sent, 1);
    CU_ASSERT_EQUAL(stats(&h).n_ready, 3);

    /* A stray ACK changes nothing; the right one frees the way, and the
     * next ECPDU goes at the next run. */
    CU_ASSERT_EQUAL(station_sends(&h, ECP_OP_ACK, 9), ECP_RX_HANDLED);
    CU_ASSERT_EQUAL(stats(&h).state, ECP_TX_WAIT_ACK);
    CU_ASSERT_EQUAL(station_sends(&h, ECP_OP_ACK, 1), ECP_RX_HANDLED);
    CU_ASSERT_EQUAL(stats(&h).state, ECP_TX_IDLE);
    CU_ASSERT_EQUAL(h.n_sent, 1);
    harness_run(&h);
    CU_ASSERT_EQUAL(h.n_sent, 2);
    check_sent(&h, 1, ECP_OP_REQUEST, 2, "Hcd\0\0", 5);
    CU_ASSERT_EQUAL(station_sends(&h, ECP_OP_ACK, 2), ECP_RX_HANDLED);
    harness_run(&h);
    CU_ASSERT_EQUAL(h.n_sent, 3);
    check_sent(&h, 2, ECP_OP_REQUEST, 3, "Ke\0\0", 4);
    CU_ASSERT_EQUAL(station_sends(&h, ECP_OP_ACK, 3), ECP_RX_HANDLED);
    harness_run(&h);
    CU_ASSERT_EQUAL(h.n_sent, 3);

    CU_ASSERT_STRING_EQUAL(counters(&h), "rx 0/0/4/0 acks 0 tx 3/0/0/0 "
                           "seq 3 idle pending 0 ready 0");
    harness_destroy(&h);
}

static void
test_retransmit_and_give_up(void)
{
    struct harness h;
    harness_init(&h, 0, 2);

    queue(&h, 0, "H", "a");
    harness_run(&h);                /* Sent. */
    harness_run(&h);                /* Timed out: retransmitted. */
    harness_run(&h);                /* Again. */
    CU_ASSERT_EQUAL(h.n_sent, 3);
    for (size_t i = 0; i < 3; i++) {
        check_sent(&h, i, ECP_OP_REQUEST, 1, "Ha\0\0", 4);
    }
    CU_ASSERT_EQUAL(stats(&h).state, ECP_TX_WAIT_ACK);

    /* No retry left: given up, and the next unit has the next number. */
    queue(&h, 0, "H", "b");
    harness_run(&h);
    CU_ASSERT_EQUAL(h.n_sent, 4);
    check_sent(&h, 3, ECP_OP_REQUEST, 2, "Hb\0\0", 4);

    /* Acknowledged after one retransmission: no more. */
    harness_run(&h);
    CU_ASSERT_EQUAL(h.n_sent, 5);
    CU_ASSERT_EQUAL(station_sends(&h, ECP_OP_ACK, 2), ECP_RX_HANDLED);
    harness_run(&h);
    CU_ASSERT_EQUAL(h.n_sent, 5);

    CU_ASSERT_STRING_EQUAL(counters(&h), "rx 0/0/1/0 acks 0 tx 2/3/1/0 "
                           "seq 2 idle pending 0 ready 0");
    harness_destroy(&h);
}

static void
test_limits(void)
{
    struct harness h;
    harness_init(&h, 1000, 3);

    /* Units that do not fit in one ECPDU together go in two. */
    static char big[ECP_MAX_PAYLOAD / 2];
    memset(big, 'x', sizeof big - 1);
    queue(&h, 0, "H", big);
    queue(&h, 0, "H", big);
    harness_run(&h);
    CU_ASSERT_EQUAL(h.n_sent, 1);
    CU_ASSERT_EQUAL(stats(&h).n_ready, 1);

    /* At most 4096 units wait, ready, behind the one in flight. */
    for (int i = 0; i < 4100; i++) {
        queue(&h, 0, "H", "a");
    }
    harness_run(&h);
    CU_ASSERT_STRING_EQUAL(counters(&h), "rx 0/0/0/0 acks 0 tx 1/0/0/5 "
                           "seq 1 wait_ack pending 0 ready 4096");
    harness_destroy(&h);
}

/* A unit with a fallback: its body goes if its generation is done in time,
 * its fallback once the deadline passed, and units behind it wait for
 * either. */
static void
test_fallback(void)
{
    struct harness h;
    harness_init(&h, 1000, 3);

    ecp_agent_queue_fallback(h.ecp, 1, "H", 1, "ok", 2, time_msec() + 60000,
                             "no", 2);
    h.done = 1;
    harness_run(&h);
    CU_ASSERT_EQUAL(h.n_sent, 1);
    check_sent(&h, 0, ECP_OP_REQUEST, 1, "Hok\0\0", 5);
    CU_ASSERT_EQUAL(station_sends(&h, ECP_OP_ACK, 1), ECP_RX_HANDLED);

    ecp_agent_queue_fallback(h.ecp, 2, "H", 1, "ok", 2, time_msec() + 60000,
                             "no", 2);
    queue(&h, 0, "H", "z");
    harness_run(&h);
    CU_ASSERT_EQUAL(h.n_sent, 1);
    CU_ASSERT_EQUAL(stats(&h).n_pending, 2);
    CU_ASSERT_EQUAL(stats(&h).n_tx_fallbacks, 0);

    ecp_agent_queue_fallback(h.ecp, 3, "H", 1, "ok", 2, time_msec() - 1,
                             "no", 2);
    harness_run(&h);
    CU_ASSERT_EQUAL(h.n_sent, 1);   /* Behind generation 2, in order. */

    /* Generation 2 is done; 3 is not, and its deadline passed. */
    h.done = 2;
    harness_run(&h);
    CU_ASSERT_EQUAL(h.n_sent, 2);
    check_sent(&h, 1, ECP_OP_REQUEST, 2, "Hokzno\0\0", 8);
    CU_ASSERT_EQUAL(stats(&h).n_tx_fallbacks, 1);
    CU_ASSERT_EQUAL(stats(&h).n_pending, 0);
    harness_destroy(&h);
}

void
test_ecp_agent_register(void)
{
    static const struct {
        const char *name;
        CU_TestFunc func;
    } tests[] = {
        { "transmitter table", test_table },
        { "transmitter table rules", test_table_rules },
        { "names", test_names },
        { "receive de-duplication", test_rx_dedup },
        { "receive: ACKs and duplicates", test_receive },
        { "generation gate, order, sharing an ECPDU", test_gate_and_order },
        { "retransmission and giving up", test_retransmit_and_give_up },
        { "ECPDU size and queue bound", test_limits },
        { "fallback after a deadline", test_fallback },
    };
    CU_pSuite suite = CU_add_suite("ecp_agent", NULL, NULL);

    for (size_t i = 0; i < ARRAY_SIZE(tests); i++) {
        CU_add_test(suite, tests[i].name, tests[i].func);
    }
}
