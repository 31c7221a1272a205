//! resource-agents' own conformance checker against the Dummy binary.
//! Skipped when ocf-tester is not installed, except under CI=true where that is a failure.

mod common;

use std::path::Path;
use std::process::Command;

use common::{dummy_bin, in_ci, Sandbox};

const OCF_TESTER: &str = "/usr/sbin/ocf-tester";

#[test]
fn dummy_passes_ocf_tester() {
    if !Path::new(OCF_TESTER).exists() {
        assert!(
            !in_ci(),
            "{OCF_TESTER} is missing under CI=true: apt-get install -y resource-agents libxml2-utils"
        );
        eprintln!("skipped: {OCF_TESTER} not installed");
        return;
    }
    let sb = Sandbox::new();
    let state = format!("state={}", sb.state("d1.state"));
    let out = Command::new(OCF_TESTER)
        .args(["-n", "d1", "-o", &state])
        .arg(dummy_bin())
        .env("MFS_HA_RUN_DIR", sb.path("run"))
        .env("MFS_HA_STATE_DIR", sb.path("state"))
        .env("MFS_HA_CONFIG_DIR", sb.path("etc"))
        .output()
        .expect("run ocf-tester");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "ocf-tester failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("passed all tests"), "{stdout}");
    let records = sb.records();
    assert!(
        records.len() >= 20,
        "every ocf-tester call is recorded: {}",
        records.len()
    );
    assert!(records
        .iter()
        .all(|r| r["mode"] == "ocf" && r["instance"] == "d1"));
}
