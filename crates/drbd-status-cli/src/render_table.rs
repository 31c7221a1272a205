//! The default output: one table row per resource / volume / peer, then what needs attention.

use crate::input::Report;
use crate::units;
use drbd_status::health::Level;
use drbd_status::model::{Connection, Device, PeerDevice, Resource, Status};

const HEADERS: [&str; 10] = [
    "RESOURCE",
    "ROLE",
    "VOL/MINOR",
    "DISK",
    "PEER",
    "CONNECTION",
    "REPLICATION",
    "PEER-ROLE",
    "PEER-DISK",
    "SYNC",
];
/// Shown where a row has no such object (no peer, no local volume).
const NONE: &str = "-";
/// Shown where the object exists but the input did not report the value.
const UNREPORTED: &str = "?";

type Row = [String; 10];

/// Table, unknown values and health verdict, as printed on stdout.
pub fn render(report: &Report) -> String {
    render_with(report, &[])
}

/// Like [`render`], with `extra` lines (progress bars) between the table and the verdict.
pub fn render_with(report: &Report, extra: &[String]) -> String {
    let status = &report.status;
    let mut out = String::new();
    if !status.has_device_info {
        let version = status.drbd_version.as_deref().unwrap_or("9");
        out.push_str(&format!(
            "{}: no device information (DRBD {version} /proc/drbd shows only the version; \
             read `drbdsetup status --json` instead)\n",
            report.origin
        ));
    } else if status.resources.is_empty() {
        out.push_str("no DRBD resources configured\n");
    } else {
        out.push_str(&table(status));
    }
    for line in extra {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&footer(status));
    out
}

/// Diagnostics as stderr lines naming the input.
pub fn diagnostic_lines(report: &Report) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .map(|d| format!("drbd-status: {}: {d}", report.origin))
        .collect()
}

/// The aligned table with its header row.
pub fn table(status: &Status) -> String {
    let mut rows: Vec<Row> = vec![HEADERS.map(String::from)];
    for r in &status.resources {
        rows.extend(resource_rows(r));
    }
    let widths: Vec<usize> = (0..HEADERS.len())
        .map(|col| {
            rows.iter()
                .map(|row| row[col].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(&widths) {
            line.push_str(&format!("{cell:<width$}  "));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Unknown values kept raw, then the health verdict and its reasons.
fn footer(status: &Status) -> String {
    let mut out = String::new();
    let unknown = status.unknown_values();
    let unknown_reasons: Vec<String> = unknown
        .iter()
        .map(|u| format!("{}: unknown value '{}'", u.at, u.raw))
        .collect();
    for u in &unknown {
        out.push_str(&format!(
            "unknown value at {}: '{}' (kept as printed)\n",
            u.at, u.raw
        ));
    }
    let health = status.health();
    out.push_str(&format!("health: {}\n", health.level.as_str()));
    if health.level != Level::Ok {
        for reason in health
            .reasons
            .iter()
            .filter(|r| !unknown_reasons.contains(r))
        {
            out.push_str(&format!("  {reason}\n"));
        }
    }
    out
}

/// Rows of one resource: every local volume against every peer, then what is left over
/// (peer volumes with no local device, connections without peer devices, a bare resource).
fn resource_rows(r: &Resource) -> Vec<Row> {
    let mut rows = Vec::new();
    for d in &r.devices {
        if r.connections.is_empty() {
            rows.push(row(r, Some(d), None, None));
        }
        for c in &r.connections {
            let pd = c.peer_devices.iter().find(|p| p.volume == d.volume);
            rows.push(row(r, Some(d), Some(c), pd));
        }
    }
    for c in &r.connections {
        let orphans = c
            .peer_devices
            .iter()
            .filter(|p| !r.devices.iter().any(|d| d.volume == p.volume));
        for pd in orphans {
            rows.push(row(r, None, Some(c), Some(pd)));
        }
        if r.devices.is_empty() && c.peer_devices.is_empty() {
            rows.push(row(r, None, Some(c), None));
        }
    }
    if rows.is_empty() {
        rows.push(row(r, None, None, None));
    }
    rows
}

fn row(r: &Resource, d: Option<&Device>, c: Option<&Connection>, pd: Option<&PeerDevice>) -> Row {
    let text = |s: &str| s.to_string();
    let opt = |v: Option<String>| v.unwrap_or_else(|| UNREPORTED.to_string());
    let role = if r.suspended.is_empty() {
        r.role.to_string()
    } else {
        format!("{} (suspended)", r.role)
    };
    let volume = match (d, pd) {
        (Some(d), _) => match d.minor {
            Some(minor) => format!("{}/{minor}", d.volume),
            None => d.volume.to_string(),
        },
        (None, Some(pd)) => pd.volume.to_string(),
        (None, None) => text(NONE),
    };
    let disk = d.map_or(text(NONE), |d| opt(d.disk.as_ref().map(|s| s.to_string())));
    let (peer, connection, peer_role) = match c {
        Some(c) => (c.label(), c.state.to_string(), c.peer_role.to_string()),
        None => (text(NONE), text(NONE), text(NONE)),
    };
    let (replication, peer_disk, sync) = match pd {
        Some(pd) => (
            pd.replication.to_string(),
            opt(pd.peer_disk.as_ref().map(|s| s.to_string())),
            sync_cell(pd),
        ),
        None => (text(NONE), text(NONE), text(NONE)),
    };
    [
        r.name.clone(),
        role,
        volume,
        disk,
        peer,
        connection,
        replication,
        peer_role,
        peer_disk,
        sync,
    ]
}

/// `34.5% ETA 0:03:56`, `verify 12.0%`, `paused (user)`, or the out-of-sync amount.
pub fn sync_cell(pd: &PeerDevice) -> String {
    if let Some(sync) = &pd.sync {
        let mut cell = String::new();
        if sync.verify {
            cell.push_str("verify ");
        }
        match units::sync_percent(pd) {
            Some(p) => cell.push_str(&units::percent(p)),
            None => cell.push_str(UNREPORTED),
        }
        if let Some(eta) = sync.eta_seconds {
            cell.push_str(&format!(" ETA {}", units::duration(eta)));
        }
        if sync.stalled {
            cell.push_str(" stalled");
        }
        return cell;
    }
    if !pd.resync_suspended.is_empty() {
        return format!("paused ({})", pd.resync_suspended.join(","));
    }
    match pd.out_of_sync_kib {
        Some(kib) if kib > 0 => format!("{} out of sync", units::size_kib(kib)),
        _ => NONE.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::*;
    use drbd_status::states::{ConnectionState, DiskState, ReplicationState, Role};
    use drbd_status::Diagnostic;

    #[test]
    fn one_row_per_volume_and_peer_aligned_under_headers() {
        let status = status(vec![connected_primary(), sync_target()]);
        assert_eq!(
            table(&status),
            "\
RESOURCE  ROLE       VOL/MINOR  DISK          PEER  CONNECTION  REPLICATION  PEER-ROLE  PEER-DISK  SYNC
minor-0   Primary    0/0        UpToDate      peer  Connected   Established  Secondary  UpToDate   -
minor-1   Secondary  0/1        Inconsistent  peer  Connected   SyncTarget   Primary    UpToDate   34.5% ETA 0:03:56
"
        );
    }

    #[test]
    fn render_ends_with_health_and_its_reasons() {
        let out = render(&report(
            status(vec![connected_primary(), sync_target()]),
            vec![],
        ));
        assert!(out.ends_with(
            "health: WARNING\n  minor-1/0: disk Inconsistent, resync running\n  minor-1/peer/0: SyncTarget 34.5%\n"
        ), "{out}");
        let out = render(&report(status(vec![connected_primary()]), vec![]));
        assert!(out.ends_with("\nhealth: OK\n"), "{out}");
    }

    #[test]
    fn two_peers_and_two_volumes_give_four_rows() {
        let alpha = connection(
            "alpha",
            ConnectionState::Connected,
            Role::Secondary,
            vec![
                peer_device(0, ReplicationState::Established, DiskState::UpToDate),
                peer_device(1, ReplicationState::Established, DiskState::UpToDate),
            ],
        );
        let mut beta = alpha.clone();
        beta.name = "beta".into();
        let r = resource(
            "r0",
            Role::Primary,
            vec![
                device(0, None, DiskState::UpToDate),
                device(1, None, DiskState::UpToDate),
            ],
            vec![alpha, beta],
        );
        let rows = resource_rows(&r);
        let keys: Vec<(String, String)> = rows
            .iter()
            .map(|row| (row[2].clone(), row[4].clone()))
            .collect();
        let expected = [("0", "alpha"), ("0", "beta"), ("1", "alpha"), ("1", "beta")];
        assert_eq!(keys, expected.map(|(v, p)| (v.to_string(), p.to_string())));
    }

    #[test]
    fn connecting_peer_without_peer_devices_still_has_a_row() {
        let c = connection("alpha", ConnectionState::Connecting, Role::Unknown, vec![]);
        let r = resource(
            "r0",
            Role::Primary,
            vec![device(0, Some(3), DiskState::UpToDate)],
            vec![c],
        );
        let rows = resource_rows(&r);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            &rows[0][3..9],
            ["UpToDate", "alpha", "Connecting", "-", "Unknown", "-"]
        );
        let bare = resource("r1", Role::Secondary, vec![], vec![]);
        assert_eq!(resource_rows(&bare)[0][..3], ["r1", "Secondary", "-"]);
    }

    #[test]
    fn sync_cell_shows_pause_and_out_of_sync() {
        let mut pd = peer_device(0, ReplicationState::PausedSyncT, DiskState::UpToDate);
        pd.resync_suspended = vec!["user".into()];
        assert_eq!(sync_cell(&pd), "paused (user)");
        let mut pd = peer_device(0, ReplicationState::Off, DiskState::DUnknown);
        pd.out_of_sync_kib = Some(1_048_320);
        assert_eq!(sync_cell(&pd), "1023.8 MiB out of sync");
        let mut verify = sync_target().connections[0].peer_devices[0].clone();
        verify.sync.as_mut().unwrap().verify = true;
        verify.sync.as_mut().unwrap().stalled = true;
        verify.sync.as_mut().unwrap().eta_seconds = None;
        assert_eq!(sync_cell(&verify), "verify 34.5% stalled");
    }

    #[test]
    fn unknown_values_are_listed_once() {
        let mut r = connected_primary();
        r.connections[0].peer_role = Role::from("TOO_LARGE");
        let out = render(&report(status(vec![r]), vec![]));
        assert!(out.contains("unknown value at minor-0/peer role: 'TOO_LARGE' (kept as printed)\n"));
        assert!(out.ends_with("health: UNKNOWN\n"), "{out}");
    }

    #[test]
    fn header_only_proc_says_where_to_look() {
        let mut s = status(vec![]);
        s.has_device_info = false;
        s.drbd_version = Some("9.2.12".into());
        let out = render(&report(s, vec![]));
        assert!(out.starts_with("/proc/drbd: no device information (DRBD 9.2.12 /proc/drbd"));
        let out = render(&report(status(vec![]), vec![]));
        assert_eq!(out, "no DRBD resources configured\nhealth: OK\n");
    }

    #[test]
    fn diagnostics_name_the_input() {
        let r = report(
            status(vec![]),
            vec![Diagnostic::warning(3, "unknown key 'foo'")],
        );
        assert_eq!(
            diagnostic_lines(&r),
            vec!["drbd-status: /proc/drbd: warning: line 3: unknown key 'foo'"]
        );
    }
}
