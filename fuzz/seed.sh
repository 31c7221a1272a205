#!/usr/bin/env bash
# Seeds the fuzz corpora with documents of the right kind for each target:
#   drbd-status targets  the parser fixtures (crates/drbd-status/tests/fixtures/**) and the
#                        bundled samples (docs/samples/), every document for every target
#                        (format detection and cross-format input are worth fuzzing too);
#   heartbeat_config     ha.d-examples/ (ha.cf, haresources, drbd.conf, ...);
#   drbd_conf            ha.d-examples/drbd.conf;
#   mountinfo            this machine's /proc/self/mountinfo;
#   netlink              this machine's rtnetlink answers to link, address and route dumps
#                        (captured with python3 when it is there);
#   mfs_answers          none (binary answers; libFuzzer starts from empty input).
# fuzz/corpus/ is gitignored; libFuzzer adds what it finds there.
set -euo pipefail
cd "$(dirname "$0")"
root=..

# copy_into TARGET FILE...: one flat name per source file, stable across runs.
copy_into() {
    local target=$1
    shift
    mkdir -p "corpus/$target"
    for f in "$@"; do
        name=$(printf '%s' "${f#"$root"/}" | tr '/' '_')
        cp "$f" "corpus/$target/seed_$name"
    done
}

mapfile -t drbd_docs < <(
    find "$root/crates/drbd-status/tests/fixtures" "$root/docs/samples" -type f \
        ! -name '*.md' ! -name '*.expect.json' 2>/dev/null | sort
)
[ "${#drbd_docs[@]}" -gt 0 ] || { echo "seed: no fixtures or samples found" >&2; exit 1; }
for t in proc_drbd status_text status_json events2 detect_any; do
    copy_into "$t" "${drbd_docs[@]}"
done

mapfile -t ha_docs < <(find "$root/ha.d-examples" -type f ! -name '*.md' | sort)
copy_into heartbeat_config "${ha_docs[@]}"
copy_into drbd_conf "$root/ha.d-examples/drbd.conf"

mkdir -p corpus/mountinfo corpus/netlink corpus/mfs_answers
cp /proc/self/mountinfo corpus/mountinfo/seed_this_machine
if command -v python3 >/dev/null; then
    python3 - corpus/netlink <<'PY'
import socket, struct, sys
# RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE dumps; each first answer datagram becomes a seed.
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.settimeout(2)
for seq, kind in enumerate((18, 22, 26), start=1):
    body = struct.pack("=B3x", 0)
    s.send(struct.pack("=LHHLL", 16 + len(body), kind, 0x301, seq, 0) + body)
    with open(f"{sys.argv[1]}/seed_dump_{kind}", "wb") as out:
        out.write(s.recv(65536))
PY
fi
echo "seeded ${#drbd_docs[@]} DRBD documents, ${#ha_docs[@]} Heartbeat files, mountinfo, netlink"
