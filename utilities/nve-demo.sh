# nve-demo.sh: the demo scenario, sourced by nve-sandbox --scenario in a
# sandbox where ovsdb-server, ovs-vswitchd (dummy datapath, bridge br-int)
# and nve-controller run.  A hypervisor "hv-17" behind port tes1 brings two
# VMs into virtual network "blue" over TNS; the scenario prints what Open
# vSwitch does at each step.

step() {
    printf '\n==== %s\n' "$*"
}

show() {
    printf '\n$ %s\n' "$*"
    "$@"
}

# Flows without the counters that change from run to run.
flows() {
    printf '\n$ ovs-ofctl -O OpenFlow15 dump-flows br-int\n'
    ovs-ofctl -O OpenFlow15 --no-stats dump-flows br-int
}

trace() {
    printf '\n$ ovs-appctl ofproto/trace br-int %s\n' "$1"
    ovs-appctl ofproto/trace br-int "$1" | sed -n '/^Final flow/,$p'
}

step "The NVE: identity, underlay, a virtual network, a TES-facing port," \
     "a hypervisor and a remote NVE"
show ovs-vsctl add-port br-int tes1 -- \
    set interface tes1 type=dummy ofport_request=1
show nve-ctl set-name nve1 -- set-underlay 192.0.2.1 \
    -- --pcp=3 add-vn blue 5001 \
    -- add-port tes1 100 199 \
    -- add-tes hv-17 -- tes-add-port hv-17 tes1 -- tes-add-vn hv-17 blue \
    -- add-remote nve2 192.0.2.2 -- remote-add-vn nve2 blue \
    -- add-mapping blue 52:54:00:00:02:01 nve2 10.0.0.21
show nve-ctl --wait show
show ovs-vsctl show
show ovs-appctl -t nve-controller tunnel/list

step "vm1 pre-associates: policies installed, no forwarding yet"
show tes-signal --tes=hv-17 --port=tes1 --vn=blue \
    --mac=52:54:00:00:01:01 --ip=10.0.0.11 pre_associate vm1
trace "in_port=1,dl_vlan=100,dl_src=52:54:00:00:01:01,dl_dst=52:54:00:00:01:02"

step "vm1 and vm2 associate: the NVE assigns blue's local VID on tes1"
show tes-signal --tes=hv-17 --port=tes1 --vn=blue \
    --mac=52:54:00:00:01:01 --ip=10.0.0.11 associate vm1
show tes-signal --tes=hv-17 --port=tes1 --vn=blue \
    --mac=52:54:00:00:01:02 --ip=10.0.0.12 associate vm2
show ovs-appctl -t nve-controller vsi/list
show nve-ctl list-vsi
flows

step "A frame from vm1 to vm2 (tagged with VID 100) goes back out tes1" \
     "with the VID and the VN's PCP"
trace "in_port=1,dl_vlan=100,dl_src=52:54:00:00:01:01,dl_dst=52:54:00:00:01:02"

step "vm2 suspends: its frames are dropped, everything else is kept"
show tes-signal --tes=hv-17 suspend vm2
trace "in_port=1,dl_vlan=100,dl_src=52:54:00:00:01:02,dl_dst=52:54:00:00:01:01"

step "vm2 resumes, then both terminate: every flow they caused is gone"
show tes-signal --tes=hv-17 resume vm2
show tes-signal --tes=hv-17 terminate vm1
show tes-signal --tes=hv-17 terminate vm2
show nve-ctl list-vsi
flows

step "The state machine every request goes through"
show ovs-appctl -t nve-controller vsi/lifecycle
