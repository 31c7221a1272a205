//! `--json` (the shared model with a verdict) and `--raw-json` (the format's own document).
//! The envelope is documented field by field in docs/drbd-status-json.md.

use crate::input::Report;
use drbd_status::health::Health;
use drbd_status::{Diagnostic, Document, Status};
use serde::Serialize;

/// `{"status": …, "health": …, "diagnostics": […]}`.
#[derive(Debug, Serialize)]
pub struct Envelope<'a> {
    pub status: &'a Status,
    pub health: Health,
    pub diagnostics: &'a [Diagnostic],
}

impl<'a> Envelope<'a> {
    pub fn new(report: &'a Report) -> Self {
        Envelope {
            status: &report.status,
            health: report.status.health(),
            diagnostics: &report.diagnostics,
        }
    }
}

/// The envelope, pretty-printed, newline-terminated.
pub fn envelope(report: &Report) -> serde_json::Result<String> {
    pretty(&Envelope::new(report))
}

/// The lossless document of the input's format, pretty-printed, newline-terminated.
pub fn raw(document: &Document) -> serde_json::Result<String> {
    pretty(document)
}

fn pretty<T: Serialize>(value: &T) -> serde_json::Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::*;
    use serde_json::{json, Value};

    #[test]
    fn envelope_has_status_health_and_diagnostics() {
        let diag = vec![Diagnostic::warning(3, "unknown key 'foo'")];
        let text = envelope(&report(status(vec![sync_target()]), diag)).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["diagnostics", "health", "status"]);
        assert_eq!(
            v["health"],
            json!({"level": "WARNING", "reasons": [
                "minor-1/0: disk Inconsistent, resync running",
                "minor-1/peer/0: SyncTarget 34.5%"
            ]})
        );
        assert_eq!(
            v["diagnostics"],
            json!([{"severity": "warning", "line": 3, "message": "unknown key 'foo'"}])
        );
        // serde's kebab-case of ProcDrbd8 (not Format::as_str()'s "proc-drbd-8").
        assert_eq!(v["status"]["format"], "proc-drbd-8");
        assert_eq!(v["status"]["drbd_version"], "8.4.11-1");
        assert_eq!(v["status"]["has_device_info"], true);
    }

    #[test]
    fn envelope_status_follows_the_model_layout() {
        let text = envelope(&report(status(vec![sync_target()]), vec![])).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        let r = &v["status"]["resources"][0];
        assert_eq!(r["name"], "minor-1");
        assert_eq!(r["role"], "Secondary");
        assert_eq!(r["suspended"], json!([]));
        assert_eq!(r["split_brain_reported"], false);
        assert_eq!(
            r["devices"][0],
            json!({"volume": 0, "minor": 1, "disk": "Inconsistent"})
        );
        let c = &r["connections"][0];
        assert_eq!(c["name"], "peer");
        assert_eq!(c["state"], "Connected");
        assert_eq!(c["peer_role"], "Primary");
        assert_eq!(c["cs8"], "SyncTarget");
        assert_eq!(
            c["peer_devices"][0],
            json!({
                "volume": 0,
                "replication": "SyncTarget",
                "peer_disk": "UpToDate",
                "resync_suspended": [],
                "out_of_sync_kib": 686920,
                "sync": {
                    "verify": false,
                    "percent": 34.5,
                    "remaining_kib": 686920,
                    "total_kib": 1048576,
                    "speed_kib_s": 2908,
                    "eta_seconds": 236,
                    "stalled": false
                }
            })
        );
    }
}
