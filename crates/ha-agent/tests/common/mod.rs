//! Runs the example Dummy agent as a real process, in a private sandbox of directories.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The built `examples/dummy` binary (built on first use if `cargo test` did not build it).
/// The Dummy example (examples get no `CARGO_BIN_EXE_`; `cargo test` builds them).
pub fn dummy_bin() -> PathBuf {
    testbins::example("dummy")
}

/// Private run, state and config directories, and a clean environment.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("etc")).expect("etc dir");
        Sandbox { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A state file path inside the sandbox, as a string.
    pub fn state(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    /// A command for the dummy with only PATH and the sandbox's MFS_HA_* variables set.
    pub fn dummy(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(dummy_bin());
        cmd.args(args)
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("MFS_HA_RUN_DIR", self.path("run"))
            .env("MFS_HA_STATE_DIR", self.path("state"))
            .env("MFS_HA_CONFIG_DIR", self.path("etc"));
        cmd
    }

    /// The dummy as Pacemaker calls it: instance `d1`, the given `OCF_RESKEY_*` parameters.
    pub fn ocf(&self, action: &str, params: &[(&str, &str)]) -> Command {
        let mut cmd = self.dummy(&[action]);
        cmd.env("OCF_ROOT", "/usr/lib/ocf")
            .env("OCF_RESOURCE_INSTANCE", "d1")
            .env("OCF_RESKEY_CRM_meta_timeout", "20000");
        for (name, value) in params {
            cmd.env(format!("OCF_RESKEY_{name}"), value);
        }
        cmd
    }

    /// The dummy as heartbeat calls it: `HA_CURHOST` set, arguments then the operation.
    pub fn heartbeat(&self, args: &[&str]) -> Command {
        let mut cmd = self.dummy(args);
        cmd.env("HA_CURHOST", "hbx-a")
            .env("OCF_ROOT", "/usr/lib/ocf");
        cmd
    }

    /// Every flight-recorder line so far.
    pub fn records(&self) -> Vec<serde_json::Value> {
        let path = self.path("state").join("flight").join("Dummy.jsonl");
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("record is JSON"))
            .collect()
    }
}

/// Runs `cmd`; returns exit code, stdout and stderr.
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let out: Output = cmd.output().expect("spawn dummy");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn code(cmd: &mut Command) -> i32 {
    run(cmd).0
}

/// True under CI=true, where missing tools are failures, not skips.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}
