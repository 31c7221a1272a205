//! `scripts/install.sh` into a scratch root (no root needed): what it installs, that a second
//! run changes nothing, that `--as-ipaddr` keeps heartbeat's IPaddr and `--uninstall` puts it
//! back, and its one-line errors.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A directory with executables named like the agents (the installer only copies them).
fn fake_target(dir: &Path) -> PathBuf {
    let target = dir.join("target");
    fs::create_dir_all(&target).unwrap();
    for bin in ["Initdrbd", "mfsmaster", "VIPaddr", "mfs-ha-watchdog"] {
        let path = target.join(bin);
        fs::write(&path, format!("#!/bin/sh\necho {bin}\n")).unwrap();
        Command::new("chmod")
            .arg("755")
            .arg(&path)
            .status()
            .unwrap();
    }
    target
}

fn install(root: &Path, args: &[&str]) -> Output {
    Command::new("bash")
        .arg(repo().join("scripts/install.sh"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .expect("running scripts/install.sh")
}

/// Every path under `root` with its symlink target or file content, sorted.
fn tree(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            let meta = fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                out.push(format!(
                    "{rel} -> {}",
                    fs::read_link(&path).unwrap().display()
                ));
            } else if meta.is_dir() {
                out.push(format!("{rel}/"));
                dirs.push(path);
            } else {
                out.push(format!(
                    "{rel}: {}",
                    fs::read_to_string(&path).unwrap_or_default()
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn installs_links_for_heartbeat_and_ocf_and_uninstalls_back_to_the_original() {
    let scratch = testbins::scratch("mfsha-install");
    let target = fake_target(scratch.path());
    let root = scratch.path().join("root");
    let rsc = root.join("etc/ha.d/resource.d");
    fs::create_dir_all(&rsc).unwrap();
    fs::write(rsc.join("IPaddr"), "heartbeat's IPaddr\n").unwrap();
    let before = tree(&root);

    let args = ["--target", target.to_str().unwrap(), "--as-ipaddr"];
    let first = install(&root, &args);
    assert!(first.status.success(), "{first:?}");
    let installed = tree(&root);
    for (link, bin) in [
        ("Initdrbd", "Initdrbd"),
        ("mfsmaster", "mfsmaster"),
        ("mfsmetalogger", "mfsmaster"),
        ("mfschunkserver", "mfsmaster"),
        ("mfscgiserv", "mfsmaster"),
        ("VIPaddr", "VIPaddr"),
        ("IPaddr", "VIPaddr"),
    ] {
        let want = format!("etc/ha.d/resource.d/{link} -> /usr/lib/mfs-ha/{bin}");
        assert!(installed.contains(&want), "{want} not in {installed:#?}");
    }
    for link in ["Initdrbd", "mfsmaster", "VIPaddr"] {
        let want = format!("usr/lib/ocf/resource.d/mfs-ha/{link} -> /usr/lib/mfs-ha/{link}");
        assert!(installed.contains(&want), "{want} not in {installed:#?}");
    }
    assert!(installed
        .contains(&"etc/ha.d/resource.d/IPaddr.heartbeat: heartbeat's IPaddr\n".to_string()));
    assert!(installed.contains(&"usr/lib/mfs-ha/VIPaddr: #!/bin/sh\necho VIPaddr\n".to_string()));
    // the watchdog is installed, but is no resource script: nothing links to it
    assert!(installed.contains(
        &"usr/lib/mfs-ha/mfs-ha-watchdog: #!/bin/sh\necho mfs-ha-watchdog\n".to_string()
    ));
    assert!(
        !installed
            .iter()
            .any(|p| p.contains(" -> ") && p.contains("watchdog")),
        "{installed:#?}"
    );

    let second = install(&root, &args);
    assert!(second.status.success(), "{second:?}");
    assert_eq!(tree(&root), installed, "a second install changed something");

    let removed = install(&root, &["--uninstall"]);
    assert!(removed.status.success(), "{removed:?}");
    let after: Vec<String> = tree(&root)
        .into_iter()
        .filter(|p| !p.starts_with("usr/"))
        .collect();
    assert_eq!(after, before, "uninstall did not restore resource.d");
    assert!(!root.join("usr/lib/mfs-ha").exists());
}

#[test]
fn refuses_bad_input_with_one_line() {
    let scratch = testbins::scratch("mfsha-install");
    let empty = scratch.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    for (args, says) in [
        (vec!["--bogus"], "unknown argument '--bogus'"),
        (
            vec!["--target", empty.to_str().unwrap()],
            "Initdrbd is missing or not executable",
        ),
    ] {
        let out = install(scratch.path(), &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let out = install(&scratch.path().join("nonexistent"), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a directory"));
}

/// Fake agents in `dir` that print `label` (so the installed copy tells where it came from).
fn fake_build(dir: &Path, label: &str) {
    fs::create_dir_all(dir).unwrap();
    for bin in ["Initdrbd", "mfsmaster", "VIPaddr", "mfs-ha-watchdog"] {
        let path = dir.join(bin);
        fs::write(&path, format!("#!/bin/sh\necho {label}\n")).unwrap();
        Command::new("chmod")
            .arg("755")
            .arg(&path)
            .status()
            .unwrap();
    }
}

#[test]
fn prefers_the_release_build_even_when_a_debug_build_is_newer() {
    let scratch = testbins::scratch("mfsha-install-pick");
    let cargo_target = scratch.path().join("cargo-target");
    fake_build(&cargo_target.join("release"), "release");
    // A test run builds debug later: it must not win by being newer.
    std::thread::sleep(std::time::Duration::from_millis(20));
    fake_build(&cargo_target.join("debug"), "debug");
    let pick = |root: &Path| {
        fs::create_dir_all(root).unwrap();
        let out = Command::new("bash")
            .arg(repo().join("scripts/install.sh"))
            .arg("--root")
            .arg(root)
            .env("CARGO_TARGET_DIR", &cargo_target)
            .output()
            .expect("running scripts/install.sh");
        assert!(out.status.success(), "{out:?}");
        fs::read_to_string(root.join("usr/lib/mfs-ha/Initdrbd")).unwrap()
    };
    assert_eq!(
        pick(&scratch.path().join("root1")),
        "#!/bin/sh\necho release\n"
    );
    fs::remove_dir_all(cargo_target.join("release")).unwrap();
    assert_eq!(
        pick(&scratch.path().join("root2")),
        "#!/bin/sh\necho debug\n"
    );
    // The static release build (scripts/lib/rust-env.sh) comes first.
    let triple = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    fake_build(&cargo_target.join(triple).join("release"), "static");
    assert_eq!(
        pick(&scratch.path().join("root3")),
        "#!/bin/sh\necho static\n"
    );
}
