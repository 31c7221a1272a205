//! `mfs-ha doctor`: fingerprints of two node trees, compared: quiet when the pair agrees (and
//! about what differs per node by design), each breaking difference reported with its fix.

mod common;

use common::*;
use serde_json::Value;

fn export(t: &Tree, file: &std::path::Path) -> Value {
    let out = mfs_ha(&[
        "doctor",
        "--root",
        t.root().to_str().unwrap(),
        "--export",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

fn compare(a: &Tree, b: &Tree) -> (i32, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let (fa, fb) = (dir.path().join("a.json"), dir.path().join("b.json"));
    export(a, &fa);
    export(b, &fb);
    let out = mfs_ha(&[
        "--json",
        "doctor",
        "--compare",
        fa.to_str().unwrap(),
        fb.to_str().unwrap(),
    ]);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (
        out.status.code().unwrap(),
        v["findings"].as_array().unwrap().clone(),
    )
}

fn pair() -> (Tree, Tree) {
    let (a, b) = (examples_tree("mfs-master"), examples_tree("mfs-bak"));
    for t in [&a, &b] {
        t.write("/var/lib/dpkg/status", "Package: moosefs-master\nStatus: install ok installed\nVersion: 3.0.117-1\n\nPackage: heartbeat\nStatus: install ok installed\nVersion: 1:3.0.6-13+b2\n\nPackage: drbd-utils\nStatus: install ok installed\nVersion: 9.22.0-1\n", 0o644);
    }
    (a, b)
}

fn edit(t: &Tree, abs: &str, from: &str, to: &str) {
    let text = std::fs::read_to_string(t.path(abs)).unwrap();
    assert!(text.contains(from), "{abs} has no {from:?}");
    let mode = if abs.ends_with("authkeys") {
        0o600
    } else {
        0o644
    };
    t.write(abs, &text.replace(from, to), mode);
}

#[test]
fn the_export_holds_what_must_agree() {
    let (a, _) = pair();
    let dir = tempfile::tempdir().unwrap();
    let v = export(&a, &dir.path().join("fp.json"));
    assert_eq!(v["node"], "mfs-master");
    assert_eq!(
        v["accounts"]["user mfs"],
        serde_json::json!({"id": 1000, "gid": 1000})
    );
    assert_eq!(v["versions"]["moosefs-master"], "3.0.117-1");
    assert_eq!(v["versions"]["resource-agents"], Value::Null);
    for f in [
        "/etc/ha.d/ha.cf",
        "/etc/ha.d/haresources",
        "/etc/ha.d/authkeys",
        "/etc/drbd.conf",
    ] {
        assert_eq!(v["files"][f].as_str().map(str::len), Some(64), "{f}: {v:#}");
    }
    assert_eq!(v["scripts"]["IPaddr"]["agent"], "VIPaddr");
    assert_eq!(
        v["scripts"]["Initdrbd"]["target"],
        "/usr/lib/mfs-ha/Initdrbd"
    );
    assert_eq!(v["names"]["mfs-bak"], serde_json::json!(["192.168.8.201"]));
    // standard output, too
    let out = mfs_ha(&[
        "doctor",
        "--root",
        a.root().to_str().unwrap(),
        "--export",
        "-",
    ]);
    let w: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(w["files"], v["files"]);
}

#[test]
fn a_matching_pair_is_quiet_about_per_node_differences() {
    let (a, b) = pair();
    // by design per node: logs, the peer in ucast, media interface names, the metalogger
    edit(
        &a,
        "/etc/ha.d/ha.cf",
        "logfile /var/log/ha.log",
        "logfile /var/log/ha-master.log\nucast eth1 192.168.125.201",
    );
    edit(
        &b,
        "/etc/ha.d/ha.cf",
        "bcast eth1",
        "bcast ens4\nucast ens4 192.168.125.200",
    );
    b.write(
        "/etc/mfs/mfsmetalogger.cfg",
        "MASTER_HOST = 192.168.8.210\n",
        0o644,
    );
    b.write(
        "/etc/ha.d/mfs-ha/mfsmaster.conf",
        "metalogger_data_path = /var/lib/mfs\n",
        0o644,
    );
    let (code, f) = compare(&a, &b);
    assert_eq!((code, f.len()), (0, 0), "{f:#?}");
}

#[test]
fn a_uid_or_gid_mismatch_is_an_error_with_the_fix() {
    let (a, b) = pair();
    b.base("mfs-bak", 1001, 1000);
    let (code, f) = compare(&a, &b);
    assert_eq!(code, 2);
    let e = find(&f, "/etc/passwd", None, "doctor-ids");
    let what = e["what"].as_str().unwrap();
    assert!(
        what.contains("user mfs is 1000 (gid 1000) on mfs-master but 1001 (gid 1000) on mfs-bak"),
        "{e}"
    );
    says(e, "fix", "on mfs-bak: `usermod -u 1000 -g 1000 mfs`");
    assert_eq!(f.len(), 1, "{f:#?}");
    b.base("mfs-bak", 1000, 1002);
    let (_, f) = compare(&a, &b);
    find(&f, "/etc/group", None, "doctor-ids");
}

#[test]
fn files_settings_versions_names_and_boot_services_that_break_failover() {
    let (a, b) = pair();
    edit(&b, "/etc/ha.d/authkeys", "article-secret", "other-secret");
    edit(
        &b,
        "/etc/ha.d/haresources",
        "\nmfs-master Initdrbd",
        "\nmfs-bak Initdrbd",
    );
    edit(&b, "/etc/ha.d/ha.cf", "deadtime 30", "deadtime 20");
    edit(
        &b,
        "/etc/ha.d/ha.cf",
        "auto_failback on",
        "auto_failback off",
    );
    edit(
        &b,
        "/etc/hosts",
        "192.168.8.200 mfs-master",
        "192.168.8.202 mfs-master",
    );
    edit(
        &b,
        "/var/lib/dpkg/status",
        "Version: 3.0.117-1",
        "Version: 2.0.91-1",
    );
    edit(
        &b,
        "/var/lib/dpkg/status",
        "Version: 9.22.0-1",
        "Version: 9.15.0-1",
    );
    b.write("/etc/ha.d/mfs-ha/Initdrbd.conf", "timeout = 5\n", 0o644);
    b.symlink("../init.d/moosefs-master", "/etc/rc2.d/S01moosefs-master");
    let (code, f) = compare(&a, &b);
    assert_eq!(code, 2);
    let sev = |file: &str, code: &str| {
        find(&f, file, None, code)["severity"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(sev("/etc/ha.d/authkeys", "doctor-file"), "error");
    assert_eq!(sev("/etc/ha.d/haresources", "doctor-file"), "error");
    let hacf: Vec<(&str, &str)> = f
        .iter()
        .filter(|x| x["code"] == "doctor-hacf")
        .map(|x| (x["what"].as_str().unwrap(), x["severity"].as_str().unwrap()))
        .collect();
    assert!(
        hacf.contains(&(
            "ha.cf auto_failback is on on mfs-master but off on mfs-bak",
            "error"
        )),
        "{hacf:?}"
    );
    assert!(
        hacf.iter().any(|(w, s)| w
            .starts_with("ha.cf deadtime is 30 on mfs-master but 20 on mfs-bak")
            && *s == "warning"),
        "{hacf:?}"
    );
    let e = find(&f, "/etc/hosts", None, "doctor-names");
    says(
        e,
        "what",
        "192.168.8.200 on mfs-master but 192.168.8.202 on mfs-bak",
    );
    let versions: Vec<(&str, &str)> = f
        .iter()
        .filter(|x| x["code"] == "doctor-version")
        .map(|x| (x["what"].as_str().unwrap(), x["severity"].as_str().unwrap()))
        .collect();
    assert!(
        versions.iter().any(|(w, s)| w
            .starts_with("moosefs-master is 3.0.117-1 on mfs-master but 2.0.91-1")
            && *s == "error"),
        "{versions:?}"
    );
    assert!(
        versions
            .iter()
            .any(|(w, s)| w.starts_with("drbd-utils is 9.22.0-1") && *s == "warning"),
        "{versions:?}"
    );
    assert_eq!(
        sev("/etc/ha.d/mfs-ha/Initdrbd.conf", "doctor-settings"),
        "warning"
    );
    assert_eq!(sev("/etc/rc2.d/S01moosefs-master", "mfs-boot"), "error");
    // heartbeat missing on one node
    b.write(
        "/var/lib/dpkg/status",
        "Package: moosefs-master\nStatus: install ok installed\nVersion: 3.0.117-1\n",
        0o644,
    );
    let (_, f) = compare(&a, &b);
    assert!(
        f.iter()
            .any(|x| x["what"].as_str().unwrap().starts_with(
                "heartbeat 1:3.0.6-13+b2 is installed on mfs-master but not on mfs-bak"
            )),
        "{f:#?}"
    );
}

#[test]
fn an_agent_missing_on_one_node_and_the_same_node_twice() {
    let (a, b) = pair();
    b.remove("/etc/ha.d/resource.d/IPaddr");
    let (code, f) = compare(&a, &b);
    assert_eq!(code, 2);
    let e = find(&f, "/etc/ha.d/resource.d/IPaddr", None, "doctor-script");
    says(e, "what", "cannot locate it on mfs-bak");
    let (_, f) = compare(&a, &a);
    find(&f, "uname -n", None, "doctor-same-node");
}

#[test]
fn a_file_that_is_not_a_fingerprint_cannot_be_compared() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.json");
    std::fs::write(&p, "{}").unwrap();
    let out = mfs_ha(&[
        "doctor",
        "--compare",
        p.to_str().unwrap(),
        p.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an mfs-ha fingerprint"));
}
