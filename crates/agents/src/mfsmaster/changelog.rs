//! `CHANGELOG_SAVE_MODE` in mfsmaster.cfg: how the master writes each metadata change before
//! it answers the client (MooseFS `mfsmaster/changelog.c`). Only mode 2 keeps an acknowledged
//! change through a crash of the node, DRBD or not. The rule lives here once: the agent's
//! start and `mfs-ha check` both warn from it.

/// The config key.
pub const KEY: &str = "CHANGELOG_SAVE_MODE";

/// What to write, and what it costs.
pub const FIX: &str = "set `CHANGELOG_SAVE_MODE = 2` in mfsmaster.cfg (each change is fsynced, \
                       with DRBD protocol C on both nodes, before the client hears back; it \
                       costs one synchronous disk write per metadata change)";

/// How mfsmaster writes a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveMode {
    /// 0, the default: queued in memory for the background writer process.
    Background = 0,
    /// 1: written and flushed into the kernel's page cache, not synced.
    Flush = 1,
    /// 2: written and fsynced.
    Fsync = 2,
}

impl SaveMode {
    /// What an acknowledged change does not survive in this mode (`None` for 2).
    pub fn risk(self) -> Option<&'static str> {
        match self {
            SaveMode::Background => Some(
                "the master answers clients before its background writer has stored the \
                 change, so a killed master (kill -9, OOM) or a crashed node loses metadata \
                 changes already acknowledged to clients (an fsynced file comes back empty or \
                 missing after recovery), DRBD or not",
            ),
            SaveMode::Flush => Some(
                "each change is only in the page cache when the client hears back, so a node \
                 crash or power loss loses metadata changes already acknowledged to clients, \
                 DRBD or not (a killed master process loses nothing)",
            ),
            SaveMode::Fsync => None,
        }
    }
}

/// The setting as written in the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// Absent or empty: mode 0.
    Unset,
    Mode(SaveMode),
    /// Anything but 0, 1 or 2: mfsmaster says "wrong value" and uses 0.
    Unknown(String),
}

impl Setting {
    /// From the value of the key (`None` when absent).
    pub fn parse(value: Option<&str>) -> Setting {
        match value.map(str::trim) {
            None | Some("") => Setting::Unset,
            Some("0") => Setting::Mode(SaveMode::Background),
            Some("1") => Setting::Mode(SaveMode::Flush),
            Some("2") => Setting::Mode(SaveMode::Fsync),
            Some(other) => Setting::Unknown(other.to_string()),
        }
    }

    /// The mode the master runs with.
    pub fn effective(&self) -> SaveMode {
        match self {
            Setting::Mode(m) => *m,
            Setting::Unset | Setting::Unknown(_) => SaveMode::Background,
        }
    }

    /// `CHANGELOG_SAVE_MODE ...` as a message starts.
    pub fn shown(&self) -> String {
        match self {
            Setting::Unset => format!("{KEY} is not set (mode 0, the default)"),
            Setting::Mode(m) => format!("{KEY} = {}", *m as u8),
            Setting::Unknown(v) => {
                format!("{KEY} = {v} is not 0, 1 or 2 (mfsmaster takes it as 0, background writes)")
            }
        }
    }

    /// The one warning line of the agent's start, or `None` for mode 2.
    pub fn warning(&self, config: &str) -> Option<String> {
        let risk = self.effective().risk()?;
        Some(format!("{} in {config}: {risk}; {FIX}", self.shown()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_mode_2_is_safe_and_anything_unknown_counts_as_0() {
        assert_eq!(Setting::parse(None), Setting::Unset);
        assert_eq!(Setting::parse(Some(" ")), Setting::Unset);
        assert_eq!(Setting::parse(Some("2")).effective(), SaveMode::Fsync);
        assert_eq!(Setting::parse(Some("1")).effective(), SaveMode::Flush);
        assert_eq!(Setting::parse(Some("0")).effective(), SaveMode::Background);
        assert_eq!(Setting::parse(None).effective(), SaveMode::Background);
        let odd = Setting::parse(Some("3"));
        assert_eq!(odd, Setting::Unknown("3".into()));
        assert_eq!(odd.effective(), SaveMode::Background);
        assert_eq!(
            Setting::parse(Some("2")).warning("/etc/mfs/mfsmaster.cfg"),
            None
        );
    }

    #[test]
    fn the_warning_names_the_file_the_risk_and_the_fix() {
        let w = Setting::Unset.warning("/etc/mfs/mfsmaster.cfg").unwrap();
        assert!(w.starts_with("CHANGELOG_SAVE_MODE is not set (mode 0, the default) in /etc/mfs/mfsmaster.cfg: the master answers clients before"), "{w}");
        assert!(w.contains("killed master"), "{w}");
        assert!(w.ends_with(FIX), "{w}");
        let w = Setting::parse(Some("1")).warning("x.cfg").unwrap();
        assert!(w.starts_with("CHANGELOG_SAVE_MODE = 1 in x.cfg: "), "{w}");
        assert!(
            w.contains("node crash") && w.contains("killed master process loses nothing"),
            "{w}"
        );
        let w = Setting::parse(Some("fsync")).warning("x.cfg").unwrap();
        assert!(w.contains("= fsync is not 0, 1 or 2"), "{w}");
    }
}
