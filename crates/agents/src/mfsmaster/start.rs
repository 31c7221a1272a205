//! start: observe what runs and where the data directory is, take the steps of
//! [`decide::start_plan`] (check the running daemon's health, end leftovers, refuse a bare data
//! directory or stale metadata, plain start or `-a` recovery), run the daemon (it detaches into
//! its own session, so the runner's group kill at a timeout does not reach it), and return only
//! once it is ready. A start that fails once the daemon was run (a timeout included) ends it
//! again by its lock and data directory: a failed start leaves nothing running.

use std::path::Path;
use std::time::{Duration, Instant};

use ha_agent::{AgentError, Ctx, Deadline};

use super::decide::{self, MountPoint, Refusal, StartSeen, Step};
use super::kind::Kind;
use super::recovery::{self, Mode};
use super::settings::Settings;
use super::state::{self, observe, POLL};
use super::{changelog, emergency, end, freshness, health, net};
use hostops::mountinfo;

/// Kept after the daemon's own start for the readiness wait and cleanup after a failure.
const AFTER_START: Duration = Duration::from_secs(3);

/// How long start spends ending leftovers of an earlier master (TERM, then KILL).
const LEFTOVER_BUDGET: Duration = Duration::from_secs(15);

/// How long nothing of the daemon may run once its start command returned before the start
/// fails (`mfsmaster start` returns once the daemon is up: nothing running means it died).
const GONE_GRACE: Duration = Duration::from_secs(1);

pub fn start(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let seen = observe_start(s)?;
    let mut recover = false;
    for step in decide::start_plan(&seen, s.kind) {
        match step {
            Step::CheckHealth => return check_health(ctx, s),
            Step::EndLeftovers => end_leftovers(ctx, s, &seen.state)?,
            Step::Refuse(refusal) => return Err(AgentError::generic(reason(s, &refusal))),
            Step::CheckFreshness => ctx.step("freshness", || freshness::check(ctx, s))?,
            Step::ChooseRecovery => recover = prepare_recovery(ctx, s)?,
            Step::Run => {
                warn_changelog_mode(ctx, s);
                run(ctx, s, recover).map_err(|e| undo(ctx, s, e))?
            }
            Step::WaitReady => {
                // Keep time to end the daemon again should it never become ready.
                let ready_by = ctx.deadline().with_margin(undo_reserve(&ctx.deadline()));
                ctx.step("wait until ready", || wait_ready(ctx, s, &ready_by))
                    .map_err(|e| undo(ctx, s, e))?
            }
        }
    }
    ctx.info(&format!(
        "{} started{} ({})",
        s.name(),
        if recover {
            " with -a (changelogs replayed)"
        } else {
            ""
        },
        s.data_path.display()
    ));
    Ok(())
}

/// The one snapshot start decides on: what runs, the mount point, the data directory.
fn observe_start(s: &Settings) -> Result<StartSeen, AgentError> {
    let mount_point = match &s.mount_point {
        None => MountPoint::NotConfigured,
        Some(mp) => match mountinfo::read() {
            Ok(mounts) if mountinfo::at(&mounts, mp).is_some() => MountPoint::Mounted,
            Ok(_) => MountPoint::NotMounted,
            Err(e) => MountPoint::Unreadable(e.to_string()),
        },
    };
    Ok(StartSeen {
        state: observe(s)?,
        mount_point,
        data_dir: s.data_path.is_dir(),
    })
}

/// Our daemon runs already: start succeeds when it is healthy.
fn check_health(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    match health::check(ctx, s, 10) {
        Ok(()) => {
            ctx.info(&format!("{} is already running", s.name()));
            Ok(())
        }
        Err(why) => Err(AgentError::generic(format!(
            "{} is running but unhealthy: {why}",
            s.name()
        ))),
    }
}

fn end_leftovers(ctx: &Ctx, s: &Settings, st: &state::State) -> Result<(), AgentError> {
    ctx.warn(&format!(
        "leftover {} process(es) without the lock: {}",
        s.name(),
        state::describe(s, st)
    ));
    // An orphan (a data writer whose master died) may be hung: KILL comes after ~12 s.
    let budget = ctx.deadline().within(LEFTOVER_BUDGET);
    end::terminate(ctx, s, st, &budget)
}

fn reason(s: &Settings, refusal: &Refusal) -> String {
    match refusal {
        Refusal::Foreign(pid) => state::foreign_reason(s, *pid),
        Refusal::NotMounted => format!(
            "{} is not mounted: refusing to start {} on the bare directory {} (start the filesystem resource first)",
            s.mount_point.as_deref().unwrap_or(Path::new("")).display(),
            s.name(),
            s.data_path.display()
        ),
        Refusal::MountsUnreadable(e) => format!("cannot read mountinfo: {e}"),
        Refusal::NoDataDir => format!(
            "DATA_PATH {} is not a directory (filesystem not mounted?)",
            s.data_path.display()
        ),
    }
}

/// Plain start, or `-a` after backing up the metadata and setting aside stale emergency
/// dumps: whether to recover.
fn prepare_recovery(ctx: &Ctx, s: &Settings) -> Result<bool, AgentError> {
    let Mode::Recover { images, changelogs } =
        recovery::choose(&recovery::observe(&s.data_path), s)?
    else {
        return Ok(false);
    };
    ctx.step("backup", || recovery::backup(ctx, s, &images, &changelogs))?;
    let user = s.cfg.get_or("WORKING_USER", "mfs");
    ctx.step("emergency dumps", || {
        emergency::prepare(ctx, &s.data_path, user)
    })?;
    Ok(true)
}

/// mfsmaster: one warning line when a crash could lose changes already acknowledged to
/// clients. Not a refusal: an operator may choose speed over that risk.
fn warn_changelog_mode(ctx: &Ctx, s: &Settings) {
    if s.kind != Kind::Master {
        return;
    }
    let config = s.config.as_deref().unwrap_or(Path::new("mfsmaster.cfg"));
    let setting = changelog::Setting::parse(s.cfg.get(changelog::KEY));
    if let Some(warning) = setting.warning(&config.display().to_string()) {
        ctx.warn(&warning);
    }
}

/// Runs the daemon's start command; a failure waits for what it left to go.
fn run(ctx: &Ctx, s: &Settings, recover: bool) -> Result<(), AgentError> {
    let cgi_root = match s.kind {
        Kind::Cgiserv => Some(s.cgi_root()?),
        _ => None,
    };
    let argv = command_line(s, cgi_root.as_deref(), recover);
    let run_deadline = ctx
        .deadline()
        .with_margin(AFTER_START.min(ctx.deadline().remaining() / 4));
    // A timeout is an error here; the daemon, already in its own session, may still be
    // loading: `undo` ends it (the group kill misses it).
    let out = ctx.step("start daemon", || {
        ctx.run_until(&argv, &run_deadline)
            .or_else(|e| match e.output() {
                Some(o) => Ok(o.clone()),
                None => Err(AgentError::from(e)),
            })
    })?;
    if !out.success() {
        let tail = tail(&out.stderr, 3);
        return Err(AgentError::generic(format!(
            "`{}` failed with exit code {}: {tail}",
            argv.join(" "),
            out.code().map_or("none".into(), |c| c.to_string())
        )));
    }
    Ok(())
}

/// The daemon's argv; `cgi_root` is mfscgiserv's document root (see `Settings::cgi_root`).
pub fn command_line(s: &Settings, cgi_root: Option<&Path>, recover: bool) -> Vec<String> {
    let mut argv = vec![s.binary.display().to_string()];
    match s.kind {
        Kind::Cgiserv => {
            if !s.listen_host.is_empty() {
                argv.extend(["-H".to_string(), s.listen_host.clone()]);
            }
            argv.extend(["-P".to_string(), s.listen_port.to_string()]);
            if let Some(root) = cgi_root {
                argv.extend(["-R".to_string(), root.display().to_string()]);
            }
        }
        _ => argv.extend(s.config_args()),
    }
    if recover {
        argv.push("-a".to_string());
    }
    argv.push("start".to_string());
    argv
}

/// Time kept after the readiness wait to end the daemon again: a quarter of what is left,
/// 1-10 s (the master writes its metadata on SIGTERM).
fn undo_reserve(deadline: &Deadline) -> Duration {
    (deadline.remaining() / 4).clamp(Duration::from_secs(1), Duration::from_secs(10))
}

/// The start failed after the daemon was run: end whatever of it runs (TERM, KILL before the
/// start's deadline), so that a failed start leaves nothing half-done; the reason says so.
fn undo(ctx: &Ctx, s: &Settings, failed: AgentError) -> AgentError {
    let st = match observe(s) {
        Ok(st) if st.stopped() && state::bgwriter_owner(s).is_none() => return failed,
        Ok(st) => st,
        Err(e) => {
            return AgentError::generic(format!(
                "{}; cannot tell whether it still runs: {}",
                failed.reason, e.reason
            ))
        }
    };
    let outcome = match end::terminate(ctx, s, &st, &ctx.deadline()) {
        Ok(()) => format!("{} stopped again", s.name()),
        Err(e) => format!("could not stop it again: {}", e.reason),
    };
    AgentError::generic(format!("{}; {outcome}", failed.reason))
}

/// Ready: the lock is held, every port listens and (master) an INFO request is answered, by
/// `deadline`. Nothing of the daemon running for [`GONE_GRACE`] fails at once: it died.
fn wait_ready(ctx: &Ctx, s: &Settings, deadline: &Deadline) -> Result<(), AgentError> {
    let mut gone_since: Option<Instant> = None;
    loop {
        let now = observe(s)?;
        // mfscgiserv (Python) is found by its lock only, which it may take a moment later.
        let gone = now.stopped() && s.kind != Kind::Cgiserv;
        let gone_for = gone.then(|| gone_since.get_or_insert_with(Instant::now).elapsed());
        if !gone {
            gone_since = None;
        }
        if gone_for.is_some_and(|t| t >= GONE_GRACE) {
            return Err(AgentError::generic(format!(
                "{} exited right after starting: nothing of it runs in {} (its reason is in the system log)",
                s.name(),
                s.data_path.display()
            )));
        }
        let why_not = match now.owner {
            None => format!("nobody holds {}", s.lock_path().display()),
            Some(_) => match s.ports().into_iter().find(|p| !net::listening(*p)) {
                Some(p) => format!("port {p} does not listen"),
                None if s.kind == Kind::Master => {
                    let t = s.probe_timeout.min(deadline.remaining());
                    match health::info_with_retry(s, t) {
                        Ok(info) => {
                            if let Some(v) = info.metaversion {
                                freshness::set(ctx, s, v, "start (INFO)");
                            }
                            ctx.info(&format!(
                                "{} {} answers INFO at {}:{} (metadata version {})",
                                s.name(),
                                info.version,
                                s.probe_host,
                                s.client_port(),
                                info.metaversion.map_or("?".into(), |v| v.to_string())
                            ));
                            return Ok(());
                        }
                        Err(e) => e,
                    }
                }
                None => return Ok(()),
            },
        };
        if deadline.expired() || ctx.interrupted() {
            let why_stop = match ctx.interrupted() {
                true => "stopped waiting (interrupted)",
                false => "is not ready",
            };
            return Err(AgentError::generic(format!(
                "{} started but {why_stop}: {why_not}",
                s.name()
            )));
        }
        std::thread::sleep(POLL.min(deadline.remaining()));
    }
}

/// The last `n` non-empty stderr lines, NUL bytes removed, joined with " | ".
pub fn tail(stderr: &str, n: usize) -> String {
    let lines: Vec<&str> = stderr
        .split(['\n', '\0'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_drops_nul_bytes_and_blank_lines() {
        let e = "a\nb\n\ncan't find metadata.mfs - try using option '-a'\0\n";
        assert_eq!(
            tail(e, 2),
            "b | can't find metadata.mfs - try using option '-a'"
        );
        assert_eq!(tail("", 3), "");
    }
}
