//! Which MooseFS daemon an invocation manages: from the name the agent is installed under
//! (`mfsmaster`, `mfsmetalogger`, `mfschunkserver`, `mfscgiserv`) or the `daemon` parameter.

use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Master,
    Metalogger,
    Chunkserver,
    Cgiserv,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Master,
        Kind::Metalogger,
        Kind::Chunkserver,
        Kind::Cgiserv,
    ];

    /// The daemon's program name, which is also the agent's name for this kind.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Master => "mfsmaster",
            Kind::Metalogger => "mfsmetalogger",
            Kind::Chunkserver => "mfschunkserver",
            Kind::Cgiserv => "mfscgiserv",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The kind named by argv\[0\]'s basename; anything else (a test binary, a renamed copy)
    /// is the master.
    pub fn from_argv0(argv0: &str) -> Kind {
        let base = Path::new(argv0)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("");
        Kind::from_name(base).unwrap_or(Kind::Master)
    }

    /// The lock file the daemon holds with fcntl, relative to its data directory
    /// (mfscgiserv always uses /var/lib/mfs).
    pub fn lock_name(self) -> String {
        format!(".{}.lock", self.name())
    }

    /// The config file name (mfscgiserv has none).
    pub fn cfg_name(self) -> Option<String> {
        match self {
            Kind::Cgiserv => None,
            k => Some(format!("{}.cfg", k.name())),
        }
    }

    pub fn what(self) -> &'static str {
        match self {
            Kind::Master => "MooseFS master server",
            Kind::Metalogger => "MooseFS metadata logger",
            Kind::Chunkserver => "MooseFS chunk server",
            Kind::Cgiserv => "MooseFS CGI web monitor",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_follows_the_installed_name() {
        assert_eq!(
            Kind::from_argv0("/etc/ha.d/resource.d/mfsmaster"),
            Kind::Master
        );
        assert_eq!(Kind::from_argv0("mfschunkserver"), Kind::Chunkserver);
        assert_eq!(Kind::from_argv0("/x/mfsmetalogger"), Kind::Metalogger);
        assert_eq!(Kind::from_argv0("./mfscgiserv"), Kind::Cgiserv);
        assert_eq!(Kind::from_argv0("agents-1234"), Kind::Master);
        assert_eq!(Kind::Metalogger.lock_name(), ".mfsmetalogger.lock");
    }
}
