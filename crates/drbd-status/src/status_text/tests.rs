use super::*;
use crate::diag::Severity;
use crate::states::{ConnectionState as C, DiskState as D, ReplicationState as R, Role};
use proptest::prelude::*;
use serde_json::json;

const PLAIN: &str = include_str!("../../tests/fixtures/text/plain-two-resources.txt");
const NONE: &str = include_str!("../../tests/fixtures/text/no-resources.txt");
const VERBOSE: &str = include_str!("../../tests/fixtures/text/verbose-statistics-three-peers.txt");
const VV: &str = include_str!("../../tests/fixtures/text/vv-statistics-resync-and-verify.txt");
const MISINDENTED: &str =
    include_str!("../../tests/fixtures/text/verbose-utils-9.20-misindented.txt");
const WRAPPED_9_32: &str = include_str!("../../tests/fixtures/text/verbose-utils-9.32-wrapped.txt");
const HANDWRAPPED: &str = include_str!("../../tests/fixtures/text/handwrapped-old-utils.txt");
const COLOUR: &str = include_str!("../../tests/fixtures/text/colour-tty.txt");

const FIXTURES: &[&str] = &[
    PLAIN,
    NONE,
    VERBOSE,
    VV,
    MISINDENTED,
    WRAPPED_9_32,
    HANDWRAPPED,
    COLOUR,
];

/// Parses input that must be valid: no diagnostics at all.
fn clean(input: &str) -> StatusText {
    let parsed = parse(input).expect("accepted");
    assert_eq!(parsed.diagnostics, vec![], "unexpected diagnostics");
    parsed.doc
}

fn errors(parsed: &Parsed<StatusText>) -> usize {
    let is_error = |d: &&Diagnostic| d.severity == Severity::Error;
    parsed.diagnostics.iter().filter(is_error).count()
}

/// The document with every line number zeroed, to compare differently wrapped inputs.
fn without_lines(mut doc: StatusText) -> StatusText {
    for r in &mut doc.resources {
        r.line = 0;
        r.devices.iter_mut().for_each(|d| d.line = 0);
        for c in &mut r.connections {
            c.line = 0;
            c.peer_devices.iter_mut().for_each(|p| p.line = 0);
        }
    }
    doc
}

#[test]
fn parses_plain_status_with_implied_values() {
    let doc = clean(PLAIN);
    assert_eq!(doc.resources.len(), 2);
    let alpha = &doc.resources[0];
    assert_eq!(
        (alpha.name.as_str(), alpha.role.clone()),
        ("alpha", Some(Role::Primary))
    );
    assert_eq!(alpha.suspended, None);
    let volumes: Vec<_> = alpha
        .devices
        .iter()
        .map(|d| (d.volume, d.volume_printed))
        .collect();
    assert_eq!(volumes, vec![(0, true), (1, true)]);

    let bravo = &alpha.connections[0];
    assert_eq!(
        (bravo.connection.clone(), bravo.connection_printed),
        (C::Connected, false)
    );
    assert_eq!(bravo.role, Some(Role::Secondary));
    let implied = &bravo.peer_devices[0];
    assert_eq!(
        (implied.replication.clone(), implied.replication_printed),
        (R::Established, false)
    );
    let syncing = &bravo.peer_devices[1];
    assert_eq!(
        (syncing.replication.clone(), syncing.replication_printed),
        (R::SyncSource, true)
    );
    assert_eq!(syncing.done.as_ref().and_then(Stat::as_f64), Some(12.34));

    let charlie = &alpha.connections[1];
    assert_eq!(
        (charlie.connection.clone(), charlie.connection_printed),
        (C::Connecting, true)
    );
    assert_eq!(charlie.role, None);
    assert!(charlie.peer_devices.is_empty());

    let paused = &alpha.connections[2].peer_devices[0];
    assert_eq!(paused.replication, R::PausedSyncS);
    assert_eq!(paused.resync_suspended.as_deref(), Some("peer,dependency"));
    assert_eq!(paused.peer_disk, Some(D::Outdated));

    let web = &doc.resources[1];
    assert_eq!(web.suspended.as_deref(), Some("quorum"));
    let client = &web.devices[0];
    assert_eq!((client.volume, client.volume_printed), (0, false));
    assert_eq!(client.disk, Some(D::Diskless));
    assert_eq!(
        (client.client.clone(), client.quorum.clone()),
        (Some(Flag::Yes), Some(Flag::No))
    );
    assert_eq!(web.connections[0].connection, C::StandAlone);
}

#[test]
fn accepts_leading_blank_line_and_blank_line_after_each_resource() {
    let doc = clean(&format!("\n{PLAIN}"));
    assert_eq!(without_lines(doc), without_lines(clean(PLAIN)));
    let single = clean("\nr0 role:Secondary\n  disk:UpToDate\n\n");
    assert_eq!(single.resources.len(), 1);
}

#[test]
fn parses_unconfigured_drbd_as_zero_resources() {
    assert_eq!(clean(NONE).resources, vec![]);
    assert_eq!(clean(NONE).to_status().resources, vec![]);
}

#[test]
fn rejects_empty_and_foreign_input() {
    for input in [
        "",
        "\n \n",
        "# just a comment\n",
        "role:Primary\n  disk:UpToDate\n",
    ] {
        assert!(parse(input).is_err(), "accepted {input:?}");
    }
}

#[test]
fn rejects_resource_line_not_at_column_0() {
    let err = parse("\n r0 role:Primary\n").unwrap_err();
    assert_eq!(err.line, Some(2));
    assert!(err.message.contains("column 0"), "{err}");
}

#[test]
fn parses_verbose_statistics_wrapped_at_80_columns() {
    let doc = clean(VERBOSE);
    let r = &doc.resources[0];
    assert_eq!(
        (r.node_id, r.write_ordering.as_deref()),
        (Some(0), Some("flush"))
    );
    assert_eq!(r.force_io_failures, Some(Flag::No));
    let d = &r.devices[1];
    assert_eq!(
        (d.minor, d.backing_dev.as_deref()),
        (Some(11), Some("/dev/vg0/data1"))
    );
    assert_eq!(
        (d.open.clone(), d.al_suspended.clone()),
        (Some(Flag::Yes), Some(Flag::No))
    );
    assert_eq!(d.blocked, Some(Flag::No));
    assert_eq!(d.stats["lower-pending"].as_u64(), Some(0));
    assert_eq!(d.stats["size"].as_u64(), Some(1048576));

    let beta = &r.connections[1];
    assert_eq!(
        (beta.peer_node_id, beta.tls.clone()),
        (Some(2), Some(Flag::No))
    );
    assert_eq!(beta.stats["rs-in-flight"].as_u64(), Some(0));
    let paused = &beta.peer_devices[1];
    assert_eq!(paused.resync_suspended.as_deref(), Some("user"));
    assert!(paused.stats["eta"].is_not_a_number());

    let json = serde_json::to_value(&doc).unwrap();
    let pd = &json["resources"][0]["connections"][1]["peer_devices"];
    assert_eq!(pd[0]["stats"]["eta"], json!(26));
    assert_eq!(pd[0]["stats"]["dbdt1"], json!(98.25));
    assert_eq!(pd[1]["stats"]["eta"], json!(null));
    assert_eq!(json["resources"][0]["devices"][0]["blocked"], json!(false));

    let gamma = &r.connections[2];
    assert_eq!(
        (gamma.connection.clone(), gamma.role.clone()),
        (C::Connecting, Some(Role::Unknown))
    );
    assert_eq!(gamma.peer_devices[1].replication, R::Off);
}

#[test]
fn misindented_lines_of_utils_before_9_32_read_like_fixed_output() {
    // Before 9.32 a device line ending at column 80 pushed the next object line to indent 6.
    assert!(MISINDENTED.contains("\n      volume:1 minor:21"));
    assert!(MISINDENTED.contains("\n      store1 node-id:0"));
    let old = without_lines(clean(MISINDENTED));
    assert_eq!(old, without_lines(clean(WRAPPED_9_32)));
    let web = &old.resources[1];
    assert_eq!(web.devices.len(), 2);
    assert_eq!(web.connections.len(), 2);
    assert_eq!(old.resources[0].connections[0].name, "store1");
}

#[test]
fn first_token_without_colon_is_a_connection_at_any_indent() {
    let doc = clean(
        "r0 role:Primary\n  disk:UpToDate\n         peer1 role:Secondary\n    peer-disk:UpToDate\n",
    );
    let c = &doc.resources[0].connections;
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].name, "peer1");
    assert_eq!(c[0].peer_devices[0].peer_disk, Some(D::UpToDate));
}

#[test]
fn continuation_lines_may_sit_at_any_deeper_indent() {
    let input = "r0 role:Primary\n  volume:0 disk:UpToDate\n   quorum:no\n  p role:Secondary\n             congested:yes\n    volume:0 peer-disk:UpToDate\n     done:3.00\n";
    let doc = clean(input);
    let r = &doc.resources[0];
    assert_eq!(r.devices[0].quorum, Some(Flag::No));
    assert_eq!(r.connections[0].congested, Some(Flag::Yes));
    assert_eq!(
        r.connections[0].peer_devices[0].done,
        Some(Stat("3.00".into()))
    );
}

#[test]
fn connection_without_name_is_read_from_node_id() {
    let doc = clean("r0 role:Secondary\n  disk:UpToDate\n  node-id:4 connection:Connecting\n");
    let c = &doc.resources[0].connections[0];
    assert_eq!((c.name.as_str(), c.peer_node_id), ("", Some(4)));
    assert_eq!(c.connection, C::Connecting);
}

#[test]
fn strips_ansi_colour_codes() {
    let doc = clean(COLOUR);
    let r = &doc.resources[0];
    assert_eq!(r.role, Some(Role::Primary));
    assert_eq!(r.devices[0].disk, Some(D::UpToDate));
    let pd = &r.connections[0].peer_devices[0];
    assert_eq!(
        (pd.replication.clone(), pd.peer_disk.clone()),
        (R::SyncSource, Some(D::Inconsistent))
    );
    assert_eq!(pd.done, Some(Stat("51.20".into())));
}

#[test]
fn tolerates_crlf_line_endings() {
    for fixture in [PLAIN, VERBOSE, HANDWRAPPED] {
        let crlf = fixture.replace('\n', "\r\n");
        let (a, b) = (parse(&crlf).unwrap(), parse(fixture).unwrap());
        assert_eq!(a, b);
    }
}

#[test]
fn keeps_unknown_keys_with_a_warning() {
    let parsed = parse("r0 role:Primary future:yes\n  disk:UpToDate frobs:3\n").unwrap();
    let r = &parsed.doc.resources[0];
    assert_eq!(r.unknown_keys["future"], "yes");
    assert_eq!(r.devices[0].unknown_keys["frobs"], "3");
    assert_eq!(parsed.diagnostics.len(), 2);
    assert_eq!(errors(&parsed), 0);
}

#[test]
fn device_line_of_unknown_keys_only_is_a_device_without_disk() {
    let parsed = parse("r0 role:Primary\n  error-key:UpToDate\n  peer role:Secondary\n").unwrap();
    let d = &parsed.doc.resources[0].devices[0];
    assert_eq!(
        (d.disk.clone(), d.unknown_keys["error-key"].as_str()),
        (None, "UpToDate")
    );
    assert_eq!(errors(&parsed), 1, "{:?}", parsed.diagnostics);
}

#[test]
fn last_of_duplicated_keys_wins() {
    let parsed =
        parse("r0 role:Secondary role:Primary\n  disk:Outdated\n      disk:UpToDate\n").unwrap();
    let r = &parsed.doc.resources[0];
    assert_eq!(
        (r.role.clone(), r.devices[0].disk.clone()),
        (Some(Role::Primary), Some(D::UpToDate))
    );
    assert_eq!(parsed.diagnostics.len(), 2);
    assert_eq!(errors(&parsed), 0);
}

#[test]
fn legacy_disk_key_of_peer_devices_and_old_addresses_are_kept() {
    let parsed = parse(HANDWRAPPED).unwrap();
    assert_eq!(errors(&parsed), 0, "{:?}", parsed.diagnostics);
    assert!(!parsed.diagnostics.is_empty());
    let r = &parsed.doc.resources[0];
    assert_eq!(r.devices[0].stats["upper-pending"].as_u64(), Some(0));
    let fs = &r.connections[0];
    assert_eq!(fs.local.as_deref(), Some("ipv4:192.168.7.10:7790"));
    assert_eq!(fs.peer.as_deref(), Some("ipv4:192.168.7.20:7790"));
    assert_eq!(
        (fs.peer_node_id, fs.role.clone()),
        (Some(1), Some(Role::Secondary))
    );
    assert_eq!(fs.congested, Some(Flag::No));
    let pd = &fs.peer_devices[0];
    assert_eq!(
        (pd.peer_disk.clone(), pd.unknown_keys["disk"].as_str()),
        (None, "Inconsistent")
    );
    assert_eq!(pd.stats["unacked"].as_u64(), Some(1));
    let mirror = &r.connections[1];
    assert_eq!(
        (mirror.connection.clone(), mirror.peer_node_id),
        (C::StandAlone, Some(2))
    );
}

#[test]
fn parses_vv_resync_and_verify_statistics() {
    let doc = clean(VV);
    let r = &doc.resources[0];
    let target = &r.connections[0].peer_devices[0];
    assert_eq!(target.stats["rs-db1-sectors"].as_u64(), Some(614400));
    assert_eq!(target.stats["want"].as_f64(), Some(100.0));
    let verify = &r.connections[1].peer_devices[0];
    assert_eq!(verify.stats["ov-left"].as_u64(), Some(3355443));

    let status = doc.to_status();
    let pds: Vec<_> = status.resources[0].peer_devices().collect();
    let resync = pds[0].sync.clone().unwrap();
    assert!(!resync.verify);
    assert_eq!(resync.percent, Some(37.5));
    assert_eq!(resync.remaining_kib, Some(5242880));
    assert_eq!(resync.eta_seconds, Some(51));
    assert_eq!(resync.speed_kib_s, Some(102738));
    let ov = pds[1].sync.clone().unwrap();
    assert!(ov.verify);
    assert_eq!(
        (ov.percent, ov.eta_seconds, ov.remaining_kib),
        (Some(80.0), None, None)
    );
}

#[test]
fn unknown_state_values_stay_raw() {
    let parsed = parse("r0 role:?\n  disk:TOO_LARGE\n  p connection:Frobbing\n").unwrap();
    let r = &parsed.doc.resources[0];
    assert_eq!(r.role, Some(Role::Other("?".into())));
    assert_eq!(r.devices[0].disk, Some(D::Other("TOO_LARGE".into())));
    assert_eq!(r.connections[0].connection, C::Other("Frobbing".into()));
    assert_eq!(errors(&parsed), 0);
    assert_eq!(parsed.doc.to_status().unknown_values().len(), 3);
}

#[test]
fn missing_role_and_bad_numbers_are_errors_not_rejections() {
    let input =
        "r0 node-id:x\n  volume:one disk:UpToDate\n      read:12k written:99999999999999999999\n";
    let parsed = parse(input).unwrap();
    let r = &parsed.doc.resources[0];
    assert_eq!((r.role.clone(), r.node_id), (None, None));
    assert_eq!(r.devices[0].stats["read"], Stat("12k".into()));
    assert_eq!(errors(&parsed), 5, "{:?}", parsed.diagnostics);
}

#[test]
fn to_status_maps_states_flags_and_counters() {
    let status = clean(VERBOSE).to_status();
    assert_eq!(status.format, crate::model::Format::StatusText);
    let r = &status.resources[0];
    assert!(r.is_primary() && r.has_up_to_date_data() && r.resync_in_progress());
    assert_eq!(r.suspended, Vec::<String>::new());
    assert_eq!(
        (r.devices[0].open, r.devices[0].quorum),
        (Some(true), Some(true))
    );
    assert_eq!(r.devices[0].written_kib, Some(2097152));
    let alpha = &r.connections[0];
    assert_eq!(
        (alpha.peer_role.clone(), alpha.congested),
        (Role::Secondary, Some(false))
    );
    assert_eq!(alpha.peer_devices[0].sent_kib, Some(2097152));
    let paused = &r.connections[1].peer_devices[1];
    assert_eq!(paused.resync_suspended, vec!["user".to_string()]);
    assert_eq!(paused.sync.as_ref().and_then(|s| s.eta_seconds), None);

    let web = clean(PLAIN).to_status();
    assert_eq!(web.resources[1].suspended, vec!["quorum".to_string()]);
    assert_eq!(web.resources[1].devices[0].client, Some(true));
}

#[test]
fn connected_peer_without_role_may_be_primary() {
    let parsed = parse("r0 role:Secondary\n  disk:UpToDate\n  p\n").unwrap();
    assert_eq!(errors(&parsed), 1);
    assert!(parsed.doc.to_status().resources[0].peer_may_be_primary());
    let standalone = clean("r0 role:Secondary\n  disk:UpToDate\n  p connection:StandAlone\n");
    assert!(!standalone.to_status().resources[0].peer_may_be_primary());
}

#[test]
fn every_fixture_is_detected_as_text_status() {
    for fixture in FIXTURES {
        assert_eq!(
            crate::detect(fixture),
            Some(crate::InputKind::StatusText),
            "{fixture}"
        );
    }
}

/// Applies byte-level edits (delete, insert, replace, cut) to a fixture.
fn mangle(fixture: &str, edits: &[(usize, u8, char)]) -> String {
    let mut chars: Vec<char> = fixture.chars().collect();
    for &(at, op, c) in edits {
        let len = chars.len();
        let at = if len == 0 { 0 } else { at % len };
        match op {
            0 if len > 0 => {
                chars.remove(at);
            }
            1 => chars.insert(at, c),
            2 if len > 0 => chars[at] = c,
            3 => chars.truncate(at),
            _ => {}
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_input(input in any::<String>()) {
        if let Ok(parsed) = parse(&input) {
            let _ = parsed.doc.to_status().health();
            let _ = serde_json::to_value(&parsed.doc).unwrap();
        }
    }

    #[test]
    fn never_panics_on_mangled_fixtures(
        which in 0..FIXTURES.len(),
        edits in prop::collection::vec((any::<usize>(), 0u8..4, any::<char>()), 0..12),
    ) {
        let input = mangle(FIXTURES[which], &edits);
        if let Ok(parsed) = parse(&input) {
            let _ = parsed.doc.to_status().health();
            let _ = serde_json::to_value(&parsed.doc).unwrap();
        }
    }

    #[test]
    fn never_panics_on_status_like_lines(
        lines in prop::collection::vec(
            (0usize..12, prop::sample::select(vec![
                "r0", "p1", "role:Primary", "volume:1", "disk:", "node-id:3", "done:nan",
                "eta:-nan", ":", "x:y:z", "peer-disk:UpToDate", "replication:?", "\u{1b}[1m",
                "# No currently configured DRBD found.", "size:99999999999999999999999",
            ]), 0usize..4),
            0..30,
        ),
    ) {
        let input: String = lines
            .iter()
            .map(|(indent, word, repeat)| format!("{}{}\n", " ".repeat(*indent), word.repeat(*repeat + 1)))
            .collect();
        if let Ok(parsed) = parse(&input) {
            let _ = parsed.doc.to_status().health();
        }
    }
}

#[test]
fn tab_indented_copy_keeps_devices_and_peer_devices() {
    let doc = clean(
        "r0 role:Primary\n\tdisk:UpToDate\n\tpeer role:Secondary\n\t\tpeer-disk:UpToDate\n\n",
    );
    let r = &doc.resources[0];
    assert_eq!(r.devices.len(), 1);
    assert_eq!(r.devices[0].disk, Some(D::UpToDate));
    let peer = &r.connections[0].peer_devices;
    assert_eq!(peer.len(), 1);
    assert_eq!(peer[0].peer_disk, Some(D::UpToDate));
}
