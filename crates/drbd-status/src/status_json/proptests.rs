//! No input makes the parser panic: arbitrary text and mangled fixtures.

use super::parse;
use super::tests::{HEAD, NAN, REFORMATTED, VERIFY, WRONG_TYPES};
use proptest::prelude::*;

/// Cuts `s` at a char boundary at or below `at`.
fn cut(s: &str, at: usize) -> &str {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    &s[..at]
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(input in "\\PC*") {
        let _ = parse(&input).map(|p| p.doc.to_status());
    }

    #[test]
    fn never_panics_on_json_like_noise(input in "[\\[\\]{}\",:0-9a-z\\- .\n]{0,200}") {
        let _ = parse(&input).map(|p| p.doc.to_status());
    }

    #[test]
    fn never_panics_on_mangled_fixtures(
        which in 0usize..5,
        at in 0usize..6000,
        len in 0usize..40,
        insert in "[\\PC]{0,8}",
    ) {
        let fixture = [HEAD, NAN, VERIFY, REFORMATTED, WRONG_TYPES][which];
        let head = cut(fixture, at);
        let tail_start = cut(fixture, at.saturating_add(len)).len();
        let mangled = format!("{head}{insert}{}", &fixture[tail_start.max(head.len())..]);
        let _ = parse(&mangled).map(|p| p.doc.to_status());
        let _ = parse(head).map(|p| p.doc.to_status());
    }

    #[test]
    fn never_panics_on_odd_values_in_a_valid_layout(value in prop_oneof![
        Just("nan".to_string()), Just("-1".to_string()), Just("1e400".to_string()),
        Just("-1e400".to_string()), Just("18446744073709551616".to_string()),
        Just("\"x\"".to_string()), Just("[]".to_string()), Just("{}".to_string()),
        Just("null".to_string()), any::<f64>().prop_map(|f| format!("{f:?}")),
        any::<i64>().prop_map(|i| i.to_string()),
    ], key in prop_oneof![
        Just("estimated-seconds-to-finish"), Just("db1/dt1 [MiB/s]"), Just("rs-total"),
        Just("ov-left"), Just("percent-resync-done"), Just("out-of-sync"), Just("volume"),
    ]) {
        let needle = format!("\"{key}\": ");
        let input = VERIFY.replace("\"ov-left\": 6291456", &format!("\"ov-left\": {value}"));
        let input = match input.find(&needle) {
            Some(i) => {
                let start = i + needle.len();
                let end = input[start..].find([',', '\n']).map_or(input.len(), |e| start + e);
                format!("{}{value}{}", &input[..start], &input[end..])
            }
            None => input,
        };
        let _ = parse(&input).map(|p| p.doc.to_status());
    }
}
