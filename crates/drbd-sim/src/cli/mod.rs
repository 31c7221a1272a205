//! Command lines. One binary plays three programs, chosen by the name it was started as:
//! `drbdadm`, `drbdsetup` (or `drbdsetup-84`), and `drbd-sim` (setup and test control).

pub mod adm;
pub mod control;
mod lifecycle;
pub mod setup_cmd;

use crate::device::{Host, RealHost};
use crate::store::{self, Store};
use std::io::Write;
use std::path::Path;

/// What a command printed and its exit code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Output {
    pub fn ok(stdout: impl Into<String>) -> Output {
        Output {
            stdout: stdout.into(),
            stderr: String::new(),
            code: 0,
        }
    }

    pub fn fail(code: i32, stderr: impl Into<String>) -> Output {
        Output {
            stdout: String::new(),
            stderr: stderr.into(),
            code,
        }
    }

    /// Appends another command's output; the exit code becomes the larger one.
    pub fn absorb(&mut self, other: Output) {
        self.stdout.push_str(&other.stdout);
        self.stderr.push_str(&other.stderr);
        self.code = self.code.max(other.code);
    }
}

/// Where a simulated command runs: the state directory, the node it plays, the host.
pub struct Ctx<'a> {
    pub store: &'a Store,
    pub node: String,
    pub host: &'a mut dyn Host,
}

/// Which program `argv[0]` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    Drbdadm,
    Drbdsetup,
    Sim,
}

/// Chooses the program from the basename of `argv[0]`.
pub fn program_of(argv0: &str) -> Program {
    let base = Path::new(argv0)
        .file_name()
        .and_then(|b| b.to_str())
        .unwrap_or(argv0);
    if base == "drbdadm" || base.starts_with("drbdadm-") {
        Program::Drbdadm
    } else if base == "drbdsetup" || base.starts_with("drbdsetup-") {
        Program::Drbdsetup
    } else {
        Program::Sim
    }
}

fn print(out: &Output) {
    let mut so = std::io::stdout().lock();
    let _ = so.write_all(out.stdout.as_bytes());
    let _ = so.flush();
    let mut se = std::io::stderr().lock();
    let _ = se.write_all(out.stderr.as_bytes());
    let _ = se.flush();
}

/// Runs `drbdadm`/`drbdsetup` as `node` against the state directory from the environment.
fn run_tool(program: Program, prog_name: &str, args: &[String]) -> i32 {
    let store = match Store::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{prog_name}: {e:#}");
            return 20;
        }
    };
    let node = match store::node_name() {
        Ok(n) => n,
        Err(e) => {
            eprintln!("{prog_name}: {e:#}");
            return 20;
        }
    };
    let mut host = RealHost;
    let mut ctx = Ctx {
        store: &store,
        node,
        host: &mut host,
    };
    let out = match program {
        Program::Drbdadm => adm::drbdadm(args, &mut ctx),
        _ => {
            if args.first().map(String::as_str) == Some("events2")
                && !args.iter().any(|a| a == "--now")
            {
                return setup_cmd::events2_follow(args, &mut ctx, prog_name);
            }
            setup_cmd::drbdsetup(args, &mut ctx, prog_name)
        }
    };
    print(&out);
    out.code
}

/// The binary's entry point: dispatches on `argv[0]` and returns the exit code.
pub fn main_with_args(argv: Vec<String>) -> i32 {
    let argv0 = argv
        .first()
        .cloned()
        .unwrap_or_else(|| "drbd-sim".to_string());
    let args: Vec<String> = argv.into_iter().skip(1).collect();
    let prog_name = Path::new(&argv0)
        .file_name()
        .and_then(|b| b.to_str())
        .unwrap_or("drbd-sim")
        .to_string();
    match program_of(&argv0) {
        Program::Drbdadm => run_tool(Program::Drbdadm, &prog_name, &args),
        Program::Drbdsetup => run_tool(Program::Drbdsetup, &prog_name, &args),
        Program::Sim => match args.first().map(String::as_str) {
            Some("drbdadm") => run_tool(Program::Drbdadm, "drbdadm", args.get(1..).unwrap_or(&[])),
            Some(name @ ("drbdsetup" | "drbdsetup-84")) => {
                run_tool(Program::Drbdsetup, name, args.get(1..).unwrap_or(&[]))
            }
            _ => {
                let out = control::run(&args);
                print(&out);
                out.code
            }
        },
    }
}

/// A refused state change as drbdsetup prints it: `refused: (code) text`.
pub(crate) fn failure(f: crate::errors::Failure) -> anyhow::Error {
    match f {
        crate::errors::Failure::State(e) => anyhow::anyhow!("refused: ({}) {}", e.code(), e.text()),
        crate::errors::Failure::Config(e) => {
            anyhow::anyhow!("refused: ({}) {}", e.code(), e.text())
        }
    }
}

#[cfg(test)]
mod tests;
