//! A minimal metric model and its two text forms: the Prometheus text format 0.0.4 (what
//! node_exporter's textfile collector and `promtool check metrics` read) and OpenMetrics 1.0
//! (counter families named without `_total`, `# UNIT`, `# EOF`).

/// The kind of a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gauge,
    Counter,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// The full sample name (`mfsha_agent_actions_total` for a counter).
    pub name: String,
    pub help: String,
    pub kind: Kind,
    /// The unit the name ends with (`seconds`, `bytes`), for OpenMetrics' `# UNIT`.
    pub unit: Option<&'static str>,
    pub samples: Vec<(Vec<(String, String)>, f64)>,
}

impl Family {
    pub fn gauge(name: &str, help: &str) -> Family {
        Family {
            name: name.to_string(),
            help: help.to_string(),
            kind: Kind::Gauge,
            unit: ["seconds", "bytes"]
                .into_iter()
                .find(|u| name.ends_with(&format!("_{u}"))),
            samples: Vec::new(),
        }
    }

    pub fn counter(name: &str, help: &str) -> Family {
        debug_assert!(name.ends_with("_total"));
        Family {
            kind: Kind::Counter,
            ..Family::gauge(name, help)
        }
    }

    pub fn add(&mut self, labels: &[(&str, &str)], value: f64) -> &mut Family {
        self.samples.push((
            labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value,
        ));
        self
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

fn value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn sample_line(out: &mut String, name: &str, labels: &[(String, String)], v: f64) {
    out.push_str(name);
    if !labels.is_empty() {
        let l: Vec<String> = labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
            .collect();
        out.push('{');
        out.push_str(&l.join(","));
        out.push('}');
    }
    out.push(' ');
    out.push_str(&value(v));
    out.push('\n');
}

/// The Prometheus text format (`text/plain; version=0.0.4`).
pub fn prometheus(families: &[Family]) -> String {
    let mut out = String::new();
    for f in families.iter().filter(|f| !f.samples.is_empty()) {
        let kind = match f.kind {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
        };
        out.push_str(&format!("# HELP {} {}\n", f.name, escape_help(&f.help)));
        out.push_str(&format!("# TYPE {} {kind}\n", f.name));
        for (labels, v) in &f.samples {
            sample_line(&mut out, &f.name, labels, *v);
        }
    }
    out
}

/// OpenMetrics 1.0 (`application/openmetrics-text; version=1.0.0`).
pub fn openmetrics(families: &[Family]) -> String {
    let mut out = String::new();
    for f in families.iter().filter(|f| !f.samples.is_empty()) {
        let (family, kind) = match f.kind {
            Kind::Gauge => (f.name.as_str(), "gauge"),
            Kind::Counter => (f.name.strip_suffix("_total").unwrap_or(&f.name), "counter"),
        };
        out.push_str(&format!("# TYPE {family} {kind}\n"));
        if let Some(u) = f.unit {
            out.push_str(&format!("# UNIT {family} {u}\n"));
        }
        out.push_str(&format!("# HELP {family} {}\n", escape_help(&f.help)));
        for (labels, v) in &f.samples {
            sample_line(&mut out, &f.name, labels, *v);
        }
    }
    out.push_str("# EOF\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn families() -> Vec<Family> {
        let mut c = Family::counter("mfsha_failovers_total", "Takeovers by this node.");
        c.add(&[("kind", "crash")], 2.0);
        let mut g = Family::gauge("mfsha_drbd_out_of_sync_bytes", "Out of sync.");
        g.add(&[("resource", "r\"0\n")], 1.5);
        let empty = Family::gauge("mfsha_nothing", "never shown");
        vec![c, g, empty]
    }

    #[test]
    fn prometheus_text_types_the_full_counter_name() {
        let t = prometheus(&families());
        assert!(
            t.contains(
                "# TYPE mfsha_failovers_total counter\nmfsha_failovers_total{kind=\"crash\"} 2\n"
            ),
            "{t}"
        );
        assert!(
            t.contains("mfsha_drbd_out_of_sync_bytes{resource=\"r\\\"0\\n\"} 1.5\n"),
            "{t}"
        );
        assert!(!t.contains("mfsha_nothing"));
        assert!(!t.contains("# EOF"));
    }

    #[test]
    fn openmetrics_names_the_counter_family_without_total_and_ends_with_eof() {
        let t = openmetrics(&families());
        assert!(
            t.starts_with("# TYPE mfsha_failovers counter\n# HELP mfsha_failovers "),
            "{t}"
        );
        assert!(
            t.contains("# UNIT mfsha_drbd_out_of_sync_bytes bytes\n"),
            "{t}"
        );
        assert!(t.ends_with("# EOF\n"));
    }
}
