//! Two fingerprints side by side: every difference that breaks a failover, each with its fix;
//! silence about what differs by design (node names, per-node media and logs, the standby not
//! seeing the DRBD-held MooseFS config, metalogger and chunkserver settings).

use std::path::Path;

use super::fingerprint::{Fingerprint, Ids};
use crate::findings::Findings;

/// ha.cf directives that must match; media (interface names), ucast peers and logs may differ.
const HACF_MUST_MATCH: &[(&str, bool)] = &[
    // (directive, is an error when different; otherwise a warning)
    ("node", true),
    ("crm", true),
    ("udpport", true),
    ("auto_failback", true),
    ("keepalive", false),
    ("deadtime", false),
    ("warntime", false),
    ("initdead", false),
];

/// Files that must be byte-identical, and why.
const IDENTICAL: &[(&str, &str)] = &[
    ("/etc/ha.d/haresources", "heartbeat on each node decides from its own copy which groups exist and who prefers them: the nodes disagree about what to take over"),
    ("/etc/ha.d/authkeys", "each node rejects the other's heartbeats as forged: both believe the peer is dead and take the group (split brain)"),
    ("/etc/drbd.conf", "drbdadm on each node configures the resource differently (addresses, protocol, fencing): connects fail or behave differently after a failover"),
];

/// MooseFS files the master reads: only one node may see them (on the DRBD disk), but when
/// both do they must match.
const MASTER_FILES: &[&str] = &["mfsmaster.cfg", "mfsexports.cfg", "mfstopology.cfg"];

/// Agent settings that differ per node by design.
const PER_NODE_SETTINGS: &[&str] = &["metalogger_data_path", "drbd_status_source"];

pub fn compare(a: &Fingerprint, b: &Fingerprint) -> Findings {
    let mut out = Findings::default();
    let (na, nb) = (a.node.as_str(), b.node.as_str());
    if na == nb {
        out.error(Path::new("uname -n"), None, "doctor-same-node", format!("both fingerprints come from a node named '{na}'"), "export one on each node; if both nodes really carry this name, give each its own (hostnamectl set-hostname) as in ha.cf's node lines".into());
    }
    accounts(a, b, &mut out);
    versions(a, b, &mut out);
    files(a, b, &mut out);
    hacf(a, b, &mut out);
    settings(a, b, &mut out);
    scripts(a, b, &mut out);
    for f in [a, b] {
        for link in &f.boot_services {
            out.error(Path::new(link), None, "mfs-boot", format!("on {}: the MooseFS master is started at boot outside the cluster (a second master at the next reboot)", f.node), "disable it (systemctl disable / update-rc.d -f ... remove): only heartbeat starts the master".into());
        }
    }
    names(a, b, &mut out);
    for f in [a, b] {
        if let Some(c) = &f.clock {
            if !c.synchronized {
                out.warning(Path::new("clock"), None, "doctor-clock", format!("{}'s clock is not synchronized (NTP): the two nodes' logs and flight records cannot be lined up, and MooseFS's metadata timestamps jump after a failover", f.node), "run an NTP client (chrony, systemd-timesyncd, ntpd) on both nodes".into());
            } else if c.max_error_us > 500_000 {
                out.warning(
                    Path::new("clock"),
                    None,
                    "doctor-clock",
                    format!(
                        "{}'s clock may be off by up to {} ms",
                        f.node,
                        c.max_error_us / 1000
                    ),
                    "check its NTP sources".into(),
                );
            }
        }
    }
    out
}

fn ids(i: &Option<Ids>) -> String {
    match i {
        None => "absent".into(),
        Some(Ids { id, gid: Some(g) }) => format!("{id} (gid {g})"),
        Some(Ids { id, gid: None }) => id.to_string(),
    }
}

fn accounts(a: &Fingerprint, b: &Fingerprint, out: &mut Findings) {
    for (key, ia) in &a.accounts {
        let ib = b.accounts.get(key).cloned().flatten();
        if *ia == ib {
            continue;
        }
        let (file, what) = match key.split_once(' ') {
            Some(("group", name)) => ("/etc/group", format!("group {name}")),
            Some((_, name)) => ("/etc/passwd", format!("user {name}")),
            None => ("/etc/passwd", key.clone()),
        };
        let fix = match (ia, &ib) {
            (Some(x), Some(_)) if key.starts_with("user") => format!("make them equal (the article: 切忌 uid/gid 两台必须一样): on {}: `usermod -u {} {}mfs`, then `find / -xdev -uid <old uid> -exec chown -h mfs {{}} +`; the files on the DRBD disk carry {}'s numbers", b.node, x.id, x.gid.map(|g| format!("-g {g} ")).unwrap_or_default(), a.node),
            (Some(x), Some(_)) => format!("on {}: `groupmod -g {} mfs`, then `find / -xdev -gid <old gid> -exec chgrp -h mfs {{}} +`", b.node, x.id),
            (Some(x), None) => format!("create it on {} with the same ids: {}", b.node, create(key, x)),
            (None, Some(y)) => format!("create it on {} with the same ids: {}", a.node, create(key, y)),
            (None, None) => continue,
        };
        out.error(Path::new(file), None, "doctor-ids", format!("{what} is {} on {} but {} on {}: after a failover the MooseFS master on {} cannot open the metadata and changelogs written by the other (\"will not come up\")", ids(ia), a.node, ids(&ib), b.node, b.node), fix);
    }
}

fn create(key: &str, i: &Ids) -> String {
    match key.starts_with("group") {
        true => format!("`groupadd -g {} mfs`", i.id),
        false => format!(
            "`useradd -u {} -g {} -s /usr/sbin/nologin mfs`",
            i.id,
            i.gid.unwrap_or(i.id)
        ),
    }
}

/// "3.0.117-1" -> "3.0": the part that decides the metadata format.
fn major_minor(v: &str) -> String {
    let v = v.split_once(':').map(|x| x.1).unwrap_or(v);
    v.split(['.', '-', ' '])
        .take(2)
        .collect::<Vec<_>>()
        .join(".")
}

fn versions(a: &Fingerprint, b: &Fingerprint, out: &mut Findings) {
    let keys: std::collections::BTreeSet<&String> =
        a.versions.keys().chain(b.versions.keys()).collect();
    for key in keys {
        let va = a.versions.get(key).cloned().flatten();
        let vb = b.versions.get(key).cloned().flatten();
        let file = Path::new("/var/lib/dpkg/status");
        match (&va, &vb) {
            (Some(x), Some(y)) if x != y => {
                let master = key.contains("master");
                if master && major_minor(x) != major_minor(y) {
                    out.error(file, None, "doctor-version", format!("{key} is {x} on {} but {y} on {}: the older master may not read metadata the newer one wrote", a.node, b.node), format!("install the same {key} version on both nodes"));
                } else {
                    out.warning(file, None, "doctor-version", format!("{key} is {x} on {} but {y} on {}", a.node, b.node), format!("install the same {key} version on both nodes, so a failover changes nothing but the node"));
                }
            }
            (Some(x), None) | (None, Some(x)) if matters_when_missing(key) => {
                let (has, lacks) = if va.is_some() {
                    (&a.node, &b.node)
                } else {
                    (&b.node, &a.node)
                };
                out.error(file, None, "doctor-version", format!("{key} {x} is installed on {has} but not on {lacks}: {lacks} cannot run the group"), format!("install {key} on {lacks}"));
            }
            _ => {}
        }
    }
    if a.suite_version != b.suite_version {
        out.warning(
            Path::new("mfs-ha"),
            None,
            "doctor-version",
            format!(
                "mfs-ha is {} on {} but {} on {}",
                a.suite_version, a.node, b.suite_version, b.node
            ),
            "install the same mfs-ha release on both nodes".into(),
        );
    }
}

fn matters_when_missing(key: &str) -> bool {
    matches!(key, "moosefs-master" | "drbd-utils" | "heartbeat")
}

fn files(a: &Fingerprint, b: &Fingerprint, out: &mut Findings) {
    for (path, why) in IDENTICAL {
        let (x, y) = (
            a.files.get(*path).cloned().flatten(),
            b.files.get(*path).cloned().flatten(),
        );
        match (x, y) {
            (Some(x), Some(y)) if x != y => out.error(
                Path::new(path),
                None,
                "doctor-file",
                format!("differs between {} and {}: {why}", a.node, b.node),
                format!(
                    "copy it from one node to the other (scp {path} {}:{path}), keeping its mode",
                    b.node
                ),
            ),
            (Some(_), None) | (None, Some(_)) => {
                let lacks = if a.files.get(*path).cloned().flatten().is_none() {
                    &a.node
                } else {
                    &b.node
                };
                out.error(
                    Path::new(path),
                    None,
                    "doctor-file",
                    format!("missing on {lacks}"),
                    format!("copy it from the other node to {lacks}"),
                );
            }
            _ => {}
        }
    }
    // drbd.d: the same files with the same content
    let drbd_d = |f: &Fingerprint| {
        f.files
            .iter()
            .filter(|(p, _)| p.starts_with("/etc/drbd.d/"))
            .map(|(p, s)| (p.clone(), s.clone()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let (da, db) = (drbd_d(a), drbd_d(b));
    for p in da
        .keys()
        .chain(db.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        if da.get(p) != db.get(p) {
            out.error(Path::new(p), None, "doctor-file", format!("differs between {} and {} (or exists on one only): drbdadm configures the resource differently on each node", a.node, b.node), format!("make /etc/drbd.d identical on both nodes (copy {p})"));
        }
    }
    for name in MASTER_FILES {
        let find = |f: &Fingerprint| {
            f.files
                .iter()
                .find(|(p, s)| p.ends_with(&format!("/{name}")) && s.is_some())
                .map(|(p, s)| (p.clone(), s.clone()))
        };
        if let (Some((pa, sa)), Some((pb, sb))) = (find(a), find(b)) {
            if sa != sb || pa != pb {
                out.warning(Path::new(&pa), None, "doctor-file", format!("{name} differs between {} ({pa}) and {} ({pb}): after a failover the master runs with different settings", a.node, b.node), format!("keep one {name}: on the DRBD filesystem (the article's /usr/local/mfs/etc), or identical on both nodes"));
            }
        }
    }
}

fn hacf(a: &Fingerprint, b: &Fingerprint, out: &mut Findings) {
    if a.hacf.is_empty() || b.hacf.is_empty() {
        return; // reported by the files comparison or by check
    }
    for (key, is_error) in HACF_MUST_MATCH {
        let norm = |f: &Fingerprint| {
            let mut v: Vec<String> = f
                .hacf
                .get(*key)
                .cloned()
                .unwrap_or_default()
                .iter()
                .flat_map(|s| {
                    s.split_whitespace()
                        .map(|w| w.to_lowercase())
                        .collect::<Vec<_>>()
                })
                .collect();
            if *key == "node" {
                v.sort();
            }
            v
        };
        let (x, y) = (norm(a), norm(b));
        if x == y {
            continue;
        }
        let show = |v: &[String]| {
            if v.is_empty() {
                "unset".to_string()
            } else {
                v.join(" ")
            }
        };
        let what = format!(
            "ha.cf {key} is {} on {} but {} on {}",
            show(&x),
            a.node,
            show(&y),
            b.node
        );
        let fix = format!("use the same `{key}` line on both nodes");
        let file = Path::new("/etc/ha.d/ha.cf");
        match is_error {
            true => out.error(file, None, "doctor-hacf", what, fix),
            false => out.warning(
                file,
                None,
                "doctor-hacf",
                format!("{what}: each node declares the other dead after a different time"),
                fix,
            ),
        }
    }
}

fn settings(a: &Fingerprint, b: &Fingerprint, out: &mut Findings) {
    let files: std::collections::BTreeSet<&String> = a
        .agent_settings
        .keys()
        .chain(b.agent_settings.keys())
        .collect();
    for file in files {
        let empty = Default::default();
        let (sa, sb) = (
            a.agent_settings.get(file).unwrap_or(&empty),
            b.agent_settings.get(file).unwrap_or(&empty),
        );
        let keys: std::collections::BTreeSet<&String> = sa.keys().chain(sb.keys()).collect();
        for key in keys {
            if PER_NODE_SETTINGS.contains(&key.as_str()) || sa.get(key) == sb.get(key) {
                continue;
            }
            let show = |v: Option<&String>| v.cloned().unwrap_or_else(|| "unset".into());
            out.warning(&Path::new(crate::cluster::AGENT_CONFIG_DIR).join(file), None, "doctor-settings", format!("{key} is {} on {} but {} on {}: the agent behaves differently after a failover", show(sa.get(key)), a.node, show(sb.get(key)), b.node), format!("set {key} the same on both nodes"));
        }
    }
}

fn scripts(a: &Fingerprint, b: &Fingerprint, out: &mut Findings) {
    let names: std::collections::BTreeSet<&String> =
        a.scripts.keys().chain(b.scripts.keys()).collect();
    for name in names {
        let (x, y) = (
            a.scripts.get(name).cloned().flatten(),
            b.scripts.get(name).cloned().flatten(),
        );
        match (&x, &y) {
            (Some(x), Some(y)) => {
                if x.agent != y.agent {
                    let what = |i: &super::fingerprint::Installed| {
                        i.agent
                            .clone()
                            .map(|a| format!("mfs-ha's {a}"))
                            .unwrap_or_else(|| i.target.clone())
                    };
                    out.error(Path::new(&x.path), None, "doctor-script", format!("{name} runs {} on {} but {} on {}: the group behaves differently on each node", what(x), a.node, what(y), b.node), "install the same scripts on both nodes (scripts/install.sh, with the same options)".into());
                } else if x.sha256 != y.sha256 {
                    out.warning(
                        Path::new(&x.path),
                        None,
                        "doctor-script",
                        format!(
                            "{name} ({}) differs between {} and {}",
                            x.target, a.node, b.node
                        ),
                        "install the same build on both nodes".into(),
                    );
                }
            }
            (Some(i), None) | (None, Some(i)) => {
                let lacks = if x.is_none() { &a.node } else { &b.node };
                out.error(Path::new(&i.path), None, "doctor-script", format!("{name} is installed on one node but heartbeat cannot locate it on {lacks}: that node fails the group"), format!("install it on {lacks} (scripts/install.sh for mfs-ha's agents)"));
            }
            (None, None) => {}
        }
    }
}

fn names(a: &Fingerprint, b: &Fingerprint, out: &mut Findings) {
    let keys: std::collections::BTreeSet<&String> = a.names.keys().chain(b.names.keys()).collect();
    for n in keys {
        let (x, y) = (
            a.names.get(n).cloned().unwrap_or_default(),
            b.names.get(n).cloned().unwrap_or_default(),
        );
        let list = |v: &[std::net::IpAddr]| {
            v.iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if x.is_empty() || y.is_empty() {
            let lacks = if x.is_empty() { &a.node } else { &b.node };
            out.warning(Path::new("/etc/hosts"), None, "doctor-names", format!("{n} does not resolve on {lacks}"), format!("add `<address> {n}` to /etc/hosts on {lacks} (the article's first step), so the nodes find each other without DNS"));
        } else if x != y {
            out.error(
                Path::new("/etc/hosts"),
                None,
                "doctor-names",
                format!(
                    "{n} is {} on {} but {} on {}",
                    list(&x),
                    a.node,
                    list(&y),
                    b.node
                ),
                format!("make /etc/hosts agree about {n} on both nodes"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_relevant_version_part() {
        assert_eq!(major_minor("3.0.117-1"), "3.0");
        assert_eq!(major_minor("1:3.0.6-13+b2"), "3.0");
        assert_eq!(major_minor("1.6.20"), "1.6");
    }
}
