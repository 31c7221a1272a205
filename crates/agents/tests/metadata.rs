//! Initdrbd's meta-data, printed by an unprivileged user (`nobody`), validates with xmllint
//! against resource-agents' DTD and RELAX NG schema. Root only (to switch user); under
//! CI=true a missing root, xmllint or schema is a failure, never a skip.

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use common::{agent_bin, root_or_skip, text};

const RA_DIR: &str = "/usr/share/resource-agents";

fn ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// `nobody`'s uid and gid from /etc/passwd.
fn nobody() -> (u32, u32) {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let ids = passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        match f.as_slice() {
            ["nobody", _, uid, gid, ..] => Some((uid.parse().ok()?, gid.parse().ok()?)),
            _ => None,
        }
    });
    match ids {
        Some(ids) => ids,
        None => panic!("no user nobody in /etc/passwd"),
    }
}

/// Initdrbd's `meta-data` output, run as `nobody` from a copy of the binary in a directory
/// that user can reach (the cargo target directory may live under a private home).
fn metadata_as_nobody() -> String {
    let dir = match tempfile::Builder::new()
        .prefix(&format!("mfsha-idrbd-md-{}-", std::process::id()))
        .tempdir()
    {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    };
    let agent = dir.path().join("Initdrbd");
    assert!(std::fs::copy(agent_bin(), &agent).is_ok());
    for (path, mode) in [(dir.path(), 0o755), (agent.as_path(), 0o755)] {
        let set = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
        assert!(set.is_ok(), "chmod {}: {set:?}", path.display());
    }
    let (uid, gid) = nobody();
    let out = Command::new(&agent)
        .arg("meta-data")
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .current_dir("/")
        .uid(uid)
        .gid(gid)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("Initdrbd meta-data as nobody: {e}"),
    };
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stderr.is_empty(), "meta-data wrote to stderr: {out:?}");
    text(&out.stdout)
}

/// Runs `xmllint --noout <args> -` on `xml` from the schema directory (so that the DOCTYPE's
/// relative "ra-api-1.dtd" resolves, as in ocf-tester); `None` when xmllint or the schema
/// files are missing outside CI.
fn xmllint(args: &[&str], xml: &str) -> Option<(bool, String)> {
    let schemas = ["ra-api-1.dtd", "metadata.rng"]
        .iter()
        .all(|f| std::path::Path::new(RA_DIR).join(f).exists());
    let spawned = if schemas {
        Command::new("xmllint")
            .args(["--noout", "--nonet"])
            .args(args)
            .arg("-")
            .current_dir(RA_DIR)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
    } else {
        Err(std::io::Error::other(format!(
            "no schema files in {RA_DIR}"
        )))
    };
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            assert!(
                !ci(),
                "xmllint or {RA_DIR} is missing under CI=true ({e}): apt-get install -y libxml2-utils resource-agents"
            );
            eprintln!("skipped: xmllint unavailable ({e})");
            return None;
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        assert!(stdin.write_all(xml.as_bytes()).is_ok());
    }
    match child.wait_with_output() {
        Ok(out) => Some((out.status.success(), text(&out.stderr))),
        Err(e) => panic!("xmllint: {e}"),
    }
}

#[test]
fn metadata_printed_as_nobody_validates_against_the_dtd_and_the_relax_ng_schema() {
    if !root_or_skip("metadata_printed_as_nobody_validates_against_the_dtd_and_the_relax_ng_schema")
    {
        return;
    }
    let xml = metadata_as_nobody();
    assert!(xml.contains("<resource-agent name=\"Initdrbd\""), "{xml}");
    let dtd = format!("{RA_DIR}/ra-api-1.dtd");
    let rng = format!("{RA_DIR}/metadata.rng");
    for (what, args) in [
        ("DTD (--dtdvalid)", vec!["--dtdvalid", dtd.as_str()]),
        ("DOCTYPE (--valid, as ocf-tester)", vec!["--valid"]),
        ("RELAX NG (--relaxng)", vec!["--relaxng", rng.as_str()]),
    ] {
        if let Some((ok, err)) = xmllint(&args, &xml) {
            assert!(ok, "{what} validation failed:\n{err}\n{xml}");
        }
    }
}

/// `<agent> meta-data` run as `nobody` from a world-readable copy named `name`.
fn agent_metadata_as_nobody(bin: &std::path::Path, name: &str) -> String {
    let dir = match tempfile::Builder::new()
        .prefix(&format!("mfsha-md-{name}-{}-", std::process::id()))
        .tempdir()
    {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    };
    let agent = dir.path().join(name);
    assert!(std::fs::copy(bin, &agent).is_ok());
    for path in [dir.path(), agent.as_path()] {
        let set = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755));
        assert!(set.is_ok(), "chmod {}: {set:?}", path.display());
    }
    let (uid, gid) = nobody();
    let out = Command::new(&agent)
        .arg("meta-data")
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .current_dir("/")
        .uid(uid)
        .gid(gid)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("{name} meta-data as nobody: {e}"),
    };
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stderr.is_empty(), "meta-data wrote to stderr: {out:?}");
    text(&out.stdout)
}

#[test]
fn vipaddr_metadata_printed_as_nobody_validates_against_the_dtd_and_the_relax_ng_schema() {
    if !root_or_skip("vipaddr_metadata_printed_as_nobody_validates") {
        return;
    }
    let bin = std::path::PathBuf::from(env!("CARGO_BIN_EXE_VIPaddr"));
    let xml = agent_metadata_as_nobody(&bin, "VIPaddr");
    assert!(xml.contains("<resource-agent name=\"VIPaddr\""), "{xml}");
    for param in [
        "ip",
        "cidr_netmask",
        "nic",
        "broadcast",
        "iflabel",
        "arp_count",
        "repair",
    ] {
        assert!(
            xml.contains(&format!("<parameter name=\"{param}\"")),
            "{param}: {xml}"
        );
    }
    let dtd = format!("{RA_DIR}/ra-api-1.dtd");
    let rng = format!("{RA_DIR}/metadata.rng");
    for (what, args) in [
        ("DTD (--dtdvalid)", vec!["--dtdvalid", dtd.as_str()]),
        ("DOCTYPE (--valid, as ocf-tester)", vec!["--valid"]),
        ("RELAX NG (--relaxng)", vec!["--relaxng", rng.as_str()]),
    ] {
        if let Some((ok, err)) = xmllint(&args, &xml) {
            assert!(ok, "{what} validation failed:\n{err}\n{xml}");
        }
    }
}
