//! One line → one event: grammar, timestamps, `--diff`, colours, invalid lines.

use super::*;
use crate::states::ConnectionState;
use serde_json::json;

#[test]
fn parses_every_action_and_object() {
    let p = parsed(fixture("create-change.txt"));
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let actions: Vec<_> = p
        .doc
        .events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Object { action, object, .. } => Some((action.as_str(), object.as_str())),
            _ => None,
        })
        .collect();
    for pair in [
        ("create", "resource"),
        ("create", "device"),
        ("create", "connection"),
        ("create", "peer-device"),
        ("create", "path"),
        ("change", "resource"),
        ("call", "helper"),
        ("response", "helper"),
    ] {
        assert!(actions.contains(&pair), "missing {pair:?}");
    }
    let v = json_of(&p.doc);
    assert_eq!(
        v["events"][13],
        json!({"line": 14, "action": "response", "object": "helper", "fields": {
            "name": "web", "peer-node-id": "2", "conn-name": "bravo", "volume": "0",
            "helper": "before-resync-source", "status": "0"}})
    );
}

#[test]
fn exists_dash_ends_the_initial_dump() {
    let p = parsed(fixture("change-before-exists.txt"));
    assert_eq!(p.doc.state.initial_state_complete_at_line, Some(5));
    assert_eq!(
        json_of(&p.doc)["events"][4],
        json!({"line": 5, "action": "exists", "object": "-"})
    );
    let p = parsed("exists -\n");
    assert_eq!(p.doc.state.initial_state_complete_at_line, Some(1));
    assert!(p.doc.state.resources.is_empty());
}

#[test]
fn missing_exists_dash_is_a_warning() {
    let p = parsed("change resource name:r0 role:Primary\n");
    assert!(errors(&p).is_empty());
    assert!(p.diagnostics.iter().any(|d| d.message.contains("exists -")));
}

#[test]
fn timestamps_are_kept_per_event() {
    let p = parsed(fixture("timestamps-statistics.txt"));
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let v = json_of(&p.doc);
    assert_eq!(
        v["events"][0]["timestamp"],
        "2024-02-29T23:59:58.000001+01:00"
    );
    assert_eq!(v["events"][0]["action"], "exists");
    assert_eq!(
        v["events"][4]["timestamp"],
        "2024-02-29T23:59:58.000420+01:00"
    );
    assert_eq!(v["initial_state_complete_at_line"], 5);
}

#[test]
fn diff_values_keep_old_and_fold_the_new() {
    let p = parsed(fixture("diff.txt"));
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let v = json_of(&p.doc);
    assert_eq!(
        v["events"][1]["fields"]["role"],
        json!({"old": "UNKNOWN", "new": "Secondary"})
    );
    assert_eq!(v["events"][3]["fields"]["client"], "no");
    assert_eq!(
        v["events"][3]["fields"]["open"],
        json!({"old": "no", "new": "yes"})
    );
    let db = &v["final_state"]["db"];
    assert_eq!(db["role"], "Primary");
    assert_eq!(db["promotion_score"], "10100");
    assert_eq!(db["devices"]["0"]["disk"], "UpToDate");
    assert_eq!(db["devices"]["0"]["open"], "yes");
}

#[test]
fn ansi_colour_codes_are_stripped() {
    let p = parsed(fixture("color.txt"));
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let v = json_of(&p.doc);
    assert_eq!(v["events"][2]["fields"]["disk"], "Diskless");
    assert_eq!(v["final_state"]["vm1"]["role"], "Primary");
    let status = p.doc.to_status();
    assert_eq!(
        status.resources[0].connections[0].state,
        ConnectionState::StandAlone
    );
}

#[test]
fn wrapped_continuation_line_is_an_error_event() {
    let p = parsed(fixture("wrapped.txt"));
    let errs = errors(&p);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].line, Some(4));
    let v = json_of(&p.doc);
    assert_eq!(v["events"].as_array().unwrap().len(), 5);
    assert_eq!(v["events"][3]["error"], "unparseable");
    assert_eq!(
        v["events"][3]["raw"],
        "   replication:Established peer-disk:UpToDate resync-suspended:no"
    );
    assert_eq!(
        v["events"][4],
        json!({"line": 5, "action": "exists", "object": "-"})
    );
    assert_eq!(
        v["final_state"]["r2"]["connections"]["far"]["peer_devices"]["0"],
        json!({})
    );
}

#[test]
fn rejects_input_without_any_event() {
    assert!(parse("").is_err());
    assert!(parse("\n\n").is_err());
    assert!(parse("hello world\nfoo bar\n").is_err());
    assert!(parse("  exists -\n").is_err());
    assert!(parse("change resource\n").is_err());
    assert!(parse("- nonsense\n").is_err());
}

#[test]
fn stray_tokens_are_errors_but_the_line_counts() {
    let p = parsed("exists resource name:r0 role:Primary garbage\nexists -\n");
    assert_eq!(errors(&p).len(), 1);
    assert_eq!(
        p.doc.state.resources["r0"].keys.get("role"),
        Some("Primary")
    );
}

#[test]
fn crlf_and_blank_lines_are_tolerated() {
    let p = parsed("exists resource name:r role:Primary\r\n\r\nexists -\r\n");
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(p.doc.state.initial_state_complete_at_line, Some(3));
    assert_eq!(p.doc.events.len(), 2);
}
