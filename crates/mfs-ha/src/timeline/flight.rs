//! The agents' flight records (`<state_dir>/flight/<Agent>.jsonl`, see ha-agent's `record`):
//! one JSON object per line. Read leniently: a line that is not a record is counted, not fatal,
//! and fields added by newer agents are ignored.

use chrono::DateTime;
use serde::Deserialize;

use super::event::{Event, Precision, Step, What};

#[derive(Debug, Deserialize)]
struct Record {
    time: String,
    agent: String,
    #[serde(default)]
    node: Option<String>,
    action: String,
    #[serde(default)]
    steps: Vec<RecordStep>,
    #[serde(default)]
    result: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    exit_code: i32,
    #[serde(default)]
    duration_ms: f64,
}

#[derive(Debug, Deserialize)]
struct RecordStep {
    name: String,
    #[serde(default)]
    ms: f64,
    #[serde(default)]
    ok: bool,
}

/// The events of one flight file; `node` names records that carry no node of their own
/// (manual and OCF calls). Returns the events and the number of unreadable lines.
pub fn parse(text: &str, node: &str) -> (Vec<Event>, usize) {
    let mut events = Vec::new();
    let mut bad = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<Record>(line)
            .ok()
            .and_then(|r| event_of(r, node))
        {
            Some(e) => events.push(e),
            None => bad += 1,
        }
    }
    (events, bad)
}

fn event_of(r: Record, node: &str) -> Option<Event> {
    let at = DateTime::parse_from_rfc3339(&r.time).ok()?;
    let seconds = ms_to_s(r.duration_ms);
    let what = match r.action.as_str() {
        "start" | "stop" | "promote" | "demote" | "reload" => What::Action {
            agent: r.agent,
            action: r.action,
            result: r.result,
            exit_code: r.exit_code,
            seconds,
            steps: r
                .steps
                .into_iter()
                .map(|s| Step {
                    name: s.name,
                    seconds: ms_to_s(s.ms),
                    ok: s.ok,
                })
                .collect(),
            reason: r.reason,
        },
        _ => What::Check {
            agent: r.agent,
            running: r.exit_code == 0 && r.result == "running",
            exit_code: r.exit_code,
            seconds,
            action: r.action,
            reason: r.reason,
        },
    };
    Some(Event {
        at,
        precision: Precision::Exact,
        node: r
            .node
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| node.to_string()),
        source: "flight",
        what,
    })
}

/// Milliseconds to seconds, kept to the records' microseconds (no binary noise in the output).
fn ms_to_s(ms: f64) -> f64 {
    (finite(ms) * 1000.0).round() / 1e6
}

/// A duration that is a number of milliseconds we can add: negative or NaN becomes 0.
fn finite(ms: f64) -> f64 {
    if ms.is_finite() && ms > 0.0 {
        ms
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_action_with_its_steps_and_a_status_call() {
        let text = concat!(
            r#"{"time":"2026-12-07T06:53:21.310162314+00:00","agent":"Initdrbd","node":"mfs-bak","mode":"heartbeat","action":"start","steps":[{"name":"promote","ms":4.17,"ok":true}],"result":"done","reason":null,"exit_code":0,"duration_ms":8.763}"#,
            "\n",
            r#"{"time":"2026-12-07T06:53:22.288491+00:00","agent":"mfsmaster","node":null,"action":"monitor","result":"running","exit_code":0,"duration_ms":1.1}"#,
            "\nnot json\n\n"
        );
        let (events, bad) = parse(text, "dir-node");
        assert_eq!(bad, 1);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].node, "mfs-bak");
        match &events[0].what {
            What::Action {
                agent,
                steps,
                seconds,
                ..
            } => {
                assert_eq!(agent, "Initdrbd");
                assert_eq!(steps[0].name, "promote");
                assert!((seconds - 0.008763).abs() < 1e-9);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(events[1].node, "dir-node");
        assert!(matches!(events[1].what, What::Check { running: true, .. }));
    }

    #[test]
    fn odd_durations_do_not_poison_the_sums() {
        let line = r#"{"time":"2026-12-07T06:53:21+00:00","agent":"A","action":"start","duration_ms":-5,"steps":[{"name":"x","ms":-1}]}"#;
        let (events, _) = parse(line, "n");
        assert_eq!(events[0].end_secs(), events[0].secs());
    }
}
