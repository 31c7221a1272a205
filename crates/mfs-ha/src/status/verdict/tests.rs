//! The verdict on reports built like the lab's nodes, one fault at a time.

use std::path::PathBuf;

use super::*;
use crate::status::gather::{GroupState, ResourceState};
use crate::status::heartbeat::{LinkView, NodeView};

fn node(name: &str, status: &str, links: &[&str]) -> NodeView {
    NodeView {
        name: name.into(),
        status: status.into(),
        links: links
            .iter()
            .enumerate()
            .map(|(i, s)| LinkView {
                name: format!("eth{}", i + 1),
                status: s.to_string(),
            })
            .collect(),
    }
}

/// mfs-master holding the group, everything healthy, two heartbeat links.
fn healthy() -> Report {
    let res = |name: &str| ResourceState {
        resource: name.into(),
        script: Some(PathBuf::from(format!("/etc/ha.d/resource.d/{name}"))),
        running: true,
        said: "running".into(),
    };
    Report {
        node: "mfs-master".into(),
        peer: Some("mfs-bak".into()),
        time: "now".into(),
        media: vec!["bcast eth1".into(), "bcast eth2".into()],
        heartbeat: HeartbeatView {
            running: true,
            error: None,
            nodes: vec![
                node("mfs-bak", "active", &["up", "up"]),
                node("mfs-master", "active", &["up", "up"]),
            ],
            rscstatus: Some("local".into()),
        },
        groups: vec![Holding {
            group: GroupState {
                key: "Initdrbd".into(),
                preferred_node: "mfs-master".into(),
                resources: vec![res("Initdrbd"), res("mfsmaster"), res("192.168.8.210")],
            },
            holder: Some("mfs-master".into()),
            books_say_here: Some(true),
        }],
        drbd: DrbdState {
            resource: "r0".into(),
            role: Some("Primary".into()),
            peer_role: Some("Secondary".into()),
            disk: Some("UpToDate".into()),
            peer_disk: Some("UpToDate".into()),
            connection: Some("Connected".into()),
            ..DrbdState::default()
        },
        mount: MountState {
            mount_point: "/usr/local/mfs".into(),
            mounted: true,
            source: Some("/dev/drbd1".into()),
            fstype: Some("ext4".into()),
        },
        master: Some(MasterState {
            asked: "127.0.0.1:9421".into(),
            answered: true,
            metadata_version: Some(156),
            chunkservers: Some(2),
            chunkservers_connected: Some(2),
            clients_connected: Some(1),
            ..MasterState::default()
        }),
        metalogger: None,
        vip: Some("192.168.8.210".into()),
        vip_holder: Some(VipHolder::ThisNode {
            interface: "eth0:0".into(),
            mac: "02:00:00:00:00:01".into(),
        }),
        notes: vec![],
    }
}

fn limits() -> Limits {
    Limits {
        metalogger_lag: 1000,
    }
}

fn verdict_of(r: &Report) -> Verdict {
    judge(r, limits())
}

#[test]
fn a_healthy_pair_is_ready() {
    let v = verdict_of(&healthy());
    assert_eq!(v.level, Level::Ok, "{v:?}");
    assert_eq!(v.summary, "ready to fail over");
}

#[test]
fn one_heartbeat_path_is_a_warning() {
    let mut r = healthy();
    r.media.pop();
    r.heartbeat.nodes[0] = node("mfs-bak", "active", &["up"]);
    let v = verdict_of(&r);
    assert_eq!(v.level, Level::Warning);
    assert!(
        v.summary
            .contains("no heartbeat path redundancy: 1 link(s) up to mfs-bak (1 configured)"),
        "{}",
        v.summary
    );
}

#[test]
fn a_peer_disk_not_uptodate_blocks_the_failover() {
    let mut r = healthy();
    r.drbd.peer_disk = Some("Outdated".into());
    let v = verdict_of(&r);
    assert_eq!(v.level, Level::Critical);
    assert_eq!(
        v.summary,
        "NOT ready to fail over: DRBD r0: peer disk is Outdated, Initdrbd on the peer would refuse to promote"
    );
}

#[test]
fn a_resync_is_a_warning_with_its_eta() {
    let mut r = healthy();
    r.drbd.connection = Some("SyncSource".into());
    r.drbd.peer_disk = Some("Inconsistent".into());
    r.drbd.resync_percent = Some(25.0);
    r.drbd.resync_eta_seconds = Some(100);
    let v = verdict_of(&r);
    assert_eq!(v.level, Level::Warning);
    assert!(
        v.summary.contains("resyncing 25.0%, about 1m40s left"),
        "{}",
        v.summary
    );
}

#[test]
fn a_dead_peer_or_a_disconnected_drbd_is_critical() {
    let mut r = healthy();
    r.heartbeat.nodes[0] = node("mfs-bak", "dead", &["dead", "dead"]);
    r.drbd.connection = Some("WFConnection".into());
    r.drbd.peer_disk = Some("DUnknown".into());
    let v = verdict_of(&r);
    assert_eq!(v.level, Level::Critical);
    assert_eq!(
        v.summary,
        "NOT ready to fail over: peer mfs-bak is dead: nothing to fail over to"
    );
    assert!(
        v.reasons
            .iter()
            .any(|x| x.contains("WFConnection (not Connected)")),
        "{v:?}"
    );
}

#[test]
fn a_metalogger_far_behind_is_a_warning() {
    let mut r = healthy();
    r.metalogger = Some(MetaloggerState {
        data_path: "/var/lib/mfs".into(),
        version: Some(100),
        newest_file: None,
        lag_versions: Some(5000),
    });
    let v = verdict_of(&r);
    assert_eq!(v.level, Level::Warning);
    assert!(
        v.summary
            .contains("metalogger behind the master by 5000 changes"),
        "{}",
        v.summary
    );
}

#[test]
fn a_half_running_group_and_a_silent_master_are_critical() {
    let mut r = healthy();
    r.groups[0].group.resources[1].running = false;
    r.groups[0].holder = None;
    r.master = Some(MasterState {
        asked: "127.0.0.1:9421".into(),
        error: Some("cannot connect".into()),
        ..MasterState::default()
    });
    let v = verdict_of(&r);
    assert_eq!(v.level, Level::Critical);
    assert!(
        v.summary
            .contains("group Initdrbd is half running here: mfsmaster not running"),
        "{}",
        v.summary
    );
}

#[test]
fn another_mac_answering_for_our_vip_is_critical() {
    let mut r = healthy();
    r.vip_holder = Some(VipHolder::Other {
        interface: "eth0".into(),
        mac: "02:00:00:00:00:99".into(),
    });
    let v = verdict_of(&r);
    assert_eq!(v.level, Level::Critical);
    assert!(v
        .summary
        .contains("another host (02:00:00:00:00:99) answers for 192.168.8.210"));
}

#[test]
fn heartbeat_down_is_critical_and_named() {
    let mut r = healthy();
    r.heartbeat = HeartbeatView {
        running: false,
        error: Some("Heartbeat is stopped on this machine.".into()),
        ..HeartbeatView::default()
    };
    let v = verdict_of(&r);
    assert_eq!(v.level, Level::Critical);
    assert!(v
        .summary
        .contains("heartbeat is not running here (Heartbeat is stopped on this machine.)"));
}

#[test]
fn the_nagios_line_carries_level_summary_and_perfdata() {
    let r = healthy();
    let v = verdict_of(&r);
    let line = crate::status::render::nagios(&r, &v);
    assert_eq!(
        line.lines().next().unwrap(),
        "MFS-HA OK - ready to fail over|metadata_version=156c chunkservers=2 clients=1"
    );
}
