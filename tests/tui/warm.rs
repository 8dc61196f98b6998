//! Regression guard for opening a big view (issue 14), by counts, never by time: rows built
//! ahead while idle are patched per change whether or not their view is open, opening the
//! view re-projects nothing, building ahead is sliced, and idle does nothing once built.

use crossterm::event::KeyCode;
use kubeatlas::catalog::{Catalog, Change, ClusterId};
use kubeatlas::tui::build::projected_rows;
use kubeatlas::tui::filter::encoded_rows;
use kubeatlas::tui::fixture::{self, app, press, type_text};
use kubeatlas::tui::msg::Msg;
use kubeatlas::tui::page::Page;
use kubeatlas::tui::update;
use kubeatlas::tui::view::{Scope, View};
use std::time::{Duration, Instant};

/// Pods besides the fixture's: above `warm::WARM_MIN`, so the all-pods list is built ahead.
const PODS: usize = 3_000;

fn big() -> Catalog {
    crate::bulk::fleet(PODS)
}

/// Pod `i` of [`big`] rewritten (waiting or not).
fn pod_change(cat: &Catalog, i: usize, waiting: bool) -> Change {
    crate::bulk::pod_change(cat, i, waiting)
}

/// Services besides the fixture's: enough that the matrix takes many slices to build.
const SERVICES: usize = 600;

/// [`big`] with [`SERVICES`] more services, each a Deployment in every cluster.
fn many_services() -> Catalog {
    let mut cat = big();
    for i in 0..SERVICES {
        for c in 0..3u16 {
            let d = deployment(i, c, "1.0.0");
            fixture::apply(&mut cat, c, "apps", "Deployment", d);
        }
    }
    cat
}

/// Service `i`'s Deployment in cluster `c`, running `version`.
fn deployment(i: usize, c: u16, version: &str) -> serde_json::Value {
    let name = format!("svc-{i:04}");
    fixture::deployment(&name, "shop", &format!("{c}-{name}"), version, 2, 2)
}

fn far() -> Instant {
    Instant::now() + Duration::from_secs(3600)
}

fn pods_view(cat: &Catalog) -> View {
    View::List {
        bp: cat.blueprints().by_identifier("pod").expect("pod"),
        scope: Scope::All,
    }
}

/// What a page of `view` shows when built from scratch.
fn rebuilt(cat: &Catalog, view: View) -> Page {
    let mut p = Page::new(view);
    p.refresh(cat, fixture::NOW);
    p
}

#[test]
fn a_view_built_ahead_opens_without_projecting_a_row_and_shows_what_a_rebuild_shows() {
    let mut cat = big();
    let mut a = app(&cat);
    assert!(
        a.warming(&cat),
        "a settled fleet with a big list has rows to build ahead"
    );
    while a.warm(&cat, far()) {}
    assert!(!a.warming(&cat));
    assert!(a.warm_rows() >= PODS, "the pods list is held warm");

    // Changes while the view is closed patch the warm rows: one projection per change.
    let before = projected_rows();
    for i in [3, 30, 300] {
        let c = pod_change(&cat, i, true);
        cat.apply(c);
    }
    update(&mut a, &cat, Msg::Catalog);
    assert_eq!(projected_rows() - before, 3, "3 changed pods, 3 rows");

    // Opening it: no row projected.
    let before = projected_rows();
    type_text(&mut a, &cat, ":pods");
    press(&mut a, &cat, KeyCode::Enter);
    assert_eq!(projected_rows() - before, 0, "opening re-projects nothing");
    assert_eq!(a.page().view, pods_view(&cat));
    let fresh = rebuilt(&cat, pods_view(&cat));
    assert_eq!(a.page().cache.table.rows, fresh.cache.table.rows);
    assert_eq!(a.page().cache.table.columns, fresh.cache.table.columns);
    assert_eq!(a.page().cache.filtered, fresh.cache.filtered);
    assert_eq!(a.page().path, fresh.path);
    assert_eq!(a.page().heading, fresh.heading);

    // Leaving it keeps it warm: a change, then reopening costs that one row.
    press(&mut a, &cat, KeyCode::Esc);
    assert_eq!(a.page().view, View::Fleet);
    let before = projected_rows();
    let c = pod_change(&cat, 31, true);
    cat.apply(c);
    let gone = Change::Delete {
        cluster: ClusterId(2),
        bp: cat.blueprints().by_identifier("pod").expect("pod"),
        uid: "bulk-000005".into(),
    };
    cat.apply(gone);
    update(&mut a, &cat, Msg::Catalog);
    type_text(&mut a, &cat, ":pods");
    press(&mut a, &cat, KeyCode::Enter);
    assert_eq!(
        projected_rows() - before,
        1,
        "1 changed pod (the deleted one is dropped)"
    );
    let fresh = rebuilt(&cat, pods_view(&cat));
    assert_eq!(a.page().cache.table.rows, fresh.cache.table.rows);
    assert_eq!(a.page().len(), fresh.len());
}

#[test]
fn building_ahead_goes_in_slices_and_idle_does_nothing_once_built() {
    let cat = big();
    let mut a = app(&cat);
    // A deadline already past: each call does one slice (one cluster's keys, or one chunk
    // of rows) and says there is more.
    let (mut calls, mut most, mut most_encoded) = (0, 0, 0);
    loop {
        let (before, encoded) = (projected_rows(), encoded_rows());
        let more = a.warm(&cat, Instant::now());
        most = most.max(projected_rows() - before);
        most_encoded = most_encoded.max(encoded_rows() - encoded);
        calls += 1;
        if !more {
            break;
        }
        assert!(calls < 10_000, "building ahead never ends");
    }
    assert!(
        most <= 256,
        "a slice projects at most one chunk of rows, not {most}"
    );
    // Finishing does no pass over every row: the filter's text is encoded chunk by chunk.
    assert!(
        most_encoded <= 256,
        "a slice encodes at most one chunk of rows' text, not {most_encoded}"
    );
    assert!(calls > PODS / 256, "{calls} slices for {PODS} rows");
    // Built: nothing to do, nothing projected.
    let before = projected_rows();
    assert!(!a.warming(&cat));
    assert!(!a.warm(&cat, far()));
    update(&mut a, &cat, Msg::Catalog);
    assert_eq!(projected_rows() - before, 0);
}

#[test]
fn a_warm_view_overtaken_by_a_resync_is_dropped_and_built_again() {
    let mut cat = big();
    let mut a = app(&cat);
    while a.warm(&cat, far()) {}
    let rows = a.warm_rows();
    // More than a quarter of the rows changed at once: patching would cost more than a
    // rebuild, so the warm rows go and are built ahead again.
    for i in 0..PODS / 2 {
        let c = pod_change(&cat, i, true);
        cat.apply(c);
    }
    update(&mut a, &cat, Msg::Catalog);
    assert!(a.warm_rows() < rows, "the overtaken rows are dropped");
    assert!(a.warming(&cat));
    while a.warm(&cat, far()) {}
    assert_eq!(a.warm_rows(), rows);
    type_text(&mut a, &cat, ":pods");
    press(&mut a, &cat, KeyCode::Enter);
    let fresh = rebuilt(&cat, pods_view(&cat));
    assert_eq!(a.page().cache.table.rows, fresh.cache.table.rows);
}

#[test]
fn the_matrix_is_built_ahead_in_slices_too_and_matches_a_rebuild() {
    let mut cat = many_services();
    let mut a = app(&cat);
    let (mut calls, mut most, mut most_encoded) = (0, 0, 0);
    loop {
        let (before, encoded) = (projected_rows(), encoded_rows());
        let more = a.warm(&cat, Instant::now());
        most = most.max(projected_rows() - before);
        most_encoded = most_encoded.max(encoded_rows() - encoded);
        calls += 1;
        // Changes between slices (as the runtime folds them): a new version of some services
        // while the matrix is half built; the finished rows are patched up to them.
        if calls == 20 {
            for i in [1, 2, 500] {
                let d = deployment(i, 2, "2.0.0");
                fixture::apply(&mut cat, 2, "apps", "Deployment", d);
            }
            update(&mut a, &cat, Msg::Catalog);
        }
        if !more {
            break;
        }
        assert!(calls < 10_000, "building ahead never ends");
    }
    assert!(
        most <= 256,
        "a slice projects at most one chunk of rows, matrix rows too, not {most}"
    );
    assert!(
        most_encoded <= 256,
        "a slice encodes at most one chunk of rows' text, not {most_encoded}"
    );
    assert!(
        calls > SERVICES / 256 + PODS / 256,
        "{calls} slices: the matrix's {SERVICES} services are not built in one go"
    );
    let before = projected_rows();
    type_text(&mut a, &cat, ":rs");
    press(&mut a, &cat, KeyCode::Enter);
    assert_eq!(a.page().view, View::Matrix);
    assert_eq!(projected_rows() - before, 0, "opening re-projects nothing");
    let fresh = rebuilt(&cat, View::Matrix);
    assert!(fresh.len() > SERVICES);
    assert_eq!(a.page().cache.table.rows, fresh.cache.table.rows);
    assert_eq!(a.page().cache.table.columns, fresh.cache.table.columns);
    assert_eq!(a.page().cache.filtered, fresh.cache.filtered);
}

#[test]
fn a_big_view_opened_before_it_was_built_ahead_is_built_in_slices_while_keys_are_answered() {
    let cat = big();
    let mut a = app(&cat);
    a.slice_opens(true);
    // Opened at once, before any idle time: the key projects nothing.
    let before = projected_rows();
    type_text(&mut a, &cat, ":pods");
    press(&mut a, &cat, KeyCode::Enter);
    assert_eq!(projected_rows() - before, 0, "the Enter projects no row");
    assert_eq!(a.page().view, pods_view(&cat));
    let (done, of) = a.page().building.expect("the page waits for its rows");
    assert_eq!(done, 0);
    assert!(of >= PODS, "{of} rows expected");
    assert_eq!(a.page().len(), 0);
    // Keys are answered meanwhile: a filter typed now applies once the rows are there.
    type_text(&mut a, &cat, "/bulk-0001");
    press(&mut a, &cat, KeyCode::Enter);
    let (mut calls, mut most, mut most_encoded) = (0, 0, 0);
    while a.page().building.is_some() {
        let (before, encoded) = (projected_rows(), encoded_rows());
        a.warm(&cat, Instant::now());
        most = most.max(projected_rows() - before);
        most_encoded = most_encoded.max(encoded_rows() - encoded);
        calls += 1;
        assert!(calls < 10_000, "the rows are never built");
    }
    assert!(most <= 256, "a slice projects at most 256 rows, not {most}");
    assert!(
        most_encoded <= 256,
        "a slice encodes at most 256 rows' text, not {most_encoded}"
    );
    assert!(calls > PODS / 256, "{calls} slices");
    let mut fresh = Page::new(pods_view(&cat));
    fresh.filter = "bulk-0001".into();
    fresh.refresh(&cat, fixture::NOW);
    assert_eq!(a.page().cache.table.rows, fresh.cache.table.rows);
    assert_eq!(a.page().cache.filtered, fresh.cache.filtered);
    assert!(!a.page().is_empty() && a.page().len() < fresh.cache.table.rows.len());
}
