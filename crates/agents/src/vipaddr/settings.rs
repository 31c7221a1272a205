//! Parameters, checked and resolved once per action (no system access here).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use ha_agent::{AgentError, Ctx, Params};

use super::spec::{parse_ip, parse_netmask, split_heartbeat};

/// Linux's interface name limit (IFNAMSIZ - 1), which also bounds address labels.
pub const MAX_NAME: usize = 15;

/// The IPv4 broadcast address to set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broadcast {
    /// Computed from the prefix (none for /31 and /32).
    Auto,
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
    pub dad_probe: bool,
    pub dad_timeout: Duration,
    pub repair: bool,
    pub nodad: bool,
    /// IPv6 preferred lifetime in seconds; `None` is forever.
    pub preferred_lft: Option<u32>,
}

impl Settings {
    pub fn from_ctx(ctx: &Ctx) -> Result<Settings, AgentError> {
        Settings::from_params(ctx.params()).map_err(AgentError::configured)
    }

    pub fn from_params(p: &Params) -> Result<Settings, String> {
        let text = |name: &str| p.opt_str(name).map(str::trim).filter(|s| !s.is_empty());
        let hb = split_heartbeat(p.opt_str("ip").unwrap_or_default())?;
        if hb.ip.is_empty() {
            return Err("parameter 'ip' is empty: give the virtual IP address".to_string());
        }
        let ip = parse_ip(&hb.ip)?;
        let netmask = merge("cidr_netmask", hb.netmask.as_deref(), text("cidr_netmask"))?;
        let nic_param = merge("nic", hb.nic.as_deref(), text("nic"))?;
        let broadcast = merge("broadcast", hb.broadcast.as_deref(), text("broadcast"))?;
        let prefix = netmask.map(|m| parse_netmask(m, &ip)).transpose()?;

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
            if l.contains(|c: char| c.is_whitespace() || c == '/' || c == ':') {
                return Err(format!("iflabel '{l}' may not contain blanks, '/' or ':'"));
            }
            if let Some(n) = &nic {
                check_label(n, l)?;
            }
        }
        let broadcast = match broadcast {
            None => Broadcast::Auto,
            Some("none") => Broadcast::None,
            Some(b) if ip.is_ipv6() => {
                return Err(format!("broadcast '{b}': IPv6 has no broadcast address"))
            }
            Some(b) => Broadcast::Addr(
                b.parse()
                    .map_err(|_| format!("broadcast '{b}' is not an IPv4 address or 'none'"))?,
            ),
        };
        Ok(Settings {
            ip,
            prefix,
            nic,
            iflabel,
            broadcast,
            arp_count: count(p, "arp_count", 1000)?,
            arp_interval: Duration::from_millis(count(p, "arp_interval", 60_000)?.into()),
            arp_count_refresh: count(p, "arp_count_refresh", 1000)?,
            arp_bg: p.get_bool("arp_bg").map_err(|e| e.to_string())?,
            dad_probe: p.get_bool("dad_probe").map_err(|e| e.to_string())?,
            dad_timeout: Duration::from_millis(count(p, "dad_timeout_ms", 60_000)?.into()),
            repair: p.get_bool("repair").map_err(|e| e.to_string())?,
            nodad: p.get_bool("nodad").map_err(|e| e.to_string())?,
            preferred_lft: preferred_lft(p.opt_str("preferred_lft").unwrap_or("forever"), &ip)?,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, String> {
        let mut all = vec![
            ("arp_count", "5"),
            ("arp_interval", "200"),
            ("arp_count_refresh", "0"),
            ("arp_bg", "false"),
            ("dad_probe", "true"),
            ("dad_timeout_ms", "200"),
            ("repair", "false"),
            ("nodad", "false"),
            ("preferred_lft", "forever"),
        ];
        all.extend_from_slice(pairs);
        Settings::from_params(&Params::from_pairs(&all))
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
                vec![("ip", "10.0.0.1"), ("preferred_lft", "0")],
                "only IPv6",
            ),
            (
                vec![("ip", "fd00::1"), ("preferred_lft", "soon")],
                "'forever' or seconds",
            ),
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
    }
}
