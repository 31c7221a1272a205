//! Resource scripts written in shell: the article's traps (`case"$1"in`, a missing `#!`, a
//! sourced file that is not there, no `status`), and the shell's own syntax check (`sh -n`,
//! which parses and executes nothing).

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use heartbeat_config::lint::Diagnostic;
use regex::Regex;

use crate::node::{run, Node};

/// Which shell runs the script: its `#!` line, or (none) ResourceManager's /bin/sh falling back
/// to running the file itself. None for anything that is not a shell script.
pub fn shell_of(text: &str) -> Option<Option<&str>> {
    if text.as_bytes().iter().take(512).any(|&b| b == 0) {
        return None; // a compiled program (our agents, for one)
    }
    let Some(first) = text.lines().next() else {
        return Some(None);
    };
    let Some(interp) = first.strip_prefix("#!") else {
        return Some(None);
    };
    let mut words = interp.split_whitespace();
    let mut prog = words.next().unwrap_or("");
    if prog.ends_with("/env") {
        prog = words.next().unwrap_or("");
    }
    let name = prog.rsplit('/').next().unwrap_or(prog);
    matches!(name, "sh" | "bash" | "dash" | "ksh" | "ash").then_some(Some(prog))
}

fn glued_case() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    // `case"$1"in`, `case $1in`, `case "$1"in`: the word and `in` run together
    R.get_or_init(|| Regex::new(r#"^\s*case(["'$`]\S*|\s+\S*["'}`]in)\s*(#.*)?$"#).unwrap())
}

fn sourced() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"^\s*(?:\.|source)\s+(/[^\s;&|$`]+)\s*(?:$|[;#])").unwrap())
}

fn syntax_line() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    // dash: "FILE: 9: Syntax error: ...", bash: "FILE: line 9: syntax error ..."
    R.get_or_init(|| Regex::new(r"^.*?: (?:line )?(\d+): (.*)$").unwrap())
}

/// Findings about the shell script at the node's path `abs` (text `text`), run by heartbeat as
/// the resource `name`.
pub fn lint(node: &Node, abs: &Path, text: &str, name: &str) -> Vec<Diagnostic> {
    let Some(shell) = shell_of(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if shell.is_none() {
        out.push(Diagnostic::warning(
            "script-shebang",
            Some(1),
            "no #! line: heartbeat's ResourceManager runs it only because its shell falls back to /bin/sh; run directly (by systemd, sudo or a person) it fails with 'Exec format error'".into(),
            "make `#!/bin/sh` the first line".into(),
        ));
    }
    let mut glued = false;
    for (i, line) in text.lines().enumerate() {
        if glued_case().is_match(line) {
            glued = true;
            out.push(Diagnostic::error(
                "script-syntax",
                Some(i + 1),
                format!("`{}`: the case word and `in` are not separated by blanks, so the shell sees a command instead of `case` and stops at the first `)` with a syntax error: start, stop and status of {name} never run", line.trim()),
                "write `case \"$1\" in` (blanks on both sides of the word)".into(),
            ));
        }
        if let Some(c) = sourced().captures(line) {
            let file = &c[1];
            if node.metadata(file).is_err() {
                out.push(Diagnostic::error(
                    "script-source",
                    Some(i + 1),
                    format!("sources {file}, which does not exist on this node: the shell exits there, before any action"),
                    format!("install what provides {file} (on Debian, /lib/lsb/init-functions replaces Red Hat's /etc/rc.d/init.d/functions), or remove the line"),
                ));
            }
        }
    }
    if abs.starts_with("/etc/init.d") {
        if let Some((i, levels)) = boot_levels(text) {
            out.push(Diagnostic::warning(
                "script-boot",
                Some(i + 1),
                format!("{name} is an init script that asks to start at boot (runlevels {levels}): once `chkconfig --add`, `update-rc.d` or a package enables it, it starts outside heartbeat, on both nodes"),
                format!("keep it out of the boot sequence (`chkconfig {name} off`, `update-rc.d -f {name} remove`), or move it to /etc/ha.d/resource.d"),
            ));
        }
    }
    if !text.contains("status") {
        out.push(Diagnostic::warning(
            "script-status",
            None,
            format!("{name} has no `status` action: heartbeat reads whatever it prints as \"stopped\", so it starts it again where it already runs and cannot tell which node holds it"),
            "add a status action that prints `running` (and exits 0) or `stopped` (exit 3), or use mfs-ha's agent of the same name".into(),
        ));
    }
    if !glued {
        out.extend(syntax(node, abs, shell));
    }
    out
}

/// The runlevels an init script's header asks for: `# chkconfig: 345 91 10` or LSB's
/// `# Default-Start: 2 3 4 5`. None when it asks for none (`-`).
fn boot_levels(text: &str) -> Option<(usize, String)> {
    text.lines().enumerate().take(40).find_map(|(i, l)| {
        let l = l.trim_start_matches(['#', ' ', '\t']);
        let levels = if let Some(rest) = l.strip_prefix("chkconfig:") {
            rest.split_whitespace().next()?.to_string()
        } else {
            l.strip_prefix("Default-Start:")?
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        (!levels.is_empty() && levels != "-").then_some((i, levels))
    })
}

/// `sh -n` (or the script's own shell) on the file: syntax errors with their line.
fn syntax(node: &Node, abs: &Path, shell: Option<&str>) -> Vec<Diagnostic> {
    let program = match shell {
        Some(p) if Path::new(p).is_absolute() && Path::new(p).exists() => p.to_string(),
        Some(p) if p.ends_with("bash") => "/bin/bash".into(),
        _ => "/bin/sh".into(),
    };
    let file = node.real(abs).display().to_string();
    let argv = vec![program.clone(), "-n".into(), file];
    let env = vec![(
        "PATH".to_string(),
        "/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
    )];
    let Ok(ran) = run::run(&argv, &env, Duration::from_secs(5)) else {
        return Vec::new();
    };
    if ran.code == Some(0) {
        return Vec::new();
    }
    let mut out: Vec<Diagnostic> = ran
        .stderr
        .lines()
        .filter_map(|l| syntax_line().captures(l))
        .map(|c| {
            Diagnostic::error(
                "script-syntax",
                c[1].parse().ok(),
                format!("shell syntax error ({program} -n): {}: the script exits with status 2 before doing anything", c[2].trim()),
                "fix the syntax; `sh -n FILE` must print nothing".into(),
            )
        })
        .collect();
    out.truncate(3);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glued_case_forms() {
        for bad in ["case\"$1\"in", "case \"$1\"in", "case '$1'in # x"] {
            assert!(glued_case().is_match(bad), "{bad}");
        }
        for good in [
            "case \"$1\" in",
            "case $1 in",
            "  cases=1",
            "# case\"$1\"in",
        ] {
            assert!(!glued_case().is_match(good), "{good}");
        }
    }

    #[test]
    fn boot_headers() {
        assert_eq!(
            boot_levels("# chkconfig: 345 91 10\n"),
            Some((0, "345".into()))
        );
        assert_eq!(
            boot_levels("#!/bin/sh\n### BEGIN INIT INFO\n# Default-Start:     2 3 4 5\n"),
            Some((2, "2 3 4 5".into()))
        );
        assert_eq!(boot_levels("# chkconfig: - 91 10\n"), None);
        assert_eq!(boot_levels("#!/bin/sh\n"), None);
    }

    #[test]
    fn shells_and_programs() {
        assert_eq!(shell_of("#!/bin/sh\n"), Some(Some("/bin/sh")));
        assert_eq!(shell_of("#!/usr/bin/env bash\n"), Some(Some("bash")));
        assert_eq!(shell_of("# chkconfig: 345 91 10\n"), Some(None));
        assert_eq!(shell_of("#!/usr/bin/python3\n"), None);
        assert_eq!(shell_of("\x7fELF\0\0"), None);
    }
}
