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

#ifndef NVE_FUZZ_H
#define NVE_FUZZ_H 1

/* Fuzzing harnesses of the decoders of untrusted input (FUZZING.md).
 *
 * Each tests/fuzz/fuzz-*.c defines LLVMFuzzerTestOneInput(), which feeds one
 * input to a decoder, then does with the result what nve-controller does
 * (formats it for the log, builds the reply or the response) and checks
 * that what it would send decodes back to what it meant.  A harness never
 * returns an error: a problem is a crash (an assertion, or a sanitizer's
 * report).
 *
 * The same harness is linked either with libFuzzer (configure
 * --enable-libfuzzer, clang), or with tests/fuzz/fuzz-replay.c, a main()
 * that runs the inputs named on its command line, so that "make check"
 * replays the corpus in tests/fuzz/corpus with any compiler. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "openvswitch/compiler.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with a message if 'cond' is false: a broken invariant of the code
 * under test, found by a harness.  Unlike ovs_assert(), never compiled out
 * (NDEBUG). */
#define FUZZ_CHECK(COND)                                                \
    ((COND) ? (void) 0 : fuzz_check_failed(__FILE__, __LINE__, #COND))

static inline void OVS_NO_RETURN
fuzz_check_failed(const char *file, int line, const char *cond)
{
    fprintf(stderr, "%s:%d: check failed: %s\n", file, line, cond);
    abort();
}

#endif /* fuzz.h */
