//! `Initdrbd`: promote a DRBD resource and mount its filesystem (see `docs/agents/Initdrbd.md`).

#![cfg_attr(not(test), no_main)]
#![allow(non_snake_case)]

ha_agent::agent_main!(agents::initdrbd::Initdrbd);
