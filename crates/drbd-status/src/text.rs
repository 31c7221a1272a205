//! Small text helpers shared by the line-based parsers.

/// Removes ANSI SGR colour sequences (`ESC [ … m`), as printed by `drbdsetup --color`.
pub fn strip_ansi(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains('\x1b') {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            // Skip parameters up to and including the final byte (0x40–0x7e).
            for c in chars.by_ref() {
                if ('\x40'..='\x7e').contains(&c) {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// True for an events2 `--timestamps` prefix: `YYYY-MM-DDTHH:MM:SS[.frac]±HH:MM`.
pub fn looks_like_timestamp(token: &str) -> bool {
    let b = token.as_bytes();
    b.len() >= 19
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
}

/// A suspension field: `no` (or absent) means none, otherwise a comma list (`user,no-data`).
pub fn reason_list(raw: Option<&str>) -> Vec<String> {
    match raw {
        None | Some("no") => Vec::new(),
        Some(list) => list
            .split(',')
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect(),
    }
}

/// True for drbd-utils' `# No currently configured DRBD found.`, whatever blanks separate
/// the words (copies turn spaces into tabs or runs of spaces).
pub fn says_none_configured(line: &str) -> bool {
    let mut words = line.split_whitespace();
    ["#", "No", "currently", "configured", "DRBD"]
        .iter()
        .all(|w| words.next() == Some(w))
        && words
            .next()
            .is_some_and(|w| w.trim_end_matches('.') == "found")
}

/// Parses an unsigned number that may carry `,` thousands separators (`1,024,000`).
pub fn parse_grouped_u64(raw: &str) -> Option<u64> {
    if raw.is_empty() || raw.starts_with(',') || raw.ends_with(',') {
        return None;
    }
    let digits: String = raw.chars().filter(|&c| c != ',').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_codes_are_removed() {
        assert_eq!(strip_ansi("\x1b[1mchange\x1b[0m r"), "change r");
        assert_eq!(strip_ansi("plain"), "plain");
        assert_eq!(strip_ansi("dangling \x1b["), "dangling ");
    }

    #[test]
    fn timestamps_are_recognised() {
        assert!(looks_like_timestamp("2019-05-07T13:50:23.973595-07:00"));
        assert!(!looks_like_timestamp("exists"));
        assert!(!looks_like_timestamp("2019-05-07"));
    }

    #[test]
    fn reason_lists_split_on_commas() {
        assert!(reason_list(None).is_empty());
        assert!(reason_list(Some("no")).is_empty());
        assert_eq!(reason_list(Some("user,no-data")), vec!["user", "no-data"]);
    }

    #[test]
    fn none_configured_is_recognised_with_any_blanks() {
        assert!(says_none_configured(
            "# No currently configured DRBD found."
        ));
        assert!(says_none_configured(
            "#\tNo  currently\tconfigured DRBD found"
        ));
        assert!(!says_none_configured("# No currently configured DRBD"));
        assert!(!says_none_configured(
            "# No currently configured DRBD foundry"
        ));
    }

    #[test]
    fn grouped_numbers_parse() {
        assert_eq!(parse_grouped_u64("1,024,000"), Some(1_024_000));
        assert_eq!(parse_grouped_u64("64800"), Some(64800));
        assert_eq!(parse_grouped_u64(""), None);
        assert_eq!(parse_grouped_u64("1x"), None);
        assert_eq!(parse_grouped_u64("99999999999999999999999"), None);
    }
}
