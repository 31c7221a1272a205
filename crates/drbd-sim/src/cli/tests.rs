//! The command lines end to end, in process: a temporary state directory, a fake host
//! (no devices, a fake clock), exact texts and exit codes.

use super::*;
use crate::engine::fake::FakeHost;
use crate::engine::Engine;
use crate::setup::{add_resource, ResourceSpec};
use crate::states::{Disk, Flavour};

const T0: u64 = 1_700_000_000_000;

struct Lab {
    _dir: tempfile::TempDir,
    store: Store,
    host: FakeHost,
}

impl Lab {
    fn new(flavour: Flavour, spec: impl FnOnce(&mut ResourceSpec)) -> Lab {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("tempdir: {e}"),
        };
        let store = Store::new(dir.path());
        let mut host = FakeHost {
            now: T0,
            ..FakeHost::default()
        };
        let mut s = ResourceSpec::simple("r0", 1, &["a", "b"]);
        s.image = "/srv/r0.img".to_string();
        spec(&mut s);
        let r = Engine::new(&store, &mut host).transact(|st, _, _| {
            st.flavour = flavour;
            add_resource(st, s)
        });
        assert!(matches!(r, Ok(Ok(()))), "{r:?}");
        Lab {
            _dir: dir,
            store,
            host,
        }
    }

    fn adm(&mut self, node: &str, args: &str) -> Output {
        let args: Vec<String> = args.split_whitespace().map(String::from).collect();
        let mut ctx = Ctx {
            store: &self.store,
            node: node.to_string(),
            host: &mut self.host,
        };
        adm::drbdadm(&args, &mut ctx)
    }

    fn setup(&mut self, node: &str, args: &str) -> Output {
        let args: Vec<String> = args.split_whitespace().map(String::from).collect();
        let mut ctx = Ctx {
            store: &self.store,
            node: node.to_string(),
            host: &mut self.host,
        };
        setup_cmd::drbdsetup(&args, &mut ctx, "drbdsetup")
    }

    fn sim(&mut self, f: impl FnOnce(&mut crate::model::SimState)) {
        let r = Engine::new(&self.store, &mut self.host).transact(|st, _, _| f(st));
        assert!(r.is_ok());
    }

    fn up_both(&mut self) {
        assert_eq!(self.adm("a", "up r0"), Output::default());
        assert_eq!(self.adm("b", "up r0"), Output::default());
    }
}

fn ok(stdout: &str) -> Output {
    Output::ok(stdout)
}

fn fail(code: i32, stderr: &str) -> Output {
    Output::fail(code, stderr)
}

#[test]
fn seed_failover_without_demotion_fails_with_exit_11() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    lab.up_both();
    assert_eq!(lab.adm("a", "primary r0"), Output::default());
    assert_eq!(
        lab.adm("b", "primary all"),
        fail(
            11,
            "1: State change failed: (-1) Multiple primaries not allowed by config\n\
             Command 'drbdsetup-84 primary 1' terminated with exit code 11\n"
        )
    );
    // The kernel retried once after (ping-timeout + 1) / 10 s.
    assert_eq!(lab.host.slept, vec![600]);
}

#[test]
fn seed_failover_in_83_flavour_prints_the_83_command_line() {
    let mut lab = Lab::new(Flavour::V83, |s| s.minor = 2);
    lab.up_both();
    assert_eq!(lab.adm("a", "primary r0").code, 0);
    assert_eq!(
        lab.adm("b", "primary all"),
        fail(
            11,
            "2: State change failed: (-1) Multiple primaries not allowed by config\n\
             Command 'drbdsetup 2 primary' terminated with exit code 11\n"
        )
    );
}

#[test]
fn failover_after_demotion_succeeds() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    lab.up_both();
    assert_eq!(lab.adm("a", "primary r0").code, 0);
    assert_eq!(lab.adm("a", "secondary r0"), Output::default());
    assert_eq!(lab.adm("b", "primary r0"), Output::default());
    assert_eq!(lab.adm("b", "role r0"), ok("Primary/Secondary\n"));
    assert_eq!(lab.adm("a", "role r0"), ok("Secondary/Primary\n"));
}

#[test]
fn a_quick_demotion_is_caught_by_the_kernel_retry() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    lab.up_both();
    assert_eq!(lab.adm("a", "primary r0").code, 0);
    lab.sim(|st| {
        if let Some(n) = st
            .resources
            .get_mut("r0")
            .and_then(|r| r.node_state.get_mut("a"))
        {
            n.demote_at_ms = Some(T0 + 300);
        }
    });
    assert_eq!(lab.adm("b", "primary r0"), Output::default());
}

#[test]
fn a_slow_demotion_loses_the_race() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    lab.up_both();
    assert_eq!(lab.adm("a", "primary r0").code, 0);
    lab.sim(|st| {
        if let Some(n) = st
            .resources
            .get_mut("r0")
            .and_then(|r| r.node_state.get_mut("a"))
        {
            n.demote_at_ms = Some(T0 + 2_000);
        }
    });
    assert_eq!(lab.adm("b", "primary r0").code, 11);
}

#[test]
fn secondary_waits_for_a_slow_demotion() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    lab.up_both();
    assert_eq!(lab.adm("a", "primary r0").code, 0);
    lab.sim(|st| {
        if let Some(n) = st
            .resources
            .get_mut("r0")
            .and_then(|r| r.node_state.get_mut("a"))
        {
            n.demote_delay_ms = 1_500;
        }
    });
    assert_eq!(lab.adm("a", "secondary r0"), Output::default());
    assert_eq!(lab.host.slept, vec![1_500]);
    assert_eq!(lab.adm("a", "role r0"), ok("Secondary/Secondary\n"));
}

#[test]
fn promotion_without_up_to_date_data_exits_17() {
    let mut lab = Lab::new(Flavour::V84, |s| s.md_disk = Disk::Outdated);
    assert_eq!(lab.adm("a", "up r0").code, 0);
    assert_eq!(
        lab.adm("a", "primary r0"),
        fail(
            17,
            "1: State change failed: (-2) Need access to UpToDate data\n\
             Command 'drbdsetup-84 primary 1' terminated with exit code 17\n"
        )
    );
    assert_eq!(lab.adm("a", "dstate r0"), ok("Outdated/DUnknown\n"));
}

#[test]
fn demoting_a_held_device_fails_with_held_open() {
    let mut lab = Lab::new(Flavour::V84, |s| s.real_devices = true);
    lab.up_both();
    assert_eq!(lab.adm("a", "primary r0").code, 0);
    lab.host.open = true;
    assert_eq!(
        lab.adm("a", "secondary r0"),
        fail(
            11,
            "1: State change failed: (-12) Device is held open by someone\n\
             Command 'drbdsetup-84 secondary 1' terminated with exit code 11\n"
        )
    );
    assert_eq!(
        lab.adm("a", "down r0"),
        fail(
            11,
            "r0: State change failed: (-12) Device is held open by someone\n\
             Command 'drbdsetup-84 down r0' terminated with exit code 11\n"
        )
    );
    lab.host.open = false;
    assert_eq!(lab.adm("a", "secondary r0"), Output::default());
}

#[test]
fn set_open_declares_a_holder_without_devices() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    lab.up_both();
    assert_eq!(lab.adm("a", "primary r0").code, 0);
    lab.sim(|st| {
        if let Some(n) = st
            .resources
            .get_mut("r0")
            .and_then(|r| r.node_state.get_mut("a"))
        {
            n.forced_open = true;
        }
    });
    assert_eq!(lab.adm("a", "secondary r0").code, 11);
}

#[test]
fn devices_follow_role_read_only_while_secondary() {
    let mut lab = Lab::new(Flavour::V84, |s| {
        s.real_devices = true;
        s.device = "/sim/{node}/drbd{minor}".to_string();
    });
    lab.up_both();
    assert_eq!(lab.host.attached, vec!["/sim/a/drbd1", "/sim/b/drbd1"]);
    assert_eq!(lab.host.read_only.get("/sim/a/drbd1"), Some(&true));
    assert_eq!(lab.adm("a", "primary r0").code, 0);
    assert_eq!(lab.host.read_only.get("/sim/a/drbd1"), Some(&false));
    assert_eq!(lab.host.read_only.get("/sim/b/drbd1"), Some(&true));
    assert_eq!(lab.adm("a", "sh-dev r0"), ok("/sim/a/drbd1\n"));
    assert_eq!(lab.adm("a", "secondary r0").code, 0);
    assert_eq!(lab.adm("a", "down r0").code, 0);
    assert_eq!(lab.host.attached, vec!["/sim/b/drbd1"]);
}

#[test]
fn unknown_resource_is_not_defined_in_the_config() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    assert_eq!(
        lab.adm("a", "primary r9"),
        fail(1, "'r9' not defined in your config (for this host).\n")
    );
    let mut lab83 = Lab::new(Flavour::V83, |_| {});
    assert_eq!(lab83.adm("a", "role r9").code, 3);
}

#[test]
fn a_host_not_in_the_resource_is_ignored() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    assert_eq!(
        lab.adm("c", "up r0"),
        fail(
            1,
            "'r0' ignored, since this host (c) is not mentioned with an 'on' keyword.\n"
        )
    );
    assert_eq!(
        lab.adm("c", "up all"),
        fail(
            1,
            "WARN: no normal resources defined for this host (c)!?\n\
             Misspelled name of the local machine with the 'on' keyword ?\n"
        )
    );
}

#[test]
fn queries_on_a_down_resource_report_the_missing_minor() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    assert_eq!(
        lab.adm("a", "role r0"),
        fail(
            10,
            "1: Failure: (127) Device minor not allocated\n\
             additional info from kernel:\n\
             unknown minor\n\
             Command 'drbdsetup-84 role 1' terminated with exit code 10\n"
        )
    );
    // dstate falls back to drbdmeta, which reads the meta data.
    assert_eq!(lab.adm("a", "dstate r0"), ok("Consistent/DUnknown\n"));
    assert_eq!(
        lab.adm("a", "status r0"),
        fail(
            10,
            "r0: No such resource\nCommand 'drbdsetup-84 status r0' terminated with exit code 10\n"
        )
    );
    // Taking a resource down that is down is fine.
    assert_eq!(lab.adm("a", "down r0"), Output::default());
}

#[test]
fn one_line_queries_answer_like_drbd_84() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    assert_eq!(lab.adm("a", "up r0").code, 0);
    assert_eq!(lab.adm("a", "role r0"), ok("Secondary/Unknown\n"));
    assert_eq!(lab.adm("a", "cstate r0"), ok("WFConnection\n"));
    assert_eq!(lab.adm("a", "dstate r0"), ok("UpToDate/DUnknown\n"));
    assert_eq!(lab.adm("b", "up r0").code, 0);
    assert_eq!(lab.adm("a", "cstate r0"), ok("Connected\n"));
    assert_eq!(lab.adm("a", "sh-minor r0"), ok("1\n"));
    assert_eq!(lab.adm("a", "sh-resources"), ok("r0\n"));
    assert_eq!(lab.adm("b", "sh-ip r0"), ok("127.0.0.2\n"));
    assert_eq!(lab.adm("a", "sh-ll-dev r0"), ok("/srv/r0.img\n"));
}

#[test]
fn status_prints_the_84_emulation() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    lab.up_both();
    assert_eq!(lab.adm("a", "primary r0").code, 0);
    assert_eq!(
        lab.adm("a", "status"),
        ok("r0 role:Primary\n  disk:UpToDate\n  peer role:Secondary\n    replication:Established peer-disk:UpToDate\n\n")
    );
    assert_eq!(
        lab.adm("a", "status r0").stdout,
        lab.adm("a", "status all").stdout
    );
    let mut lab83 = Lab::new(Flavour::V83, |_| {});
    assert_eq!(
        lab83.adm("a", "status r0"),
        fail(3, "drbdadm: Unknown command 'status'\n")
    );
}

#[test]
fn overwrite_data_of_peer_promotes_an_initial_pair_and_syncs() {
    let mut lab = Lab::new(Flavour::V84, |s| {
        s.md_disk = Disk::Inconsistent;
        s.sync_rate_kib = 1024;
    });
    lab.up_both();
    assert_eq!(lab.adm("a", "primary r0").code, 17);
    assert_eq!(
        lab.adm("a", "-- --overwrite-data-of-peer primary all"),
        Output::default()
    );
    assert_eq!(lab.adm("a", "cstate r0"), ok("SyncSource\n"));
    assert_eq!(lab.adm("b", "dstate r0"), ok("Inconsistent/UpToDate\n"));
    lab.host.now += 64_000;
    assert_eq!(lab.adm("b", "dstate r0"), ok("UpToDate/UpToDate\n"));
}

#[test]
fn primary_force_is_the_same_as_overwrite_data_of_peer() {
    let mut lab = Lab::new(Flavour::V84, |s| s.md_disk = Disk::Inconsistent);
    assert_eq!(lab.adm("a", "up r0").code, 0);
    assert_eq!(lab.adm("a", "primary --force r0"), Output::default());
    assert_eq!(lab.adm("a", "role r0"), ok("Primary/Unknown\n"));
}

#[test]
fn dry_run_prints_the_drbdsetup_calls() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    assert_eq!(
        lab.adm("a", "-d primary --force r0"),
        ok("drbdsetup-84 primary 1 --force \n")
    );
    assert_eq!(
        lab.adm("a", "-d up r0"),
        ok("drbdsetup-84 new-resource r0 \ndrbdsetup-84 new-minor r0 1 0 \ndrbdsetup-84 attach 1 /srv/r0.img /srv/r0.img internal \ndrbdsetup-84 connect r0 ipv4:127.0.0.1:7789 ipv4:127.0.0.2:7789 \n")
    );
    assert_eq!(lab.adm("a", "role r0").code, 10);
    // The caller's own address comes first.
    assert_eq!(
        lab.adm("b", "-d connect r0"),
        ok("drbdsetup-84 connect r0 ipv4:127.0.0.2:7789 ipv4:127.0.0.1:7789 \n")
    );
}

#[test]
fn up_twice_reports_attach_and_connect_failures() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    lab.up_both();
    assert_eq!(
        lab.adm("a", "up r0"),
        fail(
            1,
            "1: Failure: (124) Device is attached to a disk (use detach first)\n\
             Command 'drbdsetup-84 attach 1 /srv/r0.img /srv/r0.img internal' terminated with exit code 10\n\
             r0: Failure: (125) Device has a net-config (use disconnect first)\n\
             Command 'drbdsetup-84 connect r0 ipv4:127.0.0.1:7789 ipv4:127.0.0.2:7789' terminated with exit code 10\n"
        )
    );
    // adjust only adds what is missing.
    assert_eq!(lab.adm("a", "adjust r0"), Output::default());
    assert_eq!(lab.adm("a", "disconnect r0"), Output::default());
    assert_eq!(lab.adm("a", "cstate r0"), ok("StandAlone\n"));
    assert_eq!(lab.adm("a", "adjust r0"), Output::default());
    assert_eq!(lab.adm("a", "cstate r0"), ok("Connected\n"));
}

#[test]
fn outdate_behaves_like_adm_outdate() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    lab.up_both();
    // Connected: drbdsetup refuses quietly, drbdmeta refuses a configured device.
    assert_eq!(
        lab.adm("b", "outdate r0"),
        fail(
            20,
            "Device '1' is configured!\n\
             Command 'drbdmeta 1 v08 /srv/r0.img internal outdate' terminated with exit code 20\n"
        )
    );
    assert_eq!(lab.adm("a", "primary r0").code, 0);
    assert_eq!(lab.adm("a", "disconnect r0").code, 0);
    // A disconnected Primary cannot be outdated: 17, silently.
    assert_eq!(lab.adm("a", "outdate r0"), fail(17, ""));
    assert_eq!(lab.adm("b", "outdate r0"), Output::default());
    assert_eq!(lab.adm("b", "dstate r0"), ok("Outdated/DUnknown\n"));
    // Down: drbdmeta outdates the meta data.
    assert_eq!(lab.adm("b", "down r0").code, 0);
    assert_eq!(lab.adm("b", "outdate r0"), Output::default());
}

#[test]
fn split_brain_then_discard_my_data() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    lab.up_both();
    lab.sim(|st| {
        let _ = crate::ops::split_brain(st, "r0");
    });
    assert_eq!(lab.adm("a", "cstate r0"), ok("StandAlone\n"));
    assert_eq!(lab.adm("b", "cstate r0"), ok("StandAlone\n"));
    assert_eq!(
        lab.adm("b", "connect --discard-my-data r0"),
        Output::default()
    );
    assert_eq!(lab.adm("a", "connect r0"), Output::default());
    assert_eq!(lab.adm("b", "cstate r0"), ok("Connected\n"));
}

#[test]
fn create_md_resets_the_meta_data_of_a_down_node() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    assert_eq!(
        lab.adm("a", "create-md r0"),
        ok("Writing meta data...\nNew drbd meta data block successfully created.\n")
    );
    assert_eq!(lab.adm("a", "dstate r0"), ok("Inconsistent/DUnknown\n"));
    assert_eq!(lab.adm("a", "up r0").code, 0);
    assert_eq!(lab.adm("a", "create-md r0").code, 20);
}

#[test]
fn drbdsetup_accepts_both_argument_orders() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    lab.up_both();
    assert_eq!(lab.setup("a", "/dev/drbd1 primary -o"), Output::default());
    assert_eq!(lab.setup("a", "role 1"), ok("Primary/Secondary\n"));
    assert_eq!(
        lab.setup("b", "primary 1"),
        fail(
            11,
            "1: State change failed: (-1) Multiple primaries not allowed by config\n"
        )
    );
    assert_eq!(
        lab.setup("b", "role 7"),
        fail(
            10,
            "7: Failure: (127) Device minor not allocated\nadditional info from kernel:\nunknown minor\n"
        )
    );
}

#[test]
fn drbdsetup_84_rejects_json_like_drbd_utils() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    lab.up_both();
    assert_eq!(
        lab.setup("a", "status --json"),
        fail(20, "drbdsetup: unrecognized option '--json'\n")
    );
}

#[test]
fn drbdsetup_9_prints_json_and_events2() {
    let mut lab = Lab::new(Flavour::V9, |_| {});
    lab.up_both();
    let json = lab.setup("a", "status r0 --json");
    assert_eq!(json.code, 0);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap_or_default();
    assert_eq!(v[0]["connections"][0]["name"], "b");
    let ev = lab.setup("a", "events2 --now r0");
    assert!(ev.stdout.ends_with("exists -\n"), "{}", ev.stdout);
    assert_eq!(lab.adm("a", "role r0"), ok("Secondary\n"));
    // wrap_printf() of drbd-utils >= 9.32 starts a line at column -1, so after a one-letter
    // connection name the column is 0 again and the next token is indented as a new line.
    assert_eq!(
        lab.adm("a", "status r0"),
        ok("r0 role:Secondary\n  disk:UpToDate\n  b      role:Secondary\n    peer-disk:UpToDate\n\n")
    );
}

#[test]
fn drbdsetup_sh_status_and_events2_for_84() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    lab.up_both();
    let sh = lab.setup("a", "sh-status 1");
    assert!(
        sh.stdout.starts_with("_minor=1\n_res_name=r0\n"),
        "{}",
        sh.stdout
    );
    let ev = lab.setup("b", "events2 --now all");
    assert!(
        ev.stdout
            .contains("conn-name:peer connection:Connected role:Secondary\n"),
        "{}",
        ev.stdout
    );
    let adm_sh = lab.adm("a", "sh-status");
    assert!(adm_sh
        .stdout
        .starts_with("_drbd_version=9.22.0\n_drbd_api=1\n_config_file="));
    assert!(adm_sh.stdout.contains("_conf_res_name=r0\n"));
}

#[test]
fn proc_files_follow_every_change() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    lab.up_both();
    assert_eq!(lab.adm("a", "primary r0").code, 0);
    let text = std::fs::read_to_string(lab.store.proc_path("b")).unwrap_or_default();
    assert!(
        text.contains(" 1: cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate C r-----\n"),
        "{text}"
    );
}

#[test]
fn program_is_chosen_by_argv0() {
    assert_eq!(program_of("/usr/sbin/drbdadm"), Program::Drbdadm);
    assert_eq!(program_of("drbdsetup"), Program::Drbdsetup);
    assert_eq!(program_of("/lib/drbd/drbdsetup-84"), Program::Drbdsetup);
    assert_eq!(program_of("drbd-sim"), Program::Sim);
    assert_eq!(program_of(""), Program::Sim);
}

#[test]
fn unknown_drbdadm_command_and_option() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    assert_eq!(
        lab.adm("a", "frobnicate r0"),
        fail(1, "drbdadm: Unknown command 'frobnicate'\n")
    );
    assert_eq!(lab.adm("a", "").code, 1);
    assert_eq!(lab.adm("a", "primary").code, 1);
    assert_eq!(lab.adm("a", "--bogus role r0").code, 1);
}

mod arbitrary {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;

    const WORDS: &[&str] = &[
        "primary",
        "secondary",
        "role",
        "cstate",
        "dstate",
        "status",
        "up",
        "down",
        "connect",
        "disconnect",
        "outdate",
        "adjust",
        "create-md",
        "sh-dev",
        "sh-status",
        "events2",
        "sh-minor",
        "r0",
        "r9",
        "all",
        "1",
        "7",
        "/dev/drbd1",
        "minor-1",
        "--",
        "--force",
        "-d",
        "--json",
        "--now",
        "-o",
        "--discard-my-data",
        "--overwrite-data-of-peer",
        "-x",
        "",
        "r0/0",
    ];

    fn exit_code_known(code: i32) -> bool {
        matches!(code, 0 | 1 | 3 | 5 | 10 | 11 | 16 | 17 | 20)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn arbitrary_command_lines_answer_with_known_exit_codes(
            words in proptest::collection::vec(select(WORDS), 0..6),
            node in select(&["a", "b", "c"][..]),
            up in any::<bool>(),
        ) {
            let mut lab = Lab::new(Flavour::V84, |_| {});
            if up {
                lab.up_both();
            }
            let line = words.join(" ");
            let adm = lab.adm(node, &line);
            prop_assert!(exit_code_known(adm.code), "drbdadm {line}: {adm:?}");
            let setup = lab.setup(node, &line);
            prop_assert!(exit_code_known(setup.code), "drbdsetup {line}: {setup:?}");
        }
    }
}

mod fencing {
    //! The fence-peer handler: when promotion runs it, what its exit code does, I/O frozen.
    use super::*;
    use crate::states::Fencing;

    const PEER_NOT_OUTDATED: &str =
        "1: State change failed: (-7) Refusing to be Primary while peer is not outdated\n\
         Command 'drbdsetup-84 primary 1' terminated with exit code 11\n";

    /// a was Primary and died (its DRBD down); b is left WFConnection with the peer unknown.
    fn peer_died(fencing: Fencing, handler: &[&str], exit: Option<i32>) -> Lab {
        let mut lab = Lab::new(Flavour::V84, |s| {
            s.fencing = fencing;
            s.fence_peer = handler.iter().map(|w| w.to_string()).collect();
            s.addresses.insert("a".into(), "10.0.0.1:7789".into());
        });
        lab.host.handler_exit = exit;
        lab.up_both();
        assert_eq!(lab.adm("a", "primary r0"), Output::default());
        assert_eq!(lab.adm("a", "secondary r0"), Output::default());
        assert_eq!(lab.adm("a", "down r0"), Output::default());
        assert_eq!(lab.adm("b", "cstate r0"), ok("WFConnection\n"));
        lab
    }

    fn kernel_log(lab: &Lab, node: &str) -> String {
        std::fs::read_to_string(lab.store.kernel_log_path(node)).unwrap_or_default()
    }

    #[test]
    fn a_stonithed_peer_counts_as_outdated_and_the_promotion_goes_through() {
        let mut lab = peer_died(
            Fencing::ResourceAndStonith,
            &["/usr/lib/fence", "--x"],
            Some(7),
        );
        assert_eq!(lab.adm("b", "primary r0"), Output::default());
        assert_eq!(lab.adm("b", "dstate r0"), ok("UpToDate/Outdated\n"));
        assert_eq!(lab.host.handler_runs.len(), 1);
        let (argv, env) = &lab.host.handler_runs[0];
        assert_eq!(argv, &["/usr/lib/fence", "--x"]);
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("DRBD_RESOURCE"), Some("r0"));
        assert_eq!(get("DRBD_MINOR"), Some("1"));
        assert_eq!(get("DRBD_PEER"), Some("a"));
        assert_eq!(get("DRBD_PEERS"), Some("a"));
        assert_eq!(get("DRBD_PEER_ADDRESS"), Some("10.0.0.1"));
        assert_eq!(get("DRBD_PEER_AF"), Some("ipv4"));
        let log = kernel_log(&lab, "b");
        assert!(
            log.contains("drbd r0: fence-peer helper returned 7 (peer was stonithed)"),
            "{log}"
        );
        // Outdated peer known: a second promotion (after a demotion) does not ask again.
        assert_eq!(lab.adm("b", "secondary r0"), Output::default());
        assert_eq!(lab.adm("b", "primary r0"), Output::default());
        assert_eq!(lab.host.handler_runs.len(), 1);
    }

    #[test]
    fn a_broken_handler_leaves_the_promotion_refused() {
        for exit in [Some(1), Some(0), Some(9), None] {
            let mut lab = peer_died(Fencing::ResourceAndStonith, &["/fence"], exit);
            assert_eq!(
                lab.adm("b", "primary r0"),
                fail(11, PEER_NOT_OUTDATED),
                "{exit:?}"
            );
            assert_eq!(lab.adm("b", "role r0"), ok("Secondary/Unknown\n"));
            let shown = exit.unwrap_or(0);
            let log = kernel_log(&lab, "b");
            assert!(
                log.contains(&format!("fence-peer helper broken, returned {shown}")),
                "{log}"
            );
        }
    }

    #[test]
    fn peer_fenced_and_peer_inconsistent_allow_the_promotion() {
        for (exit, pdsk) in [(4, "Outdated"), (3, "Inconsistent"), (5, "Outdated")] {
            let mut lab = peer_died(Fencing::ResourceOnly, &["/fence"], Some(exit));
            assert_eq!(lab.adm("b", "primary r0"), Output::default(), "exit {exit}");
            assert_eq!(lab.adm("b", "dstate r0"), ok(&format!("UpToDate/{pdsk}\n")));
        }
    }

    #[test]
    fn peer_active_outdates_the_local_disk() {
        let mut lab = peer_died(Fencing::ResourceOnly, &["/fence"], Some(6));
        assert_eq!(
            lab.adm("b", "primary r0"),
            fail(
                17,
                "1: State change failed: (-2) Need access to UpToDate data\n\
                 Command 'drbdsetup-84 primary 1' terminated with exit code 17\n"
            )
        );
        assert_eq!(lab.adm("b", "dstate r0"), ok("Outdated/DUnknown\n"));
        assert!(kernel_log(&lab, "b").contains("Peer is primary, outdating myself."));
    }

    #[test]
    fn without_a_handler_nothing_runs_and_the_promotion_is_refused() {
        let mut lab = peer_died(Fencing::ResourceOnly, &[], Some(7));
        assert_eq!(lab.adm("b", "primary r0"), fail(11, PEER_NOT_OUTDATED));
        assert!(lab.host.handler_runs.is_empty());
    }

    #[test]
    fn dont_care_never_runs_the_handler() {
        let mut lab = peer_died(Fencing::DontCare, &["/fence"], Some(1));
        assert_eq!(lab.adm("b", "primary r0"), Output::default());
        assert!(lab.host.handler_runs.is_empty());
    }

    #[test]
    fn a_connected_peer_is_never_fenced() {
        let mut lab = Lab::new(Flavour::V84, |s| {
            s.fencing = Fencing::ResourceAndStonith;
            s.fence_peer = vec!["/fence".into()];
        });
        lab.host.handler_exit = Some(7);
        lab.up_both();
        assert_eq!(lab.adm("a", "primary r0"), Output::default());
        assert_eq!(lab.adm("b", "primary r0").code, 11);
        assert!(lab.host.handler_runs.is_empty());
    }

    #[test]
    fn resource_and_stonith_freezes_io_of_a_primary_that_lost_its_peer() {
        for (fencing, flag) in [
            (Fencing::ResourceAndStonith, " C s-----"),
            (Fencing::ResourceOnly, " C r-----"),
            (Fencing::DontCare, " C r-----"),
        ] {
            let mut lab = Lab::new(Flavour::V84, |s| s.fencing = fencing);
            lab.up_both();
            assert_eq!(lab.adm("a", "primary r0"), Output::default());
            lab.sim(|st| {
                if let Some(r) = st.resources.get_mut("r0") {
                    r.partitioned = true;
                }
            });
            let proc = crate::render::proc_drbd::render(
                &Engine::new(&lab.store, &mut lab.host).snapshot().unwrap(),
                "a",
            );
            assert!(
                proc.contains(&format!(
                    "cs:WFConnection ro:Primary/Unknown ds:UpToDate/DUnknown{flag}"
                )),
                "{fencing:?}: {proc}"
            );
            let frozen = fencing == Fencing::ResourceAndStonith;
            let events = lab.setup("a", "events2 r0 --now").stdout;
            let want = if frozen {
                "suspended:fencing"
            } else {
                "suspended:no"
            };
            assert!(events.contains(&format!("role:Primary {want}")), "{events}");
            let sh = lab.setup("a", "sh-status r0").stdout;
            let want = if frozen {
                "_flags_susp=1\n"
            } else {
                "_flags_susp=\n"
            };
            assert!(sh.contains(want), "{sh}");
            // Once the peer is known outdated, I/O resumes.
            lab.sim(|st| {
                let v = crate::fence::interpret(Some(7), fencing, Disk::UpToDate);
                crate::fence::apply(st, "r0", "a", &v);
            });
            let proc = crate::render::proc_drbd::render(
                &Engine::new(&lab.store, &mut lab.host).snapshot().unwrap(),
                "a",
            );
            assert!(
                proc.contains("ds:UpToDate/Outdated C r-----"),
                "{fencing:?}: {proc}"
            );
        }
    }

    #[test]
    fn fence_peer_control_runs_the_primary_s_handler_and_unfreezes_io() {
        let mut lab = Lab::new(Flavour::V84, |s| {
            s.fencing = Fencing::ResourceAndStonith;
            s.fence_peer = vec!["/fence".into()];
        });
        lab.up_both();
        assert_eq!(lab.adm("a", "primary r0"), Output::default());
        lab.sim(|st| {
            if let Some(r) = st.resources.get_mut("r0") {
                r.partitioned = true;
            }
        });
        lab.host.handler_exit = Some(1);
        let out = control::run_with(&["fence-peer", "a"], &lab.store, &mut lab.host);
        assert_eq!(
            out.map_err(|e| e.to_string()),
            Ok(ok("UpToDate/DUnknown (I/O frozen)\n")),
            "a broken handler leaves I/O frozen"
        );
        lab.host.handler_exit = Some(7);
        let out = control::run_with(&["fence-peer", "a"], &lab.store, &mut lab.host);
        assert_eq!(
            out.map_err(|e| e.to_string()),
            Ok(ok("UpToDate/Outdated\n"))
        );
        assert_eq!(lab.host.handler_runs.len(), 2);
        // Known outdated now: nothing left to fence.
        let again = control::run_with(&["fence-peer", "a"], &lab.store, &mut lab.host);
        assert!(again.is_err(), "{again:?}");
        assert_eq!(lab.host.handler_runs.len(), 2);
    }
}

#[test]
fn drbd9_refuses_promotion_without_quorum_even_forced() {
    let mut lab = Lab::new(Flavour::V9, |s| s.quorum = crate::states::Quorum::Majority);
    lab.up_both();
    let now = lab.host.now;
    lab.sim(|st| assert!(crate::ops::crash(st, "r0", "b", now).is_ok()));
    for args in ["primary r0", "primary --force r0"] {
        let out = lab.setup("a", args);
        assert_eq!(out.code, 11, "{args}: {out:?}");
        assert_eq!(
            out.stderr,
            "r0: State change failed: (-25) No quorum\n\
             additional info from kernel:\n\
             1 of 2 nodes visible, need 2 for quorum\n",
            "{args}"
        );
    }
    assert_eq!(lab.adm("a", "role r0"), ok("Secondary\n"));
}

#[test]
fn drbd9_peer_that_left_gracefully_keeps_the_primary_quorate() {
    let mut lab = Lab::new(Flavour::V9, |s| s.quorum = crate::states::Quorum::Majority);
    lab.up_both();
    assert_eq!(lab.adm("a", "primary r0").code, 0);
    assert_eq!(lab.adm("b", "down r0").code, 0);
    assert_eq!(lab.adm("a", "secondary r0").code, 0);
    assert_eq!(lab.adm("a", "primary r0").code, 0);
    let status = lab.adm("a", "status r0").stdout;
    assert!(!status.contains("quorum:no"), "{status}");
    // The leaver's own meta data says Outdated: it must not be promoted alone later.
    lab.sim(|st| {
        let md = st.resources["r0"].node_state["b"].md.disk;
        assert_eq!(md, Disk::Outdated);
    });
}

#[test]
fn a_crashed_peer_is_noticed_only_after_the_detection_delay() {
    let mut lab = Lab::new(Flavour::V9, |s| s.peer_loss_delay_ms = 3_000);
    lab.up_both();
    assert_eq!(lab.adm("a", "primary r0").code, 0);
    let now = lab.host.now;
    lab.sim(|st| assert!(crate::ops::crash(st, "r0", "a", now).is_ok()));
    lab.host.now += 1_000;
    let early = lab.setup("b", "primary r0");
    assert_eq!(
        (early.code, early.stderr.as_str()),
        (
            11,
            "r0: State change failed: (-1) Multiple primaries not allowed by config\n"
        )
    );
    lab.host.now = now + 2_999;
    assert_eq!(lab.setup("b", "cstate r0"), ok("Connected\n"));
    let status = lab.adm("b", "status r0").stdout;
    assert!(status.contains("  a      role:Primary\n"), "{status}");
    lab.host.now += 1;
    assert_eq!(lab.setup("b", "cstate r0"), ok("Connecting\n"));
    assert_eq!(lab.adm("b", "primary r0").code, 0);
    assert_eq!(lab.adm("b", "role r0"), ok("Primary\n"));
}

#[test]
fn a_crash_without_delay_is_noticed_at_once() {
    let mut lab = Lab::new(Flavour::V84, |_| {});
    lab.up_both();
    assert_eq!(lab.adm("a", "primary r0").code, 0);
    let now = lab.host.now;
    lab.sim(|st| assert!(crate::ops::crash(st, "r0", "a", now).is_ok()));
    assert_eq!(lab.adm("b", "cstate r0"), ok("WFConnection\n"));
}

#[test]
fn init_refuses_quorum_outside_drbd9_and_unknown_policies() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    };
    let path = dir.path().display().to_string();
    let init = |extra: &[&str]| {
        let mut args: Vec<String> = ["--dir", &path, "init", "--no-devices"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        control::run(&args)
    };
    let out = init(&["--quorum", "majority"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "drbd-sim: --quorum majority needs --flavour 9: DRBD 8.4 has no quorum (drop --quorum)\n"
    );
    let out = init(&["--flavour", "9", "--quorum", "most"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (1, "drbd-sim: quorum \"most\": use off, majority or all\n")
    );
    assert_eq!(init(&["--flavour", "9", "--quorum", "majority"]).code, 0);
}
