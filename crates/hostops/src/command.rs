//! Running helper programs: argv only (never a shell), stdin from /dev/null, output captured,
//! `LC_ALL=C`, and the whole process group killed when the deadline passes.

use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

use crate::deadline::Deadline;

/// Captured output is capped per stream; beyond it bytes are dropped.
const OUTPUT_CAP: usize = 4 << 20;

/// How long to wait for output pipes after the command exited (a leftover grandchild may
/// hold them open forever).
const PIPE_DRAIN: Duration = Duration::from_millis(200);

/// Process groups of commands running now, so the watchdog can kill them on its way out.
static RUNNING: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// What a finished command left behind.
#[derive(Debug, Clone)]
pub struct Output {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Output {
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// The exit code, `None` when killed by a signal.
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }
}

/// A command that could not be run, ran out of time, or failed.
#[derive(Debug)]
pub enum CommandError {
    NotFound {
        command: String,
    },
    Spawn {
        command: String,
        error: std::io::Error,
    },
    TimedOut {
        command: String,
        after: Duration,
        last_stderr: Option<String>,
    },
    Failed {
        command: String,
        output: Output,
    },
    /// Not run at all, for the reason given (an interrupted action starts no new step).
    NotRun {
        reason: String,
    },
}

impl CommandError {
    /// The output of a command that ran and failed.
    pub fn output(&self) -> Option<&Output> {
        match self {
            CommandError::Failed { output, .. } => Some(output),
            _ => None,
        }
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CommandError::NotFound { command } => write!(f, "`{command}`: command not found"),
            CommandError::Spawn { command, error } => {
                write!(f, "`{command}` could not start: {error}")
            }
            CommandError::TimedOut {
                command,
                after,
                last_stderr,
            } => {
                write!(
                    f,
                    "`{command}` was killed after {:.1}s (deadline)",
                    after.as_secs_f64()
                )?;
                match last_stderr {
                    Some(line) => write!(f, ": {line}"),
                    None => Ok(()),
                }
            }
            CommandError::Failed { command, output } => {
                write!(f, "`{command}` failed with {}", describe(output.status))?;
                match last_line(&output.stderr) {
                    Some(line) => write!(f, ": {line}"),
                    None => Ok(()),
                }
            }
            CommandError::NotRun { reason } => write!(f, "{reason}"),
        }
    }
}

impl std::error::Error for CommandError {}

fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => format!("signal {signal}"),
        (None, None) => "an unknown status".to_string(),
    }
}

/// `text` on one line: control characters (newlines included) become spaces.
fn one_line(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The last non-empty line, one line, at most 200 characters.
fn last_line(text: &str) -> Option<String> {
    text.lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| one_line(l).chars().take(200).collect())
}

/// argv as a person would type it (single quotes where needed), for messages.
pub fn display_argv<S: AsRef<OsStr>>(argv: &[S]) -> String {
    argv.iter()
        .map(|a| {
            let a = a.as_ref().to_string_lossy();
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@%".contains(c));
            match plain {
                true => a.into_owned(),
                false => format!("'{}'", a.replace('\'', "'\\''")),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `argv`; a non-zero exit is an error naming the command, the code and the last stderr line.
pub fn run<S: AsRef<OsStr>>(argv: &[S], deadline: &Deadline) -> Result<Output, CommandError> {
    let output = run_unchecked(argv, deadline)?;
    match output.success() {
        true => Ok(output),
        false => Err(CommandError::Failed {
            command: display_argv(argv),
            output,
        }),
    }
}

/// Runs `argv` and returns its output whatever the exit code (for commands whose code is data).
pub fn run_unchecked<S: AsRef<OsStr>>(
    argv: &[S],
    deadline: &Deadline,
) -> Result<Output, CommandError> {
    run_unchecked_with_env(argv, &[], deadline)
}

/// [`run_unchecked`] with variables set (`Some`) or removed (`None`) in the child's environment,
/// e.g. `OCF_CHECK_LEVEL` for one agent call only.
pub fn run_unchecked_with_env<S: AsRef<OsStr>>(
    argv: &[S],
    env: &[(&str, Option<&str>)],
    deadline: &Deadline,
) -> Result<Output, CommandError> {
    let command = display_argv(argv);
    let Some((program, args)) = argv.split_first() else {
        return Err(CommandError::Spawn {
            command,
            error: std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty argv"),
        });
    };
    let started = Instant::now();
    let mut child = Command::new(program);
    for (name, value) in env {
        match value {
            Some(value) => child.env(name, value),
            None => child.env_remove(name),
        };
    }
    let mut child = child
        .args(args)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => CommandError::NotFound {
                command: command.clone(),
            },
            _ => CommandError::Spawn {
                command: command.clone(),
                error,
            },
        })?;
    let pgid = i32::try_from(child.id()).unwrap_or(0);
    register(pgid);
    let stdout = capture(child.stdout.take());
    let stderr = capture(child.stderr.take());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let waited = match rx.recv_timeout(deadline.remaining()) {
        Ok(result) => Some(result),
        Err(RecvTimeoutError::Timeout) => {
            kill_group(pgid);
            // SIGKILL is immediate unless the process is stuck in the kernel; do not wait on that.
            let _ = rx.recv_timeout(Duration::from_secs(1));
            None
        }
        Err(RecvTimeoutError::Disconnected) => None,
    };
    unregister(pgid);
    let out = stdout.collect();
    let err = stderr.collect();
    match waited {
        Some(Ok(status)) => Ok(Output {
            status,
            stdout: out,
            stderr: err,
            elapsed: started.elapsed(),
        }),
        Some(Err(error)) => Err(CommandError::Spawn { command, error }),
        None => Err(CommandError::TimedOut {
            command,
            after: started.elapsed(),
            last_stderr: last_line(&err),
        }),
    }
}

/// A stream being read on its own thread (so a full pipe never blocks the child).
struct Capture {
    buffer: Arc<Mutex<Vec<u8>>>,
    done: mpsc::Receiver<()>,
}

impl Capture {
    /// What was read, waiting briefly for the end of the stream.
    fn collect(self) -> String {
        let _ = self.done.recv_timeout(PIPE_DRAIN);
        let bytes = self.buffer.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

fn capture<R: Read + Send + 'static>(stream: Option<R>) -> Capture {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let (tx, done) = mpsc::channel();
    let sink = Arc::clone(&buffer);
    std::thread::spawn(move || {
        if let Some(mut stream) = stream {
            let mut chunk = [0u8; 8192];
            while let Ok(n) = stream.read(&mut chunk) {
                let Some(data) = chunk.get(..n).filter(|d| !d.is_empty()) else {
                    break;
                };
                if let Ok(mut b) = sink.lock() {
                    let room = OUTPUT_CAP.saturating_sub(b.len());
                    b.extend_from_slice(data.get(..room.min(data.len())).unwrap_or_default());
                }
            }
        }
        let _ = tx.send(());
    });
    Capture { buffer, done }
}

fn register(pgid: i32) {
    if let Ok(mut running) = RUNNING.lock() {
        running.push(pgid);
    }
}

fn unregister(pgid: i32) {
    if let Ok(mut running) = RUNNING.lock() {
        running.retain(|&p| p != pgid);
    }
}

fn kill_group(pgid: i32) {
    if pgid > 0 {
        // Already gone is fine.
        let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
    }
}

/// Kills the process group of every command still running (the watchdog's last act).
pub fn kill_running() {
    let groups: Vec<i32> = RUNNING.lock().map(|r| r.clone()).unwrap_or_default();
    for pgid in groups {
        kill_group(pgid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn soon() -> Deadline {
        Deadline::after(Duration::from_secs(10))
    }

    #[test]
    fn captures_stdout_and_stderr() {
        let out = run(&["sh", "-c", "echo out; echo err >&2"], &soon()).unwrap();
        assert_eq!(out.stdout, "out\n");
        assert_eq!(out.stderr, "err\n");
        assert_eq!(out.code(), Some(0));
    }

    #[test]
    fn arguments_are_not_interpreted_by_a_shell() {
        let out = run(&["echo", "$HOME; rm -rf /"], &soon()).unwrap();
        assert_eq!(out.stdout, "$HOME; rm -rf /\n");
    }

    #[test]
    fn stdin_is_empty_and_locale_is_c() {
        let out = run(&["sh", "-c", "cat; echo $LC_ALL"], &soon()).unwrap();
        assert_eq!(out.stdout, "C\n");
    }

    #[test]
    fn failure_names_command_code_and_last_stderr_line() {
        let err = run(
            &["sh", "-c", "echo first >&2; echo 'last words' >&2; exit 17"],
            &soon(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "`sh -c 'echo first >&2; echo '\\''last words'\\'' >&2; exit 17'` failed with exit code 17: last words"
        );
        assert_eq!(err.output().unwrap().code(), Some(17));
    }

    #[test]
    fn environment_is_set_and_removed_for_the_child_only() {
        let out = run_unchecked_with_env(
            &["sh", "-c", "echo ${OCF_CHECK_LEVEL:-unset} ${HOME:-unset}"],
            &[("OCF_CHECK_LEVEL", Some("10")), ("HOME", None)],
            &soon(),
        )
        .unwrap();
        assert_eq!(out.stdout, "10 unset\n");
        assert!(std::env::var_os("OCF_CHECK_LEVEL").is_none());
    }

    #[test]
    fn unchecked_run_returns_any_exit_code() {
        let out = run_unchecked(&["sh", "-c", "exit 3"], &soon()).unwrap();
        assert_eq!(out.code(), Some(3));
    }

    #[test]
    fn missing_program_is_not_installed() {
        let err = run(&["/nonexistent/drbdadm", "status"], &soon()).unwrap_err();
        assert!(matches!(err, CommandError::NotFound { .. }));
    }

    #[test]
    fn deadline_kills_the_whole_process_group() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("grandchild-survived");
        let script = format!("(sleep 1; touch {}) & sleep 30", marker.display());
        let started = Instant::now();
        let err = run(
            &["sh", "-c", &script],
            &Deadline::after(Duration::from_millis(300)),
        )
        .unwrap_err();
        assert!(matches!(err, CommandError::TimedOut { .. }), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert!(err.to_string().contains("killed after"));
        std::thread::sleep(Duration::from_millis(1200));
        assert!(
            !marker.exists(),
            "the background grandchild must die with the group"
        );
    }

    #[test]
    fn leftover_background_child_does_not_hold_us() {
        let started = Instant::now();
        let out = run(&["sh", "-c", "sleep 5 & echo done"], &soon()).unwrap();
        assert_eq!(out.stdout, "done\n");
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn display_quotes_only_when_needed() {
        assert_eq!(
            display_argv(&["mount", "-o", "rw,noatime", "/dev/drbd1"]),
            "mount -o rw,noatime /dev/drbd1"
        );
        assert_eq!(display_argv(&["echo", "a b", ""]), "echo 'a b' ''");
    }

    #[test]
    fn empty_argv_is_an_error() {
        let empty: [&str; 0] = [];
        assert!(run(&empty, &soon()).is_err());
    }
}
