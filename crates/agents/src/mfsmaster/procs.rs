//! Processes of one daemon instance, found by a /proc scan: the executable is the daemon
//! binary and the working directory is its data directory. This finds a master whose lock file
//! was deleted, its data writer and its metadata saver, and never the agent itself.

use std::path::{Path, PathBuf};

use hostops::exec::file_id;
pub use hostops::procfs::alive;
use hostops::procfs::{other_pids, parent_of};

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

/// Whether `/proc/<pid>/exe` is an executable called `name` (another install of the daemon).
pub fn exe_named(proc_dir: &Path, name: &str) -> bool {
    std::fs::read_link(proc_dir.join("exe")).is_ok_and(|exe| {
        let base = exe.file_name().map(|n| n.to_string_lossy().into_owned());
        base.as_deref().map(|n| n.trim_end_matches(" (deleted)")) == Some(name)
    })
}

/// Every process (other than ourselves) running an executable called `name`, with its cwd:
/// what runs of a daemon when its config cannot be read.
pub fn by_name(name: &str) -> Vec<(u32, PathBuf)> {
    other_pids(Path::new("/proc"))
        .into_iter()
        .filter_map(|pid| {
            let dir = Path::new("/proc").join(pid.to_string());
            (exe_named(&dir, name) && alive(pid)).then(|| {
                let cwd = std::fs::read_link(dir.join("cwd")).unwrap_or_default();
                (pid, cwd)
            })
        })
        .collect()
}

/// All processes (other than ourselves) running `binary` (or an executable called `name`)
/// with their cwd in `data_path`.
pub fn scan(binary: &Path, name: &str, data_path: &Path) -> Vec<Proc> {
    let binary_id = file_id(binary);
    let data = std::fs::canonicalize(data_path).unwrap_or_else(|_| data_path.to_path_buf());
    other_pids(Path::new("/proc"))
        .into_iter()
        .filter_map(|pid| {
            let dir = Path::new("/proc").join(pid.to_string());
            let cwd: Option<PathBuf> = std::fs::read_link(dir.join("cwd")).ok();
            let ours = cwd.as_deref() == Some(data.as_path())
                && (runs(&dir, binary, binary_id) || exe_named(&dir, name));
            ours.then(|| Proc {
                pid,
                ppid: parent_of(&dir).unwrap_or(0),
            })
        })
        .collect()
}

/// Whether a NUL-separated command line passes `-c config` (or `-cCONFIG`).
pub fn cmdline_has_config(cmdline: &[u8], config: &Path) -> bool {
    let want = config.as_os_str().as_encoded_bytes();
    let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
    args.windows(2).any(|w| w[0] == b"-c" && w[1] == want)
        || args.iter().any(|a| a.strip_prefix(b"-c") == Some(want))
}

/// All processes (other than ourselves) running `binary` started with `-c config`: the daemon
/// found by how it was started, when its configuration (and data directory) can no longer be
/// read, e.g. after its filesystem was unmounted under it.
pub fn by_config(binary: &Path, config: &Path) -> Vec<Proc> {
    let binary_id = file_id(binary);
    other_pids(Path::new("/proc"))
        .into_iter()
        .filter_map(|pid| {
            let dir = Path::new("/proc").join(pid.to_string());
            let cmdline = std::fs::read(dir.join("cmdline")).unwrap_or_default();
            let ours =
                runs(&dir, binary, binary_id) && cmdline_has_config(&cmdline, config) && alive(pid);
            ours.then(|| Proc {
                pid,
                ppid: parent_of(&dir).unwrap_or(0),
            })
        })
        .collect()
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
    fn config_argument_is_matched_exactly() {
        let cfg = Path::new("/usr/local/mfs/etc/mfsmaster.cfg");
        assert!(cmdline_has_config(
            b"mfsmaster\0-c\0/usr/local/mfs/etc/mfsmaster.cfg\0start\0",
            cfg
        ));
        assert!(cmdline_has_config(
            b"mfsmaster\0-c/usr/local/mfs/etc/mfsmaster.cfg\0",
            cfg
        ));
        assert!(!cmdline_has_config(
            b"mfsmaster\0-c\0/usr/local/mfs/etc/mfsmaster.cfg.old\0",
            cfg
        ));
        assert!(!cmdline_has_config(b"mfsmaster\0start\0", cfg));
        assert!(!cmdline_has_config(b"", cfg));
        assert!(!cmdline_has_config(b"-c", cfg));
    }

    #[test]
    fn finds_a_child_by_binary_and_config_argument() {
        // A shell waiting on its stdin (no child of its own); its argv ends in "-c CONFIG".
        let shell = std::fs::canonicalize("/bin/sh").unwrap();
        let cfg = format!("/nonexistent/mfsha-{}/mfsmaster.cfg", std::process::id());
        let mut child = std::process::Command::new(&shell)
            .args(["-c", "read line", "mfsmaster", "-c", &cfg])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(100));
        let found = by_config(&shell, Path::new(&cfg));
        let other = by_config(&shell, Path::new("/nonexistent/other.cfg"));
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(
            found.iter().map(|p| p.pid).collect::<Vec<_>>(),
            vec![child.id()]
        );
        assert!(other.is_empty());
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
        let found = scan(&sleep, "sleep", dir.path());
        let me = std::env::current_exe().unwrap();
        let none = scan(&me, "nothing-by-this-name", dir.path());
        assert!(by_name("sleep").iter().any(|(p, _)| *p == child.id()));
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
