//! Mending the bare `nan` of drbd-utils 9.4–9.5 (and its `-nan`, `inf`, `-inf` siblings).
//!
//! drbdsetup prints JSON with `printf("%.0f")`, so a NaN or infinite double comes out as a bare
//! word that no JSON parser accepts. Outside strings such a word can only be that bug, so it is
//! replaced by `null`; inside strings (a resource may well be named "nan") nothing is touched.

/// `input` with every bare non-finite number outside strings replaced by `null`, and how many
/// were replaced. Line numbers stay the same, so parser errors still point at the right line.
pub fn mend_non_finite(input: &str) -> (String, usize) {
    let mut out = String::with_capacity(input.len() + 8);
    let mut mended = 0;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = input.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        let starts_word = c.is_ascii_alphabetic()
            || (c == '-' && chars.peek().is_some_and(|&(_, n)| n.is_ascii_alphabetic()));
        if c == '"' {
            in_string = true;
            out.push(c);
        } else if starts_word {
            let mut end = start + c.len_utf8();
            while let Some(&(i, n)) = chars.peek() {
                if !n.is_ascii_alphanumeric() {
                    break;
                }
                end = i + n.len_utf8();
                chars.next();
            }
            let word = input.get(start..end).unwrap_or_default();
            if is_non_finite(word.trim_start_matches('-')) {
                out.push_str("null");
                mended += 1;
            } else {
                out.push_str(word);
            }
        } else {
            out.push(c);
        }
    }
    (out, mended)
}

/// The ways C, Python and JavaScript print a NaN or an infinity.
fn is_non_finite(word: &str) -> bool {
    ["nan", "inf", "infinity"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mends_bare_nan_and_infinities() {
        let (out, n) = mend_non_finite(r#"{"a": nan, "b": -nan, "c": inf, "d": -Infinity}"#);
        assert_eq!(out, r#"{"a": null, "b": null, "c": null, "d": null}"#);
        assert_eq!(n, 4);
    }

    #[test]
    fn leaves_nan_inside_strings_alone() {
        let input = r#"{"name": "nan", "x": "say \"inf\" -nan", "nan": true}"#;
        assert_eq!(mend_non_finite(input), (input.to_string(), 0));
    }

    #[test]
    fn leaves_json_words_and_exponents_alone() {
        let input = "[true, false, null, 1e5, -2E-3, 1.5e+2]";
        assert_eq!(mend_non_finite(input), (input.to_string(), 0));
    }

    #[test]
    fn words_that_only_start_like_nan_stay() {
        let input = "[nano, inform, nan1]";
        assert_eq!(mend_non_finite(input).1, 0);
    }

    #[test]
    fn keeps_line_numbers_and_multibyte_text() {
        let input = "[\n\"ü\",\nnan,\n\"∞\"]";
        let (out, n) = mend_non_finite(input);
        assert_eq!(out, "[\n\"ü\",\nnull,\n\"∞\"]");
        assert_eq!(n, 1);
    }
}
