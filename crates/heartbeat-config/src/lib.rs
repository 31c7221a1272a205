//! Heartbeat 3.0.6 configuration read exactly as heartbeat reads it (see the README).

pub mod hacf;
pub mod haresources;
pub mod lint;
mod status;

pub use haresources::{locate_script, Group, Haresources, Resource};
pub use status::status_says_running;

/// Where heartbeat keeps its configuration (compiled in; it cannot be relocated).
pub const HA_DIR: &str = "/etc/ha.d";
/// `HA_RESOURCEDIR` as heartbeat exports it.
pub const RESOURCE_DIR: &str = "/etc/ha.d/resource.d";
/// `INITDIR` of ResourceManager: the second place a script is looked up.
pub const INIT_DIR: &str = "/etc/init.d";
