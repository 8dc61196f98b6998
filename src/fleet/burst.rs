//! A watcher's burst: the watch events it read in one go (everything its stream had decoded
//! and ready), gathered into one [`Change::Batch`] so the catalog's owner is woken and sent
//! one message per burst instead of one per event.

use crate::catalog::Change;

/// Events gathered into one message at most (a longer burst is sent in several).
pub const BURST_MAX: usize = 512;

/// The changes of one burst, in the order they were read.
#[derive(Debug, Default)]
pub struct Burst {
    changes: Vec<Change>,
}

impl Burst {
    pub fn push(&mut self, c: Change) {
        self.changes.push(c);
    }

    pub fn len(&self) -> usize {
        self.changes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The message to send for what was gathered (a lone change as itself), leaving the
    /// burst empty; `None` when nothing was.
    pub fn take(&mut self) -> Option<Change> {
        match self.changes.len() {
            0 => None,
            1 => self.changes.pop(),
            _ => Some(Change::Batch(std::mem::take(&mut self.changes))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::BpId;
    use crate::catalog::ClusterId;

    fn delete(uid: &str) -> Change {
        Change::Delete {
            cluster: ClusterId(0),
            bp: BpId(0),
            uid: uid.into(),
        }
    }

    #[test]
    fn an_empty_burst_sends_nothing_and_a_lone_change_goes_as_itself() {
        let mut b = Burst::default();
        assert!(b.take().is_none());
        b.push(delete("a"));
        assert!(matches!(b.take(), Some(Change::Delete { .. })));
        assert!(b.is_empty());
    }

    #[test]
    fn several_changes_go_as_one_batch_in_the_order_they_were_read() {
        let mut b = Burst::default();
        for u in ["a", "b", "c"] {
            b.push(delete(u));
        }
        let Some(Change::Batch(v)) = b.take() else {
            panic!("not one batch");
        };
        let uids: Vec<&str> = v
            .iter()
            .filter_map(|c| match c {
                Change::Delete { uid, .. } => Some(&**uid),
                _ => None,
            })
            .collect();
        assert_eq!(uids, ["a", "b", "c"]);
        assert!(b.take().is_none());
    }
}
