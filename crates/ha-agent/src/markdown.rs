//! A Markdown page per agent (for `docs/agents/<Agent>.md`), from the [`AgentSpec`].

use crate::spec::AgentSpec;

impl AgentSpec {
    /// The operator's page for this agent.
    pub fn markdown(&self) -> String {
        let name = &self.name;
        let mut out = format!(
            "# {name}\n\n{}\n\n{}\n\n",
            self.shortdesc,
            self.longdesc.trim()
        );
        out.push_str(&format!(
            "Version {}. Generated from the agent's declaration; do not edit by hand.\n\n",
            self.version
        ));
        out.push_str("## How to run it\n\n");
        out.push_str(&format!(
            "Heartbeat v1 (`/etc/ha.d/haresources`; the operation is appended last):\n\n```\nnode1 {}\n```\n\n",
            self.haresources_form()
        ));
        out.push_str(&format!(
            "By hand (LSB exit codes; `status` also takes `--json`):\n\n```\n{name} [name=value ...] start|stop|status|validate-all\n```\n\n"
        ));
        out.push_str(&format!(
            "Pacemaker (OCF; parameters in `OCF_RESKEY_<name>`), e.g. with crmsh:\n\n```\ncrm configure primitive {} ocf:mfs-ha:{name}{} op monitor interval=10s\n```\n\n",
            name.to_ascii_lowercase(),
            self.crm_params()
        ));
        out.push_str("## Parameters\n\n");
        out.push_str(
            "| Name | Type | Default | Required | Unique | Heartbeat position | Description |\n",
        );
        out.push_str("|---|---|---|---|---|---|---|\n");
        for p in &self.params {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} | {} | {} |\n",
                p.name,
                p.kind.doc_name(),
                p.default
                    .as_deref()
                    .map_or("—".to_string(), |d| format!("`{}`", cell(d))),
                yes_no(p.required),
                yes_no(p.unique),
                p.positional.map_or("—".to_string(), |n| n.to_string()),
                cell(&p.described()),
            ));
        }
        if !self.refusals.is_empty() {
            out.push_str(
                "\n## Refusals and failures\n\n| Action, exit | Message (start of the reason) | What it means, what to do |\n|---|---|---|\n",
            );
            for r in &self.refusals {
                out.push_str(&format!(
                    "| {} | `{}` | {} |\n",
                    cell(&r.when),
                    cell(&r.message).replace('`', "'"),
                    cell(&r.what_to_do)
                ));
            }
        }
        out.push_str("\n## Actions\n\n| Action | Timeout | Interval | Role | Depth |\n|---|---|---|---|---|\n");
        for a in &self.actions {
            out.push_str(&format!(
                "| `{}` | {}s | {} | {} | {} |\n",
                a.action.name(),
                a.timeout_s,
                a.interval_s.map_or("—".to_string(), |s| format!("{s}s")),
                a.role.map_or("—", |r| r.name()),
                a.depth.map_or("—".to_string(), |d| d.to_string()),
            ));
        }
        out.push_str(&format!(
            "\n## Files\n\n\
             * Defaults: `/etc/ha.d/mfs-ha/{name}.conf` (`key=value`; directory `MFS_HA_CONFIG_DIR`).\n\
             * Lock: `/run/mfs-ha/{name}-<instance>.lock` (directory `MFS_HA_RUN_DIR`).\n\
             * Flight recorder: `/var/lib/mfs-ha/flight/{name}.jsonl` (directory `MFS_HA_STATE_DIR`).\n\n\
             Exit codes, logging and modes are described in `docs/agent-framework.md`.\n"
        ));
        out
    }

    fn crm_params(&self) -> String {
        let required: Vec<String> = self
            .params
            .iter()
            .filter(|p| p.required)
            .map(|p| format!("{}=...", p.name))
            .collect();
        match required.is_empty() {
            true => String::new(),
            false => format!(" params {}", required.join(" ")),
        }
    }
}

fn yes_no(flag: bool) -> &'static str {
    match flag {
        true => "yes",
        false => "no",
    }
}

/// Table cells: one line, pipes escaped.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use crate::spec::{AgentSpec, ParamSpec};

    #[test]
    fn markdown_has_sections_and_parameter_rows() {
        let spec = AgentSpec::new("VIPaddr", "0.1.0", "A virtual IP address")
            .param(
                ParamSpec::string("ip", "The address")
                    .required()
                    .unique()
                    .positional(1),
            )
            .param(ParamSpec::string("nic", "The interface | or auto\nsecond line").default("auto"))
            .standard_actions();
        let md = spec.markdown();
        assert!(md.starts_with("# VIPaddr\n"));
        for section in [
            "## How to run it",
            "## Parameters",
            "## Actions",
            "## Files",
        ] {
            assert!(md.contains(section), "{section}");
        }
        assert!(md.contains("node1 VIPaddr::<ip>"));
        assert!(md.contains("| `ip` | string | — | yes | yes | 1 | The address |"));
        assert!(md.contains("The interface \\| or auto second line"));
        assert!(!md.contains("## Refusals"), "no table without refusals");
        let md = spec
            .param(ParamSpec::integer("n", "Count.").default("1").range(0, 9))
            .refusal(
                "start, 6",
                "ip X is the `network` address",
                "Use a host address.",
            )
            .markdown();
        assert!(md.contains("Count. Allowed: 0 to 9."));
        assert!(md.contains("| start, 6 | `ip X is the 'network' address` | Use a host address. |"));
        assert!(md.contains("ocf:mfs-ha:VIPaddr params ip=..."));
        assert!(md.contains("| `monitor` | 20s | 10s | — | 0 |"));
    }
}
