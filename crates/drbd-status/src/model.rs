//! The one typed model every format is converted into, in the DRBD 9 layout:
//! resources → devices (local volumes) and connections → peer devices.
//!
//! DRBD 8.x `/proc/drbd` has no resource names and one peer per minor: each minor becomes a
//! resource named after its minor (`minor-0`) with one device and one connection named `peer`,
//! its `cs:` split into connection and replication state (see [`ConnState8::to_v9`]) and kept raw.

use crate::states::{ConnState8, ConnectionState, DiskState, ReplicationState, Role};
use serde::Serialize;

/// Which format a document was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `/proc/drbd` of DRBD 8.0–8.4 (or 9.2+ in `(compat 8.4)` mode).
    #[serde(rename = "proc-drbd-8")]
    ProcDrbd8,
    /// `/proc/drbd` of DRBD 9: version and transports only, no device state.
    #[serde(rename = "proc-drbd-9")]
    ProcDrbd9,
    /// `drbdadm status` / `drbdsetup status` text.
    StatusText,
    /// `drbdsetup status --json`.
    StatusJson,
    /// `drbdsetup events2` lines, folded into the state they describe.
    Events2,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::ProcDrbd8 => "proc-drbd-8",
            Format::ProcDrbd9 => "proc-drbd-9",
            Format::StatusText => "status-text",
            Format::StatusJson => "status-json",
            Format::Events2 => "events2",
        }
    }
}

/// DRBD state of one machine, as far as the document told it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    pub format: Format,
    /// Kernel module version (`/proc/drbd` only), e.g. `8.4.11-1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drbd_version: Option<String>,
    /// False when the source carries no per-device state at all (DRBD 9 `/proc/drbd`):
    /// "no device information", which is not the same as "no devices".
    pub has_device_info: bool,
    pub resources: Vec<Resource>,
}

/// A DRBD resource: one role, its local volumes and its peers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resource {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_id: Option<i64>,
    pub role: Role,
    /// Suspension reasons (`user`, `no-data`, `fencing`, `quorum`); empty when I/O runs.
    pub suspended: Vec<String>,
    /// `may_promote` of events2 (drbd-utils 9.14+), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub may_promote: Option<bool>,
    /// drbd-utils reported a `split-brain` helper call for this resource (events2).
    pub split_brain_reported: bool,
    pub devices: Vec<Device>,
    pub connections: Vec<Connection>,
}

/// A local volume of a resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Device {
    pub volume: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minor: Option<u32>,
    /// `None` when the document did not say (e.g. a line with only unknown keys).
    pub disk: Option<DiskState>,
    /// Intentionally diskless (DRBD 9 client).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quorum: Option<bool>,
    /// Someone holds the device open (DRBD 9.30+ utils).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_kib: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_kib: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub written_kib: Option<u64>,
}

/// The connection to one peer node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Connection {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_node_id: Option<i64>,
    pub state: ConnectionState,
    pub peer_role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub congested: Option<bool>,
    /// The 8.x `cs:` value this connection was mapped from, kept raw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cs8: Option<ConnState8>,
    pub peer_devices: Vec<PeerDevice>,
}

impl Connection {
    /// How verdicts name this connection: its name; else, as drbd-utils' JSON may omit it,
    /// `node-id N`; else `peer`.
    pub fn label(&self) -> String {
        match (self.name.is_empty(), self.peer_node_id) {
            (false, _) => self.name.clone(),
            (true, Some(id)) => format!("node-id {id}"),
            (true, None) => "peer".to_string(),
        }
    }
}

/// One volume as replicated to one peer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeerDevice {
    pub volume: u32,
    pub replication: ReplicationState,
    /// `None` when the document did not say.
    pub peer_disk: Option<DiskState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_client: Option<bool>,
    /// Resync pause reasons (`user`, `peer`, `dependency`, `max-parallel`); empty when none.
    pub resync_suspended: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_of_sync_kib: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_kib: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received_kib: Option<u64>,
    /// Progress of a running resync or online verify.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncProgress>,
}

/// Progress of a resync or online verify, in the units operators read.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct SyncProgress {
    /// Online verify rather than resync.
    pub verify: bool,
    /// Percent done, 0–100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    /// Data still to synchronise, KiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_kib: Option<u64>,
    /// Data to synchronise in all, KiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_kib: Option<u64>,
    /// Current speed, KiB/s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed_kib_s: Option<u64>,
    /// Estimated seconds to finish; `None` when DRBD has no estimate (`nan`, `∞`, stalled).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eta_seconds: Option<u64>,
    pub stalled: bool,
}

/// An enum value this crate did not recognise, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownValue {
    /// Path of the value, e.g. `r0/peer/0 replication`.
    pub at: String,
    pub raw: String,
}

impl Status {
    /// The resource with this name.
    pub fn resource(&self, name: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.name == name)
    }

    /// Every enum value that was kept raw because it is unknown, so callers can report them.
    pub fn unknown_values(&self) -> Vec<UnknownValue> {
        self.resources
            .iter()
            .flat_map(Resource::unknown_values)
            .collect()
    }
}

fn other(role: &Role) -> Option<&str> {
    role.is_other().then(|| role.as_str())
}

fn other_disk(disk: &DiskState) -> Option<&str> {
    disk.is_other().then(|| disk.as_str())
}

impl Resource {
    /// Every enum value of this resource that was kept raw because it is unknown.
    pub fn unknown_values(&self) -> Vec<UnknownValue> {
        let mut found = Vec::new();
        let mut note = |at: String, raw: Option<&str>| {
            if let Some(raw) = raw {
                found.push(UnknownValue {
                    at,
                    raw: raw.to_string(),
                });
            }
        };
        let r = self;
        note(format!("{} role", r.name), other(&r.role));
        for d in &r.devices {
            note(
                format!("{}/{} disk", r.name, d.volume),
                d.disk.as_ref().and_then(other_disk),
            );
        }
        for c in &r.connections {
            let at = format!("{}/{}", r.name, c.label());
            note(
                format!("{at} connection"),
                c.state.is_other().then(|| c.state.as_str()),
            );
            note(format!("{at} role"), other(&c.peer_role));
            for p in &c.peer_devices {
                let at = format!("{at}/{}", p.volume);
                note(
                    format!("{at} replication"),
                    p.replication.is_other().then(|| p.replication.as_str()),
                );
                note(
                    format!("{at} peer-disk"),
                    p.peer_disk.as_ref().and_then(other_disk),
                );
            }
        }
        found
    }

    /// This node holds the resource as Primary.
    pub fn is_primary(&self) -> bool {
        self.role == Role::Primary
    }

    /// Some peer reports itself Primary, or reports a role this crate cannot read
    /// (counted as "may be" so an odd value never lets two primaries through).
    /// A disconnected peer shows role `Unknown` and is not counted: that case is fencing's job.
    pub fn peer_may_be_primary(&self) -> bool {
        self.connections
            .iter()
            .any(|c| matches!(c.peer_role, Role::Primary | Role::Other(_)))
    }

    /// Signs of split brain: drbd-utils ran its split-brain helper, or a connection fell to
    /// StandAlone while this node's good data has out-of-sync blocks towards that peer.
    pub fn split_brain_suspected(&self) -> bool {
        if self.split_brain_reported {
            return true;
        }
        let local_good = self.has_up_to_date_data()
            || self
                .devices
                .iter()
                .any(|d| d.disk == Some(DiskState::Consistent));
        local_good
            && self.connections.iter().any(|c| {
                c.state == ConnectionState::StandAlone
                    && c.peer_devices
                        .iter()
                        .any(|p| p.out_of_sync_kib.unwrap_or(0) > 0)
            })
    }

    /// Every local volume is UpToDate (and there is at least one).
    pub fn has_up_to_date_data(&self) -> bool {
        !self.devices.is_empty()
            && self
                .devices
                .iter()
                .all(|d| d.disk == Some(DiskState::UpToDate))
    }

    /// A resync (not an online verify) is running or paused towards some peer.
    pub fn resync_in_progress(&self) -> bool {
        self.peer_devices().any(|p| p.replication.is_syncing())
    }

    /// All peer devices of all connections.
    pub fn peer_devices(&self) -> impl Iterator<Item = &PeerDevice> {
        self.connections.iter().flat_map(|c| c.peer_devices.iter())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn resource(role: Role, disk: DiskState) -> Resource {
        Resource {
            name: "r0".into(),
            node_id: None,
            role,
            suspended: vec![],
            may_promote: None,
            split_brain_reported: false,
            devices: vec![Device {
                volume: 0,
                minor: Some(1),
                disk: Some(disk),
                client: None,
                quorum: None,
                open: None,
                size_kib: None,
                read_kib: None,
                written_kib: None,
            }],
            connections: vec![],
        }
    }

    pub fn connection(state: ConnectionState, peer_role: Role, peer: PeerDevice) -> Connection {
        Connection {
            name: "peer".into(),
            peer_node_id: None,
            state,
            peer_role,
            congested: None,
            cs8: None,
            peer_devices: vec![peer],
        }
    }

    pub fn peer_device(replication: ReplicationState, peer_disk: DiskState) -> PeerDevice {
        PeerDevice {
            volume: 0,
            replication,
            peer_disk: Some(peer_disk),
            peer_client: None,
            resync_suspended: vec![],
            out_of_sync_kib: None,
            sent_kib: None,
            received_kib: None,
            sync: None,
        }
    }

    #[test]
    fn format_serialises_as_its_name() {
        for f in [
            Format::ProcDrbd8,
            Format::ProcDrbd9,
            Format::StatusText,
            Format::StatusJson,
            Format::Events2,
        ] {
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
        }
    }

    #[test]
    fn primary_peer_blocks_promotion() {
        let mut r = resource(Role::Secondary, DiskState::UpToDate);
        let pd = peer_device(ReplicationState::Established, DiskState::UpToDate);
        r.connections
            .push(connection(ConnectionState::Connected, Role::Primary, pd));
        assert!(r.peer_may_be_primary());
        assert!(!r.is_primary());
    }

    #[test]
    fn disconnected_peer_is_not_counted_but_odd_role_is() {
        let mut r = resource(Role::Secondary, DiskState::UpToDate);
        let pd = peer_device(ReplicationState::Off, DiskState::DUnknown);
        r.connections.push(connection(
            ConnectionState::Connecting,
            Role::Unknown,
            pd.clone(),
        ));
        assert!(!r.peer_may_be_primary());
        r.connections[0].peer_role = Role::from("TOO_LARGE");
        assert!(r.peer_may_be_primary());
        assert_eq!(
            Status {
                format: Format::StatusText,
                drbd_version: None,
                has_device_info: true,
                resources: vec![r]
            }
            .unknown_values(),
            vec![UnknownValue {
                at: "r0/peer role".into(),
                raw: "TOO_LARGE".into()
            }]
        );
    }

    #[test]
    fn standalone_with_out_of_sync_is_split_brain_suspect() {
        let mut r = resource(Role::Primary, DiskState::UpToDate);
        let mut pd = peer_device(ReplicationState::Off, DiskState::DUnknown);
        pd.out_of_sync_kib = Some(1048320);
        r.connections
            .push(connection(ConnectionState::StandAlone, Role::Unknown, pd));
        assert!(r.split_brain_suspected());
        r.connections[0].peer_devices[0].out_of_sync_kib = Some(0);
        assert!(!r.split_brain_suspected());
        r.split_brain_reported = true;
        assert!(r.split_brain_suspected());
    }

    #[test]
    fn up_to_date_needs_every_volume() {
        let mut r = resource(Role::Secondary, DiskState::UpToDate);
        assert!(r.has_up_to_date_data());
        let mut second = r.devices[0].clone();
        second.volume = 1;
        second.disk = Some(DiskState::Outdated);
        r.devices.push(second);
        assert!(!r.has_up_to_date_data());
        r.devices.clear();
        assert!(!r.has_up_to_date_data());
    }

    #[test]
    fn resync_but_not_verify_counts_as_resync() {
        let mut r = resource(Role::Secondary, DiskState::Inconsistent);
        let pd = peer_device(ReplicationState::VerifyS, DiskState::UpToDate);
        r.connections
            .push(connection(ConnectionState::Connected, Role::Primary, pd));
        assert!(!r.resync_in_progress());
        r.connections[0].peer_devices[0].replication = ReplicationState::PausedSyncT;
        assert!(r.resync_in_progress());
    }
}
