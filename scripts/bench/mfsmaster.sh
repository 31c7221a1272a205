#!/usr/bin/env bash
# Cost of one status check of the MooseFS master: the mfsmaster agent (Heartbeat `status`, OCF
# `monitor` at level 0 and 10) against what it replaces: the seed's init-script approach
# (`mfsmaster -c CFG test`, the MooseFS binary itself) and Debian's
# `/etc/init.d/moosefs-master status`.
#
#   bash scripts/bench/mfsmaster.sh [N]      (root; N calls per command, default 200)
#
# One real mfsmaster 3.0 runs in a private network namespace (mfsha-bench-mfs-<pid>, loopback
# only) on a config and data directory under one mktemp directory; every command runs inside
# that namespace and answers "running" (exit 0; any other exit aborts the run). The Debian init
# script hard-codes CFGFILE=/etc/mfs/mfsmaster.cfg, PIDF=/var/run/moosefs-master.pid and
# /etc/default/moosefs-master: the script runs a copy of it with those three paths pointing
# into the lab (its pid file holds the lab master's pid), so nothing under /etc or /var/run is
# read or written. Per command: wall time per call (median, p90 over N calls after 5 warm-up
# calls, commands taking turns; /bin/true is the floor) and processes started per call (forks
# and execs, strace -f over 5 more calls), then the ratios stock / agent.
# Needs moosefs-master, strace, python3, util-linux (nsenter), iproute2.
# Not part of `cargo test`. Everything is undone on exit (master stopped, namespace deleted,
# directory removed).
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH=bench/mfsmaster
. scripts/bench/common.sh

N=${1:-200}
MASTER=/usr/sbin/mfsmaster
INIT=/etc/init.d/moosefs-master

need_root "network namespace"
for f in "$MASTER" "$INIT" /var/lib/mfs/metadata.mfs.empty; do
    [ -e "$f" ] || die "$f missing: apt-get install -y moosefs-master"
done
need_tools "strace nsenter ip $PY" "strace util-linux iproute2 python3"
bench_binaries -p agents --bin mfsmaster
AGENT=$BIN/mfsmaster

LAB=$(mktemp -d /tmp/mfsha-bench-mfs-$$-XXXXXX)
NS=mfsha-bench-mfs-$$
IN_NS=(nsenter "--net=/run/netns/$NS" --)
export MFS_HA_RUN_DIR=$LAB/run MFS_HA_STATE_DIR=$LAB/state MFS_HA_CONFIG_DIR=$LAB/conf
export HA_LOGFACILITY=none
export OCF_RESKEY_config=$LAB/etc/mfsmaster.cfg
cleanup() {
    set +e
    [ -e "/run/netns/$NS" ] && "${IN_NS[@]}" "$AGENT" stop >/dev/null 2>&1
    [ -e "/run/netns/$NS" ] && ip netns del "$NS"
    rm -rf "$LAB"
}
trap cleanup EXIT

mkdir -p "$LAB"/{run,state,conf}
chmod 755 "$LAB"
lab_mfsmaster_config "$LAB"
ip netns add "$NS"
ip -n "$NS" link set lo up
"${IN_NS[@]}" "$AGENT" start >/dev/null || die "the agent could not start the lab master"

# Debian's init script with its three hard-coded paths moved into the lab.
: >"$LAB/etc/default-moosefs-master"
tr -dc 0-9 <"$LAB/data/.mfsmaster.lock" >"$LAB/run/moosefs-master.pid"
sed -e "s|^CFGFILE=.*|CFGFILE=$LAB/etc/mfsmaster.cfg|" \
    -e "s|^DEFAULTS_FILE=.*|DEFAULTS_FILE=$LAB/etc/default-moosefs-master|" \
    -e "s|^PIDF=.*|PIDF=$LAB/run/moosefs-master.pid|" "$INIT" >"$LAB/moosefs-master"
chmod 755 "$LAB/moosefs-master"

cat >"$LAB/commands" <<EOF
/bin/true (process start)|-|/bin/true
mfsmaster status (Heartbeat)|HA_CURHOST=node1|$AGENT status
mfsmaster monitor level 0 (OCF)|OCF_RESOURCE_INSTANCE=mfsm OCF_RESKEY_CRM_meta_interval=10000 OCF_CHECK_LEVEL=0|$AGENT monitor
mfsmaster monitor level 10 (OCF)|OCF_RESOURCE_INSTANCE=mfsm OCF_RESKEY_CRM_meta_interval=10000 OCF_CHECK_LEVEL=10|$AGENT monitor
mfsmaster -c CFG test|-|$MASTER -c $LAB/etc/mfsmaster.cfg test
moosefs-master status (init)|-|$LAB/moosefs-master status
EOF

"${IN_NS[@]}" "$PY" "$PWD/scripts/bench/timing.py" "$N" "$LAB/commands" \
    --ratio "mfsmaster -c CFG test|mfsmaster status (Heartbeat)" \
    --ratio "moosefs-master status (init)|mfsmaster status (Heartbeat)" \
    --ratio "mfsmaster -c CFG test|mfsmaster monitor level 0 (OCF)" \
    --ratio "moosefs-master status (init)|mfsmaster monitor level 10 (OCF)"
