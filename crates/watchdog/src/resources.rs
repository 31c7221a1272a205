//! Running a group's resource scripts as heartbeat does (`<script> [args...] start|stop|status`,
//! looked up in resource.d then /etc/init.d, argv only, never a shell), each call with a
//! deadline the agent is told about (`OCF_RESKEY_CRM_meta_timeout`: it finishes with a reason
//! before we would kill it).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ha_agent::Deadline;
use heartbeat_config::{locate_script, status_says_running, Resource};
use hostops::command::{self, CommandError, Output};

use crate::config::Config;
use crate::policy::Health;

/// Time granted past the agent's own deadline before its process group is killed.
const KILL_GRACE: Duration = Duration::from_secs(2);

/// Verdict on a status call's output, by heartbeat's own rule (the status glob), with the
/// agent's reason when it is not running.
///
/// One exception to the glob: "running" with an LSB failure code (1 dead, 2 dead with a lock,
/// 4 unknown) is a failure. That is how an mfs-ha agent reports a resource that failed while
/// something of it still runs (a hung master at level 10): heartbeat must read it as held, so
/// that it never starts a second copy, but the watchdog must act on it.
pub fn status_health(script: &str, output: &Output) -> Health {
    if status_says_running(&output.stdout) {
        return match output.code() {
            Some(1 | 2 | 4) => Health::Failed(format!("{script}: {}", agent_reason(output))),
            _ => Health::Running,
        };
    }
    let reason = format!("{script}: {}", agent_reason(output));
    // LSB 3 and a plain "stopped" are a clean stop; anything else is a failure.
    match output.code() == Some(3) || output.stdout.trim() == "stopped" {
        true => Health::Stopped(reason),
        false => Health::Failed(reason),
    }
}

/// The agent's own words: its last ERROR/CRIT/WARN log line on stderr, else its last line.
pub fn agent_reason(output: &Output) -> String {
    let lines = || {
        output
            .stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
    };
    let logged = lines().rev().find_map(|l| {
        [": ERROR: ", ": CRIT: ", ": WARN: "]
            .iter()
            .find_map(|tag| l.split_once(tag).map(|(_, msg)| msg.to_string()))
    });
    let last = || {
        lines()
            .next_back()
            .or_else(|| {
                output
                    .stdout
                    .lines()
                    .map(str::trim)
                    .rfind(|l| !l.is_empty())
            })
            .map(str::to_string)
    };
    let code = match output.code() {
        Some(c) => format!("exit code {c}"),
        None => "killed by a signal".to_string(),
    };
    match logged.or_else(last) {
        Some(text) => format!("{} ({code})", without_framework_summary(&text)),
        None => format!("status printed nothing ({code})"),
    }
}

/// The reason inside ha-agent's closing line `status: failed: REASON (rc 1, 3067 ms)`.
fn without_framework_summary(text: &str) -> String {
    let text = ha_agent::status::one_line(text);
    let inner = ["status: failed: ", "status: error: ", "status: "]
        .iter()
        .find_map(|p| text.strip_prefix(p))
        .and_then(|rest| rest.rsplit_once(" (rc ").map(|(reason, _)| reason));
    inner.map(str::to_string).unwrap_or(text)
}

/// Runs the scripts of the group for this node.
#[derive(Debug, Clone)]
pub struct Runner {
    pub node: String,
    pub resource_dir: PathBuf,
    pub init_dir: PathBuf,
    pub deep_monitor: Vec<String>,
    pub monitor_timeout: Duration,
    pub start_timeout: Duration,
    pub stop_timeout: Duration,
    /// Where agents log (`HA_LOGFILE`, ...): heartbeat's settings, from ha.cf when heartbeat
    /// did not export them to us.
    pub log_env: Vec<(String, String)>,
}

impl Runner {
    pub fn new(config: &Config, node: &str) -> Runner {
        Runner {
            node: node.to_string(),
            resource_dir: config.resource_dir.clone(),
            init_dir: PathBuf::from(heartbeat_config::INIT_DIR),
            deep_monitor: config.deep_monitor.clone(),
            monitor_timeout: config.monitor_timeout,
            start_timeout: config.start_timeout,
            stop_timeout: config.stop_timeout,
            log_env: Vec::new(),
        }
    }

    fn script(&self, r: &Resource) -> Result<PathBuf, String> {
        locate_script(&self.resource_dir, &self.init_dir, &r.script).ok_or_else(|| {
            format!(
                "cannot locate resource script {} in {} or {}",
                r.script,
                self.resource_dir.display(),
                self.init_dir.display()
            )
        })
    }

    fn call(&self, r: &Resource, action: &str, timeout: Duration) -> Result<Output, String> {
        let path = self.script(r)?;
        let argv = r.argv(&path, action);
        let level = (action == "status" && self.deep_monitor.contains(&r.script)).then_some("10");
        let timeout_ms = timeout.as_millis().to_string();
        let mut env = vec![
            ("HA_CURHOST", Some(self.node.as_str())),
            ("OCF_CHECK_LEVEL", level),
            ("OCF_RESKEY_CRM_meta_timeout", Some(timeout_ms.as_str())),
        ];
        env.extend(
            self.log_env
                .iter()
                .map(|(k, v)| (k.as_str(), Some(v.as_str()))),
        );
        let deadline = Deadline::after(timeout + KILL_GRACE);
        command::run_unchecked_with_env(&argv, &env, &deadline).map_err(|e| match e {
            CommandError::TimedOut { .. } => format!(
                "{} {action} did not finish within {} s: {e}",
                r.script,
                timeout.as_secs()
            ),
            other => other.to_string(),
        })
    }

    /// The resource's health: its status (mfsmaster at check level 10) read as heartbeat reads it.
    pub fn status(&self, r: &Resource) -> Health {
        match self.call(r, "status", self.monitor_timeout) {
            Ok(output) => status_health(&r.script, &output),
            Err(why) => Health::Failed(format!("{}: {why}", r.script)),
        }
    }

    /// `start` or `stop`; only the exit code counts, as for heartbeat.
    pub fn act(&self, r: &Resource, action: &str) -> Result<Duration, String> {
        let timeout = match action {
            "stop" => self.stop_timeout,
            _ => self.start_timeout,
        };
        let started = Instant::now();
        let output = self.call(r, action, timeout)?;
        match output.success() {
            true => Ok(started.elapsed()),
            false => Err(format!(
                "{} {action} failed: {}",
                r.written,
                agent_reason(&output)
            )),
        }
    }

    /// Where `r`'s script is (for messages).
    pub fn located(&self, r: &Resource) -> Option<PathBuf> {
        locate_script(Path::new(&self.resource_dir), &self.init_dir, &r.script)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;

    fn output(code: i32, stdout: &str, stderr: &str) -> Output {
        Output {
            status: ExitStatus::from_raw(code << 8),
            stdout: stdout.into(),
            stderr: stderr.into(),
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn running_is_what_heartbeats_glob_says() {
        assert_eq!(
            status_health("mfsmaster", &output(0, "running\n", "")),
            Health::Running
        );
        // heartbeat ignores the exit code of status
        assert_eq!(
            status_health("x", &output(3, "x is running\n", "")),
            Health::Running
        );
        assert!(!status_health("x", &output(0, "x is not running\n", "")).is_running());
    }

    #[test]
    fn running_with_an_lsb_failure_code_is_a_failure_with_the_agents_reason() {
        let hung = status_health(
            "mfsmaster",
            &output(
                1,
                "mfsmaster is running but failed: no answer to INFO\n",
                "mfsmaster[7]: ERROR: no answer to INFO from 127.0.0.1:9421 within 3.0 s\n",
            ),
        );
        assert_eq!(
            hung,
            Health::Failed(
                "mfsmaster: no answer to INFO from 127.0.0.1:9421 within 3.0 s (exit code 1)"
                    .into()
            )
        );
        for code in [2, 4] {
            assert!(!status_health("x", &output(code, "running\n", "")).is_running());
        }
    }

    #[test]
    fn a_clean_stop_is_stopped_and_an_error_is_a_failure_with_the_agents_reason() {
        let stopped = status_health("mfsmaster", &output(3, "stopped\n", ""));
        assert!(matches!(stopped, Health::Stopped(_)), "{stopped:?}");
        let failed = status_health(
            "mfsmaster",
            &output(
                1,
                "",
                "mfsmaster[12]: INFO: checking\nmfsmaster[12]: ERROR: no answer to INFO from 127.0.0.1:9421 within 3.0 s\n",
            ),
        );
        assert_eq!(
            failed,
            Health::Failed(
                "mfsmaster: no answer to INFO from 127.0.0.1:9421 within 3.0 s (exit code 1)"
                    .into()
            )
        );
    }

    #[test]
    fn the_frameworks_closing_line_gives_its_reason_once() {
        let h = status_health(
            "mfsmaster",
            &output(
                1,
                "",
                "mfsmaster[9]: WARN: status: failed: no answer to INFO from 127.0.0.1:9421 within 3s (master hung?) (rc 1, 3067 ms)\n",
            ),
        );
        assert_eq!(
            h,
            Health::Failed(
                "mfsmaster: no answer to INFO from 127.0.0.1:9421 within 3s (master hung?) (exit code 1)"
                    .into()
            )
        );
    }

    #[test]
    fn silence_is_reported_as_such() {
        let h = status_health("IPaddr", &output(0, "", ""));
        assert_eq!(
            h,
            Health::Failed("IPaddr: status printed nothing (exit code 0)".into())
        );
    }

    #[test]
    fn calls_pass_the_node_level_and_deadline_and_no_shell() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("mfsmaster");
        let log = dir.path().join("env");
        crate::test_support::write_script(
            &script,
            &format!(
                "#!/bin/sh\necho \"$# $* $HA_CURHOST ${{OCF_CHECK_LEVEL:-0}} $OCF_RESKEY_CRM_meta_timeout\" >{}\necho running\n",
                log.display()
            ),
        );
        let mut config = Config::defaults(Path::new("/nonexistent"));
        config.resource_dir = dir.path().to_path_buf();
        config.monitor_timeout = Duration::from_secs(7);
        let runner = Runner::new(&config, "mfs-master");
        let r = Resource::parse("mfsmaster::a;b::$HOME");
        assert_eq!(runner.status(&r), Health::Running);
        assert_eq!(
            std::fs::read_to_string(&log).unwrap(),
            "3 a;b $HOME status mfs-master 10 7000\n"
        );
        let missing = runner.status(&Resource::parse("nosuch"));
        assert!(
            matches!(&missing, Health::Failed(r) if r.contains("cannot locate resource script nosuch")),
            "{missing:?}"
        );
    }
}
