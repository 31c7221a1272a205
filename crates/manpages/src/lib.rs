//! Manual pages of the mfs-ha commands (`drbd-status(1)`, `mfs-ha(8)`) generated from their
//! clap definitions with clap_mangen, so a page cannot say other than `--help`; and the one
//! check every generated, committed file goes through ([`check_generated`]).
//!
//! The pages are committed under `packaging/man/` (the package takes them from there); each
//! command's tests compare the committed page with what its definition generates now.

use std::path::Path;

/// The variable that makes [`check_generated`] rewrite the files instead of failing.
pub const UPDATE_VARIABLE: &str = "MFS_HA_UPDATE_DOCS";

/// `Err` naming the file when `path` does not hold `generated`; with `MFS_HA_UPDATE_DOCS=1`
/// the file is written first (and the check then passes).
pub fn check_generated(path: &Path, generated: &str) -> Result<(), String> {
    if std::env::var(UPDATE_VARIABLE).as_deref() == Ok("1") {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(path, generated).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    match std::fs::read_to_string(path) {
        Ok(on_disk) if on_disk == generated => Ok(()),
        Ok(_) => Err(format!(
            "{} is stale: regenerate it with {UPDATE_VARIABLE}=1 and the same cargo test",
            path.display()
        )),
        Err(e) => Err(format!(
            "{} cannot be read ({e}): generate it with {UPDATE_VARIABLE}=1 and the same cargo test",
            path.display()
        )),
    }
}

/// The manual page of `cmd` in `section`: clap_mangen's title, NAME, SYNOPSIS, DESCRIPTION,
/// OPTIONS and subcommands, then the `after_help` text as sections of their own (see
/// [`after_help_sections`]) instead of clap_mangen's filled "EXTRA", which runs example lines
/// together.
pub fn clap_page(cmd: clap::Command, section: &str) -> Result<String, String> {
    let source = format!(
        "{} {}",
        cmd.get_name(),
        cmd.get_version().unwrap_or_default()
    );
    render(cmd, section, source)
}

fn render(cmd: clap::Command, section: &str, source: String) -> Result<String, String> {
    let after_help = cmd
        .get_after_long_help()
        .or_else(|| cmd.get_after_help())
        .map(|text| text.to_string());
    let has_subcommands = cmd.has_subcommands();
    let has_version = cmd.get_version().is_some() || cmd.get_long_version().is_some();
    let man = clap_mangen::Man::new(cmd)
        .section(section)
        .source(source)
        .manual("mfs-ha");
    let mut out: Vec<u8> = Vec::new();
    let rendered = man
        .render_title(&mut out)
        .and_then(|_| man.render_name_section(&mut out))
        .and_then(|_| man.render_synopsis_section(&mut out))
        .and_then(|_| man.render_description_section(&mut out))
        .and_then(|_| man.render_options_section(&mut out))
        .and_then(|_| match has_subcommands {
            true => man.render_subcommands_section(&mut out),
            false => Ok(()),
        });
    rendered.map_err(|e| format!("rendering the manual page: {e}"))?;
    let mut page = String::from_utf8_lossy(&out).into_owned();
    if let Some(text) = after_help {
        page.push_str(&after_help_sections(&text));
    }
    if has_version {
        page.push_str(&man_version_section(&man)?);
    }
    Ok(without_repeated_preamble(&page))
}

/// Each clap_mangen section renderer repeats the two-line `Aq` string definition; keep one.
fn without_repeated_preamble(text: &str) -> String {
    const PREAMBLE: [&str; 2] = [".ie \\n(.g .ds Aq \\(aq", ".el .ds Aq '"];
    let mut seen = [false; 2];
    let mut out = String::new();
    for line in text.lines() {
        if let Some(i) = PREAMBLE.iter().position(|p| *p == line) {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The pages of a command with subcommands, as git has them: `<name>.<section>` for the
/// command and `<name>-<subcommand>.<section>` for each visible subcommand, with the options
/// it inherits from the command. Returns (file name, page) pairs.
pub fn clap_pages(cmd: clap::Command, section: &str) -> Result<Vec<(String, String)>, String> {
    // clap's own `help` subcommand would be listed as mfs-ha-help(8), a page nobody needs.
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let name = cmd.get_name().to_string();
    let source = format!("{name} {}", cmd.get_version().unwrap_or_default());
    let mut pages = vec![(
        format!("{name}.{section}"),
        render(cmd.clone(), section, source.clone())?,
    )];
    // After build() a subcommand's display name is `<name>-<sub>` and its bin name
    // `<name> <sub>`, which the title and the synopsis use.
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let page = render(sub.clone(), section, source.clone())?;
        pages.push((format!("{name}-{}.{section}", sub.get_name()), page));
    }
    Ok(pages)
}

fn man_version_section(man: &clap_mangen::Man) -> Result<String, String> {
    let mut out: Vec<u8> = Vec::new();
    man.render_version_section(&mut out)
        .map_err(|e| format!("rendering the manual page: {e}"))?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Turns `after_help` paragraphs (separated by blank lines) into sections: a paragraph whose
/// first line is a heading (`Examples:`) becomes that section with its lines kept as they are;
/// one that starts `Exit status: text` becomes that section with the text filled; anything
/// else is a paragraph of NOTES.
pub fn after_help_sections(text: &str) -> String {
    let mut out = String::new();
    for para in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        let mut lines = para.lines();
        let first = lines.next().unwrap_or_default().trim_end();
        match heading(first) {
            Some((title, "")) => {
                out.push_str(&format!(".SH \"{}\"\n.nf\n", title.to_uppercase()));
                for line in lines {
                    out.push_str(&protect(&escape(line)));
                    out.push('\n');
                }
                out.push_str(".fi\n");
            }
            Some((title, rest)) => {
                out.push_str(&format!(".SH \"{}\"\n", title.to_uppercase()));
                let body: Vec<&str> = std::iter::once(rest).chain(lines).collect();
                out.push_str(&protect(&escape(&body.join(" "))));
                out.push('\n');
            }
            None => {
                out.push_str(".SH \"NOTES\"\n");
                out.push_str(&protect(&escape(para)));
                out.push('\n');
            }
        }
    }
    out
}

/// `("Exit status", "0 shown; ...")` for a line that opens with a short capitalised heading.
fn heading(line: &str) -> Option<(&str, &str)> {
    let (title, rest) = line.split_once(':')?;
    let short = !title.is_empty() && title.split_whitespace().count() <= 3;
    let capitalised = title.starts_with(|c: char| c.is_ascii_uppercase());
    let words = title.chars().all(|c| c.is_ascii_alphabetic() || c == ' ');
    (short && capitalised && words).then(|| (title, rest.trim()))
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\e").replace('-', "\\-")
}

/// A line starting with `.` or `'` would be a roff request.
fn protect(line: &str) -> String {
    match line.starts_with('.') || line.starts_with('\'') {
        true => format!("\\&{line}"),
        false => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_help_becomes_sections() {
        let text = "Examples:\n  tool -x      do x\n  .hidden\n\nExit status: 0 fine;\n2 error.\n\nSee the docs.";
        assert_eq!(
            after_help_sections(text),
            ".SH \"EXAMPLES\"\n.nf\n  tool \\-x      do x\n  .hidden\n.fi\n\
             .SH \"EXIT STATUS\"\n0 fine; 2 error.\n\
             .SH \"NOTES\"\nSee the docs.\n"
        );
    }

    #[test]
    fn clap_page_has_options_sections_and_version() {
        let cmd = clap::Command::new("tool")
            .version("1.2")
            .about("Does things")
            .arg(
                clap::Arg::new("verbose")
                    .long("verbose")
                    .help("Say more")
                    .num_args(0),
            )
            .after_help("Examples:\n  tool --verbose");
        let page = clap_page(cmd, "8").unwrap_or_default();
        assert!(page.contains("\n.TH tool 8"), "{page}");
        assert_eq!(page.matches(".ds Aq").count(), 2, "{page}");
        assert!(page.contains("Say more"));
        assert!(page.contains(".SH \"EXAMPLES\"\n.nf\n  tool \\-\\-verbose\n.fi\n"));
        assert!(page.contains(".SH VERSION"));
        assert!(!page.contains("EXTRA"));
    }

    #[test]
    fn a_command_with_subcommands_gets_a_page_for_each() {
        let cmd = clap::Command::new("tool")
            .version("1.2")
            .arg(clap::Arg::new("json").long("json").global(true).num_args(0))
            .subcommand(clap::Command::new("check").about("Checks"))
            .subcommand(clap::Command::new("secret").hide(true));
        let pages = clap_pages(cmd, "8").unwrap_or_default();
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["tool.8", "tool-check.8"]);
        let check = &pages[1].1;
        assert!(check.contains(".TH tool-check 8"), "{check}");
        assert!(
            check.contains("\\-\\-json"),
            "the global option is on the subcommand's page"
        );
    }

    #[test]
    fn stale_and_missing_files_are_reported() {
        let dir = std::env::temp_dir().join(format!("manpages-test-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("page.1");
        let _ = std::fs::remove_file(&path);
        if std::env::var(UPDATE_VARIABLE).as_deref() != Ok("1") {
            assert!(check_generated(&path, "new").is_err_and(|e| e.contains("cannot be read")));
            let _ = std::fs::write(&path, "old");
            assert!(check_generated(&path, "new").is_err_and(|e| e.contains("is stale")));
        }
        let _ = std::fs::write(&path, "new");
        assert_eq!(check_generated(&path, "new"), Ok(()));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
