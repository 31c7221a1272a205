//! Everything the simulator prints parses with the project's `drbd-status` crate, without
//! error diagnostics, into the state the simulator holds.

use drbd_sim::model::{SimState, View};
use drbd_sim::ops;
use drbd_sim::render;
use drbd_sim::setup::{add_resource, ResourceSpec};
use drbd_sim::states::{Conn, Flavour};
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

    let mut two = base();
    assert!(add_resource(&mut two, ResourceSpec::simple("r5", 5, &["alpha", "beta"])).is_ok());
    up(&mut two, &["alpha"]);
    for n in ["alpha", "beta"] {
        assert!(ops::up(&mut two, "r5", n).is_ok());
    }
    ops::reconcile(&mut two, "r5", 0);
    out.push(("two resources, minor gap", two));
    out
}

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
