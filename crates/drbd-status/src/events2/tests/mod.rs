//! Unit tests of the events2 parser, on hand-written fixtures in `tests/fixtures/events2/`.

mod folding;
mod lines;
mod model;
mod robustness;

use super::*;
use crate::diag::Severity;

/// The hand-written fixtures by file name.
const FIXTURES: &[(&str, &str)] = &[
    (
        "create-change.txt",
        include_str!("../../../tests/fixtures/events2/create-change.txt"),
    ),
    (
        "diff.txt",
        include_str!("../../../tests/fixtures/events2/diff.txt"),
    ),
    (
        "timestamps-statistics.txt",
        include_str!("../../../tests/fixtures/events2/timestamps-statistics.txt"),
    ),
    (
        "color.txt",
        include_str!("../../../tests/fixtures/events2/color.txt"),
    ),
    (
        "sync-progress.txt",
        include_str!("../../../tests/fixtures/events2/sync-progress.txt"),
    ),
    (
        "out-of-order-multivolume.txt",
        include_str!("../../../tests/fixtures/events2/out-of-order-multivolume.txt"),
    ),
    (
        "rename.txt",
        include_str!("../../../tests/fixtures/events2/rename.txt"),
    ),
    (
        "skipped.txt",
        include_str!("../../../tests/fixtures/events2/skipped.txt"),
    ),
    (
        "split-brain.txt",
        include_str!("../../../tests/fixtures/events2/split-brain.txt"),
    ),
    (
        "wrapped.txt",
        include_str!("../../../tests/fixtures/events2/wrapped.txt"),
    ),
    (
        "change-before-exists.txt",
        include_str!("../../../tests/fixtures/events2/change-before-exists.txt"),
    ),
];

fn fixture(name: &str) -> &'static str {
    FIXTURES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
        .unwrap_or_else(|| panic!("no fixture {name}"))
}

fn parsed(input: &str) -> Parsed<Events2> {
    parse(input).expect("accepted")
}

fn errors(p: &Parsed<Events2>) -> Vec<&Diagnostic> {
    p.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect()
}

fn json_of(doc: &Events2) -> serde_json::Value {
    serde_json::to_value(doc).expect("serialisable")
}
