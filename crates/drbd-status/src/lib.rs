//! Parse every DRBD status format operators meet into one typed model.
//!
//! * [`proc_drbd`]: `/proc/drbd` of DRBD 8.0–8.4, DRBD 9 (header only) and 9.2+ `(compat 8.4)`.
//! * [`status_text`]: `drbdadm status` / `drbdsetup status [--verbose] [--statistics]`.
//! * [`status_json`]: `drbdsetup status --json` (including the bare `nan` of drbd-utils 9.4–9.5).
//! * [`events2`]: `drbdsetup events2` lines, folded into current state.
//!
//! Each format has its own lossless document type (what the text said, raw values kept) and a
//! `to_status()` into the shared [`model::Status`], where agents ask their questions
//! ([`model::Resource::is_primary`], [`model::Resource::peer_may_be_primary`], …) and
//! [`health`] gives a verdict. Parsers do no I/O and never panic: odd parts become
//! [`Diagnostic`]s, only unusable input is a [`ParseError`].

pub mod diag;
pub mod events2;
pub mod health;
pub mod model;
pub mod proc_drbd;
pub mod states;
pub mod status_json;
pub mod status_text;
mod text;

pub use diag::{Diagnostic, ParseError, Parsed, Severity};
pub use model::{Format, Status};

/// A parsed document of any supported format.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Document {
    Proc(proc_drbd::ProcDrbd),
    StatusText(status_text::StatusText),
    StatusJson(status_json::StatusJson),
    Events2(events2::Events2),
}

impl Document {
    /// Converts the document into the shared model.
    pub fn to_status(&self) -> Status {
        match self {
            Document::Proc(d) => d.to_status(),
            Document::StatusText(d) => d.to_status(),
            Document::StatusJson(d) => d.to_status(),
            Document::Events2(d) => d.to_status(),
        }
    }
}

/// The kind of input, decided from its first non-empty line (not from the caller's intent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    ProcDrbd,
    StatusText,
    StatusJson,
    Events2,
}

/// Recognises the format of `input`, or `None` when it is none of the supported ones.
pub fn detect(input: &str) -> Option<InputKind> {
    let first = input
        .lines()
        .map(|l| text::strip_ansi(l.trim_start_matches('\u{feff}').trim_end_matches('\r')))
        .find(|l| !l.trim().is_empty())?;
    let trimmed = first.trim_start();
    let head = trimmed.split_whitespace().next().unwrap_or("");
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        return Some(InputKind::StatusJson);
    }
    if head == "version:"
        || head == "GIT-hash:"
        || head == "srcversion:"
        || head == "built-in"
        || (head.ends_with(':') && head[..head.len() - 1].parse::<u32>().is_ok())
    {
        return Some(InputKind::ProcDrbd);
    }
    let event_head = if text::looks_like_timestamp(head) {
        trimmed.split_whitespace().nth(1).unwrap_or("")
    } else {
        head
    };
    if events2::ACTIONS.contains(&event_head) || event_head == "-" {
        return Some(InputKind::Events2);
    }
    if text::says_none_configured(trimmed) {
        return Some(InputKind::StatusText);
    }
    let has_role = trimmed.split_whitespace().any(|t| t.starts_with("role:"));
    if has_role && !head.contains(':') {
        return Some(InputKind::StatusText);
    }
    None
}

/// Detects the format and parses `input` with the matching parser.
pub fn parse(input: &str) -> Result<Parsed<Document>, ParseError> {
    if input.trim().is_empty() {
        return Err(ParseError::new(None, "empty input"));
    }
    match detect(input) {
        Some(InputKind::ProcDrbd) => proc_drbd::parse(input).map(|p| p.map(Document::Proc)),
        Some(InputKind::StatusText) => {
            status_text::parse(input).map(|p| p.map(Document::StatusText))
        }
        Some(InputKind::StatusJson) => {
            status_json::parse(input).map(|p| p.map(Document::StatusJson))
        }
        Some(InputKind::Events2) => events2::parse(input).map(|p| p.map(Document::Events2)),
        None => Err(ParseError::new(
            Some(1),
            "not a DRBD status: expected /proc/drbd, drbdadm status, drbdsetup status --json or events2",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_format_from_first_line() {
        assert_eq!(
            detect("version: 8.4.11 (api:1/proto:86-101)\n"),
            Some(InputKind::ProcDrbd)
        );
        assert!(detect("\n r0 x").is_none());
        assert_eq!(
            detect("r0 role:Primary\n  disk:UpToDate\n"),
            Some(InputKind::StatusText)
        );
        assert_eq!(detect("\n[\n{\n"), Some(InputKind::StatusJson));
        assert_eq!(detect("exists -\n"), Some(InputKind::Events2));
        assert_eq!(
            detect("2019-05-07T13:50:23.973595-07:00 exists -\n"),
            Some(InputKind::Events2)
        );
        assert_eq!(
            detect("\x1b[1mchange\x1b[0m resource name:r0\n"),
            Some(InputKind::Events2)
        );
        assert_eq!(detect("hello world\n"), None);
    }

    #[test]
    fn empty_and_foreign_input_are_rejected() {
        assert!(parse("").is_err());
        assert!(parse(" \n\n").is_err());
        assert!(parse("<html>").is_err());
    }
}
