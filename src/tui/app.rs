//! The TUI's state: a stack of pages (each a view plus its selection, filter, sort and a cache
//! of its rows keyed by catalog revision), the input mode, overlays, the logs view, actions in
//! flight, rollouts and the status message.

use super::act::Batch;
use super::act::dialog::Dialog;
use super::act::policy::Policy;
use super::act::rollout::Rollout;
use super::build::{self, status_text};
use super::detail::{self, Detail};
use super::filter::{self, Filtered};
use super::format;
use super::logs::LogView;
use super::matrix;
use super::table::{ColKind, Sort, Table};
use super::theme::Theme;
use super::view::{RowKey, View};
use super::yaml::YamlView;
use crate::blueprint::Record;
use crate::catalog::{Catalog, ClusterStatus};
use std::collections::BTreeMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

/// Rows of the screen that are not list rows: header, status line, the block's two borders
/// and the column header.
pub const CHROME_ROWS: u16 = 5;

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
    filter_pattern: Option<String>,
    /// Hash of what the page shows, to tell whether a rebuild changed anything.
    hash: u64,
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
    /// same key (or its neighbour when the key is gone). Returns true when what the page shows
    /// changed.
    pub fn refresh(&mut self, cat: &Catalog, now: i64) -> bool {
        let c = &mut self.cache;
        let mut changed = false;
        let mut rebuilt = false;
        if c.revision != Some(cat.revision()) {
            c.revision = Some(cat.revision());
            rebuilt = true;
            let mut h = DefaultHasher::new();
            match &self.view {
                View::Fleet => c.table = build::fleet(cat),
                View::Matrix => {
                    let (t, envs) = matrix::build(cat);
                    c.table = t;
                    c.envs = envs;
                }
                View::List { bp, scope } => c.table = build::list(cat, *bp, scope),
                View::Detail { entity } => {
                    if let Some(r) = cat.get(entity) {
                        self.snapshot = Some(r.clone());
                    }
                    c.detail = detail::build(cat, entity, self.snapshot.as_ref(), now);
                    c.detail.hash(&mut h);
                }
            }
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
        if c.filter_pattern.as_deref() != Some(self.filter.as_str()) {
            changed |= !rebuilt;
            c.filtered = filter::apply(&c.table, &c.order, &self.filter);
            c.filter_pattern = Some(self.filter.clone());
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
        self.height.saturating_sub(CHROME_ROWS + prompt).max(1) as usize
    }

    /// Refresh the current page and the status line from the catalog; mark dirty on change.
    pub fn refresh(&mut self, cat: &Catalog) {
        let now = self.now;
        let height = self.list_height();
        let page = self.page_mut();
        let changed = page.refresh(cat, now);
        page.follow(height);
        let mut h = DefaultHasher::new();
        for c in cat.clusters() {
            (&c.name, status_text(&c.status), &c.version).hash(&mut h);
        }
        let status = h.finish();
        if changed || status != self.status_hash {
            self.dirty = true;
        }
        self.status_hash = status;
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
