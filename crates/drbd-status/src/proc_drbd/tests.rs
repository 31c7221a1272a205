//! Behaviour of the `/proc/drbd` parser, on fixtures written from the kernel's printf formats
//! (`tests/fixtures/proc/`) and on the web-mangled outputs of the project's seed article.

use super::*;
use crate::diag::Severity;
use crate::model::Format;
use crate::states::{ConnState8, DiskState, Role};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/proc/",
            $name
        ))
    };
}

pub(super) const FIXTURES: &[&str] = &[
    fixture!("drbd80-st-lru-hole.txt"),
    fixture!("drbd826-verify-legacy.txt"),
    fixture!("drbd838-delay-probe-stalled-line.txt"),
    fixture!("drbd839-stalled-suffix.txt"),
    fixture!("drbd84-details-sync-verify.txt"),
    fixture!("drbd9-header-only.txt"),
    fixture!("drbd93-compat84.txt"),
    fixture!("drbd9-debugfs-peer-device.txt"),
    fixture!("in-kernel-missing-newline.txt"),
    fixture!("seed-joined-state-counters-prose.txt"),
    fixture!("seed-minor-alone-sync-delay-probe.txt"),
    fixture!("seed-83-header-minor-alone.txt"),
    fixture!("seed-wfconnection-minor-alone.txt"),
];

/// Parses input that must be valid: no error diagnostics.
fn clean(input: &str) -> ProcDrbd {
    let parsed = parse(input).expect("parses");
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    parsed.doc
}

fn state(doc: &ProcDrbd, minor: u32) -> &DeviceState {
    doc.devices
        .iter()
        .find(|d| d.minor == minor)
        .and_then(|d| d.state.as_ref())
        .expect("configured minor")
}

fn sync(doc: &ProcDrbd, minor: u32) -> &Progress {
    state(doc, minor).sync.as_ref().expect("progress")
}

fn warnings(parsed: &Parsed<ProcDrbd>) -> Vec<&str> {
    parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| d.message.as_str())
        .collect()
}

#[test]
fn parses_drbd80_st_roles_four_flags_and_no_ep_wo_oos() {
    let doc = clean(fixture!("drbd80-st-lru-hole.txt"));
    let s = state(&doc, 0);
    assert_eq!(s.role_key.as_deref(), Some("st"));
    assert_eq!(s.role.as_ref().unwrap().local, Some(Role::Primary));
    assert_eq!(s.flags.as_deref(), Some("r---"));
    assert_eq!(s.congestion, None);
    assert_eq!(s.counters.ns, Some(102400));
    assert_eq!((s.counters.ep, s.counters.oos), (None, None));
}

#[test]
fn parses_unconfigured_minor_and_skips_blank_hole_lines() {
    let doc = clean(fixture!("drbd80-st-lru-hole.txt"));
    let minors: Vec<(u32, bool)> = doc
        .devices
        .iter()
        .map(|d| (d.minor, d.unconfigured))
        .collect();
    assert_eq!(minors, [(0, false), (1, true), (4, false)]);
    assert_eq!(doc.devices[1].state, None);
}

#[test]
fn blank_protocol_column_is_none() {
    let doc = clean(fixture!("drbd80-st-lru-hole.txt"));
    assert_eq!(state(&doc, 0).protocol, Some('C'));
    assert_eq!(state(&doc, 4).protocol, None);
    assert_eq!(state(&doc, 4).flags.as_deref(), Some("r---"));
}

#[test]
fn parses_lru_lines_with_dirty_and_with_locked() {
    let doc = clean(fixture!("drbd80-st-lru-hole.txt"));
    let al = state(&doc, 0)
        .lru
        .as_ref()
        .unwrap()
        .act_log
        .as_ref()
        .unwrap();
    assert_eq!(
        (al.used, al.total, al.hits),
        (Some(1), Some(257), Some(25588))
    );
    assert_eq!((al.dirty, al.locked), (Some(1), None));
    let doc = clean(fixture!("drbd84-details-sync-verify.txt"));
    let rs = state(&doc, 0)
        .lru
        .as_ref()
        .unwrap()
        .resync
        .as_ref()
        .unwrap();
    assert_eq!((rs.locked, rs.dirty, rs.changed), (Some(0), None, Some(24)));
}

#[test]
fn parses_blocked_on_activity_log() {
    let doc = clean(fixture!("drbd84-details-sync-verify.txt"));
    assert_eq!(state(&doc, 0).blocked_on_activity_log, Some(vec![0]));
}

#[test]
fn parses_counters_with_ep_wo_oos() {
    let doc = clean(fixture!("drbd838-delay-probe-stalled-line.txt"));
    let c = &state(&doc, 0).counters;
    assert_eq!(
        (c.ep, c.wo.as_deref(), c.oos),
        (Some(1), Some("b"), Some(851968))
    );
    assert_eq!(c.pe, Some(Gauge::One(7)));
}

#[test]
fn parses_84_progress_with_three_second_average_want_and_sector_pos() {
    let doc = clean(fixture!("drbd84-details-sync-verify.txt"));
    let p = sync(&doc, 0);
    assert_eq!(p.kind, ProgressKind::Resync);
    assert_eq!(p.percent, Some(30.0));
    assert_eq!(
        (p.left, p.total, p.unit),
        (Some(7168), Some(10236), Some(SizeUnit::M))
    );
    assert_eq!(p.finish_seconds, Some(112));
    assert_eq!(p.speed_kib_s, Some(65536));
    assert_eq!(p.speed_3s_kib_s, Some(64000));
    assert_eq!(p.avg_kib_s, Some(62914));
    assert_eq!(p.want_kib_s, Some(102400));
    let pos = p.sector_pos.as_ref().unwrap();
    assert_eq!((pos.percent, pos.pos, pos.total), (30, 6291456, 20971520));
}

#[test]
fn parses_verified_progress_with_stop_sector() {
    let doc = clean(fixture!("drbd84-details-sync-verify.txt"));
    let p = sync(&doc, 1);
    assert_eq!(p.kind, ProgressKind::Verify);
    assert_eq!(p.want_kib_s, Some(1_024_000));
    assert_eq!(p.sector_pos.as_ref().unwrap().stop_sector, Some(1048576));
}

#[test]
fn parses_838_delay_probe_queue_delay_and_1024_000() {
    let doc = clean(fixture!("drbd838-delay-probe-stalled-line.txt"));
    assert_eq!(sync(&doc, 0).delay_probe, Some(42));
    assert_eq!(sync(&doc, 0).avg_kib_s, Some(62260));
    let p = sync(&doc, 2);
    assert_eq!(p.queue_delay_ms, Some(2.3));
    assert_eq!(p.speed_kib_s, Some(1_024_000));
    assert_eq!(p.want_kib_s, Some(1_024_000));
}

#[test]
fn lone_stalled_line_replaces_finish() {
    let doc = clean(fixture!("drbd838-delay-probe-stalled-line.txt"));
    let p = sync(&doc, 1);
    assert!(p.stalled);
    assert_eq!((p.finish_seconds, p.speed_kib_s), (None, None));
    assert_eq!((p.left, p.unit), (Some(8152), Some(SizeUnit::M)));
}

#[test]
fn stalled_suffix_after_k_per_sec() {
    let doc = clean(fixture!("drbd839-stalled-suffix.txt"));
    let p = sync(&doc, 5);
    assert!(p.stalled);
    assert_eq!(p.finish_seconds, Some(5025));
    assert_eq!(p.want_kib_s, Some(10240));
}

#[test]
fn missing_newline_kernel_bug_still_reads_finish() {
    let doc = clean(fixture!("in-kernel-missing-newline.txt"));
    let p = sync(&doc, 0);
    assert_eq!(
        (p.left, p.total, p.unit),
        (Some(8192), Some(10240), Some(SizeUnit::M))
    );
    assert_eq!(p.finish_seconds, Some(128));
    assert_eq!(p.want_kib_s, Some(102400));
    assert_eq!(doc.build.as_ref().unwrap().kind, BuildKind::SrcVersion);
}

#[test]
fn parses_legacy_verify_lines_of_826_and_824() {
    let doc = clean(fixture!("drbd826-verify-legacy.txt"));
    let p = sync(&doc, 0);
    assert_eq!(p.kind, ProgressKind::VerifyLegacy);
    assert_eq!(
        (p.percent, p.done_bits, p.total_bits),
        (Some(25.0), Some(65536), Some(262144))
    );
    let v824 = fixture!("drbd826-verify-legacy.txt")
        .replace(" 25%      65536/262144", " 25% oos:12  65536 / 262144 ");
    let doc = clean(&v824);
    let p = sync(&doc, 0);
    assert_eq!(
        (p.oos_bits, p.done_bits, p.total_bits),
        (Some(12), Some(65536), Some(262144))
    );
}

#[test]
fn percent_without_space_after_key() {
    let input =
        fixture!("drbd84-details-sync-verify.txt").replace("sync'ed: 30.0%", "sync'ed:100.0%");
    assert_eq!(sync(&clean(&input), 0).percent, Some(100.0));
}

#[test]
fn compat_84_mode_has_devices_negative_speed_and_infinite_finish() {
    let doc = clean(fixture!("drbd93-compat84.txt"));
    assert!(doc.version.as_ref().unwrap().compat_84);
    let p = sync(&doc, 0);
    assert_eq!(p.finish_seconds, None);
    assert_eq!(p.speed_kib_s, Some(-1024));
    assert_eq!((p.speed_3s_kib_s, p.avg_kib_s), (Some(0), Some(51200)));
    assert_eq!(doc.format(), Format::ProcDrbd8);
    assert!(doc.to_status().has_device_info);
}

#[test]
fn drbd9_header_only_has_no_device_info() {
    let doc = clean(fixture!("drbd9-header-only.txt"));
    assert_eq!(doc.transports_api, Some(16));
    let t = doc.transports.as_ref().unwrap();
    assert_eq!(
        (t[0].name.as_str(), t[0].version.as_deref()),
        ("tcp", Some("9.0.22-2"))
    );
    let status = doc.to_status();
    assert_eq!(status.format, Format::ProcDrbd9);
    assert!(!status.has_device_info);
    assert_eq!(status.drbd_version.as_deref(), Some("9.0.22-2"));
}

#[test]
fn parses_debugfs_peer_device_without_header() {
    let doc = clean(fixture!("drbd9-debugfs-peer-device.txt"));
    assert_eq!(doc.source, Source::DebugfsPeerDevice);
    let s = state(&doc, 3);
    assert_eq!(s.counters.pe, Some(Gauge::Split([0, 8])));
    assert_eq!(s.counters.wo.as_deref(), Some("2"));
    assert_eq!(s.blocked_on_activity_log, Some(vec![0, 0, 0]));
}

#[test]
fn strips_crlf_line_endings() {
    let crlf = fixture!("drbd84-details-sync-verify.txt").replace('\n', "\r\n");
    let doc = clean(&crlf);
    assert_eq!(state(&doc, 1).counters.oos, Some(0));
    assert_eq!(state(&doc, 0).counters.wo.as_deref(), Some("f"));
    assert_eq!(sync(&doc, 0).want_kib_s, Some(102400));
}

#[test]
fn strips_nul_in_flags_with_warning() {
    let input = fixture!("drbd80-st-lru-hole.txt").replace("C r---\n", "C r---\0\n");
    let parsed = parse(&input).unwrap();
    assert!(!parsed.has_errors());
    assert_eq!(state(&parsed.doc, 0).flags.as_deref(), Some("r---"));
    assert!(warnings(&parsed).contains(&"NUL byte removed"));
}

#[test]
fn missing_version_line_is_partial() {
    let input =
        fixture!("drbd80-st-lru-hole.txt").replace("version: 8.0.16 (api:86/proto:86)\n", "");
    let parsed = parse(&input).unwrap();
    assert!(parsed.has_errors());
    assert_eq!(parsed.doc.version, None);
    assert_eq!(parsed.doc.devices.len(), 3);
}

#[test]
fn seed_joined_state_counters_and_prose_parse() {
    let parsed = parse(fixture!("seed-joined-state-counters-prose.txt")).unwrap();
    let s = state(&parsed.doc, 1);
    assert_eq!(s.cs, ConnState8::Connected);
    assert_eq!(s.flags.as_deref(), Some("r----"));
    assert_eq!((s.counters.bm, s.counters.oos), (Some(123), Some(0)));
    assert!(warnings(&parsed)
        .iter()
        .any(|w| w.starts_with("text skipped: 'ro表示")));
}

#[test]
fn seed_minor_alone_on_its_line_parses() {
    let parsed = parse(fixture!("seed-minor-alone-sync-delay-probe.txt")).unwrap();
    let p = sync(&parsed.doc, 1);
    assert_eq!(
        (p.percent, p.left, p.total),
        (Some(28.4), Some(1443196), Some(2007644))
    );
    assert_eq!((p.delay_probe, p.finish_seconds), (Some(69), Some(236)));
    assert_eq!((p.speed_kib_s, p.avg_kib_s), (Some(6024), Some(5876)));
    let doc = clean(fixture!("seed-83-header-minor-alone.txt"));
    assert_eq!(state(&doc, 1).counters.ns, Some(2377));
    let parsed = parse(fixture!("seed-wfconnection-minor-alone.txt")).unwrap();
    assert_eq!(state(&parsed.doc, 1).cs, ConnState8::WFConnection);
}

#[test]
fn device_data_without_minor_is_an_error_not_a_device() {
    let input = "version: 8.4.11-1 (api:1/proto:86-101)\ncs:Connected ro:Primary/Secondary\n";
    let parsed = parse(input).unwrap();
    assert!(parsed.has_errors());
    assert!(parsed.doc.devices.is_empty());
}

#[test]
fn truncated_device_block_is_partial() {
    let input = "version: 8.4.11-1 (api:1/proto:86-101)\n 0: cs:Connected ro:Primary/Secondary\n";
    let parsed = parse(input).unwrap();
    assert!(parsed.has_errors());
    assert_eq!(state(&parsed.doc, 0).disk, None);
}

#[test]
fn unknown_key_is_kept_raw_with_warning() {
    let input = fixture!("drbd80-st-lru-hole.txt").replace(" ap:0\n\t", " ap:0 zz:7\n\t");
    let parsed = parse(&input).unwrap();
    assert!(!parsed.has_errors());
    assert_eq!(
        state(&parsed.doc, 0)
            .unknown_keys
            .get("zz")
            .map(String::as_str),
        Some("7")
    );
    assert!(!warnings(&parsed).is_empty());
}

#[test]
fn unknown_state_values_are_kept_raw() {
    let input = fixture!("drbd80-st-lru-hole.txt").replace(
        "cs:Connected st:Primary/Secondary",
        "cs:TOO_LARGE st:Primary/TOO_LARGE",
    );
    let parsed = parse(&input).unwrap();
    assert!(!parsed.has_errors());
    let s = state(&parsed.doc, 0);
    assert_eq!(s.cs, ConnState8::Other("TOO_LARGE".into()));
    assert_eq!(
        s.role.as_ref().unwrap().peer,
        Some(Role::Other("TOO_LARGE".into()))
    );
    assert_eq!(warnings(&parsed).len(), 2);
}

#[test]
fn values_separated_from_their_keys_are_read() {
    let input = "version: 8.4.3 (api:1/proto:86-101)\n 1: cs: Connected ro: Secondary/Primary \
                 ds: UpToDate/UpToDate C r-----\n ns: 5 nr: 6 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0\n";
    let doc = clean(input);
    let s = state(&doc, 1);
    assert_eq!(s.disk.as_ref().unwrap().local, Some(DiskState::UpToDate));
    assert_eq!((s.counters.ns, s.counters.nr), (Some(5), Some(6)));
}

#[test]
fn flags_decode_by_position() {
    let input = fixture!("drbd838-delay-probe-stalled-line.txt")
        .replace("C r----\n    ns:1245184", "C sapun\n    ns:1245184");
    let parsed = parse(&input).unwrap();
    let s = state(&parsed.doc, 0);
    assert!(s.io_suspended);
    assert_eq!(
        s.resync_paused,
        ResyncPaused {
            dependency: true,
            peer: true,
            user: true
        }
    );
    assert_eq!(s.congestion, Some('n'));
}

#[test]
fn rejects_empty_input() {
    assert!(parse("").is_err());
    assert!(parse(" \r\n\n\t").is_err());
}

#[test]
fn rejects_binary_garbage() {
    let garbage: String = (0u8..=255).cycle().take(2048).map(char::from).collect();
    assert!(parse(&garbage).is_err());
    let lossy = String::from_utf8_lossy(&[0xff, 0xfe, 0x00, 0x01, 0x9c, 0x80, 0x12, 0x00]);
    assert!(parse(&lossy).is_err());
}

#[test]
fn rejects_duplicate_minors() {
    let twice = format!(
        "{}{}",
        fixture!("drbd80-st-lru-hole.txt"),
        " 4: cs:Unconfigured\n"
    );
    let err = parse(&twice).unwrap_err();
    assert!(err.message.contains("minor 4"), "{err}");
}

#[test]
fn rejects_input_without_version_or_device() {
    assert!(parse("hello world\nns:1 nr:2\n").is_err());
    assert!(parse("GIT-hash: 0123 build by x@y, 2020-01-01 00:00:00\n").is_err());
}

#[test]
fn header_lines_after_devices_are_errors() {
    let input = format!(
        "{}{}",
        fixture!("drbd80-st-lru-hole.txt"),
        "version: 8.4.11 (api:1/proto:86-101)\n"
    );
    let parsed = parse(&input).unwrap();
    assert!(parsed.has_errors());
    assert_eq!(parsed.doc.version.as_ref().unwrap().release, "8.0.16");
}

#[test]
fn every_fixture_parses_and_converts() {
    for input in FIXTURES {
        let parsed = parse(input).expect("fixture parses");
        let _ = parsed.doc.to_status().health();
        assert!(serde_json::to_value(&parsed.doc).is_ok());
    }
}
