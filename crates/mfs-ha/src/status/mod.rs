//! `mfs-ha status`: one screen for this node and, where it can be read, the peer: heartbeat's
//! view, each resource as heartbeat reads it, DRBD, the mount, the master, the metalogger's
//! lag, who answers for the VIP, and whether the pair is ready to fail over.
//!
//! * [`setup`]: the configuration (ha.cf, haresources, the agents' defaults files);
//! * [`heartbeat`]: `cl_status`; [`gather`]: resources, DRBD, mount, master, metalogger;
//! * [`vip`]: who answers for the VIP; [`verdict`]: the judgement; [`render`]: the output.
//!
//! Nothing is started that the kernel can answer (DRBD's status file, mountinfo, interfaces);
//! cl_status and the resource scripts' `status` are what heartbeat itself runs.

pub mod gather;
pub mod heartbeat;
pub mod render;
pub mod setup;
pub mod verdict;
pub mod vip;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::{Exit, Global};
use verdict::{Holding, Limits, Report};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one Nagios plugin line and exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    #[arg(long)]
    pub check: bool,
    /// Show the status again every --interval seconds (Ctrl-C ends; --count N stops after N).
    #[arg(long)]
    pub watch: bool,
    #[arg(long, default_value_t = 2.0, value_name = "SECONDS")]
    pub interval: f64,
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// heartbeat's configuration directory.
    #[arg(long, default_value = "/etc/ha.d", value_name = "DIR")]
    pub ha_dir: PathBuf,
    /// Where ResourceManager looks for scripts after resource.d.
    #[arg(long, default_value = "/etc/init.d", value_name = "DIR")]
    pub init_dir: PathBuf,
    /// heartbeat's API client.
    #[arg(long, default_value = "cl_status", value_name = "PATH")]
    pub cl_status: String,
    /// Deadline of each probe (a script's status, a request to the master).
    #[arg(long, default_value_t = 5.0, value_name = "SECONDS")]
    pub timeout: f64,
    /// A metalogger further behind the master than this many changes is a warning.
    #[arg(long, default_value_t = 1000, value_name = "CHANGES")]
    pub max_metalogger_lag: u64,
    /// How long the ARP probe for the VIP listens for an answer.
    #[arg(long, default_value_t = 0.5, value_name = "SECONDS")]
    pub arp_window: f64,
}

fn seconds(name: &str, v: f64) -> Result<Duration> {
    if !(v.is_finite() && v > 0.0 && v <= 3600.0) {
        bail!("--{name} {v}: expected seconds between 0 and 3600, e.g. --{name} 2");
    }
    Ok(Duration::from_secs_f64(v))
}

pub fn run(args: &Args, global: &Global) -> Result<Exit> {
    let timeout = seconds("timeout", args.timeout)?;
    let interval = seconds("interval", args.interval)?;
    let window = seconds("arp-window", args.arp_window)?;
    if args.watch && args.check {
        bail!("--watch and --check do not go together: a Nagios check runs once");
    }
    if !args.ha_dir.is_dir() {
        bail!(
            "--ha-dir {}: not a directory (heartbeat's configuration lives in /etc/ha.d)",
            args.ha_dir.display()
        );
    }
    let limits = Limits {
        metalogger_lag: args.max_metalogger_lag,
    };
    let mut shown = 0u64;
    loop {
        let started = Instant::now();
        let report = read(&args.sources(timeout, Some(window)));
        let verdict = verdict::judge(&report, limits);
        if args.check {
            print!("{}", render::nagios(&report, &verdict));
            return Ok(render::exit_of(verdict.level));
        }
        if args.watch && std::io::stdout().is_terminal() {
            print!("\x1b[H\x1b[2J");
        }
        if global.json {
            let v = serde_json::json!({"report": report, "verdict": verdict});
            println!("{v:#}");
        } else {
            print!("{}", render::text(&report, &verdict));
        }
        shown += 1;
        if !args.watch || args.count.is_some_and(|n| shown >= n) {
            return Ok(Exit::Clean);
        }
        if !global.json {
            println!();
        }
        std::thread::sleep(interval.saturating_sub(started.elapsed()));
    }
}

/// Where and how to read a node.
#[derive(Debug, Clone)]
pub struct Sources {
    pub ha_dir: PathBuf,
    pub init_dir: PathBuf,
    pub cl_status: String,
    pub timeout: Duration,
    /// How long to listen for an ARP answer for the VIP; `None`: no probe, local check only.
    pub arp_window: Option<Duration>,
}

impl Args {
    fn sources(&self, timeout: Duration, arp_window: Option<Duration>) -> Sources {
        Sources {
            ha_dir: self.ha_dir.clone(),
            init_dir: self.init_dir.clone(),
            cl_status: self.cl_status.clone(),
            timeout,
            arp_window,
        }
    }
}

/// Reads everything once.
pub fn read(src: &Sources) -> Report {
    let timeout = src.timeout;
    let setup = setup::read(&src.ha_dir);
    let node = hostname();
    let hb = heartbeat::read(&src.cl_status, timeout);
    let peer = hb
        .nodes
        .iter()
        .map(|n| n.name.clone())
        .chain(setup.nodes.iter().cloned())
        .find(|n| !n.eq_ignore_ascii_case(&node));
    let groups: Vec<Holding> = gather::groups(&setup, &src.init_dir, timeout)
        .into_iter()
        .map(|g| {
            let books = hb
                .rscstatus
                .as_deref()
                .and_then(|s| heartbeat::books_say_held(s, &node, &g.preferred_node));
            let peer_active = peer.as_ref().is_some_and(|p| {
                hb.nodes
                    .iter()
                    .any(|n| n.name.eq_ignore_ascii_case(p) && n.status == "active")
            });
            let holder = if g.all_running() {
                Some(node.clone())
            } else if g.none_running() && books == Some(false) && peer_active {
                peer.clone()
            } else {
                None
            };
            Holding {
                group: g,
                holder,
                books_say_here: books,
            }
        })
        .collect();
    let here = groups
        .iter()
        .any(|g| g.holder.as_deref() == Some(node.as_str()));
    let port = gather::master_port(&setup);
    // The master here, else the one the VIP leads to (the peer's, read from this node).
    let master = match (here, &setup.vip) {
        (true, _) | (false, None) => gather::master("127.0.0.1", port, timeout),
        (false, Some(vip)) => gather::master(vip, port, timeout),
    };
    let metalogger = setup
        .metalogger_dir
        .as_ref()
        .map(|d| gather::metalogger(d, master.metadata_version));
    let vip_holder = setup.vip.as_ref().map(|v| vip::holder(v, src.arp_window));
    Report {
        peer,
        time: chrono::Local::now()
            .format("%Y-%m-%d %H:%M:%S %Z")
            .to_string(),
        media: setup.media.clone(),
        heartbeat: hb,
        groups,
        drbd: gather::drbd(&setup),
        mount: gather::mount(&setup),
        master: Some(master),
        metalogger,
        vip: setup.vip.clone(),
        vip_holder,
        notes: setup.notes.clone(),
        node,
    }
}

fn hostname() -> String {
    nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "localhost".into())
}
