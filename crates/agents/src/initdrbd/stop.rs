//! stop: unmount (ending only this filesystem's users when it is busy), release copies of the
//! mount in other mount namespaces, then demote; name whoever still holds the device when DRBD
//! refuses. Nothing to stop (not mounted, DRBD not loaded or Secondary) is a success.

use std::path::Path;
use std::time::Duration;

use ha_agent::{AgentError, Ctx, Deadline, ErrorKind};
use nix::errno::Errno;

use super::decide::MountState;
use super::settings::{ForceUnmount, Settings};
use super::{drbd, fs};
use hostops::holders::{self, Holder, Target};
use hostops::terminate::{self, Schedule};
use hostops::{mount, mountinfo, namespaces};

/// Share of the time to give up by that users get SIGTERM before SIGKILL.
const TERM_SHARE: u32 = 50;

/// Time kept back from the unmount phase for the demotion: a quarter of the budget, 0.5–5 s
/// (a fixed 5 s would leave nothing for the unmount under a short budget).
pub fn demote_reserve(left: Duration) -> Duration {
    (left / 4).clamp(Duration::from_millis(500), Duration::from_secs(5))
}

pub fn stop(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let device = s.device(ctx);
    let budget = ctx.deadline().remaining();
    let reserve = demote_reserve(budget);
    unmount_if_ours(ctx, s, &device, budget, reserve)?;
    let res = match drbd::read(ctx, s, &device) {
        Ok(res) => res,
        // No DRBD here at all: nothing can be Primary, and our mount (if any) is gone.
        Err(e) if e.kind == ErrorKind::NotInstalled => {
            ctx.info(&format!("nothing to demote: {}", e.reason));
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    if res.as_ref().is_some_and(|r| r.is_primary()) {
        if let Some(rdev) = fs::rdev(&device) {
            ctx.step("release other mount namespaces", || {
                release_namespaces(ctx, s, &device, rdev, reserve)
            })?;
        }
        ctx.step("demote", || demote(ctx, s, &device))?;
    }
    Ok(())
}

/// scope=mount: unmount (and release copies in other mount namespaces, which would keep the
/// clone's demotion from succeeding); never demotes.
pub fn stop_mount(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let device = s.device(ctx);
    let budget = ctx.deadline().remaining();
    let reserve = demote_reserve(budget);
    unmount_if_ours(ctx, s, &device, budget, reserve)?;
    if let Some(rdev) = fs::rdev(&device).filter(|&r| r != 0) {
        ctx.step("release other mount namespaces", || {
            release_namespaces(ctx, s, &device, rdev, Duration::ZERO)
        })?;
    }
    Ok(())
}

/// Unmounts what is below the directory, then the directory.
/// Unmounts `directory` when `device` is mounted there; a mount of something else is left
/// alone (and said), nothing mounted is nothing to do.
fn unmount_if_ours(
    ctx: &Ctx,
    s: &Settings,
    device: &Path,
    budget: Duration,
    reserve: Duration,
) -> Result<(), AgentError> {
    match fs::mount_state(&s.directory, device)? {
        MountState::Ours => ctx.step("unmount", || unmount(ctx, s, budget, reserve))?,
        MountState::Other(source) => ctx.warn(&format!(
            "{} is mounted from {source}, not from {}: left alone",
            s.directory.display(),
            device.display()
        )),
        MountState::NotMounted => {}
    }
    Ok(())
}

fn unmount(ctx: &Ctx, s: &Settings, budget: Duration, reserve: Duration) -> Result<(), AgentError> {
    let dir = &s.directory;
    let entries = fs::mounts()?;
    let give_up = ctx.deadline().with_margin(reserve);
    let phase = || {
        format!(
            "stop budget {:.1} s, {:.1} s kept for the demotion",
            budget.as_secs_f64(),
            reserve.as_secs_f64()
        )
    };
    for sub in mountinfo::below(&entries, dir) {
        umount_busy(ctx, s, &sub.mount_point, sub.dev, give_up, &phase)?;
    }
    let dev = mountinfo::at(&entries, dir).map_or(0, |e| e.dev);
    umount_busy(ctx, s, dir, dev, give_up, &phase)
}

/// One umount; `None` when done, the users when busy, `Err` for any other failure.
fn try_umount(ctx: &Ctx, dir: &Path, dev: u64) -> Result<Option<Vec<Holder>>, AgentError> {
    match mount::umount(dir) {
        Ok(()) => {
            ctx.info(&format!("unmounted {}", dir.display()));
            Ok(None)
        }
        Err(Errno::EINVAL) if !is_mount_point(dir) => Ok(None),
        Err(Errno::EBUSY) => Ok(Some(holders::scan(
            Path::new("/proc"),
            Target::Filesystem(dev),
        ))),
        Err(e) => Err(AgentError::generic(format!(
            "umount {} failed: {}",
            dir.display(),
            e.desc()
        ))),
    }
}

fn targets(users: &[Holder]) -> Vec<terminate::Target> {
    users
        .iter()
        .filter_map(|h| {
            Some(terminate::Target {
                pid: u32::try_from(h.pid).ok()?,
                what: h.to_string(),
            })
        })
        .collect()
}

/// Unmounts `dir`; when busy and force_unmount=safe, ends its users (shared TERM/KILL loop)
/// until `give_up`.
fn umount_busy(
    ctx: &Ctx,
    s: &Settings,
    dir: &Path,
    dev: u64,
    give_up: Deadline,
    phase: &dyn Fn() -> String,
) -> Result<(), AgentError> {
    if s.force_unmount == ForceUnmount::Never {
        return match try_umount(ctx, dir, dev)? {
            None => Ok(()),
            Some(users) => Err(AgentError::generic(format!(
                "cannot unmount {}: busy{}; force_unmount=false: nothing was killed",
                dir.display(),
                used_by(&users)
            ))),
        };
    }
    let mut failure = None;
    let mut last_users = Vec::new();
    let ended = terminate::terminate(
        |_| match try_umount(ctx, dir, dev) {
            Ok(None) => None,
            Ok(Some(users)) => {
                let t = targets(&users);
                last_users = users;
                Some(t)
            }
            Err(e) => {
                failure = Some(e);
                None
            }
        },
        Schedule::split(give_up, TERM_SHARE),
        &mut |line| ctx.warn(&format!("{line} (users of {})", dir.display())),
    );
    if let Some(e) = failure {
        return Err(e);
    }
    match ended {
        Ok(report) if report.termed + report.killed > 0 => {
            ctx.info(&format!(
                "{} unmounted after {} in {:.1} s",
                dir.display(),
                report.summary(),
                report.elapsed.as_secs_f64()
            ));
            Ok(())
        }
        Ok(_) => Ok(()),
        Err((report, _)) => {
            let done = match report.summary() {
                // Busy, yet no process uses it: a kernel user (loop device, swap, NFS export).
                t if t.is_empty() && last_users.is_empty() => "no process using it was found \
                     (a loop device, swap file or NFS export on it is not a process)"
                    .to_string(),
                t if t.is_empty() => {
                    format!("nothing was killed: no time was left for it ({})", phase())
                }
                t => format!(
                    "after {t} in {:.1} s ({})",
                    report.elapsed.as_secs_f64(),
                    phase()
                ),
            };
            Err(AgentError::generic(format!(
                "cannot unmount {}: busy{}; {done}",
                dir.display(),
                used_by(&last_users)
            )))
        }
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

/// Copies of the mount in other mount namespaces keep the device open: unmount them there
/// (`nsenter --mount`), ending their users when busy, as force_unmount allows.
fn release_namespaces(
    ctx: &Ctx,
    s: &Settings,
    device: &Path,
    rdev: u64,
    reserve: Duration,
) -> Result<(), AgentError> {
    let proc_root = Path::new("/proc");
    let copies = namespaces::holding(proc_root, rdev);
    if copies.is_empty() {
        return Ok(());
    }
    let named = namespaces::describe(&copies, 5);
    if s.force_unmount == ForceUnmount::Never {
        return Err(AgentError::generic(format!(
            "{} is still mounted in another mount namespace: {named}; force_unmount=false: left \
             alone (unmount it there or stop that service, then stop again)",
            device.display()
        )));
    }
    ctx.warn(&format!(
        "{} is still mounted in another mount namespace: {named}; unmounting it there",
        device.display()
    ));
    let give_up = ctx.deadline().with_margin(reserve / 2);
    let mut left_copies = copies;
    let mut last_error = String::new();
    let ended = terminate::terminate(
        |_| {
            for c in &left_copies {
                for mp in &c.mount_points {
                    let pid = c.pid.to_string();
                    let mp = mp.display().to_string();
                    let argv = ["nsenter", "--target", &pid, "--mount", "umount", &mp];
                    match hostops::command::run_unchecked(&argv, &give_up) {
                        Ok(out) if out.success() => {}
                        Ok(out) => last_error = out.stderr.lines().last().unwrap_or("").to_string(),
                        Err(e) => last_error = e.to_string(),
                    }
                }
            }
            left_copies = namespaces::holding(proc_root, rdev);
            match left_copies.is_empty() {
                true => None,
                false => Some(targets(&holders::scan(proc_root, Target::Filesystem(rdev)))),
            }
        },
        Schedule::split(give_up, TERM_SHARE),
        &mut |line| ctx.warn(&format!("{line} (users of {})", device.display())),
    );
    match ended {
        Ok(report) => {
            let how = match report.summary() {
                t if t.is_empty() => String::new(),
                t => format!(" after {t}"),
            };
            ctx.info(&format!(
                "released {} in other mount namespaces{how} ({:.1} s)",
                device.display(),
                report.elapsed.as_secs_f64()
            ));
            Ok(())
        }
        Err((report, _)) => Err(AgentError::generic(format!(
            "{} is still mounted in another mount namespace: {}{} ({:.1} s){}",
            device.display(),
            namespaces::describe(&left_copies, 5),
            match report.summary() {
                t if t.is_empty() => String::new(),
                t => format!(", after {t}"),
            },
            report.elapsed.as_secs_f64(),
            match last_error.is_empty() {
                true => String::new(),
                false => format!("; nsenter umount: {last_error}"),
            }
        ))),
    }
}

/// `drbdadm secondary`, retried while the device is held open; names the holders if it stays
/// so.
pub(super) fn demote(ctx: &Ctx, s: &Settings, device: &Path) -> Result<(), AgentError> {
    match while_held_open(ctx, s, "secondary")? {
        None => {
            ctx.info(&format!("{} demoted to Secondary", s.resource));
            Ok(())
        }
        Some(refused) => Err(AgentError::generic(format!(
            "drbdadm secondary {} failed ({}){}{}",
            s.resource,
            refused.last,
            refused.tried(),
            who_holds(device)
        ))),
    }
}

/// What `drbdadm` said when it gave up for good.
pub(super) struct Refused {
    /// The exit code (`None`: ended by a signal).
    pub code: Option<i32>,
    /// Its last line of stderr that is not drbdadm's "Command '...' terminated" trailer.
    pub last: String,
    pub attempts: u32,
}

impl Refused {
    /// " after N attempts" when it was retried.
    pub fn tried(&self) -> String {
        match self.attempts {
            1 => String::new(),
            n => format!(" after {n} attempts"),
        }
    }
}

/// `drbdadm <verb> <resource>` (secondary or down), retried while DRBD answers exit 11
/// ("Device is held open by someone") and the deadline leaves time for another attempt.
/// Something may hold the device for a moment only: udev or blkid probing it after the
/// unmount, a `losetup --find` that picked it in a race. A retry is launched only with time
/// for it to finish (a killed drbdadm hides its answer). `None`: it succeeded.
pub(super) fn while_held_open(
    ctx: &Ctx,
    s: &Settings,
    verb: &str,
) -> Result<Option<Refused>, AgentError> {
    let deadline = ctx.deadline().with_margin(Duration::from_millis(500));
    let mut attempts = 0u32;
    loop {
        let began = std::time::Instant::now();
        attempts += 1;
        let out = ctx
            .run_unchecked(&[s.drbdadm.as_str(), verb, &s.resource])
            .map_err(AgentError::from)?;
        if out.success() {
            return Ok(None);
        }
        // drbdadm answers in milliseconds; allow twice the last one, at least 250 ms.
        let launch = Duration::from_millis(250).max(began.elapsed() * 2);
        let pause = Duration::from_millis(200);
        if out.code() != Some(11) || deadline.remaining() < pause + launch {
            return Ok(Some(Refused {
                code: out.code(),
                last: last_line(&out.stderr).to_string(),
                attempts,
            }));
        }
        std::thread::sleep(pause);
    }
}

/// The last line of drbdadm's stderr that says something (not its "Command '...'" trailer).
pub(super) fn last_line(stderr: &str) -> &str {
    stderr
        .lines()
        .rev()
        .find(|l| !l.starts_with("Command '") && !l.trim().is_empty())
        .unwrap_or("")
}

/// ", held by ..." naming mounts (here and in other namespaces), processes and stacked devices.
pub fn who_holds(device: &Path) -> String {
    let Some(rdev) = fs::rdev(device) else {
        return String::new();
    };
    let mut parts = Vec::new();
    if let Ok(entries) = fs::mounts() {
        for m in mountinfo::of_dev(&entries, rdev) {
            parts.push(format!("mounted on {}", m.mount_point.display()));
        }
    }
    let copies = namespaces::holding(Path::new("/proc"), rdev);
    if !copies.is_empty() {
        parts.push(format!("mounted in {}", namespaces::describe(&copies, 5)));
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
