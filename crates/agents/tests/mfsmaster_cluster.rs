//! mfsmaster in its surroundings, with the real MooseFS 3.0 daemons in a test-owned network
//! namespace: the metadata freshness refusal, the metalogger, chunkserver and mfscgiserv
//! kinds, ocf-tester, and Heartbeat's ResourceManager reading the status. Root only; under
//! CI=true a missing root or package fails the test.

mod common;

use common::heartbeat::{ResourceDir, RESOURCE_MANAGER};
use common::mfsmaster::{all, code, moosefs_or_skip, stdout, MfsLab};
use common::text;

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
        // The changelog mode is the master's: no warning about it here.
        assert!(
            !all(&start).contains("CHANGELOG_SAVE_MODE"),
            "{}",
            all(&start)
        );
        let owner = hostops::lockholder::owner(&lab.path(lock)).ok().flatten();
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
        assert!(hostops::lockholder::owner(&lab.path(lock))
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
    if !common::installed_or_skip(tester, "resource-agents libxml2-utils") {
        return;
    }
    let lab = MfsLab::new("ocft", true);
    let agent = common::mfsmaster::mfs_bin().display().to_string();
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
    if !common::installed_or_skip("/usr/sbin/mfscgiserv", "moosefs-cgiserv") {
        return;
    }
    let lock = std::path::Path::new("/var/lib/mfs/.mfscgiserv.lock");
    let lock_existed = lock.exists();
    let mut lab = MfsLab::new("cgi", true);
    lab.expect_daemon("/var/lib/mfs".into(), "/usr/sbin/mfscgiserv");
    let p = [("listen_host", common::mfsmaster::VIP)];
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

/// Heartbeat's own `/usr/share/heartbeat/ResourceManager status mfsmaster::<config>` (only the
/// script) on the agent in a private resource directory: a running master is owned (0); a
/// stopped one and a failed one (lock file deleted) are not (3), where the daemon's own
/// `mfsmaster test` misses the master entirely.
#[test]
fn heartbeat_resource_manager_reads_the_master_status() {
    if !moosefs_or_skip("heartbeat_resource_manager_reads_the_master_status") {
        return;
    }
    let lab = MfsLab::new("hbrm", true);
    let Some(resdir) = ResourceDir::with_agent(
        lab.path("resource.d"),
        &common::mfsmaster::mfs_bin(),
        "mfsmaster",
    ) else {
        return;
    };
    let resource = format!("mfsmaster::{}", lab.config().display());
    let rm_status = || {
        let mut cmd = lab.ns.cmd(RESOURCE_MANAGER, &["status", &resource]);
        lab.agent_env(&mut cmd);
        cmd.env("OCF_RESKEY_mount_point", lab.mount_point());
        resdir.run(cmd)
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
    // Our master still runs (found in /proc by its program and data directory): Heartbeat
    // must count it as running, so that it neither starts a second one nor, after a failed
    // stop, hands the metadata to the peer without a reboot.
    assert_eq!(
        code(&rm_status()),
        Some(0),
        "a running master without its lock file is owned"
    );
    assert_eq!(code(&lab.agent("stop", &[])), Some(0));
    assert_eq!(code(&rm_status()), Some(3), "stopped again");
}

/// The failover the freshness check exists for: the master's data directory goes back to an
/// older copy (a stale DRBD peer) while the local metalogger saw every change. start refuses,
/// naming both versions; the recovery commands from the message bring every change back.
#[test]
fn stale_data_is_refused_and_the_metalogger_recovery_commands_restore_it() {
    if !moosefs_or_skip("stale_data_is_refused_and_the_metalogger_recovery_commands_restore_it") {
        return;
    }
    let mut lab = MfsLab::new("mlrec", true);
    lab.expect_daemon(lab.path("metalogger"), "/usr/sbin/mfsmetalogger");
    let ml = lab.path("metalogger");
    let ml_s = ml.display().to_string();
    let ml_cfg = lab.path("etc/mfsmetalogger.cfg").display().to_string();
    let with_ml = [("metalogger_data_path", ml_s.as_str())];
    // A first clean stop turns Debian's empty `MFSM NEW` into an image a metalogger can keep.
    assert_eq!(code(&lab.agent("start", &with_ml)), Some(0));
    assert_eq!(code(&lab.agent("stop", &with_ml)), Some(0));
    // The stale copy: the data directory as it was before the changes below.
    let snapshot = lab.path("stale-copy");
    copy_dir(&lab.data_path(), &snapshot);
    assert_eq!(code(&lab.agent("start", &with_ml)), Some(0));
    // The metalogger is connected (it has downloaded the image) before the changes are made:
    // a metalogger that reconnects only after the master stopped would never see them.
    let ml_start = lab.agent_as("mfsmetalogger", "start", &[("config", &ml_cfg)]);
    assert_eq!(code(&ml_start), Some(0), "{ml_start:?}");
    wait_for(
        || ml.join("metadata_ml.mfs.back").exists(),
        "metalogger download",
    );
    let mnt = lab.mount_client();
    for i in 0..20 {
        assert!(std::fs::create_dir(mnt.join(format!("after-snapshot-{i}"))).is_ok());
    }
    lab.unmount_client();
    let newest =
        |dir: &std::path::Path| agents::mfsmaster::metaver::newest_in(dir).map_or(0, |n| n.version);
    assert_eq!(code(&lab.agent("stop", &with_ml)), Some(0));
    let served = newest(&lab.data_path());
    wait_for(|| newest(&ml) >= served, "metalogger catching up");
    // Failover onto the stale copy.
    let dp = lab.data_path();
    for e in std::fs::read_dir(&dp)
        .map(|r| r.flatten().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        let _ = std::fs::remove_file(e.path()).or_else(|_| std::fs::remove_dir_all(e.path()));
    }
    copy_dir(&snapshot, &dp);
    let stale = newest(&dp);
    assert!(stale < served, "{stale} < {served}");
    let start = lab.agent("start", &with_ml);
    let reason = all(&start);
    assert_eq!(code(&start), Some(1), "{reason}");
    assert!(reason.contains(&format!("version {stale}")), "{reason}");
    assert!(reason.contains("changelog_ml"), "{reason}");
    assert!(lab.master_pid().is_none());
    // The recovery commands the message gives.
    let ml_stop = lab.agent_as("mfsmetalogger", "stop", &[("config", &ml_cfg)]);
    assert_eq!(code(&ml_stop), Some(0));
    // `cp -a <ml>/metadata_ml.mfs.back* <ml>/changelog_ml*.mfs <data>`, globbed here, no shell.
    let mut cp_args = vec!["-a".to_string()];
    let mut names: Vec<String> = std::fs::read_dir(&ml)
        .map(|r| r.flatten().collect::<Vec<_>>())
        .unwrap_or_default()
        .iter()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.starts_with("metadata_ml.mfs.back")
                || (n.starts_with("changelog_ml") && n.ends_with(".mfs"))
        })
        .collect();
    names.sort();
    assert!(!names.is_empty(), "the metalogger kept no files in {ml_s}");
    cp_args.extend(names.iter().map(|n| format!("{ml_s}/{n}")));
    cp_args.push(dp.display().to_string());
    let cp_refs: Vec<&str> = cp_args.iter().map(String::as_str).collect();
    let cp = common::run("cp", &cp_refs);
    assert!(cp.status.success(), "{cp:?}");
    let chown = common::run("chown", &["-R", "mfs:mfs", &dp.display().to_string()]);
    assert!(chown.status.success(), "{chown:?}");
    let cfg = lab.config().display().to_string();
    let restore = lab.in_ns("/usr/sbin/mfsmaster", &["-c", &cfg, "restore"]);
    assert!(restore.status.success(), "restore: {}", all(&restore));
    let start = lab.agent("start", &with_ml);
    assert_eq!(code(&start), Some(0), "{}", all(&start));
    let mnt = lab.mount_client();
    for i in 0..20 {
        assert!(
            mnt.join(format!("after-snapshot-{i}")).is_dir(),
            "change {i} is back"
        );
    }
}

fn wait_for(mut done: impl FnMut() -> bool, what: &str) {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !done() {
        assert!(
            std::time::Instant::now() < end,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// `cp -a from/. to/` (keeps owners and modes).
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    assert!(std::fs::create_dir_all(to).is_ok());
    let out = common::run(
        "cp",
        &[
            "-a",
            &format!("{}/.", from.display()),
            &to.display().to_string(),
        ],
    );
    assert!(out.status.success(), "cp: {out:?}");
}
