//! mfsmaster against the real MooseFS 3.0 master, each test in its own network namespace
//! (`mfsha-mfs...`), data on a tmpfs "failover filesystem": the lifecycle, crash recovery and
//! the ways a master can mislead a naive agent. Root only; under CI=true a missing root or
//! MooseFS package fails the test.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::mfsmaster::{
    all, code, kill_now, moosefs_or_skip, signal, stat_field, stdout, MfsLab, CHANGELOG_FSYNC,
};

#[test]
fn start_status_stop_are_idempotent_with_heartbeat_texts() {
    if !moosefs_or_skip("start_status_stop_are_idempotent_with_heartbeat_texts") {
        return;
    }
    let lab = MfsLab::new("idem", true);
    let st = lab.agent("status", &[]);
    assert_eq!(
        (code(&st), stdout(&st)),
        (Some(3), "stopped".into()),
        "{st:?}"
    );
    let stop = lab.agent("stop", &[]);
    assert_eq!(code(&stop), Some(0), "stop when stopped: {stop:?}");
    let start = lab.agent("start", &[]);
    assert_eq!(code(&start), Some(0), "{start:?}");
    let pid = lab
        .master_pid()
        .expect("a master holds the lock after start");
    // The daemon left the agent's session and process group: a group kill cannot reach it.
    let me_sid = stat_field(std::process::id(), 6);
    assert_eq!(
        stat_field(pid, 6),
        stat_field(pid, 5),
        "master leads its own session"
    );
    assert_ne!(stat_field(pid, 6), me_sid);
    let st = lab.agent("status", &[]);
    assert_eq!(
        (code(&st), stdout(&st)),
        (Some(0), "running".into()),
        "{st:?}"
    );
    let again = lab.agent("start", &[]);
    assert_eq!(code(&again), Some(0), "start when running: {again:?}");
    assert_eq!(
        lab.master_pid(),
        Some(pid),
        "a second start must not restart it"
    );
    for level in [0, 10, 20] {
        let m = lab.monitor(level, &[]);
        assert_eq!(code(&m), Some(0), "level {level}: {m:?}");
    }
    // Level 20: a master that has not stored metadata within max_metadata_age is failed.
    std::thread::sleep(Duration::from_millis(2100));
    let m = lab.monitor(20, &[("max_metadata_age", "1")]);
    assert_eq!(code(&m), Some(1), "{m:?}");
    assert!(all(&m).contains("metadata not stored"), "{}", all(&m));
    // haresources `mfsmaster::<config>`: the config as the first positional argument.
    let cfg = lab.config().display().to_string();
    let mut hb = lab.agent_argv("mfsmaster", &[&cfg, "status"], &[]);
    let hb = hb
        .env_remove("OCF_RESKEY_config")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (code(&hb), stdout(&hb)),
        (Some(0), "running".into()),
        "{hb:?}"
    );
    let t = Instant::now();
    let stop = lab.agent("stop", &[]);
    assert_eq!(code(&stop), Some(0), "{stop:?}");
    assert!(
        all(&stop).contains("metadata.mfs written in"),
        "{}",
        all(&stop)
    );
    assert!(t.elapsed() < Duration::from_secs(15));
    assert!(lab.data_path().join("metadata.mfs").exists());
    assert!(
        lab.master_procs().is_empty(),
        "no master process may remain"
    );
    let st = lab.agent("status", &[]);
    assert_eq!((code(&st), stdout(&st)), (Some(3), "stopped".into()));
    assert_eq!(code(&lab.agent("stop", &[])), Some(0));
    // A restart after the clean stop is a plain start.
    let start = lab.agent("start", &[]);
    assert_eq!(code(&start), Some(0), "{start:?}");
    // The agent's own words for a recovery; a bare "-a" also matches the temporary directory
    // (`…-apMN4C`), which made this assertion fail at random.
    let text = all(&start);
    assert!(
        !text.contains("with -a") && !text.contains("mfsmaster -a"),
        "{text}"
    );
    assert_eq!(code(&lab.agent("stop", &[])), Some(0));
}

/// The lab runs CHANGELOG_SAVE_MODE = 2, as recommended. Each round kills the master (a direct
/// SIGKILL) the moment the last fsync has returned, recovers it with -a and reads back every
/// file fsynced so far. In the last round the master's data writer is stopped first, as a
/// loaded node may leave it behind: in mode 0 (MooseFS's default) the master answers the client
/// once the change is queued for that writer, so when the 64 KiB pipe to it is full the
/// acknowledged changes live only in the master's memory and die with it (by hand: 363 of 600
/// files lost); in mode 2 the master has fsynced each one itself before answering.
#[test]
fn kill_9_then_start_recovers_with_a_and_keeps_every_fsynced_write() {
    if !moosefs_or_skip("kill_9_then_start_recovers_with_a_and_keeps_every_fsynced_write") {
        return;
    }
    const ROUNDS: usize = 3;
    let mut lab = MfsLab::new("crash", true);
    let start = lab.agent("start", &[]);
    assert_eq!(code(&start), Some(0), "{start:?}");
    lab.start_chunkserver();
    let mnt = lab.mount_client();
    let dir = mnt.join("acked");
    assert!(std::fs::create_dir(&dir).is_ok());
    let mut written = Vec::new();
    for round in 1..=ROUNDS {
        let pid = lab.master_pid().expect("master runs");
        let stalled = (round == ROUNDS).then(|| {
            let writer = lab.master_procs().into_iter().find(|p| *p != pid);
            let writer = writer.expect("the master's data writer child");
            signal(writer, "-STOP");
            writer
        });
        // 600 files: the first ~240 fill the pipe to a stopped writer.
        let files = if stalled.is_some() { 600 } else { 40 };
        for i in 0..files {
            written.push(write_and_fsync(&dir, &format!("r{round}f{i}"), i % 40));
        }
        // No pause: whatever was acknowledged must already be on disk.
        kill_now(pid);
        if let Some(writer) = stalled {
            signal(writer, "-CONT"); // it writes what the pipe holds, then exits
        }
        let end = Instant::now() + Duration::from_secs(10);
        while lab.master_pid().is_some() || !lab.master_procs().is_empty() {
            assert!(Instant::now() < end, "the killed master did not go away");
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(!lab.data_path().join("metadata.mfs").exists());
        let st = lab.agent("status", &[]);
        assert_eq!(
            (code(&st), stdout(&st)),
            (Some(3), "stopped".into()),
            "stale lock after kill -9 (round {round})"
        );
        let start = lab.agent("start", &[]);
        let log = all(&start);
        assert_eq!(code(&start), Some(0), "round {round}: {log}");
        assert!(
            log.contains("mfsmaster -a"),
            "start must recover with -a: {log}"
        );
        assert!(!log.contains(" -i"), "{log}");
        assert!(
            log.contains("metadata.mfs.back version") && log.contains("last changelog change"),
            "the versions are logged: {log}"
        );
        assert!(
            !log.contains("CHANGELOG_SAVE_MODE"),
            "mode 2 is not warned about: {log}"
        );
        let mut backups: Vec<_> = std::fs::read_dir(lab.data_path().join("mfs-ha-backup"))
            .map(|r| r.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        backups.sort();
        assert_eq!(backups.len(), round, "one timestamped backup per recovery");
        let saved: Vec<String> = std::fs::read_dir(&backups[round - 1])
            .map(|r| {
                r.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        assert!(saved.iter().any(|n| n == "metadata.mfs.back"), "{saved:?}");
        assert!(
            saved.iter().any(|n| n.starts_with("changelog.")),
            "{saved:?}"
        );
        for (path, body) in &written {
            let back = std::fs::read_to_string(path);
            assert_eq!(
                back.as_deref().ok(),
                Some(body.as_str()),
                "{} after recovery {round}",
                path.display()
            );
        }
    }
    let m = lab.monitor(10, &[]);
    assert_eq!(code(&m), Some(0), "{m:?}");
}

/// Creates `dir/name` with a body of a size that depends on `i`, fsyncs it: (path, body).
fn write_and_fsync(dir: &Path, name: &str, i: usize) -> (PathBuf, String) {
    use std::io::Write;
    let body = format!("{name} {}\n", "x".repeat(i * 37));
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).unwrap_or_else(|e| panic!("create: {e}"));
    assert!(f.write_all(body.as_bytes()).is_ok());
    assert!(f.sync_all().is_ok(), "fsync of {}", path.display());
    (path, body)
}

/// Mode 0 (MooseFS's default) and 1 can lose acknowledged changes in a crash: start says so in
/// one warning line and goes on; mode 2 is silent. validate-all, status and monitor never say it.
#[test]
fn start_warns_once_unless_changelog_save_mode_is_2() {
    if !moosefs_or_skip("start_warns_once_unless_changelog_save_mode_is_2") {
        return;
    }
    let lab = MfsLab::new("chlog", true);
    for (line, said) in [
        (
            "",
            Some("CHANGELOG_SAVE_MODE is not set (mode 0, the default)"),
        ),
        (
            "CHANGELOG_SAVE_MODE = 1",
            Some("CHANGELOG_SAVE_MODE = 1 in"),
        ),
        (CHANGELOG_FSYNC, None),
    ] {
        lab.set_changelog_mode_line(line);
        let v = lab.agent("validate-all", &[]);
        assert_eq!(code(&v), Some(0), "{line:?}: {v:?}");
        let start = lab.agent("start", &[]);
        let log = all(&start);
        assert_eq!(code(&start), Some(0), "{line:?}: {log}");
        let warnings: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("CHANGELOG_SAVE_MODE"))
            .collect();
        match said {
            Some(said) => {
                assert_eq!(warnings.len(), 1, "{line:?}: {log}");
                let w = warnings[0];
                assert!(w.contains("WARN: ") && w.contains(said), "{w}");
                assert!(w.contains("acknowledged"), "names the risk: {w}");
                assert!(
                    w.contains("set `CHANGELOG_SAVE_MODE = 2`"),
                    "and the fix: {w}"
                );
            }
            None => assert!(warnings.is_empty(), "{line:?}: {log}"),
        }
        for quiet in [&v, &lab.agent("status", &[]), &lab.monitor(10, &[])] {
            assert!(
                !all(quiet).contains("CHANGELOG_SAVE_MODE"),
                "{}",
                all(quiet)
            );
        }
        assert_eq!(code(&lab.agent("stop", &[])), Some(0));
    }
}

#[test]
fn a_stale_lock_file_is_not_a_running_master() {
    if !moosefs_or_skip("a_stale_lock_file_is_not_a_running_master") {
        return;
    }
    let lab = MfsLab::new("stale", true);
    // The PID text names a live process (ourselves); only the kernel's lock counts.
    let lock = lab.data_path().join(".mfsmaster.lock");
    assert!(std::fs::write(&lock, format!("{}\n", std::process::id())).is_ok());
    common::mfsmaster::chown_mfs(&lock);
    let st = lab.agent("status", &[]);
    assert_eq!(
        (code(&st), stdout(&st)),
        (Some(3), "stopped".into()),
        "{st:?}"
    );
    let m = lab.monitor(0, &[]);
    assert_eq!(code(&m), Some(7), "{m:?}");
    assert_eq!(code(&lab.agent("stop", &[])), Some(0));
    let start = lab.agent("start", &[]);
    assert_eq!(code(&start), Some(0), "{start:?}");
    assert_eq!(code(&lab.agent("stop", &[])), Some(0));
}

#[test]
fn a_deleted_lock_file_is_a_failure_naming_the_pid_and_stop_ends_it() {
    if !moosefs_or_skip("a_deleted_lock_file_is_a_failure_naming_the_pid_and_stop_ends_it") {
        return;
    }
    let lab = MfsLab::new("dellock", true);
    assert_eq!(code(&lab.agent("start", &[])), Some(0));
    let pid = lab.master_pid().expect("master runs");
    assert!(std::fs::remove_file(lab.data_path().join(".mfsmaster.lock")).is_ok());
    let st = lab.agent("status", &[]);
    assert_eq!(code(&st), Some(1), "{st:?}");
    assert_eq!(
        stdout(&st),
        "running",
        "our master still runs: heartbeat must read running (a failed stop then reboots)"
    );
    let m = lab.monitor(0, &[]);
    assert_eq!(code(&m), Some(1), "{m:?}");
    assert!(
        all(&m).contains(&pid.to_string()),
        "the reason names pid {pid}: {}",
        all(&m)
    );
    let stop = lab.agent("stop", &[]);
    assert_eq!(code(&stop), Some(0), "{stop:?}");
    assert!(lab.master_procs().is_empty());
    let st = lab.agent("status", &[]);
    assert_eq!((code(&st), stdout(&st)), (Some(3), "stopped".into()));
}

#[test]
fn a_sigstopped_master_fails_level_10_and_stop_continues_it_in_time() {
    if !moosefs_or_skip("a_sigstopped_master_fails_level_10_and_stop_continues_it_in_time") {
        return;
    }
    let lab = MfsLab::new("sigstop", true);
    assert_eq!(code(&lab.agent("start", &[])), Some(0));
    let pid = lab.master_pid().expect("master runs");
    signal(pid, "-STOP");
    assert_eq!(
        code(&lab.monitor(0, &[])),
        Some(0),
        "level 0 only asks the kernel"
    );
    let t = Instant::now();
    let m = lab.monitor(10, &[("probe_timeout", "1")]);
    assert_eq!(code(&m), Some(1), "{m:?}");
    assert!(all(&m).contains("no answer"), "{}", all(&m));
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    // Heartbeat's default budget: a stopped master ignores TERM until continued, so stop
    // sends SIGCONT at once and the master saves its metadata, long before any SIGKILL.
    let t = Instant::now();
    let stop = lab.agent("stop", &[("timeout", "120")]);
    assert_eq!(code(&stop), Some(0), "{stop:?}");
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    let log = all(&stop);
    assert!(log.contains("state T") && log.contains("SIGCONT"), "{log}");
    assert!(!log.contains("SIGKILL to"), "{log}");
    assert!(log.contains("metadata.mfs written"), "{log}");
    assert!(lab.master_procs().is_empty() && lab.master_pid().is_none());
}

#[test]
fn stop_of_a_master_that_ignores_term_ends_within_the_deadline() {
    if !moosefs_or_skip("stop_of_a_master_that_ignores_term_ends_within_the_deadline") {
        return;
    }
    let lab = MfsLab::new("noterm", true);
    assert_eq!(code(&lab.agent("start", &[])), Some(0));
    // An unwritable data directory: the master retries its metadata dump forever.
    let dp = lab.data_path();
    assert!(std::fs::set_permissions(&dp, std::fs::Permissions::from_mode(0o555)).is_ok());
    let t = Instant::now();
    let stop = lab.agent("stop", &[("timeout", "10")]);
    let took = t.elapsed();
    let _ = std::fs::set_permissions(&dp, std::fs::Permissions::from_mode(0o755));
    assert_eq!(code(&stop), Some(0), "{stop:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert!(
        took > Duration::from_secs(5),
        "it must have waited for the dump: {took:?}"
    );
    let log = all(&stop);
    assert!(
        log.contains("SIGKILL") && log.contains("replays the changelogs"),
        "{log}"
    );

    assert!(lab.master_procs().is_empty() && lab.master_pid().is_none());
    // The next start recovers, and reports the emergency dump the stop left (never silent);
    // the lab removes that dump (it carries this lab's metadata id) when it ends.
    let start = lab.agent("start", &[]);
    assert_eq!(code(&start), Some(0), "{start:?}");
    let log = all(&start);
    assert!(log.contains("mfsmaster -a"), "{log}");
    assert!(
        log.contains("metadata.mfs.emergency"),
        "not reported: {log}"
    );
    // Another crash: backup_keep=1 leaves only the newest backup.
    signal(lab.master_pid().expect("master runs"), "-9");
    let end = Instant::now() + Duration::from_secs(10);
    while !lab.master_procs().is_empty() || lab.master_pid().is_some() {
        assert!(Instant::now() < end, "the killed master did not go away");
        std::thread::sleep(Duration::from_millis(50));
    }
    let start = lab.agent("start", &[("backup_keep", "1")]);
    assert_eq!(code(&start), Some(0), "{start:?}");
    let backups = std::fs::read_dir(lab.data_path().join("mfs-ha-backup"))
        .map(|r| r.count())
        .unwrap_or(0);
    assert_eq!(backups, 1, "{}", all(&start));
}

#[test]
fn start_refuses_an_unmounted_data_directory() {
    if !moosefs_or_skip("start_refuses_an_unmounted_data_directory") {
        return;
    }
    // fs/ is a bare directory that even holds metadata: it must still be refused.
    let lab = MfsLab::new("unmnt", false);
    let start = lab.agent("start", &[]);
    assert_eq!(code(&start), Some(1), "{start:?}");
    assert!(all(&start).contains("is not mounted"), "{}", all(&start));
    assert!(lab.master_pid().is_none() && lab.master_procs().is_empty());
    let mut probe = lab.agent_cmd("mfsmaster", "monitor", &[]);
    probe
        .env_remove("HA_CURHOST")
        .env("OCF_RESOURCE_INSTANCE", "mfsm");
    let out = probe.output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&out), Some(7), "a probe says not running: {out:?}");
    // An empty mounted filesystem (no metadata at all) is refused too, with the reason.
    let mut lab = lab;
    lab.mount_tmpfs("fs", "16M");
    let dp = lab.data_path();
    assert!(std::fs::create_dir_all(&dp).is_ok());
    common::mfsmaster::chown_mfs(&dp);
    let start = lab.agent("start", &[]);
    assert_eq!(code(&start), Some(1), "{start:?}");
    assert!(all(&start).contains("no metadata in"), "{}", all(&start));
}

/// A start that runs out of time leaves nothing half-done (the fault matrix's standard: a
/// failed start is all or nothing). The daemon is in its own session, so the runner's
/// process-group kill at the deadline misses it: the agent ends it by its lock before failing.
/// The exports file is a FIFO here, so the daemon blocks in its initialisation until the test
/// writes it; once it can be read, a new start succeeds. (Before the fault matrix, the
/// timed-out start left the detached daemon running, and this test pinned that.)
#[test]
fn a_timed_out_start_ends_the_detached_daemon_it_ran() {
    if !moosefs_or_skip("a_timed_out_start_ends_the_detached_daemon_it_ran") {
        return;
    }
    use std::io::Write;
    let lab = MfsLab::new("tmout", true);
    let fifo = lab.path("etc/exports.fifo");
    let mk = common::run("mkfifo", &["-m", "644", &fifo.display().to_string()]);
    assert!(mk.status.success(), "mkfifo");
    let original = std::fs::read_to_string(lab.config()).unwrap_or_default();
    let cfg: String = original
        .lines()
        .map(|l| match l.starts_with("EXPORTS_FILENAME") {
            true => format!("EXPORTS_FILENAME = {}\n", fifo.display()),
            false => format!("{l}\n"),
        })
        .collect();
    assert!(std::fs::write(lab.config(), cfg).is_ok());
    let t = Instant::now();
    let start = lab.agent("start", &[("timeout", "4")]);
    assert_eq!(code(&start), Some(1), "{start:?}");
    assert!(t.elapsed() < Duration::from_secs(6), "{:?}", t.elapsed());
    assert!(all(&start).contains("killed after"), "{}", all(&start));
    assert!(
        all(&start).contains("mfsmaster stopped again"),
        "{}",
        all(&start)
    );
    assert_eq!(
        lab.master_pid(),
        None,
        "the daemon was left: {}",
        all(&start)
    );
    assert!(lab.master_procs().is_empty(), "{:?}", lab.master_procs());
    let st = lab.agent("status", &[]);
    assert_eq!(stdout(&st), "stopped", "{st:?}");
    // With the exports file readable again, the next start comes up.
    let writer = std::thread::spawn(move || {
        let mut w = std::fs::OpenOptions::new().write(true).open(&fifo)?;
        w.write_all(b"127.0.0.1 / rw,alldirs,admin,maproot=0:0\n")
    });
    let start = lab.agent("start", &[]);
    assert_eq!(code(&start), Some(0), "{}", all(&start));
    assert!(
        writer.join().is_ok_and(|r| r.is_ok()),
        "writing the exports FIFO"
    );
    assert_eq!(code(&lab.monitor(10, &[])), Some(0));
    assert_eq!(code(&lab.agent("stop", &[])), Some(0));
}

/// An orphaned data writer (its master killed while the writer hung) holds .bgwriter.lock, so
/// the daemon's own start fails with "bgsaver lock exists". start ends it first, then recovers.
#[test]
fn start_ends_an_orphaned_data_writer_then_recovers() {
    if !moosefs_or_skip("start_ends_an_orphaned_data_writer_then_recovers") {
        return;
    }
    let lab = MfsLab::new("orphan", true);
    assert_eq!(code(&lab.agent("start", &[])), Some(0));
    let master = lab.master_pid().expect("master runs");
    let writer = lab
        .master_procs()
        .into_iter()
        .find(|p| *p != master)
        .expect("the data writer child");
    signal(writer, "-STOP");
    signal(master, "-9");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        lab.master_procs(),
        vec![writer],
        "only the hung writer is left"
    );
    let st = lab.agent("status", &[]);
    assert_eq!(
        code(&st),
        Some(1),
        "an orphan is a failure, not stopped: {st:?}"
    );
    let t = Instant::now();
    let start = lab.agent("start", &[]);
    assert_eq!(code(&start), Some(0), "{start:?}");
    assert!(t.elapsed() < Duration::from_secs(25), "{:?}", t.elapsed());
    assert!(all(&start).contains("mfsmaster -a"), "{}", all(&start));
    assert!(!lab.master_procs().contains(&writer));
    assert_eq!(code(&lab.agent("stop", &[])), Some(0));
}
