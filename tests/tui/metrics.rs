//! Metrics in the TUI: CPU/MEM and percentage columns per pod, workload, node and running
//! service (the matrix's environment under the cursor), coloured by threshold in the state;
//! the "why absent" states per context (no metrics-server, forbidden); nothing polled while
//! no view shows metrics; the detail's METRICS section with its sparkline. Values from the
//! simulator are checked against its deterministic usage, end to end through the runner.

use crate::support::{Env, all_ready, start};
use crossterm::event::KeyCode;
use kubeatlas::catalog::{Catalog, ClusterId, Health};
use kubeatlas::config::UserConfig;
use kubeatlas::metrics::{Snapshot, Unavailable, Usage};
use kubeatlas::tui::effects::Runner;
use kubeatlas::tui::fixture::{self, app, press, screen, type_text};
use kubeatlas::tui::msg::{Effect, Msg, Reply};
use kubeatlas::tui::table::{Cell, Tone};
use kubeatlas::tui::{App, update};
use kubeatlas_sim::{MetricsMode, SimFleet, SimResource, container_usage};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;

const T: Duration = Duration::from_secs(25);

fn command(a: &mut App, cat: &Catalog, cmd: &str) -> Vec<Effect> {
    let mut fx = type_text(a, cat, &format!(":{cmd}"));
    fx.extend(press(a, cat, KeyCode::Enter));
    fx
}

/// The clusters an effect list asks to poll, if it has a metrics effect.
fn polled(fx: &[Effect]) -> Option<Vec<(ClusterId, Option<String>)>> {
    fx.iter().rev().find_map(|e| match e {
        Effect::Metrics { clusters } => Some(clusters.clone()),
        _ => None,
    })
}

/// The cell of the current page in column `title` of the row whose NAME (or SERVICE) is `name`.
fn cell(a: &App, name: &str, title: &str) -> Cell {
    let t = &a.page().cache.table;
    let col = |x: &str| {
        t.columns
            .iter()
            .position(|c| c.title == x)
            .unwrap_or_else(|| panic!("no column {x}: {:?}", t.columns))
    };
    let name_col = t
        .columns
        .iter()
        .position(|c| c.title == "NAME" || c.title == "SERVICE")
        .expect("a name column");
    let c = col(title);
    let row = t
        .rows
        .iter()
        .find(|r| &*r.cells[name_col].text == name)
        .unwrap_or_else(|| panic!("no row {name}"));
    row.cells.get(c).cloned().unwrap_or_default()
}

fn has_column(a: &App, title: &str) -> bool {
    a.page()
        .cache
        .table
        .columns
        .iter()
        .any(|c| c.title == title)
}

/// The fixture's dev checkout-api pods, with requests (cpu 100m, memory 100Mi) and limits
/// (cpu 200m, memory 100Mi) on their one container.
fn fleet_with_resources() -> Catalog {
    let mut cat = fixture::fleet();
    for (n, node) in [("abcde", "node-1"), ("fghij", "node-2")] {
        let mut p = fixture::pod(
            &format!("checkout-api-7d9f8b6c5-{n}"),
            "payments",
            &format!("dev-pod-checkout-{n}"),
            "dev-rs-checkout",
            node,
            None,
        );
        p["spec"]["containers"][0]["resources"] = json!({
            "requests": {"cpu": "100m", "memory": "100Mi"},
            "limits": {"cpu": "200m", "memory": "100Mi"},
        });
        fixture::apply(&mut cat, 0, "", "Pod", p);
    }
    cat
}

/// dev's metrics: abcde at 75m / 95Mi, fghij at 30m / 40Mi, node-1 at 1 core / 4Gi.
fn dev_snapshot() -> Snapshot {
    let pod = |n: &str| {
        (
            "payments".to_string(),
            format!("checkout-api-7d9f8b6c5-{n}"),
        )
    };
    Snapshot {
        pods: HashMap::from([
            (
                pod("abcde"),
                Usage {
                    millicores: 75,
                    bytes: 95 << 20,
                },
            ),
            (
                pod("fghij"),
                Usage {
                    millicores: 30,
                    bytes: 40 << 20,
                },
            ),
        ]),
        nodes: HashMap::from([(
            "node-1".to_string(),
            Usage {
                millicores: 1000,
                bytes: 4 << 30,
            },
        )]),
    }
}

fn arrive(a: &mut App, cat: &Catalog, cluster: u16, result: Result<Snapshot, Unavailable>) {
    update(
        a,
        cat,
        Msg::EffectDone(Reply::Metrics {
            cluster: ClusterId(cluster),
            result,
        }),
    );
}

#[test]
fn pod_columns_show_usage_and_percentages_coloured_by_threshold() {
    let cat = fleet_with_resources();
    let mut a = app(&cat);
    let fx = command(&mut a, &cat, "pods dev/payments");
    assert_eq!(
        polled(&fx),
        Some(vec![(ClusterId(0), Some("payments".to_string()))]),
        "{fx:?}"
    );
    // No column before the first answer.
    assert!(!has_column(&a, "CPU"));
    arrive(&mut a, &cat, 0, Ok(dev_snapshot()));
    let abcde = "checkout-api-7d9f8b6c5-abcde";
    assert_eq!(&*cell(&a, abcde, "CPU").text, "75m");
    assert_eq!(&*cell(&a, abcde, "MEM").text, "95Mi");
    // 75m of a 100m request: warning; 95Mi of a 100Mi limit: critical; 75m of 200m: fine.
    let r = cell(&a, abcde, "%CPU/R");
    assert_eq!((&*r.text, r.tone), ("75", Tone::Health(Health::Degraded)));
    let l = cell(&a, abcde, "%MEM/L");
    assert_eq!((&*l.text, l.tone), ("95", Tone::Health(Health::Failed)));
    let cl = cell(&a, abcde, "%CPU/L");
    assert_eq!((&*cl.text, cl.tone), ("37", Tone::Plain));
    let f = cell(&a, "checkout-api-7d9f8b6c5-fghij", "%CPU/R");
    assert_eq!((&*f.text, f.tone), ("30", Tone::Plain));
    let s = screen(&mut a, &cat, 140, 12);
    insta::assert_snapshot!(s);
    // Narrow: the optional metric columns go first.
    let narrow = screen(&mut a, &cat, 80, 12);
    assert!(!narrow.contains("%CPU/L"), "{narrow}");
    assert!(
        narrow.contains("NAME") && narrow.contains("AGE"),
        "{narrow}"
    );
    // Sorting by CPU follows the values.
    for _ in 0..8 {
        press(&mut a, &cat, KeyCode::Char('<'));
        if a.page()
            .sort
            .is_some_and(|s| a.page().cache.table.columns[s.column].title == "CPU")
        {
            break;
        }
    }
    let first = fixture::rows(&a).first().cloned().unwrap_or_default();
    assert!(first.contains("fghij"), "30m sorts before 75m: {first}");
}

#[test]
fn a_pod_without_requests_says_n_a_and_one_not_running_says_dash() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "pods staging/payments");
    let mut snap = dev_snapshot();
    snap.pods.remove(&(
        "payments".to_string(),
        "checkout-api-7d9f8b6c5-fghij".to_string(),
    ));
    arrive(&mut a, &cat, 1, Ok(snap));
    let c = cell(&a, "checkout-api-7d9f8b6c5-abcde", "%CPU/R");
    assert_eq!((&*c.text, c.tone), ("n/a", Tone::Dim));
    assert_eq!(&*cell(&a, "checkout-api-7d9f8b6c5-fghij", "CPU").text, "-");
}

#[test]
fn workloads_nodes_and_the_matrix_sum_their_pods() {
    let cat = fleet_with_resources();
    let mut a = app(&cat);
    let fx = command(&mut a, &cat, "wl dev");
    assert_eq!(polled(&fx), Some(vec![(ClusterId(0), None)]));
    arrive(&mut a, &cat, 0, Ok(dev_snapshot()));
    // checkout-api: 75m + 30m of 2 × 100m requested.
    assert_eq!(&*cell(&a, "checkout-api", "CPU").text, "105m");
    assert_eq!(&*cell(&a, "checkout-api", "MEM").text, "135Mi");
    assert_eq!(&*cell(&a, "checkout-api", "%CPU/R").text, "52");
    // cart has pods but none with metrics.
    assert_eq!(&*cell(&a, "cart", "CPU").text, "-");

    let fx = command(&mut a, &cat, "nodes dev");
    assert_eq!(polled(&fx), None, "the same cluster is polled already");
    assert_eq!(&*cell(&a, "node-1", "CPU USED").text, "1000m");
    // Of the node's 4 cores and 16Gi (no allocatable in the fixture: its capacity).
    assert_eq!(&*cell(&a, "node-1", "%CPU").text, "25");
    assert_eq!(&*cell(&a, "node-1", "%MEM").text, "25");

    let fx = command(&mut a, &cat, "rs");
    let all: Vec<(ClusterId, Option<String>)> = (0..3).map(|c| (ClusterId(c), None)).collect();
    assert_eq!(polled(&fx), Some(all));
    arrive(&mut a, &cat, 0, Ok(dev_snapshot()));
    arrive(&mut a, &cat, 1, Err(Unavailable::NoMetricsServer));
    assert_eq!(&*cell(&a, "checkout-api", "CPU(dev)").text, "105m");
    press(&mut a, &cat, KeyCode::Char('l'));
    let why = cell(&a, "checkout-api", "CPU(staging)");
    assert_eq!((&*why.text, why.tone), ("no metrics-server", Tone::Dim));
    press(&mut a, &cat, KeyCode::Char('l'));
    // prod has not answered: nothing said yet.
    assert_eq!(&*cell(&a, "checkout-api", "CPU(prod)").text, "");
    insta::assert_snapshot!(screen(&mut a, &cat, 120, 12));
}

#[test]
fn no_view_showing_metrics_polls_nothing_and_leaving_one_stops_it() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    // The fleet and the namespaces show no metrics.
    let mut fx = press(&mut a, &cat, KeyCode::Enter);
    assert_eq!(polled(&fx), None, "{fx:?}");
    assert!(a.metrics().polled().is_empty());
    fx = command(&mut a, &cat, "pods prod");
    assert_eq!(polled(&fx), Some(vec![(ClusterId(2), None)]));
    // The detail of one of its pods: polled already, nothing restarted.
    fx = press(&mut a, &cat, KeyCode::Char('d'));
    assert_eq!(polled(&fx), None, "{fx:?}");
    fx = press(&mut a, &cat, KeyCode::Esc);
    assert_eq!(polled(&fx), None, "{fx:?}");
    // The namespaces of prod show none: stopped; its workloads: polled again.
    fx = command(&mut a, &cat, "ns prod");
    assert_eq!(polled(&fx), Some(vec![]), "{fx:?}");
    fx = command(&mut a, &cat, "wl prod");
    assert_eq!(polled(&fx), Some(vec![(ClusterId(2), None)]), "{fx:?}");
    // Back to the fleet: nothing is polled.
    fx = command(&mut a, &cat, "ctx");
    assert_eq!(polled(&fx), Some(vec![]), "{fx:?}");
    // A late answer for a cluster no longer polled is dropped.
    arrive(&mut a, &cat, 2, Ok(dev_snapshot()));
    command(&mut a, &cat, "ns");
    assert!(!has_column(&a, "CPU"));
}

#[test]
fn the_detail_shows_usage_against_requests_and_a_sparkline_of_the_last_samples() {
    let cat = fleet_with_resources();
    let mut a = app(&cat);
    command(&mut a, &cat, "pods dev/payments");
    // Samples arrive while the pod is on screen: its history is kept.
    for cpu in [10, 40, 80, 20, 75] {
        let mut s = dev_snapshot();
        for u in s.pods.values_mut() {
            u.millicores = cpu;
        }
        arrive(&mut a, &cat, 0, Ok(s));
    }
    assert_eq!(a.metrics().tracked(), 2, "the two pods on screen");
    press(&mut a, &cat, KeyCode::Char('d'));
    let s = screen(&mut a, &cat, 100, 40);
    assert!(s.contains("METRICS"), "{s}");
    let cpu = s
        .lines()
        .find(|l| l.contains(" CPU ") && l.contains("75m"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(cpu.contains("100m") && cpu.contains("200m"), "{cpu}");
    assert!(cpu.contains("▂▅█▃█"), "{cpu}");
    insta::assert_snapshot!(s);
}

#[test]
fn a_detail_of_a_cluster_without_metrics_says_why_in_the_servers_words() {
    let cat = fixture::fleet();
    let mut a = app(&cat);
    command(&mut a, &cat, "pods prod");
    let m = "pods.metrics.k8s.io is forbidden: User \"viewer\" cannot list resource";
    arrive(&mut a, &cat, 2, Err(Unavailable::Forbidden(m.into())));
    let c = cell(&a, "checkout-api-7d9f8b6c5-abcde", "CPU");
    assert_eq!(&*c.text, "forbidden");
    press(&mut a, &cat, KeyCode::Char('d'));
    let s = screen(&mut a, &cat, 140, 40);
    assert!(
        s.contains("forbidden: pods.metrics.k8s.io is forbidden")
            && s.contains("cannot list resource"),
        "{s}"
    );
}

// ---- against the simulator, through the runner ----

async fn ready(env_setup: impl FnOnce(&SimFleet)) -> Env {
    let mut env = start(SimFleet::demo(), &[]).await;
    env_setup(&env.sim);
    assert!(
        env.pump_until(T, |c| all_ready(c, &["dev", "staging", "prod"]))
            .await
    );
    env.converge(T).await;
    env
}

fn runner(env: &Env) -> (Runner, mpsc::UnboundedReceiver<Msg>) {
    let (tx, replies) = mpsc::unbounded_channel();
    let (log_tx, _lines) = mpsc::channel(4);
    let mut r = Runner::new(
        env.session.clients.clone(),
        env.executor(false, UserConfig::default()),
        tx,
        log_tx,
    );
    r.set_metrics_interval(Duration::from_millis(200));
    (r, replies)
}

/// Feed replies into the app until each of `clusters` answered once.
async fn answers(
    a: &mut App,
    cat: &Catalog,
    replies: &mut mpsc::UnboundedReceiver<Msg>,
    clusters: &[ClusterId],
) {
    let mut seen: Vec<ClusterId> = vec![];
    let deadline = tokio::time::Instant::now() + T;
    while !clusters.iter().all(|c| seen.contains(c)) {
        let m = tokio::time::timeout_at(deadline, replies.recv())
            .await
            .expect("metrics in time")
            .expect("open");
        if let Msg::EffectDone(Reply::Metrics { cluster, .. }) = &m {
            seen.push(*cluster);
        }
        update(a, cat, m);
    }
}

fn metrics_requests(env: &Env, ctx: &str) -> usize {
    env.sim
        .cluster(ctx)
        .expect("ctx")
        .journal()
        .iter()
        .filter(|e| e.path.starts_with("/apis/metrics.k8s.io/"))
        .count()
}

/// The simulator's pod with `prefix` in `ns` of `ctx`: name, usage, cpu requested.
fn sim_pod(env: &Env, ctx: &str, ns: &str, prefix: &str) -> (String, Usage, u64) {
    let pods = env.sim.cluster(ctx).expect("ctx").list(SimResource::Pods);
    let p: &Value = pods
        .iter()
        .find(|p| {
            p["metadata"]["namespace"] == ns
                && p["status"]["phase"] == "Running"
                && p["metadata"]["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with(prefix))
        })
        .expect("a running pod");
    let name = p["metadata"]["name"].as_str().expect("name").to_string();
    let mut u = Usage::default();
    let mut req = 0;
    for c in p["spec"]["containers"].as_array().expect("containers") {
        let (cpu, mem) = container_usage(ns, &name, c["name"].as_str().expect("name"));
        u += Usage {
            millicores: cpu,
            bytes: mem,
        };
        req += c["resources"]["requests"]["cpu"]
            .as_str()
            .and_then(|q| kubeatlas::metrics::quantity::millicores(q).ok())
            .unwrap_or(0);
    }
    (name, u, req)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulators_usage_reaches_the_columns_and_each_context_says_why_it_has_none() {
    let env = ready(|sim| {
        sim.cluster("staging")
            .expect("staging")
            .set_metrics(MetricsMode::Absent);
        sim.cluster("dev")
            .expect("dev")
            .set_metrics(MetricsMode::Forbidden);
    })
    .await;
    let cat = &env.session.catalog;
    let (mut run, mut replies) = runner(&env);
    let mut a = app(cat);
    let fx = command(&mut a, cat, "pods");
    let want = polled(&fx).expect("polled");
    assert_eq!(want.len(), 3, "{want:?}");
    for e in fx {
        run.run(e);
    }
    let ids: Vec<ClusterId> = want.iter().map(|w| w.0).collect();
    answers(&mut a, cat, &mut replies, &ids).await;

    let (name, usage, req) = sim_pod(&env, "prod", "shop", "cart-");
    assert_eq!(cell(&a, &name, "CPU").text, usage.cpu_text().into());
    assert_eq!(cell(&a, &name, "MEM").text, usage.memory_text().into());
    assert!(req > 0, "the demo's pods request CPU");
    assert_eq!(
        cell(&a, &name, "%CPU/R").num,
        Some((usage.millicores * 100 / req) as i64)
    );
    let (staging_pod, _, _) = sim_pod(&env, "staging", "shop", "cart-");
    assert_eq!(&*cell(&a, &staging_pod, "CPU").text, "no metrics-server");
    let (dev_pod, _, _) = sim_pod(&env, "dev", "shop", "cart-");
    assert_eq!(&*cell(&a, &dev_pod, "CPU").text, "forbidden");
    // Nothing else broke: every context still ready, every row there.
    assert!(all_ready(cat, &["dev", "staging", "prod"]));
    let s = screen(&mut a, cat, 160, 40);
    assert!(
        s.contains("no metrics-server") && s.contains("forbidden"),
        "{s}"
    );

    // The matrix: prod's cart is the sum of its pods.
    for e in command(&mut a, cat, "rs") {
        run.run(e);
    }
    answers(&mut a, cat, &mut replies, &[ClusterId(2)]).await;
    for _ in 0..2 {
        press(&mut a, cat, KeyCode::Char('l'));
    }
    let mut want = Usage::default();
    for p in env
        .sim
        .cluster("prod")
        .expect("prod")
        .list(SimResource::Pods)
    {
        let n = p["metadata"]["name"].as_str().unwrap_or_default();
        if p["metadata"]["namespace"] == "shop"
            && n.starts_with("cart-")
            && p["status"]["phase"] == "Running"
        {
            for c in p["spec"]["containers"].as_array().expect("containers") {
                let (cpu, mem) = container_usage("shop", n, c["name"].as_str().unwrap_or_default());
                want += Usage {
                    millicores: cpu,
                    bytes: mem,
                };
            }
        }
    }
    assert_eq!(cell(&a, "cart", "CPU(prod)").text, want.cpu_text().into());
    drop(run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_polls_only_while_a_view_shows_metrics() {
    let env = ready(|_| {}).await;
    let cat = &env.session.catalog;
    let (mut run, mut replies) = runner(&env);
    let mut a = app(cat);
    // The fleet view: no request at all.
    for e in press(&mut a, cat, KeyCode::Char('j')) {
        run.run(e);
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(metrics_requests(&env, "prod"), 0);
    assert!(run.metrics_polled().is_empty());
    // The pods of prod: polled, repeatedly.
    for e in command(&mut a, cat, "pods prod") {
        run.run(e);
    }
    let prod = cat.cluster_by_name("prod").expect("prod");
    assert_eq!(run.metrics_polled(), vec![prod]);
    for _ in 0..2 {
        answers(&mut a, cat, &mut replies, &[prod]).await;
    }
    assert!(metrics_requests(&env, "prod") >= 2);
    assert_eq!(metrics_requests(&env, "dev"), 0, "dev is not shown");
    // Back to the fleet: stopped.
    for e in command(&mut a, cat, "ctx") {
        run.run(e);
    }
    assert!(run.metrics_polled().is_empty());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = metrics_requests(&env, "prod");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        metrics_requests(&env, "prod"),
        after,
        "no request once no view shows metrics"
    );
}
