//! What the sources say, as one kind of record: a point in time on a node.

use chrono::{DateTime, FixedOffset};

/// How exact an event's time is: flight records carry nanoseconds, heartbeat's logs whole
/// seconds (the true time lies in `[at, at + 1 s)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Exact,
    Second,
}

/// One timed step of an agent action, from its flight record.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Step {
    pub name: String,
    pub seconds: f64,
    pub ok: bool,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum What {
    /// Heartbeat declared `peer` dead (the takeover decision).
    PeerDead {
        peer: String,
    },
    /// A heartbeat link to `peer` went dead.
    LinkDead {
        peer: String,
        link: String,
    },
    /// The peer announced a clean shutdown (`Received shutdown notice`).
    PeerShutdown {
        peer: String,
    },
    /// A node asked to hand over its resources (hb_standby, auto_failback).
    Standby {
        text: String,
    },
    /// ResourceManager starts taking or releasing a group.
    GroupAcquire {
        group: String,
    },
    GroupRelease {
        group: String,
    },
    /// ResourceManager or mach_down reports the transition finished.
    TransitionDone {
        text: String,
    },
    /// An agent action that changes state (start, stop), with its steps.
    Action {
        agent: String,
        action: String,
        result: String,
        exit_code: i32,
        seconds: f64,
        steps: Vec<Step>,
        reason: Option<String>,
    },
    /// A monitor or status call; `running` when it found the resource healthy.
    Check {
        agent: String,
        action: String,
        running: bool,
        exit_code: i32,
        seconds: f64,
        reason: Option<String>,
    },
    /// The master answered its first INFO request after a start (from the agent's log line).
    MasterAnswers {
        text: String,
    },
    /// The master was started with `-a` (metadata recovered from changelogs).
    Recovered {
        text: String,
    },
    /// A heartbeat restart of a node (it boots again).
    HeartbeatStart,
    /// A point the operator gave (`--mark`, `--fault`).
    Mark {
        label: String,
    },
}

/// One event on one node.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub at: DateTime<FixedOffset>,
    pub precision: Precision,
    pub node: String,
    /// `flight`, `ha.log` or `operator`.
    pub source: &'static str,
    pub what: What,
}

impl Event {
    /// Seconds since the epoch, as a float (microsecond resolution is plenty here).
    pub fn secs(&self) -> f64 {
        secs(&self.at)
    }

    /// When an action ends (its start plus its duration); other events end where they are.
    pub fn end_secs(&self) -> f64 {
        match &self.what {
            What::Action { seconds, .. } => self.secs() + seconds,
            _ => self.secs(),
        }
    }
}

pub fn secs(at: &DateTime<FixedOffset>) -> f64 {
    at.timestamp() as f64 + f64::from(at.timestamp_subsec_micros()) / 1e6
}
