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

#ifndef NVE_UTIL_H
#define NVE_UTIL_H 1

/* Small helpers shared by the programs of ovs-nve. */

/* For qsort() of an array of strings ("char *" or "const char *"), in
 * strcmp() order: the order in which OVSDB keeps a set of strings. */
int nve_compare_strings(const void *a, const void *b);

#endif /* nve-util.h */
