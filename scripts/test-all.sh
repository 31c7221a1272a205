#!/usr/bin/env bash
# The test command of mfs-ha: installs what the tests need, then format check, clippy, tests.
#
#   bash scripts/test-all.sh          (as root on Debian 12 with a Rust toolchain; CI runs it too)
#
# Exits non-zero on any failure. Under CI=true nothing is skipped: a missing tool is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/rust-env.sh
. scripts/lib/packages.sh

# Debian packages the tests need, installed when missing (scripts/lib/packages.sh). Add a package
# here with the tests that need it.
APT_PACKAGES=(
    resource-agents # ocf-tester, ra-api-1.dtd, metadata.rng: crates/ha-agent meta-data and OCF tests
    libxml2-utils   # xmllint: crates/ha-agent meta-data validation
    e2fsprogs       # mkfs.ext4: crates/drbd-sim root tests (a real ext4 on the simulated device)
    util-linux      # losetup, blockdev, unshare: crates/drbd-sim root tests; unshare, nsenter:
                    # Initdrbd's other-mount-namespace test (and the agent's own nsenter --mount)
    mount           # mount, umount: crates/drbd-sim root tests
    heartbeat       # /usr/share/heartbeat/ResourceManager: crates/agents system tests; the daemon
                    # itself runs only inside the failover lab's namespaces (tests/tests/failover_lab.rs)
    iproute2        # ip netns, veth: crates/agents system tests (MooseFS and VIPaddr labs)
    moosefs-master moosefs-metalogger moosefs-chunkserver moosefs-client moosefs-cgiserv moosefs-cli
                    # real MooseFS 3.0: crates/agents mfsmaster system tests (daemons run in a
                    # network namespace the test made; the distro services never start)
    python3         # a second process holding an fcntl lock (mfsmaster unit and fault tests); the lab's checks;
                    # the campaign's writer, sampler and fence device (tests/tests/campaign_lab.rs)
    cluster-glue    # heartbeat's STONITH plugins (external.so) for the lab's fence device:
                    # tests/tests/campaign_lab.rs (heartbeat depends on it; listed for the test)
    dpkg-dev        # dpkg-shlibdeps, dpkg-architecture: cargo-deb (tests/tests/debian_packages.rs)
    binutils        # strip, objcopy: cargo-deb's stripped binaries and mfs-ha-dbgsym
    lintian         # scripts/packaging/build-deb.sh --lintian (tests/tests/debian_packages.rs)
    man-db          # man --warnings -l on every packaged manual page (debian_packages)
    pacemaker-cli-utils # cibadmin on a CIB file: DRBD's fence-peer handler for Pacemaker
                    # (tests/tests/pacemaker_fencing.rs; no cluster is started)
    corosync pacemaker crmsh
                    # the Pacemaker lab (tests/tests/pacemaker_lab.rs): corosync 3 + Pacemaker 2.1
                    # inside the lab's boxes (the distro services never start); crmsh loads the
                    # configuration of docs/pacemaker.md with `crm configure load update`
    prometheus      # promtool check metrics: crates/mfs-ha/tests/metrics_cli.rs (the service is not started)
)
# rustup brings rustc and cargo but links with the system C compiler.
command -v cc >/dev/null || APT_PACKAGES+=(gcc libc6-dev)

say() { printf '==> %s\n' "$*"; }
die() { printf 'test-all: %s\n' "$*" >&2; exit 1; }

require_rust() {
    require_cargo test-all
    cargo fmt --version >/dev/null 2>&1 || die "rustfmt missing: rustup component add rustfmt"
    cargo clippy --version >/dev/null 2>&1 || die "clippy missing: rustup component add clippy"
}

# Runs `cargo test`, shows its output, then one summary line over all test binaries.
run_tests() {
    local log status
    log=$(mktemp)
    set +e
    cargo test --workspace --no-fail-fast --color never 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    set -e
    say "test summary"
    grep -E '^test result:' "$log" || true
    awk '/^test result:/ {
            for (i = 1; i < NF; i++) {
                if ($(i+1) ~ /^passed/)  p += $i
                if ($(i+1) ~ /^failed/)  f += $i
                if ($(i+1) ~ /^ignored/) s += $i
            }
         }
         END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
    rm -f "$log"
    return "$status"
}

# cargo-deb, pinned to the release scripts/packaging/build-deb.sh is written for (debian_packages test).
require_cargo_deb() {
    local want
    want=$(bash scripts/packaging/build-deb.sh --cargo-deb-version)
    if ! cargo deb --version 2>/dev/null | grep -F " $want" >/dev/null; then
        say "cargo install --locked cargo-deb --version $want"
        cargo install --locked --force cargo-deb --version "$want"
    fi
}

require_rust
install_packages test-all "${APT_PACKAGES[@]}"
require_cargo_deb
say "$(cargo --version), $(rustc --version)"

say "cargo fmt --all -- --check"
cargo fmt --all -- --check

say "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

# The crates' API docs (their READMEs point to them): no broken or private links.
say "cargo doc --workspace --no-deps (warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

# Tests never run cargo themselves: the binaries they drive (agents, drbd-sim, the watchdog,
# mfs-ha, the Dummy example) are built here first (crates/testbins finds them).
say "cargo build --workspace --bins --examples"
cargo build --workspace --bins --examples
# The static release build operators install (scripts/lib/rust-env.sh): debian_packages
# packages it with build-deb.sh --no-build, the static-agent checks run it.
say "static release build (target/$(release_triple)/release)"
build_release --workspace --bins

say "cargo test --workspace"
run_tests
