//! IPv6: wait out the kernel's duplicate address detection, then send unsolicited neighbour
//! advertisements (RFC 4861 7.2.6) to ff02::1 from an ICMPv6 raw socket, hop limit 255.

use std::net::{IpAddr, Ipv6Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use crate::netlink::{Netlink, IFA_F_DADFAILED, IFA_F_TENTATIVE};
use crate::socket::NetError;
use crate::Deadline;

const NA_TYPE: u8 = 136;
const FLAG_OVERRIDE: u32 = 0x2000_0000;
const POLL: Duration = Duration::from_millis(20);

/// An unsolicited NA for `target` with the target link-layer address option (when known).
/// The kernel fills in the ICMPv6 checksum on raw ICMPv6 sockets.
pub fn advertisement(target: Ipv6Addr, mac: Option<[u8; 6]>) -> Vec<u8> {
    let mut b = vec![NA_TYPE, 0, 0, 0];
    b.extend_from_slice(&FLAG_OVERRIDE.to_be_bytes());
    b.extend_from_slice(&target.octets());
    if let Some(mac) = mac {
        b.extend_from_slice(&[2, 1]); // target link-layer address, 8 bytes
        b.extend_from_slice(&mac);
    }
    b
}

/// Waits until `ip` on `index` is no longer tentative. DAD failure is an error naming it.
pub fn wait_dad(
    nl: &mut Netlink,
    index: u32,
    ip: &Ipv6Addr,
    deadline: &Deadline,
) -> Result<Duration, NetError> {
    let started = std::time::Instant::now();
    loop {
        let addrs = nl.addrs(libc::AF_INET6)?;
        let ours = addrs
            .iter()
            .find(|a| a.index == index && a.ip == IpAddr::V6(*ip));
        match ours {
            None => {
                return Err(NetError::other(format!(
                    "{ip} vanished while waiting for duplicate address detection"
                )))
            }
            Some(a) if a.flags & IFA_F_DADFAILED != 0 => {
                return Err(NetError::other(format!(
                    "{ip}: duplicate address detection failed: another host on the link uses it"
                )))
            }
            Some(a) if a.flags & IFA_F_TENTATIVE == 0 => return Ok(started.elapsed()),
            Some(_) if deadline.remaining() <= POLL => {
                return Err(NetError::other(format!(
                    "{ip} is still tentative (duplicate address detection) at the deadline; \
                     is the link's carrier up?"
                )))
            }
            Some(_) => std::thread::sleep(POLL),
        }
    }
}

/// Sends `count` unsolicited NAs for `ip` on interface `index`, `interval` apart, within the
/// deadline. Returns how many were sent.
pub fn advertise(
    index: u32,
    ip: Ipv6Addr,
    mac: Option<[u8; 6]>,
    count: u32,
    interval: Duration,
    deadline: &Deadline,
) -> Result<u32, NetError> {
    if count == 0 {
        return Ok(0);
    }
    let fd = open(index, ip)?;
    let packet = advertisement(ip, mac);
    // SAFETY: sockaddr_in6 is plain data; all-zero is valid.
    let mut dst: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
    dst.sin6_family = libc::AF_INET6 as u16;
    dst.sin6_addr.s6_addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1).octets();
    dst.sin6_scope_id = index;
    for round in 0..count {
        if round > 0 {
            if deadline.remaining() <= interval {
                return Ok(round);
            }
            std::thread::sleep(interval);
        }
        // SAFETY: buffer and address are valid for the call.
        let n = unsafe {
            libc::sendto(
                fd.as_raw_fd(),
                packet.as_ptr().cast(),
                packet.len(),
                0,
                (&dst as *const libc::sockaddr_in6).cast(),
                std::mem::size_of::<libc::sockaddr_in6>() as u32,
            )
        };
        if n < 0 {
            return Err(NetError::other(format!(
                "sending a neighbour advertisement: {}",
                std::io::Error::last_os_error()
            )));
        }
    }
    Ok(count)
}

fn open(index: u32, src: Ipv6Addr) -> Result<OwnedFd, NetError> {
    // SAFETY: socket(2) with constant arguments; checked below.
    let raw = unsafe {
        libc::socket(
            libc::AF_INET6,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            libc::IPPROTO_ICMPV6,
        )
    };
    if raw < 0 {
        return Err(NetError::permission(format!(
            "ICMPv6 raw socket: {} (needs root or CAP_NET_RAW)",
            std::io::Error::last_os_error()
        )));
    }
    // SAFETY: a fresh descriptor we own.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let hops: libc::c_int = 255;
    let ifindex = index as libc::c_int;
    for (opt, value) in [
        (libc::IPV6_MULTICAST_HOPS, hops),
        (libc::IPV6_UNICAST_HOPS, hops),
        (libc::IPV6_MULTICAST_IF, ifindex),
    ] {
        // SAFETY: `value` lives across the call; the size matches.
        let rc = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::IPPROTO_IPV6,
                opt,
                (&value as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as u32,
            )
        };
        if rc < 0 {
            return Err(NetError::other(format!(
                "ICMPv6 socket option {opt}: {}",
                std::io::Error::last_os_error()
            )));
        }
    }
    // The advertisement's source is the address itself (it is no longer tentative).
    // SAFETY: sockaddr_in6 is plain data; all-zero is valid.
    let mut local: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
    local.sin6_family = libc::AF_INET6 as u16;
    local.sin6_addr.s6_addr = src.octets();
    // SAFETY: `local` is valid for the call.
    let rc = unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&local as *const libc::sockaddr_in6).cast(),
            std::mem::size_of::<libc::sockaddr_in6>() as u32,
        )
    };
    if rc < 0 {
        return Err(NetError::other(format!(
            "binding the ICMPv6 socket to {src}: {}",
            std::io::Error::last_os_error()
        )));
    }
    Ok(fd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advertisement_has_override_target_and_link_layer_option() {
        let ip: Ipv6Addr = "fd00::100".parse().unwrap_or(Ipv6Addr::UNSPECIFIED);
        let b = advertisement(ip, Some([2, 0, 0, 0, 0, 1]));
        assert_eq!(b.len(), 32);
        assert_eq!((b[0], b[1]), (136, 0));
        assert_eq!(b[4] & 0x20, 0x20, "override");
        assert_eq!(b[4] & 0xc0, 0, "neither router nor solicited");
        assert_eq!(&b[8..24], &ip.octets());
        assert_eq!(&b[24..32], &[2, 1, 2, 0, 0, 0, 0, 1]);
    }
}
