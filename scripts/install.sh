#!/usr/bin/env bash
# Installs the mfs-ha agents for Heartbeat v1 and Pacemaker, and the resource watchdog for
# Heartbeat v1 (see resource.d/README.md, docs/watchdog.md).
#
#   scripts/install.sh [--root DIR] [--build | --target DIR] [--as-ipaddr]   install (idempotent)
#   scripts/install.sh [--root DIR] --uninstall                    remove what was installed
#
# --build builds the static release build first (scripts/lib/rust-env.sh) and installs it. The
# binaries come from --target DIR, else from the first of target/<arch>-unknown-linux-gnu/release
# (that static build), target/release (cargo build --release) and target/debug that holds every
# binary: never "whichever is newer", so a test run's debug build does not replace a release
# build behind the operator's back. --target target/debug installs the debug build on purpose.
#
# Binaries go to <root>/usr/lib/mfs-ha/; <root>/etc/ha.d/resource.d/ and
# <root>/usr/lib/ocf/resource.d/mfs-ha/ get symlinks to the agents. The watchdog
# (/usr/lib/mfs-ha/mfs-ha-watchdog) runs once ha.cf has its respawn line.
# Every file created and every file moved aside is listed in <root>/usr/lib/mfs-ha/MANIFEST,
# which --uninstall reads: it removes only those files and puts the backups back.
set -euo pipefail

die() {
    echo "install.sh: $*" >&2
    exit 1
}

root=/
target=
as_ipaddr=no
uninstall=no
build=no
while [ $# -gt 0 ]; do
    case $1 in
    --root)
        [ $# -ge 2 ] || die "--root needs a directory"
        root=$2
        shift 2
        ;;
    --target)
        [ $# -ge 2 ] || die "--target needs a directory (e.g. target/release)"
        target=$2
        shift 2
        ;;
    --build) build=yes && shift ;;
    --as-ipaddr) as_ipaddr=yes && shift ;;
    --uninstall) uninstall=yes && shift ;;
    -h | --help)
        sed -n '2,18s/^# \{0,1\}//p' "$0"
        exit 0
        ;;
    *) die "unknown argument '$1' (see --help)" ;;
    esac
done

[ -d "$root" ] || die "--root $root is not a directory"
root=$(cd "$root" && pwd)
[ "$root" = / ] && root=
libdir=/usr/lib/mfs-ha # as seen on the installed system; files live under $root
manifest=$root$libdir/MANIFEST
rscdir=$root/etc/ha.d/resource.d
ocfdir=$root/usr/lib/ocf/resource.d/mfs-ha

# Binaries, and the names each agent is linked under. mfsmaster plays every MooseFS daemon by
# name. mfs-ha-watchdog is no resource script: heartbeat starts it from ha.cf's respawn line.
binaries=(Initdrbd mfsmaster VIPaddr mfs-ha-watchdog)
heartbeat_links=(Initdrbd:Initdrbd mfsmaster:mfsmaster mfsmetalogger:mfsmaster
    mfschunkserver:mfsmaster mfscgiserv:mfsmaster VIPaddr:VIPaddr)
ocf_links=("${heartbeat_links[@]}")

# --- uninstall -------------------------------------------------------------------------------
# MANIFEST lines: "file PATH" (created by us, removed) and "backup ORIGINAL SAVED" (moved aside,
# moved back), both relative to the root.
if [ "$uninstall" = yes ]; then
    if [ ! -f "$manifest" ]; then
        echo "install.sh: nothing to uninstall ($manifest not found)"
        exit 0
    fi
    while read -r kind path saved; do
        case $kind in
        file) rm -f "$root$path" ;;
        esac
    done <"$manifest"
    while read -r kind path saved; do
        case $kind in
        backup) [ -e "$root$saved" ] || [ -L "$root$saved" ] && mv -f "$root$saved" "$root$path" ;;
        esac
    done <"$manifest"
    rm -f "$manifest"
    rmdir "$ocfdir" "$root$libdir" 2>/dev/null || true
    echo "install.sh: uninstalled from ${root:-/}"
    exit 0
fi

# --- install ---------------------------------------------------------------------------------
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ "$build" = yes ]; then
    [ -z "$target" ] || die "--build and --target exclude each other"
    # shellcheck source=lib/rust-env.sh
    . "$repo/scripts/lib/rust-env.sh"
    require_cargo install.sh
    (cd "$repo" && build_release -p agents -p mfs-ha-watchdog)
    target=$(cd "$repo" && release_dir)
fi
if [ -z "$target" ]; then
    # The static release build, the release build, the debug build: the first that holds every
    # binary (never by age: see above).
    cargo_target=${CARGO_TARGET_DIR:-$repo/target}
    for dir in "$cargo_target/$(uname -m)-unknown-linux-gnu/release" "$cargo_target"/{release,debug}; do
        complete=yes
        for b in "${binaries[@]}"; do [ -x "$dir/$b" ] || complete=no; done
        if [ "$complete" = yes ]; then
            target=$dir
            break
        fi
    done
    [ -n "$target" ] || die "no built agents in target/$(uname -m)-unknown-linux-gnu/release, target/release or target/debug: use --build, or pass --target DIR"
fi
for b in "${binaries[@]}"; do
    [ -x "$target/$b" ] || die "$target/$b is missing or not executable: run 'cargo build -p agents -p mfs-ha-watchdog' first"
done
[ -d "$root/etc/ha.d" ] || [ -n "$root" ] || die "/etc/ha.d not found: install heartbeat first (apt-get install heartbeat)"
# The Debian package owns the same files: two owners would undo each other's changes.
if [ -z "$root" ] && command -v dpkg-query >/dev/null &&
    dpkg-query -W -f='${Status}' mfs-ha 2>/dev/null | grep "ok installed" >/dev/null; then
    die "the Debian package mfs-ha is installed: upgrade it with dpkg/apt, or remove it (dpkg -r mfs-ha-ipaddr mfs-ha) before using install.sh"
fi

mkdir -p "$root$libdir" "$rscdir" "$ocfdir"
touch "$manifest"
recorded() { grep -qxF "$1" "$manifest"; }
record() { recorded "$1" || echo "$1" >>"$manifest"; }

for b in "${binaries[@]}"; do
    install -m 755 "$target/$b" "$root$libdir/$b.new"
    mv -f "$root$libdir/$b.new" "$root$libdir/$b"
    record "file $libdir/$b"
done

# Links $dir/$name -> $libdir/$bin. A file there that we did not install is moved aside to
# $name.$suffix once (a second install finds it recorded and leaves it).
link() {
    local dir=$1 name=$2 bin=$3 suffix=$4 rel=${1#"$root"}/$2
    if { [ -e "$dir/$name" ] || [ -L "$dir/$name" ]; } && ! recorded "file $rel"; then
        [ -e "$dir/$name.$suffix" ] && die "$dir/$name exists and so does its backup $name.$suffix: move one of them away first"
        mv "$dir/$name" "$dir/$name.$suffix"
        record "backup $rel $rel.$suffix"
    fi
    ln -sfn "$libdir/$bin" "$dir/$name"
    record "file $rel"
}

for pair in "${heartbeat_links[@]}"; do link "$rscdir" "${pair%%:*}" "${pair#*:}" orig; done
for pair in "${ocf_links[@]}"; do link "$ocfdir" "${pair%%:*}" "${pair#*:}" orig; done
if [ "$as_ipaddr" = yes ]; then
    link "$rscdir" IPaddr VIPaddr heartbeat
fi
note=
[ "$as_ipaddr" = yes ] && note=" (IPaddr -> VIPaddr)"
echo "install.sh: installed ${binaries[*]} from $target into ${root:-/}$libdir$note"
