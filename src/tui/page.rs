//! One level of the navigation stack: a view, its selection (kept on the same row key when
//! rows move), filter, sort, scroll, and the [`Cache`] of its rows, refreshed from the
//! catalog by patching what its journal says changed, or rebuilt.

use super::build::{self, Lister};
use super::detail;
use super::filter;
use super::matrix;
use super::rows::Cache;
use super::table::Sort;
use super::view::{self, RowKey, Scope, View};
use crate::blueprint::Record;
use crate::catalog::{Catalog, Since};
use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// One level of the navigation stack.
#[derive(Debug)]
pub struct Page {
    pub view: View,
    /// The selected row's key: selection follows it when rows move.
    pub selected: Option<RowKey>,
    /// Position of the selection among the filtered rows.
    pub index: usize,
    /// First row drawn.
    pub offset: usize,
    pub filter: String,
    pub sort: Option<Sort>,
    /// Matrix: the environment under the cell cursor.
    pub column: usize,
    /// Detail: first line drawn.
    pub scroll: usize,
    /// Detail: the last known record, shown when the entity is deleted.
    pub snapshot: Option<Record>,
    pub cache: Cache,
    /// Where the page is: `prod › payments › checkout-api` (from the last refresh).
    pub path: Vec<String>,
    /// A list-like page's title: what it lists and where (from the last refresh).
    pub heading: (String, String),
    /// Lines shown above a list: the clusters where its kind is forbidden (RBAC) or failing,
    /// with the server's message (from the last refresh).
    pub notices: Vec<String>,
    /// Rows built so far and expected, while the rows of a big view opened before they were
    /// built ahead are built in slices (`super::warm::Shelf::start`); the page shows no rows
    /// until they are all built.
    pub building: Option<(usize, usize)>,
}

impl Page {
    pub fn new(view: View) -> Page {
        Page {
            view,
            selected: None,
            index: 0,
            offset: 0,
            filter: String::new(),
            sort: None,
            column: 0,
            scroll: 0,
            snapshot: None,
            cache: Cache::default(),
            path: vec![],
            heading: (String::new(), String::new()),
            notices: vec![],
            building: None,
        }
    }

    /// A page that starts with `key` selected.
    pub fn with_selected(view: View, key: RowKey) -> Page {
        let mut p = Page::new(view);
        p.selected = Some(key);
        p
    }

    /// Bring the cache up to date with the catalog, sort and filter; keep the selection on the
    /// same key (or its neighbour when the key is gone). When the catalog's journal still
    /// holds every step since the page's revision, a list or the matrix patches only the rows
    /// that changed. Returns true when what the page shows changed.
    pub fn refresh(&mut self, cat: &Catalog, now: i64) -> bool {
        // A page that adopted a warm cache (see `super::warm`) has not described itself yet.
        let moved = self.cache.revision != Some(cat.revision()) || self.path.is_empty();
        if self.building.is_some() {
            // Nothing to show until the rows are built; the heading says how far.
            if moved {
                self.describe(cat);
            }
            return moved;
        }
        let changed = self.refresh_rows(cat, now);
        if moved {
            self.describe(cat);
        }
        changed
    }

    /// The path, heading and notices of the page at the catalog's revision.
    fn describe(&mut self, cat: &Catalog) {
        self.path = match &self.view {
            View::Fleet => vec!["fleet".into()],
            View::Matrix => vec!["running services".into()],
            View::List { scope, .. } => view::scope_path(cat, scope),
            View::Detail { entity } if cat.get(entity).is_some() => view::entity_path(cat, entity),
            View::Detail { entity } => {
                // Deleted: what the snapshot still says.
                let mut p = vec![
                    cat.cluster(entity.cluster)
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                ];
                if let Some(r) = &self.snapshot {
                    p.extend(r.namespace.as_deref().map(str::to_string));
                    p.push(r.name.to_string());
                }
                p
            }
        };
        self.heading = match &self.view {
            View::Fleet => ("contexts".to_string(), String::new()),
            View::Matrix => ("running services".to_string(), String::new()),
            View::List { bp, scope } => {
                let spec = &cat.blueprint(*bp).spec;
                let s = match scope {
                    Scope::All => "all".to_string(),
                    other => view::scope_path(cat, other).join("/"),
                };
                (
                    spec.plural
                        .clone()
                        .unwrap_or_else(|| spec.identifier.clone()),
                    s,
                )
            }
            View::Detail { .. } => (String::new(), String::new()),
        };
        self.notices = match &self.view {
            View::List { bp, scope } => build::source_notices(cat, *bp, scope),
            _ => vec![],
        };
    }

    /// [`Page::refresh`] of the rows and the selection.
    fn refresh_rows(&mut self, cat: &Catalog, now: i64) -> bool {
        let c = &mut self.cache;
        let mut changed = false;
        let mut rebuilt = false;
        if c.revision != Some(cat.revision()) {
            let patched = match c.revision.map(|rev| cat.changes_since(rev)) {
                Some(Since::Steps(steps)) => c.patch(&self.view, cat, &steps),
                _ => None,
            };
            c.revision = Some(cat.revision());
            match patched {
                Some(ch) => changed = ch,
                None => rebuilt = true,
            }
        }
        if rebuilt {
            let mut h = DefaultHasher::new();
            c.lister = None;
            c.keys = vec![];
            c.by_uid = HashMap::new();
            c.service_of = HashMap::new();
            match &self.view {
                View::Fleet => c.table = super::fleet_table::fleet(cat),
                View::Matrix => {
                    let (t, envs, service_of) = matrix::build_all(cat);
                    c.table = t;
                    c.envs = envs;
                    c.service_of = service_of;
                }
                View::List { bp, scope } => {
                    let l = Lister::new(cat, *bp, scope);
                    let (t, keys) = build::list_with(cat, &l);
                    c.table = t;
                    if l.patchable() {
                        c.by_uid = keys
                            .iter()
                            .map(|k| ((k.0, k.3.clone()), k.clone()))
                            .collect();
                        c.keys = keys;
                        c.lister = Some(l);
                    }
                }
                View::Detail { entity } => {
                    if let Some(r) = cat.get(entity) {
                        self.snapshot = Some(r.clone());
                    }
                    c.detail = detail::build(cat, entity, self.snapshot.as_ref(), now);
                    c.detail.hash(&mut h);
                }
            }
            c.texts = filter::Texts::build(&c.table.rows);
            c.table.rows.hash(&mut h);
            c.envs.hash(&mut h);
            let hash = h.finish();
            // A rebuild that produced the same rows changes nothing on screen.
            changed = hash != c.hash;
            c.hash = hash;
        }
        if rebuilt || c.order_sort != self.sort {
            changed |= !rebuilt;
            c.order = c.table.order(self.sort);
            c.order_sort = self.sort;
            c.filter_pattern = None;
        }
        let pattern = self.filter.trim();
        if c.filter_pattern.as_deref() != Some(pattern) {
            changed |= !rebuilt;
            c.filtered = match c.filter_pattern.as_deref() {
                Some(old) if filter::narrows(old, pattern) => {
                    filter::narrow_with(&c.table, &c.texts, &c.filtered, old, pattern)
                }
                _ => filter::apply_with(&c.table, &c.texts, &c.order, pattern),
            };
            c.filter_pattern = Some(pattern.to_string());
        }
        self.reselect();
        changed
    }

    /// Keep `selected` and `index` consistent with the filtered rows.
    fn reselect(&mut self) {
        let rows = self.cache.filtered.rows();
        let table = &self.cache.table;
        let key_at = |p: usize| {
            rows.get(p)
                .and_then(|&i| table.rows.get(i as usize))
                .map(|r| &r.key)
        };
        if rows.is_empty() {
            self.index = 0;
            return;
        }
        if let Some(key) = &self.selected {
            if key_at(self.index) == Some(key) {
                return;
            }
            if let Some(p) = (0..rows.len()).find(|&p| key_at(p) == Some(key)) {
                self.index = p;
                return;
            }
        }
        // Gone (or never set): the row now at the same position, or the last one.
        self.index = self.index.min(rows.len() - 1);
        self.selected = key_at(self.index).cloned();
    }

    /// Number of rows after filtering.
    pub fn len(&self) -> usize {
        self.cache.filtered.rows().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Move the selection to position `p` (clamped).
    pub fn select(&mut self, p: usize) {
        if self.is_empty() {
            self.index = 0;
            return;
        }
        self.index = p.min(self.len() - 1);
        let table = &self.cache.table;
        self.selected = self
            .cache
            .filtered
            .rows()
            .get(self.index)
            .and_then(|&i| table.rows.get(i as usize))
            .map(|r| r.key.clone());
    }

    /// The selected row's key.
    pub fn selected_key(&self) -> Option<&RowKey> {
        if self.is_empty() {
            None
        } else {
            self.selected.as_ref()
        }
    }

    /// Scroll so the selection is within `height` rows.
    pub fn follow(&mut self, height: usize) {
        let height = height.max(1);
        if self.index < self.offset {
            self.offset = self.index;
        } else if self.index >= self.offset + height {
            self.offset = self.index + 1 - height;
        }
        self.offset = self.offset.min(self.len().saturating_sub(height));
    }
}
