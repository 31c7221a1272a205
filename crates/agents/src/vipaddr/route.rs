//! Where the address goes: the interface and prefix, given or taken from the longest connected
//! route of the main table that contains the IP (IPaddr2's findif, without `ip route`).

use std::net::IpAddr;

use ha_agent::{AgentError, Ctx};

use super::settings::Settings;
use hostops::netlink::{family_of, Link, Netlink, Route};

/// The interface, prefix and label an address is (to be) added with.
#[derive(Debug, Clone)]
pub struct Target {
    pub link: Link,
    pub prefix: u8,
    pub label: Option<String>,
}

/// Whether `ip` lies in `net/prefix`.
pub fn contains(net: &IpAddr, prefix: u8, ip: &IpAddr) -> bool {
    let bits = |a: &IpAddr| -> (u128, u32) {
        match a {
            IpAddr::V4(v) => (u128::from(u32::from(*v)), 32),
            IpAddr::V6(v) => (u128::from(*v), 128),
        }
    };
    let ((n, width), (i, iw)) = (bits(net), bits(ip));
    if width != iw || u32::from(prefix) > width {
        return false;
    }
    let shift = width - u32::from(prefix);
    if shift >= 128 {
        return true;
    }
    (n >> shift) == (i >> shift)
}

/// The longest connected (gateway-less, non-default) route containing `ip`, on `only` if given.
pub fn best_connected<'a>(
    routes: &'a [Route],
    ip: &IpAddr,
    only: Option<u32>,
) -> Option<&'a Route> {
    routes
        .iter()
        .filter(|r| !r.gateway && r.prefix > 0 && contains(&r.dst, r.prefix, ip))
        .filter(|r| only.is_none_or(|i| r.oif == i))
        .max_by_key(|r| r.prefix)
}

/// Resolves the interface and prefix for start (and repair). An unknown interface is a
/// configuration error; no matching route is "invalid on this host" (probe-safe).
pub fn resolve(ctx: &Ctx, nl: &mut Netlink, s: &Settings) -> Result<Target, AgentError> {
    let links = nl.links()?;
    let given =
        match &s.nic {
            Some(name) => Some(links.iter().find(|l| &l.name == name).cloned().ok_or_else(
                || AgentError::configured(format!("unknown interface '{name}' (nic)")),
            )?),
            None => None,
        };
    let (link, prefix) = match (given, s.prefix) {
        (Some(link), Some(prefix)) => (link, prefix),
        (given, prefix) => {
            let routes = nl.routes(family_of(&s.ip))?;
            let only = given.as_ref().map(|l| l.index);
            let Some(route) = best_connected(&routes, &s.ip, only) else {
                let on = given
                    .as_ref()
                    .map(|l| format!(" on {}", l.name))
                    .unwrap_or_default();
                return Err(AgentError::args(format!(
                    "no connected route{on} contains {}: set nic and cidr_netmask",
                    s.ip
                )));
            };
            let link = match given {
                Some(l) => l,
                None => links
                    .iter()
                    .find(|l| l.index == route.oif)
                    .cloned()
                    .ok_or_else(|| {
                        AgentError::generic(format!("route to {} has no interface", s.ip))
                    })?,
            };
            let why = format!("route {}/{} dev {}", route.dst, route.prefix, link.name);
            if s.nic.is_none() {
                ctx.info(&format!(
                    "Using calculated nic for {}: {} ({why})",
                    s.ip, link.name
                ));
            }
            let prefix = match prefix {
                Some(p) => p,
                None => {
                    ctx.info(&format!(
                        "Using calculated netmask for {}: {} ({why})",
                        s.ip, route.prefix
                    ));
                    route.prefix
                }
            };
            (link, prefix)
        }
    };
    super::settings::check_host(&s.ip, prefix).map_err(AgentError::configured)?;
    let label = s.label_for(&link.name).map_err(AgentError::configured)?;
    Ok(Target {
        link,
        prefix,
        label,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(dst: &str, prefix: u8, oif: u32, gateway: bool) -> Route {
        Route {
            dst: dst.parse().unwrap_or(IpAddr::from([0u8; 4])),
            prefix,
            oif,
            gateway,
        }
    }

    #[test]
    fn the_longest_connected_route_decides() {
        let routes = [
            route("0.0.0.0", 0, 1, true),
            route("10.200.0.0", 16, 2, false),
            route("10.200.1.0", 24, 3, false),
            route("10.200.1.0", 28, 4, true),
        ];
        let ip: IpAddr = "10.200.1.100".parse().unwrap_or(IpAddr::from([0u8; 4]));
        assert_eq!(best_connected(&routes, &ip, None).map(|r| r.oif), Some(3));
        assert_eq!(
            best_connected(&routes, &ip, Some(2)).map(|r| r.oif),
            Some(2)
        );
        assert_eq!(best_connected(&routes, &ip, Some(1)), None);
        let other: IpAddr = "192.168.1.1".parse().unwrap_or(IpAddr::from([0u8; 4]));
        assert_eq!(best_connected(&routes, &other, None), None);
    }

    #[test]
    fn containment_handles_both_families_and_edges() {
        let p = |s: &str| s.parse::<IpAddr>().unwrap_or(IpAddr::from([0u8; 4]));
        assert!(contains(&p("10.0.0.0"), 8, &p("10.255.0.1")));
        assert!(!contains(&p("10.0.0.0"), 8, &p("11.0.0.1")));
        assert!(contains(&p("10.0.0.1"), 32, &p("10.0.0.1")));
        assert!(contains(&p("fd00::"), 64, &p("fd00::1234")));
        assert!(!contains(&p("fd00::"), 64, &p("fd01::1")));
        assert!(!contains(&p("10.0.0.0"), 8, &p("fd00::1")));
        assert!(contains(&p("0.0.0.0"), 0, &p("1.2.3.4")));
    }
}
