//! The state directory shared by all simulated nodes (`$DRBD_SIM_DIR`):
//!
//! ```text
//! state.json          the SimState (written to a temporary file, then renamed)
//! state.lock          flock(LOCK_EX) held for every read-modify-write
//! drbd.conf           the configuration the nodes pretend to read (generated)
//! <node>/proc_drbd    that node's /proc/drbd, rewritten after every change
//! ```

use crate::model::SimState;
use crate::render;
use crate::states::Fencing;
use anyhow::{bail, Context, Result};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// Environment variable naming the state directory.
pub const DIR_ENV: &str = "DRBD_SIM_DIR";
/// Environment variable naming the node this process plays (else `uname -n`).
pub const NODE_ENV: &str = "DRBD_SIM_NODE";

/// Access to one state directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// Proof that the state lock is held; released on drop (closing the descriptor).
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

impl Store {
    /// A store in `dir`; a relative path is taken from the current directory, so the loop
    /// devices and paths recorded stay valid wherever later calls run.
    pub fn new(dir: impl Into<PathBuf>) -> Store {
        let dir = dir.into();
        let dir = if dir.is_relative() {
            std::env::current_dir().map(|c| c.join(&dir)).unwrap_or(dir)
        } else {
            dir
        };
        Store { dir }
    }

    /// The store named by `$DRBD_SIM_DIR`.
    pub fn from_env() -> Result<Store> {
        match std::env::var_os(DIR_ENV) {
            Some(d) if !d.is_empty() => Ok(Store::new(d)),
            _ => bail!(
                "{DIR_ENV} is not set: point it at the simulator's state directory (see `drbd-sim init --help`)"
            ),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn state_path(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.join("drbd.conf")
    }

    /// `node`'s kernel log (the simulator's dmesg: fence-peer handler runs and verdicts).
    pub fn kernel_log_path(&self, node: &str) -> PathBuf {
        self.dir.join(node).join("kernel.log")
    }

    /// Appends lines to `node`'s kernel log, each prefixed like DRBD's (`drbd r0: `).
    pub fn kernel_log(&self, node: &str, resource: &str, lines: &[String]) {
        use std::io::Write;
        let path = self.kernel_log_path(node);
        if let Some(dir) = path.parent() {
            let _ = fs::create_dir_all(dir);
        }
        if let Ok(mut f) = fs::OpenOptions::new().create(true).append(true).open(&path) {
            let stamp = crate::clock_ms();
            for line in lines {
                let _ = writeln!(
                    f,
                    "[{}.{:03}] drbd {resource}: {line}",
                    stamp / 1000,
                    stamp % 1000
                );
            }
        }
    }

    /// Where `node`'s `/proc/drbd` is written.
    pub fn proc_path(&self, node: &str) -> PathBuf {
        self.dir.join(node).join("proc_drbd")
    }

    /// Takes the exclusive lock, creating the directory if needed.
    pub fn lock(&self) -> Result<Lock> {
        fs::create_dir_all(&self.dir)
            .with_context(|| format!("cannot create state directory {}", self.dir.display()))?;
        let path = self.dir.join("state.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open lock file {}", path.display()))?;
        loop {
            // SAFETY: flock on a descriptor we own; no memory is passed.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
            if rc == 0 {
                break;
            }
            let err = std::io::Error::last_os_error();
            if err.kind() != std::io::ErrorKind::Interrupted {
                return Err(err).with_context(|| format!("cannot lock {}", path.display()));
            }
        }
        Ok(Lock { _file: file })
    }

    /// Whether a state file exists.
    pub fn exists(&self) -> bool {
        self.state_path().exists()
    }

    /// Reads the state (an empty one when there is no file yet).
    pub fn load(&self, _lock: &Lock) -> Result<SimState> {
        let path = self.state_path();
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(SimState::default()),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let st: SimState = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a drbd-sim state file; remove it or run `drbd-sim destroy`",
                path.display()
            )
        })?;
        if st.version != crate::model::STATE_VERSION {
            bail!(
                "{} has layout version {}, this drbd-sim reads {}",
                path.display(),
                st.version,
                crate::model::STATE_VERSION
            );
        }
        Ok(st)
    }

    /// Writes the state, `drbd.conf` and every node's `proc_drbd`.
    pub fn save(&self, _lock: &Lock, st: &SimState) -> Result<()> {
        let json = serde_json::to_string_pretty(st).context("cannot serialise the state")?;
        write_atomic(&self.state_path(), json.as_bytes())?;
        write_atomic(&self.config_path(), render_config(st).as_bytes())?;
        let mut nodes: Vec<&String> = st.resources.values().flat_map(|r| &r.nodes).collect();
        nodes.sort();
        nodes.dedup();
        for node in nodes {
            let path = self.proc_path(node);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            write_atomic(&path, render::proc_drbd::render(st, node).as_bytes())?;
        }
        Ok(())
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let mut f = File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// The node this process plays: `$DRBD_SIM_NODE`, else the UTS node name (`uname -n`).
pub fn node_name() -> Result<String> {
    if let Some(n) = std::env::var_os(NODE_ENV) {
        if let Some(s) = n.to_str() {
            if !s.is_empty() {
                return Ok(s.to_string());
            }
        }
    }
    uts_nodename()
}

/// `uname(2)`'s node name, which follows the caller's UTS namespace.
pub fn uts_nodename() -> Result<String> {
    // SAFETY: utsname is plain data; uname fills it and we read the NUL-terminated field.
    let mut uts: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: passing a valid pointer to a struct we own.
    if unsafe { libc::uname(&mut uts) } != 0 {
        return Err(std::io::Error::last_os_error()).context("uname failed");
    }
    let bytes: Vec<u8> = uts
        .nodename
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8(bytes).context("the node name is not UTF-8")
}

/// The `drbd.conf` the simulated nodes pretend to read (DRBD 8.4 syntax).
pub fn render_config(st: &SimState) -> String {
    let mut s = String::from(
        "# Generated by drbd-sim: the configuration the simulated nodes pretend to read.\n",
    );
    for name in crate::setup::resource_names(st) {
        let Some(res) = st.resources.get(&name) else {
            continue;
        };
        s.push_str(&format!("resource {} {{\n", res.name));
        s.push_str("    net {\n        protocol C;\n");
        if res.config.allow_two_primaries {
            s.push_str("        allow-two-primaries;\n");
        }
        s.push_str("    }\n");
        if res.config.fencing != Fencing::DontCare {
            s.push_str(&format!(
                "    disk {{\n        fencing {};\n    }}\n",
                res.config.fencing
            ));
        }
        if !res.config.fence_peer.is_empty() {
            s.push_str(&format!(
                "    handlers {{\n        fence-peer \"{}\";\n    }}\n",
                res.config.fence_peer.join(" ")
            ));
        }
        for node in &res.nodes {
            let address = res
                .config
                .addresses
                .get(node)
                .map(String::as_str)
                .unwrap_or("127.0.0.1:7789");
            s.push_str(&format!("    on {node} {{\n"));
            s.push_str(&format!(
                "        device    {} minor {};\n",
                res.device_path(node),
                res.minor
            ));
            s.push_str(&format!("        disk      {};\n", res.config.image));
            s.push_str(&format!("        address   ipv4 {address};\n"));
            s.push_str("        meta-disk internal;\n    }\n");
        }
        s.push_str("}\n");
    }
    s
}

/// The line of `drbd.conf` where resource `name` starts (1-based; 0 if absent).
pub fn config_line_of(st: &SimState, name: &str) -> usize {
    let header = format!("resource {name} {{");
    render_config(st)
        .lines()
        .position(|l| l == header)
        .map(|i| i + 1)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::setup::{add_resource, ResourceSpec};

    #[test]
    fn saves_and_loads_state_and_writes_proc_files() {
        let dir = tempfile::tempdir().ok();
        let Some(dir) = dir else {
            return;
        };
        let store = Store::new(dir.path());
        let lock = store.lock();
        assert!(lock.is_ok());
        let Ok(lock) = lock else { return };
        let mut st = store.load(&lock).unwrap_or_default();
        assert!(add_resource(&mut st, ResourceSpec::simple("r0", 1, &["a", "b"])).is_ok());
        assert!(store.save(&lock, &st).is_ok());
        assert_eq!(store.load(&lock).ok(), Some(st));
        let proc_a = fs::read_to_string(store.proc_path("a")).unwrap_or_default();
        assert!(proc_a.starts_with("version: 8.4.11-1"));
        let conf = fs::read_to_string(store.config_path()).unwrap_or_default();
        assert!(conf.contains("resource r0 {\n"));
        assert!(conf.contains("    on b {\n"));
    }

    #[test]
    fn config_line_points_at_the_resource() {
        let mut st = SimState::default();
        assert!(add_resource(&mut st, ResourceSpec::simple("r0", 1, &["a", "b"])).is_ok());
        assert!(add_resource(&mut st, ResourceSpec::simple("r1", 2, &["a", "b"])).is_ok());
        assert_eq!(config_line_of(&st, "r0"), 2);
        assert!(config_line_of(&st, "r1") > 2);
        assert_eq!(config_line_of(&st, "nope"), 0);
    }

    #[test]
    fn rejects_a_foreign_state_file() {
        let Some(dir) = tempfile::tempdir().ok() else {
            return;
        };
        let store = Store::new(dir.path());
        assert!(fs::write(store.state_path(), "{\"not\": 1}").is_ok());
        let Ok(lock) = store.lock() else { return };
        assert!(store.load(&lock).is_err());
    }
}
