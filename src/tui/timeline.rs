//! The `t` layer: the change timeline of the selection, newest first — a matrix row is the
//! service across every environment (`e` narrows it to the cell's environment), a workload
//! its own changes and its pods', a pod its own. Entries come from the timeline's store,
//! asked through an effect; the layer shows them when the answer arrives.

use super::msg::Effect;
use super::outcome::{Ids, Outcome};
use super::page::Page;
use super::view::{RowKey, View};
use crate::catalog::{Catalog, EntityRef};
use crate::timeline::{Entry, Query};
use crossterm::event::{KeyCode, KeyEvent};

/// What the layer shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    Loading,
    Failed(String),
    Entries(Vec<Entry>),
}

/// The timeline layer's state.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineView {
    /// Which query the shown entries answer (replies to older ones are dropped).
    pub id: u64,
    pub title: String,
    pub query: Query,
    /// The matrix cell's environment: `e` narrows a service's timeline to it.
    pub cell_env: Option<String>,
    pub shown: Shown,
    pub scroll: usize,
}

impl TimelineView {
    /// Ask again (after `e`, `r`).
    fn ask(&mut self, ids: &mut Ids) -> Effect {
        self.id = ids.fresh();
        self.shown = Shown::Loading;
        self.scroll = 0;
        Effect::Timeline {
            view: self.id,
            query: self.query.clone(),
        }
    }

    /// The store answered.
    pub fn answered(&mut self, id: u64, result: Result<Vec<Entry>, String>) -> bool {
        if id != self.id {
            return false;
        }
        self.shown = match result {
            Ok(e) => Shown::Entries(e),
            Err(e) => Shown::Failed(e),
        };
        true
    }

    fn len(&self) -> usize {
        match &self.shown {
            Shown::Entries(e) => e.len(),
            _ => 0,
        }
    }

    /// A key; the outcome closes the layer on `Esc`, `q`, `t`.
    pub fn key(&mut self, k: KeyEvent, ids: &mut Ids, height: u16) -> Outcome {
        let page = usize::from(height.saturating_sub(4)).max(1);
        let last = self.len().saturating_sub(1);
        match k.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('t') => {
                return Outcome::none().close();
            }
            KeyCode::Char('j') | KeyCode::Down => self.scroll = (self.scroll + 1).min(last),
            KeyCode::Char('k') | KeyCode::Up => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::PageDown => self.scroll = (self.scroll + page).min(last),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(page),
            KeyCode::Char('g') | KeyCode::Home => self.scroll = 0,
            KeyCode::Char('G') | KeyCode::End => self.scroll = last,
            KeyCode::Char('r') => return Outcome::effects(vec![self.ask(ids)]),
            KeyCode::Char('e') => {
                let Some(env) = self.cell_env.clone() else {
                    return Outcome::tell(
                        "e: only a matrix row's timeline has environments",
                        false,
                    );
                };
                let narrowing = self.query.env.is_none();
                self.query.env = narrowing.then(|| env.clone());
                let service = self.query.service.clone().unwrap_or_default();
                self.title = if narrowing {
                    format!("{service} in {env}")
                } else {
                    format!("{service} in every environment")
                };
                return Outcome::effects(vec![self.ask(ids)]);
            }
            _ => {}
        }
        Outcome::none()
    }
}

/// The timeline of what the page has selected, and the effect asking for it.
pub fn open(cat: &Catalog, page: &Page, ids: &mut Ids) -> Result<(TimelineView, Effect), String> {
    let (title, query, cell_env) = match (&page.view, page.selected_key()) {
        (View::Matrix, Some(RowKey::Service(s))) => (
            format!("{s} in every environment"),
            Query {
                service: Some(s.to_string()),
                ..Query::default()
            },
            page.cache.envs.get(page.column).map(|e| e.to_string()),
        ),
        (View::Detail { entity }, _) => of_entity(cat, entity)?,
        (_, Some(RowKey::Entity(e))) => of_entity(cat, e)?,
        _ => return Err("t: select a running service, a workload or a pod".into()),
    };
    let mut v = TimelineView {
        id: 0,
        title,
        query,
        cell_env,
        shown: Shown::Loading,
        scroll: 0,
    };
    let fx = v.ask(ids);
    Ok((v, fx))
}

/// A workload: its entries and its pods' (by owner); anything else: its own (by name).
fn of_entity(cat: &Catalog, e: &EntityRef) -> Result<(String, Query, Option<String>), String> {
    let r = cat
        .get(e)
        .ok_or_else(|| "t: the object is gone".to_string())?;
    let context = cat.cluster(e.cluster).map(|c| c.name.clone());
    let bp = cat.blueprint(e.bp);
    if bp.spec.timeline.is_none() {
        return Err(format!(
            "t: no timeline for {} (select a running service, a workload or a pod)",
            bp.spec.title
        ));
    }
    let kind = bp
        .spec
        .sources
        .get(r.source as usize)
        .map_or(bp.spec.title.as_str(), |s| s.kind.as_str());
    let ns = r.namespace.as_deref().unwrap_or_default();
    let title = format!(
        "{kind} {}/{ns}/{}",
        context.as_deref().unwrap_or_default(),
        r.name
    );
    let workload = Some(e.bp) == cat.workload_blueprint();
    let query = Query {
        context,
        namespace: Some(ns.to_string()),
        owner: workload.then(|| r.name.to_string()),
        name: (!workload).then(|| r.name.to_string()),
        ..Query::default()
    };
    Ok((title, query, None))
}
