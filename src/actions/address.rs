//! The address of one API object: the context it lives in and its group, version, kind,
//! plural, namespace, name and uid. The one type every request about an object (GET its YAML,
//! an action) is addressed with.

use crate::catalog::{Catalog, ClusterId, EntityRef};
use kube::api::{ApiResource, GroupVersionKind};
use serde::Serialize;

/// Exactly one object, in one context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectAddress {
    /// The catalog's index of the context (and of its client).
    #[serde(skip)]
    pub cluster: ClusterId,
    /// Kubeconfig context name.
    pub context: String,
    /// API group; empty for the core group.
    pub group: String,
    pub version: String,
    pub kind: String,
    /// Resource plural (`deployments`): the blueprint's, else kube's pluralization of the kind.
    pub plural: String,
    pub namespace: Option<String>,
    pub name: String,
    pub uid: String,
}

impl ObjectAddress {
    /// The address of a catalog entity: its kind from the blueprint source it was read from.
    pub fn of(catalog: &Catalog, e: &EntityRef) -> Option<ObjectAddress> {
        let r = catalog.get(e)?;
        let src = catalog
            .blueprint(e.bp)
            .spec
            .sources
            .get(r.source as usize)?;
        let plural = src.plural.clone().unwrap_or_else(|| {
            let gvk = GroupVersionKind::gvk(&src.group, &src.version, &src.kind);
            ApiResource::from_gvk(&gvk).plural
        });
        Some(ObjectAddress {
            cluster: e.cluster,
            context: catalog.cluster(e.cluster)?.name.clone(),
            group: src.group.clone(),
            version: src.version.clone(),
            kind: src.kind.clone(),
            plural,
            namespace: r.namespace.as_deref().map(str::to_string),
            name: r.name.to_string(),
            uid: r.uid.to_string(),
        })
    }

    /// The object's REST path: `/apis/apps/v1/namespaces/ns/deployments/name`.
    pub fn path(&self) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match &self.namespace {
            Some(ns) => format!("{base}/namespaces/{ns}/{}/{}", self.plural, self.name),
            None => format!("{base}/{}/{}", self.plural, self.name),
        }
    }

    /// The kube `ApiResource` of the object's kind.
    pub fn api_resource(&self) -> ApiResource {
        let gvk = GroupVersionKind::gvk(&self.group, &self.version, &self.kind);
        ApiResource::from_gvk_with_plural(&gvk, &self.plural)
    }

    /// `context › namespace › kind name`, for dialogs and messages.
    pub fn describe(&self) -> String {
        format!(
            "{} › {} › {} {}",
            self.context,
            self.namespace.as_deref().unwrap_or("-"),
            self.kind,
            self.name
        )
    }

    /// `kind namespace/name`, for error messages.
    pub fn what(&self) -> String {
        format!(
            "{} {}/{}",
            self.kind,
            self.namespace.as_deref().unwrap_or("-"),
            self.name
        )
    }
}
