//! Heartbeat's own `ResourceManager` script (never the daemon) over a private resource
//! directory (`HA_RESOURCEDIR`): the agents' tests check that Heartbeat reads their status text
//! as they mean it. The script reads /etc/ha.d/shellfuncs but writes nothing there.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const RESOURCE_MANAGER: &str = "/usr/share/heartbeat/ResourceManager";

pub struct ResourceDir {
    dir: PathBuf,
}

impl ResourceDir {
    /// `dir` with the agent `bin` installed as `name`; `None` (skip) when heartbeat is missing
    /// outside CI, a failure under CI=true.
    pub fn with_agent(dir: PathBuf, bin: &Path, name: &str) -> Option<ResourceDir> {
        if !super::installed_or_skip(RESOURCE_MANAGER, "heartbeat") {
            return None;
        }
        assert!(std::fs::create_dir_all(&dir).is_ok(), "{}", dir.display());
        super::install_executable(bin, &dir.join(name));
        Some(ResourceDir { dir })
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Runs `cmd`, a command for `RESOURCE_MANAGER` that the lab has set up (namespace,
    /// arguments, the agent's environment), with this resource directory.
    pub fn run(&self, mut cmd: Command) -> Output {
        cmd.env("HA_RESOURCEDIR", &self.dir);
        cmd.output()
            .unwrap_or_else(|e| panic!("{RESOURCE_MANAGER}: {e}"))
    }
}
