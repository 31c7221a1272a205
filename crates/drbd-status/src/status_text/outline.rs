//! Step 1: lines → objects. Decides, line by line, which object a line opens or continues,
//! and collects each object's `key:value` tokens, so wrapping never matters to step 2.
//!
//! drbd-utils prints objects at indent 0 (resource), 2 (device, connection) and 4 (peer
//! device); when a line does not fit into 80 columns the rest goes to a continuation line
//! deeper than its object (4, 6, 6, 8; hand-wrapped documentation uses any depth). Before
//! 9.32 a device line ending exactly at column 80 pushed the next object line to indent 6.
//! So indentation alone cannot be trusted; these rules decide, in this order:
//!
//! 1. indent 0: a resource line (its first token is the name);
//! 2. first token without `:`: a connection line (its first token is the name);
//! 3. first token `volume:`: a device, or a peer device once connections started
//!    (`volume:` is always the first token of its object, never a continuation);
//! 4. first token `node-id:` at indent ≤ 2, or right after a device: a connection without name;
//! 5. indent ≤ 2: a device line (also `disk:` of single-volume resources);
//! 6. indent 4–5 after a connection, ≤ 4 after a peer device: a peer-device line;
//! 7. anything else is a continuation of the current object.

use crate::diag::{Diagnostic, ParseError};
use crate::text::{says_none_configured, strip_ansi};

/// One `key:value` token and the line it was on.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// An object's first line, its name (resource, connection) and all its tokens.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct RawObject {
    pub line: usize,
    pub name: Option<String>,
    pub tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct RawConnection {
    pub object: RawObject,
    pub peer_devices: Vec<RawObject>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct RawResource {
    pub object: RawObject,
    pub devices: Vec<RawObject>,
    pub connections: Vec<RawConnection>,
}

/// The object the last line belonged to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Current {
    Resource,
    Device,
    Connection,
    PeerDevice,
}

/// What a line inside a resource does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    NewDevice,
    NewConnection { named: bool },
    NewPeerDevice,
    Continue,
}

/// Splits the input into resources and their objects.
pub(super) fn outline(
    input: &str,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<RawResource>, ParseError> {
    let mut resources: Vec<RawResource> = Vec::new();
    let mut current = Current::Resource;
    let mut none_configured = false;
    for (index, raw_line) in input.split('\n').enumerate() {
        let line_no = index.saturating_add(1);
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        let line = if index == 0 {
            line.trim_start_matches('\u{feff}')
        } else {
            line
        };
        let line = strip_ansi(line);
        let content = line.trim();
        if content.is_empty() {
            continue;
        }
        let indent = indentation(&line);
        if content.starts_with('#') {
            if indent == 0 && says_none_configured(content) {
                none_configured = true;
            } else {
                diags.push(Diagnostic::warning(line_no, "comment line ignored"));
            }
            continue;
        }
        let mut words = content.split_whitespace();
        let Some(first) = words.next() else { continue };
        if indent == 0 {
            if first.contains(':') {
                let message = format!(
                    "expected a resource line `<name> role:<role>` at column 0, found `{first}`"
                );
                if resources.is_empty() {
                    return Err(ParseError::new(line_no, message));
                }
                diags.push(Diagnostic::error(
                    line_no,
                    format!("{message}; line ignored"),
                ));
                continue;
            }
            let mut object = RawObject::new(line_no, Some(first));
            object.add_tokens(words, line_no, diags);
            resources.push(RawResource {
                object,
                devices: Vec::new(),
                connections: Vec::new(),
            });
            current = Current::Resource;
            continue;
        }
        let Some(resource) = resources.last_mut() else {
            return Err(ParseError::new(
                line_no,
                "resource line must start at column 0 (found an indented line before any resource)",
            ));
        };
        let first_key = first.split_once(':').map(|(key, _)| key);
        let in_connections = !resource.connections.is_empty();
        let place = place(current, indent, first_key, in_connections);
        let (object, first_is_name) = match place {
            Place::Continue => (current_object(resource, current), false),
            Place::NewDevice => {
                if in_connections {
                    diags.push(Diagnostic::warning(
                        line_no,
                        "device line after the connection lines",
                    ));
                }
                current = Current::Device;
                resource.devices.push(RawObject::new(line_no, None));
                (resource.devices.last_mut(), false)
            }
            Place::NewConnection { named } => {
                current = Current::Connection;
                let name = if named { first } else { "" };
                resource.connections.push(RawConnection {
                    object: RawObject::new(line_no, Some(name)),
                    peer_devices: Vec::new(),
                });
                (
                    resource.connections.last_mut().map(|c| &mut c.object),
                    named,
                )
            }
            Place::NewPeerDevice => {
                current = Current::PeerDevice;
                let connection = resource.connections.last_mut();
                match connection {
                    Some(c) => {
                        c.peer_devices.push(RawObject::new(line_no, None));
                        (c.peer_devices.last_mut(), false)
                    }
                    None => (None, false),
                }
            }
        };
        let Some(object) = object else {
            diags.push(Diagnostic::error(
                line_no,
                "line belongs to no object; ignored",
            ));
            continue;
        };
        let tokens = content.split_whitespace().skip(usize::from(first_is_name));
        object.add_tokens(tokens, line_no, diags);
    }
    if resources.is_empty() && !none_configured {
        return Err(ParseError::new(
            None,
            "no resource line found: not a `drbdadm status` output",
        ));
    }
    if !resources.is_empty() && none_configured {
        diags.push(Diagnostic::warning(
            None,
            "`# No currently configured DRBD found.` next to resources",
        ));
    }
    Ok(resources)
}

/// Decides what a line inside a resource does (see the module documentation).
fn place(current: Current, indent: usize, first_key: Option<&str>, in_connections: bool) -> Place {
    let Some(key) = first_key else {
        return Place::NewConnection { named: true };
    };
    if key == "volume" {
        return if in_connections {
            Place::NewPeerDevice
        } else {
            Place::NewDevice
        };
    }
    if key == "node-id" && (indent <= 2 || current == Current::Device) {
        return Place::NewConnection { named: false };
    }
    if indent <= 2 {
        return Place::NewDevice;
    }
    // Lines that only an object starts, whatever a copy did to the indentation (tabs):
    // `disk:` right after the resource line is its device, `replication:`/`peer-disk:` right
    // after a connection line its first peer device.
    match (key, current) {
        ("disk", Current::Resource) => return Place::NewDevice,
        ("replication" | "peer-disk", Current::Connection) => return Place::NewPeerDevice,
        _ => {}
    }
    match current {
        Current::Connection if (4..=5).contains(&indent) => Place::NewPeerDevice,
        Current::PeerDevice if indent <= 4 => Place::NewPeerDevice,
        _ => Place::Continue,
    }
}

fn current_object(resource: &mut RawResource, current: Current) -> Option<&mut RawObject> {
    match current {
        Current::Resource => Some(&mut resource.object),
        Current::Device => resource.devices.last_mut(),
        Current::Connection => resource.connections.last_mut().map(|c| &mut c.object),
        Current::PeerDevice => resource
            .connections
            .last_mut()
            .and_then(|c| c.peer_devices.last_mut()),
    }
}

/// Leading whitespace width; a tab counts 8 (drbd-utils never prints tabs, copies might).
fn indentation(line: &str) -> usize {
    line.chars()
        .take_while(|c| c.is_whitespace())
        .fold(0usize, |width, c| {
            width.saturating_add(if c == '\t' { 8 } else { 1 })
        })
}

impl RawObject {
    fn new(line: usize, name: Option<&str>) -> Self {
        RawObject {
            line,
            name: name.map(str::to_string),
            tokens: Vec::new(),
        }
    }

    fn add_tokens<'a>(
        &mut self,
        words: impl Iterator<Item = &'a str>,
        line: usize,
        diags: &mut Vec<Diagnostic>,
    ) {
        for word in words {
            match word.split_once(':') {
                Some((key, value)) if !key.is_empty() => self.tokens.push(Token {
                    key: key.to_string(),
                    value: value.to_string(),
                    line,
                }),
                _ => diags.push(Diagnostic::warning(
                    line,
                    format!("`{word}` is not a key:value token; ignored"),
                )),
            }
        }
    }
}
