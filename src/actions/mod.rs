//! Actions on clusters: restart, redeploy (set image), scale, delete, undo. How each is sent for each
//! kind is blueprint data ([`crate::blueprint::ActionRule`]); [`plan`] turns a [`Target`] and an
//! [`Action`] into the exact request (or a typed [`Refusal`]); one [`Executor`] sends it,
//! refusing every mutation in read-only mode, words API errors ([`ApiFailure`]) so a user can
//! act on them, and appends each run to the audit log.

pub mod access;
pub mod address;
pub mod audit;
pub mod error;
pub mod events;
pub mod history;
pub mod logs;
pub mod plan;
pub mod progress;
pub mod run;
pub mod undo;
pub mod words;

pub use address::ObjectAddress;
pub use error::{ActionError, ApiFailure, Refusal};
pub use run::{Done, Executor, Outcome};

use crate::blueprint::history::HistoryRule;
use crate::blueprint::{ActionKind, ActionRule};
use crate::catalog::{Catalog, EntityRef};
use serde::Serialize;
use std::sync::Arc;

/// An object to act on: its address, how its kind takes each action (from its blueprint
/// source), and the state a refusal depends on. Reads as its [`ObjectAddress`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    #[serde(flatten)]
    pub object: ObjectAddress,
    /// The actions the object's kind takes, and how each is sent.
    #[serde(skip)]
    pub rules: Arc<[ActionRule]>,
    /// The object is paused (the restart rule's `paused` property is true).
    #[serde(skip)]
    pub paused: bool,
    /// Where its rollout history is read from (its source's `history:`), for `undo`.
    #[serde(skip)]
    pub history: Option<Arc<HistoryRule>>,
}

impl std::ops::Deref for Target {
    type Target = ObjectAddress;
    fn deref(&self) -> &ObjectAddress {
        &self.object
    }
}

impl std::ops::DerefMut for Target {
    fn deref_mut(&mut self) -> &mut ObjectAddress {
        &mut self.object
    }
}

impl Target {
    /// The target for a catalog entity: address, rules and state from its blueprint source.
    pub fn of(catalog: &Catalog, e: &EntityRef) -> Option<Target> {
        let object = ObjectAddress::of(catalog, e)?;
        let r = catalog.get(e)?;
        let rules: Arc<[ActionRule]> = catalog
            .blueprint(e.bp)
            .source_actions(r.source as usize)
            .into();
        let paused = rules
            .iter()
            .find(|x| x.kind == ActionKind::Restart)
            .and_then(|x| x.paused)
            .and_then(|i| r.props.get(i))
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let history = catalog
            .blueprint(e.bp)
            .history(r.source as usize)
            .cloned()
            .map(Arc::new);
        Some(Target {
            object,
            rules,
            paused,
            history,
        })
    }

    /// How this object's kind takes `kind`, if it does.
    pub fn rule(&self, kind: ActionKind) -> Option<&ActionRule> {
        self.rules.iter().find(|r| r.kind == kind)
    }
}

/// The actions an entity's kind takes (its source's, in the blueprint's order).
pub fn applicable(catalog: &Catalog, e: &EntityRef) -> Vec<ActionKind> {
    let Some(r) = catalog.get(e) else {
        return vec![];
    };
    let bp = catalog.blueprint(e.bp);
    let own = bp.source_actions(r.source as usize);
    bp.actions()
        .iter()
        .copied()
        .filter(|k| own.iter().any(|x| x.kind == *k))
        .collect()
}

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// `kubectl rollout restart`.
    Restart,
    /// `kubectl set image`: one container's image.
    SetImage { container: String, image: String },
    /// `kubectl scale` through the scale subresource.
    Scale { replicas: i64 },
    /// Delete the object, with a uid precondition.
    Delete,
    /// `kubectl rollout undo --to-revision=N` (0: the revision before the newest).
    Undo { to_revision: i64 },
}

impl Action {
    /// The blueprint action this is.
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Restart => ActionKind::Restart,
            Action::SetImage { .. } => ActionKind::Redeploy,
            Action::Scale { .. } => ActionKind::Scale,
            Action::Delete => ActionKind::Delete,
            Action::Undo { .. } => ActionKind::Undo,
        }
    }

    pub fn verb(&self) -> &'static str {
        match self {
            Action::Restart => "restart",
            Action::SetImage { .. } => "set-image",
            Action::Scale { .. } => "scale",
            Action::Delete => "delete",
            Action::Undo { .. } => "undo",
        }
    }

    /// A short human description: `restart`, `set image app=…`, `scale to 4`, `delete`.
    pub fn describe(&self) -> String {
        match self {
            Action::Restart => "restart (rollout)".into(),
            Action::SetImage { container, image } => format!("set image {container}={image}"),
            Action::Scale { replicas } => format!("scale to {replicas}"),
            Action::Delete => "delete".into(),
            Action::Undo { to_revision: 0 } => "undo (to the previous revision)".into(),
            Action::Undo { to_revision } => format!("undo to revision {to_revision}"),
        }
    }
}
