//! `mfs-ha-watchdog`: the resource monitoring Heartbeat v1 does not do.
//!
//! heartbeat (haresources, `crm off`) starts and stops a group but never checks it: a master
//! that died or hung, or a mount that vanished, leaves the group "held" and every client
//! waiting. This daemon, kept alive by ha.cf's `respawn`, runs on both nodes; on the node that
//! holds a group by heartbeat's own account it runs each resource's status (mfsmaster at
//! check level 10) every `interval`, and on a confirmed failure restarts in place within a
//! budget, then hands the group to a live peer with `hb_standby`. See docs/watchdog.md.
//!
//! * [`policy`] — the decision, a pure function (state + observation in, decision out).
//! * [`config`] — watchdog.conf.
//! * [`heartbeat`] — `cl_status` and `hb_standby`.
//! * [`resources`] — the resource scripts, called as heartbeat calls them, with deadlines.
//! * [`history`] — the restart budget read back from the flight record at start.
//! * [`recovery`] — restart in place and handover, step by step.
//! * [`report`] — log lines and flight records.
//! * [`daemon`] — the loop.

pub mod config;
pub mod daemon;
pub mod heartbeat;
pub mod history;
pub mod policy;
pub mod recovery;
pub mod report;
pub mod resources;
pub mod startup;

#[cfg(test)]
pub(crate) mod test_support {
    use std::path::Path;

    /// Writes an executable script through install(1): a file this process held open for
    /// writing could be inherited by another test thread's fork and fail exec with ETXTBSY.
    pub fn write_script(path: &Path, text: &str) {
        let source = path.with_extension("src");
        std::fs::write(&source, text).unwrap();
        let ok = std::process::Command::new("install")
            .args(["-m", "755"])
            .arg(&source)
            .arg(path)
            .status()
            .unwrap()
            .success();
        assert!(ok, "install -m 755 {} {}", source.display(), path.display());
    }
}
