//! The Pacemaker lab end to end (root): `scripts/lab.sh --stack pacemaker scenarios` brings up
//! corosync 3 + Pacemaker 2.1 on mfs-master and mfs-bak (the crmsh configuration loaded from
//! docs/pacemaker.md: Initdrbd's promotable clone, the filesystem, mfsmaster and VIPaddr in a
//! group; `stonith-enabled=true` with fence_mfsha_lab; DRBD with `fencing resource-and-stonith`
//! and pcmk-fence-peer.sh; real MooseFS), checks that the docs' pcs script means the same
//! configuration, then on that one bring-up: kill -9 of the master (restarted in place with -a), SIGSTOP of the master (the
//! level-10 monitor; the hung master ended), standby of the holder, crash of the holder (fenced
//! through the fence device, taken over), the crashed node booted again, and a crash whose DRBD
//! peer notices 20 s late (the group still comes up, no cleanup). Each step writes a file through
//! the VIP and reads every file back through a fresh mount.
//! Measured here: about 100 s (2 cores, debug build). Asserts the run's exit code and its JSON
//! summary.
//! Under `CI=true` a missing root, corosync, pacemaker, crmsh or MooseFS is a failure, otherwise
//! the test skips with a message.

use mfs_ha_tests::lab::{build_binaries, pacemaker_prerequisites_or_skip, LabGuard};
use serde_json::Value;
use std::time::Duration;

/// The whole run normally takes about 100 s; this bounds a hung one.
const DEADLINE: Duration = Duration::from_secs(420);
/// Fault to service through the VIP, for a fault Pacemaker handles on its own.
const MAX_SERVICE_SECONDS: f64 = 40.0;
/// drbd-sim's peer-loss delay in the late-DRBD scenario (scripts/lab/pacemaker.sh).
const PEER_LOSS_DELAY_SECONDS: f64 = 20.0;

const CHECKS: [&str; 8] = [
    "up",
    "pcs-equivalent",
    "master-kill",
    "master-hang",
    "standby",
    "crash",
    "rejoin-mfs-bak",
    "late-drbd",
];

fn scenario<'a>(summary: &'a Value, name: &str) -> &'a Value {
    let s = &summary["seconds"][name];
    assert!(s.is_object(), "summary has no seconds.{name}: {summary:#}");
    s
}

fn secs(s: &Value, key: &str) -> f64 {
    s[key]
        .as_f64()
        .unwrap_or_else(|| panic!("no {key} figure: {s}"))
}

#[test]
fn pacemaker_recovers_a_killed_or_hung_master_and_fails_over_a_crashed_node_with_fencing() {
    if !pacemaker_prerequisites_or_skip("pacemaker_lab") {
        return;
    }
    let target = build_binaries();
    let id = format!("pm{}", std::process::id());
    let mut guard = LabGuard::new(&id);
    let summary = guard.run_passing(
        &["--stack", "pacemaker", "scenarios"],
        &target,
        DEADLINE,
        &CHECKS,
    );

    // Local recovery: the group stays where it was.
    for name in ["master-kill", "master-hang"] {
        let s = scenario(&summary, name);
        assert_eq!(s["holder"], s["fault_node"], "{name}: {s}");
    }
    // Failover: the group moves to the other node.
    for name in ["standby", "crash", "late-drbd"] {
        let s = scenario(&summary, name);
        assert!(
            s["holder"].is_string() && s["holder"] != s["fault_node"],
            "{name}: {s}"
        );
    }
    for name in ["master-kill", "master-hang", "standby", "crash"] {
        let s = scenario(&summary, name);
        let (detected, takeover, service) =
            (secs(s, "detected"), secs(s, "takeover"), secs(s, "service"));
        assert!(
            0.0 < detected && detected <= takeover && takeover <= service,
            "{name}: {s}"
        );
        assert!(service < MAX_SERVICE_SECONDS, "{name}: {s}");
    }
    // The late DRBD: service only after the survivor's DRBD noticed, yet without a cleanup.
    let late = secs(scenario(&summary, "late-drbd"), "service");
    assert!(
        late > PEER_LOSS_DELAY_SECONDS && late < PEER_LOSS_DELAY_SECONDS + MAX_SERVICE_SECONDS,
        "late-drbd service after {late} s"
    );
    guard.passed = true;
}
