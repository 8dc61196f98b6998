//! The resource types the simulator serves, with their static API metadata.

/// One resource type served by the simulated API server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SimResource {
    /// core/v1 `namespaces` (cluster-scoped).
    Namespaces,
    /// core/v1 `nodes` (cluster-scoped).
    Nodes,
    /// core/v1 `pods`.
    Pods,
    /// apps/v1 `deployments`.
    Deployments,
    /// apps/v1 `replicasets`.
    ReplicaSets,
    /// apps/v1 `statefulsets`.
    StatefulSets,
    /// apps/v1 `daemonsets`.
    DaemonSets,
    /// batch/v1 `jobs`.
    Jobs,
    /// batch/v1 `cronjobs`.
    CronJobs,
    /// `demo.kubeatlas.dev/v1` `workers`: a custom resource with a `scale` subresource
    /// (`specReplicasPath: .spec.replicas`, `statusReplicasPath: .status.replicas`) and no
    /// controller; as for any custom resource, strategic-merge patches are refused (415).
    Workers,
    /// apps/v1 `controllerrevisions`: a StatefulSet's or DaemonSet's revisions.
    ControllerRevisions,
    /// core/v1 `events` (field selectors on `involvedObject.*`, `reason`, `type`, …).
    Events,
    /// core/v1 `services` (no endpoints controller: a Service is its spec).
    Services,
    /// core/v1 `configmaps`.
    ConfigMaps,
    /// core/v1 `secrets` (field selector `type`, as the real server).
    Secrets,
}

/// Static metadata of a [`SimResource`].
#[derive(Debug)]
pub(crate) struct ResourceInfo {
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    /// `{"kind":"Pod","apiVersion":"v1",` — prepended to a stored body to get the full object.
    pub type_prefix: &'static str,
    /// Go zero-value `spec`/`status` of a bookmark object, as the real server encodes it.
    pub bookmark_tail: &'static str,
    /// Field selector labels beyond `metadata.name`/`metadata.namespace`.
    pub extra_fields: &'static [&'static str],
    /// Whether `metadata.generation` is tracked (bumped on spec changes).
    pub has_generation: bool,
    /// Whether the `scale` subresource is served.
    pub has_scale: bool,
}

macro_rules! info {
    ($group:expr, $version:expr, $api_version:expr, $plural:expr, $kind:expr, $namespaced:expr, $tail:expr, $fields:expr, $generation:expr, $scale:expr) => {
        ResourceInfo {
            group: $group,
            version: $version,
            plural: $plural,
            kind: $kind,
            namespaced: $namespaced,
            type_prefix: concat!(
                r#"{"kind":""#,
                $kind,
                r#"","apiVersion":""#,
                $api_version,
                r#"","#
            ),
            bookmark_tail: $tail,
            extra_fields: $fields,
            has_generation: $generation,
            has_scale: $scale,
        }
    };
}

static NAMESPACES: ResourceInfo = info!(
    "",
    "v1",
    "v1",
    "namespaces",
    "Namespace",
    false,
    r#""spec":{},"status":{}"#,
    &["status.phase"],
    false,
    false
);
static NODES: ResourceInfo = info!(
    "",
    "v1",
    "v1",
    "nodes",
    "Node",
    false,
    r#""spec":{},"status":{"daemonEndpoints":{"kubeletEndpoint":{"Port":0}},"nodeInfo":{"machineID":"","systemUUID":"","bootID":"","kernelVersion":"","osImage":"","containerRuntimeVersion":"","kubeletVersion":"","kubeProxyVersion":"","operatingSystem":"","architecture":""}}"#,
    &["spec.unschedulable"],
    false,
    false
);
static PODS: ResourceInfo = info!(
    "",
    "v1",
    "v1",
    "pods",
    "Pod",
    true,
    r#""spec":{"containers":null},"status":{}"#,
    &[
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.nominatedNodeName"
    ],
    false,
    false
);
static DEPLOYMENTS: ResourceInfo = info!(
    "apps",
    "v1",
    "apps/v1",
    "deployments",
    "Deployment",
    true,
    r#""spec":{"replicas":0,"selector":null,"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":null}},"strategy":{}},"status":{}"#,
    &[],
    true,
    true
);
static REPLICASETS: ResourceInfo = info!(
    "apps",
    "v1",
    "apps/v1",
    "replicasets",
    "ReplicaSet",
    true,
    r#""spec":{"replicas":0,"selector":null,"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":null}}},"status":{"replicas":0}"#,
    &["status.replicas"],
    true,
    true
);
static STATEFULSETS: ResourceInfo = info!(
    "apps",
    "v1",
    "apps/v1",
    "statefulsets",
    "StatefulSet",
    true,
    r#""spec":{"replicas":0,"selector":null,"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":null}},"serviceName":"","updateStrategy":{}},"status":{"replicas":0,"availableReplicas":0}"#,
    &[],
    true,
    true
);
static DAEMONSETS: ResourceInfo = info!(
    "apps",
    "v1",
    "apps/v1",
    "daemonsets",
    "DaemonSet",
    true,
    r#""spec":{"selector":null,"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":null}},"updateStrategy":{}},"status":{"currentNumberScheduled":0,"numberMisscheduled":0,"desiredNumberScheduled":0,"numberReady":0}"#,
    &[],
    true,
    false
);
static JOBS: ResourceInfo = info!(
    "batch",
    "v1",
    "batch/v1",
    "jobs",
    "Job",
    true,
    r#""spec":{"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":null}}},"status":{}"#,
    &["status.successful"],
    true,
    false
);
static CRONJOBS: ResourceInfo = info!(
    "batch",
    "v1",
    "batch/v1",
    "cronjobs",
    "CronJob",
    true,
    r#""spec":{"schedule":"","jobTemplate":{"metadata":{"creationTimestamp":null},"spec":{"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":null}}}}},"status":{}"#,
    &[],
    true,
    false
);

static WORKERS: ResourceInfo = info!(
    "demo.kubeatlas.dev",
    "v1",
    "demo.kubeatlas.dev/v1",
    "workers",
    "Worker",
    true,
    "",
    &[],
    true,
    true
);

static CONTROLLERREVISIONS: ResourceInfo = info!(
    "apps",
    "v1",
    "apps/v1",
    "controllerrevisions",
    "ControllerRevision",
    true,
    r#""data":null,"revision":0"#,
    &[],
    false,
    false
);
static EVENTS: ResourceInfo = info!(
    "",
    "v1",
    "v1",
    "events",
    "Event",
    true,
    r#""involvedObject":{},"reason":"","message":"","source":{},"firstTimestamp":null,"lastTimestamp":null,"type":"","eventTime":null,"reportingComponent":"","reportingInstance":"""#,
    &[
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type"
    ],
    false,
    false
);

static SERVICES: ResourceInfo = info!(
    "",
    "v1",
    "v1",
    "services",
    "Service",
    true,
    r#""spec":{},"status":{"loadBalancer":{}}"#,
    &["spec.clusterIP", "spec.type"],
    false,
    false
);
static CONFIGMAPS: ResourceInfo = info!(
    "",
    "v1",
    "v1",
    "configmaps",
    "ConfigMap",
    true,
    "",
    &[],
    false,
    false
);
static SECRETS: ResourceInfo = info!(
    "",
    "v1",
    "v1",
    "secrets",
    "Secret",
    true,
    "",
    &["type"],
    false,
    false
);

impl SimResource {
    /// Every served resource, in a stable order.
    pub const ALL: [SimResource; 15] = [
        SimResource::Namespaces,
        SimResource::Nodes,
        SimResource::Pods,
        SimResource::Deployments,
        SimResource::ReplicaSets,
        SimResource::StatefulSets,
        SimResource::DaemonSets,
        SimResource::Jobs,
        SimResource::CronJobs,
        SimResource::Workers,
        SimResource::ControllerRevisions,
        SimResource::Events,
        SimResource::Services,
        SimResource::ConfigMaps,
        SimResource::Secrets,
    ];

    pub(crate) fn info(self) -> &'static ResourceInfo {
        match self {
            SimResource::Namespaces => &NAMESPACES,
            SimResource::Nodes => &NODES,
            SimResource::Pods => &PODS,
            SimResource::Deployments => &DEPLOYMENTS,
            SimResource::ReplicaSets => &REPLICASETS,
            SimResource::StatefulSets => &STATEFULSETS,
            SimResource::DaemonSets => &DAEMONSETS,
            SimResource::Jobs => &JOBS,
            SimResource::CronJobs => &CRONJOBS,
            SimResource::Workers => &WORKERS,
            SimResource::ControllerRevisions => &CONTROLLERREVISIONS,
            SimResource::Events => &EVENTS,
            SimResource::Services => &SERVICES,
            SimResource::ConfigMaps => &CONFIGMAPS,
            SimResource::Secrets => &SECRETS,
        }
    }

    /// A custom resource (served from a CRD): no strategic-merge patch.
    pub(crate) fn is_custom(self) -> bool {
        self == SimResource::Workers
    }

    /// Index into per-resource tables.
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// Looks a resource up by API group (`""` for core), version and plural name.
    pub fn from_gvr(group: &str, version: &str, plural: &str) -> Option<SimResource> {
        Self::ALL.into_iter().find(|r| {
            let i = r.info();
            i.group == group && i.version == version && i.plural == plural
        })
    }

    /// Looks a resource up by `apiVersion` (e.g. `apps/v1`) and `kind` (e.g. `Deployment`).
    pub fn from_api_version_kind(api_version: &str, kind: &str) -> Option<SimResource> {
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        Self::ALL.into_iter().find(|r| {
            let i = r.info();
            i.group == group && i.version == version && i.kind == kind
        })
    }

    /// API group (`""` for the core group).
    pub fn group(self) -> &'static str {
        self.info().group
    }

    /// API version within the group (always `v1` here).
    pub fn version(self) -> &'static str {
        self.info().version
    }

    /// Plural resource name as used in URLs, e.g. `deployments`.
    pub fn plural(self) -> &'static str {
        self.info().plural
    }

    /// Object kind, e.g. `Deployment`.
    pub fn kind(self) -> &'static str {
        self.info().kind
    }

    /// `apiVersion` of objects of this resource, e.g. `apps/v1`.
    pub fn api_version(self) -> String {
        let i = self.info();
        if i.group.is_empty() {
            i.version.to_string()
        } else {
            format!("{}/{}", i.group, i.version)
        }
    }

    /// Whether objects live in namespaces.
    pub fn namespaced(self) -> bool {
        self.info().namespaced
    }

    /// `plural.group` as used in API error messages, e.g. `deployments.apps` or `pods`.
    pub(crate) fn qualified(self) -> String {
        let i = self.info();
        if i.group.is_empty() {
            i.plural.to_string()
        } else {
            format!("{}.{}", i.plural, i.group)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_round_trip() {
        for r in SimResource::ALL {
            assert_eq!(
                SimResource::from_gvr(r.group(), r.version(), r.plural()),
                Some(r)
            );
            assert_eq!(
                SimResource::from_api_version_kind(&r.api_version(), r.kind()),
                Some(r)
            );
            assert_eq!(SimResource::ALL[r.index()], r);
        }
        assert_eq!(SimResource::Deployments.qualified(), "deployments.apps");
        assert_eq!(SimResource::Pods.qualified(), "pods");
        assert_eq!(
            SimResource::Pods.info().type_prefix,
            r#"{"kind":"Pod","apiVersion":"v1","#
        );
    }
}
