//! Events folded into state: merging, destroy, rename, ordering, staleness, helpers.

use super::*;
use crate::diag::Severity;
use crate::states::{ConnectionState, DiskState, ReplicationState, Role};
use serde_json::json;

#[test]
fn change_lines_merge_only_the_changed_keys() {
    let v = json_of(&parsed(fixture("create-change.txt")).doc);
    let web = &v["final_state"]["web"];
    assert_eq!(web["role"], "Primary");
    assert_eq!(web["may_promote"], "no");
    assert_eq!(web["promotion_score"], "10101");
    assert_eq!(web["suspended"], "no");
    assert_eq!(
        web["devices"]["0"],
        json!({"minor": "20", "backing_dev": "/dev/vg0/web", "disk": "UpToDate",
               "client": "no", "open": "no", "quorum": "yes"})
    );
    let bravo = &web["connections"]["bravo"];
    assert_eq!(bravo["peer-node-id"], "2");
    assert_eq!(bravo["connection"], "Connected");
    assert_eq!(
        bravo["peer_devices"]["0"],
        json!({"replication": "Established", "peer-disk": "UpToDate",
               "peer-client": "no", "resync-suspended": "no"})
    );
    assert_eq!(
        bravo["paths"]["ipv4:192.168.7.1:7000 ipv4:192.168.7.2:7000"],
        json!({"established": "yes"})
    );
}

#[test]
fn skipped_marks_the_state_untrustworthy() {
    let p = parsed(fixture("skipped.txt"));
    assert!(errors(&p).is_empty());
    assert!(p.doc.state.state_may_be_stale);
    assert_eq!(p.doc.state.skipped_events, 12);
    let warning = p.diagnostics.iter().find(|d| d.line == Some(4)).unwrap();
    assert_eq!(warning.severity, Severity::Warning);
    assert_eq!(
        json_of(&p.doc)["events"][3],
        json!({"line": 4, "skipped": 12})
    );
    let r = &p.doc.to_status().resources[0];
    assert_eq!(r.suspended, vec!["user".to_string(), "no-data".to_string()]);
}

#[test]
fn a_new_full_dump_clears_staleness_and_old_objects() {
    let input = "exists resource name:a role:Secondary\nexists -\n- skipped 3\n\
                 exists resource name:b role:Primary\nexists -\n";
    let p = parsed(input);
    assert!(!p.doc.state.state_may_be_stale);
    assert_eq!(p.doc.state.initial_state_complete_at_line, Some(5));
    assert_eq!(p.doc.state.resources.keys().collect::<Vec<_>>(), ["b"]);
}

#[test]
fn done_is_dropped_when_replication_leaves_sync() {
    let input: String = fixture("sync-progress.txt")
        .lines()
        .take(8)
        .collect::<Vec<_>>()
        .join("\n");
    let p = parsed(&input);
    let pd = &p.doc.state.resources["data"].connections["east"].peer_devices[&0];
    for key in ["done", "eta", "dbdt1"] {
        assert_eq!(pd.get(key), None, "{key} kept");
    }
    assert_eq!(pd.get("sent"), Some("1024"));
    assert!(
        p.doc.to_status().resources[0].connections[0].peer_devices[0]
            .sync
            .is_none()
    );
}

#[test]
fn objects_out_of_order_are_keyed_by_id() {
    let p = parsed(fixture("out-of-order-multivolume.txt"));
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let mail = &p.doc.state.resources["mail"];
    assert_eq!(mail.devices.keys().copied().collect::<Vec<_>>(), [0, 2]);
    let west = &mail.connections["west"];
    assert_eq!(west.keys.get("peer-node-id"), Some("3"));
    assert_eq!(west.peer_devices.keys().copied().collect::<Vec<_>>(), [0]);
    let status = p.doc.to_status();
    let r = &status.resources[0];
    assert_eq!(
        r.devices.iter().map(|d| d.volume).collect::<Vec<_>>(),
        [0, 2]
    );
    assert_eq!(r.devices[1].client, Some(true));
    assert_eq!(r.may_promote, Some(true));
}

#[test]
fn multivolume_create_destroy_leaves_only_what_remains() {
    let input = "exists -\n\
        create resource name:m role:Secondary\n\
        create device name:m volume:1 minor:2 disk:Diskless\n\
        create device name:m volume:0 minor:1 disk:Diskless\n\
        destroy device name:m volume:0\n\
        destroy device name:m volume:1\n\
        create device name:m volume:0 minor:1 disk:Diskless\n";
    let p = parsed(input);
    assert_eq!(
        p.doc.state.resources["m"]
            .devices
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        [0]
    );
    let p = parsed(&format!(
        "{input}destroy device name:m volume:0\ndestroy resource name:m\n"
    ));
    assert_eq!(json_of(&p.doc)["final_state"], json!({}));
}

#[test]
fn destroy_connection_removes_its_peer_devices_and_paths() {
    let input = "exists -\n\
        create connection name:r peer-node-id:1 conn-name:p connection:Connecting role:Unknown\n\
        create peer-device name:r peer-node-id:1 conn-name:p volume:0 replication:Off\n\
        create path name:r peer-node-id:1 conn-name:p local:ipv4:1.1.1.1:1 peer:ipv4:2.2.2.2:2 established:no\n\
        destroy path name:r peer-node-id:1 conn-name:p local:ipv4:1.1.1.1:1 peer:ipv4:2.2.2.2:2\n";
    let p = parsed(input);
    assert!(p.doc.state.resources["r"].connections["p"].paths.is_empty());
    let p = parsed(&format!(
        "{input}destroy connection name:r peer-node-id:1 conn-name:p\n"
    ));
    assert!(p.doc.state.resources["r"].connections.is_empty());
}

#[test]
fn change_before_exists_creates_the_object() {
    let p = parsed(fixture("change-before-exists.txt"));
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let status = p.doc.to_status();
    let r = &status.resources[0];
    assert_eq!(r.role, Role::Secondary);
    assert_eq!(r.devices[0].disk, Some(DiskState::Inconsistent));
    let c = &r.connections[0];
    assert_eq!(
        (c.name.as_str(), c.peer_node_id, c.peer_role.clone()),
        ("fast", Some(5), Role::Primary)
    );
    assert_eq!(c.peer_devices[0].replication, ReplicationState::SyncTarget);
    assert_eq!(
        c.peer_devices[0].sync.as_ref().and_then(|s| s.percent),
        Some(3.1)
    );
}

#[test]
fn rename_rekeys_the_resource() {
    let p = parsed(fixture("rename.txt"));
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let v = json_of(&p.doc);
    assert_eq!(
        v["events"][3],
        json!({"line": 4, "action": "rename", "object": "resource",
        "fields": {"name": "old-name", "new_name": "new-name"}})
    );
    assert!(v["final_state"].get("old-name").is_none());
    assert_eq!(
        v["final_state"]["new-name"]["devices"]["0"]["disk"],
        "UpToDate"
    );
    assert_eq!(
        v["final_state"]["new-name"]["devices"]["0"]["backing_dev"],
        "/dev/sdd"
    );
}

#[test]
fn rename_of_unknown_resource_is_a_warning() {
    let p = parsed("exists -\nrename resource name:ghost new_name:spirit\n");
    assert!(errors(&p).is_empty());
    assert!(p.diagnostics.iter().any(|d| d.message.contains("ghost")));
    assert!(p.doc.state.resources.is_empty());
}

#[test]
fn split_brain_helper_marks_the_resource() {
    let p = parsed(fixture("split-brain.txt"));
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert!(p.doc.state.resources["shared"].split_brain_reported);
    let status = p.doc.to_status();
    let r = &status.resources[0];
    assert!(r.split_brain_reported);
    assert!(r.split_brain_suspected());
    assert_eq!(r.connections[0].state, ConnectionState::StandAlone);
    let other = parsed(fixture("create-change.txt")).doc.to_status();
    assert!(!other.resources[0].split_brain_reported);
}

#[test]
fn unknown_keys_are_kept_with_a_warning() {
    let p = parsed("exists -\ncreate device name:r volume:0 minor:1 disk:UpToDate shiny:yes\n");
    assert!(errors(&p).is_empty());
    let warning = p
        .diagnostics
        .iter()
        .find(|d| d.message.contains("shiny"))
        .unwrap();
    assert_eq!(warning.severity, Severity::Warning);
    assert_eq!(
        p.doc.state.resources["r"].devices[&0].get("shiny"),
        Some("yes")
    );
}

#[test]
fn unknown_objects_are_kept_with_a_warning() {
    let p = parsed("exists -\ncreate gizmo name:r volume:0\n");
    assert!(errors(&p).is_empty());
    assert_eq!(json_of(&p.doc)["events"][1]["object"], "gizmo");
    assert!(p.doc.state.resources.is_empty());
}

#[test]
fn lines_without_identifying_keys_are_errors() {
    let p = parsed("exists -\ncreate device name:r minor:1 disk:UpToDate\ncreate connection name:r connection:Connected\n");
    assert_eq!(errors(&p).len(), 2);
    let r = &p.doc.state.resources["r"];
    assert!(r.devices.is_empty() && r.connections.is_empty());
}

#[test]
fn incremental_lines_give_the_same_document() {
    for (_, fixture) in FIXTURES {
        let mut stream = Events2::new();
        for line in fixture.lines() {
            stream.apply_line(line);
        }
        assert_eq!(stream, parsed(fixture).doc);
    }
}

#[test]
fn connection_without_name_is_keyed_by_peer_node_id() {
    // drbd-utils on an 8.4 kernel prints no `conn-name:` once a StandAlone connection lost its
    // peer address: such lines update the connection known by that id.
    let input = "exists resource name:r0 role:Primary suspended:no\n\
                 exists connection name:r0 peer-node-id:0 conn-name:peer connection:Connected role:Secondary\n\
                 exists connection name:r1 peer-node-id:0 connection:StandAlone role:Unknown\n\
                 exists -\n\
                 change connection name:r0 peer-node-id:0 connection:StandAlone role:Unknown\n";
    let p = parsed(input);
    assert!(!p.has_errors(), "{:?}", p.diagnostics);
    let v = json_of(&p.doc);
    assert_eq!(
        v["final_state"]["r0"]["connections"]["peer"]["connection"],
        "StandAlone"
    );
    let status = p.doc.to_status();
    let r0 = status.resource("r0").unwrap();
    assert_eq!(r0.connections.len(), 1);
    assert_eq!(r0.connections[0].state, ConnectionState::StandAlone);
    let r1 = status.resource("r1").unwrap();
    assert_eq!(r1.connections[0].name, "peer-node-0");
    let nameless = parse("exists connection name:r0 connection:StandAlone\nexists -\n").unwrap();
    assert!(
        nameless.has_errors(),
        "no conn-name and no peer-node-id cannot be placed"
    );
}
