//! `/proc/drbd` → the shared model: each configured minor becomes a resource `minor-N` with
//! one volume and one connection named `peer` (see [`crate::model`]).

use super::doc::{DeviceState, ProcDrbd, Progress, ProgressKind, Source};
use crate::model::{Connection, Device, Format, PeerDevice, Resource, Status, SyncProgress};
use crate::states::Role;

impl ProcDrbd {
    /// `ProcDrbd9` for a DRBD 9 file that only has its header (no compat devices), else `ProcDrbd8`.
    pub fn format(&self) -> Format {
        let v9 = self
            .version
            .as_ref()
            .is_some_and(|v| v.major_minor().is_some_and(|(major, _)| major >= 9) && !v.compat_84);
        let header_only = self.devices.is_empty() && self.source == Source::Proc;
        if header_only && (v9 || self.transports.is_some()) {
            Format::ProcDrbd9
        } else {
            Format::ProcDrbd8
        }
    }

    /// Converts into the shared model; Unconfigured minors have no resource.
    pub fn to_status(&self) -> Status {
        let format = self.format();
        Status {
            format,
            drbd_version: self.version.as_ref().map(|v| v.release.clone()),
            has_device_info: format != Format::ProcDrbd9,
            resources: self
                .devices
                .iter()
                .filter_map(|d| d.state.as_ref().map(|s| resource(d.minor, s)))
                .collect(),
        }
    }
}

fn resource(minor: u32, s: &DeviceState) -> Resource {
    let (state, replication) = s.cs.to_v9();
    let role = |pick: fn(&super::Pair<Role>) -> &Option<Role>| {
        s.role
            .as_ref()
            .and_then(|p| pick(p).clone())
            .unwrap_or(Role::Unknown)
    };
    let paused = [
        ("user", s.resync_paused.user),
        ("peer", s.resync_paused.peer),
        ("dependency", s.resync_paused.dependency),
    ];
    let peer_device = PeerDevice {
        volume: 0,
        replication,
        peer_disk: s.disk.as_ref().and_then(|p| p.peer.clone()),
        peer_client: None,
        resync_suspended: paused
            .iter()
            .filter(|(_, on)| *on)
            .map(|(why, _)| why.to_string())
            .collect(),
        out_of_sync_kib: s.counters.oos,
        sent_kib: s.counters.ns,
        received_kib: s.counters.nr,
        sync: s.sync.as_ref().map(sync_progress),
    };
    Resource {
        name: format!("minor-{minor}"),
        node_id: None,
        role: role(|p| &p.local),
        suspended: if s.io_suspended {
            vec!["io".to_string()]
        } else {
            vec![]
        },
        may_promote: None,
        split_brain_reported: false,
        devices: vec![Device {
            volume: 0,
            minor: Some(minor),
            disk: s.disk.as_ref().and_then(|p| p.local.clone()),
            client: None,
            quorum: None,
            open: None,
            size_kib: None,
            read_kib: s.counters.dr,
            written_kib: s.counters.dw,
        }],
        connections: vec![Connection {
            name: "peer".to_string(),
            peer_node_id: None,
            state,
            peer_role: role(|p| &p.peer),
            // Flag 5: `n` network, `a` network and backing device; `b`/`d` are not the link.
            congested: s.congestion.map(|c| matches!(c, 'n' | 'a')),
            cs8: Some(s.cs.clone()),
            peer_devices: vec![peer_device],
        }],
    }
}

fn sync_progress(p: &Progress) -> SyncProgress {
    let in_kib = |v: Option<u64>| p.unit.zip(v).and_then(|(unit, v)| unit.kib(v));
    // The pre-8.3.10 verify line counts 4 KiB bitmap bits.
    let bits_kib = |v: Option<u64>| v.and_then(|b| b.checked_mul(4));
    let (remaining_kib, total_kib) = match p.kind {
        ProgressKind::VerifyLegacy => (
            bits_kib(
                p.total_bits
                    .zip(p.done_bits)
                    .map(|(t, d)| t.saturating_sub(d)),
            ),
            bits_kib(p.total_bits),
        ),
        _ => (in_kib(p.left), in_kib(p.total)),
    };
    SyncProgress {
        verify: p.kind != ProgressKind::Resync,
        percent: p.percent,
        remaining_kib,
        total_kib,
        speed_kib_s: p.speed_kib_s.and_then(|v| u64::try_from(v).ok()),
        eta_seconds: if p.stalled { None } else { p.finish_seconds },
        stalled: p.stalled,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse, tests::FIXTURES};
    use crate::model::{Format, Status};
    use crate::states::{ConnState8, ConnectionState, DiskState, ReplicationState, Role};

    fn status(input: &str) -> Status {
        parse(input).expect("parses").doc.to_status()
    }

    #[test]
    fn each_configured_minor_becomes_a_resource_with_one_peer() {
        let s = status(FIXTURES[0]);
        assert_eq!(s.format, Format::ProcDrbd8);
        assert_eq!(s.drbd_version.as_deref(), Some("8.0.16"));
        let names: Vec<&str> = s.resources.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["minor-0", "minor-4"],
            "Unconfigured minor 1 is omitted"
        );
        let r = s.resource("minor-0").unwrap();
        assert_eq!(r.role, Role::Primary);
        assert_eq!(r.devices[0].minor, Some(0));
        assert_eq!(r.devices[0].disk, Some(DiskState::UpToDate));
        let c = &r.connections[0];
        assert_eq!(
            (c.name.as_str(), &c.state),
            ("peer", &ConnectionState::Connected)
        );
        assert_eq!(c.cs8, Some(ConnState8::Connected));
        assert_eq!(c.peer_role, Role::Secondary);
        let p = &c.peer_devices[0];
        assert_eq!(p.replication, ReplicationState::Established);
        assert_eq!((p.sent_kib, p.received_kib), (Some(102400), Some(0)));
    }

    #[test]
    fn standalone_maps_to_off_with_outdated_disk() {
        let s = status(FIXTURES[0]);
        let r = s.resource("minor-4").unwrap();
        assert_eq!(r.connections[0].state, ConnectionState::StandAlone);
        assert_eq!(
            r.connections[0].peer_devices[0].replication,
            ReplicationState::Off
        );
        assert_eq!(
            r.connections[0].peer_devices[0].peer_disk,
            Some(DiskState::DUnknown)
        );
    }

    #[test]
    fn sync_progress_is_in_kib_with_m_units_converted() {
        let s = status(FIXTURES[4]);
        let p = &s.resource("minor-0").unwrap().connections[0].peer_devices[0];
        let sync = p.sync.as_ref().unwrap();
        assert_eq!(sync.remaining_kib, Some(7168 * 1024));
        assert_eq!(sync.total_kib, Some(10236 * 1024));
        assert_eq!(
            (sync.speed_kib_s, sync.eta_seconds),
            (Some(65536), Some(112))
        );
        assert!(!sync.verify && !sync.stalled);
        assert_eq!(p.out_of_sync_kib, Some(7340032));
        let verify = s.resource("minor-1").unwrap().connections[0].peer_devices[0]
            .sync
            .clone();
        assert!(verify.unwrap().verify);
    }

    #[test]
    fn stalled_or_infinite_finish_has_no_eta() {
        let s = status(FIXTURES[3]);
        let sync = s.resources[0].connections[0].peer_devices[0]
            .sync
            .clone()
            .unwrap();
        assert!(sync.stalled);
        assert_eq!(sync.eta_seconds, None);
        let s = status(FIXTURES[6]);
        let sync = s.resources[0].connections[0].peer_devices[0]
            .sync
            .clone()
            .unwrap();
        assert_eq!((sync.eta_seconds, sync.speed_kib_s), (None, None));
    }

    #[test]
    fn legacy_verify_counts_bitmap_bits_as_4_kib() {
        let s = status(FIXTURES[1]);
        let sync = s.resources[0].connections[0].peer_devices[0]
            .sync
            .clone()
            .unwrap();
        assert!(sync.verify);
        assert_eq!(
            (sync.remaining_kib, sync.total_kib),
            (Some(196608 * 4), Some(262144 * 4))
        );
    }

    #[test]
    fn flags_become_suspension_pause_and_congestion() {
        let input = FIXTURES[2].replace("C r----\n    ns:1245184", "C s-pun\n    ns:1245184");
        let s = status(&input);
        let r = s.resource("minor-0").unwrap();
        assert_eq!(r.suspended, ["io"]);
        assert_eq!(r.connections[0].congested, Some(true));
        assert_eq!(
            r.connections[0].peer_devices[0].resync_suspended,
            ["user", "peer"]
        );
        let other = s.resource("minor-1").unwrap();
        assert!(other.suspended.is_empty());
        assert_eq!(other.connections[0].congested, Some(false));
    }

    #[test]
    fn header_only_drbd9_reports_no_device_info() {
        let s = status(FIXTURES[5]);
        assert_eq!(s.format, Format::ProcDrbd9);
        assert!(!s.has_device_info && s.resources.is_empty());
    }
}
