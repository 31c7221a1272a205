//! `Initdrbd`: promote a DRBD resource and mount its filesystem, as the seed article's script
//! did (`drbdadm primary r0; mount /dev/drbd1 /usr/local/mfs`), but safely:
//!
//! * [`spec`]: the declaration (parameters, actions);
//! * [`settings`]: parameters checked and resolved;
//! * [`drbd`]: the DRBD state from /proc/drbd via the drbd-status crate;
//! * [`decide`]: pure decisions (refusals, health);
//! * [`fs`]: mount state and mounting;
//! * [`start`], [`stop`], [`monitor`]: the actions.

pub mod decide;
pub mod drbd;
pub mod fs;
pub mod monitor;
pub mod settings;
pub mod spec;
pub mod start;
pub mod stop;

#[cfg(test)]
mod tests;

use ha_agent::{Action, Agent, AgentError, AgentSpec, Ctx, Health};

use settings::Settings;

/// The agent.
pub struct Initdrbd;

impl Agent for Initdrbd {
    fn spec(&self) -> AgentSpec {
        spec::spec()
    }

    fn validate(&self, ctx: &Ctx) -> Result<(), AgentError> {
        let s = Settings::from_ctx(ctx)?;
        if ctx.action() != Action::Stop {
            s.find_drbdadm()?;
        }
        Ok(())
    }

    fn start(&self, ctx: &Ctx) -> Result<(), AgentError> {
        start::start(ctx, &Settings::from_ctx(ctx)?)
    }

    fn stop(&self, ctx: &Ctx) -> Result<(), AgentError> {
        stop::stop(ctx, &Settings::from_ctx(ctx)?)
    }

    fn monitor(&self, ctx: &Ctx, level: u32) -> Result<Health, AgentError> {
        monitor::monitor(ctx, &Settings::from_ctx(ctx)?, level)
    }
}
