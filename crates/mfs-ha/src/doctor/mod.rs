//! `mfs-ha doctor`: this node's fingerprint (`--export FILE`), and two nodes' fingerprints
//! compared (`--compare A B`) for the differences that break a failover.

mod compare;
pub mod fingerprint;

use std::path::PathBuf;

use anyhow::Context;

use crate::node::Node;
use crate::{Exit, Global};

pub use fingerprint::Fingerprint;

/// Fingerprint this node, or compare two nodes' fingerprints.
///
/// `--export FILE` writes this node's fingerprint as JSON (`-`: standard output): the mfs
/// user's uid and gid; MooseFS, DRBD, heartbeat and mfs-ha versions; checksums of ha.cf,
/// haresources, authkeys, drbd.conf and the MooseFS configs; the agents' installed paths; boot
/// services that would start a second master; how the node names resolve; the clock's NTP
/// state. Run it on both nodes, copy the files to one place, then `--compare A B` reports every
/// difference that breaks a failover, each with its fix, and nothing about what differs per
/// node by design. Exit status (compare): 0 nothing, 1 warnings, 2 errors, 3 could not compare.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["export", "compare"])))]
#[command(after_long_help = "\
The fingerprint: the mfs user's uid/gid; MooseFS, DRBD, heartbeat and mfs-ha versions; checksums of
ha.cf, haresources, authkeys, drbd.conf (and drbd.d) and the MooseFS configs; ha.cf's directives;
the agents' settings and installed paths; boot services that would start a second master; how
the node names resolve; the clock's NTP state.
--compare reports what breaks a failover (uid/gid, haresources/authkeys/drbd.conf contents,
ha.cf nodes/crm/udpport/auto_failback, a missing script or package, name resolution, boot
services; timers, versions, settings as warnings), each with its fix, and nothing about what
differs per node by design (ucast, media interfaces, logs, the DRBD-held MooseFS config, metalogger
and chunkserver settings).

Exit status (--compare): 0 nothing, 1 warnings, 2 errors, 3 could not compare.
Example:
  mfs-master# mfs-ha doctor --export /tmp/mfs-master.json
  mfs-bak#    mfs-ha doctor --export /tmp/mfs-bak.json
  mfs-master# scp mfs-bak:/tmp/mfs-bak.json /tmp/ && mfs-ha doctor --compare /tmp/mfs-master.json /tmp/mfs-bak.json")]
pub struct Args {
    /// Write this node's fingerprint to FILE (`-` for standard output).
    #[arg(long, value_name = "FILE")]
    pub export: Option<PathBuf>,
    /// Compare two exported fingerprints.
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    pub compare: Option<Vec<PathBuf>>,
    /// Fingerprint the configuration under DIR (a copy of a node's files).
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,
    /// The node name heartbeat uses here [default: /etc/ha.d/nodeinfo, else `uname -n`].
    #[arg(long, value_name = "NAME")]
    pub node: Option<String>,
}

pub fn run(args: &Args, global: &Global) -> anyhow::Result<Exit> {
    if let Some(file) = &args.export {
        let node = Node::open(&args.root, args.node.as_deref())?;
        let fp = fingerprint::take(&node);
        let text = serde_json::to_string_pretty(&fp)? + "\n";
        if file.as_os_str() == "-" {
            print!("{text}");
        } else {
            write_atomically(file, &text)?;
            if !global.json {
                println!(
                    "mfs-ha doctor: fingerprint of {} written to {}",
                    fp.node,
                    file.display()
                );
            }
        }
        return Ok(Exit::Clean);
    }
    let files = args.compare.as_deref().unwrap_or_default();
    let [a, b] = files else {
        anyhow::bail!("--compare needs two files: A B");
    };
    let (fa, fb) = (load(a)?, load(b)?);
    let findings = compare::compare(&fa, &fb);
    findings.print(
        global.json,
        &format!("mfs-ha doctor: {} vs {}", fa.node, fb.node),
        serde_json::json!({"a": fa.node, "b": fb.node}),
    );
    Ok(findings.exit())
}

fn load(path: &PathBuf) -> anyhow::Result<Fingerprint> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read it", path.display()))?;
    let fp: Fingerprint = serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: not an mfs-ha fingerprint (make one with `mfs-ha doctor --export FILE`)",
            path.display()
        )
    })?;
    anyhow::ensure!(fp.format == fingerprint::FORMAT, "{}: fingerprint format {} (this mfs-ha reads {}): export it again with the same mfs-ha version", path.display(), fp.format, fingerprint::FORMAT);
    Ok(fp)
}

/// Written next to the target, then renamed: never a half-written fingerprint.
fn write_atomically(path: &PathBuf, text: &str) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("{}: cannot write in {}", path.display(), dir.display()))?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())?;
    tmp.persist(path)
        .with_context(|| format!("{}: cannot write it", path.display()))?;
    Ok(())
}
