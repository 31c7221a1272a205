//! No input makes any parser panic: arbitrary text, arbitrary bytes (read lossily as UTF-8) and
//! mangled variants of valid documents go through every parser, format detection, `to_status()`,
//! `health()` and JSON serialisation. Only "does not panic" is asserted; what each parser accepts
//! is pinned by its own unit tests and by the conformance test.

use drbd_status::{events2, proc_drbd, status_json, status_text, Status};
use proptest::prelude::*;

/// Valid documents of every format, written from the grammar in the DRBD status-format notes.
const VALID: &[&str] = &[
    // /proc/drbd 8.4: resync on the first minor, hole before minor 3, an unconfigured minor.
    "version: 8.4.11-1 (api:1/proto:86-101)\n\
     GIT-hash: 0123456789abcdef0123456789abcdef01234567 build by builder@node-a, 2020-01-02 03:04:05\n\
     \n 1: cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----\n\
     \x20   ns:570208 nr:0 dw:36 dr:575816 al:3 bm:35 lo:0 pe:2 ua:0 ap:0 ep:1 wo:f oos:1437472\n\
     \t[====>...............] sync'ed: 28.4% (1437472/2007644)K\n\
     \tfinish: 0:03:58 speed: 6,024 (5,876) want: 51,200 K/sec\n\
     \n 3: cs:Unconfigured\n",
    // /proc/drbd 8.3 with verify progress and lru lines, in-kernel build line.
    "version: 8.3.13 (api:88/proto:86-96)\nsrcversion: 0A1B2C3D4E5F60718293A4B \n\
     0: cs:VerifyS ro:Secondary/Secondary ds:UpToDate/UpToDate C r-----\n\
     \x20   ns:0 nr:0 dw:0 dr:4096 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:b oos:0\n\
     \t[=========>..........] verified: 50.1% (1024/2048)M\n\
     \tfinish: 0:00:10 speed: 104,857 (99,999 -- 100,000) want: 1024,000 K/sec (stalled)\n\
     \t 50% sector pos: 2097152/4194304 stop sector: 4194304\n\
     \tresync: used:0/61 hits:0 misses:0 starving:0 dirty:0 changed:0\n\
     \tact_log: used:0/257 hits:0 misses:0 starving:0 dirty:0 changed:0\n",
    // /proc/drbd 8.0 (st:, 4 flags) and StandAlone with blank protocol.
    "version: 8.0.16 (api:86/proto:86)\nGIT-hash: abc build by u@h, 2009-01-01 00:00:00\n\
     0: cs:StandAlone st:Primary/Unknown ds:UpToDate/DUnknown   r---\n\
     \x20   ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0\n\
     1: cs:Connected st:Secondary/Primary ds:UpToDate/UpToDate C r---\n\
     \x20   ns:1 nr:2 dw:3 dr:4 al:5 bm:6 lo:0 pe:0 ua:0 ap:0\n",
    // /proc/drbd 9: header only, and 9.2 compat mode.
    "version: 9.0.22-2 (api:2/proto:86-116)\n\
     GIT-hash: 719792f2cc1360c65c848ffdb66090959e27fde5 build by mockbuild@, 2020-04-05 03:16:50\n\
     Transports (api:16): tcp (9.0.22-2)\n",
    "version: 9.3.3 (api:2/proto:118-124) (compat 8.4)\nbuilt-in\n\
     \x201: cs:SyncTarget ro:Secondary/Primary ds:Inconsistent/UpToDate C r-----\n\
     \x20   ns:0 nr:8 dw:8 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:4096\n\
     \t[>....................] sync'ed:  0.1% (4096/4100)K\n\
     \tfinish: \u{221e} speed: -1,024 (0 -- 0) want: 0 K/sec\n\
     \t  0% sector pos: 0/8200\n",
    // drbdadm status, plain and verbose with statistics.
    "r0 role:Primary\n  disk:UpToDate\n  mfs-bak role:Secondary\n    peer-disk:UpToDate\n\n",
    "r0 node-id:0 role:Secondary suspended:no force-io-failures:no\n\
     \x20   write-ordering:flush\n\
     \x20 volume:0 minor:1 disk:Inconsistent client:no backing_dev:/dev/sdb quorum:yes open:no\n\
     \x20     size:2007644 read:0 written:570208 al-writes:0 bm-writes:35 upper-pending:0\n\
     \x20     lower-pending:0 al-suspended:no blocked:no\n\
     \x20 mfs-master node-id:1 connection:Connected role:Primary tls:no congested:no\n\
     \x20     ap-in-flight:0 rs-in-flight:0\n\
     \x20   volume:0 replication:SyncTarget peer-disk:UpToDate peer-client:no done:28.40\n\
     \x20       resync-suspended:no\n\
     \x20       received:570208 sent:0 out-of-sync:1437472 pending:0 unacked:0 dbdt1:5.88\n\
     \x20       eta:244\n\nr1 role:Secondary\n  disk:Diskless client:yes\n\
     \x20 peer connection:StandAlone\n\n",
    "# No currently configured DRBD found.\n",
    // drbdsetup status --json, with the bare nan of drbd-utils 9.4.
    "[\n{\n  \"name\": \"r0\",\n  \"node-id\": 0,\n  \"role\": \"Primary\",\n  \"suspended\": false,\n\
     \x20 \"write-ordering\": \"flush\",\n  \"devices\": [\n    {\n      \"volume\": 0,\n\
     \x20     \"minor\": 1,\n      \"disk-state\": \"UpToDate\",\n      \"client\": false,\n\
     \x20     \"quorum\": true,\n      \"size\": 2007644\n    } ],\n  \"connections\": [\n    {\n\
     \x20     \"peer-node-id\": 1,\n      \"name\": \"mfs-bak\",\n\
     \x20     \"connection-state\": \"Connected\", \n      \"congested\": false,\n\
     \x20     \"peer-role\": \"Secondary\",\n      \"peer_devices\": [\n        {\n\
     \x20         \"volume\": 0,\n          \"replication-state\": \"SyncSource\",\n\
     \x20         \"peer-disk-state\": \"Inconsistent\",\n          \"peer-client\": false,\n\
     \x20         \"resync-suspended\": \"no\",\n          \"out-of-sync\": 1437472,\n\
     \x20         \"has-sync-details\": true,\n          \"percent-in-sync\": 28.40,\n\
     \x20         \"estimated-seconds-to-finish\": nan,\n\
     \x20         \"percent-resync-done\": 28.40\n        } ]\n    } ]\n}\n]\n\n",
    "[\n]\n",
    // drbdsetup events2: initial dump, changes, --diff, timestamps, helper calls, skipped, colour.
    "exists resource name:r0 role:Secondary suspended:no force-io-failures:no may_promote:yes promotion_score:10101\n\
     exists device name:r0 volume:0 minor:1 backing_dev:/dev/sdb disk:UpToDate client:no open:no quorum:yes\n\
     exists connection name:r0 peer-node-id:1 conn-name:mfs-bak connection:Connected role:Secondary\n\
     exists peer-device name:r0 peer-node-id:1 conn-name:mfs-bak volume:0 replication:Established peer-disk:UpToDate peer-client:no resync-suspended:no\n\
     exists path name:r0 peer-node-id:1 conn-name:mfs-bak local:ipv4:192.168.8.200:7898 peer:ipv4:192.168.8.201:7898 established:yes\n\
     exists -\n\
     change resource name:r0 role:Primary may_promote:no\n\
     change peer-device name:r0 peer-node-id:1 conn-name:mfs-bak volume:0 replication:SyncSource peer-disk:Inconsistent\n\
     change peer-device name:r0 peer-node-id:1 conn-name:mfs-bak volume:0 done:41.67\n\
     call helper name:r0 peer-node-id:1 conn-name:mfs-bak volume:0 helper:before-resync-source\n\
     response helper name:r0 peer-node-id:1 conn-name:mfs-bak volume:0 helper:before-resync-source status:0\n\
     - skipped 3\n\
     rename resource name:r0 new_name:mfs\n\
     destroy connection name:mfs peer-node-id:1 conn-name:mfs-bak\n",
    "2019-05-07T13:50:23.973595-07:00 exists -\n\
     2019-05-07T13:50:24.000001-07:00 change connection name:r0 peer-node-id:1 conn-name:peer connection:Connected->StandAlone role:Secondary->Unknown\n\
     \x1b[1mchange\x1b[0m resource name:r0 role:\x1b[32mPrimary\x1b[0m\n\
     change device name:r0 volume:0 minor:1 disk:UNKNOWN->Outdated\n",
];

/// Feeds `input` to every parser and every consumer of a parsed document.
fn exercise(input: &str) {
    let _ = drbd_status::detect(input);
    if let Ok(p) = proc_drbd::parse(input) {
        consume(&p.doc, p.doc.to_status());
    }
    if let Ok(p) = status_text::parse(input) {
        consume(&p.doc, p.doc.to_status());
    }
    if let Ok(p) = status_json::parse(input) {
        consume(&p.doc, p.doc.to_status());
    }
    if let Ok(p) = events2::parse(input) {
        consume(&p.doc, p.doc.to_status());
    }
    match drbd_status::parse(input) {
        Ok(p) => {
            let _ = p.has_errors();
            let _ = p.diagnostics.iter().map(ToString::to_string).count();
            consume(&p.doc, p.doc.to_status());
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// Everything a caller does with a document: health verdicts, unknown values, JSON output.
fn consume(doc: &impl serde::Serialize, status: Status) {
    let health = status.health();
    let _ = health.level.exit_code();
    let _ = status.unknown_values();
    for r in &status.resources {
        let _ = (r.health(), r.is_primary(), r.peer_may_be_primary());
        let _ = (r.split_brain_suspected(), r.has_up_to_date_data());
        let _ = r.resync_in_progress();
    }
    let _ = serde_json::to_string(doc);
    let _ = serde_json::to_string(&status);
}

/// One way of mangling a valid document.
#[derive(Debug, Clone)]
enum Mangle {
    /// Keep only the first `n` bytes (may split a UTF-8 sequence).
    Truncate(usize),
    /// XOR the byte at `at` with `mask`.
    FlipByte { at: usize, mask: u8 },
    /// Insert raw bytes at `at`.
    Insert { at: usize, bytes: Vec<u8> },
    /// Swap two lines.
    SwapLines(usize, usize),
    /// Drop one line.
    DropLine(usize),
    /// Repeat one line.
    DuplicateLine(usize),
    /// Replace every run of spaces in one line with a tab or nothing.
    Respace { line: usize, with: &'static str },
}

fn mangle() -> impl Strategy<Value = Mangle> {
    let at = any::<prop::sample::Index>();
    prop_oneof![
        at.clone().prop_map(|i| Mangle::Truncate(i.index(4096))),
        (at.clone(), 1u8..=255).prop_map(|(i, mask)| Mangle::FlipByte {
            at: i.index(4096),
            mask
        }),
        (at.clone(), prop::collection::vec(any::<u8>(), 1..12)).prop_map(|(i, bytes)| {
            Mangle::Insert {
                at: i.index(4096),
                bytes,
            }
        }),
        (0usize..64, 0usize..64).prop_map(|(a, b)| Mangle::SwapLines(a, b)),
        (0usize..64).prop_map(Mangle::DropLine),
        (0usize..64).prop_map(Mangle::DuplicateLine),
        (0usize..64, prop::sample::select(vec!["\t", "", "  ", "\r"]))
            .prop_map(|(line, with)| Mangle::Respace { line, with }),
    ]
}

/// Applies the mangles in order; positions are taken modulo the current length.
fn apply(doc: &str, mangles: &[Mangle]) -> String {
    let mut bytes = doc.as_bytes().to_vec();
    for m in mangles {
        match m {
            Mangle::Truncate(n) => bytes.truncate(n % (bytes.len() + 1)),
            Mangle::FlipByte { at, mask } => {
                if !bytes.is_empty() {
                    let i = at % bytes.len();
                    bytes[i] ^= mask;
                }
            }
            Mangle::Insert { at, bytes: extra } => {
                let i = at % (bytes.len() + 1);
                bytes.splice(i..i, extra.iter().copied());
            }
            _ => bytes = by_lines(&bytes, m),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn by_lines(bytes: &[u8], m: &Mangle) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    let n = lines.len();
    match m {
        Mangle::SwapLines(a, b) => lines.swap(a % n, b % n),
        Mangle::DropLine(i) => {
            lines.remove(i % n);
        }
        Mangle::DuplicateLine(i) => {
            let line = lines[i % n].clone();
            lines.insert(i % n, line);
        }
        Mangle::Respace { line, with } => {
            let text = String::from_utf8_lossy(&lines[line % n]).into_owned();
            let respaced = text.split(' ').filter(|t| !t.is_empty());
            lines[line % n] = respaced.collect::<Vec<_>>().join(with).into_bytes();
        }
        _ => {}
    }
    lines.join(&b'\n')
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(input in any::<String>()) {
        exercise(&input);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn drbd_like_tokens_never_panic(
        tokens in prop::collection::vec(
            prop_oneof![
                Just("version:"), Just("1:"), Just("cs:"), Just("ro:Primary/"), Just("ds:"),
                Just("role:"), Just("disk:"), Just("peer-disk:"), Just("volume:"), Just("exists"),
                Just("change"), Just("-"), Just("->"), Just("["), Just("]"), Just("{"), Just("}"),
                Just("\""), Just(","), Just(":"), Just("nan"), Just("\n"), Just("\n  "),
                Just("\t"), Just("sync'ed:"), Just("%"), Just("(1/2)K"), Just("speed:"),
                Just("18446744073709551616"), Just("-1"), Just("\u{221e}"), Just("\x1b[1m"),
                Just("name:r0"), Just("peer-node-id:"), Just("conn-name:"), Just("done:"),
            ],
            0..200,
        ),
        seps in prop::collection::vec(prop_oneof![Just(""), Just(" "), Just("\n")], 200),
    ) {
        let mut input = String::new();
        for (t, s) in tokens.iter().zip(seps.iter()) {
            input.push_str(t);
            input.push_str(s);
        }
        exercise(&input);
    }

    #[test]
    fn mangled_valid_documents_never_panic(
        doc in prop::sample::select(VALID),
        mangles in prop::collection::vec(mangle(), 1..6),
    ) {
        exercise(&apply(doc, &mangles));
    }
}

#[test]
fn valid_documents_never_panic() {
    for doc in VALID {
        exercise(doc);
        exercise(&doc.replace('\n', "\r\n"));
        exercise(&format!("\u{feff}{doc}"));
        exercise(&format!("\n\n   \n{doc}"));
        exercise(&doc.repeat(3));
    }
}

#[test]
fn every_prefix_of_valid_documents_never_panics() {
    for doc in VALID {
        for (i, _) in doc.char_indices() {
            exercise(&doc[..i]);
        }
    }
}

#[test]
fn valid_documents_concatenated_across_formats_never_panic() {
    for a in VALID {
        for b in VALID {
            exercise(&format!("{a}{b}"));
        }
    }
}

#[test]
fn pathological_inputs_never_panic() {
    let deep = "[".repeat(100_000);
    let deep_objects = "[{\"devices\":".repeat(20_000);
    let long_line = format!("r0 role:Primary{}\n", " x:y".repeat(100_000));
    let many_minors: String = (0..5_000)
        .map(|m| format!("{m}: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n"))
        .collect();
    let inputs = [
        "",
        "\0",
        "\n\n\n",
        "\u{feff}",
        "version:",
        "version: \n",
        "99999999999999999999999: cs:Connected\n",
        "4294967296: cs:Unconfigured\n",
        " 1: cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----\n\
         \t[====>...] sync'ed: 999999999999999999999.9% (18446744073709551615/0)M\n\
         \tfinish: 99999999999:99:99 speed: 18,446,744,073,709,551,616 (-0) K/sec\n",
        "r0 role:Primary\n  volume:4294967296 disk:UpToDate\n",
        "r0 role:Primary\n  volume:-1 disk:UpToDate\n  p role:Secondary\n    volume:99999999999999999999 peer-disk:UpToDate done:1e309\n",
        "[{\"name\": \"r0\", \"devices\": [{\"volume\": 1e400, \"minor\": -1, \"size\": 18446744073709551616}]}]",
        "[{\"name\": nan, \"role\": nan}]\n",
        "[nan, nan, nan\n",
        "exists -\n- skipped 99999999999999999999999\n",
        "change peer-device name:r0 peer-node-id:-1 conn-name: volume:4294967296 done:nan\n",
        "\x1b[\x1b[\x1b[1;31mexists\x1b[\n",
        deep.as_str(),
        deep_objects.as_str(),
        long_line.as_str(),
        many_minors.as_str(),
    ];
    for input in inputs {
        exercise(input);
    }
}

#[test]
fn detect_never_panics_on_odd_first_lines() {
    for first in [
        ":",
        "1:",
        "\u{e9}:",
        "\u{1f600}:",
        "-",
        "- skipped",
        "0000-00-00T00:00:00",
        "[",
        "{",
        "\x1b[",
        " role:",
        "r0 role:",
        "# No",
        "\u{feff}\u{feff}version:",
        "\r\n",
    ] {
        let _ = drbd_status::detect(first);
        let _ = drbd_status::detect(&format!("{first}\n"));
        let _ = drbd_status::detect(&format!("\n {first} x:y z"));
        exercise(first);
    }
}
