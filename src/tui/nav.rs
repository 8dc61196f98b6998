//! The navigation stack: the pages from the fleet down to a detail, and the keys that move
//! within a page (selection, paging, sort, matrix column, filter typing) or between pages
//! (drill down, back, top-level views, widening a list to every cluster).

use super::outcome::Outcome;
use super::page::Page;
use super::table::Sort;
use super::view::{self, RowKey, Scope, View};
use crate::catalog::{Catalog, EntityRef};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The stack of pages; never empty, the last one is shown.
#[derive(Debug)]
pub struct Nav {
    stack: Vec<Page>,
    /// Warm row caches: of pages left, and of the biggest views built ahead.
    pub(super) shelf: super::warm::Shelf,
    /// A big view opened before its rows were built ahead is built in slices while its page
    /// says so, rather than in one go on the key (the program; tests and benchmarks that
    /// open pages directly build on the spot unless they ask for this).
    pub(super) slice_opens: bool,
}

/// Rows and columns the current page has on screen.
#[derive(Debug, Clone, Copy)]
pub struct Room {
    /// List rows that fit.
    pub height: usize,
    /// Text columns inside the page's borders.
    pub width: usize,
    /// Lines drawn below a detail besides its own (its Events).
    pub below: usize,
}

impl Default for Nav {
    fn default() -> Nav {
        Nav {
            stack: vec![Page::new(View::Fleet)],
            shelf: Default::default(),
            slice_opens: false,
        }
    }
}

impl Nav {
    pub fn page(&self) -> &Page {
        // The stack is never empty: pop refuses to remove the last page.
        &self.stack[self.stack.len() - 1]
    }

    pub fn page_mut(&mut self) -> &mut Page {
        let n = self.stack.len();
        &mut self.stack[n - 1]
    }

    pub fn stack(&self) -> &[Page] {
        &self.stack
    }

    /// Push a page (the app refreshes it).
    pub fn push(&mut self, page: Page) {
        self.stack.push(page);
    }

    /// Go back one page (never past the first).
    pub fn pop(&mut self) -> bool {
        if self.stack.len() <= 1 {
            return false;
        }
        self.retire(self.stack.len() - 1);
        true
    }

    /// Drop the pages from `from` on, their row caches kept warm on the shelf.
    fn retire(&mut self, from: usize) {
        for p in self.stack.drain(from.max(1)..) {
            self.shelf.put(p.view, p.cache);
        }
    }

    /// A page pushed without rows starts from the warm cache of its view, if one is kept;
    /// else a big one waits for its rows, built in slices (when `slice_opens`).
    pub(super) fn adopt(&mut self, cat: &Catalog) {
        let n = self.stack.len();
        let page = &mut self.stack[n - 1];
        page.building = None;
        if page.cache.revision.is_some() {
            return;
        }
        if let Some(c) = self.shelf.take(&page.view) {
            page.cache = c;
            // Described again (a page may have changed its view in place).
            page.path.clear();
        } else if self.slice_opens && self.shelf.start(cat, &page.view) {
            page.building = self.shelf.progress(&page.view);
        }
    }

    /// Build the biggest views' rows ahead until `deadline` (not those open on the stack);
    /// true when there is more to do.
    pub(super) fn warm(&mut self, cat: &Catalog, deadline: std::time::Instant) -> bool {
        let open: Vec<&View> = self.stack.iter().map(|p| &p.view).collect();
        self.shelf.warm(cat, &open, deadline)
    }

    /// Whether rows are to be built ahead.
    pub(super) fn warming(&mut self, cat: &Catalog) -> bool {
        let open: Vec<&View> = self.stack.iter().map(|p| &p.view).collect();
        self.shelf.warming(cat, &open)
    }

    /// Back to the first page.
    pub fn to_first(&mut self) {
        self.retire(1);
    }

    /// Open a top-level view above the fleet: Esc goes back to the fleet.
    pub fn open_top(&mut self, view: View) {
        self.retire(1);
        if self.stack[0].view != view {
            self.stack.push(Page::new(view));
        }
    }

    /// Tab in the matrix: the fleet alone.
    pub fn fleet(&mut self) {
        self.retire(1);
        if self.stack[0].view != View::Fleet {
            let old = std::mem::replace(&mut self.stack[0], Page::new(View::Fleet));
            self.shelf.put(old.view, old.cache);
        }
    }

    /// Esc: clear the filter, else go back.
    pub fn back(&mut self) {
        if !self.page().filter.is_empty() {
            self.page_mut().filter.clear();
        } else {
            self.pop();
        }
    }

    /// The entity the YAML viewer would show: the detail's, or the selected row's.
    pub fn entity(&self) -> Option<EntityRef> {
        let page = self.page();
        match &page.view {
            View::Detail { entity } => Some(entity.clone()),
            _ => match page.selected_key() {
                Some(RowKey::Entity(e)) => Some(e.clone()),
                _ => None,
            },
        }
    }

    /// A key while typing the filter; false when the filter prompt closes.
    pub fn filter_key(&mut self, k: KeyEvent, room: Room) -> bool {
        let page = self.page_mut();
        match k.code {
            KeyCode::Enter => return false,
            KeyCode::Esc => {
                page.filter.clear();
                return false;
            }
            KeyCode::Backspace if page.filter.pop().is_none() => return false,
            KeyCode::Backspace => {}
            KeyCode::Down => move_by(page, 1, room),
            KeyCode::Up => move_by(page, -1, room),
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
                page.filter.push(c);
                // A new pattern starts at its best (first) match.
                page.index = 0;
                page.selected = None;
            }
            _ => {}
        }
        true
    }

    /// A navigation key in normal mode.
    pub fn key(&mut self, cat: &Catalog, k: KeyEvent, room: Room) -> Outcome {
        let page_rows = room.height.saturating_sub(1).max(1) as isize;
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        let is_matrix = self.page().view == View::Matrix;
        let page = self.page_mut();
        match k.code {
            KeyCode::Char('f') if ctrl => move_by(page, page_rows, room),
            KeyCode::Char('b') if ctrl => move_by(page, -page_rows, room),
            _ if ctrl => {}
            KeyCode::Char('j') | KeyCode::Down => move_by(page, 1, room),
            KeyCode::Char('k') | KeyCode::Up => move_by(page, -1, room),
            KeyCode::PageDown => move_by(page, page_rows, room),
            KeyCode::PageUp => move_by(page, -page_rows, room),
            KeyCode::Char('g') | KeyCode::Home => move_by(page, isize::MIN / 2, room),
            KeyCode::Char('G') | KeyCode::End => move_by(page, isize::MAX / 2, room),
            KeyCode::Char('h') | KeyCode::Left if is_matrix => {
                page.column = page.column.saturating_sub(1);
            }
            KeyCode::Char('l') | KeyCode::Right if is_matrix => {
                page.column = (page.column + 1).min(page.cache.envs.len().saturating_sub(1));
            }
            KeyCode::Char('>') => sort_step(page, true),
            KeyCode::Char('<') => sort_step(page, false),
            KeyCode::Char('!') => {
                let s = page.sort.unwrap_or(Sort {
                    column: sort_default(page),
                    reverse: false,
                });
                page.sort = Some(Sort {
                    reverse: !s.reverse,
                    ..s
                });
            }
            KeyCode::Enter => return self.drill(cat),
            KeyCode::Char('d') => {
                let cell = is_matrix.then(|| matrix_cell_workload(cat, page)).flatten();
                if let Some(e) = cell {
                    self.push(Page::new(View::Detail { entity: e }));
                } else if let Some(RowKey::Entity(e)) = page.selected_key().cloned() {
                    self.push(Page::new(View::Detail { entity: e }));
                }
            }
            KeyCode::Char('0') => widen(page),
            KeyCode::Char('m') if !is_matrix => self.open_top(View::Matrix),
            KeyCode::Tab | KeyCode::BackTab if is_matrix => self.fleet(),
            KeyCode::Tab | KeyCode::BackTab => self.open_top(View::Matrix),
            _ => {}
        }
        Outcome::none()
    }

    /// Enter: one level down from the selected row.
    fn drill(&mut self, cat: &Catalog) -> Outcome {
        let page = self.page();
        if page.view == View::Matrix {
            return self.drill_matrix(cat);
        }
        let Some(key) = page.selected_key().cloned() else {
            return Outcome::none();
        };
        let parent_bp = match &key {
            RowKey::Cluster(_) => view::cluster_blueprint(cat),
            RowKey::Entity(e) => Some(e.bp),
            RowKey::Service(_) => None,
        };
        let child = parent_bp.and_then(|b| view::drill_child(cat, b));
        match (child, &key) {
            (Some(child), _) => {
                if let Some(scope) = view::child_scope(cat, child, &key) {
                    self.push(Page::new(View::List { bp: child, scope }));
                }
            }
            (None, RowKey::Entity(e)) if !matches!(page.view, View::Detail { .. }) => {
                let entity = e.clone();
                self.push(Page::new(View::Detail { entity }));
            }
            _ => {}
        }
        Outcome::none()
    }

    /// Enter on a matrix cell: the workloads view of the cell's namespace with its workload
    /// selected, and when the cell has exactly one workload, the pods of it on top.
    fn drill_matrix(&mut self, cat: &Catalog) -> Outcome {
        let page = self.page();
        let Some(RowKey::Service(svc)) = page.selected_key().cloned() else {
            return Outcome::none();
        };
        let Some(env) = page.cache.envs.get(page.column).cloned() else {
            return Outcome::none();
        };
        let Some(rs) = cat.running_service(&svc, &env) else {
            return Outcome::tell(format!("{svc} does not run in {env}"), false);
        };
        let Some(first) = rs.workloads.first().cloned() else {
            return Outcome::none();
        };
        let Some(record) = cat.get(&first) else {
            return Outcome::none();
        };
        let scope = match &record.namespace {
            Some(ns) => Scope::Namespace(first.cluster, Box::from(&**ns)),
            None => Scope::Cluster(first.cluster),
        };
        let list = View::List {
            bp: first.bp,
            scope,
        };
        self.push(Page::with_selected(list, RowKey::Entity(first.clone())));
        if rs.workloads.len() == 1 {
            let key = RowKey::Entity(first.clone());
            if let Some(child) = view::drill_child(cat, first.bp)
                && let Some(scope) = view::child_scope(cat, child, &key)
            {
                self.push(Page::new(View::List { bp: child, scope }));
            }
            Outcome::none()
        } else {
            Outcome::tell(
                format!("{svc} in {env}: {} workloads", rs.workloads.len()),
                false,
            )
        }
    }
}

/// The first workload of the selected matrix cell (its detail shows the running service's
/// connections).
fn matrix_cell_workload(cat: &Catalog, page: &Page) -> Option<EntityRef> {
    let Some(RowKey::Service(svc)) = page.selected_key() else {
        return None;
    };
    let env = page.cache.envs.get(page.column)?;
    cat.running_service(svc, env)?.workloads.first().cloned()
}

fn move_by(page: &mut Page, delta: isize, room: Room) {
    if let View::Detail { .. } = page.view {
        let max = page.cache.detail.as_ref().map_or(0, |d| {
            (d.height(room.width) + room.below).saturating_sub(room.height)
        });
        page.scroll = page.scroll.saturating_add_signed(delta).min(max);
        return;
    }
    let p = page.index.saturating_add_signed(delta);
    page.select(p);
    page.follow(room.height);
}

/// The column a fresh sort starts from: NAME (the service in the matrix).
fn sort_default(p: &Page) -> usize {
    p.cache
        .table
        .columns
        .iter()
        .position(|c| c.title == "NAME" || c.title == "SERVICE")
        .unwrap_or(0)
}

/// Move the sort column right (or left), wrapping through "natural order".
fn sort_step(p: &mut Page, forward: bool) {
    let n = p.cache.table.columns.len();
    if n == 0 {
        return;
    }
    p.sort = match (p.sort, forward) {
        (None, true) => Some(Sort {
            column: 0,
            reverse: false,
        }),
        (None, false) => Some(Sort {
            column: n - 1,
            reverse: false,
        }),
        (Some(s), true) if s.column + 1 < n => Some(Sort {
            column: s.column + 1,
            ..s
        }),
        (Some(s), false) if s.column > 0 => Some(Sort {
            column: s.column - 1,
            ..s
        }),
        _ => None,
    };
}

/// `0`: the same list across every cluster, selection kept.
fn widen(page: &mut Page) {
    let View::List { bp, scope } = &page.view else {
        return;
    };
    if *scope == Scope::All {
        return;
    }
    page.view = View::List {
        bp: *bp,
        scope: Scope::All,
    };
    page.cache = Default::default();
}
