//! Rollout progress after a restart or redeploy: one line per acted workload, computed from
//! the live catalog until finished, then kept a few seconds (or until `x` dismisses it).

use crate::actions::progress::{Progress, progress};
use crate::catalog::{Catalog, EntityRef};

/// Seconds a finished rollout stays on screen.
pub const LINGER_SECS: i64 = 5;

/// One workload being rolled out.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollout {
    pub entity: EntityRef,
    /// `context/namespace/name`.
    pub label: String,
    /// `metadata.generation` the action produced.
    pub generation: Option<i64>,
    pub progress: Progress,
    /// When it finished (seconds since the epoch).
    pub finished_at: Option<i64>,
}

impl Rollout {
    /// `prod/shop/checkout-api: rolling out: 2/3 updated, 3/3 ready`.
    pub fn line(&self) -> String {
        format!("{}: {}", self.label, self.progress.describe())
    }
}

/// Start following a rollout (replacing an older one of the same workload).
pub fn track(
    rollouts: &mut Vec<Rollout>,
    cat: &Catalog,
    entity: EntityRef,
    label: String,
    generation: Option<i64>,
) {
    rollouts.retain(|r| r.entity != entity);
    rollouts.push(Rollout {
        progress: progress(cat, &entity, generation),
        entity,
        label,
        generation,
        finished_at: None,
    });
}

/// Bring every rollout up to date with the catalog and the clock; drop the ones finished
/// longer than [`LINGER_SECS`] ago. True when what is shown changed.
pub fn refresh(rollouts: &mut Vec<Rollout>, cat: &Catalog, now: i64) -> bool {
    let mut changed = false;
    for r in rollouts.iter_mut() {
        if r.finished_at.is_some() {
            continue;
        }
        let p = progress(cat, &r.entity, r.generation);
        if p.finished() {
            r.finished_at = Some(now);
        }
        if p != r.progress {
            r.progress = p;
            changed = true;
        }
    }
    let before = rollouts.len();
    rollouts.retain(|r| r.finished_at.is_none_or(|t| now < t + LINGER_SECS));
    changed || rollouts.len() != before
}
