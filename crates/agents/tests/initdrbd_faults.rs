//! Initdrbd under faults (issue 11): a start either completes or leaves nothing behind, a stop
//! is truthful, promotion waits only for what can change and only within the deadline. Root
//! only (drbd-sim with ext4 on a loop device); under CI=true they fail without root.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{agent_bin, root_or_skip, text, Lab};

fn rc(out: &std::process::Output) -> Option<i32> {
    out.status.code()
}

/// Checks that must not leave the node Primary: each fails, and alpha is still Secondary.
#[test]
fn a_failing_start_leaves_the_node_secondary_and_unmounted() {
    if !root_or_skip("a_failing_start_leaves_the_node_secondary_and_unmounted") {
        return;
    }
    let lab = Lab::new();
    let file = lab.path("plain-file");
    assert!(std::fs::write(&file, "x").is_ok());
    let under_file = file.join("sub").display().to_string();
    // Refused before promoting.
    let mut cmd = Command::new(agent_bin());
    cmd.args([
        "r0",
        &file.display().to_string(),
        &lab.mnt("alpha"),
        "start",
    ]);
    lab.agent_env(&mut cmd, "alpha");
    let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rc(&out), Some(6), "{out:?}");
    assert!(
        text(&out.stderr).contains("is not a block device"),
        "{out:?}"
    );
    assert_eq!(lab.role("alpha"), "Secondary/Secondary");
    let mut cmd = Command::new(agent_bin());
    cmd.args(["r0", &lab.device("alpha"), &under_file, "start"]);
    lab.agent_env(&mut cmd, "alpha");
    let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rc(&out), Some(1), "{out:?}");
    assert!(text(&out.stderr).contains("cannot create"), "{out:?}");
    assert_eq!(lab.role("alpha"), "Secondary/Secondary");
    // A device node that does not exist (a wrong device=): refused at once, not after
    // promoting and waiting 10 s for it.
    let missing = lab.path("alpha").join("dev/drbd9").display().to_string();
    let mut cmd = Command::new(agent_bin());
    cmd.args(["r0", &missing, &lab.mnt("alpha"), "start"]);
    lab.agent_env(&mut cmd, "alpha");
    let began = Instant::now();
    let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rc(&out), Some(1), "{out:?}");
    assert!(text(&out.stderr).contains("No such file"), "{out:?}");
    assert!(began.elapsed() < Duration::from_secs(3));
    assert_eq!(lab.role("alpha"), "Secondary/Secondary");
    let out = lab.agent("alpha", "start", &[("fstype", "nosuchfs")]);
    assert_eq!(rc(&out), Some(6), "{out:?}");
    assert!(
        text(&out.stderr).contains("not known to this kernel"),
        "{out:?}"
    );
    assert_eq!(lab.role("alpha"), "Secondary/Secondary");
    // Found only after promoting: rolled back inside the start, and the reason says so.
    for (param, value, says) in [
        ("fstype", "xfs", "holds ext4"),
        ("options", "nosuchoption", "nosuchoption"),
    ] {
        let out = lab.agent("alpha", "start", &[(param, value)]);
        let err = text(&out.stderr);
        assert_ne!(rc(&out), Some(0), "{param}={value}: {out:?}");
        assert!(err.contains(says), "{param}={value}: {err}");
        assert!(
            err.contains("rolled back: r0 demoted to Secondary"),
            "{param}={value}: {err}"
        );
        assert_eq!(lab.role("alpha"), "Secondary/Secondary", "{param}={value}");
        assert_eq!(lab.mounts_at(&lab.mnt("alpha")), 0);
    }
    // The peer can take over at once.
    let out = lab.agent("beta", "start", &[]);
    assert_eq!(rc(&out), Some(0), "{out:?}");
    assert_eq!(lab.agent("beta", "stop", &[]).status.code(), Some(0));
}

/// A start that fails after promoting rolls back even while something holds the device for
/// a moment (the failed mount's own probe, udev, a racing `losetup --find`): the demotion is
/// retried within the budget, as stop's is, instead of leaving the node Primary.
#[test]
fn a_rollback_waits_out_a_holder_of_a_moment() {
    if !root_or_skip("a_rollback_waits_out_a_holder_of_a_moment") {
        return;
    }
    let mut lab = Lab::new();
    let holder = lab.hold_device("alpha", "1.5");
    let began = Instant::now();
    let out = lab.agent("alpha", "start", &[("options", "nosuchoption")]);
    let err = text(&out.stderr);
    assert_ne!(rc(&out), Some(0), "{out:?}");
    assert!(err.contains("nosuchoption"), "{err}");
    assert!(
        err.contains("rolled back: r0 demoted to Secondary"),
        "{err}"
    );
    assert!(
        began.elapsed() >= Duration::from_millis(800),
        "the start ended in {:?}, before the holder let go: the test held nothing",
        began.elapsed()
    );
    assert_eq!(lab.role("alpha"), "Secondary/Secondary");
    assert!(lab.wait_child(holder).is_some());
}

/// Fencing refuses promotion (-7): no amount of waiting changes that, so no retry.
#[test]
fn a_fencing_refusal_is_reported_at_once_not_retried() {
    if !root_or_skip("a_fencing_refusal_is_reported_at_once_not_retried") {
        return;
    }
    let lab = Lab::with_init(&["--fencing", "resource-only"]);
    lab.adm_ok("alpha", &["disconnect", "r0"]);
    let began = Instant::now();
    let out = lab.agent(
        "alpha",
        "start",
        &[("force", "true"), ("promote_retries", "10")],
    );
    let took = began.elapsed();
    let err = text(&out.stderr);
    assert_eq!(rc(&out), Some(1), "{out:?}");
    assert!(err.contains("(-7)") && err.contains("not retried"), "{err}");
    assert!(!err.contains("attempt 1/"), "retried: {err}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

/// The peer stays Primary: the wait ends at the deadline, and the reason says so (not "10
/// retries" after 2).
#[test]
fn the_promotion_wait_ends_at_the_deadline_and_says_so() {
    if !root_or_skip("the_promotion_wait_ends_at_the_deadline_and_says_so") {
        return;
    }
    let lab = Lab::new();
    lab.adm_ok("beta", &["primary", "r0"]);
    let began = Instant::now();
    let out = lab.agent(
        "alpha",
        "start",
        &[("promote_retries", "10"), ("timeout", "4")],
    );
    let took = began.elapsed();
    let err = text(&out.stderr);
    assert_eq!(rc(&out), Some(1), "{out:?}");
    assert!(err.contains("the peer is Primary"), "{err}");
    assert!(err.contains("deadline"), "{err}");
    assert!(!err.contains("after 10 retries"), "{err}");
    assert!(took < Duration::from_secs(4), "{took:?}");
    assert_eq!(lab.role("alpha"), "Secondary/Primary");
}

/// Run in the test's new mount namespace: detach every mount under /tmp outside `$KEEP`.
const DETACH_OTHERS: &str = "awk -v keep=\"$KEEP\" '$5 ~ /^\\/tmp\\// && index($5, keep) != 1 \
     {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do umount -l \"$m\" \
     2>/dev/null; done; exec sleep 60";

/// Another mount namespace holds a copy of the mount: force_unmount=false names it and fails
/// (status then reads "running" for Heartbeat); the default unmounts the copy there and
/// demotes, without killing the process that merely has the namespace.
#[test]
fn a_copy_in_another_mount_namespace_is_named_and_released() {
    if !root_or_skip("a_copy_in_another_mount_namespace_is_named_and_released") {
        return;
    }
    if !common::installed_or_skip("/usr/bin/unshare", "util-linux")
        || !common::installed_or_skip("/usr/bin/nsenter", "util-linux")
    {
        return;
    }
    let mut lab = Lab::new();
    assert_eq!(lab.agent("alpha", "start", &[]).status.code(), Some(0));
    // The new namespace copies every mount of the host: it drops all under /tmp but this
    // lab's, so that it holds no other test's (or other user's) filesystem.
    let child = Command::new("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            DETACH_OTHERS,
        ])
        .env("KEEP", lab.dir.path())
        .current_dir("/")
        .spawn()
        .unwrap_or_else(|e| panic!("unshare: {e}"));
    let holder = lab.adopt(child);
    let pid = lab.child_pid(holder);
    let until = Instant::now() + Duration::from_secs(5);
    while std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default() != "sleep\n"
        && Instant::now() < until
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = lab.agent("alpha", "stop", &[("force_unmount", "false")]);
    let err = text(&out.stderr);
    assert_eq!(rc(&out), Some(1), "{out:?}");
    assert!(
        err.contains("another mount namespace") && err.contains(&format!("pid {pid} (sleep)")),
        "{err}"
    );
    let st = lab.agent("alpha", "status", &[]);
    assert_eq!(text(&st.stdout).trim(), "running", "{st:?}");
    let began = Instant::now();
    let out = lab.agent("alpha", "stop", &[("timeout", "10")]);
    assert_eq!(rc(&out), Some(0), "{out:?}");
    assert!(began.elapsed() < Duration::from_secs(10));
    assert_eq!(lab.role("alpha"), "Secondary/Secondary");
    assert!(
        !lab.child_exited(holder),
        "the namespace's process was killed"
    );
}

/// A user that ignores TERM, a 3 s budget: it is killed inside the budget, and the repeated
/// signal is logged once, not every 200 ms.
#[test]
fn a_short_budget_still_ends_users_that_ignore_term() {
    if !root_or_skip("a_short_budget_still_ends_users_that_ignore_term") {
        return;
    }
    let mut lab = Lab::new();
    assert_eq!(lab.agent("alpha", "start", &[]).status.code(), Some(0));
    let child = Command::new("sh")
        .args(["-c", "trap '' TERM; sleep 60"])
        .current_dir(lab.mnt("alpha"))
        .spawn()
        .unwrap_or_else(|e| panic!("sh: {e}"));
    let user = lab.adopt(child);
    std::thread::sleep(Duration::from_millis(200));
    let began = Instant::now();
    let out = lab.agent("alpha", "stop", &[("timeout", "3")]);
    let err = text(&out.stderr);
    assert_eq!(rc(&out), Some(0), "{out:?}");
    assert!(began.elapsed() < Duration::from_secs(4));
    assert!(lab.child_exited(user));
    let terms = err
        .lines()
        .filter(|l| l.contains("sending SIGTERM"))
        .count();
    let kills = err
        .lines()
        .filter(|l| l.contains("sending SIGKILL"))
        .count();
    assert_eq!((terms, kills), (1, 1), "{err}");
    assert_eq!(lab.role("alpha"), "Secondary/Secondary");
}

/// No DRBD on this node at all (/proc/drbd missing) and nothing mounted: stop succeeds (OCF:
/// stopping a stopped resource; rc 5 made Pacemaker fence). Needs no root.
#[test]
fn stop_without_drbd_loaded_succeeds() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mnt = dir.path().join("mnt").display().to_string();
    let out = Command::new(agent_bin())
        .arg("stop")
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("MFS_HA_RUN_DIR", dir.path())
        .env("MFS_HA_STATE_DIR", dir.path())
        .env("MFS_HA_CONFIG_DIR", dir.path())
        .env("OCF_ROOT", "/usr/lib/ocf")
        .env("OCF_RESOURCE_INSTANCE", "idrbd")
        .env("OCF_RESKEY_drbd_resource", "r0")
        .env("OCF_RESKEY_device", "/dev/drbd1")
        .env("OCF_RESKEY_directory", &mnt)
        .env("OCF_RESKEY_drbdadm", "/bin/true")
        .env(
            "OCF_RESKEY_drbd_status_source",
            dir.path().join("no-proc-drbd"),
        )
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rc(&out), Some(0), "{out:?}");
}

/// status and monitor read /proc/drbd and mountinfo only: with drbdadm gone (PATH changed,
/// package removed) a node that is Primary and mounted still reads as running, and after a
/// stop that could not demote, as running but failed. Before, both failed with "drbdadm not
/// found" (LSB 4, nothing printed): Heartbeat read "not running" and handed the disk over.
#[test]
fn status_needs_no_drbdadm_to_see_a_primary() {
    if !root_or_skip("status_needs_no_drbdadm_to_see_a_primary") {
        return;
    }
    let lab = Lab::new();
    let start = lab.agent("alpha", "start", &[]);
    assert_eq!(rc(&start), Some(0), "{start:?}");
    let gone = [("drbdadm", "/nonexistent/mfsha-drbdadm")];
    let mut hb = lab.agent_cmd("alpha", "status", &gone);
    hb.env("HA_CURHOST", "alpha");
    let status = hb.output().unwrap_or_else(|e| panic!("status: {e}"));
    assert_eq!(text(&status.stdout).trim(), "running", "{status:?}");
    assert_eq!(rc(&status), Some(0), "{status:?}");
    let mut monitor = lab.agent_ocf("alpha", "monitor");
    monitor
        .env("OCF_RESKEY_drbdadm", "/nonexistent/mfsha-drbdadm")
        .env("OCF_RESKEY_CRM_meta_interval", "10000");
    let mon = monitor.output().unwrap_or_else(|e| panic!("monitor: {e}"));
    assert_eq!(rc(&mon), Some(0), "{mon:?}");
    // The stop unmounts but cannot demote: Primary without the mount must read as running.
    let stop = lab.agent("alpha", "stop", &gone);
    assert_eq!(rc(&stop), Some(5), "{stop:?}");
    let mut hb = lab.agent_cmd("alpha", "status", &gone);
    hb.env("HA_CURHOST", "alpha");
    let after = hb.output().unwrap_or_else(|e| panic!("status: {e}"));
    assert_eq!(text(&after.stdout).trim(), "running", "{after:?}");
    assert_eq!(rc(&lab.agent("alpha", "stop", &[])), Some(0));
    assert!(
        lab.role("alpha").starts_with("Secondary"),
        "{}",
        lab.role("alpha")
    );
}

/// SIGTERM (or Ctrl-C) to the agent while `drbdadm primary` runs: the agent kills the command
/// (in its own process group, it would otherwise finish the promotion with nobody left to
/// mount or undo it), reports the start as failed (1, naming the signal) and exits. Before,
/// the agent died of the signal and the command ran on.
#[test]
fn sigterm_mid_start_kills_the_running_drbdadm() {
    if !root_or_skip("sigterm_mid_start_kills_the_running_drbdadm") {
        return;
    }
    let mut lab = Lab::new();
    let hangs = drbdadm_wrapper(&lab, "hangs-on-primary", "exec sleep 600");
    let agent = spawn_start_with(&lab, &hangs);
    let agent_pid = agent.id();
    let index = lab.adopt(agent);
    let end = Instant::now() + Duration::from_secs(20);
    let command = loop {
        if let Some(pid) = sleeping_child_of(agent_pid) {
            break pid;
        }
        assert!(Instant::now() < end, "drbdadm primary never ran");
        std::thread::sleep(Duration::from_millis(50));
    };
    let sent = common::run("kill", &["-TERM", &agent_pid.to_string()]);
    assert!(sent.status.success(), "{sent:?}");
    let status = lab.wait_child(index);
    std::thread::sleep(Duration::from_millis(200));
    let survived = common::process_runs(command);
    if survived {
        let _ = common::run("kill", &["-KILL", &command.to_string()]);
    }
    assert_eq!(status.and_then(|s| s.code()), Some(1), "{status:?}");
    assert!(
        !survived,
        "the drbdadm the agent ran (pid {command}) outlived it"
    );
    assert!(
        lab.role("alpha").starts_with("Secondary"),
        "{}",
        lab.role("alpha")
    );
}

/// A drbdadm in the lab that runs `primary_body` (sh) for `drbdadm primary ...` and the lab's
/// drbdadm (as `$DRBDADM`) for everything else; returns its path.
fn drbdadm_wrapper(lab: &Lab, name: &str, primary_body: &str) -> String {
    let script = lab.path(&format!("etc/{name}.sh"));
    let real = lab.bin.join("drbdadm").display().to_string();
    let body = format!(
        "#!/bin/sh\nDRBDADM='{real}'\ncase \"$1\" in primary) {primary_body};; esac\nexec \"$DRBDADM\" \"$@\"\n"
    );
    assert!(std::fs::write(&script, body).is_ok());
    let path = lab.path(name);
    common::install_executable(&script, &path);
    path.display().to_string()
}

/// Initdrbd start on alpha with `drbdadm` as the given program, output captured.
fn spawn_start_with(lab: &Lab, drbdadm: &str) -> std::process::Child {
    lab.agent_cmd("alpha", "start", &[("drbdadm", drbdadm)])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start: {e}"))
}

/// SIGTERM while `drbdadm primary` hangs after it promoted (a drbdadm killed at the deadline
/// or by the signal may have changed the role all the same): the start demotes again, so it
/// leaves the node Secondary. Before, the node stayed Primary with nothing mounted.
#[test]
fn an_interrupted_promotion_that_took_effect_is_rolled_back() {
    if !root_or_skip("an_interrupted_promotion_that_took_effect_is_rolled_back") {
        return;
    }
    let lab = Lab::new();
    let wrapper = drbdadm_wrapper(
        &lab,
        "promotes-then-hangs",
        "\"$DRBDADM\" \"$@\" || exit $?; exec sleep 600",
    );
    let agent = spawn_start_with(&lab, &wrapper);
    let agent_pid = agent.id();
    let end = Instant::now() + Duration::from_secs(20);
    while sleeping_child_of(agent_pid).is_none() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50));
    }
    // Whatever was seen, the agent gets its SIGTERM (the test never leaves it running).
    let role_before = lab.role("alpha");
    let sent = common::run("kill", &["-TERM", &agent_pid.to_string()]);
    assert!(sent.status.success(), "{sent:?}");
    let out = agent
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"));
    let err = text(&out.stderr);
    assert!(role_before.starts_with("Primary"), "{role_before}: {err}");
    assert_eq!(rc(&out), Some(1), "{err}");
    assert!(
        err.contains("start interrupted by SIGTERM") && err.contains("rolled back: r0 demoted"),
        "{err}"
    );
    assert_eq!(lab.role("alpha"), "Secondary/Secondary", "{err}");
    assert_eq!(lab.mounts_at(&lab.mnt("alpha")), 0);
}

/// The child of `parent` that runs `sleep` (the hanging drbdadm primary).
fn sleeping_child_of(parent: u32) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let ppid: u32 = stat.rsplit_once(") ")?.1.split(' ').nth(1)?.parse().ok()?;
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
        (ppid == parent && comm.trim() == "sleep").then_some(pid)
    })
}
