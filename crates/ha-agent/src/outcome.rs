//! What an action ended with, and the ONE table that turns it into an exit code.

use crate::action::Action;
use crate::invocation::Family;

/// Why an action failed, in the categories OCF and LSB share (codes 1–7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Anything else (1).
    Generic,
    /// Parameters invalid on this host, e.g. a file is missing (2).
    Args,
    /// The action is not supported (3).
    Unimplemented,
    /// Insufficient privilege (4).
    Perm,
    /// Required software is missing on this node (5).
    NotInstalled,
    /// Parameters are inherently invalid (6).
    Configured,
    /// The resource is not running (7).
    NotRunning,
}

impl ErrorKind {
    /// The code OCF and LSB both use for this kind.
    pub fn code(self) -> i32 {
        match self {
            ErrorKind::Generic => 1,
            ErrorKind::Args => 2,
            ErrorKind::Unimplemented => 3,
            ErrorKind::Perm => 4,
            ErrorKind::NotInstalled => 5,
            ErrorKind::Configured => 6,
            ErrorKind::NotRunning => 7,
        }
    }
}

/// A failed action: its kind and one line an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentError {
    pub kind: ErrorKind,
    pub reason: String,
}

impl AgentError {
    pub fn new(kind: ErrorKind, reason: impl Into<String>) -> AgentError {
        AgentError {
            kind,
            reason: reason.into(),
        }
    }

    pub fn generic(reason: impl Into<String>) -> AgentError {
        AgentError::new(ErrorKind::Generic, reason)
    }

    pub fn args(reason: impl Into<String>) -> AgentError {
        AgentError::new(ErrorKind::Args, reason)
    }

    pub fn unimplemented(reason: impl Into<String>) -> AgentError {
        AgentError::new(ErrorKind::Unimplemented, reason)
    }

    pub fn perm(reason: impl Into<String>) -> AgentError {
        AgentError::new(ErrorKind::Perm, reason)
    }

    pub fn not_installed(reason: impl Into<String>) -> AgentError {
        AgentError::new(ErrorKind::NotInstalled, reason)
    }

    pub fn configured(reason: impl Into<String>) -> AgentError {
        AgentError::new(ErrorKind::Configured, reason)
    }

    pub fn not_running(reason: impl Into<String>) -> AgentError {
        AgentError::new(ErrorKind::NotRunning, reason)
    }

    /// Prefixes the reason with what was being done (`mounting /dev/drbd1: ...`).
    pub fn context(self, doing: impl std::fmt::Display) -> AgentError {
        AgentError {
            kind: self.kind,
            reason: format!("{doing}: {}", self.reason),
        }
    }
}

impl std::fmt::Display for AgentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for AgentError {}

/// A helper program that is missing means the agent is not installed (OCF 5).
impl From<hostops::command::CommandError> for AgentError {
    fn from(e: hostops::command::CommandError) -> AgentError {
        match e {
            hostops::command::CommandError::NotFound { .. } => {
                AgentError::not_installed(e.to_string())
            }
            _ => AgentError::generic(e.to_string()),
        }
    }
}

/// For a step around a command that is not started (an interrupted action).
impl From<AgentError> for hostops::command::CommandError {
    fn from(e: AgentError) -> hostops::command::CommandError {
        hostops::command::CommandError::NotRun { reason: e.reason }
    }
}

/// A socket refused for lack of a privilege is OCF 4 (insufficient privileges); any other
/// socket failure is generic. The message is the host layer's, unchanged.
impl From<hostops::NetError> for AgentError {
    fn from(e: hostops::NetError) -> AgentError {
        if e.permission {
            AgentError::perm(e.message)
        } else {
            AgentError::generic(e.message)
        }
    }
}

/// Back the other way, for a step that fails before its socket work (an interrupted action
/// starts no new step): the reason becomes the message.
impl From<AgentError> for hostops::NetError {
    fn from(e: AgentError) -> hostops::NetError {
        hostops::NetError {
            permission: e.kind == ErrorKind::Perm,
            message: e.reason,
        }
    }
}

/// The state a monitor or status found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Running,
    Promoted,
    /// Cleanly stopped: nothing of the resource is left on this node.
    Stopped,
    /// Not working and not cleanly stopped (crashed, half-started).
    Failed(String),
    /// Promoted but not working.
    FailedPromoted(String),
    /// Not working, but something of the resource still runs on this node and the agent could
    /// not end it (a stop failed, or the process cannot be told apart without its config).
    /// Heartbeat must read "running" here: after a failed stop it then reboots rather than
    /// hands the resource to the peer while a copy still runs.
    FailedRunning(String),
    /// The state could not be determined.
    Unknown(String),
}

impl Health {
    /// A short machine name (`running`, `failed_promoted`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Health::Running => "running",
            Health::Promoted => "promoted",
            Health::Stopped => "stopped",
            Health::Failed(_) => "failed",
            Health::FailedPromoted(_) => "failed_promoted",
            Health::FailedRunning(_) => "failed_running",
            Health::Unknown(_) => "unknown",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Health::Failed(r)
            | Health::FailedPromoted(r)
            | Health::FailedRunning(r)
            | Health::Unknown(r) => Some(r),
            Health::Running | Health::Promoted | Health::Stopped => None,
        }
    }
}

/// How an action ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A changing action (start, stop, ...) succeeded.
    Done,
    /// A monitor/status reported a state.
    Health(Health),
    /// The action failed.
    Error(AgentError),
}

impl Outcome {
    /// The one-line reason to show an operator, if the outcome carries one.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Outcome::Done => None,
            Outcome::Health(h) => h.reason(),
            Outcome::Error(e) => Some(&e.reason),
        }
    }

    /// A short machine name for records (`done`, `running`, `error`...).
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Health(h) => h.name(),
            Outcome::Error(_) => "error",
        }
    }

    /// What status/monitor learned, with errors folded in: only "not running" counts as stopped.
    pub fn as_health(&self) -> Health {
        match self {
            Outcome::Done => Health::Running,
            Outcome::Health(h) => h.clone(),
            Outcome::Error(e) if e.kind == ErrorKind::NotRunning => Health::Stopped,
            Outcome::Error(e) => Health::Unknown(e.reason.clone()),
        }
    }
}

/// The exit code for `outcome` of `action` under `family`: the single table of the framework.
///
/// | outcome                | OCF (monitor) | OCF (other) | LSB status | LSB other |
/// |------------------------|---------------|-------------|------------|-----------|
/// | Done                   | 0             | 0           | 0          | 0         |
/// | Running                | 0             |             | 0          |           |
/// | Promoted               | 8             |             | 0          |           |
/// | Stopped                | 7             |             | 3          |           |
/// | Failed                 | 1             |             | 1          |           |
/// | FailedPromoted         | 9             |             | 1          |           |
/// | FailedRunning          | 1             |             | 1          |           |
/// | Unknown                | 1             |             | 4          |           |
/// | Error(NotRunning)      | 7             | stop: 0, else 7 | 3      | stop: 0, else 7 |
/// | Error(kind)            | kind (1–6)    | kind (1–6)  | 4          | kind (1–6) |
pub fn exit_code(family: Family, action: Action, outcome: &Outcome) -> i32 {
    let stop_already_stopped =
        |e: &AgentError| action == Action::Stop && e.kind == ErrorKind::NotRunning;
    match (family, outcome) {
        (_, Outcome::Done) => 0,
        (_, Outcome::Error(e)) if stop_already_stopped(e) => 0,
        (Family::Ocf, Outcome::Health(h)) => match h {
            Health::Running => 0,
            Health::Promoted => 8,
            Health::Stopped => 7,
            Health::Failed(_) | Health::FailedRunning(_) | Health::Unknown(_) => 1,
            Health::FailedPromoted(_) => 9,
        },
        (Family::Ocf, Outcome::Error(e)) => e.kind.code(),
        (Family::Lsb, Outcome::Health(_)) | (Family::Lsb, Outcome::Error(_))
            if action == Action::Status =>
        {
            match outcome.as_health() {
                Health::Running | Health::Promoted => 0,
                Health::Stopped => 3,
                Health::Failed(_) | Health::FailedPromoted(_) | Health::FailedRunning(_) => 1,
                Health::Unknown(_) => 4,
            }
        }
        (Family::Lsb, Outcome::Health(h)) => match h {
            Health::Running | Health::Promoted | Health::Stopped => 0,
            Health::Failed(_)
            | Health::FailedPromoted(_)
            | Health::FailedRunning(_)
            | Health::Unknown(_) => 1,
        },
        (Family::Lsb, Outcome::Error(e)) => e.kind.code(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Family::*;

    fn err(kind: ErrorKind) -> Outcome {
        Outcome::Error(AgentError::new(kind, "why"))
    }

    fn health(h: Health) -> Outcome {
        Outcome::Health(h)
    }

    #[test]
    fn ocf_monitor_codes() {
        let r = || "r".to_string();
        assert_eq!(exit_code(Ocf, Monitor, &health(Health::Running)), 0);
        assert_eq!(exit_code(Ocf, Monitor, &health(Health::Promoted)), 8);
        assert_eq!(exit_code(Ocf, Monitor, &health(Health::Stopped)), 7);
        assert_eq!(exit_code(Ocf, Monitor, &health(Health::Failed(r()))), 1);
        assert_eq!(
            exit_code(Ocf, Monitor, &health(Health::FailedPromoted(r()))),
            9
        );
        assert_eq!(exit_code(Ocf, Monitor, &health(Health::Unknown(r()))), 1);
        assert_eq!(
            exit_code(Ocf, Monitor, &health(Health::FailedRunning(r()))),
            1
        );
        assert_eq!(
            exit_code(Lsb, Status, &health(Health::FailedRunning(r()))),
            1
        );
        assert_eq!(exit_code(Ocf, Monitor, &err(ErrorKind::NotRunning)), 7);
        assert_eq!(exit_code(Ocf, Monitor, &err(ErrorKind::NotInstalled)), 5);
    }

    #[test]
    fn ocf_status_alias_uses_monitor_codes() {
        assert_eq!(exit_code(Ocf, Status, &health(Health::Promoted)), 8);
        assert_eq!(exit_code(Ocf, Status, &health(Health::Stopped)), 7);
    }

    #[test]
    fn error_kinds_keep_their_codes_for_changing_actions() {
        let table = [
            (ErrorKind::Generic, 1),
            (ErrorKind::Args, 2),
            (ErrorKind::Unimplemented, 3),
            (ErrorKind::Perm, 4),
            (ErrorKind::NotInstalled, 5),
            (ErrorKind::Configured, 6),
            (ErrorKind::NotRunning, 7),
        ];
        for family in [Ocf, Lsb] {
            for action in [Start, Promote, Demote, ValidateAll, Notify, Reload] {
                for (kind, code) in table {
                    assert_eq!(
                        exit_code(family, action, &err(kind)),
                        code,
                        "{action} {kind:?}"
                    );
                }
                assert_eq!(exit_code(family, action, &Outcome::Done), 0);
            }
        }
    }

    #[test]
    fn socket_errors_keep_their_message_and_a_missing_privilege_is_perm() {
        let refused = hostops::NetError::permission("netlink: denied (needs root)");
        assert_eq!(
            AgentError::from(refused),
            AgentError::perm("netlink: denied (needs root)")
        );
        let other = hostops::NetError::other("netlink: no answer before the deadline");
        assert_eq!(
            AgentError::from(other),
            AgentError::generic("netlink: no answer before the deadline")
        );
    }

    #[test]
    fn stop_of_a_stopped_resource_succeeds_in_every_family() {
        assert_eq!(exit_code(Ocf, Stop, &err(ErrorKind::NotRunning)), 0);
        assert_eq!(exit_code(Lsb, Stop, &err(ErrorKind::NotRunning)), 0);
        assert_eq!(exit_code(Ocf, Stop, &err(ErrorKind::Generic)), 1);
        assert_eq!(exit_code(Lsb, Stop, &err(ErrorKind::Configured)), 6);
    }

    #[test]
    fn lsb_status_codes() {
        let r = || "r".to_string();
        assert_eq!(exit_code(Lsb, Status, &health(Health::Running)), 0);
        assert_eq!(exit_code(Lsb, Status, &health(Health::Promoted)), 0);
        assert_eq!(exit_code(Lsb, Status, &health(Health::Stopped)), 3);
        assert_eq!(exit_code(Lsb, Status, &health(Health::Failed(r()))), 1);
        assert_eq!(
            exit_code(Lsb, Status, &health(Health::FailedPromoted(r()))),
            1
        );
        assert_eq!(exit_code(Lsb, Status, &health(Health::Unknown(r()))), 4);
    }

    #[test]
    fn lsb_status_errors_are_unknown_except_not_running() {
        assert_eq!(exit_code(Lsb, Status, &err(ErrorKind::NotRunning)), 3);
        for kind in [
            ErrorKind::Generic,
            ErrorKind::Args,
            ErrorKind::Perm,
            ErrorKind::NotInstalled,
            ErrorKind::Configured,
        ] {
            assert_eq!(exit_code(Lsb, Status, &err(kind)), 4, "{kind:?}");
        }
    }

    #[test]
    fn context_prefixes_reason_and_keeps_kind() {
        let e = AgentError::not_installed("drbdadm not found").context("promoting r0");
        assert_eq!(e.kind, ErrorKind::NotInstalled);
        assert_eq!(e.reason, "promoting r0: drbdadm not found");
    }
}

#[cfg(test)]
mod command_error_tests {
    use super::*;

    #[test]
    fn missing_program_is_not_installed() {
        let deadline = hostops::Deadline::after(std::time::Duration::from_secs(10));
        let err = hostops::command::run(&["/nonexistent/drbdadm", "status"], &deadline);
        let agent: AgentError = err.unwrap_err().into();
        assert_eq!(agent.kind, ErrorKind::NotInstalled);
    }
}
