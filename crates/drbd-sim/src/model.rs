//! The simulator's state: what the shared JSON state file holds.
//!
//! One [`SimState`] holds every simulated resource; each [`Resource`] holds its static
//! configuration and the per-node "kernel" state ([`NodeState`]). What a node's DRBD would
//! report (`cs`, `ro`, `ds`, …) is not stored but derived by [`Resource::view`], so both
//! nodes always see one consistent connection.

use crate::states::{Conn, Disk, Fencing, Flavour, Quorum, Role};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the state file layout.
pub const STATE_VERSION: u32 = 1;

/// Everything the simulator knows; serialised as `$DRBD_SIM_DIR/state.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimState {
    pub version: u32,
    /// The drbd-utils/kernel combination every node imitates.
    pub flavour: Flavour,
    /// Source of fresh data generations (the simulator's stand-in for DRBD UUIDs).
    pub next_gen: u64,
    pub resources: BTreeMap<String, Resource>,
}

impl Default for SimState {
    fn default() -> Self {
        SimState {
            version: STATE_VERSION,
            flavour: Flavour::V84,
            next_gen: 1,
            resources: BTreeMap::new(),
        }
    }
}

impl SimState {
    /// Hands out a new data generation.
    pub fn fresh_gen(&mut self) -> u64 {
        let gen = self.next_gen;
        self.next_gen = self.next_gen.saturating_add(1);
        gen
    }

    /// The resource whose name or minor (`minor-N`, `N`, `/dev/drbdN`) is `id`.
    pub fn find(&self, id: &str) -> Option<&Resource> {
        if let Some(r) = self.resources.get(id) {
            return Some(r);
        }
        let minor = parse_minor_id(id)?;
        self.resources.values().find(|r| r.minor == minor)
    }

    /// Name of the resource [`SimState::find`] would return.
    pub fn find_name(&self, id: &str) -> Option<String> {
        self.find(id).map(|r| r.name.clone())
    }
}

/// Parses `1`, `minor-1` or `/dev/drbd1` into a minor number.
pub fn parse_minor_id(id: &str) -> Option<u32> {
    let digits = id
        .strip_prefix("minor-")
        .or_else(|| id.strip_prefix("/dev/drbd"))
        .unwrap_or(id);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Static configuration of a resource (what `drbd.conf` would say).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceConfig {
    /// `net { allow-two-primaries; }`.
    pub allow_two_primaries: bool,
    pub fencing: Fencing,
    /// `ping-timeout` in tenths of a second (kernel default 5); a promotion refused because the
    /// peer is Primary is retried once after `(ping_timeo + 1) / 10` seconds.
    pub ping_timeo_ds: u32,
    /// Resync speed in KiB/s; 0 finishes every resync at once.
    pub sync_rate_kib: u64,
    /// Device path; `{node}` and `{minor}` are substituted.
    pub device: String,
    /// The replicated disk: an image file both nodes share (through one loop device each).
    pub image: String,
    pub size_kib: u64,
    /// Node → `address:port`, for connect command lines and `sh-ip`.
    pub addresses: BTreeMap<String, String>,
    /// Whether to create real loop devices and device nodes (needs root).
    pub real_devices: bool,
    /// `handlers { fence-peer ...; }`: the handler's argv (run without a shell), empty if none.
    #[serde(default)]
    pub fence_peer: Vec<String>,
    /// DRBD 9's quorum policy (ignored by the 8.x flavours, which have none).
    #[serde(default)]
    pub quorum: Quorum,
    /// How long a node takes to notice that its connected peer died (`drbd-sim crash`): the
    /// ping-timeout/ko-count detection of a real kernel. 0: at once.
    #[serde(default)]
    pub peer_loss_delay_ms: u64,
}

/// A running resync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resync {
    pub source: String,
    pub target: String,
    pub total_kib: u64,
    pub left_kib: u64,
    /// KiB/s; 0 means "frozen" (moves only when told to).
    pub rate_kib: u64,
    pub last_ms: u64,
    /// Speed shown in `/proc/drbd` (KiB/s).
    pub shown_speed_kib: u64,
}

/// A loop device and device node created for one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedDevice {
    pub loop_path: String,
    pub major: u32,
    pub minor: u32,
    /// The block device node created with mknod (the configured device path).
    pub node_path: String,
    pub node_created: bool,
}

/// DRBD's on-disk meta data flags, reduced to what changes behaviour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaData {
    /// Consistent + was-up-to-date (`UpToDate`), consistent only (`Outdated`) or `Inconsistent`.
    pub disk: Disk,
    /// `MDF_PEER_OUT_DATED`: we know the peer's data is outdated.
    pub peer_outdated: bool,
}

/// I/O counters of `/proc/drbd` (KiB unless noted).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    pub ns: u64,
    pub nr: u64,
    pub dw: u64,
    pub dr: u64,
    pub al: u64,
    pub bm: u64,
}

/// One node's DRBD for one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeState {
    /// Resource configured in the kernel (`drbdadm up` done, `down` not).
    pub up: bool,
    /// Network configured (`connect` done): false is StandAlone.
    pub net: bool,
    pub role: Role,
    /// Local disk state while up.
    pub disk: Disk,
    pub md: MetaData,
    /// Current data generation and the ones it descends from.
    pub gen: u64,
    pub history: Vec<u64>,
    /// Peer disk state remembered while not connected (DUnknown, Outdated or Inconsistent).
    pub pdsk_memory: Disk,
    /// The last connect found diverged data.
    pub split_brain: bool,
    /// `connect --discard-my-data` was given: lose a split brain to the peer.
    pub discard_my_data: bool,
    /// A demotion takes this long (to reproduce the promotion race of a slow peer).
    pub demote_delay_ms: u64,
    /// A demotion in flight completes at this time (ms since the epoch).
    pub demote_at_ms: Option<u64>,
    /// Tests may declare the device open without a real holder.
    pub forced_open: bool,
    /// The node died (`drbd-sim crash`); its peer notices at this time (ms since the epoch).
    #[serde(default)]
    pub crash_at_ms: Option<u64>,
    pub counters: Counters,
    pub device: Option<AttachedDevice>,
}

impl NodeState {
    /// A node that is configured in drbd.conf but not up, its meta data saying `md_disk`.
    pub fn new(md_disk: Disk, gen: u64) -> NodeState {
        NodeState {
            up: false,
            net: false,
            role: Role::Secondary,
            disk: Disk::Diskless,
            md: MetaData {
                disk: md_disk,
                peer_outdated: false,
            },
            gen,
            history: Vec::new(),
            pdsk_memory: Disk::DUnknown,
            split_brain: false,
            discard_my_data: false,
            demote_delay_ms: 0,
            demote_at_ms: None,
            forced_open: false,
            crash_at_ms: None,
            counters: Counters::default(),
            device: None,
        }
    }

    /// The current generation or one this node's data descends from.
    pub fn knows_gen(&self, gen: u64) -> bool {
        self.gen == gen || self.history.contains(&gen)
    }
}

/// One simulated resource shared by its nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub name: String,
    pub minor: u32,
    pub nodes: Vec<String>,
    pub config: ResourceConfig,
    /// The test harness cut the replication link.
    pub partitioned: bool,
    /// The link was up at the last reconciliation.
    pub connected: bool,
    pub resync: Option<Resync>,
    pub node_state: BTreeMap<String, NodeState>,
    pub image_created: bool,
}

/// What one node's DRBD reports for a resource: the 8.4 `union drbd_state` plus the open count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct View {
    pub role: Role,
    pub peer: Role,
    pub conn: Conn,
    pub disk: Disk,
    pub pdsk: Disk,
    pub susp: bool,
}

impl Resource {
    /// The other node of a two-node resource (the first other node with more).
    pub fn peer_of(&self, node: &str) -> Option<&str> {
        self.nodes.iter().map(String::as_str).find(|n| *n != node)
    }

    /// Whether `node` is one of the resource's nodes.
    pub fn has_node(&self, node: &str) -> bool {
        self.nodes.iter().any(|n| n == node)
    }

    /// The device path of `node`.
    pub fn device_path(&self, node: &str) -> String {
        self.config
            .device
            .replace("{node}", node)
            .replace("{minor}", &self.minor.to_string())
    }

    /// Whether both nodes want the link and nothing cuts it.
    pub fn link_wanted(&self) -> bool {
        if self.partitioned || self.nodes.len() < 2 {
            return false;
        }
        self.nodes.iter().all(|n| {
            self.node_state
                .get(n)
                .map(|s| s.up && s.net)
                .unwrap_or(false)
        })
    }

    /// What `node` reports, or `None` when the resource is not up there.
    pub fn view(&self, node: &str) -> Option<View> {
        let me = self.node_state.get(node)?;
        if !me.up {
            return None;
        }
        let peer = self.peer_of(node).and_then(|p| self.node_state.get(p));
        let (conn, peer_role, pdsk) = match peer {
            Some(p) if self.connected => {
                let conn = match &self.resync {
                    Some(r) if r.source == node => Conn::SyncSource,
                    Some(r) if r.target == node => Conn::SyncTarget,
                    _ => Conn::Connected,
                };
                (conn, p.role, p.disk)
            }
            _ if !me.net => (Conn::StandAlone, Role::Unknown, me.pdsk_memory),
            _ => (Conn::WFConnection, Role::Unknown, me.pdsk_memory),
        };
        // sanitize_state(): with resource-and-stonith a Primary that lost its peer freezes I/O
        // until the peer is known outdated (the fence-peer handler said so).
        let susp = self.config.fencing == Fencing::ResourceAndStonith
            && me.role == Role::Primary
            && conn < Conn::Connected
            && pdsk > Disk::Outdated;
        Some(View {
            role: me.role,
            peer: peer_role,
            conn,
            disk: me.disk,
            pdsk,
            susp,
        })
    }

    /// DRBD 9 quorum of `node` (always true without a quorum policy, which only the DRBD 9
    /// flavour accepts): connected, or the peer is known to hold no current data.
    pub fn has_quorum(&self, node: &str) -> bool {
        if self.config.quorum == Quorum::Off {
            return true;
        }
        match self.view(node) {
            Some(v) => {
                v.conn >= Conn::Connected || matches!(v.pdsk, Disk::Outdated | Disk::Inconsistent)
            }
            None => false,
        }
    }

    /// Out-of-sync KiB as seen by `node` (the running resync's remainder, else 0).
    pub fn oos_kib(&self, node: &str) -> u64 {
        match &self.resync {
            Some(r) if self.connected && (r.source == node || r.target == node) => r.left_kib,
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_minor_ids_like_drbdadm() {
        assert_eq!(parse_minor_id("1"), Some(1));
        assert_eq!(parse_minor_id("minor-12"), Some(12));
        assert_eq!(parse_minor_id("/dev/drbd3"), Some(3));
        assert_eq!(parse_minor_id("r0"), None);
        assert_eq!(parse_minor_id(""), None);
        assert_eq!(parse_minor_id("minor-"), None);
        assert_eq!(parse_minor_id("99999999999999999999"), None);
    }
}
