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

#ifndef NVE_TNS_RESULT_H
#define NVE_TNS_RESULT_H 1

/* What TNS says about a VSI, as JSON text: the "result" of a successful
 * request, the "networks" that it and the notifications "activated" and
 * "local_change" carry, and the "counters" of a "get".  Written straight
 * into a buffer by lib/tns.c's fixed-shape writer, never as jansson values:
 * nve-controller writes one per request.  Pure (no I/O, no globals), so
 * that tests/test-tns-writer.c can check it against jansson. */

#include <stdbool.h>
#include <stddef.h>

struct ds;
struct tns_request;
struct vsi;
struct vsi_counters;

/* Appends the TNS "networks" of VSI 'v', a JSON array. */
void tns_put_networks(struct ds *, const struct vsi *v);

/* Appends the "result" of a successful request 'rq' about 'vsi_id', 'v'
 * being the VSI after it (NULL if the NVE no longer holds it), a JSON
 * object.  Whether it reports the VSI as held (with a "state") is
 * tns_result_has_state(). */
void tns_put_result(struct ds *, const char *vsi_id, const struct vsi *v,
                    const struct tns_request *rq);
bool tns_result_has_state(const struct vsi *v, const struct tns_request *);

/* Appends success reply 'reply', the 'len' bytes that tns_put_success_start()
 * to tns_put_success_end() wrote around a tns_put_result(), with 'vc' as
 * the result's "counters", its last member. */
void tns_put_with_counters(struct ds *, const char *reply, size_t len,
                           const struct vsi_counters *vc);

#endif /* tns-result.h */
