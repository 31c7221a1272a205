//! The kernel's link, address and route messages as plain values: what VIPaddr needs from the
//! typed messages of `netlink-packet-route`, and the walk over a receive buffer (pure; never
//! panics on any input: undecodable messages are skipped and reported, not fatal).

use std::net::IpAddr;

use netlink_packet_core::{NetlinkBuffer, NetlinkMessage, NLMSG_ALIGNTO};
use netlink_packet_route::address::{AddressAttribute, AddressFlags, AddressMessage};
use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteType,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

pub const IFF_UP: u32 = LinkFlags::Up.bits();
pub const IFF_LOWER_UP: u32 = LinkFlags::LowerUp.bits();
pub const IFA_F_SECONDARY: u32 = AddressFlags::Secondary.bits();
pub const IFA_F_NODAD: u32 = AddressFlags::Nodad.bits();
pub const IFA_F_DADFAILED: u32 = AddressFlags::Dadfailed.bits();
pub const IFA_F_TENTATIVE: u32 = AddressFlags::Tentative.bits();
pub const RT_TABLE_MAIN: u32 = RouteHeader::RT_TABLE_MAIN as u32;

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

/// The crate's family for `libc::AF_INET`/`AF_INET6` (anything else is unspecified).
pub fn address_family(family: i32) -> AddressFamily {
    u8::try_from(family).map_or(AddressFamily::Unspec, AddressFamily::from)
}

pub fn link_from(m: &LinkMessage) -> Option<Link> {
    let mut name = None;
    let mut mac = Vec::new();
    for a in &m.attributes {
        match a {
            LinkAttribute::IfName(n) => name = Some(n.clone()),
            LinkAttribute::Address(bytes) => mac = bytes.clone(),
            _ => {}
        }
    }
    Some(Link {
        index: m.header.index,
        name: name?,
        flags: m.header.flags.bits(),
        mac,
    })
}

pub fn addr_from(m: &AddressMessage) -> Option<Addr> {
    let (mut local, mut address, mut label, mut flags) = (None, None, None, None);
    for a in &m.attributes {
        match a {
            AddressAttribute::Local(ip) => local = Some(*ip),
            AddressAttribute::Address(ip) => address = Some(*ip),
            AddressAttribute::Label(l) => label = Some(l.clone()),
            AddressAttribute::Flags(f) => flags = Some(f.bits()),
            _ => {}
        }
    }
    Some(Addr {
        index: m.header.index,
        // IFA_LOCAL is the address itself (IFA_ADDRESS is the peer on point-to-point links).
        ip: local.or(address)?,
        prefix: m.header.prefix_len,
        // IFA_FLAGS carries the full 32 bits; the header only the low 8.
        flags: flags.unwrap_or_else(|| u32::from(m.header.flags.bits())),
        label,
    })
}

/// A unicast route of the main table of `family` with an output interface, or `None`.
pub fn route_from(m: &RouteMessage, family: i32) -> Option<Route> {
    let h = &m.header;
    if h.address_family != address_family(family) || h.kind != RouteType::Unicast {
        return None;
    }
    let (mut dst, mut oif, mut table, mut gateway) = (None, None, u32::from(h.table), false);
    for a in &m.attributes {
        match a {
            RouteAttribute::Destination(RouteAddress::Inet(v4)) => dst = Some(IpAddr::V4(*v4)),
            RouteAttribute::Destination(RouteAddress::Inet6(v6)) => dst = Some(IpAddr::V6(*v6)),
            RouteAttribute::Oif(i) => oif = Some(*i),
            RouteAttribute::Table(t) => table = *t,
            RouteAttribute::Gateway(_) => gateway = true,
            _ => {}
        }
    }
    if table != RT_TABLE_MAIN {
        return None;
    }
    let dst = dst.unwrap_or(match family {
        libc::AF_INET => IpAddr::from([0u8; 4]),
        _ => IpAddr::from([0u8; 16]),
    });
    Some(Route {
        dst,
        prefix: h.destination_prefix_length,
        oif: oif?,
        gateway,
    })
}

/// The messages of one receive buffer, and a note per message the crate could not decode.
#[derive(Debug, Default)]
pub struct Decoded {
    pub messages: Vec<NetlinkMessage<RouteNetlinkMessage>>,
    pub skipped: Vec<String>,
}

/// Splits a datagram into its netlink messages (each `header.length` long, 4-byte aligned) and
/// decodes each with the crate. A message that does not decode is skipped; a truncated one ends
/// the walk (the kernel never splits a message across datagrams, so that is a damaged buffer).
pub fn decode(buf: &[u8]) -> Decoded {
    let mut out = Decoded::default();
    let mut rest = buf;
    while !rest.is_empty() {
        let len = match NetlinkBuffer::new_checked(rest) {
            Ok(b) => b.length() as usize,
            Err(e) => {
                out.skipped
                    .push(format!("{} trailing bytes: {e}", rest.len()));
                break;
            }
        };
        let one = rest.get(..len).unwrap_or(rest);
        match NetlinkMessage::<RouteNetlinkMessage>::deserialize(one) {
            Ok(m) => out.messages.push(m),
            Err(e) => out.skipped.push(e.to_string()),
        }
        let align = usize::from(NLMSG_ALIGNTO);
        let step = len.div_ceil(align).saturating_mul(align);
        rest = rest.get(step..).unwrap_or_default();
    }
    out
}

#[cfg(test)]
#[path = "rtnl_tests.rs"]
mod tests;
