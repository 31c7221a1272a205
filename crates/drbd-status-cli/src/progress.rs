//! Text progress bars for running resyncs and verifies: `[======>.............] 34.5% ETA 0:03:56`.

use crate::units;
use drbd_status::model::{PeerDevice, Status};

/// Characters between the brackets, as in DRBD's own `/proc/drbd` bar.
pub const BAR_WIDTH: usize = 20;

/// `[=====>....]`: `=` for what is done, `>` at the current position, `.` for what is left,
/// drawn like DRBD's `/proc/drbd` bar (every full 5 % moves the arrow one step).
pub fn bar(percent: f64) -> String {
    let percent = if percent.is_finite() {
        percent.clamp(0.0, 100.0)
    } else {
        0.0
    };
    let steps = (percent / 100.0 * BAR_WIDTH as f64) as usize;
    let done = steps.saturating_sub(1).min(BAR_WIDTH - 1);
    format!(
        "[{}>{}]",
        "=".repeat(done),
        ".".repeat(BAR_WIDTH - 1 - done)
    )
}

/// Bar, percent and ETA (or why there is none) of one peer device's resync or verify.
pub fn progress(pd: &PeerDevice) -> String {
    let Some(percent) = units::sync_percent(pd) else {
        return if pd.resync_suspended.is_empty() {
            "no progress reported yet".into()
        } else {
            format!("paused ({})", pd.resync_suspended.join(","))
        };
    };
    let mut line = format!("{} {}", bar(percent), units::percent(percent));
    let sync = pd.sync.as_ref();
    match sync.and_then(|s| s.eta_seconds) {
        Some(eta) => line.push_str(&format!(" ETA {}", units::duration(eta))),
        None => line.push_str(" ETA unknown"),
    }
    if let Some(speed) = sync.and_then(|s| s.speed_kib_s) {
        line.push_str(&format!(" at {}", units::speed_kib_s(speed)));
    }
    if sync.is_some_and(|s| s.stalled) {
        line.push_str(" (stalled)");
    }
    line
}

/// One line per resync or verify in progress: `r0/peer/0 SyncTarget [====>...] 34.5% ETA …`.
pub fn lines(status: &Status) -> Vec<String> {
    let mut lines = Vec::new();
    for r in &status.resources {
        for c in &r.connections {
            for pd in &c.peer_devices {
                if pd.replication.is_syncing() || pd.replication.is_verifying() {
                    lines.push(format!(
                        "{}/{}/{} {} {}",
                        r.name,
                        c.label(),
                        pd.volume,
                        pd.replication,
                        progress(pd)
                    ));
                }
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::*;
    use drbd_status::states::{DiskState, ReplicationState};

    #[test]
    fn bar_marks_position_with_an_arrow() {
        assert_eq!(bar(0.0), "[>...................]");
        assert_eq!(bar(4.9), "[>...................]");
        assert_eq!(bar(34.5), "[=====>..............]");
        assert_eq!(bar(50.0), "[=========>..........]");
        assert_eq!(bar(100.0), "[===================>]");
        assert_eq!(bar(250.0), bar(100.0));
        assert_eq!(bar(f64::NAN), bar(0.0));
    }

    #[test]
    fn each_resync_gets_a_line_with_eta() {
        let s = status(vec![connected_primary(), sync_target()]);
        assert_eq!(
            lines(&s),
            vec!["minor-1/peer/0 SyncTarget [=====>..............] 34.5% ETA 0:03:56 at 2.8 MiB/s"]
        );
    }

    #[test]
    fn paused_and_unestimated_resyncs_say_so() {
        let mut pd = peer_device(0, ReplicationState::PausedSyncS, DiskState::Inconsistent);
        pd.resync_suspended = vec!["peer".into()];
        assert_eq!(progress(&pd), "paused (peer)");
        let mut pd = sync_target().connections[0].peer_devices[0].clone();
        let sync = pd.sync.as_mut().unwrap();
        sync.eta_seconds = None;
        sync.speed_kib_s = None;
        sync.stalled = true;
        assert_eq!(
            progress(&pd),
            "[=====>..............] 34.5% ETA unknown (stalled)"
        );
    }
}
