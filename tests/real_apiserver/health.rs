//! Health on real objects: a fresh Deployment whose pods are still Pending is `progressing`,
//! and `failed` only once the controller-manager set `ProgressDeadlineExceeded`; a pod's
//! health follows the status a kubelet writes (Pending, Running not ready, Ready,
//! CrashLoopBackOff).

use crate::envtest::{self, get, post};
use crate::support::*;
use kubeatlas::catalog::Health;
use serde_json::json;

const CTX: &str = "envtest-admin";

/// Expected to fail until branch h-health (rollout health) is merged: before it, "0 ready" is
/// judged `failed` at once.
#[test]
fn a_fresh_deployment_is_progressing_and_failed_only_after_its_progress_deadline() {
    envtest::run(|cp| async move {
        let admin = cp.admin_client().await;
        let ns = "health-rollout";
        namespace(&admin, ns).await;
        create_deployment(&admin, ns, deployment("patient", 2, "nginx:1.25")).await;
        let mut hasty = deployment("hasty", 2, "nginx:1.25");
        hasty["spec"]["progressDeadlineSeconds"] = json!(2);
        create_deployment(&admin, ns, hasty).await;
        let dir = tempfile::tempdir().expect("tmp");
        let mut s = open(vec![cp.kubeconfig()], &[CTX], &dir.path().join("home")).await;
        let health = |c: &kubeatlas::catalog::Catalog, name: &str| {
            find(c, CTX, "workload", ns, name).and_then(|e| health_of(c, &e))
        };
        // Both exist with their pods (Pending: no scheduler, no kubelet).
        assert!(
            pump_until(&mut s, T, |c| in_namespace(c, CTX, "pod", ns).len() == 4
                && health(c, "patient").is_some())
            .await,
            "four pending pods in the catalog"
        );
        assert_eq!(health(&s.catalog, "patient"), Some(Health::Progressing));

        // The controller-manager gives up on `hasty` after 2 s.
        let path = format!("/apis/apps/v1/namespaces/{ns}/deployments/hasty");
        let deadline = tokio::time::Instant::now() + T;
        loop {
            let d = get(&admin, &path).await.expect("hasty");
            let exceeded = d["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Progressing" && c["reason"] == "ProgressDeadlineExceeded");
            if exceeded {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no ProgressDeadlineExceeded: {}",
                d["status"]
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert!(
            pump_until(&mut s, T, |c| health(c, "hasty") == Some(Health::Failed)).await,
            "failed after ProgressDeadlineExceeded: {:?}",
            health(&s.catalog, "hasty")
        );
        assert_eq!(
            health(&s.catalog, "patient"),
            Some(Health::Progressing),
            "the other one is still within its deadline"
        );
        s.fleet.shutdown().await;
    });
}

#[test]
fn pod_health_follows_the_status_a_kubelet_writes() {
    envtest::run(|cp| async move {
        let admin = cp.admin_client().await;
        let ns = "health-pod";
        namespace(&admin, ns).await;
        post(
            &admin,
            &format!("/api/v1/namespaces/{ns}/pods"),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "solo"},
                   "spec": {"containers": [{"name": "app", "image": "nginx:1.25"},
                                           {"name": "sidecar", "image": "busybox:1.36"}]}}),
        )
        .await
        .expect("pod created");
        let dir = tempfile::tempdir().expect("tmp");
        let mut s = open(vec![cp.kubeconfig()], &[CTX], &dir.path().join("home")).await;
        let health = |c: &kubeatlas::catalog::Catalog| {
            find(c, CTX, "pod", ns, "solo").and_then(|e| health_of(c, &e))
        };
        assert!(
            pump_until(&mut s, T, |c| health(c) == Some(Health::Progressing)).await,
            "a pending pod is progressing: {:?}",
            health(&s.catalog)
        );
        for (state, want) in [
            (PodState::RunningNotReady, Health::Degraded),
            (PodState::Ready, Health::Healthy),
            (PodState::CrashLoopBackOff, Health::Failed),
        ] {
            set_pod_state(&admin, ns, "solo", state).await;
            assert!(
                pump_until(&mut s, T, |c| health(c) == Some(want)).await,
                "{state:?} is {want:?}: {:?}",
                health(&s.catalog)
            );
        }
        let e = find(&s.catalog, CTX, "pod", ns, "solo").expect("solo");
        let r = s.catalog.get(&e).expect("solo");
        assert_eq!(prop(&s.catalog, r, "restarts").as_int(), Some(8));
        converge(&mut s, CTX, &admin, Some(ns), T).await;
        s.fleet.shutdown().await;
    });
}
