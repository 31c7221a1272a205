use super::*;
use crate::diag::Severity;
use crate::model::{self, Status};
use crate::states::{ConnectionState, DiskState, ReplicationState, Role};

pub(super) const HEAD: &str =
    include_str!("../../tests/fixtures/json/utils-9.28-two-resources-sync-source.json");
pub(super) const NAN: &str =
    include_str!("../../tests/fixtures/json/utils-9.5-nan-sync-target.json");
pub(super) const VERIFY: &str =
    include_str!("../../tests/fixtures/json/utils-9.6-verify-no-estimate.json");
pub(super) const REFORMATTED: &str =
    include_str!("../../tests/fixtures/json/reformatted-with-future-keys.json");
pub(super) const WRONG_TYPES: &str = include_str!("../../tests/fixtures/json/wrong-types.json");
const NO_RESOURCES: &str = include_str!("../../tests/fixtures/json/no-resources.json");
const TRUNCATED: &str = include_str!("../../tests/fixtures/json/truncated-mid-resource.json");
const PYTHON_DICT: &str = include_str!("../../tests/fixtures/json/python-dict-literal.json");
const TOP_OBJECT: &str = include_str!("../../tests/fixtures/json/top-level-object.json");

/// Parses a fixture that must be accepted without error diagnostics.
fn clean(input: &str) -> StatusJson {
    let parsed = parse(input).expect("accepted");
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    parsed.doc
}

fn errors(parsed: &Parsed<StatusJson>) -> Vec<&str> {
    parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message.as_str())
        .collect()
}

fn model_resource<'a>(status: &'a Status, name: &str) -> &'a model::Resource {
    status.resource(name).expect("resource present")
}

#[test]
fn parses_head_layout_with_keys_added_over_versions() {
    let doc = clean(HEAD);
    assert_eq!(doc.resources.len(), 2);
    let r0 = &doc.resources[0];
    assert_eq!(r0.name.as_deref(), Some("r0"));
    assert_eq!(r0.node_id, Some(0));
    assert_eq!(r0.role, Some(Role::Primary));
    assert_eq!(r0.suspended_quorum, Some(false));
    assert_eq!(r0.force_io_failures, Some(false));
    assert_eq!(r0.write_ordering.as_deref(), Some("flush"));
    assert_eq!(r0.devices[0].open, Some(true));
    assert_eq!(r0.devices[1].stats.size, Some(2_097_152));
    let alpha = &r0.connections[0];
    assert_eq!(alpha.connection, Some(ConnectionState::Connected));
    assert_eq!(alpha.tls, Some(false));
    assert_eq!(alpha.rs_in_flight, Some(4096));
    let paths = alpha.paths.as_ref().expect("paths");
    assert_eq!(paths[0].established, Some(true));
    let this_host = paths[0].this_host.as_ref().expect("this_host");
    assert_eq!(this_host.address.as_deref(), Some("192.168.122.10"));
    assert_eq!(this_host.port, Some(7789));
    assert_eq!(this_host.family.as_deref(), Some("ipv4"));
    let bravo = &r0.connections[1];
    assert_eq!(bravo.paths.as_ref().unwrap()[0].established, Some(false));
    assert_eq!(doc.resources[1].connections[0].paths, Some(vec![]));
    assert_eq!(doc.mended_non_finite, 0);
}

#[test]
fn accepts_closers_and_blank_lines_around_the_array() {
    assert!(HEAD.contains("} ]") && HEAD.ends_with("]\n\n"));
    assert!(NAN.starts_with('\n'));
    clean(HEAD);
    clean(NAN);
    clean(&format!("\u{feff}{HEAD}\r\n"));
}

#[test]
fn mends_bare_nan_of_utils_9_5_to_null() {
    let doc = clean(NAN);
    assert_eq!(doc.mended_non_finite, 2);
    let sync = doc.resources[0].connections[0].peer_devices[0]
        .sync
        .as_ref()
        .expect("sync details");
    assert_eq!(sync.0["estimated-seconds-to-finish"], None);
    assert_eq!(sync.f64("want"), Some(40.0));
    let json = serde_json::to_value(&doc).unwrap();
    let pd = &json["resources"][0]["connections"][0]["peer_devices"][0];
    assert!(pd["sync"]["estimated-seconds-to-finish"].is_null());
}

#[test]
fn mends_minus_nan_without_an_error() {
    let doc = clean(NAN);
    let pd = &doc.resources[1].connections[0].peer_devices[0];
    assert_eq!(pd.sync.as_ref().unwrap().0["percent-resync-done"], None);
    assert_eq!(pd.percent_in_sync, Some(0.0));
}

#[test]
fn resource_named_nan_keeps_its_name() {
    let doc = clean(NAN);
    assert_eq!(doc.resources[0].name.as_deref(), Some("nan"));
    assert_eq!(doc.resources[0].connections[0].name.as_deref(), Some("inf"));
}

#[test]
fn infinities_are_mended_too() {
    let input = NAN.replace(
        "\"estimated-seconds-to-finish\": nan",
        "\"estimated-seconds-to-finish\": -inf",
    );
    let doc = clean(&input);
    let pd = &doc.resources[0].connections[0].peer_devices[0];
    assert_eq!(pd.eta_seconds(), None);
}

#[test]
fn sentinel_estimate_means_no_estimate() {
    let doc = clean(VERIFY);
    let pd = &doc.resources[0].connections[0].peer_devices[0];
    assert_eq!(
        pd.sync.as_ref().unwrap().u64("estimated-seconds-to-finish"),
        Some(NO_ESTIMATE_SENTINEL)
    );
    assert_eq!(pd.eta_seconds(), None);
    let head = clean(HEAD);
    assert_eq!(
        head.resources[0].connections[0].peer_devices[0].eta_seconds(),
        Some(58)
    );
}

#[test]
fn keeps_verify_details_including_negative_sectors() {
    let doc = clean(VERIFY);
    let sync = doc.resources[0].connections[0].peer_devices[0]
        .sync
        .as_ref()
        .unwrap();
    assert_eq!(sync.u64("ov-left"), Some(6_291_456));
    assert_eq!(sync.f64("ov-stop-sector"), Some(-1.0));
    assert_eq!(sync.u64("ov-stop-sector"), None);
}

#[test]
fn accepts_integers_where_drbdsetup_prints_floats_and_back() {
    let doc = clean(REFORMATTED);
    let pd = &doc.resources[0].connections[0].peer_devices[0];
    assert_eq!(pd.percent_in_sync, Some(100.0));
    assert_eq!(doc.resources[0].devices[0].stats.read, Some(4096));
}

#[test]
fn keeps_u64_values_beyond_i64() {
    let doc = clean(REFORMATTED);
    assert_eq!(doc.resources[0].devices[0].stats.size, Some(u64::MAX));
    let pd = &doc.resources[0].connections[0].peer_devices[0];
    assert_eq!(pd.received, Some(u64::MAX - 1));
    let status = doc.to_status();
    assert_eq!(status.resources[0].devices[0].size_kib, Some(u64::MAX));
}

#[test]
fn node_id_minus_one_is_unknown_in_the_model() {
    let head = clean(HEAD);
    assert_eq!(head.resources[1].node_id, Some(-1));
    let status = head.to_status();
    assert_eq!(model_resource(&status, "web").node_id, None);
    assert_eq!(model_resource(&status, "r0").node_id, Some(0));
    let reformatted = clean(REFORMATTED).to_status();
    assert_eq!(reformatted.resources[0].connections[0].peer_node_id, None);
}

#[test]
fn keeps_unknown_keys_with_a_warning() {
    let parsed = parse(REFORMATTED).unwrap();
    assert!(!parsed.has_errors());
    let warnings: Vec<_> = parsed
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(warnings.len(), 4, "{warnings:?}");
    assert!(warnings.iter().any(|w| w.contains("\"promotion-score\"")));
    let r = &parsed.doc.resources[0];
    assert_eq!(r.leftovers.unknown_keys["promotion-score"], 10101);
    assert_eq!(
        r.devices[0].leftovers.unknown_keys["backing-dev"],
        "/dev/vg0/archive"
    );
    assert_eq!(r.connections[0].leftovers.unknown_keys["transport"], "rdma");
    let pd = &r.connections[0].peer_devices[0];
    assert_eq!(pd.leftovers.unknown_keys["replication-lag-ms"], 3);
    let json = serde_json::to_value(&parsed.doc).unwrap();
    assert_eq!(
        json["resources"][0]["unknown_keys"]["promotion-score"],
        10101
    );
}

#[test]
fn wrong_types_are_per_item_errors_and_the_rest_parses() {
    let parsed = parse(WRONG_TYPES).expect("partial document");
    let errors = errors(&parsed);
    let expect = [
        "resource \"r1\": \"node-id\" is a string",
        "resource \"r1\": \"suspended\" is a string",
        "resource \"r1\" volume 0: \"minor\" is a string",
        "resource \"r1\" volume 0: \"size\" is a number (-5)",
        "resource \"r1\" devices[1]: expected an object",
        "connection \"peer-a\": \"congested\" is a string",
        "connection \"peer-a\" peer_devices[0]: key \"volume\" is missing",
        "connection \"peer-a\" volume 1: \"rs-total\" is a string",
    ];
    for e in expect {
        assert!(
            errors.iter().any(|m| m.contains(e)),
            "no error {e:?} in {errors:?}"
        );
    }
    assert_eq!(errors.len(), expect.len(), "{errors:?}");
    let r = &parsed.doc.resources[0];
    assert_eq!(r.node_id, None);
    assert_eq!(r.leftovers.invalid["node-id"], "one");
    assert_eq!(r.devices.len(), 1);
    assert_eq!(r.devices[0].minor, None);
    assert_eq!(r.devices[0].disk, Some(DiskState::UpToDate));
    assert_eq!(r.devices[0].stats.read, Some(0));
    let pd = &r.connections[0].peer_devices[1];
    assert_eq!(
        pd.sync.as_ref().unwrap().f64("percent-resync-done"),
        Some(50.0)
    );

    let status = parsed.doc.to_status();
    let r1 = model_resource(&status, "r1");
    assert_eq!(r1.connections[0].peer_role, Role::Primary);
    assert_eq!(r1.connections[0].congested, None);
    // The peer device without a volume is left out of the model, the other one stays.
    assert_eq!(r1.connections[0].peer_devices.len(), 1);
    let sync = r1.connections[0].peer_devices[0].sync.as_ref().unwrap();
    assert_eq!(
        (sync.percent, sync.total_kib, sync.eta_seconds),
        (Some(50.0), None, Some(12))
    );
}

#[test]
fn missing_resource_name_is_an_error_and_left_out_of_the_model() {
    let parsed = parse(r#"[{"role": "Primary", "devices": [], "connections": []}]"#).unwrap();
    assert_eq!(errors(&parsed), ["resources[0]: key \"name\" is missing"]);
    assert!(parsed.doc.to_status().resources.is_empty());
}

#[test]
fn accepts_an_empty_resource_list() {
    let doc = clean(NO_RESOURCES);
    assert!(doc.resources.is_empty());
    assert!(doc.to_status().resources.is_empty());
}

#[test]
fn rejects_empty_input() {
    assert!(parse("").is_err());
    assert!(parse("\n\n  \n").is_err());
    assert!(parse("\u{feff}").is_err());
}

#[test]
fn rejects_text_that_is_not_json() {
    let e = parse("r0 role:Primary\n  disk:UpToDate\n").unwrap_err();
    assert!(e.message.starts_with("not valid JSON"), "{e}");
    assert!(parse("[\x00\x01\x02]").is_err());
    assert!(parse("[1, 2] trailing").is_err());
}

#[test]
fn rejects_truncated_json() {
    let e = parse(TRUNCATED).unwrap_err();
    assert!(e.message.starts_with("truncated JSON"), "{e}");
    assert!(e.line.is_some());
    assert!(parse("[\n{\n  \"name\": \"r0\",\n").is_err());
}

#[test]
fn rejects_python_dict_literal() {
    let e = parse(PYTHON_DICT).unwrap_err();
    assert_eq!(e.line, Some(1));
    assert!(e.message.contains("Python"), "{e}");
    assert!(parse("[{'1': '2': '3'}]").is_err());
}

#[test]
fn rejects_top_level_that_is_not_an_array() {
    let e = parse(TOP_OBJECT).unwrap_err();
    assert!(e.message.starts_with("top level is an object"), "{e}");
    assert!(parse("\"nan\"").is_err());
    assert!(parse("nan").is_err());
}

#[test]
fn rejects_an_array_without_resource_objects() {
    assert!(parse("[1, \"r0\", null]").is_err());
}

#[test]
fn converts_roles_states_and_counters() {
    let status = clean(HEAD).to_status();
    assert_eq!(status.format, model::Format::StatusJson);
    assert!(status.has_device_info);
    let r0 = model_resource(&status, "r0");
    assert!(r0.is_primary());
    assert!(r0.suspended.is_empty());
    assert_eq!(r0.devices.len(), 2);
    let d0 = &r0.devices[0];
    assert_eq!((d0.volume, d0.minor), (0, Some(10)));
    assert_eq!(d0.disk, Some(DiskState::UpToDate));
    assert_eq!(
        (d0.client, d0.quorum, d0.open),
        (Some(false), Some(true), Some(true))
    );
    assert_eq!(
        (d0.size_kib, d0.read_kib, d0.written_kib),
        (Some(1_048_576), Some(52_428), Some(917_504))
    );
    let alpha = &r0.connections[0];
    assert_eq!(alpha.name, "alpha");
    assert_eq!(alpha.peer_node_id, Some(1));
    assert_eq!(alpha.state, ConnectionState::Connected);
    assert_eq!(alpha.peer_role, Role::Secondary);
    assert_eq!(alpha.congested, Some(false));
    let pd = &alpha.peer_devices[0];
    assert_eq!(pd.replication, ReplicationState::SyncSource);
    assert_eq!(pd.peer_disk, Some(DiskState::Inconsistent));
    assert_eq!(pd.peer_client, Some(false));
    assert!(pd.resync_suspended.is_empty());
    assert_eq!(
        (pd.out_of_sync_kib, pd.sent_kib, pd.received_kib),
        (Some(786_432), Some(262_144), Some(0))
    );
    assert!(alpha.peer_devices[1].sync.is_none());
    let bravo = &r0.connections[1];
    assert_eq!(bravo.state, ConnectionState::Connecting);
    assert_eq!(bravo.peer_role, Role::Unknown);
    assert!(r0.resync_in_progress());
    assert!(!r0.peer_may_be_primary());
}

#[test]
fn converts_suspension_flags_to_reasons() {
    let status = clean(HEAD).to_status();
    let web = model_resource(&status, "web");
    assert_eq!(web.suspended, ["fencing", "quorum"]);
    assert_eq!(web.devices[0].client, Some(true));
    assert_eq!(web.devices[0].quorum, Some(false));
    let old = HEAD.replace(
        "  \"suspended-fencing\": true,\n  \"suspended-quorum\": true,\n",
        "",
    );
    let old = old.replacen("\"suspended-user\": false,", "", 2);
    let status = clean(&old).to_status();
    assert_eq!(model_resource(&status, "web").suspended, ["unknown"]);
}

#[test]
fn converts_resync_suspended_to_a_list() {
    let status = clean(NAN).to_status();
    let pd = &model_resource(&status, "scratch").connections[0].peer_devices[0];
    assert_eq!(pd.resync_suspended, ["user", "peer"]);
}

#[test]
fn sync_progress_of_a_resync_with_details() {
    let status = clean(HEAD).to_status();
    let pd = &model_resource(&status, "r0").connections[0].peer_devices[0];
    let sync = pd.sync.as_ref().expect("progress");
    assert!(!sync.verify);
    assert_eq!(sync.percent, Some(25.0));
    assert_eq!(sync.remaining_kib, Some(786_432));
    assert_eq!(sync.total_kib, Some(1_048_576));
    // db1/dt1 13.33 MiB/s, the recent window, as KiB/s.
    assert_eq!(sync.speed_kib_s, Some(13_650));
    assert_eq!(sync.eta_seconds, Some(58));
    assert!(!sync.stalled);
}

#[test]
fn sync_progress_without_estimate_when_nan() {
    let status = clean(NAN).to_status();
    let pd = &model_resource(&status, "nan").connections[0].peer_devices[0];
    let sync = pd.sync.as_ref().expect("progress");
    assert_eq!(sync.eta_seconds, None);
    assert_eq!(sync.speed_kib_s, Some(0));
    assert_eq!(sync.total_kib, Some(524_288));
    assert_eq!(sync.remaining_kib, Some(393_216));
}

#[test]
fn sync_progress_of_paused_resync_without_details() {
    let status = clean(NAN).to_status();
    let pd = &model_resource(&status, "scratch").connections[0].peer_devices[0];
    let sync = pd.sync.as_ref().expect("progress for a paused resync");
    assert_eq!(sync.percent, None);
    assert_eq!(sync.remaining_kib, Some(0));
    assert_eq!(sync.total_kib, None);
}

#[test]
fn sync_progress_of_online_verify() {
    let status = clean(VERIFY).to_status();
    let pd = &model_resource(&status, "db").connections[0].peer_devices[0];
    let sync = pd.sync.as_ref().expect("progress");
    assert!(sync.verify);
    assert_eq!(sync.percent, Some(25.0));
    assert_eq!(sync.remaining_kib, Some(3_145_728));
    assert_eq!(sync.total_kib, Some(4_194_304));
    assert_eq!(sync.eta_seconds, None);
    assert_eq!(pd.out_of_sync_kib, Some(8));
}

#[test]
fn serializes_with_the_layout_of_the_corpus_sidecars() {
    let json = serde_json::to_value(clean(HEAD)).unwrap();
    let r0 = &json["resources"][0];
    assert_eq!(r0["node_id"], 0);
    assert_eq!(r0["suspended"], false);
    assert_eq!(r0["devices"][0]["disk"], "UpToDate");
    assert_eq!(r0["devices"][0]["stats"]["al-writes"], 41);
    let alpha = &r0["connections"][0];
    assert_eq!(alpha["connection"], "Connected");
    assert_eq!(alpha["role"], "Secondary");
    assert_eq!(alpha["ap_in_flight"], 0);
    let pd = &alpha["peer_devices"][0];
    assert_eq!(pd["replication"], "SyncSource");
    assert_eq!(pd["peer_disk"], "Inconsistent");
    assert_eq!(pd["out_of_sync_kib"], 786_432);
    assert_eq!(pd["resync_suspended"], "no");
    assert_eq!(pd["sync"]["db1/dt1 [MiB/s]"], 13.33);
    assert_eq!(pd["sync"]["rs-total"], 2_097_152);
}

#[test]
fn unknown_state_names_stay_raw() {
    let input = HEAD.replacen("\"SyncSource\"", "\"Frobnicating\"", 1);
    let status = clean(&input).to_status();
    let unknown = status.unknown_values();
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].raw, "Frobnicating");
}

#[test]
fn auto_detection_picks_the_json_parser() {
    for input in [HEAD, NAN, VERIFY, REFORMATTED, NO_RESOURCES] {
        assert_eq!(crate::detect(input), Some(crate::InputKind::StatusJson));
        let parsed = crate::parse(input).expect("parsed");
        assert!(matches!(parsed.doc, crate::Document::StatusJson(_)));
    }
}
