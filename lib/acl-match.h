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

#ifndef NVE_ACL_MATCH_H
#define NVE_ACL_MATCH_H 1

/* The match of an ACL row, in ovs-ofctl's flow syntax, parsed with OVS's own
 * field parser: nve-ctl checks it before writing it, nve-controller turns
 * it into flows, and both accept exactly the same strings.
 *
 * An ACL match is a comma- or space-separated list of protocol names ("ip",
 * "tcp6", ...) and FIELD[=VALUE[/MASK]] pairs, in the syntax of
 * ovs-fields(7).  Unlike a flow, it may not use the keywords of a flow that
 * are not fields ("table", "priority", "actions", ...), nor the fields that
 * carry the state of nve-controller's pipeline ("in_port", "metadata", the
 * registers, the tunnel fields), which nve-controller sets itself.  Every
 * field's prerequisites must be part of the match, e.g. "tcp,tp_dst=80"
 * rather than "tp_dst=80", so that the switch accepts the flows made of it.
 * The empty string matches every packet. */

#include "openvswitch/compiler.h"

struct match;

/* Parses 's' into 'match', which it initializes.  Returns NULL on success,
 * otherwise a malloc()'d message "S: invalid match (WHY)" (and 'match' is
 * unspecified). */
char *acl_match_parse(const char *s, struct match *match)
    OVS_WARN_UNUSED_RESULT;

#endif /* acl-match.h */
