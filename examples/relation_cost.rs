//! The label-selector relation index's cost per change at fleet scale: one context with
//! `pods` pods (5 per workload, 8 namespaces) projected through the built-in blueprints,
//! with and without a Service (map selector) and a PodDisruptionBudget (set-based:
//! `In` + `NotIn`) per workload, plus one selector per namespace with no `In` requirement
//! (`tier NotIn (batch)`, the index's slow path: tested against every pod of its namespace).
//! Each kind of change is timed as `Catalog::apply` per change (the thread's CPU time) over the
//! same sequence in both catalogs; the difference of the means is what the relation index
//! costs. Figures only, no assertions.
//!
//! `cargo run --example relation_cost [pods] [changes]` (defaults 100000 and 5000; the
//! README's figures are from the dev profile on a shared machine: compare within one run).

use kubeatlas::catalog::{Catalog, Change, ClusterId, ClusterStatus};
use kubeatlas::tui::fixture;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const NS: usize = 8;
const C0: ClusterId = ClusterId(0);

fn ns(w: usize) -> String {
    format!("ns-{}", w % NS)
}

/// Pod `i` of workload `i / 5`, labelled `app=svc-W`, `tier=web|batch` and a generation
/// label `gen` (what the relabel changes).
fn pod(i: usize, tier: &str, generation: usize) -> Value {
    let w = i / 5;
    let mut p = fixture::pod(
        &format!("svc-{w:06}-{i:07}"),
        &ns(w),
        &format!("pod-{i}"),
        &format!("rs-{w}"),
        "node-1",
        None,
    );
    p["metadata"]["labels"] = json!({"app": format!("svc-{w:06}"), "tier": tier,
        "gen": generation.to_string()});
    p
}

fn service(w: usize, app: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": format!("svc-{w:06}"), "namespace": ns(w), "uid": format!("svc-{w}")},
        "spec": {"selector": {"app": app}, "ports": [{"port": 80}]}})
}

fn pdb(w: usize) -> Value {
    json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": format!("svc-{w:06}"), "namespace": ns(w), "uid": format!("pdb-{w}")},
        "spec": {"maxUnavailable": 1, "selector": {"matchExpressions": [
            {"key": "app", "operator": "In", "values": [format!("svc-{w:06}")]},
            {"key": "tier", "operator": "NotIn", "values": ["batch"]}]}}})
}

/// A budget with no `In` requirement: every pod of its namespace is a candidate.
fn broad_pdb(n: usize) -> Value {
    json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": "no-batch", "namespace": format!("ns-{n}"), "uid": format!("broad-{n}")},
        "spec": {"maxUnavailable": 1, "selector": {"matchExpressions": [
            {"key": "tier", "operator": "NotIn", "values": ["batch"]}]}}})
}

fn change(cat: &Catalog, group: &str, kind: &str, obj: &Value) -> Change {
    Change::Apply {
        cluster: C0,
        record: fixture::record(cat.blueprints(), group, kind, obj).expect("projects"),
    }
}

fn catalog(pods: usize, selectors: bool) -> Catalog {
    let mut cat = fixture::empty(&["bench"]);
    cat.apply(Change::Cluster {
        cluster: C0,
        status: ClusterStatus::Ready,
    });
    for n in 0..NS {
        fixture::apply(
            &mut cat,
            0,
            "",
            "Namespace",
            fixture::namespace(&format!("ns-{n}"), &format!("ns-{n}")),
        );
    }
    for i in 0..pods {
        let ch = change(&cat, "", "Pod", &pod(i, "web", 0));
        cat.apply(ch);
    }
    if selectors {
        for w in 0..pods / 5 {
            let ch = change(&cat, "", "Service", &service(w, &format!("svc-{w:06}")));
            cat.apply(ch);
            let ch = change(&cat, "policy", "PodDisruptionBudget", &pdb(w));
            cat.apply(ch);
        }
        for n in 0..NS {
            let ch = change(&cat, "policy", "PodDisruptionBudget", &broad_pdb(n));
            cat.apply(ch);
        }
    }
    cat
}

/// This thread's CPU time: on a machine shared with other work, wall time per change
/// measures the scheduler as much as the catalog.
fn cpu_now() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the call to fill.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Apply each change, timing `apply` alone in CPU time (projection is done before);
/// per-change figures.
fn timed(cat: &mut Catalog, changes: Vec<Change>) -> Stats {
    let mut v = Vec::with_capacity(changes.len());
    for ch in changes {
        let t = cpu_now();
        cat.apply(ch);
        v.push(cpu_now().saturating_sub(t));
    }
    Stats::of(v)
}

struct Stats {
    mean: Duration,
    p50: Duration,
    p99: Duration,
}

impl Stats {
    fn of(mut v: Vec<Duration>) -> Stats {
        v.sort();
        let at = |p: f64| v[((v.len() - 1) as f64 * p) as usize];
        let sum: Duration = v.iter().sum();
        Stats {
            mean: sum / v.len().max(1) as u32,
            p50: at(0.5),
            p99: at(0.99),
        }
    }
}

/// The changes of one scenario, projected against `cat` (same sequence for both catalogs).
fn scenario(cat: &Catalog, which: &str, pods: usize, n: usize, round: usize) -> Vec<Change> {
    let pick = |k: usize| (k * 104_729 + round * 7_919) % pods;
    match which {
        // Labels unchanged (a status update): the index is not consulted.
        "pod status" => (0..n)
            .map(|k| change(cat, "", "Pod", &pod(pick(k), "web", round)))
            .collect(),
        // A label changes: leave/join its Service, its budget, the namespace-wide one.
        "pod relabel" => (0..n)
            .map(|k| {
                let tier = if (k + round).is_multiple_of(2) {
                    "batch"
                } else {
                    "web"
                };
                change(cat, "", "Pod", &pod(pick(k), tier, round + 1))
            })
            .collect(),
        "pod added" => (0..n)
            .map(|k| change(cat, "", "Pod", &pod(pods + round * n + k, "web", 0)))
            .collect(),
        "service selector edit" => (0..n)
            .map(|k| {
                let w = pick(k) / 5;
                let app = if round.is_multiple_of(2) {
                    format!("svc-{:06}", (w + 1) % (pods / 5))
                } else {
                    format!("svc-{w:06}")
                };
                change(cat, "", "Service", &service(w, &app))
            })
            .collect(),
        _ => vec![],
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let pods: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5_000);

    let t = Instant::now();
    let mut with = catalog(pods, true);
    let built_with = t.elapsed();
    let t = Instant::now();
    let mut without = catalog(pods, false);
    let built_without = t.elapsed();
    println!(
        "{pods} pods in {NS} namespaces; {} Services + {} budgets + {NS} namespace-wide budgets: \
         built in {built_with:.2?} (pods only: {built_without:.2?}); {} selections held",
        pods / 5,
        pods / 5,
        with.selection_count(C0)
    );
    println!(
        "{:<22} {:>12} {:>12} {:>12} {:>12} {:>12}",
        format!("change (×{n}, CPU)"),
        "with mean",
        "p50",
        "p99",
        "pods only",
        "index costs"
    );
    for (round, which) in [
        "pod status",
        "pod relabel",
        "pod added",
        "service selector edit",
    ]
    .into_iter()
    .enumerate()
    {
        let a = scenario(&with, which, pods, n, round);
        let b = scenario(&without, which, pods, n, round);
        // Services only exist in `with`; the baseline applies nothing for that row.
        let s = timed(&mut with, a);
        let base = if which == "service selector edit" {
            None
        } else {
            Some(timed(&mut without, b))
        };
        let (bm, cost) = match &base {
            Some(b) => (
                format!("{:.2?}", b.mean),
                format!("{:.2?}", s.mean.saturating_sub(b.mean)),
            ),
            None => ("-".into(), format!("{:.2?}", s.mean)),
        };
        println!(
            "{which:<22} {:>12} {:>12} {:>12} {bm:>12} {cost:>12}",
            format!("{:.2?}", s.mean),
            format!("{:.2?}", s.p50),
            format!("{:.2?}", s.p99),
        );
    }
    println!("selections held after: {}", with.selection_count(C0));
}
