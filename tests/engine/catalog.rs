//! The catalog, pure: folding, relations both ways (with ReplicaSet collapse), resync without
//! ghosts, revisions, and the derived running services kept current.

use kubeatlas::blueprint::{BlueprintSet, BpId, Record};
use kubeatlas::catalog::{Catalog, Change, ClusterId, ClusterInfo, EntityRef, Health};
use serde_json::{Value, json};
use std::sync::Arc;

struct Fx {
    set: Arc<BlueprintSet>,
}

impl Fx {
    fn new() -> Fx {
        Fx {
            set: Arc::new(BlueprintSet::builtin().expect("built-in blueprints load")),
        }
    }
    fn bp(&self, id: &str) -> BpId {
        self.set.by_identifier(id).expect("blueprint")
    }
    fn project(&self, bp: &str, kind: &str, obj: Value) -> Record {
        let b = self.set.get(self.bp(bp));
        let src = b
            .spec
            .sources
            .iter()
            .position(|s| s.kind == kind)
            .expect("source kind");
        b.project(src, &obj).expect("projects")
    }
    fn catalog(&self, clusters: &[(&str, Option<&str>)]) -> Catalog {
        Catalog::new(
            self.set.clone(),
            clusters
                .iter()
                .map(|(n, env)| ClusterInfo::new(*n, "http://x", env.map(str::to_string)))
                .collect(),
        )
    }
}

fn ns(name: &str, env: Option<&str>) -> Value {
    let labels = match env {
        Some(e) => json!({ "environment": e }),
        None => json!({}),
    };
    json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": name, "uid": format!("ns-{name}"), "labels": labels, "creationTimestamp": "2026-11-01T00:00:00Z"},
        "status": {"phase": "Active"}})
}

fn deploy(name: &str, ns: &str, version: &str, replicas: i64, ready: i64) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "uid": format!("d-{ns}-{name}"), "generation": 1,
            "labels": {"app.kubernetes.io/name": name, "app.kubernetes.io/version": version},
            "creationTimestamp": "2026-11-01T00:00:00Z"},
        "spec": {"replicas": replicas, "template": {"metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": "app", "image": format!("registry.example/{name}:{version}")}]}}},
        "status": {"replicas": replicas, "readyReplicas": ready, "updatedReplicas": replicas,
            "availableReplicas": ready, "observedGeneration": 1}})
}

fn rs(name: &str, ns: &str, owner: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": ns, "uid": format!("rs-{name}"),
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": owner,
                "uid": format!("d-{ns}-{owner}"), "controller": true}]},
        "spec": {"replicas": 1}})
}

fn pod(name: &str, ns: &str, rs_name: &str, node: &str, waiting: Option<&str>) -> Value {
    let state = match waiting {
        Some(r) => json!({"waiting": {"reason": r}}),
        None => json!({"running": {"startedAt": "2026-11-01T00:00:00Z"}}),
    };
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "uid": format!("p-{name}"),
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs_name,
                "uid": format!("rs-{rs_name}"), "controller": true}]},
        "spec": {"nodeName": node, "containers": [{"name": "app", "image": "x:1"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "app", "ready": waiting.is_none(),
            "restartCount": if waiting.is_some() { 3 } else { 0 }, "state": state}]}})
}

fn node(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "uid": format!("n-{name}")},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]}})
}

const C0: ClusterId = ClusterId(0);
const C1: ClusterId = ClusterId(1);

fn apply(c: &mut Catalog, cluster: ClusterId, r: Record) -> bool {
    c.apply(Change::Apply { cluster, record: r })
}

#[test]
fn pod_relates_to_its_deployment_through_the_replicaset_and_back() {
    let fx = Fx::new();
    let mut c = fx.catalog(&[("prod", None)]);
    apply(
        &mut c,
        C0,
        fx.project("namespace", "Namespace", ns("shop", None)),
    );
    apply(&mut c, C0, fx.project("node", "Node", node("node-a")));
    apply(
        &mut c,
        C0,
        fx.project(
            "workload",
            "Deployment",
            deploy("checkout", "shop", "1.4.2", 2, 2),
        ),
    );
    // The pod arrives before its ReplicaSet: the relation resolves once the RS is there.
    let p = fx.project(
        "pod",
        "Pod",
        pod("checkout-abc", "shop", "checkout-7d9f", "node-a", None),
    );
    apply(&mut c, C0, p.clone());
    let pod_bp = fx.bp("pod");
    let wl_rel = c.blueprint(pod_bp).relation_index("workload").expect("rel");
    assert_eq!(c.related(C0, &p, wl_rel), None);
    apply(
        &mut c,
        C0,
        fx.project(
            "replicaset",
            "ReplicaSet",
            rs("checkout-7d9f", "shop", "checkout"),
        ),
    );

    let wl = c.related(C0, &p, wl_rel).expect("pod → deployment");
    assert_eq!(c.get(&wl).map(|r| &*r.name), Some("checkout"));
    let node_rel = c.blueprint(pod_bp).relation_index("node").expect("rel");
    let n = c.related(C0, &p, node_rel).expect("pod → node");
    assert_eq!(c.get(&n).map(|r| &*r.name), Some("node-a"));
    let ns_rel = c
        .blueprint(pod_bp)
        .relation_index("namespace")
        .expect("rel");
    assert!(c.related(C0, &p, ns_rel).is_some());

    // Reverse: deployment → pods (through the RS), node → pods, namespace → workloads.
    let pods = c.children(&wl, pod_bp);
    assert_eq!(pods.len(), 1);
    assert_eq!(&*pods[0].uid, "p-checkout-abc");
    assert_eq!(c.children(&n, pod_bp).len(), 1);
    let ns_ref = c
        .entities_in(C0, fx.bp("namespace"))
        .next()
        .map(|r| EntityRef {
            cluster: C0,
            bp: fx.bp("namespace"),
            uid: r.uid.clone(),
        });
    assert_eq!(c.children(&ns_ref.expect("ns"), fx.bp("workload")).len(), 1);
}

#[test]
fn identical_updates_do_not_move_the_revision_and_resync_removes_ghosts() {
    let fx = Fx::new();
    let mut c = fx.catalog(&[("prod", None)]);
    let a = fx.project("node", "Node", node("a"));
    let b = fx.project("node", "Node", node("b"));
    assert!(apply(&mut c, C0, a.clone()));
    assert!(apply(&mut c, C0, b.clone()));
    let rev = c.revision();
    assert!(
        !apply(&mut c, C0, a.clone()),
        "same record again is no change"
    );
    assert_eq!(c.revision(), rev);

    // A relist that no longer has `b` (deleted while the watch was down).
    let node_bp = fx.bp("node");
    assert!(c.apply(Change::Resync {
        cluster: C0,
        bp: node_bp,
        source: 0,
        records: vec![a.clone()],
    }));
    let names: Vec<&str> = c.entities_in(C0, node_bp).map(|r| &*r.name).collect();
    assert_eq!(names, vec!["a"]);
    assert!(c.revision() > rev);
    assert!(!c.apply(Change::Delete {
        cluster: C0,
        bp: node_bp,
        uid: "nope".into()
    }));
}

#[test]
fn running_services_sum_workloads_per_environment_and_show_drift() {
    let fx = Fx::new();
    let mut c = fx.catalog(&[("dev", None), ("prod-eu", Some("prod"))]);
    apply(
        &mut c,
        C0,
        fx.project(
            "workload",
            "Deployment",
            deploy("checkout", "shop", "1.6.0", 1, 1),
        ),
    );
    apply(
        &mut c,
        C1,
        fx.project(
            "workload",
            "Deployment",
            deploy("checkout", "shop", "1.4.2", 3, 1),
        ),
    );
    apply(
        &mut c,
        C1,
        fx.project(
            "workload",
            "Deployment",
            deploy("cart", "shop", "2.0.0", 2, 2),
        ),
    );

    let all = c.running_services();
    let keys: Vec<(&str, &str)> = all.iter().map(|r| (&*r.service, &*r.environment)).collect();
    assert_eq!(
        keys,
        vec![("cart", "prod"), ("checkout", "dev"), ("checkout", "prod")]
    );
    let prod = c
        .running_service("checkout", "prod")
        .expect("checkout in prod");
    assert_eq!((prod.ready, prod.desired), (1, 3));
    assert_eq!(prod.versions, vec!["1.4.2"]);
    assert_eq!(prod.health, Health::Degraded);
    assert_eq!(prod.members[0].cluster, "prod-eu");
    let dev = c
        .running_service("checkout", "dev")
        .expect("checkout in dev");
    assert_eq!(dev.versions, vec!["1.6.0"]);
    assert_eq!(dev.health, Health::Healthy);
    assert_eq!(
        c.environments().iter().map(|e| &**e).collect::<Vec<_>>(),
        vec!["dev", "prod"]
    );

    // Deleting the only prod checkout removes that running service.
    let wl = fx.bp("workload");
    c.apply(Change::Delete {
        cluster: C1,
        bp: wl,
        uid: "d-shop-checkout".into(),
    });
    assert!(c.running_service("checkout", "prod").is_none());
    assert!(c.running_service("checkout", "dev").is_some());
}

#[test]
fn environment_follows_the_namespace_label_until_the_config_says_otherwise() {
    let fx = Fx::new();
    let mut c = fx.catalog(&[("cluster-1", None)]);
    apply(
        &mut c,
        C0,
        fx.project("workload", "Deployment", deploy("api", "team-a", "1", 1, 1)),
    );
    assert!(
        c.running_service("api", "cluster-1").is_some(),
        "no label: the context name"
    );
    apply(
        &mut c,
        C0,
        fx.project("namespace", "Namespace", ns("team-a", Some("staging"))),
    );
    assert!(
        c.running_service("api", "staging").is_some(),
        "the namespace label, once it arrives"
    );
    assert!(c.running_service("api", "cluster-1").is_none());
    apply(
        &mut c,
        C0,
        fx.project("namespace", "Namespace", ns("team-a", Some("qa"))),
    );
    assert!(
        c.running_service("api", "qa").is_some(),
        "a changed label moves the workload"
    );

    let mut mapped = fx.catalog(&[("cluster-1", Some("production"))]);
    apply(
        &mut mapped,
        C0,
        fx.project("namespace", "Namespace", ns("team-a", Some("qa"))),
    );
    apply(
        &mut mapped,
        C0,
        fx.project("workload", "Deployment", deploy("api", "team-a", "1", 1, 1)),
    );
    assert!(
        mapped.running_service("api", "production").is_some(),
        "the config mapping wins"
    );
}

#[test]
fn service_key_falls_back_from_labels_to_the_name_and_version_to_the_image_tag() {
    let fx = Fx::new();
    let mut c = fx.catalog(&[("dev", None)]);
    let mut d = deploy("web-frontend", "shop", "x", 1, 1);
    d["metadata"]["labels"] = json!({});
    d["spec"]["template"]["metadata"]["labels"] = json!({"app": "frontend"});
    apply(&mut c, C0, fx.project("workload", "Deployment", d.clone()));
    let rs = c
        .running_service("frontend", "dev")
        .expect("template app label is the key");
    assert_eq!(rs.versions, vec!["x"], "no version label: the image tag");

    d["spec"]["template"]["metadata"]["labels"] = json!({});
    apply(&mut c, C0, fx.project("workload", "Deployment", d));
    assert!(
        c.running_service("web-frontend", "dev").is_some(),
        "no labels: the name"
    );
    assert!(c.running_service("frontend", "dev").is_none());
}

#[test]
fn pod_health_sees_crash_loops() {
    let fx = Fx::new();
    let mut c = fx.catalog(&[("dev", None)]);
    let bad = fx.project(
        "pod",
        "Pod",
        pod("a", "shop", "rs", "n", Some("CrashLoopBackOff")),
    );
    let good = fx.project("pod", "Pod", pod("b", "shop", "rs", "n", None));
    apply(&mut c, C0, bad.clone());
    apply(&mut c, C0, good.clone());
    assert_eq!(c.health(&bad), Health::Failed);
    assert_eq!(c.health(&good), Health::Healthy);
}
