//! The simulator held against the real apiserver: the same requests, on objects of the same
//! names, sent to both; status codes, `Status` bodies (reason, message, details) and the shape
//! of answers must agree. Each disagreement found here was fixed in the simulator.

use crate::envtest::{self, post};
use crate::support::*;
use kubeatlas_sim::{SimFleet, SimResource};
use serde_json::{Value, json};

/// Send one request; the HTTP status and the JSON body (or the text, as a JSON string).
async fn raw(
    client: &kube::Client,
    method: &str,
    path: &str,
    body: Option<&Value>,
    content_type: &str,
) -> (u16, Value) {
    let mut req = http::Request::builder().method(method).uri(path);
    if body.is_some() {
        req = req.header(http::header::CONTENT_TYPE, content_type);
    }
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let req = req.body(kube::client::Body::from(bytes)).expect("request");
    let resp = client.send(req).await.expect("an answer");
    let code = resp.status().as_u16();
    let bytes = resp.into_body().collect_bytes().await.expect("body");
    let v = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (code, v)
}

/// The keys of an object, recursively for nested objects (values dropped), for shape checks.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().take(1).map(shape).collect()),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => Value::Null,
    }
}

async fn sim_client(sim: &SimFleet, dir: &std::path::Path, context: &str) -> kube::Client {
    let path = dir.join("sim-kubeconfig");
    sim.write_kubeconfig(&path).expect("sim kubeconfig");
    let kc = kube::config::Kubeconfig::read_from(&path).expect("read");
    let opts = kube::config::KubeConfigOptions {
        context: Some(context.into()),
        ..Default::default()
    };
    let cfg = kube::Config::from_custom_kubeconfig(kc, &opts)
        .await
        .expect("config");
    kube::Client::try_from(cfg).expect("client")
}

#[test]
fn the_simulator_answers_as_the_real_apiserver_does() {
    envtest::run(|cp| async move {
        let dir = tempfile::tempdir().expect("tmp");
        let mut sim = SimFleet::demo();
        sim.start().expect("sim");
        let s = sim_client(&sim, dir.path(), "dev").await;
        let r = cp.admin_client().await;
        // The same objects on the real server: namespace shop, Deployments search and auth.
        namespace(&r, "shop").await;
        for name in ["search", "auth"] {
            let mut d = deployment(name, 1, "nginx:1.25");
            d["metadata"]["labels"]["app.kubernetes.io/name"] = json!(name);
            let _ = post(&r, "/apis/apps/v1/namespaces/shop/deployments", d).await;
        }
        let mut diffs: Vec<String> = vec![];
        let mut same = |what: &str, sim: Value, real: Value| {
            if sim != real {
                diffs.push(format!(
                    "{what}:\n  sim:  {}\n  real: {}",
                    serde_json::to_string(&sim).unwrap_or_default(),
                    serde_json::to_string(&real).unwrap_or_default()
                ));
            }
        };
        let mp = "application/merge-patch+json";
        let smp = "application/strategic-merge-patch+json";
        // Requests whose whole answer (a Status) must be the same.
        let dep = "/apis/apps/v1/namespaces/shop/deployments";
        for (what, method, path, body, ct) in [
            (
                "GET a missing Deployment",
                "GET",
                format!("{dep}/nope"),
                None,
                mp,
            ),
            (
                "GET a missing Pod",
                "GET",
                "/api/v1/namespaces/shop/pods/nope".to_string(),
                None,
                mp,
            ),
            (
                "GET a missing scale",
                "GET",
                format!("{dep}/nope/scale"),
                None,
                mp,
            ),
            (
                "PATCH a missing Deployment",
                "PATCH",
                format!("{dep}/nope"),
                Some(json!({"spec": {"paused": false}})),
                smp,
            ),
            (
                "PATCH with an unsupported content type",
                "PATCH",
                format!("{dep}/search"),
                Some(json!({"spec": {"paused": false}})),
                "application/json",
            ),
            (
                "DELETE a missing Pod",
                "DELETE",
                "/api/v1/namespaces/shop/pods/nope".to_string(),
                None,
                mp,
            ),
            (
                "GET an unknown resource",
                "GET",
                "/apis/apps/v1/namespaces/shop/nopes".to_string(),
                None,
                mp,
            ),
            (
                "scale to a negative count",
                "PATCH",
                format!("{dep}/search/scale"),
                Some(json!({"spec": {"replicas": -1}})),
                mp,
            ),
        ] {
            let (sc, sb) = raw(&s, method, &path, body.as_ref(), ct).await;
            let (rc, rb) = raw(&r, method, &path, body.as_ref(), ct).await;
            same(&format!("{what}: status code"), json!(sc), json!(rc));
            same(what, sb, rb);
        }

        // The scale subresource: same shape, same values where they are the server's own.
        let (sc, sb) = raw(
            &s,
            "PATCH",
            &format!("{dep}/search/scale"),
            Some(&json!({"spec": {"replicas": 2}})),
            mp,
        )
        .await;
        let (rc, rb) = raw(
            &r,
            "PATCH",
            &format!("{dep}/search/scale"),
            Some(&json!({"spec": {"replicas": 2}})),
            mp,
        )
        .await;
        same("scale: status code", json!(sc), json!(rc));
        same("scale: shape", shape(&sb), shape(&rb));
        for k in ["kind", "apiVersion"] {
            same(&format!("scale: {k}"), sb[k].clone(), rb[k].clone());
        }
        same("scale: spec", sb["spec"].clone(), json!({"replicas": 2}));
        same(
            "scale: real spec",
            rb["spec"].clone(),
            json!({"replicas": 2}),
        );

        // A restart (strategic merge patch): one more generation, the same kind of answer.
        let restart = json!({"spec": {"template": {"metadata": {"annotations": {
            "kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z"}}}}});
        let mut generations = vec![];
        let mut keys = vec![];
        for c in [&s, &r] {
            let (_, before) = raw(c, "GET", &format!("{dep}/search"), None, mp).await;
            let (code, after) =
                raw(c, "PATCH", &format!("{dep}/search"), Some(&restart), smp).await;
            generations.push(json!([
                code,
                after["metadata"]["generation"].as_i64().unwrap_or(0)
                    - before["metadata"]["generation"].as_i64().unwrap_or(0)
            ]));
            let names = |v: &Value| -> Vec<String> {
                v.as_object()
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default()
            };
            keys.push(json!([
                names(&after),
                names(&after["metadata"]),
                names(&after["spec"])
            ]));
        }
        same(
            "restart: status and generation step",
            generations[0].clone(),
            generations[1].clone(),
        );
        same(
            "restart: keys of the answer",
            keys[0].clone(),
            keys[1].clone(),
        );

        // A list page: the same metadata (continue, remainingItemCount, resourceVersion).
        let (_, sl) = raw(&s, "GET", &format!("{dep}?limit=1"), None, mp).await;
        let (_, rl) = raw(&r, "GET", &format!("{dep}?limit=1"), None, mp).await;
        same("list page: kind", sl["kind"].clone(), rl["kind"].clone());
        same(
            "list page: metadata keys",
            shape(&sl["metadata"]),
            shape(&rl["metadata"]),
        );
        same(
            "list page: item keys",
            shape(&sl["items"][0])
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>())
                .into(),
            shape(&rl["items"][0])
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>())
                .into(),
        );

        // A delete with a stale uid precondition: 409, worded with both uids.
        let sim_pod = sim
            .cluster("dev")
            .expect("dev")
            .list(SimResource::Pods)
            .into_iter()
            .find(|p| p["metadata"]["namespace"] == "shop")
            .expect("a sim pod");
        post(
            &r,
            "/api/v1/namespaces/shop/pods",
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": sim_pod["metadata"]["name"]},
                   "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}),
        )
        .await
        .expect("pod");
        let name = sim_pod["metadata"]["name"].as_str().expect("name");
        let path = format!("/api/v1/namespaces/shop/pods/{name}");
        let stale = json!({"preconditions": {"uid": "00000000-0000-0000-0000-000000000000"}});
        let (sc, mut sb) = raw(&s, "DELETE", &path, Some(&stale), "application/json").await;
        let (rc, mut rb) = raw(&r, "DELETE", &path, Some(&stale), "application/json").await;
        let (_, real_pod) = raw(&r, "GET", &path, None, mp).await;
        for (b, uid) in [
            (&mut sb, sim_pod["metadata"]["uid"].as_str()),
            (&mut rb, real_pod["metadata"]["uid"].as_str()),
        ] {
            if let (Some(m), Some(uid)) = (b["message"].as_str(), uid) {
                b["message"] = json!(m.replace(uid, "UID"));
            }
        }
        same("stale uid delete: status code", json!(sc), json!(rc));
        same("stale uid delete", sb, rb);

        // RBAC: the viewer's patch refused, worded the same.
        sim.cluster("dev")
            .expect("dev")
            .forbid(SimResource::Deployments, &["patch"]);
        let viewer = cp.client("envtest-viewer").await;
        let body = json!({"spec": {"paused": false}});
        let (sc, sb) = raw(&s, "PATCH", &format!("{dep}/search"), Some(&body), smp).await;
        let (rc, rb) = raw(&viewer, "PATCH", &format!("{dep}/search"), Some(&body), smp).await;
        same("forbidden patch: status code", json!(sc), json!(rc));
        same("forbidden patch", sb, rb);
        let (sc, sb) = raw(&s, "PATCH", &format!("{dep}/search/scale"), Some(&body), mp).await;
        let (rc, rb) = raw(
            &viewer,
            "PATCH",
            &format!("{dep}/search/scale"),
            Some(&body),
            mp,
        )
        .await;
        same("forbidden scale: status code", json!(sc), json!(rc));
        same("forbidden scale", sb, rb);

        assert!(
            diffs.is_empty(),
            "the simulator differs from the real apiserver:\n{}",
            diffs.join("\n")
        );
    });
}
