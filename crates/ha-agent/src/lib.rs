//! The framework every mfs-ha resource agent stands on.
//!
//! An agent declares its parameters and actions once ([`AgentSpec`]) and implements
//! [`Agent`] with its domain logic only. [`main`] does the rest, for all three ways an agent
//! is called:
//!
//! * **OCF** (Pacemaker, ocf-tester): `Agent <action>` with `OCF_RESKEY_*`; OCF exit codes,
//!   probes, `OCF_CHECK_LEVEL`, exit reasons, `meta-data` generated from the spec.
//! * **Heartbeat v1** (haresources): `Agent [a1 a2 ...] start|stop|status`, arguments
//!   positional as in `Agent::a1::a2`; LSB codes; `status` prints exactly `running`/`stopped`.
//! * **Manual**: `Agent [name=value ...] start|stop|status [--json]` for people and tools.
//!
//! Around every action the framework sets a deadline and a watchdog, takes a per-instance
//! lock, logs like heartbeat's `ha_log`, and appends a line to the flight recorder.
//! See `docs/agent-framework.md` for operators and agent authors.
//!
//! ```no_run
//! use ha_agent::{Agent, AgentError, AgentSpec, Ctx, Health, ParamSpec};
//!
//! struct Mfsmaster;
//!
//! impl Agent for Mfsmaster {
//!     type Settings = String;
//!
//!     fn spec(&self) -> AgentSpec {
//!         AgentSpec::new("mfsmaster", "0.1.0", "MooseFS master server")
//!             .param(ParamSpec::string("config", "mfsmaster.cfg").default("/etc/mfs/mfsmaster.cfg"))
//!             .standard_actions()
//!     }
//!     fn settings(&self, ctx: &Ctx) -> Result<String, AgentError> {
//!         Ok(ctx.params().get_str("config")?.to_string())
//!     }
//!     fn start(&self, ctx: &Ctx, config: &String) -> Result<(), AgentError> {
//!         ctx.step("start daemon", || ctx.run(&["mfsmaster", "-c", config, "start"]))?;
//!         Ok(())
//!     }
//!     fn stop(&self, _ctx: &Ctx, _config: &String) -> Result<(), AgentError> {
//!         Ok(())
//!     }
//!     fn monitor(&self, _ctx: &Ctx, _config: &String, _level: u32) -> Result<Health, AgentError> {
//!         Ok(Health::Stopped)
//!     }
//! }
//!
//! fn main() {
//!     ha_agent::main(Mfsmaster)
//! }
//! ```

pub mod action;
pub mod agent;
pub mod config;
pub mod context;
pub mod deadline;
pub mod duration;
pub mod env;
mod framework;
mod help;
mod interrupt;
pub mod invocation;
pub mod lock;
pub mod log;
mod manpage;
mod markdown;
pub mod metadata;
pub mod outcome;
pub mod params;
pub mod record;
mod session;
pub mod spec;
pub mod start;
pub mod status;
mod watchdog;

pub use action::Action;
pub use agent::Agent;
pub use context::{Ctx, Notification};
pub use deadline::Deadline;
pub use duration::BareUnit;
pub use env::Env;
pub use framework::{main, run};
pub use hostops::command::{CommandError, Output};
pub use invocation::{decide_invocation, Invocation, Mode, UsageError};
pub use outcome::{AgentError, ErrorKind, Health, Outcome};
pub use params::Params;
pub use spec::{ActionSpec, AgentSpec, ParamKind, ParamSpec, RefusalDoc, Role};
