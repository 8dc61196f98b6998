//! One cluster's entities: per-blueprint slabs of records found by uid, a name index for the
//! blueprints relations name, and the reverse index of relations (who points at whom).
//!
//! Memory is what the catalog is made of, so the indexes hold 4-byte slot numbers, never
//! copies of uids: a record is stored once, in its slab slot.

use crate::blueprint::{BpId, Link, Record};
use hashbrown::{DefaultHashBuilder, HashTable};
use std::collections::{HashMap, HashSet};
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

/// Reverse index of one target blueprint: raw link → source blueprint → slots.
type Pointing = HashMap<Link, HashMap<BpId, HashSet<u32>>>;
/// (blueprint, namespace, name): how relations that name their target find it.
type NameKey = (BpId, Option<Box<str>>, Box<str>);

/// Entities of one cluster.
#[derive(Debug, Default)]
pub struct ClusterStore {
    hasher: DefaultHashBuilder,
    /// Indexed by `BpId.0`.
    by_bp: Vec<Slab>,
    /// Indexed by `BpId.0`: whether relations name entities of this blueprint (only those
    /// are in `names`).
    named: Vec<bool>,
    /// (blueprint, namespace, name) → slot, for relations that name their target.
    names: HashMap<NameKey, u32>,
    /// Reverse index: target blueprint → raw link → slots of (source blueprint) entities.
    reverse: HashMap<BpId, Pointing>,
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
        let key = (bp, namespace.map(Box::from), Box::from(name));
        let slot = *self.names.get(&key)?;
        self.by_bp.get(bp.0 as usize)?.get(slot)
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
            .get(&target)
            .and_then(|p| p.get(link))
            .and_then(|m| m.get(&source))
            .into_iter()
            .flat_map(move |s| s.iter().filter_map(move |&i| slab?.uid_at(i)))
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

    /// Insert or replace; returns the previous record (None when new). `targets[i]` is the
    /// target blueprint of relation `i`.
    pub fn upsert(&mut self, record: Record, targets: &[BpId]) -> Option<Record> {
        let bp = record.blueprint;
        let h = self.hasher.hash_one(&*record.uid);
        let slab = self.by_bp.get_mut(bp.0 as usize)?;
        let (slot, old) = match slab.find(h, &record.uid) {
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
        old
    }

    /// Remove by uid; returns the removed record.
    pub fn remove(&mut self, bp: BpId, uid: &str, targets: &[BpId]) -> Option<Record> {
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
        Some(old)
    }

    /// Calls `f` with each link a reverse lookup can ask for (by uid or by name; several
    /// names as one name each) and its target blueprint.
    fn each_indexed(links: &[Link], targets: &[BpId], mut f: impl FnMut(&Link, BpId)) {
        for (link, target) in links.iter().zip(targets) {
            match link {
                Link::Name(_) | Link::Uid(_) => f(link, *target),
                Link::Names(names) => {
                    for n in names.iter() {
                        f(&Link::Name(n.clone()), *target);
                    }
                }
                Link::None | Link::Cluster | Link::Selector(_) | Link::Labels(_) => {}
            }
        }
    }

    fn index(&mut self, r: &Record, slot: u32, targets: &[BpId]) {
        let bp = r.blueprint;
        let reverse = &mut self.reverse;
        Self::each_indexed(&r.links, targets, |link, target| {
            let p = reverse.entry(target).or_default();
            let m = match p.get_mut(link) {
                Some(m) => m,
                None => p.entry(link.clone()).or_default(),
            };
            m.entry(bp).or_default().insert(slot);
        });
        if self.named.get(bp.0 as usize).copied().unwrap_or(true) {
            self.names
                .insert((bp, r.namespace.clone(), r.name.clone()), slot);
        }
    }

    fn unindex(&mut self, old: &Record, slot: u32, targets: &[BpId]) {
        let bp = old.blueprint;
        let reverse = &mut self.reverse;
        Self::each_indexed(&old.links, targets, |link, target| {
            let Some(p) = reverse.get_mut(&target) else {
                return;
            };
            if let Some(m) = p.get_mut(link) {
                if let Some(s) = m.get_mut(&bp) {
                    s.remove(&slot);
                    if s.is_empty() {
                        m.remove(&bp);
                    }
                }
                if m.is_empty() {
                    p.remove(link);
                }
            }
        });
        if self.named.get(bp.0 as usize).copied().unwrap_or(true) {
            let name_key = (bp, old.namespace.clone(), old.name.clone());
            if self.names.get(&name_key) == Some(&slot) {
                self.names.remove(&name_key);
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
        self.names.clear();
        self.reverse.clear();
    }
}
