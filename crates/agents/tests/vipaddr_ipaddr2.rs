//! VIPaddr as an IPaddr2 drop-in (issue 13): IPaddr2 primitives load unchanged
//! (tests/data/ipaddr2-primitives.crm), the IPaddr2 parameters VIPaddr honours do what they do
//! in IPaddr2 (noprefixroute, broadcast `-`, network_namespace, lvs_ipv6_addrlabel,
//! unique_clone_address, flush_routes), and the rest are refused by name. Network namespaces
//! only; root (under CI=true, a failure without it). Measured: 0.9 s for the three tests.

mod common;

use std::process::{Command, Output};

use common::netns::NetNs;
use common::vip::{vip_bin, VipLab, VIP, VIP6};
use common::{root_or_skip, text};

/// One `primitive` line: its OCF parameters and meta attributes, and the refusal expected.
struct Primitive {
    line: String,
    params: Vec<(String, String)>,
    meta: Vec<(String, String)>,
    refused: Option<String>,
}

/// Splits a crmsh line into words, keeping `"..."` values whole (quotes removed).
fn words(line: &str) -> Vec<String> {
    let (mut out, mut word, mut quoted) = (Vec::new(), String::new(), false);
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

fn primitives(ns: &str) -> Vec<Primitive> {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/ipaddr2-primitives.crm"
    );
    let all = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut out = Vec::new();
    for raw in all.lines().filter(|l| l.starts_with("primitive ")) {
        let line = raw.replace("$NS", ns);
        let (body, refused) = match line.split_once(" # refused: ") {
            Some((b, r)) => (b.to_string(), Some(r.to_string())),
            None => (line.clone(), None),
        };
        let (mut params, mut meta, mut section) = (Vec::new(), Vec::new(), String::new());
        for w in words(&body) {
            if matches!(w.as_str(), "params" | "meta" | "op") {
                section = w;
                continue;
            }
            let Some((k, v)) = w.split_once('=') else {
                continue;
            };
            match section.as_str() {
                "params" => params.push((k.to_string(), v.to_string())),
                // Pacemaker passes meta attributes with '-' as '_'.
                "meta" => meta.push((k.replace('-', "_"), v.to_string())),
                _ => {}
            }
        }
        out.push(Primitive {
            line: body,
            params,
            meta,
            refused,
        });
    }
    out
}

/// `VIPaddr <action>` as Pacemaker runs it (instance `p`), in namespace `ns`, or in this
/// process's namespace when `ns` is `None` (network_namespace does the moving then).
fn ocf(
    lab: &VipLab,
    ns: Option<&NetNs>,
    action: &str,
    params: &[(&str, &str)],
    meta: &[(&str, &str)],
) -> Output {
    let bin = vip_bin().display().to_string();
    let mut cmd = match ns {
        Some(ns) => ns.cmd(&bin, &[action]),
        None => {
            let mut c = Command::new(&bin);
            c.arg(action);
            c
        }
    };
    cmd.env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("MFS_HA_RUN_DIR", lab.path("run"))
        .env("MFS_HA_STATE_DIR", lab.path("state"))
        .env("MFS_HA_CONFIG_DIR", lab.path("etc"))
        .env("OCF_ROOT", "/usr/lib/ocf")
        .env("OCF_RESOURCE_INSTANCE", "p")
        .env("OCF_RESKEY_CRM_meta_interval", "10000");
    for (k, v) in params {
        cmd.env(format!("OCF_RESKEY_{k}"), v);
    }
    for (k, v) in meta {
        cmd.env(format!("OCF_RESKEY_CRM_meta_{k}"), v);
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("VIPaddr {action}: {e}"))
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[test]
fn ipaddr2_primitives_load_unchanged_or_are_refused_by_name() {
    if !root_or_skip("ipaddr2_primitives_load_unchanged_or_are_refused_by_name") {
        return;
    }
    let lab = VipLab::new();
    // No dummy module everywhere: a veth whose peer sits in `b`.
    lab.a.veth_to("eth0", &lab.b, "eth0p");
    lab.b.ip_ok(&["link", "set", "eth0p", "up"]);
    for cidr in ["10.2.13.1/24", "192.168.122.1/24"] {
        lab.a.ip_ok(&["addr", "add", cidr, "dev", "eth0"]);
    }
    lab.a.ip_ok(&[
        "-6",
        "addr",
        "add",
        "fd00:db8::1/64",
        "dev",
        "eth0",
        "nodad",
    ]);
    lab.a.ip_ok(&["link", "set", "eth0", "up"]);
    let all = primitives(lab.b.name());
    assert!(all.len() >= 20, "fixture has {} primitives", all.len());
    for p in &all {
        let out = ocf(
            &lab,
            Some(&lab.a),
            "validate-all",
            &pairs(&p.params),
            &pairs(&p.meta),
        );
        let err = text(&out.stderr);
        match &p.refused {
            None => assert_eq!(out.status.code(), Some(0), "{}\n{err}", p.line),
            Some(why) => {
                assert_eq!(out.status.code(), Some(6), "{}\n{err}", p.line);
                assert!(
                    err.contains(why.as_str()),
                    "{}: want '{why}' in\n{err}",
                    p.line
                );
                // Every action refuses, not only validate-all.
                let start = ocf(
                    &lab,
                    Some(&lab.a),
                    "start",
                    &pairs(&p.params),
                    &pairs(&p.meta),
                );
                assert_eq!(start.status.code(), Some(6), "{}: start", p.line);
            }
        }
    }
    assert!(
        !VipLab::addrs(&lab.a, "eth0").contains("10.2.13.13"),
        "a refused start added an address"
    );
}

#[test]
fn ipaddr2_parameters_act_as_in_ipaddr2() {
    if !root_or_skip("ipaddr2_parameters_act_as_in_ipaddr2") {
        return;
    }
    let lab = VipLab::new();
    let a = Some(&lab.a);
    let routes = |dst: &str| text(&lab.a.ip(&["route", "show", dst]).stdout);

    // noprefixroute: no route for the subnet (and without it, one: the check can fail).
    let off = [
        ("ip", "10.201.0.5"),
        ("nic", "vipa0"),
        ("cidr_netmask", "24"),
        ("arp_count", "0"),
    ];
    assert_eq!(ocf(&lab, a, "start", &off, &[]).status.code(), Some(0));
    assert!(
        routes("10.201.0.0/24").contains("vipa0"),
        "prefix route expected"
    );
    assert_eq!(ocf(&lab, a, "stop", &off, &[]).status.code(), Some(0));
    let mut on = off.to_vec();
    on.extend([
        ("noprefixroute", "true"),
        ("broadcast", "-"),
        ("flush_routes", "true"),
    ]);
    assert_eq!(ocf(&lab, a, "start", &on, &[]).status.code(), Some(0));
    let shown = VipLab::addrs(&lab.a, "vipa0");
    assert!(shown.contains("10.201.0.5/24 brd 10.201.0.0"), "{shown}");
    assert!(shown.contains("noprefixroute"), "{shown}");
    assert_eq!(
        routes("10.201.0.0/24").trim(),
        "",
        "noprefixroute added a route"
    );
    let stop = ocf(&lab, a, "stop", &on, &[]);
    assert_eq!(stop.status.code(), Some(0), "{stop:?}");
    assert!(
        text(&stop.stderr).contains("flushed the ipv4 route cache"),
        "{stop:?}"
    );
    assert!(!VipLab::addrs(&lab.a, "vipa0").contains("10.201.0.5"));

    // lvs_ipv6_addrlabel: the label policy comes and goes with the address.
    let v6 = [
        ("ip", VIP6),
        ("nic", "vipa0"),
        ("cidr_netmask", "64"),
        ("nodad", "true"),
        ("arp_count", "0"),
        ("lvs_ipv6_addrlabel", "true"),
        ("lvs_ipv6_addrlabel_value", "77"),
    ];
    let labels = || text(&lab.a.ip(&["addrlabel", "list"]).stdout);
    let policy = format!("prefix {VIP6}/128 label 77");
    assert_eq!(ocf(&lab, a, "start", &v6, &[]).status.code(), Some(0));
    assert!(labels().contains(&policy), "{}", labels());
    assert_eq!(ocf(&lab, a, "monitor", &v6, &[]).status.code(), Some(0));
    assert_eq!(ocf(&lab, a, "stop", &v6, &[]).status.code(), Some(0));
    assert!(!labels().contains(&policy), "{}", labels());

    // unique_clone_address: instance 2 of a globally unique clone serves ip + 2.
    let clone = [
        ("ip", VIP),
        ("unique_clone_address", "true"),
        ("arp_count", "0"),
    ];
    let meta = [
        ("clone_max", "3"),
        ("clone", "2"),
        ("globally_unique", "true"),
    ];
    assert_eq!(ocf(&lab, a, "start", &clone, &meta).status.code(), Some(0));
    assert!(VipLab::addrs(&lab.a, "vipa0").contains("10.200.1.102/24"));
    assert_eq!(ocf(&lab, a, "stop", &clone, &meta).status.code(), Some(0));
    assert!(!VipLab::addrs(&lab.a, "vipa0").contains("10.200.1.102"));
}

#[test]
fn network_namespace_does_the_work_inside_that_namespace() {
    if !root_or_skip("network_namespace_does_the_work_inside_that_namespace") {
        return;
    }
    let lab = VipLab::new();
    let params = [
        ("ip", VIP),
        ("network_namespace", lab.a.name()),
        ("arp_count", "1"),
    ];
    // Run from this process's namespace: the agent moves itself.
    let start = ocf(&lab, None, "start", &params, &[]);
    assert_eq!(start.status.code(), Some(0), "{start:?}");
    assert!(text(&start.stderr).contains("Using calculated nic for 10.200.1.100: vipa0"));
    assert!(VipLab::addrs(&lab.a, "vipa0").contains(&format!("{VIP}/24")));
    let here = Command::new("ip").args(["-o", "addr", "show"]).output();
    let here = here.map(|o| text(&o.stdout)).unwrap_or_default();
    assert!(!here.contains(VIP), "added in the wrong namespace: {here}");
    assert_eq!(
        ocf(&lab, None, "monitor", &params, &[]).status.code(),
        Some(0)
    );
    assert_eq!(ocf(&lab, None, "stop", &params, &[]).status.code(), Some(0));
    assert!(!VipLab::addrs(&lab.a, "vipa0").contains(VIP));
    assert_eq!(
        ocf(&lab, None, "monitor", &params, &[]).status.code(),
        Some(7)
    );

    // A namespace that does not exist: start fails (2), monitor 7, stop 0.
    let gone = [("ip", VIP), ("network_namespace", "mfsha-no-such-ns")];
    let start = ocf(&lab, None, "start", &gone, &[]);
    assert_eq!(start.status.code(), Some(2), "{start:?}");
    assert!(text(&start.stderr).contains("network namespace 'mfsha-no-such-ns' does not exist"));
    assert_eq!(
        ocf(&lab, None, "monitor", &gone, &[]).status.code(),
        Some(7)
    );
    assert_eq!(ocf(&lab, None, "stop", &gone, &[]).status.code(), Some(0));
}
