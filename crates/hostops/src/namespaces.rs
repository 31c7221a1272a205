//! Copies of a mount in other mount namespaces (a systemd service with `PrivateTmp=` or
//! `ProtectSystem=`, a container, `unshare -m`): unmounting in our namespace leaves them, and
//! they keep the block device open. Found by device number in `/proc/<pid>/mountinfo`, one
//! entry per namespace (`/proc/<pid>/ns/mnt`).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::mountinfo;

/// A namespace holding the filesystem, named by one process in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NsCopy {
    pub pid: u32,
    pub comm: String,
    /// The mount point as that process sees it, deepest first when several.
    pub mount_points: Vec<PathBuf>,
    /// The inode of the namespace (`mnt:[N]`).
    pub ns: u64,
}

impl std::fmt::Display for NsCopy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at: Vec<String> = self
            .mount_points
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        write!(
            f,
            "mount namespace mnt:[{}] of pid {} ({}) at {}",
            self.ns,
            self.pid,
            self.comm,
            at.join(", ")
        )
    }
}

fn ns_inode(proc_root: &Path, pid: &str) -> Option<u64> {
    std::fs::metadata(proc_root.join(pid).join("ns/mnt"))
        .ok()
        .map(|m| m.ino())
}

/// Every other mount namespace with a mount of the filesystem `dev`, in pid order.
pub fn holding(proc_root: &Path, dev: u64) -> Vec<NsCopy> {
    let own = ns_inode(proc_root, "self");
    let mut pids: Vec<u32> = std::fs::read_dir(proc_root)
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    pids.sort_unstable();
    let mut found: Vec<NsCopy> = Vec::new();
    for pid in pids {
        let key = pid.to_string();
        let Some(ns) = ns_inode(proc_root, &key) else {
            continue;
        };
        if Some(ns) == own || found.iter().any(|c| c.ns == ns) {
            continue;
        }
        let dir = proc_root.join(&key);
        let Ok(text) = std::fs::read_to_string(dir.join("mountinfo")) else {
            continue;
        };
        let entries = mountinfo::parse(&text);
        let mut mount_points: Vec<PathBuf> = mountinfo::of_dev(&entries, dev)
            .iter()
            .map(|e| e.mount_point.clone())
            .collect();
        if mount_points.is_empty() {
            continue;
        }
        mount_points.reverse();
        let comm = std::fs::read_to_string(dir.join("comm"))
            .map(|c| c.trim().to_string())
            .unwrap_or_default();
        found.push(NsCopy {
            pid,
            comm,
            mount_points,
            ns,
        });
    }
    found
}

/// Joins copies for a message, at most `max` of them.
pub fn describe(copies: &[NsCopy], max: usize) -> String {
    let mut text: Vec<String> = copies.iter().take(max).map(|c| c.to_string()).collect();
    if copies.len() > max {
        text.push(format!("and {} more", copies.len() - max));
    }
    text.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_namespace_is_never_reported() {
        let dev = std::fs::metadata("/proc/self/mountinfo").map_or(0, |m| m.dev());
        let own = ns_inode(Path::new("/proc"), "self");
        assert!(holding(Path::new("/proc"), dev)
            .iter()
            .all(|c| Some(c.ns) != own));
    }

    #[test]
    fn describes_namespace_pid_and_mount_point() {
        let c = NsCopy {
            pid: 7,
            comm: "sleep".into(),
            mount_points: vec![PathBuf::from("/srv/mfs")],
            ns: 4026531841,
        };
        assert_eq!(
            describe(&[c.clone(), c.clone()], 1),
            "mount namespace mnt:[4026531841] of pid 7 (sleep) at /srv/mfs; and 1 more"
        );
    }
}
