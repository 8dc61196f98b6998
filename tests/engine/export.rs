//! `kubeatlas export`: Port bulk-upsert bodies and Backstage descriptors held against the
//! field names their documentation gives, each value traced to where it comes from in the
//! simulated demo fleet, and every format byte-identical across two runs on one fleet.

use crate::support::start;
use kubeatlas_sim::SimFleet;
use serde_json::{Value, json};
use std::path::Path;

/// Run the real binary's `export` against `kubeconfig`; stdout.
async fn export(kubeconfig: &Path, home: &Path, format: &str) -> String {
    let o = tokio::process::Command::new(env!("CARGO_BIN_EXE_kubeatlas"))
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["export", "--format", format])
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("KUBECONFIG")
        .output()
        .await
        .expect("binary runs");
    assert!(
        o.status.success(),
        "export --format {format}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf-8")
}

/// The fleet without controllers, so nothing on the server moves between two exports.
fn still_demo() -> SimFleet {
    SimFleet::demo().with_controller_tick(None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_format_is_byte_identical_across_two_runs_on_one_fleet() {
    let env = start(still_demo(), &[]).await;
    let home = env.dir.path().join("export-home");
    for format in ["port", "backstage", "json"] {
        let first = export(&env.kubeconfig, &home, format).await;
        let second = export(&env.kubeconfig, &home, format).await;
        assert!(first.len() > 1000, "{format}: {first}");
        assert!(first == second, "{format} differs between two runs");
    }
    // `-o FILE` writes the same bytes to the file.
    let file = env.dir.path().join("catalog-info.yaml");
    let o = tokio::process::Command::new(env!("CARGO_BIN_EXE_kubeatlas"))
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(["export", "--format", "backstage", "-o"])
        .arg(&file)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .output()
        .await
        .expect("binary runs");
    assert!(o.status.success() && o.stdout.is_empty());
    let written = std::fs::read_to_string(&file).expect("file written");
    assert_eq!(written, export(&env.kubeconfig, &home, "backstage").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_entities_carry_the_documented_fields_from_the_catalog() {
    let env = start(still_demo(), &[]).await;
    let home = env.dir.path().join("export-home");
    let text = export(&env.kubeconfig, &home, "port").await;
    let bodies: Value = serde_json::from_str(&text).expect("json");
    // One body per blueprint, in dependency order, each `{"entities": [...]}` as
    // POST /v1/blueprints/{blueprint}/entities/bulk takes (plus the blueprint it is for).
    let order: Vec<&str> = bodies
        .as_array()
        .expect("array")
        .iter()
        .map(|b| b["blueprint"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(order, ["environment", "service", "running-service"]);
    for body in bodies.as_array().into_iter().flatten() {
        for e in body["entities"].as_array().expect("entities") {
            // Port's entity fields: identifier, title, blueprint, properties, relations.
            let mut keys: Vec<&str> = e
                .as_object()
                .expect("object")
                .keys()
                .map(|k| k.as_str())
                .collect();
            keys.sort_unstable();
            assert_eq!(
                keys,
                [
                    "blueprint",
                    "identifier",
                    "properties",
                    "relations",
                    "title"
                ]
            );
            let id = e["identifier"].as_str().expect("identifier");
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "@_.+:/=-".contains(c)),
                "{id} outside Port's identifier alphabet"
            );
        }
    }
    let running = bodies[2]["entities"]
        .as_array()
        .and_then(|l| l.iter().find(|e| e["identifier"] == "checkout-api-prod"))
        .expect("checkout-api-prod");
    let expected = json!({
        // `<service>-<environment>`: service key from app.kubernetes.io/name, environment
        // from the context name (no mapping, no namespace label in the demo).
        "identifier": "checkout-api-prod",
        "title": "checkout-api in prod",
        // The blueprint derived as `running-service` (blueprints/running-service.yaml).
        "blueprint": "running-service",
        "properties": {
            // app.kubernetes.io/version of the Deployment (demo: prod runs 1.4.2).
            "version": "1.4.2",
            // .status.readyReplicas and .spec.replicas summed over the workloads.
            "ready": 3,
            "desired": 3,
            // The worst workload health (health: replicas).
            "health": "healthy",
            // The workload scorecard (blueprints/workload.yaml): the envoy sidecar has neither
            // limits nor a readiness probe, so Silver fails and Bronze is the level.
            "scoreLevel": "Bronze",
            "failingChecks": [
                "Resource limits set (prod/shop/checkout-api)",
                "Readiness probe set (prod/shop/checkout-api)"
            ],
            // context/namespace/name of each member workload.
            "workloads": ["prod/shop/checkout-api"]
        },
        // Port relations by target identifier: the service and environment entities above.
        "relations": { "service": "checkout-api", "environment": "prod" }
    });
    assert_eq!(running, &expected);
    let service = bodies[1]["entities"]
        .as_array()
        .and_then(|l| l.iter().find(|e| e["identifier"] == "checkout-api"))
        .expect("service");
    // The workload label `owner` (the demo sets team-<namespace>); environments sorted.
    assert_eq!(
        service["properties"],
        json!({ "owners": ["team-shop"], "environments": ["dev", "prod", "staging"] })
    );
    let prod = bodies[0]["entities"]
        .as_array()
        .and_then(|l| l.iter().find(|e| e["identifier"] == "prod"))
        .expect("environment");
    assert_eq!(prod["properties"], json!({ "contexts": ["prod"] }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backstage_documents_follow_the_descriptor_format() {
    let env = start(still_demo(), &[]).await;
    let home = env.dir.path().join("export-home");
    let text = export(&env.kubeconfig, &home, "backstage").await;
    let docs: Vec<Value> = serde_yaml::Deserializer::from_str(&text)
        .map(|d| serde::Deserialize::deserialize(d).expect("yaml document"))
        .collect();
    let name_ok = |n: &str| {
        n.len() <= 63
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && n.starts_with(|c: char| c.is_ascii_alphanumeric())
            && n.ends_with(|c: char| c.is_ascii_alphanumeric())
    };
    let mut kinds = std::collections::BTreeMap::new();
    for d in &docs {
        assert_eq!(d["apiVersion"], "backstage.io/v1alpha1");
        let kind = d["kind"].as_str().expect("kind");
        *kinds.entry(kind.to_string()).or_insert(0) += 1;
        assert!(
            name_ok(d["metadata"]["name"].as_str().expect("name")),
            "{d}"
        );
        // Required spec fields: Component {type, lifecycle, owner}; Resource {type, owner}.
        let required: &[&str] = match kind {
            "Component" => &["type", "lifecycle", "owner"],
            "Resource" => &["type", "owner"],
            other => panic!("unexpected kind {other}"),
        };
        for f in required {
            assert!(d["spec"][f].is_string(), "{kind} without spec.{f}: {d}");
        }
    }
    // 13 demo services, 3 environments.
    assert_eq!(kinds.get("Component"), Some(&13));
    assert_eq!(kinds.get("Resource"), Some(&3));
    let checkout = docs
        .iter()
        .find(|d| d["kind"] == "Component" && d["metadata"]["name"] == "checkout-api")
        .expect("checkout-api");
    let a = &checkout["metadata"]["annotations"];
    // The label the service key was read from (workload property appName, path
    // .metadata.labels["app.kubernetes.io/name"]), equal to the service.
    assert_eq!(
        a["backstage.io/kubernetes-label-selector"],
        "app.kubernetes.io/name=checkout-api"
    );
    assert_eq!(a["kubeatlas.dev/version.prod"], "1.4.2");
    assert_eq!(a["kubeatlas.dev/score.prod"], "Bronze");
    assert_eq!(checkout["spec"]["owner"], "team-shop");
    // Runs in an environment named prod*: production.
    assert_eq!(checkout["spec"]["lifecycle"], "production");
    assert_eq!(
        checkout["spec"]["dependsOn"],
        json!(["resource:dev", "resource:prod", "resource:staging"])
    );
    // A service whose workloads name no owner still has the required owner.
    let fluent = docs
        .iter()
        .find(|d| d["metadata"]["name"] == "fluent-bit")
        .expect("fluent-bit");
    assert_eq!(fluent["spec"]["owner"], "unknown");
}
