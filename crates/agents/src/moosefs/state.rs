//! What runs for one daemon instance right now: the lock owner (asked of the kernel) and the
//! processes of its data directory (a /proc scan). No process is started.

use std::time::{Duration, Instant};

use ha_agent::{AgentError, Deadline};

use super::kind::Kind;
use super::lock;
use super::procs::{self, Proc};
use super::settings::Settings;

/// Polling period of every wait on the daemon.
pub const POLL: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub owner: Option<u32>,
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
    let owner = lock_owner(s)?;
    match owner {
        Some(_) => Ok(State {
            owner,
            procs: Vec::new(),
        }),
        None => Ok(State {
            owner,
            procs: scan(s),
        }),
    }
}

fn scan(s: &Settings) -> Vec<Proc> {
    // mfscgiserv is a Python script: its processes run python, not the script.
    match s.kind {
        Kind::Cgiserv => Vec::new(),
        _ => procs::scan(&s.binary, &s.data_path),
    }
}

fn lock_owner(s: &Settings) -> Result<Option<u32>, AgentError> {
    let lock_path = s.lock_path();
    let query = match s.kind {
        Kind::Cgiserv => lock::flock_owner,
        _ => lock::owner,
    };
    query(&lock_path).map_err(|e| {
        AgentError::generic(format!(
            "cannot query the lock on {}: {e}",
            lock_path.display()
        ))
    })
}

pub fn observe(s: &Settings) -> Result<State, AgentError> {
    Ok(State {
        owner: lock_owner(s)?,
        procs: scan(s),
    })
}

/// The master's data writer holds this lock; a new master cannot start while it is held.
pub fn bgwriter_owner(s: &Settings) -> Option<u32> {
    match s.kind {
        Kind::Master => lock::owner(&s.data_path.join(".bgwriter.lock"))
            .ok()
            .flatten(),
        _ => None,
    }
}

/// Waits until nothing of this instance runs and no lock is held, or `deadline`.
pub fn wait_gone(s: &Settings, deadline: &Deadline) -> Result<Duration, State> {
    let started = Instant::now();
    loop {
        let st = observe(s).unwrap_or(State {
            owner: None,
            procs: Vec::new(),
        });
        if st.stopped() && bgwriter_owner(s).is_none() {
            return Ok(started.elapsed());
        }
        if deadline.expired() {
            return Err(st);
        }
        std::thread::sleep(POLL.min(deadline.remaining()));
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
