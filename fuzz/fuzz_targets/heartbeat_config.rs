//! Fuzzes the Heartbeat configuration readers and their lint: ha.cf, haresources and authkeys
//! as an operator may write them. Any bytes, read lossily as UTF-8, must parse and lint without
//! a panic.
#![no_main]

use heartbeat_config::{hacf, haresources, lint};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let cf = hacf::parse(&text);
    let nodes = cf.nodes();
    let _ = lint::hacf(&cf, true, nodes.first().map(String::as_str));
    let resources = haresources::parse(&text);
    let _ = lint::haresources(&resources, &nodes);
    let _ = lint::authkeys(&text);
    for word in text.split_whitespace().take(64) {
        let _ = lint::time_ms(word);
    }
});
