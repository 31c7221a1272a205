//! The detail lines after the progress: LRU cache statistics and `blocked on activity log`.

use super::doc::{DeviceState, Lru, LruStats};
use super::tokens::{signed, split_key, unsigned, Cursor, Tok};
use super::Diags;

/// `resync: used:0/61 hits:… misses:… starving:… dirty:|locked:… changed:…` (the cache name
/// was read already).
pub(super) fn read_lru(
    state: &mut DeviceState,
    minor: u32,
    name: &str,
    cur: &mut Cursor,
    d: &mut Diags,
) {
    let mut stats = LruStats::default();
    while let Some(tok) = cur.next_if(|t| split_key(t).is_some_and(|(k, _)| is_lru_key(k))) {
        let Some((key, value)) = split_key(&tok.text) else {
            continue;
        };
        let ok = match key {
            "used" => match value.split_once('/') {
                Some((used, total)) => {
                    stats.used = unsigned(used);
                    stats.total = unsigned(total);
                    stats.used.is_some() && stats.total.is_some()
                }
                None => false,
            },
            _ => {
                let n = unsigned(value);
                match key {
                    "hits" => stats.hits = n,
                    "misses" => stats.misses = n,
                    "starving" => stats.starving = n,
                    "dirty" => stats.dirty = n,
                    "locked" => stats.locked = n,
                    _ => stats.changed = n,
                }
                n.is_some()
            }
        };
        if !ok {
            d.error(tok.line, format!("minor {minor}: bad '{}'", tok.text));
        }
    }
    let lru = state.lru.get_or_insert_with(Lru::default);
    match name {
        "resync" => lru.resync = Some(stats),
        "act_log" => lru.act_log = Some(stats),
        other => {
            lru.other.insert(other.to_string(), stats);
        }
    }
}

fn is_lru_key(key: &str) -> bool {
    matches!(
        key,
        "used" | "hits" | "misses" | "starving" | "dirty" | "locked" | "changed"
    )
}

/// `blocked on activity log: N` (8.4.5+) or `r/p/e` (DRBD 9 debugfs); `blocked` was read.
pub(super) fn read_blocked(
    state: &mut DeviceState,
    minor: u32,
    tok: &Tok,
    cur: &mut Cursor,
    d: &mut Diags,
) {
    let words = [cur.peek_text(0), cur.peek_text(1), cur.peek_text(2)];
    if words != [Some("on"), Some("activity"), Some("log:")] {
        d.junk(tok);
        return;
    }
    cur.next();
    cur.next();
    cur.next();
    let values: Option<Vec<i64>> = cur
        .next_value()
        .and_then(|t| t.text.split('/').map(signed).collect());
    if values.is_none() {
        d.error(
            tok.line,
            format!("minor {minor}: bad 'blocked on activity log'"),
        );
    }
    state.blocked_on_activity_log = values;
}
