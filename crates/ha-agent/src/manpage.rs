//! The agent's manual page `ocf_mfs-ha_<Agent>(7)` in roff, from the [`AgentSpec`], laid out
//! like the `ocf_heartbeat_*(7)` pages resource-agents generates from its meta-data; and the
//! one-line `<Agent>(8)` alias a Heartbeat user types (`man 8 Initdrbd`).
//!
//! Everything on the page comes from the declaration or from the framework's own tables (the
//! exit codes are computed with [`crate::outcome::exit_code`]), so it cannot drift from the
//! meta-data or from what the binary does.

use crate::action::Action;
use crate::invocation::Family;
use crate::outcome::{exit_code, AgentError, ErrorKind, Health, Outcome};
use crate::spec::{ActionSpec, AgentSpec, ParamSpec};

/// The OCF provider directory name, as in `ocf:mfs-ha:<Agent>`.
const PROVIDER: &str = "mfs-ha";

impl AgentSpec {
    /// The page's file name: `ocf_mfs-ha_<Agent>.7`.
    pub fn man_page_name(&self) -> String {
        format!("ocf_{PROVIDER}_{}.7", self.name)
    }

    /// The alias page's file name: `<Agent>.8`.
    pub fn man_alias_name(&self) -> String {
        format!("{}.8", self.name)
    }

    /// The alias page: a `.so` request man(1) follows to section 7.
    pub fn man_alias(&self) -> String {
        format!(".so man7/{}\n", self.man_page_name())
    }

    /// The whole page, in roff (man macros).
    pub fn man_page(&self) -> String {
        let mut page = Roff::default();
        page.header(self);
        page.section("NAME");
        page.line(&format!(
            "ocf_mfs\\-ha_{} \\- {}",
            escape(&self.name),
            escape(&self.shortdesc)
        ));
        self.man_synopsis(&mut page);
        page.section("DESCRIPTION");
        page.paragraphs(&self.longdesc);
        self.man_parameters(&mut page);
        self.man_actions(&mut page);
        self.man_heartbeat(&mut page);
        man_exit_status(&mut page);
        self.man_diagnostics(&mut page);
        self.man_files(&mut page);
        self.man_examples(&mut page);
        page.section("SEE ALSO");
        page.line(
            "\\fBmfs\\-ha\\fR(8), \\fBdrbd\\-status\\fR(1), \\fBheartbeat\\fR(8), \
             \\fBcrm\\fR(8), \\fBpcs\\fR(8), \\fBocf\\-tester\\fR(8)",
        );
        page.text
    }

    fn man_synopsis(&self, page: &mut Roff) {
        let name = escape(&self.name);
        page.section("SYNOPSIS");
        page.line("Heartbeat v1 (\\fI/etc/ha.d/haresources\\fR):");
        page.example(&format!(
            "/etc/ha.d/resource.d/{name}{} {{start|stop|status}}",
            self.man_positional_usage()
        ));
        page.line(
            "Pacemaker (OCF), parameters in the environment as \\fBOCF_RESKEY_\\fR\\fIname\\fR:",
        );
        page.example(&format!(
            "/usr/lib/ocf/resource.d/mfs\\-ha/{name}\n    {{{}}}",
            escape(&self.ocf_actions().join("|"))
        ));
        page.line("By hand:");
        page.example(&format!(
            "{name} [\\fIname\\fR=\\fIvalue\\fR ...] {{start|stop|status|validate\\-all}}\n\
             {name} [\\fIname\\fR=\\fIvalue\\fR ...] status \\-\\-json\n\
             {name} \\-\\-help"
        ));
    }

    fn man_positional_usage(&self) -> String {
        self.positional_params()
            .iter()
            .map(|p| match p.required {
                true => format!(" \\fI{}\\fR", escape(&p.name)),
                false => format!(" [\\fI{}\\fR]", escape(&p.name)),
            })
            .collect()
    }

    fn man_parameters(&self, page: &mut Roff) {
        page.section("SUPPORTED PARAMETERS");
        page.line(
            "Values come from, in this order: the arguments (Heartbeat positions or \
             \\fIname\\fR=\\fIvalue\\fR), the environment (\\fBOCF_RESKEY_\\fR\\fIname\\fR), \
             the defaults file (see \\fBFILES\\fR), the declared default.",
        );
        for p in &self.params {
            page.tagged(&format!("\\fB{}\\fR", escape(&p.name)));
            page.paragraphs(&p.described());
            page.raw(".sp\n");
            page.body(&format!("({})", param_facts(p)));
            page.raw(".RE\n");
        }
    }

    fn man_actions(&self, page: &mut Roff) {
        page.section("SUPPORTED ACTIONS");
        page.line(
            "The timeouts and intervals are the advice the meta\\-data gives Pacemaker; \
             Heartbeat sets none, so every action also keeps its own deadline (the \
             \\fBtimeout\\fR parameter where the agent has one).",
        );
        for a in &self.actions {
            page.tagged(&format!("\\fB{}\\fR", escape(a.action.name())));
            page.body(&format!(
                "{} {}",
                action_purpose(a.action),
                escape(&action_timings(a))
            ));
            page.raw(".RE\n");
        }
    }

    fn man_heartbeat(&self, page: &mut Roff) {
        let positional = self.positional_params();
        page.section("HEARTBEAT");
        page.line(&format!(
            "In \\fI/etc/ha.d/haresources\\fR the agent is written \\fB{}\\fR; Heartbeat \
             splits the line at \\fB::\\fR and appends the operation, so it runs:",
            escape(&self.haresources_form())
        ));
        page.example(&format!(
            "/etc/ha.d/resource.d/{}{} {{start|stop|status}}",
            escape(&self.name),
            self.man_positional_usage()
        ));
        match positional.is_empty() {
            true => page.line("The agent takes no positional arguments."),
            false => {
                let names: Vec<String> = positional
                    .iter()
                    .enumerate()
                    .map(|(i, p)| format!("{} \\fB{}\\fR", i + 1, escape(&p.name)))
                    .collect();
                page.line(&format!("Positions: {}.", names.join(", ")));
            }
        }
        page.line(
            "Any parameter may also be given as \\fIname\\fR=\\fIvalue\\fR among the \
             arguments. \\fBstatus\\fR prints exactly \\fBrunning\\fR or \\fBstopped\\fR \
             (Heartbeat reads the text), and nothing when the resource failed or its state \
             is unknown; \\fBrunning\\fR also when it failed but something of it still runs \
             here that the agent could not end, so that Heartbeat, after a failed stop, \
             reboots this node rather than start a second copy on the peer.",
        );
    }

    /// The refusals and failures the declaration documents (Markdown: "Refusals and failures").
    fn man_diagnostics(&self, page: &mut Roff) {
        if self.refusals.is_empty() {
            return;
        }
        page.section("DIAGNOSTICS");
        page.line(
            "Refusals and failures, by action and exit code, with the start of the reason \
             the agent prints (placeholders in capitals) and what to do:",
        );
        for r in &self.refusals {
            let message = escape(&r.message.replace('`', "'"));
            page.tagged(&format!("{}: \\fB{message}\\fR", escape(&r.when)));
            page.paragraphs(&r.what_to_do);
            page.raw(".RE\n");
        }
    }

    fn man_files(&self, page: &mut Roff) {
        let name = escape(&self.name);
        page.section("FILES");
        for (path, what) in [
            (
                format!("/etc/ha.d/mfs\\-ha/{name}.conf"),
                "Defaults file: \\fIname\\fR=\\fIvalue\\fR lines, \\fB#\\fR comments. The \
                 directory can be changed with \\fBMFS_HA_CONFIG_DIR\\fR.",
            ),
            (
                format!("/run/mfs\\-ha/{name}\\-\\fIinstance\\fR.lock"),
                "Held during every action, so two actions on one instance never overlap \
                 (\\fBMFS_HA_RUN_DIR\\fR).",
            ),
            (
                format!("/var/lib/mfs\\-ha/flight/{name}.jsonl"),
                "Flight recorder: one JSON line per action (\\fBMFS_HA_STATE_DIR\\fR).",
            ),
        ] {
            page.tagged(&format!("\\fI{path}\\fR"));
            page.body(what);
            page.raw(".RE\n");
        }
    }

    fn man_examples(&self, page: &mut Roff) {
        let name = escape(&self.name);
        let id = format!("p_{name}");
        let required: Vec<&ParamSpec> = self.params.iter().filter(|p| p.required).collect();
        let monitors: Vec<&ActionSpec> = self
            .actions
            .iter()
            .filter(|a| a.action == Action::Monitor)
            .collect();
        page.section("EXAMPLE HARESOURCES");
        page.line("One resource group of Heartbeat v1, on the node that normally holds it:");
        page.example(&format!("node1 {}", escape(&self.haresources_form())));
        page.section("EXAMPLE CRM SHELL");
        let mut crm = format!("primitive {id} ocf:mfs\\-ha:{name}");
        if !required.is_empty() {
            crm.push_str(" \\e\n  params");
            for p in &required {
                crm.push_str(&format!(
                    " {}=\\fI{}\\fR",
                    escape(&p.name),
                    p.kind.doc_name()
                ));
            }
        }
        for m in &monitors {
            crm.push_str(&format!(" \\e\n  op monitor {}", monitor_op(m, "depth")));
        }
        page.example(&crm);
        page.section("EXAMPLE PCS");
        let mut pcs = format!("pcs resource create {id} ocf:mfs\\-ha:{name}");
        for p in &required {
            pcs.push_str(&format!(
                " \\e\n  {}=\\fI{}\\fR",
                escape(&p.name),
                p.kind.doc_name()
            ));
        }
        for (i, m) in monitors.iter().enumerate() {
            let op = if i == 0 { "op " } else { "   " };
            pcs.push_str(&format!(
                " \\e\n  {op}monitor {}",
                monitor_op(m, "OCF_CHECK_LEVEL")
            ));
        }
        page.example(&pcs);
    }
}

/// `(required, unique, string, no default, Heartbeat position 1)`.
fn param_facts(p: &ParamSpec) -> String {
    let mut facts = vec![match p.required {
        true => "required".to_string(),
        false => "optional".to_string(),
    }];
    if p.unique {
        facts.push("unique".to_string());
    }
    facts.push(p.kind.doc_name().to_string());
    facts.push(match p.default.as_deref() {
        None => "no default".to_string(),
        Some("") => "default: empty".to_string(),
        Some(d) => format!("default: \\fB{}\\fR", escape(d)),
    });
    if let Some(n) = p.positional {
        facts.push(format!("Heartbeat position {n}"));
    }
    facts.join(", ")
}

fn action_purpose(action: Action) -> &'static str {
    match action {
        Action::Start => "Starts the resource.",
        Action::Stop => "Stops the resource; succeeds when it is already stopped.",
        Action::Monitor => "Checks the resource's state without changing it.",
        Action::Status => "Checks the resource's state (Heartbeat's word for monitor).",
        Action::Promote => "Promotes the resource.",
        Action::Demote => "Demotes the resource.",
        Action::Notify => "Takes a clone notification.",
        Action::Reload => "Applies changed parameters without a restart.",
        Action::MetaData => "Prints the OCF meta\\-data XML.",
        Action::ValidateAll => "Checks the parameters on this node and changes nothing.",
        Action::MigrateTo => "Migrates the resource to another node.",
        Action::MigrateFrom => "Takes over a resource migrated from another node.",
        Action::Usage => "Prints the usage text.",
    }
}

/// `Suggested minimum timeout: 20s. Suggested interval: 10s (depth 0).`
fn action_timings(a: &ActionSpec) -> String {
    let mut text = format!("Suggested minimum timeout: {}s.", a.timeout_s);
    if let Some(interval) = a.interval_s {
        text.push_str(&format!(" Suggested interval: {interval}s"));
        if let Some(depth) = a.depth {
            text.push_str(&format!(", check level {depth}"));
        }
        if let Some(role) = a.role {
            text.push_str(&format!(", role {}", role.name()));
        }
        text.push('.');
    }
    text
}

/// `depth="0" timeout="20s" interval="10s"`; `level_key` is crmsh's or pcs's name for depth.
fn monitor_op(m: &ActionSpec, level_key: &str) -> String {
    let mut op = String::new();
    if let Some(depth) = m.depth {
        op.push_str(&format!("{level_key}=\"{depth}\" "));
    }
    op.push_str(&format!("timeout=\"{}s\"", m.timeout_s));
    if let Some(interval) = m.interval_s {
        op.push_str(&format!(" interval=\"{interval}s\""));
    }
    if let Some(role) = m.role {
        op.push_str(&format!(" role=\"{}\"", role.name()));
    }
    escape(&op)
}

/// The exit codes, computed from the framework's one table (`outcome::exit_code`).
fn man_exit_status(page: &mut Roff) {
    let reason = || "why".to_string();
    let health = |family, h: Health| exit_code(family, Action::Monitor, &Outcome::Health(h));
    let status = |h: Health| exit_code(Family::Lsb, Action::Status, &Outcome::Health(h));
    page.section("EXIT STATUS");
    page.line("OCF mode (Pacemaker), every action:");
    page.tagged(&format!(
        "{}",
        exit_code(Family::Ocf, Action::Start, &Outcome::Done)
    ));
    page.body("Success; for monitor: running.");
    page.raw(".RE\n");
    for kind in [
        ErrorKind::Generic,
        ErrorKind::Args,
        ErrorKind::Unimplemented,
        ErrorKind::Perm,
        ErrorKind::NotInstalled,
        ErrorKind::Configured,
        ErrorKind::NotRunning,
    ] {
        let code = exit_code(
            Family::Ocf,
            Action::Start,
            &Outcome::Error(AgentError::new(kind, "why")),
        );
        page.tagged(&format!("{code}"));
        page.body(error_kind_meaning(kind));
        page.raw(".RE\n");
    }
    page.tagged(&format!("{}", health(Family::Ocf, Health::Promoted)));
    page.body("monitor: running as the promoted instance.");
    page.raw(".RE\n");
    page.tagged(&format!(
        "{}",
        health(Family::Ocf, Health::FailedPromoted(reason()))
    ));
    page.body("monitor: promoted but failed.");
    page.raw(".RE\n");
    page.line(&format!(
        "Heartbeat and manual mode (LSB): \\fBstatus\\fR exits {} running, {} stopped, {} \
         failed, {} unknown; the other actions exit 0 on success and the codes above \
         (1 to 7) on failure. \\fBstop\\fR of a stopped resource exits 0 in every mode.",
        status(Health::Running),
        status(Health::Stopped),
        status(Health::Failed(reason())),
        status(Health::Unknown(reason())),
    ));
    page.line(
        "Every failure is also one line on standard error and in the log that names what \
         failed and what to do.",
    );
}

fn error_kind_meaning(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Generic => "Generic error (for monitor: failed, or the state is unknown).",
        ErrorKind::Args => "A parameter is invalid on this node (e.g. a file it names is missing).",
        ErrorKind::Unimplemented => "The action is not supported.",
        ErrorKind::Perm => "Insufficient privilege.",
        ErrorKind::NotInstalled => "Required software is missing on this node.",
        ErrorKind::Configured => "The parameters are invalid in themselves.",
        ErrorKind::NotRunning => "monitor: cleanly stopped.",
    }
}

/// A page under construction.
#[derive(Default)]
struct Roff {
    text: String,
}

impl Roff {
    fn header(&mut self, spec: &AgentSpec) {
        self.raw(&format!(
            ".TH \"OCF_{}_{}\" \"7\" \"\" \"{PROVIDER} {}\" \"OCF resource agents\"\n",
            PROVIDER.to_ascii_uppercase().replace('-', "\\-"),
            escape(&spec.name.to_ascii_uppercase()),
            escape(&spec.version)
        ));
        // Commands and XML are copied from the page: no hyphenation, no justification.
        self.raw(".nh\n.ad l\n");
    }

    fn section(&mut self, title: &str) {
        self.raw(&format!(".SH \"{title}\"\n"));
    }

    fn line(&mut self, text: &str) {
        self.raw(".PP\n");
        self.raw(text);
        self.raw("\n");
    }

    /// Text inside a tagged body (no paragraph break).
    fn body(&mut self, text: &str) {
        self.raw(text);
        self.raw("\n");
    }

    /// A term with an indented body; the caller ends the body with `.RE`.
    fn tagged(&mut self, term: &str) {
        self.raw(&format!(".PP\n{term}\n.RS 4\n"));
    }

    /// Paragraphs of declaration text (blank-line separated), escaped, `code` in bold.
    fn paragraphs(&mut self, text: &str) {
        let mut first = true;
        for para in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
            if !first {
                self.raw(".sp\n");
            }
            first = false;
            let words: Vec<&str> = para.split_whitespace().collect();
            self.raw(&inline(&words.join(" ")));
            self.raw("\n");
        }
    }

    /// Lines shown as typed (already escaped).
    fn example(&mut self, text: &str) {
        self.raw(".PP\n.RS 4\n.nf\n");
        for line in text.lines() {
            self.raw(&protect_line_start(line));
            self.raw("\n");
        }
        self.raw(".fi\n.RE\n");
    }

    fn raw(&mut self, text: &str) {
        self.text.push_str(text);
    }
}

/// Escapes text for roff: backslashes, hyphens (so they stay ASCII minus in commands), and a
/// leading `.` or `'` that would read as a request.
fn escape(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    protect_line_start(&escaped)
}

fn protect_line_start(line: &str) -> String {
    match line.starts_with('.') || line.starts_with('\'') {
        true => format!("\\&{line}"),
        false => line.to_string(),
    }
}

/// Escapes `text` and sets each `` `span` `` in bold.
fn inline(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        match i % 2 == 1 && !part.is_empty() {
            true => out.push_str(&format!("\\fB{}\\fR", escape(part))),
            false => out.push_str(&escape(part)),
        }
    }
    protect_line_start(&out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{ActionSpec, ParamSpec};

    fn spec() -> AgentSpec {
        AgentSpec::new("VIPaddr", "0.1.0", "A virtual IP address")
            .longdesc("First `VIPaddr::ip` paragraph.\n\n.second starts with a dot\\")
            .param(
                ParamSpec::string("ip", "The address")
                    .required()
                    .unique()
                    .positional(1),
            )
            .param(
                ParamSpec::integer("arp_count", "Rounds")
                    .default("5")
                    .range(0, 100),
            )
            .param(ParamSpec::string("nic", "Interface").default(""))
            .standard_actions()
            .action(ActionSpec::new(Action::Monitor, 20).interval(60).depth(10))
            .refusal(
                "start, 6",
                "ip X is the `network` address",
                "Use a host address.",
            )
    }

    #[test]
    fn page_has_every_section_and_parameter_fact() {
        let page = spec().man_page();
        assert!(
            page.starts_with(".TH \"OCF_MFS\\-HA_VIPADDR\" \"7\""),
            "{page}"
        );
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "SUPPORTED PARAMETERS",
            "SUPPORTED ACTIONS",
            "HEARTBEAT",
            "EXIT STATUS",
            "DIAGNOSTICS",
            "FILES",
            "EXAMPLE HARESOURCES",
            "EXAMPLE CRM SHELL",
            "EXAMPLE PCS",
            "SEE ALSO",
        ] {
            assert!(page.contains(&format!(".SH \"{section}\"\n")), "{section}");
        }
        assert!(page.contains("ocf_mfs\\-ha_VIPaddr \\- A virtual IP address"));
        assert!(page.contains("(required, unique, string, no default, Heartbeat position 1)"));
        assert!(page.contains("(optional, integer, default: \\fB5\\fR)"));
        assert!(page.contains("Rounds Allowed: 0 to 100.\n"), "{page}");
        assert!(page.contains(
            "start, 6: \\fBip X is the 'network' address\\fR\n.RS 4\nUse a host address.\n"
        ));
        assert!(page.contains("(optional, string, default: empty)"));
        assert!(page.contains("Suggested interval: 60s, check level 10."));
        assert!(page.contains("node1 VIPaddr::<ip>"));
        assert!(page.contains("op monitor depth=\"10\" timeout=\"20s\" interval=\"60s\""));
        assert!(page.contains("monitor OCF_CHECK_LEVEL=\"0\" timeout=\"20s\" interval=\"10s\""));
    }

    #[test]
    fn text_cannot_become_roff_requests() {
        let page = spec().man_page();
        assert!(page.contains("First \\fBVIPaddr::ip\\fR paragraph."));
        assert!(page.contains("\n\\&.second starts with a dot\\e\n"));
        assert!(!page.lines().any(|l| l.starts_with(".second")));
    }

    #[test]
    fn exit_codes_come_from_the_framework_table() {
        let page = spec().man_page();
        assert!(page.contains("\\fBstatus\\fR exits 0 running, 3 stopped, 1 failed, 4 unknown"));
        assert!(page.contains(".PP\n6\n.RS 4\nThe parameters are invalid in themselves."));
        assert!(page.contains(".PP\n8\n.RS 4\nmonitor: running as the promoted instance."));
    }

    #[test]
    fn alias_sources_the_section_7_page() {
        assert_eq!(spec().man_alias(), ".so man7/ocf_mfs-ha_VIPaddr.7\n");
        assert_eq!(spec().man_alias_name(), "VIPaddr.8");
        assert_eq!(spec().man_page_name(), "ocf_mfs-ha_VIPaddr.7");
    }
}
