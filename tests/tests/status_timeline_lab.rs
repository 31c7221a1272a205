//! `mfs-ha status` and `mfs-ha timeline` against what happened in the failover lab (root):
//! one bring-up, a crash of mfs-master, then `status` inside mfs-bak must name mfs-bak as the
//! holder, and `timeline` over both nodes' records must show the takeover's phases in order,
//! adding up, and agreeing with the lab's own outside measurement of the takeover.
//! Under `CI=true` a missing root, heartbeat or MooseFS is a failure, otherwise a skip.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mfs_ha_tests::lab::{build_binaries, lab_run, prerequisites_or_skip, LabGuard};
use serde_json::Value;

const UP_DEADLINE: Duration = Duration::from_secs(150);
const FAILOVER_DEADLINE: Duration = Duration::from_secs(120);

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn after_a_crash_status_names_mfs_bak_and_the_timeline_adds_up() {
    if !prerequisites_or_skip("status_timeline_lab") {
        return;
    }
    let target = build_binaries();
    let id = format!("s{}", std::process::id());
    let mut guard = LabGuard::new(&id);
    let lab = |args: &[&str], deadline| {
        let out = lab_run(&id, &target, args, deadline)
            .unwrap_or_else(|| panic!("lab.sh {args:?} hung (logs in /tmp/mfsha-{id}-logs)"));
        assert!(
            out.status.success(),
            "lab.sh {args:?} failed: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    };
    lab(&["up"], UP_DEADLINE);
    let crash_at = now();
    let said = lab(&["failover"], FAILOVER_DEADLINE);
    // "mfs-bak serves after 5.87 s": the lab's own poll of the level-10 monitor
    let serving: f64 = said
        .split("serves after ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no takeover time in: {said}"));

    let mfs_ha = format!("/tmp/mfsha-{id}/target/mfs-ha");
    let status = lab(
        &["enter", "mfs-bak", &mfs_ha, "--json", "status"],
        FAILOVER_DEADLINE,
    );
    let status: Value = serde_json::from_str(&status).expect("status --json");
    let report = &status["report"];
    assert_eq!(report["node"], "mfs-bak", "{report:#}");
    assert_eq!(report["groups"][0]["holder"], "mfs-bak", "{report:#}");
    assert_eq!(report["drbd"]["role"], "Primary", "{report:#}");
    assert_eq!(report["mount"]["mounted"], true, "{report:#}");
    assert_eq!(report["master"]["answered"], true, "{report:#}");
    assert_eq!(
        report["vip_holder"]["answered_by"], "this_node",
        "{report:#}"
    );
    assert_eq!(
        status["verdict"]["level"], "CRITICAL",
        "the peer is dead: {status:#}"
    );
    assert!(
        status["verdict"]["summary"]
            .as_str()
            .unwrap()
            .contains("peer mfs-master is dead"),
        "{status:#}"
    );

    // the flight records and ha.log of both nodes are copied to the logs at `down`
    lab(&["down"], FAILOVER_DEADLINE);
    let logs = guard.logs();
    let out = std::process::Command::new(target.join("mfs-ha"))
        .args(["--json", "timeline", "--logs"])
        .arg(&logs)
        .arg("--since")
        .arg(format!("@{crash_at}"))
        .arg("--fault")
        .arg(format!("@{crash_at}"))
        .output()
        .expect("mfs-ha timeline");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t: Value = serde_json::from_slice(&out.stdout).expect("timeline --json");
    assert_eq!(t["trigger"]["peer_dead"]["peer"], "mfs-master", "{t:#}");
    assert_eq!(t["trigger"]["peer_dead"]["by"], "mfs-bak", "{t:#}");
    let phases = t["phases"].as_array().unwrap();
    let names: Vec<&str> = phases.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(
        names[0], "failure detection (heartbeat deadtime)",
        "{names:?}"
    );
    let starts: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| n.ends_with(" start on mfs-bak"))
        .collect();
    assert_eq!(
        starts,
        [
            "Initdrbd start on mfs-bak",
            "mfsmaster start on mfs-bak",
            "VIPaddr start on mfs-bak"
        ],
        "{names:?}"
    );
    let total = t["total_seconds"].as_f64().unwrap();
    let sum: f64 = phases.iter().map(|p| p["seconds"].as_f64().unwrap()).sum();
    assert!(
        (sum - total).abs() < 1e-3,
        "phases {sum} s, total {total} s"
    );
    let offsets: Vec<f64> = phases
        .iter()
        .map(|p| p["offset_seconds"].as_f64().unwrap())
        .collect();
    assert!(offsets.windows(2).all(|w| w[0] <= w[1]), "{offsets:?}");
    // heartbeat's deadtime is 5 s in the lab: detection takes about that long
    let detection = phases[0]["seconds"].as_f64().unwrap();
    assert!((3.0..7.5).contains(&detection), "detection {detection} s");
    // the lab's first successful monitor on mfs-bak is in the flight records too: the timeline
    // must place it where the lab measured it from outside
    let first_answer = t["points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["text"]
                .as_str()
                .unwrap()
                .starts_with("first successful mfsmaster monitor on mfs-bak")
        })
        .unwrap_or_else(|| panic!("no first answer point: {t:#}"));
    let at = first_answer["offset_seconds"].as_f64().unwrap();
    assert!(
        (at - serving).abs() < 0.5,
        "timeline puts the first answer at {at} s, the lab measured {serving} s"
    );
    assert!(total >= at - 0.5 && total < 60.0, "total {total} s");
    guard.passed = true;
}
