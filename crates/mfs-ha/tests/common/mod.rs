//! Trees that stand for a node's files (`--root`), the article's and the examples', and
//! running `mfs-ha` on them.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/article")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A node's file tree in a temporary directory, removed when dropped.
pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    pub fn new() -> Tree {
        let dir = testbins::scratch("mfs-ha-test");
        Tree { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The tree's file for the node's path `abs`.
    pub fn path(&self, abs: &str) -> PathBuf {
        self.root().join(abs.trim_start_matches('/'))
    }

    pub fn write(&self, abs: &str, text: &str, mode: u32) -> &Tree {
        let p = self.path(abs);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        self
    }

    pub fn remove(&self, abs: &str) -> &Tree {
        std::fs::remove_file(self.path(abs)).unwrap();
        self
    }

    pub fn symlink(&self, target: &str, abs: &str) -> &Tree {
        let p = self.path(abs);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let _ = std::fs::remove_file(&p);
        std::os::unix::fs::symlink(target, &p).unwrap();
        self
    }

    /// What every node has: its name, the mfs user (the article's `useradd -u 1000`), hosts.
    pub fn base(&self, hostname: &str, mfs_uid: u32, mfs_gid: u32) -> &Tree {
        self.write("/etc/hostname", &format!("{hostname}\n"), 0o644)
            .write(
                "/etc/passwd",
                &format!("root:x:0:0:root:/root:/bin/bash\nmfs:x:{mfs_uid}:{mfs_gid}::/home/mfs:/sbin/nologin\n"),
                0o644,
            )
            .write("/etc/group", &format!("root:x:0:\nmfs:x:{mfs_gid}:\n"), 0o644)
            .write(
                "/etc/hosts",
                "127.0.0.1 localhost\n192.168.8.200 mfs-master ha01\n192.168.8.201 mfs-bak ha02\n",
                0o644,
            )
            .write("/etc/ha.d/authkeys", "auth 1\n1 sha1 article-secret\n", 0o600)
            .write("/dev/sdb", "", 0o644)
    }
}

/// The article's mfs-master, files verbatim (tests/fixtures/article/README.md).
pub fn article_tree() -> Tree {
    let t = Tree::new();
    t.base("mfs-master", 1000, 1000)
        .write("/etc/ha.d/ha.cf", &fixture("ha.cf"), 0o644)
        .write("/etc/ha.d/haresources", &fixture("haresources"), 0o644)
        .write("/etc/ha.d/resource.d/Initdrbd", &fixture("Initdrbd"), 0o755)
        .write("/etc/init.d/mfsmaster", &fixture("init.d-mfsmaster"), 0o755)
        .write("/etc/drbd.conf", &fixture("drbd.conf"), 0o644)
        // heartbeat's IPaddr, as installed (it sources hto-mapfuncs)
        .write(
            "/etc/ha.d/resource.d/IPaddr",
            "#!/bin/sh\n. /etc/ha.d/resource.d//hto-mapfuncs\ncase \"$2\" in\n  status) echo \"Running OK\";;\nesac\n",
            0o755,
        )
        .write("/etc/ha.d/resource.d/hto-mapfuncs", "# heartbeat's helpers\n", 0o644)
        // what the CentOS system of the article provides to the scripts
        .write("/etc/ha.d/shellfuncs", "# heartbeat's shell functions\n", 0o644)
        .write("/etc/rc.d/init.d/functions", "# Red Hat's init functions\n", 0o644)
        .write("/etc/sysconfig/network", "NETWORKING=yes\n", 0o644)
        .write("/usr/local/mfs/etc/mfsmaster.cfg", "# WORKING_USER = mfs\n# DATA_PATH = /usr/local/mfs/var/mfs\n", 0o644)
        .write("/usr/local/mfs/etc/mfsmetalogger.cfg", &fixture("mfsmetalogger.cfg"), 0o644)
        .write("/usr/local/mfs/etc/mfschunkserver.cfg", &fixture("mfschunkserver.cfg"), 0o644);
    t
}

/// The directory holding the built agents and watchdog (scripts/install.sh installs both;
/// built before the tests, see `testbins`).
pub fn agents_target() -> PathBuf {
    testbins::dir_with(&["Initdrbd", "mfsmaster", "VIPaddr", "mfs-ha-watchdog"])
}

/// ha.d-examples/ installed into a tree with the agents (scripts/install.sh --as-ipaddr).
pub fn examples_tree(hostname: &str) -> Tree {
    let t = Tree::new();
    let ex = |f: &str| std::fs::read_to_string(repo().join("ha.d-examples").join(f)).unwrap();
    t.base(hostname, 1000, 1000)
        .write("/etc/ha.d/ha.cf", &ex("ha.cf"), 0o644)
        .write("/etc/ha.d/haresources", &ex("haresources"), 0o644)
        .write("/etc/drbd.conf", &ex("drbd.conf"), 0o644);
    let out = Command::new("bash")
        .arg(repo().join("scripts/install.sh"))
        .arg("--root")
        .arg(t.root())
        .arg("--target")
        .arg(agents_target())
        .arg("--as-ipaddr")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "install.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    t
}

pub fn mfs_ha(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mfs-ha"))
        .args(args)
        .env_remove("OCF_RESOURCE_INSTANCE")
        .output()
        .expect("running mfs-ha")
}

/// `mfs-ha check --root TREE [extra] --json`: the exit code and the findings.
pub fn check_json(tree: &Tree, extra: &[&str]) -> (i32, Vec<Value>, Value) {
    let root = tree.root().to_str().unwrap().to_string();
    let mut args = vec!["check", "--json", "--root", root.as_str()];
    args.extend_from_slice(extra);
    let out = mfs_ha(&args);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let findings = v["findings"].as_array().cloned().unwrap_or_default();
    (out.status.code().unwrap_or(-1), findings, v)
}

/// The text lines of `mfs-ha check --root TREE [extra]` and its exit code.
pub fn check_text(tree: &Tree, extra: &[&str]) -> (i32, String) {
    let root = tree.root().to_str().unwrap().to_string();
    let mut args = vec!["check", "--root", root.as_str()];
    args.extend_from_slice(extra);
    let out = mfs_ha(&args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The finding in `file` (a suffix of its path) at `line` with `code`, or a panic listing all.
pub fn find<'a>(findings: &'a [Value], file: &str, line: Option<u64>, code: &str) -> &'a Value {
    findings
        .iter()
        .find(|f| {
            f["file"].as_str().is_some_and(|p| p.ends_with(file))
                && f["line"].as_u64() == line
                && f["code"] == code
        })
        .unwrap_or_else(|| panic!("no {code} at {file}:{line:?} in {findings:#?}"))
}

/// The flight records and ha.log of a real lab run (crash of mfs-master, then failback).
pub fn lab_run_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lab-crash-failback")
}

/// An /etc/ha.d with `ha_cf` and the article's group on a documentation address, in a fresh
/// temporary directory named after `what`.
pub fn ha_dir(what: &str, ha_cf: &str) -> tempfile::TempDir {
    let dir = testbins::scratch(&format!("mfsha-{what}"));
    std::fs::write(dir.path().join("ha.cf"), ha_cf).unwrap();
    std::fs::write(
        dir.path().join("haresources"),
        "mfs-master Initdrbd mfsmaster 192.0.2.210\n",
    )
    .unwrap();
    dir
}

/// Asserts that a finding's `key` (`what`, `fix`, ...) contains `text`.
pub fn says(finding: &Value, key: &str, text: &str) {
    let said = finding[key].as_str().unwrap_or_default();
    assert!(said.contains(text), "{key} lacks {text:?}: {finding:#}");
}
