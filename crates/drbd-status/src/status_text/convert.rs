//! The text status document → the shared model.

use super::values::{Flag, Stat};
use super::{Connection, Device, PeerDevice, Resource, StatusText};
use crate::model::{self, Format, Status, SyncProgress};
use crate::states::{ConnectionState, Role};
use crate::text::reason_list;
use std::collections::BTreeMap;

impl StatusText {
    /// Converts into the shared model.
    pub fn to_status(&self) -> Status {
        Status {
            format: Format::StatusText,
            drbd_version: None,
            has_device_info: true,
            resources: self.resources.iter().map(Resource::to_model).collect(),
        }
    }
}

impl Resource {
    fn to_model(&self) -> model::Resource {
        model::Resource {
            name: self.name.clone(),
            node_id: self.node_id,
            role: self.role.clone().unwrap_or(Role::Unknown),
            suspended: reason_list(self.suspended.as_deref()),
            may_promote: None,
            split_brain_reported: false,
            devices: self.devices.iter().map(Device::to_model).collect(),
            connections: self.connections.iter().map(Connection::to_model).collect(),
        }
    }
}

impl Device {
    fn to_model(&self) -> model::Device {
        model::Device {
            volume: self.volume,
            minor: self.minor,
            disk: self.disk.clone(),
            client: yes_no(&self.client),
            quorum: yes_no(&self.quorum),
            open: yes_no(&self.open),
            size_kib: counter(&self.stats, "size"),
            read_kib: counter(&self.stats, "read"),
            written_kib: counter(&self.stats, "written"),
        }
    }
}

impl Connection {
    fn to_model(&self) -> model::Connection {
        model::Connection {
            name: self.name.clone(),
            peer_node_id: self.peer_node_id,
            state: self.connection.clone(),
            peer_role: self.peer_role(),
            congested: yes_no(&self.congested),
            cs8: None,
            peer_devices: self.peer_devices.iter().map(PeerDevice::to_model).collect(),
        }
    }

    /// The peer role; not printed means `Unknown` unless connected, where drbd-utils always
    /// prints it: then the role is unreadable and counts as "may be Primary".
    fn peer_role(&self) -> Role {
        match &self.role {
            Some(role) => role.clone(),
            None if self.connection == ConnectionState::Connected => Role::Other(String::new()),
            None => Role::Unknown,
        }
    }
}

impl PeerDevice {
    fn to_model(&self) -> model::PeerDevice {
        model::PeerDevice {
            volume: self.volume,
            replication: self.replication.clone(),
            peer_disk: self.peer_disk.clone(),
            peer_client: yes_no(&self.peer_client),
            resync_suspended: reason_list(self.resync_suspended.as_deref()),
            out_of_sync_kib: counter(&self.stats, "out-of-sync"),
            sent_kib: counter(&self.stats, "sent"),
            received_kib: counter(&self.stats, "received"),
            sync: self.sync_progress(),
        }
    }

    /// Progress of a resync or verify, present when the status printed `done:`.
    fn sync_progress(&self) -> Option<SyncProgress> {
        let percent = self.done.as_ref()?.as_f64();
        let verify = self.replication.is_verifying();
        Some(SyncProgress {
            verify,
            percent: percent.map(|p| p.clamp(0.0, 100.0)),
            // During verify out-of-sync counts differences found, not work left.
            remaining_kib: if verify {
                None
            } else {
                counter(&self.stats, "out-of-sync")
            },
            total_kib: None,
            speed_kib_s: self.stats.get("dbdt1").and_then(mib_to_kib),
            eta_seconds: self.stats.get("eta").and_then(whole_seconds),
            stalled: false,
        })
    }
}

fn yes_no(flag: &Option<Flag>) -> Option<bool> {
    flag.as_ref().and_then(Flag::as_bool)
}

fn counter(stats: &BTreeMap<String, Stat>, key: &str) -> Option<u64> {
    stats.get(key).and_then(Stat::as_u64)
}

/// MiB/s (`dbdt1:12.50`) → whole KiB/s.
fn mib_to_kib(rate: &Stat) -> Option<u64> {
    let kib = rate.as_f64()? * 1024.0;
    (kib >= 0.0 && kib < u64::MAX as f64).then(|| kib.round() as u64)
}

/// `eta:%.0f` seconds; `nan` (no progress) gives no estimate.
fn whole_seconds(eta: &Stat) -> Option<u64> {
    let seconds = eta.as_f64()?;
    (seconds >= 0.0 && seconds < u64::MAX as f64).then(|| seconds.round() as u64)
}
