//! Relations against the real apiserver: a Service's map selector and a PodDisruptionBudget's
//! set-based selector (matchExpressions) select exactly the pods the server itself selects
//! with the same selector (asked with `labelSelector`), before and after pods are relabelled;
//! and Secrets and ConfigMaps read as metadata only — asserted on the requests (through a
//! recording proxy: every `Accept` asks for `PartialObjectMetadata(List)`) and on every byte
//! that reached the process (no value ever did).

use crate::envtest::{self, get, merge_patch, post};
use crate::recorder::Recorder;
use crate::related::related_names;
use crate::support::*;
use kubeatlas::actions::ObjectAddress;
use kubeatlas::catalog::EntityRef;
use serde_json::{Value, json};
use std::time::Duration;

const CTX: &str = "envtest-admin";

/// What the server selects in `ns` with `selector` (its own matching), sorted.
async fn server_selects(client: &kube::Client, ns: &str, selector: &str) -> Vec<String> {
    let q: String = form_urlencoded::byte_serialize(selector.as_bytes()).collect();
    let l = get(
        client,
        &format!("/api/v1/namespaces/{ns}/pods?labelSelector={q}"),
    )
    .await
    .unwrap_or_else(|e| panic!("listing pods of {ns} by {selector}: {e}"));
    let mut v: Vec<String> = l["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_string))
        .collect();
    v.sort();
    v
}

fn pod(name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {"containers": [{"name": "app", "image": "registry.example/app:1"}]}})
}

async fn create(client: &kube::Client, path: &str, body: Value) {
    post(client, path, body)
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
}

/// Fold changes until `e`'s relation `rel` names exactly `want`; panics with both otherwise.
async fn until_related(
    s: &mut kubeatlas::cli::session::Session,
    e: &EntityRef,
    rel: &str,
    want: &[String],
) {
    let (e2, w2) = (e.clone(), want.to_vec());
    let ok = pump_until(s, T, move |c| related_names(c, &e2, rel) == w2).await;
    assert!(
        ok,
        "{rel} of {:?}: catalog {:?}, the server selects {want:?}",
        e.uid,
        related_names(&s.catalog, e, rel)
    );
}

#[test]
fn a_service_and_a_set_based_disruption_budget_select_what_the_server_selects_through_relabels() {
    envtest::run(|cp| async move {
        let admin = cp.admin_client().await;
        let ns = "rel-select";
        namespace(&admin, ns).await;
        let pods = format!("/api/v1/namespaces/{ns}/pods");
        for (name, labels) in [
            ("cart-web", json!({"app": "cart", "tier": "web"})),
            ("cart-worker", json!({"app": "cart", "tier": "worker"})),
            ("frontend-web", json!({"app": "frontend", "tier": "web"})),
            ("frontend-bare", json!({"app": "frontend"})),
            ("search-web", json!({"app": "search", "tier": "web"})),
        ] {
            create(&admin, &pods, pod(name, labels)).await;
        }
        create(
            &admin,
            &format!("/api/v1/namespaces/{ns}/services"),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "cart"},
                "spec": {"selector": {"app": "cart"}, "ports": [{"port": 80}]}}),
        )
        .await;
        // Set-based: In, NotIn (which also matches pods without the key) and Exists.
        create(
            &admin,
            &format!("/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets"),
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "front"},
                "spec": {"maxUnavailable": 1, "selector": {
                    "matchLabels": {},
                    "matchExpressions": [
                        {"key": "app", "operator": "In", "values": ["cart", "frontend"]},
                        {"key": "tier", "operator": "NotIn", "values": ["worker"]},
                        {"key": "app", "operator": "Exists"}]}}}),
        )
        .await;
        const SVC: &str = "app=cart";
        const PDB: &str = "app in (cart,frontend),tier notin (worker),app";

        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = open(vec![cp.kubeconfig()], &[CTX], dir.path()).await;
        let ok = pump_until(&mut s, T, |c| {
            is_ready(c, CTX)
                && find(c, CTX, "kube-service", ns, "cart").is_some()
                && find(c, CTX, "pdb", ns, "front").is_some()
                && in_namespace(c, CTX, "pod", ns).len() == 5
        })
        .await;
        assert!(
            ok,
            "the Service, the budget and the 5 pods reached the catalog"
        );
        let svc = find(&s.catalog, CTX, "kube-service", ns, "cart").expect("service");
        let pdb = find(&s.catalog, CTX, "pdb", ns, "front").expect("pdb");

        let want = server_selects(&admin, ns, SVC).await;
        assert_eq!(want, ["cart-web", "cart-worker"]);
        until_related(&mut s, &svc, "pods", &want).await;
        let want = server_selects(&admin, ns, PDB).await;
        assert_eq!(want, ["cart-web", "frontend-bare", "frontend-web"]);
        until_related(&mut s, &pdb, "pods", &want).await;

        // What selects a pod, seen from the pod.
        let web = find(&s.catalog, CTX, "pod", ns, "cart-web").expect("pod");
        let mut by: Vec<String> = s
            .catalog
            .selected_by(&web)
            .iter()
            .filter_map(|(e, _)| s.catalog.get(e).map(|r| r.name.to_string()))
            .collect();
        by.sort();
        assert_eq!(by, ["cart", "front"], "cart-web is selected by both");

        // Relabel: the worker becomes web (joins the budget), a frontend pod leaves both, a
        // search pod joins the Service.
        for (name, labels) in [
            ("cart-worker", json!({"tier": "web"})),
            ("frontend-web", json!({"app": "other"})),
            ("search-web", json!({"app": "cart"})),
            ("frontend-bare", json!({"tier": "worker"})),
        ] {
            merge_patch(
                &admin,
                &format!("{pods}/{name}"),
                json!({"metadata": {"labels": labels}}),
            )
            .await
            .unwrap_or_else(|e| panic!("relabelling {name}: {e}"));
        }
        let want = server_selects(&admin, ns, SVC).await;
        assert_eq!(want, ["cart-web", "cart-worker", "search-web"]);
        until_related(&mut s, &svc, "pods", &want).await;
        let want = server_selects(&admin, ns, PDB).await;
        assert_eq!(want, ["cart-web", "cart-worker", "search-web"]);
        until_related(&mut s, &pdb, "pods", &want).await;

        // A deleted pod leaves both.
        crate::support::delete(&admin, &format!("{pods}/cart-web?gracePeriodSeconds=0"))
            .await
            .expect("pod deleted");
        let want = server_selects(&admin, ns, SVC).await;
        assert_eq!(want, ["cart-worker", "search-web"]);
        until_related(&mut s, &svc, "pods", &want).await;
        let want = server_selects(&admin, ns, PDB).await;
        until_related(&mut s, &pdb, "pods", &want).await;
    });
}

/// base64 of `SECRET` and `CONFIG`: neither form may ever reach the process.
const SECRET: &str = "s3cr3t-hunter2-never-read";
const SECRET_B64: &str = "czNjcjN0LWh1bnRlcjItbmV2ZXItcmVhZA==";
const CONFIG: &str = "config-value-never-read";
const LATE: &str = "late-s3cr3t-via-the-watch";
const LATE_B64: &str = "bGF0ZS1zM2NyM3QtdmlhLXRoZS13YXRjaA==";

fn metadata_only(accept: &str) -> bool {
    // Every media type offered asks for metadata: no plain-JSON fallback.
    accept.split(',').all(|m| {
        let m = m.trim();
        m.contains("as=PartialObjectMetadata") && m.contains("g=meta.k8s.io;v=v1")
    })
}

#[test]
fn secrets_and_config_maps_are_read_as_metadata_only_and_no_value_reaches_the_process() {
    envtest::run(|cp| async move {
        let admin = cp.admin_client().await;
        let ns = "rel-secrets";
        namespace(&admin, ns).await;
        create(
            &admin,
            &format!("/api/v1/namespaces/{ns}/secrets"),
            json!({"apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": "cart-db", "labels": {"app.kubernetes.io/managed-by": "helm"}},
                "data": {"password": SECRET_B64}}),
        )
        .await;
        create(
            &admin,
            &format!("/api/v1/namespaces/{ns}/configmaps"),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cart-conf"},
                "data": {"setting": CONFIG}}),
        )
        .await;

        let rec = Recorder::start(admin.clone()).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let ctx = "recorded";
        let kc = rec.kubeconfig(dir.path(), ctx);
        let mut s = open(vec![kc], &[ctx], dir.path()).await;
        let ok = pump_until(&mut s, T, |c| {
            is_ready(c, ctx)
                && find(c, ctx, "secret", ns, "cart-db").is_some()
                && find(c, ctx, "configmap", ns, "cart-conf").is_some()
        })
        .await;
        assert!(ok, "the Secret and the ConfigMap reached the catalog");
        // Metadata-derived properties are there.
        let e = find(&s.catalog, ctx, "secret", ns, "cart-db").expect("secret");
        let r = s.catalog.get(&e).expect("record");
        assert_eq!(
            prop(&s.catalog, r, "managedBy").as_str(),
            Some("helm"),
            "the label came through"
        );

        // One created after the watch started comes through the watch, as metadata too.
        create(
            &admin,
            &format!("/api/v1/namespaces/{ns}/secrets"),
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "late"},
                "data": {"token": LATE_B64}}),
        )
        .await;
        let ok = pump_until(&mut s, T, |c| find(c, ctx, "secret", ns, "late").is_some()).await;
        assert!(ok, "the late Secret reached the catalog through the watch");

        // `y` on a Secret: one GET, as PartialObjectMetadata.
        let late = find(&s.catalog, ctx, "secret", ns, "late").expect("late");
        let addr = ObjectAddress::of(&s.catalog, &late).expect("address");
        let client = s.clients.get(late.cluster).expect("client");
        let yaml = kubeatlas::tui::follow::metadata_yaml(client, &addr)
            .await
            .expect("the Secret's metadata as YAML");
        assert!(yaml.contains("name: late"), "{yaml}");
        tokio::time::sleep(Duration::from_millis(200)).await;

        let reqs = rec.requests();
        let secrets: Vec<_> = reqs
            .iter()
            .filter(|r| r.path().contains("/secrets"))
            .collect();
        let cms: Vec<_> = reqs
            .iter()
            .filter(|r| r.path().contains("/configmaps"))
            .collect();
        assert!(
            secrets.iter().any(|r| r.is_watch()) && secrets.iter().any(|r| !r.is_watch()),
            "Secrets were listed and watched: {secrets:#?}"
        );
        assert!(
            secrets.iter().any(|r| r.path().ends_with("/secrets/late")),
            "the YAML's GET went through the proxy: {secrets:#?}"
        );
        assert!(cms.iter().any(|r| r.is_watch()), "{cms:#?}");
        for r in secrets.iter().chain(cms.iter()) {
            assert!(
                metadata_only(&r.accept),
                "every Secret/ConfigMap request asks for metadata only: {} {} Accept: {}",
                r.method,
                r.uri,
                r.accept
            );
            let list_or_watch = !r.path().ends_with("/late");
            if list_or_watch && !r.is_watch() {
                assert!(r.accept.contains("as=PartialObjectMetadataList"), "{r:?}");
            }
        }
        // The recording sees the bodies (the Secrets' names came through it).
        assert!(rec.received_contains("\"name\":\"cart-db\""));
        assert!(rec.received_contains("\"name\":\"late\""));
        for needle in [SECRET, SECRET_B64, LATE, LATE_B64, CONFIG] {
            assert!(
                !rec.received_contains(needle),
                "{needle:?} reached the process"
            );
        }
        // The server does hold them (the needles are real values, the check can fail).
        let full = get(&admin, &format!("/api/v1/namespaces/{ns}/secrets/cart-db"))
            .await
            .expect("secret as admin");
        assert_eq!(full["data"]["password"], SECRET_B64);
        let full = get(
            &admin,
            &format!("/api/v1/namespaces/{ns}/configmaps/cart-conf"),
        )
        .await
        .expect("configmap as admin");
        assert_eq!(full["data"]["setting"], CONFIG);
    });
}
