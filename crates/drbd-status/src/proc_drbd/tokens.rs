//! Words of the device part, with their line numbers, and helpers to read them.
//!
//! Device blocks are read as one stream of words so that lines joined or split by web copies
//! (`1:` alone on a line, state and counters on one line) parse the same as kernel output.

/// One whitespace-separated word and the 1-based line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Tok {
    pub text: String,
    pub line: usize,
}

/// Splits a line into words, undoing the kernel's and copies' glued words:
/// `1:cs:Connected`, `(14996/15360)Mfinish:`, `sync'ed:100.0%`, `[==>...]sync'ed:`.
pub(super) fn tokenize(line: &str, line_no: usize, out: &mut Vec<Tok>) {
    for word in line.split_whitespace() {
        split_glued(word, line_no, out);
    }
}

fn split_glued(word: &str, line: usize, out: &mut Vec<Tok>) {
    let mut rest = word;
    while !rest.is_empty() {
        let cut = glue_point(rest).unwrap_or(rest.len());
        let (head, tail) = rest.split_at(cut);
        out.push(Tok {
            text: head.to_string(),
            line,
        });
        rest = tail;
    }
}

/// Byte offset where a second word starts inside `word`, if it is glued.
fn glue_point(word: &str) -> Option<usize> {
    // `12:cs:…` → `12:` + `cs:…`
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && word.as_bytes().get(digits) == Some(&b':') {
        let after = digits + 1;
        let next = word.as_bytes().get(after);
        if next.is_some_and(u8::is_ascii_alphabetic) {
            return Some(after);
        }
    }
    // `(left/total)Mfinish:` → `(left/total)M` + `finish:`
    if word.starts_with('(') {
        if let Some(close) = word.find(')') {
            let after_unit = close + 2;
            let unit = word.as_bytes().get(close + 1);
            if matches!(unit, Some(b'K' | b'M')) && word.len() > after_unit {
                return Some(after_unit);
            }
        }
    }
    // `[===>....]sync'ed:` → bar + `sync'ed:`
    if word.starts_with('[') && is_bar_text(word.split(']').next().unwrap_or("")) {
        if let Some(close) = word.find(']') {
            if close + 1 < word.len() {
                return Some(close + 1);
            }
        }
    }
    // `sync'ed:100.0%` → `sync'ed:` + `100.0%`
    for key in [
        "sync'ed:",
        "verified:",
        "finish:",
        "speed:",
        "want:",
        "delay_probe:",
    ] {
        if word.starts_with(key) && word.len() > key.len() {
            return Some(key.len());
        }
    }
    None
}

fn is_bar_text(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| matches!(c, '[' | ']' | '=' | '>' | '.'))
}

/// The decorative progress bar `[====>.....]` (or a piece of a mangled one).
pub(super) fn is_bar(text: &str) -> bool {
    is_bar_text(text) && text.contains(['[', ']', '>'])
}

/// `key:value` with a plausible key (ASCII word, may contain `'` as in `sync'ed`).
pub(super) fn split_key(text: &str) -> Option<(&str, &str)> {
    let (key, value) = text.split_once(':')?;
    let mut chars = key.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'));
    (first_ok && rest_ok).then_some((key, value))
}

/// `12:` → minor 12.
pub(super) fn minor_marker(text: &str) -> Option<u32> {
    let digits = text.strip_suffix(':')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `28.4%` / `100%` → the number.
pub(super) fn percent(text: &str) -> Option<f64> {
    let number = text.strip_suffix('%')?;
    let plain = !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && number.bytes().filter(|&b| b == b'.').count() <= 1
        && !number.starts_with('.');
    if !plain {
        return None;
    }
    number.parse().ok()
}

/// An unsigned decimal without separators.
pub(super) fn unsigned(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A signed decimal without separators.
pub(super) fn signed(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    unsigned(digits)?;
    text.parse().ok()
}

/// A rate with thousands separators, possibly negative: `6,345`, `1024,000`, `-1,024`.
pub(super) fn rate(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text),
    };
    let value = i64::try_from(crate::text::parse_grouped_u64(digits)?).ok()?;
    Some(if negative { -value } else { value })
}

/// Reads the word stream of the device part.
pub(super) struct Cursor {
    toks: Vec<Tok>,
    pos: usize,
}

impl Cursor {
    pub fn new(toks: Vec<Tok>) -> Self {
        Cursor { toks, pos: 0 }
    }

    pub fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    pub fn peek_text(&self, ahead: usize) -> Option<&str> {
        self.toks
            .get(self.pos.saturating_add(ahead))
            .map(|t| t.text.as_str())
    }

    pub fn next(&mut self) -> Option<Tok> {
        let tok = self.toks.get(self.pos).cloned();
        if tok.is_some() {
            self.pos += 1;
        }
        tok
    }

    /// Takes the next word when `accept` likes it.
    pub fn next_if(&mut self, accept: impl FnOnce(&str) -> bool) -> Option<Tok> {
        if self.peek().is_some_and(|t| accept(&t.text)) {
            self.next()
        } else {
            None
        }
    }

    /// Takes the next word when it is a plain value (no `key:`, no minor marker), for keys
    /// whose value a copy separated from them (`ns: 12`).
    pub fn next_value(&mut self) -> Option<Tok> {
        self.next_if(|t| split_key(t).is_none() && minor_marker(t).is_none())
    }

    /// True when the next word is `N:` followed by `cs:…`, the start of a minor.
    pub fn at_minor(&self) -> Option<u32> {
        let minor = minor_marker(self.peek_text(0)?)?;
        let next = self.peek_text(1)?;
        next.starts_with("cs:").then_some(minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        let mut out = Vec::new();
        tokenize(line, 1, &mut out);
        out.into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn glued_words_are_split() {
        assert_eq!(words("1:cs:Connected"), ["1:", "cs:Connected"]);
        assert_eq!(
            words("(14996/15360)Mfinish: 0:04:08"),
            ["(14996/15360)M", "finish:", "0:04:08"]
        );
        assert_eq!(words("sync'ed:100.0%"), ["sync'ed:", "100.0%"]);
        assert_eq!(words("[==>.]sync'ed:"), ["[==>.]", "sync'ed:"]);
        assert_eq!(words("finish: 0:00:05"), ["finish:", "0:00:05"]);
    }

    #[test]
    fn numbers_parse_strictly() {
        assert_eq!(rate("1024,000"), Some(1_024_000));
        assert_eq!(rate("-1,024"), Some(-1024));
        assert_eq!(rate("x"), None);
        assert_eq!(percent("  2.4%".trim()), Some(2.4));
        assert_eq!(percent("inf%"), None);
        assert_eq!(signed("-3"), Some(-3));
        assert_eq!(signed("--3"), None);
        assert_eq!(minor_marker("10:"), Some(10));
        assert_eq!(minor_marker("0:04:08"), None);
    }

    #[test]
    fn keys_must_be_ascii_words() {
        assert_eq!(split_key("sync'ed:"), Some(("sync'ed", "")));
        assert_eq!(split_key("从输出可知:x"), None);
        assert_eq!(split_key("0:04:08"), None);
    }
}
