//! A network namespace made by a test, deleted in `Drop` even when the test fails. Names carry
//! the `mfsha-` prefix, the test process's PID and a counter, so parallel tests and parallel
//! runs never meet. Traffic stays inside: a new namespace has only `lo` until the test adds veths.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::text;

static NEXT: AtomicUsize = AtomicUsize::new(0);

pub struct NetNs {
    name: String,
}

impl NetNs {
    /// Creates `mfsha-<tag>-<pid>-<n>` with `lo` up.
    pub fn new(tag: &str) -> NetNs {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let name = format!("mfsha-{tag}-{}-{n}", std::process::id());
        let ns = NetNs { name };
        ns.run_ok("ip", &["netns", "add", &ns.name]);
        ns.ip_ok(&["link", "set", "lo", "up"]);
        ns
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `/run/netns/<name>`, for `nsenter --net=` and `setns`.
    pub fn path(&self) -> PathBuf {
        PathBuf::from("/run/netns").join(&self.name)
    }

    /// `program args` inside the namespace's network only (nsenter, not `ip netns exec`, so
    /// mounts such as mfsmount stay visible outside).
    pub fn cmd(&self, program: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new("nsenter");
        cmd.arg(format!("--net={}", self.path().display()))
            .arg("--")
            .arg(program)
            .args(args);
        cmd
    }

    /// `ip -n <name> args`.
    pub fn ip(&self, args: &[&str]) -> Output {
        let mut full = vec!["-n", self.name.as_str()];
        full.extend_from_slice(args);
        run("ip", &full)
    }

    pub fn ip_ok(&self, args: &[&str]) {
        let out = self.ip(args);
        assert!(
            out.status.success(),
            "ip -n {} {args:?}: {}",
            self.name,
            text(&out.stderr)
        );
    }

    /// A veth pair: `local` in this namespace, `remote` in `peer`; both left down.
    pub fn veth_to(&self, local: &str, peer: &NetNs, remote: &str) {
        self.run_ok(
            "ip",
            &[
                "link", "add", local, "netns", &self.name, "type", "veth", "peer", "name", remote,
                "netns", &peer.name,
            ],
        );
    }

    fn run_ok(&self, program: &str, args: &[&str]) {
        let out = run(program, args);
        assert!(
            out.status.success(),
            "{program} {args:?}: {}",
            text(&out.stderr)
        );
    }
}

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"))
}

impl Drop for NetNs {
    fn drop(&mut self) {
        // Deleting the namespace also deletes its veths (and the peers' ends).
        let out = run("ip", &["netns", "del", &self.name]);
        if !out.status.success() {
            eprintln!("cleanup: ip netns del {}: {}", self.name, text(&out.stderr));
        }
    }
}
