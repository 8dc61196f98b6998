//! CPU and memory from `metrics.k8s.io/v1beta1` (metrics-server): PodMetrics and NodeMetrics
//! per cluster, summed per workload (through the catalog's pod → workload relation) and per
//! running service. Where the API is absent (404: no metrics-server) or forbidden (403), the
//! reason is typed ([`Unavailable`]) and is what a column shows; nothing else depends on it.
//! Fetching is on demand ([`fetch`]); [`poll`] repeats it only while someone holds the handle.

pub mod poll;
pub mod quantity;
pub mod resources;

use crate::catalog::{Catalog, ClusterId, EntityRef};
use crate::fleet::status::{Failure, classify};
use serde_json::Value;
use std::collections::HashMap;
use thiserror::Error;

/// metrics-server's resolution: it scrapes kubelets every 15 s, so asking more often only
/// returns the same numbers.
pub const RESOLUTION: std::time::Duration = std::time::Duration::from_secs(15);

const PATH: &str = "/apis/metrics.k8s.io/v1beta1";

/// CPU (millicores) and memory (bytes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Usage {
    pub millicores: u64,
    pub bytes: u64,
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, o: Usage) {
        self.millicores += o.millicores;
        self.bytes += o.bytes;
    }
}

impl Usage {
    /// `kubectl top`'s units: `250m`, `128Mi`.
    pub fn cpu_text(&self) -> String {
        format!("{}m", self.millicores)
    }

    pub fn memory_text(&self) -> String {
        format!("{}Mi", self.bytes >> 20)
    }
}

/// Why a cluster has no metrics: what its CPU/memory columns say instead.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Unavailable {
    /// The group is not served (404): metrics-server is not installed.
    #[error("no metrics-server")]
    NoMetricsServer,
    /// RBAC denies listing PodMetrics/NodeMetrics (the server's words kept for the detail).
    #[error("forbidden")]
    Forbidden(String),
    /// Anything else (metrics-server registered but not answering: 503, a timeout).
    #[error("metrics failing: {0}")]
    Failed(String),
}

/// One cluster's metrics at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// (namespace, pod) → the sum of its containers.
    pub pods: HashMap<(String, String), Usage>,
    /// node name → usage.
    pub nodes: HashMap<String, Usage>,
}

fn unavailable(e: &kube::Error) -> Unavailable {
    match classify(e) {
        Failure::NotFound(_) => Unavailable::NoMetricsServer,
        Failure::Forbidden(m) => Unavailable::Forbidden(m),
        f => Unavailable::Failed(f.message()),
    }
}

async fn get(client: &kube::Client, path: &str) -> Result<Value, Unavailable> {
    let req = http::Request::get(path)
        .body(Vec::new())
        .map_err(|e| Unavailable::Failed(e.to_string()))?;
    client
        .request::<Value>(req)
        .await
        .map_err(|e| unavailable(&e))
}

fn usage_of(u: &Value) -> Usage {
    Usage {
        millicores: u["cpu"]
            .as_str()
            .and_then(|q| quantity::millicores(q).ok())
            .unwrap_or(0),
        bytes: u["memory"]
            .as_str()
            .and_then(|q| quantity::bytes(q).ok())
            .unwrap_or(0),
    }
}

/// Parse a PodMetricsList: each pod's containers summed.
pub fn parse_pods(list: &Value) -> HashMap<(String, String), Usage> {
    let mut out = HashMap::new();
    for item in list["items"].as_array().into_iter().flatten() {
        let (Some(ns), Some(name)) = (
            item["metadata"]["namespace"].as_str(),
            item["metadata"]["name"].as_str(),
        ) else {
            continue;
        };
        let mut sum = Usage::default();
        for c in item["containers"].as_array().into_iter().flatten() {
            sum += usage_of(&c["usage"]);
        }
        out.insert((ns.to_string(), name.to_string()), sum);
    }
    out
}

/// Parse a NodeMetricsList.
pub fn parse_nodes(list: &Value) -> HashMap<String, Usage> {
    list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| {
            Some((
                i["metadata"]["name"].as_str()?.to_string(),
                usage_of(&i["usage"]),
            ))
        })
        .collect()
}

/// List pod metrics (in `namespace`, else all) and node metrics of one cluster. Node metrics
/// are cluster-scoped: a user allowed only namespaced pod metrics still gets those.
pub async fn fetch(
    client: &kube::Client,
    namespace: Option<&str>,
) -> Result<Snapshot, Unavailable> {
    let pods_path = match namespace {
        Some(ns) => format!("{PATH}/namespaces/{ns}/pods"),
        None => format!("{PATH}/pods"),
    };
    let pods = parse_pods(&get(client, &pods_path).await?);
    let nodes = match get(client, &format!("{PATH}/nodes")).await {
        Ok(v) => parse_nodes(&v),
        Err(Unavailable::Forbidden(_)) => HashMap::new(),
        Err(e) => return Err(e),
    };
    Ok(Snapshot { pods, nodes })
}

/// Pod usage summed per workload of `cluster` (the pod's workload relation, through its
/// ReplicaSet), by workload uid.
pub fn per_workload(
    catalog: &Catalog,
    cluster: ClusterId,
    snap: &Snapshot,
) -> HashMap<Box<str>, Usage> {
    let mut out: HashMap<Box<str>, Usage> = HashMap::new();
    let roles = catalog.blueprints().roles();
    let (Some(pod), Some(wl)) = (roles.pod, roles.workload) else {
        return out;
    };
    let Some(rel) = catalog.relation_to(pod, wl) else {
        return out;
    };
    for r in catalog.entities_in(cluster, pod) {
        let key = (
            r.namespace.as_deref().unwrap_or_default().to_string(),
            r.name.to_string(),
        );
        let (Some(u), Some(w)) = (snap.pods.get(&key), catalog.related(cluster, r, rel)) else {
            continue;
        };
        *out.entry(w.uid).or_default() += *u;
    }
    out
}

/// Usage per running service (service, environment): the sum of its workloads' over every
/// cluster with a snapshot.
pub fn per_running_service(
    catalog: &Catalog,
    snaps: &HashMap<ClusterId, Snapshot>,
) -> HashMap<(String, String), Usage> {
    let per: HashMap<ClusterId, HashMap<Box<str>, Usage>> = snaps
        .iter()
        .map(|(c, s)| (*c, per_workload(catalog, *c, s)))
        .collect();
    let mut out = HashMap::new();
    for rs in catalog.running_services() {
        let mut sum = Usage::default();
        let mut any = false;
        for EntityRef { cluster, uid, .. } in &rs.workloads {
            if let Some(u) = per.get(cluster).and_then(|m| m.get(uid)) {
                sum += *u;
                any = true;
            }
        }
        if any {
            out.insert((rs.service.to_string(), rs.environment.to_string()), sum);
        }
    }
    out
}
