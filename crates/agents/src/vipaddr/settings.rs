//! Parameters, checked and resolved once per action (no system access here).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use ha_agent::{AgentError, Ctx, Params};

use super::ipaddr2::{self, CloneMeta};
use super::spec::{parse_ip, parse_netmask, split_heartbeat};

/// Linux's interface name limit (IFNAMSIZ - 1), which also bounds address labels.
pub const MAX_NAME: usize = hostops::netlink::MAX_IFNAME;

/// The IPv4 broadcast address to set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broadcast {
    /// Computed from the prefix: the host bits set (none for /31 and /32). Also `+`.
    Auto,
    /// `-` (ip's and IPaddr2's symbol): the host bits cleared (none for /31 and /32).
    HostBitsCleared,
    None,
    Addr(Ipv4Addr),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub ip: IpAddr,
    pub prefix: Option<u8>,
    pub nic: Option<String>,
    pub iflabel: Option<String>,
    pub broadcast: Broadcast,
    pub arp_count: u32,
    pub arp_interval: Duration,
    pub arp_count_refresh: u32,
    pub arp_bg: bool,
    /// Hosts that also get a directed ARP request each round (gateways that ignore
    /// gratuitous ARP).
    pub arp_targets: Vec<Ipv4Addr>,
    pub dad_probe: bool,
    pub dad_timeout: Duration,
    pub repair: bool,
    pub nodad: bool,
    /// IPv6 preferred lifetime in seconds; `None` is forever.
    pub preferred_lft: Option<u32>,
    /// Add with IFA_F_NOPREFIXROUTE: no route for the subnet.
    pub noprefixroute: bool,
    /// Flush the family's route cache after stop removed the address.
    pub flush_routes: bool,
    /// Work inside `/run/netns/<name>`.
    pub network_namespace: Option<String>,
    /// IPv6: the address label policy value added for the address (LVS-DR).
    pub lvs_ipv6_addrlabel: Option<u32>,
}

impl Settings {
    pub fn from_ctx(ctx: &Ctx) -> Result<Settings, AgentError> {
        let clone = CloneMeta::parse(
            ctx.meta("clone_max"),
            ctx.meta("clone"),
            ctx.meta("globally_unique"),
        )
        .map_err(AgentError::configured)?;
        Settings::from_params_in(ctx.params(), &clone).map_err(AgentError::configured)
    }

    /// Settings of a primitive (no clone).
    pub fn from_params(p: &Params) -> Result<Settings, String> {
        Settings::from_params_in(p, &CloneMeta::default())
    }

    /// Settings of one instance of a clone described by `clone`.
    pub fn from_params_in(p: &Params, clone: &CloneMeta) -> Result<Settings, String> {
        let text = |name: &str| p.opt_str(name).map(str::trim).filter(|s| !s.is_empty());
        ipaddr2::refuse_unsupported(p, clone)?;
        ipaddr2::check_arp_sender(p)?;
        let hb = split_heartbeat(p.opt_str("ip").unwrap_or_default())?;
        if hb.ip.is_empty() {
            return Err("parameter 'ip' is empty: give the virtual IP address".to_string());
        }
        let ip = ipaddr2::instance_address(parse_ip(&hb.ip)?, p, clone)?;
        check_unicast(&ip)?;
        let netmask = merge("cidr_netmask", hb.netmask.as_deref(), text("cidr_netmask"))?;
        let nic_param = merge("nic", hb.nic.as_deref(), text("nic"))?;
        let broadcast = merge("broadcast", hb.broadcast.as_deref(), text("broadcast"))?;
        let prefix = netmask.map(|m| parse_netmask(m, &ip)).transpose()?;
        if let Some(p) = prefix {
            check_host(&ip, p)?;
        }

        // `nic=eth0:label` is IPaddr2's other way to give a label.
        let (nic, nic_label) = match nic_param.map(|n| n.split_once(':').unwrap_or((n, ""))) {
            Some((n, l)) => (Some(n.to_string()), Some(l).filter(|l| !l.is_empty())),
            None => (None, None),
        };
        if let Some(n) = &nic {
            check_nic(n)?;
        }
        let iflabel = merge("iflabel", nic_label, text("iflabel"))?.map(str::to_string);
        if let Some(l) = &iflabel {
            if ip.is_ipv6() {
                return Err(format!(
                    "iflabel '{l}': IPv6 addresses have no labels (labels are IPv4 only)"
                ));
            }
            check_iflabel(l)?;
            if let Some(n) = &nic {
                check_label(n, l)?;
            }
        }
        let broadcast = match broadcast {
            None => Broadcast::Auto,
            Some("none") => Broadcast::None,
            Some("+") => Broadcast::Auto,
            Some("-") => Broadcast::HostBitsCleared,
            Some(b) if ip.is_ipv6() => {
                return Err(format!("broadcast '{b}': IPv6 has no broadcast address"))
            }
            Some(b) => Broadcast::Addr(b.parse().map_err(|_| {
                format!("broadcast '{b}' is not an IPv4 address, '+', '-' or 'none'")
            })?),
        };
        Ok(Settings {
            ip,
            prefix,
            nic,
            iflabel,
            broadcast,
            arp_count: count(p, "arp_count", 1000)?,
            arp_interval: p.get_duration("arp_interval").map_err(|e| e.to_string())?,
            arp_count_refresh: count(p, "arp_count_refresh", 1000)?,
            arp_bg: p.get_bool("arp_bg").map_err(|e| e.to_string())?,
            arp_targets: arp_targets(p.opt_str("arp_targets").unwrap_or_default(), &ip)?,
            dad_probe: ipaddr2::dad_probe(p)?,
            dad_timeout: p
                .get_duration("dad_timeout_ms")
                .map_err(|e| e.to_string())?,
            repair: p.get_bool("repair").map_err(|e| e.to_string())?,
            nodad: p.get_bool("nodad").map_err(|e| e.to_string())?,
            preferred_lft: preferred_lft(p.opt_str("preferred_lft").unwrap_or("forever"), &ip)?,
            noprefixroute: flag(p, "noprefixroute")?,
            flush_routes: flag(p, "flush_routes")?,
            network_namespace: ipaddr2::network_namespace(p)?,
            lvs_ipv6_addrlabel: ipaddr2::lvs_ipv6_addrlabel(p, &ip)?,
        })
    }

    /// The address label for `nic`, when one is configured: `<nic>:<iflabel>`.
    pub fn label_for(&self, nic: &str) -> Result<Option<String>, String> {
        match &self.iflabel {
            Some(l) => check_label(nic, l).map(Some),
            None => Ok(None),
        }
    }

    /// `ip/prefix` for messages (prefix `?` while unknown).
    pub fn shown(&self) -> String {
        match self.prefix {
            Some(p) => format!("{}/{p}", self.ip),
            None => self.ip.to_string(),
        }
    }
}

/// A boolean that is false when unset (parameters declared after a release keep old
/// callers of `from_params` working).
fn flag(p: &Params, name: &str) -> Result<bool, String> {
    match p.opt_str(name) {
        None => Ok(false),
        Some(_) => p.get_bool(name).map_err(|e| e.to_string()),
    }
}

/// One value given two ways (inside `ip` and as its own parameter) must agree.
fn merge<'a>(
    name: &str,
    from_ip: Option<&'a str>,
    param: Option<&'a str>,
) -> Result<Option<&'a str>, String> {
    match (from_ip, param) {
        (Some(a), Some(b)) if a != b => Err(format!(
            "{name} is given twice with different values: '{a}' in ip and '{b}' as {name}"
        )),
        (a, b) => Ok(a.or(b)),
    }
}

/// A list of IPv4 addresses separated by commas or blanks.
fn arp_targets(v: &str, ip: &IpAddr) -> Result<Vec<Ipv4Addr>, String> {
    let words: Vec<&str> = v
        .split([',', ' ', '\t'])
        .filter(|w| !w.is_empty())
        .collect();
    if !words.is_empty() && ip.is_ipv6() {
        return Err(format!("arp_targets '{v}': ARP is IPv4 only"));
    }
    words
        .iter()
        .map(|w| {
            w.parse::<Ipv4Addr>()
                .map_err(|_| format!("arp_targets: '{w}' is not an IPv4 address"))
        })
        .collect()
}

fn preferred_lft(v: &str, ip: &IpAddr) -> Result<Option<u32>, String> {
    let v = v.trim();
    if v.is_empty() || v == "forever" {
        return Ok(None);
    }
    if ip.is_ipv4() {
        return Err(format!(
            "preferred_lft '{v}': only IPv6 addresses take a preferred lifetime"
        ));
    }
    v.parse::<u32>()
        .ok()
        .filter(|s| *s < u32::MAX)
        .map(Some)
        .ok_or_else(|| format!("preferred_lft '{v}': expected 'forever' or seconds"))
}

fn count(p: &Params, name: &str, max: u32) -> Result<u32, String> {
    let v = p.get_int(name).map_err(|e| e.to_string())?;
    u32::try_from(v)
        .ok()
        .filter(|v| *v <= max)
        .ok_or_else(|| format!("parameter '{name}' must be 0 to {max}, got {v}"))
}

fn check_nic(nic: &str) -> Result<(), String> {
    let ok = !nic.is_empty()
        && nic.len() <= MAX_NAME
        && nic != "."
        && nic != ".."
        && !nic.contains(|c: char| c.is_whitespace() || c == '/');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "nic '{nic}' is not an interface name (1 to {MAX_NAME} bytes, no blanks or '/')"
        ))
    }
}

/// A VIP is one host's unicast address: not 0.0.0.0/::, a multicast group or 255.255.255.255.
fn check_unicast(ip: &IpAddr) -> Result<(), String> {
    let what = match ip {
        IpAddr::V4(v) if v.is_unspecified() => "the unspecified address",
        IpAddr::V4(v) if v.is_broadcast() => "the limited broadcast address",
        IpAddr::V4(v) if v.is_multicast() => "a multicast address",
        IpAddr::V6(v) if v.is_unspecified() => "the unspecified address",
        IpAddr::V6(v) if v.is_multicast() => "a multicast address",
        _ => return Ok(()),
    };
    Err(format!("ip {ip} is {what}, not a host address"))
}

/// An IPv4 VIP must be a host address of its subnet: not the network address, nor the
/// broadcast address (prefixes up to /30; /31 and /32 have neither).
pub fn check_host(ip: &IpAddr, prefix: u8) -> Result<(), String> {
    let IpAddr::V4(v4) = ip else {
        return Ok(());
    };
    if prefix >= 31 {
        return Ok(());
    }
    let host_bits = u32::MAX >> prefix;
    let net = Ipv4Addr::from(u32::from(*v4) & !host_bits);
    let bcast = Ipv4Addr::from(u32::from(*v4) | host_bits);
    let what = match u32::from(*v4) & host_bits {
        0 => "the network address",
        h if h == host_bits => "the broadcast address",
        _ => return Ok(()),
    };
    Err(format!(
        "ip {v4} is {what} of {net}/{prefix}, not a host address: use one of {} to {}",
        Ipv4Addr::from(u32::from(net) + 1),
        Ipv4Addr::from(u32::from(bcast) - 1)
    ))
}

/// The label's own part: the kernel stores `<nic>:<iflabel>` as the address label, which
/// tools (ifconfig aliases, the ioctl interface) treat as an interface name: ASCII letters,
/// digits, '.', '_' and '-' only, and not `.` or `..`.
fn check_iflabel(l: &str) -> Result<(), String> {
    if let Some(c) = l
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "iflabel '{}' contains {:?}: use ASCII letters, digits, '.', '_' or '-' (the label              <nic>:<iflabel> is an interface alias name)",
            l.escape_debug(),
            c
        ));
    }
    if l == "." || l == ".." {
        return Err(format!("iflabel '{l}' is not a usable alias name"));
    }
    Ok(())
}

fn check_label(nic: &str, iflabel: &str) -> Result<String, String> {
    let label = format!("{nic}:{iflabel}");
    if label.len() > MAX_NAME {
        return Err(format!(
            "label '{label}' is too long: {} bytes, at most {MAX_NAME} (nic:iflabel)",
            label.len()
        ));
    }
    Ok(label)
}

/// The IPv4 broadcast of `ip/prefix` (none for /31 and /32, as the kernel would not use one).
pub fn auto_broadcast(ip: Ipv4Addr, prefix: u8) -> Option<Ipv4Addr> {
    if prefix >= 31 {
        return None;
    }
    let host = u32::MAX >> prefix;
    Some(Ipv4Addr::from(u32::from(ip) | host))
}

/// The broadcast address to add for an IPv4 `ip/prefix`, as `ip addr add ... brd +|-|ADDR`.
pub fn broadcast_for(b: Broadcast, ip: Ipv4Addr, prefix: u8) -> Option<Ipv4Addr> {
    match b {
        Broadcast::Auto => auto_broadcast(ip, prefix),
        Broadcast::HostBitsCleared if prefix < 31 => {
            Some(Ipv4Addr::from(u32::from(ip) & !(u32::MAX >> prefix)))
        }
        Broadcast::HostBitsCleared | Broadcast::None => None,
        Broadcast::Addr(a) => Some(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Settings from `name=value` pairs, resolved against the declaration as the framework
    /// does (defaults, kinds: a bare `arp_interval` counts milliseconds).
    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, String> {
        let args: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let env = ha_agent::Env::default();
        let nowhere = std::path::Path::new("/nonexistent/VIPaddr.conf");
        let p =
            ha_agent::params::resolve(&crate::vipaddr::spec::spec(), &args, &env, None, nowhere)
                .map_err(|e| e.reason)?;
        Settings::from_params(&p)
    }

    #[test]
    fn durations_keep_their_bare_unit_and_take_units() {
        let ms = Duration::from_millis;
        let s = settings(&[("ip", "10.0.0.1")]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((s.arp_interval, s.dad_timeout), (ms(200), ms(200)));
        let s = settings(&[
            ("ip", "10.0.0.1"),
            ("arp_interval", "1s"),
            ("dad_timeout_ms", "350"),
        ]);
        let s = s.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((s.arp_interval, s.dad_timeout), (ms(1000), ms(350)));
        let e = settings(&[("ip", "10.0.0.1"), ("arp_interval", "2min")]).err();
        assert_eq!(
            e.as_deref(),
            Some("parameter 'arp_interval': must be 0s to 1min, got '2min' (from a name=value argument)")
        );
    }

    #[test]
    fn heartbeat_argument_fills_netmask_nic_and_broadcast() {
        let s = settings(&[("ip", "192.168.8.210/255.255.255.0/eth0/192.168.8.255")]);
        let s = s.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.prefix, Some(24));
        assert_eq!(s.nic.as_deref(), Some("eth0"));
        assert_eq!(
            s.broadcast,
            Broadcast::Addr(Ipv4Addr::new(192, 168, 8, 255))
        );
        let same = settings(&[("ip", "10.0.0.1/24"), ("cidr_netmask", "24")]);
        assert!(same.is_ok());
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        for (pairs, needle) in [
            (vec![("ip", "10.0.0.300")], "not an IPv4 or IPv6 address"),
            (vec![("ip", "")], "empty"),
            (vec![("ip", "10.0.0.1/33")], "prefix length"),
            (
                vec![("ip", "10.0.0.1/24"), ("cidr_netmask", "16")],
                "given twice",
            ),
            (
                vec![
                    ("ip", "10.0.0.1"),
                    ("nic", "eth0"),
                    ("iflabel", "verylonglabel"),
                ],
                "too long",
            ),
            (
                vec![("ip", "10.0.0.1"), ("nic", "a b")],
                "not an interface name",
            ),
            (
                vec![("ip", "fd00::1"), ("iflabel", "x")],
                "IPv6 addresses have no labels",
            ),
            (
                vec![("ip", "10.0.0.1"), ("broadcast", "x")],
                "not an IPv4 address",
            ),
            (vec![("ip", "10.0.0.1"), ("arp_count", "-1")], "arp_count"),
            (
                vec![("ip", "10.0.0.1"), ("arp_targets", "10.0.0.254,gw")],
                "'gw' is not",
            ),
            (
                vec![("ip", "fd00::1"), ("arp_targets", "10.0.0.254")],
                "IPv4 only",
            ),
            (
                vec![("ip", "10.0.0.1"), ("preferred_lft", "0")],
                "only IPv6",
            ),
            (
                vec![("ip", "fd00::1"), ("preferred_lft", "soon")],
                "'forever' or seconds",
            ),
            (vec![("ip", "192.168.8.0/24")], "the network address"),
            (vec![("ip", "0.0.0.0")], "the unspecified address"),
            (vec![("ip", "224.0.0.1")], "a multicast address"),
            (vec![("ip", "255.255.255.255")], "limited broadcast"),
            (vec![("ip", "ff02::1")], "a multicast address"),
            (vec![("ip", "192.168.8.255/24")], "the broadcast address"),
            (
                vec![("ip", "10.0.0.1"), ("nic", "eth0"), ("iflabel", "a%b")],
                "contains '%'",
            ),
            (
                vec![("ip", "10.0.0.1"), ("iflabel", "v\u{e9}")],
                "ASCII letters",
            ),
            (vec![("ip", "10.0.0.1"), ("iflabel", "a b")], "contains ' '"),
            (vec![("ip", "10.0.0.1"), ("nic", "eth0:..")], "not a usable"),
        ] {
            match settings(&pairs) {
                Ok(s) => panic!("{pairs:?} accepted: {s:?}"),
                Err(e) => assert!(e.contains(needle), "{pairs:?}: {e}"),
            }
        }
    }

    #[test]
    fn nic_may_carry_the_label() {
        let s =
            settings(&[("ip", "10.0.0.1"), ("nic", "eth0:7")]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.nic.as_deref(), Some("eth0"));
        assert_eq!(s.label_for("eth0"), Ok(Some("eth0:7".to_string())));
    }

    #[test]
    fn host_addresses_pass_and_31_32_have_no_network_address() {
        let ip = |t: &str| {
            t.parse::<IpAddr>()
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
        };
        assert!(check_host(&ip("192.168.8.1"), 24).is_ok());
        assert!(check_host(&ip("192.168.8.254"), 24).is_ok());
        assert!(check_host(&ip("10.0.0.0"), 31).is_ok());
        assert!(check_host(&ip("10.0.0.0"), 32).is_ok());
        assert!(check_host(&ip("fd00::"), 64).is_ok());
        assert_eq!(
            check_host(&ip("10.1.2.3"), 30),
            Err("ip 10.1.2.3 is the broadcast address of 10.1.2.0/30, not a host address: use one of 10.1.2.1 to 10.1.2.2".to_string())
        );
    }

    #[test]
    fn broadcast_is_computed_from_the_prefix() {
        let ip = Ipv4Addr::new(192, 168, 8, 210);
        assert_eq!(
            auto_broadcast(ip, 24),
            Some(Ipv4Addr::new(192, 168, 8, 255))
        );
        assert_eq!(
            auto_broadcast(ip, 1),
            Some(Ipv4Addr::new(255, 255, 255, 255))
        );
        assert_eq!(auto_broadcast(ip, 31), None);
        assert_eq!(auto_broadcast(ip, 32), None);
        let net = Some(Ipv4Addr::new(192, 168, 8, 0));
        assert_eq!(broadcast_for(Broadcast::HostBitsCleared, ip, 24), net);
        assert_eq!(broadcast_for(Broadcast::HostBitsCleared, ip, 31), None);
        assert_eq!(broadcast_for(Broadcast::None, ip, 24), None);
    }

    #[test]
    fn ipaddr2_broadcast_symbols_and_flags_are_read() {
        let s = settings(&[
            ("ip", "10.0.0.1"),
            ("broadcast", "-"),
            ("noprefixroute", "true"),
            ("flush_routes", "yes"),
            ("network_namespace", "blue"),
        ]);
        let s = s.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.broadcast, Broadcast::HostBitsCleared);
        assert!(s.noprefixroute && s.flush_routes);
        assert_eq!(s.network_namespace.as_deref(), Some("blue"));
        let plus = settings(&[("ip", "10.0.0.1"), ("broadcast", "+")]);
        assert_eq!(plus.map(|s| s.broadcast), Ok(Broadcast::Auto));
    }
}
