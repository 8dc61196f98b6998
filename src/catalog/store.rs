//! One cluster's entities: per-blueprint slabs of records found by uid, a name index for the
//! blueprints relations name, and the reverse index of relations (who points at whom).
//!
//! Memory is what the catalog is made of, so the indexes hold 4-byte slot numbers, never
//! copies of uids: a record is stored once, in its slab slot.

use crate::blueprint::{BpId, Link, Links, Record};
use hashbrown::{DefaultHashBuilder, HashMap, HashSet, HashTable};
use std::hash::BuildHasher;

/// The records of one blueprint: slots (reused after removals) and a uid → slot table.
#[derive(Debug, Default)]
struct Slab {
    slots: Vec<Option<Record>>,
    free: Vec<u32>,
    by_uid: HashTable<u32>,
    len: usize,
}

impl Slab {
    fn find(&self, h: u64, uid: &str) -> Option<u32> {
        self.by_uid
            .find(h, |&i| self.uid_at(i) == Some(uid))
            .copied()
    }

    fn uid_at(&self, i: u32) -> Option<&str> {
        self.slots
            .get(i as usize)
            .and_then(Option::as_ref)
            .map(|r| &*r.uid)
    }

    fn get(&self, i: u32) -> Option<&Record> {
        self.slots.get(i as usize).and_then(Option::as_ref)
    }

    fn iter(&self) -> impl Iterator<Item = &Record> {
        self.slots.iter().flatten()
    }
}

/// (target blueprint, raw link, source blueprint): one reverse-index key. Links are shared
/// ([`Str`]): a key costs no copy of the name or uid it carries.
type ReverseKey = (BpId, Link, BpId);

/// The slots of the entities behind one reverse-index key: a short list while few (most keys:
/// a controller's handful of pods), a set once many (a namespace's or a node's pods).
#[derive(Debug)]
enum Slots {
    Few(Vec<u32>),
    Many(HashSet<u32>),
}

/// A list longer than this becomes a set.
const FEW: usize = 32;

impl Slots {
    fn insert(&mut self, slot: u32) {
        match self {
            Slots::Few(v) if v.contains(&slot) => {}
            Slots::Few(v) if v.len() < FEW => v.push(slot),
            Slots::Few(v) => {
                let mut set: HashSet<u32> = v.drain(..).collect();
                set.insert(slot);
                *self = Slots::Many(set);
            }
            Slots::Many(set) => {
                set.insert(slot);
            }
        }
    }

    /// Remove `slot`; true when none is left.
    fn remove(&mut self, slot: u32) -> bool {
        match self {
            Slots::Few(v) => {
                if let Some(i) = v.iter().position(|&s| s == slot) {
                    v.swap_remove(i);
                }
                v.is_empty()
            }
            Slots::Many(set) => {
                set.remove(&slot);
                set.is_empty()
            }
        }
    }

    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let (few, many) = match self {
            Slots::Few(v) => (Some(v.iter().copied()), None),
            Slots::Many(s) => (None, Some(s.iter().copied())),
        };
        few.into_iter().flatten().chain(many.into_iter().flatten())
    }
}

/// Entities of one cluster.
#[derive(Debug, Default)]
pub struct ClusterStore {
    hasher: DefaultHashBuilder,
    /// Indexed by `BpId.0`.
    by_bp: Vec<Slab>,
    /// Indexed by `BpId.0`: whether relations name entities of this blueprint (only those
    /// are in `names`).
    named: Vec<bool>,
    /// (blueprint, slot) of named entities, found by the hash of (blueprint, namespace, name):
    /// the strings stay in the records.
    names: HashTable<(BpId, u32)>,
    /// Reverse index: (target blueprint, raw link, source blueprint) → slots of the source
    /// entities.
    reverse: HashMap<ReverseKey, Slots>,
}

impl ClusterStore {
    /// A store for `blueprints` blueprints, every one of them name-indexed.
    pub fn new(blueprints: usize) -> Self {
        Self::with_named(vec![true; blueprints])
    }

    /// A store whose name index covers only the blueprints flagged in `named` (those that
    /// relations name; the others are found by uid only).
    pub fn with_named(named: Vec<bool>) -> Self {
        ClusterStore {
            by_bp: (0..named.len()).map(|_| Slab::default()).collect(),
            named,
            ..Default::default()
        }
    }

    pub fn entities(&self, bp: BpId) -> impl Iterator<Item = &Record> {
        self.by_bp
            .get(bp.0 as usize)
            .into_iter()
            .flat_map(Slab::iter)
    }

    pub fn count(&self, bp: BpId) -> usize {
        self.by_bp.get(bp.0 as usize).map_or(0, |s| s.len)
    }

    pub fn get(&self, bp: BpId, uid: &str) -> Option<&Record> {
        let slab = self.by_bp.get(bp.0 as usize)?;
        slab.get(slab.find(self.hasher.hash_one(uid), uid)?)
    }

    pub fn by_name(&self, bp: BpId, namespace: Option<&str>, name: &str) -> Option<&Record> {
        let h = self.name_hash(bp, namespace, name);
        let &(_, slot) = self
            .names
            .find(h, |&(b, s)| b == bp && self.named_as(b, s, namespace, name))?;
        self.at(bp, slot)
    }

    fn name_hash(&self, bp: BpId, namespace: Option<&str>, name: &str) -> u64 {
        self.hasher.hash_one((bp, namespace, name))
    }

    /// Whether entity (`bp`, `slot`) is named `name` in `namespace`.
    fn named_as(&self, bp: BpId, slot: u32, namespace: Option<&str>, name: &str) -> bool {
        self.at(bp, slot)
            .is_some_and(|r| *r.name == *name && r.namespace.as_deref() == namespace)
    }

    /// The slot of entity `uid` of `bp` (stable while it exists; reused after its removal).
    pub fn slot(&self, bp: BpId, uid: &str) -> Option<u32> {
        self.by_bp
            .get(bp.0 as usize)?
            .find(self.hasher.hash_one(uid), uid)
    }

    /// The entity of `bp` in `slot`.
    pub fn at(&self, bp: BpId, slot: u32) -> Option<&Record> {
        self.by_bp.get(bp.0 as usize)?.get(slot)
    }

    /// Every entity of `bp` with its slot.
    pub fn slotted(&self, bp: BpId) -> impl Iterator<Item = (u32, &Record)> {
        self.by_bp.get(bp.0 as usize).into_iter().flat_map(|s| {
            s.slots
                .iter()
                .enumerate()
                .filter_map(|(i, r)| Some((i as u32, r.as_ref()?)))
        })
    }

    /// Uids of `source` entities whose relation to `target` carries `link`.
    pub fn pointing_at(
        &self,
        target: BpId,
        link: &Link,
        source: BpId,
    ) -> impl Iterator<Item = &str> {
        let slab = self.by_bp.get(source.0 as usize);
        self.reverse
            .get(&(target, link.clone(), source))
            .into_iter()
            .flat_map(move |s| s.iter().filter_map(move |i| slab?.uid_at(i)))
    }

    /// Make room for `additional` more entities of `bp`.
    pub fn reserve(&mut self, bp: BpId, additional: usize) {
        let hasher = &self.hasher;
        if let Some(slab) = self.by_bp.get_mut(bp.0 as usize) {
            let extra = additional.saturating_sub(slab.free.len());
            slab.slots.reserve(extra);
            let Slab { by_uid, slots, .. } = slab;
            by_uid.reserve(additional, |&i| {
                hasher.hash_one(slots[i as usize].as_ref().map_or("", |r| &*r.uid))
            });
        }
    }

    /// Insert or replace; returns the record's slot and the previous record (None when new),
    /// or `None` when the record is stored already exactly so (or its blueprint is unknown).
    /// `targets[i]` is the target blueprint of relation `i`.
    pub fn upsert(&mut self, record: Record, targets: &[BpId]) -> Option<(u32, Option<Record>)> {
        let bp = record.blueprint;
        let h = self.hasher.hash_one(&*record.uid);
        let slab = self.by_bp.get_mut(bp.0 as usize)?;
        let (slot, old) = match slab.find(h, &record.uid) {
            Some(i) if slab.get(i) == Some(&record) => return None,
            Some(i) => (i, slab.slots[i as usize].take()),
            None => {
                let i = match slab.free.pop() {
                    Some(i) => i,
                    None => {
                        slab.slots.push(None);
                        (slab.slots.len() - 1) as u32
                    }
                };
                let slots = &slab.slots;
                let hasher = &self.hasher;
                slab.by_uid.insert_unique(h, i, |&j| {
                    if j == i {
                        h
                    } else {
                        hasher.hash_one(slots[j as usize].as_ref().map_or("", |r| &*r.uid))
                    }
                });
                slab.len += 1;
                (i, None)
            }
        };
        // A status change (links, name and namespace as they were) keeps every index entry.
        let same_keys = old.as_ref().is_some_and(|o| {
            o.links == record.links && o.name == record.name && o.namespace == record.namespace
        });
        if !same_keys {
            if let Some(old) = &old {
                self.unindex(old, slot, targets);
            }
            self.index(&record, slot, targets);
        }
        if let Some(s) = self.by_bp.get_mut(bp.0 as usize) {
            s.slots[slot as usize] = Some(record);
        }
        Some((slot, old))
    }

    /// Remove by uid; returns the removed record and the slot it held.
    pub fn remove(&mut self, bp: BpId, uid: &str, targets: &[BpId]) -> Option<(u32, Record)> {
        let h = self.hasher.hash_one(uid);
        let slab = self.by_bp.get_mut(bp.0 as usize)?;
        let slot = slab.find(h, uid)?;
        if let Ok(e) = slab.by_uid.find_entry(h, |&i| i == slot) {
            e.remove();
        }
        let old = slab.slots[slot as usize].take()?;
        slab.free.push(slot);
        slab.len -= 1;
        self.unindex(&old, slot, targets);
        Some((slot, old))
    }

    /// Calls `f` with each link a reverse lookup can ask for (by uid or by name; several
    /// names as one name each) and its target blueprint.
    fn each_indexed(links: &Links, targets: &[BpId], mut f: impl FnMut(&Link, BpId)) {
        for (link, target) in links.iter().zip(targets) {
            match link {
                Link::Name(_) | Link::Uid(_) => f(link, *target),
                Link::Names(names) => {
                    for n in names.iter() {
                        f(&Link::Name(crate::blueprint::intern::str(n)), *target);
                    }
                }
                Link::None | Link::Cluster | Link::Selector(_) | Link::Labels(_) => {}
            }
        }
    }

    /// Index `r`, about to be stored in `slot` (the slot is still empty).
    fn index(&mut self, r: &Record, slot: u32, targets: &[BpId]) {
        let bp = r.blueprint;
        let reverse = &mut self.reverse;
        Self::each_indexed(&r.links, targets, |link, target| {
            let key = (target, link.clone(), bp);
            match reverse.get_mut(&key) {
                Some(s) => s.insert(slot),
                None => {
                    reverse.insert(key, Slots::Few(vec![slot]));
                }
            }
        });
        if self.named.get(bp.0 as usize).copied().unwrap_or(true) {
            let (namespace, name) = (r.namespace.as_deref(), &*r.name);
            let h = self.name_hash(bp, namespace, name);
            let by_bp = &self.by_bp;
            let same = |&(b, s): &(BpId, u32)| {
                b == bp
                    && by_bp
                        .get(b.0 as usize)
                        .and_then(|slab| slab.get(s))
                        .is_some_and(|o| *o.name == *name && o.namespace.as_deref() == namespace)
            };
            // The last entity stored under a name wins it (as a map insert would).
            match self.names.find_mut(h, same) {
                Some(e) => e.1 = slot,
                None => {
                    let hasher = &self.hasher;
                    self.names.insert_unique(h, (bp, slot), |&(b, s)| {
                        by_bp
                            .get(b.0 as usize)
                            .and_then(|slab| slab.get(s))
                            .map_or(0, |o| {
                                hasher.hash_one((b, o.namespace.as_deref(), &*o.name))
                            })
                    });
                }
            }
        }
    }

    /// Unindex `old`, which held `slot` (already taken out of it).
    fn unindex(&mut self, old: &Record, slot: u32, targets: &[BpId]) {
        let bp = old.blueprint;
        let reverse = &mut self.reverse;
        Self::each_indexed(&old.links, targets, |link, target| {
            let key = (target, link.clone(), bp);
            if reverse.get_mut(&key).is_some_and(|s| s.remove(slot)) {
                reverse.remove(&key);
            }
        });
        if self.named.get(bp.0 as usize).copied().unwrap_or(true) {
            let h = self.name_hash(bp, old.namespace.as_deref(), &old.name);
            if let Ok(e) = self.names.find_entry(h, |&e| e == (bp, slot)) {
                e.remove();
            }
        }
    }

    /// Uids of all entities of `bp` from source `source`.
    pub fn uids_of_source(&self, bp: BpId, source: u8) -> Vec<Box<str>> {
        self.entities(bp)
            .filter(|r| r.source == source)
            .map(|r| r.uid.clone())
            .collect()
    }

    /// Drop everything (a cluster removed or reset).
    pub fn clear(&mut self) {
        for s in &mut self.by_bp {
            *s = Slab::default();
        }
        self.names = HashTable::new();
        self.reverse = HashMap::new();
    }
}
