//! A custom resource read through a user blueprint (a CRD made on the real server), equal to
//! the server record for record, and scaled through its scale subresource by the executor.

use crate::envtest::{self, get, post};
use crate::support::*;
use kubeatlas::actions::Action;
use serde_json::json;

const CTX: &str = "envtest-admin";

const WIDGET_BLUEPRINT: &str = "\
identifier: widget
title: Widget
plural: widgets
sources:
  - { group: example.com, version: v1, kind: Widget, optional: true }
properties:
  - { id: desired, title: Desired, path: .spec.replicas, type: integer }
  - { id: ready, title: Ready, path: .status.readyReplicas, type: integer, default: 0 }
  - { id: color, title: Color, path: .spec.color }
relations:
  - { id: namespace, to: namespace, via: namespace }
  - { id: cluster, to: cluster, via: cluster }
health: replicas
actions: [scale]
columns: [desired, ready, color]
";

/// The CRD `widgets.example.com`, with status and scale subresources; returns once served.
async fn widget_crd(admin: &kube::Client) {
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {
                        "replicas": {"type": "integer"}, "color": {"type": "string"}}},
                    "status": {"type": "object", "properties": {
                        "replicas": {"type": "integer"}, "readyReplicas": {"type": "integer"}}}}}},
                "subresources": {"status": {}, "scale": {
                    "specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}}
            }]
        }
    });
    match post(
        admin,
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        crd,
    )
    .await
    {
        Ok(_) => {}
        Err(e) if e.code == 409 => {}
        Err(e) => panic!("creating the CRD: {e}"),
    }
    let deadline = tokio::time::Instant::now() + T;
    loop {
        if let Ok(r) = get(admin, "/apis/example.com/v1").await
            && r["resources"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|r| r["name"] == "widgets")
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "widgets.example.com not served"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The scale step is expected to fail until branch h-bp (actions on CRD scale subresources) is
/// merged: before it the executor refuses ("Widget has no scale subresource").
#[test]
fn a_custom_resource_is_read_through_a_user_blueprint_and_scaled() {
    envtest::run(|cp| async move {
        let admin = cp.admin_client().await;
        let ns = "crd-widgets";
        namespace(&admin, ns).await;
        widget_crd(&admin).await;
        let w = |name: &str, replicas: i64, color: &str| {
            json!({"apiVersion": "example.com/v1", "kind": "Widget",
                   "metadata": {"name": name}, "spec": {"replicas": replicas, "color": color}})
        };
        let base = format!("/apis/example.com/v1/namespaces/{ns}/widgets");
        post(&admin, &base, w("blue", 2, "blue"))
            .await
            .expect("widget");
        post(&admin, &base, w("red", 1, "red"))
            .await
            .expect("widget");

        let dir = tempfile::tempdir().expect("tmp");
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join("blueprints")).expect("mkdir");
        std::fs::write(home.join("blueprints/widget.yaml"), WIDGET_BLUEPRINT).expect("write");
        let mut s = open(vec![cp.kubeconfig()], &[CTX], &home).await;
        assert!(
            pump_until(&mut s, T, |c| in_namespace(c, CTX, "widget", ns).len() == 2).await,
            "both widgets in the catalog"
        );
        let e = find(&s.catalog, CTX, "widget", ns, "blue").expect("blue");
        let r = s.catalog.get(&e).expect("blue");
        assert_eq!(prop(&s.catalog, r, "color").as_str(), Some("blue"));
        assert_eq!(prop(&s.catalog, r, "desired").as_int(), Some(2));
        converge(&mut s, CTX, &admin, Some(ns), T).await;

        // Scaled through /scale, as `kubectl scale widget/blue --replicas=5`.
        let out = executor(&s, dir.path())
            .execute(&target(&s, &e), &Action::Scale { replicas: 5 })
            .await;
        assert!(out.ok, "{}", out.message);
        let scale = get(&admin, &format!("{base}/blue/scale"))
            .await
            .expect("scale");
        assert_eq!(scale["spec"]["replicas"], 5);
        assert!(
            pump_until(&mut s, T, |c| c.get(&e).is_some_and(|r| prop(
                c, r, "desired"
            )
            .as_int()
                == Some(5)))
            .await,
            "the catalog shows 5"
        );
        converge(&mut s, CTX, &admin, Some(ns), T).await;
        s.fleet.shutdown().await;
    });
}
