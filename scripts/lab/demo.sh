# Sourced by scripts/lab.sh (docs/lab.md): the demo: up, checks, crash of mfs-master, checks, down,
# JSON summary.
# shellcheck shell=bash

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
        inn mfs-client timeout -s KILL 60 dd if="$LAB/src/f$i" of="/mnt/mfs/lab/f$i" bs=64k conv=fsync status=none && ok=$((ok + 1))
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
            inn mfs-client timeout -s KILL 60 cmp -s "$LAB/src/f$i" "/mnt/mfs-after/lab/f$i" && same=$((same + 1))
        done
        AFTER_CRASH_OK=$(verdict inn mfs-client timeout -s KILL 60 cmp -s "$LAB/src/after-crash" /mnt/mfs-after/lab/after-crash)
    fi
    READ_BACK=$same
    check data-intact "$([ "$same" = "$FILES" ] && [ "$AFTER_CRASH_OK" = PASS ] && echo PASS || echo FAIL)" \
        "$same of $FILES files read back identical through a fresh mount after takeover; the file written during the crash: $AFTER_CRASH_OK"
}

# mfs-master boots again; auto_failback on gives it the group back (a clean stop on mfs-bak, so
# a plain start without -a). Every file is read again through the client's first mount.
demo_failback() {
    local t0 same=0 i mac
    say "restart of mfs-master (failback)"
    t0=$(now)
    cmd_restart mfs-master
    if wait_for 90 holds_all mfs-master; then T_FAILBACK=$(elapsed "$t0" "$(now)"); fi
    for i in $(seq "$FILES"); do
        inn mfs-client timeout -s KILL 60 cmp -s "$LAB/src/f$i" "/mnt/mfs/lab/f$i" && same=$((same + 1))
    done
    inn mfs-client ping -c 1 -W 2 "$VIP" >/dev/null 2>&1 || true
    mac=$(client_vip_mac)
    check failback "$([ -n "$T_FAILBACK" ] && [ "$same" = "$FILES" ] && [ "$mac" = "$MAC_MASTER" ] && echo PASS || echo FAIL)" \
        "restart of mfs-master -> group back on mfs-master: ${T_FAILBACK:-never} s; $same of $FILES files identical through the client's first mount; VIP at $mac (mfs-master's eth0 is $MAC_MASTER)"
}

# The takeover as phases: mfs-ha timeline over both nodes' flight records and ha.log, with the
# crash time and what the demo measured from outside as marks.
demo_timeline() {
    local t0=$1 dir=$DEMO/timeline node marks=() ok=FAIL what=$'\tnot run (see timeline.err in the logs)'
    for node in "${NODES[@]}"; do
        mkdir -p "$dir/$node"
        ln -sf "$LOGS/$node/ha.log" "$dir/$node/ha.log"
        ln -sfn "$LAB/$node/state/flight" "$dir/$node/flight"
        ln -sf "$LAB/$node/conf/ha.cf" "$dir/$node/ha.cf"
    done
    [ -n "$T_MASTER_AT" ] && marks+=(--mark "@$T_MASTER_AT=the lab's level-10 monitor on mfs-bak succeeds")
    [ -e "$DEMO/io.done" ] && marks+=(--mark "@$(cat "$DEMO/io.done")=the client's write+fsync, started at the crash, completes")
    say "mfs-ha timeline of the crash (both nodes' flight records and ha.log)"
    "$LAB/target/mfs-ha" timeline --logs "$dir" --since "@$t0" --fault "@$t0" "${marks[@]}" 2>&1 | sed 's/^/    /' || true
    if "$LAB/target/mfs-ha" --json timeline --logs "$dir" --since "@$t0" --fault "@$t0" "${marks[@]}" >"$LOGS/timeline.json" 2>>"$LOGS/timeline.err"; then
        what=$(python3 - "$LOGS/timeline.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
names = [p["name"] for p in t["phases"]]
want = ["Initdrbd start on mfs-bak", "mfsmaster start on mfs-bak", "VIPaddr start on mfs-bak"]
ordered = [n for n in names if n in want] == want
adds_up = abs(sum(p["seconds"] for p in t["phases"]) - t["total_seconds"]) < 1e-3
dead = t["trigger"].get("peer_dead", {})
ok = ordered and adds_up and dead.get("peer") == "mfs-master" and dead.get("by") == "mfs-bak"
big = t["biggest_after_detection"] or {}
print(("PASS" if ok else "FAIL") + "\t%d phases, crash -> %s: %.2f s; biggest after detection: %s %.3f s" % (
    len(names), names[-1] if names else "nothing", t["total_seconds"], big.get("name"), big.get("seconds") or 0))
PY
)
        ok=${what%%$'\t'*}
    fi
    check timeline "$ok" "mfs-ha timeline: ${what#*$'\t'}"
}

demo_summary() {
    local rc=$1
    [ -n "$SUMMARY" ] || return 0
    DEMO_RC=$rc FILES=$FILES WRITTEN=$WRITTEN READ_BACK=$READ_BACK T_MASTER=$T_MASTER T_IO=$T_IO T_FAILBACK=$T_FAILBACK \
        MAC_BEFORE=$MAC_BEFORE MAC_AFTER=$MAC_AFTER MAC_MASTER=$MAC_MASTER MAC_BAK=$MAC_BAK LOGS=$LOGS \
        PYTHONPATH="$REPO/scripts/lab" python3 - "$DEMO/checks.tsv" "$SUMMARY" <<'EOF'
import json, os, sys
import summary
e = os.environ
try:
    t = json.load(open(os.path.join(e["LOGS"], "timeline.json")))
    timeline = {"total_seconds": t["total_seconds"], "phases": [{"name": p["name"], "seconds": p["seconds"]} for p in t["phases"]]}
except (OSError, ValueError, KeyError):
    timeline = None
summary.write(sys.argv[2], e["DEMO_RC"], sys.argv[1],
    files={"count": int(e["FILES"]), "written": int(e["WRITTEN"] or 0), "read_back_equal": int(e["READ_BACK"] or 0)},
    takeover_seconds={"mfsmaster_serving": summary.number(e["T_MASTER"]), "client_io_resumed": summary.number(e["T_IO"]),
                      "failback": summary.number(e["T_FAILBACK"])},
    vip_mac={"before": e["MAC_BEFORE"], "after": e["MAC_AFTER"], "mfs_master": e["MAC_MASTER"], "mfs_bak": e["MAC_BAK"]},
    timeline=timeline)
EOF
}

# The end of a lab run, as its EXIT trap: `run_finish RC NAME SUMMARY_FN KEEP`. The lab goes down
# (unless KEEP=yes), a run that stopped early or before any check fails, the checks are kept in
# the logs, SUMMARY_FN RC writes the JSON summary, one closing line, exit RC.
run_finish() {
    local rc=$1 name=$2 summary_fn=$3 keep=$4 failed took=
    trap - EXIT
    set +e
    [ "$keep" = yes ] || (cmd_down)
    [ -s "$DEMO/checks.tsv" ] || check "$name" FAIL "stopped before its first check (exit $rc)"
    failed=$(grep -c $'\tFAIL\t' "$DEMO/checks.tsv")
    [ "$rc" = 0 ] && [ "$failed" != 0 ] && rc=1
    [ "$rc" != 0 ] && [ "$failed" = 0 ] && check "$name" FAIL "stopped early (exit $rc)"
    cp "$DEMO/checks.tsv" "$LOGS/checks.tsv" 2>/dev/null
    "$summary_fn" "$rc"
    rm -rf "$DEMO"
    [ -z "${T_START:-}" ] || took=" in $(elapsed "$T_START" "$(now)") s"
    if [ "$rc" = 0 ]; then say "$name: every check passed$took"; else say "$name: FAILED (logs in $LOGS)"; fi
    exit "$rc"
}

demo_finish() { run_finish $? demo demo_summary no; }

cmd_demo() {
    SUMMARY= FILES=20 FAILBACK=no
    while [ $# -gt 0 ]; do
        case $1 in
        --summary) SUMMARY=$(realpath -m "${2:?--summary needs a file}") && shift 2 ;;
        --files) FILES=${2:?--files needs a number} && shift 2 ;;
        --failback) FAILBACK=yes && shift ;;
        --installed) INSTALLED=yes && shift ;;
        *) die "demo: unknown argument '$1'" ;;
        esac
    done
    case $FILES in '' | *[!0-9]*) die "--files needs a number" ;; esac
    WRITTEN=0 READ_BACK=0 T_MASTER= T_MASTER_AT= T_IO= T_FAILBACK= MAC_BEFORE= MAC_AFTER= MAC_MASTER= MAC_BAK= AFTER_CRASH_OK=FAIL
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
    if wait_for 90 master_answers mfs-bak; then
        T_MASTER_AT=$(now)
        T_MASTER=$(elapsed "$t0" "$T_MASTER_AT")
    fi
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
    demo_timeline "$t0"
    [ "$FAILBACK" = yes ] && demo_failback
    return 0
}
