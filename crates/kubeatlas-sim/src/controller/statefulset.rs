//! StatefulSet controller: ordinal pods `<name>-0..N-1`, ordered start, rolling updates.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::{Controller, World, create, delete, fingerprint, update};
use crate::cluster::SimCluster;
use crate::object::StoredObject;
use crate::podgen::NewPod;
use crate::resource::SimResource;
use crate::util::{self, str_at};

const REVISION_LABEL: &str = "controller-revision-hash";

/// `<name>-<hash>`: the revision of a StatefulSet's current template.
pub(crate) fn update_revision(sts: &Value) -> String {
    let hash = util::template_hash(sts.pointer("/spec/template").unwrap_or(&Value::Null), 0);
    format!("{}-{hash}", str_at(sts, "/metadata/name"))
}

fn revision_of(sts: &StoredObject) -> String {
    format!("{}-{}", sts.name(), sts.meta.facts.template_hash)
}

fn ordinal(sts_name: &str, pod_name: &str) -> Option<i64> {
    pod_name
        .strip_prefix(sts_name)?
        .strip_prefix('-')?
        .parse()
        .ok()
}

/// The pod for ordinal `i` of a StatefulSet.
pub(crate) fn pod_for(sts: &Value, i: i64, node: Option<&str>, now: &str) -> Value {
    let name = str_at(sts, "/metadata/name");
    let pod_name = format!("{name}-{i}");
    let template = sts.pointer("/spec/template").cloned().unwrap_or(json!({}));
    let labels = [
        (REVISION_LABEL, update_revision(sts)),
        ("statefulset.kubernetes.io/pod-name", pod_name.clone()),
        ("apps.kubernetes.io/pod-index", i.to_string()),
    ];
    let mut pod = NewPod {
        template: &template,
        owner: sts,
        namespace: str_at(sts, "/metadata/namespace"),
        name: Some(&pod_name),
        generate_name: &format!("{name}-"),
        extra_labels: &labels,
        node,
    }
    .build(now);
    let spec = util::child(util::ensure_object(&mut pod), "spec");
    spec.insert("hostname".into(), json!(pod_name));
    let service = str_at(sts, "/spec/serviceName");
    if !service.is_empty() {
        spec.insert("subdomain".into(), json!(service));
    }
    pod
}

pub(super) fn reconcile(ctl: &mut Controller, cluster: &SimCluster, world: &World) {
    let now = util::now_rfc3339();
    let nodes = world.nodes();
    for sts in world.of(SimResource::StatefulSets) {
        if sts.is_terminating() {
            continue;
        }
        let f = &sts.meta.facts;
        let name = sts.name();
        let want = f.replicas;
        let revision = revision_of(sts);
        let all = world.owned_by(SimResource::Pods, sts.uid());
        if !f.parallel && all.iter().any(|p| p.is_terminating()) {
            continue; // OrderedReady waits for terminations to finish.
        }
        let pods: HashMap<i64, _> = world
            .pods_of(sts.uid())
            .into_iter()
            .filter_map(|p| Some((ordinal(name, p.name())?, p)))
            .collect();
        // Scale down from the highest ordinal, one at a time.
        if let Some((_, p)) = pods
            .iter()
            .filter(|(i, _)| **i >= want)
            .max_by_key(|(i, _)| **i)
        {
            delete(cluster, p);
            continue;
        }
        // Create missing ordinals (OrderedReady: only once all lower ones are ready).
        let mut blocked = false;
        let mut value = None;
        for i in 0..want {
            match pods.get(&i) {
                Some(p) if !p.is_ready() && !f.parallel => {
                    blocked = true;
                    break;
                }
                Some(_) => {}
                None => {
                    let node = ctl.next_node(&nodes);
                    let v = value.get_or_insert_with(|| sts.value());
                    create(cluster, pod_for(v, i, node.as_deref(), &now));
                    if !f.parallel {
                        blocked = true;
                        break;
                    }
                }
            }
        }
        if blocked || pods.len() as i64 != want || f.on_delete {
            continue;
        }
        // Rolling update from the highest ordinal down to the partition.
        let stale = pods
            .iter()
            .filter(|(i, p)| **i >= f.partition && p.label(REVISION_LABEL) != Some(&revision))
            .max_by_key(|(i, _)| **i);
        if let Some((_, p)) = stale {
            delete(cluster, p);
        }
    }
}

pub(super) fn update_status(ctl: &mut Controller, cluster: &SimCluster, world: &World) {
    for sts in world.of(SimResource::StatefulSets) {
        let pods = world.pods_of(sts.uid());
        let revision = revision_of(sts);
        let n = pods.len() as i64;
        let ready = pods.iter().filter(|p| p.is_ready()).count() as i64;
        let updated = pods
            .iter()
            .filter(|p| p.label(REVISION_LABEL) == Some(&revision))
            .count() as i64;
        let generation = sts.meta.facts.generation;
        let inputs = fingerprint(&[n, ready, updated, generation], &revision);
        let settled = [
            ("observedGeneration", generation),
            ("replicas", n),
            ("readyReplicas", ready),
            ("currentReplicas", n),
            ("updatedReplicas", n),
            ("collisionCount", 0),
            ("availableReplicas", ready),
        ];
        let fast =
            updated == n && *sts.meta.facts.update_revision == *revision && sts.status_is(&settled);
        if ctl.status_fresh(sts, inputs) || fast {
            continue;
        }
        let old_current = str_at(&sts.value(), "/status/currentRevision").to_string();
        let current_revision = if updated == n || old_current.is_empty() {
            revision.clone()
        } else {
            old_current
        };
        let current = pods
            .iter()
            .filter(|p| p.label(REVISION_LABEL) == Some(&current_revision))
            .count() as i64;
        let stored = update(cluster, sts, |v| {
            let mut s = Map::new();
            s.insert("observedGeneration".into(), json!(generation));
            s.insert("replicas".into(), json!(n));
            util::set_count(&mut s, "readyReplicas", ready);
            util::set_count(&mut s, "currentReplicas", current);
            util::set_count(&mut s, "updatedReplicas", updated);
            s.insert("currentRevision".into(), json!(current_revision));
            s.insert("updateRevision".into(), json!(revision));
            s.insert("collisionCount".into(), json!(0));
            s.insert("availableReplicas".into(), json!(ready));
            util::ensure_object(v).insert("status".into(), Value::Object(s));
        });
        ctl.remember_status(sts, stored, inputs);
    }
}
