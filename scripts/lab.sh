#!/usr/bin/env bash
# The seed article's two-node MooseFS failover, on one machine (docs/lab.md).
#
#   scripts/lab.sh up [--installed]   build the lab and start heartbeat on both nodes
#   scripts/lab.sh status             who holds what: heartbeat, agents, DRBD, VIP, client
#   scripts/lab.sh failover [crash|standby]   crash (default) or hb_standby the active node
#   scripts/lab.sh restart NODE       boot a crashed node again (mfs-master: the group fails back)
#   scripts/lab.sh enter NODE [CMD]   a shell (or CMD) inside mfs-master, mfs-bak or mfs-client
#   scripts/lab.sh down               tear everything down (idempotent; logs are kept)
#   scripts/lab.sh demo [--summary FILE] [--files N] [--failback] [--installed]
#                                     up, write, crash mfs-master, wait for mfs-bak, verify, down
#                                     (--failback: then restart mfs-master and verify the failback)
#   scripts/lab.sh watchdog [--summary FILE] [--keep]
#                                     up, then the resource watchdog's scenarios (docs/watchdog.md):
#                                     kill -9 and SIGSTOP of mfsmaster restarted in place, a third
#                                     failure handed to mfs-bak; down (--keep: leave the lab up)
#   scripts/lab.sh campaign [--rounds N] [--faults LIST] [--summary FILE] [--fencing on|off]
#                                     up, a client writer, N rounds of faults with failback in
#                                     between, read-back through a fresh mount, down; one summary
#                                     line last (faults: crash,standby,master-kill,master-hang,
#                                     mount-lost,busy-stop,hb-link,partition)
#   scripts/lab.sh power off|on|status NODE   the fence device: power a node's box off or on
#   --stack pacemaker (or MFSHA_LAB_STACK=pacemaker), before the command: the same boxes with
#                corosync + Pacemaker instead of heartbeat, fencing on, the crmsh block of
#                docs/pacemaker.md loaded ("The Pacemaker lab"); failover crash|standby|
#                master-kill|master-hang|late-drbd; scenarios [--summary FILE] [--only LIST]
#                [--keep] runs them all on one bring-up; crm-config prints the loaded block
#   --installed: the nodes run the agents of the installed Debian packages mfs-ha and
#                mfs-ha-ipaddr (scripts/packaging/build-deb.sh; dpkg -i) instead of scripts/install.sh
#
# Environment: MFSHA_LAB_FENCING=on makes `up` fence (STONITH + DRBD fence-peer; docs/lab.md).
# Environment: MFSHA_LAB_ID (default "lab": namespaces mfsha-lab-*, directory /tmp/mfsha-lab),
# MFSHA_LAB_TARGET (directory holding Initdrbd, mfsmaster, VIPaddr, mfs-ha-watchdog, drbd-sim, mfs-ha; default the newer
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
LAB_BINARIES="Initdrbd mfsmaster VIPaddr mfs-ha-watchdog drbd-sim mfs-ha"

say() { printf '%s lab: %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() {
    echo "lab.sh: $*" >&2
    exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# The cluster stack: heartbeat (the default) or pacemaker. A lab that is up remembers its stack,
# so `power`, `status`, `restart` and `down` (the fence device calls `power`) find it alone.
STACK=${MFSHA_LAB_STACK:-}
if [ "${1:-}" = --stack ]; then
    STACK=${2:-}
    shift 2 || true
fi
[ -n "$STACK" ] || STACK=$(cat "$LAB/stack" 2>/dev/null || echo heartbeat)
case $STACK in heartbeat | pacemaker) ;; *) echo "lab.sh: --stack must be heartbeat or pacemaker, not '$STACK'" >&2 && exit 2 ;; esac

LAB_FENCING=${MFSHA_LAB_FENCING:-off}
case $LAB_FENCING in on | off) ;; *) echo "lab.sh: MFSHA_LAB_FENCING must be on or off, not '$LAB_FENCING'" >&2 && exit 2 ;; esac

for part in boxes config demo watchdog fencing campaign pacemaker; do
    # shellcheck source=/dev/null
    . "$REPO/scripts/lab/$part.sh"
done

# --- up / down ----------------------------------------------------------------------------------

cmd_up() {
    preflight
    [ ! -e "$LAB" ] || die "$LAB exists: the lab is up or half up (scripts/lab.sh down first)"
    [ "$INSTALLED" = no ] || use_installed_packages
    local target box node i
    target=$(find_target)
    rm -rf "$LOGS"
    mkdir -p "$LAB/bin" "$LOGS"
    for box in "${BOXES[@]}"; do mkdir -p "$LOGS/$box" "$LAB/$box"; done
    # the binaries inside the lab directory: the boxes have a private /tmp and must see them
    mkdir -p "$LAB/target"
    for b in $LAB_BINARIES; do
        ln -f "$(readlink -f "$target/$b")" "$LAB/target/$b" 2>/dev/null || cp "$target/$b" "$LAB/target/$b"
    done
    # --installed: the packaged mfs-ha (the demo's timeline) instead of a built one
    [ "$INSTALLED" = no ] || ln -sfn /usr/bin/mfs-ha "$LAB/target/mfs-ha"
    target=$LAB/target
    # the installer too: the checkout itself may live under /tmp, which the boxes do not see
    cp "$REPO/scripts/install.sh" "$LAB/install.sh"
    ln -s "$target/drbd-sim" "$LAB/bin/drbd-sim"
    export PATH="$LAB/bin:$PATH"
    echo "$LAB_FENCING" >"$LAB/fencing"
    echo "$STACK" >"$LAB/stack"
    if [ "$STACK" = pacemaker ]; then
        pcmk_prepare
    elif [ "$LAB_FENCING" = on ]; then
        say "fencing: a fence device outside the nodes ($LAB/$FENCE_SOCKET_NAME), heartbeat STONITH, DRBD fence-peer"
        write_fencing_files
        start_fence_device
    fi
    say "DRBD r0 (drbd-sim, $SIM), ext4 with /usr/local/mfs/{etc,var/mfs}"
    prepare_drbd
    say "network: switch $SWITCH (br-svc 192.168.8.0/24, br-hb 192.168.125.0/24), boxes ${BOXES[*]}"
    net_up
    write_box_init
    for node in "${NODES[@]}"; do
        start_box "$node" node
        write_node_config "$node"
        if [ "$INSTALLED" = yes ]; then
            echo "agents: installed packages $(dpkg-query -W -f='${Package} ${Version}  ' mfs-ha mfs-ha-ipaddr)" >>"$LOGS/$node/install.log"
        else
            inn "$node" bash "$LAB/install.sh" --root / --target "$target" --as-ipaddr >>"$LOGS/$node/install.log"
        fi
        inn "$node" cp -r "$LAB/$node/conf/." /etc/ha.d/
        inn "$node" chmod 600 /etc/ha.d/authkeys
        [ "$STACK" = heartbeat ] || pcmk_install_node "$node"
        [ "$LAB_FENCING" = off ] || [ "$STACK" = pacemaker ] || install_stonith_plugin "$node"
    done
    start_box mfs-client client
    write_client_config
    if [ "$STACK" = pacemaker ]; then
        pcmk_start_cluster
    else
        say "heartbeat on ${NODES[*]} (haresources: $HARESOURCES)"
        for node in "${NODES[@]}"; do
            inn "$node" /usr/libexec/heartbeat/heartbeat >>"$LOGS/$node/heartbeat-start.log" 2>&1 ||
                die "heartbeat did not start on $node (see $LOGS/$node/heartbeat-start.log)"
        done
    fi
    say "chunkservers in mfs-client (master $VIP)"
    for i in $(seq "$CHUNKSERVERS"); do
        inn mfs-client mkdir -p "/mnt/hdd$i" "/var/lib/mfs/cs$i"
        inn mfs-client mount -t tmpfs -o size=256M tmpfs "/mnt/hdd$i"
        inn mfs-client chown mfs:mfs "/mnt/hdd$i" "/var/lib/mfs/cs$i"
        inn mfs-client mfschunkserver -c "$LAB/mfs-client/conf/cs$i.cfg" start >>"$LOGS/mfs-client/chunkserver$i.log" 2>&1
    done
    say "waiting for mfs-master to hold Initdrbd, mfsmaster and $VIP (up to 60 s)"
    wait_for 60 holds_all mfs-master || die "mfs-master did not take its resources within 60 s (see $LOGS/mfs-master/$([ "$STACK" = heartbeat ] && echo ha || echo pacemaker).log)"
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
    inn mfs-client timeout -s KILL 30 mfsmount "$1" -H "$VIP" -P 9421 >>"$LOGS/mfs-client/mfsmount.log" 2>&1
}

# Heartbeat's own view, through the agents: ResourceManager status runs each script's status.
rsc_running() { inn "$1" /usr/share/heartbeat/ResourceManager status "$2"; }
holds_all() {
    if [ "$STACK" = pacemaker ]; then
        pcmk_holds_all "$1"
    else
        rsc_running "$1" Initdrbd && rsc_running "$1" mfsmaster && rsc_running "$1" "$VIP"
    fi
}
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
    stop_fence_device
    for box in "${BOXES[@]}"; do kill_box "$box"; done
    for box in "${BOXES[@]}"; do
        if [ -d "$LAB/$box/state/flight" ]; then
            mkdir -p "$LOGS/$box/flight" && cp -a "$LAB/$box/state/flight/." "$LOGS/$box/flight/"
        fi
    done
    if [ -d "$SIM" ]; then
        cp -a "$SIM/state.json" "$LOGS/drbd-state.json" 2>/dev/null || true
        for box in "${NODES[@]}"; do
            cp -a "$SIM/$box/kernel.log" "$LOGS/$box/drbd-kernel.log" 2>/dev/null || true
        done
        mountpoint -q "$LAB/prep" 2>/dev/null && umount "$LAB/prep"
        # The image's identity, taken before destroy deletes it: a loop device set up inside a
        # box that has since died still backs the deleted file, and only its inode finds it.
        local image
        image=$(stat -c '%i %Hd:%Ld' "$SIM/r0.img" 2>/dev/null || true)
        # the ext4 mounts die with the boxes' mount namespaces; retry while the kernel lets go
        for _ in $(seq 20); do
            DRBD_SIM_DIR=$SIM "$LAB/bin/drbd-sim" destroy >>"$LOGS/down.log" 2>&1 && break
            sleep 0.5
        done
        [ -z "$image" ] || for loop in $(losetup -l -n -O NAME,BACK-INO,BACK-MAJ:MIN 2>/dev/null |
            awk -v ino="${image% *}" -v dev="${image#* }" '$2 == ino && $3 == dev { print $1 }'); do
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

# Boots a crashed node again, as after a reboot: addresses reset, DRBD attached and reconnected
# (the resync comes from the peer, whose data is newer), heartbeat started. With auto_failback on,
# the group moves back to mfs-master.
cmd_restart() {
    local node=${1:-} dev
    case $node in mfs-master | mfs-bak) ;; *) die "restart: mfs-master or mfs-bak, not '$node'" ;; esac
    [ -d "$LAB" ] || die "the lab is down (scripts/lab.sh up)"
    ! is_our_init "$(init_pid "$node")" "$node" || die "$node is running; crash it first (scripts/lab.sh failover)"
    kill_box "$node"
    for dev in eth0 eth1; do
        ip -n "${NETNS[$node]}" addr flush dev "$dev"
        ip -n "${NETNS[$node]}" link set "$dev" up
    done
    ip -n "${NETNS[$node]}" addr add "${SVC[$node]}/24" brd + dev eth0
    ip -n "${NETNS[$node]}" addr add "${HB[$node]}/24" brd + dev eth1
    # what the DRBD init script does at boot; the handshake resyncs from the peer's newer data
    DRBD_SIM_DIR=$SIM DRBD_SIM_NODE=$node "$LAB/bin/drbdadm" up r0 >>"$LOGS/failover.log" 2>&1 ||
        die "drbd-sim could not bring $node's r0 up (see $LOGS/failover.log)"
    start_box "$node" node
    if [ "$STACK" = pacemaker ]; then
        pcmk_start_node "$node"
        pcmk_after_resync "$node"
    else
        inn "$node" /usr/libexec/heartbeat/heartbeat >>"$LOGS/$node/heartbeat-start.log" 2>&1 ||
            die "heartbeat did not start on $node (see $LOGS/$node/heartbeat-start.log)"
    fi
    say "$node booted: $(grep -o 'cs:[^ ]* ro:[^ ]* ds:[^ ]*' "$SIM/$node/proc_drbd")"
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
    [ "$STACK" = heartbeat ] || {
        pcmk_status
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
    # The dead node's DRBD goes down with it: the peer loses the connection (WFConnection, peer
    # Unknown). `drbd-sim disconnect` would instead model a Primary that survives the link loss
    # and starts a new data generation, which makes its return a split brain. Retried while the
    # kernel still releases the dead node's mount of the device.
    local _
    local deadline=$(($(date +%s) + 20))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        DRBD_SIM_DIR=$SIM DRBD_SIM_NODE=$node timeout -s KILL 10 "$LAB/bin/drbdadm" down r0 >>"$LOGS/failover.log" 2>&1 && return 0
        sleep 0.2
    done
    # who still has the device mounted (a mount namespace kept alive by some process)
    local maj_min p
    maj_min=$(stat -L -c '%t:%T' "$SIM/$node/dev/drbd1" 2>/dev/null || true)
    for p in /proc/[0-9]*; do
        if grep -q " $((16#${maj_min%%:*})):$((16#${maj_min##*:})) " "$p/mountinfo" 2>/dev/null; then
            echo "holder of $node's device: ${p#/proc/} $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" >>"$LOGS/failover.log"
        fi
    done
    die "drbd-sim could not take $node's r0 down (see $LOGS/failover.log)"
}

cmd_failover() {
    [ "$STACK" = heartbeat ] || {
        pcmk_failover "$@"
        return
    }
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

case $STACK:${1:-} in pacemaker:demo | pacemaker:watchdog | pacemaker:campaign)
    die "$1 is the Heartbeat lab's; with --stack pacemaker: up, status, failover, scenarios, restart, power, enter, down"
    ;;
esac
case ${1:-} in
up)
    case ${2:-} in
    "") ;;
    --installed) INSTALLED=yes ;;
    *) die "up: unknown argument '$2'" ;;
    esac
    cmd_up
    ;;
down) cmd_down ;;
status) cmd_status ;;
failover) cmd_failover "${@:2}" ;;
restart) cmd_restart "${@:2}" ;;
enter)
    box=${2:?enter needs mfs-master, mfs-bak or mfs-client}
    shift 2
    [ $# -gt 0 ] || set -- bash -i
    inn "$box" "$@"
    ;;
demo) cmd_demo "${@:2}" ;;
campaign) cmd_campaign "${@:2}" ;;
power) cmd_power "${@:2}" ;;
watchdog) cmd_watchdog "${@:2}" ;;
scenarios) cmd_pcmk_scenarios "${@:2}" ;;
crm-config) pcmk_config_block "${2:-crmsh}" ;;
*) sed -n '2,37s/^# \{0,1\}//p' "$0" && exit 2 ;;
esac
