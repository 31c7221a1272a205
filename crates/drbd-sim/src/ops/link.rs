//! The link between the nodes: the connection handshake, its teardown, resyncs, and the
//! passing of time (slow demotions completing, resync progress).

use super::{new_generation, set_disk};
use crate::model::{Resync, SimState};
use crate::states::{Disk, Role};

/// Starts a resync from `source` to `target` with `left_percent` of the device still to copy
/// (100: a full sync). `rate` overrides the resource's sync rate (`Some(0)` freezes it).
pub fn start_resync(
    st: &mut SimState,
    name: &str,
    source: &str,
    target: &str,
    left_percent: u64,
    rate: Option<u64>,
    now: u64,
) {
    let Some(res) = st.resources.get_mut(name) else {
        return;
    };
    let total = res.config.size_kib;
    let left = total.saturating_mul(left_percent.min(100)) / 100;
    let rate_kib = rate.unwrap_or(res.config.sync_rate_kib);
    res.resync = Some(Resync {
        source: source.to_string(),
        target: target.to_string(),
        total_kib: total,
        left_kib: left,
        rate_kib,
        last_ms: now,
        shown_speed_kib: if rate_kib > 0 { rate_kib } else { 10_240 },
    });
    if let Some(t) = res.node_state.get_mut(target) {
        set_disk(t, Disk::Inconsistent);
    }
    let instant = rate.is_none() && rate_kib == 0;
    if left == 0 || instant {
        finish_resync(st, name);
    }
}

/// Completes the running resync: the target gets the source's data.
pub fn finish_resync(st: &mut SimState, name: &str) {
    let Some(res) = st.resources.get_mut(name) else {
        return;
    };
    let Some(sync) = res.resync.take() else {
        return;
    };
    let source = res.node_state.get(&sync.source).cloned();
    if let (Some(src), Some(t)) = (source, res.node_state.get_mut(&sync.target)) {
        let old = t.gen;
        t.history.push(old);
        t.history.extend(src.history.iter().copied());
        t.history.sort_unstable();
        t.history.dedup();
        t.gen = src.gen;
        set_disk(t, Disk::UpToDate);
    }
}

/// The connection handshake (`drbd_sync_handshake()`, reduced to generations): same data
/// connects, older data resyncs from newer, diverged data is a split brain.
fn handshake(st: &mut SimState, name: &str, now: u64) {
    let Some(res) = st.resources.get(name) else {
        return;
    };
    let (Some(a), Some(b)) = (res.nodes.first().cloned(), res.nodes.get(1).cloned()) else {
        return;
    };
    let (Some(sa), Some(sb)) = (
        res.node_state.get(&a).cloned(),
        res.node_state.get(&b).cloned(),
    ) else {
        return;
    };
    enum Outcome {
        InSync,
        Sync { source: String, target: String },
        SplitBrain,
    }
    let diskless = sa.disk == Disk::Diskless || sb.disk == Disk::Diskless;
    let outcome = if diskless || (sa.disk == Disk::Inconsistent && sb.disk == Disk::Inconsistent) {
        Outcome::InSync
    } else if sa.disk == Disk::Inconsistent {
        Outcome::Sync {
            source: b.clone(),
            target: a.clone(),
        }
    } else if sb.disk == Disk::Inconsistent {
        Outcome::Sync {
            source: a.clone(),
            target: b.clone(),
        }
    } else if sa.gen == sb.gen {
        Outcome::InSync
    } else if sb.knows_gen(sa.gen) || (sa.discard_my_data && !sb.discard_my_data) {
        Outcome::Sync {
            source: b.clone(),
            target: a.clone(),
        }
    } else if sa.knows_gen(sb.gen) || (sb.discard_my_data && !sa.discard_my_data) {
        Outcome::Sync {
            source: a.clone(),
            target: b.clone(),
        }
    } else {
        Outcome::SplitBrain
    };
    let outcome = match outcome {
        // "I shall become SyncTarget, but I am primary!": the kernel drops the connection.
        Outcome::Sync { target, .. }
            if res.node_state.get(&target).map(|t| t.role) == Some(Role::Primary) =>
        {
            Outcome::SplitBrain
        }
        other => other,
    };
    let Some(res) = st.resources.get_mut(name) else {
        return;
    };
    for ns in res.node_state.values_mut() {
        ns.discard_my_data = false;
    }
    match outcome {
        Outcome::SplitBrain => {
            for n in [&a, &b] {
                if let Some(ns) = res.node_state.get_mut(n) {
                    ns.net = false;
                    ns.split_brain = true;
                }
            }
        }
        Outcome::InSync => {
            res.connected = true;
            for n in [&a, &b] {
                if let Some(ns) = res.node_state.get_mut(n) {
                    ns.split_brain = false;
                    ns.md.peer_outdated = false;
                    // D_CONSISTENT and D_OUTDATED vanish when connected (sanitize_state).
                    if matches!(ns.disk, Disk::Consistent | Disk::Outdated) {
                        set_disk(ns, Disk::UpToDate);
                    }
                }
            }
        }
        Outcome::Sync { source, target } => {
            res.connected = true;
            for n in [&a, &b] {
                if let Some(ns) = res.node_state.get_mut(n) {
                    ns.split_brain = false;
                    ns.md.peer_outdated = false;
                }
            }
            if let Some(src) = res.node_state.get_mut(&source) {
                if matches!(src.disk, Disk::Consistent | Disk::Outdated) {
                    set_disk(src, Disk::UpToDate);
                }
            }
            start_resync(st, name, &source, &target, 100, None, now);
        }
    }
}

/// The link went away: abort a resync, remember what we knew of the peer's disk, and let a
/// Primary with good data start a new generation ("lost contact to peer's copy of the data").
fn teardown(st: &mut SimState, name: &str) {
    let Some(res) = st.resources.get_mut(name) else {
        return;
    };
    res.connected = false;
    res.resync = None;
    let disks: Vec<(String, Disk)> = res
        .nodes
        .iter()
        .filter_map(|n| res.node_state.get(n).map(|s| (n.clone(), s.disk)))
        .collect();
    let mut new_gens = Vec::new();
    for (node, _) in &disks {
        let peer_disk = disks
            .iter()
            .find(|(n, _)| n != node)
            .map(|(_, d)| *d)
            .unwrap_or(Disk::DUnknown);
        if let Some(ns) = res.node_state.get_mut(node) {
            if !ns.up {
                continue;
            }
            ns.pdsk_memory = match peer_disk {
                Disk::Outdated | Disk::Inconsistent => peer_disk,
                _ => Disk::DUnknown,
            };
            if ns.role == Role::Primary && ns.disk == Disk::UpToDate {
                new_gens.push(node.clone());
            }
        }
    }
    for node in new_gens {
        new_generation(st, name, &node);
    }
}

/// Brings the link in line with what both nodes want (handshake or teardown).
pub fn reconcile(st: &mut SimState, name: &str, now: u64) {
    let Some(res) = st.resources.get(name) else {
        return;
    };
    let wanted = res.link_wanted();
    if wanted && !res.connected {
        handshake(st, name, now);
    } else if !wanted && res.connected {
        teardown(st, name);
    }
}

/// Lets time pass: pending demotions complete, resyncs progress, links reconcile.
pub fn advance(st: &mut SimState, now: u64) {
    let names: Vec<String> = st.resources.keys().cloned().collect();
    for name in names {
        let mut finished = false;
        if let Some(res) = st.resources.get_mut(&name) {
            for ns in res.node_state.values_mut() {
                if let Some(at) = ns.demote_at_ms {
                    if at <= now {
                        ns.demote_at_ms = None;
                        ns.role = Role::Secondary;
                    }
                }
            }
            if let Some(sync) = res.resync.as_mut() {
                if sync.rate_kib > 0 && now > sync.last_ms {
                    let elapsed = now - sync.last_ms;
                    let done = sync.rate_kib.saturating_mul(elapsed) / 1000;
                    if done > 0 {
                        sync.left_kib = sync.left_kib.saturating_sub(done);
                        sync.last_ms = now;
                    }
                }
                finished = sync.left_kib == 0;
            }
        }
        if finished {
            finish_resync(st, &name);
        }
        super::complete_crashes(st, &name, now);
        reconcile(st, &name, now);
    }
}
