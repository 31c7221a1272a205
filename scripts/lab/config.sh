# Sourced by scripts/lab.sh (docs/lab.md): the nodes' heartbeat and agent configuration, the DRBD
# filesystem, the client's chunkservers, the binaries.
# shellcheck shell=bash

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
# the resource watchdog (docs/watchdog.md): heartbeat v1 itself never monitors a resource
respawn root /usr/lib/mfs-ha/mfs-ha-watchdog
EOF
    cat >"$c/mfs-ha/watchdog.conf" <<EOF
# the lab's short timings (the defaults: interval 5, stop_timeout 120; see docs/watchdog.md)
interval = 2
confirm = 2
restart_budget = 2
restart_window = 10min
monitor_timeout = 10
stop_timeout = 20
start_timeout = 60
standby_timeout = 60
EOF
    if [ "$LAB_FENCING" = on ]; then
        # STONITH through the lab's fence device before taking over a node declared dead
        echo "stonith_host * external/mfsha-lab mfs-master,mfs-bak" >>"$c/ha.cf"
    fi
    printf 'auth 1\n1 sha1 mfsha-lab-%s\n' "$ID" >"$c/authkeys"
    echo "$HARESOURCES" >"$c/haresources"
    cat >"$c/mfs-ha/Initdrbd.conf" <<EOF
# this kernel has no DRBD: drbd-sim plays drbdadm, and writes this node's /proc/drbd here
drbdadm = $LAB/bin/drbdadm
drbd_status_source = $SIM/$node/proc_drbd
EOF
    # Under Pacemaker the operations' timeouts (docs/pacemaker.md) are the budgets
    [ "$STACK" = pacemaker ] || echo "timeout = 30" >>"$c/mfs-ha/Initdrbd.conf"
    cat >"$c/mfs-ha/mfsmaster.conf" <<EOF
config = /usr/local/mfs/etc/mfsmaster.cfg
mount_point = /usr/local/mfs
EOF
    [ "$STACK" = pacemaker ] || echo "timeout = 60" >>"$c/mfs-ha/mfsmaster.conf"
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
    local fencing=()
    [ "$LAB_FENCING" = off ] || fencing=(--fencing resource-and-stonith --fence-peer "$LAB/bin/mfsha-lab-fence-peer")
    # Pacemaker: constraint-based resource fencing, and a DRBD that notices a crashed peer late
    [ "$STACK" = heartbeat ] || fencing=("${PCMK_DRBD_INIT[@]}")
    DRBD_SIM_DIR=$SIM drbd-sim init --resource r0 --minor 1 --nodes mfs-master,mfs-bak \
        --size 256M "${fencing[@]}" --up --primary mfs-master >/dev/null
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
# Each change fsynced (onto both nodes, DRBD protocol C) before the client's answer: MooseFS's
# default 0 loses acknowledged changes when the master dies (docs/mfsmaster-howto.md). The
# lab's crash keeps this host's page cache, so 0 or 1 would look safe here; they are not.
CHANGELOG_SAVE_MODE = 2
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

# --installed (lab.sh up/demo): the agents and the watchdog come from the installed packages.
INSTALLED=no

find_target() {
    local dir best=
    if [ -n "${MFSHA_LAB_TARGET:-}" ]; then
        best=$MFSHA_LAB_TARGET
    else
        for dir in "${CARGO_TARGET_DIR:-$REPO/target}"/{debug,release}; do
            [ -x "$dir/drbd-sim" ] && [ -x "$dir/Initdrbd" ] && [ -x "$dir/mfs-ha-watchdog" ] && [ -x "$dir/mfs-ha" ] || continue
            if [ -z "$best" ] || [ "$dir/Initdrbd" -nt "$best/Initdrbd" ]; then best=$dir; fi
        done
        if [ -z "$best" ]; then
            say "building the agents, the watchdog, drbd-sim and mfs-ha (cargo build -p agents -p mfs-ha-watchdog -p drbd-sim -p mfs-ha)"
            (cd "$REPO" && . scripts/lib/rust-env.sh && require_cargo lab.sh && cargo build -q -p agents -p mfs-ha-watchdog -p drbd-sim -p mfs-ha)
            best=${CARGO_TARGET_DIR:-$REPO/target}/debug
        fi
    fi
    for b in $LAB_BINARIES; do
        [ -x "$best/$b" ] || die "$best/$b not found: cargo build -p agents -p mfs-ha-watchdog -p drbd-sim -p mfs-ha"
    done
    echo "$best"
}

# --installed: the agents come from the Debian packages installed on this machine (the nodes'
# /etc/ha.d and /usr/lib are overlays of the host's), not from scripts/install.sh.
use_installed_packages() {
    local pkg status
    for pkg in mfs-ha mfs-ha-ipaddr; do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        [ "$status" = "install ok installed" ] ||
            die "--installed: package $pkg is not installed: bash scripts/packaging/build-deb.sh, then dpkg -i target/debian/mfs-ha_*.deb target/debian/mfs-ha-ipaddr_*.deb"
    done
    [ "$(readlink -f /etc/ha.d/resource.d/IPaddr)" = /usr/lib/mfs-ha/VIPaddr ] ||
        die "--installed: /etc/ha.d/resource.d/IPaddr is not VIPaddr although mfs-ha-ipaddr is installed"
    LAB_BINARIES=drbd-sim # from the build: only the DRBD simulator
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
