//! The timeline as text for the operator and as JSON for tools.

use chrono::{DateTime, Local, Utc};
use serde_json::{json, Value};

use super::phases::{us_to_s, Episode, Trigger};

fn clock(us: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(us)
        .map(|d| d.with_timezone(&Local).format("%H:%M:%S%.3f").to_string())
        .unwrap_or_else(|| "?".into())
}

fn rfc3339(us: i64) -> Value {
    DateTime::<Utc>::from_timestamp_micros(us)
        .map(|d| Value::String(d.with_timezone(&Local).to_rfc3339()))
        .unwrap_or(Value::Null)
}

pub fn headline(ep: &Episode) -> String {
    match &ep.trigger {
        Trigger::PeerDead { peer, by } => format!("{peer} failed; {by} took over"),
        Trigger::PeerShutdown { peer, by } => format!("{peer} shut down; {by} took over"),
        Trigger::Standby { node } => format!("hand-over (standby/failback) asked by {node}"),
        Trigger::Group { node } => format!("resource group moved by {node}"),
    }
}

fn start_from(ep: &Episode) -> &'static str {
    match ep.start_from.as_str() {
        "given" => "the fault time given with --fault",
        "deadtime" => "estimated: heartbeat's declaration minus deadtime",
        "last sign of life" => "estimated: the failed node's last record",
        _ => "the first log line of the transition",
    }
}

pub fn text(ep: &Episode) -> String {
    let mut out = String::new();
    let date = DateTime::<Utc>::from_timestamp_micros(ep.start_us)
        .map(|d| {
            d.with_timezone(&Local)
                .format("%Y-%m-%d %H:%M:%S%.3f %Z")
                .to_string()
        })
        .unwrap_or_default();
    out.push_str(&format!("{} ({date})\n", headline(ep)));
    out.push_str(&format!("start: {}\n\n", start_from(ep)));
    out.push_str("      offset   duration  phase\n");
    for p in &ep.phases {
        let mark = if p.approximate { "~" } else { " " };
        let note = p
            .note
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        out.push_str(&format!(
            "{:>11} {:>9.3}s{mark} {}{note}\n",
            format!("+{:.3}s", us_to_s(p.start_us - ep.start_us)),
            p.seconds,
            p.name
        ));
        if !p.steps.is_empty() {
            let steps: Vec<String> = p
                .steps
                .iter()
                .map(|s| {
                    let failed = if s.ok { "" } else { " FAILED" };
                    format!("{} {:.3}s{failed}", s.name, s.seconds)
                })
                .collect();
            out.push_str(&format!("{:22}{}\n", "", steps.join(", ")));
        }
    }
    out.push_str(&format!(
        "{:>11} {:>9.3}s  total, {} to {}\n",
        "",
        ep.total_seconds(),
        clock(ep.start_us),
        clock(ep.end_us)
    ));
    if !ep.points.is_empty() {
        out.push_str("\n      offset  moment\n");
        for pt in &ep.points {
            let mark = if pt.approximate { "~" } else { " " };
            out.push_str(&format!(
                "{:>11}{mark} {} [{}]\n",
                format!("+{:.3}s", us_to_s(pt.at_us - ep.start_us)),
                pt.text,
                pt.node
            ));
        }
    }
    if let Some(b) = ep.biggest_after_detection() {
        let step = b
            .steps
            .iter()
            .max_by(|x, y| x.seconds.total_cmp(&y.seconds))
            .map(|s| format!(", most of it {} {:.3}s", s.name, s.seconds))
            .unwrap_or_default();
        let after = match ep.trigger {
            Trigger::PeerDead { .. } => " after failure detection",
            _ => "",
        };
        out.push_str(&format!(
            "\nbiggest phase{after}: {} {:.3}s{step}\n",
            b.name, b.seconds
        ));
    }
    out.push_str(
        "(~: bounded by a whole-second log line; the true boundary may be up to 1 s later)\n",
    );
    out
}

pub fn json(ep: &Episode, notes: &[String]) -> Value {
    let offset = |us: i64| us_to_s(us - ep.start_us);
    json!({
        "summary": headline(ep),
        "trigger": ep.trigger,
        "start": rfc3339(ep.start_us),
        "start_from": ep.start_from,
        "end": rfc3339(ep.end_us),
        "total_seconds": ep.total_seconds(),
        "phases": ep.phases.iter().map(|p| json!({
            "name": p.name,
            "node": p.node,
            "start": rfc3339(p.start_us),
            "offset_seconds": offset(p.start_us),
            "seconds": p.seconds,
            "approximate": p.approximate,
            "steps": p.steps,
            "note": p.note,
        })).collect::<Vec<_>>(),
        "points": ep.points.iter().map(|pt| json!({
            "at": rfc3339(pt.at_us),
            "offset_seconds": offset(pt.at_us),
            "node": pt.node,
            "text": pt.text,
            "approximate": pt.approximate,
        })).collect::<Vec<_>>(),
        "biggest_after_detection": ep.biggest_after_detection().map(|b| json!({
            "name": b.name, "seconds": b.seconds,
        })),
        "notes": notes,
    })
}
