//! `/proc/drbd` of DRBD 8.0–8.4, of DRBD 9 (header only, or `(compat 8.4)` device blocks),
//! and the DRBD 9 debugfs per-peer-device `proc_drbd`.
//!
//! The header lines (version, build, transports) are read line by line; everything else is
//! read as one stream of words grouped by minor markers (`N:` followed by `cs:`) and known
//! keys, so web copies that split or joined lines parse like kernel output. Words that belong
//! to nothing (prose, shell prompts) are skipped with a warning.

mod device;
mod doc;
mod header;
mod lru;
mod progress;
mod status;
mod tokens;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use doc::{
    Build, BuildKind, Counters, Device, DeviceState, Gauge, Lru, LruStats, Pair, ProcDrbd,
    Progress, ProgressKind, ResyncPaused, SectorPos, SizeUnit, Source, Transport, Version,
};

use crate::diag::{Diagnostic, ParseError, Parsed};
use header::HeaderLine;
use std::collections::{BTreeMap, BTreeSet};
use tokens::{Cursor, Tok};

/// Parses one `/proc/drbd` document.
///
/// Rejects empty input, binary data, a minor printed twice, and text with neither a version
/// line nor any device; everything else parses, odd parts reported as diagnostics.
pub fn parse(input: &str) -> Result<Parsed<ProcDrbd>, ParseError> {
    if input
        .chars()
        .all(|c| c.is_whitespace() || c == '\0' || c == '\u{feff}')
    {
        return Err(ParseError::new(None, "empty input"));
    }
    reject_binary(input)?;
    let mut d = Diags::default();
    let mut doc = ProcDrbd {
        source: Source::Proc,
        version: None,
        build: None,
        transports: None,
        transports_api: None,
        devices: Vec::new(),
    };
    let mut words = Vec::new();
    let mut device_seen = false;
    for (line_no, line) in clean_lines(input, &mut d) {
        match header::classify(&line) {
            Some(_) if device_seen => d.error(line_no, "header line after device data ignored"),
            Some(kind) => read_header(kind, &line, line_no, &mut doc, &mut d),
            None => {
                let first = words.len();
                tokens::tokenize(&line, line_no, &mut words);
                device_seen |= words
                    .get(first..)
                    .is_some_and(|new| new.iter().any(|t: &Tok| t.text.starts_with("cs:")));
            }
        }
    }
    doc.devices = device::read_devices(&mut Cursor::new(words), &mut d)?;
    if doc.version.is_none() && doc.devices.is_empty() && doc.transports.is_none() {
        return Err(ParseError::new(
            None,
            "not /proc/drbd: neither a version line nor any device",
        ));
    }
    let debugfs =
        doc.version.is_none() && doc.build.is_none() && doc.devices.iter().any(device::is_debugfs);
    if debugfs {
        doc.source = Source::DebugfsPeerDevice;
    } else if doc.version.is_none() {
        d.error(None, "no version line: DRBD version unknown");
    }
    Ok(Parsed {
        doc,
        diagnostics: d.finish(),
    })
}

fn read_header(kind: HeaderLine, line: &str, line_no: usize, doc: &mut ProcDrbd, d: &mut Diags) {
    match kind {
        HeaderLine::Version if doc.version.is_some() => {
            d.error(line_no, "second version line ignored")
        }
        HeaderLine::Version => match header::parse_version(line) {
            Ok(v) => doc.version = Some(v),
            Err(why) => d.error(line_no, why),
        },
        HeaderLine::Build if doc.build.is_some() => d.error(line_no, "second build line ignored"),
        HeaderLine::Build => doc.build = Some(header::parse_build(line)),
        HeaderLine::Transports if doc.transports.is_some() => {
            d.error(line_no, "second Transports line ignored")
        }
        HeaderLine::Transports => {
            let (api, list) = header::parse_transports(line);
            doc.transports_api = api;
            doc.transports = Some(list);
        }
    }
}

/// Control characters (NUL aside, which is stripped) and undecodable bytes above 5 % of the
/// text mean the input is not text at all.
fn reject_binary(input: &str) -> Result<(), ParseError> {
    let total = input.chars().count();
    let odd = input
        .chars()
        .filter(|&c| {
            c == '\u{fffd}' || (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x1b'))
        })
        .count();
    if odd > 0 && odd.saturating_mul(20) > total {
        return Err(ParseError::new(
            None,
            "binary data, not /proc/drbd text (control characters or invalid UTF-8)",
        ));
    }
    Ok(())
}

/// Lines with CR/LF endings, colour codes, BOM, NUL bytes and other control characters removed.
fn clean_lines(input: &str, d: &mut Diags) -> Vec<(usize, String)> {
    let normalized = input.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines = Vec::new();
    for (i, raw) in normalized.split('\n').enumerate() {
        let line_no = i + 1;
        let mut line = crate::text::strip_ansi(raw).into_owned();
        if i == 0 {
            line = line.trim_start_matches('\u{feff}').to_string();
        }
        if line.contains('\0') {
            line.retain(|c| c != '\0');
            d.warning(line_no, "NUL byte removed");
        }
        if line.chars().any(|c| c.is_control() && c != '\t') {
            line = line
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            d.warning(line_no, "control characters replaced by spaces");
        }
        lines.push((line_no, line));
    }
    lines
}

/// Diagnostics being collected, with skipped words gathered per line.
#[derive(Default)]
struct Diags {
    list: Vec<Diagnostic>,
    junk: BTreeMap<usize, Vec<String>>,
    once: BTreeSet<(usize, String)>,
}

impl Diags {
    fn warning(&mut self, line: impl Into<Option<usize>>, message: impl Into<String>) {
        self.list.push(Diagnostic::warning(line, message));
    }

    fn error(&mut self, line: impl Into<Option<usize>>, message: impl Into<String>) {
        self.list.push(Diagnostic::error(line, message));
    }

    /// An error reported once per line however many words trigger it.
    fn error_once(&mut self, line: usize, message: &str) {
        if self.once.insert((line, message.to_string())) {
            self.error(line, message);
        }
    }

    /// A word that belongs to nothing; reported once per line as skipped text.
    fn junk(&mut self, tok: &Tok) {
        self.junk
            .entry(tok.line)
            .or_default()
            .push(tok.text.clone());
    }

    fn finish(mut self) -> Vec<Diagnostic> {
        for (line, words) in std::mem::take(&mut self.junk) {
            let text = words.join(" ");
            let shown: String = text.chars().take(60).collect();
            let more = if shown.len() < text.len() { "…" } else { "" };
            self.warning(line, format!("text skipped: '{shown}{more}'"));
        }
        self.list
            .sort_by_key(|diag| diag.line.unwrap_or(usize::MAX));
        self.list
    }
}
