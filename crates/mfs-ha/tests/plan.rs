//! `mfs-ha plan`: heartbeat's order (status then start, left to right; stop right to left),
//! the exact command lines, heartbeat's glob rule on the status output (not the exit code),
//! a group heartbeat gives up at a missing script, deadlines, and an agent's own reason.

mod common;

use common::*;
use serde_json::Value;

/// Scripts whose status output is chosen by the test: the rule, not the script, is under test.
fn tree() -> Tree {
    let t = Tree::new();
    let ex = std::fs::read_to_string(repo().join("ha.d-examples/ha.cf")).unwrap();
    t.write("/etc/hostname", "mfs-bak\n", 0o644)
        .write("/etc/ha.d/ha.cf", &ex, 0o644)
        .write("/etc/ha.d/haresources", "# the article's group, with arguments\nmfs-master Initdrbd::r0::/dev/drbd1::/usr/local/mfs mfsmaster 192.168.8.210\n", 0o644)
        // drbddisk's text: "not " inside "cannot " makes it stopped for heartbeat
        .write("/etc/ha.d/resource.d/Initdrbd", "#!/bin/sh\n[ \"$4\" = status ] && echo 'cannot determine status, may be running (Unknown)'\nexit 0\n", 0o755)
        // exit code 3 but "running" printed: heartbeat believes the text
        .write("/etc/init.d/mfsmaster", "#!/bin/sh\n[ \"$1\" = status ] && echo 'mfsmaster is running'\nexit 3\n", 0o755)
        .write("/etc/ha.d/resource.d/IPaddr", "#!/bin/sh\n[ \"$2\" = status ] && echo 'INFO: Resource is stopped'\nexit 0\n", 0o755);
    t
}

fn plan(t: &Tree, extra: &[&str]) -> (i32, Value) {
    let root = t.root().to_str().unwrap();
    let mut args = vec!["--json", "plan"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--root", root]);
    let out = mfs_ha(&args);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), v)
}

fn steps(v: &Value) -> Vec<(String, String, bool)> {
    v["groups"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let argv: Vec<&str> = s["argv"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            (
                s["action"].as_str().unwrap().to_string(),
                argv.join(" "),
                s["runs"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn takeover_is_status_then_start_left_to_right_judged_by_the_glob_rule() {
    let t = tree();
    let (code, v) = plan(&t, &["takeover"]);
    assert_eq!(code, 0, "{v:#}");
    let d = "/etc/ha.d/resource.d";
    let expected = [
        (
            "status",
            format!("{d}/Initdrbd r0 /dev/drbd1 /usr/local/mfs status"),
            true,
        ),
        (
            "start",
            format!("{d}/Initdrbd r0 /dev/drbd1 /usr/local/mfs start"),
            true,
        ),
        ("status", "/etc/init.d/mfsmaster status".to_string(), true),
        ("start", "/etc/init.d/mfsmaster start".to_string(), false),
        ("status", format!("{d}/IPaddr 192.168.8.210 status"), true),
        ("start", format!("{d}/IPaddr 192.168.8.210 start"), true),
    ];
    let expected: Vec<(String, String, bool)> = expected
        .into_iter()
        .map(|(a, b, c)| (a.to_string(), b, c))
        .collect();
    assert_eq!(steps(&v), expected);
    let states: Vec<&str> = v["groups"][0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["stopped", "running", "stopped"]);
    assert_eq!(v["groups"][0]["resources"][1]["status"]["exit_code"], 3);
    assert_eq!(
        v["groups"][0]["resources"][0]["status"]["reason"],
        "cannot determine status, may be running (Unknown)"
    );
    // the text form says the same
    let out = mfs_ha(&["plan", "--root", t.root().to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("4. /etc/init.d/mfsmaster start")
            && text.contains("skipped: status says running"),
        "{text}"
    );
}

#[test]
fn release_is_stop_right_to_left_without_status() {
    let (code, v) = plan(&tree(), &["release"]);
    assert_eq!(code, 0);
    let got: Vec<String> = steps(&v).into_iter().map(|s| s.1).collect();
    assert_eq!(
        got,
        [
            "/etc/ha.d/resource.d/IPaddr 192.168.8.210 stop",
            "/etc/init.d/mfsmaster stop",
            "/etc/ha.d/resource.d/Initdrbd r0 /dev/drbd1 /usr/local/mfs stop"
        ]
    );
}

#[test]
fn a_missing_script_ends_the_takeover_there() {
    let t = tree();
    t.remove("/etc/init.d/mfsmaster");
    let (code, v) = plan(&t, &[]);
    assert_eq!(code, 2, "{v:#}");
    let s = v["groups"][0]["steps"].as_array().unwrap();
    assert_eq!(s.len(), 6);
    assert!(
        s[3]["note"]
            .as_str()
            .unwrap()
            .contains("Cannot locate resource script mfsmaster"),
        "{:#}",
        s[3]
    );
    assert!(
        s[4..]
            .iter()
            .all(|x| x["runs"] == false && x["note"].as_str().unwrap().starts_with("not reached")),
        "{s:#?}"
    );
}

#[test]
fn a_hanging_status_is_cut_at_the_deadline() {
    let t = tree();
    t.write("/etc/init.d/mfsmaster", "#!/bin/sh\nsleep 30\n", 0o755);
    let started = std::time::Instant::now();
    let (code, v) = plan(&t, &["--timeout", "1"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(code, 1, "{v:#}");
    let st = &v["groups"][0]["resources"][1]["status"];
    assert_eq!(st["state"], "unknown");
    assert!(
        st["reason"]
            .as_str()
            .unwrap()
            .contains("did not finish within 1 s"),
        "{st}"
    );
    let (_, v) = plan(&t, &["--no-status"]);
    assert!(v["groups"][0]["resources"][1]["status"].is_null());
}

#[test]
fn an_agents_status_carries_its_own_reason() {
    // mfs-ha's VIPaddr installed as IPaddr: 192.168.8.210 is on no interface of this machine
    let t = examples_tree("mfs-bak");
    let (_, v) = plan(&t, &["--no-status"]);
    assert_eq!(
        v["groups"][0]["resources"][2]["script"],
        "/etc/ha.d/resource.d/IPaddr"
    );
    let (_, v) = plan(&t, &[]);
    let st = &v["groups"][0]["resources"][2]["status"];
    assert_eq!(st["state"], "stopped", "{st}");
    assert_eq!(st["printed"], "stopped", "{st}");
    assert_eq!(st["reason"], "VIPaddr (192.168.8.210) is stopped", "{st}");
    // Initdrbd cannot read DRBD's state: heartbeat sees "stopped" (nothing printed), the agent says why
    t.write(
        "/etc/ha.d/mfs-ha/Initdrbd.conf",
        "drbd_status_source = /nonexistent/proc_drbd\n",
        0o644,
    );
    let (_, v) = plan(&t, &[]);
    let st = &v["groups"][0]["resources"][0]["status"];
    assert_eq!(
        (
            st["state"].as_str(),
            st["printed"].as_str(),
            st["agent_state"].as_str()
        ),
        (Some("stopped"), Some(""), Some("unknown")),
        "{st}"
    );
    assert!(
        st["reason"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/proc_drbd does not exist"),
        "{st}"
    );
    let out = mfs_ha(&["plan", "--root", t.root().to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("stopped (the agent says unknown): /nonexistent/proc_drbd does not exist"),
        "{text}"
    );
}
