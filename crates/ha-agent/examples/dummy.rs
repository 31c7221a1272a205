//! Dummy: a resource that is only a state file, like heartbeat's Dummy. It shows the whole
//! shape of an agent (declaration + domain logic) and drives the framework's end-to-end tests.
//!
//! The state file holds `started` or `promoted`; no file means stopped.

#![cfg_attr(not(test), no_main)]

use std::path::PathBuf;
use std::time::Duration;

use ha_agent::{Action, ActionSpec, Agent, AgentError, AgentSpec, Ctx, Health, ParamSpec};

struct Dummy;

impl Agent for Dummy {
    type Settings = PathBuf;

    fn spec(&self) -> AgentSpec {
        AgentSpec::new("Dummy", env!("CARGO_PKG_VERSION"), "Example resource: a state file")
            .longdesc(
                "Tracks its own state in a file and does nothing else. Used to test the \
                 mfs-ha agent framework and as the example every agent follows.",
            )
            .param(
                ParamSpec::string("state", "State file")
                    .longdesc(
                        "Location of the state file. Default: <run dir>/Dummy-<instance>.state, \
                         where the run dir is MFS_HA_RUN_DIR or /run/mfs-ha.",
                    )
                    .unique()
                    .positional(1),
            )
            .param(
                ParamSpec::integer("delay_ms", "Delay of start and stop (ms)")
                    .longdesc("Milliseconds start and stop sleep before acting, to simulate slow work.")
                    .default("0")
                    .positional(2),
            )
            .param(
                ParamSpec::string("fail", "Action to fail")
                    .longdesc("The name of an action (start, stop, monitor, promote, demote) that must fail, to test error paths.")
                    .default(""),
            )
            .param(ParamSpec::string("trace", "Trace file").longdesc(
                "When set, start and stop append 'enter'/'leave' lines with timestamps here (tests of serialisation).",
            ))
            .param(ha_agent::deadline::timeout_param())
            .param(ParamSpec::string("password", "A secret").longdesc(
                "Never used; shows that values of parameters named like password are not recorded.",
            ))
            .standard_actions()
            .action(ActionSpec::new(Action::Promote, 20))
            .action(ActionSpec::new(Action::Demote, 20))
    }

    /// The state file; `delay_ms` checked (the helpers below read the rest from `ctx`).
    fn settings(&self, ctx: &Ctx) -> Result<PathBuf, AgentError> {
        let delay = ctx.params().get_int("delay_ms")?;
        if delay < 0 {
            return Err(AgentError::configured(format!(
                "delay_ms must not be negative, got {delay}"
            )));
        }
        Ok(state_file(ctx))
    }

    fn validate(&self, ctx: &Ctx, state: &PathBuf) -> Result<(), AgentError> {
        let dir = state.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = dir.filter(|d| !d.is_dir()) {
            if ctx.action() == Action::Start {
                std::fs::create_dir_all(dir).map_err(|e| {
                    AgentError::perm(format!("cannot create {}: {e}", dir.display()))
                })?;
            } else if ctx.action() != Action::Stop {
                return Err(AgentError::args(format!(
                    "directory {} does not exist",
                    dir.display()
                )));
            }
        }
        Ok(())
    }

    fn start(&self, ctx: &Ctx, _state: &PathBuf) -> Result<(), AgentError> {
        traced(ctx, "start", || {
            failing(ctx, "start")?;
            pause(ctx)?;
            if read_state(ctx)?.is_some() {
                return Ok(());
            }
            ctx.step("write state", || write_state(ctx, "started"))
        })
    }

    fn stop(&self, ctx: &Ctx, _state: &PathBuf) -> Result<(), AgentError> {
        traced(ctx, "stop", || {
            failing(ctx, "stop")?;
            pause(ctx)?;
            ctx.step("remove state", || {
                match std::fs::remove_file(state_file(ctx)) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(AgentError::generic(
                        format!("cannot remove {}: {e}", state_file(ctx).display()),
                    )),
                    _ => Ok(()),
                }
            })
        })
    }

    fn monitor(&self, ctx: &Ctx, _state: &PathBuf, _level: u32) -> Result<Health, AgentError> {
        let state = read_state(ctx)?;
        if ctx.params().get_str("fail")? == "monitor" {
            return Ok(Health::Failed("asked to fail monitor".into()));
        }
        Ok(match state.as_deref() {
            None => Health::Stopped,
            Some("promoted") => Health::Promoted,
            Some(_) => Health::Running,
        })
    }

    fn promote(&self, ctx: &Ctx, _state: &PathBuf) -> Result<(), AgentError> {
        failing(ctx, "promote")?;
        match read_state(ctx)? {
            None => Err(AgentError::generic("cannot promote: not started")),
            Some(_) => ctx.step("write state", || write_state(ctx, "promoted")),
        }
    }

    fn demote(&self, ctx: &Ctx, _state: &PathBuf) -> Result<(), AgentError> {
        failing(ctx, "demote")?;
        match read_state(ctx)? {
            None => Err(AgentError::generic("cannot demote: not started")),
            Some(_) => ctx.step("write state", || write_state(ctx, "started")),
        }
    }
}

fn state_file(ctx: &Ctx) -> PathBuf {
    match ctx.params().opt_str("state").filter(|s| !s.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => ctx
            .run_dir()
            .join(format!("Dummy-{}.state", ctx.instance_name())),
    }
}

fn read_state(ctx: &Ctx) -> Result<Option<String>, AgentError> {
    let path = state_file(ctx);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text.trim().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(AgentError::generic(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

fn write_state(ctx: &Ctx, state: &str) -> Result<(), AgentError> {
    let path = state_file(ctx);
    std::fs::write(&path, format!("{state}\n"))
        .map_err(|e| AgentError::generic(format!("cannot write {}: {e}", path.display())))
}

fn failing(ctx: &Ctx, action: &str) -> Result<(), AgentError> {
    match ctx.params().get_str("fail")? == action {
        true => Err(AgentError::generic(format!("asked to fail {action}"))),
        false => Ok(()),
    }
}

fn pause(ctx: &Ctx) -> Result<(), AgentError> {
    let ms = u64::try_from(ctx.params().get_int("delay_ms")?).unwrap_or(0);
    ctx.step("delay", || {
        std::thread::sleep(Duration::from_millis(ms));
        Ok::<(), AgentError>(())
    })
}

/// Wraps `f` in enter/leave lines of the trace file, when one is configured.
fn traced<T>(
    ctx: &Ctx,
    action: &str,
    f: impl FnOnce() -> Result<T, AgentError>,
) -> Result<T, AgentError> {
    let trace = ctx.params().opt_str("trace").map(PathBuf::from);
    let mark = |what: &str| {
        if let Some(path) = &trace {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let line = format!("{action} {what} {now} {}\n", std::process::id());
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path);
            if let Ok(mut file) = file {
                let _ = std::io::Write::write_all(&mut file, line.as_bytes());
            }
        }
    };
    mark("enter");
    let result = f();
    mark("leave");
    result
}

ha_agent::agent_main!(Dummy);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_is_sound() {
        assert_eq!(Dummy.spec().problems(), Vec::<String>::new());
    }
}
