//! The metric families of this node: heartbeat, groups and resources, DRBD, the master and
//! metalogger (from `status`'s reading), and the agents' actions, failovers and refusals
//! (from this node's flight records and ha.log, read like `timeline` reads them).

use std::collections::BTreeMap;

use crate::status::verdict::{Report, Verdict};
use crate::status::vip::VipHolder;
use crate::timeline::event::{Event, What};
use crate::timeline::phases::{self, Trigger};

use super::model::Family;

// Every role and disk state drbd-status knows; a value it does not know is added as it comes.
const ROLES: &[&str] = drbd_status::states::Role::NAMES;
const DISKS: &[&str] = drbd_status::states::DiskState::NAMES;
const CONNECTIONS: [&str; 10] = [
    "StandAlone",
    "Disconnecting",
    "Unconnected",
    "WFConnection",
    "WFReportParams",
    "Connected",
    "SyncSource",
    "SyncTarget",
    "PausedSyncS",
    "PausedSyncT",
];

fn flag(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// One sample per known state (1 for the current one), so an alert can test `== 1`.
fn states(
    f: &mut Family,
    label: &str,
    known: &[&str],
    current: Option<&str>,
    base: &[(&str, &str)],
) {
    let mut all: Vec<&str> = known.to_vec();
    if let Some(c) = current.filter(|c| !known.contains(c)) {
        all.push(c);
    }
    for s in all {
        let mut labels = base.to_vec();
        labels.push((label, s));
        f.add(&labels, flag(current == Some(s)));
    }
}

pub fn status_families(r: &Report, v: &Verdict) -> Vec<Family> {
    let mut out = Vec::new();
    let mut ready = Family::gauge(
        "mfsha_ready_for_failover",
        "1 when status's verdict is OK or WARNING: the peer could take over now.",
    );
    ready.add(&[], flag(v.level <= drbd_status::health::Level::Warning));
    out.push(ready);
    let mut level = Family::gauge(
        "mfsha_status_level",
        "status's verdict as a Nagios code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
    );
    level.add(&[], f64::from(v.level.exit_code()));
    out.push(level);

    let mut hb = Family::gauge(
        "mfsha_heartbeat_up",
        "1 when heartbeat runs on this node (cl_status hbstatus).",
    );
    hb.add(&[], flag(r.heartbeat.running));
    out.push(hb);
    let mut nodes = Family::gauge(
        "mfsha_heartbeat_node_active",
        "1 when heartbeat sees the node active.",
    );
    let mut links = Family::gauge(
        "mfsha_heartbeat_link_up",
        "1 when heartbeat's link to the node is up.",
    );
    for n in &r.heartbeat.nodes {
        nodes.add(&[("node", &n.name)], flag(n.status == "active"));
        for l in &n.links {
            links.add(
                &[("node", &n.name), ("link", &l.name)],
                flag(l.status == "up"),
            );
        }
    }
    out.extend([nodes, links]);

    let mut held = Family::gauge(
        "mfsha_group_held",
        "1 when this node runs every resource of the haresources group (its role: active).",
    );
    let mut running = Family::gauge(
        "mfsha_resource_running",
        "1 when the resource's status says running, as heartbeat's ResourceManager reads it.",
    );
    for g in &r.groups {
        let key = g.group.key.as_str();
        held.add(
            &[("group", key)],
            flag(g.holder.as_deref() == Some(r.node.as_str())),
        );
        for res in &g.group.resources {
            running.add(
                &[("group", key), ("resource", &res.resource)],
                flag(res.running),
            );
        }
    }
    out.extend([held, running]);

    let d = &r.drbd;
    let base = [("resource", d.resource.as_str())];
    let mut up = Family::gauge(
        "mfsha_drbd_status_readable",
        "1 when the DRBD status source could be read.",
    );
    up.add(&base, flag(d.error.is_none()));
    out.push(up);
    if d.error.is_none() {
        let mut role = Family::gauge(
            "mfsha_drbd_role",
            "DRBD role of this node (1 for the current one).",
        );
        states(&mut role, "role", ROLES, d.role.as_deref(), &base);
        let mut peer_role = Family::gauge(
            "mfsha_drbd_peer_role",
            "DRBD role of the peer as this node sees it.",
        );
        states(&mut peer_role, "role", ROLES, d.peer_role.as_deref(), &base);
        let mut disk = Family::gauge(
            "mfsha_drbd_disk_state",
            "DRBD disk state (1 for the current one).",
        );
        states(&mut disk, "state", DISKS, d.disk.as_deref(), &base);
        let mut peer_disk = Family::gauge(
            "mfsha_drbd_peer_disk_state",
            "The peer's DRBD disk state as this node sees it.",
        );
        states(
            &mut peer_disk,
            "state",
            DISKS,
            d.peer_disk.as_deref(),
            &base,
        );
        let mut conn = Family::gauge(
            "mfsha_drbd_connection_state",
            "DRBD connection state (1 for the current one).",
        );
        states(
            &mut conn,
            "state",
            &CONNECTIONS,
            d.connection.as_deref(),
            &base,
        );
        let mut oos = Family::gauge(
            "mfsha_drbd_out_of_sync_bytes",
            "Data not yet in sync with the peer.",
        );
        if let Some(k) = d.out_of_sync_kib {
            oos.add(&base, k as f64 * 1024.0);
        }
        let mut eta = Family::gauge(
            "mfsha_drbd_resync_remaining_seconds",
            "DRBD's estimate of the resync time left.",
        );
        if let Some(s) = d.resync_eta_seconds {
            eta.add(&base, s as f64);
        }
        out.extend([role, peer_role, disk, peer_disk, conn, oos, eta]);
    }

    let mut mounted = Family::gauge(
        "mfsha_filesystem_mounted",
        "1 when the DRBD filesystem is mounted here.",
    );
    mounted.add(
        &[("mount_point", &r.mount.mount_point.display().to_string())],
        flag(r.mount.mounted),
    );
    out.push(mounted);

    if let Some(m) = &r.master {
        let mut mu = Family::gauge(
            "mfsha_master_up",
            "1 when the master answered an INFO request.",
        );
        mu.add(&[("address", &m.asked)], flag(m.answered));
        out.push(mu);
        let mut mv = Family::gauge(
            "mfsha_master_metadata_version",
            "The master's metadata version (the id of the next change).",
        );
        let mut rt = Family::gauge(
            "mfsha_master_info_duration_seconds",
            "How long the INFO request took.",
        );
        let mut cs = Family::gauge(
            "mfsha_master_chunkservers",
            "Chunkservers the master knows, by connection state.",
        );
        let mut cl = Family::gauge(
            "mfsha_master_clients",
            "Client sessions with a live connection.",
        );
        let mut ml = Family::gauge(
            "mfsha_master_metaloggers",
            "Metaloggers connected to the master.",
        );
        if m.answered {
            if let Some(v) = m.metadata_version {
                mv.add(&[], v as f64);
            }
            if let Some(ms) = m.answer_ms {
                rt.add(&[], ms / 1000.0);
            }
            if let (Some(all), Some(conn)) = (m.chunkservers, m.chunkservers_connected) {
                cs.add(&[("state", "connected")], conn as f64);
                cs.add(
                    &[("state", "disconnected")],
                    all.saturating_sub(conn) as f64,
                );
            }
            if let Some(c) = m.clients_connected {
                cl.add(&[], c as f64);
            }
            ml.add(&[], m.metaloggers.len() as f64);
        }
        out.extend([mv, rt, cs, cl, ml]);
    }
    if let Some(ml) = &r.metalogger {
        let mut v = Family::gauge(
            "mfsha_metalogger_metadata_version",
            "The newest metadata version in the local metalogger's files.",
        );
        let mut lag = Family::gauge(
            "mfsha_metalogger_lag_versions",
            "How many changes the local metalogger is behind the master.",
        );
        let path = ml.data_path.display().to_string();
        if let Some(x) = ml.version {
            v.add(&[("data_path", &path)], x as f64);
        }
        if let Some(x) = ml.lag_versions {
            lag.add(&[("data_path", &path)], x as f64);
        }
        out.extend([v, lag]);
    }
    if let (Some(vip), Some(h)) = (&r.vip, &r.vip_holder) {
        let mut f = Family::gauge(
            "mfsha_vip_on_this_node",
            "1 when the virtual IP is on one of this node's interfaces.",
        );
        f.add(
            &[("vip", vip)],
            flag(matches!(h, VipHolder::ThisNode { .. })),
        );
        out.push(f);
    }
    out
}

/// Why a start refused, in a few words fit for a label.
pub fn refusal_reason(reason: &str) -> &'static str {
    let r = reason.to_ascii_lowercase();
    match () {
        _ if r.contains("split brain") => "split_brain",
        _ if r.contains("peer is primary") => "peer_primary",
        _ if r.contains("not uptodate") || r.contains("outdated") || r.contains("inconsistent") => {
            "data_not_uptodate"
        }
        _ if r.contains("starting would lose changes") => "stale_metadata",
        _ if r.contains("already in use") => "vip_in_use",
        _ if r.contains("is not mounted") || r.contains("mounted below") => "not_mounted",
        _ => "other",
    }
}

/// Actions, failovers and refusals from this node's records.
pub fn record_families(node: &str, events: &[Event]) -> Vec<Family> {
    let mut actions = Family::counter(
        "mfsha_agent_actions_total",
        "Agent calls in the flight records on this node, by result.",
    );
    let mut refusals = Family::counter(
        "mfsha_refusals_total",
        "Starts that failed or refused on this node, by reason.",
    );
    let mut last_time = Family::gauge(
        "mfsha_agent_last_action_timestamp_seconds",
        "When the agent's last call of this action started.",
    );
    let mut last_duration = Family::gauge(
        "mfsha_agent_last_action_duration_seconds",
        "How long the agent's last call of this action took.",
    );
    let mut last_code = Family::gauge(
        "mfsha_agent_last_action_exit_code",
        "The exit code of the agent's last call of this action (0 success; status/monitor: 3 or 7 stopped).",
    );
    let mut counts: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    let mut refused: BTreeMap<(String, &'static str), u64> = BTreeMap::new();
    let mut last: BTreeMap<(String, String), (f64, f64, i32)> = BTreeMap::new();
    for e in events.iter().filter(|e| e.source == "flight") {
        let (agent, action, result, code, secs) = match &e.what {
            What::Action {
                agent,
                action,
                result,
                exit_code,
                seconds,
                reason,
                ..
            } => {
                if *exit_code != 0 && action == "start" {
                    let why = refusal_reason(reason.as_deref().unwrap_or(""));
                    *refused.entry((agent.clone(), why)).or_default() += 1;
                }
                (agent, action, result.clone(), *exit_code, *seconds)
            }
            What::Check {
                agent,
                action,
                running,
                exit_code,
                seconds,
                ..
            } => {
                let result = if *running {
                    "running"
                } else if matches!(exit_code, 3 | 7) {
                    "stopped"
                } else {
                    "failed"
                };
                (agent, action, result.to_string(), *exit_code, *seconds)
            }
            _ => continue,
        };
        *counts
            .entry((agent.clone(), action.clone(), result))
            .or_default() += 1;
        let t = e.secs();
        let slot = last
            .entry((agent.clone(), action.clone()))
            .or_insert((t, secs, code));
        if t >= slot.0 {
            *slot = (t, secs, code);
        }
    }
    for ((agent, action, result), n) in &counts {
        actions.add(
            &[("agent", agent), ("action", action), ("result", result)],
            *n as f64,
        );
    }
    for ((agent, why), n) in &refused {
        refusals.add(&[("agent", agent), ("reason", why)], *n as f64);
    }
    for ((agent, action), (t, secs, code)) in &last {
        let l = [("agent", agent.as_str()), ("action", action.as_str())];
        last_time.add(&l, *t);
        last_duration.add(&l, *secs);
        last_code.add(&l, f64::from(*code));
    }
    let mut failovers = Family::counter(
        "mfsha_failovers_total",
        "Transitions in which this node took the group over, by what started them (from ha.log).",
    );
    let mut by_kind: BTreeMap<&str, u64> =
        BTreeMap::from([("peer_dead", 0), ("peer_shutdown", 0), ("standby", 0)]);
    for ep in phases::episodes(events, &phases::Options::default()) {
        let took = ep
            .phases
            .iter()
            .any(|p| p.node.as_deref() == Some(node) && p.name.contains(" start on "));
        let kind = match &ep.trigger {
            Trigger::PeerDead { by, .. } if by == node => "peer_dead",
            Trigger::PeerShutdown { by, .. } if by == node => "peer_shutdown",
            Trigger::Standby { .. } if took => "standby",
            _ => continue,
        };
        *by_kind.entry(kind).or_default() += 1;
    }
    for (kind, n) in by_kind {
        failovers.add(&[("trigger", kind)], n as f64);
    }
    vec![
        actions,
        refusals,
        last_time,
        last_duration,
        last_code,
        failovers,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_reasons_from_the_agents_messages() {
        assert_eq!(
            refusal_reason("refusing to promote r0: the peer is Primary (still after 10 retries)"),
            "peer_primary"
        );
        assert_eq!(
            refusal_reason("refusing to promote r0: local disk is Outdated, not UpToDate"),
            "data_not_uptodate"
        );
        assert_eq!(
            refusal_reason("refusing to promote r0: split brain suspected (StandAlone)"),
            "split_brain"
        );
        assert_eq!(refusal_reason("metadata in /x is at version 5 but this pair has seen version 9 (...): starting would lose changes 5..9."), "stale_metadata");
        assert_eq!(refusal_reason("192.168.8.210 is already in use on eth0 by MAC 02:.. (it answered an ARP probe): not adding it"), "vip_in_use");
        assert_eq!(refusal_reason("disk on fire"), "other");
    }
}
