//! Fuzzes the reader of /proc/self/mountinfo (kernel text with octal escapes): any bytes, read
//! lossily as UTF-8, must give mount entries without a panic, and the lookups on them too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let entries = hostops::mountinfo::parse(&text);
    let _ = hostops::mountinfo::at(&entries, Path::new("/"));
    let _ = hostops::mountinfo::below(&entries, Path::new("/mnt"));
    let _ = hostops::mountinfo::of_dev(&entries, hostops::devnum::makedev(147, 1));
    for e in &entries {
        let _ = hostops::mountinfo::at(&entries, &e.mount_point);
    }
});
