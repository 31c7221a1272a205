//! What to do about one resource group, as a pure function: the state carried between rounds
//! and this round's observation in, the decision and the next state out. Everything the
//! watchdog may do to a cluster is decided here, so every rule has a unit test (tests below).

use std::time::Duration;

/// The operator's policy (watchdog.conf).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Failed rounds in a row before acting (1 = act on the first failed monitor).
    pub confirm: u32,
    /// Restarts in place allowed within `restart_window`.
    pub restart_budget: u32,
    pub restart_window: Duration,
    /// What to do when the budget is spent and the peer is not alive.
    pub peer_dead: PeerDead,
}

/// `peer_dead` in watchdog.conf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerDead {
    /// Keep restarting in place (the group has nowhere else to go).
    Restart,
    /// Leave the group as it is and say so every round (an operator decides).
    Alert,
}

/// Heartbeat's own account of this group on this node (`cl_status rscstatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holding {
    /// This node holds the group.
    Held,
    /// The group is held elsewhere or nowhere: not ours to touch.
    NotHeld,
    /// A takeover or release is in progress: heartbeat is acting, we do not.
    Transition,
    /// heartbeat could not be asked (cl_status failed): we do not act blind.
    Unknown(String),
}

/// The peer node by heartbeat's account (`cl_status nodestatus PEER`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// `active`: it can take the group.
    Alive(String),
    /// `dead`, `up`/`init` (still joining), or no peer in ha.cf: it cannot.
    NotAlive(String),
    /// Not asked this round (no failure needed it) or cl_status failed.
    Unknown(String),
}

/// One resource's monitor verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Running,
    /// The agent answered "stopped" (or heartbeat's status glob says not running).
    Stopped(String),
    /// The monitor failed or did not answer in time; the agent's reason.
    Failed(String),
}

impl Health {
    pub fn is_running(&self) -> bool {
        *self == Health::Running
    }

    /// The agent's reason, for the log line.
    pub fn reason(&self) -> &str {
        match self {
            Health::Running => "running",
            Health::Stopped(r) | Health::Failed(r) => r,
        }
    }
}

/// One round's view of one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// Monotonic time of the round (any fixed origin).
    pub at: Duration,
    pub holding: Holding,
    /// Resources' health in group order; only meaningful while `holding` is `Held`.
    pub health: Vec<Health>,
    pub peer: Peer,
}

/// What the policy remembers between rounds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct State {
    /// When each restart in place within the window was decided.
    pub restarts: Vec<Duration>,
    /// Failed rounds in a row so far (0 while healthy).
    pub failed_rounds: u32,
}

/// Why nothing is done this round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quiet {
    Healthy,
    NotHeld,
    Transition,
    HeartbeatUnknown(String),
}

/// The first failing resource of the group and the agent's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Index in the group of the leftmost resource that is not running.
    pub index: usize,
    pub reason: String,
}

/// The decision of one round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Idle(Quiet),
    /// A failure seen, not yet confirmed (`rounds` of `confirm`).
    Watch {
        failure: Failure,
        rounds: u32,
    },
    /// Stop the failing resource and those after it right to left, start them left to right.
    Restart {
        failure: Failure,
        /// 1-based number of this restart within the window.
        attempt: u32,
        /// Beyond the budget, because the peer cannot take the group.
        beyond_budget: Option<Peer>,
    },
    /// Budget spent, peer alive: end the failing resources here, then `hb_standby`.
    Handover {
        failure: Failure,
        peer: String,
    },
    /// Budget spent, peer not alive, policy `alert`: nothing is done.
    Hold {
        failure: Failure,
        peer: Peer,
    },
}

impl Decision {
    /// Whether this decision changes the cluster.
    pub fn acts(&self) -> bool {
        matches!(self, Decision::Restart { .. } | Decision::Handover { .. })
    }
}

/// The leftmost resource that is not running.
pub fn first_failure(health: &[Health]) -> Option<Failure> {
    health
        .iter()
        .position(|h| !h.is_running())
        .map(|index| Failure {
            index,
            reason: health
                .get(index)
                .map(|h| h.reason().to_string())
                .unwrap_or_default(),
        })
}

/// Decides one round for one group.
pub fn decide(state: &State, obs: &Observation, policy: &Policy) -> (Decision, State) {
    let mut next = State {
        restarts: obs_window(&state.restarts, obs.at, policy.restart_window),
        failed_rounds: state.failed_rounds,
    };
    match &obs.holding {
        Holding::Transition => {
            next.failed_rounds = 0;
            return (Decision::Idle(Quiet::Transition), next);
        }
        Holding::NotHeld => {
            next.failed_rounds = 0;
            return (Decision::Idle(Quiet::NotHeld), next);
        }
        // Not a failure of the group, and no reason to forget one either.
        Holding::Unknown(why) => {
            return (Decision::Idle(Quiet::HeartbeatUnknown(why.clone())), next)
        }
        Holding::Held => {}
    }
    let Some(failure) = first_failure(&obs.health) else {
        next.failed_rounds = 0;
        return (Decision::Idle(Quiet::Healthy), next);
    };
    next.failed_rounds = state.failed_rounds.saturating_add(1);
    if next.failed_rounds < policy.confirm.max(1) {
        let rounds = next.failed_rounds;
        return (Decision::Watch { failure, rounds }, next);
    }
    next.failed_rounds = 0;
    let within_budget = next.restarts.len() < usize::try_from(policy.restart_budget).unwrap_or(0);
    let beyond_budget = match (&obs.peer, within_budget) {
        (_, true) => None,
        (Peer::Alive(peer), false) => {
            let peer = peer.clone();
            return (Decision::Handover { failure, peer }, next);
        }
        (peer, false) if policy.peer_dead == PeerDead::Alert => {
            let peer = peer.clone();
            return (Decision::Hold { failure, peer }, next);
        }
        (peer, false) => Some(peer.clone()),
    };
    next.restarts.push(obs.at);
    let attempt = u32::try_from(next.restarts.len()).unwrap_or(u32::MAX);
    (
        Decision::Restart {
            failure,
            attempt,
            beyond_budget,
        },
        next,
    )
}

/// The restarts still inside the window that ends at `now`.
fn obs_window(restarts: &[Duration], now: Duration, window: Duration) -> Vec<Duration> {
    restarts
        .iter()
        .copied()
        .filter(|&t| now.saturating_sub(t) < window)
        .collect()
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
