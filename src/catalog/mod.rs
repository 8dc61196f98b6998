//! The catalog: a pure (no I/O), revisioned, in-memory graph of entities from every cluster,
//! shaped by blueprints and folded from [`Change`] messages. One owner; readers look at it
//! between changes and redraw when [`Catalog::revision`] moved.

pub mod age;
pub mod aggregate;
pub mod connections;
pub mod derived;
pub mod diff;
#[cfg(test)]
mod footprint;
pub mod health;
pub mod journal;
mod query;
pub mod relations;
pub mod store;

pub use aggregate::Aggregate;
pub use derived::{Member, RunningService, image_tag};
pub use health::Health;
pub use journal::{Since, Steps, Touch};

use crate::blueprint::{Blueprint, BlueprintSet, BpId, Link, Record, RelationVia};
use derived::{DerivedRules, Groups};
use serde::Serialize;
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use store::ClusterStore;

/// Index of a cluster (kubeconfig context) in the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ClusterId(pub u16);

/// A stable reference to one entity: cluster, blueprint, uid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityRef {
    pub cluster: ClusterId,
    pub bp: BpId,
    pub uid: Box<str>,
}

/// Connection state of one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "message", rename_all = "lowercase")]
pub enum ClusterStatus {
    Connecting,
    Syncing,
    Ready,
    /// Network error, closed port, TLS failure, timeout.
    Unreachable(String),
    /// 401, or credentials that could not be obtained (exec plugin failed, expired token).
    Unauthorized(String),
    /// Anything else (bad kubeconfig entry for this context, server errors).
    Error(String),
}

impl ClusterStatus {
    pub fn label(&self) -> &'static str {
        match self {
            ClusterStatus::Connecting => "connecting",
            ClusterStatus::Syncing => "syncing",
            ClusterStatus::Ready => "ready",
            ClusterStatus::Unreachable(_) => "unreachable",
            ClusterStatus::Unauthorized(_) => "unauthorized",
            ClusterStatus::Error(_) => "error",
        }
    }
    pub fn message(&self) -> Option<&str> {
        match self {
            ClusterStatus::Unreachable(m)
            | ClusterStatus::Unauthorized(m)
            | ClusterStatus::Error(m) => Some(m),
            _ => None,
        }
    }
    pub fn is_failed(&self) -> bool {
        self.message().is_some()
    }
}

/// Sync state of one source kind in one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "message", rename_all = "lowercase")]
pub enum SourceStatus {
    Syncing,
    Ready,
    /// RBAC forbids listing/watching this kind (403).
    Forbidden(String),
    /// An optional kind (CRD) the server does not have.
    Absent,
    Error(String),
    /// The server refused the request as such (400: a selector it cannot parse, a field
    /// selector it does not support); retrying cannot help.
    Refused(String),
}

/// What the fleet tells the catalog.
#[derive(Debug, Clone)]
pub enum Change {
    Cluster {
        cluster: ClusterId,
        status: ClusterStatus,
    },
    ServerVersion {
        cluster: ClusterId,
        version: String,
    },
    Source {
        cluster: ClusterId,
        bp: BpId,
        source: u8,
        status: SourceStatus,
    },
    Apply {
        cluster: ClusterId,
        record: Record,
    },
    Delete {
        cluster: ClusterId,
        bp: BpId,
        uid: Box<str>,
    },
    /// The complete current set of one source kind (after a list or relist): entities of that
    /// kind not in it are gone.
    Resync {
        cluster: ClusterId,
        bp: BpId,
        source: u8,
        records: Vec<Record>,
    },
    /// A cluster that appeared while running (a member a multi-cluster hub began to serve):
    /// its row is added at `cluster` (the next free index, or a former member's own).
    Joined {
        cluster: ClusterId,
        info: Box<ClusterInfo>,
    },
    /// A cluster that is gone (a member the hub no longer serves): its entities are forgotten
    /// and its row leaves every view.
    Left {
        cluster: ClusterId,
    },
    /// A cluster read by polling (through a hub) holds the data read at `at` (seconds since
    /// the epoch): shown as the data's age.
    Polled {
        cluster: ClusterId,
        at: i64,
    },
    /// Several changes read in one go (a watcher's burst), folded in order, each its own
    /// revision step: one message instead of one per change.
    Batch(Vec<Change>),
}

/// What the catalog knows of a cluster besides its entities.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterInfo {
    /// The kubeconfig context name.
    pub name: String,
    pub server: String,
    pub version: Option<String>,
    pub status: ClusterStatus,
    /// The environment this context maps to in the user config, if any.
    pub environment: Option<String>,
    /// Status per source kind: (blueprint, source index, status).
    #[serde(skip)]
    pub sources: Vec<(BpId, u8, SourceStatus)>,
    /// No longer served (a hub member removed): kept only so indices stay stable; hidden from
    /// [`Catalog::cluster_ids`].
    #[serde(skip)]
    pub removed: bool,
    /// When the data was last read, for clusters read by polling (seconds since the epoch).
    #[serde(skip)]
    pub polled: Option<i64>,
}

impl ClusterInfo {
    pub fn new(
        name: impl Into<String>,
        server: impl Into<String>,
        environment: Option<String>,
    ) -> Self {
        ClusterInfo {
            name: name.into(),
            server: server.into(),
            version: None,
            status: ClusterStatus::Connecting,
            environment,
            sources: vec![],
            removed: false,
            polled: None,
        }
    }
    /// Sources that are forbidden, with their messages.
    pub fn forbidden(&self) -> impl Iterator<Item = (BpId, u8, &str)> {
        self.sources.iter().filter_map(|(b, s, st)| match st {
            SourceStatus::Forbidden(m) => Some((*b, *s, m.as_str())),
            _ => None,
        })
    }
}

/// The catalog.
pub struct Catalog {
    blueprints: Arc<BlueprintSet>,
    /// Per blueprint, the target blueprint of each relation (resolved once).
    targets: Vec<Vec<BpId>>,
    rules: DerivedRules,
    clusters: Vec<ClusterInfo>,
    stores: Vec<ClusterStore>,
    /// Per blueprint, whether stores index it by name (for clusters that join later).
    named: Vec<bool>,
    groups: Groups,
    /// Per blueprint, the properties its health rule reads.
    health_props: Vec<health::HealthProps>,
    revision: u64,
    /// What each recent revision step touched.
    journal: journal::Journal,
    /// Which relations are label selectors, and per cluster what they select.
    sel_rules: relations::SelectorRules,
    selections: Vec<relations::Selections>,
    /// Aggregations, and the subjects a change of their feeding entities touched (noted as
    /// journal steps of their own by `apply`).
    aggs: aggregate::AggRules,
    fed_touches: Vec<EntityRef>,
}

impl Catalog {
    pub fn new(blueprints: Arc<BlueprintSet>, clusters: Vec<ClusterInfo>) -> Self {
        let n = blueprints.all().len();
        let targets = blueprints
            .all()
            .iter()
            .map(|bp| {
                bp.spec
                    .relations
                    .iter()
                    .map(|r| blueprints.by_identifier(&r.to).unwrap_or(BpId(u16::MAX)))
                    .collect()
            })
            .collect();
        let rules = DerivedRules::new(&blueprints);
        // Only blueprints that relations name (namespaces, nodes) need a name index.
        let mut named = vec![false; n];
        for bp in blueprints.all() {
            for (rel, spec) in bp.spec.relations.iter().enumerate() {
                if matches!(spec.via, RelationVia::Namespace | RelationVia::Field)
                    && let Some(t) = bp.relation_target(rel)
                    && let Some(f) = named.get_mut(t.0 as usize)
                {
                    *f = true;
                }
            }
        }
        if let Some(f) = rules
            .namespace_bp
            .and_then(|ns| named.get_mut(ns.0 as usize))
        {
            *f = true;
        }
        let stores = clusters
            .iter()
            .map(|_| ClusterStore::with_named(named.clone()))
            .collect();
        let health_props = blueprints
            .all()
            .iter()
            .map(health::HealthProps::of)
            .collect();
        let sel_rules = relations::SelectorRules::new(&blueprints);
        let selections = clusters.iter().map(|_| Default::default()).collect();
        Catalog {
            aggs: aggregate::AggRules::new(&blueprints),
            fed_touches: vec![],
            health_props,
            sel_rules,
            selections,
            blueprints,
            targets,
            rules,
            clusters,
            stores,
            named,
            groups: Groups::default(),
            revision: 0,
            journal: journal::Journal::default(),
        }
    }

    /// Bumped on every change that altered what a reader could see.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// What changed since revision `rev`: the steps, or everything when `rev` is older than
    /// the journal remembers.
    pub fn changes_since(&self, rev: u64) -> Since<'_> {
        self.journal.since(rev, self.revision)
    }

    /// Forget the journal: readers rebuild from scratch (to measure a full rebuild).
    #[cfg(any(test, feature = "test-support"))]
    pub fn forget_changes(&mut self) {
        self.journal = journal::Journal::default();
    }
    pub fn blueprints(&self) -> &Arc<BlueprintSet> {
        &self.blueprints
    }
    pub fn blueprint(&self, bp: BpId) -> &Blueprint {
        self.blueprints.get(bp)
    }
    pub fn clusters(&self) -> &[ClusterInfo] {
        &self.clusters
    }
    pub fn cluster(&self, id: ClusterId) -> Option<&ClusterInfo> {
        self.clusters.get(id.0 as usize)
    }
    /// The clusters shown (every one but those that left).
    pub fn cluster_ids(&self) -> impl Iterator<Item = ClusterId> + use<> {
        let removed: Vec<bool> = self.clusters.iter().map(|c| c.removed).collect();
        (0..self.clusters.len() as u16)
            .filter(move |i| !removed[*i as usize])
            .map(ClusterId)
    }
    pub fn cluster_by_name(&self, name: &str) -> Option<ClusterId> {
        self.clusters
            .iter()
            .position(|c| c.name == name && !c.removed)
            .map(|i| ClusterId(i as u16))
    }

    /// Fold one change. Returns true when something visible changed (and the revision moved).
    pub fn apply(&mut self, change: Change) -> bool {
        let change = match change {
            Change::Batch(changes) => {
                return changes
                    .into_iter()
                    .fold(false, |moved, c| self.apply(c) | moved);
            }
            c => c,
        };
        let touch = Touch::of(&change);
        let changed = match change {
            Change::Cluster { cluster, status } => self
                .clusters
                .get_mut(cluster.0 as usize)
                .is_some_and(|c| replace(&mut c.status, status)),
            Change::ServerVersion { cluster, version } => self
                .clusters
                .get_mut(cluster.0 as usize)
                .is_some_and(|c| replace(&mut c.version, Some(version))),
            Change::Source {
                cluster,
                bp,
                source,
                status,
            } => match self.clusters.get_mut(cluster.0 as usize) {
                Some(c) => match c
                    .sources
                    .iter_mut()
                    .find(|(b, s, _)| *b == bp && *s == source)
                {
                    Some((_, _, st)) => replace(st, status),
                    None => {
                        c.sources.push((bp, source, status));
                        true
                    }
                },
                None => false,
            },
            Change::Apply { cluster, record } => self.upsert(cluster, record),
            Change::Delete { cluster, bp, uid } => self.remove(cluster, bp, &uid),
            Change::Resync {
                cluster,
                bp,
                source,
                records,
            } => self.resync(cluster, bp, source, records),
            Change::Joined { cluster, info } => self.join(cluster, *info),
            // Unpacked above.
            Change::Batch(_) => false,
            Change::Left { cluster } => self.leave(cluster),
            Change::Polled { cluster, at } => self
                .clusters
                .get_mut(cluster.0 as usize)
                .is_some_and(|c| replace(&mut c.polled, Some(at))),
        };
        if changed {
            self.journal.note(self.revision, touch);
            self.revision += 1;
        }
        // Entities whose aggregations moved: one more step each.
        for e in std::mem::take(&mut self.fed_touches) {
            self.journal.note(self.revision, Touch::Entity(e));
            self.revision += 1;
        }
        changed
    }

    fn upsert(&mut self, cluster: ClusterId, record: Record) -> bool {
        let bp = record.blueprint;
        let Some(targets) = self.targets.get(bp.0 as usize) else {
            return false;
        };
        let derived = Some(bp) == self.rules.from || Some(bp) == self.rules.namespace_bp;
        let selects = self.sel_rules.involves(bp);
        let feeds = self.aggs.feeds(bp);
        let uid = (derived || feeds).then(|| record.uid.clone());
        let fed = match &uid {
            Some(uid) if feeds => self.fed_subjects(cluster, bp, uid),
            _ => vec![],
        };
        let Some(store) = self.stores.get_mut(cluster.0 as usize) else {
            return false;
        };
        let Some((slot, old)) = store.upsert(record, targets) else {
            return false;
        };
        if selects {
            self.reselect(cluster, bp, slot, old.as_ref());
        }
        if let Some(uid) = uid {
            if derived {
                self.after_change(cluster, bp, &uid);
            }
            if feeds {
                self.touch_fed(cluster, bp, &uid, fed, old.as_ref());
            }
        }
        true
    }

    fn remove(&mut self, cluster: ClusterId, bp: BpId, uid: &str) -> bool {
        let fed = if self.aggs.feeds(bp) {
            self.fed_subjects(cluster, bp, uid)
        } else {
            vec![]
        };
        let Some(store) = self.stores.get_mut(cluster.0 as usize) else {
            return false;
        };
        let Some(targets) = self.targets.get(bp.0 as usize) else {
            return false;
        };
        let Some((slot, old)) = store.remove(bp, uid, targets) else {
            return false;
        };
        if self.sel_rules.involves(bp)
            && let Some(sel) = self.selections.get_mut(cluster.0 as usize)
        {
            sel.forget(&self.sel_rules, slot, &old);
        }
        self.after_change(cluster, bp, uid);
        self.touch_gone(fed);
        true
    }

    fn resync(&mut self, cluster: ClusterId, bp: BpId, source: u8, records: Vec<Record>) -> bool {
        let Some(store) = self.stores.get(cluster.0 as usize) else {
            return false;
        };
        let gone: Vec<Box<str>> = if store.count(bp) == 0 {
            vec![]
        } else {
            let keep: HashSet<&str> = records.iter().map(|r| &*r.uid).collect();
            store
                .entities(bp)
                .filter(|r| r.source == source && !keep.contains(&*r.uid))
                .map(|r| r.uid.clone())
                .collect()
        };
        let mut changed = false;
        for uid in gone {
            changed |= self.remove(cluster, bp, &uid);
        }
        if let Some(store) = self.stores.get_mut(cluster.0 as usize) {
            store.reserve(bp, records.len());
        }
        for r in records {
            changed |= self.upsert(cluster, r);
        }
        changed
    }

    /// Keep the derived groups current after an entity of `bp` changed.
    fn after_change(&mut self, cluster: ClusterId, bp: BpId, uid: &str) {
        if Some(bp) == self.rules.from {
            self.place_workload(cluster, uid);
        } else if Some(bp) == self.rules.namespace_bp {
            // The namespace's environment label may have changed: re-place its workloads.
            let (Some(store), Some(from)) = (self.stores.get(cluster.0 as usize), self.rules.from)
            else {
                return;
            };
            // A deleted namespace takes its workloads with it: nothing to re-place.
            let Some(name) = store.get(bp, uid).map(|r| r.name.clone()) else {
                return;
            };
            let uids: Vec<Box<str>> = store
                .entities(from)
                .filter(|r| r.namespace.as_deref() == Some(&*name))
                .map(|r| r.uid.clone())
                .collect();
            for u in uids {
                self.place_workload(cluster, &u);
            }
        }
    }

    fn place_workload(&mut self, cluster: ClusterId, uid: &str) {
        let Some(from) = self.rules.from else { return };
        let Some(store) = self.stores.get(cluster.0 as usize) else {
            return;
        };
        match store.get(from, uid) {
            None => {
                self.groups.remove(cluster, uid);
            }
            Some(r) => {
                let service = self.rules.service_key(r).to_string();
                let env = self
                    .environment_of(cluster, r.namespace.as_deref())
                    .to_string();
                self.groups.place(cluster, uid, &service, &env);
            }
        }
    }

    /// A cluster row added at `cluster` (appended, or a former row taken again).
    fn join(&mut self, cluster: ClusterId, info: ClusterInfo) -> bool {
        let i = cluster.0 as usize;
        // Rows of other hubs' members may be announced out of order: hold their places.
        while self.clusters.len() < i {
            let mut gap = ClusterInfo::new("", "", None);
            gap.removed = true;
            self.clusters.push(gap);
            self.stores
                .push(ClusterStore::with_named(self.named.clone()));
        }
        if i == self.clusters.len() {
            self.clusters.push(info);
            self.stores
                .push(ClusterStore::with_named(self.named.clone()));
        } else {
            self.leave(cluster);
            self.clusters[i] = info;
        }
        true
    }

    /// A cluster gone: its entities forgotten, its row hidden.
    fn leave(&mut self, cluster: ClusterId) -> bool {
        let Some(c) = self.clusters.get_mut(cluster.0 as usize) else {
            return false;
        };
        c.removed = true;
        if let Some(s) = self.stores.get_mut(cluster.0 as usize) {
            s.clear();
        }
        self.groups.remove_cluster(cluster);
        true
    }

    /// Forget every entity of a cluster (its context removed).
    pub fn clear_cluster(&mut self, cluster: ClusterId) {
        if let Some(s) = self.stores.get_mut(cluster.0 as usize) {
            s.clear();
            if let Some(sel) = self.selections.get_mut(cluster.0 as usize) {
                sel.clear();
            }
            self.groups.remove_cluster(cluster);
            self.journal.note(self.revision, Touch::Wide);
            self.revision += 1;
        }
    }
}

fn replace<T: PartialEq>(slot: &mut T, new: T) -> bool {
    if *slot == new {
        false
    } else {
        *slot = new;
        true
    }
}
