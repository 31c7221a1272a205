//! A health verdict per resource and for a whole status, in monitoring-plugin terms.

use crate::model::{Resource, Status};
use crate::states::{ConnectionState, DiskState, ReplicationState};
use serde::Serialize;

/// Verdict levels, ordered from good to unknown like Nagios/Icinga states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Ok,
    Warning,
    Critical,
    Unknown,
}

impl Level {
    /// The monitoring-plugin exit code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
    pub fn exit_code(self) -> i32 {
        match self {
            Level::Ok => 0,
            Level::Warning => 1,
            Level::Critical => 2,
            Level::Unknown => 3,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "OK",
            Level::Warning => "WARNING",
            Level::Critical => "CRITICAL",
            Level::Unknown => "UNKNOWN",
        }
    }
}

/// The verdict and every reason that raised it above OK.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    pub level: Level,
    pub reasons: Vec<String>,
}

impl Health {
    fn ok() -> Self {
        Health {
            level: Level::Ok,
            reasons: vec![],
        }
    }

    fn raise(&mut self, level: Level, reason: String) {
        self.level = self.level.max(level);
        self.reasons.push(reason);
    }
}

impl Resource {
    /// Judges one resource: data at risk is CRITICAL, lost redundancy WARNING, a state this
    /// crate cannot read UNKNOWN (never OK: callers may judge one resource alone).
    pub fn health(&self) -> Health {
        let mut h = Health::ok();
        let name = &self.name;
        if self.split_brain_suspected() {
            h.raise(Level::Critical, format!("{name}: split brain suspected"));
        }
        if !self.suspended.is_empty() {
            h.raise(
                Level::Critical,
                format!("{name}: I/O suspended ({})", self.suspended.join(",")),
            );
        }
        if self.devices.is_empty() {
            h.raise(Level::Unknown, format!("{name}: no volume reported"));
        }
        for d in &self.devices {
            let vol = d.volume;
            match &d.disk {
                Some(DiskState::UpToDate) => {}
                Some(DiskState::Diskless) if d.client == Some(true) => {}
                Some(DiskState::Inconsistent) if self.resync_in_progress() => {
                    h.raise(
                        Level::Warning,
                        format!("{name}/{vol}: disk Inconsistent, resync running"),
                    );
                }
                Some(DiskState::Attaching | DiskState::Negotiating | DiskState::Consistent) => {
                    let disk = d.disk.as_ref().map(|s| s.as_str()).unwrap_or("?");
                    h.raise(Level::Warning, format!("{name}/{vol}: disk {disk}"));
                }
                Some(disk) => h.raise(Level::Critical, format!("{name}/{vol}: disk {disk}")),
                None => h.raise(
                    Level::Unknown,
                    format!("{name}/{vol}: disk state not reported"),
                ),
            }
        }
        for c in &self.connections {
            let at = format!("{name}/{}", c.label());
            match &c.state {
                ConnectionState::Connected => {}
                ConnectionState::StandAlone => h.raise(
                    Level::Critical,
                    format!("{at}: StandAlone (not replicating)"),
                ),
                state => h.raise(Level::Warning, format!("{at}: connection {state}")),
            }
            for p in &c.peer_devices {
                let at = format!("{at}/{}", p.volume);
                match &p.replication {
                    ReplicationState::Established | ReplicationState::Off => {}
                    r if r.is_syncing() => {
                        let pct = p.sync.as_ref().and_then(|s| s.percent);
                        let done = pct.map(|v| format!(" {v:.1}%")).unwrap_or_default();
                        h.raise(Level::Warning, format!("{at}: {r}{done}"));
                    }
                    r if r.is_verifying() => {}
                    r => h.raise(Level::Warning, format!("{at}: replication {r}")),
                }
                if c.state == ConnectionState::Connected {
                    match &p.peer_disk {
                        Some(DiskState::UpToDate) => {}
                        Some(DiskState::Diskless) if p.peer_client == Some(true) => {}
                        Some(disk) if !p.replication.is_syncing() => {
                            h.raise(Level::Warning, format!("{at}: peer disk {disk}"))
                        }
                        _ => {}
                    }
                }
            }
        }
        for u in self.unknown_values() {
            h.raise(
                Level::Unknown,
                format!("{}: unknown value '{}'", u.at, u.raw),
            );
        }
        h
    }
}

impl Status {
    /// Judges every resource; a source without device state is UNKNOWN, no resources is OK.
    pub fn health(&self) -> Health {
        let mut h = Health::ok();
        if !self.has_device_info {
            h.raise(
                Level::Unknown,
                "no device information in this source (DRBD 9 /proc/drbd)".into(),
            );
        }
        for r in &self.resources {
            let rh = r.health();
            h.level = h.level.max(rh.level);
            h.reasons.extend(rh.reasons);
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::{connection, peer_device, resource};
    use crate::states::Role;

    #[test]
    fn connected_up_to_date_pair_is_ok() {
        let mut r = resource(Role::Primary, DiskState::UpToDate);
        let pd = peer_device(ReplicationState::Established, DiskState::UpToDate);
        r.connections
            .push(connection(ConnectionState::Connected, Role::Secondary, pd));
        assert_eq!(
            r.health(),
            Health {
                level: Level::Ok,
                reasons: vec![]
            }
        );
    }

    #[test]
    fn resync_is_warning_and_outdated_is_critical() {
        let mut r = resource(Role::Secondary, DiskState::Inconsistent);
        let pd = peer_device(ReplicationState::SyncTarget, DiskState::UpToDate);
        r.connections
            .push(connection(ConnectionState::Connected, Role::Primary, pd));
        assert_eq!(r.health().level, Level::Warning);
        let r = resource(Role::Secondary, DiskState::Outdated);
        let h = r.health();
        assert_eq!(h.level, Level::Critical);
        assert_eq!(h.reasons, vec!["r0/0: disk Outdated".to_string()]);
    }

    #[test]
    fn waiting_for_peer_is_warning() {
        let mut r = resource(Role::Primary, DiskState::UpToDate);
        let pd = peer_device(ReplicationState::Off, DiskState::DUnknown);
        r.connections
            .push(connection(ConnectionState::Connecting, Role::Unknown, pd));
        assert_eq!(r.health().level, Level::Warning);
    }

    #[test]
    fn unknown_value_alone_makes_a_resource_unknown() {
        let mut r = resource(Role::from("?"), DiskState::UpToDate);
        assert_eq!(r.health().level, Level::Unknown);
        r.role = Role::Primary;
        let pd = peer_device(ReplicationState::Established, DiskState::UpToDate);
        r.connections.push(connection(
            ConnectionState::Connected,
            Role::from("TOO_LARGE"),
            pd,
        ));
        let h = r.health();
        assert_eq!(h.level, Level::Unknown);
        assert_eq!(h.reasons, vec!["r0/peer role: unknown value 'TOO_LARGE'"]);
    }

    #[test]
    fn an_unnamed_connection_is_named_by_node_id_or_as_the_peer() {
        let mut r = resource(Role::Primary, DiskState::UpToDate);
        let pd = peer_device(ReplicationState::Off, DiskState::DUnknown);
        let mut c = connection(ConnectionState::StandAlone, Role::Unknown, pd);
        c.name.clear();
        c.peer_node_id = Some(1);
        r.connections.push(c.clone());
        c.peer_node_id = None;
        r.connections.push(c);
        let h = r.health();
        assert_eq!(
            h.reasons,
            vec![
                "r0/node-id 1: StandAlone (not replicating)",
                "r0/peer: StandAlone (not replicating)"
            ]
        );
    }

    #[test]
    fn resource_without_volumes_is_unknown_not_ok() {
        let mut r = resource(Role::Primary, DiskState::UpToDate);
        r.devices.clear();
        let h = r.health();
        assert_eq!(h.level, Level::Unknown);
        assert_eq!(h.reasons, vec!["r0: no volume reported"]);
    }

    #[test]
    fn level_exit_codes_follow_plugin_api() {
        let codes: Vec<i32> = [Level::Ok, Level::Warning, Level::Critical, Level::Unknown]
            .map(Level::exit_code)
            .into();
        assert_eq!(codes, vec![0, 1, 2, 3]);
    }
}
