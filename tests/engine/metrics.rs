//! Metrics from `metrics.k8s.io` against the simulator: per pod and per node exactly the
//! simulator's deterministic values, summed per workload and per running service; a cluster
//! without metrics-server or with metrics forbidden says why, and the rest of it is untouched;
//! a poller repeats while held and stops when dropped.

use crate::support::{Env, all_ready, start};
use kubeatlas::metrics::poll::Poller;
use kubeatlas::metrics::{self, Unavailable, Usage};
use kubeatlas_sim::{MetricsMode, SimFleet, SimResource, container_usage};
use std::collections::HashMap;
use std::time::Duration;

const ENVS: &[&str] = &["dev", "staging", "prod"];
const T: Duration = Duration::from_secs(20);

fn client(env: &Env, ctx: &str) -> kube::Client {
    let id = env.session.catalog.cluster_by_name(ctx).expect("context");
    env.session.clients.get(id).expect("client")
}

/// What the simulator serves for each running pod of `ctx`: the sum of its containers'.
fn expected_pods(env: &Env, ctx: &str) -> HashMap<(String, String), Usage> {
    let mut out = HashMap::new();
    for p in env.sim.cluster(ctx).expect("ctx").list(SimResource::Pods) {
        if p["status"]["phase"] != "Running" {
            continue;
        }
        let ns = p["metadata"]["namespace"].as_str().expect("ns").to_string();
        let name = p["metadata"]["name"].as_str().expect("name").to_string();
        let mut u = Usage::default();
        for c in p["spec"]["containers"].as_array().expect("containers") {
            let (cpu, mem) = container_usage(&ns, &name, c["name"].as_str().expect("name"));
            u += Usage {
                millicores: cpu,
                bytes: mem,
            };
        }
        out.insert((ns, name), u);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_per_pod_node_workload_and_running_service_are_the_simulator_s() {
    let mut env = start(SimFleet::demo(), &[]).await;
    assert!(env.pump_until(T, |c| all_ready(c, ENVS)).await, "all ready");
    env.converge(T).await;
    let snap = metrics::fetch(&client(&env, "prod"), None)
        .await
        .expect("metrics served");
    let expected = expected_pods(&env, "prod");
    assert!(expected.len() > 20, "{}", expected.len());
    let mut got: Vec<_> = snap.pods.iter().collect();
    let mut want: Vec<_> = expected.iter().collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);

    // Nodes: the simulator's base plus the pods on each.
    let pods = env
        .sim
        .cluster("prod")
        .expect("prod")
        .list(SimResource::Pods);
    for n in env
        .sim
        .cluster("prod")
        .expect("prod")
        .list(SimResource::Nodes)
    {
        let node = n["metadata"]["name"].as_str().expect("name");
        let mut want = Usage {
            millicores: 100,
            bytes: 512 << 20,
        };
        for p in pods.iter().filter(|p| p["spec"]["nodeName"] == node) {
            let key = (
                p["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                p["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
            if let Some(u) = expected.get(&key) {
                want += *u;
            }
        }
        assert_eq!(snap.nodes.get(node), Some(&want), "{node}");
    }

    // Per workload: cart in prod is its three pods.
    let c = &env.session.catalog;
    let prod = c.cluster_by_name("prod").expect("prod");
    let per = metrics::per_workload(c, prod, &snap);
    let cart = env.entity("prod", "workload", "cart");
    let mut want = Usage::default();
    for ((ns, name), u) in &expected {
        if ns == "shop" && name.starts_with("cart-") {
            want += *u;
        }
    }
    assert!(want.millicores > 0);
    assert_eq!(per.get(&cart.uid), Some(&want));
    // Per running service: (cart, prod) is that workload's.
    let snaps = HashMap::from([(prod, snap.clone())]);
    let rs = metrics::per_running_service(c, &snaps);
    assert_eq!(
        rs.get(&("cart".to_string(), "prod".to_string())),
        Some(&want)
    );
    assert!(
        !rs.keys().any(|(_, e)| e != "prod"),
        "only prod has a snapshot"
    );

    // One namespace only.
    let shop = metrics::fetch(&client(&env, "prod"), Some("shop"))
        .await
        .expect("served");
    assert!(!shop.pods.is_empty() && shop.pods.keys().all(|(ns, _)| ns == "shop"));
    assert_eq!(want.cpu_text(), format!("{}m", want.millicores));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absent_or_forbidden_metrics_say_why_and_break_nothing_else() {
    let mut env = start(SimFleet::demo(), &[]).await;
    env.sim
        .cluster("staging")
        .expect("staging")
        .set_metrics(MetricsMode::Absent);
    env.sim
        .cluster("dev")
        .expect("dev")
        .set_metrics(MetricsMode::Forbidden);
    assert!(env.pump_until(T, |c| all_ready(c, ENVS)).await, "all ready");

    let absent = metrics::fetch(&client(&env, "staging"), None).await;
    assert_eq!(absent, Err(Unavailable::NoMetricsServer));
    assert_eq!(absent.expect_err("absent").to_string(), "no metrics-server");
    let forbidden = metrics::fetch(&client(&env, "dev"), None)
        .await
        .expect_err("forbidden");
    assert_eq!(forbidden.to_string(), "forbidden");
    match &forbidden {
        Unavailable::Forbidden(m) => assert!(
            m.contains("pods.metrics.k8s.io is forbidden") && m.contains("viewer"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
    // The clusters themselves are fine, and prod's metrics still come.
    env.converge(T).await;
    assert!(metrics::fetch(&client(&env, "prod"), None).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poller_repeats_while_held_and_stops_when_dropped() {
    let mut env = start(SimFleet::demo(), &[]).await;
    assert!(env.pump_until(T, |c| all_ready(c, ENVS)).await, "all ready");
    let sim = env.sim.cluster("prod").expect("prod").clone();
    let metrics_requests = || {
        sim.journal()
            .iter()
            .filter(|e| e.path.starts_with("/apis/metrics.k8s.io/"))
            .count()
    };
    let mut p = Poller::start(client(&env, "prod"), None, Duration::from_millis(200));
    for _ in 0..3 {
        tokio::time::timeout(T, p.latest.changed())
            .await
            .expect("a result")
            .expect("poller alive");
        let latest = p.latest.borrow_and_update().clone();
        assert!(
            matches!(latest, Some(Ok(ref s)) if !s.pods.is_empty()),
            "{latest:?}"
        );
    }
    drop(p);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after_drop = metrics_requests();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(metrics_requests(), after_drop, "no request once dropped");
}
