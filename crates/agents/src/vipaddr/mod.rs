//! `VIPaddr`: a virtual IP address that moves cleanly and proves it moved, without starting
//! any process (heartbeat's IPaddr and IPaddr2 run `ip`, `send_arp`, grep and sed):
//!
//! * `spec`: the declaration, and Heartbeat's `ip/netmask/nic/broadcast` parsing;
//! * `settings`: parameters checked and resolved;
//! * `route`: interface and prefix from the longest connected route;
//! * `arp_bg`: gratuitous ARP rounds from a detached child;
//! * `ipaddr2`: IPaddr2's parameters, accepted with their meaning or refused by name;
//! * `owned`: the record that this node added the address (for repair);
//! * `decide`: pure verdicts (our address on a link: up, down, failed);
//! * `start`, `stop`, `monitor`: the actions.
//!
//! The sockets are the host layer's: rtnetlink in [`hostops::netlink`] (values in
//! [`hostops::rtnl`]), ARP and NDP in [`hostops::arp`] and [`hostops::ndp`]; their errors
//! become `AgentError`s with the same message (a missing privilege is OCF 4).

pub(crate) mod arp_bg;
pub(crate) mod decide;
pub(crate) mod ipaddr2;
pub(crate) mod monitor;
pub(crate) mod owned;
pub(crate) mod route;
pub(crate) mod settings;
pub(crate) mod spec;
pub(crate) mod start;
pub(crate) mod stop;

#[cfg(test)]
mod tests;

use ha_agent::{Action, Agent, AgentError, AgentSpec, Ctx, Health};

use hostops::netlink::Netlink;
use settings::Settings;

/// The action's rtnetlink socket: bounded by its deadline, undecodable answers logged at debug.
fn netlink(ctx: &Ctx) -> Result<Netlink<'_>, AgentError> {
    let nl = Netlink::open(ctx.deadline())?;
    Ok(nl.log_skipped(|line| ctx.debug(line)))
}

/// The agent.
pub struct VIPaddr;

impl Agent for VIPaddr {
    type Settings = Settings;

    fn spec(&self) -> AgentSpec {
        spec::spec()
    }

    fn settings(&self, ctx: &Ctx) -> Result<Settings, AgentError> {
        Settings::from_ctx(ctx)
    }

    /// On validate-all also that the interface exists (start checks it anyway; monitor and
    /// stop must not fail on a node without it).
    fn validate(&self, ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
        if ctx.action() == Action::ValidateAll {
            if !enter_namespace(s)? {
                return Err(missing_namespace(s));
            }
            if let Some(nic) = &s.nic {
                let mut nl = netlink(ctx)?;
                if nl.link_by_name(nic)?.is_none() {
                    return Err(AgentError::configured(format!(
                        "unknown interface '{nic}' (nic)"
                    )));
                }
            }
        }
        Ok(())
    }

    fn start(&self, ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
        if !enter_namespace(s)? {
            return Err(missing_namespace(s));
        }
        start::start(ctx, s)
    }

    fn stop(&self, ctx: &Ctx, s: &Settings) -> Result<(), AgentError> {
        if !enter_namespace(s)? {
            ctx.info(&format!(
                "{}: {} is not configured",
                missing_namespace(s),
                s.ip
            ));
            owned::remove(ctx);
            return Ok(());
        }
        stop::stop(ctx, s)
    }

    fn monitor(&self, ctx: &Ctx, s: &Settings, level: u32) -> Result<Health, AgentError> {
        if !enter_namespace(s)? {
            ctx.debug(&format!("{}: {} is not here", missing_namespace(s), s.ip));
            return Ok(Health::Stopped);
        }
        monitor::monitor(ctx, s, level)
    }
}

/// Moves this thread into `network_namespace` when one is set, before any socket is opened
/// (setns affects only the calling thread; the sockets and /proc/sys/net files it opens
/// afterwards are that namespace's). `false`: the namespace does not exist.
fn enter_namespace(s: &Settings) -> Result<bool, AgentError> {
    let Some(name) = &s.network_namespace else {
        return Ok(true);
    };
    let file = hostops::netns::path(name);
    match hostops::netns::enter(&file) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => Err(AgentError::perm(format!(
            "entering network namespace '{name}': {e} (needs root or CAP_SYS_ADMIN)"
        ))),
        Err(e) => Err(AgentError::configured(format!(
            "network_namespace '{name}' ({}): {e}",
            file.display()
        ))),
    }
}

fn missing_namespace(s: &Settings) -> AgentError {
    let name = s.network_namespace.as_deref().unwrap_or_default();
    AgentError::args(format!(
        "network namespace '{name}' does not exist ({}): create it first (ip netns add {name})",
        hostops::netns::path(name).display()
    ))
}
