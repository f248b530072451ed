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
 * instead of <jansson.h>, declares them under those names: call
 * nve_json_object() and friends.
 *
 * The two libraries' headers still cannot meet in one file (both define
 * the enumerators JSON_OBJECT, JSON_STRING...), so a file that uses jansson
 * must not include "openvswitch/json.h", directly or through the OVSDB IDL
 * headers: keep jansson in the TNS layer, and pass C structures across. */

#ifdef JANSSON_H
#error "include nve-jansson.h instead of <jansson.h>"
#endif

#define json_array nve_json_array
#define json_equal nve_json_equal
#define json_integer nve_json_integer
#define json_object nve_json_object
#define json_real nve_json_real
#define json_string nve_json_string
#include <jansson.h>
#undef json_array
#undef json_equal
#undef json_integer
#undef json_object
#undef json_real
#undef json_string

#endif /* nve-jansson.h */
