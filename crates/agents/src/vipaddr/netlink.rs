//! rtnetlink, synchronously: list links, addresses and routes, add and delete an address.
//! No `ip` process. Every receive has a timeout tied to the action's deadline.
//!
//! Messages are built and decoded by `netlink-packet-route`/`netlink-packet-core`, the socket is
//! `netlink-sys`'s blocking `Socket`; what is ours is the request/answer discipline: sequence
//! numbers, dumps until NLMSG_DONE, acks and errno, and the deadline on every receive.

use std::net::IpAddr;
use std::os::fd::AsRawFd;
use std::time::Duration;

use ha_agent::{AgentError, Ctx, Deadline};
use netlink_packet_core::{
    NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL,
    NLM_F_REQUEST,
};
use netlink_packet_route::address::{AddressAttribute, AddressFlags, AddressMessage, CacheInfo};
use netlink_packet_route::link::LinkMessage;
use netlink_packet_route::route::RouteMessage;
use netlink_packet_route::RouteNetlinkMessage as Rtnl;
use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};

use super::rtnl::{self, address_family};
pub use super::rtnl::{
    addr_from, family_of, link_from, route_from, Addr, Link, Route, IFA_F_DADFAILED, IFA_F_NODAD,
    IFA_F_SECONDARY, IFA_F_TENTATIVE, IFF_LOWER_UP, IFF_UP,
};

#[derive(Debug, Clone)]
pub struct NewAddr {
    pub index: u32,
    pub ip: IpAddr,
    pub prefix: u8,
    pub broadcast: Option<IpAddr>,
    pub label: Option<String>,
    pub nodad: bool,
    /// IPv6 preferred lifetime (seconds); `None` is forever.
    pub preferred_lft: Option<u32>,
}

/// One NETLINK_ROUTE socket; every call waits at most until the action's deadline.
pub struct Netlink<'a> {
    socket: Socket,
    seq: u32,
    ctx: &'a Ctx,
    deadline: Deadline,
    /// Grows to the largest datagram seen (peeked before each receive).
    buf: Vec<u8>,
}

impl<'a> Netlink<'a> {
    pub fn open(ctx: &'a Ctx) -> Result<Netlink<'a>, AgentError> {
        let socket = Socket::new(NETLINK_ROUTE).map_err(|e| os_error("netlink socket", &e))?;
        Ok(Netlink {
            socket,
            seq: 0,
            ctx,
            deadline: ctx.deadline(),
            buf: vec![0; 64 * 1024],
        })
    }

    pub fn links(&mut self) -> Result<Vec<Link>, AgentError> {
        let answer = self.request(Rtnl::GetLink(LinkMessage::default()), NLM_F_DUMP)?;
        Ok(answer
            .iter()
            .filter_map(|m| match m {
                Rtnl::NewLink(l) => link_from(l),
                _ => None,
            })
            .collect())
    }

    pub fn link_by_name(&mut self, name: &str) -> Result<Option<Link>, AgentError> {
        Ok(self.links()?.into_iter().find(|l| l.name == name))
    }

    pub fn link_by_index(&mut self, index: u32) -> Result<Option<Link>, AgentError> {
        Ok(self.links()?.into_iter().find(|l| l.index == index))
    }

    /// All addresses of one family (`libc::AF_INET` or `AF_INET6`).
    pub fn addrs(&mut self, family: i32) -> Result<Vec<Addr>, AgentError> {
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
    pub fn routes(&mut self, family: i32) -> Result<Vec<Route>, AgentError> {
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

    pub fn add_addr(&mut self, a: &NewAddr) -> Result<(), AgentError> {
        let flags = NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
        self.request(Rtnl::NewAddress(new_addr_message(a)), flags)
            .map(|_| ())
    }

    /// Deletes exactly `ip/prefix` on interface `index` (local and prefix must both match).
    pub fn del_addr(&mut self, index: u32, ip: &IpAddr, prefix: u8) -> Result<(), AgentError> {
        let msg = address_message(index, ip, prefix);
        self.request(Rtnl::DelAddress(msg), NLM_F_ACK).map(|_| ())
    }

    /// Sends one request and collects the answer: a dump until NLMSG_DONE, or an ack.
    fn request(&mut self, req: Rtnl, flags: u16) -> Result<Vec<Rtnl>, AgentError> {
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
                self.ctx
                    .debug(&format!("netlink: skipped a message: {note}"));
            }
            for m in decoded.messages {
                match answer(m, seq) {
                    Answer::Part(inner) => out.push(inner),
                    Answer::Other => {}
                    Answer::End => return Ok(out),
                    Answer::Failed(errno) => return Err(errno_error(errno)),
                }
            }
            if !dump && !out.is_empty() {
                return Ok(out);
            }
        }
    }

    /// Receives one whole datagram into `buf` (peeking its size first so nothing is truncated).
    fn recv(&mut self) -> Result<usize, AgentError> {
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
    if a.nodad {
        attrs.push(AddressAttribute::Flags(AddressFlags::Nodad));
    }
    msg
}

pub fn set_recv_timeout(fd: &impl AsRawFd, d: Duration) -> Result<(), AgentError> {
    let tv = libc::timeval {
        tv_sec: d.as_secs() as libc::time_t,
        tv_usec: d.subsec_micros() as libc::suseconds_t,
    };
    // SAFETY: `tv` lives across the call; the size matches.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            (&tv as *const libc::timeval).cast(),
            std::mem::size_of::<libc::timeval>() as u32,
        )
    };
    if rc < 0 {
        return Err(os_error(
            "setsockopt SO_RCVTIMEO",
            &std::io::Error::last_os_error(),
        ));
    }
    Ok(())
}

fn timed_out() -> AgentError {
    AgentError::generic("netlink: no answer before the deadline")
}

fn recv_error(e: std::io::Error) -> AgentError {
    match e.raw_os_error() {
        Some(libc::EAGAIN) | Some(libc::EINTR) => timed_out(),
        _ => AgentError::generic(format!("netlink receive: {e}")),
    }
}

fn os_error(what: &str, e: &std::io::Error) -> AgentError {
    match e.raw_os_error() {
        Some(libc::EPERM) | Some(libc::EACCES) => AgentError::perm(format!(
            "{what}: {e} (needs root or CAP_NET_ADMIN/CAP_NET_RAW)"
        )),
        _ => AgentError::generic(format!("{what}: {e}")),
    }
}

fn errno_error(errno: i32) -> AgentError {
    let e = std::io::Error::from_raw_os_error(errno);
    if errno == libc::EPERM {
        return AgentError::perm(format!("netlink: {e} (needs root or CAP_NET_ADMIN)"));
    }
    AgentError::generic(format!("netlink: {e}"))
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
