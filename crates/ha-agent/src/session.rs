//! One call of an agent, from decision to exit: the state the main thread and the watchdog
//! share, and the single place that reports an outcome (stdout, exit reason, log, record).

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::action::Action;
use crate::deadline::Budget;
use crate::env::Env;
use crate::invocation::{Family, Invocation, Mode};
use crate::log::{Level, Logger};
use crate::outcome::{exit_code, ErrorKind, Health, Outcome};
use crate::params::Params;
use crate::record::{self, FlightRecord, StepRecord};
use crate::spec::AgentSpec;
use crate::status;

pub(crate) struct Session {
    pub spec: AgentSpec,
    pub inv: Invocation,
    pub env: Env,
    pub log: Logger,
    pub params: Params,
    pub budget: Budget,
    pub flight_path: Option<PathBuf>,
    pub started: Instant,
    pub started_wall: DateTime<Utc>,
    pub progress: Progress,
}

/// What changes while the action runs, shared with the watchdog.
#[derive(Default)]
pub(crate) struct Progress {
    steps: Mutex<Vec<StepRecord>>,
    /// Steps running now, outermost first (for the watchdog's message and record).
    open_steps: Mutex<Vec<(String, Instant)>>,
    lock_wait: Mutex<Option<Duration>>,
    finishing: AtomicBool,
    /// Set by SIGTERM/SIGINT: no new step starts, and the error reported says why.
    interrupted: AtomicBool,
    /// "start interrupted by SIGTERM after 1.2s in step 'x'", the reported reason's prefix.
    interruption: Mutex<Option<String>>,
}

impl Session {
    pub fn step_opened(&self, name: &str) {
        if let Ok(mut open) = self.progress.open_steps.lock() {
            open.push((name.to_string(), Instant::now()));
        }
    }

    pub fn step_closed(&self, step: StepRecord) {
        if let Ok(mut open) = self.progress.open_steps.lock() {
            if let Some(i) = open.iter().rposition(|(n, _)| *n == step.name) {
                open.remove(i);
            }
        }
        if let Ok(mut steps) = self.progress.steps.lock() {
            steps.push(step);
        }
    }

    /// `outer/inner` of the steps running now, if any.
    pub fn current_step(&self) -> Option<String> {
        let open = self.progress.open_steps.lock().ok()?;
        let names: Vec<&str> = open.iter().map(|(n, _)| n.as_str()).collect();
        (!names.is_empty()).then(|| names.join("/"))
    }

    /// Finished steps, then the ones still running (innermost first), marked unfinished.
    fn all_steps(&self) -> Vec<StepRecord> {
        let mut steps = self
            .progress
            .steps
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default();
        if let Ok(open) = self.progress.open_steps.lock() {
            steps.extend(open.iter().rev().map(|(name, since)| StepRecord {
                name: name.clone(),
                ms: record::millis(since.elapsed()),
                ok: false,
                error: Some("did not finish".to_string()),
            }));
        }
        steps
    }

    pub fn set_lock_wait(&self, waited: Duration) {
        if let Ok(mut w) = self.progress.lock_wait.lock() {
            *w = Some(waited);
        }
    }

    /// Records an interruption (`what`: how it is reported); the action winds down from here.
    pub fn mark_interrupted(&self, what: String) {
        if let Ok(mut i) = self.progress.interruption.lock() {
            *i = Some(what);
        }
        self.progress.interrupted.store(true, Ordering::SeqCst);
    }

    pub fn is_interrupted(&self) -> bool {
        self.progress.interrupted.load(Ordering::SeqCst)
    }

    /// An error's reason after an interruption starts by saying so.
    fn with_interruption(&self, outcome: Outcome) -> Outcome {
        let prefix = match self.progress.interruption.lock() {
            Ok(i) => i.clone(),
            Err(_) => None,
        };
        match (outcome, prefix) {
            (Outcome::Error(mut e), Some(prefix)) if !e.reason.starts_with(&prefix) => {
                e.reason = format!("{prefix}: {}", e.reason);
                Outcome::Error(e)
            }
            (outcome, _) => outcome,
        }
    }

    pub fn is_finishing(&self) -> bool {
        self.progress.finishing.load(Ordering::SeqCst)
    }

    /// Reports `outcome` once and returns the exit code; `None` when another thread (the
    /// watchdog) is already reporting, in which case that thread ends the process.
    pub fn finish(&self, outcome: Outcome) -> Option<i32> {
        if self.progress.finishing.swap(true, Ordering::SeqCst) {
            return None;
        }
        let outcome = self.with_interruption(outcome);
        let action = self.inv.action;
        let code = exit_code(self.inv.mode.family(), action, &outcome);
        self.print_status(&outcome, code);
        self.print_exit_reason(&outcome, code);
        self.log_result(&outcome, code);
        self.write_record(&outcome, code);
        Some(code)
    }

    fn print_status(&self, outcome: &Outcome, code: i32) {
        if self.inv.mode.family() != Family::Lsb || self.inv.action != Action::Status {
            return;
        }
        let health = outcome.as_health();
        let name = &self.spec.name;
        let instance = self.inv.instance.as_deref();
        let text = match (self.inv.mode, self.inv.json) {
            (_, true) => Some(status::json(name, instance, &health, code).to_string()),
            (Mode::Heartbeat, false) => status::heartbeat_line(&health).map(str::to_string),
            (_, false) => Some(status::manual_text(name, instance, &health)),
        };
        if let Some(text) = text {
            let mut out = std::io::stdout().lock();
            // If stdout is gone nobody is reading the status anyway.
            let _ = writeln!(out, "{text}").and_then(|_| out.flush());
        }
    }

    fn print_exit_reason(&self, outcome: &Outcome, code: i32) {
        if self.inv.mode != Mode::Ocf || code == 0 {
            return;
        }
        if let Some(reason) = outcome.reason() {
            let prefix = self
                .env
                .non_empty("OCF_EXIT_REASON_PREFIX")
                .unwrap_or("ocf-exit-reason:");
            let _ = writeln!(
                std::io::stderr().lock(),
                "{prefix}{}",
                status::one_line(reason)
            );
        }
    }

    fn log_result(&self, outcome: &Outcome, code: i32) {
        let action = self.inv.action;
        let elapsed = self.started.elapsed().as_secs_f64() * 1000.0;
        let what = match &self.inv.instance {
            Some(i) => format!("{action} {i}"),
            None => action.to_string(),
        };
        let (level, text) = match outcome {
            Outcome::Done => (
                Level::Info,
                format!("{what}: done (rc {code}, {elapsed:.0} ms)"),
            ),
            Outcome::Error(e) if code == 0 && e.kind == ErrorKind::NotRunning => (
                Level::Info,
                format!(
                    "{what}: already stopped: {} (rc 0, {elapsed:.0} ms)",
                    e.reason
                ),
            ),
            Outcome::Error(e) => (
                Level::Error,
                format!("{what} failed (rc {code}, {elapsed:.0} ms): {}", e.reason),
            ),
            Outcome::Health(h) => {
                let level = match h {
                    Health::Running | Health::Promoted | Health::Stopped => Level::Debug,
                    Health::Failed(_)
                    | Health::FailedPromoted(_)
                    | Health::FailedRunning(_)
                    | Health::Unknown(_) => Level::Warn,
                };
                let reason = h.reason().map(|r| format!(": {r}")).unwrap_or_default();
                (
                    level,
                    format!("{what}: {}{reason} (rc {code}, {elapsed:.0} ms)", h.name()),
                )
            }
        };
        self.log.log(level, &text);
    }

    fn write_record(&self, outcome: &Outcome, code: i32) {
        let Some(path) = &self.flight_path else {
            return;
        };
        let node = self
            .env
            .non_empty("HA_CURHOST")
            .or_else(|| self.env.non_empty("OCF_RESKEY_CRM_meta_on_node"));
        let entry = FlightRecord {
            time: self.started_wall.to_rfc3339(),
            agent: self.spec.name.clone(),
            version: self.spec.version.clone(),
            instance: self.inv.instance.clone(),
            node: node.map(str::to_string),
            mode: self.inv.mode,
            action: self.inv.action.name().to_string(),
            probe: self.inv.probe,
            check_level: self.inv.check_level,
            pid: std::process::id(),
            params: record::redacted(&self.params),
            budget_ms: u64::try_from(self.budget.timeout.as_millis()).unwrap_or(u64::MAX),
            budget_source: self.budget.source,
            lock_wait_ms: self
                .progress
                .lock_wait
                .lock()
                .ok()
                .and_then(|w| *w)
                .map(record::millis),
            steps: self.all_steps(),
            result: outcome.name().to_string(),
            reason: outcome.reason().map(status::one_line),
            exit_code: code,
            duration_ms: record::millis(self.started.elapsed()),
        };
        if let Err(e) = record::append(path, &entry) {
            self.log.warn(&format!("flight recorder: {e}"));
        }
    }
}

/// `${OCF_EXIT_REASON_PREFIX:-ocf-exit-reason:}<reason>`, one line.
pub(crate) fn exit_reason_line(env: &Env, reason: &str) -> String {
    let prefix = env
        .non_empty("OCF_EXIT_REASON_PREFIX")
        .unwrap_or("ocf-exit-reason:");
    format!("{prefix}{}", status::one_line(reason))
}
