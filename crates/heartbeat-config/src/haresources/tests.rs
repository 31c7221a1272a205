use super::*;

fn res(word: &str) -> (String, Vec<String>, bool) {
    let r = Resource::parse(word);
    (r.script, r.args, r.bare_ip)
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn the_articles_line() {
    let h = parse("mfs-master Initdrbd mfsmaster 192.168.8.210\n");
    assert_eq!(h.groups.len(), 1);
    let g = &h.groups[0];
    assert_eq!((g.line, g.node.as_str()), (1, "mfs-master"));
    assert_eq!(g.key(), Some("Initdrbd"));
    let scripts: Vec<_> = g.resources.iter().map(|r| r.script.as_str()).collect();
    assert_eq!(scripts, ["Initdrbd", "mfsmaster", "IPaddr"]);
    assert_eq!(g.resources[2].args, s(&["192.168.8.210"]));
    assert!(g.resources[2].bare_ip);
}

#[test]
fn double_colon_arguments_split_and_empty_ones_vanish() {
    assert_eq!(
        res("Initdrbd::r0::/dev/drbd1::/usr/local/mfs"),
        (
            "Initdrbd".into(),
            s(&["r0", "/dev/drbd1", "/usr/local/mfs"]),
            false
        )
    );
    assert_eq!(res("a::x::::y"), ("a".into(), s(&["x", "y"]), false));
    assert_eq!(
        res("Filesystem::server:/data::/mnt"),
        ("Filesystem".into(), s(&["server:/data", "/mnt"]), false)
    );
    assert_eq!(res("mfsmaster"), ("mfsmaster".into(), vec![], false));
    // sed's leftmost match of `[^:]*::` (checked against GNU sed).
    assert_eq!(res("a:b::c"), ("a:b".into(), s(&["a:c"]), false));
}

#[test]
fn bare_ip_is_a_glob_not_an_address_check() {
    assert_eq!(
        res("10.0.0.1/24/eth0"),
        ("IPaddr".into(), s(&["10.0.0.1/24/eth0"]), true)
    );
    assert!(Resource::parse("1x.2.3.4").bare_ip);
    assert!(!Resource::parse("1.2.3").bare_ip);
    assert!(!Resource::parse("IPaddr::1.2.3.4").bare_ip);
    // resource2arg edits the word as written: the IP's own `::` part is taken off.
    assert_eq!(
        res("192.168.8.210::foo"),
        ("IPaddr".into(), s(&["foo"]), true)
    );
}

#[test]
fn comments_continuations_case_and_blank_lines() {
    let text =
        "# header\n\nMFS-Master Initdrbd \\\n   mfsmaster # comment\nnode2\tIPaddr::1.2.3.4\n";
    let h = parse(text);
    assert_eq!(h.groups.len(), 2);
    assert_eq!(h.groups[0].line, 3);
    assert_eq!(h.groups[0].node, "mfs-master");
    assert_eq!(h.groups[0].node_written, "MFS-Master");
    // sed strips the comment of the first physical line only: the joined line keeps its `#`.
    let scripts: Vec<_> = h.groups[0]
        .resources
        .iter()
        .map(|r| r.written.as_str())
        .collect();
    assert_eq!(scripts, ["Initdrbd", "mfsmaster", "#", "comment"]);
    assert_eq!(h.groups[1].line, 5);
    assert_eq!(h.groups_of("NODE2").count(), 1);
}

#[test]
fn argv_puts_the_action_last() {
    let r = Resource::parse("Initdrbd::r0");
    assert_eq!(
        r.argv(Path::new("/etc/ha.d/resource.d/Initdrbd"), "status"),
        s(&["/etc/ha.d/resource.d/Initdrbd", "r0", "status"])
    );
}

#[test]
fn locate_prefers_resource_d_and_needs_an_executable_file() {
    let dir = tempfile::tempdir().unwrap();
    let (rd, init) = (dir.path().join("resource.d"), dir.path().join("init.d"));
    std::fs::create_dir_all(&rd).unwrap();
    std::fs::create_dir_all(&init).unwrap();
    let write = |p: &Path, mode: u32| {
        std::fs::write(p, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    write(&rd.join("a"), 0o644);
    write(&init.join("a"), 0o755);
    assert_eq!(locate_script(&rd, &init, "a"), Some(init.join("a")));
    write(&rd.join("a"), 0o755);
    assert_eq!(locate_script(&rd, &init, "a"), Some(rd.join("a")));
    std::fs::create_dir(rd.join("d")).unwrap();
    assert_eq!(locate_script(&rd, &init, "d"), None);
    assert_eq!(locate_script(&rd, &init, "missing"), None);
    assert_eq!(locate_script(&rd, &init, "../init.d/a"), None);
}

proptest::proptest! {
    #[test]
    fn never_panics(text in "(\\PC|\n|\\\\|#|:){0,200}") {
        let h = parse(&text);
        for g in &h.groups {
            proptest::prop_assert!(!g.node.is_empty());
        }
    }
}
