//! The binary end to end without a cluster: its configuration errors and exit codes, `--check`,
//! and one round (`--once`) against stand-ins for heartbeat's `cl_status`/`hb_standby` and
//! resource scripts that record their calls (the real heartbeat: tests/tests/watchdog_lab.rs).

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;

/// Writes an executable through install(1), so that no file this process holds open for
/// writing is inherited by another test thread's fork (exec would fail with ETXTBSY).
fn script(path: &Path, text: &str) {
    let source = path.with_extension("src");
    std::fs::write(&source, text).unwrap();
    let ok = Command::new("install")
        .args(["-m", "755"])
        .arg(&source)
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

/// A node: haresources, ha.cf, resource.d with A B C, cl_status and hb_standby stand-ins.
struct Node {
    dir: tempfile::TempDir,
}

impl Node {
    fn new(rscstatus: &str, peer: &str) -> Node {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("resource.d")).unwrap();
        std::fs::write(d.join("haresources"), "n1 A B C\n").unwrap();
        std::fs::write(
            d.join("ha.cf"),
            "node n1\nnode n2\nauto_failback on\ncrm off\n",
        )
        .unwrap();
        for name in ["A", "B", "C"] {
            script(
                &d.join("resource.d").join(name),
                &format!(
                    "#!/bin/sh\nd={}\necho \"{name} $*\" >>$d/calls\ncase $1 in\nstatus) if [ -e $d/down-{name} ]; then echo stopped; else echo running; fi ;;\nstart) rm -f $d/down-{name} ;;\nesac\nexit 0\n",
                    d.display()
                ),
            );
        }
        script(
            &d.join("cl_status"),
            &format!(
                "#!/bin/sh\ncase $1 in rscstatus) echo {rscstatus};; nodestatus) echo {peer};; esac\n"
            ),
        );
        script(
            &d.join("hb_standby"),
            &format!(
                "#!/bin/sh\necho \"hb_standby $*\" >>{}/calls\n",
                d.display()
            ),
        );
        std::fs::write(
            d.join("watchdog.conf"),
            format!(
                "confirm = 1\nrestart_budget = 1\nstandby_timeout = 1\nharesources = {d}/haresources\nha_cf = {d}/ha.cf\nresource_dir = {d}/resource.d\ncl_status = {d}/cl_status\nhb_standby = {d}/hb_standby\n",
                d = d.display()
            ),
        )
        .unwrap();
        Node { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn down(&self, name: &str) {
        std::fs::write(self.path(&format!("down-{name}")), "").unwrap();
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::cargo_bin("mfs-ha-watchdog")
            .unwrap()
            .arg("--config")
            .arg(self.path("watchdog.conf"))
            .args(args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HA_CURHOST", "n1")
            .env("MFS_HA_STATE_DIR", self.path("state"))
            .output()
            .unwrap()
    }

    /// The calls other than status, in order.
    fn actions(&self) -> Vec<String> {
        std::fs::read_to_string(self.path("calls"))
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.ends_with(" status"))
            .map(str::to_string)
            .collect()
    }

    fn flight(&self) -> String {
        std::fs::read_to_string(self.path("state/flight/mfs-ha-watchdog.jsonl")).unwrap_or_default()
    }
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_bad_configuration_is_one_line_and_exit_100_so_heartbeat_does_not_respawn() {
    let node = Node::new("local", "active");
    std::fs::write(
        node.path("watchdog.conf"),
        "interval = 5\nrestart_budget = two\n",
    )
    .unwrap();
    let out = node.run(&[]);
    assert_eq!(out.status.code(), Some(100), "{out:?}");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(
            "watchdog.conf line 2: restart_budget = 'two' is not a whole number from 0 to 1000"
        ),
        "{err}"
    );
    let check = node.run(&["--check"]);
    assert_eq!(check.status.code(), Some(1), "{check:?}");
}

#[test]
fn check_lists_the_group_and_where_each_script_is() {
    let node = Node::new("local", "active");
    let out = node.run(&["--check"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("group A (line 1, preferred node n1)"),
        "{text}"
    );
    assert!(text.contains("resource.d/B (status at level 0)"), "{text}");
    std::fs::write(node.path("haresources"), "n1 A nosuch\n").unwrap();
    let out = node.run(&["--check"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("cannot locate resource script nosuch"));
}

#[test]
fn one_round_restarts_the_failing_resource_and_those_after_it_in_place() {
    let node = Node::new("local", "active");
    node.down("B");
    let out = node.run(&["--once"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(node.actions(), ["C stop", "B stop", "B start", "C start"]);
    let err = stderr(&out);
    assert!(err.contains("WARN: group A: B: stopped (exit code 0); restart in place 1 of 1 in 10 min: stop C, B, start B, C"), "{err}");
    assert!(
        err.contains("INFO: group A: restarted in place in"),
        "{err}"
    );
    assert!(
        node.flight().contains(r#""action":"restart""#),
        "{}",
        node.flight()
    );
}

#[test]
fn the_budget_read_back_from_the_flight_record_gives_the_group_to_a_live_peer() {
    let node = Node::new("local", "active");
    node.down("B");
    assert!(node.run(&["--once"]).status.success());
    // a new process (as after a respawn): the restart above spent the budget of 1
    node.down("C");
    let out = node.run(&["--once"]);
    let err = stderr(&out);
    assert!(
        err.contains("1 restart(s) in place within the last 600 s found"),
        "{err}"
    );
    assert!(
        err.contains("CRIT: group A: C: stopped (exit code 0); restart budget spent (1 in 10 min): giving the group to n2 (active by heartbeat's account): stop C here, then hb_standby local"),
        "{err}"
    );
    let actions = node.actions();
    assert_eq!(&actions[4..], ["C stop", "hb_standby local"], "{actions:?}");
    // the stand-in heartbeat never releases: reported, not hidden
    assert!(
        err.contains(
            "recovery failed: heartbeat still reports the group held here 1 s after hb_standby"
        ),
        "{err}"
    );
}

#[test]
fn a_dead_peer_gets_nothing_and_the_group_is_restarted_again() {
    let node = Node::new("local", "dead");
    node.down("B");
    assert!(node.run(&["--once"]).status.success());
    node.down("B");
    let out = node.run(&["--once"]);
    let err = stderr(&out);
    assert!(err.contains("no peer can take the group (n2 is dead by heartbeat's account): restart in place again (2 in the window)"), "{err}");
    assert!(!node.actions().iter().any(|a| a.starts_with("hb_standby")));
}

#[test]
fn nothing_is_done_on_a_node_that_does_not_hold_the_group_or_during_a_transition() {
    for (rscstatus, says) in [
        ("none", "not held here; not watching"),
        ("foreign", "not held here; not watching"),
        ("transition", "heartbeat is taking over or releasing"),
    ] {
        let node = Node::new(rscstatus, "active");
        node.down("B");
        let out = node.run(&["--once"]);
        assert!(stderr(&out).contains(says), "{rscstatus}: {}", stderr(&out));
        assert!(
            node.actions().is_empty(),
            "{rscstatus}: {:?}",
            node.actions()
        );
        let calls = std::fs::read_to_string(node.path("calls")).unwrap_or_default();
        assert!(calls.is_empty(), "{rscstatus}: not even a status: {calls}");
    }
}

#[test]
fn dry_run_decides_and_logs_but_touches_nothing() {
    let node = Node::new("local", "active");
    node.down("B");
    let out = node.run(&["--once", "--dry-run"]);
    let err = stderr(&out);
    assert!(err.contains("restart in place 1 of 1"), "{err}");
    assert!(err.contains("[dry run: not done]"), "{err}");
    assert!(node.actions().is_empty(), "{:?}", node.actions());
}
