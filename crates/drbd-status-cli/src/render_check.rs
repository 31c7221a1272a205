//! `--check`: a Nagios/Icinga plugin answer (status line, perfdata, long output, exit level).
//!
//! Follows the Monitoring Plugins development guidelines: one line
//! `DRBD <LEVEL> - <summary> | <perfdata>`, perfdata as `'label'=value[UOM];warn;crit;min;max`,
//! further lines with the details, exit code 0 OK / 1 WARNING / 2 CRITICAL / 3 UNKNOWN.

use crate::input::Report;
use crate::units;
use drbd_status::health::Level;
use drbd_status::model::{Resource, Status};
use drbd_status::states::DiskState;
use std::collections::BTreeSet;

/// How many reasons the status line names before `(+N more)`.
const SUMMARY_REASONS: usize = 2;
/// How many resources an OK status line names.
const SUMMARY_RESOURCES: usize = 4;

/// The plugin's whole answer.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    pub level: Level,
    /// Status line plus long output, newline-terminated.
    pub output: String,
}

impl CheckResult {
    pub fn exit_code(&self) -> i32 {
        self.level.exit_code()
    }
}

/// Judges a report. With `strict`, an incomplete input is UNKNOWN whatever the state says.
pub fn check(report: &Report, strict: bool) -> CheckResult {
    let status = &report.status;
    let health = status.health();
    let mut level = health.level;
    let mut reasons = ranked_reasons(status, &health.reasons);
    if strict && report.is_partial() {
        level = level.max(Level::Unknown);
        reasons.insert(0, format!("{}: input incomplete (--strict)", report.origin));
    }
    let summary = if reasons.is_empty() {
        ok_summary(status)
    } else {
        let more = reasons.len().saturating_sub(SUMMARY_REASONS);
        let mut s = reasons
            .iter()
            .take(SUMMARY_REASONS)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ");
        if more > 0 {
            s.push_str(&format!(" (+{more} more)"));
        }
        s
    };
    let mut output = format!("DRBD {} - {}", level.as_str(), clean(&summary));
    let perf = perfdata(status);
    if !perf.is_empty() {
        output.push_str(" | ");
        output.push_str(&perf.join(" "));
    }
    output.push('\n');
    if reasons.len() > 1 {
        for reason in &reasons {
            output.push_str(&clean(reason));
            output.push('\n');
        }
    }
    for d in &report.diagnostics {
        output.push_str(&clean(&format!("{}: {d}", report.origin)));
        output.push('\n');
    }
    CheckResult { level, output }
}

/// The answer when there is nothing to judge (unreadable input, unknown resource).
pub fn unknown(message: &str) -> CheckResult {
    CheckResult {
        level: Level::Unknown,
        output: format!("DRBD UNKNOWN - {}\n", clean(message)),
    }
}

/// Health reasons, those of the worst resources first (stable within a level).
fn ranked_reasons(status: &Status, reasons: &[String]) -> Vec<String> {
    let per_resource: Vec<(Level, Vec<String>)> = status
        .resources
        .iter()
        .map(|r| {
            let h = r.health();
            (h.level, h.reasons)
        })
        .collect();
    let level_of = |reason: &String| {
        per_resource
            .iter()
            .find(|(_, rs)| rs.contains(reason))
            .map_or(Level::Unknown, |(level, _)| *level)
    };
    let mut ranked: Vec<(Level, String)> =
        reasons.iter().map(|r| (level_of(r), r.clone())).collect();
    ranked.sort_by_key(|(level, _)| std::cmp::Reverse(*level));
    ranked.into_iter().map(|(_, r)| r).collect()
}

fn ok_summary(status: &Status) -> String {
    let count = status.resources.len();
    if count == 0 {
        return "no DRBD resources configured".into();
    }
    let plural = if count == 1 { "" } else { "s" };
    let mut named: Vec<String> = status
        .resources
        .iter()
        .take(SUMMARY_RESOURCES)
        .map(|r| format!("{} {}", r.name, r.role))
        .collect();
    if count > SUMMARY_RESOURCES {
        named.push(format!("+{} more", count - SUMMARY_RESOURCES));
    }
    format!("{count} resource{plural} OK: {}", named.join(", "))
}

/// Per resource and volume: out-of-sync KiB, resync percent and seconds to go.
pub fn perfdata(status: &Status) -> Vec<String> {
    let mut perf = Vec::new();
    for r in &status.resources {
        for volume in volumes(r) {
            let prefix = format!("{}_{volume}", r.name);
            let pds: Vec<_> = r.peer_devices().filter(|p| p.volume == volume).collect();
            if let Some(oos) = pds.iter().filter_map(|p| p.out_of_sync_kib).max() {
                perf.push(format!("{}={oos}KB;;;0", label(&format!("{prefix}_oos"))));
            }
            let syncing: Vec<_> = pds.iter().filter(|p| p.replication.is_syncing()).collect();
            let percent = syncing
                .iter()
                .filter_map(|p| units::sync_percent(p))
                .min_by(f64::total_cmp)
                .or_else(|| (syncing.is_empty() && in_sync(r, volume)).then_some(100.0));
            if let Some(pct) = percent {
                let value = units::plain_number(pct);
                perf.push(format!(
                    "{}={value}%;;;0;100",
                    label(&format!("{prefix}_sync"))
                ));
            }
            let eta = syncing
                .iter()
                .filter_map(|p| p.sync.as_ref()?.eta_seconds)
                .max();
            if let Some(eta) = eta {
                perf.push(format!("{}={eta}s;;;0", label(&format!("{prefix}_eta"))));
            }
        }
    }
    perf
}

/// Volume numbers of local devices and peer devices, in order.
fn volumes(r: &Resource) -> BTreeSet<u32> {
    let local = r.devices.iter().map(|d| d.volume);
    local.chain(r.peer_devices().map(|p| p.volume)).collect()
}

/// The local volume is UpToDate and every peer is known to hold the same: it reports nothing
/// out of sync or, where no count is printed (DRBD 8.0 has no `oos:`), its disk is UpToDate.
fn in_sync(r: &Resource, volume: u32) -> bool {
    let local = r
        .devices
        .iter()
        .any(|d| d.volume == volume && d.disk == Some(DiskState::UpToDate));
    local
        && r.peer_devices()
            .filter(|p| p.volume == volume)
            .all(|p| match p.out_of_sync_kib {
                Some(oos) => oos == 0,
                None => p.peer_disk == Some(DiskState::UpToDate),
            })
}

/// A perfdata label: quoted, `'` doubled, `=` (never allowed) replaced.
fn label(raw: &str) -> String {
    format!("'{}'", raw.replace('\'', "''").replace('=', "_"))
}

/// Plugin text must not contain `|` (it starts perfdata) nor break lines.
fn clean(text: &str) -> String {
    text.replace('|', "/").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::*;
    use drbd_status::states::{ConnectionState, Role};
    use drbd_status::Diagnostic;

    #[test]
    fn healthy_pair_is_ok_with_perfdata() {
        let r = check(&report(status(vec![connected_primary()]), vec![]), false);
        assert_eq!(
            r.output,
            "DRBD OK - 1 resource OK: minor-0 Primary | 'minor-0_0_oos'=0KB;;;0 'minor-0_0_sync'=100%;;;0;100\n"
        );
        assert_eq!(r.exit_code(), 0);
    }

    #[test]
    fn without_an_out_of_sync_count_only_an_up_to_date_peer_means_in_sync() {
        // DRBD 8.0 prints no `oos:`: the count is unknown, not zero.
        let mut connected = connected_primary();
        connected.connections[0].peer_devices[0].out_of_sync_kib = None;
        let mut waiting = connected.clone();
        waiting.name = "r1".into();
        waiting.connections[0].state = ConnectionState::Connecting;
        waiting.connections[0].peer_devices[0].peer_disk = Some(DiskState::DUnknown);
        let perf = perfdata(&status(vec![connected, waiting]));
        assert_eq!(perf, vec!["'minor-0_0_sync'=100%;;;0;100".to_string()]);
    }

    #[test]
    fn resync_is_warning_with_progress_in_perfdata() {
        let r = check(
            &report(status(vec![connected_primary(), sync_target()]), vec![]),
            false,
        );
        assert_eq!(
            r.output,
            "DRBD WARNING - minor-1/0: disk Inconsistent, resync running; minor-1/peer/0: SyncTarget 34.5% \
             | 'minor-0_0_oos'=0KB;;;0 'minor-0_0_sync'=100%;;;0;100 \
             'minor-1_0_oos'=686920KB;;;0 'minor-1_0_sync'=34.5%;;;0;100 'minor-1_0_eta'=236s;;;0\n\
             minor-1/0: disk Inconsistent, resync running\n\
             minor-1/peer/0: SyncTarget 34.5%\n"
        );
        assert_eq!(r.exit_code(), 1);
    }

    #[test]
    fn worst_reason_comes_first_and_extra_reasons_are_counted() {
        let mut standalone = connected_primary();
        standalone.name = "r9".into();
        standalone.connections[0].state = ConnectionState::StandAlone;
        standalone.connections[0].peer_role = Role::Unknown;
        let r = check(
            &report(status(vec![sync_target(), standalone]), vec![]),
            false,
        );
        assert_eq!(r.exit_code(), 2);
        let first = r.output.lines().next().unwrap();
        assert!(
            first.starts_with("DRBD CRITICAL - r9/peer: StandAlone (not replicating); minor-1/0: disk Inconsistent, resync running (+1 more) | "),
            "{first}"
        );
        assert_eq!(r.output.lines().count(), 4);
    }

    #[test]
    fn strict_makes_partial_input_unknown() {
        let diag = vec![Diagnostic::error(7, "bad number 'x'")];
        let partial = report(status(vec![connected_primary()]), diag);
        let lenient = check(&partial, false);
        assert_eq!(lenient.level, Level::Ok);
        assert!(lenient
            .output
            .ends_with("\n/proc/drbd: error: line 7: bad number 'x'\n"));
        let strict = check(&partial, true);
        assert_eq!(strict.exit_code(), 3);
        assert!(strict
            .output
            .starts_with("DRBD UNKNOWN - /proc/drbd: input incomplete (--strict) | "));
    }

    #[test]
    fn header_only_source_is_unknown_without_perfdata() {
        let mut s = status(vec![]);
        s.has_device_info = false;
        let r = check(&report(s, vec![]), false);
        assert_eq!(
            r.output,
            "DRBD UNKNOWN - no device information in this source (DRBD 9 /proc/drbd)\n"
        );
        assert_eq!(r.exit_code(), 3);
    }

    #[test]
    fn unknown_answer_keeps_one_line() {
        let r = unknown("x.txt: line 1: a|b\nc");
        assert_eq!(r.output, "DRBD UNKNOWN - x.txt: line 1: a/b c\n");
        assert_eq!(r.exit_code(), 3);
    }

    #[test]
    fn labels_are_quoted_for_the_plugin_api() {
        assert_eq!(label("it's=0"), "'it''s_0'");
    }

    #[test]
    fn many_resources_are_summarised() {
        let rs: Vec<_> = (0..6)
            .map(|i| {
                let mut r = connected_primary();
                r.name = format!("r{i}");
                r
            })
            .collect();
        let r = check(&report(status(rs), vec![]), false);
        assert!(r.output.starts_with(
            "DRBD OK - 6 resources OK: r0 Primary, r1 Primary, r2 Primary, r3 Primary, +2 more | "
        ));
    }
}
