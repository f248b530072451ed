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

/* Parsing of the match of an ACL row (acl-match.h), with OVS's own field
 * parser, into a struct match: nve-ctl calls it to check a match before
 * writing it to the NVE database, and nve-controller's profiles module to
 * make the match of an ACL's flows. */

#include <config.h>
#include "acl-match.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "openvswitch/match.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-parse.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/util.h"
#include "util.h"

/* Returns the field that 'mf' stands for in 'match'.  "tp_src" and
 * "tp_dst", which OVS names as TCP's fields, are ovs-ofctl's ports of any
 * transport protocol (the flow keeps them in the same place). */
static const struct mf_field *
acl_match_field(const struct mf_field *mf, const char *name,
                const struct match *match)
{
    bool src = !strcmp(name, "tp_src");

    if (!src && strcmp(name, "tp_dst")) {
        return mf;
    }
    switch (match->flow.nw_proto) {
    case IPPROTO_UDP:
        return mf_from_id(src ? MFF_UDP_SRC : MFF_UDP_DST);
    case IPPROTO_SCTP:
        return mf_from_id(src ? MFF_SCTP_SRC : MFF_SCTP_DST);
    default:
        return mf;
    }
}

char *
acl_match_parse(const char *s, struct match *match)
{
    enum ofputil_protocol usable_protocols = OFPUTIL_P_ANY;
    struct match_field {
        const struct mf_field *mf;
        const char *name;       /* As written in 's'. */
    } *fields = NULL;
    size_t n_fields = 0, allocated_fields = 0;
    char *copy = xstrdup(s);
    char *pos = copy;
    char *name, *value;
    char *error = NULL;

    match_init_catchall(match);
    while (!error && ofputil_parse_key_value(&pos, &name, &value)) {
        const struct ofp_protocol *p;
        const struct mf_field *mf;

        if (ofp_parse_protocol(name, &p)) {
            if (match->wc.masks.dl_type) {
                error = xasprintf("Ethernet type set multiple times by %s",
                                  name);
                break;
            }
            match_set_dl_type(match, htons(p->dl_type));
            if (p->nw_proto) {
                match_set_nw_proto(match, p->nw_proto);
            }
        } else if ((mf = mf_from_name(name)) != NULL) {
            if (mf_is_pipeline_field(mf)) {
                error = xasprintf("field %s is reserved for nve-controller",
                                  name);
            } else if (!mf_is_all_wild(mf, &match->wc)) {
                error = xasprintf("field %s set multiple times", name);
            } else {
                error = ofp_parse_field(mf, value, NULL, match,
                                        &usable_protocols);
                if (n_fields >= allocated_fields) {
                    fields = x2nrealloc(fields, &allocated_fields,
                                        sizeof *fields);
                }
                fields[n_fields].mf = mf;
                fields[n_fields].name = name;
                n_fields++;
            }
        } else {
            error = xasprintf("unknown field %s", name);
        }
    }

    /* Check prerequisites once the whole match is known, so that their order
     * in 's' does not matter. */
    for (size_t i = 0; !error && i < n_fields; i++) {
        const struct mf_field *mf = acl_match_field(fields[i].mf,
                                                    fields[i].name, match);
        if (!mf_are_match_prereqs_ok(mf, match)) {
            error = xasprintf("prerequisites not met for %s",
                              fields[i].name);
        }
    }
    if (!error && !usable_protocols) {
        error = xstrdup("no OpenFlow version supports this match");
    }
    free(fields);
    free(copy);

    if (error) {
        char *msg = xasprintf("%s: invalid match (%s)", s, error);
        free(error);
        return msg;
    }
    return NULL;
}
