//! `mfsmaster` (also installed as `mfsmetalogger`, `mfschunkserver`, `mfscgiserv`): the MooseFS
//! daemons as resource agents (see `docs/agents/mfsmaster.md`).

#![cfg_attr(not(test), no_main)]

ha_agent::agent_main!(agents::mfsmaster::Mfsmaster::from_process());
