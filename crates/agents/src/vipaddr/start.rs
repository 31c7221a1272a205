//! start: choose interface and prefix, refuse a duplicate, add the address through netlink,
//! wait out IPv6 DAD, record ownership, announce it.

use std::net::IpAddr;

use ha_agent::{AgentError, Ctx};

use super::netlink::{family_of, Link, Netlink, NewAddr};
use super::owned::{self, Owned};
use super::route::{self, Target};
use super::settings::{auto_broadcast, Broadcast, Settings};
use super::{arp, arp_bg, ndp};

pub fn start(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let mut nl = Netlink::open(ctx.deadline())?;
    let target = route::resolve(ctx, &mut nl, s)?;
    let link = &target.link;
    let present: Vec<_> = nl
        .addrs(family_of(&s.ip))?
        .into_iter()
        .filter(|a| a.ip == s.ip)
        .collect();
    if let Some(a) = present
        .iter()
        .find(|a| a.index == link.index && a.prefix == target.prefix)
    {
        ctx.info(&format!(
            "{}/{} is already on {}: nothing to do",
            a.ip, a.prefix, link.name
        ));
        owned::write(ctx, &owned_of(s, &target));
        return Ok(());
    }
    if let Some(a) = present.first() {
        let nic = nl
            .link_by_index(a.index)?
            .map_or(a.index.to_string(), |l| l.name);
        return Err(AgentError::generic(format!(
            "{} is already configured as {}/{} on {nic}; expected /{} on {}",
            s.ip, a.ip, a.prefix, target.prefix, link.name
        )));
    }
    if !link.is_up() {
        return Err(AgentError::generic(format!(
            "{} is down or has no carrier: not adding {}",
            link.name, s.ip
        )));
    }
    let mut sock = None;
    if let (IpAddr::V4(v4), true, Some(mac)) = (s.ip, s.dad_probe, arp::ethernet_mac(link)) {
        let sock = sock.insert(arp::PacketSocket::open(link.index)?);
        let found = ctx.step("duplicate probe", || {
            arp::probe(sock, mac, v4, s.dad_timeout, &ctx.deadline())
        })?;
        if let Some(other) = found {
            return Err(AgentError::generic(format!(
                "{} is already in use on {} by MAC {} (it answered an ARP probe): not adding it",
                s.ip,
                link.name,
                arp::mac_text(&other)
            )));
        }
    }
    add(ctx, &mut nl, s, &target)?;
    owned::write(ctx, &owned_of(s, &target));
    announce(ctx, s, link, s.arp_count, sock.as_ref());
    Ok(())
}

/// Adds the address (and for IPv6 waits out DAD, removing it again when DAD fails).
pub fn add(ctx: &Ctx, nl: &mut Netlink, s: &Settings, t: &Target) -> Result<(), AgentError> {
    let broadcast = match (s.ip, s.broadcast) {
        (IpAddr::V4(v4), Broadcast::Auto) => auto_broadcast(v4, t.prefix).map(IpAddr::V4),
        (_, Broadcast::Addr(b)) => Some(IpAddr::V4(b)),
        _ => None,
    };
    let new = NewAddr {
        index: t.link.index,
        ip: s.ip,
        prefix: t.prefix,
        broadcast,
        label: t.label.clone(),
        nodad: s.nodad && s.ip.is_ipv6(),
        preferred_lft: s.preferred_lft,
    };
    ctx.step("add address", || nl.add_addr(&new))
        .map_err(|e| e.context(format!("adding {}/{} to {}", s.ip, t.prefix, t.link.name)))?;
    let label = t
        .label
        .as_deref()
        .map(|l| format!(" label {l}"))
        .unwrap_or_default();
    ctx.info(&format!(
        "added {}/{} to {}{label}",
        s.ip, t.prefix, t.link.name
    ));
    if let (IpAddr::V6(v6), false) = (s.ip, new.nodad) {
        let waited = ctx.step("wait for DAD", || {
            ndp::wait_dad(nl, t.link.index, &v6, &ctx.deadline())
        });
        match waited {
            Ok(d) => ctx.info(&format!(
                "{v6}: duplicate address detection passed in {} ms",
                d.as_millis()
            )),
            Err(e) => {
                if let Err(del) = nl.del_addr(t.link.index, &s.ip, t.prefix) {
                    ctx.warn(&format!("removing {v6} after DAD failed: {del}"));
                }
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Gratuitous ARP (IPv4) or unsolicited NA (IPv6), `rounds` times; a failure is a warning:
/// the address is up, neighbours merely learn it later.
/// `sock`: the probe's packet socket, reused (each new one costs an RCU grace period).
pub fn announce(
    ctx: &Ctx,
    s: &Settings,
    link: &Link,
    rounds: u32,
    sock: Option<&arp::PacketSocket>,
) {
    if rounds == 0 {
        return;
    }
    let mac = arp::ethernet_mac(link);
    let deadline = ctx.deadline();
    let sent = match (s.ip, mac) {
        (IpAddr::V4(v4), Some(mac)) => {
            let opened;
            let sock = match sock {
                Some(sock) => sock,
                None => match arp::PacketSocket::open(link.index) {
                    Ok(sock) => {
                        opened = sock;
                        &opened
                    }
                    Err(e) => return ctx.warn(&format!("announcing {}: {e}", s.ip)),
                },
            };
            let record = owned::path(ctx);
            if s.arp_bg && rounds > 1 && record.exists() {
                announce_in_background(ctx, s, link, sock, (mac, v4), rounds, &record);
                return;
            }
            arp::announce(sock, mac, v4, rounds, s.arp_interval, &deadline)
        }
        (IpAddr::V4(_), None) => {
            ctx.info(&format!(
                "{} has no Ethernet address: no gratuitous ARP",
                link.name
            ));
            return;
        }
        (IpAddr::V6(v6), mac) => {
            ndp::advertise(link.index, v6, mac, rounds, s.arp_interval, &deadline)
        }
    };
    let what = if s.ip.is_ipv4() {
        "gratuitous ARP rounds (request + reply)"
    } else {
        "unsolicited neighbour advertisements"
    };
    match sent {
        Ok(n) if n == rounds => ctx.info(&format!("sent {n} {what} for {} on {}", s.ip, link.name)),
        Ok(n) => ctx.warn(&format!(
            "sent only {n} of {rounds} {what} for {}: deadline",
            s.ip
        )),
        Err(e) => ctx.warn(&format!("announcing {} on {}: {e}", s.ip, link.name)),
    }
}

/// arp_bg: the first round now, the others from a detached child.
fn announce_in_background(
    ctx: &Ctx,
    s: &Settings,
    link: &Link,
    sock: &arp::PacketSocket,
    (mac, ip): ([u8; 6], std::net::Ipv4Addr),
    rounds: u32,
    record: &std::path::Path,
) {
    let deadline = ctx.deadline();
    if let Err(e) = arp::announce(sock, mac, ip, 1, s.arp_interval, &deadline) {
        return ctx.warn(&format!("announcing {ip} on {}: {e}", link.name));
    }
    match arp_bg::spawn(sock, mac, ip, rounds - 1, s.arp_interval, &deadline, record) {
        Ok((pid, n)) => ctx.info(&format!(
            "sent 1 gratuitous ARP round (request + reply) for {ip} on {}; {n} more from \
             background sender {pid}, {} ms apart",
            link.name,
            s.arp_interval.as_millis()
        )),
        Err(e) => ctx.warn(&format!("background ARP for {ip}: {e}")),
    }
}

pub fn owned_of(s: &Settings, t: &Target) -> Owned {
    Owned {
        ip: s.ip,
        prefix: t.prefix,
        nic: t.link.name.clone(),
        label: t.label.clone(),
    }
}
