//! After a crash there is no metadata.mfs (the running master renames it to .back). Then, and
//! only when metadata.mfs.back and changelogs are present, the master starts with `-a`, after
//! its metadata and changelogs have been copied to a timestamped backup. Never `-i`.

use std::path::{Path, PathBuf};

use ha_agent::{AgentError, Ctx};

use super::metaver;
use super::settings::Settings;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// metadata.mfs is there: a plain start.
    Plain,
    /// Crash recovery: `-a` replays these changelogs on top of the newest image.
    Recover {
        images: Vec<PathBuf>,
        changelogs: Vec<PathBuf>,
    },
}

/// The data directory as recovery sees it: its regular files, sorted by name, and whether
/// metadata.mfs has content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    pub files: Vec<(String, PathBuf)>,
    pub metadata_mfs: bool,
}

pub fn observe(dir: &Path) -> DataDir {
    let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .map(|r| {
            r.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    DataDir {
        files,
        metadata_mfs: std::fs::metadata(dir.join("metadata.mfs")).is_ok_and(|m| m.len() > 0),
    }
}

/// Plain, recover, or why neither is possible (with the commands to run). Pure: `dir` is
/// what [`observe`] found in `s.data_path`.
pub fn choose(dir: &DataDir, s: &Settings) -> Result<Mode, AgentError> {
    let dp = s.data_path.display();
    let files = &dir.files;
    if dir.metadata_mfs {
        return Ok(Mode::Plain);
    }
    let images: Vec<PathBuf> = files
        .iter()
        .filter(|(n, _)| metaver::is_image(n) && n != "metadata.mfs" && !n.ends_with(".tmp"))
        .map(|(_, p)| p.clone())
        .collect();
    let changelogs: Vec<PathBuf> = files
        .iter()
        .filter(|(n, _)| metaver::is_changelog(n))
        .map(|(_, p)| p.clone())
        .collect();
    let cfg = s
        .config
        .as_deref()
        .map(|c| c.display().to_string())
        .unwrap_or_default();
    match (images.is_empty(), changelogs.is_empty()) {
        (false, false) if s.auto_recover => Ok(Mode::Recover { images, changelogs }),
        (false, false) => Err(AgentError::generic(format!(
            "{dp}/metadata.mfs is missing (the master did not stop cleanly) and auto_recover=false: \
             back up {dp}, then run `{} -c {cfg} restore` (replays the changelogs) and start again",
            s.binary.display()
        ))),
        (false, true) => Err(AgentError::generic(format!(
            "{dp}/metadata.mfs is missing and there is no changelog to replay on metadata.mfs.back: \
             refusing -a; inspect {dp}, then run `{} -c {cfg} restore` by hand",
            s.binary.display()
        ))),
        (true, _) => Err(AgentError::generic(format!(
            "no metadata in {dp} (not mounted, or a new installation?); for a new installation \
             run: install -o mfs -g mfs -m 640 /var/lib/mfs/metadata.mfs.empty {dp}/metadata.mfs"
        ))),
    }
}

/// `YYYYMMDDTHHMMSSZ` for now, UTC.
pub fn utc_stamp() -> String {
    chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ").to_string()
}

/// Copies images and changelogs to `<backup_dir>/<UTC stamp>/`, logs the versions, and keeps
/// only the newest `backup_keep` backups.
pub fn backup(
    ctx: &Ctx,
    s: &Settings,
    images: &[PathBuf],
    changelogs: &[PathBuf],
) -> Result<PathBuf, AgentError> {
    let dir = s.backup_dir.join(utc_stamp());
    let fail = |what: &Path, e: std::io::Error| {
        AgentError::generic(format!(
            "cannot back up metadata before recovery ({}: {e}); nothing was started",
            what.display()
        ))
    };
    std::fs::create_dir_all(&dir).map_err(|e| fail(&dir, e))?;
    for f in images.iter().chain(changelogs) {
        if let Some(name) = f.file_name() {
            std::fs::copy(f, dir.join(name)).map_err(|e| fail(f, e))?;
        }
    }
    let image_version = images
        .iter()
        .filter_map(|p| metaver::image_version(p))
        .max();
    let last_change = changelogs
        .iter()
        .filter_map(|p| metaver::changelog_version(p))
        .max()
        .map(|v| v.saturating_sub(1));
    ctx.info(&format!(
        "recovering from changelogs (mfsmaster -a): metadata.mfs.back version {}, last changelog change {}; {} file(s) backed up to {}",
        image_version.map_or("unknown".to_string(), |v| v.to_string()),
        last_change.map_or("none".to_string(), |v| v.to_string()),
        images.len() + changelogs.len(),
        dir.display()
    ));
    prune(ctx, &s.backup_dir, s.backup_keep.max(1));
    Ok(dir)
}

fn prune(ctx: &Ctx, root: &Path, keep: usize) {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|r| {
            r.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    let excess = dirs.len().saturating_sub(keep);
    for old in dirs.into_iter().take(excess) {
        match std::fs::remove_dir_all(&old) {
            Ok(()) => ctx.info(&format!("removed old recovery backup {}", old.display())),
            Err(e) => ctx.warn(&format!("cannot remove {}: {e}", old.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mfsmaster::kind::Kind;

    fn choose(s: &Settings) -> Result<Mode, AgentError> {
        super::choose(&observe(&s.data_path), s)
    }

    fn reason(r: Result<Mode, AgentError>) -> String {
        r.err().map(|e| e.reason).unwrap_or_default()
    }

    #[test]
    fn plain_when_metadata_mfs_is_there_and_a_only_with_back_and_changelogs() {
        let dir = tempfile::tempdir().unwrap();
        let s = Settings::for_tests(Kind::Master, dir.path());
        assert!(reason(choose(&s)).contains("no metadata in"), "empty dir");
        std::fs::write(dir.path().join("metadata.mfs.back"), "MFSM 2.0").unwrap();
        assert!(
            reason(choose(&s)).contains("no changelog"),
            "back without changelogs"
        );
        std::fs::write(dir.path().join("changelog.0.mfs"), "1: 1|X\n").unwrap();
        std::fs::create_dir(dir.path().join("mfs-ha-backup")).unwrap();
        match choose(&s) {
            Ok(Mode::Recover { images, changelogs }) => {
                assert_eq!(images.len(), 1);
                assert_eq!(changelogs.len(), 1);
            }
            other => panic!("{other:?}"),
        }
        let manual = Settings {
            auto_recover: false,
            ..s.clone()
        };
        assert!(reason(choose(&manual)).contains("auto_recover=false"));
        std::fs::write(dir.path().join("metadata.mfs"), "").unwrap();
        assert!(
            choose(&s).is_ok_and(|m| m != Mode::Plain),
            "an empty metadata.mfs is no image"
        );
        std::fs::write(dir.path().join("metadata.mfs"), "MFSM 2.0").unwrap();
        assert_eq!(choose(&s).ok(), Some(Mode::Plain));
    }

    #[test]
    fn stamps_sort_in_time_order() {
        let a = utc_stamp();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(utc_stamp() > a);
        assert!(a.ends_with('Z') && a.len() >= 16, "{a}");
    }
}
