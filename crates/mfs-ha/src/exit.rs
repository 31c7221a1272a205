//! Exit codes shared by every subcommand: a linter's (check, doctor) and a Nagios check's
//! (status --check) conventions agree on 0-3.

use std::process::ExitCode;

/// How a subcommand ended; ordered so that `max` combines findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Nothing to report (Nagios OK).
    Clean = 0,
    /// Only warnings (Nagios WARNING).
    Warnings = 1,
    /// At least one error (Nagios CRITICAL).
    Errors = 2,
    /// The check itself could not run (Nagios UNKNOWN).
    CouldNotCheck = 3,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}
