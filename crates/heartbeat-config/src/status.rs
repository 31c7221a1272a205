//! How ResourceManager's `we_own_resource` reads a script's `status` output.

/// True when heartbeat would take this `status` stdout as "the resource is held".
///
/// ResourceManager matches the captured output against shell globs, in order:
/// `*[Nn][Oo][Tt]\ *[Rr]unning*` means not running, then `*[Rr]unning*|*OK*` means running,
/// anything else not running. Exit codes are ignored. Command substitution drops trailing
/// newlines, which does not change these matches.
pub fn status_says_running(stdout: &str) -> bool {
    if not_blank_then_running(stdout) {
        return false;
    }
    find_running(stdout, 0).is_some() || stdout.contains("OK")
}

/// `*[Nn][Oo][Tt]\ *[Rr]unning*`: "not" in any case, a blank, then later "[Rr]unning".
fn not_blank_then_running(s: &str) -> bool {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(3)).any(|i| {
        b[i..i + 3].eq_ignore_ascii_case(b"not")
            && b[i + 3] == b' '
            && find_running(s, i + 4).is_some()
    })
}

/// The first `[Rr]unning` at or after byte `from`.
fn find_running(s: &str, from: usize) -> Option<usize> {
    let b = s.as_bytes();
    (from..b.len())
        .find(|&i| matches!(b[i], b'R' | b'r') && b.get(i + 1..i + 7) == Some(b"unning".as_slice()))
}

#[cfg(test)]
mod tests {
    use super::status_says_running as running;

    /// The table measured with the real ResourceManager (reference/heartbeat.md, a.5).
    #[test]
    fn matches_the_measured_table() {
        for (out, held) in [
            ("mfsmaster is running", true),
            ("mfsmaster is stopped", false),
            ("OK", true),
            ("", false),
            ("mfsmaster is not running", false),
            ("Not   Running", false),
            ("not-running", true),
            ("stopped (was running)", true),
            ("NOT OK", true),
            ("ok", false),
            ("running (Primary)", true),
            ("stopped (Secondary)", false),
            ("cannot determine status, may be running (Unknown)", false),
            ("RUNNING", false),
            ("running\n", true),
        ] {
            assert_eq!(running(out), held, "{out:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = running(&s);
        }
    }
}
