//! SIGTERM or SIGINT during an action that changes things (a person's Ctrl-C, an init script
//! stopping the cluster): the commands the agent runs sit in their own process groups, so
//! without this they would outlive it (a `drbdadm primary` or a `mount` finishing after the
//! agent is gone, with nobody to undo it). The handler only writes the signal's number to a
//! pipe; a thread reads it, kills the running commands' groups and marks the action
//! interrupted: no new step starts, and the action winds down through its own error path (a
//! start undoes what it did: a detached daemon is ended, a promotion rolled back). Its report
//! then says it was interrupted. Should it not finish within [`WIND_DOWN_MAX`] (or the
//! deadline), or should a second signal come, the thread reports the interruption as it
//! stands and exits, as the watchdog does.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::fcntl::OFlag;
use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};

use crate::deadline::Deadline;
use crate::outcome::{AgentError, Outcome};
use crate::session::Session;
use hostops::command;

/// The signals that interrupt an action.
const SIGNALS: [Signal; 2] = [Signal::SIGTERM, Signal::SIGINT];

/// The pipe's write end, for the handler (-1 until armed).
static NOTIFY: AtomicI32 = AtomicI32::new(-1);

/// The thread only blocks in read(2)/poll(2) and formats one report.
const STACK: usize = 256 * 1024;

/// The longest an interrupted action gets to wind down (a start ending the daemon it ran
/// takes seconds: the master writes its metadata).
const WIND_DOWN_MAX: Duration = Duration::from_secs(30);

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
pub(crate) fn arm(session: Arc<Session>, deadline: Deadline) {
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
        .spawn(move || wait_and_report(&session, read, deadline));
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

fn wait_and_report(session: &Session, read: OwnedFd, deadline: Deadline) {
    let Some(signal) = next_signal(&read) else {
        return;
    };
    if session.is_finishing() {
        return; // the action is reporting already and ends the process
    }
    let within = match session.current_step() {
        Some(step) => format!(" in step '{step}'"),
        None => String::new(),
    };
    let what = format!(
        "{} interrupted by {} after {:.1}s{within}",
        session.inv.action,
        signal.map_or("a signal", Signal::as_str),
        session.started.elapsed().as_secs_f64(),
    );
    session.mark_interrupted(what.clone());
    command::kill_running();
    let wind_down = deadline.remaining().min(WIND_DOWN_MAX);
    session.log.warn(&format!(
        "{what}: its running commands were killed; no new step starts, it winds down \
         (up to {:.0}s)",
        wind_down.as_secs_f64()
    ));
    if wound_down(session, &read, Instant::now() + wind_down) {
        return; // the main thread reported, and ends the process
    }
    command::kill_running(); // what the wind-down ran so far
    let reason = format!(
        "{what}: its running commands were killed; what it had done by then stays (see status)"
    );
    if let Some(code) = session.finish(Outcome::Error(AgentError::generic(reason))) {
        std::process::exit(code);
    }
}

/// Blocks until a signal's byte arrives (`None` inside: not one we know); `None` when the pipe
/// fails.
fn next_signal(read: &OwnedFd) -> Option<Option<Signal>> {
    let mut byte = [0u8; 1];
    loop {
        match nix::unistd::read(read, &mut byte) {
            Ok(1) => return Some(Signal::try_from(i32::from(byte[0])).ok()),
            Err(nix::errno::Errno::EINTR) => continue,
            _ => return None,
        }
    }
}

/// Whether the main thread started reporting before `by`; false at once on a second signal.
fn wound_down(session: &Session, read: &OwnedFd, by: Instant) -> bool {
    let tick = Duration::from_millis(50);
    loop {
        if session.is_finishing() {
            return true;
        }
        let left = by.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        let wait = u16::try_from(left.min(tick).as_millis()).unwrap_or(50);
        let mut fds = [nix::poll::PollFd::new(
            read.as_fd(),
            nix::poll::PollFlags::POLLIN,
        )];
        if let Ok(n) = nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(wait)) {
            if n > 0 {
                return session.is_finishing(); // a second signal: stop waiting
            }
        }
    }
}
