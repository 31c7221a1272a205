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
    crate::procfs::read_text(Path::new("/proc/self/mountinfo")).map(|t| parse(&t))
}

/// The mount visible at `dir` (the last one stacked there) in the caller's mount table.
pub fn read_at(dir: &Path) -> std::io::Result<Option<MountEntry>> {
    crate::procfs::read_text(Path::new("/proc/self/mountinfo")).map(|t| parse_at(&t, dir))
}

/// [`at`] of [`parse`], parsing only the lines mounted at `dir` (a monitor asks on every call;
/// parsing every line cost a fifth of Initdrbd's monitor).
pub fn parse_at(text: &str, dir: &Path) -> Option<MountEntry> {
    let want = dir.as_os_str().as_encoded_bytes();
    let mounted_there = |line: &&str| {
        line.split(' ')
            .nth(4)
            .is_some_and(|point| match point.contains('\\') {
                true => unescape_bytes(point) == want,
                false => point.as_bytes() == want,
            })
    };
    text.lines()
        .rev()
        .filter(mounted_there)
        .find_map(parse_line)
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
    let source = String::from_utf8(unescape_bytes(fields.next()?))
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
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
    PathBuf::from(OsString::from_vec(unescape_bytes(field)))
}

fn unescape_bytes(field: &str) -> Vec<u8> {
    // Nearly every field has no escape: one copy instead of a loop per byte (Initdrbd's
    // monitor parses the whole mount table on every call).
    if !field.contains('\\') {
        return field.as_bytes().to_vec();
    }
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
    out
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
    fn parse_at_finds_what_at_finds() {
        let all = parse(SAMPLE);
        let stacked = format!("{SAMPLE}39 22 7:4 / /mnt rw - xfs /dev/loop4 rw\n");
        for dir in [
            "/",
            "/usr/local/mfs",
            "/usr/local/mfs/sub dir",
            "/mnt",
            "/srv",
        ] {
            let dir = Path::new(dir);
            assert_eq!(
                parse_at(SAMPLE, dir).as_ref(),
                at(&all, dir),
                "{}",
                dir.display()
            );
        }
        let top = parse_at(&stacked, Path::new("/mnt")).unwrap();
        assert_eq!(top.source, "/dev/loop4", "the last mount stacked there");
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

    proptest::proptest! {
        #[test]
        fn any_bytes_are_read_without_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let entries = parse(&String::from_utf8_lossy(&bytes));
            let _ = at(&entries, Path::new("/"));
            let _ = below(&entries, Path::new("/usr"));
        }

        #[test]
        fn escaped_mount_points_read_back(name in "[ \t\n\\\\a-z\u{e9}]{1,12}") {
            let escaped: String = name
                .chars()
                .map(|c| match c {
                    ' ' => "\\040".to_string(),
                    '\t' => "\\011".to_string(),
                    '\n' => "\\012".to_string(),
                    '\\' => "\\134".to_string(),
                    c => c.to_string(),
                })
                .collect();
            let line = format!("36 22 147:1 / /mnt/{escaped} rw shared:7 - ext4 /dev/drbd1 rw\n");
            let entries = parse(&line);
            proptest::prop_assert_eq!(entries.len(), 1);
            proptest::prop_assert_eq!(&entries[0].mount_point, &PathBuf::from(format!("/mnt/{name}")));
        }
    }
}
