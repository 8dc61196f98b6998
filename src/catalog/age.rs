//! Ages as kubectl prints them (`duration.HumanDuration` of apimachinery, what `kubectl get`
//! shows in its AGE column): `42s`, `3m12s`, `45m`, `5h20m`, `12h`, `3d4h`, `40d`, `2y30d`.
//! One formatter for the TUI, the CLI and the timeline, and when its text next changes (so a
//! screen showing ages redraws exactly then); and apimachinery's shorter one for how long a
//! lock or a TTL has left ([`short`]).

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
const YEAR: i64 = 365 * DAY;

/// `secs` as kubectl shows an age: `<invalid>` more than a second in the future (clocks may
/// differ by that much), else about two significant figures.
pub fn human(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    let s = secs.max(0);
    let (minutes, hours) = (s / MINUTE, s / HOUR);
    let with = |big: i64, big_unit: &str, small: i64, small_unit: &str| {
        if small == 0 {
            format!("{big}{big_unit}")
        } else {
            format!("{big}{big_unit}{small}{small_unit}")
        }
    };
    match () {
        _ if s < 2 * MINUTE => format!("{s}s"),
        _ if minutes < 10 => with(minutes, "m", s % MINUTE, "s"),
        _ if minutes < 3 * 60 => format!("{minutes}m"),
        _ if hours < 8 => with(hours, "h", minutes % 60, "m"),
        _ if hours < 48 => format!("{hours}h"),
        _ if hours < 8 * 24 => with(hours / 24, "d", hours % 24, "h"),
        _ if hours < 2 * 365 * 24 => format!("{}d", hours / 24),
        _ if hours < 8 * 365 * 24 => with(hours / 24 / 365, "y", (hours / 24) % 365, "d"),
        _ => format!("{}y", hours / 24 / 365),
    }
}

/// `secs` in one unit, as apimachinery's `ShortHumanDuration`: `45s`, `12m`, `3h`, `5d`,
/// `2y` (what a countdown needs: "expires in 2h", not "expires in 120m").
pub fn short(secs: i64) -> String {
    match secs {
        ..-1 => "<invalid>".into(),
        -1..MINUTE => format!("{}s", secs.max(0)),
        MINUTE..HOUR => format!("{}m", secs / MINUTE),
        HOUR..DAY => format!("{}h", secs / HOUR),
        DAY..YEAR => format!("{}d", secs / DAY),
        _ => format!("{}y", secs / YEAR),
    }
}

/// Seconds until [`human`] of an age of `secs` reads differently.
pub fn changes_in(secs: i64) -> i64 {
    let s = secs.max(0);
    let unit = match s {
        _ if s < 10 * MINUTE => 1,
        _ if s < 8 * HOUR => MINUTE,
        _ if s < 8 * DAY => HOUR,
        _ if s < 8 * YEAR => DAY,
        _ => YEAR,
    };
    unit - s % unit
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cases of apimachinery's own `TestHumanDuration`, and its bounds.
    #[test]
    fn ages_read_as_kubectl_prints_them() {
        let cases = [
            (-2, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (1, "1s"),
            (70, "70s"),
            (119, "119s"),
            (2 * MINUTE, "2m"),
            (2 * MINUTE + 1, "2m1s"),
            (9 * MINUTE + 59, "9m59s"),
            (10 * MINUTE, "10m"),
            (179 * MINUTE + 59, "179m"),
            (3 * HOUR, "3h"),
            (3 * HOUR + 2 * MINUTE, "3h2m"),
            (7 * HOUR + 59 * MINUTE, "7h59m"),
            (8 * HOUR + 30 * MINUTE, "8h"),
            (47 * HOUR + 59 * MINUTE, "47h"),
            (2 * DAY, "2d"),
            (2 * DAY + 5 * HOUR, "2d5h"),
            (7 * DAY + 23 * HOUR, "7d23h"),
            (8 * DAY, "8d"),
            (729 * DAY, "729d"),
            (2 * YEAR, "2y"),
            (2 * YEAR + 10 * DAY, "2y10d"),
            (8 * YEAR - DAY, "7y364d"),
            (8 * YEAR, "8y"),
            (20 * YEAR + 100 * DAY, "20y"),
        ];
        for (secs, want) in cases {
            assert_eq!(human(secs), want, "{secs} s");
        }
    }

    #[test]
    fn short_durations_take_one_unit() {
        let cases = [
            (-2, "<invalid>"),
            (-1, "0s"),
            (59, "59s"),
            (60, "1m"),
            (7_199, "1h"),
            (7_200, "2h"),
            (DAY - 1, "23h"),
            (3 * DAY + 5, "3d"),
            (400 * DAY, "1y"),
        ];
        for (secs, want) in cases {
            assert_eq!(short(secs), want, "{secs} s");
        }
    }

    /// Waiting as long as [`changes_in`] says changes the text, and any shorter wait does not.
    #[test]
    fn the_text_changes_exactly_when_said() {
        let ages = (0..700)
            .chain((0..200).map(|i| 590 + i * 7))
            .chain((0..400).map(|i| i * 97 + 3 * HOUR - 50))
            .chain((0..400).map(|i| i * 1_801 + 2 * DAY - 3 * HOUR))
            .chain((0..300).map(|i| i * 86_399 + 8 * DAY - 3 * DAY))
            .chain((0..100).map(|i| i * DAY + 2 * YEAR - 50 * DAY))
            .chain((0..100).map(|i| i * DAY + 8 * YEAR - 50 * DAY));
        for s in ages {
            let wait = changes_in(s);
            assert!(wait >= 1, "{s}");
            assert_ne!(human(s + wait), human(s), "{s} + {wait}");
            assert_eq!(human(s + wait - 1), human(s), "{s} + {wait} - 1");
        }
    }
}
