//! `Initdrbd`: promote a DRBD resource and mount its filesystem, as the seed article's script
//! did (`drbdadm primary r0; mount /dev/drbd1 /usr/local/mfs`), but safely:
//!
//! * [`spec`]: the declaration (parameters, actions);
//! * [`settings`]: parameters checked and resolved;
//! * [`drbd`]: the DRBD state from /proc/drbd via the drbd-status crate;
//! * [`decide`]: pure decisions (refusals, health);
//! * [`fs`]: mount state and mounting;
//! * [`start`], [`stop`], [`monitor`]: the actions of scope=all, and scope=mount's;
//! * [`clone`]: scope=drbd, the promotable clone's actions; [`score`]: its promotion score.

pub mod clone;
pub mod decide;
pub mod drbd;
pub mod fs;
pub mod monitor;
pub mod score;
pub mod settings;
pub mod spec;
pub mod start;
pub mod stop;

#[cfg(test)]
mod tests;

use ha_agent::{Action, Agent, AgentError, AgentSpec, Ctx, Health, Notification};

use settings::{Scope, Settings};

/// The agent.
pub struct Initdrbd;

impl Agent for Initdrbd {
    type Settings = Settings;

    fn spec(&self) -> AgentSpec {
        spec::spec()
    }

    fn settings(&self, ctx: &Ctx) -> Result<Settings, AgentError> {
        Settings::from_ctx(ctx)
    }

    fn validate(&self, ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
        // Status reads /proc/drbd and mountinfo: without drbdadm it must still tell a Primary
        // that is mounted here (a missing drbdadm must not read as "not running").
        let reads_only = matches!(ctx.action(), Action::Monitor | Action::Status);
        if ctx.action() != Action::Stop && !reads_only {
            s.find_drbdadm()?;
        }
        Ok(())
    }

    fn start(&self, ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
        match s.scope {
            Scope::All => start::start(ctx, s),
            Scope::Drbd => clone::start(ctx, s),
            Scope::Mount => start::start_mount(ctx, s),
        }
    }

    fn stop(&self, ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
        match s.scope {
            Scope::All => stop::stop(ctx, s),
            Scope::Drbd => clone::stop(ctx, s),
            Scope::Mount => stop::stop_mount(ctx, s),
        }
    }

    fn monitor(&self, ctx: &Ctx, s: &Settings, level: u32) -> Result<Health, AgentError> {
        match s.scope {
            Scope::All => monitor::monitor(ctx, s, level),
            Scope::Drbd => clone::monitor(ctx, s),
            Scope::Mount => monitor::monitor_mount(ctx, s, level),
        }
    }

    fn promote(&self, ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
        match s.scope {
            Scope::Drbd => clone::promote(ctx, s),
            other => Err(roles_only_with_drbd(other, "promote")),
        }
    }

    fn demote(&self, ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
        match s.scope {
            Scope::Drbd => clone::demote(ctx, s),
            other => Err(roles_only_with_drbd(other, "demote")),
        }
    }

    fn notify(&self, ctx: &Ctx, s: &Settings, n: &Notification) -> Result<(), AgentError> {
        match s.scope {
            Scope::Drbd => clone::notify(ctx, s, n),
            Scope::All | Scope::Mount => Ok(()),
        }
    }
}

/// promote/demote exist only for scope=drbd (the promotable clone); elsewhere they answer
/// "unimplemented" (3), as for an agent without roles (what ocf-tester expects of a primitive).
fn roles_only_with_drbd(scope: Scope, action: &str) -> AgentError {
    AgentError::unimplemented(format!(
        "{action} is for scope=drbd (a promotable clone); this instance has scope={}",
        scope.name()
    ))
}
