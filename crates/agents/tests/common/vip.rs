//! A VIPaddr lab: namespace `a` (where the agent runs) joined by a veth pair to namespace `b`
//! (the neighbour), 10.200.1.1/24 and fd00:200::1/64 on `vipa0`, .2 and ::2 on `vipb0`.
//! Everything is deleted on drop (namespaces, with their veths; the temporary directory).
//! Also a native ARP capture that runs in a thread moved into a namespace (setns).

use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::netns::NetNs;
use super::text;

pub const VIP: &str = "10.200.1.100";
pub const VIP6: &str = "fd00:200::100";

pub fn vip_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_VIPaddr"))
}

pub struct VipLab {
    pub dir: tempfile::TempDir,
    pub a: NetNs,
    pub b: NetNs,
}

impl VipLab {
    pub fn new() -> VipLab {
        let dir = testbins::scratch("mfsha-vip");
        let lab = VipLab {
            dir,
            a: NetNs::new("vipa"),
            b: NetNs::new("vipb"),
        };
        lab.a.veth_to("vipa0", &lab.b, "vipb0");
        for (ns, nic, v4, v6) in [
            (&lab.a, "vipa0", "10.200.1.1/24", "fd00:200::1/64"),
            (&lab.b, "vipb0", "10.200.1.2/24", "fd00:200::2/64"),
        ] {
            ns.ip_ok(&["addr", "add", v4, "dev", nic]);
            ns.ip_ok(&["-6", "addr", "add", v6, "dev", nic, "nodad"]);
            ns.ip_ok(&["link", "set", nic, "up"]);
        }
        lab
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The agent (or `program`, e.g. a copy named IPaddr) inside namespace `a`, with a clean
    /// environment of its own run, state and config directories plus `env`.
    pub fn cmd_as(&self, program: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = self.a.cmd(&program.display().to_string(), args);
        cmd.env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("MFS_HA_RUN_DIR", self.path("run"))
            .env("MFS_HA_STATE_DIR", self.path("state"))
            .env("MFS_HA_CONFIG_DIR", self.path("etc"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    }

    pub fn run_as(&self, program: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
        match self.cmd_as(program, args, env).output() {
            Ok(o) => o,
            Err(e) => panic!("{} {args:?}: {e}", program.display()),
        }
    }

    /// Heartbeat/manual style: `VIPaddr <args...> <action>`.
    pub fn agent(&self, args: &[&str]) -> Output {
        self.run_as(&vip_bin(), args, &[])
    }

    /// OCF style: `OCF_RESKEY_<k>=<v> VIPaddr <action>`, instance `vip1`, a recurring monitor
    /// (interval 10 s) unless `OCF_RESKEY_CRM_meta_interval` is among `params`.
    pub fn ocf(&self, action: &str, params: &[(&str, &str)]) -> Output {
        let mut env: Vec<(String, String)> = vec![
            ("OCF_RESOURCE_INSTANCE".into(), "vip1".into()),
            ("OCF_ROOT".into(), "/usr/lib/ocf".into()),
        ];
        if !params
            .iter()
            .any(|(k, _)| k.starts_with("CRM_meta_interval"))
        {
            env.push(("OCF_RESKEY_CRM_meta_interval".into(), "10000".into()));
        }
        for (k, v) in params {
            env.push((format!("OCF_RESKEY_{k}"), v.to_string()));
        }
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.run_as(&vip_bin(), &[action], &env)
    }

    /// `ip -o addr show dev <nic>` in `ns`, one line per address.
    pub fn addrs(ns: &NetNs, nic: &str) -> String {
        let out = ns.ip(&["-o", "addr", "show", "dev", nic]);
        text(&out.stdout)
    }

    pub fn mac(ns: &NetNs, nic: &str) -> String {
        let out = ns.ip(&["-o", "link", "show", "dev", nic]);
        let s = text(&out.stdout);
        s.split_whitespace()
            .skip_while(|w| *w != "link/ether")
            .nth(1)
            .unwrap_or_default()
            .to_string()
    }
}

/// An ARP packet seen by the capture (sender/target hardware and protocol addresses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub op: u16,
    pub sha: String,
    pub spa: Ipv4Addr,
    pub tpa: Ipv4Addr,
}

fn seen(b: &[u8]) -> Option<Seen> {
    let b = b.get(..28)?;
    if b[0..6] != [0, 1, 8, 0, 6, 4] {
        return None;
    }
    let sha = b[8..14]
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(":");
    Some(Seen {
        op: u16::from_be_bytes([b[6], b[7]]),
        sha,
        spa: Ipv4Addr::new(b[14], b[15], b[16], b[17]),
        tpa: Ipv4Addr::new(b[24], b[25], b[26], b[27]),
    })
}

/// Captures ARP packets arriving on `nic` inside namespace `ns` for `window`, in a thread that
/// moved into that namespace (setns affects only the calling thread). Returns once the socket
/// is bound, so nothing sent afterwards is missed.
pub fn capture_arp(ns: &NetNs, nic: &str, window: Duration) -> JoinHandle<Vec<Seen>> {
    capture(ns, nic, 0x0806, window, seen)
}

/// An unsolicited neighbour advertisement seen by the capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advert {
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    pub hop_limit: u8,
    pub overrides: bool,
    pub target: Ipv6Addr,
}

/// IPv6 + ICMPv6 type 136 (no extension headers, as the agent sends them).
fn advert(b: &[u8]) -> Option<Advert> {
    let addr = |at: usize| -> Option<Ipv6Addr> {
        let a: [u8; 16] = b.get(at..at + 16)?.try_into().ok()?;
        Some(Ipv6Addr::from(a))
    };
    if b.first()? >> 4 != 6 || *b.get(6)? != 58 || *b.get(40)? != 136 {
        return None;
    }
    Some(Advert {
        src: addr(8)?,
        dst: addr(24)?,
        hop_limit: *b.get(7)?,
        overrides: b.get(44)? & 0x20 != 0,
        target: addr(48)?,
    })
}

/// Captures neighbour advertisements arriving on `nic` inside `ns` for `window`.
pub fn capture_adverts(ns: &NetNs, nic: &str, window: Duration) -> JoinHandle<Vec<Advert>> {
    capture(ns, nic, 0x86dd, window, advert)
}

fn capture<T: Send + 'static>(
    ns: &NetNs,
    nic: &str,
    ethertype: u16,
    window: Duration,
    decode: fn(&[u8]) -> Option<T>,
) -> JoinHandle<Vec<T>> {
    let (ready_tx, ready_rx) = mpsc::channel::<Result<(), String>>();
    let ns_path = ns.path();
    let nic = nic.to_string();
    let handle = std::thread::spawn(move || {
        let sock = match open_capture(&ns_path, &nic, ethertype) {
            Ok(s) => s,
            Err(e) => {
                let _ = ready_tx.send(Err(e));
                return Vec::new();
            }
        };
        let _ = ready_tx.send(Ok(()));
        let end = Instant::now() + window;
        let mut out = Vec::new();
        let mut buf = [0u8; 256];
        while Instant::now() < end {
            // SAFETY: `buf` is writable for its length; the socket has a 50 ms timeout.
            let n = unsafe { libc::recv(sock.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
            if n > 0 {
                if let Some(s) = buf.get(..n as usize).and_then(decode) {
                    out.push(s);
                }
            }
        }
        out
    });
    match ready_rx.recv_timeout(Duration::from_secs(5)) {
        Ok(Ok(())) => handle,
        Ok(Err(e)) => panic!("capture: {e}"),
        Err(e) => panic!("capture did not start: {e}"),
    }
}

fn open_capture(ns_path: &Path, nic: &str, ethertype: u16) -> Result<OwnedFd, String> {
    let ns = std::fs::File::open(ns_path).map_err(|e| format!("{}: {e}", ns_path.display()))?;
    // SAFETY: a valid namespace descriptor; only this thread changes namespace.
    if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(format!("setns: {}", std::io::Error::last_os_error()));
    }
    let proto = i32::from(ethertype.to_be());
    // SAFETY: socket(2) with constant arguments; checked below.
    let raw = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_DGRAM, proto) };
    if raw < 0 {
        return Err(format!("AF_PACKET: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: a fresh descriptor we own.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let name = std::ffi::CString::new(nic).map_err(|e| e.to_string())?;
    // SAFETY: a valid C string.
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    if index == 0 {
        return Err(format!("no interface {nic} in the namespace"));
    }
    // SAFETY: all-zero sockaddr_ll is valid; filled below.
    let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    addr.sll_family = libc::AF_PACKET as u16;
    addr.sll_protocol = ethertype.to_be();
    addr.sll_ifindex = index as i32;
    // SAFETY: `addr` is valid for the call.
    let rc = unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&addr as *const libc::sockaddr_ll).cast(),
            std::mem::size_of::<libc::sockaddr_ll>() as u32,
        )
    };
    if rc != 0 {
        return Err(format!("bind: {}", std::io::Error::last_os_error()));
    }
    hostops::socket::set_recv_timeout(&fd, Duration::from_millis(50)).map_err(|e| e.to_string())?;
    Ok(fd)
}
