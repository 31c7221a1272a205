//! `drbdsetup events2` lines, folded into the state they describe.
//!
//! Each line becomes an [`Event`] (raw values kept, `--diff` pairs as old/new, timestamps and
//! colour codes removed from the values); the events are applied in order to an
//! [`Events2State`]: objects keyed by their ids (resource name, volume, connection name, path
//! addresses), `change` lines merged into what is known, destroyed objects removed.
//! [`Events2::apply_line`] does the same one line at a time for a stream that is still running.

mod keys;
mod line;
mod state;
mod status;
#[cfg(test)]
mod tests;

pub use line::{parse_line, Action, Event, EventBody, Field, FieldValue, Fields, ObjectKind};
pub use state::{ConnectionEntry, Events2State, KeyValues, ResourceState};

use crate::diag::{Diagnostic, ParseError, Parsed};
use crate::model::Status;
use serde::Serialize;

/// The words an events2 event line starts with (after an optional timestamp).
pub const ACTIONS: &[&str] = &[
    "exists", "create", "change", "destroy", "call", "response", "rename",
];

/// The lossless document: every line as an event, and the state they add up to.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Events2 {
    pub events: Vec<Event>,
    #[serde(flatten)]
    pub state: Events2State,
    /// Lines read so far (blank ones included), for numbering the next one.
    #[serde(skip)]
    lines_read: usize,
}

/// Parses a complete events2 capture. Invalid lines become error events and the rest still
/// counts; the input is rejected only when no line at all is an events2 line.
pub fn parse(input: &str) -> Result<Parsed<Events2>, ParseError> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    if input.trim().is_empty() {
        return Err(ParseError::new(None, "empty input"));
    }
    let mut doc = Events2::default();
    let mut diagnostics = Vec::new();
    for text in input.lines() {
        diagnostics.extend(doc.apply_line(text));
    }
    if !doc.events.iter().any(Event::is_valid) {
        let line = doc.events.first().map(|e| e.line);
        return Err(ParseError::new(
            line,
            "no events2 line found (expected `exists|create|change|destroy|call|response|rename <object> key:value…`)",
        ));
    }
    if doc.state.initial_state_complete_at_line.is_none() {
        diagnostics.push(Diagnostic::warning(
            None,
            "no `exists -` line: the initial state dump is missing or incomplete",
        ));
    }
    Ok(Parsed { doc, diagnostics })
}

impl Events2 {
    /// An empty document, ready for [`Events2::apply_line`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the next line of a stream: records its event and applies it to the state.
    /// Returns what was wrong or odd about the line.
    pub fn apply_line(&mut self, text: &str) -> Vec<Diagnostic> {
        self.lines_read = self.lines_read.saturating_add(1);
        let (event, mut diagnostics) = parse_line(self.lines_read, text);
        if let Some(event) = event {
            diagnostics.extend(self.state.apply(&event));
            self.events.push(event);
        }
        diagnostics
    }

    /// Converts the current state into the shared model.
    pub fn to_status(&self) -> Status {
        self.state.to_status()
    }
}
