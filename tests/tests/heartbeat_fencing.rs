//! The Heartbeat lab's STONITH plugin (scripts/lab/stonith-mfsha-lab.sh), without a cluster:
//! its fencing delay. A cut link makes both nodes shoot at once; the node without DRBD Primary
//! must wait before it sends `off` (so the Primary's shot lands first and the waiting request
//! dies with its box), while a Primary, or any node whose target is already off, shoots at once.
//! The fence client and `drbdadm` are played by small scripts that record what they were asked.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const DELAY_S: u64 = 3;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A lab directory with the plugin filled in as scripts/lab/fencing.sh does, a fence client
/// that logs its requests and answers `status` from `power`, and a drbdadm that prints `role`.
struct Plugin {
    dir: tempfile::TempDir,
}

impl Plugin {
    fn new(role: &str, target_power: &str) -> Plugin {
        let dir = testbins::scratch("mfsha-hbfence");
        let lab = dir.path();
        std::fs::create_dir_all(lab.join("bin")).expect("bin");
        let template = std::fs::read_to_string(repo().join("scripts/lab/stonith-mfsha-lab.sh"))
            .expect("scripts/lab/stonith-mfsha-lab.sh");
        let plugin = template
            .replace("@LAB@", &lab.display().to_string())
            .replace("@SIM@", &lab.join("sim").display().to_string())
            .replace("@DELAY@", &DELAY_S.to_string());
        write_script(&lab.join("plugin"), &plugin);
        std::fs::write(lab.join("power"), format!("{target_power}\n")).expect("power");
        std::fs::write(lab.join("role"), format!("{role}\n")).expect("role");
        write_script(
            &lab.join("bin/mfsha-lab-fence"),
            &format!(
                "#!/bin/sh\necho \"$*\" >>{log}\ncase $1 in status) echo \"ok $(cat {power})\" ;; *) echo ok off ;; esac\n",
                log = lab.join("requests").display(),
                power = lab.join("power").display()
            ),
        );
        // a node without DRBD loaded: drbdadm fails, which must count as "not Primary"
        let drbdadm = if role.is_empty() {
            "#!/bin/sh\necho 'no resources defined!' >&2\nexit 10\n".to_string()
        } else {
            format!("#!/bin/sh\ncat {}\n", lab.join("role").display())
        };
        write_script(&lab.join("bin/drbdadm"), &drbdadm);
        Plugin { dir }
    }

    /// Runs `plugin reset mfs-master`; returns how long it took and the requests it sent.
    fn reset(&self) -> (Duration, Vec<String>) {
        let began = Instant::now();
        let out = Command::new("sh")
            .arg(self.dir.path().join("plugin"))
            .args(["reset", "mfs-master"])
            .output()
            .expect("run the plugin");
        let took = began.elapsed();
        assert!(
            out.status.success(),
            "plugin reset failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let requests = std::fs::read_to_string(self.dir.path().join("requests"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect();
        (took, requests)
    }
}

fn write_script(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn a_secondary_waits_before_it_shoots_a_powered_peer() {
    let (took, requests) = Plugin::new("Secondary/Unknown", "on").reset();
    assert!(
        took >= Duration::from_secs(DELAY_S),
        "shot after {took:?}, want at least {DELAY_S} s"
    );
    assert_eq!(requests, ["status mfs-master", "off mfs-master"]);
}

#[test]
fn a_node_without_drbd_waits_too() {
    let (took, requests) = Plugin::new("", "on").reset();
    assert!(took >= Duration::from_secs(DELAY_S), "shot after {took:?}");
    assert_eq!(requests.last().map(String::as_str), Some("off mfs-master"));
}

#[test]
fn the_primary_shoots_at_once() {
    // DRBD 8.4 prints "Primary/Unknown", DRBD 9 "Primary"
    for role in ["Primary/Unknown", "Primary"] {
        let (took, requests) = Plugin::new(role, "on").reset();
        assert!(
            took < Duration::from_secs(DELAY_S),
            "the Primary ({role}) waited {took:?}"
        );
        assert_eq!(requests, ["status mfs-master", "off mfs-master"]);
    }
}

#[test]
fn a_peer_already_off_is_shot_at_once() {
    let (took, requests) = Plugin::new("Secondary/Unknown", "off").reset();
    assert!(
        took < Duration::from_secs(DELAY_S),
        "waited {took:?} for a box already off"
    );
    assert_eq!(requests, ["status mfs-master", "off mfs-master"]);
}
