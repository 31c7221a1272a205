//! For tests only: the workspace's binaries built before the tests ran.
//!
//! A test never runs `cargo build` (that nests cargo, races other test binaries for the
//! build lock and hides build errors in a test failure). Binaries of the test's own package
//! come from `env!("CARGO_BIN_EXE_<name>")`; those of other packages from here, found in the
//! test's own profile directory (`target/<profile>/`). `cargo test --workspace` builds them
//! all; a narrower run needs them built first, and a missing one fails with the command:
//! `cargo build --workspace --bins --examples` (what `scripts/test-all.sh` runs first).

use std::path::{Path, PathBuf};

/// `target/<profile>` of the running test binary (`target/<profile>/deps/<test>`).
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .and_then(Path::parent)
        .expect("test binary under target/<profile>/deps")
        .to_path_buf()
}

/// A workspace binary built in this profile; panics naming the build command when missing.
pub fn bin(name: &str) -> PathBuf {
    present(profile_dir().join(name))
}

/// `target/<host triple>/release`: the static release build operators install, made by
/// `build_release` of scripts/lib/rust-env.sh (`scripts/test-all.sh` runs it before the tests).
pub fn release_dir() -> PathBuf {
    let triple = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    profile_dir()
        .parent()
        .expect("target directory above the profile directory")
        .join(triple)
        .join("release")
}

/// A workspace example built in this profile (`target/<profile>/examples/<name>`).
pub fn example(name: &str) -> PathBuf {
    present(profile_dir().join("examples").join(name))
}

/// The profile directory after checking that every binary in `names` is there.
pub fn dir_with(names: &[&str]) -> PathBuf {
    for name in names {
        bin(name);
    }
    profile_dir()
}

fn present(path: PathBuf) -> PathBuf {
    if !path.is_file() {
        panic!("{}", missing_message(&path));
    }
    path
}

fn missing_message(path: &Path) -> String {
    let release = path
        .ancestors()
        .any(|a| a.file_name().is_some_and(|n| n == "release"));
    let flag = if release { " --release" } else { "" };
    format!(
        "{} is missing: build the workspace's binaries first with \
         `cargo build{flag} --workspace --bins --examples` (scripts/test-all.sh does)",
        path.display()
    )
}

/// A scratch directory `/tmp/<prefix>-<pid>-XXXXXX` for one test, removed when dropped (also
/// when the test fails): the prefix names the test, the pid tells concurrent runs apart.
pub fn scratch(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("{prefix}-{}-", std::process::id()))
        .tempdir()
        .unwrap_or_else(|e| panic!("scratch directory {prefix}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_binary_names_the_build_command() {
        let msg = missing_message(Path::new("/w/target/debug/drbd-sim"));
        assert!(
            msg.starts_with("/w/target/debug/drbd-sim is missing"),
            "{msg}"
        );
        assert!(
            msg.contains("`cargo build --workspace --bins --examples`"),
            "{msg}"
        );
        let rel = missing_message(Path::new("/w/target/release/examples/dummy"));
        assert!(rel.contains("`cargo build --release --workspace"), "{rel}");
        let caught = std::panic::catch_unwind(|| bin("no-such-binary-mfsha"));
        assert!(caught.is_err());
    }

    #[test]
    fn the_profile_directory_holds_the_deps_directory() {
        assert!(profile_dir().join("deps").is_dir());
    }
}
