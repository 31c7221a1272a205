//! `mfs-ha check` on trees (`--root`): the article's own files and their real errors, each trap
//! of the issue planted into a correct tree (ha.d-examples/ installed with the agents), and that
//! correct tree checking clean.

mod common;

use common::*;
use serde_json::Value;

/// The line of the group in ha.d-examples/haresources.
fn group_line() -> u64 {
    let text = std::fs::read_to_string(repo().join("ha.d-examples/haresources")).unwrap();
    text.lines()
        .position(|l| l.starts_with("mfs-master "))
        .unwrap() as u64
        + 1
}

fn codes(findings: &[Value]) -> Vec<String> {
    findings
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{}",
                f["file"]
                    .as_str()
                    .unwrap()
                    .rsplit_once("/etc/")
                    .map(|x| x.1)
                    .unwrap_or("?"),
                f["line"],
                f["code"]
            )
        })
        .collect()
}

#[test]
fn the_articles_configuration_shows_its_real_errors() {
    let t = article_tree();
    let (code, f, _) = check_json(&t, &[]);
    assert_eq!(code, 2, "{f:#?}");
    // Initdrbd and /etc/init.d/mfsmaster: `case"$1"in`
    let e = find(
        &f,
        "/etc/ha.d/resource.d/Initdrbd",
        Some(7),
        "script-syntax",
    );
    assert_eq!(e["severity"], "error");
    says(e, "fix", "case \"$1\" in");
    find(&f, "/etc/init.d/mfsmaster", Some(15), "script-syntax");
    // /etc/init.d/mfsmaster has no #! line and asks to start at boot (chkconfig: 345)
    assert_eq!(
        find(&f, "/etc/init.d/mfsmaster", Some(1), "script-shebang")["severity"],
        "warning"
    );
    find(&f, "/etc/init.d/mfsmaster", Some(1), "script-boot");
    // drbd.conf: `onmfs-master {`, hence no `on mfs-master` section; no fencing
    let on = find(&f, "/etc/drbd.conf", Some(9), "drbd-keyword");
    says(on, "fix", "`on mfs-master {`");
    assert_eq!(
        find(&f, "/etc/drbd.conf", Some(3), "drbd-on")["severity"],
        "error"
    );
    assert_eq!(
        find(&f, "/etc/drbd.conf", Some(3), "drbd-fencing")["severity"],
        "warning"
    );
    // the bare IP runs heartbeat's IPaddr
    assert_eq!(
        find(&f, "/etc/ha.d/haresources", Some(1), "bare-ip")["severity"],
        "warning"
    );
    // neither script has a status action
    find(&f, "/etc/ha.d/resource.d/Initdrbd", None, "script-status");
    find(&f, "/etc/init.d/mfsmaster", None, "script-status");
    // mfsmaster.cfg leaves CHANGELOG_SAVE_MODE at MooseFS's default (0)
    let e = find(
        &f,
        "/usr/local/mfs/etc/mfsmaster.cfg",
        None,
        "mfs-changelog",
    );
    assert_eq!(e["severity"], "warning");
    // and nothing else: ha.cf's timers, nodes and the MASTER_HOST lines are right
    assert_eq!(f.len(), 11, "{:#?}", codes(&f));
}

#[test]
fn text_lines_are_file_line_severity_what_and_fix() {
    let t = article_tree();
    let (code, text) = check_text(&t, &[]);
    assert_eq!(code, 2);
    let (_, f, _) = check_json(&t, &[]);
    let root = t.root().display().to_string();
    let line = text
        .lines()
        .find(|l| l.contains("onmfs-master"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.starts_with(&format!(
            "{root}/etc/drbd.conf:9: error: unknown keyword 'onmfs-master'"
        )),
        "{line}"
    );
    assert!(
        line.ends_with("write `on mfs-master {` (a blank between `on` and the host name)"),
        "{line}"
    );
    for finding in &f {
        let expected = match finding["line"].as_u64() {
            Some(n) => format!(
                "{}:{n}: {}: {}; {}",
                finding["file"].as_str().unwrap(),
                finding["severity"].as_str().unwrap(),
                finding["what"].as_str().unwrap(),
                finding["fix"].as_str().unwrap()
            ),
            None => format!(
                "{}: {}: {}; {}",
                finding["file"].as_str().unwrap(),
                finding["severity"].as_str().unwrap(),
                finding["what"].as_str().unwrap(),
                finding["fix"].as_str().unwrap()
            ),
        };
        assert!(
            text.lines().any(|l| l == expected),
            "{expected}\nnot in\n{text}"
        );
    }
    assert!(text.ends_with("4 error(s), 7 warning(s)\n"), "{text}");
}

#[test]
fn the_examples_check_clean() {
    let t = examples_tree("mfs-master");
    let (code, f, _) = check_json(&t, &["--no-agents"]);
    assert_eq!((code, f.len()), (0, 0), "{f:#?}");
    // the peer, too
    let t = examples_tree("mfs-bak");
    let (code, f, _) = check_json(&t, &["--no-agents"]);
    assert_eq!((code, f.len()), (0, 0), "{f:#?}");
}

#[test]
fn a_missing_or_unusable_script_is_an_error_on_its_haresources_line() {
    let t = examples_tree("mfs-master");
    t.remove("/etc/ha.d/resource.d/mfsmaster");
    let (code, f, _) = check_json(&t, &["--no-agents"]);
    assert_eq!(code, 2);
    let e = find(
        &f,
        "/etc/ha.d/haresources",
        Some(group_line()),
        "script-missing",
    );
    says(e, "what", "Cannot locate resource script mfsmaster");
    says(e, "fix", "scripts/install.sh");
    // a script there but not executable (heartbeat's -x test fails)
    t.write(
        "/etc/init.d/mfsmaster",
        "#!/bin/sh\ncase \"$1\" in status) echo stopped;; esac\n",
        0o644,
    );
    let (_, f, _) = check_json(&t, &["--no-agents"]);
    let e = find(
        &f,
        "/etc/ha.d/haresources",
        Some(group_line()),
        "script-unusable",
    );
    assert_eq!(e["fix"], "chmod 755 /etc/init.d/mfsmaster");
    // agents uninstalled: the link points at nothing
    t.remove("/usr/lib/mfs-ha/Initdrbd");
    let (_, f, _) = check_json(&t, &["--no-agents"]);
    let e = find(
        &f,
        "/etc/ha.d/haresources",
        Some(group_line()),
        "script-unusable",
    );
    says(
        e,
        "what",
        "a link to /usr/lib/mfs-ha/Initdrbd, which does not exist",
    );
}

#[test]
fn node_names_that_heartbeat_rejects() {
    let t = examples_tree("mfs-master");
    // this machine is not in ha.cf
    let (code, f, _) = check_json(&t, &["--no-agents", "--node", "mfs-new"]);
    assert_eq!(code, 2);
    let e = find(&f, "/etc/ha.d/ha.cf", Some(24), "hacf-nodes"); // the last node line
    says(e, "what", "Current node [mfs-new] not in configuration");
    // the group's node is neither this node nor an ha.cf node
    let hr = std::fs::read_to_string(t.path("/etc/ha.d/haresources")).unwrap();
    t.write(
        "/etc/ha.d/haresources",
        &hr.replace("\nmfs-master Initdrbd", "\nmfs-mastr Initdrbd"),
        0o644,
    );
    let (_, f, _) = check_json(&t, &["--no-agents"]);
    find(
        &f,
        "/etc/ha.d/haresources",
        Some(group_line()),
        "haresources-node",
    );
}

#[test]
fn a_bare_ip_that_does_not_reach_vipaddr() {
    let t = examples_tree("mfs-master");
    t.remove("/etc/ha.d/resource.d/IPaddr");
    let (_, f, _) = check_json(&t, &["--no-agents"]);
    let e = find(
        &f,
        "/etc/ha.d/haresources",
        Some(group_line()),
        "script-missing",
    );
    says(
        e,
        "what",
        "bare IP 192.168.8.210 is run as IPaddr::192.168.8.210",
    );
    // heartbeat's own IPaddr instead of mfs-ha's
    t.write(
        "/etc/ha.d/resource.d/IPaddr",
        "#!/bin/sh\n# heartbeat's IPaddr\ncase \"$2\" in status) echo \"Running OK\";; esac\n",
        0o755,
    );
    let (code, f, _) = check_json(&t, &["--no-agents"]);
    assert_eq!(code, 1, "{f:#?}");
    let e = find(&f, "/etc/ha.d/haresources", Some(group_line()), "bare-ip");
    says(e, "fix", "install.sh --as-ipaddr");
}

#[test]
fn an_agents_validate_all_failure_is_reported_with_its_reason() {
    let t = examples_tree("mfs-master");
    // a misspelt key in the agent's defaults file: reported where it is
    t.write(
        "/etc/ha.d/mfs-ha/Initdrbd.conf",
        "# r0 on /usr/local/mfs\ndrbd_resorce = r0\n",
        0o644,
    );
    let (code, f, _) = check_json(&t, &[]);
    assert_eq!(code, 2);
    let e = find(
        &f,
        "/etc/ha.d/mfs-ha/Initdrbd.conf",
        Some(2),
        "agent-validate",
    );
    says(e, "what", "unknown key 'drbd_resorce'");
    // a drbdadm that is not there: the agent's reason, on the haresources line
    t.write(
        "/etc/ha.d/mfs-ha/Initdrbd.conf",
        "drbdadm = /nonexistent/drbdadm\n",
        0o644,
    );
    let (_, f, _) = check_json(&t, &[]);
    let e = f
        .iter()
        .find(|x| {
            x["code"] == "agent-validate"
                && x["what"]
                    .as_str()
                    .unwrap()
                    .contains("Initdrbd validate-all")
        })
        .unwrap_or_else(|| panic!("{f:#?}"));
    assert_eq!(e["line"].as_u64(), Some(group_line()));
    says(e, "what", "/nonexistent/drbdadm");
}

#[test]
fn ha_cf_timers_paths_failback_crm_and_authkeys() {
    let t = examples_tree("mfs-master");
    let cf = std::fs::read_to_string(t.path("/etc/ha.d/ha.cf")).unwrap();
    let lines: Vec<&str> = cf.lines().collect();
    let line_of = |word: &str| lines.iter().position(|l| l.starts_with(word)).unwrap() as u64 + 1;
    let bad = cf
        .replace("deadtime 30", "deadtime 3")
        .replace("bcast eth1\n", "")
        .replace("auto_failback on\n", "")
        .replace("crm off", "crm on");
    t.write("/etc/ha.d/ha.cf", &bad, 0o644);
    t.write("/etc/ha.d/authkeys", "auth 2\n1 sha1 x\n", 0o644);
    let (code, f, _) = check_json(&t, &["--no-agents"]);
    assert_eq!(code, 2);
    let dead = f
        .iter()
        .find(|x| x["code"] == "hacf-timers" && x["severity"] == "error")
        .expect("timers");
    assert_eq!(
        dead["line"].as_u64(),
        Some(line_of("deadtime") - 1),
        "{dead}"
    ); // one line less: bcast removed
    says(dead, "what", "not more than twice keepalive");
    assert_eq!(
        find(&f, "/etc/ha.d/ha.cf", None, "hacf-media")["severity"],
        "error"
    );
    assert_eq!(
        find(&f, "/etc/ha.d/ha.cf", None, "hacf-auto-failback")["severity"],
        "warning"
    );
    find(&f, "/etc/ha.d/ha.cf", Some(line_of("crm") - 2), "hacf-crm");
    assert!(find(&f, "/etc/ha.d/authkeys", None, "authkeys-mode")["fix"]
        .as_str()
        .unwrap()
        .contains("chmod 600"));
    find(&f, "/etc/ha.d/authkeys", Some(1), "authkeys");
}

#[test]
fn drbd_resource_hosts_disk_and_fencing() {
    let t = examples_tree("mfs-master");
    let conf = std::fs::read_to_string(t.path("/etc/drbd.conf")).unwrap();
    t.write(
        "/etc/drbd.conf",
        &conf
            .replace("on mfs-bak {", "on mfs-backup {")
            .replace("fencing resource-only;", ""),
        0o644,
    );
    t.remove("/dev/sdb");
    let (code, f, _) = check_json(&t, &["--no-agents"]);
    assert_eq!(code, 2);
    let e = find(&f, "/etc/drbd.conf", Some(5), "drbd-on");
    says(e, "what", "no `on mfs-bak` section");
    find(&f, "/etc/drbd.conf", Some(5), "drbd-fencing");
    find(&f, "/etc/drbd.conf", Some(24), "drbd-disk");
    // the group names a resource drbd.conf does not define
    let hr = std::fs::read_to_string(t.path("/etc/ha.d/haresources")).unwrap();
    t.write(
        "/etc/ha.d/haresources",
        &hr.replace(
            "\nmfs-master Initdrbd mfsmaster",
            "\nmfs-master Initdrbd::r7 mfsmaster",
        ),
        0o644,
    );
    let (_, f, _) = check_json(&t, &["--no-agents"]);
    let e = find(
        &f,
        "/etc/ha.d/haresources",
        Some(group_line()),
        "drbd-resource",
    );
    says(e, "what", "'r7' is not defined");
    // no drbd.conf at all
    t.remove("/etc/drbd.conf");
    let (_, f, _) = check_json(&t, &["--no-agents"]);
    find(
        &f,
        "/etc/ha.d/haresources",
        Some(group_line()),
        "drbd-conf-missing",
    );
}

#[test]
fn moosefs_data_path_master_host_boot_services_and_user() {
    let t = examples_tree("mfs-bak");
    t.write(
        "/etc/mfs/mfsmaster.cfg",
        "WORKING_USER = mfs\nDATA_PATH = /var/lib/mfs\n",
        0o644,
    )
    .write(
        "/etc/mfs/mfsmetalogger.cfg",
        "DATA_PATH = /var/lib/mfs\nMASTER_HOST = mfs-master\n",
        0o644,
    )
    .write(
        "/etc/mfs/mfschunkserver.cfg",
        "MASTER_HOST = 192.168.8.210\n",
        0o644,
    )
    .symlink(
        "/lib/systemd/system/moosefs-master.service",
        "/etc/systemd/system/multi-user.target.wants/moosefs-master.service",
    )
    .symlink("../init.d/mfsmaster", "/etc/rc3.d/S91mfsmaster")
    .write("/etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0o644);
    let (code, f, _) = check_json(&t, &["--no-agents"]);
    assert_eq!(code, 2);
    let e = find(&f, "/etc/mfs/mfsmaster.cfg", Some(2), "mfs-data-path");
    says(e, "fix", "DATA_PATH = /usr/local/mfs/var/mfs");
    let e = find(&f, "/etc/mfs/mfsmetalogger.cfg", Some(2), "mfs-master-host");
    says(e, "what", "mfs-master's own address 192.168.8.200");
    assert!(
        !f.iter()
            .any(|x| x["file"].as_str().unwrap().ends_with("mfschunkserver.cfg")),
        "{f:#?}"
    );
    let e = find(
        &f,
        "/etc/systemd/system/multi-user.target.wants/moosefs-master.service",
        None,
        "mfs-boot",
    );
    says(e, "fix", "systemctl disable moosefs-master");
    find(&f, "/etc/rc3.d/S91mfsmaster", None, "mfs-boot");
    find(&f, "/etc/passwd", None, "mfs-user");
}

#[test]
fn a_changelog_save_mode_other_than_2_risks_acknowledged_changes() {
    let t = examples_tree("mfs-master");
    let cfg = "/etc/mfs/mfsmaster.cfg";
    let base = "DATA_PATH = /usr/local/mfs/var/mfs\n";
    let changelog = |body: &str| {
        t.write(cfg, &format!("{base}{body}"), 0o644);
        let (code, f, _) = check_json(&t, &["--no-agents"]);
        let found: Vec<Value> = f
            .into_iter()
            .filter(|x| x["code"] == "mfs-changelog")
            .collect();
        (code, found)
    };
    // MooseFS's default: a killed master or a crashed node loses acknowledged changes
    let (code, f) = changelog("# CHANGELOG_SAVE_MODE = 2\n");
    assert_eq!((code, f.len()), (1, 1), "{f:#?}");
    let e = find(&f, cfg, None, "mfs-changelog");
    assert_eq!(e["severity"], "warning");
    says(
        e,
        "what",
        "CHANGELOG_SAVE_MODE is not set (mode 0, the default)",
    );
    says(e, "what", "killed master");
    says(e, "what", "DRBD or not");
    says(e, "fix", "set `CHANGELOG_SAVE_MODE = 2`");
    // 0 written out: the same, on its line
    let (_, f) = changelog("CHANGELOG_SAVE_MODE = 0\n");
    let e = find(&f, cfg, Some(2), "mfs-changelog");
    assert_eq!(e["severity"], "warning");
    says(e, "what", "CHANGELOG_SAVE_MODE = 0: ");
    // 1: a killed master loses nothing, a crashed node does
    let (_, f) = changelog("CHANGELOG_SAVE_MODE = 1 # flush\n");
    let e = find(&f, cfg, Some(2), "mfs-changelog");
    assert_eq!(e["severity"], "warning");
    says(e, "what", "node crash or power loss");
    says(e, "what", "a killed master process loses nothing");
    // 2: clean; the last of two lines counts, as for mfsmaster
    let (code, f) = changelog("CHANGELOG_SAVE_MODE = 0\nCHANGELOG_SAVE_MODE = 2\n");
    assert_eq!((code, f.len()), (0, 0), "{f:#?}");
    // a value mfsmaster does not know: it runs mode 0 without saying so here
    for bad in ["3", "fsync"] {
        let (code, f) = changelog(&format!("CHANGELOG_SAVE_MODE = {bad}\n"));
        assert_eq!(code, 2, "{bad}");
        let e = find(&f, cfg, Some(2), "mfs-changelog");
        assert_eq!(e["severity"], "error");
        says(e, "what", &format!("= {bad} is not 0, 1 or 2"));
        says(e, "fix", "CHANGELOG_SAVE_MODE = 2");
    }
}

#[test]
fn an_unreadable_root_could_not_be_checked() {
    let out = mfs_ha(&["check", "--root", "/nonexistent/mfs-ha-root"]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--root /nonexistent/mfs-ha-root"), "{err}");
}

#[test]
fn allowed_codes_are_counted_not_listed() {
    let t = article_tree();
    let (_, all, _) = check_json(&t, &[]);
    let (code, f, v) = check_json(&t, &["--allow", "drbd-fencing", "--allow", "script-status"]);
    assert_eq!(code, 2);
    assert_eq!(v["allowed"], 3);
    assert_eq!(f.len(), all.len() - 3);
    assert!(
        !f.iter()
            .any(|x| x["code"] == "drbd-fencing" || x["code"] == "script-status"),
        "{f:#?}"
    );
    let (_, text) = check_text(&t, &["--allow", "drbd-fencing"]);
    assert!(
        text.trim_end()
            .ends_with(", 1 allowed (drbd-fencing): 4 error(s), 6 warning(s)"),
        "{text}"
    );
}

#[test]
fn the_classic_drbddisk_and_filesystem_pair_is_understood() {
    let t = examples_tree("mfs-master");
    let script = "#!/bin/sh\ncase \"$2\" in status) echo stopped;; esac\nexit 0\n";
    t.write("/etc/ha.d/resource.d/drbddisk", script, 0o755)
        .write("/etc/ha.d/resource.d/Filesystem", script, 0o755)
        .write(
            "/etc/ha.d/haresources",
            "mfs-master drbddisk::r0 Filesystem::/dev/drbd1::/srv/mfs::ext4 mfsmaster 192.168.8.210\n",
            0o644,
        )
        .write(
            "/etc/mfs/mfsmaster.cfg",
            "DATA_PATH = /srv/mfs/var/mfs\nCHANGELOG_SAVE_MODE = 2\n",
            0o644,
        );
    let (code, f, _) = check_json(&t, &["--no-agents"]);
    assert_eq!((code, f.len()), (0, 0), "{f:#?}");
    t.write(
        "/etc/mfs/mfsmaster.cfg",
        "DATA_PATH = /usr/local/mfs/var/mfs\n",
        0o644,
    );
    let (_, f, _) = check_json(&t, &["--no-agents"]);
    let e = find(&f, "/etc/mfs/mfsmaster.cfg", Some(1), "mfs-data-path");
    says(e, "fix", "DATA_PATH = /srv/mfs/var/mfs");
    // drbddisk names a resource drbd.conf lacks
    t.write(
        "/etc/ha.d/haresources",
        "mfs-master drbddisk::r5 Filesystem::/dev/drbd1::/srv/mfs::ext4 mfsmaster\n",
        0o644,
    );
    let (_, f, _) = check_json(&t, &["--no-agents"]);
    find(&f, "/etc/ha.d/haresources", Some(1), "drbd-resource");
}
