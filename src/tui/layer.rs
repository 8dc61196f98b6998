//! The layers over the page, on one stack: the logs view, the YAML viewer, an action's
//! dialog and the key help. The top layer takes every key and says whether it closes; the
//! app composes what they return. Replies find their layer wherever it is on the stack.

use super::act::dialog::{Answer, Dialog};
use super::act::word;
use super::diff::DiffView;
use super::help::{self, Binding, Showing};
use super::history::{self as hist, HistoryView, Keyed};
use super::logs::{self, LogView};
use super::outcome::{Ids, Outcome};
use super::timeline::TimelineView;
use super::view::View;
use super::yaml::{Content, YamlView};
use crate::actions::{Action, Target};
use crate::blueprint::ActionKind;
use crate::catalog::EntityRef;
use crossterm::event::KeyEvent;

/// The `?` overlay: the bindings of what is under it (computed on update).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HelpView {
    pub groups: Vec<(&'static str, Vec<Binding>)>,
    /// Actions the server denies on the selection: their key and who may not do what.
    pub denied: Vec<(&'static str, String)>,
}

/// One layer.
#[derive(Debug, Clone, PartialEq)]
pub enum Layer {
    /// Drawn instead of the page.
    Logs(LogView),
    Yaml(YamlView),
    /// Inputs and confirmation of a mutating action.
    Dialog(Dialog),
    /// Lock / unlock / TTL (`L`, `e`).
    Govern(super::act::govern::GovernDialog),
    Help(HelpView),
    /// The change timeline of the selection (`t`).
    Timeline(TimelineView),
    /// A workload's rollout history (`u`).
    History(HistoryView),
    /// A running service in two environments, side by side (`D`).
    Diff(DiffView),
    /// The port-forwards running (`:pf`).
    Forwards(super::portforward::ForwardsView),
    /// Any resource from discovery (`:certificates`), drawn instead of the page.
    Resource(super::resource::ResourceView),
}

/// A confirmed action, for the app to send.
pub type Confirmed = (Vec<(EntityRef, Target)>, Action);

/// The stack of layers (empty: the page takes the keys).
#[derive(Debug, Default)]
pub struct Layers {
    stack: Vec<Layer>,
}

impl Layers {
    pub fn iter(&self) -> impl Iterator<Item = &Layer> {
        self.stack.iter()
    }

    pub fn top(&self) -> Option<&Layer> {
        self.stack.last()
    }

    /// The top layer when it is drawn over something (help, YAML, a dialog), not the logs.
    pub fn overlay(&self) -> Option<&Layer> {
        self.stack.last().filter(|l| !matches!(l, Layer::Logs(_)))
    }

    pub fn is_empty(&self) -> bool {
        self.stack.is_empty()
    }

    pub fn push(&mut self, l: Layer) {
        self.stack.push(l);
    }

    /// The logs view, if open.
    pub fn logs(&self) -> Option<&LogView> {
        self.stack.iter().find_map(|l| match l {
            Layer::Logs(v) => Some(v),
            _ => None,
        })
    }

    pub fn logs_mut(&mut self) -> Option<&mut LogView> {
        self.stack.iter_mut().find_map(|l| match l {
            Layer::Logs(v) => Some(v),
            _ => None,
        })
    }

    pub fn yaml_mut(&mut self) -> Option<&mut YamlView> {
        self.stack.iter_mut().find_map(|l| match l {
            Layer::Yaml(v) => Some(v),
            _ => None,
        })
    }

    pub fn timeline_mut(&mut self) -> Option<&mut TimelineView> {
        self.stack.iter_mut().find_map(|l| match l {
            Layer::Timeline(v) => Some(v),
            _ => None,
        })
    }

    /// The generic resource layer, if open (the topmost).
    pub fn resource(&self) -> Option<&super::resource::ResourceView> {
        self.stack.iter().rev().find_map(|l| match l {
            Layer::Resource(v) => Some(v),
            _ => None,
        })
    }

    pub fn resource_mut(&mut self) -> Option<&mut super::resource::ResourceView> {
        self.stack.iter_mut().rev().find_map(|l| match l {
            Layer::Resource(v) => Some(v),
            _ => None,
        })
    }

    /// Close every generic resource layer (another view is opened).
    pub fn close_resources(&mut self) {
        self.stack.retain(|l| !matches!(l, Layer::Resource(_)));
    }

    pub fn history_mut(&mut self) -> Option<&mut HistoryView> {
        self.stack.iter_mut().find_map(|l| match l {
            Layer::History(v) => Some(v),
            _ => None,
        })
    }

    /// The list of port-forwards changed: the open `:pf` layer shows it.
    pub fn sync_forwards(&mut self, f: &super::portforward::Forwards) {
        for l in self.stack.iter_mut() {
            if let Layer::Forwards(v) = l {
                v.sync(f);
            }
        }
    }

    /// Compute the open diff again from the catalog; true when it changed.
    pub fn refresh_diff(&mut self, cat: &crate::catalog::Catalog) -> bool {
        let mut changed = false;
        for l in self.stack.iter_mut() {
            if let Layer::Diff(d) = l {
                changed |= d.refresh(cat);
            }
        }
        changed
    }

    /// A YAML or history fetch is in flight.
    pub fn loading(&self) -> bool {
        self.stack.iter().any(|l| match l {
            Layer::Yaml(y) => y.content == Content::Loading,
            Layer::History(h) => h.content == hist::Content::Loading,
            Layer::Resource(v) => v.loading(),
            _ => false,
        })
    }

    /// Recompute the help's bindings: the logs' keys over the logs view, else the page's
    /// with the actions it offers.
    pub fn sync_help(
        &mut self,
        view: &View,
        offered: &[ActionKind],
        denied: &[(ActionKind, String)],
        rollouts: bool,
    ) {
        let showing = if self.logs().is_some() {
            Showing::Logs
        } else {
            Showing::View(view)
        };
        let denied: Vec<(&'static str, String)> = match showing {
            Showing::View(v) => denied
                .iter()
                .map(|(kind, why)| {
                    let (k, _) = help::action_binding(*kind, *v == View::Matrix);
                    (k, format!("{}: {why}", crate::tui::act::word(*kind)))
                })
                .collect(),
            _ => vec![],
        };
        let mut groups = None;
        for l in self.stack.iter_mut() {
            if let Layer::Help(h) = l {
                let g = groups.get_or_insert_with(|| help::bindings(showing, offered, rollouts));
                h.groups = g.clone();
                h.denied = denied.clone();
            }
        }
    }

    /// The top layer takes the key: what it asks of the app, and an action confirmed in a
    /// dialog. None when there is no layer.
    pub fn key(
        &mut self,
        k: KeyEvent,
        ids: &mut Ids,
        size: (u16, u16),
        now: i64,
    ) -> Option<(Outcome, Option<Confirmed>)> {
        let top = self.stack.last_mut()?;
        let (out, confirmed) = match top {
            Layer::Govern(g) => (g.key(k, now), None),
            // Any key closes the help.
            Layer::Help(_) => (Outcome::none().close(), None),
            Layer::Yaml(y) => {
                let keep = y.key(k, size.1);
                let out = Outcome::none();
                (if keep { out } else { out.close() }, None)
            }
            Layer::Logs(v) => (logs::key(v, k, ids, size.0, size.1), None),
            Layer::Timeline(v) => (v.key(k, ids, size.1), None),
            Layer::Diff(d) => (d.key(k, size.1), None),
            Layer::Forwards(v) => (v.key(k), None),
            Layer::Resource(v) => (v.key(k, size.1), None),
            Layer::History(h) => match h.key(k) {
                Keyed::Keep(out) => (out, None),
                Keyed::Close => (Outcome::none().close(), None),
                Keyed::Confirm(d) => {
                    self.stack.push(Layer::Dialog(*d));
                    return Some((Outcome::none(), None));
                }
            },
            Layer::Dialog(d) => match d.key(k) {
                Answer::Keep => (Outcome::none(), None),
                Answer::Cancel => (
                    Outcome::tell(
                        format!("{}: cancelled, nothing was sent", word(d.kind)),
                        false,
                    )
                    .close(),
                    None,
                ),
                Answer::Confirm(targets, action) => {
                    (Outcome::none().close(), Some((targets, action)))
                }
            },
        };
        if out.close {
            self.stack.pop();
            // An undo confirmed from the history: the history closes too (the rollout shows).
            if matches!(confirmed, Some((_, Action::Undo { .. })))
                && matches!(self.stack.last(), Some(Layer::History(_)))
            {
                self.stack.pop();
            }
        }
        Some((out, confirmed))
    }
}
