#!/usr/bin/env bash
# Seeds the fuzz corpora with the project's own status documents: the parser fixtures
# (crates/drbd-status/tests/fixtures/**) and the bundled samples (docs/samples/).
# Every target gets every document (format detection and cross-format input are worth fuzzing
# too). fuzz/corpus/ is gitignored; libFuzzer adds what it finds there.
set -euo pipefail
cd "$(dirname "$0")"
root=..
targets=(proc_drbd status_text status_json events2 detect_any)

mapfile -t seeds < <(
    find "$root/crates/drbd-status/tests/fixtures" "$root/docs/samples" -type f \
        ! -name '*.md' ! -name '*.expect.json' 2>/dev/null | sort
)
[ "${#seeds[@]}" -gt 0 ] || { echo "seed: no fixtures or samples found" >&2; exit 1; }

for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    for f in "${seeds[@]}"; do
        # One flat name per source file, stable across runs.
        name=$(printf '%s' "${f#"$root"/}" | tr '/' '_')
        cp "$f" "corpus/$t/seed_$name"
    done
done
echo "seeded ${#seeds[@]} documents into fuzz/corpus/{$(IFS=,; echo "${targets[*]}")}"
