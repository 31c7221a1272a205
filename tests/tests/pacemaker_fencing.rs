//! The Pacemaker lab's fencing pieces, without a cluster: the fence agent
//! (scripts/lab/fence_mfsha_lab.py, fence-agents' stdin interface) against a power switch played
//! by the test on a unix socket, and DRBD's constraint-based fence-peer handler
//! (scripts/lab/pcmk-fence-peer.sh) against a CIB file (`CIB_file`, real cibadmin).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// True when `program` is on PATH; under `CI=true` its absence is a failure.
fn have_or_fail(program: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path).any(|d| d.join(program).is_file());
    if !found && std::env::var("CI").as_deref() == Ok("true") {
        panic!("{program} is required when CI=true");
    }
    found
}

/// A power switch for two boxes: records every request, answers as the lab's fence device.
struct Switch {
    _dir: tempfile::TempDir,
    socket: PathBuf,
    requests: Arc<Mutex<Vec<String>>>,
}

fn switch() -> Switch {
    let dir = testbins::scratch("mfsha-fence");
    let socket = dir.path().join("fence.sock");
    let listener = match UnixListener::bind(&socket) {
        Ok(l) => l,
        Err(e) => panic!("bind {}: {e}", socket.display()),
    };
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    std::thread::spawn(move || {
        let mut power = std::collections::HashMap::from([("mfs-master", "on"), ("mfs-bak", "on")]);
        for conn in listener.incoming().flatten() {
            let mut line = String::new();
            if BufReader::new(&conn).read_line(&mut line).is_err() {
                continue;
            }
            let line = line.trim().to_string();
            if let Ok(mut v) = seen.lock() {
                v.push(line.clone());
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            let reply = match words.as_slice() {
                [a @ ("on" | "off"), n @ ("mfs-master" | "mfs-bak")] => {
                    let state = if *a == "on" { "on" } else { "off" };
                    let key = if *n == "mfs-master" {
                        "mfs-master"
                    } else {
                        "mfs-bak"
                    };
                    power.insert(key, state);
                    format!("ok {state}")
                }
                ["status", n] => match power.get(n) {
                    Some(s) => format!("ok {s}"),
                    None => "error: unknown node".to_string(),
                },
                _ => "error: expected 'off|on|status mfs-master|mfs-bak'".to_string(),
            };
            let mut conn = conn;
            let _ = writeln!(conn, "{reply}");
        }
    });
    Switch {
        _dir: dir,
        socket,
        requests,
    }
}

fn agent(stdin: &str) -> Output {
    let mut child = match Command::new("python3")
        .arg(repo().join("scripts/lab/fence_mfsha_lab.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("python3: {e}"),
    };
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(stdin.as_bytes());
    }
    match child.wait_with_output() {
        Ok(o) => o,
        Err(e) => panic!("fence agent: {e}"),
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn fence_agent_speaks_the_fence_agents_interface() {
    if !have_or_fail("python3") {
        return;
    }
    let meta = agent("action=metadata\n");
    assert_eq!(meta.status.code(), Some(0));
    let xml = text(&meta.stdout);
    assert!(xml.starts_with("<?xml version=\"1.0\" ?>\n<resource-agent name=\"fence_mfsha_lab\""));
    for action in [
        "on", "off", "reboot", "status", "list", "monitor", "metadata",
    ] {
        assert!(
            xml.contains(&format!("<action name=\"{action}\"")),
            "{action}"
        );
    }

    let sw = switch();
    let sock = sw.socket.display().to_string();
    // Pacemaker's fencer: action, port (the node), nodename, plus the device's parameters.
    let off = agent(&format!(
        "action=off\nport=mfs-bak\nnodename=mfs-bak\nsocket={sock}\n"
    ));
    assert_eq!(off.status.code(), Some(0), "{}", text(&off.stderr));
    let status = agent(&format!("action=status\nplug=mfs-bak\nsocket={sock}\n"));
    assert_eq!(
        (status.status.code(), text(&status.stdout)),
        (Some(2), "Status: OFF\n".into())
    );
    let reboot = agent(&format!(
        "# a comment\naction=reboot\nplug=mfs-bak\nsocket={sock}\n"
    ));
    assert_eq!(reboot.status.code(), Some(0), "{}", text(&reboot.stderr));
    let status = agent(&format!("action=status\nplug=mfs-bak\nsocket={sock}\n"));
    assert_eq!(
        (status.status.code(), text(&status.stdout)),
        (Some(0), "Status: ON\n".into())
    );
    // The fencer validates a device with a placeholder plug.
    let valid = agent(&format!("action=validate-all\nport=node1\nsocket={sock}\n"));
    assert_eq!(valid.status.code(), Some(0), "{}", text(&valid.stderr));
    let list = agent(&format!("action=list\nsocket={sock}\n"));
    assert_eq!(text(&list.stdout), "mfs-master,\nmfs-bak,\n");
    let requests = sw.requests.lock().map(|v| v.clone()).unwrap_or_default();
    assert_eq!(
        requests,
        [
            "off mfs-bak",
            "status mfs-bak",
            "off mfs-bak",
            "on mfs-bak",
            "status mfs-bak"
        ]
    );
}

#[test]
fn fence_agent_refuses_bad_input_with_one_line() {
    if !have_or_fail("python3") {
        return;
    }
    let sw = switch();
    let sock = sw.socket.display().to_string();
    let cases = [
        (
            format!("action=off\nplug=mfs-other\nsocket={sock}\n"),
            "plug 'mfs-other' is not a lab node",
        ),
        (
            format!("action=explode\nplug=mfs-bak\nsocket={sock}\n"),
            "action 'explode' is not supported",
        ),
        (
            "action=off\nplug=mfs-bak\n".to_string(),
            "socket is not set",
        ),
        ("action off\n".to_string(), "is not name=value"),
        (
            "action=validate-all\nsocket=/nonexistent/fence.sock\n".to_string(),
            "is not a unix socket",
        ),
        (
            "action=off\nplug=mfs-bak\nsocket=/nonexistent/fence.sock\n".to_string(),
            "unreachable",
        ),
    ];
    for (stdin, why) in cases {
        let out = agent(&stdin);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stdin:?}");
        assert!(
            err.starts_with("fence_mfsha_lab: ") && err.contains(why),
            "{stdin:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert!(sw.requests.lock().map(|v| v.is_empty()).unwrap_or(false));
}

fn handler(cib: &Path, what: &str, resource: &str) -> Output {
    match Command::new("sh")
        .arg(repo().join("scripts/lab/pcmk-fence-peer.sh"))
        .args([what, "drbd-clone"])
        .env("CIB_file", cib)
        .env("DRBD_RESOURCE", resource)
        .env("PCMK_NODE", "mfs-master")
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!("handler: {e}"),
    }
}

fn constraints(cib: &Path) -> String {
    match Command::new("cibadmin")
        .args(["--query", "--scope", "constraints"])
        .env("CIB_file", cib)
        .output()
    {
        Ok(o) => text(&o.stdout),
        Err(e) => panic!("cibadmin: {e}"),
    }
}

#[test]
fn fence_peer_handler_places_and_removes_its_constraint() {
    if !have_or_fail("cibadmin") {
        return;
    }
    let dir = testbins::scratch("mfsha-cib");
    let cib = dir.path().join("cib.xml");
    let empty = Command::new("cibadmin").arg("--empty").output();
    let Ok(empty) = empty else {
        panic!("cibadmin --empty failed");
    };
    assert!(std::fs::write(&cib, &empty.stdout).is_ok());
    let clone = "<clone id=\"drbd-clone\"><meta_attributes id=\"drbd-clone-meta\"><nvpair id=\"drbd-clone-promotable\" name=\"promotable\" value=\"true\"/></meta_attributes><primitive id=\"drbd\" class=\"ocf\" provider=\"pacemaker\" type=\"Stateful\"/></clone>";
    let created = Command::new("cibadmin")
        .args(["--create", "--scope", "resources", "--xml-text", clone])
        .env("CIB_file", &cib)
        .status();
    assert!(created.map(|s| s.success()).unwrap_or(false));

    // fence-peer: exit 4 ("peer outdated"), twice leaves one constraint.
    for _ in 0..2 {
        let out = handler(&cib, "fence", "r0");
        assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    }
    let placed = constraints(&cib);
    assert_eq!(placed.matches("<rsc_location").count(), 1, "{placed}");
    assert!(
        placed.contains(
            "<rsc_location rsc=\"drbd-clone\" id=\"drbd-fence-by-handler-r0-drbd-clone\">"
        ),
        "{placed}"
    );
    assert!(
        placed.contains("role=\"Promoted\" score=\"-INFINITY\""),
        "{placed}"
    );
    assert!(
        placed.contains("attribute=\"#uname\" operation=\"ne\" value=\"mfs-master\""),
        "{placed}"
    );

    // after-resync-target: removed; removing again is fine.
    for _ in 0..2 {
        let out = handler(&cib, "unfence", "r0");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    assert!(!constraints(&cib).contains("rsc_location"));

    // A name that could smuggle XML is refused, and nothing is placed.
    let out = handler(&cib, "fence", "r0\"/><x");
    assert_eq!(out.status.code(), Some(1));
    assert!(!constraints(&cib).contains("rsc_location"));
}
