//! Decode-and-project cost per pod, the watchers' old path against the new one, in one run:
//! the old path decodes a pruned `serde_json::Value` (`RawObject` under `prune::enter`) and
//! projects it; the new one projects while decoding into a borrowed `Doc`
//! (`fleet::projected::Projector`). Counts heap allocations exactly (a counting allocator)
//! and times both over the same simulator pods (a ratio; absolute times need `--release`).
//!
//! `cargo run --example decode_probe -- [pods] [rounds]`

use kubeatlas::blueprint::BlueprintSet;
use kubeatlas::fleet::object::RawObject;
use kubeatlas::fleet::projected::Projector;
use kubeatlas_sim::{SimFleet, SimResource};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let pods: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let fleet = SimFleet::scaled(1, pods);
    let texts: Vec<String> = fleet.clusters()[0]
        .list(SimResource::Pods)
        .iter()
        .map(|p| p.to_string())
        .collect();
    let set = Arc::new(BlueprintSet::builtin()?);
    let pod = set
        .by_identifier("pod")
        .ok_or_else(|| anyhow::anyhow!("no pod blueprint"))?;
    let bp = set.get(pod);
    let tree = Arc::new(bp.field_tree(0));
    let projector = Projector::new(set.clone(), pod, 0);
    let n = texts.len() * rounds;
    let bytes: usize = texts.iter().map(String::len).sum::<usize>() / texts.len().max(1);

    let measure = |f: &dyn Fn(&str) -> bool| {
        let a0 = ALLOCS.load(Ordering::Relaxed);
        let t0 = Instant::now();
        let mut made = 0usize;
        for _ in 0..rounds {
            for t in &texts {
                made += usize::from(f(t));
            }
        }
        let secs = t0.elapsed().as_secs_f64();
        let allocs = ALLOCS.load(Ordering::Relaxed) - a0;
        (made, allocs as f64 / n as f64, secs * 1e6 / n as f64)
    };
    let old = measure(&|t: &str| {
        let _e = kubeatlas::blueprint::prune::enter(Some(tree.clone()));
        serde_json::from_str::<RawObject>(t)
            .ok()
            .and_then(|o| bp.project(0, &o.value))
            .is_some()
    });
    let new = measure(&|t: &str| {
        let mut d = serde_json::Deserializer::from_str(t);
        projector
            .decode(&mut d)
            .ok()
            .and_then(|p| p.record)
            .is_some()
    });
    println!("{} pods of {bytes} B JSON × {rounds} rounds", texts.len());
    for (name, (made, allocs, us)) in [("old: pruned Value", old), ("new: Doc", new)] {
        println!("{name:>18}: {made} records, {allocs:.1} allocations and {us:.2} µs per pod");
    }
    println!(
        "new/old: allocations {:.2}×, time {:.2}×",
        new.1 / old.1,
        new.2 / old.2
    );
    Ok(())
}
