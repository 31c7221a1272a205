//! The last line of defence against a hung action: a thread that, if the action is still
//! running when its time is up, kills our commands, reports a generic error and exits.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::Duration;

use crate::command;
use crate::outcome::{AgentError, Outcome};
use crate::session::Session;

/// Disarms the watchdog when dropped.
pub(crate) struct Watchdog {
    _disarm: Sender<()>,
}

/// Arms a watchdog that fires `after` from now.
pub(crate) fn arm(session: Arc<Session>, after: Duration) -> Watchdog {
    let (tx, rx) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(after) {
            fire(&session);
        }
    });
    Watchdog { _disarm: tx }
}

fn fire(session: &Session) {
    if session.is_finishing() {
        return;
    }
    command::kill_running();
    let action = session.inv.action;
    let within = match session.current_step() {
        Some(step) => format!(" (stuck in step '{step}')"),
        None => String::new(),
    };
    let reason = format!(
        "{action} overran its deadline: no result after {:.1}s of a {:.1}s budget from {}{within}; gave up",
        session.started.elapsed().as_secs_f64(),
        session.budget.timeout.as_secs_f64(),
        session.budget.source,
    );
    if let Some(code) = session.finish(Outcome::Error(AgentError::generic(reason))) {
        std::process::exit(code);
    }
}
