//! Running `scripts/lab.sh` from a test: prerequisites (a failure under `CI=true`, a skip
//! otherwise), the binaries of the test's profile (built before, see `testbins`), a guard that takes the lab down
//! whatever happens, and a deadline on the run.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// What the lab needs from the machine; None when everything is there.
pub fn missing_prerequisite() -> Option<String> {
    // /proc/self belongs to the effective user.
    if std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(u32::MAX)
        != 0
    {
        return Some("root".into());
    }
    let needed = [
        "/usr/libexec/heartbeat/heartbeat",
        "/usr/share/heartbeat/ResourceManager",
        "/usr/bin/cl_status",
        "/usr/share/heartbeat/hb_standby",
        "/usr/sbin/mfsmaster",
        "/usr/sbin/mfsmetalogger",
        "/usr/sbin/mfschunkserver",
        "/usr/bin/mfsmount",
        "/usr/bin/mfscli",
        // the campaign's STONITH plugin type (cluster-glue)
        "/usr/lib/stonith/plugins/stonith2/external.so",
    ];
    needed.iter().find(|p| !Path::new(p).exists()).map(|p| {
        format!(
            "{p} (packages heartbeat, cluster-glue, moosefs-master, -metalogger, -chunkserver, -client, -cli)"
        )
    })
}

/// True when the lab can run; under `CI=true` a missing prerequisite panics instead of skipping.
pub fn prerequisites_or_skip(test: &str) -> bool {
    let Some(missing) = missing_prerequisite() else {
        return true;
    };
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{test}: {missing} is required when CI=true");
    }
    eprintln!("{test}: skipped, needs {missing}");
    false
}

/// What the Pacemaker lab (`scripts/lab.sh --stack pacemaker`) needs beyond the Heartbeat lab's
/// MooseFS and namespaces; None when everything is there.
pub fn missing_pacemaker_prerequisite() -> Option<String> {
    if let Some(missing) = missing_prerequisite() {
        return Some(missing);
    }
    let needed = [
        "/usr/sbin/corosync",
        "/usr/sbin/corosync-cfgtool",
        "/usr/sbin/pacemakerd",
        "/usr/sbin/crm_mon",
        "/usr/sbin/cibadmin",
        "/usr/sbin/crm",
        "/usr/bin/python3",
    ];
    needed
        .iter()
        .find(|p| !Path::new(p).exists())
        .map(|p| format!("{p} (packages corosync, pacemaker, crmsh, python3)"))
}

/// True when the Pacemaker lab can run; under `CI=true` a missing prerequisite panics.
pub fn pacemaker_prerequisites_or_skip(test: &str) -> bool {
    let Some(missing) = missing_pacemaker_prerequisite() else {
        return true;
    };
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{test}: {missing} is required when CI=true");
    }
    eprintln!("{test}: skipped, needs {missing}");
    false
}

/// The directory holding the agents, the watchdog, drbd-sim and mfs-ha in the calling test's
/// profile (built before the tests, see `testbins`).
pub fn build_binaries() -> PathBuf {
    testbins::dir_with(&[
        "Initdrbd",
        "mfsmaster",
        "VIPaddr",
        "mfs-ha-watchdog",
        "drbd-sim",
        "mfs-ha",
    ])
}

/// Runs `lab.sh down` for lab `id` when dropped, whatever happened (idempotent); the lab's
/// logs are kept only when the test failed.
pub struct LabGuard {
    pub id: String,
    pub run: Option<Child>,
    pub passed: bool,
}

impl LabGuard {
    pub fn new(id: &str) -> LabGuard {
        LabGuard {
            id: id.to_string(),
            run: None,
            passed: false,
        }
    }

    /// Starts `scripts/lab.sh ARGS` for this lab with the binaries in `target`.
    pub fn start(&mut self, args: &[&str], target: &Path) {
        self.run = Some(
            Command::new("bash")
                .arg(repo().join("scripts/lab.sh"))
                .args(args)
                .env("MFSHA_LAB_ID", &self.id)
                .env("MFSHA_LAB_TARGET", target)
                .spawn()
                .expect("running scripts/lab.sh"),
        );
    }

    /// Waits for the run to end; None when it outlived `deadline` (it is then killed on drop).
    pub fn wait(&mut self, deadline: Duration) -> Option<i32> {
        let child = self.run.as_mut()?;
        let start = Instant::now();
        while start.elapsed() < deadline {
            if let Some(status) = child.try_wait().expect("waiting for lab.sh") {
                self.run = None;
                return Some(status.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        None
    }
}

impl LabGuard {
    /// Runs `scripts/lab.sh ARGS --summary FILE` (FILE in a fresh temporary directory) and
    /// waits up to `deadline`: the exit code (None: it hung, and is killed on drop) and the
    /// summary's text (empty when none was written).
    pub fn run_for_summary(
        &mut self,
        args: &[&str],
        target: &Path,
        deadline: Duration,
    ) -> (Option<i32>, String) {
        let tmp = testbins::scratch(&format!("mfsha-{}-test", self.id));
        let summary = tmp.path().join("summary.json");
        let mut argv = args.to_vec();
        argv.extend(["--summary", summary.to_str().expect("UTF-8 temporary path")]);
        self.start(&argv, target);
        let code = self.wait(deadline);
        (code, std::fs::read_to_string(&summary).unwrap_or_default())
    }

    /// Like [`LabGuard::run_for_summary`], then asserts the run passed: exit 0, `result`
    /// PASS, every check PASS and each of `checks` among them. Returns the summary.
    pub fn run_passing(
        &mut self,
        args: &[&str],
        target: &Path,
        deadline: Duration,
        checks: &[&str],
    ) -> serde_json::Value {
        let (code, text) = self.run_for_summary(args, target, deadline);
        assert_eq!(
            code,
            Some(0),
            "lab.sh {args:?} failed or hung (logs in {}); summary: {text}",
            self.logs().display()
        );
        let summary: serde_json::Value = serde_json::from_str(&text).expect("the summary is JSON");
        assert_eq!(summary["result"], "PASS", "{summary:#}");
        let all = summary["checks"].as_array().expect("checks array");
        for name in checks {
            let check = all
                .iter()
                .find(|c| c["name"] == *name)
                .unwrap_or_else(|| panic!("check {name} missing: {summary:#}"));
            assert_eq!(check["result"], "PASS", "{check:#}");
        }
        assert!(all.iter().all(|c| c["result"] == "PASS"), "{summary:#}");
        summary
    }

    /// Where `lab.sh` keeps this lab's logs (after `down` too).
    pub fn logs(&self) -> PathBuf {
        PathBuf::from(format!("/tmp/mfsha-{}-logs", self.id))
    }
}

/// Runs `scripts/lab.sh ARGS` for lab `id` (binaries in `target`) to its end and returns what
/// it printed; None when it outlived `deadline` (it is then killed).
pub fn lab_run(id: &str, target: &Path, args: &[&str], deadline: Duration) -> Option<Output> {
    let mut child = Command::new("bash")
        .arg(repo().join("scripts/lab.sh"))
        .args(args)
        .env("MFSHA_LAB_ID", id)
        .env("MFSHA_LAB_TARGET", target)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running scripts/lab.sh");
    // The pipes are read in the background so a chatty run cannot block on them.
    let out = child.stdout.take().map(read_all);
    let err = child.stderr.take().map(read_all);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for lab.sh") {
            break status;
        }
        if start.elapsed() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let take = |h: Option<std::thread::JoinHandle<Vec<u8>>>| {
        h.and_then(|h| h.join().ok()).unwrap_or_default()
    };
    Some(Output {
        status,
        stdout: take(out),
        stderr: take(err),
    })
}

fn read_all<R: std::io::Read + Send + 'static>(mut r: R) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

impl Drop for LabGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.run.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = Command::new("bash")
            .arg(repo().join("scripts/lab.sh"))
            .arg("down")
            .env("MFSHA_LAB_ID", &self.id)
            .stdout(Stdio::null())
            .status();
        if self.passed {
            let _ = std::fs::remove_dir_all(format!("/tmp/mfsha-{}-logs", self.id));
        }
    }
}
