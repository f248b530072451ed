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

# netns-migration.sh: a VM moves between NVEs with real packets.
#
# Three NVEs, each a network namespace with its own ovsdb-server,
# ovs-vswitchd (userspace datapath) and nve-controller, on one underlay (a
# Linux bridge in a namespace of its own, 192.168.100.0/24, MTU 1600), and
# an NVA (one ovsdb-server, nva(5)) that they learn each other from: no
# remote NVE or mapping is configured anywhere.  Behind each NVE, a
# hypervisor (TES hv1) whose switch br-tes tags its VMs' ports with the
# local VIDs that the NVE assigned (NETNS-DATAPLANE.md: no 802.1Q module
# here, so the hypervisor's switch tags, as a real one would).
#
# VM vmC (10.0.0.3) sits behind NVE3.  VM vmA (10.0.0.10) is one namespace
# with two interfaces of the same MAC: eth1 behind NVE1's hypervisor and
# eth2 behind NVE2's, only one of them up, which is where the VM "runs".
# While vmC pings vmA every PING_MS (10) milliseconds and sends it a TCP
# stream, each scenario moves vmA as a hypervisor does it, signalling over
# TNS (immigrate in mode pre_associate at the destination PREPARE_MS (2000)
# milliseconds ahead, as long as a hypervisor's pre-copy of the VM's memory
# takes at least, the switch-over, emigrate at the source, terminate
# there), with no operator command, over SECONDS_TOTAL (6) seconds of
# measurement, and prints one line:
#
#   SCENARIO,ORDER sent=N received=M lost=L outage_ms=O move_ms=U tcp=ok|broken
#
# outage_ms is the longest gap between two ping replies, less one
# interval; move_ms the time the VM itself was on neither interface.
#
# Scenarios (run in the order given; each starts where the last left vmA):
#   instant    to the other NVE, twin interface already up: the switch-over
#              is the VM's first frame there
#   unplug:MS  the same, with the VM on no interface for MS milliseconds
#   failed     a migration that fails: the destination terminates its
#              standby VSI, the source resumes the VM, which never left
#
# The order of the signals of a move (--order):
#   frame           immigrate pre_associate, the VM moves (its first frame
#                   at the destination activates it), emigrate, terminate
#                   (the default)
#   emigrate-first  immigrate pre_associate, emigrate, the VM moves,
#                   terminate
#   associate       immigrate pre_associate, the VM moves, immigrate
#                   associate at the destination at once, emigrate,
#                   terminate
#
# usage: netns-migration.sh [--dir=DIR] [--keep] [--order=ORDER] SCENARIO...
#
# Needs root, iproute2, and the programs of ovs-nve and Open vSwitch in
# PATH; /usr/bin/python3 for the TCP stream.

set -e

PING_MS=${PING_MS:-10}
PREPARE_MS=${PREPARE_MS:-2000}
dir=
keep=false
order=frame
for arg; do
    case $arg in
        --dir=*) dir=${arg#*=}; shift ;;
        --keep) keep=true; shift ;;
        --order=*) order=${arg#*=}; shift ;;
        --help) sed -n '/^# netns-migration.sh/,/^# PATH/s/^# \{0,1\}//p' "$0"
                exit 0 ;;
        -*) echo "$0: unknown option $arg" >&2; exit 1 ;;
        *) break ;;
    esac
done
test $# -gt 0 || { echo "$0: no scenario (use --help)" >&2; exit 1; }
srcdir=$(cd "$(dirname "$0")/.." && pwd)
if test -z "$dir"; then
    dir=$(mktemp -d /tmp/nve-mig.XXXXXX)
fi
mkdir -p "$dir"
NS=nvm$$

log () { echo "netns-migration: $*" >&2; }
die () { log "$*"; exit 1; }

# Each NVE's daemons use the files in $dir/nveN.
as_nve () {
    OVS_RUNDIR=$dir/nve$1 OVS_LOGDIR=$dir/nve$1 OVS_DBDIR=$dir/nve$1 \
        OVS_SYSCONFDIR=$dir/nve$1
    export OVS_RUNDIR OVS_LOGDIR OVS_DBDIR OVS_SYSCONFDIR
}

cleanup () {
    set +e
    for pidfile in "$dir"/*/*.pid "$dir"/*.pid; do
        test -e "$pidfile" && kill "$(cat "$pidfile")" 2>/dev/null
    done
    sleep 0.5
    for ns in ul nve1 nve2 nve3 vmA vmC; do
        ip netns del $NS-$ns 2>/dev/null
    done
    $keep || rm -rf "$dir"
}
trap cleanup EXIT INT TERM

wait_until () {
    i=0
    until eval "$1"; do
        i=$((i + 1))
        test $i -lt 200 || die "timed out waiting for: $1"
        sleep 0.1
    done
}

# The underlay and the NVA.
setup_underlay () {
    for ns in ul nve1 nve2 nve3 vmA vmC; do
        ip netns add $NS-$ns
        ip -n $NS-$ns link set lo up
    done
    ip -n $NS-ul link add br-ul type bridge
    ip -n $NS-ul link set br-ul up
    for n in 1 2 3; do
        ip -n $NS-ul link add ul$n mtu 1600 type veth peer name eth-ul \
            netns $NS-nve$n
        ip -n $NS-ul link set ul$n master br-ul up
    done

    mkdir -p "$dir/nva"
    nva-ctl --db-dir="$dir/nva" --schema="$srcdir/schemas/nva.ovsschema" \
        --cluster-local=unix:"$dir/nva/raft.sock" create-cluster 2>/dev/null
    nva-ctl --db-dir="$dir/nva" start >/dev/null
    ovsdb-client -vconsole:off wait unix:"$dir/nva/nva.sock" NVA connected
    nva-ctl --db-dir="$dir/nva" init-rbac
}

# NVE n (underlay 192.168.100.n, local VIDs from 100n on p1) and its
# hypervisor's switch.
setup_nve () {
    n=$1
    as_nve $n
    mkdir -p "$OVS_RUNDIR"
    ip -n $NS-nve$n link set eth-ul mtu 1600 up
    ip netns exec $NS-nve$n sh -c '
        echo 1 > /proc/sys/net/ipv4/conf/all/arp_ignore
        echo 1 > /proc/sys/net/ipv4/conf/eth-ul/arp_ignore'
    ovsdb-tool create "$OVS_RUNDIR/conf.db" "$OVS_SCHEMA"
    ovsdb-tool create "$OVS_RUNDIR/nve.db" "$srcdir/schemas/nve.ovsschema"
    ip netns exec $NS-nve$n ovsdb-server --detach --no-chdir --pidfile \
        --log-file --remote=punix:"$OVS_RUNDIR/db.sock" \
        "$OVS_RUNDIR/conf.db" "$OVS_RUNDIR/nve.db" 2>/dev/null
    ovs-vsctl --no-wait init
    ip netns exec $NS-nve$n ovs-vswitchd --detach --no-chdir --pidfile \
        --log-file --disable-system 2>/dev/null
    ovs-vsctl --timeout=10 \
        -- add-br br-underlay -- set Bridge br-underlay datapath_type=netdev \
        -- add-port br-underlay eth-ul
    ip -n $NS-nve$n addr add 192.168.100.$n/24 dev br-underlay
    ip -n $NS-nve$n link set br-underlay mtu 1600 up

    nve-ctl init -- set NVE_Global . name=nve$n bridge=br-int \
        underlay_ip=192.168.100.$n options:datapath_type=netdev \
        options:nva_remote="\"unix:$dir/nva/nva.sock\"" \
        -- add-vn blue 5001 -- add-port p1 ${n}00 4094 \
        -- add-tes hv1 -- tes-add-port hv1 p1 -- tes-add-vn hv1 blue
    ip netns exec $NS-nve$n nve-controller --detach --no-chdir --pidfile \
        --log-file 2>/dev/null
    wait_until "ovs-appctl -t nve-controller nve/show 2>/dev/null | grep -q '^openflow: connected'"
    ovs-vsctl --timeout=10 \
        -- add-br br-tes -- set Bridge br-tes datapath_type=netdev \
        -- add-port br-tes tes-up -- set Interface tes-up type=patch \
             options:peer=p1 \
        -- add-port br-int p1 -- set Interface p1 type=patch \
             options:peer=tes-up
}

# VM interface 'ifname' of VM namespace 'vm' behind NVE n, MAC 'mac'.
plug () {
    n=$1 vm=$2 ifname=$3 mac=$4
    ip -n $NS-nve$n link add $vm-$ifname type veth peer name $ifname \
        netns $NS-$vm
    ip -n $NS-nve$n link set $vm-$ifname up
    ip -n $NS-$vm link set $ifname address $mac
    ip netns exec $NS-$vm ethtool -K $ifname tx off >/dev/null
}

# Signals METHOD for VSI vm to NVE n as hypervisor hv1; prints the VID.
tes () {
    n=$1; shift
    as_nve $n
    reply=$(tes-signal --timeout=10 --tes=hv1 "$@") \
        || die "nve$n: tes-signal $*: $reply"
    echo "$reply" | sed -n 's/.*"vid":\([0-9]*\).*/\1/p'
}

# Gives VM port vm-ifname behind NVE n the access VID.
tag () {
    as_nve $1
    ovs-vsctl --timeout=10 --may-exist add-port br-tes $2 -- set Port $2 tag=$3
}

setup () {
    OVS_SCHEMA=${OVS_SCHEMA:-$(ovs_schema)}
    setup_underlay
    for n in 1 2 3; do
        setup_nve $n
    done
    for n in 1 2 3; do
        ip netns exec $NS-nve$n ping -q -c 1 -W 2 192.168.100.$(( n % 3 + 1 )) \
            >/dev/null || true
    done

    plug 3 vmC eth0 50:54:00:00:00:03
    ip -n $NS-vmC addr add 10.0.0.3/24 dev eth0
    ip -n $NS-vmC link set eth0 up
    vid=$(tes 3 --port=p1 --vn=blue --mac=50:54:00:00:00:03 --ip=10.0.0.3 associate vmC)
    tag 3 vmC-eth0 $vid

    plug 1 vmA eth1 50:54:00:00:00:0a
    plug 2 vmA eth2 50:54:00:00:00:0a
    ip -n $NS-vmA addr add 10.0.0.10/24 dev eth1
    ip -n $NS-vmA link set eth1 up
    vid=$(tes 1 --port=p1 --vn=blue --mac=50:54:00:00:00:0a --ip=10.0.0.10 associate vmA)
    tag 1 vmA-eth1 $vid
    at=1
    wait_until "ip netns exec $NS-vmC ping -q -c 1 -W 1 10.0.0.10 >/dev/null"
}

# The schema of Open vSwitch's database, next to ovs-vswitchd's sources or
# installed.
ovs_schema () {
    for f in "$OVS_SRCDIR/vswitchd/vswitch.ovsschema" \
             /usr/share/openvswitch/vswitch.ovsschema; do
        if test -e "$f"; then echo "$f"; return; fi
    done
    die "no vswitch.ovsschema (set OVS_SRCDIR or OVS_SCHEMA)"
}

now_ms () { date +%s%3N; }

# vmA announces itself on interface $1, as a hypervisor does for a VM that
# it has just moved (QEMU's self-announce): a gratuitous ARP.
announce () {
    ip netns exec $NS-vmA /usr/bin/python3 -c '
import socket, struct, sys
mac = bytes.fromhex("5054000000" "0a"); ip = socket.inet_aton("10.0.0.10")
arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, ip,
                  b"\0" * 6, ip)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
s.send(b"\xff" * 6 + mac + b"\x08\x06" + arp)
' $1
}

# Starts the measurement: pings and a TCP stream from vmC to vmA.
measure_start () {
    ip netns exec $NS-vmA /usr/bin/python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080)); s.listen(1)
c, _ = s.accept()
n = 0
try:
    while True:
        d = c.recv(65536)
        if not d: break
        n += len(d)
    print("ok", n)
except OSError as e:
    print("broken", e)
' > "$dir/tcp-server.out" 2>&1 &
    echo $! > "$dir/tcp-server.pid"
    wait_until "ip netns exec $NS-vmA ss -ltn | grep -q ':8080'"
    ip netns exec $NS-vmC /usr/bin/python3 -c '
import socket, time
c = socket.create_connection(("10.0.0.10", 8080), timeout=30)
end = time.time() + float(__import__("sys").argv[1])
n = 0
try:
    while time.time() < end:
        c.sendall(b"x" * 1000); n += 1000; time.sleep(0.005)
    c.shutdown(socket.SHUT_WR); c.recv(1)
    print("ok", n)
except OSError as e:
    print("broken", e)
' $(( SECONDS_TOTAL )) > "$dir/tcp-client.out" 2>&1 &
    echo $! > "$dir/tcp-client.pid"
    count=$(( SECONDS_TOTAL * 1000 / PING_MS ))
    ip netns exec $NS-vmC ping -D -n -i 0.$(printf %03d $PING_MS) \
        -W 1 -c $count 10.0.0.10 > "$dir/ping.out" 2>&1 &
    echo $! > "$dir/ping.pid"
}

# Waits for the measurement to end and prints its line for scenario $1.
measure_end () {
    wait "$(cat "$dir/ping.pid")" || true
    wait "$(cat "$dir/tcp-client.pid")" || true
    wait "$(cat "$dir/tcp-server.pid")" || true
    rm -f "$dir"/ping.pid "$dir"/tcp-client.pid "$dir"/tcp-server.pid
    sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$dir/ping.out")
    received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$dir/ping.out")
    outage=$(sed -n 's/^\[\([0-9.]*\)\].*icmp_seq=.*/\1/p' "$dir/ping.out" \
             | awk -v i=$PING_MS 'NR > 1 { g = ($1 - p) * 1000 - i;
                                           if (g > m) m = g }
                                  { p = $1 } END { printf "%d", m }')
    tcp=$(cut -d' ' -f1 "$dir/tcp-client.out")
    server=$(cut -d' ' -f1 "$dir/tcp-server.out")
    test "$server" = ok || tcp=broken
    n_measured=$((${n_measured:-0} + 1))
    cp "$dir/ping.out" "$dir/ping-$n_measured.out"
    echo "$1 sent=$sent received=$received lost=$((sent - received))" \
         "outage_ms=$outage move_ms=$move_ms tcp=$tcp"
}

# Moves vmA from NVE 'at' to the other of NVE1 and NVE2, the VM on no
# interface for $1 ms (0: the twin interface comes up before the old one
# goes down).
move () {
    gap=$1
    from=$at to=$((3 - at))
    vid=$(tes $to --port=p1 --vn=blue --mac=50:54:00:00:00:0a --ip=10.0.0.10 \
              --mode=pre_associate immigrate vmA)
    tag $to vmA-eth$to $vid
    sleep $(awk -v p=$PREPARE_MS 'BEGIN { printf "%.3f", p / 1000 }')
    if test $order = emigrate-first; then
        tes $from emigrate vmA > /dev/null
    fi
    t0=$(now_ms)
    if test "$gap" = 0; then
        # In one "ip" process: a VM that runs at the destination no longer
        # sends from the source, where its VSI is deactivated as soon as
        # the destination activates it.  Separate commands, on a loaded
        # machine, left the VM's replies routed out of the old interface
        # for tens of milliseconds after its first frame at the new one
        # (1 to 4 pings lost), which no real VM can do.
        printf '%s\n' "link set eth$to up" \
               "addr add 10.0.0.10/24 dev eth$to" \
               "addr del 10.0.0.10/24 dev eth$from" \
               "link set eth$from down" \
            | ip -n $NS-vmA -force -batch - 2>/dev/null || true
    else
        ip -n $NS-vmA addr del 10.0.0.10/24 dev eth$from
        ip -n $NS-vmA link set eth$from down
        sleep $(awk -v g=$gap 'BEGIN { printf "%.3f", g / 1000 }')
        ip -n $NS-vmA link set eth$to up
        ip -n $NS-vmA addr add 10.0.0.10/24 dev eth$to
    fi
    announce eth$to
    move_ms=$(( $(now_ms) - t0 ))
    test "$gap" = 0 && move_ms=0
    if test $order = associate; then
        tes $to --port=p1 --vn=blue --mac=50:54:00:00:00:0a --ip=10.0.0.10 \
            --mode=associate immigrate vmA > /dev/null
    fi
    if test $order != emigrate-first; then
        tes $from emigrate vmA > /dev/null
    fi
    sleep 1
    tes $from terminate vmA > /dev/null
    at=$to
}

# A migration to the other NVE that fails: the destination gives up its
# standby VSI, the source resumes the VM where it always was.
fail_move () {
    from=$at to=$((3 - at))
    tes $to --port=p1 --vn=blue --mac=50:54:00:00:00:0a --ip=10.0.0.10 \
        --mode=pre_associate immigrate vmA > /dev/null
    sleep 0.5
    tes $from emigrate vmA > /dev/null
    sleep 0.2
    tes $to terminate vmA > /dev/null
    tes $from resume vmA > /dev/null
    move_ms=0
}

SECONDS_TOTAL=${SECONDS_TOTAL:-6}
setup
for scenario; do
    measure_start
    sleep 1
    case $scenario in
        instant) move 0 ;;
        unplug:*) move ${scenario#unplug:} ;;
        failed) fail_move ;;
        *) die "unknown scenario $scenario" ;;
    esac
    measure_end $scenario,$order
done
