//! The foundation, end to end over HTTP: the real kube client (kube-runtime watchers) against
//! the simulated API server through a kubeconfig file; the catalog must equal the server's
//! truth after sync, after changes, after dropped watches and after 410 Gone.

use crate::support::{all_ready, start};
use kubeatlas::catalog::{ClusterStatus, SourceStatus};
use kubeatlas_sim::{PatchKind, SimFleet, SimResource};
use serde_json::json;
use std::time::Duration;

const ENVS: &[&str] = &["dev", "staging", "prod"];
const T: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_equals_the_simulator_after_sync() {
    let mut env = start(SimFleet::demo(), &[]).await;
    assert!(
        env.pump_until(T, |c| all_ready(c, ENVS)).await,
        "all contexts ready"
    );
    env.converge(T).await;
    let c = &env.session.catalog;
    let wl = c.workload_blueprint().expect("workload blueprint");
    assert!(
        c.entities(wl).count() >= 3 * 12,
        "every demo workload is there"
    );
    let envs: Vec<String> = c.environments().iter().map(|e| e.to_string()).collect();
    assert_eq!(envs, ENVS);
    let checkout: Vec<Vec<String>> = ENVS
        .iter()
        .map(|e| {
            c.running_service("checkout-api", e)
                .expect("checkout-api everywhere")
                .versions
        })
        .collect();
    assert_ne!(
        checkout[0], checkout[2],
        "versions drift between dev and prod"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_follows_create_delete_and_rollout() {
    let mut env = start(SimFleet::demo(), &[]).await;
    assert!(env.pump_until(T, |c| all_ready(c, ENVS)).await);
    let prod = env.sim.cluster("prod").expect("prod").clone();

    // Create: the controller makes a ReplicaSet and pods; they must all show up, related.
    let mut d = prod
        .get(SimResource::Deployments, Some("shop"), "cart")
        .expect("cart exists");
    let obj = d.as_object_mut().expect("object");
    obj.remove("status");
    let md = obj["metadata"].as_object_mut().expect("metadata");
    for k in ["uid", "resourceVersion", "creationTimestamp", "generation"] {
        md.remove(k);
    }
    md.insert("name".into(), json!("wishlist"));
    d["metadata"]["labels"]["app.kubernetes.io/name"] = json!("wishlist");
    d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] = json!("wishlist");
    prod.create(d).expect("created");
    // Delete: the Deployment goes; its pods follow by the controller's cascade.
    prod.delete(SimResource::Deployments, Some("shop"), "catalog")
        .expect("deleted");
    // Rollout: a new template makes a new ReplicaSet and replaces the pods.
    prod.patch(
        SimResource::Deployments,
        Some("platform"),
        "auth",
        PatchKind::Strategic,
        &json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-24T00:00:00Z"}}}}}),
    )
    .expect("patched");

    let ok = env
        .pump_until(T, |c| {
            c.running_service("wishlist", "prod")
                .is_some_and(|rs| rs.ready == rs.desired && rs.desired > 0)
                && c.running_service("catalog", "prod").is_none()
        })
        .await;
    assert!(ok, "new workload ready and deleted one gone");
    env.converge(T).await;

    let c = &env.session.catalog;
    let wl = c.workload_blueprint().expect("workload");
    let pod_bp = c.blueprints().by_identifier("pod").expect("pod");
    let prod_id = c.cluster_by_name("prod").expect("prod");
    let wishlist = c
        .entities_in(prod_id, wl)
        .find(|r| &*r.name == "wishlist")
        .map(|r| kubeatlas::catalog::EntityRef {
            cluster: prod_id,
            bp: wl,
            uid: r.uid.clone(),
        })
        .expect("wishlist in catalog");
    let pods = c.children(&wishlist, pod_bp);
    assert_eq!(
        pods.len(),
        3,
        "its pods relate to it through the ReplicaSet"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_ghosts_and_nothing_missing_after_dropped_watches_and_410() {
    let mut env = start(SimFleet::demo(), &[]).await;
    assert!(env.pump_until(T, |c| all_ready(c, ENVS)).await);
    env.converge(T).await;
    let staging = env.sim.cluster("staging").expect("staging").clone();

    // Drop every watch and keep the server failing (500) so nobody can watch; change things;
    // forget the history. When the server is back, the watchers' resume point is gone: the
    // server answers 410 Expired and they must relist.
    staging.set_fail_all(true);
    staging.drop_watches();
    staging
        .delete(SimResource::Deployments, Some("shop"), "frontend")
        .expect("deleted");
    staging
        .patch(
            SimResource::Deployments,
            Some("shop"),
            "cart",
            PatchKind::Merge,
            &json!({"metadata": {"labels": {"app.kubernetes.io/version": "9.9.9"}}}),
        )
        .expect("patched");
    staging.compact();
    staging.clear_journal();
    staging.set_fail_all(false);

    assert!(
        env.pump_until(T, |c| c.running_service("frontend", "staging").is_none()
            && c.running_service("cart", "staging")
                .is_some_and(|r| r.versions == ["9.9.9"]))
            .await,
        "the relist saw the changes made while the watch was down"
    );
    env.converge(T).await;
    let relisted = staging.journal().iter().any(|e| {
        e.method == "GET" && e.path == "/apis/apps/v1/deployments" && !e.query.contains("watch")
    });
    assert!(relisted, "deployments were relisted after the 410");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_context_does_not_delay_the_others() {
    let mut env = start(SimFleet::demo(), &["dead"]).await;
    let started = std::time::Instant::now();
    assert!(
        env.pump_until(T, |c| all_ready(c, ENVS)).await,
        "the live contexts sync while one is unreachable"
    );
    let took = started.elapsed();
    assert!(
        env.pump_until(Duration::from_secs(5), |c| {
            let id = c.cluster_by_name("dead").expect("dead context listed");
            matches!(
                c.cluster(id).map(|i| &i.status),
                Some(ClusterStatus::Unreachable(_))
            )
        })
        .await,
        "the dead context shows as unreachable, not connecting forever: {:?}",
        env.status("dead")
    );
    eprintln!("live contexts ready in {took:?} with a dead one in the kubeconfig");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_kind_shows_as_forbidden_while_the_rest_syncs() {
    let sim = SimFleet::demo();
    sim.cluster("prod")
        .expect("prod")
        .forbid(SimResource::Nodes, &["list", "watch"]);
    let mut env = start(sim, &[]).await;
    assert!(
        env.pump_until(T, |c| all_ready(c, ENVS)).await,
        "prod is ready despite RBAC"
    );
    let c = &env.session.catalog;
    let prod = c.cluster_by_name("prod").expect("prod");
    let node_bp = c.blueprints().by_identifier("node").expect("node");
    let pod_bp = c.blueprints().by_identifier("pod").expect("pod");
    let info = c.cluster(prod).expect("info");
    let node_status = info
        .sources
        .iter()
        .find(|(b, _, _)| *b == node_bp)
        .map(|(_, _, s)| s.clone());
    match node_status {
        Some(SourceStatus::Forbidden(m)) => assert!(m.contains("nodes"), "{m}"),
        other => panic!("nodes should be forbidden in prod, got {other:?}"),
    }
    assert_eq!(c.count(prod, node_bp), 0);
    assert!(c.count(prod, pod_bp) > 0, "pods still sync in prod");
    let dev = c.cluster_by_name("dev").expect("dev");
    assert!(c.count(dev, node_bp) > 0, "other clusters still see nodes");
    let forbidden = env.session.forbidden();
    assert_eq!(forbidden.len(), 1);
    assert_eq!(
        (forbidden[0].0.as_str(), forbidden[0].1.as_str()),
        ("prod", "Node")
    );
}
