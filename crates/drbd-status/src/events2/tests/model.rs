//! The folded state as the shared model.

use super::*;
use crate::states::{ConnectionState, ReplicationState, Role};

#[test]
fn statistics_keys_are_kept_and_merged() {
    let p = parsed(fixture("timestamps-statistics.txt"));
    let v = json_of(&p.doc);
    let logs = &v["final_state"]["logs"];
    assert_eq!(logs["write-ordering"], "flush");
    assert_eq!(logs["devices"]["0"]["read"], "4100");
    assert_eq!(logs["devices"]["0"]["al-writes"], "12");
    assert_eq!(logs["connections"]["alpha"]["ap-in-flight"], "0");
    assert_eq!(
        logs["connections"]["alpha"]["peer_devices"]["0"]["sent"],
        "8192"
    );
    let status = p.doc.to_status();
    let d = &status.resources[0].devices[0];
    assert_eq!(
        (d.size_kib, d.read_kib, d.written_kib),
        (Some(1048576), Some(4100), Some(8704))
    );
    let c = &status.resources[0].connections[0];
    assert_eq!((c.peer_node_id, c.congested), (Some(0), Some(false)));
    assert_eq!(c.peer_devices[0].sent_kib, Some(8192));
    assert_eq!(c.peer_devices[0].out_of_sync_kib, Some(0));
}

#[test]
fn sync_progress_comes_from_done_and_eta() {
    let input: String = fixture("sync-progress.txt")
        .lines()
        .take(7)
        .collect::<Vec<_>>()
        .join("\n");
    let status = parsed(&input).doc.to_status();
    let pd = &status.resources[0].connections[0].peer_devices[0];
    assert_eq!(pd.replication, ReplicationState::SyncSource);
    let sync = pd.sync.as_ref().expect("sync progress");
    assert!(!sync.verify);
    assert_eq!(sync.percent, Some(88.03));
    assert_eq!(sync.eta_seconds, Some(7));
    assert_eq!(sync.speed_kib_s, Some(2560));
    assert_eq!(pd.out_of_sync_kib, Some(4096));
}

#[test]
fn verify_progress_is_flagged_as_verify() {
    let status = parsed(fixture("sync-progress.txt")).doc.to_status();
    let pd = &status.resources[0].connections[0].peer_devices[0];
    assert_eq!(pd.replication, ReplicationState::VerifyS);
    let sync = pd.sync.as_ref().expect("verify progress");
    assert!(sync.verify);
    assert_eq!(sync.percent, Some(5.0));
    assert_eq!(sync.eta_seconds, None);
}

#[test]
fn unknown_values_stay_raw_in_the_model() {
    let p = parsed("exists resource name:r role:?\nexists connection name:r peer-node-id:1 conn-name:x connection:Frobbing role:TOO_LARGE\nexists -\n");
    let status = p.doc.to_status();
    let r = &status.resources[0];
    assert_eq!(r.role, Role::Other("?".into()));
    assert_eq!(
        r.connections[0].state,
        ConnectionState::Other("Frobbing".into())
    );
    assert!(r.peer_may_be_primary());
    assert_eq!(status.unknown_values().len(), 3);
}

#[test]
fn model_orders_connections_by_peer_node_id() {
    let p = parsed("exists connection name:r peer-node-id:7 conn-name:a connection:Connected role:Secondary\n\
                    exists connection name:r peer-node-id:2 conn-name:z connection:Connecting role:Unknown\nexists -\n");
    let status = p.doc.to_status();
    let names: Vec<_> = status.resources[0]
        .connections
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["z", "a"]);
    assert_eq!(status.format, crate::model::Format::Events2);
    assert!(status.has_device_info);
}
