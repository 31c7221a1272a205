//! `mfs-ha timeline`: both nodes' flight records and ha.log lines merged into the phases of
//! one failover, with their durations and the total.
//!
//! * [`event`]: the common record; [`flight`], [`halog`]: the two readers;
//! * [`sources`]: which files (this node's, or `--logs` copies);
//! * [`phases`]: transitions and their contiguous phases; [`render`]: text and JSON;
//! * [`when`]: times the operator types.

pub mod event;
pub mod flight;
pub mod halog;
pub mod phases;
pub mod render;
pub mod sources;
pub mod when;

use std::path::PathBuf;

use anyhow::{bail, Result};

use crate::{Exit, Global};
use event::{Event, Precision, What};
use halog::Zone;
use sources::NodeFiles;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directories holding copies of a node's records (ha.log or ha-debug.log, flight/*.jsonl),
    /// or a directory with one such directory per node. Default: this node's own files.
    #[arg(long, num_args = 1.., value_name = "DIR")]
    pub logs: Vec<PathBuf>,
    /// Show the first transition at or after this time (default: the last one). Forms:
    /// @EPOCH, RFC 3339, 'YYYY-MM-DD HH:MM:SS', HH:MM:SS (local time).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// When the fault happened, if known (e.g. the time of a test crash); otherwise it is
    /// estimated from heartbeat's deadtime and the failed node's last record.
    #[arg(long, value_name = "TIME")]
    pub fault: Option<String>,
    /// heartbeat's deadtime in seconds, to estimate the fault (default: from ha.cf).
    #[arg(long, value_name = "SECONDS")]
    pub deadtime: Option<f64>,
    /// An extra moment to show, e.g. what a client saw: TIME=TEXT (repeatable).
    #[arg(long = "mark", value_name = "TIME=TEXT")]
    pub marks: Vec<String>,
    /// heartbeat's configuration, for deadtime and logfile when reading this node's files.
    #[arg(long, value_name = "FILE", default_value = "/etc/ha.d/ha.cf")]
    pub ha_cf: PathBuf,
}

pub fn run(args: &Args, global: &Global) -> Result<Exit> {
    let zone = Zone::Local;
    let today = chrono::Local::now().date_naive();
    let at = |what: &str, text: &str| {
        when::parse(text, zone, today).map_err(|e| anyhow::anyhow!("--{what}: {e}"))
    };
    let since_us = args.since.as_deref().map(|t| at("since", t)).transpose()?;
    let fault_us = args.fault.as_deref().map(|t| at("fault", t)).transpose()?;
    let mut marks = Vec::new();
    for m in &args.marks {
        let Some((t, label)) = m.split_once('=') else {
            bail!("--mark {m}: expected TIME=TEXT, e.g. --mark '@1796626402.5=client write done'");
        };
        marks.push(mark(at("mark", t)?, label)?);
    }
    let nodes = node_files(args)?;
    let deadtime_us = match args.deadtime {
        Some(d) if d.is_finite() && d > 0.0 && d < 86_400.0 => Some((d * 1e6) as i64),
        Some(d) => bail!("--deadtime {d}: expected seconds, e.g. --deadtime 30"),
        None => nodes
            .iter()
            .filter_map(|n| n.ha_cf.as_ref())
            .find_map(|p| deadtime_of(p))
            .or_else(|| deadtime_of(&args.ha_cf)),
    };
    let (mut events, notes) = read_all(&nodes, zone);
    events.extend(marks);
    events.sort_by_key(phases::us);
    for n in &notes {
        eprintln!("mfs-ha timeline: {n}");
    }
    let opts = phases::Options {
        fault_us,
        deadtime_us,
        since_us,
    };
    let Some(episode) = phases::select(phases::episodes(&events, &opts), since_us) else {
        let read: Vec<String> = nodes.iter().map(describe).collect();
        bail!(
            "no failover or hand-over found{} in {}",
            args.since
                .as_deref()
                .map(|s| format!(" at or after {s}"))
                .unwrap_or_default(),
            read.join("; ")
        );
    };
    if global.json {
        println!("{:#}", render::json(&episode, &notes));
    } else {
        print!("{}", render::text(&episode));
    }
    let failed = episode
        .phases
        .iter()
        .any(|p| p.note.as_deref().is_some_and(|n| n.starts_with("failed")));
    Ok(if failed { Exit::Warnings } else { Exit::Clean })
}

fn mark(at_us: i64, label: &str) -> Result<Event> {
    let at = chrono::DateTime::from_timestamp_micros(at_us)
        .ok_or_else(|| anyhow::anyhow!("--mark: time out of range"))?
        .fixed_offset();
    Ok(Event {
        at,
        precision: Precision::Exact,
        node: "operator".into(),
        source: "operator",
        what: What::Mark {
            label: label.to_string(),
        },
    })
}

/// The files to read: `--logs`, or this node's flight directory and heartbeat's logfile.
fn node_files(args: &Args) -> Result<Vec<NodeFiles>> {
    if !args.logs.is_empty() {
        let mut all = Vec::new();
        for dir in &args.logs {
            all.extend(sources::node_dirs(dir)?);
        }
        return Ok(all);
    }
    let state = std::env::var("MFS_HA_STATE_DIR")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/var/lib/mfs-ha".into());
    let flight_dir = PathBuf::from(state).join("flight");
    let ha_cf = std::fs::read_to_string(&args.ha_cf).ok();
    let cf = ha_cf.as_deref().map(heartbeat_config::hacf::parse);
    let ha_log = cf.as_ref().and_then(|cf| {
        ["logfile", "debugfile"]
            .iter()
            .filter_map(|k| cf.get(k))
            .map(|d| PathBuf::from(d.value.trim()))
            .find(|p| p.is_file())
    });
    let files = NodeFiles {
        node: hostname(),
        flight: sources::jsonl_files(&flight_dir),
        ha_log,
        ha_cf: ha_cf.map(|_| args.ha_cf.clone()),
    };
    if files.flight.is_empty() && files.ha_log.is_none() {
        bail!(
            "nothing to read: no flight records in {} and no logfile/debugfile in {} \
             (give copies of both nodes' files with --logs DIR...)",
            flight_dir.display(),
            args.ha_cf.display()
        );
    }
    Ok(vec![files])
}

fn read_all(nodes: &[NodeFiles], zone: Zone) -> (Vec<Event>, Vec<String>) {
    let year = halog::current_year();
    let mut events = Vec::new();
    let mut notes = Vec::new();
    for n in nodes {
        let (mut e, mut m) = sources::read_node(n, zone, year);
        events.append(&mut e);
        notes.append(&mut m);
    }
    (events, notes)
}

fn describe(n: &NodeFiles) -> String {
    format!(
        "{}: {} flight file(s), {}",
        n.node,
        n.flight.len(),
        n.ha_log
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "no ha.log".into())
    )
}

/// `deadtime` from ha.cf, in microseconds (`5`, `5s`, `5000ms`).
fn deadtime_of(path: &std::path::Path) -> Option<i64> {
    let text = std::fs::read_to_string(path).ok()?;
    let cf = heartbeat_config::hacf::parse(&text);
    parse_interval(&cf.get("deadtime")?.value)
}

/// heartbeat's interval syntax: seconds, or with an `ms`/`s` suffix.
pub fn parse_interval(v: &str) -> Option<i64> {
    let v = v.trim();
    let (num, scale) = match v.strip_suffix("ms") {
        Some(n) => (n, 1_000.0),
        None => (v.strip_suffix('s').unwrap_or(v), 1_000_000.0),
    };
    let n: f64 = num.trim().parse().ok()?;
    (0.0..1e7).contains(&n).then_some((n * scale) as i64)
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "this-node".into())
}

#[cfg(test)]
mod tests;
