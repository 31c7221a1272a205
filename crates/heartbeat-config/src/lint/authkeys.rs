//! authkeys: the `auth N` line and its key (heartbeat's auth plugins: sha1, md5, crc).

use super::Diagnostic;

/// authkeys content: `auth N` naming a key line `N method [secret]` that heartbeat knows.
/// (The mode, 600, is the caller's check: it is not in the text.)
pub fn authkeys(text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut auth: Option<(usize, String)> = None;
    let mut keys: Vec<(usize, String, String, bool)> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.split('#').next().unwrap_or("");
        let words: Vec<&str> = content.split_whitespace().collect();
        match words.as_slice() {
            [] => {}
            ["auth", n] => auth = Some((line, n.to_string())),
            ["auth", ..] => out.push(Diagnostic::error(
                "authkeys",
                Some(line),
                "the auth line must name exactly one key number".into(),
                "write `auth 1`".into(),
            )),
            [n, method, rest @ ..] if n.chars().all(|c| c.is_ascii_digit()) => {
                keys.push((line, n.to_string(), method.to_string(), !rest.is_empty()))
            }
            _ => out.push(Diagnostic::error(
                "authkeys",
                Some(line),
                format!("'{}' is neither `auth N` nor a key line", content.trim()),
                "write key lines as `1 sha1 <secret>`".into(),
            )),
        }
    }
    let Some((auth_line, n)) = auth else {
        out.push(Diagnostic::error(
            "authkeys",
            None,
            "no `auth N` line: heartbeat cannot sign its packets and refuses to start".into(),
            "write `auth 1` and `1 sha1 <secret>` (the same on both nodes), mode 600".into(),
        ));
        return out;
    };
    match keys.iter().find(|k| k.1 == n) {
        None => out.push(Diagnostic::error(
            "authkeys",
            Some(auth_line),
            format!("auth {n} names a key that is not defined"),
            format!("add `{n} sha1 <secret>`"),
        )),
        Some((line, _, method, has_secret)) => match method.as_str() {
            "sha1" | "md5" if !has_secret => out.push(Diagnostic::error(
                "authkeys",
                Some(*line),
                format!("key {n} ({method}) has no secret"),
                format!("write `{n} {method} <secret>` with a long random secret"),
            )),
            "sha1" | "md5" => {}
            "crc" => out.push(Diagnostic::warning(
                "authkeys",
                Some(*line),
                format!("key {n} uses crc: packets are not authenticated, anyone on the link can forge them"),
                format!("use `{n} sha1 <secret>` unless the link is a crossover cable"),
            )),
            other => out.push(Diagnostic::error(
                "authkeys",
                Some(*line),
                format!("unknown method '{other}' for key {n}"),
                format!("use sha1: `{n} sha1 <secret>`"),
            )),
        },
    }
    out
}
