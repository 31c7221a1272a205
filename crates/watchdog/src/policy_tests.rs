use super::*;
use proptest::prelude::*;

const MIN: Duration = Duration::from_secs(60);

fn policy() -> Policy {
    Policy {
        confirm: 1,
        restart_budget: 2,
        restart_window: 10 * MIN,
        peer_dead: PeerDead::Restart,
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn failed(reason: &str) -> Health {
    Health::Failed(reason.to_string())
}

fn held(at: u64, health: Vec<Health>, peer: Peer) -> Observation {
    Observation {
        at: secs(at),
        holding: Holding::Held,
        health,
        peer,
    }
}

fn alive() -> Peer {
    Peer::Alive("mfs-bak".into())
}

fn dead() -> Peer {
    Peer::NotAlive("mfs-bak is dead".into())
}

/// Initdrbd, mfsmaster, IPaddr with mfsmaster failed.
fn master_failed() -> Vec<Health> {
    vec![Health::Running, failed("no INFO answer"), Health::Running]
}

#[test]
fn healthy_group_is_left_alone_and_forgets_failed_rounds() {
    let state = State {
        restarts: vec![],
        failed_rounds: 1,
    };
    let obs = held(0, vec![Health::Running; 3], alive());
    let (d, next) = decide(&state, &obs, &policy());
    assert_eq!(d, Decision::Idle(Quiet::Healthy));
    assert_eq!(next.failed_rounds, 0);
}

#[test]
fn never_acts_on_a_group_this_node_does_not_hold() {
    let mut obs = held(0, master_failed(), alive());
    obs.holding = Holding::NotHeld;
    let (d, next) = decide(&State::default(), &obs, &policy());
    assert_eq!(d, Decision::Idle(Quiet::NotHeld));
    assert!(!d.acts());
    assert_eq!(next, State::default());
}

#[test]
fn never_acts_while_heartbeat_is_in_transition_and_starts_counting_afresh() {
    let mut obs = held(0, master_failed(), alive());
    obs.holding = Holding::Transition;
    let state = State {
        restarts: vec![],
        failed_rounds: 5,
    };
    let (d, next) = decide(&state, &obs, &policy());
    assert_eq!(d, Decision::Idle(Quiet::Transition));
    assert_eq!(next.failed_rounds, 0);
}

#[test]
fn never_acts_when_heartbeat_cannot_be_asked() {
    let mut obs = held(0, master_failed(), alive());
    obs.holding = Holding::Unknown("cl_status: Heartbeat is stopped".into());
    let state = State {
        restarts: vec![],
        failed_rounds: 1,
    };
    let (d, next) = decide(&state, &obs, &policy());
    assert!(matches!(d, Decision::Idle(Quiet::HeartbeatUnknown(_))));
    assert_eq!(
        next.failed_rounds, 1,
        "an unknown round neither counts nor clears"
    );
}

#[test]
fn first_failure_restarts_in_place_from_the_failing_resource() {
    let (d, next) = decide(
        &State::default(),
        &held(100, master_failed(), alive()),
        &policy(),
    );
    assert_eq!(
        d,
        Decision::Restart {
            failure: Failure {
                index: 1,
                reason: "no INFO answer".into()
            },
            attempt: 1,
            beyond_budget: None
        }
    );
    assert_eq!(next.restarts, vec![secs(100)]);
}

#[test]
fn the_leftmost_failing_resource_is_where_the_restart_begins() {
    let health = vec![
        Health::Stopped("not mounted".into()),
        failed("no INFO answer"),
        Health::Running,
    ];
    let (d, _) = decide(&State::default(), &held(0, health, alive()), &policy());
    match d {
        Decision::Restart { failure, .. } => {
            assert_eq!(failure.index, 0);
            assert_eq!(failure.reason, "not mounted");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_failure_must_be_seen_confirm_rounds_in_a_row() {
    let policy = Policy {
        confirm: 2,
        ..policy()
    };
    let (d, s1) = decide(
        &State::default(),
        &held(0, master_failed(), alive()),
        &policy,
    );
    assert!(matches!(d, Decision::Watch { rounds: 1, .. }), "{d:?}");
    let (d, s2) = decide(&s1, &held(5, master_failed(), alive()), &policy);
    assert!(matches!(d, Decision::Restart { attempt: 1, .. }), "{d:?}");
    assert_eq!(
        s2.failed_rounds, 0,
        "a new failure after the restart counts afresh"
    );
}

#[test]
fn a_passing_round_between_failures_resets_the_confirmation() {
    let policy = Policy {
        confirm: 2,
        ..policy()
    };
    let (_, s1) = decide(
        &State::default(),
        &held(0, master_failed(), alive()),
        &policy,
    );
    let (_, s2) = decide(&s1, &held(5, vec![Health::Running; 3], alive()), &policy);
    let (d, _) = decide(&s2, &held(10, master_failed(), alive()), &policy);
    assert!(matches!(d, Decision::Watch { rounds: 1, .. }), "{d:?}");
}

#[test]
fn budget_spent_with_peer_alive_hands_the_group_over() {
    let state = State {
        restarts: vec![secs(0), secs(60)],
        failed_rounds: 0,
    };
    let (d, next) = decide(&state, &held(120, master_failed(), alive()), &policy());
    assert_eq!(
        d,
        Decision::Handover {
            failure: Failure {
                index: 1,
                reason: "no INFO answer".into()
            },
            peer: "mfs-bak".into()
        }
    );
    assert!(d.acts());
    assert_eq!(next.restarts.len(), 2, "a handover is not a restart");
}

#[test]
fn budget_spent_with_peer_dead_keeps_restarting_and_says_why() {
    let state = State {
        restarts: vec![secs(0), secs(60)],
        failed_rounds: 0,
    };
    let (d, next) = decide(&state, &held(120, master_failed(), dead()), &policy());
    assert_eq!(
        d,
        Decision::Restart {
            failure: Failure {
                index: 1,
                reason: "no INFO answer".into()
            },
            attempt: 3,
            beyond_budget: Some(dead())
        }
    );
    assert_eq!(next.restarts.len(), 3);
}

#[test]
fn a_peer_heartbeat_cannot_vouch_for_is_not_alive() {
    let state = State {
        restarts: vec![secs(0), secs(60)],
        failed_rounds: 0,
    };
    let peer = Peer::Unknown("cl_status nodestatus timed out".into());
    let (d, _) = decide(&state, &held(120, master_failed(), peer.clone()), &policy());
    assert!(
        matches!(&d, Decision::Restart { beyond_budget: Some(p), .. } if *p == peer),
        "{d:?}"
    );
}

#[test]
fn budget_spent_with_peer_dead_and_policy_alert_holds() {
    let policy = Policy {
        peer_dead: PeerDead::Alert,
        ..policy()
    };
    let state = State {
        restarts: vec![secs(0), secs(60)],
        failed_rounds: 0,
    };
    let (d, next) = decide(&state, &held(120, master_failed(), dead()), &policy);
    assert!(matches!(d, Decision::Hold { .. }), "{d:?}");
    assert!(!d.acts());
    assert_eq!(next.restarts.len(), 2);
}

#[test]
fn restarts_older_than_the_window_no_longer_count() {
    let state = State {
        restarts: vec![secs(0), secs(60)],
        failed_rounds: 0,
    };
    // 10 min after the first restart it has left the window: one restart left.
    let (d, next) = decide(&state, &held(600, master_failed(), alive()), &policy());
    assert!(matches!(d, Decision::Restart { attempt: 2, .. }), "{d:?}");
    assert_eq!(next.restarts, vec![secs(60), secs(600)]);
}

#[test]
fn zero_budget_hands_over_at_once() {
    let policy = Policy {
        restart_budget: 0,
        ..policy()
    };
    let (d, _) = decide(
        &State::default(),
        &held(0, master_failed(), alive()),
        &policy,
    );
    assert!(matches!(d, Decision::Handover { .. }), "{d:?}");
}

#[test]
fn a_stopped_group_on_the_holder_is_restarted_too() {
    // heartbeat gave up a group whose start failed and still calls it held: the budget
    // bounds our attempts, then the peer gets it.
    let health = vec![
        Health::Stopped("stopped".into()),
        Health::Stopped("stopped".into()),
    ];
    let (d, _) = decide(&State::default(), &held(0, health, alive()), &policy());
    assert!(
        matches!(d, Decision::Restart { ref failure, .. } if failure.index == 0),
        "{d:?}"
    );
}

fn holding() -> impl Strategy<Value = Holding> {
    prop_oneof![
        Just(Holding::Held),
        Just(Holding::NotHeld),
        Just(Holding::Transition),
        Just(Holding::Unknown("x".into())),
    ]
}

fn health() -> impl Strategy<Value = Health> {
    prop_oneof![
        3 => Just(Health::Running),
        1 => Just(Health::Stopped("s".into())),
        1 => Just(Health::Failed("f".into())),
    ]
}

fn peer() -> impl Strategy<Value = Peer> {
    prop_oneof![
        Just(Peer::Alive("b".into())),
        Just(Peer::NotAlive("dead".into())),
        Just(Peer::Unknown("?".into())),
    ]
}

proptest! {
    /// Over any sequence of rounds: no action unless held and failing; never more restarts in
    /// a window than the budget while the peer could take the group; no handover to a peer
    /// heartbeat does not call alive.
    #[test]
    fn invariants_hold_over_any_history(
        rounds in proptest::collection::vec((holding(), proptest::collection::vec(health(), 1..4), peer(), 0u64..120), 1..60),
        confirm in 1u32..4,
        budget in 0u32..4,
        alert in any::<bool>(),
    ) {
        let policy = Policy {
            confirm,
            restart_budget: budget,
            restart_window: 10 * MIN,
            peer_dead: if alert { PeerDead::Alert } else { PeerDead::Restart },
        };
        let mut state = State::default();
        let mut at = Duration::ZERO;
        for (holding, health, peer, step) in rounds {
            at += secs(step);
            let obs = Observation { at, holding, health, peer };
            let (d, next) = decide(&state, &obs, &policy);
            if d.acts() {
                prop_assert_eq!(&obs.holding, &Holding::Held);
                prop_assert!(first_failure(&obs.health).is_some());
            }
            match &d {
                Decision::Handover { .. } => {
                    prop_assert!(matches!(obs.peer, Peer::Alive(_)));
                }
                Decision::Restart { beyond_budget: None, .. } => {
                    prop_assert!(next.restarts.len() <= budget as usize);
                }
                Decision::Restart { beyond_budget: Some(_), .. } => {
                    prop_assert!(!matches!(obs.peer, Peer::Alive(_)));
                    prop_assert!(!alert);
                }
                _ => {}
            }
            prop_assert!(next.restarts.iter().all(|&t| at.saturating_sub(t) < 10 * MIN));
            state = next;
        }
    }
}
