//! A parsed status: the format's own document and the shared model the renderers use, from
//! whatever bytes a file, stdin or the live system gave.

use crate::args::InputFormat;
use anyhow::{anyhow, bail, Result};
use drbd_status::{
    events2, proc_drbd, status_json, status_text, Diagnostic, Document, ParseError, Status,
};

/// A parsed input: the format's own document and what the renderers work from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub document: Document,
    pub report: Report,
}

/// One status in the shared model, with what it was read from.
#[derive(Debug, Clone)]
pub struct Report {
    /// The file, `stdin`, or the live command the text came from.
    pub origin: String,
    pub status: Status,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// True when part of the input could not be read (warnings do not count).
    pub fn is_partial(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == drbd_status::Severity::Error)
    }

    /// Keeps only the named resource; an unknown name is an error listing the known ones.
    /// A source without device information is left as it is: it cannot tell either way.
    pub fn select_resource(&mut self, name: &str) -> Result<()> {
        if !self.status.has_device_info {
            return Ok(());
        }
        if self.status.resource(name).is_none() {
            let known: Vec<&str> = self
                .status
                .resources
                .iter()
                .map(|r| r.name.as_str())
                .collect();
            let known = if known.is_empty() {
                "there are none".to_string()
            } else {
                format!("known: {}", known.join(", "))
            };
            bail!("{}: no resource '{name}' ({known})", self.origin);
        }
        self.status.resources.retain(|r| r.name == name);
        Ok(())
    }
}

/// Parses raw bytes (invalid UTF-8 is replaced and reported) as `format` or the detected one.
pub fn parse_bytes(origin: String, bytes: &[u8], format: Option<InputFormat>) -> Result<Loaded> {
    let text = String::from_utf8_lossy(bytes);
    let mut loaded = parse_text(origin, &text, format)?;
    if let std::borrow::Cow::Owned(_) = text {
        loaded.report.diagnostics.insert(
            0,
            Diagnostic::warning(
                None,
                "input is not valid UTF-8; invalid bytes were replaced by U+FFFD",
            ),
        );
    }
    Ok(loaded)
}

/// Parses text as `format`, or as whatever format it is recognised to be.
pub fn parse_text(origin: String, text: &str, format: Option<InputFormat>) -> Result<Loaded> {
    let parsed = match format {
        None => drbd_status::parse(text),
        Some(InputFormat::Proc) => proc_drbd::parse(text).map(|p| p.map(Document::Proc)),
        Some(InputFormat::Text) => status_text::parse(text).map(|p| p.map(Document::StatusText)),
        Some(InputFormat::Json) => status_json::parse(text).map(|p| p.map(Document::StatusJson)),
        Some(InputFormat::Events2) => events2::parse(text).map(|p| p.map(Document::Events2)),
    };
    let parsed = parsed.map_err(|e| parse_error(&origin, &e))?;
    let report = Report {
        origin,
        status: parsed.doc.to_status(),
        diagnostics: parsed.diagnostics,
    };
    Ok(Loaded {
        document: parsed.doc,
        report,
    })
}

fn parse_error(origin: &str, error: &ParseError) -> anyhow::Error {
    anyhow!("{origin}: {error}")
}
