//! haresources: node names against ha.cf, group keys, arguments, the DRBD-first order.

use super::Diagnostic;
use crate::haresources::Haresources;

/// haresources on its own and against ha.cf's node names.
pub fn haresources(h: &Haresources, cf_nodes: &[String]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if h.groups.is_empty() {
        out.push(Diagnostic::error(
            "haresources-empty",
            None,
            "no resource group: heartbeat starts but manages nothing".into(),
            "add the group, e.g. `mfs-master Initdrbd mfsmaster 192.168.8.210`".into(),
        ));
    }
    for (i, g) in h.groups.iter().enumerate() {
        if !cf_nodes.is_empty() && !cf_nodes.iter().any(|n| n.eq_ignore_ascii_case(&g.node)) {
            let glued = glued_node(&g.node_written, cf_nodes);
            out.push(Diagnostic::error(
                "haresources-node",
                Some(g.line),
                format!(
                    "node '{}' is not a node in ha.cf ({}): heartbeat exits with \"Bad nodename in haresources\"",
                    g.node_written,
                    cf_nodes.join(", ")
                ),
                match glued {
                    Some(n) => format!("separate the node name from the resource: `{n} {}`", &g.node_written[n.len()..]),
                    None => "start the line with the preferred node's name exactly as in ha.cf's node lines (uname -n)".into(),
                },
            ));
        }
        if g.resources.is_empty() {
            out.push(Diagnostic::error(
                "haresources-empty",
                Some(g.line),
                format!("the group of {} has no resources", g.node_written),
                "list the resources after the node name".into(),
            ));
        }
        if let Some(key) = g.key() {
            if let Some(first) = h.groups[..i].iter().find(|o| o.key() == Some(key)) {
                out.push(Diagnostic::error(
                    "haresources-key",
                    Some(g.line),
                    format!(
                        "the group's first resource '{key}' is also the first of the group on line {}: ResourceManager finds groups by it and mixes them up",
                        first.line
                    ),
                    "make the first resource of every group unique (e.g. give it its arguments)".into(),
                ));
            }
        }
        for r in &g.resources {
            if r.written.contains("::::") || r.written.ends_with("::") {
                out.push(Diagnostic::error(
                    "haresources-args",
                    Some(g.line),
                    format!("'{}' has an empty argument: ResourceManager drops it and every later argument moves one place left", r.written),
                    "fill in the empty argument, or remove the extra `::`".into(),
                ));
            }
        }
        let position = |name: &str| {
            g.resources
                .iter()
                .position(|r| r.script.eq_ignore_ascii_case(name))
        };
        if let (Some(master), Some(disk)) = (
            position("mfsmaster"),
            position("Initdrbd").or(position("drbddisk")),
        ) {
            if master < disk {
                out.push(Diagnostic::error(
                    "haresources-order",
                    Some(g.line),
                    format!("mfsmaster comes before {}: it starts before its data is mounted", g.resources[disk].written),
                    "put the DRBD resource first: `<node> Initdrbd mfsmaster <VIP>` (started left to right, stopped right to left)".into(),
                ));
            }
        }
    }
    out
}

/// `mfs-masterInitdrbd`: a node name with the first resource glued on.
fn glued_node<'a>(written: &str, cf_nodes: &'a [String]) -> Option<&'a str> {
    cf_nodes
        .iter()
        .filter(|n| {
            written.len() > n.len()
                && written
                    .get(..n.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(n))
        })
        .max_by_key(|n| n.len())
        .map(String::as_str)
}
