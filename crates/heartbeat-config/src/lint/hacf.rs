//! ha.cf: directives, timers, media, auto_failback, crm, node lines (config.c).

use super::{edit_distance, Diagnostic};
use crate::hacf::HaCf;

/// The directives heartbeat 3.0.6 accepts (config.c `Directives[]`, the media plugins, and the
/// WithDirectives handled by name); anything else stops it with "Illegal configuration directive".
const KNOWN_DIRECTIVES: &[&str] = &[
    "hopfudge",
    "keepalive",
    "deadtime",
    "deadping",
    "initdead",
    "warntime",
    "watchdog",
    "baud",
    "udpport",
    "logfacility",
    "logfile",
    "debugfile",
    "nice_failback",
    "auto_failback",
    "rtprio",
    "hbgenmethod",
    "realtime",
    "debug",
    "msgfmt",
    "use_logd",
    "conn_logd_time",
    "use_apphbd",
    "log_badpack",
    "syslogmsgfmt",
    "coredumps",
    "coreroot",
    "autojoin",
    "uuidfrom",
    "compression",
    "compression_threshold",
    "traditional_compression",
    "max_rexmit_delay",
    "record_config_changes",
    "record_pengine_inputs",
    "enable_config_writes",
    "memreserve",
    "quorum_server",
    "node",
    "crm",
    "pacemaker",
    "apiauth",
    "respawn",
    "env",
    "stonith",
    "stonith_host",
    "ping",
    "ping_group",
    "bcast",
    "mcast",
    "mcast6",
    "ucast",
    "serial",
    "udp",
];

/// Media directives: the communication paths between the nodes.
const MEDIA: &[&str] = &["bcast", "mcast", "mcast6", "ucast", "serial", "udp"];

/// A heartbeat time value in milliseconds: a number of seconds (fractions allowed) or with a
/// `ms`/`s`/`us` suffix, as `cl_get_msec` reads it. None when heartbeat would not accept it.
pub fn time_ms(value: &str) -> Option<f64> {
    let v = value.trim();
    let (number, scale) = if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (v, 1000.0)
    };
    let ok = !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit() || c == '.')
        && number.chars().filter(|&c| c == '.').count() <= 1;
    let n: f64 = if ok { number.parse().ok()? } else { None? };
    (n.is_finite() && n >= 0.0).then_some(n * scale)
}

fn seconds(ms: f64) -> String {
    let s = ms / 1000.0;
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}

/// ha.cf on its own, and against the haresources file when one is used.
/// `this_node` is the name heartbeat will use for this machine (`uname -n` or nodeinfo).
pub fn hacf(cf: &HaCf, uses_haresources: bool, this_node: Option<&str>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    unknown_directives(cf, &mut out);
    timers(cf, &mut out);
    media(cf, &mut out);
    failback(cf, &mut out);
    crm(cf, uses_haresources, &mut out);
    nodes(cf, this_node, &mut out);
    out
}

fn unknown_directives(cf: &HaCf, out: &mut Vec<Diagnostic>) {
    for d in &cf.directives {
        if !KNOWN_DIRECTIVES.contains(&d.key.as_str()) {
            let near = KNOWN_DIRECTIVES
                .iter()
                .filter(|k| edit_distance(k, &d.key) <= 2)
                .min_by_key(|k| edit_distance(k, &d.key));
            let fix = match near {
                Some(k) => format!("did you mean '{k}'? heartbeat exits at startup with \"Illegal configuration directive [{}]\"", d.key),
                None => format!("remove it or correct the spelling: heartbeat exits at startup with \"Illegal configuration directive [{}]\"", d.key),
            };
            out.push(Diagnostic::error(
                "hacf-directive",
                Some(d.line),
                format!("unknown directive '{}'", d.key),
                fix,
            ));
        }
    }
}

/// Reads a timer directive; a value heartbeat rejects is reported and treated as unset.
fn timer(cf: &HaCf, key: &str, out: &mut Vec<Diagnostic>) -> Option<(f64, usize)> {
    let d = cf.get(key)?;
    match time_ms(&d.value) {
        Some(ms) => Some((ms, d.line)),
        None => {
            out.push(Diagnostic::error(
                "hacf-timers",
                Some(d.line),
                format!("{key} '{}' is not a time", d.value),
                format!("write seconds (`{key} 30`) or milliseconds (`{key} 500ms`)"),
            ));
            None
        }
    }
}

fn timers(cf: &HaCf, out: &mut Vec<Diagnostic>) {
    let keepalive = timer(cf, "keepalive", out);
    let deadtime = timer(cf, "deadtime", out);
    let warntime = timer(cf, "warntime", out);
    let initdead = timer(cf, "initdead", out);
    for (key, value, default) in [
        ("keepalive", keepalive, "1 s"),
        ("deadtime", deadtime, "30 s"),
    ] {
        if value.is_none() && cf.get(key).is_none() {
            out.push(Diagnostic::warning(
                "hacf-timers",
                None,
                format!("{key} is not set (heartbeat's compiled-in default is {default})"),
                format!("set {key} explicitly, identical on both nodes, so the failover time is written down where operators look"),
            ));
        }
    }
    let keep = keepalive.map(|k| k.0).unwrap_or(1000.0);
    let dead = deadtime.map(|d| d.0).unwrap_or(30000.0);
    let dead_line = deadtime.map(|d| d.1);
    if dead <= 2.0 * keep {
        out.push(Diagnostic::error(
            "hacf-timers",
            dead_line.or(keepalive.map(|k| k.1)),
            format!(
                "deadtime {} is not more than twice keepalive {}: heartbeat refuses to start",
                seconds(dead),
                seconds(keep)
            ),
            format!(
                "raise deadtime above {} (commonly 5-10 × keepalive), or lower keepalive",
                seconds(2.0 * keep)
            ),
        ));
    }
    match warntime {
        Some((warn, line)) if warn >= dead => out.push(Diagnostic::warning(
            "hacf-timers",
            Some(line),
            format!(
                "warntime {} is not below deadtime {}: no late-heartbeat warning ever comes before the peer is declared dead",
                seconds(warn),
                seconds(dead)
            ),
            "set warntime between keepalive and deadtime (e.g. half of deadtime)".into(),
        )),
        Some((warn, line)) if warn <= keep => out.push(Diagnostic::warning(
            "hacf-timers",
            Some(line),
            format!(
                "warntime {} is not above keepalive {}: every heartbeat counts as late",
                seconds(warn),
                seconds(keep)
            ),
            "set warntime between keepalive and deadtime (e.g. half of deadtime)".into(),
        )),
        _ => {}
    }
    match initdead {
        None if cf.get("initdead").is_none() => out.push(Diagnostic::warning(
            "hacf-timers",
            None,
            "initdead is not set: a node booting while the network or the peer is slow declares the peer dead after deadtime and takes the group (both nodes primary)".into(),
            format!("set initdead to at least twice deadtime (here {})", seconds(2.0 * dead)),
        )),
        Some((init, line)) if init < dead => out.push(Diagnostic::error(
            "hacf-timers",
            Some(line),
            format!(
                "initdead {} is below deadtime {}",
                seconds(init),
                seconds(dead)
            ),
            format!("set initdead to at least twice deadtime (here {})", seconds(2.0 * dead)),
        )),
        Some((init, line)) if init < 2.0 * dead => out.push(Diagnostic::warning(
            "hacf-timers",
            Some(line),
            format!(
                "initdead {} is less than twice deadtime {}: at boot the peer may be declared dead before its network is up",
                seconds(init),
                seconds(dead)
            ),
            format!("set initdead to at least {}", seconds(2.0 * dead)),
        )),
        _ => {}
    }
}

fn media(cf: &HaCf, out: &mut Vec<Diagnostic>) {
    let first_medium = cf
        .directives
        .iter()
        .find(|d| MEDIA.contains(&d.key.as_str()));
    match first_medium {
        None => out.push(Diagnostic::error(
            "hacf-media",
            None,
            "no communication path (bcast, mcast, ucast or serial): the nodes never hear each other and each takes the group".into(),
            "add at least one, preferably two on separate links, e.g. `bcast eth1` (a dedicated link) and `bcast eth0`".into(),
        )),
        Some(medium) => {
            // heartbeat binds each medium to the udpport known when its line is read: a later
            // udpport does not apply to the media above it (they keep the default, 694)
            let late = cf.all("udpport").find(|p| p.line > medium.line && p.value.trim() != "694");
            if let Some(port) = late {
                out.push(Diagnostic::warning(
                    "hacf-media",
                    Some(port.line),
                    format!(
                        "udpport {} comes after the {} line {}: the media above it keep the default port 694 (\"udpport setting must precede media statements\")",
                        port.value, medium.key, medium.line
                    ),
                    "move the udpport line above every bcast/mcast/ucast line".into(),
                ));
            }
        }
    }
    for d in cf
        .directives
        .iter()
        .filter(|d| MEDIA.contains(&d.key.as_str()))
    {
        let words = d.value.split_whitespace().count();
        let needed = match d.key.as_str() {
            "ucast" => 2,
            "mcast" | "mcast6" => 5,
            _ => 1,
        };
        if words < needed {
            out.push(Diagnostic::error(
                "hacf-media",
                Some(d.line),
                format!("'{} {}' is incomplete", d.key, d.value),
                match d.key.as_str() {
                    "ucast" => "write `ucast <interface> <peer address>`".into(),
                    "mcast" | "mcast6" => {
                        "write `mcast <interface> <group> <port> <ttl> <loop>`".into()
                    }
                    _ => format!("write `{} <interface>`", d.key),
                },
            ));
        }
    }
}

fn failback(cf: &HaCf, out: &mut Vec<Diagnostic>) {
    match cf.get("auto_failback") {
        None if cf.get("nice_failback").is_none() => out.push(Diagnostic::warning(
            "hacf-auto-failback",
            None,
            "auto_failback is not set: heartbeat runs in deprecated 'legacy' mode, where hb_standby is refused".into(),
            "set `auto_failback on` (the group returns to its preferred node) or `auto_failback off` (it stays where it is)".into(),
        )),
        Some(d) => match d.value.to_ascii_lowercase().as_str() {
            "on" | "off" | "yes" | "no" | "true" | "false" | "1" | "0" | "y" | "n" => {}
            "legacy" => out.push(Diagnostic::warning(
                "hacf-auto-failback",
                Some(d.line),
                "auto_failback legacy is deprecated: hb_standby is refused".into(),
                "set `auto_failback on` or `auto_failback off`".into(),
            )),
            other => out.push(Diagnostic::error(
                "hacf-auto-failback",
                Some(d.line),
                format!("auto_failback '{other}' is not on, off or legacy: heartbeat refuses to start"),
                "set `auto_failback on` or `auto_failback off`".into(),
            )),
        },
        None => {}
    }
}

fn crm(cf: &HaCf, uses_haresources: bool, out: &mut Vec<Diagnostic>) {
    let crm = cf.get("crm").or_else(|| cf.get("pacemaker"));
    if let Some(d) = crm {
        let on = matches!(
            d.value.to_ascii_lowercase().as_str(),
            "on" | "yes" | "true" | "1" | "y" | "respawn"
        );
        if on && uses_haresources {
            out.push(Diagnostic::error(
                "hacf-crm",
                Some(d.line),
                format!("'{} {}' hands resources to Pacemaker: haresources is ignored and nothing of it ever starts", d.key, d.value),
                "use `crm off` for the haresources set-up, or move the group into the Pacemaker CIB (and remove haresources)".into(),
            ));
        }
    }
}

fn nodes(cf: &HaCf, this_node: Option<&str>, out: &mut Vec<Diagnostic>) {
    let nodes = cf.nodes();
    if nodes.is_empty() {
        out.push(Diagnostic::error(
            "hacf-nodes",
            None,
            "no node lines: heartbeat refuses to start".into(),
            "add one `node <uname -n>` line per cluster node".into(),
        ));
        return;
    }
    if nodes.len() < 2 {
        out.push(Diagnostic::warning(
            "hacf-nodes",
            cf.all("node").next().map(|d| d.line),
            format!(
                "only one node ({}): there is nothing to fail over to",
                nodes.join(" ")
            ),
            "add a `node` line for the peer (its `uname -n`)".into(),
        ));
    }
    if let Some(me) = this_node {
        if !nodes.iter().any(|n| n.eq_ignore_ascii_case(me)) {
            out.push(Diagnostic::error(
                "hacf-nodes",
                cf.all("node").last().map(|d| d.line),
                format!(
                    "this node '{me}' is not among the node lines ({}): heartbeat exits with \"Current node [{me}] not in configuration!\"",
                    nodes.join(", ")
                ),
                format!("add `node {me}`, or set the hostname to the name used here (hostnamectl set-hostname / /etc/hostname), or write the name into /etc/ha.d/nodeinfo"),
            ));
        }
    }
}
