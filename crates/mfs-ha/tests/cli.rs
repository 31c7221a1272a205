//! The command's contract that every subcommand shares.

use assert_cmd::Command;

fn mfs_ha() -> Command {
    Command::cargo_bin("mfs-ha").unwrap()
}

#[test]
fn help_exits_0_and_lists_every_subcommand() {
    let out = mfs_ha().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for sub in ["check", "plan", "doctor", "status", "timeline", "metrics"] {
        assert!(text.contains(sub), "{sub} missing from --help:\n{text}");
    }
}

#[test]
fn a_usage_error_is_could_not_check_not_errors_found() {
    let out = mfs_ha().arg("no-such-subcommand").output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(!out.stderr.is_empty());
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    use std::process::{Command as Std, Stdio};
    // An empty tree gives many findings; the reader is gone before the first one is printed.
    let root = tempfile::tempdir().unwrap();
    let mut child = Std::new(env!("CARGO_BIN_EXE_mfs-ha"))
        .args(["check", "--no-agents", "--node", "a", "--root"])
        .arg(root.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
