//! Builds the typed document from the generic JSON value, one object at a time.

use super::fields::Fields;
use super::{
    Connection, Device, DeviceStats, HostAddress, Path, PeerDevice, Resource, SyncDetails,
};
use crate::diag::Diagnostic;
use crate::states::{ConnectionState, DiskState, ReplicationState, Role};
use serde_json::Value;
use std::collections::BTreeMap;

pub fn resource(value: Value, index: usize, diags: &mut Vec<Diagnostic>) -> Option<Resource> {
    let mut f = Fields::of(value, format!("resources[{index}]"), diags)?;
    let name = f.required_string("name");
    if let Some(name) = &name {
        f.relabel(format!("resource \"{name}\""));
    }
    let at = f.at().to_string();
    let mut resource = Resource {
        node_id: f.i64("node-id"),
        role: f.required_string("role").map(|r| Role::from(r.as_str())),
        suspended: f.bool("suspended"),
        suspended_user: f.bool("suspended-user"),
        suspended_no_data: f.bool("suspended-no-data"),
        suspended_fencing: f.bool("suspended-fencing"),
        suspended_quorum: f.bool("suspended-quorum"),
        force_io_failures: f.bool("force-io-failures"),
        write_ordering: f.string("write-ordering"),
        devices: vec![],
        connections: vec![],
        leftovers: Default::default(),
        name,
    };
    let devices = f.array("devices").unwrap_or_default();
    for (i, item) in devices.into_iter().enumerate() {
        resource.devices.extend(device(item, &at, i, f.diags));
    }
    let connections = f.array("connections").unwrap_or_default();
    for (i, item) in connections.into_iter().enumerate() {
        resource
            .connections
            .extend(connection(item, &at, i, f.diags));
    }
    resource.leftovers = f.finish();
    Some(resource)
}

fn device(value: Value, parent: &str, index: usize, diags: &mut Vec<Diagnostic>) -> Option<Device> {
    let mut f = Fields::of(value, format!("{parent} devices[{index}]"), diags)?;
    let volume = f.required_u32("volume");
    if let Some(volume) = volume {
        f.relabel(format!("{parent} volume {volume}"));
    }
    let device = Device {
        volume,
        minor: f.u32("minor"),
        disk: f
            .required_string("disk-state")
            .map(|d| DiskState::from(d.as_str())),
        client: f.bool("client"),
        open: f.bool("open"),
        quorum: f.bool("quorum"),
        stats: DeviceStats {
            size: f.u64("size"),
            read: f.u64("read"),
            written: f.u64("written"),
            al_writes: f.u64("al-writes"),
            bm_writes: f.u64("bm-writes"),
            upper_pending: f.u64("upper-pending"),
            lower_pending: f.u64("lower-pending"),
        },
        leftovers: Default::default(),
    };
    Some(Device {
        leftovers: f.finish(),
        ..device
    })
}

fn connection(
    value: Value,
    parent: &str,
    index: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<Connection> {
    let mut f = Fields::of(value, format!("{parent} connections[{index}]"), diags)?;
    let name = f.string("name");
    if let Some(name) = &name {
        f.relabel(format!("{parent} connection \"{name}\""));
    }
    let at = f.at().to_string();
    let mut connection = Connection {
        peer_node_id: f.i64("peer-node-id"),
        connection: f
            .required_string("connection-state")
            .map(|c| ConnectionState::from(c.as_str())),
        role: f.string("peer-role").map(|r| Role::from(r.as_str())),
        congested: f.bool("congested"),
        tls: f.bool("tls"),
        ap_in_flight: f.u64("ap-in-flight"),
        rs_in_flight: f.u64("rs-in-flight"),
        paths: None,
        peer_devices: vec![],
        leftovers: Default::default(),
        name,
    };
    if let Some(items) = f.array("paths") {
        let paths = items
            .into_iter()
            .enumerate()
            .filter_map(|(i, item)| path(item, &format!("{at} paths[{i}]"), f.diags))
            .collect();
        connection.paths = Some(paths);
    }
    for (i, item) in f
        .array("peer_devices")
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        connection
            .peer_devices
            .extend(peer_device(item, &at, i, f.diags));
    }
    connection.leftovers = f.finish();
    Some(connection)
}

fn path(value: Value, at: &str, diags: &mut Vec<Diagnostic>) -> Option<Path> {
    let mut f = Fields::of(value, at.to_string(), diags)?;
    let this_host = f.object("this_host");
    let remote_host = f.object("remote_host");
    let path = Path {
        this_host: this_host.and_then(|v| host(v, &format!("{at} this_host"), f.diags)),
        remote_host: remote_host.and_then(|v| host(v, &format!("{at} remote_host"), f.diags)),
        established: f.bool("established"),
        leftovers: Default::default(),
    };
    Some(Path {
        leftovers: f.finish(),
        ..path
    })
}

fn host(value: Value, at: &str, diags: &mut Vec<Diagnostic>) -> Option<HostAddress> {
    let mut f = Fields::of(value, at.to_string(), diags)?;
    let host = HostAddress {
        address: f.string("address"),
        port: f.u32("port"),
        family: f.string("family"),
        leftovers: Default::default(),
    };
    Some(HostAddress {
        leftovers: f.finish(),
        ..host
    })
}

fn peer_device(
    value: Value,
    parent: &str,
    index: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<PeerDevice> {
    let mut f = Fields::of(value, format!("{parent} peer_devices[{index}]"), diags)?;
    let volume = f.required_u32("volume");
    if let Some(volume) = volume {
        f.relabel(format!("{parent} volume {volume}"));
    }
    let mut sync = BTreeMap::new();
    for (key, value) in f.take_matching(SyncDetails::is_sync_key) {
        if let Some(number) = f.raw_number(&key, value) {
            sync.insert(key, number);
        }
    }
    let peer_device = PeerDevice {
        volume,
        replication: f
            .required_string("replication-state")
            .map(|r| ReplicationState::from(r.as_str())),
        peer_disk: f
            .string("peer-disk-state")
            .map(|d| DiskState::from(d.as_str())),
        peer_client: f.bool("peer-client"),
        resync_suspended: f.string("resync-suspended"),
        received: f.u64("received"),
        sent: f.u64("sent"),
        out_of_sync_kib: f.u64("out-of-sync"),
        pending: f.u64("pending"),
        unacked: f.u64("unacked"),
        has_sync_details: f.bool("has-sync-details"),
        has_online_verify_details: f.bool("has-online-verify-details"),
        percent_in_sync: f.f64("percent-in-sync"),
        sync: (!sync.is_empty()).then_some(SyncDetails(sync)),
        leftovers: Default::default(),
    };
    Some(PeerDevice {
        leftovers: f.finish(),
        ..peer_device
    })
}
