//! Bad parameter values are refused by validate in every agent, before anything is touched,
//! with one line that names the value and what is allowed (issue 11). No root needed: the
//! refusal comes before any system access.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(bin: &str, env: &[(&str, &str)], args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("MFS_HA_RUN_DIR", dir.path())
        .env("MFS_HA_STATE_DIR", dir.path())
        .env("MFS_HA_CONFIG_DIR", dir.path())
        .env("OCF_RESOURCE_INSTANCE", "bad");
    for (k, v) in env {
        cmd.env(format!("OCF_RESKEY_{k}"), v);
    }
    cmd.output().unwrap_or_else(|e| panic!("{bin}: {e}"))
}

fn reason(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| l.strip_prefix("ocf-exit-reason:"))
        .unwrap_or("")
        .to_string()
}

/// An agent binary, its parameters, and the start of the reason it must give.
type Case = (
    &'static str,
    Vec<(&'static str, &'static str)>,
    &'static str,
);

const INITDRBD: &str = env!("CARGO_BIN_EXE_Initdrbd");
const MFSMASTER: &str = env!("CARGO_BIN_EXE_mfsmaster");
const VIPADDR: &str = env!("CARGO_BIN_EXE_VIPaddr");

fn initdrbd_base() -> Vec<(&'static str, &'static str)> {
    vec![
        ("drbd_resource", "r0"),
        ("device", "/dev/drbd1"),
        ("directory", "/srv/mfs-test-nonexistent"),
        ("drbdadm", "/bin/true"),
    ]
}

#[test]
fn out_of_range_integers_and_durations_are_refused_with_the_range_in_every_agent() {
    let cases: Vec<Case> = vec![
        (
            INITDRBD,
            [initdrbd_base(), vec![("timeout", "-5")]].concat(),
            "parameter 'timeout': expected a duration of 1s to 24h (30s, 500ms, 2min, 1h; a \
             bare number counts seconds), got '-5'",
        ),
        (
            INITDRBD,
            [initdrbd_base(), vec![("timeout", "25h")]].concat(),
            "parameter 'timeout': must be 1s to 24h, got '25h'",
        ),
        (
            INITDRBD,
            [initdrbd_base(), vec![("promote_retries", "-1")]].concat(),
            "parameter 'promote_retries': must be 0 to 1000, got '-1'",
        ),
        (
            MFSMASTER,
            vec![("probe_timeout", "0")],
            "parameter 'probe_timeout': must be 1s to 10min, got '0'",
        ),
        (
            MFSMASTER,
            vec![("timeout", "0")],
            "parameter 'timeout': must be 1s to 24h, got '0'",
        ),
        (
            MFSMASTER,
            vec![("listen_port", "70000")],
            "parameter 'listen_port': must be 1 to 65535, got '70000'",
        ),
        (
            VIPADDR,
            vec![("ip", "10.0.0.1"), ("timeout", "-1")],
            "parameter 'timeout': expected a duration of 1s to 24h (30s, 500ms, 2min, 1h; a \
             bare number counts seconds), got '-1'",
        ),
        (
            VIPADDR,
            vec![("ip", "10.0.0.1"), ("dad_timeout_ms", "60001")],
            "parameter 'dad_timeout_ms': must be 0s to 1min, got '60001' (60001ms)",
        ),
    ];
    for (bin, env, want) in cases {
        let name = Path::new(bin).file_name().map(PathBuf::from);
        for action in ["validate-all", "start", "stop"] {
            let out = run(bin, &env, &[action]);
            assert_eq!(
                out.status.code(),
                Some(6),
                "{name:?} {action} {env:?}: {out:?}"
            );
            assert!(reason(&out).starts_with(want), "{name:?} {action}: {out:?}");
        }
    }
}

#[test]
fn a_resource_name_that_drbdadm_would_read_as_an_option_is_refused() {
    for bad in ["--force", "-d"] {
        let env: Vec<(&str, &str)> = initdrbd_base()
            .into_iter()
            .map(|(k, v)| {
                if k == "drbd_resource" {
                    (k, bad)
                } else {
                    (k, v)
                }
            })
            .collect();
        let out = run(INITDRBD, &env, &["validate-all"]);
        assert_eq!(out.status.code(), Some(6), "{bad}: {out:?}");
        assert!(reason(&out).contains("must not start with '-'"), "{out:?}");
    }
}

/// Heartbeat's positional form: a stray `foo=bar` is not taken as the resource name.
#[test]
fn an_unknown_name_value_argument_is_refused_not_taken_as_a_position() {
    let out = Command::new(INITDRBD)
        .args(["foo=bar", "/dev/drbd1", "/srv/x", "start"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HA_CURHOST", "node1")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{out:?}");
    assert!(
        err.contains("argument 'foo=bar': Initdrbd has no parameter 'foo'"),
        "{err}"
    );
}

/// `timeout` is a duration in Heartbeat's form too: a bare number counts seconds as when it
/// was an integer, units are taken, and the action's budget is that value (the framework
/// and the agent read the same declaration). A malformed value is a configuration error:
/// exit 6, and 4 for status (LSB: unknown).
#[test]
fn timeout_takes_seconds_or_a_duration_in_heartbeat_form() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let heartbeat = |timeout: &str, action: &str| {
        Command::new(INITDRBD)
            .args(["r0", "/dev/drbd1", "/srv/mfs-test-nonexistent"])
            .args([
                format!("timeout={timeout}").as_str(),
                "drbdadm=/bin/true",
                action,
            ])
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HA_CURHOST", "node1")
            .env("MFS_HA_RUN_DIR", dir.path())
            .env("MFS_HA_STATE_DIR", dir.path())
            .env("MFS_HA_CONFIG_DIR", dir.path())
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let last_budget_ms = || {
        let flight = std::fs::read_to_string(dir.path().join("flight/Initdrbd.jsonl"))
            .unwrap_or_else(|e| panic!("{e}"));
        let line = flight.lines().last().unwrap_or_default();
        let record: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        (
            record["budget_ms"].as_f64(),
            record["budget_source"].clone(),
        )
    };
    for (timeout, ms) in [("90", 90_000.0), ("90s", 90_000.0), ("2min", 120_000.0)] {
        let out = heartbeat(timeout, "validate-all");
        assert_eq!(out.status.code(), Some(0), "timeout={timeout}: {out:?}");
        assert_eq!(
            last_budget_ms(),
            (Some(ms), serde_json::json!("parameter")),
            "timeout={timeout}"
        );
    }
    for (action, code) in [("validate-all", 6), ("start", 6), ("status", 4)] {
        let out = heartbeat("2x", action);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{action}: {out:?}");
        assert!(
            err.contains("parameter 'timeout': expected a duration of 1s to 24h"),
            "{action}: {err}"
        );
    }
}
