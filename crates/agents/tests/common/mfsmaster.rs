//! A MooseFS 3.0 lab for the mfsmaster system tests: a test-owned network namespace (`lo` plus
//! one namespace-local /32 the chunkserver needs), configs and data directories under a
//! tempdir, a tmpfs as the "failover filesystem" holding the master's DATA_PATH, and optional
//! chunkserver (tmpfs hdd) and FUSE client mount. `Drop` undoes everything even when a test
//! fails: the mount is unmounted (waiting for mfsmount), daemons of the lab's data directories
//! are killed by PID (lock owner and /proc scan, never by name), tmpfs unmounted, namespace gone.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use agents::mfsmaster::{emergency, metaver, procs};
use hostops::lockholder as lock;

use super::netns::NetNs;
use super::{run, text};

/// The chunkserver refuses a master in 127/8: this address lives on the namespace's `lo`.
pub const VIP: &str = "10.94.19.1";

/// The setting mfs-ha recommends (docs/mfsmaster-howto.md): every change fsynced before the
/// client's answer, so the crash tests test what operators run.
pub const CHANGELOG_FSYNC: &str = "CHANGELOG_SAVE_MODE = 2";

pub fn mfs_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mfsmaster"))
}

/// Panics under CI=true when MooseFS is missing; otherwise says it skips.
pub fn moosefs_or_skip(test: &str) -> bool {
    if !super::root_or_skip(test) {
        return false;
    }
    let missing: Vec<&str> = [
        "/usr/sbin/mfsmaster",
        "/usr/sbin/mfschunkserver",
        "/usr/sbin/mfsmetalogger",
        "/usr/bin/mfsmount",
        "/var/lib/mfs/metadata.mfs.empty",
        "/usr/bin/nsenter",
    ]
    .into_iter()
    .filter(|p| !Path::new(p).exists())
    .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{test}: missing {missing:?} under CI=true: apt-get install -y moosefs-master moosefs-metalogger moosefs-chunkserver moosefs-client"
    );
    eprintln!("{test}: skipped, missing {missing:?}");
    false
}

fn mfs_ids() -> (u32, u32) {
    super::user_ids("mfs", "install moosefs-master")
}

pub fn chown_mfs(path: &Path) {
    let (uid, gid) = mfs_ids();
    assert!(
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).is_ok(),
        "chown {}",
        path.display()
    );
}

pub struct MfsLab {
    pub dir: tempfile::TempDir,
    pub ns: NetNs,
    tmpfs: Vec<PathBuf>,
    mount: Option<(PathBuf, Child)>,
    /// Data directories whose daemons teardown kills: (dir, binary).
    daemons: Vec<(PathBuf, PathBuf)>,
}

impl MfsLab {
    /// A namespace, configs, and the master's DATA_PATH on a mounted tmpfs (`fs/`), holding a
    /// new (empty) metadata.mfs. `mounted=false` leaves `fs/` a bare directory.
    pub fn new(tag: &str, mounted: bool) -> MfsLab {
        let dir = testbins::scratch(&format!("mfsha-mfs-{tag}"));
        let ns = NetNs::new(&format!("mfs{}", &tag[..tag.len().min(4)]));
        ns.ip_ok(&["addr", "add", &format!("{VIP}/32"), "dev", "lo"]);
        let mut lab = MfsLab {
            dir,
            ns,
            tmpfs: Vec::new(),
            mount: None,
            daemons: Vec::new(),
        };
        for sub in [
            "etc",
            "run",
            "state",
            "conf",
            "bin",
            "fs",
            "mnt",
            "metalogger",
            "cs",
            "hdd",
        ] {
            assert!(std::fs::create_dir_all(lab.path(sub)).is_ok());
        }
        // Let the mfs user reach its directories inside the tempdir.
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(lab.dir.path(), std::fs::Permissions::from_mode(0o755));
        if mounted {
            lab.mount_tmpfs("fs", "64M");
        }
        lab.daemons
            .push((lab.data_path(), PathBuf::from("/usr/sbin/mfsmaster")));
        lab.init_data_path();
        lab.write_configs();
        for kind in ["mfsmetalogger", "mfschunkserver", "mfscgiserv"] {
            let link = lab.path("bin").join(kind);
            assert!(std::os::unix::fs::symlink(mfs_bin(), link).is_ok());
        }
        lab
    }

    pub fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    pub fn data_path(&self) -> PathBuf {
        self.path("fs/mfs")
    }

    pub fn config(&self) -> PathBuf {
        self.path("etc/mfsmaster.cfg")
    }

    pub fn mount_point(&self) -> PathBuf {
        self.path("fs")
    }

    /// DATA_PATH owned by mfs with Debian's empty metadata.mfs.
    pub fn init_data_path(&self) {
        let dp = self.data_path();
        assert!(std::fs::create_dir_all(&dp).is_ok());
        chown_mfs(&dp);
        let meta = dp.join("metadata.mfs");
        assert!(std::fs::copy("/var/lib/mfs/metadata.mfs.empty", &meta).is_ok());
        chown_mfs(&meta);
    }

    /// Rewrites mfsmaster.cfg with `line` (e.g. `CHANGELOG_SAVE_MODE = 0`) instead of the
    /// lab's CHANGELOG_SAVE_MODE line, or without one when `line` is empty.
    pub fn set_changelog_mode_line(&self, line: &str) {
        let cfg = std::fs::read_to_string(self.config()).unwrap_or_default();
        let mut out: String = cfg
            .lines()
            .filter(|l| !l.starts_with("CHANGELOG_SAVE_MODE"))
            .map(|l| format!("{l}\n"))
            .collect();
        if !line.is_empty() {
            out.push_str(&format!("{line}\n"));
        }
        assert!(std::fs::write(self.config(), out).is_ok());
    }

    pub fn mount_tmpfs(&mut self, sub: &str, size: &str) {
        let target = self.path(sub);
        let (uid, gid) = mfs_ids();
        let opts = format!("size={size},mode=755,uid={uid},gid={gid}");
        let out = run(
            "mount",
            &[
                "-t",
                "tmpfs",
                "-o",
                &opts,
                "mfsha-tmpfs",
                &target.display().to_string(),
            ],
        );
        assert!(out.status.success(), "mount tmpfs: {}", text(&out.stderr));
        self.tmpfs.push(target);
    }

    fn write_configs(&self) {
        let etc = self.path("etc");
        let w = |name: &str, body: String| assert!(std::fs::write(etc.join(name), body).is_ok());
        w(
            "mfsmaster.cfg",
            format!(
                "WORKING_USER = mfs\nWORKING_GROUP = mfs\nDATA_PATH = {}\nEXPORTS_FILENAME = {e}/mfsexports.cfg\n\
                 TOPOLOGY_FILENAME = {e}/mfstopology.cfg\nMATOML_LISTEN_HOST = 127.0.0.1\nMATOCS_LISTEN_HOST = {VIP}\n\
                 MATOCL_LISTEN_HOST = 127.0.0.1\n{CHANGELOG_FSYNC}\n",
                self.data_path().display(),
                e = etc.display()
            ),
        );
        w(
            "mfsexports.cfg",
            "127.0.0.1 / rw,alldirs,admin,maproot=0:0\n127.0.0.1 . rw\n".into(),
        );
        w("mfstopology.cfg", String::new());
        w(
            "mfsmetalogger.cfg",
            format!(
                "WORKING_USER = mfs\nDATA_PATH = {}\nMASTER_HOST = 127.0.0.1\nMASTER_PORT = 9419\n",
                self.path("metalogger").display()
            ),
        );
        w(
            "mfschunkserver.cfg",
            format!(
                "WORKING_USER = mfs\nDATA_PATH = {}\nHDD_CONF_FILENAME = {}/mfshdd.cfg\nHDD_LEAVE_SPACE_DEFAULT = 64MiB\n\
                 MASTER_HOST = {VIP}\nMASTER_PORT = 9420\nMASTER_RECONNECTION_DELAY = 1\nCSSERV_LISTEN_HOST = {VIP}\nCSSERV_LISTEN_PORT = 9422\n",
                self.path("cs").display(),
                etc.display()
            ),
        );
        w("mfshdd.cfg", format!("{}\n", self.path("hdd").display()));
        chown_mfs(&self.path("metalogger"));
        chown_mfs(&self.path("cs"));
    }

    /// The agent (as `name`: mfsmaster or a symlinked kind) inside the namespace, Heartbeat
    /// mode (`HA_CURHOST`), parameters as `OCF_RESKEY_*`.
    pub fn agent_cmd(&self, name: &str, action: &str, params: &[(&str, &str)]) -> Command {
        self.agent_argv(name, &[action], params)
    }

    /// As [`MfsLab::agent_cmd`] with Heartbeat's arguments (`mfsmaster::a1` → `a1 <action>`).
    pub fn agent_argv(&self, name: &str, args: &[&str], params: &[(&str, &str)]) -> Command {
        let program = match name {
            "mfsmaster" => mfs_bin(),
            other => self.path("bin").join(other),
        };
        let mut cmd = self.ns.cmd(&program.display().to_string(), args);
        self.agent_env(&mut cmd);
        cmd.env("HA_CURHOST", "node1");
        if name == "mfsmaster" {
            cmd.env("OCF_RESKEY_config", self.config())
                .env("OCF_RESKEY_mount_point", self.mount_point());
        }
        for (k, v) in params {
            cmd.env(format!("OCF_RESKEY_{k}"), v);
        }
        cmd
    }

    pub fn agent_env(&self, cmd: &mut Command) {
        cmd.env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("MFS_HA_RUN_DIR", self.path("run"))
            .env("MFS_HA_STATE_DIR", self.path("state"))
            .env("MFS_HA_CONFIG_DIR", self.path("conf"));
    }

    pub fn agent(&self, action: &str, params: &[(&str, &str)]) -> Output {
        self.agent_as("mfsmaster", action, params)
    }

    pub fn agent_as(&self, name: &str, action: &str, params: &[(&str, &str)]) -> Output {
        self.agent_cmd(name, action, params)
            .output()
            .unwrap_or_else(|e| panic!("{name} {action}: {e}"))
    }

    /// OCF monitor at `level` (instance `mfsm`, recurring so not a probe).
    pub fn monitor(&self, level: u32, params: &[(&str, &str)]) -> Output {
        let mut cmd = self.agent_cmd("mfsmaster", "monitor", params);
        cmd.env_remove("HA_CURHOST")
            .env("OCF_RESOURCE_INSTANCE", "mfsm")
            .env("OCF_RESKEY_CRM_meta_interval", "10000")
            .env("OCF_CHECK_LEVEL", level.to_string());
        cmd.output().unwrap_or_else(|e| panic!("monitor: {e}"))
    }

    pub fn master_pid(&self) -> Option<u32> {
        lock::owner(&self.data_path().join(".mfsmaster.lock"))
            .ok()
            .flatten()
    }

    pub fn master_procs(&self) -> Vec<u32> {
        procs::scan(
            Path::new("/usr/sbin/mfsmaster"),
            "mfsmaster",
            &self.data_path(),
        )
        .iter()
        .map(|p| p.pid)
        .collect()
    }

    /// `program args` inside the namespace.
    pub fn in_ns(&self, program: &str, args: &[&str]) -> Output {
        self.ns
            .cmd(program, args)
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"))
    }

    /// A chunkserver on a 512M tmpfs hdd (started directly; killed by teardown).
    pub fn start_chunkserver(&mut self) {
        self.mount_tmpfs("hdd", "512M");
        self.daemons
            .push((self.path("cs"), PathBuf::from("/usr/sbin/mfschunkserver")));
        let cfg = self.path("etc/mfschunkserver.cfg").display().to_string();
        let out = self.in_ns("mfschunkserver", &["-c", &cfg, "start"]);
        assert!(
            out.status.success(),
            "mfschunkserver: {}",
            text(&out.stderr)
        );
    }

    pub fn expect_daemon(&mut self, data_dir: PathBuf, binary: &str) {
        self.daemons.push((data_dir, PathBuf::from(binary)));
    }

    /// mfsmount in the foreground (a child we own) on `mnt/`, waiting until it is mounted.
    pub fn mount_client(&mut self) -> PathBuf {
        let mnt = self.path("mnt");
        let child = self
            .ns
            .cmd(
                "mfsmount",
                &[
                    "-f",
                    &mnt.display().to_string(),
                    "-H",
                    "127.0.0.1",
                    "-P",
                    "9421",
                ],
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("mfsmount: {e}"));
        self.mount = Some((mnt.clone(), child));
        let end = Instant::now() + Duration::from_secs(20);
        while !is_mounted(&mnt) {
            assert!(
                Instant::now() < end,
                "mfsmount did not mount {}",
                mnt.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        mnt
    }
}

pub fn code(out: &std::process::Output) -> Option<i32> {
    out.status.code()
}

pub fn stdout(out: &std::process::Output) -> String {
    text(&out.stdout).trim().to_string()
}

pub fn all(out: &std::process::Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

/// Field `n` (1-based, after the command name) of /proc/<pid>/stat.
pub fn stat_field(pid: u32, n: usize) -> Option<i64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .nth(n - 3)?
        .parse()
        .ok()
}

pub fn signal(pid: u32, sig: &str) {
    let out = run("kill", &[sig, &pid.to_string()]);
    assert!(out.status.success(), "kill {sig} {pid}");
}

/// SIGKILL by a direct syscall: no `kill` process started between the last acknowledged
/// write and the crash, so the master has no time left to catch up on anything.
pub fn kill_now(pid: u32) {
    use nix::sys::signal::{kill, Signal};
    let pid = i32::try_from(pid).unwrap_or_else(|_| panic!("pid {pid}"));
    assert!(
        kill(nix::unistd::Pid::from_raw(pid), Signal::SIGKILL).is_ok(),
        "kill -9 {pid}"
    );
}

pub fn is_mounted(dir: &Path) -> bool {
    let d = dir.display().to_string();
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split(' ').nth(4) == Some(d.as_str()))
}

fn kill9(pid: u32) {
    let _ = Command::new("kill").args(["-9", &pid.to_string()]).output();
}

impl MfsLab {
    /// Unmounts the client and waits for mfsmount to exit (it closes its session first).
    pub fn unmount_client(&mut self) {
        if let Some((mnt, mut child)) = self.mount.take() {
            let d = mnt.display().to_string();
            if !run("umount", &[&d]).status.success() {
                let _ = run("umount", &["-l", &d]);
            }
            let end = Instant::now() + Duration::from_secs(20);
            while !matches!(child.try_wait(), Ok(Some(_))) && Instant::now() < end {
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl MfsLab {
    /// The metadata ids of this lab's master: its images' headers and the `SETMETAID(id)` a
    /// new instance writes to its first changelog.
    pub fn meta_ids(&self) -> Vec<u64> {
        let mut ids = Vec::new();
        let entries = std::fs::read_dir(self.data_path())
            .map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>())
            .unwrap_or_default();
        for path in entries {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with("metadata") {
                if let Some((_, Some(id))) = metaver::image_header(&path) {
                    ids.push(id);
                }
            } else if name.starts_with("changelog") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for part in text.split("SETMETAID(").skip(1) {
                    if let Some(id) = part.split(')').next().and_then(|n| n.parse().ok()) {
                        ids.push(id);
                    }
                }
            }
        }
        ids.retain(|id| *id != 0);
        ids
    }

    /// Emergency dumps this lab's master wrote (or the agent set aside) where mfsmaster puts
    /// them (the mfs user's home, /, /tmp, ...): only files with this lab's metadata id.
    pub fn remove_own_emergency_dumps(&self) {
        let ids = self.meta_ids();
        if ids.is_empty() {
            return;
        }
        let mut dirs = emergency::homes("mfs");
        dirs.extend(emergency::SYSTEM_DIRS.iter().map(PathBuf::from));
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if !name.starts_with(emergency::NAME) {
                    continue;
                }
                if let Some((_, Some(id))) = metaver::image_header(&e.path()) {
                    if ids.contains(&id) {
                        let _ = std::fs::remove_file(e.path());
                    }
                }
            }
        }
    }
}

impl Drop for MfsLab {
    fn drop(&mut self) {
        self.unmount_client();
        // Restore a data directory a test made unwritable, so the tempdir can go.
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(self.data_path(), std::fs::Permissions::from_mode(0o755));
        for (dir, binary) in &self.daemons {
            for _ in 0..50 {
                let name = binary
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let mut pids: Vec<u32> = procs::scan(binary, &name, dir)
                    .iter()
                    .map(|p| p.pid)
                    .collect();
                if let Ok(entries) = std::fs::read_dir(dir) {
                    for e in entries.flatten() {
                        let name = e.file_name().to_string_lossy().into_owned();
                        if name.ends_with(".lock") {
                            pids.extend(lock::owner(&e.path()).ok().flatten());
                            pids.extend(lock::flock_owner(&e.path()).ok().flatten());
                        }
                    }
                }
                if pids.is_empty() {
                    break;
                }
                for pid in pids {
                    // A SIGSTOPped process dies of SIGKILL as well.
                    kill9(pid);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        self.remove_own_emergency_dumps();
        for t in self.tmpfs.iter().rev() {
            let d = t.display().to_string();
            for _ in 0..20 {
                if !is_mounted(t) || run("umount", &[&d]).status.success() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            if is_mounted(t) {
                let _ = run("umount", &["-l", &d]);
            }
        }
    }
}
