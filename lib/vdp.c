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

/* The VDP codec (vdp.h), the bridge side: VDPDUs decoded from and encoded
 * into the data of ECP frames (lib/ecp.c), their textual form for logs and
 * tests, and the mapping between a station's requests and the events and
 * statuses of the VSI lifecycle (lib/vsi-lifecycle.c), so that
 * nve-controller's VDP front end (controller/vdp-server.c) only moves
 * frames and VSIs. */

#include <config.h>
#include "vdp.h"

#include <arpa/inet.h>
#include <string.h>
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

/* Names. */

const char *
vdp_tlv_type_name(enum vdp_tlv_type type)
{
    switch (type) {
#define VDP_TLV_TYPE(ENUM, VALUE, NAME) case VDP_TLV_##ENUM: return NAME;
        VDP_TLV_TYPES
#undef VDP_TLV_TYPE
    }
    return "unknown";
}

const char *
vdp_error_description(enum vdp_error error)
{
    switch (error) {
#define VDP_ERROR(ENUM, VALUE, DESCRIPTION) \
        case VDP_ERR_##ENUM: return DESCRIPTION;
        VDP_ERRORS
#undef VDP_ERROR
    }
    return "reserved error code";
}

const char *
vdp_vsiid_format_name(uint8_t format)
{
    switch (format) {
#define VDP_VSIID_FORMAT(ENUM, VALUE, NAME) case VALUE: return NAME;
        VDP_VSIID_FORMATS
#undef VDP_VSIID_FORMAT
    }
    return "unknown";
}

const char *
vdp_filter_format_name(uint8_t format)
{
    switch (format) {
#define VDP_FILTER_FORMAT(ENUM, VALUE, SIZE, NAME) case VALUE: return NAME;
        VDP_FILTER_FORMATS
#undef VDP_FILTER_FORMAT
    }
    return "unknown";
}

size_t
vdp_filter_entry_size(uint8_t format)
{
    switch (format) {
#define VDP_FILTER_FORMAT(ENUM, VALUE, SIZE, NAME) case VALUE: return SIZE;
        VDP_FILTER_FORMATS
#undef VDP_FILTER_FORMAT
    }
    return 0;
}

/* Byte-array accessors. */

static uint32_t
get_be(const uint8_t *p, size_t n)
{
    uint32_t x = 0;
    for (size_t i = 0; i < n; i++) {
        x = (x << 8) | p[i];
    }
    return x;
}

static void
put_be(uint8_t *p, size_t n, uint32_t x)
{
    for (size_t i = n; i-- > 0; x >>= 8) {
        p[i] = x & 0xff;
    }
}

static bool
is_zeros(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

/* VSIIDs. */

bool
vdp_vsiid_to_string(uint8_t format, const uint8_t id[VDP_VSIID_LEN],
                    char buf[VDP_VSIID_STRLEN])
{
    buf[0] = '\0';
    switch (format) {
    case VDP_VSIID_UUID:
        if (is_zeros(id, VDP_VSIID_LEN)) {
            return false;
        }
        snprintf(buf, VDP_VSIID_STRLEN,
                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                 "%02x%02x%02x%02x%02x%02x",
                 id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7],
                 id[8], id[9], id[10], id[11], id[12], id[13], id[14],
                 id[15]);
        return true;

    case VDP_VSIID_MAC:
        /* Right-aligned, leading zeros. */
        if (!is_zeros(id, 10) || is_zeros(id + 10, ETH_ADDR_LEN)) {
            return false;
        }
        snprintf(buf, VDP_VSIID_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
                 id[10], id[11], id[12], id[13], id[14], id[15]);
        return true;

    case VDP_VSIID_IPV4:
        /* An IPv4-mapped IPv6 address (::ffff:a.b.c.d), as lldpad writes
         * it, or IPv4-compatible (::a.b.c.d). */
        if (!is_zeros(id, 10)
            || !((id[10] == 0xff && id[11] == 0xff)
                 || (id[10] == 0 && id[11] == 0))
            || is_zeros(id + 12, 4)) {
            return false;
        }
        snprintf(buf, VDP_VSIID_STRLEN, "%d.%d.%d.%d",
                 id[12], id[13], id[14], id[15]);
        return true;

    case VDP_VSIID_IPV6:
        if (is_zeros(id, VDP_VSIID_LEN)) {
            return false;
        }
        return inet_ntop(AF_INET6, id, buf, VDP_VSIID_STRLEN) != NULL;

    case VDP_VSIID_LOCAL:
        for (size_t i = 0; i < VDP_VSIID_LEN; i++) {
            snprintf(&buf[2 * i], VDP_VSIID_STRLEN - 2 * i, "%02x", id[i]);
        }
        return true;
    }
    return false;
}

/* Decoding. */

static void
vdp_vsi_set_error(struct vdp_vsi *vsi, enum vdp_error error,
                  const char *format, ...)
    OVS_PRINTF_FORMAT(3, 4);

static void
vdp_vsi_set_error(struct vdp_vsi *vsi, enum vdp_error error,
                  const char *format, ...)
{
    if (vsi->error) {
        return;                 /* The first problem is the one to report. */
    }
    va_list args;
    va_start(args, format);
    vsi->error = error;
    vsi->error_msg = xvasprintf(format, args);
    va_end(args);
}

/* Decodes the filter entries of 'vsi' from the 'n' entries at 'p'. */
static void
vdp_decode_filters(struct vdp_vsi *vsi, const uint8_t *p, size_t n)
{
    size_t size = vdp_filter_entry_size(vsi->filter_format);

    vsi->filters = xcalloc(MAX(n, 1), sizeof *vsi->filters);
    vsi->n_filters = n;
    for (size_t i = 0; i < n; i++, p += size) {
        struct vdp_filter *f = &vsi->filters[i];
        const uint8_t *q = p;

        if (vdp_filter_has_group(vsi->filter_format)) {
            f->group = get_be(q, 4);
            q += 4;
            if (!f->group) {
                vdp_vsi_set_error(vsi, VDP_ERR_INVALID_FILTER,
                                  "entry %"PRIuSIZE": GroupID 0", i);
            }
        }
        if (vdp_filter_has_mac(vsi->filter_format)) {
            memcpy(f->mac.ea, q, ETH_ADDR_LEN);
            q += ETH_ADDR_LEN;
            if (eth_addr_is_zero(f->mac) || eth_addr_is_multicast(f->mac)) {
                vdp_vsi_set_error(vsi, VDP_ERR_INVALID_FILTER,
                                  "entry %"PRIuSIZE": MAC "ETH_ADDR_FMT
                                  " is not a unicast address", i,
                                  ETH_ADDR_ARGS(f->mac));
            }
        }
        f->vid_word = get_be(q, 2);
        if (vdp_filter_vid(f) == VDP_VID_MASK) {
            vdp_vsi_set_error(vsi, VDP_ERR_INVALID_FILTER,
                              "entry %"PRIuSIZE": VID 4095 is reserved", i);
        }
    }
}

/* Decodes the VSI TLV of 'type' whose 'len'-byte value is at 'p' into
 * 'vsi'.  Returns a message if its length is inconsistent. */
static char *
vdp_decode_vsi(enum vdp_tlv_type type, const uint8_t *mgr_id,
               const uint8_t *p, size_t len, struct vdp_vsi *vsi)
{
    struct vdp_vsi_wire w;

    memset(vsi, 0, sizeof *vsi);
    if (len < sizeof w) {
        return xasprintf("%s TLV has length %"PRIuSIZE", less than the "
                         "%"PRIuSIZE" of its fixed fields",
                         vdp_tlv_type_name(type), len, sizeof w);
    }
    memcpy(&w, p, sizeof w);

    vsi->type = type;
    memcpy(vsi->mgr_id, mgr_id, VDP_MGR_ID_LEN);
    vsi->status = w.status;
    vsi->type_id = get_be(w.type_id, 3);
    vsi->type_version = w.type_version;
    vsi->vsiid_format = w.vsiid_format;
    memcpy(vsi->vsiid, w.vsiid, VDP_VSIID_LEN);
    vsi->filter_format = w.filter_format;

    size_t n = get_be(w.n_entries, 2);
    size_t size = vdp_filter_entry_size(w.filter_format);
    const uint8_t *entries = p + sizeof w;
    size_t entries_len = len - sizeof w;
    if (size) {
        if (entries_len != n * size) {
            return xasprintf("%s TLV has length %"PRIuSIZE", but %"PRIuSIZE
                             " entries of filter format %d make %"PRIuSIZE,
                             vdp_tlv_type_name(type), len, n,
                             w.filter_format, sizeof w + n * size);
        }
        vdp_decode_filters(vsi, entries, n);
        if (!n) {
            vdp_vsi_set_error(vsi, VDP_ERR_INVALID_FORMAT,
                              "no filter entries");
        }
    } else {
        vsi->raw_filters = xmemdup(entries, entries_len);
        vsi->raw_len = entries_len;
        vsi->raw_n_entries = n;
        vdp_vsi_set_error(vsi, VDP_ERR_INVALID_FORMAT,
                          "unknown filter format %d", w.filter_format);
    }

    char id[VDP_VSIID_STRLEN];
    if (!vdp_vsiid_to_string(vsi->vsiid_format, vsi->vsiid, id)) {
        vdp_vsi_set_error(vsi, VDP_ERR_INVALID_FORMAT,
                          "VSIID is not a valid one of format %d (%s)",
                          vsi->vsiid_format,
                          vdp_vsiid_format_name(vsi->vsiid_format));
    }
    return NULL;
}

char *
vdpdu_decode(const void *data, size_t size, struct vdpdu *pdu)
{
    const uint8_t *p = data;
    uint8_t mgr_id[VDP_MGR_ID_LEN] = { 0 };
    size_t allocated_vsis = 0;
    size_t allocated_ouis = 0;
    bool have_mgr_id = false;
    char *error = NULL;
    size_t ofs = 0;

    memset(pdu, 0, sizeof *pdu);
    while (ofs < size) {
        if (size - ofs < sizeof(struct vdp_tlv_header)) {
            if (p[ofs] == 0 && have_mgr_id) {
                break;          /* A byte of padding. */
            }
            error = xasprintf("TLV header at offset %"PRIuSIZE" is "
                              "truncated", ofs);
            goto error;
        }
        enum vdp_tlv_type type = p[ofs] >> 1;
        size_t len = ((p[ofs] & 1) << 8) | p[ofs + 1];
        const uint8_t *value = &p[ofs + 2];
        if (len > size - ofs - 2) {
            error = xasprintf("%s TLV at offset %"PRIuSIZE" has length "
                              "%"PRIuSIZE", but only %"PRIuSIZE" bytes "
                              "follow", vdp_tlv_type_name(type), ofs, len,
                              size - ofs - 2);
            goto error;
        }
        if (!have_mgr_id && type != VDP_TLV_MGR_ID) {
            error = xasprintf("the first TLV is %s, not Manager-ID",
                              vdp_tlv_type_name(type));
            goto error;
        }

        switch (type) {
        case VDP_TLV_END:
            if (len) {
                error = xasprintf("End TLV at offset %"PRIuSIZE" has length "
                                  "%"PRIuSIZE, ofs, len);
                goto error;
            }
            /* What follows is padding. */
            pdu->end = true;
            return NULL;

        case VDP_TLV_MGR_ID:
            if (len != VDP_MGR_ID_LEN) {
                error = xasprintf("Manager-ID TLV at offset %"PRIuSIZE" has "
                                  "length %"PRIuSIZE", not %d", ofs, len,
                                  VDP_MGR_ID_LEN);
                goto error;
            }
            memcpy(mgr_id, value, VDP_MGR_ID_LEN);
            have_mgr_id = true;
            break;

        case VDP_TLV_PRE_ASSOC:
        case VDP_TLV_PRE_ASSOC_RR:
        case VDP_TLV_ASSOC:
        case VDP_TLV_DEASSOC: {
            if (pdu->n_vsis >= allocated_vsis) {
                pdu->vsis = x2nrealloc(pdu->vsis, &allocated_vsis,
                                       sizeof *pdu->vsis);
            }
            struct vdp_vsi *vsi = &pdu->vsis[pdu->n_vsis];
            char *vsi_error = vdp_decode_vsi(type, mgr_id, value, len, vsi);
            if (vsi_error) {
                vdp_vsi_destroy(vsi);
                error = xasprintf("TLV at offset %"PRIuSIZE": %s", ofs,
                                  vsi_error);
                free(vsi_error);
                goto error;
            }
            pdu->n_vsis++;
            break;
        }

        case VDP_TLV_OUI:
            if (len < 3) {
                error = xasprintf("OUI TLV at offset %"PRIuSIZE" has length "
                                  "%"PRIuSIZE", less than an OUI", ofs, len);
                goto error;
            }
            if (pdu->n_ouis >= allocated_ouis) {
                pdu->ouis = x2nrealloc(pdu->ouis, &allocated_ouis,
                                       sizeof *pdu->ouis);
            }
            struct vdp_oui_tlv *oui = &pdu->ouis[pdu->n_ouis++];
            memcpy(oui->oui, value, 3);
            oui->subtype = len > 3 ? value[3] : 0;
            oui->len = len;
            break;

        default:
            error = xasprintf("TLV at offset %"PRIuSIZE" has unknown type "
                              "%d", ofs, (int) type);
            goto error;
        }
        ofs += 2 + len;
    }
    if (!have_mgr_id) {
        error = xstrdup("no TLVs");
        goto error;
    }
    return NULL;

error:
    vdpdu_destroy(pdu);
    return error;
}

void
vdpdu_destroy(struct vdpdu *pdu)
{
    if (pdu) {
        for (size_t i = 0; i < pdu->n_vsis; i++) {
            vdp_vsi_destroy(&pdu->vsis[i]);
        }
        free(pdu->vsis);
        free(pdu->ouis);
        memset(pdu, 0, sizeof *pdu);
    }
}

void
vdp_vsi_clone(struct vdp_vsi *dst, const struct vdp_vsi *src)
{
    *dst = *src;
    dst->filters = (src->filters
                    ? xmemdup(src->filters,
                              MAX(src->n_filters, 1) * sizeof *src->filters)
                    : NULL);
    dst->raw_filters = (src->raw_filters
                        ? xmemdup(src->raw_filters, MAX(src->raw_len, 1))
                        : NULL);
    dst->error_msg = nullable_xstrdup(src->error_msg);
}

void
vdp_vsi_destroy(struct vdp_vsi *vsi)
{
    if (vsi) {
        free(vsi->filters);
        free(vsi->raw_filters);
        free(vsi->error_msg);
        vsi->filters = NULL;
        vsi->raw_filters = NULL;
        vsi->error_msg = NULL;
    }
}

bool
vdp_vsi_same_content(const struct vdp_vsi *a, const struct vdp_vsi *b)
{
    if (a->type_id != b->type_id || a->type_version != b->type_version
        || a->vsiid_format != b->vsiid_format
        || memcmp(a->vsiid, b->vsiid, VDP_VSIID_LEN)
        || memcmp(a->mgr_id, b->mgr_id, VDP_MGR_ID_LEN)
        || a->filter_format != b->filter_format
        || a->n_filters != b->n_filters
        || a->raw_len != b->raw_len
        || (a->raw_len && memcmp(a->raw_filters, b->raw_filters,
                                 a->raw_len))) {
        return false;
    }
    for (size_t i = 0; i < a->n_filters; i++) {
        const struct vdp_filter *fa = &a->filters[i];
        const struct vdp_filter *fb = &b->filters[i];
        if (fa->group != fb->group || !eth_addr_equals(fa->mac, fb->mac)
            || fa->vid_word != fb->vid_word) {
            return false;
        }
    }
    return true;
}

/* Encoding. */

static void
vdp_put_tlv_header(struct ofpbuf *b, enum vdp_tlv_type type, size_t len)
{
    struct vdp_tlv_header h;

    ovs_assert(len <= VDP_MAX_TLV_LEN);
    put_be(h.type_len, 2, (type << 9) | len);
    ofpbuf_put(b, &h, sizeof h);
}

void
vdp_put_mgr_id(struct ofpbuf *b, const uint8_t mgr_id[VDP_MGR_ID_LEN])
{
    vdp_put_tlv_header(b, VDP_TLV_MGR_ID, VDP_MGR_ID_LEN);
    ofpbuf_put(b, mgr_id, VDP_MGR_ID_LEN);
}

void
vdp_put_end(struct ofpbuf *b)
{
    vdp_put_tlv_header(b, VDP_TLV_END, 0);
}

size_t
vdp_vsi_tlv_size(const struct vdp_vsi *vsi)
{
    size_t size = vdp_filter_entry_size(vsi->filter_format);
    return (sizeof(struct vdp_tlv_header) + sizeof(struct vdp_vsi_wire)
            + (size ? size * vsi->n_filters : vsi->raw_len));
}

void
vdp_put_vsi(struct ofpbuf *b, const struct vdp_vsi *vsi)
{
    size_t size = vdp_filter_entry_size(vsi->filter_format);
    size_t len = vdp_vsi_tlv_size(vsi) - sizeof(struct vdp_tlv_header);
    struct vdp_vsi_wire w;

    ovs_assert(vdp_tlv_type_is_vsi(vsi->type));
    vdp_put_tlv_header(b, vsi->type, len);

    w.status = vsi->status;
    put_be(w.type_id, 3, vsi->type_id);
    w.type_version = vsi->type_version;
    w.vsiid_format = vsi->vsiid_format;
    memcpy(w.vsiid, vsi->vsiid, VDP_VSIID_LEN);
    w.filter_format = vsi->filter_format;
    put_be(w.n_entries, 2, size ? vsi->n_filters : vsi->raw_n_entries);
    ofpbuf_put(b, &w, sizeof w);

    if (!size) {
        ofpbuf_put(b, vsi->raw_filters, vsi->raw_len);
        return;
    }
    for (size_t i = 0; i < vsi->n_filters; i++) {
        const struct vdp_filter *f = &vsi->filters[i];
        uint8_t *q = ofpbuf_put_uninit(b, size);

        if (vdp_filter_has_group(vsi->filter_format)) {
            put_be(q, 4, f->group);
            q += 4;
        }
        if (vdp_filter_has_mac(vsi->filter_format)) {
            memcpy(q, f->mac.ea, ETH_ADDR_LEN);
            q += ETH_ADDR_LEN;
        }
        put_be(q, 2, f->vid_word);
    }
}

/* Responses. */

void
vdp_vsi_response(const struct vdp_vsi *rq, uint8_t status,
                 struct vdp_vsi *resp)
{
    vdp_vsi_clone(resp, rq);
    resp->status = status;
    resp->error = VDP_ERR_NONE;
    free(resp->error_msg);
    resp->error_msg = NULL;
}

void
vdp_vsi_deassoc(const struct vdp_vsi *last, struct vdp_vsi *out)
{
    vdp_vsi_response(last, 0, out);
    out->type = VDP_TLV_DEASSOC;
}

uint16_t
vdp_response_vid_word(uint16_t rq_word, uint16_t vid, int pcp)
{
    uint16_t rq_vid = rq_word & VDP_VID_MASK;

    if (rq_vid && (rq_vid != vid || rq_word & VDP_PS || pcp < 0)) {
        return rq_word;
    } else if (pcp >= 0) {
        return VDP_PS | ((pcp << VDP_PCP_SHIFT) & VDP_PCP_MASK)
               | (vid & VDP_VID_MASK);
    } else {
        return (rq_word & (VDP_PS | VDP_PCP_MASK)) | (vid & VDP_VID_MASK);
    }
}

/* The state machine. */

void
vdp_request_events(const struct vdp_vsi *rq, const struct vdp_vsi *prev,
                   enum vsi_state state, struct vdp_events *ev)
{
    bool held = state != VSI_ABSENT;
    bool same = prev && vdp_vsi_same_content(rq, prev);
    uint8_t bits = rq->status & (VDP_STATUS_M | VDP_STATUS_S);
    bool repeat = (same && rq->type == prev->type
                   && bits == (prev->status & (VDP_STATUS_M
                                               | VDP_STATUS_S)));
    bool new_m = ((rq->status & VDP_STATUS_M)
                  && !(held && prev && prev->status & VDP_STATUS_M));

    ev->n = 0;
    if (rq->type == VDP_TLV_DEASSOC) {
        ev->events[ev->n++] = (rq->status & VDP_STATUS_S && held
                               ? VSIE_EMIGRATE : VSIE_TERMINATE);
    } else if (repeat && held) {
        ev->events[ev->n++] = VSIE_KEEPALIVE;
    } else if (rq->type != VDP_TLV_ASSOC) {
        ev->events[ev->n++] = new_m ? VSIE_IMMIGRATE_PRE : VSIE_PRE_ASSOCIATE;
    } else {
        enum vsi_event associate = (new_m ? VSIE_IMMIGRATE_ASSOC
                                    : VSIE_ASSOCIATE);
        if (rq->status & VDP_STATUS_S) {
            if (!same || (state != VSI_ASSOCIATED
                          && state != VSI_SUSPENDED)) {
                ev->events[ev->n++] = associate;
            }
            ev->events[ev->n++] = VSIE_SUSPEND;
        } else if (same && state == VSI_SUSPENDED) {
            ev->events[ev->n++] = VSIE_RESUME;
        } else {
            ev->events[ev->n++] = associate;
        }
    }
}

enum vdp_error
vdp_error_from_status(enum vsi_status status)
{
    switch (status) {
    case VSI_ST_SUCCESS:
        return VDP_ERR_NONE;
    case VSI_ST_INVALID_REQUEST:
        return VDP_ERR_INVALID_FORMAT;
    case VSI_ST_INSUFFICIENT_RESOURCES:
        return VDP_ERR_NO_RESOURCES;
    case VSI_ST_BUSY:
        return VDP_ERR_NO_MANAGER;
    case VSI_ST_CONFLICT_POLICIES:
    case VSI_ST_UNKNOWN_VN:
        return VDP_ERR_INVALID_FILTER;
    case VSI_ST_FAILED_AUTHORIZATION:
    case VSI_ST_INVALID_STATE:
    case VSI_ST_UNKNOWN_VSI:
    case VSI_N_STATUSES:
        return VDP_ERR_OTHER;
    }
    return VDP_ERR_OTHER;
}

uint8_t
vdp_response_status(enum vsi_status status, bool kept, bool hard_errors)
{
    if (status == VSI_ST_SUCCESS) {
        return VDP_STATUS_ACK;
    }

    bool hard = (hard_errors
                 && status != VSI_ST_BUSY
                 && status != VSI_ST_INSUFFICIENT_RESOURCES);
    return (VDP_STATUS_ACK
            | (kept ? VDP_STATUS_KEEP : 0)
            | (hard ? VDP_STATUS_HARD : 0)
            | vdp_error_from_status(status));
}

/* Formatting. */

void
vdp_status_format(enum vdp_tlv_type type, uint8_t status, struct ds *s)
{
    ds_put_format(s, "0x%02"PRIx8, status);
    if (!(status & VDP_STATUS_ACK)) {
        if (type == VDP_TLV_DEASSOC && !status) {
            ds_put_cstr(s, "(request)");
            return;
        }
        ds_put_format(s, "(request%s%s)",
                      status & VDP_STATUS_M ? ",M" : "",
                      status & VDP_STATUS_S ? ",S" : "");
    } else {
        enum vdp_error error = status & VDP_STATUS_ERROR_MASK;
        ds_put_format(s, "(response%s%s,%s)",
                      status & VDP_STATUS_KEEP ? ",keep" : "",
                      status & VDP_STATUS_HARD ? ",hard" : "",
                      vdp_error_description(error));
    }
}

static void
vdp_mgr_id_format(const uint8_t mgr_id[VDP_MGR_ID_LEN], struct ds *s)
{
    size_t len = VDP_MGR_ID_LEN;
    while (len > 0 && !mgr_id[len - 1]) {
        len--;
    }

    bool printable = len > 0;
    for (size_t i = 0; i < len; i++) {
        if (mgr_id[i] < 0x21 || mgr_id[i] > 0x7e || mgr_id[i] == '"') {
            printable = false;
        }
    }
    if (printable) {
        ds_put_format(s, "\"%.*s\"", (int) len, (const char *) mgr_id);
    } else {
        ds_put_cstr(s, "0x");
        for (size_t i = 0; i < VDP_MGR_ID_LEN; i++) {
            ds_put_format(s, "%02x", mgr_id[i]);
        }
    }
}

void
vdp_vsi_format(const struct vdp_vsi *vsi, struct ds *s)
{
    char id[VDP_VSIID_STRLEN];

    ds_put_format(s, "%s status=", vdp_tlv_type_name(vsi->type));
    vdp_status_format(vsi->type, vsi->status, s);
    ds_put_cstr(s, " mgrid=");
    vdp_mgr_id_format(vsi->mgr_id, s);
    ds_put_format(s, " type=%"PRIu32"/%"PRIu8" vsiid=%s:",
                  vsi->type_id, vsi->type_version,
                  vdp_vsiid_format_name(vsi->vsiid_format));
    if (vdp_vsiid_to_string(vsi->vsiid_format, vsi->vsiid, id)) {
        ds_put_cstr(s, id);
    } else {
        ds_put_hex(s, vsi->vsiid, VDP_VSIID_LEN);
    }
    ds_put_format(s, " filter=%s", vdp_filter_format_name(vsi->filter_format));
    if (!vsi->filters) {
        ds_put_format(s, "(%"PRIu16" entries, %"PRIuSIZE" bytes)",
                      vsi->raw_n_entries, vsi->raw_len);
    }
    for (size_t i = 0; i < vsi->n_filters; i++) {
        const struct vdp_filter *f = &vsi->filters[i];

        ds_put_char(s, i ? ',' : '[');
        if (vdp_filter_has_group(vsi->filter_format)) {
            ds_put_format(s, "group=%"PRIu32"/", f->group);
        }
        if (vdp_filter_has_mac(vsi->filter_format)) {
            ds_put_format(s, ETH_ADDR_FMT"/", ETH_ADDR_ARGS(f->mac));
        }
        ds_put_format(s, "vid=%"PRIu16, vdp_filter_vid(f));
        if (f->vid_word & (VDP_PS | VDP_PCP_MASK)) {
            ds_put_format(s, ",pcp=%d%s",
                          (f->vid_word & VDP_PCP_MASK) >> VDP_PCP_SHIFT,
                          f->vid_word & VDP_PS ? "" : "(not significant)");
        }
    }
    if (vsi->n_filters) {
        ds_put_char(s, ']');
    }
    if (vsi->error_msg) {
        ds_put_format(s, " invalid: %s", vsi->error_msg);
    }
}

void
vdpdu_format(const struct vdpdu *pdu, struct ds *s)
{
    for (size_t i = 0; i < pdu->n_vsis; i++) {
        if (i) {
            ds_put_cstr(s, "; ");
        }
        vdp_vsi_format(&pdu->vsis[i], s);
    }
    for (size_t i = 0; i < pdu->n_ouis; i++) {
        const struct vdp_oui_tlv *oui = &pdu->ouis[i];
        ds_put_format(s, "; OUI %02x-%02x-%02x subtype 0x%02"PRIx8" "
                      "(%"PRIuSIZE" bytes, ignored)", oui->oui[0],
                      oui->oui[1], oui->oui[2], oui->subtype, oui->len);
    }
}
