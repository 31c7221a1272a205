#!/usr/bin/env bash
# Shows drbd-status at work: builds it (release), then reads this machine's DRBD state when it
# has DRBD, otherwise the bundled samples in docs/samples/.
#
#   bash scripts/demo.sh              live DRBD if present, else the samples
#   bash scripts/demo.sh --samples    always the samples
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null || {
    echo "demo: cargo not found: install Rust with rustup (https://rustup.rs: curl --proto '=https' -sSf https://sh.rustup.rs | sh -s -- -y), then open a new shell" >&2
    exit 1
}

echo "==> cargo build --release -p drbd-status-cli"
cargo build --release -q -p drbd-status-cli
bin=$PWD/target/release/drbd-status
failures=0

# Runs drbd-status with the given arguments, showing the command line, its output (first
# $lines lines) and its exit code; sets $rc. Output that is empty counts as a failure.
run() {
    local lines=$1
    shift
    printf '\n$ drbd-status %s\n' "$*"
    rc=0
    "$bin" "$@" >"$tmp/out" || rc=$?
    head -n "$lines" "$tmp/out"
    [ "$(wc -l <"$tmp/out")" -le "$lines" ] || echo "... (first $lines lines shown)"
    [ -s "$tmp/out" ] || { echo "(printed nothing)"; failures=$((failures + 1)); }
}

# The three views of one status source: table, monitoring check, JSON.
show() {
    local src=$1
    run 40 "$src"
    [ "$rc" -eq 0 ] || { echo "(exit $rc)"; failures=$((failures + 1)); }
    run 10 --check "$src"
    case $rc in
        0) echo "(exit 0: OK)" ;;
        1) echo "(exit 1: WARNING)" ;;
        2) echo "(exit 2: CRITICAL)" ;;
        3) echo "(exit 3: UNKNOWN)" ;;
        *) echo "(exit $rc: not a monitoring-plugin code)"; failures=$((failures + 1)) ;;
    esac
    run 20 --json "$src"
    [ "$rc" -eq 0 ] || { echo "(exit $rc)"; failures=$((failures + 1)); }
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

live=no
if [ "${1:-}" != "--samples" ]; then
    if [ -r /proc/drbd ]; then
        live=yes
        echo "==> this machine has DRBD: /proc/drbd"
        show /proc/drbd
    fi
    if command -v drbdsetup >/dev/null && drbdsetup status --json >"$tmp/status.json" 2>/dev/null \
        && [ -s "$tmp/status.json" ]; then
        live=yes
        echo "==> this machine's drbdsetup status --json (saved to a file first)"
        show "$tmp/status.json"
    fi
fi

if [ "$live" = no ]; then
    echo "==> no DRBD on this machine: showing the bundled samples (docs/samples/README.md)"
    for sample in docs/samples/proc-drbd-8.4-mfs-master-resync.txt \
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
