//! Fuzzes the drbd.conf reader of `mfs-ha check` and the questions asked of what it read
//! (hosts, device, disk, fencing, unknown keywords). Any bytes, read lossily as UTF-8, must
//! parse or be refused with a syntax error, without a panic or unbounded recursion.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mfs_ha::check::drbdconf;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(items) = drbdconf::parse(&text) else {
        return;
    };
    let common = items.iter().find(|i| i.keyword() == "common");
    for resource in items.iter().filter(|i| i.keyword() == "resource") {
        let _ = drbdconf::fencing(resource, common);
        for (names, host) in drbdconf::hosts(resource) {
            let _ = drbdconf::device(host, resource);
            let _ = drbdconf::disk(host, resource);
            let _ = drbdconf::unknown_in_resource(resource, &names);
        }
    }
});
