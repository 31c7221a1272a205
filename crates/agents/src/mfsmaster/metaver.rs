//! Metadata versions found on disk. A metadata image (`metadata.mfs`, `metadata.mfs.back*`,
//! `metadata_ml.mfs.back*`) starts `MFSM 2.0` + u64 version (big-endian) + u64 id; the version
//! is the id the next change gets, as the master's INFO `metaversion`. A changelog line is
//! `N: timestamp|OP(args)`, so a changelog ending at change N brings the version to N + 1.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// How much of a changelog's end is read to find its last change.
const TAIL: u64 = 64 * 1024;

/// The version in a metadata image header; `None` for `MFSM NEW` (empty) or anything else.
pub fn parse_header(head: &[u8]) -> Option<u64> {
    if head.get(0..5)? != b"MFSM " || head.get(5..8)? == b"NEW" {
        return None;
    }
    Some(u64::from_be_bytes(head.get(8..16)?.try_into().ok()?))
}

pub fn image_version(path: &Path) -> Option<u64> {
    let mut head = [0u8; 16];
    let mut f = std::fs::File::open(path).ok()?;
    f.read_exact(&mut head).ok()?;
    parse_header(&head)
}

/// The metadata id in an image header (the u64 after the version), which every image and
/// changelog of one MooseFS instance shares.
pub fn parse_id(head: &[u8]) -> Option<u64> {
    parse_header(head)?;
    Some(u64::from_be_bytes(head.get(16..24)?.try_into().ok()?))
}

/// `(version, id)` of an image file; `None` when it cannot be read at all.
pub fn image_header(path: &Path) -> Option<(Option<u64>, Option<u64>)> {
    let mut head = Vec::with_capacity(24);
    std::fs::File::open(path)
        .ok()?
        .take(24)
        .read_to_end(&mut head)
        .ok()?;
    Some((parse_header(&head), parse_id(&head)))
}

/// `(version, id)` of the newest image in `dir` (metadata.mfs, metadata.mfs.back*) that
/// carries a metadata id: what `mfsmaster -a` compares emergency dumps with.
pub fn newest_image(dir: &Path) -> Option<(u64, u64)> {
    let entries = std::fs::read_dir(dir).ok()?;
    entries
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            is_image(&name) && !name.ends_with(".tmp")
        })
        .filter_map(|e| {
            let (version, id) = image_header(&e.path())?;
            Some((version?, id.filter(|i| *i != 0)?))
        })
        .max()
}

/// The last change id in changelog text (the last line that starts `N:`).
pub fn last_change(text: &[u8]) -> Option<u64> {
    text.split(|&b| b == b'\n').rev().find_map(|line| {
        let colon = line.iter().position(|&b| b == b':')?;
        std::str::from_utf8(line.get(..colon)?)
            .ok()?
            .trim()
            .parse()
            .ok()
    })
}

pub fn changelog_version(path: &Path) -> Option<u64> {
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(TAIL))).ok()?;
    let mut buf = Vec::new();
    f.take(TAIL).read_to_end(&mut buf).ok()?;
    last_change(&buf).map(|n| n.saturating_add(1))
}

pub fn is_image(name: &str) -> bool {
    name == "metadata.mfs"
        || name.starts_with("metadata.mfs.back")
        || name.starts_with("metadata_ml.mfs.back")
}

pub fn is_changelog(name: &str) -> bool {
    (name.starts_with("changelog.") || name.starts_with("changelog_ml")) && name.ends_with(".mfs")
}

/// The newest version among images and changelogs in `dir`, and the file that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Newest {
    pub version: u64,
    pub file: PathBuf,
}

pub fn newest_in(dir: &Path) -> Option<Newest> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut best: Option<Newest> = None;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let path = e.path();
        let v = if is_image(&name) && !name.ends_with(".tmp") {
            image_version(&path)
        } else if is_changelog(&name) {
            changelog_version(&path)
        } else {
            None
        };
        if let Some(version) = v {
            if best.as_ref().is_none_or(|b| version > b.version) {
                best = Some(Newest {
                    version,
                    file: path,
                });
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn header_and_changelog_versions() {
        let mut h = b"MFSM 2.0".to_vec();
        h.extend_from_slice(&2u64.to_be_bytes());
        h.extend_from_slice(&7u64.to_be_bytes());
        assert_eq!(parse_header(&h), Some(2));
        assert_eq!(parse_id(&h), Some(7));
        assert_eq!(parse_id(b"MFSM 2.0\0\0\0\0\0\0\0\x02"), None);
        assert_eq!(parse_header(b"MFSM NEW"), None);
        assert_eq!(parse_header(b"garbage!garbage!"), None);
        assert_eq!(
            last_change(b"1: 17|SETMETAID(7)\n2: 18|SESADD(x)\n"),
            Some(2)
        );
        assert_eq!(last_change(b"1: 17|A\n2: 18|SESA"), Some(2));
        assert_eq!(last_change(b""), None);

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("metadata.mfs.back"), &h).unwrap();
        std::fs::write(dir.path().join("changelog.0.mfs"), "5: 1|X\n6: 2|Y\n").unwrap();
        std::fs::write(dir.path().join("changelog.1.mfs"), "3: 1|X\n").unwrap();
        std::fs::write(dir.path().join("stats.mfs"), "99: no").unwrap();
        assert_eq!(newest_image(dir.path()), Some((2, 7)));
        let n = newest_in(dir.path()).unwrap();
        assert_eq!(n.version, 7);
        assert!(n.file.ends_with("changelog.0.mfs"));
    }

    proptest! {
        #[test]
        fn parsers_never_panic(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_header(&b);
            let _ = parse_id(&b);

            let _ = last_change(&b);
        }
    }
}
