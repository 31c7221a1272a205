//! start: refuse when promotion is unsafe, promote with bounded retries, then mount.

use std::path::Path;
use std::time::Duration;

use ha_agent::{AgentError, Ctx};

use super::decide::{self, MountState, Refusal};
use super::settings::Settings;
use super::{drbd, fs};

/// The pause between promotion attempts.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

pub fn start(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let device = s.device(ctx);
    let res = drbd::read(ctx, s, &device)?;
    let mount = fs::mount_state(&fs::mounts()?, &s.directory, &device);
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
    if !primary {
        ctx.step("promote", || promote(ctx, s, &device))?;
    }
    if mount == MountState::NotMounted {
        ctx.step("wait for device", || fs::wait_writable(ctx, &device))?;
        let fstype = fs::resolve_fstype(s, &device)?;
        ctx.step("fsck", || fs::fsck(ctx, s, &device, &fstype))?;
        ctx.step("mount", || fs::mount_device(ctx, s, &device, &fstype))?;
    }
    Ok(())
}

/// The promotion loop: re-reads the state before every attempt, waits (bounded) while the
/// peer is still Primary or drbdadm exits 11, stops at once on any other refusal.
fn promote(ctx: &Ctx, s: &Settings, device: &Path) -> Result<(), AgentError> {
    let mut attempt: u32 = 0;
    loop {
        let res = drbd::read(ctx, s, device)?;
        if res.as_ref().is_some_and(|r| r.is_primary()) {
            return Ok(());
        }
        let retries_left = attempt < s.promote_retries && !ctx.deadline().expired();
        match decide::refusal(res.as_ref()) {
            Some(Refusal::PeerPrimary) if retries_left => {
                ctx.info(&format!(
                    "{}: peer is still Primary ({}), waiting (attempt {}/{})",
                    s.resource,
                    drbd::summary(res.as_ref()),
                    attempt + 1,
                    s.promote_retries
                ));
                attempt += 1;
                pause(ctx);
                continue;
            }
            Some(r) if !s.force || !r.forcible() => {
                let reason = r.reason(&s.resource);
                return Err(AgentError::generic(match r {
                    Refusal::PeerPrimary => {
                        format!("{reason} (still after {} retries)", s.promote_retries)
                    }
                    _ => reason,
                }));
            }
            Some(r) => ctx.error(&format!(
                "force=true: promoting anyway although {}",
                r.reason(&s.resource)
            )),
            None => {}
        }
        let out = ctx
            .run_unchecked(&[s.drbdadm.as_str(), "primary", &s.resource])
            .map_err(AgentError::from)?;
        let last = out
            .stderr
            .lines()
            .rev()
            .find(|l| !l.starts_with("Command '"))
            .unwrap_or("")
            .to_string();
        match out.code() {
            Some(0) => {
                ctx.info(&format!("{} promoted to Primary", s.resource));
                return Ok(());
            }
            Some(11) if retries_left => {
                ctx.info(&format!(
                    "drbdadm primary {} exited 11 ({last}); retrying (attempt {}/{})",
                    s.resource,
                    attempt + 1,
                    s.promote_retries
                ));
                attempt += 1;
                pause(ctx);
            }
            Some(17) => {
                return Err(AgentError::generic(format!(
                    "cannot promote {}: no UpToDate data reachable (drbdadm exit 17: {last})",
                    s.resource
                )))
            }
            code => {
                return Err(AgentError::generic(format!(
                    "drbdadm primary {} failed with exit code {}: {last}",
                    s.resource,
                    code.map_or("none (signal)".to_string(), |c| c.to_string())
                )))
            }
        }
    }
}

fn pause(ctx: &Ctx) {
    let left = ctx.deadline().remaining();
    std::thread::sleep(RETRY_PAUSE.min(left));
}
