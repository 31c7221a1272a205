//! Unit tests of the declaration and the pure decisions.

use drbd_status::model::Resource;
use ha_agent::Health;

use super::decide::{health, refusal, MountState, Refusal};
use super::spec::spec;

#[test]
fn spec_is_sound() {
    assert_eq!(spec().problems(), Vec::<String>::new());
}

/// docs/agents/Initdrbd.md is generated from the spec; `MFS_HA_UPDATE_DOCS=1` rewrites it.
#[test]
fn operator_page_is_up_to_date() {
    crate::operator_page::assert_up_to_date(&spec());
}

/// Enumerated parameters are declared once: the framework refuses what the settings would
/// otherwise have to match again.
#[test]
fn enumerated_parameters_refuse_unknown_values_before_any_action() {
    let spec = spec();
    let param = |name: &str| spec.find_param(name).expect(name);
    assert_eq!(
        ha_agent::params::check_value(param("run_fsck"), "always"),
        Err("parameter 'run_fsck': must be one of no, auto, force, got 'always'".to_string())
    );
    assert!(ha_agent::params::check_value(param("force_unmount"), "true").is_ok());
    assert!(ha_agent::params::check_value(param("force_unmount"), "kill").is_err());
}

fn proc_resource(line: &str) -> Option<Resource> {
    let text = format!("version: 8.4.11 (api:1/proto:86-101)\n{line}\n");
    let parsed = drbd_status::proc_drbd::parse(&text).ok()?;
    parsed.doc.to_status().resources.into_iter().next()
}

#[test]
fn a_connected_up_to_date_secondary_may_be_promoted() {
    let r = proc_resource(" 1: cs:Connected ro:Secondary/Secondary ds:UpToDate/UpToDate C r-----");
    assert_eq!(refusal(r.as_ref()), None);
    let alone =
        proc_resource(" 1: cs:WFConnection ro:Secondary/Unknown ds:UpToDate/DUnknown C r-----");
    assert_eq!(refusal(alone.as_ref()), None);
}

#[test]
fn refuses_outdated_inconsistent_and_missing_resources() {
    let outdated =
        proc_resource(" 1: cs:WFConnection ro:Secondary/Unknown ds:Outdated/DUnknown C r-----");
    assert_eq!(
        refusal(outdated.as_ref()),
        Some(Refusal::DiskNotUpToDate("Outdated".into()))
    );
    let inconsistent =
        proc_resource(" 1: cs:Connected ro:Secondary/Secondary ds:Inconsistent/UpToDate C r-----");
    assert_eq!(
        refusal(inconsistent.as_ref()),
        Some(Refusal::DiskNotUpToDate("Inconsistent".into()))
    );
    assert_eq!(refusal(None), Some(Refusal::NotConfigured));
    assert!(!Refusal::NotConfigured.forcible());
}

#[test]
fn refuses_a_primary_peer_and_a_standalone_link() {
    let peer = proc_resource(" 1: cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate C r-----");
    assert_eq!(refusal(peer.as_ref()), Some(Refusal::PeerPrimary));
    let sb = proc_resource(" 1: cs:StandAlone ro:Secondary/Unknown ds:UpToDate/DUnknown   r-----");
    assert!(matches!(refusal(sb.as_ref()), Some(Refusal::SplitBrain(_))));
    let reason = Refusal::PeerPrimary.reason("r0");
    assert_eq!(reason.lines().count(), 1);
}

#[test]
fn refuses_a_state_it_cannot_read_unless_forced() {
    let odd =
        proc_resource(" 1: cs:Frobnicating ro:Secondary/Secondary ds:UpToDate/UpToDate C r-----");
    let refused = refusal(odd.as_ref());
    assert_eq!(
        refused,
        Some(Refusal::UnknownState(
            "minor-1/peer connection 'Frobnicating'".into()
        ))
    );
    assert!(refused.unwrap().forcible());
    let odd_disk =
        proc_resource(" 1: cs:Connected ro:Secondary/Secondary ds:UpToDate/TOO_LARGE C r-----");
    assert!(matches!(
        refusal(odd_disk.as_ref()),
        Some(Refusal::UnknownState(_))
    ));
}

#[test]
fn health_is_running_only_when_primary_and_mounted() {
    let primary =
        proc_resource(" 1: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----");
    let secondary =
        proc_resource(" 1: cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate C r-----");
    let dir = "/usr/local/mfs";
    assert_eq!(
        health(primary.as_ref(), &MountState::Ours, dir),
        Health::Running
    );
    assert_eq!(
        health(secondary.as_ref(), &MountState::NotMounted, dir),
        Health::Stopped
    );
    assert_eq!(health(None, &MountState::NotMounted, dir), Health::Stopped);
    assert_eq!(
        health(primary.as_ref(), &MountState::NotMounted, dir),
        Health::FailedRunning("DRBD is Primary but /usr/local/mfs is not mounted".into())
    );
    assert!(matches!(
        health(None, &MountState::Other("/dev/sdb1".into()), dir),
        Health::Failed(r) if r.contains("/dev/sdb1")
    ));
    assert!(matches!(
        health(secondary.as_ref(), &MountState::Ours, dir),
        Health::FailedRunning(r) if r.contains("Secondary")
    ));
}

fn json_resource(role: &str, disk: &str, quorum: bool) -> Option<Resource> {
    let text = format!(
        r#"[{{"name":"r0","role":"{role}","devices":[{{"volume":0,"minor":1,
        "disk-state":"{disk}","quorum":{quorum}}}],"connections":[]}}]"#
    );
    let parsed = drbd_status::status_json::parse(&text).ok()?;
    parsed.doc.to_status().resources.into_iter().next()
}

#[test]
fn the_clone_monitor_maps_role_and_disk_to_ocf_codes() {
    use super::decide::clone_health;
    let code = |h: Health| {
        ha_agent::outcome::exit_code(
            ha_agent::invocation::Family::Ocf,
            ha_agent::Action::Monitor,
            &ha_agent::Outcome::Health(h),
        )
    };
    let primary = json_resource("Primary", "UpToDate", true);
    assert_eq!(code(clone_health(primary.as_ref())), 8);
    let secondary = json_resource("Secondary", "Outdated", true);
    assert_eq!(code(clone_health(secondary.as_ref())), 0);
    assert_eq!(code(clone_health(None)), 7);
    let diskless = json_resource("Primary", "Diskless", true);
    let h = clone_health(diskless.as_ref());
    assert!(
        matches!(&h, Health::FailedPromoted(r) if r.contains("Diskless")),
        "{h:?}"
    );
    assert_eq!(code(h), 9);
    let from_proc =
        proc_resource(" 1: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----");
    assert_eq!(code(clone_health(from_proc.as_ref())), 8);
}

#[test]
fn the_promotion_score_follows_the_local_disk() {
    use super::decide::{promotion_score, SCORE_CONSISTENT, SCORE_UP_TO_DATE};
    let score = |disk: &str| promotion_score(json_resource("Secondary", disk, true).as_ref());
    assert_eq!(score("UpToDate"), Some(SCORE_UP_TO_DATE));
    assert_eq!(score("Consistent"), Some(SCORE_CONSISTENT));
    assert_eq!(score("Outdated"), Some(SCORE_CONSISTENT));
    for none in ["Inconsistent", "Diskless", "Failed", "Attaching"] {
        assert_eq!(score(none), None, "{none}");
    }
    assert_eq!(promotion_score(None), None);
    let no_quorum = json_resource("Secondary", "UpToDate", false);
    assert_eq!(promotion_score(no_quorum.as_ref()), None);
}

#[test]
fn scope_defaults_by_clone_and_refuses_what_a_clone_cannot_do() {
    use super::decide::scope;
    use super::settings::Scope;
    assert_eq!(scope(None, false), Ok(Scope::All));
    assert_eq!(scope(None, true), Ok(Scope::Drbd));
    assert_eq!(scope(Some("drbd"), true), Ok(Scope::Drbd));
    assert_eq!(scope(Some("mount"), false), Ok(Scope::Mount));
    assert_eq!(scope(Some("drbd"), false), Ok(Scope::Drbd));
    for refused in ["all", "mount"] {
        let err = scope(Some(refused), true).expect_err(refused);
        assert!(err.starts_with(&format!("scope={refused} cannot run in a promotable clone")));
        assert_eq!(err.lines().count(), 1);
    }
    assert!(scope(Some("both"), false).is_err());
}

#[test]
fn a_promotable_clone_is_recognised_by_any_pacemaker_generation() {
    use super::settings::is_promotable;
    let meta = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    };
    assert!(is_promotable(meta(&[("promotable", "true")])));
    assert!(is_promotable(meta(&[("promoted_max", "1")])));
    assert!(is_promotable(meta(&[("master_max", "1")])));
    assert!(!is_promotable(meta(&[("promotable", "false")])));
    assert!(!is_promotable(meta(&[("clone_max", "2")])));
    assert!(!is_promotable(meta(&[])));
}

#[test]
fn no_quorum_is_refused_before_anything_else_and_not_forcible() {
    let r = json_resource("Secondary", "UpToDate", false);
    assert_eq!(refusal(r.as_ref()), Some(Refusal::NoQuorum));
    assert!(!Refusal::NoQuorum.forcible());
    assert!(Refusal::NoQuorum.reason("r0").contains("no quorum"));
}
