//! `drbd-status`: show, watch or check DRBD state from any status format.
//!
//! Thin glue: parse the command line, load one [`input::Report`], hand it to one renderer,
//! turn the outcome into an exit code. Operator documentation: docs/drbd-status.md.

mod args;
mod input;
mod live;
mod loaded;
mod progress;
mod render_check;
mod render_json;
mod render_table;
#[cfg(test)]
mod testdata;
mod units;
mod watch;

use anyhow::Result;
use args::Args;
use clap::error::ErrorKind;
use clap::Parser;
use input::Source;
use std::io::Write;
use std::process::ExitCode;

/// Exit code of every error outside `--check` (unreadable input, not DRBD, unknown resource).
const EXIT_ERROR: i32 = 2;

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => usage_error(e),
    };
    let code = if args.check {
        run_check(&args)
    } else {
        run(&args).unwrap_or_else(|e| {
            eprintln!("drbd-status: {e:#}");
            EXIT_ERROR
        })
    };
    ExitCode::from(u8::try_from(code).unwrap_or(u8::MAX))
}

/// Help and version go to stdout; a usage error in `--check` mode is still a plugin answer.
fn usage_error(e: clap::Error) -> ! {
    let informational = matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
    if !informational && std::env::args_os().any(|a| a == "--check") {
        let rendered = e.render().to_string();
        let first = rendered.lines().next().unwrap_or("invalid arguments");
        let message = format!("usage: {}", first.trim_start_matches("error: "));
        let answer = render_check::unknown(&message);
        print!("{}", answer.output);
        std::process::exit(answer.exit_code());
    }
    e.exit()
}

/// Show mode: table (default), `--json`, `--raw-json`, or `--watch`.
fn run(args: &Args) -> Result<i32> {
    if args.watch {
        let mut stdout = std::io::stdout().lock();
        return watch::run(args, &mut stdout);
    }
    let loaded = input::load(&Source::from_args(args), args.format)?;
    let mut report = loaded.report;
    if args.raw_json {
        emit(&render_json::raw(&loaded.document)?)?;
    } else {
        if let Some(name) = &args.resource {
            report.select_resource(name)?;
        }
        if args.json {
            emit(&render_json::envelope(&report)?)?;
        } else {
            emit(&render_table::render(&report))?;
        }
    }
    if !args.json {
        for line in render_table::diagnostic_lines(&report) {
            eprintln!("{line}");
        }
    }
    if args.strict && report.is_partial() {
        eprintln!(
            "drbd-status: {}: input incomplete, failing because of --strict",
            report.origin
        );
        return Ok(EXIT_ERROR);
    }
    Ok(0)
}

/// Check mode: every failure is an `DRBD UNKNOWN - …` answer, exit 3.
fn run_check(args: &Args) -> i32 {
    let judged = input::load(&Source::from_args(args), args.format).and_then(|loaded| {
        let mut report = loaded.report;
        if let Some(name) = &args.resource {
            report.select_resource(name)?;
        }
        Ok(render_check::check(&report, args.strict))
    });
    let answer = judged.unwrap_or_else(|e| render_check::unknown(&format!("{e:#}")));
    let _ = emit(&answer.output);
    answer.exit_code()
}

/// Writes to stdout; a reader that went away (`| head`) is not an error.
fn emit(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
