//! Snapshots of what a running service exposes and depends on, as the TUI draws it: a
//! workload's detail with its "EXPOSES AND DEPENDS ON" section (Ingress → Service → pods, the
//! autoscaler, the disruption budget with a set-based selector, the ConfigMaps and Secrets its
//! pods use), and the same connections from the matrix cell's detail (`d` on cart in prod).

use crossterm::event::KeyCode;
use kubeatlas::catalog::Catalog;
use kubeatlas::tui::fixture::{self, app, press, screen, type_text};
use serde_json::{Value, json};

/// prod is cluster 2 of the fixture fleet.
const PROD: u16 = 2;

fn meta(name: &str, uid: &str) -> Value {
    json!({"name": name, "namespace": "shop", "uid": uid,
        "creationTimestamp": "2025-01-01T00:00:00Z"})
}

/// The fixture fleet with, in prod/shop, cart's pods labelled and mounting a ConfigMap and a
/// Secret (one through env), a Service selecting them, an Ingress in front, an HPA on cart and
/// a PDB selecting its pods with matchExpressions.
fn shop() -> Catalog {
    let mut cat = fixture::fleet();
    for n in ["kkkkk", "lllll"] {
        let mut p = fixture::pod(
            &format!("cart-5c6d7e8f9-{n}"),
            "shop",
            &format!("prod-pod-cart-{n}"),
            "prod-rs-cart",
            "node-1",
            None,
        );
        p["metadata"]["labels"] = json!({"app.kubernetes.io/name": "cart", "tier": "web"});
        p["spec"]["containers"][0]["envFrom"] = json!([{"secretRef": {"name": "cart-db"}}]);
        p["spec"]["volumes"] = json!([{"name": "cfg", "configMap": {"name": "cart-config"}}]);
        fixture::apply(&mut cat, PROD, "", "Pod", p);
    }
    let objects = [
        (
            "",
            "Service",
            json!({"apiVersion": "v1", "kind": "Service", "metadata": meta("cart", "prod-svc-cart"),
                "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.12",
                    "selector": {"app.kubernetes.io/name": "cart"}, "ports": [{"port": 80}]}}),
        ),
        (
            "networking.k8s.io",
            "Ingress",
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta("shop", "prod-ing-shop"),
                "spec": {"rules": [{"host": "shop.example.com", "http": {"paths": [
                    {"path": "/cart", "pathType": "Prefix",
                     "backend": {"service": {"name": "cart", "port": {"number": 80}}}}]}}]}}),
        ),
        (
            "autoscaling",
            "HorizontalPodAutoscaler",
            json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta("cart", "prod-hpa-cart"),
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "cart"},
                    "minReplicas": 2, "maxReplicas": 6},
                "status": {"currentReplicas": 2, "desiredReplicas": 2}}),
        ),
        (
            "policy",
            "PodDisruptionBudget",
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": meta("cart", "prod-pdb-cart"),
                "spec": {"minAvailable": 1, "selector": {"matchExpressions": [
                    {"key": "app.kubernetes.io/name", "operator": "In", "values": ["cart"]},
                    {"key": "tier", "operator": "NotIn", "values": ["batch"]}]}},
                "status": {"disruptionsAllowed": 1, "currentHealthy": 2}}),
        ),
        (
            "",
            "ConfigMap",
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("cart-config", "prod-cm-cart")}),
        ),
        (
            "",
            "Secret",
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": meta("cart-db", "prod-secret-cart")}),
        ),
    ];
    for (group, kind, obj) in objects {
        fixture::apply(&mut cat, PROD, group, kind, obj);
    }
    cat
}

#[test]
fn a_workload_detail_lists_what_its_running_service_exposes_and_depends_on() {
    let cat = shop();
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":wl prod/shop");
    press(&mut a, &cat, KeyCode::Enter);
    press(&mut a, &cat, KeyCode::Char('d'));
    let s = screen(&mut a, &cat, 100, 40);
    assert!(s.contains("Deployment cart"), "cart's detail:\n{s}");
    assert!(
        s.contains("reachable at Ingress shop.example.com → Service cart:80 → 2 pods"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn the_matrix_cell_detail_shows_the_running_service_connections() {
    let cat = shop();
    let mut a = app(&cat);
    press(&mut a, &cat, KeyCode::Char('m'));
    // cart is the first service; prod the third environment.
    press(&mut a, &cat, KeyCode::Char('l'));
    press(&mut a, &cat, KeyCode::Char('l'));
    press(&mut a, &cat, KeyCode::Char('d'));
    let s = screen(&mut a, &cat, 100, 40);
    assert!(s.contains("EXPOSES AND DEPENDS ON"), "{s}");
    assert!(s.contains("running service cart in prod:"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn a_service_and_a_budget_name_their_pods_and_a_pod_what_selects_it() {
    let cat = shop();
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":svc prod/shop");
    press(&mut a, &cat, KeyCode::Enter);
    press(&mut a, &cat, KeyCode::Char('d'));
    let s = screen(&mut a, &cat, 100, 30);
    assert!(
        s.contains("2: cart-5c6d7e8f9-kkkkk, cart-5c6d7e8f9-lllll"),
        "the Service's pods:\n{s}"
    );
    insta::assert_snapshot!("service_detail_with_the_pods_it_selects", s);

    type_text(&mut a, &cat, ":pods prod/shop");
    press(&mut a, &cat, KeyCode::Enter);
    press(&mut a, &cat, KeyCode::Char('d'));
    let s = screen(&mut a, &cat, 100, 30);
    assert!(
        s.contains("Selected by") && s.contains("Service cart, PodDisruptionBudget cart"),
        "what selects the pod:\n{s}"
    );
    insta::assert_snapshot!("pod_detail_with_what_selects_it", s);

    // The budget's set-based selector: its pods, then the selector in kubectl's words.
    type_text(&mut a, &cat, ":pdb prod/shop");
    press(&mut a, &cat, KeyCode::Enter);
    press(&mut a, &cat, KeyCode::Char('d'));
    // Wide enough for the selector on one line; a one-value `In` stays `in (…)`, as kubectl
    // writes it.
    let s = screen(&mut a, &cat, 130, 30);
    assert!(
        s.contains("2: cart-5c6d7e8f9-kkkkk, cart-5c6d7e8f9-lllll")
            && s.contains("(app.kubernetes.io/name in (cart),tier notin (batch))"),
        "the budget's pods:\n{s}"
    );
}
