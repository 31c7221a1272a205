//! The filesystem side: what is mounted at the directory, and mounting it.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use ha_agent::{AgentError, Ctx};

use super::decide::MountState;
use super::settings::{Fsck, Settings};
use crate::hostops::{fstype, mount, mountinfo};

/// The caller's mount table.
pub fn mounts() -> Result<Vec<mountinfo::MountEntry>, AgentError> {
    mountinfo::read()
        .map_err(|e| AgentError::generic(format!("cannot read /proc/self/mountinfo: {e}")))
}

/// `st_rdev` of the device node, when it exists.
pub fn rdev(device: &Path) -> Option<u64> {
    std::fs::metadata(device).ok().map(|m| m.rdev())
}

/// What is mounted at `dir`: our device (same device number, or same source path), or not.
pub fn mount_state(entries: &[mountinfo::MountEntry], dir: &Path, device: &Path) -> MountState {
    let Some(entry) = mountinfo::at(entries, dir) else {
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
pub fn wait_writable(ctx: &Ctx, device: &Path) -> Result<(), AgentError> {
    let deadline = ctx.deadline().within(std::time::Duration::from_secs(10));
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

/// The filesystem type to mount: the parameter, or the one found in the superblock.
pub fn resolve_fstype(s: &Settings, device: &Path) -> Result<String, AgentError> {
    if s.fstype != "auto" {
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

/// `fsck -p` when the policy asks for it; exit 4 or more fails.
pub fn fsck(ctx: &Ctx, s: &Settings, device: &Path, fstype: &str) -> Result<(), AgentError> {
    let wanted = match s.fsck {
        Fsck::No => false,
        Fsck::Force => true,
        Fsck::Auto => !fstype::is_journaling(fstype),
    };
    if !wanted {
        return Ok(());
    }
    let dev = device.display().to_string();
    let out = ctx
        .run_unchecked(&["fsck", "-t", fstype, "-p", dev.as_str()])
        .map_err(AgentError::from)?;
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
        AgentError::generic(format!(
            "mount -t {fstype} {} {} failed: {}",
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
