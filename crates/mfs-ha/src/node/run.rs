//! Running a program on the node: argv only (never a shell), a fixed environment, stdin from
//! /dev/null, output captured, and its whole process group killed at the deadline.

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a finished (or killed) program left.
#[derive(Debug, Clone)]
pub struct Ran {
    /// The exit code; None when killed (by us at the deadline, or by a signal).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
    pub elapsed: Duration,
}

impl Ran {
    /// The last non-empty stderr line, without the agents' `Agent[pid]: LEVEL: ` prefix.
    pub fn reason(&self) -> Option<String> {
        let line = self.stderr.lines().rev().find(|l| !l.trim().is_empty())?;
        let text = strip_log_prefix(line).trim();
        // ha-agent's summary line: "validate-all failed (rc 5, 1 ms): <reason>"
        let text = match text.split_once(" failed (rc ") {
            Some((_, rest)) => rest.split_once("): ").map(|r| r.1).unwrap_or(text),
            None => text,
        };
        Some(text.to_string())
    }
}

/// `Initdrbd[123]: ERROR: text` -> `text` (the ha-agent log format); other lines unchanged.
pub fn strip_log_prefix(line: &str) -> &str {
    let Some((head, rest)) = line.split_once("]: ") else {
        return line;
    };
    if !head.contains('[') || head.contains(' ') {
        return line;
    }
    for level in ["ERROR: ", "WARN: ", "INFO: ", "DEBUG: ", "CRIT: "] {
        if let Some(text) = rest.strip_prefix(level) {
            return text;
        }
    }
    rest
}

/// Runs `argv` with exactly `env` (plus `LC_ALL=C`), killing its process group after `budget`.
pub fn run(argv: &[String], env: &[(String, String)], budget: Duration) -> std::io::Result<Ran> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty argv"))?;
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()?;
    let pgid = child.id() as i32;
    let out = reader(child.stdout.take());
    let err = reader(child.stderr.take());
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if started.elapsed() >= budget {
            timed_out = true;
            // SAFETY: kill(2) on our child's own process group; no memory is involved.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
            break child.wait().ok();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let collect = |h: std::thread::JoinHandle<Vec<u8>>| {
        String::from_utf8_lossy(&h.join().unwrap_or_default()).into_owned()
    };
    Ok(Ran {
        code: status.and_then(|s| if s.signal().is_some() { None } else { s.code() }),
        stdout: collect(out),
        stderr: collect(err),
        timed_out,
        elapsed: started.elapsed(),
    })
}

/// Reads a pipe to its end on a thread (a full pipe must never block the child); capped at 1 MiB.
fn reader<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(p) = pipe {
            let _ = p.take(1 << 20).read_to_end(&mut buf);
        }
        buf
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn captures_output_code_and_environment() {
        let env = vec![
            ("PATH".to_string(), "/usr/bin:/bin".to_string()),
            ("X".into(), "1".into()),
        ];
        let r = run(
            &s(&["/bin/sh", "-c", "echo $X; echo oops >&2; exit 3"]),
            &env,
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!(
            (r.code, r.stdout.as_str(), r.timed_out),
            (Some(3), "1\n", false)
        );
        assert_eq!(r.reason().as_deref(), Some("oops"));
    }

    #[test]
    fn deadline_kills_the_process_group() {
        let r = run(
            &s(&["/bin/sh", "-c", "sleep 30 & sleep 30"]),
            &[],
            Duration::from_millis(300),
        )
        .unwrap();
        assert!(r.timed_out && r.code.is_none(), "{r:?}");
        assert!(r.elapsed < Duration::from_secs(5), "{r:?}");
    }

    #[test]
    fn agent_log_prefix_is_stripped() {
        assert_eq!(
            strip_log_prefix("Initdrbd[42]: ERROR: no drbdadm"),
            "no drbdadm"
        );
        assert_eq!(strip_log_prefix("plain: text"), "plain: text");
        let ran = Ran { code: Some(5), stdout: String::new(), stderr: "ocf-exit-reason:x\nInitdrbd[7]: ERROR: validate-all failed (rc 5, 1 ms): drbdadm not found: 'drbdadm'\n".into(), timed_out: false, elapsed: Duration::ZERO };
        assert_eq!(
            ran.reason().as_deref(),
            Some("drbdadm not found: 'drbdadm'")
        );
    }
}
