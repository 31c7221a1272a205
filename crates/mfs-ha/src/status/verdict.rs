//! The one-line verdict: ready to fail over, or why not. Pure: a function of what was read.

use drbd_status::health::Level;

use super::gather::{DrbdState, GroupState, MasterState, MetaloggerState, MountState};
use super::heartbeat::HeartbeatView;
use super::vip::VipHolder;

/// Where a group runs, from the probes here and heartbeat's bookkeeping.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Holding {
    #[serde(flatten)]
    pub group: GroupState,
    /// The node that holds the group: this node (all resources running here), the peer (by
    /// heartbeat's bookkeeping), or none.
    pub holder: Option<String>,
    /// heartbeat's bookkeeping (`rscstatus`) says this node holds it.
    pub books_say_here: Option<bool>,
}

/// Everything `status` read.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Report {
    pub node: String,
    pub peer: Option<String>,
    pub time: String,
    pub media: Vec<String>,
    pub heartbeat: HeartbeatView,
    pub groups: Vec<Holding>,
    pub drbd: DrbdState,
    pub mount: MountState,
    pub master: Option<MasterState>,
    pub metalogger: Option<MetaloggerState>,
    pub vip: Option<String>,
    pub vip_holder: Option<VipHolder>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Verdict {
    pub level: Level,
    /// `ready to fail over` or the most serious reason why not.
    pub summary: String,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Metalogger behind the master by more than this many changes is a warning.
    pub metalogger_lag: u64,
}

struct Findings {
    level: Level,
    reasons: Vec<(Level, String)>,
}

impl Findings {
    fn raise(&mut self, level: Level, reason: String) {
        self.level = self.level.max(level);
        self.reasons.push((level, reason));
    }
}

pub fn judge(r: &Report, limits: Limits) -> Verdict {
    let mut f = Findings {
        level: Level::Ok,
        reasons: Vec::new(),
    };
    heartbeat_findings(r, &mut f);
    let here = r
        .groups
        .iter()
        .any(|g| g.holder.as_deref() == Some(r.node.as_str()));
    group_findings(r, &mut f);
    drbd_findings(&r.drbd, here, &mut f);
    if here && !r.mount.mounted {
        f.raise(
            Level::Critical,
            format!(
                "{} is not mounted on the node that holds the group",
                r.mount.mount_point.display()
            ),
        );
    }
    master_findings(
        r.master.as_ref(),
        r.groups.iter().any(|g| g.holder.is_some()),
        &mut f,
    );
    if let (Some(ml), Some(_)) = (&r.metalogger, &r.master) {
        match ml.lag_versions {
            Some(lag) if lag > limits.metalogger_lag => f.raise(
                Level::Warning,
                format!(
                    "metalogger behind the master by {lag} changes (more than {})",
                    limits.metalogger_lag
                ),
            ),
            None if ml.version.is_none() => f.raise(
                Level::Warning,
                format!("no metalogger data in {}", ml.data_path.display()),
            ),
            _ => {}
        }
    }
    vip_findings(r, here, &mut f);
    // Most serious first, in the order found.
    f.reasons.sort_by_key(|r| std::cmp::Reverse(r.0));
    let reasons: Vec<String> = f.reasons.into_iter().map(|(_, r)| r).collect();
    let summary = match f.level {
        Level::Ok => "ready to fail over".to_string(),
        Level::Warning => format!("ready to fail over, but {}", reasons[0]),
        _ => format!("NOT ready to fail over: {}", reasons[0]),
    };
    Verdict {
        level: f.level,
        summary,
        reasons,
    }
}

fn heartbeat_findings(r: &Report, f: &mut Findings) {
    let hb = &r.heartbeat;
    if !hb.running {
        f.raise(
            Level::Critical,
            format!(
                "heartbeat is not running here ({})",
                hb.error.as_deref().unwrap_or("cl_status hbstatus")
            ),
        );
        return;
    }
    let Some(peer) = &r.peer else {
        f.raise(
            Level::Critical,
            "no peer node in ha.cf or heartbeat's node list".into(),
        );
        return;
    };
    let view = hb.nodes.iter().find(|n| n.name.eq_ignore_ascii_case(peer));
    match view.map(|v| v.status.as_str()) {
        Some("active") => {}
        Some(s) => f.raise(
            Level::Critical,
            format!("peer {peer} is {s}: nothing to fail over to"),
        ),
        None => f.raise(
            Level::Critical,
            format!("heartbeat does not know peer {peer}"),
        ),
    }
    if let Some(v) = view {
        let up = v.links.iter().filter(|l| l.status == "up").count();
        if up == 0 && v.status == "active" {
            f.raise(
                Level::Critical,
                format!("no heartbeat link to {peer} is up"),
            );
        } else if up < 2 {
            f.raise(
                Level::Warning,
                format!(
                    "no heartbeat path redundancy: {up} link(s) up to {peer} ({} configured); \
                     one broken path makes both nodes take the group",
                    r.media.len()
                ),
            );
        }
    }
    if hb.rscstatus.as_deref() == Some("transition") {
        f.raise(
            Level::Warning,
            "heartbeat is moving resources right now (rscstatus transition)".into(),
        );
    }
}

fn group_findings(r: &Report, f: &mut Findings) {
    for g in &r.groups {
        let key = &g.group.key;
        let here = g.group.all_running();
        if !here && !g.group.none_running() {
            let stopped: Vec<&str> = g
                .group
                .resources
                .iter()
                .filter(|x| !x.running)
                .map(|x| x.resource.as_str())
                .collect();
            f.raise(
                Level::Critical,
                format!(
                    "group {key} is half running here: {} not running",
                    stopped.join(", ")
                ),
            );
        } else if g.holder.is_none() && r.heartbeat.running {
            f.raise(Level::Critical, format!("group {key} runs on no node"));
        }
        if let Some(books) = g.books_say_here {
            if books != here && (here || g.group.none_running()) {
                f.raise(
                    Level::Warning,
                    format!(
                        "heartbeat's bookkeeping (rscstatus {}) says group {key} is {}here, the resources say {}",
                        r.heartbeat.rscstatus.as_deref().unwrap_or("?"),
                        if books { "" } else { "not " },
                        if here { "running" } else { "stopped" }
                    ),
                );
            }
        }
    }
}

fn drbd_findings(d: &DrbdState, here: bool, f: &mut Findings) {
    if let Some(e) = &d.error {
        f.raise(Level::Critical, format!("DRBD: {e}"));
        return;
    }
    let r = &d.resource;
    if d.split_brain_suspected {
        f.raise(Level::Critical, format!("DRBD {r}: split brain suspected"));
    }
    if here && d.role.as_deref() != Some("Primary") {
        f.raise(
            Level::Critical,
            format!(
                "DRBD {r} is {} on the node holding the group",
                d.role.as_deref().unwrap_or("?")
            ),
        );
    }
    if d.disk.as_deref() != Some("UpToDate")
        && !matches!(d.connection.as_deref(), Some("SyncTarget"))
    {
        f.raise(
            Level::Critical,
            format!(
                "DRBD {r}: local disk is {}",
                d.disk.as_deref().unwrap_or("?")
            ),
        );
    }
    let syncing = matches!(d.connection.as_deref(), Some("SyncSource" | "SyncTarget"));
    if syncing {
        let eta = d
            .resync_eta_seconds
            .map(|s| format!(", about {}m{:02}s left", s / 60, s % 60))
            .unwrap_or_default();
        let pct = d
            .resync_percent
            .map(|p| format!(" {p:.1}%"))
            .unwrap_or_default();
        f.raise(
            Level::Warning,
            format!("DRBD {r} resyncing{pct}{eta}: the peer cannot take over until it ends"),
        );
    } else if d.connection.as_deref() != Some("Connected") {
        f.raise(
            Level::Critical,
            format!(
                "DRBD {r} is {} (not Connected): the peer's copy is not kept current",
                d.connection.as_deref().unwrap_or("?")
            ),
        );
    } else if d.peer_disk.as_deref() != Some("UpToDate") {
        f.raise(
            Level::Critical,
            format!(
                "DRBD {r}: peer disk is {}, Initdrbd on the peer would refuse to promote",
                d.peer_disk.as_deref().unwrap_or("?")
            ),
        );
    }
}

fn master_findings(m: Option<&MasterState>, held: bool, f: &mut Findings) {
    let Some(m) = m else {
        return;
    };
    if !m.answered {
        if held {
            f.raise(
                Level::Critical,
                format!(
                    "the master does not answer at {}: {}",
                    m.asked,
                    m.error.as_deref().unwrap_or("")
                ),
            );
        }
        return;
    }
    if m.last_save_ok == Some(false) {
        f.raise(
            Level::Warning,
            "the master's last metadata save failed".into(),
        );
    }
    if m.chunkservers_connected == Some(0) {
        f.raise(
            Level::Warning,
            "no chunkserver is connected to the master".into(),
        );
    }
}

fn vip_findings(r: &Report, here: bool, f: &mut Findings) {
    let (Some(vip), Some(h)) = (&r.vip, &r.vip_holder) else {
        return;
    };
    match h {
        VipHolder::ThisNode { .. } if !here => f.raise(
            Level::Critical,
            format!("{vip} is on this node but the group is not held here"),
        ),
        VipHolder::Other { mac, .. } | VipHolder::Neighbour { mac, .. } if here => f.raise(
            Level::Critical,
            format!("another host ({mac}) answers for {vip}, which this node holds"),
        ),
        VipHolder::Nobody { interface } => f.raise(
            Level::Critical,
            format!("nobody answers for {vip} on {interface}"),
        ),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
