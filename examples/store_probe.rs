//! Where the catalog's memory goes (issue 14): every source the built-in blueprints read, listed
//! from simulated clusters in-process, projected and folded as the watchers do (one `Resync`
//! per source), with a counting allocator: live heap bytes per kind and per pod, allocations
//! per pod, then `catalog.apply` of a status change to every pod (the bench's pure fold).
//!
//! ```text
//! cargo run --release --example store_probe -- [PODS] [CONTEXTS]
//! ```
//!
//! Run it under `heaptrack` for the per-call-site breakdown; `--no-fold` stops after the list.

use kubeatlas::blueprint::{BlueprintSet, Record, Value as PropValue};
use kubeatlas::catalog::{Catalog, Change, ClusterId, ClusterInfo};
use kubeatlas_sim::{SimFleet, SimResource};
use serde_json::Value;
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
        COUNT.fetch_sub(1, Ordering::Relaxed);
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

fn blocks() -> isize {
    COUNT.load(Ordering::Relaxed) as isize
}

/// Every kind the simulator serves, as (group, kind).
const KINDS: [(SimResource, &str, &str); 15] = [
    (SimResource::Namespaces, "", "Namespace"),
    (SimResource::Nodes, "", "Node"),
    (SimResource::Deployments, "apps", "Deployment"),
    (SimResource::ReplicaSets, "apps", "ReplicaSet"),
    (SimResource::StatefulSets, "apps", "StatefulSet"),
    (SimResource::DaemonSets, "apps", "DaemonSet"),
    (SimResource::Jobs, "batch", "Job"),
    (SimResource::CronJobs, "batch", "CronJob"),
    (SimResource::Workers, "demo.kubeatlas.dev", "Worker"),
    (
        SimResource::ControllerRevisions,
        "apps",
        "ControllerRevision",
    ),
    (SimResource::Events, "", "Event"),
    (SimResource::Services, "", "Service"),
    (SimResource::ConfigMaps, "", "ConfigMap"),
    (SimResource::Secrets, "", "Secret"),
    (SimResource::Pods, "", "Pod"),
];

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let pods: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let contexts: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let no_fold = std::env::args().any(|a| a == "--no-fold");
    let fleet = SimFleet::scaled(contexts, pods / contexts.max(1));
    let set = Arc::new(BlueprintSet::builtin().unwrap_or_else(|e| panic!("{e}")));
    // The objects, as the watchers would receive them (field selectors, metadata only).
    let mut lists: Vec<(usize, &str, Vec<Value>)> = vec![];
    for (i, c) in fleet.clusters().iter().enumerate() {
        for (res, group, kind) in KINDS {
            let Some((bp, src)) = set.source_for(group, kind) else {
                continue;
            };
            let spec = &set.get(bp).spec.sources[src];
            let mut items = c.list(res);
            if let Some(f) = &spec.field_selector {
                items.retain(|o| {
                    f.split(',').all(|t| {
                        let (k, v) = t.split_once('=').unwrap_or((t, ""));
                        o.pointer(&format!("/{}", k.replace('.', "/")))
                            .and_then(Value::as_str)
                            == Some(v)
                    })
                });
            }
            if spec.metadata_only {
                for o in &mut items {
                    *o = serde_json::json!({"metadata": o["metadata"].clone()});
                }
            }
            lists.push((i, kind, items));
        }
    }
    let mut cat = Catalog::new(
        set.clone(),
        (0..contexts)
            .map(|i| ClusterInfo::new(format!("c{i}"), "s", None))
            .collect(),
    );
    let (before, blocks0) = (live(), blocks());
    let mut per_kind: Vec<(&str, usize, isize, isize)> = vec![];
    let t = Instant::now();
    for (cluster, kind, items) in &lists {
        let Some((bp, src)) = KINDS
            .iter()
            .find(|k| k.2 == *kind)
            .and_then(|k| set.source_for(k.1, k.2))
        else {
            continue;
        };
        let (l0, b0) = (live(), blocks());
        let records: Vec<Record> = items
            .iter()
            .filter_map(|o| set.get(bp).project(src, o))
            .collect();
        let n = records.len();
        cat.apply(Change::Resync {
            cluster: ClusterId(*cluster as u16),
            bp,
            source: src as u8,
            records,
        });
        match per_kind.iter_mut().find(|k| k.0 == *kind) {
            Some(k) => {
                k.1 += n;
                k.2 += live() - l0;
                k.3 += blocks() - b0;
            }
            None => per_kind.push((kind, n, live() - l0, blocks() - b0)),
        }
    }
    let fold_s = t.elapsed().as_secs_f64();
    let (after, blocks1) = (live(), blocks());
    let objects: usize = per_kind.iter().map(|k| k.1).sum();
    println!(
        "{pods} pods over {contexts} contexts, {objects} objects; projected and folded in {:.0} ms",
        fold_s * 1e3
    );
    for (kind, n, bytes, b) in &per_kind {
        println!(
            "  {kind:<20} {n:>7} objects {:>7} KiB  {:>6} B and {:>5.1} blocks each",
            bytes / 1024,
            bytes / (*n).max(1) as isize,
            *b as f64 / (*n).max(1) as f64
        );
    }
    println!(
        "catalog live heap: {} B per pod, {:.1} blocks per pod (objects of every kind over pods)",
        (after - before) / pods as isize,
        (blocks1 - blocks0) as f64 / pods as f64
    );
    if no_fold {
        // Under heaptrack, what the catalog holds shows as "leaked", by call site.
        drop(lists);
        drop(fleet);
        std::mem::forget(cat);
        return;
    }
    // The bench's pure fold: every pod, its restarts property changed.
    let Some(pod) = set.by_identifier("pod") else {
        return;
    };
    let restarts = set.get(pod).prop_index("restarts");
    let mut changes: Vec<Change> = vec![];
    for (cluster, r) in cat.entities(pod) {
        let mut r = r.clone();
        if let Some(i) = restarts {
            let v = r.props.get(i).and_then(PropValue::as_int).unwrap_or(0);
            r.props.set(i, PropValue::int(v + 1000));
        }
        changes.push(Change::Apply {
            cluster: ClusterId(cluster.0),
            record: r,
        });
    }
    let n = changes.len();
    let t = Instant::now();
    let mut moved = 0;
    for c in changes {
        moved += usize::from(cat.apply(c));
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "catalog.apply: {n} pod changes ({moved} applied) in {:.0} ms = {:.0}k/s",
        s * 1e3,
        n as f64 / s / 1e3
    );
    println!(
        "after the fold (journal full): {} B per pod",
        (live() - before) / pods as isize
    );
}
