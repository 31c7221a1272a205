//! The lossless document of `/proc/drbd`: what the kernel printed, raw values kept.

use crate::states::{ConnState8, DiskState, Role};
use serde::Serialize;
use std::collections::BTreeMap;

/// One `/proc/drbd` file (or one DRBD 9 debugfs `proc_drbd` file).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcDrbd {
    /// Which kernel file the text came from.
    pub source: Source,
    /// `None` when the version line is missing (truncated or partly copied output).
    pub version: Option<Version>,
    pub build: Option<Build>,
    /// DRBD 9 `Transports (api:N):` line: loaded transports with their versions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transports: Option<Vec<Transport>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transports_api: Option<u32>,
    /// Minors in the order printed (increasing), Unconfigured ones included.
    pub devices: Vec<Device>,
}

/// The kernel file a document came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// `/proc/drbd` of DRBD 8.x, or of DRBD 9 (header only, or `(compat 8.4)` devices).
    Proc,
    /// DRBD 9 debugfs `…/connections/<peer>/<vol>/proc_drbd`: no header, one peer device.
    DebugfsPeerDevice,
}

/// `version: 8.4.11-1 (api:1/proto:86-101)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Version {
    /// Free-form release token (`8.4.11-1`, `8.3.0rc1`, `9.0.22-2`).
    pub release: String,
    pub api: Option<u32>,
    pub proto_min: Option<u32>,
    pub proto_max: Option<u32>,
    /// DRBD 9.2+ prints some resources in 8.4 format (`(compat 8.4)` suffix).
    pub compat_84: bool,
}

impl Version {
    /// Numeric `major.minor` prefix of the release, e.g. `(8, 4)` for `8.4.11-1`.
    pub fn major_minor(&self) -> Option<(u32, u32)> {
        let mut parts = self.release.split('.');
        let major = leading_number(parts.next()?)?;
        let minor = leading_number(parts.next()?)?;
        Some((major, minor))
    }
}

fn leading_number(part: &str) -> Option<u32> {
    let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The build line (`drbd_buildtag()`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Build {
    pub kind: BuildKind,
    /// Git hash, SVN revision or srcversion; `None` for `built-in`.
    pub value: Option<String>,
    /// Whatever follows the value (`build by user@host, date`, modified files …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rest: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BuildKind {
    #[serde(rename = "GIT-hash")]
    GitHash,
    #[serde(rename = "SVN Revision")]
    SvnRevision,
    #[serde(rename = "srcversion")]
    SrcVersion,
    #[serde(rename = "built-in")]
    BuiltIn,
}

/// One transport of the DRBD 9 `Transports` line, e.g. `tcp (9.0.22-2)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transport {
    pub name: String,
    /// As printed, `NONE` included; `None` when no parenthesis followed the name.
    pub version: Option<String>,
}

/// One minor: `N: cs:Unconfigured`, or a state line with everything printed after it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Device {
    pub minor: u32,
    pub unconfigured: bool,
    #[serde(flatten)]
    pub state: Option<DeviceState>,
}

/// Everything printed for a configured minor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceState {
    /// Connection state (8.x); in the DRBD 9 debugfs variant a replication state.
    pub cs: ConnState8,
    /// `st` (8.0–8.2) or `ro` (8.3+).
    pub role_key: Option<String>,
    pub role: Option<Pair<Role>>,
    pub disk: Option<Pair<DiskState>>,
    /// Wire protocol `A`/`B`/`C`; `None` when printed blank (no network config).
    pub protocol: Option<char>,
    /// Flag characters as printed (4–6 of them).
    pub flags: Option<String>,
    /// Flag 1 `s`: I/O suspended.
    pub io_suspended: bool,
    /// Flags 2–4: resync paused by a dependency (`a`), the peer (`p`), the local user (`u`).
    pub resync_paused: ResyncPaused,
    /// Flag 5 (8.3.1+): `-`, or the congestion reason `d`, `b`, `n`, `a`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub congestion: Option<char>,
    /// Flag 6 (8.3.9+): activity-log updates suspended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub al_suspended: Option<bool>,
    pub counters: Counters,
    /// Resync or verify progress; `None` when no progress lines were printed.
    pub sync: Option<Progress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lru: Option<Lru>,
    /// `blocked on activity log: N` (8.4.5+ details) or `r/p/e` (DRBD 9 debugfs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_on_activity_log: Option<Vec<i64>>,
    /// `key:value` pairs this parser does not know, kept raw.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unknown_keys: BTreeMap<String, String>,
}

/// A `local/peer` value pair (`ro:Primary/Secondary`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pair<T> {
    pub local: Option<T>,
    pub peer: Option<T>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ResyncPaused {
    pub dependency: bool,
    pub peer: bool,
    pub user: bool,
}

/// The counters line; keys missing from older kernels stay `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counters {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ns: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nr: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dw: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dr: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub al: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bm: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lo: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pe: Option<Gauge>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ua: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ap: Option<Gauge>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ep: Option<i64>,
    /// Write ordering: `b`/`f`/`d`/`n` (8.x) or `0`–`3` (DRBD 9 debugfs), raw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wo: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oos: Option<u64>,
}

impl Counters {
    pub(super) fn is_empty(&self) -> bool {
        *self == Counters::default()
    }
}

/// A gauge printed as one number, or as `[a;b]` in the DRBD 9 debugfs variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Gauge {
    One(i64),
    Split([i64; 2]),
}

/// Resync / online-verify progress lines.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub kind: ProgressKind,
    pub percent: Option<f64>,
    /// Out-of-sync data left, in `unit`.
    pub left: Option<u64>,
    pub total: Option<u64>,
    pub unit: Option<SizeUnit>,
    /// `None` when no finish estimate was printed (`finish: ∞`, lone `stalled`).
    pub finish_seconds: Option<u64>,
    /// ~18 s rolling average, KiB/s.
    pub speed_kib_s: Option<i64>,
    /// ~3 s average (with `drbd_proc_details>=1` or compat mode), KiB/s.
    pub speed_3s_kib_s: Option<i64>,
    /// Average since the resync started, KiB/s.
    pub avg_kib_s: Option<i64>,
    pub want_kib_s: Option<i64>,
    pub stalled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_delay_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_probe: Option<u64>,
    pub sector_pos: Option<SectorPos>,
    /// Pre-8.3.10 verify line: bits verified, bits in all, out-of-sync bits (8.2.4/8.2.5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done_bits: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_bits: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oos_bits: Option<u64>,
}

impl Progress {
    pub(super) fn new(kind: ProgressKind) -> Self {
        Progress {
            kind,
            percent: None,
            left: None,
            total: None,
            unit: None,
            finish_seconds: None,
            speed_kib_s: None,
            speed_3s_kib_s: None,
            avg_kib_s: None,
            want_kib_s: None,
            stalled: false,
            queue_delay_ms: None,
            delay_probe: None,
            sector_pos: None,
            done_bits: None,
            total_bits: None,
            oos_bits: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProgressKind {
    /// `sync'ed:` (SyncSource / SyncTarget).
    Resync,
    /// `verified:` (VerifyS / VerifyT, 8.3.10+).
    Verify,
    /// `%3d%% done/total` verify line of 8.2.4–8.3.9.
    VerifyLegacy,
}

/// `K` (KiB) or `M` (MiB) after `(left/total)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SizeUnit {
    K,
    M,
}

impl SizeUnit {
    pub fn kib(self, value: u64) -> Option<u64> {
        match self {
            SizeUnit::K => Some(value),
            SizeUnit::M => value.checked_mul(1024),
        }
    }
}

/// `%3d%% sector pos: pos/total[ stop sector: n]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectorPos {
    pub percent: i64,
    pub pos: u64,
    pub total: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_sector: Option<u64>,
}

/// LRU cache statistics of the resync extents and the activity log.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Lru {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resync: Option<LruStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub act_log: Option<LruStats>,
    /// Caches under other names, kept.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub other: BTreeMap<String, LruStats>,
}

/// `used:%u/%u hits:%lu misses:%lu starving:%lu dirty|locked:%lu changed:%lu`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LruStats {
    pub used: Option<u64>,
    pub total: Option<u64>,
    pub hits: Option<u64>,
    pub misses: Option<u64>,
    pub starving: Option<u64>,
    /// 8.0–8.3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dirty: Option<u64>,
    /// 8.4 and DRBD 9.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked: Option<u64>,
    pub changed: Option<u64>,
}
