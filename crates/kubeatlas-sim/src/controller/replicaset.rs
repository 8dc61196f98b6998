//! ReplicaSet controller: keeps `spec.replicas` pods alive and reports status.

use serde_json::{Map, Value, json};

use super::{Controller, World, create, delete, fingerprint, update};
use crate::cluster::SimCluster;
use crate::podgen::NewPod;
use crate::resource::SimResource;
use crate::util;

pub(super) fn reconcile(ctl: &mut Controller, cluster: &SimCluster, world: &World) {
    let now = util::now_rfc3339();
    let nodes = world.nodes();
    for rs in world.of(SimResource::ReplicaSets) {
        if rs.is_terminating() {
            continue;
        }
        let pods = world.pods_of(rs.uid());
        let want = rs.meta.facts.replicas;
        let have = pods.len() as i64;
        if have < want {
            let rv = rs.value();
            let template = rv.pointer("/spec/template").cloned().unwrap_or(json!({}));
            let generate_name = format!("{}-", rs.name());
            for _ in have..want {
                let node = ctl.next_node(&nodes);
                let pod = NewPod {
                    template: &template,
                    owner: &rv,
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
                let f = &p.meta.facts;
                (
                    !f.node.is_empty(),
                    &*f.phase != "Pending",
                    f.ready,
                    std::cmp::Reverse(p.meta.created.clone()),
                    std::cmp::Reverse(p.meta.name.clone()),
                )
            });
            for p in victims.into_iter().take((have - want) as usize) {
                delete(cluster, p);
            }
        }
    }
}

pub(super) fn update_status(ctl: &mut Controller, cluster: &SimCluster, world: &World) {
    for rs in world.of(SimResource::ReplicaSets) {
        let pods = world.pods_of(rs.uid());
        let n = pods.len() as i64;
        let ready = pods.iter().filter(|p| p.is_ready()).count() as i64;
        let generation = rs.meta.facts.generation;
        let inputs = fingerprint(&[n, ready, generation], "");
        let expected = [
            ("replicas", n),
            ("fullyLabeledReplicas", n),
            ("readyReplicas", ready),
            ("availableReplicas", ready),
            ("observedGeneration", generation),
        ];
        if ctl.status_fresh(rs, inputs) || rs.status_is(&expected) {
            continue;
        }
        let stored = update(cluster, rs, |v| {
            let mut s = Map::new();
            s.insert("replicas".into(), json!(n));
            util::set_count(&mut s, "fullyLabeledReplicas", n);
            util::set_count(&mut s, "readyReplicas", ready);
            util::set_count(&mut s, "availableReplicas", ready);
            s.insert("observedGeneration".into(), json!(generation));
            util::ensure_object(v).insert("status".into(), Value::Object(s));
        });
        ctl.remember_status(rs, stored, inputs);
    }
}
