//! `mfsmaster` (also installed as `mfsmetalogger`, `mfschunkserver`, `mfscgiserv`): the MooseFS
//! daemons as resource agents (see `docs/agents/mfsmaster.md`).

fn main() {
    ha_agent::main(agents::moosefs::MooseFs::from_process())
}
