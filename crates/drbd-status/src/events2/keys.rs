//! The key vocabulary of events2 objects (drbd-formats.md §4.2, drbd-utils HEAD).

use super::line::ObjectKind;

/// Keys that identify an object and are therefore not part of its state.
pub const RESOURCE_IDS: &[&str] = &["name"];
pub const DEVICE_IDS: &[&str] = &["name", "volume"];
pub const CONNECTION_IDS: &[&str] = &["name", "conn-name"];
pub const PEER_DEVICE_IDS: &[&str] = &["name", "peer-node-id", "conn-name", "volume"];
pub const PATH_IDS: &[&str] = &["name", "peer-node-id", "conn-name", "local", "peer"];

/// Peer-device keys that only mean something while a resync or verify runs.
pub const SYNC_ONLY_KEYS: &[&str] = &["done", "eta", "dbdt1"];

/// Keys drbd-utils prints per object (HEAD, with `--statistics`); others get a warning.
pub fn known_keys(kind: ObjectKind) -> &'static [&'static str] {
    match kind {
        ObjectKind::Resource => &[
            "name",
            "role",
            "suspended",
            "force-io-failures",
            "write-ordering",
            "may_promote",
            "promotion_score",
            "node-id",
            "new_name",
        ],
        ObjectKind::Device => &[
            "name",
            "volume",
            "minor",
            "backing_dev",
            "disk",
            "client",
            "open",
            "quorum",
            "size",
            "read",
            "written",
            "al-writes",
            "bm-writes",
            "upper-pending",
            "lower-pending",
            "al-suspended",
            "blocked",
        ],
        ObjectKind::Connection => &[
            "name",
            "peer-node-id",
            "conn-name",
            "connection",
            "role",
            "congested",
            "ap-in-flight",
            "rs-in-flight",
            "sync-state",
            "tls",
        ],
        ObjectKind::PeerDevice => &[
            "name",
            "peer-node-id",
            "conn-name",
            "volume",
            "replication",
            "peer-disk",
            "peer-client",
            "resync-suspended",
            "done",
            "received",
            "sent",
            "out-of-sync",
            "pending",
            "unacked",
            "dbdt1",
            "eta",
        ],
        ObjectKind::Path => &[
            "name",
            "peer-node-id",
            "conn-name",
            "local",
            "peer",
            "established",
        ],
        ObjectKind::Helper => &[
            "name",
            "peer-node-id",
            "conn-name",
            "local",
            "peer",
            "volume",
            "minor",
            "helper",
            "status",
        ],
        ObjectKind::Other => &[],
    }
}
