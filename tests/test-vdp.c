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

/* CUnit tests of the ECP, EVB and VDP codecs (lib/ecp.c, lib/evb.c,
 * lib/vdp.c) against the captures in tests/vdp-captures: frames between an
 * unmodified lldpad station and lldpad's bridge or a minimal bridge-side
 * responder, each annotated field by field by hand.
 *
 *   - Every frame of every capture decodes, and every annotated field of
 *     every annotated frame is what the decoders say (the annotation's
 *     bytes are also compared with the frame's, so that a misread capture
 *     cannot pass).  frame-index.txt, which lists every VDP request of the
 *     captures including the retransmissions that are not annotated, is
 *     checked the same way.
 *   - Every frame the responder sent (ACKs, responses with assigned VIDs,
 *     an unsolicited DE-ASSOC, its LLDPDU) is encoded byte for byte from
 *     the station's request and the responder's decisions alone.
 *   - Every prefix of every frame, and frames with over-long, inconsistent
 *     or invalid TLVs, are rejected (or decoded with the right error code),
 *     from buffers of exactly their size, so that valgrind sees any read
 *     past the end.
 *   - The mapping of requests onto the VSI state machine and of outcomes
 *     onto response status bytes. */

#include <config.h>
#include <errno.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "dp-packet.h"
#include "lib/ecp.h"
#include "lib/evb.h"
#include "lib/vdp.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "pcap-file.h"
#include "svec.h"
#include "util.h"
#include "unit-tests.h"

/* The two ends of the captures. */
static const struct eth_addr station_mac = ETH_ADDR_C(52,54,00,aa,00,01);
static const struct eth_addr bridge_mac = ETH_ADDR_C(52,54,00,bb,00,02);

/* The captures and how many frames each holds. */
static const struct {
    const char *name;
    size_t n_frames;
    bool responder;             /* The bridge is the minimal responder. */
} captures[] = {
    { "vdp22_lldpad-station_lldpad-bridge", 94, false },
    { "vdp22_lldpad-station_nve-responder", 152, true },
    { "vdp22_lldpad-station_nve-responder_oui_no-bridge-lldp", 22, true },
    { "vdp02-draft_lldpad-station_lldpad-bridge", 34, false },
};

/* Reading captures. */

struct frame {
    uint8_t *data;              /* Exactly 'size' bytes, malloc'ed. */
    size_t size;
};

struct capture {
    struct frame *frames;
    size_t n;
};

static char *
capture_path(const char *name, const char *suffix)
{
    const char *srcdir = getenv("NVE_SRCDIR");
    return srcdir ? xasprintf("%s/tests/vdp-captures/%s%s", srcdir, name,
                              suffix)
                  : NULL;
}

static bool
capture_read(const char *name, struct capture *c)
{
    char *path = capture_path(name, ".pcap");
    size_t allocated = 0;

    memset(c, 0, sizeof *c);
    if (!path) {
        CU_FAIL("NVE_SRCDIR is not set: cannot find tests/vdp-captures");
        return false;
    }

    struct pcap_file *pcap = ovs_pcap_open(path, "rb");
    if (!pcap) {
        CU_FAIL("cannot open a capture");
        fprintf(stderr, "%s: cannot open\n", path);
        free(path);
        return false;
    }
    for (;;) {
        struct dp_packet *packet;
        int error = ovs_pcap_read(pcap, &packet, NULL);
        if (error) {
            CU_ASSERT_EQUAL(error, EOF);
            break;
        }
        if (c->n >= allocated) {
            c->frames = x2nrealloc(c->frames, &allocated, sizeof *c->frames);
        }
        struct frame *f = &c->frames[c->n++];
        f->size = dp_packet_size(packet);
        f->data = xmemdup(dp_packet_data(packet), f->size);
        dp_packet_delete(packet);
    }
    ovs_pcap_close(pcap);
    free(path);
    return true;
}

static void
capture_destroy(struct capture *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->frames[i].data);
    }
    free(c->frames);
}

static uint16_t
frame_eth_type(const struct frame *f)
{
    return f->size >= 14 ? (f->data[12] << 8) | f->data[13] : 0;
}

/* Reading annotations. */

struct ann_line {
    size_t ofs;
    uint8_t bytes[64];
    size_t n_bytes;
    char *desc;
};

struct ann_frame {
    int number;                 /* 1-based, as in the capture. */
    struct eth_addr src, dst;
    size_t len;
    struct ann_line *lines;
    size_t n_lines;
};

static int
hex_digit(int c)
{
    return (c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : -1);
}

/* Parses "  OFS  XX XX XX   description". */
static bool
ann_parse_line(const char *s, struct ann_line *line)
{
    unsigned int ofs;
    int n;

    if (sscanf(s, " %4x %n", &ofs, &n) != 1 || strncmp(s, "  ", 2)) {
        return false;
    }
    line->ofs = ofs;
    line->n_bytes = 0;
    s += n;
    while (hex_digit(s[0]) >= 0 && hex_digit(s[1]) >= 0
           && (s[2] == ' ' || s[2] == '\0' || s[2] == '\n')
           && line->n_bytes < ARRAY_SIZE(line->bytes)) {
        line->bytes[line->n_bytes++] = hex_digit(s[0]) * 16
                                       + hex_digit(s[1]);
        s += 2;
        s += strspn(s, " ");
    }
    size_t len = strcspn(s, "\n");
    line->desc = xmemdup0(s, len);
    return line->n_bytes > 0;
}

static bool
ann_read(const char *name, struct ann_frame **framesp, size_t *np)
{
    char *path = capture_path(name, ".annotated.txt");
    FILE *file = path ? fopen(path, "r") : NULL;
    struct ann_frame *frames = NULL;
    size_t n = 0, allocated = 0;
    char s[512];

    free(path);
    *framesp = NULL;
    *np = 0;
    if (!file) {
        CU_FAIL("cannot open an annotation file");
        return false;
    }
    while (fgets(s, sizeof s, file)) {
        struct ann_frame *f = n ? &frames[n - 1] : NULL;
        char src[32], dst[32];
        int number, len;

        if (sscanf(s, "frame %d t=%*s %31s -> %31s len=%d",
                   &number, src, dst, &len) == 4) {
            if (n >= allocated) {
                frames = x2nrealloc(frames, &allocated, sizeof *frames);
            }
            f = &frames[n++];
            memset(f, 0, sizeof *f);
            f->number = number;
            f->len = len;
            CU_ASSERT(eth_addr_from_string(src, &f->src));
            CU_ASSERT(eth_addr_from_string(dst, &f->dst));
        } else if (s[0] == ' ' && f) {
            struct ann_line line;
            if (ann_parse_line(s, &line)) {
                f->lines = xrealloc(f->lines,
                                    (f->n_lines + 1) * sizeof *f->lines);
                f->lines[f->n_lines++] = line;
            } else {
                fprintf(stderr, "%s: unparsable annotation: %s", name, s);
                CU_FAIL("unparsable annotation line");
            }
        } else if (strspn(s, " \n") != strlen(s)) {
            fprintf(stderr, "%s: unexpected line: %s", name, s);
            CU_FAIL("unexpected line in annotation file");
        }
    }
    fclose(file);
    *framesp = frames;
    *np = n;
    return true;
}

static void
ann_destroy(struct ann_frame *frames, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < frames[i].n_lines; k++) {
            free(frames[i].lines[k].desc);
        }
        free(frames[i].lines);
    }
    free(frames);
}

/* Facts.  A frame's facts are short strings such as "ecp seq=18" or
 * "vid[0]=0/0/1002".  The expected facts come from the annotation's
 * descriptions, the actual ones from the decoders; the test compares the
 * two lists. */

static void OVS_PRINTF_FORMAT(2, 3)
fact(struct svec *facts, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    svec_add_nocopy(facts, xvasprintf(format, args));
    va_end(args);
}

static void
fact_hex(struct svec *facts, const char *name, const uint8_t *p, size_t n)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "%s=", name);
    for (size_t i = 0; i < n; i++) {
        ds_put_format(&s, "%02x", p[i]);
    }
    svec_add_nocopy(facts, ds_steal_cstr(&s));
}

/* Adds the facts that annotation line 'line' states.  Returns false for a
 * line this test does not understand.  Sets '*skip_rest' for a draft 0.2
 * frame, whose fields no decoder here reads. */
static bool
ann_line_facts(const struct ann_line *line, struct svec *facts,
               bool *skip_rest)
{
    const char *d = line->desc;
    unsigned int a, b, c, e;
    char str[32];

    if (!strncmp(d, "dst MAC", 7) || !strncmp(d, "src MAC", 7)
        || !strncmp(d, "OUI 00-80-c2 subtype 0x0d", 25)) {
        /* Checked through the bytes alone. */
    } else if (sscanf(d, "ethertype 0x%x", &a) == 1) {
        fact(facts, "ethertype=%04x", a);
        if (a == ECP_DRAFT_ETH_TYPE) {
            fact(facts, "draft-0.2-rejected");
            *skip_rest = true;
        }
    } else if (sscanf(d, "ECP ver=%u op=%u (%*[^)]) subtype=%u",
                      &a, &b, &c) == 3) {
        fact(facts, "ecp ver=%u op=%u subtype=%u", a, b, c);
    } else if (sscanf(d, "ECP sequence number = %u", &a) == 1) {
        fact(facts, "ecp seq=%u", a);
    } else if (sscanf(d, "VDP TLV hdr 0x%x: type=%u", &a, &b) == 2
               && strstr(d, " len=")
               && sscanf(strstr(d, " len="), " len=%u", &c) == 1) {
        fact(facts, "tlv type=%u len=%u", b, c);
    } else if (!strncmp(d, "Manager ID (", 12)) {
        fact_hex(facts, "mgrid", line->bytes, line->n_bytes);
    } else if (sscanf(d, "Status 0x%x:", &a) == 1) {
        fact(facts, "status=0x%02x", a);
    } else if (sscanf(d, "VSI Type ID = %u", &a) == 1) {
        fact(facts, "typeid=%u", a);
    } else if (sscanf(d, "VSI Type Version = %u", &a) == 1) {
        fact(facts, "typever=%u", a);
    } else if (sscanf(d, "VSIID format = %u", &a) == 1) {
        fact(facts, "vsiidfmt=%u", a);
    } else if (!strcmp(d, "VSIID")) {
        fact_hex(facts, "vsiid", line->bytes, line->n_bytes);
    } else if (sscanf(d, "Filter Info format = %u", &a) == 1) {
        fact(facts, "fif=%u", a);
    } else if (sscanf(d, "Number of entries = %u", &a) == 1) {
        fact(facts, "entries=%u", a);
    } else if (sscanf(d, "[%u] GroupID = %u", &a, &b) == 2) {
        fact(facts, "group[%u]=%u", a, b);
    } else if (sscanf(d, "[%u] MAC = %31s", &a, str) == 2) {
        fact(facts, "mac[%u]=%s", a, str);
    } else if (sscanf(d, "[%u] PS=%u PCP=%u VID=%u", &a, &b, &c, &e) == 4) {
        fact(facts, "vid[%u]=%u/%u/%u", a, b, c, e);
    } else if (!strcmp(d, "OUI")) {
        fact_hex(facts, "oui", line->bytes, line->n_bytes);
    } else if (!strcmp(d, "OUI-defined data")) {
        fact(facts, "oui.subtype=%02x", line->bytes[0]);
    } else if (sscanf(d, "LLDP TTL TLV = %u", &a) == 1) {
        fact(facts, "lldp ttl=%u", a);
    } else if (!strcmp(d, "LLDP TLV type 127 len 9 (EVB TLV)")) {
        fact(facts, "lldp evb");
    } else if (sscanf(d, "Bridge status: BGID=%u RRCAP=%u RRCTR=%u",
                      &a, &b, &c) == 3) {
        fact(facts, "evb bgid=%u rrcap=%u rrctr=%u", a, b, c);
    } else if (sscanf(d, "Station status: SGID=%u RRREQ=%u RRSTAT=%u",
                      &a, &b, &c) == 3) {
        fact(facts, "evb sgid=%u rrreq=%u rrstat=%u", a, b, c);
    } else if (sscanf(d, "R (ECP max retries)=%u RTE=%u", &a, &b) == 2) {
        fact(facts, "evb r=%u rte=%u", a, b);
    } else if (sscanf(d, "EVB mode=%u (%*[^)]) ROL(RWD remote)=%u RWD=%u",
                      &a, &b, &c) == 3) {
        fact(facts, "evb mode=%u rolrwd=%u rwd=%u", a, b, c);
    } else if (sscanf(d, "ROL(RKA remote)=%u RKA=%u", &a, &b) == 2) {
        fact(facts, "evb rolrka=%u rka=%u", a, b);
    } else {
        return false;
    }
    return true;
}

static void
vsi_facts(const struct vdp_vsi *vsi, struct svec *facts)
{
    fact(facts, "tlv type=%d len=%"PRIuSIZE, vsi->type,
         vdp_vsi_tlv_size(vsi) - 2);
    fact(facts, "status=0x%02x", vsi->status);
    fact(facts, "typeid=%"PRIu32, vsi->type_id);
    fact(facts, "typever=%d", vsi->type_version);
    fact(facts, "vsiidfmt=%d", vsi->vsiid_format);
    fact_hex(facts, "vsiid", vsi->vsiid, VDP_VSIID_LEN);
    fact(facts, "fif=%d", vsi->filter_format);
    fact(facts, "entries=%"PRIuSIZE, vsi->n_filters);
    for (size_t i = 0; i < vsi->n_filters; i++) {
        const struct vdp_filter *f = &vsi->filters[i];
        if (vdp_filter_has_group(vsi->filter_format)) {
            fact(facts, "group[%"PRIuSIZE"]=%"PRIu32, i, f->group);
        }
        if (vdp_filter_has_mac(vsi->filter_format)) {
            fact(facts, "mac[%"PRIuSIZE"]="ETH_ADDR_FMT, i,
                 ETH_ADDR_ARGS(f->mac));
        }
        fact(facts, "vid[%"PRIuSIZE"]=%d/%d/%d", i,
             (f->vid_word & VDP_PS) != 0,
             (f->vid_word & VDP_PCP_MASK) >> VDP_PCP_SHIFT,
             vdp_filter_vid(f));
    }
}

/* The facts that the decoders find in 'f', in the order in which the
 * annotations state them.  Every frame of the captures is one that the
 * decoders accept, or a draft 0.2 ECPDU that they reject. */
static void
frame_facts(const struct frame *f, struct svec *facts)
{
    uint16_t eth_type = frame_eth_type(f);
    char *error;

    if (eth_type == ECP_ETH_TYPE || eth_type == ECP_DRAFT_ETH_TYPE) {
        struct ecpdu ecp;

        fact(facts, "ethertype=%04x", eth_type);
        error = ecp_decode(f->data, f->size, &ecp);
        if (eth_type == ECP_DRAFT_ETH_TYPE) {
            CU_ASSERT_PTR_NOT_NULL(error);
            if (error && strstr(error, "draft 0.2")) {
                fact(facts, "draft-0.2-rejected");
            }
            free(error);
            return;
        }
        CU_ASSERT_PTR_NULL(error);
        if (error) {
            fprintf(stderr, "ecp_decode: %s\n", error);
            free(error);
            return;
        }
        fact(facts, "ecp ver=1 op=%d subtype=%"PRIu16, ecp.op, ecp.subtype);
        fact(facts, "ecp seq=%"PRIu16, ecp.seq);
        if (ecp.op != ECP_OP_REQUEST) {
            return;
        }

        struct vdpdu pdu;
        error = vdpdu_decode(ecp.payload, ecp.payload_len, &pdu);
        CU_ASSERT_PTR_NULL(error);
        if (error) {
            fprintf(stderr, "vdpdu_decode: %s\n", error);
            free(error);
        }
        for (size_t i = 0; i < pdu.n_vsis; i++) {
            const struct vdp_vsi *vsi = &pdu.vsis[i];
            if (!i || memcmp(vsi->mgr_id, pdu.vsis[i - 1].mgr_id,
                             VDP_MGR_ID_LEN)) {
                fact(facts, "tlv type=5 len=16");
                fact_hex(facts, "mgrid", vsi->mgr_id, VDP_MGR_ID_LEN);
            }
            CU_ASSERT_EQUAL(vsi->error, VDP_ERR_NONE);
            vsi_facts(vsi, facts);
        }
        for (size_t i = 0; i < pdu.n_ouis; i++) {
            fact(facts, "tlv type=127 len=%"PRIuSIZE, pdu.ouis[i].len);
            fact_hex(facts, "oui", pdu.ouis[i].oui, 3);
            fact(facts, "oui.subtype=%02x", pdu.ouis[i].subtype);
        }
        if (pdu.end) {
            fact(facts, "tlv type=0 len=0");
        }
        vdpdu_destroy(&pdu);
    } else if (eth_type == LLDP_ETH_TYPE) {
        struct evb_lldpdu lldp;

        error = evb_lldpdu_decode(f->data, f->size, &lldp);
        CU_ASSERT_PTR_NULL(error);
        if (error) {
            fprintf(stderr, "evb_lldpdu_decode: %s\n", error);
            free(error);
            return;
        }
        fact(facts, "lldp ttl=%"PRIu16, lldp.ttl);
        if (lldp.has_evb) {
            const struct evb_tlv *e = &lldp.evb;
            fact(facts, "lldp evb");
            fact(facts, "evb bgid=%d rrcap=%d rrctr=%d", e->bgid, e->rrcap,
                 e->rrctr);
            fact(facts, "evb sgid=%d rrreq=%d rrstat=%d", e->sgid, e->rrreq,
                 e->rrstat);
            fact(facts, "evb r=%d rte=%d", e->r, e->rte);
            fact(facts, "evb mode=%d rolrwd=%d rwd=%d", e->mode, e->rol_rwd,
                 e->rwd);
            fact(facts, "evb rolrka=%d rka=%d", e->rol_rka, e->rka);
        }
    } else {
        /* Not ours (IPv6 router solicitations): both decoders refuse. */
        struct ecpdu ecp;
        struct evb_lldpdu lldp;

        error = ecp_decode(f->data, f->size, &ecp);
        CU_ASSERT_PTR_NOT_NULL(error);
        free(error);
        error = evb_lldpdu_decode(f->data, f->size, &lldp);
        CU_ASSERT_PTR_NOT_NULL(error);
        free(error);
        fact(facts, "other ethertype=%04x", eth_type);
    }
}

static void
report_mismatch(const char *capture, int number, const struct svec *expected,
                const struct svec *actual)
{
    fprintf(stderr, "%s frame %d:\n", capture, number);
    for (size_t i = 0; i < MAX(expected->n, actual->n); i++) {
        const char *e = i < expected->n ? expected->names[i] : "";
        const char *a = i < actual->n ? actual->names[i] : "";
        fprintf(stderr, "  %s %-40s %s\n", strcmp(e, a) ? "!!" : "  ", e, a);
    }
}

/* Checks every annotated frame of capture 'name'.  Returns the number of
 * annotated fields checked. */
static size_t
check_annotations(const char *name, const struct capture *c)
{
    struct ann_frame *frames;
    size_t n_frames;
    size_t n_facts = 0;

    if (!ann_read(name, &frames, &n_frames)) {
        return 0;
    }
    CU_ASSERT(n_frames > 0);
    for (size_t i = 0; i < n_frames; i++) {
        const struct ann_frame *af = &frames[i];

        CU_ASSERT_FATAL(af->number >= 1 && af->number <= c->n);
        const struct frame *f = &c->frames[af->number - 1];
        CU_ASSERT_EQUAL(f->size, af->len);
        CU_ASSERT(f->size >= 12 && !memcmp(f->data, af->dst.ea, 6)
                  && !memcmp(f->data + 6, af->src.ea, 6));

        struct svec expected = SVEC_EMPTY_INITIALIZER;
        bool skip_rest = false;
        for (size_t k = 0; k < af->n_lines && !skip_rest; k++) {
            const struct ann_line *line = &af->lines[k];

            /* The annotation shows the frame's own bytes. */
            CU_ASSERT(line->ofs + line->n_bytes <= f->size
                      && !memcmp(f->data + line->ofs, line->bytes,
                                 line->n_bytes));
            if (!ann_line_facts(line, &expected, &skip_rest)) {
                fprintf(stderr, "%s frame %d: annotation not understood: "
                        "%s\n", name, af->number, line->desc);
                CU_FAIL("annotation not understood");
            }
        }

        struct svec actual = SVEC_EMPTY_INITIALIZER;
        frame_facts(f, &actual);
        bool equal = svec_equal(&expected, &actual);
        CU_ASSERT(equal);
        if (!equal) {
            report_mismatch(name, af->number, &expected, &actual);
        }
        n_facts += expected.n;
        svec_destroy(&expected);
        svec_destroy(&actual);
    }
    ann_destroy(frames, n_frames);
    return n_facts;
}

/* Checks the lines of frame-index.txt about capture 'name'.  Returns the
 * number of lines checked. */
static size_t
check_frame_index(const char *name, const struct capture *c)
{
    char *path = capture_path("frame-index", ".txt");
    FILE *file = path ? fopen(path, "r") : NULL;
    char *header = xasprintf("## %s.pcap", name);
    bool in_section = false;
    size_t n = 0;
    char s[512];

    free(path);
    if (!file) {
        CU_FAIL("cannot open frame-index.txt");
        free(header);
        return 0;
    }
    while (fgets(s, sizeof s, file)) {
        s[strcspn(s, "\n")] = '\0';
        if (!strncmp(s, "##", 2)) {
            in_section = !strcmp(s, header);
            continue;
        } else if (!in_section) {
            continue;
        }

        int number, seq, tid, fif, consumed;
        char who[8], type[16];
        unsigned int status;
        if (sscanf(s, "%d %*f %7s seq=%d %15s st=0x%x tid=%d fif=%d "
                   "vid=[%n", &number, who, &seq, type, &status, &tid, &fif,
                   &consumed) != 7) {
            fprintf(stderr, "frame-index.txt: cannot parse: %s\n", s);
            CU_FAIL("unparsable frame-index.txt line");
            continue;
        }
        CU_ASSERT_FATAL(number >= 1 && number <= c->n);
        const struct frame *f = &c->frames[number - 1];
        n++;

        /* The expected VIDs, and the OUI TLVs after them. */
        uint16_t vids[16];
        size_t n_vids = 0;
        const char *p = s + consumed;
        while (*p && *p != ']' && n_vids < ARRAY_SIZE(vids)) {
            vids[n_vids++] = strtol(p, (char **) &p, 10);
            p += strspn(p, ", ");
        }
        size_t n_ouis = 0;
        for (const char *q = p; (q = strstr(q, "OUI")); q += 3) {
            n_ouis++;
        }

        struct ecpdu ecp;
        char *error = ecp_decode(f->data, f->size, &ecp);
        CU_ASSERT_PTR_NULL_FATAL(error);
        CU_ASSERT(eth_addr_equals(ecp.src, !strcmp(who, "STA")
                                  ? station_mac : bridge_mac));
        CU_ASSERT_EQUAL(ecp.op, ECP_OP_REQUEST);
        CU_ASSERT_EQUAL(ecp.seq, seq);

        struct vdpdu pdu;
        error = vdpdu_decode(ecp.payload, ecp.payload_len, &pdu);
        CU_ASSERT_PTR_NULL_FATAL(error);
        CU_ASSERT_EQUAL_FATAL(pdu.n_vsis, 1);
        const struct vdp_vsi *vsi = &pdu.vsis[0];
        static const char *const names[] = {
            [VDP_TLV_PRE_ASSOC] = "PRE", [VDP_TLV_PRE_ASSOC_RR] = "PRE-RR",
            [VDP_TLV_ASSOC] = "ASSOC", [VDP_TLV_DEASSOC] = "DEASSOC",
        };
        CU_ASSERT_STRING_EQUAL(names[vsi->type], type);
        CU_ASSERT_EQUAL(vsi->status, status);
        CU_ASSERT_EQUAL(vsi->type_id, tid);
        CU_ASSERT_EQUAL(vsi->filter_format, fif);
        CU_ASSERT_EQUAL_FATAL(vsi->n_filters, n_vids);
        for (size_t i = 0; i < n_vids; i++) {
            CU_ASSERT_EQUAL(vdp_filter_vid(&vsi->filters[i]), vids[i]);
        }
        CU_ASSERT_EQUAL(pdu.n_ouis, n_ouis);
        vdpdu_destroy(&pdu);
    }
    fclose(file);
    free(header);
    return n;
}

static void
test_captures_decode(void)
{
    size_t n_facts = 0, n_index = 0;

    for (size_t i = 0; i < ARRAY_SIZE(captures); i++) {
        struct capture c;
        if (!capture_read(captures[i].name, &c)) {
            return;
        }
        CU_ASSERT_EQUAL(c.n, captures[i].n_frames);
        if (c.n != captures[i].n_frames) {
            fprintf(stderr, "%s: %"PRIuSIZE" frames\n", captures[i].name, c.n);
        }

        /* Every frame: what the decoders make of it must be complete. */
        for (size_t k = 0; k < c.n; k++) {
            struct svec facts = SVEC_EMPTY_INITIALIZER;
            frame_facts(&c.frames[k], &facts);
            CU_ASSERT(facts.n > 0);
            svec_destroy(&facts);
        }

        n_facts += check_annotations(captures[i].name, &c);
        n_index += check_frame_index(captures[i].name, &c);
        capture_destroy(&c);
    }

    /* Every annotated field and every index line was seen. */
    CU_ASSERT_EQUAL(n_facts, 2191);
    CU_ASSERT_EQUAL(n_index, 43 + 66 + 8);
}

/* Responses. */

/* A VSI TLV and the VSIID it is about. */
struct vsi_record {
    struct vdp_vsi vsi;
    bool valid;
};

static struct vsi_record *
record_find(struct vsi_record *records, size_t n,
            const uint8_t vsiid[VDP_VSIID_LEN])
{
    for (size_t i = 0; i < n; i++) {
        if (records[i].valid
            && !memcmp(records[i].vsi.vsiid, vsiid, VDP_VSIID_LEN)) {
            return &records[i];
        }
    }
    return NULL;
}

static void
record_set(struct vsi_record *records, size_t *n, size_t max,
           const struct vdp_vsi *vsi)
{
    struct vsi_record *r = record_find(records, *n, vsi->vsiid);
    if (!r) {
        CU_ASSERT_FATAL(*n < max);
        r = &records[(*n)++];
    } else {
        vdp_vsi_destroy(&r->vsi);
    }
    vdp_vsi_clone(&r->vsi, vsi);
    r->valid = true;
}

/* Encodes the ECPDU that carries 'vsi' after its Manager-ID, and an End
 * TLV, as a bridge with 'seq' sends it. */
static void
encode_response(const struct vdp_vsi *vsi, uint16_t seq, struct ofpbuf *b)
{
    struct ofpbuf payload;

    ofpbuf_init(&payload, 0);
    vdp_put_mgr_id(&payload, vsi->mgr_id);
    vdp_put_vsi(&payload, vsi);
    vdp_put_end(&payload);
    ecp_encode(b, bridge_mac, ECP_OP_REQUEST, ECP_SUBTYPE_VDP, seq,
               payload.data, payload.size);
    ofpbuf_uninit(&payload);
}

static void
test_responses_encode(void)
{
    size_t n_acks = 0, n_responses = 0, n_deassocs = 0, n_lldp = 0;
    size_t n_mistakes = 0;

    for (size_t i = 0; i < ARRAY_SIZE(captures); i++) {
        if (!captures[i].responder) {
            continue;
        }
        struct capture c;
        if (!capture_read(captures[i].name, &c)) {
            return;
        }

        /* The station's last request, and the bridge's last response, per
         * VSIID. */
        struct vsi_record requests[16], responses[16];
        size_t n_requests = 0, n_responses_rec = 0;

        for (size_t k = 0; k < c.n; k++) {
            const struct frame *f = &c.frames[k];
            struct ofpbuf b;
            ofpbuf_init(&b, 0);

            if (frame_eth_type(f) == LLDP_ETH_TYPE
                && !memcmp(f->data + 6, bridge_mac.ea, 6)) {
                /* The responder's LLDPDU, as the README describes it. */
                struct evb_tlv evb = {
                    .bgid = true, .r = 3, .rte = 8, .mode = EVB_MODE_BRIDGE,
                    .rwd = 20, .rka = 20,
                };
                evb_lldpdu_encode(&b, bridge_mac, 120, &evb);
                CU_ASSERT(b.size == f->size
                          && !memcmp(b.data, f->data, f->size));
                if (b.size != f->size || memcmp(b.data, f->data, f->size)) {
                    struct ds s = DS_EMPTY_INITIALIZER;
                    ds_put_hex_dump(&s, b.data, b.size, 0, false);
                    ds_put_hex_dump(&s, f->data, f->size, 0, false);
                    fprintf(stderr, "%s", ds_cstr(&s));
                    ds_destroy(&s);
                }
                n_lldp++;
                ofpbuf_uninit(&b);
                continue;
            }
            if (frame_eth_type(f) != ECP_ETH_TYPE) {
                ofpbuf_uninit(&b);
                continue;
            }

            struct ecpdu ecp;
            char *error = ecp_decode(f->data, f->size, &ecp);
            CU_ASSERT_PTR_NULL_FATAL(error);
            bool from_bridge = eth_addr_equals(ecp.src, bridge_mac);

            if (ecp.op == ECP_OP_ACK) {
                if (from_bridge) {
                    ecp_encode(&b, bridge_mac, ECP_OP_ACK, ECP_SUBTYPE_VDP,
                               ecp.seq, NULL, 0);
                    CU_ASSERT(b.size == f->size
                              && !memcmp(b.data, f->data, f->size));
                    n_acks++;
                }
                ofpbuf_uninit(&b);
                continue;
            }

            struct vdpdu pdu;
            error = vdpdu_decode(ecp.payload, ecp.payload_len, &pdu);
            CU_ASSERT_PTR_NULL_FATAL(error);
            CU_ASSERT_EQUAL_FATAL(pdu.n_vsis, 1);
            const struct vdp_vsi *got = &pdu.vsis[0];

            if (!from_bridge) {
                record_set(requests, &n_requests, ARRAY_SIZE(requests), got);
            } else if (got->status & VDP_STATUS_ACK) {
                /* A response: the request echoed with the responder's
                 * status, and the VIDs it chose for null VIDs. */
                struct vsi_record *rq = record_find(requests, n_requests,
                                                    got->vsiid);
                CU_ASSERT_PTR_NOT_NULL_FATAL(rq);
                struct vdp_vsi resp;
                vdp_vsi_response(&rq->vsi, got->status, &resp);
                CU_ASSERT_EQUAL_FATAL(resp.n_filters, got->n_filters);
                if (rq->vsi.type_id == 997) {
                    /* The responder's deliberate mistake, to see what the
                     * station does (README 4.2): VID 200 answered as 201.
                     * An NVE echoes a VID it honours. */
                    CU_ASSERT_EQUAL(vdp_filter_vid(&rq->vsi.filters[0]), 200);
                    CU_ASSERT_EQUAL(vdp_filter_vid(&got->filters[0]), 201);
                    vdp_vsi_destroy(&resp);
                    vdpdu_destroy(&pdu);
                    ofpbuf_uninit(&b);
                    n_mistakes++;
                    continue;
                }
                for (size_t e = 0; e < resp.n_filters; e++) {
                    uint16_t w = got->filters[e].vid_word;
                    int pcp = (w & VDP_PS
                               ? (w & VDP_PCP_MASK) >> VDP_PCP_SHIFT : -1);
                    resp.filters[e].vid_word = vdp_response_vid_word(
                        rq->vsi.filters[e].vid_word, w & VDP_VID_MASK, pcp);
                }
                encode_response(&resp, ecp.seq, &b);
                CU_ASSERT(b.size == f->size
                          && !memcmp(b.data, f->data, f->size));
                record_set(responses, &n_responses_rec,
                           ARRAY_SIZE(responses), &resp);
                vdp_vsi_destroy(&resp);
                n_responses++;
            } else {
                /* An unsolicited DE-ASSOC: made of the last response. */
                CU_ASSERT_EQUAL(got->type, VDP_TLV_DEASSOC);
                struct vsi_record *last = record_find(responses,
                                                      n_responses_rec,
                                                      got->vsiid);
                CU_ASSERT_PTR_NOT_NULL_FATAL(last);
                struct vdp_vsi deassoc;
                vdp_vsi_deassoc(&last->vsi, &deassoc);
                encode_response(&deassoc, ecp.seq, &b);
                CU_ASSERT(b.size == f->size
                          && !memcmp(b.data, f->data, f->size));
                vdp_vsi_destroy(&deassoc);
                n_deassocs++;
            }
            vdpdu_destroy(&pdu);
            ofpbuf_uninit(&b);
        }
        for (size_t k = 0; k < n_requests; k++) {
            vdp_vsi_destroy(&requests[k].vsi);
        }
        for (size_t k = 0; k < n_responses_rec; k++) {
            vdp_vsi_destroy(&responses[k].vsi);
        }
        capture_destroy(&c);
    }

    /* The responder's frames: every one was encoded. */
    CU_ASSERT_EQUAL(n_acks, 37);
    CU_ASSERT_EQUAL(n_responses, 35);
    CU_ASSERT_EQUAL(n_deassocs, 1);
    CU_ASSERT_EQUAL(n_mistakes, 1);
    CU_ASSERT_EQUAL(n_lldp, 14);
}

/* Truncated, over-long and inconsistent frames. */

/* Decodes the 'size' bytes at 'data' from a buffer of exactly that size, as
 * an ECPDU and then a VDPDU.  Returns the error, if any; on success,
 * '*n_vsis' is the number of VSI TLVs. */
static char *
decode_exact(const uint8_t *data, size_t size, size_t *n_vsis)
{
    uint8_t *copy = xmemdup(data, size);
    struct ecpdu ecp;
    struct vdpdu pdu;

    *n_vsis = 0;
    char *error = ecp_decode(copy, size, &ecp);
    if (!error && ecp.op == ECP_OP_REQUEST) {
        error = vdpdu_decode(ecp.payload, ecp.payload_len, &pdu);
        *n_vsis = pdu.n_vsis;
        vdpdu_destroy(&pdu);
    }
    free(copy);
    return error;
}

static void
test_truncated(void)
{
    size_t n_prefixes = 0;

    for (size_t i = 0; i < ARRAY_SIZE(captures); i++) {
        struct capture c;
        if (!capture_read(captures[i].name, &c)) {
            return;
        }
        for (size_t k = 0; k < c.n; k++) {
            const struct frame *f = &c.frames[k];
            uint16_t eth_type = frame_eth_type(f);

            if (eth_type == LLDP_ETH_TYPE) {
                /* An LLDPDU cut anywhere before its End TLV is refused. */
                size_t end = 14;
                while (end + 2 <= f->size
                       && (f->data[end] || f->data[end + 1])) {
                    end += 2 + (((f->data[end] & 1) << 8)
                                | f->data[end + 1]);
                }
                for (size_t len = 0; len < end + 2; len++) {
                    uint8_t *copy = xmemdup(f->data, len);
                    struct evb_lldpdu lldp;
                    char *error = evb_lldpdu_decode(copy, len, &lldp);
                    CU_ASSERT_PTR_NOT_NULL(error);
                    free(error);
                    free(copy);
                    n_prefixes++;
                }
                continue;
            } else if (eth_type != ECP_ETH_TYPE) {
                continue;
            }

            /* The TLV boundaries of the frame, found independently: a
             * prefix that ends on one is a shorter, valid VDPDU; any other
             * one that cuts the TLVs is refused. */
            bool boundary[2048] = { false };
            size_t tlv_end = 18;
            size_t n_vsis_before[2048] = { 0 };
            size_t n_vsis = 0;
            bool is_ack = (f->data[14] >> 2 & 3) == ECP_OP_ACK;
            while (!is_ack && tlv_end + 2 <= f->size
                   && (f->data[tlv_end] || f->data[tlv_end + 1])) {
                int type = f->data[tlv_end] >> 1;
                tlv_end += 2 + (((f->data[tlv_end] & 1) << 8)
                                | f->data[tlv_end + 1]);
                n_vsis += type >= 1 && type <= 4;
                CU_ASSERT_FATAL(tlv_end < ARRAY_SIZE(boundary));
                boundary[tlv_end] = true;
                n_vsis_before[tlv_end] = n_vsis;
            }

            for (size_t len = 0; len <= f->size; len++) {
                size_t got;
                char *error = decode_exact(f->data, len, &got);
                if (len < 18) {
                    CU_ASSERT_PTR_NOT_NULL(error);
                } else if (is_ack) {
                    CU_ASSERT_PTR_NULL(error);
                } else if (len == 18) {
                    /* No TLVs at all. */
                    CU_ASSERT_PTR_NOT_NULL(error);
                } else if (len < tlv_end) {
                    if (boundary[len] && n_vsis_before[len] + 1 > 1) {
                        CU_ASSERT_PTR_NULL(error);
                        CU_ASSERT_EQUAL(got, n_vsis_before[len]);
                    } else if (!boundary[len]) {
                        CU_ASSERT_PTR_NOT_NULL(error);
                    }
                } else {
                    CU_ASSERT_PTR_NULL(error);
                    CU_ASSERT_EQUAL(got, n_vsis);
                }
                free(error);
                n_prefixes++;
            }
        }
        capture_destroy(&c);
    }
    CU_ASSERT(n_prefixes > 10000);
}

/* The station's first request of the nve-responder capture (frame 6):
 * PRE-ASSOC, GroupID 5000, MAC 52:54:00:11:22:33, null VID. */
static const uint8_t pre_assoc[] = {
    0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, 0x52, 0x54, 0x00, 0xaa, 0x00, 0x01,
    0x89, 0x40, 0x10, 0x01, 0x00, 0x12,
    0x0a, 0x10, 0x62, 0x6c, 0x61, 0x62, 0x6c, 0x61, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x25, 0x00, 0x00, 0x12, 0x34, 0x01, 0x05, 0xa1, 0xb2, 0xc3, 0xd4,
    0x11, 0x11, 0x22, 0x22, 0x33, 0x33, 0x44, 0x44, 0x55, 0x55, 0x66, 0x66,
    0x04, 0x00, 0x01, 0x00, 0x00, 0x13, 0x88, 0x52, 0x54, 0x00, 0x11, 0x22,
    0x33, 0x00, 0x00,
};
#define VSI_TLV_OFS 36          /* The VSI TLV's header. */
#define VSI_OFS (VSI_TLV_OFS + 2)

/* Decodes 'frame' and returns its first VSI TLV's error code, or -1 if the
 * VDPDU is refused as a whole (then '*msg' says why). */
static int
decode_vsi_error(const uint8_t *frame, size_t size, char **msg)
{
    uint8_t *copy = xmemdup(frame, size);
    struct ecpdu ecp;
    struct vdpdu pdu;
    int result = -1;

    *msg = ecp_decode(copy, size, &ecp);
    if (!*msg) {
        *msg = vdpdu_decode(ecp.payload, ecp.payload_len, &pdu);
        if (!*msg) {
            CU_ASSERT_EQUAL_FATAL(pdu.n_vsis, 1);
            result = pdu.vsis[0].error;
            *msg = nullable_xstrdup(pdu.vsis[0].error_msg);
        }
        vdpdu_destroy(&pdu);
    }
    free(copy);
    return result;
}

/* Applies 'edit' to a copy of pre_assoc, one byte longer or shorter by
 * 'delta', and returns what decode_vsi_error() says. */
static int
decode_edited(void (*edit)(uint8_t *, size_t *), char **msg)
{
    uint8_t frame[sizeof pre_assoc + 64];
    size_t size = sizeof pre_assoc;

    memcpy(frame, pre_assoc, sizeof pre_assoc);
    edit(frame, &size);
    return decode_vsi_error(frame, size, msg);
}

static void edit_none(uint8_t *f OVS_UNUSED, size_t *n OVS_UNUSED) { }
static void edit_tlv_too_long(uint8_t *f, size_t *n OVS_UNUSED)
    { f[VSI_TLV_OFS + 1] = 0x26; }
static void edit_tlv_too_short(uint8_t *f, size_t *n OVS_UNUSED)
    { f[VSI_TLV_OFS + 1] = 0x24; }
static void edit_tlv_max(uint8_t *f, size_t *n OVS_UNUSED)
    { f[VSI_TLV_OFS] |= 1; f[VSI_TLV_OFS + 1] = 0xff; }
static void edit_extra_byte(uint8_t *f, size_t *n)
    { f[VSI_TLV_OFS + 1] = 0x26; f[(*n)++] = 0x00; }
static void edit_count_up(uint8_t *f, size_t *n OVS_UNUSED)
    { f[VSI_OFS + 24] = 2; }
static void edit_count_zero(uint8_t *f, size_t *n)
    { f[VSI_OFS + 24] = 0; f[VSI_TLV_OFS + 1] = 25; *n -= 12; }
static void edit_fixed_short(uint8_t *f, size_t *n)
    { f[VSI_TLV_OFS + 1] = 20; *n = VSI_OFS + 20; }
static void edit_mgr_len(uint8_t *f, size_t *n OVS_UNUSED)
    { f[19] = 0x0f; }
static void edit_no_mgr(uint8_t *f, size_t *n)
    { memmove(f + 18, f + VSI_TLV_OFS, *n - VSI_TLV_OFS);
      *n -= VSI_TLV_OFS - 18; }
static void edit_unknown_tlv(uint8_t *f, size_t *n)
    { f[(*n)++] = 6 << 1; f[(*n)++] = 0; }
static void edit_end_with_len(uint8_t *f, size_t *n)
    { f[(*n)++] = 0; f[(*n)++] = 1; f[(*n)++] = 0; }
static void edit_end_then_junk(uint8_t *f, size_t *n)
    { f[(*n)++] = 0; f[(*n)++] = 0; f[(*n)++] = 0xff; f[(*n)++] = 0xff; }
static void edit_lone_byte(uint8_t *f, size_t *n)
    { f[(*n)++] = 0x06; }
static void edit_oui_short(uint8_t *f, size_t *n)
    { f[(*n)++] = 0xfe; f[(*n)++] = 2; f[(*n)++] = 0; f[(*n)++] = 0; }
static void edit_ecp_version(uint8_t *f, size_t *n OVS_UNUSED)
    { f[14] = 0x20; }
static void edit_ecp_op(uint8_t *f, size_t *n OVS_UNUSED)
    { f[14] = 0x18; }
static void edit_ecp_dst(uint8_t *f, size_t *n OVS_UNUSED)
    { f[5] = 0x0e; }
static void edit_filter_format(uint8_t *f, size_t *n OVS_UNUSED)
    { f[VSI_OFS + 22] = 9; }
static void edit_vid_4095(uint8_t *f, size_t *n OVS_UNUSED)
    { f[VSI_OFS + 35] = 0x0f; f[VSI_OFS + 36] = 0xff; }
static void edit_group_zero(uint8_t *f, size_t *n OVS_UNUSED)
    { f[VSI_OFS + 27] = 0; f[VSI_OFS + 28] = 0; }
static void edit_multicast_mac(uint8_t *f, size_t *n OVS_UNUSED)
    { f[VSI_OFS + 29] = 0x01; }
static void edit_vsiid_zero(uint8_t *f, size_t *n OVS_UNUSED)
    { memset(f + VSI_OFS + 6, 0, 16); }
static void edit_vsiid_mac(uint8_t *f, size_t *n OVS_UNUSED)
    { f[VSI_OFS + 5] = VDP_VSIID_MAC; }
static void edit_vsiid_format(uint8_t *f, size_t *n OVS_UNUSED)
    { f[VSI_OFS + 5] = 6; }

static void
test_invalid(void)
{
    static const struct {
        const char *what;
        void (*edit)(uint8_t *, size_t *);
        int expected;           /* -1: refused; else error code. */
        const char *msg;        /* Part of the message. */
    } cases[] = {
        { "as captured", edit_none, VDP_ERR_NONE, NULL },
        { "VSI TLV longer than the frame", edit_tlv_too_long, -1,
          "only 37 bytes follow" },
        { "VSI TLV of 511 bytes", edit_tlv_max, -1, "only 37 bytes follow" },
        { "VSI TLV shorter than its entries", edit_tlv_too_short, -1,
          "make 37" },
        { "VSI TLV longer than its entries", edit_extra_byte, -1, "make 37" },
        { "more entries than the length", edit_count_up, -1, "make 49" },
        { "fixed fields cut", edit_fixed_short, -1, "less than the 25" },
        { "Manager-ID of 15 bytes", edit_mgr_len, -1, "not 16" },
        { "no Manager-ID", edit_no_mgr, -1, "not Manager-ID" },
        { "unknown TLV type", edit_unknown_tlv, -1, "unknown type 6" },
        { "End TLV with a length", edit_end_with_len, -1, "End TLV" },
        { "padding after End", edit_end_then_junk, VDP_ERR_NONE, NULL },
        { "one stray byte", edit_lone_byte, -1, "truncated" },
        { "OUI TLV without OUI", edit_oui_short, -1, "less than an OUI" },
        { "ECP version 2", edit_ecp_version, -1, "version 2" },
        { "ECP operation 2", edit_ecp_op, -1, "operation type 2" },
        { "nearest bridge address", edit_ecp_dst, -1, "nearest customer" },
        { "no entries", edit_count_zero, VDP_ERR_INVALID_FORMAT,
          "no filter entries" },
        { "unknown filter format", edit_filter_format,
          VDP_ERR_INVALID_FORMAT, "unknown filter format 9" },
        { "VID 4095", edit_vid_4095, VDP_ERR_INVALID_FILTER, "4095" },
        { "GroupID 0", edit_group_zero, VDP_ERR_INVALID_FILTER,
          "GroupID 0" },
        { "multicast MAC", edit_multicast_mac, VDP_ERR_INVALID_FILTER,
          "not a unicast" },
        { "UUID of zeros", edit_vsiid_zero, VDP_ERR_INVALID_FORMAT,
          "VSIID" },
        { "UUID bytes as a MAC VSIID", edit_vsiid_mac,
          VDP_ERR_INVALID_FORMAT, "VSIID" },
        { "unknown VSIID format", edit_vsiid_format, VDP_ERR_INVALID_FORMAT,
          "VSIID" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *msg;
        int got = decode_edited(cases[i].edit, &msg);
        bool ok = (got == cases[i].expected
                   && (cases[i].msg ? msg && strstr(msg, cases[i].msg)
                                    : !msg));
        if (!ok) {
            fprintf(stderr, "%s: got %d (%s), expected %d (%s)\n",
                    cases[i].what, got, msg ? msg : "no message",
                    cases[i].expected,
                    cases[i].msg ? cases[i].msg : "no message");
        }
        CU_ASSERT(ok);
        free(msg);
    }
}

/* A VSI TLV that can be echoed but not honoured is answered with the same
 * bytes but for the status, even with an unknown filter format. */
static void
test_invalid_echo(void)
{
    uint8_t frame[sizeof pre_assoc];
    memcpy(frame, pre_assoc, sizeof frame);
    frame[VSI_OFS + 22] = 9;

    struct ecpdu ecp;
    struct vdpdu pdu;
    CU_ASSERT_PTR_NULL_FATAL(ecp_decode(frame, sizeof frame, &ecp));
    CU_ASSERT_PTR_NULL_FATAL(vdpdu_decode(ecp.payload, ecp.payload_len,
                                          &pdu));
    CU_ASSERT_EQUAL_FATAL(pdu.n_vsis, 1);

    struct vdp_vsi resp;
    uint8_t status = VDP_STATUS_ACK | VDP_STATUS_HARD
                     | VDP_ERR_INVALID_FORMAT;
    vdp_vsi_response(&pdu.vsis[0], status, &resp);
    struct ofpbuf b;
    ofpbuf_init(&b, 0);
    vdp_put_vsi(&b, &resp);
    CU_ASSERT_EQUAL_FATAL(b.size, sizeof frame - VSI_TLV_OFS);
    frame[VSI_OFS] = status;
    CU_ASSERT(!memcmp(b.data, frame + VSI_TLV_OFS, b.size));
    ofpbuf_uninit(&b);
    vdp_vsi_destroy(&resp);
    vdpdu_destroy(&pdu);
}

static void
test_lldp_invalid(void)
{
    /* The responder's LLDPDU. */
    static const uint8_t lldp[] = {
        0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, 0x52, 0x54, 0x00, 0xbb, 0x00,
        0x02, 0x88, 0xcc,
        0x02, 0x07, 0x04, 0x52, 0x54, 0x00, 0xbb, 0x00, 0x02,
        0x04, 0x07, 0x03, 0x52, 0x54, 0x00, 0xbb, 0x00, 0x02,
        0x06, 0x02, 0x00, 0x78,
        0xfe, 0x09, 0x00, 0x80, 0xc2, 0x0d, 0x04, 0x00, 0x68, 0x54, 0x14,
        0x00, 0x00,
    };
    static const struct {
        const char *what;
        size_t ofs;
        uint8_t value;
        size_t extra;           /* Zero bytes appended. */
        const char *msg;
    } cases[] = {
        { "as sent", 0, 0x01, 0, NULL },
        { "padded", 0, 0x01, 11, NULL },
        { "EVB TLV of 8 bytes", 37, 0x08, 0, "EVB TLV has length 8" },
        { "EVB TLV past the end", 37, 0x0d, 0, "only 11 bytes follow" },
        { "TTL first", 14, 0x06, 0, "has type 3, not 1" },
        { "TTL of 3 bytes", 33, 0x03, 0, "TTL TLV has length 3" },
        { "End with a length", 48, 0x01, 1, "End TLV" },
        { "not LLDP", 13, 0xcd, 0, "not LLDP" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        size_t size = sizeof lldp + cases[i].extra;
        uint8_t *frame = xzalloc(size);
        struct evb_lldpdu pdu;

        memcpy(frame, lldp, sizeof lldp);
        frame[cases[i].ofs] = cases[i].value;
        char *error = evb_lldpdu_decode(frame, size, &pdu);
        bool ok = (cases[i].msg ? error && strstr(error, cases[i].msg)
                                : !error);
        if (!ok) {
            fprintf(stderr, "%s: got \"%s\"\n", cases[i].what,
                    error ? error : "success");
        }
        CU_ASSERT(ok);
        if (!cases[i].msg && !error) {
            CU_ASSERT(pdu.has_evb && pdu.evb.bgid && pdu.evb.rte == 8
                      && pdu.evb.mode == EVB_MODE_BRIDGE
                      && pdu.evb.rwd == 20 && pdu.evb.rka == 20
                      && pdu.ttl == 120);
        }
        free(error);
        free(frame);
    }
}

/* VSIIDs. */

static void
test_vsiid_strings(void)
{
    static const struct {
        uint8_t format;
        uint8_t id[VDP_VSIID_LEN];
        const char *string;     /* NULL if invalid. */
    } cases[] = {
        { VDP_VSIID_UUID, { 0xa1, 0xb2, 0xc3, 0xd4, 0x11, 0x11, 0x22, 0x22,
                            0x33, 0x33, 0x44, 0x44, 0x55, 0x55, 0x66, 0x66 },
          "a1b2c3d4-1111-2222-3333-444455556666" },
        { VDP_VSIID_UUID, { 0 }, NULL },
        { VDP_VSIID_MAC, { [10] = 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
          "52:54:00:12:34:56" },
        { VDP_VSIID_MAC, { 1, [10] = 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
          NULL },
        { VDP_VSIID_MAC, { 0 }, NULL },
        { VDP_VSIID_IPV4, { [10] = 0xff, 0xff, 10, 1, 2, 3 }, "10.1.2.3" },
        { VDP_VSIID_IPV4, { [12] = 192, 0, 2, 1 }, "192.0.2.1" },
        { VDP_VSIID_IPV4, { [10] = 0xff, 0x00, 10, 1, 2, 3 }, NULL },
        { VDP_VSIID_IPV4, { [10] = 0xff, 0xff }, NULL },
        { VDP_VSIID_IPV6, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
          "2001:db8::1" },
        { VDP_VSIID_IPV6, { 0 }, NULL },
        { VDP_VSIID_LOCAL, { 0x00, 0x01, 0x02, [15] = 0xff },
          "000102000000000000000000000000ff" },
        { 0, { 1 }, NULL },
        { 6, { 1 }, NULL },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char buf[VDP_VSIID_STRLEN];
        bool ok = vdp_vsiid_to_string(cases[i].format, cases[i].id, buf);
        if (cases[i].string) {
            CU_ASSERT(ok);
            CU_ASSERT_STRING_EQUAL(buf, cases[i].string);
        } else {
            CU_ASSERT(!ok);
            CU_ASSERT_STRING_EQUAL(buf, "");
        }
    }
}

/* The state machine. */

static void
test_request_events(void)
{
    enum {
        NONE,                   /* No earlier request. */
        SAME,                   /* The same request (a keep-alive). */
        SAME_PLAIN,             /* The same, but with neither M nor S. */
        SAME_M,                 /* The same, but it had the M-bit. */
        SAME_S,                 /* The same, but it had the S-bit. */
        SAME_PRE,               /* Same content, but a PRE-ASSOC. */
        OTHER,                  /* Different content. */
    };
    static const struct {
        enum vdp_tlv_type type;
        uint8_t bits;
        int prev;
        enum vsi_state state;
        enum vsi_event events[2];
        size_t n;
    } cases[] = {
#define E1(A) { VSIE_##A }, 1
#define E2(A, B) { VSIE_##A, VSIE_##B }, 2
        /* Pre-association. */
        { VDP_TLV_PRE_ASSOC, 0, NONE, VSI_ABSENT, E1(PRE_ASSOCIATE) },
        { VDP_TLV_PRE_ASSOC_RR, 0, NONE, VSI_ABSENT, E1(PRE_ASSOCIATE) },
        { VDP_TLV_PRE_ASSOC, 0, SAME, VSI_PRE_ASSOCIATED, E1(KEEPALIVE) },
        { VDP_TLV_PRE_ASSOC, 0, OTHER, VSI_PRE_ASSOCIATED,
          E1(PRE_ASSOCIATE) },
        { VDP_TLV_PRE_ASSOC, VDP_STATUS_M, NONE, VSI_ABSENT,
          E1(IMMIGRATE_PRE) },
        { VDP_TLV_PRE_ASSOC, VDP_STATUS_M, SAME_M, VSI_PRE_ASSOCIATED,
          E1(KEEPALIVE) },
        /* The NVE dropped the VSI: the same request creates it again. */
        { VDP_TLV_PRE_ASSOC, 0, SAME, VSI_ABSENT, E1(PRE_ASSOCIATE) },

        /* Association. */
        { VDP_TLV_ASSOC, 0, NONE, VSI_ABSENT, E1(ASSOCIATE) },
        { VDP_TLV_ASSOC, 0, SAME_PRE, VSI_PRE_ASSOCIATED, E1(ASSOCIATE) },
        { VDP_TLV_ASSOC, 0, SAME, VSI_ASSOCIATED, E1(KEEPALIVE) },
        { VDP_TLV_ASSOC, 0, OTHER, VSI_ASSOCIATED, E1(ASSOCIATE) },
        { VDP_TLV_ASSOC, 0, SAME, VSI_ABSENT, E1(ASSOCIATE) },

        /* M-bit: a migration only when it is new. */
        { VDP_TLV_ASSOC, VDP_STATUS_M, NONE, VSI_ABSENT,
          E1(IMMIGRATE_ASSOC) },
        { VDP_TLV_ASSOC, VDP_STATUS_M, SAME_M, VSI_ASSOCIATED,
          E1(KEEPALIVE) },
        { VDP_TLV_ASSOC, VDP_STATUS_M, OTHER, VSI_ASSOCIATED,
          E1(ASSOCIATE) },
        { VDP_TLV_ASSOC, VDP_STATUS_M, SAME_PLAIN, VSI_ASSOCIATED,
          E1(IMMIGRATE_ASSOC) },
        { VDP_TLV_ASSOC, VDP_STATUS_M, SAME_M, VSI_ABSENT,
          E1(IMMIGRATE_ASSOC) },

        /* S-bit: suspended, sticky; cleared: resumed. */
        { VDP_TLV_ASSOC, VDP_STATUS_S, NONE, VSI_ABSENT,
          E2(ASSOCIATE, SUSPEND) },
        { VDP_TLV_ASSOC, VDP_STATUS_S, SAME_PLAIN, VSI_ASSOCIATED,
          E1(SUSPEND) },
        { VDP_TLV_ASSOC, VDP_STATUS_S, SAME_S, VSI_SUSPENDED,
          E1(KEEPALIVE) },
        { VDP_TLV_ASSOC, VDP_STATUS_S, OTHER, VSI_ASSOCIATED,
          E2(ASSOCIATE, SUSPEND) },
        { VDP_TLV_ASSOC, VDP_STATUS_S, SAME_PRE, VSI_PRE_ASSOCIATED,
          E2(ASSOCIATE, SUSPEND) },
        { VDP_TLV_ASSOC, VDP_STATUS_S | VDP_STATUS_M, NONE, VSI_ABSENT,
          E2(IMMIGRATE_ASSOC, SUSPEND) },
        { VDP_TLV_ASSOC, 0, SAME_S, VSI_SUSPENDED, E1(RESUME) },
        { VDP_TLV_ASSOC, 0, OTHER, VSI_SUSPENDED, E1(ASSOCIATE) },
        /* The S-bit of a PRE-ASSOC has nothing to suspend. */
        { VDP_TLV_PRE_ASSOC, VDP_STATUS_S, NONE, VSI_ABSENT,
          E1(PRE_ASSOCIATE) },

        /* De-association: terminate, or with the S-bit emigrate. */
        { VDP_TLV_DEASSOC, 0, SAME, VSI_ASSOCIATED, E1(TERMINATE) },
        { VDP_TLV_DEASSOC, 0, NONE, VSI_ABSENT, E1(TERMINATE) },
        { VDP_TLV_DEASSOC, VDP_STATUS_M, SAME_M, VSI_ASSOCIATED,
          E1(TERMINATE) },
        { VDP_TLV_DEASSOC, VDP_STATUS_S, SAME_S, VSI_SUSPENDED,
          E1(EMIGRATE) },
        { VDP_TLV_DEASSOC, VDP_STATUS_S, NONE, VSI_ASSOCIATED,
          E1(EMIGRATE) },
        { VDP_TLV_DEASSOC, VDP_STATUS_S, NONE, VSI_ABSENT, E1(TERMINATE) },
#undef E1
#undef E2
    };

    /* A request of the nve-responder capture, and variants of it. */
    struct ecpdu ecp;
    struct vdpdu pdu;
    CU_ASSERT_PTR_NULL_FATAL(ecp_decode(pre_assoc, sizeof pre_assoc, &ecp));
    CU_ASSERT_PTR_NULL_FATAL(vdpdu_decode(ecp.payload, ecp.payload_len,
                                          &pdu));
    const struct vdp_vsi *base = &pdu.vsis[0];

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct vdp_vsi rq, prev;

        vdp_vsi_clone(&rq, base);
        rq.type = cases[i].type;
        rq.status = cases[i].bits;

        vdp_vsi_clone(&prev, &rq);
        switch (cases[i].prev) {
        case SAME_PLAIN:
            prev.status = 0;
            break;
        case SAME_M:
            prev.status = VDP_STATUS_M;
            break;
        case SAME_S:
            prev.status = VDP_STATUS_S;
            break;
        case SAME_PRE:
            prev.type = VDP_TLV_PRE_ASSOC;
            break;
        case OTHER:
            prev.filters[0].vid_word = 1002;
            break;
        }

        struct vdp_events ev;
        vdp_request_events(&rq, cases[i].prev == NONE ? NULL : &prev,
                           cases[i].state, &ev);
        bool ok = ev.n == cases[i].n;
        for (size_t k = 0; ok && k < ev.n; k++) {
            ok = ev.events[k] == cases[i].events[k];
        }
        if (!ok) {
            fprintf(stderr, "case %"PRIuSIZE": got %"PRIuSIZE" events: %s "
                    "%s\n", i, ev.n, vsi_event_name(ev.events[0]),
                    ev.n > 1 ? vsi_event_name(ev.events[1]) : "");
        }
        CU_ASSERT(ok);

        /* Every mapping is a transition the state machine allows from
         * that state. */
        enum vsi_state state = cases[i].state;
        for (size_t k = 0; k < ev.n; k++) {
            const struct vsi_transition *t = vsi_transition(state,
                                                            ev.events[k]);
            CU_ASSERT_EQUAL(t->status, VSI_ST_SUCCESS);
            state = t->next;
        }
        vdp_vsi_destroy(&rq);
        vdp_vsi_destroy(&prev);
    }
    vdpdu_destroy(&pdu);
}

static void
test_response_status(void)
{
    /* 'hard' with the Hard bit allowed, 'soft' without (the default). */
    static const struct {
        enum vsi_status status;
        bool kept;
        uint8_t hard, soft;
    } cases[] = {
        { VSI_ST_SUCCESS, false, 0x40, 0x40 },
        { VSI_ST_SUCCESS, true, 0x40, 0x40 },
        { VSI_ST_INVALID_REQUEST, false, 0x51, 0x41 },
        { VSI_ST_INSUFFICIENT_RESOURCES, false, 0x42, 0x42 }, /* Captured. */
        { VSI_ST_BUSY, true, 0x63, 0x63 },                    /* Captured. */
        { VSI_ST_BUSY, false, 0x43, 0x43 },
        { VSI_ST_FAILED_AUTHORIZATION, false, 0x54, 0x44 },
        { VSI_ST_CONFLICT_POLICIES, true, 0x75, 0x65 },
        { VSI_ST_UNKNOWN_VN, false, 0x55, 0x45 },
        { VSI_ST_INVALID_STATE, true, 0x74, 0x64 },
        { VSI_ST_UNKNOWN_VSI, false, 0x54, 0x44 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        CU_ASSERT_EQUAL(vdp_response_status(cases[i].status, cases[i].kept,
                                            true), cases[i].hard);
        CU_ASSERT_EQUAL(vdp_response_status(cases[i].status, cases[i].kept,
                                            false), cases[i].soft);
    }

    /* Response VIDs. */
    CU_ASSERT_EQUAL(vdp_response_vid_word(0, 1002, -1), 1002);
    CU_ASSERT_EQUAL(vdp_response_vid_word(0, 100, 3), 0x8000 | 0x3000 | 100);
    CU_ASSERT_EQUAL(vdp_response_vid_word(0x3000, 5, -1), 0x3005);
    CU_ASSERT_EQUAL(vdp_response_vid_word(200, 201, -1), 200);
    CU_ASSERT_EQUAL(vdp_response_vid_word(200, 201, 4), 200);
    CU_ASSERT_EQUAL(vdp_response_vid_word(200, 200, -1), 200);
    CU_ASSERT_EQUAL(vdp_response_vid_word(200, 200, 4),
                    0x8000 | 0x4000 | 200);
    CU_ASSERT_EQUAL(vdp_response_vid_word(0x8000 | 0x5000 | 300, 300, 2),
                    0x8000 | 0x5000 | 300);
}

static void
test_format(void)
{
    struct ecpdu ecp;
    struct vdpdu pdu;
    struct ds s = DS_EMPTY_INITIALIZER;

    CU_ASSERT_PTR_NULL_FATAL(ecp_decode(pre_assoc, sizeof pre_assoc, &ecp));
    ecp_format(&ecp, &s);
    CU_ASSERT_STRING_EQUAL(ds_cstr(&s),
                           "ECP REQUEST seq=18 subtype=VDP (57 bytes)");
    ds_clear(&s);

    CU_ASSERT_PTR_NULL_FATAL(vdpdu_decode(ecp.payload, ecp.payload_len,
                                          &pdu));
    vdpdu_format(&pdu, &s);
    CU_ASSERT_STRING_EQUAL(ds_cstr(&s),
        "PRE-ASSOC status=0x00(request) mgrid=\"blabla\" type=4660/1 "
        "vsiid=uuid:a1b2c3d4-1111-2222-3333-444455556666 "
        "filter=group-mac-vid[group=5000/52:54:00:11:22:33/vid=0]");
    ds_clear(&s);

    struct vdp_vsi resp;
    vdp_vsi_response(&pdu.vsis[0], vdp_response_status(VSI_ST_BUSY, true,
                                                       false),
                     &resp);
    resp.filters[0].vid_word = vdp_response_vid_word(0, 1002, 5);
    vdp_vsi_format(&resp, &s);
    CU_ASSERT_STRING_EQUAL(ds_cstr(&s),
        "PRE-ASSOC status=0x63(response,keep,unable to contact VSI manager) "
        "mgrid=\"blabla\" type=4660/1 "
        "vsiid=uuid:a1b2c3d4-1111-2222-3333-444455556666 "
        "filter=group-mac-vid[group=5000/52:54:00:11:22:33/vid=1002,pcp=5]");
    vdp_vsi_destroy(&resp);
    vdpdu_destroy(&pdu);
    ds_destroy(&s);
}

void
test_vdp_register(void)
{
    CU_pSuite suite = CU_add_suite("vdp", NULL, NULL);

    CU_add_test(suite, "every captured frame decodes as annotated",
                test_captures_decode);
    CU_add_test(suite, "responder frames encode byte for byte",
                test_responses_encode);
    CU_add_test(suite, "every truncation is refused", test_truncated);
    CU_add_test(suite, "over-long, inconsistent and invalid TLVs",
                test_invalid);
    CU_add_test(suite, "invalid TLVs are echoed", test_invalid_echo);
    CU_add_test(suite, "invalid LLDPDUs", test_lldp_invalid);
    CU_add_test(suite, "VSIID text forms", test_vsiid_strings);
    CU_add_test(suite, "requests onto the state machine",
                test_request_events);
    CU_add_test(suite, "outcomes onto response status", test_response_status);
    CU_add_test(suite, "formatting", test_format);
}
