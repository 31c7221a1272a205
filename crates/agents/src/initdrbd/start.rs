//! start (scope=all): check what can be checked, refuse when promotion is unsafe, promote (retrying only
//! what waiting can change, within the action's deadline), then mount. A failure after this
//! start promoted is rolled back (demoted) before start returns: never Primary and unmounted.

use std::path::Path;
use std::time::{Duration, Instant};

use ha_agent::{AgentError, Ctx, Deadline};

use super::decide::{self, MountState, Refusal};
use super::settings::Settings;
use super::stop::{self, last_line};
use super::{drbd, fs};

/// The pause between promotion attempts.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// The least time a `drbdadm primary` is launched with (more when the last one took longer):
/// one killed by the deadline would hide the real answer.
const LAUNCH_MIN: Duration = Duration::from_secs(1);

/// Time kept after the promotion for waiting on the device, fsck and mount.
fn after_promotion(budget: Duration) -> Duration {
    (budget / 4).clamp(Duration::from_secs(1), Duration::from_secs(10))
}

/// Time kept at the end for demoting again when the mount fails.
fn rollback_reserve(budget: Duration) -> Duration {
    (budget / 10).clamp(Duration::from_millis(500), Duration::from_secs(3))
}

/// scope=mount: mount the device, which must be Primary here already (the promotable clone
/// promoted it); never promotes.
pub fn start_mount(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let device = s.device(ctx);
    let mount = fs::mount_state(&s.directory, &device)?;
    match &mount {
        MountState::Ours => {
            ctx.info(&format!(
                "{} is mounted on {}: nothing to do",
                device.display(),
                s.directory.display()
            ));
            return Ok(());
        }
        MountState::Other(source) => {
            return Err(AgentError::generic(format!(
                "{} is already mounted from {source}",
                s.directory.display()
            )))
        }
        MountState::NotMounted => {}
    }
    let res = drbd::read(ctx, s, &device)?;
    if !res.as_ref().is_some_and(|r| r.is_primary()) {
        return Err(AgentError::generic(format!(
            "scope=mount does not promote: {} is {} here, not Primary (colocate this resource \
             with the clone's Promoted role and order it after the promotion)",
            s.resource,
            drbd::summary(res.as_ref())
        )));
    }
    ctx.step("check", || fs::check_before_promotion(s, &device, true))?;
    mount_promoted(ctx, s, &device, &ctx.deadline())
}

pub fn start(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let device = s.device(ctx);
    let budget = ctx.deadline().remaining();
    let res = drbd::read(ctx, s, &device)?;
    let mount = fs::mount_state(&s.directory, &device)?;
    if let MountState::Other(source) = &mount {
        return Err(AgentError::generic(format!(
            "{} is already mounted from {source}",
            s.directory.display()
        )));
    }
    let primary = res.as_ref().is_some_and(|r| r.is_primary());
    if primary && mount == MountState::Ours {
        ctx.info(&format!(
            "{} is Primary and mounted on {}: nothing to do",
            s.resource,
            s.directory.display()
        ));
        return Ok(());
    }
    if mount == MountState::NotMounted {
        // A device given explicitly, or one of a configured resource, must exist.
        let configured = res.as_ref().is_some_and(|r| !r.devices.is_empty());
        let device_expected = configured || s.device.is_some();
        ctx.step("check", || {
            fs::check_before_promotion(s, &device, device_expected)
        })?;
    }
    let rollback = rollback_reserve(budget);
    if !primary {
        let promote_by = ctx
            .deadline()
            .with_margin(after_promotion(budget) + rollback);
        if let Err(e) = ctx.step("promote", || promote(ctx, s, &device, &promote_by)) {
            // A drbdadm killed at the deadline or by an interruption may have promoted all
            // the same: this start made it Primary, so it demotes again.
            return Err(match drbd::read(ctx, s, &device) {
                Ok(now) if now.as_ref().is_some_and(|r| r.is_primary()) => roll_back(ctx, s, e),
                _ => e,
            });
        }
    }
    if mount == MountState::NotMounted {
        let mount_by = ctx.deadline().with_margin(rollback);
        if let Err(e) = mount_promoted(ctx, s, &device, &mount_by) {
            return Err(match primary {
                true => e, // it was Primary before this start: not ours to undo
                false => roll_back(ctx, s, e),
            });
        }
    }
    Ok(())
}

fn mount_promoted(
    ctx: &Ctx,
    s: &Settings,
    device: &Path,
    deadline: &Deadline,
) -> Result<(), AgentError> {
    ctx.step("wait for device", || fs::wait_writable(device, deadline))?;
    let fstype = fs::resolve_fstype(s, device)?;
    ctx.step("fsck", || fs::fsck(ctx, s, device, &fstype, deadline))?;
    ctx.step("mount", || fs::mount_device(ctx, s, device, &fstype))
}

/// Demotes again after a failure that followed this start's promotion (retried while the
/// device is held open for a moment, as stop does); the reason says so.
fn roll_back(ctx: &Ctx, s: &Settings, cause: AgentError) -> AgentError {
    let outcome = match stop::while_held_open(ctx, s, "secondary") {
        Ok(None) => {
            ctx.info(&format!(
                "rolled back: {} demoted to Secondary after the failed start",
                s.resource
            ));
            format!("rolled back: {} demoted to Secondary", s.resource)
        }
        Ok(Some(refused)) => format!(
            "rollback failed: drbdadm secondary {} exited {}: {}{}; still Primary, stop it before the peer can start",
            s.resource,
            refused.code.map_or("by signal".to_string(), |c| c.to_string()),
            refused.last,
            refused.tried()
        ),
        Err(e) => format!("rollback failed: {}; still Primary, stop it before the peer can start", e.reason),
    };
    AgentError::new(cause.kind, format!("{}; {outcome}", cause.reason))
}

/// `(-1)` in `0: State change failed: (-1) Multiple primaries not allowed by config`.
pub fn state_code(stderr: &str) -> Option<i32> {
    stderr.lines().find_map(|l| {
        let rest = &l[l.find("State change failed: (")? + "State change failed: (".len()..];
        rest.split(')').next()?.parse().ok()
    })
}

/// Whether waiting can change this refusal of `drbdadm primary`: the peer is still Primary
/// (-1), or a state change was in flight (-18 transient, -19 concurrent). Fencing (-7), no
/// UpToDate data (-2) and the like stay as they are.
pub fn retryable(exit: Option<i32>, stderr: &str) -> bool {
    exit == Some(11) && matches!(state_code(stderr), Some(-1 | -18 | -19))
}

/// "attempt 3/10" under a promote_retries cap, "attempt 3" without one.
fn attempt(tries: &Tries, s: &Settings) -> String {
    match s.promote_retries {
        0 => format!("attempt {}", tries.retries + 1),
        cap => format!("attempt {}/{cap}", tries.retries + 1),
    }
}

/// Why a refusal of `drbdadm primary` is not retried, for the reason; DRBD 9's (-25) No
/// quorum is named as such: the peer is gone, not demoting.
pub fn not_retried(exit: Option<i32>, stderr: &str) -> &'static str {
    match (exit, state_code(stderr)) {
        (Some(11), Some(-25)) => {
            "; no quorum (DRBD 9): this node sees too few of the resource's nodes; not \
             retried: the peer is gone, not demoting"
        }
        (Some(11), _) => "; not retried: waiting does not change this refusal",
        _ => "",
    }
}

/// Tries so far, for the reasons.
struct Tries {
    started: Instant,
    retries: u32,
}

impl Tries {
    fn said(&self) -> String {
        format!(
            "{} retr{} in {:.1} s",
            self.retries,
            if self.retries == 1 { "y" } else { "ies" },
            self.started.elapsed().as_secs_f64()
        )
    }

    /// Why there is no further retry: the cap, or the deadline; `None` when one may follow.
    fn exhausted(&self, s: &Settings, deadline: &Deadline, next: Duration) -> Option<String> {
        if s.promote_retries > 0 && self.retries >= s.promote_retries {
            return Some(format!(
                "still after {} (promote_retries={})",
                self.said(),
                s.promote_retries
            ));
        }
        (deadline.remaining() < next).then(|| {
            format!(
                "still after {}: the start deadline leaves no time for another attempt",
                self.said()
            )
        })
    }
}

/// The promotion loop: re-reads the state before every attempt, waits while the peer is still
/// Primary or drbdadm reports something waiting can change, stops at once on anything else.
/// Bounded by `deadline` (the action's budget less what follows it) and, when set, by
/// `promote_retries`; never launches a drbdadm that the deadline would kill.
pub(super) fn promote(
    ctx: &Ctx,
    s: &Settings,
    device: &Path,
    deadline: &Deadline,
) -> Result<(), AgentError> {
    let mut tries = Tries {
        started: Instant::now(),
        retries: 0,
    };
    let mut launch = LAUNCH_MIN;
    loop {
        let res = drbd::read(ctx, s, device)?;
        if res.as_ref().is_some_and(|r| r.is_primary()) {
            return Ok(());
        }
        match decide::refusal(res.as_ref()) {
            Some(Refusal::PeerPrimary) => {
                let reason = Refusal::PeerPrimary.reason(&s.resource);
                if let Some(why) = tries.exhausted(s, deadline, RETRY_PAUSE + launch) {
                    if !s.force {
                        return Err(AgentError::generic(format!("{reason} ({why})")));
                    }
                } else {
                    ctx.info(&format!(
                        "{}: peer is still Primary ({}), waiting ({})",
                        s.resource,
                        drbd::summary(res.as_ref()),
                        attempt(&tries, s)
                    ));
                    tries.retries += 1;
                    pause(deadline);
                    continue;
                }
                ctx.error(&format!("force=true: promoting anyway although {reason}"));
            }
            Some(r) if !s.force || !r.forcible() => {
                return Err(AgentError::generic(r.reason(&s.resource)))
            }
            Some(r) => ctx.error(&format!(
                "force=true: promoting anyway although {}",
                r.reason(&s.resource)
            )),
            None => {}
        }
        if ctx.interrupted() {
            return Err(AgentError::generic(format!(
                "not promoting {}: interrupted",
                s.resource
            )));
        }
        if deadline.remaining() < launch {
            return Err(AgentError::generic(format!(
                "not promoting {}: {:.1} s left before the start deadline, too little for \
                 drbdadm primary (needs about {:.1} s)",
                s.resource,
                deadline.remaining().as_secs_f64(),
                launch.as_secs_f64()
            )));
        }
        let began = Instant::now();
        let out = ctx
            .run_unchecked(&[s.drbdadm.as_str(), "primary", &s.resource])
            .map_err(AgentError::from)?;
        launch = LAUNCH_MIN.max(began.elapsed() * 3 / 2);
        let last = last_line(&out.stderr);
        match out.code() {
            Some(0) => {
                ctx.info(&format!("{} promoted to Primary", s.resource));
                return Ok(());
            }
            Some(17) => {
                return Err(AgentError::generic(format!(
                    "cannot promote {}: no UpToDate data reachable (drbdadm exit 17: {last})",
                    s.resource
                )))
            }
            code if retryable(code, &out.stderr) => {
                if let Some(why) = tries.exhausted(s, deadline, RETRY_PAUSE + launch) {
                    return Err(AgentError::generic(format!(
                        "drbdadm primary {} failed with exit 11: {last} ({why})",
                        s.resource
                    )));
                }
                ctx.info(&format!(
                    "drbdadm primary {} exited 11 ({last}); retrying ({})",
                    s.resource,
                    attempt(&tries, s)
                ));
                tries.retries += 1;
                pause(deadline);
            }
            code => {
                let retried = match tries.retries {
                    0 => String::new(),
                    _ => format!(" (after {})", tries.said()),
                };
                let why_not = not_retried(code, &out.stderr);
                return Err(AgentError::generic(format!(
                    "drbdadm primary {} failed with exit code {}: {last}{retried}{why_not}",
                    s.resource,
                    code.map_or("none (signal)".to_string(), |c| c.to_string())
                )));
            }
        }
    }
}

fn pause(deadline: &Deadline) {
    std::thread::sleep(RETRY_PAUSE.min(deadline.remaining()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_refusals_that_waiting_can_change_are_retried() {
        let two = "0: State change failed: (-1) Multiple primaries not allowed by config\n\
                   Command 'drbdsetup-84 primary 0' terminated with exit code 11\n";
        let fence =
            "0: State change failed: (-7) Refusing to be Primary while peer is not outdated\n";
        assert_eq!(state_code(two), Some(-1));
        assert!(retryable(Some(11), two));
        assert!(!retryable(Some(11), fence));
        assert!(!retryable(Some(11), "garbage"));
        assert!(!retryable(Some(10), two));
        let quorum = "r0: State change failed: (-25) No quorum\nadditional info from kernel:\n\
                      1 of 2 nodes visible, need 2 for quorum\n";
        assert!(!retryable(Some(11), quorum));
        assert!(not_retried(Some(11), quorum).contains("no quorum"));
        assert!(not_retried(Some(11), fence).contains("not retried"));
        assert_eq!(not_retried(Some(17), fence), "");
        assert_eq!(
            last_line(two),
            "0: State change failed: (-1) Multiple primaries not allowed by config"
        );
    }

    #[test]
    fn reserves_scale_with_the_budget() {
        assert_eq!(
            after_promotion(Duration::from_secs(60)),
            Duration::from_secs(10)
        );
        assert_eq!(
            after_promotion(Duration::from_secs(2)),
            Duration::from_secs(1)
        );
        assert_eq!(
            rollback_reserve(Duration::from_secs(20)),
            Duration::from_secs(2)
        );
    }
}
