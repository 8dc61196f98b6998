//! TUI benches at 100k pods: projecting the pods view's rows, one filter keystroke over them,
//! rendering one frame on a TestBackend; opening the pods view from rows built ahead (`:pods⏎`
//! then Esc) and patching those rows for a batch of changes while the view is closed.
//! `cargo bench --bench tui`.

#[path = "common/fleet.rs"]
mod fleet;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kubeatlas::catalog::{Catalog, Change};
use kubeatlas::tui::page::Page;
use kubeatlas::tui::theme::Theme;
use kubeatlas::tui::view::{Scope, View};
use kubeatlas::tui::{App, Msg, build, filter, render, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn benches(c: &mut Criterion) {
    let (mut cat, pods) = fleet::build();
    let Some(pod) = cat.blueprints().by_identifier("pod") else {
        return;
    };
    c.bench_function("pods view rows (100k pods)", |b| {
        b.iter(|| black_box(build::list(&cat, pod, &Scope::All).rows.len()))
    });
    let table = build::list(&cat, pod, &Scope::All);
    let order = table.order(None);
    // As a page filters: over the rows' text, kept contiguous beside the rows.
    let texts = filter::Texts::build(&table.rows);
    c.bench_function("filter keystroke (100k rows)", |b| {
        b.iter(|| {
            black_box(
                filter::apply_with(&table, &texts, &order, "svc-0042")
                    .rows()
                    .len(),
            )
        })
    });
    // One more char typed over rows that all held the pattern so far: each match resumes
    // where the last keystroke's ended.
    let node = filter::apply_with(&table, &texts, &order, "node-");
    c.bench_function("filter keystroke narrowing (100k rows)", |b| {
        b.iter(|| {
            black_box(
                filter::narrow_with(&table, &texts, &node, "node-", "node-0")
                    .rows()
                    .len(),
            )
        })
    });
    let mut app = App::new(Theme { color: true }, false, false, 0);
    update(&mut app, &cat, Msg::Resize(200, 60));
    app.push(
        Page::new(View::List {
            bp: pod,
            scope: Scope::All,
        }),
        &cat,
    );
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap_or_else(|e| match e {});
    c.bench_function("render one frame (pods view, 200x60)", |b| {
        b.iter(|| {
            let _ = term.draw(|f| render::draw(f, &app));
        })
    });
    drop(app);

    // Building ahead in 4 ms slices (as the runtime does while idle): the longest slice of a
    // whole build (what a key may wait for), pods, workloads and the matrix.
    let mut g = c.benchmark_group("build ahead");
    g.sampling_mode(criterion::SamplingMode::Flat);
    g.bench_function(
        "longest 4 ms slice (100k pods, 20k workloads, matrix)",
        |b| {
            b.iter_custom(|iters| {
                let mut longest = Duration::ZERO;
                for _ in 0..iters {
                    let mut app = App::new(Theme { color: true }, false, false, 0);
                    update(&mut app, &cat, Msg::Resize(200, 60));
                    loop {
                        let t = Instant::now();
                        let more = app.warm(&cat, t + Duration::from_millis(4));
                        longest = longest.max(t.elapsed());
                        if !more {
                            break;
                        }
                    }
                }
                // The mean over iterations is the longest slice of one build.
                longest * iters as u32
            })
        },
    );
    g.finish();

    // Rows built ahead (as the runtime does while idle), then opened by keys.
    let mut app = App::new(Theme { color: true }, false, false, 0);
    update(&mut app, &cat, Msg::Resize(200, 60));
    while app.warm(&cat, Instant::now() + Duration::from_secs(60)) {}
    let key = |app: &mut App, cat: &Catalog, code: KeyCode| {
        update(app, cat, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    };
    c.bench_function(
        "open the pods view built ahead (:pods⏎, Esc; 100k rows)",
        |b| {
            b.iter(|| {
                for ch in ":pods".chars() {
                    key(&mut app, &cat, KeyCode::Char(ch));
                }
                key(&mut app, &cat, KeyCode::Enter);
                black_box(app.page().len());
                key(&mut app, &cat, KeyCode::Esc);
            })
        },
    );
    let mut round = 0usize;
    c.bench_function(
        "patch closed warm views, 100 pod changes (100k rows)",
        |b| {
            b.iter(|| {
                for (cl, r) in pods.iter().skip(round * 100 % pods.len()).take(100) {
                    let mut r = r.clone();
                    r.created += 1 + round as i64;
                    cat.apply(Change::Apply {
                        cluster: *cl,
                        record: r,
                    });
                }
                round += 1;
                update(&mut app, &cat, Msg::Catalog);
            })
        },
    );
}

criterion_group! {
    name = tui;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(tui);
