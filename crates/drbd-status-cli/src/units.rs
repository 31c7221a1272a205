//! Numbers as operators read them: percentages, durations, sizes, and resync progress.

use drbd_status::model::PeerDevice;

/// Percent done of the resync or verify on this peer device, when it can be told:
/// DRBD's own figure, else computed from remaining and total.
pub fn sync_percent(pd: &PeerDevice) -> Option<f64> {
    let sync = pd.sync.as_ref()?;
    let percent = sync.percent.or_else(|| {
        let total = sync.total_kib.filter(|&t| t > 0)?;
        let done = total.saturating_sub(sync.remaining_kib?);
        Some(done as f64 * 100.0 / total as f64)
    })?;
    percent.is_finite().then(|| percent.clamp(0.0, 100.0))
}

/// `34.5%`: one decimal, like DRBD's own `sync'ed:` figure.
pub fn percent(value: f64) -> String {
    format!("{value:.1}%")
}

/// A number without trailing zeros and at most two decimals (`34.5`, `100`), for perfdata.
pub fn plain_number(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    format!("{rounded}")
}

/// `h:mm:ss`, like DRBD's `finish:` (hours are not wrapped at 24).
pub fn duration(seconds: u64) -> String {
    format!(
        "{}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// A size in KiB in the largest binary unit that keeps it >= 1 (`512 KiB`, `1.5 GiB`).
pub fn size_kib(kib: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if kib < 1024 {
        return format!("{kib} KiB");
    }
    let mut value = kib as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A speed in KiB/s in MiB/s when large enough.
pub fn speed_kib_s(kib_s: u64) -> String {
    if kib_s < 1024 {
        format!("{kib_s} KiB/s")
    } else {
        format!("{:.1} MiB/s", kib_s as f64 / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drbd_status::model::SyncProgress;
    use drbd_status::states::ReplicationState;

    fn syncing(sync: SyncProgress) -> PeerDevice {
        PeerDevice {
            volume: 0,
            replication: ReplicationState::SyncTarget,
            peer_disk: None,
            peer_client: None,
            resync_suspended: vec![],
            out_of_sync_kib: None,
            sent_kib: None,
            received_kib: None,
            sync: Some(sync),
        }
    }

    #[test]
    fn percent_comes_from_drbd_or_from_remaining_and_total() {
        let given = syncing(SyncProgress {
            percent: Some(34.5),
            ..Default::default()
        });
        assert_eq!(sync_percent(&given), Some(34.5));
        let computed = syncing(SyncProgress {
            remaining_kib: Some(750),
            total_kib: Some(1000),
            ..Default::default()
        });
        assert_eq!(sync_percent(&computed), Some(25.0));
        let unknown = syncing(SyncProgress {
            total_kib: Some(0),
            remaining_kib: Some(0),
            ..Default::default()
        });
        assert_eq!(sync_percent(&unknown), None);
        let nan = syncing(SyncProgress {
            percent: Some(f64::NAN),
            ..Default::default()
        });
        assert_eq!(sync_percent(&nan), None);
    }

    #[test]
    fn numbers_read_like_drbd_prints_them() {
        assert_eq!(percent(34.5), "34.5%");
        assert_eq!(percent(100.0), "100.0%");
        assert_eq!(plain_number(34.5), "34.5");
        assert_eq!(plain_number(100.0), "100");
        assert_eq!(plain_number(71.0899), "71.09");
        assert_eq!(duration(236), "0:03:56");
        assert_eq!(duration(90061), "25:01:01");
        assert_eq!(size_kib(512), "512 KiB");
        assert_eq!(size_kib(1_048_320), "1023.8 MiB");
        assert_eq!(size_kib(1_572_864), "1.5 GiB");
        assert_eq!(speed_kib_s(64_800), "63.3 MiB/s");
        assert_eq!(speed_kib_s(800), "800 KiB/s");
    }
}
