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
    stat.get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .nth(n - 3)?
        .parse()
        .ok()
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
    assert!(!all(&start).contains("-a"), "{}", all(&start));
    assert_eq!(code(&lab.agent("stop", &[])), Some(0));
}

#[test]
fn kill_9_then_start_recovers_with_a_and_keeps_every_fsynced_write() {
    if !moosefs_or_skip("kill_9_then_start_recovers_with_a_and_keeps_every_fsynced_write") {
        return;
    }
    use std::io::Write;
    let mut lab = MfsLab::new("crash", true);
    let start = lab.agent("start", &[]);
    assert_eq!(code(&start), Some(0), "{start:?}");
    lab.start_chunkserver();
    let mnt = lab.mount_client();
    let dir = mnt.join("acked");
    assert!(std::fs::create_dir(&dir).is_ok());
    let mut written = Vec::new();
    for i in 0..40 {
        let body = format!("file {i} {}\n", "x".repeat(i * 37));
        let path = dir.join(format!("f{i}"));
        let mut f = std::fs::File::create(&path).unwrap_or_else(|e| panic!("create: {e}"));
        assert!(f.write_all(body.as_bytes()).is_ok());
        assert!(f.sync_all().is_ok(), "fsync of {}", path.display());
        written.push((path, body));
    }
    let pid = lab.master_pid().expect("master runs");
    signal(pid, "-9");
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
        "stale lock after kill -9"
    );
    let start = lab.agent("start", &[]);
    let log = all(&start);
    assert_eq!(code(&start), Some(0), "{log}");
    assert!(
        log.contains("mfsmaster -a"),
        "start must recover with -a: {log}"
    );
    assert!(!log.contains(" -i"), "{log}");
    assert!(
        log.contains("metadata.mfs.back version") && log.contains("last changelog change"),
        "the versions are logged: {log}"
    );
    let backups: Vec<_> = std::fs::read_dir(lab.data_path().join("mfs-ha-backup"))
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert_eq!(backups.len(), 1, "one timestamped backup");
    let saved: Vec<String> = std::fs::read_dir(&backups[0])
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
            "{} after recovery",
            path.display()
        );
    }
    let m = lab.monitor(10, &[]);
    assert_eq!(code(&m), Some(0), "{m:?}");
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
    common::moosefs::chown_mfs(&lock);
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
        "",
        "heartbeat must read neither running nor a clean stop"
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
fn a_sigstopped_master_fails_level_10_and_stop_kills_it_in_time() {
    if !moosefs_or_skip("a_sigstopped_master_fails_level_10_and_stop_kills_it_in_time") {
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
    let t = Instant::now();
    let stop = lab.agent("stop", &[("timeout", "8")]);
    assert_eq!(code(&stop), Some(0), "{stop:?}");
    assert!(t.elapsed() < Duration::from_secs(8), "{:?}", t.elapsed());
    assert!(all(&stop).contains("SIGKILL"), "{}", all(&stop));
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
    // The next start recovers.
    let start = lab.agent("start", &[]);
    assert_eq!(code(&start), Some(0), "{start:?}");
    assert!(all(&start).contains("mfsmaster -a"), "{}", all(&start));
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
    common::moosefs::chown_mfs(&dp);
    let start = lab.agent("start", &[]);
    assert_eq!(code(&start), Some(1), "{start:?}");
    assert!(all(&start).contains("no metadata in"), "{}", all(&start));
}

#[test]
fn start_refuses_metadata_older_than_the_pair_has_seen() {
    if !moosefs_or_skip("start_refuses_metadata_older_than_the_pair_has_seen") {
        return;
    }
    let lab = MfsLab::new("fresh", true);
    assert_eq!(code(&lab.agent("start", &[])), Some(0));
    assert_eq!(code(&lab.monitor(10, &[])), Some(0));
    assert_eq!(code(&lab.agent("stop", &[])), Some(0));
    let marks: Vec<_> = std::fs::read_dir(lab.path("state/mfsmaster"))
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert_eq!(
        marks.len(),
        1,
        "one high-water mark for this data directory"
    );
    let mark = &marks[0];
    let seen: u64 = std::fs::read_to_string(mark)
        .ok()
        .and_then(|t| t.split_whitespace().next().and_then(|v| v.parse().ok()))
        .expect("a version in the mark");
    // The pair saw more changes than this disk holds (a failover onto stale data).
    let ahead = seen + 100;
    assert!(std::fs::write(mark, format!("{ahead} 0 monitor (INFO)\n")).is_ok());
    let start = lab.agent("start", &[]);
    let log = all(&start);
    assert_eq!(code(&start), Some(1), "{log}");
    assert!(
        log.contains(&format!("version {seen}")) && log.contains(&format!("version {ahead}")),
        "{log}"
    );
    assert!(
        log.contains("restore") && log.contains("accept_stale_metadata=true"),
        "{log}"
    );
    assert!(lab.master_pid().is_none());
    // A local metalogger that holds newer changes counts as well.
    assert!(std::fs::write(mark, format!("{seen} 0 stop\n")).is_ok());
    let ml = lab.path("metalogger");
    assert!(std::fs::write(
        ml.join("changelog_ml.0.mfs"),
        format!("{}: 1|SESADD(x)\n", seen + 5)
    )
    .is_ok());
    let ml_param = ml.display().to_string();
    let start = lab.agent("start", &[("metalogger_data_path", &ml_param)]);
    assert_eq!(code(&start), Some(1), "{start:?}");
    assert!(
        all(&start).contains("changelog_ml.0.mfs"),
        "{}",
        all(&start)
    );
    // The operator accepts the loss: it starts, and the mark follows the running master.
    let start = lab.agent(
        "start",
        &[
            ("metalogger_data_path", &ml_param),
            ("accept_stale_metadata", "true"),
        ],
    );
    assert_eq!(code(&start), Some(0), "{start:?}");
    let now: u64 = std::fs::read_to_string(mark)
        .ok()
        .and_then(|t| t.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0);
    assert!(
        now <= seen + 2,
        "mark reset to the running master's version, got {now}"
    );
    assert_eq!(code(&lab.agent("stop", &[])), Some(0));
}

#[test]
fn metalogger_and_chunkserver_have_their_own_start_status_stop() {
    if !moosefs_or_skip("metalogger_and_chunkserver_have_their_own_start_status_stop") {
        return;
    }
    let mut lab = MfsLab::new("others", true);
    lab.mount_tmpfs("hdd", "512M");
    lab.expect_daemon(lab.path("metalogger"), "/usr/sbin/mfsmetalogger");
    lab.expect_daemon(lab.path("cs"), "/usr/sbin/mfschunkserver");
    assert_eq!(code(&lab.agent("start", &[])), Some(0));
    for (kind, cfg, lock) in [
        (
            "mfsmetalogger",
            "etc/mfsmetalogger.cfg",
            "metalogger/.mfsmetalogger.lock",
        ),
        (
            "mfschunkserver",
            "etc/mfschunkserver.cfg",
            "cs/.mfschunkserver.lock",
        ),
    ] {
        let cfg = lab.path(cfg).display().to_string();
        let p = [("config", cfg.as_str())];
        let st = lab.agent_as(kind, "status", &p);
        assert_eq!(
            (code(&st), stdout(&st)),
            (Some(3), "stopped".into()),
            "{kind}: {st:?}"
        );
        let start = lab.agent_as(kind, "start", &p);
        assert_eq!(code(&start), Some(0), "{kind}: {start:?}");
        let owner = agents::moosefs::lock::owner(&lab.path(lock)).ok().flatten();
        assert!(owner.is_some(), "{kind} holds its lock");
        assert_eq!(
            code(&lab.agent_as(kind, "start", &p)),
            Some(0),
            "{kind} start twice"
        );
        let st = lab.agent_as(kind, "status", &p);
        assert_eq!(
            (code(&st), stdout(&st)),
            (Some(0), "running".into()),
            "{kind}: {st:?}"
        );
        let mut deep = lab.agent_cmd(kind, "monitor", &p);
        deep.env_remove("HA_CURHOST")
            .env("OCF_RESOURCE_INSTANCE", kind)
            .env("OCF_RESKEY_CRM_meta_interval", "10000")
            .env("OCF_CHECK_LEVEL", "10");
        let out = deep.output().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(code(&out), Some(0), "{kind} level 10: {out:?}");
        let stop = lab.agent_as(kind, "stop", &p);
        assert_eq!(code(&stop), Some(0), "{kind}: {stop:?}");
        assert!(agents::moosefs::lock::owner(&lab.path(lock))
            .ok()
            .flatten()
            .is_none());
        assert_eq!(
            code(&lab.agent_as(kind, "stop", &p)),
            Some(0),
            "{kind} stop twice"
        );
    }
    // The meta-data names the agent after the name it was invoked as.
    let md = lab.agent_as("mfschunkserver", "meta-data", &[]);
    assert!(
        stdout(&md).contains("<resource-agent name=\"mfschunkserver\""),
        "{md:?}"
    );
}

#[test]
fn passes_ocf_tester_with_a_real_master() {
    if !moosefs_or_skip("passes_ocf_tester_with_a_real_master") {
        return;
    }
    let tester = "/usr/sbin/ocf-tester";
    if !std::path::Path::new(tester).exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{tester} is missing under CI=true: apt-get install -y resource-agents libxml2-utils"
        );
        eprintln!("skipped: {tester} not installed");
        return;
    }
    let lab = MfsLab::new("ocft", true);
    let agent = common::moosefs::mfs_bin().display().to_string();
    let config = format!("config={}", lab.config().display());
    let mount = format!("mount_point={}", lab.mount_point().display());
    let mut cmd = lab
        .ns
        .cmd(tester, &["-n", "mfsm", "-o", &config, "-o", &mount, &agent]);
    lab.agent_env(&mut cmd);
    let out = cmd.output().unwrap_or_else(|e| panic!("ocf-tester: {e}"));
    let stdout = text(&out.stdout);
    eprintln!("{stdout}");
    assert!(
        out.status.success() && stdout.contains("passed all tests"),
        "ocf-tester failed:\n{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(lab.master_pid().is_none() && lab.master_procs().is_empty());
}

/// mfscgiserv moves with the VIP: it listens on listen_host only, answers HTTP at level 10,
/// and its flock-held lock (always /var/lib/mfs/.mfscgiserv.lock) is what status reads.
#[test]
fn mfscgiserv_listens_on_the_vip_and_answers_http() {
    if !moosefs_or_skip("mfscgiserv_listens_on_the_vip_and_answers_http") {
        return;
    }
    if !std::path::Path::new("/usr/sbin/mfscgiserv").exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "mfscgiserv missing under CI=true: apt-get install -y moosefs-cgiserv"
        );
        return;
    }
    let lock = std::path::Path::new("/var/lib/mfs/.mfscgiserv.lock");
    let lock_existed = lock.exists();
    let mut lab = MfsLab::new("cgi", true);
    lab.expect_daemon("/var/lib/mfs".into(), "/usr/sbin/mfscgiserv");
    let p = [("listen_host", common::moosefs::VIP)];
    let st = lab.agent_as("mfscgiserv", "status", &p);
    assert_eq!(
        (code(&st), stdout(&st)),
        (Some(3), "stopped".into()),
        "{st:?}"
    );
    let start = lab.agent_as("mfscgiserv", "start", &p);
    assert_eq!(code(&start), Some(0), "{start:?}");
    let st = lab.agent_as("mfscgiserv", "status", &p);
    assert_eq!(
        (code(&st), stdout(&st)),
        (Some(0), "running".into()),
        "{st:?}"
    );
    let mut deep = lab.agent_cmd("mfscgiserv", "monitor", &p);
    deep.env_remove("HA_CURHOST")
        .env("OCF_RESOURCE_INSTANCE", "cgi")
        .env("OCF_RESKEY_CRM_meta_interval", "10000")
        .env("OCF_CHECK_LEVEL", "10");
    let out = deep.output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&out), Some(0), "level 10: {out:?}");
    let stop = lab.agent_as("mfscgiserv", "stop", &p);
    assert_eq!(code(&stop), Some(0), "{stop:?}");
    let st = lab.agent_as("mfscgiserv", "status", &p);
    assert_eq!(
        (code(&st), stdout(&st)),
        (Some(3), "stopped".into()),
        "{st:?}"
    );
    drop(lab);
    if !lock_existed {
        let _ = std::fs::remove_file(lock);
    }
}

/// A start that runs out of time must not take the daemon with it: the daemon is in its own
/// session, so the runner's process-group kill at the deadline misses it. The exports file is a
/// FIFO here, so the daemon blocks in its initialisation until the test writes it.
#[test]
fn a_timed_out_start_leaves_the_detached_daemon_running() {
    if !moosefs_or_skip("a_timed_out_start_leaves_the_detached_daemon_running") {
        return;
    }
    use std::io::Write;
    let lab = MfsLab::new("tmout", true);
    let fifo = lab.path("etc/exports.fifo");
    let mk = common::run("mkfifo", &["-m", "644", &fifo.display().to_string()]);
    assert!(mk.status.success(), "mkfifo");
    let cfg = std::fs::read_to_string(lab.config()).unwrap_or_default();
    let cfg: String = cfg
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
    let blocked = lab
        .master_pid()
        .expect("the daemon holds the lock while it waits");
    // Let it finish its initialisation: it must come up on its own.
    let mut w = std::fs::OpenOptions::new()
        .write(true)
        .open(&fifo)
        .unwrap_or_else(|e| panic!("open fifo: {e}"));
    assert!(w
        .write_all(b"127.0.0.1 / rw,alldirs,admin,maproot=0:0\n")
        .is_ok());
    drop(w);
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let m = lab.monitor(10, &[]);
        if code(&m) == Some(0) {
            break;
        }
        assert!(
            Instant::now() < end,
            "the detached master never became ready: {m:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(lab.master_pid(), Some(blocked));
    assert_eq!(code(&lab.agent("stop", &[])), Some(0));
}

/// Heartbeat's own `/usr/share/heartbeat/ResourceManager status mfsmaster::<config>` (only the
/// script) on the agent in a private resource directory: a running master is owned (0); a
/// stopped one and a failed one (lock file deleted) are not (3), where the daemon's own
/// `mfsmaster test` misses the master entirely.
#[test]
fn heartbeat_resource_manager_reads_the_master_status() {
    if !moosefs_or_skip("heartbeat_resource_manager_reads_the_master_status") {
        return;
    }
    let rm = "/usr/share/heartbeat/ResourceManager";
    if !std::path::Path::new(rm).exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{rm} is missing under CI=true: apt-get install -y heartbeat"
        );
        eprintln!("skipped: {rm} not installed");
        return;
    }
    let lab = MfsLab::new("hbrm", true);
    let resdir = lab.path("resource.d");
    assert!(std::fs::create_dir_all(&resdir).is_ok());
    assert!(std::fs::copy(common::moosefs::mfs_bin(), resdir.join("mfsmaster")).is_ok());
    let resource = format!("mfsmaster::{}", lab.config().display());
    let rm_status = || {
        let mut cmd = lab.ns.cmd(rm, &["status", &resource]);
        lab.agent_env(&mut cmd);
        cmd.env("HA_RESOURCEDIR", &resdir)
            .env("OCF_RESKEY_mount_point", lab.mount_point());
        cmd.output().unwrap_or_else(|e| panic!("{rm}: {e}"))
    };
    assert_eq!(code(&rm_status()), Some(3), "stopped");
    assert_eq!(code(&lab.agent("start", &[])), Some(0));
    assert_eq!(code(&rm_status()), Some(0), "running");
    let cfg = lab.config().display().to_string();
    let test = lab.in_ns("/usr/sbin/mfsmaster", &["-c", &cfg, "test"]);
    assert_eq!(
        code(&test),
        Some(0),
        "the daemon's own test agrees: {test:?}"
    );
    assert!(std::fs::remove_file(lab.data_path().join(".mfsmaster.lock")).is_ok());
    let test = lab.in_ns("/usr/sbin/mfsmaster", &["-c", &cfg, "test"]);
    assert!(
        text(&test.stderr).contains("not running"),
        "mfsmaster test misses the master whose lock file is gone: {test:?}"
    );
    assert_eq!(code(&rm_status()), Some(3), "failed is not owned");
    assert_eq!(code(&lab.agent("stop", &[])), Some(0));
    assert_eq!(code(&rm_status()), Some(3), "stopped again");
}
