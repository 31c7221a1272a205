//! Times the operator types: `@1796626396.12` (seconds since the epoch, as `date +%s.%N`),
//! RFC 3339, `YYYY-MM-DD HH:MM[:SS[.frac]]` or `HH:MM[:SS[.frac]]` (today), in local time
//! unless an offset is given.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};

use super::halog::Zone;

/// Microseconds since the epoch, or a message naming the value and the accepted forms.
pub fn parse(text: &str, zone: Zone, today: NaiveDate) -> Result<i64, String> {
    let t = text.trim();
    let bad = || {
        format!(
            "'{text}' is not a time: use @EPOCH_SECONDS, 2026-12-07T06:53:16+00:00, \
             '2026-12-07 06:53:16' or 06:53:16 (local time)"
        )
    };
    if let Some(epoch) = t.strip_prefix('@') {
        let s: f64 = epoch.parse().map_err(|_| bad())?;
        if !s.is_finite() || s.abs() > 1e12 {
            return Err(bad());
        }
        return Ok((s * 1e6).round() as i64);
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.timestamp_micros());
    }
    let naive = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
    .or_else(|| {
        ["%H:%M:%S%.f", "%H:%M"]
            .iter()
            .find_map(|f| NaiveTime::parse_from_str(t, f).ok())
            .map(|time| today.and_time(time))
    })
    .ok_or_else(bad)?;
    zone.resolve(naive)
        .map(|d| d.timestamp_micros())
        .ok_or_else(|| format!("'{text}' does not exist in the local time zone"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;
    use proptest::prelude::*;

    fn zone() -> Zone {
        Zone::Fixed(FixedOffset::east_opt(3600).unwrap())
    }
    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
    }

    #[test]
    fn every_form_names_the_same_instant() {
        let want = 1_796_626_396_500_000;
        for text in [
            "@1796626396.5",
            "2026-12-07T06:53:16.5+00:00",
            "2026-12-07 07:53:16.5",
            "07:53:16.5",
        ] {
            assert_eq!(parse(text, zone(), today()), Ok(want), "{text}");
        }
    }

    #[test]
    fn nonsense_names_the_value() {
        let e = parse("yesterday", zone(), today()).unwrap_err();
        assert!(e.starts_with("'yesterday' is not a time"), "{e}");
        assert!(parse("@nan", zone(), today()).is_err());
        assert!(parse("@1e300", zone(), today()).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = parse(&s, zone(), today());
        }
    }
}
