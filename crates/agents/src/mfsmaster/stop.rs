//! stop: observe what runs, decide ([`super::decide::stop_plan`]), and end our daemon (the
//! TERM-then-KILL of [`super::end`]). A foreign lock holder is never signalled (see the rule in
//! [`super::state`]).

use ha_agent::{AgentError, Ctx};

use super::decide::{self, StopPlan};
use super::end::{kill_margin, targets, terminate};
use super::kind::Kind;
use super::procs;
use super::settings::Settings;
use super::state::{self, observe};
use hostops::terminate::{Phase, Schedule};

pub fn stop(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let st = observe(s)?;
    match decide::stop_plan(&st, state::bgwriter_owner(s)) {
        StopPlan::AlreadyStopped => ctx.info(&format!(
            "{} ({}) is already stopped",
            s.name(),
            s.data_path.display()
        )),
        StopPlan::LeaveForeign(pid) => ctx.warn(&format!(
            "{} is not running; {}",
            s.name(),
            state::foreign_reason(s, pid)
        )),
        StopPlan::End => return terminate(ctx, s, &st, &ctx.deadline()),
    }
    Ok(())
}

/// The stop when the configuration cannot be read. A daemon of this kind started with the
/// configured path (`-c CONFIG`, how the agent starts it) is ours, whatever happened to its
/// filesystem: it is ended like any stop does (TERM, KILL at the deadline minus a margin).
/// A daemon found only by its lock cannot be told from another instance: stop fails naming it.
pub fn stop_without_config(ctx: &Ctx, kind: Kind, why: &str) -> Result<(), AgentError> {
    let Some((binary, config, found)) = started_with_config(ctx, kind) else {
        if let Some(reason) = state::running_without_config(kind, why) {
            return Err(AgentError::generic(reason));
        }
        ctx.info(&format!(
            "nothing to stop: {why}; no {} process runs here",
            kind.name()
        ));
        return Ok(());
    };
    let deadline = ctx.deadline();
    let schedule = Schedule {
        kill_at: deadline.with_margin(kill_margin(deadline.remaining())),
        give_up: deadline,
    };
    let started_as = format!("{} -c {}", binary.display(), config.display());
    ctx.warn(&format!(
        "{why}, but {started_as} still runs (pid {}): its filesystem went away under it; stopping it",
        procs::pids(&found)
    ));
    let leaders = procs::leaders(&found);
    let ended = hostops::terminate::terminate(
        |phase| {
            let alive: Vec<u32> = match phase {
                Phase::Term => leaders.clone(),
                Phase::Kill => found.iter().map(|p| p.pid).collect(),
            };
            let alive: Vec<u32> = alive.into_iter().filter(|p| procs::alive(*p)).collect();
            let any_left = found.iter().any(|p| procs::alive(p.pid));
            any_left.then(|| targets(alive))
        },
        schedule,
        &mut |line| ctx.warn(&format!("{}: {line}", kind.name())),
    );
    match ended {
        Ok(report) => {
            ctx.info(&format!("{started_as} stopped ({})", report.summary()));
            Ok(())
        }
        Err((_, left)) => {
            let left: Vec<String> = left.into_iter().map(|t| t.what).collect();
            Err(AgentError::generic(format!(
                "{} of {started_as} still alive after SIGKILL",
                left.join("; ")
            )))
        }
    }
}

/// Processes of the daemon binary started with the configured config path (or, with none
/// configured, one of the places the agent looks for one).
fn started_with_config(
    ctx: &Ctx,
    kind: Kind,
) -> Option<(std::path::PathBuf, std::path::PathBuf, Vec<procs::Proc>)> {
    let p = ctx.params();
    let binary = super::locate::daemon(kind, p.opt_str("binary").filter(|s| !s.is_empty())).ok()?;
    let configs = match p.opt_str("config").filter(|s| !s.is_empty()) {
        Some(c) => vec![std::path::PathBuf::from(c)],
        None => super::locate::config_candidates(kind),
    };
    configs.into_iter().find_map(|config| {
        let found = procs::by_config(&binary, &config);
        (!found.is_empty()).then(|| (binary.clone(), config, found))
    })
}
