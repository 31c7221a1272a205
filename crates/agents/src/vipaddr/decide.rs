//! Pure decisions, each rule with its unit test below: what start does with the addresses it
//! found, what stop removes and leaves, what an address found on a link means for status, and
//! when an address on another link is still ours (its interface was renamed).
//! `start`, `stop` and `monitor` observe (netlink) once, decide here, and act.

use std::net::IpAddr;

use super::owned::Owned;
use super::route::contains;
use hostops::netlink::{Addr, Link, IFA_F_DADFAILED, IFA_F_SECONDARY, IFF_UP};

/// What start does, given the addresses that carry ip already.
#[derive(Debug, PartialEq, Eq)]
pub enum StartPlan<'a> {
    /// ip is on the target link with the target prefix: announce it again, nothing to add.
    AlreadyThere(&'a Addr),
    /// ip is configured otherwise (another link or prefix): refuse, naming it.
    ConfiguredElsewhere(&'a Addr),
    /// ip is on the target link, but duplicate address detection failed for it: another host
    /// uses it. Refuse (stop removes it).
    DadFailed(&'a Addr),
    /// The target link is down or has no carrier: refuse.
    LinkDown,
    /// Add it (after the duplicate probe).
    Add,
}

/// `present`: the addresses equal to ip; `index`/`prefix`: where start would put it.
/// Start succeeds only where status would then read running: never on a down link or with
/// an address whose duplicate address detection failed.
pub fn start_plan(present: &[Addr], index: u32, prefix: u8, link_up: bool) -> StartPlan<'_> {
    if let Some(a) = present
        .iter()
        .find(|a| a.index == index && a.prefix == prefix)
    {
        return match (a.flags & IFA_F_DADFAILED != 0, link_up) {
            (true, _) => StartPlan::DadFailed(a),
            (false, false) => StartPlan::LinkDown,
            (false, true) => StartPlan::AlreadyThere(a),
        };
    }
    match present.first() {
        Some(a) => StartPlan::ConfiguredElsewhere(a),
        None if !link_up => StartPlan::LinkDown,
        None => StartPlan::Add,
    }
}

/// What stop does: the addresses to remove (each with whether promote_secondaries must be on
/// first, so that its subnet's other addresses stay), and those left alone (ip elsewhere).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct StopPlan<'a> {
    pub remove: Vec<(&'a Addr, bool)>,
    pub leave: Vec<&'a Addr>,
}

/// `all`: every address of ip's family; `nic_index`/`prefix`: the configured ones, if any.
pub fn stop_plan<'a>(
    all: &'a [Addr],
    ip: &IpAddr,
    nic_index: Option<u32>,
    prefix: Option<u8>,
) -> StopPlan<'a> {
    let (ours, leave): (Vec<&Addr>, Vec<&Addr>) =
        all.iter().filter(|a| a.ip == *ip).partition(|a| {
            nic_index.is_none_or(|i| a.index == i) && prefix.is_none_or(|p| a.prefix == p)
        });
    StopPlan {
        remove: ours
            .into_iter()
            .map(|a| (a, has_secondaries(a, all)))
            .collect(),
        leave,
    }
}

/// An IPv4 primary address whose subnet holds secondaries on the same interface (deleting
/// it would delete them unless promote_secondaries is on).
pub fn has_secondaries(a: &Addr, all: &[Addr]) -> bool {
    a.ip.is_ipv4()
        && a.flags & IFA_F_SECONDARY == 0
        && all.iter().any(|o| {
            o.index == a.index
                && o.ip != a.ip
                && o.flags & IFA_F_SECONDARY != 0
                && o.prefix == a.prefix
                && contains(&a.ip, a.prefix, &o.ip)
        })
}

/// Our address after its interface was renamed: the configured interface (`configured`: its
/// index, `None` when no link has its name) does not hold the recorded ip/prefix, and the link
/// the ownership record names by index does, with exactly that ip/prefix. That address is ours:
/// status judges it and stop removes it. Without a record holding an index (the address was
/// not added here, or by a version that kept no index) an address elsewhere is not ours.
pub fn followed<'a>(
    own: Option<&Owned>,
    ip: &IpAddr,
    prefix: Option<u8>,
    configured: Option<u32>,
    all: &'a [Addr],
) -> Option<&'a Addr> {
    let own = own?;
    let index = own.ifindex?;
    if own.ip != *ip || prefix.is_some_and(|p| p != own.prefix) || configured == Some(index) {
        return None;
    }
    let held_by = |i: u32| {
        all.iter()
            .find(|a| a.index == i && a.ip == own.ip && a.prefix == own.prefix)
    };
    if configured.and_then(held_by).is_some() {
        return None;
    }
    held_by(index)
}

/// The verdict on our address found on `link`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnLink {
    /// Present, but not as configured, or refused by the network: failed.
    Failed(String),
    /// Present on a link that is down or without carrier: not running (the warning says why).
    Down(&'static str),
    /// Present, as configured, on a link that is up.
    Up,
}

/// `prefix` is the configured one (`None`: any); `shown` is how the settings print it.
pub fn on_link(addr: &Addr, link: &Link, prefix: Option<u8>, shown: &str) -> OnLink {
    if prefix.is_some_and(|p| p != addr.prefix) {
        return OnLink::Failed(format!(
            "{}/{} is on {}, but the configured prefix is {shown}",
            addr.ip, addr.prefix, link.name
        ));
    }
    if addr.flags & IFA_F_DADFAILED != 0 {
        return OnLink::Failed(format!(
            "{} on {}: duplicate address detection failed (another host uses it)",
            addr.ip, link.name
        ));
    }
    if !link.is_up() {
        return OnLink::Down(if link.flags & IFF_UP == 0 {
            "down"
        } else {
            "without carrier"
        });
    }
    OnLink::Up
}

#[cfg(test)]
mod tests {
    use super::*;
    use hostops::netlink::IFF_LOWER_UP;

    fn addr(prefix: u8, flags: u32) -> Addr {
        at(2, "10.0.0.100", prefix, flags)
    }

    fn at(index: u32, ip: &str, prefix: u8, flags: u32) -> Addr {
        Addr {
            index,
            ip: ip.parse().unwrap(),
            prefix,
            flags,
            label: None,
        }
    }

    #[test]
    fn start_announces_again_what_is_there_and_refuses_it_elsewhere() {
        let here = at(2, "10.0.0.100", 24, 0);
        let other = at(3, "10.0.0.100", 24, 0);
        assert_eq!(
            start_plan(&[other.clone(), here.clone()], 2, 24, true),
            StartPlan::AlreadyThere(&here)
        );
        assert_eq!(
            start_plan(std::slice::from_ref(&other), 2, 24, true),
            StartPlan::ConfiguredElsewhere(&other)
        );
        assert_eq!(
            start_plan(std::slice::from_ref(&here), 2, 16, true),
            StartPlan::ConfiguredElsewhere(&here)
        );
    }

    #[test]
    fn start_adds_only_on_an_up_link() {
        assert_eq!(start_plan(&[], 2, 24, false), StartPlan::LinkDown);
        assert_eq!(start_plan(&[], 2, 24, true), StartPlan::Add);
    }

    #[test]
    fn start_never_succeeds_where_status_would_not_read_running() {
        let here = at(2, "fd00::100", 64, 0);
        assert_eq!(
            start_plan(std::slice::from_ref(&here), 2, 64, false),
            StartPlan::LinkDown
        );
        let failed = at(2, "fd00::100", 64, IFA_F_DADFAILED);
        assert_eq!(
            start_plan(std::slice::from_ref(&failed), 2, 64, true),
            StartPlan::DadFailed(&failed)
        );
    }

    #[test]
    fn stop_removes_the_configured_address_and_leaves_it_elsewhere() {
        let all = [
            at(2, "10.0.0.100", 24, 0),
            at(3, "10.0.0.100", 24, 0),
            at(2, "10.0.0.1", 24, 0),
        ];
        let ip = all[0].ip;
        let plan = stop_plan(&all, &ip, Some(2), Some(24));
        assert_eq!(plan.remove, vec![(&all[0], false)]);
        assert_eq!(plan.leave, vec![&all[1]]);
        // Nothing configured: ip wherever it is.
        assert_eq!(stop_plan(&all, &ip, None, None).remove.len(), 2);
        assert!(stop_plan(&all, &ip, Some(2), Some(16)).remove.is_empty());
    }

    #[test]
    fn stop_keeps_secondaries_of_a_primary_it_removes() {
        let all = [
            at(2, "10.0.0.100", 24, 0),
            at(2, "10.0.0.101", 24, IFA_F_SECONDARY),
            at(2, "10.9.0.1", 24, IFA_F_SECONDARY),
        ];
        let plan = stop_plan(&all, &all[0].ip, Some(2), None);
        assert_eq!(plan.remove, vec![(&all[0], true)]);
        assert!(!has_secondaries(&all[1], &all), "a secondary has none");
        assert!(!has_secondaries(&all[2], &all[2..]));
    }

    fn record(ifindex: Option<u32>) -> Owned {
        Owned {
            ip: "10.0.0.100".parse().unwrap(),
            prefix: 24,
            nic: "vipa0".into(),
            label: None,
            ifindex,
        }
    }

    #[test]
    fn a_renamed_interface_keeps_our_address_ours() {
        let all = [at(7, "10.0.0.1", 24, 0), at(7, "10.0.0.100", 24, 0)];
        let ip = all[1].ip;
        let own = record(Some(7));
        // vipa0 gone (renamed to the link with index 7), or another link now named vipa0.
        assert_eq!(
            followed(Some(&own), &ip, Some(24), None, &all),
            Some(&all[1])
        );
        assert_eq!(
            followed(Some(&own), &ip, None, Some(9), &all),
            Some(&all[1])
        );
    }

    #[test]
    fn only_the_recorded_index_with_exactly_our_address_is_followed() {
        let ip: IpAddr = "10.0.0.100".parse().unwrap();
        let own = record(Some(7));
        let other_prefix = [at(7, "10.0.0.100", 16, 0)];
        assert_eq!(followed(Some(&own), &ip, None, None, &other_prefix), None);
        let other_link = [at(8, "10.0.0.100", 24, 0)];
        assert_eq!(followed(Some(&own), &ip, None, None, &other_link), None);
        let here = [at(7, "10.0.0.100", 24, 0)];
        let another_ip: IpAddr = "10.0.0.101".parse().unwrap();
        assert_eq!(followed(Some(&own), &another_ip, None, None, &here), None);
        assert_eq!(
            followed(Some(&own), &ip, Some(16), None, &here),
            None,
            "the configured prefix changed since start"
        );
        assert_eq!(
            followed(Some(&own), &ip, None, Some(7), &[]),
            None,
            "the configured link is the recorded one: nothing was renamed"
        );
        let both = [at(9, "10.0.0.100", 24, 0), at(7, "10.0.0.100", 24, 0)];
        assert_eq!(
            followed(Some(&own), &ip, None, Some(9), &both),
            None,
            "the configured link holds it: that one is ours"
        );
    }

    #[test]
    fn without_a_record_with_an_index_an_address_elsewhere_is_not_ours() {
        let all = [at(7, "10.0.0.100", 24, 0)];
        let ip = all[0].ip;
        assert_eq!(followed(None, &ip, Some(24), None, &all), None);
        assert_eq!(
            followed(Some(&record(None)), &ip, Some(24), None, &all),
            None
        );
    }

    fn link(flags: u32) -> Link {
        Link {
            index: 2,
            name: "eth0".into(),
            flags,
            mac: vec![2, 0, 0, 0, 0, 1],
        }
    }

    const UP: u32 = IFF_UP | IFF_LOWER_UP;

    #[test]
    fn configured_address_on_an_up_link_is_up() {
        assert_eq!(
            on_link(&addr(24, 0), &link(UP), Some(24), "10.0.0.100/24"),
            OnLink::Up
        );
        assert_eq!(
            on_link(&addr(16, 0), &link(UP), None, "10.0.0.100"),
            OnLink::Up
        );
    }

    #[test]
    fn another_prefix_is_a_failure_naming_both() {
        assert_eq!(
            on_link(&addr(16, 0), &link(UP), Some(24), "10.0.0.100/24"),
            OnLink::Failed(
                "10.0.0.100/16 is on eth0, but the configured prefix is 10.0.0.100/24".into()
            )
        );
    }

    #[test]
    fn failed_duplicate_address_detection_is_a_failure() {
        let v = on_link(&addr(24, IFA_F_DADFAILED), &link(UP), Some(24), "x");
        assert!(matches!(v, OnLink::Failed(r) if r.contains("duplicate address detection")));
    }

    #[test]
    fn a_down_or_carrierless_link_is_not_running() {
        assert_eq!(
            on_link(&addr(24, 0), &link(0), None, "x"),
            OnLink::Down("down")
        );
        assert_eq!(
            on_link(&addr(24, 0), &link(IFF_UP), None, "x"),
            OnLink::Down("without carrier")
        );
    }
}
