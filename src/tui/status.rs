//! The status line's state: the last message, and each cluster's name, state and the kinds
//! it cannot read, computed when the catalog moves (never while drawing), with a hash that
//! tells whether the line must be redrawn.

use super::build;
use super::outcome::Message;
use crate::catalog::{Catalog, ClusterStatus};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// One cluster as the status line shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    pub name: String,
    pub status: ClusterStatus,
    /// Plurals of the kinds this cluster forbids.
    pub forbidden: Vec<String>,
    /// When its data was read, for a cluster read by polling (a hub member).
    pub polled: Option<i64>,
}

/// The status line's state.
#[derive(Debug, Default)]
pub struct Status {
    message: Option<Message>,
    badges: Vec<Badge>,
    /// Catalog revision the badges were computed at.
    revision: Option<u64>,
    /// Hash of the cluster statuses shown.
    hash: u64,
}

impl Status {
    pub fn message(&self) -> Option<&Message> {
        self.message.as_ref()
    }

    pub fn tell(&mut self, m: Message) {
        self.message = Some(m);
    }

    #[cfg(any(test, feature = "test-support"))]
    pub fn clear(&mut self) {
        self.message = None;
    }

    pub fn badges(&self) -> &[Badge] {
        &self.badges
    }

    /// Bring the badges up to date; true when what the line shows of the clusters changed.
    pub fn refresh(&mut self, cat: &Catalog) -> bool {
        self.refresh_at(cat, 0)
    }

    /// As [`Status::refresh`], at `now` (the data age of polled clusters is shown).
    pub fn refresh_at(&mut self, cat: &Catalog, now: i64) -> bool {
        let mut h = DefaultHasher::new();
        for c in cat.clusters().iter().filter(|c| !c.removed) {
            (&c.name, build::cluster_status_text(cat, c), &c.version).hash(&mut h);
            c.polled.map(|at| super::format::age(at, now)).hash(&mut h);
        }
        let hash = h.finish();
        if self.revision != Some(cat.revision()) {
            self.revision = Some(cat.revision());
            self.badges = cat
                .clusters()
                .iter()
                .filter(|c| !c.removed)
                .map(|c| Badge {
                    name: c.name.clone(),
                    status: c.status.clone(),
                    forbidden: c
                        .forbidden()
                        .map(|(bp, src, _)| build::source_plural(cat, bp, src))
                        .collect(),
                    polled: c.polled,
                })
                .collect();
        }
        let changed = hash != self.hash;
        self.hash = hash;
        changed
    }
}
