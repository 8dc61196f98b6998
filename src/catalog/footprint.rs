//! Regression guard for the catalog's memory per pod and the cost of `catalog.apply` (issue 14),
//! by counts that cannot flake on a noisy machine: a counting global allocator (this thread's
//! own allocations only, so tests running beside it do not count) measures the heap bytes and
//! blocks a catalog of realistic pods holds, and the blocks one status change allocates.
//!
//! The figures asserted are this build's with a margin; `examples/store_probe.rs` gives the
//! whole-fleet breakdown behind them.

use super::{Catalog, Change, ClusterId, ClusterInfo};
use crate::blueprint::{BlueprintSet, Record, Value};
use serde_json::{Value as Json, json};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;

thread_local! {
    /// (live bytes, live blocks, blocks allocated) of this thread.
    static COUNTS: Cell<(isize, isize, usize)> = const { Cell::new((0, 0, 0)) };
}

fn count(bytes: isize, blocks: isize, allocated: usize) {
    // `try_with`: a thread being torn down frees memory after its counters are gone.
    let _ = COUNTS.try_with(|c| {
        let (b, n, a) = c.get();
        c.set((b + bytes, n + blocks, a + allocated));
    });
}

struct Counting;

// SAFETY: forwards every call to the system allocator unchanged; the counters are plain
// thread-local cells that never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count(l.size() as isize, 1, 1);
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        count(l.size() as isize, 1, 1);
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        count(-(l.size() as isize), -1, 0);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        count(n as isize - l.size() as isize, 0, 0);
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn counts() -> (isize, isize, usize) {
    COUNTS.with(Cell::get)
}

const PODS: usize = 2_000;
/// Pods per ReplicaSet, ReplicaSets, namespaces and nodes of the synthetic fleet.
const PER_RS: usize = 5;
const NAMESPACES: usize = 4;
const NODES: usize = 20;

fn uid(kind: u32, i: usize) -> String {
    format!("{kind:08x}-f00d-4a11-8b00-{i:012x}")
}

/// A pod as the API server sends it, with what the built-in pod blueprint reads: labels,
/// a controller, a node, two containers with images, ports, requests and limits, statuses,
/// conditions.
fn pod(i: usize) -> Json {
    let rs = i / PER_RS;
    let app = format!("footprint-app-{}", rs / 2);
    let hash = format!("fp{rs:07x}");
    json!({
        "metadata": {
            "uid": uid(1, i),
            "name": format!("{app}-{hash}-{:05x}", i % 99_999),
            "namespace": format!("footprint-ns-{}", rs % NAMESPACES),
            "creationTimestamp": "2026-11-23T20:22:00Z",
            "labels": {"app": app, "pod-template-hash": hash},
            "ownerReferences": [{"uid": uid(2, rs), "controller": true, "name": hash}],
        },
        "spec": {
            "nodeName": format!("footprint-node-{}", i % NODES),
            "containers": [
                {"name": "app", "image": format!("registry.example/{app}:1.4.2"),
                 "ports": [{"containerPort": 8080}],
                 "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                               "limits": {"memory": "256Mi"}}},
                {"name": "envoy", "image": "envoy:1.30"},
            ],
            "volumes": [{"name": "cfg", "configMap": {"name": format!("{app}-config")}}],
        },
        "status": {
            "phase": "Running",
            "podIP": format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255),
            "hostIP": format!("192.168.0.{}", i % NODES),
            "containerStatuses": [
                {"name": "app", "ready": true, "restartCount": 0,
                 "imageID": format!("registry.example/{app}@sha256:{rs:064x}"),
                 "state": {"running": {"startedAt": "2026-11-23T20:23:01Z"}}},
                {"name": "envoy", "ready": true, "restartCount": 0,
                 "imageID": "envoy@sha256:0123",
                 "state": {"running": {"startedAt": "2026-11-23T20:23:02Z"}}},
            ],
            "conditions": [
                {"type": "Ready", "status": "True"},
                {"type": "PodScheduled", "status": "True"},
            ],
        },
    })
}

/// A catalog of [`PODS`] pods (with their namespaces) and the heap (bytes, blocks) it took.
fn catalog() -> (Catalog, isize, isize) {
    let set = Arc::new(BlueprintSet::builtin().unwrap_or_else(|e| panic!("{e}")));
    let pod_bp = set.by_identifier("pod").expect("a pod blueprint");
    let pod_src = 0;
    let objects: Vec<Json> = (0..PODS).map(pod).collect();
    let (b0, n0, _) = counts();
    let mut cat = Catalog::new(set.clone(), vec![ClusterInfo::new("c", "s", None)]);
    let records: Vec<Record> = objects
        .iter()
        .filter_map(|o| set.get(pod_bp).project(pod_src, o))
        .collect();
    assert_eq!(records.len(), PODS);
    cat.apply(Change::Resync {
        cluster: ClusterId(0),
        bp: pod_bp,
        source: pod_src as u8,
        records,
    });
    let (b1, n1, _) = counts();
    (cat, b1 - b0, n1 - n0)
}

/// Set in the process [`measure_alone`] starts.
const CHILD: &str = "KUBEATLAS_FOOTPRINT_CHILD";

/// Run alone in a process of its own by [`measure_alone`] (and a no-op otherwise): the
/// interner then holds nothing yet, so the pods pay for every string they share, whatever
/// the tests beside them interned before.
#[test]
fn footprint_measured_alone() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let (cat, bytes, blocks) = catalog();
    let pod_bp = cat.blueprints().by_identifier("pod").expect("pod");
    assert_eq!(cat.count(ClusterId(0), pod_bp), PODS);
    println!("footprint-measure {bytes} {blocks}");
}

/// (heap bytes, blocks) of the catalog of [`PODS`] pods, measured in a fresh process.
fn measure_alone() -> (isize, isize) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "catalog::footprint::footprint_measured_alone",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .expect("the test binary runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| Some(&l[l.find("footprint-measure ")? + 18..]))
        .unwrap_or_else(|| {
            let err = String::from_utf8_lossy(&out.stderr);
            panic!("no measure from the child process:\n{text}\n{err}")
        });
    let mut n = line
        .split(' ')
        .map(|w| w.parse::<isize>().expect("a number"));
    (n.next().expect("bytes"), n.next().expect("blocks"))
}

#[test]
fn a_pod_in_the_catalog_takes_at_most_its_measured_bytes_and_blocks() {
    let (bytes, blocks) = measure_alone();
    let (per_pod, blocks_per_pod) = (bytes / PODS as isize, blocks as f64 / PODS as f64);
    eprintln!("footprint: {per_pod} B and {blocks_per_pod:.2} blocks per pod");
    // Measured: 730 B and 7.99 blocks per pod (922 B while a value took 16 bytes; 1,053 B and
    // 10.2 blocks before properties and links were stored without their nulls and shared
    // strings took one block each): the set props × 8 B plus a header, the set links × 16 B,
    // the slot, uid, name, the unique pod IP (one block), the indexes, and a share of what 5
    // pods of a ReplicaSet or a namespace share: labels, lists, names.
    assert!(per_pod <= 760, "{per_pod} B per pod");
    assert!(blocks_per_pod <= 8.3, "{blocks_per_pod:.2} blocks per pod");
}

#[test]
fn a_status_change_allocates_only_its_journal_entry() {
    let (mut cat, _, _) = catalog();
    let pod_bp = cat.blueprints().by_identifier("pod").expect("pod");
    let restarts = cat
        .blueprint(pod_bp)
        .prop_index("restarts")
        .expect("restarts");
    let changes: Vec<Change> = cat
        .entities(pod_bp)
        .map(|(cluster, r)| {
            let mut r = r.clone();
            r.props.set(restarts, Value::int(7));
            Change::Apply { cluster, record: r }
        })
        .collect();
    let (_, _, a0) = counts();
    let mut applied = 0;
    for c in changes {
        applied += usize::from(cat.apply(c));
    }
    let (_, _, a1) = counts();
    assert_eq!(applied, PODS, "every change moved the catalog");
    let per_change = (a1 - a0) as f64 / PODS as f64;
    eprintln!("footprint: {per_change:.2} allocations per status change");
    // The journal keeps the entity's uid: one block. Index entries are kept as they were.
    assert!(per_change <= 1.0, "{per_change:.2} allocations per change");
}
