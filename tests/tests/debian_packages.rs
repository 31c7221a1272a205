//! The Debian packages end to end (root): `scripts/packaging/build-deb.sh --no-build --lintian`
//! packages the static release build that `scripts/test-all.sh` made before the tests (a test
//! never runs cargo) into mfs-ha and mfs-ha-ipaddr (lintian must report no error or warning), a
//! second packaging with a higher version stands for an upgrade, then `tests/deb/installed-packages.sh` installs, checks,
//! upgrades, diverts and purges them inside an unshared mount and network namespace whose
//! /etc, /usr, /var and /run are overlays: the host (and every test running beside this one)
//! keeps its own dpkg database and heartbeat's IPaddr, which this test compares afterwards.
//! Last, the failover lab runs on the packages (`tests/deb/lab-with-packages.sh`, which installs
//! them the same private way and runs `scripts/lab.sh demo --installed --failback`).
//! Under `CI=true` a missing tool is a failure, otherwise the test skips with a message.

use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Packaging the prebuilt binaries (dbgsym, lintian) takes about a minute.
const BUILD_DEADLINE: Duration = Duration::from_secs(600);
/// The installed-package checks take about 25 s; the lab with failback about 50 s.
const CHECK_DEADLINE: Duration = Duration::from_secs(300);

/// The checks installed-packages.sh reports, in order (a part of each line).
const CHECKS: [&str; 12] = [
    "private root",
    "no maintainer script starts or stops a service",
    "preinst refuses",
    "installed:",
    "meta-data of every installed agent",
    "mfs-ha and drbd-status on PATH",
    "manual pages render without warnings",
    "Heartbeat status",
    "upgrade",
    "mfs-ha-ipaddr (install, remove)",
    "mfs-ha-ipaddr (install, upgrade, remove)",
    "purge",
];

const IPADDR: &str = "/etc/ha.d/resource.d/IPaddr";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// What the test needs from the machine; None when everything is there.
fn missing_prerequisite() -> Option<String> {
    if std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(u32::MAX)
        != 0
    {
        return Some("root".into());
    }
    let files = [
        ("/usr/share/heartbeat/ResourceManager", "heartbeat"),
        (IPADDR, "heartbeat"),
        ("/usr/bin/lintian", "lintian"),
        ("/usr/bin/man", "man-db"),
        ("/usr/bin/xmllint", "libxml2-utils"),
        ("/usr/bin/unshare", "util-linux"),
        ("/usr/bin/dpkg-deb", "dpkg"),
        ("/usr/sbin/mfsmaster", "moosefs-master"),
        ("/usr/sbin/mfsmetalogger", "moosefs-metalogger"),
        ("/usr/sbin/mfschunkserver", "moosefs-chunkserver"),
        ("/usr/bin/mfsmount", "moosefs-client"),
        ("/usr/bin/mfscli", "moosefs-cli"),
    ];
    if let Some((path, package)) = files.iter().find(|(p, _)| !Path::new(p).exists()) {
        return Some(format!("{path} (package {package})"));
    }
    let release = testbins::release_dir();
    if !release.join("Initdrbd").is_file() {
        return Some(format!(
            "the static release build in {} (. scripts/lib/rust-env.sh && build_release --workspace --bins; scripts/test-all.sh does)",
            release.display()
        ));
    }
    let version = Command::new("bash")
        .arg(repo().join("scripts/packaging/build-deb.sh"))
        .arg("--cargo-deb-version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let cargo_deb = Command::new(env!("CARGO"))
        .args(["deb", "--version"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if version.is_empty() || !cargo_deb.contains(&version) {
        return Some(format!(
            "cargo-deb {version} (cargo install --locked cargo-deb --version {version}; scripts/test-all.sh does)"
        ));
    }
    None
}

fn prerequisites_or_skip() -> bool {
    let Some(missing) = missing_prerequisite() else {
        return true;
    };
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("debian_packages: {missing} is required when CI=true");
    }
    eprintln!("debian_packages: skipped, needs {missing}");
    false
}

/// The scratch directory, removed (with anything a failed run left) when dropped; the child
/// still running at a panic is killed with its whole process group, which this test made.
struct Scratch {
    dir: PathBuf,
    child: Option<Child>,
    /// The failover lab this test started, taken down whatever happened (idempotent).
    lab_id: Option<String>,
    /// Whether the lab's logs can go (they are kept when the test failed).
    passed: bool,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // The process group this test created for the child (build-deb.sh and its cargo).
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
        }
        if let Some(id) = &self.lab_id {
            let _ = Command::new("bash")
                .arg(repo().join("scripts/lab.sh"))
                .arg("down")
                .env("MFSHA_LAB_ID", id)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            if self.passed {
                let _ = std::fs::remove_dir_all(format!("/tmp/mfsha-{id}-logs"));
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `cmd` in its own process group with a deadline; its output is collected.
fn run(scratch: &mut Scratch, mut cmd: Command, what: &str, deadline: Duration) -> Output {
    let log = scratch.dir.join("log");
    let file = std::fs::File::create(&log).expect("log file");
    let err = file.try_clone().expect("log file");
    cmd.stdout(Stdio::from(file))
        .stderr(Stdio::from(err))
        .process_group(0);
    scratch.child = Some(cmd.spawn().unwrap_or_else(|e| panic!("{what}: {e}")));
    let start = Instant::now();
    let status = loop {
        let child = scratch.child.as_mut().expect("child");
        if let Some(status) = child.try_wait().expect("waiting") {
            scratch.child = None;
            break status;
        }
        assert!(
            start.elapsed() < deadline,
            "{what} still running after {deadline:?}: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let text = std::fs::read(&log).unwrap_or_default();
    Output {
        status,
        stdout: text,
        stderr: Vec::new(),
    }
}

fn build_deb(scratch: &mut Scratch, args: &[&str], out: &Path, what: &str) -> String {
    let mut cmd = Command::new("bash");
    cmd.arg(repo().join("scripts/packaging/build-deb.sh"))
        .args(args)
        .arg("--output")
        .arg(out);
    let output = run(scratch, cmd, what, BUILD_DEADLINE);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{what} failed:\n{text}");
    text
}

/// The Debian version in `mfs-ha_<version>_<arch>.deb`.
fn deb_version(dir: &Path) -> String {
    std::fs::read_dir(dir)
        .expect("package directory")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find_map(|name| {
            let rest = name.strip_prefix("mfs-ha_")?;
            rest.split('_').next().map(str::to_string)
        })
        .expect("an mfs-ha_*.deb")
}

fn host_state() -> (Vec<u8>, String) {
    let ipaddr = std::fs::read(IPADDR).unwrap_or_default();
    let dpkg = Command::new("dpkg-query")
        .args(["-W", "-f=${Status} ${Version}", "mfs-ha", "mfs-ha-ipaddr"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    (ipaddr, dpkg)
}

#[test]
fn packages_install_upgrade_divert_and_purge_without_residue() {
    if !prerequisites_or_skip() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("mfsha-deb-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["v1", "v2", "root"] {
        std::fs::create_dir_all(dir.join(sub)).expect("scratch directories");
    }
    let mut scratch = Scratch {
        dir,
        child: None,
        lab_id: None,
        passed: false,
    };
    let (v1, v2, root) = (
        scratch.dir.join("v1"),
        scratch.dir.join("v2"),
        scratch.dir.join("root"),
    );

    let built = build_deb(
        &mut scratch,
        &["--no-build", "--lintian"],
        &v1,
        "build-deb.sh --no-build --lintian",
    );
    for package in ["mfs-ha_", "mfs-ha-ipaddr_", "mfs-ha-dbgsym_"] {
        assert!(built.contains(package), "no {package}* built:\n{built}");
    }
    let upgrade = format!("{}+upgrade1", deb_version(&v1));
    build_deb(
        &mut scratch,
        &["--no-build", "--quick", "--deb-version", &upgrade],
        &v2,
        "build-deb.sh --deb-version (the upgrade)",
    );

    let before = host_state();
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--net", "--propagation", "private", "bash"])
        .arg(repo().join("tests/deb/installed-packages.sh"))
        .args([&v1, &v2, &root]);
    let output = run(&mut scratch, cmd, "installed-packages.sh", CHECK_DEADLINE);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{text}");
    let oks: Vec<&str> = text.lines().filter(|l| l.starts_with("ok: ")).collect();
    assert_eq!(oks.len(), CHECKS.len(), "{text}");
    for (line, check) in oks.iter().zip(CHECKS) {
        assert!(
            line.contains(check),
            "expected '{check}', got '{line}'\n{text}"
        );
    }
    assert_eq!(
        host_state(),
        before,
        "the host's IPaddr or dpkg database changed"
    );

    // The failover lab on the packages (lab.sh demo --installed), installed privately likewise.
    let summary = scratch.dir.join("lab.json");
    // drbd-sim and the rest of the lab's binaries from the same static release build
    let release = testbins::release_dir();
    let lab_id = format!("deb{}", std::process::id());
    scratch.lab_id = Some(lab_id.clone());
    let mut cmd = Command::new("bash");
    cmd.arg(repo().join("tests/deb/lab-with-packages.sh"))
        .arg(&v1)
        .args(["--files", "6", "--failback", "--summary"])
        .arg(&summary)
        .env("MFSHA_LAB_ID", &lab_id)
        .env("MFSHA_LAB_TARGET", &release);
    let output = run(&mut scratch, cmd, "lab-with-packages.sh", CHECK_DEADLINE);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let json = std::fs::read_to_string(&summary).unwrap_or_default();
    assert!(output.status.success(), "{text}\n{json}");
    assert!(json.contains("\"result\": \"PASS\""), "{json}");
    assert!(!json.contains("\"FAIL\""), "{json}");
    assert!(text.contains("installed mfs-ha "), "{text}");
    assert_eq!(
        host_state(),
        before,
        "the host's IPaddr or dpkg database changed"
    );
    scratch.passed = true;
}
