//! A resource's status as heartbeat reads it: `<script> <args> status` with heartbeat's
//! environment, its stdout judged by ResourceManager's glob rule (the exit code is ignored).
//! For mfs-ha's agents the reason comes from their `status --json` (manual mode).

use std::path::Path;
use std::time::Duration;

use heartbeat_config::{status_says_running, Resource};
use serde::Serialize;

use crate::cluster::Config;
use crate::node::{run, Node};

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// What heartbeat concludes: `running` or `stopped`; `unknown` when the status did not
    /// finish (heartbeat itself would wait for ever).
    pub state: &'static str,
    pub heartbeat_running: bool,
    /// The first line the script printed on stdout.
    pub printed: String,
    pub exit_code: Option<i32>,
    pub reason: Option<String>,
    /// An mfs-ha agent's own verdict (`running`, `stopped`, `failed`, `unknown`, ...), which
    /// can say more than heartbeat's two words.
    pub agent_state: Option<String>,
}

pub fn read(
    node: &Node,
    cfg: &Config,
    r: &Resource,
    path: &Path,
    is_agent: bool,
    budget: Duration,
    scratch: &Path,
) -> Status {
    let argv = crate::cluster::script_argv(node, r, path, "status", scratch);
    let mut env = cfg.script_env(node);
    env.extend(crate::cluster::scratch_env(node, scratch));
    let ran = match run::run(&argv, &env, budget) {
        Ok(ran) => ran,
        Err(e) => {
            return Status {
                state: "unknown",
                heartbeat_running: false,
                printed: String::new(),
                exit_code: None,
                reason: Some(format!("could not run: {e}")),
                agent_state: None,
            };
        }
    };
    if ran.timed_out {
        return Status {
            state: "unknown",
            heartbeat_running: false,
            printed: ran.stdout.lines().next().unwrap_or("").to_string(),
            exit_code: None,
            reason: Some(format!(
                "status did not finish within {} s: heartbeat would wait for ever",
                budget.as_secs()
            )),
            agent_state: None,
        };
    }
    let running = status_says_running(&ran.stdout);
    let printed = ran
        .stdout
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string();
    let (agent_state, agent_reason) = match is_agent {
        true => agent_status(node, cfg, r, path, budget, scratch),
        false => (None, None),
    };
    let reason = agent_reason.or_else(|| match (printed.is_empty(), ran.reason()) {
        (false, _) => Some(printed.clone()),
        (true, Some(err)) => Some(err),
        (true, None) => None,
    });
    Status {
        state: if running { "running" } else { "stopped" },
        heartbeat_running: running,
        printed,
        exit_code: ran.code,
        reason,
        agent_state,
    }
}

/// The agent's own account: `status --json` in manual mode (no HA_CURHOST): its state and its
/// reason (or a sentence naming the instance when it gives none).
fn agent_status(
    node: &Node,
    cfg: &Config,
    r: &Resource,
    path: &Path,
    budget: Duration,
    scratch: &Path,
) -> (Option<String>, Option<String>) {
    let Some(v) = agent_json(node, cfg, r, path, budget, scratch) else {
        return (None, None);
    };
    let state = v["state"].as_str().map(str::to_string);
    let reason = v["reason"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let sentence = || {
        let agent = v["agent"].as_str().unwrap_or("agent");
        let instance = v["instance"]
            .as_str()
            .map(|i| format!(" ({i})"))
            .unwrap_or_default();
        state.as_ref().map(|s| format!("{agent}{instance} is {s}"))
    };
    let reason = reason.or_else(sentence);
    (state, reason)
}

fn agent_json(
    node: &Node,
    cfg: &Config,
    r: &Resource,
    path: &Path,
    budget: Duration,
    scratch: &Path,
) -> Option<serde_json::Value> {
    let mut argv = crate::cluster::script_argv(node, r, path, "status", scratch);
    argv.push("--json".into());
    let mut env: Vec<(String, String)> = cfg
        .script_env(node)
        .into_iter()
        .filter(|(k, _)| k != "HA_CURHOST")
        .collect();
    env.extend(crate::cluster::scratch_env(node, scratch));
    let ran = run::run(&argv, &env, budget).ok()?;
    serde_json::from_str(ran.stdout.trim()).ok()
}
