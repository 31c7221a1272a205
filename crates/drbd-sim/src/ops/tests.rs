use super::*;
use crate::setup::{add_resource, ResourceSpec};
use crate::states::{Conn, Fencing};

const T0: u64 = 1_000_000;

fn pair() -> SimState {
    let mut st = SimState::default();
    assert!(add_resource(&mut st, ResourceSpec::simple("r0", 1, &["a", "b"])).is_ok());
    st
}

fn pair_with(spec: impl FnOnce(&mut ResourceSpec)) -> SimState {
    let mut st = SimState::default();
    let mut s = ResourceSpec::simple("r0", 1, &["a", "b"]);
    spec(&mut s);
    assert!(add_resource(&mut st, s).is_ok());
    st
}

fn up_both(st: &mut SimState) {
    assert_eq!(up(st, "r0", "a"), Ok(Effect::Changed));
    assert_eq!(up(st, "r0", "b"), Ok(Effect::Changed));
    reconcile(st, "r0", T0);
}

fn view(st: &SimState, node: &str) -> View {
    st.resources
        .get("r0")
        .and_then(|r| r.view(node))
        .unwrap_or(View {
            role: Role::Unknown,
            peer: Role::Unknown,
            conn: Conn::StandAlone,
            disk: Disk::DUnknown,
            pdsk: Disk::DUnknown,
            susp: true,
        })
}

fn csds(st: &SimState, node: &str) -> String {
    let v = view(st, node);
    format!("{} {}/{} {}/{}", v.conn, v.role, v.peer, v.disk, v.pdsk)
}

fn partition(st: &mut SimState) {
    if let Some(r) = st.resources.get_mut("r0") {
        r.partitioned = true;
    }
    reconcile(st, "r0", T0);
}

fn heal(st: &mut SimState) {
    if let Some(r) = st.resources.get_mut("r0") {
        r.partitioned = false;
    }
    reconcile(st, "r0", T0);
}

fn node(st: &SimState, n: &str) -> NodeState {
    st.resources
        .get("r0")
        .and_then(|r| r.node_state.get(n).cloned())
        .unwrap_or_else(|| NodeState::new(Disk::Diskless, 0))
}

#[test]
fn up_on_both_nodes_connects_secondary_up_to_date() {
    let mut st = pair();
    up_both(&mut st);
    assert_eq!(
        csds(&st, "a"),
        "Connected Secondary/Secondary UpToDate/UpToDate"
    );
    assert_eq!(
        csds(&st, "b"),
        "Connected Secondary/Secondary UpToDate/UpToDate"
    );
}

#[test]
fn up_on_one_node_waits_for_the_peer() {
    let mut st = pair();
    assert_eq!(up(&mut st, "r0", "a"), Ok(Effect::Changed));
    reconcile(&mut st, "r0", T0);
    assert_eq!(
        csds(&st, "a"),
        "WFConnection Secondary/Unknown UpToDate/DUnknown"
    );
    assert!(st.resources.get("r0").and_then(|r| r.view("b")).is_none());
}

#[test]
fn up_twice_reports_the_disk_already_attached() {
    let mut st = pair();
    up_both(&mut st);
    assert_eq!(
        up(&mut st, "r0", "a"),
        Err(Failure::Config(ConfigError::DiskConfigured))
    );
}

#[test]
fn promote_succeeds_when_peer_is_secondary() {
    let mut st = pair();
    up_both(&mut st);
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Ok(Effect::Changed)
    );
    assert_eq!(
        csds(&st, "a"),
        "Connected Primary/Secondary UpToDate/UpToDate"
    );
    assert_eq!(
        csds(&st, "b"),
        "Connected Secondary/Primary UpToDate/UpToDate"
    );
}

#[test]
fn promote_twice_is_nothing_to_do() {
    let mut st = pair();
    up_both(&mut st);
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Ok(Effect::Changed)
    );
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Ok(Effect::Unchanged)
    );
}

#[test]
fn promote_fails_with_two_primaries_while_peer_is_primary() {
    let mut st = pair();
    up_both(&mut st);
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Ok(Effect::Changed)
    );
    assert_eq!(
        promote(&mut st, "r0", "b", false, false, T0),
        Err(Failure::State(StateError::TwoPrimaries))
    );
    // --force does not help against a Primary peer.
    assert_eq!(
        promote(&mut st, "r0", "b", true, false, T0),
        Err(Failure::State(StateError::TwoPrimaries))
    );
}

#[test]
fn promote_with_allow_two_primaries_makes_dual_primary() {
    let mut st = pair_with(|s| s.allow_two_primaries = true);
    up_both(&mut st);
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Ok(Effect::Changed)
    );
    assert_eq!(
        promote(&mut st, "r0", "b", false, false, T0),
        Ok(Effect::Changed)
    );
    assert_eq!(
        csds(&st, "b"),
        "Connected Primary/Primary UpToDate/UpToDate"
    );
}

#[test]
fn promote_refuses_outdated_disk_without_peer() {
    let mut st = pair_with(|s| s.md_disk = Disk::Outdated);
    assert_eq!(up(&mut st, "r0", "a"), Ok(Effect::Changed));
    reconcile(&mut st, "r0", T0);
    assert_eq!(
        csds(&st, "a"),
        "WFConnection Secondary/Unknown Outdated/DUnknown"
    );
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Err(Failure::State(StateError::NoUpToDateDisk))
    );
}

#[test]
fn promote_refuses_inconsistent_disk_without_peer() {
    let mut st = pair_with(|s| s.md_disk = Disk::Inconsistent);
    assert_eq!(up(&mut st, "r0", "a"), Ok(Effect::Changed));
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Err(Failure::State(StateError::NoUpToDateDisk))
    );
}

#[test]
fn promote_refuses_when_both_disks_are_inconsistent() {
    let mut st = pair_with(|s| s.md_disk = Disk::Inconsistent);
    up_both(&mut st);
    assert_eq!(
        csds(&st, "a"),
        "Connected Secondary/Secondary Inconsistent/Inconsistent"
    );
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Err(Failure::State(StateError::NoUpToDateDisk))
    );
}

#[test]
fn forced_promote_of_initial_inconsistent_pair_syncs_to_the_peer() {
    let mut st = pair_with(|s| {
        s.md_disk = Disk::Inconsistent;
        s.sync_rate_kib = 1024;
    });
    up_both(&mut st);
    assert_eq!(
        promote(&mut st, "r0", "a", true, false, T0),
        Ok(Effect::Changed)
    );
    assert_eq!(
        csds(&st, "a"),
        "SyncSource Primary/Secondary UpToDate/Inconsistent"
    );
    assert_eq!(
        csds(&st, "b"),
        "SyncTarget Secondary/Primary Inconsistent/UpToDate"
    );
    advance(&mut st, T0 + 64_000);
    assert_eq!(
        csds(&st, "b"),
        "Connected Secondary/Primary UpToDate/UpToDate"
    );
}

#[test]
fn forced_promote_accepts_outdated_data() {
    let mut st = pair_with(|s| s.md_disk = Disk::Outdated);
    assert_eq!(up(&mut st, "r0", "a"), Ok(Effect::Changed));
    assert_eq!(
        promote(&mut st, "r0", "a", true, false, T0),
        Ok(Effect::Changed)
    );
    assert_eq!(
        csds(&st, "a"),
        "WFConnection Primary/Unknown UpToDate/DUnknown"
    );
}

#[test]
fn forced_promote_cannot_help_a_diskless_node() {
    let mut st = pair();
    assert_eq!(up(&mut st, "r0", "a"), Ok(Effect::Changed));
    assert_eq!(
        force_disk(&mut st, "r0", "a", Disk::Diskless),
        Ok(Effect::Changed)
    );
    assert_eq!(
        promote(&mut st, "r0", "a", true, false, T0),
        Err(Failure::State(StateError::NoUpToDateDisk))
    );
}

#[test]
fn promote_on_down_resource_reports_unknown_minor() {
    let mut st = pair();
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Err(Failure::Config(ConfigError::MinorInvalid))
    );
}

#[test]
fn fencing_refuses_promotion_while_peer_state_unknown() {
    let mut st = pair_with(|s| s.fencing = Fencing::ResourceOnly);
    assert_eq!(up(&mut st, "r0", "a"), Ok(Effect::Changed));
    // With fencing, an attached consistent disk stays Consistent until the peer is known.
    assert_eq!(
        csds(&st, "a"),
        "WFConnection Secondary/Unknown Consistent/DUnknown"
    );
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Err(Failure::State(StateError::NoUpToDateDisk))
    );
}

#[test]
fn demote_refuses_while_device_is_open() {
    let mut st = pair();
    up_both(&mut st);
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Ok(Effect::Changed)
    );
    assert_eq!(
        demote(&mut st, "r0", "a", true, T0),
        Err(Failure::State(StateError::DeviceInUse))
    );
    assert_eq!(demote(&mut st, "r0", "a", false, T0), Ok(Effect::Changed));
    assert_eq!(demote(&mut st, "r0", "a", false, T0), Ok(Effect::Unchanged));
}

#[test]
fn slow_demotion_keeps_the_peer_primary_until_it_completes() {
    let mut st = pair();
    up_both(&mut st);
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Ok(Effect::Changed)
    );
    if let Some(n) = st
        .resources
        .get_mut("r0")
        .and_then(|r| r.node_state.get_mut("a"))
    {
        n.demote_delay_ms = 2_000;
    }
    assert_eq!(
        demote(&mut st, "r0", "a", false, T0),
        Ok(Effect::DemotionPending(T0 + 2_000))
    );
    assert_eq!(
        promote(&mut st, "r0", "b", false, false, T0 + 500),
        Err(Failure::State(StateError::TwoPrimaries))
    );
    advance(&mut st, T0 + 2_000);
    assert_eq!(
        csds(&st, "a"),
        "Connected Secondary/Secondary UpToDate/UpToDate"
    );
    assert_eq!(
        promote(&mut st, "r0", "b", false, false, T0 + 2_001),
        Ok(Effect::Changed)
    );
}

#[test]
fn partition_leaves_both_waiting_and_primary_starts_new_generation() {
    let mut st = pair();
    up_both(&mut st);
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Ok(Effect::Changed)
    );
    let before = node(&st, "a").gen;
    partition(&mut st);
    assert_eq!(
        csds(&st, "a"),
        "WFConnection Primary/Unknown UpToDate/DUnknown"
    );
    assert_eq!(
        csds(&st, "b"),
        "WFConnection Secondary/Unknown UpToDate/DUnknown"
    );
    assert_ne!(node(&st, "a").gen, before);
    // The stale secondary resyncs from the primary once the link is back.
    heal(&mut st);
    assert_eq!(
        csds(&st, "b"),
        "Connected Secondary/Primary UpToDate/UpToDate"
    );
    assert_eq!(node(&st, "b").gen, node(&st, "a").gen);
}

#[test]
fn primaries_on_both_sides_of_a_partition_split_brain_on_reconnect() {
    let mut st = pair();
    up_both(&mut st);
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Ok(Effect::Changed)
    );
    partition(&mut st);
    // The old secondary has UpToDate data and no peer: it may be promoted (the HA failover).
    assert_eq!(
        promote(&mut st, "r0", "b", false, false, T0),
        Ok(Effect::Changed)
    );
    heal(&mut st);
    assert_eq!(
        csds(&st, "a"),
        "StandAlone Primary/Unknown UpToDate/DUnknown"
    );
    assert_eq!(
        csds(&st, "b"),
        "StandAlone Primary/Unknown UpToDate/DUnknown"
    );
    assert!(node(&st, "a").split_brain && node(&st, "b").split_brain);
}

#[test]
fn discard_my_data_resolves_a_split_brain() {
    let mut st = pair();
    up_both(&mut st);
    assert_eq!(split_brain(&mut st, "r0"), Ok(Effect::Changed));
    assert_eq!(
        csds(&st, "a"),
        "StandAlone Secondary/Unknown UpToDate/DUnknown"
    );
    assert_eq!(connect(&mut st, "r0", "a", false), Ok(Effect::Changed));
    assert_eq!(connect(&mut st, "r0", "b", true), Ok(Effect::Changed));
    reconcile(&mut st, "r0", T0);
    assert_eq!(
        csds(&st, "b"),
        "Connected Secondary/Secondary UpToDate/UpToDate"
    );
    assert_eq!(node(&st, "b").gen, node(&st, "a").gen);
    assert!(!node(&st, "a").split_brain);
}

#[test]
fn discard_my_data_is_refused_on_a_primary() {
    let mut st = pair();
    up_both(&mut st);
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Ok(Effect::Changed)
    );
    assert_eq!(disconnect(&mut st, "r0", "a"), Ok(Effect::Changed));
    assert_eq!(
        connect(&mut st, "r0", "a", true),
        Err(Failure::Config(ConfigError::DiscardImpossible))
    );
}

#[test]
fn connect_twice_reports_the_net_config() {
    let mut st = pair();
    up_both(&mut st);
    assert_eq!(
        connect(&mut st, "r0", "a", false),
        Err(Failure::Config(ConfigError::NetConfigured))
    );
}

#[test]
fn disconnect_makes_standalone_and_peer_waits() {
    let mut st = pair();
    up_both(&mut st);
    assert_eq!(disconnect(&mut st, "r0", "a"), Ok(Effect::Changed));
    reconcile(&mut st, "r0", T0);
    assert_eq!(
        csds(&st, "a"),
        "StandAlone Secondary/Unknown UpToDate/DUnknown"
    );
    assert_eq!(
        csds(&st, "b"),
        "WFConnection Secondary/Unknown UpToDate/DUnknown"
    );
    assert_eq!(disconnect(&mut st, "r0", "a"), Ok(Effect::Unchanged));
}

#[test]
fn outdate_rules_follow_the_kernel() {
    let mut st = pair();
    up_both(&mut st);
    assert_eq!(
        outdate(&mut st, "r0", "b", false),
        Err(Failure::State(StateError::ConnectedOutdates))
    );
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Ok(Effect::Changed)
    );
    partition(&mut st);
    assert_eq!(
        outdate(&mut st, "r0", "a", false),
        Err(Failure::State(StateError::NoUpToDateDisk))
    );
    assert_eq!(outdate(&mut st, "r0", "b", false), Ok(Effect::Changed));
    assert_eq!(
        csds(&st, "b"),
        "WFConnection Secondary/Unknown Outdated/DUnknown"
    );
    assert_eq!(outdate(&mut st, "r0", "b", false), Ok(Effect::Unchanged));
    assert_eq!(
        promote(&mut st, "r0", "b", false, false, T0),
        Err(Failure::State(StateError::NoUpToDateDisk))
    );
}

#[test]
fn outdated_meta_data_survives_down_and_up() {
    let mut st = pair();
    assert_eq!(outdate_meta_data(&mut st, "r0", "b"), Ok(Effect::Changed));
    assert_eq!(up(&mut st, "r0", "b"), Ok(Effect::Changed));
    assert_eq!(
        csds(&st, "b"),
        "WFConnection Secondary/Unknown Outdated/DUnknown"
    );
}

#[test]
fn down_refuses_while_primary_device_is_open() {
    let mut st = pair();
    up_both(&mut st);
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Ok(Effect::Changed)
    );
    assert_eq!(
        down(&mut st, "r0", "a", true),
        Err(Failure::State(StateError::DeviceInUse))
    );
    assert_eq!(down(&mut st, "r0", "a", false), Ok(Effect::Changed));
    reconcile(&mut st, "r0", T0);
    assert_eq!(
        csds(&st, "b"),
        "WFConnection Secondary/Unknown UpToDate/DUnknown"
    );
    assert_eq!(down(&mut st, "r0", "a", false), Ok(Effect::Unchanged));
}

#[test]
fn manual_resync_progresses_with_time_and_completes() {
    let mut st = pair();
    up_both(&mut st);
    start_resync(&mut st, "r0", "a", "b", 50, Some(1024), T0);
    assert_eq!(
        csds(&st, "b"),
        "SyncTarget Secondary/Secondary Inconsistent/UpToDate"
    );
    let left = |st: &SimState| st.resources.get("r0").map(|r| r.oos_kib("b")).unwrap_or(0);
    assert_eq!(left(&st), 32_768);
    advance(&mut st, T0 + 10_000);
    assert_eq!(left(&st), 32_768 - 10_240);
    advance(&mut st, T0 + 40_000);
    assert_eq!(
        csds(&st, "b"),
        "Connected Secondary/Secondary UpToDate/UpToDate"
    );
}

#[test]
fn frozen_resync_stays_until_finished() {
    let mut st = pair();
    up_both(&mut st);
    start_resync(&mut st, "r0", "a", "b", 30, Some(0), T0);
    advance(&mut st, T0 + 1_000_000);
    assert_eq!(
        csds(&st, "a"),
        "SyncSource Secondary/Secondary UpToDate/Inconsistent"
    );
    finish_resync(&mut st, "r0");
    assert_eq!(
        csds(&st, "a"),
        "Connected Secondary/Secondary UpToDate/UpToDate"
    );
}

#[test]
fn sync_target_may_be_promoted_while_connected_to_good_data() {
    let mut st = pair();
    up_both(&mut st);
    start_resync(&mut st, "r0", "a", "b", 30, Some(0), T0);
    assert_eq!(
        promote(&mut st, "r0", "b", false, false, T0),
        Ok(Effect::Changed)
    );
    // ...but not once the link to the good data is gone.
    let mut st2 = pair();
    up_both(&mut st2);
    start_resync(&mut st2, "r0", "a", "b", 30, Some(0), T0);
    partition(&mut st2);
    assert_eq!(
        csds(&st2, "b"),
        "WFConnection Secondary/Unknown Inconsistent/DUnknown"
    );
    assert_eq!(
        promote(&mut st2, "r0", "b", false, false, T0),
        Err(Failure::State(StateError::NoUpToDateDisk))
    );
}

#[test]
fn make_primary_bypasses_the_checks() {
    let mut st = pair();
    up_both(&mut st);
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Ok(Effect::Changed)
    );
    assert_eq!(make_primary(&mut st, "r0", "b"), Ok(Effect::Changed));
    assert_eq!(
        csds(&st, "a"),
        "Connected Primary/Primary UpToDate/UpToDate"
    );
}

#[test]
fn peer_outdated_is_remembered_while_disconnected() {
    let mut st = pair();
    up_both(&mut st);
    assert_eq!(
        force_disk(&mut st, "r0", "b", Disk::Outdated),
        Ok(Effect::Changed)
    );
    partition(&mut st);
    assert_eq!(
        csds(&st, "a"),
        "WFConnection Secondary/Unknown UpToDate/Outdated"
    );
}

#[test]
fn promote_during_a_slow_demotion_cancels_it() {
    let mut st = pair();
    up_both(&mut st);
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Ok(Effect::Changed)
    );
    if let Some(n) = st
        .resources
        .get_mut("r0")
        .and_then(|r| r.node_state.get_mut("a"))
    {
        n.demote_delay_ms = 1_000;
    }
    assert!(matches!(
        demote(&mut st, "r0", "a", false, T0),
        Ok(Effect::DemotionPending(_))
    ));
    assert_eq!(
        promote(&mut st, "r0", "a", false, false, T0),
        Ok(Effect::Changed)
    );
    advance(&mut st, T0 + 5_000);
    assert_eq!(
        csds(&st, "a"),
        "Connected Primary/Secondary UpToDate/UpToDate"
    );
}
