//! Real devices: loop devices, device nodes, the read-only flag, "held open" from a mount of an
//! ext4 image and from a process. These need root; under `CI=true` they fail without it
//! (never a silent skip there). Every lab cleans up in `Drop`, even when a test fails: it
//! kills the processes it started, unmounts what it mounted and runs `drbd-sim destroy`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// True when the test may run; panics under CI=true without root.
fn root_or_skip(test: &str) -> bool {
    if is_root() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{test}: root tests must run as root when CI=true");
    }
    eprintln!("{test}: skipped, needs root");
    false
}

struct RootLab {
    dir: tempfile::TempDir,
    bin: PathBuf,
    mounts: Vec<PathBuf>,
    children: Vec<Child>,
}

impl RootLab {
    fn new(nodes: &str) -> RootLab {
        let dir = testbins::scratch("mfsha-sim");
        let bin = dir.path().join("bin");
        let lab = RootLab {
            dir,
            bin,
            mounts: Vec::new(),
            children: Vec::new(),
        };
        let links = lab.sim(&["install-links", &lab.bin.display().to_string()]);
        assert!(links.status.success(), "{links:?}");
        let init = lab.sim(&["init", "--nodes", nodes, "--size", "64M"]);
        assert!(init.status.success(), "{init:?}");
        lab
    }

    fn state_dir(&self) -> &Path {
        self.dir.path()
    }

    fn device(&self, node: &str) -> PathBuf {
        self.state_dir().join(node).join("dev/drbd1")
    }

    fn sim(&self, args: &[&str]) -> Output {
        let r = Command::new(env!("CARGO_BIN_EXE_drbd-sim"))
            .args(args)
            .env("DRBD_SIM_DIR", self.state_dir())
            .output();
        match r {
            Ok(o) => o,
            Err(e) => panic!("drbd-sim {args:?}: {e}"),
        }
    }

    fn adm(&self, node: &str, args: &[&str]) -> Output {
        let r = Command::new(self.bin.join("drbdadm"))
            .args(args)
            .env("DRBD_SIM_DIR", self.state_dir())
            .env("DRBD_SIM_NODE", node)
            .output();
        match r {
            Ok(o) => o,
            Err(e) => panic!("drbdadm {args:?}: {e}"),
        }
    }

    fn mount(&mut self, node: &str) -> PathBuf {
        let mnt = self.state_dir().join(format!("mnt-{node}"));
        assert!(std::fs::create_dir_all(&mnt).is_ok());
        let out = run("mount", &[path_str(&self.device(node)), path_str(&mnt)]);
        assert!(out.status.success(), "mount: {out:?}");
        self.mounts.push(mnt.clone());
        mnt
    }

    fn umount(&mut self, mnt: &Path) {
        let out = run("umount", &[path_str(mnt)]);
        assert!(out.status.success(), "umount: {out:?}");
        self.mounts.retain(|m| m != mnt);
    }

    /// Starts a process that holds `path` open (as its stdin) until killed.
    fn hold_open(&mut self, path: &Path) -> usize {
        let f = match File::open(path) {
            Ok(f) => f,
            Err(e) => panic!("open {}: {e}", path.display()),
        };
        let child = Command::new("sleep")
            .arg("60")
            .stdin(f)
            .stdout(Stdio::null())
            .spawn();
        match child {
            Ok(c) => self.children.push(c),
            Err(e) => panic!("spawn sleep: {e}"),
        }
        self.children.len() - 1
    }

    fn release(&mut self, index: usize) {
        if let Some(c) = self.children.get_mut(index) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for RootLab {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for m in self.mounts.iter().rev() {
            let ok = run("umount", &[path_str(m)]).status.success();
            if !ok {
                let _ = run("umount", &["-l", path_str(m)]);
            }
        }
        let out = self.sim(&["destroy"]);
        if !out.status.success() {
            eprintln!("cleanup: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap_or("")
}

fn run(cmd: &str, args: &[&str]) -> Output {
    match Command::new(cmd).args(args).output() {
        Ok(o) => o,
        Err(e) => panic!("{cmd} {args:?}: {e}"),
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn read_only(dev: &Path) -> String {
    text(&run("blockdev", &["--getro", path_str(dev)]).stdout)
        .trim()
        .to_string()
}

fn rdev_major(dev: &Path) -> Option<u64> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let m = std::fs::metadata(dev).ok()?;
    m.file_type()
        .is_block_device()
        .then(|| (m.rdev() >> 8) & 0xfff)
}

#[test]
fn devices_are_loop_block_nodes_read_only_while_secondary() {
    if !root_or_skip("devices_are_loop_block_nodes_read_only_while_secondary") {
        return;
    }
    let lab = RootLab::new("alpha,beta");
    assert!(lab.adm("alpha", &["up", "r0"]).status.success());
    assert!(lab.adm("beta", &["up", "r0"]).status.success());
    let (a, b) = (lab.device("alpha"), lab.device("beta"));
    assert_eq!(rdev_major(&a), Some(7), "{}", a.display());
    assert_eq!(rdev_major(&b), Some(7), "{}", b.display());
    assert_eq!(
        (read_only(&a), read_only(&b)),
        ("1".to_string(), "1".to_string())
    );
    assert_eq!(
        text(&lab.adm("alpha", &["sh-dev", "r0"]).stdout).trim(),
        path_str(&a)
    );
    assert!(lab.adm("alpha", &["primary", "r0"]).status.success());
    assert_eq!(
        (read_only(&a), read_only(&b)),
        ("0".to_string(), "1".to_string())
    );
    // The Secondary's device refuses writes (at open or at write time, by kernel version).
    let write = std::fs::OpenOptions::new()
        .write(true)
        .open(&b)
        .and_then(|mut f| std::io::Write::write_all(&mut f, &[0u8; 4096]));
    assert!(
        write.is_err(),
        "a write to the Secondary's device succeeded"
    );
    let proc_text =
        std::fs::read_to_string(lab.state_dir().join("alpha/proc_drbd")).unwrap_or_default();
    assert!(
        proc_text.contains(" 1: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----"),
        "{proc_text}"
    );
}

#[test]
fn held_open_by_a_mount_or_a_process_refuses_demotion() {
    if !root_or_skip("held_open_by_a_mount_or_a_process_refuses_demotion") {
        return;
    }
    let mut lab = RootLab::new("alpha,beta");
    assert!(lab.adm("alpha", &["up", "r0"]).status.success());
    assert!(lab.adm("beta", &["up", "r0"]).status.success());
    assert!(lab.adm("alpha", &["primary", "r0"]).status.success());
    let dev = lab.device("alpha");
    let mkfs = run("mkfs.ext4", &["-q", "-F", path_str(&dev)]);
    assert!(mkfs.status.success(), "{mkfs:?}");
    let mnt = lab.mount("alpha");
    let out = lab.adm("alpha", &["secondary", "r0"]);
    assert_eq!(out.status.code(), Some(11));
    assert_eq!(
        text(&out.stderr),
        "1: State change failed: (-12) Device is held open by someone\n\
         Command 'drbdsetup-84 secondary 1' terminated with exit code 11\n"
    );
    let down = lab.adm("alpha", &["down", "r0"]);
    assert_eq!(down.status.code(), Some(11), "{down:?}");
    lab.umount(&mnt);
    let holder = lab.hold_open(&dev);
    assert_eq!(
        lab.adm("alpha", &["secondary", "r0"]).status.code(),
        Some(11)
    );
    lab.release(holder);
    let out = lab.adm("alpha", &["secondary", "r0"]);
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn data_written_before_failover_is_read_after_it() {
    if !root_or_skip("data_written_before_failover_is_read_after_it") {
        return;
    }
    let mut lab = RootLab::new("mfs-master,mfs-bak");
    assert!(lab.adm("mfs-master", &["up", "r0"]).status.success());
    assert!(lab.adm("mfs-bak", &["up", "r0"]).status.success());
    assert!(lab.adm("mfs-master", &["primary", "r0"]).status.success());
    let mkfs = run(
        "mkfs.ext4",
        &["-q", "-F", path_str(&lab.device("mfs-master"))],
    );
    assert!(mkfs.status.success(), "{mkfs:?}");
    let mnt = lab.mount("mfs-master");
    assert!(std::fs::write(mnt.join("metadata.mfs"), "MFSM 2.0").is_ok());
    // The seed article's failover without demotion first:
    let early = lab.adm("mfs-bak", &["primary", "all"]);
    assert_eq!(early.status.code(), Some(11));
    lab.umount(&mnt);
    assert!(lab.adm("mfs-master", &["secondary", "r0"]).status.success());
    assert!(lab.adm("mfs-bak", &["primary", "r0"]).status.success());
    let mnt = lab.mount("mfs-bak");
    assert_eq!(
        std::fs::read_to_string(mnt.join("metadata.mfs"))
            .ok()
            .as_deref(),
        Some("MFSM 2.0")
    );
    lab.umount(&mnt);
}

#[test]
fn destroy_removes_only_what_the_simulator_created() {
    if !root_or_skip("destroy_removes_only_what_the_simulator_created") {
        return;
    }
    let lab = RootLab::new("alpha,beta");
    assert!(lab.adm("alpha", &["up", "r0"]).status.success());
    assert!(lab.adm("beta", &["up", "r0"]).status.success());
    let show: serde_json::Value =
        serde_json::from_slice(&lab.sim(&["show"]).stdout).unwrap_or_default();
    let loops: Vec<String> = ["alpha", "beta"]
        .iter()
        .filter_map(|n| {
            show["state"]["resources"]["r0"]["node_state"][n]["device"]["loop_path"]
                .as_str()
                .map(String::from)
        })
        .collect();
    assert_eq!(loops.len(), 2, "{show}");
    let image = lab.state_dir().join("r0.img");
    assert!(image.exists());
    let out = lab.sim(&["destroy"]);
    assert!(out.status.success(), "{out:?}");
    for l in &loops {
        let name = Path::new(l)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("");
        let backing = std::fs::read_to_string(format!("/sys/block/{name}/loop/backing_file"))
            .unwrap_or_default();
        assert!(
            !backing.contains(path_str(&image)),
            "{l} still backs {backing}"
        );
    }
    assert!(!lab.device("alpha").exists());
    assert!(!image.exists());
}

#[test]
fn node_identity_follows_the_uts_namespace() {
    if !root_or_skip("node_identity_follows_the_uts_namespace") {
        return;
    }
    let lab = RootLab::new("alpha,beta");
    assert!(lab.adm("alpha", &["up", "r0"]).status.success());
    let script = format!(
        "hostname beta && exec {} up r0",
        path_str(&lab.bin.join("drbdadm"))
    );
    let out = Command::new("unshare")
        .args(["--uts", "sh", "-c", &script])
        .env("DRBD_SIM_DIR", lab.state_dir())
        .env_remove("DRBD_SIM_NODE")
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("unshare: {e}"),
    };
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        text(&lab.adm("alpha", &["role", "r0"]).stdout),
        "Secondary/Secondary\n"
    );
}
