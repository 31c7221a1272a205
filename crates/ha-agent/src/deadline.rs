//! Every action has a deadline, because heartbeat has none and a hung script blocks failover.
//!
//! The budget comes from, in order: the agent's declared `timeout` parameter ([`timeout_param`]),
//! `OCF_RESKEY_CRM_meta_timeout` (ms; the smaller of the two wins when both are set), the
//! action's declared timeout, else 20 s. When Pacemaker set the budget it will SIGKILL us at
//! its end, so the action's deadline keeps a reserve and the watchdog fires inside it: the
//! agent exits with a reason instead of dying silently.

use std::time::Duration;

pub use hostops::Deadline;

use crate::action::Action;
use crate::env::Env;
use crate::params::Params;
use crate::spec::{AgentSpec, ParamKind, ParamSpec, Role};

/// The name of the parameter that, when an agent declares it, sets every action's budget.
pub const TIMEOUT_PARAM: &str = "timeout";

/// The `timeout` parameter as every agent declares it: a duration of 1 s to 24 h whose bare
/// number counts seconds, as when it was an integer (`timeout=90`, `90s`, `2min`).
pub fn timeout_param() -> ParamSpec {
    ParamSpec::duration(TIMEOUT_PARAM, "How long every action may take")
        .longdesc(
            "When set, the budget of every action (heartbeat has no timeouts of its own); a \
             shorter Pacemaker op timeout wins.",
        )
        .duration_range(Duration::from_secs(1), Duration::from_secs(86_400))
}

/// Used when nothing else gives a budget (Pacemaker's own default op timeout).
pub const FALLBACK: Duration = Duration::from_secs(20);

/// How long the watchdog waits past the deadline when nobody else will kill us.
pub const GRACE: Duration = Duration::from_millis(500);

/// Where an action's budget came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetSource {
    /// The agent's declared `timeout` parameter.
    Parameter,
    /// `OCF_RESKEY_CRM_meta_timeout`: Pacemaker kills the process group when it runs out.
    Pacemaker,
    /// The timeout the agent declares for this action.
    Declared,
    Fallback,
}

impl std::fmt::Display for BudgetSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BudgetSource::Parameter => "the timeout parameter",
            BudgetSource::Pacemaker => "Pacemaker's op timeout",
            BudgetSource::Declared => "the declared action timeout",
            BudgetSource::Fallback => "the default",
        })
    }
}

/// The time an action may take, and who set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub timeout: Duration,
    pub source: BudgetSource,
}

/// Offsets from the start of the call: when the action must be done, when the watchdog fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub deadline: Duration,
    pub watchdog: Duration,
}

/// Decides the budget of `action` (`role` is `OCF_RESKEY_CRM_meta_role`, for role monitors).
pub fn action_budget(
    spec: &AgentSpec,
    action: Action,
    role: Option<&str>,
    params: Option<&Params>,
    env: &Env,
) -> Budget {
    // `timeout` counts seconds as an integer, or is a duration (`90`, `2min`).
    let from_param = params
        .filter(|_| {
            spec.find_param(TIMEOUT_PARAM)
                .is_some_and(|p| matches!(p.kind, ParamKind::Integer | ParamKind::Duration(_)))
        })
        .and_then(|p| p.opt_duration(TIMEOUT_PARAM).ok().flatten())
        .filter(|d| !d.is_zero());
    let from_pacemaker = env
        .non_empty("OCF_RESKEY_CRM_meta_timeout")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&ms| ms > 0)
        .map(Duration::from_millis);
    match (from_param, from_pacemaker) {
        (Some(p), Some(m)) if m <= p => budget(m, BudgetSource::Pacemaker),
        (Some(p), _) => budget(p, BudgetSource::Parameter),
        (None, Some(m)) => budget(m, BudgetSource::Pacemaker),
        (None, None) => declared_timeout(spec, action, role)
            .map(|t| budget(t, BudgetSource::Declared))
            .unwrap_or(budget(FALLBACK, BudgetSource::Fallback)),
    }
}

fn budget(timeout: Duration, source: BudgetSource) -> Budget {
    Budget { timeout, source }
}

fn declared_timeout(spec: &AgentSpec, action: Action, role: Option<&str>) -> Option<Duration> {
    let find = |wanted: Action| {
        let candidates = spec.actions.iter().filter(|a| a.action == wanted);
        let by_role = candidates
            .clone()
            .find(|a| role.is_some() && a.role.map(Role::name) == role);
        by_role.or_else(|| candidates.clone().next())
    };
    let found = match action {
        Action::Status => find(Action::Status).or_else(|| find(Action::Monitor)),
        other => find(other),
    };
    found.map(|a| Duration::from_secs(u64::from(a.timeout_s)))
}

/// When Pacemaker holds the axe, finish `reserve` early and let the watchdog fire halfway
/// through the reserve; otherwise the deadline is the budget and the watchdog waits [`GRACE`].
pub fn plan(budget: &Budget) -> Plan {
    match budget.source {
        BudgetSource::Pacemaker => {
            let reserve = (budget.timeout / 10).min(Duration::from_secs(2));
            let deadline = budget.timeout.saturating_sub(reserve);
            Plan {
                deadline,
                watchdog: deadline.saturating_add(reserve / 2),
            }
        }
        _ => Plan {
            deadline: budget.timeout,
            watchdog: budget.timeout.saturating_add(GRACE),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{ActionSpec, ParamSpec};

    fn spec(with_timeout_param: bool) -> AgentSpec {
        let spec = AgentSpec::new("X", "1", "x")
            .param(ParamSpec::string("a", "a"))
            .action(ActionSpec::new(Action::Start, 240))
            .action(
                ActionSpec::new(Action::Monitor, 20)
                    .interval(20)
                    .role(Role::Unpromoted),
            )
            .action(
                ActionSpec::new(Action::Monitor, 25)
                    .interval(10)
                    .role(Role::Promoted),
            );
        match with_timeout_param {
            true => spec.param(ParamSpec::integer("timeout", "t")),
            false => spec,
        }
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn declared_action_timeout_is_the_default_budget() {
        let b = action_budget(&spec(false), Action::Start, None, None, &Env::default());
        assert_eq!(
            b,
            Budget {
                timeout: secs(240),
                source: BudgetSource::Declared
            }
        );
    }

    #[test]
    fn role_picks_the_matching_monitor() {
        let b = action_budget(
            &spec(false),
            Action::Monitor,
            Some("Promoted"),
            None,
            &Env::default(),
        );
        assert_eq!(b.timeout, secs(25));
        let b = action_budget(&spec(false), Action::Monitor, None, None, &Env::default());
        assert_eq!(b.timeout, secs(20));
    }

    #[test]
    fn status_falls_back_to_monitor_timeout() {
        let b = action_budget(&spec(false), Action::Status, None, None, &Env::default());
        assert_eq!(b.timeout, secs(20));
    }

    #[test]
    fn undeclared_action_gets_the_fallback() {
        let b = action_budget(&spec(false), Action::Stop, None, None, &Env::default());
        assert_eq!(
            b,
            Budget {
                timeout: FALLBACK,
                source: BudgetSource::Fallback
            }
        );
    }

    #[test]
    fn pacemaker_timeout_beats_declared_timeout() {
        let env = Env::default().with("OCF_RESKEY_CRM_meta_timeout", "90000");
        let b = action_budget(&spec(false), Action::Start, None, None, &env);
        assert_eq!(
            b,
            Budget {
                timeout: secs(90),
                source: BudgetSource::Pacemaker
            }
        );
    }

    #[test]
    fn timeout_parameter_beats_everything_but_a_shorter_pacemaker_timeout() {
        let params = Params::from_pairs(&[("timeout", "7")]);
        let b = action_budget(
            &spec(true),
            Action::Start,
            None,
            Some(&params),
            &Env::default(),
        );
        assert_eq!(
            b,
            Budget {
                timeout: secs(7),
                source: BudgetSource::Parameter
            }
        );
        let env = Env::default().with("OCF_RESKEY_CRM_meta_timeout", "20000");
        let b = action_budget(&spec(true), Action::Start, None, Some(&params), &env);
        assert_eq!(b.source, BudgetSource::Parameter);
        let env = Env::default().with("OCF_RESKEY_CRM_meta_timeout", "5000");
        let b = action_budget(&spec(true), Action::Start, None, Some(&params), &env);
        assert_eq!(
            b,
            Budget {
                timeout: secs(5),
                source: BudgetSource::Pacemaker
            }
        );
    }

    #[test]
    fn a_duration_timeout_parameter_takes_units() {
        let spec = spec(false).param(ParamSpec::duration("timeout", "t"));
        let params = Params::from_pairs(&[("timeout", "2min")]);
        let b = action_budget(&spec, Action::Start, None, Some(&params), &Env::default());
        assert_eq!((b.timeout, b.source), (secs(120), BudgetSource::Parameter));
    }

    #[test]
    fn timeout_parameter_counts_only_when_declared() {
        let params = Params::from_pairs(&[("timeout", "7")]);
        let b = action_budget(
            &spec(false),
            Action::Start,
            None,
            Some(&params),
            &Env::default(),
        );
        assert_eq!(b.source, BudgetSource::Declared);
    }

    #[test]
    fn garbage_pacemaker_timeout_is_ignored() {
        let env = Env::default().with("OCF_RESKEY_CRM_meta_timeout", "soon");
        let b = action_budget(&spec(false), Action::Start, None, None, &env);
        assert_eq!(b.source, BudgetSource::Declared);
    }

    #[test]
    fn plan_keeps_a_reserve_before_pacemaker_kills() {
        let p = plan(&Budget {
            timeout: secs(20),
            source: BudgetSource::Pacemaker,
        });
        assert_eq!(p.deadline, secs(18));
        assert_eq!(p.watchdog, secs(19));
        let p = plan(&Budget {
            timeout: secs(1),
            source: BudgetSource::Pacemaker,
        });
        assert_eq!(p.deadline, Duration::from_millis(900));
        assert_eq!(p.watchdog, Duration::from_millis(950));
    }

    #[test]
    fn plan_adds_grace_when_nobody_else_kills() {
        let p = plan(&Budget {
            timeout: secs(30),
            source: BudgetSource::Declared,
        });
        assert_eq!(p.deadline, secs(30));
        assert_eq!(p.watchdog, secs(30) + GRACE);
    }
}
