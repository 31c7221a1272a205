//! mfsmaster against the real MooseFS 3.0 daemons, each test in its own network namespace
//! (`mfsha-mfs...`), data on a tmpfs "failover filesystem". Root only; under CI=true a missing
//! root or MooseFS package fails the test.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use common::moosefs::{moosefs_or_skip, MfsLab};
use common::text;

fn code(out: &std::process::Output) -> Option<i32> {
    out.status.code()
}

fn stdout(out: &std::process::Output) -> String {
    text(&out.stdout).trim().to_string()
}

fn all(out: &std::process::Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

/// Field `n` (1-based, after the command name) of /proc/<pid>/stat.
fn stat_field(pid: u32, n: usize) -> Option<i64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.get(stat.rfind(')')? + 1..)?.split_whitespace().nth(n - 3)?.parse().ok()
}

fn signal(pid: u32, sig: &str) {
    let out = common::run("kill", &[sig, &pid.to_string()]);
    assert!(out.status.success(), "kill {sig} {pid}");
}

#[test]
fn start_status_stop_are_idempotent_with_heartbeat_texts() {
    if !moosefs_or_skip("start_status_stop_are_idempotent_with_heartbeat_texts") {
        return;
    }
    let lab = MfsLab::new("idem", true);
    let st = lab.agent("status", &[]);
    assert_eq!((code(&st), stdout(&st)), (Some(3), "stopped".into()), "{st:?}");
    let stop = lab.agent("stop", &[]);
    assert_eq!(code(&stop), Some(0), "stop when stopped: {stop:?}");
    let start = lab.agent("start", &[]);
    assert_eq!(code(&start), Some(0), "{start:?}");
    let pid = lab.master_pid().expect("a master holds the lock after start");
    // The daemon left the agent's session and process group: a group kill cannot reach it.
    let me_sid = stat_field(std::process::id(), 6);
    assert_eq!(stat_field(pid, 6), stat_field(pid, 5), "master leads its own session");
    assert_ne!(stat_field(pid, 6), me_sid);
    let st = lab.agent("status", &[]);
    assert_eq!((code(&st), stdout(&st)), (Some(0), "running".into()), "{st:?}");
    let again = lab.agent("start", &[]);
    assert_eq!(code(&again), Some(0), "start when running: {again:?}");
    assert_eq!(lab.master_pid(), Some(pid), "a second start must not restart it");
    for level in [0, 10, 20] {
        let m = lab.monitor(level, &[]);
        assert_eq!(code(&m), Some(0), "level {level}: {m:?}");
    }
    let t = Instant::now();
    let stop = lab.agent("stop", &[]);
    assert_eq!(code(&stop), Some(0), "{stop:?}");
    assert!(all(&stop).contains("metadata.mfs written in"), "{}", all(&stop));
    assert!(t.elapsed() < Duration::from_secs(15));
    assert!(lab.data_path().join("metadata.mfs").exists());
    assert!(lab.master_procs().is_empty(), "no master process may remain");
    let st = lab.agent("status", &[]);
    assert_eq!((code(&st), stdout(&st)), (Some(3), "stopped".into()));
    assert_eq!(code(&lab.agent("stop", &[])), Some(0));
    // A restart after the clean stop is a plain start.
    let start = lab.agent("start", &[]);
    assert_eq!(code(&start), Some(0), "{start:?}");
    assert!(!all(&start).contains("-a"), "{}", all(&start));
    assert_eq!(code(&lab.agent("stop", &[])), Some(0));
}
