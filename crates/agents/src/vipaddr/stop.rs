//! stop: remove exactly this address (ip and prefix on its interface), nothing else. A primary
//! IPv4 address with secondaries in its subnet would take them along, so promote_secondaries
//! is switched on for that interface first. When the configured interface does not hold it,
//! the ownership record's interface index follows it through a rename of that interface.

use ha_agent::{AgentError, Ctx};

use super::decide::{followed, stop_plan, StopPlan};
use super::owned;
use super::settings::Settings;
use hostops::netlink::{family_of, Link, Netlink};

pub fn stop(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let mut nl = super::netlink(ctx)?;
    let links = nl.links()?;
    let nic_index = s
        .nic
        .as_ref()
        .and_then(|name| links.iter().find(|l| &l.name == name))
        .map(|l| l.index);
    let gone = s.nic.as_deref().filter(|_| nic_index.is_none());
    let mut own = None;
    if let Some(name) = gone {
        // Only a record naming an interface index can find our address elsewhere.
        own = owned::read(ctx).filter(|o| o.ip == s.ip && o.ifindex.is_some());
        if own.is_none() {
            return interface_gone(ctx, name, s);
        }
    }
    let all = nl.addrs(family_of(&s.ip))?;
    let mut plan = match gone {
        Some(_) => StopPlan::default(),
        None => stop_plan(&all, &s.ip, nic_index, s.prefix),
    };
    if let (true, Some(was)) = (plan.remove.is_empty(), &s.nic) {
        let own = own.or_else(|| owned::read(ctx));
        match followed(own.as_ref(), &s.ip, s.prefix, nic_index, &all) {
            Some(a) => {
                ctx.warn(&format!(
                    "{}: removing {}/{} there",
                    owned::renamed(was, &name_in(&links, a.index), a.index),
                    a.ip,
                    a.prefix
                ));
                plan = stop_plan(&all, &s.ip, Some(a.index), Some(a.prefix));
            }
            None if gone.is_some() => return interface_gone(ctx, was, s),
            None => {}
        }
    }
    let name_of = |index: u32| name_in(&links, index);
    for a in &plan.leave {
        ctx.warn(&format!(
            "{}/{} on {} is not the configured {} ({}): left alone",
            a.ip,
            a.prefix,
            name_of(a.index),
            s.shown(),
            s.nic.as_deref().unwrap_or("any interface")
        ));
    }
    if plan.remove.is_empty() {
        ctx.info(&format!(
            "{} is not configured: nothing to remove",
            s.shown()
        ));
        remove_addrlabel(ctx, &mut nl, s)?;
        owned::remove(ctx);
        return Ok(());
    }
    for (a, keep) in plan.remove {
        let nic = name_of(a.index);
        if keep {
            keep_secondaries(ctx, &nic)?;
        }
        ctx.step("delete address", || nl.del_addr(a.index, &a.ip, a.prefix))
            .map_err(|e| {
                AgentError::from(e).context(format!("removing {}/{} from {nic}", a.ip, a.prefix))
            })?;
        ctx.info(&format!("removed {}/{} from {nic}", a.ip, a.prefix));
    }
    if s.flush_routes {
        flush_route_cache(ctx, &s.ip);
    }
    remove_addrlabel(ctx, &mut nl, s)?;
    owned::remove(ctx);
    Ok(())
}

fn name_in(links: &[Link], index: u32) -> String {
    links
        .iter()
        .find(|l| l.index == index)
        .map_or(index.to_string(), |l| l.name.clone())
}

/// No interface has the configured name and no record follows our address elsewhere.
fn interface_gone(ctx: &Ctx, name: &str, s: &Settings) -> Result<(), AgentError> {
    ctx.info(&format!(
        "interface {name} does not exist: {} is not configured",
        s.ip
    ));
    owned::remove(ctx);
    Ok(())
}

/// flush_routes: what `ip route flush cache` does for the family, through its /proc/sys file
/// (of the namespace this thread is in). A failure is a warning: the address is gone.
fn flush_route_cache(ctx: &Ctx, ip: &std::net::IpAddr) {
    let family = if ip.is_ipv4() { "ipv4" } else { "ipv6" };
    let path = format!("/proc/sys/net/{family}/route/flush");
    match std::fs::write(&path, "-1") {
        Ok(()) => ctx.info(&format!("flushed the {family} route cache (flush_routes)")),
        Err(e) => ctx.warn(&format!("flushing the route cache ({path}): {e}")),
    }
}

/// lvs_ipv6_addrlabel: the label policy start added goes with the address.
fn remove_addrlabel(ctx: &Ctx, nl: &mut Netlink, s: &Settings) -> Result<(), AgentError> {
    let (std::net::IpAddr::V6(v6), Some(label)) = (s.ip, s.lvs_ipv6_addrlabel) else {
        return Ok(());
    };
    if nl.del_addrlabel(&v6, label)? {
        ctx.info(&format!(
            "removed IPv6 address label {v6}/128 label {label}"
        ));
    }
    Ok(())
}

/// Deleting a primary deletes its secondaries unless promote_secondaries is on (per interface).
fn keep_secondaries(ctx: &Ctx, nic: &str) -> Result<(), AgentError> {
    let path = format!("/proc/sys/net/ipv4/conf/{nic}/promote_secondaries");
    if std::fs::read_to_string(&path).is_ok_and(|v| v.trim() == "1") {
        return Ok(());
    }
    std::fs::write(&path, "1").map_err(|e| {
        AgentError::generic(format!(
            "cannot enable {path} ({e}): removing this primary address would remove the other addresses of its subnet"
        ))
    })?;
    ctx.info(&format!(
        "enabled promote_secondaries on {nic} so that removing the primary address keeps the others"
    ));
    Ok(())
}
