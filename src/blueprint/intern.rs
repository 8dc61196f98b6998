//! Interning of projected strings and lists: equal values share one allocation, so the
//! catalog stores a node, namespace, image, phase or condition list once however many objects
//! carry it. Sharded tables (projections run on every worker thread); entries nothing else
//! holds any more are swept whenever a shard has doubled since its last sweep, so the tables
//! stay within twice what the catalog uses.

use super::value::{List, Str};
use hashbrown::DefaultHashBuilder;
use hashbrown::HashTable;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{LazyLock, Mutex};

const SHARDS: usize = 16;
/// Sweeps start once a shard holds this many entries.
const MIN_SWEEP: usize = 1024;

struct Shard<T> {
    table: HashTable<T>,
    sweep_at: usize,
}

struct Tables {
    hasher: DefaultHashBuilder,
    strs: [Mutex<Shard<Str>>; SHARDS],
    lists: [Mutex<Shard<List>>; SHARDS],
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| Tables {
    hasher: DefaultHashBuilder::default(),
    strs: std::array::from_fn(|_| Mutex::new(Shard::new())),
    lists: std::array::from_fn(|_| Mutex::new(Shard::new())),
});

impl<T> Shard<T> {
    fn new() -> Self {
        Shard {
            table: HashTable::new(),
            sweep_at: MIN_SWEEP,
        }
    }
}

fn shard_of(h: u64) -> usize {
    (h >> 60) as usize % SHARDS
}

fn str_hash(t: &Tables, s: &str) -> u64 {
    t.hasher.hash_one(s)
}

fn list_hash<S: AsRef<str>>(t: &Tables, items: &[S]) -> u64 {
    let mut h = t.hasher.build_hasher();
    items.len().hash(&mut h);
    for i in items {
        i.as_ref().hash(&mut h);
    }
    h.finish()
}

/// The shared copy of `s`.
pub fn str(s: &str) -> Str {
    let t = &*TABLES;
    let h = str_hash(t, s);
    let mut g = t.strs[shard_of(h)]
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(x) = g.table.find(h, |x| &**x == s) {
        return x.clone();
    }
    if g.table.len() >= g.sweep_at {
        g.table.retain(|x| x.holders() > 1);
        g.sweep_at = (g.table.len() * 2).max(MIN_SWEEP);
    }
    let x = Str::from(s);
    g.table.insert_unique(h, x.clone(), |x| str_hash(t, x));
    x
}

/// The shared copy of the list of `items`.
pub fn list<S: AsRef<str>>(items: &[S]) -> List {
    let t = &*TABLES;
    let h = list_hash(t, items);
    let mut g = t.lists[shard_of(h)]
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let same =
        |x: &List| x.len() == items.len() && x.iter().zip(items).all(|(a, b)| **a == *b.as_ref());
    if let Some(x) = g.table.find(h, same) {
        return x.clone();
    }
    if g.table.len() >= g.sweep_at {
        g.table.retain(|x| x.holders() > 1);
        g.sweep_at = (g.table.len() * 2).max(MIN_SWEEP);
    }
    let x: List = items.iter().map(|i| Box::<str>::from(i.as_ref())).collect();
    g.table.insert_unique(h, x.clone(), |x| list_hash(t, x));
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_share_one_allocation() {
        let a = str("Running");
        let b = str(&String::from("Running"));
        assert!(a.same(&b));
        let l1 = list(&["a", "b"]);
        let l2 = list(&[String::from("a"), String::from("b")]);
        assert!(l1.same(&l2));
        assert_ne!(list(&["a"]), l1);
        assert_eq!(&*l1, &[Box::<str>::from("a"), Box::from("b")]);
    }

    #[test]
    fn unused_entries_are_swept() {
        for i in 0..5000 {
            let _ = str(&format!("sweep-test-{i}"));
        }
        let kept = str("sweep-test-kept");
        for i in 5000..20000 {
            let _ = str(&format!("sweep-test-{i}"));
        }
        let t = &*TABLES;
        let total: usize = t
            .strs
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).table.len())
            .sum();
        assert!(total < 20000, "{total}");
        assert!(kept.same(&str("sweep-test-kept")));
    }
}
