//! Actions on real objects: restart and redeploy make the controller-manager produce a new
//! ReplicaSet (pods made Ready by a kubelet stand-in so the rollout finishes), scale goes
//! through the scale subresource, delete pod honours its uid precondition, and the catalog
//! follows each change.

use crate::envtest::{self, get};
use crate::support::*;
use kubeatlas::actions::Action;
use kubeatlas::actions::progress::{RolloutState, progress};
use std::collections::BTreeSet;

const CTX: &str = "envtest-admin";

/// A namespace with Deployment `web` (`replicas` pods, all Ready) and a session that shows it.
async fn ready_web(
    cp: &envtest::ControlPlane,
    ns: &str,
    replicas: i64,
    home: &std::path::Path,
) -> (
    kube::Client,
    kubeatlas::cli::session::Session,
    Kubelet,
    kubeatlas::catalog::EntityRef,
) {
    let admin = cp.admin_client().await;
    namespace(&admin, ns).await;
    let kubelet = kubelet(&admin, ns);
    create_deployment(&admin, ns, deployment("web", replicas, "nginx:1.25")).await;
    let mut s = open(vec![cp.kubeconfig()], &[CTX], home).await;
    let ok = pump_until(&mut s, T, |c| {
        find(c, CTX, "workload", ns, "web").is_some_and(|e| {
            let r = c.get(&e).expect("web");
            prop(c, r, "ready").as_int() == Some(replicas)
        })
    })
    .await;
    assert!(ok, "web is ready in the catalog");
    let e = find(&s.catalog, CTX, "workload", ns, "web").expect("web");
    (admin, s, kubelet, e)
}

fn names(rs: &[serde_json::Value]) -> BTreeSet<String> {
    rs.iter()
        .filter_map(|r| r["metadata"]["name"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn restart_makes_a_new_replicaset_and_the_rollout_finishes() {
    envtest::run(|cp| async move {
        let dir = tempfile::tempdir().expect("tmp");
        let ns = "act-restart";
        let (admin, mut s, _kubelet, e) = ready_web(cp, ns, 2, &dir.path().join("home")).await;
        let old_rs = names(&replicasets(&admin, ns, "web").await);
        let old_pods: BTreeSet<String> = in_namespace(&s.catalog, CTX, "pod", ns)
            .iter()
            .map(|p| p.name.to_string())
            .collect();
        assert_eq!(old_rs.len(), 1);
        assert_eq!(old_pods.len(), 2);

        let out = executor(&s, dir.path())
            .execute(&target(&s, &e), &Action::Restart)
            .await;
        assert!(out.ok, "{}", out.message);
        let d = get(
            &admin,
            &format!("/apis/apps/v1/namespaces/{ns}/deployments/web"),
        )
        .await
        .expect("web");
        let at =
            d["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
                .as_str()
                .expect("restartedAt set on the server");
        assert!(at.parse::<jiff::Timestamp>().is_ok(), "RFC 3339: {at}");

        let done = pump_until(&mut s, T, |c| {
            progress(c, &e, out.generation).state == RolloutState::Done
                && in_namespace(c, CTX, "replicaset", ns).len() == 2
        })
        .await;
        assert!(
            done,
            "the rollout finished: {:?}",
            progress(&s.catalog, &e, out.generation)
        );
        let new_rs = names(&replicasets(&admin, ns, "web").await);
        assert_eq!(
            new_rs.difference(&old_rs).count(),
            1,
            "the controller-manager made one new ReplicaSet: {new_rs:?}"
        );
        assert!(
            pump_until(&mut s, T, |c| {
                let now: BTreeSet<String> = in_namespace(c, CTX, "pod", ns)
                    .iter()
                    .map(|p| p.name.to_string())
                    .collect();
                now.len() == 2 && now.is_disjoint(&old_pods)
            })
            .await,
            "every pod was replaced"
        );
        converge(&mut s, CTX, &admin, Some(ns), T).await;
        s.fleet.shutdown().await;
    });
}

#[test]
fn redeploy_sets_one_image_and_the_catalog_follows() {
    envtest::run(|cp| async move {
        let dir = tempfile::tempdir().expect("tmp");
        let ns = "act-redeploy";
        let (admin, mut s, _kubelet, e) = ready_web(cp, ns, 1, &dir.path().join("home")).await;
        let action = Action::SetImage {
            container: "app".into(),
            image: "nginx:1.26".into(),
        };
        let out = executor(&s, dir.path())
            .execute(&target(&s, &e), &action)
            .await;
        assert!(out.ok, "{}", out.message);
        let rs = replicasets(&admin, ns, "web").await;
        let images: BTreeSet<&str> = rs
            .iter()
            .filter_map(|r| r["spec"]["template"]["spec"]["containers"][0]["image"].as_str())
            .collect();
        let wait_rs = pump_until(&mut s, T, |c| {
            progress(c, &e, out.generation).state == RolloutState::Done
                && c.get(&e)
                    .is_some_and(|r| prop(c, r, "images").as_list() == ["nginx:1.26".into()])
        })
        .await;
        assert!(
            wait_rs,
            "rolled out in the catalog; server RS images: {images:?}"
        );
        let rs = replicasets(&admin, ns, "web").await;
        let images: BTreeSet<&str> = rs
            .iter()
            .filter_map(|r| r["spec"]["template"]["spec"]["containers"][0]["image"].as_str())
            .collect();
        assert_eq!(
            images.into_iter().collect::<Vec<_>>(),
            ["nginx:1.25", "nginx:1.26"]
        );
        converge(&mut s, CTX, &admin, Some(ns), T).await;
        s.fleet.shutdown().await;
    });
}

#[test]
fn scale_goes_through_the_scale_subresource_and_pods_follow() {
    envtest::run(|cp| async move {
        let dir = tempfile::tempdir().expect("tmp");
        let ns = "act-scale";
        let (admin, mut s, _kubelet, e) = ready_web(cp, ns, 1, &dir.path().join("home")).await;
        let out = executor(&s, dir.path())
            .execute(&target(&s, &e), &Action::Scale { replicas: 3 })
            .await;
        assert!(out.ok, "{}", out.message);
        let scale = get(
            &admin,
            &format!("/apis/apps/v1/namespaces/{ns}/deployments/web/scale"),
        )
        .await
        .expect("scale");
        assert_eq!(scale["spec"]["replicas"], 3);
        assert!(
            pump_until(&mut s, T, |c| {
                in_namespace(c, CTX, "pod", ns).len() == 3
                    && c.get(&e).is_some_and(|r| {
                        prop(c, r, "desired").as_int() == Some(3)
                            && prop(c, r, "ready").as_int() == Some(3)
                    })
            })
            .await,
            "three pods, all ready, in the catalog"
        );
        converge(&mut s, CTX, &admin, Some(ns), T).await;
        s.fleet.shutdown().await;
    });
}

#[test]
fn delete_pod_with_a_stale_uid_deletes_nothing_then_deletes_and_is_replaced() {
    envtest::run(|cp| async move {
        let dir = tempfile::tempdir().expect("tmp");
        let ns = "act-delete";
        let (admin, mut s, _kubelet, _) = ready_web(cp, ns, 2, &dir.path().join("home")).await;
        let pod = in_namespace(&s.catalog, CTX, "pod", ns)[0].clone();
        let pod_ref = find(&s.catalog, CTX, "pod", ns, &pod.name).expect("pod");
        let t = target(&s, &pod_ref);
        let ex = executor(&s, dir.path());

        let mut stale = t.clone();
        stale.uid = "00000000-0000-0000-0000-000000000000".into();
        let out = ex.execute(&stale, &Action::Delete).await;
        assert!(!out.ok);
        assert!(
            out.message.contains("nothing was deleted"),
            "{}",
            out.message
        );
        let path = format!("/api/v1/namespaces/{ns}/pods/{}", pod.name);
        assert!(get(&admin, &path).await.is_ok(), "the pod is still there");

        let out = ex.execute(&t, &Action::Delete).await;
        assert!(out.ok, "{}", out.message);
        assert!(
            pump_until(&mut s, T, |c| c.get(&pod_ref).is_none()
                && in_namespace(c, CTX, "pod", ns).len() == 2)
            .await,
            "the pod left the catalog and the ReplicaSet replaced it"
        );
        converge(&mut s, CTX, &admin, Some(ns), T).await;
        s.fleet.shutdown().await;
    });
}
