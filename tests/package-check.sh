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

# package-check.sh: the Debian package on a real host, as an operator uses
# it.  Builds the .deb from this source tree and checks it with lintian;
# installs Debian's openvswitch-switch and starts the system's Open vSwitch
# (userspace datapath); leaves a database of release 1.0.0's schema with a
# VSI in it, installs ovs-nve and starts it with its service script, which
# converts the database and keeps the VSI; configures TLS with ovs-pki and
# has a TES associate over it with tes-signal; stops and starts Open vSwitch
# and ovs-nve and finds the VSIs and their flows again; uninstalls ovs-nve
# and finds Open vSwitch running and untouched.  Then it stops and purges
# what it installed, whatever happened.
#
# Run as root on a machine without Open vSwitch, as CI does ("./dev.sh
# package-check", which installs the build tools first).  It needs the
# packages of "./dev.sh deps", debhelper and lintian, and apt sources for
# openvswitch-switch.  DEB_BUILD_OPTIONS defaults to "nocheck" (the test
# suite ran before) and parallel=$(nproc).

set -e

srcdir=$(cd "$(dirname "$0")/.." && pwd)
started=$(date +%s)
rundir=/var/run/openvswitch
ovs_nve_ctl=/usr/share/ovs-nve/scripts/ovs-nve-ctl
bridge=br-nve
port=nvepkg0            # A TES-facing port: a tap device of ovs-vswitchd.
apt_get="apt-get -q -y -o DPkg::Lock::Timeout=600 --no-install-recommends"
DEBIAN_FRONTEND=noninteractive
export DEBIAN_FRONTEND

step () {
    printf '\n=== [%3ds] %s\n' $(($(date +%s) - started)) "$*"
}

fail () {
    echo "package-check: FAILED: $*" >&2
    exit 1
}

# check DESCRIPTION COMMAND...: runs COMMAND, fails with DESCRIPTION if it
# fails.
check () {
    what=$1; shift
    if "$@"; then
        echo "ok: $what"
    else
        fail "$what"
    fi
}

# wait_until COMMAND...: COMMAND succeeds within 30 s.
wait_until () {
    i=0
    until "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        test $i -lt 300 || return 1
        sleep 0.1
    done
}

# maintainer_scripts_may ACTION SERVICE: whether invoke-rc.d lets the
# maintainer scripts ACTION SERVICE here.  In containers a policy-rc.d
# forbids it, and without an init system there is no runlevel to start
# services in; the check then does it itself, with "service".
maintainer_scripts_may () {
    rc=0
    invoke-rc.d --query "$2" "$1" >/dev/null 2>&1 || rc=$?
    test $rc = 104
}

# The flows of the integration bridge, without what changes by itself.
dump_flows () {
    ovs-ofctl -O OpenFlow15 --no-stats dump-flows $bridge | \
        sed -e 's/ duration=[0-9.]*s,//' -e 's/ reset_counts//' \
            -e '/OFPST_FLOW/d' | sort
}

vsis () {
    ovs-appctl -t nve-controller vsi/list
}

# The daemons of the system's Open vSwitch, as "name pid".
ovs_pids () {
    for d in ovsdb-server ovs-vswitchd; do
        echo "$d `cat $rundir/$d.pid 2>/dev/null`"
    done
}

# Conditions to check or wait for.
not () {
    ! "$@"
}
same_as () {            # same_as FILE COMMAND...: COMMAND prints FILE.
    file=$1; shift
    "$@" 2>&1 | diff - "$file" >/dev/null
}
vsi_in_db () {          # vsi_in_db VSI STATE: as nve-ctl list-vsi says.
    nve-ctl list-vsi | grep -q "^$1 $2 hv1 $port\$"
}
vsi_in_controller () {  # vsi_in_controller VSI STATE: as vsi/list says.
    vsis | grep -q "^$1 $2 "
}
flows_of () {           # flows_of MAC: flows from MAC on the bridge.
    dump_flows | grep -q "dl_src=$1"
}
bridge_exists () {
    ovs-ofctl show $bridge
}
datapath_type_is () {
    test "`ovs-vsctl get Bridge $bridge datapath_type 2>/dev/null`" = "$1"
}
tns_tls_port () {       # The port that pssl:0:127.0.0.1 listens on.
    ovs-appctl -t nve-controller tns/show \
        | sed -n 's/^listening: pssl:0:127.0.0.1 (port \([0-9]*\))$/\1/p'
}
served_dbs () {
    ovs-appctl -t ovsdb-server ovsdb-server/list-dbs | sort | tr '\n' ' '
}

## ------------- ##
## preconditions ##
## ------------- ##

test "`id -u`" = 0 || fail "run as root"
for p in openvswitch-switch openvswitch-common ovs-nve; do
    if dpkg-query -W -f '${Status}' $p 2>/dev/null \
            | grep -q ' installed$'; then
        fail "$p is installed: this check installs, starts, stops and" \
             "purges it, so it runs on machines without it (\"./dev.sh" \
             "bench\" installs ovn-host, which pulls in Open vSwitch)"
    fi
done
for d in /etc/openvswitch /var/lib/openvswitch /var/log/openvswitch $rundir
do
    test ! -e $d || fail "$d exists: this check would remove it"
done
for dev in $bridge $port; do
    if ip link show $dev >/dev/null 2>&1; then
        fail "network device $dev exists: this check would remove it"
    fi
done
version=`dpkg-parsechangelog -l "$srcdir"/debian/changelog -S Version`
arch=`dpkg --print-architecture`

work=`mktemp -d /tmp/ovs-nve-package.XXXXXX`
installed=

cleanup () {
    status=$?
    set +e
    trap - EXIT
    step "Cleaning up: stopping and purging what the check installed"
    if test -x $ovs_nve_ctl; then
        $ovs_nve_ctl stop
    fi
    if test -x /etc/init.d/openvswitch-switch; then
        # The userspace datapath's tap devices outlive ovs-vswitchd unless
        # their bridge is deleted.
        ovs-vsctl --timeout=5 --if-exists del-br $bridge
        service openvswitch-switch stop
    fi
    for dev in $bridge $port; do
        if ip link show $dev >/dev/null 2>&1; then
            ip link delete $dev
        fi
    done
    for d in nve-controller ovs-vswitchd ovsdb-server; do
        if test -s $rundir/$d.pid; then
            kill `cat $rundir/$d.pid` 2>/dev/null
        fi
    done
    purge=
    for p in ovs-nve $installed; do
        if dpkg-query -W -f '${Status}' $p 2>/dev/null \
                | grep -q ' installed$'; then
            purge="$purge $p"
        fi
    done
    if test -n "$purge"; then
        $apt_get purge $purge >$work/purge.log 2>&1 \
            || cat $work/purge.log
    fi
    rm -rf /etc/openvswitch /var/lib/openvswitch /var/log/openvswitch \
           $rundir
    rm -rf "$work"
    # Nothing may be left for the rest of CI.
    left=
    for p in ovs-nve $installed; do
        if dpkg-query -W -f '${Status}' $p 2>/dev/null \
                | grep -q ' installed$'; then
            left="$left package:$p"
        fi
    done
    for dev in $bridge $port; do
        ip link show $dev >/dev/null 2>&1 && left="$left device:$dev"
    done
    for d in ovsdb-server ovs-vswitchd nve-controller; do
        for pid in `pgrep -x $d`; do
            case `readlink /proc/$pid/exe` in
                /usr/sbin/* | /usr/bin/* | /usr/lib/*)
                    left="$left process:$d($pid)" ;;
            esac
        done
    done
    if test -n "$left"; then
        echo "package-check: left behind:$left" >&2
        status=1
    fi
    if test $status = 0; then
        step "package-check: success"
    else
        step "package-check: FAILED"
    fi
    exit $status
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

## ----- ##
## build ##
## ----- ##

step "Building ovs-nve $version: dpkg-buildpackage -us -uc -b"
# From the files of the source tree that git knows or would add, as a clean
# clone has them: not the build products of this tree.
src=$work/ovs-nve-$version
mkdir "$src"
(cd "$srcdir" && git ls-files -z --cached --others --exclude-standard \
     | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) \
    | tar -xf - -C "$src"
# The source package too, for lintian.
(cd $work && dpkg-source -b ovs-nve-$version) >$work/source.log 2>&1 \
    || { cat $work/source.log; fail "dpkg-source -b"; }
if (cd "$src" && \
    DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS-"nocheck parallel=`nproc`"} \
    nice dpkg-buildpackage -us -uc -b) >$work/build.log 2>&1; then
    echo "ok: built `cd $work && ls *.deb`"
else
    tail -n 50 $work/build.log
    fail "dpkg-buildpackage"
fi
deb=$work/ovs-nve_${version}_$arch.deb
dpkg-deb --info $deb | sed -n 's/^ \(Depends\|Built-Using\):/  &/p'
dpkg-deb --contents $deb | awk '{print "  " $6 $7 $8}' | grep -v '/$'

step "lintian, on the binary and source packages"
lintian --fail-on error,warning --display-info --pedantic \
        $work/ovs-nve_${version}_$arch.changes $work/ovs-nve_$version.dsc \
    || fail "lintian"
echo "ok: lintian (no errors or warnings)"

## ------------------------ ##
## the system's Open vSwitch ##
## ------------------------ ##

step "Installing Debian's openvswitch-switch"
if $apt_get install -s openvswitch-switch >$work/sim 2>&1; then :; else
    apt-get -q update >/dev/null
    $apt_get install -s openvswitch-switch >$work/sim
fi
# Exactly what apt installs is what cleanup purges.
installed=`awk '/^Inst /{print $2}' $work/sim | tr '\n' ' '`
echo "installing: $installed"
$apt_get install openvswitch-switch >$work/install-ovs.log 2>&1 || {
    cat $work/install-ovs.log
    fail "apt-get install openvswitch-switch"
}
if maintainer_scripts_may start openvswitch-switch; then
    echo "openvswitch-switch's postinst started it"
else
    echo "invoke-rc.d may not start services here:" \
         "service openvswitch-switch start"
    service openvswitch-switch start
fi
check "ovs-vswitchd and ovsdb-server run" \
      wait_until ovs-vsctl --timeout=5 show
ovs-vsctl --version | sed 1q

step "A database of release 1.0.0's schema with VSI vm1 (upgrade)"
sed -e "s/@NOW@/`date +%s`000/g" -e "s/@BRIDGE@/$bridge/" \
    -e "s/@DATAPATH_TYPE@/netdev/" -e "s/@PORT@/$port/g" \
    "$srcdir"/tests/nve-1.0.0-vsi.json > $work/txn
ovsdb-tool create /etc/openvswitch/nve.db "$srcdir"/tests/nve-1.0.0.ovsschema
ovsdb-tool transact /etc/openvswitch/nve.db "`cat $work/txn`" >/dev/null
echo "/etc/openvswitch/nve.db: schema `ovsdb-tool db-version \
      /etc/openvswitch/nve.db`"
needs_conversion=`ovsdb-tool needs-conversion /etc/openvswitch/nve.db \
                      "$srcdir"/schemas/nve.ovsschema`

## ------- ##
## ovs-nve ##
## ------- ##

step "Installing ovs-nve"
$apt_get install $deb >$work/install.log 2>&1 \
    || { cat $work/install.log; fail "apt-get install ovs-nve"; }
if maintainer_scripts_may start ovs-nve; then
    echo "ovs-nve's postinst started it"
else
    echo "invoke-rc.d may not start services here: service ovs-nve start"
    service ovs-nve start
fi
check "ovs-nve-ctl status" $ovs_nve_ctl status
check "the database has the installed schema" \
      test "`ovsdb-client get-schema-version NVE`" = \
           "`ovsdb-tool schema-version /usr/share/ovs-nve/nve.ovsschema`"
if test "$needs_conversion" = yes; then
    check "it was converted, with a backup" \
          test -n "`ls /etc/openvswitch/nve.db.backup1.0.0-* 2>/dev/null`"
else
    echo "release 1.0.0's schema is the installed one: nothing to convert"
fi
check "vm1 is kept" wait_until vsi_in_db vm1 associated
check "nve-controller created $bridge, datapath_type netdev" \
      wait_until datapath_type_is netdev
ovs-vsctl add-port $bridge $port -- set Interface $port type=internal
check "nve-controller restored vm1" \
      wait_until vsi_in_controller vm1 associated
check "vm1's flows are on the system's ovs-vswitchd" \
      wait_until flows_of 52:54:00:00:00:01

step "TLS with ovs-pki, a TES that associates with tes-signal"
mkdir $work/pki
cd $work/pki
ovs-pki --dir=$work/pki/ca --log=$work/pki/log init >/dev/null
ovs-pki --dir=$work/pki/ca --log=$work/pki/log -u req+sign nve1 switch \
    >/dev/null
# hv1's certificate as ovs-pki names it by default: "hv1 id:UUID".
ovs-pki --dir=$work/pki/ca --log=$work/pki/log req+sign hv1 switch >/dev/null
echo "hv1's certificate: `openssl x509 -in hv1-cert.pem -noout -subject \
                              | sed 's/.*CN *= *//'`"
nve-ctl --wait set-ssl $work/pki/nve1-privkey.pem $work/pki/nve1-cert.pem \
        $work/pki/ca/switchca/cacert.pem \
        -- add-tns-remote pssl:0:127.0.0.1
wait_until test -n "`tns_tls_port`"
tls_port=`tns_tls_port`
check "tes-signal associate over TLS: SUCCESS" \
      test "`tes-signal --timeout=10 --remote=ssl:127.0.0.1:$tls_port \
                 -p hv1-privkey.pem -c hv1-cert.pem \
                 -C ca/switchca/cacert.pem --status-only \
                 associate vm2 --vn=blue --mac=52:54:00:00:00:02`" = SUCCESS
check "tes-signal keepalive on the default socket: SUCCESS" \
      test "`tes-signal --timeout=10 --tes=hv1 --status-only keepalive vm1`" \
           = SUCCESS
cd /
vsis
check "vm2's flows are on the system's ovs-vswitchd" \
      wait_until flows_of 52:54:00:00:00:02
dump_flows > $work/flows
vsis > $work/vsis
echo "$bridge: `wc -l < $work/flows` flows"

step "Log rotation by openvswitch-switch's /etc/logrotate.d snippet"
# Its postrotate script, as logrotate would run it after moving the logs.
check "it rotates /var/log/openvswitch/*.log" \
      grep -q '^/var/log/openvswitch/\*\.log' \
           /etc/logrotate.d/openvswitch-switch
mv /var/log/openvswitch/nve-controller.log \
   /var/log/openvswitch/nve-controller.log.1
sed -n '/postrotate/,/endscript/p' /etc/logrotate.d/openvswitch-switch \
    | sed '1d;$d' > $work/postrotate
sh $work/postrotate
check "nve-controller reopened its log" \
      wait_until test -s /var/log/openvswitch/nve-controller.log

step "Online conversion to a later schema, offline back at the next start"
# As a later release might change the schema: one more column, a later
# version.
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
major, minor, patch = s["version"].split(".")
s["version"] = "%s.%d.0" % (major, int(minor) + 1)
s["tables"]["VSI"]["columns"]["next_release"] = {
    "type": {"key": "string", "min": 0, "max": 1}}
json.dump(s, open(sys.argv[2], "w"), indent=2)
' /usr/share/ovs-nve/nve.ovsschema $work/nve-next.ovsschema
$ovs_nve_ctl --db-nve-schema=$work/nve-next.ovsschema upgrade-db
check "ovsdb-server serves it with the later schema" \
      test "`ovsdb-client get-schema-version NVE`" = \
           "`ovsdb-tool schema-version $work/nve-next.ovsschema`"
check "nve-controller still has vm1 and vm2" same_as $work/vsis vsis
check "tes-signal keepalive: SUCCESS" \
      test "`tes-signal --timeout=10 --tes=hv1 --status-only keepalive vm2`" \
           = SUCCESS

step "Stopping ovs-nve and Open vSwitch, starting them again"
service ovs-nve stop
check "nve-controller stopped, the database no longer served" \
      not $ovs_nve_ctl status
service openvswitch-switch stop
check "Open vSwitch stopped" not ovs-vsctl --timeout=1 show
service openvswitch-switch start
check "Open vSwitch started" wait_until ovs-vsctl --timeout=5 show
check "$bridge is back" wait_until bridge_exists
check "$bridge has none of the VSIs' flows" not flows_of 52:54:00:00:00:0
service ovs-nve start
check "the database has the installed schema again" \
      test "`ovsdb-client get-schema-version NVE`" = \
           "`ovsdb-tool schema-version /usr/share/ovs-nve/nve.ovsschema`"
check "vm1 and vm2 are back" wait_until same_as $work/vsis vsis
check "their flows are back" wait_until same_as $work/flows dump_flows

step "Uninstalling ovs-nve"
ovs_pids > $work/pids
if maintainer_scripts_may stop ovs-nve; then
    echo "ovs-nve's prerm stops it"
else
    echo "invoke-rc.d may not stop services here: service ovs-nve stop"
    service ovs-nve stop
fi
ovs-vsctl show > $work/show
dump_flows > $work/flows
$apt_get purge ovs-nve >$work/purge.log 2>&1 \
    || { cat $work/purge.log; fail "apt-get purge ovs-nve"; }
check "ovs-nve is gone" not dpkg-query -W ovs-nve
check "nve-controller does not run" test ! -e $rundir/nve-controller.pid
check "its database is gone" test ! -e /etc/openvswitch/nve.db
check "ovsdb-server serves Open_vSwitch alone" \
      test "`served_dbs`" = "Open_vSwitch _Server "
check "ovsdb-server and ovs-vswitchd still run, the same processes" \
      same_as $work/pids ovs_pids
check "their processes run" kill -0 `awk '{print $2}' $work/pids`
check "the switch is untouched" same_as $work/show ovs-vsctl show
check "so are its flows" same_as $work/flows dump_flows
