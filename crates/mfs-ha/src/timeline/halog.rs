//! Heartbeat's `logfile` (ha.log) and `debugfile`: the lines that matter for a failover.
//!
//! Four line shapes occur (all in local time, whole seconds):
//! * `Dec 07 06:53:21 mfs-bak heartbeat: [78]: WARN: node mfs-master: is dead` (heartbeat
//!   itself; no year, the host is the node);
//! * `2026/12/07_06:53:21  ResourceManager(default)[278]:    info: Acquiring resource group: …`
//!   (the shell side: harc, mach_down, ResourceManager);
//! * `mfsmaster[349]: 2026/12/07_06:53:22 INFO: mfsmaster started with -a …` (the agents);
//! * `mach_down(default)[254]:\t2026/12/07_06:53:21 info: …` (the debugfile's variant).

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime};
use regex::Regex;

use super::event::{Event, Precision, Step, What};

/// How naive local times become instants: the machine's zone, or a fixed offset (tests).
#[derive(Debug, Clone, Copy)]
pub enum Zone {
    Local,
    Fixed(FixedOffset),
}

impl Zone {
    pub fn resolve(self, t: NaiveDateTime) -> Option<DateTime<FixedOffset>> {
        use chrono::TimeZone;
        match self {
            Zone::Local => chrono::Local
                .from_local_datetime(&t)
                .earliest()
                .map(|d| d.fixed_offset()),
            Zone::Fixed(off) => off.from_local_datetime(&t).earliest(),
        }
    }
}

static SYSLOG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\S+) (.*)$").unwrap()
});
static HA_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{4})/(\d{2})/(\d{2})_(\d{2}):(\d{2}):(\d{2})").unwrap());
static AGENT_DONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\w+)\[\d+\]: .*?\b(start|stop)\b[^:]*: done \(rc (-?\d+), (\d+) ms\)").unwrap()
});
static PEER_DEAD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"node (\S+): is dead").unwrap());
static LINK_DEAD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"Link (\S+):(\S+) dead").unwrap());
static SHUTDOWN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Received shutdown notice from '?([^'\s]+?)'?\.?$").unwrap());
static GROUP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(Acquiring|Releasing) resource group: \S+ (\S+)").unwrap());

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The events of one ha.log. `node` names the file's node when no line carries a host;
/// `year` dates heartbeat's own lines (which have none) until a dated line is seen.
pub fn parse(text: &str, node: &str, zone: Zone, year: i32) -> Vec<Event> {
    let host = text
        .lines()
        .find_map(|l| SYSLOG.captures(l).map(|c| c[6].to_string()))
        .unwrap_or_else(|| node.to_string());
    let mut year = text
        .lines()
        .find_map(|l| HA_DATE.captures(l).and_then(|c| c[1].parse().ok()))
        .unwrap_or(year);
    let mut events = Vec::new();
    for line in text.lines() {
        let Some((naive, rest)) = timestamp(line, &mut year) else {
            continue;
        };
        let Some(at) = zone.resolve(naive) else {
            continue;
        };
        if let Some(what) = classify(line, rest) {
            events.push(Event {
                at,
                precision: Precision::Second,
                node: host.clone(),
                source: "ha.log",
                what,
            });
        }
    }
    events
}

/// The line's time and the text after the syslog header (the whole line otherwise).
fn timestamp<'a>(line: &'a str, year: &mut i32) -> Option<(NaiveDateTime, &'a str)> {
    if let Some(c) = HA_DATE.captures(line) {
        let n = |i: usize| c[i].parse::<u32>().ok();
        *year = c[1].parse().ok()?;
        let date = NaiveDate::from_ymd_opt(*year, n(2)?, n(3)?)?;
        return Some((date.and_hms_opt(n(4)?, n(5)?, n(6)?)?, line));
    }
    let c = SYSLOG.captures(line)?;
    let month = MONTHS.iter().position(|m| *m == &c[1])? as u32 + 1;
    let n = |i: usize| c[i].parse::<u32>().ok();
    let date = NaiveDate::from_ymd_opt(*year, month, n(2)?)?;
    let rest = c.get(7)?.as_str();
    Some((date.and_hms_opt(n(3)?, n(4)?, n(5)?)?, rest))
}

fn classify(line: &str, rest: &str) -> Option<What> {
    if let Some(c) = AGENT_DONE.captures(line) {
        return Some(What::Action {
            agent: c[1].to_string(),
            action: c[2].to_string(),
            result: if &c[3] == "0" { "done" } else { "failed" }.to_string(),
            exit_code: c[3].parse().unwrap_or(1),
            seconds: c[4].parse::<f64>().unwrap_or(0.0) / 1000.0,
            steps: Vec::<Step>::new(),
            reason: None,
        });
    }
    if let Some(c) = PEER_DEAD.captures(rest) {
        return Some(What::PeerDead {
            peer: c[1].to_string(),
        });
    }
    if let Some(c) = LINK_DEAD.captures(rest) {
        return Some(What::LinkDead {
            peer: c[1].to_string(),
            link: c[2].to_string(),
        });
    }
    if let Some(c) = SHUTDOWN.captures(rest) {
        return Some(What::PeerShutdown {
            peer: c[1].to_string(),
        });
    }
    if let Some(c) = GROUP.captures(rest) {
        let group = c[2].to_string();
        return Some(match &c[1] {
            "Acquiring" => What::GroupAcquire { group },
            _ => What::GroupRelease { group },
        });
    }
    let text = || message(rest);
    if rest.contains("wants to go standby") || rest.contains("standby: acquire") {
        return Some(What::Standby { text: text() });
    }
    if rest.contains("mach_down takeover complete")
        || rest.contains("HA resource acquisition completed (standby)")
        || rest.contains("foreign HA resource release completed")
    {
        return Some(What::TransitionDone { text: text() });
    }
    if rest.contains(" answers INFO at ") {
        return Some(What::MasterAnswers { text: text() });
    }
    if rest.contains("started with -a") {
        return Some(What::Recovered { text: text() });
    }
    if rest.contains("Starting heartbeat ") {
        return Some(What::HeartbeatStart);
    }
    None
}

/// The message after the level (`info: `, `WARN: `, `INFO: `), or the trimmed rest.
fn message(rest: &str) -> String {
    for level in ["INFO: ", "info: ", "WARN: ", "ERROR: ", "CRIT: ", "debug: "] {
        if let Some(at) = rest.find(level) {
            return rest[at + level.len()..].trim().to_string();
        }
    }
    rest.trim().to_string()
}

/// A ha.log action line ends the action: its time is the end, `seconds` before it the start.
/// Moves such events to their (approximate) start so they sort like flight records.
pub fn start_of_logged_actions(events: &mut [Event]) {
    for e in events.iter_mut() {
        if let What::Action { seconds, .. } = &e.what {
            let back = chrono::Duration::microseconds((seconds * 1e6) as i64);
            e.at -= back;
        }
    }
}

/// The year to date heartbeat's year-less lines with, when the file has no dated line.
pub fn current_year() -> i32 {
    chrono::Local::now().year()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc() -> Zone {
        Zone::Fixed(FixedOffset::east_opt(0).unwrap())
    }

    #[test]
    fn reads_every_line_shape_and_names_the_node_from_the_host_field() {
        let text = "\
Dec 07 06:53:21 mfs-bak heartbeat: [78]: WARN: node mfs-master: is dead
Dec 07 06:53:21 mfs-bak heartbeat: [78]: info: Link mfs-master:eth1 dead.
2026/12/07_06:53:21  ResourceManager(default)[278]:    info: Acquiring resource group: mfs-master Initdrbd mfsmaster 192.168.8.210
mfsmaster[349]: 2026/12/07_06:53:22 INFO: mfsmaster 3.0.117 answers INFO at 127.0.0.1:9421 (metadata version 108)
mfsmaster[349]: 2026/12/07_06:53:22 INFO: start: done (rc 0, 928 ms)
VIPaddr[399]: 2026/12/07_06:53:23 INFO: start 192.168.8.210: done (rc 0, 1020 ms)
mach_down(default)[254]:\t2026/12/07_06:53:23 info: mach_down takeover complete for node mfs-master.
garbage line
";
        let events = parse(text, "dir", utc(), 1999);
        assert_eq!(events.len(), 7, "{events:#?}");
        assert!(events.iter().all(|e| e.node == "mfs-bak"));
        assert_eq!(events[0].at.to_rfc3339(), "2026-12-07T06:53:21+00:00");
        assert_eq!(
            events[0].what,
            What::PeerDead {
                peer: "mfs-master".into()
            }
        );
        assert!(matches!(&events[2].what, What::GroupAcquire { group } if group == "Initdrbd"));
        assert!(matches!(&events[3].what, What::MasterAnswers { .. }));
        assert!(
            matches!(&events[5].what, What::Action { agent, action, seconds, .. } if agent == "VIPaddr" && action == "start" && (*seconds - 1.02).abs() < 1e-9)
        );
        assert!(matches!(&events[6].what, What::TransitionDone { .. }));
    }

    #[test]
    fn without_any_dated_line_the_given_year_is_used() {
        let events = parse(
            "Mar 01 00:00:01 a heartbeat: [1]: WARN: node b: is dead\n",
            "x",
            utc(),
            2024,
        );
        assert_eq!(events[0].at.to_rfc3339(), "2024-03-01T00:00:01+00:00");
        assert_eq!(events[0].node, "a");
    }
}
