//! `drbdsetup status` text (what `drbdadm status` prints), non-verbose.
//!
//! * 8.4 kernels: drbd-utils' emulation (`user/v84/drbdsetup.c`: `resource_status`,
//!   `device_status`, `connection_status`, `peer_device_status`): one connection named `peer`,
//!   8.4 states mapped by `drbd_conn_str9()`/`drbd_repl_str9()`.
//! * DRBD 9 (`user/v9/drbdsetup.c`): the connection is named after the peer host.

use super::percent_done;
use super::wrap::Wrapper;
use crate::model::{Resource, SimState};
use crate::states::{Conn, Disk, Flavour};

/// Status of `filter` (a resource name) or of every up resource of `node`.
/// `Err(name)` when the named resource is not up here ("No such resource").
pub fn render(st: &SimState, node: &str, filter: Option<&str>) -> Result<String, String> {
    let resources = super::up_resources(st, node, filter)?;
    let mut w = Wrapper::new();
    for res in resources {
        resource(&mut w, res, node, st.flavour == Flavour::V9);
    }
    Ok(w.finish())
}

/// One resource block. The two emulations differ only in the connection's name (`peer` on
/// 8.4, the peer host on 9), in which state counts as connected (the 8.4 connection-level
/// state is WFReportParams once connected, "Connected" in 9), and in `client:` (9 only).
fn resource(w: &mut Wrapper, res: &Resource, node: &str, v9: bool) {
    let Some(v) = res.view(node) else {
        return;
    };
    let (peer, connected_from) = if v9 {
        (res.peer_of(node).unwrap_or("peer"), Conn::Connected)
    } else {
        ("peer", Conn::WFReportParams)
    };
    w.put(0, &res.name);
    w.put(4, &format!(" role:{}", v.role));
    w.put(0, "\n");
    // Device: volume 0 of a single-volume resource prints no "volume:".
    w.put(2, &format!(" disk:{}", v.disk));
    if v9 && v.disk == Disk::Diskless {
        // stdout is not a tty for the callers the simulator serves.
        w.put(6, " client:no");
    }
    if v9 && !res.has_quorum(node) {
        w.put(6, " quorum:no");
    }
    w.put(6, "\n");
    let connected = v.conn >= connected_from;
    w.put(2, peer);
    if !connected {
        w.put(6, &format!(" connection:{}", v.conn.connection9()));
    } else {
        w.put(6, &format!(" role:{}", v.peer));
    }
    w.put(0, "\n");
    if connected {
        let mut indent = 4;
        if v.conn > connected_from {
            w.put(indent, &format!(" replication:{}", v.conn.replication9()));
            indent = 8;
        }
        w.put(indent, &format!(" peer-disk:{}", v.pdsk));
        if v.conn.is_syncing() {
            let left = res.oos_kib(node);
            w.put(
                8,
                &format!(" done:{:.2}", percent_done(res.config.size_kib, left)),
            );
        }
        w.put(0, "\n");
    }
    w.put(0, "\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops;

    #[test]
    fn v84_connected_primary() {
        let mut st = crate::render::up_pair(1, ["alpha", "beta"]);
        assert!(ops::promote(&mut st, "r0", "alpha", false, false, 0).is_ok());
        assert_eq!(
            render(&st, "alpha", Some("r0")),
            Ok("r0 role:Primary\n  disk:UpToDate\n  peer role:Secondary\n    replication:Established peer-disk:UpToDate\n\n".to_string())
        );
    }

    #[test]
    fn v84_waiting_for_peer_shows_connecting_and_no_peer_device() {
        let mut st = crate::render::up_pair(1, ["alpha", "beta"]);
        assert!(ops::down(&mut st, "r0", "beta", false).is_ok());
        ops::reconcile(&mut st, "r0", 0);
        assert_eq!(
            render(&st, "alpha", None),
            Ok("r0 role:Secondary\n  disk:UpToDate\n  peer connection:Connecting\n\n".to_string())
        );
    }

    #[test]
    fn v84_standalone() {
        let mut st = crate::render::up_pair(1, ["alpha", "beta"]);
        assert!(ops::disconnect(&mut st, "r0", "alpha").is_ok());
        ops::reconcile(&mut st, "r0", 0);
        assert_eq!(
            render(&st, "alpha", None),
            Ok("r0 role:Secondary\n  disk:UpToDate\n  peer connection:StandAlone\n\n".to_string())
        );
    }

    #[test]
    fn v84_sync_target_shows_done() {
        let mut st = crate::render::up_pair(1, ["alpha", "beta"]);
        ops::start_resync(&mut st, "r0", "alpha", "beta", 25, Some(0), 0);
        assert_eq!(
            render(&st, "beta", None),
            Ok("r0 role:Secondary\n  disk:Inconsistent\n  peer role:Secondary\n    replication:SyncTarget peer-disk:UpToDate done:75.00\n\n".to_string())
        );
    }

    #[test]
    fn unknown_or_down_resource_is_an_error() {
        let mut st = crate::render::up_pair(1, ["alpha", "beta"]);
        assert_eq!(render(&st, "alpha", Some("r9")), Err("r9".to_string()));
        assert!(ops::down(&mut st, "r0", "alpha", false).is_ok());
        assert_eq!(render(&st, "alpha", Some("r0")), Err("r0".to_string()));
        assert_eq!(render(&st, "alpha", None), Ok(String::new()));
    }

    #[test]
    fn v9_names_the_connection_after_the_peer_host() {
        let mut st = crate::render::up_pair(1, ["alpha", "beta"]);
        st.flavour = Flavour::V9;
        assert!(ops::promote(&mut st, "r0", "alpha", false, false, 0).is_ok());
        assert_eq!(
            render(&st, "alpha", None),
            Ok("r0 role:Primary\n  disk:UpToDate\n  beta role:Secondary\n    peer-disk:UpToDate\n\n".to_string())
        );
        ops::start_resync(&mut st, "r0", "alpha", "beta", 50, Some(0), 0);
        assert_eq!(
            render(&st, "alpha", None),
            Ok("r0 role:Primary\n  disk:UpToDate\n  beta role:Secondary\n    replication:SyncSource peer-disk:Inconsistent done:50.00\n\n".to_string())
        );
    }
}
