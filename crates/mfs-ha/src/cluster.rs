//! The cluster as this node's heartbeat sees it: ha.cf, haresources, where each resource's
//! script is (looked up inside the node's root, as ResourceManager does), which scripts are
//! mfs-ha agents, and the agents' settings (arguments, then `/etc/ha.d/mfs-ha/<Agent>.conf`,
//! then the agent's default). Shared by check, plan and doctor.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use heartbeat_config::hacf::{self, HaCf};
use heartbeat_config::haresources::{self, Haresources, Resource};
use heartbeat_config::{INIT_DIR, RESOURCE_DIR};

use crate::node::Node;

pub const HA_CF: &str = "/etc/ha.d/ha.cf";
pub const HARESOURCES: &str = "/etc/ha.d/haresources";
pub const AUTHKEYS: &str = "/etc/ha.d/authkeys";
pub const AGENT_CONFIG_DIR: &str = "/etc/ha.d/mfs-ha";
/// Where scripts/install.sh puts the agents' binaries.
pub const AGENT_LIB_DIR: &str = "/usr/lib/mfs-ha";
/// The mfs-ha agent binaries.
pub const AGENTS: &[&str] = &["Initdrbd", "mfsmaster", "VIPaddr"];

/// Where ResourceManager finds (or fails to find) a resource's script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The script heartbeat runs (node path), what it resolves to, and the mfs-ha agent it is.
    Found {
        path: PathBuf,
        target: PathBuf,
        agent: Option<&'static str>,
    },
    /// Candidates that exist but that heartbeat skips, with why (not executable, a directory,
    /// a link to nothing).
    Unusable(Vec<(PathBuf, String)>),
    Missing,
}

/// ResourceManager's lookup (resource.d, then init.d; a regular file, links followed, with an
/// execute bit), inside the node's root.
pub fn locate(node: &Node, script: &str) -> Lookup {
    if script.is_empty() || script.contains('/') {
        return Lookup::Missing;
    }
    let mut unusable = Vec::new();
    for dir in [RESOURCE_DIR, INIT_DIR] {
        let path = Path::new(dir).join(script);
        let link = std::fs::symlink_metadata(node.path(&path));
        if link.is_err() {
            continue;
        }
        let target = node.resolve(&path).unwrap_or_else(|| path.clone());
        match std::fs::metadata(node.path(&target)) {
            Err(_) => unusable.push((
                path,
                format!("a link to {}, which does not exist", target.display()),
            )),
            Ok(m) if !m.is_file() => unusable.push((path, "not a regular file".into())),
            Ok(m) if m.permissions().mode() & 0o111 == 0 => unusable.push((
                path,
                format!(
                    "not executable (mode {:o})",
                    m.permissions().mode() & 0o7777
                ),
            )),
            Ok(_) => {
                let agent = agent_of(node, &target);
                return Lookup::Found {
                    path,
                    target,
                    agent,
                };
            }
        }
    }
    match unusable.is_empty() {
        true => Lookup::Missing,
        false => Lookup::Unusable(unusable),
    }
}

/// The mfs-ha agent a script is: a compiled program named after one of the agents.
pub fn agent_of(node: &Node, target: &Path) -> Option<&'static str> {
    let name = target.file_name()?.to_str()?;
    let agent = AGENTS.iter().find(|a| **a == name)?;
    let mut head = [0u8; 4];
    let mut f = std::fs::File::open(node.path(target)).ok()?;
    std::io::Read::read_exact(&mut f, &mut head).ok()?;
    (&head == b"\x7fELF").then_some(*agent)
}

/// `key = value` lines of an agent's defaults file (ha-agent's format), with their lines.
pub fn agent_defaults(node: &Node, script: &str) -> BTreeMap<String, (String, usize)> {
    let path = Path::new(AGENT_CONFIG_DIR).join(format!("{script}.conf"));
    let text = node.read(path).unwrap_or_default();
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let l = l.trim();
            if l.starts_with('#') {
                return None;
            }
            let (k, v) = l.split_once('=')?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
                .unwrap_or(v);
            Some((k.trim().to_string(), (v.to_string(), i + 1)))
        })
        .collect()
}

/// A parameter of a resource: its Heartbeat position (1-based) or `name=value` argument, the
/// defaults file, then `default`.
pub fn param(node: &Node, r: &Resource, name: &str, position: usize, default: &str) -> String {
    if let Some(v) = r
        .args
        .iter()
        .find_map(|a| a.strip_prefix(&format!("{name}=")))
    {
        return v.to_string();
    }
    let positional: Vec<&String> = r.args.iter().filter(|a| !a.contains('=')).collect();
    if let Some(v) = positional.get(position.wrapping_sub(1)) {
        return v.to_string();
    }
    agent_defaults(node, &r.script)
        .remove(name)
        .map(|v| v.0)
        .unwrap_or_else(|| default.to_string())
}

/// ha.cf and haresources as read from the node (None when absent or unreadable).
pub struct Config {
    pub hacf: Option<HaCf>,
    pub haresources: Option<Haresources>,
    pub haresources_text: String,
}

impl Config {
    pub fn read(node: &Node) -> Config {
        let hacf = node.read(HA_CF).ok().map(|t| hacf::parse(&t));
        let text = node.read(HARESOURCES).ok();
        Config {
            hacf,
            haresources: text.as_deref().map(haresources::parse),
            haresources_text: text.unwrap_or_default(),
        }
    }

    pub fn nodes(&self) -> Vec<String> {
        self.hacf.as_ref().map(|c| c.nodes()).unwrap_or_default()
    }

    /// Every resource of every group, with the group's line.
    pub fn resources(&self) -> impl Iterator<Item = (usize, &Resource)> {
        self.haresources
            .iter()
            .flat_map(|h| h.groups.iter())
            .flat_map(|g| g.resources.iter().map(move |r| (g.line, r)))
    }

    /// The virtual IPs: bare IPs and the first argument of IPaddr/IPaddr2/VIPaddr, without
    /// `/cidr/nic`.
    pub fn vips(&self) -> Vec<(String, usize)> {
        self.resources()
            .filter(|(_, r)| matches!(r.script.as_str(), "IPaddr" | "IPaddr2" | "VIPaddr"))
            .filter_map(|(line, r)| {
                let first = r
                    .args
                    .iter()
                    .find(|a| !a.contains('=') || a.starts_with("ip="))?;
                let ip = first.strip_prefix("ip=").unwrap_or(first);
                Some((ip.split('/').next().unwrap_or(ip).to_string(), line))
            })
            .collect()
    }

    /// The environment heartbeat gives resource scripts (heartbeat.md a.7), minus the log
    /// files: a status run by mfs-ha must not write into the cluster's logs.
    pub fn script_env(&self, node: &Node) -> Vec<(String, String)> {
        // Scripts inherit heartbeat's environment, which is the one it was started with; that
        // cannot be read back (heartbeat writes its process title over it), so the caller's
        // stands in for it, without what heartbeat sets itself.
        let mut env: Vec<(String, String)> = std::env::vars()
            .filter(|(k, _)| !inherited_but_ours(k))
            .collect();
        env.extend([
            ("HA_CURHOST".into(), node.name.clone()),
            ("HA_DIR".into(), "/etc/ha.d".into()),
            ("HA_FUNCS".into(), "/etc/ha.d/shellfuncs".into()),
            ("HA_RESOURCEDIR".into(), "/etc/ha.d//resource.d".into()),
            ("OCF_ROOT".into(), "/usr/lib/ocf".into()),
            (
                "PATH".into(),
                "/usr/libexec/heartbeat:/usr/sbin:/usr/share/heartbeat:/usr/bin:/sbin:/bin".into(),
            ),
        ]);
        if let Some(cf) = &self.hacf {
            for d in &cf.directives {
                if matches!(
                    d.key.as_str(),
                    "logfile" | "debugfile" | "logfacility" | "node"
                ) {
                    continue;
                }
                if d.key == "env" {
                    if let Some((k, v)) = d.value.split_once('=') {
                        env.push((format!("HA_{}", k.trim()), v.trim().to_string()));
                    }
                    continue;
                }
                env.push((format!("HA_{}", d.key), d.value.clone()));
            }
        }
        if !node.is_live() {
            // agents read their defaults from the copy, not from this machine
            let dir = node.path(AGENT_CONFIG_DIR).display().to_string();
            env.push(("MFS_HA_CONFIG_DIR".into(), dir));
        }
        env
    }
}

/// Variables that must not leak from the caller into a script run as heartbeat runs it: the
/// ones heartbeat sets itself, Pacemaker's (they switch our agents to OCF mode), and the log
/// destinations (a status run by mfs-ha must not write into the cluster's logs).
fn inherited_but_ours(key: &str) -> bool {
    key.starts_with("HA_") || key.starts_with("OCF_") || key == "PATH" || key.starts_with("MFS_HA_")
}

/// The command line that runs `script` (the node's path `path`) for `action`. Under a root,
/// the script is reached through a link named like it (agents act on the name they are
/// called by) that points at the file inside the root.
pub fn script_argv(
    node: &Node,
    r: &Resource,
    path: &Path,
    action: &str,
    scratch: &Path,
) -> Vec<String> {
    let program: PathBuf = if node.is_live() {
        path.to_path_buf()
    } else {
        let link = scratch.join(&r.script);
        let _ = std::fs::remove_file(&link);
        let _ = std::os::unix::fs::symlink(node.real(path), &link);
        link
    };
    r.argv(&program, action)
}

/// Private lock and state directories under a root: checking a copy must not touch this
/// machine's /run/mfs-ha or flight records.
pub fn scratch_env(node: &Node, scratch: &Path) -> Vec<(String, String)> {
    match node.is_live() {
        true => Vec::new(),
        false => vec![
            (
                "MFS_HA_RUN_DIR".into(),
                scratch.join("run").display().to_string(),
            ),
            (
                "MFS_HA_STATE_DIR".into(),
                scratch.join("state").display().to_string(),
            ),
        ],
    }
}
