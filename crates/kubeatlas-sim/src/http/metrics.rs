//! `metrics.k8s.io/v1beta1`, as metrics-server serves it: PodMetrics (all namespaces or one) and
//! NodeMetrics lists. Values are derived deterministically from the running pods (a hash of
//! namespace, pod and container name), a node's being the sum of its pods plus a base, so tests
//! can predict them. A cluster set to [`MetricsMode::Absent`] answers 404 (no metrics-server:
//! the group is not served), [`MetricsMode::Forbidden`] answers 403 in RBAC's words.

use axum::response::Response;
use serde_json::{Value, json};

use super::respond;
use crate::cluster::SimCluster;
use crate::resource::SimResource;
use crate::status::ApiError;

const PREFIX: &str = "/apis/metrics.k8s.io/v1beta1";

/// Whether a cluster serves the metrics API.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MetricsMode {
    /// metrics-server is installed and answers.
    #[default]
    Served,
    /// No metrics-server: the group is not served (404).
    Absent,
    /// Served, but RBAC denies the user (403).
    Forbidden,
}

/// The node base usage (system daemons): 100m CPU, 512 MiB.
pub const NODE_BASE_MILLICPU: u64 = 100;
pub const NODE_BASE_MEMORY: u64 = 512 << 20;

fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The usage the simulator reports for one container: (millicores, bytes).
pub fn container_usage(namespace: &str, pod: &str, container: &str) -> (u64, u64) {
    let h = fnv(&format!("{namespace}/{pod}/{container}"));
    (5 + h % 250, (20 + (h >> 16) % 200) << 20)
}

fn running_pods(cluster: &SimCluster, namespace: Option<&str>) -> Vec<Value> {
    cluster
        .list(SimResource::Pods)
        .into_iter()
        .filter(|p| p["status"]["phase"] == "Running")
        .filter(|p| namespace.is_none_or(|ns| p["metadata"]["namespace"] == ns))
        .collect()
}

fn containers(p: &Value) -> Vec<(String, u64, u64)> {
    let ns = p["metadata"]["namespace"].as_str().unwrap_or_default();
    let name = p["metadata"]["name"].as_str().unwrap_or_default();
    p["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .map(|c| {
            let (cpu, mem) = container_usage(ns, name, c);
            (c.to_string(), cpu, mem)
        })
        .collect()
}

fn now() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or_default()
        .to_string()
}

fn list(kind: &str, items: Vec<Value>) -> Response {
    let body = json!({
        "kind": kind,
        "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {},
        "items": items,
    });
    respond::json(200, body.to_string())
}

fn forbidden(user: &str, resource: &str, namespace: Option<&str>) -> ApiError {
    let scope = match namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".to_string(),
    };
    ApiError {
        code: 403,
        reason: "Forbidden",
        message: format!(
            "{resource}.metrics.k8s.io is forbidden: User \"{user}\" cannot list resource \"{resource}\" in API group \"metrics.k8s.io\" {scope}"
        ),
        details: Some(json!({"group": "metrics.k8s.io", "kind": resource})),
        metadata: json!({}),
    }
}

/// Answer a metrics request, or `None` for any other path.
pub(crate) fn serve(
    cluster: &SimCluster,
    mode: MetricsMode,
    user: &str,
    path: &str,
) -> Option<Result<Response, ApiError>> {
    let rest = path.strip_prefix(PREFIX)?;
    let (resource, namespace) = match rest.trim_end_matches('/').split('/').collect::<Vec<_>>()[..]
    {
        ["", "pods"] => ("pods", None),
        ["", "nodes"] => ("nodes", None),
        ["", "namespaces", ns, "pods"] => ("pods", Some(ns)),
        _ => return Some(Err(ApiError::path_not_found())),
    };
    match mode {
        MetricsMode::Absent => return Some(Err(ApiError::path_not_found())),
        MetricsMode::Forbidden => return Some(Err(forbidden(user, resource, namespace))),
        MetricsMode::Served => {}
    }
    let ts = now();
    if resource == "pods" {
        let items = running_pods(cluster, namespace)
            .iter()
            .map(|p| {
                json!({
                    "metadata": {
                        "name": p["metadata"]["name"],
                        "namespace": p["metadata"]["namespace"],
                        "labels": p["metadata"]["labels"],
                        "creationTimestamp": ts,
                    },
                    "timestamp": ts,
                    "window": "15s",
                    "containers": containers(p).into_iter().map(|(c, cpu, mem)| json!({
                        "name": c,
                        "usage": {"cpu": format!("{}n", cpu * 1_000_000), "memory": format!("{}Ki", mem >> 10)},
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        return Some(Ok(list("PodMetricsList", items)));
    }
    let pods = running_pods(cluster, None);
    let items = cluster
        .list(SimResource::Nodes)
        .iter()
        .filter_map(|n| n["metadata"]["name"].as_str())
        .map(|node| {
            let (mut cpu, mut mem) = (NODE_BASE_MILLICPU, NODE_BASE_MEMORY);
            for p in pods.iter().filter(|p| p["spec"]["nodeName"] == node) {
                for (_, c, m) in containers(p) {
                    cpu += c;
                    mem += m;
                }
            }
            json!({
                "metadata": {"name": node, "creationTimestamp": ts},
                "timestamp": ts,
                "window": "15s",
                "usage": {"cpu": format!("{cpu}m"), "memory": format!("{}Ki", mem >> 10)},
            })
        })
        .collect();
    Some(Ok(list("NodeMetricsList", items)))
}
