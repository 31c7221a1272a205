# Sourced by the scripts: puts rustup's cargo on PATH, or explains in one line how to get it.
# rustup installs into ~/.cargo/bin, which a non-login shell may not have on PATH.

if ! command -v cargo >/dev/null && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi

# Exits 1 with the install hint when cargo is missing; $1 names the calling script.
require_cargo() {
    command -v cargo >/dev/null && return 0
    echo "$1: cargo not found: install Rust with rustup (https://rustup.rs: curl --proto '=https' -sSf https://sh.rustup.rs | sh -s -- -y), then open a new shell" >&2
    exit 1
}

# --- the release build operators install ---------------------------------------------------
# install.sh --build, packaging/build-deb.sh and the benchmarks build the binaries one way: on
# x86_64 glibc a static-pie (`-C target-feature=+crt-static`): no dynamic loading and symbol
# binding at every start, which is a third of a monitor's cost (docs/benchmarks.md, "Monitors
# at the process floor"). `--target` keeps the flag off build scripts and proc-macros (which
# cannot be static) and puts the binaries in target/<triple>/release. Other hosts get the same
# layout with their usual dynamic build. RUSTFLAGS, when set, overrides the flag (cargo's rule).

# The host's target triple, e.g. x86_64-unknown-linux-gnu.
release_triple() {
    rustc -vV | sed -n 's/^host: //p'
}

# Where build_release puts the binaries (cargo's target directory, CARGO_TARGET_DIR honoured).
release_dir() {
    local target
    target=$(cargo metadata --format-version 1 --no-deps | sed 's/.*"target_directory":"\([^"]*\)".*/\1/')
    echo "$target/$(release_triple)/release"
}

# build_release CARGO-BUILD-ARGS...: `cargo build --release --target <host>` with the flag.
build_release() {
    local triple
    triple=$(release_triple)
    if [ "$triple" = x86_64-unknown-linux-gnu ]; then
        CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C target-feature=+crt-static" \
            cargo build --release --locked --target "$triple" "$@"
    else
        cargo build --release --locked --target "$triple" "$@"
    fi
}
