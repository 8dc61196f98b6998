//! Change timeline at scale (release): 5 contexts, 100k pods, 20k Deployments with their
//! ReplicaSets, then a change storm (pods entering and leaving CrashLoopBackOff, Deployments
//! taking new versions). Prints: the first look (seed) and its write, the recorder's cost
//! per frame, the loop turn (refresh + record + key + draw) with and without the timeline,
//! the writer's throughput, and query times on the resulting store. Figures only, no
//! assertions.
//!
//! `cargo run --release --example timeline_scale [pods] [rounds]` (figures in the README were
//! taken in the dev profile, `cargo run --example timeline_scale -- 100000 100`)

use crossterm::event::KeyCode;
use kubeatlas::catalog::{Catalog, Change, ClusterId, ClusterStatus};
use kubeatlas::timeline::store::Bounds;
use kubeatlas::timeline::writer::Settings;
use kubeatlas::timeline::{Query, Recorder, Store, Timeline};
use kubeatlas::tui::fixture::{self, press};
use kubeatlas::tui::msg::Msg;
use kubeatlas::tui::{App, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};

const CONTEXTS: [&str; 5] = ["dev", "qa", "staging", "prod-eu", "prod-us"];
const NS: [&str; 4] = ["shop", "payments", "search", "ledger"];

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn pod(cat: &Catalog, i: usize, waiting: bool) -> Change {
    let w = i / 5;
    let obj = fixture::pod(
        &format!("svc-{w:05}-{i:06}"),
        NS[w % 4],
        &format!("pod-{i}"),
        &format!("rs-{w}"),
        "node-1",
        waiting.then_some("CrashLoopBackOff"),
    );
    Change::Apply {
        cluster: ClusterId((w % CONTEXTS.len()) as u16),
        record: fixture::record(cat.blueprints(), "", "Pod", &obj).expect("pod"),
    }
}

fn deployment(cat: &Catalog, w: usize, version: &str) -> Change {
    let svc = format!("svc-{:05}", w / CONTEXTS.len());
    let d = fixture::deployment(&svc, NS[w % 4], &format!("dep-{w}"), version, 5, 5);
    Change::Apply {
        cluster: ClusterId((w % CONTEXTS.len()) as u16),
        record: fixture::record(cat.blueprints(), "apps", "Deployment", &d).expect("deployment"),
    }
}

fn catalog(pods: usize) -> Catalog {
    let mut cat = fixture::empty(&CONTEXTS);
    for c in 0..CONTEXTS.len() {
        cat.apply(Change::Cluster {
            cluster: ClusterId(c as u16),
            status: ClusterStatus::Ready,
        });
    }
    for w in 0..pods / 5 {
        let ch = deployment(&cat, w, "1.0.0");
        cat.apply(ch);
        let svc = format!("svc-{:05}", w / CONTEXTS.len());
        let mut rs = fixture::replicaset(
            &format!("{svc}-{w}"),
            NS[w % 4],
            &format!("rs-{w}"),
            &format!("dep-{w}"),
            5,
        );
        rs["spec"]["template"] = serde_json::json!({"spec": {"containers": [
            {"name": "app", "image": format!("registry.example/{svc}:1.0.0")}]}});
        rs["metadata"]["annotations"] =
            serde_json::json!({"deployment.kubernetes.io/revision": "1"});
        fixture::apply(
            &mut cat,
            (w % CONTEXTS.len()) as u16,
            "apps",
            "ReplicaSet",
            rs,
        );
    }
    for i in 0..pods {
        let ch = pod(&cat, i, false);
        cat.apply(ch);
    }
    cat
}

fn pct(mut v: Vec<Duration>) -> String {
    v.sort();
    let at = |p: f64| v[((v.len() - 1) as f64 * p) as usize];
    format!(
        "p50 {:>8.2?}  p99 {:>8.2?}  max {:>8.2?}",
        at(0.5),
        at(0.99),
        at(1.0)
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let pods: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("timeline.db");

    let t = Instant::now();
    let mut cat = catalog(pods);
    println!(
        "catalog: {pods} pods, {} Deployments in {:.2?}",
        pods / 5,
        t.elapsed()
    );

    let tl = Timeline::start(
        Settings {
            path: db.clone(),
            bounds: Bounds::default(),
            audit_log: None,
        },
        |n| eprintln!("{}", n.message),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    // First look: every workload's creation and every ReplicaSet's revision.
    // As the TUI does it: at most 4 ms of comparing per frame.
    let mut rec = Recorder::new(&cat);
    let t = Instant::now();
    let (mut seed, mut frames, mut longest) = (vec![], 0, Duration::ZERO);
    loop {
        let f = Instant::now();
        seed.extend(rec.observe_within(&cat, now(), Some(Duration::from_millis(4))));
        longest = longest.max(f.elapsed());
        frames += 1;
        if !rec.behind() {
            break;
        }
    }
    let look = t.elapsed();
    println!("first look: spread over {frames} frames, the longest {longest:.2?}");
    let n_seed = seed.len();
    let t = Instant::now();
    tl.record(seed);
    let stored = rt.block_on(tl.flush()).expect("store");
    println!(
        "first look: {n_seed} entries derived in {look:.2?} ({} entities followed); written in {:.2?} ({:.0} entries/s); store {stored}",
        rec.len(),
        t.elapsed(),
        n_seed as f64 / t.elapsed().as_secs_f64()
    );

    // The storm: each round (one frame) 1,000 pods flip CrashLoopBackOff and 50 Deployments
    // take a new version; the loop turn is timed with the timeline (even rounds) and without
    // (odd rounds: the changes are folded, the recorder catches up untimed).
    let mut a: App = fixture::app(&cat);
    press(&mut a, &cat, KeyCode::Char('m'));
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap_or_else(|e| match e {});
    let (mut with, mut without, mut observe) = (vec![], vec![], vec![]);
    let mut recorded = 0usize;
    let storm = Instant::now();
    for r in 0..rounds {
        for k in 0..1_000 {
            let i = (r * 7919 + k * 104_729) % pods;
            let ch = pod(&cat, i, (r / 2 + k) % 2 == 0);
            cat.apply(ch);
        }
        for k in 0..50 {
            let w = (r * 101 + k * 997) % (pods / 5);
            let ch = deployment(&cat, w, &format!("1.{r}.{k}"));
            cat.apply(ch);
        }
        let timed = r % 2 == 0;
        let t = Instant::now();
        update(&mut a, &cat, Msg::Catalog);
        let o = Instant::now();
        let entries = rec.observe(&cat, now());
        if timed {
            observe.push(o.elapsed());
        }
        recorded += entries.len();
        tl.record(entries);
        let key = if r % 4 < 2 {
            KeyCode::Char('j')
        } else {
            KeyCode::Char('k')
        };
        press(&mut a, &cat, key);
        term.draw(|f| kubeatlas::tui::render::draw(f, &a))
            .unwrap_or_else(|e| match e {});
        let turn = t.elapsed();
        if timed {
            with.push(turn);
        } else {
            // The same turn without the recorder's share.
            without.push(turn - o.elapsed());
        }
    }
    let storm_t = storm.elapsed();
    let t = Instant::now();
    let stored = rt.block_on(tl.flush()).expect("store");
    println!(
        "storm: {rounds} frames × (1,000 pod + 50 Deployment changes): {recorded} entries; the writer was {:.2?} behind at the end; store {stored} entries",
        t.elapsed()
    );
    println!(
        "  {:.0} entries/s arrived over {storm_t:.2?}; the writer kept up to within the last batch",
        recorded as f64 / storm_t.as_secs_f64()
    );
    println!("  recorder per frame          {}", pct(observe));
    println!("  loop turn with timeline     {}", pct(with));
    println!("  loop turn without timeline  {}", pct(without));

    // Queries on the resulting store.
    let store = Store::open(&db).expect("store");
    let services = pods / 5 / CONTEXTS.len();
    let time = |f: &mut dyn FnMut(usize) -> usize| {
        let mut v = vec![];
        let mut rows = 0;
        for q in 0..300 {
            let t = Instant::now();
            rows += f(q);
            v.push(t.elapsed());
        }
        (pct(v), rows / 300)
    };
    let (p, n) = time(&mut |q| {
        let s = format!("svc-{:05}", (q * 7) % services);
        store
            .query(&Query {
                service: Some(s),
                ..Query::default()
            })
            .expect("query")
            .len()
    });
    println!("query: service across environments   {p}  ({n} entries each)");
    let (p, n) = time(&mut |q| {
        let s = format!("svc-{:05}", (q * 7) % services);
        store.reached(&s, "1.0.0").expect("reached").len()
    });
    println!("query: when 1.0.0 reached each env    {p}  ({n} environments each)");
    let (p, n) = time(&mut |q| {
        let w = (q * 13) % (pods / 5);
        store
            .query(&Query {
                context: Some(CONTEXTS[w % CONTEXTS.len()].into()),
                namespace: Some(NS[w % 4].into()),
                owner: Some(format!("svc-{:05}", w / CONTEXTS.len())),
                ..Query::default()
            })
            .expect("query")
            .len()
    });
    println!("query: one workload and its pods      {p}  ({n} entries each)");
    let (p, n) = time(&mut |_| {
        store
            .query(&Query {
                since: Some(now() - 3600),
                limit: 100,
                ..Query::default()
            })
            .expect("query")
            .len()
    });
    println!("query: the last hour, newest 100      {p}  ({n} entries each)");
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    println!("store file: {:.1} MiB", size as f64 / (1 << 20) as f64);
}
