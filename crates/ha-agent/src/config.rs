//! The optional per-agent defaults file, for bare haresources names (`mfsmaster start`).
//!
//! `/etc/ha.d/mfs-ha/<Agent>.conf` (directory overridable with `MFS_HA_CONFIG_DIR`) holds
//! `key=value` lines. A line whose first non-blank character is `#` is a comment, so values
//! may themselves contain `#`. One pair of surrounding quotes is removed from a value.

use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::spec::{AgentSpec, ParamKind};

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

/// The defaults file a package installs: every parameter commented out with its default, so
/// the file changes nothing until an operator uncomments a line. It carries no version, so an
/// upgrade does not make dpkg ask about a file the operator edited for no reason.
pub fn template(spec: &AgentSpec) -> String {
    let name = &spec.name;
    let mut out = format!(
        "# {DEFAULT_CONFIG_DIR}/{name}.conf: defaults of the {name} agent (mfs-ha).\n\
         #\n\
         # Read on every call. A parameter given as an argument (Heartbeat's {name}::a::b, or\n\
         # name=value) or as OCF_RESKEY_<name> wins over this file; this file wins over the\n\
         # declared default. One name=value per line; a line starting with # is a comment.\n\
         # Every parameter is listed below, commented out with its declared default.\n\
         # See man ocf_mfs-ha_{name} (or man 8 {name}).\n"
    );
    for p in &spec.params {
        let mut facts = vec![match p.kind {
            ParamKind::Duration(bare) => format!("duration, a bare number counts {}", bare.name()),
            kind => kind.doc_name().to_string(),
        }];
        if p.required {
            facts.push("required".to_string());
        }
        if let Some(n) = p.positional {
            facts.push(format!("Heartbeat position {n}"));
        }
        out.push_str(&format!(
            "\n# {} ({})\n#{}={}\n",
            p.shortdesc,
            facts.join(", "),
            p.name,
            p.default.as_deref().unwrap_or("")
        ));
    }
    out
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
    fn template_changes_nothing_until_a_line_is_uncommented() {
        use crate::spec::ParamSpec;
        let spec = AgentSpec::new("Initdrbd", "1", "drbd")
            .param(
                ParamSpec::string("drbd_resource", "DRBD resource")
                    .required()
                    .positional(1),
            )
            .param(ParamSpec::integer("timeout", "Seconds").default("30"))
            .param(ParamSpec::string("options", "Mount options").default(""))
            .param(ParamSpec::duration_ms("pause", "Pause").default("200"));
        let known = ["drbd_resource", "timeout", "options", "pause"];
        let text = template(&spec);
        let path = Path::new("/etc/ha.d/mfs-ha/Initdrbd.conf");
        assert!(text.starts_with("# /etc/ha.d/mfs-ha/Initdrbd.conf: defaults of the Initdrbd"));
        assert!(
            text.contains("\n# Seconds (integer)\n#timeout=30\n"),
            "{text}"
        );
        assert!(text.contains("# DRBD resource (string, required, Heartbeat position 1)\n"));
        assert!(
            text.contains("\n# Pause (duration, a bare number counts milliseconds)\n#pause=200\n"),
            "{text}"
        );
        assert_eq!(parse(path, &text, &known).unwrap().entries, vec![]);
        for (key, value) in [("drbd_resource", ""), ("timeout", "30"), ("options", "")] {
            let edited = text.replace(&format!("\n#{key}="), &format!("\n{key}="));
            let file = parse(path, &edited, &known).unwrap();
            assert_eq!(file.entries.len(), 1, "{key}");
            assert_eq!(file.get(key).unwrap().value, value);
        }
    }

    #[test]
    fn missing_file_is_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(&dir.path().join("none.conf"), &KNOWN), Ok(None));
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_read_without_panic(text in "(?s)(.|\n|=|#|\"){0,300}") {
            let _ = parse_text(&text);
        }

        #[test]
        fn any_value_of_a_known_key_reads_back(value in "[^\n\r\"']{0,40}", key in 0usize..3) {
            let key = KNOWN[key];
            let text = format!("# defaults\n{key}={value}\n");
            let file = parse_text(&text).unwrap();
            proptest::prop_assert_eq!(&file.get(key).unwrap().value, value.trim());
        }
    }
}
