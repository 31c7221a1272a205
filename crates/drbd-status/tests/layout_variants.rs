//! The same DRBD state read through the layout changes that copies, editors, terminals and
//! other platforms make must give the same model: CRLF line endings, trailing blanks, a missing
//! final newline, a byte-order mark, tabs instead of spaces between words. Checked for every
//! fixture of every format, so a new fixture is covered without a new test.

use drbd_status::Status;
use std::path::{Path, PathBuf};

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", root.display());
    files
}

/// The model of a document the parser fully accepted (fixtures with errors are skipped:
/// they pin partial reads, and their error lines are what a layout change may move).
fn clean_status(input: &str) -> Option<Status> {
    let parsed = drbd_status::parse(input).ok()?;
    (!parsed.has_errors()).then(|| parsed.doc.to_status())
}

type Variant = fn(&str) -> String;

fn crlf(s: &str) -> String {
    s.replace('\n', "\r\n")
}

fn trailing_blanks(s: &str) -> String {
    s.lines().map(|l| format!("{l} \t\n")).collect()
}

fn no_final_newline(s: &str) -> String {
    s.trim_end_matches('\n').to_string()
}

fn byte_order_mark(s: &str) -> String {
    format!("\u{feff}{s}")
}

/// Every single space between two words becomes a tab (indentation kept).
fn tabs_between_words(s: &str) -> String {
    s.lines()
        .map(|l| {
            let body = l.trim_start_matches(' ');
            let indent = &l[..l.len() - body.len()];
            let mut out = String::from(indent);
            let mut prev_space = false;
            for c in body.chars() {
                let is_space = c == ' ';
                if is_space && !prev_space && !out.ends_with(['\t', ' ']) {
                    out.push('\t');
                } else if !is_space {
                    out.push(c);
                }
                prev_space = is_space;
            }
            out + "\n"
        })
        .collect()
}

/// Indentation made of tabs instead of spaces, one tab per level of two spaces (an editor's
/// or a mail client's copy).
fn tab_indentation(s: &str) -> String {
    s.lines()
        .map(|l| {
            let body = l.trim_start_matches(' ');
            let tabs = (l.len() - body.len()).div_ceil(2);
            format!("{}{body}\n", "\t".repeat(tabs))
        })
        .collect()
}

/// JSON on one line, the way a program (not drbdsetup) would write it.
fn one_line(s: &str) -> String {
    s.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

const VARIANTS: &[(&str, Variant)] = &[
    ("CRLF line endings", crlf),
    ("trailing blanks", trailing_blanks),
    ("no final newline", no_final_newline),
    ("byte-order mark", byte_order_mark),
];

fn check(dir: &str, variants: &[(&str, Variant)]) {
    let mut checked = 0;
    for path in fixtures(dir) {
        let text = std::fs::read_to_string(&path).unwrap();
        let Some(want) = clean_status(&text) else {
            continue;
        };
        checked += 1;
        for (what, variant) in variants {
            let changed = variant(&text);
            let got = clean_status(&changed);
            assert_eq!(
                got.as_ref(),
                Some(&want),
                "{} with {what} reads differently",
                path.display()
            );
        }
    }
    assert!(checked > 0, "no clean fixture in {dir}");
}

#[test]
fn proc_drbd_reads_the_same_in_every_layout() {
    check("proc", VARIANTS);
    check("proc", &[("tabs between words", tabs_between_words)]);
}

#[test]
fn status_text_reads_the_same_in_every_layout() {
    check("text", VARIANTS);
    check(
        "text",
        &[
            ("tabs between words", tabs_between_words),
            ("tab indentation", tab_indentation),
        ],
    );
}

#[test]
fn status_json_reads_the_same_in_every_layout() {
    check("json", VARIANTS);
    check(
        "json",
        &[("tab indentation", tab_indentation), ("one line", one_line)],
    );
}

#[test]
fn events2_reads_the_same_in_every_layout() {
    check("events2", VARIANTS);
    check("events2", &[("tabs between words", tabs_between_words)]);
}
