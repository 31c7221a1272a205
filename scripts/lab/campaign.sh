# Sourced by scripts/lab.sh (docs/lab.md, "Fault campaign"): rounds of faults against the lab
# while a client writes, failback between rounds, invariants sampled throughout, a read-back
# through a fresh mount at the end. The writer, the sampler, the read-back and the report are
# scripts/lab/campaign.py; the faults and the recoveries are here.
# shellcheck shell=bash

CAMPAIGN_KINDS=(crash standby master-kill master-hang mount-lost busy-stop hb-link partition)
# Faults only a resource monitor sees: heartbeat v1 alone never notices them.
WATCHDOG_KINDS=" master-kill master-hang mount-lost "
declare -A PEER=([mfs-master]=mfs-bak [mfs-bak]=mfs-master)


# The node that holds the whole group and whose master answers INFO; nothing when none or both.
sole_holder() {
    local node found=
    for node in "${NODES[@]}"; do
        is_our_init "$(init_pid "$node")" "$node" || continue
        if holds_all "$node" >/dev/null 2>&1 && master_answers "$node" >/dev/null 2>&1; then
            [ -z "$found" ] || return 1
            found=$node
        fi
    done
    [ -n "$found" ] && echo "$found"
}
holder_is() { [ "$(sole_holder)" = "$1" ]; }
# One look can fall into a transient while the watchdog ends a hung master: the VIP seen just
# before it is removed, the master's answer just after SIGCONT lets it run to its exit. A node
# serves when two looks 2 s apart agree; prints "NODE T", T the time of the first look.
stable_holder() {
    local t first second
    t=$(now)
    first=$(sole_holder) || return 1
    sleep 2
    second=$(sole_holder) || return 1
    [ "$first" = "$second" ] && echo "$first $t"
}
box_up() { is_our_init "$(init_pid "$1")" "$1"; }
drbd_pair_healthy() {
    grep -q 'cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate' "$SIM/mfs-master/proc_drbd" &&
        grep -q 'cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate' "$SIM/mfs-bak/proc_drbd"
}
# The steady state every round starts from: both boxes up, heartbeat on both seeing each other,
# the group on mfs-master, DRBD connected and in sync.
steady() {
    box_up mfs-master && box_up mfs-bak && holder_is mfs-master && drbd_pair_healthy &&
        inn mfs-bak cl_status nodestatus mfs-master 2>/dev/null | grep -q active
}

peers_see_each_other() {
    inn mfs-master cl_status nodestatus mfs-bak 2>/dev/null | grep -q active &&
        inn mfs-bak cl_status nodestatus mfs-master 2>/dev/null | grep -q active
}

# The client acknowledged a write after time $1 (the last line of acks.log).
client_wrote_after() {
    awk -v t="$1" 'END { exit !($3 > t) }' "$CAMP/acks.log" 2>/dev/null
}

switch_port() { ip -n "$SWITCH" link set "${1#mfs-}-$2" "$3"; }

# --- the faults ---------------------------------------------------------------------------------

fault_crash() { crash_node "$1"; }
fault_standby() { inn "$1" /usr/share/heartbeat/hb_standby >>"$LOGS/campaign/faults.log" 2>&1; }
fault_master_kill() { inn "$1" pkill -KILL -x mfsmaster; }
fault_master_hang() { inn "$1" pkill -STOP -x mfsmaster; }
# The DRBD filesystem vanishes under the running master (lazy, forced unmount).
fault_mount_lost() { inn "$1" umount -l /usr/local/mfs; }
# A process holds a file open under /usr/local/mfs while the group moves gracefully.
fault_busy_stop() {
    inn "$1" setsid -f flock -s /usr/local/mfs/etc/mfsmaster.cfg sleep 600 </dev/null >/dev/null 2>&1
    sleep 0.3
    fault_standby "$1"
}
# The heartbeat link (eth1) is cut at the switch; DRBD's link stays.
fault_hb_link() { switch_port "$1" eth1 down; }
# Every link between the nodes: heartbeat (eth1) and DRBD's replication link. The client still
# reaches both nodes, as when the nodes' interconnect fails but the service LAN does not.
fault_partition() {
    switch_port "$1" eth1 down
    DRBD_SIM_DIR=$SIM "$LAB/bin/drbd-sim" partition >>"$LOGS/campaign/faults.log" 2>&1
}

# --- recovery to the steady state ---------------------------------------------------------------

# Boots a node that is off (crashed or powered off by the fence device); when its DRBD data
# diverged (split brain after an unfenced partition), its changes are discarded, as an
# operator resolves a split brain on the losing node.
boot_node() {
    local node=$1
    box_up "$node" && return 0
    (cmd_restart "$node") >>"$LOGS/campaign/recovery.log" 2>&1 || return 1
    if grep -q 'cs:StandAlone' "$SIM/$node/proc_drbd"; then
        say "split brain on $node: discarding its changes (drbdadm connect --discard-my-data)"
        local peer=${PEER[$node]}
        DRBD_SIM_DIR=$SIM DRBD_SIM_NODE=$node "$LAB/bin/drbdadm" disconnect r0 >>"$LOGS/campaign/recovery.log" 2>&1 || true
        DRBD_SIM_DIR=$SIM DRBD_SIM_NODE=$node "$LAB/bin/drbdadm" -- --discard-my-data connect r0 >>"$LOGS/campaign/recovery.log" 2>&1
        DRBD_SIM_DIR=$SIM DRBD_SIM_NODE=$peer "$LAB/bin/drbdadm" connect r0 >>"$LOGS/campaign/recovery.log" 2>&1 || true
    fi
}

heal_links() {
    local node
    for node in "${NODES[@]}"; do switch_port "$node" eth1 up; done
    if grep -q '"partitioned": *true' "$SIM/state.json" 2>/dev/null; then
        DRBD_SIM_DIR=$SIM "$LAB/bin/drbd-sim" heal >>"$LOGS/campaign/recovery.log" 2>&1 || true
    fi
}

# After an unfenced partition both nodes may have written on their own (diverged data, DRBD
# StandAlone at heal time). The side that does not serve loses, as an operator decides: it
# discards its changes and resyncs from the survivor. When neither or both serve, mfs-bak loses
# and mfs-master (powered off first when it is not Secondary) starts over from it.
resolve_split_brain() {
    local node holder victim survivor
    for node in "${NODES[@]}"; do
        grep -q 'cs:StandAlone' "$SIM/$node/proc_drbd" 2>/dev/null && break
        node=
    done
    [ -n "$node" ] || return 0
    holder=$(sole_holder || true)
    victim=mfs-master
    [ "$holder" = mfs-master ] && victim=mfs-bak
    survivor=${PEER[$victim]}
    say "split brain: discarding the diverged data of $victim (the group runs on ${holder:-neither node})"
    echo "$victim" >>"$CAMP/split-brain-victims"
    # a victim that is Primary (or down) is powered off and booted first: only a Secondary can
    # discard its data
    if ! box_up "$victim" || ! grep -q 'ro:Secondary/' "$SIM/$victim/proc_drbd"; then
        crash_node "$victim"
        boot_node "$victim"
    fi
    local adm=("$LAB/bin/drbdadm")
    DRBD_SIM_DIR=$SIM DRBD_SIM_NODE=$victim "${adm[@]}" disconnect r0 >>"$LOGS/campaign/recovery.log" 2>&1 || true
    DRBD_SIM_DIR=$SIM DRBD_SIM_NODE=$victim "${adm[@]}" -- --discard-my-data connect r0 >>"$LOGS/campaign/recovery.log" 2>&1 || true
    DRBD_SIM_DIR=$SIM DRBD_SIM_NODE=$survivor "${adm[@]}" connect r0 >>"$LOGS/campaign/recovery.log" 2>&1 || true
}

# Back to the steady state: links healed, every node booted, the group back on mfs-master
# (auto_failback on moves it when mfs-master returns; after hb_standby, hb_takeover asks).
recover() {
    local node booted=no
    heal_links
    resolve_split_brain
    box_up mfs-master || booted=yes
    for node in "${NODES[@]}"; do boot_node "$node" || say "warning: could not boot $node"; done
    if box_up mfs-master; then
        inn mfs-master pkill -CONT -x mfsmaster >/dev/null 2>&1 || true
        # the busy-stop holder, if the stop did not end it
        inn mfs-master pkill -x -f 'sleep 600' >/dev/null 2>&1 || true
    fi
    # a booted mfs-master gets the group by auto_failback; otherwise it asks for it
    if [ "$booted" = no ] || ! wait_for 30 holder_is mfs-master; then
        wait_for 30 peers_see_each_other || true
        holder_is mfs-master || inn mfs-master /usr/share/heartbeat/hb_takeover >>"$LOGS/campaign/recovery.log" 2>&1 || true
    fi
    wait_for 90 steady
}

# Kinds only the watchdog recovers: without it, the campaign ends the fault itself after the
# round's deadline (the round is recorded as not recovered) so that the next round can run.
rescue_undetected() {
    local node=$1
    say "$node: the fault was not recovered within ${ROUND_DEADLINE}s; ending it by hand (hb_standby)"
    inn "$node" pkill -KILL -x mfsmaster >/dev/null 2>&1 || true
    fault_standby "$node" || true
}

# --- one round ----------------------------------------------------------------------------------

# What the flight records say about the first takeover after $2 on $1: detection (first agent
# action after the fault) and takeover (Initdrbd start to VIPaddr start done).
flight_figures() {
    python3 - "$LAB/$1/state/flight" "$2" "$3" <<'EOF'
import json, os, re, sys
from datetime import datetime
d, t0, node = sys.argv[1], float(sys.argv[2]), sys.argv[3]
def epoch(s):
    s = re.sub(r"(\.\d{6})\d+", r"\1", s)
    return datetime.fromisoformat(s).timestamp()
recs = []
for name in ("Initdrbd", "mfsmaster", "VIPaddr"):
    p = os.path.join(d, name + ".jsonl")
    if os.path.exists(p):
        for line in open(p):
            try:
                r = json.loads(line)
                r["t"] = epoch(r["time"])
                if r["t"] >= t0 and r["action"] in ("start", "stop") and not r.get("probe"):
                    recs.append(r)
            except (ValueError, KeyError):
                pass
recs.sort(key=lambda r: r["t"])
first = recs[0]["t"] - t0 if recs else None
start = next((r for r in recs if r["agent"] == "Initdrbd" and r["action"] == "start"), None) \
    or next((r for r in recs if r["agent"] == "mfsmaster" and r["action"] == "start"), None)
vip = next((r for r in recs if r["agent"] == "VIPaddr" and r["action"] == "start" and start and r["t"] >= start["t"]), None)
take = None
if start and vip:
    take = vip["t"] + vip["duration_ms"] / 1000 - start["t"]
elif start and start["agent"] == "mfsmaster":
    take = start["duration_ms"] / 1000
print("%s %s" % ("null" if first is None else "%.3f" % first, "null" if take is None else "%.3f" % take))
EOF
}

# run_round N KIND: inject, wait for exactly one node serving, recover, record one JSON line.
run_round() {
    local n=$1 kind=$2 node peer t0 t_serving= serving_after=None holder= ok=true note= label=$2 figures detect takeover t_end
    node=$(sole_holder || true)
    [ "$node" = mfs-master ] || {
        say "round $n: the group is not on mfs-master alone before the fault; recovering first"
        recover || true
        node=$(sole_holder || true)
    }
    [ -n "$node" ] || node=mfs-master
    peer=${PEER[$node]}
    [ "$kind" = partition ] && [ "$FENCING" = off ] && label=partition-unfenced
    say "round $n: $label on $node"
    local peer_log_lines
    peer_log_lines=$(wc -l <"$LOGS/$peer/ha.log" 2>/dev/null || echo 0)
    t0=$(now)
    "fault_${kind//-/_}" "$node" || note="fault injection failed;"
    # Link faults last long enough for heartbeat to declare the peer dead (deadtime 5 s) and
    # act on it; the others are judged as soon as one node serves again.
    case $kind in hb-link | partition) sleep "$LINK_FAULT_HOLD" ;; *) sleep 1 ;; esac
    # Served again: exactly one node holds the group and answers INFO. A split brain (two
    # serving) does not count; it is recorded by the sampler.
    local seen= give_up=$(($(date +%s) + ROUND_DEADLINE))
    until seen=$(stable_holder); do
        [ "$(date +%s)" -lt "$give_up" ] || break
        sleep 0.2
    done
    if [ -n "$seen" ]; then
        holder=${seen% *}
        t_serving=${seen#* }
        serving_after=$(elapsed "$t0" "$t_serving")
    fi
    if [ -z "$holder" ]; then
        case $WATCHDOG_KINDS in
        *" $kind "*) note="$note not recovered within ${ROUND_DEADLINE}s (mfs-ha-watchdog did not bring it back; see its lines in ha.log);" ;;
        *) note="$note no single node served within ${ROUND_DEADLINE}s;" ;;
        esac
        ok=false
        box_up "$node" && rescue_undetected "$node"
        wait_for 60 sole_holder && holder=$(sole_holder || true)
    fi
    figures=$(flight_figures "${holder:-$peer}" "$t0" "${holder:-$peer}")
    detect=${figures% *} takeover=${figures#* }
    # let the client write a little on the new holder before failing back
    sleep "$SETTLE"
    local t_recover
    t_recover=$(now)
    # the failback's own interruption is measured apart from the fault's
    recover || {
        ok=false
        note="$note steady state not reached after recovery;"
    }
    # what refused (or did) the takeover on the peer, for the record
    local peer_start=
    if [ "$label" = partition-unfenced ]; then
        peer_start=$(tail -n "+$((peer_log_lines + 1))" "$LOGS/$peer/ha.log" 2>/dev/null |
            grep -a -o 'ERROR: start failed.*' | tail -n 1 | cut -c1-300 | tr -d '"\\' || true)
    fi
    local end_holder
    end_holder=$(sole_holder || echo none)
    [ "$end_holder" = mfs-master ] || ok=false
    # The next fault must meet a client that writes again: mfsmount may need a while after the
    # failback, and a fault during that stall would measure the stall, not the fault.
    local t_back
    t_back=$(now)
    wait_for "$CLIENT_DEADLINE" client_wrote_after "$t_back" ||
        note="$note the client acknowledged no write within ${CLIENT_DEADLINE}s of the failback;"
    t_end=$(now)
    python3 - "$CAMP/rounds.jsonl" <<EOF
import json, sys
rec = {"round": $n, "kind": "$kind", "label": "$label", "fencing": "$FENCING", "node": "$node",
       "t_fault": $t0, "served_by": "${holder:-none}",
       "serving_after_s": $serving_after,
       "detection_s": ${detect/null/None}, "takeover_s": ${takeover/null/None},
       "t_recover": $t_recover, "failback_s": $(elapsed "$t_recover" "$t_end"), "end_holder": "$end_holder",
       "t_end": $t_end, "ok": ${ok^}, "note": "${note# }", "peer_last_start_failure": "$peer_start"}
open(sys.argv[1], "a").write(json.dumps(rec) + "\n")
EOF
    say "round $n: $label: served by ${holder:-nobody}${t_serving:+ after $serving_after s}; back on $end_holder ${note:+($note)}"
}

# --- the campaign -------------------------------------------------------------------------------

campaign_finish() {
    local rc=$?
    trap - EXIT
    set +e
    [ -n "${CAMP:-}" ] && [ -d "$CAMP" ] && touch "$CAMP/stop"
    (cmd_down) >/dev/null 2>&1
    if [ -n "${CAMP_OUT:-}" ] && [ -d "${CAMP_OUT:-}" ] && [ -s "$CAMP_OUT/rounds.jsonl" ]; then
        python3 "$REPO/scripts/lab/campaign.py" report --records "$CAMP_OUT/rounds.jsonl" \
            --acks "$CAMP_OUT/acks.log" --samples "$CAMP_OUT/samples.jsonl" \
            --verify "$CAMP_OUT/verify.json" ${SUMMARY:+--summary "$SUMMARY"} >"$CAMP_OUT/report.txt"
        local report_rc=$?
        cat "$CAMP_OUT/report.txt"
        [ "$rc" != 0 ] || rc=$report_rc
    else
        echo "campaign: 0 rounds, 0 writes acknowledged, 0 lost, 0 dual-primary, 0 dual-master, outage p50 - s max - s (stopped before the first round, exit $rc)"
        [ "$rc" != 0 ] || rc=1
    fi
    exit "$rc"
}

cmd_campaign() {
    local rounds= faults=all list kind i
    SUMMARY= FENCING=on SETTLE=2 ROUND_DEADLINE=45 LINK_FAULT_HOLD=15 CLIENT_DEADLINE=180
    while [ $# -gt 0 ]; do
        case $1 in
        --rounds) rounds=${2:?--rounds needs a number} && shift 2 ;;
        --faults) faults=${2:?--faults needs a list, e.g. crash,standby} && shift 2 ;;
        --summary) SUMMARY=$(realpath -m "${2:?--summary needs a file}") && shift 2 ;;
        --fencing) FENCING=${2:?--fencing needs on or off} && shift 2 ;;
        --deadline) ROUND_DEADLINE=${2:?--deadline needs seconds} && shift 2 ;;
        *) die "campaign: unknown argument '$1' (see docs/lab.md)" ;;
        esac
    done
    case $FENCING in on | off) ;; *) die "campaign: --fencing must be on or off, not '$FENCING'" ;; esac
    case $ROUND_DEADLINE in '' | *[!0-9]* | 0) die "campaign: --deadline needs a positive number of seconds, not '$ROUND_DEADLINE'" ;; esac
    [ "$faults" = all ] && faults=$(IFS=,; echo "${CAMPAIGN_KINDS[*]}")
    IFS=, read -r -a list <<<"$faults"
    [ ${#list[@]} -gt 0 ] || die "campaign: --faults is empty"
    for kind in "${list[@]}"; do
        case " ${CAMPAIGN_KINDS[*]} " in *" $kind "*) ;; *) die "campaign: unknown fault '$kind' in --faults (known: ${CAMPAIGN_KINDS[*]})" ;; esac
    done
    [ -n "$rounds" ] || rounds=${#list[@]}
    case $rounds in '' | *[!0-9]* | 0) die "campaign: --rounds needs a positive number, not '$rounds'" ;; esac
    [ -z "$SUMMARY" ] || [ -d "$(dirname "$SUMMARY")" ] || die "campaign: the directory of --summary $SUMMARY does not exist"

    # an existing lab is not ours to tear down: refuse before the exit trap is set
    [ ! -e "$LAB" ] || die "$LAB exists: the lab is up or half up (scripts/lab.sh down first)"
    CAMP_OUT=$LOGS/campaign
    trap campaign_finish EXIT
    LAB_FENCING=$FENCING cmd_up
    CAMP=$CAMP_OUT
    mkdir -p "$CAMP"
    cp "$REPO/scripts/lab/campaign.py" "$LAB/campaign.py"
    say "campaign: $rounds rounds of ${list[*]} (fencing $FENCING); writer and sampler in mfs-client"
    inn mfs-client python3 "$LAB/campaign.py" sampler --state "$SIM/state.json" \
        --masters "mfs-master=${SVC[mfs-master]},mfs-bak=${SVC[mfs-bak]}" \
        --out "$CAMP/samples.jsonl" --stop "$CAMP/stop" >>"$CAMP/sampler.log" 2>&1 &
    inn mfs-client python3 "$LAB/campaign.py" writer --dir /mnt/mfs/campaign \
        --acks "$CAMP/acks.log" --stop "$CAMP/stop" >>"$CAMP/writer.log" 2>&1 &
    local writer=$!
    wait_for 30 test -s "$CAMP/acks.log" || die "the writer acknowledged nothing within 30 s (see $CAMP/writer.log)"
    wait_for 60 steady || die "the lab did not reach its steady state (group on mfs-master, DRBD in sync)"
    for i in $(seq "$rounds"); do
        run_round "$i" "${list[$(((i - 1) % ${#list[@]}))]}"
    done
    sleep "$SETTLE"
    touch "$CAMP/stop"
    wait_for 90 sh -c "! kill -0 $writer" || say "warning: the writer did not stop within 90 s"
    say "read-back of every acknowledged file through a fresh mount"
    mount_client /mnt/mfs-verify || die "mfsmount of $VIP for the read-back failed"
    inn mfs-client timeout -s KILL 600 python3 "$LAB/campaign.py" verify --dir /mnt/mfs-verify/campaign \
        --acks "$CAMP/acks.log" --out "$CAMP/verify.json"
}
