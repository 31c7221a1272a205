//! Processes read from `/proc`: every scan in mfs-ha lists pids here, so "never the agent
//! itself" and "a process may vanish mid-scan" are handled once.

use std::path::Path;

/// The whole text of a `/proc` file (any file works). A proc file reports size 0, so
/// `std::fs::read_to_string` starts with 32-byte reads and doubles: eight system calls for a
/// short mount table. Starting with 16 KiB makes it one or two, on every monitor.
pub fn read_text(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::with_capacity(16 * 1024);
    std::fs::File::open(path)?.read_to_string(&mut text)?;
    Ok(text)
}

/// The pids under `proc_root` (normally `/proc`) other than this process, in order.
pub fn other_pids(proc_root: &Path) -> Vec<u32> {
    let me = std::process::id();
    let mut pids: Vec<u32> = std::fs::read_dir(proc_root)
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
                .filter(|pid| *pid != me)
                .collect()
        })
        .unwrap_or_default();
    pids.sort_unstable();
    pids
}

/// The parent pid from `<proc_dir>/stat`.
pub fn parent_of(proc_dir: &Path) -> Option<u32> {
    let stat = std::fs::read_to_string(proc_dir.join("stat")).ok()?;
    parse_ppid(&stat)
}

/// The parent pid in a `stat` line (after the last `)`: the command name may hold any byte).
pub fn parse_ppid(stat: &str) -> Option<u32> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Whether a process exists and is not a zombie.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_proc_file_longer_than_the_first_read() {
        let text = read_text(Path::new("/proc/self/mountinfo")).unwrap();
        assert_eq!(
            text,
            std::fs::read_to_string("/proc/self/mountinfo").unwrap()
        );
        let missing = read_text(Path::new("/proc/self/no-such-file")).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    }

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
    fn lists_other_processes_never_itself() {
        let pids = other_pids(Path::new("/proc"));
        assert!(pids.contains(&1) || !pids.is_empty());
        assert!(!pids.contains(&std::process::id()));
        assert!(alive(std::process::id()));
        assert_eq!(
            parent_of(Path::new("/proc/self")),
            Some(std::os::unix::process::parent_id())
        );
        assert!(other_pids(Path::new("/nonexistent")).is_empty());
    }

    proptest::proptest! {
        #[test]
        fn parse_ppid_never_panics(stat in ".*") {
            let _ = parse_ppid(&stat);
        }
    }
}
