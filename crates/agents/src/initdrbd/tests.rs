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
        Health::Failed("DRBD is Primary but /usr/local/mfs is not mounted".into())
    );
    assert!(matches!(
        health(None, &MountState::Other("/dev/sdb1".into()), dir),
        Health::Failed(r) if r.contains("/dev/sdb1")
    ));
    assert!(matches!(
        health(secondary.as_ref(), &MountState::Ours, dir),
        Health::Failed(r) if r.contains("Secondary")
    ));
}
