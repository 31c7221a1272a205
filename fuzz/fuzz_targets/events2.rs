//! Fuzzes the parser of `drbdsetup events2` lines: any bytes, read lossily as UTF-8, must
//! parse or be rejected without a panic; a parsed document must convert to the shared model.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    if let Ok(parsed) = drbd_status::events2::parse(&input) {
        let _ = parsed.doc.to_status().health();
    }
});
