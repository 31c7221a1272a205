//! Reading the node: each resource as heartbeat reads it, DRBD from its status file, the
//! mount from the kernel, the master over its own protocol, the metalogger's files.

use std::path::{Path, PathBuf};
use std::time::Duration;

use agents::mfsmaster::{cfg::MfsCfg, metaver, probe};
use ha_agent::Deadline;
use heartbeat_config::haresources::locate_script;
use heartbeat_config::status_says_running;
use hostops::command::run_unchecked;
use hostops::mountinfo;

use super::setup::{GroupSetup, Setup};

/// One resource, asked the way ResourceManager asks: `script args... status`, stdout globbed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ResourceState {
    pub resource: String,
    pub script: Option<PathBuf>,
    /// What ResourceManager would conclude.
    pub running: bool,
    /// The first line the script printed, or why it could not be asked.
    pub said: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GroupState {
    pub key: String,
    pub preferred_node: String,
    pub resources: Vec<ResourceState>,
}

impl GroupState {
    pub fn all_running(&self) -> bool {
        !self.resources.is_empty() && self.resources.iter().all(|r| r.running)
    }
    pub fn none_running(&self) -> bool {
        self.resources.iter().all(|r| !r.running)
    }
}

pub fn groups(setup: &Setup, init_dir: &Path, timeout: Duration) -> Vec<GroupState> {
    let resource_dir = setup.ha_dir.join("resource.d");
    setup
        .groups
        .iter()
        .map(|g: &GroupSetup| GroupState {
            key: g.key.clone(),
            preferred_node: g.node.clone(),
            resources: g
                .parsed
                .iter()
                .map(|r| {
                    let Some(script) = locate_script(&resource_dir, init_dir, &r.script) else {
                        return ResourceState {
                            resource: r.written.clone(),
                            script: None,
                            running: false,
                            said: format!(
                                "cannot locate resource script {} in {} or {}",
                                r.script,
                                resource_dir.display(),
                                init_dir.display()
                            ),
                        };
                    };
                    let argv = r.argv(&script, "status");
                    let (running, said) = match run_unchecked(&argv, &Deadline::after(timeout)) {
                        Ok(out) => (
                            status_says_running(&out.stdout),
                            out.stdout.lines().next().unwrap_or("").trim().to_string(),
                        ),
                        Err(e) => (false, e.to_string()),
                    };
                    ResourceState {
                        resource: r.written.clone(),
                        script: Some(script),
                        running,
                        said,
                    }
                })
                .collect(),
        })
        .collect()
}

/// DRBD as the status source shows it (the same file Initdrbd reads).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct DrbdState {
    pub source: PathBuf,
    pub resource: String,
    pub error: Option<String>,
    pub role: Option<String>,
    pub disk: Option<String>,
    pub peer_role: Option<String>,
    pub peer_disk: Option<String>,
    pub connection: Option<String>,
    pub out_of_sync_kib: Option<u64>,
    pub resync_percent: Option<f64>,
    pub resync_eta_seconds: Option<u64>,
    pub split_brain_suspected: bool,
    /// drbd-status's own verdict: `OK`, `WARNING`, `CRITICAL`.
    pub health: Option<String>,
    pub health_reasons: Vec<String>,
}

pub fn drbd(setup: &Setup) -> DrbdState {
    let mut st = DrbdState {
        source: setup.drbd_status_source.clone(),
        resource: setup.drbd_resource.clone(),
        ..DrbdState::default()
    };
    match std::fs::read_to_string(&setup.drbd_status_source) {
        Ok(text) if !has_device_state(&text) => match live_json(&st.resource) {
            Ok(json) => {
                st.source = PathBuf::from(format!("drbdsetup status {} --json", st.resource));
                fill_drbd(&mut st, &json);
            }
            Err(e) => st.error = Some(e),
        },
        Ok(text) => fill_drbd(&mut st, &text),
        Err(e) => st.error = Some(format!("cannot read {}: {e}", st.source.display())),
    }
    st
}

/// False for DRBD 9's /proc/drbd (a version header, no device state).
fn has_device_state(text: &str) -> bool {
    drbd_status::parse(text).map_or(true, |p| p.doc.to_status().has_device_info)
}

/// DRBD 9's live state, as Initdrbd reads it: `drbdsetup status <res> --json`, 5 s at most.
fn live_json(resource: &str) -> Result<String, String> {
    let deadline = hostops::Deadline::after(std::time::Duration::from_secs(5));
    let argv = ["drbdsetup", "status", resource, "--json"];
    match hostops::command::run_unchecked(&argv, &deadline) {
        Ok(out) if out.success() => Ok(out.stdout),
        Ok(out) => Err(format!(
            "drbdsetup status {resource} --json failed (exit {}): {}",
            out.code()
                .map_or("by signal".to_string(), |c| c.to_string()),
            out.stderr.lines().last().unwrap_or("")
        )),
        Err(e) => Err(format!("drbdsetup status {resource} --json: {e}")),
    }
}

/// The connection in DRBD 8 `cs:` words, which the verdict reads: the `cs:` itself from
/// /proc/drbd; from DRBD 9 the replication state while connected and not merely Established
/// (`SyncTarget`, `Ahead`, ...), else the connection state (`Connected`, `Connecting`, ...).
fn connection_as_cs8(c: &drbd_status::model::Connection) -> String {
    use drbd_status::states::{ConnectionState, ReplicationState};
    if let Some(cs) = &c.cs8 {
        return cs.as_str().to_string();
    }
    let replication = c.peer_devices.first().map(|p| &p.replication);
    match replication {
        Some(r)
            if c.state == ConnectionState::Connected
                && !matches!(r, ReplicationState::Established | ReplicationState::Off) =>
        {
            r.as_str().to_string()
        }
        _ => c.state.as_str().to_string(),
    }
}

/// The pure part of [`drbd`].
pub fn fill_drbd(st: &mut DrbdState, text: &str) {
    let parsed = match drbd_status::parse(text) {
        Ok(p) => p,
        Err(e) => {
            st.error = Some(format!("cannot parse {}: {e}", st.source.display()));
            return;
        }
    };
    let status = parsed.doc.to_status();
    if !status.has_device_info {
        st.error = Some(format!(
            "{} has no device state (DRBD 9): point Initdrbd's drbd_status_source elsewhere",
            st.source.display()
        ));
        return;
    }
    let by_minor = |r: &&drbd_status::model::Resource| r.name.starts_with("minor-");
    let res = status
        .resources
        .iter()
        .find(|r| r.name == st.resource)
        .or_else(|| match status.resources.len() {
            1 => status.resources.iter().find(by_minor),
            _ => None,
        });
    let Some(r) = res else {
        st.error = Some(format!(
            "{} shows no resource {}",
            st.source.display(),
            st.resource
        ));
        return;
    };
    st.role = Some(r.role.as_str().to_string());
    st.disk = r
        .devices
        .first()
        .and_then(|d| d.disk.as_ref())
        .map(|d| d.as_str().to_string());
    let conn = r.connections.first();
    st.peer_role = conn.map(|c| c.peer_role.as_str().to_string());
    st.connection = conn.map(connection_as_cs8);
    let pd = conn.and_then(|c| c.peer_devices.first());
    st.peer_disk = pd
        .and_then(|p| p.peer_disk.as_ref())
        .map(|d| d.as_str().to_string());
    st.out_of_sync_kib = pd.and_then(|p| p.out_of_sync_kib);
    if let Some(sync) = pd.and_then(|p| p.sync.as_ref()) {
        st.resync_percent = sync.percent;
        st.resync_eta_seconds = sync.eta_seconds;
    }
    st.split_brain_suspected = r.split_brain_suspected();
    let h = r.health();
    st.health = Some(h.level.as_str().to_string());
    st.health_reasons = h.reasons;
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct MountState {
    pub mount_point: PathBuf,
    pub mounted: bool,
    pub source: Option<String>,
    pub fstype: Option<String>,
}

pub fn mount(setup: &Setup) -> MountState {
    let entries = mountinfo::read().unwrap_or_default();
    let found = mountinfo::at(&entries, &setup.mount_point);
    MountState {
        mount_point: setup.mount_point.clone(),
        mounted: found.is_some(),
        source: found.map(|m| m.source.clone()),
        fstype: found.map(|m| m.fstype.clone()),
    }
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct MasterState {
    /// Where the master was asked (`127.0.0.1:9421`, or the VIP when it runs elsewhere).
    pub asked: String,
    pub answered: bool,
    pub error: Option<String>,
    pub version: Option<String>,
    pub metadata_version: Option<u64>,
    pub answer_ms: Option<f64>,
    pub last_metadata_save: Option<u32>,
    pub last_save_ok: Option<bool>,
    pub chunkservers: Option<usize>,
    pub chunkservers_connected: Option<usize>,
    pub clients_connected: Option<usize>,
    pub metaloggers: Vec<String>,
}

/// Asks the master at `host` (the local one or through the VIP) for INFO and its lists.
pub fn master(host: &str, port: u16, timeout: Duration) -> MasterState {
    let mut st = MasterState {
        asked: format!("{host}:{port}"),
        ..MasterState::default()
    };
    let info = match probe::info(host, port, timeout) {
        Ok(i) => i,
        Err(e) => {
            st.error = Some(e);
            return st;
        }
    };
    st.answered = true;
    st.version = Some(info.version.clone());
    st.metadata_version = info.metaversion;
    st.answer_ms = Some(info.elapsed.as_secs_f64() * 1000.0);
    st.last_metadata_save = info.last_successful_store.filter(|t| *t > 0);
    // MooseFS: 0 or 1 mean a good last store (1: via the metadata saver process)
    st.last_save_ok = info.last_save_status.map(|s| s <= 1);
    let mut notes = Vec::new();
    match probe::chunkservers(host, port, &info, timeout) {
        Ok(cs) => {
            st.chunkservers = Some(cs.len());
            st.chunkservers_connected = Some(cs.iter().filter(|c| c.connected).count());
        }
        Err(e) => notes.push(e),
    }
    match probe::sessions(host, port, &info, timeout) {
        Ok(s) => st.clients_connected = Some(s.iter().filter(|s| s.connected).count()),
        Err(e) => notes.push(e),
    }
    match probe::metaloggers(host, port, timeout) {
        Ok(m) => st.metaloggers = m.into_iter().map(|m| m.ip).collect(),
        Err(e) => notes.push(e),
    }
    if !notes.is_empty() {
        st.error = Some(notes.join("; "));
    }
    st
}

/// The client port from mfsmaster.cfg (readable on the node that has the DRBD mount).
pub fn master_port(setup: &Setup) -> u16 {
    MfsCfg::read(&setup.master_config)
        .map(|c| c.port("MATOCL_LISTEN_PORT", 9421))
        .unwrap_or(9421)
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct MetaloggerState {
    pub data_path: PathBuf,
    /// The newest metadata version in its files (changelog_ml*, metadata_ml*).
    pub version: Option<u64>,
    pub newest_file: Option<PathBuf>,
    /// The master's metadata version minus this one.
    pub lag_versions: Option<u64>,
}

pub fn metalogger(dir: &Path, master_version: Option<u64>) -> MetaloggerState {
    let newest = metaver::newest_in(dir);
    let version = newest.as_ref().map(|n| n.version);
    MetaloggerState {
        data_path: dir.to_path_buf(),
        version,
        newest_file: newest.map(|n| n.file),
        lag_versions: match (master_version, version) {
            (Some(m), Some(v)) => Some(m.saturating_sub(v)),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drbd_of(text: &str) -> DrbdState {
        let mut st = DrbdState {
            resource: "r0".into(),
            source: "/proc/drbd".into(),
            ..DrbdState::default()
        };
        fill_drbd(&mut st, text);
        st
    }

    #[test]
    fn drbd9_proc_has_no_device_state_and_is_read_live() {
        let nine = "version: 9.0.32-1 (api:2/proto:86-121)\nTransports (api:17): tcp (9.0.32-1)\n";
        assert!(!has_device_state(nine));
        let eight = "version: 8.4.11 (api:1/proto:86-101)\n 1: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n";
        assert!(has_device_state(eight));
    }

    #[test]
    fn proc_drbd_of_the_lab_after_a_crash() {
        let st = drbd_of(
            "version: 8.4.11 (api:1/proto:86-101)\n\
 1: cs:WFConnection ro:Primary/Unknown ds:UpToDate/DUnknown C r-----\n\
    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:2048\n",
        );
        assert_eq!(st.error, None);
        assert_eq!(st.role.as_deref(), Some("Primary"));
        assert_eq!(st.peer_role.as_deref(), Some("Unknown"));
        assert_eq!(st.disk.as_deref(), Some("UpToDate"));
        assert_eq!(st.peer_disk.as_deref(), Some("DUnknown"));
        assert_eq!(st.connection.as_deref(), Some("WFConnection"));
        assert_eq!(st.out_of_sync_kib, Some(2048));
    }

    #[test]
    fn resync_progress_and_eta() {
        let st = drbd_of(
            "version: 8.4.11 (api:1/proto:86-101)\n\
 1: cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----\n\
    ns:1024 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:1048576\n\
\t[====>...............] sync'ed: 25.0% (1024/1364)M\n\
\tfinish: 0:01:40 speed: 10,240 (10,240) K/sec\n",
        );
        assert_eq!(st.connection.as_deref(), Some("SyncSource"));
        assert_eq!(st.peer_disk.as_deref(), Some("Inconsistent"));
        assert_eq!(st.resync_percent, Some(25.0));
        assert_eq!(st.resync_eta_seconds, Some(100));
    }

    #[test]
    fn drbd9_resync_reads_as_its_replication_state() {
        let json = "[\n{\n  \"name\": \"r0\",\n  \"role\": \"Secondary\",\n  \"devices\": [ { \"volume\": 0, \"disk-state\": \"Inconsistent\" } ],\n  \"connections\": [ { \"name\": \"b\", \"connection-state\": \"Connected\", \"peer-role\": \"Primary\", \"peer_devices\": [ { \"volume\": 0, \"replication-state\": \"SyncTarget\", \"peer-disk-state\": \"UpToDate\", \"percent-resync-done\": 12.5 } ] } ]\n}\n]\n";
        let st = drbd_of(json);
        assert_eq!(st.error, None);
        assert_eq!(st.connection.as_deref(), Some("SyncTarget"));
        let established = json.replace("SyncTarget", "Established");
        assert_eq!(
            drbd_of(&established).connection.as_deref(),
            Some("Connected")
        );
        let waiting = json
            .replace("\"Connected\"", "\"Connecting\"")
            .replace("SyncTarget", "Off");
        assert_eq!(drbd_of(&waiting).connection.as_deref(), Some("Connecting"));
    }

    #[test]
    fn unreadable_sources_are_errors_with_the_file_name() {
        assert!(drbd_of("").error.is_some());
        let st = drbd_of("version: 8.4.11 (api:1/proto:86-101)\n 5: cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate C r-----\n 6: cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate C r-----\n");
        assert!(st.error.unwrap().contains("no resource r0"));
    }

    #[test]
    fn metalogger_lag_from_its_changelog() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("changelog_ml.0.mfs"),
            "106: 1|X\n107: 2|Y\n",
        )
        .unwrap();
        let st = metalogger(dir.path(), Some(110));
        assert_eq!(st.version, Some(108));
        assert_eq!(st.lag_versions, Some(2));
        assert_eq!(metalogger(dir.path(), None).lag_versions, None);
    }
}
