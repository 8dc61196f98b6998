//! One cluster's entities: per-blueprint maps keyed by uid, a name index, and the reverse
//! index of relations (who points at whom).

use crate::blueprint::{BpId, Link, Record};
use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

/// A stored record, hashed and compared by uid so the map key is not stored twice.
#[derive(Debug, Clone)]
pub struct Entity(pub Record);

impl Entity {
    pub fn record(&self) -> &Record {
        &self.0
    }
}
impl PartialEq for Entity {
    fn eq(&self, other: &Self) -> bool {
        self.0.uid == other.0.uid
    }
}
impl Eq for Entity {}
impl Hash for Entity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.uid.hash(state)
    }
}
impl Borrow<str> for Entity {
    fn borrow(&self) -> &str {
        &self.0.uid
    }
}

/// The key a relation's raw link is indexed under: (relation target blueprint, link).
type RevKey = (BpId, Link);
/// (blueprint, namespace, name): how relations that name their target find it.
type NameKey = (BpId, Option<Box<str>>, Box<str>);

/// Entities of one cluster.
#[derive(Debug, Default)]
pub struct ClusterStore {
    /// Indexed by `BpId.0`.
    by_bp: Vec<HashSet<Entity>>,
    /// (blueprint, namespace, name) → uid, for relations that name their target.
    names: HashMap<NameKey, Box<str>>,
    /// Reverse index: (target blueprint, raw link) → uids of (source blueprint) entities.
    reverse: HashMap<RevKey, HashMap<BpId, HashSet<Box<str>>>>,
}

impl ClusterStore {
    pub fn new(blueprints: usize) -> Self {
        ClusterStore {
            by_bp: (0..blueprints).map(|_| HashSet::new()).collect(),
            ..Default::default()
        }
    }

    pub fn entities(&self, bp: BpId) -> impl Iterator<Item = &Record> {
        self.by_bp
            .get(bp.0 as usize)
            .into_iter()
            .flat_map(|s| s.iter().map(Entity::record))
    }

    pub fn count(&self, bp: BpId) -> usize {
        self.by_bp.get(bp.0 as usize).map_or(0, HashSet::len)
    }

    pub fn get(&self, bp: BpId, uid: &str) -> Option<&Record> {
        self.by_bp.get(bp.0 as usize)?.get(uid).map(Entity::record)
    }

    pub fn by_name(&self, bp: BpId, namespace: Option<&str>, name: &str) -> Option<&Record> {
        let key = (bp, namespace.map(Box::from), Box::from(name));
        let uid = self.names.get(&key)?;
        self.get(bp, uid)
    }

    /// Uids of `source` entities whose relation to `target` carries `link`.
    pub fn pointing_at(
        &self,
        target: BpId,
        link: &Link,
        source: BpId,
    ) -> impl Iterator<Item = &str> {
        self.reverse
            .get(&(target, link.clone()))
            .and_then(|m| m.get(&source))
            .into_iter()
            .flat_map(|s| s.iter().map(|u| &**u))
    }

    /// Insert or replace; returns the previous record (None when new). `targets[i]` is the
    /// target blueprint of relation `i`.
    pub fn upsert(&mut self, record: Record, targets: &[BpId]) -> Option<Record> {
        let bp = record.blueprint;
        let old = self.remove(bp, &record.uid, targets);
        for (link, target) in record.links.iter().zip(targets) {
            if *link != Link::None {
                self.reverse
                    .entry((*target, link.clone()))
                    .or_default()
                    .entry(bp)
                    .or_default()
                    .insert(record.uid.clone());
            }
        }
        self.names.insert(
            (bp, record.namespace.clone(), record.name.clone()),
            record.uid.clone(),
        );
        if let Some(set) = self.by_bp.get_mut(bp.0 as usize) {
            set.insert(Entity(record));
        }
        old
    }

    /// Remove by uid; returns the removed record.
    pub fn remove(&mut self, bp: BpId, uid: &str, targets: &[BpId]) -> Option<Record> {
        let Entity(old) = self.by_bp.get_mut(bp.0 as usize)?.take(uid)?;
        for (link, target) in old.links.iter().zip(targets) {
            let key = (*target, link.clone());
            if let Some(m) = self.reverse.get_mut(&key) {
                if let Some(s) = m.get_mut(&bp) {
                    s.remove(uid);
                    if s.is_empty() {
                        m.remove(&bp);
                    }
                }
                if m.is_empty() {
                    self.reverse.remove(&key);
                }
            }
        }
        let name_key = (bp, old.namespace.clone(), old.name.clone());
        if self.names.get(&name_key).is_some_and(|u| **u == *uid) {
            self.names.remove(&name_key);
        }
        Some(old)
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
            s.clear();
        }
        self.names.clear();
        self.reverse.clear();
    }
}
