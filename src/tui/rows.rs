//! The row-patching engine: the rows of a page valid for one catalog revision, sort and
//! filter, brought up to date with the steps the catalog's journal reports
//! ([`Catalog::changes_since`]) by re-projecting only the rows of the entities that changed
//! (lists) or the services they belong to (the matrix), then merging them back into the
//! display order and the filtered rows.

use super::build::{self, Lister, NaturalKey};
use super::detail::Detail;
use super::filter::{self, Filtered};
use super::matrix;
use super::table::{Row, Sort, Table};
use super::view::View;
use crate::catalog::{Catalog, ClusterId, EntityRef, Steps, Touch};
use std::collections::HashMap;
use std::sync::Arc;

/// The rows of a page, valid for one catalog revision, sort and filter.
#[derive(Debug, Default)]
pub struct Cache {
    /// Catalog revision the table was built at (None: never built).
    pub revision: Option<u64>,
    pub table: Table,
    /// Matrix only: the environments, in column order.
    pub envs: Vec<Arc<str>>,
    /// Detail only.
    pub detail: Option<Detail>,
    pub(super) order: Vec<u32>,
    pub(super) order_sort: Option<Sort>,
    pub filtered: Filtered,
    /// The rows' text, contiguous, for the filter.
    pub(super) texts: filter::Texts,
    /// The (trimmed) pattern `filtered` was computed with.
    pub(super) filter_pattern: Option<String>,
    /// Hash of what the page shows, to tell whether a rebuild changed anything.
    pub(super) hash: u64,
    /// Lists whose rows can be patched per changed entity: the row projector, each row's
    /// natural key (rows are in natural order) and the key of each (cluster, uid).
    pub(super) lister: Option<Lister>,
    pub(super) keys: Vec<NaturalKey>,
    pub(super) by_uid: HashMap<(ClusterId, Box<str>), NaturalKey>,
    /// Matrix only: the service of each workload (cluster, uid) the rows were built from.
    pub(super) service_of: HashMap<(ClusterId, Box<str>), Arc<str>>,
    /// The metric columns appended to the table (src/tui/metrics/cells.rs).
    pub metrics: super::metric_columns::Decor,
}

/// Merge `add` into `base`, both sorted by `cmp`.
fn merge(base: &[u32], add: &[u32], cmp: impl Fn(u32, u32) -> std::cmp::Ordering) -> Vec<u32> {
    let mut out = Vec::with_capacity(base.len() + add.len());
    let mut j = 0;
    for &b in base {
        while j < add.len() && cmp(add[j], b).is_lt() {
            out.push(add[j]);
            j += 1;
        }
        out.push(b);
    }
    out.extend_from_slice(&add[j..]);
    out
}

impl Cache {
    /// Bring the rows up to date with the catalog's `steps` since the cache's revision
    /// without re-projecting the unchanged ones. None when the page needs a full rebuild;
    /// else whether anything shown changed.
    pub(super) fn patch(&mut self, view: &View, cat: &Catalog, steps: &Steps) -> Option<bool> {
        // The matrix reads workloads, namespaces (environment labels) and clusters only; a
        // row reads the workloads of its service only. A list row reads its own entity.
        let (wanted, ns) = match view {
            View::Matrix => {
                let from = cat.workload_blueprint();
                (
                    from,
                    from.and_then(|w| super::view::namespace_blueprint(cat, w)),
                )
            }
            View::List { .. } => (self.lister.as_ref().map(|l| l.bp), None),
            View::Fleet | View::Detail { .. } => return None,
        };
        let is_matrix = *view == View::Matrix;
        let mut touched: Vec<&EntityRef> = vec![];
        for t in steps.iter() {
            match t {
                Touch::Wide => return None,
                Touch::Cluster if is_matrix => return None,
                Touch::Cluster => {}
                Touch::Entity(e) if is_matrix && Some(e.bp) == ns => return None,
                Touch::Entity(e) if Some(e.bp) == wanted => touched.push(e),
                Touch::Entity(_) => {}
            }
        }
        touched.sort_unstable();
        touched.dedup();
        if is_matrix {
            if touched.is_empty() {
                return Some(false);
            }
            self.patch_matrix(cat, &touched)
        } else {
            self.patch_list(cat, touched)
        }
    }

    fn patch_matrix(&mut self, cat: &Catalog, touched: &[&EntityRef]) -> Option<bool> {
        if touched.len() > self.table.rows.len() / 4 + 64 || cat.environments() != self.envs {
            return None;
        }
        // The services the touched workloads belonged to and belong to now.
        let mut services: Vec<Arc<str>> = vec![];
        for e in touched {
            let key = (e.cluster, e.uid.clone());
            let now = cat.group_of(e).map(|g| g.0);
            let was = match &now {
                Some(s) => self.service_of.insert(key, s.clone()),
                None => self.service_of.remove(&key),
            };
            services.extend(was);
            services.extend(now);
        }
        services.sort_unstable();
        services.dedup();
        // Rows are sorted by service.
        let (mut dirty, mut removed, mut added) = (vec![], vec![], vec![]);
        for svc in services {
            let at = self
                .table
                .rows
                .binary_search_by(|r| matrix::service(r).map(|s| &**s).cmp(&Some(&*svc)));
            match (at, matrix::row(cat, &self.envs, svc)) {
                (Ok(p), Some(row)) => {
                    if self.table.rows[p] != row {
                        self.texts.set(p, &row);
                        self.table.rows[p] = row;
                        dirty.push(p as u32);
                    }
                }
                (Ok(p), None) => removed.push(p as u32),
                (Err(_), Some(row)) => added.push(row),
                (Err(_), None) => {}
            }
        }
        let structural = !removed.is_empty() || !added.is_empty();
        if structural {
            // `removed` is sorted (services were); `added` too.
            let n = self.table.rows.len();
            let mut remap = vec![u32::MAX; n];
            let rows = std::mem::take(&mut self.table.rows);
            let mut new_rows = Vec::with_capacity(n + added.len() - removed.len());
            let mut fresh = vec![];
            let mut adds = added.into_iter().peekable();
            let mut gone = removed.iter().peekable();
            for (i, row) in rows.into_iter().enumerate() {
                if gone.next_if_eq(&&(i as u32)).is_some() {
                    continue;
                }
                while let Some(r) = adds.next_if(|a| matrix::service(a) < matrix::service(&row)) {
                    fresh.push(new_rows.len() as u32);
                    new_rows.push(r);
                }
                remap[i] = new_rows.len() as u32;
                new_rows.push(row);
            }
            for r in adds {
                fresh.push(new_rows.len() as u32);
                new_rows.push(r);
            }
            self.moved(&remap, &fresh, new_rows, &mut dirty);
        }
        self.reorder(dirty, structural)
    }

    /// Rows moved: old row `i` is now `remap[i]` (`u32::MAX`: removed), `fresh` (new
    /// indices) were added; `rows` are the new rows, `dirty` (old indices) become new ones
    /// and take in the fresh rows.
    fn moved(&mut self, remap: &[u32], fresh: &[u32], rows: Vec<Row>, dirty: &mut Vec<u32>) {
        self.texts.remap(remap, fresh, &rows);
        self.table.rows = rows;
        for d in dirty.iter_mut() {
            *d = remap[*d as usize];
        }
        dirty.extend_from_slice(fresh);
        let fix = |v: &mut Vec<u32>| {
            v.retain_mut(|i| {
                *i = remap[*i as usize];
                *i != u32::MAX
            })
        };
        fix(&mut self.order);
        fix(self.filtered.rows_mut());
    }

    /// Put the `dirty` rows (changed or new) back into the display order and the filtered
    /// rows at their place.
    fn reorder(&mut self, mut dirty: Vec<u32>, structural: bool) -> Option<bool> {
        if dirty.is_empty() && !structural {
            return Some(false);
        }
        // Changed rows leave the display order and come back in at their new place.
        dirty.sort_unstable();
        let is_dirty = |i: &u32| dirty.binary_search(i).is_ok();
        self.order.retain(|i| !is_dirty(i));
        self.filtered.rows_mut().retain(|i| !is_dirty(i));
        let t = &self.table;
        let sort = self.order_sort;
        let cmp = |a: u32, b: u32| t.order_cmp(sort, a, b);
        let mut add = dirty.clone();
        add.sort_by(|&a, &b| cmp(a, b));
        self.order = merge(&self.order, &add, cmp);
        if let Some(p) = &self.filter_pattern {
            let pat = filter::Pattern::new(p);
            add.retain(|&i| pat.matches(&t.rows[i as usize]));
            let merged = merge(self.filtered.rows(), &add, cmp);
            *self.filtered.rows_mut() = merged;
        }
        self.table.widen(&dirty);
        self.texts.compact(&self.table.rows);
        Some(true)
    }

    fn patch_list(&mut self, cat: &Catalog, touched: Vec<&EntityRef>) -> Option<bool> {
        let l = self.lister.as_ref()?;
        if touched.len() > self.table.rows.len() / 4 + 64 {
            return None;
        }
        let same = |k: &NaturalKey, cl: ClusterId, r: &crate::blueprint::Record| {
            k.0 == cl && k.1.as_deref() == r.namespace.as_deref() && k.2 == r.name && k.3 == r.uid
        };
        // In place (old indices), removed (old indices), added (new rows).
        let (mut dirty, mut removed, mut added) = (vec![], vec![], vec![]);
        for e in touched {
            let old = self
                .by_uid
                .get(&(e.cluster, e.uid.clone()))
                .and_then(|k| self.keys.binary_search(k).ok());
            match (old, l.in_scope(cat, e)) {
                (Some(p), Some(r)) if same(&self.keys[p], e.cluster, r) => {
                    let row = l.row(cat, e.cluster, r, &vec![]);
                    if self.table.rows[p] != row {
                        self.texts.set(p, &row);
                        self.table.rows[p] = row;
                        dirty.push(p as u32);
                    }
                }
                (old, new) => {
                    removed.extend(old.map(|p| p as u32));
                    if let Some(r) = new {
                        added.push((
                            build::natural_key(e.cluster, r),
                            l.row(cat, e.cluster, r, &vec![]),
                        ));
                    }
                }
            }
        }
        let structural = !removed.is_empty() || !added.is_empty();
        if structural {
            removed.sort_unstable();
            added.sort_by(|a, b| a.0.cmp(&b.0));
            for &p in &removed {
                let k = &self.keys[p as usize];
                self.by_uid.remove(&(k.0, k.3.clone()));
            }
            for (k, _) in &added {
                self.by_uid.insert((k.0, k.3.clone()), k.clone());
            }
            // One pass: drop the removed rows, merge the added ones in natural order.
            let n = self.table.rows.len();
            let mut remap = vec![u32::MAX; n];
            let rows = std::mem::take(&mut self.table.rows);
            let keys = std::mem::take(&mut self.keys);
            let cap = n + added.len() - removed.len();
            let (mut new_rows, mut new_keys) = (Vec::with_capacity(cap), Vec::with_capacity(cap));
            let mut fresh = vec![];
            let mut adds = added.into_iter().peekable();
            let mut gone = removed.iter().peekable();
            for (i, (row, key)) in rows.into_iter().zip(keys).enumerate() {
                if gone.next_if_eq(&&(i as u32)).is_some() {
                    continue;
                }
                while let Some((k, r)) = adds.next_if(|(k, _)| *k < key) {
                    fresh.push(new_rows.len() as u32);
                    new_rows.push(r);
                    new_keys.push(k);
                }
                remap[i] = new_rows.len() as u32;
                new_rows.push(row);
                new_keys.push(key);
            }
            for (k, r) in adds {
                fresh.push(new_rows.len() as u32);
                new_rows.push(r);
                new_keys.push(k);
            }
            self.keys = new_keys;
            self.moved(&remap, &fresh, new_rows, &mut dirty);
        }
        self.reorder(dirty, structural)
    }
}
