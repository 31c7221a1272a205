//! `drbdsetup status --json` of drbd-utils 9.x (see drbd-formats.md §4.1).
//!
//! drbdsetup prints this JSON with `printf`, not a JSON library, which gives it some quirks:
//! `} ]` closers, a trailing blank line, `100.00` where re-formatted copies have `100`, and
//! in drbd-utils 9.4–9.5 a bare `nan` that no JSON parser accepts (mended to `null` before
//! parsing, never inside strings). The mended text is read with `serde_json` into a generic
//! value and the typed [`StatusJson`] is built from it by hand, so a value of the wrong type
//! costs that one field (an error diagnostic), never the document. Unknown keys are kept with
//! a warning.

mod convert;
mod fields;
mod mend;
#[cfg(test)]
mod proptests;
mod read;
#[cfg(test)]
mod tests;

pub use fields::Leftovers;

use crate::diag::{ParseError, Parsed};
use crate::states::{ConnectionState, DiskState, ReplicationState, Role};
use serde::Serialize;
use serde_json::{Number, Value};
use std::collections::BTreeMap;

/// `estimated-seconds-to-finish` printed by drbd-utils 9.6+ when there is no estimate.
pub const NO_ESTIMATE_SENTINEL: u64 = 987_654_321;

/// The document as drbdsetup printed it: values raw, `-1` node ids and sentinels kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusJson {
    pub resources: Vec<Resource>,
    /// How many bare `nan`/`inf` words were read as `null` (drbd-utils 9.4–9.5 output).
    #[serde(skip_serializing_if = "is_zero")]
    pub mended_non_finite: usize,
}

/// One element of the top-level array.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resource {
    pub name: Option<String>,
    /// `-1` when the resource has no node id configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_id: Option<i64>,
    pub role: Option<Role>,
    /// Any of the suspension reasons below (all drbd-utils 9.x).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspended: Option<bool>,
    /// The individual reasons, drbd-utils 9.21+.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspended_user: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspended_no_data: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspended_fencing: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspended_quorum: Option<bool>,
    /// drbd-utils 9.21+.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub force_io_failures: Option<bool>,
    /// `none`, `drain`, `flush` or `barrier`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write_ordering: Option<String>,
    pub devices: Vec<Device>,
    pub connections: Vec<Connection>,
    #[serde(flatten)]
    pub leftovers: Leftovers,
}

/// A local volume of a resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Device {
    pub volume: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minor: Option<u32>,
    /// `disk-state`.
    pub disk: Option<DiskState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<bool>,
    /// drbd-utils 9.30+; drbdsetup prints "unknown" as `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quorum: Option<bool>,
    pub stats: DeviceStats,
    #[serde(flatten)]
    pub leftovers: Leftovers,
}

/// Device statistics, under their JSON names; absent when the kernel reports none.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct DeviceStats {
    /// KiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// KiB read from the local disk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read: Option<u64>,
    /// KiB written to the local disk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub written: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub al_writes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bm_writes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upper_pending: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lower_pending: Option<u64>,
}

/// The connection to one peer node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Connection {
    pub name: Option<String>,
    /// `-1` when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_node_id: Option<i64>,
    /// `connection-state`.
    pub connection: Option<ConnectionState>,
    /// `peer-role`.
    pub role: Option<Role>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub congested: Option<bool>,
    /// drbd-utils 9.28+.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ap_in_flight: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rs_in_flight: Option<u64>,
    /// drbd-utils 9.26+.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paths: Option<Vec<Path>>,
    pub peer_devices: Vec<PeerDevice>,
    #[serde(flatten)]
    pub leftovers: Leftovers,
}

/// One network path of a connection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Path {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub this_host: Option<HostAddress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_host: Option<HostAddress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub established: Option<bool>,
    #[serde(flatten)]
    pub leftovers: Leftovers,
}

/// One end of a path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostAddress {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// `ipv4`, `ipv6`, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(flatten)]
    pub leftovers: Leftovers,
}

/// One volume as replicated to one peer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeerDevice {
    pub volume: Option<u32>,
    /// `replication-state`.
    pub replication: Option<ReplicationState>,
    /// `peer-disk-state`.
    pub peer_disk: Option<DiskState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_client: Option<bool>,
    /// `no` or a comma list of `user`, `peer`, `dependency`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resync_suspended: Option<String>,
    /// KiB received from / sent to this peer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent: Option<u64>,
    /// `out-of-sync`, KiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_of_sync_kib: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unacked: Option<u64>,
    /// drbd-utils 9.4+.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_sync_details: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_online_verify_details: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent_in_sync: Option<f64>,
    /// The resync/verify detail keys, when printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncDetails>,
    #[serde(flatten)]
    pub leftovers: Leftovers,
}

/// Resync and online-verify details under their raw JSON names (`rs-total`, `ov-left`,
/// `db1/dt1 [MiB/s]`, `estimated-seconds-to-finish`, …): `rs-*`/`ov-*` in sectors or ms,
/// rates in MiB/s. `None` is a value printed as `nan`/`inf`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(transparent)]
pub struct SyncDetails(pub BTreeMap<String, Option<Number>>);

impl SyncDetails {
    /// The key belongs to the resync/verify details.
    pub fn is_sync_key(key: &str) -> bool {
        key.starts_with("rs-")
            || key.starts_with("ov-")
            || key.starts_with("db")
            || matches!(
                key,
                "want" | "estimated-seconds-to-finish" | "percent-resync-done"
            )
    }

    /// A value as a finite float; `None` when absent or not a number.
    pub fn f64(&self, key: &str) -> Option<f64> {
        self.0
            .get(key)?
            .as_ref()?
            .as_f64()
            .filter(|v| v.is_finite())
    }

    /// A value as an unsigned integer (integral floats included).
    pub fn u64(&self, key: &str) -> Option<u64> {
        let n = self.0.get(key)?.as_ref()?;
        n.as_u64().or_else(|| {
            let f = n.as_f64()?;
            (f.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&f))
                .then_some(f as u64)
        })
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Parses `drbdsetup status --json` output.
///
/// Rejected: empty input, text that is not JSON (even after mending `nan`), truncated JSON,
/// a top level that is not an array, an array without a single object.
pub fn parse(input: &str) -> Result<Parsed<StatusJson>, ParseError> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    if input.trim().is_empty() {
        return Err(ParseError::new(
            None,
            "empty input: expected the output of drbdsetup status --json",
        ));
    }
    let (mended, mended_non_finite) = mend::mend_non_finite(input);
    let top: Value = serde_json::from_str(&mended).map_err(|e| json_error(e, input))?;
    let Value::Array(items) = top else {
        return Err(ParseError::new(
            None,
            format!(
                "top level is {}, expected an array of resources as drbdsetup status --json prints",
                fields::kind(&top)
            ),
        ));
    };
    if !items.is_empty() && !items.iter().any(Value::is_object) {
        return Err(ParseError::new(
            None,
            "the array holds no resource objects: not drbdsetup status --json output",
        ));
    }
    let mut diagnostics = Vec::new();
    let resources = items
        .into_iter()
        .enumerate()
        .filter_map(|(i, item)| read::resource(item, i, &mut diagnostics))
        .collect();
    Ok(Parsed {
        doc: StatusJson {
            resources,
            mended_non_finite,
        },
        diagnostics,
    })
}

/// A serde_json error as an operator reads it: what is wrong and where.
fn json_error(e: serde_json::Error, input: &str) -> ParseError {
    let text = e.to_string();
    let what = text.split(" at line ").next().unwrap_or(&text);
    let single_quoted = ["{'", "['", ": '", ", '"].iter().any(|p| input.contains(p));
    let hint = if single_quoted {
        "single-quoted strings: a Python literal, not JSON"
    } else {
        "is this drbdsetup status --json output?"
    };
    let message = match e.classify() {
        serde_json::error::Category::Eof => {
            format!("truncated JSON: the input ends inside a value ({what})")
        }
        _ => format!("not valid JSON at column {}: {what} ({hint})", e.column()),
    };
    ParseError::new(e.line(), message)
}
