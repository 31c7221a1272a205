//! start: choose interface and prefix, refuse a duplicate, add the address through netlink,
//! wait out IPv6 DAD, record ownership, announce it.

use std::net::IpAddr;
use std::time::Duration;

use ha_agent::{AgentError, Ctx};

use super::decide::{start_plan, StartPlan};
use super::owned::{self, Owned};
use super::route::{self, Target};
use super::settings::{broadcast_for, Settings};
use hostops::netlink::{family_of, Link, Netlink, NewAddr};
use hostops::{arp, ndp};

use super::arp_bg;

/// Time kept from the duplicate probe for adding the address and, if that fails, removing
/// it again: a quarter of the budget, 0.3–2 s.
fn add_reserve(budget: Duration) -> Duration {
    (budget / 4).clamp(Duration::from_millis(300), Duration::from_secs(2))
}

pub fn start(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let reserve = add_reserve(ctx.deadline().remaining());
    let mut nl = super::netlink(ctx)?;
    let target = route::resolve(ctx, &mut nl, s)?;
    let link = &target.link;
    let present: Vec<_> = nl
        .addrs(family_of(&s.ip))?
        .into_iter()
        .filter(|a| a.ip == s.ip)
        .collect();
    match start_plan(&present, link.index, target.prefix, link.is_up()) {
        StartPlan::AlreadyThere(a) => {
            ctx.info(&format!(
                "{}/{} is already on {}: announcing it again",
                a.ip, a.prefix, link.name
            ));
            owned::write(ctx, &owned_of(s, &target));
            // Ownership is being (re)asserted: neighbours may still point at the old holder.
            announce(ctx, s, link, s.arp_count, None);
            return Ok(());
        }
        StartPlan::DadFailed(a) => {
            return Err(AgentError::generic(format!(
                "{}/{} is on {} but its duplicate address detection failed: another host on the \
                 link uses it; not starting (stop removes it)",
                a.ip, a.prefix, link.name
            )));
        }
        StartPlan::ConfiguredElsewhere(a) => {
            let nic = nl
                .link_by_index(a.index)?
                .map_or(a.index.to_string(), |l| l.name);
            return Err(AgentError::generic(format!(
                "{} is already configured as {}/{} on {nic}; expected /{} on {}",
                s.ip, a.ip, a.prefix, target.prefix, link.name
            )));
        }
        StartPlan::LinkDown => {
            return Err(AgentError::generic(format!(
                "{} is down or has no carrier: not adding {}",
                link.name, s.ip
            )));
        }
        StartPlan::Add => {}
    }
    let mut sock = None;
    if let (IpAddr::V4(v4), true, Some(mac)) = (s.ip, s.dad_probe, arp::ethernet_mac(link)) {
        let sock = sock.insert(arp::PacketSocket::open(link.index)?);
        let probe_by = ctx.deadline().with_margin(reserve);
        if probe_by.remaining() < s.dad_timeout {
            ctx.warn(&format!(
                "duplicate probe shortened to {} ms (dad_timeout_ms={}) to keep {} ms for adding \
                 the address within the start deadline",
                probe_by.remaining().as_millis(),
                s.dad_timeout.as_millis(),
                reserve.as_millis()
            ));
        }
        let found = ctx.step("duplicate probe", || {
            arp::probe(sock, mac, v4, s.dad_timeout, &probe_by)
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
    let broadcast = match s.ip {
        IpAddr::V4(v4) => broadcast_for(s.broadcast, v4, t.prefix).map(IpAddr::V4),
        IpAddr::V6(_) => None,
    };
    let new = NewAddr {
        index: t.link.index,
        ip: s.ip,
        prefix: t.prefix,
        broadcast,
        label: t.label.clone(),
        nodad: s.nodad && s.ip.is_ipv6(),
        noprefixroute: s.noprefixroute,
        preferred_lft: s.preferred_lft,
    };
    add_addrlabel(ctx, nl, s);
    // The add gets all but a cleanup share of what is left; on failure, whatever the kernel
    // did is undone with that share: a failed start leaves no address behind.
    let cleanup = (ctx.deadline().remaining() / 3).min(Duration::from_secs(1));
    nl.set_deadline(ctx.deadline().with_margin(cleanup));
    let added = ctx.step("add address", || nl.add_addr(&new));
    nl.set_deadline(ctx.deadline());
    if let Err(e) = added {
        let undone = remove_if_present(nl, s, t);
        return Err(AgentError::from(e).context(format!(
            "adding {}/{} to {}{undone}",
            s.ip, t.prefix, t.link.name
        )));
    }
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
        let dad_by = ctx.deadline().with_margin(cleanup);
        let waited = ctx.step("wait for DAD", || {
            ndp::wait_dad(nl, t.link.index, &v6, &dad_by)
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
                return Err(e.into());
            }
        }
    }
    Ok(())
}

/// lvs_ipv6_addrlabel: the label policy goes in before the address, so the kernel never
/// picks the address as a source. A failure is a warning, as in IPaddr2.
fn add_addrlabel(ctx: &Ctx, nl: &mut Netlink, s: &Settings) {
    let (IpAddr::V6(v6), Some(label)) = (s.ip, s.lvs_ipv6_addrlabel) else {
        return;
    };
    match nl.add_addrlabel(&v6, label) {
        Ok(()) => ctx.info(&format!("added IPv6 address label {v6}/128 label {label}")),
        Err(e) => ctx.warn(&format!(
            "adding IPv6 address label {v6}/128 label {label}: {e}"
        )),
    }
}

/// After a failed add: the address may be there all the same (the kernel applied it but
/// the answer came too late). Removes it; the text says what happened, for the reason.
fn remove_if_present(nl: &mut Netlink, s: &Settings, t: &Target) -> String {
    let present = nl.addrs(family_of(&s.ip)).map(|all| {
        all.iter()
            .any(|a| a.ip == s.ip && a.index == t.link.index && a.prefix == t.prefix)
    });
    match present {
        Ok(false) => " (nothing was added)".to_string(),
        Ok(true) => match nl.del_addr(t.link.index, &s.ip, t.prefix) {
            Ok(()) => " (it had been added: removed again)".to_string(),
            Err(e) => format!(" (it had been added and removing it failed: {e}; run stop)"),
        },
        Err(e) => format!(" (cannot tell whether it was added: {e}; run stop)"),
    }
}

/// Gratuitous ARP (IPv4) or unsolicited NA (IPv6), `rounds` times, as a timed step of the
/// flight record; a failure is a warning: the address is up, neighbours merely learn it later.
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
            let round = arp::Arp::round(mac, v4, &s.arp_targets);
            ctx.step("gratuitous ARP", || {
                arp::announce(sock, &round, rounds, s.arp_interval, &deadline)
            })
        }
        (IpAddr::V4(_), None) => {
            ctx.info(&format!(
                "{} has no Ethernet address: no gratuitous ARP",
                link.name
            ));
            return;
        }
        (IpAddr::V6(v6), mac) => ctx.step("neighbour advertisements", || {
            ndp::advertise(link.index, v6, mac, rounds, s.arp_interval, &deadline)
        }),
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
        Err(_) => {} // the step logged it; the address is up regardless
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
    let round = arp::Arp::round(mac, ip, &s.arp_targets);
    if let Err(e) = arp::announce(sock, &round, 1, s.arp_interval, &deadline) {
        return ctx.warn(&format!("announcing {ip} on {}: {e}", link.name));
    }
    match arp_bg::spawn(sock, &round, rounds - 1, s.arp_interval, &deadline, record) {
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
        ifindex: Some(t.link.index),
    }
}
