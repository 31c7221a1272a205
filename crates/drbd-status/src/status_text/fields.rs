//! Step 2: the tokens of each object → typed fields. Values stay raw where the type
//! cannot hold them; unknown keys are kept and reported; a repeated key: the last one wins.

use super::outline::{RawObject, RawResource, Token};
use super::values::{Flag, Stat};
use super::{Connection, Device, PeerDevice, Resource, StatusText};
use crate::diag::Diagnostic;
use crate::states::{ConnectionState, DiskState, ReplicationState, Role};
use std::collections::{BTreeMap, BTreeSet};

const SUSPEND_REASONS: &[&str] = &["user", "no-data", "fencing", "quorum"];
const RESYNC_SUSPEND_REASONS: &[&str] = &["user", "peer", "dependency", "max-parallel"];
const BLOCKED_BY: &[&str] = &["upper", "lower"];
const WRITE_ORDERINGS: &[&str] = &["none", "drain", "flush", "barrier"];
/// `client:`, `peer-client:` and `open:` may also say they do not know.
const YES_NO_UNKNOWN: &[&str] = &["unknown"];

const DEVICE_COUNTERS: &[&str] = &[
    "size",
    "read",
    "written",
    "al-writes",
    "bm-writes",
    "upper-pending",
    "lower-pending",
];
const CONNECTION_COUNTERS: &[&str] = &["ap-in-flight", "rs-in-flight"];
const PEER_COUNTERS: &[&str] = &[
    "received",
    "sent",
    "out-of-sync",
    "pending",
    "unacked",
    "rs-total",
    "rs-dt-start-ms",
    "rs-paused-ms",
    "rs-dt0-ms",
    "rs-db0-sectors",
    "rs-dt1-ms",
    "rs-db1-sectors",
    "ov-start-sector",
    "ov-stop-sector",
    "ov-position",
    "ov-left",
    "ov-skipped",
    "rs-failed",
    "rs-same-csum",
];
/// Printed with `%.2f` / `%.0f`; `eta` is `nan` when there is no progress to estimate from.
const PEER_RATES: &[&str] = &["want", "dbdt", "dbdt0", "dbdt1", "eta"];

/// Reads one resource and everything under it.
pub(super) fn resource(raw: &RawResource, diags: &mut Vec<Diagnostic>) -> Resource {
    let name = raw.object.name.clone().unwrap_or_default();
    let mut r = Resource {
        name: name.clone(),
        line: raw.object.line,
        node_id: None,
        role: None,
        suspended: None,
        force_io_failures: None,
        write_ordering: None,
        unknown_keys: BTreeMap::new(),
        devices: Vec::new(),
        connections: Vec::new(),
    };
    let mut rd = Reader::new(format!("resource {name}"), diags);
    for t in rd.fresh(&raw.object) {
        match t.key.as_str() {
            "node-id" => r.node_id = rd.integer(t).or(r.node_id),
            "role" => r.role = Some(rd.state(t, Role::is_other)),
            "suspended" => r.suspended = Some(rd.list(t, SUSPEND_REASONS)),
            "force-io-failures" => r.force_io_failures = Some(rd.flag(t, &[])),
            "write-ordering" => r.write_ordering = Some(rd.word(t, WRITE_ORDERINGS)),
            _ => rd.unknown(t, &mut r.unknown_keys),
        }
    }
    if r.role.is_none() {
        rd.missing(raw.object.line, "role");
    }
    r.devices = raw
        .devices
        .iter()
        .map(|d| device(&name, d, diags))
        .collect();
    r.connections = raw
        .connections
        .iter()
        .map(|c| {
            let mut connection = connection(&name, &c.object, diags);
            connection.peer_devices = c
                .peer_devices
                .iter()
                .map(|p| peer_device(&name, &connection, p, diags))
                .collect();
            connection
        })
        .collect();
    r
}

fn device(resource: &str, raw: &RawObject, diags: &mut Vec<Diagnostic>) -> Device {
    let mut d = Device {
        line: raw.line,
        volume: 0,
        volume_printed: false,
        minor: None,
        disk: None,
        client: None,
        backing_dev: None,
        quorum: None,
        open: None,
        al_suspended: None,
        blocked: None,
        stats: BTreeMap::new(),
        unknown_keys: BTreeMap::new(),
    };
    let mut rd = Reader::new(format!("{resource} device"), diags);
    for t in rd.fresh(raw) {
        match t.key.as_str() {
            "volume" => {
                if let Some(v) = rd.integer(t) {
                    d.volume = v;
                    d.volume_printed = true;
                }
            }
            "minor" => d.minor = rd.integer(t).or(d.minor),
            "disk" => d.disk = Some(rd.state(t, DiskState::is_other)),
            "client" => d.client = Some(rd.flag(t, YES_NO_UNKNOWN)),
            "backing_dev" => d.backing_dev = Some(t.value.clone()),
            "quorum" => d.quorum = Some(rd.flag(t, &[])),
            "open" => d.open = Some(rd.flag(t, YES_NO_UNKNOWN)),
            "al-suspended" => d.al_suspended = Some(rd.flag(t, &[])),
            "blocked" => d.blocked = Some(rd.blocked(t)),
            key if DEVICE_COUNTERS.contains(&key) => rd.counter(t, &mut d.stats),
            _ => rd.unknown(t, &mut d.unknown_keys),
        }
    }
    if d.disk.is_none() {
        rd.missing(raw.line, "disk");
    }
    d
}

fn connection(resource: &str, raw: &RawObject, diags: &mut Vec<Diagnostic>) -> Connection {
    let name = raw.name.clone().unwrap_or_default();
    let mut c = Connection {
        line: raw.line,
        name: name.clone(),
        peer_node_id: None,
        connection: ConnectionState::Connected,
        connection_printed: false,
        role: None,
        tls: None,
        congested: None,
        local: None,
        peer: None,
        stats: BTreeMap::new(),
        unknown_keys: BTreeMap::new(),
        peer_devices: Vec::new(),
    };
    let mut rd = Reader::new(format!("{resource}/{name}"), diags);
    for t in rd.fresh(raw) {
        match t.key.as_str() {
            "node-id" => c.peer_node_id = rd.integer(t).or(c.peer_node_id),
            "connection" => {
                c.connection = rd.state(t, ConnectionState::is_other);
                c.connection_printed = true;
            }
            "role" => c.role = Some(rd.state(t, Role::is_other)),
            "tls" => c.tls = Some(rd.flag(t, &[])),
            "congested" => c.congested = Some(rd.flag(t, &[])),
            "local" => c.local = Some(t.value.clone()),
            "peer" => c.peer = Some(t.value.clone()),
            key if CONNECTION_COUNTERS.contains(&key) => rd.counter(t, &mut c.stats),
            _ => rd.unknown(t, &mut c.unknown_keys),
        }
    }
    if c.role.is_none() && c.connection == ConnectionState::Connected {
        rd.missing(raw.line, "role");
    }
    c
}

fn peer_device(
    resource: &str,
    connection: &Connection,
    raw: &RawObject,
    diags: &mut Vec<Diagnostic>,
) -> PeerDevice {
    // Non-verbose status prints `replication:` only beyond Established.
    let implied = if connection.connection == ConnectionState::Connected {
        ReplicationState::Established
    } else {
        ReplicationState::Off
    };
    let mut p = PeerDevice {
        line: raw.line,
        volume: 0,
        volume_printed: false,
        replication: implied,
        replication_printed: false,
        peer_disk: None,
        peer_client: None,
        done: None,
        resync_suspended: None,
        stats: BTreeMap::new(),
        unknown_keys: BTreeMap::new(),
    };
    let at = format!("{resource}/{} peer device", connection.name);
    let mut rd = Reader::new(at, diags);
    for t in rd.fresh(raw) {
        match t.key.as_str() {
            "volume" => {
                if let Some(v) = rd.integer(t) {
                    p.volume = v;
                    p.volume_printed = true;
                }
            }
            "replication" => {
                p.replication = rd.state(t, ReplicationState::is_other);
                p.replication_printed = true;
            }
            "peer-disk" => {
                p.peer_disk = Some(rd.state(t, DiskState::is_other));
            }
            "peer-client" => p.peer_client = Some(rd.flag(t, YES_NO_UNKNOWN)),
            "done" => p.done = Some(rd.rate(t)),
            "resync-suspended" => p.resync_suspended = Some(rd.list(t, RESYNC_SUSPEND_REASONS)),
            key if PEER_COUNTERS.contains(&key) => rd.counter(t, &mut p.stats),
            // Old UG9 examples print `disk:` where drbd-utils prints `peer-disk:`.
            "disk" => {
                let hint = "is `peer-disk:` in real output; kept as unknown key";
                rd.warn(
                    t,
                    format!("`disk:{}` in a peer-device line {hint}", t.value),
                );
                p.unknown_keys.insert(t.key.clone(), t.value.clone());
            }
            key if PEER_RATES.contains(&key) => {
                let rate = rd.rate(t);
                p.stats.insert(t.key.clone(), rate);
            }
            _ => rd.unknown(t, &mut p.unknown_keys),
        }
    }
    p
}

/// Reports objects listed twice (same resource name, volume or connection name).
pub(super) fn check_duplicates(doc: &StatusText, diags: &mut Vec<Diagnostic>) {
    let mut names = BTreeSet::new();
    for r in &doc.resources {
        if !names.insert(r.name.as_str()) {
            diags.push(Diagnostic::warning(
                r.line,
                format!("resource {} listed twice", r.name),
            ));
        }
        let mut volumes = BTreeSet::new();
        for d in &r.devices {
            if !volumes.insert(d.volume) {
                let message = format!("{}: volume {} listed twice", r.name, d.volume);
                diags.push(Diagnostic::warning(d.line, message));
            }
        }
        let mut peers = BTreeSet::new();
        for c in &r.connections {
            if !c.name.is_empty() && !peers.insert(c.name.as_str()) {
                let message = format!("{}: connection {} listed twice", r.name, c.name);
                diags.push(Diagnostic::warning(c.line, message));
            }
            let mut volumes = BTreeSet::new();
            for p in &c.peer_devices {
                if !volumes.insert(p.volume) {
                    let message =
                        format!("{}/{}: volume {} listed twice", r.name, c.name, p.volume);
                    diags.push(Diagnostic::warning(p.line, message));
                }
            }
        }
    }
}

/// Reads the tokens of one object, reporting into the shared diagnostics.
struct Reader<'d> {
    at: String,
    diags: &'d mut Vec<Diagnostic>,
}

impl<'d> Reader<'d> {
    fn new(at: String, diags: &'d mut Vec<Diagnostic>) -> Self {
        Reader { at, diags }
    }

    /// The object's tokens with an empty value dropped (error) and repeats reported.
    fn fresh<'o>(&mut self, raw: &'o RawObject) -> Vec<&'o Token> {
        let mut seen = BTreeSet::new();
        let mut tokens = Vec::new();
        for t in &raw.tokens {
            if t.value.is_empty() {
                self.error(t, format!("`{}:` has no value; ignored", t.key));
                continue;
            }
            if !seen.insert(t.key.as_str()) {
                self.warn(t, format!("`{}` given twice; the last value wins", t.key));
            }
            tokens.push(t);
        }
        tokens
    }

    fn warn(&mut self, t: &Token, message: String) {
        let message = format!("{}: {message}", self.at);
        self.diags.push(Diagnostic::warning(t.line, message));
    }

    fn error(&mut self, t: &Token, message: String) {
        let message = format!("{}: {message}", self.at);
        self.diags.push(Diagnostic::error(t.line, message));
    }

    fn missing(&mut self, line: usize, key: &str) {
        let message = format!("{}: no `{key}:` given", self.at);
        self.diags.push(Diagnostic::error(line, message));
    }

    fn unknown(&mut self, t: &Token, kept: &mut BTreeMap<String, String>) {
        self.warn(t, format!("unknown key `{}:{}` kept", t.key, t.value));
        kept.insert(t.key.clone(), t.value.clone());
    }

    fn integer<N: std::str::FromStr>(&mut self, t: &Token) -> Option<N> {
        let parsed = t.value.parse().ok();
        if parsed.is_none() {
            self.error(t, format!("`{}:{}` is not a valid number", t.key, t.value));
        }
        parsed
    }

    /// A state name; unknown names are kept raw (`Other`) and reported.
    fn state<S: for<'v> From<&'v str>>(&mut self, t: &Token, is_other: impl Fn(&S) -> bool) -> S {
        let state = S::from(t.value.as_str());
        if is_other(&state) {
            self.warn(t, format!("unknown {} `{}` kept raw", t.key, t.value));
        }
        state
    }

    fn flag(&mut self, t: &Token, also: &[&str]) -> Flag {
        let flag = Flag::from(t.value.as_str());
        if flag.as_bool().is_none() && !also.contains(&t.value.as_str()) {
            self.warn(t, format!("unexpected {} `{}` kept raw", t.key, t.value));
        }
        flag
    }

    fn blocked(&mut self, t: &Token) -> Flag {
        if t.value != "no" && !t.value.split(',').all(|r| BLOCKED_BY.contains(&r)) {
            self.warn(t, format!("unexpected blocked `{}` kept raw", t.value));
        }
        Flag::from(t.value.as_str())
    }

    /// `no` or a comma list of known reasons; other reasons are kept but reported.
    fn list(&mut self, t: &Token, reasons: &[&str]) -> String {
        if t.value != "no" && !t.value.split(',').all(|r| reasons.contains(&r)) {
            self.warn(t, format!("unexpected {} `{}` kept raw", t.key, t.value));
        }
        t.value.clone()
    }

    fn word(&mut self, t: &Token, known: &[&str]) -> String {
        if !known.contains(&t.value.as_str()) {
            self.warn(t, format!("unexpected {} `{}` kept raw", t.key, t.value));
        }
        t.value.clone()
    }

    /// An integer counter; a malformed one is kept raw and reported.
    fn counter(&mut self, t: &Token, stats: &mut BTreeMap<String, Stat>) {
        let stat = Stat(t.value.clone());
        // `rs-*` counters are printed signed (`D64`), the others unsigned.
        let negative = t.value.starts_with('-') && t.value.parse::<i64>().is_ok();
        if stat.as_u64().is_none() && !negative {
            self.error(t, format!("`{}:{}` is not a valid number", t.key, t.value));
        }
        stats.insert(t.key.clone(), stat);
    }

    /// A decimal value (`12.50`) or `nan`; a malformed one is kept raw and reported.
    fn rate(&mut self, t: &Token) -> Stat {
        let stat = Stat(t.value.clone());
        if stat.as_f64().is_none() && !stat.is_not_a_number() {
            self.error(t, format!("`{}:{}` is not a valid number", t.key, t.value));
        }
        stat
    }
}
