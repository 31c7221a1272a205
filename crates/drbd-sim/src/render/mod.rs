//! The texts a simulated node prints: `/proc/drbd`, `drbdsetup status` (text and `--json`),
//! `events2 --now`, `sh-status`, and the one-line `role`/`cstate`/`dstate` answers.
//!
//! Layouts follow the printf formats of the kernel (`drbd_proc.c`) and drbd-utils
//! (`user/v84/drbdsetup.c`, `user/v9/drbdsetup.c`); see `docs/drbd-sim.md` for the sources.

pub mod events2;
pub mod json;
pub mod proc_drbd;
pub mod sh_status;
pub mod status;
mod wrap;

use crate::model::{Resource, SimState};

/// The resources `node` belongs to, by minor.
pub fn resources_of<'a>(st: &'a SimState, node: &str) -> Vec<&'a Resource> {
    let mut v: Vec<&Resource> = st.resources.values().filter(|r| r.has_node(node)).collect();
    v.sort_by_key(|r| r.minor);
    v
}

/// The resources that are up on `node` and pass `filter`, by name, as `status`, `--json` and
/// `events2` list them. `Err(name)` when a named resource is not up here ("No such resource").
pub fn up_resources<'a>(
    st: &'a SimState,
    node: &str,
    filter: Option<&str>,
) -> Result<Vec<&'a Resource>, String> {
    let mut resources: Vec<&Resource> = resources_of(st, node)
        .into_iter()
        .filter(|r| r.view(node).is_some())
        .filter(|r| wanted(filter, &r.name))
        .collect();
    resources.sort_by(|a, b| a.name.cmp(&b.name));
    match filter {
        Some(name) if resources.is_empty() => Err(name.to_string()),
        _ => Ok(resources),
    }
}

/// Whether a resource passes an optional name filter.
pub fn wanted(filter: Option<&str>, name: &str) -> bool {
    match filter {
        None => true,
        Some(f) => f == name,
    }
}

/// `%u,%03u` thousands grouping of `seq_printf_with_thousands_grouping()`.
pub fn thousands(v: u64) -> String {
    if v >= 1_000_000 {
        format!("{},{:03},{:03}", v / 1_000_000, (v / 1000) % 1000, v % 1000)
    } else if v >= 1000 {
        format!("{},{:03}", v / 1000, v % 1000)
    } else {
        v.to_string()
    }
}

/// Resync progress in per mille, computed like `drbd_get_syncer_progress()` on 4 KiB bits.
pub fn per_mil_done(total_kib: u64, left_kib: u64) -> u64 {
    let total_bits = total_kib / 4;
    let left_bits = left_kib / 4;
    if left_bits > total_bits {
        return 0;
    }
    let shift = if total_bits > u64::from(u32::MAX) {
        16
    } else {
        10
    };
    let left = left_bits >> shift;
    let total = 1u64.saturating_add(total_bits >> shift);
    1000u64.saturating_sub(left.saturating_mul(1000) / total)
}

/// `done:` of `drbdsetup status` (8.4 emulation): `100 * (1 - out_of_sync / size)`.
pub fn percent_done(size_kib: u64, left_kib: u64) -> f64 {
    if size_kib == 0 {
        return 100.0;
    }
    100.0 * (1.0 - left_kib as f64 / size_kib as f64)
}

/// Test set-up shared by the renderers' tests: resource `r0` on minor `minor`, both nodes up
/// and connected.
#[cfg(test)]
pub(crate) fn up_pair(minor: u32, nodes: [&str; 2]) -> SimState {
    use crate::ops;
    use crate::setup::{add_resource, ResourceSpec};
    let mut st = SimState::default();
    assert!(add_resource(&mut st, ResourceSpec::simple("r0", minor, &nodes)).is_ok());
    for node in nodes {
        assert!(ops::up(&mut st, "r0", node).is_ok());
    }
    ops::reconcile(&mut st, "r0", 0);
    st
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands_like_the_kernel() {
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(6024), "6,024");
        assert_eq!(thousands(1_024_000), "1,024,000");
        assert_eq!(thousands(20_005), "20,005");
    }

    #[test]
    fn per_mil_matches_kernel_rounding() {
        // The seed article's "sync'ed: 28.4% (1443196/2007644)K".
        assert_eq!(per_mil_done(2_007_644, 1_443_196), 284);
        assert_eq!(per_mil_done(65_536, 0), 1000);
        // Small devices never show 0.0%: 16 of 17 "units" left is 5.9%.
        assert_eq!(per_mil_done(65_536, 65_536), 59);
        // Fewer than 1024 bits left: the kernel rounds up to 100.0% (documented quirk).
        assert_eq!(per_mil_done(2048, 1024), 1000);
        assert_eq!(per_mil_done(100, 200), 0);
    }
}
