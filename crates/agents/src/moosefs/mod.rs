//! `mfsmaster` (and `mfsmetalogger`, `mfschunkserver`, `mfscgiserv`): the MooseFS daemons on
//! the framework, replacing the seed's hand-written init script.
//!
//! * [`kind`]: which daemon, from the installed name or the `daemon` parameter;
//! * [`spec`], [`settings`], [`cfg`], [`locate`]: declaration, parameters, mfs*.cfg, discovery;
//! * [`lock`], [`procs`], [`net`], [`state`]: what runs, from the kernel (F_GETLK, /proc);
//! * [`probe`]: the native CLTOMA_INFO request;
//! * [`metaver`], [`recovery`], [`freshness`]: metadata versions, `-a` with backups, refusing
//!   stale metadata;
//! * [`start`], [`stop`], [`monitor`]: the actions.

pub mod cfg;
pub mod freshness;
pub mod kind;
pub mod locate;
pub mod lock;
pub mod metaver;
pub mod monitor;
pub mod net;
pub mod probe;
pub mod procs;
pub mod recovery;
pub mod settings;
pub mod spec;
pub mod start;
pub mod state;
pub mod stop;

#[cfg(test)]
mod tests;

use ha_agent::{Action, Agent, AgentError, AgentSpec, Ctx, ErrorKind, Health};

use kind::Kind;
use settings::Settings;

/// The agent, named after the daemon kind it was invoked as.
pub struct MooseFs {
    pub kind: Kind,
}

impl MooseFs {
    /// The kind from argv\[0\] (`mfsmaster`, `mfschunkserver`, ...).
    pub fn from_process() -> MooseFs {
        let argv0 = std::env::args().next().unwrap_or_default();
        MooseFs {
            kind: Kind::from_argv0(&argv0),
        }
    }
}

impl Agent for MooseFs {
    fn spec(&self) -> AgentSpec {
        spec::spec(self.kind)
    }

    fn validate(&self, ctx: &Ctx) -> Result<(), AgentError> {
        Settings::kind(ctx)?;
        if ctx.action() == Action::Stop {
            return Ok(()); // stop decides for itself what a missing install means
        }
        let s = Settings::from_ctx(ctx)?;
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

    fn start(&self, ctx: &Ctx) -> Result<(), AgentError> {
        start::start(ctx, &Settings::from_ctx(ctx)?)
    }

    fn stop(&self, ctx: &Ctx) -> Result<(), AgentError> {
        match Settings::from_ctx(ctx) {
            Ok(s) => stop::stop(ctx, &s),
            // Without the daemon or its config nothing of ours can be running here.
            Err(e) if e.kind == ErrorKind::NotInstalled => {
                ctx.info(&format!("nothing to stop: {}", e.reason));
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    fn monitor(&self, ctx: &Ctx, level: u32) -> Result<Health, AgentError> {
        monitor::monitor(ctx, &Settings::from_ctx(ctx)?, level)
    }
}
