//! DaemonSet controller: one pod per schedulable node, rolling replacement on template change.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::{World, create, delete, update};
use crate::sim::cluster::SimCluster;
use crate::sim::podgen::{self, NewPod};
use crate::sim::resource::SimResource;
use crate::sim::util::{self, str_at};

const HASH_LABEL: &str = "controller-revision-hash";

/// The revision hash of a DaemonSet's current template.
pub(crate) fn revision(ds: &Value) -> String {
    util::template_hash(ds.pointer("/spec/template").unwrap_or(&Value::Null), 0)
}

/// The daemon pod for `node`.
pub(crate) fn pod_for(ds: &Value, node: &str, now: &str) -> Value {
    let template = ds.pointer("/spec/template").cloned().unwrap_or(json!({}));
    let labels = [
        (HASH_LABEL, revision(ds)),
        (
            "pod-template-generation",
            util::i64_at(ds, "/metadata/generation", 1).to_string(),
        ),
    ];
    let mut pod = NewPod {
        template: &template,
        owner: ds,
        namespace: str_at(ds, "/metadata/namespace"),
        name: None,
        generate_name: &format!("{}-", str_at(ds, "/metadata/name")),
        extra_labels: &labels,
        node: Some(node),
    }
    .build(now);
    let spec = util::child(util::ensure_object(&mut pod), "spec");
    spec.insert(
        "affinity".into(),
        json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
        ]}}}),
    );
    pod
}

fn node_of(pod: &Value) -> &str {
    str_at(pod, "/spec/nodeName")
}

pub(super) fn reconcile(cluster: &SimCluster, world: &World) {
    let now = util::now_rfc3339();
    let nodes = world.nodes();
    for ds in world.of(SimResource::DaemonSets) {
        if podgen::is_terminating(&ds.value) {
            continue;
        }
        let rev = revision(&ds.value);
        let mut by_node: HashMap<&str, Vec<_>> = HashMap::new();
        for p in world.pods_of(ds.uid()) {
            by_node.entry(node_of(&p.value)).or_default().push(p);
        }
        let mut all_ready = true;
        for (node, _) in &nodes {
            match by_node.get(node.as_str()) {
                None => {
                    create(cluster, pod_for(&ds.value, node, &now));
                    all_ready = false;
                }
                Some(ps) => {
                    for extra in ps.iter().skip(1) {
                        delete(cluster, extra);
                    }
                    all_ready &= ps.iter().all(|p| podgen::is_ready(&p.value));
                }
            }
        }
        for (node, ps) in &by_node {
            if !nodes.iter().any(|(n, _)| n == node) {
                ps.iter().for_each(|p| delete(cluster, p));
            }
        }
        // maxUnavailable 1: replace one outdated pod at a time, once everything is ready.
        if all_ready && str_at(&ds.value, "/spec/updateStrategy/type") != "OnDelete" {
            let stale = by_node
                .values()
                .flatten()
                .filter(|p| !util::labels(&p.value).any(|(k, v)| k == HASH_LABEL && v == rev))
                .min_by_key(|p| p.name().to_string());
            if let Some(p) = stale {
                delete(cluster, p);
            }
        }
    }
}

pub(super) fn update_status(cluster: &SimCluster, world: &World) {
    let node_names: Vec<String> = world.nodes().into_iter().map(|(n, _)| n).collect();
    for ds in world.of(SimResource::DaemonSets) {
        let rev = revision(&ds.value);
        let pods = world.pods_of(ds.uid());
        let scheduled = pods
            .iter()
            .filter(|p| node_names.iter().any(|n| n == node_of(&p.value)))
            .count() as i64;
        let ready = pods.iter().filter(|p| podgen::is_ready(&p.value)).count() as i64;
        let updated = pods
            .iter()
            .filter(|p| util::labels(&p.value).any(|(k, v)| k == HASH_LABEL && v == rev))
            .count() as i64;
        let desired = node_names.len() as i64;
        let generation = util::i64_at(&ds.value, "/metadata/generation", 1);
        update(cluster, ds, |v| {
            let mut s = Map::new();
            s.insert("currentNumberScheduled".into(), json!(scheduled));
            s.insert("numberMisscheduled".into(), json!(0));
            s.insert("desiredNumberScheduled".into(), json!(desired));
            s.insert("numberReady".into(), json!(ready));
            s.insert("observedGeneration".into(), json!(generation));
            util::set_count(&mut s, "updatedNumberScheduled", updated);
            util::set_count(&mut s, "numberAvailable", ready);
            util::set_count(&mut s, "numberUnavailable", (desired - ready).max(0));
            util::ensure_object(v).insert("status".into(), Value::Object(s));
            util::child(util::meta_mut(v), "annotations").insert(
                "deprecated.daemonset.template.generation".into(),
                json!(generation.to_string()),
            );
        });
    }
}
