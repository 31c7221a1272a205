//! Who uses a filesystem or a block device: a scan of `/proc/<pid>/{cwd,root,fd,maps}`
//! (the Filesystem agent's `force_unmount=safe`), never `fuser`, never a path guess: a process
//! is a user of a filesystem when a file it uses has that filesystem's `st_dev`.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::devnum;

/// A process using the filesystem or device, and one way it does so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: i32,
    pub comm: String,
    /// `cwd`, `root`, `fd 3 (/path)`, `maps (/path)`, `opens the device (fd 4)`.
    pub how: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pid {} ({}): {}", self.pid, self.comm, self.how)
    }
}

/// What to look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Files on the filesystem whose `st_dev` is this.
    Filesystem(u64),
    /// The block device node with this `st_rdev`, opened directly.
    Device(u64),
}

/// Every process (other than the caller) using `target`, in pid order, one entry per process.
pub fn scan(proc_root: &Path, target: Target) -> Vec<Holder> {
    super::procfs::other_pids(proc_root)
        .into_iter()
        .filter_map(|pid| {
            let dir = proc_root.join(pid.to_string());
            let how = usage(&dir, target)?;
            let comm = std::fs::read_to_string(dir.join("comm"))
                .map(|c| c.trim().to_string())
                .unwrap_or_default();
            let pid = i32::try_from(pid).ok()?;
            Some(Holder { pid, comm, how })
        })
        .collect()
}

/// How the process at `dir` uses `target`, if it does (errors mean "no": it may be gone).
fn usage(dir: &Path, target: Target) -> Option<String> {
    if let Target::Filesystem(dev) = target {
        for link in ["cwd", "root"] {
            if std::fs::metadata(dir.join(link)).is_ok_and(|m| m.dev() == dev) {
                return Some(link.to_string());
            }
        }
    }
    if let Ok(fds) = std::fs::read_dir(dir.join("fd")) {
        for fd in fds.flatten() {
            let path = fd.path();
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let name = fd.file_name().to_string_lossy().into_owned();
            let shown = std::fs::read_link(&path).unwrap_or_else(|_| PathBuf::from("?"));
            match target {
                Target::Filesystem(dev) if meta.dev() == dev => {
                    return Some(format!("fd {name} ({})", shown.display()))
                }
                Target::Device(rdev) if is_block(&meta) && meta.rdev() == rdev => {
                    return Some(format!("opens the device (fd {name})"))
                }
                _ => {}
            }
        }
    }
    if let Target::Filesystem(dev) = target {
        let maps = std::fs::read_to_string(dir.join("maps")).unwrap_or_default();
        if let Some(path) = maps_user(&maps, dev) {
            return Some(format!("maps ({path})"));
        }
    }
    None
}

fn is_block(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_block_device()
}

/// The first mapped file of `maps` text on the filesystem `dev` (the dev field is hex).
pub fn maps_user(maps: &str, dev: u64) -> Option<String> {
    maps.lines().find_map(|line| {
        let mut f = line.split_whitespace();
        let dev_field = f.nth(3)?;
        let inode = f.next()?;
        let (ma, mi) = devnum::parse_pair(dev_field, 16)?;
        (inode != "0" && devnum::makedev(ma, mi) == dev).then(|| f.collect::<Vec<_>>().join(" "))
    })
}

/// Block devices stacked on `device` (device-mapper, md...), from sysfs: `/sys/class/block/<name>/holders`.
pub fn sysfs_holders(rdev: u64) -> Vec<String> {
    let dir = format!(
        "/sys/dev/block/{}:{}/holders",
        devnum::major(rdev),
        devnum::minor(rdev)
    );
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Joins holders for an error message, at most `max` of them.
pub fn describe(holders: &[Holder], max: usize) -> String {
    let mut text: Vec<String> = holders.iter().take(max).map(|h| h.to_string()).collect();
    if holders.len() > max {
        text.push(format!("and {} more", holders.len() - max));
    }
    text.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_mapped_file_on_the_filesystem() {
        let maps = "\
55d0-55d1 r--p 00000000 08:01 1234 /usr/bin/sleep\n\
7f00-7f01 rw-p 00000000 00:00 0 \n\
7f02-7f03 r--p 00000000 93:01 42 /usr/local/mfs/lib x.so\n";
        assert_eq!(
            maps_user(maps, devnum::makedev(0x93, 1)).as_deref(),
            Some("/usr/local/mfs/lib x.so")
        );
        assert_eq!(maps_user(maps, devnum::makedev(0, 0)), None);
        assert_eq!(maps_user("garbage\n1 2 3 zz:1 5 /a", 1), None);
    }

    #[test]
    fn scan_sees_a_child_whose_cwd_is_in_a_directory_of_this_filesystem() {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("tempdir: {e}"),
        };
        let dev = match std::fs::metadata(dir.path()) {
            Ok(m) => m.dev(),
            Err(e) => panic!("stat: {e}"),
        };
        let mut child = match std::process::Command::new("sleep")
            .arg("30")
            .current_dir(dir.path())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => panic!("spawn: {e}"),
        };
        let pid = i32::try_from(child.id()).unwrap_or(-1);
        let found = scan(Path::new("/proc"), Target::Filesystem(dev));
        let _ = child.kill();
        let _ = child.wait();
        let me = i32::try_from(std::process::id()).unwrap_or(-1);
        assert!(found.iter().any(|h| h.pid == pid), "{found:?}");
        assert!(found.iter().all(|h| h.pid != me));
    }

    #[test]
    fn describes_at_most_max_holders() {
        let h = |pid| Holder {
            pid,
            comm: "sleep".into(),
            how: "cwd".into(),
        };
        assert_eq!(
            describe(&[h(1), h(2), h(3)], 2),
            "pid 1 (sleep): cwd; pid 2 (sleep): cwd; and 1 more"
        );
    }
}
