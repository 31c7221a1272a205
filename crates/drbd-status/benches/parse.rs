//! Parse cost per status document, for each format: a typical small document (the two-node pair
//! of one resource) and a large one (64 minors; 16 resources × 3 peers; 10 000 events2 lines),
//! generated here. Reports time per document and throughput in bytes.
//!
//! Run: `cargo bench -p drbd-status --bench parse` (see docs/benchmarks.md).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::fmt::Write;
use std::hint::black_box;
use std::time::Duration;

const GIT_HASH: &str = "0123456789abcdef0123456789abcdef01234567";

/// `/proc/drbd` of DRBD 8.4 with `minors` devices; every eighth one is resyncing.
fn proc_drbd(minors: u32) -> String {
    let mut s = format!(
        "version: 8.4.11-1 (api:1/proto:86-101)\n\
         GIT-hash: {GIT_HASH} build by builder@node-a, 2020-01-02 03:04:05\n"
    );
    for m in 0..minors {
        if m % 8 == 5 {
            let _ = writeln!(
                s,
                "{m:2}: cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----\n    \
                 ns:570208 nr:0 dw:36 dr:575816 al:3 bm:35 lo:0 pe:2 ua:0 ap:0 ep:1 wo:f oos:1437472\n\
                 \t[====>...............] sync'ed: 28.4% (1437472/2007644)K\n\
                 \tfinish: 0:03:58 speed: 6,024 (5,876) K/sec"
            );
        } else {
            let _ = writeln!(
                s,
                "{m:2}: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n    \
                 ns:2007644 nr:0 dw:{} dr:48212 al:41 bm:3 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0",
                2418 + m
            );
        }
    }
    s
}

/// `drbdsetup status --verbose --statistics` of `resources` resources with `peers` peers each.
fn status_text(resources: u32, peers: u32) -> String {
    let mut s = String::new();
    for r in 0..resources {
        let _ = writeln!(
            s,
            "res{r} node-id:0 role:Primary suspended:no force-io-failures:no\n    \
             write-ordering:flush\n  \
             volume:0 minor:{r} disk:UpToDate client:no backing_dev:/dev/vg/res{r} quorum:yes open:yes\n      \
             size:2007644 read:48212 written:2009862 al-writes:41 bm-writes:3 upper-pending:0\n      \
             lower-pending:0 al-suspended:no blocked:no"
        );
        for p in 1..=peers {
            let repl = if p == 2 {
                "SyncSource peer-disk:Inconsistent peer-client:no done:28.40"
            } else {
                "Established peer-disk:UpToDate peer-client:no"
            };
            let _ = writeln!(
                s,
                "  node-{p} node-id:{p} connection:Connected role:Secondary tls:no congested:no\n      \
                 ap-in-flight:0 rs-in-flight:0\n    \
                 volume:0 replication:{repl} resync-suspended:no\n        \
                 received:0 sent:2009862 out-of-sync:0 pending:0 unacked:0"
            );
        }
        s.push('\n');
    }
    s
}

/// `drbdsetup status --json` of `resources` resources with `peers` peers each.
fn status_json(resources: u32, peers: u32) -> String {
    let mut objects = Vec::new();
    for r in 0..resources {
        let mut conns = Vec::new();
        for p in 1..=peers {
            let (repl, peer_disk) = if p == 2 {
                ("SyncSource", "Inconsistent")
            } else {
                ("Established", "UpToDate")
            };
            conns.push(format!(
                "    {{\n      \"peer-node-id\": {p},\n      \"name\": \"node-{p}\",\n      \
                 \"connection-state\": \"Connected\", \n      \"congested\": false,\n      \
                 \"peer-role\": \"Secondary\",\n      \"tls\": false,\n      \"ap-in-flight\": 0,\n      \
                 \"rs-in-flight\": 0,\n      \"paths\": [\n        {{\n          \"this_host\": {{\n            \
                 \"address\": \"10.0.0.1\",\n            \"port\": {port},\n            \"family\": \"ipv4\"\n          \
                 }},\n          \"remote_host\": {{\n            \"address\": \"10.0.0.{h}\",\n            \
                 \"port\": {port},\n            \"family\": \"ipv4\"\n          }},\n          \
                 \"established\": true\n        }} ],\n      \"peer_devices\": [\n        {{\n          \
                 \"volume\": 0,\n          \"replication-state\": \"{repl}\",\n          \
                 \"peer-disk-state\": \"{peer_disk}\",\n          \"peer-client\": false,\n          \
                 \"resync-suspended\": \"no\",\n          \"received\": 0,\n          \"sent\": 2009862,\n          \
                 \"out-of-sync\": 0,\n          \"pending\": 0,\n          \"unacked\": 0,\n          \
                 \"has-sync-details\": false,\n          \"has-online-verify-details\": false,\n          \
                 \"percent-in-sync\": 100.00\n        }} ]\n    }}",
                port = 7000 + r,
                h = p + 1
            ));
        }
        objects.push(format!(
            "{{\n  \"name\": \"res{r}\",\n  \"node-id\": 0,\n  \"role\": \"Primary\",\n  \
             \"suspended\": false,\n  \"force-io-failures\": false,\n  \"write-ordering\": \"flush\",\n  \
             \"devices\": [\n    {{\n      \"volume\": 0,\n      \"minor\": {r},\n      \
             \"disk-state\": \"UpToDate\",\n      \"client\": false,\n      \"open\": true,\n      \
             \"quorum\": true,\n      \"size\": 2007644,\n      \"read\": 48212,\n      \
             \"written\": 2009862,\n      \"al-writes\": 41,\n      \"bm-writes\": 3,\n      \
             \"upper-pending\": 0,\n      \"lower-pending\": 0\n    }} ],\n  \"connections\": [\n{}\n] }}",
            conns.join(",\n")
        ));
    }
    format!("[\n{}\n]\n\n", objects.join("\n,\n"))
}

/// `drbdsetup events2 --timestamps`: an initial dump of one resource with `peers` peers, then
/// resync progress and state changes until the document has `lines` lines.
fn events2(lines: usize, peers: u32) -> String {
    let ts = "2024-03-01T10:00:00.000000+00:00";
    let mut out = vec![
        format!("{ts} exists resource name:r0 role:Primary suspended:no force-io-failures:no may_promote:no promotion_score:10101"),
        format!("{ts} exists device name:r0 volume:0 minor:1 backing_dev:/dev/sdb disk:UpToDate client:no open:yes quorum:yes"),
    ];
    for p in 1..=peers {
        let id = format!("name:r0 peer-node-id:{p} conn-name:node-{p}");
        out.push(format!(
            "{ts} exists connection {id} connection:Connected role:Secondary"
        ));
        out.push(format!("{ts} exists peer-device {id} volume:0 replication:Established peer-disk:UpToDate peer-client:no resync-suspended:no"));
        out.push(format!(
            "{ts} exists path {id} local:ipv4:10.0.0.1:7789 peer:ipv4:10.0.0.{}:7789 established:yes",
            p + 1
        ));
    }
    out.push(format!("{ts} exists -"));
    let mut i = 0u64;
    while out.len() < lines {
        let p = i % u64::from(peers.max(1)) + 1;
        let id = format!("name:r0 peer-node-id:{p} conn-name:node-{p}");
        let line = match i % 5 {
            0 => format!(
                "change peer-device {id} volume:0 replication:SyncSource peer-disk:Inconsistent"
            ),
            1 | 2 => format!(
                "change peer-device {id} volume:0 done:{}.{:02}",
                i % 100,
                i % 97
            ),
            3 => format!(
                "change peer-device {id} volume:0 replication:Established peer-disk:UpToDate"
            ),
            _ => format!("change connection {id} role:Secondary"),
        };
        out.push(format!(
            "2024-03-01T10:{:02}:{:02}.{:06}+00:00 {line}",
            (i / 60) % 60,
            i % 60,
            i % 1_000_000
        ));
        i += 1;
    }
    out.truncate(lines);
    out.join("\n") + "\n"
}

/// One format's documents, small and large, by name.
struct Case {
    format: &'static str,
    parse: fn(&str) -> bool,
    docs: Vec<(&'static str, String)>,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            format: "proc_drbd",
            parse: |s| drbd_status::proc_drbd::parse(s).is_ok(),
            docs: vec![("1-minor", proc_drbd(1)), ("64-minors", proc_drbd(64))],
        },
        Case {
            format: "status_text",
            parse: |s| drbd_status::status_text::parse(s).is_ok(),
            docs: vec![
                ("1-res-1-peer", status_text(1, 1)),
                ("16-res-3-peers", status_text(16, 3)),
            ],
        },
        Case {
            format: "status_json",
            parse: |s| drbd_status::status_json::parse(s).is_ok(),
            docs: vec![
                ("1-res-1-peer", status_json(1, 1)),
                ("16-res-3-peers", status_json(16, 3)),
            ],
        },
        Case {
            format: "events2",
            parse: |s| drbd_status::events2::parse(s).is_ok(),
            docs: vec![
                ("initial-dump", events2(6, 1)),
                ("10k-lines", events2(10_000, 3)),
            ],
        },
    ]
}

fn parse_each_format(c: &mut Criterion) {
    for case in cases() {
        let mut group = c.benchmark_group(case.format);
        for (name, doc) in &case.docs {
            if !(case.parse)(doc) {
                eprintln!(
                    "warning: {}/{name} is rejected: this measures the error path",
                    case.format
                );
            }
            group.throughput(Throughput::Bytes(doc.len() as u64));
            group.bench_with_input(BenchmarkId::from_parameter(name), doc, |b, doc| {
                b.iter(|| (case.parse)(black_box(doc)))
            });
        }
        group.finish();
    }
}

/// Detection plus parsing plus conversion to the shared model: what an agent pays per status read.
fn detect_parse_convert(c: &mut Criterion) {
    let mut group = c.benchmark_group("detect_parse_to_status");
    for case in cases() {
        let Some((name, doc)) = case.docs.last() else {
            continue;
        };
        group.throughput(Throughput::Bytes(doc.len() as u64));
        let id = BenchmarkId::new(case.format, name);
        group.bench_with_input(id, doc, |b, doc| {
            b.iter(|| {
                drbd_status::parse(black_box(doc))
                    .map(|p| p.doc.to_status().resources.len())
                    .ok()
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = parse_each_format, detect_parse_convert
}
criterion_main!(benches);
