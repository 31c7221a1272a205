//! `mfs-ha metrics` as a program: its text passes `promtool check metrics` (Debian package
//! prometheus), the counters come from a real lab run's flight records and ha.log, and the
//! `--listen` endpoint (bound to loopback here) serves both formats.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;

mod common;

fn fixture() -> PathBuf {
    common::lab_run_fixture().join("mfs-bak")
}

/// An /etc/ha.d like the lab's mfs-bak, whose logfile is the fixture's ha.log.
fn ha_dir() -> tempfile::TempDir {
    common::ha_dir(
        "metrics",
        &format!(
            "logfile {}\nkeepalive 1\ndeadtime 5\nbcast eth1\nnode mfs-master\nnode mfs-bak\n",
            fixture().join("ha.log").display()
        ),
    )
}

fn metrics(ha: &Path, extra: &[&str]) -> Command {
    let mut c = Command::cargo_bin("mfs-ha").unwrap();
    c.args(["metrics", "--ha-dir"])
        .arg(ha)
        .args([
            "--cl-status",
            "/nonexistent/cl_status",
            "--node",
            "mfs-bak",
            "--state-dir",
        ])
        .arg(fixture())
        .args(["--timeout", "1"])
        .args(extra)
        .env("TZ", "UTC");
    c
}

fn promtool_or_skip() -> bool {
    if Path::new("/usr/bin/promtool").exists() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("promtool is required when CI=true (apt-get install prometheus)");
    }
    eprintln!("metrics_cli: promtool not installed (package prometheus), skipped");
    false
}

#[test]
fn the_text_passes_promtool_and_counts_the_lab_runs_actions_and_takeover() {
    let ha = ha_dir();
    let out = metrics(ha.path(), &[]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    // mfs-bak took the group over once after mfs-master died (the crash), the failback is mfs-master's
    assert!(
        text.contains("mfsha_failovers_total{trigger=\"peer_dead\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("mfsha_failovers_total{trigger=\"standby\"} 0\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "mfsha_agent_actions_total{agent=\"mfsmaster\",action=\"start\",result=\"done\"} 1\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("mfsha_agent_last_action_duration_seconds{agent=\"Initdrbd\",action=\"stop\"} 0.042677\n"),
        "{text}"
    );
    assert!(text.contains("mfsha_heartbeat_up 0\n"), "{text}");
    assert!(
        text.contains("mfsha_drbd_status_readable{resource=\"r0\"} 0\n"),
        "{text}"
    );
    if !promtool_or_skip() {
        return;
    }
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let checked = child.wait_with_output().unwrap();
    assert!(
        checked.status.success(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}

#[test]
fn openmetrics_names_counter_families_without_total_and_ends_with_eof() {
    let ha = ha_dir();
    let out = metrics(ha.path(), &["--format", "openmetrics"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("# TYPE mfsha_failovers counter\n"), "{text}");
    assert!(
        text.contains("# UNIT mfsha_scrape_duration_seconds seconds\n"),
        "{text}"
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
}

/// Kills the endpoint (by its own PID) whatever the test's outcome.
struct Endpoint(std::process::Child);

impl Drop for Endpoint {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(addr: &str, path: &str, accept: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nAccept: {accept}\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn the_listen_endpoint_serves_each_format_by_accept_header() {
    let ha = ha_dir();
    let mut child = metrics(ha.path(), &["--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let _guard = Endpoint(child);
    let mut line = String::new();
    BufReader::new(stderr).read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("mfs-ha metrics: listening on http://")
        .and_then(|r| r.strip_suffix("/metrics"))
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    let plain = get(&addr, "/metrics", "text/plain");
    assert!(plain.starts_with("HTTP/1.1 200 OK\r\n"), "{plain}");
    assert!(
        plain.contains("Content-Type: text/plain; version=0.0.4"),
        "{plain}"
    );
    assert!(plain.contains("mfsha_failovers_total{trigger=\"peer_dead\"} 1\n"));
    let om = get(
        &addr,
        "/metrics",
        "application/openmetrics-text; version=1.0.0",
    );
    assert!(
        om.contains("Content-Type: application/openmetrics-text; version=1.0.0"),
        "{om}"
    );
    assert!(om.ends_with("# EOF\n"), "{om}");
    assert!(get(&addr, "/other", "*/*").starts_with("HTTP/1.1 404"));
}

#[test]
fn a_bad_listen_address_is_named_and_exits_3() {
    let ha = ha_dir();
    let out = metrics(ha.path(), &["--listen", "not-an-address"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "mfs-ha's usage error: could not check"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not-an-address"), "{err}");
}
