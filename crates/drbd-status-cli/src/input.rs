//! Where the status comes from (a file, stdin or the live system) and how it is parsed.

use crate::args::{Args, InputFormat};
use crate::live;
use anyhow::{anyhow, bail, Context, Result};
use drbd_status::{
    events2, proc_drbd, status_json, status_text, Diagnostic, Document, ParseError, Status,
};
use std::io::Read;
use std::path::PathBuf;

/// What to read, decided once from the command line.
#[derive(Debug, Clone)]
pub enum Source {
    File(PathBuf),
    Stdin,
    Live(live::Options),
}

impl Source {
    pub fn from_args(args: &Args) -> Source {
        match &args.file {
            Some(path) if path.as_os_str() == "-" => Source::Stdin,
            Some(path) => Source::File(path.clone()),
            None => Source::Live(live::Options {
                proc_path: args.proc_path.clone(),
                drbdsetup: args.drbdsetup.clone(),
                timeout: args.timeout,
                format: args.format,
            }),
        }
    }
}

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

/// Reads and parses the source once.
pub fn load(source: &Source, format: Option<InputFormat>) -> Result<Loaded> {
    match source {
        Source::File(path) => {
            let origin = path.display().to_string();
            let bytes = std::fs::read(path).with_context(|| origin.clone())?;
            parse_bytes(origin, &bytes, format)
        }
        Source::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .context("stdin")?;
            parse_bytes("stdin".into(), &bytes, format)
        }
        Source::Live(options) => live::load(options),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn garbage_is_rejected_naming_the_source() {
        let err = parse_text("/tmp/x".into(), "<html>\n", None).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.starts_with("/tmp/x: "), "{msg}");
        assert!(msg.contains("not a DRBD status"), "{msg}");
    }

    #[test]
    fn empty_input_is_rejected() {
        let err = parse_bytes("empty.txt".into(), b"", None).unwrap_err();
        assert!(format!("{err:#}").contains("empty.txt: empty input"));
    }

    #[test]
    fn resource_filter_keeps_one_or_names_the_known_ones() {
        use crate::testdata::*;
        let mut r = report(status(vec![connected_primary(), sync_target()]), vec![]);
        r.select_resource("minor-1").unwrap();
        assert_eq!(r.status.resources.len(), 1);
        let err = r.select_resource("r9").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/proc/drbd: no resource 'r9' (known: minor-1)"
        );
        let mut empty = report(status(vec![]), vec![]);
        let err = empty.select_resource("r0").unwrap_err();
        assert!(err.to_string().ends_with("(there are none)"));
        empty.status.has_device_info = false;
        assert!(empty.select_resource("r0").is_ok());
    }

    #[test]
    fn dash_means_stdin_and_no_file_means_live() {
        use clap::Parser;
        let args = Args::try_parse_from(["drbd-status", "-"]).unwrap();
        assert!(matches!(Source::from_args(&args), Source::Stdin));
        let args = Args::try_parse_from(["drbd-status", "x.txt"]).unwrap();
        assert!(matches!(Source::from_args(&args), Source::File(p) if p == Path::new("x.txt")));
        let args = Args::try_parse_from(["drbd-status", "--proc", "/p"]).unwrap();
        assert!(
            matches!(Source::from_args(&args), Source::Live(o) if o.proc_path == Path::new("/p"))
        );
    }
}
