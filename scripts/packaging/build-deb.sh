#!/usr/bin/env bash
# Builds the Debian packages of mfs-ha with cargo-deb (see docs/packaging.md).
#
#   bash scripts/packaging/build-deb.sh [--no-build] [--deb-version V] [--output DIR] [--lintian] [--quick]
#
#   mfs-ha         the agents, drbd-status, mfs-ha, manual pages, defaults files, examples
#   mfs-ha-ipaddr  heartbeat's IPaddr diverted, VIPaddr in its place
#
# Default output: target/debian/ (also mfs-ha-dbgsym, the debug symbols). --no-build packages
# the release binaries already built (scripts/packaging/build-deb.sh --build-only builds them); --deb-version sets the Debian version (e.g. 0.1.0-2);
# --lintian runs lintian on the packages and fails on any error or warning; --quick (tests)
# strips the binaries instead of making mfs-ha-dbgsym and compresses lightly. The packaging is
# configured in crates/agents/Cargo.toml [package.metadata.deb]. Prints the built files.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/rust-env.sh

# The cargo-deb release the packaging is written for (test-all.sh installs it when missing).
CARGO_DEB_VERSION=3.8.0

die() {
    echo "build-deb.sh: $*" >&2
    exit 1
}

build=yes
deb_version=
output=${CARGO_TARGET_DIR:-$PWD/target}/debian
lintian=no
quick=no
while [ $# -gt 0 ]; do
    case $1 in
    --no-build) build=no && shift ;;
    --deb-version)
        [ $# -ge 2 ] || die "--deb-version needs a version, e.g. 0.1.0-2"
        deb_version=$2
        shift 2
        ;;
    --output)
        [ $# -ge 2 ] || die "--output needs a directory"
        output=$2
        shift 2
        ;;
    --lintian) lintian=yes && shift ;;
    --quick) quick=yes && shift ;;
    --cargo-deb-version)
        echo "$CARGO_DEB_VERSION"
        exit 0
        ;;
    -h | --help)
        sed -n '2,13s/^# \{0,1\}//p' "$0"
        exit 0
        ;;
    *) die "unknown argument '$1' (see --help)" ;;
    esac
done

require_cargo build-deb.sh
have=$(cargo deb --version 2>/dev/null || true)
case $have in
*" $CARGO_DEB_VERSION"*) ;;
"") die "cargo-deb is not installed: cargo install --locked cargo-deb --version $CARGO_DEB_VERSION" ;;
*) die "found '$have', the packaging is written for cargo-deb $CARGO_DEB_VERSION: cargo install --locked --force cargo-deb --version $CARGO_DEB_VERSION" ;;
esac
command -v dpkg-deb >/dev/null || die "dpkg-deb not found: build on Debian or Ubuntu"

if [ "$build" = yes ]; then
    # Every binary of the workspace in one build: a new binary in the package is then one
    # asset line in crates/agents/Cargo.toml, nothing here. The static release build operators
    # install (scripts/lib/rust-env.sh); cargo-deb reads it from target/<triple>/release.
    build_release --workspace --bins
fi

mkdir -p "$output"
rm -f "$output"/mfs-ha_*.deb "$output"/mfs-ha-ipaddr_*.deb "$output"/mfs-ha-dbgsym_*.ddeb
deb_args=(-p agents --no-build --locked --target "$(release_triple)" --output "$output")
[ -z "$deb_version" ] || deb_args+=(--deb-version "$deb_version")
if [ "$quick" = yes ]; then
    deb_args+=(--fast)
    cargo deb "${deb_args[@]}" --strip >/dev/null
else
    cargo deb "${deb_args[@]}" --dbgsym >/dev/null
fi
cargo deb "${deb_args[@]}" --variant ipaddr >/dev/null

# Three things cargo-deb 3.8 cannot be told, done with dpkg-deb on the built package:
# - it lists every file under /etc as a conffile, symlinks too. A symlink cannot be a conffile
#   (dpkg would keep the links into /etc/ha.d/resource.d after 'apt remove', pointing at removed
#   binaries), so symlinks come off the list;
# - its short description is the crate's for every variant: mfs-ha-ipaddr gets its own;
# - it writes no md5sums, which debsums and 'dpkg --verify' read;
# - a static binary gives dpkg-shlibdeps no libc6 dependency (the glibc pin below).
finish_package() {
    local deb=$1 synopsis=$2 depends=${3:-} dir
    dir=$(mktemp -d)
    dpkg-deb -R "$deb" "$dir/root"
    local control=$dir/root/DEBIAN conffiles=$dir/root/DEBIAN/conffiles
    if [ -f "$conffiles" ]; then
        local path kept=()
        while IFS= read -r path; do
            [ -L "$dir/root$path" ] || kept+=("$path")
        done <"$conffiles"
        if [ "${#kept[@]}" -gt 0 ]; then
            printf '%s\n' "${kept[@]}" >"$conffiles"
        else
            rm -f "$conffiles"
        fi
    fi
    [ -z "$synopsis" ] || sed -i "s/^Description: .*/Description: $synopsis/" "$control/control"
    if [ -z "$depends" ]; then
        :
    elif grep -q '^Depends: *[^ ]' "$control/control"; then
        sed -i "s/^Depends: *\(.*\)/Depends: $depends, \1/" "$control/control"
    elif grep -q '^Depends:' "$control/control"; then
        # static binaries: cargo-deb's $auto found no shared library and left the field empty
        sed -i "s/^Depends:.*/Depends: $depends/" "$control/control"
    else
        sed -i "/^Architecture:/a Depends: $depends" "$control/control"
    fi
    (cd "$dir/root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
        LC_ALL=C sort -z | xargs -0r md5sum >DEBIAN/md5sums)
    local compress=(-Zxz)
    [ "$quick" = no ] || compress=(-Zgzip -z1)
    dpkg-deb --root-owner-group "${compress[@]}" -b "$dir/root" "$deb" >/dev/null
    rm -rf "$dir"
}

debs=("$output"/mfs-ha_*.deb "$output"/mfs-ha-ipaddr_*.deb)
for deb in "${debs[@]}"; do
    [ -f "$deb" ] || die "cargo-deb made no $deb"
done
# The static agents still load glibc's NSS modules (libnss_*.so.2) at run time for user and
# host names (mfsmaster's WORKING_USER, its INFO probe's host): those must come from the glibc
# release they were linked with, so mfs-ha depends on that release (docs/packaging.md).
glibc=$(ldd --version | sed -n '1s/.* \([0-9]*\.[0-9]*\)$/\1/p')
[ -n "$glibc" ] || die "cannot tell the glibc version (ldd --version)"
libc_depends="libc6 (>= $glibc), libc6 (<< ${glibc%.*}.$((${glibc#*.} + 1)))"
[ "$(release_triple)" = x86_64-unknown-linux-gnu ] || libc_depends=
finish_package "${debs[0]}" "" "$libc_depends"

finish_package "${debs[1]}" "make heartbeat's IPaddr the mfs-ha VIPaddr agent"

if [ "$lintian" = yes ]; then
    command -v lintian >/dev/null || die "lintian not found: apt-get install lintian"
    # Overrides, each with its reason, ship in the packages (packaging/lintian/).
    lintian --fail-on error,warning --no-tag-display-limit "${debs[@]}"
fi
for file in "${debs[@]}" "$output"/mfs-ha-dbgsym_*.ddeb; do
    [ ! -f "$file" ] || echo "$file"
done
