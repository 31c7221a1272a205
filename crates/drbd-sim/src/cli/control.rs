//! `drbd-sim`: declare resources, drive the simulated cluster from tests, inspect, clean up.

use super::{failure, lifecycle, Output};
use crate::device::{Host, RealHost};
use crate::engine::Engine;
use crate::errors::Failure;
use crate::model::SimState;
use crate::ops::{self, Effect};
use crate::states::Disk;
use crate::store::Store;
use anyhow::{anyhow, bail, Context, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "drbd-sim",
    about = "Simulated DRBD for tests: run as drbdadm/drbdsetup (symlinks) or control it here",
    long_about = "drbd-sim simulates DRBD 8.4 (default) for two nodes that share one state directory \
                  ($DRBD_SIM_DIR). Symlink the binary as drbdadm and drbdsetup; each call plays the \
                  node named by $DRBD_SIM_NODE (else `uname -n`)."
)]
struct Cli {
    /// State directory (default: $DRBD_SIM_DIR).
    #[arg(long, global = true)]
    dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Declare a resource (nodes start down, meta data as --disk-state says).
    Init(Box<lifecycle::InitArgs>),
    /// Detach the loop devices, remove the device nodes and images this simulator created,
    /// and the state.
    Destroy,
    /// Print the state as JSON, with what each node reports.
    Show {
        #[arg(long)]
        resource: Option<String>,
    },
    /// Print a node's /proc/drbd.
    Proc { node: String },
    /// Cut the replication link (both nodes go WFConnection).
    #[command(alias = "partition")]
    Disconnect {
        #[arg(long)]
        resource: Option<String>,
    },
    /// Restore the replication link (handshake: resync or split brain as the data says).
    #[command(alias = "heal")]
    Reconnect {
        #[arg(long)]
        resource: Option<String>,
    },
    /// Set a node's disk state (or, when down, its meta data).
    SetDisk {
        node: String,
        /// UpToDate, Consistent, Outdated, Inconsistent or Diskless.
        state: String,
        #[arg(long)]
        resource: Option<String>,
    },
    /// Make <node> SyncTarget of its peer with --percent done.
    StartResync {
        node: String,
        #[arg(long, default_value_t = 0)]
        percent: u64,
        /// KiB/s; 0 (default) freezes the progress until finish-resync.
        #[arg(long, default_value_t = 0)]
        rate: u64,
        #[arg(long)]
        resource: Option<String>,
    },
    /// Complete the running resync.
    FinishResync {
        #[arg(long)]
        resource: Option<String>,
    },
    /// Let both nodes' data diverge; connected nodes drop to StandAlone at once.
    SplitBrain {
        #[arg(long)]
        resource: Option<String>,
    },
    /// <node> dies without telling its peer (power loss): its DRBD is gone, and a connected
    /// peer notices after the resource's --peer-loss-delay-ms.
    Crash {
        node: String,
        #[arg(long)]
        resource: Option<String>,
    },
    /// Force <node> Primary without any check (a peer that is Primary already).
    MakePrimary {
        node: String,
        #[arg(long)]
        resource: Option<String>,
    },
    /// The peer of --node (default: $DRBD_SIM_NODE) takes <ms> to demote.
    SetPeerDemoteDelay {
        ms: u64,
        #[arg(long)]
        node: Option<String>,
        #[arg(long)]
        resource: Option<String>,
    },
    /// <node> takes <ms> to demote.
    SetDemoteDelay {
        node: String,
        ms: u64,
        #[arg(long)]
        resource: Option<String>,
    },
    /// Declare <node>'s device held open (yes) or not (no), besides real holders.
    SetOpen {
        node: String,
        open: String,
        #[arg(long)]
        resource: Option<String>,
    },
    /// Run <node>'s fence-peer handler as its kernel does on a Primary that lost its peer
    /// (conn_try_outdate_peer_async): the verdict unfreezes I/O or leaves it frozen.
    FencePeer {
        node: String,
        #[arg(long)]
        resource: Option<String>,
    },
    /// Let time pass: finish due demotions and resync progress, rewrite proc files.
    Tick,
    /// Create drbdadm, drbdsetup and drbdsetup-84 symlinks to this binary in <dir>.
    InstallLinks { dir: PathBuf },
}

/// Runs a `drbd-sim` command line (without the program name).
pub fn run(args: &[String]) -> Output {
    let argv = std::iter::once("drbd-sim".to_string()).chain(args.iter().cloned());
    let cli = match Cli::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let text = e.render().to_string();
            return if code == 0 {
                Output::ok(text)
            } else {
                Output::fail(code, text)
            };
        }
    };
    let store = match cli.dir.clone() {
        Some(d) => Store::new(d),
        None => match Store::from_env() {
            Ok(s) => s,
            Err(e) => return Output::fail(1, format!("drbd-sim: {e:#}\n")),
        },
    };
    let mut host = RealHost;
    match execute(cli.command, &store, &mut host) {
        Ok(out) => out,
        Err(e) => Output::fail(1, format!("drbd-sim: {e:#}\n")),
    }
}

/// The resource a control command means: the named one, or the only one.
fn pick(st: &SimState, resource: Option<String>) -> Result<String> {
    match resource {
        Some(r) => st
            .find_name(&r)
            .ok_or_else(|| anyhow!("no resource {r}; `drbd-sim show` lists them")),
        None => {
            let mut names = st.resources.keys();
            match (names.next(), names.next()) {
                (Some(n), None) => Ok(n.clone()),
                (None, _) => bail!("no resource declared; run `drbd-sim init` first"),
                _ => bail!("more than one resource: say which with --resource"),
            }
        }
    }
}

fn check_node(st: &SimState, name: &str, node: &str) -> Result<()> {
    match st.resources.get(name) {
        Some(r) if r.has_node(node) => Ok(()),
        Some(r) => bail!(
            "{node} is not a node of {name} (nodes: {})",
            r.nodes.join(", ")
        ),
        None => bail!("no resource {name}"),
    }
}

/// Applies a control operation to one resource.
fn control(
    store: &Store,
    host: &mut dyn Host,
    resource: Option<String>,
    node: Option<&str>,
    f: impl FnOnce(&mut SimState, &str, u64) -> Result<Effect, Failure>,
) -> Result<Output> {
    let mut engine = Engine::new(store, host);
    let r = engine.transact(|st, _, now| -> Result<Result<Effect, Failure>> {
        let name = pick(st, resource)?;
        if let Some(n) = node {
            check_node(st, &name, n)?;
        }
        Ok(f(st, &name, now))
    })??;
    r.map_err(failure)?;
    let mut out = Output::default();
    for w in engine.warnings {
        out.stderr.push_str(&format!("drbd-sim: warning: {w}\n"));
    }
    Ok(out)
}

/// Runs a control command line against `store` with `host` (tests use a fake host).
#[cfg(test)]
pub(super) fn run_with(args: &[&str], store: &Store, host: &mut dyn Host) -> Result<Output> {
    let argv = std::iter::once("drbd-sim").chain(args.iter().copied());
    let cli = Cli::try_parse_from(argv).map_err(|e| anyhow!("{e}"))?;
    execute(cli.command, store, host)
}

fn execute(command: Command, store: &Store, host: &mut dyn Host) -> Result<Output> {
    match command {
        Command::Init(a) => lifecycle::init(*a, store, host),
        Command::Destroy => lifecycle::destroy(store, host),
        Command::Show { resource } => lifecycle::show(store, host, resource),
        Command::Proc { node } => {
            Engine::new(store, host).snapshot()?;
            let text = std::fs::read_to_string(store.proc_path(&node))
                .with_context(|| format!("no /proc/drbd for node {node}"))?;
            Ok(Output::ok(text))
        }
        Command::Disconnect { resource } => control(store, host, resource, None, |st, n, _| {
            if let Some(r) = st.resources.get_mut(n) {
                r.partitioned = true;
            }
            Ok(Effect::Changed)
        }),
        Command::Reconnect { resource } => control(store, host, resource, None, |st, n, _| {
            if let Some(r) = st.resources.get_mut(n) {
                r.partitioned = false;
            }
            Ok(Effect::Changed)
        }),
        Command::SetDisk {
            node,
            state,
            resource,
        } => {
            let disk = Disk::parse(&state)
                .filter(|d| {
                    matches!(
                        d,
                        Disk::UpToDate
                            | Disk::Consistent
                            | Disk::Outdated
                            | Disk::Inconsistent
                            | Disk::Diskless
                    )
                })
                .ok_or_else(|| {
                    anyhow!("disk state {state:?}: use UpToDate, Consistent, Outdated, Inconsistent or Diskless")
                })?;
            control(store, host, resource, Some(&node), |st, n, _| {
                ops::force_disk(st, n, &node, disk)
            })
        }
        Command::StartResync {
            node,
            percent,
            rate,
            resource,
        } => {
            if percent > 100 {
                bail!("--percent must be 0..100");
            }
            control(store, host, resource, Some(&node), |st, n, now| {
                let res = st
                    .resources
                    .get(n)
                    .ok_or(Failure::Config(crate::errors::ConfigError::ResNotKnown))?;
                if !res.connected {
                    return Err(Failure::State(crate::errors::StateError::NeedConnection));
                }
                let source = res.peer_of(&node).unwrap_or_default().to_string();
                ops::start_resync(st, n, &source, &node, 100 - percent, Some(rate), now);
                Ok(Effect::Changed)
            })
        }
        Command::FinishResync { resource } => control(store, host, resource, None, |st, n, _| {
            ops::finish_resync(st, n);
            Ok(Effect::Changed)
        }),
        Command::SplitBrain { resource } => control(store, host, resource, None, |st, n, _| {
            ops::split_brain(st, n)
        }),
        Command::MakePrimary { node, resource } => {
            control(store, host, resource, Some(&node), |st, n, _| {
                ops::make_primary(st, n, &node)
            })
        }
        Command::SetPeerDemoteDelay { ms, node, resource } => {
            let me = match node {
                Some(n) => n,
                None => crate::store::node_name()?,
            };
            let st = Engine::new(store, host).snapshot()?;
            let name = pick(&st, resource.clone())?;
            let peer = st
                .resources
                .get(&name)
                .filter(|r| r.has_node(&me))
                .and_then(|r| r.peer_of(&me))
                .ok_or_else(|| anyhow!("{me} is not a node of {name}; give --node"))?
                .to_string();
            set_delay(store, host, resource, peer, ms)
        }
        Command::SetDemoteDelay { node, ms, resource } => {
            set_delay(store, host, resource, node, ms)
        }
        Command::SetOpen {
            node,
            open,
            resource,
        } => {
            let open = match open.as_str() {
                "yes" | "true" | "1" => true,
                "no" | "false" | "0" => false,
                _ => bail!("set-open takes yes or no"),
            };
            control(store, host, resource, Some(&node), |st, n, _| {
                if let Some(ns) = st
                    .resources
                    .get_mut(n)
                    .and_then(|r| r.node_state.get_mut(&node))
                {
                    ns.forced_open = open;
                }
                Ok(Effect::Changed)
            })
        }
        Command::FencePeer { node, resource } => {
            let mut engine = Engine::new(store, host);
            let st = engine.snapshot()?;
            let name = pick(&st, resource)?;
            check_node(&st, &name, &node)?;
            if !super::setup_cmd::try_outdate_peer(&mut engine, &name, &node)? {
                bail!(
                    "{node} has nothing to fence: it needs fencing and a fence-peer handler, no connection, a peer disk not known outdated, and a Consistent or UpToDate disk"
                );
            }
            let st = engine.snapshot()?;
            let shown = st
                .resources
                .get(&name)
                .and_then(|r| r.view(&node))
                .map(|v| {
                    format!(
                        "{}/{}{}\n",
                        v.disk,
                        v.pdsk,
                        if v.susp { " (I/O frozen)" } else { "" }
                    )
                })
                .unwrap_or_default();
            Ok(Output::ok(shown))
        }
        Command::Crash { node, resource } => {
            control(store, host, resource, Some(&node), |st, name, now| {
                ops::crash(st, name, &node, now)
            })
        }
        Command::Tick => {
            Engine::new(store, host).snapshot()?;
            Ok(Output::default())
        }
        Command::InstallLinks { dir } => lifecycle::install_links(&dir),
    }
}

fn set_delay(
    store: &Store,
    host: &mut dyn Host,
    resource: Option<String>,
    node: String,
    ms: u64,
) -> Result<Output> {
    control(store, host, resource, Some(&node), |st, n, _| {
        if let Some(ns) = st
            .resources
            .get_mut(n)
            .and_then(|r| r.node_state.get_mut(&node))
        {
            ns.demote_delay_ms = ms;
        }
        Ok(Effect::Changed)
    })
}
