//! rtnetlink, synchronously: list links, addresses and routes, add and delete an address.
//! No `ip` process. Every receive has a timeout tied to the caller's deadline.
//!
//! Messages are built and decoded by `netlink-packet-route`/`netlink-packet-core`, the socket is
//! `netlink-sys`'s blocking `Socket`; what is ours is the request/answer discipline: sequence
//! numbers, dumps until NLMSG_DONE, acks and errno, and the deadline on every receive.

use std::net::{IpAddr, Ipv6Addr};
use std::time::Duration;

use netlink_packet_core::{
    NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL,
    NLM_F_REPLACE, NLM_F_REQUEST,
};
use netlink_packet_route::address::{AddressAttribute, AddressFlags, AddressMessage, CacheInfo};
use netlink_packet_route::addrlabel::{AddrLabelAttribute, AddrLabelMessage};
use netlink_packet_route::link::{LinkAttribute, LinkMessage};
use netlink_packet_route::route::RouteMessage;
use netlink_packet_route::RouteNetlinkMessage as Rtnl;
use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};

use crate::rtnl::{self, address_family};
pub use crate::rtnl::{
    addr_from, family_of, link_from, route_from, Addr, Link, Route, IFA_F_DADFAILED, IFA_F_NODAD,
    IFA_F_SECONDARY, IFA_F_TENTATIVE, IFF_LOWER_UP, IFF_UP,
};
use crate::socket::{os_error, set_recv_timeout, NetError};
use crate::Deadline;

/// Linux's interface name limit (IFNAMSIZ - 1).
pub const MAX_IFNAME: usize = 15;

#[derive(Debug, Clone)]
pub struct NewAddr {
    pub index: u32,
    pub ip: IpAddr,
    pub prefix: u8,
    pub broadcast: Option<IpAddr>,
    pub label: Option<String>,
    pub nodad: bool,
    /// No prefix route for the subnet (IFA_F_NOPREFIXROUTE).
    pub noprefixroute: bool,
    /// IPv6 preferred lifetime (seconds); `None` is forever.
    pub preferred_lft: Option<u32>,
}

/// One NETLINK_ROUTE socket; every call waits at most until its deadline.
pub struct Netlink<'a> {
    socket: Socket,
    seq: u32,
    /// Told about each answer message the crate could not decode (skipped, not fatal).
    on_skipped: Box<dyn Fn(&str) + 'a>,
    deadline: Deadline,
    /// Grows to the largest datagram seen (peeked before each receive).
    buf: Vec<u8>,
}

impl<'a> Netlink<'a> {
    /// A socket whose calls wait at most until `deadline`.
    pub fn open(deadline: Deadline) -> Result<Netlink<'a>, NetError> {
        let socket = Socket::new(NETLINK_ROUTE).map_err(|e| os_error("netlink socket", &e))?;
        Ok(Netlink {
            socket,
            seq: 0,
            on_skipped: Box::new(|_| {}),
            deadline,
            // Small to start (a status reads a few hundred bytes); grows on a bigger datagram.
            buf: vec![0; 8 * 1024],
        })
    }

    /// Hands `log` a line (`netlink: skipped a message: ...`) for each answer message that
    /// does not decode.
    pub fn log_skipped(mut self, log: impl Fn(&str) + 'a) -> Netlink<'a> {
        self.on_skipped = Box::new(log);
        self
    }

    /// Bounds the following calls by `deadline` instead of the one given at open (a step's
    /// own share).
    pub fn set_deadline(&mut self, deadline: Deadline) {
        self.deadline = deadline;
    }

    pub fn links(&mut self) -> Result<Vec<Link>, NetError> {
        let answer = self.request(Rtnl::GetLink(LinkMessage::default()), NLM_F_DUMP)?;
        Ok(answer
            .iter()
            .filter_map(|m| match m {
                Rtnl::NewLink(l) => link_from(l),
                _ => None,
            })
            .collect())
    }

    /// One link asked for by name (one RTM_GETLINK, not a dump of every link: a host with
    /// hundreds of container veths answers as fast as one with two links).
    pub fn link_by_name(&mut self, name: &str) -> Result<Option<Link>, NetError> {
        // No such name can exist; the kernel would answer EINVAL rather than ENODEV.
        if name.is_empty() || name.len() > MAX_IFNAME || name.contains('\0') {
            return Ok(None);
        }
        let mut req = LinkMessage::default();
        req.attributes.push(LinkAttribute::IfName(name.to_string()));
        self.one_link(req)
    }

    /// One link asked for by index.
    pub fn link_by_index(&mut self, index: u32) -> Result<Option<Link>, NetError> {
        let mut req = LinkMessage::default();
        req.header.index = index;
        self.one_link(req)
    }

    fn one_link(&mut self, req: LinkMessage) -> Result<Option<Link>, NetError> {
        match self.exchange(Rtnl::GetLink(req), 0)? {
            Ok(answer) => Ok(answer.iter().find_map(|m| match m {
                Rtnl::NewLink(l) => link_from(l),
                _ => None,
            })),
            Err(libc::ENODEV) => Ok(None),
            Err(errno) => Err(errno_error(errno)),
        }
    }

    /// All addresses of one family (`libc::AF_INET` or `AF_INET6`).
    pub fn addrs(&mut self, family: i32) -> Result<Vec<Addr>, NetError> {
        let mut req = AddressMessage::default();
        req.header.family = address_family(family);
        let answer = self.request(Rtnl::GetAddress(req), NLM_F_DUMP)?;
        Ok(answer
            .iter()
            .filter_map(|m| match m {
                Rtnl::NewAddress(a) => addr_from(a),
                _ => None,
            })
            .filter(|a| family_of(&a.ip) == family)
            .collect())
    }

    /// The main table's unicast routes of one family.
    pub fn routes(&mut self, family: i32) -> Result<Vec<Route>, NetError> {
        let mut req = RouteMessage::default();
        req.header.address_family = address_family(family);
        let answer = self.request(Rtnl::GetRoute(req), NLM_F_DUMP)?;
        Ok(answer
            .iter()
            .filter_map(|m| match m {
                Rtnl::NewRoute(r) => route_from(r, family),
                _ => None,
            })
            .collect())
    }

    pub fn add_addr(&mut self, a: &NewAddr) -> Result<(), NetError> {
        let flags = NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
        self.request(Rtnl::NewAddress(new_addr_message(a)), flags)
            .map(|_| ())
    }

    /// Deletes exactly `ip/prefix` on interface `index` (local and prefix must both match).
    pub fn del_addr(&mut self, index: u32, ip: &IpAddr, prefix: u8) -> Result<(), NetError> {
        let msg = address_message(index, ip, prefix);
        self.request(Rtnl::DelAddress(msg), NLM_F_ACK).map(|_| ())
    }

    /// Adds (or replaces) the IPv6 address label policy `ip/128 label <label>`, as
    /// `ip addrlabel add prefix <ip> label <label>` does.
    pub fn add_addrlabel(&mut self, ip: &Ipv6Addr, label: u32) -> Result<(), NetError> {
        let flags = NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
        let msg = addrlabel_message(ip, label);
        self.request(Rtnl::NewAddrLabel(msg), flags).map(|_| ())
    }

    /// Deletes that policy; `false` when there was none.
    pub fn del_addrlabel(&mut self, ip: &Ipv6Addr, label: u32) -> Result<bool, NetError> {
        let msg = addrlabel_message(ip, label);
        match self.exchange(Rtnl::DelAddrLabel(msg), NLM_F_ACK)? {
            Ok(_) => Ok(true),
            Err(libc::ESRCH) | Err(libc::ENOENT) => Ok(false),
            Err(errno) => Err(errno_error(errno)),
        }
    }

    /// Sends one request and collects the answer: a dump until NLMSG_DONE, or an ack.
    fn request(&mut self, req: Rtnl, flags: u16) -> Result<Vec<Rtnl>, NetError> {
        self.exchange(req, flags)?.map_err(errno_error)
    }

    /// Sends `req` and collects the answer; the inner error is the kernel's errno.
    fn exchange(&mut self, req: Rtnl, flags: u16) -> Result<Result<Vec<Rtnl>, i32>, NetError> {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | flags;
        header.sequence_number = seq;
        let mut msg = NetlinkMessage::new(header, NetlinkPayload::from(req));
        msg.finalize();
        let mut bytes = vec![0; msg.buffer_len()];
        msg.serialize(&mut bytes);
        self.socket
            .send_to(&bytes, &SocketAddr::new(0, 0), 0)
            .map_err(|e| os_error("netlink send", &e))?;
        let dump = flags & NLM_F_DUMP == NLM_F_DUMP;
        let mut out = Vec::new();
        loop {
            let n = self.recv()?;
            let decoded = rtnl::decode(self.buf.get(..n).unwrap_or_default());
            for note in &decoded.skipped {
                (self.on_skipped)(&format!("netlink: skipped a message: {note}"));
            }
            for m in decoded.messages {
                match answer(m, seq) {
                    Answer::Part(inner) => out.push(inner),
                    Answer::Other => {}
                    Answer::End => return Ok(Ok(out)),
                    Answer::Failed(errno) => return Ok(Err(errno)),
                }
            }
            if !dump && !out.is_empty() {
                return Ok(Ok(out));
            }
        }
    }

    /// Receives one whole datagram into `buf` (peeking its size first so nothing is truncated).
    fn recv(&mut self) -> Result<usize, NetError> {
        let left = self.deadline.remaining();
        if left.is_zero() {
            return Err(timed_out());
        }
        set_recv_timeout(&self.socket, left.max(Duration::from_millis(1)))?;
        let mut nothing: &mut [u8] = &mut [];
        let size = self
            .socket
            .recv(&mut nothing, libc::MSG_PEEK | libc::MSG_TRUNC)
            .map_err(recv_error)?;
        if size > self.buf.len() {
            self.buf.resize(size, 0);
        }
        let mut whole = &mut self.buf[..];
        self.socket.recv(&mut whole, 0).map_err(recv_error)
    }
}

/// What one received message means for the request numbered `seq`.
#[derive(Debug, PartialEq)]
enum Answer {
    /// One message of the answer (a dump's entry).
    Part(Rtnl),
    /// Not ours (another sequence number), or nothing to act on (NOOP).
    Other,
    /// NLMSG_DONE, or an acknowledgement (NLMSG_ERROR with code 0).
    End,
    /// NLMSG_ERROR with this errno, or a dump that ended with one (NLMSG_DONE's code).
    Failed(i32),
}

fn answer(m: NetlinkMessage<Rtnl>, seq: u32) -> Answer {
    if m.header.sequence_number != seq {
        return Answer::Other;
    }
    match m.payload {
        NetlinkPayload::InnerMessage(inner) => Answer::Part(inner),
        NetlinkPayload::Done(d) if d.code < 0 => Answer::Failed(d.code.saturating_neg()),
        NetlinkPayload::Done(_) => Answer::End,
        NetlinkPayload::Error(e) => match e.code {
            None => Answer::End,
            Some(code) => Answer::Failed(code.get().saturating_abs()),
        },
        _ => Answer::Other,
    }
}

/// The address message naming `ip/prefix` on `index` (IFA_LOCAL and IFA_ADDRESS both `ip`).
fn address_message(index: u32, ip: &IpAddr, prefix: u8) -> AddressMessage {
    let mut msg = AddressMessage::default();
    msg.header.family = address_family(family_of(ip));
    msg.header.prefix_len = prefix;
    msg.header.index = index;
    msg.attributes.push(AddressAttribute::Local(*ip));
    msg.attributes.push(AddressAttribute::Address(*ip));
    msg
}

/// The RTM_NEWADDRLABEL/RTM_DELADDRLABEL body for `ip/128` and `label`.
pub fn addrlabel_message(ip: &Ipv6Addr, label: u32) -> AddrLabelMessage {
    let mut msg = AddrLabelMessage::default();
    msg.header.family = address_family(libc::AF_INET6);
    msg.header.prefix_len = 128;
    msg.attributes
        .push(AddrLabelAttribute::Address(IpAddr::V6(*ip)));
    msg.attributes.push(AddrLabelAttribute::Label(label));
    msg
}

/// The RTM_NEWADDR body for `a`.
pub fn new_addr_message(a: &NewAddr) -> AddressMessage {
    let mut msg = address_message(a.index, &a.ip, a.prefix);
    let attrs = &mut msg.attributes;
    if let Some(IpAddr::V4(b)) = a.broadcast {
        attrs.push(AddressAttribute::Broadcast(b));
    }
    if let Some(label) = &a.label {
        attrs.push(AddressAttribute::Label(label.clone()));
    }
    if let Some(preferred) = a.preferred_lft {
        let mut info = CacheInfo::default();
        info.ifa_preferred = preferred;
        info.ifa_valid = u32::MAX; // forever
        attrs.push(AddressAttribute::CacheInfo(info));
    }
    let mut flags = AddressFlags::empty();
    if a.nodad {
        flags |= AddressFlags::Nodad;
    }
    if a.noprefixroute {
        flags |= AddressFlags::Noprefixroute;
    }
    if !flags.is_empty() {
        attrs.push(AddressAttribute::Flags(flags));
    }
    msg
}

fn timed_out() -> NetError {
    NetError::other("netlink: no answer before the deadline")
}

fn recv_error(e: std::io::Error) -> NetError {
    match e.raw_os_error() {
        Some(libc::EAGAIN) | Some(libc::EINTR) => timed_out(),
        _ => NetError::other(format!("netlink receive: {e}")),
    }
}

fn errno_error(errno: i32) -> NetError {
    let e = std::io::Error::from_raw_os_error(errno);
    if errno == libc::EPERM {
        return NetError::permission(format!("netlink: {e} (needs root or CAP_NET_ADMIN)"));
    }
    NetError::other(format!("netlink: {e}"))
}

#[cfg(test)]
mod tests {
    use netlink_packet_core::{DoneMessage, ErrorMessage};

    use super::*;

    fn numbered(seq: u32, payload: NetlinkPayload<Rtnl>) -> NetlinkMessage<Rtnl> {
        let mut header = NetlinkHeader::default();
        header.sequence_number = seq;
        NetlinkMessage::new(header, payload)
    }

    fn error(code: i32) -> NetlinkPayload<Rtnl> {
        let mut e = ErrorMessage::default();
        e.code = std::num::NonZeroI32::new(code);
        NetlinkPayload::Error(e)
    }

    #[test]
    fn answers_are_matched_by_sequence_number_and_errno_ends_the_request() {
        let entry = Rtnl::NewLink(LinkMessage::default());
        assert_eq!(
            answer(numbered(3, entry.clone().into()), 3),
            Answer::Part(entry.clone())
        );
        assert_eq!(answer(numbered(2, entry.into()), 3), Answer::Other);
        assert_eq!(answer(numbered(3, error(0)), 3), Answer::End);
        assert_eq!(answer(numbered(2, error(-libc::EEXIST)), 3), Answer::Other);
        assert_eq!(
            answer(numbered(3, error(-libc::EEXIST)), 3),
            Answer::Failed(libc::EEXIST)
        );
        let mut done = DoneMessage::default();
        assert_eq!(
            answer(numbered(3, NetlinkPayload::Done(done.clone())), 3),
            Answer::End
        );
        done.code = -libc::EINTR;
        assert_eq!(
            answer(numbered(3, NetlinkPayload::Done(done)), 3),
            Answer::Failed(libc::EINTR)
        );
    }

    #[test]
    fn kernel_errors_read_as_the_errno_text() {
        for (errno, text) in [
            (libc::EEXIST, "netlink: File exists"),
            (
                libc::EADDRNOTAVAIL,
                "netlink: Cannot assign requested address",
            ),
            (libc::ENODEV, "netlink: No such device"),
        ] {
            let e = errno_error(errno).to_string();
            assert!(e.contains(text), "{e}");
        }
        assert!(errno_error(libc::EPERM)
            .to_string()
            .contains("CAP_NET_ADMIN"));
    }
}
