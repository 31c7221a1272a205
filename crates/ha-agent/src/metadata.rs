//! OCF meta-data XML, generated from the [`AgentSpec`].
//!
//! Output stays inside the subset of ocf-pacemaker.md §1.7, which passes resource-agents'
//! `ra-api-1.dtd` (what ocf-tester checks), `metadata.rng`, and the OCF 1.1 schema.

use std::io;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use crate::spec::{ActionSpec, AgentSpec, ParamSpec};

/// The OCF API version we claim; 1.1 is valid under all three validators.
pub const OCF_VERSION: &str = "1.1";

impl AgentSpec {
    /// The `meta-data` document of this agent.
    pub fn metadata_xml(&self) -> String {
        let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
        let written = write_document(&mut writer, self);
        let mut text = String::from_utf8_lossy(&writer.into_inner()).into_owned();
        if let Err(e) = written {
            // Writing to memory cannot fail; say so in the output rather than panic if it does.
            text.push_str(&format!("\n<!-- meta-data incomplete: {e} -->"));
        }
        text.push('\n');
        text
    }
}

fn write_document(w: &mut Writer<Vec<u8>>, spec: &AgentSpec) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", None, None)))?;
    w.write_event(Event::DocType(BytesText::from_escaped(
        "resource-agent SYSTEM \"ra-api-1.dtd\"",
    )))?;
    w.create_element("resource-agent")
        .with_attribute(("name", clean(&spec.name).as_str()))
        .with_attribute(("version", clean(&spec.version).as_str()))
        .write_inner_content(|w| {
            w.create_element("version")
                .write_text_content(BytesText::new(OCF_VERSION))?;
            write_descriptions(w, &spec.longdesc, &spec.shortdesc)?;
            w.create_element("parameters").write_inner_content(|w| {
                spec.params.iter().try_for_each(|p| write_parameter(w, p))
            })?;
            w.create_element("actions").write_inner_content(|w| {
                spec.actions.iter().try_for_each(|a| write_action(w, a))
            })?;
            Ok(())
        })?;
    Ok(())
}

fn write_descriptions(w: &mut Writer<Vec<u8>>, long: &str, short: &str) -> io::Result<()> {
    w.create_element("longdesc")
        .with_attribute(("lang", "en"))
        .write_text_content(BytesText::new(&clean(long)))?;
    w.create_element("shortdesc")
        .with_attribute(("lang", "en"))
        .write_text_content(BytesText::new(&clean(short)))?;
    Ok(())
}

fn write_parameter(w: &mut Writer<Vec<u8>>, p: &ParamSpec) -> io::Result<()> {
    w.create_element("parameter")
        .with_attribute(("name", clean(&p.name).as_str()))
        .with_attribute(("unique", flag(p.unique)))
        .with_attribute(("required", flag(p.required)))
        .write_inner_content(|w| {
            write_descriptions(w, &p.described(), &p.shortdesc)?;
            let content = w
                .create_element("content")
                .with_attribute(("type", p.kind.ocf_name()));
            let default = p.default.as_deref().map(clean);
            match &default {
                Some(d) => content
                    .with_attribute(("default", d.as_str()))
                    .write_empty()?,
                None => content.write_empty()?,
            };
            Ok(())
        })?;
    Ok(())
}

fn write_action(w: &mut Writer<Vec<u8>>, a: &ActionSpec) -> io::Result<()> {
    let timeout = format!("{}s", a.timeout_s);
    let interval = a.interval_s.map(|s| format!("{s}s"));
    let depth = a.depth.map(|d| d.to_string());
    let mut element = w
        .create_element("action")
        .with_attribute(("name", a.action.name()))
        .with_attribute(("timeout", timeout.as_str()));
    if let Some(interval) = &interval {
        element = element.with_attribute(("interval", interval.as_str()));
    }
    if let Some(role) = a.role {
        element = element.with_attribute(("role", role.name()));
    }
    if let Some(depth) = &depth {
        element = element.with_attribute(("depth", depth.as_str()));
    }
    element.write_empty()?;
    Ok(())
}

fn flag(on: bool) -> &'static str {
    match on {
        true => "1",
        false => "0",
    }
}

/// Drops characters XML 1.0 cannot carry (control characters other than tab and newline).
fn clean(text: &str) -> String {
    text.chars()
        .filter(|&c| !c.is_control() || c == '\t' || c == '\n')
        .collect()
}

#[cfg(test)]
mod tests;
