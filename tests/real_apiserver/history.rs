//! Rollout history and undo against the real kube-apiserver and controller-manager, held
//! against kubectl itself: the same Deployment (and StatefulSet) created in two namespaces and
//! rolled through the same revisions; `kubectl rollout history` and kubeatlas's history list
//! the same revisions and change-causes; `kubectl rollout undo --to-revision=1` in one
//! namespace and kubeatlas's undo in the other leave the objects with the same spec and
//! annotations. Skipped with a message when kubectl is not installed.

use crate::envtest::{self, get, merge_patch};
use crate::support::*;
use kubeatlas::actions::Action;
use kubeatlas::actions::history;
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

const CTX: &str = "envtest-admin";

fn kubectl_present() -> bool {
    std::process::Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn kubectl(kubeconfig: &Path, ns: &str, args: &[&str]) -> String {
    let o = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["--context", CTX, "-n", ns])
        .args(args)
        .output()
        .expect("kubectl runs");
    assert!(
        o.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `kubectl rollout history` as (revision, change-cause) pairs.
fn kubectl_history(kubeconfig: &Path, ns: &str, object: &str) -> Vec<(i64, String)> {
    let out = kubectl(kubeconfig, ns, &["rollout", "history", object]);
    out.lines()
        .filter_map(|l| {
            let mut parts = l.trim().splitn(2, char::is_whitespace);
            let n = parts.next()?.parse().ok()?;
            let cause = parts.next().unwrap_or("").trim();
            Some((
                n,
                if cause.is_empty() { "<none>" } else { cause }.to_string(),
            ))
        })
        .collect()
}

fn statefulset(name: &str, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "serviceName": name,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]}
            }
        }
    })
}

/// Set the image and a change-cause, then wait until the controller made `revisions`
/// revisions (ReplicaSets / ControllerRevisions owned by the object).
async fn roll(admin: &kube::Client, path: &str, list: &str, image: &str, cause: &str, n: usize) {
    merge_patch(
        admin,
        path,
        json!({
            "metadata": {"annotations": {"kubernetes.io/change-cause": cause}},
            "spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}
        }),
    )
    .await
    .expect("image set");
    let deadline = tokio::time::Instant::now() + T;
    loop {
        let items = get(admin, list).await.expect("list")["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if items.len() >= n {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{n} revisions of {path}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What undo must leave equal: the spec and the annotations (the controller's settled).
async fn settled(admin: &kube::Client, path: &str) -> (Value, Value) {
    let deadline = tokio::time::Instant::now() + T;
    loop {
        let v = get(admin, path).await.expect("object");
        let observed = v["status"]["observedGeneration"] == v["metadata"]["generation"];
        if observed || tokio::time::Instant::now() >= deadline {
            return (v["spec"].clone(), v["metadata"]["annotations"].clone());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Roll the same object through three revisions in two namespaces; compare histories; undo
/// with kubectl in the first and with kubeatlas in the second; compare the objects.
async fn parity(cp: &envtest::ControlPlane, kind: &str, plural: &str, owned: &str, body: Value) {
    let dir = tempfile::tempdir().expect("tmp");
    let admin = cp.admin_client().await;
    let kc = cp.kubeconfig();
    let nss = [format!("hist-{kind}-kubectl"), format!("hist-{kind}-atlas")];
    for ns in &nss {
        namespace(&admin, ns).await;
        let coll = format!("/apis/apps/v1/namespaces/{ns}/{plural}");
        envtest::post(&admin, &coll, body.clone())
            .await
            .expect("created");
        let path = format!("{coll}/web");
        let list = format!("/apis/apps/v1/namespaces/{ns}/{owned}");
        roll(&admin, &path, &list, "nginx:1.26", "ship 1.26", 2).await;
        roll(&admin, &path, &list, "nginx:1.27", "ship 1.27", 3).await;
    }
    let mut s = open(vec![kc.clone()], &[CTX], &dir.path().join("home")).await;
    let found = pump_until(&mut s, T, |c| {
        nss.iter()
            .all(|ns| find(c, CTX, "workload", ns, "web").is_some())
    })
    .await;
    assert!(found, "both objects in the catalog");

    // History: the same revisions and change-causes as kubectl's, in both namespaces.
    for ns in &nss {
        let e = find(&s.catalog, CTX, "workload", ns, "web").expect("web");
        let t = target(&s, &e);
        let client = s.clients.get(t.cluster).expect("client");
        let h = history::fetch(&client, &t, t.history.as_ref().expect("rule"))
            .await
            .expect("history");
        let ours: Vec<(i64, String)> = h
            .revisions
            .iter()
            .map(|r| {
                let cause = r.change_cause.clone().unwrap_or("<none>".into());
                (r.revision, cause)
            })
            .collect();
        let theirs = kubectl_history(&kc, ns, &format!("{kind}/web"));
        let only_numbers = theirs.iter().all(|(_, c)| c == "<none>");
        if only_numbers {
            // kubectl prints no CHANGE-CAUSE column for this kind: compare the numbers.
            let n: Vec<i64> = ours.iter().map(|(n, _)| *n).collect();
            let k: Vec<i64> = theirs.iter().map(|(n, _)| *n).collect();
            assert_eq!(n, k, "{kind} history in {ns}");
        } else {
            assert_eq!(ours, theirs, "{kind} history in {ns}");
        }
        assert_eq!(ours.len(), 3, "{ours:?}");
        assert!(h.revisions[2].current, "{:?}", h.revisions);
    }

    // Undo to revision 1: kubectl in the first namespace, kubeatlas in the second.
    kubectl(
        &kc,
        &nss[0],
        &["rollout", "undo", &format!("{kind}/web"), "--to-revision=1"],
    );
    let e = find(&s.catalog, CTX, "workload", &nss[1], "web").expect("web");
    let done = executor(&s, dir.path())
        .act(&target(&s, &e), &Action::Undo { to_revision: 1 })
        .await
        .expect("undo");
    assert!(
        done.message.contains("rolled back to revision 1"),
        "{done:?}"
    );
    let a = settled(
        &admin,
        &format!("/apis/apps/v1/namespaces/{}/{plural}/web", nss[0]),
    )
    .await;
    let b = settled(
        &admin,
        &format!("/apis/apps/v1/namespaces/{}/{plural}/web", nss[1]),
    )
    .await;
    assert_eq!(a.0, b.0, "{kind} spec after undo: kubectl vs kubeatlas");
    assert_eq!(
        a.1, b.1,
        "{kind} annotations after undo: kubectl vs kubeatlas"
    );
    assert_eq!(
        a.0["template"]["spec"]["containers"][0]["image"], "nginx:1.25",
        "{kind} back at revision 1"
    );
    s.fleet.shutdown().await;
}

#[test]
fn deployment_history_and_undo_match_kubectl() {
    if !kubectl_present() {
        eprintln!("skipped: kubectl not found on PATH");
        return;
    }
    envtest::run(|cp| async move {
        parity(
            cp,
            "deployment",
            "deployments",
            "replicasets",
            deployment("web", 1, "nginx:1.25"),
        )
        .await;
    });
}

#[test]
fn statefulset_history_and_undo_match_kubectl() {
    if !kubectl_present() {
        eprintln!("skipped: kubectl not found on PATH");
        return;
    }
    envtest::run(|cp| async move {
        parity(
            cp,
            "statefulset",
            "statefulsets",
            "controllerrevisions",
            statefulset("web", "nginx:1.25"),
        )
        .await;
    });
}
