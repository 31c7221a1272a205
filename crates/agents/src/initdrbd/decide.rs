//! Pure decisions: whether start may promote, and what the state of the resource is.

use drbd_status::model::Resource;
use drbd_status::states::{ConnectionState, Role};
use ha_agent::Health;

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
    SplitBrain(String),
    DiskNotUpToDate(String),
    PeerPrimary,
}

impl Refusal {
    /// Whether `force` may override this refusal (nothing can promote an unconfigured resource).
    pub fn forcible(&self) -> bool {
        !matches!(self, Refusal::NotConfigured)
    }

    pub fn reason(&self, resource: &str) -> String {
        match self {
            Refusal::NotConfigured => format!(
                "DRBD resource {resource} is not configured on this node (run drbdadm up {resource})"
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
        (true, MountState::NotMounted) => {
            Health::Failed(format!("DRBD is Primary but {directory} is not mounted"))
        }
        (_, MountState::Other(source)) => Health::Failed(format!(
            "{directory} is mounted from {source}, not from the DRBD device (DRBD {role})"
        )),
        (false, MountState::Ours) => Health::Failed(format!(
            "{directory} is mounted from the DRBD device, but DRBD is {role}"
        )),
    }
}
