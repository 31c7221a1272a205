//! `drbdsetup events2 --now`: the initial `exists` dump, ended by `exists -`.
//!
//! 8.4 kernels (`print_notifications()` of `user/v84/drbdsetup.c`): `peer-node-id:0` and
//! `conn-name:peer` are faked, states are mapped to DRBD 9 names. DRBD 9 prints the key sets
//! of current drbd-utils (`backing_dev`, `client`, `quorum`, `may_promote`, …).

use super::percent_done;
use crate::model::{Resource, SimState};
use crate::states::{Conn, Disk, Flavour, Role};

/// The `exists` lines of `filter` (a resource name, or every resource with `None`).
/// `statistics` adds the counters of `--statistics`.
pub fn render_now(st: &SimState, node: &str, filter: Option<&str>, statistics: bool) -> String {
    let mut out = String::new();
    // An unknown name lists nothing: only the end-of-dump line.
    for res in super::up_resources(st, node, filter).unwrap_or_default() {
        match st.flavour {
            Flavour::V9 => resource_v9(&mut out, res, node, statistics),
            _ => resource_v84(&mut out, res, node, statistics),
        }
    }
    out.push_str("exists -\n");
    out
}

/// drbd-utils' `susp_str()`: the reasons joined by ','; the simulator's only one is fencing.
fn suspended(susp: bool) -> &'static str {
    if susp {
        "fencing"
    } else {
        "no"
    }
}

fn resource_v84(out: &mut String, res: &Resource, node: &str, statistics: bool) {
    let (Some(v), Some(me)) = (res.view(node), res.node_state.get(node)) else {
        return;
    };
    let name = &res.name;
    out.push_str(&format!(
        "exists resource name:{name} role:{} suspended:{}",
        v.role,
        suspended(v.susp)
    ));
    if statistics {
        out.push_str(" write-ordering:flush");
    }
    out.push('\n');
    out.push_str(&format!(
        "exists device name:{name} volume:0 minor:{} disk:{}",
        res.minor, v.disk
    ));
    if statistics {
        device_statistics(out, res, me.counters.dr, me.counters.dw);
    }
    out.push('\n');
    let conn_name = if me.net { " conn-name:peer" } else { "" };
    let peer_role = if v.conn >= Conn::WFReportParams {
        v.peer
    } else {
        Role::Unknown
    };
    out.push_str(&format!(
        "exists connection name:{name} peer-node-id:0{conn_name} connection:{} role:{peer_role}",
        v.conn.connection9()
    ));
    if statistics {
        out.push_str(" congested:no");
    }
    out.push('\n');
    out.push_str(&format!(
        "exists peer-device name:{name} peer-node-id:0{conn_name} volume:0 replication:{} peer-disk:{} resync-suspended:no",
        v.conn.replication9(),
        v.pdsk
    ));
    if statistics {
        peer_device_statistics(out, res, node, me.counters.nr, me.counters.ns);
    }
    out.push('\n');
}

fn resource_v9(out: &mut String, res: &Resource, node: &str, statistics: bool) {
    let (Some(v), Some(me)) = (res.view(node), res.node_state.get(node)) else {
        return;
    };
    let name = &res.name;
    let peer = res.peer_of(node).unwrap_or("peer");
    let peer_id = res.nodes.iter().position(|n| n == peer).unwrap_or(1);
    let may_promote = v.role == Role::Secondary
        && (v.disk == Disk::UpToDate || v.pdsk == Disk::UpToDate)
        && v.peer != Role::Primary
        && res.has_quorum(node);
    out.push_str(&format!(
        "exists resource name:{name} role:{} suspended:{} force-io-failures:no",
        v.role,
        suspended(v.susp)
    ));
    if statistics {
        out.push_str(" write-ordering:flush");
    }
    out.push_str(&format!(
        " may_promote:{} promotion_score:{}\n",
        if may_promote { "yes" } else { "no" },
        if v.disk == Disk::UpToDate { 10101 } else { 0 }
    ));
    let connected = v.conn >= Conn::Connected;
    out.push_str(&format!(
        "exists connection name:{name} peer-node-id:{peer_id} conn-name:{peer} connection:{} role:{}",
        v.conn.connection9(),
        if connected { v.peer } else { Role::Unknown }
    ));
    if statistics {
        out.push_str(" congested:no ap-in-flight:0 rs-in-flight:0");
    }
    out.push('\n');
    let backing = if v.disk == Disk::Diskless {
        "none".to_string()
    } else {
        res.config.image.clone()
    };
    out.push_str(&format!(
        "exists device name:{name} volume:0 minor:{} backing_dev:{backing} disk:{} client:no open:no quorum:{}",
        res.minor,
        v.disk,
        if res.has_quorum(node) { "yes" } else { "no" }
    ));
    if statistics {
        device_statistics(out, res, me.counters.dr, me.counters.dw);
    }
    out.push('\n');
    out.push_str(&format!(
        "exists peer-device name:{name} peer-node-id:{peer_id} conn-name:{peer} volume:0 replication:{} peer-disk:{} peer-client:no resync-suspended:no",
        v.conn.replication9(),
        v.pdsk
    ));
    if v.conn.is_syncing() {
        let done = percent_done(res.config.size_kib, res.oos_kib(node));
        out.push_str(&format!(" done:{done:.2}"));
    }
    if statistics {
        peer_device_statistics(out, res, node, me.counters.nr, me.counters.ns);
    }
    out.push('\n');
}

fn device_statistics(out: &mut String, res: &Resource, read: u64, written: u64) {
    out.push_str(&format!(
        " size:{} read:{read} written:{written} al-writes:0 bm-writes:0 upper-pending:0 lower-pending:0 al-suspended:no blocked:no",
        res.config.size_kib
    ));
}

fn peer_device_statistics(out: &mut String, res: &Resource, node: &str, received: u64, sent: u64) {
    out.push_str(&format!(
        " received:{received} sent:{sent} out-of-sync:{} pending:0 unacked:0",
        res.oos_kib(node)
    ));
}

/// Keys that identify an object (`event_key()`), as opposed to its state keys.
const ID_KEYS: &[&str] = &["name", "peer-node-id", "conn-name", "volume", "minor"];

/// Splits an `exists` line into (object with identifying keys, state keys).
fn split_line(line: &str) -> Option<(String, Vec<(String, String)>)> {
    let mut words = line.split(' ');
    words.next()?;
    let object = words.next()?;
    if object == "-" {
        return None;
    }
    let mut id = object.to_string();
    let mut state = Vec::new();
    for w in words {
        let (k, v) = w.split_once(':')?;
        if ID_KEYS.contains(&k) {
            id.push(' ');
            id.push_str(w);
        } else {
            state.push((k.to_string(), v.to_string()));
        }
    }
    Some((id, state))
}

/// The `create`/`change`/`destroy` lines that turn the `before` dump into the `after` dump;
/// `change` lines carry only the keys that changed.
pub fn changes(before: &[String], after: &[String]) -> String {
    let old: Vec<(String, Vec<(String, String)>)> =
        before.iter().filter_map(|l| split_line(l)).collect();
    let new: Vec<(String, Vec<(String, String)>)> =
        after.iter().filter_map(|l| split_line(l)).collect();
    let mut out = String::new();
    for (id, state) in &new {
        match old.iter().find(|(oid, _)| oid == id) {
            None => {
                out.push_str(&format!("create {id}"));
                for (k, v) in state {
                    out.push_str(&format!(" {k}:{v}"));
                }
                out.push('\n');
            }
            Some((_, old_state)) => {
                let changed: Vec<&(String, String)> =
                    state.iter().filter(|kv| !old_state.contains(kv)).collect();
                if !changed.is_empty() {
                    out.push_str(&format!("change {id}"));
                    for (k, v) in changed {
                        out.push_str(&format!(" {k}:{v}"));
                    }
                    out.push('\n');
                }
            }
        }
    }
    for (id, _) in &old {
        if !new.iter().any(|(nid, _)| nid == id) {
            out.push_str(&format!("destroy {id}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops;

    #[test]
    fn v84_dump_fakes_peer_id_and_name() {
        let mut st = crate::render::up_pair(1, ["a", "b"]);
        assert!(ops::promote(&mut st, "r0", "a", false, false, 0).is_ok());
        assert_eq!(
            render_now(&st, "a", Some("r0"), false),
            "exists resource name:r0 role:Primary suspended:no\n\
             exists device name:r0 volume:0 minor:1 disk:UpToDate\n\
             exists connection name:r0 peer-node-id:0 conn-name:peer connection:Connected role:Secondary\n\
             exists peer-device name:r0 peer-node-id:0 conn-name:peer volume:0 replication:Established peer-disk:UpToDate resync-suspended:no\n\
             exists -\n"
        );
    }

    #[test]
    fn empty_dump_still_ends_with_exists_dash() {
        let st = SimState::default();
        assert_eq!(render_now(&st, "a", None, false), "exists -\n");
    }

    #[test]
    fn v9_dump_uses_peer_host_and_node_id() {
        let mut st = crate::render::up_pair(1, ["a", "b"]);
        st.flavour = Flavour::V9;
        let text = render_now(&st, "a", None, false);
        assert!(text.starts_with("exists resource name:r0 role:Secondary suspended:no force-io-failures:no may_promote:yes promotion_score:10101\n"), "{text}");
        assert!(text.contains("exists connection name:r0 peer-node-id:1 conn-name:b connection:Connected role:Secondary\n"), "{text}");
        assert!(
            text.contains(
                "replication:Established peer-disk:UpToDate peer-client:no resync-suspended:no\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn follows_changes_with_only_the_changed_keys() {
        let mut st = crate::render::up_pair(1, ["a", "b"]);
        let before: Vec<String> = render_now(&st, "a", None, false)
            .lines()
            .map(String::from)
            .collect();
        assert!(ops::promote(&mut st, "r0", "a", false, false, 0).is_ok());
        let after: Vec<String> = render_now(&st, "a", None, false)
            .lines()
            .map(String::from)
            .collect();
        assert_eq!(
            changes(&before, &after),
            "change resource name:r0 role:Primary\n"
        );
        let b_before: Vec<String> = render_now(&st, "b", None, false)
            .lines()
            .map(String::from)
            .collect();
        assert!(ops::down(&mut st, "r0", "a", false).is_ok());
        ops::reconcile(&mut st, "r0", 0);
        let b_after: Vec<String> = render_now(&st, "b", None, false)
            .lines()
            .map(String::from)
            .collect();
        assert_eq!(
            changes(&b_before, &b_after),
            "change connection name:r0 peer-node-id:0 conn-name:peer connection:Connecting role:Unknown\n\
             change peer-device name:r0 peer-node-id:0 conn-name:peer volume:0 replication:Off peer-disk:DUnknown\n"
        );
        let empty: Vec<String> = Vec::new();
        assert!(changes(&b_after, &empty).starts_with("destroy resource name:r0\n"));
    }

    #[test]
    fn statistics_add_counters() {
        let st = crate::render::up_pair(1, ["a", "b"]);
        let text = render_now(&st, "a", None, true);
        assert!(text.contains(" size:65536 read:0 written:0 "), "{text}");
        assert!(
            text.contains(" received:0 sent:0 out-of-sync:0 pending:0 unacked:0\n"),
            "{text}"
        );
    }
}
