//! The last line of defence against a hung action: a thread that, if the action is still
//! running when its time is up, kills our commands, reports a generic error and exits.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::outcome::{AgentError, Outcome};
use crate::session::Session;
use hostops::command;

/// The watchdog thread needs little stack: it waits, and on firing formats one report.
const STACK: usize = 256 * 1024;

/// Disarms the watchdog when dropped.
pub(crate) struct Watchdog {
    disarmed: Arc<(Mutex<bool>, Condvar)>,
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let (flag, wake) = &*self.disarmed;
        if let Ok(mut disarmed) = flag.lock() {
            *disarmed = true;
        }
        wake.notify_one();
    }
}

/// What the watchdog thread owns.
struct Watch {
    session: Arc<Session>,
    after: Duration,
    disarmed: Arc<(Mutex<bool>, Condvar)>,
}

/// Arms a watchdog that fires `after` from now. A thread, not a timer signal: a monitor stuck
/// on a hung file system sleeps where no signal handler runs, but the watchdog thread still
/// answers and its exit ends the stuck thread too.
///
/// A bare POSIX thread rather than `std::thread`: std's start of a thread (an alternate signal
/// stack, `pthread_getattr_np`, whose malloc creates a 128 MiB per-thread arena) costs a dozen
/// system calls more on every call of every agent. The thread allocates nothing until it fires.
pub(crate) fn arm(session: Arc<Session>, after: Duration) -> Watchdog {
    let disarmed = Arc::new((Mutex::new(false), Condvar::new()));
    let watch = Box::new(Watch {
        session,
        after,
        disarmed: Arc::clone(&disarmed),
    });
    if let Err(e) = spawn(watch) {
        // Without a thread the action still has its deadline on every wait and command.
        eprintln!("watchdog not armed: {e}");
    }
    Watchdog { disarmed }
}

/// Starts a detached thread running [`watch_thread`] on `watch`.
fn spawn(watch: Box<Watch>) -> std::io::Result<()> {
    let arg = Box::into_raw(watch).cast::<libc::c_void>();
    // SAFETY: attr is initialised before use and destroyed after; the thread takes ownership of
    // `arg` when the thread starts, and we take it back only when it did not start.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        let mut rc = libc::pthread_attr_init(&mut attr);
        if rc == 0 {
            rc = libc::pthread_attr_setstacksize(&mut attr, STACK);
        }
        if rc == 0 {
            rc = libc::pthread_attr_setdetachstate(&mut attr, libc::PTHREAD_CREATE_DETACHED);
        }
        if rc == 0 {
            let mut thread: libc::pthread_t = 0;
            rc = libc::pthread_create(&mut thread, &attr, watch_thread, arg);
        }
        libc::pthread_attr_destroy(&mut attr);
        if rc != 0 {
            drop(Box::from_raw(arg.cast::<Watch>()));
            return Err(std::io::Error::from_raw_os_error(rc));
        }
    }
    Ok(())
}

/// The thread: waits to be disarmed, or fires. A panic here aborts the process (it cannot
/// unwind out of an `extern "C"` function), which also ends the action.
extern "C" fn watch_thread(arg: *mut libc::c_void) -> *mut libc::c_void {
    // SAFETY: `arg` is the `Box<Watch>` that `spawn` handed to this thread alone.
    let watch = unsafe { Box::from_raw(arg.cast::<Watch>()) };
    if !wait_disarmed(&watch.disarmed, watch.after) {
        fire(&watch.session);
    }
    std::ptr::null_mut()
}

/// Whether the watchdog was disarmed within `after`.
fn wait_disarmed(shared: &(Mutex<bool>, Condvar), after: Duration) -> bool {
    let (flag, wake) = shared;
    let until = Instant::now().checked_add(after);
    let Ok(mut disarmed) = flag.lock() else {
        return true;
    };
    while !*disarmed {
        let left = match until {
            Some(t) => t.saturating_duration_since(Instant::now()),
            None => Duration::from_secs(86_400),
        };
        if left.is_zero() {
            return false;
        }
        disarmed = match wake.wait_timeout(disarmed, left) {
            Ok((guard, _)) => guard,
            Err(_) => return true,
        };
    }
    true
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
