//! Fuzzes the decoding of rtnetlink datagrams (what the kernel answers to link, address and
//! route dumps): any bytes must decode into messages and skip notes without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let decoded = hostops::rtnl::decode(data);
    let _ = format!("{:?}", decoded.messages);
});
