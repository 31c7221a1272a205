#!/usr/bin/env bash
# Cost of one status check: Initdrbd (Heartbeat `status` and OCF `monitor`) against the stock
# scripts it replaces, drbddisk (drbd-utils) `status` and ocf:heartbeat:Filesystem `monitor`.
#
#   bash scripts/bench/initdrbd.sh [N]      (root; N calls per command, default 200)
#
# All four run in one lab: drbd-sim's drbdadm first in PATH, node alpha Primary, a real ext4 on
# the simulated device (a loop device) mounted, so every command answers "running" (exit 0).
# Prints per command the wall time per call (median, p90 over N calls, after 5 warm-up calls;
# the commands take turns, so a busy moment hits all of them alike; /bin/true is the floor,
# starting a process from the timing loop) and the processes started per call (forks, and
# execs, counted with strace -f over 5 more calls), then the ratios stock / Initdrbd. Needs
# drbd-utils, resource-agents, kmod (Filesystem wants modprobe), strace, e2fsprogs and python3;
# `apt-get install -y drbd-utils resource-agents kmod strace e2fsprogs python3`.
# Not part of `cargo test`. Everything is made under one mktemp directory and undone on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH=bench/initdrbd
. scripts/bench/common.sh

N=${1:-200}
DRBDDISK=/etc/ha.d/resource.d/drbddisk
FILESYSTEM=/usr/lib/ocf/resource.d/heartbeat/Filesystem

[ "$(id -u)" -eq 0 ] || die "needs root (loop device, mount)"
for f in "$DRBDDISK" "$FILESYSTEM"; do
    [ -x "$f" ] || die "$f missing: apt-get install -y drbd-utils resource-agents"
done
for tool in strace python3 mkfs.ext4 modprobe; do
    command -v "$tool" >/dev/null || die "$tool missing: apt-get install -y strace python3 e2fsprogs kmod"
done

bench_binaries -p agents --bin Initdrbd -p drbd-sim --bin drbd-sim
AGENT=$BIN/Initdrbd
SIM=$BIN/drbd-sim

LAB=$(mktemp -d /tmp/mfsha-bench-idrbd-$$-XXXXXX)
MNT=$LAB/mnt
export DRBD_SIM_DIR=$LAB DRBD_SIM_NODE=alpha
cleanup() {
    set +e
    mountpoint -q "$MNT" && { umount "$MNT" || umount -l "$MNT"; }
    "$SIM" destroy >/dev/null
    rm -rf "$LAB"
}
trap cleanup EXIT

mkdir -p "$LAB"/{bin,run,state,etc,mnt}
"$SIM" install-links "$LAB/bin"
"$SIM" init --nodes alpha,beta --size 64M
DRBD_SIM_NODE=beta "$LAB/bin/drbdadm" up r0
"$LAB/bin/drbdadm" up r0
"$LAB/bin/drbdadm" primary r0
DEV=$LAB/alpha/dev/drbd1
mkfs.ext4 -q -F "$DEV"
mount -t ext4 "$DEV" "$MNT"

# drbddisk runs DRBDADM=/sbin/drbdadm (the real one): a copy runs the simulator's instead.
sed 's|^DRBDADM=.*|DRBDADM="'"$LAB"'/bin/drbdadm"|' "$DRBDDISK" >"$LAB/drbddisk"
chmod 755 "$LAB/drbddisk"

export PATH="$LAB/bin:/usr/sbin:/usr/bin:/sbin:/bin"
export MFS_HA_RUN_DIR=$LAB/run MFS_HA_STATE_DIR=$LAB/state MFS_HA_CONFIG_DIR=$LAB/etc
export OCF_ROOT=/usr/lib/ocf
export HA_LOGFACILITY=none HA_LOGFILE=/dev/null HA_DEBUGLOG=/dev/null # Filesystem logs via ha_log

# name, environment (KEY=VALUE ...), argv: one line each, fields separated by '|'.
cat >"$LAB/commands" <<EOF
/bin/true (process start)|-|/bin/true
Initdrbd status (Heartbeat)|OCF_RESKEY_drbd_status_source=$LAB/alpha/proc_drbd|$AGENT r0 $DEV $MNT status
Initdrbd monitor (OCF)|OCF_RESKEY_drbd_status_source=$LAB/alpha/proc_drbd OCF_RESOURCE_INSTANCE=idrbd OCF_RESKEY_drbd_resource=r0 OCF_RESKEY_device=$DEV OCF_RESKEY_directory=$MNT|$AGENT monitor
drbddisk r0 status|-|$LAB/drbddisk r0 status
Filesystem monitor (OCF)|OCF_RESOURCE_INSTANCE=fs OCF_RESKEY_device=$DEV OCF_RESKEY_directory=$MNT OCF_RESKEY_fstype=ext4|$FILESYSTEM monitor
EOF

python3 "$PWD/scripts/bench/timing.py" "$N" "$LAB/commands" \
    --ratio "drbddisk r0 status|Initdrbd status (Heartbeat)" \
    --ratio "Filesystem monitor (OCF)|Initdrbd monitor (OCF)"
