//! The watchdog's loop: every `interval`, for each haresources group, ask heartbeat whether this
//! node holds it; if so run each resource's monitor, let the policy decide, log and record the
//! decision, and carry it out.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::Local;
use ha_agent::log::{Level, Logger};
use ha_agent::Env;
use heartbeat_config::Group;

use crate::config::Config;
use crate::heartbeat::{self, Heartbeat, RscStatus};
use crate::policy::{decide, first_failure, Decision, Health, Observation, Peer, State};
use crate::recovery::{self, Done};
use crate::report::{self, RecordInput};
use crate::resources::Runner;

/// Deadline of one `cl_status` or `hb_standby` call.
const HEARTBEAT_CALL_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Daemon {
    config: Config,
    env: Env,
    log: Logger,
    node: String,
    hb: Heartbeat,
    runner: Runner,
    dry_run: bool,
    started: Instant,
    states: BTreeMap<String, State>,
    /// The last quiet line logged per group, so a steady state is logged once.
    last_quiet: BTreeMap<String, String>,
    /// The last configuration problem logged, so it is logged once.
    last_problem: Option<String>,
}

impl Daemon {
    pub fn new(config: Config, env: Env, log: Logger, node: String, dry_run: bool) -> Daemon {
        let hb = Heartbeat {
            cl_status: config.cl_status.clone(),
            hb_standby: config.hb_standby.clone(),
            timeout: HEARTBEAT_CALL_TIMEOUT,
        };
        let mut runner = Runner::new(&config, &node);
        runner.log_env = crate::startup::log_vars(&env);
        let states = earlier_restarts(&config, &env, &node, &log);
        Daemon {
            config,
            env,
            log,
            node,
            hb,
            runner,
            dry_run,
            started: Instant::now(),
            states,
            last_quiet: BTreeMap::new(),
            last_problem: None,
        }
    }

    /// The policy's clock: time since start, offset by one window so that restarts recorded
    /// before this start (`earlier_restarts`) have a place on it.
    fn now(&self) -> Duration {
        self.config.policy.restart_window + self.started.elapsed()
    }

    /// Rounds forever (or once), one every `interval` from the start of the previous one.
    pub fn run(&mut self, once: bool) {
        loop {
            let began = Instant::now();
            self.round();
            if once {
                return;
            }
            std::thread::sleep(self.config.interval.saturating_sub(began.elapsed()));
        }
    }

    fn problem(&mut self, text: Option<String>) {
        if text != self.last_problem {
            if let Some(t) = &text {
                self.log.error(t);
            }
            self.last_problem = text;
        }
    }

    fn read(&self, path: &std::path::Path) -> Result<String, String> {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    }

    /// One round over every group.
    pub fn round(&mut self) {
        let groups = match self.read(&self.config.haresources) {
            Ok(text) => heartbeat_config::haresources::parse(&text).groups,
            Err(e) => {
                self.problem(Some(format!("{e}; nothing to watch")));
                return;
            }
        };
        let peers = match self.read(&self.config.ha_cf) {
            Ok(text) => heartbeat::peers(&heartbeat_config::hacf::parse(&text), &self.node),
            Err(e) => {
                self.problem(Some(format!("{e}; no peer known")));
                Vec::new()
            }
        };
        if groups.is_empty() {
            let path = self.config.haresources.display().to_string();
            self.problem(Some(format!(
                "{path} has no resource group; nothing to watch"
            )));
            return;
        }
        let rsc = self.hb.rscstatus();
        for group in &groups {
            self.watch(group, &rsc, &peers);
        }
    }

    fn watch(&mut self, group: &Group, rsc: &Result<RscStatus, String>, peers: &[String]) {
        let key = group.key().unwrap_or("").to_string();
        let holding = heartbeat::holding(group, &self.node, rsc);
        let health: Vec<Health> = match holding {
            crate::policy::Holding::Held => group
                .resources
                .iter()
                .map(|r| self.runner.status(r))
                .collect(),
            _ => Vec::new(),
        };
        let peer = match first_failure(&health) {
            Some(_) => self.hb.live_peer(peers),
            None => Peer::Unknown("not asked: nothing failed".into()),
        };
        let obs = Observation {
            at: self.now(),
            holding,
            health,
            peer,
        };
        let state = self.states.get(&key).cloned().unwrap_or_default();
        let (decision, next) = decide(&state, &obs, &self.config.policy);
        self.states.insert(key.clone(), next);
        self.carry_out(group, &key, &decision);
    }

    fn carry_out(&mut self, group: &Group, key: &str, decision: &Decision) {
        let scope = heartbeat::standby_scope(group, &self.node);
        let Some((level, line)) =
            report::decision_line(key, &group.resources, decision, &self.config.policy, scope)
        else {
            if let Decision::Idle(quiet) = decision {
                let (level, line) = report::quiet_line(key, quiet);
                if self.last_quiet.get(key) != Some(&line) {
                    self.log.log(level, &line);
                    self.last_quiet.insert(key.to_string(), line);
                }
            }
            return;
        };
        self.last_quiet.remove(key);
        let started = Instant::now();
        let time = Local::now().to_rfc3339();
        let line = match self.dry_run && decision.acts() {
            true => format!("{line} [dry run: not done]"),
            false => line,
        };
        self.log.log(level, &line);
        let done = match decision.acts() && !self.dry_run {
            true => Some(self.execute(group, decision)),
            false => None,
        };
        if let Some(done) = &done {
            let (level, text) = report::done_line(key, done);
            self.log.log(level, &text);
        }
        let record = report::flight_record(RecordInput {
            time,
            node: &self.node,
            key,
            decision,
            line: &line,
            done: done.as_ref(),
            budget: self.budget(group, decision),
            elapsed: started.elapsed(),
            params: self.params(),
        });
        let path = ha_agent::record::flight_path(report::NAME, &self.env, None);
        if let Err(e) = ha_agent::record::append(&path, &record) {
            self.log.warn(&format!("flight record not written: {e}"));
        }
    }

    fn execute(&self, group: &Group, decision: &Decision) -> Done {
        let holding = || heartbeat::holding(group, &self.node, &self.hb.rscstatus());
        match decision {
            Decision::Restart { failure, .. } => {
                recovery::restart(&self.runner, &group.resources, failure.index, &holding)
            }
            Decision::Handover { failure, .. } => {
                let scope = heartbeat::standby_scope(group, &self.node);
                let standby = || self.hb.standby(scope);
                recovery::handover(
                    &self.runner,
                    &group.resources,
                    failure.index,
                    &holding,
                    &standby,
                    self.config.standby_timeout,
                )
            }
            _ => Done {
                steps: Vec::new(),
                result: Ok("nothing to do".into()),
            },
        }
    }

    /// The time a decision may take at most: its stops and starts, and the release wait.
    fn budget(&self, group: &Group, decision: &Decision) -> Duration {
        let tail = |from: usize| {
            u32::try_from(group.resources.len().saturating_sub(from)).unwrap_or(u32::MAX)
        };
        match decision {
            Decision::Restart { failure, .. } => {
                (self.config.stop_timeout + self.config.start_timeout) * tail(failure.index)
            }
            Decision::Handover { failure, .. } => {
                self.config.stop_timeout * tail(failure.index) + self.config.standby_timeout
            }
            _ => self.config.monitor_timeout,
        }
    }

    fn params(&self) -> BTreeMap<String, String> {
        let p = &self.config.policy;
        [
            ("config", self.config.path.display().to_string()),
            ("confirm", p.confirm.to_string()),
            ("restart_budget", p.restart_budget.to_string()),
            (
                "restart_window",
                p.restart_window.as_secs().to_string() + "s",
            ),
            ("peer_dead", format!("{:?}", p.peer_dead).to_lowercase()),
            ("dry_run", self.dry_run.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    pub fn log(&self, level: Level, msg: &str) {
        self.log.log(level, msg);
    }
}

/// The restarts in the flight record still inside the window, placed on the policy's clock
/// (see [`Daemon::now`]): a watchdog restarted by heartbeat keeps its budget.
fn earlier_restarts(
    config: &Config,
    env: &Env,
    node: &str,
    log: &Logger,
) -> BTreeMap<String, State> {
    let path = ha_agent::record::flight_path(report::NAME, env, None);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return BTreeMap::new();
    };
    let window = config.policy.restart_window;
    let found = crate::history::recent_restarts(&text, node, Local::now().fixed_offset(), window);
    found
        .into_iter()
        .map(|(key, ages)| {
            log.info(&format!(
                "group {key}: {} restart(s) in place within the last {} s found in {}; they count against the budget",
                ages.len(),
                window.as_secs(),
                path.display()
            ));
            let restarts = ages.iter().map(|age| window.saturating_sub(*age)).collect();
            (
                key,
                State {
                    restarts,
                    failed_rounds: 0,
                },
            )
        })
        .collect()
}
