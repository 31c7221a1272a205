//! mount(2) and umount2(2), with `mount -o` options split into flags and filesystem data.

use std::path::Path;

use nix::errno::Errno;
use nix::mount::{MntFlags, MsFlags};

/// Splits `-o` options into mount flags and the data string passed to the filesystem.
pub fn split_options(options: &str) -> (MsFlags, String) {
    let mut flags = MsFlags::empty();
    let mut data = Vec::new();
    for opt in options.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        match opt {
            "defaults" | "rw" | "async" | "auto" | "noauto" | "nouser" => {}
            "ro" => flags |= MsFlags::MS_RDONLY,
            "nosuid" => flags |= MsFlags::MS_NOSUID,
            "nodev" => flags |= MsFlags::MS_NODEV,
            "noexec" => flags |= MsFlags::MS_NOEXEC,
            "sync" => flags |= MsFlags::MS_SYNCHRONOUS,
            "dirsync" => flags |= MsFlags::MS_DIRSYNC,
            "noatime" => flags |= MsFlags::MS_NOATIME,
            "nodiratime" => flags |= MsFlags::MS_NODIRATIME,
            "relatime" => flags |= MsFlags::MS_RELATIME,
            "strictatime" => flags |= MsFlags::MS_STRICTATIME,
            "lazytime" => flags |= MsFlags::MS_LAZYTIME,
            other => data.push(other),
        }
    }
    (flags, data.join(","))
}

/// `mount -t fstype -o options device dir`, without a mount helper.
pub fn mount(device: &Path, dir: &Path, fstype: &str, options: &str) -> Result<(), Errno> {
    let (flags, data) = split_options(options);
    let data = (!data.is_empty()).then_some(data.as_str());
    nix::mount::mount(Some(device), dir, Some(fstype), flags, data)
}

/// `umount dir` (no lazy or forced detach).
pub fn umount(dir: &Path) -> Result<(), Errno> {
    nix::mount::umount2(dir, MntFlags::empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_flags_from_filesystem_data() {
        let (flags, data) = split_options("defaults, noatime,data=ordered,ro,,errors=remount-ro");
        assert_eq!(flags, MsFlags::MS_NOATIME | MsFlags::MS_RDONLY);
        assert_eq!(data, "data=ordered,errors=remount-ro");
        assert_eq!(split_options(""), (MsFlags::empty(), String::new()));
    }
}
