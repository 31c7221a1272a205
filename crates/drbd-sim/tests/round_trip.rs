//! Everything the simulator prints parses with the project's `drbd-status` crate, without
//! error diagnostics, into the state the simulator holds.

use drbd_sim::model::{SimState, View};
use drbd_sim::ops;
use drbd_sim::render;
use drbd_sim::setup::{add_resource, ResourceSpec};
use drbd_sim::states::{Conn, Flavour, Quorum};
use drbd_status::model::Status;

/// A named situation of a two-node resource (plus a second resource with a minor gap).
fn scenarios(flavour: Flavour) -> Vec<(&'static str, SimState)> {
    let base = || {
        let mut st = SimState {
            flavour,
            ..SimState::default()
        };
        assert!(add_resource(&mut st, ResourceSpec::simple("r0", 1, &["alpha", "beta"])).is_ok());
        st
    };
    let up = |st: &mut SimState, nodes: &[&str]| {
        for n in nodes {
            assert!(ops::up(st, "r0", n).is_ok());
        }
        ops::reconcile(st, "r0", 0);
    };
    let mut out = Vec::new();

    let mut st = base();
    up(&mut st, &["alpha", "beta"]);
    out.push(("connected secondaries", st.clone()));
    assert!(ops::promote(&mut st, "r0", "alpha", false, false, 0).is_ok());
    out.push(("connected primary", st.clone()));
    let mut sync = st.clone();
    ops::start_resync(&mut sync, "r0", "alpha", "beta", 63, Some(0), 0);
    out.push(("resync", sync));
    let mut part = st.clone();
    if let Some(r) = part.resources.get_mut("r0") {
        r.partitioned = true;
    }
    ops::reconcile(&mut part, "r0", 0);
    assert!(ops::outdate(&mut part, "r0", "beta", false).is_ok());
    out.push(("partitioned, peer outdated", part));
    let mut alone = st.clone();
    assert!(ops::disconnect(&mut alone, "r0", "alpha").is_ok());
    ops::reconcile(&mut alone, "r0", 0);
    out.push(("standalone", alone));

    let mut inc = base();
    for n in ["alpha", "beta"] {
        assert!(ops::force_disk(&mut inc, "r0", n, drbd_sim::states::Disk::Inconsistent).is_ok());
    }
    up(&mut inc, &["alpha", "beta"]);
    out.push(("initial inconsistent pair", inc));

    out.push(("frozen primary", frozen_primary(flavour)));

    let mut two = base();
    assert!(add_resource(&mut two, ResourceSpec::simple("r5", 5, &["alpha", "beta"])).is_ok());
    up(&mut two, &["alpha"]);
    for n in ["alpha", "beta"] {
        assert!(ops::up(&mut two, "r5", n).is_ok());
    }
    ops::reconcile(&mut two, "r5", 0);
    out.push(("two resources, minor gap", two));

    if flavour == Flavour::V9 {
        let quorate = || {
            let mut st = base();
            if let Some(r) = st.resources.get_mut("r0") {
                r.config.quorum = Quorum::Majority;
            }
            up(&mut st, &["alpha", "beta"]);
            assert!(ops::promote(&mut st, "r0", "alpha", false, false, 0).is_ok());
            st
        };
        let mut lost = quorate();
        assert!(ops::crash(&mut lost, "r0", "beta", 0).is_ok());
        ops::reconcile(&mut lost, "r0", 0);
        out.push((QUORUM_LOST, lost));
        let mut kept = quorate();
        assert!(ops::down(&mut kept, "r0", "beta", false).is_ok());
        ops::reconcile(&mut kept, "r0", 0);
        out.push((QUORUM_KEPT, kept));
    }
    out
}

/// resource-and-stonith, alpha Primary, the link cut: alpha's I/O is frozen (`susp_fen`).
fn frozen_primary(flavour: Flavour) -> SimState {
    let mut st = SimState {
        flavour,
        ..SimState::default()
    };
    let mut spec = ResourceSpec::simple("r0", 1, &["alpha", "beta"]);
    spec.fencing = drbd_sim::states::Fencing::ResourceAndStonith;
    assert!(add_resource(&mut st, spec).is_ok());
    for n in ["alpha", "beta"] {
        assert!(ops::up(&mut st, "r0", n).is_ok());
    }
    ops::reconcile(&mut st, "r0", 0);
    assert!(ops::promote(&mut st, "r0", "alpha", false, false, 0).is_ok());
    if let Some(r) = st.resources.get_mut("r0") {
        r.partitioned = true;
    }
    ops::reconcile(&mut st, "r0", 0);
    assert!(view(&st, "r0", "alpha").is_some_and(|v| v.susp));
    st
}

#[test]
fn frozen_io_reads_as_suspended_in_proc_drbd_and_events2() {
    let st = frozen_primary(Flavour::V84);
    let text = render::proc_drbd::render(&st, "alpha");
    let status = no_errors(drbd_status::proc_drbd::parse(&text), "proc", &text).to_status();
    let r = status.resource("minor-1").expect("minor-1");
    assert!(!r.suspended.is_empty(), "{text}\n{r:?}");
    let text = render::events2::render_now(&st, "alpha", None, false);
    let status = no_errors(drbd_status::events2::parse(&text), "events2", &text).to_status();
    let r = status.resource("r0").expect("r0");
    assert!(!r.suspended.is_empty(), "{text}\n{r:?}");
    // the Secondary on the other side is not frozen
    let text = render::proc_drbd::render(&st, "beta");
    let status = no_errors(drbd_status::proc_drbd::parse(&text), "proc", &text).to_status();
    assert!(status
        .resource("minor-1")
        .expect("minor-1")
        .suspended
        .is_empty());
}
/// DRBD 9, `quorum majority`: alpha is Primary and beta died without a word.
const QUORUM_LOST: &str = "quorum lost: peer crashed";
/// DRBD 9, `quorum majority`: beta went down gracefully, so alpha keeps quorum.
const QUORUM_KEPT: &str = "quorum kept: peer left gracefully";

fn view(st: &SimState, res: &str, node: &str) -> Option<View> {
    st.resources.get(res).and_then(|r| r.view(node))
}

fn disk_str(d: &Option<drbd_status::states::DiskState>) -> String {
    d.as_ref()
        .map(|d| d.as_str().to_string())
        .unwrap_or_default()
}

/// The model agrees with the simulator's view of every up resource.
/// `with_progress`: the format carries resync progress (8.4's events2 emulation has no `done:`).
fn check(
    st: &SimState,
    node: &str,
    status: &Status,
    res_name: impl Fn(&str, u32) -> String,
    what: &str,
    with_progress: bool,
) {
    for res in st.resources.values() {
        let Some(v) = view(st, &res.name, node) else {
            continue;
        };
        let name = res_name(&res.name, res.minor);
        let Some(r) = status.resource(&name) else {
            panic!("{what}: resource {name} missing in {status:?}");
        };
        assert_eq!(r.role.as_str(), v.role.as_str(), "{what}: role of {name}");
        let d = r.devices.first();
        assert_eq!(
            d.map(|d| disk_str(&d.disk)),
            Some(v.disk.as_str().to_string()),
            "{what}: disk of {name}"
        );
        let c = r.connections.first();
        assert_eq!(
            c.map(|c| c.state.as_str().to_string()),
            Some(v.conn.connection9().to_string()),
            "{what}: connection of {name}"
        );
        if v.conn >= Conn::Connected {
            let c = c.map(|c| {
                (
                    c.peer_role.as_str().to_string(),
                    c.peer_devices.first().cloned(),
                )
            });
            let Some((peer_role, Some(pd))) = c else {
                panic!("{what}: peer device of {name} missing in {status:?}");
            };
            assert_eq!(peer_role, v.peer.as_str(), "{what}: peer role of {name}");
            assert_eq!(
                pd.replication.as_str(),
                v.conn.replication9(),
                "{what}: replication"
            );
            assert_eq!(
                disk_str(&pd.peer_disk),
                v.pdsk.as_str(),
                "{what}: peer disk"
            );
            if with_progress && v.conn.is_syncing() {
                assert!(pd.sync.is_some(), "{what}: sync progress missing");
            }
        }
    }
}

fn no_errors<T: std::fmt::Debug>(
    parsed: Result<drbd_status::Parsed<T>, drbd_status::ParseError>,
    what: &str,
    text: &str,
) -> T {
    match parsed {
        Ok(p) => {
            assert!(!p.has_errors(), "{what}: {:?}\n{text}", p.diagnostics);
            p.doc
        }
        Err(e) => panic!("{what}: {e:?}\n{text}"),
    }
}

#[test]
fn proc_drbd_round_trips_for_84_and_83() {
    for flavour in [Flavour::V84, Flavour::V83] {
        for (what, st) in scenarios(flavour) {
            for node in ["alpha", "beta"] {
                let text = render::proc_drbd::render(&st, node);
                let doc = no_errors(drbd_status::proc_drbd::parse(&text), what, &text);
                let status = doc.to_status();
                // /proc/drbd knows no names: the model names each minor `minor-N`.
                check(
                    &st,
                    node,
                    &status,
                    |_, minor| format!("minor-{minor}"),
                    what,
                    true,
                );
            }
        }
    }
}

#[test]
fn proc_drbd_of_drbd9_has_no_device_information() {
    for (what, st) in scenarios(Flavour::V9) {
        let text = render::proc_drbd::render(&st, "alpha");
        let doc = no_errors(drbd_status::proc_drbd::parse(&text), what, &text);
        assert!(!doc.to_status().has_device_info, "{what}");
    }
}

#[test]
fn sync_progress_in_proc_drbd_matches_the_simulator() {
    let all = scenarios(Flavour::V84);
    let Some((_, st)) = all.iter().find(|(w, _)| *w == "resync") else {
        panic!("no resync scenario");
    };
    let text = render::proc_drbd::render(st, "beta");
    let status = no_errors(drbd_status::proc_drbd::parse(&text), "resync", &text).to_status();
    let sync = status
        .resource("minor-1")
        .and_then(|r| r.connections.first())
        .and_then(|c| c.peer_devices.first())
        .and_then(|p| p.sync.clone());
    let Some(sync) = sync else {
        panic!("no sync progress in {status:?}");
    };
    let left = st
        .resources
        .get("r0")
        .map(|r| r.oos_kib("beta"))
        .unwrap_or(0);
    let per_mil = render::per_mil_done(65_536, left);
    assert_eq!(sync.percent, Some(per_mil as f64 / 10.0));
    assert_eq!(sync.remaining_kib, Some(left / 4 * 4));
    assert_eq!(sync.total_kib, Some(65_536));
}

#[test]
fn status_text_round_trips() {
    for flavour in [Flavour::V84, Flavour::V9] {
        for (what, st) in scenarios(flavour) {
            for node in ["alpha", "beta"] {
                let Ok(text) = render::status::render(&st, node, None) else {
                    panic!("{what}: status failed");
                };
                if text.is_empty() {
                    continue;
                }
                let doc = no_errors(drbd_status::status_text::parse(&text), what, &text);
                check(
                    &st,
                    node,
                    &doc.to_status(),
                    |n, _| n.to_string(),
                    what,
                    true,
                );
            }
        }
    }
}

#[test]
fn events2_round_trips() {
    for flavour in [Flavour::V84, Flavour::V9] {
        for (what, st) in scenarios(flavour) {
            for node in ["alpha", "beta"] {
                let text = render::events2::render_now(&st, node, None, false);
                let doc = no_errors(drbd_status::events2::parse(&text), what, &text);
                let progress = flavour == Flavour::V9;
                check(
                    &st,
                    node,
                    &doc.to_status(),
                    |n, _| n.to_string(),
                    what,
                    progress,
                );
                let stats = render::events2::render_now(&st, node, None, true);
                no_errors(drbd_status::events2::parse(&stats), what, &stats);
            }
        }
    }
}

#[test]
fn status_json_round_trips() {
    for (what, st) in scenarios(Flavour::V9) {
        for node in ["alpha", "beta"] {
            let Ok(text) = render::json::render(&st, node, None) else {
                panic!("{what}: json failed");
            };
            let doc = no_errors(drbd_status::status_json::parse(&text), what, &text);
            check(
                &st,
                node,
                &doc.to_status(),
                |n, _| n.to_string(),
                what,
                true,
            );
        }
    }
}

#[test]
fn auto_detection_recognises_every_rendering() {
    use drbd_status::InputKind;
    for (what, st) in scenarios(Flavour::V84) {
        let proc_text = render::proc_drbd::render(&st, "alpha");
        assert_eq!(
            drbd_status::detect(&proc_text),
            Some(InputKind::ProcDrbd),
            "{what}"
        );
        let ev = render::events2::render_now(&st, "alpha", None, false);
        assert_eq!(drbd_status::detect(&ev), Some(InputKind::Events2), "{what}");
        if let Ok(text) = render::status::render(&st, "alpha", None) {
            if !text.is_empty() {
                assert_eq!(
                    drbd_status::detect(&text),
                    Some(InputKind::StatusText),
                    "{what}"
                );
            }
        }
    }
}

#[test]
fn standalone_84_events2_has_no_conn_name() {
    let all = scenarios(Flavour::V84);
    let Some((_, st)) = all.iter().find(|(w, _)| *w == "standalone") else {
        panic!("no standalone scenario");
    };
    let text = render::events2::render_now(st, "alpha", None, false);
    assert!(
        text.contains(
            "exists connection name:r0 peer-node-id:0 connection:StandAlone role:Unknown\n"
        ),
        "{text}"
    );
}

/// The device-level quorum of alpha's r0 as each DRBD 9 rendering reports it, parsed.
fn alpha_quorum(st: &SimState) -> [Option<bool>; 3] {
    let quorum = |status: Status| {
        status
            .resource("r0")
            .and_then(|r| r.devices.first().and_then(|d| d.quorum))
    };
    let text = render::status::render(st, "alpha", None).unwrap_or_default();
    let from_text = no_errors(drbd_status::status_text::parse(&text), "status", &text);
    let json = render::json::render(st, "alpha", None).unwrap_or_default();
    let from_json = no_errors(drbd_status::status_json::parse(&json), "json", &json);
    let ev = render::events2::render_now(st, "alpha", None, false);
    let from_events = no_errors(drbd_status::events2::parse(&ev), "events2", &ev);
    [
        quorum(from_text.to_status()),
        quorum(from_json.to_status()),
        quorum(from_events.to_status()),
    ]
}

#[test]
fn drbd9_quorum_loss_reads_back_from_every_rendering() {
    let all = scenarios(Flavour::V9);
    let find = |name: &str| match all.iter().find(|(w, _)| *w == name) {
        Some((_, st)) => st.clone(),
        None => panic!("no scenario {name}"),
    };
    let lost = find(QUORUM_LOST);
    // The text status prints only `quorum:no`; JSON and events2 always carry the flag.
    assert_eq!(alpha_quorum(&lost), [Some(false), Some(false), Some(false)]);
    let text = render::status::render(&lost, "alpha", None).unwrap_or_default();
    assert!(text.contains("  disk:UpToDate quorum:no\n"), "{text}");
    let kept = find(QUORUM_KEPT);
    let [text_q, json_q, events_q] = alpha_quorum(&kept);
    assert_ne!(text_q, Some(false));
    assert_eq!((json_q, events_q), (Some(true), Some(true)));
}
