//! "Last change" per matrix cell (`c` on the matrix): the newest change the timeline holds for
//! each running service (service × environment), read once from the store when first shown and
//! kept current from what the recorder files each frame. While shown, each cell says how long
//! ago and what changed (`2h image`), and the title says the cursor cell's change in words.
//! Warnings are Events, not changes: they do not count.

use super::msg::Effect;
use crate::timeline::Entry;
use std::collections::HashMap;
use std::sync::Arc;

/// The newest change of one cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Last {
    pub at: i64,
    /// The change kind (`image`, `replicas`, `restart`, …).
    pub change: Box<str>,
    /// In words: `image 1.4.2 → 1.4.3`.
    pub text: Box<str>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Loaded {
    #[default]
    No,
    Asked,
    Yes,
}

/// The cells' last changes and whether the matrix shows them.
#[derive(Debug, Default)]
pub struct LastChanges {
    shown: bool,
    loaded: Loaded,
    /// Why the store could not answer (shown in the title instead of the cells' changes).
    failed: Option<String>,
    cells: HashMap<(Arc<str>, Arc<str>), Last>,
}

/// Whether an entry is a change of a running service the matrix can show.
fn counts(e: &Entry) -> bool {
    !e.service.is_empty() && e.change != "warning"
}

impl LastChanges {
    /// `c`: show or hide; the first show asks the store.
    pub fn toggle(&mut self) -> Option<Effect> {
        self.shown = !self.shown;
        if self.shown && self.loaded == Loaded::No {
            self.loaded = Loaded::Asked;
            return Some(Effect::LastChanges);
        }
        None
    }

    pub fn shown(&self) -> bool {
        self.shown
    }

    /// Still waiting for the store's first answer.
    pub fn reading(&self) -> bool {
        self.loaded == Loaded::Asked
    }

    pub fn failed(&self) -> Option<&str> {
        self.failed.as_deref()
    }

    /// The store's answer: the newest change of every cell it knows.
    pub fn answered(&mut self, result: Result<Vec<Entry>, String>) {
        self.loaded = Loaded::Yes;
        match result {
            Ok(entries) => {
                self.failed = None;
                self.fold(&entries);
            }
            Err(e) => self.failed = Some(e),
        }
    }

    /// What the recorder filed this frame (ignored until the store has answered once, which
    /// then includes it). True when a shown cell changed.
    pub fn fold(&mut self, entries: &[Entry]) -> bool {
        if self.loaded != Loaded::Yes {
            return false;
        }
        let mut changed = false;
        for e in entries.iter().filter(|e| counts(e)) {
            let key = (
                Arc::<str>::from(e.service.as_str()),
                Arc::from(e.env.as_str()),
            );
            if self.cells.get(&key).is_some_and(|l| l.at > e.at) {
                continue;
            }
            self.cells.insert(
                key,
                Last {
                    at: e.at,
                    change: e.change.as_str().into(),
                    text: e.text.as_str().into(),
                },
            );
            changed = true;
        }
        changed && self.shown
    }

    /// The newest change of `service` in `env`.
    pub fn get(&self, service: &str, env: &str) -> Option<&Last> {
        self.cells.get(&(Arc::from(service), Arc::from(env)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(service: &str, env: &str, at: i64, change: &str) -> Entry {
        Entry {
            at,
            context: env.into(),
            env: env.into(),
            service: service.into(),
            namespace: "ns".into(),
            kind: "Deployment".into(),
            name: service.into(),
            owner: service.into(),
            uid: "u".into(),
            change: change.into(),
            text: format!("{change} at {at}"),
            version: None,
            who: None,
        }
    }

    #[test]
    fn the_newest_change_of_each_cell_wins_and_warnings_and_serviceless_entries_do_not_count() {
        let mut l = LastChanges::default();
        assert_eq!(l.toggle(), Some(Effect::LastChanges));
        assert!(l.reading());
        // The recorder's entries before the store answered are in the store's answer.
        assert!(!l.fold(&[e("cart", "prod", 50, "image")]));
        assert!(l.get("cart", "prod").is_none());
        l.answered(Ok(vec![
            e("cart", "prod", 10, "image"),
            e("cart", "dev", 5, "replicas"),
        ]));
        assert_eq!(l.get("cart", "prod").map(|x| x.at), Some(10));
        assert!(l.fold(&[
            e("cart", "prod", 20, "restart"),
            e("cart", "prod", 8, "image")
        ]));
        let last = l.get("cart", "prod").cloned();
        assert_eq!(last.map(|x| (x.at, x.change)), Some((20, "restart".into())));
        assert!(!l.fold(&[
            e("cart", "prod", 30, "warning"),
            e("", "prod", 40, "created")
        ]));
        assert_eq!(l.get("cart", "prod").map(|x| x.at), Some(20));
        // Hidden: still kept current, nothing to redraw; shown again without asking.
        assert_eq!(l.toggle(), None);
        assert!(!l.fold(&[e("cart", "dev", 60, "image")]));
        assert_eq!(l.toggle(), None);
        assert_eq!(l.get("cart", "dev").map(|x| x.at), Some(60));
    }

    #[test]
    fn a_store_that_cannot_answer_says_why() {
        let mut l = LastChanges::default();
        l.toggle();
        l.answered(Err("the timeline is off".into()));
        assert_eq!(l.failed(), Some("the timeline is off"));
        assert!(!l.reading());
    }
}
