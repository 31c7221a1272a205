//! rtnetlink, synchronously: list links, addresses and routes, add and delete an address.
//! No `ip` process. Every receive has a timeout tied to the action's deadline.
//!
//! The kernel ABI used is four fixed headers (nlmsghdr, ifinfomsg, ifaddrmsg, rtmsg) plus
//! type-length-value attributes; decoding never panics on any input (see `nlmsg`).

use std::net::IpAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use ha_agent::{AgentError, Deadline};

use super::nlmsg::{self, Message};
pub use super::rtnl::{
    family_of, ip_bytes, parse_addr, parse_link, parse_route, Addr, Link, Route, IFA_F_DADFAILED,
    IFA_F_NODAD, IFA_F_SECONDARY, IFA_F_TENTATIVE, IFF_LOWER_UP, IFF_UP,
};
use super::rtnl::{IFA_ADDRESS, IFA_BROADCAST, IFA_CACHEINFO, IFA_FLAGS, IFA_LABEL, IFA_LOCAL};

const RTM_GETLINK: u16 = 18;
const RTM_NEWADDR: u16 = 20;
const RTM_DELADDR: u16 = 21;
const RTM_GETADDR: u16 = 22;
const RTM_GETROUTE: u16 = 26;
const RTM_NEWLINK: u16 = 16;
const RTM_NEWROUTE: u16 = 24;

const NLM_F_REQUEST: u16 = 1;
const NLM_F_ACK: u16 = 4;
const NLM_F_DUMP: u16 = 0x300;
const NLM_F_EXCL: u16 = 0x200;
const NLM_F_CREATE: u16 = 0x400;

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

/// One NETLINK_ROUTE socket; every call waits at most until `deadline`.
pub struct Netlink {
    fd: OwnedFd,
    seq: u32,
    deadline: Deadline,
}

impl Netlink {
    pub fn open(deadline: Deadline) -> Result<Netlink, AgentError> {
        // SAFETY: socket(2) with constant arguments; the result is checked before use.
        let raw = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_ROUTE,
            )
        };
        if raw < 0 {
            return Err(os_error("netlink socket"));
        }
        // SAFETY: `raw` is a fresh descriptor we own.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        Ok(Netlink {
            fd,
            seq: 0,
            deadline,
        })
    }

    pub fn links(&mut self) -> Result<Vec<Link>, AgentError> {
        let mut body = vec![0u8; 16]; // ifinfomsg, AF_UNSPEC
        body[0] = libc::AF_UNSPEC as u8;
        let msgs = self.request(RTM_GETLINK, NLM_F_DUMP, &body)?;
        Ok(msgs
            .iter()
            .filter(|m| m.kind == RTM_NEWLINK)
            .filter_map(|m| parse_link(&m.body))
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
        let body = [family as u8, 0, 0, 0, 0, 0, 0, 0]; // ifaddrmsg
        let msgs = self.request(RTM_GETADDR, NLM_F_DUMP, &body)?;
        Ok(msgs
            .iter()
            .filter(|m| m.kind == RTM_NEWADDR)
            .filter_map(|m| parse_addr(&m.body))
            .filter(|a| family_of(&a.ip) == family)
            .collect())
    }

    /// The main table's unicast routes of one family.
    pub fn routes(&mut self, family: i32) -> Result<Vec<Route>, AgentError> {
        let mut body = [0u8; 12]; // rtmsg
        body[0] = family as u8;
        let msgs = self.request(RTM_GETROUTE, NLM_F_DUMP, &body)?;
        Ok(msgs
            .iter()
            .filter(|m| m.kind == RTM_NEWROUTE)
            .filter_map(|m| parse_route(&m.body, family))
            .collect())
    }

    pub fn add_addr(&mut self, a: &NewAddr) -> Result<(), AgentError> {
        let mut body = ifaddrmsg(&a.ip, a.prefix, a.index);
        let ip = ip_bytes(&a.ip);
        nlmsg::push_attr(&mut body, IFA_LOCAL, &ip);
        nlmsg::push_attr(&mut body, IFA_ADDRESS, &ip);
        if let Some(b) = a.broadcast {
            nlmsg::push_attr(&mut body, IFA_BROADCAST, &ip_bytes(&b));
        }
        if let Some(label) = &a.label {
            let mut l = label.as_bytes().to_vec();
            l.push(0);
            nlmsg::push_attr(&mut body, IFA_LABEL, &l);
        }
        if let Some(preferred) = a.preferred_lft {
            // struct ifa_cacheinfo: preferred, valid (forever), cstamp, tstamp.
            let mut info = preferred.to_ne_bytes().to_vec();
            info.extend_from_slice(&u32::MAX.to_ne_bytes());
            info.extend_from_slice(&[0; 8]);
            nlmsg::push_attr(&mut body, IFA_CACHEINFO, &info);
        }
        if a.nodad {
            nlmsg::push_attr(&mut body, IFA_FLAGS, &IFA_F_NODAD.to_ne_bytes());
        }
        self.request(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &body)
            .map(|_| ())
    }

    /// Deletes exactly `ip/prefix` on interface `index` (local and prefix must both match).
    pub fn del_addr(&mut self, index: u32, ip: &IpAddr, prefix: u8) -> Result<(), AgentError> {
        let mut body = ifaddrmsg(ip, prefix, index);
        let bytes = ip_bytes(ip);
        nlmsg::push_attr(&mut body, IFA_LOCAL, &bytes);
        nlmsg::push_attr(&mut body, IFA_ADDRESS, &bytes);
        self.request(RTM_DELADDR, NLM_F_ACK, &body).map(|_| ())
    }

    /// Sends one request and collects the answer: a dump until NLMSG_DONE, or an ack.
    fn request(&mut self, kind: u16, flags: u16, body: &[u8]) -> Result<Vec<Message>, AgentError> {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let msg = nlmsg::encode(kind, NLM_F_REQUEST | flags, seq, body);
        // SAFETY: `msg` is a valid buffer; the kernel is the destination (zeroed sockaddr_nl).
        let sent = unsafe {
            let mut addr: libc::sockaddr_nl = std::mem::zeroed();
            addr.nl_family = libc::AF_NETLINK as u16;
            libc::sendto(
                self.fd.as_raw_fd(),
                msg.as_ptr().cast(),
                msg.len(),
                0,
                (&addr as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as u32,
            )
        };
        if sent < 0 {
            return Err(os_error("netlink send"));
        }
        let dump = flags & NLM_F_DUMP == NLM_F_DUMP;
        let mut out = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = self.recv(&mut buf)?;
            for m in nlmsg::decode(&buf[..n]) {
                if m.seq != seq {
                    continue;
                }
                match m.kind {
                    nlmsg::NLMSG_DONE => return Ok(out),
                    nlmsg::NLMSG_ERROR => {
                        let code = nlmsg::error_code(&m.body).unwrap_or(-libc::EIO);
                        if code == 0 {
                            return Ok(out);
                        }
                        return Err(errno_error(-code));
                    }
                    _ => out.push(m),
                }
            }
            if !dump && !out.is_empty() {
                return Ok(out);
            }
        }
    }

    fn recv(&self, buf: &mut [u8]) -> Result<usize, AgentError> {
        let left = self.deadline.remaining();
        if left.is_zero() {
            return Err(AgentError::generic(
                "netlink: no answer before the deadline",
            ));
        }
        set_recv_timeout(&self.fd, left.max(Duration::from_millis(1)))?;
        // SAFETY: `buf` is writable for its length.
        let n = unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if matches!(e.raw_os_error(), Some(libc::EAGAIN) | Some(libc::EINTR)) {
                return Err(AgentError::generic(
                    "netlink: no answer before the deadline",
                ));
            }
            return Err(AgentError::generic(format!("netlink receive: {e}")));
        }
        Ok(n as usize)
    }
}

pub fn set_recv_timeout(fd: &OwnedFd, d: Duration) -> Result<(), AgentError> {
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
        return Err(os_error("setsockopt SO_RCVTIMEO"));
    }
    Ok(())
}

fn ifaddrmsg(ip: &IpAddr, prefix: u8, index: u32) -> Vec<u8> {
    let mut body = vec![family_of(ip) as u8, prefix, 0, 0];
    body.extend_from_slice(&index.to_ne_bytes());
    body
}

fn os_error(what: &str) -> AgentError {
    let e = std::io::Error::last_os_error();
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
