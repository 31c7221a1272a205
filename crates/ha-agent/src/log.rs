//! Logging as heartbeat's `ha_log` does it: stderr, syslog, `HA_LOGFILE` and `HA_DEBUGLOG`.
//!
//! * stderr: every line (debug lines only when debugging), `<Agent>[<pid>]: <LEVEL>: <msg>`;
//!   in OCF mode only when nothing else carries the lines ([`lines_on_stderr`]).
//! * syslog: facility from `HA_LOGFACILITY` (unset, empty or `none`: no syslog), written to
//!   `/dev/log` as glibc's syslog(3) does (`MFS_HA_SYSLOG_SOCKET` overrides the socket).
//! * `HA_LOGFILE` and `HA_DEBUGLOG`: appended in ha_log's format
//!   `<Agent>[<pid>]: <YYYY/MM/DD_HH:MM:SS> <LEVEL>: <msg>`; debug lines go to the debug log
//!   only. A file that is also our stderr (heartbeat sends script stderr to the debug log) is
//!   not written twice.
//! * Debug lines appear only when `HA_debug` or `HA_DEBUG` is 1 (or any non-zero number).

use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Local};

use crate::env::Env;
use crate::status::one_line;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
    Crit,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Crit => "CRIT",
        }
    }

    fn syslog_severity(self) -> u8 {
        match self {
            Level::Debug => 7,
            Level::Info => 6,
            Level::Warn => 4,
            Level::Error => 3,
            Level::Crit => 2,
        }
    }
}

/// The syslog facility code of `name`: `Ok(None)` disables syslog, `Err` names an unknown one.
pub fn facility_code(name: &str) -> Result<Option<u8>, String> {
    let code = match name.trim().to_ascii_lowercase().as_str() {
        "" | "none" => return Ok(None),
        "kern" => 0,
        "user" => 1,
        "mail" => 2,
        "daemon" => 3,
        "auth" => 4,
        "syslog" => 5,
        "lpr" => 6,
        "news" => 7,
        "uucp" => 8,
        "cron" => 9,
        "authpriv" => 10,
        "ftp" => 11,
        local => match local
            .strip_prefix("local")
            .and_then(|n| n.parse::<u8>().ok())
        {
            Some(n) if n <= 7 => 16 + n,
            _ => return Err(format!("unknown syslog facility '{name}'")),
        },
    };
    Ok(Some(code))
}

/// `<Agent>[<pid>]: <YYYY/MM/DD_HH:MM:SS> <LEVEL>: <msg>` (no newline).
pub fn ha_log_line(
    agent: &str,
    pid: u32,
    time: &DateTime<Local>,
    level: Level,
    msg: &str,
) -> String {
    format!(
        "{agent}[{pid}]: {} {}: {}",
        time.format("%Y/%m/%d_%H:%M:%S"),
        level.label(),
        one_line(msg)
    )
}

/// `<Agent>[<pid>]: <LEVEL>: <msg>` (no newline).
pub fn stderr_line(agent: &str, pid: u32, level: Level, msg: &str) -> String {
    format!("{agent}[{pid}]: {}: {}", level.label(), one_line(msg))
}

/// An RFC 3164 datagram as glibc sends it: `<PRI>Mmm dd HH:MM:SS Agent[pid]: msg`.
pub fn syslog_datagram(
    facility: u8,
    level: Level,
    time: &DateTime<Local>,
    agent: &str,
    pid: u32,
    msg: &str,
) -> String {
    let pri = u16::from(facility) * 8 + u16::from(level.syslog_severity());
    format!(
        "<{pri}>{} {agent}[{pid}]: {}: {}",
        time.format("%b %e %H:%M:%S"),
        level.label(),
        one_line(msg)
    )
}

/// Where log lines go, decided once from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogTargets {
    pub facility: Option<u8>,
    pub logfile: Option<PathBuf>,
    pub debuglog: Option<PathBuf>,
    pub debug: bool,
    pub syslog_socket: PathBuf,
}

impl LogTargets {
    /// Targets from `HA_LOGFACILITY`, `HA_LOGFILE`, `HA_DEBUGLOG`, `HA_debug`/`HA_DEBUG`;
    /// an unknown facility falls back to `daemon`, with a warning returned alongside.
    pub fn from_env(env: &Env) -> (LogTargets, Option<String>) {
        let (facility, warning) = match facility_code(env.get("HA_LOGFACILITY").unwrap_or("")) {
            Ok(f) => (f, None),
            Err(e) => (Some(3), Some(format!("{e}; using daemon"))),
        };
        let path = |name: &str| env.non_empty(name).map(PathBuf::from);
        let targets = LogTargets {
            facility,
            logfile: path("HA_LOGFILE"),
            debuglog: path("HA_DEBUGLOG").filter(|d| Some(d) != path("HA_LOGFILE").as_ref()),
            debug: env.flag("HA_debug") || env.flag("HA_DEBUG"),
            syslog_socket: path("MFS_HA_SYSLOG_SOCKET").unwrap_or_else(|| "/dev/log".into()),
        };
        (targets, warning)
    }
}

/// Whether log lines also go to stderr.
///
/// Heartbeat sends a script's stderr to its debug log and a person reads it on the terminal,
/// so in Heartbeat and manual modes they always do. Pacemaker's executor logs whatever an
/// OCF agent writes to stderr as "error output", so a line that also went to syslog would
/// appear two or three times in pacemaker.log. In OCF mode lines go to stderr only when
/// stderr is a terminal or when no syslog facility and no `HA_LOGFILE` would carry them:
/// the rule of ocf-shellfuncs' `ha_log`. The exit reason is not a log line and always goes.
pub fn lines_on_stderr(ocf: bool, targets: &LogTargets, stderr_is_terminal: bool) -> bool {
    !ocf || stderr_is_terminal || (targets.facility.is_none() && targets.logfile.is_none())
}

/// The logger of one call.
#[derive(Debug)]
pub struct Logger {
    agent: String,
    pid: u32,
    targets: LogTargets,
    /// Whether lines are written to stderr (see [`lines_on_stderr`]).
    stderr: bool,
    /// heartbeat points our stderr at its debug log; do not write that file twice.
    stderr_is_debuglog: bool,
    socket: Mutex<Option<UnixDatagram>>,
    silent: bool,
}

impl Logger {
    pub fn new(agent: &str, targets: LogTargets) -> Logger {
        let stderr_is_debuglog = targets.debuglog.as_deref().is_some_and(stderr_is_file);
        Logger {
            agent: agent.to_string(),
            pid: std::process::id(),
            targets,
            stderr: true,
            stderr_is_debuglog,
            socket: Mutex::new(None),
            silent: false,
        }
    }

    /// A logger that writes nothing anywhere (meta-data, usage).
    pub fn silent(agent: &str) -> Logger {
        let targets = LogTargets {
            facility: None,
            logfile: None,
            debuglog: None,
            debug: false,
            syslog_socket: PathBuf::new(),
        };
        Logger {
            silent: true,
            ..Logger::new(agent, targets)
        }
    }

    /// The same logger, writing lines to stderr only when `on`.
    pub fn with_stderr(mut self, on: bool) -> Logger {
        self.stderr = on;
        self
    }

    /// A logger for one call in OCF mode (`ocf`) or not, per [`lines_on_stderr`].
    pub fn for_mode(agent: &str, targets: LogTargets, ocf: bool) -> Logger {
        use std::io::IsTerminal;
        let on = lines_on_stderr(ocf, &targets, std::io::stderr().is_terminal());
        Logger::new(agent, targets).with_stderr(on)
    }

    pub fn debug_enabled(&self) -> bool {
        self.targets.debug
    }

    pub fn log(&self, level: Level, msg: &str) {
        if self.silent || (level == Level::Debug && !self.targets.debug) {
            return;
        }
        let now = Local::now();
        if self.stderr {
            // Nothing sensible can be done when stderr itself is gone.
            let _ = writeln!(
                std::io::stderr().lock(),
                "{}",
                stderr_line(&self.agent, self.pid, level, msg)
            );
        }
        if let Some(facility) = self.targets.facility {
            self.send_syslog(&syslog_datagram(
                facility,
                level,
                &now,
                &self.agent,
                self.pid,
                msg,
            ));
        }
        let line = ha_log_line(&self.agent, self.pid, &now, level, msg);
        if level != Level::Debug {
            if let Some(file) = &self.targets.logfile {
                append(file, &line);
            }
        }
        if let Some(file) = self
            .targets
            .debuglog
            .as_ref()
            .filter(|_| !self.stderr_is_debuglog)
        {
            append(file, &line);
        }
    }

    pub fn debug(&self, msg: &str) {
        self.log(Level::Debug, msg);
    }

    pub fn info(&self, msg: &str) {
        self.log(Level::Info, msg);
    }

    pub fn warn(&self, msg: &str) {
        self.log(Level::Warn, msg);
    }

    pub fn error(&self, msg: &str) {
        self.log(Level::Error, msg);
    }

    fn send_syslog(&self, datagram: &str) {
        let Ok(mut socket) = self.socket.lock() else {
            return;
        };
        if socket.is_none() {
            *socket = UnixDatagram::unbound().ok();
        }
        if let Some(s) = socket.as_ref() {
            // A missing syslog daemon must never fail an action.
            let _ = s.send_to(datagram.as_bytes(), &self.targets.syslog_socket);
        }
    }
}

fn append(path: &Path, line: &str) {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path);
    if let Ok(mut file) = file {
        // One write per line so concurrent writers do not interleave; failures are not fatal.
        let _ = file.write_all(format!("{line}\n").as_bytes());
    }
}

fn stderr_is_file(path: &Path) -> bool {
    use std::os::fd::AsFd;
    let ours = std::io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .and_then(|fd| std::fs::File::from(fd).metadata());
    match (ours, std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn time() -> DateTime<Local> {
        Local
            .with_ymd_and_hms(2024, 3, 5, 7, 8, 9)
            .single()
            .unwrap()
    }

    #[test]
    fn ha_log_format_matches_heartbeat() {
        let line = ha_log_line("Initdrbd", 42, &time(), Level::Info, "promoted r0");
        assert_eq!(line, "Initdrbd[42]: 2024/03/05_07:08:09 INFO: promoted r0");
    }

    #[test]
    fn lines_are_single_lines() {
        let line = stderr_line("X", 1, Level::Error, "a\nb");
        assert_eq!(line, "X[1]: ERROR: a b");
    }

    #[test]
    fn syslog_datagram_carries_priority_and_tag() {
        let d = syslog_datagram(3, Level::Warn, &time(), "mfsmaster", 7, "slow");
        assert_eq!(d, "<28>Mar  5 07:08:09 mfsmaster[7]: WARN: slow");
    }

    #[test]
    fn facilities_by_name() {
        assert_eq!(facility_code("daemon"), Ok(Some(3)));
        assert_eq!(facility_code("local7"), Ok(Some(23)));
        assert_eq!(facility_code("none"), Ok(None));
        assert_eq!(facility_code(""), Ok(None));
        assert!(facility_code("local9").is_err());
        assert!(facility_code("bogus").is_err());
    }

    #[test]
    fn targets_from_heartbeat_environment() {
        let env = Env::default()
            .with("HA_LOGFACILITY", "local0")
            .with("HA_LOGFILE", "/var/log/ha-log")
            .with("HA_DEBUGLOG", "/var/log/ha-debug")
            .with("HA_debug", "1");
        let (t, warning) = LogTargets::from_env(&env);
        assert_eq!(warning, None);
        assert_eq!(t.facility, Some(16));
        assert_eq!(t.logfile.as_deref(), Some(Path::new("/var/log/ha-log")));
        assert_eq!(t.debuglog.as_deref(), Some(Path::new("/var/log/ha-debug")));
        assert!(t.debug);
    }

    #[test]
    fn same_file_for_log_and_debug_is_written_once() {
        let env = Env::default()
            .with("HA_LOGFILE", "/var/log/ha-log")
            .with("HA_DEBUGLOG", "/var/log/ha-log");
        assert_eq!(LogTargets::from_env(&env).0.debuglog, None);
    }

    #[test]
    fn unknown_facility_warns_and_uses_daemon() {
        let env = Env::default().with("HA_LOGFACILITY", "loca1");
        let (t, warning) = LogTargets::from_env(&env);
        assert_eq!(t.facility, Some(3));
        assert!(warning.unwrap().contains("loca1"));
    }

    #[test]
    fn ocf_lines_reach_stderr_only_when_nothing_else_carries_them() {
        let (syslog, _) = LogTargets::from_env(&Env::default().with("HA_LOGFACILITY", "daemon"));
        let (file, _) = LogTargets::from_env(&Env::default().with("HA_LOGFILE", "/var/log/x"));
        let (debug_only, _) =
            LogTargets::from_env(&Env::default().with("HA_DEBUGLOG", "/var/log/d"));
        let (none, _) = LogTargets::from_env(&Env::default());
        // Pacemaker exports HA_LOGFACILITY: its executor would log stderr a second time.
        assert!(!lines_on_stderr(true, &syslog, false));
        assert!(!lines_on_stderr(true, &file, false));
        assert!(lines_on_stderr(true, &debug_only, false));
        assert!(lines_on_stderr(true, &none, false));
        assert!(
            lines_on_stderr(true, &syslog, true),
            "a person at a terminal"
        );
        assert!(
            lines_on_stderr(false, &syslog, false),
            "heartbeat and manual"
        );
    }

    #[test]
    fn files_get_ha_log_lines_and_debug_only_in_debug_log() {
        let dir = tempfile::tempdir().unwrap();
        let logfile = dir.path().join("ha-log");
        let debuglog = dir.path().join("ha-debug");
        let targets = LogTargets {
            facility: None,
            logfile: Some(logfile.clone()),
            debuglog: Some(debuglog.clone()),
            debug: true,
            syslog_socket: dir.path().join("no-socket"),
        };
        let logger = Logger::new("Dummy", targets);
        logger.info("hello");
        logger.debug("details");
        let log = std::fs::read_to_string(&logfile).unwrap();
        let debug = std::fs::read_to_string(&debuglog).unwrap();
        assert_eq!(log.lines().count(), 1);
        assert!(log.contains(" INFO: hello"));
        assert_eq!(debug.lines().count(), 2);
        assert!(debug.contains(" DEBUG: details"));
    }

    #[test]
    fn syslog_lines_reach_the_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.sock");
        let server = UnixDatagram::bind(&path).unwrap();
        let targets = LogTargets {
            facility: Some(3),
            logfile: None,
            debuglog: None,
            debug: false,
            syslog_socket: path,
        };
        Logger::new("Dummy", targets).warn("to syslog");
        let mut buf = [0u8; 256];
        let n = server.recv(&mut buf).unwrap();
        let got = String::from_utf8_lossy(&buf[..n]);
        assert!(got.starts_with("<28>"), "{got}");
        assert!(
            got.contains(" Dummy[") && got.ends_with("WARN: to syslog"),
            "{got}"
        );
    }
}
