//! The whole life of one call: decide the mode, answer meta-data/help, resolve parameters,
//! set the deadline and watchdog, take the instance lock, validate, run the action, report.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::action::Action;
use crate::agent::Agent;
use crate::context::{Ctx, Notification};
use crate::deadline::{self, Deadline};
use crate::env::Env;
use crate::invocation::{decide_invocation, Invocation, Mode, UsageError};
use crate::lock::{self, InstanceLock, LockError};
use crate::log::{LogTargets, Logger};
use crate::outcome::{AgentError, ErrorKind, Health, Outcome};
use crate::params::{self, Params};
use crate::record;
use crate::session::{exit_reason_line, Session};
use crate::spec::AgentSpec;
use crate::{config, interrupt, watchdog};

/// Waiting longer than this for the instance lock is worth an info line.
const NOTABLE_LOCK_WAIT: Duration = Duration::from_millis(100);

/// Runs `agent` as this process's argv and environment ask, then exits with the right code.
pub fn main<A: Agent>(agent: A) -> ! {
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let code = run(&agent, &argv, Env::from_process());
    let _ = std::io::stdout().flush();
    std::process::exit(code)
}

/// One call of `agent` with `argv` (argv\[0\] included) and `env`; returns the exit code.
pub fn run<A: Agent + ?Sized>(agent: &A, argv: &[String], env: Env) -> i32 {
    let started = Instant::now();
    let started_wall = Utc::now();
    let spec = agent.spec();
    let config_path = config::config_path(&spec.name, &env);
    let inv = match decide_invocation(argv, &env) {
        Ok(inv) => inv,
        Err(e) => return usage_error(&spec, &env, &e),
    };
    match inv.action {
        Action::MetaData => return emit(&spec.metadata_xml()),
        Action::Usage => return emit(&spec.help_text(&config_path)),
        _ => {}
    }
    let (targets, warning) = LogTargets::from_env(&env);
    let log = Logger::for_mode(&spec.name, targets, inv.mode == Mode::Ocf);
    if let Some(warning) = warning {
        log.warn(&warning);
    }
    log.debug(&describe(&inv));
    let resolved = load_params(&spec, &inv, &env, &config_path);
    let role = env.get("OCF_RESKEY_CRM_meta_role");
    let budget = deadline::action_budget(&spec, inv.action, role, resolved.as_ref().ok(), &env);
    let flight_path = record::flight_path(&spec.name, &env, resolved.as_ref().ok());
    let (params, param_error) = match resolved {
        Ok(p) => (p, None),
        Err(e) => (Params::default(), Some(e)),
    };
    let session = Arc::new(Session {
        spec,
        inv,
        env,
        log,
        params,
        budget,
        flight_path: Some(flight_path),
        started,
        started_wall,
        progress: Default::default(),
    });
    if let Some(e) = param_error {
        return conclude(&session, settle_probe(&session, Outcome::Error(e)));
    }
    // Redacting and formatting every parameter costs more than a whole netlink monitor:
    // only when someone reads debug lines.
    if session.log.debug_enabled() {
        session.log.debug(&describe_params(&session.params));
    }
    let plan = deadline::plan(&budget);
    let deadline = Deadline::after(plan.deadline.saturating_sub(started.elapsed()));
    session.log.debug(&format!(
        "deadline {:.1}s, watchdog {:.1}s (budget {:.1}s from {})",
        plan.deadline.as_secs_f64(),
        plan.watchdog.as_secs_f64(),
        budget.timeout.as_secs_f64(),
        budget.source
    ));
    let _watchdog = watchdog::arm(
        Arc::clone(&session),
        plan.watchdog.saturating_sub(started.elapsed()),
    );
    if !read_only(session.inv.action) {
        interrupt::arm(Arc::clone(&session), deadline);
    }
    let outcome = perform(agent, &session, deadline);
    conclude(&session, outcome)
}

fn emit(text: &str) -> i32 {
    let mut out = std::io::stdout().lock();
    // meta-data and help always exit 0; a closed stdout is the reader's business.
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
    0
}

fn usage_error(spec: &AgentSpec, env: &Env, e: &UsageError) -> i32 {
    let (targets, _) = LogTargets::from_env(env);
    Logger::for_mode(&spec.name, targets, e.mode == Mode::Ocf).error(&format!("usage error: {e}"));
    let mut err = std::io::stderr().lock();
    let _ = match e.mode {
        Mode::Ocf => writeln!(err, "{}", exit_reason_line(env, &e.message)),
        Mode::Heartbeat | Mode::Manual => writeln!(
            err,
            "usage: {} [args...] {{start|stop|status|validate-all}}; see {} --help",
            spec.name, spec.name
        ),
    };
    e.exit_code()
}

fn load_params(
    spec: &AgentSpec,
    inv: &Invocation,
    env: &Env,
    config_path: &Path,
) -> Result<Params, AgentError> {
    let known: Vec<&str> = spec.params.iter().map(|p| p.name.as_str()).collect();
    let file =
        config::load(config_path, &known).map_err(|e| AgentError::configured(e.to_string()))?;
    params::resolve(spec, &inv.args, env, file.as_ref(), config_path)
}

fn describe(inv: &Invocation) -> String {
    let mut text = format!("{} {}", inv.mode.name(), inv.action);
    if let Some(i) = &inv.instance {
        text.push_str(&format!(" instance={i}"));
    }
    if inv.probe {
        text.push_str(" probe");
    }
    if inv.check_level != 0 {
        text.push_str(&format!(" level={}", inv.check_level));
    }
    text
}

fn describe_params(params: &Params) -> String {
    let list: Vec<String> = record::redacted(params)
        .into_iter()
        .map(|(name, value)| {
            let source = params
                .value(&name)
                .map(|v| v.source.to_string())
                .unwrap_or_default();
            format!("{name}={value} ({source})")
        })
        .collect();
    format!("parameters: {}", list.join(", "))
}

fn conclude(session: &Session, outcome: Outcome) -> i32 {
    match session.finish(outcome) {
        Some(code) => code,
        // The watchdog is reporting and will end the process.
        None => loop {
            std::thread::park();
        },
    }
}

fn perform<A: Agent + ?Sized>(agent: &A, session: &Arc<Session>, deadline: Deadline) -> Outcome {
    if let Err(e) = offered(&session.spec, &session.inv) {
        return Outcome::Error(e);
    }
    let _lock = match take_lock(session, &deadline) {
        Ok(lock) => lock,
        Err(e) => return Outcome::Error(e),
    };
    let ctx = Ctx::new(Arc::clone(session), deadline);
    let settings = agent
        .settings(&ctx)
        .and_then(|s| agent.validate(&ctx, &s).map(|()| s));
    let outcome = match settings {
        Err(e) => Outcome::Error(e),
        Ok(settings) => dispatch(agent, &ctx, &settings),
    };
    settle_probe(session, outcome)
}

/// OCF actions beyond the required ones run only if the agent advertises them.
fn offered(spec: &AgentSpec, inv: &Invocation) -> Result<(), AgentError> {
    let always = matches!(
        inv.action,
        Action::Start | Action::Stop | Action::Monitor | Action::ValidateAll
    );
    let lsb_status = inv.mode != Mode::Ocf && inv.action == Action::Status;
    match always || lsb_status || spec.declares(inv.action) {
        true => Ok(()),
        false => Err(AgentError::unimplemented(format!(
            "{} does not support {}",
            spec.name, inv.action
        ))),
    }
}

fn take_lock(session: &Session, deadline: &Deadline) -> Result<Option<InstanceLock>, AgentError> {
    let dir = lock::run_dir(&session.env);
    let path = lock::lock_path(&dir, &session.spec.name, session.inv.instance.as_deref());
    match lock::acquire(&path, deadline) {
        Ok(lock) => {
            session.set_lock_wait(lock.waited);
            if lock.waited > NOTABLE_LOCK_WAIT {
                session.log.info(&format!(
                    "waited {:.1}s for another action on this instance to finish",
                    lock.waited.as_secs_f64()
                ));
            }
            Ok(Some(lock))
        }
        Err(e @ LockError::Busy { .. }) => Err(AgentError::generic(e.to_string())),
        Err(LockError::Io { path, error }) if read_only(session.inv.action) => {
            session.log.warn(&format!(
                "continuing without the instance lock: cannot use {}: {error}",
                path.display()
            ));
            Ok(None)
        }
        Err(e @ LockError::Io { .. }) => {
            let denied = matches!(&e, LockError::Io { error, .. } if error.kind() == std::io::ErrorKind::PermissionDenied);
            let kind = if denied {
                ErrorKind::Perm
            } else {
                ErrorKind::Generic
            };
            Err(AgentError::new(kind, e.to_string()))
        }
    }
}

fn read_only(action: Action) -> bool {
    matches!(
        action,
        Action::Monitor | Action::Status | Action::ValidateAll
    )
}

fn dispatch<A: Agent + ?Sized>(agent: &A, ctx: &Ctx, s: &A::Settings) -> Outcome {
    let done = |r: Result<(), AgentError>| r.map_or_else(Outcome::Error, |()| Outcome::Done);
    match ctx.action() {
        Action::Start => done(agent.start(ctx, s)),
        Action::Stop => done(agent.stop(ctx, s)),
        Action::Monitor | Action::Status => agent
            .monitor(ctx, s, ctx.check_level())
            .map_or_else(Outcome::Error, Outcome::Health),
        Action::Promote => done(agent.promote(ctx, s)),
        Action::Demote => done(agent.demote(ctx, s)),
        Action::Notify => {
            let notification = ctx.notification().unwrap_or_else(Notification::empty);
            done(agent.notify(ctx, s, &notification))
        }
        Action::Reload => done(agent.reload(ctx, s)),
        Action::MigrateTo => done(agent.migrate_to(ctx, s)),
        Action::MigrateFrom => done(agent.migrate_from(ctx, s)),
        // Validation already ran; meta-data and usage never get here.
        Action::ValidateAll | Action::MetaData | Action::Usage => Outcome::Done,
    }
}

/// A probe runs on every node, including those where the resource cannot run: "not installed
/// here" or "not usable on this host" then means "not running here", not a failure.
fn settle_probe(session: &Session, outcome: Outcome) -> Outcome {
    match outcome {
        Outcome::Error(e)
            if session.inv.probe && matches!(e.kind, ErrorKind::NotInstalled | ErrorKind::Args) =>
        {
            session
                .log
                .info(&format!("probe: {}; reporting not running", e.reason));
            Outcome::Health(Health::Stopped)
        }
        other => other,
    }
}
