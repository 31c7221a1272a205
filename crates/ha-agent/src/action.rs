//! The actions an agent can be asked to perform, named as OCF and LSB name them.

/// One action. The names are exactly those of resource-agents' `ra-api-1.dtd`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Start,
    Stop,
    /// LSB / Heartbeat status (in OCF mode an alias of monitor).
    Status,
    Monitor,
    MetaData,
    ValidateAll,
    Promote,
    Demote,
    Notify,
    Reload,
    MigrateTo,
    MigrateFrom,
    /// `--help`, `-h`, `help` or `usage`: print the usage text.
    Usage,
}

const ALL: [Action; 13] = [
    Action::Start,
    Action::Stop,
    Action::Status,
    Action::Monitor,
    Action::MetaData,
    Action::ValidateAll,
    Action::Promote,
    Action::Demote,
    Action::Notify,
    Action::Reload,
    Action::MigrateTo,
    Action::MigrateFrom,
    Action::Usage,
];

impl Action {
    /// The name on the command line and in meta-data.
    pub fn name(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Stop => "stop",
            Action::Status => "status",
            Action::Monitor => "monitor",
            Action::MetaData => "meta-data",
            Action::ValidateAll => "validate-all",
            Action::Promote => "promote",
            Action::Demote => "demote",
            Action::Notify => "notify",
            Action::Reload => "reload",
            Action::MigrateTo => "migrate_to",
            Action::MigrateFrom => "migrate_from",
            Action::Usage => "usage",
        }
    }

    /// Parses a command-line action word; `help` is accepted for `usage`.
    pub fn from_name(word: &str) -> Option<Action> {
        if word == "help" {
            return Some(Action::Usage);
        }
        ALL.iter().copied().find(|a| a.name() == word)
    }

    /// Actions only Pacemaker (or ocf-tester) sends: alone on the command line they mean OCF mode.
    pub fn is_ocf_only(self) -> bool {
        matches!(
            self,
            Action::MetaData
                | Action::Monitor
                | Action::ValidateAll
                | Action::Promote
                | Action::Demote
                | Action::Notify
                | Action::Reload
                | Action::MigrateTo
                | Action::MigrateFrom
        )
    }

    /// Actions accepted in Heartbeat and manual (LSB) mode.
    pub fn is_lsb(self) -> bool {
        matches!(
            self,
            Action::Start
                | Action::Stop
                | Action::Status
                | Action::ValidateAll
                | Action::MetaData
                | Action::Usage
        )
    }

    /// Actions that report a state (monitor, status) rather than change one.
    pub fn reports_health(self) -> bool {
        matches!(self, Action::Monitor | Action::Status)
    }

    /// Actions that need no configuration, no lock, no log and no record.
    pub fn is_informational(self) -> bool {
        matches!(self, Action::MetaData | Action::Usage)
    }

    /// Whether an agent may list this action in its spec (usage belongs to the framework).
    pub fn is_advertisable(self) -> bool {
        self != Action::Usage
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in ALL {
            assert_eq!(Action::from_name(a.name()), Some(a));
        }
        assert_eq!(Action::from_name("help"), Some(Action::Usage));
        assert_eq!(Action::from_name("reload-agent"), None);
        assert_eq!(Action::from_name("START"), None);
    }

    #[test]
    fn start_stop_status_are_shared_by_all_modes() {
        for a in [Action::Start, Action::Stop, Action::Status] {
            assert!(a.is_lsb());
            assert!(!a.is_ocf_only());
        }
    }
}
