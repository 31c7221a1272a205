//! VIPaddr's announcements and duplicate checks, observed from the neighbour's namespace: a
//! capture thread inside namespace `b` records the ARP and neighbour advertisements arriving
//! on its veth. Root only; under CI=true they fail without root. Each test has its own lab.

mod common;

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use common::vip::{capture_adverts, capture_arp, VipLab, VIP, VIP6};
use common::{root_or_skip, text};

fn has_addr(lab: &VipLab, nic: &str, cidr: &str) -> bool {
    VipLab::addrs(&lab.a, nic).contains(&format!(" {cidr} "))
}

#[test]
fn gratuitous_arp_is_seen_by_the_neighbour_in_both_forms() {
    if !root_or_skip("gratuitous_arp_is_seen_by_the_neighbour_in_both_forms") {
        return;
    }
    let lab = VipLab::new();
    let mac = VipLab::mac(&lab.a, "vipa0");
    let capture = capture_arp(&lab.b, "vipb0", Duration::from_millis(1500));
    let start = lab.ocf(
        "start",
        &[("ip", VIP), ("arp_count", "3"), ("arp_interval", "50")],
    );
    assert_eq!(start.status.code(), Some(0), "{start:?}");
    let seen = match capture.join() {
        Ok(s) => s,
        Err(_) => panic!("capture thread panicked"),
    };
    let vip: Ipv4Addr = VIP.parse().unwrap_or(Ipv4Addr::UNSPECIFIED);
    let ours: Vec<_> = seen.iter().filter(|s| s.sha == mac).collect();
    let requests = ours
        .iter()
        .filter(|s| s.op == 1 && s.spa == vip && s.tpa == vip)
        .count();
    let replies = ours.iter().filter(|s| s.op == 2 && s.spa == vip).count();
    let probes = ours
        .iter()
        .filter(|s| s.op == 1 && s.spa.is_unspecified() && s.tpa == vip)
        .count();
    assert_eq!((requests, replies), (3, 3), "captured from {mac}: {seen:?}");
    assert_eq!(probes, 2, "duplicate probes from 0.0.0.0: {seen:?}");
    assert_eq!(lab.ocf("stop", &[("ip", VIP)]).status.code(), Some(0));
}

#[test]
fn a_duplicate_held_by_the_neighbour_is_refused_with_its_mac() {
    if !root_or_skip("a_duplicate_held_by_the_neighbour_is_refused_with_its_mac") {
        return;
    }
    let lab = VipLab::new();
    lab.b
        .ip_ok(&["addr", "add", &format!("{VIP}/24"), "dev", "vipb0"]);
    let their_mac = VipLab::mac(&lab.b, "vipb0");
    let start = lab.ocf("start", &[("ip", VIP)]);
    let err = text(&start.stderr);
    assert_eq!(start.status.code(), Some(1), "{start:?}");
    assert!(
        err.contains(&format!("ocf-exit-reason:{VIP} is already in use")),
        "{err}"
    );
    assert!(
        err.contains(&their_mac),
        "reason must name {their_mac}: {err}"
    );
    assert!(
        !has_addr(&lab, "vipa0", &format!("{VIP}/24")),
        "nothing half-done"
    );
    let mon = lab.ocf("monitor", &[("ip", VIP)]);
    assert_eq!(mon.status.code(), Some(7), "{mon:?}");
}

#[test]
fn ipv6_waits_out_dad_and_is_removed() {
    if !root_or_skip("ipv6_waits_out_dad_and_is_removed") {
        return;
    }
    let lab = VipLab::new();
    let params = [
        ("ip", VIP6),
        ("arp_count", "2"),
        ("arp_interval", "10"),
        ("preferred_lft", "0"),
    ];
    let capture = capture_adverts(&lab.b, "vipb0", Duration::from_millis(2500));
    let start = lab.ocf("start", &params);
    assert_eq!(start.status.code(), Some(0), "{start:?}");
    let vip6: Ipv6Addr = VIP6.parse().unwrap_or(Ipv6Addr::UNSPECIFIED);
    let all_nodes = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
    let adverts = capture.join().unwrap_or_default();
    let ours = adverts
        .iter()
        .filter(|a| a.target == vip6 && a.src == vip6 && a.dst == all_nodes)
        .filter(|a| a.hop_limit == 255 && a.overrides)
        .count();
    assert_eq!(
        ours, 2,
        "unsolicited NAs seen by the neighbour: {adverts:?}"
    );
    let log = text(&start.stderr);
    assert!(log.contains("duplicate address detection passed"), "{log}");
    assert!(
        log.contains("sent 2 unsolicited neighbour advertisements"),
        "{log}"
    );
    let shown = VipLab::addrs(&lab.a, "vipa0");
    let line = shown.lines().find(|l| l.contains(&format!("{VIP6}/64")));
    assert!(line.is_some_and(|l| !l.contains("tentative")), "{shown}");
    assert!(
        line.is_some_and(|l| l.contains("deprecated")),
        "preferred_lft=0: {shown}"
    );
    assert_eq!(lab.ocf("monitor", &params).status.code(), Some(0));
    let stop = lab.ocf("stop", &params);
    assert_eq!(stop.status.code(), Some(0), "{stop:?}");
    let shown = VipLab::addrs(&lab.a, "vipa0");
    assert!(!shown.contains(VIP6), "{shown}");
    assert!(shown.contains("fd00:200::1/64"), "{shown}");
    assert_eq!(lab.ocf("monitor", &params).status.code(), Some(7));
}

#[test]
fn ipv6_duplicate_fails_dad_and_leaves_nothing() {
    if !root_or_skip("ipv6_duplicate_fails_dad_and_leaves_nothing") {
        return;
    }
    let lab = VipLab::new();
    lab.b.ip_ok(&[
        "-6",
        "addr",
        "add",
        &format!("{VIP6}/64"),
        "dev",
        "vipb0",
        "nodad",
    ]);
    let start = lab.ocf("start", &[("ip", VIP6)]);
    assert_eq!(start.status.code(), Some(1), "{start:?}");
    assert!(
        text(&start.stderr).contains("duplicate address detection failed"),
        "{start:?}"
    );
    assert!(!VipLab::addrs(&lab.a, "vipa0").contains(VIP6));
}

fn announcements(seen: &[common::vip::Seen], mac: &str) -> (usize, usize) {
    let vip: Ipv4Addr = VIP.parse().unwrap_or(Ipv4Addr::UNSPECIFIED);
    let ours = seen.iter().filter(|s| s.sha == mac && s.spa == vip);
    let requests = ours.clone().filter(|s| s.op == 1 && s.tpa == vip).count();
    (requests, ours.filter(|s| s.op == 2).count())
}

#[test]
fn arp_bg_returns_at_once_and_stop_silences_the_sender() {
    if !root_or_skip("arp_bg_returns_at_once_and_stop_silences_the_sender") {
        return;
    }
    let lab = VipLab::new();
    let mac = VipLab::mac(&lab.a, "vipa0");
    let params = [
        ("ip", VIP),
        ("arp_bg", "true"),
        ("arp_count", "4"),
        ("arp_interval", "100"),
        ("dad_probe", "false"),
    ];
    let capture = capture_arp(&lab.b, "vipb0", Duration::from_millis(1000));
    let t = std::time::Instant::now();
    let start = lab.ocf("start", &params);
    let took = t.elapsed();
    assert_eq!(start.status.code(), Some(0), "{start:?}");
    assert!(
        took < Duration::from_millis(250),
        "start took {took:?}: {start:?}"
    );
    let seen = capture.join().unwrap_or_default();
    assert_eq!(announcements(&seen, &mac), (4, 4), "{seen:?}");
    assert_eq!(lab.ocf("stop", &params).status.code(), Some(0));

    // Six rounds 300 ms apart, stopped at once: the first round and at most one more (a
    // loaded machine may take a while between the two commands), never all six.
    let mut many = params.to_vec();
    many[2] = ("arp_count", "6");
    many[3] = ("arp_interval", "300");
    let capture = capture_arp(&lab.b, "vipb0", Duration::from_millis(2000));
    assert_eq!(lab.ocf("start", &many).status.code(), Some(0));
    let stop = lab.ocf("stop", &many);
    assert_eq!(stop.status.code(), Some(0), "{stop:?}");
    let seen = capture.join().unwrap_or_default();
    let (requests, _) = announcements(&seen, &mac);
    assert!(
        (1..=2).contains(&requests),
        "{requests} rounds after stop: {seen:?}"
    );
}

#[test]
fn arp_count_refresh_re_announces_on_recurring_monitors_only() {
    if !root_or_skip("arp_count_refresh_re_announces_on_recurring_monitors_only") {
        return;
    }
    let lab = VipLab::new();
    let mac = VipLab::mac(&lab.a, "vipa0");
    let params = [
        ("ip", VIP),
        ("arp_count", "0"),
        ("dad_probe", "false"),
        ("arp_count_refresh", "2"),
        ("arp_interval", "10"),
    ];
    assert_eq!(lab.ocf("start", &params).status.code(), Some(0));
    let capture = capture_arp(&lab.b, "vipb0", Duration::from_millis(600));
    let mut probe = params.to_vec();
    probe.push(("CRM_meta_interval", "0"));
    assert_eq!(lab.ocf("monitor", &probe).status.code(), Some(0));
    let seen = capture.join().unwrap_or_default();
    assert_eq!(
        announcements(&seen, &mac),
        (0, 0),
        "a probe changes nothing: {seen:?}"
    );
    let capture = capture_arp(&lab.b, "vipb0", Duration::from_millis(600));
    assert_eq!(lab.ocf("monitor", &params).status.code(), Some(0));
    let seen = capture.join().unwrap_or_default();
    assert_eq!(announcements(&seen, &mac), (2, 2), "{seen:?}");
    assert_eq!(lab.ocf("stop", &params).status.code(), Some(0));
}

#[test]
fn depth_10_monitor_finds_another_host_answering_for_the_vip() {
    if !root_or_skip("depth_10_monitor_finds_another_host_answering_for_the_vip") {
        return;
    }
    let lab = VipLab::new();
    let params = [("ip", VIP), ("arp_count", "1")];
    assert_eq!(lab.ocf("start", &params).status.code(), Some(0));
    let mut deep = params.to_vec();
    deep.push(("OCF_CHECK_LEVEL", "10"));
    let mon = lab.ocf("monitor", &deep);
    assert_eq!(mon.status.code(), Some(0), "alone on the link: {mon:?}");
    // The neighbour is (mis)configured with the same address: a split brain on the wire.
    lab.b
        .ip_ok(&["addr", "add", &format!("{VIP}/24"), "dev", "vipb0"]);
    let their_mac = VipLab::mac(&lab.b, "vipb0");
    assert_eq!(
        lab.ocf("monitor", &params).status.code(),
        Some(0),
        "depth 0 cannot tell"
    );
    let mon = lab.ocf("monitor", &deep);
    let err = text(&mon.stderr);
    assert_eq!(mon.status.code(), Some(1), "{mon:?}");
    assert!(
        err.contains("duplicate address") && err.contains(&their_mac),
        "{err}"
    );
    assert_eq!(lab.ocf("stop", &params).status.code(), Some(0));
}

/// The neighbour's ARP entry for the VIP (`ip neigh` in namespace b), if any.
fn neighbour_entry(lab: &VipLab) -> String {
    text(&lab.b.ip(&["neigh", "show", VIP, "dev", "vipb0"]).stdout)
        .trim()
        .to_string()
}

#[test]
fn arp_targets_get_a_directed_request_and_learn_the_vip() {
    if !root_or_skip("arp_targets_get_a_directed_request_and_learn_the_vip") {
        return;
    }
    let lab = VipLab::new();
    let mac = VipLab::mac(&lab.a, "vipa0");
    let mut params = vec![("ip", VIP), ("arp_count", "2"), ("arp_interval", "10")];
    // Control: gratuitous ARP alone does not create an entry on a Linux neighbour.
    assert_eq!(lab.ocf("start", &params).status.code(), Some(0));
    assert_eq!(neighbour_entry(&lab), "", "without arp_targets");
    assert_eq!(lab.ocf("stop", &params).status.code(), Some(0));
    params.push(("arp_targets", "10.200.1.2"));
    let capture = capture_arp(&lab.b, "vipb0", Duration::from_millis(800));
    assert_eq!(lab.ocf("start", &params).status.code(), Some(0));
    let seen = capture.join().unwrap_or_default();
    let vip: Ipv4Addr = VIP.parse().unwrap_or(Ipv4Addr::UNSPECIFIED);
    let directed = seen
        .iter()
        .filter(|s| s.sha == mac && s.op == 1 && s.spa == vip)
        .filter(|s| s.tpa == Ipv4Addr::new(10, 200, 1, 2))
        .count();
    assert_eq!(directed, 2, "{seen:?}");
    let entry = neighbour_entry(&lab);
    assert!(
        entry.contains(&format!("lladdr {mac}")),
        "neighbour entry: '{entry}'"
    );
    assert_eq!(lab.ocf("stop", &params).status.code(), Some(0));
}
