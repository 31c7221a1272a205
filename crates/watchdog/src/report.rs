//! Each decision as one log line (ha-agent's logger: stderr, syslog, heartbeat's logfile) and
//! one flight-record line (`/var/lib/mfs-ha/flight/mfs-ha-watchdog.jsonl`), with the agent's
//! reason. The texts are pure functions of the decision, tested below.

use std::collections::BTreeMap;
use std::time::Duration;

use ha_agent::deadline::BudgetSource;
use ha_agent::log::Level;
use ha_agent::record::{millis, FlightRecord};
use ha_agent::Mode;
use heartbeat_config::Resource;

use crate::policy::{Decision, Peer, Policy, Quiet};
use crate::recovery::Done;

/// The program's name in logs and the flight recorder.
pub const NAME: &str = "mfs-ha-watchdog";

fn written(resources: &[Resource]) -> Vec<&str> {
    resources.iter().map(|r| r.written.as_str()).collect()
}

fn window(d: Duration) -> String {
    match d.as_secs() {
        s if s % 60 == 0 && s >= 60 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

fn peer_text(peer: &Peer) -> &str {
    match peer {
        Peer::Alive(name) => name,
        Peer::NotAlive(why) | Peer::Unknown(why) => why,
    }
}

/// The stop and start order of a restart from `from`.
pub fn plan_text(resources: &[Resource], from: usize) -> String {
    let tail = written(resources.get(from..).unwrap_or_default());
    let mut stops = tail.clone();
    stops.reverse();
    format!("stop {}, start {}", stops.join(", "), tail.join(", "))
}

/// The log line of a decision that is not idle.
pub fn decision_line(
    key: &str,
    resources: &[Resource],
    decision: &Decision,
    policy: &Policy,
    standby_scope: &str,
) -> Option<(Level, String)> {
    let budget = format!(
        "{} in {}",
        policy.restart_budget,
        window(policy.restart_window)
    );
    let line = match decision {
        Decision::Idle(_) => return None,
        Decision::Watch { failure, rounds } => (
            Level::Warn,
            format!(
                "group {key}: {}; failed round {rounds} of {} before acting",
                failure.reason, policy.confirm
            ),
        ),
        Decision::Restart {
            failure,
            attempt,
            beyond_budget: None,
        } => (
            Level::Warn,
            format!(
                "group {key}: {}; restart in place {attempt} of {budget}: {}",
                failure.reason,
                plan_text(resources, failure.index)
            ),
        ),
        Decision::Restart {
            failure,
            attempt,
            beyond_budget: Some(peer),
        } => (
            Level::Crit,
            format!(
                "group {key}: {}; restart budget spent ({budget}) and no peer can take the group ({}): restart in place again ({attempt} in the window): {}",
                failure.reason,
                peer_text(peer),
                plan_text(resources, failure.index)
            ),
        ),
        Decision::Handover { failure, peer } => {
            let tail = written(resources.get(failure.index..).unwrap_or_default());
            let mut stops = tail.clone();
            stops.reverse();
            (
                Level::Crit,
                format!(
                    "group {key}: {}; restart budget spent ({budget}): giving the group to {peer} (active by heartbeat's account): stop {} here, then hb_standby {standby_scope}",
                    failure.reason,
                    stops.join(", ")
                ),
            )
        }
        Decision::Hold { failure, peer } => (
            Level::Crit,
            format!(
                "group {key}: {}; restart budget spent ({budget}) and no peer can take the group ({}); peer_dead = alert: leaving it as it is, an operator must act",
                failure.reason,
                peer_text(peer)
            ),
        ),
    };
    Some(line)
}

/// The line logged when a group's quiet state changes (not every round).
pub fn quiet_line(key: &str, quiet: &Quiet) -> (Level, String) {
    match quiet {
        Quiet::Healthy => (
            Level::Info,
            format!("group {key}: held here and healthy; watching"),
        ),
        Quiet::NotHeld => (
            Level::Info,
            format!("group {key}: not held here; not watching"),
        ),
        Quiet::Transition => (
            Level::Info,
            format!("group {key}: heartbeat is taking over or releasing; waiting for it"),
        ),
        Quiet::HeartbeatUnknown(why) => (
            Level::Warn,
            format!("group {key}: cannot ask heartbeat ({why}); not acting"),
        ),
    }
}

/// The line logged when a recovery finished.
pub fn done_line(key: &str, done: &Done) -> (Level, String) {
    match &done.result {
        Ok(summary) => (Level::Info, format!("group {key}: {summary}")),
        Err(why) => (Level::Error, format!("group {key}: recovery failed: {why}")),
    }
}

/// The short name of a decision in the flight record.
pub fn action_name(decision: &Decision) -> &'static str {
    match decision {
        Decision::Idle(_) => "idle",
        Decision::Watch { .. } => "watch",
        Decision::Restart { .. } => "restart",
        Decision::Handover { .. } => "handover",
        Decision::Hold { .. } => "hold",
    }
}

/// One flight-record line for a decision (and what carrying it out did).
pub struct RecordInput<'a> {
    pub time: String,
    pub node: &'a str,
    pub key: &'a str,
    pub decision: &'a Decision,
    pub line: &'a str,
    pub done: Option<&'a Done>,
    pub budget: Duration,
    pub elapsed: Duration,
    pub params: BTreeMap<String, String>,
}

pub fn flight_record(input: RecordInput<'_>) -> FlightRecord {
    let (result, reason, exit_code) = match input.done {
        None => (
            action_name(input.decision).to_string(),
            input.line.to_string(),
            0,
        ),
        Some(done) => match &done.result {
            Ok(summary) => ("done".to_string(), format!("{}: {summary}", input.line), 0),
            Err(why) => ("failed".to_string(), format!("{}: {why}", input.line), 1),
        },
    };
    FlightRecord {
        time: input.time,
        agent: NAME.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        instance: Some(input.key.to_string()),
        node: Some(input.node.to_string()),
        mode: Mode::Heartbeat,
        action: action_name(input.decision).to_string(),
        probe: false,
        check_level: 0,
        pid: std::process::id(),
        params: input.params,
        budget_ms: u64::try_from(input.budget.as_millis()).unwrap_or(u64::MAX),
        budget_source: BudgetSource::Parameter,
        lock_wait_ms: None,
        steps: input.done.map(|d| d.steps.clone()).unwrap_or_default(),
        result,
        reason: Some(reason),
        exit_code,
        duration_ms: millis(input.elapsed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Failure, PeerDead};

    fn group() -> Vec<Resource> {
        ["Initdrbd", "mfsmaster", "192.168.8.210"]
            .iter()
            .map(|w| Resource::parse(w))
            .collect()
    }

    fn policy() -> Policy {
        Policy {
            confirm: 2,
            restart_budget: 2,
            restart_window: Duration::from_secs(600),
            peer_dead: PeerDead::Restart,
        }
    }

    fn failure() -> Failure {
        Failure {
            index: 1,
            reason: "mfsmaster: no answer to INFO (exit code 1)".into(),
        }
    }

    fn line(d: &Decision) -> (Level, String) {
        decision_line("Initdrbd", &group(), d, &policy(), "local").unwrap()
    }

    #[test]
    fn restart_line_names_reason_attempt_budget_and_order() {
        let (level, text) = line(&Decision::Restart {
            failure: failure(),
            attempt: 1,
            beyond_budget: None,
        });
        assert_eq!(level, Level::Warn);
        assert_eq!(
            text,
            "group Initdrbd: mfsmaster: no answer to INFO (exit code 1); restart in place 1 of 2 in 10 min: stop 192.168.8.210, mfsmaster, start mfsmaster, 192.168.8.210"
        );
    }

    #[test]
    fn restart_beyond_budget_says_the_peer_is_dead() {
        let (level, text) = line(&Decision::Restart {
            failure: failure(),
            attempt: 3,
            beyond_budget: Some(Peer::NotAlive(
                "mfs-bak is dead by heartbeat's account".into(),
            )),
        });
        assert_eq!(level, Level::Crit);
        assert!(text.contains("restart budget spent (2 in 10 min) and no peer can take the group (mfs-bak is dead by heartbeat's account): restart in place again (3 in the window)"), "{text}");
    }

    #[test]
    fn handover_line_names_the_peer_and_the_stops_first() {
        let (_, text) = line(&Decision::Handover {
            failure: failure(),
            peer: "mfs-bak".into(),
        });
        assert!(
            text.ends_with("giving the group to mfs-bak (active by heartbeat's account): stop 192.168.8.210, mfsmaster here, then hb_standby local"),
            "{text}"
        );
    }

    #[test]
    fn idle_is_not_a_decision_line_and_lines_are_single() {
        assert!(decision_line(
            "k",
            &group(),
            &Decision::Idle(Quiet::Healthy),
            &policy(),
            "local"
        )
        .is_none());
        let (_, text) = quiet_line("k", &Quiet::HeartbeatUnknown("a".into()));
        assert_eq!(text.lines().count(), 1);
    }

    #[test]
    fn flight_record_carries_steps_result_and_reason() {
        let decision = Decision::Restart {
            failure: failure(),
            attempt: 1,
            beyond_budget: None,
        };
        let done = Done {
            steps: vec![],
            result: Err("mfsmaster start failed: x".into()),
        };
        let rec = flight_record(RecordInput {
            time: "t".into(),
            node: "mfs-master",
            key: "Initdrbd",
            decision: &decision,
            line: "the line",
            done: Some(&done),
            budget: Duration::from_secs(240),
            elapsed: Duration::from_millis(1500),
            params: BTreeMap::new(),
        });
        assert_eq!(rec.agent, "mfs-ha-watchdog");
        assert_eq!(rec.action, "restart");
        assert_eq!(rec.result, "failed");
        assert_eq!(rec.exit_code, 1);
        assert_eq!(
            rec.reason.as_deref(),
            Some("the line: mfsmaster start failed: x")
        );
        assert_eq!(rec.budget_ms, 240_000);
    }
}
