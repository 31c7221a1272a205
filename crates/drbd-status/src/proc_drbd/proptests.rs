//! The parser never panics: arbitrary text, arbitrary bytes, word soups of its own keys and
//! mangled fixtures.

use super::parse;
use super::tests::FIXTURES;
use proptest::prelude::*;
use proptest::sample::{select, Index};

/// Words the parser reacts to, so random documents reach deep into every reader.
const WORDS: &[&str] = &[
    "version:",
    "8.4.11",
    "(api:1/proto:86-101)",
    "(compat 8.4)",
    "GIT-hash:",
    "srcversion:",
    "built-in",
    "Transports",
    "(api:16):",
    "tcp",
    "(NONE)",
    "0:",
    "1:",
    "12:",
    "cs:Connected",
    "cs:Unconfigured",
    "cs:SyncSource",
    "cs:VerifyS",
    "cs:",
    "ro:Primary/Secondary",
    "st:",
    "ro:",
    "ds:UpToDate/Inconsistent",
    "ds:",
    "C",
    "r-----",
    "s---n-",
    "r---",
    "ns:1",
    "nr:",
    "oos:12",
    "pe:[0;8]",
    "ap:[1;",
    "wo:b",
    "wo:",
    "lo:-1",
    "[===>....]",
    "sync'ed:",
    "verified:",
    "28.4%",
    "100.0%",
    "(1/2)K",
    "(3/4)M",
    "(1/2)Mfinish:",
    "finish:",
    "0:00:05",
    "∞",
    "speed:",
    "6,024",
    "(5,876)",
    "(1",
    "--",
    "2)",
    "want:",
    "1024,000",
    "-1,024",
    "K/sec",
    "(stalled)",
    "stalled",
    "delay_probe:",
    "queue_delay:",
    "0.5",
    "ms",
    "sector",
    "pos:",
    "1/2",
    "stop",
    "sector:",
    "25%",
    "oos:",
    "/",
    "resync:",
    "act_log:",
    "used:0/61",
    "hits:1",
    "dirty:",
    "locked:0",
    "blocked",
    "on",
    "activity",
    "log:",
    "0/0/0",
    "x",
    "\u{0}",
    "\r",
    ":",
    "99999999999999999999999",
];

fn soup() -> impl Strategy<Value = String> {
    let sep = select(&[" ", "\n", "\t", "  ", "\r\n"][..]);
    prop::collection::vec((select(WORDS), sep), 0..80)
        .prop_map(|parts| parts.into_iter().flat_map(|(w, s)| [w, s]).collect())
}

fn check(input: &str) {
    if let Ok(parsed) = parse(input) {
        let _ = parsed.doc.to_status().health();
        let _ = serde_json::to_value(&parsed.doc);
    }
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(input in "\\PC*") {
        check(&input);
    }

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn never_panics_on_word_soup(input in soup()) {
        check(&input);
    }

    #[test]
    fn never_panics_on_mangled_fixtures(
        which in 0..FIXTURES.len(),
        at in any::<Index>(),
        len in 0usize..40,
        insert in "\\PC{0,12}",
    ) {
        let chars: Vec<char> = FIXTURES[which].chars().collect();
        let start = at.index(chars.len().max(1)).min(chars.len());
        let end = start.saturating_add(len).min(chars.len());
        let mangled: String = chars[..start]
            .iter()
            .copied()
            .chain(insert.chars())
            .chain(chars[end..].iter().copied())
            .collect();
        check(&mangled);
    }
}
