//! DRBD's resource-level fencing: when the `fence-peer` handler runs, its environment, and what
//! the kernel makes of its exit code (`conn_try_outdate_peer()` of DRBD 8.4, `drbd_nl.c`).
//!
//! The kernel runs the handler (through `drbdadm fence-peer minor-N`) when it must not go on
//! without knowing that the peer's data is outdated: a Secondary asked to become Primary while
//! its peer's disk is unknown, and a Primary that lost its peer. With `resource-and-stonith` that
//! Primary's I/O is frozen until the handler has answered (see [`crate::model::Resource::view`]).
//!
//! | exit | kernel's word | effect |
//! |---|---|---|
//! | 3 | peer is inconsistent or worse | peer disk Inconsistent |
//! | 4 | peer was fenced | peer disk Outdated |
//! | 5 | peer is unreachable, assumed to be dead | peer disk Outdated, only if the local disk is UpToDate |
//! | 6 | peer is active | the local disk becomes Outdated ("Peer is primary, outdating myself.") |
//! | 7 | peer was stonithed | peer disk Outdated (an error is logged unless resource-and-stonith) |
//! | other | helper broken | nothing changes: promotion refused, I/O stays frozen |

use crate::model::{Resource, SimState};
use crate::ops::{node_mut, set_disk};
use crate::states::{Conn, Disk, Fencing};

/// How long a handler may run before it is killed and counted as broken. DRBD itself waits
/// for ever; the simulator keeps every action bounded.
pub const HANDLER_DEADLINE_MS: u64 = 120_000;

/// What a handler run came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerRun {
    /// The exit code; `None` when it could not be started, was killed or ran out of time.
    pub code: Option<i32>,
    /// What it printed (stdout and stderr), for the kernel log.
    pub output: String,
}

/// The kernel's reading of an exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The peer's disk state to record, if any.
    pub pdsk: Option<Disk>,
    /// The local disk state to set (exit 6), if any.
    pub disk: Option<Disk>,
    /// The kernel log lines (`drbd r0: ` is prefixed by the caller).
    pub log: Vec<String>,
}

impl Verdict {
    /// `conn_try_outdate_peer()`'s result: the peer is now known to be outdated or worse.
    pub fn peer_outdated(&self) -> bool {
        matches!(self.pdsk, Some(d) if d <= Disk::Outdated)
    }
}

/// Reads a handler's exit code as the kernel does; `local` is the caller's disk state.
pub fn interpret(code: Option<i32>, fencing: Fencing, local: Disk) -> Verdict {
    let mut v = Verdict {
        pdsk: None,
        disk: None,
        log: Vec::new(),
    };
    let word = match code {
        Some(3) => {
            v.pdsk = Some(Disk::Inconsistent);
            "peer is inconsistent or worse"
        }
        Some(4) => {
            v.pdsk = Some(Disk::Outdated);
            "peer was fenced"
        }
        Some(5) if local == Disk::UpToDate => {
            v.pdsk = Some(Disk::Outdated);
            "peer is unreachable, assumed to be dead"
        }
        Some(5) => "peer unreachable, doing nothing since disk != UpToDate",
        Some(6) => {
            v.log.push("Peer is primary, outdating myself.".into());
            v.disk = Some(Disk::Outdated);
            "peer is active"
        }
        Some(7) => {
            if fencing != Fencing::ResourceAndStonith {
                v.log
                    .push("fence-peer() = 7 && fencing != Stonith !!!".into());
            }
            v.pdsk = Some(Disk::Outdated);
            "peer was stonithed"
        }
        other => {
            // The kernel shifts the wait status: a killed helper reads as 0.
            let shown = other.unwrap_or(0) & 0xff;
            v.log
                .push(format!("fence-peer helper broken, returned {shown}"));
            return v;
        }
    };
    v.log.push(format!(
        "fence-peer helper returned {} ({word})",
        code.unwrap_or(0)
    ));
    v
}

/// Whether promoting `node` should first ask the handler (the kernel does on "peer not
/// outdated" (-7) and on "no UpToDate data" with a Consistent disk): fencing on, a handler
/// configured, not connected, the peer's disk not known outdated, our own disk Consistent or
/// better ("Not fencing peer, I'm not even Consistent myself." otherwise).
pub fn wanted(res: &Resource, node: &str) -> bool {
    let Some(v) = res.view(node) else {
        return false;
    };
    res.config.fencing != Fencing::DontCare
        && !res.config.fence_peer.is_empty()
        && v.conn < Conn::Connected
        && v.pdsk > Disk::Outdated
        && v.disk >= Disk::Consistent
}

/// The handler's environment: the kernel's (`HOME`, `TERM`, `PATH`, `DRBD_PEER_AF`,
/// `DRBD_PEER_ADDRESS`) plus what `drbdadm` adds for handlers (`DRBD_RESOURCE`, `DRBD_MINOR`,
/// `DRBD_CONF`, `DRBD_PEERS`, and the older `DRBD_PEER`).
pub fn environment(res: &Resource, node: &str, conf: &str) -> Vec<(String, String)> {
    let peer = res.peer_of(node).unwrap_or("").to_string();
    let peer_ip = res
        .config
        .addresses
        .get(&peer)
        .map(|a| {
            a.rsplit_once(':')
                .map_or(a.as_str(), |(ip, _)| ip)
                .to_string()
        })
        .unwrap_or_default();
    [
        ("HOME", "/".to_string()),
        ("TERM", "linux".to_string()),
        ("PATH", "/sbin:/usr/sbin:/bin:/usr/bin".to_string()),
        ("DRBD_PEER_AF", "ipv4".to_string()),
        ("DRBD_PEER_ADDRESS", peer_ip),
        ("DRBD_RESOURCE", res.name.clone()),
        ("DRBD_MINOR", res.minor.to_string()),
        ("DRBD_CONF", conf.to_string()),
        ("DRBD_PEERS", peer.clone()),
        ("DRBD_PEER", peer),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Records the verdict on `node`, unless the link came back meanwhile (the kernel ignores a
/// late answer then). A Consistent disk whose peer is now outdated counts as UpToDate, as the
/// kernel's promotion retry sets it.
pub fn apply(st: &mut SimState, name: &str, node: &str, verdict: &Verdict) {
    if st.resources.get(name).is_none_or(|r| r.connected) {
        return;
    }
    let outdated = verdict.peer_outdated();
    let Some(me) = node_mut(st, name, node) else {
        return;
    };
    if !me.up {
        return;
    }
    if let Some(pdsk) = verdict.pdsk {
        me.pdsk_memory = pdsk;
        me.md.peer_outdated = pdsk == Disk::Outdated;
    }
    if let Some(disk) = verdict.disk {
        set_disk(me, disk);
    }
    if outdated && me.disk == Disk::Consistent {
        set_disk(me, Disk::UpToDate);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_read_as_the_kernel_reads_them() {
        let s = Fencing::ResourceAndStonith;
        let up = Disk::UpToDate;
        assert_eq!(interpret(Some(3), s, up).pdsk, Some(Disk::Inconsistent));
        assert_eq!(interpret(Some(4), s, up).pdsk, Some(Disk::Outdated));
        assert_eq!(interpret(Some(5), s, up).pdsk, Some(Disk::Outdated));
        assert_eq!(interpret(Some(5), s, Disk::Consistent).pdsk, None);
        let six = interpret(Some(6), s, up);
        assert_eq!((six.pdsk, six.disk), (None, Some(Disk::Outdated)));
        assert_eq!(interpret(Some(7), s, up).pdsk, Some(Disk::Outdated));
        for broken in [Some(0), Some(1), Some(2), Some(8), Some(100), None] {
            let v = interpret(broken, s, up);
            assert_eq!((v.pdsk, v.disk), (None, None), "{broken:?}");
            assert!(!v.peer_outdated());
        }
    }

    #[test]
    fn kernel_log_lines_are_drbd_s() {
        let v = interpret(Some(7), Fencing::ResourceAndStonith, Disk::UpToDate);
        assert_eq!(v.log, ["fence-peer helper returned 7 (peer was stonithed)"]);
        let v = interpret(Some(7), Fencing::ResourceOnly, Disk::UpToDate);
        assert_eq!(
            v.log,
            [
                "fence-peer() = 7 && fencing != Stonith !!!",
                "fence-peer helper returned 7 (peer was stonithed)"
            ]
        );
        let v = interpret(Some(1), Fencing::ResourceOnly, Disk::UpToDate);
        assert_eq!(v.log, ["fence-peer helper broken, returned 1"]);
        let v = interpret(Some(5), Fencing::ResourceOnly, Disk::Consistent);
        assert_eq!(
            v.log,
            ["fence-peer helper returned 5 (peer unreachable, doing nothing since disk != UpToDate)"]
        );
        let v = interpret(Some(6), Fencing::ResourceOnly, Disk::UpToDate);
        assert_eq!(
            v.log,
            [
                "Peer is primary, outdating myself.",
                "fence-peer helper returned 6 (peer is active)"
            ]
        );
    }
}
