//! status/monitor. Level 0: the kernel's lock owner and a /proc scan, no process started.
//! Level 10 and up: the health check of [`super::health`] (a real request with a short
//! deadline; at level 20, mfsmaster's metadata stored within the configured period).

use ha_agent::{AgentError, Ctx, Health};

use super::decide::{self, Seen};
use super::settings::Settings;
use super::state::{self, observe_for_status};
use super::{health, procs};

pub fn monitor(ctx: &Ctx, s: &Settings, level: u32) -> Result<Health, AgentError> {
    let st = observe_for_status(s)?;
    let owner = match decide::seen(&st) {
        Seen::Ours(pid) => pid,
        Seen::Unlocked => {
            return Ok(Health::FailedRunning(format!(
                "{} process(es) {} run in {} but none holds {} (lock file deleted, or DATA_PATH changed since they started with this config?): stop and start it",
                s.name(),
                procs::pids(&st.procs),
                s.data_path.display(),
                s.lock_path().display()
            )));
        }
        Seen::Foreign(pid) => return Ok(Health::Failed(state::foreign_reason(s, pid))),
        Seen::Nothing => return Ok(Health::Stopped),
    };
    ctx.debug(&format!("{} runs as pid {owner}", s.name()));
    if level < 10 {
        return Ok(Health::Running);
    }
    if let Err(reason) = health::check(ctx, s, level) {
        // Our process is there: a failed stop must be followed by a reboot, not a handover.
        return Ok(Health::FailedRunning(reason));
    }
    Ok(Health::Running)
}
