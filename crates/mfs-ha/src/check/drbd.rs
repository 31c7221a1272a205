//! DRBD's configuration against the cluster: the resource haresources promotes exists, has an
//! `on` section for every heartbeat node (the article's `onmfs-master`), this node's device and
//! disk exist, and fencing is configured.

use std::path::{Path, PathBuf};

use heartbeat_config::lint::edit_distance;

use super::drbdconf::{self, Item};
use crate::cluster::{self, Config, HARESOURCES};
use crate::findings::Findings;
use crate::node::Node;

/// The DRBD resource a group promotes: Initdrbd's drbd_resource (argument 1, its defaults file,
/// or r0), or heartbeat's drbddisk (argument 1, or "all").
pub struct Use {
    pub resource: String,
    /// Initdrbd's device, when it is given (argument 2 or defaults file).
    pub device: Option<String>,
    /// Initdrbd's mount point.
    pub directory: Option<String>,
    pub line: usize,
}

/// Where a resource mounts the DRBD filesystem: Initdrbd's directory, or heartbeat's
/// `Filesystem::/dev/drbdN::<dir>::<type>` (the classic drbddisk + Filesystem pair).
pub fn mount_point(node: &Node, r: &heartbeat_config::Resource) -> Option<String> {
    match r.script.as_str() {
        "Initdrbd" => Some(cluster::param(node, r, "directory", 3, "/usr/local/mfs")),
        "Filesystem" => match r.args.as_slice() {
            [device, dir, ..] if device.starts_with("/dev/drbd") => Some(dir.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The DRBD mount points of all groups.
pub fn mount_points(node: &Node, cfg: &Config) -> Vec<String> {
    cfg.resources()
        .filter_map(|(_, r)| mount_point(node, r))
        .collect()
}

pub fn uses(node: &Node, cfg: &Config) -> Vec<Use> {
    cfg.resources()
        .filter_map(|(line, r)| match r.script.as_str() {
            "Initdrbd" => Some(Use {
                resource: cluster::param(node, r, "drbd_resource", 1, "r0"),
                device: Some(cluster::param(node, r, "device", 2, "")).filter(|d| !d.is_empty()),
                directory: Some(cluster::param(node, r, "directory", 3, "/usr/local/mfs")),
                line,
            }),
            "drbddisk" => Some(Use {
                resource: r.args.first().cloned().unwrap_or_else(|| "all".into()),
                device: None,
                directory: None,
                line,
            }),
            _ => None,
        })
        .collect()
}

/// drbd.conf with its includes, as (file, items) in reading order.
fn read_all(node: &Node, conf: &Path, out: &mut Findings) -> Option<Vec<(PathBuf, Vec<Item>)>> {
    let mut files = Vec::new();
    let mut pending = vec![conf.to_path_buf()];
    while let Some(file) = pending.pop() {
        if files.len() > 64 {
            break;
        }
        let Ok(text) = node.read(&file) else {
            if files.is_empty() {
                return None;
            }
            continue;
        };
        match drbdconf::parse(&text) {
            Err(e) => out.error(
                &node.shown(&file),
                Some(e.line),
                "drbd-syntax",
                format!("drbdadm cannot parse it: {}", e.what),
                "fix the syntax; `drbdadm dump` must print the configuration".into(),
            ),
            Ok(items) => {
                for inc in items.iter().filter(|i| i.keyword() == "include") {
                    let Some(pattern) = inc.words.get(1) else {
                        continue;
                    };
                    let dir = file.parent().unwrap_or(Path::new("/etc"));
                    let mut found = expand(node, &dir.join(pattern));
                    found.reverse();
                    pending.extend(found);
                }
                files.push((file, items));
            }
        }
    }
    Some(files)
}

/// An include pattern: `*` and `?` in the last component only (drbd.conf's `drbd.d/*.res`).
fn expand(node: &Node, pattern: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (
        pattern.parent(),
        pattern.file_name().and_then(|n| n.to_str()),
    ) else {
        return Vec::new();
    };
    if !name.contains(['*', '?']) {
        return vec![pattern.to_path_buf()];
    }
    let Ok(entries) = std::fs::read_dir(node.real(dir)) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| wildcard(name, n))
        .collect();
    names.sort();
    names.into_iter().map(|n| dir.join(n)).collect()
}

fn wildcard(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    fn m(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => m(&p[1..], n) || (!n.is_empty() && m(p, &n[1..])),
            (Some('?'), Some(_)) => m(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => m(&p[1..], &n[1..]),
            _ => false,
        }
    }
    m(&p, &n)
}

pub fn check(node: &Node, cfg: &Config, conf: &Path, out: &mut Findings) {
    let uses = uses(node, cfg);
    if uses.is_empty() {
        return;
    }
    let shown_conf = node.shown(conf);
    let Some(files) = read_all(node, conf, out) else {
        let u = &uses[0];
        out.error(&node.shown(HARESOURCES), Some(u.line), "drbd-conf-missing", format!("the group promotes DRBD resource {}, but {} does not exist", u.resource, conf.display()), "install drbd-utils and write the resource (identical on both nodes), or pass --drbd-conf FILE".into());
        return;
    };
    let nodes = cfg.nodes();
    let common = files
        .iter()
        .flat_map(|(_, items)| items.iter())
        .find(|i| i.keyword() == "common");
    let resources: Vec<(&PathBuf, &Item)> = files
        .iter()
        .flat_map(|(f, items)| {
            items
                .iter()
                .filter(|i| i.keyword() == "resource")
                .map(move |i| (f, i))
        })
        .collect();
    for (file, r) in &resources {
        for (line, keyword, fix) in drbdconf::unknown_in_resource(r, &nodes) {
            out.error(&node.shown(file), Some(line), "drbd-keyword", format!("unknown keyword '{keyword}' in resource {}: drbdadm rejects the whole file, on both nodes", r.words.get(1).map(String::as_str).unwrap_or("?")), fix);
        }
    }
    for u in &uses {
        if u.resource == "all" {
            continue;
        }
        let Some((file, r)) = resources
            .iter()
            .find(|(_, r)| r.words.get(1) == Some(&u.resource))
        else {
            let names: Vec<&str> = resources
                .iter()
                .filter_map(|(_, r)| r.words.get(1).map(String::as_str))
                .collect();
            out.error(&node.shown(HARESOURCES), Some(u.line), "drbd-resource", format!("DRBD resource '{}' is not defined in {} (defined: {}): `drbdadm primary {}` fails and the group never starts", u.resource, shown_conf.display(), if names.is_empty() { "none".into() } else { names.join(", ") }, u.resource), "define it in drbd.conf (or /etc/drbd.d/*.res), or name the right resource (Initdrbd::<resource>)".into());
            continue;
        };
        let file = node.shown(file);
        let hosts = drbdconf::hosts(r);
        for n in &nodes {
            if !hosts
                .iter()
                .any(|(names, _)| names.iter().any(|h| h.eq_ignore_ascii_case(n)))
            {
                let close = hosts
                    .iter()
                    .flat_map(|(names, _)| names)
                    .find(|h| edit_distance(&h.to_lowercase(), n) <= 2);
                out.error(&file, Some(r.line), "drbd-on", format!("resource {} has no `on {n}` section{}: drbdadm on {n} says \"'{}' not defined in your config (for this host)\" and that node can never take over", u.resource, close.map(|c| format!(" (there is `on {c}`)")).unwrap_or_default(), u.resource), format!("add `on {n} {{ device ...; disk ...; address ...; meta-disk internal; }}`: the name must be {n}'s `uname -n`"));
            }
        }
        for (names, _) in &hosts {
            for h in names {
                if !nodes.is_empty() && !nodes.iter().any(|n| n.eq_ignore_ascii_case(h)) {
                    out.warning(
                        &file,
                        Some(r.line),
                        "drbd-on",
                        format!("`on {h}` names no heartbeat node ({})", nodes.join(", ")),
                        "use the nodes' `uname -n` in both ha.cf and drbd.conf".into(),
                    );
                }
            }
        }
        let mine = hosts
            .iter()
            .find(|(names, _)| names.iter().any(|h| h.eq_ignore_ascii_case(&node.name)));
        if let Some((_, host)) = mine {
            local_devices(node, &file, u, host, r, out);
        }
        if drbdconf::fencing(r, common).is_none_or(|f| f == "dont-care") {
            out.warning(&file, Some(r.line), "drbd-fencing", format!("resource {} has no fencing policy: when the replication link fails while both nodes live, the standby can be promoted on outdated data, or both become Primary (split brain: two masters writing diverging metadata, one side's changes discarded by hand)", u.resource), "set `fencing resource-only;` (disk section; net in DRBD 9) with `handlers { fence-peer \"/usr/lib/drbd/crm-fence-peer.sh\"; }` or the heartbeat dopd handler (drbd-peer-outdater)".into());
        }
    }
}

fn local_devices(node: &Node, file: &Path, u: &Use, host: &Item, r: &Item, out: &mut Findings) {
    use std::os::unix::fs::FileTypeExt;
    if let Some((disk, line)) = drbdconf::disk(host, r) {
        if disk != "none" {
            match node.metadata(&disk) {
                Err(_) => out.error(
                    file,
                    Some(line),
                    "drbd-disk",
                    format!("disk {disk} of {} does not exist on this node", node.name),
                    format!(
                        "attach the disk, or correct `disk` in the `on {}` section",
                        node.name
                    ),
                ),
                Ok(m) if node.is_live() && !m.file_type().is_block_device() => out.error(
                    file,
                    Some(line),
                    "drbd-disk",
                    format!("disk {disk} is not a block device"),
                    "name the backing block device (a partition, LV or whole disk)".into(),
                ),
                Ok(_) => {}
            }
        }
    }
    if let Some((device, line)) = drbdconf::device(host, r) {
        if let Some(want) = &u.device {
            if want != &device {
                out.error(file, Some(line), "drbd-device", format!("resource {} uses {device} here, but Initdrbd is given {want} (haresources line {})", u.resource, u.line), "make Initdrbd's device match drbd.conf (or leave it out: Initdrbd asks drbdadm)".into());
            }
        }
        let loaded = node.is_live() && Path::new("/proc/drbd").exists();
        if loaded && node.metadata(&device).is_err() {
            out.warning(file, Some(line), "drbd-device", format!("device {device} does not exist although the DRBD module is loaded: resource {} is not up", u.resource), format!("`drbdadm up {}` (the drbd init script does this at boot)", u.resource));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::wildcard;

    #[test]
    fn include_patterns() {
        assert!(wildcard("*.res", "r0.res"));
        assert!(wildcard("global_common.conf", "global_common.conf"));
        assert!(!wildcard("*.res", "r0.res.bak"));
        assert!(wildcard("r?.res", "r1.res"));
    }
}
