//! End-to-end tests of the `drbd-status` binary on the fixtures in tests/fixtures/
//! (written for this crate from the printf formats in the DRBD format reference).

use assert_cmd::Command;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_drbd-status");

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    path.to_str().expect("fixture path is UTF-8").to_string()
}

/// The binary with a clean environment for its own variables.
fn drbd_status() -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_remove("DRBD_STATUS_PROC")
        .timeout(Duration::from_secs(30));
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run_args(args: &[&str]) -> Run {
    run(drbd_status().args(args))
}

/// A `drbdsetup` stand-in in `dir`: logs its arguments to `dir/calls`, then runs `body`.
fn fake_drbdsetup(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("drbdsetup");
    let calls = dir.join("calls");
    let script = format!("#!/bin/sh\necho \"$@\" >> '{}'\n{body}\n", calls.display());
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn calls(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("calls")).unwrap_or_default()
}

fn live(proc: &str, drbdsetup: &Path, extra: &[&str]) -> Run {
    let mut cmd = drbd_status();
    cmd.arg("--proc")
        .arg(proc)
        .arg("--drbdsetup")
        .arg(drbdsetup);
    cmd.args(extra);
    run(&mut cmd)
}

// ---- help, version, usage --------------------------------------------------------------

#[test]
fn help_explains_input_modes_and_exit_codes() {
    let r = run_args(&["--help"]);
    assert_eq!(r.code, 0);
    for needle in [
        "Usage: drbd-status",
        "/proc/drbd",
        "drbdsetup status --json",
        "--check",
        "--watch",
        "--resource",
        "--format",
        "Exit status",
        "0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN",
    ] {
        assert!(
            r.stdout.contains(needle),
            "help lacks {needle:?}:\n{}",
            r.stdout
        );
    }
}

#[test]
fn version_names_the_program() {
    let r = run_args(&["--version"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stdout,
        format!("drbd-status {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn usage_error_exits_2_but_is_unknown_in_check_mode() {
    let r = run_args(&["--bogus"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--bogus"), "{}", r.stderr);
    let r = run_args(&["--check", "--bogus"]);
    assert_eq!(r.code, 3);
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(
        r.stdout
            .starts_with("DRBD UNKNOWN - usage: unexpected argument '--bogus'"),
        "{}",
        r.stdout
    );
}

#[test]
fn count_needs_watch() {
    let r = run_args(&["--count", "2", &fixture("garbage.txt")]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--watch"), "{}", r.stderr);
}

// ---- unusable input ----------------------------------------------------------------------

#[test]
fn missing_file_is_one_line_naming_it() {
    let r = run_args(&["/nonexistent/drbd.txt"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "drbd-status: /nonexistent/drbd.txt: No such file or directory (os error 2)\n"
    );
    assert_eq!(r.stdout, "");
}

#[test]
fn missing_file_in_check_mode_is_unknown() {
    let r = run_args(&["--check", "/nonexistent/drbd.txt"]);
    assert_eq!(r.code, 3);
    assert_eq!(
        r.stdout,
        "DRBD UNKNOWN - /nonexistent/drbd.txt: No such file or directory (os error 2)\n"
    );
}

#[test]
fn empty_file_is_rejected() {
    let path = fixture("empty.txt");
    let r = run_args(&[&path]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr, format!("drbd-status: {path}: empty input\n"));
}

#[test]
fn empty_stdin_is_rejected() {
    let r = run(drbd_status().arg("-").write_stdin(""));
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr, "drbd-status: stdin: empty input\n");
}

#[test]
fn garbage_is_not_a_drbd_status() {
    let path = fixture("garbage.txt");
    let r = run_args(&[&path]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.starts_with(&format!("drbd-status: {path}: ")),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("not a DRBD status: expected"),
        "{}",
        r.stderr
    );
    let r = run_args(&["--check", &path]);
    assert_eq!(r.code, 3);
    assert!(r.stdout.starts_with(&format!("DRBD UNKNOWN - {path}: ")));
}

#[test]
fn binary_input_is_read_lossily_and_rejected_cleanly() {
    let r = run(drbd_status()
        .arg("-")
        .write_stdin(vec![0xff, 0xfe, 0x00, 0x9c, b'\n']));
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("drbd-status: stdin: "), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

// ---- live system: /proc/drbd and the drbdsetup fallback ------------------------------------

#[test]
fn missing_proc_and_missing_drbdsetup_name_both() {
    let r = live(
        "/nonexistent/proc-drbd",
        Path::new("/nonexistent/drbdsetup"),
        &[],
    );
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "drbd-status: /nonexistent/proc-drbd not found (is the drbd module loaded?): \
         /nonexistent/drbdsetup status --json: /nonexistent/drbdsetup not found \
         (install drbd-utils or pass --drbdsetup PATH)\n"
    );
}

#[test]
fn failing_drbdsetup_is_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake_drbdsetup(
        dir.path(),
        "echo \"Could not connect to 'drbd' generic netlink family\" >&2; exit 20",
    );
    let r = live("/nonexistent/proc-drbd", &fake, &[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.ends_with(
            "status --json: exited with status 20: \
             \"Could not connect to 'drbd' generic netlink family\"\n"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(calls(dir.path()), "status --json\n");
    let r = live("/nonexistent/proc-drbd", &fake, &["--check"]);
    assert_eq!(r.code, 3);
    assert!(r
        .stdout
        .starts_with("DRBD UNKNOWN - /nonexistent/proc-drbd not found"));
}

#[test]
fn hanging_drbdsetup_is_killed_at_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake_drbdsetup(dir.path(), "sleep 30");
    let started = Instant::now();
    let r = live("/nonexistent/proc-drbd", &fake, &["--timeout", "0.5"]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .ends_with("status --json: did not finish within 0.5s and was killed\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn proc_path_comes_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake_drbdsetup(dir.path(), "exit 1");
    let mut cmd = drbd_status();
    cmd.env("DRBD_STATUS_PROC", "/nonexistent/from-env")
        .arg("--drbdsetup")
        .arg(&fake);
    let r = run(&mut cmd);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("drbd-status: /nonexistent/from-env not found"),
        "{}",
        r.stderr
    );
}

#[test]
fn live_mode_refuses_text_and_events2_formats() {
    let r = live(
        "/nonexistent/proc-drbd",
        Path::new("/bin/false"),
        &["--format", "text"],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--format text/events2 needs FILE"),
        "{}",
        r.stderr
    );
}

#[test]
fn forced_proc_format_never_runs_drbdsetup() {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake_drbdsetup(dir.path(), "exit 0");
    let r = live("/nonexistent/proc-drbd", &fake, &["--format", "proc"]);
    assert_eq!(r.code, 2);
    assert_eq!(calls(dir.path()), "");
}

// ---- watch without parsed input ---------------------------------------------------------

#[test]
fn watch_stops_at_end_of_empty_stdin() {
    let r = run(drbd_status().args(["--watch", "-"]).write_stdin(""));
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr, "drbd-status: stdin: empty input\n");
}

#[test]
fn watch_of_a_garbage_file_fails_at_once() {
    let r = run_args(&["--watch", "--interval", "0.1", &fixture("garbage.txt")]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not a DRBD status"), "{}", r.stderr);
}

/// Waits until the process has installed its SIGINT handler (bit 2 of SigCgt in /proc).
fn wait_until_sigint_is_caught(pid: u32) {
    let started = Instant::now();
    loop {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let caught = status
            .lines()
            .find_map(|l| l.strip_prefix("SigCgt:"))
            .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
            .is_some_and(|mask| mask & (1 << (libc::SIGINT - 1)) != 0);
        if caught {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no SIGINT handler installed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn watch_stops_cleanly_on_sigint() {
    let mut child = std::process::Command::new(BIN)
        .args(["--watch", "--interval", "0.2", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_sigint_is_caught(child.id());
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: signals our own child process.
    unsafe { libc::kill(pid, libc::SIGINT) };
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "watch ignored SIGINT"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
}

// ---- parsed input (these need the drbd-status parsers) ----------------------------------

#[test]
fn proc_84_table_shows_each_minor_and_the_resync() {
    let r = run_args(&[&fixture("proc-8.4-primary-and-synctarget.txt")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines[0].starts_with("RESOURCE  ROLE       VOL/MINOR  DISK"),
        "{}",
        r.stdout
    );
    let words = |line: &str| {
        line.split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        words(lines[1]),
        words("minor-0 Primary 0/0 UpToDate peer Connected Established Secondary UpToDate -")
    );
    assert_eq!(
        words(lines[2]),
        words("minor-1 Secondary 0/1 Inconsistent peer Connected SyncTarget Primary UpToDate 34.5% ETA 0:03:56")
    );
    assert!(r.stdout.contains("\nhealth: WARNING\n"), "{}", r.stdout);
    assert_eq!(r.stderr, "");
}

#[test]
fn proc_84_check_is_warning_with_perfdata() {
    let r = run_args(&["--check", &fixture("proc-8.4-primary-and-synctarget.txt")]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let first = r.stdout.lines().next().unwrap();
    assert!(first.starts_with("DRBD WARNING - "), "{first}");
    let perf = first.split_once(" | ").expect("perfdata").1;
    for item in [
        "'minor-0_0_oos'=0KB;;;0",
        "'minor-0_0_sync'=100%;;;0;100",
        "'minor-1_0_oos'=686920KB;;;0",
        "'minor-1_0_sync'=34.5%;;;0;100",
        "'minor-1_0_eta'=236s;;;0",
    ] {
        assert!(
            perf.split(' ').any(|p| p == item),
            "{item} missing in {perf}"
        );
    }
}

#[test]
fn check_of_one_healthy_resource_is_ok() {
    let r = run_args(&[
        "--check",
        "--resource",
        "minor-0",
        &fixture("proc-8.4-primary-and-synctarget.txt"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(
        r.stdout,
        "DRBD OK - 1 resource OK: minor-0 Primary | 'minor-0_0_oos'=0KB;;;0 'minor-0_0_sync'=100%;;;0;100\n"
    );
}

#[test]
fn unknown_resource_is_an_error_or_unknown() {
    let path = fixture("proc-8.4-primary-and-synctarget.txt");
    let r = run_args(&["--resource", "r9", &path]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        format!("drbd-status: {path}: no resource 'r9' (known: minor-0, minor-1)\n")
    );
    let r = run_args(&["--check", "--resource", "r9", &path]);
    assert_eq!(r.code, 3);
    assert!(r.stdout.starts_with("DRBD UNKNOWN - "), "{}", r.stdout);
}

#[test]
fn json_envelope_has_status_health_and_diagnostics() {
    let r = run_args(&["--json", &fixture("proc-8.4-primary-and-synctarget.txt")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["health"]["level"], "WARNING");
    assert_eq!(v["diagnostics"], serde_json::json!([]));
    assert_eq!(v["status"]["has_device_info"], true);
    let minor1 = &v["status"]["resources"][1];
    assert_eq!(minor1["name"], "minor-1");
    let pd = &minor1["connections"][0]["peer_devices"][0];
    assert_eq!(pd["replication"], "SyncTarget");
    assert_eq!(pd["out_of_sync_kib"], 686920);
    assert_eq!(pd["sync"]["percent"], 34.5);
    assert_eq!(pd["sync"]["eta_seconds"], 236);
}

#[test]
fn raw_json_is_the_format_document() {
    let r = run_args(&[
        "--raw-json",
        &fixture("proc-8.4-primary-and-synctarget.txt"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v.is_object(), "{v}");
    assert!(r.stdout.contains("8.4.11-1"), "{}", r.stdout);
}

#[test]
fn stdin_is_detected_like_a_file() {
    let text = std::fs::read_to_string(fixture("status-text-primary.txt")).unwrap();
    let r = run(drbd_status().arg("-").write_stdin(text));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.lines().nth(1).unwrap().starts_with("r0 "),
        "{}",
        r.stdout
    );
    assert!(r.stdout.ends_with("health: OK\n"), "{}", r.stdout);
}

#[test]
fn forced_format_must_match_the_input() {
    let proc = fixture("proc-8.4-primary-and-synctarget.txt");
    let r = run_args(&["--format", "proc", &proc]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run_args(&["--format", "json", &proc]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with(&format!("drbd-status: {proc}: ")),
        "{}",
        r.stderr
    );
}

#[test]
fn header_only_proc_file_has_no_device_information() {
    let path = fixture("proc-9-header-only.txt");
    let r = run_args(&[&path]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with(&format!("{path}: no device information")),
        "{}",
        r.stdout
    );
    let r = run_args(&["--check", &path]);
    assert_eq!(r.code, 3);
    assert!(
        r.stdout.starts_with("DRBD UNKNOWN - no device information"),
        "{}",
        r.stdout
    );
}

#[test]
fn live_proc_with_devices_does_not_run_drbdsetup() {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake_drbdsetup(dir.path(), "exit 1");
    let r = live(&fixture("proc-8.4-primary-and-synctarget.txt"), &fake, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("minor-1"), "{}", r.stdout);
    assert_eq!(calls(dir.path()), "");
}

#[test]
fn live_header_only_proc_falls_back_to_drbdsetup_json() {
    let dir = tempfile::tempdir().unwrap();
    let json = fixture("drbdsetup-status.json");
    let fake = fake_drbdsetup(dir.path(), &format!("cat '{json}'"));
    let r = live(&fixture("proc-9-header-only.txt"), &fake, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(calls(dir.path()), "status --json\n");
    let words = |line: &str| {
        line.split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        words(lines[1]),
        words("r0 Primary 0/0 UpToDate beta Connected Established Secondary UpToDate -")
    );
    assert_eq!(
        words(lines[2]),
        words("r1 Secondary 0/1 Inconsistent beta Connected SyncTarget Primary UpToDate 34.5% ETA 0:03:56")
    );
}

#[test]
fn live_missing_proc_falls_back_to_drbdsetup_json() {
    let dir = tempfile::tempdir().unwrap();
    let json = fixture("drbdsetup-status.json");
    let fake = fake_drbdsetup(dir.path(), &format!("cat '{json}'"));
    let r = live(
        "/nonexistent/proc-drbd",
        &fake,
        &["--check", "--resource", "r0"],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout
            .starts_with("DRBD OK - 1 resource OK: r0 Primary | "),
        "{}",
        r.stdout
    );
}

#[test]
fn watch_prints_frames_with_progress_bars_and_separators() {
    let r = run_args(&[
        "--watch",
        "--count",
        "2",
        "--interval",
        "0.1",
        &fixture("proc-8.4-primary-and-synctarget.txt"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !r.stdout.contains('\x1b'),
        "no ANSI codes when stdout is not a tty"
    );
    assert_eq!(r.stdout.matches("(update ").count(), 2, "{}", r.stdout);
    assert_eq!(r.stdout.matches(&"-".repeat(72)).count(), 1, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("minor-1/peer/0 SyncTarget [=====>..............] 34.5% ETA 0:03:56"),
        "{}",
        r.stdout
    );
}

#[test]
fn watch_of_stdin_draws_and_stops_at_end_of_input() {
    let text = std::fs::read_to_string(fixture("proc-8.4-primary-and-synctarget.txt")).unwrap();
    let r = run(drbd_status().args(["--watch", "-"]).write_stdin(text));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.matches("(update ").count(), 1, "{}", r.stdout);
    assert!(r.stdout.contains("health: WARNING"), "{}", r.stdout);
}

#[test]
fn partial_input_is_shown_with_diagnostics_unless_strict() {
    let path = fixture("proc-8.4-bad-counter.txt");
    let r = run_args(&[&path]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("minor-1"), "{}", r.stdout);
    assert!(
        r.stderr
            .starts_with(&format!("drbd-status: {path}: error: line 4: ")),
        "{}",
        r.stderr
    );
    let r = run_args(&["--strict", &path]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .ends_with("input incomplete, failing because of --strict\n"),
        "{}",
        r.stderr
    );
    let r = run_args(&["--strict", "--check", &path]);
    assert_eq!(r.code, 3);
    assert!(r.stdout.starts_with(&format!(
        "DRBD UNKNOWN - {path}: input incomplete (--strict)"
    )));
}

#[test]
fn invalid_utf8_is_replaced_and_reported() {
    let text = std::fs::read(fixture("proc-8.4-primary-and-synctarget.txt")).unwrap();
    let at = text.windows(4).position(|w| w == b"mock").unwrap();
    let mut mangled = text.clone();
    mangled.insert(at, 0xff);
    let r = run(drbd_status().arg("-").write_stdin(mangled));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("minor-1"), "{}", r.stdout);
    assert_eq!(
        r.stderr,
        "drbd-status: stdin: warning: input is not valid UTF-8; invalid bytes were replaced by U+FFFD\n"
    );
}
