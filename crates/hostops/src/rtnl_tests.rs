//! Messages built with the crate, serialized as the kernel would send them, then split and
//! converted by our code.

use std::net::{IpAddr, Ipv4Addr};

use netlink_packet_core::{
    DoneMessage, ErrorMessage, NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_MULTIPART,
};
use netlink_packet_route::address::{AddressAttribute, AddressFlags, AddressMessage};
use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};
use netlink_packet_route::route::{RouteAddress, RouteAttribute, RouteMessage, RouteType};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage as Rtnl};
use proptest::prelude::*;

use super::*;
use crate::netlink::{new_addr_message, NewAddr};

fn wire(seq: u32, payload: NetlinkPayload<Rtnl>) -> Vec<u8> {
    let mut header = NetlinkHeader::default();
    header.sequence_number = seq;
    header.flags = NLM_F_MULTIPART;
    let mut m = NetlinkMessage::new(header, payload);
    m.finalize();
    let mut out = vec![0; m.buffer_len()];
    m.serialize(&mut out);
    out
}

fn only_address(buf: &[u8]) -> Option<Addr> {
    match &decode(buf).messages.first()?.payload {
        NetlinkPayload::InnerMessage(Rtnl::NewAddress(a)) => addr_from(a),
        _ => None,
    }
}

fn address(attrs: Vec<AddressAttribute>) -> AddressMessage {
    let mut m = AddressMessage::default();
    m.header.family = AddressFamily::Inet;
    m.header.prefix_len = 24;
    m.header.index = 7;
    m.attributes = attrs;
    m
}

#[test]
fn an_address_message_decodes_with_its_extended_flags_and_label() {
    let m = address(vec![
        AddressAttribute::Address(IpAddr::from([10, 0, 0, 9])),
        AddressAttribute::Local(IpAddr::from([10, 0, 0, 5])),
        AddressAttribute::Label("eth0:1".into()),
        AddressAttribute::Flags(AddressFlags::Secondary | AddressFlags::Managetempaddr),
    ]);
    let buf = wire(1, Rtnl::NewAddress(m).into());
    assert_eq!(
        only_address(&buf),
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
fn an_address_without_local_is_its_address_and_header_flags_stand_in() {
    let mut m = address(vec![AddressAttribute::Address(IpAddr::from([10, 0, 0, 9]))]);
    m.header.flags = netlink_packet_route::address::AddressHeaderFlags::Secondary;
    let a = only_address(&wire(1, Rtnl::NewAddress(m).into()));
    assert_eq!(
        a.map(|a| (a.ip, a.flags, a.label)),
        Some((IpAddr::from([10, 0, 0, 9]), IFA_F_SECONDARY, None))
    );
}

#[test]
fn links_and_main_table_routes_decode() {
    let mut link = LinkMessage::default();
    link.header.index = 3;
    link.header.flags = LinkFlags::Up | LinkFlags::LowerUp;
    link.attributes = vec![
        LinkAttribute::IfName("veth0".into()),
        LinkAttribute::Address(vec![2, 0, 0, 0, 0, 1]),
    ];
    let l = link_from(&link);
    assert_eq!(
        l.as_ref()
            .map(|l| (l.index, l.name.as_str(), l.is_up(), l.mac.len())),
        Some((3, "veth0", true, 6))
    );
    link.attributes.remove(0);
    assert_eq!(
        link_from(&link),
        None,
        "a link without a name is not usable"
    );

    let mut route = RouteMessage::default();
    route.header.address_family = AddressFamily::Inet;
    route.header.destination_prefix_length = 24;
    route.header.table = 254;
    route.header.kind = RouteType::Unicast;
    route.attributes = vec![
        RouteAttribute::Destination(RouteAddress::Inet(Ipv4Addr::new(10, 0, 0, 0))),
        RouteAttribute::Oif(3),
    ];
    let r = route_from(&route, libc::AF_INET);
    assert_eq!(
        r.map(|r| (r.dst, r.prefix, r.oif, r.gateway)),
        Some((IpAddr::from([10, 0, 0, 0]), 24, 3, false))
    );
    assert_eq!(route_from(&route, libc::AF_INET6), None);
    route.attributes.push(RouteAttribute::Table(255)); // the local table: not ours
    assert_eq!(route_from(&route, libc::AF_INET), None);
}

#[test]
fn a_buffer_of_several_messages_splits_and_skips_what_does_not_decode() {
    let first = address(vec![AddressAttribute::Local(IpAddr::from([10, 0, 0, 5]))]);
    let mut buf = wire(4, Rtnl::NewAddress(first).into());
    // An address message whose IFA_LOCAL has 3 bytes: the crate refuses it, we go on.
    let mut broken = wire(4, Rtnl::NewAddress(address(vec![])).into());
    broken.extend_from_slice(&[7, 0, 2, 0, 10, 0, 0, 0]);
    let len = broken.len() as u32;
    broken[..4].copy_from_slice(&len.to_ne_bytes());
    buf.extend(broken);
    buf.extend(wire(4, NetlinkPayload::Done(DoneMessage::default())));
    buf.extend_from_slice(&[0xff; 9]); // a truncated tail ends the walk
    let d = decode(&buf);
    assert_eq!(d.messages.len(), 2);
    assert_eq!(d.skipped.len(), 2, "{:?}", d.skipped);
    assert!(matches!(d.messages[1].payload, NetlinkPayload::Done(_)));
    assert!(d.messages.iter().all(|m| m.header.sequence_number == 4));
}

#[test]
fn an_error_answer_carries_the_errno() {
    let mut e = ErrorMessage::default();
    e.code = std::num::NonZeroI32::new(-libc::EEXIST);
    let d = decode(&wire(9, NetlinkPayload::Error(e)));
    match d.messages.first().map(|m| &m.payload) {
        Some(NetlinkPayload::Error(e)) => assert_eq!(e.raw_code(), -libc::EEXIST),
        other => panic!("expected an error message, got {other:?}"),
    }
}

#[test]
fn a_new_address_request_carries_what_was_asked_for() {
    let a = NewAddr {
        index: 5,
        ip: "fd00::5".parse().unwrap_or(IpAddr::from([0u8; 16])),
        prefix: 64,
        broadcast: None,
        label: Some("eth0:vip".into()),
        nodad: true,
        noprefixroute: true,
        preferred_lft: Some(0),
    };
    let buf = wire(2, Rtnl::NewAddress(new_addr_message(&a)).into());
    let msg = match decode(&buf).messages.pop().map(|m| m.payload) {
        Some(NetlinkPayload::InnerMessage(Rtnl::NewAddress(m))) => m,
        other => panic!("expected an address message, got {other:?}"),
    };
    assert_eq!(
        addr_from(&msg).map(|x| (x.index, x.ip, x.prefix, x.flags, x.label)),
        Some((5, a.ip, 64, IFA_F_NODAD | 0x200, a.label.clone()))
    );
    let cache = msg.attributes.iter().find_map(|x| match x {
        AddressAttribute::CacheInfo(c) => Some((c.ifa_preferred, c.ifa_valid)),
        _ => None,
    });
    assert_eq!(cache, Some((0, u32::MAX)));
}

fn kernel_types() -> impl Strategy<Value = u16> {
    prop::sample::select(vec![2u16, 3, 16, 20, 21, 24, 0x7fff])
}

proptest! {
    #[test]
    fn decoding_arbitrary_bytes_never_panics(buf in proptest::collection::vec(any::<u8>(), 0..512)) {
        for m in decode(&buf).messages {
            let _ = convert(&m);
        }
    }

    /// A valid header over a random body reaches the crate's message parsers.
    #[test]
    fn decoding_random_bodies_never_panics(
        kind in kernel_types(),
        body in proptest::collection::vec(any::<u8>(), 0..256),
        extra in 0u32..8,
    ) {
        let len = 16 + body.len() as u32;
        let mut buf = len.saturating_add(extra).to_ne_bytes().to_vec();
        buf.extend_from_slice(&kind.to_ne_bytes());
        buf.extend_from_slice(&[0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
        buf.extend_from_slice(&body);
        let d = decode(&buf);
        prop_assert!(d.messages.len() <= 1);
        for m in d.messages {
            let _ = convert(&m);
        }
    }

    /// Well-formed attributes of any kind and value reach the crate's attribute parsers
    /// (nested ones included: a value may itself be a list of attributes).
    #[test]
    fn decoding_random_attributes_never_panics(
        kind in prop::sample::select(vec![16u16, 20, 24]),
        attrs in proptest::collection::vec(
            (0u16..70, any::<bool>(), proptest::collection::vec(any::<u8>(), 0..40)), 0..8),
    ) {
        let mut body = vec![0u8; 16];
        body[0] = 2;
        for (k, nested, value) in attrs {
            let value = if nested { nla(1, &value) } else { value };
            body.extend(nla(k | if nested { 0x8000 } else { 0 }, &value));
        }
        let mut buf = (16 + body.len() as u32).to_ne_bytes().to_vec();
        buf.extend_from_slice(&kind.to_ne_bytes());
        buf.extend_from_slice(&[0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
        buf.extend_from_slice(&body);
        for m in decode(&buf).messages {
            let _ = convert(&m);
        }
    }
}

fn nla(kind: u16, value: &[u8]) -> Vec<u8> {
    let mut out = ((4 + value.len()) as u16).to_ne_bytes().to_vec();
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(value);
    out.resize(out.len().div_ceil(4) * 4, 0);
    out
}

fn convert(m: &NetlinkMessage<Rtnl>) -> usize {
    match &m.payload {
        NetlinkPayload::InnerMessage(Rtnl::NewLink(l)) => usize::from(link_from(l).is_some()),
        NetlinkPayload::InnerMessage(Rtnl::NewAddress(a)) => usize::from(addr_from(a).is_some()),
        NetlinkPayload::InnerMessage(Rtnl::NewRoute(r)) => {
            usize::from(route_from(r, libc::AF_INET).is_some())
                + usize::from(route_from(r, libc::AF_INET6).is_some())
        }
        _ => 0,
    }
}
