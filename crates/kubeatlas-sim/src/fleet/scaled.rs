//! Benchmark fleets: many services built directly in their final Running/ready state.

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::build::{self, Service};
use crate::cluster::{SimCluster, lock};
use crate::controller::{deployment, history, statefulset};
use crate::defaults;
use crate::object::{StoredObject, store_key};
use crate::podgen::{self, Desired, NewPod};
use crate::resource::SimResource;
use crate::util;

/// Pods per workload in a scaled fleet.
const PODS_PER_WORKLOAD: usize = 5;
/// Namespaces per scaled cluster.
const NAMESPACES: usize = 8;

/// Objects built outside the store (serialized as they are queued, so no JSON value
/// outlives its object), inserted in one go.
struct Bulk {
    rng: StdRng,
    now: String,
    next_rv: u64,
    items: Vec<(SimResource, String, StoredObject)>,
}

impl Bulk {
    /// Sets identity (uid, timestamps, generation) and API defaults.
    fn add(&mut self, res: SimResource, mut v: Value) -> Value {
        let uid = util::uuid_v4(&mut self.rng);
        let meta = util::meta_mut(&mut v);
        meta.insert("uid".into(), json!(uid));
        meta.insert("creationTimestamp".into(), json!(self.now));
        if res.info().has_generation {
            meta.insert("generation".into(), json!(1));
        }
        defaults::apply(res, &mut v, &mut self.rng);
        v
    }

    fn push(&mut self, res: SimResource, v: Value) {
        let ns = util::str_at(&v, "/metadata/namespace");
        let key = store_key(
            (!ns.is_empty()).then_some(ns),
            util::str_at(&v, "/metadata/name"),
        );
        self.next_rv += 1;
        let obj = StoredObject::new(res, v, self.next_rv);
        self.items.push((res, key, obj));
    }

    /// Gives a pod its own identity, node and runtime ids (cloning a prototype is much faster
    /// than building every pod from scratch).
    fn retarget(&mut self, proto: &Value, name: &str, node: &(String, String, usize)) -> Value {
        let mut p = proto.clone();
        let uid = util::uuid_v4(&mut self.rng);
        let ip = podgen::pod_ip(&uid, node.2);
        let meta = util::meta_mut(&mut p);
        meta.insert("name".into(), json!(name));
        meta.insert("uid".into(), json!(uid));
        p["spec"]["nodeName"] = json!(node.0);
        if let Some(status) = p.get_mut("status").and_then(Value::as_object_mut) {
            status.insert("hostIP".into(), json!(node.1));
            status.insert("podIP".into(), json!(ip));
            status.insert("podIPs".into(), json!([{"ip": ip}]));
            if let Some(Value::Array(cs)) = status.get_mut("containerStatuses") {
                for c in cs.iter_mut() {
                    let cname = util::str_at(c, "/name").to_string();
                    c["containerID"] = json!(podgen::container_id(&uid, &cname, 0));
                }
            }
        }
        p
    }

    fn running(&mut self, pod: Value, node: &(String, String, usize)) -> Value {
        let mut pod = self.add(SimResource::Pods, pod);
        let uid = util::str_at(&pod, "/metadata/uid").to_string();
        let desired = Desired {
            crash: vec![],
            ready_allowed: true,
        };
        let status = podgen::running_status(
            &pod,
            &desired,
            &node.1,
            &podgen::pod_ip(&uid, node.2),
            jiff::Timestamp::now(),
        );
        pod["status"] = status;
        pod
    }
}

fn settled_deployment_status(n: usize, rs_name: &str, now: &str) -> Value {
    json!({
        "observedGeneration": 1,
        "replicas": n, "updatedReplicas": n, "readyReplicas": n, "availableReplicas": n,
        "conditions": [
            {"type": "Available", "status": "True", "lastUpdateTime": now, "lastTransitionTime": now,
             "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."},
            {"type": "Progressing", "status": "True", "lastUpdateTime": now, "lastTransitionTime": now,
             "reason": "NewReplicaSetAvailable", "message": format!("ReplicaSet \"{rs_name}\" has successfully progressed.")}
        ]
    })
}

/// A cluster named `name` with exactly `pods` running, ready pods in ~`pods / 5` workloads.
pub(crate) fn cluster(name: &str, cluster_index: usize, pods: usize) -> SimCluster {
    let c = SimCluster::new(name);
    let namespaces: Vec<String> = (1..=NAMESPACES).map(|i| format!("team-{i:02}")).collect();
    for ns in namespaces
        .iter()
        .map(String::as_str)
        .chain(["default", "kube-system"])
    {
        let _ = c.create(build::namespace(ns, name));
    }
    let node_count = (pods / 100).clamp(3, 1000);
    let mut nodes = Vec::with_capacity(node_count);
    for i in 0..node_count {
        let node_name = format!("{name}-node-{:03}", i + 1);
        let _ = c.create(build::node(
            &node_name,
            i,
            cluster_index,
            ["eu-1a", "eu-1b", "eu-1c"][i % 3],
        ));
        nodes.push((
            node_name,
            format!("10.{}.0.{}", cluster_index + 1, 10 + i),
            i + 1,
        ));
    }
    let mut bulk = Bulk {
        rng: StdRng::seed_from_u64(util::fnv64a(format!("bulk/{name}").as_bytes())),
        // Created a day ago, as in a fleet that has been running: ages on screen do not tick.
        now: util::rfc3339(
            jiff::Timestamp::now()
                .checked_sub(jiff::SignedDuration::from_hours(24))
                .unwrap_or_else(|_| jiff::Timestamp::now()),
        ),
        next_rv: c.resource_version(),
        items: Vec::with_capacity(pods + pods / 2),
    };
    let now = bulk.now.clone();
    let workloads = pods.div_ceil(PODS_PER_WORKLOAD);
    let mut next_node = 0usize;
    for w in 0..workloads {
        let n = PODS_PER_WORKLOAD.min(pods - w * PODS_PER_WORKLOAD);
        let ns = &namespaces[w % namespaces.len()];
        let version = format!("1.{}.{}", w % 7, w % 3);
        let svc = Service::new(&format!("svc-{w:05}"), &version, ns, n as i64);
        if w % 10 == 9 {
            let mut sts = svc.statefulset(ns, 5432);
            sts["status"] = json!({});
            let mut sts = bulk.add(SimResource::StatefulSets, sts);
            let rev = statefulset::update_revision(&sts);
            sts["status"] = json!({
                "observedGeneration": 1, "replicas": n, "readyReplicas": n, "currentReplicas": n,
                "updatedReplicas": n, "currentRevision": rev, "updateRevision": rev,
                "collisionCount": 0, "availableReplicas": n
            });
            bulk.push(SimResource::StatefulSets, sts.clone());
            let hash =
                util::template_hash(sts.pointer("/spec/template").unwrap_or(&Value::Null), 0);
            let cr = history::revision_object(&sts, &hash, 1);
            let cr = bulk.add(SimResource::ControllerRevisions, cr);
            bulk.push(SimResource::ControllerRevisions, cr);
            for i in 0..n {
                let node = &nodes[next_node % nodes.len()];
                next_node += 1;
                let pod = statefulset::pod_for(&sts, i as i64, Some(&node.0), &now);
                let pod = bulk.running(pod, node);
                bulk.push(SimResource::Pods, pod);
            }
            continue;
        }
        let mut d = bulk.add(SimResource::Deployments, svc.deployment(ns));
        let hash = deployment::template_hash(&d);
        let mut rs = deployment::new_replicaset(&d, &hash, n as i64, 1);
        rs = bulk.add(SimResource::ReplicaSets, rs);
        rs["status"] = json!({
            "replicas": n, "fullyLabeledReplicas": n, "readyReplicas": n,
            "availableReplicas": n, "observedGeneration": 1
        });
        let rs_name = util::str_at(&rs, "/metadata/name").to_string();
        util::child(util::meta_mut(&mut d), "annotations")
            .insert("deployment.kubernetes.io/revision".into(), json!("1"));
        d["status"] = settled_deployment_status(n, &rs_name, &now);
        bulk.push(SimResource::Deployments, d);
        let template = rs.pointer("/spec/template").cloned().unwrap_or(json!({}));
        let generate_name = format!("{rs_name}-");
        let first = &nodes[next_node % nodes.len()];
        let proto = NewPod {
            template: &template,
            owner: &rs,
            namespace: ns,
            name: None,
            generate_name: &generate_name,
            extra_labels: &[],
            node: Some(&first.0),
        }
        .build(&now);
        let proto = bulk.running(proto, first);
        bulk.push(SimResource::ReplicaSets, rs);
        for _ in 0..n {
            let node = &nodes[next_node % nodes.len()];
            next_node += 1;
            let pod_name = format!("{generate_name}{}", util::random_suffix(&mut bulk.rng, 5));
            let pod = bulk.retarget(&proto, &pod_name, node);
            bulk.push(SimResource::Pods, pod);
        }
    }
    // Insert without history: no client has seen an older resourceVersion.
    {
        let mut store = lock(&c.store);
        for (res, key, obj) in bulk.items {
            store.insert_silent(res, key, obj);
        }
        store.seal_bulk();
    }
    c
}
