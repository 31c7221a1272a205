//! Fuzzes format detection and the parser it picks: any bytes, read lossily as UTF-8, must be
//! detected and parsed or rejected without a panic; a parsed document must convert to the
//! shared model and a health verdict.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let _ = drbd_status::detect(&input);
    if let Ok(parsed) = drbd_status::parse(&input) {
        let status = parsed.doc.to_status();
        let _ = status.health();
        let _ = status.unknown_values();
    }
});
