//! Failure codes of the DRBD kernel and how drbdsetup reports them.
//!
//! Texts: `drbd_strings.c` (`__error_messages`, `drbd_set_st_err_str`) of drbd-headers and the
//! `error_messages[]` table of drbd-utils `user/v84/drbdsetup.c`. Numbers: `enum drbd_state_rv`
//! and `enum drbd_ret_code` in `linux/drbd.h`. Exit codes: `print_config_error()` of drbdsetup.

use serde::Serialize;

/// A refused state change (`enum drbd_state_rv`, negative values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StateError {
    TwoPrimaries,
    NoUpToDateDisk,
    NoLocalDisk,
    NoRemoteDisk,
    ConnectedOutdates,
    PrimaryNop,
    ResyncRunning,
    AlreadyStandalone,
    CwFailedByPeer,
    IsDiskless,
    DeviceInUse,
    NoNetConfig,
    NoVerifyAlg,
    NeedConnection,
    LowerThanOutdated,
    NotSupported,
    InTransientState,
    ConcurrentStChg,
    /// DRBD 9 only: `quorum` is configured and this node does not have it.
    NoQuorum,
}

impl StateError {
    /// The kernel's number (`SS_*`).
    pub fn code(self) -> i32 {
        match self {
            StateError::TwoPrimaries => -1,
            StateError::NoUpToDateDisk => -2,
            StateError::NoLocalDisk => -4,
            StateError::NoRemoteDisk => -5,
            StateError::ConnectedOutdates => -6,
            StateError::PrimaryNop => -7,
            StateError::ResyncRunning => -8,
            StateError::AlreadyStandalone => -9,
            StateError::CwFailedByPeer => -10,
            StateError::IsDiskless => -11,
            StateError::DeviceInUse => -12,
            StateError::NoNetConfig => -13,
            StateError::NoVerifyAlg => -14,
            StateError::NeedConnection => -15,
            StateError::LowerThanOutdated => -16,
            StateError::NotSupported => -17,
            StateError::InTransientState => -18,
            StateError::ConcurrentStChg => -19,
            StateError::NoQuorum => -25,
        }
    }

    /// `drbd_set_st_err_str()`.
    pub fn text(self) -> &'static str {
        match self {
            StateError::TwoPrimaries => "Multiple primaries not allowed by config",
            StateError::NoUpToDateDisk => "Need access to UpToDate data",
            StateError::NoLocalDisk => "Can not resync without local disk",
            StateError::NoRemoteDisk => "Can not resync without remote disk",
            StateError::ConnectedOutdates => "Refusing to be Outdated while Connected",
            StateError::PrimaryNop => "Refusing to be Primary while peer is not outdated",
            StateError::ResyncRunning => "Can not start OV/resync since it is already active",
            StateError::AlreadyStandalone => "Can not disconnect a StandAlone device",
            StateError::CwFailedByPeer => "State change was refused by peer node",
            StateError::IsDiskless => "Device is diskless, the requested operation requires a disk",
            StateError::DeviceInUse => "Device is held open by someone",
            StateError::NoNetConfig => "Have no net/connection configuration",
            StateError::NoVerifyAlg => "Need a verify algorithm to start online verify",
            StateError::NeedConnection => "Need a connection to start verify or resync",
            StateError::LowerThanOutdated => "Disk state is lower than outdated",
            StateError::NotSupported => "Peer does not support protocol",
            StateError::InTransientState => "In transient state, retry after next state change",
            StateError::ConcurrentStChg => "Concurrent state changes detected and aborted",
            StateError::NoQuorum => "No quorum",
        }
    }

    /// The exit code drbdsetup returns for it (`print_config_error()`).
    pub fn exit_code(self) -> i32 {
        match self {
            StateError::NoUpToDateDisk => 17,
            StateError::LowerThanOutdated => 5,
            StateError::NoLocalDisk => 16,
            _ => 11,
        }
    }
}

/// A refused configuration request (`enum drbd_ret_code`), the ones the simulator produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ConfigError {
    DiscardImpossible,
    DiskConfigured,
    NetConfigured,
    MinorInvalid,
    ResNotKnown,
}

impl ConfigError {
    /// The kernel's number (`ERR_*`).
    pub fn code(self) -> i32 {
        match self {
            ConfigError::DiscardImpossible => 123,
            ConfigError::DiskConfigured => 124,
            ConfigError::NetConfigured => 125,
            ConfigError::MinorInvalid => 127,
            ConfigError::ResNotKnown => 158,
        }
    }

    /// drbdsetup's `error_messages[]` entry.
    pub fn text(self) -> &'static str {
        match self {
            ConfigError::DiscardImpossible => "--discard-my-data not allowed when primary.",
            ConfigError::DiskConfigured => "Device is attached to a disk (use detach first)",
            ConfigError::NetConfigured => "Device has a net-config (use disconnect first)",
            ConfigError::MinorInvalid => "Device minor not allocated",
            ConfigError::ResNotKnown => "Unknown resource",
        }
    }

    /// The text the kernel adds as "additional info" (`drbd_msg_put_info()`), if any.
    pub fn kernel_info(self) -> Option<&'static str> {
        match self {
            ConfigError::MinorInvalid => Some("unknown minor"),
            ConfigError::ResNotKnown => Some("unknown resource"),
            _ => None,
        }
    }
}

/// Why a simulated kernel request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Failure {
    State(StateError),
    Config(ConfigError),
}

impl Failure {
    /// The stderr text drbdsetup prints for it, `objname` being the minor or resource argument.
    pub fn drbdsetup_message(self, objname: &str) -> String {
        match self {
            Failure::State(e) => {
                let mut text = format!(
                    "{objname}: State change failed: ({}) {}\n",
                    e.code(),
                    e.text()
                );
                if e == StateError::NoQuorum {
                    // drbd_state_err() of DRBD 9's is_valid_state(), for a two-node resource
                    // that sees only itself.
                    text.push_str(
                        "additional info from kernel:\n1 of 2 nodes visible, need 2 for quorum\n",
                    );
                }
                text
            }
            Failure::Config(e) => {
                let mut text = format!("{objname}: Failure: ({}) {}\n", e.code(), e.text());
                if let Some(info) = e.kernel_info() {
                    text.push_str("additional info from kernel:\n");
                    text.push_str(info);
                    text.push('\n');
                }
                text
            }
        }
    }

    /// drbdsetup's exit code.
    pub fn exit_code(self) -> i32 {
        match self {
            Failure::State(e) => e.exit_code(),
            Failure::Config(_) => 10,
        }
    }
}

impl From<StateError> for Failure {
    fn from(e: StateError) -> Self {
        Failure::State(e)
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Failure::Config(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_seed_article_two_primaries_error() {
        let f = Failure::State(StateError::TwoPrimaries);
        assert_eq!(
            f.drbdsetup_message("2"),
            "2: State change failed: (-1) Multiple primaries not allowed by config\n"
        );
        assert_eq!(f.exit_code(), 11);
    }

    #[test]
    fn no_up_to_date_data_exits_17() {
        let f = Failure::State(StateError::NoUpToDateDisk);
        assert_eq!(f.exit_code(), 17);
        assert_eq!(
            f.drbdsetup_message("1"),
            "1: State change failed: (-2) Need access to UpToDate data\n"
        );
    }

    #[test]
    fn held_open_is_minus_12_exit_11() {
        let e = StateError::DeviceInUse;
        assert_eq!(
            (e.code(), e.text(), e.exit_code()),
            (-12, "Device is held open by someone", 11)
        );
    }

    #[test]
    fn drbd9_no_quorum_is_minus_25_exit_11() {
        let f = Failure::State(StateError::NoQuorum);
        assert_eq!(
            f.drbdsetup_message("r0"),
            "r0: State change failed: (-25) No quorum\n\
             additional info from kernel:\n\
             1 of 2 nodes visible, need 2 for quorum\n"
        );
        assert_eq!(f.exit_code(), 11);
    }

    #[test]
    fn lower_than_outdated_exits_5() {
        assert_eq!(StateError::LowerThanOutdated.exit_code(), 5);
    }

    #[test]
    fn unknown_minor_carries_kernel_info() {
        let f = Failure::Config(ConfigError::MinorInvalid);
        assert_eq!(
            f.drbdsetup_message("1"),
            "1: Failure: (127) Device minor not allocated\nadditional info from kernel:\nunknown minor\n"
        );
        assert_eq!(f.exit_code(), 10);
    }
}
