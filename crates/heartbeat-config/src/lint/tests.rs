use super::*;
use crate::{hacf, haresources as hr};

const GOOD: &str = "logfile /var/log/ha.log\nudpport 694\nbcast eth1\nkeepalive 2\nwarntime 10\n\
deadtime 30\ninitdead 120\nauto_failback on\ncrm off\nnode mfs-master\nnode mfs-bak\n";

fn codes(d: &[Diagnostic]) -> Vec<(&'static str, Option<usize>, Severity)> {
    d.iter().map(|d| (d.code, d.line, d.severity)).collect()
}

#[test]
fn the_articles_timers_and_nodes_are_clean() {
    let d = hacf(&hacf::parse(GOOD), true, Some("mfs-master"));
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn deadtime_not_above_twice_keepalive_is_an_error_on_its_line() {
    let cf = GOOD.replace("deadtime 30", "deadtime 4");
    let d = hacf(&hacf::parse(&cf), true, Some("mfs-master"));
    let e = d
        .iter()
        .find(|d| d.code == "hacf-timers" && d.severity == Severity::Error);
    let e = e.expect("an error");
    assert_eq!(e.line, Some(6));
    assert!(
        e.what.contains("deadtime 4 s") && e.what.contains("keepalive 2 s"),
        "{e:?}"
    );
}

#[test]
fn milliseconds_and_bad_times() {
    assert_eq!(time_ms("200ms"), Some(200.0));
    assert_eq!(time_ms("2"), Some(2000.0));
    assert_eq!(time_ms("1.5"), Some(1500.0));
    assert_eq!(time_ms("3s"), Some(3000.0));
    assert_eq!(time_ms("x"), None);
    assert_eq!(time_ms("-1"), None);
    let cf = GOOD
        .replace("keepalive 2", "keepalive 200ms")
        .replace("deadtime 30", "deadtime 2");
    let cf = cf
        .replace("warntime 10", "warntime 1")
        .replace("initdead 120", "initdead 6");
    let d = hacf(&hacf::parse(&cf), true, Some("mfs-master"));
    assert!(codes(&d).iter().all(|c| c.2 == Severity::Warning), "{d:#?}");
    let d = hacf(
        &hacf::parse(&GOOD.replace("deadtime 30", "deadtime thirty")),
        true,
        None,
    );
    assert!(
        d.iter()
            .any(|d| d.line == Some(6) && d.what.contains("not a time")),
        "{d:#?}"
    );
}

#[test]
fn warntime_and_initdead_contradictions() {
    let cf = GOOD
        .replace("warntime 10", "warntime 30")
        .replace("initdead 120", "initdead 20");
    let d = hacf(&hacf::parse(&cf), true, None);
    assert!(
        d.iter().any(|d| d.line == Some(5)
            && d.severity == Severity::Warning
            && d.what.contains("warntime")),
        "{d:#?}"
    );
    assert!(
        d.iter().any(|d| d.line == Some(7)
            && d.severity == Severity::Error
            && d.what.contains("initdead")),
        "{d:#?}"
    );
    let missing = GOOD
        .replace("initdead 120\n", "")
        .replace("keepalive 2\n", "");
    let d = hacf(&hacf::parse(&missing), true, None);
    assert!(
        d.iter().any(|d| d.what.starts_with("initdead is not set")),
        "{d:#?}"
    );
    assert!(
        d.iter().any(|d| d.what.starts_with("keepalive is not set")),
        "{d:#?}"
    );
}

#[test]
fn no_medium_unset_failback_crm_on_and_foreign_node() {
    let cf = GOOD
        .replace("bcast eth1\n", "")
        .replace("auto_failback on\n", "")
        .replace("crm off", "crm respawn");
    let d = hacf(&hacf::parse(&cf), true, Some("mfs-other"));
    let c = codes(&d);
    for code in ["hacf-media", "hacf-crm", "hacf-nodes"] {
        assert!(
            c.iter().any(|x| x.0 == code && x.2 == Severity::Error),
            "{code}: {d:#?}"
        );
    }
    assert!(
        c.iter()
            .any(|x| x.0 == "hacf-auto-failback" && x.2 == Severity::Warning),
        "{d:#?}"
    );
    // crm on without haresources is a Pacemaker cluster: fine
    let d = hacf(
        &hacf::parse(&GOOD.replace("crm off", "crm on")),
        false,
        None,
    );
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn typo_directive_and_late_udpport() {
    let cf = GOOD
        .replace("deadtime 30", "deadtme 30")
        .replace("udpport 694\n", "")
        + "udpport 695\n";
    let d = hacf(&hacf::parse(&cf), true, None);
    let typo = d
        .iter()
        .find(|d| d.code == "hacf-directive")
        .expect("typo found");
    assert_eq!(typo.line, Some(5));
    assert!(typo.fix.contains("did you mean 'deadtime'"), "{typo:?}");
    assert!(
        d.iter().any(|d| d.code == "hacf-media"
            && d.line == Some(11)
            && d.severity == Severity::Warning),
        "{d:#?}"
    );
    // the article's order (bcast, then udpport 694) changes nothing
    let article = GOOD.replace("udpport 694\n", "") + "udpport 694\n";
    assert!(hacf(&hacf::parse(&article), true, None).is_empty());
}

#[test]
fn authkeys_rules() {
    assert!(authkeys("auth 1\n1 sha1 s3cret\n").is_empty());
    assert!(authkeys("# c\nauth 2\n1 crc\n2 md5 x # comment\n").is_empty());
    let d = authkeys("");
    assert_eq!(codes(&d), [("authkeys", None, Severity::Error)]);
    let d = authkeys("auth 1\n1 sha1\n");
    assert_eq!(codes(&d), [("authkeys", Some(2), Severity::Error)]);
    let d = authkeys("auth 3\n1 sha1 x\n");
    assert_eq!(codes(&d), [("authkeys", Some(1), Severity::Error)]);
    let d = authkeys("auth 1\n1 crc\n");
    assert_eq!(codes(&d), [("authkeys", Some(2), Severity::Warning)]);
    let d = authkeys("auth 1\n1 rot13 x\n");
    assert_eq!(codes(&d), [("authkeys", Some(2), Severity::Error)]);
}

#[test]
fn haresources_rules() {
    let nodes = vec!["mfs-master".to_string(), "mfs-bak".to_string()];
    let h = hr::parse("MFS-Master Initdrbd mfsmaster 192.168.8.210\n");
    assert!(haresources(&h, &nodes).is_empty());
    let text = "mfs-masterInitdrbd mfsmaster\nmfs-bak mfsmaster Initdrbd::r0::::/mnt\n\nmfs-bak mfsmaster x\n";
    let d = haresources(&hr::parse(text), &nodes);
    let node = d
        .iter()
        .find(|d| d.code == "haresources-node")
        .expect("bad node");
    assert_eq!(node.line, Some(1));
    assert!(node.fix.contains("`mfs-master Initdrbd`"), "{node:?}");
    let c = codes(&d);
    assert!(
        c.contains(&("haresources-args", Some(2), Severity::Error)),
        "{d:#?}"
    );
    assert!(
        c.contains(&("haresources-order", Some(2), Severity::Error)),
        "{d:#?}"
    );
    assert!(
        c.contains(&("haresources-key", Some(4), Severity::Error)),
        "{d:#?}"
    );
    assert_eq!(
        codes(&haresources(&hr::parse("# only\n"), &nodes)),
        [("haresources-empty", None, Severity::Error)]
    );
}

#[test]
fn edit_distance_is_exact_for_typos_and_cheap_for_blobs() {
    assert_eq!(edit_distance("keepalive", "keepalive"), 0);
    assert_eq!(edit_distance("deadtime", "deadtim"), 1);
    assert_eq!(edit_distance("ucast", "uacst"), 2);
    assert_eq!(edit_distance("node", "nodes!"), 2);
    let blob = "\0".repeat(100_000);
    let started = std::time::Instant::now();
    assert!(edit_distance("keepalive", &blob) > 2);
    let cf = hacf::parse(&format!("{blob} x\n").repeat(20));
    assert!(hacf(&cf, true, None).len() >= 20);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

proptest::proptest! {
    #[test]
    fn never_panics(text in "(\\PC|\n|#|::){0,300}", node in "\\PC{0,10}") {
        let cf = hacf::parse(&text);
        let _ = hacf(&cf, true, Some(&node));
        let _ = authkeys(&text);
        let _ = haresources(&hr::parse(&text), &cf.nodes());
        let _ = time_ms(&text);
    }
}
