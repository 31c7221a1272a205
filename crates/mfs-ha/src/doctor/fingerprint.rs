//! A node's fingerprint: everything that must agree between the two nodes for a failover to
//! work, read from the node's files (under --root too) and, on the live node, the kernel.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::check::moosefs::{CONFIG_DIRS, MASTER_SERVICES};
use crate::cluster::{self, Config, Lookup, AGENT_CONFIG_DIR, AUTHKEYS, HARESOURCES, HA_CF};
use crate::node::{accounts, hosts, run, services, Node};

/// Bumped when the meaning of a field changes; compare refuses a different format.
pub const FORMAT: u32 = 1;

/// Packages whose versions are recorded (Debian names; a source install is asked directly).
pub const PACKAGES: &[&str] = &[
    "moosefs-master",
    "moosefs-metalogger",
    "moosefs-chunkserver",
    "drbd-utils",
    "heartbeat",
    "resource-agents",
];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Fingerprint {
    pub format: u32,
    pub node: String,
    pub node_source: String,
    /// Seconds since the epoch when it was taken.
    pub taken_at: u64,
    pub suite_version: String,
    /// `user mfs`, `group mfs`: ids from /etc/passwd and /etc/group (None: absent).
    pub accounts: BTreeMap<String, Option<Ids>>,
    /// Package (or program) -> version (None: not installed).
    pub versions: BTreeMap<String, Option<String>>,
    /// Node path -> SHA-256 of the file (None: absent).
    pub files: BTreeMap<String, Option<String>>,
    /// ha.cf directives: key -> values in file order.
    pub hacf: BTreeMap<String, Vec<String>>,
    /// mfs-ha agents' defaults files: file name -> key -> value.
    pub agent_settings: BTreeMap<String, BTreeMap<String, String>>,
    /// Script name (each resource of haresources, and the agents) -> where it is installed.
    pub scripts: BTreeMap<String, Option<Installed>>,
    /// Boot links of services that fight the cluster (a second master).
    pub boot_services: Vec<String>,
    /// Node name (ha.cf) -> addresses it resolves to here.
    pub names: BTreeMap<String, Vec<IpAddr>>,
    pub clock: Option<Clock>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Ids {
    pub id: u32,
    pub gid: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Installed {
    pub path: String,
    pub target: String,
    /// The mfs-ha agent it is, if any.
    pub agent: Option<String>,
    pub sha256: Option<String>,
}

/// The kernel's clock discipline (adjtimex): is NTP steering the clock, and how far off.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Clock {
    pub synchronized: bool,
    pub offset_us: i64,
    pub max_error_us: i64,
    pub est_error_us: i64,
}

pub fn sha256_of(node: &Node, abs: &Path) -> Option<String> {
    let bytes = std::fs::read(node.real(abs)).ok()?;
    Some(format!("{:x}", Sha256::digest(&bytes)))
}

pub fn take(node: &Node) -> Fingerprint {
    let cfg = Config::read(node);
    Fingerprint {
        format: FORMAT,
        node: node.name.clone(),
        node_source: node.name_source.clone(),
        taken_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        suite_version: env!("CARGO_PKG_VERSION").to_string(),
        accounts: accounts_of(node),
        versions: versions(node),
        files: files(node),
        hacf: cfg
            .hacf
            .as_ref()
            .map(|c| {
                let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for d in &c.directives {
                    m.entry(d.key.clone()).or_default().push(d.value.clone());
                }
                m
            })
            .unwrap_or_default(),
        agent_settings: agent_settings(node),
        scripts: scripts(node, &cfg),
        boot_services: services::enabled_at_boot(node, MASTER_SERVICES)
            .into_iter()
            .map(|e| e.link.display().to_string())
            .collect(),
        names: names(node, &cfg),
        clock: node.is_live().then(clock).flatten(),
    }
}

fn accounts_of(node: &Node) -> BTreeMap<String, Option<Ids>> {
    let passwd = node.read("/etc/passwd").unwrap_or_default();
    let group = node.read("/etc/group").unwrap_or_default();
    let mut m = BTreeMap::new();
    m.insert(
        "user mfs".into(),
        accounts::user(&passwd, "mfs").map(|a| Ids {
            id: a.id,
            gid: a.gid,
        }),
    );
    m.insert(
        "group mfs".into(),
        accounts::group(&group, "mfs").map(|a| Ids {
            id: a.id,
            gid: None,
        }),
    );
    m
}

/// Versions from dpkg's database; MooseFS installed from source (the article's
/// /usr/local/mfs) answers `mfsmaster -v` on the live node.
fn versions(node: &Node) -> BTreeMap<String, Option<String>> {
    let status = node.read("/var/lib/dpkg/status").unwrap_or_default();
    let mut m: BTreeMap<String, Option<String>> = PACKAGES
        .iter()
        .map(|p| (p.to_string(), dpkg_version(&status, p)))
        .collect();
    let source = Path::new("/usr/local/mfs/sbin/mfsmaster");
    if node.is_live() && source.exists() {
        let ran = run::run(
            &[source.display().to_string(), "-v".into()],
            &[("PATH".into(), "/usr/bin:/bin".into())],
            Duration::from_secs(5),
        );
        let v = ran.ok().and_then(|r| {
            r.stdout
                .lines()
                .next()
                .map(|l| l.trim_start_matches("version:").trim().to_string())
        });
        m.insert("mfsmaster (/usr/local/mfs)".into(), v);
    }
    m
}

/// The installed version of `package` in dpkg's status file.
pub fn dpkg_version(status: &str, package: &str) -> Option<String> {
    status.split("\n\n").find_map(|stanza| {
        let field = |name: &str| {
            stanza
                .lines()
                .find_map(|l| l.strip_prefix(name).map(str::trim))
        };
        (field("Package:") == Some(package)
            && field("Status:").is_some_and(|s| s.ends_with(" installed")))
        .then(|| field("Version:").map(str::to_string))
        .flatten()
    })
}

fn files(node: &Node) -> BTreeMap<String, Option<String>> {
    let mut paths: Vec<String> = vec![
        HA_CF.into(),
        HARESOURCES.into(),
        AUTHKEYS.into(),
        "/etc/drbd.conf".into(),
    ];
    if let Ok(entries) = std::fs::read_dir(node.real("/etc/drbd.d")) {
        let mut names: Vec<String> = entries
            .flatten()
            .map(|e| format!("/etc/drbd.d/{}", e.file_name().to_string_lossy()))
            .collect();
        names.sort();
        paths.extend(names);
    }
    for dir in CONFIG_DIRS {
        for f in [
            "mfsmaster.cfg",
            "mfsexports.cfg",
            "mfstopology.cfg",
            "mfsmetalogger.cfg",
            "mfschunkserver.cfg",
            "mfshdd.cfg",
        ] {
            let p = format!("{dir}/{f}");
            if node.metadata(&p).is_ok() {
                paths.push(p);
            }
        }
    }
    paths
        .into_iter()
        .map(|p| {
            let s = sha256_of(node, Path::new(&p));
            (p, s)
        })
        .collect()
}

fn agent_settings(node: &Node) -> BTreeMap<String, BTreeMap<String, String>> {
    let Ok(entries) = std::fs::read_dir(node.real(AGENT_CONFIG_DIR)) else {
        return BTreeMap::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let script = name.strip_suffix(".conf")?.to_string();
            let settings = cluster::agent_defaults(node, &script)
                .into_iter()
                .map(|(k, v)| (k, v.0))
                .collect();
            Some((name, settings))
        })
        .collect()
}

fn scripts(node: &Node, cfg: &Config) -> BTreeMap<String, Option<Installed>> {
    let mut names: Vec<String> = cfg.resources().map(|(_, r)| r.script.clone()).collect();
    names.extend(cluster::AGENTS.iter().map(|a| a.to_string()));
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let installed = match cluster::locate(node, &name) {
                Lookup::Found {
                    path,
                    target,
                    agent,
                } => Some(Installed {
                    path: path.display().to_string(),
                    sha256: sha256_of(node, &target),
                    target: target.display().to_string(),
                    agent: agent.map(str::to_string),
                }),
                _ => None,
            };
            (name, installed)
        })
        .collect()
}

fn names(node: &Node, cfg: &Config) -> BTreeMap<String, Vec<IpAddr>> {
    let etc_hosts = node.read("/etc/hosts").unwrap_or_default();
    cfg.nodes()
        .into_iter()
        .map(|n| {
            let mut addrs = hosts::lookup(&etc_hosts, &n);
            if addrs.is_empty() && node.is_live() {
                addrs = resolve_with_deadline(&n, Duration::from_secs(3));
            }
            (n.to_lowercase(), addrs)
        })
        .collect()
}

/// The resolver (DNS included) on a thread, abandoned after `budget`.
fn resolve_with_deadline(name: &str, budget: Duration) -> Vec<IpAddr> {
    use std::net::ToSocketAddrs;
    let (tx, rx) = std::sync::mpsc::channel();
    let host = format!("{name}:0");
    std::thread::spawn(move || {
        let addrs: Vec<IpAddr> = host
            .to_socket_addrs()
            .map(|a| a.map(|s| s.ip()).collect())
            .unwrap_or_default();
        let _ = tx.send(addrs);
    });
    let mut addrs = rx.recv_timeout(budget).unwrap_or_default();
    addrs.sort();
    addrs.dedup();
    addrs
}

/// adjtimex(2) with no modes set only reads the kernel's clock state.
fn clock() -> Option<Clock> {
    // SAFETY: a zeroed timex is a valid argument; modes = 0 changes nothing.
    let mut tx: libc::timex = unsafe { std::mem::zeroed() };
    let state = unsafe { libc::adjtimex(&mut tx) };
    if state < 0 {
        return None;
    }
    let nano = tx.status & libc::STA_NANO != 0;
    Some(Clock {
        synchronized: state != libc::TIME_ERROR && tx.status & libc::STA_UNSYNC == 0,
        offset_us: if nano { tx.offset / 1000 } else { tx.offset },
        max_error_us: tx.maxerror,
        est_error_us: tx.esterror,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_versions() {
        let s = "Package: heartbeat\nStatus: install ok installed\nVersion: 1:3.0.6-13+b2\n\nPackage: drbd-utils\nStatus: deinstall ok config-files\nVersion: 9.22.0-1\n";
        assert_eq!(
            dpkg_version(s, "heartbeat").as_deref(),
            Some("1:3.0.6-13+b2")
        );
        assert_eq!(dpkg_version(s, "drbd-utils"), None);
        assert_eq!(dpkg_version(s, "moosefs-master"), None);
    }
}
