//! What the watchers read, as kubectl's `-n`/`-A`/`-l`/`--field-selector` ask: one namespace per
//! cluster (or all), a label selector and a field selector, each for the blueprints it applies
//! to — pushed down to the server as a namespaced list/watch path
//! (`/apis/apps/v1/namespaces/X/deployments`) and `labelSelector`/`fieldSelector` parameters.
//! Cluster-scoped kinds (nodes, namespaces) keep being read whole, so the catalog's relations
//! stay intact; the namespace blueprint itself is narrowed to the chosen namespace by name.

use crate::blueprint::{BlueprintSet, BpId};
use crate::catalog::ClusterId;

/// The fleet's reading scope. The default reads everything (every namespace, no selector).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// Per cluster (indexed by `ClusterId`): the one namespace namespaced kinds are read from;
    /// `None` (or a cluster past the end): all namespaces.
    pub namespaces: Vec<Option<String>>,
    /// `-l`: a label selector, passed to the server as is (it parses and rejects it).
    pub labels: Option<String>,
    /// The blueprints the label selector applies to.
    pub label_targets: Vec<BpId>,
    /// `--field-selector`, passed to the server as is.
    pub fields: Option<String>,
    /// The blueprints the field selector applies to.
    pub field_targets: Vec<BpId>,
    /// The namespace blueprint, read only by the chosen namespace's name (`metadata.name=X`)
    /// when a cluster is narrowed to one namespace; `None`: namespaces are read whole.
    pub narrow_namespaces: Option<BpId>,
}

/// How one source of one cluster is read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceScope {
    /// Read through `/namespaces/{ns}/…` instead of the cluster-wide path.
    pub namespace: Option<String>,
    pub labels: Option<String>,
    pub fields: Option<String>,
}

impl Scope {
    /// Everything, everywhere (the TUI's default, like k9s).
    pub fn all() -> Scope {
        Scope::default()
    }

    /// The namespace cluster `cluster` is narrowed to, if any.
    pub fn namespace_of(&self, cluster: ClusterId) -> Option<&str> {
        self.namespaces
            .get(cluster.0 as usize)
            .and_then(|n| n.as_deref())
    }

    /// How source `source` of blueprint `bp` is read in `cluster`.
    pub fn source(
        &self,
        blueprints: &BlueprintSet,
        cluster: ClusterId,
        bp: BpId,
        source: u8,
    ) -> SourceScope {
        let Some(spec) = blueprints.get(bp).spec.sources.get(source as usize) else {
            return SourceScope::default();
        };
        let ns = self.namespace_of(cluster);
        let mut fields: Vec<String> = spec.field_selector.iter().cloned().collect();
        if let (Some(f), true) = (&self.fields, self.field_targets.contains(&bp)) {
            fields.push(f.clone());
        }
        if spec.cluster_scoped
            && self.narrow_namespaces == Some(bp)
            && let Some(ns) = ns
        {
            fields.push(format!("metadata.name={ns}"));
        }
        SourceScope {
            namespace: if spec.cluster_scoped {
                None
            } else {
                ns.map(str::to_string)
            },
            labels: self
                .labels
                .clone()
                .filter(|_| self.label_targets.contains(&bp)),
            fields: (!fields.is_empty()).then(|| fields.join(",")),
        }
    }

    /// Whether anything narrows what is read (for status lines and messages).
    pub fn is_narrowed(&self) -> bool {
        self.namespaces.iter().any(Option::is_some)
            || self.labels.is_some()
            || self.fields.is_some()
    }
}
