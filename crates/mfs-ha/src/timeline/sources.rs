//! Where the records come from: a node's own files, or copies of both nodes' files in
//! directories (`--logs DIR`, one per node, or one holding a directory per node).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::event::{Event, What};
use super::{flight, halog};

/// One node's files.
#[derive(Debug, Clone, Default)]
pub struct NodeFiles {
    /// Names the node when its records do not (the directory's name, or this host's).
    pub node: String,
    pub flight: Vec<PathBuf>,
    pub ha_log: Option<PathBuf>,
    pub ha_cf: Option<PathBuf>,
}

impl NodeFiles {
    fn is_empty(&self) -> bool {
        self.flight.is_empty() && self.ha_log.is_none()
    }
}

/// The node directories under `dir`: `dir` itself when it holds records, else its
/// subdirectories that do (the lab's `/tmp/mfsha-lab-logs/{mfs-master,mfs-bak}`).
pub fn node_dirs(dir: &Path) -> Result<Vec<NodeFiles>> {
    let here = files_in(dir)?;
    if !here.is_empty() {
        return Ok(vec![here]);
    }
    let mut found = Vec::new();
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read directory {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    subdirs.sort();
    for sub in subdirs {
        let files = files_in(&sub)?;
        if !files.is_empty() {
            found.push(files);
        }
    }
    if found.is_empty() {
        anyhow::bail!(
            "{}: no ha.log, ha-debug.log or flight/*.jsonl here or one level below \
             (give each node's copy of /var/lib/mfs-ha/flight and heartbeat's logfile)",
            dir.display()
        );
    }
    Ok(found)
}

fn files_in(dir: &Path) -> Result<NodeFiles> {
    let meta = std::fs::metadata(dir).with_context(|| format!("--logs {}", dir.display()))?;
    anyhow::ensure!(meta.is_dir(), "--logs {}: not a directory", dir.display());
    let node = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string());
    let mut flight = Vec::new();
    for d in [dir.join("flight"), dir.to_path_buf()] {
        flight.extend(jsonl_files(&d));
    }
    let ha_log = ["ha.log", "ha-log", "ha-debug.log", "ha-debug"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file());
    let ha_cf = Some(dir.join("ha.cf")).filter(|p| p.is_file());
    Ok(NodeFiles {
        node,
        flight,
        ha_log,
        ha_cf,
    })
}

/// `*.jsonl` and rotated `*.jsonl.1` files of a directory, sorted.
pub fn jsonl_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            p.is_file() && (name.ends_with(".jsonl") || name.ends_with(".jsonl.1"))
        })
        .collect();
    files.sort();
    files
}

/// heartbeat's log is read from its end, at most this much (a log that logrotate never saw
/// can be huge; failovers worth a timeline are recent).
const MAX_LOG_BYTES: u64 = 64 << 20;

/// The last `max` bytes of a file, starting at a whole line; whether it was cut.
fn read_tail(path: &Path, max: u64) -> std::io::Result<(Vec<u8>, bool)> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    if len <= max {
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)?;
        return Ok((buf, false));
    }
    f.seek(SeekFrom::Start(len - max))?;
    let mut buf = Vec::new();
    f.take(max).read_to_end(&mut buf)?;
    let start = buf.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
    Ok((buf.split_off(start), true))
}

/// Reads everything of one node. Returns its events and a note per unreadable part.
pub fn read_node(files: &NodeFiles, zone: halog::Zone, year: i32) -> (Vec<Event>, Vec<String>) {
    let mut events = Vec::new();
    let mut notes = Vec::new();
    for path in &files.flight {
        match std::fs::read(path) {
            Ok(bytes) => {
                let (mut got, bad) = flight::parse(&String::from_utf8_lossy(&bytes), &files.node);
                if bad > 0 {
                    notes.push(format!(
                        "{}: {bad} line(s) are not flight records",
                        path.display()
                    ));
                }
                events.append(&mut got);
            }
            Err(e) => notes.push(format!("cannot read {}: {e}", path.display())),
        }
    }
    if let Some(path) = &files.ha_log {
        match read_tail(path, MAX_LOG_BYTES) {
            Ok((bytes, cut)) => {
                if cut {
                    notes.push(format!(
                        "{}: only its last {} MiB are read",
                        path.display(),
                        MAX_LOG_BYTES >> 20
                    ));
                }
                let mut got =
                    halog::parse(&String::from_utf8_lossy(&bytes), &files.node, zone, year);
                halog::start_of_logged_actions(&mut got);
                // The flight record of the same call is exact: the log line only fills gaps.
                got.retain(|e| !is_logged_twice(e, &events));
                events.append(&mut got);
            }
            Err(e) => notes.push(format!("cannot read {}: {e}", path.display())),
        }
    }
    (events, notes)
}

/// An action from the log whose flight record (same node, agent and action, ending within the
/// same second or so) is there too.
fn is_logged_twice(logged: &Event, flight: &[Event]) -> bool {
    let What::Action { agent, action, .. } = &logged.what else {
        return false;
    };
    flight.iter().any(|f| match &f.what {
        What::Action {
            agent: a,
            action: b,
            ..
        } => {
            a == agent
                && b == action
                && f.node == logged.node
                && (f.end_secs() - logged.end_secs()).abs() < 2.0
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_log_is_read_from_a_whole_line_near_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ha.log");
        std::fs::write(&path, "first line\nsecond line\nthird\n").unwrap();
        let (tail, cut) = read_tail(&path, 14).unwrap();
        assert!(cut);
        assert_eq!(tail, b"third\n");
        let (all, cut) = read_tail(&path, 1 << 20).unwrap();
        assert!(!cut);
        assert_eq!(all.len(), 29);
    }
}
