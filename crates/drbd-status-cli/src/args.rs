//! Command line of `drbd-status`: declared once here, so `--help` and parsing cannot drift apart.

use clap::{Parser, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

const ABOUT: &str = "Show, watch or check the state of DRBD resources.";

const LONG_ABOUT: &str = "\
Show, watch or check the state of DRBD resources.

Reads any DRBD status format and prints one table: /proc/drbd (DRBD 8.0-8.4 and 9),
`drbdadm status` / `drbdsetup status` text, `drbdsetup status --json` and
`drbdsetup events2` lines. The format is recognised from the content.

Without FILE it reads the running system: /proc/drbd, and when that is missing or
carries no device state (DRBD 9) the output of `drbdsetup status --json`.";

const AFTER_HELP: &str = "\
Examples:
  drbd-status                          state of this machine
  drbd-status --watch                  redraw every 2 s, with resync progress bars
  drbd-status --check --resource r0    Nagios/Icinga check for one resource
  drbdadm status | drbd-status -       read the text status from stdin
  drbd-status --json saved-proc-drbd.txt

Exit status: 0 shown; 2 error (unreadable input, not a DRBD status, unknown resource).
With --check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (monitoring plugin API).";

/// The input formats `--format` can force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// /proc/drbd (DRBD 8.x, or DRBD 9 header only)
    Proc,
    /// `drbdadm status` / `drbdsetup status` text
    Text,
    /// `drbdsetup status --json`
    Json,
    /// `drbdsetup events2` lines
    Events2,
}

#[derive(Debug, Parser)]
#[command(
    name = "drbd-status",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP
)]
pub struct Args {
    /// Status to read: a file, or `-` for stdin. Without it: this machine's live state.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Read FILE as this format instead of recognising it.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<InputFormat>,

    /// Monitoring plugin mode: one line `DRBD <LEVEL> - <summary> | <perfdata>`, exit 0-3.
    #[arg(long, conflicts_with_all = ["json", "raw_json", "watch"])]
    pub check: bool,

    /// Print {"status", "health", "diagnostics"} as JSON (see docs/drbd-status-json.md).
    #[arg(long, conflicts_with_all = ["raw_json", "watch"])]
    pub json: bool,

    /// Print the input's own lossless document as JSON (every raw value of its format).
    #[arg(long, conflicts_with_all = ["watch", "resource"])]
    pub raw_json: bool,

    /// Show only this resource (DRBD 8.x minors are named `minor-N`).
    #[arg(long, short = 'r', value_name = "NAME")]
    pub resource: Option<String>,

    /// Redraw the table every --interval seconds until Ctrl-C (or end of stdin).
    #[arg(long, short = 'w')]
    pub watch: bool,

    /// Seconds between redraws in --watch mode.
    #[arg(long, value_name = "SECS", default_value = "2", value_parser = positive_seconds, requires = "watch")]
    pub interval: Duration,

    /// Stop --watch after N redraws.
    #[arg(long, value_name = "N", requires = "watch", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,

    /// Fail (exit 2; UNKNOWN with --check) when parts of the input could not be read.
    #[arg(long, conflicts_with = "watch")]
    pub strict: bool,

    /// /proc/drbd to read in live mode.
    #[arg(
        long = "proc",
        value_name = "PATH",
        env = "DRBD_STATUS_PROC",
        default_value = "/proc/drbd"
    )]
    pub proc_path: PathBuf,

    /// drbdsetup to run in live mode when /proc/drbd has no device state.
    #[arg(long, value_name = "PATH", default_value = "drbdsetup")]
    pub drbdsetup: PathBuf,

    /// Seconds drbdsetup may take before it is killed.
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = positive_seconds)]
    pub timeout: Duration,
}

fn positive_seconds(raw: &str) -> Result<Duration, String> {
    let secs: f64 = raw
        .parse()
        .map_err(|_| format!("'{raw}' is not a number of seconds"))?;
    if !(secs > 0.0 && secs <= 86_400.0) {
        return Err(format!("'{raw}' must be between 0 and 86400 seconds"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_definition_is_consistent() {
        Args::command().debug_assert();
    }

    /// packaging/man/drbd-status.1 is generated from this definition (clap_mangen), so it says
    /// what --help says; `MFS_HA_UPDATE_DOCS=1` rewrites it.
    #[test]
    fn manual_page_is_up_to_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../packaging/man/drbd-status.1");
        let page = manpages::clap_page(Args::command(), "1");
        assert_eq!(
            page.and_then(|p| manpages::check_generated(&path, &p)),
            Ok(())
        );
    }

    #[test]
    fn seconds_accept_fractions_and_refuse_zero() {
        assert_eq!(positive_seconds("0.5"), Ok(Duration::from_millis(500)));
        assert!(positive_seconds("0").is_err());
        assert!(positive_seconds("-1").is_err());
        assert!(positive_seconds("soon").is_err());
    }

    #[test]
    fn check_and_json_exclude_each_other() {
        assert!(Args::try_parse_from(["drbd-status", "--check", "--json"]).is_err());
        assert!(Args::try_parse_from(["drbd-status", "--count", "2"]).is_err());
        let args = Args::try_parse_from(["drbd-status", "--watch", "--count", "2", "-"]).unwrap();
        assert_eq!(args.count, Some(2));
    }
}
