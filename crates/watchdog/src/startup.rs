//! What the binary does before the loop: where logs go, who we are, what ha.cf implies.

use ha_agent::log::LogTargets;
use ha_agent::Env;
use heartbeat_config::hacf::HaCf;

/// heartbeat exports its log settings to what it starts; when run by hand they come from ha.cf.
pub fn log_env(env: &Env, hacf: Option<&HaCf>) -> Env {
    let mut env = env.clone();
    let Some(cf) = hacf else {
        return env;
    };
    for (var, directive) in [
        ("HA_LOGFILE", "logfile"),
        ("HA_DEBUGLOG", "debugfile"),
        ("HA_LOGFACILITY", "logfacility"),
    ] {
        if !env.is_set(var) {
            if let Some(d) = cf.get(directive).filter(|d| !d.value.is_empty()) {
                env = env.with(var, &d.value);
            }
        }
    }
    env
}

/// The log variables of `log_env`, to pass on to the agents the watchdog runs.
pub fn log_vars(env: &Env) -> Vec<(String, String)> {
    ["HA_LOGFILE", "HA_DEBUGLOG", "HA_LOGFACILITY"]
        .iter()
        .filter_map(|v| env.get(v).map(|value| (v.to_string(), value.to_string())))
        .collect()
}

/// Log targets for the watchdog (a warning when the facility is unknown).
pub fn log_targets(env: &Env, hacf: Option<&HaCf>) -> (LogTargets, Option<String>) {
    LogTargets::from_env(&log_env(env, hacf))
}

/// Warnings about an ha.cf under which the watchdog cannot do its whole job.
pub fn hacf_warnings(cf: &HaCf) -> Vec<String> {
    let mut warnings = Vec::new();
    let failback = cf
        .get("auto_failback")
        .map(|d| d.value.to_ascii_lowercase());
    if !matches!(failback.as_deref(), Some("on" | "off")) {
        warnings.push(format!(
            "ha.cf has auto_failback {}: heartbeat then ignores hb_standby, so a spent restart budget cannot hand the group over (set auto_failback on or off)",
            failback.as_deref().unwrap_or("unset (legacy)")
        ));
    }
    if cf.get("crm").is_some_and(|d| {
        !matches!(
            d.value.to_ascii_lowercase().as_str(),
            "off" | "no" | "false"
        )
    }) {
        warnings.push(
            "ha.cf has crm enabled: Pacemaker monitors resources itself; this watchdog is for haresources clusters (crm off)"
                .into(),
        );
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hacf_logging_fills_only_what_heartbeat_did_not_export() {
        let cf = heartbeat_config::hacf::parse(
            "logfile /var/log/ha-log\ndebugfile /var/log/ha-debug\nlogfacility local0\n",
        );
        let env = Env::default().with("HA_LOGFILE", "/from/heartbeat");
        let merged = log_env(&env, Some(&cf));
        assert_eq!(merged.get("HA_LOGFILE"), Some("/from/heartbeat"));
        assert_eq!(merged.get("HA_DEBUGLOG"), Some("/var/log/ha-debug"));
        assert_eq!(merged.get("HA_LOGFACILITY"), Some("local0"));
    }

    #[test]
    fn legacy_failback_and_crm_are_warned_about() {
        let w = hacf_warnings(&heartbeat_config::hacf::parse("crm on\n"));
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("auto_failback unset (legacy)"));
        assert!(hacf_warnings(&heartbeat_config::hacf::parse(
            "auto_failback on\ncrm off\n"
        ))
        .is_empty());
    }
}
