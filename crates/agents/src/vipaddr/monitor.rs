//! monitor/status from netlink only: running means the address is on the interface (the
//! configured one, else wherever it is) with the configured prefix, and the link is up with
//! carrier. Optionally re-announces, or repairs an address removed behind our back.

use ha_agent::{AgentError, Ctx, Health};

use super::netlink::{family_of, Link, Netlink};
use super::owned;
use super::route::Target;
use super::settings::Settings;
use super::start;

pub fn monitor(ctx: &Ctx, s: &Settings) -> Result<Health, AgentError> {
    let mut nl = Netlink::open(ctx.deadline())?;
    let links = nl.links()?;
    let expected = match &s.nic {
        Some(name) => match links.iter().find(|l| &l.name == name) {
            Some(l) => Some(l),
            None => {
                ctx.debug(&format!(
                    "interface {name} does not exist: {} is not here",
                    s.ip
                ));
                return Ok(Health::Stopped);
            }
        },
        None => None,
    };
    let all = nl.addrs(family_of(&s.ip))?;
    let found = all
        .iter()
        .find(|a| a.ip == s.ip && expected.is_none_or(|l| l.index == a.index));
    let Some(addr) = found else {
        return missing(ctx, &mut nl, s, &links);
    };
    let Some(link) = links.iter().find(|l| l.index == addr.index) else {
        return Ok(Health::Stopped);
    };
    if s.prefix.is_some_and(|p| p != addr.prefix) {
        return Ok(Health::Failed(format!(
            "{}/{} is on {}, but the configured prefix is {}",
            addr.ip,
            addr.prefix,
            link.name,
            s.shown()
        )));
    }
    if !link.is_up() {
        ctx.warn(&format!(
            "{} is on {}, but the link is {}: not running",
            s.ip,
            link.name,
            if link.flags & super::netlink::IFF_UP == 0 {
                "down"
            } else {
                "without carrier"
            }
        ));
        return Ok(Health::Stopped);
    }
    ctx.debug(&format!(
        "{}/{} is on {} and the link is up",
        addr.ip, addr.prefix, link.name
    ));
    if s.arp_count_refresh > 0 && !ctx.is_probe() {
        start::announce(ctx, s, link, s.arp_count_refresh, None);
    }
    Ok(Health::Running)
}

/// The address is not there: not running, unless repair is on and this node started it.
fn missing(
    ctx: &Ctx,
    nl: &mut Netlink,
    s: &Settings,
    links: &[Link],
) -> Result<Health, AgentError> {
    let Some(own) = owned::read(ctx).filter(|o| o.ip == s.ip) else {
        ctx.debug(&format!("{} is not configured here", s.ip));
        return Ok(Health::Stopped);
    };
    let Some(link) = links.iter().find(|l| l.name == own.nic) else {
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
    start::announce(ctx, s, link, s.arp_count, None);
    Ok(Health::Running)
}
