//! ReplicaSet controller: keeps `spec.replicas` pods alive and reports status.

use serde_json::{Map, Value, json};

use super::{Controller, World, create, delete, replicas, update};
use crate::sim::cluster::SimCluster;
use crate::sim::podgen::{self, NewPod};
use crate::sim::resource::SimResource;
use crate::sim::util;

pub(super) fn reconcile(ctl: &mut Controller, cluster: &SimCluster, world: &World) {
    let now = util::now_rfc3339();
    let nodes = world.nodes();
    for rs in world.of(SimResource::ReplicaSets) {
        if podgen::is_terminating(&rs.value) {
            continue;
        }
        let pods = world.pods_of(rs.uid());
        let want = replicas(&rs.value);
        let have = pods.len() as i64;
        if have < want {
            let template = rs
                .value
                .pointer("/spec/template")
                .cloned()
                .unwrap_or(json!({}));
            let generate_name = format!("{}-", rs.name());
            for _ in have..want {
                let node = ctl.next_node(&nodes);
                let pod = NewPod {
                    template: &template,
                    owner: &rs.value,
                    namespace: rs.namespace(),
                    name: None,
                    generate_name: &generate_name,
                    extra_labels: &[],
                    node: node.as_deref(),
                }
                .build(&now);
                create(cluster, pod);
            }
        } else if have > want {
            // Like the real controller: unscheduled, then pending, then not-ready, then newest.
            let mut victims = pods;
            victims.sort_by_key(|p| {
                let v = &p.value;
                (
                    !util::str_at(v, "/spec/nodeName").is_empty(),
                    util::str_at(v, "/status/phase") != "Pending",
                    podgen::is_ready(v),
                    std::cmp::Reverse(util::str_at(v, "/metadata/creationTimestamp").to_string()),
                    std::cmp::Reverse(p.name().to_string()),
                )
            });
            for p in victims.into_iter().take((have - want) as usize) {
                delete(cluster, p);
            }
        }
    }
}

pub(super) fn update_status(cluster: &SimCluster, world: &World) {
    for rs in world.of(SimResource::ReplicaSets) {
        let pods = world.pods_of(rs.uid());
        let n = pods.len() as i64;
        let ready = pods.iter().filter(|p| podgen::is_ready(&p.value)).count() as i64;
        let generation = util::i64_at(&rs.value, "/metadata/generation", 1);
        update(cluster, rs, |v| {
            let mut s = Map::new();
            s.insert("replicas".into(), json!(n));
            util::set_count(&mut s, "fullyLabeledReplicas", n);
            util::set_count(&mut s, "readyReplicas", ready);
            util::set_count(&mut s, "availableReplicas", ready);
            s.insert("observedGeneration".into(), json!(generation));
            util::ensure_object(v).insert("status".into(), Value::Object(s));
        });
    }
}
