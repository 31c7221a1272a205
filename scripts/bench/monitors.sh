#!/usr/bin/env bash
# Every agent's status and monitor side by side in one run, against the process-start floor
# (`/bin/true`) and a Rust hello world (what any Rust program costs before doing anything):
# the figures of docs/benchmarks.md "Monitors at the process floor". Root (a network
# namespace, a loop device and a mount, a lab mfsmaster); cleans up on exit.
#   bash scripts/bench/monitors.sh [N]      (N calls per command, default 300)
# The agents are the static release build operators install (scripts/lib/rust-env.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH=bench/monitors
. scripts/bench/common.sh

N=${1:-300}
need_root "network namespace, loop device, mount"
for f in /usr/sbin/mfsmaster /var/lib/mfs/metadata.mfs.empty; do
    [ -e "$f" ] || die "$f missing: apt-get install -y moosefs-master"
done
need_tools "strace nsenter ip mkfs.ext4 rustc $PY" "strace util-linux iproute2 e2fsprogs python3"
bench_binaries -p agents --bin Initdrbd --bin mfsmaster --bin VIPaddr -p drbd-sim --bin drbd-sim

LAB=$(mktemp -d "/tmp/mfsha-bench-mon-$$-XXXXXX")
NS=mfsha-bmon-$$
IN_NS=(nsenter "--net=/run/netns/$NS" --)
MNT=$LAB/mnt
export DRBD_SIM_DIR=$LAB/drbd DRBD_SIM_NODE=alpha
export MFS_HA_RUN_DIR=$LAB/run MFS_HA_STATE_DIR=$LAB/state MFS_HA_CONFIG_DIR=$LAB/conf
export HA_LOGFACILITY=none HA_LOGFILE=/dev/null HA_DEBUGLOG=/dev/null OCF_ROOT=/usr/lib/ocf
cleanup() {
    set +e
    [ -e "/run/netns/$NS" ] && OCF_RESKEY_config=$LAB/etc/mfsmaster.cfg "${IN_NS[@]}" "$BIN/mfsmaster" stop >/dev/null 2>&1
    mountpoint -q "$MNT" && { umount "$MNT" || umount -l "$MNT"; }
    [ -d "$LAB/drbd" ] && "$BIN/drbd-sim" destroy >/dev/null 2>&1
    [ -e "/run/netns/$NS" ] && ip netns del "$NS"
    rm -rf "$LAB"
}
trap cleanup EXIT
mkdir -p "$LAB"/{bin,run,state,conf,mnt,drbd}
chmod 755 "$LAB"

# A Rust hello world built with the same compiler: the cost of any Rust process.
echo 'fn main() { println!("hello"); }' >"$LAB/hello.rs"
rustc -O -o "$LAB/hello.out" "$LAB/hello.rs"

# Every timed program is a written copy, as scripts/install.sh and dpkg leave them: a binary
# straight from the linker is paged in by faults (15-20 more per call, 0.1-0.2 ms), which is
# not how an installed agent runs (docs/benchmarks.md, "Why the page cache matters").
mkdir -p "$LAB/agents"
install -m 755 "$LAB/hello.out" "$LAB/hello"
for a in Initdrbd mfsmaster VIPaddr; do install -m 755 "$BIN/$a" "$LAB/agents/$a"; done
AG=$LAB/agents

# Initdrbd: a simulated Primary with an ext4 mounted.
"$BIN/drbd-sim" install-links "$LAB/bin"
"$BIN/drbd-sim" init --nodes alpha,beta --size 64M >/dev/null
DRBD_SIM_NODE=beta "$LAB/bin/drbdadm" up r0
"$LAB/bin/drbdadm" up r0
"$LAB/bin/drbdadm" primary r0
DEV=$LAB/drbd/alpha/dev/drbd1
mkfs.ext4 -q -F "$DEV"
mount -t ext4 "$DEV" "$MNT"

# VIPaddr: the address on a veth with carrier, inside the namespace.
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add eth0 type veth peer name bmon1
ip -n "$NS" link set eth0 up
ip -n "$NS" link set bmon1 up
ip -n "$NS" addr add 10.79.9.1/24 dev eth0
ip -n "$NS" addr add 10.79.9.100/24 dev eth0

# mfsmaster: a lab master on 127.0.0.1 in the namespace, started by the agent.
lab_mfsmaster_config "$LAB"
OCF_RESKEY_config=$LAB/etc/mfsmaster.cfg "${IN_NS[@]}" "$BIN/mfsmaster" start >/dev/null ||
    die "the agent could not start the lab master"

export PATH="$LAB/bin:/usr/sbin:/usr/bin:/sbin:/bin"
OCF="OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 OCF_RESKEY_CRM_meta_interval=10000 OCF_RESKEY_CRM_meta_timeout=20000"
SRC=OCF_RESKEY_drbd_status_source=$LAB/drbd/alpha/proc_drbd
MFSCFG=OCF_RESKEY_config=$LAB/etc/mfsmaster.cfg
cat >"$LAB/commands" <<EOF
/bin/true (process start floor)|-|/bin/true
Rust hello world|-|$LAB/hello
Initdrbd status (Heartbeat)|$SRC|$AG/Initdrbd r0 $DEV $MNT status
Initdrbd monitor (OCF)|$OCF $SRC OCF_RESOURCE_INSTANCE=idrbd OCF_RESKEY_drbd_resource=r0 OCF_RESKEY_device=$DEV OCF_RESKEY_directory=$MNT|$AG/Initdrbd monitor
mfsmaster status (Heartbeat)|$MFSCFG HA_CURHOST=node1|$AG/mfsmaster status
mfsmaster monitor (OCF)|$OCF $MFSCFG OCF_RESOURCE_INSTANCE=mfsm|$AG/mfsmaster monitor
VIPaddr 10.79.9.100/24 status (Heartbeat)|-|$AG/VIPaddr 10.79.9.100/24 status
VIPaddr monitor (OCF)|$OCF OCF_RESOURCE_INSTANCE=vip1 OCF_RESKEY_ip=10.79.9.100 OCF_RESKEY_cidr_netmask=24|$AG/VIPaddr monitor
EOF

"${IN_NS[@]}" "$PY" "$PWD/scripts/bench/timing.py" "$N" "$LAB/commands" \
    --ratio "Rust hello world|/bin/true (process start floor)" \
    --ratio "Initdrbd status (Heartbeat)|/bin/true (process start floor)" \
    --ratio "Initdrbd monitor (OCF)|/bin/true (process start floor)" \
    --ratio "mfsmaster status (Heartbeat)|/bin/true (process start floor)" \
    --ratio "mfsmaster monitor (OCF)|/bin/true (process start floor)" \
    --ratio "VIPaddr 10.79.9.100/24 status (Heartbeat)|/bin/true (process start floor)" \
    --ratio "VIPaddr monitor (OCF)|/bin/true (process start floor)"
