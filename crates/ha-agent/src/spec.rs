//! The one declaration of an agent: its parameters and actions.
//!
//! Meta-data XML ([`crate::metadata`]), Heartbeat positional parsing ([`crate::params`]),
//! `--help` ([`crate::help`]) and the Markdown page ([`crate::markdown`]) are all derived
//! from an [`AgentSpec`], so they cannot drift apart.

use crate::action::Action;

/// The type of a parameter value, as OCF meta-data names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    String,
    Integer,
    Boolean,
}

impl ParamKind {
    /// The OCF `content type` of this kind.
    pub fn ocf_name(self) -> &'static str {
        match self {
            ParamKind::String => "string",
            ParamKind::Integer => "integer",
            ParamKind::Boolean => "boolean",
        }
    }
}

/// One parameter of an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamSpec {
    pub name: String,
    pub kind: ParamKind,
    /// Applied when neither the caller nor the config file gives a value.
    pub default: Option<String>,
    pub required: bool,
    /// Two instances must not share this value (OCF `unique="1"`).
    pub unique: bool,
    /// 1-based position in Heartbeat's `Agent::a1::a2` form (`a1` is position 1).
    pub positional: Option<usize>,
    pub shortdesc: String,
    pub longdesc: String,
}

impl ParamSpec {
    /// A parameter with no default, optional, not unique and not positional.
    pub fn new(name: &str, kind: ParamKind, shortdesc: &str) -> ParamSpec {
        ParamSpec {
            name: name.to_string(),
            kind,
            default: None,
            required: false,
            unique: false,
            positional: None,
            shortdesc: shortdesc.to_string(),
            longdesc: shortdesc.to_string(),
        }
    }

    pub fn string(name: &str, shortdesc: &str) -> ParamSpec {
        ParamSpec::new(name, ParamKind::String, shortdesc)
    }

    pub fn integer(name: &str, shortdesc: &str) -> ParamSpec {
        ParamSpec::new(name, ParamKind::Integer, shortdesc)
    }

    pub fn boolean(name: &str, shortdesc: &str) -> ParamSpec {
        ParamSpec::new(name, ParamKind::Boolean, shortdesc)
    }

    pub fn default(mut self, value: &str) -> ParamSpec {
        self.default = Some(value.to_string());
        self
    }

    pub fn required(mut self) -> ParamSpec {
        self.required = true;
        self
    }

    pub fn unique(mut self) -> ParamSpec {
        self.unique = true;
        self
    }

    pub fn positional(mut self, position: usize) -> ParamSpec {
        self.positional = Some(position);
        self
    }

    pub fn longdesc(mut self, text: &str) -> ParamSpec {
        self.longdesc = text.to_string();
        self
    }
}

/// The role a monitor action is meant for (OCF 1.1 names only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Promoted,
    Unpromoted,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Promoted => "Promoted",
            Role::Unpromoted => "Unpromoted",
        }
    }
}

/// One advertised action with its advisory timings (whole seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionSpec {
    pub action: Action,
    pub timeout_s: u32,
    pub interval_s: Option<u32>,
    pub role: Option<Role>,
    pub depth: Option<u32>,
}

impl ActionSpec {
    pub fn new(action: Action, timeout_s: u32) -> ActionSpec {
        ActionSpec {
            action,
            timeout_s,
            interval_s: None,
            role: None,
            depth: None,
        }
    }

    pub fn interval(mut self, seconds: u32) -> ActionSpec {
        self.interval_s = Some(seconds);
        self
    }

    pub fn role(mut self, role: Role) -> ActionSpec {
        self.role = Some(role);
        self
    }

    pub fn depth(mut self, depth: u32) -> ActionSpec {
        self.depth = Some(depth);
        self
    }
}

/// Everything the framework needs to know about an agent, declared once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentSpec {
    /// The script name heartbeat and Pacemaker know it by (`Initdrbd`).
    pub name: String,
    /// The agent's own version (meta-data `version` attribute).
    pub version: String,
    pub shortdesc: String,
    pub longdesc: String,
    pub params: Vec<ParamSpec>,
    pub actions: Vec<ActionSpec>,
}

/// Names an agent may not use: heartbeat greps status output for them.
const STATUS_WORDS: [&str; 3] = ["running", "ok", "not"];

impl AgentSpec {
    pub fn new(name: &str, version: &str, shortdesc: &str) -> AgentSpec {
        AgentSpec {
            name: name.to_string(),
            version: version.to_string(),
            shortdesc: shortdesc.to_string(),
            longdesc: shortdesc.to_string(),
            params: Vec::new(),
            actions: Vec::new(),
        }
    }

    pub fn longdesc(mut self, text: &str) -> AgentSpec {
        self.longdesc = text.to_string();
        self
    }

    pub fn param(mut self, param: ParamSpec) -> AgentSpec {
        self.params.push(param);
        self
    }

    pub fn action(mut self, action: ActionSpec) -> AgentSpec {
        self.actions.push(action);
        self
    }

    /// start/stop 20 s, monitor 20 s every 10 s, meta-data 5 s, validate-all 20 s.
    pub fn standard_actions(self) -> AgentSpec {
        self.action(ActionSpec::new(Action::Start, 20))
            .action(ActionSpec::new(Action::Stop, 20))
            .action(ActionSpec::new(Action::Monitor, 20).interval(10).depth(0))
            .action(ActionSpec::new(Action::MetaData, 5))
            .action(ActionSpec::new(Action::ValidateAll, 20))
    }

    pub fn find_param(&self, name: &str) -> Option<&ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }

    /// Whether the agent advertises `action` (so it may be called).
    pub fn declares(&self, action: Action) -> bool {
        self.actions.iter().any(|a| a.action == action)
    }

    /// Parameters that take a Heartbeat position, in position order.
    pub fn positional_params(&self) -> Vec<&ParamSpec> {
        let mut list: Vec<&ParamSpec> = self
            .params
            .iter()
            .filter(|p| p.positional.is_some())
            .collect();
        list.sort_by_key(|p| p.positional);
        list
    }

    /// Every way this declaration breaks the OCF subset of ocf-pacemaker.md §1.7 or the
    /// framework's own rules; empty when the spec is sound. Agents pin this in a unit test.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        self.check_name(&mut problems);
        self.check_params(&mut problems);
        self.check_actions(&mut problems);
        problems
    }

    fn check_name(&self, problems: &mut Vec<String>) {
        if self.name.is_empty() || !self.name.chars().all(is_name_char) {
            problems.push(format!(
                "agent name '{}' must be non-empty ASCII letters, digits, '-' or '_'",
                self.name
            ));
        }
        let lower = self.name.to_ascii_lowercase();
        for word in STATUS_WORDS {
            if lower.contains(word) {
                problems.push(format!(
                    "agent name '{}' contains '{word}', which heartbeat's status grep would misread",
                    self.name
                ));
            }
        }
        if self.version.trim().is_empty() {
            problems.push("agent version is empty".to_string());
        }
        if self.shortdesc.trim().is_empty() || self.longdesc.trim().is_empty() {
            problems.push("agent shortdesc and longdesc must not be empty".to_string());
        }
    }

    fn check_params(&self, problems: &mut Vec<String>) {
        if self.params.is_empty() {
            problems.push("at least one parameter is required (metadata.rng)".to_string());
        }
        for (i, p) in self.params.iter().enumerate() {
            if p.name.is_empty()
                || !p
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                problems.push(format!(
                    "parameter name '{}' must be ASCII letters, digits or '_'",
                    p.name
                ));
            }
            if self.params.iter().skip(i + 1).any(|q| q.name == p.name) {
                problems.push(format!("parameter '{}' is declared twice", p.name));
            }
            if p.shortdesc.trim().is_empty() || p.longdesc.trim().is_empty() {
                problems.push(format!(
                    "parameter '{}' needs a shortdesc and a longdesc",
                    p.name
                ));
            }
            if p.required && p.default.is_some() {
                problems.push(format!(
                    "parameter '{}' is required but has a default; pick one",
                    p.name
                ));
            }
            if let Some(default) = &p.default {
                if let Err(e) = crate::params::check_kind(&p.name, p.kind, default) {
                    problems.push(format!("default of {e}"));
                }
            }
        }
        let positions: Vec<usize> = self
            .positional_params()
            .iter()
            .filter_map(|p| p.positional)
            .collect();
        let expected: Vec<usize> = (1..=positions.len()).collect();
        if positions != expected {
            problems.push(format!(
                "positional parameters must take positions 1..={} exactly once, got {positions:?}",
                positions.len()
            ));
        }
    }

    fn check_actions(&self, problems: &mut Vec<String>) {
        for required in [
            Action::Start,
            Action::Stop,
            Action::Monitor,
            Action::MetaData,
            Action::ValidateAll,
        ] {
            if !self.declares(required) {
                problems.push(format!("action '{}' must be declared", required.name()));
            }
        }
        if self.declares(Action::Promote) != self.declares(Action::Demote) {
            problems.push("promote and demote must be declared together".to_string());
        }
        for a in &self.actions {
            if a.timeout_s == 0 {
                problems.push(format!("action '{}' needs a timeout > 0", a.action.name()));
            }
            if a.role.is_some() && a.action != Action::Monitor {
                problems.push(format!(
                    "only monitor may have a role, not '{}'",
                    a.action.name()
                ));
            }
            if !a.action.is_advertisable() {
                problems.push(format!("action '{}' cannot be advertised", a.action.name()));
            }
        }
        let monitors: Vec<&ActionSpec> = self
            .actions
            .iter()
            .filter(|a| a.action == Action::Monitor)
            .collect();
        for (i, m) in monitors.iter().enumerate() {
            if monitors
                .iter()
                .skip(i + 1)
                .any(|n| n.interval_s == m.interval_s)
            {
                problems.push("monitor actions must have distinct intervals per role".to_string());
            }
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AgentSpec {
        AgentSpec::new("Sample", "1.0", "A sample")
            .param(
                ParamSpec::string("res", "resource")
                    .required()
                    .positional(1),
            )
            .param(ParamSpec::string("dir", "directory").positional(2))
            .param(ParamSpec::integer("retries", "retries").default("3"))
            .standard_actions()
    }

    #[test]
    fn sound_spec_has_no_problems() {
        assert_eq!(sample().problems(), Vec::<String>::new());
    }

    #[test]
    fn rejects_name_heartbeat_would_misread() {
        let spec = AgentSpec {
            name: "NotRunningAgent".into(),
            ..sample()
        };
        let problems = spec.problems();
        assert!(problems.iter().any(|p| p.contains("'running'")));
        assert!(problems.iter().any(|p| p.contains("'not'")));
    }

    #[test]
    fn rejects_gap_in_positions() {
        let spec = sample().param(ParamSpec::string("x", "x").positional(4));
        assert!(spec.problems().iter().any(|p| p.contains("positions")));
    }

    #[test]
    fn rejects_default_of_wrong_kind() {
        let spec = sample().param(ParamSpec::integer("n", "n").default("many"));
        assert!(spec
            .problems()
            .iter()
            .any(|p| p.contains("expected an integer")));
    }

    #[test]
    fn rejects_missing_required_actions_and_lonely_promote() {
        let spec = AgentSpec::new("Bare", "1", "bare")
            .param(ParamSpec::string("a", "a"))
            .action(ActionSpec::new(Action::Promote, 10));
        let problems = spec.problems();
        assert!(problems.iter().any(|p| p.contains("'start'")));
        assert!(problems.iter().any(|p| p.contains("together")));
    }

    #[test]
    fn rejects_spec_without_parameters() {
        let spec = AgentSpec::new("Bare", "1", "bare").standard_actions();
        assert!(spec
            .problems()
            .iter()
            .any(|p| p.contains("at least one parameter")));
    }
}
