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
            Change::Cluster { .. }
            | Change::ServerVersion { .. }
            | Change::Source { .. }
            | Change::Polled { .. } => Touch::Cluster,
            Change::Resync { .. }
            | Change::Joined { .. }
            | Change::Left { .. }
            | Change::Batch(_) => Touch::Wide,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::BpId;
    use crate::catalog::ClusterId;

    fn entity(uid: &str) -> Touch {
        Touch::Entity(EntityRef {
            cluster: ClusterId(0),
            bp: BpId(0),
            uid: uid.into(),
        })
    }

    fn uids(s: Since<'_>) -> Option<Vec<String>> {
        match s {
            Since::Everything => None,
            Since::Steps(st) => Some(st.entities().map(|e| e.uid.to_string()).collect()),
        }
    }

    #[test]
    fn a_reader_gets_exactly_the_steps_since_its_revision() {
        let mut j = Journal::default();
        for (rev, uid) in ["a", "b", "c"].iter().enumerate() {
            j.note(rev as u64, entity(uid));
        }
        j.note(3, Touch::Cluster);
        assert_eq!(uids(j.since(1, 4)), Some(vec!["b".into(), "c".into()]));
        assert_eq!(uids(j.since(4, 4)), Some(vec![]));
        let Since::Steps(s) = j.since(0, 4) else {
            panic!("everything")
        };
        assert_eq!(s.len(), 4);
        assert!(s.clusters() && !s.wide());
        // A revision the journal never saw (or a catalog that moved without it): everything.
        assert!(uids(j.since(5, 6)).is_none());
        assert!(uids(j.since(0, 5)).is_none());
    }

    #[test]
    fn a_reader_further_behind_than_the_ring_is_told_everything() {
        let mut j = Journal::default();
        let n = JOURNAL_STEPS as u64 + 10;
        for rev in 0..n {
            j.note(rev, entity(&rev.to_string()));
        }
        assert!(uids(j.since(5, n)).is_none(), "older than the ring");
        let recent = uids(j.since(n - 2, n)).expect("in the ring");
        assert_eq!(recent, [(n - 2).to_string(), (n - 1).to_string()]);
        // The ring wraps: a run of steps across both halves comes out in order.
        let from = n - JOURNAL_STEPS as u64;
        let all = uids(j.since(from, n)).expect("whole ring");
        assert_eq!(all.len(), JOURNAL_STEPS);
        assert_eq!(all[0], from.to_string());
    }
}
