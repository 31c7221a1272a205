//! ARP on an AF_PACKET socket, natively: the RFC 5227 duplicate probe (sender 0.0.0.0) and
//! gratuitous ARP in its request and reply forms. Frames are built and parsed by pure code.

use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use crate::rtnl::Link;
use crate::socket::{set_recv_timeout, NetError};
use crate::Deadline;

const ETH_P_ARP: u16 = 0x0806;
const OP_REQUEST: u16 = 1;
const OP_REPLY: u16 = 2;
pub const BROADCAST: [u8; 6] = [0xff; 6];
const PACKET_OUTGOING: u8 = 4;

/// An ARP packet for IPv4 over Ethernet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arp {
    pub op: u16,
    pub sha: [u8; 6],
    pub spa: Ipv4Addr,
    pub tha: [u8; 6],
    pub tpa: Ipv4Addr,
}

impl Arp {
    pub fn to_bytes(&self) -> [u8; 28] {
        let mut b = [0u8; 28];
        b[0..2].copy_from_slice(&1u16.to_be_bytes()); // Ethernet
        b[2..4].copy_from_slice(&0x0800u16.to_be_bytes()); // IPv4
        b[4] = 6;
        b[5] = 4;
        b[6..8].copy_from_slice(&self.op.to_be_bytes());
        b[8..14].copy_from_slice(&self.sha);
        b[14..18].copy_from_slice(&self.spa.octets());
        b[18..24].copy_from_slice(&self.tha);
        b[24..28].copy_from_slice(&self.tpa.octets());
        b
    }

    pub fn parse(b: &[u8]) -> Option<Arp> {
        let b: &[u8; 28] = b.get(..28)?.try_into().ok()?;
        if b[0..6] != [0, 1, 8, 0, 6, 4] {
            return None;
        }
        let mac = |at: usize| -> [u8; 6] {
            [b[at], b[at + 1], b[at + 2], b[at + 3], b[at + 4], b[at + 5]]
        };
        let ip = |at: usize| Ipv4Addr::new(b[at], b[at + 1], b[at + 2], b[at + 3]);
        Some(Arp {
            op: u16::from_be_bytes([b[6], b[7]]),
            sha: mac(8),
            spa: ip(14),
            tha: mac(18),
            tpa: ip(24),
        })
    }

    /// The RFC 5227 probe: "who has `ip`?" from 0.0.0.0.
    pub fn probe(mac: [u8; 6], ip: Ipv4Addr) -> Arp {
        Arp {
            op: OP_REQUEST,
            sha: mac,
            spa: Ipv4Addr::UNSPECIFIED,
            tha: [0; 6],
            tpa: ip,
        }
    }

    /// Gratuitous ARP, request form (sender = target = ip).
    pub fn announce_request(mac: [u8; 6], ip: Ipv4Addr) -> Arp {
        Arp {
            op: OP_REQUEST,
            sha: mac,
            spa: ip,
            tha: [0; 6],
            tpa: ip,
        }
    }

    /// Gratuitous ARP, reply form (to everybody).
    pub fn announce_reply(mac: [u8; 6], ip: Ipv4Addr) -> Arp {
        Arp {
            op: OP_REPLY,
            sha: mac,
            spa: ip,
            tha: BROADCAST,
            tpa: ip,
        }
    }

    /// A directed announcement: "who has `target`? tell `ip` at `mac`". The target updates
    /// (or creates) its entry for `ip` even where gratuitous ARP is ignored.
    pub fn directed(mac: [u8; 6], ip: Ipv4Addr, target: Ipv4Addr) -> Arp {
        Arp {
            op: OP_REQUEST,
            sha: mac,
            spa: ip,
            tha: [0; 6],
            tpa: target,
        }
    }

    /// One announcement round: the request and reply forms, then one directed request per
    /// target.
    pub fn round(mac: [u8; 6], ip: Ipv4Addr, targets: &[Ipv4Addr]) -> Vec<Arp> {
        let mut frames = vec![Arp::announce_request(mac, ip), Arp::announce_reply(mac, ip)];
        frames.extend(targets.iter().map(|t| Arp::directed(mac, ip, *t)));
        frames
    }

    /// The MAC of another host claiming `ip`: it answers for it, announces it, or probes for
    /// it at the same time (RFC 5227 2.1.1).
    pub fn conflict(&self, ip: Ipv4Addr, own: [u8; 6]) -> Option<[u8; 6]> {
        let other = self.sha != own;
        let claims = self.spa == ip;
        let probes = self.op == OP_REQUEST && self.spa.is_unspecified() && self.tpa == ip;
        (other && (claims || probes)).then_some(self.sha)
    }
}

pub fn mac_text(mac: &[u8]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The link's Ethernet address, or `None` for links without one (no ARP there).
pub fn ethernet_mac(link: &Link) -> Option<[u8; 6]> {
    <[u8; 6]>::try_from(link.mac.as_slice())
        .ok()
        .filter(|m| *m != [0; 6])
}

/// One AF_PACKET socket per action: the kernel waits for an RCU grace period (10-20 ms) when
/// a packet socket is closed or re-bound, so it is created without a protocol (no receive
/// hook to undo at bind) and shared by the probe and the announcements.
pub struct PacketSocket {
    fd: OwnedFd,
    ifindex: i32,
}

impl PacketSocket {
    /// A socket that sends ARP on `ifindex` and receives the ARP arriving there.
    pub fn open(ifindex: u32) -> Result<PacketSocket, NetError> {
        // SAFETY: socket(2) with constant arguments; checked below.
        let raw =
            unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
        if raw < 0 {
            return Err(sock_error("AF_PACKET socket"));
        }
        // SAFETY: a fresh descriptor we own.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let sock = PacketSocket {
            fd,
            ifindex: ifindex as i32,
        };
        let addr = sock.addr(&[0; 6]);
        // SAFETY: `addr` is a valid sockaddr_ll for the call.
        let rc = unsafe {
            libc::bind(
                sock.fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as u32,
            )
        };
        if rc < 0 {
            return Err(sock_error("bind AF_PACKET socket"));
        }
        Ok(sock)
    }

    pub fn raw_fd(&self) -> std::os::fd::RawFd {
        self.fd.as_raw_fd()
    }

    pub fn addr(&self, dst: &[u8; 6]) -> libc::sockaddr_ll {
        // SAFETY: sockaddr_ll is plain data; all-zero is valid.
        let mut a: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        a.sll_family = libc::AF_PACKET as u16;
        a.sll_protocol = ETH_P_ARP.to_be();
        a.sll_ifindex = self.ifindex;
        a.sll_halen = 6;
        a.sll_addr[..6].copy_from_slice(dst);
        a
    }

    fn send(&self, arp: &Arp) -> Result<(), NetError> {
        let bytes = arp.to_bytes();
        let addr = self.addr(&BROADCAST);
        // SAFETY: buffer and address are valid for the call.
        let n = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                bytes.as_ptr().cast(),
                bytes.len(),
                0,
                (&addr as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as u32,
            )
        };
        if n < 0 {
            return Err(sock_error("sending ARP"));
        }
        Ok(())
    }

    /// The next ARP packet received (not sent) on the link before `until`.
    fn recv_until(&self, until: Instant) -> Result<Option<Arp>, NetError> {
        let mut buf = [0u8; 128];
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            // A zero SO_RCVTIMEO would mean "wait forever".
            set_recv_timeout(&self.fd, left.max(Duration::from_millis(1)))?;
            // SAFETY: all-zero sockaddr_ll is valid; the kernel fills it.
            let mut from: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
            let mut len = std::mem::size_of::<libc::sockaddr_ll>() as u32;
            // SAFETY: buffers are valid and sized for the call.
            let n = unsafe {
                libc::recvfrom(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    0,
                    (&mut from as *mut libc::sockaddr_ll).cast(),
                    &mut len,
                )
            };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                match e.raw_os_error() {
                    Some(libc::EAGAIN) | Some(libc::EINTR) => continue,
                    _ => return Err(NetError::other(format!("receiving ARP: {e}"))),
                }
            }
            if from.sll_pkttype == PACKET_OUTGOING {
                continue;
            }
            if let Some(arp) = buf.get(..n as usize).and_then(Arp::parse) {
                return Ok(Some(arp));
            }
        }
    }
}

fn sock_error(what: &str) -> NetError {
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EPERM) | Some(libc::EACCES) => {
            NetError::permission(format!("{what}: {e} (needs root or CAP_NET_RAW)"))
        }
        _ => NetError::other(format!("{what}: {e}")),
    }
}

/// Probes for `ip` on `link` for `window` (two probes, half of it apart); the MAC of a host
/// that answers or claims it, if any.
pub fn probe(
    sock: &PacketSocket,
    mac: [u8; 6],
    ip: Ipv4Addr,
    window: Duration,
    deadline: &Deadline,
) -> Result<Option<[u8; 6]>, NetError> {
    let start = Instant::now();
    let end = (start + window).min(deadline.at());
    let half = (start + window / 2).min(end);
    for until in [half, end] {
        sock.send(&Arp::probe(mac, ip))?;
        while let Some(arp) = sock.recv_until(until)? {
            if let Some(other) = arp.conflict(ip, mac) {
                return Ok(Some(other));
            }
        }
    }
    Ok(None)
}

/// Sends `count` rounds (see [`Arp::round`]), `interval` apart, stopping early when the next
/// round would pass `deadline`. Returns the rounds sent.
pub fn announce(
    sock: &PacketSocket,
    round_frames: &[Arp],
    count: u32,
    interval: Duration,
    deadline: &Deadline,
) -> Result<u32, NetError> {
    for round in 0..count {
        if round > 0 {
            if deadline.remaining() <= interval {
                return Ok(round);
            }
            std::thread::sleep(interval);
        }
        for frame in round_frames {
            sock.send(frame)?;
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const OWN: [u8; 6] = [2, 0, 0, 0, 0, 1];
    const PEER: [u8; 6] = [2, 0, 0, 0, 0, 2];
    const VIP: Ipv4Addr = Ipv4Addr::new(10, 200, 1, 100);

    #[test]
    fn frames_round_trip() {
        for arp in [
            Arp::probe(OWN, VIP),
            Arp::announce_request(OWN, VIP),
            Arp::announce_reply(OWN, VIP),
        ] {
            assert_eq!(Arp::parse(&arp.to_bytes()), Some(arp));
        }
        assert_eq!(Arp::probe(OWN, VIP).spa, Ipv4Addr::UNSPECIFIED);
    }

    #[test]
    fn a_round_is_request_reply_then_one_directed_request_per_target() {
        let gw = Ipv4Addr::new(10, 200, 1, 254);
        let round = Arp::round(OWN, VIP, &[gw]);
        let shape: Vec<(u16, Ipv4Addr, Ipv4Addr)> =
            round.iter().map(|a| (a.op, a.spa, a.tpa)).collect();
        assert_eq!(
            shape,
            vec![
                (OP_REQUEST, VIP, VIP),
                (OP_REPLY, VIP, VIP),
                (OP_REQUEST, VIP, gw)
            ]
        );
        assert!(round.iter().all(|a| a.sha == OWN));
    }

    #[test]
    fn conflicts_are_other_hosts_claiming_the_address() {
        let reply = Arp {
            op: OP_REPLY,
            sha: PEER,
            spa: VIP,
            tha: OWN,
            tpa: Ipv4Addr::UNSPECIFIED,
        };
        assert_eq!(reply.conflict(VIP, OWN), Some(PEER));
        assert_eq!(Arp::probe(PEER, VIP).conflict(VIP, OWN), Some(PEER));
        assert_eq!(Arp::announce_request(OWN, VIP).conflict(VIP, OWN), None);
        let unrelated = Arp::announce_request(PEER, Ipv4Addr::new(10, 200, 1, 2));
        assert_eq!(unrelated.conflict(VIP, OWN), None);
        assert_eq!(mac_text(&PEER), "02:00:00:00:00:02");
    }

    proptest! {
        #[test]
        fn parsing_never_panics(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Some(a) = Arp::parse(&b) {
                prop_assert_eq!(Arp::parse(&a.to_bytes()), Some(a));
            }
        }
    }
}
