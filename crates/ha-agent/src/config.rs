//! The optional per-agent defaults file, for bare haresources names (`mfsmaster start`).
//!
//! `/etc/ha.d/mfs-ha/<Agent>.conf` (directory overridable with `MFS_HA_CONFIG_DIR`) holds
//! `key=value` lines. A line whose first non-blank character is `#` is a comment, so values
//! may themselves contain `#`. One pair of surrounding quotes is removed from a value.

use std::path::{Path, PathBuf};

use crate::env::Env;

pub const DEFAULT_CONFIG_DIR: &str = "/etc/ha.d/mfs-ha";

/// One `key=value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEntry {
    pub key: String,
    pub value: String,
    /// 1-based line number, for messages.
    pub line: usize,
}

/// A parsed defaults file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub entries: Vec<ConfigEntry>,
}

impl ConfigFile {
    pub fn get(&self, key: &str) -> Option<&ConfigEntry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// A defaults file that cannot be used; names the file and, when it applies, the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{} line {line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Where the defaults file of `agent` lives.
pub fn config_path(agent: &str, env: &Env) -> PathBuf {
    let dir = env
        .non_empty("MFS_HA_CONFIG_DIR")
        .unwrap_or(DEFAULT_CONFIG_DIR);
    Path::new(dir).join(format!("{agent}.conf"))
}

/// Reads and parses the file; `Ok(None)` when it does not exist.
pub fn load(path: &Path, known: &[&str]) -> Result<Option<ConfigFile>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(path, &text, known).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConfigError {
            path: path.to_path_buf(),
            line: None,
            message: format!("cannot read: {e}"),
        }),
    }
}

/// Parses `text`; every key must be one of `known` and appear once.
pub fn parse(path: &Path, text: &str, known: &[&str]) -> Result<ConfigFile, ConfigError> {
    let fail = |line: usize, message: String| ConfigError {
        path: path.to_path_buf(),
        line: Some(line),
        message,
    };
    let mut entries: Vec<ConfigEntry> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index.saturating_add(1);
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (key, value) = trimmed
            .split_once('=')
            .ok_or_else(|| fail(line, format!("expected key=value, got '{trimmed}'")))?;
        let key = key.trim();
        if !known.contains(&key) {
            return Err(fail(
                line,
                format!("unknown key '{key}' (known: {})", known.join(", ")),
            ));
        }
        if let Some(first) = entries.iter().find(|e| e.key == key) {
            return Err(fail(
                line,
                format!("key '{key}' is already set on line {}", first.line),
            ));
        }
        entries.push(ConfigEntry {
            key: key.to_string(),
            value: unquote(value.trim()).to_string(),
            line,
        });
    }
    Ok(ConfigFile {
        path: path.to_path_buf(),
        entries,
    })
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: [&str; 3] = ["data_dir", "timeout", "password"];

    fn parse_text(text: &str) -> Result<ConfigFile, ConfigError> {
        parse(Path::new("/etc/ha.d/mfs-ha/mfsmaster.conf"), text, &KNOWN)
    }

    #[test]
    fn parses_keys_values_and_comments() {
        let file = parse_text("# defaults\n\n data_dir = /var/lib/mfs \ntimeout=30\n").unwrap();
        assert_eq!(file.get("data_dir").unwrap().value, "/var/lib/mfs");
        assert_eq!(file.get("timeout").unwrap().line, 4);
        assert_eq!(file.entries.len(), 2);
    }

    #[test]
    fn keeps_hash_inside_values_and_strips_quotes() {
        let file = parse_text("password=\"a#b c\"\n").unwrap();
        assert_eq!(file.get("password").unwrap().value, "a#b c");
    }

    #[test]
    fn unknown_key_names_file_and_line() {
        let err = parse_text("timeout=3\ndatadir=/x\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/etc/ha.d/mfs-ha/mfsmaster.conf line 2: unknown key 'datadir' (known: data_dir, timeout, password)"
        );
    }

    #[test]
    fn line_without_equals_is_an_error() {
        let err = parse_text("timeout 3\n").unwrap_err();
        assert_eq!(err.line, Some(1));
        assert!(err.message.contains("key=value"));
    }

    #[test]
    fn duplicate_key_is_an_error() {
        let err = parse_text("timeout=3\ntimeout=4\n").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("line 1"));
    }

    #[test]
    fn path_honours_environment_override() {
        let env = Env::default().with("MFS_HA_CONFIG_DIR", "/tmp/cfg");
        assert_eq!(
            config_path("Initdrbd", &env),
            PathBuf::from("/tmp/cfg/Initdrbd.conf")
        );
        assert_eq!(
            config_path("Initdrbd", &Env::default()),
            PathBuf::from("/etc/ha.d/mfs-ha/Initdrbd.conf")
        );
    }

    #[test]
    fn missing_file_is_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(&dir.path().join("none.conf"), &KNOWN), Ok(None));
    }
}
