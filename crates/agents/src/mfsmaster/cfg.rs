//! `mfs*.cfg` files: `KEY = VALUE` lines, `#` comments. Parsing never fails and never panics;
//! a line that is not `KEY = VALUE` is kept as a complaint for validate-all.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The settings of one MooseFS config file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MfsCfg {
    values: BTreeMap<String, String>,
    /// `(line number, text)` of lines that are not `KEY = VALUE`.
    pub odd_lines: Vec<(usize, String)>,
}

impl MfsCfg {
    pub fn parse(text: &str) -> MfsCfg {
        let mut cfg = MfsCfg::default();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            match line.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() && !k.trim().contains(' ') => {
                    // MooseFS takes the last occurrence of a key.
                    cfg.values
                        .insert(k.trim().to_string(), v.trim().to_string());
                }
                _ => cfg.odd_lines.push((n + 1, line.to_string())),
            }
        }
        cfg
    }

    pub fn read(path: &Path) -> std::io::Result<MfsCfg> {
        std::fs::read_to_string(path).map(|t| MfsCfg::parse(&t))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn get_or<'a>(&'a self, key: &str, default: &'a str) -> &'a str {
        self.get(key).unwrap_or(default)
    }

    /// A port number, or `default` when unset or not a number.
    pub fn port(&self, key: &str, default: u16) -> u16 {
        self.get(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    /// `DATA_PATH` (default `/var/lib/mfs`), without trailing slashes.
    pub fn data_path(&self) -> PathBuf {
        Path::new(self.get_or("DATA_PATH", "/var/lib/mfs"))
            .components()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_keys_comments_and_defaults() {
        let cfg = MfsCfg::parse(
            "# comment\n DATA_PATH = /usr/local/mfs/var/mfs/ \nMATOCL_LISTEN_PORT=9521 # here\n\
             WORKING_USER = mfs\ngarbage line\nMATOCS_LISTEN_PORT = x\n",
        );
        assert_eq!(cfg.data_path(), PathBuf::from("/usr/local/mfs/var/mfs"));
        assert_eq!(cfg.port("MATOCL_LISTEN_PORT", 9421), 9521);
        assert_eq!(cfg.port("MATOCS_LISTEN_PORT", 9420), 9420);
        assert_eq!(cfg.port("MATOML_LISTEN_PORT", 9419), 9419);
        assert_eq!(cfg.get("WORKING_USER"), Some("mfs"));
        assert_eq!(cfg.odd_lines, vec![(5, "garbage line".to_string())]);
        assert_eq!(MfsCfg::parse("").data_path(), PathBuf::from("/var/lib/mfs"));
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC*") {
            let cfg = MfsCfg::parse(&text);
            let _ = cfg.data_path();
            let _ = cfg.port("X", 1);
        }

        #[test]
        fn never_panics_on_cfg_like_lines(lines in proptest::collection::vec("[A-Z_]{0,6} ?=? ?[ -~]{0,12}#?", 0..8)) {
            let _ = MfsCfg::parse(&lines.join("\n"));
        }
    }
}
