//! Hand-built statuses for the renderer tests (the parsers are tested in their own crate).

use crate::input::Report;
use drbd_status::model::{Connection, Device, PeerDevice, Resource, SyncProgress};
use drbd_status::states::{ConnState8, ConnectionState, DiskState, ReplicationState, Role};
use drbd_status::{Diagnostic, Format, Status};

pub fn device(volume: u32, minor: Option<u32>, disk: DiskState) -> Device {
    Device {
        volume,
        minor,
        disk: Some(disk),
        client: None,
        quorum: None,
        open: None,
        size_kib: None,
        read_kib: None,
        written_kib: None,
    }
}

pub fn peer_device(volume: u32, replication: ReplicationState, peer_disk: DiskState) -> PeerDevice {
    PeerDevice {
        volume,
        replication,
        peer_disk: Some(peer_disk),
        peer_client: None,
        resync_suspended: vec![],
        out_of_sync_kib: Some(0),
        sent_kib: None,
        received_kib: None,
        sync: None,
    }
}

pub fn connection(
    name: &str,
    state: ConnectionState,
    peer_role: Role,
    peer_devices: Vec<PeerDevice>,
) -> Connection {
    Connection {
        name: name.into(),
        peer_node_id: None,
        state,
        peer_role,
        congested: None,
        cs8: None,
        peer_devices,
    }
}

pub fn resource(
    name: &str,
    role: Role,
    devices: Vec<Device>,
    connections: Vec<Connection>,
) -> Resource {
    Resource {
        name: name.into(),
        node_id: None,
        role,
        suspended: vec![],
        may_promote: None,
        split_brain_reported: false,
        devices,
        connections,
    }
}

/// minor-0: Connected Primary/Secondary UpToDate/UpToDate, as a DRBD 8.4 /proc/drbd says it.
pub fn connected_primary() -> Resource {
    let pd = peer_device(0, ReplicationState::Established, DiskState::UpToDate);
    let mut c = connection(
        "peer",
        ConnectionState::Connected,
        Role::Secondary,
        vec![pd],
    );
    c.cs8 = Some(ConnState8::Connected);
    resource(
        "minor-0",
        Role::Primary,
        vec![device(0, Some(0), DiskState::UpToDate)],
        vec![c],
    )
}

/// minor-1: SyncTarget at 34.5 %, 3 min 56 s to go.
pub fn sync_target() -> Resource {
    let mut pd = peer_device(0, ReplicationState::SyncTarget, DiskState::UpToDate);
    pd.out_of_sync_kib = Some(686_920);
    pd.sync = Some(SyncProgress {
        verify: false,
        percent: Some(34.5),
        remaining_kib: Some(686_920),
        total_kib: Some(1_048_576),
        speed_kib_s: Some(2_908),
        eta_seconds: Some(236),
        stalled: false,
    });
    let mut c = connection("peer", ConnectionState::Connected, Role::Primary, vec![pd]);
    c.cs8 = Some(ConnState8::SyncTarget);
    resource(
        "minor-1",
        Role::Secondary,
        vec![device(0, Some(1), DiskState::Inconsistent)],
        vec![c],
    )
}

pub fn status(resources: Vec<Resource>) -> Status {
    Status {
        format: Format::ProcDrbd8,
        drbd_version: Some("8.4.11-1".into()),
        has_device_info: true,
        resources,
    }
}

pub fn report(status: Status, diagnostics: Vec<Diagnostic>) -> Report {
    Report {
        origin: "/proc/drbd".into(),
        status,
        diagnostics,
    }
}
