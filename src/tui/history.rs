//! The rollout history layer (`u` on a workload or a matrix cell): the revisions of one
//! workload, fetched on demand when it opens (never kept in the catalog) — revision, age,
//! images, change-cause, replicas, the current one marked. Enter on a revision opens the
//! undo's confirmation (the dialog prepared by the action checks: read-only, access review,
//! protected context); a read-only or denied context shows the history without undo.

use super::act::dialog::Dialog;
use super::msg::Effect;
use super::outcome::{Message, Outcome};
use crate::actions::Action;
use crate::actions::history::Revision;
use crate::catalog::EntityRef;
use crossterm::event::{KeyCode, KeyEvent};

/// What the layer holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    Loading,
    Revisions(Vec<Revision>),
    Failed(String),
}

/// The history layer's state.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryView {
    pub entity: EntityRef,
    /// `Deployment shop/checkout-api (prod)`.
    pub title: String,
    pub content: Content,
    /// Index into the revisions (newest first on screen, see [`HistoryView::rows`]).
    pub cursor: usize,
    /// The undo's dialog, waiting for a revision; `None` when undo is not possible here.
    pub dialog: Option<Dialog>,
    /// Why undo is not possible here (read-only context, not permitted).
    pub blocked: Option<String>,
}

/// What a key did.
#[derive(Debug, PartialEq)]
pub enum Keyed {
    Keep(Outcome),
    Close,
    /// Ask to confirm the undo.
    Confirm(Box<Dialog>),
}

impl HistoryView {
    /// The layer for the dialog's (first) target, and the effect that fetches the history.
    pub fn open(mut dialog: Dialog, blocked: Option<String>) -> Option<(HistoryView, Effect)> {
        dialog.targets.truncate(1);
        let first = dialog.targets.first()?.clone();
        let t = &first.target;
        let title = format!(
            "{} {}/{} ({})",
            t.kind,
            t.namespace.as_deref().unwrap_or("-"),
            t.name,
            t.context
        );
        dialog.subject = match &t.namespace {
            Some(ns) => format!("{} {ns}/{} in context {}", t.kind, t.name, t.context),
            None => format!("{} {} in context {}", t.kind, t.name, t.context),
        };
        dialog.name = t.name.clone();
        dialog.many = false;
        let fx = Effect::FetchHistory {
            entity: first.entity.clone(),
            target: first.target.clone(),
        };
        let view = HistoryView {
            entity: first.entity,
            title,
            content: Content::Loading,
            cursor: 0,
            dialog: blocked.is_none().then_some(dialog),
            blocked,
        };
        Some((view, fx))
    }

    /// The revisions as shown: newest first.
    pub fn rows(&self) -> Vec<&Revision> {
        match &self.content {
            Content::Revisions(r) => r.iter().rev().collect(),
            _ => vec![],
        }
    }

    /// The history arrived (or could not be read).
    pub fn arrived(&mut self, result: Result<Vec<Revision>, String>) {
        self.content = match result {
            Ok(r) => Content::Revisions(r),
            Err(e) => Content::Failed(e),
        };
        self.cursor = 0;
    }

    /// Fold one key.
    pub fn key(&mut self, k: KeyEvent) -> Keyed {
        let n = self.rows().len();
        match k.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('u') => Keyed::Close,
            KeyCode::Char('j') | KeyCode::Down => {
                self.cursor = (self.cursor + 1).min(n.saturating_sub(1));
                Keyed::Keep(Outcome::none())
            }
            KeyCode::Char('k') | KeyCode::Up => {
                self.cursor = self.cursor.saturating_sub(1);
                Keyed::Keep(Outcome::none())
            }
            KeyCode::Char('g') | KeyCode::Home => {
                self.cursor = 0;
                Keyed::Keep(Outcome::none())
            }
            KeyCode::Char('G') | KeyCode::End => {
                self.cursor = n.saturating_sub(1);
                Keyed::Keep(Outcome::none())
            }
            KeyCode::Enter => self.chosen(),
            _ => Keyed::Keep(Outcome::none()),
        }
    }

    /// Enter on a revision: the undo's confirmation, or why not.
    fn chosen(&mut self) -> Keyed {
        let Some(rev) = self.rows().get(self.cursor).map(|r| (*r).clone()) else {
            return Keyed::Keep(Outcome::none());
        };
        if let Some(why) = &self.blocked {
            return Keyed::Keep(Outcome::tell(why.clone(), true));
        }
        if rev.current {
            let m = format!(
                "revision {} is the one running: skipped rollback (current template already matches revision {}); nothing was sent",
                rev.revision, rev.revision
            );
            return Keyed::Keep(Outcome {
                message: Some(Message::new(m, false)),
                ..Outcome::none()
            });
        }
        let Some(mut d) = self.dialog.clone() else {
            return Keyed::Keep(Outcome::none());
        };
        d.action = Some(Action::Undo {
            to_revision: rev.revision,
        });
        Keyed::Confirm(Box::new(d))
    }
}
