//! The filesystem type of a device, read from its superblock (no `blkid`).

use std::io::Read;
use std::path::Path;

/// Bytes read from the start of the device: enough for the ext, xfs and btrfs superblocks.
const PROBE_LEN: usize = 0x10000 + 0x50;

/// Reads the start of `device` and names its filesystem.
pub fn detect(device: &Path) -> std::io::Result<Option<&'static str>> {
    let mut buf = Vec::with_capacity(PROBE_LEN);
    std::fs::File::open(device)?
        .take(PROBE_LEN as u64)
        .read_to_end(&mut buf)?;
    Ok(from_superblock(&buf))
}

/// Names the filesystem whose superblock starts `head` (ext2/3/4, xfs, btrfs).
pub fn from_superblock(head: &[u8]) -> Option<&'static str> {
    if head.get(0..4) == Some(b"XFSB") {
        return Some("xfs");
    }
    if head.get(0x10040..0x10048) == Some(b"_BHRfS_M") {
        return Some("btrfs");
    }
    let le16 = |at: usize| {
        head.get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let le32 = |at: usize| {
        head.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    if le16(1024 + 56)? != 0xEF53 {
        return None;
    }
    let compat = le32(1024 + 92).unwrap_or(0);
    let incompat = le32(1024 + 96).unwrap_or(0);
    let ro_compat = le32(1024 + 100).unwrap_or(0);
    // extents, 64bit, flex_bg, mmp, inline data / huge_file, gdt_csum, dir_nlink, extra_isize, metadata_csum
    let ext4_incompat = 0x40 | 0x80 | 0x200 | 0x100 | 0x8000;
    let ext4_ro_compat = 0x8 | 0x10 | 0x20 | 0x40 | 0x400;
    if incompat & ext4_incompat != 0 || ro_compat & ext4_ro_compat != 0 {
        Some("ext4")
    } else if compat & 0x4 != 0 {
        Some("ext3")
    } else {
        Some("ext2")
    }
}

/// Whether the filesystem has a journal (fsck is then skipped by `run_fsck=auto`).
pub fn is_journaling(fstype: &str) -> bool {
    matches!(
        fstype,
        "ext3" | "ext4" | "xfs" | "btrfs" | "jfs" | "reiserfs" | "f2fs"
    )
}

/// ext2, ext3 and ext4 are one family (the ext4 driver mounts all three).
pub fn family(fstype: &str) -> &str {
    match fstype {
        "ext2" | "ext3" | "ext4" => "ext",
        other => other,
    }
}

/// Whether this kernel can mount `fstype`: listed in /proc/filesystems, or a module for it
/// exists (loaded on demand by mount(2)).
pub fn kernel_knows(fstype: &str) -> bool {
    let listed = std::fs::read_to_string("/proc/filesystems").is_ok_and(|t| {
        t.lines()
            .any(|l| l.split_whitespace().last() == Some(fstype))
    });
    listed || module_exists(fstype)
}

fn module_exists(fstype: &str) -> bool {
    let Ok(release) = std::fs::read_to_string("/proc/sys/kernel/osrelease") else {
        return false;
    };
    let dep = format!("/lib/modules/{}/modules.dep", release.trim());
    let wanted = format!("/{fstype}.ko");
    std::fs::read_to_string(dep).is_ok_and(|t| {
        t.lines().any(|l| {
            let module = l.split(':').next().unwrap_or("");
            module.contains("/fs/")
                && module
                    .split_once(".ko")
                    .is_some_and(|(m, _)| format!("{m}.ko").ends_with(&wanted))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(compat: u32, incompat: u32) -> Vec<u8> {
        let mut b = vec![0u8; 2048];
        b[1024 + 56..1024 + 58].copy_from_slice(&0xEF53u16.to_le_bytes());
        b[1024 + 92..1024 + 96].copy_from_slice(&compat.to_le_bytes());
        b[1024 + 96..1024 + 100].copy_from_slice(&incompat.to_le_bytes());
        b
    }

    #[test]
    fn tells_ext2_ext3_and_ext4_apart() {
        assert_eq!(from_superblock(&ext(0, 0)), Some("ext2"));
        assert_eq!(from_superblock(&ext(4, 0)), Some("ext3"));
        assert_eq!(from_superblock(&ext(4, 0x2c2)), Some("ext4"));
    }

    #[test]
    fn recognises_xfs_and_rejects_unknown_or_short_input() {
        assert_eq!(from_superblock(b"XFSB\0\0"), Some("xfs"));
        assert_eq!(from_superblock(&[0u8; 2048]), None);
        assert_eq!(from_superblock(&[0u8; 10]), None);
        assert!(is_journaling("ext4") && !is_journaling("ext2"));
        assert_eq!(family("ext3"), family("ext4"));
        assert_ne!(family("xfs"), family("ext4"));
        assert!(!kernel_knows("nosuchfs"));
    }
}
