//! The change timeline: what changed, where and when, kept on disk so it outlives the process
//! and Kubernetes' one-hour Events.
//!
//! - [`derive::Recorder`] turns the catalog's change journal into [`Entry`]s on the catalog's
//!   owner task (cheap: a compare of the few properties blueprints' `timeline:` sections name);
//! - [`store::Store`]: SQLite (rusqlite, bundled), bounded by age and size, indexed by service,
//!   version and object;
//! - [`writer::Timeline`]: the store on its own thread, fed by a channel (writes batched), asked
//!   asynchronously; a file that cannot be used turns the timeline off with a message naming it;
//! - [`audit`]: our own actions, read from the executor's audit log;
//! - [`firing`]: degrade-rule firings, one entry per workload of the running service;
//! - [`format`]: the `kubeatlas timeline` output.

pub mod audit;
pub mod derive;
pub mod firing;
pub mod format;
pub mod store;
pub mod writer;

pub use derive::Recorder;
pub use store::{Store, StoreError};
pub use writer::{Notice, Timeline};

use serde::{Deserialize, Serialize};

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// When it happened (or was seen), seconds since the epoch.
    pub at: i64,
    pub context: String,
    pub env: String,
    /// The running service's key (empty when the object belongs to none).
    pub service: String,
    pub namespace: String,
    /// The object's kind (from its blueprint source).
    pub kind: String,
    pub name: String,
    /// The workload the object belongs to (its own name for a workload).
    pub owner: String,
    pub uid: String,
    /// What kind of change: `image`, `replicas`, `restart`, `rollout`, `health`, `state`,
    /// `created`, `deleted`, `revision`, `action` (from blueprint data and the audit log).
    pub change: String,
    /// In words: `image 1.4.2 → 1.4.3`.
    pub text: String,
    /// The version running after the change, when the change says.
    pub version: Option<String>,
    /// Who, when it was one of our own actions.
    pub who: Option<String>,
}

/// What to read from the store; newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub service: Option<String>,
    pub env: Option<String>,
    pub context: Option<String>,
    pub namespace: Option<String>,
    /// The workload (its own entries and its pods').
    pub owner: Option<String>,
    /// One object by name (a pod).
    pub name: Option<String>,
    /// Only entries at or after this time (seconds since the epoch).
    pub since: Option<i64>,
    /// At most this many (0: the default, 1,000).
    pub limit: usize,
}

/// When a version first reached each environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reached {
    pub env: String,
    pub at: i64,
}

/// Parse a duration like `90s`, `30m`, `2h`, `3d`, `1w` into seconds.
pub fn parse_since(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{s:?}: a duration needs a unit (s, m, h, d, w), e.g. 2h"))?;
    let (n, unit) = s.split_at(split);
    let n: i64 = n
        .parse()
        .map_err(|_| format!("{s:?}: a duration starts with a number, e.g. 2h"))?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (s, m, h, d, w)")),
    };
    Ok(n.saturating_mul(mult))
}

#[cfg(test)]
mod tests {
    use super::parse_since;

    #[test]
    fn durations_read_like_kubectl_ages() {
        assert_eq!(parse_since("2h"), Ok(7200));
        assert_eq!(parse_since("90s"), Ok(90));
        assert_eq!(parse_since("3d"), Ok(259_200));
        assert!(parse_since("2").is_err());
        assert!(parse_since("h").is_err());
        assert!(parse_since("2y").unwrap_err().contains("unknown unit"));
    }
}
