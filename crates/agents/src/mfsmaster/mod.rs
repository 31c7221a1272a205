//! `mfsmaster` (and `mfsmetalogger`, `mfschunkserver`, `mfscgiserv`): the MooseFS daemons on
//! the framework, replacing the seed's hand-written init script.
//!
//! * `kind`: which daemon, from the installed name or the `daemon` parameter;
//! * `spec`, `settings`, [`cfg`](mod@cfg), `locate`: declaration, parameters, mfs*.cfg, discovery;
//! * [`changelog`]: whether CHANGELOG_SAVE_MODE keeps acknowledged changes through a crash;
//! * [`procs`], `net`, `state`: what runs, from the kernel (F_GETLK through
//!   `hostops::lockholder`, /proc);
//! * `decide`: pure decisions from one observed snapshot (the steps of start, what stop does,
//!   what status reads), each rule unit-tested;
//! * [`probe`]: the native CLTOMA_INFO request;
//! * [`metaver`], `recovery`, `freshness`, [`emergency`]: metadata versions, `-a` with
//!   backups, refusing stale metadata, setting aside stale emergency dumps;
//! * `end`, `health`: the effects more than one action takes (ending the daemon's processes
//!   within a deadline; the health check and the INFO request with its retry);
//! * `start`, `stop`, `monitor`: the actions: observe, decide, act.

pub mod cfg;
pub mod changelog;
pub(crate) mod decide;
pub mod emergency;
pub(crate) mod end;
pub(crate) mod freshness;
pub(crate) mod health;
pub(crate) mod kind;
pub(crate) mod locate;
pub mod metaver;
pub(crate) mod monitor;
pub(crate) mod net;
pub mod probe;
pub mod procs;
pub(crate) mod recovery;
pub(crate) mod settings;
pub(crate) mod spec;
pub(crate) mod start;
pub(crate) mod state;
pub(crate) mod stop;

#[cfg(test)]
mod tests;

use ha_agent::{Action, Agent, AgentError, AgentSpec, Ctx, ErrorKind, Health};

use kind::Kind;
use settings::Settings;

/// The agent, named after the daemon kind it was invoked as.
pub struct Mfsmaster {
    pub kind: Kind,
}

impl Mfsmaster {
    /// The kind from argv\[0\] (`mfsmaster`, `mfschunkserver`, ...).
    pub fn from_process() -> Mfsmaster {
        let argv0 = std::env::args().next().unwrap_or_default();
        Mfsmaster {
            kind: Kind::from_argv0(&argv0),
        }
    }
}

/// The settings of one action: resolved, or the daemon or its config missing or unusable on
/// this host (stop and monitor then ask the kernel what runs instead of failing: a daemon
/// started before its config was broken still runs).
pub enum Resolved {
    Ready(Box<Settings>),
    Missing { kind: Kind, error: AgentError },
}

impl Agent for Mfsmaster {
    type Settings = Resolved;

    fn spec(&self) -> AgentSpec {
        spec::spec(self.kind)
    }

    fn settings(&self, ctx: &Ctx) -> Result<Resolved, AgentError> {
        let kind = Settings::kind(ctx)?;
        match Settings::from_ctx(ctx) {
            Ok(s) => Ok(Resolved::Ready(Box::new(s))),
            Err(error) if matches!(error.kind, ErrorKind::NotInstalled | ErrorKind::Configured) => {
                Ok(Resolved::Missing { kind, error })
            }
            Err(e) => Err(e),
        }
    }

    fn validate(&self, ctx: &Ctx, resolved: &Resolved) -> Result<(), AgentError> {
        let s = match resolved {
            Resolved::Ready(s) => s,
            // Stop and monitor decide for themselves what a missing install or config means:
            // a daemon may still run (see state::running_without_config).
            Resolved::Missing { .. }
                if matches!(
                    ctx.action(),
                    Action::Stop | Action::Monitor | Action::Status
                ) =>
            {
                return Ok(())
            }
            Resolved::Missing { error, .. } => return Err(error.clone()),
        };
        for (n, line) in &s.cfg.odd_lines {
            ctx.warn(&format!(
                "{} line {n}: not KEY = VALUE: {line}",
                s.config
                    .as_deref()
                    .map(|c| c.display().to_string())
                    .unwrap_or_default()
            ));
        }
        Ok(())
    }

    fn start(&self, ctx: &Ctx, resolved: &Resolved) -> Result<(), AgentError> {
        match resolved {
            Resolved::Ready(s) => start::start(ctx, s),
            Resolved::Missing { error, .. } => Err(error.clone()),
        }
    }

    fn stop(&self, ctx: &Ctx, resolved: &Resolved) -> Result<(), AgentError> {
        match resolved {
            Resolved::Ready(s) => stop::stop(ctx, s),
            // Without the daemon or its config, ask the kernel what runs before saying "nothing":
            // a daemon started with this config path (its filesystem unmounted under it) is
            // ours and is stopped; another one holding its lock is named, never signalled.
            Resolved::Missing { kind, error } => {
                stop::stop_without_config(ctx, *kind, &error.reason)
            }
        }
    }

    fn monitor(&self, ctx: &Ctx, resolved: &Resolved, level: u32) -> Result<Health, AgentError> {
        match resolved {
            Resolved::Ready(s) => monitor::monitor(ctx, s, level),
            Resolved::Missing { kind, error } => {
                match state::running_without_config(*kind, &error.reason) {
                    Some(reason) => Ok(Health::FailedRunning(reason)),
                    None => Err(error.clone()),
                }
            }
        }
    }
}
