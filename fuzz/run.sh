#!/usr/bin/env bash
# Builds the fuzz targets and runs each for a while on its seeded corpus.
#
#   bash fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default 20 s, every target)
#
# The toolchain is stable, so the nightly-only sanitizer flags are unlocked with RUSTC_BOOTSTRAP=1.
# A crash stops the run with a non-zero exit; its input is kept in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-20}
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(proc_drbd status_text status_json events2 detect_any
    mfs_answers netlink mountinfo heartbeat_config drbd_conf)

export RUSTC_BOOTSTRAP=1
bash seed.sh
cargo fuzz build
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "${targets[@]}"; do
    echo "==> $t for ${seconds}s"
    status=0
    cargo fuzz run "$t" "corpus/$t" -- -max_total_time="$seconds" -max_len=65536 \
        -print_final_stats=1 >"$log" 2>&1 || status=$?
    grep -E '^(#[0-9]+.*DONE|Done |stat::number_of_executed_units)' "$log" || true
    if [ "$status" -ne 0 ]; then
        tail -n 40 "$log"
        echo "fuzz: $t failed (exit $status): the input is in fuzz/artifacts/$t/" >&2
        exit 1
    fi
done
