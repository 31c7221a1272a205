//! Our agents' own verdict: `<script> <args> validate-all`, as heartbeat would call it (its
//! arguments, HA_CURHOST set so the agent takes Heartbeat mode), as a process with a deadline.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use heartbeat_config::Resource;
use regex::Regex;

use crate::cluster::{scratch_env, script_argv as argv, Config, HARESOURCES};
use crate::findings::Findings;
use crate::node::{run, Node};

/// How long one validate-all may take.
pub static BUDGET: OnceLock<Duration> = OnceLock::new();

fn config_error() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    // ha-agent: "/etc/ha.d/mfs-ha/mfsmaster.conf line 2: unknown key ..."
    R.get_or_init(|| Regex::new(r"(/\S+\.conf) line (\d+): (.*)$").unwrap())
}

pub fn validate(
    node: &Node,
    cfg: &Config,
    line: usize,
    r: &Resource,
    path: &Path,
    out: &mut Findings,
) {
    let Ok(scratch) = tempfile::Builder::new().prefix("mfs-ha-check-").tempdir() else {
        return;
    };
    let argv = argv(node, r, path, "validate-all", scratch.path());
    let mut env = cfg.script_env(node);
    env.extend(scratch_env(node, scratch.path()));
    let budget = *BUDGET.get_or_init(|| Duration::from_secs(10));
    let file = node.shown(HARESOURCES);
    let shown = ha_agent_display(&argv, node, path);
    match run::run(&argv, &env, budget) {
        Err(e) => out.error(&file, Some(line), "agent-validate", format!("`{shown}` could not run: {e}"), "reinstall the agents (scripts/install.sh)".into()),
        Ok(ran) if ran.timed_out => out.error(&file, Some(line), "agent-validate", format!("`{shown}` did not finish within {} s: heartbeat has no timeouts, a hanging agent blocks failover", budget.as_secs()), "find what it waits for (a hung drbdadm, an unreachable NFS path) and fix it".into()),
        Ok(ran) if ran.code == Some(0) => {}
        Ok(ran) => {
            let reason = ran.reason().unwrap_or_else(|| "no reason given".into());
            // a defaults-file error: report it where it is
            if let Some(c) = config_error().captures(&reason) {
                // under --root the agent was pointed at the copy, so this path is already the file to open
                let conf = PathBuf::from(&c[1]);
                out.error(&conf, c[2].parse().ok(), "agent-validate", format!("{} (`{shown}` exits {})", c[3].trim(), ran.code.unwrap_or(-1)), "correct the line (see the agent's page in docs/agents/)".into());
                return;
            }
            out.error(&file, Some(line), "agent-validate", format!("`{shown}` fails (exit {}): {reason}", ran.code.map(|c| c.to_string()).unwrap_or_else(|| "by signal".into())), format!("fix what it names, then `{} validate-all` must exit 0", shown.trim_end_matches(" validate-all")));
        }
    }
}

/// The command as heartbeat would show it (the resource.d path, not the scratch link).
fn ha_agent_display(argv: &[String], node: &Node, path: &Path) -> String {
    let mut v = argv.to_vec();
    if let Some(first) = v.first_mut() {
        *first = node.shown(path).display().to_string();
    }
    v.join(" ")
}
