//! A two-node DRBD lab on drbd-sim with a real ext4 loop device, for the Initdrbd system tests.
//! Root only: under CI=true a non-root run fails instead of skipping. Everything the lab made
//! is undone in `Drop`, even when a test fails: its own children are killed (by handle, never
//! by name), its mounts unmounted, and `drbd-sim destroy` run.

#![allow(dead_code)]

pub mod heartbeat;
pub mod mfsmaster;
pub mod netns;
pub mod vip;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// Copies an executable (mode 755) by running `install`: a copy written by this process would
/// hold a write descriptor that a child forked meanwhile by another test thread inherits until
/// its exec, and executing the copy then fails with ETXTBSY ("Text file busy").
pub fn install_executable(from: &Path, to: &Path) {
    let out = Command::new("install")
        .arg("-m")
        .arg("755")
        .arg(from)
        .arg(to)
        .output();
    assert!(
        out.as_ref().is_ok_and(|o| o.status.success()),
        "install {} {}: {out:?}",
        from.display(),
        to.display()
    );
}

/// A user's uid and gid from /etc/passwd; panics with `hint` when there is no such user.
pub fn user_ids(user: &str, hint: &str) -> (u32, u32) {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            match f.as_slice() {
                [name, _, uid, gid, ..] if *name == user => {
                    Some((uid.parse().ok()?, gid.parse().ok()?))
                }
                _ => None,
            }
        })
        .unwrap_or_else(|| panic!("no user {user} in /etc/passwd ({hint})"))
}

/// True when `path` exists; otherwise the test is skipped with the install hint, or fails
/// under CI=true (CI installs every package the tests need).
pub fn installed_or_skip(path: &str, package: &str) -> bool {
    if Path::new(path).exists() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{path} is missing under CI=true: apt-get install -y {package}"
    );
    eprintln!("skipped: {path} not installed (apt-get install -y {package})");
    false
}

/// True when the test may run; panics under CI=true without root.
pub fn root_or_skip(test: &str) -> bool {
    if is_root() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{test}: root tests must run as root when CI=true");
    }
    eprintln!("{test}: skipped, needs root");
    false
}

/// The drbd-sim binary (another package's: built before the tests, see `testbins`).
pub fn sim_bin() -> PathBuf {
    testbins::bin("drbd-sim")
}

pub fn agent_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_Initdrbd"))
}

/// Whether `pid` runs: not gone, and not a zombie waiting for whoever adopted it.
pub fn process_runs(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(") ")
                .and_then(|(_, rest)| rest.chars().next())
        })
        .is_some_and(|state| state != 'Z')
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn run(cmd: &str, args: &[&str]) -> Output {
    match Command::new(cmd).args(args).output() {
        Ok(o) => o,
        Err(e) => panic!("{cmd} {args:?}: {e}"),
    }
}

pub struct Lab {
    pub dir: tempfile::TempDir,
    pub bin: PathBuf,
    children: Vec<Child>,
}

impl Lab {
    /// Nodes alpha and beta, both up and Secondary, with an ext4 filesystem on the device.
    pub fn new() -> Lab {
        Lab::with_init(&[])
    }

    /// As [`Lab::new`], with more `drbd-sim init` options (e.g. `--fencing resource-only`).
    pub fn with_init(extra: &[&str]) -> Lab {
        let dir = testbins::scratch("mfsha-idrbd");
        let bin = dir.path().join("bin");
        let lab = Lab {
            dir,
            bin,
            children: Vec::new(),
        };
        for sub in ["run", "state", "etc", "mnt-alpha", "mnt-beta"] {
            assert!(std::fs::create_dir_all(lab.path(sub)).is_ok());
        }
        lab.make_private();
        lab.sim_ok(&["install-links", &lab.bin.display().to_string()]);
        let mut init = vec!["init", "--nodes", "alpha,beta", "--size", "64M"];
        init.extend_from_slice(extra);
        lab.sim_ok(&init);
        lab.adm_ok("alpha", &["up", "r0"]);
        lab.adm_ok("beta", &["up", "r0"]);
        lab.adm_ok("alpha", &["primary", "r0"]);
        let mkfs = run("mkfs.ext4", &["-q", "-F", &lab.device("alpha")]);
        assert!(mkfs.status.success(), "{mkfs:?}");
        // udev may probe the new filesystem for a moment after mkfs: retry the demotion.
        for _ in 0..50 {
            if lab.adm("alpha", &["secondary", "r0"]).status.success() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        // DRBD 8 prints both roles (Secondary/Secondary), DRBD 9 only the local one.
        assert!(
            lab.role("alpha").starts_with("Secondary"),
            "{}",
            lab.role("alpha")
        );
        lab
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The lab directory as its own private mount: the filesystems mounted below it never
    /// propagate into mount namespaces that others (other tests, other labs on this host)
    /// create meanwhile, which would hold the device and make our demotions fail.
    fn make_private(&self) {
        let dir = self.dir.path().display().to_string();
        let bind = run("mount", &["--bind", &dir, &dir]);
        assert!(bind.status.success(), "mount --bind {dir}: {bind:?}");
        let private = run("mount", &["--make-private", &dir]);
        assert!(private.status.success(), "make-private {dir}: {private:?}");
    }

    pub fn device(&self, node: &str) -> String {
        self.path(node).join("dev/drbd1").display().to_string()
    }

    pub fn mnt(&self, node: &str) -> String {
        self.path(&format!("mnt-{node}")).display().to_string()
    }

    pub fn proc_file(&self, node: &str) -> String {
        self.path(node).join("proc_drbd").display().to_string()
    }

    pub fn sim(&self, args: &[&str]) -> Output {
        let r = Command::new(sim_bin())
            .args(args)
            .env("DRBD_SIM_DIR", self.dir.path())
            .output();
        match r {
            Ok(o) => o,
            Err(e) => panic!("drbd-sim {args:?}: {e}"),
        }
    }

    pub fn sim_ok(&self, args: &[&str]) {
        let out = self.sim(args);
        assert!(out.status.success(), "drbd-sim {args:?}: {out:?}");
    }

    pub fn adm_cmd(&self, node: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(self.bin.join("drbdadm"));
        cmd.args(args)
            .env("DRBD_SIM_DIR", self.dir.path())
            .env("DRBD_SIM_NODE", node);
        cmd
    }

    pub fn adm(&self, node: &str, args: &[&str]) -> Output {
        match self.adm_cmd(node, args).output() {
            Ok(o) => o,
            Err(e) => panic!("drbdadm {args:?}: {e}"),
        }
    }

    pub fn adm_ok(&self, node: &str, args: &[&str]) {
        let out = self.adm(node, args);
        assert!(out.status.success(), "drbdadm {args:?} on {node}: {out:?}");
    }

    pub fn role(&self, node: &str) -> String {
        text(&self.adm(node, &["role", "r0"]).stdout)
            .trim()
            .to_string()
    }

    /// The agent on `node`, Heartbeat style: `Initdrbd r0 <dev> <dir> <action>`, other
    /// parameters from `OCF_RESKEY_*` (read in every mode), in a private sandbox.
    pub fn agent_cmd(&self, node: &str, action: &str, extra: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(agent_bin());
        cmd.args(["r0", &self.device(node), &self.mnt(node), action]);
        self.agent_env(&mut cmd, node);
        for (k, v) in extra {
            cmd.env(format!("OCF_RESKEY_{k}"), v);
        }
        cmd
    }

    pub fn agent_env(&self, cmd: &mut Command, node: &str) {
        let path = format!("{}:/usr/sbin:/usr/bin:/sbin:/bin", self.bin.display());
        cmd.env_clear()
            .env("PATH", path)
            .env("DRBD_SIM_DIR", self.dir.path())
            .env("DRBD_SIM_NODE", node)
            .env("MFS_HA_RUN_DIR", self.path("run"))
            .env("MFS_HA_STATE_DIR", self.path("state"))
            .env("MFS_HA_CONFIG_DIR", self.path("etc"))
            .env("OCF_RESKEY_drbd_status_source", self.proc_file(node));
    }

    /// The agent on `node` in OCF mode (instance `idrbd`), parameters from `OCF_RESKEY_*`.
    pub fn agent_ocf(&self, node: &str, action: &str) -> Command {
        let mut cmd = Command::new(agent_bin());
        cmd.arg(action);
        self.agent_env(&mut cmd, node);
        cmd.env("OCF_RESOURCE_INSTANCE", "idrbd")
            .env("OCF_RESKEY_drbd_resource", "r0")
            .env("OCF_RESKEY_device", self.device(node))
            .env("OCF_RESKEY_directory", self.mnt(node));
        cmd
    }

    pub fn agent(&self, node: &str, action: &str, extra: &[(&str, &str)]) -> Output {
        match self.agent_cmd(node, action, extra).output() {
            Ok(o) => o,
            Err(e) => panic!("Initdrbd {action}: {e}"),
        }
    }

    /// Spawns `sleep 60` with its working directory in `cwd`; returns its index.
    pub fn sleeper(&mut self, cwd: &str) -> usize {
        let child = Command::new("sleep")
            .arg("60")
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn();
        match child {
            Ok(c) => self.children.push(c),
            Err(e) => panic!("spawn sleep: {e}"),
        }
        self.children.len() - 1
    }

    /// Spawns `sleep <secs>` holding `node`'s DRBD device open (as its stdin); returns its index.
    pub fn hold_device(&mut self, node: &str, secs: &str) -> usize {
        let device = std::fs::File::open(self.device(node))
            .unwrap_or_else(|e| panic!("open {}: {e}", self.device(node)));
        let child = Command::new("sleep")
            .arg(secs)
            .stdin(device)
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn sleep: {e}"));
        self.adopt(child)
    }

    pub fn child_pid(&self, index: usize) -> u32 {
        self.children.get(index).map_or(0, Child::id)
    }

    /// Whether the child has ended (reaping it if so).
    pub fn child_exited(&mut self, index: usize) -> bool {
        self.children
            .get_mut(index)
            .is_some_and(|c| matches!(c.try_wait(), Ok(Some(_))))
    }

    /// Keeps a spawned child for cleanup.
    pub fn adopt(&mut self, child: Child) -> usize {
        self.children.push(child);
        self.children.len() - 1
    }

    pub fn wait_child(&mut self, index: usize) -> Option<std::process::ExitStatus> {
        self.children.get_mut(index).and_then(|c| c.wait().ok())
    }

    /// How many mounts are stacked on `dir`.
    pub fn mounts_at(&self, dir: &str) -> usize {
        std::fs::read_to_string("/proc/self/mountinfo")
            .unwrap_or_default()
            .lines()
            .filter(|l| l.split(' ').nth(4) == Some(dir))
            .count()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for node in ["alpha", "beta"] {
            let mnt = self.mnt(node);
            for _ in 0..5 {
                if self.mounts_at(&mnt) == 0 {
                    break;
                }
                if !run("umount", &[&mnt]).status.success() {
                    let _ = run("umount", &["-l", &mnt]);
                }
            }
        }
        let out = self.sim(&["destroy"]);
        if !out.status.success() {
            eprintln!("cleanup: {}", text(&out.stderr));
        }
        let dir = self.dir.path().display().to_string();
        for _ in 0..5 {
            if self.mounts_at(&dir) == 0 {
                break;
            }
            if !run("umount", &[&dir]).status.success() {
                let _ = run("umount", &["-l", &dir]);
            }
        }
    }
}
