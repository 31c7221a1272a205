//! What runs for one daemon instance right now: the lock owner (asked of the kernel) and the
//! processes of its data directory (a /proc scan). No process is started.
//!
//! The one rule status, start and stop share for "our process": a process that runs this
//! daemon's program (the configured binary, or an executable with the daemon's name: another
//! install, or a binary replaced by an upgrade) and either holds the instance's lock, runs
//! in its data directory, or was started with the instance's config (`-c CONFIG`). A lock holder running anything else is *foreign*: it is reported
//! (status fails, start refuses), never signalled; stop leaves it alone.

use std::time::Duration;

use ha_agent::AgentError;

use super::kind::Kind;
use super::procs::{self, Proc};
use super::settings::Settings;

/// Polling period of every wait on the daemon.
pub const POLL: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    /// The lock holder, when it is ours.
    pub owner: Option<u32>,
    /// The lock holder, when it is not ours (see the module's rule).
    pub foreign: Option<u32>,
    pub procs: Vec<Proc>,
}

impl State {
    pub fn stopped(&self) -> bool {
        self.owner.is_none() && self.procs.is_empty()
    }
}

/// The lock owner, and the /proc scan only when nobody holds the lock (what status needs:
/// a running master is named by the kernel; a scan finds one whose lock file was deleted).
pub fn observe_for_status(s: &Settings) -> Result<State, AgentError> {
    let (owner, foreign) = lock_owner(s)?;
    match owner {
        Some(_) => Ok(State {
            owner,
            foreign,
            procs: Vec::new(),
        }),
        None => Ok(State {
            owner,
            foreign,
            procs: scan(s),
        }),
    }
}

/// Whether the process at `proc_dir` runs this daemon's program (the rule above).
pub fn is_daemon(proc_dir: &std::path::Path, s: &Settings) -> bool {
    // mfscgiserv is a Python script: its process runs python, never the script.
    s.kind == Kind::Cgiserv
        || procs::runs(proc_dir, &s.binary, hostops::exec::file_id(&s.binary))
        || procs::exe_named(proc_dir, s.name())
}

/// `pid 12 (comm)` for messages.
pub fn named(pid: u32) -> String {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    format!("pid {pid} ({})", comm.trim())
}

/// Why a foreign lock holder is not ours, for status, start and stop alike.
pub fn foreign_reason(s: &Settings, pid: u32) -> String {
    format!(
        "{} is locked by {}, which is not {}: not ours, so stop leaves it alone and {} cannot start here until it lets go",
        s.lock_path().display(),
        named(pid),
        s.binary.display(),
        s.name()
    )
}

fn scan(s: &Settings) -> Vec<Proc> {
    // mfscgiserv is a Python script: its processes run python, not the script.
    if s.kind == Kind::Cgiserv {
        return Vec::new();
    }
    let mut found = procs::scan(&s.binary, s.name(), &s.data_path);
    // Started with this instance's config (`-c CONFIG`, as start runs it): ours even when the
    // config's DATA_PATH was edited since, so that status and stop still see it.
    if let Some(config) = &s.config {
        for p in procs::by_config(&s.binary, config) {
            if !found.iter().any(|f| f.pid == p.pid) {
                found.push(p);
            }
        }
    }
    found
}

/// The lock holder, as (ours, foreign).
fn lock_owner(s: &Settings) -> Result<(Option<u32>, Option<u32>), AgentError> {
    let holder = lock_holder(s)?;
    Ok(match holder {
        Some(pid) if is_daemon(&std::path::PathBuf::from(format!("/proc/{pid}")), s) => {
            (Some(pid), None)
        }
        Some(pid) => (None, Some(pid)),
        None => (None, None),
    })
}

fn lock_holder(s: &Settings) -> Result<Option<u32>, AgentError> {
    let lock_path = s.lock_path();
    let query = match s.kind {
        Kind::Cgiserv => hostops::lockholder::flock_owner,
        _ => hostops::lockholder::owner,
    };
    query(&lock_path).map_err(|e| {
        AgentError::generic(format!(
            "cannot query the lock on {}: {e}",
            lock_path.display()
        ))
    })
}

pub fn observe(s: &Settings) -> Result<State, AgentError> {
    let (owner, foreign) = lock_owner(s)?;
    Ok(State {
        owner,
        foreign,
        procs: scan(s),
    })
}

/// The master's data writer holds this lock; a new master cannot start while it is held.
pub fn bgwriter_owner(s: &Settings) -> Option<u32> {
    match s.kind {
        Kind::Master => hostops::lockholder::owner(&s.data_path.join(".bgwriter.lock"))
            .ok()
            .flatten(),
        _ => None,
    }
}

/// Describes leftover processes for a message.
pub fn describe(s: &Settings, st: &State) -> String {
    let mut parts = Vec::new();
    if let Some(pid) = st.owner {
        parts.push(format!("pid {pid} holds {}", s.lock_path().display()));
    }
    if !st.procs.is_empty() {
        parts.push(format!(
            "{} process(es) in {}: {}",
            s.name(),
            s.data_path.display(),
            procs::pids(&st.procs)
        ));
    }
    parts.join("; ")
}

/// What runs of this daemon when its config cannot be read: stop and status must not say
/// "nothing runs" on the word of a missing file. `None` when no such process exists.
pub fn running_without_config(kind: Kind, why: &str) -> Option<String> {
    if kind == Kind::Cgiserv {
        return None; // a Python script: nothing to find by executable name
    }
    // A daemon holds the lock in its own data directory (its cwd); the agent, also installed
    // under the daemon's name, holds none.
    let lock_name = kind.lock_name();
    let found: Vec<(u32, std::path::PathBuf)> = procs::by_name(kind.name())
        .into_iter()
        .filter(|(pid, cwd)| {
            hostops::lockholder::owner(&cwd.join(&lock_name)).is_ok_and(|o| o == Some(*pid))
        })
        .collect();
    if found.is_empty() {
        return None;
    }
    let list: Vec<String> = found
        .iter()
        .take(5)
        .map(|(pid, cwd)| format!("{} (cwd {})", named(*pid), cwd.display()))
        .collect();
    Some(format!(
        "{why}; {} runs here as {}: cannot tell whether it is this instance without the config, \
         so it is not stopped blind (fix the config parameter, then stop again)",
        kind.name(),
        list.join(", ")
    ))
}
