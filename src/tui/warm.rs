//! Warm rows: the row caches of the biggest views (the running-service matrix and every
//! all-clusters list too big to project within a frame) and of the pages left recently, kept
//! up to date from the catalog's change journal whether or not their view is open. The big
//! ones are built while the loop is idle, in slices of a few milliseconds; a page opened on a
//! view found here starts from its cache, so opening it costs a patch and a frame instead of
//! projecting every row.

use super::build::{self, Lister, NaturalKey};
use super::filter::Texts;
use super::matrix;
use super::rows::Cache;
use super::table::{Cell, Column, Row, Table};
use super::view::{self, RowKey, Scope, View};
use crate::catalog::{Catalog, ClusterId, EntityRef, Since};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// A list with at least this many rows is built ahead (smaller ones take less than a frame).
pub const WARM_MIN: usize = 2_000;
/// Caches of pages left recently, kept besides the views built ahead.
const KEPT: usize = 4;
/// Rows projected between two looks at the clock.
const CHUNK: usize = 256;
/// Matrix rows projected between two looks at the clock (a row reads a service's workloads
/// in every environment and their pods: far more than a list row).
const MATRIX_CHUNK: usize = 16;

/// The warm caches and the one being built.
#[derive(Debug, Default)]
pub struct Shelf {
    kept: Vec<(View, Cache)>,
    building: Option<Job>,
    /// Views to build ahead, as of `chosen_at` (a catalog revision).
    wanted: Vec<View>,
    chosen_at: Option<u64>,
    /// Views whose build was overtaken by the catalog (too much changed meanwhile), with the
    /// revision it happened at: not tried again before the catalog moves on.
    overtaken: Vec<(View, u64)>,
    /// A view opened before its rows were built, with the rows it is expected to have: built
    /// first, in slices, while its page says so ([`Shelf::start`]).
    urgent: Option<(View, usize)>,
}

/// A list cache under construction, slice by slice.
#[derive(Debug)]
struct Building {
    view: View,
    /// Catalog revision the rows are projected at; patched up to date when complete.
    revision: u64,
    lister: Lister,
    clusters: Vec<ClusterId>,
    /// A namespace's list: its records only.
    namespace: Option<Box<str>>,
    /// Clusters whose keys are collected.
    keyed: usize,
    /// Where the keys of the last cluster collected start, until they are sorted (in the
    /// next slice: collecting and sorting 20k keys in one would be too long a slice).
    unsorted: Option<usize>,
    keys: Vec<NaturalKey>,
    rows: Vec<Row>,
    /// The filter's text and the key of each (cluster, uid) of the rows projected so far
    /// (filled a chunk at a time, so finishing a big list costs no pass over every row).
    texts: Texts,
    by_uid: HashMap<(ClusterId, Box<str>), NaturalKey>,
    /// The columns, widths measured over the rows projected so far.
    columns: Vec<Column>,
    /// The columns as declared, unmeasured.
    base: Vec<Column>,
}

/// The widths [`Table::measure`] gives `rows` folded into `acc` (measuring is a maximum
/// over rows, so measuring chunk by chunk and keeping the widest gives the same widths).
/// Each chunk is measured from the columns as declared (`base`): a measured minimum is the
/// declared one capped by the width, so it must not be capped again by an earlier chunk's.
fn measure_into(acc: &mut [Column], base: &[Column], rows: Vec<Row>) -> Vec<Row> {
    let mut t = Table {
        columns: base.to_vec(),
        rows,
    };
    t.measure();
    for (a, c) in acc.iter_mut().zip(&t.columns) {
        a.width = a.width.max(c.width);
        a.min = a.min.max(c.min);
    }
    t.rows
}

impl Building {
    fn new(cat: &Catalog, view: View) -> Option<Building> {
        let View::List { bp, scope } = &view else {
            return None;
        };
        let lister = Lister::new(cat, *bp, scope);
        if !lister.patchable() {
            return None;
        }
        let (clusters, namespace) = match scope {
            Scope::All => (cat.cluster_ids().collect(), None),
            Scope::Cluster(c) => (vec![*c], None),
            Scope::Namespace(c, ns) => (vec![*c], Some(ns.clone())),
            Scope::Parent(_) => return None,
        };
        let base = lister.columns();
        // The widths of no rows: titles, deadlines hidden.
        let mut empty = Table {
            columns: base.clone(),
            rows: vec![],
        };
        empty.measure();
        let columns = empty.columns;
        Some(Building {
            view,
            revision: cat.revision(),
            lister,
            clusters,
            namespace,
            keyed: 0,
            unsorted: None,
            keys: vec![],
            rows: vec![],
            texts: Texts::default(),
            by_uid: HashMap::new(),
            columns,
            base,
        })
    }

    /// Work until `deadline`; true when every row is projected.
    fn step(&mut self, cat: &Catalog, deadline: Instant) -> bool {
        let bp = self.lister.bp;
        // Keys in natural order: clusters in order, each sorted on its own. A cluster's keys
        // are collected in one go (the catalog may change between slices), sorted in the next.
        while self.keyed < self.clusters.len() || self.unsorted.is_some() {
            if let Some(from) = self.unsorted.take() {
                self.keys[from..].sort_unstable();
            } else {
                let cl = self.clusters[self.keyed];
                let ns = self.namespace.as_deref();
                self.unsorted = Some(self.keys.len());
                self.keys.extend(
                    cat.entities_in(cl, bp)
                        .filter(|r| ns.is_none() || r.namespace.as_deref() == ns)
                        .map(|r| build::natural_key(cl, r)),
                );
                self.keyed += 1;
            }
            if Instant::now() >= deadline {
                return false;
            }
        }
        if self.rows.capacity() < self.keys.len() {
            // Room for every row at once: growing a 100k-row build would copy it all in one
            // slice (the map's rehash most).
            let more = self.keys.len() - self.rows.len();
            self.rows.reserve_exact(more);
            self.by_uid.reserve(more);
            self.texts.reserve(more);
        }
        while self.rows.len() < self.keys.len() {
            let end = (self.rows.len() + CHUNK).min(self.keys.len());
            let chunk: Vec<Row> = self.keys[self.rows.len()..end]
                .iter()
                .map(|k| {
                    let e = EntityRef {
                        cluster: k.0,
                        bp,
                        uid: k.3.clone(),
                    };
                    match cat.get(&e) {
                        Some(r) => self.lister.row(cat, k.0, r, &vec![]),
                        // Gone since its key was taken: the journal has its deletion, and
                        // the patch at the end removes the row.
                        None => Row {
                            key: RowKey::Entity(e),
                            cells: vec![Cell::default(); self.columns.len()],
                            health: Default::default(),
                        },
                    }
                })
                .collect();
            let chunk = measure_into(&mut self.columns, &self.base, chunk);
            let from = self.rows.len();
            for (row, k) in chunk.iter().zip(&self.keys[from..]) {
                self.texts.push(row);
                self.by_uid.insert((k.0, k.3.clone()), k.clone());
            }
            self.rows.extend(chunk);
            if Instant::now() >= deadline {
                return false;
            }
        }
        true
    }

    /// Rows projected so far.
    fn done(&self) -> usize {
        self.rows.len()
    }

    /// The cache of the projected rows, at the revision they were projected at.
    fn finish(self) -> (View, Cache) {
        let n = self.rows.len() as u32;
        let cache = Cache {
            revision: Some(self.revision),
            table: Table {
                columns: self.columns,
                rows: self.rows,
            },
            order: (0..n).collect(),
            texts: self.texts,
            lister: Some(self.lister),
            keys: self.keys,
            by_uid: self.by_uid,
            ..Default::default()
        };
        (self.view, cache)
    }
}

/// The matrix's cache under construction, a few services at a time.
#[derive(Debug)]
struct MatrixBuilding {
    /// Catalog revision the services are listed at; patched up to date when complete.
    revision: u64,
    envs: Vec<Arc<str>>,
    services: Vec<Arc<str>>,
    /// Services projected (or found running nowhere).
    done: usize,
    rows: Vec<Row>,
    /// The filter's text of the rows projected so far.
    texts: Texts,
    columns: Vec<Column>,
    base: Vec<Column>,
    service_of: matrix::ServiceOf,
}

impl MatrixBuilding {
    fn new(cat: &Catalog) -> MatrixBuilding {
        let envs = cat.environments();
        let base = matrix::Ctx::new(cat, &envs).columns();
        let mut empty = Table {
            columns: base.clone(),
            rows: vec![],
        };
        empty.measure();
        MatrixBuilding {
            revision: cat.revision(),
            services: cat.services(),
            envs,
            done: 0,
            rows: vec![],
            texts: Texts::default(),
            columns: empty.columns,
            base,
            service_of: Default::default(),
        }
    }

    /// Work until `deadline`; true when every service is projected.
    fn step(&mut self, cat: &Catalog, deadline: Instant) -> bool {
        let ctx = matrix::Ctx::new(cat, &self.envs);
        while self.done < self.services.len() {
            let end = (self.done + MATRIX_CHUNK).min(self.services.len());
            let chunk: Vec<Row> = self.services[self.done..end]
                .iter()
                .filter_map(|svc| ctx.row(cat, svc.clone(), Some(&mut self.service_of)))
                .collect();
            self.done = end;
            let chunk = measure_into(&mut self.columns, &self.base, chunk);
            for row in &chunk {
                self.texts.push(row);
            }
            self.rows.extend(chunk);
            if Instant::now() >= deadline {
                return false;
            }
        }
        true
    }

    fn finish(self) -> (View, Cache) {
        let cache = Cache {
            revision: Some(self.revision),
            texts: self.texts,
            order: (0..self.rows.len() as u32).collect(),
            service_of: self.service_of,
            table: Table {
                columns: self.columns,
                rows: self.rows,
            },
            envs: self.envs,
            ..Default::default()
        };
        (View::Matrix, cache)
    }
}

/// A cache being built ahead: a list's or the matrix's.
#[derive(Debug)]
enum Job {
    List(Building),
    Matrix(MatrixBuilding),
}

impl Job {
    fn new(cat: &Catalog, view: View) -> Option<Job> {
        match view {
            View::Matrix => cat
                .workload_blueprint()
                .map(|_| Job::Matrix(MatrixBuilding::new(cat))),
            v => Building::new(cat, v).map(Job::List),
        }
    }

    fn view(&self) -> &View {
        match self {
            Job::List(b) => &b.view,
            Job::Matrix(_) => &View::Matrix,
        }
    }

    fn step(&mut self, cat: &Catalog, deadline: Instant) -> bool {
        match self {
            Job::List(b) => b.step(cat, deadline),
            Job::Matrix(m) => m.step(cat, deadline),
        }
    }

    /// Rows projected so far (the matrix: services looked at).
    fn done(&self) -> usize {
        match self {
            Job::List(b) => b.done(),
            Job::Matrix(m) => m.done,
        }
    }

    fn finish(self) -> (View, Cache) {
        match self {
            Job::List(b) => b.finish(),
            Job::Matrix(m) => m.finish(),
        }
    }
}

/// Bring `cache` of `view` up to the catalog's revision; false when it cannot be patched.
fn catch_up(view: &View, cache: &mut Cache, cat: &Catalog) -> bool {
    let Some(rev) = cache.revision else {
        return false;
    };
    if rev == cat.revision() {
        return true;
    }
    let ok = match cat.changes_since(rev) {
        Since::Steps(steps) => cache.patch(view, cat, &steps).is_some(),
        Since::Everything => false,
    };
    cache.revision = Some(cat.revision());
    ok
}

/// A view opened before its rows were built ahead with at least this many rows is built in
/// slices while its page says so ([`Shelf::start`]), not in one go on the key.
pub const SLICED_MIN: usize = 2_000;

/// About how many rows `view` has (the matrix: its workloads, a few per row), cheaply: the
/// catalog's counts.
fn expected_rows(cat: &Catalog, view: &View) -> usize {
    match view {
        View::Matrix => cat
            .workload_blueprint()
            .map_or(0, |w| cat.cluster_ids().map(|c| cat.count(c, w)).sum()),
        View::List { bp, scope } => match scope {
            Scope::All => cat.cluster_ids().map(|c| cat.count(c, *bp)).sum(),
            Scope::Cluster(c) => cat.count(*c, *bp),
            Scope::Namespace(c, ns) => cat
                .entities_in(*c, *bp)
                .filter(|r| r.namespace.as_deref() == Some(&**ns))
                .count(),
            Scope::Parent(_) => 0,
        },
        View::Fleet | View::Detail { .. } => 0,
    }
}

/// Whether the fleet has settled: no cluster connecting or syncing.
fn settled(cat: &Catalog) -> bool {
    !cat.clusters().iter().any(|c| {
        matches!(
            c.status,
            crate::catalog::ClusterStatus::Connecting | crate::catalog::ClusterStatus::Syncing
        )
    })
}

/// The views worth building ahead: the matrix and every patchable all-clusters list of at
/// least [`WARM_MIN`] rows.
fn worth_warming(cat: &Catalog) -> Vec<View> {
    let mut out = vec![];
    if cat.workload_blueprint().is_some() {
        out.push(View::Matrix);
    }
    for bp in cat.blueprints().all().iter().map(|b| b.id) {
        if !view::listable(cat, bp) {
            continue;
        }
        let n: usize = cat.cluster_ids().map(|c| cat.count(c, bp)).sum();
        if n >= WARM_MIN && Lister::new(cat, bp, &Scope::All).patchable() {
            out.push(View::List {
                bp,
                scope: Scope::All,
            });
        }
    }
    out
}

impl Shelf {
    /// Keep the cache of a page that leaves the stack, when it can be kept up to date (a
    /// list patched per entity, or the matrix).
    pub fn put(&mut self, view: View, cache: Cache) {
        let keepable = match view {
            View::Matrix => true,
            View::List { .. } => cache.lister.is_some(),
            View::Fleet | View::Detail { .. } => false,
        };
        if !keepable || cache.revision.is_none() {
            return;
        }
        self.kept.retain(|(v, _)| *v != view);
        self.kept.push((view, cache));
        // The oldest of the others go first; the views built ahead stay.
        let wanted = &self.wanted;
        while self
            .kept
            .iter()
            .filter(|(v, _)| !wanted.contains(v))
            .count()
            > KEPT
        {
            if let Some(p) = self.kept.iter().position(|(v, _)| !wanted.contains(v)) {
                self.kept.remove(p);
            }
        }
    }

    /// The warm cache of `view`, taken off the shelf.
    pub fn take(&mut self, view: &View) -> Option<Cache> {
        let p = self.kept.iter().position(|(v, _)| v == view)?;
        if self.is_urgent(view) {
            self.urgent = None;
        }
        Some(self.kept.swap_remove(p).1)
    }

    /// Patch every kept cache up to the catalog's revision; drop those that cannot be (the
    /// journal lost their revision, or too much changed: they are built again ahead).
    pub fn refresh(&mut self, cat: &Catalog) {
        self.kept.retain_mut(|(v, c)| catch_up(v, c, cat));
    }

    /// Whether there is building ahead to do (`open`: the views on the stack, live already).
    pub fn warming(&mut self, cat: &Catalog, open: &[&View]) -> bool {
        self.building.is_some() || self.next(cat, open).is_some()
    }

    /// The next view to build ahead.
    fn next(&mut self, cat: &Catalog, open: &[&View]) -> Option<View> {
        if let Some((v, _)) = &self.urgent {
            return Some(v.clone());
        }
        if !settled(cat) {
            return None;
        }
        let rev = cat.revision();
        if self.chosen_at != Some(rev) {
            self.wanted = worth_warming(cat);
            self.chosen_at = Some(rev);
        }
        self.wanted
            .iter()
            .find(|v| {
                !open.contains(v)
                    && !self.kept.iter().any(|(k, _)| k == *v)
                    && !self.overtaken.iter().any(|(o, at)| o == *v && *at == rev)
            })
            .cloned()
    }

    /// Build ahead until `deadline`. Returns true when there is more to do.
    pub fn warm(&mut self, cat: &Catalog, open: &[&View], deadline: Instant) -> bool {
        loop {
            let mut b = match self.building.take() {
                Some(b) => b,
                None => match self.next(cat, open) {
                    Some(v) => match Job::new(cat, v.clone()) {
                        Some(b) => b,
                        None => {
                            self.wanted.retain(|w| *w != v);
                            continue;
                        }
                    },
                    None => return false,
                },
            };
            if open.contains(&b.view()) && !self.is_urgent(b.view()) {
                // Opened meanwhile: the page builds its own.
                continue;
            }
            if !b.step(cat, deadline) {
                self.building = Some(b);
                return true;
            }
            let (view, mut cache) = b.finish();
            if self.is_urgent(&view) {
                self.urgent = None;
            }
            if catch_up(&view, &mut cache, cat) {
                self.kept.push((view, cache));
            } else {
                self.overtaken.retain(|(v, _)| *v != view);
                self.overtaken.push((view, cat.revision()));
            }
            if Instant::now() >= deadline {
                return self.warming(cat, open);
            }
        }
    }

    fn is_urgent(&self, view: &View) -> bool {
        self.urgent.as_ref().is_some_and(|(v, _)| v == view)
    }

    /// Build the rows of `view`, opened before they were built ahead, first and in slices
    /// (what was being built ahead starts over later): true when it is (or was already),
    /// false when it is small enough to build on the spot, cannot be built in slices (counts
    /// of children, a parent's children) or was overtaken by the catalog before (then the
    /// page builds its own).
    pub fn start(&mut self, cat: &Catalog, view: &View) -> bool {
        if self.is_urgent(view) {
            return true;
        }
        if self.overtaken.iter().any(|(o, _)| o == view) {
            return false;
        }
        let rows = expected_rows(cat, view);
        if rows < SLICED_MIN {
            return false;
        }
        let Some(job) = Job::new(cat, view.clone()) else {
            return false;
        };
        self.building = Some(job);
        self.urgent = Some((view.clone(), rows));
        true
    }

    /// How far the rows of `view` (started by [`Shelf::start`]) are built: rows projected,
    /// rows expected. None when it is not being built for a page.
    pub fn progress(&self, view: &View) -> Option<(usize, usize)> {
        let (_, rows) = self.urgent.as_ref().filter(|(v, _)| v == view)?;
        Some(match self.building.as_ref().filter(|b| b.view() == view) {
            // The matrix counts services, not the workloads it was sized by.
            Some(Job::Matrix(m)) => (m.done, m.services.len()),
            Some(b) => (b.done(), *rows),
            None => (0, *rows),
        })
    }

    /// Rows held by the kept caches (tests and benchmarks).
    pub fn rows(&self) -> usize {
        self.kept.iter().map(|(_, c)| c.table.rows.len()).sum()
    }

    /// Whether a warm cache of `view` is kept.
    pub fn holds(&self, view: &View) -> bool {
        self.kept.iter().any(|(v, _)| v == view)
    }
}
