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

#ifndef NVE_VDP_H
#define NVE_VDP_H 1

/* VDP, the VSI Discovery and Configuration Protocol of IEEE 802.1Qbg-2012
 * (clause 41), as a bridge speaks it: the TLVs that a station sends in ECP
 * REQUESTs (lib/ecp.h) to (pre-)associate and de-associate VSIs, and those
 * that the bridge sends back.
 *
 * A VDPDU is a Manager ID TLV followed by VSI TLVs (PRE-ASSOC, PRE-ASSOC-RR,
 * ASSOC, DE-ASSOC), perhaps organizationally specific (OUI) TLVs, and an End
 * TLV.  The bridge answers each VSI TLV with a VSI TLV of the same type that
 * echoes it, with the Req/Ack bit set, an error code, and the local VIDs
 * that it assigned to null VIDs.
 *
 * This module also says what a station's request means for the VSI
 * lifecycle state machine (lib/vsi-lifecycle.h) and how the outcome is
 * answered, so that both can be tested without a switch.
 *
 * It is pure: no I/O, no globals. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "packets.h"
#include "vsi-lifecycle.h"

struct ds;
struct ofpbuf;

/* VDP TLV types. */
#define VDP_TLV_TYPES                                   \
    VDP_TLV_TYPE(END,          0, "End")                \
    VDP_TLV_TYPE(PRE_ASSOC,    1, "PRE-ASSOC")          \
    VDP_TLV_TYPE(PRE_ASSOC_RR, 2, "PRE-ASSOC-RR")       \
    VDP_TLV_TYPE(ASSOC,        3, "ASSOC")              \
    VDP_TLV_TYPE(DEASSOC,      4, "DE-ASSOC")           \
    VDP_TLV_TYPE(MGR_ID,       5, "Manager-ID")         \
    VDP_TLV_TYPE(OUI,        127, "OUI")

enum vdp_tlv_type {
#define VDP_TLV_TYPE(ENUM, VALUE, NAME) VDP_TLV_##ENUM = VALUE,
    VDP_TLV_TYPES
#undef VDP_TLV_TYPE
};

const char *vdp_tlv_type_name(enum vdp_tlv_type);

/* Whether 'type' is one of the four VSI TLVs. */
static inline bool
vdp_tlv_type_is_vsi(enum vdp_tlv_type type)
{
    return type >= VDP_TLV_PRE_ASSOC && type <= VDP_TLV_DEASSOC;
}

/* The VSI TLV status byte.  In a request (Req/Ack clear): */
#define VDP_STATUS_M 0x10           /* M-bit: the VSI's user migrates to
                                     * this station ("to"). */
#define VDP_STATUS_S 0x20           /* S-bit: the VSI's user is suspended,
                                     * it migrates away ("from"). */
#define VDP_STATUS_ACK 0x40         /* Req/Ack: set in a response. */
/* In a response (Req/Ack set): */
#define VDP_STATUS_KEEP 0x20        /* The bridge kept the VSI as it was. */
#define VDP_STATUS_HARD 0x10        /* Retrying the same will not help. */
#define VDP_STATUS_ERROR_MASK 0x0f

/* Error codes of a response. */
#define VDP_ERRORS                                                      \
    VDP_ERROR(NONE,           0, "success")                             \
    VDP_ERROR(INVALID_FORMAT, 1, "invalid format")                      \
    VDP_ERROR(NO_RESOURCES,   2, "insufficient resources")              \
    VDP_ERROR(NO_MANAGER,     3, "unable to contact VSI manager")       \
    VDP_ERROR(OTHER,          4, "other failure")                       \
    VDP_ERROR(INVALID_FILTER, 5, "invalid VID, GroupID or MAC address")

enum vdp_error {
#define VDP_ERROR(ENUM, VALUE, DESCRIPTION) VDP_ERR_##ENUM = VALUE,
    VDP_ERRORS
#undef VDP_ERROR
};

const char *vdp_error_description(enum vdp_error);

/* VSIID formats. */
#define VDP_VSIID_FORMATS                       \
    VDP_VSIID_FORMAT(IPV4,  1, "ipv4")          \
    VDP_VSIID_FORMAT(IPV6,  2, "ipv6")          \
    VDP_VSIID_FORMAT(MAC,   3, "mac")           \
    VDP_VSIID_FORMAT(LOCAL, 4, "local")         \
    VDP_VSIID_FORMAT(UUID,  5, "uuid")

enum vdp_vsiid_format {
#define VDP_VSIID_FORMAT(ENUM, VALUE, NAME) VDP_VSIID_##ENUM = VALUE,
    VDP_VSIID_FORMATS
#undef VDP_VSIID_FORMAT
};

#define VDP_VSIID_LEN 16

/* Longest text form of a VSIID, with its null terminator. */
#define VDP_VSIID_STRLEN 48

/* Filter information formats, and the size of one entry of each. */
#define VDP_FILTER_FORMATS                                      \
    VDP_FILTER_FORMAT(VID,           1, 2,  "vid")              \
    VDP_FILTER_FORMAT(MAC_VID,       2, 8,  "mac-vid")          \
    VDP_FILTER_FORMAT(GROUP_VID,     3, 6,  "group-vid")        \
    VDP_FILTER_FORMAT(GROUP_MAC_VID, 4, 12, "group-mac-vid")

enum vdp_filter_format {
#define VDP_FILTER_FORMAT(ENUM, VALUE, SIZE, NAME) VDP_FILTER_##ENUM = VALUE,
    VDP_FILTER_FORMATS
#undef VDP_FILTER_FORMAT
};

/* The size of one entry of 'format', or 0 if there is no such format. */
size_t vdp_filter_entry_size(uint8_t format);

static inline bool
vdp_filter_has_mac(uint8_t format)
{
    return format == VDP_FILTER_MAC_VID || format == VDP_FILTER_GROUP_MAC_VID;
}

static inline bool
vdp_filter_has_group(uint8_t format)
{
    return (format == VDP_FILTER_GROUP_VID
            || format == VDP_FILTER_GROUP_MAC_VID);
}

/* The wire forms.  Fields are byte arrays, big-endian: VSI TLVs have odd
 * lengths, so nothing in them is aligned. */
struct vdp_tlv_header {
    uint8_t type_len[2];            /* Type (top 7 bits), length (9 bits) of
                                     * what follows. */
};
BUILD_ASSERT_DECL(sizeof(struct vdp_tlv_header) == 2);

#define VDP_MGR_ID_LEN 16
#define VDP_MAX_TLV_LEN 511         /* 9 bits. */

struct vdp_vsi_wire {               /* A VSI TLV after its header. */
    uint8_t status;                 /* VDP_STATUS_*. */
    uint8_t type_id[3];             /* VSI Type ID. */
    uint8_t type_version;           /* VSI Type Version. */
    uint8_t vsiid_format;           /* enum vdp_vsiid_format. */
    uint8_t vsiid[VDP_VSIID_LEN];   /* VSI ID. */
    uint8_t filter_format;          /* enum vdp_filter_format. */
    uint8_t n_entries[2];           /* Number of filter entries. */
                                    /* Then the entries. */
};
BUILD_ASSERT_DECL(sizeof(struct vdp_vsi_wire) == 25);

/* The last two bytes of every filter entry: PS (top bit), PCP (3 bits),
 * VID (12 bits). */
#define VDP_PS 0x8000
#define VDP_PCP_SHIFT 12
#define VDP_PCP_MASK 0x7000
#define VDP_VID_MASK 0x0fff

/* One filter entry. */
struct vdp_filter {
    uint32_t group;                 /* GroupID (formats 3, 4), else 0. */
    struct eth_addr mac;            /* Formats 2, 4, else all-zeros. */
    uint16_t vid_word;              /* PS, PCP and VID, as above.  A VID of
                                     * 0 is the null VID: the bridge
                                     * assigns one. */
};

static inline uint16_t
vdp_filter_vid(const struct vdp_filter *f)
{
    return f->vid_word & VDP_VID_MASK;
}

/* A VSI TLV, decoded. */
struct vdp_vsi {
    enum vdp_tlv_type type;         /* PRE_ASSOC to DEASSOC. */
    uint8_t mgr_id[VDP_MGR_ID_LEN]; /* Of the Manager ID TLV before it. */
    uint8_t status;
    uint32_t type_id;               /* 24 bits. */
    uint8_t type_version;
    uint8_t vsiid_format;
    uint8_t vsiid[VDP_VSIID_LEN];
    uint8_t filter_format;
    struct vdp_filter *filters;     /* Decoded entries, if 'filter_format'
                                     * is known... */
    size_t n_filters;
    uint8_t *raw_filters;           /* ...else the undecoded bytes after the
                                     * fixed fields, echoed in a response. */
    size_t raw_len;
    uint16_t raw_n_entries;

    /* Decoding: what is wrong with the TLV, if anything.  A VSI TLV that
     * can be echoed but not honoured is decoded with 'error' set to the
     * code to answer, and 'error_msg' to why. */
    enum vdp_error error;
    char *error_msg;
};

/* An organizationally specific TLV: nve-controller ignores them (and logs
 * them). */
struct vdp_oui_tlv {
    uint8_t oui[3];
    uint8_t subtype;                /* First byte after the OUI, if any. */
    size_t len;                     /* Length of the TLV's value. */
};

/* A decoded VDPDU. */
struct vdpdu {
    struct vdp_vsi *vsis;
    size_t n_vsis;
    struct vdp_oui_tlv *ouis;
    size_t n_ouis;
    bool end;                       /* Ended by an End TLV (lldpad sends
                                     * none). */
};

/* Decodes the 'size' bytes at 'data' (the payload of an ECPDU, perhaps with
 * Ethernet padding) as a VDPDU into 'pdu'.  Returns NULL if the TLVs are
 * well framed: the first is a Manager ID TLV, each fits in the data, each
 * VSI TLV's length agrees with its filter format and number of entries.
 * Some VSI TLVs may still carry an 'error'.  Otherwise returns a message
 * that names what is wrong and where (the caller frees it); then 'pdu' is
 * empty.  Never reads outside 'data'.  The caller must destroy 'pdu' in
 * either case. */
char *vdpdu_decode(const void *data, size_t size, struct vdpdu *pdu)
    OVS_WARN_UNUSED_RESULT;
void vdpdu_destroy(struct vdpdu *);

void vdp_vsi_clone(struct vdp_vsi *dst, const struct vdp_vsi *src);
void vdp_vsi_destroy(struct vdp_vsi *);

/* Whether 'a' and 'b' are the same request but for their status bytes (and
 * so, for example, a keep-alive of one another): type IDs, VSIIDs, filter
 * formats and entries, and manager IDs.  Their types are not compared. */
bool vdp_vsi_same_content(const struct vdp_vsi *a, const struct vdp_vsi *b);

/* Encoding.  vdp_put_vsi() appends 'vsi' as a VSI TLV of its type, with its
 * status: filter entries from 'filters' or, if the format is unknown, the
 * raw bytes. */
void vdp_put_mgr_id(struct ofpbuf *, const uint8_t mgr_id[VDP_MGR_ID_LEN]);
void vdp_put_vsi(struct ofpbuf *, const struct vdp_vsi *);
void vdp_put_end(struct ofpbuf *);

/* The number of bytes vdp_put_vsi() appends for 'vsi'. */
size_t vdp_vsi_tlv_size(const struct vdp_vsi *);

/* The text form of VSIID 'vsiid' in 'format', the VSI's identifier in the
 * VSI table: a UUID as 8-4-4-4-12 lower-case hex digits, a MAC address as
 * xx:xx:xx:xx:xx:xx, an IPv4 address (an IPv4-mapped IPv6 address on the
 * wire) in dotted quad, an IPv6 address as inet_ntop() writes it, a locally
 * defined one as 32 hex digits.  Returns false (and "" in 'buf') if the
 * format is unknown or the VSIID is not of it (e.g. all zeros). */
bool vdp_vsiid_to_string(uint8_t format, const uint8_t vsiid[VDP_VSIID_LEN],
                         char buf[VDP_VSIID_STRLEN]);
const char *vdp_vsiid_format_name(uint8_t format);
const char *vdp_filter_format_name(uint8_t format);

/* Responses.  vdp_vsi_response() makes 'resp' the answer to request 'rq'
 * with 'status': the same TLV echoed, entries in the same order, VIDs as
 * requested; the caller then fills in assigned VIDs with
 * vdp_response_vid_word().  vdp_vsi_deassoc() makes 'out' the unsolicited
 * DE-ASSOC (status 0) of the VSI whose last response was 'last'. */
void vdp_vsi_response(const struct vdp_vsi *rq, uint8_t status,
                      struct vdp_vsi *resp);
void vdp_vsi_deassoc(const struct vdp_vsi *last, struct vdp_vsi *out);

/* The PS, PCP and VID of a response entry, for a request entry with
 * 'rq_word' when the VSI has local VID 'vid' and priority 'pcp' (-1 if
 * none) in the entry's VN: a null VID becomes 'vid', with 'pcp' (PS set) if
 * there is one, else with the PS and PCP as requested; a VID that the NVE
 * honoured is echoed as it was requested, since the station requires the
 * same VID and, with PS set, the same PCP (lldpad's cmp_fdata1()), except
 * that one without PS gets 'pcp' (PS set), as IEEE 802.1Qbg-2012 lets the
 * bridge return other filter information: that is how a station that holds
 * no PCP learns a new one, in the response to its keep-alive. */
uint16_t vdp_response_vid_word(uint16_t rq_word, uint16_t vid, int pcp);

/* What a station's request means for the VSI lifecycle. */
struct vdp_events {
    enum vsi_event events[2];       /* Applied in this order. */
    size_t n;
};

/* Maps request 'rq' (a VSI TLV from a station) onto the events of the VSI
 * state machine, given the last request of the station that the NVE
 * accepted for the same VSI, as the station repeats it ('prev', with the
 * VIDs of the NVE's response; NULL if none) and the VSI's current 'state':
 *
 *   - A request identical to 'prev' (type, content, M- and S-bits) is a
 *     keep-alive, while the NVE holds the VSI.
 *   - PRE-ASSOC and PRE-ASSOC-RR are pre_associate, or
 *     immigrate/pre_associate with a new M-bit.
 *   - ASSOC is associate, or immigrate/associate with a new M-bit.  The
 *     M-bit is sticky in lldpad's keep-alives: it is new only if 'prev'
 *     lacks it.
 *   - The S-bit of an ASSOC says that the VSI's user is suspended: suspend,
 *     after associate if the VSI is not yet associated or its content
 *     changed.  An ASSOC without the S-bit of an otherwise unchanged
 *     suspended VSI is resume.
 *   - DE-ASSOC is terminate; with the S-bit ("migrating from") it is
 *     emigrate of a VSI the NVE holds: the VSI stops forwarding and is
 *     kept until terminated or aged out, in case the migration fails. */
void vdp_request_events(const struct vdp_vsi *rq, const struct vdp_vsi *prev,
                        enum vsi_state state, struct vdp_events *);

/* The response status byte for outcome 'status': the Req/Ack bit, and for a
 * failure the error code, the Keep bit if the NVE still holds the VSI as it
 * was ('kept'), and, with 'hard_errors', the Hard bit if retrying cannot
 * help.  (lldpad passes the error to its clients only without the Hard
 * bit: see nve-controller(8), options:vdp_hard_errors.) */
uint8_t vdp_response_status(enum vsi_status status, bool kept,
                            bool hard_errors);
enum vdp_error vdp_error_from_status(enum vsi_status);

/* One-line human-readable forms, for logs and unixctl. */
void vdp_status_format(enum vdp_tlv_type, uint8_t status, struct ds *);
void vdp_vsi_format(const struct vdp_vsi *, struct ds *);
void vdpdu_format(const struct vdpdu *, struct ds *);

#endif /* vdp.h */
