//! Declaring simulated resources (`drbd-sim init`).

use crate::model::{NodeState, Resource, ResourceConfig, SimState};
use crate::states::{Disk, Fencing, Quorum};
use anyhow::{bail, Result};
use std::collections::BTreeMap;

/// What `drbd-sim init` declares for one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSpec {
    pub name: String,
    pub minor: u32,
    pub nodes: Vec<String>,
    /// Device path template (`{node}`, `{minor}`).
    pub device: String,
    pub image: String,
    pub size_kib: u64,
    pub allow_two_primaries: bool,
    pub fencing: Fencing,
    pub ping_timeo_ds: u32,
    pub sync_rate_kib: u64,
    pub addresses: BTreeMap<String, String>,
    pub real_devices: bool,
    /// What every node's meta data says initially (UpToDate: after the initial sync).
    pub md_disk: Disk,
    /// The fence-peer handler's argv (empty: none).
    pub fence_peer: Vec<String>,
    pub quorum: Quorum,
    pub peer_loss_delay_ms: u64,
}

impl ResourceSpec {
    /// A two-node resource with kernel defaults and no real devices (for tests).
    pub fn simple(name: &str, minor: u32, nodes: &[&str]) -> ResourceSpec {
        ResourceSpec {
            name: name.to_string(),
            minor,
            nodes: nodes.iter().map(|n| n.to_string()).collect(),
            device: "/dev/drbd{minor}".to_string(),
            image: format!("/nonexistent/{name}.img"),
            size_kib: 65_536,
            allow_two_primaries: false,
            fencing: Fencing::DontCare,
            ping_timeo_ds: 5,
            sync_rate_kib: 0,
            addresses: BTreeMap::new(),
            real_devices: false,
            md_disk: Disk::UpToDate,
            fence_peer: Vec::new(),
            quorum: Quorum::Off,
            peer_loss_delay_ms: 0,
        }
    }
}

/// The `address:port` a node gets when none is given (one port per resource).
pub fn default_address(index: usize, minor: u32) -> String {
    let host = index.saturating_add(1).min(254);
    let port = 7788u32.saturating_add(minor);
    format!("127.0.0.{host}:{port}")
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Adds a resource to the state, refusing duplicates and nonsense.
pub fn add_resource(st: &mut SimState, spec: ResourceSpec) -> Result<()> {
    if !valid_name(&spec.name) {
        bail!(
            "resource name {:?} is not valid (use letters, digits, '-', '_', '.')",
            spec.name
        );
    }
    if st.resources.contains_key(&spec.name) {
        bail!(
            "resource {} is already declared; run `drbd-sim destroy` first",
            spec.name
        );
    }
    if let Some(other) = st.resources.values().find(|r| r.minor == spec.minor) {
        bail!(
            "minor {} is already used by resource {}",
            spec.minor,
            other.name
        );
    }
    if spec.nodes.len() != 2 {
        bail!(
            "a resource needs exactly two nodes (got {}); DRBD 8.4 pairs two nodes",
            spec.nodes.len()
        );
    }
    if spec.nodes.first() == spec.nodes.get(1) {
        bail!("the two nodes must have different names");
    }
    if let Some(bad) = spec.nodes.iter().find(|n| !valid_name(n)) {
        bail!("node name {bad:?} is not valid (use letters, digits, '-', '_', '.')");
    }
    if !matches!(
        spec.md_disk,
        Disk::UpToDate | Disk::Consistent | Disk::Outdated | Disk::Inconsistent
    ) {
        bail!(
            "initial disk state must be UpToDate, Consistent, Outdated or Inconsistent, not {}",
            spec.md_disk
        );
    }
    let gen = st.fresh_gen();
    let mut addresses = spec.addresses.clone();
    for (i, n) in spec.nodes.iter().enumerate() {
        addresses
            .entry(n.clone())
            .or_insert_with(|| default_address(i, spec.minor));
    }
    let node_state = spec
        .nodes
        .iter()
        .map(|n| (n.clone(), NodeState::new(spec.md_disk, gen)))
        .collect();
    let res = Resource {
        name: spec.name.clone(),
        minor: spec.minor,
        nodes: spec.nodes.clone(),
        config: ResourceConfig {
            allow_two_primaries: spec.allow_two_primaries,
            fencing: spec.fencing,
            ping_timeo_ds: spec.ping_timeo_ds,
            sync_rate_kib: spec.sync_rate_kib,
            device: spec.device,
            image: spec.image,
            size_kib: spec.size_kib,
            addresses,
            real_devices: spec.real_devices,
            fence_peer: spec.fence_peer,
            quorum: spec.quorum,
            peer_loss_delay_ms: spec.peer_loss_delay_ms,
        },
        partitioned: false,
        connected: false,
        resync: None,
        node_state,
        image_created: false,
    };
    st.resources.insert(spec.name, res);
    Ok(())
}

/// Parses a size like `64M`, `1G`, `512K` or a plain number of bytes into KiB.
pub fn parse_size_kib(text: &str) -> Result<u64> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (t.get(..i).unwrap_or(""), t.get(i..).unwrap_or("")),
        None => (t, ""),
    };
    let n: u64 = digits.parse().map_err(|_| {
        anyhow::anyhow!("size {text:?} is not a number with an optional K/M/G unit")
    })?;
    let kib = match unit
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => n / 1024,
        "K" => n,
        "M" => n.saturating_mul(1024),
        "G" => n.saturating_mul(1024 * 1024),
        _ => bail!("size {text:?} has an unknown unit (use K, M or G)"),
    };
    if kib < 1024 {
        bail!("size {text:?} is too small: at least 1M is needed for a file system");
    }
    Ok(kib)
}

/// Creates a node-less copy of the resource names, for listing.
pub fn resource_names(st: &SimState) -> Vec<String> {
    let mut v: Vec<&Resource> = st.resources.values().collect();
    v.sort_by_key(|r| r.minor);
    v.into_iter().map(|r| r.name.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes_with_binary_units() {
        assert_eq!(parse_size_kib("64M").ok(), Some(65_536));
        assert_eq!(parse_size_kib("1G").ok(), Some(1_048_576));
        assert_eq!(parse_size_kib("2048K").ok(), Some(2048));
        assert_eq!(parse_size_kib("64MiB").ok(), Some(65_536));
        assert!(parse_size_kib("12X").is_err());
        assert!(parse_size_kib("").is_err());
        assert!(parse_size_kib("1K").is_err());
        assert!(parse_size_kib("99999999999999999999999M").is_err());
    }

    #[test]
    fn refuses_duplicate_resources_and_minors() {
        let mut st = SimState::default();
        assert!(add_resource(&mut st, ResourceSpec::simple("r0", 1, &["a", "b"])).is_ok());
        assert!(add_resource(&mut st, ResourceSpec::simple("r0", 2, &["a", "b"])).is_err());
        assert!(add_resource(&mut st, ResourceSpec::simple("r1", 1, &["a", "b"])).is_err());
        assert!(add_resource(&mut st, ResourceSpec::simple("r1", 2, &["a", "b"])).is_ok());
    }

    #[test]
    fn refuses_odd_node_lists() {
        let mut st = SimState::default();
        assert!(add_resource(&mut st, ResourceSpec::simple("r0", 1, &["a"])).is_err());
        assert!(add_resource(&mut st, ResourceSpec::simple("r0", 1, &["a", "a"])).is_err());
        assert!(add_resource(&mut st, ResourceSpec::simple("r0", 1, &["a", "b c"])).is_err());
        assert!(add_resource(&mut st, ResourceSpec::simple("r/0", 1, &["a", "b"])).is_err());
    }

    #[test]
    fn gives_every_node_an_address() {
        let mut st = SimState::default();
        assert!(add_resource(&mut st, ResourceSpec::simple("r0", 1, &["a", "b"])).is_ok());
        let res = st.resources.get("r0").cloned();
        let addrs = res.map(|r| r.config.addresses).unwrap_or_default();
        assert_eq!(addrs.get("a").map(String::as_str), Some("127.0.0.1:7789"));
        assert_eq!(addrs.get("b").map(String::as_str), Some("127.0.0.2:7789"));
    }
}
