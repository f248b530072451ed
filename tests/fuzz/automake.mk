# Copyright (c) 2026 The ovs-nve authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

# Fuzzing harnesses of the decoders of untrusted input (FUZZING.md).  Each
# is built with the replay driver, which tests/fuzz.at runs over the corpus
# in tests/fuzz/corpus/NAME, or, in a tree configured with
# --enable-libfuzzer, with libFuzzer.
noinst_PROGRAMS += \
	tests/fuzz/fuzz-tns \
	tests/fuzz/fuzz-ecp \
	tests/fuzz/fuzz-vdp \
	tests/fuzz/fuzz-lldp \
	tests/fuzz/fuzz-evb

if LIBFUZZER
FUZZ_DRIVER =
FUZZ_ENGINE = -fsanitize=fuzzer
else
FUZZ_DRIVER = tests/fuzz/fuzz-replay.c
FUZZ_ENGINE =
endif
FUZZ_LIBS = lib/libnve.la $(OVS_LIBS)

tests_fuzz_fuzz_tns_SOURCES = tests/fuzz/fuzz-tns.c tests/fuzz/fuzz.h \
	$(FUZZ_DRIVER)
tests_fuzz_fuzz_tns_LDFLAGS = $(FUZZ_ENGINE)
tests_fuzz_fuzz_tns_LDADD = $(FUZZ_LIBS) $(JANSSON_LIBS)
EXTRA_tests_fuzz_fuzz_tns_DEPENDENCIES = lib/libjansson-nve.a

tests_fuzz_fuzz_ecp_SOURCES = tests/fuzz/fuzz-ecp.c tests/fuzz/fuzz.h \
	$(FUZZ_DRIVER)
tests_fuzz_fuzz_ecp_LDFLAGS = $(FUZZ_ENGINE)
tests_fuzz_fuzz_ecp_LDADD = $(FUZZ_LIBS)

tests_fuzz_fuzz_vdp_SOURCES = tests/fuzz/fuzz-vdp.c tests/fuzz/fuzz.h \
	$(FUZZ_DRIVER)
tests_fuzz_fuzz_vdp_LDFLAGS = $(FUZZ_ENGINE)
tests_fuzz_fuzz_vdp_LDADD = $(FUZZ_LIBS)

tests_fuzz_fuzz_lldp_SOURCES = tests/fuzz/fuzz-lldp.c tests/fuzz/fuzz-lldp.h \
	tests/fuzz/fuzz.h $(FUZZ_DRIVER)
tests_fuzz_fuzz_lldp_LDFLAGS = $(FUZZ_ENGINE)
tests_fuzz_fuzz_lldp_LDADD = $(FUZZ_LIBS)

tests_fuzz_fuzz_evb_SOURCES = tests/fuzz/fuzz-evb.c tests/fuzz/fuzz-lldp.h \
	tests/fuzz/fuzz.h $(FUZZ_DRIVER)
tests_fuzz_fuzz_evb_LDFLAGS = $(FUZZ_ENGINE)
tests_fuzz_fuzz_evb_LDADD = $(FUZZ_LIBS)

# The corpus (minimized with libFuzzer's -merge=1), the dictionary of TNS,
# and the script that makes the seeds from the test captures and the
# malformed-input tests.
EXTRA_DIST += \
	tests/fuzz/corpus \
	tests/fuzz/tns.dict \
	tests/fuzz/fuzz-seeds
