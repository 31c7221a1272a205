//! Every fixture parses; no input makes the parser panic.

use super::*;
use proptest::prelude::*;

#[test]
fn every_fixture_is_accepted_and_detected() {
    for (_, fixture) in FIXTURES {
        let p = parsed(fixture);
        assert_eq!(crate::detect(fixture), Some(crate::InputKind::Events2));
        let _ = p.doc.to_status().health();
    }
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_input(input in "\\PC*") {
        if let Ok(p) = parse(&input) {
            let _ = p.doc.to_status();
        }
    }

    #[test]
    fn never_panics_on_mangled_fixtures(
        which in 0..FIXTURES.len(),
        cut in 0usize..4000,
        junk in "[ -~\\x1b\u{0}\u{feff}é→]{0,12}",
        at in 0usize..4000,
    ) {
        let (_, base) = FIXTURES[which];
        let mut chars: Vec<char> = base.chars().collect();
        let at = at.min(chars.len());
        chars.splice(at..at, junk.chars());
        let mangled: String = chars.into_iter().take(cut.max(1)).collect();
        if let Ok(p) = parse(&mangled) {
            let _ = p.doc.to_status();
            let _ = serde_json::to_value(&p.doc);
        }
    }
}

proptest! {
    // Generating these lines is slow in debug builds; fewer cases still cover the combinations.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn never_panics_on_event_shaped_lines(
        lines in proptest::collection::vec(
            concat!(
                "(2024-01-01T00:00:00\\.000000\\+00:00 )?",
                "(exists|create|change|destroy|call|response|rename|-) ",
                "(resource|device|connection|peer-device|path|helper|skipped|-|x)",
                "( (name|volume|minor|conn-name|peer-node-id|local|peer|new_name|helper|replication|done|eta|dbdt1|role|disk):",
                "(r0|r1|0|1|4294967296|-1|split-brain|SyncSource|Established|nan|1e400|UNKNOWN->Primary|->|))*",
            ),
            0..30,
        )
    ) {
        let input = lines.join("\n");
        let parsed = parse(&input);
        let mut stream = Events2::new();
        for line in input.lines() {
            stream.apply_line(line);
        }
        if let Ok(p) = parsed {
            let _ = p.doc.to_status().health();
            prop_assert_eq!(p.doc, stream);
        }
    }
}
