//! From the JSON document to the shared model.

use super::{Connection, Device, PeerDevice, Resource, StatusJson, NO_ESTIMATE_SENTINEL};
use crate::model::{self, Format, Status, SyncProgress};
use crate::states::{ConnectionState, ReplicationState, Role};

impl StatusJson {
    /// Converts into the shared model. Objects whose identifying key (resource name, volume)
    /// is missing were reported while parsing and are left out here.
    pub fn to_status(&self) -> Status {
        Status {
            format: Format::StatusJson,
            drbd_version: None,
            has_device_info: true,
            resources: self
                .resources
                .iter()
                .filter_map(Resource::to_model)
                .collect(),
        }
    }
}

impl Resource {
    /// Why I/O is suspended, in drbdsetup's order; empty when it runs. drbd-utils before 9.21
    /// only print `suspended: true` without a reason, which gives `["unknown"]`.
    pub fn suspension_reasons(&self) -> Vec<String> {
        let flags = [
            ("user", self.suspended_user),
            ("no-data", self.suspended_no_data),
            ("fencing", self.suspended_fencing),
            ("quorum", self.suspended_quorum),
        ];
        let mut reasons: Vec<String> = flags
            .iter()
            .filter(|(_, set)| *set == Some(true))
            .map(|(reason, _)| reason.to_string())
            .collect();
        if reasons.is_empty() && self.suspended == Some(true) {
            reasons.push("unknown".into());
        }
        reasons
    }

    fn to_model(&self) -> Option<model::Resource> {
        Some(model::Resource {
            name: self.name.clone()?,
            node_id: self.node_id.filter(|&id| id >= 0),
            role: self.role.clone().unwrap_or(Role::Unknown),
            suspended: self.suspension_reasons(),
            may_promote: None,
            split_brain_reported: false,
            devices: self.devices.iter().filter_map(Device::to_model).collect(),
            connections: self.connections.iter().map(Connection::to_model).collect(),
        })
    }
}

impl Device {
    fn to_model(&self) -> Option<model::Device> {
        Some(model::Device {
            volume: self.volume?,
            minor: self.minor,
            disk: self.disk.clone(),
            client: self.client,
            quorum: self.quorum,
            open: self.open,
            size_kib: self.stats.size,
            read_kib: self.stats.read,
            written_kib: self.stats.written,
        })
    }
}

impl Connection {
    fn to_model(&self) -> model::Connection {
        model::Connection {
            name: self.name.clone().unwrap_or_default(),
            peer_node_id: self.peer_node_id.filter(|&id| id >= 0),
            // Nothing printed: keep that visible as an empty raw value rather than guess.
            state: self
                .connection
                .clone()
                .unwrap_or_else(|| ConnectionState::Other(String::new())),
            peer_role: self.role.clone().unwrap_or(Role::Unknown),
            congested: self.congested,
            cs8: None,
            peer_devices: self
                .peer_devices
                .iter()
                .filter_map(PeerDevice::to_model)
                .collect(),
        }
    }
}

impl PeerDevice {
    /// Why resync is paused (`user`, `peer`, `dependency`); empty for `no`.
    pub fn resync_suspension_reasons(&self) -> Vec<String> {
        crate::text::reason_list(self.resync_suspended.as_deref())
    }

    /// Seconds until the resync/verify finishes; `None` for `nan` (9.4–9.5), the
    /// "no progress" sentinel 987654321 (9.6+) and anything not a plausible count.
    pub fn eta_seconds(&self) -> Option<u64> {
        let eta = self.sync.as_ref()?.f64("estimated-seconds-to-finish")?;
        let rounded = eta.round();
        (rounded >= 0.0 && rounded != NO_ESTIMATE_SENTINEL as f64 && rounded < 1e15)
            .then_some(rounded as u64)
    }

    fn is_verify(&self) -> bool {
        self.has_online_verify_details == Some(true)
            || self.replication.as_ref().is_some_and(|r| r.is_verifying())
    }

    /// Progress of a running resync or verify: when drbdsetup printed details or the
    /// replication state says one is running (or paused).
    pub fn sync_progress(&self) -> Option<SyncProgress> {
        let running = self
            .replication
            .as_ref()
            .is_some_and(|r| r.is_syncing() || r.is_verifying());
        if !running && self.has_sync_details != Some(true) {
            return None;
        }
        let sync = self.sync.clone().unwrap_or_default();
        let verify = self.is_verify();
        let remaining_kib = match sync.u64("ov-left") {
            Some(sectors) if verify => Some(sectors / 2),
            _ => self.out_of_sync_kib,
        };
        // db1/dt1 is the recent window (the text status' `dbdt1`); db/dt the whole-run average.
        let speed_mib_s = sync
            .f64("db1/dt1 [MiB/s]")
            .or_else(|| sync.f64("db/dt [MiB/s]"));
        Some(SyncProgress {
            verify,
            percent: sync.f64("percent-resync-done"),
            remaining_kib,
            total_kib: sync.u64("rs-total").map(|sectors| sectors / 2),
            speed_kib_s: speed_mib_s
                .filter(|v| (0.0..1e15).contains(v))
                .map(|v| (v * 1024.0).round() as u64),
            eta_seconds: self.eta_seconds(),
            stalled: false,
        })
    }

    fn to_model(&self) -> Option<model::PeerDevice> {
        Some(model::PeerDevice {
            volume: self.volume?,
            replication: self
                .replication
                .clone()
                .unwrap_or_else(|| ReplicationState::Other(String::new())),
            peer_disk: self.peer_disk.clone(),
            peer_client: self.peer_client,
            resync_suspended: self.resync_suspension_reasons(),
            out_of_sync_kib: self.out_of_sync_kib,
            sent_kib: self.sent,
            received_kib: self.received,
            sync: self.sync_progress(),
        })
    }
}
