//! What an action sees: parameters, deadline, who called, logging, timed steps, commands.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::action::Action;
use crate::deadline::Deadline;
use crate::invocation::Mode;
use crate::outcome::AgentError;
use crate::params::Params;
use crate::record::{millis, StepRecord};
use crate::session::Session;
use hostops::command::{self, display_argv, CommandError, Output};

/// The context of one action. All methods take `&self`, so a step's closure can use it too.
pub struct Ctx {
    session: Arc<Session>,
    deadline: Deadline,
}

impl Ctx {
    pub(crate) fn new(session: Arc<Session>, deadline: Deadline) -> Ctx {
        Ctx { session, deadline }
    }

    pub fn params(&self) -> &Params {
        &self.session.params
    }

    pub fn agent_name(&self) -> &str {
        &self.session.spec.name
    }

    pub fn action(&self) -> Action {
        self.session.inv.action
    }

    pub fn mode(&self) -> Mode {
        self.session.inv.mode
    }

    /// A monitor with no interval: Pacemaker asking "is it running here?" on any node, even
    /// one without the software. Answer stopped rather than failed when it cannot run here.
    pub fn is_probe(&self) -> bool {
        self.session.inv.probe
    }

    pub fn check_level(&self) -> u32 {
        self.session.inv.check_level
    }

    /// `OCF_RESOURCE_INSTANCE`, or the Heartbeat arguments joined by `::`.
    pub fn instance(&self) -> Option<&str> {
        self.session.inv.instance.as_deref()
    }

    /// A name for this instance usable in file names and messages (the agent name when unnamed).
    pub fn instance_name(&self) -> String {
        let raw = self.instance().unwrap_or(self.agent_name());
        raw.chars()
            .map(
                |c| match c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    true => c,
                    false => '_',
                },
            )
            .collect()
    }

    /// The deadline of the whole action; derive sub-deadlines with `with_margin`/`within`.
    pub fn deadline(&self) -> Deadline {
        self.deadline
    }

    /// Whether SIGTERM/SIGINT interrupted this action: waits should end, and the action wind
    /// down through its error path (undoing what a start did). No new step starts.
    pub fn interrupted(&self) -> bool {
        self.session.is_interrupted()
    }

    /// The run directory (`MFS_HA_RUN_DIR`, else `/run/mfs-ha`), for small runtime state.
    pub fn run_dir(&self) -> PathBuf {
        crate::lock::run_dir(&self.session.env)
    }

    /// Any environment variable as it was at start.
    pub fn env(&self, name: &str) -> Option<&str> {
        self.session.env.get(name)
    }

    /// A Pacemaker meta attribute, `OCF_RESKEY_CRM_meta_<name>` (e.g. `on_node`, `clone_max`).
    pub fn meta(&self, name: &str) -> Option<&str> {
        self.session.env.get(&format!("OCF_RESKEY_CRM_meta_{name}"))
    }

    /// The cluster's name for this node: Pacemaker's `on_node`, else heartbeat's `HA_CURHOST`.
    pub fn node_name(&self) -> Option<&str> {
        self.meta("on_node")
            .filter(|n| !n.is_empty())
            .or_else(|| self.session.env.non_empty("HA_CURHOST"))
    }

    /// The clone notification in progress, when Pacemaker passed one.
    pub fn notification(&self) -> Option<Notification> {
        let meta = |name: &str| self.meta(&format!("notify_{name}")).map(str::to_string);
        Some(Notification {
            phase: meta("type")?,
            operation: meta("operation").unwrap_or_default(),
            env: self.session.env.clone(),
        })
    }

    pub fn debug(&self, msg: &str) {
        self.session.log.debug(msg);
    }

    pub fn info(&self, msg: &str) {
        self.session.log.info(msg);
    }

    pub fn warn(&self, msg: &str) {
        self.session.log.warn(msg);
    }

    pub fn error(&self, msg: &str) {
        self.session.log.error(msg);
    }

    /// Runs `f` as a named, timed step: its duration and result go to the flight recorder, a
    /// failure is logged, and the watchdog names it if the action hangs inside it.
    pub fn step<T, E: std::fmt::Display + From<AgentError>>(
        &self,
        name: &str,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        if self.interrupted() {
            return Err(E::from(AgentError::generic(format!(
                "step {name} not started: the action was interrupted"
            ))));
        }
        self.session.step_opened(name);
        let started = Instant::now();
        let result = f();
        let ms = millis(started.elapsed());
        let error = result.as_ref().err().map(|e| e.to_string());
        match &error {
            None => self.debug(&format!("step {name}: ok ({ms:.1} ms)")),
            Some(e) => self.warn(&format!("step {name} failed ({ms:.1} ms): {e}")),
        }
        self.session.step_closed(StepRecord {
            name: name.to_string(),
            ms,
            ok: error.is_none(),
            error,
        });
        result
    }

    /// Runs a command within the action's deadline; non-zero exit is an error.
    pub fn run<S: AsRef<OsStr>>(&self, argv: &[S]) -> Result<Output, CommandError> {
        self.run_until(argv, &self.deadline)
    }

    /// Runs a command within `deadline` (a sub-deadline); non-zero exit is an error.
    pub fn run_until<S: AsRef<OsStr>>(
        &self,
        argv: &[S],
        deadline: &Deadline,
    ) -> Result<Output, CommandError> {
        self.debug(&format!("running {}", display_argv(argv)));
        let result = command::run(argv, deadline);
        match &result {
            Ok(out) => self.debug(&format!(
                "{} exited 0 ({:.1} ms)",
                display_argv(argv),
                millis(out.elapsed)
            )),
            Err(e) => self.warn(&e.to_string()),
        }
        result
    }

    /// Runs a command whose exit code is data (e.g. `pidof`); only failing to run is an error.
    pub fn run_unchecked<S: AsRef<OsStr>>(&self, argv: &[S]) -> Result<Output, CommandError> {
        self.debug(&format!("running {}", display_argv(argv)));
        let result = command::run_unchecked(argv, &self.deadline);
        match &result {
            Ok(out) => self.debug(&format!(
                "{} exited {:?} ({:.1} ms)",
                display_argv(argv),
                out.code(),
                millis(out.elapsed)
            )),
            Err(e) => self.warn(&e.to_string()),
        }
        result
    }
}

/// A clone notification (`notify` action, or any action of a clone with `notify=true`).
#[derive(Debug, Clone)]
pub struct Notification {
    /// `pre` or `post`.
    pub phase: String,
    /// `start`, `stop`, `promote` or `demote`.
    pub operation: String,
    env: crate::env::Env,
}

impl Notification {
    /// No notification variables (ocf-tester calls notify without any).
    pub(crate) fn empty() -> Notification {
        Notification {
            phase: String::new(),
            operation: String::new(),
            env: crate::env::Env::default(),
        }
    }

    /// A node-name list such as `promote_uname` or `active_uname`; Pacemaker's `" "` is empty.
    pub fn list(&self, which: &str) -> Vec<String> {
        self.env
            .get(&format!("OCF_RESKEY_CRM_meta_notify_{which}"))
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }
}
