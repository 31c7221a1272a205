//! The process entry of an agent binary: a C `main` instead of libstd's start.
//!
//! libstd's start (`lang_start`) asks glibc where the main thread's stack ends, to know its
//! guard page, and glibc answers by reading and parsing `/proc/self/maps`: three system calls
//! and about 90k instructions (an eighth of a whole monitor), plus an alternate signal stack
//! set up and torn down, on every call of every agent. An agent binary declares
//! `#![no_main]` and [`agent_main!`](crate::agent_main) instead; [`c_main`] does what of
//! libstd's start an agent relies on. Arguments and the environment work as usual (glibc
//! hands them to libstd before `main`). A stack overflow is a plain SIGSEGV without libstd's
//! one-line message.

use std::ffi::c_int;
use std::panic::AssertUnwindSafe;

use crate::agent::Agent;

/// Exit code of a panicking agent, as libstd's start gives it.
const PANICKED: c_int = 101;

/// Runs `agent` (see [`crate::main`]) after libstd's start-up duties: standard descriptors
/// open, SIGPIPE ignored (a closed stdout is an error to handle, not a death), and a panic
/// ends the process with 101 rather than an abort.
pub fn c_main<A: Agent>(agent: A) -> c_int {
    open_standard_fds();
    // SAFETY: setting a signal disposition to SIG_IGN touches no Rust state.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    // `crate::main` ends the process itself: coming back here means it panicked.
    let _ = std::panic::catch_unwind(AssertUnwindSafe(|| crate::main(agent)));
    PANICKED
}

/// Opens /dev/null on any of 0, 1, 2 that is closed, so that no file the agent opens (a lock,
/// a record) becomes its stdout. One poll(2) when all are open.
fn open_standard_fds() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: a valid array of three pollfd; a zero timeout never blocks.
    let polled = unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) };
    for pfd in fds {
        let closed = match polled {
            // SAFETY: F_GETFD only asks whether the descriptor is open.
            -1 => (unsafe { libc::fcntl(pfd.fd, libc::F_GETFD) }) == -1,
            _ => pfd.revents & libc::POLLNVAL != 0,
        };
        if closed {
            // SAFETY: a constant C string; open returns the lowest free descriptor, this one.
            unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
        }
    }
}

/// The entry point of an agent binary, which starts with `#![cfg_attr(not(test), no_main)]`:
/// `ha_agent::agent_main!(agents::vipaddr::VIPaddr);`.
#[macro_export]
macro_rules! agent_main {
    ($agent:expr) => {
        #[cfg(not(test))]
        #[no_mangle]
        pub extern "C" fn main(
            _argc: ::std::ffi::c_int,
            _argv: *const *const ::std::ffi::c_char,
        ) -> ::std::ffi::c_int {
            $crate::start::c_main($agent)
        }
    };
}
