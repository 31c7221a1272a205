//! One lock per resource instance, so concurrent calls (heartbeat and a person, two Pacemaker
//! ops) run one after the other instead of interleaving.
//!
//! An `flock(2)` on `/run/mfs-ha/<Agent>[-<instance>].lock` (directory: `MFS_HA_RUN_DIR`),
//! waited for within the action's deadline. The kernel drops it when the process exits,
//! however it exits, so a killed action never leaves a stale lock.

use std::fs::{DirBuilder, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hostops::lockholder;
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

use crate::deadline::Deadline;
use crate::env::Env;

pub const DEFAULT_RUN_DIR: &str = "/run/mfs-ha";

/// `MFS_HA_RUN_DIR`, else `/run/mfs-ha`.
pub fn run_dir(env: &Env) -> PathBuf {
    PathBuf::from(env.non_empty("MFS_HA_RUN_DIR").unwrap_or(DEFAULT_RUN_DIR))
}

/// The lock file of one instance: readable name, plus a hash so `/a_b` and `/a/b` differ.
pub fn lock_path(run_dir: &Path, agent: &str, instance: Option<&str>) -> PathBuf {
    let name = match instance {
        None => format!("{agent}.lock"),
        Some(instance) => {
            let readable: String = instance
                .chars()
                .map(
                    |c| match c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                        true => c,
                        false => '_',
                    },
                )
                .take(64)
                .collect();
            format!("{agent}-{readable}-{:08x}.lock", fnv1a32(instance))
        }
    };
    run_dir.join(name)
}

/// `text` with every character other than ASCII letters, digits, `.`, `_` and `-` made `_`.
pub fn file_safe(text: &str) -> String {
    text.chars()
        .map(
            |c| match c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                true => c,
                false => '_',
            },
        )
        .collect()
}

fn fnv1a32(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// A held instance lock; released on drop or process exit.
#[derive(Debug)]
pub struct InstanceLock {
    _lock: Flock<File>,
    pub path: PathBuf,
    /// How long we waited for another call to finish.
    pub waited: Duration,
}

#[derive(Debug)]
pub enum LockError {
    /// The lock file or its directory cannot be created or opened.
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// Another call held the lock until our deadline.
    Busy {
        path: PathBuf,
        /// The holder's PID, from /proc/locks.
        holder: Option<u32>,
    },
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Io { path, error } => {
                write!(f, "cannot use lock file {}: {error}", path.display())
            }
            LockError::Busy { path, holder } => {
                let by = holder
                    .map(|pid| format!(" (held by pid {pid})"))
                    .unwrap_or_default();
                write!(
                    f,
                    "another action on this instance still holds {}{by}",
                    path.display()
                )
            }
        }
    }
}

impl std::error::Error for LockError {}

/// Takes the lock at `path`, waiting for it until `deadline`.
pub fn acquire(path: &Path, deadline: &Deadline) -> Result<InstanceLock, LockError> {
    let io = |error: std::io::Error| LockError::Io {
        path: path.to_path_buf(),
        error,
    };
    let started = Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        let file = open_creating_dir(path).map_err(io)?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            // Nothing is written into the file: truncating and writing it cost more than the
            // rest of a monitor on a disk file system, and the kernel names the holder anyway.
            Ok(lock) => {
                return Ok(InstanceLock {
                    _lock: lock,
                    path: path.to_path_buf(),
                    waited: started.elapsed(),
                });
            }
            Err((_, Errno::EWOULDBLOCK | Errno::EINTR)) if !deadline.expired() => {
                std::thread::sleep(pause.min(deadline.remaining()));
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err((_, Errno::EWOULDBLOCK | Errno::EINTR)) => {
                return Err(LockError::Busy {
                    path: path.to_path_buf(),
                    holder: lockholder::flock_owner(path).ok().flatten(),
                });
            }
            Err((_, errno)) => return Err(io(std::io::Error::from(errno))),
        }
    }
}

/// Opens (creating) the lock file; its directory is made only when missing, since it exists
/// on every call but the first and every system call counts in a monitor.
fn open_creating_dir(path: &Path) -> std::io::Result<File> {
    let open = || {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o644)
            .open(path)
    };
    match open() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                DirBuilder::new().recursive(true).mode(0o755).create(dir)?;
            }
            open()
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_names_are_readable_and_distinct() {
        let dir = Path::new("/run/mfs-ha");
        assert_eq!(
            lock_path(dir, "mfsmaster", None),
            dir.join("mfsmaster.lock")
        );
        let a = lock_path(dir, "Initdrbd", Some("r0::/dev/drbd1"));
        let b = lock_path(dir, "Initdrbd", Some("r0::_dev_drbd1"));
        assert_ne!(a, b);
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("Initdrbd-r0___dev_drbd1-"), "{name}");
        assert!(name.ends_with(".lock"));
    }

    #[test]
    fn run_dir_honours_environment() {
        let env = Env::default().with("MFS_HA_RUN_DIR", "/tmp/x");
        assert_eq!(run_dir(&env), PathBuf::from("/tmp/x"));
        assert_eq!(run_dir(&Env::default()), PathBuf::from(DEFAULT_RUN_DIR));
    }

    #[test]
    fn second_taker_waits_until_deadline_then_names_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = lock_path(&dir.path().join("run"), "Dummy", Some("d1"));
        let first = acquire(&path, &Deadline::after(Duration::from_secs(1))).unwrap();
        let started = Instant::now();
        let err = acquire(&path, &Deadline::after(Duration::from_millis(200))).unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(200));
        let text = err.to_string();
        assert!(
            text.contains(&format!("held by pid {}", std::process::id())),
            "{text}"
        );
        drop(first);
        let again = acquire(&path, &Deadline::after(Duration::from_millis(200))).unwrap();
        assert!(again.waited < Duration::from_millis(200));
    }

    #[test]
    fn lock_is_handed_over_when_released() {
        let dir = tempfile::tempdir().unwrap();
        let path = lock_path(dir.path(), "Dummy", None);
        let first = acquire(&path, &Deadline::after(Duration::from_secs(1))).unwrap();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            drop(first);
        });
        let second = acquire(&path, &Deadline::after(Duration::from_secs(2))).unwrap();
        assert!(
            second.waited >= Duration::from_millis(80),
            "{:?}",
            second.waited
        );
        releaser.join().unwrap();
    }
}
