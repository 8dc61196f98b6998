//! The TUI side, through the TUI's own code: pages built from the live catalog, the `/` filter
//! typed key by key, frames rendered on a `TestBackend`, and the runtime's redraw-only-on-change
//! loop replayed while nothing changes.

use crate::stats::Samples;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kubeatlas::catalog::{Catalog, Change};
use kubeatlas::tui::page::Page;
use kubeatlas::tui::theme::Theme;
use kubeatlas::tui::view::{Scope, View};
use kubeatlas::tui::{App, Msg, render, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The terminal size of every measurement (a large screen: more cells to draw).
pub const WIDTH: u16 = 200;
pub const HEIGHT: u16 = 60;

fn now_secs() -> i64 {
    jiff::Timestamp::now().as_second()
}

pub fn term() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap_or_else(|e| match e {})
}

/// A fresh app of `WIDTH`×`HEIGHT` showing `view`.
pub fn app_on(cat: &Catalog, view: View) -> App {
    let mut app = App::new(Theme { color: true }, false, false, now_secs());
    update(&mut app, cat, Msg::Resize(WIDTH, HEIGHT));
    app.push(Page::new(view), cat);
    app
}

pub fn draw(term: &mut Terminal<TestBackend>, app: &App) {
    let _ = term.draw(|f| render::draw(f, app));
}

pub fn key(app: &mut App, cat: &Catalog, code: KeyCode) {
    update(app, cat, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// The biggest views: every pod, every workload, the running-service matrix.
pub fn views(cat: &Catalog) -> Vec<(&'static str, View)> {
    let bp = |id: &str| cat.blueprints().by_identifier(id);
    let mut v = vec![];
    if let Some(pod) = bp("pod") {
        v.push((
            "pods",
            View::List {
                bp: pod,
                scope: Scope::All,
            },
        ));
    }
    if let Some(wl) = bp("workload") {
        v.push((
            "workloads",
            View::List {
                bp: wl,
                scope: Scope::All,
            },
        ));
    }
    v.push(("matrix", View::Matrix));
    v
}

pub struct FrameFigures {
    pub view: &'static str,
    pub rows: usize,
    /// Projecting the catalog into rows (what a catalog change costs the next frame).
    pub build: Samples,
    /// Drawing one frame from cached rows.
    pub render: Samples,
}

/// Build the rows of each view `builds` times and render `renders` frames of it.
pub fn frames(cat: &Catalog, builds: usize, renders: usize) -> Vec<FrameFigures> {
    let mut out = vec![];
    for (name, view) in views(cat) {
        let mut build = Samples::default();
        let mut app = app_on(cat, view.clone());
        for _ in 0..builds {
            let t = Instant::now();
            app = app_on(cat, view.clone());
            build.push(t.elapsed());
        }
        let mut term = term();
        let mut render = Samples::default();
        for i in 0..renders {
            // Scroll a little between frames, as a user does.
            key(
                &mut app,
                cat,
                if i % 2 == 0 {
                    KeyCode::Down
                } else {
                    KeyCode::Up
                },
            );
            let t = Instant::now();
            draw(&mut term, &app);
            render.push(t.elapsed());
        }
        out.push(FrameFigures {
            view: name,
            rows: app.page().len(),
            build,
            render,
        });
    }
    out
}

/// Queries typed into the pods view's filter, one key at a time (then Esc).
pub const QUERIES: &[&str] = &[
    "svc-00421",
    "team-03 svc-1",
    "node-042",
    "crashloop",
    "1.4.2",
];

pub struct FilterFigures {
    pub rows: usize,
    /// Per keystroke: the update (the filter over every row) and the frame drawn after it.
    pub keystroke: Samples,
    /// The update alone.
    pub filter: Samples,
    /// Each query's keystrokes (update and frame), in ms, in the order typed.
    pub per_key: Vec<(&'static str, Vec<f64>)>,
}

pub fn filter(cat: &Catalog) -> Option<FilterFigures> {
    let (_, view) = views(cat).into_iter().find(|(n, _)| *n == "pods")?;
    let mut app = app_on(cat, view);
    let rows = app.page().len();
    let mut term = term();
    draw(&mut term, &app);
    let (mut keystroke, mut filter) = (Samples::default(), Samples::default());
    let mut per_key = vec![];
    for q in QUERIES {
        key(&mut app, cat, KeyCode::Char('/'));
        let mut keys = vec![];
        for c in q.chars() {
            let t = Instant::now();
            key(&mut app, cat, KeyCode::Char(c));
            let f = t.elapsed();
            draw(&mut term, &app);
            filter.push(f);
            keystroke.push(t.elapsed());
            keys.push(crate::stats::round3(crate::stats::ms(t.elapsed())));
        }
        per_key.push((*q, keys));
        key(&mut app, cat, KeyCode::Esc);
    }
    Some(FilterFigures {
        rows,
        keystroke,
        filter,
        per_key,
    })
}

pub struct IdleFigures {
    pub secs: f64,
    pub cpu: Duration,
    pub renders: usize,
    /// Renders because an age shown on screen turned over (legitimate).
    pub tick_renders: usize,
    /// Renders because the catalog changed.
    pub catalog_renders: usize,
    pub changes: usize,
}

/// Replay the runtime's loop (fold changes, refresh at most every frame, draw only when
/// dirty, tick when an age on screen turns) on the pods view for `secs`, counting frames and
/// this process's CPU time.
pub async fn idle(
    cat: &mut Catalog,
    changes: &mut mpsc::Receiver<Change>,
    secs: f64,
) -> IdleFigures {
    const FRAME: Duration = Duration::from_millis(33);
    let view = views(cat)
        .into_iter()
        .next()
        .map_or(View::Fleet, |(_, v)| v);
    let mut app = app_on(cat, view);
    // The runtime builds the biggest views ahead once the fleet has settled; that is done
    // before the window: idle is what follows.
    const SLICE: Duration = Duration::from_millis(4);
    while app.warm(cat, Instant::now() + SLICE) {}
    let mut term = term();
    draw(&mut term, &app);
    app.drawn();
    let (mut renders, mut tick_renders, mut catalog_renders, mut n) = (0, 0, 0, 0);
    let mut pending = false;
    let mut ticked = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(secs);
    let cpu0 = crate::procfs::cpu_time();
    let t0 = Instant::now();
    loop {
        if pending {
            pending = false;
            update(&mut app, cat, Msg::Clock { now: now_secs() });
            update(&mut app, cat, Msg::Catalog);
        }
        if app.dirty() {
            draw(&mut term, &app);
            app.drawn();
            renders += 1;
            if ticked {
                tick_renders += 1;
            } else {
                catalog_renders += 1;
            }
        }
        ticked = false;
        // As the runtime: building ahead when nothing else is ready (nothing, once built,
        // unless changes dropped a warm cache).
        if app.warming(cat) {
            app.warm(cat, Instant::now() + SLICE);
            continue;
        }
        let tick = app
            .next_tick(cat)
            .map(|d| tokio::time::Instant::now() + d)
            .unwrap_or(deadline)
            .min(deadline);
        tokio::select! {
            c = changes.recv() => match c {
                Some(c) => {
                    n += 1;
                    pending |= cat.apply(c);
                    while let Ok(c) = changes.try_recv() {
                        n += 1;
                        pending |= cat.apply(c);
                    }
                    // At most one frame per FRAME, as the runtime does.
                    tokio::time::sleep(FRAME).await;
                }
                None => break,
            },
            _ = tokio::time::sleep_until(tick) => {
                if tokio::time::Instant::now() >= deadline {
                    break;
                }
                update(&mut app, cat, Msg::Tick { now: now_secs() });
                ticked = true;
            }
        }
    }
    IdleFigures {
        secs: t0.elapsed().as_secs_f64(),
        cpu: crate::procfs::cpu_time().saturating_sub(cpu0),
        renders,
        tick_renders,
        catalog_renders,
        changes: n,
    }
}
