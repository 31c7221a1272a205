# Sourced by scripts/lab.sh (docs/lab.md, docs/watchdog.md): the resource watchdog's scenarios on
# one lab bring-up: kill -9 of mfsmaster (restarted in place with -a), a SIGSTOPped mfsmaster
# (ended by the agent's stop, restarted), and a third failure with the budget (2 in 10 min) spent
# and mfs-bak alive (the group handed over with hb_standby). JSON summary like the demo's.
# shellcheck shell=bash

# The mfsmaster of box $1 (the oldest: its metadata writer is a child of the same name).
wd_master_pid() { inn "$1" pgrep -o -x mfsmaster 2>/dev/null || true; }
# mfsmaster of box $1 answers INFO and is not PID $2 any more.
wd_new_master() { [ "$(wd_master_pid "$1")" != "$2" ] && master_answers "$1"; }
# Lines of box $1's ha.log matching $2 (fixed string).
wd_count() { grep -cF -- "$2" "$LOGS/$1/ha.log" 2>/dev/null || true; }
# Box $1's ha.log holds at least $3 lines matching $2.
wd_has() { [ "$(wd_count "$1" "$2")" -ge "$3" ]; }

# Writes file $1 through the VIP with fsync; the source stays in $LAB/src for the read-back.
wd_write() {
    head -c $((128 * 1024 + RANDOM)) /dev/urandom >"$LAB/src/$1"
    if inn mfs-client timeout -s KILL 60 dd if="$LAB/src/$1" of="/mnt/mfs/wd/$1" bs=64k conv=fsync status=none; then
        WRITTEN+=("$1")
    fi
}

# Every file written so far, read through a fresh mount $1 and compared with its source.
wd_read_back() {
    local f same=0
    mount_client "$1" || true
    for f in "${WRITTEN[@]}"; do
        inn mfs-client timeout -s KILL 60 cmp -s "$LAB/src/$f" "$1/wd/$f" && same=$((same + 1))
    done
    READ_BACK=$same
    [ "$same" = "${#WRITTEN[@]}" ]
}

wd_summary() {
    local rc=$1
    [ -n "$SUMMARY" ] || return 0
    WD_RC=$rc T_KILL=$T_KILL T_HANG=$T_HANG T_HANDOVER=$T_HANDOVER WRITTEN_N=${#WRITTEN[@]} READ_BACK=$READ_BACK \
        T_TOTAL=$(elapsed "$T_START" "$(now)") LOGS=$LOGS PYTHONPATH="$REPO/scripts/lab" python3 - "$DEMO/checks.tsv" "$SUMMARY" <<'EOF'
import os, sys
import summary
e = os.environ
n = summary.number
summary.write(sys.argv[2], e["WD_RC"], sys.argv[1],
    seconds={"kill_to_serving": n(e["T_KILL"]), "hang_to_serving": n(e["T_HANG"]),
             "handover_to_serving_on_mfs_bak": n(e["T_HANDOVER"]), "whole_run": n(e["T_TOTAL"])},
    files={"written": int(e["WRITTEN_N"]), "read_back_equal": int(e["READ_BACK"] or 0)})
EOF
}

wd_finish() { run_finish $? watchdog wd_summary "$KEEP"; }

# Fault $1 (KILL or STOP) of mfs-master's mfsmaster; waits up to $2 s for $3 to serve with a new
# master; sets T_FAULT to the seconds from the fault to serving, OLD to the faulted PID.
wd_fault() {
    local sig=$1 limit=$2 node=$3 t0
    T_FAULT= OLD=$(wd_master_pid mfs-master)
    [ -n "$OLD" ] || return 0
    t0=$(now)
    inn mfs-master kill "-$sig" "$OLD"
    if wait_for "$limit" wd_new_master "$node" "$OLD"; then T_FAULT=$(elapsed "$t0" "$(now)"); fi
}

cmd_watchdog() {
    SUMMARY= KEEP=no
    while [ $# -gt 0 ]; do
        case $1 in
        --summary) SUMMARY=$(realpath -m "${2:?--summary needs a file}") && shift 2 ;;
        --keep) KEEP=yes && shift ;;
        *) die "watchdog: unknown argument '$1'" ;;
        esac
    done
    WRITTEN=() READ_BACK=0 T_KILL= T_HANG= T_HANDOVER= T_START=$(now)
    DEMO=$(mktemp -d "/tmp/$P-watchdog-XXXXXX")
    trap wd_finish EXIT
    cmd_up
    mkdir -p "$LAB/src"
    inn mfs-client mkdir -p /mnt/mfs/wd
    # Both watchdogs settle after heartbeat's takeover, a second or so apart: wait for both.
    wait_for 20 sh -c "grep -qF 'group Initdrbd: held here and healthy; watching' '$LOGS/mfs-master/ha.log' &&
        grep -qF 'group Initdrbd: not held here; not watching' '$LOGS/mfs-bak/ha.log'" || true
    check watchdog-running "$([ "$(wd_count mfs-master 'held here and healthy; watching')" -ge 1 ] && [ "$(wd_count mfs-bak 'not held here; not watching')" -ge 1 ] && echo PASS || echo FAIL)" \
        "respawned by heartbeat on both nodes: mfs-master watches the group, mfs-bak does not hold it ($(grep -m1 -o 'mfs-ha-watchdog.*started on.*' "$LOGS/mfs-master/ha.log" || echo 'no start line'))"
    local i
    for i in 1 2 3 4; do wd_write "before-kill-$i"; done

    say "kill -9 of mfsmaster on mfs-master"
    local recovered_before
    recovered_before=$(wd_count mfs-master 'mfsmaster started with -a')
    wd_fault KILL 60 mfs-master
    T_KILL=$T_FAULT
    # The master answers before the agent and the watchdog have logged the restart: wait for the
    # watchdog's closing line so that the checks below read a finished log.
    wait_for 30 wd_has mfs-master 'restarted in place in' 1 || true
    check kill-restarted-in-place "$([ -n "$T_KILL" ] && [ "$(wd_count mfs-master 'restart in place 1 of 2')" = 1 ] &&
        [ "$(wd_count mfs-master 'mfsmaster started with -a')" -gt "$recovered_before" ] && ! rsc_running mfs-bak mfsmaster >/dev/null 2>&1 && echo PASS || echo FAIL)" \
        "kill -9 of pid $OLD -> mfsmaster serving again on mfs-master after ${T_KILL:-never} s; $(grep -m1 -o 'WARN: group Initdrbd: mfsmaster.*restart in place 1 of 2.*' "$LOGS/mfs-master/ha.log" || echo 'no restart line'); $(grep -o 'mfsmaster started with -a.*' "$LOGS/mfs-master/ha.log" | tail -n1)"
    wd_write after-kill
    local kill_read=FAIL
    wd_read_back /mnt/mfs-k && kill_read=PASS
    check kill-data-intact "$kill_read" "$READ_BACK of ${#WRITTEN[@]} fsynced files read back identical through a fresh mount"

    say "SIGSTOP of mfsmaster on mfs-master"
    wd_fault STOP 90 mfs-master
    T_HANG=$T_FAULT
    wait_for 30 wd_has mfs-master 'restarted in place in' 2 || true
    local gone=no
    inn mfs-master kill -0 "$OLD" 2>/dev/null || gone=yes
    check hang-ended-and-restarted "$([ -n "$T_HANG" ] && [ "$gone" = yes ] && [ "$(wd_count mfs-master 'restart in place 2 of 2')" = 1 ] &&
        [ "$(wd_count mfs-master 'was stopped (state T): sent SIGCONT')" -ge 1 ] && ! rsc_running mfs-bak mfsmaster >/dev/null 2>&1 && echo PASS || echo FAIL)" \
        "SIGSTOP of pid $OLD -> ended (gone: $gone; $(grep -m1 -o 'was stopped (state T): sent SIGCONT[^;]*' "$LOGS/mfs-master/ha.log" || echo 'no SIGCONT line')) and serving again on mfs-master after ${T_HANG:-never} s; $(grep -m1 -o 'group Initdrbd: mfsmaster: [^;]*; restart in place 2 of 2' "$LOGS/mfs-master/ha.log" || echo 'no restart line')"
    wd_write after-hang
    local hang_read=FAIL
    wd_read_back /mnt/mfs-h && hang_read=PASS
    check hang-data-intact "$hang_read" "$READ_BACK of ${#WRITTEN[@]} fsynced files read back identical through a fresh mount"

    say "kill -9 again: the budget (2 in 10 min) is spent and mfs-bak is alive"
    wd_fault KILL 90 mfs-bak
    T_HANDOVER=$T_FAULT
    wait_for 20 sh -c "grep -qF 'group released to the peer' '$LOGS/mfs-master/ha.log'" || true
    check budget-spent-handover "$([ -n "$T_HANDOVER" ] && [ "$(wd_count mfs-master 'giving the group to mfs-bak')" = 1 ] &&
        [ "$(wd_count mfs-master 'group released to the peer')" = 1 ] && holds_all mfs-bak >/dev/null 2>&1 &&
        [ -z "$(wd_master_pid mfs-master)" ] && [ "$(inn mfs-master cl_status rscstatus 2>/dev/null)" = none ] && echo PASS || echo FAIL)" \
        "kill -9 of pid $OLD -> mfs-bak serves after ${T_HANDOVER:-never} s; mfs-master: rscstatus $(inn mfs-master cl_status rscstatus 2>/dev/null), mfsmaster pid '$(wd_master_pid mfs-master)'; $(grep -m1 -o 'restart budget spent.*' "$LOGS/mfs-master/ha.log" || echo 'no handover line')"
    wd_write after-handover
    local handover_read=FAIL
    wd_read_back /mnt/mfs-o && handover_read=PASS
    check handover-data-intact "$handover_read" "$READ_BACK of ${#WRITTEN[@]} fsynced files read back identical through a fresh mount of mfs-bak's master"
    local flight=$LAB/mfs-master/state/flight/mfs-ha-watchdog.jsonl restarts handovers
    restarts=$(grep -c '"action":"restart".*"result":"done"' "$flight" 2>/dev/null || true)
    handovers=$(grep -c '"action":"handover".*"result":"done"' "$flight" 2>/dev/null || true)
    check flight-record "$([ "$restarts" = 2 ] && [ "$handovers" = 1 ] && echo PASS || echo FAIL)" \
        "mfs-master's $flight: $restarts restart(s) and $handovers handover(s) recorded as done"
    return 0
}
