//! `VIPaddr`: a virtual IP address (see `docs/agents/VIPaddr.md`). Installed as `IPaddr`, it
//! serves heartbeat's `IPaddr::<ip>[/netmask[/nic[/broadcast]]]` unchanged.

#![cfg_attr(not(test), no_main)]
#![allow(non_snake_case)]

ha_agent::agent_main!(agents::vipaddr::VIPaddr);
