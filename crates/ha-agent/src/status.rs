//! What `status` prints, per mode, so that heartbeat's stdout grep reads it right.
//!
//! heartbeat's ResourceManager decides "running" only from status stdout (heartbeat.md a.5):
//! `*[Nn][Oo][Tt]\ *[Rr]unning*` means stopped, then `*[Rr]unning*|*OK*` means running,
//! anything else means stopped. [`heartbeat_sees_running`] is that rule, and every text
//! below is checked against it.

use crate::outcome::Health;

/// Heartbeat's verdict on a status output: true when it would count the resource as running.
/// The rule itself lives with the rest of heartbeat's reading of its configuration.
pub fn heartbeat_sees_running(stdout: &str) -> bool {
    heartbeat_config::status_says_running(stdout)
}

/// Heartbeat mode prints exactly `running` or `stopped`, and nothing when the state is neither
/// known to be running nor known to be cleanly stopped (heartbeat then counts it as stopped,
/// but a person reading the log is not told a lie).
pub fn heartbeat_line(health: &Health) -> Option<&'static str> {
    match health {
        Health::Running | Health::Promoted | Health::FailedRunning(_) => Some("running"),
        Health::Stopped => Some("stopped"),
        Health::Failed(_) | Health::FailedPromoted(_) | Health::Unknown(_) => None,
    }
}

/// A sentence for people that still reads right to heartbeat's grep.
pub fn manual_text(agent: &str, instance: Option<&str>, health: &Health) -> String {
    let with_instance = instance
        .map(|i| format!("{agent} ({i})"))
        .map(|who| sentence(&who, health))
        .filter(|text| heartbeat_sees_running(text) == is_running(health));
    with_instance.unwrap_or_else(|| sentence(agent, health))
}

fn is_running(health: &Health) -> bool {
    matches!(
        health,
        Health::Running | Health::Promoted | Health::FailedRunning(_)
    )
}

fn sentence(who: &str, health: &Health) -> String {
    match health {
        Health::Running => format!("{who} is running"),
        Health::Promoted => format!("{who} is running (promoted)"),
        Health::Stopped => format!("{who} is stopped"),
        Health::Failed(r) => format!("{who} is not running (failed): {}", one_line(r)),
        Health::FailedPromoted(r) => {
            format!(
                "{who} is not running properly (failed while promoted): {}",
                one_line(r)
            )
        }
        Health::FailedRunning(r) => {
            let full = format!("{who} is running but failed: {}", one_line(r));
            match heartbeat_sees_running(&full) {
                true => full,
                // The reason itself says "not ... running": keep the verdict right.
                false => format!("{who} is running but failed (the reason is in the log)"),
            }
        }
        Health::Unknown(r) => format!(
            "{who} status is unknown, cannot tell whether it is running: {}",
            one_line(r)
        ),
    }
}

/// Newlines and other control characters become blanks, so a reason stays one line.
pub fn one_line(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The `status --json` document.
pub fn json(
    agent: &str,
    instance: Option<&str>,
    health: &Health,
    exit_code: i32,
) -> serde_json::Value {
    serde_json::json!({
        "agent": agent,
        "instance": instance,
        "state": health.name(),
        "running": is_running(health),
        "reason": health.reason(),
        "exit_code": exit_code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn heartbeat_lines_are_exact() {
        assert_eq!(heartbeat_line(&Health::Running), Some("running"));
        assert_eq!(heartbeat_line(&Health::Promoted), Some("running"));
        assert_eq!(heartbeat_line(&Health::Stopped), Some("stopped"));
        assert_eq!(heartbeat_line(&Health::Failed("x".into())), None);
        assert_eq!(heartbeat_line(&Health::Unknown("x".into())), None);
        assert_eq!(
            heartbeat_line(&Health::FailedRunning("x".into())),
            Some("running")
        );
    }

    #[test]
    fn manual_text_names_instance() {
        let text = manual_text("Initdrbd", Some("r0::/dev/drbd1"), &Health::Running);
        assert_eq!(text, "Initdrbd (r0::/dev/drbd1) is running");
    }

    #[test]
    fn manual_text_drops_instance_that_would_mislead_heartbeat() {
        let text = manual_text("Dummy", Some("/srv/OK"), &Health::Stopped);
        assert_eq!(text, "Dummy is stopped");
    }

    fn any_health() -> impl Strategy<Value = Health> {
        let reason = ".{0,40}";
        prop_oneof![
            Just(Health::Running),
            Just(Health::Promoted),
            Just(Health::Stopped),
            reason.prop_map(Health::Failed),
            reason.prop_map(Health::FailedPromoted),
            reason.prop_map(Health::FailedRunning),
            reason.prop_map(Health::Unknown),
        ]
    }

    proptest! {
        #[test]
        fn manual_text_always_reads_right_to_heartbeat(
            health in any_health(),
            instance in proptest::option::of("[ -~]{0,20}"),
        ) {
            let text = manual_text("Dummy", instance.as_deref(), &health);
            prop_assert_eq!(heartbeat_sees_running(&text), is_running(&health), "{}", text);
            prop_assert!(!text.contains('\n'));
        }
    }

    #[test]
    fn json_reports_state_and_reason() {
        let v = json("Dummy", None, &Health::Failed("pid 3 gone".into()), 1);
        assert_eq!(v["state"], "failed");
        assert_eq!(v["running"], false);
        assert_eq!(v["reason"], "pid 3 gone");
        assert_eq!(v["exit_code"], 1);
    }
}
