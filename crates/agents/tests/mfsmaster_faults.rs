//! mfsmaster under faults (issue 11): stop and status agree on what "our process" is, and
//! neither says "nothing runs" on the word of an unreadable config. Real MooseFS master, root.

mod common;

use std::io::BufRead;
use std::process::{Command, Stdio};

use std::time::{Duration, Instant};

use common::mfsmaster::{all, code, moosefs_or_skip, signal, stdout, MfsLab};

/// The config moved away while the master runs: stop fails naming the master (it cannot tell
/// which instance it is), status reads "running" for Heartbeat (a failed stop then reboots
/// instead of handing the metadata to a second master), and the master is left running.
#[test]
fn an_unreadable_config_never_hides_a_running_master() {
    if !moosefs_or_skip("an_unreadable_config_never_hides_a_running_master") {
        return;
    }
    let lab = MfsLab::new("nocfg", true);
    assert_eq!(code(&lab.agent("start", &[])), Some(0));
    let pid = lab.master_pid().expect("master runs");
    let missing = [("config", "/nonexistent/mfsmaster.cfg")];
    let stop = lab.agent("stop", &missing);
    assert_eq!(code(&stop), Some(1), "{stop:?}");
    assert!(
        all(&stop).contains(&format!("pid {pid} (mfsmaster)")),
        "{}",
        all(&stop)
    );
    let st = lab.agent("status", &missing);
    assert_eq!(stdout(&st), "running", "{st:?}");
    let m = lab.monitor(0, &missing);
    assert_eq!(code(&m), Some(1), "{m:?}");
    assert_eq!(
        lab.master_pid(),
        Some(pid),
        "stop must not have acted blind"
    );
    assert_eq!(code(&lab.agent("stop", &[])), Some(0));
}

/// The config vanished under a running master started with it (its filesystem lazily
/// unmounted, the campaign's mount-lost): the master runs `-c CONFIG`, the very path the agent
/// was given, so it is ours and stop ends it instead of failing (a failed stop reboots the node).
#[test]
fn a_master_whose_config_vanished_under_it_is_stopped_by_its_config_path() {
    if !moosefs_or_skip("a_master_whose_config_vanished_under_it_is_stopped_by_its_config_path") {
        return;
    }
    let lab = MfsLab::new("gonecfg", true);
    assert_eq!(code(&lab.agent("start", &[])), Some(0));
    let pid = lab.master_pid().expect("master runs");
    let config = lab.config();
    let moved = config.with_extension("cfg.moved");
    std::fs::rename(&config, &moved).expect("move the config away");
    let stop = lab.agent("stop", &[]);
    std::fs::rename(&moved, &config).expect("put the config back");
    assert_eq!(code(&stop), Some(0), "{}", all(&stop));
    assert!(
        all(&stop).contains(&format!("-c {} still runs (pid {pid}", config.display())),
        "{}",
        all(&stop)
    );
    // Gone, or a zombie waiting for whoever adopted the daemon to reap it.
    let state = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(") ")
                .and_then(|(_, rest)| rest.chars().next())
        });
    assert!(
        matches!(state, None | Some('Z')),
        "pid {pid} still runs ({state:?})"
    );
    assert_eq!(lab.master_pid(), None);
}

/// A process that is not mfsmaster holds the lock: status fails naming it, stop leaves it
/// alone (it is not ours) and succeeds, start refuses with the same reason.
#[test]
fn a_foreign_lock_holder_is_reported_and_never_signalled() {
    if !moosefs_or_skip("a_foreign_lock_holder_is_reported_and_never_signalled") {
        return;
    }
    let lab = MfsLab::new("foreign", true);
    let lock = lab.data_path().join(".mfsmaster.lock");
    assert!(std::fs::write(&lock, "").is_ok());
    let script = format!(
        "import fcntl,time;f=open('{}','r+');fcntl.lockf(f,fcntl.LOCK_EX);print('ok',flush=True);time.sleep(60)",
        lock.display()
    );
    let mut holder = Command::new("python3")
        .args(["-c", &script])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("python3: {e}"));
    let mut line = String::new();
    if let Some(out) = holder.stdout.take() {
        let _ = std::io::BufReader::new(out).read_line(&mut line);
    }
    let pid = holder.id();
    let m = lab.monitor(0, &[]);
    let stop = lab.agent("stop", &[]);
    let alive_after_stop = matches!(holder.try_wait(), Ok(None));
    let start = lab.agent("start", &[]);
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(code(&m), Some(1), "{m:?}");
    assert!(all(&m).contains(&format!("pid {pid}")), "{}", all(&m));
    assert_eq!(code(&stop), Some(0), "{stop:?}");
    assert!(
        alive_after_stop,
        "stop signalled a process that is not ours"
    );
    assert!(all(&stop).contains("not ours"), "{}", all(&stop));
    assert_eq!(code(&start), Some(1), "{start:?}");
    assert!(all(&start).contains("not ours"), "{}", all(&start));
}

/// A stale emergency dump of this very instance where `mfsmaster -a` looks (the mfs user's
/// home directory): before, `-a` considered it and start only warned that it "may prefer"
/// it; now start sets it aside (renamed, not deleted), says why, and recovers from the data
/// directory. The lab removes every dump with its metadata id when it ends.
#[test]
fn a_stale_emergency_dump_is_set_aside_before_recovery() {
    if !moosefs_or_skip("a_stale_emergency_dump_is_set_aside_before_recovery") {
        return;
    }
    let lab = MfsLab::new("emerg", true);
    // A clean stop writes an image with the metadata id; start, then crash.
    assert_eq!(code(&lab.agent("start", &[])), Some(0));
    assert_eq!(code(&lab.agent("stop", &[])), Some(0));
    assert_eq!(code(&lab.agent("start", &[])), Some(0));
    signal(lab.master_pid().expect("master runs"), "-9");
    let end = Instant::now() + Duration::from_secs(10);
    while lab.master_pid().is_some() || !lab.master_procs().is_empty() {
        assert!(Instant::now() < end, "the killed master did not go away");
        std::thread::sleep(Duration::from_millis(50));
    }
    let home = agents::mfsmaster::emergency::homes("mfs")
        .into_iter()
        .next()
        .expect("the mfs user has a home directory");
    let dump = home.join("metadata.mfs.emergency");
    assert!(
        !dump.exists(),
        "{} exists before the test: not ours to touch",
        dump.display()
    );
    assert!(std::fs::copy(lab.data_path().join("metadata.mfs.back"), &dump).is_ok());
    let start = lab.agent("start", &[]);
    let log = all(&start);
    let aside: Vec<_> = std::fs::read_dir(&home)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("metadata.mfs.emergency.stale-"))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(code(&start), Some(0), "{log}");
    assert!(log.contains("mfsmaster -a"), "{log}");
    assert!(
        log.contains(&format!("set aside {}", dump.display())) && log.contains("not newer"),
        "{log}"
    );
    assert!(!dump.exists(), "the stale dump is still where -a looks");
    assert!(!aside.is_empty(), "the dump must be set aside, not deleted");
    assert_eq!(code(&lab.agent("stop", &[])), Some(0));
}

/// A start that runs the master but never sees it ready (here: INFO asked of an address the
/// master does not listen on) fails within its deadline and ends the master again: a failed
/// start leaves nothing half-done. Before, the master was left running and status said so.
#[test]
fn a_start_that_never_becomes_ready_leaves_no_master_running() {
    if !moosefs_or_skip("a_start_that_never_becomes_ready_leaves_no_master_running") {
        return;
    }
    let lab = MfsLab::new("notready", true);
    let began = Instant::now();
    let start = lab.agent(
        "start",
        &[("timeout", "6"), ("probe_host", common::mfsmaster::VIP)],
    );
    let took = began.elapsed();
    assert_eq!(code(&start), Some(1), "{}", all(&start));
    assert!(
        all(&start).contains("mfsmaster stopped again"),
        "{}",
        all(&start)
    );
    assert!(took < Duration::from_secs(7), "took {took:?}");
    assert_eq!(lab.master_pid(), None, "{}", all(&start));
    assert!(lab.master_procs().is_empty(), "{:?}", lab.master_procs());
    assert_eq!(stdout(&lab.agent("status", &[])), "stopped");
}

/// SIGTERM (an init script, a person's Ctrl-C) while the start waits for the master it ran
/// to be ready: the start winds down through its own failure path and ends that master, and
/// its reason says it was interrupted. Before, the master (in its own session) was left
/// running (fault matrix M27).
#[test]
fn sigterm_mid_start_ends_the_master_it_ran() {
    if !moosefs_or_skip("sigterm_mid_start_ends_the_master_it_ran") {
        return;
    }
    let lab = MfsLab::new("sigterm", true);
    let agent = lab
        .agent_cmd(
            "mfsmaster",
            "start",
            &[("timeout", "60"), ("probe_host", common::mfsmaster::VIP)],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start: {e}"));
    let waited = Instant::now();
    while lab.master_pid().is_none() {
        assert!(
            waited.elapsed() < Duration::from_secs(30),
            "the master never ran"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // The master runs; the start now polls for an INFO answer that never comes.
    std::thread::sleep(Duration::from_millis(500));
    signal(agent.id(), "-TERM");
    let sent = Instant::now();
    let start = agent
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"));
    let took = sent.elapsed();
    assert_eq!(code(&start), Some(1), "{}", all(&start));
    let said = all(&start);
    assert!(
        said.contains("start interrupted by SIGTERM") && said.contains("mfsmaster stopped again"),
        "{said}"
    );
    assert!(took < Duration::from_secs(20), "took {took:?}: {said}");
    assert_eq!(lab.master_pid(), None, "{said}");
    assert!(lab.master_procs().is_empty(), "{:?}", lab.master_procs());
    assert_eq!(stdout(&lab.agent("status", &[])), "stopped");
}

/// A daemon that is gone as soon as its start command returned fails the start at once, not
/// when the start timeout (120 s) runs out.
#[test]
fn a_daemon_that_exits_at_once_fails_the_start_at_once() {
    if !moosefs_or_skip("a_daemon_that_exits_at_once_fails_the_start_at_once") {
        return;
    }
    let lab = MfsLab::new("exits", true);
    let script = lab.path("conf/exits-at-once");
    assert!(std::fs::write(&script, "#!/bin/sh\nexit 0\n").is_ok());
    let fake = lab.path("bin/mfsmaster");
    common::install_executable(&script, &fake);
    let began = Instant::now();
    let start = lab.agent("start", &[("binary", &fake.display().to_string())]);
    assert_eq!(code(&start), Some(1), "{}", all(&start));
    assert!(
        all(&start).contains("exited right after starting"),
        "{}",
        all(&start)
    );
    assert!(
        began.elapsed() < Duration::from_secs(10),
        "{:?}",
        began.elapsed()
    );
}

/// The config of a running master is edited (DATA_PATH made relative, or pointed elsewhere):
/// the master started with `-c CONFIG` is still this instance's. status reads running for
/// Heartbeat and stop ends it. Before, status said nothing or "stopped" and stop succeeded
/// (or failed with 6) while the master ran on.
#[test]
fn a_master_whose_config_was_edited_under_it_is_still_seen_and_stopped() {
    if !moosefs_or_skip("a_master_whose_config_was_edited_under_it_is_still_seen_and_stopped") {
        return;
    }
    let lab = MfsLab::new("edited", true);
    let config = lab.config();
    let original = std::fs::read_to_string(&config).expect("config");
    let data_path = format!("DATA_PATH = {}", lab.data_path().display());
    let other = lab.path("fs/other").display().to_string();
    for edited in [
        "DATA_PATH = relative/mfs".to_string(),
        format!("DATA_PATH = {other}"),
    ] {
        assert_eq!(code(&lab.agent("start", &[])), Some(0), "{edited}");
        let pid = lab.master_pid().expect("master runs");
        assert!(std::fs::write(&config, original.replace(&data_path, &edited)).is_ok());
        let status = lab.agent("status", &[]);
        let monitor = lab.monitor(0, &[]);
        let stop = lab.agent("stop", &[]);
        let alive = still_runs_after(pid, Duration::from_secs(2));
        assert!(std::fs::write(&config, &original).is_ok());
        assert_eq!(stdout(&status), "running", "{edited}: {}", all(&status));
        assert_eq!(code(&monitor), Some(1), "{edited}: {}", all(&monitor));
        assert_eq!(code(&stop), Some(0), "{edited}: {}", all(&stop));
        assert!(
            !alive,
            "{edited}: pid {pid} survived the stop: {}",
            all(&stop)
        );
        assert_eq!(lab.master_pid(), None, "{edited}");
    }
}

/// Whether `pid` still runs after `grace`: stop returns once the lock is free and the process
/// left its data directory, a moment before the exiting task is a zombie.
fn still_runs_after(pid: u32, grace: Duration) -> bool {
    let end = Instant::now() + grace;
    while common::process_runs(pid) {
        if Instant::now() >= end {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}
