//! status/monitor. Level 0: the kernel's lock owner and a /proc scan, no process started.
//! Level 10: a real request (mfsmaster INFO, chunkserver listen check, mfscgiserv HTTP GET)
//! with a short deadline. Level 20 (mfsmaster): metadata stored within the configured period.

use std::io::{Read, Write};
use std::time::Duration;

use ha_agent::{AgentError, Ctx, Health};

use super::kind::Kind;
use super::settings::Settings;
use super::state::{self, observe_for_status};
use super::{freshness, net, probe, procs};

pub fn monitor(ctx: &Ctx, s: &Settings, level: u32) -> Result<Health, AgentError> {
    let st = observe_for_status(s)?;
    let Some(owner) = st.owner else {
        if st.procs.is_empty() {
            return Ok(Health::Stopped);
        }
        return Ok(Health::Failed(format!(
            "{} process(es) {} run in {} but none holds {} (lock file deleted?): stop and start it",
            s.name(),
            procs::pids(&st.procs),
            s.data_path.display(),
            s.lock_path().display()
        )));
    };
    let proc_dir = std::path::PathBuf::from(format!("/proc/{owner}"));
    if s.kind != Kind::Cgiserv && !is_daemon(&proc_dir, s) {
        return Ok(Health::Failed(format!(
            "{} is locked by pid {owner}, which is not {}",
            s.lock_path().display(),
            s.binary.display()
        )));
    }
    ctx.debug(&format!("{} runs as pid {owner}", s.name()));
    if level < 10 {
        return Ok(Health::Running);
    }
    if let Err(reason) = deep_check(ctx, s, level) {
        return Ok(Health::Failed(reason));
    }
    Ok(Health::Running)
}

/// The lock owner runs this daemon: the configured binary, or another install of the same
/// program (a /usr/local/mfs build next to Debian's, or a binary replaced by an upgrade).
fn is_daemon(proc_dir: &std::path::Path, s: &Settings) -> bool {
    procs::runs(proc_dir, &s.binary, super::locate::file_id(&s.binary))
        || std::fs::read_link(proc_dir.join("exe")).is_ok_and(|exe| {
            let name = exe.file_name().map(|n| n.to_string_lossy().into_owned());
            name.as_deref().map(|n| n.trim_end_matches(" (deleted)")) == Some(s.name())
        })
}

fn deep_check(ctx: &Ctx, s: &Settings, level: u32) -> Result<(), String> {
    let timeout = s.probe_timeout.min(ctx.deadline().remaining());
    match s.kind {
        Kind::Master => {
            let info = info_with_retry(s, timeout)?;
            ctx.debug(&format!(
                "INFO from {}:{} in {:.1} ms: version {}, metaversion {:?}",
                s.probe_host,
                s.client_port(),
                info.elapsed.as_secs_f64() * 1000.0,
                info.version,
                info.metaversion
            ));
            if let Some(v) = info.metaversion {
                freshness::raise(ctx, s, v, "monitor (INFO)");
            }
            if level >= 20 {
                metadata_age(s, &info)?;
            }
            Ok(())
        }
        Kind::Chunkserver | Kind::Cgiserv => {
            let missing: Vec<String> = s
                .ports()
                .into_iter()
                .filter(|p| !net::listening(*p))
                .map(|p| p.to_string())
                .collect();
            if !missing.is_empty() {
                return Err(format!(
                    "{} does not listen on port {}",
                    s.name(),
                    missing.join(", ")
                ));
            }
            if s.kind == Kind::Cgiserv {
                http_get(s, timeout)?;
            }
            Ok(())
        }
        Kind::Metalogger => Ok(()),
    }
}

/// One INFO request, retried once (a dropped connection is not a hung master).
pub fn info_with_retry(s: &Settings, timeout: Duration) -> Result<probe::Info, String> {
    match probe::info(&s.probe_host, s.client_port(), timeout) {
        Ok(i) => Ok(i),
        Err(e) if e.contains("no answer") => Err(e),
        Err(_) => probe::info(&s.probe_host, s.client_port(), timeout),
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The master stored metadata within `max_metadata_age`; one that has not stored since it
/// started is judged by its own age (the lock owner's start time).
fn metadata_age(s: &Settings, info: &probe::Info) -> Result<(), String> {
    let max = s.max_metadata_age.as_secs();
    let now = unix_now();
    match info.last_successful_store.filter(|t| *t > 0) {
        Some(t) if now.saturating_sub(u64::from(t)) <= max => Ok(()),
        Some(t) => Err(format!(
            "metadata last stored {} s ago (more than {max} s): data directory full or read-only?",
            now.saturating_sub(u64::from(t))
        )),
        None => {
            let up = master_uptime(s).unwrap_or(0);
            match up <= max {
                true => Ok(()),
                false => Err(format!(
                    "metadata not stored since the master started {up} s ago (more than {max} s): data directory full or read-only?"
                )),
            }
        }
    }
}

/// Seconds since the lock owner started (from /proc/<pid>/stat and /proc/uptime).
fn master_uptime(s: &Settings) -> Option<u64> {
    let pid = state::observe_for_status(s).ok()?.owner?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let start_ticks: u64 = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .nth(19)?
        .parse()
        .ok()?;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) })
        .ok()
        .filter(|h| *h > 0)?;
    Some((uptime as u64).saturating_sub(start_ticks / hz))
}

/// `GET /index.html` to mfscgiserv must be answered `200`: the page exists in every
/// install, so another status means a wrong document root or not mfscgiserv at all.
fn http_get(s: &Settings, timeout: Duration) -> Result<(), String> {
    let host = match s.listen_host.as_str() {
        "" | "*" | "0.0.0.0" => "127.0.0.1",
        h => h,
    };
    let addr = std::net::ToSocketAddrs::to_socket_addrs(&(host, s.listen_port))
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("{host}:{}: no address", s.listen_port))?;
    let mut c = std::net::TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("cannot connect to mfscgiserv at {addr}: {e}"))?;
    c.set_read_timeout(Some(timeout)).ok();
    c.set_write_timeout(Some(timeout)).ok();
    c.write_all(b"GET /index.html HTTP/1.0\r\n\r\n")
        .map_err(|e| format!("mfscgiserv at {addr}: {e}"))?;
    let mut head = Vec::new();
    c.take(64)
        .read_to_end(&mut head)
        .map_err(|e| format!("no HTTP answer from {addr}: {e}"))?;
    let status_line = String::from_utf8_lossy(&head);
    let status_line = status_line.lines().next().unwrap_or("").trim();
    match http_status(status_line) {
        Some(200) => Ok(()),
        Some(code) => Err(format!(
            "mfscgiserv at {addr} answered {code} for its index page (document root?)"
        )),
        None => Err(format!("{addr} did not answer HTTP")),
    }
}

/// The status code of an HTTP status line (`HTTP/1.0 200 OK` → 200).
fn http_status(line: &str) -> Option<u16> {
    let mut words = line.split_whitespace();
    words.next().filter(|v| v.starts_with("HTTP/"))?;
    words.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::http_status;

    #[test]
    fn http_status_reads_the_code_of_a_status_line() {
        assert_eq!(http_status("HTTP/1.0 200 OK"), Some(200));
        assert_eq!(http_status("HTTP/1.1 404 Not Found"), Some(404));
        assert_eq!(http_status("SSH-2.0-OpenSSH"), None);
        assert_eq!(http_status("HTTP/1.0"), None);
        assert_eq!(http_status(""), None);
    }
}
