//! The Linux host layer of mfs-ha: every crate that touches the host goes through here, so
//! each kernel interface is read one way, bounded by one deadline type, and tested once.
//!
//! * [`procfs`]: pids under `/proc` (never ourselves), parents, liveness.
//! * [`exec`]: executables and `PATH` lookup.
//! * [`command`]: helper programs run with argv only, a deadline, captured output.
//! * [`terminate`]: the one TERM-then-KILL loop.
//! * [`lockholder`]: who holds a file's fcntl or flock lock (F_GETLK, /proc/locks).
//! * [`holders`]: who uses a filesystem or device (a `/proc` scan, no `fuser`).
//! * [`mountinfo`], [`mount`], [`namespaces`]: what is mounted where, mount(2)/umount2(2),
//!   copies of a mount in other mount namespaces.
//! * [`netns`]: entering a named network namespace (setns on the calling thread).
//! * [`netlink`], [`rtnl`]: rtnetlink requests and answers (links, addresses, routes, address
//!   labels) over one blocking socket, encoded and decoded by `netlink-packet-route`; `rtnl`
//!   keeps the plain values callers use.
//! * [`arp`], [`ndp`]: ARP on an AF_PACKET socket (RFC 5227 probe, gratuitous ARP), IPv6 DAD
//!   wait and unsolicited neighbour advertisements; [`socket`]: their shared [`NetError`] and
//!   receive timeout.
//! * [`block`], [`fstype`], [`devnum`]: block devices, superblock filesystem types, device
//!   numbers.
//! * [`deadline`]: the [`Deadline`] every wait and command is bounded by.

pub mod arp;
pub mod block;
pub mod command;
pub mod deadline;
pub mod devnum;
pub mod exec;
pub mod fstype;
pub mod holders;
pub mod lockholder;
pub mod mount;
pub mod mountinfo;
pub mod namespaces;
pub mod ndp;
pub mod netlink;
pub mod netns;
pub mod procfs;
pub mod rtnl;
pub mod socket;
pub mod terminate;

pub use deadline::Deadline;
pub use socket::NetError;
