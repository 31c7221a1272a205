//! The meta-data of every MooseFS daemon kind (the agent installed as mfsmaster,
//! mfsmetalogger, mfschunkserver, mfscgiserv), printed by `nobody`, validates with xmllint
//! against resource-agents' DTD and RELAX NG schema and names the kind it was invoked as.
//! Root only (to switch user); under CI=true a missing root, xmllint or schema is a failure.

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

use common::moosefs::mfs_bin;
use common::{root_or_skip, text};

const RA_DIR: &str = "/usr/share/resource-agents";

fn nobody() -> (u32, u32) {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            match f.as_slice() {
                ["nobody", _, uid, gid, ..] => Some((uid.parse().ok()?, gid.parse().ok()?)),
                _ => None,
            }
        })
        .unwrap_or_else(|| panic!("no user nobody in /etc/passwd"))
}

/// `<kind> meta-data` as nobody, from a copy of the agent installed under the kind's name.
fn metadata_as_nobody(dir: &Path, kind: &str) -> String {
    let agent = dir.join(kind);
    assert!(std::fs::copy(mfs_bin(), &agent).is_ok());
    assert!(std::fs::set_permissions(&agent, std::fs::Permissions::from_mode(0o755)).is_ok());
    let (uid, gid) = nobody();
    let out = Command::new(&agent)
        .arg("meta-data")
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .current_dir("/")
        .uid(uid)
        .gid(gid)
        .output()
        .unwrap_or_else(|e| panic!("{kind} meta-data as nobody: {e}"));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stderr.is_empty(), "meta-data wrote to stderr: {out:?}");
    text(&out.stdout)
}

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

#[test]
fn every_kind_prints_valid_metadata_under_its_own_name() {
    if !root_or_skip("every_kind_prints_valid_metadata_under_its_own_name") {
        return;
    }
    let tools = Path::new("/usr/bin/xmllint").exists()
        && ["ra-api-1.dtd", "metadata.rng"]
            .iter()
            .all(|f| Path::new(RA_DIR).join(f).exists());
    if !tools {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "xmllint or {RA_DIR} missing under CI=true: apt-get install -y libxml2-utils resource-agents"
        );
        eprintln!("skipped: xmllint or schemas missing");
        return;
    }
    let dir = tempfile::Builder::new()
        .prefix(&format!("mfsha-mfs-md-{}-", std::process::id()))
        .tempdir()
        .unwrap_or_else(|e| panic!("tempdir: {e}"));
    assert!(std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).is_ok());
    let dtd = format!("{RA_DIR}/ra-api-1.dtd");
    let rng = format!("{RA_DIR}/metadata.rng");
    for kind in ["mfsmaster", "mfsmetalogger", "mfschunkserver", "mfscgiserv"] {
        let xml = metadata_as_nobody(dir.path(), kind);
        assert!(
            xml.contains(&format!("<resource-agent name=\"{kind}\"")),
            "{xml}"
        );
        for (what, args) in [
            ("DTD (--dtdvalid)", vec!["--dtdvalid", dtd.as_str()]),
            ("DOCTYPE (--valid, as ocf-tester)", vec!["--valid"]),
            ("RELAX NG (--relaxng)", vec!["--relaxng", rng.as_str()]),
        ] {
            let (ok, err) = xmllint(&args, &xml);
            assert!(ok, "{kind}: {what} validation failed:\n{err}\n{xml}");
        }
    }
}
