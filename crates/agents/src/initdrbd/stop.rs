//! stop: unmount (killing only this filesystem's users when it is busy), then demote; name
//! whoever still holds the device when DRBD refuses.

use std::path::Path;
use std::time::Duration;

use ha_agent::{AgentError, Ctx, Deadline};
use nix::errno::Errno;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use super::decide::MountState;
use super::settings::{ForceUnmount, Settings};
use super::{drbd, fs};
use crate::hostops::holders::{self, Holder, Target};
use crate::hostops::{mount, mountinfo};

/// Time kept back from the unmount phase for the demotion.
const DEMOTE_RESERVE: Duration = Duration::from_secs(5);

pub fn stop(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let device = s.device(ctx);
    let entries = fs::mounts()?;
    match fs::mount_state(&entries, &s.directory, &device) {
        MountState::Ours => ctx.step("unmount", || unmount(ctx, s))?,
        MountState::Other(source) => ctx.warn(&format!(
            "{} is mounted from {source}, not from {}: left alone",
            s.directory.display(),
            device.display()
        )),
        MountState::NotMounted => {}
    }
    let res = drbd::read(ctx, s, &device)?;
    if res.as_ref().is_some_and(|r| r.is_primary()) {
        ctx.step("demote", || demote(ctx, s, &device))?;
    }
    Ok(())
}

/// Unmounts what is below the directory, then the directory; when busy, signals the users of
/// that filesystem only: TERM for the first half of the time, then KILL.
fn unmount(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let dir = &s.directory;
    let entries = fs::mounts()?;
    for sub in mountinfo::below(&entries, dir) {
        umount_busy(ctx, s, &sub.mount_point, sub.dev)?;
    }
    let dev = mountinfo::at(&entries, dir).map_or(0, |e| e.dev);
    umount_busy(ctx, s, dir, dev)
}

fn umount_busy(ctx: &Ctx, s: &Settings, dir: &Path, dev: u64) -> Result<(), AgentError> {
    let deadline = ctx.deadline().with_margin(DEMOTE_RESERVE);
    let term_until = Deadline::after(deadline.remaining() / 2);
    loop {
        match mount::umount(dir) {
            Ok(()) => {
                ctx.info(&format!("unmounted {}", dir.display()));
                return Ok(());
            }
            Err(Errno::EINVAL) if !is_mount_point(dir) => return Ok(()),
            Err(Errno::EBUSY) => {}
            Err(e) => {
                return Err(AgentError::generic(format!(
                    "umount {} failed: {}",
                    dir.display(),
                    e.desc()
                )))
            }
        }
        let users = holders::scan(Path::new("/proc"), Target::Filesystem(dev));
        if s.force_unmount == ForceUnmount::Never || deadline.expired() {
            return Err(AgentError::generic(format!(
                "cannot unmount {}: busy{}",
                dir.display(),
                used_by(&users)
            )));
        }
        let signal = if term_until.expired() {
            Signal::SIGKILL
        } else {
            Signal::SIGTERM
        };
        for h in &users {
            ctx.warn(&format!(
                "sending {signal} to {h}, which uses {}",
                dir.display()
            ));
            let _ = kill(Pid::from_raw(h.pid), signal);
        }
        std::thread::sleep(Duration::from_millis(200).min(deadline.remaining()));
    }
}

fn is_mount_point(dir: &Path) -> bool {
    fs::mounts().is_ok_and(|e| mountinfo::at(&e, dir).is_some())
}

fn used_by(users: &[Holder]) -> String {
    match users.is_empty() {
        true => String::new(),
        false => format!(", used by {}", holders::describe(users, 5)),
    }
}

/// `drbdadm secondary`, retried while the device is held open; names the holders if it stays so.
fn demote(ctx: &Ctx, s: &Settings, device: &Path) -> Result<(), AgentError> {
    let deadline = ctx.deadline().with_margin(Duration::from_millis(500));
    loop {
        let out = ctx
            .run_unchecked(&[s.drbdadm.as_str(), "secondary", &s.resource])
            .map_err(AgentError::from)?;
        if out.success() {
            ctx.info(&format!("{} demoted to Secondary", s.resource));
            return Ok(());
        }
        let last = out
            .stderr
            .lines()
            .rev()
            .find(|l| !l.starts_with("Command '"))
            .unwrap_or("")
            .to_string();
        if out.code() != Some(11) || deadline.expired() {
            return Err(AgentError::generic(format!(
                "drbdadm secondary {} failed ({last}){}",
                s.resource,
                who_holds(device)
            )));
        }
        std::thread::sleep(Duration::from_millis(500).min(deadline.remaining()));
    }
}

/// ", held by ..." naming mounts, processes and stacked devices on the device.
fn who_holds(device: &Path) -> String {
    let Some(rdev) = fs::rdev(device) else {
        return String::new();
    };
    let mut parts = Vec::new();
    if let Ok(entries) = fs::mounts() {
        for m in mountinfo::of_dev(&entries, rdev) {
            parts.push(format!("mounted on {}", m.mount_point.display()));
        }
    }
    let openers = holders::scan(Path::new("/proc"), Target::Device(rdev));
    if !openers.is_empty() {
        parts.push(holders::describe(&openers, 5));
    }
    for h in holders::sysfs_holders(rdev) {
        parts.push(format!("block device {h} (sysfs holder)"));
    }
    match parts.is_empty() {
        true => String::new(),
        false => format!("; device held by {}", parts.join("; ")),
    }
}
