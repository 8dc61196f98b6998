//! Discovery and the server's tables through the real kube client: aggregated discovery where
//! served (v2, then v2beta1), the legacy documents where not, resources resolved as kubectl
//! resolves names; `kubeatlas get` of resources no blueprint reads, in a table with the
//! server's columns under CONTEXT, and as JSON.

use crate::cli::kubeatlas;
use crate::support::{all_ready, start};
use kubeatlas::fleet::discovery::{self, Source};
use kubeatlas::fleet::table::{self, Selectors};
use kubeatlas_sim::SimFleet;
use serde_json::{Value, json};
use std::time::Duration;

const T: Duration = Duration::from_secs(25);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_of_a_context_lists_built_in_and_custom_resources_and_their_tables() {
    let sim = SimFleet::demo();
    sim.cluster("dev")
        .expect("dev")
        .create(json!({
            "apiVersion": "demo.kubeatlas.dev/v1", "kind": "Worker",
            "metadata": {"name": "batcher", "namespace": "shop"}, "spec": {"replicas": 3}
        }))
        .expect("worker");
    let mut env = start(sim, &[]).await;
    assert!(env.pump_until(T, |c| all_ready(c, &["dev"])).await);
    let cluster = env.session.catalog.cluster_by_name("dev").expect("dev");
    let client = env.session.clients.get(cluster).expect("client");
    let dev = env.sim.cluster("dev").expect("dev").clone();
    dev.clear_journal();
    let d = discovery::discover(&client).await.expect("discovered");
    assert_eq!(d.source, Source::Aggregated("v2"));
    // Two requests, both asking for aggregated discovery first, as client-go does.
    let asked: Vec<_> = dev
        .journal()
        .into_iter()
        .filter(|j| j.path == "/api" || j.path == "/apis")
        .collect();
    assert_eq!(asked.len(), 2, "{asked:?}");
    for j in &asked {
        assert_eq!(j.accept, discovery::ACCEPT_AGGREGATED, "{j:?}");
    }
    let pods = d.resolve("po").expect("pods");
    assert_eq!((pods.group.as_str(), pods.plural.as_str()), ("", "pods"));
    let wk = d.resolve("wk").expect("workers by short name");
    assert!(wk.scale && wk.namespaced);
    assert_eq!(d.resolve("workers.demo.kubeatlas.dev"), Some(wk));
    assert!(d.resolve("nothing-like-this").is_none());

    let t = table::list(&client, wk, None, &Selectors::default())
        .await
        .expect("table");
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["Name", "Replicas", "Age"]);
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.rows[0].cells[..2], ["batcher", "3"]);
    assert_eq!(t.rows[0].namespace.as_deref(), Some("shop"));
    assert!(!t.rows[0].uid.is_empty());
}

#[test]
fn the_legacy_documents_give_the_resources_of_a_server_without_aggregated_discovery() {
    // A real v1.28 server's legacy answers, as a pre-1.26 server gives them.
    let read = |f: &str| -> Value {
        let p = format!("{}/tests/fixtures/k8s-wire/{f}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(p).expect("fixture")).expect("json")
    };
    let mut rs = discovery::parse_resource_list(&read("discovery-api-v1.json")).expect("core");
    for f in [
        "discovery-apis-apps-v1.json",
        "discovery-apis-batch-v1.json",
    ] {
        discovery::merge(&mut rs, discovery::parse_resource_list(&read(f)).expect(f));
    }
    let agg = discovery::parse_aggregated(&read("discovery-apis-aggregated.json")).expect("agg");
    for plural in ["deployments", "statefulsets", "cronjobs", "jobs"] {
        let a = agg.iter().find(|r| r.plural == plural).expect(plural);
        let l = rs.iter().find(|r| r.plural == plural).expect(plural);
        assert_eq!(a, l, "{plural}: aggregated and legacy agree");
    }
}

#[test]
fn get_of_a_resource_without_a_blueprint_prints_the_servers_columns_per_context() {
    let home = tempfile::tempdir().expect("tmp");
    let o = kubeatlas(home.path(), &["--demo", "get", "controllerrevisions", "-A"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let head = out.lines().next().unwrap_or_default();
    let cols: Vec<&str> = head.split_whitespace().collect();
    assert_eq!(cols, vec!["CONTEXT", "NAMESPACE", "NAME", "AGE"], "{out}");
    for ctx in ["dev", "staging", "prod"] {
        assert!(
            out.lines().any(|l| l.starts_with(&format!("{ctx} "))),
            "{ctx}: {out}"
        );
    }

    let o = kubeatlas(
        home.path(),
        &[
            "--demo",
            "--context",
            "prod",
            "get",
            "controllerrevisions.apps",
            "-o",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let items = v["items"].as_array().expect("items");
    assert!(!items.is_empty());
    for i in items {
        assert_eq!(i["context"], "prod");
        assert_eq!(i["object"]["kind"], "ControllerRevision");
        assert!(i["object"]["metadata"].get("managedFields").is_none());
    }

    let o = kubeatlas(home.path(), &["--demo", "get", "gizmos"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("the server doesn't have a resource type \"gizmos\""),
        "{err}"
    );
}
