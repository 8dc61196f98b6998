//! Text helpers for cells: ages, truncation to a display width, padding.

/// A deadline cell as of `now`: a TTL (`text` empty) reads `expires in 3h` / `expired 2d ago`;
/// a lock (`text` = `locked alice`) reads `locked alice 2h`, then `lock expired`.
pub fn deadline(text: &str, at: i64, now: i64) -> String {
    match (text.is_empty(), at > now) {
        (true, _) => crate::govern::Expiry::At(at).words(now),
        (false, true) => format!("{text} {}", crate::govern::span(at - now)),
        (false, false) => "lock expired".into(),
    }
}

/// Seconds between `created` and `now`, as kubectl shows an age (`42s`, `3m12s`, `5h20m`,
/// `12d`: [`crate::catalog::age`]). Empty when the timestamp is unknown (0).
pub fn age(created: i64, now: i64) -> String {
    if created <= 0 {
        return String::new();
    }
    crate::catalog::age::human(now - created)
}

/// Seconds until [`age`] of `created` shows another text (for scheduling a redraw).
pub fn age_changes_in(created: i64, now: i64) -> Option<i64> {
    (created > 0).then(|| crate::catalog::age::changes_in(now - created))
}

/// Number of terminal columns `s` takes (one per char; the catalog's text is ASCII apart from
/// a few one-column symbols).
pub fn width(s: &str) -> usize {
    s.chars().count()
}

/// `s` cut to `max` columns, ending in `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(age(0, 100), "");
        assert_eq!(age(100, 142), "42s");
        assert_eq!(age(100, 100 + 300), "5m");
        assert_eq!(age(100, 100 + 10_800 + 60), "3h1m");
        assert_eq!(age(100, 100 + 3 * 86400), "3d");
        assert_eq!(age_changes_in(100, 142), Some(1));
        assert_eq!(age_changes_in(100, 100 + 661), Some(59));
        assert_eq!(age_changes_in(0, 1), None);
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate("checkout-api", 20), "checkout-api");
        assert_eq!(truncate("checkout-api", 8), "checkou…");
        assert_eq!(truncate("abc", 0), "");
        assert_eq!(truncate("abc", 1), "…");
    }
}
