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
#   ./dev.sh deps    install the Debian packages (apt-get; needs root)
#   ./dev.sh build   deps, then prepare Open vSwitch, configure and make
#   ./dev.sh demo    build, then run the demo scenario in a sandbox
#   ./dev.sh check   build, then "make check" (the whole suite)
#   ./dev.sh bench   build, install the benchmark's own packages (OVN,
#                    perf), then "make bench" (BENCHMARK.md); BENCHFLAGS
#                    are passed on, e.g. BENCHFLAGS="--sizes=1000 --no-ovn"
#   ./dev.sh package-check
#                    deps and the packaging tools, then the Debian package
#                    on this host (tests/package-check.sh): build, lintian,
#                    install beside openvswitch-switch, run, upgrade,
#                    uninstall, purge; as root, on a machine without Open
#                    vSwitch installed (CI)

set -e
cd "$(dirname "$0")"

# The Debian packages that the build, the tests and the demo need.
PACKAGES="gcc make autoconf automake libtool pkg-config patch
python3 openvswitch-source libssl-dev libcap-ng-dev libunbound-dev
libjansson-dev libcunit1-dev iproute2 groff-base man-db procps
lldpad tcpdump python3-jsonschema ethtool iputils-ping"

# Only for the benchmark (./dev.sh bench): OVN to compare with, and perf to
# profile.  The normal build and test path does without them.
BENCH_PACKAGES="ovn-central ovn-host linux-perf"

# Only for the package check (./dev.sh package-check): the tools that build
# and check a Debian package.  The check installs openvswitch-switch itself
# and purges it afterwards.
PACKAGE_TOOLS="build-essential debhelper lintian git"

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

build() {
    deps
    test -x configure || ./boot.sh
    test -f Makefile || ./configure --enable-Werror
    make -j"$(nproc)"
}

check() {
    build
    status=0
    make check -j1 TESTSUITEFLAGS="-j$(nproc) $TESTSUITEFLAGS" || status=$?
    # One closing line that any CI understands.
    log=tests/testsuite.log
    if test -f "$log"; then
        # Lines like "12. title (file.at:34): ok     (0m0.1s 0m0.0s)".
        passed=$(grep -cE '^[0-9]+\. .*\): ok( |$)' "$log" || :)
        failed=$(grep -cE '^[0-9]+\. .*\): FAILED' "$log" || :)
        skipped=$(grep -cE '^[0-9]+\. .*\): skipped' "$log" || :)
        if test "$status" != 0 && test -n "${CI:-}"; then
            # CI keeps no files: show what failed.
            sed -n '/^## Detailed failed tests/,$p' "$log" | head -n 2000
        fi
        echo "$passed passed, $failed failed, $skipped skipped"
    fi
    return $status
}

bench() {
    build
    deps "$BENCH_PACKAGES"
    make bench BENCHFLAGS="${BENCHFLAGS:-}"
}

package_check() {
    deps
    deps "$PACKAGE_TOOLS"
    as_root tests/package-check.sh
}

case ${1:-} in
    deps) deps ;;
    build) build ;;
    demo) build; make demo ;;
    check) check ;;
    bench) bench ;;
    package-check) package_check ;;
    *) sed -n '/^# dev.sh:/,/^$/s/^# \{0,1\}//p' "$0"; exit 1 ;;
esac
