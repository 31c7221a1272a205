//! The kernel's state-change checks of DRBD 8.4 (`drbd_state.c`: `is_valid_state()`,
//! `is_valid_soft_transition()`, `cl_wide_st_chg()`), as pure functions of the old and new
//! state. Only the checks reachable by the simulated commands are kept; their order is the
//! kernel's, so the same request fails with the same code.

use crate::errors::StateError;
use crate::model::View;
use crate::states::{Conn, Disk, Fencing, Role};

/// Configuration and device facts the checks depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckContext {
    /// `net_conf->two_primaries`; only consulted while a net configuration exists.
    pub allow_two_primaries: bool,
    pub fencing: Fencing,
    /// `mdev->open_cnt > 0`: someone holds the block device open (a mount counts).
    pub open: bool,
}

/// `is_valid_state()`: is `ns` a state the device may be in at all?
pub fn is_valid_state(ns: &View, ctx: &CheckContext) -> Result<(), StateError> {
    let has_net_conf = ns.conn != Conn::StandAlone;
    if has_net_conf
        && !ctx.allow_two_primaries
        && ns.role == Role::Primary
        && ns.peer == Role::Primary
    {
        return Err(StateError::TwoPrimaries);
    }
    let primary = ns.role == Role::Primary;
    let fencing = ctx.fencing != Fencing::DontCare;
    if ns.role == Role::Secondary && ctx.open {
        Err(StateError::DeviceInUse)
    } else if primary && ns.conn < Conn::Connected && ns.disk < Disk::UpToDate {
        Err(StateError::NoUpToDateDisk)
    } else if fencing && primary && ns.conn < Conn::Connected && ns.pdsk >= Disk::DUnknown {
        Err(StateError::PrimaryNop)
    } else if primary && ns.disk <= Disk::Inconsistent && ns.pdsk <= Disk::Inconsistent {
        Err(StateError::NoUpToDateDisk)
    } else if ns.conn > Conn::Connected && ns.disk < Disk::Inconsistent {
        Err(StateError::NoLocalDisk)
    } else if ns.conn > Conn::Connected && ns.pdsk < Disk::Inconsistent {
        Err(StateError::NoRemoteDisk)
    } else if ns.conn > Conn::Connected && ns.disk < Disk::UpToDate && ns.pdsk < Disk::UpToDate {
        Err(StateError::NoUpToDateDisk)
    } else if (matches!(
        ns.conn,
        Conn::Connected | Conn::WFBitMapS | Conn::SyncSource | Conn::PausedSyncS
    ) && ns.disk == Disk::Outdated)
        || (ns.conn >= Conn::Connected && ns.pdsk == Disk::DUnknown)
    {
        Err(StateError::ConnectedOutdates)
    } else {
        Ok(())
    }
}

/// `is_valid_soft_transition()`: may the device go from `os` to `ns`?
pub fn is_valid_soft_transition(os: &View, ns: &View) -> Result<(), StateError> {
    let mut rv = Ok(());
    if matches!(ns.conn, Conn::StartingSyncT | Conn::StartingSyncS) && os.conn > Conn::Connected {
        rv = Err(StateError::ResyncRunning);
    }
    if ns.conn == Conn::Disconnecting && os.conn == Conn::StandAlone {
        rv = Err(StateError::AlreadyStandalone);
    }
    if ns.disk > Disk::Attaching && os.disk == Disk::Diskless {
        rv = Err(StateError::IsDiskless);
    }
    if ns.conn == Conn::WFConnection && os.conn < Conn::Unconnected {
        rv = Err(StateError::NoNetConfig);
    }
    if ns.disk == Disk::Outdated && os.disk < Disk::Outdated && os.disk != Disk::Attaching {
        rv = Err(StateError::LowerThanOutdated);
    }
    if ns.conn == Conn::Disconnecting && os.conn == Conn::Unconnected {
        rv = Err(StateError::InTransientState);
    }
    if matches!(ns.conn, Conn::StartingSyncS | Conn::StartingSyncT) && os.conn < Conn::Connected {
        rv = Err(StateError::NeedConnection);
    }
    if matches!(ns.conn, Conn::SyncTarget | Conn::SyncSource) && os.conn < Conn::WFReportParams {
        rv = Err(StateError::NeedConnection);
    }
    rv
}

/// `cl_wide_st_chg()`: changes the peer must agree to; they get no leniency for an already
/// invalid old state.
pub fn is_cluster_wide(os: &View, ns: &View) -> bool {
    let connected = os.conn >= Conn::Connected && ns.conn >= Conn::Connected;
    (connected
        && ((os.role != Role::Primary && ns.role == Role::Primary)
            || (os.conn != Conn::StartingSyncT && ns.conn == Conn::StartingSyncT)
            || (os.conn != Conn::StartingSyncS && ns.conn == Conn::StartingSyncS)
            || (os.disk != Disk::Failed && ns.disk == Disk::Failed)))
        || (os.conn >= Conn::Connected && ns.conn == Conn::Disconnecting)
}

/// The kernel's verdict on a requested change from `os` to `ns`: cluster-wide changes must
/// lead to a valid state; local ones may keep an invalidity the old state already had.
pub fn check_change(os: &View, ns: &View, ctx: &CheckContext) -> Result<(), StateError> {
    if is_cluster_wide(os, ns) {
        is_valid_state(ns, ctx)?;
        return is_valid_soft_transition(os, ns);
    }
    match is_valid_state(ns, ctx) {
        Ok(()) => is_valid_soft_transition(os, ns),
        Err(e) if is_valid_state(os, ctx) == Err(e) => is_valid_soft_transition(os, ns),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(role: Role, peer: Role, conn: Conn, disk: Disk, pdsk: Disk) -> View {
        View {
            role,
            peer,
            conn,
            disk,
            pdsk,
            susp: false,
        }
    }

    fn ctx() -> CheckContext {
        CheckContext {
            allow_two_primaries: false,
            fencing: Fencing::DontCare,
            open: false,
        }
    }

    fn promote(os: View, c: &CheckContext) -> Result<(), StateError> {
        let ns = View {
            role: Role::Primary,
            ..os
        };
        check_change(&os, &ns, c)
    }

    #[test]
    fn refuses_second_primary_while_connected() {
        let os = view(
            Role::Secondary,
            Role::Primary,
            Conn::Connected,
            Disk::UpToDate,
            Disk::UpToDate,
        );
        assert_eq!(promote(os, &ctx()), Err(StateError::TwoPrimaries));
    }

    #[test]
    fn allows_second_primary_with_allow_two_primaries() {
        let os = view(
            Role::Secondary,
            Role::Primary,
            Conn::Connected,
            Disk::UpToDate,
            Disk::UpToDate,
        );
        let c = CheckContext {
            allow_two_primaries: true,
            ..ctx()
        };
        assert_eq!(promote(os, &c), Ok(()));
    }

    #[test]
    fn refuses_primary_without_up_to_date_data_when_disconnected() {
        for disk in [
            Disk::Outdated,
            Disk::Inconsistent,
            Disk::Consistent,
            Disk::Diskless,
        ] {
            let os = view(
                Role::Secondary,
                Role::Unknown,
                Conn::WFConnection,
                disk,
                Disk::DUnknown,
            );
            assert_eq!(
                promote(os, &ctx()),
                Err(StateError::NoUpToDateDisk),
                "{disk}"
            );
        }
    }

    #[test]
    fn allows_primary_on_up_to_date_disk_when_disconnected() {
        let os = view(
            Role::Secondary,
            Role::Unknown,
            Conn::StandAlone,
            Disk::UpToDate,
            Disk::DUnknown,
        );
        assert_eq!(promote(os, &ctx()), Ok(()));
    }

    #[test]
    fn allows_primary_on_inconsistent_disk_with_up_to_date_peer() {
        let os = view(
            Role::Secondary,
            Role::Secondary,
            Conn::SyncTarget,
            Disk::Inconsistent,
            Disk::UpToDate,
        );
        assert_eq!(promote(os, &ctx()), Ok(()));
    }

    #[test]
    fn refuses_primary_when_both_disks_inconsistent() {
        let os = view(
            Role::Secondary,
            Role::Secondary,
            Conn::Connected,
            Disk::Inconsistent,
            Disk::Inconsistent,
        );
        assert_eq!(promote(os, &ctx()), Err(StateError::NoUpToDateDisk));
    }

    #[test]
    fn fencing_refuses_primary_while_peer_not_outdated() {
        let c = CheckContext {
            fencing: Fencing::ResourceOnly,
            ..ctx()
        };
        let os = view(
            Role::Secondary,
            Role::Unknown,
            Conn::WFConnection,
            Disk::UpToDate,
            Disk::DUnknown,
        );
        assert_eq!(promote(os, &c), Err(StateError::PrimaryNop));
        let outdated_peer = View {
            pdsk: Disk::Outdated,
            ..os
        };
        assert_eq!(promote(outdated_peer, &c), Ok(()));
    }

    #[test]
    fn refuses_demotion_of_an_open_device() {
        let os = view(
            Role::Primary,
            Role::Secondary,
            Conn::Connected,
            Disk::UpToDate,
            Disk::UpToDate,
        );
        let ns = View {
            role: Role::Secondary,
            ..os
        };
        let open = CheckContext {
            open: true,
            ..ctx()
        };
        assert_eq!(check_change(&os, &ns, &open), Err(StateError::DeviceInUse));
        assert_eq!(check_change(&os, &ns, &ctx()), Ok(()));
    }

    #[test]
    fn an_open_secondary_may_still_change_other_state() {
        // The old state is already "invalid" for the same reason: the kernel lets it pass.
        let os = view(
            Role::Secondary,
            Role::Secondary,
            Conn::Connected,
            Disk::UpToDate,
            Disk::UpToDate,
        );
        let ns = View {
            conn: Conn::StandAlone,
            peer: Role::Unknown,
            pdsk: Disk::DUnknown,
            ..os
        };
        let open = CheckContext {
            open: true,
            ..ctx()
        };
        assert_eq!(check_change(&os, &ns, &open), Ok(()));
    }

    #[test]
    fn refuses_outdate_while_connected() {
        let os = view(
            Role::Secondary,
            Role::Primary,
            Conn::Connected,
            Disk::UpToDate,
            Disk::UpToDate,
        );
        let ns = View {
            disk: Disk::Outdated,
            ..os
        };
        assert_eq!(
            check_change(&os, &ns, &ctx()),
            Err(StateError::ConnectedOutdates)
        );
    }

    #[test]
    fn refuses_outdate_of_a_disconnected_primary() {
        let os = view(
            Role::Primary,
            Role::Unknown,
            Conn::WFConnection,
            Disk::UpToDate,
            Disk::DUnknown,
        );
        let ns = View {
            disk: Disk::Outdated,
            ..os
        };
        assert_eq!(
            check_change(&os, &ns, &ctx()),
            Err(StateError::NoUpToDateDisk)
        );
    }

    #[test]
    fn refuses_outdate_of_an_inconsistent_disk() {
        let os = view(
            Role::Secondary,
            Role::Unknown,
            Conn::StandAlone,
            Disk::Inconsistent,
            Disk::DUnknown,
        );
        let ns = View {
            disk: Disk::Outdated,
            ..os
        };
        assert_eq!(
            check_change(&os, &ns, &ctx()),
            Err(StateError::LowerThanOutdated)
        );
    }

    #[test]
    fn outdates_a_disconnected_secondary() {
        let os = view(
            Role::Secondary,
            Role::Unknown,
            Conn::WFConnection,
            Disk::UpToDate,
            Disk::DUnknown,
        );
        let ns = View {
            disk: Disk::Outdated,
            ..os
        };
        assert_eq!(check_change(&os, &ns, &ctx()), Ok(()));
    }
}
