//! One events2 line → one [`Event`], raw values kept (grammar: drbd-formats.md §4.2).

use crate::diag::Diagnostic;
use crate::text;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// What happened to an object (the first word of an event line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Exists,
    Create,
    Change,
    Destroy,
    Call,
    Response,
    Rename,
}

impl Action {
    fn from_word(word: &str) -> Option<Self> {
        Some(match word {
            "exists" => Action::Exists,
            "create" => Action::Create,
            "change" => Action::Change,
            "destroy" => Action::Destroy,
            "call" => Action::Call,
            "response" => Action::Response,
            "rename" => Action::Rename,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Exists => "exists",
            Action::Create => "create",
            Action::Change => "change",
            Action::Destroy => "destroy",
            Action::Call => "call",
            Action::Response => "response",
            Action::Rename => "rename",
        }
    }
}

/// The kinds of object events2 reports on; anything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    Resource,
    Device,
    Connection,
    PeerDevice,
    Path,
    Helper,
    Other,
}

impl ObjectKind {
    pub fn of(object: &str) -> Self {
        match object {
            "resource" => ObjectKind::Resource,
            "device" => ObjectKind::Device,
            "connection" => ObjectKind::Connection,
            "peer-device" => ObjectKind::PeerDevice,
            "path" => ObjectKind::Path,
            "helper" => ObjectKind::Helper,
            _ => ObjectKind::Other,
        }
    }
}

/// A value as printed: plain, or `old->new` with `--diff` (`old` may be `UNKNOWN`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum FieldValue {
    Plain(String),
    Diff { old: String, new: String },
}

impl FieldValue {
    fn parse(raw: &str) -> Self {
        match raw.split_once("->") {
            Some((old, new)) => FieldValue::Diff {
                old: old.to_string(),
                new: new.to_string(),
            },
            None => FieldValue::Plain(raw.to_string()),
        }
    }

    /// The value now in force (the new one of a `--diff` pair).
    pub fn current(&self) -> &str {
        match self {
            FieldValue::Plain(value) => value,
            FieldValue::Diff { new, .. } => new,
        }
    }
}

/// One `key:value` of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub key: String,
    pub value: FieldValue,
}

/// The `key:value` fields of a line, in printed order; serialises as a JSON object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fields(pub Vec<Field>);

impl Fields {
    /// The current value of `key` (the last one if a line repeats it).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|f| f.key == key)
            .map(|f| f.value.current())
    }

    pub fn iter(&self) -> impl Iterator<Item = &Field> {
        self.0.iter()
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for field in &self.0 {
            map.serialize_entry(&field.key, &field.value)?;
        }
        map.end()
    }
}

/// What a line said.
#[derive(Debug, Clone, PartialEq)]
pub enum EventBody {
    /// `action object key:value…`
    Object {
        action: Action,
        object: String,
        fields: Fields,
    },
    /// `exists -`: the initial state dump is complete.
    InitialStateComplete,
    /// `- skipped N` (drbdsetup ≤ 9.26): N notifications were lost.
    Skipped { count: Option<u64> },
    /// Not an events2 line; `raw` is the line as read.
    Invalid { reason: String, raw: String },
}

/// One input line, 1-based `line`, with its `--timestamps` prefix if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub line: usize,
    pub timestamp: Option<String>,
    pub body: EventBody,
}

impl Event {
    /// True unless the line was unparseable.
    pub fn is_valid(&self) -> bool {
        !matches!(self.body, EventBody::Invalid { .. })
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("line", &self.line)?;
        if let Some(timestamp) = &self.timestamp {
            map.serialize_entry("timestamp", timestamp)?;
        }
        match &self.body {
            EventBody::Object {
                action,
                object,
                fields,
            } => {
                map.serialize_entry("action", action)?;
                map.serialize_entry("object", object)?;
                map.serialize_entry("fields", fields)?;
            }
            EventBody::InitialStateComplete => {
                map.serialize_entry("action", &Action::Exists)?;
                map.serialize_entry("object", "-")?;
            }
            EventBody::Skipped { count } => map.serialize_entry("skipped", count)?,
            EventBody::Invalid { reason, raw } => {
                map.serialize_entry("error", "unparseable")?;
                map.serialize_entry("reason", reason)?;
                map.serialize_entry("raw", raw)?;
            }
        }
        map.end()
    }
}

/// Parses line number `line` of an events2 stream. Blank lines give no event; an invalid
/// line gives an [`EventBody::Invalid`] event plus an Error diagnostic.
pub fn parse_line(line: usize, raw: &str) -> (Option<Event>, Vec<Diagnostic>) {
    let raw = raw.trim_end_matches(['\r', '\n']);
    if raw.trim().is_empty() {
        return (None, Vec::new());
    }
    let clean = text::strip_ansi(raw);
    let mut diagnostics = Vec::new();
    let (timestamp, body) = match parse_clean(&clean) {
        Ok((timestamp, body, stray)) => {
            diagnostics.extend(stray.into_iter().map(|token| {
                Diagnostic::error(line, format!("`{token}` is not key:value; ignored"))
            }));
            (timestamp, body)
        }
        Err(reason) => {
            diagnostics.push(Diagnostic::error(
                line,
                format!("unparseable events2 line: {reason}"),
            ));
            let body = EventBody::Invalid {
                reason,
                raw: raw.to_string(),
            };
            (None, body)
        }
    };
    let event = Event {
        line,
        timestamp,
        body,
    };
    (Some(event), diagnostics)
}

/// A parsed line: its timestamp, what it said, and tokens that were not `key:value`.
type Clean<'a> = (Option<String>, EventBody, Vec<&'a str>);

/// Parses an ANSI-free, non-blank line; `Err` says why it is not an events2 line.
fn parse_clean(clean: &str) -> Result<Clean<'_>, String> {
    if clean.starts_with(char::is_whitespace) {
        return Err("starts with whitespace (a wrapped continuation?); events2 never wraps".into());
    }
    let mut tokens = clean.split_whitespace().peekable();
    let mut timestamp = None;
    if let Some(first) = tokens.peek().copied() {
        if text::looks_like_timestamp(first) {
            timestamp = Some(first.to_string());
            tokens.next();
        }
    }
    let head = tokens.next().ok_or("a timestamp and nothing else")?;
    if head == "-" {
        return parse_skipped(tokens).map(|body| (timestamp, body, Vec::new()));
    }
    let action =
        Action::from_word(head).ok_or_else(|| format!("`{head}` is not an events2 action"))?;
    let object = tokens.next().ok_or("no object after the action")?;
    if action == Action::Exists && object == "-" {
        return match tokens.next() {
            None => Ok((timestamp, EventBody::InitialStateComplete, Vec::new())),
            Some(extra) => Err(format!("unexpected `{extra}` after `exists -`")),
        };
    }
    if !object.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
        return Err(format!("`{object}` is not an object name"));
    }
    let mut fields = Fields::default();
    let mut stray = Vec::new();
    for token in tokens {
        match token.split_once(':') {
            Some((key, value)) if is_key(key) => fields.0.push(Field {
                key: key.to_string(),
                value: FieldValue::parse(value),
            }),
            _ => stray.push(token),
        }
    }
    if fields.0.is_empty() {
        return Err(format!("`{head} {object}` without any key:value"));
    }
    let body = EventBody::Object {
        action,
        object: object.to_string(),
        fields,
    };
    Ok((timestamp, body, stray))
}

fn parse_skipped<'a>(mut tokens: impl Iterator<Item = &'a str>) -> Result<EventBody, String> {
    if tokens.next() != Some("skipped") {
        return Err("a line starting with `-` must be `- skipped N`".into());
    }
    let count = tokens.next().and_then(|n| n.parse().ok());
    Ok(EventBody::Skipped { count })
}

fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
