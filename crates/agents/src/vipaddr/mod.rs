//! `VIPaddr`: a virtual IP address that moves cleanly and proves it moved, without starting
//! any process (heartbeat's IPaddr and IPaddr2 run `ip`, `send_arp`, grep and sed):
//!
//! * [`spec`]: the declaration, and Heartbeat's `ip/netmask/nic/broadcast` parsing;
//! * [`settings`]: parameters checked and resolved;
//! * [`nlmsg`], [`rtnl`], [`netlink`]: rtnetlink framing, messages and requests (links,
//!   addresses, routes);
//! * [`route`]: interface and prefix from the longest connected route;
//! * [`arp`], [`arp_bg`], [`ndp`]: duplicate probe, gratuitous ARP (optionally from a detached
//!   child), IPv6 DAD wait and advertisements;
//! * [`owned`]: the record that this node added the address (for repair);
//! * [`start`], [`stop`], [`monitor`]: the actions.

pub mod arp;
pub mod arp_bg;
pub mod monitor;
pub mod ndp;
pub mod netlink;
pub mod nlmsg;
pub mod owned;
pub mod route;
pub mod rtnl;
pub mod settings;
pub mod spec;
pub mod start;
pub mod stop;

#[cfg(test)]
mod tests;

use ha_agent::{Action, Agent, AgentError, AgentSpec, Ctx, Health};

use settings::Settings;

/// The agent.
pub struct VIPaddr;

impl Agent for VIPaddr {
    fn spec(&self) -> AgentSpec {
        spec::spec()
    }

    /// Syntax everywhere; on validate-all also that the interface exists (start checks it
    /// anyway; monitor and stop must not fail on a node without it).
    fn validate(&self, ctx: &Ctx) -> Result<(), AgentError> {
        let s = Settings::from_ctx(ctx)?;
        if ctx.action() == Action::ValidateAll {
            if let Some(nic) = &s.nic {
                let mut nl = netlink::Netlink::open(ctx.deadline())?;
                if nl.link_by_name(nic)?.is_none() {
                    return Err(AgentError::configured(format!(
                        "unknown interface '{nic}' (nic)"
                    )));
                }
            }
        }
        Ok(())
    }

    fn start(&self, ctx: &Ctx) -> Result<(), AgentError> {
        start::start(ctx, &Settings::from_ctx(ctx)?)
    }

    fn stop(&self, ctx: &Ctx) -> Result<(), AgentError> {
        stop::stop(ctx, &Settings::from_ctx(ctx)?)
    }

    fn monitor(&self, ctx: &Ctx, _level: u32) -> Result<Health, AgentError> {
        monitor::monitor(ctx, &Settings::from_ctx(ctx)?)
    }
}
