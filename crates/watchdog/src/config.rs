//! `/etc/ha.d/mfs-ha/watchdog.conf`: `key = value` lines in the agents' defaults-file syntax
//! (ha-agent's `config` module), every key optional with a default an operator can live with.
//! A bad value is one error naming the file, the line, the value and what would be accepted.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ha_agent::config::{ConfigError, ConfigFile};
use ha_agent::duration::parse_duration;
use ha_agent::BareUnit;

use crate::policy::{PeerDead, Policy};

/// The file's name in ha-agent's config directory (`/etc/ha.d/mfs-ha`, `MFS_HA_CONFIG_DIR`).
pub const CONFIG_NAME: &str = "watchdog";

/// Every key, with its default, as documented in docs/watchdog.md and the example file.
pub const KEYS: [(&str, &str); 15] = [
    ("interval", "5"),
    ("confirm", "2"),
    ("restart_budget", "2"),
    ("restart_window", "600"),
    ("peer_dead", "restart"),
    ("monitor_timeout", "30"),
    ("start_timeout", "120"),
    ("stop_timeout", "120"),
    ("standby_timeout", "120"),
    ("deep_monitor", "mfsmaster"),
    ("haresources", "/etc/ha.d/haresources"),
    ("ha_cf", "/etc/ha.d/ha.cf"),
    ("resource_dir", "/etc/ha.d/resource.d"),
    ("cl_status", "/usr/bin/cl_status"),
    ("hb_standby", "/usr/share/heartbeat/hb_standby"),
];

/// The watchdog's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The file read, or where it would be (defaults apply when it does not exist).
    pub path: PathBuf,
    /// Time between two monitor rounds.
    pub interval: Duration,
    pub policy: Policy,
    pub monitor_timeout: Duration,
    pub start_timeout: Duration,
    pub stop_timeout: Duration,
    /// How long to wait for the peer to hold the group after `hb_standby`.
    pub standby_timeout: Duration,
    /// Scripts whose status runs with `OCF_CHECK_LEVEL=10` (a hung mfsmaster then fails).
    pub deep_monitor: Vec<String>,
    pub haresources: PathBuf,
    pub ha_cf: PathBuf,
    pub resource_dir: PathBuf,
    pub cl_status: PathBuf,
    pub hb_standby: PathBuf,
}

impl Config {
    /// The settings with every default (no file).
    pub fn defaults(path: &Path) -> Config {
        let file = ConfigFile {
            path: path.to_path_buf(),
            entries: Vec::new(),
        };
        from_file(&file).expect("the defaults are valid")
    }

    /// Whether `script`'s status runs at check level 10.
    pub fn deep(&self, script: &str) -> bool {
        self.deep_monitor.iter().any(|s| s == script)
    }
}

/// Reads `path`; a missing file means every default.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let known: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
    match ha_agent::config::load(path, &known)? {
        Some(file) => from_file(&file),
        None => Ok(Config::defaults(path)),
    }
}

/// Parses the text of a watchdog.conf (for tests and `--check`).
pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
    let known: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
    from_file(&ha_agent::config::parse(path, text, &known)?)
}

fn from_file(file: &ConfigFile) -> Result<Config, ConfigError> {
    let get = |key: &str| Value::of(file, key);
    let interval = get("interval").seconds(1)?;
    let monitor_timeout = get("monitor_timeout").seconds(1)?;
    let restart_window = get("restart_window").seconds(1)?;
    let config = Config {
        path: file.path.clone(),
        interval,
        policy: Policy {
            confirm: get("confirm").count(1)?,
            restart_budget: get("restart_budget").count(0)?,
            restart_window,
            peer_dead: get("peer_dead").peer_dead()?,
        },
        monitor_timeout,
        start_timeout: get("start_timeout").seconds(1)?,
        stop_timeout: get("stop_timeout").seconds(1)?,
        standby_timeout: get("standby_timeout").seconds(1)?,
        deep_monitor: get("deep_monitor").words(),
        haresources: get("haresources").absolute_path()?,
        ha_cf: get("ha_cf").absolute_path()?,
        resource_dir: get("resource_dir").absolute_path()?,
        cl_status: get("cl_status").absolute_path()?,
        hb_standby: get("hb_standby").absolute_path()?,
    };
    if restart_window < interval {
        return Err(get("restart_window").invalid(&format!(
            "must be at least interval ({} s), or no two restarts ever share a window",
            interval.as_secs()
        )));
    }
    Ok(config)
}

/// One key's value and where it came from, for messages.
struct Value<'a> {
    file: &'a ConfigFile,
    key: &'static str,
    text: String,
    line: Option<usize>,
}

impl<'a> Value<'a> {
    fn of(file: &'a ConfigFile, key: &str) -> Value<'a> {
        let (key, default) = KEYS
            .iter()
            .find(|(k, _)| *k == key)
            .copied()
            .unwrap_or(("?", ""));
        match file.get(key) {
            Some(entry) => Value {
                file,
                key,
                text: entry.value.clone(),
                line: Some(entry.line),
            },
            None => Value {
                file,
                key,
                text: default.to_string(),
                line: None,
            },
        }
    }

    fn invalid(&self, what: &str) -> ConfigError {
        ConfigError {
            path: self.file.path.clone(),
            line: self.line,
            message: format!("{} = '{}' {what}", self.key, self.text),
        }
    }

    /// Whole seconds, spelled as the agents' durations are (`30`, `30s`, `10min`, `1h`; a bare
    /// number counts seconds); at least `min` seconds, at most 24 h.
    fn seconds(&self, min: u64) -> Result<Duration, ConfigError> {
        let range = Duration::from_secs(min)..=Duration::from_secs(86_400);
        parse_duration(&self.text, BareUnit::Seconds)
            .filter(|d| d.subsec_nanos() == 0 && range.contains(d))
            .ok_or_else(|| {
                self.invalid(&format!(
                    "is not a duration from {min} s to 24 h: write seconds (30), or 30s, 10min, 1h"
                ))
            })
    }

    fn count(&self, min: u32) -> Result<u32, ConfigError> {
        self.text
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|&n| n >= min && n <= 1000)
            .ok_or_else(|| self.invalid(&format!("is not a whole number from {min} to 1000")))
    }

    fn peer_dead(&self) -> Result<PeerDead, ConfigError> {
        match self.text.trim().to_ascii_lowercase().as_str() {
            "restart" => Ok(PeerDead::Restart),
            "alert" => Ok(PeerDead::Alert),
            _ => Err(self
                .invalid("is neither 'restart' (keep restarting in place) nor 'alert' (log only)")),
        }
    }

    /// Script names separated by blanks or commas (empty: no deep monitor).
    fn words(&self) -> Vec<String> {
        self.text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn absolute_path(&self) -> Result<PathBuf, ConfigError> {
        let text = self.text.trim();
        match text.starts_with('/') {
            true => Ok(PathBuf::from(text)),
            false => Err(self.invalid("is not an absolute path")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Config, String> {
        parse(Path::new("/etc/ha.d/mfs-ha/watchdog.conf"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn empty_file_gives_the_documented_defaults() {
        let c = parse_text("").unwrap();
        assert_eq!(c.interval, Duration::from_secs(5));
        assert_eq!(c.policy.confirm, 2);
        assert_eq!(c.policy.restart_budget, 2);
        assert_eq!(c.policy.restart_window, Duration::from_secs(600));
        assert_eq!(c.policy.peer_dead, PeerDead::Restart);
        assert_eq!(c.monitor_timeout, Duration::from_secs(30));
        assert!(c.deep("mfsmaster") && !c.deep("Initdrbd"));
        assert_eq!(c.cl_status, PathBuf::from("/usr/bin/cl_status"));
        assert_eq!(
            c,
            Config::defaults(Path::new("/etc/ha.d/mfs-ha/watchdog.conf"))
        );
    }

    #[test]
    fn values_with_units_comments_and_lists() {
        let c = parse_text(
            "# lab timings\ninterval = 2s\nrestart_window = 10min\npeer_dead = alert\ndeep_monitor = mfsmaster, mfschunkserver\nstop_timeout = 1 H\nmonitor_timeout = 3000ms\n",
        )
        .unwrap();
        assert_eq!(c.interval, Duration::from_secs(2));
        assert_eq!(c.stop_timeout, Duration::from_secs(3600));
        assert_eq!(c.monitor_timeout, Duration::from_secs(3));
        assert_eq!(c.policy.restart_window, Duration::from_secs(600));
        assert_eq!(c.policy.peer_dead, PeerDead::Alert);
        assert_eq!(c.deep_monitor, vec!["mfsmaster", "mfschunkserver"]);
    }

    #[test]
    fn bad_values_name_file_line_value_and_fix() {
        let cases = [
            (
                "interval = 0",
                "line 1: interval = '0' is not a duration from 1 s to 24 h",
            ),
            ("interval = fast", "interval = 'fast' is not a duration"),
            ("interval = 1500ms", "interval = '1500ms' is not a duration"),
            (
                "interval = 25h",
                "interval = '25h' is not a duration from 1 s to 24 h",
            ),
            (
                "restart_budget = -1",
                "restart_budget = '-1' is not a whole number from 0 to 1000",
            ),
            (
                "confirm = 0",
                "confirm = '0' is not a whole number from 1 to 1000",
            ),
            (
                "peer_dead = reboot",
                "peer_dead = 'reboot' is neither 'restart'",
            ),
            (
                "cl_status = cl_status",
                "cl_status = 'cl_status' is not an absolute path",
            ),
            ("\n\nintervall = 5", "line 3: unknown key 'intervall'"),
            (
                "interval = 60\nrestart_window = 30",
                "line 2: restart_window = '30' must be at least interval (60 s)",
            ),
        ];
        for (text, expected) in cases {
            let err = parse_text(text).unwrap_err();
            assert!(err.contains(expected), "{text:?}: {err}");
            assert!(err.starts_with("/etc/ha.d/mfs-ha/watchdog.conf"), "{err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
    }

    proptest::proptest! {
        /// Any text is either a configuration or one error line, never a panic.
        #[test]
        fn any_text_parses_or_fails_in_one_line(text in "(([a-z_]{1,16} ?= ?[-0-9a-z/ ,.]{0,12})|[ -~]{0,20})(\n(([a-z_]{1,16} ?= ?[-0-9a-z/ ,.]{0,12})|[ -~]{0,20})){0,6}") {
            if let Err(e) = parse_text(&text) {
                proptest::prop_assert_eq!(e.lines().count(), 1);
            }
        }

        #[test]
        fn every_key_with_any_value_parses_or_fails_in_one_line(key in 0usize..15, value in "[ -~]{0,24}") {
            let text = format!("{} = {value}\n", KEYS[key].0);
            if let Err(e) = parse_text(&text) {
                proptest::prop_assert!(e.contains(KEYS[key].0), "{}", e);
                proptest::prop_assert_eq!(e.lines().count(), 1);
            }
        }
    }

    #[test]
    fn missing_file_means_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let c = load(&dir.path().join("watchdog.conf")).unwrap();
        assert_eq!(c.policy.restart_budget, 2);
    }
}
