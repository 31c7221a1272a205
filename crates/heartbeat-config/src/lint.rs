//! Diagnostics: what in ha.cf, authkeys and haresources makes heartbeat refuse to start, or
//! start and then fail over badly. Pure: the caller reads the files and adds the file names.
//! Sources: heartbeat 3.0.6 `config.c` and `ResourceManager` (../../../shared/reference/heartbeat.md).

mod authkeys;
mod hacf;
mod haresources;

pub use authkeys::authkeys;
pub use hacf::{hacf, time_ms};
pub use haresources::haresources;

/// How bad a finding is: an error breaks startup or failover, a warning weakens it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

/// One finding: where (line, when there is one), what is wrong, and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub line: Option<usize>,
    pub severity: Severity,
    /// A stable identifier (for --json consumers and tests), e.g. `hacf-timers`.
    pub code: &'static str,
    pub what: String,
    pub fix: String,
}

impl Diagnostic {
    pub fn error(code: &'static str, line: Option<usize>, what: String, fix: String) -> Self {
        Diagnostic {
            line,
            severity: Severity::Error,
            code,
            what,
            fix,
        }
    }

    pub fn warning(code: &'static str, line: Option<usize>, what: String, fix: String) -> Self {
        Diagnostic {
            line,
            severity: Severity::Warning,
            code,
            what,
            fix,
        }
    }
}

/// The largest distance a caller treats as a typo; farther strings only need a lower bound.
const NEAR_ENOUGH: usize = 2;

/// The Levenshtein distance of `a` and `b` in characters (for "did you mean"), exact up to `NEAR_ENOUGH`; above
/// that, a lower bound (the length difference) when the lengths alone put them that far apart.
pub fn edit_distance(a: &str, b: &str) -> usize {
    // Every edit changes the length by at most one: strings of very different lengths (an
    // operator's pasted blob) are far apart without the quadratic table.
    let (la, lb) = (a.chars().count(), b.chars().count());
    if la.abs_diff(lb) > NEAR_ENOUGH {
        return la.abs_diff(lb);
    }
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests;
