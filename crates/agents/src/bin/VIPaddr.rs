//! `VIPaddr`: a virtual IP address (see `docs/agents/VIPaddr.md`). Installed as `IPaddr`, it
//! serves heartbeat's `IPaddr::<ip>[/netmask[/nic[/broadcast]]]` unchanged.

#![allow(non_snake_case)]

fn main() {
    ha_agent::main(agents::vipaddr::VIPaddr)
}
