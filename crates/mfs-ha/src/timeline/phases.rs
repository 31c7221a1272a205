//! From merged events to a failover: which events belong to one transition (an "episode"),
//! and the contiguous phases it consists of. Phase boundaries are whole microseconds, so the
//! phases' durations add up to the total exactly.

use super::event::{Event, Precision, Step, What};

/// Actions further apart than this belong to different transitions (heartbeat runs a group's
/// scripts back to back; a standby hand-over waits a few hundred ms for the peer).
const CHAIN_GAP_US: i64 = 5_000_000;

/// What started a transition.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Heartbeat on `by` declared `peer` dead: an unclean failover.
    PeerDead { peer: String, by: String },
    /// `peer` shut heartbeat down cleanly and `by` took over.
    PeerShutdown { peer: String, by: String },
    /// hb_standby or auto_failback moved the group.
    Standby { node: String },
    /// A node acquired or released a group on its own (start-up, takeover by hand).
    Group { node: String },
}

/// One contiguous stretch of the transition.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Phase {
    pub name: String,
    pub node: Option<String>,
    pub start_us: i64,
    pub end_us: i64,
    pub seconds: f64,
    /// Whether a boundary comes from a whole-second log line (true time up to 1 s later).
    pub approximate: bool,
    pub steps: Vec<Step>,
    pub note: Option<String>,
}

/// A moment worth showing that is not a stretch of time (the master's first answer, ...).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Point {
    pub at_us: i64,
    pub node: String,
    pub text: String,
    pub approximate: bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Episode {
    pub trigger: Trigger,
    pub start_us: i64,
    /// How the start was found: `given` (--fault), `deadtime` (declaration minus deadtime),
    /// `last sign of life` of the dead node, or `trigger`.
    pub start_from: String,
    pub end_us: i64,
    pub phases: Vec<Phase>,
    pub points: Vec<Point>,
}

impl Episode {
    pub fn total_seconds(&self) -> f64 {
        us_to_s(self.end_us - self.start_us)
    }

    /// The largest phase other than failure detection: where the takeover itself spends time.
    pub fn biggest_after_detection(&self) -> Option<&Phase> {
        self.phases
            .iter()
            .filter(|p| p.name != DETECTION)
            .max_by_key(|p| p.end_us - p.start_us)
    }
}

pub const DETECTION: &str = "failure detection (heartbeat deadtime)";

pub fn us(e: &Event) -> i64 {
    e.at.timestamp_micros()
}

fn end_us(e: &Event) -> i64 {
    match &e.what {
        What::Action { seconds, .. } => us(e) + (seconds * 1e6).round() as i64,
        _ => us(e),
    }
}

pub fn us_to_s(us: i64) -> f64 {
    us as f64 / 1e6
}

/// Options that shape detection.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The time of the fault, when the operator knows it (microseconds since the epoch).
    pub fault_us: Option<i64>,
    /// heartbeat's deadtime, to estimate the fault from the dead-node declaration.
    pub deadtime_us: Option<i64>,
    /// Select the first transition at or after this time; the last one otherwise.
    pub since_us: Option<i64>,
}

/// Every transition in `events` (sorted by time), oldest first.
pub fn episodes(events: &[Event], opts: &Options) -> Vec<Episode> {
    let mut found: Vec<Episode> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let Some(trigger) = trigger_of(e) else {
            continue;
        };
        if found
            .last()
            .is_some_and(|last| us(e) <= last.end_us + slack(e))
        {
            continue; // part of the transition already found (e.g. the acquire after "dead")
        }
        found.push(build(events, i, trigger, opts));
    }
    found
}

/// The transition `--since` selects (the first at or after it), or the last one.
pub fn select(episodes: Vec<Episode>, since_us: Option<i64>) -> Option<Episode> {
    match since_us {
        Some(t) => episodes.into_iter().find(|ep| ep.end_us >= t),
        None => episodes.into_iter().last(),
    }
}

/// A whole-second line may have happened up to a second after its logged time.
fn slack(e: &Event) -> i64 {
    match e.precision {
        Precision::Exact => 0,
        Precision::Second => 1_000_000,
    }
}

fn starts_a_transition(e: &Event) -> bool {
    matches!(
        e.what,
        What::PeerDead { .. } | What::PeerShutdown { .. } | What::Standby { .. }
    )
}

fn trigger_of(e: &Event) -> Option<Trigger> {
    let by = e.node.clone();
    match &e.what {
        What::PeerDead { peer } => Some(Trigger::PeerDead {
            peer: peer.clone(),
            by,
        }),
        What::PeerShutdown { peer } => Some(Trigger::PeerShutdown {
            peer: peer.clone(),
            by,
        }),
        What::Standby { .. } => Some(Trigger::Standby { node: by }),
        What::GroupAcquire { .. } | What::GroupRelease { .. } => Some(Trigger::Group { node: by }),
        _ => None,
    }
}

fn build(events: &[Event], at: usize, trigger: Trigger, opts: &Options) -> Episode {
    let t = &events[at];
    let t_us = us(t);
    // The actions of the transition: from the trigger on, while they follow each other closely.
    // A whole-second trigger may be logged up to 1 s before actions that follow it.
    let mut actions: Vec<&Event> = Vec::new();
    let mut chain_end = t_us;
    for e in events.iter().filter(|e| us(e) + slack(e) >= t_us) {
        if starts_a_transition(e) && us(e) > chain_end + slack(e) {
            break; // the next failover or hand-over
        }
        if !matches!(e.what, What::Action { .. }) {
            continue;
        }
        if us(e) > chain_end + CHAIN_GAP_US {
            break;
        }
        actions.push(e);
        chain_end = chain_end.max(end_us(e));
    }
    let first_action_us = actions.first().map(|a| us(a)).unwrap_or(t_us);
    let (start_us, start_from) = match &trigger {
        Trigger::PeerDead { peer, .. } => fault_estimate(events, at, peer, opts),
        _ => (t_us, "trigger".to_string()),
    };
    let mut phases = Vec::new();
    let mut cursor = start_us;
    // Whether the boundary at `cursor` comes from a whole-second line or an estimate.
    let mut cursor_approx = start_from != "given" && t.precision == Precision::Second;
    if let Trigger::PeerDead { peer, by } = &trigger {
        // The declaration is logged to the second: it lies in [t, t+1 s) and before the first action.
        let declared = t_us.clamp(start_us, first_action_us.max(start_us));
        phases.push(Phase {
            name: DETECTION.to_string(),
            node: Some(by.clone()),
            start_us,
            end_us: declared,
            seconds: us_to_s(declared - start_us),
            approximate: true,
            steps: vec![],
            note: Some(format!("{by} declares {peer} dead")),
        });
        cursor = declared;
        cursor_approx = true;
    }
    let mut previous: Option<String> = None;
    for a in &actions {
        let What::Action {
            agent,
            action,
            steps,
            reason,
            result,
            ..
        } = &a.what
        else {
            continue;
        };
        let label = format!("{agent} {action}");
        let a_start = us(a).max(cursor);
        if a_start > cursor {
            let name = match &previous {
                None => "heartbeat reacts (mach_down, ResourceManager, status checks)".to_string(),
                Some(p) => format!("heartbeat between {p} and {label}"),
            };
            phases.push(Phase {
                name,
                node: Some(a.node.clone()),
                start_us: cursor,
                end_us: a_start,
                seconds: us_to_s(a_start - cursor),
                approximate: cursor_approx || a.precision == Precision::Second,
                steps: vec![],
                note: None,
            });
        }
        let a_end = end_us(a).max(a_start);
        let note = match (result.as_str(), reason) {
            ("done", _) => recovered_note(events, a, agent, action),
            (r, Some(why)) => Some(format!("{r}: {why}")),
            (r, None) => Some(r.to_string()),
        };
        phases.push(Phase {
            name: format!("{label} on {}", a.node),
            node: Some(a.node.clone()),
            start_us: a_start,
            end_us: a_end,
            seconds: us_to_s(a_end - a_start),
            approximate: a.precision == Precision::Second,
            steps: steps.clone(),
            note,
        });
        cursor = a_end;
        cursor_approx = a.precision == Precision::Second;
        previous = Some(label);
    }
    let end_us = cursor.max(start_us);
    let points = points_of(events, start_us, end_us, &actions);
    Episode {
        trigger,
        start_us,
        start_from,
        end_us,
        phases,
        points,
    }
}

/// mfsmaster's start after a crash recovers with `-a`; its log line says so.
fn recovered_note(events: &[Event], a: &Event, agent: &str, action: &str) -> Option<String> {
    if action != "start" || !agent.starts_with("mfsmaster") {
        return None;
    }
    let (from, to) = (us(a) - 1_000_000, end_us(a) + 1_000_000);
    events
        .iter()
        .filter(|e| e.node == a.node && (from..=to).contains(&us(e)))
        .find_map(|e| match &e.what {
            What::Recovered { .. } => {
                Some("-a recovery: metadata replayed from the changelogs".to_string())
            }
            _ => None,
        })
}

/// The fault: given by the operator, else the dead node's last sign of life or the
/// declaration minus deadtime, whichever is later (and never after the declaration).
fn fault_estimate(events: &[Event], at: usize, peer: &str, opts: &Options) -> (i64, String) {
    let declared = us(&events[at]);
    if let Some(f) = opts.fault_us.filter(|f| *f <= declared + 1_000_000) {
        return (f.min(declared), "given".to_string());
    }
    let last_life = events[..at]
        .iter()
        .filter(|e| e.node.eq_ignore_ascii_case(peer))
        .map(end_us)
        .max()
        .filter(|t| *t <= declared);
    let by_deadtime = opts.deadtime_us.map(|d| declared - d);
    match (last_life, by_deadtime) {
        (Some(l), Some(d)) if l > d => (l, "last sign of life".to_string()),
        (_, Some(d)) => (d, "deadtime".to_string()),
        (Some(l), None) => (l, "last sign of life".to_string()),
        (None, None) => (declared, "trigger".to_string()),
    }
}

fn points_of(events: &[Event], start: i64, end: i64, actions: &[&Event]) -> Vec<Point> {
    let window = start..=end + CHAIN_GAP_US;
    let mut points = Vec::new();
    let master_started = actions.iter().find_map(|a| match &a.what {
        What::Action { agent, action, .. } if agent == "mfsmaster" && action == "start" => {
            Some((a.node.clone(), end_us(a)))
        }
        _ => None,
    });
    let mut first_answer_seen = false;
    for e in events.iter().filter(|e| window.contains(&us(e))) {
        let text = match &e.what {
            What::PeerDead { peer } => format!("heartbeat on {} declares {peer} dead", e.node),
            What::LinkDead { peer, link } => {
                format!("link {peer}:{link} dead (seen by {})", e.node)
            }
            What::MasterAnswers { text } => text.clone(),
            What::Recovered { text } => text.clone(),
            What::TransitionDone { text } => format!("heartbeat: {text}"),
            What::Mark { label } => label.clone(),
            What::Check {
                agent,
                action,
                running: true,
                ..
            } if !first_answer_seen
                && agent == "mfsmaster"
                && master_started
                    .as_ref()
                    .is_some_and(|(n, t)| *n == e.node && us(e) >= *t - 1_000_000) =>
            {
                first_answer_seen = true;
                format!(
                    "first successful mfsmaster {action} on {} after the start",
                    e.node
                )
            }
            _ => continue,
        };
        points.push(Point {
            at_us: us(e),
            node: e.node.clone(),
            text,
            approximate: e.precision == Precision::Second,
        });
    }
    points
}
