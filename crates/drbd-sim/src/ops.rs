//! What the simulated kernel does: the requests of drbdsetup (`primary`, `secondary`,
//! `connect`, …), the connection handshake, resync progress and the passing of time.
//!
//! Everything here is a pure function of the state, the caller's node, the current time and
//! whether the device is open; device effects happen afterwards in [`crate::engine`].

use crate::errors::{ConfigError, Failure, StateError};
use crate::model::{NodeState, Resource, SimState, View};
use crate::rules::{check_change, CheckContext};
use crate::states::{Disk, Flavour, Role};

/// The result of a request that did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Changed,
    /// `SS_NOTHING_TO_DO`: already in the requested state.
    Unchanged,
    /// A demotion was started and completes at this time (ms since the epoch).
    DemotionPending(u64),
}

type Outcome = Result<Effect, Failure>;

fn resource<'a>(st: &'a SimState, name: &str) -> Result<&'a Resource, Failure> {
    st.resources
        .get(name)
        .ok_or(Failure::Config(ConfigError::ResNotKnown))
}

pub(crate) fn node_mut<'a>(
    st: &'a mut SimState,
    name: &str,
    node: &str,
) -> Option<&'a mut NodeState> {
    st.resources.get_mut(name)?.node_state.get_mut(node)
}

/// The local view of a node whose resource must be up; `missing` is the error otherwise.
fn up_view(st: &SimState, name: &str, node: &str, missing: ConfigError) -> Result<View, Failure> {
    resource(st, name)?
        .view(node)
        .ok_or(Failure::Config(missing))
}

fn context(res: &Resource, open: bool) -> CheckContext {
    CheckContext {
        allow_two_primaries: res.config.allow_two_primaries,
        fencing: res.config.fencing,
        open,
    }
}

/// Starts a new data generation on `node` (DRBD's "new current UUID").
pub(crate) fn new_generation(st: &mut SimState, name: &str, node: &str) {
    let gen = st.fresh_gen();
    if let Some(ns) = node_mut(st, name, node) {
        let old = ns.gen;
        ns.history.push(old);
        ns.gen = gen;
    }
}

/// Records a disk state in the on-disk meta data, as the kernel's md flags would.
pub(crate) fn set_disk(ns: &mut NodeState, disk: Disk) {
    ns.disk = disk;
    if matches!(
        disk,
        Disk::UpToDate | Disk::Consistent | Disk::Outdated | Disk::Inconsistent
    ) {
        ns.md.disk = disk;
    }
}

/// `drbdsetup primary [--force]`: `drbd_set_role(R_PRIMARY)` of 8.4.
///
/// `SS_TWO_PRIMARIES` is returned as is; the kernel retries it once after the ping timeout,
/// which the caller does (it must release the state lock while waiting).
pub fn promote(
    st: &mut SimState,
    name: &str,
    node: &str,
    force: bool,
    open: bool,
    now: u64,
) -> Outcome {
    let os = up_view(st, name, node, ConfigError::MinorInvalid)?;
    let res = resource(st, name)?;
    if os.role == Role::Primary {
        // Promoting again while a slow demotion is in flight keeps the node Primary.
        let pending = res
            .node_state
            .get(node)
            .and_then(|n| n.demote_at_ms)
            .is_some();
        if pending {
            if let Some(me) = node_mut(st, name, node) {
                me.demote_at_ms = None;
            }
            return Ok(Effect::Changed);
        }
        return Ok(Effect::Unchanged);
    }
    if !res.has_quorum(node) {
        // DRBD 9 refuses this even with --force: forcing past quorum loss is what quorum
        // exists to prevent.
        return Err(StateError::NoQuorum.into());
    }
    let ctx = context(res, open);
    let mut ns = View {
        role: Role::Primary,
        ..os
    };
    let mut forced = false;
    let mut peer_forced_outdated = false;
    let mut verdict = check_change(&os, &ns, &ctx);
    for _ in 0..3 {
        match verdict {
            Err(StateError::NoUpToDateDisk)
                if force && ns.disk < Disk::UpToDate && os.disk >= Disk::Inconsistent =>
            {
                ns.disk = Disk::UpToDate;
                forced = true;
            }
            Err(StateError::PrimaryNop) if force && !peer_forced_outdated => {
                // No fence-peer handler can outdate the peer here: "Forced into split brain".
                ns.pdsk = Disk::Outdated;
                peer_forced_outdated = true;
            }
            _ => break,
        }
        verdict = check_change(&os, &ns, &ctx);
    }
    verdict?;

    let connected = res.connected;
    let peer = res.peer_of(node).map(str::to_string);
    if let Some(me) = node_mut(st, name, node) {
        me.role = Role::Primary;
        me.demote_at_ms = None;
        if forced {
            set_disk(me, Disk::UpToDate);
        }
        if peer_forced_outdated {
            me.pdsk_memory = Disk::Outdated;
            me.md.peer_outdated = true;
        }
    }
    if !connected || forced {
        new_generation(st, name, node);
    }
    if connected && forced {
        if let Some(peer) = peer {
            start_resync(st, name, node, &peer, 100, None, now);
        }
    }
    Ok(Effect::Changed)
}

/// `drbdsetup secondary`. With a demote delay configured the role changes only when the
/// delay has passed (see [`advance`]).
pub fn demote(st: &mut SimState, name: &str, node: &str, open: bool, now: u64) -> Outcome {
    let os = up_view(st, name, node, ConfigError::MinorInvalid)?;
    let res = resource(st, name)?;
    let me = res.node_state.get(node);
    let pending = me.and_then(|m| m.demote_at_ms);
    if os.role == Role::Secondary {
        return Ok(Effect::Unchanged);
    }
    if let Some(at) = pending {
        return Ok(Effect::DemotionPending(at));
    }
    let ns = View {
        role: Role::Secondary,
        ..os
    };
    check_change(&os, &ns, &context(res, open))?;
    let delay = me.map(|m| m.demote_delay_ms).unwrap_or(0);
    let me = node_mut(st, name, node).ok_or(Failure::Config(ConfigError::MinorInvalid))?;
    if delay > 0 {
        let at = now.saturating_add(delay);
        me.demote_at_ms = Some(at);
        return Ok(Effect::DemotionPending(at));
    }
    me.role = Role::Secondary;
    Ok(Effect::Changed)
}

/// `drbdsetup outdate`.
pub fn outdate(st: &mut SimState, name: &str, node: &str, open: bool) -> Outcome {
    let os = up_view(st, name, node, ConfigError::MinorInvalid)?;
    if os.disk == Disk::Outdated {
        return Ok(Effect::Unchanged);
    }
    let res = resource(st, name)?;
    let ns = View {
        disk: Disk::Outdated,
        ..os
    };
    check_change(&os, &ns, &context(res, open))?;
    if let Some(me) = node_mut(st, name, node) {
        set_disk(me, Disk::Outdated);
    }
    Ok(Effect::Changed)
}

/// `drbdmeta … outdate` on a resource that is down: marks the meta data Outdated.
pub fn outdate_meta_data(st: &mut SimState, name: &str, node: &str) -> Outcome {
    let me = node_mut(st, name, node).ok_or(Failure::Config(ConfigError::ResNotKnown))?;
    if me.md.disk == Disk::Inconsistent {
        return Err(Failure::State(StateError::LowerThanOutdated));
    }
    me.md.disk = Disk::Outdated;
    Ok(Effect::Changed)
}

/// The disk state an attach leads to (`drbd_adm_attach()`): the meta data decides, and a
/// Consistent disk counts as UpToDate when fencing does not care or the peer is known outdated.
pub fn attached_disk_state(md_disk: Disk, peer_outdated: bool, res: &Resource) -> Disk {
    match md_disk {
        Disk::UpToDate | Disk::Consistent => {
            if peer_outdated || res.config.fencing == crate::states::Fencing::DontCare {
                Disk::UpToDate
            } else {
                Disk::Consistent
            }
        }
        Disk::Outdated => Disk::Outdated,
        _ => Disk::Inconsistent,
    }
}

/// `drbdadm up`: new-resource, new-minor, attach, connect.
pub fn up(st: &mut SimState, name: &str, node: &str) -> Outcome {
    let res = resource(st, name)?;
    let me = res
        .node_state
        .get(node)
        .ok_or(Failure::Config(ConfigError::ResNotKnown))?;
    if me.up {
        return Err(Failure::Config(ConfigError::DiskConfigured));
    }
    let disk = attached_disk_state(me.md.disk, me.md.peer_outdated, res);
    let me = node_mut(st, name, node).ok_or(Failure::Config(ConfigError::ResNotKnown))?;
    me.up = true;
    me.net = true;
    me.role = Role::Secondary;
    me.disk = disk;
    me.pdsk_memory = if me.md.peer_outdated {
        Disk::Outdated
    } else {
        Disk::DUnknown
    };
    me.demote_at_ms = None;
    Ok(Effect::Changed)
}

/// `drbdsetup down`: demote (refused while open), disconnect, detach, delete the minor.
pub fn down(st: &mut SimState, name: &str, node: &str, open: bool) -> Outcome {
    let res = resource(st, name)?;
    let Some(os) = res.view(node) else {
        return Ok(Effect::Unchanged);
    };
    if os.role == Role::Primary {
        let ns = View {
            role: Role::Secondary,
            ..os
        };
        check_change(&os, &ns, &context(res, open))?;
    }
    // DRBD 9: a Secondary that leaves a Primary gracefully marks itself Outdated and the
    // Primary remembers it, so the Primary keeps its quorum ("last man standing").
    let leaves_primary = st.flavour == Flavour::V9
        && os.role == Role::Secondary
        && os.peer == Role::Primary
        && os.conn >= crate::states::Conn::Connected
        && os.disk == Disk::UpToDate;
    let peer = res.peer_of(node).map(str::to_string);
    if leaves_primary {
        if let Some(me) = node_mut(st, name, node) {
            set_disk(me, Disk::Outdated);
        }
    }
    take_down(st, name, node)?;
    if leaves_primary {
        link::reconcile(st, name, 0);
        if let Some(p) = peer.and_then(|p| node_mut(st, name, &p)) {
            p.pdsk_memory = Disk::Outdated;
        }
    }
    Ok(Effect::Changed)
}

/// The kernel forgets the resource on `node` (no checks: the caller made them or the node died).
fn take_down(st: &mut SimState, name: &str, node: &str) -> Outcome {
    let me = node_mut(st, name, node).ok_or(Failure::Config(ConfigError::ResNotKnown))?;
    me.up = false;
    me.net = false;
    me.role = Role::Secondary;
    me.disk = Disk::Diskless;
    me.demote_at_ms = None;
    me.discard_my_data = false;
    me.crash_at_ms = None;
    Ok(Effect::Changed)
}

/// `drbd-sim crash`: `node` dies without a word to its peer. A connected peer notices only
/// after the resource's `peer_loss_delay_ms` (until then it still sees the dead node's last
/// role and disk); see [`advance`].
pub fn crash(st: &mut SimState, name: &str, node: &str, now: u64) -> Outcome {
    let res = resource(st, name)?;
    let me = res
        .node_state
        .get(node)
        .ok_or(Failure::Config(ConfigError::ResNotKnown))?;
    if !me.up {
        return Ok(Effect::Unchanged);
    }
    let delay = res.config.peer_loss_delay_ms;
    if res.connected && delay > 0 {
        if let Some(me) = node_mut(st, name, node) {
            me.crash_at_ms = Some(me.crash_at_ms.unwrap_or(now.saturating_add(delay)));
        }
        return Ok(Effect::Changed);
    }
    take_down(st, name, node)
}

/// Completes the crashes whose detection delay has passed.
pub(crate) fn complete_crashes(st: &mut SimState, name: &str, now: u64) {
    let due: Vec<String> = match st.resources.get(name) {
        Some(res) => res
            .node_state
            .iter()
            .filter(|(_, n)| n.crash_at_ms.is_some_and(|at| at <= now))
            .map(|(n, _)| n.clone())
            .collect(),
        None => return,
    };
    for node in due {
        let _ = take_down(st, name, &node);
    }
}

/// `drbdsetup connect [--discard-my-data]`.
pub fn connect(st: &mut SimState, name: &str, node: &str, discard_my_data: bool) -> Outcome {
    let os = up_view(st, name, node, ConfigError::ResNotKnown)?;
    let me = resource(st, name)?
        .node_state
        .get(node)
        .ok_or(Failure::Config(ConfigError::ResNotKnown))?;
    if me.net {
        return Err(Failure::Config(ConfigError::NetConfigured));
    }
    if discard_my_data && os.role == Role::Primary {
        return Err(Failure::Config(ConfigError::DiscardImpossible));
    }
    let me = node_mut(st, name, node).ok_or(Failure::Config(ConfigError::ResNotKnown))?;
    me.net = true;
    me.discard_my_data = discard_my_data;
    Ok(Effect::Changed)
}

/// `drbdsetup disconnect`; a StandAlone device is already disconnected (success).
pub fn disconnect(st: &mut SimState, name: &str, node: &str) -> Outcome {
    up_view(st, name, node, ConfigError::ResNotKnown)?;
    let me = node_mut(st, name, node).ok_or(Failure::Config(ConfigError::ResNotKnown))?;
    if !me.net {
        return Ok(Effect::Unchanged);
    }
    me.net = false;
    Ok(Effect::Changed)
}

/// Test control: both nodes write while apart, so their data diverges; a connected pair
/// detects it at once and both go StandAlone.
pub fn split_brain(st: &mut SimState, name: &str) -> Outcome {
    let nodes = resource(st, name)?.nodes.clone();
    for n in &nodes {
        new_generation(st, name, n);
    }
    let connected = resource(st, name)?.connected;
    if connected {
        if let Some(res) = st.resources.get_mut(name) {
            res.connected = false;
            res.resync = None;
            for n in &nodes {
                if let Some(ns) = res.node_state.get_mut(n) {
                    ns.net = false;
                    ns.split_brain = true;
                    ns.pdsk_memory = Disk::DUnknown;
                }
            }
        }
    }
    Ok(Effect::Changed)
}

/// Test control: makes `node` Primary without any check (a peer that is Primary already).
pub fn make_primary(st: &mut SimState, name: &str, node: &str) -> Outcome {
    let res = resource(st, name)?;
    let me = res
        .node_state
        .get(node)
        .ok_or(Failure::Config(ConfigError::ResNotKnown))?;
    if !me.up {
        return Err(Failure::Config(ConfigError::MinorInvalid));
    }
    if me.role == Role::Primary && me.demote_at_ms.is_none() {
        return Ok(Effect::Unchanged);
    }
    let connected = res.connected;
    if let Some(me) = node_mut(st, name, node) {
        me.role = Role::Primary;
        me.demote_at_ms = None;
    }
    if !connected {
        new_generation(st, name, node);
    }
    Ok(Effect::Changed)
}

/// Test control: sets a node's disk state (or, when down, what its meta data says).
pub fn force_disk(st: &mut SimState, name: &str, node: &str, disk: Disk) -> Outcome {
    let res = st
        .resources
        .get_mut(name)
        .ok_or(Failure::Config(ConfigError::ResNotKnown))?;
    let involved = res
        .resync
        .as_ref()
        .map(|r| r.source == node || r.target == node)
        .unwrap_or(false);
    let me = res
        .node_state
        .get_mut(node)
        .ok_or(Failure::Config(ConfigError::ResNotKnown))?;
    if me.up {
        set_disk(me, disk);
        if involved && disk == Disk::UpToDate {
            res.resync = None;
        }
    } else if disk != Disk::Diskless {
        me.md.disk = disk;
    }
    Ok(Effect::Changed)
}

mod link;
pub use link::{advance, finish_resync, reconcile, start_resync};

#[cfg(test)]
mod tests;
