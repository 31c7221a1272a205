//! The real block devices behind the simulation, and who holds them.
//!
//! Each up node gets its own loop device over the resource's image (`losetup --find --show`,
//! run with an argv, no shell) and a block device node at the configured device path with the
//! loop device's major:minor (`mknod`). The device is read-only (`BLKROSET`) while the node is
//! Secondary. Whether it is "held open" is answered from the mounts of the caller's mount
//! namespace, the open descriptors of every visible process, an `O_EXCL` probe (which also sees
//! mounts in other namespaces) and the loop device's sysfs holders.

use crate::model::AttachedDevice;
use anyhow::{anyhow, bail, Context, Result};
use std::ffi::CString;
use std::fs::{self, OpenOptions};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::Path;
use std::process::Command;

/// `_IO(0x12, 93)`: set a block device read-only (int argument).
const BLKROSET: libc::c_ulong = 0x125d;
/// `_IO(0x12, 97)`: flush a block device's buffers.
const BLKFLSBUF: libc::c_ulong = 0x1261;

/// The effects the simulator needs from the machine; tests substitute a fake.
pub trait Host {
    /// Milliseconds since the epoch.
    fn now_ms(&self) -> u64;
    fn sleep_ms(&mut self, ms: u64);
    /// Creates a sparse image file of `size_kib` unless it exists; true when created.
    fn create_image(&mut self, path: &str, size_kib: u64) -> Result<bool>;
    fn remove_image(&mut self, path: &str) -> Result<()>;
    /// Attaches a loop device over `image` and creates the device node at `node_path`.
    fn attach(&mut self, image: &str, node_path: &str) -> Result<AttachedDevice>;
    /// Removes the device node (if created here) and detaches the loop device.
    fn detach(&mut self, dev: &AttachedDevice, image: &str) -> Result<()>;
    fn set_read_only(&mut self, dev: &AttachedDevice, read_only: bool) -> Result<()>;
    fn flush_buffers(&mut self, dev: &AttachedDevice) -> Result<()>;
    /// Who holds the device open (empty: nobody).
    fn holders(&mut self, dev: &AttachedDevice) -> Vec<String>;
    /// Runs a DRBD handler (argv, no shell) with `env` only, killed after `deadline_ms`.
    fn run_handler(
        &mut self,
        argv: &[String],
        env: &[(String, String)],
        deadline_ms: u64,
    ) -> crate::fence::HandlerRun;
}

/// The machine itself.
#[derive(Debug, Default)]
pub struct RealHost;

/// Splits a `dev_t` like glibc's `gnu_dev_major`/`gnu_dev_minor`.
pub fn split_dev(dev: u64) -> (u32, u32) {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    (
        u32::try_from(major).unwrap_or(u32::MAX),
        u32::try_from(minor).unwrap_or(u32::MAX),
    )
}

/// Joins major and minor like glibc's `gnu_dev_makedev`.
pub fn make_dev(major: u32, minor: u32) -> u64 {
    let (ma, mi) = (u64::from(major), u64::from(minor));
    ((ma & 0xfff) << 8) | ((ma & !0xfff) << 32) | (mi & 0xff) | ((mi & !0xff) << 12)
}

fn c_path(path: &Path) -> Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| anyhow!("path {} contains a NUL byte", path.display()))
}

fn block_ioctl(dev: &AttachedDevice, request: libc::c_ulong, arg: libc::c_int) -> Result<()> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_CLOEXEC)
        .open(&dev.loop_path)
        .with_context(|| format!("cannot open {}", dev.loop_path))?;
    let value: libc::c_int = arg;
    // SAFETY: BLKROSET reads an int through the pointer; BLKFLSBUF ignores it. Both are
    // block-device ioctls on a descriptor we own, and `value` outlives the call.
    let rc = unsafe { libc::ioctl(file.as_raw_fd(), request as _, &value as *const libc::c_int) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error())
            .with_context(|| format!("ioctl {request:#x} on {} failed", dev.loop_path));
    }
    Ok(())
}

/// Serializes the simulators' `losetup --find` calls machine-wide: `flock` on
/// `/dev/loop-control` itself, so no lock file is left behind. `None` when it cannot be opened
/// (losetup then fails and says why).
fn serialize_attaches() -> Option<fs::File> {
    let control = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_CLOEXEC)
        .open("/dev/loop-control")
        .ok()?;
    loop {
        // SAFETY: flock on a descriptor we own; no memory is passed.
        if unsafe { libc::flock(control.as_raw_fd(), libc::LOCK_EX) } == 0 {
            return Some(control);
        }
        if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return None;
        }
    }
}

/// The loop device's backing file according to sysfs.
fn backing_file(loop_path: &str) -> Option<String> {
    let name = Path::new(loop_path).file_name()?.to_str()?;
    let text = fs::read_to_string(format!("/sys/block/{name}/loop/backing_file")).ok()?;
    Some(text.trim_end().to_string())
}

fn same_file(a: &str, b: &str) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

impl Host for RealHost {
    fn now_ms(&self) -> u64 {
        crate::clock_ms()
    }

    fn run_handler(
        &mut self,
        argv: &[String],
        env: &[(String, String)],
        deadline_ms: u64,
    ) -> crate::fence::HandlerRun {
        run_with_deadline(argv, env, deadline_ms)
    }

    fn sleep_ms(&mut self, ms: u64) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }

    fn create_image(&mut self, path: &str, size_kib: u64) -> Result<bool> {
        if Path::new(path).exists() {
            return Ok(false);
        }
        if let Some(parent) = Path::new(path).parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .with_context(|| format!("cannot create image {path}"))?;
        f.set_len(size_kib.saturating_mul(1024))
            .with_context(|| format!("cannot size image {path}"))?;
        Ok(true)
    }

    fn remove_image(&mut self, path: &str) -> Result<()> {
        match fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("cannot remove image {path}")),
        }
    }

    fn attach(&mut self, image: &str, node_path: &str) -> Result<AttachedDevice> {
        // One `losetup --find` at a time among simulators, whatever their state directories: a
        // racing one may be handed the number this one binds, and then holds that device open
        // while it fails and retries. The simulated device would look "held open by someone".
        let serial = serialize_attaches();
        let out = Command::new("losetup")
            .args(["--find", "--show", image])
            .output()
            .context("cannot run losetup (is util-linux installed, and are we root?)")?;
        drop(serial);
        if !out.status.success() {
            bail!(
                "losetup --find --show {image} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let loop_path = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let meta = fs::metadata(&loop_path).with_context(|| format!("cannot stat {loop_path}"))?;
        let (major, minor) = split_dev(meta.rdev());
        let mut dev = AttachedDevice {
            loop_path: loop_path.clone(),
            major,
            minor,
            node_path: node_path.to_string(),
            node_created: false,
        };
        match make_node(node_path, meta.rdev()) {
            Ok(created) => dev.node_created = created,
            Err(e) => {
                // Do not leave our loop device behind.
                let _ = self.detach(&dev, image);
                return Err(e);
            }
        }
        if let Err(e) = self.set_read_only(&dev, true) {
            let _ = self.detach(&dev, image);
            return Err(e);
        }
        Ok(dev)
    }

    fn detach(&mut self, dev: &AttachedDevice, image: &str) -> Result<()> {
        if dev.node_created {
            if let Ok(meta) = fs::symlink_metadata(&dev.node_path) {
                if meta.file_type().is_block_device()
                    && split_dev(meta.rdev()) == (dev.major, dev.minor)
                {
                    fs::remove_file(&dev.node_path)
                        .with_context(|| format!("cannot remove {}", dev.node_path))?;
                }
            }
        }
        match backing_file(&dev.loop_path) {
            Some(backing) if same_file(&backing, image) => {
                let out = Command::new("losetup")
                    .args(["-d", &dev.loop_path])
                    .output()
                    .context("cannot run losetup")?;
                if !out.status.success() {
                    bail!(
                        "losetup -d {} failed: {}",
                        dev.loop_path,
                        String::from_utf8_lossy(&out.stderr).trim()
                    );
                }
                // A loop device still open elsewhere (udev probing it, say) is cleared
                // only at its last close: wait for that, so callers see it gone.
                for _ in 0..100 {
                    if backing_file(&dev.loop_path).is_none() {
                        return Ok(());
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                bail!(
                    "{} is still attached after losetup -d (someone holds it open)",
                    dev.loop_path
                )
            }
            // Already detached, or reused by someone else: not ours to touch.
            _ => Ok(()),
        }
    }

    fn set_read_only(&mut self, dev: &AttachedDevice, read_only: bool) -> Result<()> {
        block_ioctl(dev, BLKROSET, libc::c_int::from(read_only))
    }

    fn flush_buffers(&mut self, dev: &AttachedDevice) -> Result<()> {
        block_ioctl(dev, BLKFLSBUF, 0)
    }

    fn holders(&mut self, dev: &AttachedDevice) -> Vec<String> {
        let mut found = mounts_of(dev.major, dev.minor, "/proc/self/mountinfo");
        found.extend(processes_holding(
            make_dev(dev.major, dev.minor),
            &[&dev.node_path, &dev.loop_path],
        ));
        found.extend(sysfs_holders(&dev.loop_path));
        if found.is_empty() && claimed_exclusively(&dev.loop_path) {
            found
                .push("claimed (mounted in another mount namespace, or opened exclusively)".into());
        }
        found
    }
}

/// Creates a block device node for `rdev` at `path`; false when a matching one exists already.
/// Runs `argv` with exactly `env`, output captured through a temporary file (no pipe to fill
/// up), polled until it exits or `deadline_ms` passes (then killed: no exit code).
fn run_with_deadline(
    argv: &[String],
    env: &[(String, String)],
    deadline_ms: u64,
) -> crate::fence::HandlerRun {
    use crate::fence::HandlerRun;
    use std::io::{Read, Seek};
    let failed = |output: String| HandlerRun { code: None, output };
    let Some(program) = argv.first() else {
        return failed("no handler configured".into());
    };
    let Ok(mut out) = tempfile::tempfile() else {
        return failed("cannot create a temporary file for the handler's output".into());
    };
    let (Ok(stdout), Ok(stderr)) = (out.try_clone(), out.try_clone()) else {
        return failed("cannot duplicate the output file".into());
    };
    let child = Command::new(program)
        .args(&argv[1..])
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(std::process::Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return failed(format!("cannot run {program}: {e}")),
    };
    let started = std::time::Instant::now();
    let code = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.code(),
            Ok(None) if started.elapsed().as_millis() < u128::from(deadline_ms) => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let mut output = String::new();
    let _ = out.rewind();
    let _ = out.take(64 * 1024).read_to_string(&mut output);
    if code.is_none() && started.elapsed().as_millis() >= u128::from(deadline_ms) {
        output.push_str(&format!("killed after {deadline_ms} ms\n"));
    }
    HandlerRun { code, output }
}

fn make_node(path: &str, rdev: u64) -> Result<bool> {
    let p = Path::new(path);
    if let Ok(meta) = fs::symlink_metadata(p) {
        if meta.file_type().is_block_device() && meta.rdev() == rdev {
            return Ok(false);
        }
        bail!(
            "device path {path} exists and is not the simulator's loop device; remove it or choose another --device"
        );
    }
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let c = c_path(p)?;
    // SAFETY: mknod with a valid NUL-terminated path; creates a node, touches no memory.
    let rc = unsafe { libc::mknod(c.as_ptr(), libc::S_IFBLK | 0o600, rdev as libc::dev_t) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error())
            .with_context(|| format!("mknod {path} failed (root is needed)"));
    }
    Ok(true)
}

/// Mount points of `major:minor` in a mountinfo file.
pub fn mounts_of(major: u32, minor: u32, mountinfo: &str) -> Vec<String> {
    let want = format!("{major}:{minor}");
    let Ok(text) = fs::read_to_string(mountinfo) else {
        return Vec::new();
    };
    parse_mounts(&text, &want)
}

/// The mount points whose device field (the third) is `want` (`major:minor`).
pub fn parse_mounts(mountinfo: &str, want: &str) -> Vec<String> {
    mountinfo
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let dev = f.nth(2)?;
            let mount_point = f.nth(1)?;
            (dev == want).then(|| format!("mounted on {mount_point}"))
        })
        .collect()
}

/// Processes (other than this one) with an open descriptor on the block device `rdev`.
/// Whether an open file's path (`readlink /proc/PID/fd/N`) may be a block device node worth a
/// `stat`: one of ours, or under /dev. Anything else is never stat'ed: a file on a FUSE mount
/// (the lab client's mfsmount) would block the stat, with the state lock held, for as long as
/// its master does not answer.
pub fn may_be_device_node(target: &str, ours: &[&str]) -> bool {
    let target = target.trim_end_matches(" (deleted)");
    ours.contains(&target) || target.starts_with("/dev/")
}

fn processes_holding(rdev: u64, ours: &[&str]) -> Vec<String> {
    let me = std::process::id().to_string();
    let Ok(procs) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in procs.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str() else { continue };
        if pid == me || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(fds) = fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        // Only links that may name a device node are stat'ed at all (a stat of a file on a
        // hung FUSE mount blocks), and then without asking a remote filesystem to sync.
        let holds = fds.flatten().any(|fd| {
            let target = fs::read_link(fd.path()).unwrap_or_default();
            may_be_device_node(&target.to_string_lossy(), ours)
                && block_device_of(&fd.path()) == Some(rdev)
        });
        if holds {
            let comm = fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            found.push(format!("opened by pid {pid} ({})", comm.trim()));
        }
    }
    found
}

/// The device number of the block device an fd link (`/proc/PID/fd/N`) points to, if it is one.
/// statx with AT_STATX_DONT_SYNC: a plain stat through the link asks the file's filesystem, and a
/// FUSE mount whose daemon hangs (an mfsmount whose master is gone, in any lab on the machine)
/// would block the scan for minutes; with DONT_SYNC FUSE answers from its cached attributes.
fn block_device_of(link: &Path) -> Option<u64> {
    let path = CString::new(link.as_os_str().as_bytes()).ok()?;
    // SAFETY: statx is plain data; all-zero is a valid initial value.
    let mut st: libc::statx = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is a valid C string and `st` a valid statx buffer for the call.
    let rc = unsafe {
        libc::statx(
            libc::AT_FDCWD,
            path.as_ptr(),
            libc::AT_STATX_DONT_SYNC,
            libc::STATX_TYPE,
            &mut st,
        )
    };
    if rc != 0 || u32::from(st.stx_mode) & libc::S_IFMT != libc::S_IFBLK {
        return None;
    }
    Some(make_dev(st.stx_rdev_major, st.stx_rdev_minor))
}

fn sysfs_holders(loop_path: &str) -> Vec<String> {
    let Some(name) = Path::new(loop_path).file_name().and_then(|n| n.to_str()) else {
        return Vec::new();
    };
    let Ok(dir) = fs::read_dir(format!("/sys/block/{name}/holders")) else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str().map(|h| format!("held by {h}")))
        .collect()
}

/// An `O_EXCL` open of a block device fails with EBUSY while it is mounted or claimed.
fn claimed_exclusively(loop_path: &str) -> bool {
    match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_EXCL | libc::O_CLOEXEC)
        .open(loop_path)
    {
        Ok(_) => false,
        Err(e) => e.raw_os_error() == Some(libc::EBUSY),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_devices_are_recognised_through_their_paths_and_fd_links() {
        let file = tempfile::NamedTempFile::new().unwrap();
        assert_eq!(block_device_of(file.path()), None);
        assert_eq!(block_device_of(Path::new("/dev/null")), None);
        assert_eq!(block_device_of(Path::new("/nonexistent")), None);
        let block = fs::read_dir("/dev")
            .unwrap()
            .flatten()
            .find(|e| e.file_type().is_ok_and(|t| t.is_block_device()));
        if let Some(dev) = block {
            let want = fs::metadata(dev.path()).unwrap().rdev();
            assert_eq!(block_device_of(&dev.path()), Some(want));
        }
        let f = fs::File::open(file.path()).unwrap();
        let link = format!("/proc/self/fd/{}", f.as_raw_fd());
        assert_eq!(block_device_of(Path::new(&link)), None);
    }

    #[test]
    fn dev_numbers_round_trip() {
        for (ma, mi) in [(7, 0), (7, 12), (259, 3), (4095, 1_048_575)] {
            assert_eq!(split_dev(make_dev(ma, mi)), (ma, mi));
        }
        assert_eq!(make_dev(7, 1), 0x701);
    }

    #[test]
    fn only_device_paths_are_stat_ed() {
        let ours = ["/tmp/lab/a/dev/drbd1", "/dev/loop7"];
        assert!(may_be_device_node("/tmp/lab/a/dev/drbd1", &ours));
        assert!(may_be_device_node("/tmp/lab/a/dev/drbd1 (deleted)", &ours));
        assert!(may_be_device_node("/dev/loop7", &ours));
        assert!(may_be_device_node("/dev/drbd1", &ours));
        assert!(!may_be_device_node("/mnt/mfs/campaign/f0000001", &ours));
        assert!(!may_be_device_node("socket:[1234]", &ours));
        assert!(!may_be_device_node("", &ours));
    }

    #[test]
    fn finds_mounts_by_device_number() {
        let mountinfo = "22 27 0:21 / /proc rw,relatime - proc proc rw\n\
                         99 27 7:3 / /mnt/mfs rw,relatime - ext4 /dev/drbd1 rw\n\
                         100 27 7:30 / /other rw - ext4 /dev/loop30 rw\n";
        assert_eq!(
            parse_mounts(mountinfo, "7:3"),
            vec!["mounted on /mnt/mfs".to_string()]
        );
        assert!(parse_mounts(mountinfo, "7:4").is_empty());
        assert!(parse_mounts("garbage\n\n", "7:3").is_empty());
    }
}
