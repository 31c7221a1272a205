//! Every state name DRBD prints, in every format and every /proc/drbd generation, built from
//! the printf formats of the kernel and drbd-utils: each is read as that state, and only a
//! connected, established pair of UpToDate disks is OK. Any value this crate does not know
//! (`TOO_LARGE`, `?`, a future state) is kept raw and makes the verdict UNKNOWN, never OK.

use drbd_status::health::Level;
use drbd_status::model::Resource;
use drbd_status::states::{ConnState8, ConnectionState, DiskState, ReplicationState, Role};
use drbd_status::Status;

const CS8: &[&str] = &[
    "StandAlone",
    "Disconnecting",
    "Unconnected",
    "Timeout",
    "BrokenPipe",
    "NetworkFailure",
    "ProtocolError",
    "TearDown",
    "WFConnection",
    "WFReportParams",
    "Connected",
    "StartingSyncS",
    "StartingSyncT",
    "WFBitMapS",
    "WFBitMapT",
    "WFSyncUUID",
    "SyncSource",
    "SyncTarget",
    "VerifyS",
    "VerifyT",
    "PausedSyncS",
    "PausedSyncT",
    "Ahead",
    "Behind",
];
const CONNECTIONS: &[&str] = &[
    "StandAlone",
    "Disconnecting",
    "Unconnected",
    "Timeout",
    "BrokenPipe",
    "NetworkFailure",
    "ProtocolError",
    "TearDown",
    "Connecting",
    "Connected",
];
const REPLICATIONS: &[&str] = &[
    "Off",
    "Established",
    "StartingSyncS",
    "StartingSyncT",
    "WFBitMapS",
    "WFBitMapT",
    "WFSyncUUID",
    "SyncSource",
    "SyncTarget",
    "VerifyS",
    "VerifyT",
    "PausedSyncS",
    "PausedSyncT",
    "Ahead",
    "Behind",
];
const DISKS: &[&str] = &[
    "Diskless",
    "Attaching",
    "Detaching",
    "Failed",
    "Negotiating",
    "Inconsistent",
    "Outdated",
    "DUnknown",
    "Consistent",
    "UpToDate",
];
const ROLES: &[&str] = &["Primary", "Secondary", "Unknown"];
/// Values no DRBD state enum holds: the kernel's and drbd-utils' out-of-range names and
/// names a future version might print.
const ODD: &[&str] = &["TOO_LARGE", "?", "UNKNOWN", "Frobnicating"];

/// One device of `/proc/drbd` in the layout of one kernel generation.
#[derive(Clone, Copy, Debug)]
enum Generation {
    /// 8.0: `st:`, 4 flags, ten counters.
    V80,
    /// 8.2.7: `st:`, 4 flags, `ep: wo: oos:`.
    V82,
    /// 8.3.9+: `ro:`, 6 flags, `ep: wo: oos:`.
    V83,
    /// 8.4: as 8.3 with api 1, oos as u64.
    V84,
}

const GENERATIONS: &[Generation] = &[
    Generation::V80,
    Generation::V82,
    Generation::V83,
    Generation::V84,
];

fn proc_drbd(g: Generation, cs: &str, roles: (&str, &str), disks: (&str, &str)) -> String {
    let (version, role_key, flags, counters) = match g {
        Generation::V80 => (
            "8.0.16 (api:86/proto:86)",
            "st",
            "r---",
            "ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0",
        ),
        Generation::V82 => (
            "8.2.7 (api:88/proto:86-88)",
            "st",
            "r---",
            "ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:b oos:0",
        ),
        Generation::V83 => (
            "8.3.16 (api:88/proto:86-97)",
            "ro",
            "r-----",
            "ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0",
        ),
        Generation::V84 => (
            "8.4.11-1 (api:1/proto:86-101)",
            "ro",
            "r-----",
            "ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0",
        ),
    };
    format!(
        "version: {version}\nGIT-hash: 0123456789abcdef0123456789abcdef01234567 build by u@h, \
         2020-01-01 00:00:00\n 0: cs:{cs} {role_key}:{}/{} ds:{}/{} C {flags}\n    {counters}\n",
        roles.0, roles.1, disks.0, disks.1
    )
}

fn text_status(conn: &str, repl: &str, roles: (&str, &str), disks: (&str, &str)) -> String {
    format!(
        "r0 node-id:0 role:{} suspended:no force-io-failures:no\n\
         \x20 volume:0 minor:1 disk:{} client:no quorum:yes\n\
         \x20 peer node-id:1 connection:{conn} role:{} congested:no ap-in-flight:0 rs-in-flight:0\n\
         \x20   volume:0 replication:{repl} peer-disk:{} peer-client:no resync-suspended:no\n\n",
        roles.0, disks.0, roles.1, disks.1
    )
}

fn status_json(conn: &str, repl: &str, roles: (&str, &str), disks: (&str, &str)) -> String {
    format!(
        "[\n{{\n  \"name\": \"r0\",\n  \"node-id\": 0,\n  \"role\": \"{}\",\n  \"suspended\": false,\n\
         \x20 \"devices\": [\n    {{\n      \"volume\": 0,\n      \"minor\": 1,\n\
         \x20     \"disk-state\": \"{}\",\n      \"client\": false,\n      \"quorum\": true\n    }} ],\n\
         \x20 \"connections\": [\n    {{\n      \"peer-node-id\": 1,\n      \"name\": \"peer\",\n\
         \x20     \"connection-state\": \"{conn}\", \n      \"congested\": false,\n\
         \x20     \"peer-role\": \"{}\",\n      \"peer_devices\": [\n        {{\n\
         \x20         \"volume\": 0,\n          \"replication-state\": \"{repl}\",\n\
         \x20         \"peer-disk-state\": \"{}\",\n          \"peer-client\": false,\n\
         \x20         \"resync-suspended\": \"no\",\n          \"out-of-sync\": 0\n\
         \x20       }} ]\n    }} ]\n}}\n]\n",
        roles.0, disks.0, roles.1, disks.1
    )
}

fn events2(conn: &str, repl: &str, roles: (&str, &str), disks: (&str, &str)) -> String {
    format!(
        "exists resource name:r0 role:{} suspended:no force-io-failures:no may_promote:no promotion_score:0\n\
         exists device name:r0 volume:0 minor:1 backing_dev:/dev/sdb disk:{} client:no open:no quorum:yes\n\
         exists connection name:r0 peer-node-id:1 conn-name:peer connection:{conn} role:{}\n\
         exists peer-device name:r0 peer-node-id:1 conn-name:peer volume:0 replication:{repl} peer-disk:{} peer-client:no resync-suspended:no\n\
         exists -\n",
        roles.0, disks.0, roles.1, disks.1
    )
}

type Builder = fn(&str, &str, (&str, &str), (&str, &str)) -> String;
const DRBD9: &[(&str, Builder)] = &[
    ("status text", text_status),
    ("status json", status_json),
    ("events2", events2),
];

/// The one resource of a document that must parse without errors.
fn only_resource(input: &str) -> Resource {
    let parsed = drbd_status::parse(input).unwrap_or_else(|e| panic!("{e}\n{input}"));
    assert!(
        !parsed.has_errors(),
        "{:?}\n{input}",
        parsed
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    );
    let status: Status = parsed.doc.to_status();
    assert_eq!(status.resources.len(), 1, "{input}");
    status.resources[0].clone()
}

/// The verdict of a resource and of the document holding it, which must agree.
fn level(input: &str) -> Level {
    let r = only_resource(input);
    let whole = drbd_status::parse(input).unwrap().doc.to_status().health();
    assert_eq!(r.health().level, whole.level, "{input}");
    whole.level
}

#[test]
fn every_8x_connection_state_in_every_generation() {
    for &g in GENERATIONS {
        for cs in CS8 {
            let input = proc_drbd(g, cs, ("Secondary", "Primary"), ("UpToDate", "UpToDate"));
            let r = only_resource(&input);
            let c = &r.connections[0];
            assert_eq!(c.cs8, Some(ConnState8::from(*cs)), "{g:?} {cs}");
            let (state, replication) = ConnState8::from(*cs).to_v9();
            assert_eq!(c.state, state, "{g:?} {cs}");
            assert_eq!(c.peer_devices[0].replication, replication, "{g:?} {cs}");
            let healthy = *cs == "Connected" || cs.starts_with("Verify");
            assert_eq!(
                level(&input) == Level::Ok,
                healthy,
                "{g:?} cs:{cs} verdict {:?}",
                r.health()
            );
        }
    }
}

#[test]
fn every_role_and_disk_state_in_every_generation() {
    for &g in GENERATIONS {
        for local in ROLES {
            for peer in ROLES {
                let input = proc_drbd(g, "Connected", (local, peer), ("UpToDate", "UpToDate"));
                let r = only_resource(&input);
                assert_eq!(
                    (&r.role, &r.connections[0].peer_role),
                    (&Role::from(*local), &Role::from(*peer))
                );
            }
        }
        for disk in DISKS {
            let input = proc_drbd(g, "Connected", ("Secondary", "Primary"), (disk, disk));
            let r = only_resource(&input);
            assert_eq!(r.devices[0].disk, Some(DiskState::from(*disk)), "{g:?}");
            assert_eq!(
                r.connections[0].peer_devices[0].peer_disk,
                Some(DiskState::from(*disk))
            );
            assert_eq!(
                level(&input) == Level::Ok,
                *disk == "UpToDate",
                "{g:?} ds:{disk}/{disk}"
            );
        }
    }
}

#[test]
fn every_drbd9_connection_and_replication_state_in_every_format() {
    for (format, build) in DRBD9 {
        for conn in CONNECTIONS {
            for repl in REPLICATIONS {
                let input = build(
                    conn,
                    repl,
                    ("Primary", "Secondary"),
                    ("UpToDate", "UpToDate"),
                );
                let r = only_resource(&input);
                let c = &r.connections[0];
                assert_eq!(c.state, ConnectionState::from(*conn), "{format}");
                assert_eq!(
                    c.peer_devices[0].replication,
                    ReplicationState::from(*repl),
                    "{format}"
                );
                let healthy = *conn == "Connected"
                    && matches!(*repl, "Established" | "Off" | "VerifyS" | "VerifyT");
                assert_eq!(
                    level(&input) == Level::Ok,
                    healthy,
                    "{format} connection:{conn} replication:{repl}"
                );
            }
        }
    }
}

#[test]
fn every_drbd9_role_and_disk_state_in_every_format() {
    for (format, build) in DRBD9 {
        for local in ROLES {
            for peer in ROLES {
                let r = only_resource(&build(
                    "Connected",
                    "Established",
                    (local, peer),
                    ("UpToDate", "UpToDate"),
                ));
                assert_eq!(r.role, Role::from(*local), "{format}");
                assert_eq!(r.connections[0].peer_role, Role::from(*peer), "{format}");
            }
        }
        for disk in DISKS {
            let input = build(
                "Connected",
                "Established",
                ("Primary", "Secondary"),
                (disk, disk),
            );
            let r = only_resource(&input);
            assert_eq!(r.devices[0].disk, Some(DiskState::from(*disk)), "{format}");
            assert_eq!(
                r.connections[0].peer_devices[0].peer_disk,
                Some(DiskState::from(*disk)),
                "{format}"
            );
            assert_eq!(
                level(&input) == Level::Ok,
                *disk == "UpToDate",
                "{format} disk:{disk}"
            );
        }
    }
}

/// Puts `odd` in each state position of a document in turn.
fn odd_positions(odd: &str) -> Vec<(String, String)> {
    let mut docs = Vec::new();
    for &g in GENERATIONS {
        let good = ("Secondary", "Primary");
        let up = ("UpToDate", "UpToDate");
        docs.push((format!("{g:?} cs"), proc_drbd(g, odd, good, up)));
        docs.push((
            format!("{g:?} role"),
            proc_drbd(g, "Connected", (odd, "Primary"), up),
        ));
        docs.push((
            format!("{g:?} peer role"),
            proc_drbd(g, "Connected", ("Secondary", odd), up),
        ));
        docs.push((
            format!("{g:?} disk"),
            proc_drbd(g, "Connected", good, (odd, "UpToDate")),
        ));
        docs.push((
            format!("{g:?} peer disk"),
            proc_drbd(g, "Connected", good, ("UpToDate", odd)),
        ));
    }
    for (format, build) in DRBD9 {
        let good = ("Primary", "Secondary");
        let up = ("UpToDate", "UpToDate");
        docs.push((
            format!("{format} connection"),
            build(odd, "Established", good, up),
        ));
        docs.push((
            format!("{format} replication"),
            build("Connected", odd, good, up),
        ));
        docs.push((
            format!("{format} role"),
            build("Connected", "Established", (odd, "Secondary"), up),
        ));
        docs.push((
            format!("{format} peer role"),
            build("Connected", "Established", ("Primary", odd), up),
        ));
        docs.push((
            format!("{format} disk"),
            build("Connected", "Established", good, (odd, "UpToDate")),
        ));
        docs.push((
            format!("{format} peer disk"),
            build("Connected", "Established", good, ("UpToDate", odd)),
        ));
    }
    docs
}

#[test]
fn an_unknown_value_anywhere_is_kept_raw_and_never_ok() {
    for odd in ODD {
        for (at, input) in odd_positions(odd) {
            let parsed = drbd_status::parse(&input).unwrap_or_else(|e| panic!("{at} {odd}: {e}"));
            let status = parsed.doc.to_status();
            assert_eq!(status.resources.len(), 1, "{at} {odd}");
            let unknown = status.unknown_values();
            assert!(
                unknown.iter().any(|u| u.raw == *odd),
                "{at}: '{odd}' not reported as unknown: {unknown:?}"
            );
            assert_eq!(status.health().level, Level::Unknown, "{at} {odd}");
            let r = &status.resources[0];
            assert!(
                r.health().level >= Level::Critical,
                "{at} {odd}: {:?}",
                r.health()
            );
        }
    }
}
