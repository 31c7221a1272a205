# Sourced by scripts/lab.sh (docs/lab.md): the boxes (a network namespace plus private mount, UTS and
# PID namespaces each) and their network.
# shellcheck shell=bash

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
box=$1 dir=$2/$1 kind=$3 logs=$4 stack=${5:-heartbeat}
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
    if [ "$stack" = pacemaker ]; then
        # corosync + Pacemaker: private IPC buffers (libqb), the node's own CIB (kept across a
        # reboot, like a disk), /usr/sbin writable for the fence agent (the fencer's directory)
        mount -t tmpfs -o mode=1777 tmpfs /dev/shm
        mkdir -p /var/lib/pacemaker /var/lib/corosync /run/crm
        mount --bind "$dir/varlib-pacemaker" /var/lib/pacemaker
        chown hacluster:haclient /run/crm && chmod 750 /run/crm
        mount -t overlay overlay -o "lowerdir=/usr/sbin,upperdir=$dir/usr-sbin,workdir=$dir/usr-sbin.work" /usr/sbin
        # the node names resolve to the cluster link (crmsh checks a node it acts on is reachable)
        mount --bind "$2/hosts" /etc/hosts
    fi
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
    rm -f "$dir/ready"
    if [ "$kind" = node ] && [ "$STACK" = pacemaker ] && [ ! -d "$dir/varlib-pacemaker" ]; then
        mkdir -p "$dir"/varlib-pacemaker/{cib,pengine,blackbox,cores} "$dir/usr-sbin" "$dir/usr-sbin.work"
        chown -R hacluster:haclient "$dir/varlib-pacemaker" && chmod 750 "$dir"/varlib-pacemaker/*
    fi
    if [ "$kind" = node ] && [ ! -d "$dir/varlib-heartbeat" ]; then
        # heartbeat's own state, without the identity files (two nodes must not share hb_uuid)
        mkdir -p "$dir/varlib-heartbeat"
        cp -a /var/lib/heartbeat/. "$dir/varlib-heartbeat/"
        rm -f "$dir"/varlib-heartbeat/{hb_uuid,hb_generation,hostcache,delhostcache}
    fi
    setsid ip netns exec "${NETNS[$box]}" unshare --pid --fork --mount-proc --mount --uts \
        --propagation private "$LAB/box-init.sh" "$box" "$LAB" "$kind" "$LOGS" "$STACK" \
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
