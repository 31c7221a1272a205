//! The folded events2 state as the shared [`Status`] model.

use super::state::{ConnectionEntry, Events2State, KeyValues, ResourceState};
use crate::model::{Connection, Device, Format, PeerDevice, Resource, Status, SyncProgress};
use crate::states::{ConnectionState, DiskState, ReplicationState, Role};
use crate::text::reason_list;

impl Events2State {
    /// Converts the current state into the shared model, ordered by name / volume / peer id.
    pub fn to_status(&self) -> Status {
        Status {
            format: Format::Events2,
            drbd_version: None,
            has_device_info: true,
            resources: self
                .resources
                .iter()
                .map(|(name, r)| resource(name, r))
                .collect(),
        }
    }
}

fn resource(name: &str, r: &ResourceState) -> Resource {
    let mut connections: Vec<Connection> = r
        .connections
        .iter()
        .map(|(name, c)| connection(name, c))
        .collect();
    connections.sort_by(|a, b| {
        (a.peer_node_id.unwrap_or(i64::MAX), &a.name)
            .cmp(&(b.peer_node_id.unwrap_or(i64::MAX), &b.name))
    });
    Resource {
        name: name.to_string(),
        node_id: r.keys.get("node-id").and_then(|v| v.parse().ok()),
        role: r.keys.get("role").map_or(Role::Unknown, Role::from),
        suspended: reason_list(r.keys.get("suspended")),
        may_promote: yes_no(r.keys.get("may_promote")),
        split_brain_reported: r.split_brain_reported,
        devices: r
            .devices
            .iter()
            .map(|(&volume, d)| device(volume, d))
            .collect(),
        connections,
    }
}

fn device(volume: u32, d: &KeyValues) -> Device {
    Device {
        volume,
        minor: number(d.get("minor")),
        disk: d.get("disk").map(DiskState::from),
        client: yes_no(d.get("client")),
        quorum: yes_no(d.get("quorum")),
        open: yes_no(d.get("open")),
        size_kib: number(d.get("size")),
        read_kib: number(d.get("read")),
        written_kib: number(d.get("written")),
    }
}

fn connection(name: &str, c: &ConnectionEntry) -> Connection {
    Connection {
        name: name.to_string(),
        peer_node_id: c.keys.get("peer-node-id").and_then(|v| v.parse().ok()),
        state: c
            .keys
            .get("connection")
            .map_or_else(|| ConnectionState::Other("?".into()), ConnectionState::from),
        peer_role: c.keys.get("role").map_or(Role::Unknown, Role::from),
        congested: yes_no(c.keys.get("congested")),
        cs8: None,
        peer_devices: c
            .peer_devices
            .iter()
            .map(|(&volume, p)| peer_device(volume, p))
            .collect(),
    }
}

fn peer_device(volume: u32, p: &KeyValues) -> PeerDevice {
    let replication = p.get("replication").map_or_else(
        || ReplicationState::Other("?".into()),
        ReplicationState::from,
    );
    let sync = p.get("done").map(|done| SyncProgress {
        verify: replication.is_verifying(),
        percent: decimal(done).filter(|v| (0.0..=100.0).contains(v)),
        eta_seconds: number(p.get("eta")),
        // dbdt1 is MiB/s.
        speed_kib_s: p
            .get("dbdt1")
            .and_then(decimal)
            .filter(|v| *v >= 0.0)
            .map(|mib| (mib * 1024.0).round() as u64),
        ..SyncProgress::default()
    });
    PeerDevice {
        volume,
        peer_disk: p.get("peer-disk").map(DiskState::from),
        peer_client: yes_no(p.get("peer-client")),
        resync_suspended: reason_list(p.get("resync-suspended")),
        out_of_sync_kib: number(p.get("out-of-sync")),
        sent_kib: number(p.get("sent")),
        received_kib: number(p.get("received")),
        sync,
        replication,
    }
}

/// `yes`/`no`; anything else (`unknown`, garbage) is "not known".
fn yes_no(raw: Option<&str>) -> Option<bool> {
    match raw? {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

fn number<T: std::str::FromStr>(raw: Option<&str>) -> Option<T> {
    raw?.parse().ok()
}

/// A finite decimal (`37.50`); `nan`/`inf` are no value.
fn decimal(raw: &str) -> Option<f64> {
    raw.parse::<f64>().ok().filter(|v| v.is_finite())
}
