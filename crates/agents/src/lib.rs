//! The mfs-ha resource agents. Each agent is a module holding only domain logic on the
//! `ha-agent` framework, and a tiny binary under `src/bin/`.
//!
//! * [`initdrbd`]: `Initdrbd`, the seed article's `drbdadm primary r0; mount /dev/drbd1
//!   /usr/local/mfs`, with refusals, bounded retries, a safe stop and a zero-fork status.
//! * [`moosefs`]: `mfsmaster` (also `mfsmetalogger`, `mfschunkserver`, `mfscgiserv`), the
//!   MooseFS daemons with crash recovery, a native INFO probe and a metadata freshness check.
//! * [`vipaddr`]: `VIPaddr`, a virtual IP through netlink with native ARP/NDP (heartbeat
//!   IPaddr compatible).
//! * [`hostops`]: Linux helpers shared by agents (mountinfo, holders, mount(2), fstype).

pub mod hostops;
pub mod initdrbd;
pub mod moosefs;
pub mod vipaddr;
