//! `mfs-ha check`: this node's heartbeat, DRBD and MooseFS configuration against the traps that
//! break a failover, each reported as `file:line: severity: what is wrong; the fix`.

pub mod agents;
pub mod drbd;
pub mod drbdconf;
mod heartbeat;
pub mod moosefs;
pub mod scripts;

use std::path::PathBuf;
use std::time::Duration;

use crate::cluster::Config;
use crate::findings::Findings;
use crate::node::Node;
use crate::{Exit, Global};

/// Check this node's cluster configuration (ha.cf, authkeys, haresources and its scripts,
/// drbd.conf, MooseFS) for what breaks a failover.
///
/// Each finding is one line, `file:line: severity: what is wrong; the fix` (no line for a
/// finding about a whole file). Exit status: 0 clean, 1 warnings only, 2 errors, 3 could not
/// check. mfs-ha's agents in haresources are asked too (`<agent> <args> validate-all`).
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Each finding is one line: FILE:LINE: SEVERITY: what is wrong; the fix (no LINE for a finding
about a whole file). Checked: ha.cf (timers, communication paths, auto_failback, crm, node names,
directives), authkeys (mode 600, a key), haresources as ResourceManager reads it (node names,
scripts found in /etc/ha.d/resource.d then /etc/init.d and executable, a bare IP reaching
VIPaddr, shell scripts' syntax, the agents' validate-all), drbd.conf (the resource, `on` sections
for every node, this node's disk, fencing), MooseFS (DATA_PATH on the DRBD filesystem,
CHANGELOG_SAVE_MODE = 2, MASTER_HOST = the VIP, no master started at boot, the mfs user and
group).

Exit status: 0 clean, 1 warnings only, 2 errors, 3 could not check.
Examples:
  mfs-ha check
  mfs-ha check --root /srv/copy-of-mfs-bak --node mfs-bak
  mfs-ha --json check --allow drbd-fencing")]
pub struct Args {
    /// Check the configuration under DIR (a copy of a node's files) instead of this machine's.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,
    /// The node name heartbeat uses here [default: /etc/ha.d/nodeinfo, else `uname -n`; under
    /// --root: DIR/etc/hostname].
    #[arg(long, value_name = "NAME")]
    pub node: Option<String>,
    /// DRBD's configuration file, as the node sees it.
    #[arg(long, value_name = "FILE", default_value = "/etc/drbd.conf")]
    pub drbd_conf: PathBuf,
    /// Seconds each agent's validate-all may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub timeout: u64,
    /// Do not run the agents' validate-all.
    #[arg(long)]
    pub no_agents: bool,
    /// Accept the findings with this code (e.g. `drbd-fencing` on a pair that deliberately runs
    /// without fencing); repeatable. They are counted, not listed.
    #[arg(long, value_name = "CODE")]
    pub allow: Vec<String>,
}

pub fn run(args: &Args, global: &Global) -> anyhow::Result<Exit> {
    let node = Node::open(&args.root, args.node.as_deref())?;
    let _ = agents::BUDGET.set(Duration::from_secs(args.timeout.max(1)));
    let mut findings = findings(&node, args);
    let before = findings.list.len();
    findings
        .list
        .retain(|f| !args.allow.iter().any(|a| a == f.code));
    let allowed = before - findings.list.len();
    let mut subject = format!("mfs-ha check of {} ({})", node.name, node.root.display());
    if allowed > 0 {
        subject = format!("{subject}, {allowed} allowed ({})", args.allow.join(", "));
    }
    findings.print(
        global.json,
        &subject,
        serde_json::json!({"node": node.name, "root": node.root, "allowed": allowed}),
    );
    Ok(findings.exit())
}

/// Every finding for `node`, sorted by file and line.
pub fn findings(node: &Node, args: &Args) -> Findings {
    let cfg = Config::read(node);
    let mut out = Findings::default();
    let no_agents = args.no_agents;
    heartbeat::check(node, &cfg, &mut out, no_agents);
    drbd::check(node, &cfg, &args.drbd_conf, &mut out);
    moosefs::check(node, &cfg, &mut out);
    out.sort();
    out
}
