//! Ending processes within a deadline, the same way for every agent: SIGTERM once to each
//! process, SIGCONT to a stopped one (a stopped process acts on TERM only once continued),
//! SIGKILL once from `kill_at`, and a failure at `give_up` naming who is left. A process in
//! uninterruptible sleep (state D) is reported: no signal acts on it until it wakes.
//!
//! Each action is logged once, with a count, never once per polling round.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::deadline::Deadline;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// How often the caller's `left` is asked again.
pub const POLL: Duration = Duration::from_millis(100);

/// A process to end, and how to name it in messages (`pid 12 (sleep): cwd`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub pid: u32,
    pub what: String,
}

/// Which signal the current round sends; `left` may name different processes per phase
/// (TERM to a daemon's leader only, KILL to all of its processes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Term,
    Kill,
}

/// When to escalate and when to give up.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub kill_at: Deadline,
    pub give_up: Deadline,
}

impl Schedule {
    /// TERM for `term_share` percent of the time to `give_up`, then KILL.
    pub fn split(give_up: Deadline, term_share: u32) -> Schedule {
        let term = give_up.remaining() * term_share.min(100) / 100;
        Schedule {
            kill_at: Deadline::after(term).within(give_up.remaining()),
            give_up,
        }
    }
}

/// What was done, for the caller's messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub termed: usize,
    pub killed: usize,
    /// Processes found stopped (state T/t) and sent SIGCONT.
    pub continued: Vec<u32>,
    /// Processes seen in uninterruptible sleep (state D).
    pub uninterruptible: Vec<u32>,
    pub elapsed: Duration,
}

impl Report {
    /// `SIGTERM to 2 process(es), SIGKILL to 1` (empty when nothing was sent).
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.termed > 0 {
            parts.push(format!("SIGTERM to {} process(es)", self.termed));
        }
        if self.killed > 0 {
            parts.push(format!("SIGKILL to {}", self.killed));
        }
        if !self.continued.is_empty() {
            parts.push(format!(
                "SIGCONT to {} stopped one(s)",
                self.continued.len()
            ));
        }
        parts.join(", ")
    }
}

/// The run-state letter of `/proc/<pid>/stat` (`R`, `S`, `D`, `T`, `t`, `Z`...).
pub fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    state_of(&stat)
}

/// The state field of a stat line (after the last `)`: the command may contain one).
pub fn state_of(stat: &str) -> Option<char> {
    stat.get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .next()?
        .chars()
        .next()
}

fn send(pid: u32, sig: Signal) {
    if let Ok(raw) = i32::try_from(pid) {
        // Already gone is fine.
        let _ = kill(Pid::from_raw(raw), sig);
    }
}

fn names(targets: &[&Target]) -> String {
    let mut text: Vec<String> = targets.iter().take(5).map(|t| t.what.clone()).collect();
    if targets.len() > 5 {
        text.push(format!("and {} more", targets.len() - 5));
    }
    text.join("; ")
}

/// Ends what `left(phase)` names until it returns `None` (done). `Err` carries who was still
/// there at `give_up`. `log` receives one line per new action (warnings).
pub fn terminate(
    mut left: impl FnMut(Phase) -> Option<Vec<Target>>,
    schedule: Schedule,
    log: &mut dyn FnMut(&str),
) -> Result<Report, (Report, Vec<Target>)> {
    let started = Instant::now();
    let mut report = Report::default();
    let mut sent: BTreeSet<(u32, bool)> = BTreeSet::new();
    loop {
        let phase = match schedule.kill_at.expired() {
            true => Phase::Kill,
            false => Phase::Term,
        };
        let Some(targets) = left(phase) else {
            report.elapsed = started.elapsed();
            return Ok(report);
        };
        if schedule.give_up.expired() {
            report.elapsed = started.elapsed();
            return Err((report, targets));
        }
        let (sig, is_kill) = match phase {
            Phase::Term => (Signal::SIGTERM, false),
            Phase::Kill => (Signal::SIGKILL, true),
        };
        let fresh: Vec<&Target> = targets
            .iter()
            .filter(|t| sent.insert((t.pid, is_kill)))
            .collect();
        if !fresh.is_empty() {
            log(&format!("sending {sig} to {}", names(&fresh)));
        }
        for t in &fresh {
            send(t.pid, sig);
            match is_kill {
                true => report.killed += 1,
                false => report.termed += 1,
            }
        }
        for t in &targets {
            match proc_state(t.pid) {
                Some('T' | 't') => {
                    // After the TERM, so that it is the first thing the process sees.
                    send(t.pid, Signal::SIGCONT);
                    if !report.continued.contains(&t.pid) {
                        report.continued.push(t.pid);
                        log(&format!(
                            "{} was stopped (state T): sent SIGCONT so that it can act on {sig}",
                            t.what
                        ));
                    }
                }
                Some('D') if !report.uninterruptible.contains(&t.pid) => {
                    report.uninterruptible.push(t.pid);
                    log(&format!(
                        "{} is in uninterruptible sleep (state D, waiting in the kernel, \
                         usually on I/O): no signal acts on it until that returns",
                        t.what
                    ));
                }
                _ => {}
            }
        }
        std::thread::sleep(POLL.min(schedule.give_up.remaining()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    #[test]
    fn state_survives_odd_command_names() {
        assert_eq!(state_of("42 (a) b) T 1 2"), Some('T'));
        assert_eq!(state_of("42 (mfsmaster) D 1"), Some('D'));
        assert_eq!(state_of("garbage"), None);
        assert_eq!(state_of("1 ()"), None);
    }

    fn spawn(script: &str) -> std::process::Child {
        match Command::new("sh")
            .args(["-c", script])
            .stdin(Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => panic!("spawn: {e}"),
        }
    }

    /// A SIGSTOPped process that would obey TERM ends by TERM (+CONT), long before KILL time,
    /// and both actions are logged once although many rounds pass.
    #[test]
    fn a_stopped_process_is_continued_and_ends_by_term() {
        let mut child = spawn("exec sleep 30");
        let pid = child.id();
        send(pid, Signal::SIGSTOP);
        let wait_stopped = Deadline::after(Duration::from_secs(2));
        while proc_state(pid) != Some('T') && !wait_stopped.expired() {
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut lines = Vec::new();
        let schedule = Schedule {
            kill_at: Deadline::after(Duration::from_secs(20)),
            give_up: Deadline::after(Duration::from_secs(25)),
        };
        let got = terminate(
            |_| match child.try_wait() {
                Ok(Some(_)) => None,
                _ => Some(vec![Target {
                    pid,
                    what: format!("pid {pid} (sleep)"),
                }]),
            },
            schedule,
            &mut |l| lines.push(l.to_string()),
        );
        let _ = child.kill();
        let _ = child.wait();
        let report = got.unwrap_or_else(|(r, _)| panic!("not ended: {r:?} {lines:?}"));
        assert!(report.elapsed < Duration::from_secs(5), "{report:?}");
        assert_eq!((report.termed, report.killed), (1, 0), "{report:?}");
        assert_eq!(report.continued, vec![pid]);
        let sends = lines.iter().filter(|l| l.starts_with("sending")).count();
        assert_eq!(sends, 1, "{lines:?}");
        assert_eq!(
            lines.iter().filter(|l| l.contains("state T")).count(),
            1,
            "{lines:?}"
        );
    }

    /// TERM is ignored: KILL comes at `kill_at`, once; a survivor is reported at give-up.
    #[test]
    fn a_process_ignoring_term_is_killed_once_at_kill_time() {
        let mut child = spawn("trap '' TERM; while :; do sleep 0.05; done");
        let pid = child.id();
        std::thread::sleep(Duration::from_millis(100));
        let mut lines = Vec::new();
        let schedule = Schedule::split(Deadline::after(Duration::from_secs(3)), 30);
        let got = terminate(
            |_| match child.try_wait() {
                Ok(Some(_)) => None,
                _ => Some(vec![Target {
                    pid,
                    what: format!("pid {pid} (sh)"),
                }]),
            },
            schedule,
            &mut |l| lines.push(l.to_string()),
        );
        let _ = child.kill();
        let _ = child.wait();
        let report = got.unwrap_or_else(|(r, _)| panic!("not ended: {r:?} {lines:?}"));
        assert_eq!((report.termed, report.killed), (1, 1), "{report:?}");
        assert!(report.elapsed >= Duration::from_millis(800), "{report:?}");
        // (A transient state D line may come too under load: count the signal lines.)
        let sends = lines.iter().filter(|l| l.starts_with("sending")).count();
        assert_eq!(sends, 2, "one line per action: {lines:?}");
        let left = terminate(
            |_| {
                Some(vec![Target {
                    pid: 0x7fff_fff0,
                    what: "ghost".into(),
                }])
            },
            Schedule::split(Deadline::after(Duration::from_millis(300)), 50),
            &mut |_| {},
        );
        assert!(matches!(left, Err((_, t)) if t.len() == 1));
    }
}
