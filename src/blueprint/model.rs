//! The blueprint file format: what a catalog entity is made of and where it is read from.
//!
//! A blueprint is data (YAML in `blueprints/`), never per-kind Rust code. Properties are path
//! expressions over the Kubernetes object; relations say how entities link up; `health` and
//! `actions` pick from a small fixed vocabulary the rest of the program understands. Each action
//! is one fixed request shape (see [`ActionKind`]) that a blueprint may tune per source kind:
//! where the pod template is, which patch type, which properties feed it.

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
    /// The part this blueprint plays for the program (see [`Role`]); default: the role named
    /// like its identifier, if any.
    #[serde(default)]
    pub role: Option<Role>,
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
    /// Which actions apply to entities of this blueprint, with their settings (see
    /// [`ActionsSpec`]); each source may narrow or tune them.
    #[serde(default)]
    pub actions: ActionsSpec,
    /// Values computed from the entities that point at this one (see
    /// [`super::aggregate::AggregationSpec`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aggregations: Vec<super::aggregate::AggregationSpec>,
    /// Property (or aggregation) ids shown as table columns (default: every property).
    #[serde(default)]
    pub columns: Vec<String>,
    /// For blueprints computed from other entities rather than read from the API.
    #[serde(default)]
    pub derived: Option<DerivedSpec>,
    /// Checks over the properties, with levels (see [`super::scorecard`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scorecard: Option<super::scorecard::ScorecardSpec>,
    /// Which changes the change timeline records (see [`super::timeline::TimelineSpec`]).
    #[serde(default)]
    pub timeline: Option<super::timeline::TimelineSpec>,
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
    /// Read only the objects this field selector matches, on the server (`type=Warning`);
    /// joined with the user's `--field-selector` where that applies.
    #[serde(default)]
    pub field_selector: Option<String>,
    /// Listed and watched as metadata only (`PartialObjectMetadata`): the server never sends
    /// the rest of the object (a Secret's values). Properties may read `.metadata` only.
    #[serde(default)]
    pub metadata_only: bool,
    /// Per-kind property overrides: property id → path expression, or `~` (null): not read
    /// for this kind (the property's default, else null).
    #[serde(default)]
    pub properties: BTreeMap<String, Option<String>>,
    /// Per-kind health rule (e.g. `job` for Jobs inside the workload blueprint).
    #[serde(default)]
    pub health: Option<HealthRule>,
    /// The actions this kind can take, with per-kind settings (`None`: every action of the
    /// blueprint). An action is offered on objects of this kind when both lists name it.
    #[serde(default)]
    pub actions: Option<ActionsSpec>,
    /// kubectl's short names of this kind (`deploy`, `sts`), for `KIND/NAME` arguments.
    #[serde(default)]
    pub short_names: Vec<String>,
    /// Where this kind's rollout history is read from and how `undo` rolls it back (see
    /// [`super::history`]).
    #[serde(default)]
    pub history: Option<super::history::HistorySpec>,
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
    /// For `via: field`: the path whose value names the target (e.g. `.spec.nodeName`; a path
    /// with several matches, `[*]`, names several). For `via: uid`: the path whose value is
    /// the target's uid (`.involvedObject.uid`). For `via: selector`: where this object's
    /// label selector is (e.g. `.spec.selector`).
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
    /// A field's value names the target (by `metadata.name`, same cluster); every match of
    /// a path with `[*]` names one.
    Field,
    /// A field's value is the target's `metadata.uid` (an Event's `.involvedObject.uid`).
    Uid,
    /// A label selector on this object (at `path`) selects the targets by their labels, in
    /// the same namespace: a Service's plain map, or a `LabelSelector` (`matchLabels` and
    /// `matchExpressions` with `In`, `NotIn`, `Exists`, `DoesNotExist`).
    Selector,
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

/// Actions the TUI offers on an entity; each is one fixed request shape.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub enum ActionKind {
    /// `kubectl rollout restart`: a patch setting the pod template annotation
    /// `kubectl.kubernetes.io/restartedAt`. Settings: `template`, `patch`, `paused`.
    Restart,
    /// `kubectl set image`: a strategic-merge patch of one container's image in the pod
    /// template. Settings: `template`, `containers`, `images`.
    Redeploy,
    /// `kubectl scale`: a merge patch of the object's `scale` subresource. Setting: `replicas`.
    Scale,
    /// DELETE with a uid precondition. No settings.
    Delete,
    /// Pod logs: the entity's own (the `pod` role), else those of the pods whose
    /// `via: controller` relation leads to it. Setting: `containers` (on the pod blueprint).
    Logs,
    /// `kubectl rollout undo`: restore a revision of the source's `history`. No settings.
    Undo,
    /// `kubectl exec -it`: a shell in one of the pod's containers over `pods/exec`
    /// (WebSocket). Pods only (the `pod` role). Setting: `containers`.
    Exec,
    /// `kubectl port-forward`: a local port to one of the pod's ports over
    /// `pods/portforward` (WebSocket). Pods only (the `pod` role). Setting: `ports` (the list
    /// property of the containers' declared ports, default `ports`).
    #[serde(rename = "port-forward")]
    PortForward,
}

impl ActionKind {
    /// Every action, in the order keys and help list them.
    pub const ALL: [ActionKind; 8] = [
        ActionKind::Restart,
        ActionKind::Redeploy,
        ActionKind::Scale,
        ActionKind::Delete,
        ActionKind::Logs,
        ActionKind::Undo,
        ActionKind::Exec,
        ActionKind::PortForward,
    ];

    /// The name used in blueprints and messages: `restart`, `redeploy`, …
    pub fn name(self) -> &'static str {
        match self {
            ActionKind::Restart => "restart",
            ActionKind::Redeploy => "redeploy",
            ActionKind::Scale => "scale",
            ActionKind::Delete => "delete",
            ActionKind::Logs => "logs",
            ActionKind::Undo => "undo",
            ActionKind::Exec => "exec",
            ActionKind::PortForward => "port-forward",
        }
    }

    /// Whether the action changes the cluster (everything but `logs`).
    pub fn mutating(self) -> bool {
        self != ActionKind::Logs
    }
}

/// The actions of a blueprint or a source: either a list of names (each with its defaults),
/// `[restart, scale]`, or a mapping from name to settings, `{restart: {patch: merge}, scale: {}}`.
/// Kept in the order written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionsSpec(pub Vec<(ActionKind, ActionSettings)>);

impl ActionsSpec {
    /// The action names, in the order written.
    pub fn kinds(&self) -> impl Iterator<Item = ActionKind> + '_ {
        self.0.iter().map(|(k, _)| *k)
    }

    /// The settings written for `kind`, if it is listed.
    pub fn get(&self, kind: ActionKind) -> Option<&ActionSettings> {
        self.0.iter().find(|(k, _)| *k == kind).map(|(_, s)| s)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// How one action is sent for a blueprint or one of its source kinds; every field is optional
/// and defaults as documented (a source's settings override the blueprint's, field by field).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ActionSettings {
    /// `restart`, `redeploy`: where the pod template is, a plain field path (default
    /// `.spec.template`; a CronJob's is `.spec.jobTemplate.spec.template`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// `restart`: the patch type (default `strategic`, as kubectl; custom resources accept
    /// only `merge`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<PatchType>,
    /// `restart`: a boolean property; when true the object is paused and not restarted
    /// (default `paused`, when the blueprint declares it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<String>,
    /// `redeploy`, `logs`: the list property of container names (default `containers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub containers: Option<String>,
    /// `redeploy`: the list property of container images, aligned with `containers` (default
    /// `images`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<String>,
    /// `scale`: the integer property of the desired replicas, prefilling the prompt (default
    /// `desired`, when the blueprint declares it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<String>,
    /// `port-forward`: the list property of the ports the containers declare, offered as the
    /// remote port (default `ports`, when the blueprint declares it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<String>,
}

/// The patch content type of a `restart`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum PatchType {
    /// `application/strategic-merge-patch+json` (built-in kinds; what kubectl sends).
    #[default]
    Strategic,
    /// `application/merge-patch+json` (custom resources).
    Merge,
}

/// The part a blueprint plays for the program, resolved once per set
/// ([`super::BlueprintSet::roles`]).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The kubeconfig contexts (no sources, no derivation): the fleet's rows.
    Cluster,
    /// The target of `via: namespace` relations; holds the environment label.
    Namespace,
    /// Objects with logs: `logs` streams the entity's own.
    Pod,
    /// The running units services and running services are derived from.
    Workload,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Cluster, Role::Namespace, Role::Pod, Role::Workload];

    /// The name used in blueprints: `cluster`, `namespace`, `pod`, `workload`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Cluster => "cluster",
            Role::Namespace => "namespace",
            Role::Pod => "pod",
            Role::Workload => "workload",
        }
    }
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

impl<'de> Deserialize<'de> for ActionsSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ActionsSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of action names or a mapping from action name to settings")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<ActionsSpec, E> {
                Ok(ActionsSpec::default())
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ActionsSpec, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = seq.next_element::<ActionKind>()? {
                    out.push((k, ActionSettings::default()));
                }
                Ok(ActionsSpec(out))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<ActionsSpec, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = map.next_key::<ActionKind>()? {
                    let s = map.next_value::<Option<ActionSettings>>()?;
                    out.push((k, s.unwrap_or_default()));
                }
                Ok(ActionsSpec(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for ActionsSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}
