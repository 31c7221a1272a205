//! The kernel's link, address and route messages, decoded (pure; never panics on any input).

use std::net::IpAddr;

use super::nlmsg::{self, Attrs};

const IFLA_ADDRESS: u16 = 1;
const IFLA_IFNAME: u16 = 3;
pub const IFF_UP: u32 = 0x1;
pub const IFF_LOWER_UP: u32 = 0x1_0000;

pub const IFA_ADDRESS: u16 = 1;
pub const IFA_LOCAL: u16 = 2;
pub const IFA_LABEL: u16 = 3;
pub const IFA_BROADCAST: u16 = 4;
pub const IFA_CACHEINFO: u16 = 6;
pub const IFA_FLAGS: u16 = 8;
pub const IFA_F_SECONDARY: u32 = 0x01;
pub const IFA_F_NODAD: u32 = 0x02;
pub const IFA_F_DADFAILED: u32 = 0x08;
pub const IFA_F_TENTATIVE: u32 = 0x40;

const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RTA_GATEWAY: u16 = 5;
const RTA_TABLE: u16 = 15;
pub const RT_TABLE_MAIN: u32 = 254;
const RTN_UNICAST: u8 = 1;

/// A network interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub index: u32,
    pub name: String,
    pub flags: u32,
    /// The hardware address (6 bytes on Ethernet; empty on loopback-like links).
    pub mac: Vec<u8>,
}

impl Link {
    /// Administratively up and with carrier.
    pub fn is_up(&self) -> bool {
        self.flags & IFF_UP != 0 && self.flags & IFF_LOWER_UP != 0
    }
}

/// An address on an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addr {
    pub index: u32,
    pub ip: IpAddr,
    pub prefix: u8,
    pub flags: u32,
    pub label: Option<String>,
}

/// A route of the main table with an output interface (connected routes have no gateway).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub dst: IpAddr,
    pub prefix: u8,
    pub oif: u32,
    pub gateway: bool,
}

pub fn family_of(ip: &IpAddr) -> i32 {
    match ip {
        IpAddr::V4(_) => libc::AF_INET,
        IpAddr::V6(_) => libc::AF_INET6,
    }
}

pub fn ip_bytes(ip: &IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

fn ip_from(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from),
        _ => None,
    }
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map(u32::from_ne_bytes)
}

pub fn parse_link(body: &[u8]) -> Option<Link> {
    let index = u32_at(body, 4)?;
    let flags = u32_at(body, 8)?;
    let attrs = Attrs::new(body.get(16..)?);
    let name = attrs.get(IFLA_IFNAME).map(nlmsg::c_string)?;
    let mac = attrs.get(IFLA_ADDRESS).unwrap_or_default().to_vec();
    Some(Link {
        index,
        name,
        flags,
        mac,
    })
}

pub fn parse_addr(body: &[u8]) -> Option<Addr> {
    let prefix = *body.get(1)?;
    let flags8 = u32::from(*body.get(2)?);
    let index = u32_at(body, 4)?;
    let attrs = Attrs::new(body.get(8..)?);
    // IFA_LOCAL is the address itself (IFA_ADDRESS is the peer on point-to-point links).
    let ip = attrs
        .get(IFA_LOCAL)
        .or_else(|| attrs.get(IFA_ADDRESS))
        .and_then(ip_from)?;
    let flags = attrs
        .get(IFA_FLAGS)
        .and_then(|b| u32_at(b, 0))
        .unwrap_or(flags8);
    let label = attrs.get(IFA_LABEL).map(nlmsg::c_string);
    Some(Addr {
        index,
        ip,
        prefix,
        flags,
        label,
    })
}

pub fn parse_route(body: &[u8], family: i32) -> Option<Route> {
    let fam = i32::from(*body.first()?);
    let prefix = *body.get(1)?;
    let table8 = u32::from(*body.get(4)?);
    let rtype = *body.get(7)?;
    if fam != family || rtype != RTN_UNICAST {
        return None;
    }
    let attrs = Attrs::new(body.get(12..)?);
    let table = attrs
        .get(RTA_TABLE)
        .and_then(|b| u32_at(b, 0))
        .unwrap_or(table8);
    if table != RT_TABLE_MAIN {
        return None;
    }
    let dst = match attrs.get(RTA_DST).and_then(ip_from) {
        Some(d) => d,
        None if family == libc::AF_INET => IpAddr::from([0u8; 4]),
        None => IpAddr::from([0u8; 16]),
    };
    let oif = attrs.get(RTA_OIF).and_then(|b| u32_at(b, 0))?;
    Some(Route {
        dst,
        prefix,
        oif,
        gateway: attrs.get(RTA_GATEWAY).is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vipaddr::nlmsg::push_attr;

    #[test]
    fn an_address_message_decodes_with_its_extended_flags_and_label() {
        let mut body = vec![2u8, 24, 0x01, 0, 7, 0, 0, 0]; // AF_INET, /24, secondary, index 7
        push_attr(&mut body, IFA_ADDRESS, &[10, 0, 0, 9]);
        push_attr(&mut body, IFA_LOCAL, &[10, 0, 0, 5]);
        push_attr(&mut body, IFA_LABEL, b"eth0:1\0");
        push_attr(
            &mut body,
            IFA_FLAGS,
            &(IFA_F_SECONDARY | 0x100).to_ne_bytes(),
        );
        let a = parse_addr(&body);
        assert_eq!(
            a,
            Some(Addr {
                index: 7,
                ip: IpAddr::from([10, 0, 0, 5]),
                prefix: 24,
                flags: IFA_F_SECONDARY | 0x100,
                label: Some("eth0:1".into()),
            })
        );
    }

    #[test]
    fn links_and_main_table_routes_decode() {
        let mut link = vec![0u8; 16];
        link[4..8].copy_from_slice(&3u32.to_ne_bytes());
        link[8..12].copy_from_slice(&(IFF_UP | IFF_LOWER_UP).to_ne_bytes());
        push_attr(&mut link, IFLA_IFNAME, b"veth0\0");
        push_attr(&mut link, IFLA_ADDRESS, &[2, 0, 0, 0, 0, 1]);
        let l = parse_link(&link);
        assert_eq!(
            l.as_ref().map(|l| (l.index, l.name.as_str(), l.is_up())),
            Some((3, "veth0", true))
        );

        let mut route = vec![2u8, 24, 0, 0, 254, 2, 253, 1, 0, 0, 0, 0];
        push_attr(&mut route, RTA_DST, &[10, 0, 0, 0]);
        push_attr(&mut route, RTA_OIF, &3u32.to_ne_bytes());
        let r = parse_route(&route, 2);
        assert_eq!(
            r.map(|r| (r.prefix, r.oif, r.gateway)),
            Some((24, 3, false))
        );
        route[4] = 255; // the local table: not ours
        assert_eq!(parse_route(&route, 2), None);
        assert_eq!(parse_route(&route, 10), None);
    }
}
