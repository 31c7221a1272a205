//! The `mfs-ha` operator command. Each subcommand lives in its own module.

use clap::{CommandFactory, Parser, Subcommand};

pub mod check;
pub mod cluster;
pub mod doctor;
mod exit;
pub mod findings;
pub mod metrics;
pub mod node;
pub mod plan;
pub mod status;
pub mod timeline;

pub use exit::Exit;

/// Operator tools for a MooseFS master pair made highly available with DRBD and Heartbeat.
#[derive(Debug, Parser)]
#[command(name = "mfs-ha", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Global {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check this node's heartbeat, DRBD and MooseFS configuration for the traps that break a failover.
    Check(check::Args),
    /// Show what heartbeat would run on this node to take over or release the group, and the current state.
    Plan(plan::Args),
    /// Export this node's fingerprint, or compare two nodes' fingerprints.
    Doctor(doctor::Args),
    /// One screen: heartbeat, DRBD, mount, master, VIP, and whether the pair can fail over.
    Status(status::Args),
    /// Merge both nodes' flight records and ha.log into one failover timeline.
    Timeline(timeline::Args),
    /// OpenMetrics text for Prometheus.
    Metrics(metrics::Args),
}

/// The clap definition (for `--help` and the man page).
pub fn command() -> clap::Command {
    Cli::command()
}

/// Parses argv, runs the subcommand, and maps an error to "could not check" (3): a usage
/// error too, as a Nagios plugin does, so that 2 always means "errors found".
pub fn main() -> std::process::ExitCode {
    restore_default_sigpipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print(); // --help, --version
            return Exit::Clean.into();
        }
        Err(e) => {
            let _ = e.print();
            return Exit::CouldNotCheck.into();
        }
    };
    let result = match &cli.command {
        Command::Check(args) => check::run(args, &cli.global),
        Command::Plan(args) => plan::run(args, &cli.global),
        Command::Doctor(args) => doctor::run(args, &cli.global),
        Command::Status(args) => status::run(args, &cli.global),
        Command::Timeline(args) => timeline::run(args, &cli.global),
        Command::Metrics(args) => metrics::run(args, &cli.global),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("mfs-ha: {e:#}");
            Exit::CouldNotCheck.into()
        }
    }
}

/// `mfs-ha status | head` must end quietly like any Unix filter, not panic on a closed pipe:
/// Rust ignores SIGPIPE by default, so every print would fail with EPIPE instead.
fn restore_default_sigpipe() {
    // SAFETY: called first in main, before any thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
