//! Builders for the objects fleets are made of: namespaces, nodes and service workloads.

use serde_json::{Value, json};

use crate::util;

/// One container of a service: name and image.
#[derive(Clone, Debug)]
pub(crate) struct Container {
    pub name: String,
    pub image: String,
}

/// A service as a workload: name, version, containers, replicas and extra annotations.
#[derive(Clone, Debug)]
pub(crate) struct Service {
    pub name: String,
    pub version: String,
    pub part_of: String,
    pub containers: Vec<Container>,
    pub replicas: i64,
    pub annotations: Vec<(String, String)>,
}

impl Service {
    /// A service whose main container `app` runs `registry.example/<name>:<version>`.
    pub fn new(name: &str, version: &str, part_of: &str, replicas: i64) -> Service {
        Service {
            name: name.to_string(),
            version: version.to_string(),
            part_of: part_of.to_string(),
            containers: vec![Container {
                name: "app".into(),
                image: format!("registry.example/{name}:{version}"),
            }],
            replicas,
            annotations: Vec::new(),
        }
    }

    /// Adds an Envoy sidecar container named `envoy`.
    pub fn with_envoy(mut self) -> Service {
        self.containers.push(Container {
            name: "envoy".into(),
            image: "envoyproxy/envoy:v1.30.1".into(),
        });
        self
    }

    /// Adds a workload annotation (e.g. a simulation knob).
    pub fn annotate(mut self, key: &str, value: &str) -> Service {
        self.annotations.push((key.to_string(), value.to_string()));
        self
    }

    fn labels(&self) -> Value {
        json!({
            "app.kubernetes.io/name": self.name,
            "app.kubernetes.io/version": self.version,
            "app.kubernetes.io/part-of": self.part_of,
        })
    }

    fn selector(&self) -> Value {
        json!({"matchLabels": {"app.kubernetes.io/name": self.name}})
    }

    fn annotations(&self) -> Value {
        let mut m = serde_json::Map::new();
        for (k, v) in &self.annotations {
            m.insert(k.clone(), json!(v));
        }
        Value::Object(m)
    }

    fn template(&self, port: i64) -> Value {
        let containers: Vec<Value> = self
            .containers
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 0 {
                    json!({
                        "name": c.name,
                        "image": c.image,
                        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
                        "env": [{"name": "SERVICE_NAME", "value": self.name}],
                        "resources": {
                            "requests": {"cpu": "100m", "memory": "128Mi"},
                            "limits": {"memory": "256Mi"}
                        }
                    })
                } else {
                    json!({
                        "name": c.name,
                        "image": c.image,
                        "ports": [{"name": "admin", "containerPort": 15000, "protocol": "TCP"}],
                        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}}
                    })
                }
            })
            .collect();
        json!({
            "metadata": {"labels": self.labels()},
            "spec": {"containers": containers}
        })
    }

    fn meta(&self, namespace: &str) -> Value {
        let mut meta = json!({"name": self.name, "namespace": namespace, "labels": self.labels()});
        if !self.annotations.is_empty() {
            meta["annotations"] = self.annotations();
        }
        meta
    }

    /// An apps/v1 Deployment.
    pub fn deployment(&self, namespace: &str) -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": self.meta(namespace),
            "spec": {
                "replicas": self.replicas,
                "selector": self.selector(),
                "template": self.template(8080),
            }
        })
    }

    /// An apps/v1 StatefulSet (headless service named like the workload).
    pub fn statefulset(&self, namespace: &str, port: i64) -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": self.meta(namespace),
            "spec": {
                "replicas": self.replicas,
                "serviceName": self.name,
                "selector": self.selector(),
                "template": self.template(port),
            }
        })
    }

    /// An apps/v1 DaemonSet.
    pub fn daemonset(&self, namespace: &str, port: i64) -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": self.meta(namespace),
            "spec": {
                "selector": self.selector(),
                "template": self.template(port),
            }
        })
    }

    /// A batch/v1 CronJob running the service's image.
    pub fn cronjob(&self, namespace: &str, schedule: &str) -> Value {
        let mut template = self.template(8080);
        template["spec"]["restartPolicy"] = json!("OnFailure");
        template["spec"]["containers"][0]["command"] = json!(["/app/report", "--since=24h"]);
        json!({
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": self.meta(namespace),
            "spec": {
                "schedule": schedule,
                "jobTemplate": {"spec": {"template": template}},
            }
        })
    }
}

/// Marks a manifest as created by `kubectl apply`: the `last-applied-configuration`
/// annotation holds the manifest itself (with empty annotations, as kubectl writes it).
pub(crate) fn applied(mut manifest: Value) -> Value {
    const KEY: &str = "kubectl.kubernetes.io/last-applied-configuration";
    let mut recorded = manifest.clone();
    let meta = util::meta_mut(&mut recorded);
    let mut annotations = meta
        .get("annotations")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    annotations.remove(KEY);
    meta.insert("annotations".into(), Value::Object(annotations));
    let text = format!("{}\n", serde_json::to_string(&recorded).unwrap_or_default());
    util::child(util::meta_mut(&mut manifest), "annotations").insert(KEY.into(), json!(text));
    manifest
}

/// A namespace labelled with its environment.
pub(crate) fn namespace(name: &str, environment: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {"environment": environment}},
    })
}

/// A ready worker node.
pub(crate) fn node(name: &str, index: usize, cluster_index: usize, zone: &str) -> Value {
    let ip = format!("10.{}.0.{}", cluster_index + 1, 10 + index);
    let booted = util::rfc3339(
        jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_hours(72))
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH),
    );
    let now = util::now_rfc3339();
    let seed = util::pseudo_sha256(name);
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "node.kubernetes.io/instance-type": "m5.2xlarge",
                "topology.kubernetes.io/zone": zone,
            },
            "annotations": {"node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": {
            "podCIDR": format!("10.244.{}.0/24", index + 1),
            "podCIDRs": [format!("10.244.{}.0/24", index + 1)],
        },
        "status": {
            "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110", "ephemeral-storage": "100Gi"},
            "allocatable": {"cpu": "7800m", "memory": "30Gi", "pods": "110", "ephemeral-storage": "95Gi"},
            "conditions": [
                {"type": "MemoryPressure", "status": "False", "lastHeartbeatTime": now, "lastTransitionTime": booted, "reason": "KubeletHasSufficientMemory", "message": "kubelet has sufficient memory available"},
                {"type": "DiskPressure", "status": "False", "lastHeartbeatTime": now, "lastTransitionTime": booted, "reason": "KubeletHasNoDiskPressure", "message": "kubelet has no disk pressure"},
                {"type": "PIDPressure", "status": "False", "lastHeartbeatTime": now, "lastTransitionTime": booted, "reason": "KubeletHasSufficientPID", "message": "kubelet has sufficient PID available"},
                {"type": "Ready", "status": "True", "lastHeartbeatTime": now, "lastTransitionTime": booted, "reason": "KubeletReady", "message": "kubelet is posting ready status"}
            ],
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": &seed[..32],
                "systemUUID": &seed[32..],
                "bootID": &seed[8..40],
                "kernelVersion": "6.1.0-18-cloud-amd64",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "containerRuntimeVersion": "containerd://1.7.13",
                "kubeletVersion": "v1.28.0",
                "kubeProxyVersion": "v1.28.0",
                "operatingSystem": "linux",
                "architecture": "amd64"
            }
        }
    })
}
