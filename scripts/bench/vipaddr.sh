#!/usr/bin/env bash
# Cost of monitor/status, start and stop: VIPaddr against the stock agents it replaces,
# ocf:heartbeat:IPaddr2 and heartbeat's IPaddr wrapper (/etc/ha.d/resource.d/IPaddr, which
# runs ocf:heartbeat:IPaddr), all on the same VIP in the same network namespace.
#
#   bash scripts/bench/vipaddr.sh [N]      (root; N calls per command, default 100)
#
# Lab: namespace mfsha-bvip-<pid>-a with veth eth0 (10.79.0.1/24; ocf:heartbeat:IPaddr, behind
# the wrapper, assumes nic=eth0 as on the seed's machines) to namespace ...-b (10.79.0.2/24, so
# the link has carrier); the VIP is 10.79.0.100/24 (addresses exist only inside these
# namespaces). The whole timing loop runs inside namespace a (nsenter once).
# Monitor rows: the VIP is up as eth0:0 and every command answers running (exit 0). Start/stop rows: each
# agent's start then stop on the same VIP, timed separately, agents taking turns.
# Fair start: every agent sends ONE gratuitous ARP round in the foreground and no duplicate
# probe: VIPaddr arp_count=1 dad_probe=false; IPaddr2 arp_count=1 arp_bg=false (run_arping
# is false by default); IPaddr ARP_REPEAT=1 ARP_BACKGROUND=no. One more row shows VIPaddr's
# default start (2 ARP probes in a 200 ms window, then 5 rounds 200 ms apart: about 1 s),
# VIPaddr with arp_bg=true (the same, but rounds 2-5 from a detached child), the same without
# the probe, and IPaddr2's default start (send_arp in the background, no duplicate probe).
# Prints per command the wall time per call (median, p90 over N calls, after 3 warm-up calls)
# and processes started per call (forks and execs, strace -f over 5 calls), then ratios.
# Needs resource-agents, heartbeat, strace, python3, iproute2. Not part of `cargo test`.
# Everything is made under mfsha-bvip-<pid> names and undone on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH=bench/vipaddr
. scripts/bench/common.sh

N=${1:-100}
IPADDR2=/usr/lib/ocf/resource.d/heartbeat/IPaddr2
IPADDR=/etc/ha.d/resource.d/IPaddr


[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
[ -x "$IPADDR2" ] || die "$IPADDR2 missing: apt-get install -y resource-agents"
[ -x "$IPADDR" ] || die "$IPADDR missing: apt-get install -y heartbeat"
for tool in strace python3 ip nsenter; do
    command -v "$tool" >/dev/null || die "$tool missing: apt-get install -y strace python3 iproute2 util-linux"
done

bench_binaries -p agents --bin VIPaddr
AGENT=$BIN/VIPaddr

NS=mfsha-bvip-$$
LAB=$(mktemp -d "/tmp/$NS-XXXXXX")
cleanup() {
    set +e
    ip netns del "$NS-a" 2>/dev/null
    ip netns del "$NS-b" 2>/dev/null
    rm -rf "$LAB"
}
trap cleanup EXIT

ip netns add "$NS-a"
ip netns add "$NS-b"
ip -n "$NS-a" link add eth0 type veth peer name bvipb0 netns "$NS-b"
ip -n "$NS-a" addr add 10.79.0.1/24 dev eth0
ip -n "$NS-b" addr add 10.79.0.2/24 dev bvipb0
for n in a b; do
    ip -n "$NS-$n" link set lo up
done
ip -n "$NS-a" link set eth0 up
ip -n "$NS-b" link set bvipb0 up

mkdir -p "$LAB"/{run,state,etc}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
export MFS_HA_RUN_DIR=$LAB/run MFS_HA_STATE_DIR=$LAB/state MFS_HA_CONFIG_DIR=$LAB/etc
export OCF_ROOT=/usr/lib/ocf # heartbeat exports it too; OCF_RA_VERSION_* only for OCF rows
export HA_LOGFACILITY=none HA_LOGFILE=/dev/null HA_DEBUGLOG=/dev/null
VIP=10.79.0.100
OCF="OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 OCF_RESOURCE_INSTANCE=vip1 OCF_RESKEY_ip=$VIP OCF_RESKEY_cidr_netmask=24 OCF_RESKEY_CRM_meta_interval=10000 OCF_RESKEY_CRM_meta_timeout=20000"

# kind|name|environment (KEY=VALUE ...)|argv; kind: floor, monitor, or an agent name for start/stop.
cat >"$LAB/commands" <<EOF
floor|/bin/true (process start)|-|/bin/true
monitor|VIPaddr monitor (OCF)|$OCF|$AGENT monitor
monitor|VIPaddr status (as IPaddr, Heartbeat)|HA_CURHOST=node1|$AGENT $VIP/24 status
monitor|IPaddr2 monitor (OCF)|$OCF|$IPADDR2 monitor
monitor|IPaddr status (heartbeat wrapper)|-|$IPADDR $VIP/24 status
VIPaddr|VIPaddr|$OCF OCF_RESKEY_arp_count=1 OCF_RESKEY_dad_probe=false|$AGENT
IPaddr2|IPaddr2|$OCF OCF_RESKEY_arp_count=1 OCF_RESKEY_arp_bg=false|$IPADDR2
IPaddr|IPaddr (heartbeat wrapper)|OCF_RESKEY_ARP_REPEAT=1 OCF_RESKEY_ARP_BACKGROUND=no|$IPADDR $VIP/24
VIPaddr-default|VIPaddr, defaults (probe + 5 rounds)|$OCF|$AGENT
VIPaddr-bg|VIPaddr arp_bg=true (probe + 1 round, 4 in background)|$OCF OCF_RESKEY_arp_bg=true|$AGENT
VIPaddr-bg-noprobe|VIPaddr arp_bg=true dad_probe=false (as IPaddr2's defaults)|$OCF OCF_RESKEY_arp_bg=true OCF_RESKEY_dad_probe=false|$AGENT
IPaddr2-default|IPaddr2, defaults (5 rounds in background)|$OCF|$IPADDR2
EOF

nsenter --net="/run/netns/$NS-a" -- python3 - "$N" "$LAB/commands" "$PWD/scripts/bench" <<'PY'
import sys

n, listing = int(sys.argv[1]), sys.argv[2]
sys.path.insert(0, sys.argv[3])
from timing import call, load, processes, ratio, stats, table, timed

rows = load(listing, kinds=True)

results = []
# Monitor rows: the VIP is up, labelled eth0:0 (IPaddr finds addresses by parsing ifconfig's
# output, where only a labelled alias shows as an interface of its own).
vip_row = next(r for r in rows if r[0] == "VIPaddr")
call(vip_row[3] + ["start"], dict(vip_row[2], OCF_RESKEY_iflabel="0"))
monitors = [r for r in rows if r[0] in ("floor", "monitor")]
for _, _, env, argv in monitors:
    for _ in range(3):
        call(argv, env)
times = {name: [] for _, name, _, _ in monitors}
for _ in range(n):
    for _, name, env, argv in monitors:
        times[name].append(timed(argv, env))
for _, name, env, argv in monitors:
    results.append((name, *stats(times[name]), *processes(argv, env)))
call(vip_row[3] + ["stop"], vip_row[2])

# Start/stop rows: agents take turns; each cycle is start (timed) then stop (timed).
cycles = [r for r in rows if r[0] not in ("floor", "monitor")]
starts = {r[1]: [] for r in cycles}
stops = {r[1]: [] for r in cycles}
runs = {r[1]: (n if r[0] != "VIPaddr-default" else max(5, n // 10)) for r in cycles}
# A background sender (IPaddr2's send_arp, VIPaddr's arp_bg child) outlives start: the stop that
# follows ends it (VIPaddr) or kills it through its pid file (IPaddr2).
for _ in range(3):
    for _, name, env, argv in cycles:
        call(argv + ["start"], env)
        call(argv + ["stop"], env)
for i in range(n):
    for _, name, env, argv in cycles:
        if i >= runs[name]:
            continue
        starts[name].append(timed(argv + ["start"], env))
        stops[name].append(timed(argv + ["stop"], env))
for _, name, env, argv in cycles:
    results.append((f"{name} start", *stats(starts[name]),
                    *processes(argv + ["start"], env, before=lambda: call(argv + ["stop"], env))))
    call(argv + ["stop"], env)
    results.append((f"{name} stop", *stats(stops[name]),
                    *processes(argv + ["stop"], env, before=lambda: call(argv + ["start"], env))))

table(results, f"{n} calls each (VIPaddr defaults: {runs['VIPaddr, defaults (probe + 5 rounds)']}), "
               "wall time per call in ms; processes started per call (strace -f, 5 calls)")
print(ratio(results, "IPaddr2 monitor (OCF)", "VIPaddr monitor (OCF)"))
print(ratio(results, "IPaddr status (heartbeat wrapper)", "VIPaddr status (as IPaddr, Heartbeat)"))
print(ratio(results, "IPaddr2, defaults (5 rounds in background) start",
            "VIPaddr arp_bg=true dad_probe=false (as IPaddr2's defaults) start"))
for what in ("start", "stop"):
    print(ratio(results, f"IPaddr2 {what}", f"VIPaddr {what}"))
    print(ratio(results, f"IPaddr (heartbeat wrapper) {what}", f"VIPaddr {what}"))
PY
