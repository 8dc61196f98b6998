//! Scale checks of the TUI's projections: a big fleet is projected once per revision, a frame
//! only formats the visible rows.

use crossterm::event::KeyCode;
use kubeatlas::catalog::Catalog;
use kubeatlas::tui::fixture::{self, app, press, type_text};
use kubeatlas::tui::msg::Msg;
use kubeatlas::tui::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};

/// Extra pods in the big fleet (spread over the three clusters).
const PODS: usize = 5_000;

fn big(pods: usize) -> Catalog {
    crate::bulk::fleet(pods)
}

/// Frames over a large list cost the visible rows only: with the rows cached, drawing 100
/// frames takes far less than rebuilding the list once per frame would.
#[test]
fn frames_do_not_reproject_the_catalog() {
    let cat = big(PODS);
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":pods");
    press(&mut a, &cat, KeyCode::Enter);
    let t0 = Instant::now();
    update(&mut a, &cat, Msg::Catalog);
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap_or_else(|e| match e {});
    let mut frames = Duration::ZERO;
    for _ in 0..100 {
        press(&mut a, &cat, KeyCode::Char('j'));
        let t = Instant::now();
        term.draw(|f| kubeatlas::tui::render::draw(f, &a))
            .unwrap_or_else(|e| match e {});
        frames += t.elapsed();
    }
    let build = {
        let t = Instant::now();
        let _ = kubeatlas::tui::build::list(
            &cat,
            cat.blueprints().by_identifier("pod").expect("pod"),
            &kubeatlas::tui::view::Scope::All,
        );
        t.elapsed()
    };
    eprintln!(
        "100 frames: {frames:?}; one projection of {} pods: {build:?}; first refresh {:?}",
        PODS,
        t0.elapsed()
    );
    assert!(
        frames < build * 20,
        "frames {frames:?} vs projection {build:?}"
    );
    assert_eq!(a.page().index, 100);
}

/// A change to one pod in a big list patches that row only: the work is O(changed), not a
/// re-projection of the list (counted, not timed). Adds and deletes keep the natural order,
/// the sort and the selection, and the result equals a full rebuild.
#[test]
fn a_change_batch_reprojects_only_the_changed_rows() {
    use kubeatlas::catalog::{Change, ClusterId};
    use kubeatlas::tui::build::projected_rows;
    use kubeatlas::tui::page::Page;
    let mut cat = big(PODS);
    let mut a = app(&cat);
    type_text(&mut a, &cat, ":pods");
    press(&mut a, &cat, KeyCode::Enter);
    // Sorted by a column, filtered, with a selection in the middle.
    press(&mut a, &cat, KeyCode::Char('>'));
    type_text(&mut a, &cat, "/bulk-00");
    press(&mut a, &cat, KeyCode::Enter);
    for _ in 0..40 {
        press(&mut a, &cat, KeyCode::Char('j'));
    }
    let selected = a.page().selected.clone();
    let pod = crate::bulk::pod_change;
    let before = projected_rows();
    for i in [7, 70, 700] {
        let c = pod(&cat, i, true);
        cat.apply(c);
    }
    let c = pod(&cat, PODS + 1, false);
    cat.apply(c);
    let gone = Change::Delete {
        cluster: ClusterId(2),
        bp: cat.blueprints().by_identifier("pod").expect("pod"),
        uid: "bulk-000005".into(),
    };
    cat.apply(gone);
    update(&mut a, &cat, Msg::Catalog);
    assert_eq!(
        projected_rows() - before,
        4,
        "3 updated + 1 added, nothing else"
    );
    assert_eq!(a.page().selected, selected, "the selection follows its row");

    // Exactly what a full rebuild shows.
    let mut fresh = Page::new(a.page().view.clone());
    fresh.sort = a.page().sort;
    fresh.filter = a.page().filter.clone();
    fresh.refresh(&cat, fixture::NOW);
    let (p, f) = (&a.page().cache, &fresh.cache);
    assert_eq!(p.table.rows, f.table.rows);
    assert_eq!(p.filtered, f.filtered);
    assert!(projected_rows() - before > PODS as u64);

    // A journal that no longer reaches back to the page's revision (here forgotten; in the
    // program, more steps than it keeps) still shows the change, by a full rebuild.
    let c = pod(&cat, 9, true);
    cat.apply(c);
    cat.forget_changes();
    let before = projected_rows();
    update(&mut a, &cat, Msg::Catalog);
    assert!(projected_rows() - before > PODS as u64);
}
