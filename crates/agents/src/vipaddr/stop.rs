//! stop: remove exactly this address (ip and prefix on its interface), nothing else. A primary
//! IPv4 address with secondaries in its subnet would take them along, so promote_secondaries
//! is switched on for that interface first.

use ha_agent::{AgentError, Ctx};

use super::netlink::{family_of, Addr, Netlink, IFA_F_SECONDARY};
use super::owned;
use super::route::contains;
use super::settings::Settings;

pub fn stop(ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
    let mut nl = Netlink::open(ctx.deadline())?;
    let links = nl.links()?;
    let nic_index = match &s.nic {
        Some(name) => match links.iter().find(|l| &l.name == name) {
            Some(l) => Some(l.index),
            None => {
                ctx.info(&format!(
                    "interface {name} does not exist: {} is not configured",
                    s.ip
                ));
                owned::remove(ctx);
                return Ok(());
            }
        },
        None => None,
    };
    let all = nl.addrs(family_of(&s.ip))?;
    let (ours, elsewhere): (Vec<&Addr>, Vec<&Addr>) =
        all.iter().filter(|a| a.ip == s.ip).partition(|a| {
            nic_index.is_none_or(|i| a.index == i) && s.prefix.is_none_or(|p| a.prefix == p)
        });
    let name_of = |index: u32| {
        links
            .iter()
            .find(|l| l.index == index)
            .map_or(index.to_string(), |l| l.name.clone())
    };
    for a in &elsewhere {
        ctx.warn(&format!(
            "{}/{} on {} is not the configured {} ({}): left alone",
            a.ip,
            a.prefix,
            name_of(a.index),
            s.shown(),
            s.nic.as_deref().unwrap_or("any interface")
        ));
    }
    if ours.is_empty() {
        ctx.info(&format!(
            "{} is not configured: nothing to remove",
            s.shown()
        ));
        owned::remove(ctx);
        return Ok(());
    }
    for a in ours {
        let nic = name_of(a.index);
        if has_secondaries(a, &all) {
            keep_secondaries(ctx, &nic)?;
        }
        ctx.step("delete address", || nl.del_addr(a.index, &a.ip, a.prefix))
            .map_err(|e| e.context(format!("removing {}/{} from {nic}", a.ip, a.prefix)))?;
        ctx.info(&format!("removed {}/{} from {nic}", a.ip, a.prefix));
    }
    owned::remove(ctx);
    Ok(())
}

/// An IPv4 primary address whose subnet holds secondaries on the same interface.
pub fn has_secondaries(a: &Addr, all: &[Addr]) -> bool {
    a.ip.is_ipv4()
        && a.flags & IFA_F_SECONDARY == 0
        && all.iter().any(|o| {
            o.index == a.index
                && o.ip != a.ip
                && o.flags & IFA_F_SECONDARY != 0
                && o.prefix == a.prefix
                && contains(&a.ip, a.prefix, &o.ip)
        })
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
