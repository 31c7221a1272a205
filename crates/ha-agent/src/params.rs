//! Parameter values: gathered from the caller, the defaults file and the declaration, then
//! read by agents through typed accessors.
//!
//! Precedence: arguments (positional or `name=value`) > `OCF_RESKEY_<name>` > defaults file >
//! declared default. Every value is checked against its declared kind before any action runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::ConfigFile;
use crate::duration::{parse_duration, BareUnit};
use crate::env::Env;
use crate::outcome::AgentError;
use crate::spec::parse_int;
pub use crate::spec::{check_kind, check_value, parse_bool};
use crate::spec::{AgentSpec, ParamKind, ParamSpec};

/// Where a value came from, for messages and the flight recorder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Heartbeat positional argument (1-based).
    Argument(usize),
    /// A `name=value` argument.
    Named,
    /// `OCF_RESKEY_<name>`.
    Environment,
    ConfigFile {
        path: PathBuf,
        line: usize,
    },
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Argument(n) => write!(f, "argument {n}"),
            Source::Named => f.write_str("a name=value argument"),
            Source::Environment => f.write_str("the environment (OCF_RESKEY_*)"),
            Source::ConfigFile { path, line } => write!(f, "{} line {line}", path.display()),
            Source::Default => f.write_str("the declared default"),
        }
    }
}

/// One resolved value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamValue {
    pub value: String,
    pub source: Source,
}

/// The resolved parameters of one call.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Params {
    values: BTreeMap<String, ParamValue>,
    kinds: BTreeMap<String, ParamKind>,
}

/// Values given as Heartbeat arguments: `name=value` for a declared name, else the next position.
pub fn from_args(
    spec: &AgentSpec,
    args: &[String],
) -> Result<BTreeMap<String, ParamValue>, AgentError> {
    let positional = spec.positional_params();
    let mut values: BTreeMap<String, ParamValue> = BTreeMap::new();
    let mut position = 0usize;
    for arg in args {
        let named = arg
            .split_once('=')
            .filter(|(name, _)| spec.find_param(name).is_some());
        let (name, value, source) = match named {
            Some((name, value)) => (name.to_string(), value.to_string(), Source::Named),
            None if looks_named(arg) => return Err(unknown_parameter(spec, arg)),
            None => {
                position = position.saturating_add(1);
                let param = positional
                    .get(position - 1)
                    .ok_or_else(|| too_many_arguments(spec, &positional, position, arg))?;
                (param.name.clone(), arg.clone(), Source::Argument(position))
            }
        };
        if let Some(earlier) = values.get(&name) {
            return Err(AgentError::configured(format!(
                "parameter '{name}' is given twice: as {} and as {source}",
                earlier.source
            )));
        }
        values.insert(name, ParamValue { value, source });
    }
    Ok(values)
}

/// `word=...` where `word` could be a parameter name: an undeclared one is a typo, never a
/// positional value (it would become, say, the resource name).
fn looks_named(arg: &str) -> bool {
    arg.split_once('=').is_some_and(|(name, _)| {
        name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

fn unknown_parameter(spec: &AgentSpec, arg: &str) -> AgentError {
    let name = arg.split_once('=').map_or(arg, |(n, _)| n);
    let names: Vec<&str> = spec.params.iter().map(|p| p.name.as_str()).collect();
    AgentError::configured(format!(
        "argument '{arg}': {} has no parameter '{name}' (parameters: {})",
        spec.name,
        names.join(", ")
    ))
}

fn too_many_arguments(
    spec: &AgentSpec,
    positional: &[&ParamSpec],
    n: usize,
    arg: &str,
) -> AgentError {
    let names: Vec<&str> = positional.iter().map(|p| p.name.as_str()).collect();
    let takes = match names.len() {
        0 => "no positional arguments".to_string(),
        k => format!("at most {k} positional argument(s): {}", names.join(", ")),
    };
    AgentError::configured(format!(
        "unexpected argument {n} '{arg}': {} takes {takes}",
        spec.name
    ))
}

/// Values given as `OCF_RESKEY_<name>` for declared names; others (CRM_meta_*...) are ignored.
pub fn from_env(spec: &AgentSpec, env: &Env) -> BTreeMap<String, ParamValue> {
    spec.params
        .iter()
        .filter_map(|p| {
            env.get(&format!("OCF_RESKEY_{}", p.name)).map(|v| {
                let value = ParamValue {
                    value: v.to_string(),
                    source: Source::Environment,
                };
                (p.name.clone(), value)
            })
        })
        .collect()
}

/// Merges all sources by precedence and checks kinds and required parameters.
pub fn resolve(
    spec: &AgentSpec,
    args: &[String],
    env: &Env,
    config: Option<&ConfigFile>,
    config_path: &Path,
) -> Result<Params, AgentError> {
    let mut from_args = from_args(spec, args)?;
    let mut from_env = from_env(spec, env);
    let mut params = Params::default();
    for p in &spec.params {
        // Lower sources are built only when the higher ones have nothing (every call pays).
        let from_config = || {
            config.and_then(|c| c.get(&p.name)).map(|e| ParamValue {
                value: e.value.clone(),
                source: Source::ConfigFile {
                    path: config_path.to_path_buf(),
                    line: e.line,
                },
            })
        };
        let from_default = || {
            p.default.as_ref().map(|d| ParamValue {
                value: d.clone(),
                source: Source::Default,
            })
        };
        let chosen = from_args
            .remove(&p.name)
            .or_else(|| from_env.remove(&p.name))
            .or_else(from_config)
            .or_else(from_default);
        params.kinds.insert(p.name.clone(), p.kind);
        match chosen {
            Some(v) => {
                check_value(p, &v.value)
                    .map_err(|e| AgentError::configured(format!("{e} (from {})", v.source)))?;
                params.values.insert(p.name.clone(), v);
            }
            None if p.required => return Err(missing_required(spec, p, config_path)),
            None => {}
        }
    }
    Ok(params)
}

fn missing_required(spec: &AgentSpec, p: &ParamSpec, config_path: &Path) -> AgentError {
    let name = &p.name;
    let as_argument = match p.positional {
        Some(n) => format!(
            "pass it as argument {n} ({}::...) or as {name}=...",
            spec.name
        ),
        None => format!("pass {name}=... as an argument"),
    };
    AgentError::configured(format!(
        "parameter '{name}' is required: set OCF_RESKEY_{name}, {as_argument}, or add {name}=... to {}",
        config_path.display()
    ))
}

impl Params {
    /// Builds parameters directly (tests, tools).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Params {
        let mut params = Params::default();
        for (name, value) in pairs {
            params.values.insert(
                name.to_string(),
                ParamValue {
                    value: value.to_string(),
                    source: Source::Named,
                },
            );
        }
        params
    }

    pub fn is_set(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    pub fn value(&self, name: &str) -> Option<&ParamValue> {
        self.values.get(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &ParamValue)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn opt_str(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(|v| v.value.as_str())
    }

    /// The value, or a configuration error when the parameter has none.
    pub fn get_str(&self, name: &str) -> Result<&str, AgentError> {
        self.opt_str(name).ok_or_else(|| {
            let hint = match self.kinds.contains_key(name) {
                true => "has no value and no default",
                false => "is not declared by this agent",
            };
            AgentError::configured(format!("parameter '{name}' {hint}"))
        })
    }

    pub fn get_int(&self, name: &str) -> Result<i64, AgentError> {
        let raw = self.get_str(name)?;
        parse_int(raw).ok_or_else(|| {
            AgentError::configured(format!(
                "parameter '{name}': expected an integer, got '{raw}'"
            ))
        })
    }

    pub fn opt_int(&self, name: &str) -> Result<Option<i64>, AgentError> {
        match self.is_set(name) {
            true => self.get_int(name).map(Some),
            false => Ok(None),
        }
    }

    /// A duration parameter's value (`30s`, `500ms`...; a bare number in its declared unit,
    /// seconds for a parameter that is not declared a duration).
    pub fn get_duration(&self, name: &str) -> Result<Duration, AgentError> {
        let raw = self.get_str(name)?;
        let bare = match self.kinds.get(name) {
            Some(ParamKind::Duration(bare)) => *bare,
            _ => BareUnit::Seconds,
        };
        parse_duration(raw, bare).ok_or_else(|| {
            AgentError::configured(format!(
                "parameter '{name}': expected a duration (30s, 500ms, 2min, 1h), got '{raw}'"
            ))
        })
    }

    pub fn opt_duration(&self, name: &str) -> Result<Option<Duration>, AgentError> {
        match self.is_set(name) {
            true => self.get_duration(name).map(Some),
            false => Ok(None),
        }
    }

    pub fn get_bool(&self, name: &str) -> Result<bool, AgentError> {
        let raw = self.get_str(name)?;
        parse_bool(raw).ok_or_else(|| {
            AgentError::configured(format!(
                "parameter '{name}': expected a boolean (true/false, yes/no, 1/0), got '{raw}'"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::ErrorKind;

    fn spec() -> AgentSpec {
        AgentSpec::new("Initdrbd", "1", "drbd")
            .param(
                ParamSpec::string("drbd_resource", "res")
                    .required()
                    .positional(1),
            )
            .param(ParamSpec::string("device", "dev").positional(2))
            .param(ParamSpec::string("mountpoint", "dir").positional(3))
            .param(ParamSpec::integer("timeout", "t").default("20"))
            .param(ParamSpec::boolean("force", "f").default("false"))
            .param(ParamSpec::string("options", "mount options"))
    }

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|s| s.to_string()).collect()
    }

    fn conf(text: &str) -> ConfigFile {
        let known: Vec<&str> = vec![
            "drbd_resource",
            "device",
            "mountpoint",
            "timeout",
            "force",
            "options",
        ];
        crate::config::parse(Path::new("/c/Initdrbd.conf"), text, &known).unwrap()
    }

    fn resolve_with(
        a: &[&str],
        env: &Env,
        config: Option<&ConfigFile>,
    ) -> Result<Params, AgentError> {
        resolve(
            &spec(),
            &args(a),
            env,
            config,
            Path::new("/c/Initdrbd.conf"),
        )
    }

    #[test]
    fn positional_arguments_map_in_order() {
        let p = resolve_with(
            &["r0", "/dev/drbd1", "/usr/local/mfs"],
            &Env::default(),
            None,
        )
        .unwrap();
        assert_eq!(p.get_str("drbd_resource").unwrap(), "r0");
        assert_eq!(p.get_str("mountpoint").unwrap(), "/usr/local/mfs");
        assert_eq!(p.value("device").unwrap().source, Source::Argument(2));
        assert_eq!(p.get_int("timeout").unwrap(), 20);
        assert!(!p.get_bool("force").unwrap());
    }

    #[test]
    fn named_arguments_mix_with_positional() {
        let p = resolve_with(&["r0", "timeout=5", "/dev/drbd1"], &Env::default(), None).unwrap();
        assert_eq!(p.get_int("timeout").unwrap(), 5);
        assert_eq!(p.get_str("device").unwrap(), "/dev/drbd1");
    }

    #[test]
    fn an_undeclared_name_is_refused_not_taken_as_a_position() {
        let err = resolve_with(&["foo=bar", "/dev/drbd1"], &Env::default(), None).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Configured);
        assert!(
            err.reason
                .starts_with("argument 'foo=bar': Initdrbd has no parameter 'foo'"),
            "{err}"
        );
        // A value that merely contains '=' (a path) is still positional.
        let p = resolve_with(&["r0", "/dev/drbd1", "/mnt/a=b"], &Env::default(), None).unwrap();
        assert_eq!(p.get_str("mountpoint").unwrap(), "/mnt/a=b");
    }

    #[test]
    fn integers_outside_their_declared_range_are_refused_with_the_range() {
        let spec = spec().param(ParamSpec::integer("retries", "r").default("3").range(0, 10));
        for (value, ok) in [("0", true), ("10", true), ("-1", false), ("11", false)] {
            let got = resolve(
                &spec,
                &args(&["r0", &format!("retries={value}")]),
                &Env::default(),
                None,
                Path::new("/c"),
            );
            match (got, ok) {
                (Ok(p), true) => assert_eq!(p.get_int("retries").unwrap().to_string(), value),
                (Err(e), false) => assert_eq!(
                    e.reason,
                    format!("parameter 'retries': must be 0 to 10, got '{value}' (from a name=value argument)")
                ),
                (other, _) => panic!("{value}: {other:?}"),
            }
        }
    }

    #[test]
    fn equals_in_a_value_of_undeclared_name_stays_positional() {
        let p = resolve_with(
            &["r0", "/dev/drbd1", "/mnt", "options=data=ordered"],
            &Env::default(),
            None,
        )
        .unwrap();
        assert_eq!(p.get_str("options").unwrap(), "data=ordered");
        let err = resolve_with(
            &["r0", "/dev/drbd1", "/mnt", "data=ordered"],
            &Env::default(),
            None,
        )
        .unwrap_err();
        assert!(
            err.reason
                .contains("argument 'data=ordered': Initdrbd has no parameter 'data'"),
            "{err}"
        );
    }

    #[test]
    fn extra_positional_argument_is_a_configuration_error() {
        let err = resolve_with(
            &["r0", "/dev/drbd1", "/mnt", "extra"],
            &Env::default(),
            None,
        )
        .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Configured);
        assert_eq!(
            err.reason,
            "unexpected argument 4 'extra': Initdrbd takes at most 3 positional argument(s): drbd_resource, device, mountpoint"
        );
    }

    #[test]
    fn parameter_given_twice_is_an_error() {
        let err = resolve_with(&["r0", "drbd_resource=r1"], &Env::default(), None).unwrap_err();
        assert!(err.reason.contains("given twice"), "{err}");
    }

    #[test]
    fn environment_values_are_read_for_declared_names_only() {
        let env = Env::default()
            .with("OCF_RESKEY_drbd_resource", "r7")
            .with("OCF_RESKEY_CRM_meta_timeout", "20000")
            .with("OCF_RESKEY_bogus", "1");
        let p = resolve_with(&[], &env, None).unwrap();
        assert_eq!(p.get_str("drbd_resource").unwrap(), "r7");
        assert!(!p.is_set("bogus"));
    }

    #[test]
    fn precedence_is_arguments_then_environment_then_file_then_default() {
        let file = conf("drbd_resource=from_file\ndevice=/dev/file\ntimeout=7\n");
        let env = Env::default().with("OCF_RESKEY_device", "/dev/env");
        let p = resolve_with(&["r0"], &env, Some(&file)).unwrap();
        assert_eq!(p.get_str("drbd_resource").unwrap(), "r0");
        assert_eq!(p.get_str("device").unwrap(), "/dev/env");
        assert_eq!(p.get_int("timeout").unwrap(), 7);
        assert_eq!(
            p.value("timeout").unwrap().source,
            Source::ConfigFile {
                path: "/c/Initdrbd.conf".into(),
                line: 3
            }
        );
        assert!(!p.get_bool("force").unwrap());
        assert_eq!(p.value("force").unwrap().source, Source::Default);
    }

    #[test]
    fn missing_required_parameter_says_how_to_give_it() {
        let err = resolve_with(&[], &Env::default(), None).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Configured);
        assert_eq!(
            err.reason,
            "parameter 'drbd_resource' is required: set OCF_RESKEY_drbd_resource, pass it as argument 1 (Initdrbd::...) or as drbd_resource=..., or add drbd_resource=... to /c/Initdrbd.conf"
        );
    }

    #[test]
    fn wrong_kind_names_parameter_value_and_source() {
        let err = resolve_with(&["r0", "timeout=abc"], &Env::default(), None).unwrap_err();
        assert_eq!(
            err.reason,
            "parameter 'timeout': expected an integer, got 'abc' (from a name=value argument)"
        );
        let file = conf("drbd_resource=r0\nforce=maybe\n");
        let err = resolve_with(&[], &Env::default(), Some(&file)).unwrap_err();
        assert!(err.reason.contains("expected a boolean"), "{err}");
        assert!(err.reason.contains("/c/Initdrbd.conf line 2"), "{err}");
    }

    #[test]
    fn typed_accessors_explain_themselves() {
        let p = Params::from_pairs(&[("timeout", "abc"), ("force", "yes")]);
        assert_eq!(
            p.get_int("timeout").unwrap_err().reason,
            "parameter 'timeout': expected an integer, got 'abc'"
        );
        assert!(p.get_bool("force").unwrap());
        assert_eq!(p.opt_int("absent").unwrap(), None);
        assert!(p.get_str("absent").is_err());
    }

    #[test]
    fn booleans_accept_ocf_spellings() {
        for t in ["1", "yes", "TRUE", "on", "y"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["0", "no", "False", "off", "n"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        assert_eq!(parse_bool("maybe"), None);
    }
}
