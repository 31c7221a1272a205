//! `--watch`: redraw the table with progress bars until Ctrl-C, `--count` or end of stdin.
//!
//! A file or the live system is read again at every interval. Stdin cannot be read twice, so
//! it is read as a stream (e.g. `drbdsetup events2 | drbd-status --watch -`): everything
//! received so far is parsed again whenever new complete lines arrived, and end of input stops.

use crate::args::Args;
use crate::input::{self, Report, Source};
use crate::{progress, render_table, units};
use anyhow::{bail, Result};
use std::io::{IsTerminal, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// ANSI: cursor home, clear screen. Written only when stdout is a terminal.
const CLEAR: &str = "\x1b[H\x1b[2J";
/// How often waits look at the Ctrl-C flag.
const TICK: Duration = Duration::from_millis(100);
/// A stdin stream beyond this is refused rather than kept in memory.
const MAX_STREAM: usize = 256 * 1024 * 1024;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Ctrl-C and SIGTERM end the watch between two frames instead of killing the process.
fn stop_on_signals() {
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Settings of one watch, taken from the command line.
struct Watch<'a> {
    args: &'a Args,
    out: &'a mut dyn Write,
    tty: bool,
    frames: u64,
}

/// Runs the watch loop; returns the exit code (0 when stopped by Ctrl-C, `--count` or EOF).
pub fn run(args: &Args, out: &mut dyn Write) -> Result<i32> {
    stop_on_signals();
    let mut watch = Watch {
        args,
        out,
        tty: std::io::stdout().is_terminal(),
        frames: 0,
    };
    let source = Source::from_args(args);
    match source {
        Source::Stdin => watch.stream(std::io::stdin()),
        _ => watch.poll(&source),
    }
}

impl Watch<'_> {
    /// Re-reads a file or the live system every interval.
    fn poll(&mut self, source: &Source) -> Result<i32> {
        loop {
            let report = select(
                input::load(source, self.args.format).map(|l| l.report),
                self.args,
            );
            if self.frames == 0 {
                // Nothing shown yet: a missing file or garbage is a plain error.
                if let Err(e) = report {
                    return Err(e);
                }
            }
            if !self.draw(&report)? || self.done() || self.sleep(self.args.interval) {
                return Ok(0);
            }
        }
    }

    /// Parses stdin as it arrives; redraws at most once per interval, stops at end of input.
    fn stream(&mut self, reader: impl Read + Send + 'static) -> Result<i32> {
        let chunks = read_in_background(reader);
        let mut buf: Vec<u8> = Vec::new();
        let mut fresh = false;
        let mut eof = false;
        let mut next_draw = Instant::now();
        let mut last: Option<Result<Report>> = None;
        loop {
            if interrupted() {
                return Ok(0);
            }
            let wait = if fresh && complete_lines(&buf).is_some() {
                let until_due = next_draw.saturating_duration_since(Instant::now());
                until_due.clamp(Duration::from_millis(1), TICK)
            } else {
                TICK
            };
            match chunks.recv_timeout(wait) {
                Ok(chunk) => {
                    buf.extend_from_slice(&chunk);
                    fresh = true;
                    if buf.len() > MAX_STREAM {
                        bail!("stdin: more than {} MiB of input", MAX_STREAM >> 20);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => eof = true,
                Err(RecvTimeoutError::Timeout) => {}
            }
            let due = Instant::now() >= next_draw;
            let complete = if eof {
                Some(buf.len())
            } else {
                complete_lines(&buf)
            };
            if let (true, true, Some(len)) = (fresh, due || eof, complete) {
                let parsed = input::parse_bytes("stdin".into(), &buf[..len], self.args.format);
                let report = select(parsed.map(|l| l.report), self.args);
                let go_on = self.draw(&report)?;
                last = Some(report);
                fresh = false;
                next_draw = Instant::now() + self.args.interval;
                if !go_on || self.done() {
                    return Ok(0);
                }
            }
            if eof {
                return match last {
                    Some(Err(e)) => Err(e),
                    None => bail!("stdin: empty input"),
                    Some(Ok(_)) => Ok(0),
                };
            }
        }
    }

    /// Writes one frame; false when stdout is gone (reader quit), which ends the watch quietly.
    fn draw(&mut self, report: &Result<Report>) -> Result<bool> {
        self.frames += 1;
        let frame = frame(report, self.frames, self.args.interval);
        let prefix = match (self.tty, self.frames) {
            (true, _) => CLEAR.to_string(),
            (false, 1) => String::new(),
            (false, _) => format!("{}\n", "-".repeat(72)),
        };
        match write!(self.out, "{prefix}{frame}").and_then(|_| self.out.flush()) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    fn done(&self) -> bool {
        self.args.count.is_some_and(|n| self.frames >= n) || interrupted()
    }

    /// Sleeps in ticks; true when Ctrl-C came meanwhile.
    fn sleep(&self, total: Duration) -> bool {
        let until = Instant::now() + total;
        while Instant::now() < until {
            if interrupted() {
                return true;
            }
            std::thread::sleep(until.saturating_duration_since(Instant::now()).min(TICK));
        }
        interrupted()
    }
}

/// Applies `--resource` to a freshly read report.
fn select(report: Result<Report>, args: &Args) -> Result<Report> {
    let mut report = report?;
    if let Some(name) = &args.resource {
        report.select_resource(name)?;
    }
    Ok(report)
}

/// Header, table with progress bars and verdict, then the input's diagnostics.
pub fn frame(report: &Result<Report>, number: u64, interval: Duration) -> String {
    let every = units::plain_number(interval.as_secs_f64());
    match report {
        Ok(report) => {
            let mut out = format!("Every {every}s: {} (update {number})\n\n", report.origin);
            out.push_str(&render_table::render_with(
                report,
                &progress::lines(&report.status),
            ));
            for d in &report.diagnostics {
                out.push_str(&format!("{d}\n"));
            }
            out
        }
        Err(e) => format!("Every {every}s (update {number})\n\nerror: {e:#}\n"),
    }
}

/// Length of `buf` up to and including its last newline (a stream may stop mid-line).
fn complete_lines(buf: &[u8]) -> Option<usize> {
    buf.iter().rposition(|&b| b == b'\n').map(|i| i + 1)
}

fn read_in_background(mut reader: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    if tx.send(chunk[..n].to_vec()).is_err() {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    });
    rx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::*;

    #[test]
    fn frame_has_header_table_progress_and_verdict() {
        let r = report(status(vec![connected_primary(), sync_target()]), vec![]);
        let text = frame(&Ok(r), 3, Duration::from_millis(500));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Every 0.5s: /proc/drbd (update 3)");
        assert_eq!(lines[1], "");
        assert!(lines[2].starts_with("RESOURCE  ROLE"));
        assert_eq!(
            lines[5],
            "minor-1/peer/0 SyncTarget [=====>..............] 34.5% ETA 0:03:56 at 2.8 MiB/s"
        );
        assert_eq!(lines[6], "health: WARNING");
    }

    #[test]
    fn error_frame_keeps_the_watch_going() {
        let text = frame(&Err(anyhow::anyhow!("x: gone")), 2, Duration::from_secs(2));
        assert_eq!(text, "Every 2s (update 2)\n\nerror: x: gone\n");
    }

    #[test]
    fn only_complete_lines_are_parsed_mid_stream() {
        assert_eq!(complete_lines(b"exists -\nchange res"), Some(9));
        assert_eq!(complete_lines(b"partial"), None);
    }
}
