//! `drbd-sim`: a faithful simulator of `drbdadm`/`drbdsetup` (DRBD 8.4 by default) for
//! machines without the DRBD kernel module.
//!
//! Two or more simulated nodes share one state directory (`DRBD_SIM_DIR`); every command runs
//! under an exclusive `flock`, so both nodes' calls are atomic. The replicated disk is a real
//! block device (a loop device over an image file, exposed by `mknod` at the configured device
//! path, read-only while Secondary), so agents can mount it and the simulator can tell when it
//! is held open.
//!
//! * [`states`], [`errors`]: DRBD's state names and failure codes, texts and exit codes.
//! * [`model`]: the shared state; [`rules`]: the kernel's state checks; [`ops`]: what the
//!   kernel does for each request; [`setup`]: declaring resources.
//! * [`render`]: `/proc/drbd`, `drbdadm status`, `events2`, `--json`, `sh-status` texts.
//! * [`fence`]: the fence-peer handler and the kernel's reading of its exit code.
//! * [`store`]: the locked state file; [`device`]: loop devices, device nodes, holders.
//! * [`cli`]: the `drbdadm`, `drbdsetup` and `drbd-sim` command lines.

pub mod cli;
pub mod device;
pub mod engine;
pub mod errors;
pub mod fence;
pub mod model;
pub mod ops;
pub mod render;
pub mod rules;
pub mod setup;
pub mod states;
pub mod store;

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub fn clock_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
