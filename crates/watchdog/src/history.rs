//! The restart budget survives a restart of the watchdog itself (a crash, a heartbeat respawn):
//! at start, the restarts still inside the window are read back from our flight record.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};

/// For each group key, how long ago each restart this node recorded happened, when less than
/// `window` ago. Lines that are not ours or not readable are skipped.
pub fn recent_restarts(
    jsonl: &str,
    node: &str,
    now: DateTime<FixedOffset>,
    window: Duration,
) -> BTreeMap<String, Vec<Duration>> {
    let mut found: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    for line in jsonl.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        if text("action").as_deref() != Some("restart") || text("node").as_deref() != Some(node) {
            continue;
        }
        let (Some(key), Some(time)) = (text("instance"), text("time")) else {
            continue;
        };
        let Ok(at) = DateTime::parse_from_rfc3339(&time) else {
            continue;
        };
        let Ok(age) = (now - at).to_std() else {
            continue;
        };
        if age < window {
            found.entry(key).or_default().push(age);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(action: &str, node: &str, key: &str, time: &str) -> String {
        format!(
            r#"{{"time":"{time}","agent":"mfs-ha-watchdog","instance":"{key}","node":"{node}","action":"{action}","result":"done"}}"#
        )
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_read_without_panic(text in "\\PC{0,400}") {
            let now = DateTime::parse_from_rfc3339("2026-12-07T07:10:00+00:00").unwrap();
            let _ = recent_restarts(&text, "n", now, Duration::from_secs(600));
        }
    }

    #[test]
    fn restarts_of_this_node_within_the_window_count() {
        let now = DateTime::parse_from_rfc3339("2026-12-07T07:10:00+00:00").unwrap();
        let text = [
            line(
                "restart",
                "mfs-master",
                "Initdrbd",
                "2026-12-07T07:08:00+00:00",
            ),
            line(
                "restart",
                "mfs-master",
                "Initdrbd",
                "2026-12-07T06:59:00+00:00",
            ),
            line(
                "restart",
                "mfs-bak",
                "Initdrbd",
                "2026-12-07T07:09:00+00:00",
            ),
            line(
                "watch",
                "mfs-master",
                "Initdrbd",
                "2026-12-07T07:09:00+00:00",
            ),
            "not json".to_string(),
            line(
                "restart",
                "mfs-master",
                "Initdrbd",
                "2026-12-07T07:11:00+00:00",
            ),
            line(
                "restart",
                "mfs-master",
                "Other",
                "2026-12-07T08:09:00+01:00",
            ),
        ]
        .join("\n");
        let found = recent_restarts(&text, "mfs-master", now, Duration::from_secs(600));
        assert_eq!(found["Initdrbd"], vec![Duration::from_secs(120)]);
        assert_eq!(found["Other"], vec![Duration::from_secs(60)]);
        assert_eq!(found.len(), 2);
    }
}
