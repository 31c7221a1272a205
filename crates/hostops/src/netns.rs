//! Network namespaces by name, as `ip netns` names them (`/run/netns/<name>`): the calling
//! thread enters one with setns(2), so sockets it opens afterwards, and `/proc/sys/net` files,
//! are that namespace's. No `ip netns exec`, no process.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// Where `ip netns add` puts its namespaces.
pub const RUN_DIR: &str = "/run/netns";

/// The file of namespace `name`.
pub fn path(name: &str) -> PathBuf {
    Path::new(RUN_DIR).join(name)
}

/// Moves the calling thread into the network namespace at `file`. A missing file is
/// `ErrorKind::NotFound`; a file that is not a network namespace is `InvalidInput`.
pub fn enter(file: &Path) -> io::Result<()> {
    let ns = File::open(file)?;
    // SAFETY: a valid descriptor; setns(2) changes only the calling thread's namespace.
    if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        let e = io::Error::last_os_error();
        return Err(match e.raw_os_error() {
            Some(libc::EINVAL) => io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a network namespace", file.display()),
            ),
            _ => e,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_live_under_run_netns() {
        assert_eq!(path("blue"), PathBuf::from("/run/netns/blue"));
    }

    #[test]
    fn a_missing_or_foreign_file_is_refused_without_moving() {
        let e = enter(Path::new("/run/netns/mfsha-no-such-namespace"));
        assert_eq!(e.map_err(|e| e.kind()), Err(io::ErrorKind::NotFound));
        // Run in a thread of its own: on success it would change that thread only.
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let file = dir.as_ref().map(|d| d.path().join("plain"));
        if let Ok(f) = &file {
            let _ = std::fs::write(f, "");
            let kind = enter(f).map_err(|e| e.kind());
            // EINVAL as root; EPERM without CAP_SYS_ADMIN.
            assert!(kind.is_err(), "{kind:?}");
        }
    }
}
