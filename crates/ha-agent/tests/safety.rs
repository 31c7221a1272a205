//! Lock serialisation, the deadline watchdog and the flight recorder, through the binary.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{code, run, Sandbox};

/// (action, enter|leave, time ns, pid) lines of a Dummy trace file, in time order.
fn trace(path: &std::path::Path) -> Vec<(String, String, u128, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut events: Vec<(String, String, u128, String)> = text
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (
                f[0].to_string(),
                f[1].to_string(),
                f[2].parse().unwrap(),
                f[3].to_string(),
            )
        })
        .collect();
    events.sort_by_key(|e| e.2);
    events
}

#[test]
fn concurrent_starts_of_one_instance_run_one_after_the_other() {
    let sb = Sandbox::new();
    let state = sb.state("lock.state");
    let trace_file = sb.state("trace");
    let p = [
        ("state", state.as_str()),
        ("delay_ms", "400"),
        ("trace", trace_file.as_str()),
    ];
    let mut first = sb.ocf("start", &p).spawn().unwrap();
    let mut second = sb.ocf("start", &p).spawn().unwrap();
    assert!(first.wait().unwrap().success());
    assert!(second.wait().unwrap().success());
    let events = trace(&sb.path("trace"));
    let phases: Vec<&str> = events.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(phases, ["enter", "leave", "enter", "leave"], "{events:?}");
    assert_eq!(
        events[0].3, events[1].3,
        "the first call leaves before the second enters"
    );
    let waits: Vec<f64> = sb
        .records()
        .iter()
        .map(|r| r["lock_wait_ms"].as_f64().unwrap())
        .collect();
    assert!(
        waits.iter().any(|&w| w >= 300.0),
        "one call waited for the lock: {waits:?}"
    );
}

#[test]
fn different_instances_do_not_wait_for_each_other() {
    let sb = Sandbox::new();
    let trace_file = sb.state("trace");
    let spawn = |instance: &str| {
        let state = sb.state(&format!("{instance}.state"));
        let p = [
            ("state", state.as_str()),
            ("delay_ms", "600"),
            ("trace", trace_file.as_str()),
        ];
        let mut c = sb.ocf("start", &p);
        c.env("OCF_RESOURCE_INSTANCE", instance);
        c.spawn().unwrap()
    };
    let (mut a, mut b) = (spawn("a1"), spawn("b1"));
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    let phases: Vec<String> = trace(&sb.path("trace")).into_iter().map(|e| e.1).collect();
    assert_eq!(phases, ["enter", "enter", "leave", "leave"]);
}

#[test]
fn lock_wait_is_bounded_by_the_deadline() {
    let sb = Sandbox::new();
    let state = sb.state("busy.state");
    let mut holder = sb
        .ocf("start", &[("state", &state), ("delay_ms", "3000")])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let mut monitor = sb.ocf("monitor", &[("state", &state)]);
    monitor.env("OCF_RESKEY_CRM_meta_timeout", "2000");
    let started = Instant::now();
    let (rc, _, err) = run(&mut monitor);
    assert_eq!(rc, 1, "{err}");
    assert!(started.elapsed() < Duration::from_millis(2800));
    assert!(err.contains("still holds"), "{err}");
    assert!(holder.wait().unwrap().success());
}

#[test]
fn watchdog_ends_an_action_that_overruns_pacemakers_timeout() {
    let sb = Sandbox::new();
    let state = sb.state("slow.state");
    let mut start = sb.ocf("start", &[("state", &state), ("delay_ms", "20000")]);
    start.env("OCF_RESKEY_CRM_meta_timeout", "4000");
    let started = Instant::now();
    let (rc, _, err) = run(&mut start);
    let took = started.elapsed();
    assert_eq!(rc, 1, "{err}");
    // Pacemaker kills at 4 s; the watchdog fires at 3.8 s.
    assert!(
        took < Duration::from_millis(4000),
        "must beat Pacemaker's SIGKILL: {took:?}"
    );
    let reason = err
        .lines()
        .find(|l| l.starts_with("ocf-exit-reason:"))
        .unwrap();
    assert!(
        reason.contains("overran its deadline") && reason.contains("'delay'"),
        "{reason}"
    );
    let last = sb.records().pop().unwrap();
    assert_eq!(last["exit_code"], 1);
    assert_eq!(last["budget_source"], "pacemaker");
    let steps = last["steps"].as_array().unwrap();
    assert_eq!(
        steps.last().unwrap()["error"],
        "did not finish",
        "{steps:?}"
    );
}

#[test]
fn watchdog_bounds_heartbeat_calls_through_the_timeout_parameter() {
    let sb = Sandbox::new();
    let state = sb.state("slow.state");
    let mut start = sb.heartbeat(&[&state, "20000", "timeout=1", "start"]);
    let started = Instant::now();
    let (rc, out, _) = run(&mut start);
    assert_eq!((rc, out.as_str()), (1, ""));
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(4),
        "{took:?}"
    );
    assert_eq!(sb.records().pop().unwrap()["budget_source"], "parameter");
}

/// Heartbeat v1 has no timeout of its own, so a status stuck in the kernel (here opening a
/// FIFO nobody writes to, as a read on a hung file system would block) must still end within
/// its budget, with a record saying where it was stuck.
#[test]
fn watchdog_answers_a_status_stuck_in_a_system_call() {
    let sb = Sandbox::new();
    let fifo = sb.path("stuck.state");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let state = fifo.display().to_string();
    let mut status = sb.heartbeat(&[&state, "0", "timeout=1", "status"]);
    let started = Instant::now();
    let (rc, _, err) = run(&mut status);
    let took = started.elapsed();
    assert_eq!(rc, 4, "LSB status 'unknown': {err}");
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(4),
        "{took:?}"
    );
    let last = sb.records().pop().unwrap();
    assert_eq!(last["action"], "status");
    let reason = last["reason"].as_str().unwrap();
    assert!(reason.contains("overran its deadline"), "{reason}");
}

/// Started with stderr closed, an agent must not take the first file it opens for its
/// stderr: a line logged while it holds the lock (here "waited ... for another action") would
/// land in the lock file. Agents start from a C `main`, so this is the framework's duty.
#[test]
fn closed_stderr_never_becomes_a_file_the_agent_opens() {
    use std::os::unix::process::CommandExt;
    let sb = Sandbox::new();
    let state = sb.state("s.state");
    let mut holder = sb.heartbeat(&[&state, "600", "start"]).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(150));
    let mut waiter = sb.heartbeat(&[&state, "600", "stop"]);
    // SAFETY: close(2) is async-signal-safe, as pre_exec requires.
    unsafe {
        waiter.pre_exec(|| {
            libc::close(2);
            Ok(())
        });
    }
    assert_eq!(code(&mut waiter), 0);
    assert!(holder.wait().unwrap().success());
    let locks: Vec<_> = std::fs::read_dir(sb.path("run")).unwrap().collect();
    assert!(!locks.is_empty());
    for lock in locks {
        let path = lock.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "", "{} got the agent's stderr", path.display());
    }
}

#[test]
fn flight_recorder_writes_one_line_per_action_with_steps() {
    let sb = Sandbox::new();
    let state = sb.state("rec.state");
    let p = [("state", state.as_str()), ("password", "hunter2")];
    assert_eq!(code(&mut sb.ocf("start", &p)), 0);
    assert_eq!(code(&mut sb.ocf("monitor", &p)), 0);
    assert_eq!(code(&mut sb.ocf("meta-data", &p)), 0);
    let records = sb.records();
    assert_eq!(records.len(), 2, "meta-data never records: {records:?}");
    let start = &records[0];
    assert_eq!(start["agent"], "Dummy");
    assert_eq!(start["mode"], "ocf");
    assert_eq!(start["action"], "start");
    assert_eq!(start["instance"], "d1");
    assert_eq!(start["result"], "done");
    assert_eq!(start["exit_code"], 0);
    assert_eq!(start["params"]["password"], "<redacted>");
    assert_eq!(start["params"]["state"], state.as_str());
    assert!(start["time"].as_str().unwrap().contains('T'));
    assert!(start["duration_ms"].as_f64().unwrap() > 0.0);
    let steps: Vec<&str> = start["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["delay", "write state"]);
    assert_eq!(records[1]["action"], "monitor");
    assert_eq!(records[1]["probe"], true);
    assert_eq!(records[1]["result"], "running");
    assert!(
        !std::fs::read_to_string(sb.path("state/flight/Dummy.jsonl"))
            .unwrap()
            .contains("hunter2")
    );
}

#[test]
fn unwritable_flight_recorder_never_fails_the_action() {
    let sb = Sandbox::new();
    let state = sb.state("s");
    let (rc, _, err) = run(sb
        .ocf("start", &[("state", &state)])
        .env("MFS_HA_STATE_DIR", "/proc/forbidden"));
    assert_eq!(rc, 0);
    assert!(err.contains("WARN: flight recorder:"), "{err}");
}

/// Sends SIGTERM to `child` after `after`; returns when the signal was sent.
fn terminate_after(child: &std::process::Child, after: Duration) {
    std::thread::sleep(after);
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap_or(i32::MAX));
    assert!(nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).is_ok());
}

/// The Dummy's start (its `delay` step sleeping `delay_ms`), stderr captured.
fn spawn_slow_start(sb: &Sandbox, state: &str, delay_ms: &str) -> std::process::Child {
    let mut start = sb.ocf("start", &[("state", state), ("delay_ms", delay_ms)]);
    start.stdout(Stdio::null()).stderr(Stdio::piped());
    start.spawn().unwrap()
}

#[test]
fn sigterm_lets_the_action_wind_down_and_starts_no_new_step() {
    let sb = Sandbox::new();
    let state = sb.state("interrupted.state");
    let child = spawn_slow_start(&sb, &state, "1500");
    terminate_after(&child, Duration::from_millis(300));
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let reason = err
        .lines()
        .find(|l| l.starts_with("ocf-exit-reason:"))
        .unwrap_or_default();
    // The step under way (delay) ran to its end; the next one was never started.
    assert!(
        reason.contains("start interrupted by SIGTERM")
            && reason.contains("in step 'delay'")
            && reason.contains("step write state not started: the action was interrupted"),
        "{reason}"
    );
    assert!(!std::path::Path::new(&state).exists(), "state written");
    let last = sb.records().pop().unwrap();
    assert_eq!(last["exit_code"], 1);
}

#[test]
fn a_second_sigterm_ends_the_wind_down_at_once() {
    let sb = Sandbox::new();
    let state = sb.state("twice.state");
    let child = spawn_slow_start(&sb, &state, "20000");
    terminate_after(&child, Duration::from_millis(300));
    terminate_after(&child, Duration::from_millis(300));
    let second = Instant::now();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        second.elapsed() < Duration::from_secs(5),
        "{:?}",
        second.elapsed()
    );
    assert!(
        err.contains("what it had done by then stays (see status)"),
        "{err}"
    );
    assert!(!std::path::Path::new(&state).exists(), "state written");
}
