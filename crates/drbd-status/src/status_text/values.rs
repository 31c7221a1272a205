//! Raw-preserving value types of the text status: yes/no flags and numeric statistics.

use serde::{Serialize, Serializer};

/// A `yes`/`no` value, or any other word kept raw (`unknown`, `upper,lower`, …).
///
/// Serialises as `true`/`false`, other words as their string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flag {
    Yes,
    No,
    Other(String),
}

impl Flag {
    /// `Some(true)` for `yes`, `Some(false)` for `no`, `None` for anything else.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Flag::Yes => Some(true),
            Flag::No => Some(false),
            Flag::Other(_) => None,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Flag::Yes => "yes",
            Flag::No => "no",
            Flag::Other(raw) => raw,
        }
    }
}

impl From<&str> for Flag {
    fn from(raw: &str) -> Self {
        match raw {
            "yes" => Flag::Yes,
            "no" => Flag::No,
            other => Flag::Other(other.to_string()),
        }
    }
}

impl Serialize for Flag {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Flag::Yes => s.serialize_bool(true),
            Flag::No => s.serialize_bool(false),
            Flag::Other(raw) => s.serialize_str(raw),
        }
    }
}

/// A statistics value exactly as printed (`1048412`, `12.50`, `nan`).
///
/// Serialises as a JSON number when it is one, `null` for `nan`/`inf` (no JSON number
/// exists for them), and as the raw string otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat(pub String);

impl Stat {
    pub fn raw(&self) -> &str {
        &self.0
    }

    /// The value as an unsigned integer (`1048412`), if it is one.
    pub fn as_u64(&self) -> Option<u64> {
        let raw = self.0.as_str();
        if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        raw.parse().ok()
    }

    /// The value as a finite decimal number (`-3`, `12.50`); `nan`/`inf` give `None`.
    pub fn as_f64(&self) -> Option<f64> {
        let raw = self.0.as_str();
        let digits = raw.strip_prefix('-').unwrap_or(raw);
        let mut parts = digits.splitn(2, '.');
        let int = parts.next().unwrap_or("");
        let frac = parts.next().unwrap_or("0");
        let is_decimal = !int.is_empty()
            && int.bytes().all(|b| b.is_ascii_digit())
            && !frac.is_empty()
            && frac.bytes().all(|b| b.is_ascii_digit());
        if !is_decimal {
            return None;
        }
        raw.parse::<f64>().ok().filter(|v| v.is_finite())
    }

    /// `nan`, `-nan`, `inf` or `-inf`: what C's `printf("%f")` prints for no estimate.
    pub fn is_not_a_number(&self) -> bool {
        matches!(
            self.0.to_ascii_lowercase().as_str(),
            "nan" | "-nan" | "inf" | "-inf" | "infinity" | "-infinity"
        )
    }
}

impl Serialize for Stat {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Some(n) = self.as_u64() {
            s.serialize_u64(n)
        } else if let Some(x) = self.as_f64() {
            s.serialize_f64(x)
        } else if self.is_not_a_number() {
            s.serialize_none()
        } else {
            s.serialize_str(&self.0)
        }
    }
}
