//! The facts an operator (and an agent) reads from each fixture written for this test: roles,
//! disk states, connection and replication, resync progress, out-of-sync data and the verdict.
//! The fixtures follow the kernel's and drbd-utils' printf formats, one per DRBD generation
//! and output mode (see tests/fixtures/*/ and the DRBD status-format notes).

use drbd_status::health::Level;
use drbd_status::model::{Connection, PeerDevice, Resource};
use drbd_status::states::{ConnState8, ConnectionState, DiskState, ReplicationState, Role};
use drbd_status::{Format, Status};

fn read(path: &str) -> Status {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    let parsed = drbd_status::parse(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(
        !parsed.has_errors(),
        "{path}: {:?}",
        parsed
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    );
    parsed.doc.to_status()
}

fn res<'a>(s: &'a Status, name: &str) -> &'a Resource {
    s.resource(name)
        .unwrap_or_else(|| panic!("no resource {name}"))
}

fn conn<'a>(r: &'a Resource, name: &str) -> &'a Connection {
    r.connections
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("{}: no connection {name}", r.name))
}

fn vol(c: &Connection, volume: u32) -> &PeerDevice {
    c.peer_devices
        .iter()
        .find(|p| p.volume == volume)
        .unwrap_or_else(|| panic!("{}: no volume {volume}", c.name))
}

fn disk(r: &Resource, volume: u32) -> Option<&DiskState> {
    r.devices
        .iter()
        .find(|d| d.volume == volume)
        .and_then(|d| d.disk.as_ref())
}

/// Local role and disk, connection, replication, peer role and peer disk of a one-peer minor.
fn picture(
    r: &Resource,
) -> (
    &Role,
    Option<&DiskState>,
    &ConnectionState,
    &ReplicationState,
    &Role,
    Option<&DiskState>,
) {
    let c = &r.connections[0];
    let p = &c.peer_devices[0];
    (
        &r.role,
        disk(r, 0),
        &c.state,
        &p.replication,
        &c.peer_role,
        p.peer_disk.as_ref(),
    )
}

use ConnectionState as C;
use DiskState as D;
use ReplicationState as R;

#[test]
fn drbd_8_0_st_key_stalled_resync_and_waiting_peer() {
    let s = read("proc/drbd80-synctarget-stalled-wfconnection.txt");
    assert_eq!(s.format, Format::ProcDrbd8);
    assert_eq!(s.drbd_version.as_deref(), Some("8.0.14"));
    assert_eq!(
        s.resources.len(),
        2,
        "the Unconfigured minor 2 is no resource"
    );
    let target = res(&s, "minor-0");
    assert_eq!(
        picture(target),
        (
            &Role::Secondary,
            Some(&D::Inconsistent),
            &C::Connected,
            &R::SyncTarget,
            &Role::Primary,
            Some(&D::UpToDate)
        )
    );
    let sync = vol(&target.connections[0], 0).sync.clone().unwrap();
    assert_eq!(sync.percent, Some(10.3));
    assert!(sync.stalled && !sync.verify);
    assert_eq!(
        (sync.remaining_kib, sync.total_kib),
        (Some(1_536_000), Some(1_712_128))
    );
    assert_eq!(sync.eta_seconds, None, "a stalled resync has no estimate");
    assert_eq!(
        vol(&target.connections[0], 0).out_of_sync_kib,
        None,
        "8.0 prints no oos:"
    );
    let waiting = res(&s, "minor-1");
    assert_eq!(waiting.connections[0].cs8, Some(ConnState8::WFConnection));
    assert_eq!(
        picture(waiting),
        (
            &Role::Primary,
            Some(&D::UpToDate),
            &C::Connecting,
            &R::Off,
            &Role::Unknown,
            Some(&D::DUnknown)
        )
    );
    assert_eq!(s.health().level, Level::Warning);
}

#[test]
fn drbd_8_2_legacy_verify_paused_and_starting_resync() {
    let s = read("proc/drbd827-verify-legacy-paused-starting.txt");
    let verify = res(&s, "minor-0");
    assert_eq!(picture(verify).3, &R::VerifyS);
    let sync = vol(&verify.connections[0], 0).sync.clone().unwrap();
    assert!(sync.verify);
    assert_eq!(sync.percent, Some(42.0));
    assert!(!verify.resync_in_progress(), "verify is not a resync");
    let paused = res(&s, "minor-1");
    let pd = vol(&paused.connections[0], 0);
    assert_eq!(pd.replication, R::PausedSyncT);
    assert_eq!(pd.resync_suspended, ["peer"]);
    assert_eq!(pd.out_of_sync_kib, Some(524_288));
    assert!(paused.resync_in_progress());
    let starting = res(&s, "minor-2");
    assert_eq!(picture(starting).3, &R::StartingSyncS);
    assert_eq!(picture(starting).5, Some(&D::Inconsistent));
    let h = s.health();
    assert_eq!(h.level, Level::Warning, "{:?}", h.reasons);
}

#[test]
fn drbd_8_3_ahead_behind_bitmap_exchange_and_mib_progress() {
    let s = read("proc/drbd8311-ahead-behind-wfbitmap-mib.txt");
    let ahead = res(&s, "minor-0");
    assert_eq!(picture(ahead).3, &R::Ahead);
    assert_eq!(vol(&ahead.connections[0], 0).out_of_sync_kib, Some(11_264));
    assert_eq!(picture(res(&s, "minor-1")).3, &R::WFBitMapS);
    let source = res(&s, "minor-3");
    let sync = vol(&source.connections[0], 0).sync.clone().unwrap();
    assert_eq!(sync.percent, Some(30.0));
    assert_eq!(sync.remaining_kib, Some(7168 * 1024), "M is MiB");
    assert_eq!(sync.total_kib, Some(10_236 * 1024));
    assert_eq!(sync.speed_kib_s, Some(40_012));
    assert_eq!(sync.eta_seconds, Some(183));
    let behind = res(&s, "minor-4");
    assert_eq!(
        picture(behind),
        (
            &Role::Secondary,
            Some(&D::Outdated),
            &C::Connected,
            &R::Behind,
            &Role::Primary,
            Some(&D::UpToDate)
        )
    );
    assert_eq!(behind.health().level, Level::Critical, "Outdated data");
    assert_eq!(ahead.health().level, Level::Warning, "peer falls behind");
}

#[test]
fn drbd_8_4_split_brain_suspended_io_and_stalled_want() {
    let s = read("proc/drbd8411-split-brain-suspended-stalled.txt");
    let alone = res(&s, "minor-0");
    assert_eq!(picture(alone).2, &C::StandAlone);
    assert!(alone.split_brain_suspected());
    assert_eq!(alone.health().level, Level::Critical);
    let frozen = res(&s, "minor-1");
    assert!(!frozen.suspended.is_empty(), "flag s: I/O suspended");
    assert_eq!(frozen.health().level, Level::Critical);
    let target = res(&s, "minor-2");
    let pd = vol(&target.connections[0], 0);
    assert_eq!(pd.out_of_sync_kib, Some(890_880));
    let sync = pd.sync.clone().unwrap();
    assert_eq!(sync.percent, Some(57.6));
    assert!(sync.stalled);
    assert_eq!(sync.eta_seconds, None, "(stalled): the estimate is stale");
    assert_eq!(s.health().level, Level::Critical);
}

#[test]
fn drbd_9_proc_has_no_device_state_with_any_transports() {
    for (path, version) in [
        ("proc/drbd9212-tcp-rdma.txt", "9.2.12"),
        ("proc/drbd9032-no-transport-loaded.txt", "9.0.32-1"),
    ] {
        let s = read(path);
        assert_eq!(s.format, Format::ProcDrbd9, "{path}");
        assert_eq!(s.drbd_version.as_deref(), Some(version));
        assert!(!s.has_device_info && s.resources.is_empty());
        assert_eq!(s.health().level, Level::Unknown, "no state is no verdict");
    }
}

#[test]
fn text_status_three_peers_two_volumes_and_paused_sync() {
    let s = read("text/three-peers-two-volumes.txt");
    assert_eq!(s.format, Format::StatusText);
    let meta = res(&s, "mfs-meta");
    assert_eq!(
        (disk(meta, 0), disk(meta, 1)),
        (Some(&D::UpToDate), Some(&D::UpToDate))
    );
    let b = conn(meta, "node-b");
    assert_eq!((&b.state, &b.peer_role), (&C::Connected, &Role::Secondary));
    assert_eq!(vol(b, 0).replication, R::Established);
    let syncing = vol(b, 1);
    assert_eq!(syncing.replication, R::SyncSource);
    assert_eq!(syncing.peer_disk, Some(D::Inconsistent));
    assert_eq!(syncing.sync.as_ref().and_then(|p| p.percent), Some(41.67));
    assert_eq!(conn(meta, "node-c").state, C::Connecting);
    assert_eq!(conn(meta, "node-d").state, C::StandAlone);
    assert_eq!(meta.health().level, Level::Critical, "StandAlone peer");
    let data = res(&s, "mfs-data");
    let paused = vol(conn(data, "node-a"), 0);
    assert_eq!(paused.replication, R::PausedSyncT);
    assert_eq!(paused.resync_suspended, ["user", "dependency"]);
    assert_eq!(data.health().level, Level::Warning);
}

#[test]
fn text_status_suspended_quorum_and_diskless_clients() {
    let s = read("text/suspended-quorum-and-clients.txt");
    let web = res(&s, "web");
    assert_eq!(web.suspended, ["quorum"]);
    assert_eq!(web.devices[0].quorum, Some(false));
    assert_eq!(conn(web, "node-b").state, C::NetworkFailure);
    assert_eq!(conn(web, "node-c").state, C::BrokenPipe);
    assert_eq!(web.health().level, Level::Critical);
    let client = res(&s, "client-vol");
    assert_eq!(disk(client, 0), Some(&D::Diskless));
    assert_eq!(client.devices[0].client, Some(true));
    assert_eq!(vol(conn(client, "node-b"), 0).peer_client, Some(true));
    assert_eq!(
        client.health().level,
        Level::Ok,
        "intentional diskless on both sides"
    );
    let fenced = res(&s, "fenced");
    assert_eq!(fenced.suspended, ["fencing", "quorum"]);
    assert_eq!(conn(fenced, "node-b").state, C::Unconnected);
}

#[test]
fn text_status_verbose_transient_connection_states() {
    let s = read("text/verbose-unwrapped-transient-states.txt");
    let db = res(&s, "db");
    assert_eq!(db.node_id, Some(0));
    assert_eq!(disk(db, 0), Some(&D::Outdated));
    assert_eq!(vol(conn(db, "node-b"), 0).replication, R::WFBitMapT);
    assert_eq!(conn(db, "node-b").peer_node_id, Some(1));
    assert_eq!(conn(db, "node-c").state, C::Timeout);
    assert_eq!(conn(db, "node-d").state, C::TearDown);
    let logs = res(&s, "logs");
    let b = conn(logs, "node-b");
    assert_eq!(b.congested, Some(true));
    assert_eq!(vol(b, 0).replication, R::Ahead);
    assert_eq!(conn(logs, "node-c").state, C::ProtocolError);
    assert_eq!(conn(logs, "node-d").state, C::Disconnecting);
    assert!(s.unknown_values().is_empty());
    assert_eq!(s.health().level, Level::Critical);
}

#[test]
fn json_of_drbd_utils_9_13_without_newer_keys() {
    let s = read("json/utils-9.13-two-peers-two-volumes.json");
    assert_eq!(s.format, Format::StatusJson);
    let r = res(&s, "mfs-meta");
    assert_eq!(
        (disk(r, 0), disk(r, 1)),
        (Some(&D::Inconsistent), Some(&D::UpToDate))
    );
    assert_eq!(r.devices[0].open, None, "open: arrived in 9.30");
    let b = conn(r, "node-b");
    let target = vol(b, 0);
    assert_eq!(target.replication, R::SyncTarget);
    assert_eq!(target.out_of_sync_kib, Some(2_621_440));
    let sync = target.sync.clone().unwrap();
    assert_eq!(sync.percent, Some(37.5));
    assert_eq!(sync.eta_seconds, Some(51));
    let c = conn(r, "node-c");
    assert_eq!((&c.state, &c.peer_role), (&C::Connecting, &Role::Unknown));
    assert_eq!(vol(c, 0).out_of_sync_kib, Some(4_194_304));
    assert_eq!(r.health().level, Level::Warning);
}

#[test]
fn json_of_drbd_utils_9_30_paths_verify_and_quorum_suspension() {
    let s = read("json/utils-9.30-paths-verify-suspended.json");
    let r = res(&s, "db");
    assert_eq!(r.node_id, Some(2));
    assert_eq!(r.suspended, ["quorum"]);
    assert_eq!(r.devices[0].quorum, Some(false));
    assert_eq!(r.devices[0].open, Some(true));
    let a = conn(r, "node-a");
    assert_eq!(a.state, C::StandAlone);
    assert_eq!(vol(a, 0).out_of_sync_kib, Some(8192));
    assert!(r.split_brain_suspected());
    let verify = vol(conn(r, "node-b"), 0);
    assert_eq!(verify.replication, R::VerifyS);
    let sync = verify.sync.clone().unwrap();
    assert!(sync.verify);
    assert_eq!(sync.percent, Some(25.0));
    assert_eq!(sync.eta_seconds, None, "987654321 means no estimate");
    assert_eq!(r.health().level, Level::Critical);
}

#[test]
fn events2_now_dump_with_paths_and_out_of_order_objects() {
    let s = read("events2/now-two-peers-two-volumes.txt");
    assert_eq!(s.format, Format::Events2);
    let r = res(&s, "mfs-meta");
    assert_eq!(r.role, Role::Primary);
    assert_eq!(r.may_promote, Some(false));
    let volumes: Vec<u32> = r.devices.iter().map(|d| d.volume).collect();
    assert_eq!(
        volumes,
        [0, 1],
        "devices by volume, whatever the order printed"
    );
    let b = conn(r, "node-b");
    assert_eq!(b.peer_node_id, Some(1));
    assert_eq!(vol(b, 1).replication, R::SyncSource);
    assert_eq!(vol(b, 1).sync.as_ref().and_then(|p| p.percent), Some(12.5));
    assert_eq!(conn(r, "node-c").state, C::Connecting);
    assert_eq!(r.health().level, Level::Warning);
}

#[test]
fn events2_statistics_verify_end_and_split_brain_helper() {
    let s = read("events2/statistics-timestamps-verify-then-split-brain.txt");
    let r = res(&s, "data");
    let c = conn(r, "peer-b");
    assert_eq!((&c.state, &c.peer_role), (&C::StandAlone, &Role::Unknown));
    let pd = vol(c, 0);
    assert_eq!(pd.replication, R::Off);
    assert_eq!(pd.sync, None, "progress dropped when verify ended");
    assert_eq!(pd.out_of_sync_kib, Some(4096));
    assert_eq!(r.devices[0].written_kib, Some(69_632));
    assert!(r.split_brain_reported);
    assert_eq!(r.health().level, Level::Critical);
}

#[test]
fn events2_diff_values_and_fence_peer_helper() {
    let s = read("events2/diff-fence-peer-outdated.txt");
    let r = res(&s, "vm1");
    assert!(r.suspended.is_empty(), "suspended:fencing->no");
    let c = conn(r, "node-b");
    assert_eq!(c.state, C::Connecting);
    assert_eq!(vol(c, 0).peer_disk, Some(D::Outdated));
    assert!(!r.split_brain_reported, "fence-peer is no split brain");
    assert_eq!(r.health().level, Level::Warning);
}
