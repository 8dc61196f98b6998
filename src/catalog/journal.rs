//! The catalog's change journal: what each revision step touched (an entity, a cluster's own
//! state, or many entities at once), kept in a bounded ring so a reader that saw revision `r`
//! can ask [`Catalog::changes_since`](super::Catalog::changes_since) what moved since, and
//! patch only that instead of re-reading everything.

use super::{Change, EntityRef};
use std::collections::VecDeque;

/// Revision steps remembered. A reader further behind is told "everything" and rebuilds;
/// readers patch only up to a quarter of their rows anyway.
pub const JOURNAL_STEPS: usize = 1 << 16;

/// What one revision step touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Touch {
    Entity(EntityRef),
    /// A cluster's state, version or source status.
    Cluster,
    /// Many entities at once (a resync, a cluster forgotten).
    Wide,
}

impl Touch {
    /// What `c` would touch if it moves the revision.
    pub fn of(c: &Change) -> Touch {
        match c {
            Change::Apply { cluster, record } => Touch::Entity(EntityRef {
                cluster: *cluster,
                bp: record.blueprint,
                uid: record.uid.clone(),
            }),
            Change::Delete { cluster, bp, uid } => Touch::Entity(EntityRef {
                cluster: *cluster,
                bp: *bp,
                uid: uid.clone(),
            }),
            Change::Cluster { .. } | Change::ServerVersion { .. } | Change::Source { .. } => {
                Touch::Cluster
            }
            Change::Resync { .. } => Touch::Wide,
        }
    }
}

/// The last [`JOURNAL_STEPS`] revision steps; step `i` of the ring took the catalog from
/// revision `start + i` to `start + i + 1`.
#[derive(Debug, Default)]
pub(super) struct Journal {
    start: u64,
    steps: VecDeque<Touch>,
}

impl Journal {
    /// Note the step from revision `before` to `before + 1`.
    pub(super) fn note(&mut self, before: u64, touch: Touch) {
        if self.steps.is_empty() {
            self.start = before;
        }
        if self.steps.len() >= JOURNAL_STEPS {
            self.steps.pop_front();
            self.start += 1;
        }
        self.steps.push_back(touch);
    }

    /// The steps from revision `rev` to `now`.
    pub(super) fn since(&self, rev: u64, now: u64) -> Since<'_> {
        if rev == now {
            return Since::Steps(Steps { a: &[], b: &[] });
        }
        let end = self.start + self.steps.len() as u64;
        if rev < self.start || rev > now || end != now {
            return Since::Everything;
        }
        let skip = (rev - self.start) as usize;
        let (a, b) = self.steps.as_slices();
        let steps = if skip <= a.len() {
            Steps { a: &a[skip..], b }
        } else {
            Steps {
                a: &b[skip - a.len()..],
                b: &[],
            }
        };
        Since::Steps(steps)
    }
}

/// What changed since a revision.
#[derive(Debug, Clone, Copy)]
pub enum Since<'a> {
    /// Too long ago (or unknown): read everything again.
    Everything,
    /// Exactly these steps, oldest first.
    Steps(Steps<'a>),
}

/// A run of revision steps, oldest first.
#[derive(Debug, Clone, Copy)]
pub struct Steps<'a> {
    a: &'a [Touch],
    b: &'a [Touch],
}

impl<'a> Steps<'a> {
    pub fn iter(&self) -> impl Iterator<Item = &'a Touch> + use<'a> {
        self.a.iter().chain(self.b.iter())
    }

    pub fn len(&self) -> usize {
        self.a.len() + self.b.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entities touched (with repeats).
    pub fn entities(&self) -> impl Iterator<Item = &'a EntityRef> + use<'a> {
        self.iter().filter_map(|t| match t {
            Touch::Entity(e) => Some(e),
            _ => None,
        })
    }

    /// Whether a cluster's own state changed.
    pub fn clusters(&self) -> bool {
        self.iter().any(|t| *t == Touch::Cluster)
    }

    /// Whether many entities changed at once.
    pub fn wide(&self) -> bool {
        self.iter().any(|t| *t == Touch::Wide)
    }
}
