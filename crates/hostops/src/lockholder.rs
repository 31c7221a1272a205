//! Who holds a daemon's fcntl lock, asked of the kernel (`F_GETLK`), never read from the PID
//! text in the file: a stale file names a dead or reused PID, and a deleted file holds no lock.

use std::os::fd::AsRawFd;
use std::path::Path;

/// The PID holding a write-conflicting fcntl lock on `path`; `None` when the file is missing
/// or unlocked. Opening read-only creates nothing (unlike `mfsmaster test`).
pub fn owner(path: &Path) -> std::io::Result<Option<u32>> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    // SAFETY: flock is plain old data; zeroed is a valid value before we fill it.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = libc::F_WRLCK as libc::c_short;
    fl.l_whence = libc::SEEK_SET as libc::c_short;
    fl.l_start = 0;
    fl.l_len = 0;
    // SAFETY: a valid open fd and a pointer to a live flock struct.
    let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETLK, &mut fl) };
    if rc == -1 {
        return Err(std::io::Error::last_os_error());
    }
    if fl.l_type == libc::F_UNLCK as libc::c_short || fl.l_pid <= 0 {
        return Ok(None);
    }
    Ok(u32::try_from(fl.l_pid).ok())
}

/// The PID holding a `flock` lock on `path` (mfscgiserv, a Python script, uses flock, which
/// F_GETLK does not see), from /proc/locks matched by device and inode.
pub fn flock_owner(path: &Path) -> std::io::Result<Option<u32>> {
    use std::os::unix::fs::MetadataExt;
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let locks = std::fs::read_to_string("/proc/locks")?;
    let dev = meta.dev();
    let (major, minor) = (crate::devnum::major(dev), crate::devnum::minor(dev));
    Ok(flock_holder(&locks, major, minor, meta.ino()))
}

/// `N: FLOCK  ADVISORY  WRITE <pid> <maj>:<min>:<inode> 0 EOF` (hex device numbers); waiters
/// (`N: -> FLOCK ...`) do not hold the lock.
pub fn flock_holder(locks: &str, major: u32, minor: u32, ino: u64) -> Option<u32> {
    locks.lines().find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.get(1) != Some(&"FLOCK") {
            return None;
        }
        let mut id = f.get(5)?.split(':');
        let maj = u32::from_str_radix(id.next()?, 16).ok()?;
        let min = u32::from_str_radix(id.next()?, 16).ok()?;
        let inode: u64 = id.next()?.parse().ok()?;
        ((maj, min, inode) == (major, minor, ino)).then(|| f.get(4)?.parse().ok())?
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    #[test]
    fn flock_lines_are_matched_by_device_and_inode() {
        let locks = "1: POSIX  ADVISORY  WRITE 10 fe:00:77 0 EOF\n\
                     2: FLOCK  ADVISORY  WRITE 28353 00:1f:1234 0 EOF\n\
                     2: -> FLOCK  ADVISORY  WRITE 99 00:1f:1234 0 EOF\n";
        assert_eq!(flock_holder(locks, 0, 0x1f, 1234), Some(28353));
        assert_eq!(flock_holder(locks, 0xfe, 0, 77), None);
        assert_eq!(flock_holder("", 0, 0, 0), None);
    }

    proptest! {
        #[test]
        fn proc_locks_parsing_never_panics(t in "\\PC*") {
            let _ = flock_holder(&t, 0, 0x1f, 1234);
        }
    }

    use super::*;
    use std::process::{Command, Stdio};

    #[test]
    fn missing_and_unlocked_files_have_no_owner() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".mfsmaster.lock");
        assert_eq!(owner(&path).unwrap(), None);
        std::fs::write(&path, "12345\n").unwrap();
        assert_eq!(owner(&path).unwrap(), None, "stale PID text must not count");
    }

    #[test]
    fn a_locking_process_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l");
        std::fs::write(&path, "").unwrap();
        // flock(1) takes flock locks, not fcntl ones; python's fcntl.lockf takes fcntl locks.
        let script = format!(
            "import fcntl,time,sys;f=open('{}','r+');fcntl.lockf(f,fcntl.LOCK_EX);print('ok',flush=True);time.sleep(30)",
            path.display()
        );
        let mut child = Command::new("python3")
            .args(["-c", &script])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        std::io::BufRead::read_line(&mut out, &mut line).unwrap();
        let got = owner(&path);
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(got.unwrap(), Some(child.id()));
        assert_eq!(owner(&path).unwrap(), None);
    }
}
