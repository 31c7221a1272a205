//! monitor/status from netlink only: running means the address is on the interface (the
//! configured one, else wherever it is) with the configured prefix, and the link is up with
//! carrier. Depth 10 also probes for another host answering for the address. Optionally
//! re-announces, or repairs an address removed behind our back. When the configured interface
//! does not hold the address, the ownership record's interface index finds it on the same
//! interface under a new name (before repair: a new link with the old name is not ours).

use std::net::IpAddr;

use ha_agent::{AgentError, Ctx, Health};

use super::decide::{self, OnLink};
use super::owned::{self, Owned};
use super::route::Target;
use super::settings::Settings;
use hostops::arp;
use hostops::netlink::{family_of, Addr, Link, Netlink};

use super::start;

pub fn monitor(ctx: &Ctx, s: &Settings, level: u32) -> Result<Health, AgentError> {
    let mut nl = super::netlink(ctx)?;
    let expected = match &s.nic {
        Some(name) => match nl.link_by_name(name)? {
            Some(l) => Some(l),
            None => return interface_gone(ctx, &mut nl, s, name, level),
        },
        None => None,
    };
    let all = nl.addrs(family_of(&s.ip))?;
    let found = all
        .iter()
        .find(|a| a.ip == s.ip && expected.as_ref().is_none_or(|l| l.index == a.index));
    let Some(addr) = found else {
        let own = owned::read(ctx);
        let configured = expected.as_ref().map(|l| l.index);
        if let Some((addr, link)) = renamed(ctx, &mut nl, s, own.as_ref(), configured, &all)? {
            return judge(ctx, s, &addr, &link, level);
        }
        return missing(ctx, &mut nl, s, own);
    };
    let link = match expected {
        Some(l) => Some(l),
        None => nl.link_by_index(addr.index)?,
    };
    let Some(link) = link.as_ref() else {
        return Ok(Health::Stopped);
    };
    judge(ctx, s, addr, link, level)
}

/// No interface has the configured name: not here, unless the ownership record follows our
/// address to where its interface was renamed (only then one address dump).
fn interface_gone(
    ctx: &Ctx,
    nl: &mut Netlink,
    s: &Settings,
    name: &str,
    level: u32,
) -> Result<Health, AgentError> {
    let own = owned::read(ctx).filter(|o| o.ip == s.ip && o.ifindex.is_some());
    if own.is_some() {
        let all = nl.addrs(family_of(&s.ip))?;
        if let Some((addr, link)) = renamed(ctx, nl, s, own.as_ref(), None, &all)? {
            return judge(ctx, s, &addr, &link, level);
        }
    }
    ctx.debug(&format!(
        "interface {name} does not exist: {} is not here",
        s.ip
    ));
    Ok(Health::Stopped)
}

/// Our address on the link the ownership record names by index (decide::followed), and that
/// link, with a warning naming the rename.
fn renamed(
    ctx: &Ctx,
    nl: &mut Netlink,
    s: &Settings,
    own: Option<&Owned>,
    configured: Option<u32>,
    all: &[Addr],
) -> Result<Option<(Addr, Link)>, AgentError> {
    let Some(addr) = decide::followed(own, &s.ip, s.prefix, configured, all) else {
        return Ok(None);
    };
    let Some(link) = nl.link_by_index(addr.index)? else {
        return Ok(None);
    };
    let was = s
        .nic
        .as_deref()
        .or(own.map(|o| o.nic.as_str()))
        .unwrap_or_default();
    ctx.warn(&format!(
        "{}: {}/{} is ours there",
        owned::renamed(was, &link.name, link.index),
        addr.ip,
        addr.prefix
    ));
    Ok(Some((addr.clone(), link)))
}

/// The verdict on our address found on `link`, the depth-10 probe and the refresh.
fn judge(
    ctx: &Ctx,
    s: &Settings,
    addr: &Addr,
    link: &Link,
    level: u32,
) -> Result<Health, AgentError> {
    match decide::on_link(addr, link, s.prefix, &s.shown()) {
        OnLink::Failed(reason) => return Ok(Health::Failed(reason)),
        OnLink::Down(why) => {
            ctx.warn(&format!(
                "{} is on {}, but the link is {why}: not running",
                s.ip, link.name
            ));
            return Ok(Health::Stopped);
        }
        OnLink::Up => {}
    }
    ctx.debug(&format!(
        "{}/{} is on {} and the link is up",
        addr.ip, addr.prefix, link.name
    ));
    if level >= 10 {
        if let Some(other) = duplicate(ctx, s, link)? {
            return Ok(Health::Failed(format!(
                "{} on {} is also answered by MAC {other}: duplicate address",
                s.ip, link.name
            )));
        }
    }
    if s.arp_count_refresh > 0 && !ctx.is_probe() {
        start::announce(ctx, s, link, s.arp_count_refresh, None);
    }
    Ok(Health::Running)
}

/// Depth 10 (IPv4 on Ethernet): an ARP probe for our own address; another host answering
/// means two nodes hold it (a split brain, or a host configured by hand).
fn duplicate(ctx: &Ctx, s: &Settings, link: &Link) -> Result<Option<String>, AgentError> {
    let (IpAddr::V4(v4), Some(mac)) = (s.ip, arp::ethernet_mac(link)) else {
        return Ok(None);
    };
    let sock = arp::PacketSocket::open(link.index)?;
    let found = ctx.step("duplicate probe", || {
        arp::probe(&sock, mac, v4, s.dad_timeout, &ctx.deadline())
    })?;
    Ok(found.map(|m| arp::mac_text(&m)))
}

/// The address is not there: not running, unless repair is on and this node started it.
fn missing(
    ctx: &Ctx,
    nl: &mut Netlink,
    s: &Settings,
    own: Option<Owned>,
) -> Result<Health, AgentError> {
    let Some(own) = own.filter(|o| o.ip == s.ip) else {
        ctx.debug(&format!("{} is not configured here", s.ip));
        return Ok(Health::Stopped);
    };
    let Some(link) = nl.link_by_name(&own.nic)? else {
        ctx.warn(&format!(
            "{} vanished together with its interface {}",
            s.ip, own.nic
        ));
        return Ok(Health::Stopped);
    };
    let present: Vec<String> = nl
        .addrs(family_of(&s.ip))?
        .iter()
        .filter(|a| a.index == link.index)
        .map(|a| format!("{}/{}", a.ip, a.prefix))
        .collect();
    let found = if present.is_empty() {
        "no address".to_string()
    } else {
        present.join(", ")
    };
    let what = format!(
        "{}/{} was removed from {} behind our back (found: {found})",
        own.ip, own.prefix, own.nic
    );
    if !s.repair || ctx.is_probe() || !link.is_up() {
        ctx.warn(&format!("{what}: not running"));
        return Ok(Health::Stopped);
    }
    let target = Target {
        link: link.clone(),
        prefix: own.prefix,
        label: own.label.clone(),
    };
    start::add(ctx, nl, s, &target).map_err(|e| e.context(format!("repairing: {what}")))?;
    ctx.warn(&format!("{what}: re-added (repair=true)"));
    start::announce(ctx, s, &link, s.arp_count, None);
    Ok(Health::Running)
}
