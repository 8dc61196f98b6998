//! kubectl's `-n`/`-A`/`-l`/`--field-selector`: what reaches the server (the simulator's request
//! journal: namespaced list/watch paths, `labelSelector`/`fieldSelector` on both), what the
//! catalog then holds (only what the server selected, relations intact), the context's
//! kubeconfig namespace for `get`, and the binary's `get` with the flags.

use crate::support::{all_ready, start_scoped};
use kubeatlas::cli::args::Format;
use kubeatlas::cli::scope::{ScopeArgs, Unflagged};
use kubeatlas_sim::{JournalEntry, SimFleet, SimResource};
use serde_json::Value;
use std::time::Duration;

const ENVS: &[&str] = &["dev", "staging", "prod"];
const T: Duration = Duration::from_secs(20);

/// The GET requests of `prod` whose path ends with `/{plural}` (lists and watches).
fn requests_for(journal: &[JournalEntry], plural: &str) -> Vec<JournalEntry> {
    journal
        .iter()
        .filter(|e| e.method == "GET" && e.path.ends_with(&format!("/{plural}")))
        .cloned()
        .collect()
}

fn is_watch(e: &JournalEntry) -> bool {
    e.query_param("watch").as_deref() == Some("true")
        || e.query_param("watch").as_deref() == Some("1")
}

fn rows(env: &crate::support::Env, bp: &str) -> Vec<Value> {
    let c = &env.session.catalog;
    let bp = c.blueprints().resolve(bp).expect("blueprint");
    let out = kubeatlas::cli::output::render(c, bp, Format::Json).expect("json");
    serde_json::from_str::<Value>(&out)
        .expect("json")
        .as_array()
        .cloned()
        .expect("array")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_and_selectors_are_sent_on_every_list_and_watch_and_relations_stay_whole() {
    let flags = ScopeArgs {
        namespace: Some("shop".into()),
        selector: Some("app.kubernetes.io/name in (cart,catalog)".into()),
        field_selector: Some("status.phase=Running".into()),
        ..ScopeArgs::default()
    };
    let mut env = start_scoped(SimFleet::demo(), &[], |b, k, n| {
        flags.resolve(Unflagged::AllNamespaces, None, b, k, n)
    })
    .await;
    assert!(env.pump_until(T, |c| all_ready(c, ENVS)).await, "all ready");
    // Each watch follows its list: wait (a little) until the pods' and deployments' started.
    let mut journal = vec![];
    for _ in 0..50 {
        journal = env.sim.cluster("prod").expect("prod").journal();
        let watching = |p: &str| requests_for(&journal, p).iter().any(is_watch);
        if watching("pods") && watching("deployments") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // Pods: the namespaced path, both selectors, on the list and on the watch.
    let pods = requests_for(&journal, "pods");
    assert!(
        pods.iter().any(is_watch) && pods.iter().any(|e| !is_watch(e)),
        "{pods:#?}"
    );
    for e in &pods {
        assert_eq!(e.path, "/api/v1/namespaces/shop/pods", "{e:?}");
        assert_eq!(
            e.query_param("labelSelector").as_deref(),
            Some("app.kubernetes.io/name in (cart,catalog)")
        );
        assert_eq!(
            e.query_param("fieldSelector").as_deref(),
            Some("status.phase=Running")
        );
    }
    // Workloads: namespaced, the label selector only (field selectors are the pods').
    let deployments = requests_for(&journal, "deployments");
    assert!(deployments.iter().any(is_watch), "{deployments:#?}");
    for e in &deployments {
        assert_eq!(e.path, "/apis/apps/v1/namespaces/shop/deployments", "{e:?}");
        assert!(e.query_param("labelSelector").is_some(), "{e:?}");
        assert_eq!(e.query_param("fieldSelector"), None, "{e:?}");
    }
    // ReplicaSets (relations only): namespaced, unselected.
    for e in requests_for(&journal, "replicasets") {
        assert_eq!(e.path, "/apis/apps/v1/namespaces/shop/replicasets", "{e:?}");
        assert_eq!(e.query_param("labelSelector"), None, "{e:?}");
    }
    // Nodes: cluster-wide, whole. Namespaces: the chosen one, by name.
    let nodes = requests_for(&journal, "nodes");
    assert!(!nodes.is_empty());
    for e in &nodes {
        assert_eq!(e.path, "/api/v1/nodes", "{e:?}");
        assert_eq!(e.query_param("labelSelector"), None, "{e:?}");
        assert_eq!(e.query_param("fieldSelector"), None, "{e:?}");
    }
    let namespaces = requests_for(&journal, "namespaces");
    assert!(!namespaces.is_empty());
    for e in &namespaces {
        assert_eq!(e.path, "/api/v1/namespaces", "{e:?}");
        assert_eq!(
            e.query_param("fieldSelector").as_deref(),
            Some("metadata.name=shop")
        );
    }

    // The catalog holds exactly what the server selected: prod's truth, filtered here.
    let truth: Vec<String> = {
        let mut v: Vec<String> = env
            .sim
            .cluster("prod")
            .expect("prod")
            .list(SimResource::Pods)
            .into_iter()
            .filter(|p| p["metadata"]["namespace"] == "shop")
            .filter(|p| p["status"]["phase"] == "Running")
            .filter(|p| {
                let app = &p["metadata"]["labels"]["app.kubernetes.io/name"];
                app == "cart" || app == "catalog"
            })
            .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_string))
            .collect();
        v.sort();
        v
    };
    assert!(truth.len() >= 2, "prod has running cart and catalog pods");
    let pods = rows(&env, "pods");
    let mut prod: Vec<String> = pods
        .iter()
        .filter(|p| p["cluster"] == "prod")
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect();
    prod.sort();
    assert_eq!(prod, truth);
    for p in &pods {
        assert_eq!(p["namespace"], "shop", "{p}");
        // Relations stay whole: workload, namespace and node are all in the catalog.
        assert_eq!(p["relations"]["namespace"]["name"], "shop", "{p}");
        assert!(p["relations"]["node"]["name"].as_str().is_some(), "{p}");
        let wl = p["relations"]["workload"]["name"]
            .as_str()
            .unwrap_or_default();
        assert!(wl == "cart" || wl == "catalog", "{p}");
    }
    let workloads: Vec<String> = rows(&env, "workloads")
        .iter()
        .filter_map(|w| w["name"].as_str().map(str::to_string))
        .collect();
    assert!(
        workloads.iter().all(|w| w == "cart" || w == "catalog"),
        "{workloads:?}"
    );
    let namespaces: Vec<String> = rows(&env, "namespaces")
        .iter()
        .filter_map(|w| w["name"].as_str().map(str::to_string))
        .collect();
    assert_eq!(namespaces, vec!["shop"; 3]);
    assert!(
        rows(&env, "nodes").len() >= 3 + 4 + 5,
        "every node is listed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_reads_a_context_s_kubeconfig_namespace_and_every_namespace_where_none_is_set() {
    let flags = ScopeArgs::default();
    let mut env = start_scoped(SimFleet::demo(), &[("staging", "payments")], |b, k, n| {
        flags.resolve(Unflagged::ContextNamespace, b.resolve("pods"), b, k, n)
    })
    .await;
    assert!(env.pump_until(T, |c| all_ready(c, ENVS)).await, "all ready");
    let pods = rows(&env, "pods");
    let in_ctx = |ctx: &str| -> std::collections::BTreeSet<String> {
        pods.iter()
            .filter(|p| p["cluster"] == ctx)
            .filter_map(|p| p["namespace"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(
        in_ctx("staging").into_iter().collect::<Vec<_>>(),
        ["payments"]
    );
    assert!(in_ctx("prod").len() > 3, "{:?}", in_ctx("prod"));
    let staging = env.sim.cluster("staging").expect("staging").journal();
    assert!(
        requests_for(&staging, "pods")
            .iter()
            .all(|e| e.path == "/api/v1/namespaces/payments/pods")
    );
}

#[test]
fn all_namespaces_wins_over_namespace_and_namespace_over_the_context_s() {
    let dir = tempfile::tempdir().expect("tmp");
    let kc = dir.path().join("kubeconfig");
    std::fs::write(
        &kc,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: a\n  context: {cluster: c, user: u, namespace: team-a}\n- name: b\n  context: {cluster: c, user: u}\n",
    )
    .expect("write");
    let loaded = kubeatlas::config::kubeconfig::load(&[kc]).expect("kubeconfig");
    let set = kubeatlas::blueprint::BlueprintSet::load(None).expect("blueprints");
    let names = vec!["a".to_string(), "b".to_string()];
    let resolve = |f: ScopeArgs, u| f.resolve(u, set.resolve("pods"), &set, &loaded, &names);
    let get = Unflagged::ContextNamespace;
    let tui = Unflagged::AllNamespaces;
    assert_eq!(
        resolve(ScopeArgs::default(), get).namespaces,
        vec![Some("team-a".into()), None]
    );
    assert_eq!(
        resolve(ScopeArgs::default(), tui).namespaces,
        vec![None, None]
    );
    let n = ScopeArgs {
        namespace: Some("x".into()),
        ..ScopeArgs::default()
    };
    assert_eq!(
        resolve(n.clone(), get).namespaces,
        vec![Some("x".into()), Some("x".into())]
    );
    let a = ScopeArgs {
        all_namespaces: true,
        ..n
    };
    assert_eq!(resolve(a.clone(), get).namespaces, vec![None, None]);
    assert_eq!(resolve(a, tui).namespaces, vec![None, None]);
}

#[test]
fn the_binary_s_get_narrows_with_n_lists_namespaces_whole_and_names_a_refused_selector() {
    let home = tempfile::tempdir().expect("tmp");
    let o = crate::cli::kubeatlas(
        home.path(),
        &["--demo", "get", "pods", "-n", "shop", "-o", "json"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let pods = v.as_array().expect("array");
    assert!(pods.len() >= 5 * 3, "{}", pods.len());
    assert!(pods.iter().all(|p| p["namespace"] == "shop"));

    // `-n` is for namespaced kinds: `get namespaces -n shop` lists them all, as kubectl does.
    let o = crate::cli::kubeatlas(
        home.path(),
        &["--demo", "get", "namespaces", "-n", "shop", "-o", "json"],
    );
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(6 * 3));

    let o = crate::cli::kubeatlas(
        home.path(),
        &[
            "--demo",
            "get",
            "pods",
            "-l",
            "app.kubernetes.io/name=cart",
            "-A",
            "-o",
            "json",
        ],
    );
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let pods = v.as_array().expect("array");
    assert_eq!(
        pods.len(),
        1 + 2 + 3,
        "cart has 1/2/3 replicas in dev/staging/prod"
    );

    // A selector the server cannot parse: its words, per context, exit 1, quickly.
    let started = std::time::Instant::now();
    let o = crate::cli::kubeatlas(home.path(), &["--demo", "get", "pods", "-l", "app in ("]);
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    for ctx in ENVS {
        assert!(e.contains(&format!("context {ctx:?}")), "{e}");
    }
    assert!(
        e.contains("400") && e.contains("unable to parse requirement"),
        "{e}"
    );
    assert!(started.elapsed() < Duration::from_secs(15), "not held up");
}
