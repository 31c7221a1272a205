//! The live system: `/proc/drbd`, and `drbdsetup status --json` where `/proc/drbd` cannot tell.

use crate::args::InputFormat;
use crate::loaded::{parse_bytes, Loaded};
use anyhow::{anyhow, bail, Context, Result};
use drbd_status::{Diagnostic, Status};
use hostops::command::{self, CommandError};
use hostops::Deadline;
use std::ffi::OsStr;
use std::io::ErrorKind;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Options {
    pub proc_path: PathBuf,
    pub drbdsetup: PathBuf,
    pub timeout: Duration,
    /// `--format proc` reads only /proc/drbd, `--format json` only runs drbdsetup.
    pub format: Option<InputFormat>,
}

/// Reads /proc/drbd; falls back to drbdsetup when it is missing or is DRBD 9 header-only.
pub fn load(options: &Options) -> Result<Loaded> {
    match options.format {
        Some(InputFormat::Json) => return drbdsetup_status(options),
        Some(InputFormat::Text | InputFormat::Events2) => bail!(
            "--format text/events2 needs FILE: the live system is read from {} or \
             `drbdsetup status --json` (try `drbdadm status | drbd-status -`)",
            options.proc_path.display()
        ),
        Some(InputFormat::Proc) | None => {}
    }
    let proc_origin = options.proc_path.display().to_string();
    let only_proc = options.format == Some(InputFormat::Proc);
    match std::fs::read(&options.proc_path) {
        Ok(bytes) => {
            let loaded = parse_bytes(proc_origin.clone(), &bytes, Some(InputFormat::Proc))?;
            if only_proc || !needs_drbdsetup(&loaded.report.status) {
                return Ok(loaded);
            }
            drbdsetup_status(options)
                .with_context(|| format!("{proc_origin} has no device state (DRBD 9)"))
        }
        Err(e) if e.kind() == ErrorKind::NotFound && !only_proc => drbdsetup_status(options)
            .with_context(|| format!("{proc_origin} not found (is the drbd module loaded?)")),
        Err(e) => Err(e).context(proc_origin),
    }
}

/// DRBD 9 prints only its version into /proc/drbd: the state must come from drbdsetup.
pub fn needs_drbdsetup(proc_status: &Status) -> bool {
    !proc_status.has_device_info
}

/// Runs `drbdsetup status --json` and parses its output.
fn drbdsetup_status(options: &Options) -> Result<Loaded> {
    let origin = format!("{} status --json", options.drbdsetup.display());
    let output = run_with_deadline(&options.drbdsetup, ["status", "--json"], options.timeout)
        .with_context(|| origin.clone())?;
    let mut loaded = parse_bytes(origin, &output.stdout, Some(InputFormat::Json))?;
    if let Some(said) = quote_stderr(&output.stderr) {
        let note = format!("drbdsetup wrote to stderr: {said}");
        loaded
            .report
            .diagnostics
            .push(Diagnostic::warning(None, note));
    }
    Ok(loaded)
}

/// What a finished command printed.
#[derive(Debug)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs `program args…` through the host layer's runner (no shell, the whole process group
/// killed at the deadline). A non-zero exit, a signal or the deadline are errors that quote
/// the command's stderr.
pub fn run_with_deadline<I, S>(program: &Path, args: I, timeout: Duration) -> Result<Output>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut argv = vec![program.as_os_str().to_os_string()];
    argv.extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
    let quoted = |stderr: &str| {
        quote_stderr(stderr.as_bytes())
            .map(|s| format!(": {s}"))
            .unwrap_or_default()
    };
    match command::run_unchecked(&argv, &Deadline::after(timeout)) {
        Ok(out) if out.success() => Ok(Output {
            stdout: out.stdout.into_bytes(),
            stderr: out.stderr.into_bytes(),
        }),
        Ok(out) => bail!("{}{}", describe_failure(out.status), quoted(&out.stderr)),
        Err(CommandError::NotFound { .. }) => bail!(
            "{} not found (install drbd-utils or pass --drbdsetup PATH)",
            program.display()
        ),
        Err(CommandError::TimedOut { last_stderr, .. }) => bail!(
            "did not finish within {}s and was killed{}",
            timeout.as_secs_f64(),
            quoted(last_stderr.as_deref().unwrap_or_default())
        ),
        Err(
            e @ (CommandError::Spawn { .. }
            | CommandError::Failed { .. }
            | CommandError::NotRun { .. }),
        ) => Err(anyhow!("cannot run {}: {e}", program.display())),
    }
}

fn describe_failure(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => format!("was killed by signal {signal}"),
        (None, None) => format!("failed ({status})"),
    }
}

/// Stderr as one quoted line: lines trimmed and joined with ` / `, cut at 300 characters.
fn quote_stderr(stderr: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(stderr);
    let joined = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" / ");
    if joined.is_empty() {
        return None;
    }
    let mut quoted: String = joined.chars().take(300).collect();
    if quoted.len() < joined.len() {
        quoted.push('…');
    }
    Some(format!("\"{quoted}\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use drbd_status::Format;
    use std::time::Instant;

    fn sh(script: &str, timeout: Duration) -> Result<Output> {
        run_with_deadline(&PathBuf::from("/bin/sh"), ["-c", script], timeout)
    }

    fn status(format: Format, has_device_info: bool) -> Status {
        Status {
            format,
            drbd_version: Some("9.2.12".into()),
            has_device_info,
            resources: vec![],
        }
    }

    #[test]
    fn header_only_proc_needs_drbdsetup() {
        assert!(needs_drbdsetup(&status(Format::ProcDrbd9, false)));
        assert!(!needs_drbdsetup(&status(Format::ProcDrbd8, true)));
    }

    #[test]
    fn command_output_is_captured() {
        let out = sh("printf '[]'; echo note >&2", Duration::from_secs(5)).unwrap();
        assert_eq!(out.stdout, b"[]");
        assert_eq!(quote_stderr(&out.stderr).as_deref(), Some("\"note\""));
    }

    #[test]
    fn failure_quotes_stderr_on_one_line() {
        let err = sh(
            "echo 'Could not connect to drbd' >&2; echo 'hint' >&2; exit 20",
            Duration::from_secs(5),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "exited with status 20: \"Could not connect to drbd / hint\""
        );
    }

    #[test]
    fn deadline_kills_the_whole_process_group() {
        let started = Instant::now();
        let err = sh(
            "echo slow >&2; sleep 30; echo never",
            Duration::from_millis(300),
        )
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(
            err.to_string(),
            "did not finish within 0.3s and was killed: \"slow\""
        );
    }

    #[test]
    fn missing_program_says_how_to_fix() {
        let missing = PathBuf::from("/nonexistent/drbdsetup");
        let err = run_with_deadline(&missing, ["status"], Duration::from_secs(1)).unwrap_err();
        assert!(err.to_string().contains("not found (install drbd-utils"));
    }

    #[test]
    fn missing_proc_falls_back_to_drbdsetup() {
        let options = Options {
            proc_path: PathBuf::from("/nonexistent/proc-drbd"),
            drbdsetup: PathBuf::from("/nonexistent/drbdsetup"),
            timeout: Duration::from_secs(1),
            format: None,
        };
        let msg = format!("{:#}", load(&options).unwrap_err());
        assert!(
            msg.starts_with("/nonexistent/proc-drbd not found (is the drbd module loaded?): "),
            "{msg}"
        );
        assert!(
            msg.contains("/nonexistent/drbdsetup status --json: "),
            "{msg}"
        );
    }

    #[test]
    fn forced_proc_format_does_not_run_drbdsetup() {
        let options = Options {
            proc_path: PathBuf::from("/nonexistent/proc-drbd"),
            drbdsetup: PathBuf::from("/nonexistent/drbdsetup"),
            timeout: Duration::from_secs(1),
            format: Some(InputFormat::Proc),
        };
        let msg = format!("{:#}", load(&options).unwrap_err());
        assert!(msg.starts_with("/nonexistent/proc-drbd: "), "{msg}");
        assert!(!msg.contains("drbdsetup"), "{msg}");
    }

    #[test]
    fn long_stderr_is_cut() {
        let quoted = quote_stderr("x".repeat(1000).as_bytes()).unwrap();
        assert_eq!(quoted.chars().count(), 303);
        assert_eq!(quote_stderr(b" \n\n"), None);
    }
}
