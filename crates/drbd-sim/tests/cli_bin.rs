//! The installed binary as agents meet it (no root needed: `--no-devices`): dispatch on the
//! name it runs as, node identity from the environment, and atomic calls from both nodes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Lab {
    dir: tempfile::TempDir,
    bin: PathBuf,
}

impl Lab {
    fn new() -> Lab {
        let dir = testbins::scratch("mfsha-sim");
        let bin = dir.path().join("bin");
        let lab = Lab { dir, bin };
        let out = lab.sim(&["install-links", &lab.bin.display().to_string()]);
        assert!(out.status.success(), "{out:?}");
        lab
    }

    fn state_dir(&self) -> &Path {
        self.dir.path()
    }

    fn sim(&self, args: &[&str]) -> Output {
        let r = Command::new(env!("CARGO_BIN_EXE_drbd-sim"))
            .args(args)
            .env("DRBD_SIM_DIR", self.state_dir())
            .output();
        match r {
            Ok(o) => o,
            Err(e) => panic!("drbd-sim {args:?}: {e}"),
        }
    }

    fn tool(&self, tool: &str, node: &str) -> Command {
        let mut c = Command::new(self.bin.join(tool));
        c.env("DRBD_SIM_DIR", self.state_dir())
            .env("DRBD_SIM_NODE", node);
        c
    }

    fn run(&self, tool: &str, node: &str, args: &[&str]) -> Output {
        match self.tool(tool, node).args(args).output() {
            Ok(o) => o,
            Err(e) => panic!("{tool} {args:?}: {e}"),
        }
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn dispatches_on_the_name_it_runs_as() {
    let lab = Lab::new();
    let out = lab.sim(&["init", "--no-devices", "--nodes", "alpha,beta", "--up"]);
    assert!(out.status.success(), "{out:?}");
    let role = lab.run("drbdadm", "alpha", &["role", "r0"]);
    assert_eq!(
        (text(&role.stdout), role.status.code()),
        ("Secondary/Secondary\n".to_string(), Some(0))
    );
    let setup = lab.run("drbdsetup-84", "alpha", &["cstate", "1"]);
    assert_eq!(text(&setup.stdout), "Connected\n");
    let via_sim = Command::new(env!("CARGO_BIN_EXE_drbd-sim"))
        .args(["drbdadm", "sh-minor", "r0"])
        .env("DRBD_SIM_DIR", lab.state_dir())
        .env("DRBD_SIM_NODE", "beta")
        .output();
    assert_eq!(
        via_sim.map(|o| text(&o.stdout)).ok(),
        Some("1\n".to_string())
    );
}

#[test]
fn seed_error_through_the_binary() {
    let lab = Lab::new();
    assert!(lab
        .sim(&[
            "init",
            "--no-devices",
            "--nodes",
            "mfs-master,mfs-bak",
            "--up",
            "--primary",
            "mfs-master"
        ])
        .status
        .success());
    let out = lab.run("drbdadm", "mfs-bak", &["primary", "all"]);
    assert_eq!(out.status.code(), Some(11));
    assert_eq!(
        text(&out.stderr),
        "1: State change failed: (-1) Multiple primaries not allowed by config\n\
         Command 'drbdsetup-84 primary 1' terminated with exit code 11\n"
    );
    let proc_text =
        std::fs::read_to_string(lab.state_dir().join("mfs-bak/proc_drbd")).unwrap_or_default();
    assert!(proc_text.contains("ro:Secondary/Primary"), "{proc_text}");
}

#[test]
fn without_state_directory_the_tools_say_what_to_set() {
    let lab = Lab::new();
    let out = match Command::new(lab.bin.join("drbdadm"))
        .args(["role", "r0"])
        .env_remove("DRBD_SIM_DIR")
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(out.status.code(), Some(20));
    assert!(
        text(&out.stderr).contains("DRBD_SIM_DIR is not set"),
        "{out:?}"
    );
}

#[test]
fn concurrent_promotions_from_both_nodes_leave_one_primary() {
    let lab = Lab::new();
    assert!(lab
        .sim(&["init", "--no-devices", "--nodes", "alpha,beta", "--up"])
        .status
        .success());
    let mut children = Vec::new();
    for i in 0..6 {
        let node = if i % 2 == 0 { "alpha" } else { "beta" };
        // Start them all before waiting for any, so they race for the lock.
        let spawned = lab
            .tool("drbdadm", node)
            .args(["primary", "r0"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        match spawned {
            Ok(c) => children.push((node, c)),
            Err(e) => panic!("spawn: {e}"),
        }
    }
    let mut winners = Vec::new();
    for (node, mut c) in children {
        match c.wait() {
            Ok(s) if s.success() => winners.push(node),
            Ok(s) => assert_eq!(s.code(), Some(11)),
            Err(e) => panic!("wait: {e}"),
        }
    }
    winners.dedup();
    assert_eq!(winners.len(), 1, "{winners:?}");
    let a = text(&lab.run("drbdadm", "alpha", &["role", "r0"]).stdout);
    let b = text(&lab.run("drbdadm", "beta", &["role", "r0"]).stdout);
    let primaries = [&a, &b]
        .iter()
        .filter(|r| r.starts_with("Primary/"))
        .count();
    assert_eq!(primaries, 1, "{a} {b}");
}

#[test]
fn show_prints_json_with_views() {
    let lab = Lab::new();
    assert!(lab.sim(&["init", "--no-devices", "--up"]).status.success());
    assert!(lab
        .sim(&["start-resync", "b", "--percent", "40"])
        .status
        .success());
    let out = lab.sim(&["show"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(v["views"]["r0"]["b"]["cs"], "SyncTarget");
    assert_eq!(v["views"]["r0"]["a"]["ds"], "UpToDate/Inconsistent");
    let p = lab.sim(&["proc", "b"]);
    assert!(text(&p.stdout).contains("sync'ed:"), "{p:?}");
    assert!(lab.sim(&["finish-resync"]).status.success());
    let out = lab.sim(&["show"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(v["views"]["r0"]["b"]["cs"], "Connected");
}

#[test]
fn control_commands_drive_the_cluster() {
    let lab = Lab::new();
    assert!(lab
        .sim(&["init", "--no-devices", "--up", "--primary", "a"])
        .status
        .success());
    assert!(lab.sim(&["partition"]).status.success());
    assert_eq!(
        text(&lab.run("drbdadm", "b", &["cstate", "r0"]).stdout),
        "WFConnection\n"
    );
    assert!(lab.sim(&["set-disk", "b", "Outdated"]).status.success());
    let out = lab.run("drbdadm", "b", &["primary", "r0"]);
    assert_eq!(out.status.code(), Some(17), "{out:?}");
    assert!(lab.sim(&["heal"]).status.success());
    assert_eq!(
        text(&lab.run("drbdadm", "b", &["dstate", "r0"]).stdout),
        "UpToDate/UpToDate\n"
    );
    assert!(lab
        .sim(&["set-peer-demote-delay", "300", "--node", "b"])
        .status
        .success());
    let t = std::time::Instant::now();
    assert!(lab
        .run("drbdadm", "a", &["secondary", "r0"])
        .status
        .success());
    assert!(t.elapsed() >= std::time::Duration::from_millis(300));
    assert!(lab.sim(&["make-primary", "a"]).status.success());
    assert!(lab.sim(&["set-open", "a", "yes"]).status.success());
    assert_eq!(
        lab.run("drbdadm", "a", &["secondary", "r0"]).status.code(),
        Some(11)
    );
    assert!(lab.sim(&["set-open", "a", "no"]).status.success());
    assert!(lab.sim(&["split-brain"]).status.success());
    assert_eq!(
        text(&lab.run("drbdadm", "a", &["cstate", "r0"]).stdout),
        "StandAlone\n"
    );
    let bad = lab.sim(&["set-disk", "z", "Outdated"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("z is not a node of r0"),
        "{bad:?}"
    );
    assert!(lab.sim(&["destroy"]).status.success());
    assert!(!lab.state_dir().join("state.json").exists());
}

#[test]
fn events2_follow_prints_changes() {
    let lab = Lab::new();
    assert!(lab.sim(&["init", "--no-devices", "--up"]).status.success());
    let child = lab
        .tool("drbdsetup", "a")
        .args(["events2", "r0"])
        .stdout(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => panic!("spawn: {e}"),
    };
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert!(lab.run("drbdadm", "a", &["primary", "r0"]).status.success());
    std::thread::sleep(std::time::Duration::from_millis(600));
    let _ = child.kill();
    let out = match child.wait_with_output() {
        Ok(o) => o,
        Err(e) => panic!("wait: {e}"),
    };
    let t = text(&out.stdout);
    assert!(t.contains("exists -\n"), "{t}");
    assert!(t.contains("change resource name:r0 role:Primary\n"), "{t}");
}
