//! The two-node failover lab end to end (root): `scripts/lab.sh demo` builds the seed article's
//! cluster (heartbeat v1, drbd-sim, MooseFS, the mfs-ha agents installed by scripts/install.sh),
//! writes files from a client, crashes mfs-master, verifies the takeover by mfs-bak, then boots
//! mfs-master again and verifies the failback.
//! The test asserts the demo's exit code and its JSON summary. Under `CI=true` a missing root,
//! heartbeat or MooseFS is a failure, otherwise the test skips with a message.

use mfs_ha_tests::lab::{build_binaries, prerequisites_or_skip, LabGuard};
use serde_json::Value;
use std::time::Duration;

/// The whole demo with failback normally takes about 40 s; this bounds a hung run.
const DEMO_DEADLINE: Duration = Duration::from_secs(300);
/// Crash to service, as the operator sees it.
const MAX_TAKEOVER_SECONDS: f64 = 60.0;

const CHECKS: [&str; 13] = [
    "held-on-mfs-master",
    "vip-answers",
    "info-probe",
    "files-written",
    "takeover",
    "held-on-mfs-bak",
    "master-recovered",
    "old-node-gone",
    "data-intact",
    "vip-mac-moved",
    "metalogger-on-mfs-bak",
    "timeline",
    "failback",
];

fn seconds(summary: &Value, key: &str) -> f64 {
    summary["takeover_seconds"][key]
        .as_f64()
        .unwrap_or_else(|| panic!("summary has no takeover_seconds.{key}: {summary:#}"))
}

#[test]
fn crash_of_mfs_master_moves_the_service_to_mfs_bak_and_back_without_losing_data() {
    if !prerequisites_or_skip("failover_lab") {
        return;
    }
    let target = build_binaries();
    let id = format!("t{}", std::process::id());
    let mut guard = LabGuard::new(&id);
    let summary = guard.run_passing(
        &["demo", "--files", "12", "--failback"],
        &target,
        DEMO_DEADLINE,
        &CHECKS,
    );

    let files = &summary["files"];
    assert_eq!(files["count"], 12, "{files}");
    assert_eq!(files["written"], files["count"], "{files}");
    assert_eq!(files["read_back_equal"], files["count"], "{files}");

    let mac = &summary["vip_mac"];
    assert_eq!(mac["before"], mac["mfs_master"], "{mac}");
    assert_eq!(mac["after"], mac["mfs_bak"], "{mac}");
    assert_ne!(mac["mfs_master"], mac["mfs_bak"], "{mac}");

    let serving = seconds(&summary, "mfsmaster_serving");
    let resumed = seconds(&summary, "client_io_resumed");
    assert!(
        serving > 0.0 && serving < MAX_TAKEOVER_SECONDS,
        "mfsmaster serving on mfs-bak {serving} s after the crash"
    );
    assert!(
        resumed > 0.0 && resumed < MAX_TAKEOVER_SECONDS,
        "client I/O resumed {resumed} s after the crash"
    );
    let failback = seconds(&summary, "failback");
    assert!(
        failback > 0.0 && failback < MAX_TAKEOVER_SECONDS,
        "group back on mfs-master {failback} s after its restart"
    );
    guard.passed = true;
}
