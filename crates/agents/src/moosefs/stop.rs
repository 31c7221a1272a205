//! stop: SIGTERM to the lock owner, poll the lock every 100 ms while the master writes
//! metadata.mfs, and only at the deadline (minus a margin) SIGKILL the owner and every process
//! of this data directory.

use std::time::{Duration, Instant};

use ha_agent::{AgentError, Ctx, Deadline};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use super::kind::Kind;
use super::settings::Settings;
use super::state::{self, observe, State, POLL};
use super::{freshness, metaver, procs};

/// Time kept after the SIGKILL to see the processes go: a fifth of what is left, 1–10 s.
fn kill_margin(left: Duration) -> Duration {
    (left / 5).clamp(Duration::from_secs(1), Duration::from_secs(10))
}

fn signal(pid: u32, sig: Signal) {
    if let Ok(raw) = i32::try_from(pid) {
        // Already gone is fine.
        let _ = kill(Pid::from_raw(raw), sig);
    }
}

pub fn stop(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let st = observe(s)?;
    if st.stopped() && state::bgwriter_owner(s).is_none() {
        ctx.info(&format!(
            "{} ({}) is already stopped",
            s.name(),
            s.data_path.display()
        ));
        return Ok(());
    }
    terminate(ctx, s, &st, &ctx.deadline())
}

/// Ends what `st` found: TERM, wait, KILL at `deadline` minus a margin. Used by stop and by
/// start (for leftovers such as an orphaned data writer).
pub fn terminate(
    ctx: &Ctx,
    s: &Settings,
    st: &State,
    deadline: &Deadline,
) -> Result<(), AgentError> {
    let kill_at = deadline.with_margin(kill_margin(deadline.remaining()));
    let targets: Vec<u32> = match st.owner {
        Some(pid) => vec![pid],
        None => procs::leaders(&st.procs),
    };
    ctx.info(&format!(
        "stopping {}: SIGTERM to pid {}",
        s.name(),
        targets
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let started = Instant::now();
    for pid in &targets {
        signal(*pid, Signal::SIGTERM);
    }
    let graceful = state::wait_gone(s, &kill_at);
    match graceful {
        Ok(_) => {
            let took = started.elapsed().as_secs_f64();
            match s.kind {
                Kind::Master => {
                    let meta = s.data_path.join("metadata.mfs");
                    match metaver::image_version(&meta) {
                        Some(v) => {
                            ctx.info(&format!(
                                "metadata.mfs written in {took:.1} s (version {v}); {} stopped",
                                s.name()
                            ));
                            freshness::raise(ctx, s, v, "stop (metadata.mfs)");
                        }
                        None => ctx.warn(&format!(
                            "{} stopped in {took:.1} s but {} is missing or unreadable: the next start replays changelogs",
                            s.name(),
                            meta.display()
                        )),
                    }
                }
                _ => ctx.info(&format!("{} stopped in {took:.1} s", s.name())),
            }
            Ok(())
        }
        Err(left) => kill_all(ctx, s, &left, deadline, started),
    }
}

fn kill_all(
    ctx: &Ctx,
    s: &Settings,
    left: &State,
    deadline: &Deadline,
    started: Instant,
) -> Result<(), AgentError> {
    ctx.warn(&format!(
        "{} did not stop within {:.1} s of SIGTERM ({}): sending SIGKILL",
        s.name(),
        started.elapsed().as_secs_f64(),
        state::describe(s, left)
    ));
    let mut victims: Vec<u32> = left.procs.iter().map(|p| p.pid).collect();
    victims.extend(left.owner);
    victims.extend(state::bgwriter_owner(s));
    for pid in &victims {
        signal(*pid, Signal::SIGKILL);
    }
    // Children forked meanwhile (a metadata saver) are killed on the next rounds.
    let end = *deadline;
    loop {
        match state::wait_gone(s, &Deadline::after(POLL * 5).within(end.remaining())) {
            Ok(_) => break,
            Err(st) if !end.expired() => {
                for pid in st.procs.iter().map(|p| p.pid).chain(st.owner) {
                    signal(pid, Signal::SIGKILL);
                }
            }
            Err(st) => {
                return Err(AgentError::generic(format!(
                    "{} still running after SIGKILL: {}",
                    s.name(),
                    state::describe(s, &st)
                )))
            }
        }
    }
    if s.kind == Kind::Master {
        ctx.warn(&format!(
            "{} killed after {:.1} s: metadata.mfs was not written; the next start replays the changelogs (-a)",
            s.name(),
            started.elapsed().as_secs_f64()
        ));
    } else {
        ctx.warn(&format!("{} killed", s.name()));
    }
    Ok(())
}
