//! VIPaddr end to end in network namespaces joined by veth pairs (namespace-local addresses
//! only). Root only; under CI=true they fail without root. Each test has its own lab.

mod common;

use std::path::Path;
use std::process::Output;

use common::heartbeat::{ResourceDir, RESOURCE_MANAGER};
use common::vip::{vip_bin, VipLab, VIP, VIP6};
use common::{root_or_skip, text};

fn stdout(out: &Output) -> String {
    text(&out.stdout).trim().to_string()
}

fn has_addr(lab: &VipLab, nic: &str, cidr: &str) -> bool {
    VipLab::addrs(&lab.a, nic).contains(&format!(" {cidr} "))
}

#[test]
fn start_status_stop_with_label_removes_only_the_vip() {
    if !root_or_skip("start_status_stop_with_label_removes_only_the_vip") {
        return;
    }
    let lab = VipLab::new();
    let arg = format!("{VIP}/24/vipa0");
    let st = lab.agent(&[&arg, "status"]);
    assert_eq!(
        (st.status.code(), stdout(&st)),
        (Some(3), "stopped".into()),
        "{st:?}"
    );
    let start = lab.agent(&[&arg, "iflabel=web", "arp_count=1", "start"]);
    assert_eq!(start.status.code(), Some(0), "{start:?}");
    let shown = VipLab::addrs(&lab.a, "vipa0");
    assert!(
        shown.contains(&format!("inet {VIP}/24 brd 10.200.1.255")),
        "{shown}"
    );
    assert!(shown.contains("vipa0:web"), "label missing: {shown}");
    let st = lab.agent(&[&arg, "status"]);
    assert_eq!(
        (st.status.code(), stdout(&st)),
        (Some(0), "running".into()),
        "{st:?}"
    );
    // A second start re-asserts ownership: nothing added, but announced again.
    let again = lab.agent(&[
        &arg,
        "iflabel=web",
        "arp_count=2",
        "arp_interval=10",
        "start",
    ]);
    assert_eq!(again.status.code(), Some(0), "second start: {again:?}");
    let log = text(&again.stderr);
    assert!(
        log.contains("already on vipa0: announcing it again"),
        "{log}"
    );
    assert!(log.contains("sent 2 gratuitous ARP rounds"), "{log}");
    assert_eq!(VipLab::addrs(&lab.a, "vipa0").matches(VIP).count(), 1);
    for _ in 0..2 {
        let stop = lab.agent(&[&arg, "stop"]);
        assert_eq!(stop.status.code(), Some(0), "{stop:?}");
    }
    assert!(!has_addr(&lab, "vipa0", &format!("{VIP}/24")));
    assert!(
        has_addr(&lab, "vipa0", "10.200.1.1/24"),
        "the host's own address must stay"
    );
    let st = lab.agent(&[&arg, "status"]);
    assert_eq!(st.status.code(), Some(3), "{st:?}");
}

#[test]
fn nic_and_prefix_come_from_the_longest_connected_route() {
    if !root_or_skip("nic_and_prefix_come_from_the_longest_connected_route") {
        return;
    }
    let lab = VipLab::new();
    // A second interface whose /16 also contains the VIP: the /24 on vipa0 must win.
    lab.a.veth_to("vipa1", &lab.b, "vipb1");
    lab.a
        .ip_ok(&["addr", "add", "10.200.0.1/16", "dev", "vipa1"]);
    lab.a.ip_ok(&["link", "set", "vipa1", "up"]);
    lab.b.ip_ok(&["link", "set", "vipb1", "up"]);
    let start = lab.agent(&[VIP, "arp_count=0", "start"]);
    assert_eq!(start.status.code(), Some(0), "{start:?}");
    let log = text(&start.stderr);
    assert!(
        log.contains(&format!("Using calculated nic for {VIP}: vipa0")),
        "{log}"
    );
    assert!(log.contains("route 10.200.1.0/24 dev vipa0"), "{log}");
    assert!(has_addr(&lab, "vipa0", &format!("{VIP}/24")));
    // Only the /16 contains this one.
    let other = "10.200.9.9";
    let start = lab.agent(&[other, "arp_count=0", "start"]);
    assert_eq!(start.status.code(), Some(0), "{start:?}");
    assert!(text(&start.stderr).contains(&format!("Using calculated nic for {other}: vipa1")));
    assert!(has_addr(&lab, "vipa1", "10.200.9.9/16"));
    for ip in [VIP, other] {
        assert_eq!(lab.agent(&[ip, "stop"]).status.code(), Some(0));
    }
    assert!(!VipLab::addrs(&lab.a, "vipa1").contains(other));
}

#[test]
fn an_address_deleted_behind_our_back_is_not_running_or_repaired() {
    if !root_or_skip("an_address_deleted_behind_our_back_is_not_running_or_repaired") {
        return;
    }
    let lab = VipLab::new();
    let cidr = format!("{VIP}/24");
    let params = [("ip", VIP), ("iflabel", "vip"), ("arp_count", "1")];
    assert_eq!(lab.ocf("start", &params).status.code(), Some(0));
    assert_eq!(lab.ocf("monitor", &params).status.code(), Some(0));
    lab.a.ip_ok(&["addr", "del", &cidr, "dev", "vipa0"]);
    let mon = lab.ocf("monitor", &params);
    assert_eq!(mon.status.code(), Some(7), "{mon:?}");
    assert!(
        text(&mon.stderr).contains("removed from vipa0 behind our back"),
        "{mon:?}"
    );
    // A probe never repairs.
    let mut probe = params.to_vec();
    probe.extend([("repair", "true"), ("CRM_meta_interval", "0")]);
    assert_eq!(lab.ocf("monitor", &probe).status.code(), Some(7));
    let mut repairing = params.to_vec();
    repairing.push(("repair", "true"));
    let mon = lab.ocf("monitor", &repairing);
    let log = text(&mon.stderr);
    assert_eq!(mon.status.code(), Some(0), "{mon:?}");
    assert!(log.contains("found: 10.200.1.1/24"), "{log}");
    assert!(log.contains("re-added (repair=true)"), "{log}");
    let shown = VipLab::addrs(&lab.a, "vipa0");
    assert!(
        shown.contains(&cidr) && shown.contains("vipa0:vip"),
        "{shown}"
    );
    assert_eq!(lab.ocf("stop", &params).status.code(), Some(0));
    // After stop the address is not ours any more: repair must not bring it back.
    assert_eq!(lab.ocf("monitor", &repairing).status.code(), Some(7));
    assert!(!has_addr(&lab, "vipa0", &cidr));
}

#[test]
fn a_link_down_is_not_running_and_stop_still_cleans_up() {
    if !root_or_skip("a_link_down_is_not_running_and_stop_still_cleans_up") {
        return;
    }
    let lab = VipLab::new();
    let params = [("ip", VIP), ("nic", "vipa0"), ("arp_count", "0")];
    assert_eq!(lab.ocf("start", &params).status.code(), Some(0));
    lab.a.ip_ok(&["link", "set", "vipa0", "down"]);
    let mon = lab.ocf("monitor", &params);
    assert_eq!(mon.status.code(), Some(7), "{mon:?}");
    assert!(text(&mon.stderr).contains("the link is down"), "{mon:?}");
    // Carrier lost (the peer's end went down): not running either.
    lab.a.ip_ok(&["link", "set", "vipa0", "up"]);
    lab.b.ip_ok(&["link", "set", "vipb0", "down"]);
    let mon = lab.ocf("monitor", &params);
    assert_eq!(mon.status.code(), Some(7), "{mon:?}");
    assert!(text(&mon.stderr).contains("without carrier"), "{mon:?}");
    let start = lab.ocf("start", &[("ip", "10.200.1.101"), ("nic", "vipa0")]);
    assert_eq!(
        start.status.code(),
        Some(1),
        "no start without carrier: {start:?}"
    );
    assert_eq!(lab.ocf("stop", &params).status.code(), Some(0));
    assert!(!has_addr(&lab, "vipa0", &format!("{VIP}/24")));
}

#[test]
fn bad_input_is_a_configuration_error_with_a_reason() {
    if !root_or_skip("bad_input_is_a_configuration_error_with_a_reason") {
        return;
    }
    let lab = VipLab::new();
    for (params, reason) in [
        (
            vec![("ip", "10.200.1.300")],
            "'10.200.1.300' is not an IPv4 or IPv6 address",
        ),
        (
            vec![("ip", VIP), ("cidr_netmask", "255.0.255.0")],
            "netmask '255.0.255.0' is not a contiguous netmask",
        ),
        (
            vec![("ip", VIP), ("nic", "nosuch0")],
            "unknown interface 'nosuch0'",
        ),
        (
            vec![("ip", VIP), ("nic", "vipa0"), ("iflabel", "muchtoolong")],
            "label 'vipa0:muchtoolong' is too long",
        ),
        (
            vec![("ip", VIP6), ("iflabel", "x")],
            "iflabel 'x': IPv6 addresses have no labels",
        ),
    ] {
        let out = lab.ocf("start", &params);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(6), "{params:?}: {err}");
        assert!(
            err.contains(&format!("ocf-exit-reason:{reason}")),
            "{params:?}: {err}"
        );
    }
    // A label too long for an auto-detected interface is caught once the interface is known.
    let out = lab.ocf("start", &[("ip", VIP), ("iflabel", "muchtoolong")]);
    assert_eq!(out.status.code(), Some(6), "{out:?}");
    assert!(VipLab::addrs(&lab.a, "vipa0").lines().count() >= 1);
    assert!(
        !has_addr(&lab, "vipa0", &format!("{VIP}/24")),
        "nothing half-done"
    );
    // A node without the interface: probes say "not running", stop succeeds.
    let nic = [("ip", VIP), ("nic", "nosuch0"), ("CRM_meta_interval", "0")];
    assert_eq!(lab.ocf("monitor", &nic).status.code(), Some(7));
    assert_eq!(lab.ocf("stop", &nic).status.code(), Some(0));
    let heartbeat = lab.agent(&["10.200.1.1/24/vipa0/x/y", "start"]);
    assert_eq!(heartbeat.status.code(), Some(6), "{heartbeat:?}");
}

#[test]
fn stopping_a_primary_keeps_the_other_addresses_of_its_subnet() {
    if !root_or_skip("stopping_a_primary_keeps_the_other_addresses_of_its_subnet") {
        return;
    }
    let lab = VipLab::new();
    // 10.200.7.0/24 is new on vipa0, so the VIP becomes that subnet's primary address.
    let arg = "10.200.7.100/24/vipa0";
    let start = lab.agent(&[arg, "arp_count=0", "dad_probe=false", "start"]);
    assert_eq!(start.status.code(), Some(0), "{start:?}");
    lab.a
        .ip_ok(&["addr", "add", "10.200.7.7/24", "dev", "vipa0"]);
    let stop = lab.agent(&[arg, "stop"]);
    assert_eq!(stop.status.code(), Some(0), "{stop:?}");
    assert!(
        text(&stop.stderr).contains("promote_secondaries"),
        "{stop:?}"
    );
    assert!(!has_addr(&lab, "vipa0", "10.200.7.100/24"));
    assert!(
        has_addr(&lab, "vipa0", "10.200.7.7/24"),
        "the secondary must survive"
    );
}

#[test]
fn passes_ocf_tester_in_a_namespace() {
    if !root_or_skip("passes_ocf_tester_in_a_namespace") {
        return;
    }
    let tester = "/usr/sbin/ocf-tester";
    if !common::installed_or_skip(tester, "resource-agents libxml2-utils") {
        return;
    }
    let lab = VipLab::new();
    let agent = vip_bin().display().to_string();
    let args = [
        "-n",
        "vip1",
        "-o",
        &format!("ip={VIP}"),
        "-o",
        "cidr_netmask=24",
        "-o",
        "arp_count=1",
        &agent,
    ];
    let mut cmd = lab.a.cmd(tester, &args);
    cmd.env("MFS_HA_RUN_DIR", lab.path("run"))
        .env("MFS_HA_STATE_DIR", lab.path("state"))
        .env("MFS_HA_CONFIG_DIR", lab.path("etc"));
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!("ocf-tester: {e}"),
    };
    let stdout = text(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("passed all tests"),
        "ocf-tester failed:\n{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(
        !has_addr(&lab, "vipa0", &format!("{VIP}/24")),
        "ocf-tester ends stopped"
    );
}

/// Installed as `IPaddr` in a private resource directory, the agent serves what Heartbeat
/// passes for a bare IP: `IPaddr 10.200.1.100 start`, and heartbeat's own
/// `ResourceManager status` (the script, not the daemon) reads its status text.
#[test]
fn installed_as_ipaddr_it_serves_heartbeats_bare_ip() {
    if !root_or_skip("installed_as_ipaddr_it_serves_heartbeats_bare_ip") {
        return;
    }
    let lab = VipLab::new();
    let Some(resdir) = ResourceDir::with_agent(lab.path("resource.d"), &vip_bin(), "IPaddr") else {
        return;
    };
    let ipaddr = resdir.path("IPaddr");
    let rm_status = |resource: &str| -> Option<i32> {
        let cmd = lab.cmd_as(Path::new(RESOURCE_MANAGER), &["status", resource], &[]);
        resdir.run(cmd).status.code()
    };
    assert_eq!(rm_status(VIP), Some(3));
    // Exactly what ResourceManager's doscript runs for the bare IP: `$spath $arg "$2"`.
    let start = lab.run_as(&ipaddr, &[VIP, "start"], &[("HA_CURHOST", "node1")]);
    assert_eq!(start.status.code(), Some(0), "{start:?}");
    assert!(has_addr(&lab, "vipa0", &format!("{VIP}/24")));
    assert_eq!(rm_status(VIP), Some(0), "bare IP");
    assert_eq!(
        rm_status(&format!("IPaddr::{VIP}/24/vipa0")),
        Some(0),
        "IPaddr::ip/24/nic"
    );
    assert_eq!(
        rm_status(&format!("{VIP}/255.255.255.0/vipa0/10.200.1.255")),
        Some(0)
    );
    let st = lab.run_as(&ipaddr, &[VIP, "status"], &[("HA_CURHOST", "node1")]);
    assert_eq!(stdout(&st), "running");
    let stop = lab.run_as(&ipaddr, &[VIP, "stop"], &[("HA_CURHOST", "node1")]);
    assert_eq!(stop.status.code(), Some(0), "{stop:?}");
    assert_eq!(rm_status(VIP), Some(3));
    assert!(!has_addr(&lab, "vipa0", &format!("{VIP}/24")));
}
