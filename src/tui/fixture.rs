//! An in-memory fleet for tests and benchmarks of the TUI: three clusters (dev, staging,
//! prod), Kubernetes objects written as JSON and projected through the built-in blueprints,
//! so the TUI sees exactly what the fleet would send. Not used by the program itself.

use crate::blueprint::{BlueprintSet, Record};
use crate::catalog::{Catalog, Change, ClusterId, ClusterInfo, ClusterStatus};
use serde_json::{Value, json};
use std::sync::Arc;

/// Creation time of every fixture object: 2025-01-01T00:00:00Z.
pub const CREATED: i64 = 1_735_689_600;
/// A "now" one hour after [`CREATED`], for stable ages in snapshots.
pub const NOW: i64 = CREATED + 3600;
const CREATED_TEXT: &str = "2025-01-01T00:00:00Z";

/// Project one object of `kind` (API group `group`) into a record.
pub fn record(set: &BlueprintSet, group: &str, kind: &str, obj: &Value) -> Option<Record> {
    let (bp, source) = set.source_for(group, kind)?;
    set.get(bp).project(source, obj)
}

/// A catalog over the built-in blueprints with these contexts (all connecting).
pub fn empty(contexts: &[&str]) -> Catalog {
    let set = BlueprintSet::builtin().unwrap_or_else(|e| panic!("built-in blueprints: {e}"));
    empty_over(set, contexts)
}

/// A catalog over `set` with these contexts (all connecting).
pub fn empty_over(set: BlueprintSet, contexts: &[&str]) -> Catalog {
    let clusters = contexts
        .iter()
        .map(|c| ClusterInfo::new(*c, format!("https://{c}.example:6443"), None))
        .collect();
    Catalog::new(Arc::new(set), clusters)
}

/// Apply an object to a cluster; panics when no blueprint reads it (a fixture bug).
pub fn apply(cat: &mut Catalog, cluster: u16, group: &str, kind: &str, obj: Value) -> Record {
    let r = record(cat.blueprints(), group, kind, &obj)
        .unwrap_or_else(|| panic!("no blueprint projects {kind}"));
    cat.apply(Change::Apply {
        cluster: ClusterId(cluster),
        record: r.clone(),
    });
    r
}

/// Delete an entity by record.
pub fn delete(cat: &mut Catalog, cluster: u16, r: &Record) {
    cat.apply(Change::Delete {
        cluster: ClusterId(cluster),
        bp: r.blueprint,
        uid: r.uid.clone(),
    });
}

fn meta(name: &str, namespace: Option<&str>, uid: &str) -> Value {
    let mut m = json!({"name": name, "uid": uid, "creationTimestamp": CREATED_TEXT, "labels": {}});
    if let Some(ns) = namespace {
        m["namespace"] = json!(ns);
    }
    m
}

pub fn namespace(name: &str, uid: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": meta(name, None, uid), "status": {"phase": "Active"}})
}

pub fn node(name: &str, uid: &str, ready: bool) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Node", "metadata": meta(name, None, uid),
        "status": {
            "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
            "nodeInfo": {"kubeletVersion": "v1.33.1"},
            "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
            "capacity": {"cpu": "4", "memory": "16Gi"}
        }
    })
}

/// A Deployment labelled with its service name and version.
pub fn deployment(
    name: &str,
    ns: &str,
    uid: &str,
    version: &str,
    desired: i64,
    ready: i64,
) -> Value {
    let mut m = meta(name, Some(ns), uid);
    m["labels"] = json!({"app.kubernetes.io/name": name, "app.kubernetes.io/version": version});
    m["generation"] = json!(1);
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": m,
        "spec": {"replicas": desired, "template": {"metadata": {"labels": {"app.kubernetes.io/name": name}},
            "spec": {"containers": [{"name": "app", "image": format!("registry.example/{name}:{version}")}]}}},
        "status": {"replicas": desired, "readyReplicas": ready, "updatedReplicas": desired,
            "availableReplicas": ready, "observedGeneration": 1}
    })
}

pub fn replicaset(name: &str, ns: &str, uid: &str, owner: &str, desired: i64) -> Value {
    let mut m = meta(name, Some(ns), uid);
    m["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "Deployment", "name": "x", "uid": owner, "controller": true}]);
    json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": m,
        "spec": {"replicas": desired}, "status": {"readyReplicas": desired}})
}

/// A running pod owned by `owner` (a ReplicaSet uid), with one `app` container; `waiting`
/// makes the container wait with that reason instead of running.
pub fn pod(
    name: &str,
    ns: &str,
    uid: &str,
    owner: &str,
    node: &str,
    waiting: Option<&str>,
) -> Value {
    let mut m = meta(name, Some(ns), uid);
    m["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "x", "uid": owner, "controller": true}]);
    let (state, ready, phase) = match waiting {
        Some(r) => (json!({"waiting": {"reason": r}}), false, "Running"),
        None => (
            json!({"running": {"startedAt": CREATED_TEXT}}),
            true,
            "Running",
        ),
    };
    json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": m,
        "spec": {"nodeName": node, "containers": [{"name": "app", "image": "registry.example/app:1.0"}]},
        "status": {
            "phase": phase, "podIP": "10.1.0.7", "hostIP": "10.0.0.1",
            "containerStatuses": [{"name": "app", "ready": ready, "restartCount": if waiting.is_some() { 4 } else { 0 }, "state": state}],
            "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }},
                           {"type": "PodScheduled", "status": "True"}]
        }
    })
}

/// Version of `checkout-api` per environment: dev runs ahead (drift).
pub const CHECKOUT_VERSIONS: [&str; 3] = ["1.5.0", "1.4.2", "1.4.2"];

/// The demo-like fleet: dev, staging, prod (ready); namespaces `payments` and `shop`;
/// `checkout-api` (drifting), `cart` and, in prod only, `ledger`; pods on two nodes; one
/// crash-looping cart pod in staging.
pub fn fleet() -> Catalog {
    let set = BlueprintSet::builtin().unwrap_or_else(|e| panic!("built-in blueprints: {e}"));
    fleet_over(set)
}

/// [`fleet`] projected through another blueprint set (a user's override of the built-ins).
pub fn fleet_over(set: BlueprintSet) -> Catalog {
    let mut cat = empty_over(set, &["dev", "staging", "prod"]);
    for (c, name) in ["dev", "staging", "prod"].iter().enumerate() {
        let c16 = c as u16;
        let u = |s: &str| format!("{name}-{s}");
        cat.apply(Change::ServerVersion {
            cluster: ClusterId(c16),
            version: format!("v1.33.{c}"),
        });
        cat.apply(Change::Cluster {
            cluster: ClusterId(c16),
            status: ClusterStatus::Ready,
        });
        apply(
            &mut cat,
            c16,
            "",
            "Namespace",
            namespace("payments", &u("ns-payments")),
        );
        apply(
            &mut cat,
            c16,
            "",
            "Namespace",
            namespace("shop", &u("ns-shop")),
        );
        apply(
            &mut cat,
            c16,
            "",
            "Node",
            node("node-1", &u("node-1"), true),
        );
        apply(
            &mut cat,
            c16,
            "",
            "Node",
            node("node-2", &u("node-2"), true),
        );
        let v = CHECKOUT_VERSIONS[c];
        apply(
            &mut cat,
            c16,
            "apps",
            "Deployment",
            deployment("checkout-api", "payments", &u("dep-checkout"), v, 2, 2),
        );
        apply(
            &mut cat,
            c16,
            "apps",
            "ReplicaSet",
            replicaset(
                "checkout-api-7d9f8b6c5",
                "payments",
                &u("rs-checkout"),
                &u("dep-checkout"),
                2,
            ),
        );
        for (i, n) in ["abcde", "fghij"].iter().enumerate() {
            let node = if i == 0 { "node-1" } else { "node-2" };
            let name = format!("checkout-api-7d9f8b6c5-{n}");
            apply(
                &mut cat,
                c16,
                "",
                "Pod",
                pod(
                    &name,
                    "payments",
                    &u(&format!("pod-checkout-{n}")),
                    &u("rs-checkout"),
                    node,
                    None,
                ),
            );
        }
        let cart_ready = if c == 1 { 1 } else { 2 };
        apply(
            &mut cat,
            c16,
            "apps",
            "Deployment",
            deployment("cart", "shop", &u("dep-cart"), "2.0.0", 2, cart_ready),
        );
        apply(
            &mut cat,
            c16,
            "apps",
            "ReplicaSet",
            replicaset("cart-5c6d7e8f9", "shop", &u("rs-cart"), &u("dep-cart"), 2),
        );
        for (i, n) in ["kkkkk", "lllll"].iter().enumerate() {
            let waiting = (c == 1 && i == 1).then_some("CrashLoopBackOff");
            let name = format!("cart-5c6d7e8f9-{n}");
            apply(
                &mut cat,
                c16,
                "",
                "Pod",
                pod(
                    &name,
                    "shop",
                    &u(&format!("pod-cart-{n}")),
                    &u("rs-cart"),
                    "node-1",
                    waiting,
                ),
            );
        }
        if c == 2 {
            apply(
                &mut cat,
                c16,
                "apps",
                "Deployment",
                deployment("ledger", "payments", &u("dep-ledger"), "3.1.0", 1, 1),
            );
        }
    }
    cat
}

/// A Deployment as [`deployment`] makes it, with a second container `envoy` (a sidecar).
pub fn with_sidecar(mut deployment: Value) -> Value {
    if let Some(cs) = deployment
        .pointer_mut("/spec/template/spec/containers")
        .and_then(Value::as_array_mut)
    {
        cs.push(json!({"name": "envoy", "image": "envoyproxy/envoy:v1.30.1"}));
    }
    deployment
}

/// Who may act where: `readonly` for every context, the rest from a config file's text
/// (`protected: [prod]`, `contexts: {staging: {readonly: true}}`), answered by a real
/// executor (with no clients: the TUI never sends through it).
pub fn policy(readonly: bool, config: &str) -> super::act::policy::Policy {
    let user =
        crate::config::UserConfig::parse(config).unwrap_or_else(|e| panic!("fixture config: {e}"));
    let ex = crate::actions::Executor::new(
        vec![],
        crate::fleet::ClientSet::default(),
        readonly,
        user,
        crate::actions::audit::AuditLog::new(std::path::PathBuf::from("/nonexistent/audit.jsonl")),
    );
    super::act::policy::Policy::of(&ex)
}

/// An app as the tests drive it: colours off, the clock at [`NOW`], 100×30.
pub fn app(cat: &Catalog) -> super::App {
    let mut a = super::App::new(super::theme::Theme { color: false }, false, false, NOW);
    super::update(&mut a, cat, super::Msg::Resize(100, 30));
    a
}

/// Send one key.
pub fn press(
    app: &mut super::App,
    cat: &Catalog,
    code: crossterm::event::KeyCode,
) -> Vec<super::Effect> {
    let k = crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE);
    super::update(app, cat, super::Msg::Key(k))
}

/// Type each char of `text` as a key.
pub fn type_text(app: &mut super::App, cat: &Catalog, text: &str) -> Vec<super::Effect> {
    text.chars()
        .flat_map(|c| press(app, cat, crossterm::event::KeyCode::Char(c)))
        .collect()
}

/// Draw the app on a `width`×`height` test terminal and return the screen text.
pub fn screen(app: &mut super::App, cat: &Catalog, width: u16, height: u16) -> String {
    let backend = ratatui::backend::TestBackend::new(width, height);
    let mut term = ratatui::Terminal::new(backend).unwrap_or_else(|e| match e {});
    super::update(app, cat, super::Msg::Resize(width, height));
    term.draw(|f| super::render::draw(f, app))
        .unwrap_or_else(|e| match e {});
    term.backend().to_string()
}

/// The text of the rows of the current page, one string per row (cells joined by spaces).
pub fn rows(app: &super::App) -> Vec<String> {
    let p = app.page();
    p.cache
        .filtered
        .rows()
        .iter()
        .filter_map(|&i| p.cache.table.rows.get(i as usize))
        .map(|r| super::table::Table::filter_text(r).0)
        .collect()
}
