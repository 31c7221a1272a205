//! Diagnostics: what a parser reports besides its result.
//!
//! A document that is recognisably of its format parses to a result plus diagnostics for the
//! parts that were odd or invalid; only input that cannot be trusted at all is a [`ParseError`].

use serde::Serialize;
use std::fmt;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Odd but harmless: an unknown key, a value kept raw, a mangled decoration.
    Warning,
    /// Part of the document was invalid or missing; the result lacks that part.
    Error,
}

/// One remark about the input, tied to a 1-based line when there is one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub message: String,
}

impl Diagnostic {
    pub fn warning(line: impl Into<Option<usize>>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            line: line.into(),
            message: message.into(),
        }
    }

    pub fn error(line: impl Into<Option<usize>>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            line: line.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        match self.line {
            Some(line) => write!(f, "{level}: line {line}: {}", self.message),
            None => write!(f, "{level}: {}", self.message),
        }
    }
}

/// A parse result together with the diagnostics collected on the way.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parsed<T> {
    pub doc: T,
    pub diagnostics: Vec<Diagnostic>,
}

impl<T> Parsed<T> {
    /// True when some part of the input was invalid (warnings do not count).
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// Converts the document, keeping the diagnostics.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Parsed<U> {
        Parsed {
            doc: f(self.doc),
            diagnostics: self.diagnostics,
        }
    }
}

/// The whole input was rejected: empty, binary, of no known format, or broken beyond use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParseError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub message: String,
}

impl ParseError {
    pub fn new(line: impl Into<Option<usize>>, message: impl Into<String>) -> Self {
        Self {
            line: line.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ParseError {}
