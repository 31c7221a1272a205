//! scope=drbd, the promotable clone (Pacemaker's idiom from `ocf:linbit:drbd`): start brings
//! the resource up (Secondary), promote/demote change the role, stop takes it down, monitor
//! says Promoted (8), Unpromoted (0) or not running (7), and the promotion score follows the
//! local disk state (see [`super::score`]).

use std::time::Duration;

use drbd_status::model::Resource;
use ha_agent::{AgentError, Ctx, ErrorKind, Health, Notification};

use super::score::{self, Refresh};
use super::settings::Settings;
use super::{decide, drbd, start, stop};

/// Kept after a promotion for the score update and the answer.
const PROMOTE_MARGIN: Duration = Duration::from_millis(500);

/// The resource's state; DRBD not loaded (no /proc/drbd) reads as not configured.
fn read(ctx: &Ctx, s: &Settings) -> Result<Option<Resource>, AgentError> {
    let device = s.device(ctx);
    match drbd::read(ctx, s, &device) {
        Err(e) if e.kind == ErrorKind::NotInstalled => {
            ctx.debug(&format!("{}; reading as not configured", e.reason));
            Ok(None)
        }
        other => other,
    }
}

fn configured(res: Option<&Resource>) -> bool {
    res.is_some_and(|r| !r.devices.is_empty())
}

pub fn start(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let mut res = read(ctx, s)?;
    if configured(res.as_ref()) {
        ctx.info(&format!(
            "{} is up already ({})",
            s.resource,
            drbd::summary(res.as_ref())
        ));
    } else {
        ctx.step("up", || {
            let out = ctx
                .run_unchecked(&[s.drbdadm.as_str(), "up", &s.resource])
                .map_err(AgentError::from)?;
            match out.success() {
                true => Ok(()),
                false => Err(AgentError::generic(format!(
                    "drbdadm up {} failed (exit {}): {}",
                    s.resource,
                    out.code()
                        .map_or("by signal".to_string(), |c| c.to_string()),
                    stop::last_line(&out.stderr)
                ))),
            }
        })?;
        res = read(ctx, s)?;
        if !configured(res.as_ref()) {
            return Err(AgentError::generic(format!(
                "drbdadm up {} succeeded, yet {} shows no device for it",
                s.resource,
                s.status_source.display()
            )));
        }
        ctx.info(&format!(
            "{} is up ({})",
            s.resource,
            drbd::summary(res.as_ref())
        ));
    }
    if s.promotable {
        score::refresh(ctx, res.as_ref(), Refresh::Always);
    }
    Ok(())
}

/// `drbdadm down`, successful only once the resource is gone; demotes first so that a device
/// held open is reported with its holders.
pub fn stop(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    if s.promotable {
        score::clear(ctx);
    }
    let res = read(ctx, s)?;
    if !configured(res.as_ref()) {
        ctx.info(&format!(
            "{} is not configured here: nothing to stop",
            s.resource
        ));
        return Ok(());
    }
    let device = s.device(ctx);
    if res.as_ref().is_some_and(Resource::is_primary) {
        ctx.step("demote", || stop::demote(ctx, s, &device))?;
    }
    ctx.step("down", || match stop::while_held_open(ctx, s, "down")? {
        None => Ok(()),
        Some(refused) => Err(AgentError::generic(format!(
            "drbdadm down {} failed (exit {}): {}{}{}",
            s.resource,
            refused
                .code
                .map_or("by signal".to_string(), |c| c.to_string()),
            refused.last,
            refused.tried(),
            stop::who_holds(&device)
        ))),
    })?;
    let left = read(ctx, s)?;
    if configured(left.as_ref()) {
        return Err(AgentError::generic(format!(
            "drbdadm down {} exited 0, yet it is still configured ({})",
            s.resource,
            drbd::summary(left.as_ref())
        )));
    }
    ctx.info(&format!("{} is down", s.resource));
    Ok(())
}

/// Primary, with the refusals and the deadline-bounded wait of scope=all's start.
pub fn promote(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let device = s.device(ctx);
    let by = ctx.deadline().with_margin(PROMOTE_MARGIN);
    ctx.step("promote", || start::promote(ctx, s, &device, &by))?;
    if s.promotable {
        let res = read(ctx, s)?;
        score::refresh(ctx, res.as_ref(), Refresh::IfChanged);
    }
    Ok(())
}

/// Secondary; names the holders when the device is held open.
pub fn demote(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let res = read(ctx, s)?;
    if !configured(res.as_ref()) {
        return Err(AgentError::new(
            ErrorKind::NotRunning,
            format!("cannot demote {}: it is not configured here", s.resource),
        ));
    }
    if !res.as_ref().is_some_and(Resource::is_primary) {
        ctx.info(&format!("{} is Secondary already", s.resource));
        return Ok(());
    }
    let device = s.device(ctx);
    ctx.step("demote", || stop::demote(ctx, s, &device))
}

pub fn monitor(ctx: &Ctx, s: &Settings) -> Result<Health, AgentError> {
    let res = read(ctx, s)?;
    let health = decide::clone_health(res.as_ref());
    ctx.debug(&format!(
        "DRBD {} ({}): {}",
        s.resource,
        drbd::summary(res.as_ref()),
        health.name()
    ));
    if s.promotable && matches!(health, Health::Running | Health::Promoted) {
        score::refresh(ctx, res.as_ref(), Refresh::IfChanged);
    }
    Ok(health)
}

/// Clone notifications (pre/post start, stop, promote, demote) and ocf-tester's bare notify:
/// refresh the score; never fails (a failed notify would only make Pacemaker stop us).
pub fn notify(ctx: &Ctx, s: &Settings, n: &Notification) -> Result<(), AgentError> {
    ctx.debug(&format!(
        "notify {}-{} (promote: {:?}, demote: {:?})",
        n.phase,
        n.operation,
        n.list("promote_uname"),
        n.list("demote_uname")
    ));
    if !s.promotable {
        return Ok(());
    }
    match read(ctx, s) {
        Ok(res) if configured(res.as_ref()) => score::refresh(ctx, res.as_ref(), Refresh::Always),
        Ok(_) => {}
        Err(e) => ctx.warn(&format!("notify: cannot read the DRBD state: {}", e.reason)),
    }
    Ok(())
}
