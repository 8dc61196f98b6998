//! Governing running services, stored in the cluster itself (no server of ours): **locks**
//! with an expiry (one annotation per workload, [`LOCK_KEY`]), **TTLs** read in kube-janitor's
//! conventions plus our own key, the **check** a pipeline asks before it deploys, and the
//! **reaper**'s expired set. Everything here is pure: decisions take the time as an argument
//! (or a [`Clock`]), so expiry is tested without sleeping; sending lives in
//! [`crate::actions`].

pub mod check;
pub mod lock;
pub mod read;
pub mod reap;
pub mod ttl;

pub use lock::{Lock, LockState};
pub use ttl::Expiry;

/// The lock annotation: JSON `{"who","reason","since","until"}` (RFC 3339 times).
pub const LOCK_KEY: &str = "kubeatlas.io/lock";
/// kube-janitor's TTL annotation: `30m`, `24h`, `7d`, `2w` after creation, or `forever`.
pub const JANITOR_TTL_KEY: &str = "janitor/ttl";
/// kube-janitor's absolute expiry: `2019-02-28T10:00:00Z`, `2019-02-28T10:00`, `2019-02-28`.
pub const JANITOR_EXPIRES_KEY: &str = "janitor/expires";
/// Our own expiry (same forms as `janitor/expires`); when set it wins over the janitor's keys.
pub const EXPIRES_KEY: &str = "kubeatlas.io/expires";

/// Blueprint property ids the annotations are read into (blueprints/workload.yaml,
/// namespace.yaml).
pub mod props {
    pub const LOCK: &str = "lock";
    pub const JANITOR_TTL: &str = "janitorTtl";
    pub const JANITOR_EXPIRES: &str = "janitorExpires";
    pub const EXPIRES: &str = "expires";
    /// All of them (views word them instead of showing the raw values).
    pub const ALL: [&str; 4] = [LOCK, JANITOR_TTL, JANITOR_EXPIRES, EXPIRES];
}

/// The time, injected: seconds since the Unix epoch.
pub trait Clock: Send + Sync {
    fn now(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        jiff::Timestamp::now().as_second()
    }
}

/// A clock that says one time (tests, and "as of" decisions).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0
    }
}

/// `secs` since the epoch as RFC 3339 in UTC, to the second (`2026-11-30T10:00:00Z`).
pub fn rfc3339(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// A duration in one unit, as apimachinery words one (`45s`, `12m`, `3h`, `5d`:
/// [`crate::catalog::age::short`]), never negative.
pub fn span(secs: i64) -> String {
    crate::catalog::age::short(secs.max(0))
}
