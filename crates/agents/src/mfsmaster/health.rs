//! The health check of a running daemon, shared by monitor (level 10 and up) and by start
//! (when the daemon already runs): a real request with a short deadline (mfsmaster INFO,
//! chunkserver listen check, mfscgiserv HTTP GET) and, at level 20 (mfsmaster), metadata
//! stored within the configured period. Also the INFO request with its one retry, which
//! start's readiness wait uses.

use std::io::{Read, Write};
use std::time::Duration;

use ha_agent::Ctx;

use super::kind::Kind;
use super::settings::Settings;
use super::{freshness, net, probe, state};

/// Why the running daemon is not healthy, if it is not.
pub fn check(ctx: &Ctx, s: &Settings, level: u32) -> Result<(), String> {
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
    let uptime = std::fs::read_to_string("/proc/uptime").ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).ok()?;
    seconds_running(&stat, &uptime, hz)
}

/// Seconds a process has run: its start time (field 22 of /proc/<pid>/stat, clock ticks after
/// boot; the command name before it may hold blanks and parentheses) against /proc/uptime.
fn seconds_running(stat: &str, uptime: &str, hz: u64) -> Option<u64> {
    let start_ticks: u64 = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .nth(19)?
        .parse()
        .ok()?;
    let uptime: f64 = uptime.split_whitespace().next()?.parse().ok()?;
    if hz == 0 || !uptime.is_finite() || uptime < 0.0 {
        return None;
    }
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
    use super::{http_status, seconds_running};
    use proptest::prelude::*;

    const STAT: &str = "4242 (mfsmaster (x) y) S 1 4242 4242 0 -1 4194560 1 0 0 0 5 3 0 0 20 0 \
                        1 0 150000 1000 100 18446744073709551615";

    #[test]
    fn seconds_running_reads_the_start_after_the_command_name() {
        assert_eq!(seconds_running(STAT, "2000.50 100.00\n", 100), Some(500));
        assert_eq!(seconds_running(STAT, "nan 1", 100), None);
        assert_eq!(seconds_running(STAT, "2000 1", 0), None);
        assert_eq!(seconds_running("4242 (mfsmaster) S 1", "2000 1", 100), None);
    }

    proptest! {
        #[test]
        fn any_proc_text_and_status_line_is_read_without_panic(
            stat in "(?s).{0,300}",
            uptime in "(?s).{0,40}",
            hz in any::<u64>(),
            line in "(?s).{0,80}",
        ) {
            let _ = seconds_running(&stat, &uptime, hz);
            let _ = http_status(&line);
        }
    }

    #[test]
    fn http_status_reads_the_code_of_a_status_line() {
        assert_eq!(http_status("HTTP/1.0 200 OK"), Some(200));
        assert_eq!(http_status("HTTP/1.1 404 Not Found"), Some(404));
        assert_eq!(http_status("SSH-2.0-OpenSSH"), None);
        assert_eq!(http_status("HTTP/1.0"), None);
        assert_eq!(http_status(""), None);
    }
}
