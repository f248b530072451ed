#! /bin/sh
#
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

# dev.sh: everything from a fresh Debian 12 machine to a running demo or a
# green test suite, in one command.  Each step does the ones before it, and
# each is idempotent.
#
#   ./dev.sh deps        install the Debian packages (apt-get; needs root)
#   ./dev.sh build       deps, then prepare Open vSwitch, configure and make
#                        (in _build/)
#   ./dev.sh demo        build, then run the demo scenario in a sandbox
#   ./dev.sh check       build, then "make check" (the whole suite)
#   ./dev.sh check-asan  the whole suite again, built with AddressSanitizer
#                        and UndefinedBehaviorSanitizer (clang) in _asan/:
#                        a sanitizer's report, a leak at exit included,
#                        fails the test that caused it
#   ./dev.sh fuzz        build the fuzzing harnesses with libFuzzer (clang)
#                        in _fuzz/ and run each for FUZZ_TIME seconds
#                        (default 60) from its corpus; FUZZ_HARNESSES
#                        (default all: tns ecp vdp lldp evb) picks some
#   ./dev.sh fuzz-merge  minimize what "fuzz" found, with the corpus in
#                        tests/fuzz/corpus, back into tests/fuzz/corpus
#   ./dev.sh bench       build, install the benchmark's own packages (OVN,
#                        perf), then "make bench" (BENCHMARK.md); BENCHFLAGS
#                        are passed on, e.g. BENCHFLAGS="--sizes=1000 --no-ovn"
#                        (ovn-host pulls in openvswitch-switch, after which
#                        package-check refuses to run on this machine)
#   ./dev.sh package-check
#                        deps and the packaging tools, then the Debian
#                        package on this host (tests/package-check.sh):
#                        build, lintian, install beside openvswitch-switch,
#                        run, upgrade, uninstall, purge; as root, on a
#                        machine without Open vSwitch installed (CI)
#
# Each build is a tree of its own beside the sources (Automake's VPATH
# build), so they never get in each other's way.  A source tree configured
# in place by hand ("./configure && make", README) is used as it is by
# build, demo, check and bench; check-asan and fuzz need the sources
# unconfigured (Automake refuses a second tree otherwise): "make distclean"
# first.

set -e
cd "$(dirname "$0")"

# The Debian packages that the build, the tests and the demo need.
PACKAGES="gcc make autoconf automake libtool pkg-config patch
python3 openvswitch-source libssl-dev libcap-ng-dev libunbound-dev
libjansson-dev libcunit1-dev iproute2 groff-base man-db procps
lldpad tcpdump python3-jsonschema ethtool iputils-ping"

# Only for the sanitizer build and fuzzing (./dev.sh check-asan, fuzz):
# clang, with its sanitizer runtimes and libFuzzer.
SAN_PACKAGES="clang libclang-rt-14-dev"

# Only for the benchmark (./dev.sh bench): OVN to compare with, and perf to
# profile.  The normal build and test path does without them.
BENCH_PACKAGES="ovn-central ovn-host linux-perf"

# Only for the package check (./dev.sh package-check): the tools that build
# and check a Debian package.  The check installs openvswitch-switch itself
# and purges it afterwards.
PACKAGE_TOOLS="build-essential debhelper lintian git"

# The sanitizers of _asan/ and _fuzz/.  clang, not gcc: with gcc 12, the
# reports of UndefinedBehaviorSanitizer in a build that also has
# AddressSanitizer ignore log_path and go to stderr, which a daemon has
# closed.  Open vSwitch's library stays as it was built (without them).
SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
SAN_CFLAGS="-g -O1 -fno-omit-frame-pointer $SAN_FLAGS"

FUZZ_HARNESSES=${FUZZ_HARNESSES:-tns ecp vdp lldp evb}

as_root() {
    if test "$(id -u)" = 0; then
        "$@"
    else
        sudo "$@"
    fi
}

deps() {
    missing=
    for p in ${1:-$PACKAGES}; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
            | grep -q "install ok installed" || missing="$missing $p"
    done
    if test -n "$missing"; then
        echo "dev.sh: installing$missing"
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq \
            --no-install-recommends $missing
    fi
}

# The directory of the normal build: _build/, or the source tree itself if
# it was configured in place.
builddir() {
    if test -f config.status; then
        echo .
    else
        echo _build
    fi
}

# configure_tree DIR CONFIGURE-ARGS...: configures a build tree in DIR
# beside the sources, once.
configure_tree() {
    dir=$1
    shift
    test -x configure || ./boot.sh
    if test -f "$dir/Makefile" \
       && test -n "$(find ovs-patches -newer "$dir/config.status")"; then
        # Its Open vSwitch tree was built before the patches changed: a
        # fresh configure prepares the tree that has them (prepare-ovs keys
        # its trees by the patches), and every object is built again with
        # that tree's headers.
        echo "dev.sh: ovs-patches/ changed since $dir/ was configured:" \
             "configuring it again" >&2
        rm -rf "$dir"
    fi
    if test -f "$dir/Makefile"; then
        return
    elif test -f config.status; then
        echo "dev.sh: the source tree is configured in place; $dir/ is a" \
             "second build tree, which needs it unconfigured: run" \
             "\"make distclean\" first" >&2
        exit 1
    fi
    mkdir -p "$dir"
    (cd "$dir" && ../configure "$@")
}

build() {
    deps
    b=$(builddir)
    if test "$b" != .; then
        configure_tree "$b" --enable-Werror
    fi
    make -C "$b" -j"$(nproc)"
}

# summarize LOG [LABEL]: the one closing line that any CI understands, from
# the autotest log LOG, and in CI, which keeps no files, what failed.
summarize() {
    log=$1
    test -f "$log" || return 0
    # Lines like "12. title (file.at:34): ok     (0m0.1s 0m0.0s)".
    passed=$(grep -cE '^[0-9]+\. .*\): ok( |$)' "$log" || :)
    failed=$(grep -cE '^[0-9]+\. .*\): FAILED' "$log" || :)
    skipped=$(grep -cE '^[0-9]+\. .*\): skipped' "$log" || :)
    if test "$failed" != 0 && test -n "${CI:-}"; then
        sed -n '/^## Detailed failed tests/,$p' "$log" | head -n 2000
    fi
    echo "${2:+$2 }$passed passed, $failed failed, $skipped skipped"
}

check() {
    build
    b=$(builddir)
    status=0
    make -C "$b" check -j1 TESTSUITEFLAGS="-j$(nproc) $TESTSUITEFLAGS" \
        || status=$?
    summarize "$b/tests/testsuite.log"
    return $status
}

check_asan() {
    deps "$PACKAGES $SAN_PACKAGES"
    configure_tree _asan CC=clang CFLAGS="$SAN_CFLAGS" LDFLAGS="$SAN_FLAGS"
    make -C _asan -j"$(nproc)"
    status=0
    make -C _asan check -j1 TESTSUITEFLAGS="-j$(nproc) $TESTSUITEFLAGS" \
        || status=$?
    # A report is in the directory of the test that failed on it.
    if test "$status" != 0 && test -d _asan/tests/testsuite.dir; then
        find _asan/tests/testsuite.dir -name 'asan.*' -o -name 'ubsan.*' \
            | while read -r report; do
                echo "=== $report"
                head -n 100 "$report"
            done
    fi
    summarize _asan/tests/testsuite.log asan:
    return $status
}

fuzz_build() {
    deps "$PACKAGES $SAN_PACKAGES"
    configure_tree _fuzz CC=clang --enable-libfuzzer CFLAGS="$SAN_CFLAGS" \
        LDFLAGS="$SAN_FLAGS"
    targets=
    for h in $FUZZ_HARNESSES; do
        targets="$targets tests/fuzz/fuzz-$h"
    done
    make -C _fuzz -j"$(nproc)" $targets
}

# Runs each harness for FUZZ_TIME seconds, one at a time, from the corpus
# in tests/fuzz/corpus (read only) and what earlier runs found in
# _fuzz/corpus.  A crash, a leak or a timeout stops with the input that
# caused it in _fuzz/artifacts.
fuzz() {
    fuzz_build
    mkdir -p _fuzz/artifacts
    for h in $FUZZ_HARNESSES; do
        mkdir -p "_fuzz/corpus/$h"
        dict=
        if test -f "tests/fuzz/$h.dict"; then
            dict=-dict=tests/fuzz/$h.dict
        fi
        echo "dev.sh: fuzzing $h for ${FUZZ_TIME:-60} s"
        if ! "_fuzz/tests/fuzz/fuzz-$h" -max_total_time="${FUZZ_TIME:-60}" \
                -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
                -artifact_prefix="_fuzz/artifacts/$h-" $dict \
                "_fuzz/corpus/$h" "tests/fuzz/corpus/$h" \
                > "_fuzz/$h.log" 2>&1; then
            tail -n 60 "_fuzz/$h.log"
            echo "dev.sh: fuzz-$h failed; the input is in _fuzz/artifacts," \
                 "the log in _fuzz/$h.log" >&2
            return 1
        fi
        grep -E '^(Done|stat::(number_of_executed|average_exec))' \
            "_fuzz/$h.log" || :
    done
}

# Minimizes (libFuzzer -merge=1) the corpus of each harness with what
# "fuzz" found into tests/fuzz/corpus.  The regression inputs there
# (regress-*) stay as they are.
fuzz_merge() {
    fuzz_build
    for h in $FUZZ_HARNESSES; do
        new=_fuzz/merge-$h
        rm -rf "$new"
        mkdir -p "$new" "_fuzz/corpus/$h"
        "_fuzz/tests/fuzz/fuzz-$h" -merge=1 "$new" "tests/fuzz/corpus/$h" \
            "_fuzz/corpus/$h" > "_fuzz/merge-$h.log" 2>&1
        for f in "tests/fuzz/corpus/$h"/regress-*; do
            test -f "$f" || continue
            rm -f "$new/$(sha1sum < "$f" | cut -d' ' -f1)"
        done
        find "tests/fuzz/corpus/$h" -type f ! -name 'regress-*' -delete
        find "$new" -type f -exec mv {} "tests/fuzz/corpus/$h/" \;
        rmdir "$new"
        echo "dev.sh: tests/fuzz/corpus/$h:" \
             "$(ls "tests/fuzz/corpus/$h" | wc -l) inputs," \
             "$(cat "tests/fuzz/corpus/$h"/* | wc -c) bytes"
    done
}

bench() {
    build
    deps "$BENCH_PACKAGES"
    make -C "$(builddir)" bench BENCHFLAGS="${BENCHFLAGS:-}"
}

package_check() {
    deps
    deps "$PACKAGE_TOOLS"
    as_root tests/package-check.sh
}

case ${1:-} in
    deps) deps ;;
    build) build ;;
    demo) build; make -C "$(builddir)" demo ;;
    check) check ;;
    check-asan) check_asan ;;
    fuzz) fuzz ;;
    fuzz-merge) fuzz_merge ;;
    bench) bench ;;
    package-check) package_check ;;
    *) sed -n '/^# dev.sh:/,/^$/s/^# \{0,1\}//p' "$0"; exit 1 ;;
esac
