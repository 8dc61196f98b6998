//! The blueprint file format: what a catalog entity is made of and where it is read from.
//!
//! A blueprint is data (YAML in `blueprints/`), never per-kind Rust code. Properties are path
//! expressions over the Kubernetes object; relations say how entities link up; `health` and
//! `actions` pick from a small fixed vocabulary the rest of the program understands.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One blueprint, as written in a YAML file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BlueprintSpec {
    /// Stable identifier, e.g. `workload`. A user file with the same identifier replaces the built-in.
    pub identifier: String,
    /// Human title, e.g. `Workload`.
    pub title: String,
    /// Plural used by `get` and `:` commands, e.g. `workloads`.
    #[serde(default)]
    pub plural: Option<String>,
    /// Other names accepted by `get` and `:` commands (`wl`, `deploy`, …).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Internal blueprints (e.g. replicaset) are watched and related through but not listed.
    #[serde(default)]
    pub hidden: bool,
    /// The Kubernetes kinds entities of this blueprint are read from. Empty for `cluster` and
    /// the derived blueprints.
    #[serde(default)]
    pub sources: Vec<SourceSpec>,
    /// Properties extracted from each object; the only data the catalog keeps.
    #[serde(default)]
    pub properties: Vec<PropertySpec>,
    /// Links to other entities.
    #[serde(default)]
    pub relations: Vec<RelationSpec>,
    /// How health is judged (see [`HealthRule`]).
    #[serde(default)]
    pub health: HealthRule,
    /// Which actions apply to entities of this blueprint.
    #[serde(default)]
    pub actions: Vec<ActionKind>,
    /// Property ids shown as table columns (default: every property).
    #[serde(default)]
    pub columns: Vec<String>,
    /// For blueprints computed from other entities rather than read from the API.
    #[serde(default)]
    pub derived: Option<DerivedSpec>,
}

/// A Kubernetes kind an entity is read from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SourceSpec {
    /// API group; empty for the core group.
    #[serde(default)]
    pub group: String,
    pub version: String,
    pub kind: String,
    /// Resource plural (e.g. `deployments`); discovered or guessed when absent.
    #[serde(default)]
    pub plural: Option<String>,
    /// Cluster-scoped kinds (Node, Namespace) set this.
    #[serde(default)]
    pub cluster_scoped: bool,
    /// A kind that may be absent (a CRD): its absence is not an error.
    #[serde(default)]
    pub optional: bool,
    /// Per-kind property overrides: property id → path expression, or `~` (null): not read
    /// for this kind (the property's default, else null).
    #[serde(default)]
    pub properties: BTreeMap<String, Option<String>>,
    /// Per-kind health rule (e.g. `job` for Jobs inside the workload blueprint).
    #[serde(default)]
    pub health: Option<HealthRule>,
}

impl SourceSpec {
    /// `apps/v1/Deployment`, or `v1/Pod` for the core group.
    pub fn gvk_string(&self) -> String {
        if self.group.is_empty() {
            format!("{}/{}", self.version, self.kind)
        } else {
            format!("{}/{}/{}", self.group, self.version, self.kind)
        }
    }
}

/// One extracted property.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PropertySpec {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    /// Path expression, e.g. `.status.availableReplicas` or
    /// `.spec.template.spec.containers[*].image`. Absent for properties only some sources set
    /// through overrides.
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default, rename = "type")]
    pub ty: PropType,
    /// How several matches are folded into one value.
    #[serde(default)]
    pub reduce: Reduce,
    /// For `type: list`: a path evaluated on each match of `path`, giving one item per match
    /// (empty when it finds nothing), so per-container lists stay aligned, e.g.
    /// `path: .status.containerStatuses[*]`, `each: .state.waiting.reason`.
    #[serde(default)]
    pub each: Option<String>,
    /// Value when the path matches nothing.
    #[serde(default)]
    pub default: Option<serde_yaml::Value>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum PropType {
    #[default]
    String,
    Integer,
    Boolean,
    /// RFC 3339 in the object; kept as seconds since the epoch.
    Timestamp,
    /// A list of strings (e.g. all container images).
    List,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum Reduce {
    /// First match (lists keep all matches).
    #[default]
    First,
    /// Sum of integer matches.
    Sum,
    /// Number of matches.
    Count,
}

/// A link from an entity to another.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RelationSpec {
    pub id: String,
    /// Target blueprint identifier.
    pub to: String,
    pub via: RelationVia,
    /// For `via: field`: the path whose value names the target (e.g. `.spec.nodeName`).
    #[serde(default)]
    pub path: Option<String>,
    /// For `via: controller`: blueprints passed through to their own controller
    /// (e.g. `[replicaset]`, so a pod relates to its Deployment).
    #[serde(default)]
    pub collapse: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum RelationVia {
    /// The object's `metadata.namespace` names the target.
    Namespace,
    /// The cluster the object was read from.
    Cluster,
    /// The `metadata.ownerReferences` entry with `controller: true`, by uid.
    Controller,
    /// A field's value names the target (by `metadata.name`, same cluster).
    Field,
}

/// How an entity's health is judged, from its properties.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum HealthRule {
    /// No health.
    #[default]
    None,
    /// A rollout's progress and result, like `kubectl rollout status`: `desired`, `ready`
    /// (required) and, where declared, `updated`, `available`, `current`, `generation`,
    /// `observedGeneration`, `paused`, `progressing`, `stalled`, `rolledOut`, `partition`,
    /// `currentRevision`, `updateRevision` (workloads; see `catalog::health`).
    Replicas,
    /// `phase`, `waitingReasons`, `readyContainers`/`totalContainers` (pods).
    Pod,
    /// `ready` condition status `"True"` (nodes).
    Condition,
    /// `active`, `succeeded`, `failed` pod counts, and `completeCondition` /
    /// `failedCondition` where declared (Jobs).
    Job,
}

/// Actions the TUI offers on an entity.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub enum ActionKind {
    Restart,
    Redeploy,
    Scale,
    Delete,
    Logs,
}

/// Blueprints computed from other entities.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DerivedSpec {
    pub kind: DerivedKind,
    /// The blueprint the derived entities are computed from (e.g. `workload`).
    pub from: String,
    /// `service`: property ids of `from` tried in order for the service key; the first
    /// non-empty wins, falling back to the entity name.
    #[serde(default)]
    pub key: Vec<String>,
    /// `environment`: the property of the namespace blueprint holding the environment (the
    /// namespace blueprint reads it from a label, e.g. `.metadata.labels.environment`).
    #[serde(default)]
    pub namespace_property: Option<String>,
    /// `running-service`: property ids tried in order for the version; falls back to the tag
    /// of the first image.
    #[serde(default)]
    pub version: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum DerivedKind {
    Service,
    Environment,
    RunningService,
}
