//! Profiling aid for the bench: live heap bytes (a counting allocator) of the catalog per pod,
//! split by stage, and decode/projection/fold costs, on one simulated cluster, in-process.
//!
//! `cargo run --release --example bench_probe -- [PODS]`

use kubeatlas::blueprint::{BlueprintSet, Record};
use kubeatlas::catalog::{Catalog, Change, ClusterId, ClusterInfo};
use kubeatlas_sim::{SimFleet, SimResource};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::time::Instant;

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);
static COUNT: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        COUNT.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        LIVE.fetch_add(n as isize - l.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

fn main() {
    let pods: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let fleet = SimFleet::scaled(1, pods);
    let c = &fleet.clusters()[0];
    let set = Arc::new(BlueprintSet::builtin().unwrap_or_else(|e| panic!("{e}")));
    let kinds = [
        ("", "Namespace", SimResource::Namespaces),
        ("", "Node", SimResource::Nodes),
        ("apps", "ReplicaSet", SimResource::ReplicaSets),
        ("apps", "Deployment", SimResource::Deployments),
        ("apps", "StatefulSet", SimResource::StatefulSets),
        ("", "Pod", SimResource::Pods),
    ];
    let mut bodies: Vec<(&str, &str, Vec<u8>)> = vec![];
    for (g, k, res) in kinds {
        let items: Vec<String> = c
            .list(res)
            .iter()
            .map(|v| serde_json::to_string(v).unwrap_or_default())
            .collect();
        let body = format!("[{}]", items.join(","));
        bodies.push((g, k, body.into_bytes()));
    }
    let total: usize = bodies.iter().map(|b| b.2.len()).sum();
    println!("{pods} pods; {} MiB of JSON", total / (1 << 20));
    let mut cat = Catalog::new(set.clone(), vec![ClusterInfo::new("c", "s", None)]);
    let before = live();
    let allocs0 = COUNT.load(Ordering::Relaxed);
    let (mut t_decode, mut t_project, mut t_fold) = (0.0, 0.0, 0.0);
    for (g, k, body) in &bodies {
        let Some((bp, src)) = set.source_for(g, k) else {
            continue;
        };
        let tree = std::env::var("PROBE_WHOLE")
            .is_err()
            .then(|| Arc::new(set.get(bp).field_tree(src)));
        let before_kind = live();
        let t = Instant::now();
        let entered = kubeatlas::blueprint::prune::enter(tree);
        let objs: Vec<kubeatlas::fleet::object::RawObject> =
            serde_json::from_slice(body).unwrap_or_default();
        drop(entered);
        t_decode += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let records: Vec<Record> = objs
            .iter()
            .filter_map(|o| set.get(bp).project(src, &o.value))
            .collect();
        t_project += t.elapsed().as_secs_f64();
        drop(objs);
        let t = Instant::now();
        let n = records.len();
        cat.apply(Change::Resync {
            cluster: ClusterId(0),
            bp,
            source: src as u8,
            records,
        });
        t_fold += t.elapsed().as_secs_f64();
        println!(
            "  {k:<12} {n:>6} objects, {:>6} B each in the catalog",
            (live() - before_kind) / n.max(1) as isize
        );
    }
    let after = live();
    println!(
        "catalog: {} B per pod ({} allocations per pod)",
        (after - before) / pods as isize,
        (COUNT.load(Ordering::Relaxed) - allocs0) / pods
    );
    println!(
        "decode {:.0} ms ({:.0} MB/s), project {:.0} ms, fold {:.0} ms",
        t_decode * 1e3,
        total as f64 / t_decode / 1e6,
        t_project * 1e3,
        t_fold * 1e3
    );
    let typed = Instant::now();
    for (_, k, body) in &bodies {
        if *k == "Pod" {
            let v: Vec<k8s_openapi::api::core::v1::Pod> =
                serde_json::from_slice(body).unwrap_or_default();
            drop(v);
        }
    }
    println!(
        "typed Pod decode {:.0} ms",
        typed.elapsed().as_secs_f64() * 1e3
    );
    // Watch events: one line each, decoded pruned as the watcher does, projected, folded.
    if let Some((bp, src)) = set.source_for("", "Pod") {
        let lines: Vec<String> = c
            .list(SimResource::Pods)
            .iter()
            .map(|v| format!("{{\"type\":\"MODIFIED\",\"object\":{v}}}"))
            .collect();
        let tree = Some(Arc::new(set.get(bp).field_tree(src)));
        let t = Instant::now();
        let _g = kubeatlas::blueprint::prune::enter(tree);
        let evs: Vec<kube::core::WatchEvent<kubeatlas::fleet::object::RawObject>> = lines
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let td = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let recs: Vec<Record> = evs
            .iter()
            .filter_map(|e| match e {
                kube::core::WatchEvent::Modified(o) => set.get(bp).project(src, &o.value),
                _ => None,
            })
            .collect();
        let tp = t.elapsed().as_secs_f64();
        let t = Instant::now();
        for r in recs {
            cat.apply(Change::Apply {
                cluster: ClusterId(0),
                record: r,
            });
        }
        let tf = t.elapsed().as_secs_f64();
        let n = lines.len() as f64;
        println!(
            "watch events: decode {:.1} µs, project {:.1} µs, fold {:.1} µs per event",
            td * 1e6 / n,
            tp * 1e6 / n,
            tf * 1e6 / n
        );
    }
    // Where the TUI's pods view spends its row build.
    if let Some(pod) = set.by_identifier("pod") {
        use kubeatlas::tui::{build, view::Scope};
        use std::hash::Hash;
        let t = Instant::now();
        let mut recs: Vec<&Record> = cat.entities(pod).map(|(_, r)| r).collect();
        recs.sort_by(|a, b| {
            a.namespace
                .cmp(&b.namespace)
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| a.uid.cmp(&b.uid))
        });
        let t_sort = t.elapsed();
        let t = Instant::now();
        let h: usize = recs.iter().map(|r| cat.health(r) as usize).sum();
        let t_health = t.elapsed();
        let t = Instant::now();
        let table = build::list(&cat, pod, &Scope::All);
        let t_list = t.elapsed();
        let t = Instant::now();
        let mut hs = std::collections::hash_map::DefaultHasher::new();
        table.rows.hash(&mut hs);
        let t_hash = t.elapsed();
        let t = Instant::now();
        let order = table.order(None);
        let t_order = t.elapsed();
        let t = Instant::now();
        let f = kubeatlas::tui::filter::apply(&table, &order, "svc-0042");
        let t_filter = t.elapsed();
        println!(
            "pods view ({} rows, {} cells/row): build::list {:.1} ms (of which sort {:.1}, health {:.1}), hash rows {:.1} ms, order {:.1} ms, filter from scratch {:.1} ms ({} kept) [{h}]",
            table.rows.len(),
            table.columns.len(),
            t_list.as_secs_f64() * 1e3,
            t_sort.as_secs_f64() * 1e3,
            t_health.as_secs_f64() * 1e3,
            t_hash.as_secs_f64() * 1e3,
            t_order.as_secs_f64() * 1e3,
            t_filter.as_secs_f64() * 1e3,
            f.rows().len()
        );
    }
    if let Some(pod) = set.by_identifier("pod")
        && let Some(r) = cat.entities(pod).next()
    {
        println!("{:?}", r.1);
    }
}
