# Sourced by scripts/lab.sh (docs/pacemaker.md, "Pacemaker lab"): the same boxes as the Heartbeat
# lab with corosync 3 + Pacemaker 2.1 on mfs-master and mfs-bak, fencing on (the lab's fence
# device through fence_mfsha_lab; DRBD's fence-peer handler pcmk-fence-peer.sh), the cluster
# configuration loaded from docs/pacemaker.md, and the failover scenarios.
# shellcheck shell=bash

PCMK_DOC=$REPO/docs/pacemaker.md
# The survivor's DRBD notices a peer killed by `drbd-sim crash` this late (scenario late-drbd);
# a crash made by crash_node (the peer's DRBD taken down) is noticed at once.
PCMK_PEER_LOSS_DELAY_MS=20000
PCMK_SYSPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
declare -A PCMK_NODEID=([mfs-master]=1 [mfs-bak]=2)

# The crmsh (or pcs) block of docs/pacemaker.md between its lab markers, with the default lab's
# directory (/tmp/mfsha-lab/) replaced by this lab's.
pcmk_config_block() {
    local kind=$1
    [ -r "$PCMK_DOC" ] || die "$PCMK_DOC not found"
    awk -v b="<!-- lab: $kind begin -->" -v e="<!-- lab: $kind end -->" '
        $0 == b { on = 1; next } $0 == e { on = 0 } on && !/^```/' "$PCMK_DOC" |
        sed "s|/tmp/mfsha-lab/|$LAB/|g"
}

# What the DRBD fence-peer handler constrains: the promotable clone once the configuration has
# one, else the primitive that promotes and mounts.
pcmk_drbd_rsc() {
    if pcmk_config_block crmsh | grep -q '^clone drbd-clone '; then echo drbd-clone; else echo drbd-mount; fi
}

pcmk_prepare() {
    local c
    for c in corosync pacemakerd crm cibadmin crm_mon crm_resource stonith_admin; do
        command -v "$c" >/dev/null || die "$c not found (apt-get install corosync pacemaker crmsh)"
    done
    [ -n "$(pcmk_config_block crmsh)" ] || die "no crmsh block between the lab markers in $PCMK_DOC"
    LAB_FENCING=on
    echo on >"$LAB/fencing"
    say "fencing: the fence device ($LAB/$FENCE_SOCKET_NAME) through fence_mfsha_lab (stonith-enabled=true), DRBD fence-peer pcmk-fence-peer.sh"
    write_fencing_files
    start_fence_device
    # copies in the lab directory: the checkout may live under /tmp, which the boxes do not see
    install -m 755 "$REPO/scripts/lab/pcmk-fence-peer.sh" "$LAB/bin/pcmk-fence-peer.sh"
    install -m 755 "$REPO/scripts/lab/fence_mfsha_lab.py" "$LAB/bin/fence_mfsha_lab"
    PCMK_DRBD_INIT=(--fencing resource-and-stonith --fence-peer "/usr/lib/mfs-ha/pcmk-fence-peer.sh fence $(pcmk_drbd_rsc)"
        --peer-loss-delay-ms "$PCMK_PEER_LOSS_DELAY_MS")
    { cat /etc/hosts; for c in "${NODES[@]}"; do echo "${HB[$c]} $c"; done; } >"$LAB/hosts"
    # The seed CIB: a 2 s DC election instead of 20 s; the rest comes from docs/pacemaker.md.
    CIB_file=$LAB/cib-seed.xml cibadmin --empty >"$LAB/cib-seed.xml"
    CIB_file=$LAB/cib-seed.xml crm_attribute -t crm_config -n dc-deadtime -v 2s
    CIB_file=$LAB/cib-seed.xml crm_attribute -t crm_config -n stonith-enabled -v false
}

# Node $1: the fence agent where the fencer looks (/usr/sbin), the fence-peer handler, corosync's
# configuration (knet over the heartbeat LAN), the seed CIB unless the node has one.
pcmk_install_node() {
    local node=$1 c=$LAB/$1/corosync.conf
    inn "$node" install -m 755 "$LAB/bin/fence_mfsha_lab" /usr/sbin/fence_mfsha_lab
    inn "$node" install -D -m 755 "$LAB/bin/pcmk-fence-peer.sh" /usr/lib/mfs-ha/pcmk-fence-peer.sh
    cat >"$c" <<CONF
totem {
	version: 2
	cluster_name: mfsha-$ID
	transport: knet
	crypto_cipher: none
	crypto_hash: none
	token: 1000
}
logging {
	to_stderr: no
	to_logfile: yes
	logfile: $LOGS/$node/corosync.log
	to_syslog: no
	timestamp: hires
}
quorum {
	provider: corosync_votequorum
	two_node: 1
}
nodelist {
	node {
		name: mfs-master
		nodeid: 1
		ring0_addr: ${HB[mfs-master]}
	}
	node {
		name: mfs-bak
		nodeid: 2
		ring0_addr: ${HB[mfs-bak]}
	}
}
CONF
    inn "$node" test -e /var/lib/pacemaker/cib/cib.xml ||
        inn "$node" install -o hacluster -g haclient -m 600 "$LAB/cib-seed.xml" /var/lib/pacemaker/cib/cib.xml
}

# corosync, then pacemakerd (detached: it stays in the foreground), in node $1's box. The agents
# inherit pacemaker-execd's environment: a service's PATH, and drbd-sim's directory.
pcmk_start_node() {
    local node=$1
    inn "$node" corosync -c "$LAB/$node/corosync.conf" >>"$LOGS/$node/corosync-start.log" 2>&1 ||
        die "corosync did not start on $node (see $LOGS/$node/corosync-start.log)"
    wait_for 10 inn "$node" corosync-cfgtool -s || die "corosync on $node did not answer within 10 s"
    # a subshell's background job: not one of this shell's jobs (no "Killed" when the box dies)
    (nsenter -t "$(init_pid "$node")" -n -m -u -p -- env -i PATH="$PCMK_SYSPATH" LANG=C.UTF-8 \
        PCMK_logfile="$LOGS/$node/pacemaker.log" DRBD_SIM_DIR="$SIM" \
        setsid pacemakerd </dev/null >>"$LOGS/$node/pacemakerd.out" 2>&1 &)
}

# crm on node $1 (crmsh keeps its history under HOME: the lab's, not the host's /root).
pcmk_crm() {
    local node=$1
    shift
    mkdir -p "$LAB/$node/home"
    inn "$node" env HOME="$LAB/$node/home" timeout -s KILL 60 crm "$@"
}

pcmk_dc() { inn "$1" crm_mon -1 2>/dev/null | sed -n 's/^ *\* Current DC: \([a-z-]*\) .*partition with quorum.*/\1/p'; }
pcmk_both_online() { inn "$1" crm_mon -1 2>/dev/null | grep -q 'Online: \[ mfs-bak mfs-master \]'; }

pcmk_start_cluster() {
    local node t0
    t0=$(now)
    say "corosync + pacemaker on ${NODES[*]}"
    for node in "${NODES[@]}"; do pcmk_start_node "$node"; done
    wait_for 60 pcmk_both_online mfs-master || die "the two nodes did not form a cluster within 60 s (see $LOGS/*/pacemaker.log)"
    say "cluster formed after $(elapsed "$t0" "$(now)") s (DC $(pcmk_dc mfs-master)); loading docs/pacemaker.md's crmsh block"
    pcmk_config_block crmsh >"$LAB/crm-config.txt"
    pcmk_crm mfs-master configure load update "$LAB/crm-config.txt" >>"$LOGS/crm-load.log" 2>&1 ||
        die "crm configure load update failed (see $LOGS/crm-load.log)"
}

# docs/pacemaker.md's pcs script, applied with `pcs -f` to an empty CIB in mfs-master, must
# verify (crm_verify) and mean what the loaded crmsh block means (pcmk_state.py same-config).
pcmk_pcs_check() {
    local cib=$LAB/pcs-cib.xml script=$LAB/pcs-script.sh log=$LOGS/pcs-check.log
    pcmk_config_block pcs | sed "s|^pcs |pcs -f $cib |" >"$script"
    [ -s "$script" ] || return 1
    inn mfs-master timeout -s KILL 120 sh -c "cibadmin --empty >$cib && set -e && . $script" >>"$log" 2>&1 &&
        inn mfs-master crm_verify -x "$cib" >>"$log" 2>&1 &&
        inn mfs-master cibadmin --query >"$LAB/crm-cib.xml" 2>>"$log" &&
        python3 "$REPO/scripts/lab/pcmk_state.py" same-config "$LAB/crm-cib.xml" "$cib" >>"$log" 2>&1
}

# --- observation --------------------------------------------------------------------------------

# crm_mon's XML from the first live node ($1 preferred).
pcmk_mon_xml() {
    local node
    for node in "$@" "${NODES[@]}"; do
        box_alive "$node" || continue
        inn "$node" timeout -s KILL 10 crm_mon --output-as=xml 2>/dev/null && return 0
    done
    return 1
}
box_alive() { is_our_init "$(init_pid "$1")" "$1"; }

# The node where every member of mfs-group is Started (and none failed), or nothing.
pcmk_holder() {
    { pcmk_mon_xml "$@" || true; } | python3 "$REPO/scripts/lab/pcmk_state.py" holder || true
}
pcmk_has_holder() { [ -n "$(pcmk_holder)" ]; }
pcmk_holds_all() { [ "$(pcmk_holder "$1")" = "$1" ]; }

pcmk_status() {
    local node
    for node in "${NODES[@]}"; do
        if box_alive "$node"; then
            printf '%-10s  box up; %s\n' "$node" "$(grep -o 'cs:.*ds:[^ ]*' "$SIM/$node/proc_drbd" 2>/dev/null || echo 'drbd: ?')"
        else
            printf '%-10s  box down (crashed, fenced or not started)\n' "$node"
        fi
    done
    for node in "${NODES[@]}"; do
        box_alive "$node" || continue
        inn "$node" crm_mon -1rf 2>&1 || true
        break
    done
    echo "logs: $LOGS"
}

pcmk_failover() {
    local how=${1:-crash} node
    node=$(pcmk_holder)
    [ -n "$node" ] || die "no node holds mfs-group: nothing to fail over (scripts/lab.sh --stack pacemaker status)"
    case $how in
    crash | standby | master-kill | master-hang | late-drbd) ;;
    *) die "failover: crash, standby, master-kill, master-hang or late-drbd, not '$how'" ;;
    esac
    PCMK_WRITTEN=() PCMK_FIGURES=() PCMK_READ=
    DEMO=$(mktemp -d "/tmp/$P-pcmk-XXXXXX")
    pcmk_scenario "$how"
    local failed
    failed=$(grep -c $'\tFAIL\t' "$DEMO/checks.tsv" || true)
    rm -rf "$DEMO"
    [ "$failed" = 0 ]
}

# --- scenarios ----------------------------------------------------------------------------------

declare -A PCMK_PEER=([mfs-master]=mfs-bak [mfs-bak]=mfs-master)

# Writes file $1 through the VIP with fsync; the source stays in $LAB/src for the read-back.
pcmk_write() {
    mkdir -p "$LAB/src"
    head -c $((128 * 1024 + RANDOM)) /dev/urandom >"$LAB/src/$1"
    inn mfs-client timeout -s KILL 20 mkdir -p /mnt/mfs/pcmk || true
    if inn mfs-client timeout -s KILL 60 dd if="$LAB/src/$1" of="/mnt/mfs/pcmk/$1" bs=64k conv=fsync status=none; then
        PCMK_WRITTEN+=("$1")
    fi
}

# Every file written so far, read through a fresh mount $1; sets PCMK_READ ("N of M").
pcmk_read_back() {
    local f same=0
    mount_client "$1" || true
    for f in "${PCMK_WRITTEN[@]}"; do
        inn mfs-client timeout -s KILL 60 cmp -s "$LAB/src/$f" "$1/pcmk/$f" && same=$((same + 1))
    done
    PCMK_READ="$same of ${#PCMK_WRITTEN[@]}"
    [ "$same" = "${#PCMK_WRITTEN[@]}" ] && [ "$same" -gt 0 ]
}

pcmk_master_pid() { inn "$1" pgrep -o -x mfsmaster 2>/dev/null || true; }
# Lines of node $1's pacemaker.log matching the extended regex $2.
pcmk_log_count() { grep -cE -- "$2" "$LOGS/$1/pacemaker.log" 2>/dev/null || true; }
pcmk_fail_counts() { inn "$1" crm_mon -1f 2>/dev/null | sed -n '/Migration Summary/,$p' | { grep -o 'fail-count=[0-9A-Z]*' || echo none; } | tr '\n' ' '; }
# The last match of the extended regex $1 in file $2, at most 100 characters; nothing if none.
last_match() { { grep -oE -- "$1" "$2" 2>/dev/null || true; } | tail -n1 | cut -c1-100; }

# Runs the observer after a fault at $1 of node $2, expecting the group on $3 (or "any").
pcmk_watch() {
    local t0=$1 fault=$2 expect=$3 node args=()
    for node in "${NODES[@]}"; do
        box_alive "$node" && args+=(--box "$node=$(init_pid "$node")")
    done
    [ "$expect" = any ] || args+=(--expect "$expect")
    python3 "$REPO/scripts/lab/pcmk_state.py" watch --t0 "$t0" --fault-node "$fault" "${args[@]}" \
        --client "$(init_pid mfs-client)" --vip "$VIP" --timeout 120 || true
}
json_get() { python3 -c 'import json,sys; v=json.loads(sys.argv[1] or "{}").get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"; }

# The survivor's kernel timer (ping-timeout): drbd-sim applies a due peer loss on its next call,
# and Initdrbd only reads /proc/drbd while the peer looks Primary; `drbd-sim tick` every second
# lets the loss happen on time. Writes when node $1's DRBD noticed (seconds after $2).
pcmk_drbd_clock() {
    local node=$1 t0=$2 deadline=$(($(date +%s) + 90))
    while [ "$(date +%s)" -lt "$deadline" ] && grep -q 'cs:Connected' "$SIM/$node/proc_drbd"; do
        sleep 1
        DRBD_SIM_DIR=$SIM "$LAB/bin/drbd-sim" tick >/dev/null 2>&1 || true
    done
    elapsed "$t0" "$(now)" >"$LAB/drbd-noticed"
}

# need WHAT CMD...: the check fails, naming WHAT, unless CMD succeeds (ok and why of the caller).
need() {
    local what=$1
    shift
    "$@" >/dev/null 2>&1 && return 0
    ok=FAIL
    why+=" $what;"
}

# One scenario against the node holding the group; records its checks and figures.
pcmk_scenario() {
    local how=$1 node peer t0 w det tko svc holder masters old new expect=any fence_before ok detail why
    wait_for 30 pcmk_has_holder || true
    node=$(pcmk_holder)
    [ -n "$node" ] || {
        check "$how" FAIL "no node holds mfs-group before the fault"
        return 0
    }
    peer=${PCMK_PEER[$node]}
    pcmk_write "before-$how"
    old=$(pcmk_master_pid "$node")
    fence_before=$(grep -c "off $node -> ok off" "$LOGS/fence.log" 2>/dev/null || true)
    say "$how: $node holds mfs-group (mfsmaster pid $old)"
    t0=$(now)
    case $how in
    crash)
        crash_node "$node"
        expect=$peer
        ;;
    late-drbd)
        # the node dies; its DRBD peer notices only PCMK_PEER_LOSS_DELAY_MS later
        ip -n "${NETNS[$node]}" link set eth0 down
        ip -n "${NETNS[$node]}" link set eth1 down
        kill_box "$node"
        DRBD_SIM_DIR=$SIM "$LAB/bin/drbd-sim" crash "$node" >>"$LOGS/failover.log" 2>&1
        pcmk_drbd_clock "$peer" "$t0" &
        expect=$peer
        ;;
    standby)
        pcmk_crm "$node" node standby "$node" >>"$LOGS/failover.log" 2>&1
        expect=$peer
        ;;
    master-kill)
        inn "$node" kill -KILL "$old"
        expect=$node
        ;;
    master-hang) inn "$node" kill -STOP "$old" ;;
    esac
    w=$(pcmk_watch "$t0" "$node" "$expect")
    echo "$how $w" >>"$LOGS/scenarios.log"
    det=$(json_get "$w" detected) tko=$(json_get "$w" takeover) svc=$(json_get "$w" service)
    holder=$(json_get "$w" holder) masters=$(json_get "$w" max_masters)
    PCMK_FIGURES+=("$how $node ${det:-null} ${tko:-null} ${svc:-null} ${holder:-none}")
    pcmk_write "after-$how"
    ok=PASS why=
    need "files read back" pcmk_read_back "/mnt/mfs-$how"
    detail="fault on $node -> detected ${det:-never} s, group Started on ${holder:-nobody} ${tko:-never} s, master answers through $VIP ${svc:-never} s; files read back: $PCMK_READ; at most $masters box(es) with an mfsmaster"
    case $how in
    crash | late-drbd)
        local fenced drbd
        fenced=$(grep -c "off $node -> ok off" "$LOGS/fence.log" 2>/dev/null || true)
        drbd=$(last_match 'cs:[^ ]* ro:[^ ]* ds:[^ ]*' "$SIM/$peer/proc_drbd")
        need "served on $peer" test -n "$svc" -a "$holder" = "$peer"
        need "$node fenced" test "$fenced" -gt "$fence_before"
        need "one master" test "$masters" -le 1
        need "$node's processes gone" pidns_empty "$node"
        need "$peer Primary" test "${drbd#*ro:Primary/}" != "$drbd"
        detail+="; fence log: $(last_match "[0-9:]* fence: off $node -> ok off.*" "$LOGS/fence.log"); $peer's DRBD $drbd; $(last_match 'fence-peer helper returned [0-9]*[^)]*\)' "$SIM/$peer/kernel.log")"
        if [ "$how" = late-drbd ]; then
            need "service after the DRBD delay" awk -v s="${svc:-0}" -v d=$((PCMK_PEER_LOSS_DELAY_MS / 1000)) 'BEGIN { exit !(s > d) }'
            detail+="; $peer's DRBD noticed the dead peer after $(cat "$LAB/drbd-noticed" 2>/dev/null || echo '?') s (peer-loss delay $((PCMK_PEER_LOSS_DELAY_MS / 1000)) s): the promotion waited, $(last_match 'waiting \(attempt [0-9]+(/[0-9]+)?\)' "$LOGS/$peer/pacemaker.log"), then $(last_match '(promote drbd|start drbd-mount): done \(rc 0, [0-9]+ ms\)' "$LOGS/$peer/pacemaker.log"); no cleanup; fail counts on $peer: $(pcmk_fail_counts "$peer")"
        fi
        ;;
    standby)
        need "served on $peer" test -n "$svc" -a "$holder" = "$peer"
        need "one master" test "$masters" -le 1
        need "crm node online" pcmk_crm "$node" node online "$node"
        # its DRBD resyncs from the peer; the fence-peer constraint the peer's promotion placed goes
        pcmk_after_resync "$node"
        sleep 3
        local after
        after=$(pcmk_holder "$peer")
        need "the group stays on $peer" test "$after" = "$peer"
        detail+="; $node online again: the group stays on ${after:-nobody} (resource-stickiness)"
        ;;
    master-kill)
        new=$(pcmk_master_pid "$node")
        need "served on $node" test -n "$svc" -a "$holder" = "$node"
        need "a new master" test -n "$new" -a "$new" != "$old"
        need "one master" test "$masters" -le 1
        need "started with -a" grep -q 'mfsmaster started with -a' "$LOGS/$node/pacemaker.log"
        detail+="; restarted in place: pid $old -> $new; $(last_match 'mfsmaster started with -a \([^)]*\)' "$LOGS/$node/pacemaker.log")"
        ;;
    master-hang)
        local gone=no level10
        inn "$node" kill -0 "$old" 2>/dev/null || gone=yes
        level10=$(last_match 'monitor mfsmaster: failed_running: no answer to INFO[^(]*[^( ]' "$LOGS/$node/pacemaker.log")
        need "served" test -n "$svc"
        need "the hung master ended" test "$gone" = yes
        need "the level-10 monitor failed" test -n "$level10"
        need "one master" test "$masters" -le 1
        detail+="; the level-10 monitor: ${level10:-no failure logged}; the hung pid $old ended: $gone; $(last_match 'pid [0-9]* \(mfsmaster\) was stopped \(state T\)[^];]*' "$LOGS/$node/pacemaker.log")"
        ;;
    esac
    [ -z "$why" ] || detail+="; NOT:$why"
    check "$how" "$ok" "$detail"
    # start the next scenario without this one's failure history (not after late-drbd: its
    # check is that no cleanup was needed)
    case $how in master-kill | master-hang) pcmk_crm "${holder:-$node}" resource cleanup mfs-group >>"$LOGS/failover.log" 2>&1 || true ;; esac
    return 0
}

# Boots a crashed (fenced) node and waits for it to rejoin.
pcmk_reboot() {
    local node=$1 t0
    t0=$(now)
    cmd_restart "$node"
    if wait_for 90 pcmk_both_online "${PCMK_PEER[$node]}"; then
        check "rejoin-$node" PASS "$node booted, rejoined the cluster after $(elapsed "$t0" "$(now)") s; DRBD $(last_match 'cs:[^ ]* ro:[^ ]* ds:[^ ]*' "$SIM/$node/proc_drbd")"
    else
        check "rejoin-$node" FAIL "$node did not rejoin within 90 s"
    fi
}

# DRBD's after-resync-target handler (drbd-sim runs fence-peer only): once node $1 is UpToDate
# again, the constraint placed by its peer's fence-peer call goes.
pcmk_after_resync() {
    local node=$1
    wait_for 30 grep -q 'ds:UpToDate/UpToDate' "$SIM/$node/proc_drbd" || return 0
    wait_for 60 pcmk_both_online "$node" || return 0
    inn "$node" env DRBD_RESOURCE=r0 /usr/lib/mfs-ha/pcmk-fence-peer.sh unfence "$(pcmk_drbd_rsc)" >>"$LOGS/failover.log" 2>&1 || true
}

pcmk_scenarios_summary() {
    local rc=$1
    [ -n "$SUMMARY" ] || return 0
    printf '%s\n' "${PCMK_FIGURES[@]}" >"$DEMO/figures.txt"
    RC=$rc LOGS=$LOGS T_TOTAL=$(elapsed "$T_START" "$(now)") PYTHONPATH="$REPO/scripts/lab" \
        python3 - "$DEMO/checks.tsv" "$DEMO/figures.txt" "$SUMMARY" <<'PY'
import os, sys
import summary
n = summary.number
scenarios = {}
for line in open(sys.argv[2]):
    w = line.split()
    if len(w) == 6:
        scenarios[w[0]] = {"fault_node": w[1], "detected": n(w[2]), "takeover": n(w[3]),
                           "service": n(w[4]), "holder": None if w[5] == "none" else w[5]}
summary.write(sys.argv[3], os.environ["RC"], sys.argv[1], seconds=scenarios,
              whole_run=float(os.environ["T_TOTAL"]))
PY
}

pcmk_scenarios_finish() { run_finish $? scenarios pcmk_scenarios_summary "$KEEP"; }

# up, then every scenario on one bring-up (a crashed node is booted again before the next one
# that needs a peer), down. --only LIST runs a subset in the given order.
cmd_pcmk_scenarios() {
    [ "$STACK" = pacemaker ] || die "scenarios: the Pacemaker lab's (scripts/lab.sh --stack pacemaker scenarios)"
    SUMMARY= KEEP=no
    local list=master-kill,master-hang,standby,crash,late-drbd how crashed=
    while [ $# -gt 0 ]; do
        case $1 in
        --summary) SUMMARY=$(realpath -m "${2:?--summary needs a file}") && shift 2 ;;
        --only) list=${2:?--only needs a list} && shift 2 ;;
        --keep) KEEP=yes && shift ;;
        *) die "scenarios: unknown argument '$1'" ;;
        esac
    done
    PCMK_WRITTEN=() PCMK_FIGURES=() PCMK_READ= T_START=$(now)
    DEMO=$(mktemp -d "/tmp/$P-pcmk-XXXXXX")
    trap pcmk_scenarios_finish EXIT
    cmd_up
    check up PASS "group Started on $(pcmk_holder mfs-master) after up; $(grep -c . "$LAB/crm-config.txt") lines of docs/pacemaker.md's crmsh block loaded"
    check pcs-equivalent "$(verdict pcmk_pcs_check)" \
        "docs/pacemaker.md's pcs script applied with pcs -f to an empty CIB: crm_verify clean, the same resources, constraints and options as the loaded crmsh block ($LOGS/pcs-check.log)"
    for how in ${list//,/ }; do
        case $how in crash | standby | master-kill | master-hang | late-drbd) ;; *) die "scenarios: unknown scenario '$how'" ;; esac
        if [ -n "$crashed" ]; then
            pcmk_reboot "$crashed"
            crashed=
        fi
        local holder
        wait_for 30 pcmk_has_holder || true
        holder=$(pcmk_holder)
        pcmk_scenario "$how"
        case $how in crash | late-drbd) crashed=$holder ;; esac
    done
    return 0
}
