//! Who is calling and how: OCF (Pacemaker, ocf-tester), Heartbeat v1 (haresources), or a person.
//!
//! [`decide_invocation`] is a pure function of argv and the environment, so every rule here
//! is pinned by a unit test.

use crate::action::Action;
use crate::env::Env;

/// The calling convention, which decides argument parsing, exit codes and status output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// `Agent <action>` with `OCF_RESKEY_*` parameters; OCF exit codes 0–9.
    Ocf,
    /// `Agent [a1 a2 ...] {start|stop|status}` from haresources; LSB codes, terse status.
    Heartbeat,
    /// A person at a shell; LSB codes, readable status, `status --json`.
    Manual,
}

/// Which exit-code table applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Ocf,
    Lsb,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Ocf => "ocf",
            Mode::Heartbeat => "heartbeat",
            Mode::Manual => "manual",
        }
    }

    pub fn family(self) -> Family {
        match self {
            Mode::Ocf => Family::Ocf,
            Mode::Heartbeat | Mode::Manual => Family::Lsb,
        }
    }
}

/// The decided shape of one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub mode: Mode,
    pub action: Action,
    /// Heartbeat/manual: the words before the action (positional values and `name=value`).
    pub args: Vec<String>,
    /// `status --json` (manual mode only).
    pub json: bool,
    /// A monitor/status with `OCF_RESKEY_CRM_meta_interval` unset or 0 (OCF mode only).
    pub probe: bool,
    /// `OCF_CHECK_LEVEL` (or `OCF_RESKEY_OCF_CHECK_LEVEL`), 0 when unset.
    pub check_level: u32,
    /// `OCF_RESKEY_CRM_meta_interval` in ms, when set and numeric.
    pub interval_ms: Option<u64>,
    /// `OCF_RESOURCE_INSTANCE`, or the Heartbeat arguments joined by `::` as in haresources;
    /// `None` for the agent's single unnamed instance.
    pub instance: Option<String>,
}

/// Why argv could not be understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageErrorKind {
    MissingAction,
    UnknownAction,
    /// A known action that this mode does not offer (`Agent r0 monitor`).
    NotInThisMode,
    UnknownFlag,
    BadCheckLevel,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError {
    pub mode: Mode,
    pub kind: UsageErrorKind,
    pub message: String,
}

impl UsageError {
    fn new(mode: Mode, kind: UsageErrorKind, message: String) -> UsageError {
        UsageError {
            mode,
            kind,
            message,
        }
    }

    /// OCF: an unknown or missing action is 3 (unimplemented); LSB: 2 (invalid argument).
    pub fn exit_code(&self) -> i32 {
        match (self.mode.family(), self.kind) {
            (Family::Ocf, UsageErrorKind::MissingAction | UsageErrorKind::UnknownAction) => 3,
            _ => 2,
        }
    }
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UsageError {}

/// Decides mode, action and arguments from `argv` (including argv\[0\]) and the environment.
///
/// * OCF when `OCF_RESOURCE_INSTANCE` is set (Pacemaker and ocf-tester always set it), or when
///   argv is exactly one OCF-only action (`meta-data`, `monitor`, `validate-all`, ...). The action
///   is argv\[1\]; further arguments are ignored.
/// * Heartbeat when `HA_CURHOST` is set or arguments precede the action (the action is last);
///   a lone `validate-all` with `HA_CURHOST` set is Heartbeat's too (other lone OCF actions are not).
/// * Manual otherwise, or whenever `--json` is given.
pub fn decide_invocation(argv: &[String], env: &Env) -> Result<Invocation, UsageError> {
    let args = argv.get(1..).unwrap_or(&[]);
    if let Some(instance) = env.get("OCF_RESOURCE_INSTANCE") {
        let word = args.first().ok_or_else(|| {
            UsageError::new(
                Mode::Ocf,
                UsageErrorKind::MissingAction,
                "no action given".to_string(),
            )
        })?;
        let action = ocf_action(word)?;
        return ocf_invocation(action, env, Some(instance.to_string()));
    }
    if let [word] = args {
        // A lone validate-all in heartbeat's environment is heartbeat's form of a haresources
        // entry without arguments (`mfs-ha check` calls it so): settings from the defaults file.
        let heartbeats = |a: &Action| *a == Action::ValidateAll && env.is_set("HA_CURHOST");
        if let Some(action) = Action::from_name(word).filter(|a| a.is_ocf_only() && !heartbeats(a))
        {
            return ocf_invocation(action, env, None);
        }
    }
    lsb_invocation(args, env)
}

fn ocf_action(word: &str) -> Result<Action, UsageError> {
    if word == "--help" || word == "-h" {
        return Ok(Action::Usage);
    }
    Action::from_name(word).ok_or_else(|| {
        UsageError::new(
            Mode::Ocf,
            UsageErrorKind::UnknownAction,
            format!("unknown action '{word}'"),
        )
    })
}

fn ocf_invocation(
    action: Action,
    env: &Env,
    instance: Option<String>,
) -> Result<Invocation, UsageError> {
    let interval_ms = env
        .non_empty("OCF_RESKEY_CRM_meta_interval")
        .map(|v| v.trim().parse::<u64>());
    let probe = action.reports_health() && matches!(interval_ms, None | Some(Ok(0)));
    Ok(Invocation {
        mode: Mode::Ocf,
        action,
        args: Vec::new(),
        json: false,
        probe,
        check_level: check_level(Mode::Ocf, env)?,
        interval_ms: interval_ms.and_then(Result::ok),
        instance,
    })
}

fn lsb_invocation(args: &[String], env: &Env) -> Result<Invocation, UsageError> {
    let mut json = false;
    let mut help = false;
    let mut words: Vec<&String> = Vec::new();
    for arg in args {
        match arg.as_str() {
            "--json" => json = true,
            "--help" | "-h" => help = true,
            flag if flag.starts_with("--") => {
                return Err(UsageError::new(
                    Mode::Manual,
                    UsageErrorKind::UnknownFlag,
                    format!("unknown option '{flag}' (known: --json, --help)"),
                ))
            }
            _ => words.push(arg),
        }
    }
    let Some((word, before)) = words.split_last() else {
        let kind = UsageErrorKind::MissingAction;
        return match help {
            true => Ok(plain(Mode::Manual, Action::Usage)),
            false => Err(UsageError::new(
                Mode::Manual,
                kind,
                "no action given".into(),
            )),
        };
    };
    let mode = if json {
        Mode::Manual
    } else if env.is_set("HA_CURHOST") || !before.is_empty() {
        Mode::Heartbeat
    } else {
        Mode::Manual
    };
    if help {
        return Ok(plain(mode, Action::Usage));
    }
    let action = Action::from_name(word).ok_or_else(|| {
        UsageError::new(
            mode,
            UsageErrorKind::UnknownAction,
            format!("unknown action '{word}' (expected start, stop, status or validate-all as the last argument)"),
        )
    })?;
    if !action.is_lsb() {
        return Err(UsageError::new(
            mode,
            UsageErrorKind::NotInThisMode,
            format!(
                "'{word}' is an OCF action: run it alone with parameters in OCF_RESKEY_* variables"
            ),
        ));
    }
    if json && action != Action::Status {
        return Err(UsageError::new(
            mode,
            UsageErrorKind::UnknownFlag,
            format!("--json applies to status only, not to {word}"),
        ));
    }
    let args: Vec<String> = before.iter().map(|s| s.to_string()).collect();
    Ok(Invocation {
        mode,
        action,
        instance: (!args.is_empty()).then(|| args.join("::")),
        args,
        json,
        probe: false,
        check_level: check_level(mode, env)?,
        interval_ms: None,
    })
}

fn plain(mode: Mode, action: Action) -> Invocation {
    Invocation {
        mode,
        action,
        args: Vec::new(),
        json: false,
        probe: false,
        check_level: 0,
        interval_ms: None,
        instance: None,
    }
}

fn check_level(mode: Mode, env: &Env) -> Result<u32, UsageError> {
    let raw = env
        .non_empty("OCF_CHECK_LEVEL")
        .or_else(|| env.non_empty("OCF_RESKEY_OCF_CHECK_LEVEL"));
    match raw {
        None => Ok(0),
        Some(v) => v.trim().parse().map_err(|_| {
            UsageError::new(
                mode,
                UsageErrorKind::BadCheckLevel,
                format!("OCF_CHECK_LEVEL must be a number such as 0, 10 or 20, got '{v}'"),
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|s| s.to_string()).collect()
    }

    fn decide(words: &[&str], env: &Env) -> Result<Invocation, UsageError> {
        decide_invocation(&argv(words), env)
    }

    fn heartbeat_env() -> Env {
        Env::default()
            .with("HA_CURHOST", "hbx-a")
            .with("OCF_ROOT", "/usr/lib/ocf")
            .with("HA_LOGFILE", "/var/log/ha-log")
    }

    fn pacemaker_env() -> Env {
        Env::default()
            .with("OCF_ROOT", "/usr/lib/ocf")
            .with("OCF_RA_VERSION_MAJOR", "1")
            .with("OCF_RESOURCE_INSTANCE", "fs1")
            .with("OCF_RESOURCE_TYPE", "Initdrbd")
            .with("OCF_RESKEY_CRM_meta_timeout", "20000")
            .with("OCF_RESKEY_drbd_resource", "r0")
    }

    fn ocf_tester_env(interval: &str) -> Env {
        Env::default()
            .with("OCF_ROOT", "/usr/lib/ocf")
            .with("OCF_RESOURCE_INSTANCE", "d1")
            .with("__OCF_ACTION", "monitor")
            .with("OCF_RESKEY_CRM_meta_timeout", "20000")
            .with("OCF_RESKEY_CRM_meta_interval", interval)
            .with("OCF_RESKEY_state", "/tmp/d1")
    }

    #[test]
    fn a_lone_validate_all_under_heartbeat_is_heartbeats_call_and_other_ocf_actions_stay_ocf() {
        let inv = decide(&["Initdrbd", "validate-all"], &heartbeat_env()).unwrap();
        assert_eq!(inv.mode, Mode::Heartbeat);
        assert_eq!(inv.action, Action::ValidateAll);
        assert!(inv.args.is_empty());
        let alone = decide(&["Initdrbd", "validate-all"], &Env::default()).unwrap();
        assert_eq!(alone.mode, Mode::Ocf);
        for word in ["monitor", "meta-data"] {
            let inv = decide(&["Initdrbd", word], &heartbeat_env()).unwrap();
            assert_eq!(inv.mode, Mode::Ocf, "{word}");
        }
    }

    #[test]
    fn heartbeat_positional_call_from_haresources() {
        let inv = decide(
            &["Initdrbd", "r0", "/dev/drbd1", "/usr/local/mfs", "start"],
            &heartbeat_env(),
        )
        .unwrap();
        assert_eq!(inv.mode, Mode::Heartbeat);
        assert_eq!(inv.action, Action::Start);
        assert_eq!(inv.args, argv(&["r0", "/dev/drbd1", "/usr/local/mfs"]));
        assert_eq!(
            inv.instance.as_deref(),
            Some("r0::/dev/drbd1::/usr/local/mfs")
        );
    }

    #[test]
    fn args_before_action_mean_heartbeat_even_without_ha_curhost() {
        let inv = decide(&["Initdrbd", "r0", "status"], &Env::default()).unwrap();
        assert_eq!(inv.mode, Mode::Heartbeat);
        assert_eq!(inv.action, Action::Status);
    }

    #[test]
    fn bare_name_under_heartbeat_is_heartbeat_mode() {
        let inv = decide(&["mfsmaster", "start"], &heartbeat_env()).unwrap();
        assert_eq!(inv.mode, Mode::Heartbeat);
        assert_eq!(inv.instance, None);
    }

    #[test]
    fn bare_name_from_a_shell_is_manual_mode() {
        let inv = decide(&["mfsmaster", "start"], &Env::default()).unwrap();
        assert_eq!(inv.mode, Mode::Manual);
        assert_eq!(inv.action, Action::Start);
        assert!(inv.args.is_empty());
    }

    #[test]
    fn ocf_root_alone_does_not_mean_ocf() {
        let env = Env::default().with("OCF_ROOT", "/usr/lib/ocf");
        assert_eq!(
            decide(&["mfsmaster", "stop"], &env).unwrap().mode,
            Mode::Manual
        );
    }

    #[test]
    fn pacemaker_environment_means_ocf() {
        let inv = decide(&["Initdrbd", "start"], &pacemaker_env()).unwrap();
        assert_eq!(inv.mode, Mode::Ocf);
        assert_eq!(inv.action, Action::Start);
        assert_eq!(inv.instance.as_deref(), Some("fs1"));
        assert!(!inv.probe);
    }

    #[test]
    fn pacemaker_probe_has_no_interval() {
        let inv = decide(&["Initdrbd", "monitor"], &pacemaker_env()).unwrap();
        assert_eq!(inv.action, Action::Monitor);
        assert!(inv.probe);
        assert_eq!(inv.interval_ms, None);
    }

    #[test]
    fn recurring_monitor_is_not_a_probe() {
        let inv = decide(&["Dummy", "monitor"], &ocf_tester_env("10000")).unwrap();
        assert!(!inv.probe);
        assert_eq!(inv.interval_ms, Some(10000));
    }

    #[test]
    fn ocf_tester_probe_has_interval_zero() {
        let inv = decide(&["Dummy", "monitor"], &ocf_tester_env("0")).unwrap();
        assert_eq!(inv.mode, Mode::Ocf);
        assert!(inv.probe);
        assert_eq!(inv.instance.as_deref(), Some("d1"));
    }

    #[test]
    fn only_monitor_and_status_can_be_probes() {
        let inv = decide(&["Dummy", "start"], &ocf_tester_env("0")).unwrap();
        assert!(!inv.probe);
    }

    #[test]
    fn ocf_ignores_extra_arguments() {
        let inv = decide(&["Dummy", "stop", "extra", "--weird"], &pacemaker_env()).unwrap();
        assert_eq!(inv.action, Action::Stop);
        assert!(inv.args.is_empty());
    }

    #[test]
    fn ocf_unknown_action_is_unimplemented() {
        let err = decide(&["Dummy", "reload-agent"], &pacemaker_env()).unwrap_err();
        assert_eq!(err.kind, UsageErrorKind::UnknownAction);
        assert_eq!(err.exit_code(), 3);
    }

    #[test]
    fn ocf_missing_action_is_unimplemented() {
        let err = decide(&["Dummy"], &pacemaker_env()).unwrap_err();
        assert_eq!(err.kind, UsageErrorKind::MissingAction);
        assert_eq!(err.exit_code(), 3);
    }

    #[test]
    fn lone_ocf_only_action_means_ocf_without_environment() {
        for word in [
            "meta-data",
            "monitor",
            "validate-all",
            "promote",
            "demote",
            "notify",
            "reload",
            "migrate_to",
            "migrate_from",
        ] {
            let inv = decide(&["Initdrbd", word], &Env::default()).unwrap();
            assert_eq!(inv.mode, Mode::Ocf, "{word}");
            assert_eq!(inv.instance, None);
        }
    }

    #[test]
    fn lone_ocf_only_action_wins_over_ha_curhost() {
        let inv = decide(&["Initdrbd", "meta-data"], &heartbeat_env()).unwrap();
        assert_eq!(inv.mode, Mode::Ocf);
        assert_eq!(inv.action, Action::MetaData);
    }

    #[test]
    fn ocf_only_action_after_arguments_is_refused() {
        let err = decide(&["Initdrbd", "r0", "monitor"], &Env::default()).unwrap_err();
        assert_eq!(err.kind, UsageErrorKind::NotInThisMode);
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn validate_all_and_meta_data_work_after_arguments() {
        let inv = decide(&["Initdrbd", "r0", "validate-all"], &Env::default()).unwrap();
        assert_eq!(
            (inv.mode, inv.action),
            (Mode::Heartbeat, Action::ValidateAll)
        );
        let inv = decide(&["Initdrbd", "r0", "meta-data"], &Env::default()).unwrap();
        assert_eq!(inv.action, Action::MetaData);
    }

    #[test]
    fn manual_unknown_action_is_invalid_argument() {
        let err = decide(&["mfsmaster", "restart"], &Env::default()).unwrap_err();
        assert_eq!(err.kind, UsageErrorKind::UnknownAction);
        assert_eq!(err.mode, Mode::Manual);
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn heartbeat_unknown_action_is_invalid_argument() {
        let err = decide(&["Initdrbd", "r0", "bounce"], &heartbeat_env()).unwrap_err();
        assert_eq!(err.mode, Mode::Heartbeat);
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn no_action_is_a_usage_error() {
        let err = decide(&["mfsmaster"], &Env::default()).unwrap_err();
        assert_eq!(err.kind, UsageErrorKind::MissingAction);
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn status_json_is_manual_even_with_arguments() {
        let inv = decide(&["Initdrbd", "r0", "status", "--json"], &heartbeat_env()).unwrap();
        assert_eq!(inv.mode, Mode::Manual);
        assert!(inv.json);
        assert_eq!(inv.args, argv(&["r0"]));
    }

    #[test]
    fn json_with_start_is_refused() {
        let err = decide(&["mfsmaster", "start", "--json"], &Env::default()).unwrap_err();
        assert_eq!(err.kind, UsageErrorKind::UnknownFlag);
    }

    #[test]
    fn unknown_flag_is_refused() {
        let err = decide(&["mfsmaster", "--force", "stop"], &Env::default()).unwrap_err();
        assert_eq!(err.kind, UsageErrorKind::UnknownFlag);
    }

    #[test]
    fn help_in_every_mode() {
        for (words, env) in [
            (&["Dummy", "--help"][..], Env::default()),
            (&["Dummy", "-h"][..], Env::default()),
            (&["Dummy", "help"][..], Env::default()),
            (&["Dummy", "r0", "--help"][..], heartbeat_env()),
            (&["Dummy", "usage"][..], pacemaker_env()),
            (&["Dummy", "--help"][..], pacemaker_env()),
        ] {
            let inv = decide(words, &env).unwrap();
            assert_eq!(inv.action, Action::Usage, "{words:?}");
        }
    }

    #[test]
    fn check_level_comes_from_either_variable() {
        let env = pacemaker_env().with("OCF_CHECK_LEVEL", "10");
        assert_eq!(decide(&["X", "monitor"], &env).unwrap().check_level, 10);
        let env = pacemaker_env().with("OCF_RESKEY_OCF_CHECK_LEVEL", "20");
        assert_eq!(decide(&["X", "monitor"], &env).unwrap().check_level, 20);
        assert_eq!(
            decide(&["X", "monitor"], &pacemaker_env())
                .unwrap()
                .check_level,
            0
        );
    }

    #[test]
    fn bad_check_level_is_an_argument_error() {
        let env = pacemaker_env().with("OCF_CHECK_LEVEL", "deep");
        let err = decide(&["X", "monitor"], &env).unwrap_err();
        assert_eq!(err.kind, UsageErrorKind::BadCheckLevel);
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn empty_argv_is_a_usage_error() {
        assert!(decide_invocation(&[], &Env::default()).is_err());
    }
}
