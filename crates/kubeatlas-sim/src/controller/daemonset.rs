//! DaemonSet controller: one pod per schedulable node, rolling replacement on template change.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::{Controller, World, create, delete, fingerprint, update};
use crate::cluster::SimCluster;
use crate::podgen::NewPod;
use crate::resource::SimResource;
use crate::util::{self, str_at};

const HASH_LABEL: &str = "controller-revision-hash";

/// The daemon pod for `node`.
pub(crate) fn pod_for(ds: &Value, node: &str, now: &str) -> Value {
    let template = ds.pointer("/spec/template").cloned().unwrap_or(json!({}));
    let labels = [
        (HASH_LABEL, util::template_hash(&template, 0)),
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

pub(super) fn reconcile(cluster: &SimCluster, world: &World) {
    let now = util::now_rfc3339();
    let nodes = world.nodes();
    for ds in world.of(SimResource::DaemonSets) {
        if ds.is_terminating() {
            continue;
        }
        let rev = &*ds.meta.facts.template_hash;
        let mut by_node: HashMap<&str, Vec<_>> = HashMap::new();
        for p in world.pods_of(ds.uid()) {
            by_node.entry(&*p.meta.facts.node).or_default().push(p);
        }
        let mut all_ready = true;
        let mut value = None;
        for (node, _) in &nodes {
            match by_node.get(node.as_str()) {
                None => {
                    let v = value.get_or_insert_with(|| ds.value());
                    create(cluster, pod_for(v, node, &now));
                    all_ready = false;
                }
                Some(ps) => {
                    for extra in ps.iter().skip(1) {
                        delete(cluster, extra);
                    }
                    all_ready &= ps.iter().all(|p| p.is_ready());
                }
            }
        }
        for (node, ps) in &by_node {
            if !nodes.iter().any(|(n, _)| n == node) {
                ps.iter().for_each(|p| delete(cluster, p));
            }
        }
        // maxUnavailable 1: replace one outdated pod at a time, once everything is ready.
        if all_ready && !ds.meta.facts.on_delete {
            let stale = by_node
                .values()
                .flatten()
                .filter(|p| p.label(HASH_LABEL) != Some(rev))
                .min_by_key(|p| p.name().to_string());
            if let Some(p) = stale {
                delete(cluster, p);
            }
        }
    }
}

pub(super) fn update_status(ctl: &mut Controller, cluster: &SimCluster, world: &World) {
    let node_names: Vec<String> = world.nodes().into_iter().map(|(n, _)| n).collect();
    for ds in world.of(SimResource::DaemonSets) {
        let rev = &*ds.meta.facts.template_hash;
        let pods = world.pods_of(ds.uid());
        let scheduled = pods
            .iter()
            .filter(|p| node_names.iter().any(|n| *n == *p.meta.facts.node))
            .count() as i64;
        let ready = pods.iter().filter(|p| p.is_ready()).count() as i64;
        let updated = pods
            .iter()
            .filter(|p| p.label(HASH_LABEL) == Some(rev))
            .count() as i64;
        let desired = node_names.len() as i64;
        let generation = ds.meta.facts.generation;
        let inputs = fingerprint(&[scheduled, ready, updated, desired, generation], "");
        let expected = [
            ("currentNumberScheduled", scheduled),
            ("numberMisscheduled", 0),
            ("desiredNumberScheduled", desired),
            ("numberReady", ready),
            ("observedGeneration", generation),
            ("updatedNumberScheduled", updated),
            ("numberAvailable", ready),
            ("numberUnavailable", (desired - ready).max(0)),
        ];
        if ctl.status_fresh(ds, inputs) || ds.status_is(&expected) {
            continue;
        }
        let stored = update(cluster, ds, |v| {
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
        ctl.remember_status(ds, stored, inputs);
    }
}
