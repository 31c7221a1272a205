//! `drbdadm status` / `drbdsetup status [--verbose] [--statistics]` of DRBD 9 (and of
//! drbd-utils' 8.4 emulation), as printed by drbd-utils 8.9 … 9.3x.
//!
//! Parsing runs in two steps: `outline` turns lines into objects (resource, device,
//! connection, peer device) each with its `key:value` tokens, whatever the wrapping; then
//! `fields` reads the tokens of each object into the typed document below, keeping raw
//! values and reporting odd ones. [`StatusText::to_status`] maps the document to the shared model.

mod convert;
mod fields;
mod outline;
mod values;

#[cfg(test)]
mod tests;

use crate::diag::{Diagnostic, ParseError, Parsed};
use crate::states::{ConnectionState, DiskState, ReplicationState, Role};
use serde::Serialize;
use std::collections::BTreeMap;

pub use values::{Flag, Stat};

/// A whole `drbdadm status` document: the resources in the order printed.
///
/// `# No currently configured DRBD found.` is a valid document with no resources.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusText {
    pub resources: Vec<Resource>,
}

/// A resource line (indent 0) and its continuation lines.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resource {
    pub name: String,
    /// 1-based line of the resource line.
    pub line: usize,
    /// `node-id:` (verbose only).
    pub node_id: Option<i64>,
    /// `None` when the line has no `role:` (an error).
    pub role: Option<Role>,
    /// Raw `suspended:` value: `no` or a comma list of `user,no-data,fencing,quorum`.
    pub suspended: Option<String>,
    pub force_io_failures: Option<Flag>,
    /// `write-ordering:` (`--verbose --statistics`): `none`, `drain`, `flush` or `barrier`.
    pub write_ordering: Option<String>,
    pub unknown_keys: BTreeMap<String, String>,
    pub devices: Vec<Device>,
    pub connections: Vec<Connection>,
}

/// A local volume (indent 2).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Device {
    pub line: usize,
    /// Volume number; 0 when not printed (single-volume resource, non-verbose).
    pub volume: u32,
    pub volume_printed: bool,
    pub minor: Option<u32>,
    /// `None` when the line has no `disk:` (an error).
    pub disk: Option<DiskState>,
    /// `yes`, `no` or `unknown`.
    pub client: Option<Flag>,
    pub backing_dev: Option<String>,
    pub quorum: Option<Flag>,
    /// `yes`, `no` or `unknown`.
    pub open: Option<Flag>,
    pub al_suspended: Option<Flag>,
    /// `no` (false), `upper`, `lower` or `upper,lower` (kept raw).
    pub blocked: Option<Flag>,
    /// `size read written al-writes bm-writes upper-pending lower-pending` (KiB or counts).
    pub stats: BTreeMap<String, Stat>,
    pub unknown_keys: BTreeMap<String, String>,
}

/// The connection to one peer (indent 2, its first token is the connection name).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Connection {
    pub line: usize,
    /// Connection name; empty for a connection without a name (printed as `node-id:N`).
    pub name: String,
    pub peer_node_id: Option<i64>,
    /// `Connected` when not printed (non-verbose status omits it).
    pub connection: ConnectionState,
    pub connection_printed: bool,
    /// Peer role; printed when verbose or connected.
    pub role: Option<Role>,
    pub tls: Option<Flag>,
    pub congested: Option<Flag>,
    /// Local address (`ipv4:10.1.1.1:7789`), drbd-utils 8.9 … 9.14 verbose only.
    pub local: Option<String>,
    /// Peer address, drbd-utils 8.9 … 9.14 verbose only.
    pub peer: Option<String>,
    /// `ap-in-flight rs-in-flight`.
    pub stats: BTreeMap<String, Stat>,
    pub unknown_keys: BTreeMap<String, String>,
    pub peer_devices: Vec<PeerDevice>,
}

/// One volume as seen towards one peer (indent 4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeerDevice {
    pub line: usize,
    pub volume: u32,
    pub volume_printed: bool,
    /// `Established` (connected) or `Off` when not printed.
    pub replication: ReplicationState,
    pub replication_printed: bool,
    pub peer_disk: Option<DiskState>,
    /// `yes`, `no` or `unknown`.
    pub peer_client: Option<Flag>,
    /// Percent of the running resync or verify done (`done:96.47`).
    pub done: Option<Stat>,
    /// Raw `resync-suspended:` value: `no` or a comma list of `user,peer,dependency,max-parallel`.
    pub resync_suspended: Option<String>,
    /// `received sent out-of-sync pending unacked`, `rs-*`/`ov-*` (`-vv`), `want dbdt* eta`.
    pub stats: BTreeMap<String, Stat>,
    pub unknown_keys: BTreeMap<String, String>,
}

/// Parses `drbdadm status` / `drbdsetup status` text.
///
/// Rejects input that is empty or does not start with a resource line at column 0 (or the
/// "no DRBD configured" comment); anything odd later is reported as a diagnostic.
pub fn parse(input: &str) -> Result<Parsed<StatusText>, ParseError> {
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let raw = outline::outline(input, &mut diagnostics)?;
    let resources = raw
        .iter()
        .map(|r| fields::resource(r, &mut diagnostics))
        .collect();
    let doc = StatusText { resources };
    fields::check_duplicates(&doc, &mut diagnostics);
    Ok(Parsed { doc, diagnostics })
}
