//! Relations by label selector (`via: selector`), kept current incrementally per cluster.
//!
//! Every entity is named by its store slot (`u32`), never by a copied uid. Three indexes:
//! - targets by label: (target blueprint, namespace, `key=value`) → slots, so a new or
//!   changed selector finds its candidates in the posting list of one of its `In` pairs;
//! - selectors by anchor: the same key → the selector relations anchored on that pair (their
//!   `In` with fewest values), so a pod that appears or changes labels is tested only against
//!   the selectors that could select it (plus the rare ones with no `In`: per namespace);
//! - the selections both ways: selector → target slots, target → selectors.
//!
//! A change costs the pairs of the entity that changed and the selectors anchored on them:
//! no scan of the namespace (except for a selector without any `In` requirement).

use super::store::ClusterStore;
use super::{ClusterId, EntityRef};
use crate::blueprint::{
    BlueprintSet, BpId, Link, Record, RelationVia, Selector, Str, intern, via::Anchor,
};
use hashbrown::{Equivalent, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// One selector relation of one entity: (blueprint, slot, relation index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SelKey {
    pub bp: BpId,
    pub slot: u32,
    pub rel: u8,
}

/// (target blueprint, namespace, `key=value`), shared strings ([`intern`]): the pods of a
/// namespace or a controller hold one copy of each.
type PairKey = (BpId, Str, Str);
/// (target blueprint, namespace), shared.
type NsKey = (BpId, Str);

/// A [`PairKey`] looked up without allocating.
struct PairRef<'a>(BpId, &'a str, &'a str);

impl Hash for PairRef<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        // As the owned tuple hashes: each element in order (`Box<str>` hashes as `str`).
        self.0.hash(h);
        self.1.hash(h);
        self.2.hash(h);
    }
}

impl Equivalent<PairKey> for PairRef<'_> {
    fn equivalent(&self, k: &PairKey) -> bool {
        self.0 == k.0 && *self.1 == *k.1 && *self.2 == *k.2
    }
}

struct NsRef<'a>(BpId, &'a str);

impl Hash for NsRef<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.0.hash(h);
        self.1.hash(h);
    }
}

impl Equivalent<NsKey> for NsRef<'_> {
    fn equivalent(&self, k: &NsKey) -> bool {
        self.0 == k.0 && *self.1 == *k.1
    }
}

/// Which relations are selectors, resolved once from the blueprint set.
#[derive(Debug, Clone, Default)]
pub struct SelectorRules {
    /// Per blueprint: (relation index, target blueprint) of its `via: selector` relations.
    of: Vec<Vec<(u8, BpId)>>,
    /// Per blueprint: the index of its labels link, when a selector targets it.
    labels: Vec<Option<usize>>,
}

impl SelectorRules {
    pub fn new(set: &BlueprintSet) -> Self {
        let of = set
            .all()
            .iter()
            .map(|bp| {
                bp.spec
                    .relations
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.via == RelationVia::Selector)
                    .filter_map(|(i, _)| Some((u8::try_from(i).ok()?, bp.relation_target(i)?)))
                    .collect()
            })
            .collect();
        let labels = set
            .all()
            .iter()
            .map(|bp| bp.keeps_labels().then_some(bp.spec.relations.len()))
            .collect();
        SelectorRules { of, labels }
    }

    /// Whether entities of `bp` select or are selected (their changes are matched).
    pub fn involves(&self, bp: BpId) -> bool {
        let i = bp.0 as usize;
        self.of.get(i).is_some_and(|v| !v.is_empty())
            || self.labels.get(i).is_some_and(Option::is_some)
    }

    fn selectors(&self, bp: BpId) -> &[(u8, BpId)] {
        self.of.get(bp.0 as usize).map_or(&[], Vec::as_slice)
    }

    fn labels<'a>(&self, r: &'a Record) -> Option<&'a [Box<str>]> {
        let i = (*self.labels.get(r.blueprint.0 as usize)?)?;
        match r.links.get(i)? {
            Link::Labels(l) => Some(l),
            _ => None,
        }
    }

    fn selector<'a>(&self, r: &'a Record, rel: u8) -> Option<&'a Arc<Selector>> {
        match r.links.get(usize::from(rel))? {
            Link::Selector(s) => Some(s),
            _ => None,
        }
    }
}

fn ns(r: &Record) -> &str {
    r.namespace.as_deref().unwrap_or("")
}

/// The selections of one cluster.
#[derive(Debug, Default)]
pub struct Selections {
    /// Targets by label pair.
    targets: HashMap<PairKey, Vec<u32>>,
    /// Selectors anchored on a pair.
    anchored: HashMap<PairKey, Vec<SelKey>>,
    /// Selectors without an `In` requirement, per (target blueprint, namespace).
    unanchored: HashMap<NsKey, Vec<SelKey>>,
    /// Selector → the target slots it selects (sorted).
    forward: HashMap<SelKey, Vec<u32>>,
    /// (target blueprint, slot) → the selectors selecting it.
    reverse: HashMap<(BpId, u32), Selecting>,
}

/// The selectors selecting one target: most targets (a pod behind one Service) have one,
/// held inline rather than in a list of its own.
#[derive(Debug, Clone, Default)]
enum Selecting {
    #[default]
    None,
    One(SelKey),
    Many(Vec<SelKey>),
}

impl Selecting {
    fn as_slice(&self) -> &[SelKey] {
        match self {
            Selecting::None => &[],
            Selecting::One(k) => std::slice::from_ref(k),
            Selecting::Many(v) => v,
        }
    }

    fn add(&mut self, k: SelKey) {
        match self {
            Selecting::None => *self = Selecting::One(k),
            Selecting::One(x) if *x == k => {}
            Selecting::One(x) => *self = Selecting::Many(vec![*x, k]),
            Selecting::Many(v) if v.contains(&k) => {}
            Selecting::Many(v) => v.push(k),
        }
    }

    /// Forget `k`; true when none is left.
    fn remove(&mut self, k: SelKey) -> bool {
        match self {
            Selecting::One(x) if *x == k => *self = Selecting::None,
            Selecting::Many(v) => {
                v.retain(|x| *x != k);
                if v.is_empty() {
                    *self = Selecting::None;
                }
            }
            _ => {}
        }
        matches!(self, Selecting::None)
    }
}

impl Selections {
    /// The target slots selector `k` selects.
    pub fn selected(&self, k: &SelKey) -> &[u32] {
        self.forward.get(k).map_or(&[], Vec::as_slice)
    }

    /// The selectors selecting target (`bp`, `slot`).
    pub fn selecting(&self, bp: BpId, slot: u32) -> &[SelKey] {
        self.reverse
            .get(&(bp, slot))
            .map_or(&[], Selecting::as_slice)
    }

    /// Number of (selector, target) pairs held (for tests and measurements).
    pub fn len(&self) -> usize {
        self.forward.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.forward.is_empty()
    }

    /// Entity (`bp`, `slot`) is about to leave the store (or change): forget it. `old` is its
    /// record as indexed.
    pub fn forget(&mut self, rules: &SelectorRules, slot: u32, old: &Record) {
        let bp = old.blueprint;
        for &(rel, target) in rules.selectors(bp) {
            if let Some(sel) = rules.selector(old, rel) {
                self.drop_selector(SelKey { bp, slot, rel }, target, ns(old), sel);
            }
        }
        if let Some(labels) = rules.labels(old) {
            self.drop_target(bp, slot, ns(old), labels);
        }
    }

    /// Entity `new` now sits in `slot` of `store` (`old`: what it replaced there, already
    /// forgotten when the relevant keys changed). Selector links and labels are (re)indexed
    /// and matched.
    pub fn learn(&mut self, rules: &SelectorRules, store: &ClusterStore, slot: u32, new: &Record) {
        let bp = new.blueprint;
        for &(rel, target) in rules.selectors(bp) {
            if let Some(sel) = rules.selector(new, rel) {
                self.add_selector(rules, store, SelKey { bp, slot, rel }, target, ns(new), sel);
            }
        }
        if let Some(labels) = rules.labels(new) {
            self.add_target(rules, store, bp, slot, ns(new), labels);
        }
    }

    /// Whether replacing `old` by `new` changes anything selections depend on.
    pub fn keys_changed(rules: &SelectorRules, old: &Record, new: &Record) -> bool {
        old.namespace != new.namespace
            || rules.labels(old) != rules.labels(new)
            || rules
                .selectors(new.blueprint)
                .iter()
                .any(|&(rel, _)| rules.selector(old, rel) != rules.selector(new, rel))
    }

    fn add_selector(
        &mut self,
        rules: &SelectorRules,
        store: &ClusterStore,
        k: SelKey,
        target: BpId,
        namespace: &str,
        sel: &Selector,
    ) {
        let mut hits: Vec<u32> = Vec::new();
        let test = |r: &Record| rules.labels(r).is_some_and(|l| sel.matches(l));
        match sel.anchor() {
            Anchor::Pairs(key, values) => {
                for v in values {
                    let pair = format!("{key}={v}");
                    self.anchored
                        .entry((target, intern::str(namespace), intern::str(&pair)))
                        .or_default()
                        .push(k);
                    let slots = self
                        .targets
                        .get(&PairRef(target, namespace, &pair))
                        .map_or(&[][..], Vec::as_slice);
                    hits.extend(
                        slots
                            .iter()
                            .copied()
                            .filter(|&s| store.at(target, s).is_some_and(test)),
                    );
                }
            }
            Anchor::Key(_) | Anchor::Everything => {
                self.unanchored
                    .entry((target, intern::str(namespace)))
                    .or_default()
                    .push(k);
                hits.extend(
                    store
                        .slotted(target)
                        .filter(|(_, r)| ns(r) == namespace && test(r))
                        .map(|(s, _)| s),
                );
            }
        }
        hits.sort_unstable();
        hits.dedup();
        for &s in &hits {
            self.reverse.entry((target, s)).or_default().add(k);
        }
        if !hits.is_empty() {
            self.forward.insert(k, hits);
        }
    }

    fn drop_selector(&mut self, k: SelKey, target: BpId, namespace: &str, sel: &Selector) {
        match sel.anchor() {
            Anchor::Pairs(key, values) => {
                for v in values {
                    let pair = format!("{key}={v}");
                    let q = PairRef(target, namespace, &pair);
                    remove_from(&mut self.anchored, &q, &k);
                }
            }
            Anchor::Key(_) | Anchor::Everything => {
                remove_from(&mut self.unanchored, &NsRef(target, namespace), &k);
            }
        }
        for s in self.forward.remove(&k).unwrap_or_default() {
            if self
                .reverse
                .get_mut(&(target, s))
                .is_some_and(|v| v.remove(k))
            {
                self.reverse.remove(&(target, s));
            }
        }
    }

    fn add_target(
        &mut self,
        rules: &SelectorRules,
        store: &ClusterStore,
        bp: BpId,
        slot: u32,
        namespace: &str,
        labels: &[Box<str>],
    ) {
        let mut candidates: Vec<SelKey> = Vec::new();
        for pair in labels {
            match self.targets.get_mut(&PairRef(bp, namespace, pair)) {
                Some(v) => v.push(slot),
                None => {
                    self.targets
                        .insert((bp, intern::str(namespace), intern::str(pair)), vec![slot]);
                }
            }
            if let Some(sels) = self.anchored.get(&PairRef(bp, namespace, pair)) {
                candidates.extend(sels.iter().copied());
            }
        }
        if let Some(sels) = self.unanchored.get(&NsRef(bp, namespace)) {
            candidates.extend(sels.iter().copied());
        }
        candidates.sort_unstable();
        candidates.dedup();
        for k in candidates {
            let Some(sel) = store
                .at(k.bp, k.slot)
                .and_then(|r| rules.selector(r, k.rel))
            else {
                continue;
            };
            if !sel.matches(labels) {
                continue;
            }
            let fwd = self.forward.entry(k).or_default();
            if let Err(i) = fwd.binary_search(&slot) {
                fwd.insert(i, slot);
            }
            self.reverse.entry((bp, slot)).or_default().add(k);
        }
    }

    fn drop_target(&mut self, bp: BpId, slot: u32, namespace: &str, labels: &[Box<str>]) {
        for pair in labels {
            let q = PairRef(bp, namespace, pair);
            remove_from(&mut self.targets, &q, &slot);
        }
        for &k in self
            .reverse
            .remove(&(bp, slot))
            .unwrap_or_default()
            .as_slice()
        {
            if let Some(v) = self.forward.get_mut(&k) {
                if let Ok(i) = v.binary_search(&slot) {
                    v.remove(i);
                }
                if v.is_empty() {
                    self.forward.remove(&k);
                }
            }
        }
    }

    /// Forget everything (a cluster forgotten).
    pub fn clear(&mut self) {
        *self = Selections::default();
    }
}

/// Remove `x` from the list under `k`, dropping the entry when it empties.
fn remove_from<K: Hash + Eq, Q: Hash + Equivalent<K>, T: PartialEq>(
    m: &mut HashMap<K, Vec<T>>,
    k: &Q,
    x: &T,
) {
    let Some(v) = m.get_mut(k) else {
        return;
    };
    if let Some(i) = v.iter().position(|y| y == x) {
        v.swap_remove(i);
    }
    if v.is_empty() {
        m.remove(k);
    }
}

impl super::Catalog {
    /// After an entity of `bp` was upserted in `slot` of `cluster` (replacing `old`): match
    /// what changed in its selectors or labels.
    pub(super) fn reselect(
        &mut self,
        cluster: ClusterId,
        bp: BpId,
        slot: u32,
        old: Option<&Record>,
    ) {
        let (Some(store), Some(sel)) = (
            self.stores.get(cluster.0 as usize),
            self.selections.get_mut(cluster.0 as usize),
        ) else {
            return;
        };
        let Some(new) = store.at(bp, slot) else {
            return;
        };
        if let Some(old) = old {
            if !Selections::keys_changed(&self.sel_rules, old, new) {
                return;
            }
            sel.forget(&self.sel_rules, slot, old);
        }
        sel.learn(&self.sel_rules, store, slot, new);
    }

    /// Every target of relation `rel` of `r` (in `cluster`): the one a name, uid or
    /// controller names, each of several names, or what a label selector selects.
    pub fn related_all(&self, cluster: ClusterId, r: &Record, rel: usize) -> Vec<EntityRef> {
        let Some(store) = self.stores.get(cluster.0 as usize) else {
            return vec![];
        };
        let Some(&target) = self
            .targets
            .get(r.blueprint.0 as usize)
            .and_then(|t| t.get(rel))
        else {
            return vec![];
        };
        let mk = |t: &Record| EntityRef {
            cluster,
            bp: t.blueprint,
            uid: t.uid.clone(),
        };
        match r.links.get(rel) {
            Some(Link::Names(names)) => names
                .iter()
                .filter_map(|n| {
                    store
                        .by_name(target, None, n)
                        .or_else(|| store.by_name(target, r.namespace.as_deref(), n))
                })
                .map(mk)
                .collect(),
            Some(Link::Selector(_)) => {
                let (Some(slot), Some(sel), Ok(rel)) = (
                    store.slot(r.blueprint, &r.uid),
                    self.selections.get(cluster.0 as usize),
                    u8::try_from(rel),
                ) else {
                    return vec![];
                };
                let k = SelKey {
                    bp: r.blueprint,
                    slot,
                    rel,
                };
                let mut out: Vec<EntityRef> = sel
                    .selected(&k)
                    .iter()
                    .filter_map(|&s| store.at(target, s))
                    .map(mk)
                    .collect();
                out.sort();
                out
            }
            _ => self.related(cluster, r, rel).into_iter().collect(),
        }
    }

    /// The entities whose `via: selector` relations select `e`, with the relation's index.
    pub fn selected_by(&self, e: &EntityRef) -> Vec<(EntityRef, usize)> {
        let (Some(store), Some(sel)) = (
            self.stores.get(e.cluster.0 as usize),
            self.selections.get(e.cluster.0 as usize),
        ) else {
            return vec![];
        };
        let Some(slot) = store.slot(e.bp, &e.uid) else {
            return vec![];
        };
        let mut out: Vec<(EntityRef, usize)> = sel
            .selecting(e.bp, slot)
            .iter()
            .filter_map(|k| {
                let r = store.at(k.bp, k.slot)?;
                Some((
                    EntityRef {
                        cluster: e.cluster,
                        bp: k.bp,
                        uid: r.uid.clone(),
                    },
                    usize::from(k.rel),
                ))
            })
            .collect();
        out.sort();
        out
    }

    /// Entities of `from` that relate to `e` by any relation: naming it (one name of
    /// several too), by uid or controller, or selecting it by label.
    pub fn referrers(&self, e: &EntityRef, from: BpId) -> Vec<EntityRef> {
        let mut out = self.children(e, from);
        out.extend(
            self.selected_by(e)
                .into_iter()
                .filter(|(s, _)| s.bp == from)
                .map(|(s, _)| s),
        );
        out.sort();
        out.dedup();
        out
    }

    /// Number of (selector, target) pairs held in `cluster` (measurements, tests).
    pub fn selection_count(&self, cluster: ClusterId) -> usize {
        self.selections
            .get(cluster.0 as usize)
            .map_or(0, Selections::len)
    }
}
