//! The flight recorder: one JSON line per action, so "what did the agent do at 03:12?" has
//! an answer after the fact.
//!
//! `/var/lib/mfs-ha/flight/<Agent>.jsonl`; the directory is the agent's `state_dir` parameter
//! when it declares and sets one, else `MFS_HA_STATE_DIR`, else `/var/lib/mfs-ha`. The file
//! is rotated to `<Agent>.jsonl.1` past 4 MiB. Writing is best effort: a failure is logged by
//! the caller and never fails the action.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::deadline::BudgetSource;
use crate::env::Env;
use crate::invocation::Mode;
use crate::params::Params;

pub const DEFAULT_STATE_DIR: &str = "/var/lib/mfs-ha";

/// The parameter that, when an agent declares it, holds the state directory.
pub const STATE_DIR_PARAM: &str = "state_dir";

/// Past this size the file is moved to `.1` (replacing the previous one).
pub const ROTATE_AT: u64 = 4 << 20;

/// Where the records of `agent` go.
pub fn flight_path(agent: &str, env: &Env, params: Option<&Params>) -> PathBuf {
    let dir = params
        .and_then(|p| p.opt_str(STATE_DIR_PARAM))
        .filter(|d| !d.is_empty())
        .or_else(|| env.non_empty("MFS_HA_STATE_DIR"))
        .unwrap_or(DEFAULT_STATE_DIR);
    Path::new(dir).join("flight").join(format!("{agent}.jsonl"))
}

/// One timed step of an action (`ctx.step("promote", ...)`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StepRecord {
    pub name: String,
    pub ms: f64,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One line of the recorder.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FlightRecord {
    /// Start of the call, UTC (RFC 3339): no time zone file to read on every call; readers
    /// (`mfs-ha timeline`) show it in local time.
    pub time: String,
    pub agent: String,
    pub version: String,
    pub instance: Option<String>,
    /// `HA_CURHOST` or `OCF_RESKEY_CRM_meta_on_node`, when known.
    pub node: Option<String>,
    pub mode: Mode,
    pub action: String,
    pub probe: bool,
    pub check_level: u32,
    pub pid: u32,
    pub params: BTreeMap<String, String>,
    pub budget_ms: u64,
    pub budget_source: BudgetSource,
    pub lock_wait_ms: Option<f64>,
    pub steps: Vec<StepRecord>,
    pub result: String,
    pub reason: Option<String>,
    pub exit_code: i32,
    pub duration_ms: f64,
}

/// Milliseconds with microsecond precision, for JSON.
pub fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// Whether a parameter's value must not be written down.
pub fn is_secret(name: &str) -> bool {
    // Without lowering a copy of the name: this runs for every parameter of every call.
    let name = name.as_bytes();
    ["pass", "secret", "token", "credential"].iter().any(|w| {
        name.windows(w.len())
            .any(|part| part.eq_ignore_ascii_case(w.as_bytes()))
    })
}

/// Parameter values for the record, secrets replaced by `<redacted>`.
pub fn redacted(params: &Params) -> BTreeMap<String, String> {
    params
        .iter()
        .map(|(name, v)| {
            let value = match is_secret(name) {
                true => "<redacted>".to_string(),
                false => v.value.clone(),
            };
            (name.to_string(), value)
        })
        .collect()
}

/// Appends `record` as one line, creating the directory and rotating as needed.
pub fn append(path: &Path, record: &FlightRecord) -> Result<(), String> {
    let fail = |what: &str, e: &dyn std::fmt::Display| format!("{what} {}: {e}", path.display());
    let mut line =
        serde_json::to_string(record).map_err(|e| fail("cannot encode record for", &e))?;
    line.push('\n');
    // The directory exists on every call but the first: open first, create only when missing
    // (each call of a monitor pays for every system call here).
    let mut file = match open_append(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| fail("cannot create directory of", &e))?;
            }
            open_append(path)
        }
        other => other,
    }
    .map_err(|e| fail("cannot open", &e))?;
    if file.metadata().is_ok_and(|m| m.len() >= ROTATE_AT) {
        let mut rotated = path.as_os_str().to_owned();
        rotated.push(".1");
        std::fs::rename(path, &rotated).map_err(|e| fail("cannot rotate", &e))?;
        file = open_append(path).map_err(|e| fail("cannot open", &e))?;
    }
    // One write of the whole line: O_APPEND keeps concurrent writers' lines whole.
    file.write_all(line.as_bytes())
        .map_err(|e| fail("cannot write", &e))
}

fn open_append(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> FlightRecord {
        FlightRecord {
            time: "2024-03-05T07:08:09+00:00".into(),
            agent: "Dummy".into(),
            version: "0.1.0".into(),
            instance: Some("d1".into()),
            node: None,
            mode: Mode::Ocf,
            action: "start".into(),
            probe: false,
            check_level: 0,
            pid: 1,
            params: BTreeMap::new(),
            budget_ms: 20000,
            budget_source: BudgetSource::Pacemaker,
            lock_wait_ms: Some(0.5),
            steps: vec![StepRecord {
                name: "touch".into(),
                ms: 0.25,
                ok: true,
                error: None,
            }],
            result: "done".into(),
            reason: None,
            exit_code: 0,
            duration_ms: 1.5,
        }
    }

    #[test]
    fn path_prefers_parameter_then_environment_then_default() {
        let env = Env::default().with("MFS_HA_STATE_DIR", "/tmp/s");
        let params = Params::from_pairs(&[("state_dir", "/srv/state")]);
        assert_eq!(
            flight_path("X", &env, Some(&params)),
            PathBuf::from("/srv/state/flight/X.jsonl")
        );
        assert_eq!(
            flight_path("X", &env, None),
            PathBuf::from("/tmp/s/flight/X.jsonl")
        );
        assert_eq!(
            flight_path("X", &Env::default(), None),
            PathBuf::from("/var/lib/mfs-ha/flight/X.jsonl")
        );
    }

    #[test]
    fn secrets_are_redacted() {
        let params = Params::from_pairs(&[
            ("password", "hunter2"),
            ("admin_passwd", "x"),
            ("dir", "/d"),
        ]);
        let r = redacted(&params);
        assert!(is_secret("MFS_PASSWORD") && is_secret("api_Token") && !is_secret("pas"));
        assert_eq!(r["password"], "<redacted>");
        assert_eq!(r["admin_passwd"], "<redacted>");
        assert_eq!(r["dir"], "/d");
    }

    #[test]
    fn appends_one_json_line_per_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flight").join("Dummy.jsonl");
        append(&path, &record()).unwrap();
        append(&path, &record()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        let v: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(v["mode"], "ocf");
        assert_eq!(v["budget_source"], "pacemaker");
        assert_eq!(v["steps"][0]["name"], "touch");
        assert!(v["steps"][0].get("error").is_none());
    }

    #[test]
    fn rotates_a_large_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Dummy.jsonl");
        std::fs::write(&path, vec![b'x'; ROTATE_AT as usize]).unwrap();
        append(&path, &record()).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 1);
        assert!(dir.path().join("Dummy.jsonl.1").exists());
    }

    #[test]
    fn unwritable_location_is_an_error_not_a_panic() {
        let err = append(Path::new("/proc/no/such/flight.jsonl"), &record()).unwrap_err();
        assert!(err.contains("/proc/no/such/flight.jsonl"), "{err}");
    }

    #[test]
    fn millis_rounds_to_microseconds() {
        assert_eq!(millis(Duration::from_micros(1500)), 1.5);
        assert_eq!(millis(Duration::from_nanos(1_234_567)), 1.235);
    }
}
