//! The TUI's state: a stack of pages (each a view plus its selection, filter, sort and a cache
//! of its rows keyed by catalog revision), the input mode, overlays, the logs view, actions in
//! flight, rollouts and the status message.

use super::act::Batch;
use super::act::dialog::Dialog;
use super::act::policy::Policy;
use super::act::rollout::Rollout;
use super::build::{self, Lister, NaturalKey};
use super::detail::{self, Detail};
use super::filter::{self, Filtered};
use super::format;
use super::logs::LogView;
use super::matrix;
use super::table::{ColKind, Row, Sort, Table};
use super::theme::Theme;
use super::view::{RowKey, View};
use super::yaml::YamlView;
use crate::blueprint::Record;
use crate::catalog::{Catalog, Change, ClusterId, ClusterStatus, EntityRef};
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

/// Rows of the screen that are not list rows: header, status line, the block's two borders
/// and the column header.
pub const CHROME_ROWS: u16 = 5;
/// Notice lines drawn above a list at most.
pub const MAX_NOTICES: usize = 3;

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
    order: Vec<u32>,
    order_sort: Option<Sort>,
    pub filtered: Filtered,
    /// The rows' text, contiguous, for the filter.
    texts: filter::Texts,
    /// The (trimmed) pattern `filtered` was computed with.
    filter_pattern: Option<String>,
    /// Hash of what the page shows, to tell whether a rebuild changed anything.
    hash: u64,
    /// Lists whose rows can be patched per changed entity: the row projector, each row's
    /// natural key (rows are in natural order) and the key of each (cluster, uid).
    lister: Option<Lister>,
    keys: Vec<NaturalKey>,
    by_uid: HashMap<(ClusterId, Box<str>), NaturalKey>,
    /// Matrix only: the service of each workload (cluster, uid) the rows were built from.
    service_of: HashMap<(ClusterId, Box<str>), Arc<str>>,
}

/// What one catalog change touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Touch {
    Entity(EntityRef),
    /// A cluster's state, version or source status.
    Cluster,
    /// Many entities at once (a resync).
    Wide,
}

impl Touch {
    pub fn of(c: &Change) -> Touch {
        match c {
            Change::Apply { cluster, record } => Touch::Entity(EntityRef {
                cluster: *cluster,
                bp: record.blueprint,
                uid: record.uid.clone(),
            }),
            Change::Delete { cluster, bp, uid } => Touch::Entity(EntityRef {
                cluster: *cluster,
                bp: *bp,
                uid: uid.clone(),
            }),
            Change::Cluster { .. } | Change::ServerVersion { .. } | Change::Source { .. } => {
                Touch::Cluster
            }
            Change::Resync { .. } => Touch::Wide,
        }
    }
}

/// The changes folded into the catalog since the pages were last refreshed, so the current
/// page can patch the rows of the entities that changed instead of re-projecting all. Only
/// used when it accounts for every revision step since the page's revision.
#[derive(Debug, Clone, Default)]
pub struct ChangeLog {
    /// Catalog revision before the first noted change.
    pub from: u64,
    /// Noted changes that moved the revision.
    pub moved: u64,
    pub entities: Vec<EntityRef>,
    pub clusters: bool,
    pub wide: bool,
}

impl ChangeLog {
    /// Note a change applied at revision `before` (`moved`: `Catalog::apply` returned true).
    pub fn note(&mut self, before: u64, touch: Touch, moved: bool) {
        if !moved {
            return;
        }
        if self.moved == 0 {
            self.from = before;
        }
        self.moved += 1;
        match touch {
            Touch::Entity(e) => self.entities.push(e),
            Touch::Cluster => self.clusters = true,
            Touch::Wide => self.wide = true,
        }
    }

    /// Whether this log is every change from revision `from` to `to`.
    pub fn covers(&self, from: u64, to: u64) -> bool {
        self.moved > 0 && self.from == from && self.from + self.moved == to
    }
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
    /// Bring the rows up to date with the changes in `log` without re-projecting the
    /// unchanged ones. None when the page needs a full rebuild; else whether anything shown
    /// changed.
    fn patch(&mut self, view: &View, cat: &Catalog, log: &ChangeLog) -> Option<bool> {
        if log.wide {
            return None;
        }
        match view {
            // The matrix reads workloads, namespaces (environment labels) and clusters only;
            // a row reads the workloads of its service only.
            View::Matrix => {
                let from = cat.workload_blueprint();
                let ns = from.and_then(|w| super::view::namespace_blueprint(cat, w));
                if log.clusters || log.entities.iter().any(|e| Some(e.bp) == ns) {
                    return None;
                }
                let mut touched: Vec<&EntityRef> =
                    log.entities.iter().filter(|e| Some(e.bp) == from).collect();
                if touched.is_empty() {
                    return Some(false);
                }
                touched.sort_unstable();
                touched.dedup();
                self.patch_matrix(cat, &touched)
            }
            View::List { .. } => self.patch_list(cat, log),
            View::Fleet | View::Detail { .. } => None,
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
        fix(&mut self.filtered.rows);
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
        self.filtered.rows.retain(|i| !is_dirty(i));
        let t = &self.table;
        let sort = self.order_sort;
        let cmp = |a: u32, b: u32| t.order_cmp(sort, a, b);
        let mut add = dirty.clone();
        add.sort_by(|&a, &b| cmp(a, b));
        self.order = merge(&self.order, &add, cmp);
        if let Some(p) = &self.filter_pattern {
            let pat = filter::Pattern::new(p);
            add.retain(|&i| pat.matches(&t.rows[i as usize]));
            self.filtered.rows = merge(&self.filtered.rows, &add, cmp);
        }
        self.table.widen(&dirty);
        self.texts.compact(&self.table.rows);
        Some(true)
    }

    fn patch_list(&mut self, cat: &Catalog, log: &ChangeLog) -> Option<bool> {
        let l = self.lister.as_ref()?;
        let mut touched: Vec<&EntityRef> = log.entities.iter().filter(|e| e.bp == l.bp).collect();
        touched.sort_unstable();
        touched.dedup();
        if touched.len() > self.table.rows.len() / 4 + 64 {
            return None;
        }
        let same = |k: &NaturalKey, cl: ClusterId, r: &crate::blueprint::Record| {
            k.0 == cl && k.1 == r.namespace && k.2 == r.name && k.3 == r.uid
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
        }
    }

    /// A page that starts with `key` selected.
    pub fn with_selected(view: View, key: RowKey) -> Page {
        let mut p = Page::new(view);
        p.selected = Some(key);
        p
    }

    /// Bring the cache up to date with the catalog, sort and filter; keep the selection on the
    /// same key (or its neighbour when the key is gone). `log`, when it holds every change
    /// since the page's revision, lets a list patch only the rows that changed. Returns true
    /// when what the page shows changed.
    pub fn refresh(&mut self, cat: &Catalog, now: i64, log: Option<&ChangeLog>) -> bool {
        let c = &mut self.cache;
        let mut changed = false;
        let mut rebuilt = false;
        if c.revision != Some(cat.revision()) {
            let patched = match (log, c.revision) {
                (Some(log), Some(rev)) if log.covers(rev, cat.revision()) => {
                    c.patch(&self.view, cat, log)
                }
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
                View::Fleet => c.table = build::fleet(cat),
                View::Matrix => {
                    let (t, envs) = matrix::build(cat);
                    c.table = t;
                    c.envs = envs;
                    if let Some(from) = cat.workload_blueprint() {
                        c.service_of = cat
                            .entities(from)
                            .filter_map(|(cluster, r)| {
                                let e = EntityRef {
                                    cluster,
                                    bp: from,
                                    uid: r.uid.clone(),
                                };
                                let svc = cat.group_of(&e)?.0;
                                Some(((cluster, e.uid), svc))
                            })
                            .collect();
                    }
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
            let narrow = c
                .filter_pattern
                .as_deref()
                .is_some_and(|old| filter::narrows(old, pattern));
            let base = if narrow { &c.filtered.rows } else { &c.order };
            c.filtered = filter::apply_with(&c.table, &c.texts, base, pattern);
            c.filter_pattern = Some(pattern.to_string());
        }
        self.reselect();
        changed
    }

    /// Keep `selected` and `index` consistent with the filtered rows.
    fn reselect(&mut self) {
        let rows = &self.cache.filtered.rows;
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
        self.cache.filtered.rows.len()
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
            .rows
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

/// A one-line text input (`:` command, `/` filter).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prompt {
    pub input: String,
    /// Tab completion in progress: the candidates and the one shown.
    pub completion: Option<(Vec<String>, usize)>,
}

/// What keys go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing a `:` command.
    Command(Prompt),
    /// Typing the `/` filter of the current page (kept in the page).
    Filter,
}

/// A layer drawn over the page.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help,
    Yaml(YamlView),
    /// Inputs and confirmation of a mutating action.
    Dialog(Dialog),
}

/// The line at the bottom: the last thing worth telling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// The whole TUI state. One owner: the TUI task.
#[derive(Debug)]
pub struct App {
    /// Never empty; the last page is shown.
    pub stack: Vec<Page>,
    pub mode: Mode,
    pub overlay: Option<Overlay>,
    pub message: Option<Message>,
    pub theme: Theme,
    pub demo: bool,
    /// `--readonly`: every context.
    pub readonly: bool,
    /// Which contexts are read-only or protected.
    pub policy: Policy,
    /// What the server lets the user do (access reviews), asked before confirming.
    pub access: super::act::access::AccessState,
    /// The logs view, drawn over the page while open.
    pub logs: Option<LogView>,
    /// Actions sent and not fully answered, by batch id.
    pub batches: BTreeMap<u64, Batch>,
    /// Rollouts followed after a restart or redeploy.
    pub rollouts: Vec<Rollout>,
    /// `:crash-test` panics (only when `KUBEATLAS_CRASH_TEST=1`).
    pub crash_test: bool,
    /// Last id handed out (action batches, log streams).
    ids: u64,
    /// Seconds since the epoch, for ages.
    pub now: i64,
    pub width: u16,
    pub height: u16,
    /// Animation frame counter (spinners).
    pub frame: usize,
    /// Set by updates that changed what is drawn; cleared by the runtime when it draws.
    pub dirty: bool,
    pub quit: bool,
    /// Hash of the cluster statuses shown in the status line.
    status_hash: u64,
    /// Notice lines above the current list (kinds forbidden or failing), see
    /// [`App::notices`].
    pub notices: usize,
    /// Changes folded since the last refresh (see [`App::apply_change`]).
    pub changes: ChangeLog,
}

impl App {
    pub fn new(theme: Theme, demo: bool, readonly: bool, now: i64) -> App {
        App {
            stack: vec![Page::new(View::Fleet)],
            mode: Mode::Normal,
            overlay: None,
            message: None,
            theme,
            demo,
            readonly,
            policy: Policy::global(readonly),
            access: Default::default(),
            logs: None,
            batches: BTreeMap::new(),
            rollouts: vec![],
            crash_test: false,
            ids: 0,
            now,
            width: 80,
            height: 24,
            frame: 0,
            dirty: true,
            quit: false,
            status_hash: 0,
            changes: ChangeLog::default(),
            notices: 0,
        }
    }

    /// A fresh id (never 0).
    pub fn next_id(&mut self) -> u64 {
        self.ids += 1;
        self.ids
    }

    pub fn page(&self) -> &Page {
        // The stack is never empty: pop refuses to remove the last page.
        &self.stack[self.stack.len() - 1]
    }

    pub fn page_mut(&mut self) -> &mut Page {
        let n = self.stack.len();
        &mut self.stack[n - 1]
    }

    /// List rows that fit on the screen.
    pub fn list_height(&self) -> usize {
        let prompt = u16::from(!matches!(self.mode, Mode::Normal));
        let notices = self.notices.min(MAX_NOTICES) as u16;
        self.height
            .saturating_sub(CHROME_ROWS + prompt + notices)
            .max(1) as usize
    }

    /// Lines shown above the current list: the clusters where its kind is forbidden (RBAC)
    /// or failing, with the server's message.
    pub fn notices(&self, cat: &Catalog) -> Vec<String> {
        match &self.page().view {
            View::List { bp, scope } => build::source_notices(cat, *bp, scope),
            _ => vec![],
        }
    }

    /// Refresh the current page and the status line from the catalog; mark dirty on change.
    pub fn refresh(&mut self, cat: &Catalog) {
        let now = self.now;
        self.notices = self.notices(cat).len();
        let height = self.list_height();
        let log = std::mem::take(&mut self.changes);
        let page = self.page_mut();
        let changed = page.refresh(cat, now, Some(&log));
        page.follow(height);
        let mut h = DefaultHasher::new();
        for c in cat.clusters() {
            (&c.name, build::cluster_status_text(cat, c), &c.version).hash(&mut h);
        }
        let status = h.finish();
        if changed || status != self.status_hash {
            self.dirty = true;
        }
        self.status_hash = status;
    }

    /// Fold a change into the catalog, noting what it touched so the next refresh patches
    /// only those rows. Returns whether the catalog changed.
    pub fn apply_change(&mut self, cat: &mut Catalog, change: Change) -> bool {
        let before = cat.revision();
        let touch = Touch::of(&change);
        let moved = cat.apply(change);
        self.changes.note(before, touch, moved);
        moved
    }

    /// Show a message in the status line.
    pub fn tell(&mut self, text: impl Into<String>, error: bool) {
        self.message = Some(Message {
            text: text.into(),
            error,
        });
        self.dirty = true;
    }

    /// Push a page and bring it up to date.
    pub fn push(&mut self, page: Page, cat: &Catalog) {
        self.stack.push(page);
        self.refresh(cat);
        self.dirty = true;
    }

    /// Go back one page (never past the first).
    pub fn pop(&mut self, cat: &Catalog) -> bool {
        if self.stack.len() <= 1 {
            return false;
        }
        self.stack.pop();
        self.refresh(cat);
        self.dirty = true;
        true
    }

    /// Something animates: a cluster connecting or syncing, a YAML fetch or an action in
    /// flight.
    pub fn spinning(&self, cat: &Catalog) -> bool {
        let yaml_loading = matches!(&self.overlay, Some(Overlay::Yaml(y)) if y.content == super::yaml::Content::Loading);
        yaml_loading
            || !self.batches.is_empty()
            || cat
                .clusters()
                .iter()
                .any(|c| matches!(c.status, ClusterStatus::Connecting | ClusterStatus::Syncing))
    }

    /// When the screen next changes by itself: a spinner frame, or an age shown on screen
    /// turning into another text. None when nothing on screen moves.
    pub fn next_tick(&self, cat: &Catalog) -> Option<Duration> {
        if self.spinning(cat) {
            return Some(Duration::from_millis(150));
        }
        if !self.rollouts.is_empty() {
            // Finished rollouts leave the screen after a few seconds.
            return Some(Duration::from_secs(1));
        }
        let page = self.page();
        let c = &page.cache;
        let mut soonest: Option<i64> = None;
        let mut note = |created: i64| {
            if let Some(s) = format::age_changes_in(created, self.now) {
                soonest = Some(soonest.map_or(s, |x| x.min(s)));
            }
        };
        if let View::Detail { .. } = page.view {
            if let Some(r) = &page.snapshot {
                note(r.created);
            }
        } else {
            let ages: Vec<usize> = c
                .table
                .columns
                .iter()
                .enumerate()
                .filter(|(_, col)| col.kind == ColKind::Age)
                .map(|(i, _)| i)
                .collect();
            if !ages.is_empty() {
                let end = (page.offset + self.list_height()).min(page.len());
                for &ri in c.filtered.rows.get(page.offset..end).unwrap_or_default() {
                    let Some(row) = c.table.rows.get(ri as usize) else {
                        continue;
                    };
                    for &a in &ages {
                        if let Some(n) = row.cells.get(a).and_then(|x| x.num) {
                            note(n);
                        }
                    }
                }
            }
        }
        soonest.map(|s| Duration::from_secs(s.max(1) as u64))
    }
}
