#!/usr/bin/env bash
# Shows drbd-status at work: builds it (release), then reads this machine's DRBD state when it
# has the DRBD module loaded (/proc/drbd), otherwise the bundled samples in docs/samples/.
#
#   bash scripts/drbd-status-demo.sh              live DRBD if present, else the samples
#   bash scripts/drbd-status-demo.sh --samples    always the samples
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/rust-env.sh
require_cargo drbd-status-demo

echo "==> cargo build --release -p drbd-status-cli"
cargo build --release -q -p drbd-status-cli
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/drbd-status
[ -x "$bin" ] || { echo "demo: $bin was not built" >&2; exit 1; }
failures=0

# Runs drbd-status with the given arguments, showing the command line, its output (first
# $lines lines) and its exit code; sets $rc, and $empty when it printed nothing.
run() {
    local lines=$1
    shift
    printf '\n$ %s\n' "drbd-status${*:+ $*}"
    rc=0
    "$bin" "$@" >"$tmp/out" || rc=$?
    head -n "$lines" "$tmp/out"
    [ "$(wc -l <"$tmp/out")" -le "$lines" ] || echo "... (first $lines lines shown)"
    empty=no
    [ -s "$tmp/out" ] || { empty=yes; echo "(printed nothing)"; }
}

# Shows the exit code of the last run (with its monitoring meaning, if given) and counts a
# failure when it printed nothing or exited non-zero without such a meaning.
judge() {
    local verdict=$1
    if [ -n "$verdict" ]; then
        echo "(exit $rc: $verdict)"
    elif [ "$rc" -ne 0 ]; then
        echo "(exit $rc)"
        failures=$((failures + 1))
        return
    fi
    [ "$empty" = no ] || failures=$((failures + 1))
}

# The three views of one status source (a file, or none for this machine's live state):
# table, monitoring check, JSON.
show() {
    run 40 "$@"
    judge ""
    run 10 --check "$@"
    case $rc in
        0) judge OK ;; 1) judge WARNING ;; 2) judge CRITICAL ;; 3) judge UNKNOWN ;;
        *) judge "" ;;
    esac
    run 20 --json "$@"
    judge ""
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "${1:-}" != "--samples" ] && [ -r "${DRBD_STATUS_PROC:-/proc/drbd}" ]; then
    # Live mode: /proc/drbd, or drbdsetup status --json where it has no device state (DRBD 9).
    echo "==> this machine has DRBD: drbd-status reads its live state"
    show
else
    echo "==> no DRBD on this machine: showing the bundled samples (docs/samples/README.md)"
    for sample in docs/samples/proc-drbd-8.4-mfs-master-resync.txt \
                  docs/samples/proc-drbd-8.4-mfs-bak-resync.txt \
                  docs/samples/drbdsetup-status-9-mfs-master.json; do
        echo
        echo "==> sample $sample"
        show "$sample"
    done
fi

if [ "$failures" -gt 0 ]; then
    echo
    echo "demo: $failures drbd-status invocation(s) failed" >&2
    exit 1
fi
