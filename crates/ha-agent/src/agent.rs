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
    /// The one declaration of parameters and actions.
    fn spec(&self) -> AgentSpec;

    /// Runs before every action (and is the whole of `validate-all`). `ctx.action()` and
    /// `ctx.is_probe()` say what follows, so a check can be relaxed for `stop`.
    fn validate(&self, ctx: &Ctx) -> Result<(), AgentError> {
        let _ = ctx;
        Ok(())
    }

    fn start(&self, ctx: &Ctx) -> Result<(), AgentError>;

    fn stop(&self, ctx: &Ctx) -> Result<(), AgentError>;

    /// The resource's state. `level` is `OCF_CHECK_LEVEL` (0, 10, 20...): implement the levels
    /// you can and treat others as the next lower one.
    fn monitor(&self, ctx: &Ctx, level: u32) -> Result<Health, AgentError>;

    fn promote(&self, ctx: &Ctx) -> Result<(), AgentError> {
        unsupported(ctx)
    }

    fn demote(&self, ctx: &Ctx) -> Result<(), AgentError> {
        unsupported(ctx)
    }

    fn notify(&self, ctx: &Ctx, notification: &Notification) -> Result<(), AgentError> {
        let _ = notification;
        unsupported(ctx)
    }

    fn reload(&self, ctx: &Ctx) -> Result<(), AgentError> {
        unsupported(ctx)
    }

    fn migrate_to(&self, ctx: &Ctx) -> Result<(), AgentError> {
        unsupported(ctx)
    }

    fn migrate_from(&self, ctx: &Ctx) -> Result<(), AgentError> {
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
