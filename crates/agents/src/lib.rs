//! The mfs-ha resource agents. Each agent is a module holding only domain logic on the
//! `ha-agent` framework, and a tiny binary under `src/bin/`.
//!
//! * [`initdrbd`]: `Initdrbd`, the seed article's `drbdadm primary r0; mount /dev/drbd1
//!   /usr/local/mfs`, with refusals, bounded retries, a safe stop and a zero-fork status.
//! * [`mfsmaster`]: `mfsmaster` (also `mfsmetalogger`, `mfschunkserver`, `mfscgiserv`), the
//!   MooseFS daemons with crash recovery, a native INFO probe and a metadata freshness check.
//! * [`vipaddr`]: `VIPaddr`, a virtual IP through netlink with native ARP/NDP (heartbeat
//!   IPaddr compatible).
//!
//! The Linux side (procfs scans, commands, mounts, TERM-then-KILL) is the `hostops` crate.

pub mod initdrbd;
pub mod mfsmaster;
#[cfg(test)]
mod operator_page;
pub mod vipaddr;

/// Every agent the `mfs-ha` package installs, under the name it is installed as: `mfsmaster`
/// plays the four MooseFS daemons by name, each with its own declaration. The packaged manual
/// pages and defaults files are generated from these (see `operator_page`).
pub fn installed_specs() -> Vec<ha_agent::AgentSpec> {
    let mut specs = vec![initdrbd::spec::spec()];
    specs.extend(mfsmaster::kind::Kind::ALL.map(mfsmaster::spec::spec));
    specs.push(vipaddr::spec::spec());
    specs
}
