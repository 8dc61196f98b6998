//! Opening a view, measured as a user meets it: from the key that opens it (`:pods⏎`,
//! `:wl⏎`, `:rs⏎` typed on the fleet) to the frame that shows it, every key of the way (each
//! key is its update and the frame drawn after it). Two ways:
//!
//! - `cold`: a fresh app, nothing built ahead (the first open in a session that has not been
//!   idle yet; what every open cost before rows were kept warm);
//! - `warm`: the app built the biggest views' rows ahead while idle (as the runtime does), then
//!   between opens the catalog changes (pod restarts) and the app folds them, as it would live;
//!   each round opens the view, then `Esc` back to the fleet.

use crate::screen::{self, draw, key};
use crate::stats::Samples;
use crossterm::event::KeyCode;
use kubeatlas::blueprint::Value as PropValue;
use kubeatlas::catalog::{Catalog, Change};
use kubeatlas::tui::view::View;
use kubeatlas::tui::{Msg, update};
use std::time::{Duration, Instant};

/// The views and the command that opens each.
pub const VIEWS: &[(&str, &str)] = &[("pods", "pods"), ("workloads", "wl"), ("matrix", "rs")];

pub struct OpenFigures {
    pub view: &'static str,
    pub rows: usize,
    /// Every key of the way (`:`, the word, Enter; Esc back when warm), key → frame.
    pub keys: Samples,
    /// The Enter that opens the view alone.
    pub open: Samples,
    /// Sliced cold opens (as the program does): from the Enter to the frame with the rows,
    /// the rows built in 4 ms slices meanwhile, and those slices (what a key waits at most).
    pub ready: Samples,
    pub slices: Samples,
}

pub struct WarmFigures {
    /// Building ahead: the slices (the longest is what a key can wait), total time.
    pub slices: Samples,
    pub total: Duration,
    pub rows: usize,
    /// RSS growth from building ahead (the warm rows' memory).
    pub rss_bytes: u64,
    pub changes_per_round: usize,
}

/// Type `:word⏎` on the fleet; push each key's key→frame into `keys`, the Enter's into `open`.
fn open_by_keys(
    app: &mut kubeatlas::tui::App,
    cat: &Catalog,
    term: &mut ratatui::Terminal<ratatui::backend::TestBackend>,
    word: &str,
    keys: &mut Samples,
    open: &mut Samples,
) {
    let codes = std::iter::once(KeyCode::Char(':'))
        .chain(word.chars().map(KeyCode::Char))
        .chain(std::iter::once(KeyCode::Enter));
    for c in codes {
        let t = Instant::now();
        key(app, cat, c);
        draw(term, app);
        let d = t.elapsed();
        keys.push(d);
        if c == KeyCode::Enter {
            open.push(d);
        }
    }
}

/// A fresh app on the fleet, drawn once.
fn fleet_app(cat: &Catalog) -> kubeatlas::tui::App {
    let app = screen::app_on(cat, View::Fleet);
    let mut term = screen::term();
    draw(&mut term, &app);
    app
}

/// Cold opens: `rounds` fresh apps per view; `sliced`: the rows built in slices after the
/// Enter, as the program does (else on the spot, in the Enter, as before).
pub fn cold(cat: &Catalog, rounds: usize, sliced: bool) -> Vec<OpenFigures> {
    const SLICE: Duration = Duration::from_millis(4);
    let mut out = vec![];
    for &(view, word) in VIEWS {
        let (mut keys, mut open) = (Samples::default(), Samples::default());
        let (mut ready, mut slices) = (Samples::default(), Samples::default());
        let mut rows = 0;
        for _ in 0..rounds {
            let mut app = fleet_app(cat);
            app.slice_opens(sliced);
            let mut term = screen::term();
            draw(&mut term, &app);
            let t0 = Instant::now();
            open_by_keys(&mut app, cat, &mut term, word, &mut keys, &mut open);
            while app.page().building.is_some() {
                let t = Instant::now();
                app.warm(cat, t + SLICE);
                draw(&mut term, &app);
                slices.push(t.elapsed());
            }
            ready.push(t0.elapsed());
            rows = app.page().len();
        }
        out.push(OpenFigures {
            view,
            rows,
            keys,
            open,
            ready,
            slices,
        });
    }
    out
}

/// Pod changes for one round: `n` pods' restart counts bumped (a live fleet between opens).
fn pod_changes(cat: &Catalog, n: usize, round: usize) -> Vec<Change> {
    let Some(pod) = cat.blueprints().by_identifier("pod") else {
        return vec![];
    };
    let restarts = cat.blueprint(pod).prop_index("restarts");
    cat.entities(pod)
        .skip(round * n)
        .take(n)
        .map(|(cluster, r)| {
            let mut r = r.clone();
            if let Some(i) = restarts {
                let v = r.props.get(i).and_then(PropValue::as_int).unwrap_or(0);
                r.props.set(i, PropValue::int(v + 1));
            }
            Change::Apply { cluster, record: r }
        })
        .collect()
}

/// Warm opens: one app builds ahead, then `rounds` rounds of (changes folded, open, Esc).
pub fn warm(cat: &mut Catalog, rounds: usize, changes: usize) -> (WarmFigures, Vec<OpenFigures>) {
    const SLICE: Duration = Duration::from_millis(4);
    let mut app = fleet_app(cat);
    let mut term = screen::term();
    let rss0 = crate::procfs::rss();
    let mut slices = Samples::default();
    let t0 = Instant::now();
    loop {
        let t = Instant::now();
        let more = app.warm(cat, t + SLICE);
        slices.push(t.elapsed());
        if !more {
            break;
        }
    }
    let total = t0.elapsed();
    let warm = WarmFigures {
        slices,
        total,
        rows: app.warm_rows(),
        rss_bytes: crate::procfs::rss().saturating_sub(rss0),
        changes_per_round: changes,
    };
    let mut out = vec![];
    let mut round = 0;
    for &(view, word) in VIEWS {
        let (mut keys, mut open) = (Samples::default(), Samples::default());
        let mut rows = 0;
        for _ in 0..rounds {
            for c in pod_changes(cat, changes, round) {
                cat.apply(c);
            }
            round += 1;
            update(&mut app, cat, Msg::Catalog);
            draw(&mut term, &app);
            open_by_keys(&mut app, cat, &mut term, word, &mut keys, &mut open);
            rows = app.page().len();
            let t = Instant::now();
            key(&mut app, cat, KeyCode::Esc);
            draw(&mut term, &app);
            keys.push(t.elapsed());
            // What is left warms again while idle (nothing, unless a cache was dropped).
            while app.warm(cat, Instant::now() + SLICE) {}
        }
        out.push(OpenFigures {
            view,
            rows,
            keys,
            open,
            ready: Samples::default(),
            slices: Samples::default(),
        });
    }
    (warm, out)
}
