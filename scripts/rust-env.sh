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
