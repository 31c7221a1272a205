//! Device blocks: grouped by their minor marker (`N:` followed by `cs:`), their parts found
//! by key, never by line layout.

use super::doc::{
    Counters, Device, DeviceState, Gauge, Pair, Progress, ProgressKind, ResyncPaused,
};
use super::tokens::{is_bar, percent, signed, split_key, unsigned, Cursor, Tok};
use super::Diags;
use super::{lru, progress};
use crate::diag::ParseError;
use crate::states::{ConnState8, DiskState, Role};
use std::collections::{BTreeMap, BTreeSet};

/// Keys of the state and counters lines; seen outside a block they mean lost device data.
const DEVICE_KEYS: &[&str] = &[
    "cs", "st", "ro", "ds", "ns", "nr", "dw", "dr", "al", "bm", "lo", "pe", "ua", "ap", "ep", "wo",
    "oos",
];

/// Reads every device block; a minor printed twice rejects the input (two documents mixed).
pub(super) fn read_devices(cur: &mut Cursor, d: &mut Diags) -> Result<Vec<Device>, ParseError> {
    let mut devices = Vec::new();
    let mut seen = BTreeSet::new();
    let mut block: Option<Block> = None;
    while let Some(tok) = cur.peek().cloned() {
        if let Some(minor) = cur.at_minor() {
            if let Some(done) = block.take() {
                devices.push(done.finish(d));
            }
            if !seen.insert(minor) {
                return Err(ParseError::new(
                    tok.line,
                    format!("minor {minor} is printed twice: not one /proc/drbd document"),
                ));
            }
            cur.next();
            block = start_block(minor, cur, d, &mut devices);
            continue;
        }
        match block.as_mut() {
            Some(b) => {
                if b.step(cur, d) == Flow::EndBlock {
                    devices.extend(block.take().map(|b| b.finish(d)));
                }
            }
            None => stray(cur, d),
        }
    }
    devices.extend(block.map(|b| b.finish(d)));
    Ok(devices)
}

/// After the minor marker: `cs:Unconfigured` is a whole device, anything else opens a block.
fn start_block(
    minor: u32,
    cur: &mut Cursor,
    d: &mut Diags,
    devices: &mut Vec<Device>,
) -> Option<Block> {
    let cs_tok = cur.next()?;
    let mut cs = cs_tok.text.trim_start_matches("cs:").to_string();
    if cs.is_empty() {
        cs = cur.next_value().map(|t| t.text).unwrap_or_default();
    }
    if cs == "Unconfigured" {
        devices.push(Device {
            minor,
            unconfigured: true,
            state: None,
        });
        return None;
    }
    let cs = ConnState8::from(cs.as_str());
    if cs.is_other() {
        d.warning(
            cs_tok.line,
            format!("minor {minor}: unknown cs:{cs} kept raw"),
        );
    }
    Some(Block::new(minor, cs_tok.line, cs))
}

/// A word outside any device block: shell prompts, prose, or device data that lost its minor.
fn stray(cur: &mut Cursor, d: &mut Diags) {
    let Some(tok) = cur.next() else { return };
    let is_device_key = split_key(&tok.text).is_some_and(|(k, _)| DEVICE_KEYS.contains(&k));
    if is_device_key {
        d.error_once(tok.line, "device data without a minor number ignored");
    }
    d.junk(&tok);
}

#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    EndBlock,
}

/// One configured minor being read.
struct Block {
    minor: u32,
    line: usize,
    state: DeviceState,
}

impl Block {
    fn new(minor: u32, line: usize, cs: ConnState8) -> Self {
        Block {
            minor,
            line,
            state: DeviceState {
                cs,
                role_key: None,
                role: None,
                disk: None,
                protocol: None,
                flags: None,
                io_suspended: false,
                resync_paused: ResyncPaused::default(),
                congestion: None,
                al_suspended: None,
                counters: Counters::default(),
                sync: None,
                lru: None,
                blocked_on_activity_log: None,
                unknown_keys: BTreeMap::new(),
            },
        }
    }

    /// Reads the item at the cursor (at least one word).
    fn step(&mut self, cur: &mut Cursor, d: &mut Diags) -> Flow {
        let Some(tok) = cur.next() else {
            return Flow::EndBlock;
        };
        let text = tok.text.as_str();
        if is_bar(text) || text == "K/sec" {
            return Flow::Continue;
        }
        if text == "stalled" || text == "(stalled)" {
            self.progress().stalled = true;
            return Flow::Continue;
        }
        if percent(text).is_some() {
            progress::read_percent_line(self.progress(), &tok, cur, d);
            return Flow::Continue;
        }
        if self.state.flags.is_none() && looks_like_flags(text) {
            self.set_flags(text, tok.line, d);
            return Flow::Continue;
        }
        if text == "blocked" && cur.peek_text(0) == Some("on") {
            lru::read_blocked(&mut self.state, self.minor, &tok, cur, d);
            return Flow::Continue;
        }
        let Some((key, value)) = split_key(text) else {
            d.junk(&tok);
            return Flow::Continue;
        };
        match key {
            "cs" => {
                d.error(
                    tok.line,
                    format!("minor {}: second state without a minor number", self.minor),
                );
                return Flow::EndBlock;
            }
            "st" | "ro" => self.read_role(key, value, &tok, cur, d),
            "ds" => self.read_disk(value, &tok, cur, d),
            "sync'ed" | "verified" => {
                let kind = match key {
                    "verified" => ProgressKind::Verify,
                    _ => ProgressKind::Resync,
                };
                progress::read_done(self.progress(), kind, &tok, cur, d);
            }
            "finish" => progress::read_finish(self.progress(), &tok, cur, d),
            "speed" => progress::read_speed(self.progress(), &tok, cur, d),
            "want" => progress::read_want(self.progress(), &tok, cur, d),
            "delay_probe" => progress::read_delay_probe(self.progress(), &tok, cur, d),
            "queue_delay" => progress::read_queue_delay(self.progress(), &tok, cur, d),
            _ if value.is_empty() && cur.peek_text(0).is_some_and(|t| t.starts_with("used:")) => {
                lru::read_lru(&mut self.state, self.minor, key, cur, d);
            }
            _ => self.read_counter_or_unknown(key, value, &tok, cur, d),
        }
        Flow::Continue
    }

    /// The progress being read; the first progress word decides resync or verify.
    fn progress(&mut self) -> &mut Progress {
        let kind = match self.state.cs {
            ConnState8::VerifyS | ConnState8::VerifyT => ProgressKind::Verify,
            _ => ProgressKind::Resync,
        };
        self.state.sync.get_or_insert_with(|| Progress::new(kind))
    }

    fn read_role(&mut self, key: &str, value: &str, tok: &Tok, cur: &mut Cursor, d: &mut Diags) {
        let value = value_or_next(value, cur);
        if self.state.role.is_some() {
            d.warning(
                tok.line,
                format!("minor {}: second role ignored", self.minor),
            );
            return;
        }
        let pair = pair(&value, tok.line, "role", d, Role::is_other);
        self.state.role_key = Some(key.to_string());
        self.state.role = Some(pair);
    }

    /// `ds:L/P`, then the protocol letter (absent when blank) and the flags.
    fn read_disk(&mut self, value: &str, tok: &Tok, cur: &mut Cursor, d: &mut Diags) {
        let value = value_or_next(value, cur);
        if self.state.disk.is_some() {
            d.warning(
                tok.line,
                format!("minor {}: second disk state ignored", self.minor),
            );
            return;
        }
        let pair = pair(&value, tok.line, "disk", d, DiskState::is_other);
        self.state.disk = Some(pair);
        let is_protocol = |t: &str| t.len() == 1 && t.bytes().all(|b| b.is_ascii_uppercase());
        if let Some(p) = cur.next_if(is_protocol) {
            self.state.protocol = p.text.chars().next();
        }
        if self.state.flags.is_none() {
            if let Some(f) = cur.next_if(looks_like_flags) {
                self.set_flags(&f.text, f.line, d);
            }
        }
    }

    fn set_flags(&mut self, flags: &str, line: usize, d: &mut Diags) {
        let chars: Vec<char> = flags.chars().collect();
        if !(4..=6).contains(&chars.len()) {
            d.warning(
                line,
                format!("minor {}: {} flag characters", self.minor, chars.len()),
            );
        }
        let at = |i: usize| chars.get(i).copied();
        let s = &mut self.state;
        s.flags = Some(flags.to_string());
        s.io_suspended = at(0) == Some('s');
        s.resync_paused = ResyncPaused {
            dependency: at(1) == Some('a'),
            peer: at(2) == Some('p'),
            user: at(3) == Some('u'),
        };
        s.congestion = at(4);
        s.al_suspended = at(5).map(|c| c == 's');
    }

    fn read_counter_or_unknown(
        &mut self,
        key: &str,
        value: &str,
        tok: &Tok,
        cur: &mut Cursor,
        d: &mut Diags,
    ) {
        let c = &mut self.state.counters;
        let known = matches!(
            key,
            "ns" | "nr"
                | "dw"
                | "dr"
                | "al"
                | "bm"
                | "oos"
                | "lo"
                | "ua"
                | "ep"
                | "pe"
                | "ap"
                | "wo"
        );
        if !known {
            d.warning(
                tok.line,
                format!("minor {}: unknown key '{key}' kept raw", self.minor),
            );
            self.state
                .unknown_keys
                .entry(key.to_string())
                .or_insert_with(|| value.to_string());
            return;
        }
        let value = value_or_next(value, cur);
        let stored = match key {
            "ns" => set(&mut c.ns, unsigned(&value)),
            "nr" => set(&mut c.nr, unsigned(&value)),
            "dw" => set(&mut c.dw, unsigned(&value)),
            "dr" => set(&mut c.dr, unsigned(&value)),
            "al" => set(&mut c.al, unsigned(&value)),
            "bm" => set(&mut c.bm, unsigned(&value)),
            "oos" => set(&mut c.oos, unsigned(&value)),
            "lo" => set(&mut c.lo, signed(&value)),
            "ua" => set(&mut c.ua, signed(&value)),
            "ep" => set(&mut c.ep, signed(&value)),
            "pe" => set(&mut c.pe, gauge(&value)),
            "ap" => set(&mut c.ap, gauge(&value)),
            _ => set(&mut c.wo, (!value.is_empty()).then(|| value.clone())),
        };
        match stored {
            Stored::Yes => {}
            Stored::Twice => d.warning(
                tok.line,
                format!("minor {}: second '{key}' ignored", self.minor),
            ),
            Stored::Invalid => d.error(
                tok.line,
                format!("minor {}: bad value '{key}:{value}'", self.minor),
            ),
        }
    }

    /// Closes the block, reporting the parts every configured minor must have.
    fn finish(self, d: &mut Diags) -> Device {
        let s = &self.state;
        let missing: Vec<&str> = [
            ("role", s.role.is_none()),
            ("disk states", s.disk.is_none()),
            ("flags", s.flags.is_none()),
            ("counters", s.counters.is_empty()),
        ]
        .into_iter()
        .filter_map(|(what, gone)| gone.then_some(what))
        .collect();
        if !missing.is_empty() {
            let what = missing.join(", ");
            d.error(
                self.line,
                format!("minor {}: no {what} printed", self.minor),
            );
        }
        Device {
            minor: self.minor,
            unconfigured: false,
            state: Some(self.state),
        }
    }
}

/// `r-----`, `r---`, `s---n-`: first `r`/`s`, then flag letters or `-`.
fn looks_like_flags(text: &str) -> bool {
    let mut chars = text.chars();
    let first = chars.next();
    let len = text.chars().count();
    matches!(first, Some('r' | 's'))
        && (2..=8).contains(&len)
        && chars.all(|c| matches!(c, '-' | 'a' | 'p' | 'u' | 'd' | 'b' | 'n' | 's'))
}

/// The value glued to its key, or the next plain word when a copy separated them.
fn value_or_next(value: &str, cur: &mut Cursor) -> String {
    if value.is_empty() {
        cur.next_value().map(|t| t.text).unwrap_or_default()
    } else {
        value.to_string()
    }
}

/// `L/P` into a pair, unknown names kept raw with a warning.
fn pair<T: for<'a> From<&'a str>>(
    value: &str,
    line: usize,
    what: &str,
    d: &mut Diags,
    is_other: fn(&T) -> bool,
) -> Pair<T> {
    let (local, peer) = match value.split_once('/') {
        Some((l, p)) => (l, Some(p)),
        None => {
            d.error(line, format!("{what} '{value}' lacks the peer part"));
            (value, None)
        }
    };
    let mut read = |raw: &str| {
        if raw.is_empty() {
            return None;
        }
        let v = T::from(raw);
        if is_other(&v) {
            d.warning(line, format!("unknown {what} '{raw}' kept raw"));
        }
        Some(v)
    };
    let local = read(local);
    let peer = peer.and_then(read);
    Pair { local, peer }
}

/// `12` or the DRBD 9 debugfs `[a;b]`.
fn gauge(text: &str) -> Option<Gauge> {
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        let (a, b) = inner.split_once(';')?;
        return Some(Gauge::Split([signed(a)?, signed(b)?]));
    }
    signed(text).map(Gauge::One)
}

enum Stored {
    Yes,
    Twice,
    Invalid,
}

fn set<T>(slot: &mut Option<T>, value: Option<T>) -> Stored {
    match (slot.is_some(), value) {
        (_, None) => Stored::Invalid,
        (true, Some(_)) => Stored::Twice,
        (false, v) => {
            *slot = v;
            Stored::Yes
        }
    }
}

/// True when a device was printed by the DRBD 9 debugfs `proc_drbd` (`pe:[a;b]`, `r/p/e`).
pub(super) fn is_debugfs(device: &Device) -> bool {
    let Some(s) = &device.state else { return false };
    matches!(s.counters.pe, Some(Gauge::Split(_)))
        || matches!(s.counters.ap, Some(Gauge::Split(_)))
        || s.blocked_on_activity_log
            .as_ref()
            .is_some_and(|v| v.len() == 3)
}
