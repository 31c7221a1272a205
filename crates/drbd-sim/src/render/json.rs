//! `drbdsetup status --json` of DRBD 9 (printf-built layout of `user/v9/drbdsetup.c`:
//! `resource_status_json()` and friends; closers such as `} ]`, `%.2f` floats).

use super::percent_done;
use crate::model::{Resource, SimState};
use crate::states::{Conn, Disk};

/// JSON status of `filter` or every up resource of `node`; `Err(name)` for an unknown one.
pub fn render(st: &SimState, node: &str, filter: Option<&str>) -> Result<String, String> {
    let resources = super::up_resources(st, node, filter)?;
    let blocks: Vec<String> = resources
        .iter()
        .filter_map(|r| resource_json(r, node))
        .collect();
    Ok(format!("[\n{}]\n", blocks.join(",\n")))
}

fn b(v: bool) -> &'static str {
    if v {
        "true"
    } else {
        "false"
    }
}

fn resource_json(res: &Resource, node: &str) -> Option<String> {
    let v = res.view(node)?;
    let me = res.node_state.get(node)?;
    let my_id = res.nodes.iter().position(|n| n == node).unwrap_or(0);
    let peer = res.peer_of(node).unwrap_or("peer");
    let peer_id = res.nodes.iter().position(|n| n == peer).unwrap_or(1);
    let connected = v.conn >= Conn::Connected;
    let oos = res.oos_kib(node);
    let size = res.config.size_kib;
    let mut s = String::new();
    s.push_str("{\n");
    s.push_str(&format!("  \"name\": \"{}\",\n", res.name));
    s.push_str(&format!("  \"node-id\": {my_id},\n"));
    s.push_str(&format!("  \"role\": \"{}\",\n", v.role));
    s.push_str("  \"suspended\": false,\n");
    s.push_str("  \"write-ordering\": \"flush\",\n");
    s.push_str("  \"devices\": [\n    {\n");
    s.push_str("      \"volume\": 0,\n");
    s.push_str(&format!("      \"minor\": {},\n", res.minor));
    s.push_str(&format!("      \"disk-state\": \"{}\",\n", v.disk));
    s.push_str(&format!("      \"client\": {},\n", b(false)));
    s.push_str(&format!("      \"quorum\": {},\n", b(res.has_quorum(node))));
    let dev_size = if v.disk == Disk::Diskless { 0 } else { size };
    s.push_str(&format!("      \"size\": {dev_size},\n"));
    s.push_str(&format!("      \"read\": {},\n", me.counters.dr));
    s.push_str(&format!("      \"written\": {},\n", me.counters.dw));
    s.push_str("      \"al-writes\": 0,\n      \"bm-writes\": 0,\n");
    s.push_str("      \"upper-pending\": 0,\n      \"lower-pending\": 0\n    } ],\n");
    s.push_str("  \"connections\": [\n    {\n");
    s.push_str(&format!("      \"peer-node-id\": {peer_id},\n"));
    s.push_str(&format!("      \"name\": \"{peer}\",\n"));
    s.push_str(&format!(
        "      \"connection-state\": \"{}\",\n",
        v.conn.connection9()
    ));
    s.push_str("      \"congested\": false,\n");
    let peer_role = if connected {
        v.peer.as_str()
    } else {
        "Unknown"
    };
    s.push_str(&format!("      \"peer-role\": \"{peer_role}\",\n"));
    s.push_str("      \"ap-in-flight\": 0,\n      \"rs-in-flight\": 0,\n");
    s.push_str("      \"peer_devices\": [\n        {\n");
    s.push_str("          \"volume\": 0,\n");
    s.push_str(&format!(
        "          \"replication-state\": \"{}\",\n",
        v.conn.replication9()
    ));
    s.push_str(&format!("          \"peer-disk-state\": \"{}\",\n", v.pdsk));
    s.push_str("          \"peer-client\": false,\n");
    s.push_str("          \"resync-suspended\": \"no\",\n");
    s.push_str(&format!("          \"received\": {},\n", me.counters.nr));
    s.push_str(&format!("          \"sent\": {},\n", me.counters.ns));
    s.push_str(&format!("          \"out-of-sync\": {oos},\n"));
    s.push_str("          \"pending\": 0,\n          \"unacked\": 0,\n");
    let syncing = v.conn.is_syncing();
    s.push_str(&format!(
        "          \"has-sync-details\": {},\n",
        b(syncing)
    ));
    s.push_str("          \"has-online-verify-details\": false,\n");
    let in_sync = percent_done(size, oos);
    if syncing {
        s.push_str(&format!("          \"percent-in-sync\": {in_sync:.2},\n"));
        s.push_str(&format!(
            "          \"percent-resync-done\": {in_sync:.2}\n"
        ));
    } else {
        s.push_str(&format!("          \"percent-in-sync\": {in_sync:.2}\n"));
    }
    s.push_str("        } ]\n    } ]\n}\n");
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops;

    #[test]
    fn is_valid_json_with_drbd9_keys() {
        let mut st = crate::render::up_pair(1, ["a", "b"]);
        ops::start_resync(&mut st, "r0", "a", "b", 50, Some(0), 0);
        let text = render(&st, "b", None).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(v[0]["name"], "r0");
        assert_eq!(v[0]["devices"][0]["disk-state"], "Inconsistent");
        assert_eq!(v[0]["connections"][0]["name"], "a");
        let pd = &v[0]["connections"][0]["peer_devices"][0];
        assert_eq!(pd["replication-state"], "SyncTarget");
        assert_eq!(pd["out-of-sync"], 32768);
        assert_eq!(pd["percent-in-sync"], 50.0);
        assert!(text.contains("\"percent-in-sync\": 50.00,\n"));
    }

    #[test]
    fn empty_list_when_nothing_is_up() {
        let st = SimState::default();
        assert_eq!(render(&st, "a", None), Ok("[\n]\n".to_string()));
        assert_eq!(render(&st, "a", Some("r0")), Err("r0".to_string()));
    }
}
