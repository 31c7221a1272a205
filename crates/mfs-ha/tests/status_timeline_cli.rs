//! `mfs-ha status` and `mfs-ha timeline` as programs, without a cluster: what they say and
//! how they exit when heartbeat is absent, on a real lab run's records, and on bad input.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

mod common;

fn mfs_ha() -> Command {
    let mut c = Command::cargo_bin("mfs-ha").unwrap();
    c.env("TZ", "UTC");
    c
}

use common::lab_run_fixture as fixture;

/// An /etc/ha.d with the article's group and no heartbeat to ask.
fn ha_dir() -> tempfile::TempDir {
    common::ha_dir("status", "bcast eth1\nnode mfs-master\nnode mfs-bak\n")
}

fn status(ha: &Path, extra: &[&str]) -> std::process::Output {
    mfs_ha()
        .arg("status")
        .arg("--ha-dir")
        .arg(ha)
        .args([
            "--init-dir",
            "/nonexistent",
            "--cl-status",
            "/nonexistent/cl_status",
        ])
        .args(["--timeout", "1"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn without_heartbeat_the_check_is_critical_and_says_why() {
    let ha = ha_dir();
    let out = status(ha.path(), &["--check"]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap();
    assert!(
        first
            .starts_with("MFS-HA CRITICAL - NOT ready to fail over: heartbeat is not running here"),
        "{text}"
    );
    assert!(
        text.contains("cannot locate resource script") || text.contains("DRBD"),
        "{text}"
    );
}

#[test]
fn the_json_report_names_each_resource_as_heartbeat_would_run_it() {
    let ha = ha_dir();
    let out = status(ha.path(), &["--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let res = &v["report"]["groups"][0]["resources"];
    assert_eq!(res[2]["resource"], "192.0.2.210");
    assert_eq!(res[2]["running"], false);
    assert!(res[2]["said"]
        .as_str()
        .unwrap()
        .contains("cannot locate resource script IPaddr"));
    assert_eq!(v["report"]["vip"], "192.0.2.210");
    assert_eq!(v["verdict"]["level"], "CRITICAL");
}

#[test]
fn watch_with_count_shows_that_many_rounds() {
    let ha = ha_dir();
    let out = status(ha.path(), &["--watch", "--interval", "0.1", "--count", "2"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("\nCRITICAL: ").count(), 2, "{text}");
}

#[test]
fn bad_status_options_are_one_line_and_exit_3() {
    let ha = ha_dir();
    let out = status(ha.path(), &["--interval", "0"]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--interval 0"), "{err}");
    let out = mfs_ha()
        .args(["status", "--ha-dir", "/nonexistent/ha.d"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/ha.d: not a directory"));
}

#[test]
fn the_timeline_of_the_lab_crash_from_copies_of_both_nodes() {
    let out = mfs_ha()
        .args([
            "--json",
            "timeline",
            "--deadtime",
            "5",
            "--since",
            "2026-12-07T06:53:16Z",
            "--logs",
        ])
        .arg(fixture())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(t["summary"], "mfs-master failed; mfs-bak took over");
    assert_eq!(t["start"], "2026-12-07T06:53:16+00:00");
    assert_eq!(t["start_from"], "deadtime");
    let last = t["phases"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["name"], "VIPaddr start on mfs-bak");
    let text = mfs_ha()
        .args([
            "timeline",
            "--deadtime",
            "5",
            "--since",
            "2026-12-07 06:53:16",
            "--logs",
        ])
        .arg(fixture().join("mfs-master"))
        .arg(fixture().join("mfs-bak"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("7.301s  total, 06:53:16.000 to 06:53:23.301"),
        "{text}"
    );
}

#[test]
fn bad_timeline_input_is_one_line_and_exit_3() {
    let out = mfs_ha()
        .args(["timeline", "--since", "yesterday", "--logs"])
        .arg(fixture())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--since: 'yesterday' is not a time"), "{err}");
    let out = mfs_ha()
        .args(["timeline", "--logs", "/nonexistent/logs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/logs"));
    let empty = tempfile::tempdir().unwrap();
    let out = mfs_ha()
        .args(["timeline", "--logs"])
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no ha.log, ha-debug.log or flight/*.jsonl")
    );
}
