//! The simulated API server held against real kube-apiserver captures
//! (the workspace's tests/fixtures/k8s-wire) and driven by the real kube client.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Namespace, Node, Pod};
use kube::ResourceExt;
use kube::api::{
    Api, DeleteParams, ListParams, LogParams, Patch, PatchParams, PostParams, Preconditions,
};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use kubeatlas_sim::{SimCluster, SimFleet, SimResource, SimServer};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

const TOKEN: &str = "t0k3n";

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../../tests/fixtures/k8s-wire/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).expect("fixture is JSON")
}

/// A `.txt` capture: the body and the `HTTP <status>` curl appended.
fn fixture_status(name: &str) -> (Value, u16) {
    let text = fixture(name);
    let (body, status) = text.trim_end().rsplit_once("\nHTTP ").expect("status line");
    let v: Value = serde_json::from_str(body.trim()).expect("capture body is JSON");
    (v, status.trim().parse().expect("status code"))
}

/// A raw HTTP/1.1 exchange, so tests see the exact bytes, headers and chunking.
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// For chunked bodies: whether the terminating zero-size chunk arrived.
    complete: bool,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn lines(&self) -> Vec<Value> {
        String::from_utf8_lossy(&self.body)
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| panic!("bad event line ({e}): {l}"))
            })
            .collect()
    }
}

fn dechunk(mut data: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    loop {
        let Some(pos) = data.windows(2).position(|w| w == b"\r\n") else {
            return (out, false);
        };
        let size_line = String::from_utf8_lossy(&data[..pos]).to_string();
        let Ok(size) = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
        else {
            return (out, false);
        };
        data = &data[pos + 2..];
        if size == 0 {
            return (out, true);
        }
        if data.len() < size + 2 {
            out.extend_from_slice(&data[..data.len().min(size)]);
            return (out, false);
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

async fn raw_req(
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Raw {
    let addr = base.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(t) = token {
        req.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    s.write_all(body).await.expect("write body");
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(15), s.read_to_end(&mut buf)).await;
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let raw_body = &buf[split + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let (body, complete) = if chunked {
        dechunk(raw_body)
    } else {
        (raw_body.to_vec(), true)
    };
    Raw {
        status,
        headers,
        body,
        complete,
    }
}

async fn get(base: &str, path: &str) -> Raw {
    raw_req(base, "GET", path, Some(TOKEN), &[], b"").await
}

/// A cluster mirroring the captured one (namespace `shop`, deployment `checkout`, node `node-a`),
/// so error bodies can be compared byte for byte.
fn capture_like() -> Arc<SimCluster> {
    let c = SimCluster::new("capture");
    c.set_token(Some(TOKEN.to_string()));
    c.create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"environment": "staging"}}}))
        .expect("namespace");
    c.create(json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": "node-a", "labels": {"kubernetes.io/hostname": "node-a"}},
        "status": {"addresses": [{"type": "InternalIP", "address": "10.1.0.5"}]}
    }))
    .expect("node");
    c.create(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "checkout", "namespace": "shop",
                     "labels": {"app.kubernetes.io/name": "checkout", "app.kubernetes.io/version": "1.4.2"}},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "checkout"}},
                 "template": {"metadata": {"labels": {"app": "checkout", "app.kubernetes.io/name": "checkout"}},
                              "spec": {"containers": [{"name": "app", "image": "registry.example/checkout:1.4.2"},
                                                      {"name": "envoy", "image": "envoy:1.30"}]}}}
    }))
    .expect("deployment");
    c.settle();
    Arc::new(c)
}

/// Key paths of a JSON document (`a.b[].c`), skipping free-form maps and managedFields.
fn key_paths(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    const FREE_FORM: [&str; 6] = [
        "metadata.labels",
        "metadata.annotations",
        "spec.template.metadata.labels",
        "spec.selector.matchLabels",
        "status.capacity",
        "status.allocatable",
    ];
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                if p == "metadata.managedFields" {
                    continue;
                }
                out.insert(p.clone());
                if !FREE_FORM.contains(&p.as_str()) {
                    key_paths(child, &p, out);
                }
            }
        }
        Value::Array(a) => {
            for child in a {
                key_paths(child, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

fn paths(v: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    key_paths(v, "", &mut out);
    out
}

/// Every key the capture has is present in the simulated object, and the simulated object
/// has no keys beyond the capture's except the listed, state-dependent ones.
fn assert_same_shape(what: &str, capture: &Value, sim: &Value, allowed_extra: &[&str]) {
    let want = paths(capture);
    let have = paths(sim);
    let missing: Vec<_> = want.difference(&have).collect();
    assert!(missing.is_empty(), "{what}: simulator lacks {missing:?}");
    let extra: Vec<_> = have
        .difference(&want)
        .filter(|p| {
            !allowed_extra.iter().any(|a| {
                p.strip_prefix(a).is_some_and(|rest| {
                    rest.is_empty() || rest.starts_with('.') || rest.starts_with('[')
                })
            })
        })
        .collect();
    assert!(
        extra.is_empty(),
        "{what}: simulator has unexpected {extra:?}"
    );
}

struct Started {
    fleet: SimFleet,
    _dir: tempfile::TempDir,
    kubeconfig: std::path::PathBuf,
}

impl Started {
    fn cluster(&self, name: &str) -> Arc<SimCluster> {
        self.fleet.cluster(name).cloned().expect("cluster")
    }

    fn url(&self, name: &str) -> String {
        self.fleet.url(name).expect("url")
    }

    async fn client(&self, context: &str) -> kube::Client {
        let kc = kube::config::Kubeconfig::read_from(&self.kubeconfig).expect("kubeconfig parses");
        let opts = kube::config::KubeConfigOptions {
            context: Some(context.to_string()),
            ..Default::default()
        };
        let cfg = kube::Config::from_custom_kubeconfig(kc, &opts)
            .await
            .expect("config");
        kube::Client::try_from(cfg).expect("client")
    }
}

async fn start(fleet: SimFleet, extra_unreachable: &[&str]) -> Started {
    let mut fleet = fleet.with_controller_tick(Some(Duration::from_millis(50)));
    fleet.start().expect("start");
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("config");
    fleet
        .write_kubeconfig_with(&kubeconfig, extra_unreachable)
        .expect("kubeconfig");
    Started {
        fleet,
        _dir: dir,
        kubeconfig,
    }
}

/// Polls `check` until it returns true (panics after `secs`).
async fn eventually(what: &str, secs: u64, mut check: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if check().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn serve(cluster: &Arc<SimCluster>) -> SimServer {
    SimServer::start(cluster.clone()).expect("server")
}

// ---------------------------------------------------------------------------------------------
// shapes against the captures
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn object_shapes_match_captures() {
    let s = start(SimFleet::demo(), &[]).await;
    let (staging, prod) = (s.url("staging"), s.url("prod"));
    let token = s.cluster("prod").token();
    let get = |base: String, path: &'static str| {
        let token = token.clone();
        async move {
            let t = token.clone();
            let r = raw_req(&base, "GET", path, t.as_deref(), &[], b"").await;
            assert_eq!(r.status, 200, "{path}");
            assert_eq!(r.header("content-type"), Some("application/json"));
            r.json()
        }
    };
    let staging_token = s.cluster("staging").token();

    // Deployment: prod `search` is under-replicated like the captured one (unavailableReplicas).
    let d = get(
        prod.clone(),
        "/apis/apps/v1/namespaces/shop/deployments/search",
    )
    .await;
    assert_same_shape(
        "deployment",
        &fixture_json("deployment.json"),
        &d,
        &[
            "status.readyReplicas",
            "status.availableReplicas",
            // The demo's pod template is richer than the captured one.
            "spec.template.spec.containers[].ports",
            "spec.template.spec.containers[].env",
            "spec.template.spec.containers[].resources.requests",
            "spec.template.spec.containers[].resources.limits",
            "spec.template.spec.containers[].readinessProbe",
        ],
    );

    // Pod: staging `payments-api` crash-loops its envoy sidecar, like the captured pod.
    let pods = raw_req(
        &staging,
        "GET",
        "/api/v1/namespaces/payments/pods?labelSelector=app.kubernetes.io%2Fname%3Dpayments-api",
        staging_token.as_deref(),
        &[],
        b"",
    )
    .await
    .json();
    let pod = pods["items"][0].clone();
    assert!(
        pod.get("kind").is_none(),
        "list items carry no kind, like the real server"
    );
    let name = pod["metadata"]["name"]
        .as_str()
        .expect("pod name")
        .to_string();
    let path = format!("/api/v1/namespaces/payments/pods/{name}");
    let pod = raw_req(&staging, "GET", &path, staging_token.as_deref(), &[], b"")
        .await
        .json();
    assert_same_shape(
        "pod",
        &fixture_json("pod-running-crashloop.json"),
        &pod,
        &[
            "spec.containers[].ports",
            "spec.containers[].env",
            "spec.containers[].resources.requests",
            "spec.containers[].resources.limits",
            "spec.containers[].readinessProbe",
        ],
    );
    assert_eq!(
        pod["status"]["containerStatuses"][1]["state"]["waiting"]["reason"],
        "CrashLoopBackOff"
    );
    assert_eq!(
        pod["status"]["containerStatuses"][1]["lastState"]["terminated"]["reason"],
        "Error"
    );
    assert_eq!(pod["status"]["qosClass"], "Burstable");

    let node = get(prod.clone(), "/api/v1/nodes/prod-node-1").await;
    assert_same_shape(
        "node",
        &fixture_json("node.json"),
        &node,
        &["spec.podCIDR", "spec.podCIDRs"],
    );

    let ns = get(prod.clone(), "/api/v1/namespaces/shop").await;
    assert_same_shape("namespace", &fixture_json("namespace.json"), &ns, &[]);
    assert_eq!(ns["metadata"]["labels"]["environment"], "prod");

    let sts = get(
        prod.clone(),
        "/apis/apps/v1/namespaces/payments/statefulsets/postgres",
    )
    .await;
    assert_same_shape(
        "statefulset",
        &fixture_json("statefulset.json"),
        &sts,
        &[
            "metadata.labels",
            "status.readyReplicas",
            "spec.template.spec.containers[].ports",
            "spec.template.spec.containers[].env",
            "spec.template.spec.containers[].resources.requests",
            "spec.template.spec.containers[].resources.limits",
            "spec.template.spec.containers[].readinessProbe",
        ],
    );

    let ds = get(
        prod.clone(),
        "/apis/apps/v1/namespaces/kube-system/daemonsets/fluent-bit",
    )
    .await;
    assert_same_shape(
        "daemonset",
        &fixture_json("daemonset.json"),
        &ds,
        &[
            "metadata.labels",
            "status.updatedNumberScheduled",
            "status.numberAvailable",
            "spec.template.spec.containers[].ports",
            "spec.template.spec.containers[].env",
            "spec.template.spec.containers[].resources.requests",
            "spec.template.spec.containers[].resources.limits",
            "spec.template.spec.containers[].readinessProbe",
        ],
    );

    let cj = get(
        prod.clone(),
        "/apis/batch/v1/namespaces/platform/cronjobs/nightly-report",
    )
    .await;
    assert_same_shape(
        "cronjob",
        &fixture_json("cronjob.json"),
        &cj,
        &[
            "metadata.labels",
            "status.lastScheduleTime",
            "status.lastSuccessfulTime",
            "spec.jobTemplate.spec.template.metadata.labels",
            "spec.jobTemplate.spec.template.spec.containers[].ports",
            "spec.jobTemplate.spec.template.spec.containers[].env",
            "spec.jobTemplate.spec.template.spec.containers[].resources.requests",
            "spec.jobTemplate.spec.template.spec.containers[].resources.limits",
        ],
    );
    s.fleet.shutdown().await;
}

#[tokio::test]
async fn error_bodies_match_captures() {
    let c = capture_like();
    let srv = serve(&c);
    let base = srv.url();

    // 401 without or with a wrong token.
    let r = raw_req(&base, "GET", "/api/v1/pods", None, &[], b"").await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})
    );
    assert_eq!(
        raw_req(&base, "GET", "/version", Some("nope"), &[], b"")
            .await
            .status,
        401
    );

    // 404 for a missing object.
    let r = get(&base, "/apis/apps/v1/namespaces/shop/deployments/nope").await;
    let (want, code) = fixture_status("error-404.txt");
    assert_eq!((r.status, r.json()), (code, want));
    assert_eq!(r.header("content-type"), Some("application/json"));

    // 403 on a forbidden list and a forbidden patch.
    c.forbid(SimResource::Nodes, &["list"]);
    c.forbid(SimResource::Deployments, &["patch"]);
    let r = get(&base, "/api/v1/nodes").await;
    let (want, code) = fixture_status("error-403-list.txt");
    assert_eq!((r.status, r.json()), (code, want));
    let r = raw_req(
        &base,
        "PATCH",
        "/apis/apps/v1/namespaces/shop/deployments/checkout",
        Some(TOKEN),
        &[("Content-Type", "application/merge-patch+json")],
        br#"{"spec":{"replicas":2}}"#,
    )
    .await;
    let (want, code) = fixture_status("error-403-patch.txt");
    assert_eq!((r.status, r.json()), (code, want));
    assert_eq!(
        get(&base, "/api/v1/nodes/node-a").await.status,
        200,
        "only list is denied"
    );
    c.allow_all();

    // 422 on a negative scale.
    let r = raw_req(
        &base,
        "PATCH",
        "/apis/apps/v1/namespaces/shop/deployments/checkout/scale",
        Some(TOKEN),
        &[("Content-Type", "application/merge-patch+json")],
        br#"{"spec":{"replicas":-1}}"#,
    )
    .await;
    let (want, code) = fixture_status("error-422-scale.txt");
    assert_eq!((r.status, r.json()), (code, want));

    // 409 on a delete whose uid precondition does not hold.
    let pods = get(&base, "/api/v1/namespaces/shop/pods").await.json();
    let pod = &pods["items"][0];
    let (name, uid) = (
        pod["metadata"]["name"].as_str().expect("name").to_string(),
        pod["metadata"]["uid"].as_str().expect("uid").to_string(),
    );
    let r = raw_req(
        &base,
        "DELETE",
        &format!("/api/v1/namespaces/shop/pods/{name}"),
        Some(TOKEN),
        &[("Content-Type", "application/json")],
        br#"{"preconditions":{"uid":"00000000-0000-0000-0000-000000000000"}}"#,
    )
    .await;
    let (want, code) = fixture_status("error-409-precondition.txt");
    let want = serde_json::to_string(&want)
        .expect("json")
        .replace("checkout-579f668d67-q85gr", &name)
        .replace("46f1b92f-7b2a-4639-9463-78b334409780", &uid);
    assert_eq!(
        (r.status, r.json()),
        (code, serde_json::from_str::<Value>(&want).expect("json"))
    );

    // 410 for a continue token older than the compacted history: byte-compatible token.
    c.compact();
    let old_token = "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MjY0LCJzdGFydCI6ImNoZWNrb3V0LTc5OGJjY2M2YjktYnE2cnpcdTAwMDAifQ";
    let r = get(
        &base,
        &format!("/api/v1/namespaces/shop/pods?limit=2&continue={old_token}"),
    )
    .await;
    let (want, code) = fixture_status("error-410-continue.txt");
    assert_eq!((r.status, r.json()), (code, want));

    // 410 on a watch from a compacted resourceVersion: HTTP 200, then one ERROR event.
    let r = get(
        &base,
        "/apis/apps/v1/namespaces/shop/deployments?watch=1&resourceVersion=5",
    )
    .await;
    let (want, code) = fixture_status("error-410-watch.txt");
    assert_eq!(r.status, code);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.complete, "the stream ends cleanly after the error");
    let events = r.lines();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["type"], "ERROR");
    let msg = events[0]["object"]["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(msg.starts_with("too old resource version: 5 ("), "{msg}");
    let mut normalized = events[0].clone();
    normalized["object"]["message"] = want["object"]["message"].clone();
    assert_eq!(normalized, want);

    // Unknown paths, verbs and malformed bodies.
    let r = get(&base, "/apis/example.com/v1/widgets").await;
    assert_eq!(
        (r.status, r.json()["reason"].clone()),
        (404, json!("NotFound"))
    );
    let r = raw_req(
        &base,
        "POST",
        "/apis/apps/v1/namespaces/shop/deployments/checkout",
        Some(TOKEN),
        &[],
        b"{}",
    )
    .await;
    assert_eq!(
        (r.status, r.json()["reason"].clone()),
        (405, json!("MethodNotAllowed"))
    );
    let r = raw_req(
        &base,
        "PATCH",
        "/apis/apps/v1/namespaces/shop/deployments/checkout",
        Some(TOKEN),
        &[("Content-Type", "application/merge-patch+json")],
        b"{not json",
    )
    .await;
    assert_eq!(
        (r.status, r.json()["reason"].clone()),
        (400, json!("BadRequest"))
    );
    let r = raw_req(
        &base,
        "PATCH",
        "/apis/apps/v1/namespaces/shop/deployments/checkout",
        Some(TOKEN),
        &[("Content-Type", "application/apply-patch+yaml")],
        b"spec: {}",
    )
    .await;
    assert_eq!(r.status, 415);
    let r = get(&base, "/api/v1/pods?labelSelector=a%20in%20b").await;
    assert_eq!(r.status, 400);
    let r = get(&base, "/api/v1/pods?fieldSelector=spec.bogus%3Dx").await;
    assert_eq!(
        (r.status, r.json()["message"].clone()),
        (400, json!("field label not supported: spec.bogus"))
    );
    let r = raw_req(
        &base,
        "POST",
        "/api/v1/namespaces/shop/pods",
        Some(TOKEN),
        &[("Content-Type", "application/json")],
        b"[1,2",
    )
    .await;
    assert_eq!(r.status, 400);

    // Fault: every request fails with 500 InternalError.
    c.set_fail_all(true);
    let r = get(&base, "/api/v1/pods").await;
    assert_eq!(
        (r.status, r.json()["reason"].clone()),
        (500, json!("InternalError"))
    );
    c.set_fail_all(false);
    srv.shutdown().await;
}

#[tokio::test]
async fn paged_list_and_watch_shapes() {
    let c = capture_like();
    c.set_bookmark_interval(Duration::from_millis(300));
    let ctl = c.start_controller(Duration::from_millis(50));
    let srv = serve(&c);
    let base = srv.url();

    let page1 = get(&base, "/api/v1/namespaces/shop/pods?limit=2").await;
    assert_eq!(page1.header("content-type"), Some("application/json"));
    let page1 = page1.json();
    let cap1 = fixture_json("pod-list-page1.json");
    let keys = |v: &Value| {
        v["metadata"]
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>())
    };
    assert_eq!(keys(&page1), keys(&cap1));
    assert_eq!(page1["kind"], "PodList");
    assert_eq!(page1["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(page1["metadata"]["remainingItemCount"], 1);
    let token = page1["metadata"]["continue"]
        .as_str()
        .expect("continue")
        .to_string();
    let page2 = get(
        &base,
        &format!("/api/v1/namespaces/shop/pods?limit=2&continue={token}"),
    )
    .await
    .json();
    assert_eq!(keys(&page2), keys(&fixture_json("pod-list-page2.json")));
    assert_eq!(
        page2["metadata"]["resourceVersion"],
        page1["metadata"]["resourceVersion"]
    );
    assert_eq!(page2["items"].as_array().map(Vec::len), Some(1));
    let all = get(&base, "/api/v1/pods").await.json();
    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| i["metadata"]["name"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let mut paged = names(&page1);
    paged.extend(names(&page2));
    assert_eq!(paged, names(&all));

    // Watch from the list's resourceVersion while the deployment is scaled.
    let rv = all["metadata"]["resourceVersion"]
        .as_str()
        .expect("rv")
        .to_string();
    let watch = {
        let base = base.clone();
        let path = format!(
            "/api/v1/namespaces/shop/pods?watch=1&resourceVersion={rv}&allowWatchBookmarks=true&timeoutSeconds=2"
        );
        tokio::spawn(async move { get(&base, &path).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let r = raw_req(
        &base,
        "PATCH",
        "/apis/apps/v1/namespaces/shop/deployments/checkout/scale",
        Some(TOKEN),
        &[("Content-Type", "application/merge-patch+json")],
        br#"{"spec":{"replicas":4}}"#,
    )
    .await;
    assert_eq!(r.status, 200);
    let scale = r.json();
    let cap_scale = fixture_json("patch-scale-response.json");
    assert_eq!(paths(&scale), paths(&cap_scale));
    assert_eq!(scale["spec"]["replicas"], 4);
    assert_eq!(scale["status"]["selector"], "app=checkout");

    let w = watch.await.expect("watch task");
    assert_eq!(w.status, 200);
    assert_eq!(w.header("content-type"), Some("application/json"));
    assert_eq!(w.header("transfer-encoding"), Some("chunked"));
    assert!(w.complete, "timeoutSeconds ends the stream cleanly");
    let events = w.lines();
    let types: BTreeSet<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert!(
        types.contains("ADDED") && types.contains("MODIFIED") && types.contains("BOOKMARK"),
        "{types:?}"
    );
    let capture_bookmark = fixture("watch-pods.jsonl")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("capture line"))
        .find(|e| e["type"] == "BOOKMARK")
        .expect("captured bookmark");
    for e in &events {
        assert_eq!(e.as_object().map(|o| o.len()), Some(2), "{e}");
        if e["type"] == "BOOKMARK" {
            let mut normalized = e.clone();
            normalized["object"]["metadata"]["resourceVersion"] =
                capture_bookmark["object"]["metadata"]["resourceVersion"].clone();
            assert_eq!(normalized, capture_bookmark);
        } else {
            assert_eq!(e["object"]["kind"], "Pod");
            assert!(
                e["object"]["metadata"]["resourceVersion"]
                    .as_str()
                    .is_some()
            );
        }
    }
    let added = events.iter().find(|e| e["type"] == "ADDED").expect("added");
    let top: Vec<&String> = added["object"]
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        top,
        ["apiVersion", "kind", "metadata", "spec", "status"],
        "watch objects are whole objects"
    );

    // Label and field selectors apply to lists and watches.
    let sel = get(&base, "/api/v1/pods?labelSelector=app%3Dcheckout,app.kubernetes.io%2Fname%20in%20(checkout)&fieldSelector=spec.nodeName%3Dnode-a").await.json();
    assert_eq!(sel["items"].as_array().map(Vec::len), Some(4));
    assert!(sel["metadata"].get("remainingItemCount").is_none());
    let none = get(&base, "/api/v1/pods?labelSelector=app%21%3Dcheckout")
        .await
        .json();
    assert_eq!(none["items"].as_array().map(Vec::len), Some(0));

    drop(ctl);
    srv.shutdown().await;
}

#[tokio::test]
async fn discovery_and_watch_faults() {
    let c = capture_like();
    let srv = serve(&c);
    let base = srv.url();
    for (path, kind) in [
        ("/api", "APIVersions"),
        ("/api/v1", "APIResourceList"),
        ("/apis", "APIGroupList"),
        ("/apis/apps/v1", "APIResourceList"),
        ("/apis/batch/v1", "APIResourceList"),
        ("/apis/apps", "APIGroup"),
    ] {
        let r = get(&base, path).await;
        assert_eq!(
            (r.status, r.json()["kind"].clone()),
            (200, json!(kind)),
            "{path}"
        );
    }
    assert_eq!(get(&base, "/version").await.json()["gitVersion"], "v1.28.0");
    let api = get(&base, "/api").await.json();
    assert_eq!(
        api["serverAddressByClientCIDRs"][0]["serverAddress"],
        srv.addr().to_string()
    );
    let agg = raw_req(
        &base,
        "GET",
        "/apis",
        Some(TOKEN),
        &[(
            "Accept",
            "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList",
        )],
        b"",
    )
    .await;
    assert_eq!(
        agg.header("content-type"),
        Some("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList")
    );
    let captured = fixture_json("discovery-apis-aggregated.json");
    let apps_cap = captured["items"]
        .as_array()
        .and_then(|i| i.iter().find(|g| g["metadata"]["name"] == "apps"))
        .expect("apps");
    let apps_sim = agg.json()["items"]
        .as_array()
        .and_then(|i| i.iter().find(|g| g["metadata"]["name"] == "apps").cloned())
        .expect("apps");
    let dep = |g: &Value| {
        g["versions"][0]["resources"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["resource"] == "deployments").cloned())
    };
    assert_eq!(
        dep(&apps_sim),
        dep(apps_cap),
        "deployments are described exactly like the real server"
    );

    // drop_watches: open streams are cut mid-stream (no terminating chunk).
    let w = {
        let base = base.clone();
        tokio::spawn(async move {
            get(
                &base,
                "/apis/apps/v1/deployments?watch=true&timeoutSeconds=30",
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    c.drop_watches();
    let w = tokio::time::timeout(Duration::from_secs(5), w)
        .await
        .expect("stream cut")
        .expect("task");
    assert_eq!(w.status, 200);
    assert!(!w.complete, "dropped watch must not end cleanly");
    assert_eq!(
        w.lines().len(),
        1,
        "the synthetic ADDED arrived before the drop"
    );

    // sendInitialEvents streams state, then the initial-events-end bookmark.
    let r = get(&base, "/apis/apps/v1/deployments?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=0&timeoutSeconds=1").await;
    let events = r.lines();
    assert_eq!(events[0]["type"], "ADDED");
    assert_eq!(events[1]["type"], "BOOKMARK");
    assert_eq!(
        events[1]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
    let bad = get(
        &base,
        "/apis/apps/v1/deployments?watch=true&sendInitialEvents=true",
    )
    .await;
    assert_eq!(bad.status, 422);

    // A selector watch sees objects enter (ADDED) and leave (DELETED) its selection.
    let rv = c.resource_version();
    let w = {
        let base = base.clone();
        let path = format!(
            "/apis/apps/v1/deployments?watch=1&labelSelector=team%3Dred&resourceVersion={rv}&timeoutSeconds=1"
        );
        tokio::spawn(async move { get(&base, &path).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let label = |v: Value| {
        let c = c.clone();
        async move {
            c.patch(
                SimResource::Deployments,
                Some("shop"),
                "checkout",
                kubeatlas_sim::PatchKind::Merge,
                &json!({"metadata": {"labels": {"team": v}}}),
            )
            .expect("label patch");
        }
    };
    label(json!("red")).await;
    label(json!("blue")).await;
    let events = w.await.expect("watch").lines();
    let types: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(types, ["ADDED", "DELETED"]);

    // Latency is applied to every request.
    c.set_latency(Duration::from_millis(300));
    let t = std::time::Instant::now();
    assert_eq!(get(&base, "/version").await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    c.set_latency(Duration::ZERO);

    // The journal records every request, including the ones that failed.
    let journal = c.journal();
    assert!(journal.iter().any(|e| e.path == "/apis/apps/v1/deployments"
        && e.query_param("watch").as_deref() == Some("true")));
    assert!(
        journal.iter().all(|e| !e.is_mutating()),
        "only reads so far"
    );
    srv.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// the real kube client
// ---------------------------------------------------------------------------------------------

fn api_code<T: std::fmt::Debug>(r: Result<T, kube::Error>) -> u16 {
    match r {
        Err(kube::Error::Api(s)) => s.code,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn names(items: &[impl ResourceExt]) -> BTreeSet<String> {
    items
        .iter()
        .map(|o| format!("{}/{}", o.namespace().unwrap_or_default(), o.name_any()))
        .collect()
}

fn truth(c: &SimCluster, res: SimResource) -> BTreeSet<String> {
    c.list(res)
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["metadata"]["namespace"].as_str().unwrap_or(""),
                o["metadata"]["name"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[tokio::test]
async fn kube_client_discovery_list_paging_get() {
    let s = start(SimFleet::demo(), &["offline"]).await;
    let prod = s.cluster("prod");
    let client = s.client("prod").await;

    let discovery = kube::Discovery::new(client.clone())
        .run()
        .await
        .expect("discovery");
    assert!(discovery.has_group("apps") && discovery.has_group("batch"));
    let aggregated = kube::Discovery::new(client.clone())
        .run_aggregated()
        .await
        .expect("aggregated discovery");
    let (ar, caps) = aggregated
        .resolve_gvk(&kube::api::GroupVersionKind::gvk(
            "apps",
            "v1",
            "Deployment",
        ))
        .expect("deployments discovered");
    assert_eq!(ar.plural, "deployments");
    assert!(
        caps.subresources
            .iter()
            .any(|(sub, _)| sub.plural == "deployments/scale" || sub.plural == "scale")
    );

    let pods: Api<Pod> = Api::all(client.clone());
    let mut seen = Vec::new();
    let mut lp = ListParams::default().limit(7);
    let mut pages = 0;
    loop {
        let page = pods.list(&lp).await.expect("page");
        pages += 1;
        seen.extend(page.items);
        match page.metadata.continue_ {
            Some(c) if !c.is_empty() => lp = lp.continue_token(&c),
            _ => break,
        }
    }
    assert!(pages > 3, "{pages}");
    assert_eq!(names(&seen), truth(&prod, SimResource::Pods));
    let running = seen
        .iter()
        .filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
        .count();
    assert_eq!(
        running,
        seen.len() - 1,
        "everything runs but the finished job pod"
    );

    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "shop");
    let checkout = deployments.get("checkout-api").await.expect("get");
    assert_eq!(checkout.spec.as_ref().and_then(|s| s.replicas), Some(3));
    assert_eq!(
        checkout
            .labels()
            .get("app.kubernetes.io/version")
            .map(String::as_str),
        Some("1.4.2")
    );
    assert_eq!(
        checkout.status.as_ref().and_then(|s| s.ready_replicas),
        Some(3)
    );
    assert_eq!(api_code(deployments.get("nope").await), 404);
    let selected = pods
        .list(
            &ListParams::default()
                .labels("app.kubernetes.io/name=checkout-api")
                .fields("status.phase=Running"),
        )
        .await
        .expect("selected");
    assert_eq!(selected.items.len(), 3);

    let namespaces: Api<Namespace> = Api::all(client.clone());
    let ns = namespaces
        .list(&ListParams::default().labels("environment=prod"))
        .await
        .expect("namespaces");
    assert_eq!(ns.items.len(), 6);
    let nodes: Api<Node> = Api::all(client.clone());
    assert_eq!(
        nodes
            .list(&ListParams::default())
            .await
            .expect("nodes")
            .items
            .len(),
        5
    );

    // An unreachable context fails with a transport error, not an API error.
    let offline = s.client("offline").await;
    let err = Api::<Pod>::all(offline)
        .list(&ListParams::default())
        .await
        .expect_err("offline");
    assert!(!matches!(err, kube::Error::Api(_)), "{err:?}");
    s.fleet.shutdown().await;
}

#[tokio::test]
async fn kube_watcher_init_then_apply_in_both_list_modes() {
    let s = start(SimFleet::demo(), &[]).await;
    let dev = s.cluster("dev");
    let client = s.client("dev").await;
    let api: Api<Deployment> = Api::namespaced(client.clone(), "shop");
    for config in [
        watcher::Config::default(),
        watcher::Config::default().streaming_lists(),
    ] {
        let streaming = config.initial_list_strategy == watcher::InitialListStrategy::StreamingList;
        let mut stream = watcher(api.clone(), config).boxed();
        let next = async |stream: &mut futures::stream::BoxStream<
            '_,
            Result<watcher::Event<Deployment>, watcher::Error>,
        >| {
            tokio::time::timeout(Duration::from_secs(10), stream.next())
                .await
                .expect("watch event in time")
                .expect("stream open")
                .expect("no watch error")
        };
        assert!(matches!(next(&mut stream).await, watcher::Event::Init));
        let mut initial = Vec::new();
        loop {
            match next(&mut stream).await {
                watcher::Event::InitApply(d) => initial.push(d),
                watcher::Event::InitDone => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(initial.len(), 5, "streaming={streaming}");
        let label = if streaming { "streamed" } else { "listed" };
        api.patch(
            "cart",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"seen-by": label}}})),
        )
        .await
        .expect("patch");
        loop {
            if let watcher::Event::Apply(d) = next(&mut stream).await
                && d.labels().get("seen-by").map(String::as_str) == Some(label)
            {
                break;
            }
        }
    }
    // The exact requests kube sends: a paged list, then a bookmarked watch from its version.
    let journal = dev.journal();
    let list = journal
        .iter()
        .find(|e| {
            e.path == "/apis/apps/v1/namespaces/shop/deployments"
                && e.query_param("watch").is_none()
        })
        .expect("initial list");
    assert_eq!(list.query_param("limit").as_deref(), Some("500"));
    let watch = journal
        .iter()
        .find(|e| e.query_param("watch").is_some() && e.query_param("sendInitialEvents").is_none())
        .expect("watch");
    assert_eq!(
        watch.query_param("allowWatchBookmarks").as_deref(),
        Some("true")
    );
    assert!(
        watch
            .query_param("resourceVersion")
            .is_some_and(|rv| rv != "0")
    );
    let streamed = journal
        .iter()
        .find(|e| e.query_param("sendInitialEvents").is_some())
        .expect("streaming list");
    assert_eq!(
        streamed.query_param("resourceVersionMatch").as_deref(),
        Some("NotOlderThan")
    );
    assert_eq!(streamed.status, 200);
    s.fleet.shutdown().await;
}

#[tokio::test]
async fn kube_reflector_recovers_from_dropped_watches_and_compaction() {
    let s = start(SimFleet::demo(), &[]).await;
    let staging = s.cluster("staging");
    // No bookmarks: the pod watcher's resourceVersion only moves with pod events.
    staging.set_bookmark_interval(Duration::from_secs(60));
    let client = s.client("staging").await;
    let (reader, writer) = reflector::store::<Pod>();
    let stream = reflector(
        writer,
        watcher(Api::<Pod>::all(client), watcher::Config::default()),
    )
    .default_backoff()
    .applied_objects();
    let task = tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        while stream.next().await.is_some() {}
    });
    let in_sync = async || {
        let cached: BTreeSet<String> = reader
            .state()
            .iter()
            .map(|p| format!("{}/{}", p.namespace().unwrap_or_default(), p.name_any()))
            .collect();
        cached == truth(&staging, SimResource::Pods)
    };
    eventually("initial sync", 10, in_sync).await;

    // Streams cut mid-way: the watcher re-watches from its last resourceVersion.
    staging.drop_watches();
    staging
        .create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "debug-a", "namespace": "default"},
                       "spec": {"containers": [{"name": "sh", "image": "busybox:1.36"}]}}))
        .expect("create");
    eventually("sync after drop", 10, in_sync).await;

    // Other writes move the cluster past the watcher's resourceVersion; history is compacted and
    // streams are cut: the re-watch gets 410 Expired and the watcher relists.
    let watches_before = staging
        .journal()
        .iter()
        .filter(|e| e.query_param("watch").is_some())
        .count();
    staging
        .create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "scratch"}}))
        .expect("namespace");
    staging.compact();
    staging.drop_watches();
    staging
        .delete(SimResource::Pods, Some("default"), "debug-a")
        .expect("delete");
    staging
        .create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "debug-b", "namespace": "default"},
                       "spec": {"containers": [{"name": "sh", "image": "busybox:1.36"}]}}))
        .expect("create");
    eventually("sync after 410", 15, in_sync).await;
    let journal = staging.journal();
    assert!(
        journal
            .iter()
            .filter(|e| e.query_param("watch").is_some())
            .count()
            > watches_before
    );
    let relists = journal
        .iter()
        .filter(|e| e.path == "/api/v1/pods" && e.query_param("watch").is_none())
        .count();
    assert!(relists >= 2, "a 410 forces a relist ({relists})");
    assert!(
        journal
            .iter()
            .any(|e| e.query_param("watch").is_some() && e.status == 200),
        "410 arrives in-stream"
    );
    task.abort();
    s.fleet.shutdown().await;
}

#[tokio::test]
async fn kube_patch_scale_delete_create() {
    let s = start(SimFleet::demo(), &[]).await;
    let prod = s.cluster("prod");
    let client = s.client("prod").await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "shop");
    let pp = PatchParams::default();

    let before = deployments.get("cart").await.expect("cart");
    let gen0 = before.metadata.generation.unwrap_or(0);
    let merged = deployments
        .patch(
            "cart",
            &pp,
            &Patch::Merge(json!({"metadata": {"labels": {"team": "red"}}})),
        )
        .await
        .expect("merge patch");
    assert_eq!(merged.labels().get("team").map(String::as_str), Some("red"));
    assert_eq!(
        merged.metadata.generation,
        Some(gen0),
        "metadata-only patch keeps generation"
    );
    let restart = json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-23T20:40:00Z"}}}}});
    let strategic = deployments
        .patch("cart", &pp, &Patch::Strategic(restart.clone()))
        .await
        .expect("strategic");
    assert_eq!(strategic.metadata.generation, Some(gen0 + 1));
    let last = prod
        .journal()
        .into_iter()
        .rev()
        .find(|e| e.method == "PATCH")
        .expect("patch journaled");
    assert_eq!(
        last.content_type.as_deref(),
        Some("application/strategic-merge-patch+json")
    );
    assert_eq!(last.body_json(), Some(restart));
    assert_eq!(last.path, "/apis/apps/v1/namespaces/shop/deployments/cart");

    // Strategic merge keeps sibling containers; JSON patch works over the wire.
    let image = json!({"spec": {"template": {"spec": {"containers": [{"name": "envoy", "image": "envoyproxy/envoy:v1.31.0"}]}}}});
    let patched = deployments
        .patch("checkout-api", &pp, &Patch::Strategic(image))
        .await
        .expect("image patch");
    let containers = patched
        .spec
        .and_then(|s| s.template.spec)
        .map(|s| s.containers)
        .unwrap_or_default();
    assert_eq!(containers.len(), 2);
    assert_eq!(
        containers[1].image.as_deref(),
        Some("envoyproxy/envoy:v1.31.0")
    );
    let r = raw_req(
        &s.url("prod"),
        "PATCH",
        "/apis/apps/v1/namespaces/shop/deployments/cart",
        prod.token().as_deref(),
        &[("Content-Type", "application/json-patch+json")],
        br#"[{"op":"test","path":"/spec/replicas","value":3},{"op":"replace","path":"/spec/replicas","value":4}]"#,
    )
    .await;
    assert_eq!(
        (r.status, r.json()["spec"]["replicas"].clone()),
        (200, json!(4))
    );
    let r = raw_req(
        &s.url("prod"),
        "PATCH",
        "/apis/apps/v1/namespaces/shop/deployments/cart",
        prod.token().as_deref(),
        &[("Content-Type", "application/json-patch+json")],
        br#"[{"op":"test","path":"/spec/replicas","value":99}]"#,
    )
    .await;
    assert_eq!(r.status, 422);

    // Scale subresource.
    let scale = deployments.get_scale("catalog").await.expect("get scale");
    assert_eq!(scale.spec.as_ref().and_then(|s| s.replicas), Some(3));
    assert_eq!(scale.status.as_ref().map(|s| s.replicas), Some(3));
    let scaled = deployments
        .patch_scale(
            "catalog",
            &pp,
            &Patch::Merge(json!({"spec": {"replicas": 5}})),
        )
        .await
        .expect("patch scale");
    assert_eq!(scaled.spec.as_ref().and_then(|s| s.replicas), Some(5));
    let mut replace = scaled.clone();
    replace.spec = Some(k8s_openapi::api::autoscaling::v1::ScaleSpec { replicas: Some(2) });
    let replaced = deployments
        .replace_scale("catalog", &PostParams::default(), &replace)
        .await
        .expect("replace scale");
    assert_eq!(replaced.spec.as_ref().and_then(|s| s.replicas), Some(2));
    assert_eq!(
        api_code(
            deployments
                .replace_scale("catalog", &PostParams::default(), &replace)
                .await
        ),
        409,
        "stale resourceVersion"
    );
    assert_eq!(
        api_code(
            deployments
                .patch_scale(
                    "catalog",
                    &pp,
                    &Patch::Merge(json!({"spec": {"replicas": -1}}))
                )
                .await
        ),
        422
    );
    eventually("catalog scaled to 2", 10, async || {
        let pods: Api<Pod> = Api::namespaced(client.clone(), "shop");
        let live = pods
            .list(&ListParams::default().labels("app.kubernetes.io/name=catalog"))
            .await
            .map(|l| {
                l.items
                    .into_iter()
                    .filter(|p| p.metadata.deletion_timestamp.is_none())
                    .count()
            })
            .unwrap_or(0);
        let d = deployments.get("catalog").await.ok();
        live == 2 && d.and_then(|d| d.status).and_then(|s| s.ready_replicas) == Some(2)
    })
    .await;

    // Delete with preconditions: 409 on a wrong uid, graceful deletion and replacement otherwise.
    let pods: Api<Pod> = Api::namespaced(client.clone(), "shop");
    let victim = pods
        .list(&ListParams::default().labels("app.kubernetes.io/name=frontend"))
        .await
        .expect("frontend pods")
        .items
        .remove(0);
    let wrong = DeleteParams {
        preconditions: Some(Preconditions {
            uid: Some("00000000-0000-0000-0000-000000000000".into()),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    let err = pods.delete(&victim.name_any(), &wrong).await;
    match &err {
        Err(kube::Error::Api(s)) => {
            assert_eq!((s.code, s.reason.as_str()), (409, "Conflict"));
            assert!(
                s.message.contains("the UID in the precondition"),
                "{}",
                s.message
            );
        }
        other => panic!("expected 409, got {other:?}"),
    }
    let right = DeleteParams {
        preconditions: Some(Preconditions {
            uid: victim.metadata.uid.clone(),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    let deleted = pods
        .delete(&victim.name_any(), &right)
        .await
        .expect("delete");
    let gone = deleted.left().expect("pods answer with the object");
    assert!(gone.metadata.deletion_timestamp.is_some());
    assert_eq!(gone.metadata.deletion_grace_period_seconds, Some(30));
    eventually("pod replaced", 10, async || {
        let list = pods
            .list(&ListParams::default().labels("app.kubernetes.io/name=frontend"))
            .await;
        list.is_ok_and(|l| {
            l.items.len() == 3
                && l.items.iter().all(|p| p.name_any() != victim.name_any())
                && l.items
                    .iter()
                    .all(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
        })
    })
    .await;

    // Create, conflict on re-create, delete with cascade.
    let mut d: Deployment = serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "canary", "namespace": "shop"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "canary"}},
                 "template": {"metadata": {"labels": {"app": "canary"}},
                              "spec": {"containers": [{"name": "app", "image": "registry.example/canary:0.1.0"}]}}}
    }))
    .expect("deployment");
    let created = deployments
        .create(&PostParams::default(), &d)
        .await
        .expect("create");
    assert!(created.metadata.uid.is_some() && created.metadata.creation_timestamp.is_some());
    d.metadata.resource_version = None;
    assert_eq!(
        api_code(deployments.create(&PostParams::default(), &d).await),
        409
    );
    let rs: Api<ReplicaSet> = Api::namespaced(client.clone(), "shop");
    eventually("canary running", 10, async || {
        let ready = deployments
            .get("canary")
            .await
            .ok()
            .and_then(|d| d.status)
            .and_then(|s| s.ready_replicas);
        ready == Some(2)
    })
    .await;
    let status = deployments
        .delete("canary", &DeleteParams::background())
        .await
        .expect("delete")
        .right();
    assert!(status.is_some(), "deployments answer with a Status");
    eventually("cascade", 10, async || {
        let rs_left = rs
            .list(&ListParams::default().labels("app=canary"))
            .await
            .map(|l| l.items.len())
            .unwrap_or(1);
        let pods_left = pods
            .list(&ListParams::default().labels("app=canary"))
            .await
            .map(|l| l.items.len())
            .unwrap_or(1);
        rs_left == 0 && pods_left == 0
    })
    .await;
    s.fleet.shutdown().await;
}

#[tokio::test]
async fn kube_logs_and_follow() {
    let s = start(SimFleet::demo(), &[]).await;
    let client = s.client("staging").await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "payments");
    let pod = pods
        .list(&ListParams::default().labels("app.kubernetes.io/name=payments-api"))
        .await
        .expect("pods")
        .items
        .remove(0)
        .name_any();
    // Let a few lines accumulate.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let lp = LogParams {
        container: Some("app".into()),
        ..LogParams::default()
    };
    let text = pods.logs(&pod, &lp).await.expect("logs");
    assert!(text.lines().count() >= 4, "{text}");
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.contains("INFO") && l.contains("starting payments-api")),
        "{text}"
    );
    assert_eq!(
        pods.logs(&pod, &lp).await.expect("again").lines().next(),
        text.lines().next(),
        "deterministic"
    );
    let tail = pods
        .logs(
            &pod,
            &LogParams {
                container: Some("app".into()),
                tail_lines: Some(2),
                timestamps: true,
                ..LogParams::default()
            },
        )
        .await
        .expect("tail");
    assert_eq!(tail.lines().count(), 2);
    assert!(
        tail.lines().all(|l| l
            .split(' ')
            .next()
            .is_some_and(|t| t.ends_with('Z') && t.len() == 30)),
        "{tail}"
    );
    let limited = pods
        .logs(
            &pod,
            &LogParams {
                container: Some("app".into()),
                limit_bytes: Some(10),
                ..LogParams::default()
            },
        )
        .await
        .expect("limited");
    assert_eq!(limited.len(), 10);

    // The crash-looping sidecar: current and previous instance logs end with the crash.
    let crash = pods
        .logs(
            &pod,
            &LogParams {
                container: Some("envoy".into()),
                ..LogParams::default()
            },
        )
        .await
        .expect("envoy logs");
    assert!(
        crash
            .lines()
            .last()
            .is_some_and(|l| l.contains("exit code 1")),
        "{crash}"
    );
    let previous = pods
        .logs(
            &pod,
            &LogParams {
                container: Some("envoy".into()),
                previous: true,
                ..LogParams::default()
            },
        )
        .await;
    assert!(previous.is_ok());
    let no_previous = pods
        .logs(
            &pod,
            &LogParams {
                container: Some("app".into()),
                previous: true,
                ..LogParams::default()
            },
        )
        .await;
    assert_eq!(api_code(no_previous), 400);

    // Errors worded like the real server.
    match pods
        .logs(
            &pod,
            &LogParams {
                container: Some("nope".into()),
                ..LogParams::default()
            },
        )
        .await
    {
        Err(kube::Error::Api(s)) => {
            assert_eq!(s.code, 400);
            assert_eq!(
                s.message,
                format!("container nope is not valid for pod {pod}")
            );
        }
        other => panic!("expected 400, got {other:?}"),
    }
    match pods.logs(&pod, &LogParams::default()).await {
        Err(kube::Error::Api(s)) => assert!(
            s.message.contains("a container name must be specified"),
            "{}",
            s.message
        ),
        other => panic!("expected 400, got {other:?}"),
    }

    // follow: new lines keep arriving until we hang up.
    let stream = pods
        .log_stream(
            &pod,
            &LogParams {
                container: Some("app".into()),
                follow: true,
                tail_lines: Some(1),
                ..LogParams::default()
            },
        )
        .await
        .expect("follow");
    let mut lines = stream.lines();
    let mut got = Vec::new();
    let t = std::time::Instant::now();
    while got.len() < 6 {
        let line = tokio::time::timeout(Duration::from_secs(3), lines.try_next())
            .await
            .expect("a followed line in time")
            .expect("read")
            .expect("open");
        got.push(line);
    }
    assert!(
        t.elapsed() >= Duration::from_millis(500),
        "lines are paced, not dumped"
    );
    drop(lines);
    s.fleet.shutdown().await;
}

#[tokio::test]
async fn kube_controller_rolls_a_deployment() {
    let s = start(SimFleet::demo(), &[]).await;
    let dev = s.cluster("dev");
    let client = s.client("dev").await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "shop");
    let rs_api: Api<ReplicaSet> = Api::namespaced(client.clone(), "shop");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "shop");
    let selector = ListParams::default().labels("app.kubernetes.io/name=checkout-api");
    let old_rs = rs_api.list(&selector).await.expect("rs").items;
    assert_eq!(old_rs.len(), 1);
    let old_pods = names(&pods.list(&selector).await.expect("pods").items);
    let d = deployments.get("checkout-api").await.expect("deployment");
    assert_eq!(
        d.annotations()
            .get("deployment.kubernetes.io/revision")
            .map(String::as_str),
        Some("1")
    );
    let owner = &old_rs[0].metadata.owner_references.as_ref().expect("owner")[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str(), owner.controller),
        ("Deployment", "checkout-api", Some(true))
    );
    assert_eq!(owner.uid, d.metadata.uid.clone().unwrap_or_default());

    let restart = json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-23T20:40:00Z"}}}}});
    deployments
        .patch(
            "checkout-api",
            &PatchParams::default(),
            &Patch::Strategic(restart),
        )
        .await
        .expect("restart");
    eventually("rollout complete", 15, async || {
        let Ok(rs) = rs_api.list(&selector).await else {
            return false;
        };
        let Ok(now) = pods.list(&selector).await else {
            return false;
        };
        let Ok(d) = deployments.get("checkout-api").await else {
            return false;
        };
        let status = d.status.clone().unwrap_or_default();
        let progressing = status
            .conditions
            .unwrap_or_default()
            .into_iter()
            .find(|c| c.type_ == "Progressing")
            .map(|c| c.reason.unwrap_or_default());
        rs.items.len() == 2
            && now.items.len() == 1
            && names(&now.items).is_disjoint(&old_pods)
            && status.updated_replicas == Some(1)
            && status.ready_replicas == Some(1)
            && status.observed_generation == d.metadata.generation
            && progressing.as_deref() == Some("NewReplicaSetAvailable")
    })
    .await;
    let rs = rs_api.list(&selector).await.expect("rs").items;
    let new_rs = rs
        .iter()
        .find(|r| r.spec.as_ref().and_then(|s| s.replicas) == Some(1))
        .expect("new rs");
    let old = rs
        .iter()
        .find(|r| r.spec.as_ref().and_then(|s| s.replicas) == Some(0))
        .expect("old rs scaled down");
    assert_eq!(old.name_any(), old_rs[0].name_any());
    let hash = new_rs
        .labels()
        .get("pod-template-hash")
        .cloned()
        .unwrap_or_default();
    assert_eq!(hash.len(), 10);
    assert_eq!(new_rs.name_any(), format!("checkout-api-{hash}"));
    assert_eq!(
        new_rs
            .annotations()
            .get("deployment.kubernetes.io/revision")
            .map(String::as_str),
        Some("2")
    );
    let d = deployments.get("checkout-api").await.expect("deployment");
    assert_eq!(
        d.annotations()
            .get("deployment.kubernetes.io/revision")
            .map(String::as_str),
        Some("2")
    );
    let pod = pods.list(&selector).await.expect("pods").items.remove(0);
    assert!(pod.name_any().starts_with(&format!("checkout-api-{hash}-")));
    let cs = pod
        .status
        .and_then(|s| s.container_statuses)
        .unwrap_or_default();
    assert!(
        cs.iter()
            .all(|c| c.ready && c.started == Some(true) && c.container_id.is_some())
    );

    // Scaling adds pods; a paused deployment does not roll.
    deployments
        .patch(
            "checkout-api",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 3, "paused": true}})),
        )
        .await
        .expect("scale + pause");
    deployments
        .patch(
            "checkout-api",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"template": {"metadata": {"labels": {"rev": "3"}}}}})),
        )
        .await
        .expect("template change while paused");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        rs_api.list(&selector).await.expect("rs").items.len(),
        2,
        "paused: no new ReplicaSet"
    );
    assert!(dev.journal().iter().any(|e| e.method == "PATCH"));
    s.fleet.shutdown().await;
}

#[tokio::test]
async fn kube_auth_failures_surface_as_api_errors() {
    let s = start(SimFleet::demo(), &[]).await;
    let prod = s.cluster("prod");
    let client = s.client("prod").await;
    let pods: Api<Pod> = Api::all(client.clone());
    let deployments: Api<Deployment> = Api::all(client.clone());
    assert!(pods.list(&ListParams::default().limit(1)).await.is_ok());

    prod.forbid(SimResource::Pods, &[]);
    match pods.list(&ListParams::default()).await {
        Err(kube::Error::Api(s)) => {
            assert_eq!((s.code, s.reason.as_str()), (403, "Forbidden"));
            assert_eq!(
                s.message,
                "pods is forbidden: User \"viewer\" cannot list resource \"pods\" in API group \"\" at the cluster scope"
            );
        }
        other => panic!("expected 403, got {other:?}"),
    }
    assert!(
        deployments.list(&ListParams::default()).await.is_ok(),
        "other resources still work"
    );
    prod.allow_all();

    prod.set_token_expired(true);
    assert_eq!(
        api_code(deployments.list(&ListParams::default()).await),
        401
    );
    prod.set_token_expired(false);
    assert!(deployments.list(&ListParams::default()).await.is_ok());

    // A client without the token.
    let cfg = kube::Config::new(s.url("prod").parse().expect("url"));
    let anonymous = kube::Client::try_from(cfg).expect("client");
    assert_eq!(
        api_code(
            Api::<Pod>::all(anonymous)
                .list(&ListParams::default())
                .await
        ),
        401
    );
    let mutating: Vec<_> = prod
        .journal()
        .into_iter()
        .filter(|e| e.is_mutating())
        .collect();
    assert!(
        mutating.is_empty(),
        "no mutating request reached the server: {mutating:?}"
    );
    s.fleet.shutdown().await;
}
