//! `status` as one screen, as JSON, and as a Nagios plugin line.

use drbd_status::health::Level;

use super::gather::{DrbdState, MasterState};
use super::verdict::{Report, Verdict};
use super::vip::VipHolder;

fn yes(b: bool, y: &str, n: &str) -> String {
    if b { y } else { n }.to_string()
}

fn drbd_line(d: &DrbdState) -> String {
    if let Some(e) = &d.error {
        return format!("{} — {e}", d.resource);
    }
    let q = |o: &Option<String>| o.clone().unwrap_or_else(|| "?".into());
    let mut s = format!(
        "{} {}/{} {}/{} {}",
        d.resource,
        q(&d.role),
        q(&d.peer_role),
        q(&d.disk),
        q(&d.peer_disk),
        q(&d.connection)
    );
    if let Some(oos) = d.out_of_sync_kib.filter(|k| *k > 0) {
        s.push_str(&format!(", out of sync {oos} KiB"));
    }
    if let Some(p) = d.resync_percent {
        s.push_str(&format!(", resync {p:.1}%"));
        if let Some(eta) = d.resync_eta_seconds {
            s.push_str(&format!(" (ETA {}m{:02}s)", eta / 60, eta % 60));
        }
    }
    s.push_str(&format!(" [{}]", d.source.display()));
    s
}

fn master_line(m: &MasterState) -> String {
    if !m.answered {
        return format!(
            "no answer at {}: {}",
            m.asked,
            m.error.as_deref().unwrap_or("")
        );
    }
    let n = |o: Option<usize>| o.map(|v| v.to_string()).unwrap_or_else(|| "?".into());
    format!(
        "{} answers at {} in {:.1} ms: metadata version {}, chunkservers {}/{} connected, clients {}, metaloggers [{}]",
        m.version.as_deref().unwrap_or("?"),
        m.asked,
        m.answer_ms.unwrap_or(0.0),
        m.metadata_version.map(|v| v.to_string()).unwrap_or_else(|| "?".into()),
        n(m.chunkservers_connected),
        n(m.chunkservers),
        n(m.clients_connected),
        m.metaloggers.join(", ")
    )
}

fn vip_line(vip: &str, h: &VipHolder) -> String {
    match h {
        VipHolder::ThisNode { interface, mac } => {
            format!("{vip} on this node ({interface}, {mac})")
        }
        VipHolder::Other { interface, mac } => {
            format!("{vip} answered by {mac} (ARP probe on {interface})")
        }
        VipHolder::Neighbour { interface, mac } => {
            format!("{vip} at {mac} in the neighbour table of {interface} (not probed)")
        }
        VipHolder::Nobody { interface } => {
            format!("{vip}: nobody answers (ARP probe on {interface})")
        }
        VipHolder::Unknown { reason } => format!("{vip}: {reason}"),
    }
}

pub fn text(r: &Report, v: &Verdict) -> String {
    let mut o = String::new();
    let mut line = |k: &str, val: String| o.push_str(&format!("{k:<11} {val}\n"));
    line(
        "node",
        format!(
            "{} (peer {}), {}",
            r.node,
            r.peer.as_deref().unwrap_or("?"),
            r.time
        ),
    );
    let hb = &r.heartbeat;
    if hb.running {
        let nodes: Vec<String> = hb
            .nodes
            .iter()
            .map(|n| {
                let links: Vec<String> = n
                    .links
                    .iter()
                    .map(|l| format!("{} {}", l.name, l.status))
                    .collect();
                format!("{} {} [{}]", n.name, n.status, links.join(", "))
            })
            .collect();
        line(
            "heartbeat",
            format!(
                "running; rscstatus {}; {}",
                hb.rscstatus.as_deref().unwrap_or("?"),
                nodes.join("; ")
            ),
        );
    } else {
        line(
            "heartbeat",
            format!("NOT running: {}", hb.error.as_deref().unwrap_or("")),
        );
    }
    for g in &r.groups {
        line(
            "group",
            format!(
                "{} (prefers {}): held by {}",
                g.group.key,
                g.group.preferred_node,
                g.holder.as_deref().unwrap_or("no node")
            ),
        );
        for res in &g.group.resources {
            line(
                "",
                format!(
                    "  {:<22} {:<11} {}",
                    res.resource,
                    yes(res.running, "running", "not running"),
                    res.said
                ),
            );
        }
    }
    line("drbd", drbd_line(&r.drbd));
    line(
        "mount",
        match (&r.mount.source, &r.mount.fstype) {
            (Some(s), Some(t)) => format!("{} on {} ({t})", s, r.mount.mount_point.display()),
            _ => format!("{} not mounted", r.mount.mount_point.display()),
        },
    );
    if let Some(m) = &r.master {
        line("master", master_line(m));
    }
    if let Some(ml) = &r.metalogger {
        line(
            "metalogger",
            match (ml.version, ml.lag_versions) {
                (Some(v), Some(lag)) => format!(
                    "{} at version {v}, {lag} behind the master",
                    ml.data_path.display()
                ),
                (Some(v), None) => format!("{} at version {v}", ml.data_path.display()),
                _ => format!("{}: no metadata files", ml.data_path.display()),
            },
        );
    }
    if let (Some(vip), Some(h)) = (&r.vip, &r.vip_holder) {
        line("vip", vip_line(vip, h));
    }
    for n in &r.notes {
        line("note", n.clone());
    }
    o.push_str(&format!("\n{}: {}\n", v.level.as_str(), v.summary));
    for reason in v.reasons.iter().skip(1) {
        o.push_str(&format!("  also: {reason}\n"));
    }
    o
}

/// `MFS-HA WARNING - ready to fail over, but …|perfdata`, then the other reasons.
pub fn nagios(r: &Report, v: &Verdict) -> String {
    let mut perf = Vec::new();
    if let Some(m) = r.master.as_ref().filter(|m| m.answered) {
        if let Some(mv) = m.metadata_version {
            perf.push(format!("metadata_version={mv}c"));
        }
        if let Some(c) = m.chunkservers_connected {
            perf.push(format!("chunkservers={c}"));
        }
        if let Some(c) = m.clients_connected {
            perf.push(format!("clients={c}"));
        }
    }
    if let Some(lag) = r.metalogger.as_ref().and_then(|m| m.lag_versions) {
        perf.push(format!("metalogger_lag={lag}"));
    }
    if let Some(oos) = r.drbd.out_of_sync_kib {
        perf.push(format!("drbd_out_of_sync={oos}KB"));
    }
    let mut s = format!("MFS-HA {} - {}", v.level.as_str(), v.summary);
    if !perf.is_empty() {
        s.push('|');
        s.push_str(&perf.join(" "));
    }
    s.push('\n');
    for reason in v.reasons.iter().skip(1) {
        s.push_str(reason);
        s.push('\n');
    }
    s
}

pub fn exit_of(level: Level) -> crate::Exit {
    match level {
        Level::Ok => crate::Exit::Clean,
        Level::Warning => crate::Exit::Warnings,
        Level::Critical => crate::Exit::Errors,
        Level::Unknown => crate::Exit::CouldNotCheck,
    }
}
