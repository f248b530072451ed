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

/* The LLDP/EVB agent of a port, for nve-controller's VDP server: who the
 * station behind the port is, the LLDPDUs that tell it the NVE's EVB TLV,
 * and the ECP and VDP timers that the two TLVs give.  The VDP server owns
 * one per TES-facing port: it feeds it the LLDP frames that the port punts
 * to the controller and the sources of its ECPDUs, gives it a function that
 * sends through ofctrl packet-outs, and hands the ECP timers to the port's
 * ECP agent (ecp-agent.c).  See evb-agent.h. */

#include <config.h>
#include "evb-agent.h"

#include <string.h>
#include "lib/evb.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(evb_agent);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

#define LLDP_TX_HOLD 4                  /* TTL = 4 intervals. */
#define LLDP_FAST_COUNT 4               /* First LLDPDUs, 1 s apart. */
#define LLDP_FAST_INTERVAL 1000

struct evb_agent {
    char *name;                     /* For log messages: "port NAME: ...". */
    struct eth_addr mac;            /* The NVE's address on the port. */
    evb_agent_send_func *send;
    void *send_aux;

    /* What the NVE advertises. */
    struct evb_tlv own;
    long long int lldp_interval;    /* ms. */

    /* The station, as far as it made itself known. */
    bool has_station;
    struct eth_addr station_mac;
    bool has_station_evb;
    struct evb_tlv station_evb;
    long long int station_lldp_at;  /* time_msec() of its last LLDPDU. */

    /* LLDP transmission. */
    long long int next_lldp;        /* time_msec(), LLONG_MAX if never. */
    unsigned int n_lldp_fast;

    /* Statistics. */
    uint64_t n_lldp_sent;
    uint64_t n_lldp_received;
};

struct evb_agent *
evb_agent_create(const char *name, evb_agent_send_func *send, void *aux)
{
    struct evb_agent *evb = xzalloc(sizeof *evb);

    evb->name = xstrdup(name);
    evb->send = send;
    evb->send_aux = aux;
    evb->next_lldp = LLONG_MAX;
    return evb;
}

void
evb_agent_destroy(struct evb_agent *evb)
{
    if (evb) {
        free(evb->name);
        free(evb);
    }
}

void
evb_agent_set_mac(struct evb_agent *evb, struct eth_addr mac)
{
    evb->mac = mac;
}

void
evb_agent_set_config(struct evb_agent *evb, const struct evb_tlv *own,
                     long long int lldp_interval)
{
    if (memcmp(own, &evb->own, sizeof *own)
        || lldp_interval != evb->lldp_interval) {
        /* Tell the station at once. */
        evb->own = *own;
        evb->lldp_interval = lldp_interval;
        if (evb->next_lldp != LLONG_MAX) {
            evb->next_lldp = time_msec();
        }
    }
}

void
evb_agent_restart(struct evb_agent *evb)
{
    evb->next_lldp = time_msec();
    evb->n_lldp_fast = 0;
}

/* Station discovery. */

void
evb_agent_receive_lldp(struct evb_agent *evb, const void *frame, size_t size)
{
    struct evb_lldpdu lldp;
    char *error = evb_lldpdu_decode(frame, size, &lldp);

    if (error) {
        VLOG_WARN_RL(&rl, "port %s: dropping LLDPDU: %s", evb->name, error);
        free(error);
        return;
    }
    evb->n_lldp_received++;
    evb->station_lldp_at = time_msec();

    bool changed = (!evb->has_station
                    || !eth_addr_equals(evb->station_mac, lldp.src)
                    || evb->has_station_evb != lldp.has_evb
                    || (lldp.has_evb
                        && memcmp(&evb->station_evb, &lldp.evb,
                                  sizeof lldp.evb)));
    evb->has_station = true;
    evb->station_mac = lldp.src;
    evb->has_station_evb = lldp.has_evb;
    if (lldp.has_evb) {
        evb->station_evb = lldp.evb;
    }
    if (changed) {
        struct ds ds = DS_EMPTY_INITIALIZER;
        evb_lldpdu_format(&lldp, &ds);
        VLOG_INFO("port %s: %s", evb->name, ds_cstr(&ds));
        ds_destroy(&ds);
        if (lldp.has_evb && lldp.evb.mode != EVB_MODE_STATION) {
            VLOG_WARN_RL(&rl, "port %s: peer's EVB mode is not station",
                         evb->name);
        }
    }
}

void
evb_agent_heard_ecp(struct evb_agent *evb, struct eth_addr src)
{
    if (!evb->has_station || !eth_addr_equals(evb->station_mac, src)) {
        evb->has_station = true;
        evb->station_mac = src;
    }
}

/* LLDP transmission. */

void
evb_agent_run(struct evb_agent *evb)
{
    long long int now = time_msec();
    if (now < evb->next_lldp) {
        return;
    }

    uint64_t stub[128 / 8];
    struct ofpbuf b = OFPBUF_STUB_INITIALIZER(stub);
    long long int ttl = MIN(UINT16_MAX, DIV_ROUND_UP(LLDP_TX_HOLD
                                                     * evb->lldp_interval,
                                                     1000));
    evb_lldpdu_encode(&b, evb->mac, ttl, &evb->own);
    evb->send(&b, evb->send_aux);
    ofpbuf_uninit(&b);
    evb->n_lldp_sent++;

    long long int interval = evb->lldp_interval;
    if (evb->n_lldp_fast < LLDP_FAST_COUNT) {
        evb->n_lldp_fast++;
        interval = MIN(interval, LLDP_FAST_INTERVAL);
    }
    evb->next_lldp = now + interval;
}

void
evb_agent_wait(const struct evb_agent *evb)
{
    if (evb->next_lldp != LLONG_MAX) {
        poll_timer_wait_until(evb->next_lldp);
    }
}

/* The negotiated timers: the larger of the NVE's and the station's. */

static unsigned int
evb_agent_rte(const struct evb_agent *evb)
{
    return MAX(evb->own.rte,
               evb->has_station_evb ? evb->station_evb.rte : 0);
}

long long int
evb_agent_ack_timeout(const struct evb_agent *evb)
{
    return MAX(1, DIV_ROUND_UP(evb_exp_to_usec(evb_agent_rte(evb)), 1000));
}

unsigned int
evb_agent_max_retries(const struct evb_agent *evb)
{
    return MAX(evb->own.r, evb->has_station_evb ? evb->station_evb.r : 0);
}

/* How often the station sends VDP keep-alives, in ms. */
static long long int
evb_agent_keepalive_interval(const struct evb_agent *evb)
{
    unsigned int rka = MAX(evb->own.rka,
                           evb->has_station_evb ? evb->station_evb.rka : 0);
    return DIV_ROUND_UP(evb_exp_to_usec(rka), 1000);
}

/* Introspection. */

void
evb_agent_format(const struct evb_agent *evb, struct ds *ds)
{
    ds_put_cstr(ds, "  station: ");
    if (evb->has_station) {
        ds_put_format(ds, ETH_ADDR_FMT, ETH_ADDR_ARGS(evb->station_mac));
        if (evb->has_station_evb) {
            ds_put_cstr(ds, ", EVB ");
            evb_tlv_format(&evb->station_evb, ds);
        } else {
            ds_put_cstr(ds, ", no EVB TLV heard");
        }
        if (evb->station_lldp_at) {
            ds_put_format(ds, ", last LLDPDU %lld ms ago",
                          time_msec() - evb->station_lldp_at);
        }
        ds_put_char(ds, '\n');
    } else {
        ds_put_cstr(ds, "none heard\n");
    }

    ds_put_format(ds, "  timers: ECP ACK timeout %lld ms (RTE %u), "
                  "%u retries, station keep-alive every %lld ms\n",
                  evb_agent_ack_timeout(evb), evb_agent_rte(evb),
                  evb_agent_max_retries(evb),
                  evb_agent_keepalive_interval(evb));
}

void
evb_agent_get_lldp_stats(const struct evb_agent *evb, uint64_t *n_sent,
                         uint64_t *n_received)
{
    *n_sent = evb->n_lldp_sent;
    *n_received = evb->n_lldp_received;
}
