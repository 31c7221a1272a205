//! Typed access to the keys of one JSON object, reporting what does not fit.
//!
//! Every getter removes its key, so what is left at [`Fields::finish`] are the keys this crate
//! does not know (kept, with a warning). A value of the wrong type is an error diagnostic and is
//! kept raw in `invalid`; the rest of the object is still read.

use crate::diag::Diagnostic;
use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;

/// Keys and values this crate did not understand, kept for the caller.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Leftovers {
    /// Keys this crate does not know (added by newer drbd-utils, or foreign).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unknown_keys: BTreeMap<String, Value>,
    /// Known keys whose value had the wrong type, kept raw.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub invalid: BTreeMap<String, Value>,
}

impl Leftovers {
    pub fn is_empty(&self) -> bool {
        self.unknown_keys.is_empty() && self.invalid.is_empty()
    }
}

/// The keys of one JSON object being read; `at` names the object in messages.
pub struct Fields<'d> {
    map: Map<String, Value>,
    at: String,
    left: Leftovers,
    pub diags: &'d mut Vec<Diagnostic>,
}

impl<'d> Fields<'d> {
    /// Reads `value` as an object, or reports it and returns `None`.
    pub fn of(value: Value, at: String, diags: &'d mut Vec<Diagnostic>) -> Option<Self> {
        match value {
            Value::Object(map) => Some(Fields {
                map,
                at,
                left: Leftovers::default(),
                diags,
            }),
            other => {
                diags.push(Diagnostic::error(
                    None,
                    format!(
                        "{at}: expected an object, found {}; skipped",
                        describe(&other)
                    ),
                ));
                None
            }
        }
    }

    /// Where this object is, for messages about its children.
    pub fn at(&self) -> &str {
        &self.at
    }

    /// Names the object better once its identifying key is read.
    pub fn relabel(&mut self, at: String) {
        self.at = at;
    }

    /// Takes every remaining key for which `wanted` is true, in key order.
    pub fn take_matching(&mut self, wanted: impl Fn(&str) -> bool) -> Vec<(String, Value)> {
        let keys: Vec<String> = self.map.keys().filter(|k| wanted(k)).cloned().collect();
        keys.into_iter()
            .filter_map(|k| self.map.remove(&k).map(|v| (k, v)))
            .collect()
    }

    /// A key every drbd-utils version prints: its absence is an error.
    pub fn required_string(&mut self, key: &str) -> Option<String> {
        self.require(key);
        self.string(key)
    }

    /// A key every drbd-utils version prints: its absence is an error.
    pub fn required_u32(&mut self, key: &str) -> Option<u32> {
        self.require(key);
        self.u32(key)
    }

    pub fn string(&mut self, key: &str) -> Option<String> {
        self.typed(key, "a string", |v| v.as_str().map(str::to_string))
    }

    pub fn bool(&mut self, key: &str) -> Option<bool> {
        self.typed(key, "true or false", Value::as_bool)
    }

    pub fn u64(&mut self, key: &str) -> Option<u64> {
        self.typed(key, "an unsigned integer", |v| {
            v.as_number().and_then(number_as_u64)
        })
    }

    pub fn u32(&mut self, key: &str) -> Option<u32> {
        self.typed(key, "an unsigned 32-bit integer", |v| {
            v.as_number()
                .and_then(number_as_u64)
                .and_then(|n| u32::try_from(n).ok())
        })
    }

    pub fn i64(&mut self, key: &str) -> Option<i64> {
        self.typed(key, "an integer", |v| v.as_number().and_then(number_as_i64))
    }

    /// A float or integer; `null` (a mended `nan`) is "no value", not an error.
    pub fn f64(&mut self, key: &str) -> Option<f64> {
        if self.map.get(key) == Some(&Value::Null) {
            self.map.remove(key);
            return None;
        }
        self.typed(key, "a number", Value::as_f64)
    }

    pub fn array(&mut self, key: &str) -> Option<Vec<Value>> {
        match self.map.remove(key)? {
            Value::Array(items) => Some(items),
            other => self.invalid(key, other, "an array"),
        }
    }

    pub fn object(&mut self, key: &str) -> Option<Value> {
        match self.map.remove(key)? {
            object @ Value::Object(_) => Some(object),
            other => self.invalid(key, other, "an object"),
        }
    }

    /// A number kept as printed, for a key already taken; `null` (a mended `nan`) is
    /// `Some(None)`, another type is reported and `None`.
    pub fn raw_number(&mut self, key: &str, value: Value) -> Option<Option<Number>> {
        match value {
            Value::Null => Some(None),
            Value::Number(n) => Some(Some(n)),
            other => self.invalid(key, other, "a number"),
        }
    }

    fn require(&mut self, key: &str) {
        if !self.map.contains_key(key) {
            self.diags.push(Diagnostic::error(
                None,
                format!("{}: key \"{key}\" is missing", self.at),
            ));
        }
    }

    /// Takes `key` and converts it, reporting a value `convert` refuses.
    fn typed<T>(
        &mut self,
        key: &str,
        expected: &str,
        convert: impl Fn(&Value) -> Option<T>,
    ) -> Option<T> {
        let value = self.map.remove(key)?;
        match convert(&value) {
            Some(converted) => Some(converted),
            None => self.invalid(key, value, expected),
        }
    }

    fn invalid<T>(&mut self, key: &str, value: Value, expected: &str) -> Option<T> {
        self.diags.push(Diagnostic::error(
            None,
            format!(
                "{}: \"{key}\" is {}, expected {expected}; value ignored",
                self.at,
                describe(&value)
            ),
        ));
        self.left.invalid.insert(key.to_string(), value);
        None
    }

    /// Keeps the keys nobody asked for as unknown (one warning each) and returns the leftovers.
    pub fn finish(mut self) -> Leftovers {
        for (key, value) in std::mem::take(&mut self.map) {
            self.diags.push(Diagnostic::warning(
                None,
                format!("{}: unknown key \"{key}\" kept as is", self.at),
            ));
            self.left.unknown_keys.insert(key, value);
        }
        self.left
    }
}

/// An integer, or a float with an integral value (re-formatted JSON may print `4096.0`).
fn number_as_u64(n: &Number) -> Option<u64> {
    n.as_u64().or_else(|| {
        let f = n.as_f64()?;
        // 2^64 as f64; anything at or above it does not fit.
        (f.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&f)).then_some(f as u64)
    })
}

fn number_as_i64(n: &Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        let f = n.as_f64()?;
        let range = -9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0;
        (f.fract() == 0.0 && range.contains(&f)).then_some(f as i64)
    })
}

/// The JSON type of a value, with its article ("an array").
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A short description of a value for messages: its type and (a prefix of) its text.
fn describe(value: &Value) -> String {
    if value.is_null() {
        return "null".into();
    }
    let kind = kind(value);
    let text = value.to_string();
    let mut short: String = text.chars().take(40).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    format!("{kind} ({short})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value, diags: &mut Vec<Diagnostic>) -> Fields<'_> {
        Fields::of(value, "r0".into(), diags).unwrap()
    }

    #[test]
    fn integral_floats_count_as_integers() {
        let mut diags = vec![];
        let mut f = fields(json!({"a": 4096.0, "b": -1.0, "c": 1.5}), &mut diags);
        assert_eq!(f.u64("a"), Some(4096));
        assert_eq!(f.i64("b"), Some(-1));
        assert_eq!(f.u64("c"), None);
        assert_eq!(f.finish().invalid.len(), 1);
        assert_eq!(diags.len(), 1);
    }

    #[test]
    fn u64_beyond_i64_is_kept_exactly() {
        let mut diags = vec![];
        let mut f = fields(json!({"a": u64::MAX}), &mut diags);
        assert_eq!(f.u64("a"), Some(u64::MAX));
    }

    #[test]
    fn wrong_type_is_an_error_and_kept_raw() {
        let mut diags = vec![];
        let mut f = fields(json!({"minor": "ten"}), &mut diags);
        assert_eq!(f.u32("minor"), None);
        let left = f.finish();
        assert_eq!(left.invalid["minor"], json!("ten"));
        assert!(diags[0].message.contains("\"minor\" is a string (\"ten\")"));
    }

    #[test]
    fn leftover_keys_are_unknown_with_a_warning() {
        let mut diags = vec![];
        let f = fields(json!({"shiny-new": 1}), &mut diags);
        assert_eq!(f.finish().unknown_keys["shiny-new"], json!(1));
        assert_eq!(diags[0].severity, crate::diag::Severity::Warning);
    }

    #[test]
    fn long_values_are_shortened_in_messages() {
        let long = "x".repeat(500);
        assert!(describe(&json!(long)).chars().count() < 60);
    }
}
