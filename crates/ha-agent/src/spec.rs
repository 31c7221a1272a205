//! The one declaration of an agent: its parameters and actions.
//!
//! Meta-data XML ([`crate::metadata`]), Heartbeat positional parsing ([`crate::params`]),
//! `--help` (`help`) and the Markdown page (`markdown`) are all derived
//! from an [`AgentSpec`], so they cannot drift apart.

use std::time::Duration;

use crate::action::Action;
use crate::duration::{format_duration, parse_duration, BareUnit};

/// The type of a parameter value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    String,
    Integer,
    Boolean,
    /// `30`, `30s`, `500ms`, `2min` ([`crate::duration`]); a bare number counts in the unit.
    Duration(BareUnit),
}

impl ParamKind {
    /// The OCF `content type` of this kind. A duration is `string`: `time` is valid in
    /// resource-agents' `ra-api-1.dtd` (ocf-tester) but not in its `metadata.rng`, so no
    /// other type passes every validator.
    pub fn ocf_name(self) -> &'static str {
        match self {
            ParamKind::String | ParamKind::Duration(_) => "string",
            ParamKind::Integer => "integer",
            ParamKind::Boolean => "boolean",
        }
    }

    /// The name people read in `--help`, manual pages and the operator pages.
    pub fn doc_name(self) -> &'static str {
        match self {
            ParamKind::Duration(_) => "duration",
            other => other.ocf_name(),
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
    /// Integers only: the inclusive range of accepted values (`None`: any integer).
    pub range: Option<(i64, i64)>,
    /// Strings only: the accepted values (empty: any string). Checked before any action,
    /// listed in meta-data, `--help` and the operator page. Meta-data keeps `type="string"`
    /// for them: `type="select"` with `<option>`s fails `ra-api-1.dtd`, whose `content` is EMPTY.
    pub choices: Vec<String>,
    /// Durations only: the inclusive range of accepted values.
    pub duration_range: Option<(Duration, Duration)>,
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
            range: None,
            choices: Vec::new(),
            duration_range: None,
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

    /// A duration whose bare number counts seconds, as in Pacemaker (`timeout=30`).
    pub fn duration(name: &str, shortdesc: &str) -> ParamSpec {
        ParamSpec::new(name, ParamKind::Duration(BareUnit::Seconds), shortdesc)
    }

    /// A duration whose bare number counts milliseconds (a parameter that was an integer of
    /// milliseconds keeps its meaning; `1s` is accepted too).
    pub fn duration_ms(name: &str, shortdesc: &str) -> ParamSpec {
        ParamSpec::new(name, ParamKind::Duration(BareUnit::Millis), shortdesc)
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

    /// Integers: values outside `min..=max` are refused before any action runs.
    pub fn range(mut self, min: i64, max: i64) -> ParamSpec {
        self.range = Some((min, max));
        self
    }

    /// Strings: only these values are accepted (an enumerated choice declared once, so the
    /// agent never matches an unknown one and the docs always list them).
    pub fn choices(mut self, values: &[&str]) -> ParamSpec {
        self.choices = values.iter().map(|v| v.to_string()).collect();
        self
    }

    /// Durations: values outside `min..=max` are refused before any action runs.
    pub fn duration_range(mut self, min: Duration, max: Duration) -> ParamSpec {
        self.duration_range = Some((min, max));
        self
    }

    /// The long description with the accepted range or choices appended: what meta-data,
    /// `--help` and the Markdown page show, so they are documented where they are declared.
    pub fn described(&self) -> String {
        if let ParamKind::Duration(bare) = self.kind {
            let mut text = format!(
                "{} A duration: 30s, 500ms, 2min or 1h; a bare number counts {}.",
                self.longdesc.trim_end(),
                bare.name()
            );
            if let Some((min, max)) = self.duration_range {
                let (min, max) = (format_duration(min), format_duration(max));
                text.push_str(&format!(" Allowed: {min} to {max}."));
            }
            return text;
        }
        if !self.choices.is_empty() {
            return format!(
                "{} One of: {}.",
                self.longdesc.trim_end(),
                self.choices.join(", ")
            );
        }
        match self.range {
            Some((min, max)) => format!("{} Allowed: {min} to {max}.", self.longdesc.trim_end()),
            None => self.longdesc.clone(),
        }
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

/// One refusal or failure an operator may meet, for the generated page's table: declared next
/// to the parameters so the page lists the messages the code gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusalDoc {
    /// Which action(s) and exit code, e.g. `start, 6`.
    pub when: String,
    /// The start of the reason as the agent prints it (placeholders in capitals).
    pub message: String,
    /// What it means and what to do.
    pub what_to_do: String,
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
    pub refusals: Vec<RefusalDoc>,
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
            refusals: Vec::new(),
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

    /// Documents a refusal or failure (`when`: action(s) and exit code) for the Markdown page.
    pub fn refusal(mut self, when: &str, message: &str, what_to_do: &str) -> AgentSpec {
        self.refusals.push(RefusalDoc {
            when: when.to_string(),
            message: message.to_string(),
            what_to_do: what_to_do.to_string(),
        });
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
                if let Err(e) = check_value(p, default) {
                    problems.push(format!("default of {e}"));
                }
            }
            if !p.choices.is_empty() && p.kind != ParamKind::String {
                problems.push(format!(
                    "parameter '{}' has choices but is not a string",
                    p.name
                ));
            }
            match p.range {
                Some(_) if p.kind != ParamKind::Integer => problems.push(format!(
                    "parameter '{}' has a range but is not an integer",
                    p.name
                )),
                Some((min, max)) if min > max => problems.push(format!(
                    "parameter '{}' has an empty range {min} to {max}",
                    p.name
                )),
                _ => {}
            }
            match (p.duration_range, p.kind) {
                (Some(_), ParamKind::Duration(_)) | (None, _) => {}
                (Some(_), _) => problems.push(format!(
                    "parameter '{}' has a duration range but is not a duration",
                    p.name
                )),
            }
            if p.duration_range.is_some_and(|(min, max)| min > max) {
                problems.push(format!(
                    "parameter '{}' has an empty duration range",
                    p.name
                ));
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

// The syntax of one value against its declaration (kind, range): used here to check
// defaults and by `params` to check what callers give.

/// Checks that `value` is a valid `kind`; the error reads `parameter 'x': expected ..., got '...'`.
pub fn check_kind(name: &str, kind: ParamKind, value: &str) -> Result<(), String> {
    let ok = match kind {
        ParamKind::String => true,
        ParamKind::Integer => parse_int(value).is_some(),
        ParamKind::Boolean => parse_bool(value).is_some(),
        ParamKind::Duration(bare) => parse_duration(value, bare).is_some(),
    };
    match (ok, kind) {
        (true, _) => Ok(()),
        (false, ParamKind::Integer) => Err(format!(
            "parameter '{name}': expected an integer, got '{value}'"
        )),
        (false, ParamKind::Duration(bare)) => Err(format!(
            "parameter '{name}': expected a duration (30s, 500ms, 2min, 1h; a bare number \
             counts {}), got '{value}'",
            bare.name()
        )),
        (false, _) => Err(format!(
            "parameter '{name}': expected a boolean (true/false, yes/no, 1/0), got '{value}'"
        )),
    }
}

/// Checks `value` against the declaration: its kind, then an integer's or a duration's range
/// or a string's choices. The error reads `parameter 'x': must be 1 to 86400, got '-5'`.
pub fn check_value(p: &ParamSpec, value: &str) -> Result<(), String> {
    if let (Some(range), ParamKind::Duration(bare)) = (p.duration_range, p.kind) {
        return check_duration(&p.name, range, bare, value);
    }
    check_kind(&p.name, p.kind, value)?;
    if !p.choices.is_empty() && !p.choices.iter().any(|c| c == value) {
        return Err(format!(
            "parameter '{}': must be one of {}, got '{value}'",
            p.name,
            p.choices.join(", "),
        ));
    }
    match (p.range, parse_int(value)) {
        (Some((min, max)), Some(v)) if v < min || v > max => Err(format!(
            "parameter '{}': must be {min} to {max}, got '{}'",
            p.name,
            value.trim()
        )),
        _ => Ok(()),
    }
}

/// A duration with a declared range: both a malformed and an out-of-range value are refused
/// with the range, `parameter 'timeout': must be 1s to 24h, got '90000' (25h)`; a bare number
/// is shown in the unit it counts, as the range is.
fn check_duration(
    name: &str,
    (min, max): (Duration, Duration),
    bare: BareUnit,
    value: &str,
) -> Result<(), String> {
    let range = format!("{} to {}", format_duration(min), format_duration(max));
    let value = value.trim();
    match parse_duration(value, bare) {
        None => Err(format!(
            "parameter '{name}': expected a duration of {range} (30s, 500ms, 2min, 1h; a bare \
             number counts {}), got '{value}'",
            bare.name()
        )),
        Some(d) if d < min || d > max => {
            let is_bare = value.bytes().all(|b| b.is_ascii_digit());
            let read_as = match is_bare && !d.is_zero() {
                true => format!(" ({})", format_duration(d)),
                false => String::new(),
            };
            Err(format!(
                "parameter '{name}': must be {range}, got '{value}'{read_as}"
            ))
        }
        Some(_) => Ok(()),
    }
}

pub(crate) fn parse_int(value: &str) -> Option<i64> {
    value.trim().parse().ok()
}

/// OCF-style booleans: `1 yes true on y` and `0 no false off n`, any case.
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "yes" | "true" | "on" | "y" => Some(true),
        "0" | "no" | "false" | "off" | "n" => Some(false),
        _ => None,
    }
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
    fn rejects_a_default_outside_its_range_and_a_range_on_a_string() {
        let spec = sample()
            .param(ParamSpec::integer("n", "n").default("0").range(1, 9))
            .param(ParamSpec::string("s", "s").range(1, 2));
        let problems = spec.problems();
        assert!(
            problems.iter().any(|p| p.contains("1 to 9")),
            "{problems:?}"
        );
        assert!(problems.iter().any(|p| p.contains("not an integer")));
        let fsck = ParamSpec::string("fsck", "When.").choices(&["no", "auto"]);
        assert_eq!(check_value(&fsck, "auto"), Ok(()));
        assert_eq!(
            check_value(&fsck, "always"),
            Err("parameter 'fsck': must be one of no, auto, got 'always'".to_string())
        );
        assert_eq!(fsck.described(), "When. One of: no, auto.");
        let n = ParamSpec::integer("n", "Count.").range(0, 5);
        assert_eq!(n.described(), "Count. Allowed: 0 to 5.");
    }

    #[test]
    fn durations_are_checked_against_kind_and_range() {
        let t = ParamSpec::duration("timeout", "Budget.")
            .duration_range(Duration::from_secs(1), Duration::from_secs(86_400));
        assert_eq!(check_value(&t, "2min"), Ok(()));
        assert_eq!(check_value(&t, "30"), Ok(()));
        assert_eq!(
            check_value(&t, "500ms"),
            Err("parameter 'timeout': must be 1s to 24h, got '500ms'".to_string())
        );
        assert_eq!(
            check_value(&t, "90000"),
            Err("parameter 'timeout': must be 1s to 24h, got '90000' (25h)".to_string())
        );
        assert_eq!(
            check_value(&t, "0"),
            Err("parameter 'timeout': must be 1s to 24h, got '0'".to_string())
        );
        assert_eq!(
            check_value(&t, "-5"),
            Err(
                "parameter 'timeout': expected a duration of 1s to 24h (30s, 500ms, 2min, 1h; \
                 a bare number counts seconds), got '-5'"
                    .to_string()
            )
        );
        let unbounded = ParamSpec::duration("d", "d");
        assert_eq!(
            check_value(&unbounded, "soon"),
            Err(
                "parameter 'd': expected a duration (30s, 500ms, 2min, 1h; a bare \
                 number counts seconds), got 'soon'"
                    .to_string()
            )
        );
        let ms = ParamSpec::duration_ms("gap", "Gap.")
            .duration_range(Duration::ZERO, Duration::from_secs(60));
        assert_eq!(check_value(&ms, "60000"), Ok(()));
        assert_eq!(
            check_value(&ms, "60001"),
            Err("parameter 'gap': must be 0s to 1min, got '60001' (60001ms)".to_string())
        );
        assert_eq!(
            t.described(),
            "Budget. A duration: 30s, 500ms, 2min or 1h; a bare number counts seconds. \
             Allowed: 1s to 24h."
        );
        assert_eq!(t.kind.ocf_name(), "string");
        assert_eq!(t.kind.doc_name(), "duration");
        let spec = sample()
            .param(ParamSpec::integer("n", "n").duration_range(Duration::ZERO, Duration::ZERO))
            .param(ParamSpec::duration_ms("d", "d").default("2x"));
        let problems = spec.problems();
        assert!(
            problems.iter().any(|p| p.contains("not a duration")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("expected a duration")),
            "{problems:?}"
        );
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
