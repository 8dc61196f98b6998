//! The generic resource layer: any resource a context serves, opened from `:` when no
//! blueprint has that name (`:certificates`, `:ing`, `:databases.example.com`). It lists the
//! resource in every context that serves it (or the one context / namespace given), with the
//! columns the server prints (Table form), followed by the effect runner only while the layer
//! is open: closing it stops the watchers and drops every row. Nothing goes into the catalog.

use super::outcome::Outcome;
use crate::actions::ObjectAddress;
use crate::blueprint::BpId;
use crate::catalog::{ClusterId, EntityRef};
use crate::fleet::table::{Change, Column, Row};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;

/// The blueprint id of objects that are not in the catalog (a generic resource's rows), in
/// the [`EntityRef`]s that dialogs and replies carry.
pub const UNCATALOGED: BpId = BpId(u16::MAX);

pub use crate::fleet::table::Followed;

/// One object shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub cluster: ClusterId,
    pub context: String,
    pub row: Row,
}

/// The layer's state.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceView {
    /// Which follow the rows belong to (replies of an older one are dropped).
    pub id: u64,
    /// `certificates.cert-manager.io`
    pub title: String,
    /// `all`, `prod`, `prod/shop`.
    pub scope: String,
    pub followed: Vec<Followed>,
    /// The columns each context's server prints.
    pub columns: BTreeMap<ClusterId, Vec<Column>>,
    /// Every object, sorted by context, namespace, name.
    pub rows: Vec<Shown>,
    /// Contexts that have answered at least once.
    pub answered: Vec<ClusterId>,
    /// Why a context could not be read (its last failure).
    pub errors: BTreeMap<ClusterId, String>,
    pub filter: String,
    pub typing: bool,
    /// Indices into `rows` that pass the filter.
    pub visible: Vec<usize>,
    /// Position in `visible`.
    pub selected: usize,
    pub offset: usize,
}

impl ResourceView {
    pub fn new(id: u64, title: String, scope: String, followed: Vec<Followed>) -> ResourceView {
        ResourceView {
            id,
            title,
            scope,
            followed,
            columns: BTreeMap::new(),
            rows: vec![],
            answered: vec![],
            errors: BTreeMap::new(),
            filter: String::new(),
            typing: false,
            visible: vec![],
            selected: 0,
            offset: 0,
        }
    }

    /// Whether every followed context answered (rows or an error).
    pub fn loading(&self) -> bool {
        self.followed
            .iter()
            .any(|f| !self.answered.contains(&f.cluster))
    }

    /// The resource of a context's rows.
    pub fn resource(&self, cluster: ClusterId) -> Option<&Followed> {
        self.followed.iter().find(|f| f.cluster == cluster)
    }

    /// Whether a NAMESPACE column is shown: a namespaced resource read in every namespace.
    pub fn shows_namespace(&self) -> bool {
        self.followed
            .iter()
            .any(|f| f.res.namespaced && f.namespace.is_none())
    }

    /// The server's columns shown (priority 0, as `kubectl get`), in the order the first
    /// context prints them, then any another context adds.
    pub fn shown_columns(&self) -> Vec<String> {
        let mut out: Vec<String> = vec![];
        for cols in self.columns.values() {
            for c in cols.iter().filter(|c| c.priority == 0) {
                if !out.contains(&c.name) {
                    out.push(c.name.clone());
                }
            }
        }
        out
    }

    /// The cells of `s` under `names` (a context whose server lacks a column shows empty).
    pub fn cells(&self, s: &Shown, names: &[String]) -> Vec<String> {
        let cols = self.columns.get(&s.cluster);
        names
            .iter()
            .map(|n| {
                cols.and_then(|c| c.iter().position(|c| &c.name == n))
                    .and_then(|i| s.row.cells.get(i).cloned())
                    .unwrap_or_default()
            })
            .collect()
    }

    /// The selected object.
    pub fn selection(&self) -> Option<&Shown> {
        self.rows.get(*self.visible.get(self.selected)?)
    }

    /// The selected object's address and the reference dialogs and replies carry.
    pub fn address(&self) -> Option<(EntityRef, ObjectAddress, &Followed)> {
        let s = self.selection()?;
        let f = self.resource(s.cluster)?;
        let entity = EntityRef {
            cluster: s.cluster,
            bp: UNCATALOGED,
            uid: s.row.uid.clone().into(),
        };
        let address = ObjectAddress {
            cluster: s.cluster,
            context: s.context.clone(),
            group: f.res.group.clone(),
            version: f.res.version.clone(),
            kind: f.res.kind.clone(),
            plural: f.res.plural.clone(),
            namespace: s.row.namespace.clone(),
            name: s.row.name.clone(),
            uid: s.row.uid.clone(),
        };
        Some((entity, address, f))
    }

    /// The printed columns of the selection, as `NAME: value` pairs (the describe view's head).
    pub fn described(&self) -> Vec<(String, String)> {
        let Some(s) = self.selection() else {
            return vec![];
        };
        let cols = self.columns.get(&s.cluster).cloned().unwrap_or_default();
        cols.iter()
            .zip(&s.row.cells)
            .map(|(c, v)| (c.name.clone(), v.clone()))
            .collect()
    }

    /// A change from one context; true when something shown changed.
    pub fn apply(&mut self, view: u64, cluster: ClusterId, change: Change) -> bool {
        if view != self.id {
            return false;
        }
        let Some(context) = self.resource(cluster).map(|f| f.context.clone()) else {
            return false;
        };
        if !self.answered.contains(&cluster) {
            self.answered.push(cluster);
        }
        let keep = self.selection().map(|s| (s.cluster, s.row.uid.clone()));
        match change {
            Change::Reset(t) => {
                self.errors.remove(&cluster);
                if !t.columns.is_empty() {
                    self.columns.insert(cluster, t.columns);
                }
                self.rows.retain(|s| s.cluster != cluster);
                self.rows.extend(t.rows.into_iter().map(|row| Shown {
                    cluster,
                    context: context.clone(),
                    row,
                }));
            }
            Change::Upsert(rows, columns) => {
                if !columns.is_empty() {
                    self.columns.insert(cluster, columns);
                }
                for row in rows {
                    match self
                        .rows
                        .iter_mut()
                        .find(|s| s.cluster == cluster && s.row.uid == row.uid)
                    {
                        Some(s) => s.row = row,
                        None => self.rows.push(Shown {
                            cluster,
                            context: context.clone(),
                            row,
                        }),
                    }
                }
            }
            Change::Delete(uids) => self
                .rows
                .retain(|s| !(s.cluster == cluster && uids.contains(&s.row.uid))),
            Change::Failed(e) => {
                self.errors.insert(cluster, e);
            }
        }
        self.rows.sort_by(|a, b| {
            (&a.context, &a.row.namespace, &a.row.name).cmp(&(
                &b.context,
                &b.row.namespace,
                &b.row.name,
            ))
        });
        self.refilter();
        if let Some((c, uid)) = keep
            && let Some(p) = self.visible.iter().position(|&i| {
                self.rows
                    .get(i)
                    .is_some_and(|s| s.cluster == c && s.row.uid == uid)
            })
        {
            self.selected = p;
        }
        true
    }

    /// Recompute which rows pass the filter (a case-insensitive substring of any cell, the
    /// context or the namespace).
    fn refilter(&mut self) {
        let f = self.filter.to_lowercase();
        self.visible = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                f.is_empty()
                    || s.context.to_lowercase().contains(&f)
                    || s.row.name.to_lowercase().contains(&f)
                    || s.row
                        .namespace
                        .as_deref()
                        .is_some_and(|n| n.to_lowercase().contains(&f))
                    || s.row.cells.iter().any(|c| c.to_lowercase().contains(&f))
            })
            .map(|(i, _)| i)
            .collect();
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
    }

    /// Keep the selection on screen (`height` list rows).
    pub fn follow(&mut self, height: usize) {
        let h = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + h {
            self.offset = self.selected + 1 - h;
        }
    }

    /// Moving, the `/` filter and closing; the app handles `y`, `d`, `s`, `ctrl-d` and `:`.
    pub fn key(&mut self, k: KeyEvent, height: u16) -> Outcome {
        let rows = usize::from(height.saturating_sub(6)).max(1);
        if self.typing {
            match k.code {
                KeyCode::Esc => {
                    self.typing = false;
                    self.filter.clear();
                }
                KeyCode::Enter => self.typing = false,
                KeyCode::Backspace => {
                    self.filter.pop();
                }
                KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
                    self.filter.push(c);
                }
                _ => {}
            }
            self.refilter();
            self.follow(rows);
            return Outcome::none();
        }
        let last = self.visible.len().saturating_sub(1);
        match k.code {
            KeyCode::Esc if !self.filter.is_empty() => {
                self.filter.clear();
                self.refilter();
            }
            KeyCode::Esc | KeyCode::Char('q') => return Outcome::none().close(),
            KeyCode::Char('/') => self.typing = true,
            KeyCode::Char('j') | KeyCode::Down => self.selected = (self.selected + 1).min(last),
            KeyCode::Char('k') | KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::PageDown => self.selected = (self.selected + rows).min(last),
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(rows),
            KeyCode::Char('g') | KeyCode::Home => self.selected = 0,
            KeyCode::Char('G') | KeyCode::End => self.selected = last,
            _ => {}
        }
        self.follow(rows);
        Outcome::none()
    }
}

/// The text of the describe view: the printed columns, then the object (sanitized YAML).
pub fn describe(head: &[(String, String)], yaml: &str) -> String {
    let width = head.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    let mut out = String::new();
    for (k, v) in head {
        out.push_str(&format!("{:<width$} {v}\n", format!("{k}:")));
    }
    if !head.is_empty() {
        out.push('\n');
    }
    out.push_str(yaml);
    out
}
