//! The `timeline:` settings of the config file: where the change timeline's database is and
//! how much of the past it keeps.

use serde::Deserialize;
use std::path::PathBuf;

/// `timeline: { file: …, maxAgeDays: 90, maxEntries: 1000000, enabled: true }`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TimelineSettings {
    /// Record changes at all (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The SQLite file (default: `timeline.db` in the platform state dir; `--timeline-db`).
    #[serde(default)]
    pub file: Option<PathBuf>,
    /// Entries older than this are pruned (default 90).
    #[serde(default = "max_age_days")]
    pub max_age_days: u32,
    /// At most this many entries, the oldest pruned first (default 1,000,000).
    #[serde(default = "max_entries")]
    pub max_entries: u64,
}

fn yes() -> bool {
    true
}
fn max_age_days() -> u32 {
    90
}
fn max_entries() -> u64 {
    1_000_000
}

impl Default for TimelineSettings {
    fn default() -> Self {
        TimelineSettings {
            enabled: true,
            file: None,
            max_age_days: max_age_days(),
            max_entries: max_entries(),
        }
    }
}
