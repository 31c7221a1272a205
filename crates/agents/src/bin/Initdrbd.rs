//! `Initdrbd`: promote a DRBD resource and mount its filesystem (see `docs/agents/Initdrbd.md`).

#![allow(non_snake_case)]

fn main() {
    ha_agent::main(agents::initdrbd::Initdrbd)
}
