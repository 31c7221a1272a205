//! MooseFS against the cluster: the master's DATA_PATH on the DRBD filesystem and its changelog
//! fsynced (CHANGELOG_SAVE_MODE = 2), local metaloggers and chunkservers pointing at the VIP,
//! the master not started at boot outside heartbeat, the mfs user and group present.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use agents::mfsmaster::changelog;

use crate::cluster::{self, Config, HARESOURCES};
use crate::findings::Findings;
use crate::node::{accounts, hosts, services, Node};

/// Where a MooseFS daemon's config is looked for (mfs-ha's mfsmaster agent's order).
pub const CONFIG_DIRS: &[&str] = &["/usr/local/mfs/etc/mfs", "/usr/local/mfs/etc", "/etc/mfs"];
/// Boot services that start a second master.
pub const MASTER_SERVICES: &[&str] = &["mfsmaster", "moosefs-master", "moosefs-pro-master"];

/// `KEY = value` lines of an mfs*.cfg (the last wins), with their line numbers.
pub fn cfg_get(text: &str, key: &str) -> Option<(String, usize)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let l = l.split('#').next()?;
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| (v.trim().to_string(), i + 1))
        })
        .last()
}

/// The first of CONFIG_DIRS holding `<daemon>.cfg` (node paths).
pub fn find_cfg(node: &Node, daemon: &str) -> Option<PathBuf> {
    CONFIG_DIRS
        .iter()
        .map(|d| Path::new(d).join(format!("{daemon}.cfg")))
        .find(|p| node.metadata(p).is_ok())
}

/// The compiled-in DATA_PATH: `<prefix>/var/mfs` for a source install under a prefix (the
/// article's /usr/local/mfs), /var/lib/mfs for the packages.
fn default_data_path(cfg_path: &Path) -> PathBuf {
    let s = cfg_path.to_string_lossy();
    match s.find("/etc/") {
        Some(at) if at > 0 => PathBuf::from(format!("{}/var/mfs", &s[..at])),
        _ => PathBuf::from("/var/lib/mfs"),
    }
}

pub fn check(node: &Node, cfg: &Config, out: &mut Findings) {
    let drbd_dirs: Vec<String> = super::drbd::mount_points(node, cfg);
    let master = cfg.resources().find(|(_, r)| r.script == "mfsmaster");
    if let Some((line, r)) = master {
        master_config(node, r, line, &drbd_dirs, out);
        boot_services(node, out);
    }
    if master.is_some()
        || find_cfg(node, "mfsmetalogger").is_some()
        || find_cfg(node, "mfschunkserver").is_some()
    {
        users(node, out);
    }
    master_host(node, cfg, out);
}

fn master_config(
    node: &Node,
    r: &heartbeat_config::Resource,
    line: usize,
    drbd_dirs: &[String],
    out: &mut Findings,
) {
    let given = cluster::param(node, r, "config", 1, "");
    let path = match given.is_empty() {
        false => Some(PathBuf::from(given)),
        true => find_cfg(node, "mfsmaster"),
    };
    let Some(path) = path else {
        if !drbd_dirs.is_empty() {
            return; // on the DRBD disk (the article's /usr/local/mfs/etc): seen only where it is mounted
        }
        out.warning(
            &node.shown(HARESOURCES),
            Some(line),
            "mfs-config",
            format!("no mfsmaster.cfg in {}", CONFIG_DIRS.join(", ")),
            "install MooseFS's master, or set `config = ...` in /etc/ha.d/mfs-ha/mfsmaster.conf"
                .into(),
        );
        return;
    };
    let Ok(text) = node.read(&path) else {
        if drbd_dirs
            .iter()
            .any(|d| path.starts_with(d) && !node.is_mounted(d))
        {
            return; // on the DRBD disk, not mounted here now: checked on the active node
        }
        out.error(
            &node.shown(HARESOURCES),
            Some(line),
            "mfs-config",
            format!("mfsmaster's config {} does not exist", path.display()),
            "correct `config` in /etc/ha.d/mfs-ha/mfsmaster.conf, or install it there".into(),
        );
        return;
    };
    let file = node.shown(&path);
    let (data, data_line) = match cfg_get(&text, "DATA_PATH") {
        Some((v, l)) => (PathBuf::from(v.trim_end_matches('/')), Some(l)),
        None => (default_data_path(&path), None),
    };
    if !drbd_dirs.is_empty() && !drbd_dirs.iter().any(|d| data.starts_with(d)) {
        out.error(&file, data_line, "mfs-data-path", format!("DATA_PATH {}{} is not on the DRBD filesystem ({}): the metadata stays on this node's own disk, and after a failover the peer starts from its own old or empty metadata", data.display(), if data_line.is_none() { " (the default)" } else { "" }, drbd_dirs.join(", ")), format!("set `DATA_PATH = {}/var/mfs` (on the DRBD mount) and move metadata.mfs there", drbd_dirs[0].trim_end_matches('/')));
    }
    changelog_mode(&file, &text, out);
    let user = cfg_get(&text, "WORKING_USER")
        .map(|v| v.0)
        .unwrap_or_else(|| "mfs".into());
    let group = cfg_get(&text, "WORKING_GROUP")
        .map(|v| v.0)
        .unwrap_or_else(|| "mfs".into());
    if user != "mfs" || group != "mfs" {
        account(node, &user, &group, out);
    }
}

/// CHANGELOG_SAVE_MODE other than 2: acknowledged changes lost in a crash, DRBD or not.
fn changelog_mode(file: &Path, text: &str, out: &mut Findings) {
    let found = cfg_get(text, changelog::KEY);
    let setting = changelog::Setting::parse(found.as_ref().map(|(v, _)| v.as_str()));
    let line = found.map(|(_, l)| l);
    let Some(risk) = setting.effective().risk() else {
        return;
    };
    let what = format!("{}: {risk}", setting.shown());
    match setting {
        changelog::Setting::Unknown(_) => {
            out.error(file, line, "mfs-changelog", what, changelog::FIX.into())
        }
        _ => out.warning(file, line, "mfs-changelog", what, changelog::FIX.into()),
    }
}

fn boot_services(node: &Node, out: &mut Findings) {
    for e in services::enabled_at_boot(node, MASTER_SERVICES) {
        let fix = match e.link.to_string_lossy().contains("systemd") {
            true => format!("systemctl disable {} (heartbeat starts the master; only heartbeat may)", e.service),
            false => format!("update-rc.d -f {0} remove, or chkconfig {0} off (heartbeat starts the master; only heartbeat may)", e.service),
        };
        out.error(&node.shown(&e.link), None, "mfs-boot", format!("{} is started at boot outside the cluster: at the next reboot a second master starts on this node, on whatever lies under the unmounted DRBD mount point", e.service), fix);
    }
}

fn users(node: &Node, out: &mut Findings) {
    account(node, "mfs", "mfs", out);
}

fn account(node: &Node, user: &str, group: &str, out: &mut Findings) {
    let passwd = node.read("/etc/passwd").unwrap_or_default();
    if accounts::user(&passwd, user).is_none() {
        out.error(&node.shown("/etc/passwd"), None, "mfs-user", format!("no user '{user}': the MooseFS daemons cannot drop privileges and do not start"), format!("create it with the same uid and gid as on the peer: `groupadd -g <gid> {group}; useradd -u <uid> -g {group} -s /usr/sbin/nologin {user}` (compare with `mfs-ha doctor`)"));
    }
    let group_text = node.read("/etc/group").unwrap_or_default();
    if accounts::group(&group_text, group).is_none() {
        out.error(
            &node.shown("/etc/group"),
            None,
            "mfs-group",
            format!("no group '{group}'"),
            format!(
                "`groupadd -g <gid> {group}` with the peer's gid (compare with `mfs-ha doctor`)"
            ),
        );
    }
}

/// MASTER_HOST of the metalogger and chunkserver configs on this node must be the VIP.
fn master_host(node: &Node, cfg: &Config, out: &mut Findings) {
    let vips: Vec<IpAddr> = cfg
        .vips()
        .iter()
        .filter_map(|(v, _)| v.parse().ok())
        .collect();
    if vips.is_empty() {
        return;
    }
    let etc_hosts = node.read("/etc/hosts").unwrap_or_default();
    let node_addrs: Vec<(String, IpAddr)> = cfg
        .nodes()
        .iter()
        .flat_map(|n| {
            hosts::lookup(&etc_hosts, n)
                .into_iter()
                .map(move |a| (n.clone(), a))
        })
        .collect();
    for daemon in ["mfsmetalogger", "mfschunkserver"] {
        let Some(path) = find_cfg(node, daemon) else {
            continue;
        };
        let text = node.read(&path).unwrap_or_default();
        let (value, line) = cfg_get(&text, "MASTER_HOST")
            .map(|(v, l)| (v, Some(l)))
            .unwrap_or(("mfsmaster".into(), None));
        let addrs: Vec<IpAddr> = match value.parse::<IpAddr>() {
            Ok(a) => vec![a],
            Err(_) => hosts::lookup(&etc_hosts, &value),
        };
        let vip_list = vips
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let file = node.shown(&path);
        let fix = format!(
            "set `MASTER_HOST = {}` (the VIP heartbeat moves), then restart {daemon}",
            vips[0]
        );
        if addrs.iter().any(|a| vips.contains(a)) {
            continue;
        }
        if let Some((n, a)) = node_addrs.iter().find(|(_, a)| addrs.contains(a)) {
            out.error(&file, line, "mfs-master-host", format!("MASTER_HOST {value} is {n}'s own address {a}, not the VIP ({vip_list}): after a failover {daemon} keeps talking to a node that no longer runs the master"), fix);
        } else if addrs.is_empty() {
            out.warning(&file, line, "mfs-master-host", format!("MASTER_HOST {value}{} does not resolve in /etc/hosts, so it cannot be checked against the VIP ({vip_list})", if line.is_none() { " (the default)" } else { "" }), fix);
        } else {
            out.error(&file, line, "mfs-master-host", format!("MASTER_HOST {value} ({}) is not the VIP ({vip_list}): {daemon} does not follow the master when it fails over", addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")), fix);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cfg_values_and_default_data_path() {
        let t = "# DATA_PATH = /x\nDATA_PATH = /usr/local/mfs/var/mfs # here\nMASTER_HOST=192.168.8.210\n";
        assert_eq!(
            cfg_get(t, "DATA_PATH"),
            Some(("/usr/local/mfs/var/mfs".into(), 2))
        );
        assert_eq!(cfg_get(t, "MASTER_HOST").unwrap().0, "192.168.8.210");
        assert_eq!(cfg_get(t, "WORKING_USER"), None);
        assert_eq!(
            default_data_path(Path::new("/usr/local/mfs/etc/mfsmaster.cfg")),
            Path::new("/usr/local/mfs/var/mfs")
        );
        assert_eq!(
            default_data_path(Path::new("/etc/mfs/mfsmaster.cfg")),
            Path::new("/var/lib/mfs")
        );
    }
}
