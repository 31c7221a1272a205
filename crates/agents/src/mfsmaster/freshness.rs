//! Metadata freshness: a node-local high-water mark of the metadata version this pair has
//! seen (raised by monitor and stop, set by start), plus the newest version a local
//! metalogger holds. A master whose on-disk metadata is older must not start: after a
//! failover to a node with stale data it would silently drop every change since.

use std::path::{Path, PathBuf};

use ha_agent::{AgentError, Ctx};

use super::metaver;
use super::settings::Settings;

/// The recorded mark: version, when (unix seconds), and what reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub version: u64,
    pub at: u64,
    pub source: String,
}

pub fn parse_mark(text: &str) -> Option<Mark> {
    let mut f = text.trim().splitn(3, ' ');
    Some(Mark {
        version: f.next()?.parse().ok()?,
        at: f.next().and_then(|t| t.parse().ok()).unwrap_or(0),
        source: f.next().unwrap_or("").to_string(),
    })
}

fn state_dir(ctx: &Ctx) -> PathBuf {
    PathBuf::from(
        ctx.env("MFS_HA_STATE_DIR")
            .filter(|d| !d.is_empty())
            .unwrap_or("/var/lib/mfs-ha"),
    )
}

/// `<state dir>/mfsmaster/metaversion<DATA_PATH with / as _>`: one mark per data directory,
/// whatever the instance is called in Heartbeat or Pacemaker.
pub fn mark_path(ctx: &Ctx, s: &Settings) -> PathBuf {
    let key = s.data_path.display().to_string().replace('/', "_");
    state_dir(ctx)
        .join("mfsmaster")
        .join(format!("metaversion{key}"))
}

pub fn read(path: &Path) -> Option<Mark> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| parse_mark(&t))
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn write(ctx: &Ctx, path: &Path, version: u64, source: &str) {
    let tmp = path.with_extension("tmp");
    let text = format!("{version} {} {source}\n", now());
    let done = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&tmp, text))
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = done {
        ctx.warn(&format!(
            "cannot record metadata version in {}: {e}",
            path.display()
        ));
    }
}

/// Raises the mark to `version` (never lowers it).
pub fn raise(ctx: &Ctx, s: &Settings, version: u64, source: &str) {
    let path = mark_path(ctx, s);
    if read(&path).is_none_or(|m| m.version < version) {
        write(ctx, &path, version, source);
    }
}

/// Sets the mark to what a freshly started master reports (also after accepting stale data).
pub fn set(ctx: &Ctx, s: &Settings, version: u64, source: &str) {
    write(ctx, &mark_path(ctx, s), version, source);
}

/// The refusal when the metadata on disk is older than what this pair has seen.
pub fn check(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let on_disk = metaver::newest_in(&s.data_path);
    let disk_version = on_disk.as_ref().map_or(0, |n| n.version);
    let mut seen: Vec<(u64, String)> = Vec::new();
    let mark_file = mark_path(ctx, s);
    if let Some(m) = read(&mark_file) {
        seen.push((
            m.version,
            format!("recorded by {} in {}", m.source, mark_file.display()),
        ));
    }
    if let Some(ml) = &s.metalogger_data_path {
        if let Some(n) = metaver::newest_in(ml) {
            seen.push((
                n.version,
                format!("in the metalogger's {}", n.file.display()),
            ));
        }
    }
    let Some((need, where_seen)) = seen.into_iter().max_by_key(|(v, _)| *v) else {
        return Ok(());
    };
    if disk_version >= need {
        ctx.debug(&format!(
            "metadata version {disk_version} on disk, newest seen {need}"
        ));
        return Ok(());
    }
    let cfg = s
        .config
        .as_deref()
        .map(|c| c.display().to_string())
        .unwrap_or_default();
    let dp = s.data_path.display();
    let from_ml = match &s.metalogger_data_path {
        Some(ml) => format!(
            "cp -a {}/metadata_ml.mfs.back* {}/changelog_ml*.mfs {dp}/ && chown -R mfs:mfs {dp} && {} -c {cfg} restore",
            ml.display(),
            ml.display(),
            s.binary.display()
        ),
        None => format!(
            "copy metadata_ml.mfs.back* and changelog_ml*.mfs from a metalogger into {dp}, chown -R mfs:mfs {dp}, then {} -c {cfg} restore",
            s.binary.display()
        ),
    };
    let reason = format!(
        "metadata in {dp} is at version {disk_version}{} but this pair has seen version {need} ({where_seen}): starting would lose changes {disk_version}..{need}. Recover newer metadata first: {from_ml}; or set accept_stale_metadata=true to start on the older metadata",
        on_disk
            .as_ref()
            .map(|n| format!(" ({})", n.file.display()))
            .unwrap_or_default()
    );
    if s.accept_stale {
        ctx.error(&format!(
            "accept_stale_metadata=true: starting anyway although {reason}"
        ));
        return Ok(());
    }
    Err(AgentError::generic(reason))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn marks_round_trip() {
        assert_eq!(
            parse_mark("1218 1700000000 monitor (INFO)\n"),
            Some(Mark {
                version: 1218,
                at: 1_700_000_000,
                source: "monitor (INFO)".into()
            })
        );
        assert_eq!(parse_mark("x"), None);
        assert_eq!(parse_mark("7").map(|m| m.version), Some(7));
    }

    proptest! {
        #[test]
        fn never_panics(t in "\\PC*") {
            let _ = parse_mark(&t);
        }
    }
}
