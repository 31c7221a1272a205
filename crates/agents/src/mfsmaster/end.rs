//! Ending the daemon's processes within a deadline: SIGTERM to the daemon itself (the shared
//! TERM-then-KILL loop of hostops, which also continues a stopped master), poll while the master
//! writes metadata.mfs, and only at the deadline (minus a margin) SIGKILL every process of its
//! data directory. Stop ends the daemon with it; start ends leftovers of an earlier one.

use std::time::Duration;

use ha_agent::{AgentError, Ctx, Deadline};

use super::kind::Kind;
use super::settings::Settings;
use super::state::{self, State};
use super::{freshness, metaver, procs};
use hostops::terminate::{self, Phase, Schedule, Target};

/// Time kept after the SIGKILL to see the processes go: a fifth of what is left, 0.5–10 s.
pub fn kill_margin(left: Duration) -> Duration {
    (left / 5).clamp(Duration::from_millis(500), Duration::from_secs(10))
}

/// The processes to signal, named for the messages (`pid 12 (mfsmaster)`), each once.
pub fn targets(pids: impl IntoIterator<Item = u32>) -> Vec<Target> {
    let mut v: Vec<Target> = pids
        .into_iter()
        .map(|pid| Target {
            pid,
            what: state::named(pid),
        })
        .collect();
    v.sort_by_key(|t| t.pid);
    v.dedup_by_key(|t| t.pid);
    v
}

/// Ends what `st` found: TERM to the daemon itself, wait, KILL to all of its processes at
/// `deadline` minus a margin. Used by stop and by start (for leftovers such as an orphaned
/// data writer).
pub fn terminate(
    ctx: &Ctx,
    s: &Settings,
    st: &State,
    deadline: &Deadline,
) -> Result<(), AgentError> {
    let schedule = Schedule {
        kill_at: deadline.with_margin(kill_margin(deadline.remaining())),
        give_up: *deadline,
    };
    let leaders: Vec<u32> = match st.owner {
        Some(pid) => vec![pid],
        None => procs::leaders(&st.procs),
    };
    ctx.info(&format!(
        "stopping {} ({}): SIGTERM, SIGKILL in {:.1} s if it is still there",
        s.name(),
        state::describe(s, st),
        schedule.kill_at.remaining().as_secs_f64()
    ));
    let mut left = st.clone();
    let ended = terminate::terminate(
        |phase| {
            let now = state::observe(s).unwrap_or(State {
                owner: None,
                foreign: None,
                procs: Vec::new(),
            });
            let writer = state::bgwriter_owner(s);
            if now.owner.is_none() && now.procs.is_empty() && writer.is_none() {
                return None;
            }
            left = now.clone();
            Some(match phase {
                // The daemon saves its metadata on TERM; its helpers are its business.
                Phase::Term => targets(leaders.iter().copied().filter(|p| procs::alive(*p))),
                Phase::Kill => targets(
                    now.procs
                        .iter()
                        .map(|p| p.pid)
                        .chain(now.owner)
                        .chain(writer),
                ),
            })
        },
        schedule,
        &mut |line| ctx.warn(&format!("{}: {line}", s.name())),
    );
    match ended {
        Ok(report) if report.killed == 0 => {
            stopped_cleanly(ctx, s, report.elapsed);
            Ok(())
        }
        Ok(report) => {
            match s.kind {
                Kind::Master => ctx.warn(&format!(
                    "{} killed after {:.1} s ({}): metadata.mfs was not written; the next start replays the changelogs (-a)",
                    s.name(),
                    report.elapsed.as_secs_f64(),
                    report.summary()
                )),
                _ => ctx.warn(&format!("{} killed ({})", s.name(), report.summary())),
            }
            Ok(())
        }
        Err((report, _)) => {
            let stuck = match report.uninterruptible.is_empty() {
                true => String::new(),
                false => format!(
                    "; pid {} in uninterruptible sleep (state D): a hung disk or filesystem",
                    report
                        .uninterruptible
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            Err(AgentError::generic(format!(
                "{} still running after {} in {:.1} s: {}{stuck}",
                s.name(),
                report.summary(),
                report.elapsed.as_secs_f64(),
                state::describe(s, &left)
            )))
        }
    }
}

fn stopped_cleanly(ctx: &Ctx, s: &Settings, took: Duration) {
    let took = took.as_secs_f64();
    if s.kind != Kind::Master {
        return ctx.info(&format!("{} stopped in {took:.1} s", s.name()));
    }
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
