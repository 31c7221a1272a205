//! Every agent's meta-data, printed by an unprivileged user (`nobody`, as ocf-tester runs it;
//! Pacemaker uses `hacluster`), validates with xmllint against resource-agents' DTD and
//! RELAX NG schema and names the agent it was invoked as (the MooseFS agent answers for the
//! kind it is installed as). Root only (to switch user); under CI=true a missing root,
//! xmllint or schema is a failure, never a skip.

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::mfsmaster::mfs_bin;
use common::{agent_bin, install_executable, installed_or_skip, root_or_skip, text, user_ids};

const RA_DIR: &str = "/usr/share/resource-agents";

/// True when the test may go on: root, xmllint and the schema files; under CI=true anything
/// missing is a failure.
fn ready(test: &str) -> bool {
    root_or_skip(test)
        && installed_or_skip("/usr/bin/xmllint", "libxml2-utils")
        && ["ra-api-1.dtd", "metadata.rng"]
            .iter()
            .all(|f| installed_or_skip(&format!("{RA_DIR}/{f}"), "resource-agents"))
}

/// `<name> meta-data` run as nobody from a world-readable copy of `bin` called `name` (the
/// cargo target directory may live under a private home).
fn metadata_as_nobody(bin: &Path, name: &str) -> String {
    let dir = testbins::scratch(&format!("mfsha-md-{name}"));
    let agent = dir.path().join(name);
    install_executable(bin, &agent);
    let set = std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755));
    assert!(set.is_ok(), "chmod {}: {set:?}", dir.path().display());
    let (uid, gid) = user_ids("nobody", "every Debian system has it");
    let out = Command::new(&agent)
        .arg("meta-data")
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .current_dir("/")
        .uid(uid)
        .gid(gid)
        .output()
        .unwrap_or_else(|e| panic!("{name} meta-data as nobody: {e}"));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stderr.is_empty(), "meta-data wrote to stderr: {out:?}");
    text(&out.stdout)
}

/// `xmllint --noout <args> -` from the schema directory, so that the DOCTYPE's relative
/// "ra-api-1.dtd" resolves as in ocf-tester: (valid, xmllint's complaints).
fn xmllint(args: &[&str], xml: &str) -> (bool, String) {
    let mut child = Command::new("xmllint")
        .args(["--noout", "--nonet"])
        .args(args)
        .arg("-")
        .current_dir(RA_DIR)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("xmllint: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        assert!(stdin.write_all(xml.as_bytes()).is_ok());
    }
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("xmllint: {e}"));
    (out.status.success(), text(&out.stderr))
}

/// The agent installed as `name` prints meta-data for `name` with `params`, valid three ways.
fn assert_valid_metadata(bin: &Path, name: &str, params: &[&str]) {
    let xml = metadata_as_nobody(bin, name);
    assert!(
        xml.contains(&format!("<resource-agent name=\"{name}\"")),
        "{xml}"
    );
    for param in params {
        assert!(
            xml.contains(&format!("<parameter name=\"{param}\"")),
            "{name}: parameter {param} missing: {xml}"
        );
    }
    let dtd = format!("{RA_DIR}/ra-api-1.dtd");
    let rng = format!("{RA_DIR}/metadata.rng");
    for (what, args) in [
        ("DTD (--dtdvalid)", vec!["--dtdvalid", dtd.as_str()]),
        ("DOCTYPE (--valid, as ocf-tester)", vec!["--valid"]),
        ("RELAX NG (--relaxng)", vec!["--relaxng", rng.as_str()]),
    ] {
        let (ok, err) = xmllint(&args, &xml);
        assert!(ok, "{name}: {what} validation failed:\n{err}\n{xml}");
    }
}

#[test]
fn initdrbd_metadata_printed_as_nobody_is_valid() {
    if ready("initdrbd_metadata_printed_as_nobody_is_valid") {
        let params = ["drbd_resource", "device", "directory", "fstype"];
        assert_valid_metadata(&agent_bin(), "Initdrbd", &params);
    }
}

#[test]
fn vipaddr_metadata_printed_as_nobody_is_valid() {
    if ready("vipaddr_metadata_printed_as_nobody_is_valid") {
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_VIPaddr"));
        let params = [
            "ip",
            "cidr_netmask",
            "nic",
            "broadcast",
            "iflabel",
            "arp_count",
            "repair",
        ];
        assert_valid_metadata(&bin, "VIPaddr", &params);
    }
}

#[test]
fn every_moosefs_kind_prints_valid_metadata_under_its_own_name() {
    if ready("every_moosefs_kind_prints_valid_metadata_under_its_own_name") {
        for kind in ["mfsmaster", "mfsmetalogger", "mfschunkserver", "mfscgiserv"] {
            assert_valid_metadata(&mfs_bin(), kind, &["daemon", "binary"]);
        }
    }
}
