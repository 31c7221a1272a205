//! Finding the daemon and its config the way operators install them: the seed's source
//! install under /usr/local/mfs, Debian's /usr/sbin and /etc/mfs, or explicit parameters.
//! A candidate that is this very program (the agent installed as `mfsmaster`) is skipped.

use std::path::{Path, PathBuf};

use hostops::exec::{file_id, is_executable};

use super::kind::Kind;

/// Where the daemon binary is looked for, in order.
pub fn binary_candidates(kind: Kind) -> Vec<PathBuf> {
    let name = kind.name();
    let mut c = vec![
        PathBuf::from(format!("/usr/local/mfs/sbin/{name}")),
        PathBuf::from(format!("/usr/sbin/{name}")),
        PathBuf::from(format!("/usr/local/sbin/{name}")),
    ];
    let path = std::env::var_os("PATH").unwrap_or_default();
    c.extend(std::env::split_paths(&path).map(|d| d.join(name)));
    c
}

/// Where the config is looked for, in order.
pub fn config_candidates(kind: Kind) -> Vec<PathBuf> {
    let Some(file) = kind.cfg_name() else {
        return Vec::new();
    };
    ["/usr/local/mfs/etc/mfs", "/usr/local/mfs/etc", "/etc/mfs"]
        .iter()
        .map(|d| Path::new(d).join(&file))
        .collect()
}

/// The first candidate that is an executable file and not `myself` (`(dev, ino)` of our exe).
pub fn first_daemon(candidates: &[PathBuf], myself: Option<(u64, u64)>) -> Option<PathBuf> {
    candidates
        .iter()
        .find(|p| is_executable(p) && (myself.is_none() || file_id(p) != myself))
        .cloned()
}

/// The daemon binary: `explicit` when given (refused if it is this agent), else the first
/// candidate.
pub fn daemon(kind: Kind, explicit: Option<&str>) -> Result<PathBuf, String> {
    let myself = file_id(Path::new("/proc/self/exe"));
    match explicit {
        Some(p) => {
            let path = PathBuf::from(p);
            if !is_executable(&path) {
                return Err(format!("{p} is not an executable file"));
            }
            if myself.is_some() && file_id(&path) == myself {
                return Err(format!(
                    "{p} is this agent, not the {} daemon",
                    kind.name()
                ));
            }
            Ok(path)
        }
        None => first_daemon(&binary_candidates(kind), myself).ok_or_else(|| {
            format!(
                "{} not found in /usr/local/mfs/sbin, /usr/sbin or PATH (install moosefs or set binary=)",
                kind.name()
            )
        }),
    }
}

/// The config file: `explicit` when given, else the first candidate that exists.
pub fn config(kind: Kind, explicit: Option<&str>) -> Result<PathBuf, String> {
    if let Some(p) = explicit {
        return Ok(PathBuf::from(p));
    }
    let candidates = config_candidates(kind);
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| {
            let list: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
            format!(
                "no {} config in {} (set config=)",
                kind.name(),
                list.join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_layout_comes_before_debian() {
        let b = binary_candidates(Kind::Master);
        assert_eq!(b[0], PathBuf::from("/usr/local/mfs/sbin/mfsmaster"));
        assert_eq!(b[1], PathBuf::from("/usr/sbin/mfsmaster"));
        let c = config_candidates(Kind::Chunkserver);
        assert_eq!(
            c.last(),
            Some(&PathBuf::from("/etc/mfs/mfschunkserver.cfg"))
        );
        assert!(config_candidates(Kind::Cgiserv).is_empty());
    }

    #[test]
    fn never_picks_itself() {
        let me = PathBuf::from("/proc/self/exe");
        let myself = file_id(&me);
        let real = std::env::current_exe().unwrap_or_default();
        let found = first_daemon(&[real.clone(), PathBuf::from("/bin/sh")], myself);
        assert_ne!(found.as_deref(), Some(real.as_path()));
        assert!(daemon(Kind::Master, Some(&real.display().to_string())).is_err());
    }
}
