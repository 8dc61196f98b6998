//! API-server defaulting applied on create, so objects look like a real server returns them.

use rand::Rng;
use serde_json::{Map, Value, json};

use super::resource::SimResource;
use super::util::{self, child};

fn default(map: &mut Map<String, Value>, key: &str, v: Value) {
    if map.get(key).is_none_or(Value::is_null) {
        map.insert(key.to_string(), v);
    }
}

/// `imagePullPolicy` the server defaults from the image tag.
fn pull_policy(image: &str) -> &'static str {
    let name = image.rsplit('/').next().unwrap_or(image);
    if image.contains('@') {
        "IfNotPresent"
    } else {
        match name.split_once(':') {
            Some((_, "latest")) | None => "Always",
            Some(_) => "IfNotPresent",
        }
    }
}

fn default_containers(spec: &mut Map<String, Value>, key: &str) {
    let Some(Value::Array(containers)) = spec.get_mut(key) else {
        return;
    };
    for c in containers.iter_mut().filter_map(Value::as_object_mut) {
        let image = c
            .get("image")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        default(c, "resources", json!({}));
        default(c, "terminationMessagePath", json!("/dev/termination-log"));
        default(c, "terminationMessagePolicy", json!("File"));
        default(c, "imagePullPolicy", json!(pull_policy(&image)));
    }
}

/// Defaults of a pod spec, in templates and pods alike.
pub(crate) fn pod_spec(spec: &mut Map<String, Value>, restart_policy: &str) {
    if !spec.get("containers").is_some_and(Value::is_array) {
        spec.insert("containers".into(), json!([]));
    }
    default_containers(spec, "containers");
    default_containers(spec, "initContainers");
    default(spec, "restartPolicy", json!(restart_policy));
    default(spec, "terminationGracePeriodSeconds", json!(30));
    default(spec, "dnsPolicy", json!("ClusterFirst"));
    default(spec, "securityContext", json!({}));
    default(spec, "schedulerName", json!("default-scheduler"));
}

/// Defaults of a pod template (`spec.template` of a workload).
fn template(tpl: &mut Map<String, Value>, restart_policy: &str) {
    let meta = child(tpl, "metadata");
    default(meta, "creationTimestamp", Value::Null);
    pod_spec(child(tpl, "spec"), restart_policy);
}

/// Defaults only a pod object (not a template) gets: service account, token volume, tolerations.
pub(crate) fn pod_only(spec: &mut Map<String, Value>, rng: &mut impl Rng) {
    pod_spec(spec, "Always");
    default(spec, "serviceAccountName", json!("default"));
    default(spec, "serviceAccount", json!("default"));
    default(spec, "priority", json!(0));
    default(spec, "enableServiceLinks", json!(true));
    default(spec, "preemptionPolicy", json!("PreemptLowerPriority"));
    default(
        spec,
        "tolerations",
        json!([
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
        ]),
    );
    let has_token_volume = spec
        .get("volumes")
        .and_then(Value::as_array)
        .is_some_and(|v| {
            v.iter()
                .any(|v| util::str_at(v, "/name").starts_with("kube-api-access-"))
        });
    if has_token_volume {
        return;
    }
    let volume = format!("kube-api-access-{}", util::random_suffix(rng, 5));
    let volumes = spec.entry("volumes").or_insert_with(|| json!([]));
    if let Value::Array(v) = volumes {
        v.push(json!({
            "name": volume,
            "projected": {
                "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                    {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
                ],
                "defaultMode": 420
            }
        }));
    }
    if let Some(Value::Array(containers)) = spec.get_mut("containers") {
        for c in containers.iter_mut().filter_map(Value::as_object_mut) {
            let mounts = c.entry("volumeMounts").or_insert_with(|| json!([]));
            if let Value::Array(m) = mounts {
                m.push(json!({
                    "name": volume,
                    "readOnly": true,
                    "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"
                }));
            }
        }
    }
}

/// The pod's QoS class from its containers' requests and limits.
pub(crate) fn qos_class(spec: &Value) -> &'static str {
    let containers = spec
        .get("containers")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let mut any = false;
    let mut guaranteed = !containers.is_empty();
    for c in containers {
        let limits = c.pointer("/resources/limits").and_then(Value::as_object);
        let requests = c.pointer("/resources/requests").and_then(Value::as_object);
        if limits.is_some_and(|l| !l.is_empty()) || requests.is_some_and(|r| !r.is_empty()) {
            any = true;
        }
        let full = ["cpu", "memory"].iter().all(|k| {
            let limit = limits.and_then(|l| l.get(*k));
            let request = requests.and_then(|r| r.get(*k));
            limit.is_some() && (request.is_none() || request == limit)
        });
        guaranteed &= full;
    }
    if guaranteed {
        "Guaranteed"
    } else if any {
        "Burstable"
    } else {
        "BestEffort"
    }
}

/// Applies create-time defaulting for `res` to `obj` (metadata identity is set by the caller).
pub(crate) fn apply(res: SimResource, obj: &mut Value, rng: &mut impl Rng) {
    let uid = util::str_at(obj, "/metadata/uid").to_string();
    let name = util::str_at(obj, "/metadata/name").to_string();
    let root = util::ensure_object(obj);
    match res {
        SimResource::Namespaces => {
            let labels = child(child(root, "metadata"), "labels");
            labels.insert("kubernetes.io/metadata.name".into(), json!(name));
            default(child(root, "spec"), "finalizers", json!(["kubernetes"]));
            default(child(root, "status"), "phase", json!("Active"));
        }
        SimResource::Nodes => {
            child(root, "spec");
            child(root, "status");
        }
        SimResource::Pods => {
            let spec = child(root, "spec");
            pod_only(spec, rng);
            let qos = qos_class(&Value::Object(spec.clone()));
            let status = child(root, "status");
            default(status, "phase", json!("Pending"));
            default(status, "qosClass", json!(qos));
        }
        SimResource::Deployments => {
            let spec = child(root, "spec");
            default(spec, "replicas", json!(1));
            default(
                spec,
                "strategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}),
            );
            default(spec, "revisionHistoryLimit", json!(10));
            default(spec, "progressDeadlineSeconds", json!(600));
            template(child(spec, "template"), "Always");
            child(root, "status");
        }
        SimResource::ReplicaSets => {
            let spec = child(root, "spec");
            default(spec, "replicas", json!(1));
            template(child(spec, "template"), "Always");
            default(child(root, "status"), "replicas", json!(0));
        }
        SimResource::StatefulSets => {
            let spec = child(root, "spec");
            default(spec, "replicas", json!(1));
            default(spec, "podManagementPolicy", json!("OrderedReady"));
            default(
                spec,
                "updateStrategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
            );
            default(spec, "revisionHistoryLimit", json!(10));
            default(
                spec,
                "persistentVolumeClaimRetentionPolicy",
                json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
            );
            default(spec, "serviceName", json!(""));
            template(child(spec, "template"), "Always");
            let status = child(root, "status");
            default(status, "replicas", json!(0));
            default(status, "availableReplicas", json!(0));
        }
        SimResource::DaemonSets => {
            let spec = child(root, "spec");
            default(
                spec,
                "updateStrategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}),
            );
            default(spec, "revisionHistoryLimit", json!(10));
            template(child(spec, "template"), "Always");
            let annotations = child(child(root, "metadata"), "annotations");
            default(
                annotations,
                "deprecated.daemonset.template.generation",
                json!("1"),
            );
            let status = child(root, "status");
            for k in [
                "currentNumberScheduled",
                "numberMisscheduled",
                "desiredNumberScheduled",
                "numberReady",
            ] {
                default(status, k, json!(0));
            }
        }
        SimResource::Jobs => {
            let spec = child(root, "spec");
            default(spec, "parallelism", json!(1));
            default(spec, "completions", json!(1));
            default(spec, "backoffLimit", json!(6));
            default(spec, "completionMode", json!("NonIndexed"));
            default(spec, "suspend", json!(false));
            let selector_labels = json!({
                "batch.kubernetes.io/controller-uid": uid,
                "batch.kubernetes.io/job-name": name,
                "controller-uid": uid,
                "job-name": name,
            });
            default(
                spec,
                "selector",
                json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}),
            );
            let tpl = child(spec, "template");
            template(tpl, "Never");
            let labels = child(child(tpl, "metadata"), "labels");
            if let Value::Object(extra) = selector_labels {
                for (k, v) in extra {
                    labels.entry(k).or_insert(v);
                }
            }
            child(root, "status");
        }
        // Custom resources get no defaulting beyond their schema's (none here).
        SimResource::Workers
        | SimResource::ControllerRevisions
        | SimResource::Events
        | SimResource::ConfigMaps => {}
        SimResource::Secrets => default(root, "type", json!("Opaque")),
        SimResource::Services => {
            let spec = child(root, "spec");
            default(spec, "type", json!("ClusterIP"));
            default(spec, "sessionAffinity", json!("None"));
            child(child(root, "status"), "loadBalancer");
        }
        SimResource::CronJobs => {
            let spec = child(root, "spec");
            default(spec, "concurrencyPolicy", json!("Allow"));
            default(spec, "suspend", json!(false));
            default(spec, "successfulJobsHistoryLimit", json!(3));
            default(spec, "failedJobsHistoryLimit", json!(1));
            let job_tpl = child(spec, "jobTemplate");
            default(child(job_tpl, "metadata"), "creationTimestamp", Value::Null);
            template(child(child(job_tpl, "spec"), "template"), "Never");
            child(root, "status");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn pull_policy_from_tag() {
        assert_eq!(pull_policy("registry.example/a:1.2"), "IfNotPresent");
        assert_eq!(pull_policy("registry.example:5000/a"), "Always");
        assert_eq!(pull_policy("a:latest"), "Always");
    }

    #[test]
    fn qos() {
        assert_eq!(
            qos_class(&json!({"containers": [{"name": "a"}]})),
            "BestEffort"
        );
        assert_eq!(
            qos_class(&json!({"containers": [{"resources": {"requests": {"cpu": "1"}}}]})),
            "Burstable"
        );
        assert_eq!(
            qos_class(
                &json!({"containers": [{"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]})
            ),
            "Guaranteed"
        );
    }

    #[test]
    fn pod_defaults_add_token_volume_once() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let mut pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "x:1"}]}});
        apply(SimResource::Pods, &mut pod, &mut rng);
        apply(SimResource::Pods, &mut pod, &mut rng);
        assert_eq!(pod["spec"]["volumes"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            pod["spec"]["containers"][0]["volumeMounts"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        assert_eq!(pod["status"]["qosClass"], "BestEffort");
    }
}
