#!/usr/bin/env bash
# The seed article's two-node MooseFS failover, on one machine (docs/lab.md).
#
#   scripts/lab.sh up                 build the lab and start heartbeat on both nodes
#   scripts/lab.sh status             who holds what: heartbeat, agents, DRBD, VIP, client
#   scripts/lab.sh failover [crash|standby]   crash (default) or hb_standby the active node
#   scripts/lab.sh enter NODE [CMD]   a shell (or CMD) inside mfs-master, mfs-bak or mfs-client
#   scripts/lab.sh down               tear everything down (idempotent; logs are kept)
#   scripts/lab.sh demo [--summary FILE] [--files N]
#                                     up, write, crash mfs-master, wait for mfs-bak, verify, down
#
# Environment: MFSHA_LAB_ID (default "lab": namespaces mfsha-lab-*, directory /tmp/mfsha-lab),
# MFSHA_LAB_TARGET (directory holding Initdrbd, mfsmaster, VIPaddr, drbd-sim; default the newer
# of target/debug and target/release, built when missing).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
ID=${MFSHA_LAB_ID:-lab}
case $ID in *[!a-z0-9]* | "") echo "lab.sh: MFSHA_LAB_ID must be lower-case letters and digits" >&2 && exit 2 ;; esac
P=mfsha-$ID
LAB=/tmp/$P
LOGS=/tmp/$P-logs
SIM=$LAB/drbd
NODES=(mfs-master mfs-bak)
BOXES=(mfs-master mfs-bak mfs-client)
VIP=192.168.8.210
HARESOURCES="mfs-master Initdrbd mfsmaster $VIP"
declare -A SVC=([mfs-master]=192.168.8.200 [mfs-bak]=192.168.8.201 [mfs-client]=192.168.8.100)
declare -A HB=([mfs-master]=192.168.125.200 [mfs-bak]=192.168.125.201)
declare -A NETNS=([mfs-master]=$P-master [mfs-bak]=$P-bak [mfs-client]=$P-client)
SWITCH=$P-sw
CHUNKSERVERS=2
METALOGGER_DIR=/var/lib/mfs-metalogger
SAVED_PATH=/usr/sbin:/usr/bin:/sbin:/bin

say() { printf '%s lab: %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() {
    echo "lab.sh: $*" >&2
    exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# --- the boxes: a network namespace plus private mount, UTS and PID namespaces ------------------

init_pid() { cat "$LAB/$1/init.pid" 2>/dev/null || true; }

# Is $1 still the PID 1 of box $2 that this lab started (not a recycled PID)?
is_our_init() {
    [ -n "$1" ] && tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -qF "$LAB/box-init.sh $2 "
}

# Runs a command inside box $1 with a clean environment.
inn() {
    local box=$1 pid
    shift
    pid=$(init_pid "$box")
    is_our_init "$pid" "$box" || die "$box is not running (scripts/lab.sh up)"
    nsenter -t "$pid" -n -m -u -p -- env -i PATH="$LAB/bin:$SAVED_PATH" LANG=C \
        DRBD_SIM_DIR="$SIM" HOME=/root TERM="${TERM:-dumb}" "$@"
}

# Polls "$@" every 0.2 s until it succeeds or $1 seconds pass.
wait_for() {
    local deadline=$(($(date +%s) + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

write_box_init() {
    # PID 1 of a box. Everything a node writes lands in the lab directory or on tmpfs: the host's
    # /etc/ha.d and /usr/lib are overlays (the installer runs unchanged with --root /), /var/lib,
    # /run, /usr/local and /mnt are tmpfs.
    cat >"$LAB/box-init.sh" <<'EOF'
#!/bin/bash
set -eu
box=$1 dir=$2/$1 kind=$3 logs=$4
hostname "$box"
mount -t tmpfs -o mode=755 tmpfs /run
# a private /tmp (mfsmaster writes /tmp/metadata.mfs.emergency), keeping the lab's directories
mkdir -p /run/lab /run/logs
mount --bind "$2" /run/lab && mount --bind "$logs" /run/logs
mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p "$2" "$logs"
mount --move /run/lab "$2" && mount --move /run/logs "$logs"
rmdir /run/lab /run/logs
mkdir -p /run/lock /run/mfs
mount -t tmpfs -o mode=755 tmpfs /var/lib
mkdir -p /var/lib/mfs /var/lib/mfs-ha
mount --bind "$dir/state" /var/lib/mfs-ha
mount -t tmpfs -o mode=755 tmpfs /mnt
if [ "$kind" = node ]; then
    mkdir -p /run/heartbeat/ccm /run/heartbeat/crm /run/heartbeat/dopd /run/resource-agents
    chown -R hacluster:haclient /run/heartbeat && chmod -R 750 /run/heartbeat
    chmod 1755 /run/resource-agents
    mkdir -p /var/lib/heartbeat && mount --bind "$dir/varlib-heartbeat" /var/lib/heartbeat
    mount -t overlay overlay -o "lowerdir=/etc/ha.d,upperdir=$dir/etc-ha.d,workdir=$dir/etc-ha.d.work" /etc/ha.d
    mount -t overlay overlay -o "lowerdir=/usr/lib,upperdir=$dir/usr-lib,workdir=$dir/usr-lib.work" /usr/lib
    mount -t tmpfs -o mode=755 tmpfs /usr/local && mkdir -p /usr/local/mfs
    # heartbeat's last resort after a failed stop is reboot -nf: it must only log here.
    mount --bind "$2/fake-reboot" "$(readlink -f /sbin/reboot)"
fi
touch "$dir/ready"
trap 'exit 0' TERM
while :; do sleep 3600 & wait $! || true; done
EOF
    cat >"$LAB/fake-reboot" <<EOF
#!/bin/sh
echo "\$(date -u) \$(uname -n): reboot \$* (faked by the lab)" >>$LOGS/reboot.log
EOF
    chmod 755 "$LAB/box-init.sh" "$LAB/fake-reboot"
}

start_box() {
    local box=$1 kind=$2 dir=$LAB/$1 pid=
    mkdir -p "$dir/state" "$dir/etc-ha.d" "$dir/etc-ha.d.work" "$dir/usr-lib" "$dir/usr-lib.work"
    if [ "$kind" = node ]; then
        # heartbeat's own state, without the identity files (two nodes must not share hb_uuid)
        mkdir -p "$dir/varlib-heartbeat"
        cp -a /var/lib/heartbeat/. "$dir/varlib-heartbeat/"
        rm -f "$dir"/varlib-heartbeat/{hb_uuid,hb_generation,hostcache,delhostcache}
    fi
    setsid ip netns exec "${NETNS[$box]}" unshare --pid --fork --mount-proc --mount --uts \
        --propagation private "$LAB/box-init.sh" "$box" "$LAB" "$kind" "$LOGS" \
        </dev/null >>"$LOGS/$box/box.log" 2>&1 &
    echo $! >"$dir/unshare.pid"
    for _ in $(seq 50); do
        pid=$(cat "/proc/$!/task/$!/children" 2>/dev/null | awk '{print $1}')
        [ -n "$pid" ] && [ -e "$dir/ready" ] && break
        sleep 0.1
    done
    [ -n "$pid" ] && [ -e "$dir/ready" ] || die "$box did not start (see $LOGS/$box/box.log)"
    echo "$pid" >"$dir/init.pid"
    readlink "/proc/$pid/ns/pid" >"$dir/pidns"
}

# --- network: a switch namespace with the service LAN and the heartbeat LAN ---------------------

net_up() {
    ip netns add "$SWITCH"
    ip -n "$SWITCH" link set lo up
    for br in svc hb; do
        ip -n "$SWITCH" link add "br-$br" type bridge
        ip -n "$SWITCH" link set "br-$br" up
    done
    for box in "${BOXES[@]}"; do
        ip netns add "${NETNS[$box]}"
        ip -n "${NETNS[$box]}" link set lo up
        plug "$box" eth0 svc "${SVC[$box]}"
        [ -z "${HB[$box]:-}" ] || plug "$box" eth1 hb "${HB[$box]}"
    done
}

# A veth from box $1 (interface $2) to bridge br-$3, address $4/24. "brd +" matters: heartbeat's
# bcast medium sends to the interface's broadcast address.
plug() {
    local ns=${NETNS[$1]} port=${1#mfs-}-$2
    ip link add "$2" netns "$ns" type veth peer name "$port" netns "$SWITCH"
    ip -n "$SWITCH" link set "$port" master "br-$3" up
    ip -n "$ns" addr add "$4/24" brd + dev "$2"
    ip -n "$ns" link set "$2" up
}

mac_of() { ip -n "${NETNS[$1]}" -br link show dev eth0 2>/dev/null | awk '{print $3}'; }
client_vip_mac() { ip -n "${NETNS[mfs-client]}" neigh show "$VIP" dev eth0 | awk '/lladdr/ {print $3}'; }

# --- configuration ------------------------------------------------------------------------------

write_node_config() {
    local node=$1 c=$LAB/$1/conf
    mkdir -p "$c/mfs-ha" "$LOGS/$node"
    cat >"$c/ha.cf" <<EOF
# the lab's short timings; the seed article uses keepalive 2, deadtime 30, initdead 120
logfile $LOGS/$node/ha.log
debugfile $LOGS/$node/ha-debug.log
use_logd no
keepalive 1
warntime 3
deadtime 5
initdead 10
udpport 694
bcast eth1
auto_failback on
crm off
node mfs-master
node mfs-bak
EOF
    printf 'auth 1\n1 sha1 mfsha-lab-%s\n' "$ID" >"$c/authkeys"
    echo "$HARESOURCES" >"$c/haresources"
    cat >"$c/mfs-ha/Initdrbd.conf" <<EOF
# this kernel has no DRBD: drbd-sim plays drbdadm, and writes this node's /proc/drbd here
drbdadm = $LAB/bin/drbdadm
drbd_status_source = $SIM/$node/proc_drbd
timeout = 30
EOF
    cat >"$c/mfs-ha/mfsmaster.conf" <<EOF
config = /usr/local/mfs/etc/mfsmaster.cfg
mount_point = /usr/local/mfs
timeout = 60
EOF
    if [ "$node" = mfs-bak ]; then
        # the seed's metalogger, here on the standby: its changelogs count as seen (freshness)
        echo "metalogger_data_path = $METALOGGER_DIR" >>"$c/mfs-ha/mfsmaster.conf"
        cat >"$LAB/$node/mfsmetalogger.cfg" <<EOF
DATA_PATH = $METALOGGER_DIR
MASTER_HOST = $VIP
MASTER_RECONNECTION_DELAY = 1
EOF
    fi
    cat >"$c/mfs-ha/VIPaddr.conf" <<EOF
# eth0:0 as in the seed's ip a output
iflabel = 0
arp_count = 5
EOF
}

# The DRBD filesystem as the seed's source install has it: /usr/local/mfs/{etc,var/mfs}.
prepare_drbd() {
    local dev mnt=$LAB/prep
    drbd-sim install-links "$LAB/bin" >/dev/null
    DRBD_SIM_DIR=$SIM drbd-sim init --resource r0 --minor 1 --nodes mfs-master,mfs-bak \
        --size 256M --up --primary mfs-master >/dev/null
    dev=$(DRBD_SIM_DIR=$SIM DRBD_SIM_NODE=mfs-master "$LAB/bin/drbdadm" sh-dev r0)
    mkfs.ext4 -q -F "$dev"
    mkdir -p "$mnt"
    mount "$dev" "$mnt"
    mkdir -p "$mnt/etc" "$mnt/var/mfs"
    cat >"$mnt/etc/mfsmaster.cfg" <<EOF
WORKING_USER = mfs
WORKING_GROUP = mfs
DATA_PATH = /usr/local/mfs/var/mfs
EXPORTS_FILENAME = /usr/local/mfs/etc/mfsexports.cfg
TOPOLOGY_FILENAME = /usr/local/mfs/etc/mfstopology.cfg
MATOML_LISTEN_HOST = *
MATOCS_LISTEN_HOST = *
MATOCL_LISTEN_HOST = *
EOF
    echo "192.168.8.0/24 / rw,alldirs,maproot=0:0" >"$mnt/etc/mfsexports.cfg"
    : >"$mnt/etc/mfstopology.cfg"
    install -m 640 /var/lib/mfs/metadata.mfs.empty "$mnt/var/mfs/metadata.mfs"
    chown -R mfs:mfs "$mnt"
    umount "$mnt"
    DRBD_SIM_DIR=$SIM DRBD_SIM_NODE=mfs-master "$LAB/bin/drbdadm" secondary r0
}

write_client_config() {
    local c=$LAB/mfs-client/conf i
    mkdir -p "$c"
    for i in $(seq "$CHUNKSERVERS"); do
        cat >"$c/cs$i.cfg" <<EOF
DATA_PATH = /var/lib/mfs/cs$i
HDD_CONF_FILENAME = $c/hdd$i.cfg
MASTER_HOST = $VIP
MASTER_RECONNECTION_DELAY = 1
CSSERV_LISTEN_HOST = ${SVC[mfs-client]}
CSSERV_LISTEN_PORT = $((9421 + i))
HDD_LEAVE_SPACE_DEFAULT = 32MiB
EOF
        echo "/mnt/hdd$i" >"$c/hdd$i.cfg"
    done
}

# --- binaries -----------------------------------------------------------------------------------

find_target() {
    local dir best=
    if [ -n "${MFSHA_LAB_TARGET:-}" ]; then
        best=$MFSHA_LAB_TARGET
    else
        for dir in "${CARGO_TARGET_DIR:-$REPO/target}"/{debug,release}; do
            [ -x "$dir/drbd-sim" ] && [ -x "$dir/Initdrbd" ] || continue
            if [ -z "$best" ] || [ "$dir/Initdrbd" -nt "$best/Initdrbd" ]; then best=$dir; fi
        done
        if [ -z "$best" ]; then
            say "building the agents and drbd-sim (cargo build -p agents -p drbd-sim)"
            (cd "$REPO" && . scripts/rust-env.sh && require_cargo lab.sh && cargo build -q -p agents -p drbd-sim)
            best=${CARGO_TARGET_DIR:-$REPO/target}/debug
        fi
    fi
    for b in Initdrbd mfsmaster VIPaddr drbd-sim; do
        [ -x "$best/$b" ] || die "$best/$b not found: cargo build -p agents -p drbd-sim"
    done
    echo "$best"
}

preflight() {
    [ "$(id -u)" = 0 ] || die "must run as root (namespaces, mounts, loop devices)"
    local c
    for c in ip nsenter unshare setsid mkfs.ext4 losetup python3 mfsmaster mfschunkserver mfsmount mfscli; do
        command -v "$c" >/dev/null || die "$c not found (apt-get install iproute2 util-linux e2fsprogs python3 moosefs-master moosefs-chunkserver moosefs-client moosefs-cli)"
    done
    [ -x /usr/libexec/heartbeat/heartbeat ] || die "/usr/libexec/heartbeat/heartbeat not found (apt-get install heartbeat)"
    [ -r /var/lib/mfs/metadata.mfs.empty ] || die "/var/lib/mfs/metadata.mfs.empty not found (apt-get install moosefs-master)"
    id mfs >/dev/null 2>&1 && id hacluster >/dev/null 2>&1 || die "users mfs and hacluster missing (install moosefs-master and heartbeat)"
}

# --- up / down ----------------------------------------------------------------------------------

cmd_up() {
    preflight
    [ ! -e "$LAB" ] || die "$LAB exists: the lab is up or half up (scripts/lab.sh down first)"
    local target box node i
    target=$(find_target)
    rm -rf "$LOGS"
    mkdir -p "$LAB/bin" "$LOGS"
    for box in "${BOXES[@]}"; do mkdir -p "$LOGS/$box" "$LAB/$box"; done
    # the binaries inside the lab directory: the boxes have a private /tmp and must see them
    mkdir -p "$LAB/target"
    for b in Initdrbd mfsmaster VIPaddr drbd-sim; do
        ln -f "$(readlink -f "$target/$b")" "$LAB/target/$b" 2>/dev/null || cp "$target/$b" "$LAB/target/$b"
    done
    target=$LAB/target
    ln -s "$target/drbd-sim" "$LAB/bin/drbd-sim"
    export PATH="$LAB/bin:$PATH"
    say "DRBD r0 (drbd-sim, $SIM), ext4 with /usr/local/mfs/{etc,var/mfs}"
    prepare_drbd
    say "network: switch $SWITCH (br-svc 192.168.8.0/24, br-hb 192.168.125.0/24), boxes ${BOXES[*]}"
    net_up
    write_box_init
    for node in "${NODES[@]}"; do
        start_box "$node" node
        write_node_config "$node"
        inn "$node" bash "$REPO/scripts/install.sh" --root / --target "$target" --as-ipaddr >>"$LOGS/$node/install.log"
        inn "$node" cp -r "$LAB/$node/conf/." /etc/ha.d/
        inn "$node" chmod 600 /etc/ha.d/authkeys
    done
    start_box mfs-client client
    write_client_config
    say "heartbeat on ${NODES[*]} (haresources: $HARESOURCES)"
    for node in "${NODES[@]}"; do
        inn "$node" /usr/libexec/heartbeat/heartbeat >>"$LOGS/$node/heartbeat-start.log" 2>&1 ||
            die "heartbeat did not start on $node (see $LOGS/$node/heartbeat-start.log)"
    done
    say "chunkservers in mfs-client (master $VIP)"
    for i in $(seq "$CHUNKSERVERS"); do
        inn mfs-client mkdir -p "/mnt/hdd$i" "/var/lib/mfs/cs$i"
        inn mfs-client mount -t tmpfs -o size=256M tmpfs "/mnt/hdd$i"
        inn mfs-client chown mfs:mfs "/mnt/hdd$i" "/var/lib/mfs/cs$i"
        inn mfs-client mfschunkserver -c "$LAB/mfs-client/conf/cs$i.cfg" start >>"$LOGS/mfs-client/chunkserver$i.log" 2>&1
    done
    say "waiting for mfs-master to hold Initdrbd, mfsmaster and $VIP (up to 60 s)"
    wait_for 60 holds_all mfs-master || die "mfs-master did not take its resources within 60 s (see $LOGS/mfs-master/ha.log)"
    wait_for 30 chunkservers_registered || die "the chunkservers did not register with the master within 30 s"
    mount_client /mnt/mfs || die "mfsmount of $VIP failed (see $LOGS/mfs-client/mfsmount.log)"
    say "metalogger on mfs-bak (started by the agent, by hand: the seed runs it outside heartbeat)"
    inn mfs-bak install -d -o mfs -g mfs "$METALOGGER_DIR"
    inn mfs-bak /etc/ha.d/resource.d/mfsmetalogger config="$LAB/mfs-bak/mfsmetalogger.cfg" start >>"$LOGS/mfs-bak/metalogger.log" 2>&1 ||
        die "the metalogger did not start on mfs-bak (see $LOGS/mfs-bak/metalogger.log)"
    say "up: mfs-master serves $VIP; client mount /mnt/mfs in mfs-client (scripts/lab.sh enter mfs-client)"
}

mount_client() {
    inn mfs-client mkdir -p "$1"
    inn mfs-client mfsmount "$1" -H "$VIP" -P 9421 >>"$LOGS/mfs-client/mfsmount.log" 2>&1
}

# Heartbeat's own view, through the agents: ResourceManager status runs each script's status.
rsc_running() { inn "$1" /usr/share/heartbeat/ResourceManager status "$2"; }
holds_all() { rsc_running "$1" Initdrbd && rsc_running "$1" mfsmaster && rsc_running "$1" "$VIP"; }
# The agent's level-10 monitor: an INFO request answered by the master.
master_answers() {
    inn "$1" env OCF_RESOURCE_INSTANCE=lab OCF_CHECK_LEVEL=10 /usr/lib/ocf/resource.d/mfs-ha/mfsmaster monitor
}
metalogger_registered() { inn mfs-client mfscli -H "$VIP" -SMB 2>/dev/null | grep -q "^metadata backup loggers:.*${SVC[mfs-bak]}"; }
chunkservers_registered() {
    [ "$(inn mfs-client mfscli -H "$VIP" -SCS 2>/dev/null | grep -c '^chunk servers:')" -ge "$CHUNKSERVERS" ]
}

# Kills box $1's PID 1 (the kernel then kills every process of its PID namespace) and waits.
kill_box() {
    local box=$1 pid
    pid=$(init_pid "$box")
    if is_our_init "$pid" "$box"; then
        kill -9 "$pid"
        wait_for 10 sh -c "! kill -0 $pid" || say "warning: $box (PID $pid) did not exit within 10 s"
    fi
    pid=$(cat "$LAB/$box/unshare.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$LAB/box-init.sh $box "; then
        kill -9 "$pid" 2>/dev/null || true
    fi
}

stop_neigh_monitor() {
    local pid
    pid=$(cat "$LAB/neigh-monitor.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "${NETNS[mfs-client]} monitor neigh"; then
        kill "$pid" 2>/dev/null || true
    fi
    rm -f "$LAB/neigh-monitor.pid"
}

cmd_down() {
    [ "$(id -u)" = 0 ] || die "must run as root"
    local box loop
    mkdir -p "$LOGS"
    stop_neigh_monitor
    for box in "${BOXES[@]}"; do kill_box "$box"; done
    for box in "${BOXES[@]}"; do
        if [ -d "$LAB/$box/state/flight" ]; then
            mkdir -p "$LOGS/$box/flight" && cp -a "$LAB/$box/state/flight/." "$LOGS/$box/flight/"
        fi
    done
    if [ -d "$SIM" ]; then
        cp -a "$SIM/state.json" "$LOGS/drbd-state.json" 2>/dev/null || true
        mountpoint -q "$LAB/prep" 2>/dev/null && umount "$LAB/prep"
        # the ext4 mounts die with the boxes' mount namespaces; retry while the kernel lets go
        for _ in $(seq 20); do
            DRBD_SIM_DIR=$SIM "$LAB/bin/drbd-sim" destroy >>"$LOGS/down.log" 2>&1 && break
            sleep 0.5
        done
        for loop in $(losetup -j "$SIM/r0.img" 2>/dev/null | cut -d: -f1); do
            say "warning: $loop still backs the lab image; detaching"
            losetup -d "$loop" || true
        done
    fi
    for ns in "${NETNS[@]}" "$SWITCH"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    case $LAB in /tmp/mfsha-*) rm -rf "$LAB" ;; esac
    say "down; logs in $LOGS"
}

# --- status / failover --------------------------------------------------------------------------

# The node whose mfsmaster runs (heartbeat's view), or nothing.
active_node() {
    local node
    for node in "${NODES[@]}"; do
        is_our_init "$(init_pid "$node")" "$node" && rsc_running "$node" mfsmaster >/dev/null 2>&1 && echo "$node" && return
    done
    return 0
}

cmd_status() {
    local node box r word
    [ -d "$LAB" ] || {
        echo "lab is down"
        return 0
    }
    for node in "${NODES[@]}"; do
        if ! is_our_init "$(init_pid "$node")" "$node"; then
            printf '%-10s  box down (crashed or not started)\n' "$node"
            continue
        fi
        printf '%-10s  heartbeat: %s, resources: %s, peer: %s\n' "$node" \
            "$(inn "$node" cl_status hbstatus 2>/dev/null | grep -o 'running\|stopped')" \
            "$(inn "$node" cl_status rscstatus 2>/dev/null)" \
            "$(inn "$node" cl_status nodestatus "$([ "$node" = mfs-master ] && echo mfs-bak || echo mfs-master)" 2>/dev/null)"
        for r in Initdrbd mfsmaster "$VIP"; do
            word=stopped
            rsc_running "$node" "$r" >/dev/null 2>&1 && word=running
            printf '%-10s    %-14s %s\n' "" "$r" "$word"
        done
        printf '%-10s    %s\n' "" "$(cat "$SIM/$node/proc_drbd" 2>/dev/null | grep -o 'cs:.*ds:[^ ]*' || echo 'drbd: ?')"
    done
    box=mfs-client
    if is_our_init "$(init_pid "$box")" "$box"; then
        printf '%-10s  mount: %s; VIP %s at %s (mfs-master %s, mfs-bak %s)\n' "$box" \
            "$(inn "$box" findmnt -n -o SOURCE /mnt/mfs 2>/dev/null || echo none)" "$VIP" \
            "$(client_vip_mac || true)" "$(mac_of mfs-master)" "$(mac_of mfs-bak)"
    fi
    echo "logs: $LOGS"
}

# Crash: links down (no last packets), PID 1 killed (every process of the node dies, its mount
# namespace with the DRBD mount goes), and drbd-sim told that the replication link is gone.
crash_node() {
    local node=$1
    ip -n "${NETNS[$node]}" link set eth0 down
    ip -n "${NETNS[$node]}" link set eth1 down
    kill_box "$node"
    DRBD_SIM_DIR=$SIM "$LAB/bin/drbd-sim" disconnect >>"$LOGS/failover.log" 2>&1
}

cmd_failover() {
    local how=${1:-crash} node peer t0
    node=$(active_node)
    [ -n "$node" ] || die "no node runs mfsmaster: nothing to fail over (scripts/lab.sh status)"
    peer=mfs-bak
    [ "$node" = mfs-bak ] && peer=mfs-master
    t0=$(now)
    case $how in
    crash) crash_node "$node" ;;
    standby) inn "$node" /usr/share/heartbeat/hb_standby >>"$LOGS/failover.log" 2>&1 ;;
    *) die "failover: crash or standby, not '$how'" ;;
    esac
    say "$how of $node; waiting for $peer (up to 60 s)"
    wait_for 60 master_answers "$peer" || die "$peer did not take over within 60 s (see $LOGS/$peer/ha.log)"
    say "$peer serves after $(elapsed "$t0" "$(now)") s"
}

# --- demo ---------------------------------------------------------------------------------------

# check NAME PASS|FAIL DETAIL: printed and kept for the summary.
check() {
    printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$DEMO/checks.tsv"
    printf '%s  %-20s %s\n' "$2" "$1" "$3"
}
verdict() { if "$@" >/dev/null 2>&1; then echo PASS; else echo FAIL; fi; }
pidns_empty() {
    local ns p
    ns=$(cat "$LAB/$1/pidns")
    for p in /proc/[0-9]*; do [ "$(readlink "$p/ns/pid" 2>/dev/null)" != "$ns" ] || return 1; done
}
link_down() { ! ip -n "${NETNS[$1]}" link show eth0 | grep -q 'state UP'; }
drbd_primary_alone() { grep -q 'cs:WFConnection ro:Primary/Unknown ds:UpToDate' "$SIM/$1/proc_drbd"; }

demo_write_files() {
    local i ok=0
    mkdir -p "$LAB/src"
    inn mfs-client mkdir -p /mnt/mfs/lab
    for i in $(seq "$FILES"); do
        head -c $((256 * 1024 + i * 4099)) /dev/urandom >"$LAB/src/f$i"
        inn mfs-client dd if="$LAB/src/f$i" of="/mnt/mfs/lab/f$i" bs=64k conv=fsync status=none && ok=$((ok + 1))
    done
    head -c 1M /dev/urandom >"$LAB/src/after-crash"
    WRITTEN=$ok
    check files-written "$([ "$ok" = "$FILES" ] && echo PASS || echo FAIL)" "$ok of $FILES files (256-330 KiB, dd conv=fsync) written through $VIP"
}

# Reads every file back through a fresh mount of the new master and compares it with the source.
demo_read_back() {
    local i same=0
    if mount_client /mnt/mfs-after; then
        for i in $(seq "$FILES"); do
            inn mfs-client cmp -s "$LAB/src/f$i" "/mnt/mfs-after/lab/f$i" && same=$((same + 1))
        done
        AFTER_CRASH_OK=$(verdict inn mfs-client cmp -s "$LAB/src/after-crash" /mnt/mfs-after/lab/after-crash)
    fi
    READ_BACK=$same
    check data-intact "$([ "$same" = "$FILES" ] && [ "$AFTER_CRASH_OK" = PASS ] && echo PASS || echo FAIL)" \
        "$same of $FILES files read back identical through a fresh mount after takeover; the file written during the crash: $AFTER_CRASH_OK"
}

demo_summary() {
    local rc=$1
    [ -n "$SUMMARY" ] || return 0
    DEMO_RC=$rc FILES=$FILES WRITTEN=$WRITTEN READ_BACK=$READ_BACK T_MASTER=$T_MASTER T_IO=$T_IO \
        MAC_BEFORE=$MAC_BEFORE MAC_AFTER=$MAC_AFTER MAC_MASTER=$MAC_MASTER MAC_BAK=$MAC_BAK LOGS=$LOGS \
        python3 - "$DEMO/checks.tsv" "$SUMMARY" <<'EOF'
import json, os, sys
checks = []
for line in open(sys.argv[1]):
    name, result, detail = line.rstrip("\n").split("\t", 2)
    checks.append({"name": name, "result": result, "detail": detail})
e = os.environ
num = lambda k: float(e[k]) if e.get(k) else None
ok = int(e["DEMO_RC"]) == 0 and checks and all(c["result"] == "PASS" for c in checks)
summary = {
    "result": "PASS" if ok else "FAIL",
    "checks": checks,
    "files": {"count": int(e["FILES"]), "written": int(e["WRITTEN"] or 0), "read_back_equal": int(e["READ_BACK"] or 0)},
    "takeover_seconds": {"mfsmaster_serving": num("T_MASTER"), "client_io_resumed": num("T_IO")},
    "vip_mac": {"before": e["MAC_BEFORE"], "after": e["MAC_AFTER"], "mfs_master": e["MAC_MASTER"], "mfs_bak": e["MAC_BAK"]},
    "logs": e["LOGS"],
}
json.dump(summary, open(sys.argv[2], "w"), indent=2)
EOF
}

demo_finish() {
    local rc=$? failed
    trap - EXIT
    set +e
    (cmd_down)
    [ -s "$DEMO/checks.tsv" ] || check demo FAIL "the demo stopped before its first check (exit $rc)"
    failed=$(grep -c $'\tFAIL\t' "$DEMO/checks.tsv")
    [ "$rc" = 0 ] && [ "$failed" != 0 ] && rc=1
    [ "$rc" != 0 ] && [ "$failed" = 0 ] && check demo FAIL "the demo stopped early (exit $rc)"
    cp "$DEMO/checks.tsv" "$LOGS/checks.tsv" 2>/dev/null
    demo_summary "$rc"
    rm -rf "$DEMO"
    if [ "$rc" = 0 ]; then say "demo: every check passed"; else say "demo: FAILED (logs in $LOGS)"; fi
    exit "$rc"
}

cmd_demo() {
    SUMMARY= FILES=20
    while [ $# -gt 0 ]; do
        case $1 in
        --summary) SUMMARY=$(realpath -m "${2:?--summary needs a file}") && shift 2 ;;
        --files) FILES=${2:?--files needs a number} && shift 2 ;;
        *) die "demo: unknown argument '$1'" ;;
        esac
    done
    case $FILES in '' | *[!0-9]*) die "--files needs a number" ;; esac
    WRITTEN=0 READ_BACK=0 T_MASTER= T_IO= MAC_BEFORE= MAC_AFTER= MAC_MASTER= MAC_BAK= AFTER_CRASH_OK=FAIL
    DEMO=$(mktemp -d "/tmp/$P-demo-XXXXXX")
    trap demo_finish EXIT
    cmd_up

    say "checks before the crash"
    MAC_MASTER=$(mac_of mfs-master) MAC_BAK=$(mac_of mfs-bak)
    local on_bak
    on_bak=$(for r in Initdrbd mfsmaster "$VIP"; do if rsc_running mfs-bak "$r" >/dev/null 2>&1; then printf '%s ' "$r"; fi; done)
    check held-on-mfs-master "$(holds_all mfs-master >/dev/null 2>&1 && [ -z "$on_bak" ] && echo PASS || echo FAIL)" \
        "ResourceManager status: Initdrbd, mfsmaster, $VIP running on mfs-master; running on mfs-bak: ${on_bak:-nothing}"
    inn mfs-client ping -c 1 -W 2 "$VIP" >/dev/null 2>&1 || true
    MAC_BEFORE=$(client_vip_mac)
    check vip-answers "$([ "$MAC_BEFORE" = "$MAC_MASTER" ] && echo PASS || echo FAIL)" \
        "$VIP answers ping from mfs-client at $MAC_BEFORE (mfs-master's eth0 is $MAC_MASTER)"
    check info-probe "$(verdict master_answers mfs-master)" \
        "mfsmaster's level-10 monitor on mfs-master: INFO request answered; mfscli -H $VIP: $(inn mfs-client mfscli -H "$VIP" -SIG 2>/dev/null | grep -m1 'master version' | tr '\t' ' ' || echo 'no answer')"
    demo_write_files
    local ml_before=FAIL
    wait_for 20 metalogger_registered && ml_before=PASS

    # every change of the client's neighbour table, to see how it learns the VIP's new MAC
    ip -ts -n "${NETNS[mfs-client]}" monitor neigh >"$LOGS/mfs-client/neigh-monitor.log" 2>&1 &
    echo $! >"$LAB/neigh-monitor.pid"
    say "crash of mfs-master"
    local t0 deadline
    t0=$(now)
    crash_node mfs-master
    (
        inn mfs-client timeout -s KILL 150 dd if="$LAB/src/after-crash" of=/mnt/mfs/lab/after-crash bs=64k conv=fsync status=none &&
            now >"$DEMO/io.done"
    ) &
    if wait_for 90 master_answers mfs-bak; then T_MASTER=$(elapsed "$t0" "$(now)"); fi
    deadline=$(($(date +%s) + 150))
    while [ ! -e "$DEMO/io.done" ] && [ "$(date +%s)" -lt "$deadline" ] && kill -0 $! 2>/dev/null; do sleep 0.2; done
    [ -e "$DEMO/io.done" ] && T_IO=$(elapsed "$t0" "$(cat "$DEMO/io.done")")
    check takeover "$([ -n "$T_MASTER" ] && [ -n "$T_IO" ] && echo PASS || echo FAIL)" \
        "crash -> mfsmaster serving on mfs-bak (level-10 monitor): ${T_MASTER:-never} s; crash -> client write+fsync done: ${T_IO:-never} s"

    say "checks after the takeover"
    check held-on-mfs-bak "$(verdict holds_all mfs-bak)" \
        "ResourceManager status on mfs-bak: Initdrbd, mfsmaster, $VIP running; drbd-sim: $(grep -o 'cs:[^ ]* ro:[^ ]* ds:[^ ]*' "$SIM/mfs-bak/proc_drbd")"
    local recovered
    recovered=$(grep -m1 -o 'mfsmaster started with -a.*' "$LOGS/mfs-bak/ha.log" || true)
    check master-recovered "$([ -n "$recovered" ] && echo PASS || echo FAIL)" \
        "mfs-bak's ha.log: ${recovered:-no 'mfsmaster started with -a' line} ($(grep -m1 -o 'answers INFO at [^ ]* (metadata version [0-9]*)' "$LOGS/mfs-bak/ha.log" || true))"
    check old-node-gone "$(pidns_empty mfs-master && link_down mfs-master && drbd_primary_alone mfs-bak && echo PASS || echo FAIL)" \
        "no process left in mfs-master's PID namespace ($(cat "$LAB/mfs-master/pidns")), its links down, mfs-bak Primary with peer Unknown"
    demo_read_back
    local ml_after=FAIL
    wait_for 30 metalogger_registered && ml_after=PASS
    check metalogger-on-mfs-bak "$([ "$ml_before" = PASS ] && [ "$ml_after" = PASS ] && echo PASS || echo FAIL)" \
        "mfscli -SMB lists the metalogger of mfs-bak (${SVC[mfs-bak]}): before the crash $ml_before, after the takeover $ml_after; its newest changelog: $(inn mfs-bak sh -c "tail -n1 $METALOGGER_DIR/changelog_ml.0.mfs 2>/dev/null | cut -c1-60")"
    MAC_AFTER=$(client_vip_mac)
    stop_neigh_monitor
    local learned
    learned=$(awk -v vip="$VIP" -v mac="$MAC_BAK" '
        index($0, " " vip " ") && / INCOMPLETE/ { asked = 1 }
        index($0, " " vip " ") && index($0, "lladdr " mac) { print (asked ? "after an ARP request of its own" : "with no ARP request of its own (INCOMPLETE never seen), i.e. from the gratuitous ARP") ": " $0; exit }
    ' "$LOGS/mfs-client/neigh-monitor.log")
    check vip-mac-moved "$([ -n "$MAC_AFTER" ] && [ "$MAC_AFTER" = "$MAC_BAK" ] && [ "$MAC_AFTER" != "$MAC_BEFORE" ] && echo PASS || echo FAIL)" \
        "mfs-client's neighbour entry for $VIP: $MAC_BEFORE (mfs-master) before, $MAC_AFTER after (mfs-bak's eth0 is $MAC_BAK); learned ${learned:-(no change seen by ip monitor)}; VIPaddr on mfs-bak: $(grep -m1 -o 'sent [0-9]* gratuitous ARP.*' "$LOGS/mfs-bak/ha.log" || echo 'no ARP sent')"
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
failover) cmd_failover "${@:2}" ;;
enter)
    box=${2:?enter needs mfs-master, mfs-bak or mfs-client}
    shift 2
    [ $# -gt 0 ] || set -- bash -i
    inn "$box" "$@"
    ;;
demo) cmd_demo "${@:2}" ;;
*) sed -n '2,15s/^# \{0,1\}//p' "$0" && exit 2 ;;
esac
