#!/usr/bin/env bash
# The main job of mfs-ha: the seed article's two-node failover, end to end, on this machine.
# Installs what the lab needs (Debian packages; no service is started by the install), builds
# the agents and drbd-sim, then runs `scripts/lab.sh demo`: heartbeat on mfs-master and mfs-bak
# with the article's unchanged haresources line, a client writing to MooseFS through the VIP,
# a crash of mfs-master, the takeover by mfs-bak, and the checks (docs/lab.md). Exits 0 only
# when every check passed; everything the lab made is removed, its logs are kept.
#
#   bash scripts/demo.sh [--failback] [--files N] [--summary FILE] [--installed]   (as root, Debian 12)
#
# --installed: the nodes use the installed Debian packages mfs-ha and mfs-ha-ipaddr
# (bash scripts/packaging/build-deb.sh; dpkg -i target/debian/*.deb) instead of scripts/install.sh.
#
# drbd-status alone, on this machine's DRBD or the bundled samples: scripts/drbd-status-demo.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/rust-env.sh
. scripts/lib/packages.sh

LAB_PACKAGES=(heartbeat iproute2 util-linux mount e2fsprogs python3
    moosefs-master moosefs-metalogger moosefs-chunkserver moosefs-client moosefs-cli)
command -v cc >/dev/null || LAB_PACKAGES+=(gcc libc6-dev)

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (the lab makes namespaces, mounts and loop devices)" >&2; exit 1; }
require_cargo demo
install_packages demo "${LAB_PACKAGES[@]}"
echo "==> cargo build --release -p agents -p mfs-ha-watchdog -p drbd-sim -p mfs-ha"
cargo build --release -q -p agents -p mfs-ha-watchdog -p drbd-sim -p mfs-ha
target=${CARGO_TARGET_DIR:-$PWD/target}/release
exec env MFSHA_LAB_TARGET="$target" bash scripts/lab.sh demo "$@"
