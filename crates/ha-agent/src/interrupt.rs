//! SIGTERM or SIGINT during an action that changes things (a person's Ctrl-C, an init script
//! stopping the cluster): the commands the agent runs sit in their own process groups, so
//! without this they would outlive it (a `drbdadm primary` or a `mount` finishing after the
//! agent is gone, with nobody to undo it). The handler only writes the signal's number to a
//! pipe; a thread reads it, kills the running commands' groups, reports the action as
//! interrupted (a generic error, recorded) and exits, as the watchdog does.

use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

use nix::fcntl::OFlag;
use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};

use crate::outcome::{AgentError, Outcome};
use crate::session::Session;
use hostops::command;

/// The signals that interrupt an action.
const SIGNALS: [Signal; 2] = [Signal::SIGTERM, Signal::SIGINT];

/// The pipe's write end, for the handler (-1 until armed).
static NOTIFY: AtomicI32 = AtomicI32::new(-1);

/// The thread only blocks in read(2) and formats one report.
const STACK: usize = 256 * 1024;

extern "C" fn on_signal(signal: nix::libc::c_int) {
    let fd = NOTIFY.load(Ordering::Relaxed);
    if fd >= 0 {
        // write(2) is async-signal-safe; a full pipe means a report is under way already.
        let byte = [u8::try_from(signal).unwrap_or(0)];
        // SAFETY: `fd` is the write end of our pipe, open for the life of the process.
        let _ = nix::unistd::write(unsafe { BorrowedFd::borrow_raw(fd) }, &byte);
    }
}

/// Installs the handlers and starts the thread that reports an interruption of `session`.
/// Failing to arm is logged and harmless: the signals then end the agent as before.
pub(crate) fn arm(session: Arc<Session>) {
    let (read, write) = match nix::unistd::pipe2(OFlag::O_CLOEXEC) {
        Ok(pair) => pair,
        Err(e) => {
            return session
                .log
                .warn(&format!("SIGTERM handler not armed: pipe: {e}"))
        }
    };
    let spawned = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || wait_and_report(&session, read));
    if spawned.is_err() {
        return;
    }
    // The write end stays open for the life of the process (the handler may fire any time).
    NOTIFY.store(write.as_raw_fd(), Ordering::Relaxed);
    std::mem::forget(write);
    // Handlers (unlike ignored signals) reset to the default at exec: commands are unaffected.
    let action = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for signal in SIGNALS {
        // SAFETY: the handler only loads an atomic and calls write(2).
        let _ = unsafe { sigaction(signal, &action) };
    }
}

fn wait_and_report(session: &Session, read: OwnedFd) {
    let mut byte = [0u8; 1];
    let signal = loop {
        match nix::unistd::read(&read, &mut byte) {
            Ok(1) => break Signal::try_from(i32::from(byte[0])).ok(),
            Err(nix::errno::Errno::EINTR) => continue,
            _ => return,
        }
    };
    if session.is_finishing() {
        return; // the action is reporting already and ends the process
    }
    command::kill_running();
    let within = match session.current_step() {
        Some(step) => format!(" in step '{step}'"),
        None => String::new(),
    };
    let reason = format!(
        "{} interrupted by {} after {:.1}s{within}: its running commands were killed; what it \
         had done by then stays (see status)",
        session.inv.action,
        signal.map_or("a signal", Signal::as_str),
        session.started.elapsed().as_secs_f64(),
    );
    if let Some(code) = session.finish(Outcome::Error(AgentError::generic(reason))) {
        std::process::exit(code);
    }
}
