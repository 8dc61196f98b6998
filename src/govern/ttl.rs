//! TTLs as people already write them: kube-janitor's `janitor/ttl` (`60s`, `30m`, `24h`, `7d`,
//! `2w` after the object's creation, or `forever`) and `janitor/expires` (`2019-02-28T10:00:00Z`,
//! `2019-02-28T10:00`, `2019-02-28`, read as UTC), plus our own `kubeatlas.io/expires` (same
//! forms), which wins when set. A value that cannot be read is [`Expiry::Invalid`]: shown as
//! such and never reaped — not ignored, not a crash.

use super::span;

/// When an object expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expiry {
    /// No TTL annotation.
    None,
    /// `janitor/ttl: forever`.
    Never,
    /// Seconds since the epoch.
    At(i64),
    /// An annotation that cannot be read: which key, its value, why.
    Invalid {
        key: &'static str,
        value: String,
        why: String,
    },
}

/// Why a TTL or expiry value cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TtlError {
    #[error("TTL value {0:?} does not match the format (e.g. 60s, 5m, 8h, 7d, 2w)")]
    Duration(String),
    #[error(
        "expiry value {0:?} does not match the format 2019-02-25T09:26:14Z, 2019-02-25T09:26, or 2019-02-25"
    )]
    Timestamp(String),
}

/// A janitor duration: digits then one of `s m h d w`. Seconds.
pub fn parse_duration(s: &str) -> Result<i64, TtlError> {
    let bad = || TtlError::Duration(s.to_string());
    let t = s.trim();
    let unit = t.chars().last().ok_or_else(bad)?;
    let digits = &t[..t.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: i64 = digits.parse().map_err(|_| bad())?;
    let mult = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(mult).ok_or_else(bad)
}

/// A TTL: `Some(seconds)`, or `None` for `forever` (any case).
pub fn parse_ttl(s: &str) -> Result<Option<i64>, TtlError> {
    if s.trim().eq_ignore_ascii_case("forever") {
        return Ok(None);
    }
    parse_duration(s).map(Some)
}

/// An expiry time: RFC 3339 (`2019-02-28T10:00:00Z`, any offset), `2019-02-28T10:00` or
/// `2019-02-28` (UTC). Seconds since the epoch.
pub fn parse_expires(s: &str) -> Result<i64, TtlError> {
    let t = s.trim();
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Ok(ts.as_second());
    }
    let civil = if t.len() == 10 {
        t.parse::<jiff::civil::Date>()
            .ok()
            .map(|d| d.at(0, 0, 0, 0))
    } else if t.len() == 16 && t.as_bytes().get(10) == Some(&b'T') {
        t.parse::<jiff::civil::DateTime>().ok()
    } else {
        None
    };
    civil
        .and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp().as_second())
        .ok_or_else(|| TtlError::Timestamp(s.to_string()))
}

/// The expiry of an object created at `created` with these annotation values: our own key
/// when set, else the earlier of the janitor's TTL and expiry.
pub fn expiry(
    created: i64,
    janitor_ttl: Option<&str>,
    janitor_expires: Option<&str>,
    own: Option<&str>,
) -> Expiry {
    let invalid = |key: &'static str, value: &str, e: TtlError| Expiry::Invalid {
        key,
        value: value.to_string(),
        why: e.to_string(),
    };
    if let Some(v) = own {
        return match parse_expires(v) {
            Ok(t) => Expiry::At(t),
            Err(e) => invalid(super::EXPIRES_KEY, v, e),
        };
    }
    let by_ttl = match janitor_ttl.map(|v| (v, parse_ttl(v))) {
        None => None,
        Some((v, Err(e))) => return invalid(super::JANITOR_TTL_KEY, v, e),
        Some((_, Ok(None))) => Some(Expiry::Never),
        Some((_, Ok(Some(d)))) => Some(Expiry::At(created.saturating_add(d))),
    };
    let by_time = match janitor_expires.map(|v| (v, parse_expires(v))) {
        None => None,
        Some((v, Err(e))) => return invalid(super::JANITOR_EXPIRES_KEY, v, e),
        Some((_, Ok(t))) => Some(t),
    };
    match (by_ttl, by_time) {
        (None, None) => Expiry::None,
        (Some(Expiry::At(a)), Some(b)) => Expiry::At(a.min(b)),
        (_, Some(b)) => Expiry::At(b),
        (Some(x), None) => x,
    }
}

impl Expiry {
    /// Expired at `now` (only a readable time in the past).
    pub fn expired(&self, now: i64) -> bool {
        matches!(self, Expiry::At(t) if *t <= now)
    }

    /// The countdown: `expires in 3h`, `expired 2d ago`, `never`, `invalid ttl`, or empty.
    pub fn words(&self, now: i64) -> String {
        match self {
            Expiry::None => String::new(),
            Expiry::Never => "never".into(),
            Expiry::At(t) if *t > now => format!("expires in {}", span(t - now)),
            Expiry::At(t) => format!("expired {} ago", span(now - t)),
            Expiry::Invalid { .. } => "invalid ttl".into(),
        }
    }

    /// The matrix badge: `ttl 3h`, `expired`, `ttl?`; empty without a TTL.
    pub fn badge(&self, now: i64) -> String {
        match self {
            Expiry::None | Expiry::Never => String::new(),
            Expiry::At(t) if *t > now => format!("ttl {}", span(t - now)),
            Expiry::At(_) => "expired".into(),
            Expiry::Invalid { .. } => "ttl?".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000;

    #[test]
    fn every_janitor_duration_unit_is_read() {
        assert_eq!(parse_duration("60s"), Ok(60));
        assert_eq!(parse_duration("30m"), Ok(1800));
        assert_eq!(parse_duration("24h"), Ok(86_400));
        assert_eq!(parse_duration("7d"), Ok(7 * 86_400));
        assert_eq!(parse_duration("2w"), Ok(14 * 86_400));
        assert_eq!(parse_ttl("forever"), Ok(None));
        assert_eq!(parse_ttl("FOREVER"), Ok(None));
        for bad in [
            "",
            "h",
            "5",
            "5x",
            "-5m",
            "1.5h",
            "5 m",
            "1h30m",
            "ünf",
            "99999999999999999w",
        ] {
            assert!(parse_ttl(bad).is_err(), "{bad:?} must be invalid");
        }
    }

    #[test]
    fn every_janitor_expiry_form_is_read_as_utc() {
        assert_eq!(parse_expires("2019-02-28T10:00:00Z"), Ok(1_551_348_000));
        assert_eq!(parse_expires("2019-02-28T10:00"), Ok(1_551_348_000));
        assert_eq!(parse_expires("2019-02-28"), Ok(1_551_312_000));
        assert_eq!(
            parse_expires("2019-02-28T11:00:00+01:00"),
            Ok(1_551_348_000)
        );
        for bad in ["2019-02-30", "28.02.2019", "2019-02-28T10", "tomorrow", ""] {
            assert!(parse_expires(bad).is_err(), "{bad:?} must be invalid");
        }
    }

    #[test]
    fn our_key_wins_and_the_janitors_earlier_deadline_counts() {
        assert_eq!(expiry(T0, None, None, None), Expiry::None);
        assert_eq!(expiry(T0, Some("1h"), None, None), Expiry::At(T0 + 3600));
        assert_eq!(expiry(T0, Some("forever"), None, None), Expiry::Never);
        let at = parse_expires("2019-02-28").expect("date");
        assert_eq!(
            expiry(T0, Some("1h"), Some("2019-02-28"), None),
            Expiry::At(at)
        );
        assert_eq!(
            expiry(T0, Some("1h"), Some("2019-02-28"), Some("2030-01-01")),
            Expiry::At(parse_expires("2030-01-01").expect("date"))
        );
    }

    #[test]
    fn bad_values_are_invalid_with_the_key_and_never_expire() {
        let e = expiry(T0, Some("3 days"), None, None);
        assert!(
            matches!(&e, Expiry::Invalid { key: "janitor/ttl", value, .. } if value == "3 days")
        );
        assert_eq!(e.words(T0), "invalid ttl");
        assert!(!e.expired(i64::MAX));
        let e = expiry(T0, None, Some("soon"), None);
        assert!(matches!(
            e,
            Expiry::Invalid {
                key: "janitor/expires",
                ..
            }
        ));
    }

    #[test]
    fn the_countdown_reads_against_the_given_time() {
        let e = expiry(T0, Some("7d"), None, None);
        assert_eq!(e.words(T0 + 6 * 86_400 + 21 * 3600), "expires in 3h");
        assert!(!e.expired(T0 + 7 * 86_400 - 1));
        assert!(e.expired(T0 + 7 * 86_400));
        assert_eq!(e.words(T0 + 9 * 86_400), "expired 2d ago");
        assert_eq!(e.badge(T0 + 9 * 86_400), "expired");
        assert_eq!(e.badge(T0), "ttl 7d");
    }
}
