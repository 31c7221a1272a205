//! The three invocation modes, end to end through the Dummy binary.

mod common;

use common::{code, run, Sandbox};

// ---- OCF -------------------------------------------------------------------------------

#[test]
fn meta_data_needs_no_config_lock_or_record_and_exits_zero() {
    let sb = Sandbox::new();
    std::fs::write(sb.path("etc/Dummy.conf"), "bogus_key=1\n").unwrap();
    let (rc, out, err) = run(sb
        .dummy(&["meta-data"])
        .env("MFS_HA_RUN_DIR", "/proc/forbidden")
        .env("MFS_HA_STATE_DIR", "/proc/forbidden"));
    assert_eq!(rc, 0, "{err}");
    assert!(out.starts_with("<?xml version=\"1.0\"?>\n<!DOCTYPE resource-agent"));
    assert!(out.contains("<parameter name=\"state\" unique=\"1\" required=\"0\">"));
    assert!(err.is_empty(), "meta-data must not log: {err}");
    assert!(sb.records().is_empty());
}

#[test]
fn meta_data_in_ocf_environment_and_after_heartbeat_arguments() {
    let sb = Sandbox::new();
    assert_eq!(code(&mut sb.ocf("meta-data", &[("delay_ms", "x")])), 0);
    assert_eq!(code(&mut sb.heartbeat(&["/x", "meta-data"])), 0);
}

#[test]
fn ocf_lifecycle_reports_ocf_codes() {
    let sb = Sandbox::new();
    let state = sb.state("d1.state");
    let p = [("state", state.as_str())];
    let recurring = |action: &str| {
        let mut c = sb.ocf(action, &p);
        c.env("OCF_RESKEY_CRM_meta_interval", "10000");
        code(&mut c)
    };
    assert_eq!(
        code(&mut sb.ocf("monitor", &p)),
        7,
        "probe of a stopped resource"
    );
    assert_eq!(code(&mut sb.ocf("start", &p)), 0);
    assert_eq!(recurring("monitor"), 0);
    assert_eq!(code(&mut sb.ocf("start", &p)), 0, "start is idempotent");
    assert_eq!(code(&mut sb.ocf("promote", &p)), 0);
    assert_eq!(recurring("monitor"), 8);
    assert_eq!(code(&mut sb.ocf("promote", &p)), 0, "promote is idempotent");
    assert_eq!(code(&mut sb.ocf("demote", &p)), 0);
    assert_eq!(recurring("monitor"), 0);
    assert_eq!(code(&mut sb.ocf("stop", &p)), 0);
    assert_eq!(
        code(&mut sb.ocf("stop", &p)),
        0,
        "stop of a stopped resource is 0, never 7"
    );
    assert_eq!(recurring("monitor"), 7);
}

#[test]
fn probe_on_a_host_that_cannot_run_it_says_not_running() {
    let sb = Sandbox::new();
    let p = [("state", "/nonexistent-dir/d1.state")];
    let (rc, _, err) = run(&mut sb.ocf("monitor", &p));
    assert_eq!(rc, 7, "probe: {err}");
    let mut recurring = sb.ocf("monitor", &p);
    recurring.env("OCF_RESKEY_CRM_meta_interval", "10000");
    let (rc, _, err) = run(&mut recurring);
    assert_eq!(rc, 2, "recurring monitor reports the argument error");
    assert!(
        err.lines()
            .any(|l| l == "ocf-exit-reason:directory /nonexistent-dir does not exist"),
        "{err}"
    );
}

#[test]
fn failed_monitor_is_generic_error_with_reason() {
    let sb = Sandbox::new();
    let state = sb.state("s");
    let (rc, _, err) = run(&mut sb.ocf("monitor", &[("state", &state), ("fail", "monitor")]));
    assert_eq!(rc, 1);
    assert!(
        err.lines()
            .any(|l| l == "ocf-exit-reason:asked to fail monitor"),
        "{err}"
    );
}

#[test]
fn exit_reason_is_one_stderr_line_with_prefix() {
    let sb = Sandbox::new();
    let state = sb.state("s");
    let p = [("state", state.as_str()), ("fail", "start")];
    let (rc, out, err) = run(&mut sb.ocf("start", &p));
    assert_eq!(rc, 1);
    assert!(out.is_empty());
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("ocf-exit-reason:"))
            .count(),
        1,
        "{err}"
    );
    assert!(
        err.lines()
            .any(|l| l == "ocf-exit-reason:asked to fail start"),
        "{err}"
    );
    let (_, _, err) = run(sb.ocf("start", &p).env("OCF_EXIT_REASON_PREFIX", "WHY>"));
    assert!(err.lines().any(|l| l == "WHY>asked to fail start"), "{err}");
}

#[test]
fn ocf_unknown_or_missing_action_is_unimplemented() {
    let sb = Sandbox::new();
    assert_eq!(code(&mut sb.ocf("reload-agent", &[])), 3);
    assert_eq!(
        code(&mut sb.ocf("reload", &[])),
        3,
        "not advertised by Dummy"
    );
    assert_eq!(code(&mut sb.ocf("notify", &[])), 3);
    let mut none = sb.dummy(&[]);
    none.env("OCF_RESOURCE_INSTANCE", "d1");
    assert_eq!(code(&mut none), 3);
}

#[test]
fn ocf_ignores_extra_arguments() {
    let sb = Sandbox::new();
    let state = sb.state("s");
    let mut c = sb.ocf("start", &[("state", &state)]);
    c.arg("unexpected").arg("--extra");
    assert_eq!(code(&mut c), 0);
    assert!(sb.path("s").exists());
}

#[test]
fn validate_all_checks_kinds_and_values() {
    let sb = Sandbox::new();
    assert_eq!(code(&mut sb.ocf("validate-all", &[])), 0);
    let (rc, _, err) = run(&mut sb.ocf("validate-all", &[("delay_ms", "abc")]));
    assert_eq!(rc, 6);
    assert!(
        err.contains("ocf-exit-reason:parameter 'delay_ms': expected an integer, got 'abc' (from the environment (OCF_RESKEY_*))"),
        "{err}"
    );
    assert_eq!(code(&mut sb.ocf("validate-all", &[("delay_ms", "-1")])), 6);
}

#[test]
fn lone_ocf_action_without_environment_is_ocf() {
    let sb = Sandbox::new();
    let state = sb.state("s");
    let mut c = sb.dummy(&["monitor"]);
    c.env("OCF_RESKEY_state", &state);
    assert_eq!(code(&mut c), 7);
}

// ---- Heartbeat ---------------------------------------------------------------------------

#[test]
fn heartbeat_status_prints_exactly_running_or_stopped() {
    let sb = Sandbox::new();
    let state = sb.state("hb.state");
    let (rc, out, _) = run(&mut sb.heartbeat(&[&state, "status"]));
    assert_eq!((rc, out.as_str()), (3, "stopped\n"));
    let (rc, out, _) = run(&mut sb.heartbeat(&[&state, "start"]));
    assert_eq!((rc, out.as_str()), (0, ""));
    let (rc, out, _) = run(&mut sb.heartbeat(&[&state, "status"]));
    assert_eq!((rc, out.as_str()), (0, "running\n"));
    assert_eq!(code(&mut sb.heartbeat(&[&state, "stop"])), 0);
    assert_eq!(
        code(&mut sb.heartbeat(&[&state, "stop"])),
        0,
        "stop when stopped"
    );
}

#[test]
fn heartbeat_status_prints_nothing_when_state_is_unknown() {
    let sb = Sandbox::new();
    // A directory where the state file should be: the state cannot be read.
    std::fs::create_dir_all(sb.path("weird.state")).unwrap();
    let state = sb.state("weird.state");
    let (rc, out, err) = run(&mut sb.heartbeat(&[&state, "status"]));
    assert_eq!(rc, 4, "{err}");
    assert_eq!(out, "", "nothing that heartbeat could read as running");
}

#[test]
fn heartbeat_failed_state_prints_nothing_and_exits_one() {
    let sb = Sandbox::new();
    let state = sb.state("s");
    let (rc, out, _) = run(&mut sb.heartbeat(&[&state, "fail=monitor", "status"]));
    assert_eq!((rc, out.as_str()), (1, ""));
}

#[test]
fn haresources_arguments_are_positional() {
    let sb = Sandbox::new();
    let state = sb.state("pos.state");
    // Dummy::<state>::<delay_ms> in haresources.
    assert_eq!(code(&mut sb.heartbeat(&[&state, "50", "start"])), 0);
    let records = sb.records();
    let last = records.last().unwrap();
    assert_eq!(last["mode"], "heartbeat");
    assert_eq!(last["instance"], format!("{state}::50"));
    assert_eq!(last["params"]["delay_ms"], "50");
    assert_eq!(last["params"]["state"], state.as_str());
}

#[test]
fn extra_positional_argument_is_a_configuration_error() {
    let sb = Sandbox::new();
    let state = sb.state("s");
    let (rc, _, err) = run(&mut sb.heartbeat(&[&state, "1", "surplus", "start"]));
    assert_eq!(rc, 6);
    assert!(err.contains("unexpected argument 3 'surplus'"), "{err}");
}

#[test]
fn heartbeat_unknown_operation_is_invalid_argument() {
    let sb = Sandbox::new();
    let (rc, out, _) = run(&mut sb.heartbeat(&["/x", "restart"]));
    assert_eq!((rc, out.as_str()), (2, ""));
}

// ---- Manual ------------------------------------------------------------------------------

#[test]
fn manual_status_is_a_sentence_with_lsb_code() {
    let sb = Sandbox::new();
    let (rc, out, _) = run(&mut sb.dummy(&["status"]));
    assert_eq!((rc, out.as_str()), (3, "Dummy is stopped\n"));
    assert_eq!(code(&mut sb.dummy(&["start"])), 0);
    let (rc, out, _) = run(&mut sb.dummy(&["status"]));
    assert_eq!((rc, out.as_str()), (0, "Dummy is running\n"));
    assert!(
        sb.path("run/Dummy-Dummy.state").exists(),
        "default state file under the run dir"
    );
}

#[test]
fn manual_status_json_is_machine_readable() {
    let sb = Sandbox::new();
    let state = sb.state("j.state");
    let (rc, out, _) = run(&mut sb.dummy(&[&format!("state={state}"), "status", "--json"]));
    assert_eq!(rc, 3);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["state"], "stopped");
    assert_eq!(v["running"], false);
    assert_eq!(v["exit_code"], 3);
    assert_eq!(v["instance"], format!("state={state}"));
}

#[test]
fn config_file_supplies_defaults_for_a_bare_name() {
    let sb = Sandbox::new();
    let state = sb.state("from-conf.state");
    std::fs::write(
        sb.path("etc/Dummy.conf"),
        format!("# defaults\nstate = {state}\n"),
    )
    .unwrap();
    assert_eq!(code(&mut sb.dummy(&["start"])), 0);
    assert!(sb.path("from-conf.state").exists());
    let last = sb.records().pop().unwrap();
    assert_eq!(last["params"]["state"], state.as_str());
}

#[test]
fn arguments_override_config_file() {
    let sb = Sandbox::new();
    std::fs::write(sb.path("etc/Dummy.conf"), "delay_ms=5000\n").unwrap();
    let state = sb.state("s");
    let mut start = sb.dummy(&[&state, "0", "start"]);
    // Time only the agent: building the example binary must not count against the limit.
    let started = std::time::Instant::now();
    assert_eq!(code(&mut start), 0);
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
}

#[test]
fn unknown_key_in_config_file_names_file_and_line() {
    let sb = Sandbox::new();
    std::fs::write(
        sb.path("etc/Dummy.conf"),
        "state=/tmp/x\nstate_file=/tmp/y\n",
    )
    .unwrap();
    let (rc, out, err) = run(&mut sb.dummy(&["status"]));
    assert_eq!(rc, 4, "status with a broken config is unknown");
    assert!(out.contains("cannot tell whether it is running"), "{out}");
    let expected = format!(
        "{} line 2: unknown key 'state_file'",
        sb.path("etc/Dummy.conf").display()
    );
    assert!(err.contains(&expected), "{err}");
    assert_eq!(code(&mut sb.dummy(&["start"])), 6);
}

#[test]
fn help_covers_all_modes() {
    let sb = Sandbox::new();
    let (rc, out, _) = run(&mut sb.dummy(&["--help"]));
    assert_eq!(rc, 0);
    for needle in [
        "Heartbeat (haresources):  Dummy::<state>::<delay_ms>",
        "Manual:",
        "OCF (Pacemaker):",
        "delay_ms",
    ] {
        assert!(out.contains(needle), "{needle}: {out}");
    }
}

#[test]
fn missing_action_is_a_usage_error() {
    let sb = Sandbox::new();
    let (rc, _, err) = run(&mut sb.dummy(&[]));
    assert_eq!(rc, 2);
    assert!(err.contains("usage: Dummy"), "{err}");
}

#[test]
fn logs_go_to_ha_logfile_in_ha_log_format() {
    let sb = Sandbox::new();
    let logfile = sb.path("ha-log");
    let state = sb.state("s");
    assert_eq!(
        code(sb.heartbeat(&[&state, "start"]).env("HA_LOGFILE", &logfile)),
        0
    );
    let log = std::fs::read_to_string(&logfile).unwrap();
    let line = log
        .lines()
        .find(|l| l.contains(" INFO: start"))
        .expect("a start line");
    // Dummy[<pid>]: YYYY/MM/DD_HH:MM:SS INFO: ...
    let (tag, rest) = line.split_once("]: ").unwrap();
    assert!(
        tag.starts_with("Dummy[") && tag[6..].chars().all(|c| c.is_ascii_digit()),
        "{line}"
    );
    let stamp = &rest[..19];
    assert_eq!(stamp.as_bytes()[4], b'/');
    assert_eq!(stamp.as_bytes()[10], b'_');
    assert!(rest[19..].starts_with(" INFO: start"), "{line}");
}

#[test]
fn debug_lines_only_with_ha_debug() {
    let sb = Sandbox::new();
    let state = sb.state("s");
    let (_, _, quiet) = run(&mut sb.heartbeat(&[&state, "status"]));
    assert!(!quiet.contains("DEBUG"), "{quiet}");
    let (_, _, loud) = run(sb.heartbeat(&[&state, "status"]).env("HA_debug", "1"));
    assert!(loud.contains("DEBUG: parameters:"), "{loud}");
}

#[test]
fn stderr_that_is_the_debug_log_is_not_written_twice() {
    let sb = Sandbox::new();
    let debuglog = sb.path("ha-debug");
    let state = sb.state("s");
    let file = std::fs::File::create(&debuglog).unwrap();
    let status = sb
        .heartbeat(&[&state, "start"])
        .env("HA_DEBUGLOG", &debuglog)
        .stderr(file)
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&debuglog).unwrap();
    assert_eq!(text.matches("INFO: start").count(), 1, "{text}");
}

#[test]
fn syslog_gets_lines_when_a_facility_is_set() {
    let sb = Sandbox::new();
    let socket = sb.path("log.sock");
    let server = std::os::unix::net::UnixDatagram::bind(&socket).unwrap();
    server
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let state = sb.state("s");
    let mut c = sb.heartbeat(&[&state, "start"]);
    c.env("HA_LOGFACILITY", "local3")
        .env("MFS_HA_SYSLOG_SOCKET", &socket);
    assert_eq!(code(&mut c), 0);
    let mut buf = [0u8; 512];
    let n = server.recv(&mut buf).unwrap();
    let line = String::from_utf8_lossy(&buf[..n]);
    // local3 = 19, info = 6: 19 * 8 + 6 = 158.
    assert!(
        line.starts_with("<158>") && line.contains(" Dummy["),
        "{line}"
    );
    assert!(line.contains("INFO: start"), "{line}");
}

/// Pacemaker exports `HA_LOGFACILITY` and logs an agent's stderr as "error output": a line
/// on both would appear three times in pacemaker.log. In OCF mode stderr carries only the
/// exit reason; every log line goes to syslog once.
#[test]
fn ocf_mode_with_syslog_writes_only_the_exit_reason_to_stderr() {
    let sb = Sandbox::new();
    let socket = sb.path("log.sock");
    let server = std::os::unix::net::UnixDatagram::bind(&socket).unwrap();
    server
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let state = sb.state("s");
    let ocf = |action: &str, fail: &str| {
        let mut c = sb.ocf(action, &[("state", &state), ("fail", fail)]);
        c.env("HA_LOGFACILITY", "daemon")
            .env("MFS_HA_SYSLOG_SOCKET", &socket);
        run(&mut c)
    };
    let (rc, out, err) = ocf("start", "");
    assert_eq!((rc, out.as_str(), err.as_str()), (0, "", ""));
    let (rc, _, err) = ocf("stop", "stop");
    assert_eq!(rc, 1);
    assert_eq!(err, "ocf-exit-reason:asked to fail stop\n");
    let mut lines = Vec::new();
    let mut buf = [0u8; 512];
    while let Ok(n) = server.recv(&mut buf) {
        lines.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        if lines.len() == 2 {
            break;
        }
    }
    assert!(lines[0].contains("INFO: start d1: done"), "{lines:?}");
    assert!(
        lines[1].contains("ERROR: stop d1 failed (rc 1, ")
            && lines[1].ends_with("asked to fail stop"),
        "{lines:?}"
    );
    // Without any other target the lines stay on stderr, as ocf-shellfuncs' ha_log does.
    let (_, _, err) = run(&mut sb.ocf("stop", &[("state", &state), ("fail", "stop")]));
    assert!(err.contains("ERROR: stop d1 failed"), "{err}");
}

/// A duration parameter takes Pacemaker's spellings, and its range is checked like an integer's.
#[test]
fn duration_parameters_take_units_and_are_range_checked() {
    let sb = Sandbox::new();
    let state = sb.state("s");
    assert_eq!(
        code(&mut sb.heartbeat(&[&state, "timeout=2min", "start"])),
        0
    );
    let record = sb.records().pop().expect("a record");
    assert_eq!(record["budget_ms"], 120_000, "{record}");
    assert_eq!(record["budget_source"], "parameter", "{record}");
    let (rc, _, err) = run(&mut sb.ocf("validate-all", &[("timeout", "500ms")]));
    assert_eq!(rc, 6);
    assert!(
        err.contains("ocf-exit-reason:parameter 'timeout': must be 1s to 24h, got '500ms'"),
        "{err}"
    );
    let (rc, _, err) = run(&mut sb.ocf("validate-all", &[("timeout", "soon")]));
    assert_eq!(rc, 6);
    assert!(err.contains("expected a duration"), "{err}");
}
