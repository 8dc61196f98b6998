//! Job controller: runs pods to completion and reports Complete.

use serde_json::{Map, Value, json};

use super::{Controller, World, create, fingerprint, update};
use crate::cluster::SimCluster;
use crate::object::StoredObject;
use crate::podgen::NewPod;
use crate::resource::SimResource;
use crate::util;

fn phase(p: &StoredObject) -> &str {
    &p.meta.facts.phase
}

fn is_active(p: &StoredObject) -> bool {
    matches!(phase(p), "Pending" | "Running" | "")
}

pub(super) fn reconcile(ctl: &mut Controller, cluster: &SimCluster, world: &World) {
    let now = util::now_rfc3339();
    let nodes = world.nodes();
    for job in world.of(SimResource::Jobs) {
        let f = &job.meta.facts;
        if job.is_terminating() || f.suspend {
            continue;
        }
        let pods = world.pods_of(job.uid());
        let succeeded = pods.iter().filter(|p| phase(p) == "Succeeded").count() as i64;
        let active = pods.iter().filter(|p| is_active(p)).count() as i64;
        let want_active = f.parallelism.min(f.completions - succeeded).max(0);
        if active >= want_active {
            continue;
        }
        let jv = job.value();
        let template = jv.pointer("/spec/template").cloned().unwrap_or(json!({}));
        let generate_name = format!("{}-", job.name());
        for _ in active..want_active {
            let node = ctl.next_node(&nodes);
            let pod = NewPod {
                template: &template,
                owner: &jv,
                namespace: job.namespace(),
                name: None,
                generate_name: &generate_name,
                extra_labels: &[],
                node: node.as_deref(),
            }
            .build(&now);
            create(cluster, pod);
        }
    }
}

pub(super) fn update_status(ctl: &mut Controller, cluster: &SimCluster, world: &World) {
    let now = util::now_rfc3339();
    for job in world.of(SimResource::Jobs) {
        let pods = world.pods_of(job.uid());
        let succeeded = pods.iter().filter(|p| phase(p) == "Succeeded").count() as i64;
        let active = pods.iter().filter(|p| is_active(p)).count() as i64;
        let ready = pods.iter().filter(|p| p.is_ready()).count() as i64;
        let done = succeeded >= job.meta.facts.completions;
        let inputs = fingerprint(&[pods.len() as i64, succeeded, active, ready], "");
        if ctl.status_fresh(job, inputs) {
            continue;
        }
        let old = job.value().get("status").cloned().unwrap_or(json!({}));
        if pods.is_empty() && old.get("startTime").is_none() {
            ctl.remember_status(job, None, inputs);
            continue;
        }
        let start = old.get("startTime").cloned().unwrap_or(json!(now));
        let stored = update(cluster, job, |v| {
            let mut s = Map::new();
            s.insert("startTime".into(), start);
            util::set_count(&mut s, "active", active);
            util::set_count(&mut s, "succeeded", succeeded);
            s.insert("ready".into(), json!(ready));
            s.insert("uncountedTerminatedPods".into(), json!({}));
            if done {
                let at = old.get("completionTime").cloned().unwrap_or(json!(now));
                s.insert("completionTime".into(), at.clone());
                s.insert(
                    "conditions".into(),
                    json!([{"type": "Complete", "status": "True", "lastProbeTime": at, "lastTransitionTime": at}]),
                );
            }
            util::ensure_object(v).insert("status".into(), Value::Object(s));
        });
        ctl.remember_status(job, stored, inputs);
    }
}
