//! `/proc/self/mountinfo`: what is mounted where, with the device number of each mount.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use super::devnum;

/// One line of mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountEntry {
    pub mount_id: u32,
    pub parent_id: u32,
    /// `st_dev` of files on this mount.
    pub dev: u64,
    pub root: PathBuf,
    pub mount_point: PathBuf,
    pub fstype: String,
    pub source: String,
}

/// Reads the caller's mount table.
pub fn read() -> std::io::Result<Vec<MountEntry>> {
    std::fs::read_to_string("/proc/self/mountinfo").map(|t| parse(&t))
}

/// Parses mountinfo text; lines that do not have the documented shape are skipped.
pub fn parse(text: &str) -> Vec<MountEntry> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<MountEntry> {
    let mut fields = line.split(' ');
    let mount_id = fields.next()?.parse().ok()?;
    let parent_id = fields.next()?.parse().ok()?;
    let (major, minor) = devnum::parse_pair(fields.next()?, 10)?;
    let root = unescape(fields.next()?);
    let mount_point = unescape(fields.next()?);
    let _options = fields.next()?;
    // Optional fields end with a lone "-".
    fields.by_ref().find(|f| *f == "-")?;
    let fstype = fields.next()?.to_string();
    let source = String::from_utf8_lossy(unescape(fields.next()?).as_os_str().as_encoded_bytes())
        .into_owned();
    Some(MountEntry {
        mount_id,
        parent_id,
        dev: devnum::makedev(major, minor),
        root,
        mount_point,
        fstype,
        source,
    })
}

/// Undoes the kernel's octal escapes (`\040` for a blank, `\011`, `\012`, `\134`).
fn unescape(field: &str) -> PathBuf {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| bytes.get(i) == Some(&b'\\') && d.iter().all(|c| (b'0'..=b'7').contains(c)))
            .map(|d| d.iter().fold(0u32, |acc, c| acc * 8 + u32::from(c - b'0')));
        match octal.and_then(|v| u8::try_from(v).ok()) {
            Some(byte) => {
                out.push(byte);
                i += 4;
            }
            None => {
                out.extend(bytes.get(i).copied());
                i += 1;
            }
        }
    }
    PathBuf::from(OsString::from_vec(out))
}

/// The mount visible at `dir` (the last one stacked there), if any.
pub fn at<'a>(entries: &'a [MountEntry], dir: &Path) -> Option<&'a MountEntry> {
    entries.iter().rev().find(|e| e.mount_point == dir)
}

/// Mounts strictly below `dir`, deepest (latest) first: the order to unmount them in.
pub fn below<'a>(entries: &'a [MountEntry], dir: &Path) -> Vec<&'a MountEntry> {
    entries
        .iter()
        .rev()
        .filter(|e| e.mount_point != dir && e.mount_point.starts_with(dir))
        .collect()
}

/// Every mount of the filesystem with this `st_dev`.
pub fn of_dev(entries: &[MountEntry], dev: u64) -> Vec<&MountEntry> {
    entries.iter().filter(|e| e.dev == dev).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n\
36 22 147:1 / /usr/local/mfs rw,noatime shared:7 master:2 - ext4 /dev/drbd1 rw,data=ordered\n\
37 36 0:45 / /usr/local/mfs/sub\\040dir rw - tmpfs tmpfs rw\n\
garbage line\n\
38 22 7:3 /x /mnt rw - ext4 /dev/loop3 rw\n";

    #[test]
    fn parses_fields_and_optional_tags() {
        let e = parse(SAMPLE);
        assert_eq!(e.len(), 4);
        let mfs = &e[1];
        assert_eq!(mfs.mount_id, 36);
        assert_eq!(mfs.parent_id, 22);
        assert_eq!(mfs.dev, devnum::makedev(147, 1));
        assert_eq!(mfs.mount_point, Path::new("/usr/local/mfs"));
        assert_eq!(mfs.fstype, "ext4");
        assert_eq!(mfs.source, "/dev/drbd1");
        assert_eq!(e[3].root, Path::new("/x"));
    }

    #[test]
    fn unescapes_blanks_in_mount_points() {
        let e = parse(SAMPLE);
        assert_eq!(e[2].mount_point, Path::new("/usr/local/mfs/sub dir"));
        assert_eq!(unescape("a\\134b\\0"), Path::new("a\\b\\0"));
    }

    #[test]
    fn finds_the_mount_at_and_below_a_directory() {
        let e = parse(SAMPLE);
        let dir = Path::new("/usr/local/mfs");
        assert_eq!(at(&e, dir).map(|m| m.mount_id), Some(36));
        assert_eq!(at(&e, Path::new("/usr/local")), None);
        let sub: Vec<u32> = below(&e, dir).iter().map(|m| m.mount_id).collect();
        assert_eq!(sub, vec![37]);
        assert!(below(&e, Path::new("/usr/local/mf")).is_empty());
        assert_eq!(of_dev(&e, devnum::makedev(7, 3)).len(), 1);
    }

    #[test]
    fn never_panics_on_odd_lines() {
        for line in [
            "",
            " ",
            "1 2 3:4",
            "1 2 3:4 / / rw -",
            "1 2 a:b / / rw - x y",
            "\\",
            "1 2 3:4 \\777 / o - t s",
        ] {
            let _ = parse(line);
        }
    }
}
