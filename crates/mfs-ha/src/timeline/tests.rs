//! The timeline on flight records and ha.log files kept from a real lab run
//! (`tests/fixtures/lab-crash-failback`: `scripts/lab.sh demo --failback`: mfs-master crashed
//! at about 06:53:16.6, mfs-bak took over, mfs-master came back at 06:53:26 and took the
//! group back).

use std::path::PathBuf;

use chrono::FixedOffset;
use proptest::prelude::*;

use super::event::{Event, What};
use super::halog::Zone;
use super::phases::{self, Episode, Options, Trigger, DETECTION};
use super::{flight, halog, sources};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lab-crash-failback")
}

fn utc() -> Zone {
    Zone::Fixed(FixedOffset::east_opt(0).unwrap())
}

fn at(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp_micros()
}

fn events_of(dirs: &[sources::NodeFiles]) -> Vec<Event> {
    let mut all = Vec::new();
    for d in dirs {
        let (mut e, notes) = sources::read_node(d, utc(), 2026);
        assert!(notes.is_empty(), "{notes:?}");
        all.append(&mut e);
    }
    all.sort_by_key(phases::us);
    all
}

fn lab_events() -> Vec<Event> {
    events_of(&sources::node_dirs(&fixture()).unwrap())
}

fn episode(events: &[Event], opts: Options) -> Episode {
    phases::select(phases::episodes(events, &opts), opts.since_us).expect("an episode")
}

fn names(ep: &Episode) -> Vec<&str> {
    ep.phases.iter().map(|p| p.name.as_str()).collect()
}

fn assert_adds_up(ep: &Episode) {
    let mut cursor = ep.start_us;
    for p in &ep.phases {
        assert_eq!(
            p.start_us, cursor,
            "phases are contiguous: {:#?}",
            ep.phases
        );
        assert!(p.end_us >= p.start_us, "{p:?}");
        cursor = p.end_us;
    }
    assert_eq!(cursor, ep.end_us);
    let sum: i64 = ep.phases.iter().map(|p| p.end_us - p.start_us).sum();
    assert_eq!(sum, ep.end_us - ep.start_us);
}

fn crash(opts: Options) -> Episode {
    let since = Some(at("2026-12-07T06:53:16Z"));
    episode(
        &lab_events(),
        Options {
            since_us: since,
            ..opts
        },
    )
}

#[test]
fn both_nodes_directories_are_found_under_the_lab_log_directory() {
    let dirs = sources::node_dirs(&fixture()).unwrap();
    let nodes: Vec<&str> = dirs.iter().map(|d| d.node.as_str()).collect();
    assert_eq!(nodes, ["mfs-bak", "mfs-master"]);
    assert!(dirs
        .iter()
        .all(|d| d.ha_log.is_some() && d.flight.len() >= 3));
}

#[test]
fn the_crash_is_detected_then_each_resource_starts_in_haresources_order() {
    let ep = crash(Options {
        deadtime_us: Some(5_000_000),
        ..Options::default()
    });
    assert_eq!(
        ep.trigger,
        Trigger::PeerDead {
            peer: "mfs-master".into(),
            by: "mfs-bak".into()
        }
    );
    assert_eq!(
        names(&ep),
        [
            DETECTION,
            "heartbeat reacts (mach_down, ResourceManager, status checks)",
            "Initdrbd start on mfs-bak",
            "heartbeat between Initdrbd start and mfsmaster start",
            "mfsmaster start on mfs-bak",
            "heartbeat between mfsmaster start and VIPaddr start",
            "VIPaddr start on mfs-bak",
        ]
    );
    assert_adds_up(&ep);
    // heartbeat logged "is dead" at 06:53:21; deadtime 5 s puts the fault at 06:53:16.
    assert_eq!(ep.start_us, at("2026-12-07T06:53:16Z"));
    assert_eq!(ep.start_from, "deadtime");
    assert_eq!(ep.phases[0].seconds, 5.0);
    // the last phase ends when VIPaddr's start (flight record) ends
    assert_eq!(ep.end_us, at("2026-12-07T06:53:22.281530Z") + 1_019_794);
    let master = &ep.phases[4];
    assert!((master.seconds - 0.927952).abs() < 1e-6, "{master:?}");
    let steps: Vec<&str> = master.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        steps,
        ["freshness", "backup", "start daemon", "wait until ready"]
    );
    assert_eq!(
        master.note.as_deref(),
        Some("-a recovery: metadata replayed from the changelogs")
    );
    let vip = &ep.phases[6];
    assert!(vip.steps.iter().any(|s| s.name == "gratuitous ARP"));
    assert!(vip.steps.iter().any(|s| s.name == "duplicate probe"));
    let biggest = ep.biggest_after_detection().unwrap();
    assert_eq!(biggest.name, "VIPaddr start on mfs-bak");
}

#[test]
fn the_crash_episode_shows_the_masters_first_answer_and_heartbeats_verdict() {
    let ep = crash(Options {
        deadtime_us: Some(5_000_000),
        ..Options::default()
    });
    let texts: Vec<&str> = ep.points.iter().map(|p| p.text.as_str()).collect();
    assert!(
        texts.contains(&"heartbeat on mfs-bak declares mfs-master dead"),
        "{texts:?}"
    );
    assert!(texts
        .iter()
        .any(|t| t.contains("answers INFO at 127.0.0.1:9421 (metadata version 108)")));
    assert!(texts
        .iter()
        .any(|t| t.starts_with("first successful mfsmaster monitor on mfs-bak")));
    assert!(texts
        .iter()
        .any(|t| t.contains("mach_down takeover complete")));
    let ordered: Vec<i64> = ep.points.iter().map(|p| p.at_us).collect();
    assert!(ordered.windows(2).all(|w| w[0] <= w[1]), "{ordered:?}");
}

#[test]
fn a_given_fault_time_is_the_start_and_without_deadtime_the_last_sign_of_life_is() {
    let given = at("2026-12-07T06:53:16.640Z");
    let ep = crash(Options {
        fault_us: Some(given),
        deadtime_us: Some(5_000_000),
        ..Options::default()
    });
    assert_eq!(ep.start_us, given);
    assert_eq!(ep.start_from, "given");
    assert_adds_up(&ep);
    let ep = crash(Options::default());
    assert_eq!(ep.start_from, "last sign of life");
    // mfs-master's last record before the crash: VIPaddr's start ending at 06:53:14.x
    assert!(ep.start_us < at("2026-12-07T06:53:16Z"), "{}", ep.start_us);
    assert_adds_up(&ep);
}

#[test]
fn the_last_transition_by_default_is_the_failback_release_then_acquire() {
    let ep = episode(
        &lab_events(),
        Options {
            deadtime_us: Some(5_000_000),
            ..Options::default()
        },
    );
    assert_eq!(
        ep.trigger,
        Trigger::Standby {
            node: "mfs-bak".into()
        }
    );
    let actions: Vec<&str> = names(&ep)
        .into_iter()
        .filter(|n| !n.starts_with("heartbeat"))
        .collect();
    assert_eq!(
        actions,
        [
            "VIPaddr stop on mfs-bak",
            "mfsmaster stop on mfs-bak",
            "Initdrbd stop on mfs-bak",
            "Initdrbd start on mfs-master",
            "mfsmaster start on mfs-master",
            "VIPaddr start on mfs-master",
        ]
    );
    assert_adds_up(&ep);
    assert_eq!(
        ep.biggest_after_detection().unwrap().name,
        "mfsmaster stop on mfs-bak"
    );
}

#[test]
fn three_transitions_are_told_apart() {
    let all = phases::episodes(&lab_events(), &Options::default());
    let triggers: Vec<&str> = all
        .iter()
        .map(|e| match e.trigger {
            Trigger::Group { .. } => "group",
            Trigger::PeerDead { .. } => "dead",
            Trigger::Standby { .. } => "standby",
            Trigger::PeerShutdown { .. } => "shutdown",
        })
        .collect();
    assert_eq!(triggers, ["group", "dead", "standby"]);
}

#[test]
fn without_flight_records_the_agents_log_lines_give_the_actions() {
    let dirs: Vec<sources::NodeFiles> = sources::node_dirs(&fixture())
        .unwrap()
        .into_iter()
        .map(|mut d| {
            d.flight.clear();
            d
        })
        .collect();
    let ep = phases::select(
        phases::episodes(
            &events_of(&dirs),
            &Options {
                deadtime_us: Some(5_000_000),
                ..Options::default()
            },
        ),
        Some(at("2026-12-07T06:53:16Z")),
    )
    .unwrap();
    let actions: Vec<&str> = names(&ep)
        .into_iter()
        .filter(|n| n.ends_with("on mfs-bak"))
        .collect();
    assert_eq!(
        actions,
        [
            "Initdrbd start on mfs-bak",
            "mfsmaster start on mfs-bak",
            "VIPaddr start on mfs-bak"
        ]
    );
    assert!(ep.phases.iter().all(|p| p.approximate));
    assert_adds_up(&ep);
}

#[test]
fn flight_records_replace_the_same_calls_log_lines() {
    let events = lab_events();
    let starts = events
        .iter()
        .filter(|e| {
            e.node == "mfs-bak"
                && matches!(&e.what, What::Action { agent, action, .. } if agent == "mfsmaster" && action == "start")
        })
        .count();
    assert_eq!(starts, 1);
}

#[test]
fn text_and_json_agree_on_phases_and_total() {
    let ep = crash(Options {
        deadtime_us: Some(5_000_000),
        ..Options::default()
    });
    let text = super::render::text(&ep);
    assert!(
        text.starts_with("mfs-master failed; mfs-bak took over"),
        "{text}"
    );
    assert!(
        text.contains("mfsmaster start on mfs-bak (-a recovery"),
        "{text}"
    );
    assert!(text.contains("total"), "{text}");
    let json = super::render::json(&ep, &[]);
    let phases = json["phases"].as_array().unwrap();
    assert_eq!(phases.len(), ep.phases.len());
    let sum: f64 = phases.iter().map(|p| p["seconds"].as_f64().unwrap()).sum();
    assert!((sum - json["total_seconds"].as_f64().unwrap()).abs() < 1e-6);
    assert_eq!(json["trigger"]["peer_dead"]["peer"], "mfs-master");
}

#[test]
fn intervals_in_heartbeat_syntax() {
    assert_eq!(super::parse_interval("5"), Some(5_000_000));
    assert_eq!(super::parse_interval("500ms"), Some(500_000));
    assert_eq!(super::parse_interval("2s"), Some(2_000_000));
    assert_eq!(super::parse_interval("-1"), None);
    assert_eq!(super::parse_interval("fast"), None);
}

proptest! {
    #[test]
    fn readers_never_panic(text in "(?s).{0,400}") {
        let _ = flight::parse(&text, "n");
        let _ = halog::parse(&text, "n", utc(), 2026);
    }

    #[test]
    fn phases_of_any_lines_add_up(lines in proptest::collection::vec(
        (0u32..60, 0u32..4, 0u32..3000), 0..20)) {
        // random actions and declarations in one minute on two nodes
        let mut text = String::new();
        for (sec, kind, ms) in &lines {
            let line = match kind {
                0 => format!("Dec 07 06:53:{sec:02} b heartbeat: [1]: WARN: node a: is dead"),
                1 => format!("Initdrbd[1]: 2026/12/07_06:53:{sec:02} INFO: start: done (rc 0, {ms} ms)"),
                2 => format!("2026/12/07_06:53:{sec:02}  hb(default)[1]: info: b wants to go standby [foreign]"),
                _ => format!("VIPaddr[1]: 2026/12/07_06:53:{sec:02} INFO: stop x: done (rc 1, {ms} ms)"),
            };
            text.push_str(&line);
            text.push('\n');
        }
        let mut events = halog::parse(&text, "b", utc(), 2026);
        halog::start_of_logged_actions(&mut events);
        events.sort_by_key(phases::us);
        for ep in phases::episodes(&events, &Options { deadtime_us: Some(5_000_000), ..Options::default() }) {
            let sum: i64 = ep.phases.iter().map(|p| p.end_us - p.start_us).sum();
            prop_assert_eq!(sum, ep.end_us - ep.start_us);
        }
    }
}
