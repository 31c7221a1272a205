//! Findings of `check` and `doctor`: `file:line: severity: what is wrong; the fix`, or JSON,
//! and the linter exit code they add up to.

use std::path::Path;

use heartbeat_config::lint::{Diagnostic, Severity};
use serde::Serialize;

use crate::Exit;

/// One finding. `line` is absent when the finding is about a whole file (or a missing one).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    pub file: String,
    pub line: Option<usize>,
    pub severity: &'static str,
    pub code: &'static str,
    pub what: String,
    pub fix: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: ", self.file)?,
            None => write!(f, "{}: ", self.file)?,
        }
        write!(f, "{}: {}; {}", self.severity, self.what, self.fix)
    }
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The findings of one run, in the order they were found.
#[derive(Debug, Default)]
pub struct Findings {
    pub list: Vec<Finding>,
}

impl Findings {
    /// A diagnostic about `file` (as the operator should open it).
    pub fn push(&mut self, file: &Path, d: Diagnostic) {
        self.list.push(Finding {
            file: file.display().to_string(),
            line: d.line,
            severity: severity_word(d.severity),
            code: d.code,
            what: d.what,
            fix: d.fix,
        });
    }

    pub fn error(
        &mut self,
        file: &Path,
        line: Option<usize>,
        code: &'static str,
        what: String,
        fix: String,
    ) {
        self.push(file, Diagnostic::error(code, line, what, fix));
    }

    pub fn warning(
        &mut self,
        file: &Path,
        line: Option<usize>,
        code: &'static str,
        what: String,
        fix: String,
    ) {
        self.push(file, Diagnostic::warning(code, line, what, fix));
    }

    pub fn errors(&self) -> usize {
        self.list.iter().filter(|f| f.severity == "error").count()
    }

    pub fn warnings(&self) -> usize {
        self.list.iter().filter(|f| f.severity == "warning").count()
    }

    /// 0 clean, 1 warnings only, 2 any error.
    pub fn exit(&self) -> Exit {
        match (self.errors(), self.warnings()) {
            (0, 0) => Exit::Clean,
            (0, _) => Exit::Warnings,
            _ => Exit::Errors,
        }
    }

    /// Sorted by file, then line (file-wide findings first), keeping the order within a line.
    pub fn sort(&mut self) {
        self.list
            .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    }

    /// Text (one line per finding and a summary) or one JSON object with `extra` merged in.
    pub fn print(&self, json: bool, summary_subject: &str, extra: serde_json::Value) {
        if json {
            let mut v = serde_json::json!({
                "findings": self.list,
                "errors": self.errors(),
                "warnings": self.warnings(),
                "exit": self.exit() as u8,
            });
            if let (Some(o), serde_json::Value::Object(e)) = (v.as_object_mut(), extra) {
                o.extend(e);
            }
            println!("{v:#}");
            return;
        }
        for f in &self.list {
            println!("{f}");
        }
        match (self.errors(), self.warnings()) {
            (0, 0) => println!("{summary_subject}: clean"),
            (e, w) => println!("{summary_subject}: {e} error(s), {w} warning(s)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_format_and_exit() {
        let mut f = Findings::default();
        assert_eq!(f.exit(), Exit::Clean);
        f.warning(
            Path::new("/etc/ha.d/ha.cf"),
            None,
            "x",
            "w".into(),
            "fix w".into(),
        );
        assert_eq!(f.exit(), Exit::Warnings);
        f.error(
            Path::new("/etc/ha.d/haresources"),
            Some(3),
            "y",
            "bad".into(),
            "do this".into(),
        );
        assert_eq!(f.exit(), Exit::Errors);
        assert_eq!(f.list[0].to_string(), "/etc/ha.d/ha.cf: warning: w; fix w");
        assert_eq!(
            f.list[1].to_string(),
            "/etc/ha.d/haresources:3: error: bad; do this"
        );
    }
}
