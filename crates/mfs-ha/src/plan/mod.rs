//! `mfs-ha plan [takeover|release]`: what heartbeat would run on this node, in order, with the
//! exact command lines, and each resource's status read the way heartbeat reads it. Nothing is
//! run but the resources' `status` (which heartbeat itself runs at any time).

mod status;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use heartbeat_config::Resource;
use serde::Serialize;

use crate::cluster::{self, Config, Lookup};
use crate::node::Node;
use crate::{Exit, Global};

pub use status::Status;

/// Show what heartbeat runs on this node to take the resource groups over (`ResourceManager
/// takegroup`: each resource's status, then start, left to right) or to release them
/// (`givegroup`: stop, right to left, without status), with resolved script paths and
/// arguments, and each resource's current status as heartbeat would read it (its glob rule on
/// the status output) with the agent's reason. Nothing is started or stopped.
///
/// Exit status: 0 every script is found, 1 a status could not be read, 2 heartbeat would fail
/// (a script it cannot locate), 3 could not plan (no haresources).
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
takeover: ResourceManager takegroup for every group: each resource's status, then start unless
the status output says running (heartbeat's glob rule; the exit code does not count), left to
right; at the first script heartbeat cannot locate it gives the group up.
release: givegroup: stop for every resource, right to left, without status.
Only the status commands are run (each with --timeout); nothing is started or stopped.

Exit status: 0 every script found, 1 a status could not be read, 2 a script heartbeat cannot
locate, 3 could not plan.
Examples:
  mfs-ha plan
  mfs-ha plan release
  mfs-ha --json plan --no-status")]
pub struct Args {
    /// takeover: what this node runs when it takes the groups; release: when it gives them up.
    #[arg(value_enum, default_value = "takeover")]
    pub action: Action,
    /// Plan from the configuration under DIR (a copy of a node's files).
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,
    /// The node name heartbeat uses here [default: /etc/ha.d/nodeinfo, else `uname -n`].
    #[arg(long, value_name = "NAME")]
    pub node: Option<String>,
    /// Do not run the resources' status; show the command lines only.
    #[arg(long)]
    pub no_status: bool,
    /// Seconds each status may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub timeout: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Takeover,
    Release,
}

/// One command heartbeat runs, or would have run.
#[derive(Debug, Serialize)]
pub struct Step {
    pub resource: String,
    pub action: &'static str,
    /// The command line; empty when the script cannot be located.
    pub argv: Vec<String>,
    /// Whether heartbeat runs it (a start after a "running" status does not run; nothing runs
    /// after a failure in takeover).
    pub runs: bool,
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ResourceState {
    pub resource: String,
    pub script: Option<String>,
    pub status: Option<Status>,
}

#[derive(Debug, Serialize)]
pub struct GroupPlan {
    pub line: usize,
    pub node: String,
    pub key: String,
    pub resources: Vec<ResourceState>,
    pub steps: Vec<Step>,
}

pub fn run(args: &Args, global: &Global) -> anyhow::Result<Exit> {
    let node = Node::open(&args.root, args.node.as_deref())?;
    let cfg = Config::read(&node);
    let h = cfg.haresources.as_ref().with_context(|| {
        format!(
            "{} not found: heartbeat has nothing to run",
            node.shown(cluster::HARESOURCES).display()
        )
    })?;
    let budget = Duration::from_secs(args.timeout.max(1));
    let scratch = tempfile::Builder::new().prefix("mfs-ha-plan-").tempdir()?;
    let mut groups = Vec::new();
    for g in &h.groups {
        let resources: Vec<ResourceState> = g
            .resources
            .iter()
            .map(|r| state(&node, &cfg, r, args.no_status, budget, scratch.path()))
            .collect();
        let steps = steps(g.resources.as_slice(), &resources, args.action);
        groups.push(GroupPlan {
            line: g.line,
            node: g.node.clone(),
            key: g.key().unwrap_or_default().to_string(),
            resources,
            steps,
        });
    }
    let missing = groups
        .iter()
        .flat_map(|g| &g.resources)
        .any(|r| r.script.is_none());
    let unread = groups
        .iter()
        .flat_map(|g| &g.resources)
        .any(|r| r.status.as_ref().is_some_and(|s| s.state == "unknown"));
    let exit = match (missing, unread) {
        (true, _) => Exit::Errors,
        (false, true) => Exit::Warnings,
        _ => Exit::Clean,
    };
    if global.json {
        let v = serde_json::json!({"action": args.action, "node": node.name, "groups": groups, "exit": exit as u8});
        println!("{v:#}");
    } else {
        print_text(&node, args.action, &groups);
    }
    Ok(exit)
}

fn state(
    node: &Node,
    cfg: &Config,
    r: &Resource,
    no_status: bool,
    budget: Duration,
    scratch: &std::path::Path,
) -> ResourceState {
    match cluster::locate(node, &r.script) {
        Lookup::Found { path, agent, .. } => ResourceState {
            resource: r.written.clone(),
            script: Some(path.display().to_string()),
            status: (!no_status)
                .then(|| status::read(node, cfg, r, &path, agent.is_some(), budget, scratch)),
        },
        _ => ResourceState {
            resource: r.written.clone(),
            script: None,
            status: None,
        },
    }
}

/// ResourceManager's order: takegroup = for each resource left to right, status then start
/// unless it says running, giving the group up at the first failure; givegroup = stop, right
/// to left, no status.
fn steps(resources: &[Resource], states: &[ResourceState], action: Action) -> Vec<Step> {
    let argv = |r: &Resource, s: &ResourceState, op: &str| match &s.script {
        Some(path) => r.argv(std::path::Path::new(path), op),
        None => Vec::new(),
    };
    let mut out = Vec::new();
    match action {
        Action::Takeover => {
            let mut failed: Option<String> = None;
            for (r, s) in resources.iter().zip(states) {
                if let Some(at) = &failed {
                    for op in ["status", "start"] {
                        out.push(Step {
                            resource: r.written.clone(),
                            action: op_name(op),
                            argv: argv(r, s, op),
                            runs: false,
                            note: Some(format!("not reached: {at}")),
                        });
                    }
                    continue;
                }
                if s.script.is_none() {
                    out.push(Step {
                        resource: r.written.clone(),
                        action: "status",
                        argv: Vec::new(),
                        runs: false,
                        note: Some(format!("Cannot locate resource script {}", r.script)),
                    });
                    out.push(Step { resource: r.written.clone(), action: "start", argv: Vec::new(), runs: false, note: Some(format!("fails: \"Cannot locate resource script {}\"; heartbeat gives the group up (stop of every member, right to left)", r.script)) });
                    failed = Some(format!("heartbeat gave the group up at {}", r.written));
                    continue;
                }
                let said = s.status.as_ref().map(|st| format!("says {}", st.state));
                out.push(Step {
                    resource: r.written.clone(),
                    action: "status",
                    argv: argv(r, s, "status"),
                    runs: true,
                    note: said,
                });
                let running = s.status.as_ref().map(|st| st.heartbeat_running);
                let (runs, note) = match running {
                    Some(true) => (false, Some("skipped: status says running".to_string())),
                    Some(false) => (true, Some("runs: status says stopped".to_string())),
                    None => (true, Some("runs unless status says running".to_string())),
                };
                out.push(Step {
                    resource: r.written.clone(),
                    action: "start",
                    argv: argv(r, s, "start"),
                    runs,
                    note,
                });
            }
        }
        Action::Release => {
            for (r, s) in resources.iter().zip(states).rev() {
                let note = match &s.script {
                    None => Some(format!("fails: \"Cannot locate resource script {}\"; heartbeat goes on with the next", r.script)),
                    Some(_) => None,
                };
                out.push(Step {
                    resource: r.written.clone(),
                    action: "stop",
                    argv: argv(r, s, "stop"),
                    runs: s.script.is_some(),
                    note,
                });
            }
        }
    }
    out
}

fn op_name(op: &str) -> &'static str {
    match op {
        "status" => "status",
        "start" => "start",
        _ => "stop",
    }
}

fn print_text(node: &Node, action: Action, groups: &[GroupPlan]) {
    let what = match action {
        Action::Takeover => {
            "takeover: ResourceManager takegroup (status, then start unless running; left to right)"
        }
        Action::Release => {
            "release: ResourceManager givegroup (stop, right to left, no status first)"
        }
    };
    println!("mfs-ha plan on {}: {what}", node.name);
    for g in groups {
        println!();
        println!(
            "group {} (haresources line {}, preferred node {})",
            g.key, g.line, g.node
        );
        println!("  now (as heartbeat reads each status):");
        for r in &g.resources {
            let now = match (&r.script, &r.status) {
                (None, _) => "no script: heartbeat cannot locate it".to_string(),
                (Some(_), None) => "not read (--no-status)".to_string(),
                (Some(_), Some(s)) => {
                    let agent = match &s.agent_state {
                        Some(a) if a != s.state => format!(" (the agent says {a})"),
                        _ => String::new(),
                    };
                    match &s.reason {
                        Some(reason) => format!("{}{agent}: {reason}", s.state),
                        None => format!("{}{agent}", s.state),
                    }
                }
            };
            println!("    {:<40} {now}", r.resource);
        }
        println!("  runs, in order:");
        for (i, s) in g.steps.iter().enumerate() {
            let cmd = match s.argv.is_empty() {
                true => format!("<{}: no script> {}", s.resource, s.action),
                false => s.argv.join(" "),
            };
            let note = s.note.as_deref().unwrap_or("");
            println!("    {:>2}. {:<58} {note}", i + 1, cmd);
        }
    }
}
