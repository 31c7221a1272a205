//! The filesystem side: what is mounted at the directory, and mounting it.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use ha_agent::{AgentError, Ctx, Deadline};

use super::decide::MountState;
use super::settings::{Fsck, Settings};
use hostops::{fstype, mount, mountinfo};

/// The caller's mount table.
pub fn mounts() -> Result<Vec<mountinfo::MountEntry>, AgentError> {
    mountinfo::read()
        .map_err(|e| AgentError::generic(format!("cannot read /proc/self/mountinfo: {e}")))
}

/// `st_rdev` of the device node, when it exists.
pub fn rdev(device: &Path) -> Option<u64> {
    std::fs::metadata(device).ok().map(|m| m.rdev())
}

/// What is mounted at `dir` now: our device (same device number, or same source path), or not.
pub fn mount_state(dir: &Path, device: &Path) -> Result<MountState, AgentError> {
    let entry = mountinfo::read_at(dir)
        .map_err(|e| AgentError::generic(format!("cannot read /proc/self/mountinfo: {e}")))?;
    Ok(state_of(entry.as_ref(), device))
}

fn state_of(entry: Option<&mountinfo::MountEntry>, device: &Path) -> MountState {
    let Some(entry) = entry else {
        return MountState::NotMounted;
    };
    let same_dev = rdev(device).is_some_and(|r| r == entry.dev && r != 0);
    if same_dev || Path::new(&entry.source) == device {
        MountState::Ours
    } else {
        MountState::Other(entry.source.clone())
    }
}

/// Waits until the device can be opened for writing (udev, a Primary's read-write flag).
pub fn wait_writable(device: &Path, deadline: &Deadline) -> Result<(), AgentError> {
    let deadline = deadline.within(std::time::Duration::from_secs(10));
    loop {
        match std::fs::OpenOptions::new().write(true).open(device) {
            Ok(_) => return Ok(()),
            Err(e) if deadline.expired() => {
                return Err(AgentError::generic(format!(
                    "device {} is not writable after promotion: {e}",
                    device.display()
                )))
            }
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
        }
    }
}

/// What start can check before promoting: the device node is a block device, the directory
/// exists (or can be created) and has nothing mounted below it, an explicit fstype is known to
/// this kernel. `device_expected`: the device was given, or the resource is configured, so its
/// node must exist.
pub fn check_before_promotion(
    s: &Settings,
    device: &Path,
    device_expected: bool,
) -> Result<(), AgentError> {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::metadata(device) {
        Ok(m) if m.file_type().is_block_device() => {}
        Ok(_) => {
            return Err(AgentError::configured(format!(
            "device {} is not a block device: set device to the DRBD device (drbdadm sh-dev {})",
            device.display(),
            s.resource
        )))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !device_expected => {}
        Err(e) => {
            return Err(AgentError::generic(format!(
            "device {}: {e} (is device= right, and the resource up? drbdadm sh-dev {} names it)",
            device.display(),
            s.resource
        )))
        }
    }
    let dir = &s.directory;
    std::fs::create_dir_all(dir)
        .map_err(|e| AgentError::generic(format!("cannot create {}: {e}", dir.display())))?;
    if !dir.is_dir() {
        return Err(AgentError::configured(format!(
            "directory {} is not a directory",
            dir.display()
        )));
    }
    let entries = mounts()?;
    if let Some(sub) = mountinfo::below(&entries, dir).first() {
        return Err(AgentError::configured(format!(
            "{} is mounted below {}: refusing to mount over it",
            sub.mount_point.display(),
            dir.display()
        )));
    }
    if s.fstype != "auto" && !fstype::kernel_knows(&s.fstype) {
        return Err(AgentError::configured(format!(
            "fstype '{}' is not known to this kernel (not in /proc/filesystems, no module for it)",
            s.fstype
        )));
    }
    Ok(())
}

/// The filesystem type to mount: the parameter, or the one found in the superblock.
pub fn resolve_fstype(s: &Settings, device: &Path) -> Result<String, AgentError> {
    if s.fstype != "auto" {
        // A different filesystem on the device is a wrong parameter, not a mount to attempt.
        if let Ok(Some(found)) = fstype::detect(device) {
            if fstype::family(found) != fstype::family(&s.fstype) {
                return Err(AgentError::configured(format!(
                    "fstype={} but {} holds {found}: set fstype={found} (or auto)",
                    s.fstype,
                    device.display()
                )));
            }
        }
        return Ok(s.fstype.clone());
    }
    match fstype::detect(device) {
        Ok(Some(t)) => Ok(t.to_string()),
        Ok(None) => Err(AgentError::generic(format!(
            "no known filesystem on {} (set fstype)",
            device.display()
        ))),
        Err(e) => Err(AgentError::generic(format!(
            "cannot read {}: {e}",
            device.display()
        ))),
    }
}

/// `fsck -p` when the policy asks for it, ended at `deadline` (start keeps time after it to
/// roll back); exit 4 or more fails.
pub fn fsck(
    ctx: &Ctx,
    s: &Settings,
    device: &Path,
    fstype: &str,
    deadline: &Deadline,
) -> Result<(), AgentError> {
    let wanted = match s.fsck {
        Fsck::No => false,
        Fsck::Force => true,
        Fsck::Auto => !fstype::is_journaling(fstype),
    };
    if !wanted {
        return Ok(());
    }
    let dev = device.display().to_string();
    let argv = ["fsck", "-t", fstype, "-p", dev.as_str()];
    ctx.debug(&format!("running {}", argv.join(" ")));
    let out = hostops::command::run_unchecked(&argv, deadline).map_err(AgentError::from)?;
    match out.code() {
        Some(code) if code < 4 => Ok(()),
        code => Err(AgentError::generic(format!(
            "fsck -p {dev} failed (exit {}): {}",
            code.map_or("by signal".to_string(), |c| c.to_string()),
            out.stderr.lines().last().unwrap_or("")
        ))),
    }
}

/// Creates the directory, refuses one with mounts below it, and mounts the device.
pub fn mount_device(
    ctx: &Ctx,
    s: &Settings,
    device: &Path,
    fstype: &str,
) -> Result<(), AgentError> {
    let dir = &s.directory;
    std::fs::create_dir_all(dir)
        .map_err(|e| AgentError::generic(format!("cannot create {}: {e}", dir.display())))?;
    let entries = mounts()?;
    if let Some(sub) = mountinfo::below(&entries, dir).first() {
        return Err(AgentError::configured(format!(
            "{} is mounted below {}: refusing to mount over it",
            sub.mount_point.display(),
            dir.display()
        )));
    }
    mount::mount(device, dir, fstype, &s.options).map_err(|e| {
        let hint = match e {
            // The kernel says which option it refused only in its log.
            nix::errno::Errno::EINVAL => match kernel_says(device) {
                Some(line) => format!(" (kernel: {line})"),
                None if s.options.is_empty() => String::new(),
                None => format!(" (options '{}')", s.options),
            },
            _ => String::new(),
        };
        AgentError::generic(format!(
            "mount -t {fstype} {} {} failed: {}{hint}",
            device.display(),
            dir.display(),
            e.desc()
        ))
    })?;
    ctx.info(&format!(
        "mounted {} on {} ({fstype})",
        device.display(),
        dir.display()
    ));
    Ok(())
}

/// The kernel's last log line about `device` (`EXT4-fs (loop3): Unrecognized mount option
/// "foo" or missing value`), from /dev/kmsg, read without blocking.
pub fn kernel_says(device: &Path) -> Option<String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let name = std::fs::canonicalize(device)
        .ok()?
        .file_name()?
        .to_string_lossy()
        .into_owned();
    let needle = format!("({name})");
    let mut kmsg = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open("/dev/kmsg")
        .ok()?;
    let mut last = None;
    let mut buf = vec![0u8; 8192];
    // One record per read; EAGAIN at the end of the buffer, EPIPE for an overwritten record.
    for _ in 0..100_000 {
        match kmsg.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let rec = String::from_utf8_lossy(&buf[..n]);
                let text = rec.split_once(';').map_or("", |(_, t)| t).lines().next();
                if let Some(t) = text.filter(|t| t.contains(&needle)) {
                    last = Some(t.trim().to_string());
                }
            }
            Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue,
            Err(_) => break,
        }
    }
    last
}
