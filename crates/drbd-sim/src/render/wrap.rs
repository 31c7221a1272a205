//! drbd-utils' `wrap_printf()` (≥ 9.32 semantics): tokens are appended with their leading
//! space; a token that would pass the terminal width (80 when stdout is not a tty) starts a
//! new line at the object's indentation, and a token at the start of a line drops its spaces.

/// Builds wrapped status text.
pub struct Wrapper {
    out: String,
    col: i64,
    columns: i64,
}

impl Wrapper {
    pub fn new() -> Wrapper {
        Wrapper {
            out: String::new(),
            col: 0,
            columns: 80,
        }
    }

    /// `wrap_printf(indent, text)`.
    pub fn put(&mut self, indent: usize, text: &str) {
        let mut text = text;
        while let Some(rest) = text.strip_prefix('\n') {
            self.out.push('\n');
            self.col = 0;
            text = rest;
        }
        if text.is_empty() {
            return;
        }
        let n = i64::try_from(text.chars().count()).unwrap_or(i64::MAX);
        if self.col > 0 && self.col.saturating_add(n) > self.columns {
            self.out.push('\n');
            self.col = 0;
        }
        if self.col == 0 {
            text = text.trim_start_matches(' ');
            self.out.push_str(&" ".repeat(indent));
            self.col = -1;
        }
        self.out.push_str(text);
        self.col = self
            .col
            .saturating_add(i64::try_from(text.chars().count()).unwrap_or(i64::MAX));
        if text.ends_with('\n') {
            self.col = 0;
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_and_drops_leading_space_at_line_start() {
        let mut w = Wrapper::new();
        w.put(0, "r0");
        w.put(4, " role:Primary");
        w.put(0, "\n");
        w.put(2, " disk:UpToDate");
        w.put(6, "\n");
        assert_eq!(w.finish(), "r0 role:Primary\n  disk:UpToDate\n");
    }

    #[test]
    fn wraps_tokens_that_pass_column_80() {
        let mut w = Wrapper::new();
        w.put(2, "peer");
        for _ in 0..8 {
            w.put(6, " key:0123456789");
        }
        w.put(0, "\n");
        let text = w.finish();
        assert!(text.lines().count() >= 2, "{text}");
        assert!(text.lines().nth(1).unwrap_or("").starts_with("      key:"));
    }
}
