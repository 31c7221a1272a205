//! Promotion scores for the promotable clone: `crm_attribute --promotion` (Pacemaker 2.1;
//! `crm_master` is its deprecated wrapper), run without a shell within a short sub-deadline.
//! The last score set is kept in the run directory so a monitor calls crm_attribute only when
//! the score changes; start and notify always set it, stop deletes it.

use std::path::PathBuf;
use std::time::Duration;

use drbd_status::model::Resource;
use ha_agent::Ctx;

use super::decide;

/// The most a crm_attribute call may take (it answers in milliseconds, or fails at once when
/// the cluster is not reachable).
const CALL_BUDGET: Duration = Duration::from_secs(5);

/// When to call crm_attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// Always (start, notify): the cluster may have lost the attribute.
    Always,
    /// Only when the score differs from the last one set (monitor).
    IfChanged,
}

fn cache_file(ctx: &Ctx) -> PathBuf {
    ctx.run_dir()
        .join(format!("Initdrbd-{}.promotion-score", ctx.instance_name()))
}

/// The cache's word for a score: the number, or `-` for "no attribute".
fn word(score: Option<u32>) -> String {
    score.map_or("-".to_string(), |s| s.to_string())
}

/// Sets (or deletes) the promotion score from the resource's state. A failure is logged, not
/// fatal: the role change or monitor answer is still right, and the next monitor retries.
pub fn refresh(ctx: &Ctx, res: Option<&Resource>, when: Refresh) {
    let score = decide::promotion_score(res);
    let cache = cache_file(ctx);
    if when == Refresh::IfChanged
        && std::fs::read_to_string(&cache).is_ok_and(|c| c.trim() == word(score))
    {
        return;
    }
    if set(ctx, score) {
        let _ = std::fs::write(&cache, word(score));
    } else {
        let _ = std::fs::remove_file(&cache);
    }
}

/// Deletes the score (stop).
pub fn clear(ctx: &Ctx) {
    set(ctx, None);
    let _ = std::fs::remove_file(cache_file(ctx));
}

/// `crm_attribute --promotion --lifetime reboot --update N` or `--delete`; true when it worked.
fn set(ctx: &Ctx, score: Option<u32>) -> bool {
    let value = score.map(|s| s.to_string());
    let mut argv = vec!["crm_attribute", "--promotion", "--lifetime", "reboot"];
    match &value {
        Some(v) => argv.extend(["--update", v.as_str()]),
        None => argv.push("--delete"),
    }
    let deadline = ctx.deadline().within(CALL_BUDGET);
    match hostops::command::run_unchecked(&argv, &deadline) {
        Ok(out) if out.success() => {
            ctx.info(&format!(
                "promotion score {}",
                value.map_or("deleted".to_string(), |v| format!("set to {v}"))
            ));
            true
        }
        Ok(out) => {
            ctx.warn(&format!(
                "cannot set the promotion score ({}): crm_attribute exited {}: {}",
                word(score),
                out.code()
                    .map_or("by signal".to_string(), |c| c.to_string()),
                out.stderr.lines().last().unwrap_or("")
            ));
            false
        }
        Err(e) => {
            ctx.warn(&format!(
                "cannot set the promotion score ({}): {e}",
                word(score)
            ));
            false
        }
    }
}
