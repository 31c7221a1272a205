//! Pure decisions from one observed snapshot: the steps of start, what stop does, what status
//! reads. `start`, `stop` and `monitor` observe once, decide here, and act. Each rule has its
//! unit test below. (Plain start or `-a` is [`super::recovery::choose`], also pure, decided on
//! the data directory as it is once leftovers are ended.)

use super::kind::Kind;
use super::state::State;

/// The failover filesystem at `mount_point`, as start observes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountPoint {
    /// No mount_point configured: the data directory is wherever it is.
    NotConfigured,
    Mounted,
    NotMounted,
    /// mountinfo could not be read (why).
    Unreadable(String),
}

/// What start observes before deciding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartSeen {
    /// The lock owner and the /proc scan.
    pub state: State,
    pub mount_point: MountPoint,
    /// DATA_PATH is a directory.
    pub data_dir: bool,
}

/// One step of start, in the order the plan lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Our daemon holds the lock: check its health instead of starting another.
    CheckHealth,
    /// Our daemon's processes run without the lock (a data writer whose master died): end
    /// them before starting.
    EndLeftovers,
    /// Refuse to start: always the last step.
    Refuse(Refusal),
    /// mfsmaster: refuse metadata older than what this pair has seen.
    CheckFreshness,
    /// mfsmaster: a plain start, or back up the metadata, set aside stale emergency dumps and
    /// start with `-a` (or refuse), from the data directory as the steps before left it.
    ChooseRecovery,
    /// Run the daemon's start command (it detaches into its own session).
    Run,
    /// Wait until the lock is held, the ports listen and (mfsmaster) INFO is answered.
    WaitReady,
}

/// Why start will not run the daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Another program holds our lock file: it is not ours to end.
    Foreign(u32),
    /// Nothing is mounted at mount_point: the data directory is the bare one under it.
    NotMounted,
    /// Whether mount_point is mounted cannot be told (mountinfo unreadable: why).
    MountsUnreadable(String),
    /// DATA_PATH is not a directory.
    NoDataDir,
}

/// The steps of start, from what runs and where the data directory is.
pub fn start_plan(seen: &StartSeen, kind: Kind) -> Vec<Step> {
    let st = &seen.state;
    let mut steps = Vec::new();
    match (st.owner, st.foreign) {
        (Some(_), _) => return vec![Step::CheckHealth],
        (None, Some(pid)) => return vec![Step::Refuse(Refusal::Foreign(pid))],
        (None, None) if !st.procs.is_empty() => steps.push(Step::EndLeftovers),
        (None, None) => {}
    }
    // mfscgiserv serves pages from its document root: it has no data directory to check.
    if kind != Kind::Cgiserv {
        if let Some(refusal) = data_dir_refusal(seen) {
            steps.push(Step::Refuse(refusal));
            return steps;
        }
    }
    if kind == Kind::Master {
        steps.extend([Step::CheckFreshness, Step::ChooseRecovery]);
    }
    steps.extend([Step::Run, Step::WaitReady]);
    steps
}

/// The data directory exists, and is on the mounted failover filesystem when one is named.
fn data_dir_refusal(seen: &StartSeen) -> Option<Refusal> {
    match &seen.mount_point {
        MountPoint::NotMounted => return Some(Refusal::NotMounted),
        MountPoint::Unreadable(why) => return Some(Refusal::MountsUnreadable(why.clone())),
        MountPoint::NotConfigured | MountPoint::Mounted => {}
    }
    (!seen.data_dir).then_some(Refusal::NoDataDir)
}

/// What stop does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopPlan {
    /// Nothing of ours runs, no lock is held.
    AlreadyStopped,
    /// Nothing of ours runs, but another program holds our lock: named, never signalled.
    LeaveForeign(u32),
    /// End our daemon, its processes and its data writer.
    End,
}

/// `bgwriter`: the holder of the master's data writer lock, if any.
pub fn stop_plan(st: &State, bgwriter: Option<u32>) -> StopPlan {
    if st.owner.is_some() || !st.procs.is_empty() || bgwriter.is_some() {
        return StopPlan::End;
    }
    match st.foreign {
        Some(pid) => StopPlan::LeaveForeign(pid),
        None => StopPlan::AlreadyStopped,
    }
}

/// What status reads before any deeper check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// Our daemon holds the lock, as this pid.
    Ours(u32),
    /// Our daemon's processes run but none holds the lock (lock file deleted?): running but
    /// failed, so that stop ends them (a handover while they run would split the master).
    Unlocked,
    /// Another program holds our lock file.
    Foreign(u32),
    /// Nothing of ours runs.
    Nothing,
}

pub fn seen(st: &State) -> Seen {
    match (st.owner, st.foreign) {
        (Some(pid), _) => Seen::Ours(pid),
        (None, _) if !st.procs.is_empty() => Seen::Unlocked,
        (None, Some(pid)) => Seen::Foreign(pid),
        (None, None) => Seen::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::super::procs::Proc;
    use super::*;
    use Step::*;

    fn state(owner: Option<u32>, foreign: Option<u32>, procs: &[u32]) -> State {
        State {
            owner,
            foreign,
            procs: procs.iter().map(|&pid| Proc { pid, ppid: 1 }).collect(),
        }
    }

    /// A snapshot with `st`, a mounted failover filesystem and a data directory.
    fn ready(st: State) -> StartSeen {
        StartSeen {
            state: st,
            mount_point: MountPoint::Mounted,
            data_dir: true,
        }
    }

    fn nothing_runs() -> State {
        state(None, None, &[])
    }

    #[test]
    fn start_checks_the_health_of_our_running_daemon_whatever_else_is_seen() {
        let st = state(Some(10), Some(77), &[10, 11]);
        let bare = StartSeen {
            mount_point: MountPoint::NotMounted,
            data_dir: false,
            ..ready(st.clone())
        };
        assert_eq!(start_plan(&bare, Kind::Master), vec![CheckHealth]);
        assert_eq!(seen(&st), Seen::Ours(10));
    }

    #[test]
    fn start_refuses_a_foreign_lock_holder_before_ending_leftovers() {
        let st = state(None, Some(77), &[12]);
        assert_eq!(
            start_plan(&ready(st.clone()), Kind::Master),
            vec![Refuse(Refusal::Foreign(77))]
        );
        // Status names our unlocked processes first: they are what stop must end.
        assert_eq!(seen(&st), Seen::Unlocked);
        assert_eq!(seen(&state(None, Some(77), &[])), Seen::Foreign(77));
    }

    #[test]
    fn start_ends_processes_without_the_lock_first() {
        let st = state(None, None, &[12, 13]);
        assert_eq!(
            start_plan(&ready(st.clone()), Kind::Metalogger),
            vec![EndLeftovers, Run, WaitReady]
        );
        assert_eq!(seen(&st), Seen::Unlocked);
    }

    #[test]
    fn start_ends_leftovers_before_refusing_a_bare_data_directory() {
        let seen = StartSeen {
            mount_point: MountPoint::NotMounted,
            ..ready(state(None, None, &[12]))
        };
        assert_eq!(
            start_plan(&seen, Kind::Master),
            vec![EndLeftovers, Refuse(Refusal::NotMounted)]
        );
    }

    #[test]
    fn start_refuses_an_unmounted_mount_point_before_looking_at_the_directory() {
        let seen = StartSeen {
            mount_point: MountPoint::NotMounted,
            data_dir: false,
            ..ready(nothing_runs())
        };
        assert_eq!(
            start_plan(&seen, Kind::Chunkserver),
            vec![Refuse(Refusal::NotMounted)]
        );
        let unreadable = StartSeen {
            mount_point: MountPoint::Unreadable("EACCES".into()),
            ..seen
        };
        assert_eq!(
            start_plan(&unreadable, Kind::Chunkserver),
            vec![Refuse(Refusal::MountsUnreadable("EACCES".into()))]
        );
    }

    #[test]
    fn start_refuses_a_missing_data_directory_with_or_without_a_mount_point() {
        for mount_point in [MountPoint::Mounted, MountPoint::NotConfigured] {
            let seen = StartSeen {
                mount_point,
                data_dir: false,
                ..ready(nothing_runs())
            };
            assert_eq!(
                start_plan(&seen, Kind::Master),
                vec![Refuse(Refusal::NoDataDir)]
            );
        }
    }

    #[test]
    fn only_the_master_checks_freshness_and_chooses_recovery() {
        assert_eq!(
            start_plan(&ready(nothing_runs()), Kind::Master),
            vec![CheckFreshness, ChooseRecovery, Run, WaitReady]
        );
        for kind in [Kind::Metalogger, Kind::Chunkserver] {
            assert_eq!(
                start_plan(&ready(nothing_runs()), kind),
                vec![Run, WaitReady]
            );
        }
    }

    #[test]
    fn cgiserv_starts_without_a_data_directory() {
        let seen = StartSeen {
            mount_point: MountPoint::NotMounted,
            data_dir: false,
            ..ready(nothing_runs())
        };
        assert_eq!(start_plan(&seen, Kind::Cgiserv), vec![Run, WaitReady]);
    }

    #[test]
    fn stop_ends_our_daemon_its_processes_or_its_data_writer() {
        assert_eq!(stop_plan(&state(Some(10), None, &[]), None), StopPlan::End);
        assert_eq!(
            stop_plan(&state(None, Some(77), &[12]), None),
            StopPlan::End
        );
        assert_eq!(stop_plan(&nothing_runs(), Some(13)), StopPlan::End);
    }

    #[test]
    fn stop_leaves_a_foreign_lock_holder_alone() {
        assert_eq!(
            stop_plan(&state(None, Some(77), &[]), None),
            StopPlan::LeaveForeign(77)
        );
    }

    #[test]
    fn nothing_observed_is_stopped() {
        assert_eq!(stop_plan(&nothing_runs(), None), StopPlan::AlreadyStopped);
        assert_eq!(seen(&nothing_runs()), Seen::Nothing);
    }
}
