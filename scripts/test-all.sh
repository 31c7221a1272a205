#!/usr/bin/env bash
# The test command of mfs-ha: installs what the tests need, then format check, clippy, tests.
#
#   bash scripts/test-all.sh          (as root on Debian 12 with a Rust toolchain; CI runs it too)
#
# Exits non-zero on any failure. Under CI=true nothing is skipped: a missing tool is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/rust-env.sh
. scripts/packages.sh

# Debian packages the tests need, installed when missing (scripts/packages.sh). Add a package
# here with the tests that need it.
APT_PACKAGES=(
    resource-agents # ocf-tester, ra-api-1.dtd, metadata.rng: crates/ha-agent meta-data and OCF tests
    libxml2-utils   # xmllint: crates/ha-agent meta-data validation
    e2fsprogs       # mkfs.ext4: crates/drbd-sim root tests (a real ext4 on the simulated device)
    util-linux      # losetup, blockdev, unshare: crates/drbd-sim root tests
    mount           # mount, umount: crates/drbd-sim root tests
    heartbeat       # /usr/share/heartbeat/ResourceManager: crates/agents system tests; the daemon
                    # itself runs only inside the failover lab's namespaces (tests/tests/failover_lab.rs)
    iproute2        # ip netns, veth: crates/agents system tests (MooseFS and VIPaddr labs)
    moosefs-master moosefs-metalogger moosefs-chunkserver moosefs-client moosefs-cgiserv moosefs-cli
                    # real MooseFS 3.0: crates/agents mfsmaster system tests (daemons run in a
                    # network namespace the test made; the distro services never start)
    python3         # a second process holding an fcntl lock (mfsmaster unit test); the lab's checks
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

require_rust
install_packages test-all "${APT_PACKAGES[@]}"
say "$(cargo --version), $(rustc --version)"

say "cargo fmt --all -- --check"
cargo fmt --all -- --check

say "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

say "cargo test --workspace"
run_tests
