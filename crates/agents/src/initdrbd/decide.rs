//! Pure decisions: whether start may promote, and what the state of the resource is.

use drbd_status::model::Resource;
use drbd_status::states::{ConnectionState, DiskState, Role};
use ha_agent::Health;

use super::settings::Scope;

/// The promotion score of a node whose data is UpToDate: Pacemaker promotes it first.
pub const SCORE_UP_TO_DATE: u32 = 10_000;

/// The score of a node whose data is Consistent or Outdated: promotable only when no node has
/// UpToDate data (and DRBD itself still refuses unless it can reach UpToDate data).
pub const SCORE_CONSISTENT: u32 = 5;

/// The scope to run with: the parameter, else `drbd` in a promotable clone and `all` outside.
/// In a promotable clone only `drbd` makes sense: Pacemaker would show it Unpromoted while
/// it promoted and mounted (`all`), or mount on every clone instance (`mount`).
pub fn scope(explicit: Option<&str>, promotable: bool) -> Result<Scope, String> {
    let chosen = match explicit {
        None => None,
        Some(word) => Some(
            Scope::parse(word)
                .ok_or_else(|| format!("scope must be one of all, drbd, mount, got '{word}'"))?,
        ),
    };
    match (chosen, promotable) {
        (None, true) => Ok(Scope::Drbd),
        (None, false) => Ok(Scope::All),
        (Some(s @ (Scope::All | Scope::Mount)), true) => Err(format!(
            "scope={} cannot run in a promotable clone: the clone manages DRBD only (scope=drbd); \
             mount the filesystem with a separate scope=mount primitive colocated with the \
             Promoted role",
            s.name()
        )),
        (Some(s), _) => Ok(s),
    }
}

/// The first device's disk state, when DRBD reports one.
fn local_disk(r: &Resource) -> Option<&DiskState> {
    r.devices.iter().find_map(|d| d.disk.as_ref())
}

/// DRBD 9 reports no quorum on one of the devices.
pub fn lacks_quorum(r: &Resource) -> bool {
    r.devices.iter().any(|d| d.quorum == Some(false))
}

/// The promotion score from the local data: UpToDate high, Consistent/Outdated low, anything
/// else (Inconsistent, Diskless, not configured, DRBD 9 without quorum) none: the attribute is
/// deleted so Pacemaker never promotes this node.
pub fn promotion_score(res: Option<&Resource>) -> Option<u32> {
    let r = res.filter(|r| !r.devices.is_empty())?;
    if lacks_quorum(r) {
        return None;
    }
    match local_disk(r)? {
        DiskState::UpToDate => Some(SCORE_UP_TO_DATE),
        DiskState::Consistent | DiskState::Outdated => Some(SCORE_CONSISTENT),
        _ => None,
    }
}

/// The promotable clone's monitor: Promoted (8) when Primary with UpToDate data, Unpromoted
/// (0, `Running`) when Secondary, not running (7) when not configured here, failed promoted
/// (9) when Primary without good local data (diskless, failed, inconsistent).
pub fn clone_health(res: Option<&Resource>) -> Health {
    let Some(r) = res.filter(|r| !r.devices.is_empty()) else {
        return Health::Stopped;
    };
    let disk = local_disk(r).map_or("unknown".to_string(), |d| d.as_str().to_string());
    match &r.role {
        Role::Primary if local_disk(r) == Some(&DiskState::UpToDate) => Health::Promoted,
        Role::Primary => Health::FailedPromoted(format!(
            "DRBD {} is Primary but its local disk is {disk}",
            r.name
        )),
        Role::Secondary => Health::Running,
        other => Health::Unknown(format!("DRBD role '{}' is unknown", other.as_str())),
    }
}

/// What is mounted at the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountState {
    NotMounted,
    /// Our device is mounted there.
    Ours,
    /// Something else is mounted there (its source).
    Other(String),
}

/// Why start will not promote (unless `force`, for the ones that allow it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotConfigured,
    /// DRBD 9 quorum: this node sees too few of the resource's nodes.
    NoQuorum,
    SplitBrain(String),
    DiskNotUpToDate(String),
    PeerPrimary,
    /// DRBD printed a state this version cannot read (kept raw): not proof of safety.
    UnknownState(String),
}

impl Refusal {
    /// Whether `force` may override this refusal (nothing can promote an unconfigured resource).
    pub fn forcible(&self) -> bool {
        !matches!(self, Refusal::NotConfigured | Refusal::NoQuorum)
    }

    pub fn reason(&self, resource: &str) -> String {
        match self {
            Refusal::NotConfigured => format!(
                "DRBD resource {resource} is not configured on this node (run drbdadm up {resource})"
            ),
            Refusal::NoQuorum => format!(
                "refusing to promote {resource}: no quorum (DRBD 9 quorum: this node sees too \
                 few of {resource}'s nodes; bring the peer back, or lower quorum in drbd.conf)"
            ),
            Refusal::SplitBrain(why) => format!(
                "refusing to promote {resource}: split brain suspected ({why}); resolve it first \
                 (drbdadm connect --discard-my-data {resource} on the node whose changes are lost)"
            ),
            Refusal::DiskNotUpToDate(disk) => format!(
                "refusing to promote {resource}: local disk is {disk}, not UpToDate"
            ),
            Refusal::PeerPrimary => {
                format!("refusing to promote {resource}: the peer is Primary")
            }
            Refusal::UnknownState(what) => format!(
                "refusing to promote {resource}: DRBD reports a state this agent cannot read \
                 ({what}); check drbdadm status {resource}, then start with force=true if it is safe"
            ),
        }
    }
}

/// The first reason not to promote, in order of gravity; `None` when promotion may go ahead.
pub fn refusal(res: Option<&Resource>) -> Option<Refusal> {
    let Some(r) = res else {
        return Some(Refusal::NotConfigured);
    };
    if r.devices.is_empty() {
        return Some(Refusal::NotConfigured);
    }
    if lacks_quorum(r) {
        return Some(Refusal::NoQuorum);
    }
    if r.split_brain_suspected() {
        return Some(Refusal::SplitBrain(
            "StandAlone with out-of-sync blocks".into(),
        ));
    }
    if r.connections
        .iter()
        .any(|c| c.state == ConnectionState::StandAlone)
    {
        return Some(Refusal::SplitBrain(
            "connection is StandAlone: DRBD dropped the link and will not reconnect by itself"
                .into(),
        ));
    }
    if !r.has_up_to_date_data() {
        let disk = r
            .devices
            .iter()
            .find_map(|d| d.disk.as_ref().map(|d| d.as_str().to_string()))
            .unwrap_or_else(|| "unknown".into());
        return Some(Refusal::DiskNotUpToDate(disk));
    }
    if r.peer_may_be_primary() {
        return Some(Refusal::PeerPrimary);
    }
    if let Some(u) = r.unknown_values().first() {
        return Some(Refusal::UnknownState(format!("{} '{}'", u.at, u.raw)));
    }
    None
}

/// The resource's health from the DRBD role and the mount.
pub fn health(res: Option<&Resource>, mount: &MountState, directory: &str) -> Health {
    let primary = res.is_some_and(Resource::is_primary);
    let role = res.map_or("not configured".to_string(), |r| {
        r.role.as_str().to_string()
    });
    match (primary, mount) {
        (true, MountState::Ours) => Health::Running,
        (false, MountState::NotMounted) => match res.map(|r| &r.role) {
            Some(Role::Other(raw)) => Health::Unknown(format!("DRBD role '{raw}' is unknown")),
            _ => Health::Stopped,
        },
        // Primary (or our mount) is left: the peer cannot take over until it is gone, so
        // Heartbeat must read "running" (a failed stop then reboots instead of handing over).
        (true, MountState::NotMounted) => {
            Health::FailedRunning(format!("DRBD is Primary but {directory} is not mounted"))
        }
        (true, MountState::Other(source)) => Health::FailedRunning(format!(
            "{directory} is mounted from {source}, not from the DRBD device (DRBD {role})"
        )),
        (false, MountState::Other(source)) => Health::Failed(format!(
            "{directory} is mounted from {source}, not from the DRBD device (DRBD {role})"
        )),
        (false, MountState::Ours) => Health::FailedRunning(format!(
            "{directory} is mounted from the DRBD device, but DRBD is {role}"
        )),
    }
}
