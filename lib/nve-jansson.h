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

#ifndef NVE_JANSSON_H
#define NVE_JANSSON_H 1

/* jansson, usable beside libopenvswitch.
 *
 * libopenvswitch defines six functions of its own JSON library with the
 * same names as jansson's: json_array(), json_equal(), json_integer(),
 * json_object(), json_real() and json_string().  Linked into one program,
 * one set of definitions wins, and calls meant for the other crash.  So the
 * build links a copy of jansson's static library in which those six are
 * renamed nve_json_*() (lib/automake.mk), and this header, to be included
 * instead of <jansson.h> and never in the same file as "openvswitch/json.h",
 * maps the names. */

#include <jansson.h>

#define json_array nve_json_array
#define json_equal nve_json_equal
#define json_integer nve_json_integer
#define json_object nve_json_object
#define json_real nve_json_real
#define json_string nve_json_string

json_t *nve_json_array(void);
int nve_json_equal(const json_t *, const json_t *);
json_t *nve_json_integer(json_int_t);
json_t *nve_json_object(void);
json_t *nve_json_real(double);
json_t *nve_json_string(const char *);

#endif /* nve-jansson.h */
