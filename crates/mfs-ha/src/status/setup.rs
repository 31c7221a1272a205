//! What this node is configured with: heartbeat's ha.cf and haresources, and the agents'
//! defaults files (`/etc/ha.d/mfs-ha/<Agent>.conf`), read the way the agents read them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use heartbeat_config::hacf;
use heartbeat_config::haresources::{self, Group, Resource};

/// Heartbeat media directives: each is one path between the nodes.
const MEDIA: [&str; 4] = ["bcast", "mcast", "ucast", "serial"];

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Setup {
    pub ha_dir: PathBuf,
    /// `node` lines of ha.cf.
    pub nodes: Vec<String>,
    /// Configured heartbeat paths (`bcast eth1` counts one per interface).
    pub media: Vec<String>,
    pub deadtime: Option<String>,
    pub groups: Vec<GroupSetup>,
    /// From Initdrbd's defaults or haresources arguments.
    pub drbd_resource: String,
    pub drbd_status_source: PathBuf,
    pub mount_point: PathBuf,
    /// From VIPaddr's / IPaddr's argument: the address without prefix or interface.
    pub vip: Option<String>,
    /// The local metalogger's data directory (mfsmaster's `metalogger_data_path`).
    pub metalogger_dir: Option<PathBuf>,
    pub master_config: PathBuf,
    /// Problems reading the configuration (shown, never fatal).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct GroupSetup {
    pub node: String,
    pub key: String,
    pub line: usize,
    pub resources: Vec<String>,
    #[serde(skip)]
    pub parsed: Vec<Resource>,
}

/// `key = value` lines; `#` starts a comment line; one pair of quotes is removed.
pub fn defaults(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
                .unwrap_or(v);
            (k.trim().to_string(), v.to_string())
        })
        .collect()
}

/// The address part of an IPaddr/VIPaddr argument: `192.168.8.210/24/eth0` → `192.168.8.210`.
pub fn vip_of(arg: &str) -> Option<String> {
    let ip = arg.split('/').next()?;
    ip.parse::<std::net::IpAddr>().ok().map(|_| ip.to_string())
}

/// Reads everything under `ha_dir` (missing files are notes, not errors).
pub fn read(ha_dir: &Path) -> Setup {
    let mut notes = Vec::new();
    let mut read = |name: &str| -> Option<String> {
        let path = ha_dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                notes.push(format!("cannot read {}: {e}", path.display()));
                None
            }
        }
    };
    let cf = read("ha.cf").map(|t| hacf::parse(&t));
    let hr = read("haresources").map(|t| haresources::parse(&t));
    let initdrbd = read("mfs-ha/Initdrbd.conf")
        .map(|t| defaults(&t))
        .unwrap_or_default();
    let master = read("mfs-ha/mfsmaster.conf")
        .map(|t| defaults(&t))
        .unwrap_or_default();
    from_parts(ha_dir, cf.as_ref(), hr.as_ref(), &initdrbd, &master, notes)
}

/// The pure part of [`read`].
pub fn from_parts(
    ha_dir: &Path,
    cf: Option<&hacf::HaCf>,
    hr: Option<&haresources::Haresources>,
    initdrbd: &BTreeMap<String, String>,
    master: &BTreeMap<String, String>,
    mut notes: Vec<String>,
) -> Setup {
    let mut media = Vec::new();
    if let Some(cf) = cf {
        for m in MEDIA {
            for d in cf.all(m) {
                let words: Vec<&str> = d.value.split_whitespace().collect();
                match (m, words.as_slice()) {
                    ("bcast", ifaces) => media.extend(ifaces.iter().map(|i| format!("bcast {i}"))),
                    (_, _) => media.push(format!("{m} {}", d.value)),
                }
            }
        }
    } else {
        notes.push(format!(
            "no {}: heartbeat is not configured here",
            ha_dir.join("ha.cf").display()
        ));
    }
    let groups: Vec<GroupSetup> = hr
        .map(|hr| {
            hr.groups
                .iter()
                .map(|g: &Group| GroupSetup {
                    node: g.node.clone(),
                    key: g.key().unwrap_or_default().to_string(),
                    line: g.line,
                    resources: g.resources.iter().map(|r| r.written.clone()).collect(),
                    parsed: g.resources.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    if hr.is_none() {
        notes.push(format!("no {}", ha_dir.join("haresources").display()));
    }
    let all: Vec<&Resource> = groups.iter().flat_map(|g| g.parsed.iter()).collect();
    let initdrbd_args = all
        .iter()
        .find(|r| r.script == "Initdrbd")
        .map(|r| r.args.clone())
        .unwrap_or_default();
    let pick = |key: &str, pos: usize, default: &str| {
        initdrbd
            .get(key)
            .cloned()
            .or_else(|| initdrbd_args.get(pos).cloned())
            .unwrap_or_else(|| default.to_string())
    };
    let vip = all
        .iter()
        .find(|r| r.script == "IPaddr" || r.script == "VIPaddr" || r.script == "IPaddr2")
        .and_then(|r| r.args.first())
        .and_then(|a| vip_of(a));
    Setup {
        ha_dir: ha_dir.to_path_buf(),
        nodes: cf.map(|c| c.nodes()).unwrap_or_default(),
        media,
        deadtime: cf.and_then(|c| c.get("deadtime")).map(|d| d.value.clone()),
        groups,
        drbd_resource: pick("drbd_resource", 0, "r0"),
        drbd_status_source: PathBuf::from(
            initdrbd
                .get("drbd_status_source")
                .map(String::as_str)
                .unwrap_or("/proc/drbd"),
        ),
        mount_point: PathBuf::from(
            master
                .get("mount_point")
                .cloned()
                .unwrap_or_else(|| pick("directory", 2, "/usr/local/mfs")),
        ),
        vip,
        metalogger_dir: master.get("metalogger_data_path").map(PathBuf::from),
        master_config: PathBuf::from(
            master
                .get("config")
                .map(String::as_str)
                .unwrap_or("/etc/mfs/mfsmaster.cfg"),
        ),
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_articles_setup_is_read_from_haresources_and_the_defaults_files() {
        let cf =
            hacf::parse("keepalive 1\ndeadtime 5\nbcast eth1\nnode mfs-master\nnode mfs-bak\n");
        let hr = haresources::parse("mfs-master Initdrbd mfsmaster 192.168.8.210\n");
        let initdrbd = defaults("drbd_status_source = /tmp/x/proc_drbd\n# c\n");
        let master =
            defaults("mount_point = \"/usr/local/mfs\"\nmetalogger_data_path=/var/lib/ml\n");
        let s = from_parts(
            Path::new("/etc/ha.d"),
            Some(&cf),
            Some(&hr),
            &initdrbd,
            &master,
            vec![],
        );
        assert_eq!(s.nodes, ["mfs-master", "mfs-bak"]);
        assert_eq!(s.media, ["bcast eth1"]);
        assert_eq!(s.vip.as_deref(), Some("192.168.8.210"));
        assert_eq!(s.drbd_resource, "r0");
        assert_eq!(s.drbd_status_source, PathBuf::from("/tmp/x/proc_drbd"));
        assert_eq!(s.mount_point, PathBuf::from("/usr/local/mfs"));
        assert_eq!(s.metalogger_dir, Some(PathBuf::from("/var/lib/ml")));
        assert_eq!(s.groups[0].key, "Initdrbd");
    }

    #[test]
    fn haresources_arguments_name_the_resource_and_two_media_count_twice() {
        let cf = hacf::parse("bcast eth0 eth1\nucast eth2 10.0.0.2\n");
        let hr = haresources::parse(
            "a Initdrbd::r7::/dev/drbd7::/srv/mfs mfsmaster VIPaddr::10.0.0.9/24/eth0\n",
        );
        let s = from_parts(
            Path::new("/x"),
            Some(&cf),
            Some(&hr),
            &BTreeMap::new(),
            &BTreeMap::new(),
            vec![],
        );
        assert_eq!(s.media.len(), 3);
        assert_eq!(s.drbd_resource, "r7");
        assert_eq!(s.mount_point, PathBuf::from("/srv/mfs"));
        assert_eq!(s.vip.as_deref(), Some("10.0.0.9"));
        assert_eq!(s.drbd_status_source, PathBuf::from("/proc/drbd"));
    }
}
