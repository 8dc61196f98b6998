//! Actions on clusters: restart, redeploy (set image), scale, delete pod. Planned as pure data
//! ([`plan`]), sent by one [`Executor`] that refuses every mutation in read-only mode, words
//! API errors so a user can act on them, and appends each run to the audit log.

pub mod access;
pub mod audit;
pub mod logs;
pub mod plan;
pub mod progress;
pub mod run;
pub mod words;

pub use run::{Executor, Outcome};

use crate::catalog::{Catalog, EntityRef};
use serde::Serialize;

/// The object an action targets: exactly one object, in one context.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// Kubeconfig context name.
    pub context: String,
    pub group: String,
    pub version: String,
    pub kind: String,
    /// Resource plural (`deployments`).
    pub plural: String,
    pub namespace: Option<String>,
    pub name: String,
    pub uid: String,
    /// `spec.paused` of a Deployment (a paused one is not restarted).
    #[serde(skip)]
    pub paused: bool,
}

impl Target {
    /// The target for a catalog entity: its kind from the blueprint source it was read from.
    pub fn of(catalog: &Catalog, e: &EntityRef) -> Option<Target> {
        let r = catalog.get(e)?;
        let bp = catalog.blueprint(e.bp);
        let src = bp.spec.sources.get(r.source as usize)?;
        let plural = src.plural.clone().unwrap_or_else(|| {
            let gvk = kube::api::GroupVersionKind::gvk(&src.group, &src.version, &src.kind);
            kube::api::ApiResource::from_gvk(&gvk).plural
        });
        let paused = bp
            .prop_index("paused")
            .and_then(|i| r.props.get(i))
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        Some(Target {
            context: catalog.cluster(e.cluster)?.name.clone(),
            group: src.group.clone(),
            version: src.version.clone(),
            kind: src.kind.clone(),
            plural,
            namespace: r.namespace.as_deref().map(str::to_string),
            name: r.name.to_string(),
            uid: r.uid.to_string(),
            paused,
        })
    }

    /// `context/namespace/kind/name`, for dialogs and messages.
    pub fn describe(&self) -> String {
        format!(
            "{} › {} › {} {}",
            self.context,
            self.namespace.as_deref().unwrap_or("-"),
            self.kind,
            self.name
        )
    }
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
    /// Delete a pod, with a uid precondition.
    DeletePod,
}

impl Action {
    pub fn verb(&self) -> &'static str {
        match self {
            Action::Restart => "restart",
            Action::SetImage { .. } => "set-image",
            Action::Scale { .. } => "scale",
            Action::DeletePod => "delete",
        }
    }

    /// A short human description: `restart`, `set image app=…`, `scale to 4`, `delete`.
    pub fn describe(&self) -> String {
        match self {
            Action::Restart => "restart (rollout)".into(),
            Action::SetImage { container, image } => format!("set image {container}={image}"),
            Action::Scale { replicas } => format!("scale to {replicas}"),
            Action::DeletePod => "delete".into(),
        }
    }
}
