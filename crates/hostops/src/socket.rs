//! What the socket modules ([`netlink`](crate::netlink), [`arp`](crate::arp),
//! [`ndp`](crate::ndp)) share: their error, which says whether a privilege was missing, and the
//! receive timeout that ties every wait to a deadline.

use std::os::fd::AsRawFd;
use std::time::Duration;

/// Why a socket operation failed, in one line an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetError {
    /// A privilege was missing (EPERM/EACCES: root, CAP_NET_ADMIN or CAP_NET_RAW).
    pub permission: bool,
    pub message: String,
}

impl NetError {
    /// A failure for lack of a privilege; the message names the one needed.
    pub fn permission(message: impl Into<String>) -> NetError {
        NetError {
            permission: true,
            message: message.into(),
        }
    }

    /// Any other failure.
    pub fn other(message: impl Into<String>) -> NetError {
        NetError {
            permission: false,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for NetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for NetError {}

/// `what: error`, and the privileges a socket call needs when it was refused.
pub(crate) fn os_error(what: &str, e: &std::io::Error) -> NetError {
    match e.raw_os_error() {
        Some(libc::EPERM) | Some(libc::EACCES) => NetError::permission(format!(
            "{what}: {e} (needs root or CAP_NET_ADMIN/CAP_NET_RAW)"
        )),
        _ => NetError::other(format!("{what}: {e}")),
    }
}

/// Bounds each receive on `fd` by `d` (SO_RCVTIMEO; zero would mean "wait forever").
pub fn set_recv_timeout(fd: &impl AsRawFd, d: Duration) -> Result<(), NetError> {
    let tv = libc::timeval {
        tv_sec: d.as_secs() as libc::time_t,
        tv_usec: d.subsec_micros() as libc::suseconds_t,
    };
    // SAFETY: `tv` lives across the call; the size matches.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            (&tv as *const libc::timeval).cast(),
            std::mem::size_of::<libc::timeval>() as u32,
        )
    };
    if rc < 0 {
        return Err(os_error(
            "setsockopt SO_RCVTIMEO",
            &std::io::Error::last_os_error(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_socket_call_names_the_privileges_it_needs() {
        let refused = os_error(
            "netlink socket",
            &std::io::Error::from_raw_os_error(libc::EPERM),
        );
        assert!(refused.permission);
        assert!(refused.message.starts_with("netlink socket: "), "{refused}");
        assert!(refused
            .message
            .ends_with("(needs root or CAP_NET_ADMIN/CAP_NET_RAW)"));
        let other = os_error(
            "netlink send",
            &std::io::Error::from_raw_os_error(libc::ENOBUFS),
        );
        assert!(!other.permission);
        assert_eq!(
            other.to_string(),
            format!(
                "netlink send: {}",
                std::io::Error::from_raw_os_error(libc::ENOBUFS)
            )
        );
    }

    #[test]
    fn a_receive_timeout_bounds_the_wait() {
        let (a, _b) = std::os::unix::net::UnixDatagram::pair().expect("a socket pair");
        let started = std::time::Instant::now();
        assert_eq!(set_recv_timeout(&a, Duration::from_millis(30)), Ok(()));
        let mut buf = [0u8; 8];
        let err = a.recv(&mut buf).err().map(|e| e.kind());
        assert_eq!(err, Some(std::io::ErrorKind::WouldBlock));
        assert!(started.elapsed() >= Duration::from_millis(25));
    }
}
