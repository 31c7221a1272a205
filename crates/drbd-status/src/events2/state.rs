//! Folding events into the current state: objects keyed by their ids, `change` lines merged.

use super::keys::{
    known_keys, CONNECTION_IDS, DEVICE_IDS, PATH_IDS, PEER_DEVICE_IDS, RESOURCE_IDS, SYNC_ONLY_KEYS,
};
use super::line::{Action, Event, EventBody, Fields, ObjectKind};
use crate::diag::Diagnostic;
use crate::states::ReplicationState;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// Raw `key:value` state of one object, in first-seen order; serialises as a JSON object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyValues(pub Vec<(String, String)>);

impl KeyValues {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Sets `key`, keeping its place if it was already known.
    pub fn set(&mut self, key: &str, value: &str) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, old)) => *old = value.to_string(),
            None => self.0.push((key.to_string(), value.to_string())),
        }
    }

    pub fn remove(&mut self, key: &str) {
        self.0.retain(|(k, _)| k != key);
    }

    /// Takes over every field of a line except the identifying ones.
    fn merge(&mut self, fields: &Fields, ids: &[&str]) {
        for field in fields.iter().filter(|f| !ids.contains(&f.key.as_str())) {
            self.set(&field.key, field.value.current());
        }
    }
}

impl Serialize for KeyValues {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// A resource: its own keys (`role`, `suspended`, …), devices by volume, connections by name.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ResourceState {
    #[serde(flatten)]
    pub keys: KeyValues,
    pub devices: BTreeMap<u32, KeyValues>,
    pub connections: BTreeMap<String, ConnectionEntry>,
    /// A `call helper … helper:split-brain` was seen for this resource.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub split_brain_reported: bool,
}

/// A connection: its keys (`peer-node-id`, `connection`, `role`, …), peer devices, paths.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ConnectionEntry {
    #[serde(flatten)]
    pub keys: KeyValues,
    pub peer_devices: BTreeMap<u32, KeyValues>,
    /// Keyed by `"<local> <peer>"` addresses.
    pub paths: BTreeMap<String, KeyValues>,
}

/// The state an events2 stream describes after the lines applied so far.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Events2State {
    /// Line of the `exists -` that ended the (latest) initial state dump.
    pub initial_state_complete_at_line: Option<usize>,
    /// Current objects by resource name; destroyed objects are removed.
    #[serde(rename = "final_state")]
    pub resources: BTreeMap<String, ResourceState>,
    /// Notifications lost according to `- skipped N` lines.
    pub skipped_events: u64,
    /// A `- skipped` line was seen and no full dump followed: the state may be wrong.
    pub state_may_be_stale: bool,
}

impl Events2State {
    /// Applies one event; returns what was odd about it (the event's own parse diagnostics
    /// come from [`super::parse_line`]).
    pub fn apply(&mut self, event: &Event) -> Vec<Diagnostic> {
        let line = event.line;
        let mut diags = Vec::new();
        match &event.body {
            EventBody::Invalid { .. } => {}
            EventBody::InitialStateComplete => self.initial_state_complete_at_line = Some(line),
            EventBody::Skipped { count } => {
                self.skipped_events = self.skipped_events.saturating_add(count.unwrap_or(0));
                self.state_may_be_stale = true;
                let lost = count.map_or_else(|| "some".to_string(), |n| n.to_string());
                diags.push(Diagnostic::warning(
                    line,
                    format!("{lost} events were lost (`- skipped`): state may be stale until the next full dump"),
                ));
            }
            EventBody::Object {
                action,
                object,
                fields,
            } => self.apply_object(line, *action, object, fields, &mut diags),
        }
        diags
    }

    fn apply_object(
        &mut self,
        line: usize,
        action: Action,
        object: &str,
        fields: &Fields,
        diags: &mut Vec<Diagnostic>,
    ) {
        let kind = ObjectKind::of(object);
        if kind == ObjectKind::Other {
            diags.push(Diagnostic::warning(
                line,
                format!("unknown object `{object}`: event kept, state unchanged"),
            ));
            return;
        }
        for field in fields.iter() {
            if !known_keys(kind).contains(&field.key.as_str()) {
                diags.push(Diagnostic::warning(
                    line,
                    format!("unknown key `{}` in {object} line, kept as is", field.key),
                ));
            }
        }
        let outcome = match (action, kind) {
            (Action::Call, ObjectKind::Helper) => self.note_helper_call(fields),
            (Action::Response, ObjectKind::Helper) => Ok(()),
            (Action::Rename, ObjectKind::Resource) => self.rename(line, fields, diags),
            (Action::Call | Action::Response | Action::Rename, _) | (_, ObjectKind::Helper) => {
                diags.push(Diagnostic::warning(
                    line,
                    format!(
                        "`{} {object}` is not a known combination; state unchanged",
                        action.as_str()
                    ),
                ));
                Ok(())
            }
            (Action::Destroy, _) => self.destroy(kind, fields),
            (Action::Exists | Action::Create | Action::Change, _) => {
                if action == Action::Exists && self.initial_state_complete_at_line.is_some() {
                    self.restart_dump(line, diags);
                }
                self.upsert(kind, fields)
            }
        };
        if let Err(why) = outcome {
            diags.push(Diagnostic::error(line, why));
        }
    }

    /// `exists` lines after `exists -` start a full re-dump (drbdsetup reset its state).
    fn restart_dump(&mut self, line: usize, diags: &mut Vec<Diagnostic>) {
        diags.push(Diagnostic::warning(
            line,
            "a new initial state dump starts: earlier state dropped",
        ));
        self.resources.clear();
        self.initial_state_complete_at_line = None;
        self.state_may_be_stale = false;
    }

    fn upsert(&mut self, kind: ObjectKind, fields: &Fields) -> Result<(), String> {
        let resource = self.resource_mut(fields)?;
        match kind {
            ObjectKind::Resource => resource.keys.merge(fields, RESOURCE_IDS),
            ObjectKind::Device => {
                let volume = volume(fields, "device")?;
                let device = resource.devices.entry(volume).or_default();
                device.merge(fields, DEVICE_IDS);
            }
            ObjectKind::Connection => {
                let connection = connection_mut(resource, fields, "connection")?;
                connection.keys.merge(fields, CONNECTION_IDS);
            }
            ObjectKind::PeerDevice => {
                let volume = volume(fields, "peer-device")?;
                let connection = connection_mut(resource, fields, "peer-device")?;
                let peer_device = connection.peer_devices.entry(volume).or_default();
                peer_device.merge(fields, PEER_DEVICE_IDS);
                drop_finished_sync_keys(peer_device, fields);
            }
            ObjectKind::Path => {
                let key = path_key(fields)?;
                let connection = connection_mut(resource, fields, "path")?;
                connection
                    .paths
                    .entry(key)
                    .or_default()
                    .merge(fields, PATH_IDS);
            }
            ObjectKind::Helper | ObjectKind::Other => {}
        }
        Ok(())
    }

    fn destroy(&mut self, kind: ObjectKind, fields: &Fields) -> Result<(), String> {
        let name = resource_name(fields)?;
        if kind == ObjectKind::Resource {
            self.resources.remove(name);
            return Ok(());
        }
        let Some(resource) = self.resources.get_mut(name) else {
            return Ok(());
        };
        match kind {
            ObjectKind::Device => {
                resource.devices.remove(&volume(fields, "device")?);
            }
            ObjectKind::Connection => {
                let name = conn_name(resource, fields, "connection")?;
                resource.connections.remove(&name);
            }
            ObjectKind::PeerDevice => {
                let volume = volume(fields, "peer-device")?;
                let name = conn_name(resource, fields, "peer-device")?;
                if let Some(connection) = resource.connections.get_mut(&name) {
                    connection.peer_devices.remove(&volume);
                }
            }
            ObjectKind::Path => {
                let key = path_key(fields)?;
                let name = conn_name(resource, fields, "path")?;
                if let Some(connection) = resource.connections.get_mut(&name) {
                    connection.paths.remove(&key);
                }
            }
            ObjectKind::Resource | ObjectKind::Helper | ObjectKind::Other => {}
        }
        Ok(())
    }

    /// `rename resource name:old new_name:new` re-keys the resource.
    fn rename(
        &mut self,
        line: usize,
        fields: &Fields,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<(), String> {
        let old = resource_name(fields)?;
        let new = fields
            .get("new_name")
            .filter(|n| !n.is_empty())
            .ok_or("rename line without `new_name:`; state unchanged")?;
        match self.resources.remove(old) {
            Some(resource) => {
                self.resources.insert(new.to_string(), resource);
            }
            None => diags.push(Diagnostic::warning(
                line,
                format!("rename of unknown resource `{old}`; state unchanged"),
            )),
        }
        Ok(())
    }

    /// drbd-utils runs the `split-brain` handler when DRBD detected split brain.
    fn note_helper_call(&mut self, fields: &Fields) -> Result<(), String> {
        if fields.get("helper") == Some("split-brain") {
            self.resource_mut(fields)?.split_brain_reported = true;
        }
        Ok(())
    }

    fn resource_mut(&mut self, fields: &Fields) -> Result<&mut ResourceState, String> {
        let name = resource_name(fields)?;
        Ok(self.resources.entry(name.to_string()).or_default())
    }
}

fn resource_name(fields: &Fields) -> Result<&str, String> {
    fields
        .get("name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| "line without `name:`; state unchanged".to_string())
}

fn volume(fields: &Fields, object: &str) -> Result<u32, String> {
    fields
        .get("volume")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("{object} line without a numeric `volume:`; state unchanged"))
}

/// The connection's key: its `conn-name:`, or, for lines that carry only `peer-node-id:`
/// (drbd-utils prints no name for an 8.4 StandAlone connection that lost its peer address),
/// the connection already known with that id, else `peer-node-<id>`.
fn conn_name(resource: &ResourceState, fields: &Fields, object: &str) -> Result<String, String> {
    if let Some(name) = fields.get("conn-name").filter(|n| !n.is_empty()) {
        return Ok(name.to_string());
    }
    let Some(id) = fields.get("peer-node-id").filter(|id| !id.is_empty()) else {
        return Err(format!(
            "{object} line without `conn-name:` or `peer-node-id:`; state unchanged"
        ));
    };
    let known = resource
        .connections
        .iter()
        .find(|(_, c)| c.keys.get("peer-node-id") == Some(id));
    Ok(match known {
        Some((name, _)) => name.clone(),
        None => format!("peer-node-{id}"),
    })
}

fn path_key(fields: &Fields) -> Result<String, String> {
    match (fields.get("local"), fields.get("peer")) {
        (Some(local), Some(peer)) => Ok(format!("{local} {peer}")),
        _ => Err("path line without `local:` and `peer:`; state unchanged".into()),
    }
}

/// The connection a line belongs to, created if this is the first line about it
/// (lines may arrive out of order); it learns `peer-node-id` from any line that has one.
fn connection_mut<'a>(
    resource: &'a mut ResourceState,
    fields: &Fields,
    object: &str,
) -> Result<&'a mut ConnectionEntry, String> {
    let name = conn_name(resource, fields, object)?;
    let connection = resource.connections.entry(name).or_default();
    if let Some(id) = fields.get("peer-node-id") {
        connection.keys.set("peer-node-id", id);
    }
    Ok(connection)
}

/// When replication leaves resync/verify, `done`/`eta`/`dbdt1` no longer apply
/// (drbd-utils stops printing them, so merging would keep stale values).
fn drop_finished_sync_keys(peer_device: &mut KeyValues, fields: &Fields) {
    let Some(replication) = fields.get("replication") else {
        return;
    };
    let state = ReplicationState::from(replication);
    if state.is_other() || state.is_syncing() || state.is_verifying() {
        return;
    }
    for key in SYNC_ONLY_KEYS {
        if fields.get(key).is_none() {
            peer_device.remove(key);
        }
    }
}
