//! `--help`: usage in all three modes and the parameter table, from the [`AgentSpec`].

use std::path::Path;

use crate::action::Action;
use crate::spec::{AgentSpec, ParamSpec};

impl AgentSpec {
    /// The text `Agent --help` prints. `config_path` is where the defaults file is looked for.
    pub fn help_text(&self, config_path: &Path) -> String {
        let name = &self.name;
        let mut out = format!("{name} {}: {}\n\n", self.version, self.shortdesc);
        out.push_str(&wrap(&self.longdesc, 78));
        out.push_str("\n\nUsage:\n");
        out.push_str(&format!(
            "  Heartbeat (haresources):  {}\n",
            self.haresources_form()
        ));
        out.push_str(&format!(
            "      runs {name}{} {{start|stop|status}}\n",
            self.positional_usage()
        ));
        out.push_str(&format!(
            "  Manual:  {name} [name=value ...] {{start|stop|status|validate-all}}\n"
        ));
        out.push_str(&format!(
            "           {name} [name=value ...] status --json\n"
        ));
        out.push_str(&format!(
            "  OCF (Pacemaker):  OCF_RESOURCE_INSTANCE=<id> OCF_RESKEY_<name>=<value> ... {name} {{{}}}\n",
            self.ocf_actions().join("|")
        ));
        out.push_str(&format!("           {name} meta-data\n\n"));
        out.push_str("Parameters (* = required; arg = position in Heartbeat's Agent::a1::a2):\n");
        out.push_str(&self.param_table());
        out.push_str(&format!(
            "\nDefaults file: {} (key=value lines, # comments; directory: MFS_HA_CONFIG_DIR)\n",
            config_path.display()
        ));
        out.push_str("Exit codes: LSB in Heartbeat and manual mode, OCF (0-9) in OCF mode.\n");
        out
    }

    /// `Initdrbd::<drbd_resource>::<device>` as written in haresources.
    pub fn haresources_form(&self) -> String {
        let mut form = self.name.clone();
        for p in self.positional_params() {
            form.push_str(&format!("::<{}>", p.name));
        }
        form
    }

    fn positional_usage(&self) -> String {
        self.positional_params()
            .iter()
            .map(|p| match p.required {
                true => format!(" <{}>", p.name),
                false => format!(" [{}]", p.name),
            })
            .collect()
    }

    /// Declared action names, each once, in declaration order.
    pub fn ocf_actions(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Vec::new();
        for a in &self.actions {
            if a.action != Action::Usage && !names.contains(&a.action.name()) {
                names.push(a.action.name());
            }
        }
        names
    }

    fn param_table(&self) -> String {
        let rows: Vec<[String; 5]> = self.params.iter().map(param_row).collect();
        let header = [
            "name".to_string(),
            "type".to_string(),
            "default".to_string(),
            "arg".to_string(),
            "description".to_string(),
        ];
        let mut widths = [0usize; 4];
        for row in std::iter::once(&header).chain(rows.iter()) {
            for (w, cell) in widths.iter_mut().zip(row.iter()) {
                *w = (*w).max(cell.chars().count());
            }
        }
        std::iter::once(&header)
            .chain(rows.iter())
            .map(|row| {
                let mut line = String::from(" ");
                for (w, cell) in widths.iter().zip(row.iter()) {
                    line.push_str(&format!(" {cell:<w$}", w = *w));
                }
                line.push_str(&format!(" {}\n", row[4]));
                line
            })
            .collect()
    }
}

fn param_row(p: &ParamSpec) -> [String; 5] {
    let star = if p.required { "*" } else { "" };
    [
        format!("{}{star}", p.name),
        p.kind.doc_name().to_string(),
        p.default.clone().unwrap_or_else(|| "-".to_string()),
        p.positional.map_or("-".to_string(), |n| n.to_string()),
        match p.range {
            Some((min, max)) => format!("{} ({min} to {max})", p.shortdesc),
            None if !p.choices.is_empty() => format!("{} ({})", p.shortdesc, p.choices.join("|")),
            None => p.shortdesc.clone(),
        },
    ]
}

/// Greedy word wrap that keeps paragraph breaks.
fn wrap(text: &str, width: usize) -> String {
    text.split("\n\n")
        .map(|para| {
            let mut lines: Vec<String> = Vec::new();
            let mut line = String::new();
            for word in para.split_whitespace() {
                if !line.is_empty() && line.len() + 1 + word.len() > width {
                    lines.push(std::mem::take(&mut line));
                }
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
            }
            lines.push(line);
            lines.join("\n")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::ParamSpec;

    fn spec() -> AgentSpec {
        AgentSpec::new("Initdrbd", "0.1.0", "Promote DRBD and mount it")
            .param(
                ParamSpec::string("drbd_resource", "DRBD resource name")
                    .required()
                    .positional(1),
            )
            .param(ParamSpec::string("device", "DRBD device").positional(2))
            .param(ParamSpec::integer("timeout", "Seconds per action").default("30"))
            .standard_actions()
    }

    #[test]
    fn help_shows_all_three_modes() {
        let text = spec().help_text(Path::new("/etc/ha.d/mfs-ha/Initdrbd.conf"));
        assert!(text.contains("Heartbeat (haresources):  Initdrbd::<drbd_resource>::<device>"));
        assert!(text.contains("runs Initdrbd <drbd_resource> [device] {start|stop|status}"));
        assert!(
            text.contains("Manual:  Initdrbd [name=value ...] {start|stop|status|validate-all}")
        );
        assert!(text.contains("status --json"));
        assert!(text.contains("{start|stop|monitor|meta-data|validate-all}"));
        assert!(text.contains("/etc/ha.d/mfs-ha/Initdrbd.conf"));
    }

    #[test]
    fn help_lists_every_parameter_with_type_default_and_position() {
        let text = spec().help_text(Path::new("/x.conf"));
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with("drbd_resource*"))
            .unwrap();
        assert!(
            line.contains("string") && line.contains(" 1 ") && line.contains("DRBD resource name")
        );
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with("timeout"))
            .unwrap();
        assert!(line.contains("integer") && line.contains("30"));
    }

    #[test]
    fn wrap_keeps_paragraphs() {
        assert_eq!(wrap("a b c\n\nd", 3), "a b\nc\n\nd");
    }
}
