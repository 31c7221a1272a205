//! Heartbeat's own files: ha.cf, authkeys, haresources, and every resource script the groups
//! name (found where ResourceManager looks, executable, a bare IP reaching VIPaddr).

use std::os::unix::fs::PermissionsExt;

use heartbeat_config::lint;

use super::scripts;
use crate::cluster::{self, Config, Lookup, AUTHKEYS, HARESOURCES, HA_CF};
use crate::findings::Findings;
use crate::node::Node;

pub fn check(node: &Node, cfg: &Config, out: &mut Findings, no_agents: bool) {
    let uses_haresources = cfg.haresources.is_some();
    match &cfg.hacf {
        None => out.error(
            &node.shown(HA_CF),
            None,
            "hacf-missing",
            "not found: heartbeat does not start without it".into(),
            "write ha.cf (see ha.d-examples/ha.cf), identical on both nodes".into(),
        ),
        Some(cf) => {
            for d in lint::hacf(cf, uses_haresources, Some(&node.name)) {
                out.push(&node.shown(HA_CF), d);
            }
        }
    }
    authkeys(node, out);
    let crm_on = cfg
        .hacf
        .as_ref()
        .and_then(|c| c.get("crm"))
        .is_some_and(|d| {
            matches!(
                d.value.to_ascii_lowercase().as_str(),
                "on" | "yes" | "true" | "1" | "y" | "respawn"
            )
        });
    let Some(h) = &cfg.haresources else {
        if !crm_on {
            out.error(
                &node.shown(HARESOURCES),
                None,
                "haresources-missing",
                "not found: with `crm off` heartbeat stops at startup (\"Cannot open resources file\")".into(),
                "write the group, e.g. `mfs-master Initdrbd mfsmaster 192.168.8.210` (ha.d-examples/haresources), identical on both nodes".into(),
            );
        }
        return;
    };
    let file = node.shown(HARESOURCES);
    let nodes = cfg.nodes();
    for d in lint::haresources(h, &nodes) {
        out.push(&file, d);
    }
    if nodes.is_empty() {
        // without ha.cf's node lines, at least the preferred node must be a name we know
        for g in &h.groups {
            if g.node != node.name {
                out.warning(&file, Some(g.line), "haresources-node", format!("node '{}' is not this node ('{}', {}) and ha.cf lists no nodes to compare with", g.node_written, node.name, node.name_source), "write the preferred node's `uname -n`, and the node lines in ha.cf".into());
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for g in &h.groups {
        // On the standby the DRBD filesystem is not mounted: what the group starts after it
        // (the master, its config) is validated on the node that holds the group.
        let mut on_unmounted_drbd = false;
        for r in &g.resources {
            script(
                node,
                cfg,
                g.line,
                r,
                &mut seen,
                no_agents || on_unmounted_drbd,
                out,
            );
            if let Some(dir) = super::drbd::mount_point(node, r) {
                on_unmounted_drbd |= !node.is_mounted(&dir);
            }
        }
    }
}

fn authkeys(node: &Node, out: &mut Findings) {
    let file = node.shown(AUTHKEYS);
    let Ok(text) = node.read(AUTHKEYS) else {
        out.error(
            &file,
            None,
            "authkeys",
            "not found: heartbeat does not start without it".into(),
            "write `auth 1` and `1 sha1 <secret>` (the same on both nodes) and chmod 600 it".into(),
        );
        return;
    };
    if let Ok(m) = node.metadata(AUTHKEYS) {
        let mode = m.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            out.error(&file, None, "authkeys-mode", format!("mode {mode:o}: heartbeat refuses to start (\"Bad permissions on keyfile\"), and the secret is readable by others"), format!("chmod 600 {AUTHKEYS}"));
        }
    }
    for d in lint::authkeys(&text) {
        out.push(&file, d);
    }
}

/// The script of one resource: found, executable, sane; agents validated.
fn script(
    node: &Node,
    cfg: &Config,
    line: usize,
    r: &heartbeat_config::Resource,
    seen: &mut std::collections::BTreeSet<String>,
    no_agents: bool,
    out: &mut Findings,
) {
    let file = node.shown(HARESOURCES);
    let lookup = cluster::locate(node, &r.script);
    let why = if r.bare_ip {
        format!("the bare IP {} is run as IPaddr::{}", r.written, r.written)
    } else {
        format!("resource '{}'", r.written)
    };
    match &lookup {
        Lookup::Missing => out.error(
            &file,
            Some(line),
            "script-missing",
            format!("{why}: no script '{}' in {} or {}: heartbeat logs \"Cannot locate resource script {}\", fails the group and gives it up, so nothing after it (the VIP) ever comes up", r.script, heartbeat_config::RESOURCE_DIR, heartbeat_config::INIT_DIR, r.script),
            install_hint(&r.script),
        ),
        Lookup::Unusable(list) => {
            let (path, reason) = &list[0];
            out.error(
                &file,
                Some(line),
                "script-unusable",
                format!("{why}: {} is {reason}, so heartbeat cannot run it (\"Cannot locate resource script {}\") and gives the group up", path.display(), r.script),
                match reason.starts_with("not executable") {
                    true => format!("chmod 755 {}", path.display()),
                    false => install_hint(&r.script),
                },
            )
        }
        Lookup::Found { path, target, agent } => {
            if r.bare_ip && *agent != Some("VIPaddr") {
                out.warning(
                    &file,
                    Some(line),
                    "bare-ip",
                    format!("the bare IP {} runs {}{}, not mfs-ha's VIPaddr: no duplicate-address check, ifconfig aliases", r.written, path.display(), if target != path { format!(" (-> {})", target.display()) } else { String::new() }),
                    format!("install mfs-ha's VIPaddr under that name (scripts/install.sh --as-ipaddr), or write `VIPaddr::{}/<cidr>/<nic>`", r.written),
                );
            }
            if seen.insert(target.display().to_string()) {
                if let Ok(text) = node.read(target) {
                    for d in scripts::lint(node, target, &text, &r.script) {
                        out.push(&node.shown(target), d);
                    }
                }
            }
            if agent.is_some() && !no_agents {
                super::agents::validate(node, cfg, line, r, path, out);
            }
        }
    }
}

fn install_hint(script: &str) -> String {
    match script {
        "Initdrbd" | "mfsmaster" | "VIPaddr" | "mfsmetalogger" | "mfschunkserver" | "mfscgiserv" => {
            format!("install mfs-ha's agents (scripts/install.sh), which links {script} into /etc/ha.d/resource.d")
        }
        "IPaddr" => "install heartbeat's IPaddr (package heartbeat/resource-agents), or mfs-ha's VIPaddr under that name (scripts/install.sh --as-ipaddr)".into(),
        "mfsmaster.sh" | "mfs" => "the MooseFS master's script is named mfsmaster (mfs-ha's agent)".into(),
        s => format!("put an executable script named {s} in /etc/ha.d/resource.d (or /etc/init.d), or correct the name in haresources"),
    }
}
