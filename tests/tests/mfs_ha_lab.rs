//! `mfs-ha check`, `plan` and `doctor` inside the failover lab's two nodes (root; one lab
//! bring-up): the lab's configuration checks clean, `plan` shows heartbeat's order with the
//! holder's resources running and the standby's stopped, and a uid mismatch planted on mfs-bak
//! (a private /etc/passwd in its mount namespace) is found by `doctor --compare`.
//! Under `CI=true` a missing root, heartbeat or MooseFS is a failure, otherwise a skip.

use mfs_ha_tests::lab::{build_binaries, prerequisites_or_skip, repo, LabGuard};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `lab.sh up` takes about 30 s.
const UP_DEADLINE: Duration = Duration::from_secs(180);
const STEP_DEADLINE: Duration = Duration::from_secs(60);

fn wait_with_deadline(child: &mut Child, deadline: Duration) -> Option<i32> {
    let start = Instant::now();
    while start.elapsed() < deadline {
        if let Some(status) = child.try_wait().expect("waiting for lab.sh enter") {
            return Some(status.code().unwrap_or(-1));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

/// Runs `mfs-ha ARGS` inside `node` through `lab.sh enter`; exit code and stdout.
fn mfs_ha_in(id: &str, lab: &Path, node: &str, args: &[&str]) -> (i32, String) {
    let out_file = lab.join(format!("out-{node}-{}.txt", std::process::id()));
    let out = std::fs::File::create(&out_file).expect("output file");
    let mut child = Command::new("bash")
        .arg(repo().join("scripts/lab.sh"))
        .args(["enter", node])
        .arg(lab.join("mfs-ha"))
        .args(args)
        .env("MFSHA_LAB_ID", id)
        .stdin(Stdio::null())
        .stdout(out)
        .spawn()
        .expect("lab.sh enter");
    let code = wait_with_deadline(&mut child, STEP_DEADLINE);
    if code.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let text = std::fs::read_to_string(&out_file).unwrap_or_default();
    let _ = std::fs::remove_file(&out_file);
    (
        code.unwrap_or_else(|| panic!("mfs-ha {args:?} in {node} hung")),
        text,
    )
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn steps(plan: &Value) -> Vec<String> {
    plan["groups"][0]["steps"]
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
            format!(
                "{} [{}]",
                argv.join(" "),
                if s["runs"] == true { "runs" } else { "skipped" }
            )
        })
        .collect()
}

/// Boot links of the MooseFS master on this machine, which the lab's boxes share (their /etc
/// is the host's): Debian's moosefs-master package enables its init script at install.
fn host_master_boot_links() -> usize {
    let mut n = 0;
    for level in 2..=5 {
        let Ok(entries) = std::fs::read_dir(format!("/etc/rc{level}.d")) else {
            continue;
        };
        n += entries
            .flatten()
            .filter(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.starts_with('S')
                    && ["moosefs-master", "mfsmaster"].contains(
                        &name.trim_start_matches(|c: char| c == 'S' || c.is_ascii_digit()),
                    )
            })
            .count();
    }
    for dir in [
        "/etc/systemd/system",
        "/lib/systemd/system",
        "/usr/lib/systemd/system",
    ] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for wants in entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".wants"))
        {
            for unit in ["moosefs-master.service", "mfsmaster.service"] {
                if std::fs::symlink_metadata(wants.path().join(unit)).is_ok() {
                    n += 1;
                }
            }
        }
    }
    n
}

fn states(plan: &Value) -> Vec<String> {
    plan["groups"][0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"]["state"].as_str().unwrap_or("?").to_string())
        .collect()
}

#[test]
fn check_plan_and_doctor_inside_the_lab_nodes() {
    if !prerequisites_or_skip("mfs_ha_lab") {
        return;
    }
    let target = build_binaries();
    let id = format!("h{}", std::process::id());
    let lab = PathBuf::from(format!("/tmp/mfsha-{id}"));
    let mut guard = LabGuard::new(&id);
    guard.start(&["up"], &target);
    let code = guard.wait(UP_DEADLINE);
    assert_eq!(
        code,
        Some(0),
        "lab.sh up failed or hung (logs in /tmp/mfsha-{id}-logs)"
    );
    // the boxes see the lab directory (their /tmp is private)
    let ok = Command::new("install")
        .args(["-m", "755"])
        .arg(target.join("mfs-ha"))
        .arg(lab.join("mfs-ha"))
        .status()
        .map(|s| s.success());
    assert_eq!(ok.ok(), Some(true), "install mfs-ha into {}", lab.display());

    // check: clean on both nodes, but for the lab's three deliberate deviations from a real
    // pair: drbd-sim's drbd.conf backs r0 with an image file and has no fencing (without a
    // fence-peer handler, fencing would block the takeover after a crash), and the boxes share
    // this machine's /etc, where the moosefs-master package may have enabled its boot links.
    let conf = format!("{}/drbd/drbd.conf", lab.display());
    let boot_links = host_master_boot_links();
    let allow = [
        "--allow",
        "drbd-fencing",
        "--allow",
        "drbd-disk",
        "--allow",
        "mfs-boot",
    ];
    for node in ["mfs-master", "mfs-bak"] {
        let mut args = vec!["check", "--drbd-conf", &conf];
        args.extend_from_slice(&allow);
        let (code, text) = mfs_ha_in(&id, &lab, node, &args);
        assert_eq!(code, 0, "check on {node}:\n{text}");
        assert!(
            text.lines()
                .last()
                .unwrap_or("")
                .starts_with(&format!("mfs-ha check of {node} (/)")),
            "{text}"
        );
        assert!(text.trim_end().ends_with(": clean"), "{text}");
        // without the allowances the deviations show, and nothing else
        let (code, text) = mfs_ha_in(&id, &lab, node, &["--json", "check", "--drbd-conf", &conf]);
        let v = json(&text);
        let mut found: Vec<&str> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        found.sort();
        let mut expected = vec!["drbd-disk", "drbd-fencing"];
        expected.extend(std::iter::repeat_n("mfs-boot", boot_links));
        expected.sort();
        assert_eq!((code, found), (2, expected), "{text}");
    }

    // plan: heartbeat's order; mfs-master holds everything, mfs-bak nothing
    let (code, text) = mfs_ha_in(&id, &lab, "mfs-master", &["--json", "plan", "takeover"]);
    assert_eq!(code, 0, "{text}");
    let plan = json(&text);
    let d = "/etc/ha.d/resource.d";
    assert_eq!(
        steps(&plan),
        [
            format!("{d}/Initdrbd status [runs]"),
            format!("{d}/Initdrbd start [skipped]"),
            format!("{d}/mfsmaster status [runs]"),
            format!("{d}/mfsmaster start [skipped]"),
            format!("{d}/IPaddr 192.168.8.210 status [runs]"),
            format!("{d}/IPaddr 192.168.8.210 start [skipped]"),
        ]
    );
    assert_eq!(states(&plan), ["running", "running", "running"], "{text}");
    let (code, text) = mfs_ha_in(&id, &lab, "mfs-bak", &["--json", "plan"]);
    assert_eq!(code, 0, "{text}");
    let plan = json(&text);
    assert_eq!(states(&plan), ["stopped", "stopped", "stopped"], "{text}");
    assert!(steps(&plan).iter().all(|s| s.ends_with("[runs]")), "{text}");
    let (_, text) = mfs_ha_in(&id, &lab, "mfs-master", &["--json", "plan", "release"]);
    let plan = json(&text);
    assert_eq!(
        steps(&plan),
        [
            format!("{d}/IPaddr 192.168.8.210 stop [runs]"),
            format!("{d}/mfsmaster stop [runs]"),
            format!("{d}/Initdrbd stop [runs]")
        ]
    );

    // doctor: the pair agrees (no error); then mfs-bak's mfs user gets another uid
    let fp = |node: &str| format!("{}/fp-{node}.json", lab.display());
    let compare = |id: &str| {
        for node in ["mfs-master", "mfs-bak"] {
            let (code, text) = mfs_ha_in(id, &lab, node, &["doctor", "--export", &fp(node)]);
            assert_eq!(code, 0, "{text}");
        }
        let (code, text) = mfs_ha_in(
            id,
            &lab,
            "mfs-master",
            &[
                "--json",
                "doctor",
                "--compare",
                &fp("mfs-master"),
                &fp("mfs-bak"),
            ],
        );
        (code, json(&text))
    };
    let (_, v) = compare(&id);
    let breaking: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error" && f["code"] != "mfs-boot")
        .collect();
    assert!(breaking.is_empty(), "{v:#}");
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    let mfs = passwd
        .lines()
        .find(|l| l.starts_with("mfs:"))
        .expect("user mfs");
    let f: Vec<&str> = mfs.split(':').collect();
    let other_uid = f[2].parse::<u32>().unwrap() + 4242;
    let planted = passwd.replace(
        mfs,
        &format!("mfs:{}:{other_uid}:{}", f[1], f[3..].join(":")),
    );
    std::fs::write(lab.join("passwd-mfs-bak"), planted).unwrap();
    let status = Command::new("bash")
        .arg(repo().join("scripts/lab.sh"))
        .args(["enter", "mfs-bak", "mount", "--bind"])
        .arg(lab.join("passwd-mfs-bak"))
        .arg("/etc/passwd")
        .env("MFSHA_LAB_ID", &id)
        .status()
        .expect("bind-mounting mfs-bak's passwd");
    assert!(status.success());
    let (code, v) = compare(&id);
    assert_eq!(code, 2, "{v:#}");
    let e = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "doctor-ids")
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(e["file"], "/etc/passwd");
    let what = e["what"].as_str().unwrap();
    assert!(
        what.contains(&format!("on mfs-master but {other_uid} ")) && what.contains("on mfs-bak"),
        "{e}"
    );
    assert!(
        e["fix"]
            .as_str()
            .unwrap()
            .contains(&format!("on mfs-bak: `usermod -u {}", f[2])),
        "{e}"
    );
    guard.passed = true;
}
