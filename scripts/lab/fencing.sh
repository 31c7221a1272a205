# Sourced by scripts/lab.sh (docs/lab.md, "Fencing"): the lab's fence device (a power switch
# outside the nodes), heartbeat's STONITH plugin for it, and DRBD's fence-peer handler.
# shellcheck shell=bash

FENCE_SOCKET_NAME=fence.sock
# Seconds a node that does not hold DRBD Primary waits before it shoots its peer (docs/lab.md,
# "Fencing"): longer than the Primary needs to power the other box off (1-3 s here).
FENCE_DELAY=10

# The node-side files: a client of the fence device, DRBD's fence-peer handler, the STONITH
# plugin (installed into each node's /usr/lib/stonith/plugins/external by install_stonith_plugin).
write_fencing_files() {
    [ -d "$LAB/bin" ] || die "write_fencing_files: $LAB/bin missing"
    # heartbeat loads "external/..." plugins through cluster-glue's external.so
    [ -e /usr/lib/stonith/plugins/stonith2/external.so ] ||
        die "cluster-glue's STONITH plugins not found (/usr/lib/stonith/plugins/stonith2/external.so): apt-get install cluster-glue, or run without fencing"
    cp "$REPO/scripts/lab/fence.py" "$LAB/fence.py"
    printf '%s\n' '#!/bin/sh' \
        '# mfsha-lab-fence off|on|status NODE: ask the lab'"'"'s fence device (docs/lab.md, "Fencing").' \
        "exec python3 $LAB/fence.py client --socket $LAB/$FENCE_SOCKET_NAME \"\$@\"" >"$LAB/bin/mfsha-lab-fence"
    # DRBD's fence-peer handler (drbd.conf: handlers { fence-peer ...; }), with the exit codes the
    # kernel understands: 7 = the peer was STONITHed (powered off), so its disk counts as Outdated.
    # Any other failure is exit 1, "helper broken": DRBD keeps I/O frozen and refuses to promote.
    sed "s|@LAB@|$LAB|g" "$REPO/scripts/lab/fence-peer.sh" >"$LAB/bin/mfsha-lab-fence-peer"
    # Heartbeat's STONITH plugin (cluster-glue "external" type).
    sed -e "s|@LAB@|$LAB|g" -e "s|@SIM@|$SIM|g" -e "s|@DELAY@|$FENCE_DELAY|g" \
        "$REPO/scripts/lab/stonith-mfsha-lab.sh" >"$LAB/stonith-mfsha-lab"
    chmod 755 "$LAB/bin/mfsha-lab-fence" "$LAB/bin/mfsha-lab-fence-peer" "$LAB/stonith-mfsha-lab"
}

install_stonith_plugin() {
    inn "$1" install -D -m 755 "$LAB/stonith-mfsha-lab" /usr/lib/stonith/plugins/external/mfsha-lab
}

fence_device_running() {
    local pid
    pid=$(cat "$LAB/fence.pid" 2>/dev/null || true)
    [ -n "$pid" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$LAB/fence.py serve"
}

start_fence_device() {
    setsid python3 "$LAB/fence.py" serve --socket "$LAB/$FENCE_SOCKET_NAME" --lab-sh "$REPO/scripts/lab.sh" \
        --id "$ID" --log "$LOGS/fence.log" </dev/null >>"$LOGS/fence.log" 2>&1 &
    echo $! >"$LAB/fence.pid"
    wait_for 10 test -S "$LAB/$FENCE_SOCKET_NAME" || die "the fence device did not start (see $LOGS/fence.log)"
}

stop_fence_device() {
    if fence_device_running; then kill "$(cat "$LAB/fence.pid")" 2>/dev/null || true; fi
    rm -f "$LAB/fence.pid"
}

# power off|on|status NODE: what the fence device does to a box.
cmd_power() {
    local action=${1:-} node=${2:-}
    case $node in mfs-master | mfs-bak) ;; *) die "power: mfs-master or mfs-bak, not '$node'" ;; esac
    [ -d "$LAB" ] || die "the lab is down (scripts/lab.sh up)"
    case $action in
    off)
        if is_our_init "$(init_pid "$node")" "$node"; then crash_node "$node" >>"$LOGS/failover.log" 2>&1; fi
        echo off
        ;;
    on)
        is_our_init "$(init_pid "$node")" "$node" || (cmd_restart "$node") >>"$LOGS/failover.log" 2>&1 || die "could not boot $node"
        echo on
        ;;
    status) if is_our_init "$(init_pid "$node")" "$node"; then echo on; else echo off; fi ;;
    *) die "power: off, on or status, not '$action'" ;;
    esac
}
