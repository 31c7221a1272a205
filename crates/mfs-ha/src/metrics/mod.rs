//! `mfs-ha metrics`: this node's state as metrics: the Prometheus text format by default (for
//! node_exporter's textfile collector), OpenMetrics with `--format openmetrics`, and, with
//! `--listen ADDR`, a small HTTP endpoint that serves either by the scraper's Accept header.
//!
//! * [`model`]: families and the two text forms; [`collect`]: what is measured;
//! * [`serve`]: the HTTP endpoint (off unless `--listen` is given).

pub mod collect;
pub mod model;
pub mod serve;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::status::{self, verdict};
use crate::timeline::{halog, sources};
use crate::{Exit, Global};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// text/plain; version=0.0.4 (node_exporter's textfile collector, promtool)
    Prometheus,
    /// application/openmetrics-text; version=1.0.0
    Openmetrics,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value = "prometheus")]
    pub format: Format,
    /// Serve the metrics over HTTP at ADDR (e.g. 127.0.0.1:9711) instead of printing them
    /// once; GET /metrics. Off by default.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// heartbeat's configuration directory.
    #[arg(long, default_value = "/etc/ha.d", value_name = "DIR")]
    pub ha_dir: PathBuf,
    #[arg(long, default_value = "/etc/init.d", value_name = "DIR")]
    pub init_dir: PathBuf,
    #[arg(long, default_value = "cl_status", value_name = "PATH")]
    pub cl_status: String,
    /// The agents' state directory (flight records in DIR/flight); default MFS_HA_STATE_DIR
    /// or /var/lib/mfs-ha.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// This node's name as heartbeat knows it (default: the host name), to count its takeovers.
    #[arg(long, value_name = "NAME")]
    pub node: Option<String>,
    /// Deadline of each probe.
    #[arg(long, default_value_t = 5.0, value_name = "SECONDS")]
    pub timeout: f64,
    #[arg(long, default_value_t = 1000, value_name = "CHANGES")]
    pub max_metalogger_lag: u64,
}

pub fn run(args: &Args, global: &Global) -> Result<Exit> {
    if global.json {
        bail!("metrics has no --json: it prints the Prometheus text format or, with --format openmetrics, OpenMetrics");
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 60.0) {
        bail!(
            "--timeout {}: expected seconds between 0 and 60",
            args.timeout
        );
    }
    if let Some(addr) = args.listen {
        return serve::serve(addr, args).map(|()| Exit::Clean);
    }
    print!("{}", render(args, args.format));
    Ok(Exit::Clean)
}

/// Reads the node and renders it in `format`.
pub fn render(args: &Args, format: Format) -> String {
    let started = Instant::now();
    let mut families = families(args);
    let mut took = model::Family::gauge(
        "mfsha_scrape_duration_seconds",
        "How long reading this node took.",
    );
    took.add(&[], started.elapsed().as_secs_f64());
    families.push(took);
    match format {
        Format::Prometheus => model::prometheus(&families),
        Format::Openmetrics => model::openmetrics(&families),
    }
}

fn families(args: &Args) -> Vec<model::Family> {
    let src = status::Sources {
        ha_dir: args.ha_dir.clone(),
        init_dir: args.init_dir.clone(),
        cl_status: args.cl_status.clone(),
        timeout: Duration::from_secs_f64(args.timeout),
        arp_window: None,
    };
    let report = status::read(&src);
    let v = verdict::judge(
        &report,
        verdict::Limits {
            metalogger_lag: args.max_metalogger_lag,
        },
    );
    let mut out = collect::status_families(&report, &v);
    let state = args
        .state_dir
        .clone()
        .or_else(|| {
            std::env::var_os("MFS_HA_STATE_DIR")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| PathBuf::from("/var/lib/mfs-ha"));
    let ha_log = std::fs::read_to_string(args.ha_dir.join("ha.cf"))
        .ok()
        .and_then(|t| {
            let cf = heartbeat_config::hacf::parse(&t);
            cf.get("logfile")
                .or_else(|| cf.get("debugfile"))
                .map(|d| PathBuf::from(d.value.trim()))
        })
        .filter(|p| p.is_file());
    let node = args.node.clone().unwrap_or_else(|| report.node.clone());
    let files = sources::NodeFiles {
        node: node.clone(),
        flight: sources::jsonl_files(&state.join("flight")),
        ha_log,
        ha_cf: None,
    };
    let (mut events, _notes) =
        sources::read_node(&files, halog::Zone::Local, halog::current_year());
    events.sort_by_key(crate::timeline::phases::us);
    out.extend(collect::record_families(&node, &events));
    out
}
