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
pub mod exec;
pub mod govern;
pub mod history;
pub mod logs;
pub mod plan;
pub mod portforward;
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
    /// The raw lock annotation (`kubeatlas.io/lock`) as the catalog last saw it: the executor
    /// refuses every action but governance writes while it holds (see [`crate::govern`]).
    #[serde(skip)]
    pub lock: Option<Box<str>>,
    /// The user typed the service name to act despite the lock (audited as an override).
    #[serde(skip)]
    pub lock_override: bool,
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
        // A workload's lock; a pod's is its workload's (deleting the pods of a locked
        // workload is acting on it).
        let lock = crate::govern::read::lock_raw(catalog, r)
            .or_else(|| {
                let wl = catalog.workload_blueprint()?;
                let rel = catalog.relation_to(e.bp, wl)?;
                let owner = catalog.related(e.cluster, r, rel)?;
                crate::govern::read::lock_raw(catalog, catalog.get(&owner)?)
            })
            .map(Box::from);
        Some(Target {
            object,
            rules,
            paused,
            history,
            lock,
            lock_override: false,
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
    /// Set (`Some`) or remove (`None`) annotations with a merge patch, with the object's
    /// `resourceVersion` as precondition when given (locks, TTLs: governance writes, which a
    /// lock does not refuse). Every object takes it, whatever its blueprint offers.
    Annotate {
        annotations: std::collections::BTreeMap<String, Option<String>>,
        resource_version: Option<String>,
    },
    /// Delete an object whose TTL expired, with a uid precondition (the reaper; the TTL
    /// annotation is the consent, whatever its blueprint offers).
    Reap,
    /// `kubectl exec -it`: run `command` in `container` with a terminal ([`exec`]).
    Exec {
        container: String,
        command: Vec<String>,
    },
    /// `kubectl port-forward [LOCAL]:REMOTE`: a port on the loopback to the pod's `remote`
    /// port ([`portforward`]). `local`: `None` the same as `remote` if it is free, else any
    /// free one; `Some(0)` any free one; `Some(n)` exactly `n` (in use: refused).
    PortForward { remote: u16, local: Option<u16> },
}

impl Action {
    /// The blueprint action this is; `None` for the governance writes (annotate, reap), which
    /// every object takes whatever its blueprint offers.
    pub fn kind(&self) -> Option<ActionKind> {
        match self {
            Action::Restart => Some(ActionKind::Restart),
            Action::SetImage { .. } => Some(ActionKind::Redeploy),
            Action::Scale { .. } => Some(ActionKind::Scale),
            Action::Delete => Some(ActionKind::Delete),
            Action::Undo { .. } => Some(ActionKind::Undo),
            Action::Exec { .. } => Some(ActionKind::Exec),
            Action::PortForward { .. } => Some(ActionKind::PortForward),
            Action::Annotate { .. } | Action::Reap => None,
        }
    }

    /// A write of governance state (lock, TTL): never refused by a lock.
    pub fn is_governance(&self) -> bool {
        matches!(self, Action::Annotate { .. })
    }

    /// A session (exec, port-forward): a stream to a pod, opened by
    /// [`Executor::exec`] / [`Executor::port_forward`], never sent as a request.
    pub fn is_session(&self) -> bool {
        matches!(self, Action::Exec { .. } | Action::PortForward { .. })
    }

    pub fn verb(&self) -> &'static str {
        match self {
            Action::Restart => "restart",
            Action::SetImage { .. } => "set-image",
            Action::Scale { .. } => "scale",
            Action::Delete => "delete",
            Action::Undo { .. } => "undo",
            Action::Annotate { .. } => "annotate",
            Action::Reap => "reap",
            Action::Exec { .. } => "exec",
            Action::PortForward { .. } => "port-forward",
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
            Action::Annotate { annotations, .. } => {
                let each: Vec<String> = annotations
                    .iter()
                    .map(|(k, v)| match v {
                        Some(v) => format!("{k}={v}"),
                        None => format!("{k}-"),
                    })
                    .collect();
                format!("annotate {}", each.join(" "))
            }
            Action::Reap => "delete (TTL expired)".into(),
            Action::Exec { container, command } => {
                format!("exec in {container}: {}", command.join(" "))
            }
            Action::PortForward {
                remote,
                local: Some(local),
            } if *local > 0 => format!("port-forward {local}:{remote}"),
            Action::PortForward { remote, .. } => format!("port-forward to {remote}"),
        }
    }
}

/// The action target the unit tests of this room share: `prod`'s apps/v1 `shop/checkout`.
#[cfg(test)]
pub(crate) mod fixture {
    use super::{ActionRule, ObjectAddress, Target};
    use crate::catalog::ClusterId;

    pub fn target(kind: &str, rules: Vec<ActionRule>) -> Target {
        Target {
            object: ObjectAddress {
                cluster: ClusterId(0),
                context: "prod".into(),
                group: "apps".into(),
                version: "v1".into(),
                kind: kind.into(),
                plural: "deployments".into(),
                namespace: Some("shop".into()),
                name: "checkout".into(),
                uid: "u-1".into(),
            },
            rules: rules.into(),
            paused: false,
            history: None,
            lock: None,
            lock_override: false,
        }
    }
}
