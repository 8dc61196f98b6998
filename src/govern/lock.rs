//! A lock on a workload: who took it, why, since and until when — the JSON value of the
//! [`super::LOCK_KEY`] annotation. A lock past its `until` is expired and counts as unlocked;
//! an annotation that cannot be read counts as locked (fail safe) until someone unlocks it.

use super::{rfc3339, span};
use serde::{Deserialize, Serialize};

/// The annotation's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    /// The user (kubeconfig user name or the server's `SelfSubjectReview` answer).
    pub who: String,
    pub reason: String,
    /// RFC 3339.
    pub since: String,
    /// RFC 3339; absent: until unlocked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

impl Lock {
    /// A lock taken at `now` for `secs` seconds.
    pub fn new(who: &str, reason: &str, now: i64, secs: i64) -> Lock {
        Lock {
            who: who.to_string(),
            reason: reason.to_string(),
            since: rfc3339(now),
            until: Some(rfc3339(now.saturating_add(secs))),
        }
    }

    /// The annotation value (compact JSON, fields in a fixed order).
    pub fn to_annotation(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Seconds since the epoch of `until`, if set and readable.
    pub fn until_secs(&self) -> Option<i64> {
        let u = self.until.as_deref()?;
        u.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
    }
}

/// A workload's lock as of some time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockState {
    Unlocked,
    Active(Lock),
    /// Past its `until`: shown, treated as unlocked.
    Expired(Lock),
    /// The annotation is there but cannot be read (the raw value's error): treated as locked.
    Invalid(String),
}

impl LockState {
    /// Read the annotation value at `now`.
    pub fn read(raw: Option<&str>, now: i64) -> LockState {
        let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
            return LockState::Unlocked;
        };
        match serde_json::from_str::<Lock>(raw) {
            Ok(l) => match (l.until.as_deref(), l.until_secs()) {
                (Some(u), None) => LockState::Invalid(format!("until {u:?} is not a time")),
                (_, Some(t)) if t <= now => LockState::Expired(l),
                _ => LockState::Active(l),
            },
            Err(e) => LockState::Invalid(e.to_string()),
        }
    }

    /// Whether actions are refused.
    pub fn is_locked(&self) -> bool {
        matches!(self, LockState::Active(_) | LockState::Invalid(_))
    }

    /// The lock, if there is a readable one (active or expired).
    pub fn lock(&self) -> Option<&Lock> {
        match self {
            LockState::Active(l) | LockState::Expired(l) => Some(l),
            _ => None,
        }
    }

    /// Why actions are refused, in words: `locked by alice until 2026-…Z (2h left): release
    /// freeze`; `None` when unlocked or expired.
    pub fn refusal(&self, now: i64) -> Option<String> {
        match self {
            LockState::Active(l) => Some(format!(
                "locked by {}{}: {}",
                l.who,
                until(l, now),
                l.reason
            )),
            LockState::Invalid(why) => Some(format!(
                "locked: the {} annotation cannot be read ({why}); unlock it to clear it",
                super::LOCK_KEY
            )),
            _ => None,
        }
    }

    /// A short cell: `locked alice 2h`, `lock expired`, `lock?`, or empty.
    pub fn cell(&self, now: i64) -> String {
        match self {
            LockState::Unlocked => String::new(),
            LockState::Active(l) => match l.until_secs() {
                Some(t) => format!("locked {} {}", l.who, span(t - now)),
                None => format!("locked {}", l.who),
            },
            LockState::Expired(_) => "lock expired".into(),
            LockState::Invalid(_) => "lock?".into(),
        }
    }

    /// One line for the detail view and `check`.
    pub fn describe(&self, now: i64) -> String {
        match self {
            LockState::Unlocked => "unlocked".into(),
            LockState::Expired(l) => format!(
                "expired (was locked by {} until {}: {})",
                l.who,
                l.until.as_deref().unwrap_or("-"),
                l.reason
            ),
            other => other.refusal(now).unwrap_or_default(),
        }
    }
}

fn until(l: &Lock, now: i64) -> String {
    match (l.until.as_deref(), l.until_secs()) {
        (Some(u), Some(t)) => format!(" until {u} ({} left)", span(t - now)),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn the_annotation_is_compact_json_in_a_fixed_order() {
        let l = Lock::new("alice", "release freeze", NOW, 7200);
        assert_eq!(
            l.to_annotation(),
            r#"{"who":"alice","reason":"release freeze","since":"2027-01-15T08:00:00Z","until":"2027-01-15T10:00:00Z"}"#
        );
        assert_eq!(
            LockState::read(Some(&l.to_annotation()), NOW),
            LockState::Active(l)
        );
    }

    #[test]
    fn a_lock_expires_at_its_until_and_then_counts_as_unlocked() {
        let l = Lock::new("alice", "freeze", NOW, 3600);
        let raw = l.to_annotation();
        let before = LockState::read(Some(&raw), NOW + 3599);
        assert!(before.is_locked());
        assert_eq!(
            before.refusal(NOW + 3599).as_deref(),
            Some("locked by alice until 2027-01-15T09:00:00Z (1s left): freeze")
        );
        let after = LockState::read(Some(&raw), NOW + 3600);
        assert_eq!(after, LockState::Expired(l));
        assert!(!after.is_locked());
        assert_eq!(after.refusal(NOW + 3600), None);
        assert_eq!(after.cell(NOW + 3600), "lock expired");
    }

    #[test]
    fn an_unreadable_lock_is_locked_and_says_why() {
        for raw in [
            "not json",
            r#"{"who":"x"}"#,
            r#"{"who":"a","reason":"r","since":"s","until":"later"}"#,
        ] {
            let s = LockState::read(Some(raw), NOW);
            assert!(matches!(s, LockState::Invalid(_)), "{raw}: {s:?}");
            assert!(s.is_locked());
            assert!(s.refusal(NOW).is_some_and(|w| w.contains("cannot be read")));
        }
        assert_eq!(LockState::read(None, NOW), LockState::Unlocked);
        assert_eq!(LockState::read(Some(""), NOW), LockState::Unlocked);
    }

    #[test]
    fn a_lock_without_until_holds_until_unlocked() {
        let raw = r#"{"who":"bob","reason":"incident","since":"2027-01-15T08:00:00Z"}"#;
        let s = LockState::read(Some(raw), i64::MAX / 2);
        assert!(s.is_locked());
        assert_eq!(s.cell(NOW), "locked bob");
    }
}
