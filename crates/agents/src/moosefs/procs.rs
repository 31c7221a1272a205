//! Processes of one daemon instance, found by a /proc scan: the executable is the daemon
//! binary and the working directory is its data directory. This finds a master whose lock file
//! was deleted, its data writer and its metadata saver, and never the agent itself.

use std::path::{Path, PathBuf};

use super::locate::file_id;

/// One process found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proc {
    pub pid: u32,
    pub ppid: u32,
}

/// Whether `/proc/<pid>/exe` is `binary` (same file, or the same path when the binary was
/// replaced since the process started).
pub fn runs(proc_dir: &Path, binary: &Path, binary_id: Option<(u64, u64)>) -> bool {
    let exe = proc_dir.join("exe");
    if binary_id.is_some() && file_id(&exe) == binary_id {
        return true;
    }
    std::fs::read_link(&exe).is_ok_and(|target| {
        let text = target.to_string_lossy();
        Path::new(text.trim_end_matches(" (deleted)")) == binary
    })
}

/// All processes (other than ourselves) running `binary` with their cwd in `data_path`.
pub fn scan(binary: &Path, data_path: &Path) -> Vec<Proc> {
    let me = std::process::id();
    let binary_id = file_id(binary);
    let data = std::fs::canonicalize(data_path).unwrap_or_else(|_| data_path.to_path_buf());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let dir = entry.path();
        let cwd: Option<PathBuf> = std::fs::read_link(dir.join("cwd")).ok();
        if cwd.as_deref() != Some(data.as_path()) || !runs(&dir, binary, binary_id) {
            continue;
        }
        found.push(Proc {
            pid,
            ppid: parent_of(&dir).unwrap_or(0),
        });
    }
    found.sort_by_key(|p| p.pid);
    found
}

/// The parent PID from `/proc/<pid>/stat` (after the last `)` of the command name).
pub fn parent_of(proc_dir: &Path) -> Option<u32> {
    let stat = std::fs::read_to_string(proc_dir.join("stat")).ok()?;
    parse_ppid(&stat)
}

pub fn parse_ppid(stat: &str) -> Option<u32> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Whether a process exists (and is not a zombie).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rfind(')')
            .and_then(|i| stat.get(i + 1..))
            .and_then(|r| r.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// The processes of `procs` whose parent is not in the set: the daemons themselves, not
/// their helper children.
pub fn leaders(procs: &[Proc]) -> Vec<u32> {
    procs
        .iter()
        .filter(|p| !procs.iter().any(|q| q.pid == p.ppid))
        .map(|p| p.pid)
        .collect()
}

pub fn pids(procs: &[Proc]) -> String {
    procs
        .iter()
        .map(|p| p.pid.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ppid_survives_odd_command_names() {
        assert_eq!(
            parse_ppid("42 (mfsmaster (data writer)) S 41 40 40 0"),
            Some(41)
        );
        assert_eq!(parse_ppid("garbage"), None);
        assert_eq!(parse_ppid("1 ()"), None);
    }

    #[test]
    fn finds_a_child_by_exe_and_cwd_but_never_itself() {
        let dir = tempfile::tempdir().unwrap();
        let sleep = std::fs::canonicalize("/bin/sleep").unwrap();
        let mut child = std::process::Command::new(&sleep)
            .arg("30")
            .current_dir(dir.path())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(100));
        let found = scan(&sleep, dir.path());
        let me = std::env::current_exe().unwrap();
        let none = scan(&me, dir.path());
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(
            found.iter().map(|p| p.pid).collect::<Vec<_>>(),
            vec![child.id()]
        );
        assert_eq!(leaders(&found), vec![child.id()]);
        assert!(none.is_empty());
        assert!(!alive(child.id()));
    }
}
