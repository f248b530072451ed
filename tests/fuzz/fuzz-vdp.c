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

/* Fuzzing harness of the VDP decoder (lib/vdp.c): one input is the
 * upper-layer data of an ECP REQUEST, a VDPDU, as nve-controller hands it
 * to vdpdu_decode().  What decodes is formatted for the log, mapped onto
 * the VSI state machine in every state, and answered as the NVE answers
 * (the TLV echoed with a status byte and assigned VIDs, and an unsolicited
 * DE-ASSOC); each of these TLVs, and the request itself, encodes and
 * decodes back to the same. */

#include <config.h>
#include "vdp.h"

#include <string.h>
#include "fuzz.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

/* Encodes 'vsi' alone in a VDPDU, decodes it, and checks that it comes
 * back as it was. */
static void
check_round_trip(const struct vdp_vsi *vsi)
{
    struct ofpbuf b;

    ofpbuf_init(&b, 0);
    vdp_put_mgr_id(&b, vsi->mgr_id);
    vdp_put_vsi(&b, vsi);
    vdp_put_end(&b);
    FUZZ_CHECK(b.size == 2 + VDP_MGR_ID_LEN + vdp_vsi_tlv_size(vsi) + 2);

    struct vdpdu back;
    char *error = vdpdu_decode(b.data, b.size, &back);
    if (error) {
        fprintf(stderr, "%s\n", error);
    }
    FUZZ_CHECK(!error);
    FUZZ_CHECK(back.n_vsis == 1 && !back.n_ouis && back.end);

    const struct vdp_vsi *v = &back.vsis[0];
    FUZZ_CHECK(v->type == vsi->type && v->status == vsi->status);
    FUZZ_CHECK(vdp_vsi_same_content(v, vsi));
    FUZZ_CHECK(v->raw_n_entries == vsi->raw_n_entries);
    vdpdu_destroy(&back);
    ofpbuf_uninit(&b);
}

static void
check_vsi(const struct vdp_vsi *rq, const struct vdp_vsi *prev)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    char id[VDP_VSIID_STRLEN];

    FUZZ_CHECK(vdp_tlv_type_is_vsi(rq->type));
    FUZZ_CHECK(!rq->error == !rq->error_msg);
    FUZZ_CHECK(!rq->filters != !rq->raw_filters);
    vdp_vsi_format(rq, &s);
    if (vdp_vsiid_to_string(rq->vsiid_format, rq->vsiid, id)) {
        FUZZ_CHECK(id[0] && strlen(id) < VDP_VSIID_STRLEN);
    } else {
        /* Refused, if not for this then for an earlier problem. */
        FUZZ_CHECK(rq->error != VDP_ERR_NONE);
    }
    check_round_trip(rq);

    for (int state = 0; state < VSI_N_STATES; state++) {
        struct vdp_events ev;

        vdp_request_events(rq, prev, state, &ev);
        FUZZ_CHECK(ev.n >= 1 && ev.n <= ARRAY_SIZE(ev.events));
        for (size_t i = 0; i < ev.n; i++) {
            FUZZ_CHECK(ev.events[i] < VSI_N_EVENTS);
        }
    }

    /* The response, with the status that the request's type version
     * picks and the VIDs that the NVE assigns, and a DE-ASSOC. */
    enum vsi_status status = rq->type_version % VSI_N_STATUSES;
    struct vdp_vsi resp;
    vdp_vsi_response(rq, vdp_response_status(status, rq->type_version & 1,
                                             rq->type_version & 2),
                     &resp);
    for (size_t i = 0; i < resp.n_filters; i++) {
        struct vdp_filter *f = &resp.filters[i];
        f->vid_word = vdp_response_vid_word(f->vid_word, 1 + i % 4094,
                                            (int) (i % 9) - 1);
        FUZZ_CHECK(vdp_filter_vid(f) != 0);
    }
    ds_clear(&s);
    vdp_vsi_format(&resp, &s);
    check_round_trip(&resp);

    struct vdp_vsi deassoc;
    vdp_vsi_deassoc(&resp, &deassoc);
    FUZZ_CHECK(deassoc.type == VDP_TLV_DEASSOC && !deassoc.status);
    check_round_trip(&deassoc);
    vdp_vsi_destroy(&deassoc);
    vdp_vsi_destroy(&resp);
    ds_destroy(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vdpdu pdu;
    char *error = vdpdu_decode(data, size, &pdu);

    if (error) {
        FUZZ_CHECK(*error && !pdu.n_vsis && !pdu.n_ouis);
        free(error);
        vdpdu_destroy(&pdu);
        return 0;
    }

    struct ds s = DS_EMPTY_INITIALIZER;
    vdpdu_format(&pdu, &s);
    ds_destroy(&s);
    for (size_t i = 0; i < pdu.n_vsis; i++) {
        check_vsi(&pdu.vsis[i], i ? &pdu.vsis[i - 1] : NULL);
    }
    vdpdu_destroy(&pdu);
    return 0;
}
