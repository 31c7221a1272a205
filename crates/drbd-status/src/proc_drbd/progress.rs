//! Resync / online-verify progress, in every variant the kernel printed since 8.0.
//!
//! Each reader starts at a key word (`sync'ed:`, `finish:`, `speed:` …) and takes the words
//! that belong to it, wherever the line breaks fell.

use super::doc::{Progress, ProgressKind, SectorPos, SizeUnit};
use super::tokens::{percent, rate, unsigned, Cursor, Tok};
use super::Diags;

/// `sync'ed: 34.9% (346112/524288)K` or `verified: …` (the bar was skipped already).
pub(super) fn read_done(
    p: &mut Progress,
    kind: ProgressKind,
    key: &Tok,
    cur: &mut Cursor,
    d: &mut Diags,
) {
    if p.percent.is_some() {
        d.warning(key.line, format!("second '{}' progress ignored", key.text));
    }
    let first = p.percent.is_none();
    match cur.next_if(|t| percent(t).is_some()) {
        Some(t) if first => {
            p.kind = kind;
            p.percent = percent(&t.text);
        }
        Some(_) => {}
        None => d.error(key.line, format!("'{}' without a percentage", key.text)),
    }
    if let Some(t) = cur.next_if(|t| t.starts_with('(') && t.contains('/')) {
        match left_total(&t.text) {
            Some(_) if !first => {}
            Some((left, total, unit)) => {
                p.left = Some(left);
                p.total = Some(total);
                p.unit = Some(unit);
            }
            None => d.error(t.line, format!("bad resync amount '{}'", t.text)),
        }
    }
}

/// `(left/total)K` or `(left/total)M`.
fn left_total(text: &str) -> Option<(u64, u64, SizeUnit)> {
    let (inner, unit) = text.strip_prefix('(')?.split_once(')')?;
    let (left, total) = inner.split_once('/')?;
    let unit = match unit {
        "K" => SizeUnit::K,
        "M" => SizeUnit::M,
        _ => return None,
    };
    Some((unsigned(left.trim())?, unsigned(total.trim())?, unit))
}

/// `finish: H:MM:SS` or `finish: ∞`.
pub(super) fn read_finish(p: &mut Progress, key: &Tok, cur: &mut Cursor, d: &mut Diags) {
    let Some(t) = cur.next_value() else {
        d.error(key.line, "'finish:' without a time");
        return;
    };
    if t.text == "∞" {
        p.finish_seconds = None;
        return;
    }
    match hms(&t.text) {
        Some(seconds) => p.finish_seconds = Some(seconds),
        None => d.error(t.line, format!("bad finish time '{}'", t.text)),
    }
}

fn hms(text: &str) -> Option<u64> {
    let mut seconds: u64 = 0;
    let mut parts = 0;
    for part in text.split(':') {
        parts += 1;
        seconds = seconds.checked_mul(60)?.checked_add(unsigned(part)?)?;
    }
    (2..=3).contains(&parts).then_some(seconds)
}

/// `speed: N (N)`, `speed: N (N -- N)`; `want:` and `K/sec` are read as their own words.
pub(super) fn read_speed(p: &mut Progress, key: &Tok, cur: &mut Cursor, d: &mut Diags) {
    match cur.next_if(|t| rate(t).is_some()) {
        Some(t) => p.speed_kib_s = rate(&t.text),
        None => d.error(key.line, "'speed:' without a number"),
    }
    let Some(open) = cur.next_if(|t| t.starts_with('(') && t != "(stalled)") else {
        return;
    };
    let mut inner = open.text.trim_start_matches('(').to_string();
    if inner.is_empty() {
        inner = cur.next_value().map(|t| t.text).unwrap_or_default();
    }
    if let Some(avg) = inner.strip_suffix(')') {
        p.avg_kib_s = bad_rate(avg, open.line, d);
        return;
    }
    let first = bad_rate(&inner, open.line, d);
    if cur.next_if(|t| t == "--").is_none() {
        p.avg_kib_s = first;
        return;
    }
    p.speed_3s_kib_s = first;
    match cur.next_value() {
        Some(t) => p.avg_kib_s = bad_rate(t.text.trim_end_matches(')'), t.line, d),
        None => d.error(open.line, "speed average missing after '--'"),
    }
}

fn bad_rate(text: &str, line: usize, d: &mut Diags) -> Option<i64> {
    let value = rate(text);
    if value.is_none() {
        d.error(line, format!("bad speed '{text}'"));
    }
    value
}

/// `want: N` (also `want: 1024,000` of ≤ 8.3.9).
pub(super) fn read_want(p: &mut Progress, key: &Tok, cur: &mut Cursor, d: &mut Diags) {
    match cur.next_value() {
        Some(t) => p.want_kib_s = bad_rate(&t.text, t.line, d),
        None => d.error(key.line, "'want:' without a number"),
    }
}

/// `delay_probe: N` (8.3.8 SyncSource).
pub(super) fn read_delay_probe(p: &mut Progress, key: &Tok, cur: &mut Cursor, d: &mut Diags) {
    match cur.next_value().and_then(|t| unsigned(&t.text)) {
        Some(v) => p.delay_probe = Some(v),
        None => d.error(key.line, "bad 'delay_probe:' value"),
    }
}

/// `queue_delay: N.N ms` (8.3.8 SyncTarget).
pub(super) fn read_queue_delay(p: &mut Progress, key: &Tok, cur: &mut Cursor, d: &mut Diags) {
    let value = cur.next_value().and_then(|t| {
        let plain = t.text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        plain.then(|| t.text.parse::<f64>().ok()).flatten()
    });
    match value {
        Some(v) => p.queue_delay_ms = Some(v),
        None => d.error(key.line, "bad 'queue_delay:' value"),
    }
    cur.next_if(|t| t == "ms");
}

/// A line starting with `%3d%%`: `sector pos: a/b[ stop sector: n]` (8.3.10+ details) or the
/// pre-8.3.10 verify line `N%[ oos:n]  done/total`.
pub(super) fn read_percent_line(p: &mut Progress, pct: &Tok, cur: &mut Cursor, d: &mut Diags) {
    let value = percent(&pct.text).unwrap_or_default();
    if cur.peek_text(0) == Some("sector") && cur.peek_text(1) == Some("pos:") {
        cur.next();
        cur.next();
        read_sector_pos(p, value, pct.line, cur, d);
        return;
    }
    if p.percent.is_none() {
        p.kind = ProgressKind::VerifyLegacy;
        p.percent = Some(value);
    }
    if let Some(t) = cur.next_if(|t| t.starts_with("oos:")) {
        p.oos_bits = unsigned(t.text.trim_start_matches("oos:"));
    }
    let both = |t: &str| matches!(split_pair(t), (Some(_), Some(_)));
    let (done, total) = match cur.next_if(both) {
        Some(t) => split_pair(&t.text),
        None => {
            let done = cur.next_if(|t| unsigned(t).is_some());
            cur.next_if(|t| t == "/");
            let total = cur.next_if(|t| unsigned(t).is_some());
            (
                done.and_then(|t| unsigned(&t.text)),
                total.and_then(|t| unsigned(&t.text)),
            )
        }
    };
    if done.is_none() || total.is_none() {
        d.error(pct.line, "verify progress without done/total");
    }
    p.done_bits = done;
    p.total_bits = total;
}

fn split_pair(text: &str) -> (Option<u64>, Option<u64>) {
    match text.split_once('/') {
        Some((a, b)) => (unsigned(a), unsigned(b)),
        None => (None, None),
    }
}

fn read_sector_pos(p: &mut Progress, pct: f64, line: usize, cur: &mut Cursor, d: &mut Diags) {
    let (pos, total) = match cur.next_value() {
        Some(t) => split_pair(&t.text),
        None => (None, None),
    };
    let (Some(pos), Some(total)) = (pos, total) else {
        d.error(line, "bad 'sector pos:' value");
        return;
    };
    let mut stop_sector = None;
    if cur.peek_text(0) == Some("stop") && cur.peek_text(1) == Some("sector:") {
        cur.next();
        cur.next();
        stop_sector = cur.next_value().and_then(|t| unsigned(&t.text));
        if stop_sector.is_none() {
            d.error(line, "bad 'stop sector:' value");
        }
    }
    // `%3d` of a per-cent value: the cast saturates, it cannot fail.
    let percent = pct as i64;
    p.sector_pos = Some(SectorPos {
        percent,
        pos,
        total,
        stop_sector,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_times_parse() {
        assert_eq!(
            left_total("(14996/15360)M"),
            Some((14996, 15360, SizeUnit::M))
        );
        assert_eq!(left_total("(1/2)G"), None);
        assert_eq!(hms("0:04:08"), Some(248));
        assert_eq!(hms("123:00:01"), Some(442801));
        assert_eq!(hms("1:2:3:4"), None);
        assert_eq!(hms("99999999999999999999:00:00"), None);
    }
}
