//! Linux helpers for agents: what is mounted where (`/proc/self/mountinfo`), who uses a
//! filesystem or device (a `/proc` scan, no `fuser`), mount(2)/umount2(2), the filesystem type
//! of a device read from its superblock (no `blkid`), and device numbers.

pub mod block;
pub mod devnum;
pub mod fstype;
pub mod holders;
pub mod mount;
pub mod mountinfo;
