//! Aggregations on a real server: a Warning Event about a pod marks it (and a Normal one,
//! never read, does not), its deletion clears the mark; a real autoscaling/v2
//! HorizontalPodAutoscaler shows in its Deployment's row and follows a change of its bounds
//! and its deletion. The controller-manager's HPA controller runs (without metrics), so only
//! the bounds are compared, not the current count it writes.

use crate::envtest::{self, merge_patch, post};
use crate::support::*;
use kubeatlas::catalog::{Aggregate, Catalog};
use serde_json::json;

const CTX: &str = "envtest-admin";

fn text(c: &Catalog, ns: &str, name: &str) -> Option<String> {
    let e = find(c, CTX, "workload", ns, name)?;
    match c.aggregate_named(&e, "autoscaler")? {
        Aggregate::Text(t) => t,
        Aggregate::Count(_) => None,
    }
}

#[test]
fn a_warning_marks_its_pod_and_an_autoscaler_its_deployment_on_a_real_server() {
    envtest::run(|cp| async move {
        let admin = cp.admin_client().await;
        let ns = "marks";
        namespace(&admin, ns).await;
        create_deployment(&admin, ns, deployment("web", 2, "nginx:1.25")).await;
        let dir = tempfile::tempdir().expect("tmp");
        let mut s = open(vec![cp.kubeconfig()], &[CTX], &dir.path().join("home")).await;
        assert!(
            pump_until(&mut s, T, |c| in_namespace(c, CTX, "pod", ns).len() == 2
                && find(c, CTX, "workload", ns, "web").is_some())
            .await,
            "the Deployment and its two pods in the catalog"
        );
        let (pod, name, uid) = {
            let c = &s.catalog;
            let r = in_namespace(c, CTX, "pod", ns)[0];
            let e = find(c, CTX, "pod", ns, &r.name).expect("pod");
            (e, r.name.to_string(), r.uid.to_string())
        };
        assert_eq!(
            s.catalog.aggregate_named(&pod, "warnings"),
            Some(Aggregate::Count(0))
        );

        let event = |n: &str, ty: &str, reason: &str| {
            json!({"apiVersion": "v1", "kind": "Event",
                "metadata": {"name": n, "namespace": ns},
                "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": name,
                                   "namespace": ns, "uid": uid},
                "type": ty, "reason": reason, "message": format!("{reason} (test)"),
                "count": 1, "firstTimestamp": "2024-05-01T12:00:00Z",
                "lastTimestamp": "2024-05-01T12:00:00Z",
                "source": {"component": "kubelet"}})
        };
        let events = format!("/api/v1/namespaces/{ns}/events");
        post(&admin, &events, event("w1", "Normal", "Pulled"))
            .await
            .expect("Normal Event");
        post(&admin, &events, event("w2", "Warning", "BackOff"))
            .await
            .expect("Warning Event");
        let p = pod.clone();
        assert!(
            pump_until(&mut s, T, move |c| c.aggregate_named(&p, "warnings")
                == Some(Aggregate::Count(1)))
            .await,
            "the Warning (only) marks the pod"
        );
        assert_eq!(
            s.catalog.aggregate_named(&pod, "lastWarning"),
            Some(Aggregate::Text(Some("BackOff: BackOff (test)".into())))
        );
        delete(&admin, &format!("{events}/w2"))
            .await
            .expect("deleted");
        let p = pod.clone();
        assert!(
            pump_until(&mut s, T, move |c| c.aggregate_named(&p, "warnings")
                == Some(Aggregate::Count(0)))
            .await,
            "the deletion clears the mark"
        );

        let hpas = format!("/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers");
        post(
            &admin,
            &hpas,
            json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": "web"},
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                         "minReplicas": 2, "maxReplicas": 5,
                         "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                                      "target": {"type": "Utilization", "averageUtilization": 80}}}]}}),
        )
        .await
        .expect("HPA created");
        assert!(
            pump_until(&mut s, T, |c| text(c, ns, "web")
                .is_some_and(|t| t.starts_with("2–5 (")))
            .await,
            "the autoscaler's bounds in the Deployment's row: {:?}",
            text(&s.catalog, ns, "web")
        );
        merge_patch(
            &admin,
            &format!("{hpas}/web"),
            json!({"spec": {"maxReplicas": 8}}),
        )
        .await
        .expect("HPA patched");
        assert!(
            pump_until(&mut s, T, |c| text(c, ns, "web")
                .is_some_and(|t| t.starts_with("2–8 (")))
            .await,
            "the new bound: {:?}",
            text(&s.catalog, ns, "web")
        );
        delete(&admin, &format!("{hpas}/web"))
            .await
            .expect("HPA deleted");
        assert!(
            pump_until(&mut s, T, |c| find(c, CTX, "workload", ns, "web").is_some()
                && text(c, ns, "web").is_none())
            .await,
            "the cell empties"
        );
    });
}
