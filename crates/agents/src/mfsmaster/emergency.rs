//! Emergency dumps before `mfsmaster -a`. A master that cannot write its data directory dumps
//! `metadata.mfs.emergency` into its user's home directory, `/`, `/tmp`, ...; `-a` later considers every such
//! file with the data directory's metadata id and takes the highest version (moosefs.md §4f,
//! `meta_loadall`: only when DATA_PATH holds an image with an id, only dumps with that id, and
//! only one newer than that image). A file on this node's local disk is not replicated: an old
//! one can win silently over the DRBD copy.
//!
//! So before `-a`: a dump of this instance newer than everything in DATA_PATH is kept (it
//! holds changes the data directory lacks) and reported; an older one of this instance is set
//! aside (renamed) and reported; another instance's dump, which `-a` ignores, is reported and
//! left alone.

use std::path::{Path, PathBuf};

use ha_agent::{AgentError, Ctx};

use super::metaver;

/// The fixed places `-a` looks in, after DATA_PATH and the user's home directory
/// (`meta_emergency_locations` of MooseFS's metadata.c).
pub const SYSTEM_DIRS: [&str; 8] = [
    "/",
    "/tmp",
    "/var",
    "/usr",
    "/usr/share",
    "/usr/local",
    "/usr/local/var",
    "/usr/local/share",
];

pub const NAME: &str = "metadata.mfs.emergency";

/// One dump found, with its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dump {
    pub path: PathBuf,
    pub version: Option<u64>,
    pub id: Option<u64>,
}

/// What to do with a dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Newer than the data directory, same instance: `-a` is right to use it.
    Newer,
    /// This instance's, but not newer than the data directory: set aside; the reason.
    Stale(String),
    /// `-a` will not consider it (another instance, unreadable...): reported, left alone.
    Ignored(String),
}

/// Where `-a` will look besides the system places: the home directory of the user the
/// daemon runs as (`getpwuid(getuid())`: WORKING_USER once it dropped root, root before),
/// and `$HOME` for good measure.
pub fn homes(working_user: &str) -> Vec<PathBuf> {
    let mut homes: Vec<PathBuf> = Vec::new();
    let by_name = nix::unistd::User::from_name(working_user).ok().flatten();
    let by_uid = nix::unistd::User::from_uid(nix::unistd::getuid())
        .ok()
        .flatten();
    for u in [by_name, by_uid].into_iter().flatten() {
        homes.push(u.dir);
    }
    homes.extend(std::env::var_os("HOME").map(PathBuf::from));
    homes.dedup();
    homes
}

/// Every place `-a` looks for an emergency dump: the homes, then the system places.
pub fn searched(homes: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = homes.to_vec();
    dirs.extend(SYSTEM_DIRS.iter().map(PathBuf::from));
    dirs.into_iter().map(|d| d.join(NAME)).collect()
}

/// The dumps present in `candidates` (each read once; duplicates by path skipped).
pub fn find(candidates: &[PathBuf]) -> Vec<Dump> {
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut found = Vec::new();
    for path in candidates {
        let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        if !path.is_file() || seen.contains(&real) {
            continue;
        }
        seen.push(real);
        let (version, id) = metaver::image_header(path).unwrap_or((None, None));
        found.push(Dump {
            path: path.clone(),
            version,
            id,
        });
    }
    found
}

/// Judges one dump as `-a` would see it: `image` is the data directory's newest image with a
/// metadata id (`-a` considers emergency dumps only then, and only with that id), and
/// `data_version` the newest version the data directory reaches (images and changelogs).
pub fn judge(dump: &Dump, image: Option<(u64, u64)>, data_version: u64) -> Verdict {
    let Some(version) = dump.version else {
        return Verdict::Ignored("not a readable metadata image: mfsmaster -a ignores it".into());
    };
    let Some((image_version, image_id)) = image else {
        return Verdict::Ignored(
            "the data directory has no image with a metadata id, so mfsmaster -a looks at no \
             emergency dump"
                .into(),
        );
    };
    match dump.id {
        Some(id) if id == image_id => {}
        other => {
            return Verdict::Ignored(format!(
                "metadata id {} is not the data directory's {image_id} (another MooseFS \
                 instance): mfsmaster -a ignores it",
                other.unwrap_or(0)
            ))
        }
    }
    if version > data_version {
        return Verdict::Newer;
    }
    Verdict::Stale(match version > image_version {
        true => format!(
            "version {version} is older than the data directory's {data_version}, yet newer \
             than its image ({image_version}): mfsmaster -a would have recovered from it"
        ),
        false => format!("version {version} is not newer than the data directory's {data_version}"),
    })
}

/// Before `-a`: keeps and reports a newer dump, sets aside (renames) every other one; a
/// stale dump that cannot be moved refuses the recovery rather than let it win.
pub fn prepare(ctx: &Ctx, data_path: &Path, working_user: &str) -> Result<(), AgentError> {
    let dumps = find(&searched(&homes(working_user)));
    if dumps.is_empty() {
        return Ok(());
    }
    let newest = metaver::newest_in(data_path);
    let data_version = newest.as_ref().map_or(0, |n| n.version);
    let image = metaver::newest_image(data_path);
    for d in &dumps {
        match judge(d, image, data_version) {
            Verdict::Newer => ctx.warn(&format!(
                "{} (version {}) is newer than anything in {} (version {data_version}): \
                 mfsmaster -a will recover from it",
                d.path.display(),
                d.version.unwrap_or(0),
                data_path.display()
            )),
            Verdict::Ignored(why) => ctx.info(&format!("{}: {why}", d.path.display())),
            Verdict::Stale(why) => {
                let aside = set_aside_name(&d.path);
                std::fs::rename(&d.path, &aside).map_err(|e| {
                    AgentError::generic(format!(
                        "stale emergency dump {} ({why}) cannot be set aside: {e}; move it \
                         away, then start again",
                        d.path.display()
                    ))
                })?;
                ctx.warn(&format!(
                    "set aside {} as {}: {why}",
                    d.path.display(),
                    aside.display()
                ));
            }
        }
    }
    Ok(())
}

/// `metadata.mfs.emergency.stale-<UTC time>` next to the file.
fn set_aside_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(format!(".stale-{}", super::recovery::utc_stamp()));
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dump(version: Option<u64>, id: Option<u64>) -> Dump {
        Dump {
            path: PathBuf::from("/tmp/metadata.mfs.emergency"),
            version,
            id,
        }
    }

    #[test]
    fn only_a_newer_dump_of_this_instance_is_kept() {
        let image = Some((30, 7));
        assert_eq!(judge(&dump(Some(50), Some(7)), image, 40), Verdict::Newer);
        assert!(matches!(judge(&dump(Some(35), Some(7)), image, 40),
            Verdict::Stale(r) if r.contains("would have recovered from it")));
        assert!(matches!(judge(&dump(Some(20), Some(7)), image, 40),
            Verdict::Stale(r) if r.contains("not newer")));
        assert!(matches!(judge(&dump(Some(90), Some(8)), image, 40),
            Verdict::Ignored(r) if r.contains("metadata id 8")));
        assert!(matches!(judge(&dump(None, None), image, 40),
            Verdict::Ignored(r) if r.contains("not a readable")));
        assert!(matches!(judge(&dump(Some(90), Some(7)), None, 40),
            Verdict::Ignored(r) if r.contains("no image with a metadata id")));
    }

    #[test]
    fn home_comes_first_and_files_are_found_once() {
        let dir = tempfile::tempdir().unwrap();
        let list = searched(&[dir.path().to_path_buf()]);
        assert_eq!(list[0], dir.path().join(NAME));
        assert_eq!(list.len(), SYSTEM_DIRS.len() + 1);
        let mut head = b"MFSM 2.0".to_vec();
        head.extend_from_slice(&12u64.to_be_bytes());
        head.extend_from_slice(&99u64.to_be_bytes());
        std::fs::write(dir.path().join(NAME), &head).unwrap();
        let twice = vec![dir.path().join(NAME), dir.path().join(".").join(NAME)];
        let found = find(&twice);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].version, found[0].id), (Some(12), Some(99)));
        assert!(set_aside_name(&found[0].path)
            .to_string_lossy()
            .contains(".emergency.stale-"));
    }
}
