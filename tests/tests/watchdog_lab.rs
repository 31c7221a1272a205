//! The resource watchdog in the two-node lab (root), on one lab bring-up
//! (`scripts/lab.sh watchdog`, about 75 s): mfsmaster killed with -9 is restarted in place by
//! the watchdog and recovered with -a; a SIGSTOPped mfsmaster is ended by the agent's stop and
//! restarted; a third failure with the budget (2 in 10 min) spent and mfs-bak alive hands the
//! group to mfs-bak with hb_standby. Every fsynced file reads back after each step.
//! Asserts the run's exit code and its JSON summary.

use mfs_ha_tests::lab::{build_binaries, prerequisites_or_skip, LabGuard};
use serde_json::Value;
use std::time::Duration;

/// The whole run normally takes about 75 s; this bounds a hung one.
const DEADLINE: Duration = Duration::from_secs(400);

const CHECKS: [&str; 8] = [
    "watchdog-running",
    "kill-restarted-in-place",
    "kill-data-intact",
    "hang-ended-and-restarted",
    "hang-data-intact",
    "budget-spent-handover",
    "handover-data-intact",
    "flight-record",
];

fn seconds(summary: &Value, key: &str) -> f64 {
    summary["seconds"][key]
        .as_f64()
        .unwrap_or_else(|| panic!("summary has no seconds.{key}: {summary:#}"))
}

#[test]
fn watchdog_restarts_a_killed_or_hung_master_in_place_then_hands_the_group_over() {
    if !prerequisites_or_skip("watchdog_lab") {
        return;
    }
    let target = build_binaries();
    let id = format!("wd{}", std::process::id());
    let mut guard = LabGuard::new(&id);
    let summary = guard.run_passing(&["watchdog"], &target, DEADLINE, &CHECKS);
    let files = &summary["files"];
    assert_eq!(files["written"], 7, "{files}");
    assert_eq!(files["read_back_equal"], files["written"], "{files}");
    // interval 2 s x confirm 2 plus the restart; the hang adds the stop's SIGKILL deadline
    let kill = seconds(&summary, "kill_to_serving");
    let hang = seconds(&summary, "hang_to_serving");
    let handover = seconds(&summary, "handover_to_serving_on_mfs_bak");
    assert!(kill > 0.0 && kill < 30.0, "kill -9 -> serving {kill} s");
    assert!(hang > 0.0 && hang < 60.0, "SIGSTOP -> serving {hang} s");
    assert!(
        handover > 0.0 && handover < 60.0,
        "kill -9 -> serving on mfs-bak {handover} s"
    );
    guard.passed = true;
}
