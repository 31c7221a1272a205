//! Initdrbd as a promotable clone (scope=drbd) and as the filesystem primitive (scope=mount),
//! on drbd-sim in both the 8.4 and the 9 flavour (DRBD 9: state from `drbdsetup status
//! --json`), with a real ext4 loop device. The promotion score goes to a recording
//! `crm_attribute` in the lab's PATH (no cluster here; the Pacemaker lab uses the real one).
//! Root only; under CI=true they fail without root. Measured: 28 s in all on 2 cores, the two
//! late-detection tests (20 s each, in parallel) being most of it.

mod common;

use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{root_or_skip, text, Lab};

const FLAVOURS: [&str; 2] = ["8.4", "9"];

/// Installs the recording crm_attribute; returns the path of its log.
fn record_scores(lab: &Lab) -> String {
    let log = lab.path("crm_attribute.log").display().to_string();
    let script = lab.path("crm_attribute.sh");
    let body = format!("#!/bin/sh\necho \"$OCF_RESOURCE_INSTANCE $*\" >> '{log}'\n");
    assert!(std::fs::write(&script, body).is_ok());
    common::install_executable(&script, &lab.bin.join("crm_attribute"));
    log
}

fn score_calls(log: &str) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The clone's agent on `node`: OCF mode, promotable, instance `drbd`.
fn clone_cmd(lab: &Lab, node: &str, action: &str, extra: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(common::agent_bin());
    cmd.arg(action);
    lab.agent_env(&mut cmd, node);
    cmd.env("OCF_RESOURCE_INSTANCE", "drbd")
        .env("OCF_RESKEY_drbd_resource", "r0")
        .env("OCF_RESKEY_device", lab.device(node))
        .env("OCF_RESKEY_CRM_meta_promotable", "true")
        .env("OCF_RESKEY_CRM_meta_clone_max", "2")
        .env("OCF_RESKEY_CRM_meta_interval", "10000");
    for (k, v) in extra {
        cmd.env(format!("OCF_RESKEY_{k}"), v);
    }
    cmd
}

fn run(mut cmd: Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("Initdrbd: {e}"))
}

fn clone(lab: &Lab, node: &str, action: &str) -> Output {
    run(clone_cmd(lab, node, action, &[]))
}

/// The clone's `action` on `node` under Pacemaker's operation timeout of `ms` milliseconds.
fn clone_within(lab: &Lab, node: &str, action: &str, ms: &str) -> Output {
    run(clone_cmd(lab, node, action, &[("CRM_meta_timeout", ms)]))
}

/// The filesystem primitive (scope=mount) on `node`, instance `fs`.
fn fs(lab: &Lab, node: &str, action: &str) -> Output {
    let mut cmd = lab.agent_ocf(node, action);
    cmd.env("OCF_RESOURCE_INSTANCE", "fs")
        .env("OCF_RESKEY_scope", "mount")
        .env("OCF_RESKEY_CRM_meta_interval", "10000");
    run(cmd)
}

fn rc(out: &Output) -> Option<i32> {
    out.status.code()
}

fn probe(lab: &Lab, node: &str) -> Output {
    let mut cmd = clone_cmd(lab, node, "monitor", &[]);
    cmd.env("OCF_RESKEY_CRM_meta_interval", "0");
    run(cmd)
}

#[test]
fn clone_lifecycle_with_scores_and_the_filesystem_primitive() {
    if !root_or_skip("clone_lifecycle_with_scores_and_the_filesystem_primitive") {
        return;
    }
    for flavour in FLAVOURS {
        let lab = Lab::with_init(&["--flavour", flavour]);
        let log = record_scores(&lab);
        lab.adm_ok("alpha", &["down", "r0"]);
        // A probe on a stopped node, and stop twice there.
        assert_eq!(rc(&probe(&lab, "alpha")), Some(7), "{flavour}");
        for _ in 0..2 {
            let out = clone(&lab, "alpha", "stop");
            assert_eq!(rc(&out), Some(0), "{flavour}: {out:?}");
        }
        // start = up, Secondary (Unpromoted), score set; twice.
        for _ in 0..2 {
            let out = clone(&lab, "alpha", "start");
            assert_eq!(rc(&out), Some(0), "{flavour}: {out:?}");
        }
        assert!(lab.role("alpha").starts_with("Secondary"), "{flavour}");
        assert_eq!(rc(&clone(&lab, "alpha", "monitor")), Some(0), "{flavour}");
        let calls = score_calls(&log);
        assert_eq!(
            calls.last().map(String::as_str),
            Some("drbd --promotion --lifetime reboot --update 10000"),
            "{flavour}: {calls:?}"
        );
        // Monitors call crm_attribute only when the score changes.
        let before = score_calls(&log).len();
        for _ in 0..2 {
            assert_eq!(rc(&clone(&lab, "alpha", "monitor")), Some(0), "{flavour}");
        }
        assert_eq!(score_calls(&log).len(), before, "{flavour}");
        // The filesystem primitive refuses a Secondary device: it never promotes.
        let out = fs(&lab, "alpha", "start");
        assert_eq!(rc(&out), Some(1), "{flavour}: {out:?}");
        assert!(
            text(&out.stderr).contains("scope=mount does not promote"),
            "{out:?}"
        );
        assert!(lab.role("alpha").starts_with("Secondary"), "{flavour}");
        // Demote when Secondary, promote, promote when Primary.
        assert_eq!(rc(&clone(&lab, "alpha", "demote")), Some(0), "{flavour}");
        for _ in 0..2 {
            let out = clone(&lab, "alpha", "promote");
            assert_eq!(rc(&out), Some(0), "{flavour}: {out:?}");
        }
        assert!(lab.role("alpha").starts_with("Primary"), "{flavour}");
        assert_eq!(rc(&clone(&lab, "alpha", "monitor")), Some(8), "{flavour}");
        // Mount on the promoted device; the clone's demotion then names the mount.
        let out = fs(&lab, "alpha", "start");
        assert_eq!(rc(&out), Some(0), "{flavour}: {out:?}");
        assert_eq!(lab.mounts_at(&lab.mnt("alpha")), 1);
        assert_eq!(rc(&fs(&lab, "alpha", "monitor")), Some(0), "{flavour}");
        assert_eq!(rc(&fs(&lab, "alpha", "start")), Some(0), "{flavour}");
        let out = clone_within(&lab, "alpha", "demote", "3000");
        assert_eq!(rc(&out), Some(1), "{flavour}: {out:?}");
        assert!(text(&out.stderr).contains("mounted on"), "{out:?}");
        for _ in 0..2 {
            let out = fs(&lab, "alpha", "stop");
            assert_eq!(rc(&out), Some(0), "{flavour}: {out:?}");
        }
        assert_eq!(lab.mounts_at(&lab.mnt("alpha")), 0);
        assert_eq!(rc(&fs(&lab, "alpha", "monitor")), Some(7), "{flavour}");
        assert!(
            lab.role("alpha").starts_with("Primary"),
            "scope=mount demoted"
        );
        // Notifications refresh the score and never fail.
        let before = score_calls(&log).len();
        let mut notify = clone_cmd(&lab, "alpha", "notify", &[]);
        notify
            .env("OCF_RESKEY_CRM_meta_notify_type", "post")
            .env("OCF_RESKEY_CRM_meta_notify_operation", "promote")
            .env("OCF_RESKEY_CRM_meta_notify_promote_uname", "alpha ");
        assert_eq!(rc(&run(notify)), Some(0), "{flavour}");
        assert_eq!(score_calls(&log).len(), before + 1, "{flavour}");
        // Demote, then stop (down) twice; the score is deleted.
        assert_eq!(rc(&clone(&lab, "alpha", "demote")), Some(0), "{flavour}");
        assert_eq!(rc(&clone(&lab, "alpha", "monitor")), Some(0), "{flavour}");
        for _ in 0..2 {
            let out = clone(&lab, "alpha", "stop");
            assert_eq!(rc(&out), Some(0), "{flavour}: {out:?}");
        }
        assert!(
            !lab.adm("alpha", &["role", "r0"]).status.success(),
            "still up"
        );
        assert_eq!(rc(&clone(&lab, "alpha", "monitor")), Some(7), "{flavour}");
        assert_eq!(
            score_calls(&log).last().map(String::as_str),
            Some("drbd --promotion --lifetime reboot --delete"),
            "{flavour}"
        );
        // scope=all (or mount) in a promotable clone is refused before anything runs.
        for scope in ["all", "mount"] {
            let out = run(clone_cmd(&lab, "alpha", "start", &[("scope", scope)]));
            assert_eq!(rc(&out), Some(6), "{flavour} {scope}: {out:?}");
            assert!(text(&out.stderr).contains("cannot run in a promotable clone"));
        }
    }
}

/// Something holds the device for a moment only (udev or blkid probing it after an unmount,
/// another `losetup --find` that picked it in a race): the clone's demote waits it out within
/// the budget instead of failing (a failed demote is a failed transition). `down` uses the same
/// retry; drbd-sim takes down an open Secondary, so that is not asserted here.
#[test]
fn a_device_held_open_for_a_moment_is_still_demoted() {
    if !root_or_skip("a_device_held_open_for_a_moment_is_still_demoted") {
        return;
    }
    let mut lab = Lab::new();
    assert_eq!(rc(&clone(&lab, "alpha", "promote")), Some(0));
    let holder = lab.hold_device("alpha", "1.5");
    let began = Instant::now();
    let out = clone_within(&lab, "alpha", "demote", "20000");
    assert_eq!(rc(&out), Some(0), "{out:?}");
    assert!(
        began.elapsed() >= Duration::from_millis(800),
        "demote answered in {:?}, before the holder let go: the test held nothing",
        began.elapsed()
    );
    assert!(lab.wait_child(holder).is_some());
    assert!(lab.role("alpha").starts_with("Secondary"));
}

/// A scope=all start (Heartbeat, by hand) still answers promote/demote with 3.
#[test]
fn outside_a_clone_promote_and_demote_are_unimplemented() {
    if !root_or_skip("outside_a_clone_promote_and_demote_are_unimplemented") {
        return;
    }
    let lab = Lab::new();
    for action in ["promote", "demote"] {
        let out = run(lab.agent_ocf("alpha", action));
        assert_eq!(rc(&out), Some(3), "{out:?}");
    }
    assert_eq!(rc(&run(lab.agent_ocf("alpha", "notify"))), Some(0));
}

/// Runs `drbd-sim tick` every 200 ms (time passing for the simulated kernels) until dropped.
struct Ticker {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Ticker {
    fn start(lab: &Lab) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let dir = lab.dir.path().to_path_buf();
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                let _ = Command::new(common::sim_bin())
                    .arg("tick")
                    .env("DRBD_SIM_DIR", &dir)
                    .output();
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        Ticker {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The peer dies and DRBD notices only 20 s later: a promote with a 30 s op timeout (and no
/// promote_retries cap, the default) waits and promotes.
fn late_detection_promotes(flavour: &str) {
    let lab = Lab::with_init(&["--flavour", flavour, "--peer-loss-delay-ms", "20000"]);
    record_scores(&lab);
    lab.adm_ok("beta", &["primary", "r0"]);
    lab.sim_ok(&["crash", "beta"]);
    let _ticker = Ticker::start(&lab);
    let began = Instant::now();
    let out = clone_within(&lab, "alpha", "promote", "30000");
    let took = began.elapsed();
    assert_eq!(rc(&out), Some(0), "{flavour} after {took:?}: {out:?}");
    assert!(took >= Duration::from_secs(15), "{flavour}: {took:?}");
    assert!(
        text(&out.stderr).contains("peer is still Primary"),
        "{out:?}"
    );
    assert!(lab.role("alpha").starts_with("Primary"), "{flavour}");
    assert_eq!(rc(&clone(&lab, "alpha", "monitor")), Some(8), "{flavour}");
}

#[test]
fn late_peer_loss_detection_within_the_deadline_promotes_drbd84() {
    if root_or_skip("late_peer_loss_detection_within_the_deadline_promotes_drbd84") {
        late_detection_promotes("8.4");
    }
}

#[test]
fn late_peer_loss_detection_within_the_deadline_promotes_drbd9() {
    if root_or_skip("late_peer_loss_detection_within_the_deadline_promotes_drbd9") {
        late_detection_promotes("9");
    }
}

/// DRBD 9 with quorum: a survivor without quorum is refused at once, naming quorum, and its
/// score is deleted so Pacemaker does not try it.
#[test]
fn drbd9_without_quorum_is_refused_naming_quorum() {
    if !root_or_skip("drbd9_without_quorum_is_refused_naming_quorum") {
        return;
    }
    let lab = Lab::with_init(&["--flavour", "9", "--quorum", "majority"]);
    let log = record_scores(&lab);
    assert_eq!(rc(&clone(&lab, "alpha", "start")), Some(0));
    lab.sim_ok(&["crash", "beta"]);
    let began = Instant::now();
    let out = clone_within(&lab, "alpha", "promote", "30000");
    assert_eq!(rc(&out), Some(1), "{out:?}");
    assert!(text(&out.stderr).contains("no quorum"), "{out:?}");
    assert!(
        began.elapsed() < Duration::from_secs(5),
        "{:?}",
        began.elapsed()
    );
    assert!(lab.role("alpha").starts_with("Secondary"));
    assert_eq!(rc(&clone(&lab, "alpha", "monitor")), Some(0));
    assert_eq!(
        score_calls(&log).last().map(String::as_str),
        Some("drbd --promotion --lifetime reboot --delete")
    );
}

/// ocf-tester on the promotable clone (it tests promote/demote/notify when they answer).
#[test]
fn passes_ocf_tester_as_a_promotable_clone() {
    if !root_or_skip("passes_ocf_tester_as_a_promotable_clone") {
        return;
    }
    let tester = "/usr/sbin/ocf-tester";
    if !common::installed_or_skip(tester, "resource-agents libxml2-utils") {
        return;
    }
    for flavour in FLAVOURS {
        let lab = Lab::with_init(&["--flavour", flavour]);
        let log = record_scores(&lab);
        let mut cmd = Command::new(tester);
        cmd.args(["-n", "drbd"]);
        for o in [
            "drbd_resource=r0".to_string(),
            format!("device={}", lab.device("alpha")),
            format!("drbd_status_source={}", lab.proc_file("alpha")),
            "CRM_meta_promotable=true".to_string(),
            "CRM_meta_notify=true".to_string(),
        ] {
            cmd.args(["-o", &o]);
        }
        cmd.arg(common::agent_bin());
        lab.agent_env(&mut cmd, "alpha");
        let out = cmd.output().unwrap_or_else(|e| panic!("ocf-tester: {e}"));
        let stdout = text(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("passed all tests"),
            "{flavour}: ocf-tester failed:\n{stdout}\n{}",
            text(&out.stderr)
        );
        assert!(!stdout.contains("does not support the demote"), "{stdout}");
        let calls = score_calls(&log);
        assert!(
            calls.iter().any(|c| c.ends_with("--update 10000")),
            "{calls:?}"
        );
        assert!(calls.iter().any(|c| c.ends_with("--delete")), "{calls:?}");
        // ocf-tester ends with stop: the resource is down.
        assert!(
            !lab.adm("alpha", &["role", "r0"]).status.success(),
            "{flavour}"
        );
    }
}
