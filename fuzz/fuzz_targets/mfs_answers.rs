//! Fuzzes the readers of bytes a MooseFS master sends or writes: the INFO answer, the
//! chunkserver, session and metalogger lists, and the metadata file header. Any payload must be
//! read or refused (`None`) without a panic.
#![no_main]

use agents::mfsmaster::{metaver, probe};
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let _ = probe::parse_info(data, Duration::ZERO);
    let _ = probe::parse_sessions(data, data.first().copied().unwrap_or(0).into());
    let _ = probe::parse_metaloggers(data);
    // The list layout depends on the master's version; let the input pick it.
    let version = (
        u16::from(data.first().copied().unwrap_or(3) % 5),
        data.get(1).copied().unwrap_or(0),
        data.get(2).copied().unwrap_or(0),
    );
    let _ = probe::parse_chunkservers(data, version);
    let _ = metaver::parse_header(data);
    let _ = metaver::parse_id(data);
});
