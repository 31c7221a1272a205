# Sourced by the benchmarks in scripts/bench/: what they share. Each script sets BENCH (its
# name for messages) first. Not a benchmark itself.

# shellcheck source=../lib/rust-env.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/rust-env.sh"

PY=/usr/bin/python3

die() {
    printf '%s: %s\n' "$BENCH" "$*" >&2
    exit 1
}

# need_root WHY: exits unless root.
need_root() {
    [ "$(id -u)" -eq 0 ] || die "needs root ($1)"
}

# need_tools "TOOL..." "PACKAGES": exits naming the packages when a tool is missing.
need_tools() {
    local tool
    for tool in $1; do
        command -v "$tool" >/dev/null || die "$tool missing: apt-get install -y $2"
    done
}

# bench_binaries CARGO-ARGS...: builds them as operators install them (PROFILE=release, the
# default: the static release build of scripts/lib/rust-env.sh) or as a debug build
# (PROFILE=debug, quicker); sets BIN to their directory.
bench_binaries() {
    require_cargo "$BENCH"
    if [ "${PROFILE:-release}" = release ]; then
        build_release --quiet "$@"
        BIN=$(release_dir)
    else
        cargo build --quiet "$@"
        BIN=$(release_dir)/../../debug
    fi
}

# lab_mfsmaster_config DIR: a MooseFS master configuration on 127.0.0.1 with its data under
# DIR (DIR/etc/mfsmaster.cfg, DIR/data with an empty metadata file owned by mfs).
lab_mfsmaster_config() {
    local lab=$1
    mkdir -p "$lab/etc" "$lab/data"
    cat >"$lab/etc/mfsmaster.cfg" <<CFG
DATA_PATH = $lab/data
EXPORTS_FILENAME = $lab/etc/mfsexports.cfg
TOPOLOGY_FILENAME = $lab/etc/mfstopology.cfg
MATOML_LISTEN_HOST = 127.0.0.1
MATOCS_LISTEN_HOST = 127.0.0.1
MATOCL_LISTEN_HOST = 127.0.0.1
CFG
    echo '127.0.0.1 / rw,alldirs,admin,maproot=0:0' >"$lab/etc/mfsexports.cfg"
    : >"$lab/etc/mfstopology.cfg"
    chown mfs:mfs "$lab/data"
    install -o mfs -g mfs -m 640 /var/lib/mfs/metadata.mfs.empty "$lab/data/metadata.mfs"
}
