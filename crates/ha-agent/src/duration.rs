//! Durations as Pacemaker writes intervals and timeouts: `30`, `30s`, `500ms`, `2min`, `1h`.
//!
//! The units are those of Pacemaker's interval specs (`ms`/`msec`, `us`/`usec`, `s`/`sec`,
//! `m`/`min`, `h`/`hr`, any case, blanks allowed before the unit). A bare number counts in the
//! parameter's declared unit: seconds, as Pacemaker reads one, or milliseconds for parameters
//! that were milliseconds before they were durations (`arp_interval=200` keeps its meaning).

use std::time::Duration;

/// What a bare number counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BareUnit {
    Seconds,
    Millis,
}

impl BareUnit {
    pub fn name(self) -> &'static str {
        match self {
            BareUnit::Seconds => "seconds",
            BareUnit::Millis => "milliseconds",
        }
    }
}

/// `value` as a duration; `None` for anything else (negative, fractional, unknown unit, overflow).
pub fn parse_duration(value: &str, bare: BareUnit) -> Option<Duration> {
    let text = value.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let number: u64 = text[..digits].parse().ok()?;
    let micros_per = match text[digits..].trim_start().to_ascii_lowercase().as_str() {
        "" => match bare {
            BareUnit::Seconds => 1_000_000,
            BareUnit::Millis => 1_000,
        },
        "us" | "usec" => 1,
        "ms" | "msec" => 1_000,
        "s" | "sec" => 1_000_000,
        "m" | "min" => 60_000_000,
        "h" | "hr" => 3_600_000_000,
        _ => return None,
    };
    number.checked_mul(micros_per).map(Duration::from_micros)
}

/// The shortest exact spelling of `d` that [`parse_duration`] reads back: `2min`, `500ms`.
pub fn format_duration(d: Duration) -> String {
    let micros = d.as_micros();
    let units: [(u128, &str); 5] = [
        (3_600_000_000, "h"),
        (60_000_000, "min"),
        (1_000_000, "s"),
        (1_000, "ms"),
        (1, "us"),
    ];
    let (per, unit) = units
        .into_iter()
        .find(|(per, _)| micros != 0 && micros.is_multiple_of(*per))
        .unwrap_or((1_000_000, "s"));
    format!("{}{unit}", micros / per)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: BareUnit = BareUnit::Seconds;

    #[test]
    fn pacemaker_interval_spellings() {
        let ms = Duration::from_millis;
        assert_eq!(parse_duration("30", S), Some(ms(30_000)));
        assert_eq!(parse_duration("30s", S), Some(ms(30_000)));
        assert_eq!(parse_duration(" 30 sec ", S), Some(ms(30_000)));
        assert_eq!(parse_duration("500ms", S), Some(ms(500)));
        assert_eq!(parse_duration("500MSEC", S), Some(ms(500)));
        assert_eq!(parse_duration("2min", S), Some(ms(120_000)));
        assert_eq!(parse_duration("2m", S), Some(ms(120_000)));
        assert_eq!(parse_duration("1h", S), Some(ms(3_600_000)));
        assert_eq!(parse_duration("1hr", S), Some(ms(3_600_000)));
        assert_eq!(parse_duration("250us", S), Some(Duration::from_micros(250)));
        assert_eq!(parse_duration("0", S), Some(Duration::ZERO));
    }

    #[test]
    fn a_bare_number_counts_in_the_declared_unit() {
        assert_eq!(
            parse_duration("200", BareUnit::Millis),
            Some(Duration::from_millis(200))
        );
        assert_eq!(
            parse_duration("2s", BareUnit::Millis),
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn refuses_what_is_not_a_duration() {
        for bad in [
            "",
            "s",
            "-5",
            "1.5s",
            "5 days",
            "10x",
            "ms500",
            "99999999999999999999",
        ] {
            assert_eq!(parse_duration(bad, S), None, "{bad}");
        }
        assert_eq!(parse_duration("18446744073709551615h", S), None, "overflow");
    }

    #[test]
    fn formats_the_shortest_exact_spelling() {
        for (d, text) in [
            (Duration::from_secs(7200), "2h"),
            (Duration::from_secs(600), "10min"),
            (Duration::from_secs(90), "90s"),
            (Duration::from_millis(1500), "1500ms"),
            (Duration::from_micros(7), "7us"),
            (Duration::ZERO, "0s"),
        ] {
            assert_eq!(format_duration(d), text);
            assert_eq!(parse_duration(text, S), Some(d), "{text} reads back");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_read_without_panic(text in "(?s).{0,40}", millis in proptest::bool::ANY) {
            let bare = if millis { BareUnit::Millis } else { S };
            let _ = parse_duration(&text, bare);
        }

        #[test]
        fn every_formatted_duration_reads_back(micros in 0u64..u64::MAX / 4) {
            let d = Duration::from_micros(micros);
            proptest::prop_assert_eq!(parse_duration(&format_duration(d), S), Some(d));
        }
    }
}
