//! Job controller: runs pods to completion and reports Complete.

use serde_json::{Map, Value, json};

use super::{Controller, World, create, update};
use crate::sim::cluster::SimCluster;
use crate::sim::podgen::{self, NewPod};
use crate::sim::resource::SimResource;
use crate::sim::util::{self, str_at};

fn phase(p: &Value) -> &str {
    str_at(p, "/status/phase")
}

pub(super) fn reconcile(ctl: &mut Controller, cluster: &SimCluster, world: &World) {
    let now = util::now_rfc3339();
    let nodes = world.nodes();
    for job in world.of(SimResource::Jobs) {
        if podgen::is_terminating(&job.value)
            || job.value.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true)
        {
            continue;
        }
        let completions = util::i64_at(&job.value, "/spec/completions", 1);
        let parallelism = util::i64_at(&job.value, "/spec/parallelism", 1);
        let pods = world.pods_of(job.uid());
        let succeeded = pods
            .iter()
            .filter(|p| phase(&p.value) == "Succeeded")
            .count() as i64;
        let active = pods
            .iter()
            .filter(|p| matches!(phase(&p.value), "Pending" | "Running" | ""))
            .count() as i64;
        let want_active = parallelism.min(completions - succeeded).max(0);
        if active >= want_active {
            continue;
        }
        let template = job
            .value
            .pointer("/spec/template")
            .cloned()
            .unwrap_or(json!({}));
        let generate_name = format!("{}-", job.name());
        for _ in active..want_active {
            let node = ctl.next_node(&nodes);
            let pod = NewPod {
                template: &template,
                owner: &job.value,
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

pub(super) fn update_status(cluster: &SimCluster, world: &World) {
    let now = util::now_rfc3339();
    for job in world.of(SimResource::Jobs) {
        let pods = world.pods_of(job.uid());
        if pods.is_empty() && job.value.pointer("/status/startTime").is_none() {
            continue;
        }
        let completions = util::i64_at(&job.value, "/spec/completions", 1);
        let succeeded = pods
            .iter()
            .filter(|p| phase(&p.value) == "Succeeded")
            .count() as i64;
        let active = pods
            .iter()
            .filter(|p| matches!(phase(&p.value), "Pending" | "Running" | ""))
            .count() as i64;
        let ready = pods.iter().filter(|p| podgen::is_ready(&p.value)).count() as i64;
        let old = job.value.get("status").cloned().unwrap_or(json!({}));
        let start = old.get("startTime").cloned().unwrap_or(json!(now));
        let done = succeeded >= completions;
        update(cluster, job, |v| {
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
    }
}
