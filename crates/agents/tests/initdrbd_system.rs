//! Initdrbd end to end on drbd-sim (two nodes, a real ext4 loop device). Root only; under
//! CI=true they fail without root. Each test has its own `mfsha-idrbd-<pid>-` lab.

mod common;

use std::process::Command;

use common::heartbeat::{ResourceDir, RESOURCE_MANAGER};
use common::{root_or_skip, text, Lab};

fn status_line(out: &std::process::Output) -> String {
    text(&out.stdout).trim().to_string()
}

#[test]
fn start_status_stop_happy_path_with_heartbeat_texts() {
    if !root_or_skip("start_status_stop_happy_path_with_heartbeat_texts") {
        return;
    }
    let lab = Lab::new();
    let st = lab.agent("alpha", "status", &[]);
    assert_eq!(
        (st.status.code(), status_line(&st)),
        (Some(3), "stopped".into()),
        "{st:?}"
    );
    let start = lab.agent("alpha", "start", &[]);
    assert_eq!(start.status.code(), Some(0), "{start:?}");
    assert_eq!(lab.role("alpha"), "Primary/Secondary");
    assert_eq!(lab.mounts_at(&lab.mnt("alpha")), 1);
    let st = lab.agent("alpha", "status", &[]);
    assert_eq!(
        (st.status.code(), status_line(&st)),
        (Some(0), "running".into()),
        "{st:?}"
    );
    assert!(std::fs::write(format!("{}/metadata.mfs", lab.mnt("alpha")), "MFSM 2.0").is_ok());
    // Starting a running resource is success.
    assert_eq!(lab.agent("alpha", "start", &[]).status.code(), Some(0));
    // Deep monitors (OCF): read a block (10), write and read a status file (20).
    for level in ["10", "20"] {
        let mut cmd = lab.agent_ocf("alpha", "monitor");
        cmd.env("OCF_CHECK_LEVEL", level);
        let out = cmd.output().ok();
        assert_eq!(
            out.as_ref().and_then(|o| o.status.code()),
            Some(0),
            "level {level}: {out:?}"
        );
    }
    let stop = lab.agent("alpha", "stop", &[]);
    assert_eq!(stop.status.code(), Some(0), "{stop:?}");
    assert_eq!(lab.role("alpha"), "Secondary/Secondary");
    assert_eq!(lab.mounts_at(&lab.mnt("alpha")), 0);
    let st = lab.agent("alpha", "status", &[]);
    assert_eq!(
        (st.status.code(), status_line(&st)),
        (Some(3), "stopped".into())
    );
    // Failover: the peer starts and sees the data.
    let start = lab.agent("beta", "start", &[]);
    assert_eq!(start.status.code(), Some(0), "{start:?}");
    let data = std::fs::read_to_string(format!("{}/metadata.mfs", lab.mnt("beta")));
    assert_eq!(data.ok().as_deref(), Some("MFSM 2.0"));
    assert_eq!(lab.agent("beta", "stop", &[]).status.code(), Some(0));
}

#[test]
fn stop_on_a_stopped_node_succeeds() {
    if !root_or_skip("stop_on_a_stopped_node_succeeds") {
        return;
    }
    let lab = Lab::new();
    for _ in 0..2 {
        let out = lab.agent("beta", "stop", &[]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    }
    // Also when DRBD is down entirely on this node.
    lab.adm_ok("beta", &["down", "r0"]);
    let out = lab.agent("beta", "stop", &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let st = lab.agent("beta", "status", &[]);
    assert_eq!(
        (st.status.code(), status_line(&st)),
        (Some(3), "stopped".into())
    );
}

#[test]
fn a_primary_peer_is_refused_and_a_slow_demotion_is_waited_for() {
    if !root_or_skip("a_primary_peer_is_refused_and_a_slow_demotion_is_waited_for") {
        return;
    }
    let mut lab = Lab::new();
    lab.adm_ok("beta", &["primary", "r0"]);
    let out = lab.agent("alpha", "start", &[("promote_retries", "1")]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(text(&out.stderr).contains("the peer is Primary"), "{out:?}");
    assert_eq!(lab.role("alpha"), "Secondary/Primary");
    assert_eq!(lab.mounts_at(&lab.mnt("alpha")), 0);
    // The peer demotes slowly (1.5 s): start retries and wins.
    lab.sim_ok(&["set-demote-delay", "beta", "1500"]);
    let demote = match lab.adm_cmd("beta", &["secondary", "r0"]).spawn() {
        Ok(c) => lab.adopt(c),
        Err(e) => panic!("spawn drbdadm secondary: {e}"),
    };
    let out = lab.agent("alpha", "start", &[("promote_retries", "10")]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        text(&out.stderr).contains("attempt 1/10"),
        "no retry: {out:?}"
    );
    assert!(lab.wait_child(demote).is_some_and(|s| s.success()));
    assert_eq!(lab.role("alpha"), "Primary/Secondary");
    assert_eq!(lab.agent("alpha", "stop", &[]).status.code(), Some(0));
}

#[test]
fn outdated_and_inconsistent_disks_are_refused() {
    if !root_or_skip("outdated_and_inconsistent_disks_are_refused") {
        return;
    }
    let lab = Lab::new();
    lab.sim_ok(&["disconnect"]);
    for disk in ["Outdated", "Inconsistent"] {
        lab.sim_ok(&["set-disk", "alpha", disk]);
        let out = lab.agent("alpha", "start", &[]);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("local disk is {disk}, not UpToDate")),
            "{err}"
        );
        assert!(lab.role("alpha").starts_with("Secondary"));
        assert_eq!(lab.mounts_at(&lab.mnt("alpha")), 0);
    }
}

#[test]
fn a_split_brain_is_refused() {
    if !root_or_skip("a_split_brain_is_refused") {
        return;
    }
    let lab = Lab::new();
    lab.sim_ok(&["split-brain"]);
    let out = lab.agent("alpha", "start", &[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).contains("split brain suspected"),
        "{out:?}"
    );
    assert!(lab.role("alpha").starts_with("Secondary"));
}

#[test]
fn stop_kills_only_the_users_of_the_filesystem() {
    if !root_or_skip("stop_kills_only_the_users_of_the_filesystem") {
        return;
    }
    let mut lab = Lab::new();
    assert_eq!(lab.agent("alpha", "start", &[]).status.code(), Some(0));
    let inside = lab.sleeper(&lab.mnt("alpha"));
    let outside = lab.sleeper(&lab.dir.path().display().to_string());
    // force_unmount=false kills nothing and names the user.
    let out = lab.agent("alpha", "stop", &[("force_unmount", "false")]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let pid = format!("pid {}", lab.child_pid(inside));
    assert!(text(&out.stderr).contains(&pid), "{out:?}");
    assert!(!lab.child_exited(inside));
    let out = lab.agent("alpha", "stop", &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        lab.child_exited(inside),
        "the user of the filesystem was not killed"
    );
    assert!(
        !lab.child_exited(outside),
        "a process outside the filesystem was killed"
    );
    assert_eq!(lab.mounts_at(&lab.mnt("alpha")), 0);
    assert_eq!(lab.role("alpha"), "Secondary/Secondary");
}

#[test]
fn a_process_holding_the_device_is_named_when_demotion_fails() {
    if !root_or_skip("a_process_holding_the_device_is_named_when_demotion_fails") {
        return;
    }
    let mut lab = Lab::new();
    assert_eq!(lab.agent("alpha", "start", &[]).status.code(), Some(0));
    let device = match std::fs::File::open(lab.device("alpha")) {
        Ok(f) => f,
        Err(e) => panic!("open device: {e}"),
    };
    let holder = std::process::Command::new("sleep")
        .arg("60")
        .stdin(device)
        .spawn();
    let holder = match holder {
        Ok(c) => lab.adopt(c),
        Err(e) => panic!("spawn: {e}"),
    };
    let out = lab.agent("alpha", "stop", &[("timeout", "3")]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = text(&out.stderr);
    let named = format!("pid {} (sleep): opens the device", lab.child_pid(holder));
    assert!(err.contains("held open") && err.contains(&named), "{err}");
    // The holder was not on the filesystem: stop unmounted but did not kill it.
    assert!(!lab.child_exited(holder));
    assert_eq!(lab.mounts_at(&lab.mnt("alpha")), 0);
}

#[test]
fn concurrent_starts_are_serialised() {
    if !root_or_skip("concurrent_starts_are_serialised") {
        return;
    }
    let lab = Lab::new();
    let spawn = || lab.agent_cmd("alpha", "start", &[]).spawn();
    let (a, b) = match (spawn(), spawn()) {
        (Ok(a), Ok(b)) => (a, b),
        other => panic!("spawn: {other:?}"),
    };
    let (a, b) = (a.wait_with_output(), b.wait_with_output());
    assert_eq!(
        a.as_ref().ok().and_then(|o| o.status.code()),
        Some(0),
        "{a:?}"
    );
    assert_eq!(
        b.as_ref().ok().and_then(|o| o.status.code()),
        Some(0),
        "{b:?}"
    );
    assert_eq!(lab.mounts_at(&lab.mnt("alpha")), 1);
    assert_eq!(lab.agent("alpha", "stop", &[]).status.code(), Some(0));
}

#[test]
fn passes_ocf_tester() {
    if !root_or_skip("passes_ocf_tester") {
        return;
    }
    let tester = "/usr/sbin/ocf-tester";
    if !common::installed_or_skip(tester, "resource-agents libxml2-utils") {
        return;
    }
    let lab = Lab::new();
    let mut cmd = Command::new(tester);
    cmd.args(["-n", "idrbd"]);
    for o in [
        "drbd_resource=r0".to_string(),
        format!("device={}", lab.device("alpha")),
        format!("directory={}", lab.mnt("alpha")),
        format!("drbd_status_source={}", lab.proc_file("alpha")),
    ] {
        cmd.args(["-o", &o]);
    }
    cmd.arg(common::agent_bin());
    lab.agent_env(&mut cmd, "alpha");
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!("ocf-tester: {e}"),
    };
    let stdout = text(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("passed all tests"),
        "ocf-tester failed:\n{stdout}\n{}",
        text(&out.stderr)
    );
    assert_eq!(lab.mounts_at(&lab.mnt("alpha")), 0);
}

/// Heartbeat's own `/usr/share/heartbeat/ResourceManager status` (not the daemon: only the
/// script) on the agent installed in a private resource directory (`HA_RESOURCEDIR`; the
/// script reads /etc/ha.d/shellfuncs but writes nothing there). It matches the status text:
/// "running"/"OK" is owned (0), anything else, "not running" included, is not (3).
#[test]
fn heartbeat_resource_manager_honours_the_status() {
    if !root_or_skip("heartbeat_resource_manager_honours_the_status") {
        return;
    }
    let lab = Lab::new();
    let Some(resdir) =
        ResourceDir::with_agent(lab.path("resource.d"), &common::agent_bin(), "Initdrbd")
    else {
        return;
    };
    let resource = format!(
        "Initdrbd::r0::{}::{}",
        lab.device("alpha"),
        lab.mnt("alpha")
    );
    let rm_status = || {
        let mut cmd = Command::new(RESOURCE_MANAGER);
        cmd.args(["status", &resource]);
        lab.agent_env(&mut cmd, "alpha");
        resdir.run(cmd)
    };
    let out = rm_status();
    assert_eq!(out.status.code(), Some(3), "stopped: {out:?}");
    assert_eq!(lab.agent("alpha", "start", &[]).status.code(), Some(0));
    let out = rm_status();
    assert_eq!(out.status.code(), Some(0), "Primary and mounted: {out:?}");
    // A failed state: Primary but not mounted (what a failed stop leaves). The agent says why,
    // and Heartbeat counts it as running: after a failed stop it then reboots the node (which
    // releases DRBD for the peer) instead of handing over a resource the peer cannot promote.
    let umount = common::run("umount", &[&lab.mnt("alpha")]);
    assert!(umount.status.success(), "{umount:?}");
    assert_eq!(lab.role("alpha"), "Primary/Secondary");
    let own = lab.agent("alpha", "status", &[]);
    assert_ne!(own.status.code(), Some(0), "{own:?}");
    assert_ne!(own.status.code(), Some(3), "{own:?}");
    let out = rm_status();
    assert_eq!(
        out.status.code(),
        Some(0),
        "Primary, not mounted ({}): {out:?}",
        status_line(&own)
    );
    lab.adm_ok("alpha", &["secondary", "r0"]);
    let out = rm_status();
    assert_eq!(out.status.code(), Some(3), "stopped again: {out:?}");
}
