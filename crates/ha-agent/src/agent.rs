//! The shape every agent has: a declaration and a handful of actions. Everything else
//! (modes, exit codes, deadlines, locks, logs, records) belongs to the framework.

use crate::context::{Ctx, Notification};
use crate::outcome::{AgentError, Health};
use crate::spec::AgentSpec;

/// One resource agent. Only domain logic lives in an implementation; see `examples/dummy.rs`.
///
/// Every action gets a [`Ctx`] holding the resolved parameters, the deadline, logging,
/// timed steps and the command runner. Contracts the framework cannot enforce for you:
/// `start` returns only once `monitor` would report running; `stop` returns only once
/// `monitor` would report stopped, and succeeds when already stopped; `monitor` changes nothing.
pub trait Agent {
    /// The parameters parsed and checked: built once per action by [`Agent::settings`] and
    /// handed to every action, so no action reads a parameter by name again.
    type Settings;

    /// The one declaration of parameters and actions.
    fn spec(&self) -> AgentSpec;

    /// Parses `ctx.params()` (already checked against the spec: types, required, choices)
    /// into [`Agent::Settings`]. Runs before every action; an error ends the action.
    fn settings(&self, ctx: &Ctx) -> Result<Self::Settings, AgentError>;

    /// Checks beyond syntax that run before every action (and, with `settings`, are the whole
    /// of `validate-all`). `ctx.action()` and `ctx.is_probe()` say what follows, so a check can
    /// be relaxed for `stop`.
    fn validate(&self, ctx: &Ctx, settings: &Self::Settings) -> Result<(), AgentError> {
        let _ = (ctx, settings);
        Ok(())
    }

    fn start(&self, ctx: &Ctx, settings: &Self::Settings) -> Result<(), AgentError>;

    fn stop(&self, ctx: &Ctx, settings: &Self::Settings) -> Result<(), AgentError>;

    /// The resource's state. `level` is `OCF_CHECK_LEVEL` (0, 10, 20...): implement the levels
    /// you can and treat others as the next lower one.
    fn monitor(
        &self,
        ctx: &Ctx,
        settings: &Self::Settings,
        level: u32,
    ) -> Result<Health, AgentError>;

    fn promote(&self, ctx: &Ctx, settings: &Self::Settings) -> Result<(), AgentError> {
        let _ = settings;
        unsupported(ctx)
    }

    fn demote(&self, ctx: &Ctx, settings: &Self::Settings) -> Result<(), AgentError> {
        let _ = settings;
        unsupported(ctx)
    }

    fn notify(
        &self,
        ctx: &Ctx,
        settings: &Self::Settings,
        notification: &Notification,
    ) -> Result<(), AgentError> {
        let _ = (settings, notification);
        unsupported(ctx)
    }

    fn reload(&self, ctx: &Ctx, settings: &Self::Settings) -> Result<(), AgentError> {
        let _ = settings;
        unsupported(ctx)
    }

    fn migrate_to(&self, ctx: &Ctx, settings: &Self::Settings) -> Result<(), AgentError> {
        let _ = settings;
        unsupported(ctx)
    }

    fn migrate_from(&self, ctx: &Ctx, settings: &Self::Settings) -> Result<(), AgentError> {
        let _ = settings;
        unsupported(ctx)
    }
}

fn unsupported(ctx: &Ctx) -> Result<(), AgentError> {
    Err(AgentError::unimplemented(format!(
        "{} does not implement {}",
        ctx.agent_name(),
        ctx.action()
    )))
}
