//! A snapshot of the process environment, so decisions are functions of their input.

use std::collections::BTreeMap;

/// Environment variables, read once at start-up (or built by a test).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// The current process environment; non-UTF-8 values are converted lossily.
    pub fn from_process() -> Env {
        // `into_string` keeps the buffer `vars_os` allocated: copying every variable again
        // (`to_string_lossy().into_owned()`) cost more than a whole netlink monitor.
        let text = |s: std::ffi::OsString| {
            s.into_string()
                .unwrap_or_else(|s| s.to_string_lossy().into_owned())
        };
        std::env::vars_os()
            .map(|(k, v)| (text(k), text(v)))
            .collect()
    }

    /// Adds or replaces one variable (test helper and builder).
    pub fn with(mut self, name: &str, value: &str) -> Env {
        self.vars.insert(name.to_string(), value.to_string());
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The value when set and not empty.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    pub fn is_set(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }

    /// True for `1`, `yes`, `true`, `on` (any case) and any other non-zero number.
    pub fn flag(&self, name: &str) -> bool {
        match self.get(name).map(|v| v.trim().to_ascii_lowercase()) {
            Some(v) if ["yes", "true", "on"].contains(&v.as_str()) => true,
            Some(v) => v.parse::<i64>().map(|n| n != 0).unwrap_or(false),
            None => false,
        }
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Env {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Env {
        Env {
            vars: iter
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_accepts_heartbeat_and_pacemaker_spellings() {
        let env = Env::default()
            .with("A", "1")
            .with("B", "yes")
            .with("C", "0")
            .with("D", "")
            .with("E", "2");
        assert!(env.flag("A"));
        assert!(env.flag("B"));
        assert!(!env.flag("C"));
        assert!(!env.flag("D"));
        assert!(env.flag("E"));
        assert!(!env.flag("unset"));
    }
}
