//! `arp_bg=true`: the first gratuitous ARP round is sent by start itself, the others by a
//! detached child (fork without exec, new session, stdio on /dev/null, no descriptor but the
//! packet socket), so start returns at once. The child is bounded twice: it ends by the start
//! action's deadline, and it stops as soon as the ownership record is gone (stop removes it
//! before returning), so no announcement follows a stop by more than a few microseconds.

use std::ffi::CString;
use std::path::Path;
use std::time::Duration;

use ha_agent::{AgentError, Deadline};

use hostops::arp::{Arp, PacketSocket, BROADCAST};

/// Forks the sender of `rounds` more rounds, `interval` apart; returns its pid and the
/// rounds it will send at most (fewer when the deadline is nearer).
pub fn spawn(
    sock: &PacketSocket,
    round: &[Arp],
    rounds: u32,
    interval: Duration,
    deadline: &Deadline,
    record: &Path,
) -> Result<(i32, u32), AgentError> {
    let fits = match interval.as_millis() {
        0 => rounds,
        ms => (deadline.remaining().as_millis() / ms).min(u128::from(rounds)) as u32,
    };
    if fits == 0 {
        return Ok((0, 0));
    }
    // Everything the child needs is prepared here: after fork it may only make system calls.
    let frames: Vec<[u8; 28]> = round.iter().map(Arp::to_bytes).collect();
    let dst = sock.addr(&BROADCAST);
    let record = CString::new(record.as_os_str().as_encoded_bytes())
        .map_err(|_| AgentError::generic("ownership record path contains a NUL byte"))?;
    let pause = libc::timespec {
        tv_sec: interval.as_secs() as libc::time_t,
        tv_nsec: interval.subsec_nanos() as libc::c_long,
    };
    let fd = sock.raw_fd();
    // SAFETY: the child runs only async-signal-safe system calls on data prepared above and
    // leaves with _exit; the parent continues normally.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(AgentError::generic(format!(
            "fork of the background ARP sender: {}",
            std::io::Error::last_os_error()
        )));
    }
    if pid == 0 {
        // SAFETY: see above; nothing here allocates, locks or unwinds.
        unsafe { child(fd, &frames, &dst, &record, &pause, fits) }
    }
    Ok((pid, fits))
}

/// The child: detach, keep only the socket (as fd 3), then pause / check / send.
unsafe fn child(
    fd: i32,
    frames: &[[u8; 28]],
    dst: &libc::sockaddr_ll,
    record: &CString,
    pause: &libc::timespec,
    rounds: u32,
) -> ! {
    libc::setsid();
    if fd != 3 && libc::dup2(fd, 3) < 0 {
        libc::_exit(1);
    }
    if libc::syscall(libc::SYS_close_range, 4u32, u32::MAX, 0u32) != 0 {
        // Kernels before 5.9: close what an agent can have open.
        for other in 4..1024 {
            libc::close(other);
        }
    }
    let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
    if null >= 0 {
        for std_fd in 0..3 {
            libc::dup2(null, std_fd);
        }
        if null > 3 {
            libc::close(null);
        }
    }
    let mut st: libc::stat = std::mem::zeroed();
    for _ in 0..rounds {
        libc::nanosleep(pause, std::ptr::null_mut());
        if libc::stat(record.as_ptr(), &mut st) != 0 {
            libc::_exit(0);
        }
        for f in frames {
            libc::sendto(
                3,
                f.as_ptr().cast(),
                f.len(),
                0,
                (dst as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as u32,
            );
        }
    }
    libc::_exit(0)
}
