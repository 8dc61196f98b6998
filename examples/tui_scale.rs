//! TUI scale harness (release): 5 contexts, 100k pods, 20k deployments, a stream of pod
//! changes. Prints per-batch refresh cost (incremental vs a full rebuild), frame cost and
//! per-keystroke filter cost, p50/p99.
//!
//! `cargo run --release --example tui_scale [pods]`

use crossterm::event::KeyCode;
use kubeatlas::catalog::{Catalog, Change, ClusterId, ClusterStatus};
use kubeatlas::tui::fixture::{self, press, type_text};
use kubeatlas::tui::msg::Msg;
use kubeatlas::tui::theme::Theme;
use kubeatlas::tui::{App, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};

const CONTEXTS: [&str; 5] = ["dev", "qa", "staging", "prod-eu", "prod-us"];

fn pod_change(cat: &Catalog, i: usize, waiting: bool) -> Change {
    let c = i % CONTEXTS.len();
    let name = format!("svc-{:05}-{i:06}", i % 20_000);
    let obj = fixture::pod(
        &name,
        ["shop", "payments", "search", "ledger"][i % 4],
        &format!("pod-{i}"),
        "rs",
        "node-1",
        waiting.then_some("CrashLoopBackOff"),
    );
    let record = fixture::record(cat.blueprints(), "", "Pod", &obj).expect("pod");
    Change::Apply {
        cluster: ClusterId(c as u16),
        record,
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
    for i in 0..pods {
        let ch = pod_change(&cat, i, false);
        cat.apply(ch);
    }
    for i in 0..pods / 5 {
        let c = (i % CONTEXTS.len()) as u16;
        let name = format!("svc-{:05}", i % 2000);
        let d = fixture::deployment(&name, "shop", &format!("dep-{i}"), "1.0.0", 3, 3);
        fixture::apply(&mut cat, c, "apps", "Deployment", d);
    }
    cat
}

fn pct(mut v: Vec<Duration>) -> String {
    v.sort();
    let at = |p: f64| v[((v.len() - 1) as f64 * p) as usize];
    format!("p50 {:>8.2?}  p99 {:>8.2?}", at(0.5), at(0.99))
}

fn draw(term: &mut Terminal<TestBackend>, a: &App) -> Duration {
    let t = Instant::now();
    term.draw(|f| kubeatlas::tui::render::draw(f, a))
        .unwrap_or_else(|e| match e {});
    t.elapsed()
}

/// Change batches of `batch` pod updates (plus an add and a delete), each followed by a
/// refresh and a frame; `noted` goes through the change log (incremental), else the catalog
/// is changed behind the app's back (full rebuild, the old behaviour).
fn stream(
    a: &mut App,
    cat: &mut Catalog,
    term: &mut Terminal<TestBackend>,
    pods: usize,
    noted: bool,
    seed: usize,
) -> (Vec<Duration>, Vec<Duration>) {
    let (mut refresh, mut frames) = (vec![], vec![]);
    for b in 0..40 {
        let mut changes: Vec<Change> = (0..200)
            .map(|k| {
                pod_change(
                    cat,
                    (seed + b * 7919 + k * 104_729) % pods,
                    (b + k) % 2 == 0,
                )
            })
            .collect();
        changes.push(pod_change(cat, pods + seed + b, false));
        // Some deployments roll too.
        for k in 0..20 {
            let i = (seed * 31 + b * 101 + k * 997) % (pods / 5);
            let name = format!("svc-{:05}", i % 2000);
            let d = fixture::deployment(
                &name,
                "shop",
                &format!("dep-{i}"),
                "1.0.0",
                3,
                ((b + k + seed) % 4) as i64,
            );
            let record =
                fixture::record(cat.blueprints(), "apps", "Deployment", &d).expect("deployment");
            changes.push(Change::Apply {
                cluster: ClusterId((i % CONTEXTS.len()) as u16),
                record,
            });
        }
        changes.push(Change::Delete {
            cluster: ClusterId(((seed + b) % CONTEXTS.len()) as u16),
            bp: cat.blueprints().by_identifier("pod").expect("pod"),
            uid: format!("pod-{}", seed + b * 5).into(),
        });
        for c in changes {
            cat.apply(c);
        }
        if !noted {
            // Without the journal's steps the page rebuilds all its rows.
            cat.forget_changes();
        }
        let t = Instant::now();
        update(a, cat, Msg::Catalog);
        refresh.push(t.elapsed());
        frames.push(draw(term, a) + *refresh.last().expect("one"));
    }
    (refresh, frames)
}

fn main() {
    let pods: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let t = Instant::now();
    let mut cat = catalog(pods);
    eprintln!("catalog of {pods} pods in {:?}", t.elapsed());
    let mut a = App::new(Theme { color: false }, false, false, fixture::NOW);
    update(&mut a, &cat, Msg::Resize(200, 60));
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap_or_else(|e| match e {});
    for (vi, (view, cmd)) in [
        ("all pods", ":pods"),
        ("all workloads", ":wl"),
        ("matrix", ":rs"),
    ]
    .into_iter()
    .enumerate()
    {
        type_text(&mut a, &cat, cmd);
        let t = Instant::now();
        press(&mut a, &cat, KeyCode::Enter);
        let open = t.elapsed();
        // A seed per view: each stream moves the catalog (a replayed stream changes nothing).
        let seed = 1000 * vi + 10 * cmd.len() + a.stack().len();
        let (full, _) = stream(&mut a, &mut cat, &mut term, pods, false, seed);
        let (inc, frames) = stream(&mut a, &mut cat, &mut term, pods, true, seed + 1);
        println!(
            "{view:>14} [{} rows] open {open:.2?}\n  refresh per batch (202 changes), full rebuild: {}\n  refresh per batch, incremental:                {}\n  frame (refresh + draw 200x60), incremental:    {}",
            a.page().cache.table.rows.len(),
            pct(full),
            pct(inc),
            pct(frames)
        );
    }
    // Filter keystrokes over all pods, with a sort by name and a change batch between keys.
    type_text(&mut a, &cat, ":pods");
    press(&mut a, &cat, KeyCode::Enter);
    let mut keys = vec![];
    for round in 0..5 {
        press(&mut a, &cat, KeyCode::Char('/'));
        for ch in "svc-0012-"
            .chars()
            .chain(std::iter::once('\u{8}'))
            .chain("9".chars())
        {
            let t = Instant::now();
            if ch == '\u{8}' {
                press(&mut a, &cat, KeyCode::Backspace);
            } else {
                press(&mut a, &cat, KeyCode::Char(ch));
            }
            let u = t.elapsed();
            let d = draw(&mut term, &a);
            if round == 0 {
                println!(
                    "  key {ch:?}: update {u:.2?} draw {d:.2?} rows {}",
                    a.page().len()
                );
            }
            keys.push(u + d);
        }
        let shown = a.page().len();
        press(&mut a, &cat, KeyCode::Esc);
        if round == 0 {
            println!("  filter 'svc-0012-9' keeps {shown} rows");
        }
        stream(&mut a, &mut cat, &mut term, pods, true, 3 + round);
    }
    println!("filter keystroke (update + draw), all pods: {}", pct(keys));
}
