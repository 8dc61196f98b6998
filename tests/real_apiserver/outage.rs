//! The apiserver process killed mid-watch and started again: the context turns `unreachable`,
//! changes are made meanwhile (through a second apiserver on the same etcd, as in an HA control
//! plane), and once the first is back the catalog equals a fresh LIST again, record for record.

use crate::envtest::{self, merge_patch, post};
use crate::support::*;
use kubeatlas::catalog::ClusterStatus;
use serde_json::json;

const CTX: &str = "envtest-admin";

#[test]
fn after_an_apiserver_restart_the_catalog_equals_the_server_again() {
    envtest::run_own(|cp| async move {
        let admin = cp.admin_client().await;
        let ns = "outage";
        namespace(&admin, ns).await;
        create_deployment(&admin, ns, deployment("keep", 2, "nginx:1.25")).await;
        create_deployment(&admin, ns, deployment("gone", 1, "nginx:1.25")).await;
        let pod = |name: &str| {
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                   "spec": {"containers": [{"name": "app", "image": "busybox:1.36"}]}})
        };
        let bare = format!("/api/v1/namespaces/{ns}/pods");
        post(&admin, &bare, pod("old-pod")).await.expect("pod");
        let dir = tempfile::tempdir().expect("tmp");
        let mut s = open(vec![cp.kubeconfig()], &[CTX], &dir.path().join("home")).await;
        assert!(
            pump_until(&mut s, T, |c| is_ready(c, CTX)
                && in_namespace(c, CTX, "pod", ns).len() == 4)
            .await,
            "synced before the outage"
        );
        converge(&mut s, CTX, &admin, None, T).await;

        cp.kill_apiserver();
        assert!(
            pump_until(&mut s, T, |c| matches!(
                status(c, CTX),
                ClusterStatus::Unreachable(_)
            ))
            .await,
            "unreachable while the apiserver is down: {:?}",
            status(&s.catalog, CTX)
        );

        // Meanwhile, through another apiserver on the same etcd: add, change, delete.
        let other = cp.start_second_apiserver().await.expect("second apiserver");
        let b = cp.client_at_server(&other).await;
        create_deployment(&b, ns, deployment("new", 1, "nginx:1.27")).await;
        merge_patch(
            &b,
            &format!("/apis/apps/v1/namespaces/{ns}/deployments/keep"),
            json!({"spec": {"replicas": 3}, "metadata": {"labels": {"changed": "while-down"}}}),
        )
        .await
        .expect("keep patched");
        delete(
            &b,
            &format!("/apis/apps/v1/namespaces/{ns}/deployments/gone"),
        )
        .await
        .expect("gone deleted");
        delete(&b, &format!("{bare}/old-pod"))
            .await
            .expect("pod deleted");
        post(&b, &bare, pod("new-pod")).await.expect("pod");
        // (No ServiceAccount appears in it yet: the controller-manager talks to the first one.)
        post(
            &b,
            "/api/v1/namespaces",
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "outage-new"}}),
        )
        .await
        .expect("namespace");

        cp.start_apiserver().await.expect("apiserver back");
        assert!(
            pump_until(&mut s, std::time::Duration::from_secs(60), |c| is_ready(
                c, CTX
            ))
            .await,
            "ready again: {:?}",
            status(&s.catalog, CTX)
        );
        let admin = cp.admin_client().await;
        // The controller-manager catches up too (the new ReplicaSet, keep's third pod, gone's
        // pods collected): the catalog follows until it equals the server.
        assert!(
            pump_until(&mut s, std::time::Duration::from_secs(60), |c| {
                in_namespace(c, CTX, "pod", ns).len() == 5
                    && find(c, CTX, "workload", ns, "gone").is_none()
                    && find(c, CTX, "pod", ns, "new-pod").is_some()
                    && find(c, CTX, "pod", ns, "old-pod").is_none()
                    && find(c, CTX, "namespace", "", "outage-new").is_some()
            })
            .await,
            "the changes made while down reached the catalog"
        );
        converge(&mut s, CTX, &admin, None, T).await;
        s.fleet.shutdown().await;
    });
}
