//! start: refuse an unmounted data directory and stale metadata, pick plain start or `-a`
//! recovery, run the daemon (it detaches into its own session, so neither a timed-out start
//! nor the watchdog's group kill reaches it), and return only once it is ready.

use std::path::Path;
use std::time::Duration;

use ha_agent::{AgentError, Ctx, Health};

use super::kind::Kind;
use super::recovery::{self, Mode};
use super::settings::Settings;
use super::state::{self, observe, POLL};
use super::{freshness, monitor, net, stop};
use crate::hostops::mountinfo;

/// Kept after the daemon's own start for the readiness wait and cleanup after a failure.
const AFTER_START: Duration = Duration::from_secs(3);

/// How long start spends ending leftovers of an earlier master (TERM, then KILL).
const LEFTOVER_BUDGET: Duration = Duration::from_secs(15);

pub fn start(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let st = observe(s)?;
    if st.owner.is_some() {
        return match monitor::monitor(ctx, s, 10)? {
            Health::Running => {
                ctx.info(&format!("{} is already running", s.name()));
                Ok(())
            }
            h => Err(AgentError::generic(format!(
                "{} is running but unhealthy: {}",
                s.name(),
                h.reason().unwrap_or("unknown")
            ))),
        };
    }
    if !st.procs.is_empty() {
        ctx.warn(&format!(
            "leftover {} process(es) without the lock: {}",
            s.name(),
            state::describe(s, &st)
        ));
        // An orphan (a data writer whose master died) may be hung: KILL comes after ~12 s.
        let budget = ctx.deadline().within(LEFTOVER_BUDGET);
        stop::terminate(ctx, s, &st, &budget)?;
    }
    if s.kind != Kind::Cgiserv {
        check_data_dir(s)?;
    }
    let mut recover = false;
    if s.kind == Kind::Master {
        ctx.step("freshness", || freshness::check(ctx, s))?;
        if let Mode::Recover { images, changelogs } = recovery::choose(s)? {
            ctx.step("backup", || recovery::backup(ctx, s, &images, &changelogs))?;
            warn_emergency_files(ctx);
            recover = true;
        }
    }
    let cgi_root = match s.kind {
        Kind::Cgiserv => Some(s.cgi_root()?),
        _ => None,
    };
    let argv = command_line(s, cgi_root.as_deref(), recover);
    let run_deadline = ctx
        .deadline()
        .with_margin(AFTER_START.min(ctx.deadline().remaining() / 4));
    // A timeout is an error here, but the daemon, already in its own session, may still be
    // loading: it is left alone (the cluster's stop ends it if need be).
    let out = ctx.step("start daemon", || {
        ctx.run_until(&argv, &run_deadline)
            .or_else(|e| match e.output() {
                Some(o) => Ok(o.clone()),
                None => Err(AgentError::from(e)),
            })
    })?;
    if !out.success() {
        let tail = tail(&out.stderr, 3);
        let _ = state::wait_gone(s, &ctx.deadline());
        return Err(AgentError::generic(format!(
            "`{}` failed with exit code {}: {tail}",
            argv.join(" "),
            out.code().map_or("none".into(), |c| c.to_string())
        )));
    }
    ctx.step("wait until ready", || wait_ready(ctx, s))?;
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

/// The data directory exists, and is on the mounted failover filesystem when one is named.
fn check_data_dir(s: &Settings) -> Result<(), AgentError> {
    if let Some(mp) = &s.mount_point {
        let mounts = mountinfo::read()
            .map_err(|e| AgentError::generic(format!("cannot read mountinfo: {e}")))?;
        if mountinfo::at(&mounts, mp).is_none() {
            return Err(AgentError::generic(format!(
                "{} is not mounted: refusing to start {} on the bare directory {} (start the filesystem resource first)",
                mp.display(),
                s.name(),
                s.data_path.display()
            )));
        }
    }
    if !s.data_path.is_dir() {
        return Err(AgentError::generic(format!(
            "DATA_PATH {} is not a directory (filesystem not mounted?)",
            s.data_path.display()
        )));
    }
    Ok(())
}

/// Ready: the lock is held, every port listens and (master) an INFO request is answered.
fn wait_ready(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let deadline = ctx.deadline();
    loop {
        let why_not = match observe(s)?.owner {
            None => format!("nobody holds {}", s.lock_path().display()),
            Some(_) => match s.ports().into_iter().find(|p| !net::listening(*p)) {
                Some(p) => format!("port {p} does not listen"),
                None if s.kind == Kind::Master => {
                    let t = s.probe_timeout.min(deadline.remaining());
                    match monitor::info_with_retry(s, t) {
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
        if deadline.expired() {
            return Err(AgentError::generic(format!(
                "{} started but is not ready: {why_not}",
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

/// `-a` may pick an emergency dump with the same metadata id from these places over the
/// data directory (moosefs.md §4f): say so before recovering.
fn warn_emergency_files(ctx: &Ctx) {
    for dir in [
        "/",
        "/tmp",
        "/var",
        "/usr",
        "/usr/share",
        "/usr/local",
        "/usr/local/var",
        "/usr/local/share",
    ] {
        let f = Path::new(dir).join("metadata.mfs.emergency");
        if f.exists() {
            ctx.warn(&format!(
                "{} exists: mfsmaster -a may prefer it to the data directory; move it away if it is old",
                f.display()
            ));
        }
    }
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
